/* A conctop trace as a Perfetto trace: the scheduler events become ftrace
 * records (so Perfetto draws its CPU tracks and thread states), and what
 * conctop knows becomes track events on each thread's track: a slice per
 * blocked (or spinning) interval named by its cause ("mutex count_lock,
 * held by consumer-2"), a flow from each waker to the thread it woke,
 * markers as instants; deadlocks, pattern notes and lost events are
 * instants with annotations on a global "conctop" track.
 *
 * Feed it the threads first (perfetto_export_thread, from a pass over the
 * trace: their latest names), then every event in order, then the notes,
 * then finish. Only what falls in the window [from, to) is written;
 * slices are clipped to it. Functions return 0 or a negative errno. */
#ifndef CONCTOP_PERFETTO_EXPORT_H
#define CONCTOP_PERFETTO_EXPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include "event.h"

struct perfetto_export;

struct perfetto_export_options {
	unsigned ncpus;
	uint64_t from, to;    /* the window, in trace time (ns from the trace's start) */
	uint64_t base_ns;     /* added to every time written (the trace's start on its clock) */
	const char *kernel;   /* the recording machine's kernel release */
	bool gated;           /* conctop started the program (sched_model_set_gated) */
};

/* What was written. */
struct perfetto_export_counts {
	uint64_t threads, processes, switches, slices, flows, marks, annotations;
	uint64_t restored; /* of switches: written to restore a switch-in the kernel did not report
			    * (the model's missed_switch_in), so that no CPU slice is left open */
	uint64_t opening;  /* of switches: written at a window's start (from > 0) to put on each
			    * CPU the task it ran then */
};

/* Starts an export to f. Returns 0, -EINVAL (bad options) or -ENOMEM. */
int perfetto_export_new(struct perfetto_export **out, FILE *f, const struct perfetto_export_options *o);

/* Declares a thread (its descriptor: tid, process, latest name). Before
 * the first event. */
int perfetto_export_thread(struct perfetto_export *x, int32_t tid, int32_t tgid, const char *name);

/* Follows one event of the trace (in time order). */
int perfetto_export_add(struct perfetto_export *x, const struct event *ev);

/* A pattern note (a sentence of the event log) at ts about thread tid. */
int perfetto_export_note(struct perfetto_export *x, uint64_t ts, int32_t tid, const char *text);

/* Ends the open intervals at end_ns, writes what is buffered; returns the
 * first error met. */
int perfetto_export_finish(struct perfetto_export *x, uint64_t end_ns);

/* What was written so far. */
void perfetto_export_counts(const struct perfetto_export *x, struct perfetto_export_counts *c);

/* Frees it. */
void perfetto_export_free(struct perfetto_export *x);

#endif
