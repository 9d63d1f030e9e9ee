/* Thread lanes grouped by process (render.h: render_group_rows): the rows
 * of a grouped view, which processes are folded, and a process's header
 * row (lanes.h: lanes_draw_process). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "lanes.h"
#include "render.h"

/* A thread and the first thread of its process, for sorting. */
struct group_key {
	size_t first, thread;
	int32_t tgid;
};

/* By tgid, then thread index. */
static int by_tgid(const void *a, const void *b)
{
	const struct group_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* By the process's first thread, then thread index. */
static int by_first(const void *a, const void *b)
{
	const struct group_key *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* Whether v shows the process tgid folded. */
bool render_process_folded(const struct view *v, int32_t tgid)
{
	bool flip = false;
	size_t i;

	for (i = 0; i < v->nfold_flip && v->fold_flip; i++)
		flip |= v->fold_flip[i] == tgid;
	return v->fold_all != flip;
}

/* Whether thread t passes v's filter and hide_exited. */
static bool shown(const struct tl_thread *t, const struct view *v)
{
	if (!render_name_matches(t->name, v->filter))
		return false;
	return !v->hide_exited || render_thread_in_window(t, v);
}

/* The keys of every thread, sorted by process (first appearance) then
 * thread; NULL on ENOMEM or no thread. */
static struct group_key *sorted_keys(const struct timeline *tl, size_t n)
{
	struct group_key *k = n ? malloc(n * sizeof(*k)) : NULL;
	size_t i, j;

	if (!k)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		k[i] = (struct group_key){ i, i, t ? t->tgid : 0 };
	}
	qsort(k, n, sizeof(*k), by_tgid);
	for (i = 0; i < n; i = j) /* a run of one tgid: its first thread is the run's first */
		for (j = i; j < n && k[j].tgid == k[i].tgid; j++)
			k[j].first = k[i].thread;
	qsort(k, n, sizeof(*k), by_first);
	return k;
}

/* The rows of a grouped view (see render.h). */
size_t render_group_rows(const struct timeline *tl, const struct view *v, size_t *out, size_t max)
{
	size_t n = timeline_thread_count(tl), m = 0, i, j;
	struct group_key *k = sorted_keys(tl, n);

	if (!k)
		return 0;
	for (i = 0; i < n; i = j) {
		const struct tl_thread *head = timeline_thread(tl, k[i].first);
		bool folded = head && render_process_folded(v, head->tgid), any = false;

		for (j = i; j < n && k[j].first == k[i].first; j++) {
			const struct tl_thread *t = timeline_thread(tl, k[j].thread);

			if (!t || !shown(t, v))
				continue;
			if (!any) {
				if (out && m < max)
					out[m] = RENDER_ROW_PROC | k[i].first;
				m++;
				any = true;
			}
			if (folded)
				continue;
			if (out && m < max)
				out[m] = k[j].thread;
			m++;
		}
	}
	free(k);
	return m;
}

/* The threads of the process of thread first, into a new array (*out);
 * returns how many (0 on ENOMEM). */
static size_t members(const struct timeline *tl, size_t first, size_t **out)
{
	const struct tl_thread *head = timeline_thread(tl, first);
	size_t n = timeline_thread_count(tl), m = 0, i;

	*out = head ? malloc(n * sizeof(**out)) : NULL;
	if (!*out)
		return 0;
	for (i = first; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		if (t && t->tgid == head->tgid)
			(*out)[m++] = i;
	}
	return m;
}

/* The process's name: its main thread's (tid = tgid), else its first
 * thread's. */
static const char *process_name(const struct timeline *tl, const size_t *th, size_t n)
{
	const struct tl_thread *first = timeline_thread(tl, th[0]);
	size_t i;

	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, th[i]);

		if (t->tid == t->tgid && t->name[0])
			return t->name;
	}
	return first->name[0] ? first->name : "?";
}

/* Draws a process's shares of the window in the stats columns: of its
 * threads' time alive, running, runnable and blocked. */
static void process_stats(struct draw *d, int y, const size_t *th, size_t n)
{
	uint64_t sum[TL_STATE_MAX], run = 0, wait = 0, alive = 0, span = d->w1 - d->win.t0;
	uint64_t m = lanes_alive_margin(d->tl);
	char buf[32];
	size_t i;

	if (d->x_stats < 0 || d->w1 <= d->win.t0)
		return;
	for (i = 0; i < n; i++) {
		if (lanes_not_alive(d->tl, th[i], d->win.t0, d->w1, m))
			continue;
		timeline_thread_sum(d->tl, th[i], d->win.t0, d->w1, sum);
		run += sum[TL_RUNNING] + sum[TL_SPINNING];
		wait += sum[TL_RUNNABLE];
		alive += span - (sum[TL_NOT_ALIVE] < span ? sum[TL_NOT_ALIVE] : span);
	}
	if (!alive) {
		snprintf(buf, sizeof(buf), " %5s%5s%5s", "-", "-", "-");
	} else {
		for (; alive > UINT64_MAX / 200; alive >>= 1, run >>= 1, wait >>= 1)
			;
		run = run < alive ? run : alive;
		wait = wait < alive - run ? wait : alive - run;
		snprintf(buf, sizeof(buf), " %4d%%%4d%%%4d%%", (int)((run * 100 + alive / 2) / alive),
			 (int)((wait * 100 + alive / 2) / alive), (int)(((alive - run - wait) * 100 + alive / 2) / alive));
	}
	draw_text(d, d->x_stats, y, buf, ROLE_LABEL, GRID_BOLD, -1);
}

/* Draws a process's header row (see lanes.h). */
void lanes_draw_process(struct draw *d, int y, size_t first, bool folded, bool focus)
{
	size_t *th, n = members(d->tl, first, &th);
	struct lane_ref ref = { .kind = LANE_PROCESS, .index = first };
	uint8_t role = focus ? ROLE_FOCUS : ROLE_LABEL;
	char count[24], tid[16];
	int cw, nw;

	if (!n) {
		free(th);
		return;
	}
	ref.count = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	ref.threads = th;
	draw_text(d, 0, y, folded ? (d->th->ascii ? "+" : "\xe2\x96\xb8") : (d->th->ascii ? "-" : "\xe2\x96\xbe"),
		  ROLE_LABEL, GRID_BOLD, 1);
	/* the name cut rather than the count ("? (8" lost its ")" at 4
	 * columns): the name in what the count leaves, the count after it,
	 * in thousands from 10 000 (a count of 86368 left "pyth" of python3) */
	if (n >= 10000)
		snprintf(count, sizeof(count), " (%zuk)", n / 1000);
	else
		snprintf(count, sizeof(count), " (%zu)", n);
	cw = (int)strlen(count);
	nw = draw_text(d, 2, y, process_name(d->tl, th, n), role, GRID_BOLD, d->name_w > cw ? d->name_w - cw : d->name_w);
	draw_text(d, 2 + nw, y, count, role, GRID_BOLD, d->name_w - nw);
	snprintf(tid, sizeof(tid), "%*d", d->tid_w, (int)timeline_thread(d->tl, first)->tgid);
	draw_text(d, 2 + d->name_w + 1, y, tid, ROLE_LABEL, GRID_BOLD, d->tid_w);
	lanes_draw_cells(d, y, &ref);
	process_stats(d, y, th, n);
	free(th);
}
