/* The session's autogroup (sched(7)) at nice -20 while conctop traces a
 * process of another session, and its old nice given back however
 * conctop ends: by conctop itself, or by a keeper process when conctop
 * dies without doing it (kill -9, the OOM killer, a third Ctrl-C). */
#ifndef CONCTOP_AUTOGROUP_H
#define CONCTOP_AUTOGROUP_H

#include <stdbool.h>
#include <sys/types.h>
#include "watchdog.h"

struct autogroup_boost {
	bool boosted;
	int fd;            /* /proc/self/autogroup, open while boosted */
	char undo[16];     /* what to write there to give the old nice back */
	struct watchdog keeper; /* gives it back if conctop dies first (pid 0: none) */
};

/* Starts b empty: nothing boosted. */
void autogroup_boost_init(struct autogroup_boost *b);

/* Puts this process's autogroup at nice `nice` when pid is in another
 * autogroup and this one is above it; leaves everything alone otherwise
 * (the same session, a kernel without autogroups, no right to). */
void autogroup_boost_start(struct autogroup_boost *b, pid_t pid, int nice);

/* Gives the old nice back (if boosted) and dismisses the keeper. */
void autogroup_boost_done(struct autogroup_boost *b);

#endif
