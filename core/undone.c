/* Undone work (see undone.h): idle CPUs beside runnable threads, from the
 * scheduling model's callbacks and the threads' affinity events. */
#include "undone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"

/* A thread as the analysis follows it (indexed like the model's). */
struct uthread {
	bool runnable;           /* TL_RUNNABLE */
	bool listed;             /* in the runnable list (runnable, run queue known) */
	bool known;              /* its affinity is known */
	int32_t rq;              /* the run queue it waits on (or last ran on), -1 unknown */
	size_t pos;              /* its place in the runnable list */
	uint64_t noted_gen;      /* noted in every CPU on at generation on_gen ... */
	int32_t noted_rq;        /* ... waiting on this run queue */
	struct undone_mask mask;
};

/* A CPU: idle or not, in a stretch or not, and its stretch being built. */
struct ucpu {
	bool idle;
	bool on;                 /* idle while a thread waits on another CPU */
	bool open;               /* a stretch is being built */
	uint64_t on_since;
	uint64_t span_from;      /* the stretch's span being judged began here ... */
	uint64_t span_idle;      /* ... when its idle time was this (undone.h: UNDONE_SPAN_NS) */
	uint64_t acct_since;     /* time accounted by reason up to here */
	uint64_t why_ns[3];      /* the stretch's idle time by enum undone_why */
	size_t nwait;            /* listed threads waiting on this CPU's run queue */
	size_t unknown_here;     /* ... of them with an unknown mask */
	size_t more_here;        /* ... with a known mask that allows CPUs from 128 on */
	size_t allowed;          /* (CPUs 0-127) listed threads elsewhere whose mask has it */
	unsigned idle_pos;       /* its place in the idle list */
	struct undone_stretch cur;
	size_t *idx;             /* its kept stretches (indexes), in time order */
	size_t nidx, idx_cap;
	size_t nforgot;          /* ... and those forgotten (undone_forget_before) */
	uint64_t kept_ns;
};

struct undone {
	unsigned ncpus;
	const struct sched_model *m;  /* the model whose indexes the threads use */
	uint64_t last_ts;
	struct uthread *threads;
	size_t nthreads, threads_cap;
	size_t *runq;                 /* the listed threads */
	size_t nrunq, runq_cap;
	size_t nrunq_idle;            /* ... of them on an idle CPU's run queue (being woken there) */
	unsigned non;                 /* CPUs on */
	size_t unknown, more;         /* listed threads of unknown masks, of masks with CPUs 128+ */
	unsigned *idle;               /* the idle CPUs (only they can be on) */
	unsigned nidle;
	bool dirty;                   /* a change of dirty_ts waits for update */
	uint64_t dirty_ts;
	uint64_t acct_ts;             /* the last instant account() walked */
	bool touched;                 /* ... that changed an idle CPU's own count */
	size_t nrunq_seen;            /* nrunq at the last update */
	uint64_t on_gen;              /* counts the times a CPU turned on */
	struct ucpu *cpus;
	struct undone_stretch *stretches;
	size_t nstretches, stretches_cap;
};

/* Whether mask allows cpu: 1 yes, 0 no, -1 unknown (a CPU from 128 on). */
static int mask_allows(const struct undone_mask *mask, unsigned cpu)
{
	if (cpu < 128)
		return (mask->bits[cpu / 64] >> (cpu % 64)) & 1;
	return mask->more ? -1 : 0;
}

/* The mask an EVENT_AFFINITY carries. */
struct undone_mask undone_event_mask(const struct event *ev)
{
	struct undone_mask m = { { (uint64_t)ev->arg, (uint64_t)ev->arg2 }, ev->op == EVENT_AFFINITY_MORE };

	return m;
}

/* Writes the mask as a CPU list. */
void undone_mask_text(const struct undone_mask *mask, char *buf, size_t len)
{
	size_t used = 0;
	unsigned c = 0;

	if (!len)
		return;
	buf[0] = '\0';
	while (c < 128) {
		unsigned end;

		if (!mask_allows(mask, c)) {
			c++;
			continue;
		}
		for (end = c; end + 1 < 128 && mask_allows(mask, end + 1) == 1; end++)
			;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, end > c ? "%s%u-%u" : "%s%u",
						 used ? "," : "", c, end);
		c = end + 1;
	}
	if (mask->more && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s128+", used ? "," : "");
	if (!used)
		snprintf(buf, len, "none");
}

/* Grows the threads to hold model index idx (the new ones not runnable,
 * on no known run queue). Returns 0 or -ENOMEM. */
static __attribute__((noinline)) int threads_grow(struct undone *u, size_t idx)
{
	if (VEC_RESERVE(u->threads, u->threads_cap, idx + 1))
		return -ENOMEM;
	memset(u->threads + u->nthreads, 0, (idx + 1 - u->nthreads) * sizeof(*u->threads));
	for (; u->nthreads <= idx; u->nthreads++)
		u->threads[u->nthreads].rq = -1;
	return 0;
}

/* The thread of model index idx, grown into when new; NULL on -ENOMEM
 * (the growth apart, so that this inlines into the per-event callbacks). */
static inline struct uthread *thread_get(struct undone *u, size_t idx)
{
	if (idx >= u->nthreads && threads_grow(u, idx))
		return NULL;
	return &u->threads[idx];
}

/* Adds thread idx to the stretch CPU c is building. */
static void note(struct undone *u, unsigned c, size_t idx)
{
	struct undone_stretch *s = &u->cpus[c].cur;
	const struct sched_thread *mt = sched_model_thread(u->m, idx);
	const struct uthread *t = &u->threads[idx];
	int32_t tid = mt ? mt->tid : 0;
	unsigned k;
	int allowed;

	for (k = 0; k < s->ntids && s->tid[k] != tid; k++)
		;
	if (k == s->ntids) {
		if (s->ntids < UNDONE_TIDS)
			s->tid[s->ntids++] = tid;
		else
			s->more_tids = true;
	}
	if (t->rq < 64)
		s->waited_on |= 1ull << t->rq;
	else
		s->waited_high = true;
	allowed = t->known ? mask_allows(&t->mask, c) : -1;
	if (allowed == 0) {
		s->mask.bits[0] |= t->mask.bits[0];
		s->mask.bits[1] |= t->mask.bits[1];
		s->mask.more |= t->mask.more;
	}
}

/* Sets a stretch's reason: the one of most of its idle time (why_ns). */
static void set_why(struct undone_stretch *s, const uint64_t why_ns[3])
{
	s->why = UNDONE_WHY_UNKNOWN;
	if (why_ns[UNDONE_WHY_NOT_AFFINITY] > why_ns[s->why])
		s->why = UNDONE_WHY_NOT_AFFINITY;
	if (why_ns[UNDONE_WHY_AFFINITY] > why_ns[s->why])
		s->why = UNDONE_WHY_AFFINITY;
	if (s->why != UNDONE_WHY_AFFINITY)
		memset(&s->mask, 0, sizeof(s->mask));
}

/* Ends the stretch CPU c was building; keeps it when long enough. */
static int close_stretch(struct undone *u, unsigned c)
{
	struct ucpu *cp = &u->cpus[c];
	struct undone_stretch *s = &cp->cur;

	cp->open = false;
	if (s->idle_ns < UNDONE_MIN_NS)
		return 0;
	set_why(s, cp->why_ns);
	if (VEC_RESERVE(u->stretches, u->stretches_cap, u->nstretches + 1) ||
	    VEC_RESERVE(cp->idx, cp->idx_cap, cp->nidx + 1))
		return -ENOMEM;
	cp->idx[cp->nidx++] = u->nstretches;
	u->stretches[u->nstretches++] = *s;
	cp->kept_ns += s->idle_ns;
	return 0;
}

/* Why CPU c is idle beside waiting threads now: some waiting elsewhere has
 * a mask not known for c, or one that allows c, or all exclude it. */
static enum undone_why why_now(const struct undone *u, unsigned c)
{
	const struct ucpu *cp = &u->cpus[c];

	if (u->unknown > cp->unknown_here || (c >= 128 && u->more > cp->more_here))
		return UNDONE_WHY_UNKNOWN;
	return c < 128 && cp->allowed ? UNDONE_WHY_NOT_AFFINITY : UNDONE_WHY_AFFINITY;
}

/* Adds the idle time of the CPUs in stretches up to ts to the reason
 * their waiting threads give now: before anything changes at ts. */
static void account(struct undone *u, uint64_t ts)
{
	unsigned i;

	if (!u->non || ts == u->acct_ts)
		return; /* nothing on, or this instant done */
	u->acct_ts = ts;
	for (i = 0; i < u->nidle; i++) {
		struct ucpu *cp = &u->cpus[u->idle[i]];

		if (!cp->on || ts <= cp->acct_since)
			continue;
		cp->why_ns[why_now(u, u->idle[i])] += ts - cp->acct_since;
		cp->acct_since = ts;
	}
}

/* Counts listed thread t (delta 1) or stops counting it (-1): as of
 * unknown mask, or in the CPUs (0-127, not its own) its mask allows; the
 * walk is over the mask's bits, never over every CPU. */
static void count_masks(struct undone *u, const struct uthread *t, int delta)
{
	unsigned w;

	if (!t->known) {
		u->unknown += (size_t)delta;
		u->cpus[t->rq].unknown_here += (size_t)delta;
		return;
	}
	if (t->mask.more) {
		u->more += (size_t)delta;
		u->cpus[t->rq].more_here += (size_t)delta;
	}
	for (w = 0; w < 2; w++) {
		uint64_t bits = t->mask.bits[w];

		while (bits) {
			unsigned c = 64 * w + (unsigned)__builtin_ctzll(bits);

			bits &= bits - 1;
			if (c < u->ncpus && (int32_t)c != t->rq)
				u->cpus[c].allowed += (size_t)delta;
		}
	}
}

/* Whether CPU cp's stretch (its CPU off) ends at ts however near its last
 * instant: its span, UNDONE_SPAN_NS old or more by then, held less than
 * UNDONE_MIN_NS of idle time. */
static bool span_thin(const struct ucpu *cp, uint64_t ts)
{
	return ts - cp->span_from >= UNDONE_SPAN_NS && cp->cur.idle_ns - cp->span_idle < UNDONE_MIN_NS;
}

/* CPU c becomes idle beside waiting threads at ts (or stops being). */
static int turn(struct undone *u, unsigned c, bool on, uint64_t ts)
{
	struct ucpu *cp = &u->cpus[c];
	size_t i;
	int r = 0;

	if (!on) {
		account(u, ts);
		cp->on = false;
		u->non--;
		cp->cur.idle_ns += ts - cp->on_since;
		cp->cur.to = ts;
		return 0;
	}
	cp->on = true;
	u->non++;
	if (cp->open && (ts - cp->cur.to >= UNDONE_MERGE_NS || span_thin(cp, ts))) {
		r = close_stretch(u, c);
	} else if (cp->open && ts - cp->span_from >= UNDONE_SPAN_NS) {
		cp->span_from = ts; /* it held its minimum: the next span begins */
		cp->span_idle = cp->cur.idle_ns;
	}
	if (!cp->open) {
		memset(&cp->cur, 0, sizeof(cp->cur));
		cp->cur.cpu = c;
		cp->cur.from = cp->span_from = ts;
		cp->span_idle = 0;
		memset(cp->why_ns, 0, sizeof(cp->why_ns));
		cp->open = true;
	}
	cp->on_since = cp->acct_since = ts;
	u->on_gen++;
	for (i = 0; i < u->nrunq; i++)
		if (!u->cpus[u->threads[u->runq[i]].rq].idle) /* (c is idle: not its own) */
			note(u, c, u->runq[i]);
	return r;
}

/* Brings the idle CPUs' on/off up to date at ts, once the changes an
 * event makes are all in (so that a thread preempted for another, runnable
 * and running at the same instant, turns no CPU on). */
static int update(struct undone *u, uint64_t ts)
{
	unsigned i;
	int r = 0;

	u->dirty = false;
	if (!u->touched && u->nrunq == u->nrunq_seen)
		return 0; /* no idle CPU's answer can have changed */
	u->touched = false;
	u->nrunq_seen = u->nrunq;
	for (i = 0; i < u->nidle && !r; i++) {
		const struct ucpu *cp = &u->cpus[u->idle[i]];
		bool want = u->nrunq > u->nrunq_idle; /* (those on idle CPUs, this one's too, are being woken) */

		if (want != cp->on)
			r = turn(u, u->idle[i], want, ts);
	}
	return r;
}

/* Moves to the time of a change, *ts (never before the last one), once
 * the changes of the instant before are applied (update): the changes of
 * one instant are applied together. Then accounts the CPUs on up to it.
 * Returns 0 or -ENOMEM. */
static inline int advance(struct undone *u, uint64_t *ts)
{
	int r = 0;

	if (*ts < u->last_ts)
		*ts = u->last_ts;
	u->last_ts = *ts;
	if (u->dirty && *ts > u->dirty_ts)
		r = update(u, u->dirty_ts);
	if (u->non && *ts != u->acct_ts) /* (account's own first test, kept out of a call) */
		account(u, *ts);
	return r;
}

/* Says a change waits for update, at ts. */
static void set_dirty(struct undone *u, uint64_t ts)
{
	u->dirty = true;
	u->dirty_ts = ts;
}

/* The time of a callback, never before the last one. */
static uint64_t clamp(struct undone *u, uint64_t ts)
{
	if (ts < u->last_ts)
		return u->last_ts;
	u->last_ts = ts;
	return ts;
}

/* Notes thread idx, waiting on a busy CPU's queue, into every CPU on (none
 * is its own), and remembers at which turn-on generation and queue. */
static void note_on_cpus(struct undone *u, size_t idx)
{
	struct uthread *t = &u->threads[idx];

	for (unsigned k = 0; k < u->nidle; k++)
		if (u->cpus[u->idle[k]].on)
			note(u, u->idle[k], idx);
	t->noted_gen = u->on_gen;
	t->noted_rq = t->rq;
}

/* CPU q, whose run queue holds threads, has just turned busy (or idle):
 * they wait behind what it runs now, their masks count for the reasons,
 * and they are noted into every CPU on (or, q idle, they are being woken
 * there: their masks no longer count). */
static void queue_turned(struct undone *u, unsigned q, bool busy)
{
	for (size_t i = 0; i < u->nrunq; i++) {
		struct uthread *t = &u->threads[u->runq[i]];

		if (t->rq != (int32_t)q)
			continue;
		count_masks(u, t, busy ? 1 : -1);
		if (busy && u->non)
			note_on_cpus(u, u->runq[i]);
	}
}

/* Sets thread idx runnable (or not) on run queue rq at ts. */
static int set_thread(struct undone *u, size_t idx, bool runnable, int32_t rq, uint64_t ts)
{
	struct uthread *t = thread_get(u, idx);
	int r;

	if (!t)
		return -ENOMEM;
	if (rq >= (int32_t)u->ncpus)
		rq = -1;
	if ((r = advance(u, &ts)))
		return r;
	if (t->listed) {
		if (!u->cpus[t->rq].idle)
			count_masks(u, t, -1);
		u->touched |= u->cpus[t->rq].idle;
		u->nrunq_idle -= u->cpus[t->rq].idle;
		u->cpus[t->rq].nwait--;
		u->runq[t->pos] = u->runq[--u->nrunq];
		u->threads[u->runq[t->pos]].pos = t->pos;
		t->listed = false;
	}
	t->runnable = runnable;
	t->rq = rq;
	if (runnable && rq >= 0) {
		if (VEC_RESERVE(u->runq, u->runq_cap, u->nrunq + 1))
			return -ENOMEM;
		t->pos = u->nrunq;
		u->runq[u->nrunq++] = idx;
		t->listed = true;
		u->touched |= u->cpus[rq].idle;
		u->nrunq_idle += u->cpus[rq].idle;
		u->cpus[rq].nwait++;
		if (!u->cpus[rq].idle)
			count_masks(u, t, 1);
	}
	if (t->listed && u->non && !u->cpus[rq].idle && (t->noted_gen != u->on_gen || t->noted_rq != rq))
		note_on_cpus(u, idx); /* once until another CPU turns on */
	set_dirty(u, ts);
	return 0;
}

/* A thread's state changed (see undone.h). */
int undone_on_state(struct undone *u, const struct sched_change *c)
{
	struct uthread *t = thread_get(u, c->thread);
	int32_t rq;

	if (!t)
		return -ENOMEM;
	rq = t->rq;
	if (c->state == TL_RUNNING)
		rq = c->cpu;
	else if (c->state == TL_RUNNABLE && c->cause == SCHED_BY_PREEMPT)
		rq = c->prev_cpu;
	else if (c->state == TL_RUNNABLE && (c->cause == SCHED_BY_WAKEUP || c->cause == SCHED_BY_WAKEUP_NEW))
		rq = -1; /* the wakeup that follows says where */
	return set_thread(u, c->thread, c->state == TL_RUNNABLE, rq, c->ts);
}

/* A CPU's occupant changed. */
int undone_on_cpu(struct undone *u, const struct sched_cpu_change *c)
{
	struct ucpu *cp;
	uint64_t ts;
	int r;

	if (c->cpu >= u->ncpus)
		return 0;
	ts = c->ts;
	if ((r = advance(u, &ts)))
		return r;
	cp = &u->cpus[c->cpu];
	if (cp->idle == (c->kind == TL_CPU_IDLE))
		return 0;
	cp->idle = !cp->idle;
	u->touched = true;
	if (cp->idle) {
		u->nrunq_idle += cp->nwait;
		cp->idle_pos = u->nidle;
		u->idle[u->nidle++] = c->cpu;
		if (cp->nwait) /* its waiting threads are being woken there now */
			queue_turned(u, c->cpu, false);
	} else {
		u->nrunq_idle -= cp->nwait;
		if (cp->on && (r = turn(u, c->cpu, false, ts)))
			return r;
		u->idle[cp->idle_pos] = u->idle[--u->nidle];
		u->cpus[u->idle[cp->idle_pos]].idle_pos = cp->idle_pos;
		if (cp->nwait) /* its waiting threads now wait behind what it runs */
			queue_turned(u, c->cpu, true);
	}
	set_dirty(u, ts);
	return 0;
}

/* A thread was put on run queue w->cpu. */
int undone_on_wakeup(struct undone *u, const struct sched_wakeup *w)
{
	struct uthread *t = thread_get(u, w->thread);

	if (!t)
		return -ENOMEM;
	return set_thread(u, w->thread, t->runnable, w->cpu, w->ts);
}

/* Finds the entry of tid (the model's latest): 1 and *t, *idx set; 0 when
 * the model does not know tid; -ENOMEM. */
static int thread_of(struct undone *u, int32_t tid, struct uthread **t, size_t *idx)
{
	long i = tid > 0 ? sched_model_find(u->m, tid) : -ENOENT;

	if (i < 0)
		return 0;
	*idx = (size_t)i;
	*t = thread_get(u, (size_t)i);
	return *t ? 1 : -ENOMEM;
}

/* Follows an event the callbacks do not tell: affinity, fork, migration. */
int undone_on_event(struct undone *u, const struct event *ev)
{
	struct uthread *t, *parent;
	size_t idx, pidx;
	int r = 0;

	uint64_t ts = ev->ts;

	if (ev->type == EVENT_AFFINITY && (r = thread_of(u, ev->tid, &t, &idx)) > 0 && (r = advance(u, &ts)) == 0) {
		if (t->listed && !u->cpus[t->rq].idle)
			count_masks(u, t, -1);
		t->mask = undone_event_mask(ev);
		t->known = true;
		t->noted_gen = 0;
		if (t->listed && !u->cpus[t->rq].idle)
			count_masks(u, t, 1);
		if (u->non && t->listed && !u->cpus[t->rq].idle)
			note_on_cpus(u, idx);
	} else if (ev->type == EVENT_FORK && (r = thread_of(u, ev->tid, &parent, &pidx)) > 0 && parent->known) {
		struct undone_mask mask = parent->mask;

		r = thread_of(u, ev->tid2, &t, &idx); /* may move the array */
		if (r > 0) {
			t->mask = mask;
			t->known = true;
		}
	} else if (ev->type == EVENT_MIGRATE && ev->arg2 >= 0 && ev->arg2 < u->ncpus &&
		   (r = thread_of(u, ev->tid, &t, &idx)) > 0 && t->runnable) {
		r = set_thread(u, idx, true, (int32_t)ev->arg2, ev->ts);
	}
	if (r >= 0 && u->dirty) /* the event's changes are all in */
		r = update(u, u->dirty_ts);
	return r < 0 ? r : 0;
}

/* Creates the analysis fed by m (see undone.h). */
int undone_new(struct undone **out, unsigned ncpus, const struct sched_model *m)
{
	struct undone *u = calloc(1, sizeof(*u));

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->ncpus = ncpus;
	u->m = m;
	u->on_gen = 1; /* a thread's noted_gen 0 is never current */
	u->cpus = calloc(ncpus ? ncpus : 1, sizeof(*u->cpus));
	u->idle = calloc(ncpus ? ncpus : 1, sizeof(*u->idle));
	if (!u->cpus || !u->idle) {
		free(u->cpus);
		free(u->idle);
		free(u);
		return -ENOMEM;
	}
	*out = u;
	return 0;
}

/* Frees it: each CPU's stretch index, then its arrays. */
void undone_free(struct undone *u)
{
	void *parts[6];
	size_t i;

	if (!u)
		return;
	while (u->ncpus)
		free(u->cpus[--u->ncpus].idx);
	parts[0] = u->cpus, parts[1] = u->threads, parts[2] = u->runq;
	parts[3] = u->stretches, parts[4] = u->idle, parts[5] = u;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		free(parts[i]);
}

/* A copy of it (see undone.h). */
int undone_clone(const struct undone *u, const struct sched_model *m, struct undone **out)
{
	struct undone *c = malloc(sizeof(*c));
	unsigned i;
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	*c = *u;
	c->m = m;
	c->threads_cap = u->nthreads;
	c->runq_cap = u->nrunq;
	c->stretches_cap = u->nstretches;
	c->threads = NULL, c->runq = NULL, c->idle = NULL, c->stretches = NULL;
	if (VEC_DUP(c->cpus, u->cpus, u->ncpus)) {
		c->ncpus = 0; /* (undone_free walks the CPUs) */
		undone_free(c);
		return -ENOMEM;
	}
	for (i = 0; i < u->ncpus; i++)
		c->cpus[i].idx = NULL;
	r = VEC_DUP(c->threads, u->threads, u->nthreads) || VEC_DUP(c->runq, u->runq, u->nrunq) ||
	    VEC_DUP(c->idle, u->idle, u->ncpus) || VEC_DUP(c->stretches, u->stretches, u->nstretches);
	for (i = 0; i < u->ncpus && !r; i++) {
		c->cpus[i].idx_cap = u->cpus[i].nidx;
		r = VEC_DUP(c->cpus[i].idx, u->cpus[i].idx, u->cpus[i].nidx);
	}
	if (r) {
		undone_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* Closes every open stretch at end_ns. */
int undone_finish(struct undone *u, uint64_t end_ns)
{
	unsigned c;
	int r = 0;

	if (u->dirty)
		r = update(u, u->dirty_ts);
	end_ns = clamp(u, end_ns);
	for (c = 0; c < u->ncpus && !r; c++) {
		if (u->cpus[c].on)
			r = turn(u, c, false, end_ns);
		if (!r && u->cpus[c].open)
			r = close_stretch(u, c);
	}
	return r;
}

/* The stretches. */
size_t undone_count(const struct undone *u)
{
	return u->nstretches;
}

/* The i-th stretch, or NULL. */
const struct undone_stretch *undone_at(const struct undone *u, size_t i)
{
	return i < u->nstretches ? &u->stretches[i] : NULL;
}

/* CPU cpu's idle time in stretches. */
uint64_t undone_cpu_ns(const struct undone *u, unsigned cpu)
{
	return cpu < u->ncpus ? u->cpus[cpu].kept_ns : 0;
}

/* CPU cpu's number of stretches. */
size_t undone_cpu_count(const struct undone *u, unsigned cpu)
{
	return cpu < u->ncpus ? u->cpus[cpu].nidx + u->cpus[cpu].nforgot : 0;
}

/* Forgets the kept stretches that ended by t (see undone.h). */
int undone_forget_before(struct undone *u, uint64_t t)
{
	size_t i, n = 0, *to;
	unsigned c;

	for (i = 0; i < u->nstretches; i++)
		n += u->stretches[i].to <= t;
	if (!n)
		return 0;
	to = malloc(u->nstretches * sizeof(*to)); /* old index -> new, SIZE_MAX: forgotten */
	if (!to)
		return -ENOMEM;
	for (i = 0, n = 0; i < u->nstretches; i++) {
		to[i] = u->stretches[i].to <= t ? SIZE_MAX : n;
		if (to[i] != SIZE_MAX)
			u->stretches[n++] = u->stretches[i];
	}
	for (c = 0; c < u->ncpus; c++) {
		struct ucpu *cp = &u->cpus[c];
		size_t k = 0;

		for (i = 0; i < cp->nidx; i++)
			if (to[cp->idx[i]] != SIZE_MAX)
				cp->idx[k++] = to[cp->idx[i]];
		cp->nforgot += cp->nidx - k;
		cp->nidx = k;
		VEC_SHRINK(cp->idx, cp->idx_cap, k, 4);
	}
	free(to);
	u->nstretches = n;
	VEC_SHRINK(u->stretches, u->stretches_cap, n, 4);
	return 0;
}

/* The stretch still open on cpu as it stands at end (see undone.h). */
bool undone_open_at(const struct undone *u, unsigned cpu, uint64_t end, struct undone_stretch *out)
{
	const struct ucpu *cp = cpu < u->ncpus ? &u->cpus[cpu] : NULL;
	uint64_t why_ns[3];

	if (!cp || !cp->open)
		return false;
	*out = cp->cur;
	memcpy(why_ns, cp->why_ns, sizeof(why_ns));
	if (cp->on && end > cp->on_since) {
		out->idle_ns += end - cp->on_since;
		out->to = end;
		if (end > cp->acct_since)
			why_ns[why_now(u, cpu)] += end - cp->acct_since;
	} else if (cp->on) {
		out->to = cp->on_since;
	}
	set_why(out, why_ns);
	return out->idle_ns >= UNDONE_MIN_NS;
}

/* Whether the stretches begun before t are final (see undone.h). */
bool undone_final_before(const struct undone *u, uint64_t at, uint64_t t, bool whole)
{
	struct undone_stretch s;
	unsigned c;

	for (c = 0; c < u->ncpus; c++) {
		const struct ucpu *cp = &u->cpus[c];

		if (!cp->open || cp->cur.from >= t ||
		    (!cp->on && (at - cp->cur.to >= UNDONE_MERGE_NS || span_thin(cp, at))))
			continue; /* none, after t, or complete */
		if (whole || !undone_open_at(u, c, at, &s))
			return false; /* growing; or may yet count, or not */
		if (!cp->on && cp->cur.to < t)
			return false; /* its gap before t is in it if it merges with a later stretch */
	}
	return true;
}

/* Whether cpu was in a stretch during [a, b) (see undone.h). */
bool undone_cpu_marked(const struct undone *u, unsigned cpu, uint64_t a, uint64_t b, uint64_t end)
{
	const struct ucpu *cp;
	size_t lo = 0, hi;

	if (cpu >= u->ncpus || a >= b)
		return false;
	cp = &u->cpus[cpu];
	hi = cp->nidx;
	while (lo < hi) { /* the first kept stretch ending after a */
		size_t mid = lo + (hi - lo) / 2;

		if (u->stretches[cp->idx[mid]].to <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cp->nidx && u->stretches[cp->idx[lo]].from < b)
		return true;
	if (cp->open) {
		struct undone_stretch s;

		return undone_open_at(u, cpu, end, &s) && s.from < b && s.to > a;
	}
	return false;
}

/* The part that follows the threads and CPUs (see undone.h). */
size_t undone_memory_fixed(const struct undone *u)
{
	return sizeof(*u) + u->ncpus * (sizeof(*u->cpus) + sizeof(*u->idle)) + u->threads_cap * sizeof(*u->threads) +
	       u->runq_cap * sizeof(*u->runq);
}

/* Bytes of memory it holds (see undone.h): the fixed part, and the
 * stretches with each CPU's index of them. */
size_t undone_memory(const struct undone *u)
{
	size_t n = undone_memory_fixed(u) + u->stretches_cap * sizeof(*u->stretches);
	unsigned c;

	for (c = 0; c < u->ncpus; c++)
		n += u->cpus[c].idx_cap * sizeof(size_t);
	return n;
}
