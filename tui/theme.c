/* The themes: one palette (DESIGN.md's state table, Okabe-Ito colours in
 * xterm-256 numbers), at 256 colours, the nearest of 8, and none.
 *
 * State roles colour the cell's background and draw the glyph on top in
 * black (white on the dark blue of spinning), so a lane reads as bands of
 * colour and the glyph stays readable; "blocked, cause unknown" and "not
 * alive" keep the terminal's default background. Grey (247) is only for
 * frames, labels and another program's '~', never for a thread state. */
#include "theme.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* xterm-256 numbers of the palette */
enum {
	C_BLACK = 16,
	C_WHITE = 231,
	C_GREY = 247,
	C_RUNNING = 36,
	C_SPINNING = 25,
	C_RUNNABLE = 214,
	C_LOCK = 166,
	C_SIGNAL = 175,
	C_SLEEP = 74,
};

/* The 8 basic colours */
enum { B_BLACK = 0, B_RED, B_GREEN, B_YELLOW, B_BLUE, B_MAGENTA, B_CYAN, B_WHITE };

#define S(f, b, a) { .fg = (f), .bg = (b), .attr = (a) }

/* 256 colours. */
#define STYLES_256 { \
	[ROLE_DEFAULT] = S(-1, -1, 0), \
	[ROLE_FRAME] = S(C_GREY, -1, 0), \
	[ROLE_LABEL] = S(C_GREY, -1, 0), \
	[ROLE_TITLE] = S(-1, -1, GRID_BOLD), \
	[ROLE_MODE] = S(C_BLACK, C_RUNNING, GRID_BOLD), \
	[ROLE_WARNING] = S(C_LOCK, -1, GRID_BOLD), \
	[ROLE_CURSOR] = S(-1, -1, GRID_REVERSE), \
	[ROLE_FOCUS] = S(-1, -1, GRID_BOLD | GRID_UNDERLINE), \
	[ROLE_RUNNING] = S(C_BLACK, C_RUNNING, 0), \
	[ROLE_SPINNING] = S(C_WHITE, C_SPINNING, 0), \
	[ROLE_RUNNABLE] = S(C_BLACK, C_RUNNABLE, 0), \
	[ROLE_BLOCKED_LOCK] = S(C_BLACK, C_LOCK, 0), \
	[ROLE_BLOCKED_SIGNAL] = S(C_BLACK, C_SIGNAL, 0), \
	[ROLE_SLEEP] = S(C_BLACK, C_SLEEP, 0), \
	[ROLE_UNKNOWN] = S(-1, -1, 0), \
	[ROLE_OTHER] = S(C_GREY, -1, 0), \
	[ROLE_LOG] = S(-1, -1, 0), \
	[ROLE_MARK] = S(C_SLEEP, -1, GRID_BOLD), \
	[ROLE_KEYS] = S(C_GREY, -1, 0), \
}

/* The nearest of 8: green, blue, yellow, red, magenta, cyan; grey becomes
 * the terminal's white (which most terminals draw light grey). */
#define STYLES_8 { \
	[ROLE_DEFAULT] = S(-1, -1, 0), \
	[ROLE_FRAME] = S(B_WHITE, -1, 0), \
	[ROLE_LABEL] = S(B_WHITE, -1, 0), \
	[ROLE_TITLE] = S(-1, -1, GRID_BOLD), \
	[ROLE_MODE] = S(B_BLACK, B_GREEN, GRID_BOLD), \
	[ROLE_WARNING] = S(B_RED, -1, GRID_BOLD), \
	[ROLE_CURSOR] = S(-1, -1, GRID_REVERSE), \
	[ROLE_FOCUS] = S(-1, -1, GRID_BOLD | GRID_UNDERLINE), \
	[ROLE_RUNNING] = S(B_BLACK, B_GREEN, 0), \
	[ROLE_SPINNING] = S(B_WHITE, B_BLUE, 0), \
	[ROLE_RUNNABLE] = S(B_BLACK, B_YELLOW, 0), \
	[ROLE_BLOCKED_LOCK] = S(B_BLACK, B_RED, 0), \
	[ROLE_BLOCKED_SIGNAL] = S(B_BLACK, B_MAGENTA, 0), \
	[ROLE_SLEEP] = S(B_BLACK, B_CYAN, 0), \
	[ROLE_UNKNOWN] = S(-1, -1, 0), \
	[ROLE_OTHER] = S(B_WHITE, -1, 0), \
	[ROLE_LOG] = S(-1, -1, 0), \
	[ROLE_MARK] = S(B_CYAN, -1, GRID_BOLD), \
	[ROLE_KEYS] = S(B_WHITE, -1, 0), \
}

/* Monochrome: the glyphs carry the meaning; bold marks what runs. */
#define STYLES_MONO { \
	[ROLE_DEFAULT] = S(-1, -1, 0), \
	[ROLE_FRAME] = S(-1, -1, 0), \
	[ROLE_LABEL] = S(-1, -1, 0), \
	[ROLE_TITLE] = S(-1, -1, GRID_BOLD), \
	[ROLE_MODE] = S(-1, -1, GRID_BOLD | GRID_REVERSE), \
	[ROLE_WARNING] = S(-1, -1, GRID_BOLD), \
	[ROLE_CURSOR] = S(-1, -1, GRID_REVERSE), \
	[ROLE_FOCUS] = S(-1, -1, GRID_BOLD | GRID_REVERSE), \
	[ROLE_RUNNING] = S(-1, -1, GRID_BOLD), \
	[ROLE_SPINNING] = S(-1, -1, GRID_BOLD), \
	[ROLE_RUNNABLE] = S(-1, -1, 0), \
	[ROLE_BLOCKED_LOCK] = S(-1, -1, 0), \
	[ROLE_BLOCKED_SIGNAL] = S(-1, -1, 0), \
	[ROLE_SLEEP] = S(-1, -1, 0), \
	[ROLE_UNKNOWN] = S(-1, -1, 0), \
	[ROLE_OTHER] = S(-1, -1, 0), \
	[ROLE_LOG] = S(-1, -1, 0), \
	[ROLE_MARK] = S(-1, -1, GRID_BOLD), \
	[ROLE_KEYS] = S(-1, -1, 0), \
}

#define UTF8_FRAMES .hline = 0x2500, .vline = 0x2502, .tick = 0x252c, .cursor = 0x25bc, \
	.corner = { 0x250c, 0x2510, 0x2514, 0x2518 }, .dot = 0x00b7
#define ASCII_FRAMES .hline = '-', .vline = '|', .tick = '+', .cursor = 'v', \
	.corner = { '+', '+', '+', '+' }, .dot = '|'

/* Every theme: [depth][ascii]. */
static const struct theme themes[3][2] = {
	{ { .name = "mono", .depth = THEME_MONO, .ascii = false, .style = STYLES_MONO, UTF8_FRAMES },
	  { .name = "mono", .depth = THEME_MONO, .ascii = true, .style = STYLES_MONO, ASCII_FRAMES } },
	{ { .name = "8", .depth = THEME_8, .ascii = false, .style = STYLES_8, UTF8_FRAMES },
	  { .name = "8", .depth = THEME_8, .ascii = true, .style = STYLES_8, ASCII_FRAMES } },
	{ { .name = "256", .depth = THEME_256, .ascii = false, .style = STYLES_256, UTF8_FRAMES },
	  { .name = "256", .depth = THEME_256, .ascii = true, .style = STYLES_256, ASCII_FRAMES } },
};

/* The theme for a depth and frame set (constant, shared). */
const struct theme *theme_get(enum theme_depth depth, bool ascii)
{
	int d = depth == THEME_256 ? 2 : depth == THEME_8 ? 1 : 0;

	return &themes[d][ascii ? 1 : 0];
}

/* Classroom themes: [depth][ascii][light], built from the plain ones on
 * first use (a view is one thread). */
static struct theme class_themes[3][2][2];
static bool class_built;

/* Turns a copy of a plain theme into its classroom variant. */
static void make_classroom(struct theme *t, bool light)
{
	static const uint8_t states[] = { ROLE_RUNNING, ROLE_SPINNING, ROLE_RUNNABLE, ROLE_BLOCKED_LOCK,
					  ROLE_BLOCKED_SIGNAL, ROLE_SLEEP };
	bool c256 = t->depth == THEME_256, c8 = t->depth == THEME_8;
	int16_t ink = c256 ? C_BLACK : B_BLACK, paper = c256 ? C_WHITE : B_WHITE;
	size_t i;
	int r;

	t->name = light ? "classroom-light" : "classroom-dark";
	for (i = 0; i < sizeof(states); i++)
		t->style[states[i]].attr |= GRID_BOLD;
	/* labels, keys and the log in the terminal's own (full contrast) colour */
	t->style[ROLE_LABEL].fg = -1;
	t->style[ROLE_KEYS].fg = -1;
	t->style[ROLE_LABEL].attr |= GRID_BOLD;
	if (!light || (!c256 && !c8))
		return;
	t->lane_rules = true;
	for (r = 0; r < ROLE_MAX; r++) {
		struct theme_style *st = &t->style[r];

		if (st->bg < 0)
			st->bg = paper;
		if (st->fg < 0)
			st->fg = ink;
	}
	/* dark rules and frames on the white screen; another program's '~'
	 * a darker grey than on a dark screen */
	t->style[ROLE_FRAME].fg = ink;
	t->style[ROLE_OTHER].fg = c256 ? 240 : B_BLACK;
	t->style[ROLE_MARK].fg = c256 ? C_SPINNING : B_BLUE;
	for (i = 0; i < sizeof(states); i++)
		if (states[i] != ROLE_SPINNING) /* dark blue keeps white glyphs */
			t->style[states[i]].fg = ink;
}

/* The classroom theme for a depth, frame set and variant. */
const struct theme *theme_classroom(enum theme_depth depth, bool ascii, bool light)
{
	int d = depth == THEME_256 ? 2 : depth == THEME_8 ? 1 : 0, a, l;

	if (!class_built) {
		for (d = 0; d < 3; d++)
			for (a = 0; a < 2; a++)
				for (l = 0; l < 2; l++) {
					class_themes[d][a][l] = themes[d][a];
					make_classroom(&class_themes[d][a][l], l == 1);
				}
		class_built = true;
		d = depth == THEME_256 ? 2 : depth == THEME_8 ? 1 : 0;
	}
	return &class_themes[d][ascii ? 1 : 0][light ? 1 : 0];
}

static enum theme_color_mode color_mode = THEME_COLOR_AUTO;

/* Parses a --color=WHEN value. */
int theme_parse_color_mode(const char *when, enum theme_color_mode *mode)
{
	if (!strcmp(when, "auto") || !strcmp(when, "tty"))
		*mode = THEME_COLOR_AUTO;
	else if (!strcmp(when, "always") || !strcmp(when, "yes") || !strcmp(when, "force"))
		*mode = THEME_COLOR_ALWAYS;
	else if (!strcmp(when, "never") || !strcmp(when, "no") || !strcmp(when, "none"))
		*mode = THEME_COLOR_NEVER;
	else
		return -1;
	return 0;
}

/* Sets the process's colour mode. */
void theme_set_color_mode(enum theme_color_mode mode)
{
	color_mode = mode;
}

/* The process's colour mode. */
enum theme_color_mode theme_color_mode(void)
{
	return color_mode;
}

/* Whether NO_COLOR asks for no colour. */
static bool no_color_env(void)
{
	const char *nc = getenv("NO_COLOR");

	return nc && *nc;
}

/* Whether text output gets colours. */
bool theme_color_wanted(bool is_tty)
{
	if (color_mode != THEME_COLOR_AUTO)
		return color_mode == THEME_COLOR_ALWAYS;
	return is_tty && !no_color_env();
}

/* Chooses a colour depth from the mode, NO_COLOR and the terminal's
 * colour count. */
enum theme_depth theme_depth_for(int terminal_colors)
{
	if (color_mode == THEME_COLOR_NEVER || (color_mode == THEME_COLOR_AUTO && no_color_env()))
		return THEME_MONO;
	if (color_mode == THEME_COLOR_ALWAYS && terminal_colors < 8)
		return THEME_8;
	if (terminal_colors >= 256)
		return THEME_256;
	if (terminal_colors >= 8)
		return THEME_8;
	return THEME_MONO;
}

/* Whether the current locale's codeset is UTF-8. */
bool theme_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}
