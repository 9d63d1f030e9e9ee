/* Lesson cards: for each scenario of the catalogue, what to watch on the
 * screen, the question to ask the class before revealing it, and the
 * take-away. `conctop lesson NAME` prints a card, `conctop tour` walks the
 * course notes' lessons in order, and a classroom run shows the card at its
 * start and end. Like the catalogue, this is data only: no scenario code.
 *
 * Each text is a few short lines (at most 72 characters each, separated by
 * '\n', no trailing newline), so a card fits an 80-column terminal. */
#ifndef CONCTOP_SCENARIO_LESSONS_H
#define CONCTOP_SCENARIO_LESSONS_H

/* One lesson card. */
struct lesson_card {
	const char *name;     /* the scenario, as in the catalogue */
	const char *title;    /* a few words: "Lost updates on a shared counter" */
	const char *watch;    /* what to watch on the lanes */
	const char *question; /* what to ask the class before revealing */
	const char *takeaway; /* what to remember */
};

/* Every card, in the catalogue's order. */
extern const struct lesson_card lesson_cards[];
extern const unsigned lesson_cards_len;

/* The course notes' lessons, in the order `conctop tour` runs them. */
extern const char *const lesson_tour[];
extern const unsigned lesson_tour_len;

/* The card of scenario name, or NULL if there is none. */
const struct lesson_card *lesson_find(const char *name);

#endif
