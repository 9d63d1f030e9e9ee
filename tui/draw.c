/* Text, fills, boxes and lines of pieces drawn through the theme (see
 * draw.h). */
#include "draw.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "utf8.h"

#define PIECES_MAX 24

/* Writes text through the theme. */
int draw_text(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max)
{
	int i, n = grid_text(d->g, x, y, s, role, attr, max);

	if (d->th->ascii) {
		for (i = 0; i < n; i++) {
			const struct grid_cell *cell = grid_at(d->g, x + i, y), *next = grid_at(d->g, x + i + 1, y);
			bool wide = next && next->ch == GRID_WIDE_TAIL;

			if (!cell || cell->ch <= 0x7e)
				continue;
			grid_put(d->g, x + i, y, '?', role, attr);
			if (wide) /* a '?' for each of its columns */
				grid_put(d->g, x + ++i, y, '?', role, attr);
		}
	}
	return n;
}

/* Writes text ending at a word and an ellipsis when it does not fit; one
 * word too long for the line: nothing, or with cut_word cut at the edge
 * with the ellipsis. */
static int fit_words(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max,
		     bool cut_word)
{
	char buf[DRAW_LINE_MAX];
	const char *ell = d->th->ascii ? "..." : "\xe2\x80\xa6";
	int cols, room = max - (d->th->ascii ? 3 : 1);
	size_t i, cut = 0;
	uint32_t cp;

	if (max <= 0)
		return 0;
	if (utf8_width(s) <= max)
		return draw_text(d, x, y, s, role, attr, max);
	/* the byte offset of the last space within room columns */
	for (i = 0, cols = 0; s[i] && cols <= room; i += utf8_decode(s + i, &cp), cols += utf8_cols(cp)) {
		if (s[i] == ' ')
			cut = i;
	}
	while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ':'))
		cut--;
	if (cut == 0 && cut_word && room > 0)
		cut = utf8_prefix(s, room);
	if (cut == 0)
		return 0; /* one word longer than the line: nothing rather than half a word */
	snprintf(buf, sizeof(buf), "%.*s%s", (int)cut, s, ell);
	return draw_text(d, x, y, buf, role, attr, max);
}

/* Writes a thread's name, its numbered end kept (see draw.h). */
int draw_name(struct draw *d, int x, int y, const char *name, uint8_t role, uint8_t attr, int max)
{
	const char *ell = d->th->ascii ? "~" : "\xe2\x80\xa6";
	size_t len = strlen(name), tail = len;
	char buf[DRAW_LINE_MAX];
	int tail_w;

	if (max <= 0 || utf8_width(name) <= max || len >= sizeof(buf) - 4)
		return draw_text(d, x, y, name, role, attr, max);
	/* the end that tells a pool's threads apart: its digits and the
	 * separator before them ("-5", "_12"); none: no ellipsis */
	while (tail > 0 && name[tail - 1] >= '0' && name[tail - 1] <= '9')
		tail--;
	if (tail == len || tail == 0)
		return draw_text(d, x, y, name, role, attr, max);
	if (tail > 1 && strchr("-_.:#/ ", name[tail - 1]))
		tail--;
	tail_w = utf8_width(name + tail);
	if (tail_w > max / 2)
		return draw_text(d, x, y, name, role, attr, max);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)utf8_prefix(name, max - 1 - tail_w), name, ell, name + tail);
	return draw_text(d, x, y, buf, role, attr, max);
}

/* Writes text without cutting a word. */
int draw_words(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max)
{
	return fit_words(d, x, y, s, role, attr, max, false);
}

/* Writes a line that must show something (see draw.h). */
int draw_line(struct draw *d, int x, int y, const char *s, uint8_t role, uint8_t attr, int max)
{
	return fit_words(d, x, y, s, role, attr, max, true);
}

/* The bytes of s that fill one row of width columns, and the columns
 * they take (*cols). */
static size_t wrap_piece(const char *s, int width, int *cols)
{
	size_t i = 0, cut = 0;
	int w = 0, cut_w = 0;

	if (width < 1)
		width = 1;
	while (s[i]) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, &cp);

		if (w + utf8_cols(cp) > width && w > 0) /* (the first character goes whatever its width) */
			break;
		w += utf8_cols(cp);
		i += n;
		if (s[i] == ' ') {
			cut = i;
			cut_w = w;
		}
	}
	if (!s[i] || !cut) { /* all of it fits, or no space to break at */
		*cols = w;
		return i;
	}
	*cols = cut_w;
	return cut;
}

/* The bytes of s that fill one row (see draw.h). */
size_t draw_wrap_piece(const char *s, int width)
{
	int cols;

	return wrap_piece(s, width, &cols);
}

/* The rows a line takes wrapped (see draw.h). */
int draw_wrapped_rows(const char *s, int width)
{
	int rows = 0;

	do {
		s += draw_wrap_piece(s, width);
		while (*s == ' ')
			s++;
		rows++;
	} while (*s);
	return rows;
}

/* Draws the last lines, wrapped (see draw.h). */
void draw_last_lines(struct draw *d, int y, int rows, const char *const *lines, size_t n, uint8_t role,
		     uint8_t attr)
{
	int w = grid_width(d->g), need = 0, skip, r = 0;
	size_t first, i;

	for (first = n; first > 0 && need < rows; first--)
		need += draw_wrapped_rows(lines[first - 1] ? lines[first - 1] : "", w);
	skip = need > rows ? need - rows : 0; /* the first line's rows that do not fit */
	for (i = first; i < n && r < rows; i++) {
		const char *s = lines[i] ? lines[i] : "";
		/* the first line keeps its start (a sentence's subject), its end
		 * said by an ellipsis */
		int keep = i == first && skip ? draw_wrapped_rows(s, w) - skip : INT_MAX;

		do {
			int cols;
			size_t k = wrap_piece(s, w, &cols);

			if (keep-- == 1 && s[k]) {
				fit_words(d, 0, y + r++, s, role, attr, w, true);
				break;
			}
			draw_text(d, 0, y + r++, s, role, attr, cols); /* (its columns: no copy of the piece) */
			s += k;
			while (*s == ' ')
				s++;
		} while (*s && r < rows);
	}
}

/* Fills part of a row. */
void draw_fill(struct draw *d, int x0, int x1, int y, uint32_t ch, uint8_t role, uint8_t attr)
{
	int x;

	for (x = x0; x < x1; x++)
		grid_put(d->g, x, y, ch, role, attr);
}

/* Draws a box with a title. */
void draw_box(struct draw *d, int x, int y, int w, int h, const char *title)
{
	const struct theme *th = d->th;
	int i;

	for (i = 0; i < h; i++)
		draw_fill(d, x, x + w, y + i, ' ', ROLE_DEFAULT, 0);
	draw_fill(d, x + 1, x + w - 1, y, th->hline, ROLE_FRAME, 0);
	draw_fill(d, x + 1, x + w - 1, y + h - 1, th->hline, ROLE_FRAME, 0);
	for (i = 1; i < h - 1; i++) {
		grid_put(d->g, x, y + i, th->vline, ROLE_FRAME, 0);
		grid_put(d->g, x + w - 1, y + i, th->vline, ROLE_FRAME, 0);
	}
	grid_put(d->g, x, y, th->corner[0], ROLE_FRAME, 0);
	grid_put(d->g, x + w - 1, y, th->corner[1], ROLE_FRAME, 0);
	grid_put(d->g, x, y + h - 1, th->corner[2], ROLE_FRAME, 0);
	grid_put(d->g, x + w - 1, y + h - 1, th->corner[3], ROLE_FRAME, 0);
	if (title) {
		grid_put(d->g, x + 2, y, ' ', ROLE_FRAME, 0);
		i = draw_text(d, x + 3, y, title, ROLE_TITLE, GRID_BOLD, w - 6);
		grid_put(d->g, x + 3 + i, y, ' ', ROLE_FRAME, 0);
	}
}

/* Adds a piece. */
void draw_piece_add(struct draw_piece *p, int *n, int max, uint8_t role, uint8_t attr, int rank, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(p[*n].text, sizeof(p[*n].text), fmt, ap);
	va_end(ap);
	p[*n].alt = NULL;
	p[*n].role = role;
	p[*n].attr = attr;
	p[*n].rank = rank;
	(*n)++;
}

/* A piece's text: its shorter one once short. */
static const char *piece_text(const struct draw_piece *p, const bool *short_, int i)
{
	return short_[i] ? p[i].alt : p[i].text;
}

/* Columns of the pieces that are on, with the separators between them. */
static int pieces_width(const struct draw_piece *p, const bool *on, const bool *short_, int n, int gap)
{
	int i, total = 0;

	for (i = 0; i < n; i++)
		if (on[i])
			total += utf8_width(piece_text(p, short_, i)) + (total ? gap : 0);
	return total;
}

/* Draws pieces, dropping those of highest rank until they fit. */
void draw_pieces(struct draw *d, int x, int y, int width, const struct draw_piece *p, int n, uint32_t sep)
{
	bool on[PIECES_MAX], short_[PIECES_MAX];
	int i, total, gap = sep ? 3 : 2, x0 = x;

	if (n > PIECES_MAX)
		n = PIECES_MAX;
	for (i = 0; i < n; i++)
		on[i] = true, short_[i] = false;
	for (;;) { /* of the same rank or higher, a shorter text before one piece less */
		int worst = -1, longer = -1;

		total = pieces_width(p, on, short_, n, gap);
		for (i = 0; i < n; i++) {
			if (on[i] && p[i].rank > 0 && (worst < 0 || p[i].rank >= p[worst].rank))
				worst = i;
			if (on[i] && p[i].alt && !short_[i] && (longer < 0 || p[i].rank >= p[longer].rank))
				longer = i;
		}
		if (total <= width || (worst < 0 && longer < 0))
			break;
		if (longer >= 0 && (worst < 0 || p[longer].rank >= p[worst].rank))
			short_[longer] = true;
		else
			on[worst] = false;
	}
	/* then take back, most needed first, what still fits */
	for (;;) {
		int best = -1;

		for (i = 0; i < n; i++)
			if (!on[i] && utf8_width(piece_text(p, short_, i)) + gap + total <= width &&
			    (best < 0 || p[i].rank < p[best].rank))
				best = i;
		if (best < 0)
			break;
		on[best] = true;
		total += utf8_width(piece_text(p, short_, best)) + gap;
	}
	for (i = 0, total = 0; i < n; i++) {
		if (!on[i])
			continue;
		if (total) {
			if (sep)
				grid_put(d->g, x + 1, y, sep, ROLE_FRAME, 0);
			x += gap;
		}
		x += draw_text(d, x, y, piece_text(p, short_, i), p[i].role, p[i].attr, x0 + width - x);
		total = 1;
	}
}
