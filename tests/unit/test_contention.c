/* Unit tests of the thread history (core/spans.c) and of contention by
 * object (core/contention.c) on a hand-built trace whose answers are known:
 * A holds mutex m; B and C block on it; A's unlock hands it to B, B's to
 * C; later A waits on a condition variable that B wakes without a
 * signal through it. Then the critical paths of that trace (core/critpath.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "contention.h"
#include "critpath.h"
#include "spans.h"
#include "timeline.h"
#include "vocab.h"

#define MS 1000000ull

static struct spans *sp;
static struct event trace[64]; /* the events fed, for test_checkpoints */
static size_t ntrace;

/* Feeds one event. */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, unsigned op, int64_t arg, int64_t arg2,
	       const char *text)
{
	struct event e = test_event(10, ts, type, cpu, tid, tid2, op, arg, arg2, text);

	spans_add(sp, &e);
	if (ntrace < sizeof(trace) / sizeof(trace[0]))
		trace[ntrace++] = e;
}

/* The header's trace begins: A 11, B 12, C 13; A runs on CPU0 and B on
 * CPU1 from 1 ms. */
static void header_start(void)
{
	ev(0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, "A");
	ev(0, EVENT_THREAD, 0, 12, 0, 0, 'R', 0, "B");
	ev(0, EVENT_THREAD, 0, 13, 0, 0, 'R', 0, "C");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
}

/* The trace of the header: A 11, B 12, C 13 on two CPUs, 10 ms, into a
 * history that keeps keep. */
static void build(unsigned keep)
{
	ntrace = 0;
	spans_new(&sp, 2, keep);
	header_start();
	ev(2 * MS, EVENT_OBJECT, 1, 12, 0, OP_KIND_MUTEX, 0x5000, 0, "m");
	ev(2 * MS, EVENT_BLOCK, 1, 12, 11, OP_MUTEX_LOCK, 0x5000, 0x5000, NULL);
	ev(2 * MS, EVENT_SWITCH, 1, 12, 13, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(3 * MS, EVENT_BLOCK, 1, 13, 11, OP_MUTEX_LOCK, 0x5000, 0x5000, NULL);
	ev(3 * MS, EVENT_SWITCH, 1, 13, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(5 * MS, EVENT_WAKING, 0, 11, 12, OP_MUTEX_UNLOCK, 1, 0x5000, NULL);
	ev(5 * MS, EVENT_WAKEUP, 1, 12, 0, 0, 1, 0, NULL);
	ev(5 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
	ev(6 * MS, EVENT_WAKING, 1, 12, 13, OP_MUTEX_UNLOCK, 1, 0x5000, NULL);
	ev(6 * MS, EVENT_WAKEUP, 1, 13, 0, 0, 1, 0, NULL);
	ev(7 * MS, EVENT_OBJECT, 0, 11, 0, OP_KIND_COND, 0x6000, 0, "cv");
	ev(7 * MS, EVENT_BLOCK, 0, 11, 0, OP_COND_WAIT, 0x6000, 0x6000, NULL);
	ev(7 * MS, EVENT_SWITCH, 0, 11, 13, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(9 * MS, EVENT_WAKING, 1, 12, 11, 0, 0, 0, NULL);
	ev(9 * MS, EVENT_WAKEUP, 0, 11, 0, 0, 0, 0, NULL);
	spans_finish(sp, 10 * MS);
}

/* The history: spans, their causes, wakers and handovers. */
static void test_spans(void)
{
	uint64_t sum[4];
	const struct spans_thread *b;
	const struct span *s;
	long k;
	char label[64];

	CHECK(spans_thread_count(sp) == 3 && spans_thread_index(sp, 12) == 1, "spans: three threads, B is index 1");
	b = spans_thread(sp, 1);
	CHECK(b && strcmp(b->name, "B") == 0 && b->tid == 12, "spans: B's name and tid");
	k = spans_at(sp, 1, 3 * MS);
	s = k >= 0 ? spans_get(sp, 1, (size_t)k) : NULL;
	CHECK(s && s->state == TL_BLOCKED_MUTEX && s->start == 2 * MS && s->end == 5 * MS,
	      "spans: B is blocked on a mutex over [2, 5) ms");
	spans_object_label(sp, s ? s->object : -1, label, sizeof(label));
	CHECK(s && strcmp(label, "m") == 0 && s->holder == 0 && s->waker == 0 && s->via,
	      "spans: on m, held by A, woken by A through m");
	CHECK(k >= 0 && (size_t)k + 1 < b->n && spans_get(sp, 1, (size_t)k + 1)->state == TL_RUNNING &&
	      spans_get(sp, 1, (size_t)k + 1)->start == 5 * MS,
	      "spans: a wakeup and a switch-in at the same instant leave no runnable span");
	k = spans_at(sp, 0, 8 * MS);
	s = k >= 0 ? spans_get(sp, 0, (size_t)k) : NULL;
	CHECK(s && s->state == TL_BLOCKED_COND && s->waker == 1 && !s->via && s->holder == -1,
	      "spans: A's cond wait was ended by B, not through the condition");
	CHECK(spans_at(sp, 0, 0) == 0 && spans_at(sp, 7, 0) == -1, "spans: A's first span holds 0; no thread 7");
	spans_cpu_sum(sp, 1, 0, 10 * MS, sum);
	CHECK(sum[TL_CPU_IDLE] == 3 * MS && sum[TL_CPU_THREAD] == 7 * MS && sum[TL_CPU_UNKNOWN] == 0,
	      "spans: CPU 1 was idle 3 ms (before B, between C and B), ran threads 7 ms");
	spans_cpu_sum(sp, 0, 7 * MS, 12 * MS, sum);
	CHECK(sum[TL_CPU_THREAD] == 3 * MS && sum[TL_CPU_UNKNOWN] == 2 * MS,
	      "spans: CPU 0 ran C from 7 ms to the end; past the end is unknown");
	for (size_t i = 0; i < spans_thread_count(sp); i++) {
		const struct spans_thread *t = spans_thread(sp, i);
		int ok = t->n && spans_get(sp, i, t->n - 1)->end == 10 * MS;

		for (size_t j = 1; j < t->n; j++)
			ok = ok && spans_get(sp, i, j)->start == spans_get(sp, i, j - 1)->end &&
			     spans_get(sp, i, j)->end > spans_get(sp, i, j)->start;
		CHECK(ok, "spans: a thread's spans follow each other without gap to the end");
	}
}

/* How test_table makes a table of [from, to) (to 0: the trace's end). */
typedef int table_fn(struct contention **c, uint64_t from, uint64_t to);

/* From the history sp, which kept every span. */
static int table_kept(struct contention **c, uint64_t from, uint64_t to)
{
	return contention_new(c, sp, from, to);
}

/* The table of [from, to) of the n events evs on ncpus CPUs, ending at
 * end, from a history that kept every span (summed: from a sum the history
 * handed its waits to as they ended). *mem, when given: the sum's memory
 * before the end's states closed (summed only). Returns 0 or an error. */
static int table_of(const struct event *evs, size_t n, unsigned ncpus, bool summed, uint64_t end, uint64_t from,
		    uint64_t to, struct contention **c, size_t *mem)
{
	struct spans *s = NULL;
	struct contention_sum *sum = NULL;
	int r = spans_new(&s, ncpus, summed ? SPANS_NONE : SPANS_ALL);

	*c = NULL;
	if (!r && summed && !(r = contention_sum_new(&sum, from, to)))
		contention_sum_follow(sum, s);
	for (size_t i = 0; !r && i < n; i++)
		r = spans_add(s, &evs[i]);
	if (!r && sum && mem)
		*mem = contention_sum_memory(sum);
	if (!r)
		r = spans_finish(s, end);
	if (!r)
		r = summed ? contention_sum_table(sum, s, c) : contention_new(c, s, from, to);
	contention_sum_free(sum);
	spans_free(s);
	return r;
}

/* Summed as the trace is read (contention_sum), the history keeping none. */
static int table_summed(struct contention **c, uint64_t from, uint64_t to)
{
	return table_of(trace, ntrace, 2, true, 10 * MS, from, to ? to : 10 * MS, c, NULL);
}

/* The table over the whole trace and over a window (the same whether made
 * from a history that kept every span or summed as the trace is read). */
static void test_table(table_fn *table)
{
	struct contention *c = NULL;
	const struct contention_row *r;
	char label[64];

	CHECK(table(&c, 0, 0) == 0 && contention_count(c) == 2, "contention: two objects waited on");
	r = contention_row(c, 0);
	spans_object_label(sp, r ? r->object : -1, label, sizeof(label));
	CHECK(r && strcmp(label, "m") == 0 && r->kind == WAIT_MUTEX && r->tgid == 10, "contention: m comes first");
	CHECK(r && r->waits == 2 && r->total_ns == 6 * MS && r->longest_ns == 3 * MS && r->waiters == 2,
	      "contention: m: 2 waits, 6 ms in all, 3 ms at longest, 2 waiters");
	CHECK(r && r->handovers == 2, "contention: m: both waits ended by a handover");
	CHECK(r && r->nholders == 1 && r->holder[0].thread == 0 && r->holder[0].waits == 2 &&
		      r->holder[0].hold_ns == 3 * MS,
	      "contention: m: held by A 3 ms while others waited (the union of [2, 5) and [3, 5), not their 5 ms "
	      "sum): C's wait is A's until A's unlock handed m over at 5 ms (it was all A's, 4 ms)");
	r = contention_row(c, 1);
	spans_object_label(sp, r ? r->object : -1, label, sizeof(label));
	CHECK(r && strcmp(label, "cv") == 0 && r->waits == 1 && r->total_ns == 2 * MS && r->handovers == 0 &&
		      r->nholders == 0 && r->longest_thread == 0,
	      "contention: cv: one wait of A, 2 ms, no handover, no holder");
	CHECK(contention_row(c, 2) == NULL, "contention: no third row");
	contention_free(c);

	CHECK(table(&c, 4 * MS, 10 * MS) == 0 && contention_count(c) == 2,
	      "contention: the window [4, 10) ms");
	r = contention_row(c, 0);
	CHECK(r && r->waits == 2 && r->total_ns == 3 * MS && r->longest_ns == 2 * MS && r->longest_thread == 2 &&
		      r->nholders == 1 && r->holder[0].thread == 0 && r->holder[0].hold_ns == 1 * MS,
	      "contention: in the window m counts 1 + 2 ms, C the longest, A held it 1 ms (until its unlock)");
	contention_free(c);
	CHECK(table(&c, 6 * MS, 7 * MS) == 0 && contention_count(c) == 0,
	      "contention: a window with no wait has no rows");
	contention_free(c);
	CHECK(table(&c, 5 * MS, 5 * MS) == -EINVAL && !c, "contention: an empty window is refused");
	CHECK(contention_count(NULL) == 0 && contention_row(NULL, 0) == NULL, "contention: NULL is an empty table");
}

/* Recorded with --calls (the wakings carry no futex word; unlocks have no
 * return probe): B blocks in pthread_mutex_lock(m) held by A; A's
 * pthread_mutex_unlock(m) wakes it: a handover through m all the same,
 * which ends A's time (it said 0 handovers of every object under --calls).
 * Then B waits on cv and A, after an unlock that woke nobody, signals cv:
 * a handover through cv, not m. */
static void test_calls_handover(void)
{
	struct contention *c[2] = { NULL, NULL };
	const struct contention_row *r;
	bool ok = true;

	ntrace = 0;
	spans_new(&sp, 2, SPANS_ALL);
	ev(0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, "A");
	ev(0, EVENT_THREAD, 0, 12, 0, 0, 'R', 0, "B");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_OBJECT, 0, 11, 0, OP_KIND_MUTEX, 0x5000, 0, "m");
	ev(2 * MS, EVENT_CALL, 0, 11, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	ev(2 * MS, EVENT_RETURN, 0, 11, 0, OP_MUTEX_LOCK, 0, 0, NULL);
	ev(3 * MS, EVENT_CALL, 1, 12, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	ev(3 * MS, EVENT_SWITCH, 1, 12, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(5 * MS, EVENT_CALL, 0, 11, 0, OP_MUTEX_UNLOCK, 0x5000, 0, NULL);
	ev(5 * MS, EVENT_WAKING, 0, 11, 12, 0, 1, 0, NULL);
	ev(5 * MS, EVENT_WAKEUP, 1, 12, 0, 0, 1, 0, NULL);
	ev(5 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
	ev(6 * MS, EVENT_OBJECT, 1, 12, 0, OP_KIND_COND, 0x6000, 0, "cv");
	ev(6 * MS, EVENT_CALL, 1, 12, 0, OP_COND_WAIT, 0x6000, 0x5000, NULL);
	ev(6 * MS, EVENT_SWITCH, 1, 12, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(7 * MS, EVENT_CALL, 0, 11, 0, OP_MUTEX_UNLOCK, 0x5000, 0, NULL); /* (no one to wake) */
	ev(8 * MS, EVENT_CALL, 0, 11, 0, OP_COND_SIGNAL, 0x6000, 0, NULL);
	ev(8 * MS, EVENT_WAKING, 0, 11, 12, 0, 1, 0, NULL);
	ev(8 * MS, EVENT_WAKEUP, 1, 12, 0, 0, 1, 0, NULL);
	ev(8 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
	ev(8 * MS, EVENT_RETURN, 0, 11, 0, OP_COND_SIGNAL, 0, 0, NULL);
	spans_finish(sp, 10 * MS);
	for (int k = 0; k < 2; k++) {
		if ((k ? table_summed(&c[k], 0, 0) : table_kept(&c[k], 0, 0)) || !(r = contention_row(c[k], 0))) {
			ok = false;
			continue;
		}
		ok = ok && r->waits == 1 && r->total_ns == 2 * MS && r->handovers == 1 && r->nholders == 1 &&
		     r->holder[0].thread == 0 && r->holder[0].hold_ns == 2 * MS;
		r = contention_row(c[k], 1);
		ok = ok && r && r->waits == 1 && r->total_ns == 2 * MS && r->handovers == 1;
		r = contention_row(c[k], 0);
		ok = ok && r && r->total_ns == 2 * MS; /* (m first: ties by object) */
	}
	CHECK(ok, "contention: --calls: A's unlock waking B is a handover through m, A's signal after an unlock "
	      "that woke nobody one through cv (kept and summed alike)");
	contention_free(c[0]);
	contention_free(c[1]);
	spans_free(sp);
}

/* C's path over [3, 6) ms: blocked on m, charged to B, whose own wait on
 * m over [3, 5) is charged to A, who ran; then the depth limit. */
static void test_critpath(void)
{
	struct critpath *c = NULL;
	const struct critpath_node *n;

	CHECK(critpath_new(&c, sp, 2, 3 * MS, 6 * MS, 0) == 0 && critpath_count(c) == 3, "critpath: C, B and A");
	n = critpath_node(c, 0);
	CHECK(n && n->thread == 2 && n->depth == 0 && n->parent == SIZE_MAX && n->blocked_ns == 3 * MS &&
		      n->running_ns == 0,
	      "critpath: C was blocked the whole 3 ms");
	n = critpath_node(c, 1);
	CHECK(n && n->thread == 1 && n->parent == 0 && n->charged_ns == 3 * MS && n->stretches == 1 &&
		      n->wait == WAIT_MUTEX && n->running_ns == 1 * MS && n->blocked_ns == 2 * MS,
	      "critpath: charged to B, who was blocked 2 ms and ran 1 ms");
	n = critpath_node(c, 2);
	CHECK(n && n->thread == 0 && n->parent == 1 && n->depth == 2 && n->charged_ns == 2 * MS &&
		      n->running_ns == 2 * MS,
	      "critpath: B's wait charged to A, who ran");
	{
		const struct critpath_seg *sg;
		size_t ns = critpath_segments(c, &sg);

		CHECK(ns == 2 && sg[0].thread == 0 && sg[0].start == 3 * MS && sg[0].end == 5 * MS &&
			      sg[0].state == TL_RUNNING && sg[1].thread == 1 && sg[1].start == 5 * MS &&
			      sg[1].end == 6 * MS && sg[1].state == TL_RUNNING,
		      "critpath: in time, A's run over [3, 5) ms, then B's over [5, 6)");
	}
	critpath_free(c);
	CHECK(critpath_new(&c, sp, 2, 3 * MS, 6 * MS, 2) == 0 && critpath_count(c) == 2 &&
		      critpath_node(c, 1)->unexplained_ns[CRITPATH_DEPTH] == 2 * MS,
	      "critpath: two deep, B's wait is left as deeper than the limit");
	{
		const struct critpath_seg *sg;
		size_t ns = critpath_segments(c, &sg);

		CHECK(ns == 2 && sg[0].thread == 1 && sg[0].state == TL_BLOCKED_MUTEX && sg[0].end == 5 * MS &&
			      sg[1].thread == 1 && sg[1].state == TL_RUNNING && critpath_segments(NULL, &sg) == 0,
		      "critpath: in time, two deep: B's wait stays on B's lane, then B runs");
	}
	critpath_free(c);
	CHECK(critpath_new(&c, sp, 0, 7 * MS, 10 * MS, 0) == 0 && critpath_count(c) == 2 &&
		      critpath_node(c, 1)->thread == 1 && critpath_node(c, 1)->charged_ns == 2 * MS &&
		      critpath_node(c, 0)->runnable_ns == 1 * MS,
	      "critpath: A's cond wait is charged to B; then A waits 1 ms for a CPU");
	critpath_free(c);
	CHECK(critpath_new(&c, sp, 2, 5 * MS, 8 * MS, 0) == 0 && critpath_node(c, 0)->runnable_ns == 1 * MS &&
		      critpath_node(c, 0)->behind_ns[TL_CPU_THREAD] == 1 * MS && critpath_node(c, 0)->running_ns == 1 * MS,
	      "critpath: C waited 1 ms for CPU 0, which ran A, then ran");
	critpath_free(c);
	CHECK(critpath_new(&c, sp, 9, 0, 0, 0) == -EINVAL && !c, "critpath: an unknown thread is refused");
	CHECK(critpath_new(&c, sp, 0, 4 * MS, 4 * MS, 0) == -EINVAL && !c, "critpath: an empty window is refused");
}

/* A history still followed (the live view's): the state a thread is in
 * counts up to the last event. The trace of the header up to A's cond wait
 * at 7 ms, then B sleeps at 9 ms: A's 2 ms from 7 ms are a wait with no
 * waker yet (it said nothing of them: "ran 0 s"). */
static void test_critpath_open(void)
{
	static struct event saved[sizeof(trace) / sizeof(trace[0])];
	size_t nsaved = ntrace;
	struct spans *whole = sp;
	struct critpath *c = NULL;
	const struct critpath_node *n;
	struct span w;

	memcpy(saved, trace, sizeof(trace)); /* (the events of the header: test_checkpoints reads them) */
	ntrace = 0;
	spans_new(&sp, 2, SPANS_ALL);
	header_start();
	ev(7 * MS, EVENT_OBJECT, 0, 11, 0, OP_KIND_COND, 0x6000, 0, "cv");
	ev(7 * MS, EVENT_BLOCK, 0, 11, 0, OP_COND_WAIT, 0x6000, 0x6000, NULL);
	ev(7 * MS, EVENT_SWITCH, 0, 11, 13, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(9 * MS, EVENT_SWITCH, 1, 12, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	CHECK(spans_open_state(sp, 0, &w) && w.start == 7 * MS && w.end == 9 * MS && w.state == TL_BLOCKED_COND &&
		      spans_open_state(sp, 2, &w) && w.state == TL_RUNNING && w.cpu == 0,
	      "critpath: the states under way, blocked or running");
	CHECK(critpath_new(&c, sp, 0, 7 * MS, 9 * MS, 0) == 0 && (n = critpath_node(c, 0)) &&
		      n->blocked_ns == 2 * MS && n->unexplained_ns[CRITPATH_NO_WAKER] == 2 * MS && n->other_ns == 0,
	      "critpath: in a history still followed, A's wait under way counts, with no waker yet");
	critpath_free(c);
	CHECK(critpath_new(&c, sp, 2, 7 * MS, 9 * MS, 0) == 0 && critpath_node(c, 0)->running_ns == 2 * MS,
	      "critpath: and C's run under way");
	critpath_free(c);
	{
		struct contention *t = NULL;
		const struct contention_row *r;

		CHECK(contention_new(&t, sp, 0, 9 * MS) == 0 && contention_count(t) == 1 && (r = contention_row(t, 0)) &&
			      r->waits == 1 && r->total_ns == 2 * MS,
		      "contention: in a history still followed, the wait under way counts up to the last event");
		contention_free(t);
	}
	spans_finish(sp, 9 * MS);
	CHECK(!spans_open_state(sp, 0, &w), "critpath: a finished history has no state under way");
	spans_free(sp);
	sp = whole;
	memcpy(trace, saved, sizeof(trace));
	ntrace = nsaved;
}

/* A history that keeps nothing keeps its threads and their names. */
static void test_keeps_none(void)
{
	uint64_t sum[4];
	size_t n = 0;

	for (size_t i = 0; i < spans_thread_count(sp); i++)
		n += spans_thread(sp, i)->n;
	CHECK(spans_thread_count(sp) == 3 && n == 0, "spans: keeping none keeps the three threads, no span");
	CHECK(strcmp(spans_thread(sp, 0)->name, "A") == 0, "spans: the names are kept");
	spans_cpu_sum(sp, 0, 0, 10 * MS, sum);
	CHECK(sum[TL_CPU_UNKNOWN] == 10 * MS, "spans: keeping none keeps no CPU");
}

/* A history made from a timeline's present after each event of the
 * trace (timeline_spans: keys w and y reading from a checkpoint) and fed
 * the rest holds the whole history's spans that end after that event
 * exactly: among them a checkpoint between a waking through m and its
 * wakeup, whose handover (via) the copy of the model carries. */
static void test_checkpoints(void)
{
	size_t splits = 0, same = 0, handovers = 0;

	for (size_t k = 1; k < ntrace; k++) {
		struct timeline *tl = NULL;
		struct spans *b = NULL;
		bool ok = !timeline_new(&tl, 2);

		for (size_t i = 0; ok && i < k; i++)
			ok = !timeline_add(tl, &trace[i]);
		ok = ok && !timeline_spans(tl, SPANS_ALL, &b);
		for (size_t i = k; ok && i < ntrace; i++)
			ok = !spans_add(b, &trace[i]);
		ok = ok && !spans_finish(b, 10 * MS) && spans_thread_count(b) == spans_thread_count(sp);
		for (size_t t = 0; ok && t < spans_thread_count(sp); t++) {
			size_t na = spans_thread(sp, t)->n, nb = spans_thread(b, t)->n;

			ok = na >= nb && (na == nb || spans_get(sp, t, na - nb - 1)->end <= trace[k - 1].ts);
			for (size_t j = 0; ok && j < nb; j++) {
				ok = !memcmp(spans_get(sp, t, na - nb + j), spans_get(b, t, j), sizeof(struct span));
				handovers += trace[k - 1].type == EVENT_WAKING && spans_get(b, t, j)->via;
			}
		}
		splits++;
		same += ok;
		spans_free(b);
		timeline_free(tl);
	}
	CHECK(same == splits && splits == ntrace - 1 && handovers >= 2,
	      "spans: a history made from a timeline after any event goes on as the whole one (handovers across a "
	      "checkpoint between a waking and its wakeup kept)");
}

/* ------------------------------------------ summed as read, against kept */

#define RT 6 /* threads of a random trace (tids 21..26), each on a CPU of its own */

static struct event *rnd_ev; /* a generated trace */
static size_t rnd_n, rnd_cap;
static uint64_t rnd_state;

/* A number below n from a fixed sequence (a seeded LCG). */
static uint64_t rnd(uint64_t n)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return (rnd_state >> 33) % n;
}

/* Appends an event of thread tid of process tgid, naming thread tid2 of
 * process tgid2, to the generated trace. */
static void rnd_push2(uint64_t ts, unsigned type, unsigned cpu, int tid, int tgid, int tid2, int tgid2, unsigned op,
		      int64_t arg, int64_t arg2, const char *text)
{
	if (rnd_n == rnd_cap) {
		rnd_cap = rnd_cap ? 2 * rnd_cap : 4096;
		rnd_ev = realloc(rnd_ev, rnd_cap * sizeof(*rnd_ev));
		if (!rnd_ev)
			abort();
	}
	rnd_ev[rnd_n] = test_event(tgid, ts, type, cpu, tid, tid2, op, arg, arg2, text);
	rnd_ev[rnd_n++].tgid2 = tid2 > 0 ? tgid2 : tid2;
}

/* The same within process 20. */
static void rnd_push(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, unsigned op, int64_t arg,
		     int64_t arg2, const char *text)
{
	rnd_push2(ts, type, cpu, tid, 20, tid2, 20, op, arg, arg2, text);
}

/* Thread i (0-based) blocks at t on object addr (a mutex naming holder,
 * or a condition variable, holder 0). */
static void rnd_block(uint64_t t, int i, uint64_t addr, bool mutex, int holder)
{
	rnd_push(t, EVENT_BLOCK, (unsigned)i, 21 + i, holder, mutex ? OP_MUTEX_LOCK : OP_COND_WAIT, (int64_t)addr,
		 (int64_t)addr, NULL);
	rnd_push(t, EVENT_SWITCH, (unsigned)i, 21 + i, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
}

/* Thread w wakes blocked thread i at t, through addr (an unlock or a
 * signal) or, addr 0, not through its object; i runs at once. */
static void rnd_wake(uint64_t t, int w, int i, uint64_t addr, bool mutex)
{
	rnd_push(t, EVENT_WAKING, (unsigned)w, 21 + w, 21 + i, addr ? (mutex ? OP_MUTEX_UNLOCK : OP_COND_SIGNAL) : 0,
		 addr != 0, (int64_t)addr, NULL);
	rnd_push(t, EVENT_WAKEUP, (unsigned)i, 21 + i, 0, 0, 1, 0, NULL);
	rnd_push(t, EVENT_SWITCH, (unsigned)i, 0, 21 + i, 0, 0, 0, NULL);
}

/* The start of a generated trace: RT threads, three mutexes and a
 * condition variable named, each thread running on its CPU from 1 ms. */
static void rnd_start(void)
{
	static const char *names[4] = { "m0", "m1", "m2", "cv" };

	rnd_n = 0;
	for (int i = 0; i < RT; i++)
		rnd_push(0, EVENT_THREAD, 0, 21 + i, 0, 0, 'R', 0, "t");
	for (int o = 0; o < 4; o++)
		rnd_push(0, EVENT_OBJECT, 0, 21, 0, o < 3 ? OP_KIND_MUTEX : OP_KIND_COND, 0x5000 + 0x40 * o, 0, names[o]);
	for (int i = 0; i < RT; i++)
		rnd_push(MS, EVENT_SWITCH, (unsigned)i, 0, 21 + i, 0, 0, 0, NULL);
}

/* A random trace of `waits` ended waits: a running thread blocks on one of
 * the three mutexes naming another thread as holder, or on the condition
 * variable, and a running thread wakes a blocked one, through its object
 * or not. Returns the trace's end. */
static uint64_t rnd_trace(uint64_t seed, size_t waits)
{
	bool blocked[RT] = { false };
	int obj[RT] = { 0 }, running = RT;
	uint64_t t = MS;

	rnd_state = seed;
	rnd_start();
	for (size_t done = 0; done < waits;) {
		int i = (int)rnd(RT), w = (int)rnd(RT);

		t += 1000 * (1 + rnd(200)); /* (whole microseconds: waits of equal length) */
		if (!blocked[i] && running > 1) { /* (one runs always, to wake the others) */
			obj[i] = (int)rnd(4);
			rnd_block(t, i, 0x5000 + 0x40 * (uint64_t)obj[i], obj[i] < 3,
				  obj[i] < 3 ? 21 + (i + 1 + (int)rnd(RT - 1)) % RT : 0);
			blocked[i] = true;
			running--;
		} else if (blocked[i] && !blocked[w]) {
			rnd_wake(t, w, i, rnd(2) ? 0x5000 + 0x40 * (uint64_t)obj[i] : 0, obj[i] < 3);
			blocked[i] = false;
			running++;
			done++;
		}
	}
	return t + MS;
}

/* Whether two tables say the same, row by row and holder by holder. */
static bool same_table(const struct contention *x, const struct contention *y)
{
	if (contention_count(x) != contention_count(y))
		return false;
	for (size_t i = 0; i < contention_count(x); i++) {
		const struct contention_row *a = contention_row(x, i), *b = contention_row(y, i);

		if (a->object != b->object || a->tgid != b->tgid || a->kind != b->kind || a->waits != b->waits ||
		    a->total_ns != b->total_ns || a->longest_ns != b->longest_ns ||
		    a->longest_thread != b->longest_thread || a->waiters != b->waiters ||
		    a->handovers != b->handovers || a->nholders != b->nholders)
			return false;
		for (size_t k = 0; k < a->nholders; k++)
			if (a->holder[k].thread != b->holder[k].thread || a->holder[k].waits != b->holder[k].waits ||
			    a->holder[k].hold_ns != b->holder[k].hold_ns)
				return false;
	}
	return true;
}

/* Orders intervals by start (the reference's union). */
static int ref_by_start(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The clipped part of span p of history s inside [from, to) when it is a
 * wait on an object: *a, *b; false otherwise. */
static bool ref_wait(const struct span *p, uint64_t from, uint64_t to, uint64_t *a, uint64_t *b)
{
	*a = p->start > from ? p->start : from;
	*b = p->end < to ? p->end : to;
	return tl_state_blocked(p->state) && p->object >= 0 && *b > *a;
}

/* Orders releases (ts, from, to) by time, then from, then to. */
static int ref_rel_order(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* The releases of object in history s, by time: (end, waker, waiter) of
 * each wait on it that named a holder and was ended by a thread's waking
 * through it (malloc'd, *n). */
static uint64_t *ref_releases(const struct spans *s, int64_t object, size_t *n)
{
	uint64_t *rel = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t j = 0; j < spans_thread_count(s); j++)
		for (size_t q = 0; q < spans_thread(s, j)->n; q++) {
			const struct span *w = spans_get(s, j, q);

			if (!tl_state_blocked(w->state) || w->object != object || !w->via || w->waker < 0 ||
			    w->holder < 0) /* (a release of an object with holders: it named one) */
				continue;
			if (*n == cap) {
				uint64_t *more = realloc(rel, 3 * (cap = cap ? 2 * cap : 16) * sizeof(*rel));

				if (!more) {
					free(rel);
					*n = 1; /* (with NULL: out of memory) */
					return NULL;
				}
				rel = more;
			}
			rel[3 * *n] = w->end;
			rel[3 * *n + 1] = (uint64_t)w->waker;
			rel[3 * (*n)++ + 2] = j;
		}
	if (*n > 1)
		qsort(rel, *n, 3 * sizeof(*rel), ref_rel_order);
	return rel;
}

/* Appends to iv (n pairs) the piece of wait w, which named holder h,
 * charged to it inside [from, to): from its start to h's first release
 * after it, or to its end. Returns the new n. */
static size_t ref_piece(const struct span *w, const uint64_t *rel, size_t nrel, uint64_t from, uint64_t to,
			uint64_t *iv, size_t n)
{
	uint64_t until = w->end, a, b;
	size_t lo = 0, hi = nrel;

	while (lo < hi) { /* (rel is by time: the first after its start) */
		size_t mid = lo + (hi - lo) / 2;

		if (rel[3 * mid] <= w->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t x = lo; x < nrel && rel[3 * x] < until; x++)
		if (rel[3 * x + 1] == (uint64_t)w->holder)
			until = rel[3 * x];
	a = w->start > from ? w->start : from;
	b = until < to ? until : to;
	if (b > a) {
		iv[2 * n] = a;
		iv[2 * n++ + 1] = b;
	}
	return n;
}

/* Whether c is the table of [from, to) of history s (which kept every
 * span) as worked out again here the slow way, object by object and
 * holder by holder from the spans: the reference the sum is held to. */
static bool ref_table_ok(const struct spans *s, const struct contention *c, uint64_t from, uint64_t to)
{
	size_t nthreads = spans_thread_count(s), rows = 0;
	uint64_t a, b;

	for (size_t i = 0; i < nthreads; i++) {
		for (size_t k = 0; k < spans_thread(s, i)->n; k++) {
			const struct span *p = spans_get(s, i, k);
			const struct contention_row *r = NULL;
			bool first = true;
			uint64_t waits = 0, total = 0, longest = 0, handovers = 0, waiters = 0, *iv, *rel;
			size_t longest_thread = 0, nholders = 0, nrel;
			uint8_t kind = 0;

			if (!ref_wait(p, from, to, &a, &b))
				continue;
			/* the object's first wait in thread order: its row is counted here */
			for (size_t j = 0; j < i && first; j++)
				for (size_t q = 0; q < spans_thread(s, j)->n && first; q++)
					first = !(ref_wait(spans_get(s, j, q), from, to, &a, &b) &&
						  spans_get(s, j, q)->object == p->object);
			for (size_t q = 0; q < k && first; q++)
				first = !(ref_wait(spans_get(s, i, q), from, to, &a, &b) &&
					  spans_get(s, i, q)->object == p->object);
			if (!first)
				continue;
			rows++;
			for (size_t x = 0; x < contention_count(c); x++)
				if (contention_row(c, x)->object == p->object)
					r = contention_row(c, x);
			if (!r)
				return false;
			for (size_t j = i; j < nthreads; j++) {
				bool waited = false;

				for (size_t q = 0; q < spans_thread(s, j)->n; q++) {
					const struct span *w = spans_get(s, j, q);

					if (!ref_wait(w, from, to, &a, &b) || w->object != p->object)
						continue;
					if (!waits)
						kind = w->wait;
					if (b - a > longest) {
						longest = b - a;
						longest_thread = j;
					}
					waits++;
					total += b - a;
					handovers += w->via;
					waited = true;
				}
				waiters += waited;
			}
			if (r->waits != waits || r->total_ns != total || r->longest_ns != longest ||
			    r->longest_thread != longest_thread || r->kind != kind || r->waiters != waiters ||
			    r->handovers != handovers ||
			    r->tgid != (spans_object(s, p->object) ? spans_object(s, p->object)->tgid
								: spans_thread(s, longest_thread)->tgid))
				return false;
			/* each holder: its waits and the union of their intervals,
			 * each cut at the holder's first release after its start */
			rel = ref_releases(s, p->object, &nrel);
			iv = malloc(2 * (waits + 1) * sizeof(*iv));
			if (!iv || (nrel && !rel)) {
				free(iv);
				free(rel);
				return false;
			}
			for (int64_t h = 0; h < (int64_t)nthreads; h++) {
				size_t n = 0, named = 0;
				uint64_t hold = 0, reach = 0;
				const struct contention_holder *got = NULL;

				for (size_t j = 0; j < nthreads; j++)
					for (size_t q = 0; q < spans_thread(s, j)->n; q++) {
						const struct span *w = spans_get(s, j, q);

						if (ref_wait(w, from, to, &a, &b) && w->object == p->object &&
						    w->holder == h) {
							named++;
							n = ref_piece(w, rel, nrel, from, to, iv, n);
						}
					}
				if (!named)
					continue;
				nholders++;
				qsort(iv, n, 2 * sizeof(*iv), ref_by_start);
				for (size_t x = 0; x < n; x++) {
					if (iv[2 * x + 1] > reach)
						hold += iv[2 * x + 1] - (iv[2 * x] > reach ? iv[2 * x] : reach);
					if (iv[2 * x + 1] > reach)
						reach = iv[2 * x + 1];
				}
				for (size_t x = 0; x < r->nholders; x++)
					if (r->holder[x].thread == (size_t)h)
						got = &r->holder[x];
				if (!got || got->waits != named || got->hold_ns != hold) {
					free(iv);
					free(rel);
					return false;
				}
			}
			free(iv);
			free(rel);
			if (r->nholders != nholders)
				return false;
			for (size_t x = 1; x < r->nholders; x++)
				if (r->holder[x - 1].hold_ns < r->holder[x].hold_ns ||
				    (r->holder[x - 1].hold_ns == r->holder[x].hold_ns &&
				     r->holder[x - 1].thread > r->holder[x].thread))
					return false;
		}
	}
	for (size_t x = 1; x < contention_count(c); x++) {
		const struct contention_row *p = contention_row(c, x - 1), *q = contention_row(c, x);

		if (p->total_ns < q->total_ns || (p->total_ns == q->total_ns && p->object > q->object))
			return false;
	}
	return rows == contention_count(c);
}

/* Whether c is the reference table of [from, to) of the n events evs on
 * ncpus CPUs ending at end (ref_table_ok of a history that kept them). */
static struct spans *history_of(const struct event *evs, size_t n, unsigned ncpus, uint64_t end);
static bool ref_ok(const struct event *evs, size_t n, unsigned ncpus, uint64_t end, uint64_t from, uint64_t to,
		   const struct contention *c)
{
	struct spans *s = history_of(evs, n, ncpus, end);
	bool ok = s && ref_table_ok(s, c, from, to);

	spans_free(s);
	return ok;
}

/* A history of the n events evs on ncpus CPUs, ending at end, that keeps
 * every span; NULL on an error. */
static struct spans *history_of(const struct event *evs, size_t n, unsigned ncpus, uint64_t end)
{
	struct spans *s = NULL;
	bool ok = !spans_new(&s, ncpus, SPANS_ALL);

	for (size_t i = 0; ok && i < n; i++)
		ok = !spans_add(s, &evs[i]);
	if (ok && !spans_finish(s, end))
		return s;
	spans_free(s);
	return NULL;
}

/* table_of the generated trace. */
static int rnd_table(bool summed, uint64_t end, uint64_t from, uint64_t to, struct contention **c, size_t *mem)
{
	return table_of(rnd_ev, rnd_n, RT, summed, end, from, to, c, mem);
}

/* Random traces of thousands of waits, several threads waiting on one
 * mutex at once naming one holder: the table summed as read (settled as it
 * goes) equals the one made from every span, over the whole trace and
 * over windows, and a holder's time is a union smaller than its waits'. */
static void test_summed_random(void)
{
	size_t cases = 0, same = 0, unions = 0;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		uint64_t end = rnd_trace(seed, 6000);
		struct spans *kept = history_of(rnd_ev, rnd_n, RT, end);

		for (int k = 0; k < 4; k++) {
			uint64_t from = k ? rnd(end) : 0, to = k ? from + 1 + rnd(end - from) : end;
			struct contention *a = NULL, *b = NULL;
			bool ok = kept && !contention_new(&a, kept, from, to) && !rnd_table(true, end, from, to, &b, NULL);

			cases++;
			same += ok && same_table(a, b) && ref_table_ok(kept, b, from, to);
			for (size_t i = 0; ok && i < contention_count(a); i++) {
				const struct contention_row *row = contention_row(a, i);
				uint64_t held = 0;

				for (size_t h = 0; h < row->nholders; h++)
					held += row->holder[h].hold_ns;
				unions += row->nholders && held < row->total_ns;
			}
			contention_free(a);
			contention_free(b);
		}
		spans_free(kept);
	}
	CHECK(same == cases && cases == 32, "contention: summed as read = made from every span = worked out again "
					    "object by object, 8 random traces, 4 windows each");
	CHECK(unions > 0, "contention: the random traces have holders whose waits overlap");
}

/* A history of the generated trace trimmed as a capped reading trims it:
 * at each of cuts[0 .. n) (rising) once the events reach lag past it (a
 * reading trims its older half: waits across the cut may have ended by
 * then). NULL on an error. */
static struct spans *history_trimmed(uint64_t end, const uint64_t *cuts, size_t ncuts, uint64_t lag)
{
	struct spans *s = NULL;
	bool ok = !spans_new(&s, RT, SPANS_ALL);
	size_t c = 0;

	for (size_t i = 0; ok && i < rnd_n; i++) {
		for (; c < ncuts && rnd_ev[i].ts >= cuts[c] + lag; c++)
			spans_trim(s, cuts[c]);
		ok = !spans_add(s, &rnd_ev[i]);
	}
	if (ok && !spans_finish(s, end))
		return s;
	spans_free(s);
	return NULL;
}

/* The random traces again, each history trimmed three times up to a
 * window's start as it is read (the view's w overlay of a window, under a
 * memory cap), as the events reach each cut or a while after it: a wait
 * begun before a trim and charged to its holder finds that holder's
 * release the trims forgot, so the table of the window is the one the
 * whole history gives. */
static void test_trimmed_random(void)
{
	static const uint64_t lags[3] = { 0, 300 * MS / 1000, 3 * MS };
	size_t cases = 0, same = 0, reached = 0;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		uint64_t end = rnd_trace(seed, 6000);
		struct spans *kept = history_of(rnd_ev, rnd_n, RT, end);

		for (int k = 0; k < 6; k++) {
			uint64_t from = 2 * MS + rnd(end - 4 * MS), to = from + 1 + rnd(end - from);
			uint64_t cuts[3] = { from / 3, 2 * (from / 3), from };
			struct spans *cut = history_trimmed(end, cuts, 3, lags[k % 3]);
			const struct spans_release *early;
			struct contention *a = NULL, *b = NULL;
			bool ok = kept && cut && !contention_new(&a, kept, from, to) && !contention_new(&b, cut, from, to);

			cases++;
			same += ok && same_table(a, b);
			reached += cut && spans_trim_releases(cut, &early) > 0;
			contention_free(a);
			contention_free(b);
			spans_free(cut);
		}
		spans_free(kept);
	}
	CHECK(same == cases && cases == 48, "contention: a history trimmed up to the window's start gives the table "
					    "the whole history gives, 8 random traces, 6 windows each (trimmed as the "
					    "events reach the cuts, 300 us and 3 ms after)");
	CHECK(reached > 0, "contention: the trims kept releases that waits under way needed");
}

/* A release kept by one trim is kept by the next while its wait still
 * crosses it: W (21) and V (23) block on m0 at 2 ms naming H (22); H's
 * unlock wakes V at 3 ms; trims at 4 and 6 ms; X (24) wakes W through m0
 * at 7 ms. The window from 6 ms charges H nothing (it handed m0 over at
 * 3 ms), trimmed or not; without the first trim's release, W's last
 * millisecond went to H. */
static void test_trimmed_twice(void)
{
	static const uint64_t cuts[2] = { 4 * MS, 6 * MS };
	struct contention *a = NULL, *b = NULL;
	struct spans *kept, *cut;
	const struct spans_release *early;
	const struct contention_row *r;

	rnd_start();
	rnd_block(2 * MS, 0, 0x5000, true, 22);
	rnd_block(2 * MS, 2, 0x5000, true, 22);
	rnd_wake(3 * MS, 1, 2, 0x5000, true);
	rnd_wake(7 * MS, 3, 0, 0x5000, true);
	rnd_push(9 * MS, EVENT_SWITCH, 5, 26, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	kept = history_of(rnd_ev, rnd_n, RT, 10 * MS);
	cut = history_trimmed(10 * MS, cuts, 2, 0);
	CHECK(kept && cut && !contention_new(&a, kept, 6 * MS, 10 * MS) && !contention_new(&b, cut, 6 * MS, 10 * MS) &&
		      same_table(a, b) && (r = contention_row(b, 0)) && r->nholders == 1 && r->holder[0].hold_ns == 0 &&
		      spans_trim_releases(cut, &early) == 1 && early[0].ts == 3 * MS,
	      "contention: a release the first trim kept is kept by the second while its wait crosses it");
	contention_free(a);
	contention_free(b);
	spans_free(kept);
	spans_free(cut);
}

/* A generated trace: thread 21 blocks at 2 ms on the mutex at addr, held
 * by 22, for the whole trace, while thread 23 waits n times on m0 naming
 * 22, 10 us at a time, woken by 22. Returns its end. */
static uint64_t rnd_long_wait(uint64_t addr, int n)
{
	uint64_t t = 2 * MS;

	rnd_start();
	rnd_block(2 * MS, 0, addr, true, 22);
	for (int k = 0; k < n; k++) {
		rnd_block(t += 10000, 2, 0x5000, true, 22);
		rnd_wake(t += 10000, 1, 2, 0x5000, true);
	}
	return t + MS;
}

/* A wait that lasts the whole trace (thread 21 on m1, held by 22) while
 * thread 23 waits on m0 naming 22 a hundred thousand times, 10 us at a
 * time: the long wait does not hold back the settling of m0's intervals,
 * so the sum keeps a few thousand at most, and its table is the
 * reference's. */
static void test_summed_memory(void)
{
	struct contention *b = NULL;
	size_t mem = SIZE_MAX;
	uint64_t end = rnd_long_wait(0x5040, 100000);

	CHECK(!rnd_table(true, end, 0, UINT64_MAX, &b, &mem) && mem < 256 * 1024,
	      "contention: summing 100 000 waits beside a wait under way on another mutex holds less than 256 KB");
	CHECK(ref_ok(rnd_ev, rnd_n, RT, end, 0, UINT64_MAX, b), "contention: and its table is the reference's");
	contention_free(b);
}

/* The same waits inside the long wait, on its own mutex and holder: they
 * are kept (the long wait may yet end in the past, below), and each,
 * like the long wait, is charged to 22 up to 22's next unlock. */
static void test_summed_inside(void)
{
	struct contention *b = NULL;
	const struct contention_row *r;
	uint64_t end = rnd_long_wait(0x5000, 20000);

	CHECK(!rnd_table(true, end, 0, UINT64_MAX, &b, NULL) && ref_ok(rnd_ev, rnd_n, RT, end, 0, UINT64_MAX, b),
	      "contention: waits inside a wait under way on the same mutex and holder: the reference's table");
	r = contention_row(b, 0);
	CHECK(r && r->waits == 20001 && r->nholders == 1 && r->holder[0].hold_ns == 20001 * 10000ull,
	      "contention: 22 held m0 while others waited 20 us from the long wait's start to its first unlock, then "
	      "10 us in each short wait until its unlock (it was the whole long wait, though 22 unlocked m0 20 000 "
	      "times)");
	contention_free(b);
}

/* Ties: m0 and m1 each waited on 1 ms (rows by object then), m2 2 ms,
 * held 1 ms by 22 and 1 ms by 25 (holders by thread then). */
static void test_summed_ties(void)
{
	struct contention *b = NULL;
	const struct contention_row *r;
	struct spans *names = NULL; /* (the labels: the objects are the same in any history of the trace) */
	char m[3][16] = { "", "", "" };

	rnd_start();
	rnd_block(2 * MS, 0, 0x5040, true, 22);
	rnd_block(2 * MS, 3, 0x5000, true, 22);
	rnd_wake(3 * MS, 2, 0, 0x5040, true);
	rnd_wake(3 * MS, 2, 3, 0x5000, true);
	rnd_block(4 * MS, 0, 0x5080, true, 25);
	rnd_block(4 * MS, 3, 0x5080, true, 22);
	rnd_wake(5 * MS, 2, 0, 0x5080, true);
	rnd_wake(5 * MS, 2, 3, 0x5080, true);
	CHECK(!rnd_table(true, 6 * MS, 0, UINT64_MAX, &b, NULL) && ref_ok(rnd_ev, rnd_n, RT, 6 * MS, 0, UINT64_MAX, b),
	      "contention: ties of totals and of holders: the reference's table");
	if (!spans_new(&names, RT, SPANS_NONE))
		for (size_t k = 0; k < rnd_n; k++)
			spans_add(names, &rnd_ev[k]);
	for (size_t i = 0; names && i < 3 && i < contention_count(b); i++)
		spans_object_label(names, contention_row(b, i)->object, m[i], sizeof(m[i]));
	spans_free(names);
	r = contention_row(b, 0);
	CHECK(contention_count(b) == 3 && !strcmp(m[0], "m2") && !strcmp(m[1], "m0") && !strcmp(m[2], "m1") &&
		      r->nholders == 2 && r->holder[0].thread == 1 && r->holder[1].thread == 4,
	      "contention: m2 first, then m0 and m1 (equal totals, by object); m2's holders 22 then 25 (equal)");
	contention_free(b);
}

/* A switch found missed ends a wait under way in the past (the switch
 * before it on that CPU: cut) or undoes it (restated as running from its
 * start), after the sum settled the waits inside it: A (21) blocks on m0
 * held by 23 at 2 ms, B (22) waits on m0 naming 23 1 100 times, then a
 * switch on CPU 3 names A as its prev (A's wakeup and switch-in were
 * lost). The sum must not have counted on A's wait to cover B's. */
static void test_summed_missed(void)
{
	for (int cut = 0; cut < 2; cut++) {
		struct contention *b = NULL;
		uint64_t t = 3 * MS, end;

		rnd_start();
		rnd_block(2 * MS, 0, 0x5000, true, 23);
		if (cut) /* CPU 3: thread 24 gives way to idle at 2.5 ms */
			rnd_push(2 * MS + MS / 2, EVENT_SWITCH, 3, 24, 0, 0, 0, 0, NULL);
		for (int k = 0; k < 1100; k++) {
			rnd_block(t += 10000, 1, 0x5000, true, 23);
			rnd_wake(t += 10000, 2, 1, 0x5000, true);
		}
		rnd_push(t += 10000, EVENT_SWITCH, 3, 21, 0, 0, 0, 0, NULL);
		end = t + MS;
		CHECK(!rnd_table(true, end, 0, UINT64_MAX, &b, NULL) &&
			      ref_ok(rnd_ev, rnd_n, RT, end, 0, UINT64_MAX, b) && contention_count(b) == 1 &&
			      contention_row(b, 0)->holder[0].hold_ns >= 1100 * 10000,
		      cut ? "contention: a wait under way that a missed switch ends in the past: the reference's table"
			  : "contention: a wait under way that a missed switch undoes: the reference's table");
		contention_free(b);
	}
}

/* A wait for any child learns its child only as it ends, so a sum must
 * not settle that child's waits while one is under way: P1 (40) waits for
 * any of its two children from 2 ms; P2 (41, its thread) waits for child
 * C (50) over [3, 4) ms, then on a mutex held by child D (51) 1 100 times
 * (the sum settles meanwhile); C exits at 20 ms, ending P1's wait: C held
 * P1 and P2 over [2, 20) ms, 18 ms, not 19. */
static void test_summed_any_child(void)
{
	struct contention *a = NULL, *b = NULL;
	const struct contention_row *r = NULL;
	uint64_t t = 5 * MS;

	rnd_n = 0;
	rnd_push2(0, EVENT_THREAD, 0, 40, 40, 0, 0, 0, 'R', 0, "p1");
	rnd_push2(0, EVENT_THREAD, 0, 41, 40, 0, 0, 0, 'R', 0, "p2");
	rnd_push2(0, EVENT_FORK, 0, 40, 40, 50, 50, 0, 0, 0, "c");
	rnd_push2(0, EVENT_FORK, 0, 40, 40, 51, 51, 0, 0, 0, "d");
	rnd_push2(0, EVENT_OBJECT, 1, 41, 40, 0, 0, OP_KIND_MUTEX, 0x7000, 0, "m");
	for (int i = 0; i < 4; i++)
		rnd_push2(MS, EVENT_SWITCH, (unsigned)i, 0, 0, (int[]){ 40, 41, 50, 51 }[i], i < 2 ? 40 : 48 + i, 0,
			  0, 0, NULL);
	rnd_push2(2 * MS, EVENT_BLOCK, 0, 40, 40, 0, 0, OP_SYS_WAIT, -1, 0, NULL);
	rnd_push2(2 * MS, EVENT_SWITCH, 0, 40, 40, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	rnd_push2(3 * MS, EVENT_BLOCK, 1, 41, 40, 0, 0, OP_SYS_WAIT, 50, 0, NULL);
	rnd_push2(3 * MS, EVENT_SWITCH, 1, 41, 40, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	rnd_push2(4 * MS, EVENT_WAKING, 2, 50, 50, 41, 40, 0, 0, 0, NULL);
	rnd_push2(4 * MS, EVENT_WAKEUP, 1, 41, 40, 0, 0, 0, 1, 0, NULL);
	rnd_push2(4 * MS, EVENT_SWITCH, 1, 0, 0, 41, 40, 0, 0, 0, NULL);
	for (int k = 0; k < 1100; k++) {
		rnd_push2(t += 1000, EVENT_BLOCK, 1, 41, 40, 51, 51, OP_MUTEX_LOCK, 0x7000, 0x7000, NULL);
		rnd_push2(t, EVENT_SWITCH, 1, 41, 40, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
		rnd_push2(t += 1000, EVENT_WAKING, 3, 51, 51, 41, 40, OP_MUTEX_UNLOCK, 1, 0x7000, NULL);
		rnd_push2(t, EVENT_WAKEUP, 1, 41, 40, 0, 0, 0, 1, 0, NULL);
		rnd_push2(t, EVENT_SWITCH, 1, 0, 0, 41, 40, 0, 0, 0, NULL);
	}
	rnd_push2(20 * MS, EVENT_EXIT, 2, 50, 50, 0, 0, 0, 0, 0, "c");
	rnd_push2(20 * MS, EVENT_WAKING, 2, 50, 50, 40, 40, 0, 0, 0, NULL);
	rnd_push2(20 * MS, EVENT_WAKEUP, 0, 40, 40, 0, 0, 0, 1, 0, NULL);
	rnd_push2(20 * MS, EVENT_SWITCH, 2, 50, 50, 0, 0, 0, EVENT_STATE_DEAD, 0, NULL);
	rnd_push2(20 * MS, EVENT_SWITCH, 0, 0, 0, 40, 40, 0, 0, 0, NULL);
	CHECK(!rnd_table(true, 25 * MS, 0, UINT64_MAX, &b, NULL) && !rnd_table(false, 25 * MS, 0, 25 * MS, &a, NULL) &&
		      same_table(a, b) && ref_ok(rnd_ev, rnd_n, RT, 25 * MS, 0, UINT64_MAX, b),
	      "contention: a wait for any child: summed as read = made from every span = the reference's");
	for (size_t i = 0; i < contention_count(b); i++)
		if (contention_row(b, i)->kind == WAIT_CHILD)
			r = contention_row(b, i);
	CHECK(r && r->waits == 2 && r->nholders == 1 && r->holder[0].hold_ns == 18 * MS,
	      "contention: the child held its parent's two threads 18 ms, the union of [2, 20) and [3, 4) ms");
	contention_free(a);
	contention_free(b);
	free(rnd_ev);
	rnd_ev = NULL;
	rnd_cap = 0;
}

/* A trace whose end finds threads 24-26 waiting on m0 held by 22 (from
 * 10 us apart), after n waits on m1: the waits the trace's end ends go to
 * the sum one by one, the others still under way. */
static uint64_t rnd_end_convoy(int n)
{
	uint64_t t = 2 * MS;

	rnd_start();
	for (int k = 0; k < n; k++) {
		rnd_block(t += 10000, 2, 0x5040, true, 22);
		rnd_wake(t += 10000, 1, 2, 0x5040, true);
	}
	for (int i = 3; i < RT; i++)
		rnd_block(t += 10000, i, 0x5000, true, 22);
	return t + MS;
}

/* The sum settling while the trace's end ends the waits under way (the
 * settling after 1024 intervals falls among them for one of these n):
 * the waits not ended yet still hold it back, and every table is the
 * reference's (before, the history said none was under way from the start
 * of its end, and 22's time holding m0 was counted twice). */
static void test_summed_at_end(void)
{
	int ok = 0, tried = 0;

	for (int n = 1016; n <= 1028; n++, tried++) {
		struct contention *b = NULL;
		size_t mem;
		uint64_t end = rnd_end_convoy(n);

		ok += !rnd_table(true, end, 0, UINT64_MAX, &b, &mem) && ref_ok(rnd_ev, rnd_n, RT, end, 0, UINT64_MAX, b);
		contention_free(b);
	}
	CHECK(ok == tried, "contention: a sum settling while the trace's end ends three waits on one mutex and holder "
	      "is the reference's, whichever of them the settling falls on");
}

int main(void)
{
	build(SPANS_ALL);
	test_spans();
	test_table(table_kept);
	test_table(table_summed);
	test_critpath();
	test_critpath_open();
	test_checkpoints();
	spans_free(sp);
	build(SPANS_NONE);
	test_keeps_none();
	spans_free(sp);
	test_calls_handover();
	test_summed_random();
	test_trimmed_random();
	test_trimmed_twice();
	test_summed_memory();
	test_summed_inside();
	test_summed_ties();
	test_summed_missed();
	test_summed_any_child();
	test_summed_at_end();
	return check_summary();
}
