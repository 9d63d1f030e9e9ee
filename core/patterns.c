/* Pattern detection from the attribution calls (see patterns.h).
 *
 * It follows condition variables and barriers (who waits on each, who
 * signalled it last, a broadcast's woken threads) and the blocks on each
 * mutex within a window, and notes:
 *   - a thundering herd: a broadcast woke two or more waiters and some went
 *     back to waiting before the next signal;
 *   - a lost wakeup: a timed cond wait timed out, and the only signal on
 *     that cond came before anyone waited;
 *   - a straggler: the first thread to leave a barrier arrived after all
 *     the others, who waited for it;
 *   - a lock convoy: within 50 ms, three threads each blocked three times
 *     or more on one mutex (once per mutex). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "patterns.h"

#define HERD_MAX 32
#define CONVOY_THREADS 8
#define CONVOY_WINDOW_NS (50ull * 1000 * 1000)
#define ETIMEDOUT_LINUX 110

/* A condition variable or barrier followed. */
struct pobj {
	int32_t tgid;
	uint64_t addr;
	unsigned waiting;          /* threads inside a wait on it now */
	size_t *waiters;           /* the threads whose wait on it is active */
	size_t nwaiters, capwaiters;
	bool unheard;              /* its last signal found nobody waiting */
	uint64_t unheard_ts, last_signal_ts;
	int64_t unheard_by;
	unsigned herd_n, herd_back; /* a broadcast's woken threads; those that waited again */
	size_t herd[HERD_MAX];
	bool herd_again[HERD_MAX];
	uint64_t herd_ts;
	int64_t herd_by;
	bool gen_noted;            /* barrier: this round's straggler was noted */
};

/* A thread's cond or barrier wait (by thread index). */
struct pwait {
	size_t obj;                /* index into objs */
	size_t slot;               /* its place in the object's waiters */
	uint64_t since;
	bool active;
};

/* Blocks on one mutex within a window: for the lock convoy. */
struct convoy {
	uint64_t since;            /* the window's start */
	size_t thread[CONVOY_THREADS];
	unsigned count[CONVOY_THREADS], nthreads, blocks;
	bool noted;
};

struct patterns {
	struct pobj *objs;
	size_t nobjs, capobjs;
	struct pwait *waits;       /* by thread index */
	size_t nwaits, capwaits;
	struct convoy *convoys;    /* by object index */
	size_t nconvoys, capconvoys;
};

/* Creates an empty detector. */
int patterns_new(struct patterns **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* Frees it. */
void patterns_free(struct patterns *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nobjs; i++)
		free(p->objs[i].waiters);
	free(p->objs);
	free(p->waits);
	free(p->convoys);
	free(p);
}

/* A copy of it (see patterns.h). */
int patterns_clone(const struct patterns *p, struct patterns **out)
{
	struct patterns *c = calloc(1, sizeof(*c));
	size_t i;
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (VEC_DUP(c->objs, p->objs, p->nobjs)) {
		free(c);
		return -ENOMEM;
	}
	c->nobjs = c->capobjs = p->nobjs;
	for (i = 0; i < p->nobjs; i++)
		c->objs[i].waiters = NULL;
	c->nwaits = c->capwaits = p->nwaits;
	c->nconvoys = c->capconvoys = p->nconvoys;
	r = VEC_DUP(c->waits, p->waits, p->nwaits) || VEC_DUP(c->convoys, p->convoys, p->nconvoys);
	for (i = 0; i < p->nobjs && !r; i++) {
		c->objs[i].capwaiters = p->objs[i].nwaiters;
		r = VEC_DUP(c->objs[i].waiters, p->objs[i].waiters, p->objs[i].nwaiters);
	}
	if (r) {
		patterns_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* Bytes it holds. */
size_t patterns_memory(const struct patterns *p)
{
	size_t n = sizeof(*p) + p->capobjs * sizeof(*p->objs) + p->capwaits * sizeof(*p->waits) +
		   p->capconvoys * sizeof(*p->convoys);
	size_t i;

	for (i = 0; i < p->nobjs; i++)
		n += p->objs[i].capwaiters * sizeof(size_t);
	return n;
}

/* Grows a zero-filled array of n items of size bytes to hold index i. */
static int reserve_zeroed(void *itemsp, size_t *n, size_t *cap, size_t i, size_t size)
{
	char *items;

	if (i < *n)
		return 0;
	if (vec_reserve(itemsp, cap, i + 1, size))
		return -ENOMEM;
	memcpy(&items, itemsp, sizeof(items));
	memset(items + *n * size, 0, (i + 1 - *n) * size);
	*n = i + 1;
	return 0;
}

/* The followed object at addr of tgid, added on first use (NULL: ENOMEM). */
static struct pobj *obj_get(struct patterns *p, int32_t tgid, uint64_t addr)
{
	size_t i;

	for (i = 0; i < p->nobjs; i++)
		if (p->objs[i].tgid == tgid && p->objs[i].addr == addr)
			return &p->objs[i];
	if (reserve_zeroed(&p->objs, &p->nobjs, &p->capobjs, p->nobjs, sizeof(*p->objs)))
		return NULL;
	p->objs[i].tgid = tgid;
	p->objs[i].addr = addr;
	return &p->objs[i];
}

/* Ends thread's active wait: it leaves its object's waiters. */
static void wait_leave(struct patterns *p, size_t thread)
{
	struct pwait *pw = &p->waits[thread];
	struct pobj *o = &p->objs[pw->obj];
	size_t last = o->waiters[--o->nwaiters];

	o->waiters[pw->slot] = last; /* the last waiter takes its place */
	p->waits[last].slot = pw->slot;
	pw->active = false;
}

/* A note about object o (its label's index in w). */
static void note_on(struct tl_note *note, unsigned kind, const struct waits *w, const struct pobj *o, int64_t thread)
{
	memset(note, 0, sizeof(*note));
	note->kind = (uint8_t)kind;
	note->thread = thread;
	note->other = -1;
	note->object = waits_find(w, o->tgid, o->addr);
}

/* Ends a broadcast's herd on o: a note when it woke two or more and some
 * went back to waiting. */
static int herd_end(const struct waits *w, struct pobj *o, struct tl_note *note)
{
	unsigned n = o->herd_n, back = o->herd_back;

	o->herd_n = 0;
	if (n < 2 || back == 0)
		return 0;
	note_on(note, TL_NOTE_HERD, w, o, o->herd_by);
	note->t0 = o->herd_ts;
	note->count = n;
	note->count2 = back;
	return 1;
}

/* thread begins a cond or barrier wait on ev->arg. */
static int wait_begins(struct patterns *p, const struct event *ev, size_t thread, uint64_t ts)
{
	struct pobj *o = obj_get(p, ev->tgid, (uint64_t)ev->arg);
	struct pwait *pw;
	unsigned i;

	if (!o || reserve_zeroed(&p->waits, &p->nwaits, &p->capwaits, thread, sizeof(*p->waits)) ||
	    VEC_RESERVE(o->waiters, o->capwaiters, o->nwaiters + 1))
		return -ENOMEM;
	pw = &p->waits[thread];
	if (pw->active) /* its return was never seen */
		wait_leave(p, thread);
	if (ev->op == OP_BARRIER_WAIT && o->waiting == 0)
		o->gen_noted = false;
	o->waiting++;
	*pw = (struct pwait){ (size_t)(o - p->objs), o->nwaiters, ts, true };
	o->waiters[o->nwaiters++] = thread;
	for (i = 0; i < o->herd_n; i++) {
		if (o->herd[i] == thread && !o->herd_again[i]) {
			o->herd_again[i] = true;
			o->herd_back++;
		}
	}
	return 0;
}

/* thread signals or broadcasts on ev->arg: a herd in progress ends; a
 * broadcast to two or more waiters starts one. */
static int signalled(struct patterns *p, const struct waits *w, const struct event *ev, size_t thread, uint64_t ts,
		     struct tl_note *note)
{
	struct pobj *o = obj_get(p, ev->tgid, (uint64_t)ev->arg);
	int r = 0;
	size_t i;

	if (!o)
		return -ENOMEM;
	if (o->herd_n)
		r = herd_end(w, o, note);
	o->unheard = o->waiting == 0;
	o->unheard_ts = ts;
	o->unheard_by = (int64_t)thread;
	o->last_signal_ts = ts;
	if (ev->op == OP_COND_BROADCAST && o->waiting >= 2) {
		o->herd_n = o->herd_back = 0;
		o->herd_ts = ts;
		o->herd_by = (int64_t)thread;
		for (i = 0; i < o->nwaiters && o->herd_n < HERD_MAX; i++) {
			o->herd_again[o->herd_n] = false;
			o->herd[o->herd_n++] = o->waiters[i];
		}
	}
	return r;
}

/* thread returns from its cond or barrier wait: a timed wait that timed out
 * after a signal nobody heard is a lost wakeup; the first to leave a
 * barrier, when it arrived last, is the straggler. */
static int wait_ends(struct patterns *p, const struct waits *w, const struct event *ev, size_t thread, uint64_t ts,
		     struct tl_note *note)
{
	struct pwait *pw;
	struct pobj *o;
	uint64_t sum = 0, since;
	unsigned others = 0;
	bool last = true;
	size_t i;

	(void)ts;
	if (thread >= p->nwaits || !p->waits[thread].active)
		return 0;
	pw = &p->waits[thread];
	o = &p->objs[pw->obj];
	since = pw->since;
	wait_leave(p, thread);
	if (o->waiting)
		o->waiting--;
	if (ev->op == OP_COND_TIMEDWAIT && ev->arg == ETIMEDOUT_LINUX && o->unheard && o->unheard_ts <= since &&
	    o->last_signal_ts <= since) {
		note_on(note, TL_NOTE_LOST_WAKEUP, w, o, (int64_t)thread);
		note->other = o->unheard_by;
		note->t0 = o->unheard_ts;
		note->t1 = since;
		o->unheard = false;
		return 1;
	}
	if (ev->op != OP_BARRIER_WAIT || o->gen_noted)
		return 0;
	o->gen_noted = true;
	for (i = 0; i < o->nwaiters; i++) {
		uint64_t s = p->waits[o->waiters[i]].since;

		if (s > since)
			last = false;
		sum += since - (s < since ? s : since);
		others++;
	}
	if (!last || !others)
		return 0;
	note_on(note, TL_NOTE_STRAGGLER, w, o, (int64_t)thread);
	note->count = others;
	note->ns = sum;
	return 1;
}

/* The waker of a barrier's round (attribution from blocks: the last to
 * arrive never sleeps, it wakes the others) is its straggler when the
 * others all waited for it. */
static int barrier_released(struct patterns *p, const struct waits *w, const struct event *ev, size_t waker,
			    uint64_t ts, struct tl_note *note)
{
	struct pobj *o = obj_get(p, ev->tgid, (uint64_t)ev->arg2);
	uint64_t sum = 0;
	size_t i;

	if (!o)
		return -ENOMEM;
	if (o->gen_noted || !o->nwaiters)
		return 0;
	o->gen_noted = true;
	for (i = 0; i < o->nwaiters; i++)
		sum += ts - p->waits[o->waiters[i]].since;
	note_on(note, TL_NOTE_STRAGGLER, w, o, (int64_t)waker);
	note->count = (unsigned)o->nwaiters;
	note->ns = sum;
	return 1;
}

/* Follows a block (a wait begins) or a waking through an object (the
 * signal, broadcast or barrier release it names; the woken thread's wait
 * ends): the same patterns from attribution from blocks. One broadcast
 * wakes its waiters one waking each: the first starts the herd. */
int patterns_follow_wake(struct patterns *p, const struct waits *w, const struct event *ev, size_t thread,
			 long woken, uint64_t ts, struct tl_note *note)
{
	struct event as_call = *ev;
	struct pobj *o;
	int r = 0;

	if (ev->type == EVENT_BLOCK) {
		if (ev->op != OP_COND_WAIT && ev->op != OP_BARRIER_WAIT)
			return 0;
		return wait_begins(p, ev, thread, ts);
	}
	if (ev->type != EVENT_WAKING || !ev->op || !ev->arg2)
		return 0;
	as_call.arg = ev->arg2;
	if (ev->op == OP_BARRIER_WAIT) {
		r = barrier_released(p, w, ev, thread, ts, note);
	} else if (ev->op == OP_COND_SIGNAL || ev->op == OP_COND_BROADCAST) {
		o = obj_get(p, ev->tgid, (uint64_t)ev->arg2);
		if (!o)
			return -ENOMEM;
		if (!(ev->op == OP_COND_BROADCAST && o->herd_n && o->herd_by == (int64_t)thread &&
		      ts - o->herd_ts < 1000000))
			r = signalled(p, w, &as_call, thread, ts, note);
	}
	if (r >= 0 && woken >= 0 && (size_t)woken < p->nwaits && p->waits[woken].active) {
		o = &p->objs[p->waits[woken].obj];
		wait_leave(p, (size_t)woken);
		if (o->waiting)
			o->waiting--;
	}
	return r;
}

/* Follows a call or return. */
int patterns_follow(struct patterns *p, const struct waits *w, const struct event *ev, size_t thread, uint64_t ts,
		    struct tl_note *note)
{
	bool wait_op = ev->op == OP_COND_WAIT || ev->op == OP_COND_TIMEDWAIT || ev->op == OP_BARRIER_WAIT;

	if (ev->type == EVENT_CALL && wait_op)
		return wait_begins(p, ev, thread, ts);
	if (ev->type == EVENT_CALL && (ev->op == OP_COND_SIGNAL || ev->op == OP_COND_BROADCAST))
		return signalled(p, w, ev, thread, ts, note);
	if (ev->type == EVENT_RETURN && wait_op)
		return wait_ends(p, w, ev, thread, ts, note);
	return 0;
}

/* thread blocked on mutex object at ts. */
int patterns_block(struct patterns *p, int64_t object, size_t thread, uint64_t ts, struct tl_note *note)
{
	struct convoy *cv;
	unsigned i, regulars = 0;

	if (object < 0 || reserve_zeroed(&p->convoys, &p->nconvoys, &p->capconvoys, (size_t)object, sizeof(*cv)))
		return object < 0 ? 0 : -ENOMEM;
	cv = &p->convoys[object];
	if (cv->noted)
		return 0;
	if (ts - cv->since > CONVOY_WINDOW_NS) { /* a new window */
		memset(cv, 0, sizeof(*cv));
		cv->since = ts;
	}
	for (i = 0; i < cv->nthreads && cv->thread[i] != thread; i++)
		;
	if (i == cv->nthreads) {
		if (cv->nthreads == CONVOY_THREADS)
			return 0;
		cv->thread[cv->nthreads++] = thread;
	}
	cv->count[i]++;
	cv->blocks++;
	for (i = 0; i < cv->nthreads; i++)
		regulars += cv->count[i] >= 3;
	if (regulars < 3)
		return 0;
	cv->noted = true;
	memset(note, 0, sizeof(*note));
	note->kind = TL_NOTE_CONVOY;
	note->thread = (int64_t)thread;
	note->other = -1;
	note->object = object;
	note->count = regulars;
	note->count2 = cv->blocks;
	note->t0 = cv->since;
	note->t1 = ts;
	return 1;
}
