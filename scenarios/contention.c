/* contention: many threads, one lock: they queue for it instead of working.
 *
 * The lesson. A mutex makes threads take turns. That is its job, but every
 * turn taken is time a thread does not work: when the lock is held most of
 * the time ("a hot lock"), the threads spend their lives waiting for it, and
 * adding threads or CPUs adds nothing: the program runs one thread at a time.
 *
 * The story. Workers serve requests against a shared table of 64 counters
 * (buckets). Each request has two parts:
 *
 *   prepare  work that needs nothing shared (parsing, hashing: 3/4 of it);
 *   update   read the request's bucket, work, write it back (the last 1/4):
 *            this part must not run in two threads at once on one bucket,
 *            or updates are lost as in the race scenario.
 *
 * Three ways to protect the table, chosen with --variant:
 *
 *   hot      one mutex, table_lock, held for the whole request, prepare
 *            included: the lazy way. Almost all the time some worker holds
 *            it, so the others wait. Watch the lock convoy: when the holder
 *            unlocks, a waiter is woken, but before it gets a CPU the holder
 *            (still running) takes the lock again for its next request; the
 *            woken waiter finds it taken and goes back to sleep. Threads
 *            shuffle from run queue to sleep and back, and the lock passes
 *            through them one at a time, like a convoy of trucks.
 *   short    prepare outside the lock, hold table_lock only for the update:
 *            the critical section shrunk to what needs it. Less waiting,
 *            more requests per second.
 *   striped  the whole request under a lock again, as in hot, but one lock
 *            per bucket (bucket_lock[b], "lock striping"): two workers wait
 *            for each other only when they want the same bucket. The
 *            critical section is as long as hot's, but the lock is no longer
 *            one for all.
 *
 * Every worker measures the time it spent waiting for locks; the program
 * prints requests per second and that waiting time.
 *
 * What to watch under conctop: hot, with 4 workers on 2 CPUs: one lane runs,
 * the others are M (blocked on table_lock) nearly all the time; the CPUs
 * are half idle though there is work for four. short: more running, short
 * M stretches. striped: lanes are running or waiting for a CPU (-), rarely M.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The shared table: one counter per bucket. */
#define BUCKETS 64
static long bucket[BUCKETS];

/* hot and short: the one lock of the whole table. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

/* striped: one lock per bucket; bucket_lock[b] guards bucket[b].
 * Initialised in main. */
static pthread_mutex_t bucket_lock[BUCKETS];

/* Where workers line up, so that they all start at once. */
static pthread_barrier_t start_line;

/* The variants, in the order of the --variant list. */
#define VARIANTS "hot|short|striped"
enum { HOT, SHORT, STRIPED };

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long requests = -1;
static long work_us = 40;
static long pace = 0;
static long variant = HOT;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "worker threads (default 4)"},
	{"--requests", "N", &requests, 1, 100000000,
	 "requests per worker (default 500, or 6 with --pace)"},
	{"--iterations", "N", &requests, 1, 100000000, "same as --requests"},
	{"--work", "US", &work_us, 1, 10000000,
	 "CPU time of one request in microseconds (default 40)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "one request takes MS ms of CPU, narrated (default 0)"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "how the table is locked (default hot; see above)"},
};

static const char about[] =
	"Workers serve requests against a shared table of 64 buckets. A request\n"
	"is 3/4 preparation (needs nothing shared) and 1/4 update of one bucket.\n"
	"  hot      one mutex, table_lock, held for the whole request: workers\n"
	"           queue for it (a lock convoy) and mostly wait\n"
	"  short    table_lock held for the update only: less waiting\n"
	"  striped  the whole request under bucket_lock[b], one lock per bucket:\n"
	"           workers wait only when they want the same bucket\n"
	"Prints requests per second, how many workers were at work on average,\n"
	"how much of the run the locks were held, and how much of their time\n"
	"the workers waited for them.\n"
	"Self-check: no update was lost in any variant; with hot, never more\n"
	"than one worker was at work on average: the lock serialised them.";

/* What each worker knows about itself, and what it measured. */
struct worker {
	pthread_t thread;
	int id;           /* 1, 2, ... as in its name worker-1 */
	unsigned random;  /* its own random number generator's state */
	long contended;   /* lock acquisitions that found the lock taken */
	double waited_ms; /* time spent waiting for locks */
	double held_ms;   /* time spent holding them */
	double taken_at;  /* when it took the lock it holds */
	double started, ended; /* when it left the start line, and finished */
};

/* A small random number generator (xorshift): each worker has its own, so
 * the choice of buckets is the same on every run. */
static unsigned next_random(unsigned *state)
{
	unsigned x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Takes a lock, counting the time spent waiting for it. trylock first: if
 * the lock is free we never wait; if not, the wait is timed. */
static void take(pthread_mutex_t *lock, struct worker *w)
{
	if (pthread_mutex_trylock(lock) != 0) {
		w->contended++;
		double start = scn_now_ms();
		pthread_mutex_lock(lock);
		w->waited_ms += scn_now_ms() - start;
	}
	w->taken_at = scn_now_ms();
}

/* Gives a lock back, counting how long it was held. */
static void give(pthread_mutex_t *lock, struct worker *w)
{
	w->held_ms += scn_now_ms() - w->taken_at;
	pthread_mutex_unlock(lock);
}

/* The CPU time of one request, in microseconds. */
static long request_us(void)
{
	return pace > 0 ? pace * 1000 : work_us;
}

/* Part one of a request: needs nothing shared. */
static void prepare(void)
{
	scn_busy_us(request_us() * 3 / 4);
}

/* Part two: read the bucket, work, write it back. Without its lock two
 * workers could interleave here and lose an update. */
static void update(int b)
{
	long seen = bucket[b];
	scn_busy_us(request_us() - request_us() * 3 / 4);
	bucket[b] = seen + 1;
}

/* A worker: serves its requests, each on a random bucket. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	scn_name_thread("worker", w->id);
	pthread_barrier_wait(&start_line);
	w->started = scn_now_ms();

	for (long i = 0; i < requests; i++) {
		int b = (int)(next_random(&w->random) % BUCKETS);
		if (pace > 0)
			conctop_mark("request", b);

		if (variant == HOT) {
			take(&table_lock, w);
			prepare(); /* held for nothing: the lock is hot */
			update(b);
			give(&table_lock, w);
		} else if (variant == SHORT) {
			prepare(); /* outside: others may update meanwhile */
			take(&table_lock, w);
			update(b);
			give(&table_lock, w);
		} else { /* STRIPED */
			take(&bucket_lock[b], w);
			prepare();
			update(b);
			give(&bucket_lock[b], w);
		}
		if (pace > 0)
			conctop_mark("done", b);
	}
	w->ended = scn_now_ms();
	return NULL;
}

/* Runs the workers, then checks the table and prints the figures. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "contention", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (requests < 0)
		requests = pace > 0 ? 6 : 500;
	scn_name_thread("contention", 0);

	for (int b = 0; b < BUCKETS; b++)
		scn_check(pthread_mutex_init(&bucket_lock[b], NULL),
			  "pthread_mutex_init");
	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)threads),
		  "pthread_barrier_init");

	struct worker *workers = scn_calloc(threads, sizeof *workers);
	for (int i = 0; i < threads; i++) {
		workers[i].id = i + 1;
		workers[i].random = 2654435761u * (unsigned)(i + 1);
		scn_check(pthread_create(&workers[i].thread, NULL, worker_main,
					 &workers[i]),
			  "pthread_create");
	}
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(workers[i].thread, NULL), "pthread_join");
	pthread_barrier_destroy(&start_line);

	/* The run: from the first worker off the start line to the last
	 * one done. */
	double first = workers[0].started, last = workers[0].ended;
	for (int i = 1; i < threads; i++) {
		if (workers[i].started < first)
			first = workers[i].started;
		if (workers[i].ended > last)
			last = workers[i].ended;
	}
	double wall_ms = last - first;

	/* The figures: requests per second; how many workers were at work
	 * on average (their CPU work divided by the run's length: at most 1
	 * when one lock holds all the work); how much of the run the locks
	 * were held; how much of their lives the workers spent waiting. */
	long total = 0, contended = 0;
	for (int b = 0; b < BUCKETS; b++)
		total += bucket[b];
	double waited_ms = 0, held_ms = 0;
	for (int i = 0; i < threads; i++) {
		waited_ms += workers[i].waited_ms;
		held_ms += workers[i].held_ms;
		contended += workers[i].contended;
	}
	long expected = threads * requests;
	double work_ms = expected * request_us() / 1000.0;
	double per_s = wall_ms > 0 ? expected / (wall_ms / 1000) : 0;
	double at_work = wall_ms > 0 ? work_ms / wall_ms : 0;
	double held = wall_ms > 0 ? held_ms / wall_ms : 0;
	double waited = wall_ms > 0 ? waited_ms / (threads * wall_ms) : 0;
	conctop_mark("requests per second", (long)per_s);

	/* The self-check: no update lost in any variant; and hot must show
	 * its price: with all the work under one lock, never more than one
	 * worker at work at a time (1.02: the two clocks' rounding). */
	int exact = total == expected;
	int one_at_a_time = at_work <= 1.02;
	int ok = exact && (variant != HOT || one_at_a_time);
	char name[16];
	scn_choice_name(VARIANTS, variant, name, sizeof name);
	printf("contention: %s, %ld worker%s x %ld requests: %.0f requests/s, "
	       "%.2f workers at work on average; %s held %.0f%% of the run; "
	       "workers waited %.0f%% of theirs (%ld of %ld takes found the "
	       "lock taken): ",
	       name, threads, threads == 1 ? "" : "s", requests, per_s, at_work,
	       variant == STRIPED ? "bucket locks" : "table_lock", 100 * held,
	       100 * waited, contended, expected);
	if (!exact)
		printf("WRONG: the table counts %ld requests, expected %ld\n",
		       total, expected);
	else if (variant == HOT)
		printf("%s\n", one_at_a_time
				     ? "the hot lock lets one work at a time, as "
				       "expected"
				     : "WRONG: more than one worker at work under "
				       "one lock");
	else
		printf("no update lost, as expected\n");

	for (int b = 0; b < BUCKETS; b++)
		pthread_mutex_destroy(&bucket_lock[b]);
	free(workers);
	return ok ? 0 : 1;
}
