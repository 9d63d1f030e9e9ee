/* What is drawn over or instead of the screens: the "too small" message,
 * the key help, and the inspect panel in the log's place. */
#include "frame.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "keymap.h"
#include "log_text.h"
#include "utf8.h"
#include "why_text.h"


/* Draws the "too small" message, wrapped to the grid's width. */
int overlay_too_small(struct grid *g)
{
	char msg[128], line[128];
	int w = grid_width(g), h = grid_height(g), len, pos = 0, y = 0;

	grid_clear(g);
	len = snprintf(msg, sizeof(msg), "terminal too small: %dx%d needed, this one is %dx%d (q quits)",
		       RENDER_MIN_WIDTH, RENDER_MIN_HEIGHT, w, h);
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

/* Draws the help overlay: every row of the keymap, its keys and what they
 * do. */
void overlay_help(struct frame *f)
{
	const struct keymap_row *rows;
	struct draw *d = &f->d;
	int n = (int)keymap_rows(&rows), gw = grid_width(d->g), gh = grid_height(d->g), kw = 0, tw = 0;
	int w, h, x, y, i, pad;
	char keys[96];

	for (i = 0; i < n; i++) {
		int k = utf8_width(keymap_row_keys(&rows[i], d->th->ascii, keys, sizeof(keys)));
		int t = utf8_width(rows[i].help);

		kw = k > kw ? k : kw;
		tw = t > tw ? t : tw;
	}
	w = kw + tw + 6 < gw - 2 ? kw + tw + 6 : gw - 2;
	pad = n + 4 <= gh - 2 ? 2 : 1; /* a blank row above and below the rows when they fit */
	h = n + 2 * pad < gh - 1 ? n + 2 * pad : gh - 1;
	x = (gw - w) / 2;
	y = h <= gh - 2 ? (gh - h) / 2 : 1; /* over the key line when it needs that row (80x24), never the header */
	for (i = y; i < y + h; i++) { /* a blank column each side: the screen under it stops short of the border */
		draw_fill(d, x - 1, x, i, ' ', ROLE_DEFAULT, 0);
		draw_fill(d, x + w, x + w + 1, i, ' ', ROLE_DEFAULT, 0);
	}
	draw_box(d, x, y, w, h, "keys");
	for (i = 0; i < n && i < h - 2 * pad; i++) {
		keymap_row_keys(&rows[i], d->th->ascii, keys, sizeof(keys));
		draw_text(d, x + 2, y + pad + i, keys, ROLE_TITLE, GRID_BOLD, kw);
		draw_text(d, x + 4 + kw, y + pad + i, rows[i].help, ROLE_LOG, 0, w - kw - 6);
	}
	draw_text(d, x + 2, y + h - 1, " ? closes this ", ROLE_LABEL, 0, w - 4);
}

/* Draws the contention overlay (see frame.h): a box over the lanes, the
 * rows of the largest total wait that fit, or why there are none. */
void overlay_waits(struct frame *f)
{
	const struct view *v = f->v;
	struct draw *d = &f->d;
	int gw = grid_width(d->g), gh = grid_height(d->g), w = gw, h = gh - 4, i, fit;
	size_t n = contention_count(v->contention);
	char line[DRAW_LINE_MAX];

	if (w < 20 || h < 5)
		return;
	if ((size_t)h > n + 3) /* the rules, the heading and the rows */
		h = (int)n + 3 < 5 ? 5 : (int)n + 3;
	fit = (size_t)(h - 3) >= n ? h - 3 : h - 4; /* the rows; else one says how many more */
	draw_box(d, 0, 2, w, h, v->waits_title ? v->waits_title : "waits by object");
	if (!n || !v->spans) {
		draw_text(d, 2, 4, v->spans ? "no thread blocked on an object of the program in this window"
					    : v->why_note ? v->why_note : "no history of the waits",
			  ROLE_LOG, 0, w - 4);
	} else {
		int objw = why_object_columns(w - 4);

		draw_text(d, 2, 3, why_waits_heading(objw, line, sizeof(line)), ROLE_TITLE, GRID_BOLD, w - 4);
		for (i = 0; i < fit && (size_t)i < n; i++)
			draw_text(d, 2, 4 + i, why_waits_row(v->spans, contention_row(v->contention, (size_t)i),
							      d->th->ascii, objw, line, sizeof(line)),
				  ROLE_LOG, 0, w - 4);
		if ((size_t)i < n) {
			snprintf(line, sizeof(line), "+%zu more (conctop contention FILE lists all)", n - (size_t)i);
			draw_text(d, 2, 4 + i, line, ROLE_LABEL, 0, w - 4);
		}
	}
	draw_text(d, 2, 2 + h - 1, " w or Esc closes this ", ROLE_LABEL, 0, w - 4);
}

/* Writes one thread's state at a time in words: state, CPU, object,
 * holder, since when; the wakeup when room (columns) allows its time. */
static void inspect_line(struct frame *f, size_t i, uint64_t at, int room, char *line, size_t len)
{
	struct tl_at st, *a = &st;
	int dec = fmt_sec_decimals(f->d.win.npc, 6), n;
	char since[32], wk[EVENT_TEXT_MAX + 8], dur[32], where[16] = "";
	bool child;

	timeline_thread_at(f->d.tl, i, at, a);
	if (a->state == TL_RUNNING || a->state == TL_SPINNING)
		snprintf(where, sizeof(where), " on CPU%d", a->cpu);
	fmt_seconds(since, sizeof(since), a->since, dec);
	fmt_time_short(dur, sizeof(dur), at >= a->since ? at - a->since : 0, f->d.th->ascii);
	child = timeline_object_kind(f->d.tl, a->object) == OP_KIND_CHILD;
	n = snprintf(line, len, "%s%s", child ? "waiting for child"
					      : a->signalling ? "blocked signalling a cond var" : log_text_state(a->state),
		     where);
	if (a->state == TL_NOT_ALIVE) { /* when it was: at the end of a run every thread has exited */
		const struct tl_thread *t = timeline_thread(f->d.tl, i);

		if (t && at < t->start_ns && !t->existed) {
			fmt_seconds(since, sizeof(since), t->start_ns, dec);
			snprintf(line + n, len - (size_t)n, " yet: its lane starts at %s s", since);
		} else if (t && t->exited && at >= t->end_ns) {
			fmt_seconds(since, sizeof(since), t->end_ns, dec);
			snprintf(line + n, len - (size_t)n, ": exited at %s s", since);
		}
		return;
	}
	if (a->object >= 0) {
		char obj[EVENT_TEXT_MAX + 32];

		timeline_object_label(f->d.tl, a->object, obj, sizeof(obj));
		n += snprintf(line + n, len - (size_t)n, " %s", obj);
	}
	if (a->holder >= 0 && !child) { /* a child's label names it already */
		log_text_who(f->d.tl, a->holder, wk, sizeof(wk));
		n += snprintf(line + n, len - (size_t)n, " (%s %s)", a->state == TL_BLOCKED_JOIN ? "joining" : "held by",
			      wk);
	}
	n += snprintf(line + n, len - (size_t)n, a->since_cut ? " since %s or before (%s or more)" : " since %s (%s)",
		      since, dur);
	if (a->woken_by == -1)
		return;
	log_text_who(f->d.tl, a->woken_by, wk, sizeof(wk));
	fmt_seconds(since, sizeof(since), a->woken_at, dec);
	/* the wakeup's time only when the line has room for it */
	if (utf8_width(line) + (int)strlen(wk) + (int)strlen(since) + 15 <= room)
		snprintf(line + n, len - (size_t)n, ", woken by %s at %s", wk, since);
	else
		snprintf(line + n, len - (size_t)n, ", woken by %s", wk);
}

/* The state that took most of thread i's column at the cursor, at before
 * what the timeline keeps, from the summary of what was forgotten, and
 * its share of the column in percent; TL_STATE_MAX when nothing is kept
 * there. */
static unsigned summary_state(const struct frame *f, size_t i, uint64_t at, unsigned *pct)
{
	const struct lane_window *w = &f->d.win;
	uint64_t t0 = at >= w->t0 ? at - (at - w->t0) % w->npc : at, sum[TL_STATE_MAX], whole = 0, of, ot, width;
	unsigned best = TL_NOT_ALIVE;

	*pct = 0;
	if (!timeline_overview_span(f->d.tl, &of, &ot, &width) || at < of || at >= ot)
		return TL_STATE_MAX; /* (no summary there: the sums would say not alive) */
	timeline_thread_sum(f->d.tl, i, t0, t0 + w->npc, sum);
	for (unsigned s = 0; s < TL_STATE_MAX; s++) {
		whole += sum[s];
		if (sum[s] > sum[best])
			best = s;
	}
	*pct = whole ? (unsigned)(sum[best] * 100 / whole) : 0;
	return best;
}

/* Writes thread i's state at the cursor before what the timeline keeps:
 * the summary's, or that nothing is kept there. */
static void inspect_summary_line(const struct frame *f, size_t i, uint64_t at, char *line, size_t len)
{
	unsigned pct, st = summary_state(f, i, at, &pct);
	char when[32];

	fmt_seconds(when, sizeof(when), timeline_kept_from(f->d.tl), 1);
	if (st == TL_STATE_MAX)
		snprintf(line, len, "nothing kept before %s s: pause there, zoomed in, to read it back", when);
	else
		snprintf(line, len, "mostly %s (%u%% of the column): a summary before %s s, read back when paused "
			 "there zoomed in", log_text_state(st), pct, when);
}

/* Draws on row y the process whose first thread is first at time at:
 * its name and how many of its threads were running, runnable, blocked
 * (or asleep) and not alive. */
static void inspect_process(struct frame *f, size_t first, uint64_t at, int y)
{
	const struct tl_thread *head = timeline_thread(f->d.tl, first);
	size_t n = timeline_thread_count(f->d.tl), i, count[4] = { 0 };
	char line[DRAW_LINE_MAX];
	struct tl_at a;

	if (!head)
		return;
	for (i = first; i < n; i++) {
		const struct tl_thread *t = timeline_thread(f->d.tl, i);

		if (!t || t->tgid != head->tgid)
			continue;
		if (at < timeline_kept_from(f->d.tl)) { /* (a summary there) */
			unsigned pct;

			a.state = (uint8_t)summary_state(f, i, at, &pct);
			if (a.state == TL_STATE_MAX)
				a.state = TL_NOT_ALIVE;
		} else {
			timeline_thread_at(f->d.tl, i, at, &a);
		}
		count[tl_state_on_cpu(a.state) ? 0 : a.state == TL_RUNNABLE ? 1 : a.state == TL_NOT_ALIVE ? 3 : 2]++;
	}
	grid_put(f->d.g, 0, y, render_process_folded(f->v, head->tgid) ? (f->d.th->ascii ? '+' : 0x25b8u)
								       : (f->d.th->ascii ? '-' : 0x25beu),
		 ROLE_LABEL, GRID_BOLD);
	draw_name(&f->d, 2, y, head->name[0] ? head->name : "?", ROLE_LABEL, GRID_BOLD, f->d.name_w);
	snprintf(line, sizeof(line), "process %d: %zu running, %zu runnable, %zu blocked, %zu not alive",
		 (int)head->tgid, count[0], count[1], count[2], count[3]);
	draw_text(&f->d, 3 + f->d.name_w, y, line, ROLE_LOG, 0, -1);
}

/* Writes the last marker set at or before at, in words ("last marker:
 * C client-2 enter, free places 1 at 0.532 s"); false when none. */
static bool last_marker(struct frame *f, uint64_t at, char *line, size_t len)
{
	size_t i = timeline_mark_index(f->d.tl, at == UINT64_MAX ? at : at + 1);
	char who[EVENT_TEXT_MAX + 16], when[32];
	struct tl_log_entry e;

	if (i == 0)
		return false;
	timeline_mark(f->d.tl, i - 1, &e);
	if (!timeline_mark_last_known(f->d.tl, i - 1, at)) /* (later ones before at forgotten) */
		return false;
	log_text_who(f->d.tl, (int64_t)e.thread, who, sizeof(who));
	fmt_seconds(when, sizeof(when), e.ts, fmt_sec_decimals(f->d.win.npc, 6));
	snprintf(line, len, "last marker: %s: %s %lld at %s s", who, e.text, (long long)e.value, when);
	return true;
}

/* Draws the inspect panel (see frame.h). */
void overlay_inspect(struct frame *f, uint64_t at, size_t first, size_t n, int y, int rows)
{
	char mark[DRAW_LINE_MAX];
	int i;

	/* the last marker (a semaphore's free places, the gun, the timer) on
	 * the last row */
	if (rows >= 2 && last_marker(f, at, mark, sizeof(mark))) {
		rows--;
		draw_text(&f->d, 0, y + rows, mark, ROLE_MARK, 0, -1);
	}
	if (f->v->reading && at >= timeline_end(f->d.tl)) { /* a replay placed past what it has read: no
							       * thread's state is known there yet */
		char line[DRAW_LINE_MAX];

		fmt_not_read(line, sizeof(line), timeline_end(f->d.tl));
		draw_text(&f->d, 0, y, line, ROLE_LOG, 0, -1);
		return;
	}
	for (i = 0; i < rows && (size_t)i < n; i++) {
		size_t row = frame_row(f, first + (size_t)i);
		const struct tl_thread *t = timeline_thread(f->d.tl, row);
		char line[DRAW_LINE_MAX];

		if (render_row_is_process(row)) {
			inspect_process(f, render_row_thread(row), at, y + i);
			continue;
		}
		if (!t)
			continue;
		grid_put(f->d.g, 0, y + i, (uint32_t)(unsigned char)(t->letter ? t->letter : '?'), ROLE_LABEL, GRID_BOLD);
		draw_name(&f->d, 2, y + i, t->name[0] ? t->name : "?", ROLE_LABEL, 0, f->d.name_w);
		if (at < timeline_kept_from(f->d.tl))
			inspect_summary_line(f, row, at, line, sizeof(line));
		else
			inspect_line(f, row, at, grid_width(f->d.g) - (3 + f->d.name_w), line, sizeof(line));
		draw_text(&f->d, 3 + f->d.name_w, y + i, line, ROLE_LOG, 0, -1);
	}
}
