/* What the two screens share (inside tui/ only): the frame's set-up from
 * the view, the CPU rows, the message when no thread lane shows, the
 * bottom rule with its labels, and the overlays; the classroom screen
 * itself. */
#ifndef CONCTOP_FRAME_H
#define CONCTOP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "draw.h"
#include "render.h"

/* One frame of a screen. */
struct frame {
	struct draw d;
	const struct view *v;
	size_t *vis;   /* the thread lanes the filter shows, in order (frame_row); NULL when every
			* thread is (render_rows_all) */
	size_t nvis;
	uint64_t now;  /* the cursor's time, else the window's end */
};

/* Row k (< nvis) of the thread lanes a frame shows: its entry of vis, or
 * thread k when it shows every thread. */
static inline size_t frame_row(const struct frame *f, size_t k)
{
	return f->vis ? f->vis[k] : k;
}

/* Sets up a frame of g for view v: lanes from column x_lane over ncols
 * columns (the window from v->t0 at v->ns_per_col, the cursor), stats
 * from x_stats (-1 for none), the threads the filter shows. The caller
 * sets the label widths. Returns 0 or -ENOMEM. */
int frame_begin(struct frame *f, struct grid *g, const struct timeline *tl, const struct view *v,
		const struct theme *th, int x_lane, int ncols, int x_stats);

/* Frees what frame_begin took. */
void frame_end(struct frame *f);

/* Draws the overlays the view asks for (v->waits, v->help) over the
 * screen drawn, then frame_end. Returns 0. */
int frame_close(struct frame *f);

/* Draws the CPU lanes from row y, per CPUs a row, in at most max_rows
 * rows; returns the rows drawn. */
int frame_draw_cpus(struct frame *f, int y, int per, int max_rows);

/* On row y, when no thread lane shows: why (the filter, or no threads). */
void frame_draw_empty(struct frame *f, int y);

/* Draws the bottom rule on row y with left (a warning: lanes not shown)
 * in the label columns and mid (or NULL) on the rule, mid_x columns into
 * the lanes. */
void frame_draw_bottom(struct frame *f, int y, const char *left, const char *mid, int mid_x);

/* The lanes scrolled out of sight, for the bottom rule's left end (the
 * label columns, f's x_lane - 2): "+A above, +B more", or, when that does
 * not fit, "+A↑ +B↓" ("+A^ +Bv" in ASCII), or else "+B more";
 * "" when none is hidden. */
void frame_hidden_lanes(const struct frame *f, char *buf, size_t len, size_t above, size_t below);

/* The target's name for a header: its last path component ("?" for none). */
const char *frame_target_name(const struct view *v);

/* Draws key line `line` of the keymap on row y (keymap_line: 0 the plain
 * view's, 1 and 2 the classroom view's), the items that fit. */
void frame_draw_keys(struct frame *f, int line, int y);

/* Draws the "too small" message into g, wrapped; returns -ERANGE. */
int overlay_too_small(struct grid *g);

/* Draws the key help overlay over the middle of the frame. */
void overlay_help(struct frame *f);

/* Draws the contention overlay (v->waits): the rows of v->contention
 * that fit, largest total wait first, under v->waits_title. */
void overlay_waits(struct frame *f);

/* Highlights (reversed, underlined) on row y, the lane of thread i, the
 * columns in which the view's critical path (v->path) went to thread i's
 * own state; nothing without a path, or when the history's thread i is
 * not the timeline's. */
void frame_mark_path(struct frame *f, int y, size_t i);

/* The critical path's summary line (why_path_summary), or why there is
 * none (v->why_note); false when there is neither. */
bool frame_path_line(const struct frame *f, char *buf, size_t len);

/* Draws the inspect panel on rows [y, y + rows): at time at, for each of
 * the n rows of the frame from row first (frame_row), its state, CPU,
 * since when and who woke it. */
void overlay_inspect(struct frame *f, uint64_t at, size_t first, size_t n, int y, int rows);

/* render_thread_rows for the classroom view: lanes (of two rows) per page
 * on a screen this high, at most those the filter shows. */
int classroom_thread_rows(const struct timeline *tl, const struct view *v, int width, int height, int *first_row);

/* Draws the classroom screen (render_screen with v->classroom). */
int classroom_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th);

#endif
