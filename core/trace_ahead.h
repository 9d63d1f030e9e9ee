/* Reading a trace ahead on a thread of its own: the file is read, checked,
 * inflated and decoded into batches of events on that thread while the
 * caller's thread builds what it builds from them, so that a whole-file read
 * takes about the longer of the two instead of their sum (two cores or
 * more). The events, damage and errors come in the reader's order.
 *
 * Once trace_ahead_new took a reader, only this module touches it until
 * trace_ahead_next has returned 0 or an error (the thread has stopped then:
 * trace_reader_end_ts, _count, _clamped and _error may be asked again), or
 * until trace_ahead_free. */
#ifndef CONCTOP_TRACE_AHEAD_H
#define CONCTOP_TRACE_AHEAD_H

#include <stdint.h>
#include "trace.h"

struct trace_ahead;

/* Starts reading r ahead. Returns 0, or -ENOMEM / -errno of the thread's
 * creation (r is untouched then). */
int trace_ahead_new(struct trace_ahead **out, struct trace_reader *r);

/* The next event (1), a damaged stretch skipped (TRACE_DAMAGED), the end (0)
 * or an error (< 0), as trace_reader_next would have returned them. An
 * event is not copied: *ev points at it until the next call (or _free). */
int trace_ahead_next(struct trace_ahead *a, const struct event **ev);

/* The same, with every event left of the batch being emptied at once:
 * *ev points at the first of *n (at least 1) when it returns 1, until
 * the next call. */
int trace_ahead_next_run(struct trace_ahead *a, const struct event **ev, size_t *n);

/* What the reader said with the last TRACE_DAMAGED or error returned. */
const char *trace_ahead_error(const struct trace_ahead *a);

/* Bytes of the file read as of the events returned so far (whole chunks). */
uint64_t trace_ahead_offset(const struct trace_ahead *a);

/* The reader's resume point after the events returned so far
 * (trace_reader_resume_point). Returns 0, or -EAGAIN right after damage
 * or an error (none is known there). */
int trace_ahead_resume_point(const struct trace_ahead *a, struct trace_resume *at);

/* Stops the thread and frees a; the reader is the caller's again (where it
 * stopped is unspecified). */
void trace_ahead_free(struct trace_ahead *a);

#endif
