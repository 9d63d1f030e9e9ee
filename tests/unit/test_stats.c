/* Unit tests of core/stats.c: hand-built event sequences with known answers. */
#include <string.h>
#include "check.h"
#include "stats.h"

#define MS 1000000ull

static struct stats *s;

/* Feeds one event. */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tgid, int tid2, int tgid2, int64_t arg,
	       const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = tgid;
	e.tid2 = tid2;
	e.tgid2 = tgid2;
	e.arg = arg;
	if (text)
		strcpy(e.text, text);
	stats_add(s, &e);
}

/* The thread with tid, or NULL. */
static const struct stats_thread *thread(int tid)
{
	size_t i;

	for (i = 0; i < stats_thread_count(s); i++)
		if (stats_thread_at(s, i)->tid == tid)
			return stats_thread_at(s, i);
	return NULL;
}

/* A thread created, run, preempted, blocked, woken, exiting. */
static void test_lifecycle(void)
{
	const struct stats_thread *t;
	const struct stats_cpu *c0;

	stats_new(&s, 2);
	ev(0, EVENT_THREAD, 0, 10, 10, 0, 0, 'R', "main");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 0, 10, 10, 0, NULL);          /* idle -> main on cpu0 */
	ev(2 * MS, EVENT_FORK, 0, 10, 10, 11, 10, 0, "main");       /* main creates 11 */
	ev(3 * MS, EVENT_WAKEUP_NEW, 0, 11, 10, 0, 0, 1, NULL);     /* runnable at 3 */
	ev(3 * MS, EVENT_RENAME, 0, 11, 10, 0, 0, 0, "worker");
	ev(5 * MS, EVENT_SWITCH, 1, 0, 0, 11, 10, 0, NULL);          /* runs on cpu1 at 5 */
	ev(7 * MS, EVENT_SWITCH, 1, 11, 10, EVENT_TID_OTHER, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, NULL);
	ev(8 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, EVENT_TID_OTHER, 11, 10, EVENT_STATE_RUNNING, NULL);
	ev(9 * MS, EVENT_SWITCH, 1, 11, 10, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL); /* blocks */
	ev(12 * MS, EVENT_WAKING, 0, 10, 10, 11, 10, 1, NULL);
	ev(12 * MS, EVENT_WAKEUP, 0, 11, 10, 0, 0, 1, NULL);
	ev(13 * MS, EVENT_MIGRATE, 0, 11, 10, 0, 0, 1, NULL);      /* arg 1 -> arg2 0 */
	ev(14 * MS, EVENT_SWITCH, 0, 10, 10, 11, 10, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(15 * MS, EVENT_EXIT, 0, 11, 10, 0, 0, 0, "worker");
	ev(16 * MS, EVENT_SWITCH, 0, 11, 10, 0, 0, EVENT_STATE_DEAD, NULL);
	stats_finish(s, 20 * MS);

	t = thread(11);
	CHECK(t && strcmp(t->name, "worker") == 0, "stats: the new thread has its name");
	CHECK(t && t->start_ns == 3 * MS && t->end_ns == 16 * MS, "stats: lifetime from wakeup_new to last switch");
	CHECK(t && t->run_ns == (2 + 1 + 2) * MS, "stats: run time 5 ms");
	CHECK(t && t->runnable_ns == (2 + 1 + 2) * MS, "stats: runnable time 5 ms (new, preempted, woken)");
	CHECK(t && t->blocked_ns == 3 * MS, "stats: blocked time 3 ms");
	CHECK(t && t->voluntary == 1 && t->involuntary == 1, "stats: one voluntary, one involuntary (exit not counted)");
	CHECK(t && t->wakeups == 1 && t->migrations == 1 && t->exited, "stats: one wakeup, one migration, exited");
	CHECK(t && t->run_ns + t->runnable_ns + t->blocked_ns == t->end_ns - t->start_ns,
	      "stats: the states add up to the lifetime");
	t = thread(10);
	CHECK(t && t->existed && t->start_ns == 0 && t->end_ns == 20 * MS, "stats: the existing thread spans the trace");
	CHECK(t && t->runnable_ns == 1 * MS && t->run_ns == 13 * MS && t->blocked_ns == 6 * MS,
	      "stats: an existing thread's unknown start is settled by its first event");
	CHECK(t && t->wakeups_given == 1, "stats: the waker is credited");
	c0 = stats_cpu_at(s, 0);
	CHECK(c0->idle_ns == 1 * MS + 4 * MS && c0->traced_ns == 15 * MS,
	      "stats: cpu0 idle before its first switch and after the exit");
	CHECK(stats_cpu_at(s, 1)->other_ns == 1 * MS && stats_cpu_at(s, 1)->traced_ns == 3 * MS &&
		      stats_cpu_at(s, 1)->idle_ns == 5 * MS + 11 * MS,
	      "stats: cpu1 traced, other and idle time");
	CHECK(stats_anomalies(s, TL_ANOM_CPU_MISMATCH) == 0 && stats_anomalies(s, TL_ANOM_SWITCH_NOT_CURRENT) == 0,
	      "stats: a consistent stream has no anomalies");
	CHECK(stats_events(s) == 15 && stats_events_of(s, EVENT_SWITCH) == 7, "stats: event counts");
	stats_free(s);
}

/* A switch-in the kernel did not report is counted and estimated. */
static void test_missed_switch(void)
{
	const struct stats_thread *t;

	stats_new(&s, 1);
	ev(0, EVENT_THREAD, 0, 20, 20, 0, 0, 'S', "a");
	ev(1 * MS, EVENT_WAKEUP, 0, 20, 20, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 0, 0, 0, EVENT_TID_OTHER, EVENT_TID_OTHER, 0, NULL);
	/* missing: OTHER -> 20 */
	ev(6 * MS, EVENT_SWITCH, 0, 20, 20, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	stats_finish(s, 6 * MS);
	t = thread(20);
	CHECK(stats_anomalies(s, TL_ANOM_CPU_MISMATCH) == 1, "stats: a missed switch-in is counted");
	CHECK(t && t->run_ns == 4 * MS && t->runnable_ns == 1 * MS && t->blocked_ns == 1 * MS,
	      "stats: the thread is taken to have run since the CPU's previous switch");
	CHECK(stats_cpu_at(s, 0)->traced_ns == 4 * MS, "stats: and so is the CPU");
	stats_free(s);
}

/* Lost events, bad events and time going backwards are counted. */
static void test_counted(void)
{
	struct event e;

	stats_new(&s, 2);
	ev(5 * MS, EVENT_LOST, 1, 0, 0, 0, 0, 42, NULL);
	ev(4 * MS, EVENT_WAKEUP, 0, 30, 30, 0, 0, 0, NULL);
	memset(&e, 0, sizeof(e));
	e.type = EVENT_SWITCH;
	e.cpu = 7; /* beyond the 2 CPUs */
	stats_add(s, &e);
	e.cpu = 0;
	e.type = 99;
	stats_add(s, &e);
	stats_finish(s, 6 * MS);
	CHECK(stats_lost(s) == 42, "stats: lost events are summed");
	CHECK(stats_anomalies(s, TL_ANOM_TIME_BACKWARDS) == 1, "stats: time going backwards is counted");
	CHECK(stats_anomalies(s, TL_ANOM_BAD_EVENT) == 2, "stats: out-of-range events are counted, not followed");
	CHECK(stats_cpu_at(s, 0)->unknown_ns == 6 * MS, "stats: a CPU never switched is unknown, not idle");
	stats_free(s);
}

/* Every anomaly kind has its words and a key of its own; names follow
 * renames; a process is named by its leader thread. */
static void test_names(void)
{
	unsigned k, j;
	bool named = true;

	for (k = 0; k < TL_ANOM_MAX; k++) {
		named = named && strcmp(stats_anomaly_name(k), "unknown") && strcmp(stats_anomaly_key(k), "unknown");
		for (j = 0; j < k; j++)
			named = named && strcmp(stats_anomaly_key(k), stats_anomaly_key(j));
	}
	CHECK(named && !strcmp(stats_anomaly_key(TL_ANOM_CPU_MISMATCH), "missed_switch_in") &&
		      !strcmp(stats_anomaly_name(TL_ANOM_MAX), "unknown"),
	      "stats: each anomaly kind has words and a distinct key for scripts");

	stats_new(&s, 1);
	ev(0, EVENT_THREAD, 0, 70, 70, 0, 0, 'S', "server");
	ev(1 * MS, EVENT_FORK, 0, 70, 70, 71, 70, 0, "server");
	ev(2 * MS, EVENT_RENAME, 0, 71, 70, 0, 0, 0, "worker");
	ev(3 * MS, EVENT_EXEC, 0, 70, 70, 0, 0, 0, "httpd");
	CHECK(!strcmp(stats_thread_name(s, 71), "worker") && !strcmp(stats_process_name(s, 70), "httpd") &&
		      !strcmp(thread(71)->name, "worker") && stats_process_name(s, 99) == NULL,
	      "stats: names follow renames and exec; a process is named by its leader");
	stats_free(s);
}

/* Runs the statistics tests. */
int main(void)
{
	test_lifecycle();
	test_missed_switch();
	test_counted();
	test_names();
	return check_summary();
}
