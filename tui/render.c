/* Rendering: the lanes, the screen around them, and `conctop lanes`' text,
 * drawn into a grid by pure functions of (timeline, view, size, theme).
 *
 * Glyphs (DESIGN.md, docs/lanes.md): a thread lane cell shows the state that
 * took most of its time: the CPU number 0-9 ('#' for CPU >= 10) when
 * running, '*' spinning, '-' runnable, M R C B S J F for a lock, cond,
 * barrier, semaphore, join or futex, 'z' sleeping, 'I' I/O, 'D'
 * uninterruptible, '.' blocked for an unknown cause, blank when not alive.
 * '^' replaces a running or runnable cell's glyph when the thread was woken
 * within it. A cell where no state took more than half the time shows '+'
 * in the colour of the state that took most ("mixed": zoom in to see it).
 * A CPU lane cell shows the letter of the thread it ran, '~' another
 * program, blank idle, '?' unknown, '+' mixed. */
#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STATS_W 16        /* " " + three "%5s" columns: run wait blk */
#define SCREEN_NAME_W 12  /* thread name columns on the screen */
#define SCREEN_TID_W 7    /* tid columns on the screen */
/* screen label: letter, space, name, space, tid, space */
#define SCREEN_LABEL_W (2 + SCREEN_NAME_W + 1 + SCREEN_TID_W + 1)
_Static_assert(SCREEN_LABEL_W + 1 == RENDER_LANE_X, "RENDER_LANE_X is the screen's first lane column");
#define LANES_MIN_WIDTH 40
#define LANES_MIN_COLS 10 /* fewest lane columns `conctop lanes` accepts before dropping stats */
#define LOG_MAX 32        /* log rows at most */
#define LINE_MAX_BYTES 512
#define NS_S ((uint64_t)1000000000)
#define NS_MS ((uint64_t)1000000)
#define NS_US ((uint64_t)1000)



/* What one frame's drawing shares. */
struct ctx {
	struct grid *g;
	const struct timeline *tl;
	const struct theme *th;
	uint64_t t0;     /* time at the left edge of the lanes */
	uint64_t npc;    /* ns per column */
	uint64_t end;    /* the timeline's end */
	uint64_t w1;     /* end of the window the stats cover */
	int x_lane;      /* first lane column */
	int ncols;       /* lane columns */
	int x_stats;     /* first stats column, -1 for none */
	int name_w, tid_w;
	int cursor_col;  /* lane column of the cursor, -1 for none */
	uint32_t legend; /* 1 << enum legend_item */
	uint64_t lost;   /* events lost within the lanes (render_lanes) */
	bool classroom;  /* the classroom view: "1 column = ..." in words */
};

/* ---- text helpers ---- */

/* Writes text; with an ASCII theme every non-ASCII character becomes '?'.
 * Returns the columns written. */
static int put_text(struct ctx *c, int x, int y, const char *s, uint8_t role, uint8_t attr, int max)
{
	int i, n = grid_text(c->g, x, y, s, role, attr, max);

	if (c->th->ascii) {
		for (i = 0; i < n; i++) {
			const struct grid_cell *cell = grid_at(c->g, x + i, y);

			if (cell && cell->ch > 0x7e)
				grid_put(c->g, x + i, y, '?', role, attr);
		}
	}
	return n;
}

/* Columns a UTF-8 string takes. */
static int text_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Fills columns [x0, x1) of row y with ch. */
static void fill(struct grid *g, int x0, int x1, int y, uint32_t ch, uint8_t role, uint8_t attr)
{
	int x;

	for (x = x0; x < x1; x++)
		grid_put(g, x, y, ch, role, attr);
}

/* The unit a time is written in: the largest whose value is at least 1. */
static void time_unit(uint64_t ns, bool ascii, uint64_t *scale, const char **unit)
{
	if (ns >= NS_S) {
		*scale = NS_S;
		*unit = "s";
	} else if (ns >= NS_MS) {
		*scale = NS_MS;
		*unit = "ms";
	} else if (ns >= NS_US) {
		*scale = NS_US;
		*unit = ascii ? "us" : "\xc2\xb5s";
	} else {
		*scale = 1;
		*unit = "ns";
	}
}

/* Writes ns exactly, in the largest unit, trailing zeros cut: "0", "1.5s",
 * "250ms", "40µs" (axis labels). */
static void fmt_time_exact(char *buf, size_t len, uint64_t ns, bool ascii)
{
	uint64_t scale, frac, s;
	const char *unit;
	char digits[12];
	int nd = 0, i;

	if (ns == 0) {
		snprintf(buf, len, "0");
		return;
	}
	time_unit(ns, ascii, &scale, &unit);
	frac = ns % scale;
	for (s = scale; s > 1; s /= 10)
		nd++;
	digits[nd] = '\0';
	for (i = nd; i > 0; i--) {
		digits[i - 1] = (char)('0' + frac % 10);
		frac /= 10;
	}
	for (i = nd; i > 0 && digits[i - 1] == '0'; i--)
		digits[i - 1] = '\0';
	if (digits[0])
		snprintf(buf, len, "%" PRIu64 ".%s%s", ns / scale, digits, unit);
	else
		snprintf(buf, len, "%" PRIu64 "%s", ns / scale, unit);
}

/* Writes ns to three significant digits with a space before the unit:
 * "41 µs", "1.25 ms", "2.5 s" (durations in words). */
static void fmt_time_short(char *buf, size_t len, uint64_t ns, bool ascii)
{
	uint64_t scale;
	const char *unit;
	double v;
	int dec, i;

	if (ns == 0) {
		snprintf(buf, len, "0 s");
		return;
	}
	time_unit(ns, ascii, &scale, &unit);
	v = (double)ns / (double)scale;
	if (v >= 999.5 && scale < NS_S) {
		time_unit(ns * 1000 >= ns ? scale * 1000 : scale, ascii, &scale, &unit);
		v = (double)ns / (double)scale;
	}
	dec = v < 10 ? 2 : v < 100 ? 1 : 0;
	snprintf(buf, len, "%.*f", dec, v);
	/* cut trailing zeros of the decimals, then a bare point */
	if (dec) {
		for (i = (int)strlen(buf); i > 0 && buf[i - 1] == '0'; i--)
			buf[i - 1] = '\0';
		if (i > 0 && buf[i - 1] == '.')
			buf[i - 1] = '\0';
	}
	snprintf(buf + strlen(buf), len - strlen(buf), " %s", unit);
}

/* Decimals of seconds that tell columns of npc ns apart (at least min). */
static int sec_decimals(uint64_t npc, int min)
{
	int d = 0;
	uint64_t p = NS_S;

	while (d < 9 && p > npc) {
		p /= 10;
		d++;
	}
	return d < min ? min : d;
}

/* Writes ns as seconds with dec decimals: "2.3102". */
static void fmt_seconds(char *buf, size_t len, uint64_t ns, int dec)
{
	uint64_t div = 1, frac;
	int i;

	for (i = dec; i < 9; i++)
		div *= 10;
	frac = (ns % NS_S) / div;
	if (dec)
		snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64, ns / NS_S, dec, frac);
	else
		snprintf(buf, len, "%" PRIu64, ns / NS_S);
}

/* The smallest of 1, 2, 5 x 10^k that is at least v. */
static uint64_t nice_ceil(uint64_t v)
{
	uint64_t p = 1;

	for (;;) {
		if (v <= p)
			return p;
		if (v <= 2 * p)
			return 2 * p;
		if (v <= 5 * p)
			return 5 * p;
		if (p > UINT64_MAX / 100)
			return UINT64_MAX;
		p *= 10;
	}
}

/* Scales `conctop lanes` picks, in tenths of a power of ten: round enough to
 * read, close enough together to fill most of the width. */
static const unsigned scale_steps[] = { 10, 15, 20, 25, 30, 40, 50, 60, 80 };

/* The smallest scale (ns per column) of scale_steps x 10^k at least v. */
static uint64_t scale_ceil(uint64_t v)
{
	uint64_t p = 1;
	size_t i;

	for (;;) {
		for (i = 0; i < sizeof(scale_steps) / sizeof(scale_steps[0]); i++) {
			uint64_t s = p * scale_steps[i];

			if (s % 10 == 0 && v <= s / 10)
				return s / 10;
		}
		if (p > UINT64_MAX / 1000)
			return UINT64_MAX;
		p *= 10;
	}
}

/* Whether ns per column is one of the scales scale_ceil picks. */
static bool scale_is_round(uint64_t npc)
{
	return npc >= 1 && scale_ceil(npc) == npc;
}

/* a + b, saturated. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* a * b, saturated. */
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* ---- cells ---- */

/* The glyph and role of a thread lane cell (see render.h). */
unsigned render_cell_glyph(const struct tl_cell *cell, uint32_t *ch, uint8_t *role)
{
	static const struct {
		char ch;
		uint8_t role, item;
	} map[TL_STATE_MAX] = {
		[TL_NOT_ALIVE] = { ' ', ROLE_DEFAULT, LG_MAX },
		[TL_RUNNING] = { '0', ROLE_RUNNING, LG_RUN },
		[TL_SPINNING] = { '*', ROLE_SPINNING, LG_SPIN },
		[TL_RUNNABLE] = { '-', ROLE_RUNNABLE, LG_RUNNABLE },
		[TL_BLOCKED_MUTEX] = { 'M', ROLE_BLOCKED_LOCK, LG_MUTEX },
		[TL_BLOCKED_RWLOCK] = { 'R', ROLE_BLOCKED_LOCK, LG_RWLOCK },
		[TL_BLOCKED_COND] = { 'C', ROLE_BLOCKED_SIGNAL, LG_COND },
		[TL_BLOCKED_BARRIER] = { 'B', ROLE_BLOCKED_SIGNAL, LG_BARRIER },
		[TL_BLOCKED_SEM] = { 'S', ROLE_BLOCKED_SIGNAL, LG_SEM },
		[TL_BLOCKED_JOIN] = { 'J', ROLE_BLOCKED_SIGNAL, LG_JOIN },
		[TL_BLOCKED_FUTEX] = { 'F', ROLE_BLOCKED_SIGNAL, LG_FUTEX },
		[TL_SLEEPING] = { 'z', ROLE_SLEEP, LG_SLEEP },
		[TL_IO] = { 'I', ROLE_SLEEP, LG_IO },
		[TL_UNINTERRUPTIBLE] = { 'D', ROLE_SLEEP, LG_UNINT },
		[TL_BLOCKED_UNKNOWN] = { '.', ROLE_UNKNOWN, LG_UNKNOWN },
	};
	unsigned st = cell->state < TL_STATE_MAX ? cell->state : TL_BLOCKED_UNKNOWN;
	unsigned item = map[st].item;

	*ch = (uint32_t)map[st].ch;
	*role = map[st].role;
	if (st == TL_RUNNING) {
		if (cell->cpu >= 0 && cell->cpu < 10) {
			*ch = (uint32_t)('0' + cell->cpu);
		} else {
			*ch = '#';
			item = LG_RUN10;
		}
	}
	if (cell->mixed) {
		*ch = '+';
		item = LG_MIXED;
	} else if (cell->wakeup && (st == TL_RUNNING || st == TL_RUNNABLE)) {
		*ch = '^';
		item = LG_WOKEN;
	}
	return item;
}

/* The glyph and role of a thread lane cell; notes its legend item. */
static void thread_glyph(struct ctx *c, const struct tl_cell *cell, uint32_t *ch, uint8_t *role)
{
	unsigned item = render_cell_glyph(cell, ch, role);

	if (item < LG_MAX)
		c->legend |= 1u << item;
}

/* The glyph and role of a CPU lane cell (see render.h). */
unsigned render_cpu_glyph(const struct timeline *tl, const struct tl_cpu_cell *cell, uint32_t *ch, uint8_t *role)
{
	unsigned item = LG_MAX;

	switch (cell->kind) {
	case TL_CPU_THREAD: {
		const struct tl_thread *t = timeline_thread(tl, cell->thread);

		*ch = t && t->letter ? (uint32_t)(unsigned char)t->letter : '?';
		*role = ROLE_RUNNING;
		item = LG_THREAD;
		break;
	}
	case TL_CPU_OTHER:
		*ch = '~';
		*role = ROLE_OTHER;
		item = LG_OTHER;
		break;
	case TL_CPU_IDLE:
		*ch = ' ';
		*role = ROLE_DEFAULT;
		break;
	default:
		*ch = '?';
		*role = ROLE_UNKNOWN;
		item = LG_CPU_UNKNOWN;
		break;
	}
	if (cell->mixed) {
		*ch = '+';
		item = LG_MIXED;
	}
	return item;
}

/* The glyph and role of a CPU lane cell; notes its legend item. */
static void cpu_glyph(struct ctx *c, const struct tl_cpu_cell *cell, uint32_t *ch, uint8_t *role)
{
	unsigned item = render_cpu_glyph(c->tl, cell, ch, role);

	if (item < LG_MAX)
		c->legend |= 1u << item;
}

/* The time span of lane column col, clipped to the timeline's end; false
 * when the column lies past the end. */
static bool col_span(const struct ctx *c, int col, uint64_t *a, uint64_t *b)
{
	*a = sat_add(c->t0, sat_mul((uint64_t)col, c->npc));
	*b = sat_add(*a, c->npc);
	if (*b > c->end)
		*b = c->end;
	return *a < *b;
}

/* Attributes a lane cell gets: reverse in the cursor column. */
static uint8_t col_attr(const struct ctx *c, int col)
{
	return col == c->cursor_col ? GRID_REVERSE : 0;
}

/* Draws the frame around lane row y: the left and right rules. */
static void lane_frame(struct ctx *c, int y)
{
	grid_put(c->g, c->x_lane - 1, y, c->th->vline, ROLE_FRAME, 0);
	grid_put(c->g, c->x_lane + c->ncols, y, c->th->vline, ROLE_FRAME, 0);
}

/* Draws the lane of CPU cpu on row y, with its label. */
static void draw_cpu_row(struct ctx *c, int y, unsigned cpu)
{
	char label[16];
	int col;

	snprintf(label, sizeof(label), "CPU%u", cpu);
	put_text(c, 0, y, label, ROLE_LABEL, GRID_BOLD, c->x_lane - 2);
	lane_frame(c, y);
	for (col = 0; col < c->ncols; col++) {
		struct tl_cpu_cell cell;
		uint64_t a, b;
		uint32_t ch = ' ';
		uint8_t role = ROLE_DEFAULT;

		if (col_span(c, col, &a, &b)) {
			timeline_cpu_cell(c->tl, cpu, a, b, &cell);
			cpu_glyph(c, &cell, &ch, &role);
		}
		grid_put(c->g, c->x_lane + col, y, ch, role, col_attr(c, col));
	}
}

/* Draws one row summarising CPUs [first, first + n): per cell the letter of
 * the one thread they ran, '+' when they ran several, else '~', blank or '?'
 * as a CPU lane. */
static void draw_cpu_group_row(struct ctx *c, int y, unsigned first, unsigned n)
{
	char label[24];
	int col;

	snprintf(label, sizeof(label), "CPU%u-%u", first, first + n - 1);
	put_text(c, 0, y, label, ROLE_LABEL, GRID_BOLD, c->x_lane - 2);
	lane_frame(c, y);
	for (col = 0; col < c->ncols; col++) {
		struct tl_cpu_cell cell, sum = { .kind = TL_CPU_IDLE };
		uint64_t a, b;
		uint32_t ch = ' ';
		uint8_t role = ROLE_DEFAULT;
		bool any_other = false, any_unknown = false, several = false, any_thread = false;
		unsigned k;

		if (col_span(c, col, &a, &b)) {
			for (k = first; k < first + n; k++) {
				timeline_cpu_cell(c->tl, k, a, b, &cell);
				if (cell.kind == TL_CPU_THREAD) {
					if (any_thread && cell.thread != sum.thread)
						several = true;
					any_thread = true;
					sum.kind = TL_CPU_THREAD;
					sum.thread = cell.thread;
				} else if (cell.kind == TL_CPU_OTHER) {
					any_other = true;
				} else if (cell.kind == TL_CPU_UNKNOWN) {
					any_unknown = true;
				}
			}
			if (!any_thread)
				sum.kind = any_other ? TL_CPU_OTHER : any_unknown ? TL_CPU_UNKNOWN : TL_CPU_IDLE;
			sum.mixed = several;
			cpu_glyph(c, &sum, &ch, &role);
		}
		grid_put(c->g, c->x_lane + col, y, ch, role, col_attr(c, col));
	}
}

/* Draws the stats columns of thread i on row y: the share of its time alive
 * in the window spent running (or spinning), runnable, and blocked. */
static void draw_stats(struct ctx *c, int y, size_t i)
{
	uint64_t sum[TL_STATE_MAX], alive, run, wait;
	char buf[32];

	if (c->x_stats < 0 || c->w1 <= c->t0)
		return;
	timeline_thread_sum(c->tl, i, c->t0, c->w1, sum);
	alive = (c->w1 - c->t0) - (sum[TL_NOT_ALIVE] < c->w1 - c->t0 ? sum[TL_NOT_ALIVE] : c->w1 - c->t0);
	if (alive == 0) {
		snprintf(buf, sizeof(buf), " %5s%5s%5s", "-", "-", "-");
	} else {
		run = sum[TL_RUNNING] + sum[TL_SPINNING];
		wait = sum[TL_RUNNABLE];
		if (run > alive)
			run = alive;
		if (wait > alive - run)
			wait = alive - run;
		snprintf(buf, sizeof(buf), " %4d%%%4d%%%4d%%", (int)((run * 100 + alive / 2) / alive),
			 (int)((wait * 100 + alive / 2) / alive), (int)(((alive - run - wait) * 100 + alive / 2) / alive));
	}
	put_text(c, c->x_stats, y, buf, ROLE_LABEL, 0, -1);
}

/* Draws the lane of thread i on row y with its label and stats; focus
 * highlights the name. */
static void draw_thread_row(struct ctx *c, int y, size_t i, bool focus)
{
	const struct tl_thread *t = timeline_thread(c->tl, i);
	char buf[32];
	int col;

	if (!t)
		return;
	grid_put(c->g, 0, y, (uint32_t)(unsigned char)(t->letter ? t->letter : '?'), ROLE_LABEL, GRID_BOLD);
	put_text(c, 2, y, t->name[0] ? t->name : "?", focus ? ROLE_FOCUS : ROLE_LABEL, 0, c->name_w);
	snprintf(buf, sizeof(buf), "%*d", c->tid_w, (int)t->tid);
	put_text(c, 2 + c->name_w + 1, y, buf, ROLE_LABEL, 0, c->tid_w);
	lane_frame(c, y);
	for (col = 0; col < c->ncols; col++) {
		struct tl_cell cell;
		uint64_t a, b;
		uint32_t ch = ' ';
		uint8_t role = ROLE_DEFAULT;

		if (col_span(c, col, &a, &b)) {
			timeline_thread_cell(c->tl, i, a, b, &cell);
			thread_glyph(c, &cell, &ch, &role);
		}
		grid_put(c->g, c->x_lane + col, y, ch, role, col_attr(c, col));
	}
	draw_stats(c, y, i);
}

/* Draws the time axis: tick labels on row y and the top rule with its
 * ticks (and the cursor mark) on row y + 1; stats headings beside it. */
static void draw_axis(struct ctx *c, int y)
{
	const struct theme *th = c->th;
	uint64_t step = 1, unit = 1, first, t, span = sat_mul((uint64_t)c->ncols, c->npc);
	bool round_scale = scale_is_round(c->npc);
	char buf[48];
	int col;

	/* the smallest step whose labels fit with two columns to spare: a
	 * whole 1-2-5 number of columns when the scale is round (ticks then
	 * fall on column edges), else a 1-2-5 time */
	for (;;) {
		int widest = 1;

		step = nice_ceil(step);
		unit = round_scale ? sat_mul(step, c->npc) : step;
		/* ticks at least 3 columns apart: at most ncols / 3 labels to measure */
		if (unit / c->npc >= 3) {
			first = (c->t0 + unit - 1) / unit * unit;
			for (t = first; t < c->t0 + span && t >= first; t = sat_add(t, unit)) {
				int w;

				fmt_time_exact(buf, sizeof(buf), t, th->ascii);
				w = text_cols(buf);
				if (w > widest)
					widest = w;
				if (t == UINT64_MAX)
					break;
			}
			if (unit / c->npc >= (uint64_t)widest + 2)
				break;
		}
		if (unit >= UINT64_MAX / 2)
			break;
		step = round_scale ? step + 1 : (unit / c->npc < 3 ? sat_mul(c->npc, 3) : step + 1);
	}
	step = unit;
	first = (c->t0 + step - 1) / step * step;
	grid_put(c->g, c->x_lane - 1, y + 1, th->corner[0], ROLE_FRAME, 0);
	fill(c->g, c->x_lane, c->x_lane + c->ncols, y + 1, th->hline, ROLE_FRAME, 0);
	grid_put(c->g, c->x_lane + c->ncols, y + 1, th->corner[1], ROLE_FRAME, 0);
	for (t = first; t < c->t0 + span && t >= first; t = sat_add(t, step)) {
		col = (int)((t - c->t0) / c->npc);
		grid_put(c->g, c->x_lane + col, y + 1, th->tick, ROLE_FRAME, 0);
		fmt_time_exact(buf, sizeof(buf), t, th->ascii);
		put_text(c, c->x_lane + col, y, buf, ROLE_LABEL, 0, -1);
		if (t == UINT64_MAX)
			break;
	}
	if (c->cursor_col >= 0)
		grid_put(c->g, c->x_lane + c->cursor_col, y + 1, th->cursor, ROLE_CURSOR, 0);
	if (c->x_stats >= 0) {
		snprintf(buf, sizeof(buf), " %4s %4s %4s ", "run", "wait", "blk");
		put_text(c, c->x_stats, y + 1, buf, ROLE_LABEL, GRID_BOLD, -1);
	}
}

/* Draws the bottom rule under the lanes on row y. */
static void draw_bottom(struct ctx *c, int y)
{
	grid_put(c->g, c->x_lane - 1, y, c->th->corner[2], ROLE_FRAME, 0);
	fill(c->g, c->x_lane, c->x_lane + c->ncols, y, c->th->hline, ROLE_FRAME, 0);
	grid_put(c->g, c->x_lane + c->ncols, y, c->th->corner[3], ROLE_FRAME, 0);
}

/* Draws the legend of the glyphs used, from row y, in at most rows rows
 * (wrapping between items); starts with the scale. Returns rows used. */
static int draw_legend(struct ctx *c, int y, int rows)
{
	static const struct {
		const char *glyph;
		uint8_t role;
		const char *text;
	} items[LG_MAX] = {
		[LG_RUN] = { "0-9", ROLE_RUNNING, "running on that CPU" },
		[LG_RUN10] = { "#", ROLE_RUNNING, "running on CPU 10+" },
		[LG_SPIN] = { "*", ROLE_SPINNING, "spinning" },
		[LG_RUNNABLE] = { "-", ROLE_RUNNABLE, "runnable" },
		[LG_WOKEN] = { "^", ROLE_RUNNABLE, "woken" },
		[LG_MUTEX] = { "M", ROLE_BLOCKED_LOCK, "mutex" },
		[LG_RWLOCK] = { "R", ROLE_BLOCKED_LOCK, "rwlock" },
		[LG_COND] = { "C", ROLE_BLOCKED_SIGNAL, "cond var" },
		[LG_BARRIER] = { "B", ROLE_BLOCKED_SIGNAL, "barrier" },
		[LG_SEM] = { "S", ROLE_BLOCKED_SIGNAL, "semaphore" },
		[LG_JOIN] = { "J", ROLE_BLOCKED_SIGNAL, "join" },
		[LG_FUTEX] = { "F", ROLE_BLOCKED_SIGNAL, "futex" },
		[LG_SLEEP] = { "z", ROLE_SLEEP, "sleeping" },
		[LG_IO] = { "I", ROLE_SLEEP, "I/O" },
		[LG_UNINT] = { "D", ROLE_SLEEP, "uninterruptible" },
		[LG_UNKNOWN] = { ".", ROLE_UNKNOWN, "blocked, cause unknown" },
		[LG_MIXED] = { "+", ROLE_LABEL, "mixed" },
		[LG_THREAD] = { "A-z", ROLE_RUNNING, "thread on the CPU" },
		[LG_OTHER] = { "~", ROLE_OTHER, "other program" },
		[LG_CPU_UNKNOWN] = { "?", ROLE_UNKNOWN, "unknown" },
		[LG_LOST] = { "!", ROLE_WARNING, "events lost: lanes may be wrong" },
	};
	int w = grid_width(c->g), x = 0, row = 0, i;
	char scale[96], buf[64];

	fmt_time_short(buf, sizeof(buf), c->npc, c->th->ascii);
	snprintf(scale, sizeof(scale), c->classroom ? "1 column = %s" : "1 col = %s", buf);
	x = put_text(c, 0, y, scale, ROLE_LABEL, GRID_BOLD, -1);
	for (i = 0; i < LG_MAX; i++) {
		int need;

		if (!(c->legend & (1u << i)))
			continue;
		if (i == LG_LOST)
			snprintf(buf, sizeof(buf), "%" PRIu64 " events lost here: lanes may be wrong", c->lost);
		else
			snprintf(buf, sizeof(buf), "%s", items[i].text);
		need = 2 + (int)strlen(items[i].glyph) + 1 + text_cols(buf);
		if (x + need > w && x > 0) {
			if (row + 1 >= rows)
				break;
			row++;
			x = -2;
		}
		x += 2;
		x += put_text(c, x, y + row, items[i].glyph, items[i].role, i == LG_LOST ? GRID_BOLD : 0, -1);
		x += 1;
		x += put_text(c, x, y + row, buf, i == LG_LOST ? ROLE_WARNING : ROLE_LABEL, 0, -1);
	}
	return row + 1;
}

/* Marks with '!' on row y the columns of [a, b) where the kernel lost
 * events, and counts them. The log gives the newest entries of a window, so
 * a window with too many to see them all is split in two. */
static void mark_lost(struct ctx *c, int y, uint64_t a, uint64_t b, int depth)
{
	struct tl_log_entry ent[32];
	size_t n, i;

	if (b <= a)
		return;
	n = timeline_log(c->tl, a, b, ent, 32);
	if (n >= 32 && b - a > 1 && depth < 64) {
		uint64_t mid = a + (b - a) / 2;

		mark_lost(c, y, a, mid, depth + 1);
		mark_lost(c, y, mid, b, depth + 1);
		return;
	}
	for (i = 0; i < n && i < 32; i++) {
		if (ent[i].kind != TL_LOG_LOST || ent[i].ts < c->t0 ||
		    (ent[i].ts - c->t0) / c->npc >= (uint64_t)c->ncols)
			continue;
		grid_put(c->g, c->x_lane + (int)((ent[i].ts - c->t0) / c->npc), y, '!', ROLE_WARNING, GRID_BOLD);
		c->lost += ent[i].value > 0 ? (uint64_t)ent[i].value : 0;
		c->legend |= 1u << LG_LOST;
	}
}

/* ---- render_lanes ---- */

/* Draws the lanes of [t0, t1) into a grid of width columns with room for
 * legend_rows legend rows; returns the rows used, or -1. */
static int lanes_draw(struct ctx *c, uint64_t t0, uint64_t t1, int width)
{
	size_t n = timeline_thread_count(c->tl), i;
	unsigned ncpus = timeline_ncpus(c->tl), k;
	int name_w = 4, tid_w = 1, label_w, room, y;
	uint64_t span = t1 - t0;
	char buf[32];

	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(c->tl, i);
		int l = 0;
		const unsigned char *p;

		/* columns, not bytes: count UTF-8 lead bytes */
		for (p = (const unsigned char *)t->name; *p; p++)
			l += (*p & 0xc0) != 0x80;
		if (l > name_w)
			name_w = l;
		snprintf(buf, sizeof(buf), "%d", (int)t->tid);
		if ((int)strlen(buf) > tid_w)
			tid_w = (int)strlen(buf);
	}
	if (name_w > 15)
		name_w = 15;
	snprintf(buf, sizeof(buf), "CPU%u", ncpus ? ncpus - 1 : 0);
	label_w = 2 + name_w + 1 + tid_w + 1;
	if (label_w < (int)strlen(buf) + 1)
		label_w = (int)strlen(buf) + 1;
	/* lanes first: drop the stats, then narrow the names, when short of room */
	room = width - label_w - 2 - STATS_W;
	c->x_stats = 0;
	if (room < LANES_MIN_COLS + 10) {
		room = width - label_w - 2;
		c->x_stats = -1;
	}
	while (room < LANES_MIN_COLS && name_w > 4) {
		name_w--;
		label_w--;
		room++;
	}
	if (room < 1)
		return -1;
	c->name_w = name_w;
	c->tid_w = tid_w;
	c->x_lane = label_w + 1;
	c->npc = scale_ceil((span + (uint64_t)room - 1) / (uint64_t)room);
	if (c->npc == 0)
		c->npc = 1;
	c->ncols = (int)((span + c->npc - 1) / c->npc);
	if (c->ncols < 1)
		c->ncols = 1;
	c->t0 = t0;
	c->w1 = t1 < c->end ? t1 : c->end;
	if (c->x_stats >= 0)
		c->x_stats = c->x_lane + c->ncols + 1;
	c->cursor_col = -1;

	draw_axis(c, 0);
	y = 2;
	for (k = 0; k < ncpus; k++)
		draw_cpu_row(c, y++, k);
	for (i = 0; i < n; i++)
		draw_thread_row(c, y++, i, false);
	draw_bottom(c, y);
	if (timeline_lost(c->tl))
		mark_lost(c, y, t0, sat_add(c->w1, 1), 0); /* a loss reported at the very end too */
	y++;
	y += draw_legend(c, y, grid_height(c->g) - y);
	return y;
}

/* The lanes of [t0, t1) as a grid for `conctop lanes`. */
struct grid *render_lanes(const struct timeline *tl, uint64_t t0, uint64_t t1, int width, const struct theme *th)
{
	struct ctx c = { .tl = tl, .th = th, .end = timeline_end(tl) };
	size_t rows;
	struct grid *g;
	int used, x, y;

	if (!tl || !th || width < LANES_MIN_WIDTH || width > 10000)
		return NULL;
	if (t1 <= t0)
		t1 = t0 + 1;
	rows = 2 + (size_t)timeline_ncpus(tl) + timeline_thread_count(tl) + 1 + 8;
	if (rows > 10000)
		return NULL;
	c.g = grid_new(width, (int)rows);
	if (!c.g)
		return NULL;
	used = lanes_draw(&c, t0, t1, width);
	if (used <= 0) {
		grid_free(c.g);
		return NULL;
	}
	/* the exact height: copy into a grid of the rows used */
	g = grid_new(width, used);
	if (!g) {
		grid_free(c.g);
		return NULL;
	}
	for (y = 0; y < used; y++)
		for (x = 0; x < width; x++) {
			const struct grid_cell *cell = grid_at(c.g, x, y);

			grid_put(g, x, y, cell->ch, cell->role, cell->attr);
		}
	grid_free(c.g);
	return g;
}

/* ---- render_screen ---- */

/* Columns the lanes get on a screen of this width. */
int render_lane_columns(int screen_width)
{
	int n = screen_width - (SCREEN_LABEL_W + 1) - 1 - STATS_W;

	return n < 1 ? 1 : n;
}

/* Whether name contains filter, ignoring case. */
static bool name_matches(const char *name, const char *filter)
{
	return !filter || !*filter || strcasestr(name, filter) != NULL;
}

/* Threads whose name matches the filter, in order. */
size_t render_visible_threads(const struct timeline *tl, const char *filter, size_t *out, size_t max)
{
	size_t n = timeline_thread_count(tl), i, m = 0;

	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		if (!t || !name_matches(t->name, filter))
			continue;
		if (out && m < max)
			out[m] = i;
		m++;
	}
	return m;
}

/* Writes the "too small" message, wrapped to the grid's width. */
static int too_small(struct grid *g)
{
	char msg[128], line[128];
	int w = grid_width(g), h = grid_height(g), len, pos = 0, y = 0;

	grid_clear(g);
	len = snprintf(msg, sizeof(msg), "terminal too small: %dx%d needed, this one is %dx%d", RENDER_MIN_WIDTH,
		       RENDER_MIN_HEIGHT, w, h);
	while (pos < len && y < h) {
		int n = len - pos < w ? len - pos : w;

		/* break at the last space that fits */
		if (pos + n < len) {
			int b = n;

			while (b > 0 && msg[pos + b] != ' ')
				b--;
			if (b > 0)
				n = b;
		}
		snprintf(line, sizeof(line), "%.*s", n, msg + pos);
		grid_text(g, 0, y++, line, ROLE_WARNING, GRID_BOLD, -1);
		pos += n;
		while (pos < len && msg[pos] == ' ')
			pos++;
	}
	return -ERANGE;
}

/* Writes a count briefly: 950, 48k, 1.2M. */
static void fmt_count(char *buf, size_t len, double v)
{
	if (v >= 9.95e5)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 9.95e3)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

/* One piece of the header or key line; pieces of higher rank go first
 * when the line is too narrow for all. */
struct piece {
	char text[96];
	uint8_t role, attr;
	int rank; /* 0 always shown; larger: dropped earlier */
};

/* Draws pieces on row y from x, sep between them, dropping the pieces of
 * highest rank until they fit in width columns. */
static void draw_pieces(struct ctx *c, int x, int y, int width, struct piece *p, int n, uint32_t sep)
{
	bool on[24];
	int i, total, worst, x0 = x;

	if (n > 24)
		n = 24;
	for (i = 0; i < n; i++)
		on[i] = true;
	for (;;) {
		total = 0;
		worst = -1;
		for (i = 0; i < n; i++) {
			if (!on[i])
				continue;
			total += text_cols(p[i].text) + (total ? (sep ? 3 : 2) : 0);
			if (p[i].rank > 0 && (worst < 0 || p[i].rank >= p[worst].rank))
				worst = i;
		}
		if (total <= width || worst < 0)
			break;
		on[worst] = false;
	}
	/* then take back, most needed first, what still fits */
	for (;;) {
		int best = -1;

		for (i = 0; i < n; i++)
			if (!on[i] && text_cols(p[i].text) + (sep ? 3 : 2) + total <= width &&
			    (best < 0 || p[i].rank < p[best].rank))
				best = i;
		if (best < 0)
			break;
		on[best] = true;
		total += text_cols(p[best].text) + (sep ? 3 : 2);
	}
	for (i = 0, total = 0; i < n; i++) {
		if (!on[i])
			continue;
		if (total) {
			if (sep)
				grid_put(c->g, x + 1, y, sep, ROLE_FRAME, 0);
			x += sep ? 3 : 2;
		}
		x += put_text(c, x, y, p[i].text, p[i].role, p[i].attr, x0 + width - x);
		total = 1;
	}
}

/* Draws the header line. */
static void draw_header(struct ctx *c, const struct view *v, uint64_t now)
{
	static const char *const modes[] = { "LIVE", "PAUSED", "REPLAY" };
	int w = grid_width(c->g), n = 0;
	struct piece p[12];
	char t[48], cnt[32];
	uint64_t lost = timeline_lost(c->tl), anom = timeline_anomalies(c->tl);
	const char *target = v->target && *v->target ? v->target : "?";

	memset(p, 0, sizeof(p));
	snprintf(p[n].text, sizeof(p[n].text), "conctop");
	p[n].role = ROLE_TITLE;
	p[n++].attr = GRID_BOLD;
	if (strrchr(target, '/') && strrchr(target, '/')[1])
		target = strrchr(target, '/') + 1;
	snprintf(p[n].text, sizeof(p[n].text), "%.24s", target);
	p[n].role = ROLE_TITLE;
	p[n++].rank = 4;
	snprintf(p[n].text, sizeof(p[n].text), " %s ", modes[v->mode <= VIEW_REPLAY ? v->mode : 0]);
	p[n].role = ROLE_MODE;
	p[n++].attr = GRID_BOLD;
	if (v->mode == VIEW_REPLAY) {
		snprintf(p[n].text, sizeof(p[n].text), "%gx %s", v->speed > 0 ? v->speed : 1.0,
			 v->playing ? "playing" : "stopped");
		p[n].role = ROLE_TITLE;
		p[n++].rank = 3;
	}
	fmt_seconds(t, sizeof(t), now, sec_decimals(c->npc, 2));
	snprintf(p[n].text, sizeof(p[n].text), "t %s s", t);
	p[n].role = ROLE_TITLE;
	p[n++].rank = 1;
	fmt_time_short(t, sizeof(t), c->npc, c->th->ascii);
	snprintf(p[n].text, sizeof(p[n].text), "1 col = %s", t);
	p[n].role = ROLE_TITLE;
	p[n++].rank = 2;
	snprintf(p[n].text, sizeof(p[n].text), "%u CPU%s", timeline_ncpus(c->tl), timeline_ncpus(c->tl) == 1 ? "" : "s");
	p[n].role = ROLE_TITLE;
	p[n++].rank = 6;
	snprintf(p[n].text, sizeof(p[n].text), "%zu thread%s", timeline_thread_count(c->tl),
		 timeline_thread_count(c->tl) == 1 ? "" : "s");
	p[n].role = ROLE_TITLE;
	p[n++].rank = 7;
	if (v->events_per_sec > 0) {
		fmt_count(cnt, sizeof(cnt), v->events_per_sec);
		snprintf(p[n].text, sizeof(p[n].text), "%s ev/s", cnt);
	} else {
		fmt_count(cnt, sizeof(cnt), (double)timeline_events(c->tl));
		snprintf(p[n].text, sizeof(p[n].text), "%s events", cnt);
	}
	p[n].role = ROLE_TITLE;
	p[n++].rank = 8;
	snprintf(p[n].text, sizeof(p[n].text), "lost %" PRIu64, lost);
	p[n].role = lost ? ROLE_WARNING : ROLE_TITLE;
	p[n].attr = lost ? GRID_BOLD : 0;
	p[n++].rank = lost ? 1 : 5;
	if (anom) {
		snprintf(p[n].text, sizeof(p[n].text), "anomalies %" PRIu64, anom);
		p[n].role = ROLE_WARNING;
		p[n++].rank = 5;
	}
	draw_pieces(c, 0, 0, w - 9, p, n, c->th->dot);
	put_text(c, w - 6, 0, "?=help", ROLE_KEYS, GRID_BOLD, -1);
}

/* Writes the name of thread index idx as "A name", or what an index below
 * 0 stands for (tl_at.woken_by), into buf. */
static void who(const struct timeline *tl, int64_t idx, char *buf, size_t len)
{
	const struct tl_thread *t = idx >= 0 ? timeline_thread(tl, (size_t)idx) : NULL;

	if (t)
		snprintf(buf, len, "%c %s", t->letter ? t->letter : '?', t->name[0] ? t->name : "?");
	else if (idx == -2)
		snprintf(buf, len, "another program");
	else if (idx == -3)
		snprintf(buf, len, "the kernel");
	else
		snprintf(buf, len, "an unknown waker");
}

static void deadlock_words(const struct timeline *tl, size_t i, char *buf, size_t len);

/* The columns a UTF-8 string takes (every character is one column wide). */
static size_t utf8_columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Deadlock i as a banner of at most width columns: in words when that
 * fits, else as a chain of names and objects, else of lane letters
 * ("DEADLOCK: C -fork_2-> D -fork_3-> ... C"). */
static void deadlock_banner(const struct timeline *tl, size_t i, int width, bool ascii, char *buf, size_t len)
{
	const struct waits_deadlock *d = timeline_deadlock(tl, i);
	const char *arrow_l = ascii ? " -" : " \u2500", *arrow_r = ascii ? "-> " : "\u2192 ";
	int form;

	deadlock_words(tl, i, buf, len);
	if (!d || (int)utf8_columns(buf) <= width)
		return;
	for (form = 0; form < 2; form++) {
		size_t n = (size_t)snprintf(buf, len, "DEADLOCK:");
		unsigned k;

		for (k = 0; k < d->n && n < len; k++) {
			long ti = timeline_thread_index(tl, d->link[k].tid);
			const struct tl_thread *t = ti >= 0 ? timeline_thread(tl, (size_t)ti) : NULL;
			char obj[EVENT_TEXT_MAX + 32];

			timeline_object_label(tl, d->link[k].object, obj, sizeof(obj));
			if (form == 0)
				n += (size_t)snprintf(buf + n, len - n, " %s%s%s%s", t ? t->name : "?", arrow_l, obj, arrow_r);
			else
				n += (size_t)snprintf(buf + n, len - n, " %c%s%s%s", t ? t->letter : '?', arrow_l, obj, arrow_r);
		}
		if (n < len && d->n) {
			long ti = timeline_thread_index(tl, d->link[0].tid);
			const struct tl_thread *t = ti >= 0 ? timeline_thread(tl, (size_t)ti) : NULL;

			if (form == 0)
				snprintf(buf + n - 1, len - n + 1, " %s", t ? t->name : "?");
			else
				snprintf(buf + n - 1, len - n + 1, " %c", t ? t->letter : '?');
		}
		if ((int)utf8_columns(buf) <= width)
			return;
	}
}

/* A blocking in words: what the thread tries, on which object, held by
 * whom ("B tries mutex count_lock, held by A: B sleeps"). */
static uint8_t block_words(const struct timeline *tl, const struct tl_log_entry *e, const char *subj,
			   const char *other, char *buf, size_t len)
{
	struct tl_at at;

	timeline_thread_at(tl, e->thread, e->ts, &at);
	switch (at.state) {
	case TL_BLOCKED_MUTEX:
		if (e->other >= 0)
			snprintf(buf, len, "%s tries mutex %s, held by %s: %c sleeps", subj, e->text, other, subj[0]);
		else
			snprintf(buf, len, "%s sleeps on mutex %s", subj, e->text);
		break;
	case TL_BLOCKED_RWLOCK:
		snprintf(buf, len, "%s waits for rwlock %s", subj, e->text);
		break;
	case TL_BLOCKED_COND:
		snprintf(buf, len, "%s waits on %s %s", subj, strcmp(e->text, "GIL") ? "cond" : "the", e->text);
		break;
	case TL_BLOCKED_BARRIER:
		snprintf(buf, len, "%s waits at barrier %s", subj, e->text);
		break;
	case TL_BLOCKED_SEM:
		snprintf(buf, len, "%s waits on semaphore %s", subj, e->text);
		break;
	case TL_BLOCKED_JOIN:
		snprintf(buf, len, "%s waits to join %s", subj, e->other >= 0 ? other : "a thread");
		break;
	default:
		snprintf(buf, len, "%s blocks on %s", subj, e->text);
		break;
	}
	return ROLE_LOG;
}

/* Deadlock i in words: who waits for what, held by whom, round the cycle. */
static void deadlock_words(const struct timeline *tl, size_t i, char *buf, size_t len)
{
	const struct waits_deadlock *d = timeline_deadlock(tl, i);
	size_t n = 0;
	unsigned k;

	if (!d) {
		snprintf(buf, len, "DEADLOCK");
		return;
	}
	n = (size_t)snprintf(buf, len, "DEADLOCK:");
	for (k = 0; k < d->n && n < len; k++) {
		char a[EVENT_TEXT_MAX + 8], b[EVENT_TEXT_MAX + 8], obj[EVENT_TEXT_MAX + 32];

		who(tl, timeline_thread_index(tl, d->link[k].tid), a, sizeof(a));
		who(tl, timeline_thread_index(tl, d->link[k].holder), b, sizeof(b));
		timeline_object_label(tl, d->link[k].object, obj, sizeof(obj));
		n += (size_t)snprintf(buf + n, len - n, "%s %s waits for %s held by %s", k ? ";" : "", a + 2, obj, b + 2);
	}
}

/* Writes one log entry in words into buf (without its time); returns the
 * role to draw it in. */
static uint8_t log_words(const struct ctx *c, const struct tl_log_entry *e, char *buf, size_t len)
{
	char subj[EVENT_TEXT_MAX + 8], other[EVENT_TEXT_MAX + 8], d[32];

	who(c->tl, (int64_t)e->thread, subj, sizeof(subj));
	who(c->tl, e->other, other, sizeof(other));
	switch (e->kind) {
	case TL_LOG_WAKEUP:
		if (e->cpu < 0) {
			snprintf(buf, len, "%s woken by %s, has not run yet", subj, other);
		} else if (e->latency_ns == 0) {
			snprintf(buf, len, "%s woken by %s, ran at once on CPU%d", subj, other, e->cpu);
		} else {
			fmt_time_short(d, sizeof(d), e->latency_ns, c->th->ascii);
			snprintf(buf, len, "%s woken by %s, ran %s later on CPU%d", subj, other, d, e->cpu);
		}
		return ROLE_LOG;
	case TL_LOG_NEW:
		if (e->other >= 0)
			snprintf(buf, len, "%s created by %s", subj, other);
		else
			snprintf(buf, len, "%s appeared", subj);
		return ROLE_LOG;
	case TL_LOG_EXIT:
		snprintf(buf, len, "%s exited", subj);
		return ROLE_LOG;
	case TL_LOG_RENAME:
		snprintf(buf, len, "%c took the name %s", subj[0], e->text);
		return ROLE_LOG;
	case TL_LOG_MARK:
		snprintf(buf, len, "%s: %s %" PRId64, subj, e->text, e->value);
		return ROLE_MARK;
	case TL_LOG_LOST:
		snprintf(buf, len, "lost %" PRId64 " events on CPU%d: the lanes around here are incomplete", e->value,
			 e->cpu);
		return ROLE_WARNING;
	case TL_LOG_BLOCK:
		return block_words(c->tl, e, subj, other, buf, len);
	case TL_LOG_DEADLOCK:
		deadlock_words(c->tl, (size_t)e->value, buf, len);
		return ROLE_WARNING;
	case TL_LOG_NOTE:
		snprintf(buf, len, "note: %s", e->note);
		return ROLE_MARK;
	default:
		snprintf(buf, len, "%s: event %u", subj, e->kind);
		return ROLE_LOG;
	}
}

/* One log entry in words (see render.h). */
uint8_t render_log_words(const struct timeline *tl, const struct tl_log_entry *e, bool ascii, char *buf, size_t len)
{
	struct ctx c = { .tl = tl, .th = theme_get(THEME_MONO, ascii) };

	return log_words(&c, e, buf, len);
}

/* Draws the event log (the newest entries in [lo, hi)) on rows [y, y + rows). */
static void draw_log(struct ctx *c, int y, int rows, uint64_t lo, uint64_t hi)
{
	struct tl_log_entry ent[LOG_MAX];
	size_t n, i;
	int dec = sec_decimals(c->npc, 6);

	if (rows > LOG_MAX)
		rows = LOG_MAX;
	if (rows <= 0 || hi <= lo)
		return;
	n = timeline_log(c->tl, lo, hi, ent, (size_t)rows);
	if (n > (size_t)rows)
		n = (size_t)rows;
	for (i = 0; i < n; i++) {
		char t[32], words[LINE_MAX_BYTES];
		uint8_t role = log_words(c, &ent[i], words, sizeof(words));
		int x;

		fmt_seconds(t, sizeof(t), ent[i].ts, dec);
		x = put_text(c, 0, y + (int)i, t, ROLE_LABEL, 0, -1);
		put_text(c, x + 1, y + (int)i, words, role, role == ROLE_WARNING ? GRID_BOLD : 0, -1);
	}
}

/* Draws the traced program's last output lines on rows [y, y + rows). */
static void draw_output(struct ctx *c, const struct view *v, int y, int rows)
{
	size_t first, i;

	if (v->output_lines == 0) {
		put_text(c, 0, y, "(no output yet)", ROLE_LABEL, 0, -1);
		return;
	}
	first = v->output_lines > (size_t)rows ? v->output_lines - (size_t)rows : 0;
	for (i = first; i < v->output_lines; i++)
		put_text(c, 0, y + (int)(i - first), v->output[i] ? v->output[i] : "", ROLE_LOG, 0, -1);
}

/* Draws the key line on row y: the keys that fit, the most needed first. */
static void draw_keys(struct ctx *c, const struct view *v, int y)
{
	static const struct {
		const char *text;
		int rank;
		bool replay_only;
	} keys[] = {
		{ "[space] ", 1, false }, { "[\xe2\x86\x90\xe2\x86\x92] scroll", 2, false }, { "[+-] zoom", 2, false },
		{ "[<>] speed", 5, true }, { "[s/S] step", 4, false }, { "[g] go to", 7, false },
		{ "[/] filter", 6, false }, { "[i] inspect", 3, false }, { "[?] help", 0, false }, { "[q] quit", 0, false },
	};
	struct piece p[12];
	int i, n = 0;

	memset(p, 0, sizeof(p));
	for (i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++) {
		if (keys[i].replay_only && v->mode != VIEW_REPLAY)
			continue;
		if (i == 0)
			snprintf(p[n].text, sizeof(p[n].text), "[space] %s",
				 v->mode == VIEW_REPLAY ? (v->playing ? "pause" : "play")
				 : v->mode == VIEW_LIVE ? "pause" : "follow");
		else if (i == 1 && c->th->ascii)
			snprintf(p[n].text, sizeof(p[n].text), "[<- ->] scroll");
		else
			snprintf(p[n].text, sizeof(p[n].text), "%s", keys[i].text);
		p[n].role = ROLE_KEYS;
		p[n++].rank = keys[i].rank;
	}
	draw_pieces(c, 0, y, grid_width(c->g), p, n, 0);
}

/* Draws a box with a title over rows [y, y + h) and columns [x, x + w),
 * blanking what it covers. */
static void draw_box(struct ctx *c, int x, int y, int w, int h, const char *title)
{
	int i;

	for (i = 0; i < h; i++)
		fill(c->g, x, x + w, y + i, ' ', ROLE_DEFAULT, 0);
	fill(c->g, x + 1, x + w - 1, y, c->th->hline, ROLE_FRAME, 0);
	fill(c->g, x + 1, x + w - 1, y + h - 1, c->th->hline, ROLE_FRAME, 0);
	for (i = 1; i < h - 1; i++) {
		grid_put(c->g, x, y + i, c->th->vline, ROLE_FRAME, 0);
		grid_put(c->g, x + w - 1, y + i, c->th->vline, ROLE_FRAME, 0);
	}
	grid_put(c->g, x, y, c->th->corner[0], ROLE_FRAME, 0);
	grid_put(c->g, x + w - 1, y, c->th->corner[1], ROLE_FRAME, 0);
	grid_put(c->g, x, y + h - 1, c->th->corner[2], ROLE_FRAME, 0);
	grid_put(c->g, x + w - 1, y + h - 1, c->th->corner[3], ROLE_FRAME, 0);
	if (title) {
		grid_put(c->g, x + 2, y, ' ', ROLE_FRAME, 0);
		i = put_text(c, x + 3, y, title, ROLE_TITLE, GRID_BOLD, w - 6);
		grid_put(c->g, x + 3 + i, y, ' ', ROLE_FRAME, 0);
	}
}

/* Draws the help overlay: every key. */
static void draw_help(struct ctx *c)
{
	static const char *const keys[][2] = {
		{ "space", "play / pause (live: pause / follow the present)" },
		{ "\xe2\x86\x90 \xe2\x86\x92", "scroll back / forward (shift: one column)" },
		{ "PgUp PgDn", "scroll a whole screen back / forward" },
		{ "Home End", "go to the start / the end (live: follow)" },
		{ "+ -", "zoom in / out around the cursor" },
		{ "wheel", "zoom in / out around the pointer" },
		{ "< >", "replay slower / faster (0.01x to 100x)" },
		{ "s S", "step to the next / previous scheduling event" },
		{ "n N", "step to the next / previous event of the log" },
		{ "g", "go to a time (1.5s, 250ms, 40us)" },
		{ "/", "filter thread lanes by name" },
		{ "Tab \xe2\x86\x93", "focus the next / previous lane (shift-Tab \xe2\x86\x91)" },
		{ "click", "place the cursor (on a lane: focus it)" },
		{ "Enter i", "inspect the threads at the cursor" },
		{ "o", "live: program output / event log" },
		{ "? F1 Esc", "this help; Esc closes it, inspect, the filter" },
		{ "c p", "classroom view; p: predict, then reveal (space)" },
		{ "q Ctrl-C", "quit (Ctrl-L repaints the screen)" },
	};

	int n = (int)(sizeof(keys) / sizeof(keys[0]));
	int gw = grid_width(c->g), gh = grid_height(c->g);
	int w = gw - 4 < 62 ? gw - 4 : 62, h = n + 4 < gh - 2 ? n + 4 : gh - 2;
	int x = (gw - w) / 2, y = (gh - h) / 2, i;

	draw_box(c, x, y, w, h, "keys");
	for (i = 0; i < n && i < h - 4; i++) {
		const char *k = keys[i][0];

		if (c->th->ascii && i == 1)
			k = "<- ->";
		else if (c->th->ascii && i == 11)
			k = "Tab Down";
		put_text(c, x + 2, y + 2 + i, k, ROLE_TITLE, GRID_BOLD, 10);
		put_text(c, x + 13, y + 2 + i, keys[i][1], ROLE_LOG, 0, w - 15);
	}
	put_text(c, x + 2, y + h - 1, " ? closes this ", ROLE_LABEL, 0, w - 4);
}

/* State names for the inspect panel. */
static const char *state_word(unsigned st)
{
	static const char *const words[TL_STATE_MAX] = {
		[TL_NOT_ALIVE] = "not alive",
		[TL_RUNNING] = "running",
		[TL_SPINNING] = "spinning",
		[TL_RUNNABLE] = "runnable",
		[TL_BLOCKED_MUTEX] = "blocked on a mutex",
		[TL_BLOCKED_RWLOCK] = "blocked on an rwlock",
		[TL_BLOCKED_COND] = "blocked on a cond var",
		[TL_BLOCKED_BARRIER] = "blocked at a barrier",
		[TL_BLOCKED_SEM] = "blocked on a semaphore",
		[TL_BLOCKED_JOIN] = "blocked in join",
		[TL_BLOCKED_FUTEX] = "blocked on a futex",
		[TL_SLEEPING] = "sleeping",
		[TL_IO] = "waiting for I/O",
		[TL_UNINTERRUPTIBLE] = "uninterruptible",
		[TL_BLOCKED_UNKNOWN] = "blocked",
	};

	return st < TL_STATE_MAX && words[st] ? words[st] : "?";
}

/* Draws the inspect panel in the log's place, rows [y, y + rows): at the
 * cursor (or the window's end), each shown thread's state, CPU, since when
 * and who woke it. */
static void draw_inspect(struct ctx *c, uint64_t at, const size_t *vis, size_t nshown, int y, int rows)
{
	int dec = sec_decimals(c->npc, 6), i;

	for (i = 0; i < rows && (size_t)i < nshown; i++) {
		const struct tl_thread *th = timeline_thread(c->tl, vis[i]);
		struct tl_at a;
		char line[LINE_MAX_BYTES], since[32], wk[EVENT_TEXT_MAX + 8], dur[32], where[16] = "";
		int n;

		if (!th)
			continue;
		timeline_thread_at(c->tl, vis[i], at, &a);
		grid_put(c->g, 0, y + i, (uint32_t)(unsigned char)(th->letter ? th->letter : '?'), ROLE_LABEL, GRID_BOLD);
		put_text(c, 2, y + i, th->name[0] ? th->name : "?", ROLE_LABEL, 0, SCREEN_NAME_W);
		if (a.state == TL_RUNNING || a.state == TL_SPINNING)
			snprintf(where, sizeof(where), " on CPU%d", a.cpu);
		fmt_seconds(since, sizeof(since), a.since, dec);
		fmt_time_short(dur, sizeof(dur), at >= a.since ? at - a.since : 0, c->th->ascii);
		n = snprintf(line, sizeof(line), "%s%s", state_word(a.state), where);
		if (a.object >= 0 && a.state != TL_NOT_ALIVE) {
			char obj[EVENT_TEXT_MAX + 32];

			timeline_object_label(c->tl, a.object, obj, sizeof(obj));
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", obj);
		}
		if (a.holder >= 0 && a.state != TL_NOT_ALIVE) {
			who(c->tl, a.holder, wk, sizeof(wk));
			n += snprintf(line + n, sizeof(line) - (size_t)n, " (%s %s)",
				      a.state == TL_BLOCKED_JOIN ? "joining" : "held by", wk);
		}
		if (a.state != TL_NOT_ALIVE)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " since %s (%s)", since, dur);
		if (a.woken_by != -1 && a.state != TL_NOT_ALIVE) {
			int room = grid_width(c->g) - (3 + SCREEN_NAME_W);

			who(c->tl, a.woken_by, wk, sizeof(wk));
			fmt_seconds(since, sizeof(since), a.woken_at, dec);
			/* the wakeup's time only when the line has room for it */
			if (text_cols(line) + (int)strlen(wk) + (int)strlen(since) + 15 <= room)
				snprintf(line + n, sizeof(line) - (size_t)n, ", woken by %s at %s", wk, since);
			else
				snprintf(line + n, sizeof(line) - (size_t)n, ", woken by %s", wk);
		}
		put_text(c, 3 + SCREEN_NAME_W, y + i, line, ROLE_LOG, 0, -1);
	}
}

/* ---- the classroom view ---- */

#define CLASS_LANE_X 15      /* letter, space, 12 name columns, space, rule */
#define CLASS_NAME_W 12
#define CLASS_LEGEND_ROWS 2
#define CLASS_TOP_ROWS 4     /* narration, header, axis (2) */
#define CLASS_BOTTOM_ROWS 3  /* message, keys (2) */

/* Writes text in at most max columns without cutting a word: when it does
 * not fit, it ends at the last space that fits, followed by an ellipsis.
 * Returns the columns written. */
static int put_words(struct ctx *c, int x, int y, const char *s, uint8_t role, uint8_t attr, int max)
{
	char buf[LINE_MAX_BYTES];
	const char *ell = c->th->ascii ? "..." : "\xe2\x80\xa6";
	int cols = 0, room = max - (c->th->ascii ? 3 : 1), n;
	size_t i, cut = 0;

	if (max <= 0)
		return 0;
	if (text_cols(s) <= max)
		return put_text(c, x, y, s, role, attr, max);
	/* the byte offset of the last space within room columns */
	for (i = 0; s[i] && cols <= room; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (s[i] == ' ' && cols <= room)
			cut = i;
		cols++;
	}
	while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ':'))
		cut--;
	if (cut == 0)
		return 0; /* one word longer than the line: nothing rather than half a word */
	snprintf(buf, sizeof(buf), "%.*s%s", (int)cut, s, ell);
	n = put_text(c, x, y, buf, role, attr, max);
	return n;
}

/* Rows of CPU lanes, CPUs per row and thread lanes per page of the
 * classroom view on a screen h rows high. */
static void class_layout(const struct timeline *tl, int h, int *cpu_rows, int *per, int *lanes)
{
	unsigned ncpus = timeline_ncpus(tl);
	int rows;

	*cpu_rows = ncpus >= 2 ? 2 : 1;
	*per = ncpus > 2 ? (int)((ncpus + 1) / 2) : 1;
	rows = h - CLASS_TOP_ROWS - *cpu_rows - 1 - CLASS_LEGEND_ROWS - CLASS_BOTTOM_ROWS;
	*lanes = rows / 2 > 1 ? rows / 2 : 1;
}

/* Thread lanes per page of the classroom view. */
int render_classroom_lanes(const struct timeline *tl, int height)
{
	int cpu_rows, per, lanes;

	if (!tl || height < RENDER_MIN_HEIGHT)
		return 0;
	class_layout(tl, height, &cpu_rows, &per, &lanes);
	return lanes;
}

/* The first lane column of a view. */
int render_view_lane_x(const struct view *v)
{
	return v && v->classroom ? CLASS_LANE_X : RENDER_LANE_X;
}

/* Lane columns of a view on a screen this wide. */
int render_view_lane_columns(const struct view *v, int screen_width)
{
	int n;

	if (!v || !v->classroom)
		return render_lane_columns(screen_width);
	n = screen_width - CLASS_LANE_X - 1;
	return n < 1 ? 1 : n;
}

/* Draws the narration on row y: the predict question when one is asked,
 * else the newest event-log entry at or before now, in words, bold. */
static void draw_narration(struct ctx *c, const struct view *v, uint64_t now, int y)
{
	int w = grid_width(c->g);
	struct tl_log_entry e;
	char words[LINE_MAX_BYTES], line[LINE_MAX_BYTES + 40], t[32];
	uint8_t role;

	if (v->question && *v->question) {
		snprintf(line, sizeof(line), " %s ", v->question);
		put_words(c, 0, y, line, ROLE_MODE, GRID_BOLD, w);
		return;
	}
	if (timeline_log(c->tl, 0, sat_add(now, 1), &e, 1) != 1) {
		put_text(c, 0, y, "(no events yet)", ROLE_LABEL, GRID_BOLD, w);
		return;
	}
	role = log_words(c, &e, words, sizeof(words));
	fmt_seconds(t, sizeof(t), e.ts, sec_decimals(c->npc, 3));
	snprintf(line, sizeof(line), "%s s  %s", t, words);
	/* the time goes first when the words do not fit with it */
	if (text_cols(line) > w)
		snprintf(line, sizeof(line), "%s", words);
	put_words(c, 0, y, line, role == ROLE_LOG ? ROLE_TITLE : role, GRID_BOLD, w);
}

/* Draws the classroom header on row y: the scale always, in words. */
static void draw_class_header(struct ctx *c, const struct view *v, uint64_t now, int y)
{
	static const char *const modes[] = { "LIVE", "PAUSED", "REPLAY" };
	const char *target = v->target && *v->target ? v->target : "?";
	uint64_t lost = timeline_lost(c->tl);
	struct piece p[8];
	char t[48];
	int n = 0;

	memset(p, 0, sizeof(p));
	if (strrchr(target, '/') && strrchr(target, '/')[1])
		target = strrchr(target, '/') + 1;
	snprintf(p[n].text, sizeof(p[n].text), " %s ", modes[v->mode <= VIEW_REPLAY ? v->mode : 0]);
	p[n].role = ROLE_MODE;
	p[n++].attr = GRID_BOLD;
	snprintf(p[n].text, sizeof(p[n].text), "%.24s", target);
	p[n].role = ROLE_TITLE;
	p[n++].rank = 4;
	fmt_seconds(t, sizeof(t), now, sec_decimals(c->npc, 2));
	snprintf(p[n].text, sizeof(p[n].text), "t %s s", t);
	p[n].role = ROLE_TITLE;
	p[n].attr = GRID_BOLD;
	p[n++].rank = 1;
	fmt_time_short(t, sizeof(t), c->npc, c->th->ascii);
	snprintf(p[n].text, sizeof(p[n].text), "1 column = %s", t);
	p[n].role = ROLE_TITLE;
	p[n++].attr = GRID_BOLD;
	if (v->mode == VIEW_REPLAY) {
		snprintf(p[n].text, sizeof(p[n].text), "%gx %s", v->speed > 0 ? v->speed : 1.0,
			 v->playing ? "playing" : "stopped");
		p[n].role = ROLE_TITLE;
		p[n++].rank = 3;
	}
	if (v->predict) {
		snprintf(p[n].text, sizeof(p[n].text), "predict");
		p[n].role = ROLE_TITLE;
		p[n].attr = GRID_BOLD;
		p[n++].rank = 2;
	}
	if (lost) {
		snprintf(p[n].text, sizeof(p[n].text), "lost %" PRIu64, lost);
		p[n].role = ROLE_WARNING;
		p[n].attr = GRID_BOLD;
		p[n++].rank = 1;
	}
	draw_pieces(c, 0, y, grid_width(c->g), p, n, c->th->dot);
}

/* Draws thread i as a two-row lane from row y: the letter and name on the
 * first row, the tid on the second, the cells on both (underlined on the
 * second when the theme rules lanes). */
static void draw_class_lane(struct ctx *c, int y, size_t i, bool focus)
{
	const struct tl_thread *t = timeline_thread(c->tl, i);
	uint8_t rule = c->th->lane_rules ? GRID_UNDERLINE : 0;
	char buf[32];
	int col;

	if (!t)
		return;
	grid_put(c->g, 0, y, (uint32_t)(unsigned char)(t->letter ? t->letter : '?'), ROLE_LABEL, GRID_BOLD);
	put_text(c, 2, y, t->name[0] ? t->name : "?", focus ? ROLE_FOCUS : ROLE_LABEL, GRID_BOLD, CLASS_NAME_W);
	fill(c->g, 0, c->x_lane - 1, y + 1, ' ', ROLE_LABEL, rule);
	snprintf(buf, sizeof(buf), "tid %d", (int)t->tid);
	put_text(c, 2, y + 1, buf, ROLE_LABEL, rule, CLASS_NAME_W);
	lane_frame(c, y);
	lane_frame(c, y + 1);
	for (col = 0; col < c->ncols; col++) {
		struct tl_cell cell;
		uint64_t a, b;
		uint32_t ch = ' ';
		uint8_t role = ROLE_DEFAULT;

		if (col_span(c, col, &a, &b)) {
			timeline_thread_cell(c->tl, i, a, b, &cell);
			thread_glyph(c, &cell, &ch, &role);
		}
		grid_put(c->g, c->x_lane + col, y, ch, role, col_attr(c, col));
		grid_put(c->g, c->x_lane + col, y + 1, ch, role, col_attr(c, col) | rule);
	}
}

/* Draws the classroom key help on the bottom two rows. */
static void draw_class_keys(struct ctx *c, const struct view *v, int y)
{
	struct piece p[12];
	int n = 0, w = grid_width(c->g);

	memset(p, 0, sizeof(p));
	snprintf(p[n++].text, sizeof(p[0].text), "[space] %s",
		 v->question ? "reveal" : v->mode == VIEW_REPLAY ? (v->playing ? "pause" : "play")
		 : v->mode == VIEW_LIVE ? "pause" : "follow");
	snprintf(p[n].text, sizeof(p[0].text), "[n/N] next/prev event");
	p[n++].rank = 1;
	snprintf(p[n].text, sizeof(p[0].text), "[s/S] switch");
	p[n++].rank = 2;
	snprintf(p[n].text, sizeof(p[0].text), "[p] predict %s", v->predict ? "off" : "on");
	p[n++].rank = 3;
	for (int i = 0; i < n; i++)
		p[i].role = ROLE_KEYS;
	draw_pieces(c, 0, y, w, p, n, 0);
	n = 0;
	memset(p, 0, sizeof(p));
	snprintf(p[n].text, sizeof(p[0].text), "%s page", c->th->ascii ? "[<- ->]" : "[\xe2\x86\x90\xe2\x86\x92]");
	p[n++].rank = 1;
	snprintf(p[n].text, sizeof(p[0].text), "[+-] zoom");
	p[n++].rank = 3;
	snprintf(p[n].text, sizeof(p[0].text), "[Tab] lanes");
	p[n++].rank = 2;
	snprintf(p[n].text, sizeof(p[0].text), "[c] classroom off");
	p[n++].rank = 4;
	snprintf(p[n++].text, sizeof(p[0].text), "[?] help");
	snprintf(p[n++].text, sizeof(p[0].text), "[q] quit");
	for (int i = 0; i < n; i++)
		p[i].role = ROLE_KEYS;
	draw_pieces(c, 0, y + 1, w, p, n, 0);
}

/* Draws older log entries (before the narration's) on rows [y, y + rows),
 * the newest last, each cut at a word. */
static void draw_class_log(struct ctx *c, uint64_t now, int y, int rows)
{
	struct tl_log_entry ent[LOG_MAX + 1];
	size_t n, i;
	int w = grid_width(c->g);

	if (rows <= 0)
		return;
	if (rows > LOG_MAX)
		rows = LOG_MAX;
	n = timeline_log(c->tl, 0, sat_add(now, 1), ent, (size_t)rows + 1);
	if (n == 0)
		return;
	n--; /* the newest is the narration */
	for (i = 0; i < n; i++) {
		char t[32], words[LINE_MAX_BYTES];
		uint8_t role = log_words(c, &ent[i], words, sizeof(words));
		int x;

		fmt_seconds(t, sizeof(t), ent[i].ts, sec_decimals(c->npc, 3));
		x = put_text(c, 0, y + (int)(rows - (int)n) + (int)i, t, ROLE_LABEL, 0, -1);
		put_words(c, x + 2, y + (int)(rows - (int)n) + (int)i, words, role, 0, w - x - 2);
	}
}

/* Draws the classroom screen (render_screen with v->classroom). */
static int classroom_screen(struct ctx *c, const struct view *v)
{
	int W = grid_width(c->g), H = grid_height(c->g), cpu_rows, per, lanes, y, i, area, yb;
	unsigned ncpus = timeline_ncpus(c->tl), k;
	size_t nthreads = timeline_thread_count(c->tl), nvis, first, shown, *vis = NULL;
	uint64_t now, span;
	char buf[96];

	c->classroom = true;
	c->end = timeline_end(c->tl);
	c->t0 = v->t0;
	c->npc = v->ns_per_col ? v->ns_per_col : 1;
	c->name_w = CLASS_NAME_W;
	c->tid_w = 0;
	c->x_lane = CLASS_LANE_X;
	c->ncols = render_view_lane_columns(v, W);
	c->x_stats = -1;
	span = sat_mul((uint64_t)c->ncols, c->npc);
	c->w1 = sat_add(c->t0, span) < c->end ? sat_add(c->t0, span) : c->end;
	c->cursor_col = -1;
	if (v->cursor != UINT64_MAX && v->cursor >= c->t0 && (v->cursor - c->t0) / c->npc < (uint64_t)c->ncols)
		c->cursor_col = (int)((v->cursor - c->t0) / c->npc);
	now = v->cursor != UINT64_MAX ? v->cursor : c->w1;
	if (nthreads) {
		vis = malloc(nthreads * sizeof(*vis));
		if (!vis)
			return -ENOMEM;
	}
	nvis = render_visible_threads(c->tl, v->filter, vis, nthreads);
	if (nvis > nthreads)
		nvis = nthreads;
	class_layout(c->tl, H, &cpu_rows, &per, &lanes);
	/* whole pages: the page that holds first_lane */
	first = v->first_lane / (size_t)lanes * (size_t)lanes;
	if (nvis == 0)
		first = 0;
	else if (first >= nvis)
		first = (nvis - 1) / (size_t)lanes * (size_t)lanes;
	shown = nvis - first < (size_t)lanes ? nvis - first : (size_t)lanes;
	area = nvis < (size_t)lanes ? (nvis ? (int)nvis : 1) : lanes;

	draw_narration(c, v, now, 0);
	draw_class_header(c, v, now, 1);
	draw_axis(c, 2);
	y = CLASS_TOP_ROWS;
	for (k = 0; k < ncpus && y < CLASS_TOP_ROWS + cpu_rows; k += (unsigned)per) {
		if (per == 1)
			draw_cpu_row(c, y++, k);
		else
			draw_cpu_group_row(c, y++, k, ncpus - k < (unsigned)per ? ncpus - k : (unsigned)per);
	}
	y = CLASS_TOP_ROWS + cpu_rows;
	for (i = 0; (size_t)i < shown; i++)
		draw_class_lane(c, y + 2 * i, vis[first + (size_t)i], first + (size_t)i == v->focus);
	if (nvis == 0) {
		lane_frame(c, y);
		put_text(c, c->x_lane + 1, y, v->filter && *v->filter ? "no thread matches the filter" : "no threads yet",
			 ROLE_LABEL, 0, c->ncols - 1);
	}
	yb = y + 2 * area;
	draw_bottom(c, yb);
	if (nvis > (size_t)lanes) {
		snprintf(buf, sizeof(buf), "+%zu more", nvis - shown);
		put_text(c, 0, yb, buf, ROLE_WARNING, GRID_BOLD, c->x_lane - 2);
		snprintf(buf, sizeof(buf), " lanes %zu-%zu of %zu, Tab pages ", first + 1, first + shown, nvis);
		put_text(c, c->x_lane + 2, yb, buf, ROLE_LABEL, GRID_BOLD, c->ncols - 4);
	} else if (v->filter && *v->filter) {
		snprintf(buf, sizeof(buf), " filter: %.64s ", v->filter);
		put_text(c, c->x_lane + 2, yb, buf, ROLE_LABEL, GRID_BOLD, c->ncols - 4);
	}
	y = yb + 1;
	y += draw_legend(c, y, CLASS_LEGEND_ROWS);
	draw_class_log(c, now, y, H - CLASS_BOTTOM_ROWS - y);
	if (v->message && *v->message)
		put_words(c, 0, H - CLASS_BOTTOM_ROWS, v->message, ROLE_WARNING, GRID_BOLD, W);
	draw_class_keys(c, v, H - 2);
	if (v->help)
		draw_help(c);
	free(vis);
	return 0;
}

/* The rows of a screen of height H showing nvis thread lanes: header, axis
 * (2), CPU lanes (per CPUs a row), thread lanes, bottom rule, log (or
 * output, or inspect), keys. */
static void layout(const struct timeline *tl, const struct view *v, int H, size_t nvis, int *cpu_rows, int *per,
		   int *thread_rows, int *log_rows)
{
	int avail = H - 5, base_log = avail / 4 < 3 ? 3 : avail / 4 > 10 ? 10 : avail / 4;
	unsigned ncpus = timeline_ncpus(tl);

	*cpu_rows = (avail - base_log) / 3 > 1 ? (avail - base_log) / 3 : 1;
	if (ncpus <= (unsigned)*cpu_rows) {
		*per = 1;
		*cpu_rows = (int)ncpus;
	} else {
		*per = (int)((ncpus + (unsigned)*cpu_rows - 1) / (unsigned)*cpu_rows);
		*cpu_rows = (int)((ncpus + (unsigned)*per - 1) / (unsigned)*per);
	}
	*thread_rows = avail - *cpu_rows - base_log;
	if ((size_t)*thread_rows > nvis)
		*thread_rows = nvis ? (int)nvis : 1;
	if (v->inspect && avail - *cpu_rows - *thread_rows < *thread_rows) {
		/* room for one inspect line per lane shown, down to half the rows */
		int half = (avail - *cpu_rows) / 2;

		*thread_rows = *thread_rows < half ? *thread_rows : half > 1 ? half : 1;
	}
	*log_rows = avail - *cpu_rows - *thread_rows;
}

/* Rows of thread lanes on a screen, and the screen row of the first. */
int render_thread_rows(const struct timeline *tl, const struct view *v, int width, int height, int *first_row)
{
	int cpu_rows, per, thread_rows, log_rows;

	if (!tl || !v || width < RENDER_MIN_WIDTH || height < RENDER_MIN_HEIGHT)
		return 0;
	if (v->classroom) {
		size_t nvis = render_visible_threads(tl, v->filter, NULL, 0);

		class_layout(tl, height, &cpu_rows, &per, &thread_rows);
		if (first_row)
			*first_row = CLASS_TOP_ROWS + cpu_rows;
		return nvis < (size_t)thread_rows ? (nvis ? (int)nvis : 1) : thread_rows;
	}
	layout(tl, v, height, render_visible_threads(tl, v->filter, NULL, 0), &cpu_rows, &per, &thread_rows,
	       &log_rows);
	if (first_row)
		*first_row = 3 + cpu_rows;
	return thread_rows;
}

/* Draws the whole screen. */
int render_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th)
{
	struct ctx c = { .g = g, .tl = tl, .th = th };
	int W, H, log_rows, cpu_rows, per, thread_rows, y, i;
	unsigned ncpus, k;
	size_t nvis, first, shown, *vis = NULL, nthreads;
	uint64_t now, span;
	char buf[128], t[32], banner[LINE_MAX_BYTES];

	if (!g)
		return -EINVAL;
	W = grid_width(g);
	H = grid_height(g);
	if (W < RENDER_MIN_WIDTH || H < RENDER_MIN_HEIGHT)
		return too_small(g);
	if (!tl || !v || !th)
		return -EINVAL;
	grid_clear(g);
	if (v->classroom)
		return classroom_screen(&c, v);
	c.end = timeline_end(tl);
	c.t0 = v->t0;
	c.npc = v->ns_per_col ? v->ns_per_col : 1;
	c.name_w = SCREEN_NAME_W;
	c.tid_w = SCREEN_TID_W;
	c.x_lane = RENDER_LANE_X;
	c.ncols = render_lane_columns(W);
	c.x_stats = c.x_lane + c.ncols + 1;
	span = sat_mul((uint64_t)c.ncols, c.npc);
	c.w1 = sat_add(c.t0, span) < c.end ? sat_add(c.t0, span) : c.end;
	c.cursor_col = -1;
	if (v->cursor != UINT64_MAX && v->cursor >= c.t0 && (v->cursor - c.t0) / c.npc < (uint64_t)c.ncols)
		c.cursor_col = (int)((v->cursor - c.t0) / c.npc);
	now = v->cursor != UINT64_MAX ? v->cursor : c.w1;

	nthreads = timeline_thread_count(tl);
	if (nthreads) {
		vis = malloc(nthreads * sizeof(*vis));
		if (!vis)
			return -ENOMEM;
	}
	nvis = render_visible_threads(tl, v->filter, vis, nthreads);
	if (nvis > nthreads)
		nvis = nthreads;

	layout(tl, v, H, nvis, &cpu_rows, &per, &thread_rows, &log_rows);
	ncpus = timeline_ncpus(tl);

	first = v->first_lane;
	if (nvis <= (size_t)thread_rows)
		first = 0;
	else if (first > nvis - (size_t)thread_rows)
		first = nvis - (size_t)thread_rows;
	shown = nvis - first < (size_t)thread_rows ? nvis - first : (size_t)thread_rows;

	draw_header(&c, v, now);
	draw_axis(&c, 1);
	y = 3;
	for (k = 0; k < ncpus; k += (unsigned)per) {
		if (per == 1)
			draw_cpu_row(&c, y++, k);
		else
			draw_cpu_group_row(&c, y++, k, ncpus - k < (unsigned)per ? ncpus - k : (unsigned)per);
	}
	for (i = 0; (size_t)i < shown; i++)
		draw_thread_row(&c, y + i, vis[first + (size_t)i], first + (size_t)i == v->focus);
	if (nvis == 0) {
		lane_frame(&c, y);
		put_text(&c, c.x_lane + 1, y, v->filter && *v->filter ? "no thread matches the filter" : "no threads yet",
			 ROLE_LABEL, 0, c.ncols - 1);
	}
	y += thread_rows;
	draw_bottom(&c, y);
	if (first > 0 || first + shown < nvis) {
		if (first > 0 && first + shown < nvis)
			snprintf(buf, sizeof(buf), "+%zu above, +%zu more", first, nvis - first - shown);
		else if (first > 0)
			snprintf(buf, sizeof(buf), "+%zu above", first);
		else
			snprintf(buf, sizeof(buf), "+%zu more", nvis - first - shown);
		put_text(&c, 0, y, buf, ROLE_WARNING, GRID_BOLD, c.x_lane - 2);
	}
	if (v->filter && *v->filter) {
		snprintf(buf, sizeof(buf), " filter: %.64s ", v->filter);
		put_text(&c, c.x_lane + 1, y, buf, ROLE_LABEL, GRID_BOLD, c.ncols - 2);
	}
	if (v->inspect) {
		fmt_seconds(t, sizeof(t), now, sec_decimals(c.npc, 6));
		snprintf(buf, sizeof(buf), "at %s s", t);
	} else {
		snprintf(buf, sizeof(buf), "%s", v->output ? "output" : "events");
	}
	put_text(&c, c.x_stats + 1, y, buf, ROLE_LABEL, GRID_BOLD, -1);
	y++;
	/* a deadlock formed by the time shown: a banner that names it */
	banner[0] = '\0';
	for (k = (unsigned)timeline_deadlock_count(tl); k > 0; k--) {
		if (timeline_deadlock(tl, k - 1)->at_ns <= now) {
			deadlock_banner(tl, k - 1, W, th->ascii, banner, sizeof(banner));
			break;
		}
	}
	if ((v->message && *v->message) || banner[0])
		log_rows--;
	if (v->inspect)
		draw_inspect(&c, now, vis + first, shown, y, log_rows);
	else if (v->output)
		draw_output(&c, v, y, log_rows);
	else
		draw_log(&c, y, log_rows, c.t0, v->cursor != UINT64_MAX ? sat_add(v->cursor, 1) : c.w1);
	y += log_rows;
	if (v->message && *v->message)
		put_text(&c, 0, y++, v->message, ROLE_WARNING, GRID_BOLD, -1);
	else if (banner[0])
		put_text(&c, 0, y++, banner, ROLE_WARNING, GRID_BOLD | GRID_REVERSE, -1);
	draw_keys(&c, v, H - 1);
	if (v->help)
		draw_help(&c);
	free(vis);
	return 0;
}
