/* Lanes drawn into a grid (inside tui/ only): the one row function every
 * view of the lanes uses (the screen, the classroom view, `conctop lanes`
 * and the SVG export), and the parts around the rows: labels, stats, the
 * time axis, the bottom rule, lost-event marks and the legend. */
#ifndef CONCTOP_LANES_H
#define CONCTOP_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "grid.h"
#include "timeline.h"

/* The time window a set of lanes shows. */
struct lane_window {
	const struct timeline *tl;
	uint64_t t0;    /* time at the left edge */
	uint64_t npc;   /* ns per column, >= 1 */
	uint64_t end;   /* the timeline's end: columns past it stay blank */
	int ncols;      /* columns */
	int cursor_col; /* column drawn in reverse, -1 for none */
	bool ascii;     /* share glyphs (LANE_STRIP, LANE_PROCESS) as digits 1-8 */
};

/* What one lane row shows. */
enum lane_kind {
	LANE_THREAD, /* thread index */
	LANE_CPU,    /* CPU index */
	LANE_CPUS,   /* CPUs [index, index + count) in one row */
	LANE_STRIP,  /* CPUs [index, index + count): the share of their time running the program */
	LANE_PROCESS, /* threads[0, count) of a process: the share of them running */
};

struct lane_ref {
	enum lane_kind kind;
	size_t index;
	unsigned count;
	const size_t *threads; /* LANE_PROCESS: the thread indexes */
};

/* The glyph of a share running of k out of n (n > 0): blank for none,
 * else eighths from U+2581 (a sliver) to U+2588 (all), or with ascii the
 * digits 1 to 8; returns LG_SHARE, LG_MAX for blank. */
unsigned lanes_share_glyph(uint64_t k, uint64_t n, bool ascii, uint32_t *ch);

/* Sets up a window of ncols columns of npc ns (0 is taken as 1) from t0
 * over tl; the cursor (a time, UINT64_MAX for none) is reversed when it
 * falls in a column. */
void lanes_window_init(struct lane_window *w, const struct timeline *tl, uint64_t t0, uint64_t npc, int ncols,
		       uint64_t cursor);

/* The time span of column col, clipped to the timeline's end; false when
 * the column lies past the end. */
bool lanes_col_span(const struct lane_window *w, int col, uint64_t *a, uint64_t *b);

/* The row function: draws the cells of one lane into row y of g from
 * column x, one per column of the window: its time span, the timeline's
 * cell, its glyph and role (render_cell_glyph, render_cpu_glyph), then
 * grid_put, the cursor column reversed. Returns the legend items shown
 * (1 << enum legend_item each). */
uint32_t lanes_row(struct grid *g, int x, int y, const struct lane_window *w, const struct lane_ref *ref);

/* A legend item: its glyphs, the role they are drawn in, what they mean. */
struct legend_entry {
	const char *glyph;
	uint8_t role;
	const char *text;
	const char *detail;     /* the longer words of a printed legend, or NULL: text */
	const char *ascii;      /* the glyphs in an ASCII theme, or NULL: glyph */
};

/* The legend entry of an item (enum legend_item, below LG_MAX). */
const struct legend_entry *lanes_legend_entry(unsigned item);

/* What an item means in a printed legend (the SVG's), where there is room
 * to say more ("runnable (waiting for a CPU)"). */
const char *lanes_legend_detail(unsigned item);

/* Whether thread i is not alive at all in [a, b): it starts after it or
 * exited before it, by more than m, the bucket of the overview of what
 * trims forgot (lanes_alive_margin: it weighs a bucket's time, not its
 * instants), so that its sums there are all TL_NOT_ALIVE and summing it
 * can be skipped. */
uint64_t lanes_alive_margin(const struct timeline *tl);
bool lanes_not_alive(const struct timeline *tl, size_t i, uint64_t a, uint64_t b, uint64_t m);

/* Thread i's time alive in [t0, t1) (returned; 0 when not alive then),
 * and of it the ns spent running (or spinning), runnable and blocked
 * (ns[0..2], which add up to it). */
uint64_t lanes_alive_times(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, uint64_t ns[3]);

/* The shares of thread i's time alive in [t0, t1) spent running (or
 * spinning), runnable and blocked, in whole percent (pct[0..2]); false
 * when it was not alive then. */
bool lanes_shares(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, int pct[3]);

struct draw;

/* Draws the lane of thread ref, or of CPUs, on row y of a drawing with
 * the rules at its sides; notes the legend items shown. */
void lanes_draw_cells(struct draw *d, int y, const struct lane_ref *ref);

/* Draws CPUs [first, first + n) on row y: "CPUn" (or "CPUa-b") and their
 * lane (one CPU's, or each column summarising the group). */
void lanes_draw_cpus(struct draw *d, int y, unsigned first, unsigned n);

/* Draws thread i on row y: letter, name (ROLE_FOCUS when focus), tid, its
 * lane and (when the drawing has them) its stats. */
void lanes_draw_thread(struct draw *d, int y, size_t i, bool focus);

/* Draws CPUs [first, first + n) on row y as a busy strip: "CPUa-b" and in
 * each column the share of their time running the program's threads. */
void lanes_draw_cpu_strip(struct draw *d, int y, unsigned first, unsigned n);

/* Draws the header of the process of thread first (its first thread) on
 * row y: folded or open (a triangle, ASCII + or -), its name and thread
 * count, its tgid, the share of its threads running in each column, and
 * its threads' shares of the window running, runnable and blocked. */
void lanes_draw_process(struct draw *d, int y, size_t first, bool folded, bool focus);

/* Draws the time axis: tick labels on row y, the top rule with ticks and
 * the cursor mark on row y + 1, the stats headings beside it. */
void lanes_draw_axis(struct draw *d, int y);

/* Draws the bottom rule under the lanes on row y. */
void lanes_draw_bottom(struct draw *d, int y);

/* Marks with '!' on row y the columns of [a, b) where the kernel lost
 * events, counting them into d->lost. */
void lanes_mark_lost(struct draw *d, int y, uint64_t a, uint64_t b);

/* Whether the window holds a scenario's marker (conctop_mark). */
bool lanes_has_marks(const struct lane_window *w);

/* Draws the markers row on row y: "marks" as its label, then in the lane
 * columns an '@' where a thread set a marker and, where there is room
 * before the next, the thread's letter and the marker's words ("@G timer
 * fired"). */
void lanes_draw_marks(struct draw *d, int y);

/* A level marker: a marker whose label ends in " =" ("buffer =", with the
 * number of items as its value) says how much of something there is from
 * then on. Writes the first level's name (the words before " =", at most
 * len - 1 bytes) into name and returns true when the timeline has one
 * before `before` (UINT64_MAX: anywhere). */
bool lanes_level_name(const struct timeline *tl, uint64_t before, char *name, size_t len);

/* Draws the level strip of level name on row y: the name as its label,
 * then in each lane column the level at the column's end (its last level
 * marker by then) as a digit, '+' from 10 on, blank before the first. */
void lanes_draw_level(struct draw *d, int y, const char *name);

/* Draws the scale and the legend of the items shown, from row y, in at
 * most rows rows (wrapping between items). Returns the rows used. */
int lanes_draw_legend(struct draw *d, int y, int rows);

#endif
