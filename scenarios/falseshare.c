/* falseshare: threads that share nothing still slow each other down.
 *
 * The lesson. Each worker increments its own counter: no two threads touch
 * the same variable, so there is no race and no lock. Yet when the counters
 * sit next to each other in memory, two workers on two CPUs run several
 * times slower than when the counters are far apart.
 *
 * The reason is the cache. CPUs do not move single variables between their
 * caches and memory; they move 64-byte cache lines. A CPU that writes to a
 * line must own it exclusively, so the other CPUs' copies are invalidated.
 * Eight longs fit in one line: when worker-1 writes counter 0 and worker-2
 * writes counter 1 of the same line, the line travels back and forth
 * between the two CPUs at every increment ("ping-pong"), although the two
 * counters are unrelated. That is false sharing: sharing of the line, not
 * of the data.
 *
 * The fix is padding: give each counter a cache line of its own (here with
 * _Alignas(64)). It costs memory (64 bytes for an 8-byte counter) and
 * nothing else.
 *
 * The story. By default the workers run twice: first with the counters
 * packed on one cache line (packed_counters), then, after a short rest, with
 * each counter on its own line (padded_counters). Same work, same threads,
 * same picture on the scheduler's side; only the speed differs. --packed or
 * --padded runs one layout only.
 *
 * This is not a scheduling lesson: the lanes of both runs look the same
 * (every worker running on its own CPU all the time), only the first run
 * lasts longer. The figures are in the markers: "ops per second" at the end
 * of each run, with the layout in the label.
 *
 * What to watch under conctop: the two phases, separated by a short rest.
 * The same lanes, the packed phase several times longer. Ask why.
 */
#define _GNU_SOURCE /* pthread_barrier_t */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CACHE_LINE 64
#define MAX_WORKERS 8 /* eight 8-byte counters fill one 64-byte line */

/* The packed layout: all counters in one array, on one cache line (the
 * array starts at a line boundary and is 64 bytes long). volatile makes the
 * compiler really store every increment to memory, as a real shared
 * structure would be, instead of keeping the count in a register. */
static _Alignas(CACHE_LINE) volatile long packed_counters[MAX_WORKERS];

/* The padded layout: each counter alone on its own cache line. */
struct padded_counter {
	_Alignas(CACHE_LINE) volatile long count; /* sizeof is 64 */
};
static struct padded_counter padded_counters[MAX_WORKERS];

/* Workers line up at start_line so they start together, and again at
 * finish_line so main can take the time when the last one is done. */
static pthread_barrier_t start_line, finish_line;

/* Options (-1: not given, a default is chosen in main). */
static long threads = 2;
static long iterations = -1;
static long pace = 0;
static long only_packed = 0;
static long only_padded = 0;

static int padded; /* the layout of the current phase (set by main) */

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, MAX_WORKERS,
	 "workers, each with its own counter (default 2, at most 8)"},
	{"--iterations", "N", &iterations, 1, 2000000000,
	 "increments per worker and phase (default 50000000,\n"
	 "or 300000000 with --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "rest MS ms before each phase, and mark progress every\n"
	 "million increments (default 0)"},
	{"--packed", NULL, &only_packed, 0, 1,
	 "run only the packed layout (one cache line)"},
	{"--padded", NULL, &only_padded, 0, 1,
	 "run only the padded layout (a cache line each)"},
};

static const char about[] =
	"Each worker increments its own counter: nothing shared, no lock. With\n"
	"the counters packed on one 64-byte cache line (packed_counters), the line\n"
	"ping-pongs between the CPUs at every increment: false sharing. Padded to\n"
	"a line each (padded_counters), the same work runs several times faster.\n"
	"By default both layouts run, packed first; --packed / --padded run one.\n"
	"Markers \"ops per second\" carry the figures of each phase.\n"
	"Self-check: every count is exact, and both speeds are printed (how much\n"
	"faster padding is depends on the CPUs: it is shown, not judged).";

/* What each worker knows about itself. */
struct worker {
	pthread_t thread;
	int id; /* worker-1 is 1; it owns counter id-1 */
};

/* A worker: increments its own counter, in the current layout. The loop is
 * the same for both layouts; only where the counter lives differs. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	scn_name_thread("worker", w->id);
	for (int phase = 0; phase < 2; phase++) {
		pthread_barrier_wait(&start_line);
		if (padded < 0) /* main says: no more phases */
			break;
		volatile long *mine = padded ? &padded_counters[w->id - 1].count
					     : &packed_counters[w->id - 1];
		for (long i = 0; i < iterations; i++) {
			(*mine)++; /* load, add, store: the line must be ours */
			if (pace > 0 && i % 1000000 == 999999)
				conctop_mark("million increments", (i + 1) / 1000000);
		}
		pthread_barrier_wait(&finish_line);
	}
	return NULL;
}

/* Runs one phase in one layout; returns increments per second, all
 * workers together, and checks every count. */
static double run_phase(int layout_padded, int *exact)
{
	padded = layout_padded;
	for (int i = 0; i < MAX_WORKERS; i++) {
		packed_counters[i] = 0;
		padded_counters[i].count = 0;
	}
	scn_sleep_ms(pace); /* a rest before the phase, visible on the timeline */
	conctop_mark(layout_padded ? "phase: padded counters"
				   : "phase: counters on one cache line", threads);
	double start = scn_now_ms();
	pthread_barrier_wait(&start_line);
	pthread_barrier_wait(&finish_line);
	double ms = scn_now_ms() - start;

	for (int i = 0; i < threads; i++) {
		long c = layout_padded ? padded_counters[i].count : packed_counters[i];
		if (c != iterations)
			*exact = 0;
	}
	double ops = (double)threads * (double)iterations / (ms / 1000.0);
	conctop_mark(layout_padded ? "padded: ops per second"
				   : "one cache line: ops per second", (long)ops);
	return ops;
}

/* Runs the phases, then compares them. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "falseshare", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (only_packed && only_padded) {
		fprintf(stderr, "falseshare: --packed and --padded exclude each "
			"other (see falseshare --help)\n");
		return 2;
	}
	if (iterations < 0)
		iterations = pace > 0 ? 300000000 : 50000000;
	scn_name_thread("falseshare", 0);

	/* Workers and main meet at both lines. */
	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1),
		  "pthread_barrier_init");
	scn_check(pthread_barrier_init(&finish_line, NULL, (unsigned)threads + 1),
		  "pthread_barrier_init");
	struct worker *workers = scn_calloc(threads, sizeof *workers);
	for (int i = 0; i < threads; i++) {
		workers[i].id = i + 1;
		scn_check(pthread_create(&workers[i].thread, NULL, worker_main,
					 &workers[i]),
			  "pthread_create");
	}

	int exact = 1;
	double packed_ops = 0, padded_ops = 0;
	if (!only_padded)
		packed_ops = run_phase(0, &exact);
	if (!only_packed)
		padded_ops = run_phase(1, &exact);
	if (only_packed || only_padded) { /* release the workers from phase 2 */
		padded = -1;
		pthread_barrier_wait(&start_line);
	}
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(workers[i].thread, NULL), "pthread_join");
	pthread_barrier_destroy(&start_line);
	pthread_barrier_destroy(&finish_line);
	free(workers);

	/* The self-check. Its claim is what this program can guarantee: every
	 * count is exact, and both speeds were measured. How much faster the
	 * padded counters are depends on the hardware: two CPUs with caches of
	 * their own show it (2 to 10 times), two hardware threads of one core
	 * share their cache and hardly do, and a virtual machine's CPUs may be
	 * either, from one moment to the next. So the ratio is reported, not
	 * judged (make bench is where speeds are compared). */
	int cpus = scn_cpus_available();
	int ok = exact;
	char verdict[200];
	if (!exact) {
		snprintf(verdict, sizeof verdict, "counts are wrong!");
	} else if (only_packed || only_padded) {
		snprintf(verdict, sizeof verdict,
			 "counts exact; run both layouts to compare");
	} else if (threads < 2 || cpus < 2) {
		snprintf(verdict, sizeof verdict,
			 "counts exact; false sharing needs 2 workers on 2 CPUs");
	} else {
		double ratio = padded_ops / packed_ops;
		if (ratio >= 1.3)
			snprintf(verdict, sizeof verdict,
				 "counts exact; padded %.1f times as fast: false sharing",
				 ratio);
		else
			snprintf(verdict, sizeof verdict,
				 "counts exact; padded %.1f times as fast: little false "
				 "sharing on these CPUs, which may share a cache", ratio);
	}

	printf("falseshare: %ld worker%s x %ld increments:", threads,
	       threads == 1 ? "" : "s", iterations);
	if (!only_padded)
		printf(" one cache line %.1f M/s%s", packed_ops / 1e6, only_packed ? "" : ",");
	if (!only_packed)
		printf(" padded %.1f M/s", padded_ops / 1e6);
	printf(" (%s)\n", verdict);
	return ok ? 0 : 1;
}
