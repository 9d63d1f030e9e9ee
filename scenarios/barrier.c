/* barrier: runners go through phases in lockstep, and wait for the slowest.
 *
 * The lesson. A barrier is a meeting point for a fixed number of threads:
 * each thread that calls pthread_barrier_wait() sleeps there until the last
 * of them arrives, and then all are released together. It is reusable, so
 * a loop of "work, then wait at the barrier" makes every thread finish phase
 * k before any starts phase k+1, as in a simulation where each step needs
 * the results of the previous one. The course notes line up seven runners
 * at a Barrier(7) and count how many are waiting.
 *
 * The price: everyone goes at the pace of the slowest. Here one runner, the
 * straggler (the last one, runner-N), has extra work in every phase, and all
 * the others spend that time blocked at phase_barrier doing nothing.
 * pthread_barrier_wait() returns PTHREAD_BARRIER_SERIAL_THREAD to exactly
 * one of the released threads, which is handy for "once per phase" jobs;
 * here that thread marks the release.
 *
 * What to watch under conctop: in each phase the runners run, then one by
 * one their lanes turn to B (blocked on the barrier) while runner-N keeps
 * running; when it arrives, all wake at once (^) and compete for the CPUs.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* The barrier between phases; initialised in main for --threads runners. */
static pthread_barrier_t phase_barrier;

/* For the self-check: finished[k] counts the runners that have finished
 * phase k. Atomic, because runners update it at the same time. */
static atomic_long *finished;
static atomic_long early_starts; /* runners that began a phase too soon */

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long phases = -1;
static long pace = 0;
static long straggle = -1;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "runner threads (default 4)"},
	{"--phases", "N", &phases, 1, 1000000,
	 "phases, barrier after each (default 10, or 5 with --pace)"},
	{"--iterations", "N", &phases, 1, 1000000, "same as --phases"},
	{"--pace", "MS", &pace, 0, 60000,
	 "each runner works MS ms of CPU per phase (default 0: 0.2 ms)"},
	{"--straggle", "MS", &straggle, 0, 60000,
	 "extra work for runner-N in each phase (default 2, or the pace)"},
};

static const char about[] =
	"Runners work through phases separated by the barrier phase_barrier: no\n"
	"runner starts phase k+1 until all have finished phase k. The last runner\n"
	"is a straggler with extra work each phase, so the others wait for it,\n"
	"blocked at the barrier, every time.\n"
	"Self-check: no runner started a phase before every runner had finished\n"
	"the previous one.";

/* What each runner knows about itself, and how long it waited. */
struct runner {
	pthread_t thread;
	int id;           /* 1, 2, ... as in its name runner-1 */
	double waited_ms; /* time spent blocked at the barrier */
};

/* A runner: for each phase, checks the previous phase is complete, works,
 * and waits at the barrier for the others. */
static void *runner_main(void *arg)
{
	struct runner *r = arg;
	int straggler = r->id == threads;
	scn_name_thread("runner", r->id);

	for (long p = 1; p <= phases; p++) {
		/* Everybody must have finished the previous phase by now. */
		if (p > 1 && atomic_load(&finished[p - 1]) != threads)
			atomic_fetch_add(&early_starts, 1);

		/* This phase's work; the straggler has more of it. */
		if (pace > 0)
			scn_pace(pace);
		else
			scn_busy_us(200);
		if (straggler)
			scn_busy_us(straggle * 1000);
		atomic_fetch_add(&finished[p], 1);

		/* Wait for the others; the last to arrive releases everyone. */
		double start = scn_now_ms();
		int rc = pthread_barrier_wait(&phase_barrier);
		r->waited_ms += scn_now_ms() - start;
		if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
			conctop_mark("phase released", p);
		else if (rc != 0)
			scn_check(rc, "pthread_barrier_wait");
	}
	return NULL;
}

/* Runs the runners through their phases, then checks nobody ran ahead. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "barrier", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (phases < 0)
		phases = pace > 0 ? 5 : 10;
	if (straggle < 0)
		straggle = pace > 0 ? pace : 2;
	scn_name_thread("barrier", 0);

	finished = scn_calloc(phases + 1, sizeof *finished);
	scn_check(pthread_barrier_init(&phase_barrier, NULL, (unsigned)threads),
		  "pthread_barrier_init");

	struct runner *runners = scn_calloc(threads, sizeof *runners);
	for (int i = 0; i < threads; i++) {
		runners[i].id = i + 1;
		scn_check(pthread_create(&runners[i].thread, NULL, runner_main,
					 &runners[i]),
			  "pthread_create");
	}
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(runners[i].thread, NULL), "pthread_join");
	pthread_barrier_destroy(&phase_barrier);

	/* The self-check: no early starts, and every phase was finished by
	 * every runner. */
	long incomplete = 0;
	for (long p = 1; p <= phases; p++)
		if (atomic_load(&finished[p]) != threads)
			incomplete++;
	long early = atomic_load(&early_starts);
	int ok = early == 0 && incomplete == 0;

	double others_ms = 0;
	for (int i = 0; i < threads - 1; i++)
		others_ms += runners[i].waited_ms;

	printf("barrier: %ld runner%s x %ld phases: ", threads,
	       threads == 1 ? "" : "s", phases);
	if (ok)
		printf("no runner started a phase before all finished the previous "
		       "one (runner-%ld straggled %ld ms a phase; the others waited "
		       "%.1f ms in all at phase_barrier)\n",
		       threads, straggle, others_ms);
	else
		printf("WRONG: %ld early starts, %ld phases not finished by "
		       "every runner\n",
		       early, incomplete);

	free(runners);
	free(finished);
	return ok ? 0 : 1;
}
