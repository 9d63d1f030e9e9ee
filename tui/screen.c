/* The ncurses front end (see screen.h): set up and restore the terminal,
 * blit grids, read keys. Modelled on htop's CRT.c: one place sets the
 * terminal up, and every way out (quit, error, signal, crash) goes through a
 * restore. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <ncurses.h>
#include <term.h>
#include "screen.h"

#define ESC_DELAY_MS 25
#define RESET_MAX 512

struct screen {
	SCREEN *term;
	FILE *in;                 /* /dev/tty when stdin is not a terminal */
	const struct theme *theme;
	bool colour;              /* pairs are set up */
	enum theme_depth depth;   /* the terminal's (THEME_MONO without colours) */
	bool utf8;
	struct grid_cell *shown;  /* what the screen shows, width x height */
	int width, height;
	bool full;                /* repaint every cell next time */
};

/* What the signal handlers need, set while a screen is open. */
static volatile sig_atomic_t screen_is_open;
static int tty_fd = -1;
static struct termios saved_termios;
static bool have_termios;
static char reset_seq[RESET_MAX];
static size_t reset_len;
static struct sigaction old_fatal[5];
static const int fatal_signals[5] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct screen *current;
static bool atexit_done;

/* Puts the terminal back with async-signal-safe calls only: the reset
 * sequence (mouse off, attributes off, cursor on, main screen) and the
 * terminal modes saved at open. */
void screen_emergency_restore(void)
{
	ssize_t n;

	if (!screen_is_open)
		return;
	screen_is_open = 0;
	if (tty_fd >= 0) {
		n = write(tty_fd, reset_seq, reset_len);
		(void)n;
		if (have_termios)
			tcsetattr(tty_fd, TCSANOW, &saved_termios);
	}
}

/* A crash: restore the terminal, then let the previous handler (the
 * default, or a sanitizer's) have the signal. */
static void on_fatal(int sig, siginfo_t *info, void *uctx)
{
	size_t i;

	(void)uctx;
	screen_emergency_restore();
	for (i = 0; i < 5; i++)
		if (fatal_signals[i] == sig)
			sigaction(sig, &old_fatal[i], NULL);
	/* a fault repeats when we return; a signal someone sent is raised again */
	if (info->si_code <= 0 || sig == SIGABRT)
		raise(sig);
}

/* Appends a terminfo capability to the reset sequence, without padding. */
static void reset_add(const char *cap)
{
	const char *p;

	if (!cap || cap == (const char *)-1)
		return;
	for (p = cap; *p && reset_len + 1 < RESET_MAX; p++) {
		if (p[0] == '$' && p[1] == '<') { /* padding: $<5> */
			const char *end = strchr(p, '>');

			if (end) {
				p = end;
				continue;
			}
		}
		reset_seq[reset_len++] = *p;
	}
}

/* At exit() with the screen still open: restore it properly. */
static void at_exit(void)
{
	if (current)
		screen_close(current);
}

/* Maps the theme's roles to colour pairs (pair = role + 1). */
static void setup_colours(struct screen *s)
{
	bool defaults = use_default_colors() == OK;
	int r;

	for (r = 0; r < ROLE_MAX; r++) {
		const struct theme_style *st = &s->theme->style[r];
		int fg = st->fg, bg = st->bg;

		if (fg >= COLORS)
			fg = -1;
		if (bg >= COLORS)
			bg = -1;
		if (!defaults) {
			if (fg < 0)
				fg = COLOR_WHITE;
			if (bg < 0)
				bg = COLOR_BLACK;
		}
		init_pair((short)(r + 1), (short)fg, (short)bg);
	}
	s->colour = true;
}

/* Installs the crash handlers, keeping the old ones. */
static void install_handlers(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO;
	for (i = 0; i < 5; i++)
		sigaction(fatal_signals[i], &sa, &old_fatal[i]);
}

/* Puts the old crash handlers back. */
static void remove_handlers(void)
{
	size_t i;

	for (i = 0; i < 5; i++)
		sigaction(fatal_signals[i], &old_fatal[i], NULL);
}

/* Whether the terminal can show a full-screen view: a terminal, known to
 * terminfo, that can move its cursor. Nothing is written to it. */
int screen_check(char *err, size_t errlen)
{
	const char *term = getenv("TERM"), *cup;
	int found = 0;

	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "standard output is not a terminal");
		return -ENOTTY;
	}
	if (setupterm(NULL, STDOUT_FILENO, &found) != OK) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s): is its terminfo entry installed?",
			 term ? term : "");
		return -EINVAL;
	}
	cup = tigetstr("cup");
	del_curterm(cur_term);
	if (!cup || cup == (const char *)-1) {
		snprintf(err, errlen, "the terminal (TERM=%s) cannot move its cursor, and the view needs a "
			 "full screen: run it in a terminal emulator with TERM set to it (e.g. "
			 "TERM=xterm-256color), or use 'conctop lanes FILE' for text", term ? term : "");
		return -ENOTSUP;
	}
	return 0;
}

/* Sets the terminal up. */
int screen_open(struct screen **out, bool mono, char *err, size_t errlen)
{
	struct screen *s;
	enum theme_depth depth = THEME_MONO;
	const char *term = getenv("TERM");
	int e;

	*out = NULL;
	if (current) {
		snprintf(err, errlen, "a screen is already open");
		return -EBUSY;
	}
	e = screen_check(err, errlen);
	if (e)
		return e;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	setlocale(LC_ALL, "");
	s->utf8 = theme_locale_utf8();
	if (!isatty(STDIN_FILENO)) {
		s->in = fopen("/dev/tty", "re");
		if (!s->in) {
			int e = -errno;

			snprintf(err, errlen, "cannot read keys from /dev/tty: %s", strerror(errno));
			free(s);
			return e;
		}
	}
	tty_fd = STDOUT_FILENO;
	have_termios = tcgetattr(tty_fd, &saved_termios) == 0;
	fflush(stdout);
	install_handlers();
	s->term = newterm(NULL, stdout, s->in ? s->in : stdin);
	if (!s->term) {
		remove_handlers();
		snprintf(err, errlen, "cannot use the terminal (TERM=%s): is its terminfo entry installed?",
			 term ? term : "");
		if (s->in)
			fclose(s->in);
		free(s);
		return -EINVAL;
	}
	set_term(s->term);

	/* what puts it back, from a signal handler */
	reset_len = 0;
	reset_add("\033[?1000l\033[?1002l\033[?1003l\033[?1006l");
	reset_add(tigetstr("sgr0"));
	reset_add(tigetstr("cnorm"));
	reset_add(tigetstr("rmkx"));
	reset_add(tigetstr("rmcup"));
	current = s;
	screen_is_open = 1;
	if (!atexit_done) {
		atexit(at_exit);
		atexit_done = true;
	}

	raw();  /* Ctrl-C, Ctrl-Z, Ctrl-\ are keys: the view decides */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	scrollok(stdscr, FALSE);
	curs_set(0);
	set_escdelay(ESC_DELAY_MS);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	/* (no start_color when NO_COLOR or --color=never asks for none:
	 * it would paint the screen white on black) */
	if (!mono && theme_color_wanted(true) && has_colors() && start_color() == OK)
		depth = theme_depth_for(COLORS);
	s->depth = depth;
	s->theme = theme_get(depth, !s->utf8);
	if (depth != THEME_MONO)
		setup_colours(s);
	s->full = true;
	*out = s;
	return 0;
}

/* Puts the terminal back and frees the screen. */
void screen_close(struct screen *s)
{
	if (!s)
		return;
	if (screen_is_open) {
		mousemask(0, NULL);
		curs_set(1);
		endwin();
	}
	screen_is_open = 0;
	remove_handlers();
	delscreen(s->term);
	if (s->in)
		fclose(s->in);
	fflush(stdout);
	free(s->shown);
	if (current == s)
		current = NULL;
	free(s);
}

/* The theme. */
const struct theme *screen_theme(const struct screen *s)
{
	return s->theme;
}

/* Switches between the plain and the classroom theme at the terminal's
 * depth, and repaints. */
void screen_set_classroom(struct screen *s, bool classroom, bool light)
{
	s->theme = classroom ? theme_classroom(s->depth, !s->utf8, light) : theme_get(s->depth, !s->utf8);
	if (s->depth != THEME_MONO)
		setup_colours(s);
	s->full = true;
}

/* The terminal's size. */
void screen_size(const struct screen *s, int *width, int *height)
{
	(void)s;
	*width = COLS;
	*height = LINES;
}

/* Makes the next draw repaint everything. */
void screen_invalidate(struct screen *s)
{
	s->full = true;
}

/* A character the terminal can show in the cols columns the grid gave
 * it (1, or 2 for a wide character), else '?'. */
static wchar_t printable(const struct screen *s, uint32_t ch, int cols)
{
	if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0))
		return L' ';
	if (ch < 0x7f)
		return (wchar_t)ch;
	if (!s->utf8 || ch > 0x10ffff || wcwidth((wchar_t)ch) != cols)
		return L'?';
	return (wchar_t)ch;
}

/* Writes one cell at (x, y) holding ch: a character of cols columns (a
 * wide one fills x + 1 too), or as a lone column. */
static void put_cell(const struct screen *s, int x, int y, const struct grid_cell *c, uint32_t ch, int cols)
{
	unsigned role = c->role < ROLE_MAX ? c->role : ROLE_DEFAULT;
	unsigned a = c->attr | s->theme->style[role].attr;
	wchar_t wc[2] = { printable(s, ch, cols), L'\0' };
	attr_t attrs = A_NORMAL;
	cchar_t cc;

	if (a & GRID_BOLD)
		attrs |= A_BOLD;
	if (a & GRID_REVERSE)
		attrs |= A_REVERSE;
	if (a & GRID_UNDERLINE)
		attrs |= A_UNDERLINE;
	setcchar(&cc, wc, attrs, s->colour ? (short)(role + 1) : 0, NULL);
	mvwadd_wch(stdscr, y, x, &cc); /* the bottom-right cell returns ERR, drawn all the same */
}

/* Copies g to the screen, cells that changed only. */
int screen_draw(struct screen *s, const struct grid *g)
{
	static const struct grid_cell blank = { ' ', ROLE_DEFAULT, 0 };
	int w = COLS, h = LINES, x, y;

	if (w != s->width || h != s->height || !s->shown) {
		struct grid_cell *n = calloc((size_t)(w > 0 ? w : 1) * (size_t)(h > 0 ? h : 1), sizeof(*n));

		if (!n)
			return -ENOMEM;
		free(s->shown);
		s->shown = n;
		s->width = w;
		s->height = h;
		s->full = true;
	}
	if (s->full)
		clearok(curscr, TRUE);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			const struct grid_cell *c = g ? grid_at(g, x, y) : NULL;
			struct grid_cell *old = &s->shown[(size_t)y * (size_t)w + (size_t)x];

			const struct grid_cell *tail = g ? grid_at(g, x + 1, y) : NULL;
			bool wide;

			if (!c)
				c = &blank;
			wide = x + 1 < w && tail && tail->ch == GRID_WIDE_TAIL && c->ch != GRID_WIDE_TAIL;
			if (!s->full && old->ch == c->ch && old->role == c->role && old->attr == c->attr &&
			    (!wide || old[1].ch == GRID_WIDE_TAIL))
				continue;
			if (c->ch == GRID_WIDE_TAIL) { /* (alone: its character did not change) */
				put_cell(s, x, y, c, ' ', 1);
				old->ch = ' ';
				continue;
			}
			if (wide && printable(s, c->ch, 2) == (wchar_t)c->ch) {
				put_cell(s, x, y, c, c->ch, 2); /* both columns */
				*old = *c;
				old[1] = *tail;
				x++;
				continue;
			}
			put_cell(s, x, y, c, wide ? '?' : c->ch, 1);
			*old = *c;
			if (wide) { /* shown as two '?' */
				put_cell(s, x + 1, y, tail, '?', 1);
				old[1] = *tail;
				x++;
			}
		}
	}
	s->full = false;
	wnoutrefresh(stdscr);
	return doupdate() == OK ? 0 : -EIO;
}

/* Turns an ncurses function key into a screen key; 0 if it means nothing. */
static uint32_t map_key(wint_t k)
{
	switch (k) {
	case KEY_UP: return SCREEN_KEY_UP;
	case KEY_DOWN: return SCREEN_KEY_DOWN;
	case KEY_LEFT: return SCREEN_KEY_LEFT;
	case KEY_RIGHT: return SCREEN_KEY_RIGHT;
	case KEY_SLEFT: return SCREEN_KEY_SLEFT;
	case KEY_SRIGHT: return SCREEN_KEY_SRIGHT;
	case KEY_HOME: case KEY_A1: return SCREEN_KEY_HOME;
	case KEY_END: case KEY_C1: case KEY_LL: return SCREEN_KEY_END;
	case KEY_PPAGE: case KEY_A3: return SCREEN_KEY_PGUP;
	case KEY_NPAGE: case KEY_C3: return SCREEN_KEY_PGDN;
	case KEY_ENTER: return SCREEN_KEY_ENTER;
	case KEY_BTAB: return SCREEN_KEY_BTAB;
	case KEY_BACKSPACE: return SCREEN_KEY_BACKSPACE;
	case KEY_DC: return SCREEN_KEY_DELETE;
	case KEY_F(1): return SCREEN_KEY_F1;
	}
	return 0;
}

/* Waits for an event. */
int screen_read(struct screen *s, int timeout_ms, struct screen_event *ev)
{
	wint_t wc;
	int r;

	(void)s;
	memset(ev, 0, sizeof(*ev));
	for (;;) {
		wtimeout(stdscr, timeout_ms);
		r = wget_wch(stdscr, &wc);
		if (r == ERR)
			return 0;
		if (r == KEY_CODE_YES) {
			if (wc == KEY_RESIZE) {
				s->full = true;
				ev->kind = SCREEN_EV_RESIZE;
				return 1;
			}
			if (wc == KEY_MOUSE) {
				MEVENT me;

				if (getmouse(&me) != OK)
					continue;
				ev->kind = SCREEN_EV_MOUSE;
				ev->x = me.x;
				ev->y = me.y;
				if (me.bstate & BUTTON4_PRESSED)
					ev->button = SCREEN_WHEEL_UP;
				else if (me.bstate & BUTTON5_PRESSED)
					ev->button = SCREEN_WHEEL_DOWN;
				else if (me.bstate & BUTTON1_PRESSED)
					ev->button = SCREEN_CLICK;
				else
					continue;
				return 1;
			}
			ev->key = map_key(wc);
			if (!ev->key)
				continue;
			ev->kind = SCREEN_EV_KEY;
			return 1;
		}
		ev->kind = SCREEN_EV_KEY;
		switch (wc) {
		case '\r': case '\n': ev->key = SCREEN_KEY_ENTER; break;
		case '\t': ev->key = SCREEN_KEY_TAB; break;
		case 27: ev->key = SCREEN_KEY_ESC; break;
		case 127: case 8: ev->key = SCREEN_KEY_BACKSPACE; break;
		default: ev->key = (uint32_t)wc;
		}
		return 1;
	}
}

/* The descriptor keys come from. */
int screen_fd(const struct screen *s)
{
	return fileno(s->in ? s->in : stdin);
}
