/* Unit tests of the thread history (core/spans.c) and of contention by
 * object (core/contention.c) on a hand-built trace whose answers are known:
 * A holds mutex m; B and C block on it; A's unlock hands it to B, B's to
 * C; later A waits on a condition variable that B wakes without a
 * signal through it. Then the critical paths of that trace (core/critpath.c). */
#include <errno.h>
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

/* The trace of the header: A 11, B 12, C 13 on two CPUs, 10 ms, into a
 * history that keeps keep. */
static void build(unsigned keep)
{
	ntrace = 0;
	spans_new(&sp, 2, keep);
	ev(0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, "A");
	ev(0, EVENT_THREAD, 0, 12, 0, 0, 'R', 0, "B");
	ev(0, EVENT_THREAD, 0, 13, 0, 0, 'R', 0, "C");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
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

/* The table over the whole trace and over a window (the same whether the
 * history keeps every span or only the waits). */
static void test_table(void)
{
	struct contention *c = NULL;
	const struct contention_row *r;
	char label[64];

	CHECK(contention_new(&c, sp, 0, 0) == 0 && contention_count(c) == 2, "contention: two objects waited on");
	r = contention_row(c, 0);
	spans_object_label(sp, r ? r->object : -1, label, sizeof(label));
	CHECK(r && strcmp(label, "m") == 0 && r->kind == WAIT_MUTEX && r->tgid == 10, "contention: m comes first");
	CHECK(r && r->waits == 2 && r->total_ns == 6 * MS && r->longest_ns == 3 * MS && r->waiters == 2,
	      "contention: m: 2 waits, 6 ms in all, 3 ms at longest, 2 waiters");
	CHECK(r && r->handovers == 2, "contention: m: both waits ended by a handover");
	CHECK(r && r->nholders == 1 && r->holder[0].thread == 0 && r->holder[0].waits == 2 &&
		      r->holder[0].hold_ns == 4 * MS,
	      "contention: m: held by A 4 ms while others waited (the union, not the 6 ms sum)");
	r = contention_row(c, 1);
	spans_object_label(sp, r ? r->object : -1, label, sizeof(label));
	CHECK(r && strcmp(label, "cv") == 0 && r->waits == 1 && r->total_ns == 2 * MS && r->handovers == 0 &&
		      r->nholders == 0 && r->longest_thread == 0,
	      "contention: cv: one wait of A, 2 ms, no handover, no holder");
	CHECK(contention_row(c, 2) == NULL, "contention: no third row");
	contention_free(c);

	CHECK(contention_new(&c, sp, 4 * MS, 10 * MS) == 0 && contention_count(c) == 2,
	      "contention: the window [4, 10) ms");
	r = contention_row(c, 0);
	CHECK(r && r->waits == 2 && r->total_ns == 3 * MS && r->longest_ns == 2 * MS && r->longest_thread == 2 &&
		      r->nholders == 1 && r->holder[0].hold_ns == 2 * MS,
	      "contention: in the window m counts 1 + 2 ms, C the longest, A held it 2 ms");
	contention_free(c);
	CHECK(contention_new(&c, sp, 6 * MS, 7 * MS) == 0 && contention_count(c) == 0,
	      "contention: a window with no wait has no rows");
	contention_free(c);
	CHECK(contention_new(&c, sp, 5 * MS, 5 * MS) == -EINVAL && !c, "contention: an empty window is refused");
	CHECK(contention_count(NULL) == 0 && contention_row(NULL, 0) == NULL, "contention: NULL is an empty table");
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

/* A history of the waits alone keeps the blocked spans on objects only. */
static void test_waits_only(void)
{
	uint64_t sum[4];
	size_t n = 0;

	for (size_t i = 0; i < spans_thread_count(sp); i++)
		for (size_t k = 0; k < spans_thread(sp, i)->n; k++)
			n += tl_state_blocked(spans_get(sp, i, k)->state) && spans_get(sp, i, k)->object >= 0;
	CHECK(n == 3 && spans_thread(sp, 1)->n == 1 && spans_thread(sp, 0)->n == 1,
	      "spans: keeping the waits keeps B's, C's and A's waits only");
	CHECK(strcmp(spans_thread(sp, 0)->name, "A") == 0, "spans: the names are kept too");
	spans_cpu_sum(sp, 0, 0, 10 * MS, sum);
	CHECK(sum[TL_CPU_UNKNOWN] == 10 * MS, "spans: keeping the waits keeps no CPU");
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

int main(void)
{
	build(SPANS_ALL);
	test_spans();
	test_table();
	test_critpath();
	test_checkpoints();
	spans_free(sp);
	build(SPANS_WAITS);
	test_waits_only();
	test_table();
	spans_free(sp);
	return check_summary();
}
