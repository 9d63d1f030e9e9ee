/* Lanes drawn into a grid (see lanes.h): the row function and the parts
 * around the rows. */
#include "lanes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "draw.h"
#include "format.h"
#include "render.h"
#include "scale.h"
#include "utf8.h"

#define LOST_BATCH 32  /* log entries read at a time when marking lost events */

/* Sets up a window (see lanes.h). */
void lanes_window_init(struct lane_window *w, const struct timeline *tl, uint64_t t0, uint64_t npc, int ncols,
		       uint64_t cursor)
{
	w->tl = tl;
	w->t0 = t0;
	w->npc = npc ? npc : 1;
	w->end = timeline_end(tl);
	w->ncols = ncols;
	w->cursor_col = -1;
	w->ascii = false;
	if (cursor != UINT64_MAX && cursor >= t0 && (cursor - t0) / w->npc < (uint64_t)ncols)
		w->cursor_col = (int)((cursor - t0) / w->npc);
}

/* The time span of a column. */
bool lanes_col_span(const struct lane_window *w, int col, uint64_t *a, uint64_t *b)
{
	*a = scale_sat_add(w->t0, scale_sat_mul((uint64_t)col, w->npc));
	*b = scale_sat_add(*a, w->npc);
	if (*b > w->end)
		*b = w->end;
	return *a < *b;
}

/* The cell of CPUs [first, first + n) over [a, b): the one thread they
 * ran (mixed when several), else another program, unknown or idle. */
static void cpu_group_cell(const struct timeline *tl, unsigned first, unsigned n, uint64_t a, uint64_t b,
			   struct tl_cpu_cell *sum)
{
	bool any_other = false, any_unknown = false, several = false, any_thread = false;
	struct tl_cpu_cell cell;
	unsigned k;

	memset(sum, 0, sizeof(*sum));
	for (k = first; k < first + n; k++) {
		timeline_cpu_cell(tl, k, a, b, &cell);
		if (cell.kind == TL_CPU_THREAD) {
			if (any_thread && cell.thread != sum->thread)
				several = true;
			any_thread = true;
			sum->thread = cell.thread;
		} else if (cell.kind == TL_CPU_OTHER) {
			any_other = true;
		} else if (cell.kind == TL_CPU_UNKNOWN) {
			any_unknown = true;
		}
		sum->undone |= cell.undone;
	}
	sum->kind = any_thread ? TL_CPU_THREAD : any_other ? TL_CPU_OTHER : any_unknown ? TL_CPU_UNKNOWN : TL_CPU_IDLE;
	sum->mixed = several;
	sum->undone &= sum->kind == TL_CPU_IDLE;
}

/* The cell of a busy strip of CPUs [first, first + n) over [a, b): the
 * share of their time they ran the program's threads (each CPU's, in
 * millionths); with none, another
 * program's '~', undone work's '_', or blank. */
static unsigned strip_cell(const struct lane_window *w, unsigned first, unsigned n, uint64_t a, uint64_t b,
			   uint32_t *ch, uint8_t *role)
{
	struct tl_cpu_cell cell, rest = { .kind = TL_CPU_IDLE };
	uint64_t busy = 0;
	unsigned k;

	for (k = first; k < first + n; k++) {
		timeline_cpu_cell(w->tl, k, a, b, &cell);
		if (cell.run_ns && cell.span_ns)
			busy += cell.run_ns >= cell.span_ns ? 1000000
							     : (cell.run_ns * 1000000 + cell.span_ns - 1) / cell.span_ns;
		else if (cell.kind == TL_CPU_OTHER)
			rest.kind = TL_CPU_OTHER;
		else if (cell.kind == TL_CPU_IDLE && cell.undone && rest.kind == TL_CPU_IDLE)
			rest.undone = true;
	}
	if (!busy)
		return rest.kind == TL_CPU_IDLE && !rest.undone ? (*ch = ' ', LG_MAX)
								: render_cpu_glyph(w->tl, &rest, ch, role);
	*role = ROLE_RUNNING;
	return lanes_share_glyph(busy, (uint64_t)n * 1000000, w->ascii, ch);
}

/* The margin around a thread's lifetime (see lanes.h). */
uint64_t lanes_alive_margin(const struct timeline *tl)
{
	uint64_t from, to, m;

	return timeline_overview_span(tl, &from, &to, &m) ? m : 0;
}

/* Whether thread i is not alive at all in [a, b) (see lanes.h). */
bool lanes_not_alive(const struct timeline *tl, size_t i, uint64_t a, uint64_t b, uint64_t m)
{
	const struct tl_thread *t = timeline_thread(tl, i);

	/* (t->start_ns - m and a - m, not b + m and end_ns + m: no wrap past 2^64) */
	return t && ((t->start_ns >= m && t->start_ns - m >= b) || (t->exited && a >= m && t->end_ns <= a - m));
}

/* The cell of a process's header over [a, b): the share of its threads'
 * time alive they spent running, blank when none ran (those not alive in
 * it skipped: a process that made 86 000 threads took 1.8 s a frame). */
static unsigned process_cell(const struct lane_window *w, const struct lane_ref *ref, uint64_t a, uint64_t b,
			     uint32_t *ch, uint8_t *role)
{
	uint64_t sum[TL_STATE_MAX], run = 0, alive = 0, m = lanes_alive_margin(w->tl);
	unsigned k;

	for (k = 0; k < ref->count; k++) {
		if (lanes_not_alive(w->tl, ref->threads[k], a, b, m))
			continue;
		timeline_thread_sum(w->tl, ref->threads[k], a, b, sum);
		run += sum[TL_RUNNING] + sum[TL_SPINNING];
		alive += (b - a) - (sum[TL_NOT_ALIVE] < b - a ? sum[TL_NOT_ALIVE] : b - a);
	}
	*role = ROLE_RUNNING;
	return lanes_share_glyph(run, alive, w->ascii, ch);
}

/* The glyph and role of lane ref over [a, b); returns its legend item. */
static unsigned lane_cell(const struct lane_window *w, const struct lane_ref *ref, uint64_t a, uint64_t b,
			  uint32_t *ch, uint8_t *role)
{
	const struct timeline *tl = w->tl;
	struct tl_cpu_cell cpu;
	struct tl_cell cell;

	switch (ref->kind) {
	case LANE_THREAD:
		timeline_thread_cell(tl, ref->index, a, b, &cell);
		return render_cell_glyph(&cell, ch, role);
	case LANE_CPU:
		timeline_cpu_cell(tl, (unsigned)ref->index, a, b, &cpu);
		return render_cpu_glyph(tl, &cpu, ch, role);
	case LANE_STRIP:
		return strip_cell(w, (unsigned)ref->index, ref->count, a, b, ch, role);
	case LANE_PROCESS:
		return process_cell(w, ref, a, b, ch, role);
	default:
		cpu_group_cell(tl, (unsigned)ref->index, ref->count, a, b, &cpu);
		return render_cpu_glyph(tl, &cpu, ch, role);
	}
}

/* The row function (see lanes.h). */
uint32_t lanes_row(struct grid *g, int x, int y, const struct lane_window *w, const struct lane_ref *ref)
{
	uint32_t legend = 0;
	int col;

	for (col = 0; col < w->ncols; col++) {
		uint32_t ch = ' ';
		uint8_t role = ROLE_DEFAULT;
		unsigned item = LG_MAX;
		uint64_t a, b;

		if (lanes_col_span(w, col, &a, &b))
			item = lane_cell(w, ref, a, b, &ch, &role);
		if (item < LG_MAX)
			legend |= 1u << item;
		grid_put(g, x + col, y, ch, role, col == w->cursor_col ? GRID_REVERSE : 0);
	}
	return legend;
}

/* Draws the cells of a lane between its rules. */
void lanes_draw_cells(struct draw *d, int y, const struct lane_ref *ref)
{
	grid_put(d->g, d->x_lane - 1, y, d->th->vline, ROLE_FRAME, 0);
	grid_put(d->g, d->x_lane + d->win.ncols, y, d->th->vline, ROLE_FRAME, 0);
	d->legend |= lanes_row(d->g, d->x_lane, y, &d->win, ref);
}

/* Draws the row of CPU first, or of n CPUs from first as a row of kind
 * (their label ending with suffix). */
static void draw_cpu_row(struct draw *d, int y, unsigned first, unsigned n, enum lane_kind kind,
			 const char *suffix)
{
	struct lane_ref ref = { .kind = n > 1 ? kind : LANE_CPU, .index = first, .count = n };
	char label[32];

	if (n > 1)
		snprintf(label, sizeof(label), "CPU%u-%u%s", first, first + n - 1, suffix);
	else
		snprintf(label, sizeof(label), "CPU%u", first);
	draw_text(d, 0, y, label, ROLE_LABEL, GRID_BOLD, d->x_lane - 2);
	lanes_draw_cells(d, y, &ref);
}

/* Draws a CPU lane, or one row for a group of CPUs. */
void lanes_draw_cpus(struct draw *d, int y, unsigned first, unsigned n)
{
	draw_cpu_row(d, y, first, n, LANE_CPUS, "");
}

/* Draws a busy strip of CPUs (see lanes.h). */
void lanes_draw_cpu_strip(struct draw *d, int y, unsigned first, unsigned n)
{
	draw_cpu_row(d, y, first, n, LANE_STRIP, " busy");
}

/* A thread's time alive, running, runnable and blocked (see lanes.h). */
uint64_t lanes_alive_times(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, uint64_t ns[3])
{
	uint64_t sum[TL_STATE_MAX], alive;

	ns[0] = ns[1] = ns[2] = 0;
	if (t1 <= t0)
		return 0;
	timeline_thread_sum(tl, i, t0, t1, sum);
	alive = (t1 - t0) - (sum[TL_NOT_ALIVE] < t1 - t0 ? sum[TL_NOT_ALIVE] : t1 - t0);
	ns[0] = sum[TL_RUNNING] + sum[TL_SPINNING];
	if (ns[0] > alive)
		ns[0] = alive;
	ns[1] = sum[TL_RUNNABLE] < alive - ns[0] ? sum[TL_RUNNABLE] : alive - ns[0];
	ns[2] = alive - ns[0] - ns[1];
	return alive;
}

/* The shares of a thread's time alive (see lanes.h). */
bool lanes_shares(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, int pct[3])
{
	uint64_t ns[3], alive = lanes_alive_times(tl, i, t0, t1, ns), run = ns[0], wait = ns[1];

	if (alive == 0)
		return false;
	for (; alive > UINT64_MAX / 200; alive >>= 1, run >>= 1, wait >>= 1)
		; /* a window of years: keep v * 100 in range */
	pct[0] = (int)((run * 100 + alive / 2) / alive);
	pct[1] = (int)((wait * 100 + alive / 2) / alive);
	pct[2] = (int)(((alive - run - wait) * 100 + alive / 2) / alive);
	return true;
}

/* Draws the stats columns of thread i on row y: the share of its time alive
 * in the window spent running, runnable, and blocked ("-" when not alive). */
static void draw_stats(struct draw *d, int y, size_t i)
{
	char buf[32];
	int pct[3];

	if (d->x_stats < 0 || d->w1 <= d->win.t0)
		return;
	if (lanes_shares(d->tl, i, d->win.t0, d->w1, pct))
		snprintf(buf, sizeof(buf), " %4d%%%4d%%%4d%%", pct[0], pct[1], pct[2]);
	else
		snprintf(buf, sizeof(buf), " %5s%5s%5s", "-", "-", "-");
	draw_text(d, d->x_stats, y, buf, ROLE_LABEL, 0, -1);
}

/* Draws a thread's label, lane and stats. */
void lanes_draw_thread(struct draw *d, int y, size_t i, bool focus)
{
	const struct tl_thread *t = timeline_thread(d->tl, i);
	struct lane_ref ref = { .kind = LANE_THREAD, .index = i };
	char buf[32];

	if (!t)
		return;
	grid_put(d->g, 0, y, (uint32_t)(unsigned char)(t->letter ? t->letter : '?'), ROLE_LABEL, GRID_BOLD);
	draw_name(d, 2, y, t->name[0] ? t->name : "?", focus ? ROLE_FOCUS : ROLE_LABEL, 0, d->name_w);
	snprintf(buf, sizeof(buf), "%*d", d->tid_w, (int)t->tid);
	draw_text(d, 2 + d->name_w + 1, y, buf, ROLE_LABEL, 0, d->tid_w);
	lanes_draw_cells(d, y, &ref);
	draw_stats(d, y, i);
}

/* The widest tick label of a step of unit ns in the window. */
static int widest_label(const struct draw *d, uint64_t unit, uint64_t span)
{
	uint64_t first = (d->win.t0 + unit - 1) / unit * unit, end = scale_sat_add(d->win.t0, span), t;
	char buf[48];
	int widest = 1;

	for (t = first; t < end && t >= first; t = scale_sat_add(t, unit)) {
		int w;

		fmt_time_exact(buf, sizeof(buf), t, d->th->ascii);
		w = utf8_width(buf);
		if (w > widest)
			widest = w;
		if (t == UINT64_MAX)
			break;
	}
	return widest;
}

/* The time between ticks: the smallest step whose labels fit with two
 * columns to spare, a whole 1-2-5 number of columns when the scale is
 * round (ticks then fall on column edges), else a 1-2-5 time. */
static uint64_t tick_step(const struct draw *d, uint64_t span)
{
	uint64_t npc = d->win.npc, step = 1, unit;
	bool round_scale = scale_is_round(npc);

	for (;;) {
		step = scale_nice_ceil(step);
		unit = round_scale ? scale_sat_mul(step, npc) : step;
		/* ticks at least 3 columns apart: at most ncols / 3 labels to measure */
		if (unit / npc >= 3 && unit / npc >= (uint64_t)widest_label(d, unit, span) + 2)
			return unit;
		if (unit >= UINT64_MAX / 2)
			return unit;
		step = round_scale ? step + 1 : (unit / npc < 3 ? scale_sat_mul(npc, 3) : step + 1);
	}
}

/* Draws the time axis (see lanes.h). */
void lanes_draw_axis(struct draw *d, int y)
{
	const struct theme *th = d->th;
	uint64_t span = scale_sat_mul((uint64_t)d->win.ncols, d->win.npc), step = tick_step(d, span), first, t;
	uint64_t end = scale_sat_add(d->win.t0, span);
	char buf[48];

	first = (d->win.t0 + step - 1) / step * step;
	grid_put(d->g, d->x_lane - 1, y + 1, th->corner[0], ROLE_FRAME, 0);
	draw_fill(d, d->x_lane, d->x_lane + d->win.ncols, y + 1, th->hline, ROLE_FRAME, 0);
	grid_put(d->g, d->x_lane + d->win.ncols, y + 1, th->corner[1], ROLE_FRAME, 0);
	for (t = first; t < end && t >= first; t = scale_sat_add(t, step)) {
		int col = (int)((t - d->win.t0) / d->win.npc);

		grid_put(d->g, d->x_lane + col, y + 1, th->tick, ROLE_FRAME, 0);
		fmt_time_exact(buf, sizeof(buf), t, th->ascii);
		draw_text(d, d->x_lane + col, y, buf, ROLE_LABEL, 0, -1);
		if (t == UINT64_MAX)
			break;
	}
	if (d->win.cursor_col >= 0)
		grid_put(d->g, d->x_lane + d->win.cursor_col, y + 1, th->cursor, ROLE_CURSOR, 0);
	if (d->x_stats >= 0) {
		snprintf(buf, sizeof(buf), " %4s %4s %4s ", "run", "wait", "blk");
		draw_text(d, d->x_stats, y + 1, buf, ROLE_LABEL, GRID_BOLD, -1);
	}
}

/* Draws the bottom rule. */
void lanes_draw_bottom(struct draw *d, int y)
{
	grid_put(d->g, d->x_lane - 1, y, d->th->corner[2], ROLE_FRAME, 0);
	draw_fill(d, d->x_lane, d->x_lane + d->win.ncols, y, d->th->hline, ROLE_FRAME, 0);
	grid_put(d->g, d->x_lane + d->win.ncols, y, d->th->corner[3], ROLE_FRAME, 0);
}

/* Marks lost events (see lanes.h): the log entries of [a, b), a batch at
 * a time. */
void lanes_mark_lost(struct draw *d, int y, uint64_t a, uint64_t b)
{
	struct tl_log_entry ent[LOST_BATCH];
	uint64_t i = timeline_log_index(d->tl, a), end = timeline_log_index(d->tl, b);
	size_t n, k;

	for (; i < end; i += n) {
		n = timeline_log_read(d->tl, i, ent, end - i < LOST_BATCH ? (size_t)(end - i) : LOST_BATCH);
		if (!n)
			break;
		for (k = 0; k < n; k++) {
			if ((ent[k].kind != TL_LOG_LOST && ent[k].kind != TL_LOG_DAMAGED) || ent[k].ts < d->win.t0 ||
			    (ent[k].ts - d->win.t0) / d->win.npc >= (uint64_t)d->win.ncols)
				continue;
			grid_put(d->g, d->x_lane + (int)((ent[k].ts - d->win.t0) / d->win.npc), y, '!', ROLE_WARNING,
				 GRID_BOLD);
			if (ent[k].kind == TL_LOG_DAMAGED)
				d->damaged = true;
			else
				d->lost += ent[k].value > 0 ? (uint64_t)ent[k].value : 0;
			d->legend |= 1u << LG_LOST;
		}
	}
}

/* The first column from col on whose span holds a marker, and the
 * marker's number, or -1. */
static int next_mark_col(const struct lane_window *w, int col, size_t *mi)
{
	size_t n = timeline_mark_count(w->tl), i;
	uint64_t a, b;
	struct tl_log_entry e;

	if (col >= w->ncols || !n || !lanes_col_span(w, col, &a, &b))
		return -1;
	i = timeline_mark_index(w->tl, a);
	if (i >= n)
		return -1;
	timeline_mark(w->tl, i, &e);
	/* none past the window's end: a view may end it early (predict hides
	 * what comes after the cursor) */
	if (e.ts < w->t0 || e.ts > w->end || (e.ts - w->t0) / w->npc >= (uint64_t)w->ncols)
		return -1;
	*mi = i;
	return (int)((e.ts - w->t0) / w->npc);
}

/* Whether the window holds a marker (see lanes.h). */
bool lanes_has_marks(const struct lane_window *w)
{
	size_t mi;

	return next_mark_col(w, 0, &mi) >= 0;
}

/* Draws the markers row (see lanes.h). */
void lanes_draw_marks(struct draw *d, int y)
{
	size_t mi = 0, next_mi = 0;
	int col, next, free = 0; /* free: the first column after what is drawn */
	char buf[EVENT_TEXT_MAX + 48];

	draw_text(d, 0, y, "marks", ROLE_LABEL, GRID_BOLD, d->x_lane - 2);
	grid_put(d->g, d->x_lane - 1, y, d->th->vline, ROLE_FRAME, 0);
	grid_put(d->g, d->x_lane + d->win.ncols, y, d->th->vline, ROLE_FRAME, 0);
	if (d->win.cursor_col >= 0)
		grid_put(d->g, d->x_lane + d->win.cursor_col, y, ' ', ROLE_DEFAULT, GRID_REVERSE);
	for (col = next_mark_col(&d->win, 0, &mi); col >= 0; col = next, mi = next_mi) {
		const struct tl_thread *t;
		struct tl_log_entry e;
		uint64_t col_end;
		size_t last;
		int right, w;

		next = next_mark_col(&d->win, col + 1, &next_mi);
		grid_put(d->g, d->x_lane + col, y, '@', ROLE_MARK, GRID_BOLD | (col == d->win.cursor_col ? GRID_REVERSE : 0));
		d->legend |= 1u << LG_MARK;
		/* the column's last marker up to the window's end: the state its
		 * moments led to (the bang after the countdown, the timer
		 * cancelled after the race) */
		col_end = scale_sat_add(d->win.t0, scale_sat_mul((uint64_t)col + 1, d->win.npc));
		last = timeline_mark_index(d->tl, col_end < d->win.end ? col_end : scale_sat_add(d->win.end, 1));
		timeline_mark(d->tl, last > mi ? last - 1 : mi, &e);
		t = timeline_thread(d->tl, e.thread);
		snprintf(buf, sizeof(buf), "%c %s %lld", t && t->letter ? t->letter : '?', e.text, (long long)e.value);
		w = utf8_width(buf);
		/* its words after it, up to a blank before the next marker
		 * (zoom in for the words of markers close together) */
		right = (next >= 0 ? next - 1 : d->win.ncols) - (col + 1);
		/* and never past a window ended early: predict draws nothing
		 * after its cursor */
		if (d->win.end < timeline_end(d->tl) && d->win.end > d->win.t0 &&
		    (d->win.end - 1 - d->win.t0) / d->win.npc < (uint64_t)d->win.ncols &&
		    (int)((d->win.end - 1 - d->win.t0) / d->win.npc) - col < right)
			right = (int)((d->win.end - 1 - d->win.t0) / d->win.npc) - col;
		if (right < w && next < 0 && col - free >= w + 1) {
			/* the window's last marker, with no room for its words
			 * after it (a run's outcome, marked at its end): its
			 * words before it, a blank apart from what is drawn there */
			draw_text(d, d->x_lane + col - 1 - w, y, buf, ROLE_MARK, 0, w);
		} else if (right >= 2) {
			draw_text(d, d->x_lane + col + 1, y, buf, ROLE_MARK, 0, right < w ? right : w);
			free = col + 1 + (right < w ? right : w) + 1;
		} else {
			free = col + 2;
		}
	}
}

/* Whether marker label text is a level of name (name == NULL: of any):
 * the label is "NAME =". Sets *n to the name's length. */
static bool level_label(const char *text, const char *name, size_t *n)
{
	size_t len = strlen(text);

	if (len < 3 || strcmp(text + len - 2, " =") != 0)
		return false;
	*n = len - 2;
	return !name || (strlen(name) == *n && strncmp(text, name, *n) == 0);
}

/* The first level marker's name (see lanes.h): a look at the first
 * TL_MARKS_LOOKBACK markers, where a scenario sets its level from the
 * start. */
bool lanes_level_name(const struct timeline *tl, uint64_t before, char *name, size_t len)
{
	size_t count = timeline_mark_count(tl), i, n;
	struct tl_log_entry e;

	for (i = 0; i < count && i < TL_MARKS_LOOKBACK; i++) {
		timeline_mark(tl, i, &e);
		if (e.ts >= before)
			break;
		if (level_label(e.text, NULL, &n) && len > 0) {
			n = n < len - 1 ? n : len - 1;
			memcpy(name, e.text, n);
			name[n] = '\0';
			return true;
		}
	}
	return false;
}

/* Draws a level strip (see lanes.h): one pass over the window's markers,
 * after a look back (at most TL_MARKS_LOOKBACK markers) for the level at
 * its start; '?' in a column the timeline forgot (before a trim). */
void lanes_draw_level(struct draw *d, int y, const char *name)
{
	size_t count = timeline_mark_count(d->tl), i, k, n;
	uint64_t kept = timeline_kept_from(d->tl);
	struct tl_log_entry e;
	int64_t level = -1;
	int col;

	draw_text(d, 0, y, name, ROLE_LABEL, GRID_BOLD, d->x_lane - 2);
	grid_put(d->g, d->x_lane - 1, y, d->th->vline, ROLE_FRAME, 0);
	grid_put(d->g, d->x_lane + d->win.ncols, y, d->th->vline, ROLE_FRAME, 0);
	i = timeline_mark_index(d->tl, d->win.t0);
	for (k = i; k > 0 && i - k < TL_MARKS_LOOKBACK; k--) {
		timeline_mark(d->tl, k - 1, &e);
		if (level_label(e.text, name, &n)) {
			level = e.value;
			break;
		}
	}
	for (col = 0; col < d->win.ncols; col++) {
		uint32_t ch = ' ';
		uint64_t a, b;

		if (lanes_col_span(&d->win, col, &a, &b)) {
			/* the level at the column's end, up to a window ended early */
			for (; i < count; i++) {
				timeline_mark(d->tl, i, &e);
				if (e.ts >= b && !(b == d->win.end && e.ts == b))
					break;
				if (level_label(e.text, name, &n))
					level = e.value;
			}
			if (kept && b <= kept)
				ch = '?'; /* forgotten (a memory cap): its markers are not all kept */
			else if (level >= 0)
				ch = level < 10 ? (uint32_t)('0' + level) : '+';
		}
		grid_put(d->g, d->x_lane + col, y, ch, ROLE_MARK, col == d->win.cursor_col ? GRID_REVERSE : 0);
	}
}

/* Draws the scale and the legend (see lanes.h). */
int lanes_draw_legend(struct draw *d, int y, int rows)
{
	int w = grid_width(d->g), x, row = 0, i;
	char scale[96], buf[128];

	fmt_time_short(buf, sizeof(buf), d->win.npc, d->th->ascii);
	snprintf(scale, sizeof(scale), d->classroom ? "1 column = %s" : "1 col = %s", buf);
	x = draw_text(d, 0, y, scale, ROLE_LABEL, GRID_BOLD, -1);
	for (i = 0; i < LG_MAX; i++) {
		const struct legend_entry *e = lanes_legend_entry((unsigned)i);
		const char *glyph;
		int need;

		if (!(d->legend & (1u << i)))
			continue;
		if (i == LG_LOST && d->damaged && d->lost)
			snprintf(buf, sizeof(buf), "%" PRIu64 " events lost, or a damaged part of the file skipped, "
				 "here: lanes may be wrong", d->lost);
		else if (i == LG_LOST && d->damaged)
			snprintf(buf, sizeof(buf), "damaged part of the file skipped here: lanes may be wrong");
		else if (i == LG_LOST)
			snprintf(buf, sizeof(buf), "%" PRIu64 " %s", d->lost, e->text);
		else
			snprintf(buf, sizeof(buf), "%s", e->text);
		glyph = d->th->ascii && e->ascii ? e->ascii : e->glyph;
		need = 2 + utf8_width(glyph) + 1 + utf8_width(buf);
		if (x + need > w && x > 0) {
			if (row + 1 >= rows)
				break;
			row++;
			x = -2;
		}
		x += 2;
		x += draw_text(d, x, y + row, glyph, e->role, i == LG_LOST ? GRID_BOLD : 0, -1);
		x += 1;
		x += draw_text(d, x, y + row, buf, i == LG_LOST ? ROLE_WARNING : ROLE_LABEL, 0, -1);
	}
	return row + 1;
}
