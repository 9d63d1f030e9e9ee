/* Unit tests of the timeline at the limits of what a trace file may hold
 * (issue 15): gaps between events of up to 2^63 ns, which a lane bridges
 * with a few scaled filler records (it used to write one per 2^32 ns), and
 * tens of thousands of short-lived threads, whose memory must stay small.
 * Every answer is compared with the truth the test built the stream from;
 * memory is read from timeline_memory. Also the growable-array helper. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "mem.h"
#include "timeline.h"

#define US 1000ull

static struct timeline *tl;

/* Feeds one event to tl (tgid 100 for traced tids). */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, const char *text)
{
	struct event e = test_event(100, ts, type, cpu, tid, tid2, 0, arg, 0, text);

	timeline_add(tl, &e);
}

#define NGAPS 12
#define NCHANGES (3 * NGAPS + 1)

/* One state of the gap thread, from ts on. */
struct change {
	uint64_t ts;
	unsigned state;
};

/* The state of the truth at t (the last change at or before t). */
static const struct change *truth_at(const struct change *c, size_t n, uint64_t t)
{
	const struct change *found = NULL;
	size_t i;

	for (i = 0; i < n && c[i].ts <= t; i++)
		found = &c[i];
	return found;
}

/* The truth's time in each state within [a, b), into want. */
static void truth_sum(const struct change *c, size_t n, uint64_t end, uint64_t a, uint64_t b,
		      uint64_t want[TL_STATE_MAX])
{
	size_t i;

	memset(want, 0, sizeof(uint64_t) * TL_STATE_MAX);
	for (i = 0; i < n; i++) {
		uint64_t from = c[i].ts, to = i + 1 < n ? c[i + 1].ts : end;

		from = from > a ? from : a;
		to = to < b ? to : b;
		if (to > from)
			want[c[i].state] += to - from;
	}
}

/* One thread on one CPU runs, sleeps and is woken, with gaps of every
 * length a delta can have, up to one of 2^62 ns (longer than the longest
 * filler), 2^63 ns in all: sums, cells, instants and stepping agree with
 * the truth, and memory does not follow the gaps. */
static void test_gaps(void)
{
	static const uint64_t gaps[NGAPS] = {
		1, (1ull << 31) - 1, 1ull << 31, (1ull << 31) + 1, 1ull << 32, (1ull << 33) + 12345,
		(1ull << 40) + 7, 5 * (1ull << 31), (1ull << 62) + 99, 1ull << 61, (1ull << 36) - 1, 3,
	};
	struct change c[NCHANGES];
	uint64_t t = 0, end, got[TL_STATE_MAX], want[TL_STATE_MAX], ts;
	size_t n = 0, k;
	bool ok_sum = true, ok_at = true, ok_step = true, ok_cells = true;

	timeline_new(&tl, 1);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "gappy");
	ev(0, EVENT_SWITCH, 0, 0, 101, EVENT_STATE_RUNNING, NULL);
	c[n++] = (struct change){ 0, TL_RUNNING };
	for (k = 0; k < NGAPS; k++) { /* run a gap, sleep a gap, wait 1 us, run again */
		t += gaps[k];
		ev(t, EVENT_SWITCH, 0, 101, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
		c[n++] = (struct change){ t, TL_BLOCKED_UNKNOWN };
		t += gaps[(k + 5) % NGAPS];
		ev(t, EVENT_WAKEUP, 0, 101, 0, 0, NULL);
		c[n++] = (struct change){ t, TL_RUNNABLE };
		t += US;
		ev(t, EVENT_SWITCH, 0, 0, 101, EVENT_STATE_RUNNING, NULL);
		c[n++] = (struct change){ t, TL_RUNNING };
	}
	end = t + 1000;
	timeline_set_end(tl, end);
	CHECK(end > (1ull << 63), "gaps: the trace spans more than 2^63 ns");

	for (k = 0; k < n && ok_sum; k++) { /* windows around every change, and across all */
		uint64_t a = c[k].ts > 5 ? c[k].ts - 5 : 0, b = k + 1 < n ? c[k + 1].ts + 5 : end;
		unsigned s;

		timeline_thread_sum(tl, 0, a, b, got);
		truth_sum(c, n, end, a, b, want);
		for (s = 1; s < TL_STATE_MAX; s++)
			ok_sum = ok_sum && got[s] == want[s];
	}
	timeline_thread_sum(tl, 0, 0, end, got);
	truth_sum(c, n, end, 0, end, want);
	ok_sum = ok_sum && got[TL_RUNNING] == want[TL_RUNNING] && got[TL_RUNNABLE] == want[TL_RUNNABLE] &&
		 got[TL_BLOCKED_UNKNOWN] == want[TL_BLOCKED_UNKNOWN];
	CHECK(ok_sum, "gaps: time in each state over windows across every gap is exact");

	for (k = 0; k < n; k++) { /* the middle of each interval, and its first ns */
		uint64_t to = k + 1 < n ? c[k + 1].ts : end, mids[2] = { c[k].ts + (to - c[k].ts) / 2, c[k].ts };
		int m;

		for (m = 0; m < 2; m++) {
			const struct change *w = truth_at(c, n, mids[m]);
			struct tl_at at;

			timeline_thread_at(tl, 0, mids[m], &at);
			ok_at = ok_at && w && at.state == w->state && at.since == w->ts;
		}
	}
	CHECK(ok_at, "gaps: the state at an instant inside each gap, and since when");

	for (t = 0, k = 1; timeline_next_event(tl, t, &ts) == 0 && k < n; k++) { /* event after event */
		ok_step = ok_step && ts == c[k].ts;
		t = ts;
	}
	ok_step = ok_step && k == n && timeline_prev_event(tl, c[n - 1].ts, &ts) == 0 && ts == c[n - 2].ts;
	CHECK(ok_step, "gaps: stepping visits every event across the gaps");

	for (k = 0; k < 200; k++) { /* 200 columns across the whole trace */
		uint64_t w = end / 200, a = k * w, b = k == 199 ? end : a + w;
		struct tl_cpu_cell cc;
		struct tl_cell cell;
		unsigned s, best = 0;

		truth_sum(c, n, end, a, b, want);
		for (s = 1; s < TL_STATE_MAX; s++)
			if (want[s] > want[best])
				best = s;
		timeline_thread_cell(tl, 0, a, b, &cell);
		timeline_cpu_cell(tl, 0, a, b, &cc);
		ok_cells = ok_cells && cell.state == best && (best != TL_RUNNING || cell.cpu == 0) &&
			   (cc.kind == TL_CPU_THREAD) == (best == TL_RUNNING);
	}
	CHECK(ok_cells, "gaps: 200 columns over 2^63 ns show the state and occupant that took most of each");
	CHECK(timeline_memory(tl) < (1u << 20), "gaps: the timeline holds under 1 MB (it held 16 GB of fillers)");
	printf("  gaps: %zu bytes for %zu changes over %.3g ns\n", timeline_memory(tl), n, (double)end);
	timeline_free(tl);
}

#define MANY 20000

/* MANY threads, each created by main, woken on CPU1, running 1 us and
 * exiting: memory per thread stays small, and every thread and log entry
 * is there. */
static void test_many_threads(void)
{
	struct tl_log_entry e[2];
	struct tl_cell cell;
	uint64_t t = 0;
	size_t per_thread;
	int k;

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "main");
	ev(0, EVENT_SWITCH, 0, 0, 101, EVENT_STATE_RUNNING, NULL);
	for (k = 0; k < MANY; k++) {
		char name[16];

		t = (uint64_t)k * 10 * US;
		snprintf(name, sizeof(name), "w%d", k);
		ev(t, EVENT_FORK, 0, 101, 1000 + k, 0, name);
		ev(t, EVENT_WAKEUP_NEW, 1, 1000 + k, 0, 1, NULL);
		ev(t + 2 * US, EVENT_SWITCH, 1, 0, 1000 + k, EVENT_STATE_RUNNING, NULL);
		ev(t + 3 * US, EVENT_EXIT, 1, 1000 + k, 0, 0, name);
		ev(t + 3 * US, EVENT_SWITCH, 1, 1000 + k, 0, EVENT_STATE_DEAD, NULL);
	}
	timeline_set_end(tl, t + 10 * US);
	per_thread = timeline_memory(tl) / timeline_thread_count(tl);
	printf("  many threads: %zu threads, %zu bytes each\n", timeline_thread_count(tl), per_thread);
	CHECK(timeline_thread_count(tl) == MANY + 1, "many threads: every thread is known");
	CHECK(per_thread < 700, "many threads: under 700 bytes a thread (the layout before took 1836)");
	CHECK(timeline_log_count(tl) == 2 * MANY && timeline_log_read(tl, 2 * (MANY - 1), e, 2) == 2 &&
		      e[0].kind == TL_LOG_NEW && e[0].thread == MANY && e[1].kind == TL_LOG_EXIT &&
		      e[1].thread == MANY && e[1].ts == t + 3 * US,
	      "many threads: the log holds each creation and exit, the last ones last");
	timeline_thread_cell(tl, MANY, t + 2 * US, t + 3 * US, &cell);
	CHECK(cell.state == TL_RUNNING && cell.cpu == 1 && strcmp(timeline_thread(tl, MANY)->name, "w19999") == 0,
	      "many threads: the last one ran on CPU1 for its microsecond, under its name");
	timeline_free(tl);
}

/* vec_reserve: grows by doubling, keeps what it held, refuses sizes that
 * overflow without touching the array; vec_shrink gives emptied room back. */
static void test_vec(void)
{
	uint64_t *v = NULL;
	size_t cap = 0, i;
	bool kept = true;

	for (i = 0; i < 1000; i++) {
		if (VEC_RESERVE(v, cap, i + 1))
			break;
		v[i] = i * 7;
	}
	for (i = 0; i < 1000; i++)
		kept = kept && v[i] == i * 7;
	CHECK(kept && cap == 1024, "vec: 1000 items kept while the capacity doubled to 1024");
	CHECK(VEC_RESERVE(v, cap, SIZE_MAX / 4) == -ENOMEM && cap == 1024 && v[999] == 999 * 7,
	      "vec: a size that overflows is refused, the array unchanged");
	VEC_SHRINK(v, cap, 200, 16);
	CHECK(cap == 1024, "vec: an array a fifth full keeps its room");
	VEC_SHRINK(v, cap, 100, 16);
	CHECK(cap == 200 && v[99] == 99 * 7, "vec: emptied to a tenth, it shrinks to twice what it holds, items kept");
	VEC_SHRINK(v, cap, 3, 16);
	CHECK(cap == 16 && v[2] == 2 * 7, "vec: never below the minimum asked for");
	free(v);
}

/* Runs the limit tests. */
int main(void)
{
	test_gaps();
	test_many_threads();
	test_vec();
	return check_summary();
}
