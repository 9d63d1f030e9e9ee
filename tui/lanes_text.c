/* `conctop lanes`: the lanes of a window as a document (a time axis, CPU
 * lanes, thread lanes with their stats, the bottom rule, the legend),
 * drawn into one grid (render_lanes) or printed a band of rows at a time
 * (render_lanes_print), so that memory follows the width, not the number
 * of lanes. */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "lanes.h"
#include "scale.h"
#include "utf8.h"

#define LANES_MIN_WIDTH 40
#define LANES_MAX_WIDTH 10000
#define LANES_MIN_COLS 10 /* fewest lane columns before the stats are dropped */
#define LANES_NAME_MAX 15 /* thread name columns at most */
#define STATS_W 16        /* " " + three "%5s" columns: run wait blk */
#define LEGEND_ROWS 8     /* legend rows at most */
#define AXIS_ROWS 2
#define BAND_ROWS 64      /* rows printed at a time */

/* A lanes document: its drawing context and what its rows show. */
struct lanes_doc {
	struct draw d;
	uint64_t t0, t1;
	unsigned ncpus;    /* CPU rows */
	unsigned cpu_per;  /* CPUs to a row: more than one, busy strips */
	unsigned cpus;     /* CPUs */
	size_t nthreads;   /* thread rows */
	size_t *rows;      /* the thread rows (render_view_threads), NULL when none */
	struct view v;     /* what the rows show: the threads alive in the window, filter, group, fold */
	unsigned marks; /* rows above the threads' lanes: the markers row, the level strip */
	bool has_marks; /* the first of them is the markers row */
	char level[32]; /* the level strip's name, "" for none */
	int width;
};

/* The thread rows of the window [t0, t1) under o (render_window_rows):
 * the threads alive in it, filtered, grouped. Returns 0 or -ENOMEM. */
static int doc_rows(struct lanes_doc *doc, const struct timeline *tl, uint64_t t0, uint64_t t1,
		    const struct lanes_opts *o)
{
	doc->v.filter = o ? o->filter : NULL;
	doc->v.group = o && (o->group || o->fold);
	doc->v.fold_all = o && o->fold;
	return render_window_rows(tl, &doc->v, t0, t1, &doc->rows, &doc->nthreads);
}

/* The label columns: the widest name (4 to 15 columns) and tid of the
 * threads alive in the window (shown or not: a process header's label
 * takes that room too), at least as wide as the last CPU's label. */
static void label_widths(const struct lanes_doc *doc, const struct timeline *tl, int *name_w, int *tid_w,
			 int *label_w)
{
	size_t n = timeline_thread_count(tl), i;
	unsigned ncpus = timeline_ncpus(tl);
	char buf[32];

	*name_w = 4;
	*tid_w = 1;
	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);
		int l;

		if (!t || !render_thread_in_window(t, &doc->v))
			continue;
		l = utf8_width(t->name);

		if (l > *name_w)
			*name_w = l;
		snprintf(buf, sizeof(buf), "%d", (int)t->tid);
		if ((int)strlen(buf) > *tid_w)
			*tid_w = (int)strlen(buf);
	}
	if (doc->v.group) { /* room for a process header's count and a letter of its name: "? (8)" */
		snprintf(buf, sizeof(buf), "x (%zu)", n);
		if ((int)strlen(buf) > *name_w)
			*name_w = (int)strlen(buf);
	}
	if (*name_w > LANES_NAME_MAX)
		*name_w = LANES_NAME_MAX;
	snprintf(buf, sizeof(buf), "CPU%u", ncpus ? ncpus - 1 : 0);
	*label_w = 2 + *name_w + 1 + *tid_w + 1;
	if (*label_w < (int)strlen(buf) + 1)
		*label_w = (int)strlen(buf) + 1;
}

/* Lays out the lanes of [t0, t1) in width columns (with opts' CPU rows):
 * the thread rows, labels, a round scale that fits the window in the
 * columns left, the stats when there is room (lanes first: the stats go,
 * then the names narrow). Returns 0, -ENOMEM, or -EINVAL when the lanes do
 * not fit; doc->rows is to be freed either way. */
static int doc_layout(struct lanes_doc *doc, const struct timeline *tl, uint64_t t0, uint64_t t1, int width,
		      const struct theme *th, const struct lanes_opts *o)
{
	struct draw *d = &doc->d;
	uint64_t span = t1 - t0, npc;
	int name_w, tid_w, label_w, room, ncols;
	unsigned cpus = timeline_ncpus(tl);
	char strip[48];

	memset(doc, 0, sizeof(*doc));
	if (doc_rows(doc, tl, t0, t1, o))
		return -ENOMEM;
	label_widths(doc, tl, &name_w, &tid_w, &label_w);
	if (o && o->cpu_per > 1 && cpus > 1) { /* the widest strip label: "CPUa-b busy" */
		snprintf(strip, sizeof(strip), "CPU%u-%u busy", cpus > o->cpu_per ? cpus - o->cpu_per : 0, cpus - 1);
		if (label_w < (int)strlen(strip) + 1)
			label_w = (int)strlen(strip) + 1;
	}
	room = width - label_w - 2 - STATS_W;
	d->x_stats = 0;
	if (room < LANES_MIN_COLS + 10) {
		room = width - label_w - 2;
		d->x_stats = -1;
	}
	while (room < LANES_MIN_COLS && name_w > 4) {
		name_w--;
		label_w--;
		room++;
	}
	if (room < 1)
		return -EINVAL;
	npc = scale_round_ceil(scale_div_ceil(span, (uint64_t)room));
	ncols = (int)scale_div_ceil(span, npc);
	d->tl = tl;
	d->th = th;
	d->name_w = name_w;
	d->tid_w = tid_w;
	d->x_lane = label_w + 1;
	lanes_window_init(&d->win, tl, t0, npc, ncols < 1 ? 1 : ncols, UINT64_MAX);
	if (t1 < d->win.end) /* the last column shows nothing after the window */
		d->win.end = t1;
	d->win.ascii = th->ascii;
	d->w1 = d->win.end; /* (t1, or the timeline's end before it) */
	if (d->x_stats >= 0)
		d->x_stats = d->x_lane + d->win.ncols + 1;
	doc->t0 = t0;
	doc->t1 = t1;
	doc->cpus = timeline_ncpus(tl);
	doc->cpu_per = 1;
	doc->ncpus = doc->cpus;
	doc->has_marks = lanes_has_marks(&d->win);
	if (!lanes_level_name(tl, t1, doc->level, sizeof(doc->level)))
		doc->level[0] = '\0';
	doc->marks = (doc->has_marks ? 1u : 0u) + (doc->level[0] ? 1u : 0u);
	doc->width = width;
	return 0;
}

/* Rows of the document above the bottom rule: the axis and the lanes. */
static size_t doc_body_rows(const struct lanes_doc *doc)
{
	return AXIS_ROWS + (size_t)doc->ncpus + doc->marks + doc->nthreads;
}

/* Draws busy strip k (CPUs cpu_per * k on) on row y. */
static void doc_draw_strip(struct lanes_doc *doc, int y, unsigned k)
{
	unsigned first = k * doc->cpu_per, n = doc->cpus - first < doc->cpu_per ? doc->cpus - first : doc->cpu_per;

	lanes_draw_cpu_strip(&doc->d, y, first, n);
}

/* Draws thread row k on row y: a thread, or a process's header. */
static void doc_draw_thread(struct lanes_doc *doc, int y, size_t k)
{
	size_t row = doc->rows[k];
	const struct tl_thread *t = timeline_thread(doc->d.tl, render_row_thread(row));

	if (!render_row_is_process(row))
		lanes_draw_thread(&doc->d, y, row, false);
	else if (t)
		lanes_draw_process(&doc->d, y, render_row_thread(row), render_process_folded(&doc->v, t->tgid), false);
}

/* Draws body rows [row0, row0 + rows) into rows [0, rows) of g (row0 is 0
 * or past the axis). */
static void doc_draw_body(struct lanes_doc *doc, struct grid *g, size_t row0, int rows)
{
	int y;

	doc->d.g = g;
	for (y = 0; y < rows; y++) {
		size_t r = row0 + (size_t)y;

		if (r == 0)
			lanes_draw_axis(&doc->d, y);
		else if (r < AXIS_ROWS)
			continue;
		else if (r < AXIS_ROWS + doc->ncpus && doc->cpu_per > 1)
			doc_draw_strip(doc, y, (unsigned)(r - AXIS_ROWS));
		else if (r < AXIS_ROWS + doc->ncpus)
			lanes_draw_cpus(&doc->d, y, (unsigned)(r - AXIS_ROWS), 1);
		else if (r == AXIS_ROWS + doc->ncpus && doc->has_marks)
			lanes_draw_marks(&doc->d, y);
		else if (r < AXIS_ROWS + doc->ncpus + doc->marks)
			lanes_draw_level(&doc->d, y, doc->level);
		else
			doc_draw_thread(doc, y, r - AXIS_ROWS - doc->ncpus - doc->marks);
	}
}

/* Draws the foot from row y of g: the bottom rule with the lost events
 * marked, then the legend of everything the body showed. Returns its
 * rows. */
static int doc_draw_foot(struct lanes_doc *doc, struct grid *g, int y)
{
	struct draw *d = &doc->d;

	d->g = g;
	lanes_draw_bottom(d, y);
	if (timeline_lost(d->tl) || timeline_damaged(d->tl)) /* a loss reported at the very end too */
		lanes_mark_lost(d, y, doc->t0, scale_sat_add(d->w1, 1));
	return 1 + lanes_draw_legend(d, y + 1, grid_height(g) - y - 1);
}

/* Checks the arguments of render_lanes and render_lanes_print. */
static bool lanes_args_ok(const struct timeline *tl, int width, const struct theme *th)
{
	return tl && th && width >= LANES_MIN_WIDTH && width <= LANES_MAX_WIDTH;
}

/* The lanes of [t0, t1) as one grid (see render.h). */
struct grid *render_lanes(const struct timeline *tl, uint64_t t0, uint64_t t1, int width, const struct theme *th)
{
	struct lanes_doc doc;
	struct grid *g = NULL;
	size_t body, rows;
	int foot;

	if (!lanes_args_ok(tl, width, th))
		return NULL;
	if (t1 <= t0)
		t1 = t0 + 1;
	if (doc_layout(&doc, tl, t0, t1, width, th, NULL))
		goto out;
	body = doc_body_rows(&doc);
	rows = body + 1 + LEGEND_ROWS;
	if (rows > RENDER_LANES_MAX_ROWS || !(g = grid_new(width, (int)rows)))
		goto out;
	doc_draw_body(&doc, g, 0, (int)body);
	foot = doc_draw_foot(&doc, g, (int)body);
	grid_crop(g, (int)body + foot);
out:
	free(doc.rows);
	return g;
}

/* Applies opts' CPU rows (busy strips) to a laid-out document. */
static void doc_apply(struct lanes_doc *doc, const struct lanes_opts *o)
{
	if (o && o->cpu_per > 1 && doc->cpus > 1) {
		doc->cpu_per = o->cpu_per < doc->cpus ? o->cpu_per : doc->cpus;
		doc->ncpus = (doc->cpus + doc->cpu_per - 1) / doc->cpu_per;
	}
}

/* Prints the lanes of [t0, t1) a band at a time (see render.h). */
int render_lanes_print(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int width,
		       const struct theme *th, bool ansi)
{
	return render_lanes_print_opts(f, tl, t0, t1, width, th, ansi, NULL);
}

/* The same with opts (see render.h). */
int render_lanes_print_opts(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int width,
			    const struct theme *th, bool ansi, const struct lanes_opts *opts)
{
	struct lanes_doc doc;
	struct grid *band, *foot;
	size_t body, row0;
	int rc = 0, used;

	if (!f || !lanes_args_ok(tl, width, th))
		return -EINVAL;
	if (t1 <= t0)
		t1 = t0 + 1;
	rc = doc_layout(&doc, tl, t0, t1, width, th, opts);
	if (rc) {
		free(doc.rows);
		return rc;
	}
	doc_apply(&doc, opts);
	body = doc_body_rows(&doc);
	band = grid_new(width, BAND_ROWS);
	foot = grid_new(width, 1 + LEGEND_ROWS);
	if (!band || !foot) {
		grid_free(band);
		grid_free(foot);
		free(doc.rows);
		return -ENOMEM;
	}
	for (row0 = 0; row0 < body && !rc; row0 += BAND_ROWS) {
		int rows = body - row0 < BAND_ROWS ? (int)(body - row0) : BAND_ROWS;

		grid_clear(band);
		doc_draw_body(&doc, band, row0, rows);
		rc = grid_print_rows(band, f, th, ansi, rows);
	}
	if (!rc) {
		used = doc_draw_foot(&doc, foot, 0);
		rc = grid_print_rows(foot, f, th, ansi, used);
	}
	grid_free(band);
	grid_free(foot);
	free(doc.rows);
	return rc;
}
