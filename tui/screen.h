/* The terminal: the only place conctop talks to ncurses. It sets the
 * terminal up and always puts it back (on quit, on errors, on a crash; the
 * caller's stop-signal handlers call screen_emergency_restore when they
 * must exit at once), copies a grid to the screen (only the cells that
 * changed), mapping roles to colours through the theme, and reads keys,
 * the mouse and resizes. One screen at a time. */
#ifndef CONCTOP_SCREEN_H
#define CONCTOP_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "grid.h"
#include "theme.h"

struct screen;

/* Keys that are not characters (above every Unicode code point). */
enum screen_key {
	SCREEN_KEY_UP = 0x110000,
	SCREEN_KEY_DOWN,
	SCREEN_KEY_LEFT,
	SCREEN_KEY_RIGHT,
	SCREEN_KEY_HOME,
	SCREEN_KEY_END,
	SCREEN_KEY_PGUP,
	SCREEN_KEY_PGDN,
	SCREEN_KEY_ENTER,
	SCREEN_KEY_TAB,
	SCREEN_KEY_BTAB,      /* shift-Tab */
	SCREEN_KEY_ESC,
	SCREEN_KEY_BACKSPACE,
	SCREEN_KEY_DELETE,
	SCREEN_KEY_F1,
	SCREEN_KEY_SLEFT,     /* shift-left / shift-right */
	SCREEN_KEY_SRIGHT,
};

#define SCREEN_CTRL(c) ((c) & 0x1f) /* SCREEN_CTRL('c') is Ctrl-C */

enum screen_event_kind {
	SCREEN_EV_KEY = 1,    /* key: a code point or a SCREEN_KEY_* */
	SCREEN_EV_MOUSE,      /* button at (x, y) */
	SCREEN_EV_RESIZE,     /* the terminal changed size: redraw everything */
};

enum screen_button { SCREEN_CLICK = 1, SCREEN_WHEEL_UP, SCREEN_WHEEL_DOWN };

struct screen_event {
	int kind;        /* enum screen_event_kind */
	uint32_t key;
	int button;      /* enum screen_button */
	int x, y;
};

/* Sets the terminal up for a full-screen view: the locale, the alternate
 * screen, raw keys (Ctrl-C is a key), the mouse, colours (none with mono,
 * NO_COLOR or a terminal without them), and the handlers that put the
 * terminal back on crashes. Install SIGINT and SIGTERM handlers first:
 * ncurses leaves signals that have one alone (its own would exit). Returns
 * 0, -ENOTTY when standard output is not a terminal, -ENOTSUP when the
 * terminal cannot move its cursor (TERM=dumb: err says what to do), or
 * -errno with a message in err. */
int screen_open(struct screen **out, bool mono, char *err, size_t errlen);

/* The checks screen_open makes of the terminal before it touches it (a
 * terminal, in terminfo, with cursor addressing), for a command that wants
 * to know before it starts anything. Returns 0 or what screen_open would. */
int screen_check(char *err, size_t errlen);

/* Puts the terminal back as it was and frees the screen. Accepts NULL. */
void screen_close(struct screen *s);

/* The theme chosen for this terminal (depth, ASCII frames). */
const struct theme *screen_theme(const struct screen *s);

/* Switches to the classroom theme (light or dark variant) or back to the
 * plain one, at the terminal's colour depth; the next draw repaints. */
void screen_set_classroom(struct screen *s, bool classroom, bool light);

/* The terminal's size in columns and rows. */
void screen_size(const struct screen *s, int *width, int *height);

/* Copies g to the screen: only the cells that differ from what is shown.
 * Returns 0 or -EIO. */
int screen_draw(struct screen *s, const struct grid *g);

/* Makes the next screen_draw repaint every cell. */
void screen_invalidate(struct screen *s);

/* Waits up to timeout_ms (0: do not wait) for a key, a mouse event or a
 * resize. Returns 1 with *ev filled, or 0 when nothing came. */
int screen_read(struct screen *s, int timeout_ms, struct screen_event *ev);

/* The descriptor keys are read from, for poll(): when it is readable (or
 * after a SIGWINCH), screen_read(s, 0, ...) until it returns 0. */
int screen_fd(const struct screen *s);

/* Puts the terminal back at once, with async-signal-safe calls only (for
 * a signal handler about to _exit); does nothing when no screen is open. */
void screen_emergency_restore(void);

#endif
