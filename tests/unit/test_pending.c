/* Unit tests of tracer/pending.c: events appended as the ring buffer gives
 * them, handed on in time order. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "pending.h"

/* Appends an event of time ts whose tid says which one it is. */
static bool push(struct pending *p, uint64_t ts, int32_t id)
{
	struct event ev = { .ts = ts, .type = EVENT_SWITCH, .tid = id };

	return pending_push(p, &ev) == 0;
}

/* Whether ev[head..n) holds the ids of want, in that order. */
static bool holds(const struct pending *p, const int32_t *want, size_t n)
{
	size_t i;

	if (p->n - p->head != n)
		return false;
	for (i = 0; i < n; i++)
		if (p->ev[p->head + i].tid != want[i])
			return false;
	return true;
}

/* Events that come in order stay as they are, without a sort. */
static void test_in_order(void)
{
	static const int32_t want[] = { 1, 2, 3, 4 };
	struct pending p;

	pending_init(&p);
	CHECK(push(&p, 10, 1) && push(&p, 20, 2) && push(&p, 20, 3) && push(&p, 30, 4), "pending: four appended");
	CHECK(pending_settle(&p) == 0 && holds(&p, want, 4) && p.sorted == 4, "pending: in order, they stay");
	CHECK(p.keys_cap == 0, "pending: and nothing was sorted for it");
	pending_done(&p);
}

/* A CPU's batch, arriving after the other CPUs' later records, goes
 * where its times say; events of one time keep their arrival order. */
static void test_batch_late(void)
{
	/* CPU 0 direct: 100 (1), 300 (2), 500 (3); then CPU 1's batch: 50
	 * (4), 300 (5), 400 (6), 600 (7) */
	static const int32_t want[] = { 4, 1, 2, 5, 6, 3, 7 };
	struct pending p;

	pending_init(&p);
	push(&p, 100, 1);
	push(&p, 300, 2);
	push(&p, 500, 3);
	push(&p, 50, 4);
	push(&p, 300, 5);
	push(&p, 400, 6);
	push(&p, 600, 7);
	CHECK(pending_settle(&p) == 0 && holds(&p, want, 7), "pending: a late batch is merged in time order");
	CHECK(p.keys_cap == 0, "pending: (a short walk back: by insertion)");
	pending_done(&p);
}

/* What a drain brings merges with what is still pending from the last
 * one, older events of one time first. */
static void test_merge(void)
{
	static const int32_t want[] = { 3, 2, 5, 7, 4 };
	struct pending p;

	pending_init(&p);
	push(&p, 100, 1);
	push(&p, 200, 2);
	push(&p, 300, 7);
	CHECK(pending_settle(&p) == 0, "pending: the first drain settles");
	pending_consumed(&p, 1); /* 100 handed on */
	push(&p, 300, 4);
	push(&p, 200, 5);
	push(&p, 150, 3);
	CHECK(pending_settle(&p) == 0 && holds(&p, want, 5),
	      "pending: the second drain merged with the first's rest, its 200 and 300 after the older ones");
	pending_done(&p);
}

/* Far out of order (many CPUs' batches), the new events are sorted and
 * merged: ties with older events still come after them, and among
 * themselves in arrival order. */
static void test_sorted_ties(void)
{
	struct pending p;
	size_t i, bad = 0;
	bool ok = true;

	pending_init(&p);
	for (i = 0; i < 1000; i++) /* old: ids 0-999 at times 0-999 */
		ok &= push(&p, i, (int32_t)i);
	ok &= pending_settle(&p) == 0;
	for (i = 0; i < 1000; i++) /* new, backwards: ids 1000-1999 at times 999-0 */
		ok &= push(&p, 999 - i, (int32_t)(1000 + i));
	for (i = 0; i < 1000; i++) /* and again: ids 2000-2999 at times 999-0 */
		ok &= push(&p, 999 - i, (int32_t)(2000 + i));
	ok &= pending_settle(&p) == 0;
	for (i = 0; ok && i < 1000; i++) /* time t: old t, then 1999 - t, then 2999 - t */
		bad += p.ev[3 * i].tid != (int32_t)i || p.ev[3 * i + 1].tid != (int32_t)(1999 - i) ||
		       p.ev[3 * i + 2].tid != (int32_t)(2999 - i);
	CHECK(ok && p.keys_cap > 0, "pending: 2000 events far out of order are sorted, not walked back");
	CHECK(ok && bad == 0, "pending: each time's old event first, then the new ones in arrival order");
	pending_done(&p);
}

/* Handing events on moves the rest to the front once they are half, and
 * the list goes on in order after it. */
static void test_consumed(void)
{
	struct pending p;
	bool ok = true;
	size_t i;

	pending_init(&p);
	for (i = 0; i < 10; i++)
		ok &= push(&p, 10 * i, (int32_t)i);
	ok &= pending_settle(&p) == 0;
	pending_consumed(&p, 6);
	CHECK(ok && p.head == 0 && p.n == 4 && p.sorted == 4 && p.ev[0].tid == 6,
	      "pending: six handed on of ten: the four left moved to the front");
	ok = push(&p, 5, 20) && push(&p, 75, 21) && pending_settle(&p) == 0;
	CHECK(ok && p.n == 6 && p.ev[0].tid == 20 && p.ev[1].tid == 6 && p.ev[2].tid == 7 && p.ev[3].tid == 21,
	      "pending: after the move, new events still merge in order");
	pending_done(&p);
}

/* Random drains of many CPUs' batches, handed on in random steps: the
 * order is always that of a stable sort of everything by time. */
static void test_random(void)
{
	struct pending p;
	struct event *all;
	size_t nall = 0, given = 0, round, i, j, k, bad = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull, now = 0;

	all = calloc(200000, sizeof(*all));
	if (!all) {
		CHECK(false, "pending: room for the random test");
		return;
	}
	pending_init(&p);
	for (round = 0; round < 200 && nall < 190000; round++) {
		/* 16 CPUs, each a batch of up to 64 records over the last 2 ms */
		for (i = 0; i < 16; i++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			k = rng % 64;
			for (j = 0; j < k; j++) {
				struct event ev = { .ts = now + j * 2000000 / 64 + (rng >> 40) % 50,
						    .type = EVENT_SWITCH, .tid = (int32_t)nall };

				all[nall++] = ev;
				bad += pending_push(&p, &ev) != 0;
			}
		}
		bad += pending_settle(&p) != 0;
		for (i = p.head + 1; i < p.n; i++)
			bad += p.ev[i - 1].ts > p.ev[i].ts ||
			       (p.ev[i - 1].ts == p.ev[i].ts && p.ev[i - 1].tid > p.ev[i].tid);
		/* hand on what is older than now - 1 ms */
		for (i = p.head; i < p.n && p.ev[i].ts + 1000000 < now; i++)
			given++;
		pending_consumed(&p, i);
		now += 2000000;
	}
	CHECK(bad == 0 && nall > 50000, "pending: 200 drains of 16 CPUs' batches: always in time order, "
					"one time's events in arrival order");
	CHECK(given + (p.n - p.head) == nall, "pending: nothing lost or doubled on the way");
	CHECK(p.keys_cap > 0, "pending: (16 CPUs' batches: sorted)");
	pending_done(&p);
	free(all);
}

int main(void)
{
	test_in_order();
	test_batch_late();
	test_merge();
	test_sorted_ties();
	test_consumed();
	test_random();
	return check_summary();
}
