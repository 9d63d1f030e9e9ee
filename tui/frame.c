/* What the two screens share (see frame.h). */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "keymap.h"
#include "lanes.h"
#include "scale.h"
#include "utf8.h"
#include "why_text.h"

/* Sets up a frame (see frame.h). */
int frame_begin(struct frame *f, struct grid *g, const struct timeline *tl, const struct view *v,
		const struct theme *th, int x_lane, int ncols, int x_stats)
{
	struct draw *d = &f->d;
	size_t nrows;
	uint64_t span;

	memset(f, 0, sizeof(*f));
	f->v = v;
	d->g = g;
	d->tl = tl;
	d->th = th;
	d->x_lane = x_lane;
	d->x_stats = x_stats;
	lanes_window_init(&d->win, tl, v->t0, v->ns_per_col, ncols, v->cursor);
	d->win.ascii = th->ascii;
	if (v->predict && v->mode == VIEW_REPLAY && v->cursor < d->win.end)
		d->win.end = v->cursor + 1; /* predict: what comes after the cursor is the answer */
	span = scale_sat_mul((uint64_t)ncols, d->win.npc);
	d->w1 = scale_sat_add(d->win.t0, span) < d->win.end ? scale_sat_add(d->win.t0, span) : d->win.end;
	f->now = v->cursor != UINT64_MAX ? v->cursor : d->w1;
	if (render_rows_all(v) && !v->classroom) { /* every thread: no list (classroom.c orders its own) */
		f->nvis = timeline_thread_count(tl);
		return 0;
	}
	/* the rows shown, in one walk: grouped, at most a header row per
	 * process besides its threads, so twice the threads bound them */
	nrows = 2 * timeline_thread_count(tl);
	if (nrows) {
		f->vis = malloc(nrows * sizeof(*f->vis));
		if (!f->vis)
			return -ENOMEM;
	}
	f->nvis = render_view_threads(tl, v, f->vis, nrows);
	if (f->nvis > nrows)
		f->nvis = nrows;
	return 0;
}

/* Draws what goes over a screen, the contention overlay then the help,
 * and ends the frame. */
int frame_close(struct frame *f)
{
	if (f->v->waits)
		overlay_waits(f);
	if (f->v->help)
		overlay_help(f);
	frame_end(f);
	return 0;
}

/* Frees the frame's thread list. */
void frame_end(struct frame *f)
{
	free(f->vis);
	f->vis = NULL;
}

/* Draws the CPU lanes, per CPUs a row: a busy strip when a row holds
 * several, unless the view asks for their letters (the classroom view
 * always does: its lessons follow which thread ran). */
int frame_draw_cpus(struct frame *f, int y, int per, int max_rows)
{
	unsigned ncpus = timeline_ncpus(f->d.tl), k;
	bool strip = per > 1 && !f->v->cpu_letters && !f->v->classroom;
	int rows = 0;

	if (per < 1)
		per = 1;
	for (k = 0; k < ncpus && rows < max_rows; k += (unsigned)per, rows++) {
		unsigned n = ncpus - k < (unsigned)per ? ncpus - k : (unsigned)per;

		if (strip)
			lanes_draw_cpu_strip(&f->d, y + rows, k, n);
		else
			lanes_draw_cpus(&f->d, y + rows, k, n);
	}
	return rows;
}

/* Says why no thread lane shows. */
void frame_draw_empty(struct frame *f, int y)
{
	const char *filter = f->v->filter;

	grid_put(f->d.g, f->d.x_lane - 1, y, f->d.th->vline, ROLE_FRAME, 0);
	grid_put(f->d.g, f->d.x_lane + f->d.win.ncols, y, f->d.th->vline, ROLE_FRAME, 0);
	draw_text(&f->d, f->d.x_lane + 1, y, filter && *filter ? "no thread matches the filter" : "no threads yet",
		  ROLE_LABEL, 0, f->d.win.ncols - 1);
}

/* Draws the bottom rule with its labels. */
void frame_draw_bottom(struct frame *f, int y, const char *left, const char *mid, int mid_x)
{
	lanes_draw_bottom(&f->d, y);
	if (left)
		draw_text(&f->d, 0, y, left, ROLE_WARNING, GRID_BOLD, f->d.x_lane - 2);
	if (mid)
		draw_text(&f->d, f->d.x_lane + mid_x, y, mid, ROLE_LABEL, GRID_BOLD, f->d.win.ncols - 2 * mid_x);
}

/* The lanes scrolled out of sight, in the label columns (see frame.h). */
void frame_hidden_lanes(const struct frame *f, char *buf, size_t len, size_t above, size_t below)
{
	int room = f->d.x_lane > 2 ? f->d.x_lane - 2 : 0;
	bool ascii = f->d.th->ascii;

	buf[0] = '\0';
	if (above && below) {
		snprintf(buf, len, "+%zu above, +%zu more", above, below);
		if (utf8_width(buf) <= room)
			return;
		snprintf(buf, len, "+%zu%s +%zu%s", above, ascii ? "^" : "\u2191", below, ascii ? "v" : "\u2193");
		if (utf8_width(buf) <= room)
			return;
	}
	if (below)
		snprintf(buf, len, "+%zu more", below);
	else if (above)
		snprintf(buf, len, "+%zu above", above);
}

/* The target's name for a header: its last path component. */
const char *frame_target_name(const struct view *v)
{
	const char *target = v->target && *v->target ? v->target : "?", *slash = strrchr(target, '/');

	return slash && slash[1] ? slash + 1 : target;
}

/* Draws a key line from the keymap. */
void frame_draw_keys(struct frame *f, int line, int y)
{
	struct keymap_item it[KEYMAP_LINE_ITEMS];
	struct draw_piece p[KEYMAP_LINE_ITEMS];
	int n = keymap_line(f->v, line, f->d.th->ascii, it, KEYMAP_LINE_ITEMS), m = 0, i;

	for (i = 0; i < n; i++)
		draw_piece_add(p, &m, KEYMAP_LINE_ITEMS, ROLE_KEYS, 0, it[i].rank, "%s", it[i].text);
	draw_pieces(&f->d, 0, y, grid_width(f->d.g), p, m, 0);
}

/* The first of n stretches of the path (in time order, so their ends
 * too) that ends after t. */
static size_t frame_seg_after(const struct critpath_seg *sg, size_t n, uint64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sg[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Highlights the columns of thread i's lane on row y that the path went
 * through: one pass over the columns and the path's stretches in them. */
void frame_mark_path(struct frame *f, int y, size_t i)
{
	const struct critpath_seg *sg;
	const struct spans_thread *st = f->v->spans && f->v->path ? spans_thread(f->v->spans, i) : NULL;
	const struct tl_thread *tt = timeline_thread(f->d.tl, i);
	size_t n = critpath_segments(f->v->path, &sg), j;
	uint64_t a, b;

	if (!n || !st || !tt || st->tid != tt->tid)
		return;
	j = frame_seg_after(sg, n, f->d.win.t0);
	for (int col = 0; col < f->d.win.ncols && j < n && lanes_col_span(&f->d.win, col, &a, &b); col++) {
		while (j < n && sg[j].end <= a)
			j++;
		for (size_t k = j; k < n && sg[k].start < b; k++) {
			const struct grid_cell *c = grid_at(f->d.g, f->d.x_lane + col, y);

			if (sg[k].thread != i || !c)
				continue;
			grid_put(f->d.g, f->d.x_lane + col, y, c->ch, c->role, c->attr | GRID_REVERSE | GRID_UNDERLINE);
			break;
		}
	}
}

/* The critical path's summary line. */
bool frame_path_line(const struct frame *f, char *buf, size_t len)
{
	const struct view *v = f->v;

	if (v->path && v->spans) {
		why_path_summary(v->spans, v->path, f->d.th->ascii, buf, len);
		return buf[0] != '\0';
	}
	if (v->why_note && *v->why_note) {
		snprintf(buf, len, "%s", v->why_note);
		return true;
	}
	return false;
}
