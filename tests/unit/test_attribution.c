/* Unit tests of attribution through the model: blocked states refined by
 * what threads wait on, in the timeline (lanes, inspect, log) and in the
 * statistics (blocked_by, spinning). */
#include <string.h>
#include "check.h"
#include "critpath.h"
#include "events.h"
#include "render.h"
#include "spans.h"
#include "stats.h"
#include "timeline.h"
#include "utf8.h"

#define MS 1000000ull

static struct timeline *tl;
static struct timeline *copy; /* when set, pev feeds it too (timeline_clone's copy) */
static struct stats *st;
static struct spans *feed; /* when set, ev feeds it too (the waits' history) */

/* Feeds one event to both consumers. */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, unsigned op, uint64_t arg,
	       uint64_t arg2, int64_t state_arg, const char *text)
{
	struct event e = test_event(10, ts, type, cpu, tid, tid2, op, type == EVENT_SWITCH ? state_arg : (int64_t)arg,
				      (int64_t)arg2, text);

	timeline_add(tl, &e);
	stats_add(st, &e);
	if (feed)
		spans_add(feed, &e);
}

/* A fresh timeline and statistics whose trace begins: A 11, B 12, C 13;
 * A runs on CPU0 and B on CPU1 from 1 ms. */
static void abc_start(void)
{
	timeline_new(&tl, 2);
	stats_new(&st, 2);
	ev(0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, 0, "A");
	ev(0, EVENT_THREAD, 0, 12, 0, 0, 'R', 0, 0, "B");
	ev(0, EVENT_THREAD, 0, 13, 0, 0, 'R', 0, 0, "C");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, 0, NULL);
}

/* Thread 11 holds count_lock; 12 blocks on it, then on a cond; 13 sleeps. */
static void test_blocked_kinds(void)
{
	struct tl_cell cell;
	struct tl_at at;
	struct tl_log_entry log[16];
	const struct stats_blocked *by;
	char label[64];
	size_t n, i, nby;
	int found = 0;

	abc_start();
	ev(2 * MS, EVENT_OBJECT, 0, 11, 0, OP_KIND_MUTEX, 0x5000, 0, 0, "count_lock");
	ev(2 * MS, EVENT_CALL, 0, 11, 0, OP_MUTEX_LOCK, 0x5000, 0, 0, NULL);
	ev(2 * MS, EVENT_RETURN, 0, 11, 0, OP_MUTEX_LOCK, 0, 0, 0, NULL);
	ev(3 * MS, EVENT_CALL, 1, 12, 0, OP_MUTEX_LOCK, 0x5000, 0, 0, NULL);
	ev(3 * MS, EVENT_SYSCALL, 1, 12, 0, OP_SYS_FUTEX, 0x5000, 0, 0, NULL);
	ev(3 * MS, EVENT_SWITCH, 1, 12, 13, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(4 * MS, EVENT_SYSCALL, 1, 13, 0, OP_SYS_SLEEP, 0, 0, 0, NULL);
	ev(4 * MS, EVENT_SWITCH, 1, 13, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(6 * MS, EVENT_CALL, 0, 11, 0, OP_MUTEX_UNLOCK, 0x5000, 0, 0, NULL);
	ev(6 * MS, EVENT_WAKING, 0, 11, 12, 0, 1, 0, 0, NULL);
	ev(6 * MS, EVENT_WAKEUP, 1, 12, 0, 0, 1, 0, 0, NULL);
	ev(6 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, 0, NULL);
	ev(6 * MS, EVENT_SYSRET, 1, 12, 0, OP_SYS_FUTEX, 0, 0, 0, NULL);
	ev(6 * MS, EVENT_RETURN, 1, 12, 0, OP_MUTEX_LOCK, 0, 0, 0, NULL);
	ev(7 * MS, EVENT_OBJECT, 1, 12, 0, OP_KIND_COND, 0x6000, 0, 0, "not_empty");
	ev(7 * MS, EVENT_CALL, 1, 12, 0, OP_COND_WAIT, 0x6000, 0x5000, 0, NULL);
	ev(7 * MS, EVENT_SWITCH, 1, 12, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 10 * MS);
	stats_finish(st, 10 * MS);

	timeline_thread_cell(tl, 1, 3 * MS, 6 * MS, &cell);
	CHECK(cell.state == TL_BLOCKED_MUTEX, "attribution: blocked in mutex_lock is a mutex state in the lane");
	timeline_thread_cell(tl, 1, 7 * MS, 10 * MS, &cell);
	CHECK(cell.state == TL_BLOCKED_COND, "attribution: blocked in cond_wait is a cond state");
	timeline_thread_cell(tl, 2, 5 * MS, 10 * MS, &cell);
	CHECK(cell.state == TL_SLEEPING, "attribution: blocked in nanosleep is sleeping");
	timeline_thread_at(tl, 1, 4 * MS, &at);
	timeline_object_label(tl, at.object, label, sizeof(label));
	CHECK(at.state == TL_BLOCKED_MUTEX && strcmp(label, "count_lock") == 0 && at.holder == 0 && at.since == 3 * MS,
	      "attribution: inspect says blocked on count_lock, held by thread A, since 3 ms");
	n = timeline_log_read(tl, 0, log, 16);
	for (i = 0; i < n; i++)
		if (log[i].kind == TL_LOG_BLOCK && log[i].thread == 1 && log[i].ts == 3 * MS &&
		    strcmp(log[i].text, "count_lock") == 0 && log[i].other == 0)
			found = 1;
	CHECK(found, "attribution: the log says B blocked on count_lock held by A");

	nby = stats_blocked_by(st, 1, &by);
	CHECK(nby == 2 && by[0].kind == WAIT_MUTEX && by[0].ns == 3 * MS && by[1].kind == WAIT_COND &&
		      by[1].ns == 3 * MS,
	      "attribution: B's blocked time by cause: mutex 3 ms, cond 3 ms");
	stats_object_label(st, by[0].object, label, sizeof(label));
	CHECK(strcmp(label, "count_lock") == 0, "attribution: the statistics name the mutex");
	nby = stats_blocked_by(st, 2, &by);
	CHECK(nby == 1 && by[0].kind == WAIT_SLEEP && by[0].ns == 6 * MS, "attribution: C slept 6 ms");
	timeline_free(tl);
	stats_free(st);
}

/* The log line of the BLOCK entry of thread at ts, in words ("" none). */
static void block_line(size_t thread, uint64_t ts, char *words, size_t len)
{
	struct tl_log_entry log[32];
	size_t n = timeline_log_read(tl, 0, log, 32);

	words[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (log[i].kind == TL_LOG_BLOCK && log[i].thread == thread && log[i].ts == ts)
			render_log_words(tl, &log[i], true, words, len);
}

/* A blocks inside pthread_cond_signal (glibc's signaller waits for older
 * waiters to leave) while B waits on the cond: the same lane state, but
 * inspect, the log and the path tell the signaller from the waiter. */
static void test_signalling(void)
{
	struct tl_at at;
	struct spans *s = NULL;
	struct critpath *c = NULL;
	char words[256];
	bool found = false;

	timeline_new(&tl, 2);
	stats_new(&st, 2);
	spans_new(&feed, 2, SPANS_ALL);
	ev(0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, 0, "A");
	ev(0, EVENT_THREAD, 0, 12, 0, 0, 'R', 0, 0, "B");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_OBJECT, 1, 12, 0, OP_KIND_COND, 0x6000, 0, 0, "not_empty");
	ev(2 * MS, EVENT_CALL, 1, 12, 0, OP_COND_WAIT, 0x6000, 0x5000, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 1, 12, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(3 * MS, EVENT_CALL, 0, 11, 0, OP_COND_SIGNAL, 0x6000, 0, 0, NULL);
	ev(3 * MS, EVENT_WAKING, 0, 11, 12, 0, 1, 0, 0, NULL);
	ev(3 * MS, EVENT_WAKEUP, 1, 12, 0, 0, 1, 0, 0, NULL);
	ev(3 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, 0, NULL);
	ev(3 * MS, EVENT_SWITCH, 0, 11, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(4 * MS, EVENT_WAKING, 1, 12, 11, 0, 0, 0, 0, NULL);
	ev(4 * MS, EVENT_WAKEUP, 0, 11, 0, 0, 0, 0, 0, NULL);
	ev(4 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, 0, NULL);
	ev(4 * MS, EVENT_RETURN, 0, 11, 0, OP_COND_SIGNAL, 0, 0, 0, NULL);
	timeline_set_end(tl, 6 * MS);
	stats_finish(st, 6 * MS);
	s = feed;
	feed = NULL;
	if (s)
		spans_finish(s, 6 * MS);

	timeline_thread_at(tl, 0, 3500000, &at);
	CHECK(at.state == TL_BLOCKED_COND && at.signalling, "signalling: A blocked inside cond_signal is a cond state, "
	      "signalling");
	timeline_thread_at(tl, 1, 2500000, &at);
	CHECK(at.state == TL_BLOCKED_COND && !at.signalling, "signalling: B in cond_wait waits on the cond");
	block_line(0, 3 * MS, words, sizeof(words));
	CHECK(strstr(words, "A blocks inside its signal of cond not_empty") != NULL,
	      "signalling: the log says A blocks inside its signal (it said: A waits on cond not_empty)");
	block_line(1, 2 * MS, words, sizeof(words));
	CHECK(strstr(words, "B waits on cond not_empty") != NULL, "signalling: ... and B waits on the cond");
	if (s && critpath_new(&c, s, 0, 0, 0, 0) == 0)
		for (size_t i = 1; i < critpath_count(c); i++)
			found |= critpath_node(c, i)->signalling && critpath_node(c, i)->thread == 1 &&
				 critpath_node(c, i)->charged_ns == 1 * MS;
	CHECK(found, "signalling: A's path: 1 ms blocked signalling, ended by B");
	critpath_free(c);
	spans_free(s);
	timeline_free(tl);
	stats_free(st);
}

/* The log names a futex word the program names (a Rust Mutex: a trial
 * found no line for any of its waits), not an anonymous one, and the
 * writer holding an rwlock a reader waits for. */
static void test_log_futex_rwlock(void)
{
	char words[256];

	abc_start();
	ev(2 * MS, EVENT_OBJECT, 1, 12, 0, OP_KIND_FUTEX, 0x7000, 0, 0, "rmutex::COUNTER");
	ev(2 * MS, EVENT_BLOCK, 1, 12, 0, OP_SYS_FUTEX, 0x7000, 0x7000, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 1, 12, 13, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(3 * MS, EVENT_BLOCK, 1, 13, 0, OP_SYS_FUTEX, 0x7100, 0x7100, 0, NULL);
	ev(3 * MS, EVENT_SWITCH, 1, 13, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(4 * MS, EVENT_OBJECT, 0, 11, 0, OP_KIND_RWLOCK, 0x8000, 0, 0, "table_rw");
	ev(4 * MS, EVENT_BLOCK, 0, 11, 12, OP_RWLOCK_RDLOCK, 0x8000, 0x800c, 0, NULL);
	ev(4 * MS, EVENT_SWITCH, 0, 11, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 6 * MS);
	stats_finish(st, 6 * MS);
	block_line(1, 2 * MS, words, sizeof(words));
	CHECK(strstr(words, "B waits on futex rmutex::COUNTER") != NULL, "log: a wait on a futex the program names");
	block_line(2, 3 * MS, words, sizeof(words));
	CHECK(!words[0], "log: none for an anonymous futex");
	block_line(0, 4 * MS, words, sizeof(words));
	CHECK(strstr(words, "A waits for rwlock table_rw, held by B") != NULL,
	      "log: a reader's wait for an rwlock a writer holds names the writer");
	timeline_free(tl);
	stats_free(st);
}

/* A spinning thread is running, and counted apart. */
static void test_spinning(void)
{
	struct tl_cell cell;

	timeline_new(&tl, 1);
	stats_new(&st, 1);
	ev(0, EVENT_THREAD, 0, 21, 0, 0, 'R', 0, 0, "S");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 21, 0, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_CALL, 0, 21, 0, OP_SPIN_LOCK, 0x7000, 0, 0, NULL);
	ev(5 * MS, EVENT_RETURN, 0, 21, 0, OP_SPIN_LOCK, 0, 0, 0, NULL);
	timeline_set_end(tl, 6 * MS);
	stats_finish(st, 6 * MS);
	timeline_thread_cell(tl, 0, 2 * MS, 5 * MS, &cell);
	CHECK(cell.state == TL_SPINNING, "attribution: inside pthread_spin_lock a running thread is spinning");
	CHECK(stats_thread_at(st, 0)->spinning_ns == 3 * MS && stats_thread_at(st, 0)->run_ns == 5 * MS,
	      "attribution: spinning counts 3 ms, within the 5 ms run");
	timeline_free(tl);
	stats_free(st);
}

/* Two threads (--calls) take one mutex each at 1 ms, then each the
 * other's with op, at 2 and 3 ms: a deadlock when op is a wait-for edge. */
static void opposite_locks(unsigned op)
{
	timeline_new(&tl, 2);
	stats_new(&st, 2);
	ev(0, EVENT_THREAD, 0, 31, 0, 0, 'R', 0, 0, "P1");
	ev(0, EVENT_THREAD, 0, 32, 0, 0, 'R', 0, 0, "P2");
	ev(1 * MS, EVENT_CALL, 0, 31, 0, OP_MUTEX_LOCK, 0x100, 0, 0, NULL);
	ev(1 * MS, EVENT_RETURN, 0, 31, 0, OP_MUTEX_LOCK, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_CALL, 1, 32, 0, OP_MUTEX_LOCK, 0x200, 0, 0, NULL);
	ev(1 * MS, EVENT_RETURN, 1, 32, 0, OP_MUTEX_LOCK, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_CALL, 0, 31, 0, op, 0x200, 0, 0, NULL);
	ev(3 * MS, EVENT_CALL, 1, 32, 0, op, 0x100, 0, 0, NULL);
	timeline_set_end(tl, 4 * MS);
}

/* A deadlock is logged when the cycle closes. */
static void test_deadlock_log(void)
{
	struct tl_log_entry log[16];
	size_t n, i;
	int found = 0;

	opposite_locks(OP_MUTEX_LOCK);
	n = timeline_log_read(tl, 0, log, 16);
	for (i = 0; i < n; i++)
		if (log[i].kind == TL_LOG_DEADLOCK && log[i].ts == 3 * MS && log[i].value == 0)
			found = 1;
	CHECK(found && timeline_deadlock_count(tl) == 1 && timeline_deadlock(tl, 0)->n == 2,
	      "attribution: the deadlock is in the log at the moment it formed");
	for (i = 0; i < n; i++) {
		char words[256], fit[256];

		if (log[i].kind != TL_LOG_DEADLOCK)
			continue;
		render_log_words(tl, &log[i], false, words, sizeof(words));
		render_log_words_fit(tl, &log[i], false, 44, fit, sizeof(fit));
		CHECK(utf8_width(words) > 44 && !strcmp(fit, "DEADLOCK: P2 \u2500mutex@100\u2192 P1 \u2500mutex@200\u2192 P2"),
		      "attribution: a deadlock's cycle too long for the panel in words takes the names with arrows");
		render_log_words_fit(tl, &log[i], false, 40, fit, sizeof(fit));
		CHECK(!strcmp(fit, "DEADLOCK: B \u2500mutex@100\u2192 A \u2500mutex@200\u2192 B"),
		      "attribution: narrower, the letters");
		render_log_words_fit(tl, &log[i], false, 200, fit, sizeof(fit));
		CHECK(!strcmp(fit, words), "attribution: one that fits is said in words");
	}
	timeline_free(tl);
	stats_free(st);
}

/* A signal that ends the process by its default action is in the log
 * (a crash's SIGSEGV was recorded but shown nowhere); one a handler takes,
 * one ignored, or one whose default does not end the process is not. */
static void test_fatal_signal_log(void)
{
	struct tl_log_entry log[16];
	char words[256];
	size_t n, i;
	int said = 0, others = 0;

	timeline_new(&tl, 1);
	stats_new(&st, 1);
	ev(0, EVENT_THREAD, 0, 61, 0, 0, 'R', 0, 0, "crash");
	ev(1 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 10 /* SIGUSR1 */, 1 /* handler */, 0, NULL);
	ev(2 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 17 /* SIGCHLD */, 0, 0, NULL);
	ev(3 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 15 /* SIGTERM */, 2 /* ignored */, 0, NULL);
	ev(4 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 11 /* SIGSEGV */, 0 /* default */, 0, NULL);
	timeline_set_end(tl, 5 * MS);
	n = timeline_log_read(tl, 0, log, 16);
	for (i = 0; i < n; i++) {
		render_log_words(tl, &log[i], false, words, sizeof(words));
		if (log[i].ts == 4 * MS && !strcmp(words, "A crash took SIGSEGV: its default action ends the process (with "
							  "a core dump)"))
			said++;
		else if (strstr(words, "SIG"))
			others++;
	}
	CHECK(said == 1 && others == 0,
	      "attribution: a fatal SIGSEGV is in the log; a handled, an ignored and a SIGCHLD are not");
	timeline_free(tl);
	stats_free(st);
}

/* The log of a run stopped by SIGTERM (conctop's -d, a kill): the kernel
 * delivers a signal whose default ends the process without a core dump as
 * SIGKILL to each thread, so every thread "took SIGKILL" though no one sent
 * one. The log names the signal sent; a SIGKILL sent says SIGKILL; one
 * nobody sent (after a handler took the SIGTERM, or long after it: the
 * kernel's to the other threads of a process that exits) says that the
 * thread ended with its process. */
static void test_group_fatal_signal_log(void)
{
	struct tl_log_entry log[16];
	char words[256];
	size_t n, i;
	int term = 0, hup = 0, kill = 0, group = 0, others = 0;

	timeline_new(&tl, 1);
	stats_new(&st, 1);
	ev(0, EVENT_THREAD, 0, 61, 0, 0, 'R', 0, 0, "server");
	ev(0, EVENT_THREAD, 0, 62, 0, 0, 'R', 0, 0, "worker");
	ev(1 * MS, EVENT_SIGNAL, 0, -1, 61, 0, 15 /* SIGTERM */, 0, 0, NULL);
	ev(2 * MS, EVENT_SIGNAL_DELIVER, 0, 62, 0, 0, 9 /* SIGKILL */, 0, 0, NULL);
	ev(2 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 9, 0, 0, NULL);
	/* the same process again: a handler takes SIGTERM, then a SIGKILL sent */
	ev(3 * MS, EVENT_SIGNAL, 0, -1, 61, 0, 15, 0, 0, NULL);
	ev(3 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 15, 1 /* handler */, 0, NULL);
	ev(4 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 9, 0, 0, NULL);
	ev(5 * MS, EVENT_SIGNAL, 0, -1, 62, 0, 15, 0, 0, NULL);
	ev(5 * MS, EVENT_SIGNAL, 0, -1, 62, 0, 9, 0, 0, NULL);
	ev(6 * MS, EVENT_SIGNAL_DELIVER, 0, 62, 0, 0, 9, 0, 0, NULL);
	/* SIGHUP (signal 1, no core dump) the same way; a SIGKILL 2 s after a
	 * SIGTERM (read by sigwait: no delivery seen) is not its conversion */
	ev(7 * MS, EVENT_SIGNAL, 0, -1, 61, 0, 1 /* SIGHUP */, 0, 0, NULL);
	ev(8 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 9, 0, 0, NULL);
	ev(9 * MS, EVENT_SIGNAL, 0, -1, 62, 0, 15, 0, 0, NULL);
	ev(2009 * MS, EVENT_SIGNAL_DELIVER, 0, 62, 0, 0, 9, 0, 0, NULL);
	/* a SIGKILL sent, taken 2 s later (the thread was stuck in the kernel) */
	ev(2010 * MS, EVENT_SIGNAL, 0, -1, 61, 0, 9, 0, 0, NULL);
	ev(4010 * MS, EVENT_SIGNAL_DELIVER, 0, 61, 0, 0, 9, 0, 0, NULL);
	timeline_set_end(tl, 4020 * MS);
	n = timeline_log_read(tl, 0, log, 16);
	for (i = 0; i < n; i++) {
		render_log_words(tl, &log[i], false, words, sizeof(words));
		if (log[i].ts == 2 * MS && strstr(words, " took SIGTERM (delivered as SIGKILL): its default action ends "
						      "the process"))
			term++;
		else if (log[i].ts == 8 * MS && !strcmp(words, "A server took SIGHUP (delivered as SIGKILL): its "
							     "default action ends the process"))
			hup++;
		else if ((log[i].ts == 6 * MS || log[i].ts == 4010 * MS) &&
			 strstr(words, " took SIGKILL: its default action ends the process") &&
			 !strstr(words, "core dump"))
			kill++;
		else if ((log[i].ts == 4 * MS || log[i].ts == 2009 * MS) &&
			 strstr(words, " ended with its process (another thread's exit, crash or exec)"))
			group++;
		else if (strstr(words, "SIG"))
			others++;
	}
	CHECK(term == 2 && hup == 1 && kill == 2 && group == 2 && others == 0,
	      "attribution: a SIGTERM or SIGHUP the kernel delivers as SIGKILL is logged as such for each thread; "
	      "a SIGKILL sent as SIGKILL (also taken 2 s later); one nobody sent (after a handler took the SIGTERM, "
	      "or a second after it) as the end of its process (it said: took SIGKILL)");
	if (term != 2 || hup != 1 || kill != 2 || group != 2 || others)
		printf("  (%d SIGTERM, %d SIGHUP, %d SIGKILL, %d group, %d other lines)\n", term, hup, kill, group,
		       others);
	timeline_free(tl);
	stats_free(st);
}

/* With --calls, timed locks in opposite order close a cycle too (they
 * were no wait-for edge: the same program deadlocked in the default mode
 * and never with --calls). */
static void test_timedlock_deadlock(void)
{
	opposite_locks(OP_MUTEX_TIMEDLOCK);
	CHECK(timeline_deadlock_count(tl) == 1 && timeline_deadlock(tl, 0)->n == 2 &&
		      timeline_deadlock(tl, 0)->at_ns == 3 * MS,
	      "attribution: timed locks taken in opposite order close a deadlock (--calls)");
	timeline_free(tl);
	stats_free(st);
}

/* A join closes a cycle with a mutex: main holds config_lock and joins
 * loader, which waits for config_lock. The log says the join (it logged
 * no block without an object) and the deadlock names the join's edge
 * (it printed "waits for ? held by loader"). */
static void test_join_deadlock(void)
{
	struct tl_log_entry log[32];
	char words[512];
	size_t n, i;
	bool join_said = false, cycle_said = false;

	timeline_new(&tl, 2);
	stats_new(&st, 2);
	ev(0, EVENT_THREAD, 0, 41, 0, 0, 'R', 0, 0, "main");
	ev(0, EVENT_THREAD, 1, 42, 0, 0, 'R', 0, 0, "loader");
	ev(0, EVENT_OBJECT, 0, 41, 0, OP_KIND_MUTEX, 0x300, 0, 0, "config_lock");
	ev(1 * MS, EVENT_BLOCK, 1, 42, 41, OP_MUTEX_LOCK, 0x300, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 42, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(2 * MS, EVENT_BLOCK, 0, 41, 42, OP_JOIN, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 0, 41, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 3 * MS);
	n = timeline_log_read(tl, 0, log, 32);
	for (i = 0; i < n; i++) {
		render_log_words(tl, &log[i], false, words, sizeof(words));
		if (log[i].kind == TL_LOG_BLOCK && strstr(words, "main waits to join B loader"))
			join_said = true;
		if (log[i].kind == TL_LOG_DEADLOCK && strstr(words, "loader waits for config_lock held by main") &&
		    strstr(words, "main waits to join loader") && !strchr(words, '?'))
			cycle_said = true;
	}
	CHECK(join_said, "attribution: the log says main waits to join loader");
	CHECK(cycle_said && timeline_deadlock_count(tl) == 1,
	      "attribution: the deadlock's join edge reads 'main waits to join loader', no '?'");
	timeline_free(tl);
	stats_free(st);
}

/* The words of the entry of kind TL_LOG_NOTE among the log's last 64 that
 * contain want, or NULL. */
static const char *find_note(const char *want)
{
	static struct tl_log_entry log[64];
	static char words[512];
	uint64_t count = timeline_log_count(tl);
	size_t n = timeline_log_read(tl, count > 64 ? count - 64 : 0, log, 64), i;

	for (i = 0; i < n; i++) {
		if (log[i].kind != TL_LOG_NOTE)
			continue;
		render_log_words(tl, &log[i], false, words, sizeof(words));
		if (strstr(words, want))
			return words;
	}
	return NULL;
}

/* Pattern notes: a thundering herd, a lost wakeup, a barrier's straggler. */
static void test_notes(void)
{
	const char *note;
	int t;

	timeline_new(&tl, 2);
	stats_new(&st, 2);
	ev(0, EVENT_OBJECT, 0, 41, 0, OP_KIND_COND, 0x6000, 0, 0, "not_empty");
	for (t = 41; t <= 43; t++)
		ev(1 * MS, EVENT_CALL, 0, t, 0, OP_COND_WAIT, 0x6000, 0x5000, 0, NULL);
	ev(2 * MS, EVENT_CALL, 1, 44, 0, OP_COND_BROADCAST, 0x6000, 0, 0, NULL);
	for (t = 41; t <= 43; t++)
		ev(3 * MS, EVENT_RETURN, 0, t, 0, OP_COND_WAIT, 0, 0, 0, NULL);
	ev(4 * MS, EVENT_CALL, 0, 42, 0, OP_COND_WAIT, 0x6000, 0x5000, 0, NULL); /* back to waiting */
	ev(4 * MS, EVENT_CALL, 0, 43, 0, OP_COND_WAIT, 0x6000, 0x5000, 0, NULL);
	ev(5 * MS, EVENT_CALL, 1, 44, 0, OP_COND_SIGNAL, 0x6000, 0, 0, NULL);
	note = find_note("thundering herd");
	CHECK(note && strstr(note, "on not_empty woke 3; 1 went on, 2 went back to waiting"),
	      "notes: a broadcast that woke 3, 2 of which waited again, is a thundering herd");

	ev(6 * MS, EVENT_OBJECT, 0, 45, 0, OP_KIND_COND, 0x7000, 0, 0, "ready");
	ev(6 * MS, EVENT_CALL, 1, 44, 0, OP_COND_SIGNAL, 0x7000, 0, 0, NULL); /* nobody waits */
	ev(7 * MS, EVENT_CALL, 0, 45, 0, OP_COND_TIMEDWAIT, 0x7000, 0x5000, 0, NULL);
	ev(9 * MS, EVENT_RETURN, 0, 45, 0, OP_COND_TIMEDWAIT, 110, 0, 0, NULL);
	note = find_note("lost wakeup");
	CHECK(note && strstr(note, "signalled ready at 0.006000 s with nobody waiting") &&
		      strstr(note, "waited on it from 0.007000 s and was never woken"),
	      "notes: a signal nobody heard, then a wait that times out, is a lost wakeup");

	ev(10 * MS, EVENT_OBJECT, 0, 46, 0, OP_KIND_BARRIER, 0x8000, 0, 0, "phase_barrier");
	ev(10 * MS, EVENT_CALL, 0, 46, 0, OP_BARRIER_WAIT, 0x8000, 0, 0, NULL);
	ev(11 * MS, EVENT_CALL, 0, 47, 0, OP_BARRIER_WAIT, 0x8000, 0, 0, NULL);
	ev(14 * MS, EVENT_CALL, 1, 48, 0, OP_BARRIER_WAIT, 0x8000, 0, 0, NULL);
	ev(14 * MS, EVENT_RETURN, 1, 48, 0, OP_BARRIER_WAIT, -1, 0, 0, NULL);
	ev(15 * MS, EVENT_RETURN, 0, 46, 0, OP_BARRIER_WAIT, 0, 0, 0, NULL);
	ev(15 * MS, EVENT_RETURN, 0, 47, 0, OP_BARRIER_WAIT, 0, 0, 0, NULL);
	note = find_note("straggler");
	CHECK(note && strstr(note, "arrived last at phase_barrier; 2 waited for it, 3.5 ms on average"),
	      "notes: the last to arrive at a barrier is named, with how long the others waited");
	timeline_free(tl);
	stats_free(st);
}

/* Three threads queueing on one mutex, again and again: a convoy. */
static void test_convoy(void)
{
	const char *note;
	int round, t;

	timeline_new(&tl, 1);
	stats_new(&st, 1);
	for (t = 51; t <= 53; t++)
		ev(0, EVENT_THREAD, 0, t, 0, 0, 'S', 0, 0, "q");
	ev(0, EVENT_OBJECT, 0, 51, 0, OP_KIND_MUTEX, 0x9000, 0, 0, "table_lock");
	for (round = 0; round < 3; round++) {
		for (t = 51; t <= 53; t++) {
			uint64_t ts = (uint64_t)(round * 3 + (t - 51) + 1) * MS;

			ev(ts, EVENT_WAKEUP, 0, t, 0, 0, 0, 0, 0, NULL);
			ev(ts, EVENT_SWITCH, 0, 0, t, 0, 0, 0, 0, NULL);
			ev(ts, EVENT_CALL, 0, t, 0, OP_MUTEX_LOCK, 0x9000, 0, 0, NULL);
			ev(ts, EVENT_SWITCH, 0, t, 0, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
			ev(ts, EVENT_RETURN, 0, t, 0, OP_MUTEX_LOCK, 0, 0, 0, NULL);
		}
		if (round == 1)
			CHECK(!find_note("lock convoy"), "notes: two rounds of blocking are no convoy yet");
	}
	note = find_note("lock convoy");
	CHECK(note && strstr(note, "3 threads blocked on table_lock 9 times"),
	      "notes: three threads blocking on one mutex three times each in turn is a lock convoy");
	timeline_free(tl);
	stats_free(st);
}

/* Runs the attribution tests. */
/* Feeds one event of process tgid (tid2's process: tgid2) to both consumers. */
static void pev(uint64_t ts, unsigned type, int tid, int tgid, int tid2, int tgid2, unsigned op, int64_t arg,
		const char *text)
{
	struct event e = test_event(tgid, ts, type, 0, tid, tid2, op, arg, 0, text);

	e.tgid2 = tid2 > 0 ? tgid2 : tid2;
	timeline_add(tl, &e);
	if (copy)
		timeline_add(copy, &e);
	stats_add(st, &e);
}

/* Whether the log has thread 0's block at ts naming text. */
static bool logged_block(uint64_t ts, const char *text)
{
	struct tl_log_entry log[32];
	size_t n = timeline_log_read(tl, 0, log, 32);

	for (size_t i = 0; i < n; i++)
		if (log[i].kind == TL_LOG_BLOCK && log[i].thread == 0 && log[i].ts == ts && strcmp(log[i].text, text) == 0)
			return true;
	return false;
}

/* Whether the statistics put thread 0's whole blocked time, ns, on one
 * wait for the child labelled label. */
static bool stats_child(uint64_t ns, const char *label)
{
	const struct stats_blocked *by;
	char got[64] = "";

	if (stats_blocked_by(st, 0, &by) != 1 || by[0].kind != WAIT_CHILD || by[0].ns != ns)
		return false;
	stats_object_label(st, by[0].object, got, sizeof(got));
	return strcmp(got, label) == 0;
}

/* A wait4 is a wait for the child, named by its command everywhere; a
 * sleep woken while the CPU idles was woken by a timer, a read by the
 * kernel. */
static void test_child_and_timer(void)
{
	struct tl_cell cell;
	struct tl_at at;
	char label[64];

	timeline_new(&tl, 1);
	stats_new(&st, 1);
	pev(0, EVENT_THREAD, 20, 20, 0, 0, 0, 'R', "cc");
	pev(0, EVENT_THREAD, 23, 23, 0, 0, 0, 'R', "sleeper");
	pev(0, EVENT_THREAD, 24, 23, 0, 0, 0, 'R', "reader");
	pev(1 * MS, EVENT_SWITCH, 0, 0, 20, 20, 0, 0, NULL);
	pev(1 * MS, EVENT_FORK, 20, 20, 30, 30, 0, 0, "cc");
	pev(1 * MS, EVENT_BLOCK, 20, 20, 0, 0, OP_SYS_WAIT, 30, NULL);
	pev(1 * MS, EVENT_SWITCH, 20, 20, 30, 30, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	pev(2 * MS, EVENT_EXEC, 30, 30, 0, 0, 0, 0, "cc1");
	pev(3 * MS, EVENT_BLOCK, 30, 30, 0, 0, OP_SYS_SLEEP, 0, NULL);
	pev(3 * MS, EVENT_SWITCH, 30, 30, 24, 23, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	pev(4 * MS, EVENT_BLOCK, 24, 23, 0, 0, OP_SYS_READ, 3, NULL);
	pev(4 * MS, EVENT_SWITCH, 24, 23, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	pev(5 * MS, EVENT_WAKING, 0, 0, 30, 30, 0, 0, NULL);
	pev(5 * MS, EVENT_WAKEUP, 30, 30, 0, 0, 0, 0, NULL);
	pev(5 * MS, EVENT_WAKING, 0, 0, 24, 23, 0, 0, NULL);
	pev(5 * MS, EVENT_WAKEUP, 24, 23, 0, 0, 0, 0, NULL);
	pev(6 * MS, EVENT_SWITCH, 0, 0, 30, 30, 0, 0, NULL);
	pev(6 * MS, EVENT_EXIT, 30, 30, 0, 0, 0, 0, "cc1");
	pev(6 * MS, EVENT_WAKING, 30, 30, 20, 20, 0, 0, NULL);
	pev(6 * MS, EVENT_WAKEUP, 20, 20, 0, 0, 0, 0, NULL);
	pev(6 * MS, EVENT_SWITCH, 30, 30, 20, 20, 0, EVENT_STATE_DEAD, NULL);
	timeline_set_end(tl, 8 * MS);
	stats_finish(st, 8 * MS);

	timeline_thread_cell(tl, 0, 2 * MS, 5 * MS, &cell);
	CHECK(cell.state == TL_BLOCKED_JOIN, "child: a wait4 is drawn as a join (J)");
	timeline_thread_at(tl, 0, 4 * MS, &at);
	timeline_object_label(tl, at.object, label, sizeof(label));
	CHECK(strcmp(label, "cc1(30)") == 0 && timeline_object_kind(tl, at.object) == OP_KIND_CHILD,
	      "child: inspect names the child by the command it exec'd, and its pid");
	CHECK(logged_block(1 * MS, "cc1(30)"), "child: the log's block names the child");
	CHECK(stats_child(5 * MS, "cc1(30)"), "child: the statistics put the 5 ms wait on cc1(30)");
	timeline_thread_at(tl, 3, 5 * MS, &at);
	CHECK(at.woken_by == TL_WAKER_TIMER, "timer: a sleep woken while the CPU idled was woken by a timer");
	timeline_thread_at(tl, 2, 5 * MS, &at);
	CHECK(at.woken_by == TL_WAKER_KERNEL, "timer: a read woken then was woken by the kernel");
	timeline_free(tl);
	stats_free(st);
}

/* make -j2: a wait4(-1) with two children alive names the one whose exit
 * woke it, as the wait ends, in the lane, the log and the statistics; and
 * so does a copy of the timeline made during the wait (a checkpoint, whose
 * lane restates the wait where it starts). */
static void test_any_child(void)
{
	struct tl_at at;
	char label[64];

	timeline_new(&tl, 1);
	stats_new(&st, 1);
	pev(0, EVENT_THREAD, 20, 20, 0, 0, 0, 'R', "make");
	pev(1 * MS, EVENT_SWITCH, 0, 0, 20, 20, 0, 0, NULL);
	pev(1 * MS, EVENT_FORK, 20, 20, 31, 31, 0, 0, "make");
	pev(1 * MS, EVENT_FORK, 20, 20, 32, 32, 0, 0, "make");
	pev(1 * MS, EVENT_BLOCK, 20, 20, 0, 0, OP_SYS_WAIT, 0xffffffff, NULL);
	pev(1 * MS, EVENT_SWITCH, 20, 20, 32, 32, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	pev(2 * MS, EVENT_EXEC, 32, 32, 0, 0, 0, 0, "sleep");
	CHECK(timeline_clone(tl, &copy) == 0, "any child: a copy made during the wait");
	pev(4 * MS, EVENT_EXIT, 32, 32, 0, 0, 0, 0, "sleep");
	pev(4 * MS, EVENT_WAKING, 32, 32, 20, 20, 0, 0, NULL);
	pev(4 * MS, EVENT_WAKEUP, 20, 20, 0, 0, 0, 0, NULL);
	pev(4 * MS, EVENT_SWITCH, 32, 32, 20, 20, 0, EVENT_STATE_DEAD, NULL);
	timeline_set_end(tl, 5 * MS);
	stats_finish(st, 5 * MS);

	timeline_thread_at(tl, 0, 2 * MS, &at);
	timeline_object_label(tl, at.object, label, sizeof(label));
	CHECK(at.state == TL_BLOCKED_JOIN && strcmp(label, "sleep(32)") == 0,
	      "any child: the lane names the child whose exit woke the waiter");
	CHECK(logged_block(1 * MS, "sleep(32)"), "any child: the log's block, written before the child was known, names it");
	CHECK(stats_child(3 * MS, "sleep(32)"), "any child: the statistics put the 3 ms wait on sleep(32)");
	timeline_thread_at(copy, 0, 3 * MS, &at);
	timeline_object_label(copy, at.object, label, sizeof(label));
	CHECK(at.state == TL_BLOCKED_JOIN && strcmp(label, "sleep(32)") == 0,
	      "any child: the copy made during the wait names the child too");
	timeline_free(copy);
	copy = NULL;
	timeline_free(tl);
	stats_free(st);
}

int main(void)
{
	test_blocked_kinds();
	test_spinning();
	test_signalling();
	test_log_futex_rwlock();
	test_deadlock_log();
	test_join_deadlock();
	test_timedlock_deadlock();
	test_fatal_signal_log();
	test_group_fatal_signal_log();
	test_notes();
	test_convoy();
	test_child_and_timer();
	test_any_child();
	return check_summary();
}
