/* The classroom view: the lanes for a projector. Two-row thread lanes (one
 * row when two do not all fit) with wide labels and no stats, the scenario's
 * key lanes first, the narration (the newest event in words, or
 * the predict question) on top, the scale in words, older events below
 * the legend, the key help on the bottom two rows; lanes page rather than
 * scroll. */
#include "frame.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "lanes.h"
#include "scale.h"
#include "utf8.h"

/* the first lane column: letter, space, the name's columns, space, rule */
#define CLASS_LANE_X(name_w) ((name_w) + 3)
#define CLASS_LEGEND_ROWS 2
#define CLASS_TOP_ROWS 4     /* narration, header, axis (2) */
#define CLASS_BOTTOM_ROWS 3  /* message, keys (2) */
#define CLASS_LOG_MAX 32     /* older log rows at most */
#define CLASS_PIECES 8
#define CLASS_OUTPUT_ROWS 3  /* the program's output under the log at most */

/* The rows of a classroom screen h rows high. */
struct class_rows {
	int cpu_rows, per; /* rows of CPU lanes, CPUs per row */
	int lane_h;        /* rows a thread lane takes: 2, or 1 when not all fit so */
	int lanes;         /* thread lanes per page */
	int marks_rows;    /* the markers row (and the level strip) between the CPU and thread lanes */
	char level[32];    /* the level strip's name, "" for none */
};

/* Rows kept under the legend for the program's output in view v (its
 * last lines wrapped at words to the width, CLASS_OUTPUT_ROWS at most), 0
 * without output. */
static int class_output_rows(const struct view *v, int width)
{
	int rows = 0;

	if (!v || !v->output || !v->output_lines)
		return 0;
	for (size_t i = v->output_lines; i > 0 && rows < CLASS_OUTPUT_ROWS; i--)
		rows += draw_wrapped_rows(v->output[i - 1] ? v->output[i - 1] : "", width);
	return rows < CLASS_OUTPUT_ROWS ? rows : CLASS_OUTPUT_ROWS;
}

/* Lays out a classroom screen h rows high for nvis thread lanes, less
 * reserve rows kept for the output: two rows a lane when they all fit so,
 * else one row a lane, paged. */
static void class_layout(const struct timeline *tl, size_t nvis, int h, int reserve, struct class_rows *r)
{
	unsigned ncpus = timeline_ncpus(tl);
	int rows;

	r->cpu_rows = ncpus >= 2 ? 2 : 1;
	r->per = ncpus > 2 ? (int)((ncpus + 1) / 2) : 1;
	rows = h - CLASS_TOP_ROWS - r->cpu_rows - 1 - CLASS_LEGEND_ROWS - CLASS_BOTTOM_ROWS - reserve;
	/* a scenario's markers get a row of their own (the lesson's numbers:
	 * expected and lost updates, free places, the timer fired) when the
	 * trace has any and two lane rows stay; the key lanes come first, so
	 * the row the markers take never hides the lane the lesson turns on */
	r->marks_rows = timeline_mark_count(tl) > 0 && rows >= 3 ? 1 : 0;
	/* and a level strip (prodcons' buffer) under it when there is room */
	r->level[0] = '\0';
	if (r->marks_rows && rows >= 5 && lanes_level_name(tl, UINT64_MAX, r->level, sizeof(r->level)))
		r->marks_rows++;
	rows -= r->marks_rows;
	if (rows < 1)
		rows = 1;
	r->lane_h = nvis <= (size_t)(rows / 2) ? 2 : 1;
	r->lanes = rows / r->lane_h > 1 ? rows / r->lane_h : 1;
}

/* Thread lanes per page of the classroom view of every thread. */
int render_classroom_lanes(const struct timeline *tl, int height)
{
	struct class_rows r;

	if (!tl || height < RENDER_MIN_HEIGHT)
		return 0;
	class_layout(tl, timeline_thread_count(tl), height, 0, &r);
	return r.lanes;
}

/* Rows a thread lane takes. */
int render_lane_height(const struct timeline *tl, const struct view *v, int width, int height)
{
	struct class_rows r;

	if (!tl || !v || !v->classroom)
		return 1;
	class_layout(tl, render_view_threads(tl, v, NULL, 0), height, class_output_rows(v, width), &r);
	return r.lane_h;
}

/* Lanes the classroom view shows, and the row of the first. */
int classroom_thread_rows(const struct timeline *tl, const struct view *v, int width, int height, int *first_row)
{
	size_t nvis = render_view_threads(tl, v, NULL, 0);
	struct class_rows r;

	class_layout(tl, nvis, height, class_output_rows(v, width), &r);
	if (first_row)
		*first_row = CLASS_TOP_ROWS + r.cpu_rows + r.marks_rows;
	return nvis < (size_t)r.lanes ? (nvis ? (int)nvis : 1) : r.lanes;
}

/* Whether a thread's name is one of the key lanes' names ("worker" also
 * names "worker-2"). */
static bool key_lane_named(const char *names, const char *name)
{
	const char *p = names;

	while (p && *p) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n && strncmp(name, p, n) == 0 && (name[n] == '\0' || name[n] == '-'))
			return true;
		p += n;
	}
	return false;
}

/* Puts the key lanes (v->key_lanes) first among the visible ones, in the
 * order the names are given, the others after them in their order: one
 * pass over the lanes a name, whatever their number. */
static void key_lanes_first(struct frame *f)
{
	const char *names = f->v->key_lanes, *p;
	size_t *old, m = 0, i;

	if (!names || !*names || !f->vis || f->nvis < 2)
		return;
	old = malloc(f->nvis * sizeof(*old));
	if (!old)
		return; /* the lanes in their order */
	memcpy(old, f->vis, f->nvis * sizeof(*old));
	for (p = names; *p;) {
		char one[EVENT_TEXT_MAX];
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (!n || n >= sizeof(one))
			break;
		memcpy(one, p, n);
		one[n] = '\0';
		p += n;
		for (i = 0; i < f->nvis; i++) {
			const struct tl_thread *t = old[i] == SIZE_MAX ? NULL : timeline_thread(f->d.tl, old[i]);

			if (t && key_lane_named(one, t->name)) {
				f->vis[m++] = old[i];
				old[i] = SIZE_MAX; /* taken */
			}
		}
	}
	for (i = 0; i < f->nvis; i++)
		if (old[i] != SIZE_MAX)
			f->vis[m++] = old[i];
	free(old);
}

/* The first lane column of a view. */
int render_view_lane_x(const struct view *v, int screen_width)
{
	if (v && v->classroom)
		return CLASS_LANE_X(render_name_columns(screen_width));
	return render_lane_x(screen_width);
}

/* Lane columns of a view on a screen this wide. */
int render_view_lane_columns(const struct view *v, int screen_width)
{
	int n;

	if (!v || !v->classroom)
		return render_lane_columns(screen_width);
	n = screen_width - render_view_lane_x(v, screen_width) - 1;
	return n < 1 ? 1 : n;
}

/* Draws the narration on row y: the predict question when one is asked,
 * else its answer, else the newest event-log entry at or before now, in
 * words, bold. */
static void draw_narration(struct frame *f, int y)
{
	const struct view *v = f->v;
	int w = grid_width(f->d.g);
	struct tl_log_entry e;
	char words[DRAW_LINE_MAX], line[DRAW_LINE_MAX + 40], t[32];
	uint64_t last;
	uint8_t role;

	if ((v->question && *v->question) || (v->answer && *v->answer)) {
		snprintf(line, sizeof(line), " %s ", v->question && *v->question ? v->question : v->answer);
		draw_words(&f->d, 0, y, line, ROLE_MODE, GRID_BOLD, w);
		return;
	}
	if (v->reading && f->now >= timeline_end(f->d.tl)) { /* a replay past what it has read */
		fmt_not_read(line, sizeof(line), timeline_end(f->d.tl));
		draw_words(&f->d, 0, y, line, ROLE_LABEL, GRID_BOLD, w);
		return;
	}
	last = timeline_log_index(f->d.tl, scale_sat_add(f->now, 1));
	if (last == 0 || timeline_log_read(f->d.tl, last - 1, &e, 1) != 1) {
		draw_text(&f->d, 0, y, "(no events yet)", ROLE_LABEL, GRID_BOLD, w);
		return;
	}
	role = render_log_words_fit(f->d.tl, &e, f->d.th->ascii, w, words, sizeof(words));
	fmt_seconds(t, sizeof(t), e.ts, fmt_sec_decimals(f->d.win.npc, 3));
	snprintf(line, sizeof(line), "%s s  %s", t, words);
	/* the time goes first when the words do not fit with it */
	if (utf8_width(line) > w)
		snprintf(line, sizeof(line), "%s", words);
	draw_words(&f->d, 0, y, line, role == ROLE_LOG ? ROLE_TITLE : role, GRID_BOLD, w);
}

/* Draws the classroom header on row y: the scale always, in words. */
static void draw_class_header(struct frame *f, int y)
{
	static const char *const modes[] = { "LIVE", "PAUSED", "REPLAY" };
	const struct view *v = f->v;
	uint64_t lost = timeline_lost(f->d.tl);
	struct draw_piece p[CLASS_PIECES];
	char t[48];
	int n = 0;

	draw_piece_add(p, &n, CLASS_PIECES, ROLE_MODE, GRID_BOLD, 0, " %s ", modes[v->mode <= VIEW_REPLAY ? v->mode : 0]);
	draw_piece_add(p, &n, CLASS_PIECES, ROLE_TITLE, 0, 4, "%.24s", frame_target_name(v));
	fmt_seconds(t, sizeof(t), f->now, fmt_sec_decimals(f->d.win.npc, 2));
	draw_piece_add(p, &n, CLASS_PIECES, ROLE_TITLE, GRID_BOLD, 1, "t %s s", t);
	fmt_time_short(t, sizeof(t), f->d.win.npc, f->d.th->ascii);
	draw_piece_add(p, &n, CLASS_PIECES, ROLE_TITLE, GRID_BOLD, 0, "1 column = %s", t);
	if (v->mode == VIEW_REPLAY)
		draw_piece_add(p, &n, CLASS_PIECES, ROLE_TITLE, 0, 3, "%gx %s", v->speed > 0 ? v->speed : 1.0,
			       v->playing ? "playing" : "stopped");
	if (v->predict)
		draw_piece_add(p, &n, CLASS_PIECES, ROLE_TITLE, GRID_BOLD, 2, "predict");
	if (lost)
		draw_piece_add(p, &n, CLASS_PIECES, ROLE_WARNING, GRID_BOLD, 1, "lost %" PRIu64, lost);
	draw_pieces(&f->d, 0, y, grid_width(f->d.g), p, n, f->d.th->dot);
}

/* Writes what thread i is doing at instant now in a few words, for the
 * second row of its lane: the object it waits on, else its state. */
static void class_lane_status(const struct frame *f, size_t i, char *buf, size_t len)
{
	const struct tl_thread *t = timeline_thread(f->d.tl, i);
	struct tl_at at;

	buf[0] = '\0';
	if (!t || f->now < t->start_ns)
		return;
	if (t->exited && f->now >= t->end_ns) {
		snprintf(buf, len, "exited");
		return;
	}
	timeline_thread_at(f->d.tl, i, f->now, &at);
	if (at.object >= 0 && at.state != TL_RUNNING) {
		timeline_object_label(f->d.tl, at.object, buf, len);
		return;
	}
	switch (at.state) {
	case TL_RUNNING: snprintf(buf, len, "on CPU%d", at.cpu); break;
	case TL_SPINNING: snprintf(buf, len, "spinning"); break;
	case TL_RUNNABLE: snprintf(buf, len, "wants a CPU"); break;
	case TL_SLEEPING: snprintf(buf, len, "asleep"); break;
	case TL_IO: snprintf(buf, len, "waits for I/O"); break;
	case TL_BLOCKED_JOIN: snprintf(buf, len, "in join"); break;
	case TL_NOT_ALIVE: case TL_UNKNOWN: case TL_NEW: case TL_DEAD: break;
	default: snprintf(buf, len, "blocked"); break;
	}
}

/* Draws thread i as a lane from row y, of two rows when two is set: the
 * letter and name on the first row, on the second what it is doing now
 * (its object, its state), the cells on both (underlined on the second
 * when the theme rules lanes; a one-row lane is underlined itself). */
static void draw_class_lane(struct frame *f, int y, size_t i, bool focus, bool two)
{
	struct draw *d = &f->d;
	const struct tl_thread *t = timeline_thread(d->tl, i);
	struct lane_ref ref = { .kind = LANE_THREAD, .index = i };
	uint8_t rule = d->th->lane_rules ? GRID_UNDERLINE : 0;
	int right = d->x_lane + d->win.ncols;
	char buf[64];

	if (!t)
		return;
	grid_put(d->g, 0, y, (uint32_t)(unsigned char)(t->letter ? t->letter : '?'), ROLE_LABEL, GRID_BOLD);
	draw_name(d, 2, y, t->name[0] ? t->name : "?", focus ? ROLE_FOCUS : ROLE_LABEL, GRID_BOLD, d->name_w);
	lanes_draw_cells(d, y, &ref);
	if (!two) { /* one row: the rule (light theme) under it all the same */
		if (rule)
			grid_copy_row(d->g, 0, right, y, y, rule);
		return;
	}
	draw_fill(d, 0, d->x_lane - 1, y + 1, ' ', ROLE_LABEL, rule);
	class_lane_status(f, i, buf, sizeof(buf));
	draw_text(d, 2, y + 1, buf, ROLE_LABEL, rule, d->name_w);
	/* the second row: the same cells, ruled; the side rules as they are */
	grid_copy_row(d->g, d->x_lane, right, y, y + 1, rule);
	grid_copy_row(d->g, d->x_lane - 1, d->x_lane, y, y + 1, 0);
	grid_copy_row(d->g, right, right + 1, y, y + 1, 0);
}

/* Draws the program's last output lines (wrapped by the front end) on
 * rows [y, y + rows): after a live run, its self-check. */
static void draw_class_output(struct frame *f, int y, int rows)
{
	draw_last_lines(&f->d, y, rows, f->v->output, f->v->output_lines, ROLE_LOG, GRID_BOLD);
}

/* Draws older log entries (before the narration's) on rows [y, y + rows),
 * the newest last, each cut at a word; under them the program's last
 * output lines when the view has them (v->output). */
static void draw_class_log(struct frame *f, int y, int rows)
{
	struct tl_log_entry ent[CLASS_LOG_MAX + 1];
	uint64_t first, last;
	size_t n, i;
	int w = grid_width(f->d.g), out;

	if (rows <= 0)
		return;
	if ((out = class_output_rows(f->v, w))) { /* the output's last lines at the bottom */
		if (out > rows)
			out = rows;

		draw_class_output(f, y + rows - out, out);
		rows -= out;
		if (rows <= 0)
			return;
	}
	if (rows > CLASS_LOG_MAX)
		rows = CLASS_LOG_MAX;
	last = timeline_log_index(f->d.tl, scale_sat_add(f->now, 1));
	first = last > (uint64_t)rows + 1 ? last - (uint64_t)rows - 1 : 0;
	n = timeline_log_read(f->d.tl, first, ent, (size_t)(last - first));
	if (n == 0)
		return;
	n--; /* the newest is the narration */
	for (i = 0; i < n; i++) {
		char t[32], words[DRAW_LINE_MAX];
		uint8_t role;
		int row = y + rows - (int)n + (int)i, x;

		fmt_seconds(t, sizeof(t), ent[i].ts, fmt_sec_decimals(f->d.win.npc, 3));
		x = draw_text(&f->d, 0, row, t, ROLE_LABEL, 0, -1);
		role = render_log_words_fit(f->d.tl, &ent[i], f->d.th->ascii, w - x - 2, words, sizeof(words));
		draw_words(&f->d, x + 2, row, words, role, 0, w - x - 2);
	}
}

/* Draws the page of thread lanes that holds v->first_lane from row y and
 * the bottom rule under it; returns the row after the rule. */
static int draw_class_lanes(struct frame *f, int y, const struct class_rows *r)
{
	const struct view *v = f->v;
	int lanes = r->lanes, h = r->lane_h;
	size_t first = v->first_lane / (size_t)lanes * (size_t)lanes, shown, i;
	char left[64], mid[96];
	int area, yb;

	if (f->nvis == 0)
		first = 0;
	else if (first >= f->nvis)
		first = (f->nvis - 1) / (size_t)lanes * (size_t)lanes;
	shown = f->nvis - first < (size_t)lanes ? f->nvis - first : (size_t)lanes;
	area = f->nvis < (size_t)lanes ? (f->nvis ? (int)f->nvis : 1) : lanes;
	for (i = 0; i < shown; i++)
		draw_class_lane(f, y + h * (int)i, f->vis[first + i], first + i == v->focus, h == 2);
	if (f->nvis == 0)
		frame_draw_empty(f, y);
	yb = y + h * area;
	if (f->nvis > (size_t)lanes) {
		size_t below = f->nvis - first - shown;

		frame_hidden_lanes(f, left, sizeof(left), first, below);
		snprintf(mid, sizeof(mid), " lanes %zu-%zu of %zu, Tab pages ", first + 1, first + shown, f->nvis);
		frame_draw_bottom(f, yb, left, mid, 2);
	} else if (v->filter && *v->filter) {
		snprintf(mid, sizeof(mid), " filter: %.64s ", v->filter);
		frame_draw_bottom(f, yb, NULL, mid, 2);
	} else {
		frame_draw_bottom(f, yb, NULL, NULL, 2);
	}
	return yb + 1;
}

/* Draws the classroom screen (see frame.h). */
int classroom_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th)
{
	int W = grid_width(g), H = grid_height(g), y;
	struct class_rows r;
	struct frame f;

	if (frame_begin(&f, g, tl, v, th, render_view_lane_x(v, W), render_view_lane_columns(v, W), -1)) {
		frame_end(&f);
		return -ENOMEM;
	}
	f.d.classroom = true;
	f.d.name_w = render_name_columns(W);
	key_lanes_first(&f);
	class_layout(tl, f.nvis, H, class_output_rows(v, W), &r);
	draw_narration(&f, 0);
	draw_class_header(&f, 1);
	lanes_draw_axis(&f.d, 2);
	frame_draw_cpus(&f, CLASS_TOP_ROWS, r.per, r.cpu_rows);
	y = CLASS_TOP_ROWS + r.cpu_rows;
	if (r.marks_rows)
		lanes_draw_marks(&f.d, y++);
	if (r.marks_rows > 1)
		lanes_draw_level(&f.d, y++, r.level);
	y = draw_class_lanes(&f, y, &r);
	y += lanes_draw_legend(&f.d, y, CLASS_LEGEND_ROWS);
	draw_class_log(&f, y, H - CLASS_BOTTOM_ROWS - y);
	if (v->message && *v->message)
		draw_line(&f.d, 0, H - CLASS_BOTTOM_ROWS, v->message, ROLE_WARNING, GRID_BOLD, W);
	frame_draw_keys(&f, 1, H - 2); /* the classroom's key help: two rows */
	frame_draw_keys(&f, 2, H - 1);
	return frame_close(&f);
}
