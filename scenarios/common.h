/* The little that every conctop scenario shares.
 *
 * A scenario is a small C program that tells one story about threads (a race,
 * a wakeup, a barrier, a bounded buffer). This header gives it:
 *
 *   - conctop_mark(): a marker the tracer hooks, so conctop can narrate the
 *     story ("item 7 produced") on the timeline;
 *   - a tiny option parser driven by a table, so every scenario has the same
 *     --help, the same error messages and the same exit codes;
 *   - helpers to name threads, burn CPU for a while, sleep, and count CPUs;
 *   - a watchdog, so that a story that hangs (a deadlock, a lost wakeup) is
 *     caught and reported instead of hanging the class.
 *
 * Exit codes used by every scenario: 0 the story went as claimed, 1 it did
 * not (or something failed at run time), 2 bad command line.
 */
#ifndef CONCTOP_SCENARIO_COMMON_H
#define CONCTOP_SCENARIO_COMMON_H

#include <time.h> /* struct timespec */

/* Tells a watching tracer that the story reached a point: label is a short
 * static string (under 64 bytes), value a number that goes with it. When
 * nothing traces the program this does nothing at all, so call it freely
 * (but not millions of times: under a tracer every call costs a few µs). */
void conctop_mark(const char *label, long value);

/* One command-line option of a scenario. The option table is the single
 * place that says what a scenario accepts; --help is printed from it.
 *
 * Three kinds, told apart by arg:
 *   - a number: arg names it ("N", "MS"), value gets it, within [min, max];
 *   - a flag: arg is NULL, value gets 1 when the option is given;
 *   - a choice: arg lists the words it accepts, separated by '|'
 *     ("racy|mutex|atomic"), value gets the index of the word given (0 for
 *     the first); min and max are not used (write 0, 0). */
struct scn_option {
	const char *name; /* "--threads" */
	const char *arg;  /* "N", "MS", "a|b|c", or NULL for an on/off flag */
	long *value;      /* where the number goes; a flag stores 1 */
	long min, max;    /* accepted range of the number */
	const char *help; /* one line for --help, with the default */
};

/* Reads argv against the table. --help prints usage, the options and the
 * lesson (about), then exits 0; anything unknown or out of range prints one
 * line on stderr naming the option and exits 2. Accepts "--opt N" and
 * "--opt=N". Options not given keep the value they had. With
 * CONCTOP_CHECK_ARGS set in the environment it exits 0 once they are read
 * (conctop checks a scenario's arguments so before it traces). */
void scn_parse_options(int argc, char **argv, const char *name,
		       const char *about, const struct scn_option *opts,
		       int nopts);

/* Parses a whole decimal number in [min, max]; 0 on success, -1 if text is
 * empty, not a number, has trailing junk, or is out of range. */
int scn_parse_int(const char *text, long min, long max, long *out);

/* The word number index (0, 1, ...) of a choice list "a|b|c", copied into
 * out (len bytes); "?" if there is no such word. Returns out. */
char *scn_choice_name(const char *choices, long index, char *out, int len);

/* Names the calling thread "role-index" ("consumer-2"), or just "role" when
 * index is 0, cut to the kernel's 15 characters. Naming the main thread also
 * renames the process as ps and top show it. */
void scn_name_thread(const char *role, int index);

/* Burns us microseconds of this thread's own CPU time (time spent waiting
 * for a CPU does not count), like real computation would. */
void scn_busy_us(long us);

/* One paced step of a story: burns ms milliseconds of CPU (see --pace).
 * Does nothing when ms is 0. */
void scn_pace(long ms);

/* Sleeps ms milliseconds: the thread is off the CPU meanwhile, as when it
 * waits for a disk or a network (unlike scn_pace, which computes). */
void scn_sleep_ms(long ms);

/* Milliseconds on the monotonic clock, for measuring waits. */
double scn_now_ms(void);

/* The moment ms milliseconds from now, in the form the timed waits of
 * POSIX take (CLOCK_REALTIME): pthread_cond_timedwait, sem_timedwait,
 * pthread_mutex_timedlock. */
struct timespec scn_deadline(long ms);

/* The watchdog, for stories that can hang: a deadlock, a lost wakeup, a
 * barrier waiting for a thread that never comes. scn_watchdog_start()
 * starts a thread named "watchdog" that sleeps as long as the story keeps
 * calling scn_progress(). Once timeout_ms pass without progress, it marks
 * "watchdog fired", calls on_fire() (which prints the scenario's one-line
 * self-check and returns the exit status), and ends the whole program with
 * that status, stuck threads and all: a hang becomes a message. Started
 * once per program; scn_watchdog_stop() ends it when the story is over. */
void scn_watchdog_start(long timeout_ms, int (*on_fire)(void));

/* Tells the watchdog the story moved on (cheap: call it at every step). */
void scn_progress(void);

/* Stops the watchdog (the story ended without hanging). */
void scn_watchdog_stop(void);

/* How many CPUs this process may run on (its affinity mask). */
int scn_cpus_available(void);

/* Stops the program with a message if a pthread call failed (err != 0). */
void scn_check(int err, const char *what);

/* calloc that stops the program with a message when memory runs out. */
void *scn_calloc(long count, long size);

#endif
