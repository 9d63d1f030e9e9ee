/* Unit tests of tui/grid.c, tui/theme.c and tui/render.c: grids printed as
 * plain and ANSI text, the palette, and lanes drawn from timelines built
 * from hand-made events whose every cell is known by hand. */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "draw.h"
#include "lanes.h"
#include "render.h"
#include "scale.h"
#include "svg.h"
#include "utf8.h"

#define MS 1000000ull
#define US 1000ull

static struct timeline *tl;

/* Feeds one event to tl (tgid 100 for traced threads). */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, const char *text)
{
	struct event e = test_event(100, ts, type, cpu, tid, tid2, 0, arg, 0, text);

	timeline_add(tl, &e);
}

/* A switch on cpu from prev (leaving in state) to next. */
static void sw(uint64_t ts, unsigned cpu, int prev, int64_t state, int next)
{
	ev(ts, EVENT_SWITCH, cpu, prev, next, state, NULL);
}

/* waker (on CPU on) wakes tid onto CPU to. */
static void wake(uint64_t ts, unsigned on, unsigned to, int waker, int tid)
{
	ev(ts, EVENT_WAKING, on, waker, tid, to, NULL);
	ev(ts, EVENT_WAKEUP, to, tid, 0, to, NULL);
}

/* The ping-pong timeline of tests/data/pingpong.ctrace: ping (A, tid 101)
 * runs on CPU0 in [0,1), [2,3) ... [18,19) ms, pong (B, 102) on CPU1 in
 * [1,2) ... [19,20); each wakes the other as it blocks; the end is 21 ms. */
static void build_pingpong_marked(bool marks);

/* The ping-pong timeline, without markers. */
static void build_pingpong(void)
{
	build_pingpong_marked(false);
}

/* The ping-pong timeline; with marks, A counts down and bangs in column 4
 * (at 500 us a column), B marks "race over" in column 20. */
static void build_pingpong_marked(bool marks)
{
	unsigned k;

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "ping");
	ev(0, EVENT_THREAD, 0, 102, 0, 'S', "pong");
	sw(0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(0, 1, -1, EVENT_STATE_RUNNING, 0);
	for (k = 1; k < 20; k++) {
		int run = k % 2 ? 101 : 102, next = k % 2 ? 102 : 101;
		unsigned cpu = k % 2 ? 0 : 1, ncpu = k % 2 ? 1 : 0;

		wake(k * MS, cpu, ncpu, run, next);
		sw(k * MS, cpu, run, EVENT_STATE_INTERRUPTIBLE, 0);
		sw(k * MS, ncpu, 0, EVENT_STATE_RUNNING, next);
		if (marks && k == 2) {
			ev(2 * MS + 100 * US, EVENT_MARK, 0, 101, 0, 1, "countdown");
			ev(2 * MS + 300 * US, EVENT_MARK, 0, 101, 0, 4, "bang");
		}
		if (marks && k == 10)
			ev(10 * MS + 200 * US, EVENT_MARK, 1, 102, 0, 2, "race over");
	}
	sw(20 * MS, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
	timeline_set_end(tl, 21 * MS);
}

/* A thread (worker, tid 101) runs on CPU0 from 0, is preempted by another
 * program in [4,6) ms, runs in [6,10), sleeps to 12. CPU1 idle. */
static void build_preempt(void)
{
	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "worker");
	sw(0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(0, 1, -1, EVENT_STATE_RUNNING, 0);
	sw(4 * MS, 0, 101, EVENT_STATE_PREEMPTED, -1);
	sw(6 * MS, 0, -1, EVENT_STATE_RUNNING, 101);
	sw(10 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	timeline_set_end(tl, 12 * MS);
}

/* n threads (tids 101...) on ncpus CPUs: thread i runs on CPU i % ncpus
 * in [i, i + 1) ms, woken by thread i - 1, then sleeps; the end is n ms. */
static void build_many(unsigned ncpus, unsigned n)
{
	unsigned i, c;
	char name[32];

	timeline_new(&tl, ncpus);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "thread-%02u", i);
		ev(0, EVENT_THREAD, 0, 101 + (int)i, 0, 'S', name);
	}
	for (c = 0; c < ncpus; c++)
		sw(0, c, -1, EVENT_STATE_RUNNING, 0);
	for (i = 0; i < n; i++) {
		unsigned cpu = i % ncpus;

		wake(i * MS, i ? (i - 1) % ncpus : cpu, cpu, i ? 100 + (int)i : -1, 101 + (int)i);
		sw(i * MS, cpu, 0, EVENT_STATE_RUNNING, 101 + (int)i);
		sw((i + 1) * MS, cpu, 101 + (int)i, EVENT_STATE_INTERRUPTIBLE, 0);
	}
	timeline_set_end(tl, n * MS);
}

/* Frees the current timeline. */
static void drop(void)
{
	timeline_free(tl);
	tl = NULL;
}

/* Row y of g as UTF-8, trailing blanks cut, into a static buffer. */
static const char *row(const struct grid *g, int y)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct grid *one = grid_new(grid_width(g), 1);
	int x;

	for (x = 0; x < grid_width(g); x++) {
		const struct grid_cell *c = grid_at(g, x, y);

		grid_put(one, x, 0, c->ch, c->role, c->attr);
	}
	grid_print(one, f, NULL, false);
	fclose(f);
	grid_free(one);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* The first row of g starting with prefix, or -1. */
static int find_row(const struct grid *g, const char *prefix)
{
	int y;

	for (y = 0; y < grid_height(g); y++)
		if (!strncmp(row(g, y), prefix, strlen(prefix)))
			return y;
	return -1;
}

/* Whether any row of g contains s. */
static bool grid_has(const struct grid *g, const char *s)
{
	int y;

	for (y = 0; y < grid_height(g); y++)
		if (strstr(row(g, y), s))
			return true;
	return false;
}

/* The lane of the row starting with prefix: the text between its two
 * vertical rules (UTF-8 '│'), into a static buffer ("" when absent). */
static const char *lane(const struct grid *g, const char *prefix)
{
	static char buf[4096];
	int y = find_row(g, prefix);
	const char *r, *a, *b;

	buf[0] = '\0';
	if (y < 0)
		return buf;
	r = row(g, y);
	a = strstr(r, "\xe2\x94\x82");
	b = a ? strstr(a + 3, "\xe2\x94\x82") : NULL;
	if (a && b)
		snprintf(buf, sizeof(buf), "%.*s", (int)(b - a - 3), a + 3);
	return buf;
}

/* The whole grid printed into a static buffer. */
static const char *print(const struct grid *g, const struct theme *th, bool ansi)
{
	static char buf[1 << 16];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	grid_print(g, f, th, ansi);
	fclose(f);
	return buf;
}

/* ---- grid ---- */

/* Cells, text, clipping, printing as plain UTF-8. */
static void test_grid(void)
{
	struct grid *g = grid_new(6, 2);

	CHECK(grid_new(0, 5) == NULL && grid_new(5, 0) == NULL && grid_new(-1, 1) == NULL, "grid: zero or negative size refused");
	CHECK(grid_new(100000, 100000) == NULL, "grid: absurd size refused");
	CHECK(g && grid_width(g) == 6 && grid_height(g) == 2, "grid: size");
	CHECK(grid_at(g, 0, 0)->ch == ' ' && grid_at(g, 6, 0) == NULL && grid_at(g, 0, -1) == NULL, "grid: blank, outside is NULL");
	grid_put(g, 10, 10, 'x', ROLE_DEFAULT, 0); /* outside: nothing */
	CHECK(grid_text(g, 1, 0, "ab\xc2\xb5" "cdefgh", ROLE_LABEL, 0, -1) == 5, "grid: text cut at the right edge");
	CHECK(grid_at(g, 3, 0)->ch == 0xb5 && grid_at(g, 3, 0)->role == ROLE_LABEL, "grid: UTF-8 decoded to a code point");
	CHECK(grid_text(g, 0, 1, "xyz", ROLE_DEFAULT, 0, 2) == 2, "grid: text cut after max columns");
	grid_put(g, 5, 1, 0x07, ROLE_DEFAULT, 0);
	CHECK(grid_at(g, 5, 1)->ch == '?', "grid: a control character becomes '?'");
	grid_put(g, 5, 1, ' ', ROLE_DEFAULT, 0);
	CHECK(!strcmp(print(g, NULL, false), " ab\xc2\xb5" "cd\nxy\n"), "grid: plain print, trailing blanks cut");
	CHECK(grid_text(g, 0, 1, "\xe4\xb8\xad\xff", ROLE_DEFAULT, 0, -1) == 3 && grid_at(g, 0, 1)->ch == 0x4e2d &&
	      grid_at(g, 1, 1)->ch == GRID_WIDE_TAIL && grid_at(g, 2, 1)->ch == 0xfffd,
	      "grid: a wide character takes two columns (its tail), a bad byte U+FFFD");
	CHECK(!strcmp(print(g, NULL, false), " ab\xc2\xb5" "cd\n\xe4\xb8\xad\xef\xbf\xbd\n"),
	      "grid: a wide character prints once for its two columns");
	grid_put(g, 1, 1, 'x', ROLE_DEFAULT, 0);
	CHECK(grid_at(g, 0, 1)->ch == ' ' && grid_at(g, 1, 1)->ch == 'x', "grid: a cell put over a tail blanks its character");
	grid_text(g, 0, 1, "\xe4\xb8\xad", ROLE_DEFAULT, 0, -1);
	grid_put(g, 0, 1, 'y', ROLE_DEFAULT, 0);
	CHECK(grid_at(g, 0, 1)->ch == 'y' && grid_at(g, 1, 1)->ch == ' ', "grid: a cell put over a wide character blanks its tail");
	grid_put(g, 2, 1, 0x4e2d, ROLE_DEFAULT, 0);
	CHECK(grid_at(g, 2, 1)->ch == '?', "grid: a wide character put as one cell is '?'");
	CHECK(grid_text(g, 4, 1, "a\xe4\xb8\xad", ROLE_DEFAULT, 0, -1) == 1 && grid_at(g, 5, 1)->ch != GRID_WIDE_TAIL &&
	      grid_text(g, 0, 1, "\xe4\xb8\xad" "\xe4\xb8\xad", ROLE_DEFAULT, 0, 3) == 2,
	      "grid: a wide character that does not fit (the edge, max) is not written");
	CHECK(grid_text(g, 0, 0, "e\xcc\x81!", ROLE_DEFAULT, 0, -1) == 2 && grid_at(g, 0, 0)->ch == 'e' &&
	      grid_at(g, 1, 0)->ch == '!', "grid: a combining mark is left out");
	grid_clear(g);
	grid_text(g, 1, 0, "\xe4\xb8\xad" "z", ROLE_DEFAULT, 0, -1);
	grid_copy_row(g, 0, 6, 0, 1, GRID_BOLD);
	CHECK(grid_at(g, 1, 1)->ch == 0x4e2d && grid_at(g, 2, 1)->ch == GRID_WIDE_TAIL && grid_at(g, 3, 1)->ch == 'z',
	      "grid: a row copied keeps its wide characters");
	grid_copy_row(g, 2, 4, 0, 1, 0);
	CHECK(grid_at(g, 1, 1)->ch == 0x4e2d && grid_at(g, 2, 1)->ch == GRID_WIDE_TAIL,
	      "grid: a copy starting on a tail leaves the character whole");
	grid_clear(g);
	CHECK(!strcmp(print(g, NULL, false), "\n\n"), "grid: cleared");
	grid_free(g);
	grid_free(NULL);
}

/* ANSI printing at each depth. */
/* Whether every wide character in g has its tail and every tail its
 * character. */
static bool wide_whole(const struct grid *g)
{
	for (int y = 0; y < grid_height(g); y++)
		for (int x = 0; x < grid_width(g); x++) {
			const struct grid_cell *c = grid_at(g, x, y), *n = grid_at(g, x + 1, y), *p = grid_at(g, x - 1, y);

			if (c->ch == GRID_WIDE_TAIL && (!p || utf8_cols(p->ch) != 2))
				return false;
			if (c->ch != GRID_WIDE_TAIL && utf8_cols(c->ch) == 2 && (!n || n->ch != GRID_WIDE_TAIL))
				return false;
		}
	return true;
}

/* Random texts of narrow, wide and combining characters written over one
 * another at random places and limits, cells put and rows copied among
 * them: no wide character is ever left without its tail, nor a tail alone. */
static void test_grid_wide_random(void)
{
	static const char *const pieces[] = { "a", " ", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xcc\x81", "\xc2\xb5", "\xff" };
	struct grid *g = grid_new(9, 3);
	unsigned seed = 12345, bad = 0;
	char text[64];

	for (int round = 0; round < 5000; round++) {
		int x, y, k, op;

		seed = seed * 1103515245u + 12345u;
		op = (int)(seed >> 16) % 3;
		x = (int)((seed >> 8) % 11) - 1;
		y = (int)((seed >> 4) % 3);
		if (op == 0) {
			text[0] = '\0';
			for (k = 0; k < 6; k++) {
				seed = seed * 1103515245u + 12345u;
				strcat(text, pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))]);
			}
			grid_text(g, x, y, text, ROLE_DEFAULT, 0, (int)(seed % 8) - 1);
		} else if (op == 1) {
			grid_put(g, x, y, (seed & 1) ? 'z' : 0x4e2d, ROLE_DEFAULT, 0);
		} else {
			grid_copy_row(g, x, x + (int)(seed % 6), y, (y + 1) % 3, 0);
		}
		if (!wide_whole(g))
			bad++;
	}
	CHECK(bad == 0, "grid: 5000 random writes never leave half a wide character");
	grid_free(g);
}

static void test_grid_ansi(void)
{
	struct grid *g = grid_new(4, 1);
	const char *s;

	grid_put(g, 0, 0, '0', ROLE_RUNNING, 0);
	grid_put(g, 1, 0, '-', ROLE_RUNNABLE, 0);
	grid_put(g, 2, 0, '.', ROLE_UNKNOWN, GRID_REVERSE);
	s = print(g, theme_get(THEME_256, false), true);
	CHECK(strstr(s, "\033[0;38;5;16;48;5;36m0") != NULL, "ansi 256: running is black on 36");
	CHECK(strstr(s, "\033[0;38;5;16;48;5;214m-") != NULL, "ansi 256: runnable is black on 214");
	CHECK(strstr(s, "\033[0;7m.") != NULL, "ansi 256: reverse attribute, default colours");
	CHECK(strstr(s, "\033[0m\n") != NULL, "ansi 256: line ends reset");
	s = print(g, theme_get(THEME_8, false), true);
	CHECK(strstr(s, "\033[0;30;42m0") != NULL && strstr(s, "\033[0;30;43m-") != NULL, "ansi 8: green and yellow");
	s = print(g, theme_get(THEME_MONO, false), true);
	CHECK(strstr(s, "38;5") == NULL && strstr(s, ";3") == NULL && strstr(s, ";4") == NULL, "ansi mono: no colour codes");
	CHECK(strstr(s, "\033[0;1m0") != NULL && strstr(s, "\033[0;7m.") != NULL, "ansi mono: bold running, reverse kept");
	s = print(g, theme_get(THEME_256, false), false);
	CHECK(!strcmp(s, "0-.\n"), "ansi off: plain text");
	grid_free(g);
}

/* ---- theme ---- */

/* The palette, the depths, the frames. */
static void test_theme(void)
{
	const struct theme *t = theme_get(THEME_256, false), *a = theme_get(THEME_8, true);
	int r;
	bool grey_state = false, ascii = true;

	CHECK(t->depth == THEME_256 && t->style[ROLE_RUNNING].bg == 36 && t->style[ROLE_SPINNING].bg == 25 &&
		      t->style[ROLE_RUNNABLE].bg == 214 && t->style[ROLE_BLOCKED_LOCK].bg == 166 &&
		      t->style[ROLE_BLOCKED_SIGNAL].bg == 175 && t->style[ROLE_SLEEP].bg == 74,
	      "theme 256: the docs/design.md palette, as backgrounds");
	CHECK(t->style[ROLE_UNKNOWN].bg == -1 && t->style[ROLE_DEFAULT].bg == -1, "theme 256: blocked-unknown on the default background");
	CHECK(t->style[ROLE_FRAME].fg == 247 && t->style[ROLE_OTHER].fg == 247, "theme 256: grey frames and other programs");
	for (r = ROLE_RUNNING; r <= ROLE_UNKNOWN; r++)
		if (t->style[r].fg == 247 || t->style[r].bg == 247)
			grey_state = true;
	CHECK(!grey_state, "theme 256: grey is never a state");
	CHECK(a->depth == THEME_8 && a->style[ROLE_RUNNING].bg == 2 && a->style[ROLE_SPINNING].bg == 4 &&
		      a->style[ROLE_RUNNABLE].bg == 3 && a->style[ROLE_BLOCKED_LOCK].bg == 1 &&
		      a->style[ROLE_BLOCKED_SIGNAL].bg == 5 && a->style[ROLE_SLEEP].bg == 6,
	      "theme 8: green, blue, yellow, red, magenta, cyan");
	if (a->hline > 127 || a->vline > 127 || a->tick > 127 || a->cursor > 127 || a->dot > 127)
		ascii = false;
	for (r = 0; r < 4; r++)
		if (a->corner[r] > 127)
			ascii = false;
	CHECK(a->ascii && ascii, "theme ascii: frames are ASCII");
	CHECK(theme_get(THEME_MONO, false)->style[ROLE_RUNNING].bg == -1, "theme mono: no colours");
	unsetenv("NO_COLOR");
	CHECK(theme_depth_for(256) == THEME_256 && theme_depth_for(88) == THEME_8 && theme_depth_for(8) == THEME_8 &&
		      theme_depth_for(2) == THEME_MONO && theme_depth_for(-1) == THEME_MONO,
	      "theme: depth from the colour count");
	setenv("NO_COLOR", "1", 1);
	CHECK(theme_depth_for(256) == THEME_MONO, "theme: NO_COLOR means mono");
	unsetenv("NO_COLOR");
	setlocale(LC_CTYPE, "C");
	CHECK(!theme_locale_utf8(), "theme: the C locale is not UTF-8");
	if (setlocale(LC_CTYPE, "C.UTF-8"))
		CHECK(theme_locale_utf8(), "theme: C.UTF-8 is UTF-8");
	setlocale(LC_CTYPE, "C");
}

/* ---- lanes ---- */


/* How many times c occurs in s. */
static int count_of(const char *s, char c)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == c;
	return n;
}

/* Ping-pong at 500 us a column: every cell known by hand. */
static void test_lanes_pingpong(void)
{
	const struct theme *th = theme_get(THEME_MONO, false);
	struct grid *g;

	build_pingpong();
	g = render_lanes(tl, 0, 21 * MS, 80, th);
	CHECK(g != NULL, "lanes pingpong: rendered");
	if (!g) {
		drop();
		return;
	}
	/* 21 ms in at most 80 - 11 - 2 - 16 = 51 columns: 500 us a column, 42 columns */
	CHECK(!strcmp(lane(g, "CPU0"), "AA  AA  AA  AA  AA  AA  AA  AA  AA  AA    "), "lanes pingpong: CPU0 runs ping (A) every other ms");
	CHECK(!strcmp(lane(g, "CPU1"), "  BB  BB  BB  BB  BB  BB  BB  BB  BB  BB  "), "lanes pingpong: CPU1 runs pong (B) in between");
	CHECK(!strcmp(lane(g, "A ping"), "00..^0..^0..^0..^0..^0..^0..^0..^0..^0...."),
	      "lanes pingpong: ping runs on CPU0, '^' where woken, '.' blocked");
	CHECK(!strcmp(lane(g, "B pong"), "..^1..^1..^1..^1..^1..^1..^1..^1..^1..^1.."),
	      "lanes pingpong: pong runs on CPU1, '^' where woken");
	CHECK(count_of(lane(g, "A ping"), '^') == 9 && count_of(lane(g, "B pong"), '^') == 10,
	      "lanes pingpong: a '^' for each wakeup (ping 9, pong 10)");
	CHECK(find_row(g, "A ping 101 ") >= 0 && find_row(g, "B pong 102 ") >= 0, "lanes pingpong: letter, name, tid");
	CHECK(strstr(row(g, find_row(g, "A ping")), "   48%   0%  52%") != NULL, "lanes pingpong: ping ran 10 of 21 ms: 48% run, 52% blocked");
	CHECK(!strncmp(row(g, 0), "            0         5ms       10ms      15ms      20ms", 56), "lanes pingpong: ticks every 5 ms");
	CHECK(strstr(row(g, 1), "run wait  blk") != NULL, "lanes pingpong: stats headings");
	CHECK(grid_has(g, "1 col = 500 \xc2\xb5s") && grid_has(g, "^ woken") && grid_has(g, ". blocked, cause unknown") &&
		      !grid_has(g, "- runnable"),
	      "lanes pingpong: legend of the glyphs used, with the scale");
	grid_free(g);

	/* zoomed in on [2, 4) ms at 100 us a column */
	g = render_lanes(tl, 2 * MS, 4 * MS, 50, th);
	CHECK(g && !strcmp(lane(g, "A ping"), "^000000000.........."), "lanes pingpong zoomed: ping [2,3) then blocked");
	CHECK(g && !strcmp(lane(g, "B pong"), "..........^111111111"), "lanes pingpong zoomed: pong woken at 3");
	CHECK(g && grid_has(g, "1 col = 100 \xc2\xb5s"), "lanes pingpong zoomed: scale");
	grid_free(g);

	/* zoomed out: 1.5 ms a column mixes running and blocked */
	g = render_lanes(tl, 0, 21 * MS, 40, th);
	CHECK(g && strchr(lane(g, "B pong"), '+') != NULL && grid_has(g, "+ mixed"), "lanes pingpong zoomed out: mixed cells are '+'");
	CHECK(g && count_of(lane(g, "A ping"), '^') == 9 && count_of(lane(g, "B pong"), '^') == 10,
	      "lanes pingpong zoomed out: every wakeup still a '^' (ping 9, pong 10), over mixed and blocked cells");
	CHECK(g && !grid_has(g, "run wait"), "lanes at width 40: no stats columns");
	grid_free(g);

	/* ASCII frames */
	g = render_lanes(tl, 0, 21 * MS, 80, theme_get(THEME_MONO, true));
	CHECK(g && find_row(g, "A ping 101 |00..^0..") >= 0 && grid_has(g, "1 col = 500 us"), "lanes ascii: '|' frames, us");
	CHECK(g && !strchr(print(g, NULL, false), 0xe2), "lanes ascii: no UTF-8 at all");
	grid_free(g);

	CHECK(render_lanes(tl, 0, 21 * MS, 39, th) == NULL, "lanes: width below 40 refused");
	drop();
}

/* Another program preempting a thread: '-' runnable, '~' on the CPU. */
static void test_lanes_preempt(void)
{
	struct grid *g;

	build_preempt();
	g = render_lanes(tl, 0, 12 * MS, 80, theme_get(THEME_MONO, false));
	/* 12 ms at 250 us a column: 48 columns */
	CHECK(g && !strcmp(lane(g, "CPU0"), "AAAAAAAAAAAAAAAA~~~~~~~~AAAAAAAAAAAAAAAA        "),
	      "lanes preempt: CPU0 worker, other program, worker, idle");
	CHECK(g && !strcmp(lane(g, "CPU1"), "                                                "), "lanes preempt: CPU1 idle");
	CHECK(g && !strcmp(lane(g, "A worker"), "0000000000000000--------0000000000000000........"),
	      "lanes preempt: running, runnable while preempted, running, blocked");
	CHECK(g && strstr(row(g, find_row(g, "A worker")), "   67%  17%  17%") != NULL, "lanes preempt: 8 ms run, 2 runnable, 2 blocked");
	CHECK(g && grid_has(g, "~ other program") && grid_has(g, "- runnable"), "lanes preempt: legend");
	grid_free(g);
	drop();
}

/* '#' for CPUs from 10 on; '?' before a CPU is seen. */
static void test_lanes_cpus(void)
{
	struct grid *g;

	timeline_new(&tl, 12);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "far");
	sw(0, 11, 0, EVENT_STATE_RUNNING, 101);
	sw(1 * MS, 11, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	timeline_set_end(tl, 2 * MS);
	g = render_lanes(tl, 0, 2 * MS, 60, theme_get(THEME_MONO, false));
	CHECK(g && lane(g, "A far")[0] == '#' && grid_has(g, "# running on CPU 10+"), "lanes: '#' for CPU 11");
	CHECK(g && lane(g, "CPU11")[0] == 'A', "lanes: CPU11 runs A");
	CHECK(g && lane(g, "CPU3")[0] == '?' && grid_has(g, "? unknown"), "lanes: a CPU never switched is '?'");
	grid_free(g);
	drop();
}

/* A libc call a thread blocks in names its lane's glyph: 'M' in a mutex,
 * '*' while spinning (attribution events, as the tracer's uprobes send). */
static void test_lanes_attribution(void)
{
	struct event e;
	struct grid *g;

	timeline_new(&tl, 1);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "locker");
	sw(0, 0, 0, EVENT_STATE_RUNNING, 101);
	memset(&e, 0, sizeof(e));
	e.ts = 1 * MS;
	e.type = EVENT_CALL;
	e.tid = 101;
	e.tgid = 100;
	e.op = OP_SPIN_LOCK;
	e.arg = 0x1000;
	timeline_add(tl, &e);                      /* spins in [1, 2) */
	e.ts = 2 * MS;
	e.type = EVENT_RETURN;
	timeline_add(tl, &e);
	e.type = EVENT_CALL;
	e.op = OP_MUTEX_LOCK;
	timeline_add(tl, &e);
	sw(2 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0); /* blocks in the mutex in [2, 4) */
	timeline_set_end(tl, 4 * MS);
	g = render_lanes(tl, 0, 4 * MS, 60, theme_get(THEME_MONO, false));
	/* 4 ms in 60 - 13 - 2 - 16 = 29 columns at most: 150 us a column, 27 columns */
	CHECK(g && !strcmp(lane(g, "A locker"), "0000000******MMMMMMMMMMMMMM"), "lanes: running, spinning ('*'), blocked on a mutex ('M')");
	CHECK(g && grid_has(g, "* spinning") && grid_has(g, "M mutex"), "lanes: legend of spinning and mutex");
	grid_free(g);
	g = grid_new(80, 24);
	{
		struct view v;

		memset(&v, 0, sizeof(v));
		v.mode = VIEW_REPLAY;
		v.ns_per_col = 100 * US;
		v.cursor = UINT64_MAX;
		render_screen(g, tl, &v, theme_get(THEME_MONO, false));
		CHECK(grid_has(g, "0.002000 A locker sleeps on mutex "), "screen log: what a thread blocked on");
		v.cursor = 3 * MS;
		v.inspect = true;
		render_screen(g, tl, &v, theme_get(THEME_MONO, false));
		CHECK(grid_has(g, "A locker       blocked on a mutex ") && grid_has(g, " since 0.002000 (1 ms)"),
		      "screen inspect: blocked on which mutex, since when");
	}
	grid_free(g);
	drop();
}

/* ---- screen ---- */

/* A view of the whole of [0, span) on a screen of width w. */
static struct view view_all(int w, uint64_t span)
{
	struct view v;
	int cols = render_lane_columns(w);

	memset(&v, 0, sizeof(v));
	v.mode = VIEW_REPLAY;
	v.target = "pingpong";
	v.t0 = 0;
	v.ns_per_col = (span + (uint64_t)cols - 1) / (uint64_t)cols;
	v.cursor = UINT64_MAX;
	v.speed = 1;
	return v;
}

/* The markers on the lanes: a row of their own above the threads, '@' at
 * each marker's column and the column's last marker's words after it; in
 * the screen too, and the last marker in the inspect panel. */
static void test_marks(void)
{
	const struct theme *th = theme_get(THEME_MONO, false);
	struct grid *g;
	struct view v;
	const char *m;
	int y;

	build_pingpong();
	g = render_lanes(tl, 0, 21 * MS, 80, th);
	CHECK(g && find_row(g, "marks") < 0 && !grid_has(g, "@ marker"), "marks: no markers, no markers row");
	grid_free(g);
	drop();

	build_pingpong_marked(true);
	CHECK(timeline_mark_count(tl) == 3 && timeline_mark_index(tl, 2 * MS + 200 * US) == 1 &&
		      timeline_mark_index(tl, 11 * MS) == 3, "marks: the timeline keeps them in time order, by time");
	g = render_lanes(tl, 0, 21 * MS, 80, th);
	y = g ? find_row(g, "marks") : -1;
	m = y >= 0 ? lane(g, "marks") : "";
	CHECK(y > find_row(g, "CPU1") && y < find_row(g, "A ping"), "marks: a row between the CPU and the thread lanes");
	CHECK(m[4] == '@' && m[20] == '@' && !strncmp(m + 5, "A bang 4", 8) && !strncmp(m + 21, "B race over 2", 13),
	      "marks: '@' at each marker's column, then the thread's letter and the last marker's words");
	CHECK(!strstr(m, "countdown"), "marks: a column's last marker is the one named");
	CHECK(grid_has(g, "@ marker"), "marks: the legend says what '@' is");
	grid_free(g);
	{
		/* a window ended early (predict hides what follows the cursor) */
		struct draw d = { .tl = tl, .th = th, .x_lane = 8, .x_stats = -1 };

		d.g = grid_new(60, 1);
		lanes_window_init(&d.win, tl, 0, 500 * US, 42, UINT64_MAX);
		d.win.end = 9 * MS;
		lanes_draw_marks(&d, 0);
		m = row(d.g, 0);
		CHECK(d.g && strstr(m, "A bang 4") && !strstr(m, "race over"),
		      "marks: none past the window's end (predict's hidden answer)");
		grid_clear(d.g);
		d.win.end = 5 * MS;
		lanes_draw_marks(&d, 0);
		m = row(d.g, 0);
		CHECK(strstr(m, "@A ban") && !strstr(m, "@A bang"),
		      "marks: a marker's words stop at the column of a window ended early (nothing after predict's cursor)");
		/* the end inside the bang's column, between the countdown and the bang */
		grid_clear(d.g);
		d.win.end = 2 * MS + 200 * US;
		lanes_draw_marks(&d, 0);
		m = row(d.g, 0);
		CHECK(strchr(m, '@') && strchr(m, '@')[1] == ' ' && !strstr(m, "bang") && !strstr(m, "countdown"),
		      "marks: a column cut by the window's end keeps its '@', no words past the end");
		/* the race over in the window's last column: its words before it */
		grid_clear(d.g);
		lanes_window_init(&d.win, tl, 3 * MS, 500 * US, 15, UINT64_MAX);
		lanes_draw_marks(&d, 0);
		m = row(d.g, 0);
		CHECK(strstr(m, "B race over 2 @"),
		      "marks: the window's last marker, with no room after it, has its words before it");
		grid_clear(d.g);
		lanes_window_init(&d.win, tl, 9 * MS, 500 * US, 4, UINT64_MAX);
		lanes_draw_marks(&d, 0);
		m = row(d.g, 0);
		CHECK(strchr(m, '@') && !strstr(m, "race"), "marks: no room either side: the '@' alone");
		grid_free(d.g);
	}

	g = grid_new(80, 24);
	v = view_all(80, 21 * MS);
	v.ns_per_col = 500 * US;
	render_screen(g, tl, &v, theme_get(THEME_256, false));
	CHECK(find_row(g, "marks") > find_row(g, "CPU1") && find_row(g, "A ping") > find_row(g, "marks") &&
		      strstr(lane(g, "marks"), "A bang 4"),
	      "marks: the screen draws the markers row too");
	CHECK(render_thread_rows(tl, &v, 80, 24, &y) > 0 && y == find_row(g, "A ping"),
	      "marks: the first thread row the views click on is below the markers row");
	v.inspect = true;
	v.cursor = 11 * MS;
	render_screen(g, tl, &v, theme_get(THEME_256, false));
	CHECK(grid_has(g, "last marker: B pong: race over 2 at 0.010200 s"), "marks: inspect names the last marker");
	v.reading = true; /* a replay placed past what it has read of its file */
	v.cursor = 30 * MS;
	render_screen(g, tl, &v, theme_get(THEME_256, false));
	CHECK(grid_has(g, "not read yet: read up to 0.021000 s so far, the view fills in as it reads") &&
		      !grid_has(g, "not alive"),
	      "inspect past what a replay has read: says so, not what each thread does");
	v.reading = false;
	v.inspect = false;
	v.classroom = true;
	render_screen(g, tl, &v, theme_get(THEME_256, false));
	y = find_row(g, "marks");
	CHECK(y > find_row(g, "CPU1") && y < find_row(g, "A ping") && strstr(lane(g, "marks"), "A bang 4") &&
		      strstr(lane(g, "marks"), "B race over 2"),
	      "marks: the classroom view draws the markers row between the CPU and the thread lanes");
	CHECK(render_thread_rows(tl, &v, 80, 24, &y) > 0 && y == find_row(g, "A ping") &&
		      render_lane_height(tl, &v, 80, 24) == 2 && find_row(g, "B pong") == y + 2,
	      "marks: the classroom's first lane row is below the markers row, its lanes still two rows");
	grid_free(g);
	drop();
}

/* The ping-pong timeline with a level: A marks "buffer =" k / 2 at k ms
 * + 100 us for k 1 to 9 (columns 2k and 2k + 1 at 500 us a column), 12
 * from 10 ms on; B marks "done" once at 15 ms. */
static void build_pingpong_level(void)
{
	unsigned k;

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "ping");
	ev(0, EVENT_THREAD, 0, 102, 0, 'S', "pong");
	sw(0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(0, 1, -1, EVENT_STATE_RUNNING, 0);
	for (k = 1; k < 20; k++) {
		int run = k % 2 ? 101 : 102, next = k % 2 ? 102 : 101;
		unsigned cpu = k % 2 ? 0 : 1, ncpu = k % 2 ? 1 : 0;

		wake(k * MS, cpu, ncpu, run, next);
		sw(k * MS, cpu, run, EVENT_STATE_INTERRUPTIBLE, 0);
		sw(k * MS, ncpu, 0, EVENT_STATE_RUNNING, next);
		ev(k * MS + 100 * US, EVENT_MARK, 0, 101, 0, k < 10 ? (int64_t)k / 2 : 12, "buffer =");
		if (k == 15)
			ev(15 * MS + 200 * US, EVENT_MARK, 1, 102, 0, 1, "done");
	}
	sw(20 * MS, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
	timeline_set_end(tl, 21 * MS);
}

/* The level strip: a marker "NAME =" sets a level, drawn as a row of
 * digits under the markers row in the lanes, the screen, the classroom
 * view and the SVG. */
static void test_level(void)
{
	const struct theme *th = theme_get(THEME_MONO, false);
	char name[32] = "", *svg = NULL;
	struct grid *g;
	struct view v;
	size_t svg_len = 0;
	FILE *f;
	int y;

	build_pingpong_marked(true);
	CHECK(!lanes_level_name(tl, UINT64_MAX, name, sizeof(name)), "level: markers without \" =\" set no level");
	g = render_lanes(tl, 0, 21 * MS, 80, th);
	CHECK(g && find_row(g, "marks") > 0 && find_row(g, "buffer") < 0, "level: no level, no strip");
	grid_free(g);
	drop();

	build_pingpong_level();
	CHECK(lanes_level_name(tl, UINT64_MAX, name, sizeof(name)) && !strcmp(name, "buffer"),
	      "level: the name is the label's words before \" =\"");
	g = render_lanes(tl, 0, 21 * MS, 80, th);
	y = g ? find_row(g, "buffer") : -1;
	CHECK(y > 0 && y == find_row(g, "marks") + 1 && y < find_row(g, "A ping"),
	      "level: the strip is a row under the markers row, above the thread lanes");
	CHECK(!strcmp(lane(g, "buffer"), "  00111122223333444" "4++++++++++++++++++++++"),
	      "level: each column the level at its end, blank before the first, '+' from 10");
	grid_free(g);

	{
		/* a window ended early (predict's cursor at 5 ms): nothing after it */
		struct draw d = { .tl = tl, .th = th, .x_lane = 8, .x_stats = -1 };
		const char *m;

		d.g = grid_new(60, 1);
		lanes_window_init(&d.win, tl, 0, 500 * US, 42, UINT64_MAX);
		d.win.end = 5 * MS;
		lanes_draw_level(&d, 0, "buffer");
		m = d.g ? row(d.g, 0) : "";
		CHECK(strstr(m, "  00111122") && !strstr(m, "11223") && !strchr(m, '+'),
		      "level: nothing drawn after a window ended early (predict)");
		grid_free(d.g);
	}
	{
		/* trimmed at 8 ms (a memory cap): no level is invented before it */
		struct timeline *whole = tl;

		build_pingpong_level();
		CHECK(timeline_trim(tl, 8 * MS) == 0, "level: a copy trimmed at 8 ms");
		g = render_lanes(tl, 0, 21 * MS, 80, th);
		CHECK(g && !strcmp(lane(g, "buffer"), "????????????????4444" "++++++++++++++++++++++"),
		      "level: '?' in the columns before a trim, the levels after it (it drew the first levels kept)");
		grid_free(g);
		/* the rule under the lanes says what was forgotten, and says to
		 * pause only where following: paused, it is being read back */
		bool ok;

		g = grid_new(120, 24);
		v = view_all(120, 21 * MS);
		v.mode = VIEW_LIVE;
		render_screen(g, tl, &v, th);
		CHECK(grid_has(g, "forgotten before 0.0 s: pause there to read it back"),
		      "memory: following, the rule says what was forgotten and to pause to read it back");
		v.mode = VIEW_PAUSED;
		render_screen(g, tl, &v, th);
		CHECK(grid_has(g, "forgotten before 0.0 s") && !grid_has(g, "pause there"),
		      "memory: paused, the rule says what was forgotten, not to pause");
		v.mode = VIEW_REPLAY;
		v.playing = true;
		render_screen(g, tl, &v, th);
		ok = grid_has(g, "pause there to read it back");
		v.playing = false;
		render_screen(g, tl, &v, th);
		CHECK(ok && !grid_has(g, "pause there") && grid_has(g, "forgotten before 0.0 s"),
		      "memory: a replay playing says to pause; stopped, it says what was forgotten only");
		v.inspect = true;
		v.cursor = 3 * MS + 100 * US;
		render_screen(g, tl, &v, th);
		CHECK(grid_has(g, "A ping         nothing kept before 0.0 s: pause there, zoomed in, to read it back") &&
			      !grid_has(g, "mostly"),
		      "memory: with no summary, inspect before what is kept says nothing is kept there (not \"mostly "
		      "not alive\")");
		v.inspect = false;
		v.cursor = UINT64_MAX;
		grid_free(g);
		timeline_free(tl);
		tl = whole;
	}
	{
		/* trimmed at 8 ms with an overview: the lanes before it are drawn
		 * from the summary (1 ms buckets, one state each in a ping-pong
		 * switching on whole milliseconds; a wakeup's '^' is not placed
		 * within its bucket, but a column of whole buckets counts it),
		 * and the rule says so */
		struct timeline *whole = tl;
		char ping[128], pong[128], cut_ping[128], cut_pong[128];
		struct tl_cell a, b;
		bool same = true;
		struct view v;

		g = render_lanes(whole, 0, 8 * MS, 80, th);
		snprintf(ping, sizeof(ping), "%s", g ? lane(g, "A ping") : "");
		snprintf(pong, sizeof(pong), "%s", g ? lane(g, "B pong") : "");
		grid_free(g);
		build_pingpong_level();
		CHECK(timeline_keep_overview(tl, 1u << 20) == 0 && timeline_trim(tl, 8 * MS) == 0,
		      "overview: a copy keeping one, trimmed at 8 ms");
		g = render_lanes(tl, 0, 8 * MS, 80, th);
		snprintf(cut_ping, sizeof(cut_ping), "%s", g ? lane(g, "A ping") : "");
		snprintf(cut_pong, sizeof(cut_pong), "%s", g ? lane(g, "B pong") : "");
		grid_free(g);
		printf("  ping %s | %s\n  pong %s | %s\n", ping, cut_ping, pong, cut_pong);
		for (size_t i = 0; ping[i] || cut_ping[i] || pong[i] || cut_pong[i]; i++)
			same = same && (ping[i] == cut_ping[i] || ping[i] == '^') &&
			       (pong[i] == cut_pong[i] || pong[i] == '^');
		CHECK(*ping && same, "overview: the lanes before the trim are drawn from it as the whole timeline "
				     "draws them (but for where in a bucket a wakeup was)");
		timeline_thread_cell(whole, 0, 0, 8 * MS, &a);
		timeline_thread_cell(tl, 0, 0, 8 * MS, &b);
		CHECK(a.wakeups == 3 && b.wakeups == a.wakeups && b.state == a.state,
		      "overview: a column of whole buckets counts the wakeups");
		g = grid_new(120, 24);
		v = view_all(120, 21 * MS);
		v.mode = VIEW_LIVE;
		render_screen(g, tl, &v, th);
		CHECK(grid_has(g, "summary before 0.0 s: pause there to read it back") && !grid_has(g, "forgotten"),
		      "overview: following, the rule says the lanes before what is kept are a summary");
		v.mode = VIEW_REPLAY;
		v.inspect = true;
		v.cursor = 3 * MS + 100 * US;
		render_screen(g, tl, &v, th);
		CHECK(grid_has(g, "A ping         mostly ") && grid_has(g, "of the column): a summary before 0.0 s") &&
			      !grid_has(g, "not alive"),
		      "overview: inspect before what is kept gives the summary's state, not \"not alive\"");
		grid_free(g);
		timeline_free(tl);
		tl = whole;
	}
	/* a window from 6 ms: the level before it (3 at 6.1 ms, 2 before) */
	g = render_lanes(tl, 6 * MS, 10 * MS, 80, th);
	CHECK(g && lane(g, "buffer")[0] == '2', "level: a window's first column has the level set before it");
	grid_free(g);

	g = grid_new(80, 24);
	v = view_all(80, 21 * MS);
	v.ns_per_col = 500 * US;
	render_screen(g, tl, &v, theme_get(THEME_256, false));
	CHECK(find_row(g, "buffer") == find_row(g, "marks") + 1 && find_row(g, "A ping") > find_row(g, "buffer") &&
		      !strncmp(lane(g, "buffer"), "  0011", 6),
	      "level: the screen draws the strip too");
	CHECK(render_thread_rows(tl, &v, 80, 24, &y) > 0 && y == find_row(g, "A ping"),
	      "level: the screen's first thread row is below the strip");
	v.classroom = true;
	render_screen(g, tl, &v, theme_get(THEME_256, false));
	CHECK(find_row(g, "buffer") == find_row(g, "marks") + 1 && find_row(g, "A ping") > find_row(g, "buffer") &&
		      !strncmp(lane(g, "buffer"), "  0011", 6),
	      "level: the classroom view draws the strip too");
	CHECK(render_thread_rows(tl, &v, 80, 24, &y) > 0 && y == find_row(g, "A ping"),
	      "level: the classroom's first thread row is below the strip");
	grid_free(g);

	f = open_memstream(&svg, &svg_len);
	if (f && svg_write_lanes(f, tl, 0, 21 * MS, 80, NULL) == 0 && fclose(f) == 0 && getenv("TEST_SVG"))
		fputs(svg, stderr);
	CHECK(svg &&
		      strstr(svg, "id=\"level\"") && strstr(svg, ">buffer</text>") && strstr(svg, ">000011") && strstr(svg, "44++"),
	      "level: the SVG draws the strip too");
	free(svg);
	drop();
}

/* The screen: size limits, header, lanes, log, keys, overlays. */
static void test_screen(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	struct grid *g = grid_new(79, 24);
	struct view v;
	int r, y;

	build_pingpong();
	v = view_all(80, 21 * MS);
	r = render_screen(g, tl, &v, th);
	CHECK(r == -ERANGE && grid_has(g, "terminal too small: 80x24 needed,") && grid_has(g, "79x24 (q quits)"),
	      "screen 79x24: too small, says what is needed, and how to quit");
	grid_free(g);
	g = grid_new(20, 5);
	CHECK(render_screen(g, tl, &v, th) == -ERANGE && grid_has(g, "terminal too"), "screen 20x5: the message wraps");
	grid_free(g);

	g = grid_new(80, 24);
	v.ns_per_col = 500 * US;
	r = render_screen(g, tl, &v, th);
	CHECK(r == 0, "screen 80x24: drawn");
	CHECK(strstr(row(g, 0), "conctop") && strstr(row(g, 0), "REPLAY") && strstr(row(g, 0), "1 col = 500 \xc2\xb5s") &&
		      strstr(row(g, 0), "?=help"),
	      "screen: header with mode, scale, help");
	CHECK(!strncmp(lane(g, "A ping"), "00..^0..^0..", 12), "screen: ping's lane as in `conctop lanes`");
	CHECK(!strncmp(lane(g, "CPU1"), "  BB  BB", 8), "screen: CPU lanes");
	CHECK(grid_has(g, "0.019000 B pong woken by A ping, ran at once on CPU1"),
	      "screen: the log in words");
	CHECK(strstr(row(g, 23), "[q] quit") != NULL, "screen: key line at the bottom");
	CHECK(grid_has(g, "run wait  blk"), "screen: stats columns");

	/* the cursor column is reversed in every lane, marked on the axis */
	v.cursor = 2 * MS + 100 * US; /* column 4 */
	render_screen(g, tl, &v, th);
	y = find_row(g, "A ping");
	CHECK(y > 0 && (grid_at(g, RENDER_LANE_X + 4, y)->attr & GRID_REVERSE) &&
		      (grid_at(g, RENDER_LANE_X + 4, find_row(g, "CPU0"))->attr & GRID_REVERSE) &&
		      !(grid_at(g, RENDER_LANE_X + 3, y)->attr & GRID_REVERSE),
	      "screen: cursor column reversed in every lane");
	CHECK(strstr(row(g, 0), "t 0.0021 s") != NULL, "screen: the header shows the cursor's time");
	v.memory = "mem 123/256 MB (100 MB threads) from 812.4 s";
	v.memory_short = "mem 123/256M";
	v.mode = VIEW_LIVE; /* (a replay's speed and state come before it) */
	render_screen(g, tl, &v, th);
	CHECK(strstr(row(g, 0), " mem 123/256M ") && strstr(row(g, 0), "1 col = 500") && !strstr(row(g, 0), "from 812"),
	      "screen: at 80 columns the live header's memory piece takes its short form (the whole one was dropped)");
	v.mode = VIEW_REPLAY;
	{
		struct grid *wide = grid_new(200, 24);

		render_screen(wide, tl, &v, th);
		CHECK(strstr(row(wide, 0), "mem 123/256 MB (100 MB threads) from 812.4 s"),
		      "screen: at 200 columns, the whole memory piece");
		grid_free(wide);
	}
	v.memory = v.memory_short = NULL;

	v.inspect = true;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "A ping         running on CPU0 since 0.002000 (100 \xc2\xb5s), woken by B pong") &&
		      grid_has(g, "at 0.002100 s"), "screen: inspect panel at the cursor");
	v.inspect = false;
	v.help = true;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "filter lanes by thread name") && grid_has(g, "zoom in / out around the cursor") &&
		      grid_has(g, "step to the next / previous scheduling event") && grid_has(g, "quit"),
	      "screen: help lists the keys");
	v.help = false;
	v.filter = "PON";
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "B pong") > 0 && find_row(g, "A ping") < 0 && grid_has(g, "filter: PON"), "screen: filter by name, any case");
	v.filter = NULL;
	{
		const char *out[] = { "line one", "line two" };

		v.output = out;
		v.output_lines = 2;
		render_screen(g, tl, &v, th);
		CHECK(grid_has(g, "line one") && grid_has(g, "line two"), "screen: the program's output instead of the log");
		{
			const char *self[] = { "before", "event: 4 runners waited for start_gun and left within 24.1 ms of it; "
					     "the timer (165 ms), not cancelled, fired after 167.1 ms, as expected" };
			int yy;

			v.output = self;
			v.output_lines = 2;
			render_screen(g, tl, &v, th);
			yy = find_row(g, "event: 4 runners");
			CHECK(yy > 0 && strstr(row(g, yy + 1), "fired after 167.1 ms, as expected") &&
				      strlen(row(g, yy)) <= 80 && strstr(row(g, yy - 1), "before"),
			      "screen: a long output line (a self-check) wraps at a space instead of being cut");
		}
		{
			struct grid *small = grid_new(40, 3);
			struct draw d = { .g = small, .th = th };
			const char *lines[] = { "philosophers: deadlock after 0 meals, philosopher-1 holds fork_1 "
						"and waits for fork_2; philosopher-2 holds fork_2 and waits for fork_3",
						"last line" };

			draw_last_lines(&d, 0, 3, lines, 2, ROLE_LOG, 0);
			CHECK(!strncmp(row(small, 0), "philosophers: deadlock after 0 meals,", 37) &&
				      strstr(row(small, 1), "\xe2\x80\xa6") && strstr(row(small, 2), "last line"),
			      "screen: the oldest output line that does not fit keeps its start, an ellipsis for its "
			      "end (it lost its start: the deadlock's first words)");
			grid_free(small);
		}
		v.output = NULL;
		v.output_lines = 0;
	}
	v.message = "no such time";
	render_screen(g, tl, &v, th);
	CHECK(strstr(row(g, 22), "no such time") != NULL, "screen: message line above the keys");
	v.message = "reading big.ctrace: 4% (0.1 M events); the memory is full: it reads on when the view moves on";
	render_screen(g, tl, &v, th);
	CHECK(strstr(row(g, 22), "reads on when the\xe2\x80\xa6") && !strstr(row(g, 22), "the v"),
	      "screen: a message longer than the line ends at a word with an ellipsis (it was cut mid-word)");
	v.message = "/a/path/with/no/spaces/that/is/far/too/long/for/the/message/line/of/an/eighty/column/screen/x";
	render_screen(g, tl, &v, th);
	CHECK(strstr(row(g, 22), "/a/path/with") && strstr(row(g, 22), "\xe2\x80\xa6"),
	      "screen: a message of one word too long is cut at the edge with an ellipsis, not dropped");
	grid_free(g);

	/* ASCII only when the locale is not UTF-8 */
	g = grid_new(100, 30);
	v.message = NULL;
	render_screen(g, tl, &v, theme_get(THEME_256, true));
	CHECK(!strchr(print(g, NULL, false), 0xe2) && !strchr(print(g, NULL, false), 0xc2), "screen ascii: no UTF-8 at all");
	grid_free(g);
	drop();
}

/* Many threads scroll; many CPUs share rows. */
static void test_screen_many(void)
{
	const struct theme *th = theme_get(THEME_MONO, false);
	struct grid *g = grid_new(80, 24);
	struct view v;
	size_t idx[64];

	build_many(4, 40);
	CHECK(render_visible_threads(tl, NULL, idx, 64) == 40 && idx[39] == 39, "visible threads: all without a filter");
	CHECK(render_visible_threads(tl, "thread-1", idx, 64) == 10 && idx[0] == 10, "visible threads: filtered");
	CHECK(render_visible_threads(tl, "", idx, 3) == 40, "visible threads: counts past max");
	v = view_all(80, 40 * MS);
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "more") && grid_has(g, "+"), "screen: '+N more' when threads do not fit");
	CHECK(find_row(g, "A thread-00") > 0 && find_row(g, "CPU3") > 0, "screen: first lanes and every CPU shown");
	{
		int first_row = -1, rows = render_thread_rows(tl, &v, 80, 24, &first_row);

		CHECK(rows == 11 && first_row == 7 && !strncmp(row(g, first_row), "A thread-00", 11) &&
			      !strncmp(row(g, first_row + rows - 1), "K thread-10", 11) &&
			      strncmp(row(g, first_row + rows), "L thread-11", 11),
		      "render_thread_rows: the rows render_screen gives thread lanes");
		CHECK(render_thread_rows(tl, &v, 79, 24, NULL) == 0, "render_thread_rows: 0 when too small");
	}
	v.first_lane = 30;
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "A thread-00") < 0 && grid_has(g, "above"), "screen: scrolled lanes say how many are above");
	v.first_lane = 1000;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "thread-39"), "screen: scrolling stops at the last lane");
	drop();

	build_many(64, 8);
	v = view_all(80, 8 * MS);
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "CPU0-") > 0 && find_row(g, "CPU63") < 0, "screen: 64 CPUs share rows");
	CHECK(find_row(g, "A thread-00") > 0 && find_row(g, "H thread-07") > 0, "screen: every thread still shown");
	grid_free(g);

	g = grid_new(200, 60);
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "CPU63") > 0 || find_row(g, "CPU6") > 0, "screen 200x60: CPUs drawn");
	grid_free(g);
	drop();

	/* 7 CPUs in 4 rows of 2: the last row holds one CPU, drawn as a CPU lane */
	build_many(7, 8);
	g = grid_new(80, 24);
	v = view_all(80, 8 * MS);
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "CPU4-5") > 0 && find_row(g, "CPU6 ") > 0 && find_row(g, "CPU6-6") < 0 && strchr(lane(g, "CPU6 "), 'G') != NULL,
	      "screen: a CPU alone in a shared row is labelled and drawn as one CPU");
	grid_free(g);
	drop();
}

/* The classroom view at 80x24: narration at the top, the scale in words,
 * two-row lanes, lanes paged with "+N more", key help in the bottom two
 * rows, nothing wider than the screen. */
static void test_classroom(void)
{
	const struct theme *th = theme_classroom(THEME_256, false, false);
	const struct theme *light = theme_classroom(THEME_256, false, true);
	struct grid *g = grid_new(80, 24);
	struct view v;
	int y, x, lane_row, first_row = -1;
	bool two_rows = true;

	CHECK(th->style[ROLE_RUNNING].bg == 36 && th->style[ROLE_RUNNABLE].bg == 214 &&
		      th->style[ROLE_BLOCKED_LOCK].bg == 166 && th->style[ROLE_BLOCKED_SIGNAL].bg == 175 &&
		      th->style[ROLE_SLEEP].bg == 74 && th->style[ROLE_SPINNING].bg == 25 &&
		      (th->style[ROLE_RUNNING].attr & GRID_BOLD) && th->style[ROLE_FRAME].fg == 247,
	      "classroom theme: Okabe-Ito at full contrast, grey frames");
	CHECK(light->style[ROLE_DEFAULT].bg == 231 && light->style[ROLE_RUNNING].fg == 16 &&
		      light->style[ROLE_FRAME].fg == 16 && light->lane_rules && !th->lane_rules,
	      "classroom light: dark glyphs on colour, dark rules between lanes");
	CHECK(theme_classroom(THEME_8, false, false)->style[ROLE_RUNNING].bg == 2 &&
		      theme_classroom(THEME_8, false, false)->style[ROLE_SPINNING].bg == 4 &&
		      theme_classroom(THEME_MONO, false, true)->style[ROLE_RUNNING].bg == -1,
	      "classroom theme: 8 colours and mono");

	build_pingpong();
	v = view_all(80, 21 * MS);
	v.classroom = true;
	v.ns_per_col = 500 * US;
	v.cursor = 5 * MS + 100 * US;
	CHECK(render_view_lane_x(&v, 80) == 15 && render_view_lane_columns(&v, 80) == 64, "classroom: lane geometry");
	CHECK(render_screen(g, tl, &v, th) == 0, "classroom: renders at 80x24");
	CHECK(strstr(row(g, 0), "woken by") != NULL && (grid_at(g, 0, 0)->attr & GRID_BOLD),
	      "classroom: the narration (newest log line, in words, bold) on the top row");
	CHECK(strstr(row(g, 1), "1 column = 500 µs") != NULL, "classroom: the scale labelled in words");
	lane_row = find_row(g, "A ping");
	CHECK(lane_row > 0 && find_row(g, "B pong") == lane_row + 2, "classroom: lanes two rows tall");
	CHECK(lane_row > 0 && strncmp(row(g, lane_row + 1), "  tid", 5) != 0 &&
		      (!strncmp(row(g, lane_row + 1), "  on CPU", 8) || !strncmp(row(g, lane_row + 1), "  blocked", 9) ||
		       !strncmp(row(g, lane_row + 1), "  wants a CPU", 13)),
	      "classroom: a lane's second row says what the thread does at the cursor, not its tid");
	for (x = 15; x < 79 && lane_row > 0; x++)
		if (grid_at(g, x, lane_row)->ch != grid_at(g, x, lane_row + 1)->ch ||
		    grid_at(g, x, lane_row)->role != grid_at(g, x, lane_row + 1)->role)
			two_rows = false;
	CHECK(two_rows, "classroom: both rows of a lane show the same cells");
	CHECK(render_thread_rows(tl, &v, 80, 24, &first_row) == 2 && first_row == lane_row,
	      "classroom: render_thread_rows counts lanes");
	CHECK(strstr(row(g, 22), "[space]") && strstr(row(g, 22), "[n/N]") && strstr(row(g, 23), "[q] quit"),
	      "classroom: key help on the bottom two rows");
	CHECK(grid_has(g, "1 column = 500 µs  0-9 running"), "classroom: the legend with the scale");
	for (y = 0, x = 0; y < 24; y++)
		if (grid_at(g, 79, y)->ch != ' ' && grid_at(g, 79, y)->role != ROLE_FRAME)
			x++;
	CHECK(x == 0, "classroom: nothing runs into the last column");
	{
		static const char *const out[] = { "race: counter = 21, expected 40, lost 19 updates" };

		v.output = out;
		v.output_lines = 1;
		render_screen(g, tl, &v, th);
		y = find_row(g, "race: counter = 21, expected 40");
		CHECK(y > 0 && y < 21 && strstr(row(g, y - 1), "woken by") != NULL,
		      "classroom: the program's output (its self-check) under the older log lines");
		v.output = NULL;
		v.output_lines = 0;
	}
	v.question = "PREDICT: Which thread runs next? (space reveals)";
	render_screen(g, tl, &v, th);
	CHECK(strstr(row(g, 0), "Which thread runs next?") != NULL, "classroom: the question in the narration's place");
	v.question = NULL;
	v.reading = true; /* a replay placed past what it has read of its file */
	v.cursor = 30 * MS;
	render_screen(g, tl, &v, th);
	CHECK(strstr(row(g, 0), "not read yet: read up to 0.021000 s so far") != NULL,
	      "classroom: past what a replay has read, the narration says so (not the last event read)");
	v.reading = false;
	drop();

	build_many(2, 9);
	v = view_all(80, 9 * MS);
	v.classroom = true;
	render_screen(g, tl, &v, th);
	CHECK(render_classroom_lanes(tl, 24) == 12 && render_lane_height(tl, &v, 80, 24) == 1,
	      "classroom: 9 lanes do not fit two rows each at 80x24: 12 lanes of one row");
	CHECK(find_row(g, "A thread-00") > 0 && find_row(g, "I thread-08") == find_row(g, "A thread-00") + 8 &&
		      !grid_has(g, "more"),
	      "classroom: one-row lanes, every one shown");
	v.key_lanes = "thread-07 thread-03";
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "H thread-07") > 0 && find_row(g, "D thread-03") == find_row(g, "H thread-07") + 1 &&
		      find_row(g, "A thread-00") == find_row(g, "H thread-07") + 2,
	      "classroom: the scenario's key lanes first, in their order, then the others");
	drop();

	build_many(2, 6);
	v = view_all(80, 6 * MS);
	v.classroom = true;
	CHECK(render_lane_height(tl, &v, 80, 24) == 2, "classroom: 6 lanes fit two rows each at 80x24");
	{
		static const char *const out[] = { "thread: a self-check longer than one row,", "wrapped on two" };

		v.output = out;
		v.output_lines = 2;
		render_screen(g, tl, &v, th);
		CHECK(render_lane_height(tl, &v, 80, 24) == 1 && find_row(g, "F thread-05") > 0 &&
			      find_row(g, "wrapped on two") == 20 && find_row(g, "thread: a self-check") == 19,
		      "classroom: the program's output keeps its rows above the message; the lanes take one row");
	}
	{
		static const char *const out[] = { "condvar: 4 consumers, 400 items, each consumed exactly once; the "
						   "waits on not_empty were 312, which took 41.5 ms in all" };

		v.output = out;
		v.output_lines = 1;
		render_screen(g, tl, &v, th);
		y = find_row(g, "condvar: 4 consumers");
		CHECK(y == 19 && strstr(row(g, 20), "which took 41.5 ms in all") && !grid_has(g, "which took i ") &&
			      render_lane_height(tl, &v, 80, 24) == 1,
		      "classroom: a self-check line longer than the width is wrapped at a word onto a second row "
		      "(it was cut at the edge: 'which took i'), the rows kept for it");
	}
	drop();

	build_many(2, 20);
	v = view_all(80, 20 * MS);
	v.classroom = true;
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "L thread-11") > 0 && find_row(g, "M thread-12") < 0 && grid_has(g, "+8 more") &&
		      grid_has(g, "lanes 1-12 of 20"),
	      "classroom: the lanes that fit, then '+N more'");
	v.first_lane = 13;
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "M thread-12") > 0 && find_row(g, "T thread-19") > 0 && find_row(g, "L thread-11") < 0,
	      "classroom: lanes paged, not scrolled");
	CHECK(grid_has(g, "+12 above") && !grid_has(g, "more") && grid_has(g, "lanes 13-20 of 20"),
	      "classroom: the last page counts the lanes above it (it said '+12 more')");
	v.first_lane = 0;
	v.key_lanes = "thread-19";
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "T thread-19") > 0 && find_row(g, "K thread-10") > 0 && find_row(g, "L thread-11") < 0,
	      "classroom: a key lane past the first page comes on the first");
	drop();

	/* a middle page of 1000 lanes: "+12 above, +976 more" does not fit
	 * the classroom's label columns; what is shown is whole */
	build_many(2, 1000);
	v = view_all(80, 20 * MS);
	v.classroom = true;
	v.first_lane = 12;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "+12\u2191 +976\u2193") && !grid_has(g, "above, +") && grid_has(g, "lanes 13-24 of 1000"),
	      "classroom: a count too long for the labels says both sides shorter, whole (it showed '+12 above, +9')");
	v.classroom = false;
	v.first_lane = 348;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "+348 above, +"), "plain view: both counts in words where they fit");
	drop();

	build_many(2, 30000);
	v = view_all(80, 20 * MS);
	v.first_lane = 12000;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "+12000\u2191 +") && grid_has(g, "\u2193") && !grid_has(g, "above, +"),
	      "plain view: 30 000 lanes, both counts where the words do not fit (the lanes above were left out)");
	render_screen(g, tl, &v, theme_get(THEME_MONO, true));
	CHECK(grid_has(g, "+12000^ +") && !grid_has(g, "above, +"), "plain view, ASCII: the same with ^ and v");
	grid_free(g);
	drop();
}

/* ---- the parts every view shares ---- */

/* UTF-8 width: one column a character, one a byte that starts no valid
 * sequence, as many as grid_text writes. */
static void test_utf8(void)
{
	static const char *const texts[] = { "", "abc", "1 col = 500 \xc2\xb5s", "\xe2\x86\x90\xe2\x86\x92 scroll",
					     "\xff\xfe", "a\xe2\x86", "\xe6\xbc\xa2 wide", "\xed\xa0\x80 surrogate",
					     "\xc0\xaf overlong", "e\xcc\x81 combining" };
	struct grid *g = grid_new(100, 1);
	bool same = true;
	size_t i;

	CHECK(utf8_width(NULL) == 0 && utf8_width("") == 0 && utf8_width("abc") == 3, "utf8 width: ASCII");
	CHECK(utf8_width("\xe4\xb8\xad\xe6\x96\x87") == 4 && utf8_width("e\xcc\x81") == 1 &&
	      utf8_width("\xf0\x9f\x98\x80") == 2 && utf8_prefix("\xe4\xb8\xad\xe6\x96\x87", 3) == 3 &&
	      utf8_next("\xe4\xb8\xad") == 3 && utf8_next("") == 0,
	      "utf8 width: wide characters two columns, combining marks none; a prefix leaves out a wide one cut");
	CHECK(utf8_width("500 \xc2\xb5s") == 6 && utf8_width("\xe2\x94\x82") == 1, "utf8 width: multi-byte characters are one column");
	CHECK(utf8_width("\xff\xfe") == 2 && utf8_width("a\xe2\x86") == 3 && utf8_width("\xed\xa0\x80") == 3,
	      "utf8 width: each invalid byte is one column (bad lead, cut short, surrogate)");
	CHECK(utf8_prefix("a\xc2\xb5" "b", 2) == 3 && utf8_prefix("ab", 5) == 2 && utf8_prefix("ab", 0) == 0,
	      "utf8 prefix: bytes of the first columns");
	CHECK(utf8_prev("ab", 2) == 1 && utf8_prev("a\xc2\xb5", 3) == 1 && utf8_prev("\xe4\xb8\xad", 3) == 0 &&
		      utf8_prev("\xf0\x9f\x98\x80", 4) == 0 && utf8_prev("", 0) == 0 && utf8_prev("a\x80", 2) == 1 &&
		      utf8_prev("\xe4\xb8", 2) == 0,
	      "utf8 prev: back to the last character's lead byte (a prompt's backspace, a line cut short)");
	{
		char fit[64];

		utf8_fit(fit, sizeof(fit), "PythonLock@0x7f12dca3030", 11, false);
		CHECK(strcmp(fit, "Pytho\xe2\x80\xa6" "a3030") == 0 && utf8_width(fit) == 11,
		      "utf8 fit: too wide, its start, an ellipsis and its end (the address tells locks apart)");
		utf8_fit(fit, sizeof(fit), "PythonLock@0x7f12dca3030", 11, true);
		CHECK(strcmp(fit, "Pytho~a3030") == 0, "utf8 fit: '~' for the ellipsis in ASCII");
		utf8_fit(fit, sizeof(fit), "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87", 6, false);
		CHECK(utf8_width(fit) == 6, "utf8 fit: wide characters cut whole, padded to the columns asked");
		utf8_fit(fit, sizeof(fit), "ab", 4, false);
		CHECK(strcmp(fit, "ab  ") == 0, "utf8 fit: a narrower text padded with spaces");
	}
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		grid_clear(g);
		if (grid_text(g, 0, 0, texts[i], ROLE_DEFAULT, 0, -1) != utf8_width(texts[i])) {
			same = false;
			printf("  width of text %zu: grid_text %d, utf8_width %d\n", i,
			       grid_text(g, 0, 0, texts[i], ROLE_DEFAULT, 0, -1), utf8_width(texts[i]));
		}
	}
	CHECK(same, "utf8 width: the columns grid_text writes, for every kind of text");
	/* wrapped at width 5: "中文 中文中" -> "中文" (4 columns, then the space),
	 * "中文" (a third would cross), "中"; at width 1 each piece still moves on */
	CHECK(draw_wrap_piece("\xe4\xb8\xad\xe6\x96\x87 \xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 5) == 6 &&
	      draw_wrap_piece("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 5) == 6 &&
	      draw_wrap_piece("\xe4\xb8\xad\xe6\x96\x87", 1) == 3 &&
	      draw_wrapped_rows("\xe4\xb8\xad\xe6\x96\x87 \xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 5) == 3,
	      "wrap: wide characters count two columns, and are never split");
	grid_free(g);
}

/* Whether v is 1, 2 or 5 x 10^k. */
static bool is_125(uint64_t v)
{
	while (v >= 10 && v % 10 == 0)
		v /= 10;
	return v == 1 || v == 2 || v == 5;
}

/* The nice step (1-2-5) and the round scales, up to the 64-bit edge. */
static void test_nice_step(void)
{
	static const uint64_t cases[][2] = {
		{ 0, 1 }, { 1, 1 }, { 2, 2 }, { 3, 5 }, { 5, 5 }, { 6, 10 }, { 11, 20 }, { 21, 50 }, { 999, 1000 },
		{ 1000000001, 2000000000 }, { 5000000000000000000ull, 5000000000000000000ull },
		{ 5000000000000000001ull, 10000000000000000000ull }, { 10000000000000000000ull, 10000000000000000000ull },
		{ 10000000000000000001ull, UINT64_MAX }, { UINT64_MAX, UINT64_MAX },
	};
	bool exact = true, least = true;
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (scale_nice_ceil(cases[i][0]) != cases[i][1]) {
			exact = false;
			printf("  nice step of %llu: %llu, not %llu\n", (unsigned long long)cases[i][0],
			       (unsigned long long)scale_nice_ceil(cases[i][0]), (unsigned long long)cases[i][1]);
		}
	CHECK(exact, "nice step: 1, 2, 5 x 10^k at least v; 10^19, then saturated, at the top");
	/* every v from 1 to 10^6 (a sample above): the least 1-2-5 value at least v */
	for (v = 1; v < 20000000000ull && least; v = v < 1000000 ? v + 1 : v * 3 + 7) {
		uint64_t s = scale_nice_ceil(v);

		least = s >= v && is_125(s) && (s == 1 || scale_nice_ceil(v - 1) <= s) &&
			!(s > 1 && is_125(s / 2) && s / 2 >= v) && !(s > 1 && s % 5 == 0 && s / 5 * 2 >= v);
	}
	CHECK(least, "nice step: the least 1-2-5 value at least v, for every v up to 10^6");
	CHECK(scale_round_ceil(0) == 1 && scale_round_ceil(7) == 8 && scale_round_ceil(9) == 10 &&
		      scale_round_ceil(11) == 15 && scale_round_ceil(26) == 30 && scale_round_ceil(81) == 100 &&
		      scale_round_ceil(420000) == 500000 && scale_round_ceil(UINT64_MAX) == UINT64_MAX,
	      "round scale: 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k");
	CHECK(scale_is_round(25) && scale_is_round(1500000) && !scale_is_round(7) && !scale_is_round(0),
	      "round scale: which scales are round");
}

/* Row y of g as text (cells as they are; trailing blanks cut). */
static const char *grid_row_text(const struct grid *g)
{
	return row(g, 0);
}

/* The row function: the same cells as every view draws, from a window and
 * a lane; the legend items it saw; the cursor column reversed. */
static void test_lane_row(void)
{
	struct grid *g = grid_new(42, 1), *lg;
	struct lane_window w;
	struct lane_ref ping = { .kind = LANE_THREAD, .index = 0 }, cpu0 = { .kind = LANE_CPU, .index = 0 };
	struct lane_ref both = { .kind = LANE_CPUS, .index = 0, .count = 2 };
	uint32_t seen;
	int x;
	bool reversed_once = true;

	build_pingpong();
	lanes_window_init(&w, tl, 0, 500 * US, 42, 3 * MS + 1);
	seen = lanes_row(g, 0, 0, &w, &ping);
	CHECK(!strcmp(grid_row_text(g), "00..^0..^0..^0..^0..^0..^0..^0..^0..^0...."), "row function: ping's lane");
	CHECK((seen & (1u << LG_RUN)) && (seen & (1u << LG_WOKEN)) && (seen & (1u << LG_UNKNOWN)) &&
		      !(seen & (1u << LG_RUNNABLE)) && !(seen & (1u << LG_MIXED)),
	      "row function: the legend items of the glyphs drawn, and no others");
	for (x = 0; x < 42; x++)
		reversed_once &= !!(grid_at(g, x, 0)->attr & GRID_REVERSE) == (x == 6);
	CHECK(w.cursor_col == 6 && reversed_once, "row function: the cursor's column (3 ms at 500 us a column) reversed");
	lg = render_lanes(tl, 0, 21 * MS, 80, theme_get(THEME_MONO, false));
	CHECK(lg && !strcmp(lane(lg, "A ping"), "00..^0..^0..^0..^0..^0..^0..^0..^0..^0...."),
	      "row function: the same cells as `conctop lanes`");
	grid_free(lg);
	seen = lanes_row(g, 0, 0, &w, &cpu0);
	CHECK(!strcmp(grid_row_text(g), "AA  AA  AA  AA  AA  AA  AA  AA  AA  AA") && seen == 1u << LG_THREAD,
	      "row function: CPU0's lane");
	lanes_row(g, 0, 0, &w, &both);
	CHECK(!strcmp(grid_row_text(g), "AABBAABBAABBAABBAABBAABBAABBAABBAABBAABB"), "row function: two CPUs in one row");
	lanes_window_init(&w, tl, 20 * MS, 500 * US, 10, UINT64_MAX);
	grid_clear(g);
	lanes_row(g, 0, 0, &w, &cpu0);
	CHECK(strspn(grid_row_text(g), " ") == strlen(grid_row_text(g)) && w.cursor_col == -1,
	      "row function: columns past the end of the trace are blank");
	drop();
	/* two threads running side by side on two CPUs: one row shows '+' */
	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "left");
	ev(0, EVENT_THREAD, 0, 102, 0, 'R', "right");
	sw(0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(0, 1, 0, EVENT_STATE_RUNNING, 102);
	timeline_set_end(tl, 2 * MS);
	lanes_window_init(&w, tl, 0, MS, 2, UINT64_MAX);
	grid_clear(g);
	seen = lanes_row(g, 0, 0, &w, &both);
	CHECK(!strcmp(grid_row_text(g), "++") && seen == 1u << LG_MIXED, "row function: CPUs that ran different threads are '+'");
	lanes_row(g, 0, 0, &w, &cpu0);
	CHECK(!strcmp(grid_row_text(g), "AA"), "row function: each of them ran one");
	grid_free(g);
	drop();
}

/* render_lanes_print: the grid render_lanes draws, printed; and lanes for
 * more threads than a grid holds. */
static void test_lanes_print(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	char *buf = NULL, *p;
	size_t len = 0, lines = 0;
	struct grid *g;
	FILE *f;
	int rc;

	build_pingpong();
	g = render_lanes(tl, 0, 21 * MS, 80, th);
	f = open_memstream(&buf, &len);
	rc = render_lanes_print(f, tl, 0, 21 * MS, 80, th, true);
	fclose(f);
	CHECK(g && rc == 0 && !strcmp(buf, print(g, th, true)), "lanes print: the same text as render_lanes' grid, in colour");
	free(buf);
	grid_free(g);
	CHECK(render_lanes_print(stdout, tl, 0, 21 * MS, 39, th, false) == -EINVAL, "lanes print: width below 40 refused");
	drop();

	build_many(2, 10050);
	CHECK(render_lanes(tl, 0, 10050 * MS, 80, th) == NULL, "lanes grid: more rows than a grid holds refused");
	buf = NULL;
	f = open_memstream(&buf, &len);
	rc = render_lanes_print(f, tl, 0, 10050 * MS, 80, theme_get(THEME_MONO, false), false);
	fclose(f);
	for (p = buf; p && *p; p++)
		lines += *p == '\n';
	CHECK(rc == 0 && strstr(buf, "\nA thread-00 ") && strstr(buf, "\n& thread-10049 10150 ") &&
		      strstr(buf, "\n1 col = "),
	      "lanes print: 10050 thread lanes, the first and the last, then the legend");
	CHECK(lines >= 2 + 2 + 10050 + 1 + 1 && lines <= 2 + 2 + 10050 + 1 + 8, "lanes print: one line a lane");
	free(buf);
	drop();
}

/* A wide screen gives the names more columns: a name cut at 100 columns is
 * whole at 160, in the plain and the classroom view, and the lanes start
 * where render_view_lane_x says (where clicks are mapped). */
static void test_wide_names(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	struct grid *g;
	struct view v;
	int y;

	timeline_new(&tl, 1);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "philosopher-12");
	sw(0, 0, 0, EVENT_STATE_RUNNING, 101);
	timeline_set_end(tl, 10 * MS);
	g = grid_new(100, 30);
	v = view_all(100, 10 * MS);
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "A philosop\xe2\x80\xa6-12") >= 0 && render_lane_x(100) == RENDER_LANE_X,
	      "wide names: at 100 columns a 14-character name is cut to 12");
	grid_free(g);
	g = grid_new(160, 40);
	v = view_all(160, 10 * MS);
	render_screen(g, tl, &v, th);
	y = find_row(g, "A philosopher-12 ");
	CHECK(y >= 0 && render_name_columns(160) == 16 && render_view_lane_x(&v, 160) == RENDER_LANE_X + 4 &&
		      grid_at(g, RENDER_LANE_X + 3, y)->ch == th->vline &&
		      grid_at(g, RENDER_LANE_X + 4, y)->ch != ' ',
	      "wide names: at 160 columns the name is whole and the lanes start 4 columns later");
	CHECK(render_lane_columns(160) == render_lane_columns(120) + 40 - 4, "wide names: the lanes give up those 4");
	v.inspect = true;
	v.cursor = 5 * MS;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "A philosopher-12   running on CPU0"), "wide names: the inspect panel's names widen too");
	v.inspect = false;
	v.cursor = UINT64_MAX;
	v.classroom = true;
	render_screen(g, tl, &v, th);
	CHECK(find_row(g, "A philosopher-12") >= 0 && render_view_lane_x(&v, 160) == 16 + 3,
	      "wide names: the classroom view's names widen too");
	grid_free(g);
	drop();
}

/* Inspect at an instant a thread is not alive says when it is: its lane
 * starts later, or it exited before (at the end of a run every thread
 * has). */
static void test_inspect_not_alive(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	struct grid *g = grid_new(100, 30);
	struct view v;

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 10, 0, 'R', "main");
	sw(1 * MS, 0, 0, EVENT_STATE_RUNNING, 10);
	ev(2 * MS, EVENT_FORK, 0, 10, 11, 0, "worker");
	ev(3 * MS, EVENT_WAKEUP_NEW, 0, 11, 0, 1, NULL);
	sw(5 * MS, 1, 0, EVENT_STATE_RUNNING, 11);
	ev(9 * MS, EVENT_EXIT, 1, 11, 0, 0, "worker");
	sw(9 * MS, 1, 11, EVENT_STATE_DEAD, 0);
	timeline_set_end(tl, 12 * MS);
	v = view_all(100, 12 * MS);
	v.mode = VIEW_REPLAY;
	v.inspect = true;
	v.cursor = 1 * MS + 500 * US;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "B worker       not alive yet: its lane starts at 0.003000 s"),
	      "inspect: before its lane starts (its first wakeup), when it starts");
	v.cursor = 11 * MS;
	render_screen(g, tl, &v, th);
	CHECK(grid_has(g, "B worker       not alive: exited at 0.009000 s"), "inspect: after its exit, when it exited");
	v.cursor = 6 * MS;
	render_screen(g, tl, &v, th);
	CHECK(!grid_has(g, "not alive"), "inspect: while alive, its state");
	grid_free(g);
	drop();
}

/* The role of the header's "anomalies" piece, or -1 when it has none. */
static int anomalies_role(const struct grid *g)
{
	static const char word[] = "anomalies";

	for (int x = 0; x + 9 < grid_width(g); x++) {
		int k = 0;

		while (k < 9 && grid_at(g, x + k, 0)->ch == (uint32_t)word[k])
			k++;
		if (k == 9)
			return grid_at(g, x, 0)->role;
	}
	return -1;
}

/* The header's anomalies: a few in a long trace are the usual and drawn
 * as the rest of the header; from 1% of the events, in the warning colour. */
static void test_anomalies_colour(void)
{
	const struct theme *th = theme_get(THEME_256, false);
	struct grid *g = grid_new(200, 40);
	struct view v;

	build_many(2, 60);
	sw(61 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0); /* (101 sleeps since 1 ms: an anomaly) */
	timeline_set_end(tl, 62 * MS);
	v = view_all(200, 62 * MS);
	render_screen(g, tl, &v, th);
	CHECK(timeline_anomalies(tl) >= 1 && timeline_anomalies(tl) * 100 < timeline_events(tl) &&
		      anomalies_role(g) == ROLE_TITLE,
	      "header: an anomaly among hundreds of events is drawn as the rest of the header");
	drop();
	build_pingpong();
	sw(20 * MS + 500 * US, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	sw(20 * MS + 600 * US, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	v = view_all(200, 21 * MS);
	render_screen(g, tl, &v, th);
	CHECK(timeline_anomalies(tl) * 100 >= timeline_events(tl) && anomalies_role(g) == ROLE_WARNING,
	      "header: from 1% of the events, in the warning colour");
	grid_free(g);
	drop();
}

/* A thread's name too long for its label keeps its numbered end, so
 * that a pool's threads stay told apart; other names are cut as before. */
static void test_names(void)
{
	const struct theme *th = theme_get(THEME_256, false), *ascii = theme_get(THEME_256, true);
	struct draw d = { .th = th };
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "philosopher-5", "philosoph\xe2\x80\xa6-5" },
		{ "philosopher-12", "philosop\xe2\x80\xa6-12" },
		{ "ThreadPoolExecutor-0_12", "ThreadPo\xe2\x80\xa6_12" },
		{ "worker-3", "worker-3" },
		{ "averyverylongname", "averyverylon" },
		{ "12345678901234", "123456789012" },
	};

	d.g = grid_new(40, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[128];

		grid_clear(d.g);
		draw_name(&d, 0, 0, cases[i].name, ROLE_LABEL, 0, 12);
		snprintf(what, sizeof(what), "names: '%s' in 12 columns is '%s'", cases[i].name, cases[i].want);
		CHECK(!strcmp(row(d.g, 0), cases[i].want), what);
	}
	d.th = ascii;
	grid_clear(d.g);
	draw_name(&d, 0, 0, "philosopher-5", ROLE_LABEL, 0, 12);
	CHECK(!strcmp(row(d.g, 0), "philosoph~-5"), "names: in ASCII the ellipsis is '~'");
	grid_free(d.g);
}

/* The filter matches the names as shown: a thread with no name is '?'
 * (lanes --filter '?' said no thread's name held it, beside lanes of ?). */
static void test_name_filter(void)
{
	CHECK(render_name_matches("", "?") && !render_name_matches("worker", "?") &&
		      render_name_matches("Worker-1", "work") && render_name_matches("x", NULL) &&
		      render_name_matches("x", "") && !render_name_matches("", "w"),
	      "filter: a case-insensitive substring of the name shown, '?' for a thread with none");
}

/* Runs every test. */
int main(void)
{
	test_name_filter();
	test_grid();
	test_grid_wide_random();
	test_grid_ansi();
	test_theme();
	test_lanes_pingpong();
	test_lanes_preempt();
	test_lanes_cpus();
	test_lanes_attribution();
	test_screen();
	test_screen_many();
	test_classroom();
	test_utf8();
	test_nice_step();
	test_lane_row();
	test_lanes_print();
	test_marks();
	test_level();
	test_names();
	test_wide_names();
	test_inspect_not_alive();
	test_anomalies_colour();
	return check_summary();
}
