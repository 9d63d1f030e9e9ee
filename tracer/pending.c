/* The tracer's pending events (see pending.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "pending.h"

/* Events whose room is kept however few are pending: a drain's worth at a
 * few hundred thousand events a second (4 MB), so that the room does not
 * go back and come again at every drain; only a stall's goes back. */
#define PENDING_ROOM_MIN 32768
/* Events a new one may be walked back past on average before the rest of
 * a drain is sorted instead */
#define PENDING_WALK 16

/* A new event's place in the sort: its time, then its arrival. */
struct pending_key {
	uint64_t ts;
	size_t at;
};

/* Makes an empty list. */
void pending_init(struct pending *p)
{
	memset(p, 0, sizeof(*p));
}

/* Frees what it holds. */
void pending_done(struct pending *p)
{
	free(p->ev);
	free(p->keys);
	free(p->scratch);
	pending_init(p);
}

/* Appends ev (see pending.h). */
int pending_push(struct pending *p, const struct event *ev)
{
	if (VEC_RESERVE(p->ev, p->cap, p->n + 1))
		return -ENOMEM;
	p->ev[p->n++] = *ev;
	return 0;
}

/* Orders keys by time, then arrival. */
static int key_cmp(const void *a, const void *b)
{
	const struct pending_key *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Puts the new events from p->sorted on in place one by one, each walked
 * back past the later ones, as long as that stays cheap: records one by
 * one come nearly in order. Returns where it stopped (p->n: all placed)
 * once the walks passed PENDING_WALK events a new event on average. */
static size_t settle_by_insertion(struct pending *p)
{
	size_t i, k, walked = 0, budget = PENDING_WALK * (p->n - p->sorted);

	for (i = p->sorted; i < p->n; i++) {
		struct event ev = p->ev[i];

		for (k = i; k > p->head && p->ev[k - 1].ts > ev.ts; k--)
			;
		walked += i - k;
		if (walked > budget)
			return i;
		if (k < i) {
			memmove(p->ev + k + 1, p->ev + k, (i - k) * sizeof(*p->ev));
			p->ev[k] = ev;
		}
		p->sorted = i + 1;
	}
	return i;
}

/* Puts the new events from p->sorted on in order by a sort of their keys
 * (16 bytes each rather than the 120 of an event), gathered once into the
 * scratch list, then merged with the sorted ones from the back: a CPU's
 * batch comes after the other CPUs' later records, the more CPUs the
 * further. */
static int settle_by_sort(struct pending *p)
{
	size_t from = p->sorted, add = p->n - from, i, old, dst, j;

	if (VEC_RESERVE(p->keys, p->keys_cap, add) || VEC_RESERVE(p->scratch, p->scratch_cap, add))
		return -ENOMEM;
	for (i = 0; i < add; i++)
		p->keys[i] = (struct pending_key){ p->ev[from + i].ts, i };
	qsort(p->keys, add, sizeof(*p->keys), key_cmp);
	for (i = 0; i < add; i++)
		p->scratch[i] = p->ev[from + p->keys[i].at];
	/* an old event of the same time stays before the new ones */
	for (old = from, dst = p->n, j = add; j > 0;) {
		if (old > p->head && p->ev[old - 1].ts > p->scratch[j - 1].ts)
			p->ev[--dst] = p->ev[--old];
		else
			p->ev[--dst] = p->scratch[--j];
	}
	p->sorted = p->n;
	VEC_SHRINK(p->keys, p->keys_cap, add, PENDING_ROOM_MIN);
	VEC_SHRINK(p->scratch, p->scratch_cap, add, PENDING_ROOM_MIN);
	return 0;
}

/* Puts the appended events in order (see pending.h). */
int pending_settle(struct pending *p)
{
	if (p->sorted < p->head)
		p->sorted = p->head;
	if (settle_by_insertion(p) == p->n)
		return 0;
	return settle_by_sort(p);
}

/* Drops the handed-on events (see pending.h). */
void pending_consumed(struct pending *p, size_t upto)
{
	p->head = upto;
	if (p->sorted < upto)
		p->sorted = upto;
	/* moving the rest to the front at every delivery cost a copy of the
	 * reorder window's events per poll: only once they are half */
	if (p->head >= p->n - p->head) {
		memmove(p->ev, p->ev + p->head, (p->n - p->head) * sizeof(*p->ev));
		p->n -= p->head;
		p->sorted -= p->head;
		p->head = 0;
		/* after a stall (a slow frame, a read back) the list held seconds
		 * of events: its room goes back rather than stay for the rest of
		 * the run */
		VEC_SHRINK(p->ev, p->cap, p->n, PENDING_ROOM_MIN);
	}
}
