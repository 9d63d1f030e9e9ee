/* Unit tests of core/timeline.c: hand-built event sequences with known
 * answers (intervals, cells at several zoom levels, CPU cells, the state at
 * an instant, stepping, the log, live growth, anomalies, pattern notes as
 * facts), and a randomized
 * test that compares the timeline with a brute-force reading of a long
 * generated event stream whose truth is known. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "stats.h"
#include "timeline.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

static struct timeline *tl;

/* Feeds one event to tl (tgid 100 for traced tids). */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, const char *text)
{
	struct event e = test_event(100, ts, type, cpu, tid, tid2, 0, arg, 0, text);

	timeline_add(tl, &e);
}

/* The glyph of a thread cell: docs/design.md's table for the kernel-only states. */
static char glyph(const struct tl_cell *c)
{
	switch (c->state) {
	case TL_NOT_ALIVE:
		return ' ';
	case TL_RUNNING:
		return c->cpu < 0 ? '?' : c->cpu < 10 ? (char)('0' + c->cpu) : '#';
	case TL_RUNNABLE:
		return '-';
	case TL_UNINTERRUPTIBLE:
		return 'D';
	case TL_BLOCKED_UNKNOWN:
		return '.';
	default:
		return 'x';
	}
}

/* Thread i's lane as text, cols columns of w ns from t0; marks gets '^'
 * where a cell holds a wakeup and 'm' where it is mixed (else ' '). */
static void lane(size_t i, uint64_t t0, uint64_t w, int cols, char *s, char *marks)
{
	struct tl_cell c;
	int k;

	for (k = 0; k < cols; k++) {
		timeline_thread_cell(tl, i, t0 + (uint64_t)k * w, t0 + (uint64_t)(k + 1) * w, &c);
		s[k] = glyph(&c);
		if (marks)
			marks[k] = c.wakeup ? '^' : c.mixed ? 'm' : ' ';
	}
	s[cols] = 0;
	if (marks)
		marks[cols] = 0;
}

/* A CPU's lane as text: the thread's letter, '~' another program, ' ' idle, '?' unknown. */
static void cpu_lane(unsigned cpu, uint64_t t0, uint64_t w, int cols, char *s)
{
	struct tl_cpu_cell c;
	int k;

	for (k = 0; k < cols; k++) {
		timeline_cpu_cell(tl, cpu, t0 + (uint64_t)k * w, t0 + (uint64_t)(k + 1) * w, &c);
		s[k] = c.kind == TL_CPU_IDLE    ? ' '
		       : c.kind == TL_CPU_OTHER ? '~'
		       : c.kind == TL_CPU_THREAD ? timeline_thread(tl, c.thread)->letter
						 : '?';
	}
	s[cols] = 0;
}

/* One known interval of a thread lane. */
struct ival {
	uint64_t from, to;
	unsigned state;
};

/* Whether timeline_thread_sum of thread i over every window [a, b) on a
 * grid of step ns in [0, span) equals the sum computed from the intervals. */
static bool sums_match(size_t i, const struct ival *iv, size_t n, uint64_t span, uint64_t step)
{
	uint64_t a, b, got[TL_STATE_MAX], want[TL_STATE_MAX];
	size_t k;

	for (a = 0; a < span; a += step) {
		for (b = a + step; b <= span; b += step) {
			uint64_t alive = 0;

			memset(want, 0, sizeof(want));
			for (k = 0; k < n; k++) {
				uint64_t x = iv[k].from > a ? iv[k].from : a, y = iv[k].to < b ? iv[k].to : b;

				if (y > x) {
					want[iv[k].state] += y - x;
					alive += y - x;
				}
			}
			want[TL_NOT_ALIVE] = (b - a) - alive;
			timeline_thread_sum(tl, i, a, b, got);
			if (memcmp(got, want, sizeof(got))) {
				printf("  thread %zu window [%llu, %llu): running %llu/%llu runnable %llu/%llu\n", i,
				       (unsigned long long)a, (unsigned long long)b,
				       (unsigned long long)got[TL_RUNNING], (unsigned long long)want[TL_RUNNING],
				       (unsigned long long)got[TL_RUNNABLE], (unsigned long long)want[TL_RUNNABLE]);
				return false;
			}
		}
	}
	return true;
}

/* The sequence of test_stats.c's lifecycle test: main (existing, running)
 * forks a worker that runs, is preempted, blocks, is woken and exits. */
static void build_lifecycle(void)
{
	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 10, 0, 'R', "main");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 10, 0, NULL);           /* idle -> main on cpu0 */
	ev(2 * MS, EVENT_FORK, 0, 10, 11, 0, "main");          /* main creates 11 */
	ev(3 * MS, EVENT_WAKEUP_NEW, 0, 11, 0, 1, NULL);       /* runnable at 3 */
	ev(3 * MS, EVENT_RENAME, 0, 11, 0, 0, "worker");
	ev(5 * MS, EVENT_SWITCH, 1, 0, 11, 0, NULL);           /* runs on cpu1 at 5 */
	ev(7 * MS, EVENT_SWITCH, 1, 11, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, NULL);
	ev(8 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, 11, EVENT_STATE_RUNNING, NULL);
	ev(9 * MS, EVENT_SWITCH, 1, 11, 0, EVENT_STATE_INTERRUPTIBLE, NULL); /* blocks */
	ev(12 * MS, EVENT_WAKING, 0, 10, 11, 1, NULL);
	ev(12 * MS, EVENT_WAKEUP, 0, 11, 0, 1, NULL);
	ev(13 * MS, EVENT_MIGRATE, 0, 11, 0, 1, NULL);
	ev(14 * MS, EVENT_SWITCH, 0, 10, 11, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(15 * MS, EVENT_EXIT, 0, 11, 0, 0, "worker");
	ev(16 * MS, EVENT_SWITCH, 0, 11, 0, EVENT_STATE_DEAD, NULL);
	timeline_set_end(tl, 20 * MS);
}

/* Exact intervals, checked through sums over many windows. */
static void test_intervals(void)
{
	static const struct ival worker[] = {
		{3 * MS, 5 * MS, TL_RUNNABLE},  {5 * MS, 7 * MS, TL_RUNNING},          {7 * MS, 8 * MS, TL_RUNNABLE},
		{8 * MS, 9 * MS, TL_RUNNING},   {9 * MS, 12 * MS, TL_BLOCKED_UNKNOWN}, {12 * MS, 14 * MS, TL_RUNNABLE},
		{14 * MS, 16 * MS, TL_RUNNING},
	};
	static const struct ival mainv[] = {
		{0, 1 * MS, TL_RUNNABLE},
		{1 * MS, 14 * MS, TL_RUNNING},
		{14 * MS, 20 * MS, TL_BLOCKED_UNKNOWN},
	};
	const struct tl_thread *t;

	build_lifecycle();
	CHECK(timeline_thread_count(tl) == 2 && timeline_ncpus(tl) == 2, "timeline: two threads, two CPUs");
	t = timeline_thread(tl, 1);
	CHECK(t && t->tid == 11 && strcmp(t->name, "worker") == 0 && t->letter == 'B',
	      "timeline: the worker is thread B, with its new name");
	CHECK(t && t->start_ns == 3 * MS && t->end_ns == 16 * MS && t->exited && !t->existed,
	      "timeline: the worker lives from its first wakeup to its exit switch");
	t = timeline_thread(tl, 0);
	CHECK(t && t->letter == 'A' && t->existed && !t->exited && t->start_ns == 0 && t->end_ns == 20 * MS,
	      "timeline: main existed, and is alive to the end");
	CHECK(sums_match(1, worker, sizeof(worker) / sizeof(worker[0]), 22 * MS, MS / 2),
	      "timeline: the worker's intervals are exact (all windows on a 0.5 ms grid)");
	CHECK(sums_match(0, mainv, sizeof(mainv) / sizeof(mainv[0]), 22 * MS, MS / 2),
	      "timeline: main's intervals are exact, its unknown start settled as runnable");
	CHECK(sums_match(1, worker, sizeof(worker) / sizeof(worker[0]), 9 * MS + 40 * US, 10 * US),
	      "timeline: the worker's intervals are exact on a 10 us grid");
	CHECK(timeline_events(tl) == 15 && timeline_anomalies(tl) == 0 && timeline_lost(tl) == 0,
	      "timeline: 15 events, a consistent stream has no anomalies");
	timeline_free(tl);
}

/* Cells at several zoom levels. */
static void test_cells(void)
{
	char s[64], m[64];
	struct tl_cell c;

	build_lifecycle();
	/* 1 ms per column */
	lane(1, 0, MS, 20, s, m);
	CHECK(strcmp(s, "   --11-1...--00    ") == 0, "cells 1ms: the worker's lane");
	CHECK(strcmp(m, "   ^        ^       ") == 0, "cells 1ms: wakeups marked where it became runnable");
	lane(0, 0, MS, 20, s, NULL);
	CHECK(strcmp(s, "-0000000000000......") == 0, "cells 1ms: main's lane");
	/* 2 ms per column: cells straddling changes */
	lane(1, 0, 2 * MS, 10, s, m);
	CHECK(strcmp(s, " -111.-0  ") == 0 && strcmp(m, " ^mmm ^   ") == 0,
	      "cells 2ms: ties go to the earlier state in the table; straddling cells are mixed");
	timeline_thread_cell(tl, 1, 6 * MS, 8 * MS, &c);
	CHECK(c.state == TL_RUNNING && c.cpu == 1 && c.mixed && !c.wakeup,
	      "cells: half running, half runnable: running (the first on a tie), mixed");
	timeline_thread_cell(tl, 1, 8 * MS, 11 * MS, &c);
	CHECK(c.state == TL_BLOCKED_UNKNOWN && !c.mixed, "cells: 1 ms running then 2 ms blocked: blocked, not mixed");
	timeline_thread_cell(tl, 1, 11 * MS, 15 * MS, &c);
	CHECK(c.state == TL_RUNNABLE && c.mixed && c.wakeup,
	      "cells: blocked 1, runnable 2, running 1 ms: runnable, mixed, with the wakeup");
	/* 10 us per column around the block at 9 ms */
	lane(1, 9 * MS - 50 * US, 10 * US, 10, s, NULL);
	CHECK(strcmp(s, "11111.....") == 0, "cells 10us: running up to 9 ms, blocked after");
	lane(1, 12 * MS - 30 * US, 10 * US, 6, s, m);
	CHECK(strcmp(s, "...---") == 0 && strcmp(m, "   ^  ") == 0, "cells 10us: the wakeup in the cell of 12 ms");
	timeline_thread_cell(tl, 1, 12 * MS - 5 * US, 12 * MS + 5 * US, &c);
	CHECK(c.wakeup && c.mixed, "cells 10us: a cell straddling the wakeup has it, and is mixed");
	/* one column for the whole trace */
	timeline_thread_cell(tl, 1, 0, 20 * MS, &c);
	CHECK(c.state == TL_NOT_ALIVE && c.mixed && c.wakeup,
	      "cells whole trace: the worker is not alive most of it (7 of 20 ms), mixed");
	timeline_thread_cell(tl, 0, 0, 20 * MS, &c);
	CHECK(c.state == TL_RUNNING && c.cpu == 0 && !c.mixed && !c.wakeup,
	      "cells whole trace: main ran 13 of 20 ms on cpu0");
	timeline_thread_cell(tl, 1, 0, 100 * MS, &c);
	CHECK(c.state == TL_NOT_ALIVE && !c.mixed, "cells: time past the end is not alive");
	timeline_thread_cell(tl, 1, 25 * MS, 30 * MS, &c);
	CHECK(c.state == TL_NOT_ALIVE && !c.wakeup, "cells: a window after the end is blank");
	timeline_thread_cell(tl, 7, 0, 20 * MS, &c);
	CHECK(c.state == TL_NOT_ALIVE, "cells: an unknown thread index is blank");
	timeline_free(tl);
}

/* CPU cells: idle, another program, a thread; mixed ones; sampled ones. */
static void test_cpu_cells(void)
{
	char s[64];
	struct tl_cpu_cell c;
	uint64_t t;
	int k;

	build_lifecycle();
	cpu_lane(0, 0, MS, 20, s);
	CHECK(strcmp(s, " AAAAAAAAAAAAABB    ") == 0, "cpu cells 1ms: cpu0 idle, main, worker, idle");
	cpu_lane(1, 0, MS, 20, s);
	CHECK(strcmp(s, "     BB~B           ") == 0, "cpu cells 1ms: cpu1 idle, worker, another program, worker");
	timeline_cpu_cell(tl, 1, 4 * MS, 10 * MS, &c);
	CHECK(c.kind == TL_CPU_THREAD && c.thread == 1 && c.mixed, "cpu cells: worker 3 ms of 6: the worker, mixed");
	timeline_cpu_cell(tl, 1, 5 * MS, 10 * MS, &c);
	CHECK(c.kind == TL_CPU_THREAD && c.thread == 1 && !c.mixed, "cpu cells: worker 3 ms of 5: not mixed");
	timeline_cpu_cell(tl, 1, 0, 20 * MS, &c);
	CHECK(c.kind == TL_CPU_IDLE && !c.mixed, "cpu cells whole trace: cpu1 mostly idle");
	timeline_cpu_cell(tl, 1, 19 * MS, 30 * MS, &c);
	CHECK(c.kind == TL_CPU_UNKNOWN && c.mixed == false, "cpu cells: mostly past the end: unknown");
	timeline_cpu_cell(tl, 5, 0, 20 * MS, &c);
	CHECK(c.kind == TL_CPU_UNKNOWN, "cpu cells: a CPU out of range is unknown");
	timeline_free(tl);

	/* many changes in one cell: sampled. cpu0: A 3 us, B 1 us, 100 times;
	 * cpu1: A 1 us, B 1 us. A and B are both busy, never blocked. */
	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 1, 0, 'R', "a");
	ev(0, EVENT_THREAD, 0, 2, 0, 'R', "b");
	ev(0, EVENT_THREAD, 0, 3, 0, 'R', "c");
	ev(0, EVENT_THREAD, 0, 4, 0, 'R', "d");
	ev(0, EVENT_SWITCH, 0, 0, 1, 0, NULL);
	ev(0, EVENT_SWITCH, 1, 0, 3, 0, NULL);
	for (k = 1; k <= 400; k++) { /* in time order, microsecond by microsecond */
		t = (uint64_t)k * US;
		if (k % 4 == 3)
			ev(t, EVENT_SWITCH, 0, 1, 2, EVENT_STATE_PREEMPTED, NULL);
		else if (k % 4 == 0)
			ev(t, EVENT_SWITCH, 0, 2, 1, EVENT_STATE_PREEMPTED, NULL);
		if (k % 2 == 1)
			ev(t, EVENT_SWITCH, 1, 3, 4, EVENT_STATE_PREEMPTED, NULL);
		else
			ev(t, EVENT_SWITCH, 1, 4, 3, EVENT_STATE_PREEMPTED, NULL);
	}
	timeline_set_end(tl, 400 * US);
	CHECK(timeline_anomalies(tl) == 0, "cpu cells sampled: a consistent stream");
	timeline_cpu_cell(tl, 0, 0, 400 * US, &c);
	CHECK(c.kind == TL_CPU_THREAD && c.thread == 0 && !c.mixed,
	      "cpu cells sampled: 200 changes, A 3/4 of the time: A, not mixed");
	timeline_cpu_cell(tl, 1, 0, 400 * US, &c);
	CHECK(c.kind == TL_CPU_THREAD && (c.thread == 2 || c.thread == 3) && c.mixed,
	      "cpu cells sampled: 400 changes, C and D half each: mixed");
	timeline_cpu_cell(tl, 0, 8 * US, 16 * US, &c);
	CHECK(c.kind == TL_CPU_THREAD && c.thread == 0 && !c.mixed, "cpu cells walked: 4 changes, A 6 of 8 us");
	{
		struct tl_cell tc;

		timeline_thread_cell(tl, 0, 0, 400 * US, &tc);
		CHECK(tc.state == TL_RUNNING && tc.cpu == 0 && !tc.mixed,
		      "cells sampled: A ran 3/4 of a cell of 200 changes, on cpu0");
		timeline_thread_cell(tl, 1, 0, 400 * US, &tc);
		CHECK(tc.state == TL_RUNNABLE && !tc.mixed, "cells sampled: B waited 3/4 of it");
	}
	timeline_free(tl);
}

/* A cell with few changes is walked exactly, not sampled: here the 16
 * sample instants (every 10 ns from 5) all miss the thread's six short runs
 * on cpu1, which add up to more than its one run on cpu0. */
static void test_exact_walk(void)
{
	struct tl_cell c;
	struct tl_cpu_cell cc;
	uint64_t t;

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 1, 0, 'S', "a");
	ev(0, EVENT_WAKEUP, 0, 1, 0, 0, NULL);
	ev(0, EVENT_SWITCH, 0, 0, 1, 0, NULL);
	ev(50, EVENT_SWITCH, 0, 1, 0, EVENT_STATE_PREEMPTED, NULL);
	for (t = 56; t < 116; t += 10) {
		ev(t, EVENT_SWITCH, 1, EVENT_TID_OTHER, 1, 0, NULL);
		ev(t + 9, EVENT_SWITCH, 1, 1, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, NULL);
	}
	timeline_set_end(tl, 200);
	timeline_thread_cell(tl, 0, 0, 160, &c);
	CHECK(c.state == TL_RUNNING && c.cpu == 1, "exact: running 104 of 160 ns, most of it (54 ns) on cpu1");
	timeline_cpu_cell(tl, 1, 50, 120, &cc);
	CHECK(cc.kind == TL_CPU_THREAD && cc.thread == 0 && cc.mixed == false,
	      "exact: cpu1 ran the thread 54 of 70 ns though every sample instant misses it");
	timeline_free(tl);
}

/* A thread at an instant: state, since, who woke it. */
static void test_at(void)
{
	struct tl_at a;

	build_lifecycle();
	timeline_thread_at(tl, 1, 12 * MS + 500 * US, &a);
	CHECK(a.state == TL_RUNNABLE && a.since == 12 * MS && a.woken_by == 0 && a.woken_at == 12 * MS,
	      "at: the worker is runnable since 12 ms, woken by main");
	timeline_thread_at(tl, 1, 15 * MS, &a);
	CHECK(a.state == TL_RUNNING && a.cpu == 0 && a.since == 14 * MS && a.woken_by == 0 && a.woken_at == 12 * MS,
	      "at: running on cpu0 since 14 ms, after main's wakeup");
	timeline_thread_at(tl, 1, 10 * MS, &a);
	CHECK(a.state == TL_BLOCKED_UNKNOWN && a.since == 9 * MS && a.woken_by == -1, "at: blocked since 9 ms");
	timeline_thread_at(tl, 1, 5 * MS + 500 * US, &a);
	CHECK(a.state == TL_RUNNING && a.cpu == 1 && a.since == 5 * MS && a.woken_by == 0 && a.woken_at == 3 * MS,
	      "at: first run, on cpu1; its first wakeup is its creator's");
	timeline_thread_at(tl, 1, 9 * MS, &a);
	CHECK(a.state == TL_BLOCKED_UNKNOWN && a.since == 9 * MS, "at: an instant of change is the new state");
	timeline_thread_at(tl, 1, 1 * MS, &a);
	CHECK(a.state == TL_NOT_ALIVE, "at: not alive before its creation");
	timeline_thread_at(tl, 1, 17 * MS, &a);
	CHECK(a.state == TL_NOT_ALIVE && a.since == 16 * MS, "at: not alive after its exit");
	timeline_thread_at(tl, 0, 500 * US, &a);
	CHECK(a.state == TL_RUNNABLE && a.since == 0 && a.woken_by == -1, "at: main, settled runnable from the start");
	timeline_thread_at(tl, 0, 20 * MS, &a);
	CHECK(a.state == TL_BLOCKED_UNKNOWN && a.since == 14 * MS, "at: at the end the open state holds");
	timeline_thread_at(tl, 0, 21 * MS, &a);
	CHECK(a.state == TL_NOT_ALIVE, "at: past the end nothing is known");
	timeline_free(tl);
}

/* Stepping over scheduling events. */
static void test_step(void)
{
	static const uint64_t want[] = {1 * MS, 3 * MS, 5 * MS, 7 * MS, 8 * MS, 9 * MS, 12 * MS, 14 * MS, 16 * MS};
	uint64_t t = 0, ts;
	size_t n = 0;
	bool ok = true;

	build_lifecycle();
	while (timeline_next_event(tl, t, &ts) == 0) {
		ok = ok && n < 9 && ts == want[n];
		n++;
		t = ts;
	}
	CHECK(ok && n == 9, "step: next visits every switch and wakeup once, in order");
	n = 9;
	t = 30 * MS;
	while (timeline_prev_event(tl, t, &ts) == 0) {
		ok = ok && n > 0 && ts == want[n - 1];
		n--;
		t = ts;
	}
	CHECK(ok && n == 0, "step: prev visits them backwards");
	CHECK(timeline_next_event(tl, 12 * MS + 1, &ts) == 0 && ts == 14 * MS, "step: next from between two events");
	CHECK(timeline_prev_event(tl, 12 * MS, &ts) == 0 && ts == 9 * MS, "step: prev is strictly before");
	CHECK(timeline_next_event(tl, 16 * MS, &ts) == -ENOENT && timeline_prev_event(tl, 1 * MS, &ts) == -ENOENT,
	      "step: nothing after the last, nor before the first");
	timeline_free(tl);
}

/* The log in words: creation, rename, wakeup with latency, exit, marks, lost. */
static void test_log(void)
{
	struct tl_log_entry e[8];
	size_t n;

	build_lifecycle();
	n = timeline_log_read(tl, timeline_log_index(tl, 0), e, 8);
	CHECK(n == 4 && timeline_log_count(tl) == 4, "log: four notable events");
	CHECK(n == 4 && e[0].kind == TL_LOG_NEW && e[0].ts == 2 * MS && e[0].thread == 1 && e[0].other == 0,
	      "log: the worker created by main at 2 ms");
	CHECK(n == 4 && e[1].kind == TL_LOG_RENAME && e[1].ts == 3 * MS && strcmp(e[1].text, "worker") == 0,
	      "log: renamed 'worker' at 3 ms");
	CHECK(n == 4 && e[2].kind == TL_LOG_WAKEUP && e[2].ts == 12 * MS && e[2].thread == 1 && e[2].other == 0 &&
		      e[2].latency_ns == 2 * MS && e[2].cpu == 0,
	      "log: woken by main at 12 ms, ran 2 ms later on cpu0");
	CHECK(n == 4 && e[3].kind == TL_LOG_EXIT && e[3].ts == 16 * MS && e[3].thread == 1, "log: exited at 16 ms");
	n = timeline_log_read(tl, 2, e, 8);
	CHECK(n == 2 && e[0].kind == TL_LOG_WAKEUP && e[1].kind == TL_LOG_EXIT, "log: read from an index, none past the last");
	n = timeline_log_read(tl, 1, e, 1);
	CHECK(n == 1 && e[0].kind == TL_LOG_RENAME, "log: at most max entries");
	CHECK(timeline_log_read(tl, 4, e, 8) == 0 && timeline_log_read(tl, UINT64_MAX, e, 8) == 0,
	      "log: nothing from the count on");
	CHECK(timeline_log_index(tl, 3 * MS) == 1 && timeline_log_index(tl, 12 * MS) == 2 &&
		      timeline_log_index(tl, 12 * MS + 1) == 3 && timeline_log_index(tl, 17 * MS) == 4,
	      "log: a window [t0, t1) is the entries [index(t0), index(t1)): it takes t0, leaves t1");
	timeline_free(tl);

	/* a program that names itself as its exec did: "took the name" once */
	timeline_new(&tl, 1);
	ev(0, EVENT_THREAD, 0, 21, 0, 'R', "conctop");
	ev(1 * MS, EVENT_RENAME, 0, 21, 0, 0, "semaphore");
	ev(2 * MS, EVENT_EXEC, 0, 21, 21, 0, "semaphore");
	ev(3 * MS, EVENT_RENAME, 0, 21, 0, 0, "semaphore");
	n = timeline_log_read(tl, 0, e, 8);
	CHECK(n == 1 && e[0].kind == TL_LOG_RENAME && strcmp(e[0].text, "semaphore") == 0,
	      "log: a rename, an exec and a rename to one name: 'took the name' once");
	ev(4 * MS, EVENT_RENAME, 0, 21, 0, 0, "client-1");
	CHECK(timeline_log_count(tl) == 2, "log: a new name is logged");
	timeline_free(tl);

	/* a waking of a thread not seen yet is kept for its wakeup */
	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 10, 0, 'R', "main");
	ev(1 * MS, EVENT_WAKING, 0, 10, 30, 1, NULL);
	ev(2 * MS, EVENT_WAKEUP, 1, 30, 0, 1, NULL);
	n = timeline_log_read(tl, 0, e, 8);
	CHECK(n >= 1 && e[n - 1].kind == TL_LOG_WAKEUP && e[n - 1].thread == 1 && e[n - 1].other == 0,
	      "log: the waking of a thread not known yet names its waker at its wakeup");
	ev(3 * MS, EVENT_WAKEUP, 1, 30, 0, 1, NULL); /* (awake already: not logged) */
	ev(4 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, 30, 0, NULL);
	ev(5 * MS, EVENT_SWITCH, 1, 30, EVENT_TID_OTHER, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(6 * MS, EVENT_WAKEUP, 1, 30, 0, 1, NULL);
	n = timeline_log_read(tl, 0, e, 8);
	CHECK(n >= 2 && e[n - 1].kind == TL_LOG_WAKEUP && e[n - 1].thread == 1 && e[n - 1].other == -1,
	      "log: ... once: a later wakeup with no waking has no waker");
	timeline_free(tl);

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 10, 0, 'S', "main");
	ev(1 * MS, EVENT_WAKEUP, 1, 10, 0, 1, NULL); /* no waking seen */
	ev(2 * MS, EVENT_MARK, 1, 10, 0, 7, "item produced");
	ev(3 * MS, EVENT_LOST, 1, 0, 0, 42, NULL);
	n = timeline_log_read(tl, 0, e, 8);
	CHECK(n == 3 && e[0].kind == TL_LOG_WAKEUP && e[0].other == -1 && e[0].latency_ns == 0 && e[0].cpu == -1,
	      "log: a wakeup with no waking and no run yet: waker unknown, latency 0");
	CHECK(n == 3 && e[1].kind == TL_LOG_MARK && e[1].value == 7 && strcmp(e[1].text, "item produced") == 0 &&
		      e[1].thread == 0,
	      "log: a mark with its label and value");
	CHECK(n == 3 && e[2].kind == TL_LOG_LOST && e[2].value == 42 && e[2].cpu == 1 && timeline_lost(tl) == 42,
	      "log: lost events, counted");
	ev(4 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, 10, 0, NULL);
	n = timeline_log_read(tl, timeline_log_count(tl) - 1, e, 1);
	CHECK(n == 1 && e[0].kind == TL_LOG_LOST, "log: the last entry is the newest");
	n = timeline_log_read(tl, timeline_log_index(tl, 0), e, (size_t)timeline_log_index(tl, 2 * MS));
	CHECK(n == 1 && e[0].latency_ns == 3 * MS && e[0].cpu == 1, "log: once it ran, the wakeup has its latency");
	timeline_free(tl);
}

/* Live: queries between appends are consistent, open states reach the end. */
static void test_live(void)
{
	uint64_t sum[TL_STATE_MAX];
	struct tl_cell c;
	char s[64];

	timeline_new(&tl, 1);
	ev(0, EVENT_THREAD, 0, 10, 0, 'S', "main");
	ev(1 * MS, EVENT_WAKEUP, 0, 10, 0, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 0, 0, 10, 0, NULL);
	CHECK(timeline_end(tl) == 2 * MS, "live: the end follows the events");
	timeline_set_end(tl, 3 * MS);
	timeline_thread_sum(tl, 0, 0, 10 * MS, sum);
	CHECK(sum[TL_BLOCKED_UNKNOWN] == 1 * MS && sum[TL_RUNNABLE] == 1 * MS && sum[TL_RUNNING] == 1 * MS &&
		      sum[TL_NOT_ALIVE] == 7 * MS,
	      "live: the open running state extends to the end (3 ms)");
	CHECK(timeline_thread(tl, 0)->end_ns == 3 * MS, "live: the thread's end is the timeline's end");
	lane(0, 0, MS, 6, s, NULL);
	CHECK(strcmp(s, ".-0   ") == 0, "live: columns past the end are blank");
	timeline_set_end(tl, 1 * MS);
	CHECK(timeline_end(tl) == 3 * MS, "live: the end never moves backwards");
	timeline_set_end(tl, 5 * MS);
	timeline_thread_sum(tl, 0, 0, 10 * MS, sum);
	CHECK(sum[TL_RUNNING] == 3 * MS && timeline_thread(tl, 0)->end_ns == 5 * MS, "live: set_end moves it on");
	ev(6 * MS, EVENT_SWITCH, 0, 10, 0, EVENT_STATE_UNINTERRUPTIBLE, NULL);
	timeline_set_end(tl, 8 * MS);
	lane(0, 0, MS, 9, s, NULL);
	CHECK(strcmp(s, ".-0000DD ") == 0, "live: the past is unchanged, the new part appended (D state)");
	timeline_thread_cell(tl, 0, 2 * MS, 6 * MS, &c);
	CHECK(c.state == TL_RUNNING && c.cpu == 0 && !c.mixed, "live: a cell over the earlier end is whole now");
	ev(9 * MS, EVENT_WAKEUP, 0, 10, 0, 0, NULL);
	timeline_thread_cell(tl, 0, 8 * MS, 20 * MS, &c);
	CHECK(c.wakeup, "live: a wakeup at the very end shows in the last cell");
	timeline_free(tl);
}

/* Anomalies are counted, and the missed switch-in estimated as stats does. */
static void test_anomalies(void)
{
	uint64_t sum[TL_STATE_MAX];
	struct tl_cpu_cell c;
	struct tl_at a;
	char s[64];

	timeline_new(&tl, 1);
	ev(0, EVENT_THREAD, 0, 20, 0, 'S', "a");
	ev(1 * MS, EVENT_WAKEUP, 0, 20, 0, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, NULL);
	/* missing: OTHER -> 20 */
	ev(6 * MS, EVENT_SWITCH, 0, 20, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 7 * MS);
	CHECK(timeline_anomalies(tl) == 2, "anomalies: a missed switch-in is counted (cpu mismatch, not current)");
	timeline_thread_sum(tl, 0, 0, 6 * MS, sum);
	CHECK(sum[TL_RUNNING] == 4 * MS && sum[TL_RUNNABLE] == 1 * MS && sum[TL_BLOCKED_UNKNOWN] == 1 * MS,
	      "anomalies: the thread is taken to have run since the CPU's previous switch");
	timeline_cpu_cell(tl, 0, 2 * MS, 6 * MS, &c);
	CHECK(c.kind == TL_CPU_THREAD && c.thread == 0 && !c.mixed, "anomalies: and so is the CPU");
	cpu_lane(0, 0, MS, 7, s);
	CHECK(strcmp(s, "  AAAA ") == 0, "anomalies: the CPU lane shows the estimate");
	timeline_thread_at(tl, 0, 3 * MS, &a);
	CHECK(a.state == TL_RUNNING && a.cpu == 0 && a.since == 2 * MS, "anomalies: running since 2 ms (estimated)");
	ev(5 * MS, EVENT_WAKEUP, 0, 20, 0, 0, NULL); /* earlier than the last event */
	CHECK(timeline_anomalies(tl) == 3, "anomalies: time going backwards is counted");
	timeline_thread_at(tl, 0, 6 * MS, &a);
	CHECK(a.state == TL_RUNNABLE && a.since == 6 * MS, "anomalies: an earlier event is taken at the current end");
	{
		struct event e;

		memset(&e, 0, sizeof(e));
		e.type = EVENT_SWITCH;
		e.cpu = 3;
		timeline_add(tl, &e);
		e.cpu = 0;
		e.type = 99;
		timeline_add(tl, &e);
	}
	CHECK(timeline_anomalies(tl) == 5 && timeline_events(tl) == 5, "anomalies: bad events counted, not followed");
	timeline_free(tl);
}

/* Feeds a call, return or object event of tid (op on object arg, arg2). */
static void call(uint64_t ts, unsigned type, unsigned cpu, int tid, unsigned op, int64_t arg, int64_t arg2,
		 const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = 100;
	e.op = op;
	e.arg = arg;
	e.arg2 = arg2;
	if (text)
		snprintf(e.text, sizeof(e.text), "%s", text);
	timeline_add(tl, &e);
}

/* The first log entry of kind TL_LOG_NOTE with note kind, or NULL. */
static const struct tl_log_entry *find_note(unsigned kind)
{
	static struct tl_log_entry e;
	uint64_t i;

	for (i = 0; timeline_log_read(tl, i, &e, 1) == 1; i++)
		if (e.kind == TL_LOG_NOTE && e.note.kind == kind)
			return &e;
	return NULL;
}

/* Pattern notes are facts, not words: who, which object, when, how many. */
static void test_note_facts(void)
{
	const struct tl_log_entry *e;
	char label[64] = "";
	int t;

	timeline_new(&tl, 2);
	call(0, EVENT_OBJECT, 0, 41, OP_KIND_COND, 0x6000, 0, "not_empty");
	for (t = 41; t <= 43; t++)
		call(1 * MS, EVENT_CALL, 0, t, OP_COND_WAIT, 0x6000, 0x5000, NULL);
	call(2 * MS, EVENT_CALL, 1, 44, OP_COND_BROADCAST, 0x6000, 0, NULL);
	for (t = 41; t <= 43; t++)
		call(3 * MS, EVENT_RETURN, 0, t, OP_COND_WAIT, 0, 0, NULL);
	call(4 * MS, EVENT_CALL, 0, 42, OP_COND_WAIT, 0x6000, 0x5000, NULL); /* two wait again */
	call(4 * MS, EVENT_CALL, 0, 43, OP_COND_WAIT, 0x6000, 0x5000, NULL);
	call(5 * MS, EVENT_CALL, 1, 44, OP_COND_SIGNAL, 0x6000, 0, NULL);
	e = find_note(TL_NOTE_HERD);
	if (e)
		timeline_object_label(tl, e->note.object, label, sizeof(label));
	CHECK(e && e->ts == 5 * MS && e->thread == (size_t)timeline_thread_index(tl, 44) &&
		      e->note.thread == timeline_thread_index(tl, 44) && e->note.t0 == 2 * MS && e->note.count == 3 &&
		      e->note.count2 == 2 && strcmp(label, "not_empty") == 0,
	      "notes: a herd says who broadcast, on what, when, how many woke and how many waited again");

	call(6 * MS, EVENT_CALL, 1, 44, OP_COND_SIGNAL, 0x7000, 0, NULL); /* nobody waits on 0x7000 */
	call(7 * MS, EVENT_CALL, 0, 45, OP_COND_TIMEDWAIT, 0x7000, 0x5000, NULL);
	call(9 * MS, EVENT_RETURN, 0, 45, OP_COND_TIMEDWAIT, 110, 0, NULL);
	e = find_note(TL_NOTE_LOST_WAKEUP);
	CHECK(e && e->ts == 9 * MS && e->note.thread == timeline_thread_index(tl, 45) &&
		      e->note.other == timeline_thread_index(tl, 44) && e->note.t0 == 6 * MS && e->note.t1 == 7 * MS,
	      "notes: a lost wakeup says who waited since when, and who signalled when");

	call(10 * MS, EVENT_CALL, 0, 46, OP_BARRIER_WAIT, 0x8000, 0, NULL);
	call(11 * MS, EVENT_CALL, 0, 47, OP_BARRIER_WAIT, 0x8000, 0, NULL);
	call(14 * MS, EVENT_CALL, 1, 48, OP_BARRIER_WAIT, 0x8000, 0, NULL);
	call(14 * MS, EVENT_RETURN, 1, 48, OP_BARRIER_WAIT, -1, 0, NULL);
	e = find_note(TL_NOTE_STRAGGLER);
	CHECK(e && e->note.thread == timeline_thread_index(tl, 48) && e->note.count == 2 && e->note.ns == 7 * MS,
	      "notes: a straggler says who came last, how many waited, for how long in all");
	timeline_free(tl);
}

/* Letters in order of appearance: A-Z, a-z, then '&'. */
static void test_letters(void)
{
	char name[16];
	int k;

	timeline_new(&tl, 1);
	for (k = 0; k < 60; k++) {
		snprintf(name, sizeof(name), "t%d", k);
		ev(0, EVENT_THREAD, 0, 1000 + k, 0, 'S', name);
	}
	CHECK(timeline_thread(tl, 0)->letter == 'A' && timeline_thread(tl, 25)->letter == 'Z' &&
		      timeline_thread(tl, 26)->letter == 'a' && timeline_thread(tl, 51)->letter == 'z' &&
		      timeline_thread(tl, 52)->letter == '&' && timeline_thread(tl, 59)->letter == '&',
	      "letters: A-Z, a-z, then &");
	CHECK(timeline_thread(tl, 60) == NULL, "letters: no thread past the count");
	timeline_free(tl);
}

/* ---- randomized: a generated stream whose truth is known ---- */

#define RT 64      /* threads at most */
#define RC 3       /* CPUs */

struct rec {       /* one change of a thread (state, cpu) or a CPU (occupant) */
	uint64_t ts;
	int a, b;
};

struct list {
	struct rec *r;
	size_t n, cap;
};

struct rlog {
	uint64_t ts;
	int kind, thread, other;
};

static struct {
	uint64_t rng, ts;
	int nthreads;
	int state[RT];            /* TL_* state, or -1 not created yet */
	int cpu_of[RT];
	int occ[RC];              /* -2 other, -1 idle, else thread */
	int creator[RT];
	struct list tl_[RT], cl[RC], wk[RT], times;
	struct rlog *log;
	size_t nlog, caplog;
	struct stats *st;
} R;

/* xorshift64. */
static uint64_t rnd(void)
{
	R.rng ^= R.rng << 13;
	R.rng ^= R.rng >> 7;
	R.rng ^= R.rng << 17;
	return R.rng;
}

/* Appends a record to a list. */
static void push(struct list *l, uint64_t ts, int a, int b)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
	}
	l->r[l->n].ts = ts;
	l->r[l->n].a = a;
	l->r[l->n].b = b;
	l->n++;
}

/* Appends a truth log entry. */
static void rlog(int kind, int thread, int other)
{
	if (R.nlog == R.caplog) {
		R.caplog = R.caplog ? R.caplog * 2 : 256;
		R.log = realloc(R.log, R.caplog * sizeof(*R.log));
	}
	R.log[R.nlog].ts = R.ts;
	R.log[R.nlog].kind = kind;
	R.log[R.nlog].thread = thread;
	R.log[R.nlog].other = other;
	R.nlog++;
}

/* Feeds an event to the timeline and the statistics. */
static void rev(unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, int64_t arg2, const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = R.ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = tid > 0 ? 500 : tid;
	e.tid2 = tid2;
	e.tgid2 = tid2 > 0 ? 500 : tid2;
	e.arg = arg;
	e.arg2 = arg2;
	if (text)
		snprintf(e.text, sizeof(e.text), "%s", text);
	timeline_add(tl, &e);
	stats_add(R.st, &e);
}

/* The tid of generated thread i. */
static int rtid(int i)
{
	return 500 + i;
}

/* What a switch names for an occupant (a thread, -1 idle, -2 another program). */
static int occ_tid(int occ)
{
	return occ >= 0 ? rtid(occ) : occ == -1 ? 0 : EVENT_TID_OTHER;
}

/* Thread i takes state st (on cpu) now. */
static void set_state(int i, int st, int cpu)
{
	R.state[i] = st;
	R.cpu_of[i] = cpu;
	push(&R.tl_[i], R.ts, st, st == TL_RUNNING ? cpu : -1);
}

/* Notes a scheduling event time (once per instant). */
static void note_time_r(void)
{
	if (!R.times.n || R.times.r[R.times.n - 1].ts != R.ts)
		push(&R.times, R.ts, 0, 0);
}

/* One step of the generator: a switch, a wakeup, a fork, a rename. */
static void gen_step(void)
{
	int what = (int)(rnd() % 100), i, c, n;
	uint64_t r = rnd() % 1000;

	/* time */
	if (r < 100)
		;
	else if (r < 990)
		R.ts += 1 + rnd() % 20000;
	else if (r < 999)
		R.ts += rnd() % (3 * MS);
	else
		R.ts += 4 * SEC + rnd() % (6 * SEC); /* a gap longer than 32 bits of ns */

	if (what < 55) { /* a switch on a random CPU */
		int prev, next, cands[RT], nc = 0;
		int64_t how = EVENT_STATE_PREEMPTED;

		c = (int)(rnd() % RC);
		prev = R.occ[c];
		for (i = 0; i < R.nthreads; i++)
			if (R.state[i] == TL_RUNNABLE)
				cands[nc++] = i;
		n = (int)(rnd() % 10);
		next = nc && n < 7 ? cands[rnd() % nc] : n < 9 ? -1 : -2;
		if (prev == next && prev < 0)
			return;
		if (prev >= 0) {
			unsigned k = (unsigned)(rnd() % 1000);

			if (k < 400) {
				set_state(prev, TL_RUNNABLE, -1);
			} else if (k < 800) {
				how = EVENT_STATE_INTERRUPTIBLE;
				set_state(prev, TL_BLOCKED_UNKNOWN, -1);
			} else if (k < 999) {
				how = EVENT_STATE_UNINTERRUPTIBLE;
				set_state(prev, TL_UNINTERRUPTIBLE, -1);
			} else {
				how = EVENT_STATE_DEAD;
				set_state(prev, TL_NOT_ALIVE, -1);
				rlog(TL_LOG_EXIT, prev, -1);
			}
		}
		rev(EVENT_SWITCH, (unsigned)c, occ_tid(prev), occ_tid(next), prev >= 0 ? how : 0, 0, NULL);
		R.occ[c] = next;
		push(&R.cl[c], R.ts, next, 0);
		if (next >= 0)
			set_state(next, TL_RUNNING, c);
		if (prev >= 0 || next >= 0)
			note_time_r();
	} else if (what < 85) { /* a wakeup of a blocked thread, by a running one or not */
		int cands[RT], nc = 0, waker, wcpu;

		for (i = 0; i < R.nthreads; i++)
			if (R.state[i] == TL_BLOCKED_UNKNOWN || R.state[i] == TL_UNINTERRUPTIBLE)
				cands[nc++] = i;
		if (!nc)
			return;
		i = cands[rnd() % nc];
		c = (int)(rnd() % RC);
		waker = R.occ[c] >= 0 && rnd() % 4 ? R.occ[c] : rnd() % 2 ? -1 : -2;
		wcpu = c;
		rev(EVENT_WAKING, (unsigned)wcpu, occ_tid(waker), rtid(i), c, 0, NULL);
		if (rnd() % 3 == 0)
			R.ts += rnd() % 3000;
		rev(EVENT_WAKEUP, (unsigned)c, rtid(i), 0, c, 0, NULL);
		set_state(i, TL_RUNNABLE, -1);
		push(&R.wk[i], R.ts, waker >= 0 ? waker : waker == -1 ? -3 : -2, 0);
		rlog(TL_LOG_WAKEUP, i, waker >= 0 ? waker : waker == -1 ? -3 : -2);
		note_time_r();
		if (rnd() % 10 == 0)
			rev(EVENT_MIGRATE, (unsigned)c, rtid(i), 0, c, (c + 1) % RC, NULL);
	} else if (what < 88 && R.nthreads < RT) { /* a running thread creates one (up to 12 alive) */
		int parent = -1, alive = 0;
		char name[16];

		for (i = 0; i < R.nthreads; i++)
			alive += R.state[i] != TL_NOT_ALIVE;
		if (alive >= 12)
			return;

		for (c = 0; c < RC && parent < 0; c++)
			if (R.occ[c] >= 0)
				parent = R.occ[c];
		if (parent < 0)
			return;
		i = R.nthreads++;
		snprintf(name, sizeof(name), "w%d", i);
		R.creator[i] = parent;
		rev(EVENT_FORK, (unsigned)R.cpu_of[parent], rtid(parent), rtid(i), 0, 0, name);
		rlog(TL_LOG_NEW, i, parent);
		R.ts += 1 + rnd() % 5000;
		rev(EVENT_WAKEUP_NEW, (unsigned)R.cpu_of[parent], rtid(i), 0, R.cpu_of[parent], 0, NULL);
		set_state(i, TL_RUNNABLE, -1);
		push(&R.wk[i], R.ts, parent, 0);
		note_time_r();
	} else if (what < 90) { /* a running thread renames itself, each time anew */
		static unsigned renames;
		char renamed[24];

		snprintf(renamed, sizeof(renamed), "renamed-%u", ++renames);
		for (c = 0; c < RC; c++) {
			if (R.occ[c] >= 0) {
				rev(EVENT_RENAME, (unsigned)c, rtid(R.occ[c]), 0, 0, 0, renamed);
				rlog(TL_LOG_RENAME, R.occ[c], -1);
				break;
			}
		}
	}
}

/* The truth record of a list in effect at t (the last with ts <= t), or NULL. */
static const struct rec *at_rec(const struct list *l, uint64_t t)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->r[mid].ts <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &l->r[lo - 1] : NULL;
}

/* Brute force: time in each state of thread i over [a, b) with the timeline ending at end. */
static void brute_sum(int i, uint64_t a, uint64_t b, uint64_t end, uint64_t out[TL_STATE_MAX])
{
	const struct list *l = &R.tl_[i];
	uint64_t alive = 0;
	size_t k;

	memset(out, 0, sizeof(uint64_t) * TL_STATE_MAX);
	for (k = 0; k < l->n; k++) {
		uint64_t x = l->r[k].ts, y = k + 1 < l->n ? l->r[k + 1].ts : end;

		if (y > end)
			y = end;
		if (x < a)
			x = a;
		if (y > b)
			y = b;
		if (y > x && l->r[k].a != TL_NOT_ALIVE) {
			out[l->r[k].a] += y - x;
			alive += y - x;
		}
	}
	out[TL_NOT_ALIVE] = (b - a) - alive;
}

/* A random window within [0, span), often tiny, sometimes huge. */
static void rwindow(uint64_t span, uint64_t *a, uint64_t *b)
{
	uint64_t w;

	switch (rnd() % 4) {
	case 0:
		w = 1 + rnd() % 1000;
		break;
	case 1:
		w = 1 + rnd() % (100 * US);
		break;
	case 2:
		w = 1 + rnd() % (10 * MS);
		break;
	default:
		w = 1 + rnd() % span;
		break;
	}
	*a = rnd() % span;
	*b = *a + w;
}

/* Compares sums, cells and instants of every thread over random windows
 * with the brute force; returns the number of mismatches. */
static int compare_random(int windows, uint64_t end, bool cells)
{
	uint64_t got[TL_STATE_MAX], want[TL_STATE_MAX];
	int bad = 0, q, i;

	for (q = 0; q < windows; q++) {
		uint64_t a, b;

		rwindow(end + end / 10 + 1, &a, &b);
		i = (int)(rnd() % R.nthreads);
		timeline_thread_sum(tl, (size_t)i, a, b, got);
		brute_sum(i, a, b, end, want);
		if (memcmp(got, want, sizeof(got))) {
			if (bad++ < 3)
				printf("  sum mismatch: thread %d [%llu, %llu)\n", i, (unsigned long long)a,
				       (unsigned long long)b);
			continue;
		}
		if (cells) {
			struct tl_cell c;
			unsigned s, best = TL_NOT_ALIVE;
			bool wake = false, tie = false;
			size_t k;

			for (s = 1; s < TL_STATE_MAX; s++)
				if (want[s] > 0 && (best == TL_NOT_ALIVE || want[s] > want[best]))
					best = s;
			if (best != TL_NOT_ALIVE && want[TL_NOT_ALIVE] > want[best])
				best = TL_NOT_ALIVE;
			for (s = 0; s < TL_STATE_MAX; s++)
				tie = tie || (s != best && want[s] == want[best]);
			for (k = 0; k < R.wk[i].n; k++)
				wake = wake || (R.wk[i].r[k].ts >= a && R.wk[i].r[k].ts < b && R.wk[i].r[k].ts <= end &&
						a < end);
			timeline_thread_cell(tl, (size_t)i, a, b, &c);
			if (!tie && best == TL_RUNNING) { /* the CPU it ran on most, when few changes */
				const struct list *l = &R.tl_[i];
				uint64_t on[RC] = {0}, bb = b < end ? b : end;
				int changes = 0, cpu, bc = 0;

				for (k = 0; k < l->n; k++) {
					uint64_t x = l->r[k].ts, y = k + 1 < l->n ? l->r[k + 1].ts : end;

					changes += x > a && x < bb;
					if (x < a)
						x = a;
					if (y > bb)
						y = bb;
					if (y > x && l->r[k].a == TL_RUNNING)
						on[l->r[k].b] += y - x;
				}
				for (cpu = 1; cpu < RC; cpu++)
					if (on[cpu] > on[bc])
						bc = cpu;
				for (cpu = 0; cpu < RC; cpu++)
					if (cpu != bc && on[cpu] == on[bc])
						changes = 99; /* a tie: either is right */
				if (changes <= 12 && c.cpu != bc && bad++ < 3)
					printf("  cell cpu mismatch: thread %d [%llu, %llu) cpu %d/%d\n", i,
					       (unsigned long long)a, (unsigned long long)b, c.cpu, bc);
			}
			if ((!tie && c.state != best) || c.wakeup != wake ||
			    c.mixed != (want[best] * 2 <= (b - a))) {
				if (bad++ < 3)
					printf("  cell mismatch: thread %d [%llu, %llu) state %d/%u wake %d/%d\n", i,
					       (unsigned long long)a, (unsigned long long)b, c.state, best, c.wakeup,
					       wake);
			}
		}
	}
	return bad;
}

/* Compares the state at random instants, the CPU of running cells and the
 * CPU cells of windows with few changes; returns the mismatches. */
static int compare_instants(int n, uint64_t end)
{
	int bad = 0, q;

	for (q = 0; q < n; q++) {
		int i = (int)(rnd() % R.nthreads), c = (int)(rnd() % RC);
		uint64_t t = rnd() % (end + 1), since;
		const struct rec *r = at_rec(&R.tl_[i], t), *w;
		struct tl_at a;
		struct tl_cpu_cell cc;
		size_t k;

		timeline_thread_at(tl, (size_t)i, t, &a);
		if (!r) {
			if (a.state != TL_NOT_ALIVE && bad++ < 3)
				printf("  at mismatch: thread %d at %llu: alive\n", i, (unsigned long long)t);
			continue;
		}
		k = (size_t)(r - R.tl_[i].r);
		while (k > 0 && R.tl_[i].r[k - 1].a == r->a && R.tl_[i].r[k - 1].b == r->b)
			k--;
		since = R.tl_[i].r[k].ts;
		w = at_rec(&R.wk[i], t);
		if (a.state != r->a || (r->a == TL_RUNNING && a.cpu != r->b) ||
		    (r->a != TL_NOT_ALIVE && a.since != since) ||
		    ((r->a == TL_RUNNING || r->a == TL_RUNNABLE) &&
		     (w ? a.woken_by != w->a || a.woken_at != w->ts : a.woken_by != -1))) {
			if (bad++ < 3)
				printf("  at mismatch: thread %d at %llu: state %d/%d since %llu/%llu by %lld\n", i,
				       (unsigned long long)t, a.state, r->a, (unsigned long long)a.since,
				       (unsigned long long)since, (long long)a.woken_by);
		}
		/* a CPU window with a few changes: walked exactly */
		{
			const struct list *l = &R.cl[c];
			uint64_t w0 = t, w1 = t + 1 + rnd() % (50 * US), dur[RT + 3];
			int o, bo = -3, changes = 0;
			size_t j;
			bool tie = false;

			if (w1 > end)
				continue;
			memset(dur, 0, sizeof(dur));
			for (j = 0; j < l->n; j++) {
				uint64_t x = l->r[j].ts, y = j + 1 < l->n ? l->r[j + 1].ts : end;

				if (x > w0 && x < w1)
					changes++;
				if (x < w0)
					x = w0;
				if (y > w1)
					y = w1;
				if (y > x)
					dur[l->r[j].a + 2] += y - x;
			}
			if (!l->n || l->r[0].ts > w0 || changes > 12)
				continue;
			for (o = -2; o < R.nthreads; o++)
				if (bo == -3 || dur[o + 2] > dur[bo + 2])
					bo = o;
			for (o = -2; o < R.nthreads; o++)
				tie = tie || (o != bo && dur[o + 2] == dur[bo + 2]);
			timeline_cpu_cell(tl, (unsigned)c, w0, w1, &cc);
			if (!tie && ((bo >= 0 && (cc.kind != TL_CPU_THREAD || cc.thread != (size_t)bo)) ||
				     (bo == -1 && cc.kind != TL_CPU_IDLE) || (bo == -2 && cc.kind != TL_CPU_OTHER) ||
				     cc.mixed != (dur[bo + 2] * 2 <= w1 - w0))) {
				if (bad++ < 3)
					printf("  cpu cell mismatch: cpu %d [%llu, %llu) kind %d thread %zu want %d\n", c,
					       (unsigned long long)w0, (unsigned long long)w1, cc.kind, cc.thread, bo);
			}
		}
	}
	return bad;
}

/* The randomized test: generate, compare while growing and at the end. */
static void test_random(void)
{
	int k, bad_live = 0, bad, i;
	uint64_t t, ts;
	size_t j, n;
	bool ok;
	struct tl_log_entry e[8];

	memset(&R, 0, sizeof(R));
	R.rng = 0x9e3779b97f4a7c15ull;
	timeline_new(&tl, RC);
	stats_new(&R.st, RC);
	for (i = 0; i < RT; i++)
		R.state[i] = -1;
	/* three threads exist at the start: one running on cpu0, two sleeping */
	R.nthreads = 3;
	rev(EVENT_THREAD, 0, rtid(0), 0, 'R', 0, "main");
	rev(EVENT_THREAD, 0, rtid(1), 0, 'S', 0, "s1");
	rev(EVENT_THREAD, 0, rtid(2), 0, 'D', 0, "s2");
	set_state(0, TL_RUNNING, 0);
	set_state(1, TL_BLOCKED_UNKNOWN, -1);
	set_state(2, TL_UNINTERRUPTIBLE, -1);
	R.occ[0] = 0;
	push(&R.cl[0], 0, 0, 0);
	for (k = 1; k < RC; k++) {
		R.occ[k] = -1;
		push(&R.cl[k], 0, -1, 0);
	}
	for (k = 0; k < 300000; k++) {
		gen_step();
		if (k % 20000 == 19999) { /* live: set an end a little later and compare */
			timeline_set_end(tl, R.ts + rnd() % (2 * MS));
			bad_live += compare_random(300, timeline_end(tl), true);
			bad_live += compare_instants(100, timeline_end(tl));
		}
	}
	timeline_set_end(tl, R.ts + 1 * MS);
	printf("  random: %llu events, %zu threads, %.1f s, %zu bytes (%.1f bytes/event)\n",
	       (unsigned long long)timeline_events(tl), timeline_thread_count(tl), R.ts / 1e9, timeline_memory(tl),
	       (double)timeline_memory(tl) / (double)timeline_events(tl));
	CHECK(timeline_thread_count(tl) == (size_t)R.nthreads && timeline_anomalies(tl) == 0,
	      "random: every thread known, a consistent stream has no anomalies");
	CHECK(bad_live == 0, "random: while growing, sums, cells and instants agree with the brute force");
	bad = compare_random(20000, timeline_end(tl), false);
	CHECK(bad == 0, "random: 20000 sums over random windows equal the brute force");
	bad = compare_random(20000, timeline_end(tl), true);
	CHECK(bad == 0, "random: 20000 cells (state, mixed, wakeup, CPU) agree with the brute force");
	bad = compare_instants(20000, timeline_end(tl));
	CHECK(bad == 0, "random: 20000 instants and CPU cells agree with the brute force");
	/* whole-lane sums against the statistics: one machine, two consumers */
	stats_finish(R.st, timeline_end(tl));
	ok = true;
	for (j = 0; j < timeline_thread_count(tl); j++) {
		uint64_t s[TL_STATE_MAX];
		const struct stats_thread *st = stats_thread_at(R.st, j);

		timeline_thread_sum(tl, j, 0, timeline_end(tl), s);
		ok = ok && st && s[TL_RUNNING] == st->run_ns && s[TL_RUNNABLE] == st->runnable_ns &&
		     s[TL_BLOCKED_UNKNOWN] + s[TL_UNINTERRUPTIBLE] == st->blocked_ns &&
		     timeline_thread(tl, j)->start_ns == st->start_ns;
	}
	CHECK(ok, "random: every thread's time in state equals the statistics'");
	/* stepping: a few hundred random instants against the list */
	ok = true;
	for (k = 0; k < 2000; k++) {
		size_t lo = 0, hi = R.times.n;

		t = rnd() % (R.ts + 2);
		while (lo < hi) { /* first > t */
			size_t mid = (lo + hi) / 2;

			if (R.times.r[mid].ts <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < R.times.n)
			ok = ok && timeline_next_event(tl, t, &ts) == 0 && ts == R.times.r[lo].ts;
		else
			ok = ok && timeline_next_event(tl, t, &ts) == -ENOENT;
		lo = 0;
		hi = R.times.n;
		while (lo < hi) { /* first >= t */
			size_t mid = (lo + hi) / 2;

			if (R.times.r[mid].ts < t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0)
			ok = ok && timeline_prev_event(tl, t, &ts) == 0 && ts == R.times.r[lo - 1].ts;
		else
			ok = ok && timeline_prev_event(tl, t, &ts) == -ENOENT;
	}
	CHECK(ok, "random: next/prev event agree with the list of switches and wakeups");
	/* the log: the newest 8 entries of random windows */
	ok = true;
	for (k = 0; k < 2000 && ok; k++) {
		uint64_t a, b, first, last;
		size_t lo = 0, hi;

		rwindow(R.ts + 1, &a, &b);
		while (lo < R.nlog && R.log[lo].ts < a)
			lo++;
		for (hi = lo; hi < R.nlog && R.log[hi].ts < b; hi++)
			;
		if (hi - lo > 8)
			lo = hi - 8;
		first = timeline_log_index(tl, a);
		last = timeline_log_index(tl, b);
		if (last - first > 8)
			first = last - 8;
		n = timeline_log_read(tl, first, e, (size_t)(last - first));
		ok = n == hi - lo && first == lo;
		for (j = 0; ok && j < n; j++) {
			const struct rlog *w = &R.log[lo + j];

			ok = e[j].ts == w->ts && e[j].kind == w->kind && e[j].thread == (size_t)w->thread &&
			     (w->kind == TL_LOG_EXIT || w->kind == TL_LOG_RENAME || e[j].other == w->other);
			if (ok && w->kind == TL_LOG_WAKEUP) { /* latency: to its next run */
				const struct list *l = &R.tl_[w->thread];
				size_t x;
				uint64_t lat = 0;
				int cpu = -1;

				for (x = 0; x < l->n; x++) {
					if (l->r[x].ts >= w->ts && l->r[x].a == TL_RUNNING) {
						lat = l->r[x].ts - w->ts;
						cpu = l->r[x].b;
						break;
					}
				}
				ok = e[j].latency_ns == lat && e[j].cpu == cpu;
			}
			if (!ok)
				printf("  log mismatch at %llu: kind %d/%d thread %zu/%d other %lld/%d\n",
				       (unsigned long long)w->ts, e[j].kind, w->kind, e[j].thread, w->thread,
				       (long long)e[j].other, w->other);
		}
	}
	CHECK(ok, "random: the log (kinds, threads, wakers, latencies) agrees with the generator's");
	for (i = 0; i < RT; i++) {
		free(R.tl_[i].r);
		free(R.wk[i].r);
	}
	for (i = 0; i < RC; i++)
		free(R.cl[i].r);
	free(R.times.r);
	free(R.log);
	stats_free(R.st);
	timeline_free(tl);
}

/* Runs the timeline tests. */
int main(void)
{
	test_intervals();
	test_cells();
	test_cpu_cells();
	test_exact_walk();
	test_at();
	test_step();
	test_log();
	test_live();
	test_anomalies();
	test_letters();
	test_note_facts();
	test_random();
	return check_summary();
}
