/* Statistics by following the event stream: one small state machine per
 * thread and one "current occupant" per CPU, as perf sched does. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

/* What a thread is doing between two of its events. */
enum tstate {
	T_UNKNOWN,  /* existed before tracing; the first event will tell */
	T_NEW,      /* forked, not yet runnable */
	T_RUNNING,
	T_RUNNABLE,
	T_BLOCKED,
	T_DEAD,
};

/* What a CPU is running. */
enum cclass { C_UNKNOWN, C_IDLE, C_OTHER, C_TRACED };

struct thread {
	struct stats_thread pub;
	enum tstate state;
	uint64_t since;    /* when state began */
	int cpu;           /* where it runs, when running */
	int last_cpu;      /* where it last ran */
	char proc_state;   /* /proc state letter at attach, for a thread never seen */
	bool exiting;
};

struct cpu {
	struct stats_cpu pub;
	enum cclass cls;
	int32_t tid; /* the traced thread on it, when C_TRACED */
	uint64_t since;
};

struct stats {
	struct thread *threads;
	size_t nthreads, cap;
	/* open-addressing map tid -> index+1 of the thread's live entry */
	uint32_t *slots;
	int32_t *keys;
	size_t nslots, used;

	struct cpu *cpus;
	unsigned ncpus;
	uint64_t last_ts, end_ns;
	uint64_t events, by_type[EVENT_TYPE_MAX], lost;
	uint64_t anomalies[STATS_ANOM_MAX];
};

static const char *const anomaly_names[STATS_ANOM_MAX] = {
	[STATS_ANOM_SWITCH_NOT_CURRENT] = "switch-out of a thread that was not running",
	[STATS_ANOM_RUNNING_TWICE] = "switch-in of a thread already running",
	[STATS_ANOM_CPU_MISMATCH] = "switch-in not reported by the kernel (estimated)",
	[STATS_ANOM_TIME_BACKWARDS] = "time going backwards",
	[STATS_ANOM_BAD_EVENT] = "event with fields out of range",
};

static const char *const anomaly_keys[STATS_ANOM_MAX] = {
	[STATS_ANOM_SWITCH_NOT_CURRENT] = "switch_out_not_running",
	[STATS_ANOM_RUNNING_TWICE] = "switch_in_already_running",
	[STATS_ANOM_CPU_MISMATCH] = "missed_switch_in",
	[STATS_ANOM_TIME_BACKWARDS] = "time_backwards",
	[STATS_ANOM_BAD_EVENT] = "bad_event",
};

/* Creates an empty statistics set. */
int stats_new(struct stats **out, unsigned ncpus)
{
	struct stats *s;

	*out = NULL;
	if (ncpus == 0 || ncpus > 65536)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ncpus = ncpus;
	s->cpus = calloc(ncpus, sizeof(*s->cpus));
	s->nslots = 256;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	s->keys = calloc(s->nslots, sizeof(*s->keys));
	if (!s->cpus || !s->slots || !s->keys) {
		stats_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* Frees it. */
void stats_free(struct stats *s)
{
	if (!s)
		return;
	free(s->threads);
	free(s->slots);
	free(s->keys);
	free(s->cpus);
	free(s);
}

/* The slot where tid is, or where it would go. */
static size_t slot_of(const struct stats *s, int32_t tid)
{
	size_t i = ((uint32_t)tid * 2654435761u) & (s->nslots - 1);

	while (s->slots[i] && s->keys[i] != tid)
		i = (i + 1) & (s->nslots - 1);
	return i;
}

/* Doubles the tid map. */
static int map_grow(struct stats *s)
{
	uint32_t *oslots = s->slots;
	int32_t *okeys = s->keys;
	size_t i, on = s->nslots;

	s->nslots *= 2;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	s->keys = calloc(s->nslots, sizeof(*s->keys));
	if (!s->slots || !s->keys) {
		free(s->slots);
		free(s->keys);
		s->slots = oslots;
		s->keys = okeys;
		s->nslots = on;
		return -ENOMEM;
	}
	for (i = 0; i < on; i++) {
		if (oslots[i]) {
			size_t j = slot_of(s, okeys[i]);

			s->slots[j] = oslots[i];
			s->keys[j] = okeys[i];
		}
	}
	free(oslots);
	free(okeys);
	return 0;
}

/* The live entry of tid, or NULL. */
static struct thread *find(struct stats *s, int32_t tid)
{
	size_t i = slot_of(s, tid);

	return s->slots[i] ? &s->threads[s->slots[i] - 1] : NULL;
}

/* Adds a new entry for tid (replacing a dead one of a reused tid). */
static struct thread *add(struct stats *s, int32_t tid, int32_t tgid, enum tstate st, uint64_t ts)
{
	struct thread *t;
	size_t i;

	if (s->nthreads == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct thread *p = realloc(s->threads, cap * sizeof(*p));

		if (!p)
			return NULL;
		s->threads = p;
		s->cap = cap;
	}
	if ((s->used + 1) * 2 > s->nslots && map_grow(s))
		return NULL;
	t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pub.tid = tid;
	t->pub.tgid = tgid;
	t->pub.start_ns = ts;
	t->state = st;
	t->since = ts;
	t->cpu = t->last_cpu = -1;
	i = slot_of(s, tid);
	if (!s->slots[i])
		s->used++;
	s->slots[i] = (uint32_t)s->nthreads;
	s->keys[i] = tid;
	return t;
}

/* The live entry of a traced tid, created on first sight (state unknown). */
static struct thread *get(struct stats *s, int32_t tid, int32_t tgid, uint64_t ts)
{
	struct thread *t = find(s, tid);

	if (t && t->state != T_DEAD)
		return t;
	return add(s, tid, tgid, T_UNKNOWN, ts);
}

/* Adds the time since the last change to the bucket of the current state
 * and starts state st at ts. An unknown state is settled as 'as'. */
static void move(struct thread *t, enum tstate st, uint64_t ts, enum tstate as)
{
	uint64_t d = ts > t->since ? ts - t->since : 0;
	enum tstate cur = t->state == T_UNKNOWN ? as : t->state;

	switch (cur) {
	case T_RUNNING:
		t->pub.run_ns += d;
		break;
	case T_RUNNABLE:
		t->pub.runnable_ns += d;
		break;
	case T_BLOCKED:
		t->pub.blocked_ns += d;
		break;
	case T_NEW: /* not alive yet: its lifetime starts now */
		t->pub.start_ns = ts;
		break;
	default:
		break;
	}
	t->state = st;
	t->since = ts;
}

/* The thread is seen acting (it is current): if its state was unknown it
 * has been running. */
static void acting(struct stats *s, int32_t tid, int32_t tgid, uint64_t ts)
{
	struct thread *t;

	if (tid <= 0)
		return;
	t = get(s, tid, tgid, ts);
	if (t && t->state == T_UNKNOWN)
		move(t, T_RUNNING, ts, T_RUNNING);
}

/* The class of a task as a switch names it. */
static enum cclass class_of(int32_t tid)
{
	return tid > 0 ? C_TRACED : tid == 0 ? C_IDLE : C_OTHER;
}

/* Adds d ns to a CPU's bucket for class c. */
static void cpu_account(struct cpu *c, enum cclass cls, uint64_t d)
{
	switch (cls) {
	case C_TRACED:
		c->pub.traced_ns += d;
		break;
	case C_IDLE:
		c->pub.idle_ns += d;
		break;
	case C_OTHER:
		c->pub.other_ns += d;
		break;
	default:
		c->pub.unknown_ns += d;
		break;
	}
}

/* A context switch on ev->cpu. When the CPU's previous switch named another
 * task than this one's prev, the switch that put prev on the CPU was never
 * reported (the kernel does skip some: perf sees the same gaps); prev is
 * then taken to have run since that previous switch. */
static int on_switch(struct stats *s, const struct event *ev)
{
	struct cpu *c = &s->cpus[ev->cpu];
	enum cclass prev_cls = class_of(ev->tid);
	struct thread *p = NULL, *n = NULL;
	bool missed = false;

	/* the CPU: its first switch tells what ran there since the start */
	if (c->cls == C_UNKNOWN) {
		cpu_account(c, prev_cls, ev->ts);
	} else {
		missed = c->cls != prev_cls || (prev_cls == C_TRACED && c->tid != ev->tid);
		if (missed)
			s->anomalies[STATS_ANOM_CPU_MISMATCH]++;
		cpu_account(c, missed ? prev_cls : c->cls, ev->ts > c->since ? ev->ts - c->since : 0);
	}

	if (ev->tid > 0) {
		p = get(s, ev->tid, ev->tgid, ev->ts);
		if (!p)
			return -ENOMEM;
		if (p->state != T_RUNNING && p->state != T_UNKNOWN) {
			s->anomalies[STATS_ANOM_SWITCH_NOT_CURRENT]++;
			if (missed && c->since > p->since)
				move(p, T_RUNNING, c->since, T_RUNNING);
			else if (missed)
				p->state = T_RUNNING;
		}
		if (event_switch_exiting(ev->arg)) {
			move(p, T_DEAD, ev->ts, T_RUNNING);
			p->pub.end_ns = ev->ts;
			p->pub.exited = true;
		} else if (event_switch_voluntary(ev->arg)) {
			move(p, T_BLOCKED, ev->ts, T_RUNNING);
			p->pub.voluntary++;
		} else {
			move(p, T_RUNNABLE, ev->ts, T_RUNNING);
			p->pub.involuntary++;
		}
		p->cpu = -1;
	}
	c->cls = class_of(ev->tid2);
	c->tid = ev->tid2;
	c->since = ev->ts;
	if (ev->tid2 > 0) {
		n = get(s, ev->tid2, ev->tgid2, ev->ts);
		if (!n)
			return -ENOMEM;
		if (n->state == T_RUNNING)
			s->anomalies[STATS_ANOM_RUNNING_TWICE]++;
		move(n, T_RUNNING, ev->ts, T_RUNNABLE);
		n->cpu = n->last_cpu = ev->cpu;
	}
	return 0;
}

/* A thread is placed on a run queue (wakeup or first wakeup). */
static int on_wakeup(struct stats *s, const struct event *ev)
{
	struct thread *t;

	if (ev->tid <= 0)
		return 0;
	t = find(s, ev->tid);
	if (!t || t->state == T_DEAD) {
		t = add(s, ev->tid, ev->tgid, ev->type == EVENT_WAKEUP_NEW ? T_NEW : T_UNKNOWN, ev->ts);
		if (!t)
			return -ENOMEM;
	}
	if (t->state == T_NEW) {
		move(t, T_RUNNABLE, ev->ts, T_NEW);
	} else if (t->state == T_BLOCKED || t->state == T_UNKNOWN) {
		move(t, T_RUNNABLE, ev->ts, T_BLOCKED);
		t->pub.wakeups++;
	}
	/* running or already runnable: a wakeup that found it awake */
	return 0;
}

/* A thread is created by the current one. */
static int on_fork(struct stats *s, const struct event *ev)
{
	struct thread *t;

	acting(s, ev->tid, ev->tgid, ev->ts);
	if (ev->tid2 <= 0)
		return 0;
	t = find(s, ev->tid2);
	if (!t || t->state == T_DEAD) {
		t = add(s, ev->tid2, ev->tgid2, T_NEW, ev->ts);
		if (!t)
			return -ENOMEM;
	}
	memcpy(t->pub.name, ev->text, sizeof(t->pub.name));
	t->pub.tgid = ev->tgid2;
	return 0;
}

/* A thread that existed when tracing began. */
static int on_thread(struct stats *s, const struct event *ev)
{
	struct thread *t = find(s, ev->tid);

	if (!t || t->state == T_DEAD) {
		t = add(s, ev->tid, ev->tgid, T_UNKNOWN, ev->ts);
		if (!t)
			return -ENOMEM;
	}
	t->pub.existed = true;
	t->proc_state = (char)ev->arg;
	memcpy(t->pub.name, ev->text, sizeof(t->pub.name));
	return 0;
}

/* Whether an event's fields are in range for this trace. */
static bool valid(const struct stats *s, const struct event *ev)
{
	return ev->type > 0 && ev->type < EVENT_TYPE_MAX && ev->cpu < s->ncpus &&
	       ev->tid >= EVENT_TID_OTHER && ev->tid2 >= EVENT_TID_OTHER;
}

/* Follows one event. */
int stats_add(struct stats *s, const struct event *ev)
{
	struct thread *t;

	if (!valid(s, ev)) {
		s->anomalies[STATS_ANOM_BAD_EVENT]++;
		return 0;
	}
	if (ev->ts < s->last_ts)
		s->anomalies[STATS_ANOM_TIME_BACKWARDS]++;
	else
		s->last_ts = ev->ts;
	s->events++;
	s->by_type[ev->type]++;

	switch (ev->type) {
	case EVENT_SWITCH:
		return on_switch(s, ev);
	case EVENT_WAKEUP:
	case EVENT_WAKEUP_NEW:
		return on_wakeup(s, ev);
	case EVENT_WAKING:
		acting(s, ev->tid, ev->tgid, ev->ts);
		if (ev->tid > 0 && (t = find(s, ev->tid)))
			t->pub.wakeups_given++;
		return 0;
	case EVENT_MIGRATE:
		if (ev->tid > 0 && ev->arg != ev->arg2) {
			t = get(s, ev->tid, ev->tgid, ev->ts);
			if (!t)
				return -ENOMEM;
			t->pub.migrations++;
		}
		return 0;
	case EVENT_FORK:
		return on_fork(s, ev);
	case EVENT_THREAD:
		return on_thread(s, ev);
	case EVENT_EXIT:
		acting(s, ev->tid, ev->tgid, ev->ts);
		if (ev->tid > 0 && (t = find(s, ev->tid)))
			t->exiting = true;
		return 0;
	case EVENT_EXEC:
	case EVENT_RENAME:
		if (ev->type == EVENT_EXEC)
			acting(s, ev->tid, ev->tgid, ev->ts);
		if (ev->tid > 0) {
			t = get(s, ev->tid, ev->tgid, ev->ts);
			if (!t)
				return -ENOMEM;
			memcpy(t->pub.name, ev->text, sizeof(t->pub.name));
		}
		return 0;
	case EVENT_MARK:
		acting(s, ev->tid, ev->tgid, ev->ts);
		if (ev->tid > 0 && (t = find(s, ev->tid)))
			t->pub.marks++;
		return 0;
	case EVENT_LOST:
		if (ev->arg > 0)
			s->lost += (uint64_t)ev->arg;
		return 0;
	default:
		return 0;
	}
}

/* Closes every open interval at the end of the trace. */
void stats_finish(struct stats *s, uint64_t end_ns)
{
	size_t i;
	unsigned c;

	if (end_ns < s->last_ts)
		end_ns = s->last_ts;
	s->end_ns = end_ns;
	for (i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		enum tstate as;

		if (t->state == T_DEAD)
			continue;
		if (t->state == T_NEW) { /* never became runnable: no lifetime */
			t->pub.start_ns = t->pub.end_ns = end_ns;
			continue;
		}
		/* a thread never seen to act: trust what /proc said at attach */
		as = t->proc_state == 'R' ? T_RUNNING : T_BLOCKED;
		move(t, T_DEAD, end_ns, as);
		t->pub.end_ns = end_ns;
	}
	for (c = 0; c < s->ncpus; c++) {
		struct cpu *cp = &s->cpus[c];

		cpu_account(cp, cp->cls, cp->cls == C_UNKNOWN ? end_ns : end_ns - cp->since);
		cp->cls = C_UNKNOWN;
		cp->since = end_ns;
	}
}

/* Threads in order of first appearance. */
size_t stats_thread_count(const struct stats *s)
{
	return s->nthreads;
}

/* The i-th thread. */
const struct stats_thread *stats_thread_at(const struct stats *s, size_t i)
{
	return i < s->nthreads ? &s->threads[i].pub : NULL;
}

/* The name of process tgid: its leader thread's name. */
const char *stats_process_name(const struct stats *s, int32_t tgid)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].pub.tid == tgid)
			return s->threads[i].pub.name;
	return NULL;
}

/* The number of CPUs. */
unsigned stats_ncpus(const struct stats *s)
{
	return s->ncpus;
}

/* One CPU's figures. */
const struct stats_cpu *stats_cpu_at(const struct stats *s, unsigned cpu)
{
	return cpu < s->ncpus ? &s->cpus[cpu].pub : NULL;
}

/* Events seen. */
uint64_t stats_events(const struct stats *s)
{
	return s->events;
}

/* Events of one type seen. */
uint64_t stats_events_of(const struct stats *s, unsigned type)
{
	return type < EVENT_TYPE_MAX ? s->by_type[type] : 0;
}

/* Events the kernel lost. */
uint64_t stats_lost(const struct stats *s)
{
	return s->lost;
}

/* Anomalies of one kind. */
uint64_t stats_anomalies(const struct stats *s, enum stats_anomaly kind)
{
	return kind < STATS_ANOM_MAX ? s->anomalies[kind] : 0;
}

/* What an anomaly kind means, in words. */
const char *stats_anomaly_name(enum stats_anomaly kind)
{
	return kind < STATS_ANOM_MAX ? anomaly_names[kind] : "unknown";
}

/* A short key for an anomaly kind, for scripts. */
const char *stats_anomaly_key(enum stats_anomaly kind)
{
	return kind < STATS_ANOM_MAX ? anomaly_keys[kind] : "unknown";
}

/* The end of the trace. */
uint64_t stats_end(const struct stats *s)
{
	return s->end_ns;
}
