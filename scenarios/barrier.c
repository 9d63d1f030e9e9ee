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
 * The price: everyone goes at the pace of the slowest. Each phase's work is
 * cut into chunks, 8 per runner. The chunks are not all equal: the last
 * eighth of them carries extra work (--straggle ms in all), as real work
 * often does (the edge of a grid, the hard part of a search).
 *
 * Two ways to share a phase's chunks out, chosen with --split:
 *
 *   static   runner-i takes the i-th eighth, decided in advance. runner-N
 *            gets the heavy chunks and becomes the straggler: the others
 *            finish early and sit blocked at phase_barrier doing nothing.
 *   dynamic  runners take the next chunk from a shared counter (one
 *            atomic_fetch_add) until none are left: whoever is free takes
 *            more, the heavy chunks get spread, and everybody reaches the
 *            barrier at about the same time. Less waiting, shorter phases.
 *
 * And one bug (--variant wrong-count): phase_barrier is set up for one
 * party more than there are runners (as if main were counted, though it
 * never waits). The barrier waits for a thread that never comes: every
 * runner blocks at the end of phase 1, forever. A watchdog notices that
 * nothing moves for --timeout ms and ends the program with a message.
 *
 * pthread_barrier_wait() returns PTHREAD_BARRIER_SERIAL_THREAD to exactly
 * one of the released threads, which is handy for "once per phase" jobs;
 * here that thread marks the release.
 *
 * What to watch under conctop: static: in each phase the runners run, then
 * one by one their lanes turn to B (blocked on the barrier) while runner-N
 * keeps running; when it arrives, all wake at once (^). dynamic: the B
 * stretches shrink. wrong-count: all lanes B, nobody runs, until the
 * watchdog's lane wakes up and the program ends.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* The barrier between phases; initialised in main. */
static pthread_barrier_t phase_barrier;

/* Per phase: the next chunk to hand out (dynamic split), and for the
 * self-check the chunks done and the runners that finished the phase.
 * Atomic, because runners update them at the same time. */
static atomic_long *next_chunk;
static atomic_long *chunks_done;
static atomic_long *finished;
static atomic_long early_starts; /* runners that began a phase too soon */
static atomic_long arrived;      /* arrivals at phase_barrier, in all */

/* The choices, in the order of their lists. */
#define SPLITS "static|dynamic"
enum { STATIC, DYNAMIC };
#define VARIANTS "straggler|wrong-count"
enum { STRAGGLER, WRONG_COUNT };

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long phases = -1;
static long pace = 0;
static long straggle = -1;
static long split = STATIC;
static long variant = STRAGGLER;
static long timeout_ms = -1;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "runner threads (default 4)"},
	{"--phases", "N", &phases, 1, 1000000,
	 "phases, barrier after each (default 10, or 4 with --pace)"},
	{"--iterations", "N", &phases, 1, 1000000, "same as --phases"},
	{"--pace", "MS", &pace, 0, 60000,
	 "a runner's share of a phase is MS ms of CPU (default 0: 0.2 ms)"},
	{"--straggle", "MS", &straggle, 0, 60000,
	 "extra work in the last eighth of the chunks, ms of CPU per phase\n"
	 "(default 2, or 2 x the pace)"},
	{"--split", SPLITS, &split, 0, 0,
	 "who does which chunk: fixed in advance, or first come first\n"
	 "served (default static)"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "wrong-count: the barrier expects one runner too many (default\n"
	 "straggler)"},
	{"--timeout", "MS", &timeout_ms, 1, 600000,
	 "wrong-count: the watchdog ends the program after MS ms without\n"
	 "progress (default 200, or 10 x the pace)"},
};

static const char about[] =
	"Runners work through phases separated by the barrier phase_barrier: no\n"
	"runner starts phase k+1 until all have finished phase k. Each phase is\n"
	"8 chunks per runner, and the last eighth of the chunks is heavy.\n"
	"  --split static    runner-i does the i-th eighth: runner-N straggles,\n"
	"                    the others wait for it at the barrier every phase\n"
	"  --split dynamic   runners take the next chunk from a shared counter:\n"
	"                    the heavy chunks get shared, waits shrink\n"
	"  --variant wrong-count  the barrier counts one runner too many: all\n"
	"                    block forever; a watchdog catches it\n"
	"Self-check: no runner started a phase before every runner had finished\n"
	"the previous one, every chunk was done once; wrong-count: the hang was\n"
	"caught by the watchdog.";

/* What each runner knows about itself, and what it measured. */
struct runner {
	pthread_t thread;
	int id;           /* 1, 2, ... as in its name runner-1 */
	long chunks;      /* chunks it did, in all phases */
	double waited_ms; /* time spent blocked at the barrier */
};

/* Chunks per phase: 8 per runner. */
static long chunks_per_phase(void)
{
	return 8 * threads;
}

/* Does chunk c of a phase: a plain chunk, or a heavy one of the last
 * eighth (which, in a static split, is runner-N's share). */
static void do_chunk(long c)
{
	long share_us = pace > 0 ? pace * 1000 : 200; /* one runner's eighth... */
	scn_busy_us(share_us / 8);                   /* ...is 8 chunks */
	if (c >= chunks_per_phase() - 8)
		scn_busy_us(straggle * 1000 / 8);
}

/* A runner: for each phase, checks the previous phase is complete, does its
 * chunks, and waits at the barrier for the others. */
static void *runner_main(void *arg)
{
	struct runner *r = arg;
	scn_name_thread("runner", r->id);

	for (long p = 1; p <= phases; p++) {
		/* Everybody must have finished the previous phase by now. */
		if (p > 1 && atomic_load(&finished[p - 1]) != threads)
			atomic_fetch_add(&early_starts, 1);

		/* This phase's chunks: its own eighth, or first come first
		 * served from the shared counter. */
		if (split == STATIC) {
			for (long c = 8 * (r->id - 1); c < 8 * r->id; c++) {
				do_chunk(c);
				atomic_fetch_add(&chunks_done[p], 1);
				r->chunks++;
			}
		} else {
			long c;
			while ((c = atomic_fetch_add(&next_chunk[p], 1)) <
			       chunks_per_phase()) {
				do_chunk(c);
				atomic_fetch_add(&chunks_done[p], 1);
				r->chunks++;
			}
		}
		atomic_fetch_add(&finished[p], 1);

		/* Wait for the others; the last to arrive releases everyone. */
		if (pace > 0)
			conctop_mark("arrived", p);
		atomic_fetch_add(&arrived, 1);
		scn_progress();
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

/* wrong-count: what the watchdog says when the runners are stuck. */
static int report_stuck(void)
{
	long in = atomic_load(&arrived);
	printf("barrier: wrong count: phase_barrier was set up for %ld parties "
	       "but only %ld runner%s: %ld waited at it in phase 1 with "
	       "nothing moving for %ld ms; the watchdog caught the hang "
	       "(without it, the program would never end)\n",
	       threads + 1, threads, threads == 1 ? " exists" : "s exist", in,
	       timeout_ms);
	return in == threads ? 0 : 1;
}

/* Runs the runners through their phases, then checks nobody ran ahead. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "barrier", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (phases < 0)
		phases = pace > 0 ? 4 : 10;
	if (straggle < 0)
		straggle = pace > 0 ? 2 * pace : 2;
	if (timeout_ms < 0)
		timeout_ms = pace * 10 > 200 ? pace * 10 : 200;
	scn_name_thread("barrier", 0);

	next_chunk = scn_calloc(phases + 1, sizeof *next_chunk);
	chunks_done = scn_calloc(phases + 1, sizeof *chunks_done);
	finished = scn_calloc(phases + 1, sizeof *finished);

	/* The bug of wrong-count is this one number. */
	unsigned parties = (unsigned)threads + (variant == WRONG_COUNT ? 1 : 0);
	scn_check(pthread_barrier_init(&phase_barrier, NULL, parties),
		  "pthread_barrier_init");
	if (variant == WRONG_COUNT)
		scn_watchdog_start(timeout_ms, report_stuck);

	struct runner *runners = scn_calloc(threads, sizeof *runners);
	for (int i = 0; i < threads; i++) {
		runners[i].id = i + 1;
		scn_check(pthread_create(&runners[i].thread, NULL, runner_main,
					 &runners[i]),
			  "pthread_create");
	}
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(runners[i].thread, NULL), "pthread_join");
	scn_watchdog_stop();
	pthread_barrier_destroy(&phase_barrier);

	/* The self-check: no early starts, and every chunk of every phase done
	 * exactly once. */
	long incomplete = 0;
	for (long p = 1; p <= phases; p++)
		if (atomic_load(&finished[p]) != threads ||
		    atomic_load(&chunks_done[p]) != chunks_per_phase())
			incomplete++;
	long early = atomic_load(&early_starts);
	int ok = early == 0 && incomplete == 0 && variant == STRAGGLER;

	double waited_ms = 0;
	for (int i = 0; i < threads; i++)
		waited_ms += runners[i].waited_ms;

	printf("barrier: %ld runner%s x %ld phases, %s split: ", threads,
	       threads == 1 ? "" : "s", phases,
	       split == STATIC ? "static" : "dynamic");
	if (variant == WRONG_COUNT)
		printf("WRONG: the barrier with the wrong count should have hung\n");
	else if (!ok)
		printf("WRONG: %ld early starts, %ld phases not finished by "
		       "every runner or with chunks missing\n",
		       early, incomplete);
	else {
		printf("no runner started a phase before all finished the "
		       "previous one; chunks done per runner:");
		for (int i = 0; i < threads; i++)
			printf("%s%ld", i ? "/" : " ", runners[i].chunks);
		printf("; runners waited %.1f ms in all at phase_barrier\n",
		       waited_ms);
	}

	free(runners);
	free(finished);
	free(chunks_done);
	free(next_chunk);
	return ok ? 0 : 1;
}
