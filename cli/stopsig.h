/* The stop signals (SIGINT, SIGTERM, SIGHUP), in one place for every
 * command: the handler notes the first, counts them and writes each to a
 * self-pipe, so that a poll() loop wakes for them (evloop.h). SIGPIPE is
 * ignored. */
#ifndef CONCTOP_STOPSIG_H
#define CONCTOP_STOPSIG_H

/* Installs the handlers and makes the pipe (once; later calls do nothing).
 * Returns 0 or -errno. Install before a screen is opened: ncurses leaves
 * the stop signals alone when they have handlers; and before a command
 * sets up (record and the live view attach for a second or more: a
 * signal sent meanwhile, even one its shell had it ignore, stops it once
 * its loop listens). Until stopsig_last_resort says otherwise, the third
 * stop signal exits at once (128 + it). */
int stopsig_install(void);

/* The pipe's read end (non-blocking), or -1 before stopsig_install. */
int stopsig_fd(void);

/* Empties the pipe. Returns the last signal read from it, 0 when none. */
int stopsig_take(void);

/* The first stop signal received (0: none), and how many arrived. */
int stopsig_first(void);
int stopsig_count(void);

/* What the third stop signal does besides being counted: when fn is set
 * (a screen is up), fn() (async-signal-safe: it restores the terminal),
 * then _exit(128 + the signal), for a program that no longer listens.
 * NULL: nothing more (record counts further signals itself). */
void stopsig_last_resort(void (*fn)(void));

#endif
