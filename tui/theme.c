/* The themes: one palette (docs/design.md's state table, Okabe-Ito colours in
 * xterm-256 numbers), at 256 colours, the nearest of 8, and none.
 *
 * State roles colour the cell's background and draw the glyph on top in
 * black (white on the dark blue of spinning), so a lane reads as bands of
 * colour and the glyph stays readable; "blocked, cause unknown" and "not
 * alive" keep the terminal's default background. Grey (247) is only for
 * frames, labels and another program's '~', never for a thread state. */
#include "theme.h"

#include <langinfo.h>
#include <pthread.h>
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

/* How each role looks at each depth: the 256-colour and the 8-colour
 * foreground and background (-1: the terminal's own), the attributes in
 * colour and in monochrome. At 8 colours: green, blue, yellow, red,
 * magenta, cyan; grey becomes the terminal's white (which most terminals
 * draw light grey). In monochrome the glyphs carry the meaning; bold marks
 * what runs. */
static const struct {
	int16_t fg256, bg256, fg8, bg8;
	uint8_t attr, mono;
} palette[ROLE_MAX] = {
	[ROLE_DEFAULT] = { -1, -1, -1, -1, 0, 0 },
	[ROLE_FRAME] = { C_GREY, -1, B_WHITE, -1, 0, 0 },
	[ROLE_LABEL] = { C_GREY, -1, B_WHITE, -1, 0, 0 },
	[ROLE_TITLE] = { -1, -1, -1, -1, GRID_BOLD, GRID_BOLD },
	[ROLE_MODE] = { C_BLACK, C_RUNNING, B_BLACK, B_GREEN, GRID_BOLD, GRID_BOLD | GRID_REVERSE },
	[ROLE_WARNING] = { C_LOCK, -1, B_RED, -1, GRID_BOLD, GRID_BOLD },
	[ROLE_CURSOR] = { -1, -1, -1, -1, GRID_REVERSE, GRID_REVERSE },
	[ROLE_FOCUS] = { -1, -1, -1, -1, GRID_BOLD | GRID_UNDERLINE, GRID_BOLD | GRID_REVERSE },
	[ROLE_RUNNING] = { C_BLACK, C_RUNNING, B_BLACK, B_GREEN, 0, GRID_BOLD },
	[ROLE_SPINNING] = { C_WHITE, C_SPINNING, B_WHITE, B_BLUE, 0, GRID_BOLD },
	[ROLE_RUNNABLE] = { C_BLACK, C_RUNNABLE, B_BLACK, B_YELLOW, 0, 0 },
	[ROLE_BLOCKED_LOCK] = { C_BLACK, C_LOCK, B_BLACK, B_RED, 0, 0 },
	[ROLE_BLOCKED_SIGNAL] = { C_BLACK, C_SIGNAL, B_BLACK, B_MAGENTA, 0, 0 },
	[ROLE_SLEEP] = { C_BLACK, C_SLEEP, B_BLACK, B_CYAN, 0, 0 },
	[ROLE_UNKNOWN] = { -1, -1, -1, -1, 0, 0 },
	[ROLE_OTHER] = { C_GREY, -1, B_WHITE, -1, 0, 0 },
	[ROLE_LOG] = { -1, -1, -1, -1, 0, 0 },
	[ROLE_MARK] = { C_SLEEP, -1, B_CYAN, -1, GRID_BOLD, GRID_BOLD },
	[ROLE_KEYS] = { C_GREY, -1, B_WHITE, -1, 0, 0 },
};

#define UTF8_FRAMES .hline = 0x2500, .vline = 0x2502, .tick = 0x252c, .cursor = 0x25bc, \
	.corner = { 0x250c, 0x2510, 0x2514, 0x2518 }, .dot = 0x00b7
#define ASCII_FRAMES .hline = '-', .vline = '|', .tick = '+', .cursor = 'v', \
	.corner = { '+', '+', '+', '+' }, .dot = '|'

/* Every theme: [depth][ascii] (depth 0 mono, 1 8 colours, 2 256), and the
 * classroom ones: [depth][ascii][light]; built from the palette on first
 * use. */
static struct theme themes[3][2];
static struct theme class_themes[3][2][2];
static pthread_once_t themes_once = PTHREAD_ONCE_INIT;

/* Fills t from the palette for depth d (0 mono, 1 8 colours, 2 256). */
static void make_theme(struct theme *t, int d, bool ascii)
{
	static const struct theme utf8_frames = { UTF8_FRAMES }, ascii_frames = { ASCII_FRAMES };
	static const char *const names[3] = { "mono", "8", "256" };
	static const enum theme_depth depths[3] = { THEME_MONO, THEME_8, THEME_256 };
	int r;

	*t = ascii ? ascii_frames : utf8_frames;
	t->name = names[d];
	t->depth = depths[d];
	t->ascii = ascii;
	for (r = 0; r < ROLE_MAX; r++) {
		t->style[r].fg = d == 2 ? palette[r].fg256 : d == 1 ? palette[r].fg8 : -1;
		t->style[r].bg = d == 2 ? palette[r].bg256 : d == 1 ? palette[r].bg8 : -1;
		t->style[r].attr = d ? palette[r].attr : palette[r].mono;
	}
}

static void make_classroom(struct theme *t, bool light);

/* Builds every theme (once). */
static void build_themes(void)
{
	int d, a, l;

	for (d = 0; d < 3; d++)
		for (a = 0; a < 2; a++) {
			make_theme(&themes[d][a], d, a == 1);
			for (l = 0; l < 2; l++) {
				class_themes[d][a][l] = themes[d][a];
				make_classroom(&class_themes[d][a][l], l == 1);
			}
		}
}

/* The theme for a depth and frame set (constant, shared). */
const struct theme *theme_get(enum theme_depth depth, bool ascii)
{
	int d = depth == THEME_256 ? 2 : depth == THEME_8 ? 1 : 0;

	pthread_once(&themes_once, build_themes);
	return &themes[d][ascii ? 1 : 0];
}

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
	int d = depth == THEME_256 ? 2 : depth == THEME_8 ? 1 : 0;

	pthread_once(&themes_once, build_themes);
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
