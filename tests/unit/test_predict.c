/* Unit tests of tui/predict.c, predict-then-reveal: which moments of a
 * timeline are worth a question (a thread of the program waking one of
 * several threads that wait on one object; never another program's or the
 * kernel's wakeup, a sleep or I/O, or a single waiter), the candidates and
 * the answer, the question and the answer in words, a round (guesses,
 * reveal, score, the answer held, asked again after going back), the
 * search's budget on a long timeline; then
 * through the view state and the renderer: the replay stops before the
 * moment, draws nothing after the cursor, and the answer takes the
 * question's place. On a hand-built timeline (a mutex handover) and on
 * the recorded prodcons and barrier traces of tests/data. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "predict.h"
#include "render.h"
#include "theme.h"
#include "trace.h"
#include "traces.h"
#include "viewstate.h"

#define MS 1000000ull

static struct timeline *tl;

/* Feeds one event to the timeline. */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, unsigned op, int64_t arg)
{
	struct event e = test_event(10, ts, type, cpu, tid, tid2, op, arg, 0, NULL);

	timeline_add(tl, &e);
}

/* A thread named text existed at 0. */
static void thread(int tid, const char *name)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.type = EVENT_THREAD;
	e.tid = tid;
	e.tgid = 10;
	e.arg = 'R';
	snprintf(e.text, sizeof(e.text), "%s", name);
	timeline_add(tl, &e);
}

/* tid blocks in op on obj (tid2: the holder) and leaves its CPU to next. */
static void block(uint64_t ts, unsigned cpu, int tid, unsigned op, int64_t obj, int holder, int next)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = EVENT_BLOCK;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = 10;
	e.tid2 = holder;
	e.op = op;
	e.arg = obj;
	timeline_add(tl, &e);
	ev(ts, EVENT_SWITCH, cpu, tid, next, 0, EVENT_STATE_INTERRUPTIBLE);
}

/* waker wakes tid onto cpu, which runs it at once. */
static void wake(uint64_t ts, int waker, int tid, unsigned cpu)
{
	ev(ts, EVENT_WAKING, cpu, waker, tid, 0, cpu);
	ev(ts, EVENT_WAKEUP, cpu, tid, 0, 0, cpu);
	ev(ts, EVENT_SWITCH, cpu, 0, tid, 0, 0);
}

/* A holds table_lock; B (2 ms) and C (3 ms) block on it; D sleeps (4 ms).
 * At 5 ms A unlocks and wakes C: the one question. At 6 ms another
 * program wakes D (a sleep); at 7 ms A wakes B, alone waiting by then. */
static void build_handover(void)
{
	timeline_new(&tl, 2);
	thread(11, "holder");
	thread(12, "waiter-b");
	thread(13, "waiter-c");
	thread(14, "sleeper");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0);
	{
		struct event e;

		memset(&e, 0, sizeof(e));
		e.ts = 1 * MS;
		e.type = EVENT_OBJECT;
		e.tid = 11;
		e.tgid = 10;
		e.op = OP_KIND_MUTEX;
		e.arg = 0x5000;
		strcpy(e.text, "table_lock");
		timeline_add(tl, &e);
	}
	block(2 * MS, 1, 12, OP_MUTEX_LOCK, 0x5000, 11, 13);
	block(3 * MS, 1, 13, OP_MUTEX_LOCK, 0x5000, 11, 14);
	block(4 * MS, 1, 14, OP_SYS_SLEEP, 0, 0, 0);
	wake(5 * MS, 11, 13, 1);
	ev(6 * MS, EVENT_SWITCH, 1, 13, 0, 0, EVENT_STATE_INTERRUPTIBLE);
	wake(6 * MS + 1000, -1, 14, 1);
	ev(7 * MS, EVENT_SWITCH, 1, 14, 0, 0, EVENT_STATE_INTERRUPTIBLE);
	wake(7 * MS + 1000, 11, 12, 1);
	timeline_set_end(tl, 10 * MS);
}

/* Reads a trace of tests/data into tl. */
static bool load(const char *path)
{
	return test_timeline_of(path, &tl) == 0;
}

/* Thread i's letter. */
static char letter(size_t i)
{
	return timeline_thread(tl, i)->letter;
}

/* The handover: one question, its candidates, waker and answer. */
static void test_handover(void)
{
	struct predict_moment m;
	uint64_t scanned;
	char label[64], buf[PREDICT_TEXT_MAX];

	build_handover();
	CHECK(predict_find(tl, 0, timeline_end(tl), &m, &scanned) == 1 && m.ts == 5 * MS,
	      "find: the handover of table_lock at 5 ms is the first moment");
	timeline_object_label(tl, m.object, label, sizeof(label));
	CHECK(m.ncand == 2 && letter(m.cand[0]) == 'B' && letter(m.cand[1]) == 'C' && letter(m.waker) == 'A' &&
		      m.state == TL_BLOCKED_MUTEX && !strcmp(label, "table_lock"),
	      "find: B and C wait for table_lock, A wakes");
	CHECK(m.woken == 2u, "find: the answer is C (the second candidate)");
	CHECK(predict_find(tl, 5 * MS, timeline_end(tl), &m, &scanned) == 0 && scanned == timeline_end(tl),
	      "find: nothing after: another program waking a sleeper, and a lone waiter, are not asked");
	CHECK(predict_find(tl, 0, 5 * MS - 1, &m, &scanned) == 0, "find: the range ends before the wakeup: none");
	CHECK(predict_find(tl, 4 * MS, 3 * MS, &m, &scanned) == -EINVAL && predict_find(NULL, 0, 1, &m, &scanned) ==
		      -EINVAL, "find: bad arguments are refused");

	predict_find(tl, 0, timeline_end(tl), &m, &scanned);
	predict_question_words(tl, &m, -1, 200, buf, sizeof(buf));
	CHECK(!strcmp(buf, "PREDICT: [1] B waiter-b and [2] C waiter-c wait for table_lock; A holder unlocks it: "
			   "who gets it?"),
	      "words: the question names the candidates, their keys, the object and the waker");
	predict_question_words(tl, &m, 1, 60, buf, sizeof(buf));
	CHECK(strstr(buf, "[1] B") && strstr(buf, "[2] C") && strstr(buf, "table_lock") &&
		      strstr(buf, "Guess: [2] C") && !strstr(buf, "PREDICT"),
	      "words: narrower, the shorter wording, with the guess");
	predict_answer_words(tl, &m, 0, 0, 1, 200, buf, sizeof(buf));
	CHECK(!strcmp(buf, "ANSWER: [2] C waiter-c gets it, woken by A holder (table_lock). Guess [1]: wrong. "
			   "Score 0/1."),
	      "words: the answer, the guess judged, the score");
	predict_answer_words(tl, &m, -1, 0, 0, 200, buf, sizeof(buf));
	CHECK(!strstr(buf, "Guess") && !strstr(buf, "Score"), "words: no guess, no score: the answer alone");
	timeline_free(tl);
}

/* A round: the clock stops before the moment, guesses, the reveal, the
 * score, the answer held, and asked again after going back. */
static void test_round(void)
{
	struct predict_round r;
	uint64_t stop;
	char buf[PREDICT_TEXT_MAX];

	build_handover();
	predict_round_reset(&r);
	CHECK(!predict_round_words(&r, tl, 80, buf, sizeof(buf)) && buf[0] == '\0', "round: nothing to say at first");
	CHECK(predict_round_guess(&r, 1) == -ENOENT && predict_round_reveal(&r) == -ENOENT,
	      "round: no guess, no reveal without a question");
	CHECK(predict_round_poll(&r, tl, 0, 2 * MS, 0, &stop) == 0 && stop == 2 * MS,
	      "round: the clock moves where there is nothing to ask");
	CHECK(predict_round_poll(&r, tl, 2 * MS, 9 * MS, 0, &stop) == 1 && stop == 5 * MS - 1 &&
		      predict_round_asking(&r) && predict_round_candidates(&r) == 2,
	      "round: stops just before the handover and asks, two candidates");
	CHECK(predict_round_words(&r, tl, 80, buf, sizeof(buf)) && strstr(buf, "who gets it?"),
	      "round: the line is the question");
	CHECK(predict_round_poll(&r, tl, stop, 9 * MS, 0, &stop) == 1 && stop == 5 * MS - 1,
	      "round: the clock stays while the question is open");
	CHECK(predict_round_guess(&r, 3) == -ERANGE && predict_round_guess(&r, 0) == -ERANGE,
	      "round: a key past the candidates is no guess");
	CHECK(predict_round_guess(&r, 2) == 0 && predict_round_words(&r, tl, 80, buf, sizeof(buf)) &&
		      strstr(buf, "Guess: [2] C"),
	      "round: key 2 guesses C, and the question says so");
	CHECK(predict_round_reveal(&r) == 0 && !predict_round_asking(&r) && !predict_round_candidates(&r) &&
		      r.right == 1 && r.guessed == 1,
	      "round: space reveals; the guess was right");
	CHECK(predict_round_words(&r, tl, 200, buf, sizeof(buf)) && strstr(buf, "ANSWER: [2] C waiter-c gets it") &&
		      strstr(buf, "right!") && strstr(buf, "Score 1/1."),
	      "round: the line is now the answer, with the score");
	CHECK(predict_round_poll(&r, tl, 5 * MS - 1, 9 * MS, 1000, &stop) == 0 && stop == 9 * MS &&
		      predict_round_words(&r, tl, 200, buf, sizeof(buf)) && strstr(buf, "ANSWER"),
	      "round: the answer stays while the replay plays on");
	CHECK(predict_round_poll(&r, tl, 0, 9 * MS, PREDICT_HOLD_NS, &stop) == 1 && stop == 5 * MS - 1,
	      "round: gone back before the moment, it is asked again");
	timeline_free(tl);
}

/* A search has a budget: 250 000 wakeups of a sleeper by another program
 * (none worth a question) before a mutex handover; the search stops
 * part-way (-EAGAIN, saying how far it looked) and goes on from there to
 * the handover; a round lets the clock move only as far as was searched. */
static void test_budget(void)
{
	const unsigned n = 250000;
	struct predict_moment m;
	struct predict_round r;
	uint64_t ts = 1 * MS, after = 0, scanned = 0, stop, end;
	unsigned i, calls = 0;
	bool further = true;
	int e = 0;

	timeline_new(&tl, 2);
	thread(11, "holder");
	thread(12, "waiter-b");
	thread(13, "waiter-c");
	thread(14, "sleeper");
	ev(ts, EVENT_SWITCH, 0, 0, 11, 0, 0);
	ev(ts, EVENT_SWITCH, 1, 0, 14, 0, 0);
	for (i = 0; i < n; i++, ts += 1000) {
		block(ts, 1, 14, OP_SYS_SLEEP, 0, 0, 0);
		wake(ts + 500, -1, 14, 1);
	}
	block(ts, 1, 14, OP_SYS_SLEEP, 0, 0, 12);
	block(ts + 1000, 1, 12, OP_MUTEX_LOCK, 0x5000, 11, 13);
	block(ts + 2000, 1, 13, OP_MUTEX_LOCK, 0x5000, 11, 0);
	wake(ts + 3000, 11, 12, 1);
	timeline_set_end(tl, end = ts + MS);
	CHECK(timeline_log_count(tl) > n, "budget: the timeline holds the wakeups");
	e = predict_find(tl, 0, end, &m, &scanned);
	CHECK(e == -EAGAIN && scanned > 0 && scanned < ts, "budget: the search stops part-way and says where");
	after = scanned;
	for (calls = 1; e == -EAGAIN && calls < 100; calls++) {
		e = predict_find(tl, after, end, &m, &scanned);
		further = further && (e != -EAGAIN || scanned > after);
		after = scanned;
	}
	CHECK(further && calls >= 2, "budget: each search goes further");
	CHECK(e == 1 && m.ts == ts + 3000 && letter(m.cand[0]) == 'B' && letter(m.cand[1]) == 'C' && m.woken == 1u,
	      "budget: searching on from there finds the handover");
	predict_round_reset(&r);
	CHECK(predict_round_poll(&r, tl, 0, end, 0, &stop) == 0 && stop > 0 && stop < ts,
	      "round: the clock moves only as far as the search went");
	timeline_free(tl);
}

/* The recorded prodcons: conctop's start gate (main woken by another
 * program) is not asked; the first question is the first time a consumer
 * signals not_full with both producers waiting; every moment has a thread
 * of the program waking one of two or more waiters. */
static void test_prodcons(void)
{
	struct predict_moment m;
	uint64_t after = 0, scanned, first = 0;
	char label[64], buf[PREDICT_TEXT_MAX];
	bool sound = true;
	int n = 0, e;

	if (!load("tests/data/prodcons.ctrace")) {
		CHECK(false, "tests/data/prodcons.ctrace loads (run from the tree's root)");
		return;
	}
	while ((e = predict_find(tl, after, timeline_end(tl), &m, &scanned)) != 0 && n < 10000) {
		if (e < 0) {
			after = scanned;
			continue;
		}
		if (!n)
			first = m.ts;
		sound = sound && m.ncand >= 2 && m.waker < timeline_thread_count(tl) && m.woken &&
			!(m.woken >> m.ncand) && (m.woken & (m.woken - 1)) == 0;
		n++;
		after = m.ts;
	}
	CHECK(n > 10 && sound, "prodcons: many moments, each one waker, two or more waiters, one woken");
	predict_find(tl, 0, timeline_end(tl), &m, &scanned);
	timeline_object_label(tl, m.object, label, sizeof(label));
	CHECK(first > 154 * MS && m.ts == first && letter(m.cand[0]) == 'D' && letter(m.cand[1]) == 'E' &&
		      letter(m.waker) == 'B' && !strcmp(label, "not_full") && m.woken == 1u,
	      "prodcons: the first question: D and E wait on not_full, B signals, D runs (not the start gate)");
	predict_question_words(tl, &m, -1, 78, buf, sizeof(buf));
	CHECK(!strcmp(buf, "[1] D producer-1 and [2] E producer-2 wait on not_full; B signals: who runs?"),
	      "prodcons: the question in 78 columns");
	timeline_free(tl);

	if (!load("tests/data/barrier.ctrace")) {
		CHECK(false, "tests/data/barrier.ctrace loads");
		return;
	}
	CHECK(predict_find(tl, 0, timeline_end(tl), &m, &scanned) == 1 && m.ncand == 2 && m.woken == 3u &&
		      letter(m.waker) == 'D',
	      "barrier: the last runner to arrive wakes both waiters: the answer is both");
	predict_answer_words(tl, &m, -1, 0, 0, 200, buf, sizeof(buf));
	CHECK(strstr(buf, "[1] B runner-1 and [2] C runner-2 both run, woken by D runner-3 (phase_barrier)") != NULL,
	      "barrier: the answer says both run");
	timeline_free(tl);
}

/* Whether any lane row of g holds a glyph right of column x (up to the
 * lanes' right rule): rows whose column x_lane - 1 is the rule. */
static bool drawn_after(const struct grid *g, const struct theme *th, int x_lane, int x)
{
	int y, c, right = grid_width(g) - 1;

	for (y = 0; y < grid_height(g); y++) {
		if (grid_at(g, x_lane - 1, y)->ch != th->vline)
			continue;
		for (c = x + 1; c < right && grid_at(g, c, y)->ch != th->vline; c++)
			if (grid_at(g, c, y)->ch != ' ')
				return true;
	}
	return false;
}

/* Row y of g as text (ASCII theme: one byte a cell). */
static const char *row_text(const struct grid *g, int y)
{
	static char buf[512];
	int x, w = grid_width(g);

	for (x = 0; x < w && x < (int)sizeof(buf) - 1; x++) {
		uint32_t ch = grid_at(g, x, y)->ch;

		buf[x] = ch < 0x80 ? (char)ch : '?';
	}
	buf[x] = '\0';
	return buf;
}

/* The replay of prodcons in the classroom view with predict on: it stops
 * before the first question, nothing after the cursor is drawn (with
 * predict off the same moment shows the future), the question is on the
 * top row, and space puts the answer on that row. */
static void test_view(void)
{
	const struct theme *th = theme_classroom(THEME_MONO, true, false);
	struct grid *g = grid_new(80, 24);
	struct viewstate vs;
	int x_lane, x_cursor, i;

	if (!load("tests/data/prodcons.ctrace") || !g) {
		CHECK(false, "view: the trace loads and a grid is made");
		grid_free(g);
		return;
	}
	viewstate_init_replay(&vs, tl, "prodcons.ctrace", 1.0, false, 80, 24);
	vs.ascii = true;
	viewstate_set_class_scale(&vs, "prodcons --pace 1");
	viewstate_toggle_classroom(&vs);
	viewstate_toggle_predict(&vs);
	for (i = 0; i < 1000 && !vs.v.question && vs.v.playing; i++)
		viewstate_play(&vs, 1 * MS);
	CHECK(vs.v.question && !vs.v.playing && vs.play == vs.predict.m.ts - 1, "view: stops before the question");
	viewstate_frame(&vs, 80, 24);
	render_screen(g, tl, &vs.v, th);
	x_lane = render_view_lane_x(&vs.v, vs.width);
	x_cursor = x_lane + (int)((vs.v.cursor - vs.v.t0) / vs.v.ns_per_col);
	CHECK(vs.v.cursor >= vs.v.t0 && x_cursor < 79, "view: the cursor is on screen");
	CHECK(!drawn_after(g, th, x_lane, x_cursor), "view: no lane cell right of the cursor holds a glyph");
	CHECK(strstr(row_text(g, 0), "wait on not_full") && strstr(row_text(g, 0), "[1] D") &&
		      strstr(row_text(g, 0), "[2] E"),
	      "view: the question on the top row names the candidates and the object");
	vs.v.predict = false;
	render_screen(g, tl, &vs.v, th);
	CHECK(drawn_after(g, th, x_lane, x_cursor), "view: (predict off, the same moment shows what follows)");
	vs.v.predict = true;
	viewstate_guess(&vs, 1);
	viewstate_space(&vs);
	viewstate_frame(&vs, 80, 24);
	render_screen(g, tl, &vs.v, th);
	CHECK(!vs.v.question && vs.v.answer && strstr(row_text(g, 0), "ANSWER: [1] D") &&
		      strstr(row_text(g, 0), "right!"),
	      "view: space: the answer on the same row, the guess judged");
	vs.v.classroom = false;
	render_screen(g, tl, &vs.v, th);
	CHECK(strstr(row_text(g, 22), "ANSWER: [1] D") != NULL, "view: the plain view shows it above the keys");
	grid_free(g);
	timeline_free(tl);
}

int main(void)
{
	test_handover();
	test_round();
	test_budget();
	test_prodcons();
	test_view();
	return check_summary();
}
