/* Unit tests of many lanes (tui/groups.c, tui/viewgroups.c): the rows of a
 * view grouped by process (a header per process in order of first
 * appearance, its threads under it unless folded, under the filter), what
 * P, f, F, b, B and u do to the view's state, and a process's header row
 * as drawn. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "lanes.h"
#include "render.h"
#include "traces.h"
#include "viewstate.h"

#define MS 1000000ull
#define H(i) (RENDER_ROW_PROC | (size_t)(i))

static struct timeline *tl;

/* Feeds one event of process tgid to tl. */
static void ev(int tgid, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, const char *text)
{
	struct event e = test_event(tgid, ts, type, cpu, tid, tid2, 0, arg, 0, text);

	timeline_add(tl, &e);
}

/* Three processes, their threads in this order of appearance (index: tid
 * tgid name): 0: 301 300 gamma, 1: 101 100 alpha, 2: 201 200 beta-1,
 * 3: 102 100 alpha-w, 4: 202 200 beta-2, 5: 203 200 beta-3. Over 10 ms on
 * 4 CPUs: beta-2 runs [0, 8) (the busiest), alpha runs [0, 2) then sleeps
 * then sleeps, beta-1 runs [0, 1) and [3, 6), gamma [0, 5); alpha-w and
 * beta-3 never act: asleep from before the trace (alpha-w, first of
 * them, is the most blocked). */
static void build(void)
{
	static const struct {
		int tid, tgid;
		const char *name;
	} th[] = { { 301, 300, "gamma" }, { 101, 100, "alpha" },  { 201, 200, "beta-1" },
		   { 102, 100, "alpha-w" }, { 202, 200, "beta-2" }, { 203, 200, "beta-3" } };
	size_t i;

	timeline_new(&tl, 4);
	for (i = 0; i < sizeof(th) / sizeof(th[0]); i++)
		ev(th[i].tgid, 0, EVENT_THREAD, 0, th[i].tid, 0, 'S', th[i].name);
	ev(200, 0, EVENT_SWITCH, 0, 0, 202, EVENT_STATE_RUNNING, NULL);
	ev(100, 0, EVENT_SWITCH, 1, 0, 101, EVENT_STATE_RUNNING, NULL);
	ev(200, 0, EVENT_SWITCH, 2, 0, 201, EVENT_STATE_RUNNING, NULL);
	ev(300, 0, EVENT_SWITCH, 3, 0, 301, EVENT_STATE_RUNNING, NULL);
	ev(200, 1 * MS, EVENT_SWITCH, 2, 201, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(100, 2 * MS, EVENT_SWITCH, 1, 101, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(200, 3 * MS, EVENT_WAKING, 0, 202, 201, 2, NULL);
	ev(200, 3 * MS, EVENT_WAKEUP, 2, 201, 0, 2, NULL);
	ev(200, 3 * MS, EVENT_SWITCH, 2, 0, 201, EVENT_STATE_RUNNING, NULL);
	ev(300, 5 * MS, EVENT_SWITCH, 3, 301, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(200, 6 * MS, EVENT_SWITCH, 2, 201, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(200, 8 * MS, EVENT_SWITCH, 0, 202, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 10 * MS);
}

/* Whether the n rows of view v are the want ones. */
static bool rows_are(const struct view *v, const size_t *want, size_t n)
{
	size_t got[16], m = render_view_threads(tl, v, got, 16);

	return m == n && !memcmp(got, want, n * sizeof(*want));
}

/* The rows of a grouped view: headers in order of first appearance,
 * folding, the filter. */
static void test_rows(void)
{
	struct view v = { .ns_per_col = MS, .cursor = UINT64_MAX };
	static const size_t flat[] = { 0, 1, 2, 3, 4, 5 };
	static const size_t grouped[] = { H(0), 0, H(1), 1, 3, H(2), 2, 4, 5 };
	static const size_t one_folded[] = { H(0), 0, H(1), H(2), 2, 4, 5 };
	static const size_t all_folded[] = { H(0), H(1), H(2) };
	static const size_t all_but_one[] = { H(0), H(1), 1, 3, H(2) };
	static const size_t beta[] = { H(2), 2, 4, 5 };
	static const size_t w[] = { H(1), 3 };
	int32_t flip = 100;

	CHECK(rows_are(&v, flat, 6), "rows: ungrouped, every thread in order");
	v.group = true;
	CHECK(rows_are(&v, grouped, 9), "rows: grouped, a header per process in order of appearance, its threads under it");
	v.fold_flip = &flip;
	v.nfold_flip = 1;
	CHECK(render_process_folded(&v, 100) && !render_process_folded(&v, 200) && rows_are(&v, one_folded, 7),
	      "rows: a folded process shows its header only");
	v.fold_all = true;
	CHECK(!render_process_folded(&v, 100) && rows_are(&v, all_but_one, 5),
	      "rows: everything folded but the process flipped open");
	v.nfold_flip = 0;
	CHECK(rows_are(&v, all_folded, 3), "rows: everything folded, a header each");
	v.fold_all = false;
	v.filter = "BETA";
	CHECK(rows_are(&v, beta, 4), "rows: the filter (any case) keeps the processes with a thread it lets through");
	v.filter = "-w";
	CHECK(rows_are(&v, w, 2), "rows: filtered, a header and the one thread that matches");
	v.filter = "nothing";
	CHECK(render_view_threads(tl, &v, NULL, 0) == 0, "rows: no thread matches, no header either");
	v.classroom = true;
	v.filter = NULL;
	CHECK(rows_are(&v, flat, 6), "rows: the classroom view is never grouped");
}

/* The focused row. */
static size_t focus_row(const struct viewstate *vs)
{
	size_t rows[16], n = render_view_threads(tl, &vs->v, rows, 16);

	return vs->v.focus < n ? rows[vs->v.focus] : SIZE_MAX;
}

/* P, f, F: grouping and folding move the focus with its thread. */
static void test_keys(void)
{
	struct viewstate vs;

	viewstate_init_replay(&vs, tl, "t", 1.0, true, 80, 24);
	vs.v.focus = 3; /* alpha-w */
	viewstate_toggle_group(&vs);
	CHECK(vs.v.group && focus_row(&vs) == 3 && vs.v.focus == 4, "P: grouped, the focus stays on alpha-w (row 4)");
	viewstate_fold(&vs);
	CHECK(render_process_folded(&vs.v, 100) && focus_row(&vs) == H(1) && strstr(vs.note, "folded"),
	      "f: folds alpha-w's process, the focus on its header");
	viewstate_fold(&vs);
	CHECK(!render_process_folded(&vs.v, 100) && focus_row(&vs) == H(1) && strstr(vs.note, "opened"),
	      "f on the header: opens it again");
	viewstate_fold_all(&vs);
	CHECK(render_view_threads(tl, &vs.v, NULL, 0) == 3 && focus_row(&vs) == H(1), "F: every process folded");
	viewstate_fold_all(&vs);
	CHECK(render_view_threads(tl, &vs.v, NULL, 0) == 9, "F again: every process open");
	vs.v.focus = 7; /* beta-2 */
	viewstate_toggle_group(&vs);
	CHECK(!vs.v.group && focus_row(&vs) == 4, "P again: ungrouped, the focus still on beta-2");
	viewstate_fold(&vs);
	CHECK(vs.v.group && render_process_folded(&vs.v, 200) && focus_row(&vs) == H(2),
	      "f ungrouped: groups the lanes and folds the focused thread's process");
}

/* b, B: the busiest and the most blocked thread of the window, its
 * process opened, in focus and on screen; the filter limits the choice. */
static void test_jump(void)
{
	struct viewstate vs;

	viewstate_init_replay(&vs, tl, "t", 1.0, true, 80, 24);
	CHECK(viewstate_jump(&vs, false) == 4 && focus_row(&vs) == 4 && strstr(vs.note, "busiest") &&
		      strstr(vs.note, "beta-2"),
	      "b: beta-2, which ran 8 ms of 10, in focus, named");
	CHECK(viewstate_jump(&vs, true) == 3 && focus_row(&vs) == 3 && strstr(vs.note, "alpha-w") &&
		      strstr(vs.note, "100%"),
	      "B: alpha-w, asleep all 10 ms (the first of two)");
	viewstate_fold_all(&vs);
	CHECK(viewstate_jump(&vs, false) == 4 && !render_process_folded(&vs.v, 200) && render_process_folded(&vs.v, 100) &&
		      focus_row(&vs) == 4,
	      "b folded: opens beta-2's process only, and focuses its lane");
	viewstate_set_filter(&vs, "gamma");
	CHECK(viewstate_jump(&vs, false) == 0 && focus_row(&vs) == 0, "b filtered: the busiest among the lanes shown");
	viewstate_set_filter(&vs, "alpha-w");
	CHECK(viewstate_jump(&vs, false) == -1 && strstr(vs.note, "no thread"), "b: a note when no thread shown ran");
}

/* u: a note when every CPU has its own lane; the strip and the letters
 * when CPUs share rows (64 CPUs at 80x24). */
static void test_strip(void)
{
	struct viewstate vs;
	struct grid *g = grid_new(80, 24);
	const struct theme *th = theme_get(THEME_MONO, false);
	bool strip = false, letters = false;
	int y, per;

	viewstate_init_replay(&vs, tl, "t", 1.0, true, 80, 24);
	viewstate_toggle_cpu_strip(&vs);
	CHECK(!vs.v.cpu_letters && strstr(vs.note, "own"), "u: 4 CPUs each in a lane of its own: nothing to fold");
	timeline_free(tl);
	timeline_new(&tl, 64);
	ev(100, 0, EVENT_THREAD, 0, 101, 0, 'R', "a");
	ev(100, 0, EVENT_SWITCH, 0, 0, 101, EVENT_STATE_RUNNING, NULL);
	timeline_set_end(tl, 10 * MS);
	viewstate_init_replay(&vs, tl, "t", 1.0, true, 80, 24);
	CHECK(render_cpu_rows(tl, &vs.v, 80, 24, &per) > 1 && per > 1, "64 CPUs at 80x24 share rows");
	render_screen(g, tl, &vs.v, th);
	for (y = 0; y < 24; y++)
		strip |= grid_at(g, 0, y)->ch == 'C' && grid_at(g, 24, y)->ch == 0x2581; /* 1 of 13: a sliver */
	viewstate_toggle_cpu_strip(&vs);
	render_screen(g, tl, &vs.v, th);
	for (y = 0; y < 24; y++)
		letters |= grid_at(g, 0, y)->ch == 'C' && grid_at(g, 24, y)->ch == 'A';
	CHECK(strip, "u: the first CPU row is a busy strip, one CPU of its row running: a sliver");
	CHECK(vs.v.cpu_letters && letters, "u: then the row shows the thread's letter");
	viewstate_toggle_cpu_strip(&vs);
	vs.v.classroom = true;
	render_screen(g, tl, &vs.v, th);
	strip = letters = false;
	for (y = 0; y < 24; y++)
		for (int x = 0; x < 80; x++) {
			strip |= grid_at(g, x, y)->ch >= 0x2581 && grid_at(g, x, y)->ch <= 0x2588;
			letters |= grid_at(g, x, y)->ch == 'A' && grid_at(g, 0, y)->ch == 'C';
		}
	viewstate_toggle_cpu_strip(&vs);
	CHECK(!strip && letters && !vs.v.cpu_letters && strstr(vs.note, "classroom"),
	      "u: the classroom view keeps the CPU rows' letters, and says so");
	grid_free(g);
}

/* A process's header row: the triangle, name and count, tgid, the share
 * of its threads running. */
static bool grid_holds(const struct grid *g, const char *text);

/* Grouped, the screen has a header row per process and a row per thread,
 * all of them when there is room (the frame once kept as many rows as
 * threads, dropping the last ones with no "+N more"). */
static void test_header(void)
{
	struct view v = { .ns_per_col = MS, .cursor = UINT64_MAX, .group = true, .t0 = 0 };
	struct grid *g = grid_new(80, 24);
	const struct theme *th = theme_get(THEME_MONO, false), *ascii = theme_get(THEME_MONO, true);
	char row[128];
	int y, x, found = -1;

	render_screen(g, tl, &v, th);
	for (y = 0; y < 24 && found < 0; y++)
		if (grid_at(g, 0, y)->ch == 0x25be && grid_at(g, 2, y)->ch == 'b')
			found = y;
	for (x = 0; found >= 0 && x < 22; x++)
		row[x] = (char)(grid_at(g, x + 2, found)->ch & 0x7f);
	row[found >= 0 ? 22 : 0] = 0;
	CHECK(found >= 0 && !strncmp(row, "beta-1 (3)", 10) && strstr(row, "200"),
	      "header: an open triangle, the process's name and thread count, its tgid");
	CHECK(grid_holds(g, "beta-2") && grid_holds(g, "beta-3") && !grid_holds(g, "more"),
	      "header: 9 rows for 6 threads, all drawn: the last process's threads too");
	/* beta's three threads in [0, 1 ms): beta-1 and beta-2 run, beta-3 sleeps */
	CHECK(found >= 0 && grid_at(g, RENDER_LANE_X, found)->ch == 0x2586,
	      "header: two of its three threads running: six eighths");
	CHECK(found >= 0 && grid_at(g, RENDER_LANE_X + 1, found)->ch == 0x2583,
	      "header: one of three running in [1, 2) ms: three eighths");
	CHECK(found >= 0 && grid_at(g, RENDER_LANE_X + 8, found)->ch == ' ',
	      "header: none running in [8, 9) ms: blank");
	v.fold_all = true;
	render_screen(g, tl, &v, ascii);
	found = -1;
	for (y = 0; y < 24 && found < 0; y++)
		if (grid_at(g, 0, y)->ch == '+' && grid_at(g, 2, y)->ch == 'b')
			found = y;
	CHECK(found >= 0 && grid_at(g, RENDER_LANE_X, found)->ch == '6', "header ASCII: folded is +, six eighths 6");
	grid_free(g);
}

/* A process of 12 345 threads, folded: its header counts them in
 * thousands, leaving the name room ("(12345)" left 2 letters of it). */
static void test_header_many(void)
{
	struct timeline *many = tl;
	struct view v = { .ns_per_col = MS, .cursor = UINT64_MAX, .group = true, .fold_all = true, .t0 = 0 };
	struct grid *g = grid_new(80, 24);
	int i;

	timeline_new(&tl, 2);
	for (i = 0; i < 12345; i++)
		ev(500, 0, EVENT_THREAD, 0, 501 + i, 0, 'S', "python3");
	timeline_set_end(tl, 10 * MS);
	render_screen(g, tl, &v, theme_get(THEME_MONO, true));
	CHECK(grid_holds(g, "(12k)") && grid_holds(g, "pyth") && !grid_holds(g, "12345"),
	      "header of 12 345 threads: counted in thousands, (12k), the name before it");
	timeline_free(tl);
	tl = many;
	grid_free(g);
}

/* What a process's header skips (lanes_not_alive): for every thread of
 * eight traces of tests/data, read whole and trimmed at its middle with an
 * overview of what the trim forgot (as a live view and a capped replay
 * keep one), in windows of a 1000th, a 100th and a 10th of the trace
 * across it, each window it calls not alive has sums all TL_NOT_ALIVE.
 * Without a bucket's margin around the lifetime 24 windows failed. */
static void test_lifetimes(void)
{
	static const char *const names[] = { "prodcons", "class-pool", "class-processes", "lifecycle",
					      "childwait", "class-oversub", "class-shutdown", "class-philosophers" };
	static const unsigned parts[] = { 1000, 100, 10 };
	size_t f, i, p, skipped = 0, bad = 0;
	int trimmed;

	for (f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		for (trimmed = 0; trimmed < 2; trimmed++) {
			struct timeline *x = NULL;
			char path[128];
			uint64_t end, a, w;

			snprintf(path, sizeof(path), "tests/data/%s.ctrace", names[f]);
			if (test_timeline_of(path, &x)) {
				bad++;
				continue;
			}
			end = timeline_end(x);
			if (trimmed && (timeline_keep_overview(x, 1 << 20) || timeline_trim(x, end / 2)))
				bad++;
			for (i = 0; i < timeline_thread_count(x); i++)
				for (p = 0; p < sizeof(parts) / sizeof(parts[0]); p++)
					for (w = end / parts[p] + 1, a = 0; a < end; a += w) {
						uint64_t sum[TL_STATE_MAX];

						if (!lanes_not_alive(x, i, a, a + w, lanes_alive_margin(x)))
							continue;
						skipped++;
						timeline_thread_sum(x, i, a, a + w, sum);
						bad += sum[TL_NOT_ALIVE] != w;
					}
			timeline_free(x);
		}
	}
	printf("  %zu windows skipped as not alive, %zu of them with time alive\n", skipped, bad);
	CHECK(skipped > 1000 && !bad, "a window a header skips as not alive holds no time alive of the thread");
}

/* Whether some row of g holds text (ASCII). */
static bool grid_holds(const struct grid *g, const char *text)
{
	char row[512];
	int y, x, w = grid_width(g);

	for (y = 0; y < grid_height(g); y++) {
		for (x = 0; x < w && x < (int)sizeof(row) - 1; x++) {
			uint32_t c = grid_at(g, x, y)->ch;

			row[x] = c < 0x80 ? (char)c : '?';
		}
		row[x] = '\0';
		if (strstr(row, text))
			return true;
	}
	return false;
}

/* The inspect panel of a grouped view: a process's header row counts its
 * threads' states at the cursor. */
static void test_inspect(void)
{
	struct view v = { .ns_per_col = MS, .cursor = MS / 2, .group = true, .inspect = true, .mode = VIEW_REPLAY };
	struct grid *g = grid_new(100, 40);

	render_screen(g, tl, &v, theme_get(THEME_MONO, false));
	CHECK(grid_holds(g, "process 200: 2 running, 0 runnable, 1 blocked, 0 not alive") &&
		      grid_holds(g, "process 100: 1 running, 0 runnable, 1 blocked"),
	      "inspect: a process's header says how many of its threads ran, waited, blocked at the cursor");
	grid_free(g);
}

/* Runs the many-lanes tests. */
int main(void)
{
	build();
	test_rows();
	test_keys();
	test_jump();
	test_header();
	test_header_many();
	test_lifetimes();
	test_inspect();
	test_strip();
	timeline_free(tl);
	return check_summary();
}
