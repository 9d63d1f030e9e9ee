/* race: threads add 1 to a shared counter, and some of the additions vanish.
 *
 * The lesson. "counter = counter + 1" looks like one step but is three:
 * read the counter, compute, write it back. When two threads run on two CPUs
 * at the same moment, both can read the same value (say 41), both compute 42,
 * and both write 42: two increments, one effect. An update is lost. The same
 * happens on one CPU when the scheduler preempts a thread between its read
 * and its write. The course notes show it with a global that ten threads
 * overwrite ("read globalID 3, setting to 5"); here the damage is counted.
 *
 * The fix (--fixed) is a mutex, count_lock, held from the read to the write:
 * only one thread at a time may be inside that "critical section", so no
 * increment can fall between another's read and write. The price shows up on
 * the timeline: with --fixed, workers spend time blocked on count_lock (M)
 * instead of running side by side.
 *
 * Each worker also does a little work between increments, outside the
 * critical section, as real code would; that is when, with --fixed, another
 * worker gets its turn at count_lock.
 *
 * What to watch under conctop: all workers first meet at start_line (B), so
 * that they start together. Without --fixed every worker then runs all the
 * time on its own CPU; with --fixed they take turns: one holds count_lock
 * while the others finish their outside work and wait on the mutex (M). With
 * --pace the markers narrate each step ("read 41", "wrote 42"), so you can see
 * two workers read the same value.
 */
#include "common.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

/* The shared counter. volatile makes the compiler really read and write it
 * every time, as the three steps below say, instead of keeping it in a
 * register and adding 200000 at once (which would hide the race). */
static volatile long counter;

/* The lock that --fixed holds around each read-work-write. */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

/* Where workers line up before they start, so that they really run at the
 * same time (a worker created first could otherwise be done before the last
 * one even exists). See the barrier scenario for barriers. */
static pthread_barrier_t start_line;

/* Options (-1: not given, a default is chosen in main). */
static long threads = 2;
static long iterations = -1;
static long pace = 0;
static long fixed = 0;
static long yield_every = 5000;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "worker threads (default 2)"},
	{"--iterations", "N", &iterations, 1, 1000000000,
	 "increments per worker (default 200000, or 20 with --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "each increment's work takes MS ms of CPU, narrated (default 0)"},
	{"--fixed", NULL, &fixed, 0, 1,
	 "guard the counter with the mutex count_lock: none are lost"},
	{"--yield", "N", &yield_every, 0, 1000000000,
	 "give up the CPU inside the race window every N increments (default\n"
	 "                  5000, 0 never): the race then happens even when another\n"
	 "                  program keeps the workers on one CPU"},
};

static const char about[] =
	"Workers add 1 to a shared counter: read it, work a little, write it back.\n"
	"Without a lock, two workers on two CPUs read the same value and one\n"
	"increment overwrites the other: updates are lost. --fixed holds the mutex\n"
	"count_lock from read to write, and the count comes out exact, at the cost\n"
	"of workers taking turns (blocked on the mutex) instead of running together.\n"
	"Self-check: without --fixed, some updates are lost (needs 2 CPUs);\n"
	"with --fixed, none are.";

/* What each worker thread knows about itself. */
struct worker {
	pthread_t thread;
	int id; /* 1, 2, ... as in its name worker-1 */
};

/* Spins for a moment: a stand-in for a little real computation. */
static void spin(int rounds)
{
	for (volatile int k = 0; k < rounds; k++)
		; /* about half a nanosecond a round */
}

/* The work between reading and writing the counter: the window in which
 * another worker can sneak in. With --pace it lasts pace ms, to be seen.
 * Every --yield increments the worker gives up its CPU right here: on two
 * free CPUs that changes nothing, but when the workers share one CPU it
 * lets the other run inside the window, as a preemption would. */
static void think(long i)
{
	if (pace > 0)
		scn_pace(pace);
	else
		spin(200);
	if (yield_every > 0 && i % yield_every == yield_every - 1)
		sched_yield();
}

/* The work between one increment and the next, outside the critical
 * section: with --fixed, the moment another worker can take count_lock.
 * Half as long as think(), so workers end up taking turns. */
static void between(void)
{
	if (pace > 0)
		scn_busy_us(pace * 500);
	else
		spin(100);
}

/* A worker: increments the counter, the racy way or under count_lock. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	scn_name_thread("worker", w->id);
	pthread_barrier_wait(&start_line);

	for (long i = 0; i < iterations; i++) {
		if (fixed)
			pthread_mutex_lock(&count_lock);

		long seen = counter; /* 1. read */
		if (pace > 0)
			conctop_mark("read", seen);
		think(i);            /* 2. work: others may write meanwhile */
		counter = seen + 1;  /* 3. write back, over whatever they wrote */
		if (pace > 0)
			conctop_mark("wrote", seen + 1);

		if (fixed)
			pthread_mutex_unlock(&count_lock);
		between();
	}
	return NULL;
}

/* Runs the workers, then checks the count against what it should be. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "race", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (iterations < 0)
		iterations = pace > 0 ? 20 : 200000;
	scn_name_thread("race", 0);

	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)threads),
		  "pthread_barrier_init");
	struct worker *workers = scn_calloc(threads, sizeof *workers);
	for (int i = 0; i < threads; i++) {
		workers[i].id = i + 1;
		scn_check(pthread_create(&workers[i].thread, NULL, worker_main,
					 &workers[i]),
			  "pthread_create");
	}
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(workers[i].thread, NULL), "pthread_join");
	pthread_barrier_destroy(&start_line);

	long expected = threads * iterations;
	long lost = expected - counter;
	conctop_mark("counter", counter);

	/* The self-check: what did the story claim, and did it happen? */
	const char *verdict;
	int ok;
	if (fixed) {
		ok = lost == 0;
		verdict = ok ? "locked with count_lock, none lost, as expected"
			     : "count_lock should have prevented this!";
	} else if (threads < 2) {
		ok = 1;
		verdict = "one worker has nobody to race with: nothing to check";
	} else if (scn_cpus_available() < 2) {
		ok = 1;
		verdict = "only 1 CPU here: the race needs 2 CPUs to show, not checked";
	} else {
		ok = lost > 0;
		verdict = ok ? "racy, as expected"
			     : "expected the race to lose some: try more --iterations";
	}
	printf("race: counter = %ld, expected %ld, lost %ld updates (%s)\n",
	       counter, expected, lost, verdict);

	free(workers);
	return ok ? 0 : 1;
}
