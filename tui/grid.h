/* An off-screen grid of cells (character + semantic role): everything conctop
 * draws goes here first. The ncurses front end only copies it to the screen,
 * `conctop lanes` prints it as text, and tests diff it against golden files. */
#ifndef CONCTOP_GRID_H
#define CONCTOP_GRID_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What a cell means; themes map roles to colours. */
enum role {
	ROLE_DEFAULT = 0,
	ROLE_FRAME,          /* rules, axes, borders: grey 247 */
	ROLE_LABEL,          /* lane names, tick labels, stats columns */
	ROLE_TITLE,          /* the header line */
	ROLE_MODE,           /* LIVE / PAUSED / REPLAY badge */
	ROLE_WARNING,        /* lost events, anomalies, "too small" */
	ROLE_CURSOR,         /* the cursor column */
	ROLE_FOCUS,          /* the focused lane's name */
	ROLE_RUNNING,        /* 36 bluish green */
	ROLE_SPINNING,       /* 25 blue */
	ROLE_RUNNABLE,       /* 214 orange */
	ROLE_BLOCKED_LOCK,   /* mutex / rwlock: 166 vermilion */
	ROLE_BLOCKED_SIGNAL, /* cond / barrier / sem / join / futex: 175 reddish purple */
	ROLE_SLEEP,          /* sleeping, I/O, uninterruptible: 74 sky blue */
	ROLE_UNKNOWN,        /* blocked, cause unknown: default background */
	ROLE_OTHER,          /* another program on a CPU: grey */
	ROLE_LOG,            /* the event log */
	ROLE_MARK,           /* markers in the log */
	ROLE_KEYS,           /* the key help line */
	ROLE_MAX
};

struct grid_cell {
	uint32_t ch;   /* a Unicode code point; ' ' when empty; a wide character's (utf8_cols 2)
			* second column holds GRID_WIDE_TAIL */
	uint8_t role;  /* enum role */
	uint8_t attr;  /* GRID_BOLD | GRID_REVERSE | GRID_UNDERLINE */
};

#define GRID_BOLD 1
#define GRID_REVERSE 2
#define GRID_UNDERLINE 4

/* The second column of a wide character (not a code point). A grid never
 * holds one without its character just left of it, nor a wide character
 * without it: putting a cell over either half blanks the other. */
#define GRID_WIDE_TAIL 0x110000u

struct grid;

/* Creates a grid of width x height blank cells. Returns NULL on ENOMEM or a
 * zero or absurd size. */
struct grid *grid_new(int width, int height);
void grid_free(struct grid *g);
int grid_width(const struct grid *g);
int grid_height(const struct grid *g);

/* Blanks every cell. */
void grid_clear(struct grid *g);

/* Puts one character of one column (a control, a wide character or a
 * zero-width one is shown as '?'); outside the grid it does nothing. */
void grid_put(struct grid *g, int x, int y, uint32_t ch, uint8_t role, uint8_t attr);

/* Writes a UTF-8 string from (x, y), cut at the right edge or after max
 * columns (max < 0: no limit), a wide character whole or not at all;
 * zero-width characters are left out. Returns the columns written. */
int grid_text(struct grid *g, int x, int y, const char *utf8, uint8_t role, uint8_t attr, int max);

/* Copies columns [x0, x1) of row from to row to, adding attr to each
 * cell's own (a lane drawn on two rows); parts outside the grid are left. */
void grid_copy_row(struct grid *g, int x0, int x1, int from, int to, uint8_t attr);

/* Keeps the top height rows (1 to the grid's height): what was drawn below
 * them is dropped. Returns 0 or -EINVAL. */
int grid_crop(struct grid *g, int height);

/* The cell at (x, y), or NULL outside. */
const struct grid_cell *grid_at(const struct grid *g, int x, int y);

/* Prints the grid as plain UTF-8 text (trailing blanks cut), or with ANSI
 * colours from the theme when ansi is true. Returns 0 or -errno. */
struct theme;
int grid_print(const struct grid *g, FILE *f, const struct theme *th, bool ansi);

/* Prints the top rows of the grid (at most its height), as grid_print. */
int grid_print_rows(const struct grid *g, FILE *f, const struct theme *th, bool ansi, int rows);

#endif
