/* What tui/'s drawing code shares (inside tui/ only): the context of one
 * drawing, and text drawn through the theme. Every cell goes to the grid
 * through grid_put (grid_text, grid_copy_row and these helpers call it). */
#ifndef CONCTOP_DRAW_H
#define CONCTOP_DRAW_H

#include <stdbool.h>
#include <stdint.h>
#include "grid.h"
#include "lanes.h"
#include "theme.h"
#include "timeline.h"

#define DRAW_LINE_MAX 512 /* bytes of one line of words */

/* One drawing: where it goes, what it shows, where the lanes are, and what
 * the lanes drawn so far have shown (for the legend). */
struct draw {
	struct grid *g;
	const struct timeline *tl;
	const struct theme *th;
	struct lane_window win; /* the lanes' window: t0, ns per column, columns, cursor */
	uint64_t w1;            /* end of the window the stats cover */
	int x_lane;             /* first lane column */
	int x_stats;            /* first stats column, -1 for none */
	int name_w, tid_w;      /* thread label columns */
	uint32_t legend;        /* 1 << enum legend_item, for each item shown */
	uint64_t lost;          /* events lost within the lanes */
	bool damaged;           /* a damaged part of the file was skipped within them */
	bool classroom;         /* the scale in words: "1 column = ..." */
};

/* Writes text from (x, y) in at most max columns (max < 0: to the edge);
 * with an ASCII theme every non-ASCII character becomes '?'. Returns the
 * columns written. */
int draw_text(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max);

/* Writes a thread's name in max columns: whole when it fits, else its
 * start, an ellipsis and its numbered end ("philosoph…-5"), so that the
 * names of a pool of threads stay told apart. Returns the columns. */
int draw_name(struct draw *d, int x, int y, const char *name, uint8_t role, uint8_t attr, int max);

/* Writes text in at most max columns without cutting a word: when it does
 * not fit, it ends at the last space that fits, then an ellipsis; nothing
 * when a single word is too long. Returns the columns written. */
int draw_words(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max);

/* The bytes of s that fill one row of width columns: up to the last space
 * that fits when the rest does not, else cut at the width. */
size_t draw_wrap_piece(const char *s, int width);

/* The rows line s takes wrapped at words to width columns (at least one). */
int draw_wrapped_rows(const char *s, int width);

/* Draws the last of n lines (NULL: empty), each wrapped at words to the
 * width, on rows [y, y + rows), the newest at the bottom: as many as the
 * rows hold, the oldest shown losing its last rows (an ellipsis ends the
 * last one it keeps: its start, a sentence's subject, stays). */
void draw_last_lines(struct draw *d, int y, int rows, const char *const *lines, size_t n, uint8_t role,
		     uint8_t attr);

/* The same for a line that must show something (a message): a single word
 * too long is cut at the edge, with the ellipsis. */
int draw_line(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max);

/* Fills columns [x0, x1) of row y with ch. */
void draw_fill(struct draw *d, int x0, int x1, int y, uint32_t ch, uint8_t role, uint8_t attr);

/* A box with a title over rows [y, y + h) and columns [x, x + w), blanking
 * what it covers. */
void draw_box(struct draw *d, int x, int y, int w, int h, const char *title);

/* One piece of a header or key line; pieces of higher rank are dropped
 * first when the line is too narrow for all. */
struct draw_piece {
	char text[96];
	const char *alt; /* a shorter text, used before anything is dropped; or NULL */
	uint8_t role, attr;
	int rank; /* 0 always shown; larger: dropped earlier */
};

/* Adds a piece to p[*n] (at most max): its text from a format. */
void draw_piece_add(struct draw_piece *p, int *n, int max, uint8_t role, uint8_t attr, int rank, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Draws pieces on row y from x, sep between them (0: two blanks): until
 * they fit in width columns, the piece of highest rank is dropped, or takes
 * its shorter text when it has one (the shorter first, among equal ranks). */
void draw_pieces(struct draw *d, int x, int y, int width, const struct draw_piece *p, int n, uint32_t sep);

#endif
