/* Unit tests of one meaning per glyph (tui/glyph.c): the legend table, the
 * thread and CPU cells' glyphs, conctop's start gate (its own glyph, and
 * the model's TL_GATE for the gated child only), and threads past the 52
 * letters ('&' on the CPU lanes, their tid in the log). */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "events.h"
#include "lanes.h"
#include "render.h"

#define MS 1000000ull

static struct timeline *tl;

/* Feeds one event to tl (tgid = tid for traced threads). */
static void ev(uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg, const char *text)
{
	struct event e = test_event(100, ts, type, cpu, tid, tid2, 0, arg, 0, text);

	timeline_add(tl, &e);
}

/* The lanes legend item is drawn on: 1 thread lanes, 2 CPU lanes, 4 busy
 * strips and process headers (the mixed and lost marks on both of the
 * first two). */
static int item_lanes(unsigned item)
{
	switch (item) {
	case LG_SHARE:
		return 4;
	case LG_OTHER: case LG_UNDONE:
		return 2 | 4;
	case LG_THREAD: case LG_THREAD_MORE: case LG_CPU_UNKNOWN:
		return 2;
	case LG_MIXED: case LG_LOST:
		return 3;
	default:
		return 1;
	}
}

/* The characters a legend glyph stands for: "0-9" and "A-z" are ranges. */
static void expand(const char *glyph, char *out, size_t len)
{
	size_t n = 0;
	char c;

	if (!strcmp(glyph, "A-z")) {
		for (c = 'A'; c <= 'Z' && n + 1 < len; c++)
			out[n++] = c;
		for (c = 'a'; c <= 'z' && n + 1 < len; c++)
			out[n++] = c;
	} else if (strlen(glyph) == 3 && glyph[1] == '-' && glyph[0] < glyph[2]) {
		for (c = glyph[0]; c <= glyph[2] && n + 1 < len; c++)
			out[n++] = c;
	} else {
		for (; *glyph && n + 1 < len; glyph++)
			out[n++] = *glyph;
	}
	out[n] = 0;
}

/* Every glyph of the legend table means one thing on the lanes it is drawn
 * on; the start gate is not 'I' (I/O); an unknown CPU and a thread past
 * the letters differ. */
static void test_legend_table(void)
{
	int owner[3][128];
	char chars[64], dup[256] = "";
	unsigned item, k;
	bool complete = true;
	const char *s;

	memset(owner, -1, sizeof(owner));
	for (item = 0; item < LG_MAX; item++) {
		const struct legend_entry *e = lanes_legend_entry(item);

		complete &= e->glyph && e->glyph[0] && e->text && e->text[0];
		/* a UTF-8 glyph (the share's eighths) is checked in its ASCII form */
		expand(e->ascii ? e->ascii : e->glyph, chars, sizeof(chars));
		for (s = chars; *s; s++)
			for (k = 0; k < 3; k++) {
				int *o = &owner[k][(unsigned char)*s & 127];

				if (!(item_lanes(item) & (1u << k)))
					continue;
				if (*o >= 0 && *o != (int)item && strlen(dup) + 40 < sizeof(dup))
					snprintf(dup + strlen(dup), sizeof(dup) - strlen(dup), " '%c': %s / %s", *s,
						 lanes_legend_entry((unsigned)*o)->text, e->text);
				*o = (int)item;
			}
		for (k = 0; k < item; k++)
			if (!strcmp(lanes_legend_entry(k)->glyph, e->glyph) &&
			    strlen(dup) + 40 < sizeof(dup))
				snprintf(dup + strlen(dup), sizeof(dup) - strlen(dup), " \"%s\" twice", e->glyph);
	}
	CHECK(complete, "legend: every item has a glyph and words");
	CHECK(dup[0] == 0, "legend: every glyph maps to one meaning on the lanes it is drawn on");
	if (dup[0])
		printf("  duplicates:%s\n", dup);
	CHECK(strcmp(lanes_legend_entry(LG_GATE)->glyph, "I") != 0 &&
		      strcmp(lanes_legend_entry(LG_GATE)->glyph, lanes_legend_entry(LG_IO)->glyph) != 0,
	      "legend: the start gate's glyph is not I, the I/O glyph");
	CHECK(strstr(lanes_legend_entry(LG_GATE)->text, "gate") && strstr(lanes_legend_detail(LG_GATE), "conctop"),
	      "legend: the start gate's words say what it is");
	CHECK(strcmp(lanes_legend_entry(LG_CPU_UNKNOWN)->glyph, lanes_legend_entry(LG_THREAD_MORE)->glyph) != 0,
	      "legend: an unknown CPU and a thread past the letters have different glyphs");
}

/* The glyph every drawn state gets, its legend item, and no two states
 * sharing one. */
static void test_cell_glyphs(void)
{
	uint32_t ch, seen[TL_STATE_MAX];
	uint8_t role;
	unsigned st, k, item;
	bool unique = true, agree = true;

	for (st = 1; st < TL_STATE_MAX; st++) {
		struct tl_cell c = { .state = (uint8_t)st, .cpu = st == TL_RUNNING ? 3 : -1 };
		char want[8];

		item = render_cell_glyph(&c, &ch, &role);
		seen[st] = ch;
		for (k = 1; k < st; k++)
			unique &= seen[k] != ch;
		expand(lanes_legend_entry(item)->glyph, want, sizeof(want));
		agree &= item < LG_MAX && strchr(want, (int)ch) != NULL;
	}
	CHECK(unique, "cells: no two thread states share a glyph");
	CHECK(agree, "cells: each state's glyph is the one its legend item shows");
	{
		struct tl_cell c = { .state = TL_GATE, .cpu = -1 };

		item = render_cell_glyph(&c, &ch, &role);
		CHECK(ch == '>' && item == LG_GATE, "cells: the start gate is '>', item start gate");
		c.state = TL_IO;
		item = render_cell_glyph(&c, &ch, &role);
		CHECK(ch == 'I' && item == LG_IO, "cells: I/O is 'I'");
	}
}

/* conctop's gated child: its sleep before its exec is TL_GATE when the
 * timeline is told conctop started it, I/O (its read) otherwise, and only
 * for the first thread, named conctop. */
static void gate_timeline(bool gated, const char *name, struct tl_at *at, struct tl_at *later)
{
	timeline_new(&tl, 1);
	timeline_set_gated(tl, gated);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', name);
	ev(0, EVENT_SWITCH, 0, -1, 101, EVENT_STATE_RUNNING, NULL);
	{
		struct event e;

		memset(&e, 0, sizeof(e));
		e.ts = 1 * MS;
		e.type = EVENT_SYSCALL;
		e.tid = 101;
		e.tgid = 100;
		e.op = OP_SYS_READ;
		timeline_add(tl, &e);
	}
	ev(1 * MS, EVENT_SWITCH, 0, 101, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(5 * MS, EVENT_WAKING, 0, -1, 101, 0, NULL);
	ev(5 * MS, EVENT_WAKEUP, 0, 101, 0, 0, NULL);
	ev(5 * MS, EVENT_SWITCH, 0, 0, 101, EVENT_STATE_RUNNING, NULL);
	ev(6 * MS, EVENT_EXEC, 0, 101, 101, 0, "prog");
	ev(7 * MS, EVENT_SWITCH, 0, 101, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 10 * MS);
	timeline_thread_at(tl, 0, 3 * MS, at);
	timeline_thread_at(tl, 0, 8 * MS, later);
	timeline_free(tl);
	tl = NULL;
}

/* The start gate in the model. */
static void test_gate(void)
{
	struct tl_at at, later;

	gate_timeline(true, "conctop", &at, &later);
	CHECK(at.state == TL_GATE, "gate: conctop's child before its exec is at the start gate");
	CHECK(later.state != TL_GATE, "gate: after its exec the program's sleeps are its own");
	gate_timeline(false, "conctop", &at, &later);
	CHECK(at.state == TL_IO, "gate: without the gated flag (-p) the read is I/O");
	gate_timeline(true, "python3", &at, &later);
	CHECK(at.state == TL_IO, "gate: a first thread not named conctop is no gate (an imported trace)");
}

/* Threads past the 52 letters: '&' on the CPU lanes, their tid in the log. */
static void test_past_letters(void)
{
	struct tl_log_entry log[256];
	char words[256], name[16];
	bool named = false, bare = false;
	uint32_t ch;
	uint8_t role;
	size_t n, i;
	int k;

	timeline_new(&tl, 1);
	ev(0, EVENT_SWITCH, 0, -1, 0, EVENT_STATE_RUNNING, NULL);
	for (k = 0; k < 60; k++) {
		snprintf(name, sizeof(name), "t%d", k);
		ev((uint64_t)k * MS, EVENT_FORK, 0, 1000, 1001 + k, 0, name);
	}
	timeline_set_end(tl, 70 * MS);
	CHECK(timeline_thread(tl, 53)->letter == TL_LETTER_MORE && TL_LETTER_MORE != '?',
	      "letters: a thread past z is '&', not the unknown CPU's '?'");
	{
		struct tl_cpu_cell c = { .kind = TL_CPU_THREAD, .thread = 55 };
		unsigned item = render_cpu_glyph(tl, &c, &ch, &role);

		CHECK(ch == '&' && item == LG_THREAD_MORE, "cpu cells: a thread past z is '&', item thread past z");
		c.kind = TL_CPU_UNKNOWN;
		item = render_cpu_glyph(tl, &c, &ch, &role);
		CHECK(ch == '?' && item == LG_CPU_UNKNOWN, "cpu cells: an unknown CPU is '?'");
	}
	n = timeline_log_read(tl, 0, log, 256);
	for (i = 0; i < n; i++) {
		render_log_words(tl, &log[i], false, words, sizeof(words));
		if (strstr(words, "&1059 t58"))
			named = true;
		if (strstr(words, "? t58") || strstr(words, "& t58"))
			bare = true;
	}
	CHECK(named && !bare, "log: a thread past the letters is named by its tid (&1059 t58)");
	timeline_free(tl);
	tl = NULL;
}

/* Undone work on a CPU lane: an idle CPU while a thread waits on the other
 * CPU's run queue for 40 ms is '_' (its own legend item) in those columns
 * only; idle before and after stays blank, and so does a wait of 2 ms. */
static void test_undone(void)
{
	struct tl_cpu_cell c;
	uint32_t ch;
	uint8_t role;
	unsigned item;

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "a");
	ev(0, EVENT_THREAD, 0, 102, 0, 'R', "b");
	ev(0, EVENT_SWITCH, 0, -1, 0, EVENT_STATE_RUNNING, NULL);
	ev(0, EVENT_SWITCH, 1, 0, 101, EVENT_STATE_RUNNING, NULL);
	ev(10 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, NULL); /* 101 waits on CPU 1 */
	ev(50 * MS, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(60 * MS, EVENT_SWITCH, 1, 101, 102, EVENT_STATE_PREEMPTED, NULL); /* 2 ms: noise */
	ev(62 * MS, EVENT_SWITCH, 1, 102, 101, EVENT_STATE_INTERRUPTIBLE, NULL);
	timeline_set_end(tl, 80 * MS);
	timeline_cpu_cell(tl, 0, 20 * MS, 30 * MS, &c);
	item = render_cpu_glyph(tl, &c, &ch, &role);
	CHECK(ch == '_' && item == LG_UNDONE && role == ROLE_RUNNABLE,
	      "undone: an idle CPU while a thread waits elsewhere is '_', runnable's colour");
	timeline_cpu_cell(tl, 0, 0, 10 * MS, &c);
	item = render_cpu_glyph(tl, &c, &ch, &role);
	CHECK(ch == ' ' && item == LG_MAX, "undone: idle with no thread waiting is blank");
	timeline_cpu_cell(tl, 0, 60 * MS, 62 * MS, &c);
	render_cpu_glyph(tl, &c, &ch, &role);
	CHECK(ch == ' ', "undone: a 2 ms wait is noise, blank");
	timeline_cpu_cell(tl, 1, 20 * MS, 30 * MS, &c);
	render_cpu_glyph(tl, &c, &ch, &role);
	CHECK(ch == 'B', "undone: the busy CPU shows its thread");
	timeline_free(tl);
	tl = NULL;
}

/* A share running: blank for none, a sliver for any, full only for all,
 * never falling as the share grows; ASCII 1-8; and a busy strip of two
 * CPUs with one running the program is half full, with none but another
 * program '~'. */
static void test_share(void)
{
	uint32_t ch, last = 0;
	unsigned k, item;
	bool rising = true;
	struct lane_window w;
	struct lane_ref strip = { .kind = LANE_STRIP, .index = 0, .count = 2 };
	struct grid *g = grid_new(4, 1);

	CHECK(lanes_share_glyph(0, 64, false, &ch) == LG_MAX && ch == ' ', "share: none is blank");
	CHECK(lanes_share_glyph(1, 64, false, &ch) == LG_SHARE && ch == 0x2581, "share: 1 of 64 is a sliver");
	CHECK(lanes_share_glyph(63, 64, false, &ch) == LG_SHARE && ch == 0x2587, "share: 63 of 64 is not full");
	CHECK(lanes_share_glyph(64, 64, false, &ch) == LG_SHARE && ch == 0x2588, "share: all is full");
	for (k = 1; k <= 64; k++) {
		lanes_share_glyph(k, 64, false, &ch);
		rising &= ch >= last && ch >= 0x2581 && ch <= 0x2588;
		last = ch;
	}
	CHECK(rising, "share: eighths that never fall as the share grows");
	item = lanes_share_glyph(32, 64, true, &ch);
	CHECK(item == LG_SHARE && ch == '4' && !strcmp(lanes_legend_entry(LG_SHARE)->ascii, "1-8"),
	      "share: ASCII digits, 32 of 64 is 4 (eighths), its legend says 1-8");

	timeline_new(&tl, 2);
	ev(0, EVENT_THREAD, 0, 101, 0, 'R', "a");
	ev(0, EVENT_SWITCH, 0, -1, 101, EVENT_STATE_RUNNING, NULL);
	ev(0, EVENT_SWITCH, 1, 0, -1, EVENT_STATE_RUNNING, NULL); /* CPU1: another program */
	ev(10 * MS, EVENT_SWITCH, 0, 101, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev(20 * MS, EVENT_SWITCH, 1, -1, 0, EVENT_STATE_RUNNING, NULL);
	timeline_set_end(tl, 40 * MS);
	lanes_window_init(&w, tl, 0, 10 * MS, 4, UINT64_MAX);
	lanes_row(g, 0, 0, &w, &strip);
	CHECK(grid_at(g, 0, 0)->ch == 0x2584 && grid_at(g, 1, 0)->ch == '~' && grid_at(g, 2, 0)->ch == ' ',
	      "strip: one of two CPUs running the program is half full, then another program's ~, then idle");
	w.ascii = true;
	lanes_row(g, 0, 0, &w, &strip);
	CHECK(grid_at(g, 0, 0)->ch == '4', "strip: in ASCII the half is 4");
	grid_free(g);
	timeline_free(tl);
	tl = NULL;
}

/* Runs the glyph tests. */
int main(void)
{
	test_legend_table();
	test_cell_glyphs();
	test_gate();
	test_past_letters();
	test_undone();
	test_share();
	return check_summary();
}
