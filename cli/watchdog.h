/* A process that outlives conctop to undo what conctop did, should it die
 * without undoing it itself (kill -9, the OOM killer, a crash): it waits
 * on a pipe from conctop, and the pipe's end of file, with no goodbye
 * before it, is conctop's death. target.c's guard kills the program's
 * group then; autogroup.c's keeper gives the session's nice back. */
#ifndef CONCTOP_WATCHDOG_H
#define CONCTOP_WATCHDOG_H

#include <sys/types.h>

struct watchdog {
	pid_t pid;  /* > 0 while it watches */
	int fd;     /* the write end of its pipe (while pid > 0) */
};

/* What a watchdog does once conctop died: called in the forked child,
 * where only async-signal-safe calls are allowed (conctop has threads). */
typedef void (*watchdog_fn)(const void *arg);

/* Forks a watchdog, named name in ps (not "conctop": pkill conctop is for
 * conctop). It ignores the stop signals (Ctrl-C and a kill of conctop's
 * group are not for it), keeps none of conctop's descriptors but keep_fd
 * (-1: none; never the tracer's links or the trace file), and calls
 * fn(arg) when conctop dies without dismissing it; arg is its copy of
 * conctop's memory at the fork. Returns 0 or -errno. */
int watchdog_start(struct watchdog *w, const char *name, int keep_fd, watchdog_fn fn, const void *arg);

/* Says goodbye: the watchdog exits without calling its fn. Nothing when
 * none was started (pid 0). */
void watchdog_dismiss(struct watchdog *w);

#endif
