/* The timeline, query half: sums, cells, instants, stepping and the log,
 * read from the lanes and time indexes timeline.c built. Every question
 * costs a few binary searches, at most two blocks' walks and a few lookups
 * in the lanes' summaries, whatever the window's length. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "timeline_impl.h"

#define LATENCY_STEPS 256 /* a wakeup's latency: records looked at after it, at most */

/* Time spent in each state by thread i within [t0, t1). */
void timeline_thread_sum(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, uint64_t out[TL_STATE_MAX])
{
	uint64_t c0[TL_STATE_MAX], c1[TL_STATE_MAX], ov[TL_STATE_MAX] = {0}, alive = 0, covered = 0, wakes = 0, on;
	uint32_t w0, w1;
	int16_t cpu;
	unsigned s;

	memset(out, 0, sizeof(uint64_t) * TL_STATE_MAX);
	if (t1 <= t0)
		return;
	if (i < tl->nthreads && t0 < tl->end) {
		lane_cum(&tl->lanes[i], t0, c0, &w0);
		lane_cum(&tl->lanes[i], t1 < tl->end ? t1 : tl->end, c1, &w1);
		for (s = 1; s < TL_STATE_MAX; s++) {
			out[s] = c1[s] - c0[s];
			alive += out[s];
		}
		/* before what the lanes keep (they hold nothing there): the
		 * overview, whose dropped keys count nowhere */
		covered = timeline_overview_thread(tl, i, t0, t1, ov, &wakes, &cpu, &on);
		for (s = 1; s < TL_STATE_MAX; s++)
			out[s] += ov[s];
	}
	out[TL_NOT_ALIVE] = (t1 - t0) - covered - alive + ov[TL_NOT_ALIVE];
}

/* The CPU a thread ran on most within [t0, t1) (t1 <= the end), or -1:
 * the lane's own key (lane_sum_key) is the CPU + 1 of a running record. */
static int16_t running_cpu(const struct lane *L, uint64_t t0, uint64_t t1)
{
	struct lane_tally ty;
	int best;

	lane_tally_summed(L, t0, t1, t1, LANE_NONE, &ty);
	best = lane_tally_best(&ty);
	return best < 0 || ty.key[best] == 0 ? -1 : (int16_t)(ty.key[best] - 1);
}

/* The cell of thread i for the column [t0, t1). */
void timeline_thread_cell(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, struct tl_cell *cell)
{
	uint64_t sum[TL_STATE_MAX], ov[TL_STATE_MAX] = {0}, alive = 0, te1, covered, wakes, ov_cpu_ns;
	const struct lane *L;
	uint32_t w;
	int16_t ov_cpu;
	unsigned s, best = TL_NOT_ALIVE;

	memset(cell, 0, sizeof(*cell));
	cell->state = TL_NOT_ALIVE;
	cell->cpu = -1;
	if (t1 <= t0 || i >= tl->nthreads || t0 >= tl->end)
		return;
	L = &tl->lanes[i];
	te1 = t1 < tl->end ? t1 : tl->end;
	lane_window_sum(L, t0, te1, sum, &w);
	if (t1 > tl->end) { /* wakeups at the very end count too */
		uint64_t c[TL_STATE_MAX];
		uint32_t we;

		lane_cum(L, te1, c, &we);
		w += L->wakes - we;
	}
	/* before what the lanes keep (they hold nothing there): the overview */
	wakes = w;
	covered = timeline_overview_thread(tl, i, t0, t1, ov, &wakes, &ov_cpu, &ov_cpu_ns);
	for (s = 1; s < TL_STATE_MAX; s++) {
		alive += sum[s];
		if (sum[s] + ov[s] > 0 && (best == TL_NOT_ALIVE || sum[s] + ov[s] > sum[best] + ov[best]))
			best = s;
	}
	sum[TL_NOT_ALIVE] = (t1 - t0) - covered - alive; /* (the overview's own dropped keys count nowhere) */
	for (s = 0; s < TL_STATE_MAX; s++)
		sum[s] += ov[s];
	if (best != TL_NOT_ALIVE && sum[TL_NOT_ALIVE] > sum[best])
		best = TL_NOT_ALIVE;
	cell->state = (uint8_t)best;
	cell->mixed = sum[best] <= (t1 - t0) / 2;
	cell->wakeup = wakes > 0;
	cell->wakeups = wakes < UINT32_MAX ? (uint32_t)wakes : UINT32_MAX;
	if (best == TL_RUNNING)
		cell->cpu = ov[TL_RUNNING] > sum[TL_RUNNING] - ov[TL_RUNNING] ? ov_cpu : running_cpu(L, t0, te1);
}

/* Whether two records of state st continue one state: the same CPU when
 * running, the same wait when blocked. */
static bool same_state(unsigned st, uint32_t a, uint32_t b)
{
	if (LANE_STATE(a) != st || LANE_STATE(b) != st)
		return false;
	return !(st == TL_RUNNING || tl_state_blocked(st)) || LANE_AUX(a) == LANE_AUX(b);
}

/* Thread i at instant t. */
void timeline_thread_at(const struct timeline *tl, size_t i, uint64_t t, struct tl_at *at)
{
	const struct lane *L;
	struct lane_pos p, q;
	uint32_t code, st, wcode;
	uint64_t wts, cut;
	bool earlier;

	memset(at, 0, sizeof(*at));
	at->state = TL_NOT_ALIVE;
	at->cpu = -1;
	at->woken_by = TL_WAKER_UNKNOWN;
	at->object = -1;
	at->holder = -1;
	if (i >= tl->nthreads)
		return;
	if (t > tl->end) {
		at->since = tl->end;
		return;
	}
	L = &tl->lanes[i];
	if (!lane_seek(L, t, true, &p)) {
		const struct tl_thread *th = &tl->threads[i];

		/* not born yet; or gone before what is kept, its lane emptied by
		 * a trim: not alive since then, as its last record said */
		if (th->exited && th->end_ns <= t && t >= tl->kept_from)
			at->since = th->end_ns > tl->kept_from ? th->end_ns : tl->kept_from;
		return;
	}
	code = lane_code(L, &p);
	st = LANE_STATE(code);
	at->state = (uint8_t)st;
	at->cpu = tl_state_on_cpu(st) && LANE_AUX(code) ? (int16_t)(LANE_AUX(code) - 1) : -1;
	if (tl_state_blocked(st) && LANE_AUX(code) && LANE_AUX(code) <= tl->nwaits) {
		at->object = tl->waits[LANE_AUX(code) - 1].object;
		at->holder = tl->waits[LANE_AUX(code) - 1].holder;
		at->signalling = tl->waits[LANE_AUX(code) - 1].signalling;
	}
	/* the state began at the first of the records that repeat it; when
	 * that is the lane's first, after a trim or a skim, at it or before */
	q = p;
	at->since = q.ts;
	while ((earlier = lane_prev(L, &q)) && same_state(st, lane_code(L, &q), code))
		at->since = q.ts;
	cut = tl->kept_from > tl->skimmed_to ? tl->kept_from : tl->skimmed_to;
	at->since_cut = !earlier && cut && at->since <= cut;
	if (st != TL_RUNNING && st != TL_RUNNABLE && st != TL_SPINNING)
		return;
	if (lane_last_wakeup(L, &p, &wcode, &wts)) { /* who woke it last */
		at->woken_by = (int64_t)LANE_AUX(wcode) - WAKER_BIAS;
		at->woken_at = wts;
	}
}

/* The occupant kind and thread of a CPU lane code. */
static void occ_decode(uint32_t occ, struct tl_cpu_cell *cell)
{
	cell->thread = 0;
	if (occ >= OCC_THREAD) {
		cell->kind = TL_CPU_THREAD;
		cell->thread = occ - OCC_THREAD;
	} else {
		cell->kind = occ == OCC_IDLE ? TL_CPU_IDLE : occ == OCC_OTHER ? TL_CPU_OTHER : TL_CPU_UNKNOWN;
	}
}

/* The cell of CPU cpu for the column [t0, t1). */
void timeline_cpu_cell(const struct timeline *tl, unsigned cpu, uint64_t t0, uint64_t t1, struct tl_cpu_cell *cell)
{
	struct lane_tally ty;
	uint64_t lane_from = t0, ov_run = 0, covered = 0;
	unsigned k;
	int best;

	memset(cell, 0, sizeof(*cell));
	cell->kind = TL_CPU_UNKNOWN;
	if (cpu >= tl->ncpus || t1 <= t0 || t0 >= tl->end)
		return;
	if (tl->ov && t0 < tl->kept_from)
		lane_from = t1 < tl->kept_from ? t1 : tl->kept_from; /* (before it: the overview's) */
	if (lane_from < t1)
		lane_tally_summed(&tl->cpus[cpu], lane_from, t1, tl->end, OCC_UNKNOWN, &ty); /* its key: the occupant */
	else
		ty.n = 0, ty.whole = 0; /* (all of it the overview's: only the keys used are read) */
	/* idle, another program and unknown are one key each, among the few
	 * a wide cell's summaries keep wherever they count; the program's
	 * time is spread over many threads, whose smaller shares they drop */
	cell->run_ns = ty.n ? ty.whole : 0; /* (a lane with no record: unknown) */
	for (k = 0; k < ty.n; k++)
		if (ty.key[k] < OCC_THREAD)
			cell->run_ns -= ty.amount[k] < cell->run_ns ? ty.amount[k] : cell->run_ns;
	if (lane_from > t0) {
		covered = timeline_overview_cpu(tl, cpu, t0, lane_from, &ty, &ov_run);
		if (lane_from - t0 > covered)
			lane_tally_add(&ty, OCC_UNKNOWN, lane_from - t0 - covered);
		ty.whole = t1 - t0;
		cell->run_ns += ov_run;
	}
	cell->span_ns = ty.whole;
	best = lane_tally_best(&ty);
	if (best < 0)
		return;
	occ_decode(ty.key[best], cell);
	cell->mixed = ty.amount[best] <= ty.whole / 2;
	if (cell->kind == TL_CPU_IDLE && !cell->mixed)
		cell->undone = undone_cpu_marked(tl->undone, cpu, t0, t1, tl->end);
}

/* The first scheduling event strictly after t. */
int timeline_next_event(const struct timeline *tl, uint64_t t, uint64_t *ts)
{
	uint64_t i;

	if (t == UINT64_MAX)
		return -ENOENT;
	i = tix_lower(&tl->times, t + 1);
	if (i >= tl->times.count)
		return -ENOENT;
	tix_at(&tl->times, i, ts, NULL);
	return 0;
}

/* The last scheduling event strictly before t. */
int timeline_prev_event(const struct timeline *tl, uint64_t t, uint64_t *ts)
{
	uint64_t i = tix_lower(&tl->times, t);

	if (i == 0)
		return -ENOENT;
	tix_at(&tl->times, i - 1, ts, NULL);
	return 0;
}

/* ---- the log ---- */

/* Fills a wakeup log entry of thread i at ts from its lane: the waker, and
 * when and where it ran next. */
static void wakeup_details(const struct timeline *tl, size_t i, uint64_t ts, struct tl_log_entry *e)
{
	const struct lane *L = &tl->lanes[i];
	struct lane_pos p;
	unsigned steps;

	e->other = TL_WAKER_UNKNOWN;
	e->cpu = -1;
	if (!lane_seek(L, ts, true, &p))
		return;
	while (!(lane_code(L, &p) & LANE_WAKE)) { /* the wakeup record among those at ts */
		if (!lane_prev(L, &p) || p.ts != ts)
			return;
	}
	e->other = (int64_t)LANE_AUX(lane_code(L, &p)) - WAKER_BIAS;
	for (steps = 0; steps < LATENCY_STEPS && lane_next(L, &p); steps++) {
		uint32_t code = lane_code(L, &p);

		if (LANE_STATE(code) == TL_RUNNING) {
			e->latency_ns = p.ts - ts;
			e->cpu = LANE_AUX(code) ? (int16_t)(LANE_AUX(code) - 1) : -1;
			return;
		}
		if (LANE_STATE(code) != TL_RUNNABLE)
			return;
	}
}

/* The number of entries in the log. */
uint64_t timeline_log_count(const struct timeline *tl)
{
	return tl->log.count;
}

/* The number of the first log entry at or after t. */
uint64_t timeline_log_index(const struct timeline *tl, uint64_t t)
{
	return tix_lower(&tl->log, t);
}

/* Log entry i (< the count) into e. */
static void log_entry(const struct timeline *tl, uint64_t i, struct tl_log_entry *e)
{
	uint32_t val, payload;

	memset(e, 0, sizeof(*e));
	tix_at(&tl->log, i, &e->ts, &val);
	e->kind = (uint8_t)(val >> LOG_KIND_SHIFT);
	payload = val & LOG_PAYLOAD_MAX;
	e->other = -1;
	e->cpu = -1;
	if (e->kind == TL_LOG_WAKEUP) {
		e->thread = payload;
		wakeup_details(tl, payload, e->ts, e);
	} else if (e->kind == TL_LOG_BLOCK) {
		struct tl_at at;

		e->thread = payload;
		timeline_thread_at(tl, payload, e->ts, &at);
		e->other = at.holder;
		e->value = at.object;
		timeline_object_label(tl, at.object, e->text, sizeof(e->text));
	} else if (e->kind == TL_LOG_EXIT || e->kind == TL_LOG_NEW) {
		e->thread = payload;
		if (e->kind == TL_LOG_NEW)
			e->other = tl->created_by[payload];
	} else if (e->kind == TL_LOG_NOTE) {
		e->note = tl->notes[payload];
		e->thread = e->note.thread >= 0 ? (size_t)e->note.thread : SIZE_MAX;
	} else {
		const struct xlog *x = &tl->x[payload];

		e->thread = x->thread;
		e->other = x->other;
		e->cpu = x->cpu;
		e->value = x->value;
		if (x->text)
			snprintf(e->text, sizeof(e->text), "%s", x->text);
	}
}

/* The number of markers. */
size_t timeline_mark_count(const struct timeline *tl)
{
	return tl->nmarks;
}

/* The number of the first marker at or after t. */
size_t timeline_mark_index(const struct timeline *tl, uint64_t t)
{
	size_t lo = 0, hi = tl->nmarks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->marks[mid].ts < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Marker i as a log entry. */
void timeline_mark(const struct timeline *tl, size_t i, struct tl_log_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = TL_LOG_MARK;
	e->other = -1;
	e->cpu = -1;
	if (i >= tl->nmarks)
		return;
	e->ts = tl->marks[i].ts;
	e->thread = tl->marks[i].thread;
	e->value = tl->marks[i].value;
	if (tl->marks[i].text)
		snprintf(e->text, sizeof(e->text), "%s", tl->marks[i].text);
}

/* Whether marker i is the last at or before t for sure (see timeline.h). */
bool timeline_mark_last_known(const struct timeline *tl, size_t i, uint64_t t)
{
	return !(tl->marks_gap_to && i + 1 == TL_MARKS_LOOKBACK && i < tl->nmarks && t > tl->marks[i].ts);
}

/* Log entries first, first + 1, ...: at most max. */
size_t timeline_log_read(const struct timeline *tl, uint64_t first, struct tl_log_entry *out, size_t max)
{
	size_t n;

	for (n = 0; n < max && first < tl->log.count && first + n < tl->log.count; n++)
		log_entry(tl, first + n, &out[n]);
	return n;
}
