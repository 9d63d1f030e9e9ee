/* The screen of the live and replay views: the header, the time axis, the
 * CPU lanes, the thread lanes with their stats, the event log (or the
 * program's output, or the inspect panel), the key line; the classroom
 * view is classroom.c, the overlays overlay.c. A pure function of
 * (timeline, view, size, theme) that draws into a grid. */
#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "format.h"
#include "frame.h"
#include "lanes.h"
#include "utf8.h"
#include "log_text.h"
#include "scale.h"

#define STATS_W 16        /* " " + three "%5s" columns: run wait blk */
#define SCREEN_NAME_W 12  /* thread name columns on a screen up to RENDER_NAMES_WIDE */
#define SCREEN_NAME_MAX 16 /* and at most, on a wider one */
#define SCREEN_TID_W 7    /* tid columns on the screen */
/* screen label: letter, space, name, space, tid, space */
#define SCREEN_LABEL_W(name_w) (2 + (name_w) + 1 + SCREEN_TID_W + 1)
_Static_assert(SCREEN_LABEL_W(SCREEN_NAME_W) + 1 == RENDER_LANE_X, "RENDER_LANE_X is the screen's first lane column");
#define LOG_MAX 32        /* log rows at most */
#define HEADER_PIECES 14

/* Columns a thread's name gets on a screen of this width (see render.h). */
int render_name_columns(int screen_width)
{
	int n = SCREEN_NAME_W;

	if (screen_width > RENDER_NAMES_WIDE)
		n += (screen_width - RENDER_NAMES_WIDE) / 10;
	return n > SCREEN_NAME_MAX ? SCREEN_NAME_MAX : n;
}

/* The main screen's first lane column at this width (see render.h). */
int render_lane_x(int screen_width)
{
	return SCREEN_LABEL_W(render_name_columns(screen_width)) + 1;
}

/* Columns the lanes get on a screen of this width. */
int render_lane_columns(int screen_width)
{
	int n = screen_width - render_lane_x(screen_width) - 1 - STATS_W;

	return n < 1 ? 1 : n;
}

/* Whether the view follows the present (see render.h). */
bool render_view_following(const struct view *v)
{
	return v->mode == VIEW_LIVE || (v->mode == VIEW_REPLAY && v->playing);
}

/* Whether a thread's name, as the lanes show it (? when it has none),
 * contains filter, ignoring case. */
bool render_name_matches(const char *name, const char *filter)
{
	return !filter || !*filter || strcasestr(name[0] ? name : "?", filter) != NULL;
}

/* Threads whose name matches the filter, in order. */
size_t render_visible_threads(const struct timeline *tl, const char *filter, size_t *out, size_t max)
{
	size_t n = timeline_thread_count(tl), i, m = 0;

	if (!filter || !*filter) { /* all of them: no walk (a program that made 100 000 threads) */
		for (i = 0; out && i < n && i < max; i++)
			out[i] = i;
		return n;
	}
	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		if (!t || !render_name_matches(t->name, filter))
			continue;
		if (out && m < max)
			out[m] = i;
		m++;
	}
	return m;
}

/* Whether v shows every thread, in order (see render.h). */
bool render_rows_all(const struct view *v)
{
	return !(v->group && !v->classroom) && !v->hide_exited && (!v->filter || !*v->filter);
}

/* Whether thread t lives in v's window as hide_exited sees it: it did not
 * exit before t0, nor (with window_end) begin at or after window_end. */
bool render_thread_in_window(const struct tl_thread *t, const struct view *v)
{
	return !(t->exited && t->end_ns <= v->t0) && !(v->window_end && t->start_ns >= v->window_end);
}

/* The thread lanes view v shows: the filter's, less (with hide_exited)
 * the threads that exited before the window starts (and those born at or
 * after v->window_end), in order. */
size_t render_view_threads(const struct timeline *tl, const struct view *v, size_t *out, size_t max)
{
	size_t n = timeline_thread_count(tl), i, m = 0;

	if (v->group && !v->classroom)
		return render_group_rows(tl, v, out, max);
	if (!v->hide_exited)
		return render_visible_threads(tl, v->filter, out, max);
	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		if (!t || !render_name_matches(t->name, v->filter) || !render_thread_in_window(t, v))
			continue;
		if (out && m < max)
			out[m] = i;
		m++;
	}
	return m;
}

/* The thread rows of a window's document (see render.h). */
int render_window_rows(const struct timeline *tl, struct view *v, uint64_t t0, uint64_t t1, size_t **rows,
		       size_t *n)
{
	size_t max;

	v->hide_exited = true;
	v->t0 = t0;
	v->window_end = t1;
	max = render_view_threads(tl, v, NULL, 0);
	*n = 0;
	*rows = max ? malloc(max * sizeof(**rows)) : NULL;
	if (max && !*rows)
		return -ENOMEM;
	*n = max ? render_view_threads(tl, v, *rows, max) : 0;
	if (*n > max)
		*n = max;
	return 0;
}

/* The rows of a screen of height H showing nvis thread lanes. */
struct screen_rows {
	int cpu_rows, per; /* rows of CPU lanes, CPUs per row */
	int thread_rows;   /* rows of thread lanes */
	int log_rows;      /* rows of the log (or output, or inspect) */
	int marks_rows;    /* the markers row and the level strip above the thread lanes */
	char level[32];    /* the level strip's name, "" for none */
};

/* Lays out a screen of height H: header, axis (2), CPU lanes, thread
 * lanes, bottom rule, log (or output, or inspect), keys. */
static void layout(const struct timeline *tl, const struct view *v, int H, size_t nvis, struct screen_rows *r)
{
	int avail = H - 5, base_log = avail / 4 < 3 ? 3 : avail / 4 > 10 ? 10 : avail / 4;
	unsigned ncpus = timeline_ncpus(tl);

	/* a scenario's markers get a row of their own when the trace has any */
	r->marks_rows = timeline_mark_count(tl) > 0 && avail - base_log >= 4 ? 1 : 0;
	/* and a level strip (prodcons' buffer) under it when there is room */
	r->level[0] = '\0';
	if (r->marks_rows && avail - base_log >= 6 && lanes_level_name(tl, UINT64_MAX, r->level, sizeof(r->level)))
		r->marks_rows++;
	avail -= r->marks_rows;
	r->cpu_rows = (avail - base_log) / 3 > 1 ? (avail - base_log) / 3 : 1;
	if (ncpus <= (unsigned)r->cpu_rows) {
		r->per = 1;
		r->cpu_rows = (int)ncpus;
	} else {
		r->per = (int)((ncpus + (unsigned)r->cpu_rows - 1) / (unsigned)r->cpu_rows);
		r->cpu_rows = (int)((ncpus + (unsigned)r->per - 1) / (unsigned)r->per);
	}
	r->thread_rows = avail - r->cpu_rows - base_log;
	if ((size_t)r->thread_rows > nvis)
		r->thread_rows = nvis ? (int)nvis : 1;
	if (v->inspect && avail - r->cpu_rows - r->thread_rows < r->thread_rows) {
		/* room for one inspect line per lane shown, down to half the rows */
		int half = (avail - r->cpu_rows) / 2;

		r->thread_rows = r->thread_rows < half ? r->thread_rows : half > 1 ? half : 1;
	}
	r->log_rows = avail - r->cpu_rows - r->thread_rows;
}

/* Rows of thread lanes on a screen, and the screen row of the first. */
int render_thread_rows(const struct timeline *tl, const struct view *v, int width, int height, int *first_row)
{
	struct screen_rows r;

	if (!tl || !v || width < RENDER_MIN_WIDTH || height < RENDER_MIN_HEIGHT)
		return 0;
	if (v->classroom)
		return classroom_thread_rows(tl, v, width, height, first_row);
	layout(tl, v, height, render_view_threads(tl, v, NULL, 0), &r);
	if (first_row)
		*first_row = 3 + r.cpu_rows + r.marks_rows;
	return r.thread_rows;
}

/* Rows of CPU lanes on a screen, and the CPUs per row. */
int render_cpu_rows(const struct timeline *tl, const struct view *v, int width, int height, int *per)
{
	struct screen_rows r;

	*per = 1;
	if (!tl || !v || width < RENDER_MIN_WIDTH || height < RENDER_MIN_HEIGHT)
		return 0;
	if (v->classroom) { /* classroom.c's two rows of CPUs */
		unsigned ncpus = timeline_ncpus(tl);

		*per = ncpus > 2 ? (int)((ncpus + 1) / 2) : 1;
		return ncpus >= 2 ? 2 : 1;
	}
	layout(tl, v, height, render_view_threads(tl, v, NULL, 0), &r);
	*per = r.per;
	return r.cpu_rows;
}

/* Draws the header line. */
static void draw_header(struct frame *f)
{
	static const char *const modes[] = { "LIVE", "PAUSED", "REPLAY" };
	const struct view *v = f->v;
	const struct timeline *tl = v->whole ? v->whole : f->d.tl; /* (not a window read back) */
	int w = grid_width(f->d.g), n = 0;
	struct draw_piece p[HEADER_PIECES];
	char t[48], cnt[32];
	uint64_t lost = timeline_lost(tl), anom = timeline_anomalies(tl);
	unsigned ncpus = timeline_ncpus(tl);
	size_t nthreads = timeline_thread_count(tl);

	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, GRID_BOLD, 0, "conctop");
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 4, "%.24s", frame_target_name(v));
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_MODE, GRID_BOLD, 0, " %s ", modes[v->mode <= VIEW_REPLAY ? v->mode : 0]);
	if (v->mode == VIEW_REPLAY)
		draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 3, "%gx %s", v->speed > 0 ? v->speed : 1.0,
			       v->playing ? "playing" : "stopped");
	fmt_seconds(t, sizeof(t), f->now, fmt_sec_decimals(f->d.win.npc, 2));
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 1, "t %s s", t);
	fmt_time_short(t, sizeof(t), f->d.win.npc, f->d.th->ascii);
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 2, "1 col = %s", t);
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 6, "%u CPU%s", ncpus, ncpus == 1 ? "" : "s");
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 7, "%zu thread%s", nthreads, nthreads == 1 ? "" : "s");
	fmt_count(cnt, sizeof(cnt), v->events_per_sec > 0 ? v->events_per_sec : (double)timeline_events(tl));
	draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 8, "%s %s", cnt, v->events_per_sec > 0 ? "ev/s" : "events");
	if (v->memory) { /* (before the target's name; narrow, the figure alone) */
		int at = n;

		draw_piece_add(p, &n, HEADER_PIECES, ROLE_TITLE, 0, 3, "%s", v->memory);
		if (n > at)
			p[at].alt = v->memory_short;
	}
	draw_piece_add(p, &n, HEADER_PIECES, lost ? ROLE_WARNING : ROLE_TITLE, lost ? GRID_BOLD : 0, lost ? 1 : 5,
		       "lost %" PRIu64, lost);
	if (anom) /* (a few in a long trace are the usual: in the warning colour from 1% of the events) */
		draw_piece_add(p, &n, HEADER_PIECES, anom * 100 >= timeline_events(tl) ? ROLE_WARNING : ROLE_TITLE, 0, 5,
			       "anomalies %" PRIu64, anom);
	if (timeline_damaged(tl))
		draw_piece_add(p, &n, HEADER_PIECES, ROLE_WARNING, GRID_BOLD, 1, "damaged %" PRIu64,
			       timeline_damaged(tl));
	draw_pieces(&f->d, 0, 0, w - 9, p, n, f->d.th->dot);
	draw_text(&f->d, w - 6, 0, "?=help", ROLE_KEYS, GRID_BOLD, -1);
}

/* Draws the event log (the newest entries in [lo, hi)) on rows [y, y + rows). */
static void draw_log(struct frame *f, int y, int rows, uint64_t lo, uint64_t hi)
{
	struct tl_log_entry ent[LOG_MAX];
	uint64_t first, last;
	size_t n, i;
	int dec = fmt_sec_decimals(f->d.win.npc, 6);

	if (rows > LOG_MAX)
		rows = LOG_MAX;
	if (rows <= 0 || hi <= lo)
		return;
	last = timeline_log_index(f->d.tl, hi);
	first = timeline_log_index(f->d.tl, lo);
	if (last - first > (uint64_t)rows)
		first = last - (uint64_t)rows;
	n = timeline_log_read(f->d.tl, first, ent, (size_t)(last - first));
	for (i = 0; i < n; i++) {
		char t[32], words[DRAW_LINE_MAX];
		uint8_t role;
		int x;

		fmt_seconds(t, sizeof(t), ent[i].ts, dec);
		x = draw_text(&f->d, 0, y + (int)i, t, ROLE_LABEL, 0, -1);
		role = render_log_words_fit(f->d.tl, &ent[i], f->d.th->ascii, grid_width(f->d.g) - x - 1, words,
					    sizeof(words));
		draw_text(&f->d, x + 1, y + (int)i, words, role, role == ROLE_WARNING ? GRID_BOLD : 0, -1);
	}
}

/* Draws the traced program's last output lines on rows [y, y + rows). */
static void draw_output(struct frame *f, int y, int rows)
{
	const struct view *v = f->v;

	if (v->output_lines == 0) {
		draw_text(&f->d, 0, y, "(no output yet)", ROLE_LABEL, 0, -1);
		return;
	}
	/* each wrapped to the width: a scenario's self-check line is longer
	 * than 80 columns */
	draw_last_lines(&f->d, y, rows, v->output, v->output_lines, ROLE_LOG, 0);
}

/* Draws the bottom rule under the thread lanes on row y: lanes scrolled
 * out of sight, the filter, and what the pane below shows. */
static void draw_lanes_foot(struct frame *f, int y, size_t first, size_t shown)
{
	const struct view *v = f->v;
	size_t below = f->nvis - first - shown;
	char left[64] = "", mid[96] = "", what[64], t[32];

	frame_hidden_lanes(f, left, sizeof(left), first, below);
	if (v->filter && *v->filter)
		snprintf(mid, sizeof(mid), " filter: %.64s ", v->filter);
	else if (!v->whole && timeline_kept_from(f->d.tl) > f->d.win.t0) {
		/* under --memory the lanes before what is kept are not unknown:
		 * drawn from the overview's summary, or blank; following (live,
		 * or a replay playing) a pause reads them back, paused they are
		 * being read, or could not all be (the header) */
		uint64_t from, to, width;
		bool summary = timeline_overview_span(f->d.tl, &from, &to, &width) && from <= f->d.win.t0;

		snprintf(mid, sizeof(mid), " %s before %.1f s%s ", summary ? "summary" : "forgotten",
			 (double)timeline_kept_from(f->d.tl) / 1e9,
			 render_view_following(v) ? ": pause there to read it back" : "");
	}
	frame_draw_bottom(f, y, left[0] ? left : NULL, mid[0] ? mid : NULL, 1);
	if (v->inspect) {
		fmt_seconds(t, sizeof(t), f->now, fmt_sec_decimals(f->d.win.npc, 6));
		snprintf(what, sizeof(what), "at %s s", t);
	} else {
		snprintf(what, sizeof(what), "%s", v->output ? "output" : "events");
	}
	draw_text(&f->d, f->d.x_stats + 1, y, what, ROLE_LABEL, GRID_BOLD, -1);
}

/* Draws the pane under the lanes from row y in rows rows: the log, the
 * output or the inspect panel, then the predict question or answer, then
 * the message, or a banner naming a deadlock formed by the time shown. */
static void draw_pane(struct frame *f, int y, int rows, size_t first, size_t shown)
{
	const struct view *v = f->v;
	const struct timeline *tl = f->d.tl;
	char banner[DRAW_LINE_MAX] = "";
	bool message = v->message && *v->message;
	const char *predict = v->question && *v->question ? v->question : v->answer && *v->answer ? v->answer : NULL;
	char path[DRAW_LINE_MAX];
	bool has_path = frame_path_line(f, path, sizeof(path));
	unsigned k;

	for (k = (unsigned)timeline_deadlock_count(tl); k > 0; k--) {
		if (timeline_deadlock(tl, k - 1)->at_ns <= f->now) {
			log_text_deadlock_banner(tl, k - 1, grid_width(f->d.g), f->d.th->ascii, banner, sizeof(banner));
			break;
		}
	}
	if (message || banner[0])
		rows--;
	if (predict)
		rows--;
	if (has_path)
		rows--;
	if (v->inspect)
		overlay_inspect(f, f->now, first, shown, y, rows);
	else if (v->output)
		draw_output(f, y, rows);
	else
		draw_log(f, y, rows, f->d.win.t0, v->cursor != UINT64_MAX ? scale_sat_add(v->cursor, 1) : f->d.w1);
	y += rows;
	if (has_path) /* the critical path highlighted, in words */
		draw_words(&f->d, 0, y++, path, ROLE_TITLE, GRID_BOLD | GRID_UNDERLINE, grid_width(f->d.g));
	if (predict) /* the question, then its answer in the same place */
		draw_words(&f->d, 0, y++, predict, ROLE_MODE, GRID_BOLD, grid_width(f->d.g));
	if (message)
		draw_line(&f->d, 0, y, v->message, ROLE_WARNING, GRID_BOLD, grid_width(f->d.g));
	else if (banner[0])
		draw_text(&f->d, 0, y, banner, ROLE_WARNING, GRID_BOLD | GRID_REVERSE, -1);
}

/* Draws the main screen into a cleared grid of at least the minimum size. */
static int main_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th)
{
	int W = grid_width(g), H = grid_height(g), ncols = render_lane_columns(W), y, i;
	int x_lane = render_lane_x(W);
	struct screen_rows r;
	struct frame f;
	size_t first, shown;

	if (frame_begin(&f, g, tl, v, th, x_lane, ncols, x_lane + ncols + 1)) {
		frame_end(&f);
		return -ENOMEM;
	}
	f.d.name_w = render_name_columns(W);
	f.d.tid_w = SCREEN_TID_W;
	layout(tl, v, H, f.nvis, &r);
	first = v->first_lane;
	if (f.nvis <= (size_t)r.thread_rows)
		first = 0;
	else if (first > f.nvis - (size_t)r.thread_rows)
		first = f.nvis - (size_t)r.thread_rows;
	shown = f.nvis - first < (size_t)r.thread_rows ? f.nvis - first : (size_t)r.thread_rows;

	draw_header(&f);
	lanes_draw_axis(&f.d, 1);
	y = 3 + frame_draw_cpus(&f, 3, r.per, INT_MAX);
	if (r.marks_rows)
		lanes_draw_marks(&f.d, y++);
	if (r.marks_rows > 1)
		lanes_draw_level(&f.d, y++, r.level);
	for (i = 0; (size_t)i < shown; i++) {
		size_t row = frame_row(&f, first + (size_t)i), t = render_row_thread(row);
		bool focus = first + (size_t)i == v->focus;

		if (render_row_is_process(row)) {
			lanes_draw_process(&f.d, y + i, t, render_process_folded(v, timeline_thread(tl, t)->tgid), focus);
			continue;
		}
		lanes_draw_thread(&f.d, y + i, t, focus);
		frame_mark_path(&f, y + i, t);
	}
	if (f.nvis == 0)
		frame_draw_empty(&f, y);
	y += r.thread_rows;
	draw_lanes_foot(&f, y, first, shown);
	draw_pane(&f, y + 1, r.log_rows, first, shown);
	frame_draw_keys(&f, 0, H - 1);
	return frame_close(&f);
}

/* Draws the whole screen. */
int render_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th)
{
	if (!g)
		return -EINVAL;
	if (grid_width(g) < RENDER_MIN_WIDTH || grid_height(g) < RENDER_MIN_HEIGHT)
		return overlay_too_small(g);
	if (!tl || !v || !th)
		return -EINVAL;
	grid_clear(g);
	if (v->classroom)
		return classroom_screen(g, tl, v, th);
	return main_screen(g, tl, v, th);
}
