/* What `conctop record` and the live view share: choosing the target (a
 * scenario, -- COMMAND, or -p PID), the tracer, the gated child, polling,
 * and ending the program conctop started.
 *
 * A session goes: session_new -> session_target -> session_open (tracer
 * loaded: a trace writer may now be made) -> session_start (the program runs
 * or the process is traced) -> session_poll ... -> session_finish ->
 * session_free; runner.h drives the middle part on a poll() loop, and stop
 * signals are stopsig.h's. Functions that can fail for the user print what
 * went wrong (cli_error) and return the exit status conctop should end with
 * (> 0), or 0. */
#ifndef CONCTOP_SESSION_H
#define CONCTOP_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include "outfile.h"
#include "tracer.h"

struct trace_info;
struct trace_writer;

#define SESSION_GRACE_NS (2000ull * 1000 * 1000) /* SIGTERM, then SIGKILL after this */

struct session;

struct session_opts {
	const char *cmd;             /* subcommand for usage errors: "record", "run" */
	const char *user;            /* --user NAME, or NULL */
	struct tracer_opts tracer;   /* mode NULL: $CONCTOP_TRACER, else automatic */
	bool capture_output;         /* the program's stdin is /dev/null and its
				      * stdout/stderr a pipe (session_output_fd) */
	bool scenario_defaults;      /* a scenario gets the catalogue's
				      * default_args (its classroom pace),
				      * merged with its arguments: the
				      * user's options win where they collide */
};

/* Takes one of the options record and live share: -p/--pid ('p'),
 * -d/--duration ('d'), -u/--user ('u'), --no-follow ('F'), --no-attribution ('A'), --calls ('C'),
 * --buffer ('b'),
 * --tracer ('T'), -v/--verbose ('v'), with getopt's arg. Returns 0 when
 * taken, -1 when opt is none of them, or the usage exit status (printed) for
 * a bad value. */
int session_option(const char *cmd, int opt, const char *arg, struct session_opts *o,
		   pid_t *pid, uint64_t *duration);

/* The long options session_option takes, for a command's table of them
 * (needs getopt.h). */
#define SESSION_LONGOPTS                                                                          \
	{ "pid", required_argument, NULL, 'p' }, { "duration", required_argument, NULL, 'd' },    \
	{ "user", required_argument, NULL, 'u' }, { "no-follow", no_argument, NULL, 'F' },        \
	{ "no-attribution", no_argument, NULL, 'A' }, { "calls", no_argument, NULL, 'C' },        \
	{ "buffer", required_argument, NULL, 'b' }, { "tracer", required_argument, NULL, 'T' },   \
	{ "verbose", no_argument, NULL, 'v' }

/* Prints the --help lines of --no-follow, --no-attribution and --calls,
 * which record and the live view share. */
void session_usage_following(FILE *f);

/* Fills a trace header from the machine, the tracer, the command line and
 * the target: the -p pid, or the program conctop started (then flagged
 * started). */
struct trace_info;
void session_fill_info(struct trace_info *info, const struct session *s);

/* Creates an empty session. Returns 0 or -ENOMEM. */
int session_new(struct session **out, const struct session_opts *o);

/* Frees the session: ends a program it started that still runs (SIGTERM,
 * then SIGKILL), detaches the tracer. Accepts NULL. */
void session_free(struct session *s);

/* Chooses what to trace: process pid (> 0), or the command argv (command:
 * it came after --), or the scenario argv[0] with its arguments. Prints what
 * is wrong and returns the exit status (2 usage, 1, 126, 127), or 0. */
int session_target(struct session *s, pid_t pid, int argc, char **argv, bool command);

/* Decides who the program runs as and loads the tracer, which hands every
 * event to fn(ev, ctx). Prints what is wrong (e.g. missing privileges) and
 * returns the exit status, or 0. */
int session_open(struct session *s, tracer_event_fn fn, void *ctx);

/* Starts tracing: attaches to the -p process, or starts the program at its
 * gate, traces it, and lets it run. Prints what is wrong and returns the exit
 * status, or 0. */
int session_start(struct session *s);

/* The first half of session_start for a program conctop starts: forks it,
 * held at its gate, and traces it, so that its pid is known (for the trace
 * header) before session_start lets it run; nothing with -p. Prints what
 * is wrong and returns 1, or 0. A session freed before session_start ends
 * the program at its gate, before its exec. */
int session_spawn(struct session *s);

/* Whether session_start failed because the program could not be executed
 * (its fork and exit were traced: the trace is worth finishing). */
bool session_exec_failed(const struct session *s);

/* Waits up to timeout_ms for events and delivers them. Returns the number
 * delivered or a negative error. */
int session_poll(struct session *s, int timeout_ms);

/* Whether the target is gone: the program conctop started has exited (and
 * is reaped), or the -p process exited. */
bool session_target_done(struct session *s);

/* A pidfd of the target (the program or the -p process) that becomes
 * readable when it exits, or -1 when the kernel has none. */
int session_pidfd(const struct session *s);

/* Sends sig to the program conctop started, if it still runs. */
void session_signal_child(struct session *s, int sig);

/* Ends the program conctop started: SIGTERM, then SIGKILL after the grace
 * period or at once on another stop signal (stopsig.h); reaps it. */
void session_stop_child(struct session *s);

/* Delivers the last events (late records of the final switches). Returns
 * the number delivered or a negative error. */
int session_finish(struct session *s);

struct tracer *session_tracer(const struct session *s);

/* The command line for the trace header ("prodcons --pace 50", "pid 1234"). */
const char *session_command(const struct session *s);

/* A short name for the screen's header: the scenario, the command's base
 * name, or "pid 1234". */
const char *session_label(const struct session *s);

/* The -p pid, or 0 when conctop starts the program. */
pid_t session_attached_pid(const struct session *s);

/* The pid of the program conctop started (its main thread), or 0. */
pid_t session_child_pid(const struct session *s);

/* Whether conctop started a program (not -p), and whether it has ended. */
bool session_has_child(const struct session *s);
bool session_child_done(const struct session *s);

/* The exit status conctop passes on for the ended program (128+N for signal
 * N), or 1 if it has not ended. */
int session_exit_status(const struct session *s);

/* A trace file being written: the writer on a safely created file. */
struct session_trace {
	struct outfile file;
	struct trace_writer *writer;   /* NULL once closed */
	uint64_t dropped_until;        /* once closed: from when a drop-oldest writer's file keeps events (0: all) */
};

/* Creates path for the trace as the user the program runs as (under sudo:
 * their file from the start, never through a symlink; see outfile.h) and
 * starts a writer on it. Returns 0, or 1 after saying why. */
int session_trace_open(const struct session *s, struct session_trace *t, const char *path,
		       const struct trace_info *info);

/* Gives dir (a private directory conctop made) to the user trace files
 * are written as (under sudo), so that session_trace_open can create one
 * there. Returns 0 or -errno. */
int session_give_dir(const struct session *s, const char *dir);

/* Ends the trace (end record, close) and renames it into place; a second
 * call does nothing. Returns 0 or the first -errno met. */
int session_trace_close(struct session_trace *t, uint64_t end_ts);

/* Closes the trace and removes it: nothing was recorded worth keeping. A
 * call after session_trace_close does nothing. */
void session_trace_abort(struct session_trace *t);

/* The read end (non-blocking) of the program's output pipe, or -1. */
int session_output_fd(const struct session *s);

/* The exit status for a program that could not be started from -errno
 * (126 cannot be run, 127 not found), as shells do. */
int session_status_not_started(int err);

#endif
