/* Unit tests of tui/keymap.c, the one table of the views' keys: every key
 * is bound once and has a one-word name; the help overlay render_screen
 * draws from the table, read back from the grid at the smallest screen
 * (UTF-8 and ASCII), lists every key of the table and no other; the key
 * lines advertise keys bound to what they say, and keep quit and help when
 * short of room. */
#include <string.h>
#include "check.h"
#include "keymap.h"
#include "render.h"
#include "screen.h"

static struct timeline *tl; /* an empty second: the screens need one */

#define MAX_NAMES 128

/* Columns [x0, x1) of row y of g as UTF-8 (ASCII '?' kept), into buf. */
static const char *cells(const struct grid *g, int x0, int x1, int y, char *buf, size_t len)
{
	size_t n = 0;
	int x;

	for (x = x0; x < x1 && n + 5 < len; x++) {
		uint32_t c = grid_at(g, x, y)->ch;

		if (c < 0x80) {
			buf[n++] = (char)c;
		} else if (c < 0x800) {
			buf[n++] = (char)(0xc0 | (c >> 6));
			buf[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			buf[n++] = (char)(0xe0 | (c >> 12));
			buf[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Whether name is among the n names. */
static bool among(char names[][32], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* Every key is bound once, to one action, and named in one word. */
static void test_table(void)
{
	const struct keymap_row *rows;
	size_t n = keymap_rows(&rows), i, j;
	bool once = true, named = true, helped = true, shows_bound = true;
	enum view_action a;
	char name[32];

	CHECK(n > 0, "table: has rows");
	for (i = 0; i < n; i++) {
		helped = helped && rows[i].help && rows[i].help[0];
		for (j = 0; j < KEYMAP_ROW_BINDS && rows[i].bind[j].key; j++) {
			const struct keymap_bind *b = &rows[i].bind[j];
			const struct keymap_row *r = NULL;

			once = once && keymap_find(b->key, &r) == b && r == &rows[i];
			keymap_key_name(b->key, false, name, sizeof(name));
			named = named && name[0] && !strchr(name, ' ') && strncmp(name, "U+", 2) != 0;
			keymap_key_name(b->key, true, name, sizeof(name));
			for (const char *p = name; *p; p++)
				named = named && (unsigned char)*p < 0x80 && *p != ' ';
			once = once && b->modes && !(b->modes & ~KEYMAP_BOTH);
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < KEYMAP_ROW_SHOWS && rows[i].show[j].line; j++) {
			const struct keymap_show *sh = &rows[i].show[j];

			shows_bound = shows_bound && sh->bind < KEYMAP_ROW_BINDS && rows[i].bind[sh->bind].key &&
				      (!sh->pair || (sh->bind + 1 < KEYMAP_ROW_BINDS && rows[i].bind[sh->bind + 1].key)) &&
				      (sh->line == KEYMAP_LINE_PLAIN || sh->line == KEYMAP_LINE_CLASS1 ||
				       sh->line == KEYMAP_LINE_CLASS2);
		}
	}
	CHECK(shows_bound, "table: every key line item shows keys its row binds, on one of the three lines");
	CHECK(once, "table: every key is bound once, in a view it names");
	CHECK(named, "table: every key has a one-word name (ASCII in ASCII)");
	CHECK(helped, "table: every row says what its keys do");
	for (a = VA_QUIT; a < VA_MAX; a++)
		if (!keymap_key_of(a))
			break;
	CHECK(a == VA_MAX, "table: every action has a key");
	CHECK(keymap_find('X', NULL) == NULL && keymap_find(0, NULL) == NULL, "table: an unbound key finds nothing");
	CHECK(keymap_find(SCREEN_CTRL('c'), NULL)->action == VA_STOP && keymap_find('q', NULL)->action == VA_QUIT,
	      "table: q quits, Ctrl-C stops (the live view's program first, then the view)");
	CHECK(!strcmp(keymap_key_name(SCREEN_CTRL('c'), false, name, sizeof(name)), "Ctrl-C") &&
		      !strcmp(keymap_key_name(' ', false, name, sizeof(name)), "space") &&
		      !strcmp(keymap_key_name(SCREEN_KEY_LEFT, false, name, sizeof(name)), "\xe2\x86\x90") &&
		      !strcmp(keymap_key_name(SCREEN_KEY_LEFT, true, name, sizeof(name)), "<-"),
	      "names: Ctrl-C, space, an arrow in UTF-8 and ASCII");
	{
		const struct keymap_row *r = NULL;
		const struct keymap_bind *b = keymap_find('<', &r);

		CHECK(b && b->modes == KEYMAP_REPLAY && r->elsewhere && strstr(r->elsewhere, "replay"),
		      "modes: < is for replay, and says so in the live view");
		b = keymap_find('w', &r);
		CHECK(b && b->action == VA_WAITS && b->modes == KEYMAP_BOTH && keymap_find('y', NULL)->action == VA_PATH &&
			      keymap_find('y', NULL)->modes == KEYMAP_BOTH,
		      "keys: w opens the contention overlay, y the critical path, live and in replay");
		b = keymap_find('o', &r);
		CHECK(b && b->modes == KEYMAP_LIVE, "modes: o is for the live view");
		b = keymap_find('7', &r);
		CHECK(b && b->action == VA_GUESS && b->modes == KEYMAP_REPLAY && keymap_find('1', NULL) == b &&
			      keymap_find('9', NULL) == b && keymap_find('0', NULL) == NULL &&
			      !strcmp(keymap_key_name(b->key, false, name, sizeof(name)), "1-9"),
		      "keys: 1 to 9 are one binding, the predict guess, named 1-9");
	}
}

/* The first column from x on where row y of g spells the ASCII text, or -1. */
static int find_in_row(const struct grid *g, int y, int x, const char *text)
{
	int w = grid_width(g), n = (int)strlen(text), i;

	for (; x + n <= w; x++) {
		for (i = 0; i < n && grid_at(g, x + i, y)->ch == (unsigned char)text[i]; i++)
			;
		if (i == n)
			return x;
	}
	return -1;
}

/* Finds the help box render_screen drew on g: its top-left corner, the
 * width of its key column (from where the first row's text starts) and
 * the rows from its top to the first key row (2, or 1 when short of
 * room). Returns false when there is none. */
static bool find_help(const struct grid *g, const struct theme *th, const struct keymap_row *rows, int *bx,
		      int *by, int *kw, int *pad)
{
	int y, x;

	for (y = 0; y < grid_height(g); y++) {
		x = find_in_row(g, y, 0, " keys ");
		if (x < 2 || grid_at(g, x - 2, y)->ch != th->corner[0])
			continue;
		*bx = x - 2;
		*by = y;
		*pad = 2;
		x = find_in_row(g, y + 2, *bx + 2, rows[0].help);
		if (x < 0) {
			*pad = 1;
			x = find_in_row(g, y + 1, *bx + 2, rows[0].help);
		}
		*kw = x - (*bx + 4);
		return x > 0;
	}
	return false;
}

/* The help overlay, read back from the screen: its key column holds every
 * key's name and nothing else, each row its text. */
static void check_help(int width, int height, bool ascii)
{
	const struct theme *th = theme_get(THEME_256, ascii);
	struct grid *g = grid_new(width, height);
	struct view v = { .mode = VIEW_REPLAY, .ns_per_col = 1000000, .cursor = UINT64_MAX, .speed = 1, .help = true };
	const struct keymap_row *rows;
	size_t n = keymap_rows(&rows), i, j;
	char table[MAX_NAMES][32], shown[MAX_NAMES][32], buf[512], what[128];
	int nt = 0, ns = 0, bx = 0, by = 0, kw = 0, pad = 2, k, right = -1, y;
	bool rows_ok = true, all_shown = true, none_extra = true, margin = true, found;

	render_screen(g, tl, &v, th);
	found = find_help(g, th, rows, &bx, &by, &kw, &pad);
	for (k = bx + 1; found && k < width && right < 0; k++)
		if (grid_at(g, k, by)->ch == th->corner[1])
			right = k;
	/* a blank column each side of the box, where it leaves one: the
	 * screen under it does not run into its border (a stray "k" of the
	 * legend's "blk" did at 80 columns) */
	for (y = by; found && right > 0 && y < height && grid_at(g, bx, y)->ch != th->corner[2]; y++)
		margin = margin && (bx == 0 || grid_at(g, bx - 1, y)->ch == ' ') &&
			 (right + 1 >= width || grid_at(g, right + 1, y)->ch == ' ');
	for (i = 0; found && i < n; i++) {
		char *tok, *save = NULL;
		size_t len = strlen(rows[i].help);

		cells(g, bx + 2, bx + 2 + kw, by + pad + (int)i, buf, sizeof(buf));
		for (tok = strtok_r(buf, " ", &save); tok && ns < MAX_NAMES; tok = strtok_r(NULL, " ", &save))
			snprintf(shown[ns++], sizeof(shown[0]), "%s", tok);
		cells(g, bx + 4 + kw, width, by + pad + (int)i, buf, sizeof(buf));
		rows_ok = rows_ok && !strncmp(buf, rows[i].help, len);
		for (j = 0; j < KEYMAP_ROW_BINDS && rows[i].bind[j].key && nt < MAX_NAMES; j++)
			keymap_key_name(rows[i].bind[j].key, ascii, table[nt++], sizeof(table[0]));
	}
	/* the row after the last one is the frame's blank row, or its bottom
	 * border when short of room */
	cells(g, bx + 2, bx + 2 + kw, by + pad + (int)n, buf, sizeof(buf));
	if (pad == 1 && grid_at(g, bx, by + pad + (int)n)->ch == th->corner[2])
		buf[0] = '\0';
	for (k = 0; k < nt; k++)
		all_shown = all_shown && among(shown, ns, table[k]);
	for (k = 0; k < ns; k++)
		none_extra = none_extra && among(table, nt, shown[k]);
	snprintf(what, sizeof(what), "help %dx%d%s: every key of the table is in it", width, height,
		 ascii ? " ASCII" : "");
	CHECK(found && all_shown && nt > 20, what);
	snprintf(what, sizeof(what), "help %dx%d%s: it lists no key the table lacks", width, height,
		 ascii ? " ASCII" : "");
	CHECK(found && none_extra && ns == nt && strspn(buf, " ") == strlen(buf), what);
	snprintf(what, sizeof(what), "help %dx%d%s: every row says what its keys do, whole (two were cut)", width,
		 height, ascii ? " ASCII" : "");
	CHECK(found && rows_ok, what);
	snprintf(what, sizeof(what), "help %dx%d%s: a blank column each side of the box", width, height,
		 ascii ? " ASCII" : "");
	CHECK(found && right > 0 && margin, what);
	grid_free(g);
}

/* The key line of view v on a width-column screen, row_from_bottom rows
 * above the last, as text (trailing blanks cut). */
static const char *key_line(const struct view *v, int width, int row_from_bottom, bool ascii)
{
	static char buf[1024];
	struct grid *g = grid_new(width, 24);
	struct view w = *v;

	w.ns_per_col = 1000000;
	w.cursor = UINT64_MAX;
	w.speed = 1;
	render_screen(g, tl, &w, theme_get(THEME_256, ascii));
	cells(g, 0, width, 23 - row_from_bottom, buf, sizeof(buf));
	grid_free(g);
	while (strlen(buf) && buf[strlen(buf) - 1] == ' ')
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* The key lines: what they advertise, in each view, at each width. */
static void test_lines(void)
{
	struct view v = { .mode = VIEW_REPLAY, .playing = true };
	const char *s;

	s = key_line(&v, 200, 0, false);
	CHECK(strstr(s, "[space] pause") && strstr(s, "[\xe2\x86\x90\xe2\x86\x92] scroll") && strstr(s, "[+-] zoom") &&
		      strstr(s, "[<>] speed") && strstr(s, "[s/S] step") && strstr(s, "[g] go to") &&
		      strstr(s, "[/] filter") && strstr(s, "[i] inspect") && strstr(s, "[?] help") && strstr(s, "[q] quit"),
	      "line: replay playing, wide: every item");
	CHECK(strstr(s, "[w] waits") && strstr(s, "[y] path") && !strstr(key_line(&v, 120, 0, false), "[w] waits"),
	      "line: wide, the contention and path keys too; they go first when short of room");
	v.playing = false;
	CHECK(strstr(key_line(&v, 200, 0, false), "[space] play"), "line: replay paused offers play");
	s = key_line(&v, 80, 0, true);
	CHECK(strstr(s, "[<- ->] scroll") && strstr(s, "[q] quit") && strlen(s) <= 80, "line: ASCII arrows, fits 80");
	s = key_line(&v, 80, 0, false);
	CHECK(strstr(s, "[?] help") && strstr(s, "[q] quit") && !(strstr(s, "[/] filter") && strstr(s, "[s/S] step")),
	      "line: 80 columns: help and quit stay, what does not fit goes");
	v.mode = VIEW_LIVE;
	s = key_line(&v, 200, 0, false);
	CHECK(strstr(s, "[space] pause") && !strstr(s, "speed"), "line: live: pause, no speed");
	v.mode = VIEW_PAUSED;
	CHECK(strstr(key_line(&v, 200, 0, false), "[space] follow"), "line: live paused offers follow");
	v.mode = VIEW_REPLAY;
	v.classroom = true;
	v.question = "PREDICT: ?";
	CHECK(strstr(key_line(&v, 80, 1, false), "[1-9] guess") != NULL, "line: classroom, a question open: guess keys");
	v.classroom = false;
	CHECK(strstr(key_line(&v, 80, 0, false), "[1-9] guess") && strstr(key_line(&v, 80, 0, false), "[space] reveal"),
	      "line: plain view, a question open: reveal and the guess keys");
	s = key_line(&v, 240, 0, false);
	CHECK(strstr(s, "[1-9] guess") && strstr(s, "[w] waits") && strstr(s, "[q] quit") && strstr(s, "[?] help"),
	      "line: wide, a question open: every item, quit and help too (none lost to the count of items)");
	v.question = NULL;
	CHECK(!strstr(key_line(&v, 200, 0, false), "guess"), "line: no question, no guess keys");
	v.classroom = true;
	v.question = "PREDICT: ?";
	CHECK(strstr(key_line(&v, 80, 1, false), "[space] reveal") && strstr(key_line(&v, 80, 1, false), "[n/N]") &&
		      strstr(key_line(&v, 80, 1, false), "[p] predict on") &&
		      strstr(key_line(&v, 80, 0, false), "[q] quit") && strstr(key_line(&v, 80, 0, false), "[Tab] lanes"),
	      "line: classroom: two rows, reveal, predict, lanes");
	v.mode = VIEW_LIVE;
	v.question = NULL;
	CHECK(!strstr(key_line(&v, 80, 1, false), "[p]") && strstr(key_line(&v, 80, 1, false), "[n/N]"),
	      "line: live classroom: no predict key (it is for replay)");
}

int main(void)
{
	timeline_new(&tl, 2);
	timeline_set_end(tl, 1000000000ull);
	test_table();
	check_help(80, 24, false);
	check_help(80, 24, true);
	check_help(120, 40, false);
	test_lines();
	timeline_free(tl);
	return check_summary();
}
