/* Benchmark of rendering: builds a timeline of 10 million scheduling events
 * generated directly (24 threads of one process on 8 CPUs: switches,
 * wakings and wakeups ~0.6 us apart, a few marks), then times one frame of
 * render_screen into a 200x60 grid at full zoom-out (the whole trace in the
 * lanes) and zoomed in (10 us a column, mid-trace, with the inspect panel),
 * and render_lanes of the whole trace at width 200. Prints ms/frame, medians
 * of 7 runs (a figure, not a pass/fail test).
 *
 * Usage: bench_render [events [runs]]   (defaults 10000000 7)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"

#define NTHREADS 24
#define NCPUS 8
#define TGID 41000
#define MAX_RUNS 32

/* A toy scheduler: each step, one CPU switches its thread out (blocked or
 * preempted) for a runnable or freshly woken one. */
struct gen {
	uint64_t rng, ts, n;
	int32_t on_cpu[NCPUS];    /* thread index + 1 running there, 0 idle */
	bool runnable[NTHREADS];
	bool blocked[NTHREADS];
};

/* xorshift64: reproducible and cheap. */
static uint64_t gen_rand(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

/* Adds one event to the timeline; exits on failure. */
static void add(struct timeline *tl, struct gen *g, unsigned type, unsigned cpu, int32_t tid, int32_t tid2,
		int64_t arg, const char *text)
{
	struct event e;
	int r;

	memset(&e, 0, sizeof e);
	e.ts = g->ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = tid > 0 ? TGID : tid;
	e.tid2 = tid2;
	e.tgid2 = tid2 > 0 ? TGID : tid2;
	e.arg = arg;
	if (text)
		snprintf(e.text, sizeof e.text, "%s", text);
	r = timeline_add(tl, &e);
	if (r) {
		fprintf(stderr, "bench_render: timeline_add: %s\n", strerror(-r));
		exit(1);
	}
	g->n++;
}

/* Builds a timeline of at least n events. */
static struct timeline *build(uint64_t n)
{
	struct timeline *tl;
	struct gen g;
	char name[32];
	int i;

	if (timeline_new(&tl, NCPUS)) {
		fprintf(stderr, "bench_render: out of memory\n");
		exit(1);
	}
	memset(&g, 0, sizeof g);
	g.rng = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < NTHREADS; i++) {
		snprintf(name, sizeof name, "worker-%02d", i);
		add(tl, &g, EVENT_THREAD, 0, TGID + i, 0, 'S', name);
		g.blocked[i] = true;
	}
	for (i = 0; i < NCPUS; i++)
		add(tl, &g, EVENT_SWITCH, (unsigned)i, EVENT_TID_OTHER, 0, EVENT_STATE_RUNNING, NULL);
	while (g.n < n) {
		unsigned cpu = (unsigned)(gen_rand(&g) % NCPUS);
		int cur = g.on_cpu[cpu] - 1, next = -1, k, start;
		uint64_t r = gen_rand(&g);

		g.ts += 200 + r % 1600;
		/* wake a blocked thread now and then */
		start = (int)((r >> 16) % NTHREADS);
		if ((r >> 8) % 3 == 0) {
			for (k = 0; k < NTHREADS; k++) {
				int t = (start + k) % NTHREADS;

				if (g.blocked[t]) {
					add(tl, &g, EVENT_WAKING, cpu, cur >= 0 ? TGID + cur : EVENT_TID_OTHER, TGID + t, cpu,
					    NULL);
					add(tl, &g, EVENT_WAKEUP, cpu, TGID + t, 0, cpu, NULL);
					g.blocked[t] = false;
					g.runnable[t] = true;
					break;
				}
			}
		}
		for (k = 0; k < NTHREADS; k++) {
			int t = (start + 7 * k) % NTHREADS;

			if (g.runnable[t]) {
				next = t;
				break;
			}
		}
		if (cur >= 0) {
			bool sleep = (r >> 20) % 2 == 0 || next < 0;

			add(tl, &g, EVENT_SWITCH, cpu, TGID + cur, next >= 0 ? TGID + next : 0,
			    sleep ? EVENT_STATE_INTERRUPTIBLE : EVENT_STATE_PREEMPTED, NULL);
			if (sleep)
				g.blocked[cur] = true;
			else
				g.runnable[cur] = true;
		} else if (next >= 0) {
			add(tl, &g, EVENT_SWITCH, cpu, 0, TGID + next, EVENT_STATE_RUNNING, NULL);
		}
		if (next >= 0)
			g.runnable[next] = false;
		g.on_cpu[cpu] = next + 1;
		if ((r >> 40) % 5000 == 0 && next >= 0)
			add(tl, &g, EVENT_MARK, cpu, TGID + next, 0, (int64_t)g.n, "item");
	}
	timeline_set_end(tl, g.ts + 1000);
	return tl;
}

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sorts doubles ascending. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of runs timings. */
static double median(double *t, int runs)
{
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	return runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
}

/* Times render_screen of v, runs times; returns the median in ms. */
static double time_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th,
			  int runs)
{
	double t[MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++) {
		double t0 = now();

		if (render_screen(g, tl, v, th)) {
			fprintf(stderr, "bench_render: render_screen failed\n");
			exit(1);
		}
		t[i] = (now() - t0) * 1e3;
	}
	return median(t, runs);
}

/* bench_render [events [runs]] */
int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
	int runs = argc > 2 ? atoi(argv[2]) : 7, i;
	const struct theme *th = theme_get(THEME_256, false);
	struct timeline *tl;
	struct grid *g;
	struct view v;
	double t0, built, zoomed_out, zoomed_in, lanes, tl_[MAX_RUNS];
	uint64_t end;
	int cols = render_lane_columns(200);

	if (n < 1000 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_render [events (>= 1000) [runs (1-32)]]\n");
		return 2;
	}
	t0 = now();
	tl = build(n);
	built = now() - t0;
	end = timeline_end(tl);
	g = grid_new(200, 60);
	if (!g)
		return 1;

	memset(&v, 0, sizeof v);
	v.mode = VIEW_REPLAY;
	v.target = "bench";
	v.speed = 1;
	v.cursor = UINT64_MAX;
	v.t0 = 0;
	v.ns_per_col = (end + (uint64_t)cols - 1) / (uint64_t)cols;
	zoomed_out = time_screen(g, tl, &v, th, runs);

	v.ns_per_col = 10000;
	v.t0 = end / 2;
	v.cursor = v.t0 + 50 * v.ns_per_col;
	v.inspect = true;
	zoomed_in = time_screen(g, tl, &v, th, runs);

	for (i = 0; i < runs; i++) {
		double a = now();
		struct grid *lg = render_lanes(tl, 0, end, 200, th);

		if (!lg) {
			fprintf(stderr, "bench_render: render_lanes failed\n");
			return 1;
		}
		tl_[i] = (now() - a) * 1e3;
		grid_free(lg);
	}
	lanes = median(tl_, runs);

	printf("render: timeline of %llu events (%d threads, %d CPUs, %.2f s of trace), built in %.2f s "
	       "(%.1f M events/s), %.1f MB (%.1f bytes/event)\n",
	       (unsigned long long)timeline_events(tl), NTHREADS, NCPUS, (double)end / 1e9, built,
	       (double)timeline_events(tl) / built / 1e6, (double)timeline_memory(tl) / 1e6,
	       (double)timeline_memory(tl) / (double)timeline_events(tl));
	printf("  render_screen 200x60, full zoom-out (%d columns of %.2f ms): %.3f ms/frame (median of %d)\n", cols,
	       (double)((end + (uint64_t)cols - 1) / (uint64_t)cols) / 1e6, zoomed_out, runs);
	printf("  render_screen 200x60, zoomed in (10 us/column, inspect panel): %.3f ms/frame (median of %d)\n",
	       zoomed_in, runs);
	printf("  render_lanes width 200, whole trace: %.3f ms (median of %d)\n", lanes, runs);
	grid_free(g);
	timeline_free(tl);
	return 0;
}
