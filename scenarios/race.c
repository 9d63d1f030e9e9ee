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
 * Four ways to count, chosen with --variant:
 *
 *   racy    read, work, write back, with nothing to stop the others: the bug.
 *   mutex   hold the mutex count_lock from the read to the write (a
 *           "critical section"): only one worker at a time is inside, so
 *           nothing falls between another's read and write. Exact, but the
 *           workers take turns: on the timeline they block on count_lock (M)
 *           instead of running side by side. --fixed is the same.
 *   atomic  do the work first, then add with one atomic_fetch_add: the CPU
 *           reads, adds and writes in one indivisible instruction. Exact, and
 *           nobody blocks; the counter's cache line still travels between
 *           the CPUs at every addition.
 *   local   each worker counts in its own local variable and adds its sum to
 *           the counter once, at the end, under count_lock: nothing is shared
 *           while working. Exact, and the fastest: share less, lock less.
 *
 * Note that counter is _Atomic, so each single read and each single write is
 * whole; that does not make read-then-write one step, as racy shows. Only a
 * read-modify-write done at once (atomic_fetch_add) is indivisible.
 *
 * Each worker also does a little work between increments, outside any
 * critical section, as real code would; that is when, with a mutex, another
 * worker gets its turn at count_lock.
 *
 * What to watch under conctop: all workers first meet at start_line (B), so
 * that they start together. Racy, atomic and local: every worker runs all
 * the time on its own CPU. Mutex: they take turns, one inside the critical
 * section while the others wait on count_lock (M). With --pace the markers
 * narrate each step ("read 41", "wrote 42"), so you can see two racy workers
 * read the same value.
 */
#include "common.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* The shared counter. */
static _Atomic long counter;

/* The lock of the mutex variant (held around each read-work-write), and of
 * the local variant (held once per worker, to add its sum). */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

/* Where workers line up before they start, so that they really run at the
 * same time (a worker created first could otherwise be done before the last
 * one even exists). See the barrier scenario for barriers. */
static pthread_barrier_t start_line;

/* The variants, in the order of the --variant list. */
#define VARIANTS "racy|mutex|atomic|local"
enum { RACY, MUTEX, ATOMIC, LOCAL };

/* Options (-1: not given, a default is chosen in main). */
static long threads = 2;
static long iterations = -1;
static long pace = 0;
static long variant = RACY;
static long fixed = 0;
static long yield_every = 5000;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "worker threads (default 2)"},
	{"--iterations", "N", &iterations, 1, 1000000000,
	 "increments per worker (default 200000, or 20 with --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "each increment's work takes MS ms of CPU, narrated (default 0)"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "how to count (default racy; see above)"},
	{"--fixed", NULL, &fixed, 0, 1, "the same as --variant mutex"},
	{"--yield", "N", &yield_every, 0, 1000000000,
	 "give up the CPU inside the race window every N increments\n"
	 "(default 5000, 0 never): the race then shows even when the\n"
	 "workers share one CPU"},
};

static const char about[] =
	"Workers add 1 to a shared counter: read it, work a little, write it back.\n"
	"  racy    nothing protects it: two workers read the same value, one\n"
	"          increment overwrites the other, updates are lost\n"
	"  mutex   the mutex count_lock is held from read to write (also --fixed):\n"
	"          exact, but the workers take turns, blocked on the mutex\n"
	"  atomic  one atomic_fetch_add per increment: exact, nobody blocks\n"
	"  local   each worker counts alone, then adds its sum once: exact\n"
	"Self-check: racy loses some updates (needs 2 CPUs, or --yield);\n"
	"the other variants lose none.";

/* What each worker thread knows about itself. */
struct worker {
	pthread_t thread;
	int id;           /* 1, 2, ... as in its name worker-1 */
	double waited_ms; /* mutex: time spent waiting for count_lock */
};

/* Spins for a moment: a stand-in for a little real computation. */
static void spin(int rounds)
{
	for (volatile int k = 0; k < rounds; k++)
		; /* about half a nanosecond a round */
}

/* The work of one increment. In racy and mutex it happens between reading
 * and writing the counter: the window in which another worker can sneak in.
 * With --pace it lasts pace ms, to be seen. Every --yield increments the
 * worker gives up its CPU right here: on two free CPUs that changes nothing,
 * but when the workers share one CPU it lets the other run inside the
 * window, as a preemption would: the deterministic way to force the race. */
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
 * section: with a mutex, the moment another worker can take count_lock.
 * Half as long as think(), so workers end up taking turns. */
static void between(void)
{
	if (pace > 0)
		scn_busy_us(pace * 500);
	else
		spin(100);
}

/* Takes count_lock, adding the time it took to *waited_ms. */
static void lock_counting(double *waited_ms)
{
	double start = scn_now_ms();
	pthread_mutex_lock(&count_lock);
	*waited_ms += scn_now_ms() - start;
}

/* A worker: increments the counter iterations times, the chosen way. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long mine = 0; /* local: this worker's own count */
	scn_name_thread("worker", w->id);
	pthread_barrier_wait(&start_line);

	for (long i = 0; i < iterations; i++) {
		if (variant == RACY || variant == MUTEX) {
			if (variant == MUTEX)
				lock_counting(&w->waited_ms);

			long seen = counter; /* 1. read */
			if (pace > 0)
				conctop_mark("read", seen);
			think(i);            /* 2. work: others may write meanwhile */
			counter = seen + 1;  /* 3. write back, over what they wrote */
			if (pace > 0)
				conctop_mark("wrote", seen + 1);

			if (variant == MUTEX)
				pthread_mutex_unlock(&count_lock);
		} else if (variant == ATOMIC) {
			think(i); /* the work needs no lock... */
			long now = atomic_fetch_add(&counter, 1) + 1; /* ...one step */
			if (pace > 0)
				conctop_mark("added", now);
		} else { /* LOCAL */
			think(i);
			mine++; /* nobody else sees mine: nothing to protect */
			if (pace > 0)
				conctop_mark("local count", mine);
		}
		between();
	}

	if (variant == LOCAL) { /* one shared update per worker, not per step */
		lock_counting(&w->waited_ms);
		counter += mine;
		pthread_mutex_unlock(&count_lock);
		conctop_mark("added local sum", mine);
	}
	return NULL;
}

/* Runs the workers, then checks the count against what it should be. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "race", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (fixed)
		variant = MUTEX;
	if (iterations < 0)
		iterations = pace > 0 ? 20 : 200000;
	scn_name_thread("race", 0);

	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)threads),
		  "pthread_barrier_init");
	struct worker *workers = scn_calloc(threads, sizeof *workers);
	double start = scn_now_ms();
	for (int i = 0; i < threads; i++) {
		workers[i].id = i + 1;
		scn_check(pthread_create(&workers[i].thread, NULL, worker_main,
					 &workers[i]),
			  "pthread_create");
	}
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(workers[i].thread, NULL), "pthread_join");
	double took_ms = scn_now_ms() - start;
	pthread_barrier_destroy(&start_line);

	long expected = threads * iterations;
	long lost = expected - counter;
	double waited_ms = 0;
	for (int i = 0; i < threads; i++)
		waited_ms += workers[i].waited_ms;
	conctop_mark("counter", counter);
	/* expected against actual, on the lanes' markers row as in the log */
	conctop_mark("expected", expected);
	conctop_mark("lost updates", lost);
	/* and all three in one marker: a column of the lanes names only its
	 * last marker, and these three share the run's last column */
	char said[64];
	snprintf(said, sizeof said, "counter %ld of %ld, lost", counter, expected);
	conctop_mark(said, lost);

	/* The self-check: what did the story claim, and did it happen? */
	char how[160];
	int ok;
	if (variant != RACY) {
		ok = lost == 0;
		if (!ok)
			snprintf(how, sizeof how, "WRONG: %s should lose none!",
				 variant == ATOMIC ? "atomic_fetch_add"
						   : "count_lock");
		else if (variant == MUTEX)
			snprintf(how, sizeof how,
				 "mutex count_lock: none lost, as expected; "
				 "workers waited %.1f ms for it, run took %.1f ms",
				 waited_ms, took_ms);
		else if (variant == ATOMIC)
			snprintf(how, sizeof how,
				 "atomic_fetch_add: none lost, as expected; "
				 "run took %.1f ms", took_ms);
		else
			snprintf(how, sizeof how,
				 "per-thread sums added once each: none lost, as "
				 "expected; run took %.1f ms", took_ms);
	} else if (threads < 2) {
		ok = 1;
		snprintf(how, sizeof how,
			 "one worker has nobody to race with: nothing to check");
	} else if (scn_cpus_available() < 2 && yield_every == 0) {
		ok = 1;
		snprintf(how, sizeof how, "only 1 CPU and --yield 0: the race "
			 "cannot show, not checked");
	} else {
		ok = lost > 0;
		snprintf(how, sizeof how, "%s",
			 ok ? "racy, as expected"
			    : "WRONG: expected the race to lose some: try more "
			      "--iterations");
	}
	printf("race: counter = %ld, expected %ld, lost %ld updates (%s)\n",
	       (long)counter, expected, lost, how);

	free(workers);
	return ok ? 0 : 1;
}
