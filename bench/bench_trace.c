/* Benchmark of the trace file: writes 10 million realistic scheduling events
 * (8 threads of one process on 2 CPUs: mostly switches and waking/wakeup
 * pairs, ~1 us apart), reads them back, and prints bytes/event and millions
 * of events/s for writing and reading, medians of 5 runs.
 *
 * Usage: bench_trace [events [runs [dir]]]   (defaults 10000000 5 $TMPDIR or /tmp)
 *        bench_trace --write EVENTS FILE       only writes FILE (for replay's benchmark)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "trace.h"

#define NTHREADS 8
#define NCPUS 2
#define TGID 31000

/* A toy scheduler that emits a plausible event stream. */
struct sim {
	uint64_t rng;
	uint64_t ts;
	int32_t on_cpu[NCPUS];  /* running tid, 0 idle */
	int runnable[NTHREADS]; /* woken, waiting for a CPU */
	int blocked[NTHREADS];
	struct event pending;   /* the wakeup that follows a waking */
	int have_pending;
	uint64_t n;
};

/* xorshift64: reproducible and cheap. */
static uint64_t sim_rand(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

/* Starts the toy scheduler: every thread blocked, CPUs idle. */
static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof *s);
	s->rng = 0x2545f4914f6cdd1dull;
	for (int i = 0; i < NTHREADS; i++)
		s->blocked[i] = 1;
}

/* Thread index to tid, and back. */
static int32_t tid_of(int i)
{
	return TGID + i;
}

static int index_of(int32_t tid)
{
	return tid - TGID;
}

/* Produces the next event. */
static void sim_next(struct sim *s, struct event *ev)
{
	uint64_t r = sim_rand(s);

	memset(ev, 0, sizeof *ev);
	s->ts += 150 + r % 2500;
	if (s->have_pending) {
		*ev = s->pending;
		ev->ts = s->ts;
		s->have_pending = 0;
		s->n++;
		return;
	}
	ev->ts = s->ts;
	unsigned cpu = (unsigned)(r >> 20) % NCPUS;
	unsigned what = (unsigned)(r >> 24) % 100;
	ev->cpu = (uint16_t)cpu;

	if (s->n % 50000 == 1) { /* an occasional marker or rename */
		ev->type = EVENT_MARK;
		ev->tid = s->on_cpu[cpu] ? s->on_cpu[cpu] : tid_of(0);
		ev->tgid = TGID;
		ev->arg = (int64_t)s->n;
		snprintf(ev->text, sizeof ev->text, "item %llu produced", (unsigned long long)s->n);
	} else if (what < 42) { /* wake a blocked thread */
		int i = (int)((r >> 32) % NTHREADS);
		int32_t waker = s->on_cpu[cpu] ? s->on_cpu[cpu] : EVENT_TID_OTHER;
		unsigned target = (unsigned)(r >> 40) % NCPUS;
		if (!s->blocked[i]) {
			i = (i + 1) % NTHREADS;
		}
		s->blocked[i] = 0;
		s->runnable[i] = 1;
		ev->type = EVENT_WAKING;
		ev->tid = waker;
		ev->tgid = waker > 0 ? TGID : EVENT_TID_OTHER;
		ev->tid2 = tid_of(i);
		ev->tgid2 = TGID;
		ev->arg = target;
		s->pending = (struct event){ .type = EVENT_WAKEUP, .cpu = (uint16_t)target, .tid = tid_of(i),
					     .tgid = TGID, .arg = target };
		s->have_pending = 1;
	} else if (what < 97) { /* switch on this cpu */
		int32_t prev = s->on_cpu[cpu], next = 0;
		int start = (int)((r >> 32) % NTHREADS);
		for (int k = 0; k < NTHREADS; k++) {
			int i = (start + k) % NTHREADS;
			if (s->runnable[i]) {
				next = tid_of(i);
				s->runnable[i] = 0;
				break;
			}
		}
		ev->type = EVENT_SWITCH;
		ev->tid = prev;
		ev->tgid = prev ? TGID : 0;
		ev->tid2 = next;
		ev->tgid2 = next ? TGID : 0;
		if (prev) {
			if ((r >> 48) % 4 == 0) {
				ev->arg = EVENT_STATE_PREEMPTED;
				s->runnable[index_of(prev)] = 1;
			} else {
				ev->arg = EVENT_STATE_INTERRUPTIBLE;
				s->blocked[index_of(prev)] = 1;
			}
		}
		s->on_cpu[cpu] = next;
	} else { /* a migration */
		int i = (int)((r >> 32) % NTHREADS);
		ev->type = EVENT_MIGRATE;
		ev->tid = tid_of(i);
		ev->tgid = TGID;
		ev->arg = cpu;
		ev->arg2 = (cpu + 1) % NCPUS;
	}
	s->n++;
}

static volatile uint64_t bench_sink; /* keeps the timed loops from being optimised away */

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

/* Writes n events at the given level; returns seconds, or < 0 on error. */
static double write_file(const char *path, uint64_t n, int level, uint64_t *bytes)
{
	struct trace_writer *w;
	struct trace_info info = { .ncpus = NCPUS, .target_pid = TGID };
	struct event ev;
	struct sim s;
	double t0 = now();
	int rc;

	snprintf(info.host, sizeof info.host, "bench");
	snprintf(info.clock, sizeof info.clock, "CLOCK_MONOTONIC");
	snprintf(info.command, sizeof info.command, "bench_trace");
	snprintf(info.version, sizeof info.version, "bench");
	sim_init(&s);
	rc = trace_writer_new(&w, path, &info);
	if (rc) {
		fprintf(stderr, "bench_trace: %s: %s\n", path, strerror(-rc));
		return -1;
	}
	trace_writer_set_compression(w, level);
	for (uint64_t i = 0; i < n; i++) {
		sim_next(&s, &ev);
		rc = trace_writer_add(w, &ev);
		if (rc)
			break;
	}
	*bytes = 0;
	rc = rc ? rc : trace_writer_close(w, s.ts);
	if (rc) {
		fprintf(stderr, "bench_trace: writing %s: %s\n", path, strerror(-rc));
		return -1;
	}
	double t = now() - t0;
	FILE *f = fopen(path, "rb");
	if (f) {
		fseek(f, 0, SEEK_END);
		*bytes = (uint64_t)ftell(f);
		fclose(f);
	}
	return t;
}

/* Reads the file back; with verify, compares against a regenerated stream. */
static double read_file(const char *path, uint64_t n, int verify)
{
	struct trace_reader *r;
	struct event ev, want;
	struct sim s;
	uint64_t got = 0, sum = 0;
	double t0 = now();
	int rc;

	sim_init(&s);
	rc = trace_reader_new(&r, path);
	if (rc) {
		fprintf(stderr, "bench_trace: %s: %s\n", path, trace_reader_error(r));
		trace_reader_free(r);
		return -1;
	}
	while ((rc = trace_reader_next(r, &ev)) == 1) {
		sum += ev.ts ^ (uint64_t)ev.tid2 ^ ev.cpu;
		if (verify) {
			sim_next(&s, &want);
			if (memcmp(&ev, &want, sizeof ev)) {
				fprintf(stderr, "bench_trace: event %llu differs\n", (unsigned long long)got);
				rc = -1;
				break;
			}
		}
		got++;
	}
	double t = now() - t0;
	if (rc != 0 || got != n) {
		fprintf(stderr, "bench_trace: read %llu of %llu events: %s\n", (unsigned long long)got,
			(unsigned long long)n, rc < 0 ? trace_reader_error(r) : "");
		trace_reader_free(r);
		return -1;
	}
	trace_reader_free(r);
	bench_sink = sum;
	return t;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	const char *dir = argc > 3 ? argv[3] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	double wt[32], rt[32], gen;
	uint64_t bytes = 0;
	struct sim s;
	struct event ev;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: bench_trace [events [runs (1-32) [dir]]]   write and read events in dir, runs times\n"
		       "       bench_trace --write EVENTS FILE              only write FILE (a replay's bench file)\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--write")) {
		n = strtoull(argv[2], NULL, 10);
		return n >= 1 && write_file(argv[3], n, TRACE_LEVEL_DEFAULT, &bytes) >= 0 ? 0 : 1;
	}
	if (runs < 1 || runs > 32 || n < 1) {
		fprintf(stderr, "usage: bench_trace [events [runs (1-32) [dir]]], or --write EVENTS FILE (--help)\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/bench_trace.%d.ctrace", dir, (int)getpid());

	/* What generating the events alone costs (included in the write figure). */
	sim_init(&s);
	gen = now();
	for (uint64_t i = 0; i < n; i++) {
		sim_next(&s, &ev);
		bench_sink += ev.ts;
	}
	gen = now() - gen;

	if (write_file(path, n, TRACE_LEVEL_DEFAULT, &bytes) < 0 || read_file(path, n, 1) < 0) {
		unlink(path);
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		wt[i] = write_file(path, n, TRACE_LEVEL_DEFAULT, &bytes);
		rt[i] = read_file(path, n, 0);
		if (wt[i] < 0 || rt[i] < 0) {
			unlink(path);
			return 1;
		}
	}
	printf("trace file: %llu events (8 threads, 2 CPUs, switch/waking/wakeup mix, ~1.4 us apart), medians of %d runs\n",
	       (unsigned long long)n, runs);
	printf("  deflate level %d (default): %.2f bytes/event (%.1f MB), write %.1f M events/s, read %.1f M events/s\n",
	       TRACE_LEVEL_DEFAULT, (double)bytes / (double)n, (double)bytes / 1e6, (double)n / median(wt, runs) / 1e6,
	       (double)n / median(rt, runs) / 1e6);
	printf("  (write includes generating the events: %.1f ns/event of it)\n", gen / (double)n * 1e9);

	static const int levels[] = { 0, 6 };
	for (unsigned k = 0; k < sizeof levels / sizeof levels[0]; k++) {
		int m = runs < 3 ? runs : 3;
		for (int i = 0; i < m; i++) {
			wt[i] = write_file(path, n, levels[k], &bytes);
			rt[i] = read_file(path, n, 0);
			if (wt[i] < 0 || rt[i] < 0) {
				unlink(path);
				return 1;
			}
		}
		printf("  deflate level %d:           %.2f bytes/event, write %.1f M events/s, read %.1f M events/s (median of %d)\n",
		       levels[k], (double)bytes / (double)n, (double)n / median(wt, m) / 1e6, (double)n / median(rt, m) / 1e6, m);
	}
	printf("  for comparison (docs/design.md, real traces): perf 107 bytes/event, trace-cmd 3.1 bytes/event (zstd) + 1.1 MB;\n"
	       "  perf sched timehist reads 0.7-1 M events/s\n");
	unlink(path);
	return 0;
}
