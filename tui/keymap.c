/* The views' key table, and what is made from it: key names, the help's
 * rows, the key line items (see keymap.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "keymap.h"
#include "screen.h"
#include "utf8.h"

#define B KEYMAP_BOTH
#define R KEYMAP_REPLAY
#define L KEYMAP_LIVE

#define P KEYMAP_LINE_PLAIN
#define C1 KEYMAP_LINE_CLASS1
#define C2 KEYMAP_LINE_CLASS2

/* Every binding of the views, in the help's order, and what the key lines
 * show of each row (in this order too). */
static const struct keymap_row rows[] = {
	{ { { ' ', VA_SPACE, B } }, "play / pause (live: pause / follow the present)", NULL,
	  { { P, 0, false, 1, NULL }, { C1, 0, false, 0, NULL } } },
	{ { { SCREEN_KEY_LEFT, VA_SCROLL_BACK, B }, { SCREEN_KEY_RIGHT, VA_SCROLL_FWD, B } },
	  "scroll back / forward (replay playing: seek)", NULL,
	  { { P, 0, true, 2, "scroll" }, { C2, 0, true, 1, "page" } } },
	{ { { SCREEN_KEY_SLEFT, VA_COLUMN_BACK, B }, { SCREEN_KEY_SRIGHT, VA_COLUMN_FWD, B } },
	  "scroll one column back / forward", NULL, { { 0 } } },
	{ { { SCREEN_KEY_PGUP, VA_PAGE_BACK, B }, { SCREEN_KEY_PGDN, VA_PAGE_FWD, B } },
	  "scroll a whole screen back / forward", NULL, { { 0 } } },
	{ { { SCREEN_KEY_HOME, VA_HOME, B }, { SCREEN_KEY_END, VA_END, B } },
	  "go to the start / the end (live: follow)", NULL, { { 0 } } },
	{ { { '+', VA_ZOOM_IN, B }, { '-', VA_ZOOM_OUT, B }, { '=', VA_ZOOM_IN, B }, { '_', VA_ZOOM_OUT, B } },
	  "zoom in / out around the cursor", NULL, { { P, 0, true, 2, "zoom" }, { C2, 0, true, 3, "zoom" } } },
	{ { { '<', VA_SLOWER, R }, { '>', VA_FASTER, R }, { ',', VA_SLOWER, R }, { '.', VA_FASTER, R } },
	  "replay slower / faster (0.01x to 100x)", "speed is for replay: live runs at the program's pace",
	  { { P, 0, true, 5, "speed" } } },
	{ { { 's', VA_STEP, B }, { 'S', VA_STEP_BACK, B } }, "step to the next / previous scheduling event", NULL,
	  { { P, 0, true, 4, "step" }, { C1, 0, true, 2, "switch" } } },
	{ { { 'n', VA_LOG_NEXT, B }, { 'N', VA_LOG_PREV, B } }, "step to the next / previous event of the log",
	  NULL, { { C1, 0, true, 1, "next/prev event" } } },
	{ { { 'g', VA_GOTO, B } }, "go to a time (1.5s, 250ms, 40us)", NULL, { { P, 0, false, 7, "go to" } } },
	{ { { '/', VA_FILTER, B }, { 'x', VA_HIDE_EXITED, B } },
	  "filter lanes by thread name; x: hide threads gone", NULL, { { P, 0, false, 6, "filter" } } },
	{ { { 'P', VA_GROUP, B }, { 'f', VA_FOLD, B }, { 'F', VA_FOLD_ALL, B } },
	  "group lanes by process; f/F fold or open one / all", NULL, { { P, 0, false, 9, "group" } } },
	{ { { 'b', VA_BUSIEST, B }, { 'B', VA_MOST_BLOCKED, B }, { 'u', VA_CPU_STRIP, B } },
	  "focus busiest / most blocked; u CPU busy strip", NULL, { { 0 } } },
	{ { { SCREEN_KEY_TAB, VA_FOCUS_NEXT, B }, { SCREEN_KEY_DOWN, VA_FOCUS_NEXT, B },
	    { SCREEN_KEY_BTAB, VA_FOCUS_PREV, B }, { SCREEN_KEY_UP, VA_FOCUS_PREV, B } },
	  "focus the next / previous lane", NULL, { { C2, 0, false, 2, "lanes" } } },
	{ { { 'i', VA_INSPECT, B }, { SCREEN_KEY_ENTER, VA_INSPECT, B }, { 'w', VA_WAITS, B }, { 'y', VA_PATH, B } },
	  "inspect; w: waits by object; y: critical path", NULL,
	  { { P, 0, false, 3, "inspect" }, { P, 2, false, 8, "waits" }, { P, 3, false, 8, "path" } } },
	{ { { 'o', VA_OUTPUT, L } }, "live: program output / event log", NULL, { { 0 } } },
	{ { { '?', VA_HELP, B }, { SCREEN_KEY_F1, VA_HELP, B }, { SCREEN_KEY_ESC, VA_ESCAPE, B } },
	  "this help; Esc closes it, inspect, the filter", NULL,
	  { { P, 0, false, 0, "help" }, { C2, 0, false, 0, "help" } } },
	{ { { 'c', VA_CLASSROOM, B }, { 'p', VA_PREDICT, R }, { KEYMAP_DIGITS, VA_GUESS, R } },
	  "classroom; p predict (1-9 guess, space reveals)", "predict-then-reveal is for replay",
	  { { P, 2, false, 1, "guess" }, { C1, 1, false, 3, NULL }, { C1, 2, false, 2, "guess" },
	    { C2, 0, false, 4, "classroom off" } } },
	{ { { KEYMAP_CLICK, VA_CLICK, B }, { KEYMAP_WHEEL, VA_WHEEL, B } },
	  "click: cursor there, focus the lane; wheel: zoom", NULL, { { 0 } } },
	{ { { 'q', VA_QUIT, B }, { 'Q', VA_QUIT, B }, { SCREEN_CTRL('c'), VA_STOP, B } },
	  "quit; live, Ctrl-C stops the program first", NULL,
	  { { P, 0, false, 0, "quit" }, { C2, 0, false, 0, "quit" } } },
	{ { { SCREEN_CTRL('l'), VA_REPAINT, B } }, "repaint the whole screen", NULL, { { 0 } } },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* The table. */
size_t keymap_rows(const struct keymap_row **out)
{
	*out = rows;
	return NROWS;
}

/* The binding of key. */
const struct keymap_bind *keymap_find(uint32_t key, const struct keymap_row **row)
{
	size_t i, j;

	if (key >= '1' && key <= '9')
		key = KEYMAP_DIGITS;
	for (i = 0; i < NROWS; i++) {
		for (j = 0; j < KEYMAP_ROW_BINDS && rows[i].bind[j].key; j++) {
			if (rows[i].bind[j].key != key)
				continue;
			if (row)
				*row = &rows[i];
			return &rows[i].bind[j];
		}
	}
	return NULL;
}

/* The first key bound to action. */
uint32_t keymap_key_of(enum view_action action)
{
	size_t i, j;

	for (i = 0; i < NROWS; i++)
		for (j = 0; j < KEYMAP_ROW_BINDS && rows[i].bind[j].key; j++)
			if (rows[i].bind[j].action == action)
				return rows[i].bind[j].key;
	return 0;
}

/* Names of the keys that are not characters: UTF-8, then ASCII. */
static const struct {
	uint32_t key;
	const char *utf8, *ascii;
} key_names[] = {
	{ SCREEN_KEY_UP, "\xe2\x86\x91", "Up" },
	{ SCREEN_KEY_DOWN, "\xe2\x86\x93", "Down" },
	{ SCREEN_KEY_LEFT, "\xe2\x86\x90", "<-" },
	{ SCREEN_KEY_RIGHT, "\xe2\x86\x92", "->" },
	{ SCREEN_KEY_SLEFT, "Shift-\xe2\x86\x90", "Shift-Left" },
	{ SCREEN_KEY_SRIGHT, "Shift-\xe2\x86\x92", "Shift-Right" },
	{ SCREEN_KEY_HOME, "Home", "Home" },
	{ SCREEN_KEY_END, "End", "End" },
	{ SCREEN_KEY_PGUP, "PgUp", "PgUp" },
	{ SCREEN_KEY_PGDN, "PgDn", "PgDn" },
	{ SCREEN_KEY_ENTER, "Enter", "Enter" },
	{ SCREEN_KEY_TAB, "Tab", "Tab" },
	{ SCREEN_KEY_BTAB, "Shift-Tab", "Shift-Tab" },
	{ SCREEN_KEY_ESC, "Esc", "Esc" },
	{ SCREEN_KEY_BACKSPACE, "Backspace", "Backspace" },
	{ SCREEN_KEY_DELETE, "Delete", "Delete" },
	{ SCREEN_KEY_F1, "F1", "F1" },
	{ KEYMAP_CLICK, "click", "click" },
	{ KEYMAP_WHEEL, "wheel", "wheel" },
	{ KEYMAP_DIGITS, "1-9", "1-9" },
	{ ' ', "space", "space" },
};

/* A key's name. */
const char *keymap_key_name(uint32_t key, bool ascii, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
		if (key_names[i].key == key) {
			snprintf(buf, len, "%s", ascii ? key_names[i].ascii : key_names[i].utf8);
			return buf;
		}
	}
	if (key >= 1 && key < 0x20)
		snprintf(buf, len, "Ctrl-%c", (char)('A' + key - 1));
	else if (key > 0x20 && key < 0x7f)
		snprintf(buf, len, "%c", (char)key);
	else
		snprintf(buf, len, "U+%04X", (unsigned)key);
	return buf;
}

/* A row's keys, joined by spaces. */
const char *keymap_row_keys(const struct keymap_row *row, bool ascii, char *buf, size_t len)
{
	size_t j, n = 0;
	char name[32];

	buf[0] = '\0';
	for (j = 0; j < KEYMAP_ROW_BINDS && row->bind[j].key && n < len; j++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", j ? " " : "",
				      keymap_key_name(row->bind[j].key, ascii, name, sizeof(name)));
	return buf;
}

/* The mode bit of a view. */
unsigned keymap_mode(const struct view *v)
{
	return v->mode == VIEW_REPLAY ? KEYMAP_REPLAY : KEYMAP_LIVE;
}

/* The label of an item that says what its key does now. */
static const char *state_label(enum view_action a, const struct view *v)
{
	if (a == VA_PREDICT)
		return v->predict ? "predict off" : "predict on";
	if (v->question)
		return "reveal"; /* a predict question is open */
	if (v->mode == VIEW_REPLAY)
		return v->playing ? "pause" : "play";
	return v->mode == VIEW_LIVE ? "pause" : "follow";
}

/* "[a b]": the keys of an item; single characters side by side ("+-",
 * "←→"), with a slash between letters ("s/S"), else a space. */
static void item_keys(const struct keymap_row *row, const struct keymap_show *sh, bool ascii, char *buf,
		      size_t len)
{
	char a[32], b[32];
	const char *sep = " ";

	keymap_key_name(row->bind[sh->bind].key, ascii, a, sizeof(a));
	if (!sh->pair || sh->bind + 1 >= KEYMAP_ROW_BINDS) {
		snprintf(buf, len, "[%s]", a);
		return;
	}
	keymap_key_name(row->bind[sh->bind + 1].key, ascii, b, sizeof(b));
	if (utf8_width(a) == 1 && utf8_width(b) == 1)
		sep = isalnum((unsigned char)a[0]) || isalnum((unsigned char)b[0]) ? "/" : "";
	snprintf(buf, len, "[%s%s%s]", a, sep, b);
}

/* The key line items. */
int keymap_line(const struct view *v, int line, bool ascii, struct keymap_item *out, int max)
{
	size_t i, j;
	int n = 0;

	for (i = 0; i < NROWS; i++) {
		for (j = 0; j < KEYMAP_ROW_SHOWS && rows[i].show[j].line && n < max; j++) {
			const struct keymap_show *sh = &rows[i].show[j];
			const struct keymap_bind *b = &rows[i].bind[sh->bind];
			char keys[80];

			if (line < 0 || line > 2 || sh->line != 1u << line || !(b->modes & keymap_mode(v)) ||
			    (b->action == VA_GUESS && !v->question) || (b->action == VA_SPACE && v->ended && !v->question))
				continue;
			item_keys(&rows[i], sh, ascii, keys, sizeof(keys));
			snprintf(out[n].text, sizeof(out[n].text), "%s %s", keys,
				 sh->label ? sh->label : state_label(b->action, v));
			out[n++].rank = sh->rank;
		}
	}
	return n;
}
