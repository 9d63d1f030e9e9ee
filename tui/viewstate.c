/* The view's state and what keys do to it (see viewstate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scale.h"
#include "viewstate.h"

#define NONE VIEWSTATE_NONE
#define NS_S 1000000000ull

/* Sets the fields both views share. */
static void init_common(struct viewstate *vs, const struct timeline *tl, const char *target, int width, int height)
{
	memset(vs, 0, sizeof(*vs));
	vs->tl = tl;
	vs->v.target = target;
	vs->v.speed = 1.0;
	vs->v.cursor = NONE;
	vs->width = width;
	vs->height = height;
	vs->path_thread = -1;
}

/* A replay's first scale: its first second (or the whole of a shorter
 * trace) across the lanes' width. */
static void fit_scale(struct viewstate *vs)
{
	uint64_t end = timeline_end(vs->tl), span = end < NS_S ? end : NS_S, cols;

	vs->v.ns_per_col = 1;
	cols = viewstate_lane_cols(vs);
	vs->v.ns_per_col = scale_nice_ceil((span + cols - 1) / cols);
	if (vs->v.ns_per_col < 1000)
		vs->v.ns_per_col = 1000;
}

/* Sets up a replay. */
void viewstate_init_replay(struct viewstate *vs, const struct timeline *tl, const char *target, double speed,
			   bool paused, int width, int height)
{
	init_common(vs, tl, target, width, height);
	vs->v.mode = VIEW_REPLAY;
	vs->v.speed = speed;
	vs->v.playing = !paused;
	vs->v.cursor = paused ? 0 : NONE;
	fit_scale(vs);
	vs->fitted = true;
}

/* Sets up the live view. */
void viewstate_init_live(struct viewstate *vs, const struct timeline *tl, const char *target, int width, int height)
{
	init_common(vs, tl, target, width, height);
	vs->live = true;
	vs->v.mode = VIEW_LIVE;
	vs->v.ns_per_col = VIEWSTATE_LIVE_NS_PER_COL;
}

/* The 1-2-5 step after or before npc. */
uint64_t viewstate_zoom_step(uint64_t npc, bool out)
{
	static const uint64_t m[3] = { 1, 2, 5 };
	uint64_t p = 1, best = 1;
	int i;

	if (out)
		return npc < UINT64_MAX / 10 ? scale_nice_ceil(npc + 1) : npc;
	for (;;) {
		for (i = 0; i < 3; i++) {
			if (m[i] * p >= npc)
				return best;
			best = m[i] * p;
		}
		if (p > UINT64_MAX / 100)
			return best;
		p *= 10;
	}
}

/* Lane columns on this screen. */
uint64_t viewstate_lane_cols(const struct viewstate *vs)
{
	int n = render_view_lane_columns(&vs->v, vs->width);

	return n > 0 ? (uint64_t)n : 1;
}

/* The time the lanes span. */
uint64_t viewstate_window_ns(const struct viewstate *vs)
{
	return viewstate_lane_cols(vs) * vs->v.ns_per_col;
}

/* Thread lanes shown (lanes of two rows in the classroom view) and the
 * screen row of the first, as render_screen lays them out. */
static int thread_rows(const struct viewstate *vs, int *first_row)
{
	int rows = render_thread_rows(vs->tl, &vs->v, vs->width, vs->height, first_row);

	if (rows <= 0 && first_row)
		*first_row = 3;
	return rows > 1 ? rows : 1;
}

#define END_NOTE "end of the trace: space plays it again, q quits" /* a replay's notes: at its end, */
#define END_NOT_READ "the trace's end, not read yet" /* and there, unread (the progress follows it) */

/* How far a paused view may go: the timeline's end, or the trace's while
 * a replay is still reading it. */
static uint64_t paused_end(const struct viewstate *vs)
{
	uint64_t end = timeline_end(vs->tl);

	return vs->v.reading && vs->known_end > end ? vs->known_end : end;
}

/* The largest scale: the whole trace (a second at least) in the lanes; in
 * a replay still reading, the whole file when its end is known, not only
 * what was read (zoomed all the way out, a 140 s file stopped at 16 s). */
static uint64_t max_npc(const struct viewstate *vs)
{
	uint64_t end = paused_end(vs), span = end > NS_S ? end : NS_S, cols = viewstate_lane_cols(vs);

	return scale_nice_ceil((span + cols - 1) / cols);
}

/* Keeps t0 on a column boundary and within [0, the end]. */
static void clamp_t0(struct viewstate *vs)
{
	uint64_t npc = vs->v.ns_per_col, win = viewstate_window_ns(vs), end = paused_end(vs);
	uint64_t last = (end + npc - 1) / npc * npc;
	uint64_t max = last > win ? last - win : 0;

	if (vs->v.t0 > max)
		vs->v.t0 = max;
	vs->v.t0 = vs->v.t0 / npc * npc;
}

/* Puts t0 so that instant head lies in the last lane column (the
 * classroom view: on the page that holds it). */
static void show_head(struct viewstate *vs, uint64_t head)
{
	uint64_t npc = vs->v.ns_per_col, win = viewstate_window_ns(vs);
	uint64_t right = (head / npc + 1) * npc;

	if (vs->v.classroom) {
		vs->v.t0 = head / win * win;
		return;
	}
	vs->v.t0 = right > win ? right - win : 0;
}

/* Whether the view follows the clock. */
bool viewstate_following(const struct viewstate *vs)
{
	return render_view_following(&vs->v); /* (live: LIVE or PAUSED; a replay: REPLAY, playing or not) */
}

/* The instant the view follows. */
uint64_t viewstate_head(const struct viewstate *vs)
{
	uint64_t end = timeline_end(vs->tl);

	if (vs->live)
		return end > 0 ? end - 1 : 0;
	return vs->play;
}

/* Keeps the focused lane among the rows shown (whole pages in the
 * classroom view). */
static void reveal_focus(struct viewstate *vs)
{
	size_t rows = (size_t)thread_rows(vs, NULL);

	if (vs->v.classroom) {
		vs->v.first_lane = vs->v.focus / rows * rows;
		return;
	}
	if (vs->v.focus < vs->v.first_lane)
		vs->v.first_lane = vs->v.focus;
	else if (vs->v.focus >= vs->v.first_lane + rows)
		vs->v.first_lane = vs->v.focus - rows + 1;
}

/* Keeps the focused lane shown (see viewstate.h). */
void viewstate_reveal_focus(struct viewstate *vs)
{
	reveal_focus(vs);
}

/* Points the view at the predict line: the open question, or the last
 * answer in the same place. */
static void predict_sync(struct viewstate *vs)
{
	bool any = vs->v.predict && predict_round_words(&vs->predict, vs->tl, vs->width - 2, vs->predict_line,
							 sizeof(vs->predict_line));
	bool asking = predict_round_asking(&vs->predict);

	vs->v.question = any && asking ? vs->predict_line : NULL;
	vs->v.answer = any && !asking ? vs->predict_line : NULL;
}

/* Whether instant t is in the lanes' window. */
static bool in_view(const struct viewstate *vs, uint64_t t)
{
	return t >= vs->v.t0 && t - vs->v.t0 < viewstate_window_ns(vs);
}

/* Makes the cursor visible: centres the view on it when it is outside;
 * keeps the window in the timeline. */
static void reveal_cursor(struct viewstate *vs)
{
	uint64_t win = viewstate_window_ns(vs), c = vs->v.cursor;

	if (c != NONE && !in_view(vs, c))
		vs->v.t0 = vs->v.classroom ? c / win * win /* page jumps */ : c > win / 2 ? c - win / 2 : 0;
	clamp_t0(vs);
}

/* Prepares a frame. */
void viewstate_frame(struct viewstate *vs, int width, int height)
{
	if (width != vs->width || height != vs->height) {
		vs->width = width;
		vs->height = height;
		if (vs->fitted && !vs->v.classroom)
			fit_scale(vs); /* (started in a terminal too small: 1 s a column) */
		reveal_cursor(vs); /* narrower: the paused cursor may be past the lanes' end */
		reveal_focus(vs);
	}
	if (vs->v.predict)
		predict_sync(vs); /* its words fit the width */
	if (!viewstate_following(vs))
		return;
	show_head(vs, viewstate_head(vs));
	if (!vs->live || vs->v.inspect)
		vs->v.cursor = viewstate_head(vs); /* the playhead; live: what inspect shows */
	else
		vs->v.cursor = NONE;
}

/* Puts the paused cursor at t: the replay's playhead with it. */
static void cursor_set(struct viewstate *vs, uint64_t t)
{
	vs->v.cursor = t;
	if (!vs->live)
		vs->play = t;
}

/* Stops following; the cursor marks where. */
void viewstate_pause(struct viewstate *vs)
{
	if (!viewstate_following(vs))
		return;
	if (vs->v.cursor == NONE)
		vs->v.cursor = viewstate_head(vs);
	if (vs->live)
		vs->v.mode = VIEW_PAUSED;
	else
		vs->v.playing = false;
}

/* Follows again. */
void viewstate_follow(struct viewstate *vs)
{
	if (vs->live) {
		if (vs->ended) {
			snprintf(vs->note, sizeof(vs->note), "the view stays paused: tracing has ended");
			return;
		}
		vs->v.mode = VIEW_LIVE;
		vs->v.cursor = NONE;
		return;
	}
	if (vs->v.cursor != NONE)
		vs->play = vs->v.cursor;
	/* at the end (the cursor on its last instant): play it again; not at
	 * the end of what a replay still reading has read so far */
	if (vs->v.reading ? vs->known_end && vs->play + 1 >= vs->known_end : vs->play + 1 >= timeline_end(vs->tl))
		vs->play = 0;
	vs->v.playing = true;
}

/* Space while a question is asked: the answer in its place, and play on. */
static void predict_reveal(struct viewstate *vs)
{
	predict_round_reveal(&vs->predict);
	predict_sync(vs);
	vs->v.playing = true;
	if (vs->v.cursor != NONE)
		vs->play = vs->v.cursor;
}

/* Space. */
void viewstate_space(struct viewstate *vs)
{
	if (vs->v.question)
		predict_reveal(vs);
	else if (viewstate_following(vs))
		viewstate_pause(vs);
	else
		viewstate_follow(vs);
}

/* Zooms one step around anchor. */
void viewstate_zoom(struct viewstate *vs, bool out, uint64_t anchor)
{
	uint64_t old = vs->v.ns_per_col, npc = viewstate_zoom_step(old, out), max = max_npc(vs);
	uint64_t col;

	vs->fitted = false; /* the scale is the user's from now on */

	if (npc < VIEWSTATE_MIN_NS_PER_COL)
		npc = VIEWSTATE_MIN_NS_PER_COL;
	if (npc > max)
		npc = max > old ? max : old;
	if (npc == old) {
		snprintf(vs->note, sizeof(vs->note), out ? "zoomed out all the way" : "zoomed in all the way");
		return;
	}
	if (anchor == NONE || anchor < vs->v.t0 || anchor >= vs->v.t0 + viewstate_window_ns(vs))
		anchor = vs->v.t0 + viewstate_window_ns(vs) / 2;
	col = (anchor - vs->v.t0) / old;
	vs->v.ns_per_col = npc;
	vs->v.t0 = anchor > col * npc ? anchor - col * npc : 0;
	clamp_t0(vs);
}

/* Zooms around the cursor or the head. */
void viewstate_zoom_here(struct viewstate *vs, bool out)
{
	viewstate_zoom(vs, out, viewstate_following(vs) ? viewstate_head(vs) : vs->v.cursor);
}

/* After the paused view moved from old_t0: a cursor the move left outside
 * the lanes comes along, in the column it had (the middle one when it was
 * not in view either), so that the header's t, inspect and space go on
 * from what is shown. */
static void cursor_along(struct viewstate *vs, uint64_t old_t0)
{
	uint64_t win = viewstate_window_ns(vs), c = vs->v.cursor, end = paused_end(vs), off;

	if (c == NONE || in_view(vs, c))
		return;
	off = c >= old_t0 && c - old_t0 < win ? c - old_t0 : win / 2;
	c = vs->v.t0 + off;
	cursor_set(vs, end && c >= end ? end - 1 : c);
}

/* Moves by delta ns (a playing replay seeks). */
void viewstate_scroll(struct viewstate *vs, int64_t delta)
{
	uint64_t back = delta < 0 ? (uint64_t)-(delta + 1) + 1 : 0, fwd = delta > 0 ? (uint64_t)delta : 0;
	uint64_t old_t0;

	if (!vs->live && vs->v.playing) {
		uint64_t end = timeline_end(vs->tl);

		if (back)
			vs->play = vs->play > back ? vs->play - back : 0;
		else
			vs->play = vs->play + fwd < end ? vs->play + fwd : end;
		vs->v.cursor = vs->play;
		return;
	}
	viewstate_pause(vs);
	old_t0 = vs->v.t0;
	if (back)
		vs->v.t0 = vs->v.t0 > back ? vs->v.t0 - back : 0;
	else
		vs->v.t0 = vs->v.t0 + fwd >= vs->v.t0 ? vs->v.t0 + fwd : UINT64_MAX;
	clamp_t0(vs);
	cursor_along(vs, old_t0);
}

/* Scrolls by one unit. */
void viewstate_scroll_by(struct viewstate *vs, enum viewstate_scroll unit, bool back)
{
	uint64_t cols = viewstate_lane_cols(vs), d;

	switch (unit) {
	case VIEWSTATE_COLUMN:
		d = vs->v.ns_per_col;
		break;
	case VIEWSTATE_PAGE:
		d = viewstate_window_ns(vs);
		break;
	default: /* the classroom view moves by pages */
		d = vs->v.classroom ? viewstate_window_ns(vs) : (cols / 8 ? cols / 8 : 1) * vs->v.ns_per_col;
	}
	if (d > INT64_MAX)
		d = INT64_MAX;
	viewstate_scroll(vs, back ? -(int64_t)d : (int64_t)d);
}

/* Places the cursor at t and shows it. */
void viewstate_place_cursor(struct viewstate *vs, uint64_t t)
{
	uint64_t end = paused_end(vs);

	viewstate_pause(vs);
	cursor_set(vs, end && t >= end ? end - 1 : t);
	reveal_cursor(vs);
}

/* Home. */
void viewstate_home(struct viewstate *vs)
{
	if (!vs->live && vs->v.playing) {
		vs->play = 0;
		return;
	}
	viewstate_place_cursor(vs, 0);
	vs->v.t0 = 0;
}

/* End. Playing, the clock goes to the end of what was read (where it
 * stops, or waits for the reading of a file whose end is not known); a
 * replay still reading a file whose end is known (its index, or its last
 * chunk) goes there and stops, as the clock would once it got there (it
 * would otherwise wait for the reading, which under --memory reads on
 * only as the view moves). */
void viewstate_end(struct viewstate *vs)
{
	bool was_playing = !vs->live && vs->v.playing;

	if (vs->live && !vs->ended) {
		viewstate_follow(vs);
	} else if (was_playing && paused_end(vs) == timeline_end(vs->tl)) {
		vs->play = timeline_end(vs->tl);
	} else {
		viewstate_place_cursor(vs, paused_end(vs));
		vs->v.t0 = UINT64_MAX;
		clamp_t0(vs);
		if (was_playing || paused_end(vs) > timeline_end(vs->tl)) /* (the latter: still reading) */
			snprintf(vs->note, sizeof(vs->note), "%s",
				 paused_end(vs) > timeline_end(vs->tl) ? END_NOT_READ : END_NOTE);
	}
}

/* g. */
void viewstate_goto(struct viewstate *vs, uint64_t t, const char *typed)
{
	if (t > paused_end(vs) && vs->v.reading && !vs->known_end)
		snprintf(vs->note, sizeof(vs->note), "%s is after what was read so far (%.3f s): the file does not say "
			 "where it ends (no index, no last chunk that reads)", typed, (double)paused_end(vs) / 1e9);
	else if (t > paused_end(vs))
		snprintf(vs->note, sizeof(vs->note), "%s is after the end of the %s (%.3f s)", typed,
			 vs->live ? "timeline" : "trace", (double)paused_end(vs) / 1e9);
	else
		viewstate_place_cursor(vs, t);
}

/* Whether a step from `from` (back or forth; found: it found an event)
 * meets events the timeline forgot (a memory cap): from before what it
 * keeps, or back from after it with none found there; then says so,
 * rather than skip them or say there are none. */
static bool step_forgotten(struct viewstate *vs, uint64_t from, bool back, bool found)
{
	uint64_t kept = timeline_kept_from(vs->tl);

	if (!kept || (from >= kept && (!back || found)))
		return false;
	snprintf(vs->note, sizeof(vs->note), "events before %.3f s are not in memory: zoom in there, paused, to read "
		 "them back", (double)kept / 1e9);
	return true;
}

/* s / S. */
void viewstate_step(struct viewstate *vs, bool back)
{
	uint64_t from, ts;
	int e;

	viewstate_pause(vs);
	from = vs->v.cursor != NONE ? vs->v.cursor : viewstate_head(vs);
	e = back ? timeline_prev_event(vs->tl, from, &ts) : timeline_next_event(vs->tl, from, &ts);
	if (step_forgotten(vs, from, back, !e))
		return;
	if (e) {
		snprintf(vs->note, sizeof(vs->note), back ? "no earlier scheduling event" : vs->v.reading ?
			 "no later scheduling event read so far (the file is still being read)" : "no later scheduling event");
		return;
	}
	viewstate_place_cursor(vs, ts);
}

/* The event-log entry nearest t: the first strictly after t (forward), or
 * the last strictly before it. */
static bool log_near(const struct timeline *tl, uint64_t t, bool forward, struct tl_log_entry *e)
{
	uint64_t i;

	if (!forward) {
		i = timeline_log_index(tl, t);
		return i > 0 && timeline_log_read(tl, i - 1, e, 1) == 1;
	}
	return t < UINT64_MAX && timeline_log_read(tl, timeline_log_index(tl, t + 1), e, 1) == 1;
}

/* n / N. */
void viewstate_step_log(struct viewstate *vs, bool back)
{
	struct tl_log_entry e;
	uint64_t from;
	bool found;

	viewstate_pause(vs);
	from = vs->v.cursor != NONE ? vs->v.cursor : viewstate_head(vs);
	found = log_near(vs->tl, from, !back, &e);
	if (step_forgotten(vs, from, back, found))
		return;
	if (!found) {
		snprintf(vs->note, sizeof(vs->note), back ? "no earlier event in the log" : vs->v.reading ?
			 "no later event in the log read so far (the file is still being read)" : "no later event in the log");
		return;
	}
	viewstate_place_cursor(vs, e.ts);
}

/* < and >: the next speed down or up on the ladder 0.01, 0.02, 0.05, 0.1
 * ... 50, 100, so that 1x is always a few steps away (from any --speed). */
void viewstate_speed(struct viewstate *vs, bool faster)
{
	static const double ladder[] = { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100 };
	const size_t n = sizeof(ladder) / sizeof(ladder[0]);
	double s = vs->v.speed;
	size_t i;

	if (faster) {
		for (i = 0; i < n - 1 && ladder[i] <= s * 1.000001; i++)
			;
	} else {
		for (i = n - 1; i > 0 && ladder[i] >= s * 0.999999; i--)
			;
	}
	vs->v.speed = ladder[i];
	snprintf(vs->note, sizeof(vs->note), "speed %gx", ladder[i]);
}

/* p. */
void viewstate_toggle_predict(struct viewstate *vs)
{
	vs->v.predict = !vs->v.predict;
	predict_round_reset(&vs->predict);
	predict_sync(vs);
	snprintf(vs->note, sizeof(vs->note),
		 vs->v.predict ? "predict: replay stops when a thread wakes one of several waiting ones"
			       : "predict off");
}

/* 1-9. */
void viewstate_guess(struct viewstate *vs, unsigned number)
{
	int e = predict_round_guess(&vs->predict, number);

	if (e == -ENOENT)
		snprintf(vs->note, sizeof(vs->note), "%u: a guess, when predict (p) asks a question", number);
	else if (e)
		snprintf(vs->note, sizeof(vs->note), "%u: the question lists %u threads", number,
			 predict_round_candidates(&vs->predict));
	predict_sync(vs);
}

/* While the playback clock moves from play to target, stops just before
 * a moment worth a question and asks it (predict.h). Returns true when it
 * stopped; else the clock may go to *target (moved back when the search
 * must go on next frame). */
static bool predict_stop(struct viewstate *vs, uint64_t *target, uint64_t elapsed_ns)
{
	uint64_t stop;
	int asked = predict_round_poll(&vs->predict, vs->tl, vs->play, *target, elapsed_ns, &stop);

	predict_sync(vs);
	if (!asked) {
		*target = stop;
		return false;
	}
	vs->play = stop;
	vs->v.playing = false;
	vs->v.cursor = stop;
	show_head(vs, stop); /* the question's moment on screen, nothing after it drawn */
	return true;
}

/* The scenario's pace in ms from its command line ("prodcons --pace 50"),
 * or 0 when it has none. */
static unsigned long pace_ms(const char *command)
{
	const char *p = command ? strstr(command, "--pace") : NULL;
	unsigned long v;
	char *end;

	if (!p)
		return 0;
	p += strlen("--pace");
	if (*p == '=' || *p == ' ')
		p++;
	v = strtoul(p, &end, 10);
	return end != p && v > 0 && v <= 60000 ? v : 0;
}

/* The classroom scale: a tenth of the pace a column; without a pace, the
 * time the program's threads (all but the first) were alive in about four
 * pages; live, or with nothing read yet, none (0: the plain view's scale,
 * as a lifetime not over yet says nothing of the pages). */
void viewstate_set_class_scale(struct viewstate *vs, const char *command)
{
	unsigned long pace = pace_ms(command);
	size_t n = timeline_thread_count(vs->tl), i;
	uint64_t lo = UINT64_MAX, hi = 0, span, npc;

	if (pace) {
		vs->class_npc = scale_nice_ceil((uint64_t)pace * 1000000ull / 10);
		return;
	}
	vs->class_npc = 0;
	if (vs->live || timeline_end(vs->tl) == 0)
		return;
	for (i = n > 1 ? 1 : 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(vs->tl, i);

		if (!t)
			continue;
		if (t->start_ns < lo)
			lo = t->start_ns;
		if (t->end_ns > hi)
			hi = t->end_ns;
	}
	span = hi > lo ? hi - lo : timeline_end(vs->tl);
	npc = scale_nice_ceil(span / (4 * viewstate_lane_cols(vs)) + 1);
	vs->class_npc = npc < 1000 ? 1000 : npc;
}

/* c. */
void viewstate_toggle_classroom(struct viewstate *vs)
{
	uint64_t anchor = viewstate_following(vs) ? viewstate_head(vs) : vs->v.cursor, win;

	vs->fitted = false;

	vs->v.classroom = !vs->v.classroom;
	if (vs->v.classroom) {
		vs->plain_npc = vs->v.ns_per_col;
		if (vs->class_npc)
			vs->v.ns_per_col = vs->class_npc;
	} else if (vs->plain_npc) {
		vs->v.ns_per_col = vs->plain_npc;
	}
	win = viewstate_window_ns(vs);
	if (anchor != NONE)
		vs->v.t0 = vs->v.classroom ? anchor / win * win : anchor > win / 2 ? anchor - win / 2 : 0;
	clamp_t0(vs);
	reveal_focus(vs);
	snprintf(vs->note, sizeof(vs->note), vs->v.classroom ? "classroom view: c goes back" : "classroom view off");
}

/* Lanes the filter lets through. */
size_t viewstate_visible_lanes(const struct viewstate *vs)
{
	return render_view_threads(vs->tl, &vs->v, NULL, 0);
}

/* The classroom view's Tab when not every lane fits: the focus to the
 * first lane of the next (delta > 0) or previous page, round. */
static void page_lanes(struct viewstate *vs, size_t n, size_t per, int delta)
{
	size_t first = vs->v.focus / per * per, last = (n - 1) / per * per;

	if (delta > 0)
		vs->v.focus = first + per > last ? 0 : first + per;
	else
		vs->v.focus = first == 0 ? last : first - per;
	reveal_focus(vs);
	snprintf(vs->note, sizeof(vs->note), "lanes %zu-%zu of %zu", vs->v.focus + 1,
		 vs->v.focus + per < n ? vs->v.focus + per : n, n);
}

/* Tab / arrows (the classroom view: pages of lanes when not all fit). */
void viewstate_move_focus(struct viewstate *vs, int delta)
{
	size_t n = viewstate_visible_lanes(vs), per = (size_t)thread_rows(vs, NULL);

	if (n == 0)
		return;
	if (vs->v.focus >= n)
		vs->v.focus = n - 1;
	if (vs->v.classroom && n > per) {
		page_lanes(vs, n, per, delta);
		return;
	}
	if (delta > 0)
		vs->v.focus = (vs->v.focus + 1) % n;
	else
		vs->v.focus = (vs->v.focus + n - 1) % n;
	reveal_focus(vs);
}

/* Enter / i. */
void viewstate_toggle_inspect(struct viewstate *vs)
{
	if (vs->v.classroom && !vs->v.inspect) { /* its narration says it in words instead */
		snprintf(vs->note, sizeof(vs->note), "the inspect panel is in the plain view: c leaves the classroom view");
		return;
	}
	vs->v.inspect = !vs->v.inspect;
	reveal_focus(vs);
}

/* w: the contention overlay. */
void viewstate_toggle_waits(struct viewstate *vs)
{
	vs->v.waits = !vs->v.waits;
}

/* The focused lane's thread. */
long viewstate_focused_thread(const struct viewstate *vs)
{
	size_t n = viewstate_visible_lanes(vs), *vis;
	long t = -1;

	if (!n || !(vis = malloc(n * sizeof(*vis))))
		return -1;
	n = render_view_threads(vs->tl, &vs->v, vis, n);
	if (n)
		t = (long)vis[vs->v.focus < n ? vs->v.focus : n - 1];
	if (t >= 0 && render_row_is_process((size_t)t))
		t = -1; /* a process's header */
	free(vis);
	return t;
}

/* y: the focused thread's critical path, or none. */
void viewstate_toggle_path(struct viewstate *vs)
{
	if (vs->path_thread >= 0) {
		vs->path_thread = -1;
		return;
	}
	if (vs->v.classroom) { /* its Tab turns pages: no lane has the focus */
		snprintf(vs->note, sizeof(vs->note), "the critical path follows a focused lane: c leaves the classroom view");
		return;
	}
	vs->path_thread = viewstate_focused_thread(vs);
	if (vs->path_thread < 0)
		snprintf(vs->note, sizeof(vs->note), "no lane in focus: Tab focuses one");
}

/* The window the lanes show. */
void viewstate_window(const struct viewstate *vs, uint64_t *from, uint64_t *to)
{
	uint64_t end = timeline_end(vs->tl);

	if (vs->v.predict && vs->v.mode == VIEW_REPLAY && vs->v.cursor < end)
		end = vs->v.cursor + 1;
	*from = vs->v.t0;
	*to = scale_sat_add(vs->v.t0, viewstate_window_ns(vs));
	if (*to > end)
		*to = end;
	if (*from > *to)
		*from = *to;
}

/* Esc. */
void viewstate_escape(struct viewstate *vs)
{
	if (vs->v.help)
		vs->v.help = false;
	else if (vs->v.waits)
		vs->v.waits = false;
	else if (vs->v.inspect)
		vs->v.inspect = false;
	else if (vs->v.filter)
		viewstate_set_filter(vs, "");
}

/* x: the lanes of threads that exited before the window hidden, or shown
 * again. */
void viewstate_toggle_hide_exited(struct viewstate *vs)
{
	vs->v.hide_exited = !vs->v.hide_exited;
	vs->v.first_lane = 0;
	vs->v.focus = 0;
	snprintf(vs->note, sizeof(vs->note), vs->v.hide_exited ? "lanes of threads gone before the window hidden: "
								 "x shows them" : "every lane shown");
}

/* The filter. */
void viewstate_set_filter(struct viewstate *vs, const char *text)
{
	snprintf(vs->filter, sizeof(vs->filter), "%s", text);
	vs->v.filter = vs->filter[0] ? vs->filter : NULL;
	vs->v.first_lane = 0;
	vs->v.focus = 0;
	if (vs->filter[0] && viewstate_visible_lanes(vs) == 0)
		snprintf(vs->note, sizeof(vs->note), "no thread name contains '%s'", vs->filter);
}

/* The time at screen column x. */
uint64_t viewstate_time_at_x(const struct viewstate *vs, int x)
{
	int col = x - render_view_lane_x(&vs->v, vs->width);

	if (col < 0 || (uint64_t)col >= viewstate_lane_cols(vs))
		return NONE;
	return vs->v.t0 + (uint64_t)col * vs->v.ns_per_col + vs->v.ns_per_col / 2;
}

/* A click. */
void viewstate_click(struct viewstate *vs, int x, int y)
{
	uint64_t t = viewstate_time_at_x(vs, x);
	int first_row, lanes = thread_rows(vs, &first_row);
	int per = render_lane_height(vs->tl, &vs->v, vs->width, vs->height);

	if (y >= first_row && y < first_row + lanes * per) {
		size_t lane = vs->v.first_lane + (size_t)(y - first_row) / (size_t)per;

		if (lane < viewstate_visible_lanes(vs))
			vs->v.focus = lane;
	}
	if (t != NONE && t < timeline_end(vs->tl))
		viewstate_place_cursor(vs, t);
}

/* The wheel. */
void viewstate_wheel(struct viewstate *vs, int x, bool up)
{
	uint64_t t = viewstate_time_at_x(vs, x);

	if (t == NONE)
		t = viewstate_following(vs) ? viewstate_head(vs) : vs->v.cursor;
	viewstate_zoom(vs, !up, t);
	if (!viewstate_following(vs) && vs->v.cursor != NONE && t != NONE && !in_view(vs, vs->v.cursor))
		cursor_set(vs, t); /* left outside: to the pointer, as a scroll takes it along */
}

/* Moves the playback clock. */
bool viewstate_play(struct viewstate *vs, uint64_t elapsed_ns)
{
	uint64_t end = timeline_end(vs->tl), target, before = vs->play;
	double adv = (double)elapsed_ns * vs->v.speed;

	if (vs->live || !vs->v.playing)
		return false;
	if (vs->v.reading && vs->play >= end)
		return false; /* past what was read (g, End): the clock waits for the reading */
	target = (double)vs->play + adv >= (double)end ? end : vs->play + (uint64_t)adv;
	if (vs->v.predict && predict_stop(vs, &target, elapsed_ns))
		return true; /* stopped before the question's wakeup */
	vs->play = target;
	if (vs->play >= end) {
		vs->v.playing = false;
		vs->v.cursor = end > 0 ? end - 1 : 0;
		reveal_cursor(vs); /* a frame may have gone past more than a page */
		snprintf(vs->note, sizeof(vs->note), "%s", END_NOTE);
		return true;
	}
	return vs->play != before;
}

/* A replay's file is all read: the cursor and the window come back within
 * the timeline (a stored index may have promised a later end). */
void viewstate_read_all(struct viewstate *vs)
{
	uint64_t end = timeline_end(vs->tl);

	vs->v.reading = false;
	vs->note[0] = strcmp(vs->note, END_NOT_READ) ? vs->note[0] : '\0'; /* (End's note: read now) */
	if (vs->v.cursor != NONE && end && vs->v.cursor >= end)
		vs->v.cursor = end - 1;
	if (vs->play > end)
		vs->play = end;
	clamp_t0(vs);
}

/* Live tracing ended: paused at the end; the plain view fits the whole
 * run to its width. */
void viewstate_end_tracing(struct viewstate *vs)
{
	vs->ended = true;
	vs->v.ended = true;
	vs->v.events_per_sec = 0;
	if (vs->v.mode != VIEW_LIVE)
		return;
	vs->v.mode = VIEW_PAUSED;
	vs->v.cursor = NONE;
	if (!vs->v.classroom) { /* the whole run fits the width */
		vs->v.ns_per_col = max_npc(vs);
		vs->v.t0 = 0;
	}
	show_head(vs, viewstate_head(vs));
	vs->v.cursor = viewstate_head(vs);
}
