/* Handouts: the lanes of a window as SVG (see svg.h).
 *
 * The cells are those of `conctop lanes`: each lane is drawn by the one
 * row function (lanes_row) into a one-row grid, whose cells (glyph and
 * role) the picture then shows. Consecutive columns of one colour become
 * one rectangle; the glyphs of a run are a <g class="glyphs"> of one
 * <text> per glyph (x lists of many positions are not drawn alike by
 * every viewer). The legend's height must be known before the picture
 * starts, so a first pass over the lanes notes which glyphs they use; no
 * lane is kept in memory. */
#include "svg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "format.h"
#include "lanes.h"
#include "render.h"
#include "scale.h"
#include "utf8.h"

#define MARGIN 16.0
#define FONT 13.0          /* px */
#define CHAR_W 7.9         /* px per character of the monospace font */
#define ROW_H 20.0         /* a lane's height */
#define PITCH 24.0         /* lane to lane */
#define LANES_PX 1000.0    /* the width the lanes aim for */
#define NAME_MAX_COLS 24   /* name characters in a label */
#define STATS_W 150.0      /* the three percentage columns */
#define LABEL_MIN_PX 72.0  /* axis labels at least this far apart */

/* What a cell of each role looks like: its class and fill; roles without
 * a class are drawn as blank cells (nothing but the glyph). Glyphs are
 * black, but white on the dark blue of spinning and grey for another
 * program. */
struct look {
	const char *cls, *fill;
};

static const struct look looks[ROLE_MAX] = {
	[ROLE_RUNNING] = { "running", SVG_RUNNING },
	[ROLE_SPINNING] = { "spinning", SVG_SPINNING },
	[ROLE_RUNNABLE] = { "runnable", SVG_RUNNABLE },
	[ROLE_BLOCKED_LOCK] = { "blocked-lock", SVG_LOCK },
	[ROLE_BLOCKED_SIGNAL] = { "blocked-signal", SVG_SIGNAL },
	[ROLE_SLEEP] = { "sleeping", SVG_SLEEP },
	[ROLE_UNKNOWN] = { "unknown", NULL },
	[ROLE_OTHER] = { "other", NULL },
};

/* The look of a role's cells. */
static const struct look *look_of(uint8_t role)
{
	static const struct look blank = { "blank", NULL };

	return role < ROLE_MAX && looks[role].cls ? &looks[role] : &blank;
}

/* The colour of the glyphs of a role's cells. */
static const char *ink_of(uint8_t role)
{
	return role == ROLE_SPINNING ? "#FFFFFF" : role == ROLE_OTHER ? SVG_FRAME : "#000000";
}

/* ---- text ---- */

/* The length of the character XML accepts at s, or 0 when s does not
 * start with one (invalid UTF-8, a control character, DEL, C1, U+FFFE,
 * U+FFFF). */
static int xml_char(const char *s)
{
	uint32_t cp;
	size_t n = utf8_decode(s, &cp);

	if (!utf8_valid_at(s) || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xfffe || cp == 0xffff)
		return 0; /* DEL and the C1 controls too: they are terminal controls */
	return (int)n;
}

/* Writes s as XML text or attribute content: & < > " ' escaped, bytes that
 * are not valid UTF-8 or not allowed in XML written as '?'; at most max
 * characters (-1 for all), then an ellipsis. */
static void xml_put(FILE *f, const char *str, int max)
{
	const char *s = str ? str : "";
	int cols = 0;

	while (*s) {
		int n = xml_char(s);

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

/* ---- drawing ---- */

/* What the whole picture shares. */
struct pic {
	FILE *f;
	const struct timeline *tl;
	struct lane_window win; /* t0, ns per column, columns; its end: t1, or the timeline's before it */
	struct grid *row;       /* one lane's cells, drawn by lanes_row */
	double cw;              /* px per column */
	double x_lane;          /* left edge of the lanes */
	double x_stats;         /* left edge of the stats */
	double width;           /* of the picture */
	bool glyphs;            /* glyphs fit in the cells */
	bool marks;             /* a markers row between the CPUs and the threads */
	char level[32];         /* a level strip under it, by name ("" for none) */
	uint32_t legend;
	size_t *rows;           /* the thread lanes: the threads alive in [t0, t1), in order */
	size_t nrows;
};

/* The glyph of a column of p->row ('?' for what is not ASCII). */
static char cell_glyph(const struct pic *p, int col)
{
	uint32_t ch = grid_at(p->row, col, 0)->ch;

	return ch < 128 ? (char)ch : '?';
}

/* Writes the cells of p->row for the lane at row top y: a <rect> per run
 * of one colour, the glyphs of the run as one <g>. */
static void draw_cells(struct pic *p, double y)
{
	int i = 0, j, k, ncols = p->win.ncols;

	while (i < ncols) {
		uint8_t role = grid_at(p->row, i, 0)->role;
		const struct look *lk = look_of(role);
		bool any = false;

		for (j = i + 1; j < ncols && look_of(grid_at(p->row, j, 0)->role) == lk; j++)
			;
		if (lk->fill)
			fprintf(p->f, "<rect class=\"cell %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"/>\n",
				lk->cls, p->x_lane + i * p->cw, y, (j - i) * p->cw, ROW_H, lk->fill);
		for (k = i; p->glyphs && k < j; k++)
			any |= cell_glyph(p, k) != ' ';
		if (any) {
			fprintf(p->f, "<g class=\"glyphs\" fill=\"%s\">", ink_of(role));
			for (k = i; k < j; k++)
				if (cell_glyph(p, k) != ' ')
					fprintf(p->f, "<text x=\"%.2f\" y=\"%.2f\">%c</text>", p->x_lane + (k + 0.5) * p->cw,
						y + ROW_H / 2 + FONT * 0.35, cell_glyph(p, k));
			fputs("</g>\n", p->f);
		}
		i = j;
	}
}

/* The thin rules around a lane at row top y. */
static void draw_lane_frame(struct pic *p, double y)
{
	fprintf(p->f, "<rect class=\"frame\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\" fill=\"none\" stroke=\"%s\" stroke-width=\"0.5\"/>\n",
		p->x_lane, y, p->win.ncols * p->cw, ROW_H, SVG_FRAME);
}

/* The share of the window thread i spent running, waiting and blocked. */
static void draw_stats(struct pic *p, size_t i, double y)
{
	uint64_t w1 = p->win.end; /* (t1, or the timeline's end before it) */
	int pct[3], s;

	if (!lanes_shares(p->tl, i, p->win.t0, w1, pct))
		return;
	fprintf(p->f, "<text class=\"stats\" y=\"%.2f\">", y + ROW_H / 2 + FONT * 0.35);
	for (s = 0; s < 3; s++)
		fprintf(p->f, "<tspan x=\"%.2f\" text-anchor=\"end\">%d%%</tspan>", p->x_stats + (s + 1) * STATS_W / 3 - 8,
			pct[s]);
	fputs("</text>\n", p->f);
}

/* The time axis above the lanes: ticks and their times, whose top is y. */
static void draw_axis(struct pic *p, double y)
{
	uint64_t npc = p->win.npc, t0 = p->win.t0, step, t, span = (uint64_t)p->win.ncols * npc;
	uint64_t min_cols = (uint64_t)(LABEL_MIN_PX / p->cw) + 1;
	double ybase = y + FONT, yrule = y + FONT + 6, right = p->x_lane + p->win.ncols * p->cw;
	char buf[48];

	step = scale_nice_ceil(npc * min_cols);
	/* labels of many digits need more room */
	fmt_time_exact(buf, sizeof(buf), t0 + span, false);
	while ((double)step / (double)npc * p->cw < (double)(strlen(buf) + 2) * CHAR_W && step < UINT64_MAX / 10)
		step = scale_nice_ceil(step + 1);
	fputs("<g class=\"axis\">\n", p->f);
	fprintf(p->f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\"/>\n", p->x_lane, yrule, right,
		yrule, SVG_FRAME);
	for (t = (t0 + step - 1) / step * step; t < t0 + span; t += step) {
		double x = p->x_lane + (double)(t - t0) / (double)npc * p->cw;

		fmt_time_exact(buf, sizeof(buf), t, false);
		if (x + (double)utf8_width(buf) * CHAR_W > right + CHAR_W)
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

/* Width of legend item i in px. */
static double legend_item_w(unsigned i)
{
	return (double)strlen(lanes_legend_entry(i)->glyph) * CHAR_W + 12.0 + (double)strlen(lanes_legend_detail(i)) * CHAR_W +
	       18.0;
}

/* Writes legend item i at (x, y). */
static void legend_item(struct pic *p, unsigned i, double x, double y)
{
	const struct legend_entry *e = lanes_legend_entry(i);
	const struct look *lk = look_of(e->role);
	double gw = (double)strlen(e->glyph) * CHAR_W;

	fprintf(p->f, "<g class=\"legend-item\" data-glyph=\"");
	xml_put(p->f, e->glyph, -1);
	fprintf(p->f, "\" data-state=\"%s\">\n", lk->cls);
	fprintf(p->f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.0f\" height=\"18\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.5\"/>\n",
		x, y + 1, gw + 6, lk->fill ? lk->fill : "#FFFFFF", SVG_FRAME);
	fprintf(p->f, "<text x=\"%.2f\" y=\"%.2f\" fill=\"%s\">", x + 3, y + 14, ink_of(e->role));
	xml_put(p->f, e->glyph, -1);
	fprintf(p->f, "</text>\n<text x=\"%.2f\" y=\"%.2f\">", x + gw + 12, y + 14);
	xml_put(p->f, lanes_legend_detail(i), -1);
	fputs("</text>\n</g>\n", p->f);
}

/* Lays the legend out from row top y0 (drawing when draw); returns the y
 * below it. */
static double legend(struct pic *p, double y0, bool draw, const char *scale)
{
	double x = MARGIN, y = y0, right = p->width - MARGIN;
	unsigned i;

	if (draw) {
		fputs("<g class=\"legend\" id=\"legend\">\n", p->f);
		fprintf(p->f, "<text class=\"scale\" x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">", x, y + 14);
		xml_put(p->f, scale, -1);
		fputs("</text>\n", p->f);
	}
	x += (double)utf8_width(scale) * CHAR_W + 24;
	for (i = 0; i < LG_MAX; i++) {
		double w;

		if (!(p->legend & (1u << i)))
			continue;
		w = legend_item_w(i);
		if (x + w > right && x > MARGIN) {
			x = MARGIN;
			y += 22;
		}
		if (draw)
			legend_item(p, i, x, y);
		x += w;
	}
	if (draw)
		fputs("</g>\n", p->f);
	return y + 22;
}

/* Writes the markers row at row top y (or, when level is not NULL, the
 * level strip of that name): the row `conctop lanes` draws
 * (lanes_draw_marks, '@' and the words; lanes_draw_level), as runs of
 * text. */
static void draw_marks(struct pic *p, double y, const char *level)
{
	const int x0 = 8; /* lane columns start here in the scratch grid */
	struct grid *g = grid_new(x0 + p->win.ncols + 1, 1);
	struct draw d = { .tl = p->tl, .th = theme_get(THEME_MONO, false), .win = p->win, .x_lane = x0,
			  .x_stats = -1 };
	char run[DRAW_LINE_MAX];
	int col = 0, start;

	fprintf(p->f, "<g class=\"lane marks\" id=\"%s\">\n", level ? "level" : "marks");
	fprintf(p->f, "<text class=\"label\" x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">", MARGIN,
		y + ROW_H / 2 + FONT * 0.35);
	xml_put(p->f, level ? level : "marks", -1);
	fputs("</text>\n", p->f);
	if (!g) {
		fputs("</g>\n", p->f);
		return;
	}
	d.g = g;
	if (level)
		lanes_draw_level(&d, 0, level);
	else
		lanes_draw_marks(&d, 0);
	while (col < p->win.ncols) {
		size_t n = 0;

		for (start = col; start < p->win.ncols && grid_at(g, x0 + start, 0)->ch == ' '; start++)
			;
		for (col = start; col < p->win.ncols && grid_at(g, x0 + col, 0)->ch != ' ' && n + 5 < sizeof(run); col++)
			n += (size_t)utf8_encode(grid_at(g, x0 + col, 0)->ch, run + n);
		if (!n)
			break;
		run[n] = '\0';
		fprintf(p->f, "<text class=\"marker\" x=\"%.2f\" y=\"%.2f\" fill=\"%s\"", p->x_lane + start * p->cw,
			y + ROW_H / 2 + FONT * 0.35, SVG_SPINNING);
		if ((col - start) * CHAR_W > (col - start) * p->cw) /* narrow columns: squeeze into them */
			fprintf(p->f, " textLength=\"%.2f\" lengthAdjust=\"spacingAndGlyphs\"", (col - start) * p->cw);
		fputs(">", p->f);
		xml_put(p->f, run, -1);
		fputs("</text>\n", p->f);
	}
	fputs("</g>\n", p->f);
	grid_free(g);
}

/* Lane i of the picture: CPUs first, then threads. */
static struct lane_ref lane_of(const struct pic *p, size_t i, unsigned ncpus)
{
	struct lane_ref ref = { .kind = i < ncpus ? LANE_CPU : LANE_THREAD, .index = i < ncpus ? i : p->rows[i - ncpus] };

	return ref;
}

/* Writes the label of lane i at row top y, opening its <g>. */
static void lane_label(struct pic *p, size_t i, unsigned ncpus, double y)
{
	const struct tl_thread *t;
	char letter[2];

	if (i < ncpus) {
		fprintf(p->f, "<g class=\"lane cpu\" id=\"cpu-%zu\" data-cpu=\"%zu\">\n", i, i);
		fprintf(p->f, "<text class=\"label\" x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">CPU%zu</text>\n", MARGIN,
			y + ROW_H / 2 + FONT * 0.35, i);
		return;
	}
	t = timeline_thread(p->tl, p->rows[i - ncpus]);
	letter[0] = t && t->letter ? t->letter : '?';
	letter[1] = '\0';
	fprintf(p->f, "<g class=\"lane thread\" id=\"thread-%zu\" data-letter=\"", p->rows[i - ncpus]);
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

/* Writes the document. */
static void write_svg(struct pic *p, unsigned ncpus, size_t nthreads, const char *title)
{
	double y, height, y_legend;
	char scale[64], buf[48];
	size_t i;

	fmt_time_exact(buf, sizeof(buf), p->win.npc, false);
	snprintf(scale, sizeof(scale), "1 column = %s", buf);
	y = MARGIN + (title ? FONT + 10 : 0);
	y_legend = y + FONT + 12 + (double)(ncpus + nthreads + (p->marks ? 1 : 0) + (p->level[0] ? 1 : 0)) * PITCH +
		   12;
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
		struct lane_ref ref = lane_of(p, i, ncpus);

		if (i == ncpus && p->marks) {
			draw_marks(p, y, NULL);
			y += PITCH;
		}
		if (i == ncpus && p->level[0]) {
			draw_marks(p, y, p->level);
			y += PITCH;
		}
		lane_label(p, i, ncpus, y);
		lanes_row(p->row, 0, 0, &p->win, &ref);
		draw_cells(p, y);
		draw_lane_frame(p, y);
		if (i >= ncpus)
			draw_stats(p, p->rows[i - ncpus], y);
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

/* Lays the picture out: a round scale that fits [t0, t1) in at most cols
 * columns, their width in px, the label column. */
static void layout(struct pic *p, uint64_t t0, uint64_t t1, int cols)
{
	unsigned ncpus = timeline_ncpus(p->tl);
	size_t i;
	int name_w = 4, tid_w = 1, label_chars;
	uint64_t span = t1 - t0, npc = scale_round_ceil(scale_div_ceil(span, (uint64_t)cols));
	int ncols = (int)scale_div_ceil(span, npc);
	char buf[32];

	lanes_window_init(&p->win, p->tl, t0, npc, ncols < 1 ? 1 : ncols, UINT64_MAX);
	if (t1 < p->win.end) /* the last column shows nothing after the window */
		p->win.end = t1;
	p->cw = LANES_PX / p->win.ncols;
	if (p->cw > 14)
		p->cw = 14;
	if (p->cw < 2)
		p->cw = 2;
	p->glyphs = p->cw >= 7;
	for (i = 0; i < p->nrows; i++) {
		const struct tl_thread *t = timeline_thread(p->tl, p->rows[i]);
		int l;

		if (!t)
			continue;
		l = utf8_width(t->name);
		if (l > NAME_MAX_COLS)
			l = NAME_MAX_COLS + 1; /* the name cut, then an ellipsis */
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
	p->x_lane = MARGIN + label_chars * CHAR_W + 14;
	p->x_stats = p->x_lane + p->win.ncols * p->cw + 8;
	p->width = p->x_stats + STATS_W + MARGIN;
	if (p->width < 640)
		p->width = 640;
}

/* Writes the lanes of [t0, t1) as SVG (see svg.h). */
int svg_write_lanes(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int cols, const char *title)
{
	struct pic p = { .f = f, .tl = tl };
	struct view v = { 0 };
	unsigned ncpus;
	size_t nthreads, i;

	if (!f || !tl || cols < SVG_MIN_COLS || cols > SVG_MAX_COLS)
		return -EINVAL;
	if (t1 <= t0)
		t1 = t0 + 1;
	ncpus = timeline_ncpus(tl);
	if (render_window_rows(tl, &v, t0, t1, &p.rows, &p.nrows))
		return -ENOMEM;
	nthreads = p.nrows;
	layout(&p, t0, t1, cols);
	p.row = grid_new(p.win.ncols, 1);
	if (!p.row) {
		free(p.rows);
		return -ENOMEM;
	}
	/* the first pass: which glyphs the lanes use, for the legend */
	for (i = 0; i < ncpus + nthreads; i++) {
		struct lane_ref ref = lane_of(&p, i, ncpus);

		p.legend |= lanes_row(p.row, 0, 0, &p.win, &ref);
	}
	p.marks = lanes_has_marks(&p.win);
	if (!lanes_level_name(tl, t1, p.level, sizeof(p.level)))
		p.level[0] = '\0';
	if (p.marks)
		p.legend |= 1u << LG_MARK;
	write_svg(&p, ncpus, nthreads, title);
	grid_free(p.row);
	free(p.rows);
	return ferror(f) ? -EIO : 0;
}
