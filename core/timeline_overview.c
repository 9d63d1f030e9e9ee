/* The timeline's overview (overview.h): a trim summarizes what it is about
 * to forget, bucket by bucket, from the lanes it forgets it from; a cell
 * that reaches before what the lanes keep adds the overview's part of it.
 * Only a timeline asked to (timeline_keep_overview) keeps one. */
#include <errno.h>
#include <string.h>
#include "overview.h"
#include "timeline_impl.h"

/* Keeps an overview of what trims forget (see timeline.h). */
int timeline_keep_overview(struct timeline *tl, size_t budget)
{
	if (tl->ov)
		return 0;
	return overview_new(&tl->ov, budget);
}

/* A fill's walk of one thread lane after another: the lane's time in
 * each state before the end of the part summed last (the next part
 * starts there). */
struct fill_walk {
	const struct timeline *tl;
	size_t lane;
	uint64_t t;
	uint64_t cum[TL_STATE_MAX];
	uint32_t wakes;
};

/* A thread lane's part [a, b) for the overview: its time in each state
 * (key: the state; not alive: 0), exact (two checkpoints' difference, the
 * first that of the part before), wakeups and the CPU it ran on most. */
static int part_of_thread(void *ctx, size_t i, uint64_t a, uint64_t b, struct ov_part *p)
{
	struct fill_walk *fw = ctx;
	const struct lane *L = &fw->tl->lanes[i];
	uint64_t sum[TL_STATE_MAX], c1[TL_STATE_MAX], alive = 0;
	uint32_t w1;

	if (fw->lane != i || fw->t != a) {
		lane_cum(L, a, fw->cum, &fw->wakes);
		fw->lane = i;
	}
	lane_cum(L, b, c1, &w1);
	for (unsigned s = 0; s < TL_STATE_MAX; s++) {
		sum[s] = c1[s] - fw->cum[s];
		fw->cum[s] = c1[s];
	}
	p->wakes = w1 - fw->wakes;
	fw->wakes = w1;
	fw->t = b;
	for (unsigned s = 1; s < TL_STATE_MAX; s++) {
		alive += sum[s];
		if (sum[s])
			lane_tally_add(&p->ty, s, sum[s]);
	}
	if (b - a > alive)
		lane_tally_add(&p->ty, TL_NOT_ALIVE, b - a - alive);
	p->run_ns = sum[TL_RUNNING] + sum[TL_SPINNING];
	p->ready_ns = sum[TL_RUNNABLE];
	p->alive_ns = alive;
	if (sum[TL_RUNNING]) {
		struct lane_tally ty;
		int best;

		lane_tally_summed(L, a, b, b, LANE_NONE, &ty); /* (key: the CPU + 1) */
		best = lane_tally_best(&ty);
		if (best >= 0 && ty.key[best]) {
			p->cpu = (int16_t)(ty.key[best] - 1);
			p->cpu_ns = ty.amount[best];
		}
	}
	return 0;
}

/* The occupants that are not the program's threads (idle, another
 * program, unknown): their time out of a CPU tally is not the program's. */
static uint64_t tally_program_time(const struct lane_tally *ty)
{
	uint64_t run = ty->n ? ty->whole : 0;

	for (unsigned k = 0; k < ty->n; k++)
		if (ty->key[k] < OCC_THREAD)
			run -= ty->amount[k] < run ? ty->amount[k] : run;
	return run;
}

/* A CPU lane's part [a, b) for the overview: its occupants (the lane's
 * codes; unknown before its first record) and the program's time. */
static int part_of_cpu(void *ctx, size_t c, uint64_t a, uint64_t b, struct ov_part *p)
{
	const struct timeline *tl = ((const struct fill_walk *)ctx)->tl;

	lane_tally_summed(&tl->cpus[c], a, b, tl->end, OCC_UNKNOWN, &p->ty);
	if (!p->ty.n) /* (a CPU with no record: unknown, which the overview keeps no bucket of) */
		lane_tally_add(&p->ty, OCC_UNKNOWN, b - a);
	p->run_ns = tally_program_time(&p->ty);
	return 0;
}

/* Adds [kept_from, t) of every lane that holds records to the overview,
 * before a trim at t forgets it; out of memory, the overview starts again
 * at t. */
void timeline_overview_fill(struct timeline *tl, uint64_t t)
{
	uint64_t from = tl->kept_from > tl->skimmed_to ? tl->kept_from : tl->skimmed_to;
	struct fill_walk fw = {.tl = tl, .lane = SIZE_MAX};
	int r;

	if (!tl->ov || t <= from)
		return;
	if (!overview_room_for(tl->ov, tl->nheld + tl->ncpus)) {
		overview_restart(tl->ov, t); /* (blank before what is kept, as without one) */
		return;
	}
	r = overview_begin(tl->ov, from, t);
	if (r == -EINVAL) { /* (what it covers does not reach from: no gap is drawn as known) */
		overview_restart(tl->ov, from);
		r = overview_begin(tl->ov, from, t);
	}
	for (size_t k = 0; !r && k < tl->nheld; k++) {
		const struct tl_thread *th = &tl->threads[tl->held[k]];

		/* (only where it lives: a program that makes thousands of
		 * short threads adds a bucket or two of each) */
		r = overview_add(tl->ov, OV_THREAD, tl->held[k], th->start_ns, th->exited ? th->end_ns + 1 : UINT64_MAX,
				 part_of_thread, &fw);
	}
	for (unsigned c = 0; !r && c < tl->ncpus; c++)
		r = overview_add(tl->ov, OV_CPU, c, 0, UINT64_MAX, part_of_cpu, &fw);
	if (r)
		overview_restart(tl->ov, t);
	else
		overview_end(tl->ov);
}

/* The overview's summary of lane i of family f over the part of [t0, t1)
 * before what the lanes keep, into p; returns the time it covers. (Every
 * cell asks: one that needs none costs no clearing of the tally.) */
static uint64_t overview_part(const struct timeline *tl, enum ov_family f, size_t i, uint64_t t0, uint64_t t1,
			      struct ov_part *p)
{
	if (!tl->ov || t0 >= tl->kept_from) {
		p->ty.n = 0;
		p->cpu = -1;
		p->cpu_ns = p->wakes = p->run_ns = p->ready_ns = p->alive_ns = 0;
		return 0;
	}
	memset(p, 0, sizeof(*p));
	p->cpu = -1;
	return overview_sum(tl->ov, f, i, t0, t1 < tl->kept_from ? t1 : tl->kept_from, p);
}

/* Adds a thread's overview part to sum by state: its time alive, on a
 * CPU and waiting for one as kept apart (a bucket's two keys lose a third
 * state: a worker 16% running, 34% runnable and 50% blocked kept no
 * running), its other states' keys as they are, and the time alive that
 * none of those holds (a third state off a CPU) to the largest of them,
 * or to blocked, unknown. */
static void thread_part_sum(const struct ov_part *p, uint64_t covered, uint64_t sum[TL_STATE_MAX])
{
	uint64_t spin = 0, placed = p->run_ns + p->ready_ns, most = 0, alive = p->alive_ns;
	unsigned big = TL_BLOCKED_UNKNOWN;

	for (unsigned k = 0; k < p->ty.n; k++) {
		uint32_t key = p->ty.key[k];

		if (key >= TL_STATE_MAX || key == TL_NOT_ALIVE)
			continue;
		if (key == TL_SPINNING)
			spin = p->ty.amount[k] < p->run_ns ? p->ty.amount[k] : p->run_ns;
		if (tl_state_on_cpu(key) || key == TL_RUNNABLE)
			continue;
		sum[key] += p->ty.amount[k];
		placed += p->ty.amount[k];
		if (p->ty.amount[k] > most) {
			most = p->ty.amount[k];
			big = key;
		}
	}
	if (alive > covered)
		alive = covered;
	sum[TL_NOT_ALIVE] += covered - alive;
	sum[TL_SPINNING] += spin;
	sum[TL_RUNNING] += p->run_ns - spin;
	sum[TL_RUNNABLE] += p->ready_ns;
	if (alive > placed)
		sum[big] += alive - placed;
}

/* The overview's part of thread i's column [t0, t1) (t0 before what the
 * lanes keep), added to sum (by state) and *wakes; returns the time it
 * covers, and the CPU it ran on most there in *cpu (-1) with its time in
 * *cpu_ns. */
uint64_t timeline_overview_thread(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1,
				  uint64_t sum[TL_STATE_MAX], uint64_t *wakes, int16_t *cpu, uint64_t *cpu_ns)
{
	struct ov_part p;
	uint64_t covered = overview_part(tl, OV_THREAD, i, t0, t1, &p);

	thread_part_sum(&p, covered, sum);
	*wakes += p.wakes;
	*cpu = p.cpu;
	*cpu_ns = p.cpu_ns;
	return covered;
}

/* The overview's part of CPU c's column [t0, t1) (t0 before what the
 * lanes keep), added to ty by occupant and *run_ns; returns the time it
 * covers. */
uint64_t timeline_overview_cpu(const struct timeline *tl, unsigned c, uint64_t t0, uint64_t t1,
			       struct lane_tally *ty, uint64_t *run_ns)
{
	struct ov_part p;
	uint64_t covered = overview_part(tl, OV_CPU, c, t0, t1, &p);

	for (unsigned k = 0; k < p.ty.n; k++)
		lane_tally_add(ty, p.ty.key[k], p.ty.amount[k]);
	*run_ns += p.run_ns;
	return covered;
}

/* Whether the overview draws a window of columns of npc well (see
 * timeline.h). */
bool timeline_overview_draws(const struct timeline *tl, uint64_t from, uint64_t to, uint64_t npc)
{
	return tl->ov && overview_from(tl->ov) <= from &&
	       npc / OVERVIEW_COLUMN_BUCKETS >= overview_width_at(tl->ov, to);
}

/* What the overview covers, [*from, *to); false when it covers nothing
 * (see timeline.h). */
bool timeline_overview_span(const struct timeline *tl, uint64_t *from, uint64_t *to, uint64_t *width)
{
	if (!tl->ov || overview_to(tl->ov) <= overview_from(tl->ov))
		return false;
	*from = overview_from(tl->ov);
	*to = overview_to(tl->ov);
	*width = overview_width(tl->ov);
	return true;
}
