/* inversion: a high-priority thread waits for a low one, behind a medium one.
 *
 * The lesson. Under a real-time policy (SCHED_FIFO) the scheduler is strict:
 * on a CPU, the highest-priority runnable thread runs, and a lower one runs
 * only when every higher one is blocked. Three threads share one CPU:
 *
 *   low    (priority 10) takes resource_lock and works with it;
 *   high   (priority 30) needs resource_lock too, and so must wait for low;
 *   medium (priority 20) does not care about the lock, it just computes.
 *
 * high waiting for low is expected: low holds the lock. But while high is
 * blocked, the CPU goes to the highest runnable thread, which is medium, not
 * low. low cannot run, so it cannot release the lock, so high waits for
 * medium, a thread of lower priority that has nothing to do with the lock:
 * a priority inversion. (It froze the Mars Pathfinder lander in 1997.)
 *
 * The fix (--fixed) is priority inheritance: resource_lock is created with
 * PTHREAD_PRIO_INHERIT, and while high waits for it, low runs at high's
 * priority. Now low outranks medium, finishes its work, releases the lock,
 * and high goes on at once; medium runs afterwards.
 *
 * The setting. All threads are pinned to one CPU (sched_setaffinity), as on
 * a single-core machine, and main directs the scene from the top priority
 * (40), so nothing happens by chance: main starts low and waits until low
 * holds the lock, then starts high and medium together and waits for all
 * three. high runs first (highest), blocks on the lock, and the question is
 * who gets the CPU next. medium's work is bounded (--hog, tens of ms): a
 * SCHED_FIFO thread that never stops computing would starve its CPU.
 *
 * Real-time priorities need privilege: CAP_SYS_NICE (root has it). Without
 * it the program says so and exits with status 77 (skipped): it cannot show
 * the lesson, and must not pretend it did.
 *
 * What to watch under conctop: one CPU lane busy with the scenario, the
 * other free. Without --fixed, high's lane is blocked (M) for the whole time
 * medium's lane is running, while low's lane waits for the CPU (runnable,
 * holding the lock). With --fixed, low runs while high waits, high follows
 * right after, and medium runs last.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET, pthread_mutexattr_setprotocol */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lock low and high share (with PTHREAD_PRIO_INHERIT under --fixed). */
static pthread_mutex_t resource_lock;

/* low posts it once it holds resource_lock, to tell main the scene is set. */
static sem_t lock_taken;

/* The SCHED_FIFO priorities (1 lowest .. 99 highest). */
enum { PRIO_LOW = 10, PRIO_MEDIUM = 20, PRIO_HIGH = 30, PRIO_MAIN = 40 };

/* What one round of the story measured. */
static double asked_at, got_at;        /* when high asked for / got the lock */
static atomic_int mediums_done;        /* medium threads done hogging */
static int mediums_done_when_high_got; /* ... at the moment high got the lock */

/* Options (-1: not given, a default is chosen in main). */
static long threads = 1;
static long iterations = -1;
static long pace = 0;
static long hog = -1;
static long fixed = 0;
static long cpu = -1;
static long work_ms; /* low's work while holding the lock, see main */

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 4, "medium threads (default 1)"},
	{"--iterations", "N", &iterations, 1, 1000,
	 "rounds of the story (default 3, or 5 with --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "rest MS ms between rounds; medium computes MS ms, at\n"
	 "most 50 (default: rest 10, compute 30)"},
	{"--hog", "MS", &hog, 1, 50,
	 "CPU time medium computes for, each round (default 30)"},
	{"--fixed", NULL, &fixed, 0, 1,
	 "resource_lock uses PTHREAD_PRIO_INHERIT: no inversion"},
	{"--cpu", "N", &cpu, 0, CPU_SETSIZE - 1,
	 "the CPU all threads share (default: the last one allowed)"},
};

static const char about[] =
	"Three SCHED_FIFO threads on one CPU: low (priority 10) holds the mutex\n"
	"resource_lock, high (30) waits for it, and medium (20), which never\n"
	"touches it, takes the CPU from low: high waits for medium, a priority\n"
	"inversion. --fixed makes resource_lock PTHREAD_PRIO_INHERIT: low runs at\n"
	"high's priority while high waits, and medium comes last.\n"
	"Needs CAP_SYS_NICE (root) for SCHED_FIFO: without it, says so and exits\n"
	"with status 77 (skipped).\n"
	"Self-check: without --fixed, in every round high got the lock only after\n"
	"medium was done; with --fixed, always before medium was done.";

/* Creates a thread with a SCHED_FIFO priority (explicit, not inherited). */
static int start_fifo(pthread_t *t, int prio, void *(*fn)(void *))
{
	pthread_attr_t attr;
	struct sched_param sp = {.sched_priority = prio};
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	int err = pthread_create(t, &attr, fn, NULL);
	pthread_attr_destroy(&attr);
	return err;
}

/* low: takes the lock, tells main, then works with it. */
static void *low_main(void *arg)
{
	(void)arg;
	scn_name_thread("low", 0);
	pthread_mutex_lock(&resource_lock);
	conctop_mark("low took resource_lock", 0);
	sem_post(&lock_taken); /* main (priority 40) takes the CPU right here */
	scn_busy_us(work_ms * 1000); /* work under the lock: CPU time */
	conctop_mark("low releases resource_lock", 0);
	pthread_mutex_unlock(&resource_lock);
	return NULL;
}

/* high: needs the lock for a moment. */
static void *high_main(void *arg)
{
	(void)arg;
	scn_name_thread("high", 0);
	conctop_mark("high wants resource_lock", 0);
	asked_at = scn_now_ms();
	pthread_mutex_lock(&resource_lock);
	got_at = scn_now_ms();
	mediums_done_when_high_got = atomic_load(&mediums_done);
	conctop_mark("high got resource_lock after us", (long)((got_at - asked_at) * 1000));
	scn_busy_us(1000);
	pthread_mutex_unlock(&resource_lock);
	return NULL;
}

/* medium: computes for hog ms of its own CPU time, then ends: bounded. */
static void *medium_main(void *arg)
{
	(void)arg;
	scn_name_thread("medium", 0);
	conctop_mark("medium starts computing", hog);
	scn_busy_us(hog * 1000);
	atomic_fetch_add(&mediums_done, 1);
	conctop_mark("medium done", 0);
	return NULL;
}

/* Says plainly that the lesson cannot run here, and exits 77 (skipped). */
static void cannot_run(int err, const char *what)
{
	if (err == EPERM)
		printf("inversion: SKIPPED: %s refused SCHED_FIFO (EPERM): needs "
		       "CAP_SYS_NICE: run with sudo, or as conctop does, keep that "
		       "capability\n", what);
	else
		printf("inversion: SKIPPED: %s failed: %s\n", what, strerror(err));
	exit(77);
}

/* Directs the rounds and checks, each round, whether high got the lock
 * before or after medium was done. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "inversion", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (iterations < 0)
		iterations = pace > 0 ? 5 : 3;
	if (hog < 0)
		hog = pace > 0 ? (pace < 50 ? pace : 50) : 30;
	work_ms = hog / 3 > 0 ? hog / 3 : 1;
	long rest = pace > 0 ? pace : 10;
	scn_name_thread("inversion", 0);

	/* One CPU for everyone: the last one we may use, unless told. */
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		scn_check(errno, "sched_getaffinity");
	if (cpu < 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &allowed))
				cpu = c;
	if (!CPU_ISSET(cpu, &allowed)) {
		fprintf(stderr, "inversion: --cpu %ld is not a CPU this program may "
			"use (see inversion --help)\n", cpu);
		return 2;
	}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one) != 0) /* threads inherit it */
		scn_check(errno, "sched_setaffinity");

	/* main directs from above everyone. This is where a missing
	 * privilege shows first. */
	struct sched_param sp = {.sched_priority = PRIO_MAIN};
	int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (err)
		cannot_run(err, "the kernel");

	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	if (fixed) /* the fix, in one line */
		scn_check(pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT),
			  "pthread_mutexattr_setprotocol");
	scn_check(pthread_mutex_init(&resource_lock, &ma), "pthread_mutex_init");
	pthread_mutexattr_destroy(&ma);
	if (sem_init(&lock_taken, 0, 0) != 0)
		scn_check(errno, "sem_init");

	double wait_sum = 0, wait_max = 0;
	long inverted = 0;
	pthread_t low, high, medium[4];
	for (long round = 1; round <= iterations; round++) {
		conctop_mark("round", round);
		atomic_store(&mediums_done, 0);

		/* Act 1: low takes the lock (main sleeps until it has). */
		if ((err = start_fifo(&low, PRIO_LOW, low_main)) != 0)
			cannot_run(err, "pthread_create");
		while (sem_wait(&lock_taken) != 0)
			;

		/* Act 2: high and medium arrive together. Neither runs yet:
		 * main (40) still has the CPU. */
		if ((err = start_fifo(&high, PRIO_HIGH, high_main)) != 0)
			cannot_run(err, "pthread_create");
		for (int m = 0; m < threads; m++)
			if ((err = start_fifo(&medium[m], PRIO_MEDIUM, medium_main)) != 0)
				cannot_run(err, "pthread_create");

		/* Act 3: main steps aside. high runs, blocks on the lock; then
		 * the scheduler picks medium (20) or low (10, or 30 when it
		 * inherits high's priority). */
		scn_check(pthread_join(high, NULL), "pthread_join");
		for (int m = 0; m < threads; m++)
			scn_check(pthread_join(medium[m], NULL), "pthread_join");
		scn_check(pthread_join(low, NULL), "pthread_join");

		double wait = got_at - asked_at;
		wait_sum += wait;
		if (wait > wait_max)
			wait_max = wait;
		if (mediums_done_when_high_got == threads)
			inverted++;
		scn_sleep_ms(rest); /* a pause between rounds, off the CPU */
	}
	pthread_mutex_destroy(&resource_lock);
	sem_destroy(&lock_taken);

	/* The self-check, over all rounds. */
	double avg = wait_sum / (double)iterations;
	int ok;
	if (!fixed) {
		ok = inverted == iterations;
		printf("inversion: %ld of %ld rounds on CPU %ld: high waited %.1f ms "
		       "on average (max %.1f) for resource_lock, until medium had "
		       "computed %ld ms (%s)\n",
		       inverted, iterations, cpu, avg, wait_max, hog * threads,
		       ok ? "priority inversion, as expected"
			  : "expected high to wait for medium every round");
	} else {
		ok = inverted == 0;
		printf("inversion: --fixed: %ld of %ld rounds on CPU %ld: high waited "
		       "%.1f ms on average (max %.1f), low inherited its priority and "
		       "released resource_lock before medium was done (%s)\n",
		       iterations - inverted, iterations, cpu, avg, wait_max,
		       ok ? "as expected" : "priority inheritance should prevent the inversion!");
	}
	return ok ? 0 : 1;
}
