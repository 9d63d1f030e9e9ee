/* Every thread's history as spans: each state the scheduling model
 * (sched_model.h) gave a thread, from when to when, with what a blocked
 * span waited on (kind, object, the holder read when it blocked), who
 * woke it and whether that waking came through the object it waited on.
 *
 * Built once from the event stream (spans_add, then spans_finish), then
 * read by the analyses that look at waits after the fact: contention by
 * object (contention.h) and a thread's critical path (critpath.h). The
 * spans of a thread are in time order, without gaps or overlaps, from its
 * first known state to its end; spans of length 0 are not kept. A history
 * made for SPANS_NONE keeps no span: its threads and their names only, with
 * the waits handed as they end to a sink (spans_set_sink: a contention
 * table summed as the file is read, contention.h). */
#ifndef CONCTOP_SPANS_H
#define CONCTOP_SPANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "vocab.h"
#include "waits.h"

struct spans;

/* One state of one thread over [start, end). */
struct span {
	uint64_t start, end;
	uint8_t state;   /* enum tl_state (vocab.h) */
	uint8_t wait;    /* a blocked span: enum waits_kind, WAIT_NONE when unknown */
	bool via;        /* a blocked span ended by a waking through its own object
			  * (an unlock, a signal, a post, a barrier's release) */
	bool signalling; /* a blocked span inside a cond signal or broadcast, not a wait
			  * on the cond (sched_change.signalling) */
	int32_t cpu;     /* a running span: its CPU; a runnable span: the CPU it then
			  * ran on (where it waited last); else -1 */
	int64_t object;  /* a blocked span: the object (spans_object), -1 none */
	int64_t holder;  /* a blocked span: the thread index holding it (or joined), -1 none */
	int64_t waker;   /* a blocked span ended by a wakeup: the waker's thread index
			  * or TL_WAKER_*; otherwise TL_WAKER_UNKNOWN */
};

/* Whether span sp is a wait its holder's release ended: blocked on an
 * object, naming the thread that held it, and ended by a waking through it
 * (its waker handed the object over; contention.h charges a holder up to
 * there). */
static inline bool spans_is_release(const struct span *sp)
{
	return sp->via && sp->waker >= 0 && sp->holder >= 0 && sp->object >= 0 && tl_state_blocked(sp->state);
}

/* A release a trim forgot with its span (spans_trim_releases), and the
 * wait under way across the trim that needs it. */
struct spans_release {
	uint64_t ts;
	int64_t object;
	int64_t from, to;  /* the holder that handed it over, and the thread woken (indices) */
	int64_t waiter;    /* the thread whose wait needs it */
	uint64_t start;    /* that wait's start */
};

/* A thread and its spans. */
struct spans_thread {
	int32_t tid, tgid;
	const char *name;   /* its latest name, "" when the trace never said */
	size_t n;           /* its spans: spans_get(s, i, 0 .. n - 1) */
};

/* What a history keeps. */
enum spans_keep {
	SPANS_ALL = 0,  /* every span */
	SPANS_NONE,     /* none: the threads, their names and the model's present */
};

/* What a sink is given: each blocked span whose object is known (a wait),
 * of thread i, as it ends (in the order they end; its waker is not known
 * yet). A non-zero return is returned by the spans_add or spans_finish
 * that ended it. */
typedef int spans_sink_fn(void *ctx, const struct spans *s, size_t i, const struct span *sp);

/* Creates an empty history for a trace of ncpus CPUs, keeping `keep`
 * (enum spans_keep). Returns 0 or -errno. */
int spans_new(struct spans **out, unsigned ncpus, unsigned keep);

/* A history that starts at the present of model m, a trace of ncpus
 * CPUs (a copy of a timeline's model at a checkpoint: timeline_spans):
 * its threads in their current states, no span before (a CPU's first
 * change after it, or the end, says what ran there before). Fed the events after those m followed, it holds what a
 * history fed every event would hold of the states that end after m's
 * last event. Threads are named with spans_name. Returns 0 or -ENOMEM. */
struct sched_model;
int spans_from_model(const struct sched_model *m, unsigned ncpus, unsigned keep, struct spans **out);

/* A history that follows model m, another's, instead of a model of its
 * own: it is handed m's changes (spans_listener, with it as ctx; a live
 * timeline's, timeline_listen) and is never given events (spans_add
 * refuses them). It starts at m's present as spans_from_model does (made
 * before m's first event, it holds every state); m must outlive it or stop
 * handing to it first (and outlive it after
 * spans_finish too: it goes on reading m's threads and objects, but its
 * states it ended in a copy). Returns 0 or -ENOMEM. */
int spans_new_following(const struct sched_model *m, unsigned ncpus, unsigned keep, struct spans **out);

/* The handlers a history following another's model is to be handed that
 * model's changes through (spans_new_following). */
struct sched_model_ops;
const struct sched_model_ops *spans_listener(void);

/* Hands the waits to fn(ctx, ...) as they end, from now on (see
 * spans_sink_fn), whatever the history keeps. Only for a history with a
 * model of its own: a following one's spans_finish ends its states in a
 * copy of the model, while spans_open_wait, which a sink may ask, reads
 * the model it follows. */
void spans_set_sink(struct spans *s, spans_sink_fn *fn, void *ctx);

/* Whether thread i is in a blocked state that has not ended: then *sp is
 * what its span will say of it but its end (start, state, wait, object and
 * holder; end is the last event's time). A wait for any child learns its
 * object (the child) only as it ends: object -1 until then. */
bool spans_open_wait(const struct spans *s, size_t i, struct span *sp);

/* The same for any state thread i is in and that has not ended (running,
 * runnable, blocked...): false for a thread not alive, or not known yet,
 * and in a finished history. */
bool spans_open_state(const struct spans *s, size_t i, struct span *sp);

/* Gives thread i the name name (copied). Returns 0, -EINVAL (no such
 * thread) or -ENOMEM. */
int spans_name(struct spans *s, size_t i, const char *name);

/* Frees it. */
void spans_free(struct spans *s);

/* Forgets the spans that ended before t, and the CPUs' changes before the
 * one under way at t (a live view's memory cap; thread numbers are kept):
 * what is asked of the time before t then finds nothing. */
void spans_trim(struct spans *s, uint64_t t);

/* The releases a trim forgot with their spans that a wait it kept (one
 * under way at its instant) may still need: for each such wait that named
 * a holder, that holder's first release of its object after the wait's
 * start, when it came before the trim. Their count, *out pointed at them
 * (in no order). Out of memory, a trim keeps what it had: such a wait is
 * then charged to its holder up to its end. */
size_t spans_trim_releases(const struct spans *s, const struct spans_release **out);

/* Bytes it holds, all included: its threads' spans counted as they
 * change, no walk of them. */
size_t spans_memory(const struct spans *s);

/* spans_memory with its threads' spans counted by a walk of every thread:
 * the same figure (for tests). */
size_t spans_memory_recount(const struct spans *s);

/* The threads that hold spans, as the list spans_trim walks says; with
 * walked, also as a walk of every thread counts them into it: the same
 * (for tests). */
size_t spans_threads_held(const struct spans *s, size_t *walked);

/* Follows one event (in time order). Returns 0, -ENOMEM, or -EINVAL for a
 * history that follows another's model (spans_new_following). */
int spans_add(struct spans *s, const struct event *ev);

/* Closes every open state at end_ns (no earlier than the last event).
 * Returns 0 or -ENOMEM. */
int spans_finish(struct spans *s, uint64_t end_ns);

/* Whether a thread has been blocked since before t: a span that holds
 * the instant before t is still open, and its end (who woke it, through
 * what) not known yet. */
bool spans_waiting_since(const struct spans *s, uint64_t t);

/* The end given to spans_finish. */
uint64_t spans_end(const struct spans *s);

/* Threads in order of first appearance (the model's indexes). */
size_t spans_thread_count(const struct spans *s);
const struct spans_thread *spans_thread(const struct spans *s, size_t i);

/* The index of the latest thread with tid, or -1. */
long spans_thread_index(const struct spans *s, int32_t tid);

/* Span k of thread i (k < its n), or NULL. */
const struct span *spans_get(const struct spans *s, size_t i, size_t k);

/* The index of the span of thread i that holds instant t (the last one
 * starting at or before t), or -1 when t is before its first span. */
long spans_at(const struct spans *s, size_t i, uint64_t t);

/* What CPU cpu ran over [a, b): the time of each occupant kind into
 * out[kind] (enum tl_cpu_kind: unknown, idle, another program, a traced
 * thread). Only a SPANS_ALL history keeps the CPUs: otherwise (and for a
 * CPU out of range) all is unknown. */
void spans_cpu_sum(const struct spans *s, unsigned cpu, uint64_t a, uint64_t b, uint64_t out[4]);

/* The name of process tgid (its leader thread's name), or "". */
const char *spans_process_name(const struct spans *s, int32_t tgid);

/* An object the waits name (its process, address, kind, name), or NULL. */
const struct waits_object *spans_object(const struct spans *s, int64_t object);

/* How an object is called ("table_lock", "GIL", "mutex@7f3a..c0"). */
void spans_object_label(const struct spans *s, int64_t object, char *buf, size_t len);

#endif
