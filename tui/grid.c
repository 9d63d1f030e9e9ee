/* The off-screen cell grid, and printing it as plain or ANSI-coloured text. */
#include "grid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "theme.h"
#include "utf8.h"

#define GRID_MAX_SIDE 10000 /* columns or rows: beyond this a size is absurd */

struct grid {
	int width, height;
	struct grid_cell *cells;
};

/* Creates a blank grid. */
struct grid *grid_new(int width, int height)
{
	struct grid *g;

	if (width <= 0 || height <= 0 || width > GRID_MAX_SIDE || height > GRID_MAX_SIDE)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->cells = calloc((size_t)width * (size_t)height, sizeof(*g->cells));
	if (!g->cells) {
		free(g);
		return NULL;
	}
	g->width = width;
	g->height = height;
	grid_clear(g);
	return g;
}

/* Frees a grid; accepts NULL. */
void grid_free(struct grid *g)
{
	if (!g)
		return;
	free(g->cells);
	free(g);
}

/* Width in columns. */
int grid_width(const struct grid *g)
{
	return g->width;
}

/* Height in rows. */
int grid_height(const struct grid *g)
{
	return g->height;
}

/* Blanks every cell. */
void grid_clear(struct grid *g)
{
	size_t i, n = (size_t)g->width * (size_t)g->height;

	for (i = 0; i < n; i++) {
		g->cells[i].ch = ' ';
		g->cells[i].role = ROLE_DEFAULT;
		g->cells[i].attr = 0;
	}
}

/* The cell at (x, y) to write, or NULL outside. */
static struct grid_cell *cell_at(struct grid *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->width || y >= g->height)
		return NULL;
	return &g->cells[(size_t)y * (size_t)g->width + (size_t)x];
}

/* Before cell (x, y) is overwritten: the other half of a wide character
 * it is part of becomes a blank, so that no half is left alone. */
static void split_wide(struct grid *g, int x, int y)
{
	struct grid_cell *c = cell_at(g, x, y), *o;

	if (c->ch == GRID_WIDE_TAIL && (o = cell_at(g, x - 1, y)))
		o->ch = ' ';
	else if (utf8_cols(c->ch) == 2 && (o = cell_at(g, x + 1, y)) && o->ch == GRID_WIDE_TAIL)
		o->ch = ' ';
}

/* Sets a cell as it is given (ch already checked). */
static void set_cell(struct grid *g, int x, int y, uint32_t ch, uint8_t role, uint8_t attr)
{
	struct grid_cell *c = cell_at(g, x, y);

	if (!c)
		return;
	split_wide(g, x, y);
	c->ch = ch;
	c->role = role < ROLE_MAX ? role : ROLE_DEFAULT;
	c->attr = attr;
}

/* Puts one character, ignoring positions outside the grid. */
void grid_put(struct grid *g, int x, int y, uint32_t ch, uint8_t role, uint8_t attr)
{
	/* control characters would break the terminal, and a character of
	 * two columns or none would shift the rest of the row: '?' */
	if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0) || ch > 0x10ffff || utf8_cols(ch) != 1)
		ch = '?';
	set_cell(g, x, y, ch, role, attr);
}

/* Puts a wide character and its tail at (x, y) and (x + 1, y); one cut
 * by the grid's left or right edge leaves a blank in its column inside. */
static void put_wide(struct grid *g, int x, int y, uint32_t ch, uint8_t role, uint8_t attr)
{
	if (x < 0 || x + 1 >= g->width) {
		set_cell(g, x < 0 ? x + 1 : x, y, ' ', role, attr);
		return;
	}
	set_cell(g, x, y, ch, role, attr);
	set_cell(g, x + 1, y, GRID_WIDE_TAIL, role, attr);
}

/* Writes a UTF-8 string (see grid.h). */
int grid_text(struct grid *g, int x, int y, const char *utf8, uint8_t role, uint8_t attr, int max)
{
	const char *s = utf8;
	int n = 0;

	if (!s)
		return 0;
	while (*s && x + n < g->width && (max < 0 || n < max)) {
		uint32_t cp;
		int cols;

		s += utf8_decode(s, &cp);
		cols = utf8_cols(cp);
		if (cols == 2) {
			if (x + n + 1 >= g->width || (max >= 0 && n + 2 > max))
				break; /* (half a character would say nothing) */
			put_wide(g, x + n, y, cp, role, attr);
		} else if (cols == 1) {
			grid_put(g, x + n, y, cp, role, attr);
		}
		n += cols;
	}
	return n;
}

/* Copies columns [x0, x1) of row from to row to, adding attr (a wide
 * character cut by the range's edges is not copied). */
void grid_copy_row(struct grid *g, int x0, int x1, int from, int to, uint8_t attr)
{
	int x;

	for (x = x0; x < x1; x++) {
		const struct grid_cell *c = grid_at(g, x, from);

		if (!c)
			continue;
		if (c->ch == GRID_WIDE_TAIL)
			continue; /* (copied with its character, or not at all) */
		if (utf8_cols(c->ch) == 2 && x + 1 < x1 && x + 1 < g->width)
			put_wide(g, x, to, c->ch, c->role, c->attr | attr);
		else
			grid_put(g, x, to, c->ch, c->role, c->attr | attr);
	}
}

/* Keeps the top rows of a grid. */
int grid_crop(struct grid *g, int height)
{
	if (height <= 0 || height > g->height)
		return -EINVAL;
	g->height = height;
	return 0;
}

/* The cell at (x, y), or NULL. */
const struct grid_cell *grid_at(const struct grid *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->width || y >= g->height)
		return NULL;
	return &g->cells[(size_t)y * (size_t)g->width + (size_t)x];
}

/* How a cell looks under a theme: colours and attributes combined. */
struct look {
	int fg, bg, attr;
};

/* The look of cell c under theme th (plain look without a theme). */
static struct look cell_look(const struct grid_cell *c, const struct theme *th)
{
	struct look l = { -1, -1, c->attr };

	if (th) {
		const struct theme_style *st = &th->style[c->role < ROLE_MAX ? c->role : ROLE_DEFAULT];

		if (th->depth != THEME_MONO) {
			l.fg = st->fg;
			l.bg = st->bg;
		}
		l.attr |= st->attr;
	}
	return l;
}

/* Writes the SGR sequence that sets look l from a reset state. */
static void sgr(FILE *f, const struct theme *th, struct look l)
{
	fputs("\033[0", f);
	if (l.attr & GRID_BOLD)
		fputs(";1", f);
	if (l.attr & GRID_UNDERLINE)
		fputs(";4", f);
	if (l.attr & GRID_REVERSE)
		fputs(";7", f);
	if (th && th->depth == THEME_256) {
		if (l.fg >= 0)
			fprintf(f, ";38;5;%d", l.fg);
		if (l.bg >= 0)
			fprintf(f, ";48;5;%d", l.bg);
	} else if (th && th->depth == THEME_8) {
		if (l.fg >= 0)
			fprintf(f, ";%d", 30 + (l.fg & 7));
		if (l.bg >= 0)
			fprintf(f, ";%d", 40 + (l.bg & 7));
	}
	fputc('m', f);
}

/* Whether a cell prints as nothing at the end of a line: a blank with no
 * background, reverse or underline. */
static bool cell_blank(const struct grid_cell *c, const struct theme *th, bool ansi)
{
	struct look l;

	if (c->ch != ' ')
		return false;
	if (!ansi)
		return true;
	l = cell_look(c, th);
	return l.bg < 0 && !(l.attr & (GRID_REVERSE | GRID_UNDERLINE));
}

/* Prints the grid as text, one line per row. */
int grid_print(const struct grid *g, FILE *f, const struct theme *th, bool ansi)
{
	return grid_print_rows(g, f, th, ansi, g->height);
}

/* Prints the top rows of the grid as text. */
int grid_print_rows(const struct grid *g, FILE *f, const struct theme *th, bool ansi, int rows)
{
	int x, y;

	for (y = 0; y < g->height && y < rows; y++) {
		const struct grid_cell *row = &g->cells[(size_t)y * (size_t)g->width];
		int end = g->width;
		bool styled = false;
		struct look cur = { -1, -1, 0 };

		while (end > 0 && cell_blank(&row[end - 1], th, ansi))
			end--;
		for (x = 0; x < end; x++) {
			char buf[4];
			int n;

			if (row[x].ch == GRID_WIDE_TAIL)
				continue; /* (its character took both columns) */
			n = utf8_encode(row[x].ch, buf);

			if (ansi) {
				struct look l = cell_look(&row[x], th);
				bool plain = l.fg < 0 && l.bg < 0 && !l.attr;

				if (l.fg != cur.fg || l.bg != cur.bg || l.attr != cur.attr) {
					if (plain)
						fputs("\033[0m", f);
					else
						sgr(f, th, l);
					cur = l;
					styled = !plain;
				}
			}
			fwrite(buf, 1, (size_t)n, f);
		}
		if (styled)
			fputs("\033[0m", f);
		fputc('\n', f);
	}
	if (ferror(f))
		return -EIO;
	return 0;
}
