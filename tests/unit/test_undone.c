/* Unit tests of core/undone.c: idle CPUs beside runnable threads, on
 * hand-built event streams whose answers are known, fed as report feeds
 * it: through the statistics' model (stats.c). */
#include <string.h>
#include "check.h"
#include "events.h"
#include "stats.h"
#include "undone.h"
#include "undone_text.h"

#define US 1000ull
#define MS 1000000ull
#define PID 100

static struct stats *st;      /* the model that feeds the analysis */
static const struct undone *u; /* the analysis */

/* A new analysis of a 2-CPU trace. */
static void start(void)
{
	stats_new(&st, 2);
	u = stats_undone(st);
}

/* Frees it. */
static void stop(void)
{
	stats_free(st);
	st = NULL;
	u = NULL;
}

/* Feeds one event of process PID. */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, int64_t arg2)
{
	struct event e = test_event(PID, ts, type, cpu, tid, tid2, 0, arg, arg2, NULL);

	stats_add(st, &e);
}

/* A new analysis: threads 101 (running on CPU 1) and 102, another
 * program on CPU 0. */
static void start_two(void)
{
	start();
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', 0);
	ev(0, EVENT_THREAD, 0, 102, 0, 'R', 0);
	ev(0, EVENT_SWITCH, 0, EVENT_TID_OTHER, 0, 0, 0);
	ev(0, EVENT_SWITCH, 1, 0, 101, 0, 0);
}

/* Two workers on CPU 1 (mask1, mask2; 0: no affinity event) take turns for
 * 500 ms from 2 ms while main sleeps and CPU 0 is idle; main's mask is
 * mask_main (0: none). The workers inherit main's when theirs is 0. When
 * late2 is set, the second worker takes that mask at 12 ms. */
static void two_on_one_late(int64_t mask_main, int64_t mask1, int64_t mask2, int64_t late2)
{
	uint64_t t;
	int run = 101;

	start();
	ev(0, EVENT_THREAD, 0, PID, 0, 'R', 0);
	if (mask_main)
		ev(0, EVENT_AFFINITY, 0, PID, 0, mask_main, 0);
	ev(0, EVENT_SWITCH, 0, 0, PID, 0, 0);
	ev(0, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, 0);
	ev(1 * MS, EVENT_FORK, 0, PID, 101, 0, 0);
	ev(1 * MS, EVENT_WAKEUP_NEW, 0, 101, 0, 1, 0);
	if (mask1)
		ev(1 * MS, EVENT_AFFINITY, 0, 101, 0, mask1, 0);
	ev(1 * MS, EVENT_FORK, 0, PID, 102, 0, 0);
	ev(1 * MS, EVENT_WAKEUP_NEW, 0, 102, 0, 1, 0);
	if (mask2)
		ev(1 * MS, EVENT_AFFINITY, 0, 102, 0, mask2, 0);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 101, 0, 0);
	ev(2 * MS, EVENT_SWITCH, 0, PID, 0, EVENT_STATE_INTERRUPTIBLE, 0); /* main joins */
	for (t = 4 * MS; t < 502 * MS; t += 4 * MS) {
		if (late2 && t == 12 * MS)
			ev(t, EVENT_AFFINITY, 1, 102, 0, late2, 0);
		ev(t, EVENT_SWITCH, 1, run, run == 101 ? 102 : 101, EVENT_STATE_PREEMPTED, 0);
		run = run == 101 ? 102 : 101;
	}
	ev(502 * MS, EVENT_SWITCH, 1, run, run == 101 ? 102 : 101, EVENT_STATE_DEAD, 0);
	ev(502 * MS, EVENT_SWITCH, 1, run == 101 ? 102 : 101, 0, EVENT_STATE_DEAD, 0);
	stats_finish(st, 503 * MS);
}

/* The same without a late mask. */
static void two_on_one(int64_t mask_main, int64_t mask1, int64_t mask2)
{
	two_on_one_late(mask_main, mask1, mask2, 0);
}

/* Pinned to CPU 1: CPU 0 idle 500 ms with both waiting, for their affinity. */
static void test_pinned(void)
{
	const struct undone_stretch *s;
	char text[64];

	two_on_one(3, 2, 2);
	CHECK(undone_count(u) == 1, "pinned: one stretch");
	s = undone_at(u, 0);
	CHECK(s && s->cpu == 0, "pinned: on CPU 0");
	CHECK(s && s->from == 2 * MS && s->to == 502 * MS, "pinned: from main's sleep to the last switch");
	CHECK(s && s->idle_ns == 500 * MS, "pinned: 500 ms idle");
	CHECK(undone_cpu_ns(u, 0) == 500 * MS && undone_cpu_ns(u, 1) == 0, "pinned: per-CPU totals");
	CHECK(undone_cpu_count(u, 0) == 1 && undone_cpu_count(u, 1) == 0, "pinned: per-CPU counts");
	CHECK(s && s->ntids == 2 && !s->more_tids, "pinned: two threads waited");
	CHECK(s && ((s->tid[0] == 101 && s->tid[1] == 102) || (s->tid[0] == 102 && s->tid[1] == 101)),
	      "pinned: they are 101 and 102");
	CHECK(s && s->waited_on == 2 && !s->waited_high, "pinned: on CPU 1's run queue");
	CHECK(s && s->why == UNDONE_WHY_AFFINITY, "pinned: because of their affinity");
	if (s)
		undone_mask_text(&s->mask, text, sizeof(text));
	CHECK(s && strcmp(text, "1") == 0, "pinned: their mask is CPU 1");
	CHECK(undone_cpu_marked(u, 0, 100 * MS, 101 * MS, 503 * MS), "pinned: CPU 0 marked inside");
	CHECK(!undone_cpu_marked(u, 0, 0, 2 * MS, 503 * MS), "pinned: not before");
	CHECK(!undone_cpu_marked(u, 0, 502 * MS, 503 * MS, 503 * MS), "pinned: not after");
	CHECK(!undone_cpu_marked(u, 1, 100 * MS, 101 * MS, 503 * MS), "pinned: CPU 1 never marked");
	stop();
}

/* The same without affinity events: idle, threads named, reason unknown;
 * with masks that allow CPU 0: not affinity; inherited from main: affinity. */
static void test_reasons(void)
{
	const struct undone_stretch *s;

	two_on_one(0, 0, 0);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s->idle_ns == 500 * MS, "no masks: the stretch is found");
	CHECK(s && s->why == UNDONE_WHY_UNKNOWN, "no masks: reason unknown");
	stop();

	two_on_one(3, 3, 3);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s->why == UNDONE_WHY_NOT_AFFINITY, "masks allow CPU 0: not affinity");
	stop();

	two_on_one(2, 0, 0);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s->why == UNDONE_WHY_AFFINITY, "masks inherited at fork: affinity");
	stop();

	two_on_one(3, 2, 3);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s->why == UNDONE_WHY_NOT_AFFINITY, "one of two allowed: not affinity");
	stop();

	two_on_one_late(3, 2, 3, 2);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s->why == UNDONE_WHY_AFFINITY,
	      "one allowed for the first 10 ms of 500, then pinned: affinity, the reason of most of the time");
	stop();

	two_on_one_late(3, 3, 2, 3);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s->why == UNDONE_WHY_NOT_AFFINITY,
	      "one pinned for 10 ms, then both allowed: not affinity");
	stop();
}

/* A thread on CPU 1 preempted by another and left waiting there for
 * `gap` at a time while CPU 0 is idle, n times, each period apart from
 * 10 ms; returns when the next would begin. */
static uint64_t gaps_open(uint64_t gap, uint64_t period, int n)
{
	uint64_t t = 10 * MS;
	int i;

	start_two();
	for (i = 0; i < n; i++, t += period) {
		ev(t, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
		ev(t + gap, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	}
	return t;
}

/* The same, and the trace ends a millisecond later. */
static void gaps(uint64_t gap, uint64_t period, int n)
{
	stats_finish(st, gaps_open(gap, period, n) + MS);
}

/* Short waits are noise; waits close together make one stretch. */
static void test_threshold(void)
{
	const struct undone_stretch *s;

	gaps(100 * US, 5 * MS, 50);
	CHECK(undone_count(u) == 0 && undone_cpu_ns(u, 0) == 0, "100 us waits 5 ms apart: no stretch");
	stop();

	gaps(300 * US, 500 * US, 30);
	CHECK(undone_count(u) == 0, "300 us waits 200 us apart, 9 ms in all: below the minimum");
	stop();

	gaps(300 * US, 500 * US, 40);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1, "300 us waits 200 us apart: one stretch");
	CHECK(s && s->idle_ns == 12 * MS, "... of their sum, 12 ms");
	CHECK(s && s->from == 10 * MS && s->to == 10 * MS + 39 * 500 * US + 300 * US, "... from the first to the last");
	CHECK(s && s->ntids == 1 && s->tid[0] == 101, "... naming the waiting thread");
	stop();

	gaps(UNDONE_MIN_NS, UNDONE_MIN_NS + 2 * MS, 3);
	CHECK(undone_count(u) == 3, "three waits of the minimum, 2 ms apart: three stretches");
	stop();

	gaps(5 * MS, 50 * MS, 3);
	CHECK(undone_count(u) == 0, "waits of 5 ms (more than the tests' traces hold) are noise");
	stop();

	/* 40 us waits 500 us apart: 8 % of the time, 8 ms in each 100 ms */
	gaps(40 * US, 500 * US, 1000);
	CHECK(undone_count(u) == 0 && undone_cpu_ns(u, 0) == 0,
	      "40 us waits 500 us apart for 500 ms (40 ms in all): no stretch, none counts within its first "
	      "100 ms (before UNDONE_SPAN_NS: one of 40 ms)");
	stop();

	/* 300 us waits 500 us apart: 60 ms in each 100 ms */
	gaps(300 * US, 500 * US, 1000);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s && s->idle_ns == 300 * MS && s->from == 10 * MS,
	      "300 us waits 500 us apart for 500 ms: one stretch of all 300 ms (it counted within its first 100 ms, "
	      "and goes on)");
	stop();

	/* 110 ms of 8 % waits, then 15 ms of a continuous one */
	gaps_open(40 * US, 500 * US, 220);
	ev(120 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
	ev(135 * MS, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	stats_finish(st, 136 * MS);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s && s->from == 110 * MS && s->idle_ns == 20 * 40 * US + 15 * MS &&
		      s->to == 135 * MS,
	      "brief waits from 10 ms, then a 15 ms one at 120 ms: the stretch of the brief waits ends uncounted "
	      "at 100 ms old; the next, from 110 ms, counts with the 15 ms wait (15.8 ms)");
	stop();
}

/* Thread 101 woken onto CPU 0's run queue `rounds` times, 100 us apart,
 * waiting 30 us each time before it runs there for 10 us and sleeps again;
 * CPU 1 is idle throughout. cpu0 says what CPU 0 does while 101 waits:
 * 0 idle (the wakeup of an idle CPU: a ping-pong across two CPUs is made
 * of such waits), 1 another program's task that 101 then preempts, 2 idle
 * at the wakeup and another program's from 10 us on. */
static void woken_rounds(int cpu0, unsigned rounds)
{
	uint64_t t = 10 * MS;

	start();
	ev(0, EVENT_THREAD, 0, 101, 0, 'S', 0);
	ev(0, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, 0);
	ev(0, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, 0);
	ev(1 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, 0); /* CPU 1 idle from here on */
	if (cpu0 != 1)
		ev(1 * MS, EVENT_SWITCH, 0, EVENT_TID_OTHER, 0, 0, 0);
	for (unsigned i = 0; i < rounds; i++, t += 100 * US) {
		ev(t, EVENT_WAKEUP, 0, 101, 0, 0, 0);
		if (cpu0 == 2)
			ev(t + 10 * US, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, 0);
		ev(t + 30 * US, EVENT_SWITCH, 0, cpu0 ? EVENT_TID_OTHER : 0, 101,
		   cpu0 ? EVENT_STATE_PREEMPTED : 0, 0);
		ev(t + 40 * US, EVENT_SWITCH, 0, 101, cpu0 == 1 ? EVENT_TID_OTHER : 0, EVENT_STATE_INTERRUPTIBLE, 0);
	}
	ev(t, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, 0);
	stats_finish(st, t + MS);
}

/* A thread queued on an idle CPU is being woken there, not waiting for a
 * CPU: another idle CPU beside it is no undone work (a pipe ping-pong
 * across two CPUs was reported as 750 ms of CPU 1 idle "while threads were
 * runnable", from 1 us waits for CPU 0 to wake). Behind another task, it
 * is. */
static void test_woken_on_idle(void)
{
	const struct undone_stretch *s;

	woken_rounds(0, 500);
	CHECK(undone_count(u) == 0 && undone_cpu_ns(u, 1) == 0,
	      "woken onto an idle CPU 500 times (15 ms of waits in all): no stretch on the other idle CPU");
	stop();

	woken_rounds(1, 500);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s && s->cpu == 1 && s->idle_ns == 15 * MS && s->ntids == 1 && s->tid[0] == 101,
	      "woken behind another program's task 500 times: CPU 1 idle 15 ms beside it, one stretch naming it");
	stop();

	woken_rounds(2, 500);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s && s->idle_ns == 10 * MS && s->ntids == 1 && s->tid[0] == 101,
	      "woken onto an idle CPU that then runs another task: counted from then (10 ms), naming the thread");
	stop();

	/* CPU 0 idle beside 101 waiting behind CPU 1's task; 102 woken onto
	 * CPU 0, which then runs another task: 102 waits on CPU 0 itself, and
	 * CPU 0's stretch (now over) does not say it waited on CPU 0 */
	start();
	ev(0, EVENT_THREAD, 0, 101, 0, 'S', 0);
	ev(0, EVENT_THREAD, 0, 102, 0, 'S', 0);
	ev(0, EVENT_SWITCH, 0, EVENT_TID_OTHER, 0, 0, 0);
	ev(0, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, 0);
	ev(1 * MS, EVENT_WAKEUP, 1, 101, 0, 1, 0);
	ev(14990 * US, EVENT_WAKEUP, 0, 102, 0, 0, 0);
	ev(15 * MS, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, 0);
	stats_finish(st, 20 * MS);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s && s->cpu == 0 && s->waited_on == 2 && s->ntids == 1 && s->tid[0] == 101,
	      "a CPU's stretch names the threads that waited on other CPUs, never one queued on itself");
	stop();

	/* three CPUs: CPU 1 idle beside 101 waiting behind CPU 0's task; 102
	 * woken onto CPU 2, idle (not named), which then runs another task:
	 * 102 waits behind it from then, and CPU 1's stretch names it too */
	stats_new(&st, 3);
	u = stats_undone(st);
	ev(0, EVENT_THREAD, 0, 101, 0, 'S', 0);
	ev(0, EVENT_THREAD, 0, 102, 0, 'S', 0);
	ev(0, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, 0);
	ev(0, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, 0);
	ev(0, EVENT_SWITCH, 2, EVENT_TID_OTHER, 0, 0, 0);
	ev(1 * MS, EVENT_WAKEUP, 0, 101, 0, 0, 0);
	ev(2 * MS, EVENT_WAKEUP, 2, 102, 0, 2, 0);
	ev(3 * MS, EVENT_SWITCH, 2, 0, EVENT_TID_OTHER, 0, 0);
	stats_finish(st, 20 * MS);
	s = undone_cpu_count(u, 1) == 1 ? undone_at(u, 0) : NULL;
	CHECK(s && s->cpu == 1 && s->ntids == 2 && s->waited_on == 5 && undone_cpu_count(u, 2) == 0,
	      "three CPUs: a thread woken onto an idle CPU is named once that CPU runs another task");
	stop();
}

/* A waiting thread migrated to the idle CPU's run queue ends the stretch;
 * another program on the CPU is not idle. */
static void test_migrate_other(void)
{
	start_two();
	ev(10 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0); /* 101 waits on CPU 1 */
	ev(25 * MS, EVENT_MIGRATE, 1, 101, 0, 1, 0);                      /* to CPU 0's queue */
	ev(25 * MS + 5 * US, EVENT_SWITCH, 0, 0, 101, 0, 0);
	ev(30 * MS, EVENT_SWITCH, 0, 101, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, 0); /* another program */
	ev(30 * MS, EVENT_MIGRATE, 0, 101, 0, 0, 1);
	stats_finish(st, 80 * MS);
	CHECK(undone_count(u) == 1, "migration: one stretch, another program's time none");
	CHECK(undone_at(u, 0) && undone_at(u, 0)->idle_ns == 15 * MS && undone_at(u, 0)->to == 25 * MS,
	      "migration: the stretch ends as the thread moves to the idle CPU");
	stop();
}

/* A reading stopped at an instant (at) knows whether the stretches begun
 * before t are final: each either can no longer grow (its CPU busy, or
 * idle alone, for the merge gap) or counts already and covers t. A counting
 * stretch in a gap does not cover the gap: a later instant within the
 * merge gap would add it (a live view's read back that stopped there left
 * the window's last column unmarked where conctop lanes marked it). */
static void test_final_before(void)
{
	uint64_t t = 10 * MS, last = 0;
	int i;

	start_two();
	CHECK(undone_final_before(u, 0, MS, false), "final: nothing open, nothing to wait for");
	for (i = 0; i < 40; i++, t += 500 * US) { /* 300 us waits 200 us apart: 12 ms of idle in all */
		ev(t, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
		ev(t + 300 * US, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, 0);
		last = t + 300 * US;
		if (i == 9)
			CHECK(!undone_final_before(u, last, last, false) &&
				      !undone_final_before(u, last + UNDONE_MERGE_NS - 1, last, false) &&
				      undone_final_before(u, last + UNDONE_MERGE_NS, last, false),
			      "final: 3 ms of idle beside a waiting thread may yet count, until the merge gap has "
			      "passed (it can no longer grow)");
	}
	/* 12 ms of idle: it counts; its CPU busy since `last` (a gap) */
	CHECK(undone_final_before(u, last + 100 * US, last, false),
	      "final: a counting stretch is final up to its last idle instant");
	CHECK(!undone_final_before(u, last + 100 * US, last + 50 * US, false),
	      "final: ... not past it within the merge gap: a later instant would add the gap to it");
	CHECK(undone_final_before(u, last + UNDONE_MERGE_NS, last + 50 * US, false),
	      "final: ... and final once the merge gap has passed");
	CHECK(undone_final_before(u, last + 100 * US, 5 * MS, false),
	      "final: a window before the stretch does not wait for it");
	ev(t, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0); /* waiting again: on */
	CHECK(undone_final_before(u, t + MS, t + MS, false) && !undone_final_before(u, t + MS, t + MS, true),
	      "final: counting and growing covers the window's end; its whole extent is not final yet");
	stop();

	start_two();
	ev(10 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
	CHECK(!undone_final_before(u, 10 * MS + UNDONE_MIN_NS - 1, 11 * MS, false) &&
		      undone_final_before(u, 10 * MS + UNDONE_MIN_NS, 11 * MS, false),
	      "final: a CPU idle beside a waiting thread, until its idle time reaches the minimum");
	CHECK(undone_final_before(u, 12 * MS, 9 * MS, false),
	      "final: a window that ends before an undecided stretch begins does not wait for it");
	stop();

	/* brief waits less than the merge gap apart that never count: final
	 * once the stretch is UNDONE_SPAN_NS old, not as long as they go on */
	start_two();
	for (t = 10 * MS; t < 10 * MS + 2 * UNDONE_SPAN_NS; t += 500 * US) {
		ev(t, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
		ev(t + 40 * US, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, 0);
		if (t == 10 * MS + UNDONE_SPAN_NS - 500 * US)
			CHECK(!undone_final_before(u, t + 40 * US, 11 * MS, false) &&
				      undone_final_before(u, 10 * MS + UNDONE_SPAN_NS, 11 * MS, false),
			      "final: brief waits beside an idle CPU for just under 100 ms: they may yet count, and "
			      "not once the stretch is 100 ms old");
		if (t == 10 * MS + UNDONE_SPAN_NS)
			CHECK(undone_final_before(u, t + 40 * US, 11 * MS, false),
			      "final: ... and at 100 ms they will not: the window before is final, though they go on");
	}
	stop();
}

/* Threads queued on an idle CPU are being woken there: they neither turn
 * another CPU on nor count for its reason, until their CPU runs something
 * else; a stretch is judged in spans of UNDONE_SPAN_NS. */
static void test_idle_queue_and_spans(void)
{
	const struct undone_stretch *s = NULL;
	uint64_t t, waits = 0;
	size_t i;

	/* three CPUs: 101 and 102 pinned to CPU 1 take turns there while CPU 0
	 * idles; 103, allowed everywhere, sits queued on CPU 2, idle */
	stats_new(&st, 3);
	u = stats_undone(st);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', 0);
	ev(0, EVENT_THREAD, 0, 102, 0, 'R', 0);
	ev(0, EVENT_THREAD, 0, 103, 0, 'S', 0);
	ev(0, EVENT_AFFINITY, 0, 101, 0, 2, 0);
	ev(0, EVENT_AFFINITY, 0, 102, 0, 2, 0);
	ev(0, EVENT_AFFINITY, 0, 103, 0, 7, 0);
	ev(0, EVENT_SWITCH, 0, EVENT_TID_OTHER, 0, 0, 0);
	ev(0, EVENT_SWITCH, 2, EVENT_TID_OTHER, 0, 0, 0);
	ev(0, EVENT_SWITCH, 1, 0, 101, 0, 0);
	ev(1 * MS, EVENT_WAKEUP, 2, 103, 0, 2, 0);
	for (t = 2 * MS; t < 102 * MS; t += 4 * MS)
		ev(t, EVENT_SWITCH, 1, (t / (4 * MS)) % 2 ? 102 : 101, (t / (4 * MS)) % 2 ? 101 : 102,
		   EVENT_STATE_PREEMPTED, 0);
	stats_finish(st, 102 * MS);
	for (i = 0; i < undone_count(u); i++)
		if (undone_at(u, i)->cpu == 0)
			s = undone_at(u, i);
	CHECK(s && s->why == UNDONE_WHY_AFFINITY && s->ntids == 2 && s->waited_on == 2,
	      "CPU 0 idle beside 101 and 102 pinned to CPU 1, 103 (allowed on CPU 0) queued on idle CPU 2: the "
	      "reason is their affinity, 103 not named (it counted as allowed: not affinity)");
	stop();

	/* 101 waits behind CPU 1's task from 10 ms; CPU 1 turns idle at 20 ms
	 * with 101 still on its queue (being woken there), runs another
	 * program's task from 30 ms, and 101 from 50 ms */
	start_two();
	ev(10 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
	ev(20 * MS, EVENT_SWITCH, 1, 102, 0, EVENT_STATE_INTERRUPTIBLE, 0);
	ev(30 * MS, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, 0);
	ev(50 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, 101, EVENT_STATE_PREEMPTED, 0);
	stats_finish(st, 51 * MS);
	CHECK(undone_count(u) == 2 && undone_at(u, 0)->from == 10 * MS && undone_at(u, 0)->to == 20 * MS &&
		      undone_at(u, 1)->from == 30 * MS && undone_at(u, 1)->to == 50 * MS,
	      "a CPU that turns idle with a thread on its queue: the thread is being woken there, CPU 0's stretch "
	      "ends (10-20 ms); once that CPU runs another task it waits again (30-50 ms)");
	stop();

	/* a 12 ms wait from 10 ms, then 40 us waits 500 us apart (8 %) to 2 s */
	start_two();
	ev(10 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
	ev(22 * MS, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	for (t = 22500 * US; t < 2000 * MS; t += 500 * US) {
		ev(t, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
		ev(t + 40 * US, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, 0);
		waits += t < 210 * MS;
	}
	CHECK(undone_final_before(u, 2000 * MS, 30 * MS, true),
	      "a stretch that counted, then thin waits: whole and final long before they end (it read on to the end)");
	stats_finish(st, 2001 * MS);
	s = undone_at(u, 0);
	CHECK(undone_count(u) == 1 && s && s->from == 10 * MS && s->to == 209540 * US &&
		      s->idle_ns == 12 * MS + waits * 40 * US,
	      "... its first 100 ms held 10 ms of idle time, the next 100 did not: it ends at its gap at 209.54 ms, "
	      "and the thin waits after it make none (before: one stretch to 2 s)");
	stop();
}

/* Masks in words; an open stretch is marked once long enough. */
static void test_text_open(void)
{
	struct undone_mask m = { { 0xf | (1ull << 6), 0 }, false };
	char text[64];

	undone_mask_text(&m, text, sizeof(text));
	CHECK(strcmp(text, "0-3,6") == 0, "mask text: ranges and singles");
	m.bits[0] = 0;
	m.bits[1] = 1;
	m.more = true;
	undone_mask_text(&m, text, sizeof(text));
	CHECK(strcmp(text, "64,128+") == 0, "mask text: high CPUs");
	m.bits[1] = 0;
	m.more = false;
	undone_mask_text(&m, text, sizeof(text));
	CHECK(strcmp(text, "none") == 0, "mask text: empty");

	start_two();
	ev(10 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, 0);
	CHECK(!undone_cpu_marked(u, 0, 10 * MS, 11 * MS, 10 * MS + UNDONE_MIN_NS - 1), "open: not marked before the minimum");
	CHECK(undone_cpu_marked(u, 0, 10 * MS, 11 * MS, 10 * MS + UNDONE_MIN_NS), "open: marked once past it");
	CHECK(undone_count(u) == 0, "open: not yet a stretch");
	stop();
}

/* Names for the sentence tests: 101 busy-1, 102 busy-2, 103-105 xz. */
static const char *name_of(void *ctx, int32_t tid)
{
	(void)ctx;
	return tid == 101 ? "busy-1" : tid == 102 ? "busy-2" : tid >= 103 && tid <= 105 ? "xz" : NULL;
}

/* A stretch of cpu for sentences. */
static struct undone_stretch stretch(unsigned cpu, uint64_t idle, uint64_t waited_on, uint8_t why, uint64_t mask)
{
	struct undone_stretch s;

	memset(&s, 0, sizeof(s));
	s.cpu = cpu;
	s.idle_ns = idle;
	s.waited_on = waited_on;
	s.why = why;
	s.mask.bits[0] = mask;
	return s;
}

/* The sentences report and log print (tui/undone_text.c). */
static void test_words(void)
{
	struct undone_stretch s = stretch(0, 500 * MS, 2, UNDONE_WHY_AFFINITY, 2);
	char text[512];

	s.tid[0] = 101, s.tid[1] = 102, s.ntids = 2;
	undone_text(&s, name_of, NULL, text, sizeof(text));
	CHECK(strcmp(text, "CPU0 idle 500.0 ms while busy-1 and busy-2 were runnable on CPU1: "
			   "their affinity is CPU1 only") == 0, "words: two pinned threads, the issue's sentence");
	s = stretch(1, 12500 * US, 1, UNDONE_WHY_NOT_AFFINITY, 3);
	s.tid[0] = 103, s.ntids = 1;
	undone_text(&s, name_of, NULL, text, sizeof(text));
	CHECK(strcmp(text, "CPU1 idle 12.5 ms while xz was runnable on CPU0: its affinity allows CPU1") == 0,
	      "words: one thread allowed on the idle CPU");
	s = stretch(0, 12 * 1000 * MS, 2, UNDONE_WHY_AFFINITY, 2);
	s.tid[0] = 103, s.tid[1] = 104, s.tid[2] = 105, s.ntids = 3;
	undone_text(&s, name_of, NULL, text, sizeof(text));
	CHECK(strcmp(text, "CPU0 idle 12000.0 ms while xz threads were runnable on CPU1: their affinity is CPU1 only") == 0,
	      "words: threads of one name are 'xz threads'");
	s = stretch(1, 20 * MS, 0xc, UNDONE_WHY_UNKNOWN, 0);
	s.tid[0] = 7, s.tid[1] = 101, s.ntids = 2, s.more_tids = true;
	undone_text(&s, name_of, NULL, text, sizeof(text));
	CHECK(strcmp(text, "CPU1 idle 20.0 ms while thread 7, busy-1 and others were runnable on CPUs 2-3") == 0,
	      "words: an unnamed thread by tid, more threads, several CPUs, no reason when unknown");
	s = stretch(0, 20 * MS, 2, UNDONE_WHY_AFFINITY, 0x6);
	s.tid[0] = 101, s.ntids = 1;
	undone_text(&s, name_of, NULL, text, sizeof(text));
	CHECK(strcmp(text, "CPU0 idle 20.0 ms while busy-1 was runnable on CPU1: its affinity is CPUs 1-2 only") == 0,
	      "words: a mask of several CPUs");
	undone_text(&s, name_of, NULL, text, 16);
	CHECK(strlen(text) == 15, "words: cut to the buffer");
}

/* Runs the tests. */
int main(void)
{
	test_pinned();
	test_reasons();
	test_threshold();
	test_migrate_other();
	test_woken_on_idle();
	test_idle_queue_and_spans();
	test_text_open();
	test_final_before();
	test_words();
	return check_summary();
}
