/* The session runner: what `conctop record` and the live view share while
 * tracing runs, as sources on one evloop: the tracer drained when its ring
 * buffer wakes us and on a short tick; every event handed on (live: to the
 * timeline) and written to the trace file, flushed every second of wall
 * time (so a kill -9 loses about that much) with a write error kept and
 * ending the writing, not the tracing; the --duration deadline; the end of
 * the target, from its pidfd; record's stop signals (passed on to the
 * program, then its grace period). While it runs, conctop's own
 * scheduling priority is raised (nice -20) so that other work saturating
 * its CPU cannot starve the recorder.
 *
 * runner_init -> session_open(ses, runner_event, r) -> runner_write_to
 * (optional) -> session_start -> runner_start -> evloop_run_once ... until
 * EVLOOP_ENDED -> runner_finish. */
#ifndef CONCTOP_RUNNER_H
#define CONCTOP_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include "autogroup.h"
#include "evloop.h"
#include "session.h"

#define RUNNER_FLUSH_NS (1000ull * 1000 * 1000) /* a chunk of the trace file every second */
#define RUNNER_NICE (-20)

struct runner_opts {
	uint64_t duration;          /* end after this long (trace time), 0: never */
	int drain_ms;               /* drain the tracer at least this often */
	bool handle_signals;        /* record: stop signals go to the program first */
	bool end_on_write_error;    /* record: a failed write ends the recording */
	tracer_event_fn on_event;   /* also given every event (or NULL) */
	void *ctx;
};

/* Why tracing ended. */
enum runner_end {
	RUNNER_RUNNING = 0,
	RUNNER_TARGET_DONE,         /* the program exited (or the -p process) */
	RUNNER_DURATION,            /* --duration was up */
	RUNNER_SIGNAL,              /* a stop signal (record) */
	RUNNER_WRITE_FAILED,        /* writing the trace failed (record) */
	RUNNER_TRACE_FAILED,        /* the tracer failed: trace_error */
	RUNNER_STOPPED,             /* runner_finish before any of those (the view quit) */
};

struct runner {
	struct session *ses;
	struct evloop *loop;
	struct runner_opts o;
	struct session_trace trace;  /* the file being written (writer NULL: none, or closed) */
	const char *path;
	enum runner_end end;
	bool finished;               /* runner_finish ran: the trace is closed */
	int write_error;             /* the first write error (sticky), 0 */
	int trace_error;             /* the tracer's error, 0 */
	uint64_t events;             /* events delivered */
	uint64_t written;            /* of them, written to the file */
	uint64_t refused;            /* refused by the writer (not valid in a trace) */
	uint64_t unwritten;          /* delivered after writing stopped on an error */
	uint64_t flush_late_max;     /* the most a flush came late (ns): the recorder lagged */
	uint64_t flush_due;          /* when the next flush is due */
	uint64_t signalled_at;       /* when the program was passed a stop signal */
	int signal_sent;             /* that signal, 0: none */
	uint64_t end_ts;             /* the trace's end, once finished */
	int old_nice;
	bool reniced;
	struct autogroup_boost group; /* another session's process traced: ours at nice -20 too */
	int drain_timer, flush_timer, end_timer, grace_timer;
};

/* Sets r up for session ses. */
void runner_init(struct runner *r, struct session *ses, const struct runner_opts *o);

/* The tracer callback to give session_open with r as its context: counts
 * the event, hands it on, writes it. */
int runner_event(const struct event *ev, void *ctx);

/* Also writes the trace to path (created safely: session_trace_open).
 * Returns 0, or 1 after saying why. */
int runner_write_to(struct runner *r, const char *path, const struct trace_info *info);

/* Puts the runner's sources on loop (after session_start) and raises the
 * priority. Returns 0 or -errno. */
int runner_start(struct runner *r, struct evloop *loop);

/* A stop signal for the program (record's Ctrl-C, the live view's first
 * Ctrl-C): passes sig on to the program conctop started, marks in the
 * trace that conctop did (a MARK event on its main thread, "Ctrl-C:
 * conctop passes on signal 2"), and gives it the grace period to end,
 * after which tracing ends (RUNNER_SIGNAL); with no program to pass it to
 * (-p, or it has ended), tracing ends now. Returns the evloop flags (see
 * EVLOOP_ENDED). */
unsigned runner_interrupt(struct runner *r, int sig);

/* Delivers what the tracer holds now, for a caller that keeps the loop
 * waiting a while (the live view reading its history back): the loop's
 * flags (EVLOOP_ENDED when tracing ended). It drains also once tracing
 * has ended and until runner_finish: the program still runs until then
 * (the live view draws, and may read back, before it stops it). */
unsigned runner_pump(struct runner *r);

/* Ends tracing now: takes the runner's sources off the loop, stops the
 * program conctop started if it still runs (SIGTERM, then SIGKILL after
 * the grace period; its last events are kept), delivers the last events,
 * closes the trace file and puts the priority back. A second call does
 * nothing. Returns the end time of the trace. */
uint64_t runner_finish(struct runner *r);

/* A line saying how tracing ended, for the live view's status ("the
 * program ended with exit status 3"). */
void runner_end_words(const struct runner *r, char *buf, size_t len);

#endif
