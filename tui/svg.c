/* Handouts: the lanes of a window as SVG (see svg.h).
 *
 * The cells are chosen as `conctop lanes` chooses them: per column, the
 * timeline's thread or CPU cell, its glyph after DESIGN.md's table ('^'
 * for a wakeup within a running or runnable column, '+' for a mixed one).
 * Consecutive columns of one colour become one rectangle; the glyphs of a
 * run are a <g class="glyphs"> of one <text> per glyph (x lists of many
 * positions are not drawn alike by every viewer). */
#include "svg.h"
#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NS_S ((uint64_t)1000000000)
#define NS_MS ((uint64_t)1000000)
#define NS_US ((uint64_t)1000)

#define MARGIN 16.0
#define FONT 13.0          /* px */
#define CHAR_W 7.9         /* px per character of the monospace font */
#define ROW_H 20.0         /* a lane's height */
#define PITCH 24.0         /* lane to lane */
#define LANES_PX 1000.0    /* the width the lanes aim for */
#define NAME_MAX_COLS 24   /* name characters in a label */
#define STATS_W 150.0      /* the three percentage columns */
#define LABEL_MIN_PX 72.0  /* axis labels at least this far apart */

/* What a cell looks like: its class, fill and ink. */
enum look {
	LK_BLANK = 0, /* not alive, idle: nothing drawn */
	LK_RUNNING,
	LK_SPINNING,
	LK_RUNNABLE,
	LK_LOCK,
	LK_SIGNAL,
	LK_SLEEP,
	LK_UNKNOWN,   /* blocked, cause unknown; a CPU's unknown occupant */
	LK_OTHER,     /* another program on a CPU */
	LK_MAX
};

static const struct {
	const char *cls, *fill, *ink;
} looks[LK_MAX] = {
	[LK_BLANK] = { "blank", NULL, "#000000" },
	[LK_RUNNING] = { "running", SVG_RUNNING, "#000000" },
	[LK_SPINNING] = { "spinning", SVG_SPINNING, "#FFFFFF" },
	[LK_RUNNABLE] = { "runnable", SVG_RUNNABLE, "#000000" },
	[LK_LOCK] = { "blocked-lock", SVG_LOCK, "#000000" },
	[LK_SIGNAL] = { "blocked-signal", SVG_SIGNAL, "#000000" },
	[LK_SLEEP] = { "sleeping", SVG_SLEEP, "#000000" },
	[LK_UNKNOWN] = { "unknown", NULL, "#000000" },
	[LK_OTHER] = { "other", NULL, SVG_FRAME },
};



static const struct {
	const char *glyph;
	uint8_t look;
	const char *text;
} legend_items[LG_MAX] = {
	[LG_RUN] = { "0-9", LK_RUNNING, "running on that CPU" },
	[LG_RUN10] = { "#", LK_RUNNING, "running on CPU 10+" },
	[LG_SPIN] = { "*", LK_SPINNING, "spinning" },
	[LG_RUNNABLE] = { "-", LK_RUNNABLE, "runnable (waiting for a CPU)" },
	[LG_WOKEN] = { "^", LK_RUNNABLE, "woken" },
	[LG_MUTEX] = { "M", LK_LOCK, "mutex" },
	[LG_RWLOCK] = { "R", LK_LOCK, "rwlock" },
	[LG_COND] = { "C", LK_SIGNAL, "cond var" },
	[LG_BARRIER] = { "B", LK_SIGNAL, "barrier" },
	[LG_SEM] = { "S", LK_SIGNAL, "semaphore" },
	[LG_JOIN] = { "J", LK_SIGNAL, "join" },
	[LG_FUTEX] = { "F", LK_SIGNAL, "futex" },
	[LG_SLEEP] = { "z", LK_SLEEP, "sleeping" },
	[LG_IO] = { "I", LK_SLEEP, "I/O" },
	[LG_UNINT] = { "D", LK_SLEEP, "uninterruptible" },
	[LG_UNKNOWN] = { ".", LK_UNKNOWN, "blocked, cause unknown" },
	[LG_MIXED] = { "+", LK_BLANK, "mixed (no state took half)" },
	[LG_THREAD] = { "A-z", LK_RUNNING, "thread on the CPU" },
	[LG_OTHER] = { "~", LK_OTHER, "other program" },
	[LG_CPU_UNKNOWN] = { "?", LK_UNKNOWN, "unknown" },
};

/* One lane's columns. */
struct lane {
	char *glyph;
	uint8_t *look;
};

/* ---- text ---- */

/* Decodes one UTF-8 character XML accepts from s; returns its length, or 0
 * when s does not start with one. */
static int utf8_char(const unsigned char *s)
{
	uint32_t cp;
	int n, i;

	if (s[0] < 0x80)
		return s[0] >= 0x20 ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* Writes s as XML text or attribute content: & < > " ' escaped, bytes that
 * are not valid UTF-8 or not allowed in XML written as '?'; at most max
 * characters (-1 for all), then an ellipsis. */
static void xml_put(FILE *f, const char *str, int max)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	int cols = 0;

	while (*s) {
		int n = utf8_char(s);

		if (max >= 0 && cols >= max) {
			fputs("\u2026", f);
			return;
		}
		cols++;
		if (!n) {
			fputc('?', f);
			s++;
			continue;
		}
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fwrite(s, 1, (size_t)n, f); break;
		}
		s += n;
	}
}

/* Characters a string takes once written (invalid bytes count one each). */
static int text_chars(const char *str, int max)
{
	const unsigned char *s = (const unsigned char *)str;
	int cols = 0, n;

	for (; *s; s += n ? n : 1)
		n = utf8_char(s), cols++;
	return max >= 0 && cols > max ? max + 1 : cols;
}

/* ---- time ---- */

/* The smallest round length (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^n ns) of
 * at least v. */
static uint64_t scale_ceil(uint64_t v)
{
	static const unsigned steps[] = { 10, 15, 20, 25, 30, 40, 50, 60, 80 };
	uint64_t p;
	unsigned i;

	for (p = 1; p <= UINT64_MAX / 1000; p *= 10)
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			if ((steps[i] * p) % 10 == 0 && steps[i] * p / 10 >= v)
				return steps[i] * p / 10;
	return v;
}

/* The smallest 1-2-5 x 10^n of at least v. */
static uint64_t nice_ceil(uint64_t v)
{
	uint64_t p;

	for (p = 1; p <= UINT64_MAX / 100; p *= 10) {
		if (p >= v)
			return p;
		if (2 * p >= v)
			return 2 * p;
		if (5 * p >= v)
			return 5 * p;
	}
	return v;
}

/* Writes a time from the start of the trace: "0", "40ms", "1.25s", "500µs". */
static void fmt_time(char *buf, size_t len, uint64_t t)
{
	uint64_t unit = t >= NS_S ? NS_S : t >= NS_MS ? NS_MS : t >= NS_US ? NS_US : 1, q;
	const char *name = unit == NS_S ? "s" : unit == NS_MS ? "ms" : unit == NS_US ? "\u00b5s" : "ns";
	int dec = 0;

	if (t == 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (q = unit; dec < 3 && q >= 10 && t % q; q /= 10)
		dec++;
	snprintf(buf, len, "%.*f%s", dec, (double)t / (double)unit, name);
}

/* ---- cells ---- */

/* The look that draws a role's cells. */
static uint8_t look_of(uint8_t role)
{
	switch (role) {
	case ROLE_RUNNING: return LK_RUNNING;
	case ROLE_SPINNING: return LK_SPINNING;
	case ROLE_RUNNABLE: return LK_RUNNABLE;
	case ROLE_BLOCKED_LOCK: return LK_LOCK;
	case ROLE_BLOCKED_SIGNAL: return LK_SIGNAL;
	case ROLE_SLEEP: return LK_SLEEP;
	case ROLE_UNKNOWN: return LK_UNKNOWN;
	case ROLE_OTHER: return LK_OTHER;
	default: return LK_BLANK;
	}
}

/* The glyph and look of a thread column (the screen's and lanes' glyph,
 * render_cell_glyph); sets its legend bit. */
static void thread_cell(const struct tl_cell *cell, char *glyph, uint8_t *look, uint32_t *legend)
{
	uint32_t ch;
	uint8_t role;
	unsigned item = render_cell_glyph(cell, &ch, &role);

	*glyph = ch < 128 ? (char)ch : '?';
	*look = look_of(role);
	if (item < LG_MAX)
		*legend |= 1u << item;
}

/* The glyph and look of a CPU column; sets its legend bit. */
static void cpu_cell(const struct timeline *tl, const struct tl_cpu_cell *cell, char *glyph, uint8_t *look,
		     uint32_t *legend)
{
	uint32_t ch;
	uint8_t role;
	unsigned item = render_cpu_glyph(tl, cell, &ch, &role);

	*glyph = ch < 128 ? (char)ch : '?';
	*look = look_of(role);
	if (item < LG_MAX)
		*legend |= 1u << item;
}

/* ---- drawing ---- */

/* What the whole picture shares. */
struct pic {
	FILE *f;
	const struct timeline *tl;
	uint64_t t0, t1, npc, end;
	int ncols;
	double cw;        /* px per column */
	double x_lane;    /* left edge of the lanes */
	double x_stats;   /* left edge of the stats */
	double width;     /* of the picture */
	bool glyphs;      /* glyphs fit in the cells */
	uint32_t legend;
};

/* The time span of column col, clipped to the window and the timeline's
 * end; false when it is empty. */
static bool col_span(const struct pic *p, int col, uint64_t *a, uint64_t *b)
{
	*a = p->t0 + (uint64_t)col * p->npc;
	*b = *a + p->npc;
	if (*b > p->end)
		*b = p->end;
	return *a < *b;
}

/* Writes the cells of one lane at row top y: a <rect> per run of one
 * colour, the glyphs of the run as one <text>. */
static void draw_cells(struct pic *p, const struct lane *l, double y)
{
	int i = 0, j, k;

	while (i < p->ncols) {
		uint8_t lk = l->look[i];
		bool any = false;

		for (j = i + 1; j < p->ncols && l->look[j] == lk; j++)
			;
		if (looks[lk].fill)
			fprintf(p->f, "<rect class=\"cell %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"/>\n",
				looks[lk].cls, p->x_lane + i * p->cw, y, (j - i) * p->cw, ROW_H, looks[lk].fill);
		if (p->glyphs) {
			for (k = i; k < j; k++)
				any |= l->glyph[k] != ' ';
		}
		if (any) {
			fprintf(p->f, "<g class=\"glyphs\" fill=\"%s\">", looks[lk].ink);
			for (k = i; k < j; k++)
				if (l->glyph[k] != ' ')
					fprintf(p->f, "<text x=\"%.2f\" y=\"%.2f\">%c</text>", p->x_lane + (k + 0.5) * p->cw,
						y + ROW_H / 2 + FONT * 0.35, l->glyph[k]);
			fputs("</g>\n", p->f);
		}
		i = j;
	}
}

/* The thin rules around a lane at row top y. */
static void draw_lane_frame(struct pic *p, double y)
{
	fprintf(p->f, "<rect class=\"frame\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\" fill=\"none\" stroke=\"%s\" stroke-width=\"0.5\"/>\n",
		p->x_lane, y, p->ncols * p->cw, ROW_H, SVG_FRAME);
}

/* The share of the window thread i spent running, waiting and blocked. */
static void draw_stats(struct pic *p, size_t i, double y)
{
	uint64_t sum[TL_STATE_MAX], alive, run, wait;
	uint64_t w1 = p->t1 < p->end ? p->t1 : p->end;
	int s;

	if (w1 <= p->t0)
		return;
	timeline_thread_sum(p->tl, i, p->t0, w1, sum);
	alive = w1 - p->t0 - (sum[TL_NOT_ALIVE] < w1 - p->t0 ? sum[TL_NOT_ALIVE] : w1 - p->t0);
	if (!alive)
		return;
	run = sum[TL_RUNNING] + sum[TL_SPINNING];
	wait = sum[TL_RUNNABLE];
	if (run > alive)
		run = alive;
	if (wait > alive - run)
		wait = alive - run;
	fprintf(p->f, "<text class=\"stats\" y=\"%.2f\">", y + ROW_H / 2 + FONT * 0.35);
	for (s = 0; s < 3; s++) {
		uint64_t v = s == 0 ? run : s == 1 ? wait : alive - run - wait;

		fprintf(p->f, "<tspan x=\"%.2f\" text-anchor=\"end\">%d%%</tspan>", p->x_stats + (s + 1) * STATS_W / 3 - 8,
			(int)((v * 100 + alive / 2) / alive));
	}
	fputs("</text>\n", p->f);
}

/* The time axis above the lanes: ticks and their times, whose top is y. */
static void draw_axis(struct pic *p, double y)
{
	uint64_t step, t, span = (uint64_t)p->ncols * p->npc;
	uint64_t min_cols = (uint64_t)(LABEL_MIN_PX / p->cw) + 1;
	double ybase = y + FONT, yrule = y + FONT + 6;
	char buf[48];

	step = nice_ceil(p->npc * min_cols);
	/* labels of many digits need more room */
	fmt_time(buf, sizeof(buf), p->t0 + span);
	while ((double)step / (double)p->npc * p->cw < (double)(strlen(buf) + 2) * CHAR_W && step < UINT64_MAX / 10)
		step = nice_ceil(step + 1);
	fputs("<g class=\"axis\">\n", p->f);
	fprintf(p->f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>\n", p->x_lane, yrule,
		p->x_lane + p->ncols * p->cw, yrule, SVG_FRAME);
	for (t = (p->t0 + step - 1) / step * step; t < p->t0 + span; t += step) {
		double x = p->x_lane + (double)(t - p->t0) / (double)p->npc * p->cw;

		fmt_time(buf, sizeof(buf), t);
		if (x + (double)text_chars(buf, -1) * CHAR_W > p->x_lane + p->ncols * p->cw + CHAR_W)
			break; /* no room for the label before the stats */
		fprintf(p->f, "<line class=\"tick\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>\n", x,
			yrule - 4, x, yrule + 4, SVG_FRAME);
		fprintf(p->f, "<text class=\"tick-label\" x=\"%.2f\" y=\"%.2f\">%s</text>\n", x, ybase, buf);
		if (t > UINT64_MAX - step)
			break;
	}
	fprintf(p->f, "<text class=\"stats-head\" y=\"%.2f\" font-weight=\"bold\">", ybase);
	fprintf(p->f, "<tspan x=\"%.2f\" text-anchor=\"end\">run</tspan>", p->x_stats + STATS_W / 3 - 8);
	fprintf(p->f, "<tspan x=\"%.2f\" text-anchor=\"end\">wait</tspan>", p->x_stats + 2 * STATS_W / 3 - 8);
	fprintf(p->f, "<tspan x=\"%.2f\" text-anchor=\"end\">blk</tspan>", p->x_stats + STATS_W - 8);
	fputs("</text>\n</g>\n", p->f);
}

/* Width of one legend item in px. */
static double legend_item_w(int i)
{
	return (double)strlen(legend_items[i].glyph) * CHAR_W + 12.0 + (double)strlen(legend_items[i].text) * CHAR_W +
	       18.0;
}

/* Lays the legend out from row top y0 (drawing when draw); returns the y
 * below it. */
static double legend(struct pic *p, double y0, bool draw, const char *scale)
{
	double x = MARGIN, y = y0, right = p->width - MARGIN;
	int i;

	if (draw) {
		fputs("<g class=\"legend\" id=\"legend\">\n", p->f);
		fprintf(p->f, "<text class=\"scale\" x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">", x, y + 14);
		xml_put(p->f, scale, -1);
		fputs("</text>\n", p->f);
	}
	x += (double)text_chars(scale, -1) * CHAR_W + 24;
	for (i = 0; i < LG_MAX; i++) {
		const char *fill;
		double w;

		if (!(p->legend & (1u << i)) || !legend_items[i].glyph)
			continue;
		fill = looks[legend_items[i].look].fill;
		w = legend_item_w(i);
		if (x + w > right && x > MARGIN) {
			x = MARGIN;
			y += 22;
		}
		if (draw) {
			fprintf(p->f, "<g class=\"legend-item\" data-glyph=\"");
			xml_put(p->f, legend_items[i].glyph, -1);
			fprintf(p->f, "\" data-state=\"%s\">\n", looks[legend_items[i].look].cls);
			fprintf(p->f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.0f\" height=\"18\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.5\"/>\n",
				x, y + 1, (double)strlen(legend_items[i].glyph) * CHAR_W + 6, fill ? fill : "#FFFFFF", SVG_FRAME);
			fprintf(p->f, "<text x=\"%.2f\" y=\"%.2f\" fill=\"%s\">", x + 3, y + 14,
				looks[legend_items[i].look].ink);
			xml_put(p->f, legend_items[i].glyph, -1);
			fprintf(p->f, "</text>\n<text x=\"%.2f\" y=\"%.2f\">", x + (double)strlen(legend_items[i].glyph) * CHAR_W + 12,
				y + 14);
			xml_put(p->f, legend_items[i].text, -1);
			fputs("</text>\n</g>\n", p->f);
		}
		x += w;
	}
	if (draw)
		fputs("</g>\n", p->f);
	return y + 22;
}

/* Fills the columns of every lane (CPUs first, then threads). */
static void fill_lanes(struct pic *p, struct lane *lanes, unsigned ncpus, size_t nthreads)
{
	size_t i;
	int col;

	for (i = 0; i < ncpus + nthreads; i++) {
		for (col = 0; col < p->ncols; col++) {
			uint64_t a, b;

			lanes[i].glyph[col] = ' ';
			lanes[i].look[col] = LK_BLANK;
			if (!col_span(p, col, &a, &b))
				continue;
			if (i < ncpus) {
				struct tl_cpu_cell cell;

				timeline_cpu_cell(p->tl, (unsigned)i, a, b, &cell);
				cpu_cell(p->tl, &cell, &lanes[i].glyph[col], &lanes[i].look[col], &p->legend);
			} else {
				struct tl_cell cell;

				timeline_thread_cell(p->tl, i - ncpus, a, b, &cell);
				thread_cell(&cell, &lanes[i].glyph[col], &lanes[i].look[col], &p->legend);
			}
		}
	}
}

/* Writes the document. */
static void write_svg(struct pic *p, struct lane *lanes, unsigned ncpus, size_t nthreads, const char *title)
{
	double y, height, y_legend;
	char scale[64], buf[48];
	size_t i;

	fmt_time(buf, sizeof(buf), p->npc);
	snprintf(scale, sizeof(scale), "1 column = %s", buf);
	y = MARGIN + (title ? FONT + 10 : 0);
	y_legend = y + FONT + 12 + (double)(ncpus + nthreads) * PITCH + 12;
	if (timeline_lost(p->tl))
		y_legend += 22;
	height = legend(p, y_legend, false, scale) + MARGIN;

	fprintf(p->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(p->f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"%.0f\">\n",
		p->width, height, p->width, height, FONT);
	fputs("<title>", p->f);
	xml_put(p->f, title ? title : "conctop lanes", -1);
	fputs("</title>\n", p->f);
	fprintf(p->f, "<style>.glyphs{text-anchor:middle;font-weight:bold}</style>\n");
	fprintf(p->f, "<rect class=\"background\" width=\"100%%\" height=\"100%%\" fill=\"#FFFFFF\"/>\n");
	if (title) {
		fprintf(p->f, "<text class=\"title\" x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">", MARGIN, MARGIN + FONT);
		xml_put(p->f, title, -1);
		fputs("</text>\n", p->f);
	}
	draw_axis(p, y);
	y += FONT + 12;
	fputs("<g class=\"lanes\">\n", p->f);
	for (i = 0; i < ncpus + nthreads; i++, y += PITCH) {
		if (i < ncpus) {
			fprintf(p->f, "<g class=\"lane cpu\" id=\"cpu-%zu\" data-cpu=\"%zu\">\n", i, i);
			fprintf(p->f, "<text class=\"label\" x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">CPU%zu</text>\n", MARGIN,
				y + ROW_H / 2 + FONT * 0.35, i);
		} else {
			const struct tl_thread *t = timeline_thread(p->tl, i - ncpus);
			char letter[2] = { t && t->letter ? t->letter : '?', 0 };

			fprintf(p->f, "<g class=\"lane thread\" id=\"thread-%zu\" data-letter=\"", i - ncpus);
			xml_put(p->f, letter, -1);
			fputs("\" data-name=\"", p->f);
			xml_put(p->f, t ? t->name : "", -1);
			fprintf(p->f, "\" data-tid=\"%d\">\n", t ? (int)t->tid : 0);
			fprintf(p->f, "<text class=\"label\" y=\"%.2f\"><tspan class=\"letter\" x=\"%.2f\" font-weight=\"bold\">",
				y + ROW_H / 2 + FONT * 0.35, MARGIN);
			xml_put(p->f, letter, -1);
			fprintf(p->f, "</tspan><tspan class=\"name\" x=\"%.2f\">", MARGIN + 2 * CHAR_W);
			xml_put(p->f, t && t->name[0] ? t->name : "?", NAME_MAX_COLS);
			fprintf(p->f, "</tspan><tspan class=\"tid\" x=\"%.2f\" text-anchor=\"end\" fill=\"%s\">%d</tspan></text>\n",
				p->x_lane - 8, "#555555", t ? (int)t->tid : 0);
		}
		draw_cells(p, &lanes[i], y);
		draw_lane_frame(p, y);
		if (i >= ncpus)
			draw_stats(p, i - ncpus, y);
		fputs("</g>\n", p->f);
	}
	fputs("</g>\n", p->f);
	if (timeline_lost(p->tl))
		fprintf(p->f, "<text class=\"warning\" x=\"%.2f\" y=\"%.2f\" fill=\"%s\" font-weight=\"bold\">%" PRIu64
			" events were lost in this trace: the lanes may be wrong in places</text>\n",
			MARGIN, y + 14, SVG_LOCK, timeline_lost(p->tl));
	legend(p, y_legend, true, scale);
	fputs("</svg>\n", p->f);
}

/* Writes the lanes of [t0, t1) as SVG (see svg.h). */
int svg_write_lanes(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int cols, const char *title)
{
	struct pic p = { .f = f, .tl = tl };
	unsigned ncpus;
	size_t nthreads, nlanes, i;
	struct lane *lanes;
	int name_w = 4, tid_w = 1, label_chars, rc = 0;
	uint64_t span;
	char buf[32];

	if (!f || !tl || cols < SVG_MIN_COLS || cols > SVG_MAX_COLS)
		return -EINVAL;
	if (t1 <= t0)
		t1 = t0 + 1;
	ncpus = timeline_ncpus(tl);
	nthreads = timeline_thread_count(tl);
	nlanes = ncpus + nthreads;
	span = t1 - t0;
	p.t0 = t0;
	p.t1 = t1;
	p.end = timeline_end(tl);
	p.npc = scale_ceil((span + (uint64_t)cols - 1) / (uint64_t)cols);
	if (!p.npc)
		p.npc = 1;
	p.ncols = (int)((span + p.npc - 1) / p.npc);
	if (p.ncols < 1)
		p.ncols = 1;
	p.cw = LANES_PX / p.ncols;
	if (p.cw > 14)
		p.cw = 14;
	if (p.cw < 2)
		p.cw = 2;
	p.glyphs = p.cw >= 7;

	for (i = 0; i < nthreads; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);
		int l = text_chars(t->name, NAME_MAX_COLS);

		if (l > name_w)
			name_w = l;
		snprintf(buf, sizeof(buf), "%d", (int)t->tid);
		if ((int)strlen(buf) > tid_w)
			tid_w = (int)strlen(buf);
	}
	label_chars = 2 + name_w + 1 + tid_w;
	snprintf(buf, sizeof(buf), "CPU%u", ncpus ? ncpus - 1 : 0);
	if (label_chars < (int)strlen(buf))
		label_chars = (int)strlen(buf);
	p.x_lane = MARGIN + label_chars * CHAR_W + 14;
	p.x_stats = p.x_lane + p.ncols * p.cw + 8;
	p.width = p.x_stats + STATS_W + MARGIN;
	if (p.width < 640)
		p.width = 640;

	lanes = calloc(nlanes ? nlanes : 1, sizeof(*lanes));
	if (!lanes)
		return -ENOMEM;
	for (i = 0; i < nlanes; i++) {
		lanes[i].glyph = malloc((size_t)p.ncols);
		lanes[i].look = malloc((size_t)p.ncols);
		if (!lanes[i].glyph || !lanes[i].look) {
			rc = -ENOMEM;
			goto out;
		}
	}
	fill_lanes(&p, lanes, ncpus, nthreads);
	write_svg(&p, lanes, ncpus, nthreads, title);
	if (ferror(f))
		rc = -EIO;
out:
	for (i = 0; i < nlanes; i++) {
		free(lanes[i].glyph);
		free(lanes[i].look);
	}
	free(lanes);
	return rc;
}
