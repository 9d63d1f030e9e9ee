/* Unit tests of tui/viewstate.c, the views' state without a terminal: on
 * the ping-pong trace of tests/data (ping, A, runs on CPU0 in [0,1), [2,3)
 * ... ms, pong, B, on CPU1 in [1,2) ...; each wakes the other; the end is
 * 21 ms), the playback clock, pause and follow, zoom steps that keep the
 * cursor's column, scrolling, steps from event to event and from log entry
 * to log entry, go to, predict (nothing to ask here), the classroom scale, focus,
 * filter and Esc, clicks, and the live view following a growing timeline. */
#include <string.h>
#include "check.h"
#include "keymap.h"
#include "scale.h"
#include "trace.h"
#include "traces.h"
#include "viewstate.h"

#define MS 1000000ull
#define US 1000ull
#define NS_PER_S_TEST 1000000000ull
#define W 100
#define H 30

static struct timeline *tl;

/* How many items of the key line's three lines for v say word. */
static int key_line_count(const struct view *v, const char *word)
{
	struct keymap_item items[64];
	int found = 0;

	for (int line = 0; line < 3; line++) {
		int n = keymap_line(v, line, true, items, 64);

		for (int k = 0; k < n; k++)
			found += strstr(items[k].text, word) != NULL;
	}
	return found;
}

/* Reads tests/data/pingpong.ctrace into *out. */
static bool load_pingpong_into(struct timeline **out)
{
	return test_timeline_of("tests/data/pingpong.ctrace", out) == 0 && timeline_end(*out) == 21 * MS;
}

/* Reads it into tl. */
static bool load_pingpong(void)
{
	return load_pingpong_into(&tl);
}

/* The lane column the cursor is in. */
static uint64_t cursor_col(const struct viewstate *vs)
{
	return (vs->v.cursor - vs->v.t0) / vs->v.ns_per_col;
}

/* Zoom steps: 1, 2, 5 x 10^k. */
static void test_steps(void)
{
	CHECK(viewstate_zoom_step(500 * US, true) == MS && viewstate_zoom_step(500 * US, false) == 200 * US &&
		      viewstate_zoom_step(1, false) == 1 && viewstate_zoom_step(2 * MS, false) == MS,
	      "zoom_step: one step out and in");
}

/* The playback clock: plays, pauses, reaches the end, plays again. */
static void test_replay_clock(void)
{
	struct viewstate vs;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, false, W, H);
	CHECK(vs.v.mode == VIEW_REPLAY && vs.v.playing && viewstate_following(&vs), "replay: starts playing");
	CHECK(vs.v.ns_per_col >= 1000 && scale_nice_ceil(vs.v.ns_per_col) == vs.v.ns_per_col &&
		      viewstate_window_ns(&vs) >= 21 * MS && viewstate_window_ns(&vs) / 5 < 21 * MS,
	      "replay: the whole short trace fits the lanes, at a round scale");
	viewstate_frame(&vs, W, H);
	CHECK(vs.v.cursor == 0 && vs.v.t0 == 0, "replay: the playhead starts at 0");
	CHECK(viewstate_play(&vs, 5 * MS) && vs.play == 5 * MS, "replay: 5 ms of wall time moves the clock 5 ms");
	viewstate_speed(&vs, true);
	CHECK(vs.v.speed == 2.0 && !strcmp(vs.note, "speed 2x"), "replay: > goes up the speeds (1, 2, 5, 10 ...), and says so");
	viewstate_play(&vs, 2 * MS);
	viewstate_frame(&vs, W, H);
	CHECK(vs.play == 9 * MS && vs.v.cursor == 9 * MS, "replay: at 2x, 2 ms move it 4 ms; the cursor is the playhead");
	viewstate_space(&vs);
	CHECK(!vs.v.playing && vs.v.cursor == 9 * MS && !viewstate_play(&vs, 5 * MS) && vs.play == 9 * MS,
	      "replay: space pauses; a paused clock does not move");
	viewstate_space(&vs);
	CHECK(vs.v.playing && vs.play == 9 * MS, "replay: space plays on from the cursor");
	viewstate_play(&vs, 100 * MS);
	CHECK(!vs.v.playing && vs.v.cursor == 21 * MS - 1 && strstr(vs.note, "end of the trace"),
	      "replay: the clock stops at the end and says so");
	viewstate_space(&vs);
	CHECK(vs.v.playing && vs.play == 0, "replay: space at the end plays again from the start");
	viewstate_speed(&vs, false);
	for (int i = 0; i < 20; i++)
		viewstate_speed(&vs, false);
	CHECK(vs.v.speed == VIEWSTATE_SPEED_MIN, "replay: the speed stops at its minimum");
	for (int i = 0; i < 20; i++)
		viewstate_speed(&vs, true);
	CHECK(vs.v.speed == VIEWSTATE_SPEED_MAX, "replay: and at its maximum");
	for (int i = 0; i < 6; i++)
		viewstate_speed(&vs, false);
	CHECK(vs.v.speed == 1.0 && !strcmp(vs.note, "speed 1x"),
	      "replay: from 100x, six < come back to 1x (50 20 10 5 2 1; halving gave 0.78125)");
	vs.v.speed = 0.3; /* --speed 0.3 */
	viewstate_speed(&vs, true);
	CHECK(vs.v.speed == 0.5, "replay: from --speed 0.3, > goes to 0.5 on the ladder");
	vs.v.speed = 0.3;
	viewstate_speed(&vs, false);
	CHECK(vs.v.speed == 0.2, "replay: from --speed 0.3, < goes to 0.2");
	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	CHECK(!vs.v.playing && vs.v.cursor == 0, "replay --paused: paused, the cursor at 0");
}

/* A frame that plays on past a page to the end shows the end (a short
 * trace at 1x plays in one frame), in the classroom view and the plain. */
static void test_replay_end_shown(void)
{
	struct viewstate vs;

	for (int classroom = 0; classroom < 2; classroom++) {
		viewstate_init_replay(&vs, tl, "pingpong", 1.0, false, W, H);
		if (classroom)
			viewstate_toggle_classroom(&vs);
		vs.v.ns_per_col = 200 * US; /* a page of lanes: under 21 ms */
		viewstate_frame(&vs, W, H);
		CHECK(viewstate_window_ns(&vs) < 21 * MS && vs.v.t0 == 0, "replay: the first page is shown");
		viewstate_play(&vs, 100 * MS);
		viewstate_frame(&vs, W, H);
		CHECK(!vs.v.playing && vs.v.cursor == 21 * MS - 1 && vs.v.cursor >= vs.v.t0 &&
			      vs.v.cursor < vs.v.t0 + viewstate_window_ns(&vs),
		      classroom ? "replay, classroom: played to the end in one frame, the page shown holds the playhead"
				: "replay: played to the end in one frame, the lanes shown hold the playhead");
	}
}

/* A replay started in a terminal too small fits its scale again when the
 * terminal grows (it kept the tiny width's: 1 s a column); once zoomed,
 * the scale is the user's and a resize keeps it. */
static void test_replay_resize_fit(void)
{
	struct viewstate vs, big;
	uint64_t npc, t;

	viewstate_init_replay(&big, tl, "pingpong", 1.0, true, W, H);
	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, 20, 5);
	CHECK(vs.v.ns_per_col > big.v.ns_per_col, "replay at 20x5: a coarser scale than at the full size");
	viewstate_frame(&vs, W, H);
	CHECK(vs.v.ns_per_col == big.v.ns_per_col, "replay: grown to the full size, the scale is fitted again");
	viewstate_zoom_here(&vs, false);
	npc = vs.v.ns_per_col;
	viewstate_frame(&vs, W / 2, H);
	CHECK(vs.v.ns_per_col == npc, "replay: after a zoom, a resize keeps the user's scale");
	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	viewstate_zoom_here(&vs, false); /* (the scale is the user's) */
	viewstate_zoom_here(&vs, false);
	npc = vs.v.ns_per_col;
	t = viewstate_window_ns(&vs) - 1; /* in the lanes' last column */
	viewstate_place_cursor(&vs, t);
	viewstate_frame(&vs, W / 2, H);
	CHECK(vs.v.ns_per_col == npc && vs.v.cursor == t && t >= vs.v.t0 && t - vs.v.t0 < viewstate_window_ns(&vs),
	      "replay: narrowed, a paused cursor past the lanes' new end is brought into view (same time, same scale)");
}

/* Zoom keeps the cursor's column; it stops at both ends. */
static void test_zoom(void)
{
	struct viewstate vs;
	uint64_t col, npc;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	viewstate_place_cursor(&vs, 7 * MS);
	col = cursor_col(&vs);
	npc = vs.v.ns_per_col;
	viewstate_zoom_here(&vs, false);
	CHECK(vs.v.ns_per_col == viewstate_zoom_step(npc, false) && cursor_col(&vs) == col,
	      "zoom in: one step, the cursor stays in its column");
	viewstate_zoom_here(&vs, false);
	viewstate_zoom_here(&vs, true);
	CHECK(cursor_col(&vs) == col || cursor_col(&vs) + 1 == col || cursor_col(&vs) == col + 1,
	      "zoom in and out: the cursor stays where it was");
	vs.v.ns_per_col = VIEWSTATE_MIN_NS_PER_COL;
	viewstate_zoom_here(&vs, false);
	CHECK(vs.v.ns_per_col == VIEWSTATE_MIN_NS_PER_COL && !strcmp(vs.note, "zoomed in all the way"),
	      "zoom in: stops at the finest scale, and says so");
	for (int i = 0; i < 40; i++)
		viewstate_zoom_here(&vs, true);
	CHECK(vs.v.ns_per_col == scale_nice_ceil((1000 * MS + viewstate_lane_cols(&vs) - 1) /
						    viewstate_lane_cols(&vs)) &&
		      !strcmp(vs.note, "zoomed out all the way"),
	      "zoom out: stops at a second in the lanes (the trace is shorter)");
	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	vs.v.ns_per_col = 10 * US;
	vs.v.t0 = 3 * MS;
	{
		uint64_t before = viewstate_time_at_x(&vs, render_view_lane_x(&vs.v, vs.width) + 10), after;

		viewstate_wheel(&vs, render_view_lane_x(&vs.v, vs.width) + 10, true);
		after = viewstate_time_at_x(&vs, render_view_lane_x(&vs.v, vs.width) + 10);
		CHECK(vs.v.ns_per_col == 5 * US && after + 5 * US > before && after < before + 5 * US,
		      "wheel: zooms in, the time under the pointer stays under it");
		CHECK(vs.v.cursor == before && vs.play == before,
		      "wheel: a paused cursor the zoom leaves outside the lanes (at 0, the lanes from 3 ms) comes to the "
		      "pointer");
	}
}

/* Scrolling: a paused view moves, a playing replay seeks. */
static void test_scroll(void)
{
	struct viewstate vs;
	uint64_t col;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	vs.v.ns_per_col = 100 * US;
	viewstate_place_cursor(&vs, 15 * MS);
	viewstate_scroll_by(&vs, VIEWSTATE_COLUMN, true);
	CHECK(vs.v.t0 % (100 * US) == 0, "scroll: t0 stays on a column");
	CHECK(vs.v.cursor == 15 * MS && vs.play == 15 * MS, "scroll: a cursor still in view stays where it is");
	col = (vs.v.cursor - vs.v.t0) / vs.v.ns_per_col;
	viewstate_scroll_by(&vs, VIEWSTATE_PAGE, true);
	CHECK(vs.v.cursor == 15 * MS - viewstate_window_ns(&vs) && (vs.v.cursor - vs.v.t0) / vs.v.ns_per_col == col &&
		      vs.play == vs.v.cursor,
	      "scroll: a page back leaves the cursor outside: it comes along in its column (space plays from there)");
	for (int i = 0; i < 10; i++)
		viewstate_scroll_by(&vs, VIEWSTATE_PAGE, true);
	CHECK(vs.v.t0 == 0 && vs.v.cursor < viewstate_window_ns(&vs) && vs.play == vs.v.cursor,
	      "scroll: back stops at 0, the cursor in view");
	viewstate_scroll(&vs, INT64_MAX);
	CHECK(vs.v.t0 + viewstate_window_ns(&vs) >= 21 * MS && vs.v.t0 < 21 * MS,
	      "scroll: forward stops with the end in view, even from a huge step");
	CHECK(vs.v.cursor >= vs.v.t0 && vs.v.cursor < 21 * MS, "scroll: ... the cursor along, before the end");
	vs.v.ns_per_col = 160 * US; /* (21 ms is no whole number of columns: the last one ends past it) */
	viewstate_home(&vs);
	viewstate_place_cursor(&vs, viewstate_window_ns(&vs) - 1);
	viewstate_scroll(&vs, INT64_MAX);
	CHECK(vs.v.cursor == 21 * MS - 1 && vs.play == 21 * MS - 1,
	      "scroll: the cursor taken along in the last column stops at the trace's last instant");
	viewstate_init_replay(&vs, tl, "pingpong", 1.0, false, W, H);
	vs.play = 10 * MS;
	viewstate_scroll(&vs, -(int64_t)(3 * MS));
	CHECK(vs.v.playing && vs.play == 7 * MS && vs.v.cursor == 7 * MS, "scroll: a playing replay seeks");
	viewstate_home(&vs);
	CHECK(vs.v.playing && vs.play == 0, "Home: a playing replay starts again");
	viewstate_pause(&vs);
	viewstate_end(&vs);
	CHECK(vs.v.cursor == 21 * MS - 1 && vs.v.t0 + viewstate_window_ns(&vs) >= 21 * MS, "End: the cursor at the end");
}

/* Steps: scheduling events and log entries; go to. */
static void test_steps_and_goto(void)
{
	struct viewstate vs;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, false, W, H);
	viewstate_step(&vs, false);
	CHECK(!vs.v.playing && vs.v.cursor == 1 * MS, "s: pauses, the cursor to the next event (1 ms)");
	viewstate_step(&vs, false);
	CHECK(vs.v.cursor == 2 * MS, "s: then the one after (2 ms)");
	viewstate_step(&vs, true);
	CHECK(vs.v.cursor == 1 * MS, "S: back to 1 ms");
	viewstate_step_log(&vs, false);
	CHECK(vs.v.cursor == 2 * MS, "n: the next log entry (a wakeup at 2 ms)");
	viewstate_step_log(&vs, true);
	CHECK(vs.v.cursor == 1 * MS, "N: the previous one (1 ms)");
	viewstate_step_log(&vs, true);
	CHECK(vs.v.cursor == 1 * MS && !strcmp(vs.note, "no earlier event in the log"), "N: none before, says so");
	viewstate_goto(&vs, 30 * MS, "30ms");
	CHECK(vs.v.cursor == 1 * MS && strstr(vs.note, "30ms is after the end"), "g: a time after the end is refused");
	viewstate_goto(&vs, 5500 * US, "5.5ms");
	CHECK(vs.v.cursor == 5500 * US && vs.play == 5500 * US, "g: the cursor and the clock to the time typed");
	{
		/* trimmed at 10 ms (a memory cap): a step from before it, or back
		 * across it, says the events are not in memory; it neither jumps
		 * over them nor says there are none */
		struct timeline *cut = NULL;
		bool fwd, bwd, after;

		if (!load_pingpong_into(&cut) || timeline_trim(cut, 10 * MS)) {
			CHECK(false, "steps under a cap: a copy trimmed at 10 ms");
			timeline_free(cut);
			return;
		}
		viewstate_init_replay(&vs, cut, "pingpong", 1.0, false, W, H);
		viewstate_goto(&vs, 5 * MS, "5ms");
		viewstate_step(&vs, false);
		fwd = vs.v.cursor == 5 * MS && strstr(vs.note, "events before 0.010 s are not in memory");
		viewstate_step_log(&vs, false);
		fwd = fwd && vs.v.cursor == 5 * MS && strstr(vs.note, "not in memory");
		viewstate_goto(&vs, 10 * MS, "10ms");
		vs.note[0] = '\0';
		viewstate_step(&vs, true);
		bwd = vs.v.cursor == 10 * MS && strstr(vs.note, "not in memory") && !strstr(vs.note, "no earlier");
		viewstate_step_log(&vs, true);
		bwd = bwd && vs.v.cursor == 10 * MS && strstr(vs.note, "not in memory");
		viewstate_step(&vs, false);
		after = vs.v.cursor == 11 * MS;
		viewstate_step(&vs, true);
		after = after && vs.v.cursor == 10 * MS;
		CHECK(fwd, "steps under a cap: s and n from 5 ms, before what is kept (10 ms), say so and stay");
		CHECK(bwd, "steps under a cap: S and N from 10 ms, with nothing kept before, say so and stay");
		CHECK(after, "steps under a cap: after what is kept, s and S step as before (11 ms, back to 10 ms)");
		timeline_free(cut);
	}
}

/* A replay still reading its file (the 21 ms read so far of a trace whose
 * stored index says 60 ms): paused, g and End go past what was read; the
 * clock waits there for the reading; all read, the view comes back. */
static void test_reading_ahead(void)
{
	struct viewstate vs;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	vs.v.reading = true;
	viewstate_goto(&vs, 40 * MS, "40ms");
	CHECK(vs.v.cursor == 0 && strstr(vs.note, "after what was read so far (0.021 s)"),
	      "reading, no index: g past what was read is refused, saying so");
	vs.known_end = 60 * MS;
	vs.note[0] = '\0';
	viewstate_goto(&vs, 40 * MS, "40ms");
	CHECK(vs.v.cursor == 40 * MS && vs.play == 40 * MS && !vs.note[0] && vs.v.t0 <= 40 * MS &&
		      vs.v.t0 + viewstate_window_ns(&vs) > 40 * MS,
	      "reading, the index's end known: g past what was read goes there, the cursor shown");
	viewstate_goto(&vs, 70 * MS, "70ms");
	CHECK(vs.v.cursor == 40 * MS && strstr(vs.note, "70ms is after the end of the trace (0.060 s)"),
	      "reading: g past the index's end is refused, naming the end");
	viewstate_space(&vs);
	CHECK(vs.v.playing && vs.play == 40 * MS, "reading: space there plays from the cursor, not from 0");
	vs.note[0] = '\0';
	CHECK(!viewstate_play(&vs, 5 * MS) && vs.play == 40 * MS && vs.v.playing && !strstr(vs.note, "end of"),
	      "reading: the clock waits past what was read, not pulled back to its end");
	viewstate_space(&vs);
	viewstate_step(&vs, false);
	CHECK(strstr(vs.note, "no later scheduling event read so far"), "reading: s past what was read says so");
	viewstate_step_log(&vs, false);
	CHECK(strstr(vs.note, "no later event in the log read so far"), "reading: n past what was read says so");
	viewstate_space(&vs);
	vs.note[0] = '\0';
	viewstate_end(&vs);
	CHECK(!vs.v.playing && vs.v.cursor == 60 * MS - 1 && vs.v.t0 + viewstate_window_ns(&vs) >= 60 * MS &&
		      strstr(vs.note, "the trace's end, not read yet"),
	      "reading, playing: End goes to the index's end and stops there, saying it is not read yet (not to what "
	      "was read)");
	viewstate_space(&vs);
	CHECK(vs.v.playing && vs.play == 0, "reading: space at the end plays it again from the start");
	viewstate_space(&vs);
	viewstate_end(&vs);
	CHECK(vs.v.cursor == 60 * MS - 1 && strstr(vs.note, "not read yet"),
	      "reading: End goes to the index's end, saying it is not read yet");
	viewstate_read_all(&vs);
	CHECK(!vs.v.reading && vs.v.cursor == 21 * MS - 1 && vs.play <= 21 * MS &&
		      vs.v.t0 + viewstate_window_ns(&vs) >= 21 * MS && vs.v.t0 < 21 * MS && !vs.note[0],
	      "all read (the file ended before the index said): the cursor and the window come back to the end, "
	      "End's note gone");
}

/* Zoomed all the way out, a replay still reading shows the whole file
 * when its index says where it ends (5 s here, of which 21 ms were read),
 * not only what was read; without an index, a second (what was read). */
static void test_zoom_reading(void)
{
	struct viewstate vs;
	uint64_t cols;
	int i;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	cols = viewstate_lane_cols(&vs);
	vs.v.reading = true;
	for (i = 0; i < 40; i++)
		viewstate_zoom_here(&vs, true);
	CHECK(vs.v.ns_per_col == scale_nice_ceil((1000 * MS + cols - 1) / cols),
	      "reading, no index: zoomed all the way out at a second in the lanes (what was read is shorter)");
	vs.known_end = 5000 * MS;
	for (i = 0; i < 40; i++)
		viewstate_zoom_here(&vs, true);
	CHECK(vs.v.ns_per_col == scale_nice_ceil((5000 * MS + cols - 1) / cols) &&
		      viewstate_window_ns(&vs) >= 5000 * MS && !strcmp(vs.note, "zoomed out all the way"),
	      "reading, the index's end known (5 s): zoomed all the way out, the whole file fits the lanes");
}

/* Predict-then-reveal on the ping-pong: each wakeup has one waiter, an
 * obvious answer, so nothing is asked and the replay plays through
 * (test_predict has the questions, on a trace with several waiters). */
static void test_predict(void)
{
	struct viewstate vs;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, false, W, H);
	viewstate_toggle_predict(&vs);
	CHECK(vs.v.predict && strstr(vs.note, "predict"), "p: predict on");
	CHECK(viewstate_play(&vs, 3 * MS) && vs.v.playing && vs.play == 3 * MS && !vs.v.question,
	      "predict: a wakeup of the one thread waiting is not asked about");
	viewstate_guess(&vs, 1);
	CHECK(strstr(vs.note, "when predict (p) asks a question") != NULL, "1: no question, says so");
	viewstate_play(&vs, 30 * MS);
	CHECK(!vs.v.playing && !vs.v.question && !vs.v.answer, "predict: plays to the end, nothing asked");
	viewstate_toggle_predict(&vs);
	CHECK(!vs.v.predict && !vs.v.question, "p: predict off");
}

/* Focus, filter, Esc, inspect, click, the classroom view. */
static void test_lanes(void)
{
	struct viewstate vs;
	int first_row = 0;

	viewstate_init_replay(&vs, tl, "pingpong", 1.0, true, W, H);
	CHECK(viewstate_visible_lanes(&vs) == 2, "lanes: two threads");
	viewstate_move_focus(&vs, 1);
	CHECK(vs.v.focus == 1, "Tab: the next lane");
	viewstate_move_focus(&vs, 1);
	CHECK(vs.v.focus == 0, "Tab: wraps to the first");
	viewstate_move_focus(&vs, -1);
	CHECK(vs.v.focus == 1, "shift-Tab: wraps to the last");
	viewstate_set_filter(&vs, "PON");
	CHECK(viewstate_visible_lanes(&vs) == 1 && vs.v.focus == 0 && !strcmp(vs.v.filter, "PON"),
	      "filter: by name, any case");
	viewstate_set_filter(&vs, "zzz");
	CHECK(viewstate_visible_lanes(&vs) == 0 && strstr(vs.note, "no thread name contains 'zzz'"),
	      "filter: matching nothing says so");
	vs.v.help = true;
	viewstate_toggle_inspect(&vs);
	viewstate_escape(&vs);
	CHECK(!vs.v.help && vs.v.inspect && vs.v.filter, "Esc: closes the help first");
	viewstate_escape(&vs);
	CHECK(!vs.v.inspect && vs.v.filter, "Esc: then the inspect panel");
	viewstate_escape(&vs);
	CHECK(!vs.v.filter && viewstate_visible_lanes(&vs) == 2, "Esc: then clears the filter");
	render_thread_rows(tl, &vs.v, W, H, &first_row);
	viewstate_click(&vs, render_view_lane_x(&vs.v, vs.width) + 3, first_row + 1);
	CHECK(vs.v.focus == 1 && vs.v.cursor == vs.v.t0 + 3 * vs.v.ns_per_col + vs.v.ns_per_col / 2,
	      "click: focuses the lane, the cursor to the column's middle");
	viewstate_toggle_classroom(&vs);
	viewstate_toggle_inspect(&vs);
	CHECK(!vs.v.inspect && strstr(vs.note, "plain view"),
	      "classroom: i says the inspect panel is the plain view's (it did nothing, silently)");
	viewstate_toggle_classroom(&vs);
	viewstate_set_class_scale(&vs, "prodcons --pace 50 --items 4");
	CHECK(vs.class_npc == 5 * MS, "classroom: --pace 50 gives 5 ms a column");
	viewstate_set_class_scale(&vs, "pingpong");
	CHECK(vs.class_npc >= 1000 && scale_nice_ceil(vs.class_npc) == vs.class_npc,
	      "classroom: without a pace, a round scale from the trace");
	vs.class_npc = 2 * MS;
	{
		uint64_t plain = vs.v.ns_per_col;

		viewstate_toggle_classroom(&vs);
		CHECK(vs.v.classroom && vs.v.ns_per_col == 2 * MS && vs.v.t0 % viewstate_window_ns(&vs) == 0,
		      "c: the classroom scale, on a whole page");
		viewstate_toggle_classroom(&vs);
		CHECK(!vs.v.classroom && vs.v.ns_per_col == plain, "c again: the plain scale back");
	}
}

/* The live view: follows the end of a growing timeline, pauses on a
 * scroll, follows again, stays paused once tracing ended. */
static void test_live(void)
{
	struct viewstate vs;
	int follow_offered;

	viewstate_init_live(&vs, tl, "pid 1", W, H);
	viewstate_frame(&vs, W, H);
	CHECK(vs.v.mode == VIEW_LIVE && viewstate_following(&vs) && vs.v.cursor == VIEWSTATE_NONE &&
		      vs.v.ns_per_col == VIEWSTATE_LIVE_NS_PER_COL,
	      "live: follows, no cursor, 10 ms a column");
	viewstate_set_class_scale(&vs, "python3 threads.py");
	viewstate_toggle_classroom(&vs);
	CHECK(vs.v.classroom && vs.v.ns_per_col == VIEWSTATE_LIVE_NS_PER_COL,
	      "live, a command without --pace: the classroom view keeps the plain scale (it took 1 us a column)");
	viewstate_toggle_classroom(&vs);
	viewstate_set_class_scale(&vs, "prodcons --pace 50");
	CHECK(vs.class_npc == 5 * MS, "live, a scenario's --pace 50: 5 ms a column");
	vs.class_npc = 0;
	viewstate_speed(&vs, true);
	viewstate_scroll_by(&vs, VIEWSTATE_LITTLE, true);
	CHECK(vs.v.mode == VIEW_PAUSED && vs.v.cursor == 21 * MS - 1, "live: a scroll pauses, the cursor at the end");
	viewstate_space(&vs);
	CHECK(vs.v.mode == VIEW_LIVE && vs.v.cursor == VIEWSTATE_NONE, "live: space follows again");
	vs.v.ns_per_col = 100 * US; /* zoomed in: the window holds a third of the run */
	{
		struct view paused = vs.v;

		paused.mode = VIEW_PAUSED;
		follow_offered = key_line_count(&paused, "follow");
	}
	viewstate_end_tracing(&vs);
	CHECK(vs.ended && vs.v.mode == VIEW_PAUSED && vs.v.cursor == 21 * MS - 1, "live: tracing ended: paused at the end");
	CHECK(vs.v.t0 == 0 && viewstate_window_ns(&vs) >= 21 * MS &&
		      viewstate_window_ns(&vs) <= 2 * NS_PER_S_TEST,
	      "live: tracing ended: the whole run fits the width");
	CHECK(follow_offered > 0 && key_line_count(&vs.v, "follow") == 0,
	      "live: tracing ended: the key line offers no [space] follow (paused before, it did)");
	viewstate_space(&vs);
	CHECK(vs.v.mode == VIEW_PAUSED && strstr(vs.note, "tracing has ended"), "live: after the end, space says why not");
	viewstate_toggle_inspect(&vs);
	viewstate_frame(&vs, 80, 24);
	CHECK(vs.width == 80 && vs.height == 24 && vs.v.t0 + viewstate_window_ns(&vs) >= 21 * MS,
	      "live: a smaller screen keeps the end in view");
}

/* The classroom view's Tab when its lanes do not fit one page: it pages
 * (the focus on each page's first lane), round, both ways. */
static void test_classroom_pages(void)
{
	struct timeline *many = NULL;
	struct viewstate vs;
	struct event ev;
	int i, per;

	CHECK(timeline_new(&many, 2) == 0, "classroom pages: a timeline");
	if (!many)
		return;
	for (i = 0; i < 20; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = EVENT_THREAD;
		ev.tid = 101 + i;
		ev.tgid = 101;
		ev.arg = 'S';
		snprintf(ev.text, sizeof(ev.text), "thread-%02d", i);
		timeline_add(many, &ev);
	}
	timeline_set_end(many, 10 * MS);
	viewstate_init_replay(&vs, many, "many", 1.0, true, 80, 24);
	viewstate_toggle_classroom(&vs);
	per = render_thread_rows(many, &vs.v, 80, 24, NULL);
	CHECK(per == 12 && render_lane_height(many, &vs.v, W, 24) == 1,
	      "classroom pages: 20 lanes at 80x24 are one row each, 12 a page");
	viewstate_move_focus(&vs, 1);
	CHECK(vs.v.focus == 12 && vs.v.first_lane == 12, "classroom pages: Tab shows the next page");
	viewstate_move_focus(&vs, 1);
	CHECK(vs.v.focus == 0 && vs.v.first_lane == 0, "classroom pages: Tab on the last page comes back to the first");
	viewstate_move_focus(&vs, -1);
	CHECK(vs.v.first_lane == 12, "classroom pages: shift-Tab goes back a page, round");
	viewstate_toggle_classroom(&vs);
	vs.v.focus = 0;
	viewstate_move_focus(&vs, 1);
	CHECK(vs.v.focus == 1, "classroom pages: outside the classroom view Tab focuses the next lane");
	timeline_free(many);
}

/* x: the lanes of threads that exited before the window are hidden, and
 * shown again. */
static void test_hide_exited(void)
{
	struct timeline *gone = NULL;
	struct viewstate vs;
	struct event ev;
	int i;

	CHECK(timeline_new(&gone, 2) == 0, "hide exited: a timeline");
	if (!gone)
		return;
	for (i = 0; i < 10; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = EVENT_THREAD;
		ev.tid = 101 + i;
		ev.tgid = 101;
		ev.arg = 'S';
		snprintf(ev.text, sizeof(ev.text), "thread-%02d", i);
		timeline_add(gone, &ev);
	}
	for (i = 1; i < 10; i++) { /* thread i runs, then exits at i ms; thread 0 lives on */
		memset(&ev, 0, sizeof(ev));
		ev.ts = (uint64_t)i * MS - 100 * US;
		ev.type = EVENT_SWITCH;
		ev.tid = 0;
		ev.tid2 = 101 + i;
		ev.tgid2 = 101;
		timeline_add(gone, &ev);
		memset(&ev, 0, sizeof(ev));
		ev.ts = (uint64_t)i * MS;
		ev.type = EVENT_EXIT;
		ev.tid = 101 + i;
		ev.tgid = 101;
		timeline_add(gone, &ev);
		memset(&ev, 0, sizeof(ev));
		ev.ts = (uint64_t)i * MS;
		ev.type = EVENT_SWITCH;
		ev.tid = 101 + i;
		ev.tgid = 101;
		ev.arg = EVENT_STATE_DEAD;
		ev.tid2 = 0;
		timeline_add(gone, &ev);
	}
	timeline_set_end(gone, 20 * MS);
	viewstate_init_replay(&vs, gone, "gone", 1.0, true, W, H);
	vs.v.t0 = 5 * MS;
	CHECK(viewstate_visible_lanes(&vs) == 10, "hide exited: every lane shown at first");
	viewstate_toggle_hide_exited(&vs);
	CHECK(viewstate_visible_lanes(&vs) == 5 && strstr(vs.note, "hidden"),
	      "hide exited: x hides the lanes of the threads gone before the window (1-5 ms at 5 ms)");
	vs.v.t0 = 0;
	CHECK(viewstate_visible_lanes(&vs) == 10, "hide exited: a window from 0 shows them all again");
	viewstate_toggle_hide_exited(&vs);
	vs.v.t0 = 5 * MS;
	CHECK(viewstate_visible_lanes(&vs) == 10, "hide exited: x again shows every lane");
	timeline_free(gone);
}

int main(void)
{
	if (!load_pingpong()) {
		CHECK(false, "tests/data/pingpong.ctrace loads (run from the tree's root)");
		return check_summary();
	}
	test_steps();
	test_replay_clock();
	test_replay_end_shown();
	test_replay_resize_fit();
	test_zoom();
	test_scroll();
	test_steps_and_goto();
	test_reading_ahead();
	test_zoom_reading();
	test_predict();
	test_lanes();
	test_live();
	test_classroom_pages();
	test_hide_exited();
	timeline_free(tl);
	return check_summary();
}
