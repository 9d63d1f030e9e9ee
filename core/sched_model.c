/* The scheduling state machine shared by the statistics and the timeline:
 * one small machine per thread and one "current occupant" per CPU, as perf
 * sched does. It keeps only the present; consumers get the changes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "sched_model.h"
#include "tidmap.h"

#define STASH 8 /* wakings of threads not known yet, kept for their wakeup */

struct mthread {
	struct sched_thread pub;
	int64_t waker;     /* from the last waking not yet followed by a wakeup */
	int64_t object;    /* what its current state waits on (an object index), -1 none */
	/* object and thread indexes below fit (add() keeps threads under INT32_MAX) */
	int32_t holder;    /* who holds it (sched_change.holder), -1 none */
	int32_t ref_object, ref_holder; /* learnt at its wakeup (sched_change.prev_object), -1 */
	int32_t waker_via; /* the object its last waking came through (-1 none), until a
			    * wakeup without one */
	bool has_waker;
	bool signalling;   /* its wait is inside a cond signal (sched_change.signalling) */
	bool at_gate;      /* conctop's gated child, before its exec */
	uint8_t wait;      /* what its current state waits on (enum waits_kind) */
};

struct mcpu {
	uint8_t kind;      /* enum tl_cpu_kind */
	int32_t tid;       /* the traced thread on it, when TL_CPU_THREAD */
	size_t thread;     /* its index */
	uint64_t since;
};

struct stash {
	int32_t tid;       /* 0: empty */
	int64_t waker;
};

struct sched_model {
	struct sched_model_ops ops;
	void *ctx;
	struct mthread *threads;
	size_t nthreads, cap;
	struct tidmap map;  /* tid -> index of the tid's latest entry */

	struct mcpu *cpus;
	unsigned ncpus;
	uint64_t last_ts;
	struct sched_counts counts;
	struct stash stash[STASH];
	unsigned stash_next;
	unsigned nstash;   /* entries of stash in use (a tid), so that most wakeups skip it */
	int err; /* the first callback error of the current call */
	struct waits *waits;
	int64_t waking_by; /* the waker of the wakeup being moved (sched_change.waker) */
	bool gated;        /* conctop started the program: the first thread waits at its gate */
	bool gate_seen;    /* the first thread announced (EVENT_THREAD) was looked at */
};

/* Creates a model. */
int sched_model_new(struct sched_model **out, unsigned ncpus, const struct sched_model_ops *ops, void *ctx)
{
	struct sched_model *m;

	*out = NULL;
	if (ncpus == 0 || ncpus > 65536)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (ops)
		m->ops = *ops;
	m->ctx = ctx;
	m->ncpus = ncpus;
	m->cpus = calloc(ncpus, sizeof(*m->cpus));
	if (!m->cpus || tidmap_init(&m->map) || waits_new(&m->waits)) {
		sched_model_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

/* Says whether conctop started the program (see sched_model.h). */
void sched_model_set_gated(struct sched_model *m, bool gated)
{
	m->gated = gated;
}

/* Frees it. */
void sched_model_free(struct sched_model *m)
{
	if (!m)
		return;
	free(m->threads);
	tidmap_done(&m->map);
	free(m->cpus);
	waits_free(m->waits);
	free(m);
}

/* A copy of the model (see sched_model.h). */
int sched_model_clone(const struct sched_model *m, const struct sched_model_ops *ops, void *ctx,
		      struct sched_model **out)
{
	struct sched_model *c = malloc(sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	*c = *m;
	if (ops)
		c->ops = *ops;
	c->ctx = ctx;
	c->cap = m->nthreads;
	c->threads = NULL;
	c->cpus = NULL;
	c->waits = NULL;
	memset(&c->map, 0, sizeof(c->map));
	if (VEC_DUP(c->threads, m->threads, m->nthreads) || VEC_DUP(c->cpus, m->cpus, m->ncpus) ||
	    tidmap_copy(&c->map, &m->map) || waits_clone(m->waits, &c->waits)) {
		sched_model_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* Counts an anomaly of kind. */
static void count_anomaly(struct sched_model *m, enum tl_anomaly kind)
{
	m->counts.anomalies[kind]++;
	m->counts.anomalies_total++;
}

/* Keeps the first error a callback returned. */
static void note(struct sched_model *m, int r)
{
	if (r && !m->err)
		m->err = r;
}

/* The latest entry of tid, or NULL. */
static struct mthread *find(struct sched_model *m, int32_t tid)
{
	long i = tidmap_find(&m->map, tid);

	return i >= 0 ? &m->threads[i] : NULL;
}

/* The index of an entry. */
static size_t idx_of(const struct sched_model *m, const struct mthread *t)
{
	return (size_t)(t - m->threads);
}

/* Adds a new entry for tid (replacing a dead one of a reused tid). */
static struct mthread *add(struct sched_model *m, int32_t tid, int32_t tgid, enum tl_state st, uint64_t ts)
{
	struct mthread *t;

	if (m->nthreads >= INT32_MAX - 1 || VEC_RESERVE(m->threads, m->cap, m->nthreads + 1) ||
	    tidmap_add(&m->map, tid, m->nthreads))
		return NULL;
	t = &m->threads[m->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pub.tid = tid;
	t->pub.tgid = tgid;
	t->pub.start_ns = ts;
	t->pub.state = (uint8_t)st;
	t->pub.since = ts;
	t->pub.cpu = t->pub.last_cpu = -1;
	t->pub.creator = TL_WAKER_UNKNOWN;
	t->object = t->ref_object = t->ref_holder = t->holder = t->waker_via = -1;
	if (m->ops.thread)
		note(m, m->ops.thread(m->ctx, m->nthreads - 1, SCHED_THREAD_NEW, ts, TL_WAKER_UNKNOWN, NULL));
	return t;
}

/* The live entry of a traced tid, created on first sight (state unknown). */
static struct mthread *get(struct sched_model *m, int32_t tid, int32_t tgid, uint64_t ts)
{
	struct mthread *t = find(m, tid);

	if (t && t->pub.state != TL_DEAD)
		return t;
	return add(m, tid, tgid, TL_UNKNOWN, ts);
}

/* Tells the consumer about an identity change of t. */
static void tell_thread(struct sched_model *m, struct mthread *t, unsigned what, uint64_t ts, int64_t other,
			const char *name)
{
	if (m->ops.thread)
		note(m, m->ops.thread(m->ctx, idx_of(m, t), what, ts, other, name));
}

/* The state an unknown thread is taken to be in (from its /proc letter). */
enum tl_state sched_model_guess(const struct sched_thread *t)
{
	if (t->proc_state == 'R')
		return TL_RUNNING;
	if (t->proc_state == 'D')
		return TL_UNINTERRUPTIBLE;
	return TL_BLOCKED_UNKNOWN;
}

/* The blocked state an unknown thread woken is taken to have been in. */
static enum tl_state blocked_guess(const struct mthread *t)
{
	return t->pub.proc_state == 'D' ? TL_UNINTERRUPTIBLE : TL_BLOCKED_UNKNOWN;
}

/* The blocked state of a thread asleep inside a call of kind wait. */
static enum tl_state blocked_state(uint8_t wait)
{
	switch (wait) {
	case WAIT_MUTEX: return TL_BLOCKED_MUTEX;
	case WAIT_RWLOCK: return TL_BLOCKED_RWLOCK;
	case WAIT_COND: return TL_BLOCKED_COND;
	case WAIT_BARRIER: return TL_BLOCKED_BARRIER;
	case WAIT_SEM: return TL_BLOCKED_SEM;
	case WAIT_JOIN: case WAIT_CHILD: return TL_BLOCKED_JOIN; /* a child process: a join of one */
	case WAIT_FUTEX: return TL_BLOCKED_FUTEX;
	case WAIT_SLEEP: case WAIT_SIGNAL: return TL_SLEEPING; /* pause: asleep until a signal */
	case WAIT_IO: return TL_IO;
	default: return TL_BLOCKED_UNKNOWN;
	}
}

/* What thread t waits on now, from the attribution events, into c. */
static void fill_wait(struct sched_model *m, const struct mthread *t, struct sched_change *c)
{
	struct waits_cause wc;
	int32_t who;

	waits_current(m->waits, t->pub.tid, &wc);
	c->wait = wc.kind;
	c->signalling = wc.op == OP_COND_SIGNAL || wc.op == OP_COND_BROADCAST;
	c->object = wc.object;
	who = wc.holder ? wc.holder : wc.target;
	if (who > 0) {
		long h = sched_model_find(m, who);

		c->holder = h >= 0 ? h : -1;
	}
}

/* Ends the current state of t and starts st at ts. `where` is the CPU the
 * event happened on: the one it runs on when st is running, and the one an
 * unknown state settled as running ran on. An unknown current state is
 * settled as `as`. A voluntary sleep comes as TL_BLOCKED_UNKNOWN and is
 * refined by what the thread sleeps in. */
static void move(struct sched_model *m, struct mthread *t, enum tl_state st, uint64_t ts, enum tl_state as,
		 int32_t where, enum sched_cause cause)
{
	struct sched_change c;

	c.thread = idx_of(m, t);
	c.ts = ts;
	c.wait = WAIT_NONE;
	c.signalling = false;
	c.object = -1;
	c.holder = -1;
	c.prev_object = t->ref_object;
	c.prev_holder = t->ref_holder;
	t->ref_object = t->ref_holder = -1;
	if (tl_state_blocked(st) || st == TL_SPINNING)
		fill_wait(m, t, &c);
	if (st == TL_BLOCKED_UNKNOWN)
		st = blocked_state(c.wait);
	if (t->at_gate && tl_state_blocked(st)) /* its read of the gate pipe is no lesson's I/O */
		st = TL_GATE;
	if (t->at_gate && t->pub.state == TL_UNKNOWN && tl_state_blocked(as))
		as = TL_GATE;
	c.state = (uint8_t)st;
	c.cpu = tl_state_on_cpu((uint8_t)st) ? where : -1;
	c.settled = t->pub.state == TL_UNKNOWN;
	c.prev = c.settled ? (uint8_t)as : t->pub.state;
	c.prev_cpu = !tl_state_on_cpu(c.prev) ? -1 : c.settled ? where : t->pub.cpu;
	c.prev_since = t->pub.since;
	c.cause = (uint8_t)cause;
	c.via = cause == SCHED_BY_WAKEUP ? t->waker_via : -1;
	c.waker = cause == SCHED_BY_WAKEUP ? m->waking_by : TL_WAKER_UNKNOWN;
	if (c.prev == TL_NEW) /* not alive yet: its lifetime starts now */
		t->pub.start_ns = ts;
	t->pub.state = (uint8_t)st;
	t->pub.since = ts;
	t->pub.cpu = c.cpu;
	t->wait = c.wait;
	t->signalling = c.signalling;
	t->object = c.object;
	t->holder = (int32_t)c.holder;
	if (c.cpu >= 0)
		t->pub.last_cpu = c.cpu;
	if (st == TL_DEAD) {
		t->pub.end_ns = ts;
		if (cause == SCHED_BY_EXIT)
			t->pub.exited = true;
	}
	if (m->ops.state)
		note(m, m->ops.state(m->ctx, &c));
}

/* Thread t is seen acting in ev (it is current): if its state was
 * unknown it has been running. */
static void acted(struct sched_model *m, struct mthread *t, const struct event *ev, uint64_t ts)
{
	if (t->pub.state == TL_UNKNOWN)
		move(m, t, TL_RUNNING, ts, TL_RUNNING, ev->cpu, SCHED_BY_ACTING);
}

/* The thread of ev is seen acting (see acted). */
static int acting(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mthread *t;

	if (ev->tid <= 0)
		return 0;
	t = get(m, ev->tid, ev->tgid, ts);
	if (!t)
		return -ENOMEM;
	acted(m, t, ev, ts);
	return 0;
}

/* Whether thread t is inside pthread_spin_lock now. */
static bool spinning(const struct sched_model *m, const struct mthread *t)
{
	struct waits_cause wc;

	waits_current(m->waits, t->pub.tid, &wc);
	return wc.kind == WAIT_SPIN;
}

/* An attribution event: the wait tracker follows it; a call or system call
 * shows its thread acting; entering or leaving a spin lock turns a running
 * thread spinning or back; a block of a thread already asleep with no
 * known cause (found asleep when tracing began, -p: what its switch out
 * would have said, read then) says what it sleeps in from now on. */
static int on_attribution(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mthread *t;
	struct waits_cause wc;
	int r = waits_add(m->waits, ev);

	if (r)
		return r;
	if (ev->type == EVENT_OBJECT || ev->tid <= 0)
		return 0;
	t = get(m, ev->tid, ev->tgid, ts); /* (one lookup for all that follows) */
	if (!t)
		return -ENOMEM;
	if (ev->type == EVENT_BLOCK &&
	    (t->pub.state == TL_BLOCKED_UNKNOWN || (t->pub.state == TL_UNKNOWN && t->pub.proc_state == 'S'))) {
		/* (not acting: asleep, its first event since tracing began) */
		waits_current(m->waits, t->pub.tid, &wc);
		if (wc.kind != WAIT_NONE)
			move(m, t, TL_BLOCKED_UNKNOWN, ts, blocked_state(wc.kind), -1, SCHED_BY_CALL);
		return 0;
	}
	acted(m, t, ev, ts);
	if ((ev->type != EVENT_CALL && ev->type != EVENT_RETURN) || ev->op != OP_SPIN_LOCK)
		return 0;
	if (ev->type == EVENT_CALL && t->pub.state == TL_RUNNING)
		move(m, t, TL_SPINNING, ts, TL_RUNNING, t->pub.cpu, SCHED_BY_CALL);
	else if (ev->type == EVENT_RETURN && t->pub.state == TL_SPINNING)
		move(m, t, TL_RUNNING, ts, TL_RUNNING, t->pub.cpu, SCHED_BY_CALL);
	return 0;
}

/* The kind of a task as a switch names it. */
static enum tl_cpu_kind kind_of(int32_t tid)
{
	return tid > 0 ? TL_CPU_THREAD : tid == 0 ? TL_CPU_IDLE : TL_CPU_OTHER;
}

/* Tells the consumer that cpu runs (kind, thread) from ts. */
static void cpu_change(struct sched_model *m, unsigned cpu, uint64_t ts, enum tl_cpu_kind kind, size_t thread,
		       enum tl_cpu_kind prev_kind, size_t prev_thread, bool settled, bool correction)
{
	struct mcpu *c = &m->cpus[cpu];
	struct sched_cpu_change ch;

	ch.cpu = cpu;
	ch.ts = ts;
	ch.kind = (uint8_t)kind;
	ch.thread = thread;
	ch.prev_kind = (uint8_t)prev_kind;
	ch.prev_thread = prev_thread;
	ch.prev_since = c->since;
	ch.settled = settled;
	ch.correction = correction;
	c->kind = (uint8_t)kind;
	c->thread = thread;
	c->since = ts;
	if (m->ops.cpu)
		note(m, m->ops.cpu(m->ctx, &ch));
}

/* A context switch on ev->cpu. When the CPU's previous switch named another
 * task than this one's prev, the switch that put prev on the CPU was never
 * reported (the kernel does skip some: perf sees the same gaps); prev is
 * then taken to have run since that previous switch. */
static int on_switch(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mcpu *c = &m->cpus[ev->cpu];
	enum tl_cpu_kind prev_kind = kind_of(ev->tid);
	enum tl_cpu_kind old_kind = (enum tl_cpu_kind)c->kind;
	size_t old_thread = c->thread;
	uint64_t old_since = c->since;
	struct mthread *p = NULL, *n = NULL;
	size_t pi = 0, ni = 0;
	bool missed = false;

	if (old_kind != TL_CPU_UNKNOWN) {
		missed = old_kind != prev_kind || (prev_kind == TL_CPU_THREAD && c->tid != ev->tid);
		if (missed)
			count_anomaly(m, TL_ANOM_CPU_MISMATCH);
	}

	if (ev->tid > 0) {
		p = get(m, ev->tid, ev->tgid, ts);
		if (!p)
			return -ENOMEM;
		pi = idx_of(m, p);
		if (!tl_state_on_cpu(p->pub.state) && p->pub.state != TL_UNKNOWN) {
			count_anomaly(m, TL_ANOM_SWITCH_NOT_CURRENT);
			if (missed && old_since > p->pub.since)
				move(m, p, TL_RUNNING, old_since, TL_RUNNING, ev->cpu, SCHED_BY_MISSED_SWITCH_IN);
			else if (missed) /* restated from its last change */
				move(m, p, TL_RUNNING, p->pub.since, TL_RUNNING, ev->cpu,
				     SCHED_BY_MISSED_SWITCH_IN);
		}
		if (event_switch_exiting(ev->arg))
			move(m, p, TL_DEAD, ts, TL_RUNNING, ev->cpu, SCHED_BY_EXIT);
		else if (event_switch_voluntary(ev->arg))
			move(m, p, (ev->arg & EVENT_STATE_UNINTERRUPTIBLE) ? TL_UNINTERRUPTIBLE : TL_BLOCKED_UNKNOWN, ts,
			     TL_RUNNING, ev->cpu, SCHED_BY_SLEEP);
		else
			move(m, p, TL_RUNNABLE, ts, TL_RUNNING, ev->cpu, SCHED_BY_PREEMPT);
	}
	if (ev->tid2 > 0) {
		n = get(m, ev->tid2, ev->tgid2, ts);
		if (!n)
			return -ENOMEM;
		ni = idx_of(m, n);
	}

	/* the CPU: its first switch tells what ran there since the start */
	if (old_kind == TL_CPU_UNKNOWN) {
		cpu_change(m, ev->cpu, ts, kind_of(ev->tid2), ni, prev_kind, pi, true, false);
	} else {
		if (missed)
			cpu_change(m, ev->cpu, old_since, prev_kind, pi, old_kind, old_thread, false, true);
		cpu_change(m, ev->cpu, ts, kind_of(ev->tid2), ni, prev_kind, pi, false, false);
	}
	c->tid = ev->tid2;

	if (n) {
		if (tl_state_on_cpu(n->pub.state))
			count_anomaly(m, TL_ANOM_RUNNING_TWICE);
		move(m, n, spinning(m, n) ? TL_SPINNING : TL_RUNNING, ts, TL_RUNNABLE, ev->cpu,
		     SCHED_BY_SWITCH_IN);
	}
	return 0;
}

/* The waker code of the task tid as a waking names it. */
static int64_t waker_of(struct sched_model *m, int32_t tid)
{
	struct mthread *w;

	if (tid == 0)
		return TL_WAKER_KERNEL;
	if (tid < 0)
		return TL_WAKER_OTHER;
	w = find(m, tid);
	return w ? (int64_t)idx_of(m, w) : TL_WAKER_UNKNOWN;
}

/* A waking: remember who woke tid2 for its wakeup. */
static void on_waking(struct sched_model *m, const struct event *ev)
{
	struct mthread *t;
	int64_t waker = waker_of(m, ev->tid);
	unsigned i;

	if (ev->tid2 <= 0)
		return;
	t = find(m, ev->tid2);
	if (t && t->pub.state != TL_DEAD) {
		t->waker = waker;
		/* through an object: a futex wake of that word; else (recorded
		 * with --calls, no futex word) the unlock, post or signal the
		 * waker is inside */
		t->waker_via = ev->op && ev->arg2 ? (int32_t)waits_find(m->waits, ev->tgid, (uint64_t)ev->arg2)
			       : ev->tid > 0 ? (int32_t)waits_waking_object(m->waits, ev->tid) : -1;
		t->has_waker = true;
		return;
	}
	for (i = 0; i < STASH; i++) {
		if (m->stash[i].tid == ev->tid2) {
			m->stash[i].waker = waker;
			return;
		}
	}
	if (!m->stash[m->stash_next].tid)
		m->nstash++;
	m->stash[m->stash_next].tid = ev->tid2;
	m->stash[m->stash_next].waker = waker;
	m->stash_next = (m->stash_next + 1) % STASH;
}

/* Takes the waker remembered for t (or its stash entry), if any; its
 * waking's object stays in t->waker_via for the wakeup's change. */
static int64_t take_waker(struct sched_model *m, struct mthread *t)
{
	int64_t w = TL_WAKER_UNKNOWN;
	unsigned i;

	if (t->has_waker) {
		w = t->waker;
		t->has_waker = false;
	} else {
		t->waker_via = -1; /* a wakeup no waking of its own came before */
	}
	for (i = 0; m->nstash && i < STASH; i++) {
		if (m->stash[i].tid == t->pub.tid) {
			if (w == TL_WAKER_UNKNOWN)
				w = m->stash[i].waker;
			m->stash[i].tid = 0;
			m->nstash--;
		}
	}
	return w;
}

/* Blocked thread t, waiting for any of its process's children, is woken by
 * thread waker: when the waker is such a child (its exit ends the wait),
 * the wait was for that child, which the state's end tells. */
static void child_woke(struct sched_model *m, struct mthread *t, int64_t waker)
{
	const struct mthread *c;
	int64_t o;

	if (!tl_state_blocked(t->pub.state) || t->wait != WAIT_CHILD || t->object >= 0 || waker < 0 ||
	    (size_t)waker >= m->nthreads)
		return;
	c = &m->threads[waker];
	o = waits_find(m->waits, t->pub.tgid, (uint64_t)(uint32_t)c->pub.tgid);
	if (o < 0 || waits_object(m->waits, (size_t)o)->kind != OP_KIND_CHILD)
		return;
	t->ref_object = (int32_t)o;
	t->ref_holder = (int32_t)waker;
}

/* A thread is placed on a run queue (wakeup or first wakeup). */
static int on_wakeup(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mthread *t;
	struct sched_wakeup w;
	int64_t waker;

	if (ev->tid <= 0)
		return 0;
	t = find(m, ev->tid);
	if (!t || t->pub.state == TL_DEAD) {
		t = add(m, ev->tid, ev->tgid, ev->type == EVENT_WAKEUP_NEW ? TL_NEW : TL_UNKNOWN, ts);
		if (!t)
			return -ENOMEM;
	}
	waker = take_waker(m, t);
	w.thread = idx_of(m, t);
	w.ts = ts;
	w.cpu = ev->arg >= 0 && ev->arg < (int64_t)m->ncpus ? (int32_t)ev->arg : ev->cpu;
	if (t->pub.state == TL_NEW) {
		move(m, t, TL_RUNNABLE, ts, TL_NEW, -1, SCHED_BY_WAKEUP_NEW);
		w.waker = waker != TL_WAKER_UNKNOWN ? waker : t->pub.creator;
		w.new_thread = true;
	} else if (tl_state_blocked(t->pub.state) || t->pub.state == TL_UNKNOWN) {
		/* a sleep no thread of the program ended: its timer, though the
		 * CPU ran the idle task or another program when it fired */
		if (t->wait == WAIT_SLEEP && waker < 0)
			waker = TL_WAKER_TIMER;
		child_woke(m, t, waker);
		m->waking_by = waker;
		move(m, t, TL_RUNNABLE, ts, blocked_guess(t), -1, SCHED_BY_WAKEUP);
		w.waker = waker;
		w.new_thread = false;
	} else {
		return 0; /* running or already runnable: a wakeup that found it awake */
	}
	if (m->ops.wakeup)
		note(m, m->ops.wakeup(m->ctx, &w));
	return 0;
}

/* A thread is created by the current one. */
static int on_fork(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mthread *t;
	int64_t parent = TL_WAKER_UNKNOWN;

	if (acting(m, ev, ts))
		return -ENOMEM;
	if (ev->tid2 <= 0)
		return 0;
	if (ev->tid > 0)
		parent = waker_of(m, ev->tid);
	t = find(m, ev->tid2);
	if (!t || t->pub.state == TL_DEAD) {
		t = add(m, ev->tid2, ev->tgid2, TL_NEW, ts);
		if (!t)
			return -ENOMEM;
	}
	t->pub.tgid = ev->tgid2;
	t->pub.creator = parent;
	tell_thread(m, t, SCHED_THREAD_FORKED, ts, parent, ev->text);
	return 0;
}

/* A thread that existed when tracing began. */
static int on_thread(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mthread *t = find(m, ev->tid);

	if (!t || t->pub.state == TL_DEAD) {
		t = add(m, ev->tid, ev->tgid, TL_UNKNOWN, ts);
		if (!t)
			return -ENOMEM;
	}
	t->pub.existed = true;
	t->pub.proc_state = (char)ev->arg;
	if (m->gated && !m->gate_seen) {
		/* conctop's child, held at the gate until tracing runs, still
		 * carries conctop's name (docs/trace-format.md: target_pid 0) */
		m->gate_seen = true;
		t->at_gate = strcmp(ev->text, "conctop") == 0;
	}
	tell_thread(m, t, SCHED_THREAD_EXISTED, ts, TL_WAKER_UNKNOWN, ev->text);
	return 0;
}

/* Whether an event's fields are in range for this trace. */
static bool event_valid(const struct sched_model *m, const struct event *ev)
{
	return ev->type > 0 && ev->type < EVENT_TYPE_MAX && ev->cpu < m->ncpus && ev->tid >= EVENT_TID_OTHER &&
	       ev->tid2 >= EVENT_TID_OTHER;
}

/* Follows one event at time ts (ev->ts, or the last time when earlier). */
static int follow(struct sched_model *m, const struct event *ev, uint64_t ts)
{
	struct mthread *t;

	switch (ev->type) {
	case EVENT_SWITCH:
		if (waits_add(m->waits, ev))
			return -ENOMEM;
		return on_switch(m, ev, ts);
	case EVENT_WAKEUP:
	case EVENT_WAKEUP_NEW:
		if (waits_add(m->waits, ev))
			return -ENOMEM;
		return on_wakeup(m, ev, ts);
	case EVENT_WAKING:
		if (acting(m, ev, ts) || waits_add(m->waits, ev))
			return -ENOMEM;
		on_waking(m, ev);
		return 0;
	case EVENT_MIGRATE:
		if (ev->tid > 0 && ev->arg != ev->arg2 && !get(m, ev->tid, ev->tgid, ts))
			return -ENOMEM;
		return 0;
	case EVENT_FORK:
		if (waits_add(m->waits, ev))
			return -ENOMEM;
		return on_fork(m, ev, ts);
	case EVENT_THREAD:
		if (waits_add(m->waits, ev)) /* a process's name: its child object's, CPython or not */
			return -ENOMEM;
		return on_thread(m, ev, ts);
	case EVENT_EXIT:
		if (acting(m, ev, ts))
			return -ENOMEM;
		if (ev->tid > 0 && (t = find(m, ev->tid))) {
			t->pub.exiting = true;
			t->at_gate = false;
		}
		return waits_add(m->waits, ev);
	case EVENT_EXEC:
	case EVENT_RENAME:
		if ((ev->type == EVENT_EXEC && acting(m, ev, ts)) || waits_add(m->waits, ev))
			return -ENOMEM;
		if (ev->tid > 0) {
			t = get(m, ev->tid, ev->tgid, ts);
			if (!t)
				return -ENOMEM;
			if (ev->type == EVENT_EXEC)
				t->at_gate = false; /* the gate has opened: the program runs */
			tell_thread(m, t, ev->type == EVENT_EXEC ? SCHED_THREAD_EXEC : SCHED_THREAD_RENAMED, ts,
				    TL_WAKER_UNKNOWN, ev->text);
		}
		return 0;
	case EVENT_MARK:
		return acting(m, ev, ts);
	case EVENT_LOST:
		if (ev->arg > 0)
			m->counts.lost += (uint64_t)ev->arg;
		return 0;
	case EVENT_CALL:
	case EVENT_RETURN:
	case EVENT_SYSCALL:
	case EVENT_SYSRET:
	case EVENT_OBJECT:
	case EVENT_BLOCK:
		return on_attribution(m, ev, ts);
	default:
		return 0;
	}
}

/* Follows one event. */
int sched_model_add(struct sched_model *m, const struct event *ev)
{
	uint64_t ts = ev->ts;
	int r;

	if (!event_valid(m, ev)) {
		count_anomaly(m, TL_ANOM_BAD_EVENT);
		return SCHED_MODEL_SKIPPED;
	}
	if (ts < m->last_ts) {
		count_anomaly(m, TL_ANOM_TIME_BACKWARDS);
		ts = m->last_ts;
	}
	m->last_ts = ts;
	m->counts.events++;
	m->counts.by_type[ev->type]++;
	m->err = 0;
	r = follow(m, ev, ts);
	return r ? r : m->err;
}

/* Ends every open state at the end of the trace. */
int sched_model_finish(struct sched_model *m, uint64_t end_ns)
{
	size_t i;
	unsigned c;

	if (end_ns < m->last_ts)
		end_ns = m->last_ts;
	m->err = 0;
	for (i = 0; i < m->nthreads; i++) {
		struct mthread *t = &m->threads[i];

		if (t->pub.state == TL_DEAD)
			continue;
		/* a new thread that never became runnable has no lifetime; a
		 * thread never seen to act is trusted to be as /proc said */
		move(m, t, TL_DEAD, end_ns, sched_model_guess(&t->pub), -1, SCHED_BY_FINISH);
	}
	for (c = 0; c < m->ncpus; c++) {
		struct mcpu *cp = &m->cpus[c];

		cpu_change(m, c, end_ns, TL_CPU_UNKNOWN, 0, (enum tl_cpu_kind)cp->kind, cp->thread, false, false);
		cp->tid = 0;
	}
	return m->err;
}

/* Whether the past before t is final (see sched_model.h). */
bool sched_model_settled(const struct sched_model *m, uint64_t t, bool for_log)
{
	size_t i;
	unsigned c;

	for (c = 0; c < m->ncpus; c++)
		if (m->cpus[c].since <= t) /* (a CPU never switched: since 0) */
			return false;
	for (i = 0; i < m->nthreads; i++) {
		const struct mthread *th = &m->threads[i];

		if (th->pub.state == TL_UNKNOWN || th->pub.state == TL_NEW)
			return false;
		if (for_log && th->pub.since <= t &&
		    (th->pub.state == TL_RUNNABLE ||
		     (tl_state_blocked(th->pub.state) && th->wait == WAIT_CHILD && th->object < 0)))
			return false;
	}
	return true;
}

/* The i-th thread. */
const struct sched_thread *sched_model_thread(const struct sched_model *m, size_t i)
{
	return i < m->nthreads ? &m->threads[i].pub : NULL;
}

/* What thread i's current state waits on. */
void sched_model_thread_wait(const struct sched_model *m, size_t i, uint8_t *wait, int64_t *object,
			     int64_t *holder, bool *signalling)
{
	const struct mthread *t = i < m->nthreads ? &m->threads[i] : NULL;

	*wait = t ? t->wait : WAIT_NONE;
	*signalling = t && t->signalling;
	*object = t ? t->object : -1;
	*holder = t ? t->holder : -1;
}

/* The index of the latest entry of tid. */
long sched_model_find(const struct sched_model *m, int32_t tid)
{
	long i = tidmap_find(&m->map, tid);

	return i >= 0 ? i : -ENOENT;
}

/* The time of the last event followed. */
uint64_t sched_model_last_ts(const struct sched_model *m)
{
	return m->last_ts;
}

/* What the model has counted. */
const struct sched_counts *sched_model_counts(const struct sched_model *m)
{
	return &m->counts;
}

/* The wait tracker the model keeps. */
const struct waits *sched_model_waits(const struct sched_model *m)
{
	return m->waits;
}

/* Bytes of memory the model holds. */
size_t sched_model_memory(const struct sched_model *m)
{
	return sizeof(*m) + m->cap * sizeof(*m->threads) + m->map.nslot * (sizeof(*m->map.tid) + sizeof(*m->map.idx)) +
	       m->ncpus * sizeof(*m->cpus) + waits_memory(m->waits);
}
