/* Unit tests of the lanes' summaries (core/lanesum.c) as the views ask
 * them (lane_tally_summed, lane_window_sum in core/lane.c): random thread
 * and CPU lanes, read in frames of columns of many widths, against a
 * brute-force walk of the records they were built from. Promised: a
 * window holding fewer than LANE_B records is exact; a wider one summed
 * from the pyramid is off by at most the time of its two end nodes (each
 * key, each state); the wakeup flag is never wrong; the summaries are a
 * small part of the lane. The same holds while a lane grows (a live
 * timeline), read between appends up to a moving end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lane.h"
#include "lanesum.h"
#include "mem.h"

#define ABSENT 999u       /* the key of time outside a CPU lane */
#define NCPU 6

/* A record as pushed. */
struct rec {
	uint64_t ts;
	uint32_t code;
};

/* A lane under test and the records it was built from. */
struct subject {
	struct lane L;
	struct arena a;
	struct rec *r;
	size_t n, cap;
	uint64_t rng;
	unsigned keys;            /* CPU lanes: distinct occupants; thread lanes: one record in
				   * keys is a wakeup */
};

/* What went wrong, counted over many windows (one CHECK each). */
struct tallies {
	unsigned windows, exact_windows, wide_windows, wide_sum_windows;
	unsigned exact_bad, wide_bad, wake_bad, sum_bad, dominant_bad;
};

/* xorshift64. */
static uint64_t rnd(struct subject *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

/* A delta: mostly short, some bursts of equal times, some long gaps, a
 * rare one too long for a record's 31 bits. */
static uint64_t delta(struct subject *s)
{
	uint64_t r = rnd(s) % 1000;

	if (r < 5)
		return 0;
	if (r < 8)
		return (1ull << 32) + rnd(s) % 1000000;
	if (r < 40)
		return 1000000 + rnd(s) % 50000000;
	return 1 + rnd(s) % 3000;
}

/* Appends one random record to s (and to its lane). */
static void append(struct subject *s, bool thread)
{
	uint64_t ts = s->n ? s->r[s->n - 1].ts + delta(s) : 1000 + rnd(s) % 1000;
	uint32_t code;
	static const unsigned states[] = { TL_RUNNING, TL_RUNNING, TL_RUNNABLE, TL_BLOCKED_MUTEX, TL_SLEEPING,
					   TL_IO };

	if (thread) {
		unsigned st = states[rnd(s) % (sizeof(states) / sizeof(states[0]))];

		code = LANE_CODE(st, st == TL_RUNNING ? 1 + rnd(s) % NCPU : rnd(s) % 4);
	} else {
		code = (uint32_t)(rnd(s) % s->keys);
		if (rnd(s) % 4 == 0) /* a favourite occupant */
			code = 1;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->r = realloc(s->r, s->cap * sizeof(*s->r));
		if (!s->r)
			exit(1);
	}
	if (lane_push(&s->L, &s->a, ts, code))
		exit(1);
	if (thread && rnd(s) % s->keys == 0) { /* a wakeup, as the timeline marks one */
		lane_mark_wakeup(&s->L, 7);
		code = LANE_STATE(code) | LANE_WAKE | 7u << 6;
	}
	s->r[s->n].ts = ts;
	s->r[s->n].code = code;
	s->n++;
}

/* The first record with ts > t. */
static size_t upper(const struct subject *s, uint64_t t)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->r[mid].ts <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The brute-force reading of [t0, t1) up to end: time by key (index key,
 * ABSENT at keys), by state, the wakeup records with t0 <= ts < t1, and
 * the records with ts in (t0, min(t1, end)). */
static void brute(const struct subject *s, bool thread, uint64_t t0, uint64_t t1, uint64_t end, uint64_t *bykey,
		  uint64_t bystate[TL_STATE_MAX], uint64_t *wakes, size_t *inside)
{
	uint64_t te1 = t1 < end ? t1 : end;
	size_t i = upper(s, t0);

	memset(bykey, 0, sizeof(uint64_t) * (ABSENT + 1));
	memset(bystate, 0, sizeof(uint64_t) * TL_STATE_MAX);
	*wakes = 0;
	*inside = 0;
	if (i == 0) /* before the first record */
		bykey[ABSENT] += (s->n && s->r[0].ts < te1 ? s->r[0].ts : te1 > t0 ? te1 : t0) - t0;
	for (i = i ? i - 1 : 0; i < s->n && s->r[i].ts < te1; i++) {
		uint64_t a = s->r[i].ts > t0 ? s->r[i].ts : t0;
		uint64_t z = i + 1 < s->n && s->r[i + 1].ts < te1 ? s->r[i + 1].ts : te1;
		uint32_t c = s->r[i].code;

		if (s->r[i].ts > t0)
			(*inside)++;
		if (i + 1 < s->n && s->r[i + 1].ts - s->r[i].ts > 0x7fffffffu)
			*inside += 2; /* the lane bridges the gap with filler records */
		if (thread && (c & LANE_WAKE) && s->r[i].ts >= t0)
			(*wakes)++;
		if (z <= a)
			continue;
		bystate[thread ? LANE_STATE(c) : 0] += z - a;
		if (!thread)
			bykey[c] += z - a;
		else if (LANE_STATE(c) == TL_RUNNING)
			bykey[LANE_AUX(c)] += z - a;
	}
	if (t1 > te1)
		bykey[ABSENT] += t1 - (te1 > t0 ? te1 : t0);
}

/* The time of the two end nodes of the span lanesum_find gives
 * [t0, t1) at min_level, or 0 when it gives none (then the window is read
 * without the pyramid's ends). */
static uint64_t edge_time(const struct lane *L, uint64_t t0, uint64_t t1, unsigned min_level)
{
	struct lanesum_span sp;
	uint64_t a, b, c, d;

	if (!lanesum_find(L->sum, t0, t1, min_level, &sp))
		return 0;
	lanesum_node_time(L->sum, sp.level, sp.i0, &a, &b);
	lanesum_node_time(L->sum, sp.level, sp.i1, &c, &d);
	return (b - a) + (d - c);
}

/* The distance of a from b. */
static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Checks the tally of one window against the brute force. */
static void check_tally(const struct subject *s, bool thread, uint64_t t0, uint64_t t1, uint64_t end,
			struct tallies *tt)
{
	static uint64_t want[ABSENT + 1];
	uint64_t bystate[TL_STATE_MAX], wakes, e;
	struct lane_tally ty;
	size_t inside;
	unsigned i;
	bool few_keys = !thread && s->keys <= LANESUM_K;
	uint64_t slack;

	brute(s, thread, t0, t1, end, want, bystate, &wakes, &inside);
	if (thread)
		want[ABSENT] = 0; /* a thread lane counts running time alone */
	/* a block keeps its keys' time in 1/2^32 of its own: a few ns a block */
	slack = 4 + 2 * (inside / LANE_B + 2) + ((t1 - t0) >> 30);
	lane_tally_summed(&s->L, t0, t1, end, thread ? LANE_NONE : ABSENT, &ty);
	e = edge_time(&s->L, t0, t1 < end ? t1 : end, 0);
	tt->windows++;
	if (inside < LANE_B) {
		uint64_t total = 0;

		tt->exact_windows++;
		for (i = 0; i < ty.n; i++) {
			if (ty.key[i] > ABSENT || ty.amount[i] != want[ty.key[i]])
				tt->exact_bad++;
			total += ty.amount[i];
		}
		for (i = 0; i <= ABSENT; i++)
			total -= want[i];
		if (total)
			tt->exact_bad++;
		return;
	}
	if (e)
		tt->wide_windows++;
	for (i = 0; i < ty.n; i++) { /* never more than the edges' time over the truth */
		if (ty.key[i] > ABSENT || ty.amount[i] > want[ty.key[i]] + e + slack)
			tt->wide_bad++;
		/* with at most LANESUM_K keys, nothing is dropped: as close under */
		if (few_keys && dist(ty.amount[i], want[ty.key[i]]) > e + slack)
			tt->wide_bad++;
	}
}

/* The dominant state of sums (the cell's rule, docs/design.md "States"). */
static unsigned dominant(const uint64_t sum[TL_STATE_MAX], uint64_t *best_amount, uint64_t *second)
{
	unsigned s, best = 0;

	*second = 0;
	for (s = 0; s < TL_STATE_MAX; s++)
		if (sum[s] > sum[best])
			best = s;
	for (s = 0; s < TL_STATE_MAX; s++)
		if (s != best && sum[s] > *second)
			*second = sum[s];
	*best_amount = sum[best];
	return best;
}

/* Checks the state sums and the wakeups of one thread window [t0, t1). */
static void check_sum(const struct subject *s, uint64_t t0, uint64_t t1, struct tallies *tt)
{
	static uint64_t bykey[ABSENT + 1];
	uint64_t want[TL_STATE_MAX], got[TL_STATE_MAX], wakes, e, wb, ws, gb, gs;
	size_t inside;
	uint32_t w;
	unsigned st;

	brute(s, true, t0, t1, t1, bykey, want, &wakes, &inside);
	lane_window_sum(&s->L, t0, t1, got, &w);
	/* the summaries keep a thread's times in units of 2^-32 of the lane's
	 * length, or finer */
	e = edge_time(&s->L, t0, t1, 1) + 8 * ((s->r[s->n - 1].ts - s->r[0].ts) >> 31);
	if ((w > 0) != (wakes > 0))
		tt->wake_bad++;
	if (inside < LANE_B && (w != wakes || memcmp(got, want, sizeof(got))))
		tt->sum_bad++;
	if (edge_time(&s->L, t0, t1, 1))
		tt->wide_sum_windows++;
	for (st = 0; st < TL_STATE_MAX; st++)
		if (dist(got[st], want[st]) > e + 4)
			tt->sum_bad++;
	/* the dominant state is the true one unless the edges could swap it */
	st = dominant(want, &wb, &ws);
	if (dominant(got, &gb, &gs) != st && wb - ws > 2 * e + 4)
		tt->dominant_bad++;
}

/* Reads s in frames: columns of a width from 1 ns to the whole lane,
 * from random starts, up to end. */
static void read_frames(struct subject *s, bool thread, uint64_t end, unsigned frames, struct tallies *tt)
{
	uint64_t first = s->r[0].ts, span = end - first;
	unsigned f, c;

	for (f = 0; f < frames; f++) {
		unsigned ncols = f % 2 ? 4 + (unsigned)(rnd(s) % 36) : 20 + (unsigned)(rnd(s) % 180);
		unsigned shift = (unsigned)(f % 2 ? rnd(s) % 4 : rnd(s) % 40); /* half of them wide */
		uint64_t w = 1 + (span >> shift) / ncols, t0;

		t0 = first + rnd(s) % (span / 2 + 1);
		if (rnd(s) % 3 == 0 && t0 > w * 4) /* off the lane's block bounds */
			t0 -= w * (rnd(s) % 4);
		if (rnd(s) % 4 == 0)
			t0 = first > 5000 ? first - 5000 : 0;
		for (c = 0; c < ncols; c++) {
			uint64_t a = t0 + c * w, b = a + w;

			if (a >= end)
				break;
			check_tally(s, thread, a, b, end, tt);
			if (thread)
				check_sum(s, a, b < end ? b : end, tt);
		}
	}
}

/* Makes a subject. */
static void subject_init(struct subject *s, bool thread, uint64_t seed, unsigned keys)
{
	memset(s, 0, sizeof(*s));
	lane_init(&s->L, thread);
	s->rng = seed;
	s->keys = keys;
}

/* Frees a subject. */
static void subject_done(struct subject *s)
{
	lane_done(&s->L);
	arena_done(&s->a);
	free(s->r);
}

/* Prints and checks what a run found. */
static void report(const char *what, const struct tallies *tt)
{
	char name[160];

	printf("  %s: %u windows, %u exact, %u summed wide (tally), %u summed wide (states)\n", what, tt->windows,
	       tt->exact_windows, tt->wide_windows, tt->wide_sum_windows);
	snprintf(name, sizeof(name), "%s: windows of fewer than LANE_B records tally exactly", what);
	CHECK(tt->exact_bad == 0 && tt->exact_windows > 100, name);
	snprintf(name, sizeof(name), "%s: wide windows within their end nodes' time of the truth", what);
	CHECK(tt->wide_bad == 0 && tt->wide_windows > 100, name);
	if (tt->wide_sum_windows || tt->sum_bad || tt->wake_bad || tt->dominant_bad) {
		snprintf(name, sizeof(name), "%s: state sums exact when few records, within the end nodes when wide",
			 what);
		CHECK(tt->sum_bad == 0 && tt->wide_sum_windows > 100, name);
		snprintf(name, sizeof(name), "%s: the dominant state, unless the end nodes could swap it", what);
		CHECK(tt->dominant_bad == 0, name);
		snprintf(name, sizeof(name), "%s: a wakeup in a window is never lost, none is made up", what);
		CHECK(tt->wake_bad == 0, name);
	}
}

/* Whole lanes, built then read. */
static void test_random(bool thread, unsigned keys, const char *what)
{
	struct tallies tt = { 0 };
	struct subject s;
	unsigned round;
	char name[160];

	for (round = 0; round < 3; round++) {
		size_t n = 40000 + 30000 * round, i, rec_bytes;

		subject_init(&s, thread, 0x9e3779b97f4a7c15ull + round * 7919 + keys, keys);
		for (i = 0; i < n; i++)
			append(&s, thread);
		read_frames(&s, thread, s.r[s.n - 1].ts + 12345, 60, &tt);
		rec_bytes = s.n * 8;
		snprintf(name, sizeof(name), "%s: summaries under a quarter of the records' bytes (%zu of %zu)", what,
			 lane_summary_memory(&s.L), rec_bytes);
		CHECK(lane_summary_memory(&s.L) * 4 < rec_bytes, name);
		subject_done(&s);
	}
	report(what, &tt);
}

/* A lane read between appends, up to an end that moves on (live). */
static void test_live(bool thread, unsigned keys, const char *what)
{
	struct tallies tt = { 0 };
	struct subject s;
	unsigned step;

	subject_init(&s, thread, 0x1234567887654321ull + keys, keys);
	for (step = 0; step < 300; step++) {
		unsigned k, add = 1 + (unsigned)(rnd(&s) % 800);

		for (k = 0; k < add; k++)
			append(&s, thread);
		read_frames(&s, thread, s.r[s.n - 1].ts + rnd(&s) % 100000, 2, &tt);
	}
	report(what, &tt);
	subject_done(&s);
}

/* lanesum_add: whole blocks summed as the pyramid's nodes equal the sum of
 * the blocks one by one (a key's time in a run of blocks, when no block
 * had more than LANESUM_K keys). */
static void test_ranges(void)
{
	struct subject s;
	size_t i, nb, bad = 0, tried = 0;

	subject_init(&s, false, 42, LANESUM_K);
	for (i = 0; i < 70000; i++)
		append(&s, false);
	nb = lanesum_blocks(s.L.sum);
	for (i = 0; i < 3000; i++) {
		size_t first = (size_t)(rnd(&s) % nb), last = first + (size_t)(rnd(&s) % (nb - first + 1)), b;
		struct lane_tally one = { .n = 0 }, all = { .n = 0 };
		unsigned k, j;

		for (b = first; b < last; b++)
			lanesum_add(s.L.sum, b, b + 1, &one);
		lanesum_add(s.L.sum, first, last, &all);
		tried++;
		if (one.n != all.n) {
			bad++;
			continue;
		}
		for (k = 0; k < one.n; k++)
			for (j = 0; j < all.n; j++)
				if (all.key[j] == one.key[k] && dist(all.amount[j], one.amount[k]) > (uint64_t)(last - first))
					bad++;
	}
	printf("  ranges: %zu runs of %zu blocks\n", tried, nb);
	CHECK(bad == 0 && nb > 1000, "ranges: a run of blocks sums the same by nodes as block by block");
	subject_done(&s);
}

int main(void)
{
	test_random(true, 5, "thread lanes");
	test_random(true, 3000, "thread lanes, rare wakeups");
	test_random(false, LANESUM_K, "CPU lanes, 3 occupants");
	test_random(false, 30, "CPU lanes, 30 occupants");
	test_live(true, 5, "live thread lane");
	test_live(true, 3000, "live thread lane, rare wakeups");
	test_live(false, 30, "live CPU lane");
	test_ranges();
	return check_summary();
}
