/* Benchmark of the timeline model: generates a realistic scheduling event
 * stream (12 threads of one process on 4 CPUs: switches, waking/wakeup
 * pairs, preemptions, another program and idle time, migrations, a few
 * marks; ~1.4 us between events), builds the timeline from it and prints
 * the build rate, the memory per event, and the cost of one frame of cell
 * queries (every thread lane and CPU lane x 200 columns) at full zoom-out,
 * on a 100 ms window and on a 1 ms window, plus the inspect and stepping
 * queries. Figures are medians of several runs. Then the live view's read
 * back: the events written to a trace file in 64 KiB chunks (as the live
 * view's temporary file) while a timeline follows them and a checkpoint is
 * taken every 2^20 events (timeline_clone, trace_writer_resume_point, as
 * cli/view_history.c does), and a window at 95% of the trace read back
 * from the file's start and from the last checkpoint before it, into a
 * timeline and into the waits' history keys w and y use.
 *
 * Usage: bench_timeline [events [runs]]   (defaults 10000000 3)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "event.h"
#include "spans.h"
#include "timeline.h"
#include "trace.h"

#define NTHREADS 12
#define NCPUS 4
#define TGID 42000
#define COLS 200
#define FRAMES 21

/* An event as the generator keeps it (the text is only for marks). */
struct gen_event {
	uint64_t ts;
	int32_t tid, tid2;
	int64_t arg;
	uint16_t type, cpu;
	uint16_t arg2;
};

/* A toy scheduler: threads block and are woken by the running ones, CPUs
 * pick runnable threads, sometimes run another program or idle. */
struct sim {
	uint64_t rng, ts;
	int32_t on_cpu[NCPUS];  /* tid running there; 0 idle; -1 another program */
	uint8_t state[NTHREADS]; /* 0 blocked, 1 runnable, 2 running */
};

/* xorshift64*: reproducible and cheap. */
static uint64_t sim_rand(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ull;
}

/* The tid of thread i. */
static int32_t tid_of(int i)
{
	return TGID + i;
}

/* Appends one event to the generated stream. */
static void put(struct gen_event *out, size_t *n, const struct sim *s, uint16_t type, unsigned cpu, int32_t tid,
		int32_t tid2, int64_t arg, uint16_t arg2)
{
	struct gen_event *e = &out[(*n)++];

	e->ts = s->ts;
	e->type = type;
	e->cpu = (uint16_t)cpu;
	e->tid = tid;
	e->tid2 = tid2;
	e->arg = arg;
	e->arg2 = arg2;
}

/* Generates n events (plus the initial thread records) into a new array. */
static struct gen_event *generate(size_t n, size_t *count)
{
	struct gen_event *out = malloc((n + NTHREADS + 8) * sizeof(*out));
	struct sim s;
	size_t k = 0;
	int i;

	if (!out)
		return NULL;
	memset(&s, 0, sizeof(s));
	s.rng = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < NTHREADS; i++) /* they exist, asleep, when tracing begins */
		put(out, &k, &s, EVENT_THREAD, 0, tid_of(i), 0, 'S', 0);
	while (k < n) {
		uint64_t r = sim_rand(&s);
		unsigned cpu = (unsigned)(r % NCPUS);
		unsigned what = (unsigned)((r >> 8) % 100);
		int32_t cur = s.on_cpu[cpu];

		s.ts += 150 + (r >> 20) % 2500;
		if (what < 35) { /* the current thread (or the kernel) wakes a blocked one */
			int j = (int)((r >> 40) % NTHREADS), tries;
			unsigned target = (unsigned)((r >> 50) % NCPUS);

			for (tries = 0; tries < NTHREADS && s.state[j] != 0; tries++)
				j = (j + 1) % NTHREADS;
			if (s.state[j] != 0)
				continue;
			put(out, &k, &s, EVENT_WAKING, cpu, cur, tid_of(j), target, 0);
			s.ts += 200 + (r >> 30) % 800;
			put(out, &k, &s, EVENT_WAKEUP, target, tid_of(j), 0, target, 0);
			s.state[j] = 1;
		} else if (what < 97) { /* a switch on this CPU */
			int start = (int)((r >> 40) % NTHREADS), j, pick = -1;
			int32_t next;
			int64_t how = 0;

			for (j = 0; j < NTHREADS; j++) {
				int t = (start + j) % NTHREADS;

				if (s.state[t] == 1) {
					pick = t;
					break;
				}
			}
			if (pick >= 0 && (r >> 56) % 16 != 0)
				next = tid_of(pick);
			else
				next = (r >> 60) % 4 == 0 ? -1 : 0; /* another program, or idle */
			if (next == cur)
				continue;
			if (cur > 0) {
				unsigned q = (unsigned)((r >> 32) % 16);

				how = q < 5 ? EVENT_STATE_PREEMPTED : q < 15 ? EVENT_STATE_INTERRUPTIBLE
									     : EVENT_STATE_UNINTERRUPTIBLE;
				s.state[cur - TGID] = how == EVENT_STATE_PREEMPTED ? 1 : 0;
			}
			put(out, &k, &s, EVENT_SWITCH, cpu, cur, next, how, 0);
			if (next > 0)
				s.state[next - TGID] = 2;
			s.on_cpu[cpu] = next;
		} else if (what < 99) { /* a migration of a runnable thread */
			int j = (int)((r >> 40) % NTHREADS);

			if (s.state[j] == 1)
				put(out, &k, &s, EVENT_MIGRATE, cpu, tid_of(j), 0, cpu, (uint16_t)((cpu + 1) % NCPUS));
		} else if (cur > 0 && (r >> 40) % 64 == 0) { /* a marker */
			put(out, &k, &s, EVENT_MARK, cpu, cur, 0, (int64_t)k, 0);
		}
	}
	*count = k;
	return out;
}

/* Seconds on CLOCK_MONOTONIC. */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* qsort comparison of doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static volatile uint64_t bench_sink; /* keeps the timed loops from being optimised away */

/* Expands generated event i into ev (the fields it does not set stay zero). */
static void expand(const struct gen_event *g, struct event *ev)
{
	ev->ts = g->ts;
	ev->type = g->type;
	ev->cpu = g->cpu;
	ev->tid = g->tid;
	ev->tgid = g->tid > 0 ? TGID : g->tid;
	ev->tid2 = g->tid2;
	ev->tgid2 = g->tid2 > 0 ? TGID : g->tid2;
	ev->arg = g->arg;
	ev->arg2 = g->arg2;
	if (g->type == EVENT_MARK)
		snprintf(ev->text, sizeof(ev->text), "item %lld", (long long)g->arg);
	else if (g->type == EVENT_THREAD)
		snprintf(ev->text, sizeof(ev->text), "worker-%d", g->tid - TGID);
	else
		ev->text[0] = 0;
}

/* Seconds to expand every event without building (the loop's own cost). */
static double expand_only(const struct gen_event *g, size_t n)
{
	struct event ev;
	double t0 = now();
	uint64_t sum = 0;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		expand(&g[i], &ev);
		sum += ev.ts ^ (uint64_t)ev.tid;
	}
	bench_sink += sum;
	return now() - t0;
}

/* Builds a timeline from the events; returns seconds, or < 0 on error. */
static double build(const struct gen_event *g, size_t n, struct timeline **out)
{
	struct event ev;
	double t0 = now();
	size_t i;
	int rc;

	rc = timeline_new(out, NCPUS);
	if (rc)
		return -1;
	memset(&ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		expand(&g[i], &ev);
		rc = timeline_add(*out, &ev);
		if (rc) {
			fprintf(stderr, "bench_timeline: timeline_add: %s\n", strerror(-rc));
			return -1;
		}
	}
	timeline_set_end(*out, g[n - 1].ts);
	return now() - t0;
}

/* Reads path into a timeline (waits: into a history of the waits, as
 * keys w and y read it), new when ckpt is NULL, else made from ckpt
 * (timeline_clone, timeline_spans) at the resume point at, until an event
 * at or after `to`; returns the seconds it took (the copy's included) and
 * the events read, or < 0. */
static double read_back(const char *path, const struct timeline *ckpt, const struct trace_resume *at, uint64_t to,
			bool waits, uint64_t *events)
{
	struct trace_reader *r = NULL;
	struct timeline *tl = NULL;
	struct spans *s = NULL;
	struct event ev;
	double t0 = now();
	int rc = trace_reader_new(&r, path);

	*events = 0;
	if (!rc && waits)
		rc = ckpt ? timeline_spans(ckpt, SPANS_ALL, &s) : spans_new(&s, NCPUS, SPANS_ALL);
	else if (!rc)
		rc = ckpt ? timeline_clone(ckpt, &tl) : timeline_new(&tl, NCPUS);
	if (!rc && ckpt)
		rc = trace_reader_resume(r, at);
	while (!rc && (rc = trace_reader_next(r, &ev)) == 1) {
		(*events)++;
		if ((rc = waits ? spans_add(s, &ev) : timeline_add(tl, &ev)) != 0 || ev.ts >= to)
			break;
	}
	t0 = rc < 0 ? -1 : now() - t0;
	timeline_free(tl);
	spans_free(s);
	trace_reader_free(r);
	return t0;
}

/* The live view's read back of a window at 95% of the trace, from the
 * file's start and from the last checkpoint before it (see the top). */
static int bench_read_back(const struct gen_event *g, size_t n, int runs)
{
	struct trace_info info = { .ncpus = NCPUS };
	struct trace_writer *w = NULL;
	struct timeline *live = NULL, *ckpt = NULL;
	struct trace_resume at = { 0 };
	char path[64];
	uint64_t to = g[n - 1].ts / 20 * 19, ev_start = 0, ev_ckpt = 0;
	double t_start[16], t_ckpt[16], w_start[16], w_ckpt[16], clone_s = 0;
	struct event ev;
	size_t i;
	int r, rc;

	snprintf(path, sizeof(path), "/tmp/bench_timeline.%d.ctrace", (int)getpid());
	snprintf(info.version, sizeof(info.version), "bench");
	rc = timeline_new(&live, NCPUS);
	if (!rc)
		rc = trace_writer_new(&w, path, &info);
	if (!rc)
		rc = trace_writer_set_chunk_size(w, 64u << 10);
	memset(&ev, 0, sizeof(ev));
	for (i = 0; !rc && i < n; i++) {
		expand(&g[i], &ev);
		rc = timeline_add(live, &ev);
		if (!rc)
			rc = trace_writer_add(w, &ev);
		if (!rc && (i + 1) % (1u << 20) == 0 && g[i].ts < to) {
			double c0 = now();

			timeline_free(ckpt);
			ckpt = NULL;
			rc = timeline_clone(live, &ckpt);
			if (!rc)
				rc = trace_writer_resume_point(w, &at);
			clone_s = now() - c0;
		}
	}
	if (w)
		rc = trace_writer_close(w, g[n - 1].ts) ? -1 : rc;
	timeline_free(live);
	for (r = 0; !rc && r < runs; r++) {
		t_start[r] = read_back(path, NULL, NULL, to, false, &ev_start);
		t_ckpt[r] = ckpt ? read_back(path, ckpt, &at, to, false, &ev_ckpt) : -1;
		w_start[r] = read_back(path, NULL, NULL, to, true, &ev_start);
		w_ckpt[r] = ckpt ? read_back(path, ckpt, &at, to, true, &ev_ckpt) : -1;
		if (t_start[r] < 0 || t_ckpt[r] < 0 || w_start[r] < 0 || w_ckpt[r] < 0)
			rc = -1;
	}
	if (!rc) {
		printf("read back (a window at %.1f s of %.1f s, the file in 64 KiB chunks), median of %d:\n", to / 1e9,
		       g[n - 1].ts / 1e9, runs);
		printf("  from the file's start:   %8.3f s, %llu events read\n", median(t_start, runs),
		       (unsigned long long)ev_start);
		printf("  from the last checkpoint: %7.3f s, %llu events read (from %.1f s; the copy took %.1f ms, "
		       "holds %.1f MB)\n", median(t_ckpt, runs), (unsigned long long)ev_ckpt,
		       timeline_kept_from(ckpt) / 1e9, clone_s * 1e3, timeline_memory(ckpt) / 1e6);
		printf("the waits' history of the same window (keys w, y; replay), median of %d:\n", runs);
		printf("  from the file's start:   %8.3f s\n", median(w_start, runs));
		printf("  from the last checkpoint: %7.3f s (its history made from the copy: timeline_spans)\n",
		       median(w_ckpt, runs));
	} else {
		fprintf(stderr, "bench_timeline: the read back failed\n");
	}
	timeline_free(ckpt);
	unlink(path);
	return rc ? 1 : 0;
}

/* Seconds for one frame of cell queries over [t0, t0 + cols * w). */
static double frame(const struct timeline *tl, uint64_t t0, uint64_t w)
{
	size_t i, nt = timeline_thread_count(tl);
	unsigned c;
	uint64_t sum = 0;
	double s = now();
	int k;

	for (c = 0; c < timeline_ncpus(tl); c++) {
		for (k = 0; k < COLS; k++) {
			struct tl_cpu_cell cell;

			timeline_cpu_cell(tl, c, t0 + (uint64_t)k * w, t0 + (uint64_t)(k + 1) * w, &cell);
			sum += cell.kind + cell.thread + cell.mixed;
		}
	}
	for (i = 0; i < nt; i++) {
		for (k = 0; k < COLS; k++) {
			struct tl_cell cell;

			timeline_thread_cell(tl, i, t0 + (uint64_t)k * w, t0 + (uint64_t)(k + 1) * w, &cell);
			sum += cell.state + (uint64_t)cell.cpu + cell.mixed + cell.wakeup;
		}
	}
	bench_sink += sum;
	return now() - s;
}

static char *evict_buf; /* bigger than the last-level cache */
#define EVICT_BYTES (96u << 20)

/* Pushes the timeline out of the CPU caches (for cold-cache frames). */
static void evict(void)
{
	size_t i;

	if (!evict_buf && !(evict_buf = malloc(EVICT_BYTES)))
		return;
	for (i = 0; i < EVICT_BYTES; i += 64)
		evict_buf[i] = (char)i;
	bench_sink += (uint64_t)evict_buf[4096];
}

/* Median seconds of FRAMES frames over a window of span ns starting at t0,
 * each redrawn with warm caches, or (cold) after the caches were flushed. */
static double frames(const struct timeline *tl, uint64_t t0, uint64_t span, bool cold)
{
	double v[FRAMES];
	int r;

	for (r = 0; r < FRAMES; r++) {
		if (cold)
			evict();
		v[r] = frame(tl, t0, span / COLS ? span / COLS : 1);
	}
	return median(v, FRAMES);
}

/* Median seconds for the inspect panel: every thread at an instant and
 * the last 10 log entries before it, at random instants. */
static double inspect(const struct timeline *tl, uint64_t end)
{
	double v[FRAMES];
	struct tl_log_entry log[10];
	uint64_t x = 12345, sum = 0;
	int r;

	for (r = 0; r < FRAMES; r++) {
		uint64_t t, last;
		size_t i;
		double s;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t = (x >> 11) % end;
		s = now();
		for (i = 0; i < timeline_thread_count(tl); i++) {
			struct tl_at at;

			timeline_thread_at(tl, i, t, &at);
			sum += at.state + at.since + (uint64_t)at.woken_by;
		}
		last = timeline_log_index(tl, t);
		sum += timeline_log_read(tl, last > 10 ? last - 10 : 0, log, last > 10 ? 10 : (size_t)last);
		v[r] = now() - s;
	}
	bench_sink += sum;
	return median(v, FRAMES);
}

/* Nanoseconds per next/prev step, stepping from random instants. */
static double stepping(const struct timeline *tl, uint64_t end)
{
	uint64_t x = 777, t, ts, sum = 0;
	double s = now();
	int k, n = 200000;

	for (k = 0; k < n; k++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t = (x >> 11) % end;
		if (k % 2 ? timeline_next_event(tl, t, &ts) == 0 : timeline_prev_event(tl, t, &ts) == 0)
			sum += ts;
	}
	bench_sink += sum;
	return (now() - s) * 1e9 / n;
}

/* Runs the benchmark. */
int main(int argc, char **argv)
{
	size_t want = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	int runs = argc > 2 ? atoi(argv[2]) : 3, r;
	struct gen_event *g;
	struct timeline *tl = NULL;
	double bt[16], gen_s, build_s, mem;
	size_t n;
	uint64_t end;

	if (want < 1000 || runs < 1 || runs > 16) {
		fprintf(stderr, "usage: bench_timeline [events >= 1000 [runs 1..16]]\n");
		return 2;
	}
	g = generate(want, &n);
	if (!g) {
		fprintf(stderr, "bench_timeline: out of memory\n");
		return 1;
	}
	end = g[n - 1].ts;
	printf("bench_timeline: %zu events (%d threads, %d CPUs, %.1f s of trace, %.2f us apart)\n", n, NTHREADS, NCPUS,
	       end / 1e9, end / 1e3 / (double)n);
	gen_s = expand_only(g, n);
	for (r = 0; r < runs; r++) {
		if (tl)
			timeline_free(tl);
		bt[r] = build(g, n, &tl);
		if (bt[r] < 0)
			return 1;
	}
	build_s = median(bt, runs);
	printf("build:  %.2f s for %zu events = %.1f M events/s (%.1f M events/s net of the %.2f s feeding loop)\n",
	       build_s, n, n / build_s / 1e6, n / (build_s - gen_s) / 1e6, gen_s);
	mem = (double)timeline_memory(tl);
	printf("memory: %.1f MB = %.1f bytes/event (timeline_memory, all included); %llu anomalies\n", mem / 1e6,
	       mem / (double)n, (unsigned long long)timeline_anomalies(tl));
	printf("frame:  %zu thread lanes + %u CPU lanes x %d columns = %zu cells, median of %d frames\n",
	       timeline_thread_count(tl), timeline_ncpus(tl), COLS, (timeline_thread_count(tl) + NCPUS) * COLS, FRAMES);
	printf("                                  redrawn  caches flushed\n");
	printf("  full trace    (%.1f ms/col): %8.3f ms %8.3f ms\n", end / 1e6 / COLS, frames(tl, 0, end, false) * 1e3,
	       frames(tl, 0, end, true) * 1e3);
	printf("  100 ms window (500 us/col):   %8.3f ms %8.3f ms\n", frames(tl, end / 2, 100000000, false) * 1e3,
	       frames(tl, end / 2, 100000000, true) * 1e3);
	printf("  1 ms window   (5 us/col):     %8.3f ms %8.3f ms\n", frames(tl, end / 2 + 12345, 1000000, false) * 1e3,
	       frames(tl, end / 2 + 12345, 1000000, true) * 1e3);
	printf("  10 us window  (50 ns/col):    %8.3f ms %8.3f ms\n", frames(tl, end / 3 + 777, 10000, false) * 1e3,
	       frames(tl, end / 3 + 777, 10000, true) * 1e3);
	printf("inspect: every thread at an instant + 10 log entries: %.1f us\n", inspect(tl, end) * 1e6);
	printf("step:   next/prev event: %.0f ns each\n", stepping(tl, end));
	timeline_free(tl);
	if (bench_read_back(g, n, runs))
		return 1;
	free(g);
	free(evict_buf);
	return bench_sink == 42 ? 1 : 0;
}
