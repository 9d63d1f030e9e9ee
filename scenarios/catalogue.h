/* The catalogue of built-in scenarios: what conctop lists and can run.
 *
 * conctop's command line links only this (no scenario code): `conctop list`
 * prints it, and `conctop run NAME` looks NAME up here to find the program
 * build/scenarios/NAME and the arguments to give it when the user gives none.
 */
#ifndef CONCTOP_SCENARIO_CATALOGUE_H
#define CONCTOP_SCENARIO_CATALOGUE_H

/* One scenario. */
struct scenario_info {
	const char *name;         /* program name, e.g. "race" */
	const char *lesson;       /* one line: what it teaches */
	const char *default_args; /* arguments for a live run when the user
				   * gives none (slows it to human pace); may
				   * be "" */
	const char *key_lanes;    /* the classroom view shows these threads'
				   * lanes first, so that paging never hides
				   * the lesson: names separated by spaces,
				   * "worker" also naming "worker-2"; NULL:
				   * the lanes in order */
};

/* All scenarios, in the order conctop lists them. */
extern const struct scenario_info scenario_catalogue[];
extern const unsigned scenario_catalogue_len;

/* The scenario called name, or NULL if there is none. */
const struct scenario_info *scenario_find(const char *name);

/* The scenario a command line runs ("event --pace 200": event), or NULL. */
const struct scenario_info *scenario_of_command(const char *command);

#endif
