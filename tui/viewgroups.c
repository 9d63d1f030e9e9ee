/* What the keys for many lanes do to a view's state (see viewstate.h):
 * grouping by process, folding, jumping to the busiest or most blocked
 * thread, the CPUs' busy strip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lanes.h"
#include "viewstate.h"

/* The rows the view shows (render_view_threads) in a new array; *n gets
 * how many (NULL and 0 when none, or on ENOMEM). */
static size_t *view_rows(const struct viewstate *vs, const struct view *v, size_t *n)
{
	size_t m = render_view_threads(vs->tl, v, NULL, 0), *rows;

	*n = 0;
	if (!m || !(rows = malloc(m * sizeof(*rows))))
		return NULL;
	*n = render_view_threads(vs->tl, v, rows, m);
	if (*n > m)
		*n = m;
	return rows;
}

/* The thread the focused row names (a header: its process's first
 * thread), and whether it is a header; -1 when no row shows. */
static long focused_row_thread(const struct viewstate *vs, bool *header)
{
	size_t n, *rows = view_rows(vs, &vs->v, &n);
	long t = -1;

	*header = false;
	if (n) {
		size_t r = rows[vs->v.focus < n ? vs->v.focus : n - 1];

		*header = render_row_is_process(r);
		t = (long)render_row_thread(r);
	}
	free(rows);
	return t;
}

/* The process's first thread (the one its header names) of thread t. */
static size_t process_first(const struct timeline *tl, size_t t)
{
	const struct tl_thread *th = timeline_thread(tl, t);
	size_t i;

	for (i = 0; th && i < t; i++) {
		const struct tl_thread *o = timeline_thread(tl, i);

		if (o && o->tgid == th->tgid)
			return i;
	}
	return t;
}

/* Focuses thread t's row (header: its process's header), or when it
 * shows none (folded), its process's header; then keeps it shown. */
static void focus_thread(struct viewstate *vs, size_t t, bool header)
{
	size_t n, *rows = view_rows(vs, &vs->v, &n), head = RENDER_ROW_PROC | process_first(vs->tl, t), i;

	for (i = 0; i < n; i++) {
		if (rows[i] == t && !header) {
			vs->v.focus = i;
			break;
		}
		if (rows[i] == head) {
			vs->v.focus = i; /* a thread row may follow */
			if (header)
				break;
		}
	}
	free(rows);
	viewstate_reveal_focus(vs);
}

/* Flips the fold of process tgid against fold_all; false when the list
 * is full. */
static bool flip_fold(struct viewstate *vs, int32_t tgid)
{
	size_t i;

	vs->v.fold_flip = vs->fold_flip;
	for (i = 0; i < vs->v.nfold_flip; i++) {
		if (vs->fold_flip[i] == tgid) {
			vs->fold_flip[i] = vs->fold_flip[--vs->v.nfold_flip];
			return true;
		}
	}
	if (vs->v.nfold_flip >= VIEWSTATE_FOLD_MAX)
		return false;
	vs->fold_flip[vs->v.nfold_flip++] = tgid;
	return true;
}

/* P. */
void viewstate_toggle_group(struct viewstate *vs)
{
	bool header;
	long t = focused_row_thread(vs, &header);

	vs->v.group = !vs->v.group;
	vs->v.first_lane = 0;
	vs->v.focus = 0;
	if (t >= 0)
		focus_thread(vs, (size_t)t, header && vs->v.group);
	snprintf(vs->note, sizeof(vs->note), vs->v.group ? "lanes grouped by process: f folds one, F all, P ungroups"
							 : "lanes no longer grouped");
}

/* f. */
void viewstate_fold(struct viewstate *vs)
{
	bool header;
	long t = focused_row_thread(vs, &header);
	const struct tl_thread *th;
	size_t first;

	if (t < 0) {
		snprintf(vs->note, sizeof(vs->note), "no lane to fold");
		return;
	}
	vs->v.group = true;
	first = process_first(vs->tl, (size_t)t);
	th = timeline_thread(vs->tl, first);
	if (!th || !flip_fold(vs, th->tgid)) {
		snprintf(vs->note, sizeof(vs->note), "too many processes folded one by one: F folds them all");
		return;
	}
	vs->v.focus = 0;
	focus_thread(vs, first, true);
	snprintf(vs->note, sizeof(vs->note), "%s: %.60s (%d)", render_process_folded(&vs->v, th->tgid) ? "folded" : "opened",
		 th->name[0] ? th->name : "?", (int)th->tgid);
}

/* F. */
void viewstate_fold_all(struct viewstate *vs)
{
	bool header, any_open = false;
	long t = focused_row_thread(vs, &header);
	size_t n, *rows, i;

	vs->v.group = true;
	rows = view_rows(vs, &vs->v, &n);
	for (i = 0; i < n && !any_open; i++)
		any_open = !render_row_is_process(rows[i]);
	free(rows);
	vs->v.fold_all = any_open;
	vs->v.nfold_flip = 0;
	vs->v.first_lane = 0;
	vs->v.focus = 0;
	if (t >= 0)
		focus_thread(vs, (size_t)t, header);
	snprintf(vs->note, sizeof(vs->note), any_open ? "every process folded: F opens them all" : "every process open");
}

/* The time thread t ran (or, blocked, was neither running nor runnable)
 * while alive in [from, to). */
static uint64_t thread_time(const struct timeline *tl, size_t t, uint64_t from, uint64_t to, bool blocked)
{
	uint64_t ns[3];

	lanes_alive_times(tl, t, from, to, ns);
	return ns[blocked ? 2 : 0];
}

/* b / B. */
long viewstate_jump(struct viewstate *vs, bool blocked)
{
	struct view flat = vs->v;
	size_t n, *th, i, best = 0;
	uint64_t from, to, most = 0;
	const struct tl_thread *t;

	flat.group = false; /* every thread the filter shows, folded or not */
	th = view_rows(vs, &flat, &n);
	viewstate_window(vs, &from, &to);
	for (i = 0; i < n && to > from; i++) {
		uint64_t v = thread_time(vs->tl, th[i], from, to, blocked);

		if (v > most) {
			most = v;
			best = th[i];
		}
	}
	free(th);
	if (!most) {
		snprintf(vs->note, sizeof(vs->note), blocked ? "no thread shown was blocked in the window"
							     : "no thread shown ran in the window");
		return -1;
	}
	t = timeline_thread(vs->tl, best);
	if (vs->v.group && render_process_folded(&vs->v, t->tgid))
		flip_fold(vs, t->tgid);
	focus_thread(vs, best, false);
	/* (the share rounded, as the lanes' run and blk columns round theirs) */
	snprintf(vs->note, sizeof(vs->note), "%s in the window: %.60s (tid %d), %d%% of it",
		 blocked ? "most blocked" : "busiest", t->name[0] ? t->name : "?", (int)t->tid,
		 (int)(100.0 * (double)most / (double)(to - from) + 0.5));
	return (long)best;
}

/* u. */
void viewstate_toggle_cpu_strip(struct viewstate *vs)
{
	int per;

	if (vs->v.classroom) {
		snprintf(vs->note, sizeof(vs->note), "the classroom view shows which thread each CPU ran: c leaves it");
		return;
	}
	render_cpu_rows(vs->tl, &vs->v, vs->width, vs->height, &per);
	if (per <= 1 && !vs->v.cpu_letters) {
		snprintf(vs->note, sizeof(vs->note), "every CPU has a lane of its own: no busy strip to fold them into");
		return;
	}
	vs->v.cpu_letters = !vs->v.cpu_letters;
	snprintf(vs->note, sizeof(vs->note), vs->v.cpu_letters ? "CPU rows: the threads' letters (u: busy strip)"
							       : "CPU rows: busy strip, the share of the CPUs running");
}
