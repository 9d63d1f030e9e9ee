/* The overview (core/overview.h): what a timeline's trims forget, kept as
 * a coarse summary. First the store alone, fed a known signal: its sums,
 * a bucket filled in two trims, the width doubling, the budget. Then
 * timelines of recorded traces trimmed again and again while built, whose
 * columns before what they keep are compared with those of the timeline
 * that kept everything. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "overview.h"
#include "timeline.h"
#include "trace.h"
#include "traces.h"

#define MS 1000000ull

/* The signal: key 1 for the first 7 ms of every 10 (on CPU i + 1), key 2
 * for the rest, and a wakeup every millisecond; a lane of index i starts
 * at i * 100 ms (key 0, not alive, before). */
static uint64_t signal_key1(uint64_t a, uint64_t b)
{
	uint64_t n = 0, t;

	for (t = a; t < b;) {
		uint64_t p = t % (10 * MS), end = t - p + (p < 7 * MS ? 7 * MS : 10 * MS);

		if (end > b)
			end = b;
		if (p < 7 * MS)
			n += end - t;
		t = end;
	}
	return n;
}

/* The signal's part [a, b) of lane i, for overview_add. */
static int signal_part(void *ctx, size_t i, uint64_t a, uint64_t b, struct ov_part *p)
{
	uint64_t born = i * 100 * MS, k1;

	(void)ctx;
	if (b <= born) {
		lane_tally_add(&p->ty, 0, b - a);
		return 0;
	}
	if (a < born) {
		lane_tally_add(&p->ty, 0, born - a);
		a = born;
	}
	k1 = signal_key1(a, b);
	lane_tally_add(&p->ty, 1, k1);
	lane_tally_add(&p->ty, 2, b - a - k1);
	p->wakes = b / MS - a / MS;
	if (k1) {
		p->cpu = (int16_t)(i + 1);
		p->cpu_ns = k1;
	}
	return 0;
}

/* A lane alive all along a part, key 1. */
static int alive_part(void *ctx, size_t i, uint64_t a, uint64_t b, struct ov_part *p)
{
	(void)ctx;
	(void)i;
	lane_tally_add(&p->ty, 1, b - a);
	return 0;
}

/* Fills lanes [0, nlanes) of ov over [from, t), as fn sums them. */
static int fill_with(struct overview *ov, size_t nlanes, uint64_t from, uint64_t t, ov_sum_fn fn)
{
	int r = overview_begin(ov, from, t);

	for (size_t i = 0; !r && i < nlanes; i++)
		r = overview_add(ov, OV_THREAD, i, 0, UINT64_MAX, fn, NULL);
	if (!r)
		overview_end(ov);
	return r;
}

/* Fills lanes [0, nlanes) of ov over [from, t) with the signal. */
static int fill(struct overview *ov, size_t nlanes, uint64_t from, uint64_t t)
{
	return fill_with(ov, nlanes, from, t, signal_part);
}

/* The share of key in a sum, in thousandths. */
static unsigned per_mille(const struct ov_part *p, uint32_t key, uint64_t whole)
{
	for (unsigned k = 0; k < p->ty.n; k++)
		if (p->ty.key[k] == key)
			return (unsigned)((double)p->ty.amount[k] * 1000 / (double)whole + 0.5);
	return 0;
}

/* Whether every window of width w (a multiple of 10 ms and of the
 * buckets' width) from lane's birth until t sums to the signal's 70/30
 * within a percent, with its wakeups, and names its CPU, on it as long
 * as the signal's key 1 in its bucket that had the most of it (a bucket's
 * time on one CPU adds up through merges). */
static bool windows_right(const struct overview *ov, size_t lane, uint64_t w, uint64_t t)
{
	for (uint64_t t0 = (lane * 100 * MS + w - 1) / w * w; t0 + w <= t; t0 += w) {
		uint64_t bw = overview_width(ov), most;
		struct ov_part p;
		unsigned k1, k2, on;

		memset(&p, 0, sizeof(p));
		p.cpu = -1;
		if (overview_sum(ov, OV_THREAD, lane, t0, t0 + w, &p) != w)
			return false;
		k1 = per_mille(&p, 1, w);
		k2 = per_mille(&p, 2, w);
		on = (unsigned)(p.cpu_ns * 1000 / bw);
		most = 0;
		for (uint64_t a = t0; a < t0 + w; a += bw)
			most = signal_key1(a, a + bw) > most ? signal_key1(a, a + bw) : most;
		most = most * 1000 / bw;
		if (k1 < 690 || k1 > 710 || k2 < 290 || k2 > 310 || p.wakes + 2 < w / MS || p.wakes > w / MS + 2 ||
		    p.cpu != (int16_t)(lane + 1) || on + 10 < most || on > most + 10) {
			printf("  lane %zu [%llu ms, +%llu ms): key 1 %u, key 2 %u per mille, %llu wakeups, CPU %d "
			       "%u per mille of a bucket (%llu)\n", lane, (unsigned long long)(t0 / MS),
			       (unsigned long long)(w / MS), k1, k2, (unsigned long long)p.wakes, p.cpu, on,
			       (unsigned long long)most);
			return false;
		}
	}
	return true;
}

/* The store alone: sums of a known signal over fills that cut buckets in
 * two, across a doubling of the width. */
static void test_signal(void)
{
	struct overview *ov = NULL;
	struct ov_part p;
	bool ok;

	CHECK(overview_new(&ov, 64u << 20) == 0, "overview: made");
	if (!ov)
		return;
	/* trims at instants inside buckets, the last past the first grid */
	ok = fill(ov, 3, 0, 333 * MS + 123457) == 0 && fill(ov, 3, 333 * MS + 123457, 1000 * MS + 700001) == 0;
	CHECK(ok && overview_width(ov) == OVERVIEW_WIDTH0, "overview: two fills within the first grid keep 1 ms buckets");
	CHECK(windows_right(ov, 0, 10 * MS, 1000 * MS) && windows_right(ov, 1, 50 * MS, 1000 * MS),
	      "overview: every 10 ms and 50 ms window sums to the signal's 70/30 (a bucket cut by a trim too)");
	ok = fill(ov, 3, 1000 * MS + 700001, 5000 * MS) == 0;
	CHECK(ok && overview_width(ov) == 8 * MS, "overview: a fill to 5 s doubles the width to 8 ms (1024 buckets)");
	CHECK(windows_right(ov, 0, 40 * MS, 5000 * MS) && windows_right(ov, 2, 200 * MS, 5000 * MS),
	      "overview: after the doubling, windows of whole buckets still sum to 70/30, and the wakeups");
	memset(&p, 0, sizeof(p));
	p.cpu = -1;
	overview_sum(ov, OV_THREAD, 2, 0, 200 * MS, &p);
	CHECK(per_mille(&p, 0, 200 * MS) == 1000, "overview: a lane before its birth is key 0 (not alive)");
	memset(&p, 0, sizeof(p));
	CHECK(overview_sum(ov, OV_THREAD, 0, 5000 * MS, 6000 * MS, &p) == 0 && p.ty.n == 0,
	      "overview: past what it covers, it adds nothing");
	CHECK(fill(ov, 3, 4000 * MS, 6000 * MS) == -EINVAL, "overview: a fill that does not start where the last ended is refused");
	overview_free(ov);
}

/* A thread gone inside the bucket the last fill cut, which the next fill
 * does not name (a trim names only the lanes that hold records): the rest
 * of that bucket is key 0 for it, not its last state stretched over it. */
static void test_gone_in_cut_bucket(void)
{
	struct overview *ov = NULL;
	struct ov_part p;
	int r;

	CHECK(overview_new(&ov, 1u << 20) == 0, "overview gone: made");
	if (!ov)
		return;
	r = fill_with(ov, 1, 0, 5 * MS + MS / 2, alive_part);
	if (!r)
		r = fill_with(ov, 0, 5 * MS + MS / 2, 10 * MS, alive_part); /* (names no lane) */
	memset(&p, 0, sizeof(p));
	overview_sum(ov, OV_THREAD, 0, 5 * MS, 6 * MS, &p);
	CHECK(!r && per_mille(&p, 1, MS) == 500 && per_mille(&p, 0, MS) == 500,
	      "overview gone: alive half the bucket a fill cut, then not named: half of it key 1, half key 0");
	memset(&p, 0, sizeof(p));
	overview_sum(ov, OV_THREAD, 0, 0, 10 * MS, &p);
	CHECK(per_mille(&p, 1, 10 * MS) == 550, "overview gone: 5.5 ms of 10 alive");
	overview_free(ov);
}

/* Times at the clock's end (a crafted file's): the width stops doubling
 * before the grid's ends pass 2^64, and nothing divides by a width that
 * wrapped to 0. */
static void test_clock_end(void)
{
	struct overview *ov = NULL;
	struct ov_part p;
	uint64_t end = UINT64_MAX - 5;
	int r;

	CHECK(overview_new(&ov, 1u << 20) == 0, "overview clock end: made");
	if (!ov)
		return;
	r = fill_with(ov, 1, 0, end / 2, alive_part);
	if (!r)
		r = fill_with(ov, 1, end / 2, end, alive_part);
	memset(&p, 0, sizeof(p));
	CHECK(!r && overview_width(ov) > 0 && overview_sum(ov, OV_THREAD, 0, 0, end, &p) == end &&
	      per_mille(&p, 1, end) >= 990, "overview clock end: filled up to 2^64 - 6 ns, alive all along");
	overview_free(ov);
}

/* The budget: many lanes over a long time are coarsened until they fit,
 * and still sum right over windows of whole buckets. */
static void test_budget(void)
{
	struct overview *ov = NULL;
	size_t budget = 256u << 10;
	bool ok = true;

	CHECK(overview_new(&ov, budget) == 0, "overview budget: made");
	if (!ov)
		return;
	for (uint64_t t = 0; ok && t < 30000 * MS; t += 1500 * MS)
		ok = fill(ov, 40, t, t + 1500 * MS) == 0;
	CHECK(ok && overview_memory(ov) <= budget + 4096,
	      "overview budget: 40 lanes over 30 s hold no more than 256 KiB (and their slots and first buckets)");
	printf("  %zu bytes, buckets of %llu ms\n", overview_memory(ov), (unsigned long long)(overview_width(ov) / MS));
	CHECK(overview_width(ov) >= 64 * MS, "overview budget: coarser than the 32 ms the time alone asks for");
	CHECK(windows_right(ov, 0, 10 * overview_width(ov), 30000 * MS) &&
	      windows_right(ov, 39, 20 * overview_width(ov), 30000 * MS),
	      "overview budget: windows of whole buckets still sum to 70/30");
	overview_free(ov);
}

/* Lanes of two buckets across an odd boundary ([1 ms, 3 ms) in 1 ms
 * buckets): one doubling leaves them two ([0, 2) and [2, 4)), the next
 * makes them one. Over budget, the fill's end must not stop at the first. */
static void test_odd_pairs(void)
{
	struct overview *ov = NULL;
	size_t n = 100, budget = 1000, i;
	int r;

	CHECK(overview_new(&ov, budget) == 0, "overview odd pairs: made");
	if (!ov)
		return;
	r = overview_begin(ov, 0, 3 * MS);
	for (i = 0; !r && i < n; i++)
		r = overview_add(ov, OV_THREAD, i, MS, 3 * MS, alive_part, NULL);
	if (!r)
		overview_end(ov);
	printf("  %zu lanes of [1, 3) ms: %zu bytes, buckets of %llu ms\n", n, overview_memory(ov),
	       (unsigned long long)(overview_width(ov) / MS));
	CHECK(!r && overview_width(ov) == 4 * MS && overview_memory(ov) <= budget + n * 64,
	      "overview odd pairs: 100 lanes of two 1 ms buckets across an odd boundary, 2000 bytes over a "
	      "1000-byte budget, are doubled twice to one 4 ms bucket each");
	overview_free(ov);
}

/* A short thread's part: lane i lives [i ms, i ms + 0.5 ms) (key 1). */
static int short_part(void *ctx, size_t i, uint64_t a, uint64_t b, struct ov_part *p)
{
	uint64_t born = i * MS, gone = born + MS / 2, x = a > born ? a : born, y = b < gone ? b : gone;

	(void)ctx;
	if (y > x)
		lane_tally_add(&p->ty, 1, y - x);
	lane_tally_add(&p->ty, 0, b - a - (y > x ? y - x : 0));
	return 0;
}

/* Many short threads, each a bucket: what no coarsening frees is not
 * weighed against the budget, so the width stays what the time asks for
 * (a width doubled at every fill once the lanes' first buckets pass the
 * budget would soon draw nothing). */
static void test_many_short(void)
{
	struct overview *ov = NULL;
	size_t n = 20000, i;
	uint64_t t, step = 2000 * MS;
	int r = 0;

	CHECK(overview_new(&ov, 64u << 10) == 0, "overview short threads: made");
	if (!ov)
		return;
	for (t = 0; !r && t < 20000 * MS; t += step) {
		r = overview_begin(ov, t, t + step);
		for (i = t / MS; !r && i < n && i < (t + step) / MS; i++)
			r = overview_add(ov, OV_THREAD, i, i * MS, i * MS + MS / 2, short_part, NULL);
		if (!r)
			overview_end(ov);
	}
	printf("  %zu short threads: %zu bytes, buckets of %llu ms\n", n, overview_memory(ov),
	       (unsigned long long)(overview_width(ov) / MS));
	CHECK(!r && overview_width(ov) == 32 * MS,
	      "overview short threads: 20 000 threads of 0.5 ms over 20 s keep the 32 ms buckets the time asks for");
	CHECK(overview_memory(ov) <= (64u << 10) + n * 64,
	      "overview short threads: within the budget and 64 bytes a thread");
	overview_free(ov);
}

/* The share of the largest state of thread i over [t0, t1) in whole, in
 * thousandths, and the state. */
static unsigned best_share(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, unsigned *state)
{
	uint64_t sum[TL_STATE_MAX];
	unsigned s, best = 0;

	timeline_thread_sum(tl, i, t0, t1, sum);
	for (s = 1; s < TL_STATE_MAX; s++)
		if (sum[s] > sum[best])
			best = s;
	*state = best;
	return (unsigned)(sum[best] * 1000 / (t1 - t0));
}

/* The largest difference, in thousandths of a window of 16 buckets, of a
 * thread's time on a CPU, waiting for one, and blocked (every other state
 * alive), between cut and whole over [0, kept): what a process row and
 * the percentages beside a lane are made of. */
static unsigned worst_class_share(const struct timeline *whole, const struct timeline *cut, uint64_t kept,
				  uint64_t w, unsigned *cls)
{
	unsigned worst = 0;

	for (uint64_t t0 = 0; t0 + w <= kept; t0 += w) {
		for (size_t i = 0; i < timeline_thread_count(whole); i++) {
			uint64_t a[TL_STATE_MAX], b[TL_STATE_MAX], x[3] = {0}, y[3] = {0};

			timeline_thread_sum(whole, i, t0, t0 + w, a);
			timeline_thread_sum(cut, i, t0, t0 + w, b);
			for (unsigned s = 1; s < TL_STATE_MAX; s++) {
				unsigned c = tl_state_on_cpu(s) ? 0 : s == TL_RUNNABLE ? 1 : 2;

				x[c] += a[s];
				y[c] += b[s];
			}
			for (unsigned c = 0; c < 3; c++) {
				uint64_t d = x[c] > y[c] ? x[c] - y[c] : y[c] - x[c];
				unsigned pm = (unsigned)(d * 1000 / w);

				if (pm > worst) {
					worst = pm;
					*cls = c;
				}
			}
		}
	}
	return worst;
}

/* Builds whole from every event of path, cut (with an overview of budget
 * bytes unless 0)
 * from the same events, trimmed at every eighth of the trace's time up to
 * six eighths as the events pass them. Returns the last trim's instant, or
 * 0 on failure. */
static uint64_t build_cut(const char *path, struct timeline **whole, struct timeline **cut, size_t budget)
{
	struct trace_reader *r2 = NULL;
	struct event e;
	uint64_t end = 0;
	unsigned next = 1;
	int err = test_timeline_of(path, whole), err2 = 0;

	*cut = NULL;
	if (!err) {
		end = timeline_end(*whole);
		err = trace_reader_new(&r2, path);
	}
	if (!err)
		err = timeline_new(cut, trace_reader_info(r2)->ncpus);
	if (!err && budget)
		err = timeline_keep_overview(*cut, budget);
	while (!err && (err = trace_reader_next(r2, &e)) == 1) {
		while (next <= 6 && e.ts >= end / 8 * next + end / 16)
			err2 |= timeline_trim(*cut, end / 8 * next++);
		err = timeline_add(*cut, &e);
	}
	if (!err)
		timeline_set_end(*cut, end);
	trace_reader_free(r2);
	return !err && !err2 && next == 7 ? end / 8 * 6 : 0;
}

/* A recorded trace, trimmed six times: before what it keeps, a column of
 * a few buckets shows the state that took three quarters of it or more in
 * the timeline that kept everything; without an overview, it is blank. */
static void test_trace(const char *path)
{
	struct timeline *whole, *cut, *bare, *whole2, *tiny, *whole3;
	uint64_t kept = build_cut(path, &whole, &cut, 1u << 20), from, to, width, w;
	size_t compared = 0, wrong = 0, wrong_sums = 0, blank = 0, cpus = 0, cpus_same = 0, running = 0, ran_on = 0, no_cpu = 0;
	char name[200];

	build_cut(path, &whole2, &bare, 0);
	build_cut(path, &whole3, &tiny, 64); /* (no room for a bucket a lane: none kept) */
	snprintf(name, sizeof(name), "overview %s: built and trimmed six times, with and without an overview", path);
	CHECK(kept && whole && cut && bare, name);
	if (!kept || !whole || !cut || !bare)
		goto out;
	snprintf(name, sizeof(name), "overview %s: it covers what the trims forgot, [0, %llu ms)", path,
		 (unsigned long long)(kept / MS));
	CHECK(timeline_overview_span(cut, &from, &to, &width) && from == 0 && to == kept &&
	      timeline_kept_from(cut) == kept, name);
	w = 4 * width;
	for (uint64_t t0 = 0; t0 + w <= kept; t0 += w) {
		for (size_t i = 0; i < timeline_thread_count(whole); i++) {
			struct tl_cell c, b;
			unsigned st, cut_st, share = best_share(whole, i, t0, t0 + w, &st);

			timeline_thread_cell(bare, i, t0, t0 + w, &b);
			blank += b.state == TL_NOT_ALIVE;
			if (share < 750)
				continue;
			timeline_thread_cell(cut, i, t0, t0 + w, &c);
			compared++;
			if (best_share(cut, i, t0, t0 + w, &cut_st) < 600 || cut_st != st)
				wrong_sums++;
			if (st == TL_RUNNING && c.state == TL_RUNNING) {
				struct tl_cell u;

				timeline_thread_cell(whole, i, t0, t0 + w, &u);
				running++;
				ran_on += u.cpu == c.cpu;
				no_cpu += c.cpu < 0;
			}
			if (c.state != st) {
				if (wrong++ < 3)
					printf("  thread %zu [%llu ms, +%llu ms): %u (%u per mille) kept everything, %u summed\n",
					       i, (unsigned long long)(t0 / MS), (unsigned long long)(w / MS), st, share,
					       c.state);
			}
		}
		for (unsigned k = 0; k < timeline_ncpus(whole); k++) {
			struct tl_cpu_cell u, v;

			timeline_cpu_cell(whole, k, t0, t0 + w, &u);
			if (u.mixed)
				continue;
			timeline_cpu_cell(cut, k, t0, t0 + w, &v);
			cpus++;
			cpus_same += u.kind == v.kind && (u.kind != TL_CPU_THREAD || u.thread == v.thread);
		}
	}
	printf("  columns of %llu ms: %zu thread cells of a clear state, %zu differ; %zu of %zu running on the same "
	       "CPU; %zu of %zu CPU cells agree\n",
	       (unsigned long long)(w / MS), compared, wrong, ran_on, running, cpus_same, cpus);
	snprintf(name, sizeof(name), "overview %s: every thread column with a state of 3/4 or more shows it", path);
	CHECK(compared >= 20 && wrong == 0, name);
	snprintf(name, sizeof(name), "overview %s: so do the sums of those columns (process rows, the %%s)", path);
	CHECK(wrong_sums == 0, name);
	snprintf(name, sizeof(name), "overview %s: a running column names a CPU, the same in 9 of 10", path);
	CHECK(running >= 5 && no_cpu == 0 && ran_on * 10 >= running * 9, name);
	snprintf(name, sizeof(name), "overview %s: 9 in 10 CPU columns with a clear occupant show it", path);
	CHECK(cpus >= 20 && cpus_same * 10 >= cpus * 9, name);
	{
		static const char *const what[] = {"on a CPU", "waiting", "blocked"};
		unsigned cls = 0, cls_all = 0, worst = worst_class_share(whole, cut, kept, 16 * width, &cls);
		unsigned all = worst_class_share(whole, cut, kept, kept, &cls_all);

		snprintf(name, sizeof(name), "overview %s: a thread's time on a CPU, waiting, blocked within 8 per "
			 "mille (16 buckets: %u, %s; all: %u, %s)", path, worst, what[cls], all, what[cls_all]);
		CHECK(worst <= 8 && all <= 8, name);
	}
	snprintf(name, sizeof(name), "overview %s: without one, those columns are blank", path);
	CHECK(blank == (size_t)(kept / w) * timeline_thread_count(whole), name);
	snprintf(name, sizeof(name), "overview %s: the memory counts it (%zu bytes more)", path,
		 timeline_memory(cut) - timeline_memory(bare));
	CHECK(timeline_memory(cut) > timeline_memory(bare) && timeline_memory_fixed(cut) > timeline_memory_fixed(bare),
	      name);
	snprintf(name, sizeof(name), "overview %s: one whose budget holds no bucket a lane keeps nothing, and a "
		 "zoomed-out view reads the window back instead of drawing it from it", path);
	CHECK(tiny && !timeline_overview_span(tiny, &from, &to, &width) &&
	      !timeline_overview_draws(tiny, 0, kept, kept) && timeline_overview_draws(cut, 0, kept, kept), name);
out:
	timeline_free(whole);
	timeline_free(cut);
	timeline_free(whole2);
	timeline_free(bare);
	timeline_free(whole3);
	timeline_free(tiny);
}

int main(void)
{
	static const char *const traces[] = {
		"tests/data/class-prodcons.ctrace", "tests/data/class-oversub.ctrace",
		"tests/data/class-pool.ctrace", "tests/data/class-gil.ctrace",
	};

	test_signal();
	test_gone_in_cut_bucket();
	test_clock_end();
	test_budget();
	test_odd_pairs();
	test_many_short();
	for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		test_trace(traces[i]);
	return check_summary();
}
