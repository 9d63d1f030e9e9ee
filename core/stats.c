/* Statistics by following the event stream: the scheduling state machine
 * (sched_model.c) says what every thread and CPU does; this file sums the
 * intervals it reports and counts switches, wakeups, migrations, marks, and
 * feeds the same callbacks to the undone-work analysis (undone.c), so that
 * one reading of a file and one model give both. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "sched_model.h"
#include "stats.h"
#include "undone.h"

/* What stats keeps of a thread besides its public figures. */
struct tcause {
	uint8_t wait;               /* the current blocked state's cause */
	int64_t object;
	struct stats_blocked *by;   /* blocked time by cause */
	size_t n, cap;
	bool sorted;
};

struct stats {
	struct sched_model *m;
	struct undone *undone;        /* fed by m's callbacks */
	struct stats_thread *threads; /* by the model's thread index */
	struct tcause *causes;        /* likewise */
	size_t nthreads, cap, capcauses;
	struct stats_cpu *cpus;
	unsigned ncpus;
	uint64_t end_ns;
};

/* Each anomaly kind in words, and its key for scripts. */
static const struct {
	const char *words, *key;
} anomalies[TL_ANOM_MAX] = {
	[TL_ANOM_SWITCH_NOT_CURRENT] = { "switch-out of a thread that was not running", "switch_out_not_running" },
	[TL_ANOM_RUNNING_TWICE] = { "switch-in of a thread already running", "switch_in_already_running" },
	[TL_ANOM_CPU_MISMATCH] = { "switch-in not reported by the kernel (estimated)", "missed_switch_in" },
	[TL_ANOM_TIME_BACKWARDS] = { "time going backwards", "time_backwards" },
	[TL_ANOM_BAD_EVENT] = { "event with fields out of range", "bad_event" },
};

/* Copies a thread's identity and lifetime from the model. */
static void sync_thread(struct stats *s, size_t i)
{
	const struct sched_thread *mt = sched_model_thread(s->m, i);
	struct stats_thread *t = &s->threads[i];

	t->tid = mt->tid;
	t->tgid = mt->tgid;
	t->start_ns = mt->start_ns;
	t->end_ns = mt->end_ns;
	t->existed = mt->existed;
	t->exited = mt->exited;
}

/* The model saw a new thread, or a thread's identity changed. */
static int on_thread(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other, const char *name)
{
	struct stats *s = ctx;

	(void)ts;
	(void)other;
	if (what == SCHED_THREAD_NEW) {
		if (VEC_RESERVE(s->threads, s->cap, idx + 1) || VEC_RESERVE(s->causes, s->capcauses, idx + 1))
			return -ENOMEM;
		for (; s->nthreads <= idx; s->nthreads++) { /* (more than one only after an ENOMEM) */
			memset(&s->threads[s->nthreads], 0, sizeof(s->threads[s->nthreads]));
			memset(&s->causes[s->nthreads], 0, sizeof(s->causes[s->nthreads]));
			s->causes[s->nthreads].object = -1;
		}
	}
	if (idx >= s->nthreads)
		return 0;
	sync_thread(s, idx);
	if (name)
		snprintf(s->threads[idx].name, sizeof(s->threads[idx].name), "%.*s", EVENT_TEXT_MAX - 1, name);
	return 0;
}

/* Adds d ns of blocked time to a thread's (wait, object) cause. */
static int add_blocked(struct tcause *tc, uint8_t wait, int64_t object, uint64_t d)
{
	size_t i;

	for (i = 0; i < tc->n; i++) {
		if (tc->by[i].kind == wait && tc->by[i].object == object) {
			tc->by[i].ns += d;
			tc->sorted = false;
			return 0;
		}
	}
	if (VEC_RESERVE(tc->by, tc->cap, tc->n + 1))
		return -ENOMEM;
	tc->by[tc->n++] = (struct stats_blocked){ wait, object, d };
	tc->sorted = false;
	return 0;
}

/* A thread's state changed: its previous state's time goes to its bucket. */
static int on_state(void *ctx, const struct sched_change *c)
{
	struct stats *s = ctx;
	struct stats_thread *t;
	struct tcause *tc;
	uint64_t d = c->ts > c->prev_since ? c->ts - c->prev_since : 0;
	int r = undone_on_state(s->undone, c);

	if (r || c->thread >= s->nthreads)
		return r;
	t = &s->threads[c->thread];
	tc = &s->causes[c->thread];
	if (c->prev == TL_SPINNING) {
		t->spinning_ns += d;
		t->run_ns += d;
	} else if (c->prev == TL_RUNNING) {
		t->run_ns += d;
	} else if (c->prev == TL_RUNNABLE) {
		t->runnable_ns += d;
	} else if (tl_state_blocked(c->prev)) {
		t->blocked_ns += d;
		if (c->prev_object >= 0) /* learnt as it ended: the child that woke it */
			tc->object = c->prev_object;
		if (d)
			r = add_blocked(tc, c->settled ? (uint8_t)WAIT_NONE : tc->wait, c->settled ? -1 : tc->object, d);
	}
	tc->wait = c->wait;
	tc->object = c->object;
	if (c->cause == SCHED_BY_SLEEP)
		t->voluntary++;
	else if (c->cause == SCHED_BY_PREEMPT)
		t->involuntary++;
	if (c->prev == TL_NEW || c->state == TL_DEAD) /* its lifetime began or ended (the rest of
						       * its identity comes through on_thread) */
		sync_thread(s, c->thread);
	return r;
}

/* A CPU's occupant changed: the previous one's time goes to its bucket. */
static int on_cpu(void *ctx, const struct sched_cpu_change *c)
{
	struct stats *s = ctx;
	struct stats_cpu *cp = &s->cpus[c->cpu];
	uint64_t d = c->ts > c->prev_since ? c->ts - c->prev_since : 0;
	int r = undone_on_cpu(s->undone, c);

	switch (c->prev_kind) {
	case TL_CPU_THREAD:
		cp->traced_ns += d;
		break;
	case TL_CPU_IDLE:
		cp->idle_ns += d;
		break;
	case TL_CPU_OTHER:
		cp->other_ns += d;
		break;
	default:
		cp->unknown_ns += d;
		break;
	}
	return r;
}

/* A blocked thread was woken. */
static int on_wakeup(void *ctx, const struct sched_wakeup *w)
{
	struct stats *s = ctx;

	if (!w->new_thread && w->thread < s->nthreads)
		s->threads[w->thread].wakeups++;
	return undone_on_wakeup(s->undone, w);
}

/* Creates an empty statistics set. */
int stats_new(struct stats **out, unsigned ncpus)
{
	static const struct sched_model_ops ops = {
		.thread = on_thread, .state = on_state, .cpu = on_cpu, .wakeup = on_wakeup,
	};
	struct stats *s;
	int r;

	*out = NULL;
	if (ncpus == 0 || ncpus > 65536)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ncpus = ncpus;
	s->cpus = calloc(ncpus, sizeof(*s->cpus));
	r = s->cpus ? sched_model_new(&s->m, ncpus, &ops, s) : -ENOMEM;
	if (!r)
		r = undone_new(&s->undone, ncpus, s->m);
	if (r)
		stats_free(s);
	else
		*out = s;
	return r;
}

/* Says whether conctop started the program (see stats.h). */
void stats_set_gated(struct stats *s, bool gated)
{
	sched_model_set_gated(s->m, gated);
}

/* Frees it. */
void stats_free(struct stats *s)
{
	if (!s)
		return;
	undone_free(s->undone);
	sched_model_free(s->m);
	for (size_t i = 0; i < s->nthreads; i++)
		free(s->causes[i].by);
	free(s->causes);
	free(s->threads);
	free(s->cpus);
	free(s);
}

/* The entry of the thread an event names as its subject, or NULL. */
static struct stats_thread *subject(struct stats *s, const struct event *ev)
{
	long i;

	if (ev->tid <= 0)
		return NULL;
	i = sched_model_find(s->m, ev->tid);
	return i >= 0 && (size_t)i < s->nthreads ? &s->threads[i] : NULL;
}

/* Follows one event. */
int stats_add(struct stats *s, const struct event *ev)
{
	struct stats_thread *t;
	int r = sched_model_add(s->m, ev);

	if (r == SCHED_MODEL_SKIPPED)
		return 0; /* counted as a bad event */
	if (!r)
		r = undone_on_event(s->undone, ev);
	if (r)
		return r;
	switch (ev->type) {
	case EVENT_WAKING:
		if ((t = subject(s, ev)))
			t->wakeups_given++;
		break;
	case EVENT_MIGRATE:
		if (ev->arg != ev->arg2 && (t = subject(s, ev)))
			t->migrations++;
		break;
	case EVENT_MARK:
		if ((t = subject(s, ev)))
			t->marks++;
		break;
	default:
		break;
	}
	return 0;
}

/* Closes every open interval at the end of the trace. */
int stats_finish(struct stats *s, uint64_t end_ns)
{
	int r;

	if (end_ns < sched_model_last_ts(s->m))
		end_ns = sched_model_last_ts(s->m);
	s->end_ns = end_ns;
	r = sched_model_finish(s->m, end_ns);
	return r ? r : undone_finish(s->undone, end_ns);
}

/* The undone work found (see stats.h). */
const struct undone *stats_undone(const struct stats *s)
{
	return s->undone;
}

/* Threads in order of first appearance. */
size_t stats_thread_count(const struct stats *s)
{
	return s->nthreads;
}

/* The i-th thread. */
const struct stats_thread *stats_thread_at(const struct stats *s, size_t i)
{
	return i < s->nthreads ? &s->threads[i] : NULL;
}

/* The name of process tgid: its leader thread's (the thread whose tid is
 * tgid: its latest entry) name. */
const char *stats_process_name(const struct stats *s, int32_t tgid)
{
	return stats_thread_name(s, tgid);
}

/* The number of CPUs. */
unsigned stats_ncpus(const struct stats *s)
{
	return s->ncpus;
}

/* One CPU's figures. */
const struct stats_cpu *stats_cpu_at(const struct stats *s, unsigned cpu)
{
	return cpu < s->ncpus ? &s->cpus[cpu] : NULL;
}

/* Events seen. */
uint64_t stats_events(const struct stats *s)
{
	return sched_model_counts(s->m)->events;
}

/* Events of one type seen. */
uint64_t stats_events_of(const struct stats *s, unsigned type)
{
	return type < EVENT_TYPE_MAX ? sched_model_counts(s->m)->by_type[type] : 0;
}

/* Events the kernel lost. */
uint64_t stats_lost(const struct stats *s)
{
	return sched_model_counts(s->m)->lost;
}

/* Anomalies of one kind. */
uint64_t stats_anomalies(const struct stats *s, enum tl_anomaly kind)
{
	return (unsigned)kind < TL_ANOM_MAX ? sched_model_counts(s->m)->anomalies[kind] : 0;
}

/* What an anomaly kind means, in words. */
const char *stats_anomaly_name(enum tl_anomaly kind)
{
	return kind < TL_ANOM_MAX ? anomalies[kind].words : "unknown";
}

/* A short key for an anomaly kind, for scripts. */
const char *stats_anomaly_key(enum tl_anomaly kind)
{
	return kind < TL_ANOM_MAX ? anomalies[kind].key : "unknown";
}

/* The end of the trace. */
uint64_t stats_end(const struct stats *s)
{
	return s->end_ns;
}

/* Orders causes by time, largest first. */
static int blocked_cmp(const void *a, const void *b)
{
	const struct stats_blocked *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

/* Thread i's blocked time by cause, largest first. */
size_t stats_blocked_by(const struct stats *s, size_t i, const struct stats_blocked **out)
{
	struct tcause *tc;

	*out = NULL;
	if (i >= s->nthreads)
		return 0;
	tc = &s->causes[i];
	if (!tc->sorted && tc->n > 1)
		qsort(tc->by, tc->n, sizeof(*tc->by), blocked_cmp);
	tc->sorted = true;
	*out = tc->by;
	return tc->n;
}

/* How an object is called. */
void stats_object_label(const struct stats *s, int64_t object, char *buf, size_t len)
{
	waits_object_label(sched_model_waits(s->m), object, buf, len);
}

/* Whether an object is a Python Lock (a semaphore of a CPython process). */
bool stats_object_pylock(const struct stats *s, int64_t object)
{
	const struct waits_object *o = object >= 0 ? waits_object(sched_model_waits(s->m), (size_t)object) : NULL;

	return o && o->pylock;
}

/* The number of deadlocks seen. */
size_t stats_deadlock_count(const struct stats *s)
{
	return waits_deadlock_count(sched_model_waits(s->m));
}

/* Deadlock i. */
const struct waits_deadlock *stats_deadlock(const struct stats *s, size_t i)
{
	return waits_deadlock(sched_model_waits(s->m), i);
}

/* The latest name of thread tid. */
const char *stats_thread_name(const struct stats *s, int32_t tid)
{
	long i = sched_model_find(s->m, tid);

	return i >= 0 && (size_t)i < s->nthreads ? s->threads[i].name : NULL;
}
