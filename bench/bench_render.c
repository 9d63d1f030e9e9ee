/* Benchmark of rendering: builds a timeline of 10 million scheduling events
 * generated directly (24 threads of one process on 8 CPUs: switches,
 * wakings and wakeups ~0.6 us apart, a few marks), then times one frame of
 * render_screen into a 200x60 grid at full zoom-out (the whole trace in the
 * lanes) and zoomed in (10 us a column, mid-trace, with the inspect panel),
 * and render_lanes of the whole trace at width 200; the same for a timeline
 * ten times longer (100 million events: 20-40 s to build here, 2 GB), and
 * the ratio of the two, since a frame should cost the same whatever the
 * trace's length. Prints ms/frame, medians of 7 interleaved runs (a
 * figure, not a pass/fail test), and bytes per event (the lane summaries
 * among them).
 *
 * Usage: bench_render [events [runs [big]]]   (defaults 10000000 7 10*events;
 * big 0 skips the second timeline)
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
#define MAX_RUNS 256

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

/* Times one render_screen of v, in ms. */
static double time_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th)
{
	double t0 = now();

	if (render_screen(g, tl, v, th)) {
		fprintf(stderr, "bench_render: render_screen failed\n");
		exit(1);
	}
	return (now() - t0) * 1e3;
}

/* Times one render_lanes of the whole trace at width 200, in ms. */
static double time_lanes(const struct timeline *tl, const struct theme *th)
{
	double a = now();
	struct grid *lg = render_lanes(tl, 0, timeline_end(tl), 200, th);

	if (!lg) {
		fprintf(stderr, "bench_render: render_lanes failed\n");
		exit(1);
	}
	grid_free(lg);
	return (now() - a) * 1e3;
}

/* One timeline under test, and its timings. */
struct subject {
	uint64_t events;
	struct timeline *tl;
	double built;
	struct view out, in;
	double t_out[MAX_RUNS], t_in[MAX_RUNS], t_lanes[MAX_RUNS];
	double m_out, m_in, m_lanes;
};

/* Builds the timeline of s->events events and the two views of it. */
static void subject_build(struct subject *s, int cols)
{
	double t0 = now();
	uint64_t end;

	s->tl = build(s->events);
	s->built = now() - t0;
	end = timeline_end(s->tl);
	memset(&s->out, 0, sizeof s->out);
	s->out.mode = VIEW_REPLAY;
	s->out.target = "bench";
	s->out.speed = 1;
	s->out.cursor = UINT64_MAX;
	s->out.t0 = 0;
	s->out.ns_per_col = (end + (uint64_t)cols - 1) / (uint64_t)cols;
	s->in = s->out;
	s->in.ns_per_col = 10000;
	s->in.t0 = end / 2;
	s->in.cursor = s->in.t0 + 50 * s->in.ns_per_col;
	s->in.inspect = true;
}

/* Prints what the timeline of s is and holds. */
static void subject_print(const struct subject *s)
{
	const struct timeline *tl = s->tl;
	double ev = (double)timeline_events(tl);

	printf("render: timeline of %llu events (%d threads, %d CPUs, %.2f s of trace), built in %.2f s "
	       "(%.1f M events/s), %.1f MB (%.1f bytes/event, of which lane summaries %.2f)\n",
	       (unsigned long long)timeline_events(tl), NTHREADS, NCPUS, (double)timeline_end(tl) / 1e9, s->built,
	       ev / s->built / 1e6, (double)timeline_memory(tl) / 1e6, (double)timeline_memory(tl) / ev,
	       (double)timeline_summary_memory(tl) / ev);
}

/* bench_render [events [runs [big]]] */
int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
	int runs = argc > 2 ? atoi(argv[2]) : 7, i, k, nsub;
	uint64_t big = argc > 3 ? strtoull(argv[3], NULL, 10) : 10 * n;
	const struct theme *th = theme_get(THEME_256, false);
	static struct subject sub[2];
	struct grid *g;
	int cols = render_lane_columns(200);

	if (n < 1000 || runs < 1 || runs > MAX_RUNS || (big && big < 1000)) {
		fprintf(stderr, "usage: bench_render [events (>= 1000) [runs (1-%d) [big events (0: none)]]]\n",
			MAX_RUNS);
		return 2;
	}
	sub[0].events = n;
	sub[1].events = big;
	nsub = big ? 2 : 1;
	for (k = 0; k < nsub; k++) {
		subject_build(&sub[k], cols);
		subject_print(&sub[k]);
		fflush(stdout);
	}
	g = grid_new(200, 60);
	if (!g)
		return 1;
	for (i = 0; i < runs; i++) { /* interleaved: the machine's mood hits every figure alike */
		for (k = 0; k < nsub; k++) { /* each timed after one untimed frame, as a view redraws */
			time_screen(g, sub[k].tl, &sub[k].out, th);
			sub[k].t_out[i] = time_screen(g, sub[k].tl, &sub[k].out, th);
			time_screen(g, sub[k].tl, &sub[k].in, th);
			sub[k].t_in[i] = time_screen(g, sub[k].tl, &sub[k].in, th);
			time_lanes(sub[k].tl, th);
			sub[k].t_lanes[i] = time_lanes(sub[k].tl, th);
		}
	}
	for (k = 0; k < nsub; k++) {
		sub[k].m_out = median(sub[k].t_out, runs);
		sub[k].m_in = median(sub[k].t_in, runs);
		sub[k].m_lanes = median(sub[k].t_lanes, runs);
	}
	printf("  medians of %d interleaved runs, ms/frame%s\n", runs,
	       nsub > 1 ? " (the two timelines side by side, and big / small)" : "");
	printf("  %-62s %9s", "", "small");
	if (nsub > 1)
		printf(" %9s %9s", "big", "ratio");
	printf("\n");
	{
		static const char *what[3] = { "render_screen 200x60, full zoom-out",
					       "render_screen 200x60, zoomed in (10 us/column, inspect panel)",
					       "render_lanes width 200, whole trace" };
		for (i = 0; i < 3; i++) {
			double a = i == 0 ? sub[0].m_out : i == 1 ? sub[0].m_in : sub[0].m_lanes;
			double b = i == 0 ? sub[1].m_out : i == 1 ? sub[1].m_in : sub[1].m_lanes;

			printf("  %-62s %9.3f", what[i], a);
			if (nsub > 1)
				printf(" %9.3f %9.2f", b, b / a);
			printf("\n");
		}
	}
	for (k = 0; k < nsub; k++)
		printf("  %llu events: zoomed out / zoomed in = %.2f\n", (unsigned long long)sub[k].events,
		       sub[k].m_out / sub[k].m_in);
	grid_free(g);
	for (k = 0; k < nsub; k++)
		timeline_free(sub[k].tl);
	return 0;
}
