/* spin: waiting for a lock by spinning burns the CPU the holder needs.
 *
 * The lesson. There are two ways to wait for a lock that another thread
 * holds:
 *
 *   - spin: keep trying, in a tight loop, until it is free
 *     (pthread_spin_lock). The waiter stays on its CPU, running, and gets
 *     the lock a few nanoseconds after it is released. Cheap when the wait
 *     is short and every thread has a CPU of its own.
 *   - block: ask the kernel to put the thread to sleep until the lock is
 *     released (pthread_mutex_lock). The CPU is free for others meanwhile;
 *     waking up costs a few microseconds.
 *
 * With more threads than CPUs, spinning goes wrong: the thread holding the
 * lock is sometimes preempted (its time slice ran out) and waits for a CPU,
 * while the spinners keep their CPUs busy waiting for it. They burn their
 * whole time slices doing nothing, and the holder, who alone can end the
 * wait, gets the CPU only when they are preempted in turn.
 *
 * The story. Workers update a shared tally, each holding the lock for
 * --hold µs (a critical section) and then working a fifth of that outside
 * it. Default: more workers than CPUs, with the spinlock tally_spinlock.
 * --variant mutex uses the mutex tally_mutex instead. Each worker measures
 * the CPU time it spends inside the lock call, that is waiting, and the
 * total CPU time it uses.
 *
 * This is about CPU time, so the figures are in the markers and the one
 * line printed at the end. On the timeline: spinners are running or waiting
 * for a CPU (runnable) all the time, never blocked; mutex waiters block (M)
 * and leave their CPUs to others.
 *
 * What to watch under conctop: with the spinlock, every CPU lane is full of
 * workers, all the time, yet the work takes longer; with the mutex, worker
 * lanes are mostly M, one worker at a time runs its critical section.
 */
#define _GNU_SOURCE /* pthread_spinlock_t, pthread_barrier_t */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The two locks: one spins, one blocks. Both guard tally. */
static pthread_spinlock_t tally_spinlock; /* initialised in main */
static pthread_mutex_t tally_mutex = PTHREAD_MUTEX_INITIALIZER;
static long tally;

/* Workers start together at start_line. */
static pthread_barrier_t start_line;

#define VARIANTS "spin|mutex"

/* Options (-1: not given, a default is chosen in main). */
static long threads = -1;
static long iterations = -1;
static long pace = 0;
static long hold_us = -1;
static long variant = 0; /* 0 spin, 1 mutex */

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256,
	 "workers (default: the CPUs + 2, more than the CPUs)"},
	{"--iterations", "N", &iterations, 1, 100000000,
	 "critical sections per worker (default 200, or 10\n"
	 "with --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "the critical section takes MS ms of CPU (default:\n"
	 "--hold)"},
	{"--hold", "US", &hold_us, 1, 10000000,
	 "the critical section takes US µs of CPU (default 100);\n"
	 "the work outside it a fifth of that"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "spin: wait in pthread_spin_lock (default); mutex:\n"
	 "sleep in pthread_mutex_lock"},
};

static const char about[] =
	"More workers than CPUs take turns at a shared tally. With the spinlock\n"
	"tally_spinlock, waiters keep their CPUs busy, spinning, even while the\n"
	"holder is preempted: waiting burns CPU time. --variant mutex waits in\n"
	"the mutex tally_mutex instead: waiters sleep and burn next to nothing.\n"
	"Markers carry the figures (CPU time burnt waiting, CPU time used).\n"
	"Self-check: spinning, waiting burnt at least 40% of the workers' CPU\n"
	"time; with the mutex, at most 25% (a few µs per wait, more under a\n"
	"tracer).";

/* This thread's CPU time in microseconds: time on a CPU, not waiting. */
static long long thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* What each worker knows and measures. */
struct worker {
	pthread_t thread;
	int id;                  /* worker-1 is 1 */
	long long wait_cpu_us;   /* CPU time spent inside the lock call */
	double wait_wall_ms;     /* wall time spent inside the lock call */
	long long total_cpu_us;  /* CPU time used, all in all */
};

/* Takes the lock of the chosen variant. */
static void lock(void)
{
	if (variant == 0)
		pthread_spin_lock(&tally_spinlock); /* loops until it is free */
	else
		pthread_mutex_lock(&tally_mutex);   /* sleeps until it is free */
}

static void unlock(void)
{
	if (variant == 0)
		pthread_spin_unlock(&tally_spinlock);
	else
		pthread_mutex_unlock(&tally_mutex);
}

/* A worker: critical sections, each followed by a little work outside. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	scn_name_thread("worker", w->id);
	long hold = pace > 0 ? pace * 1000 : hold_us;
	pthread_barrier_wait(&start_line);
	long long cpu_start = thread_cpu_us();

	for (long i = 0; i < iterations; i++) {
		long long c0 = thread_cpu_us();
		double t0 = scn_now_ms();
		lock();
		w->wait_cpu_us += thread_cpu_us() - c0; /* what waiting cost */
		w->wait_wall_ms += scn_now_ms() - t0;   /* how long it lasted */

		tally++;
		scn_busy_us(hold); /* the critical section */
		unlock();
		if (pace > 0)
			conctop_mark("critical section done", w->id);

		scn_busy_us(hold / 5); /* work outside the lock */
	}
	w->total_cpu_us = thread_cpu_us() - cpu_start;
	return NULL;
}

/* Runs the workers and adds up what waiting cost them. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "spin", about, options,
			  (int)(sizeof options / sizeof options[0]));
	int cpus = scn_cpus_available();
	if (threads < 0)
		threads = cpus + 2;
	if (iterations < 0)
		iterations = pace > 0 ? 10 : 200;
	if (hold_us < 0)
		hold_us = 100;
	scn_name_thread("spin", 0);

	scn_check(pthread_spin_init(&tally_spinlock, PTHREAD_PROCESS_PRIVATE),
		  "pthread_spin_init");
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
	double wall_ms = scn_now_ms() - start;
	pthread_barrier_destroy(&start_line);
	pthread_spin_destroy(&tally_spinlock);

	long long wait_cpu = 0, total_cpu = 0;
	double wait_wall = 0;
	for (int i = 0; i < threads; i++) {
		wait_cpu += workers[i].wait_cpu_us;
		wait_wall += workers[i].wait_wall_ms;
		total_cpu += workers[i].total_cpu_us;
	}
	free(workers);
	conctop_mark("CPU us burnt waiting for the lock", (long)wait_cpu);
	conctop_mark("CPU us used by the workers", (long)total_cpu);
	conctop_mark("wall us spent waiting for the lock", (long)(wait_wall * 1000));
	conctop_mark("wall us of the run", (long)(wall_ms * 1000));

	/* The self-check. */
	double share = total_cpu > 0 ? (double)wait_cpu / (double)total_cpu : 0;
	int ok;
	const char *verdict;
	if (tally != threads * iterations) {
		ok = 0;
		verdict = "the tally is wrong: the lock failed!";
	} else if (threads < 2) {
		ok = 1;
		verdict = "one worker never waits: nothing to check";
	} else if (variant == 0) {
		ok = share >= 0.40;
		verdict = ok ? "spinning, as expected"
			     : "expected spinning to burn at least 40%";
	} else {
		ok = share <= 0.25;
		verdict = ok ? "asleep while waiting, as expected"
			     : "expected waiting to burn at most 25%";
	}
	printf("spin: %ld worker%s on %d CPU%s, %s: they waited %.0f ms in all "
	       "for the lock and burnt %.0f ms of CPU doing so, %.0f%% of the "
	       "%.0f ms they used (%s)\n",
	       threads, threads == 1 ? "" : "s", cpus, cpus == 1 ? "" : "s",
	       variant == 0 ? "spinlock tally_spinlock" : "mutex tally_mutex",
	       wait_wall, (double)wait_cpu / 1000, share * 100,
	       (double)total_cpu / 1000, verdict);
	return ok ? 0 : 1;
}
