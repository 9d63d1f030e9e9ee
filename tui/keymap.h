/* The keys of the live and replay views: ONE table of (key, modes, action)
 * bindings grouped in rows with their help text. The front end dispatches
 * keys through keymap_find; the help overlay (overlay.c) lists the rows;
 * the key lines (frame_draw_keys) show the first key bound to each action
 * they advertise. A key is bound here or nowhere. */
#ifndef CONCTOP_KEYMAP_H
#define CONCTOP_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "render.h"

/* What a key does. */
enum view_action {
	VA_NONE = 0,
	VA_QUIT,
	VA_STOP,           /* Ctrl-C: live, stop the program first (the view stays); else quit */
	VA_SPACE,          /* play / pause, follow, reveal */
	VA_SCROLL_BACK,
	VA_SCROLL_FWD,
	VA_COLUMN_BACK,
	VA_COLUMN_FWD,
	VA_PAGE_BACK,
	VA_PAGE_FWD,
	VA_HOME,
	VA_END,
	VA_ZOOM_IN,
	VA_ZOOM_OUT,
	VA_SLOWER,
	VA_FASTER,
	VA_STEP,
	VA_STEP_BACK,
	VA_LOG_NEXT,
	VA_LOG_PREV,
	VA_GOTO,
	VA_FILTER,
	VA_FOCUS_NEXT,
	VA_FOCUS_PREV,
	VA_INSPECT,
	VA_OUTPUT,
	VA_HELP,
	VA_ESCAPE,
	VA_HIDE_EXITED,    /* hide / show the lanes of threads gone before the window */
	VA_CLASSROOM,
	VA_PREDICT,
	VA_GUESS,          /* predict: a candidate's number (the key's digit) */
	VA_REPAINT,
	VA_CLICK,          /* place the cursor, focus a lane */
	VA_WHEEL,          /* zoom around the pointer */
	VA_WAITS,          /* the contention overlay: waits by object over the window */
	VA_PATH,           /* the focused thread's critical path over the window, highlighted */
	VA_GROUP,          /* thread lanes grouped by process, or not */
	VA_FOLD,           /* fold / open the focused lane's process */
	VA_FOLD_ALL,       /* fold every process, or open them all */
	VA_BUSIEST,        /* focus the thread that ran the most in the window */
	VA_MOST_BLOCKED,   /* focus the thread blocked the most in the window */
	VA_CPU_STRIP,      /* CPU rows shared by several CPUs: busy strip or letters */
	VA_MAX
};

/* The views a binding works in. */
#define KEYMAP_LIVE 1u
#define KEYMAP_REPLAY 2u
#define KEYMAP_BOTH (KEYMAP_LIVE | KEYMAP_REPLAY)

/* Mouse input, bound in the table like keys (above screen.h's keys). */
enum keymap_mouse { KEYMAP_CLICK = 0x120000, KEYMAP_WHEEL };

/* The keys 1 to 9, bound as one ("1-9"): keymap_find finds it for each. */
#define KEYMAP_DIGITS 0x120100u

#define KEYMAP_ROW_BINDS 6
#define KEYMAP_ROW_SHOWS 4
#define KEYMAP_LINE_ITEMS 16 /* items of one key line at most */

struct keymap_bind {
	uint32_t key;              /* a code point, a SCREEN_KEY_*, SCREEN_CTRL(c), a KEYMAP_* */
	enum view_action action;
	unsigned modes;            /* KEYMAP_LIVE | KEYMAP_REPLAY */
};

/* An item a row puts on a key line: "[s/S] step". */
struct keymap_show {
	uint8_t line;              /* 1 << the key line: KEYMAP_LINE_*; 0 ends the row's items */
	uint8_t bind;              /* the binding whose key it shows (its modes are the item's) */
	bool pair;                 /* and the next binding's key */
	uint8_t rank;              /* 0 always shown; larger: dropped first */
	const char *label;         /* NULL: from the view's state ("play", "predict on") */
};

/* The key lines: the plain view's one, the classroom view's two. */
#define KEYMAP_LINE_PLAIN 1u
#define KEYMAP_LINE_CLASS1 2u
#define KEYMAP_LINE_CLASS2 4u

/* One row of the help: its keys, what they do, and what the key lines
 * show of them. */
struct keymap_row {
	struct keymap_bind bind[KEYMAP_ROW_BINDS]; /* ends at a key of 0 */
	const char *help;
	const char *elsewhere;     /* said when a key is pressed in a view it does
				    * not work in (NULL: nothing happens) */
	struct keymap_show show[KEYMAP_ROW_SHOWS]; /* in the order of the lines' items */
};

/* The table: writes its rows' address to *rows and returns how many. */
size_t keymap_rows(const struct keymap_row **rows);

/* The binding of key, or NULL; *row (if not NULL) gets its row. */
const struct keymap_bind *keymap_find(uint32_t key, const struct keymap_row **row);

/* The first key bound to action, or 0. */
uint32_t keymap_key_of(enum view_action action);

/* A key's name as the help shows it, one word ("space", "Ctrl-C", "PgUp",
 * "←", "Shift-Tab"; with ascii, ASCII only). Returns buf. */
const char *keymap_key_name(uint32_t key, bool ascii, char *buf, size_t len);

/* A row's keys, their names joined by spaces. Returns buf. */
const char *keymap_row_keys(const struct keymap_row *row, bool ascii, char *buf, size_t len);

/* The mode bit of a view (KEYMAP_LIVE for live and paused). */
unsigned keymap_mode(const struct view *v);

/* One item of a key line: "[s/S] step". */
struct keymap_item {
	char text[96];
	int rank;                  /* 0 always shown; larger: dropped first */
};

/* The key line items for v: line 0 is the plain view's only line, lines
 * 1 and 2 the classroom view's two. Returns how many were written (max at
 * most). */
int keymap_line(const struct view *v, int line, bool ascii, struct keymap_item *out, int max);

#endif
