/* The catalogue of built-in scenarios (see catalogue.h). */
#include "catalogue.h"

#include <stddef.h>
#include <string.h>

/* Lessons stay under 72 characters, so `conctop list` fits 80 columns.
 * default_args make a live run last a few seconds at a pace a person can
 * follow (each scenario picks fewer iterations when --pace is given). */
const struct scenario_info scenario_catalogue[] = {
	{"race",
	 "without a lock, a shared counter loses updates; --fixed adds a mutex",
	 "--pace 50"},
	{"condvar",
	 "waiters sleep on a condition variable until signalled (or --broadcast)",
	 "--pace 100"},
	{"barrier",
	 "runners meet at a barrier after each phase and wait for a straggler",
	 "--pace 100"},
	{"prodcons",
	 "a bounded buffer: producers block when it is full, consumers when empty",
	 "--pace 50"},
};

const unsigned scenario_catalogue_len =
	sizeof scenario_catalogue / sizeof scenario_catalogue[0];

/* Looks a scenario up by its exact name. */
const struct scenario_info *scenario_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < scenario_catalogue_len; i++)
		if (strcmp(scenario_catalogue[i].name, name) == 0)
			return &scenario_catalogue[i];
	return NULL;
}
