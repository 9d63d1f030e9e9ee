/* Unit tests of what the views draw to say why a thread is slow (keys w
 * and y): the contention overlay's rows and the critical path's summary in
 * words (tui/why_text.c), the path highlighted across the lanes and the
 * overlay on the screen (render_screen with a history). A hand-built trace
 * whose answer is known: B runs, blocks 7 ms on mutex lock held by A,
 * which runs all along and whose unlock wakes B; C sleeps throughout. */
#include <string.h>
#include "check.h"
#include "contention.h"
#include "critpath.h"
#include "events.h"
#include "format.h"
#include "render.h"
#include "spans.h"
#include "viewstate.h"
#include "why_text.h"

#define MS 1000000ull
#define WIDTH 80
#define HEIGHT 24

static struct timeline *tl;
static struct spans *sp;

/* Feeds one event to the timeline and the history. */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, unsigned op, int64_t arg, int64_t arg2,
	       const char *text)
{
	struct event e = test_event(20, ts, type, cpu, tid, tid2, op, arg, arg2, text);

	timeline_add(tl, &e);
	spans_add(sp, &e);
}

/* The trace of the header, its first two threads named a and b, its
 * mutex lock. */
static void build_named(const char *a, const char *b, const char *lock);

/* The trace of the header: A 21, B 22, C 23 on two CPUs, 10 ms. */
static void build(void)
{
	build_named("A", "B", "lock");
}

/* The trace of the header, A and B named a and b, the mutex lock. */
static void build_named(const char *a, const char *b, const char *lock)
{
	timeline_new(&tl, 2);
	spans_new(&sp, 2, SPANS_ALL);
	ev(0, EVENT_THREAD, 0, 21, 0, 0, 'R', 0, a);
	ev(0, EVENT_THREAD, 0, 22, 0, 0, 'R', 0, b);
	ev(0, EVENT_THREAD, 0, 23, 0, 0, 'S', 0, "C");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 21, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 22, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_OBJECT, 1, 22, 0, OP_KIND_MUTEX, 0x7000, 0, lock);
	ev(2 * MS, EVENT_BLOCK, 1, 22, 21, OP_MUTEX_LOCK, 0x7000, 0x7000, NULL);
	ev(2 * MS, EVENT_SWITCH, 1, 22, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(9 * MS, EVENT_WAKING, 0, 21, 22, OP_MUTEX_UNLOCK, 1, 0x7000, NULL);
	ev(9 * MS, EVENT_WAKEUP, 1, 22, 0, 0, 1, 0, NULL);
	ev(9 * MS, EVENT_SWITCH, 1, 0, 22, 0, 0, 0, NULL);
	timeline_set_end(tl, 10 * MS);
	spans_finish(sp, 10 * MS);
}

/* The words: the overlay's row of lock, and the path's summary. */
static void test_words(void)
{
	struct contention *c = NULL;
	struct critpath *p = NULL;
	char buf[512], want[256], a[32], head[256];

	CHECK(contention_new(&c, sp, 0, 10 * MS) == 0 && contention_count(c) == 1, "words: one object waited on");
	why_waits_row(sp, contention_row(c, 0), false, 14, buf, sizeof(buf));
	CHECK(strncmp(buf, "lock ", 5) == 0 && strstr(buf, " mutex ") && strstr(buf, "    1     7.000      7.000    1") &&
		      strstr(buf, "  A 7 ms ") && strstr(buf, " ?(20)"),
	      "words: lock, a mutex, 1 wait of 7 ms, 1 waiter, held by A 7 ms while B waited, process 20 (unnamed)");
	CHECK(!strncmp(why_waits_heading(14, head, sizeof(head)), "OBJECT         KIND", 19) && strstr(head, "WAITS"),
	      "words: the heading names the columns");
	CHECK(critpath_new(&p, sp, 1, 0, 10 * MS, 0) == 0, "words: B's path");
	fmt_time_short(a, sizeof(a), 7 * MS, false);
	snprintf(want, sizeof(want), "B's 10 ms: %s on mutex lock for A, which ran %s", a, a);
	why_path_summary(sp, p, false, buf, sizeof(buf));
	CHECK(strcmp(buf, want) == 0, "words: B's 10 ms went 7 ms to A through lock, and A ran them");
	critpath_free(p);
	CHECK(critpath_new(&p, sp, 0, 0, 10 * MS, 0) == 0, "words: A's path");
	why_path_summary(sp, p, false, buf, sizeof(buf));
	CHECK(strncmp(buf, "A's 10 ms: ran ", 15) == 0 && strstr(buf, ", runnable ") && !strstr(buf, " for "),
	      "words: A's time is its own: it ran, and waited for a CPU before its first run");
	why_path_summary(sp, p, false, buf, 8);
	CHECK(strlen(buf) == 7, "words: a short buffer is cut, not overrun");
	critpath_free(p);
	CHECK(critpath_new(&p, sp, 1, 0, 10 * MS, 0) == 0, "words: B's path again");
	{
		bool cut_ok = true;

		for (size_t n = 1; n < 80; n++) {
			memset(buf, 'x', sizeof(buf));
			why_path_summary(sp, p, false, buf, n);
			cut_ok = cut_ok && strlen(buf) < n && buf[n] == 'x' && !strncmp(buf, want, strlen(buf));
		}
		CHECK(cut_ok, "words: at every buffer length the summary is the same words cut, never past the buffer");
	}
	critpath_free(p);
	contention_free(c);
}

/* Threads of one name (a Python program's workers are all "python3") are
 * told apart by their tid in the path's words and the overlay's holder;
 * a name of its own is left alone. */
static void test_same_names(void)
{
	struct contention *c = NULL;
	struct critpath *p = NULL;
	char buf[512], a[32], want[256];

	build_named("python3", "python3", "lock");
	fmt_time_short(a, sizeof(a), 7 * MS, false);
	snprintf(want, sizeof(want), "python3:22's 10 ms: %s on mutex lock for python3:21, which ran %s", a, a);
	CHECK(critpath_new(&p, sp, 1, 0, 10 * MS, 0) == 0, "same names: B's path");
	why_path_summary(sp, p, false, buf, sizeof(buf));
	CHECK(strcmp(buf, want) == 0, "same names: the path's words give each python3 its tid");
	CHECK(contention_new(&c, sp, 0, 10 * MS) == 0 && contention_count(c) == 1 &&
		      strstr(why_waits_row(sp, contention_row(c, 0), false, 14, buf, sizeof(buf)), "python3:21 7 ms"),
	      "same names: so does the overlay's holder");
	critpath_free(p);
	contention_free(c);
	timeline_free(tl);
	spans_free(sp);
	build_named("ThreadPoolExecu", "ThreadPoolExecu", "lock"); /* (15 characters: a thread name's most) */
	CHECK(contention_new(&c, sp, 0, 10 * MS) == 0 && contention_count(c) == 1 &&
		      strstr(why_waits_row(sp, contention_row(c, 0), false, 14, buf, sizeof(buf)), "ThreadPoolExecu:21 7 ms"),
	      "same names: the overlay's holder keeps the whole tid after the longest name");
	contention_free(c);
	timeline_free(tl);
	spans_free(sp);
}

/* A long object name takes the room a wide overlay has, and one that does
 * not fit keeps its start and its end (the address that tells two Python
 * locks apart) around an ellipsis. */
static void test_object_names(void)
{
	struct contention *c = NULL;
	char buf[512], head[256];

	build_named("A", "B", "Python Lock@558b7dca3030");
	CHECK(contention_new(&c, sp, 0, 10 * MS) == 0 && contention_count(c) == 1, "object names: one object");
	CHECK(why_object_columns(76) == 14 && why_object_columns(156) == 40 && why_object_columns(120) == 19,
	      "object names: 14 columns in a narrow overlay, up to 40 in a wide one");
	why_waits_row(sp, contention_row(c, 0), false, 14, buf, sizeof(buf));
	CHECK(!strncmp(buf, "Python\xe2\x80\xa6" "dca3030 mutex", 22),
	      "object names: in 14 columns, its start and its address around an ellipsis");
	why_waits_row(sp, contention_row(c, 0), true, 14, buf, sizeof(buf));
	CHECK(!strncmp(buf, "Python~dca3030 mutex", 20), "object names: '~' in ASCII");
	why_waits_row(sp, contention_row(c, 0), false, why_object_columns(156), buf, sizeof(buf));
	why_waits_heading(why_object_columns(156), head, sizeof(head));
	CHECK(!strncmp(buf, "Python Lock@558b7dca3030                 mutex", 46) &&
		      strstr(head, " KIND") - head == strstr(buf, " mutex") - buf,
	      "object names: whole in a wide overlay, the columns under their heading");
	contention_free(c);
	timeline_free(tl);
	spans_free(sp);
}

/* A path that stops on a thread whose blocked time is only in part the
 * why it names: B waits 2 ms on lock for A (not the largest share), then
 * sleeps 4 ms woken by its timer; the words give all 6 ms blocked and say
 * which part the timer ended (a trial read "blocked 4 ms, woken by a
 * timer" as all of it). */
static void test_split_blocked(void)
{
	struct critpath *p = NULL;
	char buf[512], want[256], all[32], part[32];

	timeline_new(&tl, 2);
	spans_new(&sp, 2, SPANS_ALL);
	ev(0, EVENT_THREAD, 0, 21, 0, 0, 'R', 0, "A");
	ev(0, EVENT_THREAD, 0, 22, 0, 0, 'R', 0, "B");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 21, 0, 0, 0, NULL);
	ev(1 * MS, EVENT_SWITCH, 1, 0, 22, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_OBJECT, 1, 22, 0, OP_KIND_MUTEX, 0x7000, 0, "lock");
	ev(2 * MS, EVENT_BLOCK, 1, 22, 21, OP_MUTEX_LOCK, 0x7000, 0x7000, NULL);
	ev(2 * MS, EVENT_SWITCH, 1, 22, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(4 * MS, EVENT_WAKING, 0, 21, 22, OP_MUTEX_UNLOCK, 1, 0x7000, NULL);
	ev(4 * MS, EVENT_WAKEUP, 1, 22, 0, 0, 1, 0, NULL);
	ev(4 * MS, EVENT_SWITCH, 1, 0, 22, 0, 0, 0, NULL);
	ev(5 * MS, EVENT_BLOCK, 1, 22, 0, OP_SYS_SLEEP, 0, 0, NULL);
	ev(5 * MS, EVENT_SWITCH, 1, 22, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(9 * MS, EVENT_WAKING, 1, 0, 22, 0, 1, 0, NULL);
	ev(9 * MS, EVENT_WAKEUP, 1, 22, 0, 0, 1, 0, NULL);
	ev(9 * MS, EVENT_SWITCH, 1, 0, 22, 0, 0, 0, NULL);
	timeline_set_end(tl, 10 * MS);
	spans_finish(sp, 10 * MS);
	CHECK(critpath_new(&p, sp, 1, 0, 10 * MS, 0) == 0, "split blocked: B's path");
	why_path_summary(sp, p, false, buf, sizeof(buf));
	fmt_time_short(all, sizeof(all), 6 * MS, false);
	fmt_time_short(part, sizeof(part), 4 * MS, false);
	snprintf(want, sizeof(want), "blocked %s (%s of it woken by a timer)", all, part);
	if (!strstr(buf, want))
		printf("  got: %s\n", buf);
	CHECK(strstr(buf, want) != NULL, "split blocked: all of B's blocked time, and the part a timer ended");
	critpath_free(p);
	timeline_free(tl);
	spans_free(sp);
}

/* A thread that lived 2 ms of a 10 ms window: the words say where the
 * rest went (a trial read "worker-0's 146 ms" of a thread that lived 98). */
static void test_not_alive(void)
{
	struct critpath *p = NULL;
	char buf[512], want[64], t[32];

	timeline_new(&tl, 2);
	spans_new(&sp, 2, SPANS_ALL);
	ev(0, EVENT_THREAD, 0, 21, 0, 0, 'R', 0, "A");
	ev(1 * MS, EVENT_SWITCH, 0, 0, 21, 0, 0, 0, NULL);
	ev(2 * MS, EVENT_FORK, 0, 21, 22, 0, 0, 0, "A");
	ev(2 * MS, EVENT_WAKEUP_NEW, 0, 22, 0, 0, 1, 0, NULL);
	ev(2 * MS, EVENT_SWITCH, 1, 0, 22, 0, 0, 0, NULL);
	ev(4 * MS, EVENT_EXIT, 1, 22, 0, 0, 0, 0, "A");
	ev(4 * MS, EVENT_SWITCH, 1, 22, 0, 0, EVENT_STATE_DEAD, 0, NULL);
	timeline_set_end(tl, 10 * MS);
	spans_finish(sp, 10 * MS);
	CHECK(critpath_new(&p, sp, 1, 0, 10 * MS, 0) == 0, "not alive: the child's path");
	why_path_summary(sp, p, false, buf, sizeof(buf));
	fmt_time_short(t, sizeof(t), 8 * MS, false);
	snprintf(want, sizeof(want), ", not alive %s", t);
	if (!strstr(buf, want))
		printf("  got: %s\n", buf);
	CHECK(strstr(buf, want) != NULL, "not alive: the window's 8 ms the thread did not live are said");
	critpath_free(p);
	timeline_free(tl);
	spans_free(sp);
}

/* The screen row whose lane label names thread name, or -1. */
static int lane_row(const struct grid *g, const char *name)
{
	for (int y = 0; y < grid_height(g); y++) {
		const struct grid_cell *c = grid_at(g, 2, y), *d = grid_at(g, 3, y);

		if (c && c->ch == (unsigned char)name[0] && d && d->ch == ' ' && grid_at(g, 0, y)->ch != ' ')
			return y;
	}
	return -1;
}

/* The columns of lane row y drawn highlighted, as a string of '#' and '.'. */
static const char *marked(const struct grid *g, int y, int ncols, char *buf)
{
	for (int c = 0; c < ncols; c++) {
		const struct grid_cell *cell = grid_at(g, RENDER_LANE_X + c, y);

		buf[c] = cell && (cell->attr & GRID_UNDERLINE) && (cell->attr & GRID_REVERSE) ? '#' : '.';
	}
	buf[ncols] = '\0';
	return buf;
}

/* Whether some row of g holds text. */
static bool screen_has(const struct grid *g, const char *text)
{
	for (int y = 0; y < grid_height(g); y++) {
		char row[WIDTH * 4 + 1];
		int n = 0;

		for (int x = 0; x < grid_width(g); x++) {
			uint32_t ch = grid_at(g, x, y)->ch;

			row[n++] = ch < 0x80 ? (char)ch : '?';
		}
		row[n] = '\0';
		if (strstr(row, text))
			return true;
	}
	return false;
}

/* The screen: B's path highlighted on B's lane where B ran or waited for a
 * CPU, on A's where A ran for B, nowhere on C's; the summary under the
 * lanes; then the contention overlay. */
static void test_screen(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	struct grid *g = grid_new(WIDTH, HEIGHT);
	struct view v = { .mode = VIEW_REPLAY, .ns_per_col = MS / 2, .cursor = UINT64_MAX, .speed = 1 };
	struct critpath *p = NULL;
	struct contention *c = NULL;
	char m[3][64];
	int ya, yb, yc;

	critpath_new(&p, sp, 1, 0, 10 * MS, 0);
	v.spans = sp;
	v.path = p;
	render_screen(g, tl, &v, th);
	ya = lane_row(g, "A");
	yb = lane_row(g, "B");
	yc = lane_row(g, "C");
	CHECK(ya > 0 && yb > 0 && yc > 0, "screen: the three lanes");
	marked(g, ya, 20, m[0]);
	marked(g, yb, 20, m[1]);
	marked(g, yc, 20, m[2]);
	CHECK(!strcmp(m[1], "####..............##"), "screen: B's lane is marked where B was runnable and ran");
	CHECK(!strcmp(m[0], "....##############.."), "screen: A's lane where A ran while B waited on lock");
	CHECK(!strcmp(m[2], "...................."), "screen: C's lane is not on the path");
	CHECK(screen_has(g, "B's 10 ms: 7 ms on mutex lock for A"), "screen: the summary under the lanes");
	v.path = NULL;
	render_screen(g, tl, &v, th);
	CHECK(!strcmp(marked(g, yb, 20, m[1]), "....................") && !screen_has(g, "B's 10 ms"),
	      "screen: without a path nothing is marked or said");
	v.why_note = "no critical path: test";
	render_screen(g, tl, &v, th);
	CHECK(screen_has(g, "no critical path: test"), "screen: why there is no path, in its place");
	v.why_note = NULL;
	contention_new(&c, sp, 0, 10 * MS);
	v.waits = true;
	v.contention = c;
	v.waits_title = "waits by object, test";
	render_screen(g, tl, &v, th);
	CHECK(screen_has(g, "waits by object, test") && screen_has(g, "OBJECT") && screen_has(g, "lock           mutex"),
	      "screen: the overlay, its title, heading and the row of lock");
	contention_free(c);
	v.contention = NULL;
	render_screen(g, tl, &v, th);
	CHECK(screen_has(g, "no thread blocked on an object"), "screen: an empty table says so");
	critpath_free(p);
	grid_free(g);
}

/* The view state's keys: w, y on the focused lane, y again, Esc, and the
 * window the view's contention and path are computed over. */
static void test_keys(void)
{
	struct viewstate vs;
	uint64_t from, to;

	viewstate_init_replay(&vs, tl, "t", 1.0, true, WIDTH, HEIGHT);
	CHECK(vs.path_thread == -1 && !vs.v.waits, "keys: nothing shown at first");
	viewstate_toggle_waits(&vs);
	CHECK(vs.v.waits, "keys: w opens the overlay");
	viewstate_escape(&vs);
	CHECK(!vs.v.waits, "keys: Esc closes it");
	viewstate_move_focus(&vs, 1);
	viewstate_toggle_path(&vs);
	CHECK(vs.path_thread == 1, "keys: y takes the focused lane's thread (B)");
	viewstate_toggle_path(&vs);
	CHECK(vs.path_thread == -1, "keys: y again clears it");
	viewstate_set_filter(&vs, "C");
	CHECK(viewstate_focused_thread(&vs) == 2, "keys: under a filter, the focused lane is the one it shows");
	viewstate_set_filter(&vs, "nobody");
	viewstate_toggle_path(&vs);
	CHECK(vs.path_thread == -1 && vs.note[0], "keys: no lane shown, no path, and a note says why");
	viewstate_set_filter(&vs, "");
	viewstate_toggle_classroom(&vs);
	viewstate_toggle_path(&vs);
	CHECK(vs.path_thread == -1 && strstr(vs.note, "classroom"), "keys: not in the classroom view, which says so");
	viewstate_toggle_classroom(&vs);
	viewstate_window(&vs, &from, &to);
	CHECK(from == 0 && to == 10 * MS, "keys: the window shown is the whole trace, clipped to its end");
	vs.v.predict = true;
	vs.v.cursor = 4 * MS;
	viewstate_window(&vs, &from, &to);
	CHECK(from == 0 && to == 4 * MS + 1, "keys: predicting, the window ends at the cursor");
}

/* The overlay holds as many rows as fit, the largest total first, then
 * how many more: B waits on 20 mutexes m0..m19, on mk for k + 1 ms. */
static void test_more(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	struct grid *g = grid_new(WIDTH, HEIGHT);
	struct view v = { .mode = VIEW_REPLAY, .ns_per_col = MS, .cursor = UINT64_MAX, .speed = 1, .waits = true };
	struct spans *many = NULL;
	struct contention *c = NULL;
	uint64_t t = 1 * MS;

	spans_new(&many, 1, SPANS_ALL);
	for (int k = 0; k < 20; k++) {
		char name[8];
		struct event e[6];

		snprintf(name, sizeof(name), "m%d", k);
		e[0] = test_event(20, t, EVENT_OBJECT, 0, 22, 0, OP_KIND_MUTEX, 0x8000 + k * 0x40, 0, name);
		e[1] = test_event(20, t, EVENT_SWITCH, 0, 0, 22, 0, 0, 0, NULL);
		e[2] = test_event(20, t, EVENT_BLOCK, 0, 22, 0, OP_MUTEX_LOCK, 0x8000 + k * 0x40, 0x8000 + k * 0x40, NULL);
		e[3] = test_event(20, t, EVENT_SWITCH, 0, 22, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
		t += (uint64_t)(k + 1) * MS;
		e[4] = test_event(20, t, EVENT_WAKEUP, 0, 22, 0, 0, 0, 0, NULL);
		e[5] = test_event(20, t, EVENT_SWITCH, 0, 0, 22, 0, 0, 0, NULL);
		for (int j = 0; j < 6; j++)
			spans_add(many, &e[j]);
	}
	spans_finish(many, t + MS);
	contention_new(&c, many, 0, 0);
	v.spans = many;
	v.contention = c;
	render_screen(g, tl, &v, th);
	CHECK(contention_count(c) == 20 && screen_has(g, "m19  ") && screen_has(g, "m4  ") && !screen_has(g, "m3  ") &&
		      screen_has(g, "+4 more"),
	      "overlay: 16 rows fit at 80x24, m19 (the longest) to m4, then +4 more");
	contention_free(c);
	spans_free(many);
	grid_free(g);
}

int main(void)
{
	build();
	test_words();
	test_screen();
	test_keys();
	test_more();
	spans_free(sp);
	timeline_free(tl);
	test_same_names();
	test_object_names();
	test_split_blocked();
	test_not_alive();
	return check_summary();
}
