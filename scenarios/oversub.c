/* oversub: more busy threads than CPUs, against a pool sized to the CPUs.
 *
 * The lesson. A CPU runs one thread at a time. Start more CPU-bound threads
 * than there are CPUs and the scheduler has to share: it lets a thread run
 * for a slice of a few milliseconds, then preempts it (an "involuntary"
 * context switch: the thread still had work) and runs another that was
 * waiting. Nothing gets done sooner: the same work still needs the same CPU
 * time, now cut into slices, with a switch between each, and every task
 * finishes near the very end, because all of them advance a little at a
 * time. A pool with one thread per CPU (what multiprocessing.Pool() and
 * concurrent.futures choose by default: os.cpu_count() workers) does the
 * same work without the preemptions, and its tasks finish one batch after
 * another instead of all at the end.
 *
 * The story. There are --threads tasks, each needing --work ms of CPU.
 * By default each task gets a thread of its own (worker-N), all started
 * together. With --pool, a pool of as many threads as CPUs (pool-N) takes
 * the tasks one after another from a shared counter, next_task.
 *
 * Each thread counts its own switches with getrusage(RUSAGE_THREAD): the
 * kernel's ru_nivcsw is the number of times it was preempted.
 *
 * What to watch under conctop: worker lanes band, running (the CPU number)
 * and runnable (-) in turns, every worker waiting for a CPU about as long as
 * all the others are running; every CPU lane busy. With --pool: each pool
 * lane runs without a break, task after task. Use --cpus 1 to squeeze
 * everything onto one CPU (the pinning makes it the same on any machine).
 */
#define _GNU_SOURCE /* RUSAGE_THREAD, sched_setaffinity, CPU_SET */
#include "common.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* Options (-1: not given, a default is chosen in main). */
static long threads = -1;
static long work_ms = -1;
static long pool = 0;
static long cpus = -1;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 1024,
	 "tasks, one thread each (default 4 per CPU, at least 4)"},
	{"--iterations", "N", &threads, 1, 1024, "same as --threads"},
	{"--work", "MS", &work_ms, 1, 600000,
	 "CPU time each task needs, in ms (default 20, 10*MS with --pace)"},
	{"--pool", NULL, &pool, 0, 1,
	 "run the tasks on a pool of one thread per CPU instead"},
	{"--cpus", "N", &cpus, 1, 1024,
	 "run on the first N CPUs only (pinned; default all available)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: tasks take 10*MS ms, narrated every MS ms"},
};

static const char about[] =
	"More CPU-bound threads than CPUs: the scheduler shares the CPUs by\n"
	"preempting each thread after a slice (involuntary context switches), the\n"
	"threads band between running and waiting for a CPU, and every task ends\n"
	"near the end. --pool runs the same tasks on one thread per CPU: no\n"
	"preemption among them, tasks finish one batch after another.\n"
	"Self-check: oversubscribed, every thread was preempted at least once;\n"
	"--pool, every task ran exactly once on a pool no larger than the CPUs.";

/* One thread of either kind. */
struct runner {
	pthread_t thread;
	int id;
	long tasks;       /* tasks it ran */
	long preempted;   /* involuntary switches (ru_nivcsw) */
	long slept;       /* voluntary switches (ru_nvcsw) */
	double cpu_ms;    /* CPU time it used */
	double life_ms;   /* from the start line to its end */
};

static pthread_barrier_t start_line;
static double start_ms;          /* when the start line opened */
static atomic_long next_task;    /* --pool: the next task to take, from 1 */
static double *task_end_ms;      /* per task: when it finished */
static atomic_long *task_runs;   /* per task: how often it ran */

/* This thread's CPU time in ms. */
static double cpu_ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One task: work_ms of CPU, narrated every pace ms under --pace. */
static void run_task(long task)
{
	if (pace > 0) {
		for (long done = 0; done < work_ms; done += pace) {
			scn_pace(pace);
			conctop_mark("working on task", task);
		}
	} else {
		scn_busy_us(work_ms * 1000);
	}
	atomic_fetch_add(&task_runs[task], 1);
	task_end_ms[task] = scn_now_ms() - start_ms;
	conctop_mark("task done", task);
}

/* Reads what the kernel counted for the calling thread. */
static void count_switches(struct runner *r)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	r->preempted = ru.ru_nivcsw;
	r->slept = ru.ru_nvcsw;
}

/* An oversubscribed thread: one task of its own. */
static void *worker_main(void *arg)
{
	struct runner *r = arg;
	scn_name_thread("worker", r->id);
	pthread_barrier_wait(&start_line);
	double c0 = cpu_ms_now(), t0 = scn_now_ms();
	run_task(r->id);
	r->tasks = 1;
	r->cpu_ms = cpu_ms_now() - c0;
	r->life_ms = scn_now_ms() - t0;
	count_switches(r);
	return NULL;
}

/* A pool thread: takes tasks from next_task until there are none left. */
static void *pool_main(void *arg)
{
	struct runner *r = arg;
	scn_name_thread("pool", r->id);
	pthread_barrier_wait(&start_line);
	double c0 = cpu_ms_now(), t0 = scn_now_ms();
	for (;;) {
		long task = atomic_fetch_add(&next_task, 1);
		if (task > threads)
			break;
		run_task(task);
		r->tasks++;
	}
	r->cpu_ms = cpu_ms_now() - c0;
	r->life_ms = scn_now_ms() - t0;
	count_switches(r);
	return NULL;
}

/* Pins this process to the first n CPUs it may use; returns how many it
 * now has. Threads created afterwards inherit the mask. */
static int pin_to_cpus(long n)
{
	cpu_set_t have, want;
	if (sched_getaffinity(0, sizeof have, &have) != 0)
		return scn_cpus_available();
	CPU_ZERO(&want);
	long taken = 0;
	for (int c = 0; c < CPU_SETSIZE && taken < n; c++)
		if (CPU_ISSET(c, &have)) {
			CPU_SET(c, &want);
			taken++;
		}
	if (sched_setaffinity(0, sizeof want, &want) != 0)
		perror("sched_setaffinity");
	return scn_cpus_available();
}

int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "oversub", about, options,
			  (int)(sizeof options / sizeof options[0]));
	int ncpu = cpus > 0 ? pin_to_cpus(cpus) : scn_cpus_available();
	if (threads < 0)
		threads = 4L * ncpu < 4 ? 4 : (4L * ncpu > 1024 ? 1024 : 4L * ncpu);
	if (work_ms < 0)
		work_ms = pace > 0 ? 10 * pace : 20;
	scn_name_thread("oversub", 0);

	long nrunners = pool ? (ncpu < threads ? ncpu : threads) : threads;
	struct runner *r = scn_calloc(nrunners, sizeof *r);
	task_end_ms = scn_calloc(threads + 1, sizeof *task_end_ms);
	task_runs = scn_calloc(threads + 1, sizeof *task_runs);
	atomic_store(&next_task, 1);

	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)nrunners + 1),
		  "pthread_barrier_init");
	for (int i = 0; i < nrunners; i++) {
		r[i].id = i + 1;
		scn_check(pthread_create(&r[i].thread, NULL,
					 pool ? pool_main : worker_main, &r[i]),
			  "pthread_create");
	}
	start_ms = scn_now_ms();
	pthread_barrier_wait(&start_line);
	conctop_mark(pool ? "pool starts" : "threads start", nrunners);
	for (int i = 0; i < nrunners; i++)
		scn_check(pthread_join(r[i].thread, NULL), "pthread_join");
	double wall = scn_now_ms() - start_ms;
	pthread_barrier_destroy(&start_line);

	/* What the threads lived through. */
	long total_pre = 0, min_pre = -1, max_pre = 0, never = 0, tasks = 0;
	double cpu = 0, life = 0, mean_end = 0;
	for (int i = 0; i < nrunners; i++) {
		total_pre += r[i].preempted;
		if (min_pre < 0 || r[i].preempted < min_pre)
			min_pre = r[i].preempted;
		if (r[i].preempted > max_pre)
			max_pre = r[i].preempted;
		if (r[i].preempted == 0)
			never++;
		cpu += r[i].cpu_ms;
		life += r[i].life_ms;
		tasks += r[i].tasks;
	}
	long wrong_runs = 0;
	for (long t = 1; t <= threads; t++) {
		if (atomic_load(&task_runs[t]) != 1)
			wrong_runs++;
		mean_end += task_end_ms[t] / (double)threads;
	}
	/* Of their lives, the share spent waiting for a CPU (they never block). */
	double waiting = life > 0 ? 100.0 * (life - cpu) / life : 0;
	if (waiting < 0)
		waiting = 0;
	conctop_mark("preemptions", total_pre);

	int ok;
	const char *verdict;
	if (wrong_runs) {
		ok = 0;
		verdict = "WRONG: some task did not run exactly once";
	} else if (pool) {
		ok = nrunners <= ncpu;
		verdict = ok ? "no more threads than CPUs" : "WRONG: pool larger than the CPUs";
	} else if (threads <= ncpu) {
		ok = 1;
		verdict = "not more threads than CPUs: nothing to check";
	} else {
		ok = never == 0;
		verdict = ok ? "every thread was preempted, as expected"
			     : "expected every thread to be preempted!";
	}
	if (pool)
		printf("oversub: a pool of %ld threads on %d CPU%s ran %ld tasks of "
		       "%ld ms: preempted %ld times in all; waited for a CPU %.0f%% "
		       "of the time; tasks done after %.0f ms on average, all in "
		       "%.0f ms (%s)\n",
		       nrunners, ncpu, ncpu == 1 ? "" : "s", tasks, work_ms,
		       total_pre, waiting, mean_end, wall, verdict);
	else
		printf("oversub: %ld threads on %d CPU%s: preempted %ld to %ld times "
		       "each, %ld in all; waited for a CPU %.0f%% of the time; "
		       "tasks done after %.0f ms on average, all in %.0f ms (%s)\n",
		       threads, ncpu, ncpu == 1 ? "" : "s", min_pre, max_pre,
		       total_pre, waiting, mean_end, wall, verdict);
	free(r);
	free(task_end_ms);
	free(task_runs);
	return ok ? 0 : 1;
}
