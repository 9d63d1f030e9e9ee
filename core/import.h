/* Scheduler traces recorded by other tools, as conctop events: the text of
 * `perf script` (of a `perf sched record` recording), of `trace-cmd report`
 * (default, -R or -N output) and of the ftrace trace file
 * (/sys/kernel/tracing/trace). docs/import.md is the user's side.
 *
 * The text is read twice. The first pass checks every line and learns what
 * the events cannot say one at a time: the CPU count, which event kinds the
 * text has, each task's first name, which tasks existed before the
 * recording began and which were created in it, and which tasks the filter
 * keeps. The second pass turns the lines into events, in time order:
 *   - tasks that existed before are announced at time 0 (EVENT_THREAD, state
 *     unknown); names that change without a rename event get one (derived);
 *   - a text with sched_waking but no sched_wakeup gets a wakeup at each
 *     waking, and one with sched_wakeup but no sched_waking a waking by the
 *     task running on that CPU (derived, counted);
 *   - the process of a task is the text's when it says (perf's pid/tid,
 *     ftrace's TGID column), else the process of the task that created it,
 *     and its own once it runs a new program (exec);
 *   - tasks the filter leaves out are "another program" (EVENT_TID_OTHER);
 *   - there is no attribution: only scheduler events.
 * Lines of events conctop does not use are counted by event name, never
 * dropped silently; a line that is not one of these texts, is cut short,
 * names a CPU beyond TRACE_MAX_CPUS or goes back in time is an error that
 * names its line number.
 *
 * Memory is bounded: lines read by their first IMPORT_LINE_MAX bytes, at most
 * IMPORT_TASKS_MAX tasks, a fixed table of skipped event names. The input
 * is untrusted: nothing in it can make this code crash (tests/fuzz/
 * fuzz_import.c holds it to that). */
#ifndef CONCTOP_IMPORT_H
#define CONCTOP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "event.h"

#define IMPORT_LINE_MAX 4096        /* bytes of a line read (without its newline): a longer one is
				     * read by its start, if it is a comment or an event conctop
				     * does not read, and refused otherwise */
#define IMPORT_LONG_MAX (1u << 20)  /* bytes of a line at most, read by its start or not */
#define IMPORT_TASKS_MAX (1u << 19) /* distinct tasks a text may name */
#define IMPORT_SKIP_MAX 24          /* event names counted one by one when skipped */

struct import;

/* Which tasks become conctop's threads: those whose tid (or process id)
 * is in pids, or that are called one of comms at some point, and the tasks
 * they create after that. Empty: every task. */
struct import_filter {
	const int32_t *pids;
	size_t npids;
	const char *const *comms;
	size_t ncomms;
};

/* Receives each event of the second pass; a non-zero return stops it. */
typedef int (*import_emit_fn)(void *ctx, const struct event *ev);

/* A kind of event line the import did not turn into events. */
struct import_skipped {
	char name[48];
	uint64_t count;
	uint64_t first_line;
	bool known;       /* an event of the scheduler's families that conctop does not need */
};

/* What the text held and what the import did with it. */
struct import_summary {
	const char *format;          /* "perf script", "trace-cmd report", "ftrace trace file" */
	unsigned ncpus;              /* the highest CPU named, plus one (or the text's header) */
	uint64_t base_ns, end_ns;    /* the first and the last time in the text */
	uint64_t lines, event_lines; /* lines read, and those that were events */
	uint64_t events;             /* conctop events written */
	uint64_t tasks, threads;     /* tasks named in the text; kept as threads */
	uint64_t switches;
	uint64_t unchained;          /* switches whose previous task is not the one the CPU's last
				      * switch put there: switches missing from the text */
	uint64_t derived_wakeups, derived_wakings, derived_renames;
	uint64_t lost;               /* events the text says were lost */
	uint64_t stack_lines;        /* call-stack lines (perf script of -g, ftrace's stacktrace)
				      * left out */
	uint64_t long_lines;          /* lines longer than IMPORT_LINE_MAX, read by their start */
	uint64_t long_first;          /* the first of them */
	uint64_t cut_line;           /* the number of a last line with no newline that could not be
				      * read (a text cut off: perf script killed, a disk full),
				      * skipped; 0: none */
	bool has_tgid;               /* the text says which process each task is in */
	size_t nskipped;
	struct import_skipped skipped[IMPORT_SKIP_MAX];
	uint64_t skipped_more;       /* lines of further skipped event names */
};

/* Starts an import whose events go to emit(ctx, ev); filter may be NULL.
 * Returns 0, -EINVAL (a bad filter) or -ENOMEM. */
int import_new(struct import **out, const struct import_filter *filter, import_emit_fn emit, void *ctx);
void import_free(struct import *im);

/* Reads one line (without its newline; it need not be NUL-terminated).
 * Returns 0, or a negative errno with import_error() saying what and
 * where: -EBADMSG a malformed line, -E2BIG a limit passed, -ENOMEM, or the
 * emit callback's error. */
int import_line(struct import *im, const char *line, size_t len);

/* Ends the first pass (checks it found events) and starts the second: the
 * threads that existed before are emitted. Returns 0 or a negative errno. */
int import_second_pass(struct import *im);

/* Ends the second pass. Returns 0 or a negative errno. */
int import_finish(struct import *im);

/* Both passes over a whole text in memory, or over a seekable file (read
 * with lines of at most IMPORT_LINE_MAX bytes). Return 0 or a negative errno. */
int import_buffer(struct import *im, const char *buf, size_t len);
int import_file(struct import *im, FILE *f);

/* What went wrong ("line 12: sched_switch: no next_pid..."), or "". */
const char *import_error(const struct import *im);

/* The summary (complete after the first pass, counts after the second). */
const struct import_summary *import_summary(const struct import *im);

#endif
