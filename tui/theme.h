/* Themes: how semantic roles look. One palette everywhere (docs/design.md's state
 * table, Okabe-Ito); themes differ in colour depth, contrast and glyphs.
 * Meaning never rests on colour: every state has its glyph, so the
 * monochrome theme is the same table without colours. */
#ifndef CONCTOP_THEME_H
#define CONCTOP_THEME_H

#include <stdbool.h>
#include <stdint.h>
#include "grid.h"

enum theme_depth { THEME_MONO = 0, THEME_8 = 8, THEME_256 = 256 };

/* How one role looks: colours are xterm-256 numbers (or 0-7 in the 8-colour
 * theme), -1 for the terminal's default. */
struct theme_style {
	int16_t fg, bg;
	uint8_t attr; /* GRID_* added to the cell's own */
};

struct theme {
	const char *name;
	enum theme_depth depth;
	bool ascii;   /* frames and marks from ASCII only (the locale is not UTF-8) */
	struct theme_style style[ROLE_MAX];
	/* frame characters: horizontal, vertical, tick, cursor */
	uint32_t hline, vline, tick, cursor;
	/* added for render.c: box corners (top-left, top-right, bottom-left,
	 * bottom-right) and the header's separator dot */
	uint32_t corner[4], dot;
	/* added for the classroom view: underline the second row of each
	 * two-row lane (a dark rule between lanes, light variant) */
	bool lane_rules;
};

/* The theme for a depth; ascii picks ASCII frames. */
const struct theme *theme_get(enum theme_depth depth, bool ascii);

/* The classroom theme for a depth: the same palette at full contrast (bold
 * glyphs, labels in the terminal's own colour); light puts dark glyphs and
 * text on a white screen with dark rules between lanes, for projectors;
 * dark keeps the terminal's background. Mono is the monochrome theme. */
const struct theme *theme_classroom(enum theme_depth depth, bool ascii, bool light);

/* When to colour: the --color=WHEN option (auto, always, never) of every
 * command, decided here once for the process. */
enum theme_color_mode { THEME_COLOR_AUTO = 0, THEME_COLOR_ALWAYS, THEME_COLOR_NEVER };

/* Parses WHEN ("auto", "always", "never"; also "yes"/"no"). Returns 0 or -1. */
int theme_parse_color_mode(const char *when, enum theme_color_mode *mode);

/* Sets and reads the process's colour mode (default auto). */
void theme_set_color_mode(enum theme_color_mode mode);
enum theme_color_mode theme_color_mode(void);

/* Whether text output to a terminal (is_tty) or not gets colours: never ->
 * no; always -> yes; auto -> a terminal, and NO_COLOR not set. */
bool theme_color_wanted(bool is_tty);

/* Chooses the depth: mode never, or (in auto) NO_COLOR set -> mono; else
 * from the terminal's colour count (colors >= 256 -> 256, >= 8 -> 8, else
 * mono; always gives at least 8). */
enum theme_depth theme_depth_for(int terminal_colors);

/* Whether the locale's character set is UTF-8. */
bool theme_locale_utf8(void);

#endif
