/* pool: a pool of worker threads draining a job queue (queue.Queue).
 *
 * The lesson. The course notes build a thread pool from queue.Queue: the
 * main thread put()s jobs, a few workers get() them in a loop and run them.
 * Two more calls let the main thread wait until the work is finished, not
 * just handed out: each worker calls task_done() when a job is finished,
 * and join() on the queue returns when every job put has been declared done.
 * To stop the workers, main puts one "sentinel" (None in Python) per worker:
 * a worker that gets one leaves its loop.
 *
 * queue.Queue is a mutex and condition variables, and so is this queue, with
 * Python's own names:
 *
 *   queue_lock        the mutex guarding everything below (Queue.mutex)
 *   not_empty         get() waits here while the queue is empty
 *   all_tasks_done    join() waits here while unfinished_tasks > 0
 *   unfinished_tasks  put() adds 1; task_done() takes 1 and, at 0, wakes
 *                     join() with a broadcast on all_tasks_done
 *
 * The story. Main hands out --rounds batches of --jobs jobs; after each batch
 * it calls join() and waits until all are done, then prepares the next batch
 * while the workers, finding the queue empty, sleep on not_empty. At the
 * end, one sentinel per worker sends them home.
 *
 * The bug (--variant forgot-task-done). One job fails, and the worker's
 * error branch skips to the next job without calling task_done(), a classic
 * in Python:  try: job() except Exception: log(); continue.  Now
 * unfinished_tasks never gets back to 0 and join() waits forever: every
 * worker is idle on not_empty and main is blocked on all_tasks_done, with no
 * one left who could wake it. A watchdog thread notices exactly that state
 * (main in join(), queue empty, every worker waiting, unfinished_tasks > 0),
 * lets it last --watchdog ms so that it shows on the timeline, reports it,
 * and ends the program with status 1 instead of hanging.
 *
 * What to watch under conctop: between batches every worker-N lane is
 * blocked (on not_empty), and main's put of the next batch wakes them (^).
 * During a batch, main is blocked in join() (on all_tasks_done) until the
 * last task_done() wakes it. In the buggy variant everything goes quiet:
 * all lanes blocked, no CPU used, until the watchdog fires.
 */
#define _GNU_SOURCE /* pthread_condattr_setclock; see common.h */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SENTINEL 0 /* Python's None: "no more jobs, go home" */

/* ---- The queue (Python's queue.Queue, unbounded) ---- */
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t all_tasks_done = PTHREAD_COND_INITIALIZER;
static long unfinished_tasks;
static long *ring;              /* the queued jobs, first in first out */
static long ring_size, head, count;

/* What the watchdog and the self-check look at, all under queue_lock. */
static long idle_workers;       /* workers waiting in get() */
static int main_in_join;        /* main is waiting in join() */
static long found_empty;        /* get()s that had to wait */
static long steps;              /* puts, gets and task_dones so far */
static long *times_done;        /* per job: how often it was run */
static long sentinels_taken;

/* The watchdog sleeps on this until main says it is finished. */
static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_cond;
static int finished;

/* Options (-1: not given, a default is chosen in main). */
enum { OK, FORGOT_TASK_DONE }; /* --variant, in the order of its choices */
static long variant = OK;
static long threads = 4;
static long jobs = 8;
static long rounds = 3;
static long work_us = -1;
static long watchdog_ms = -1;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "worker threads (default 4)"},
	{"--jobs", "N", &jobs, 1, 100000, "jobs in each batch (default 8)"},
	{"--iterations", "N", &jobs, 1, 100000, "same as --jobs"},
	{"--rounds", "N", &rounds, 1, 1000, "batches, each followed by join() (default 3)"},
	{"--work", "US", &work_us, 0, 60000000,
	 "CPU time of one job, µs (default 1000; MS ms with --pace)"},
	{"--variant", "ok|forgot-task-done", &variant, 0, 0,
	 "forgot-task-done: a failed job skips task_done()"},
	{"--watchdog", "MS", &watchdog_ms, 1, 600000,
	 "let a hang last MS before reporting it (default 100)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: jobs take MS ms, a batch 3*MS to prepare"},
};

static const char about[] =
	"A pool of worker threads drains a job queue made like Python's\n"
	"queue.Queue: queue_lock, not_empty, all_tasks_done, unfinished_tasks.\n"
	"Main puts a batch of jobs and join()s the queue until each job's\n"
	"task_done(); workers wait on not_empty between batches; one sentinel\n"
	"per worker stops them. --variant forgot-task-done: a failing job skips\n"
	"task_done(), join() waits forever, and a watchdog catches it.\n"
	"Self-check: every job ran once, join() returned only when its batch was\n"
	"done, every worker left on its sentinel. forgot-task-done: the watchdog\n"
	"reports the hang and the program exits 1 (the bug is caught).";

/* ---- The queue's four operations ---- */

/* put(): appends a job, counts it as unfinished, wakes one waiting worker. */
static void queue_put(long job)
{
	pthread_mutex_lock(&queue_lock);
	ring[(head + count) % ring_size] = job;
	count++;
	unfinished_tasks++;
	steps++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&queue_lock);
}

/* get(): takes the oldest job, waiting on not_empty while there is none. */
static long queue_get(void)
{
	pthread_mutex_lock(&queue_lock);
	if (count == 0)
		found_empty++;
	idle_workers++;
	while (count == 0)
		pthread_cond_wait(&not_empty, &queue_lock);
	idle_workers--;
	steps++;
	long job = ring[head];
	head = (head + 1) % ring_size;
	count--;
	pthread_mutex_unlock(&queue_lock);
	return job;
}

/* task_done(): one job fewer unfinished; at 0, wake everyone in join(). */
static void queue_task_done(void)
{
	pthread_mutex_lock(&queue_lock);
	unfinished_tasks--;
	steps++;
	if (unfinished_tasks == 0)
		pthread_cond_broadcast(&all_tasks_done);
	pthread_mutex_unlock(&queue_lock);
}

/* join(): waits until every job put so far has been declared done. */
static void queue_join(void)
{
	pthread_mutex_lock(&queue_lock);
	main_in_join = 1;
	while (unfinished_tasks > 0)
		pthread_cond_wait(&all_tasks_done, &queue_lock);
	main_in_join = 0;
	pthread_mutex_unlock(&queue_lock);
}

/* ---- The workers ---- */

/* The job that fails in the buggy variant: the middle one of batch 1. */
static long failing_job;

/* Runs one job; returns 0, or -1 when it "raises an exception". */
static int run_job(long job)
{
	scn_busy_us(work_us);
	pthread_mutex_lock(&queue_lock);
	times_done[job]++;
	pthread_mutex_unlock(&queue_lock);
	return job == failing_job ? -1 : 0;
}

struct worker {
	pthread_t thread;
	int id;
};

/* A worker: get a job, run it, task_done(), until a sentinel comes. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	scn_name_thread("worker", w->id);
	for (;;) {
		long job = queue_get();
		if (job == SENTINEL) {
			pthread_mutex_lock(&queue_lock);
			sentinels_taken++;
			pthread_mutex_unlock(&queue_lock);
			conctop_mark("sentinel", w->id);
			queue_task_done();
			break;
		}
		conctop_mark("job taken", job);
		if (run_job(job) != 0) {
			/* except Exception: log it and go on with the next job.
			 * The bug: task_done() is forgotten on this path. */
			conctop_mark("job failed", job);
			continue;
		}
		conctop_mark("job done", job);
		queue_task_done();
	}
	return NULL;
}

/* ---- The watchdog ---- */

/* Waits up to ms on watchdog_cond; returns 1 once main has finished. */
static int watchdog_nap(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	long long ns = until.tv_nsec + ms * 1000000LL;
	until.tv_sec += (time_t)(ns / 1000000000);
	until.tv_nsec = (long)(ns % 1000000000);
	pthread_mutex_lock(&watchdog_lock);
	while (!finished &&
	       pthread_cond_timedwait(&watchdog_cond, &watchdog_lock, &until) != ETIMEDOUT)
		;
	int done = finished;
	pthread_mutex_unlock(&watchdog_lock);
	return done;
}

/* The longest a step of the story may take (a job, preparing a batch). */
static long step_ms;

/* Looks every 10 ms for the state nobody can leave: main in join(), the
 * queue empty, every worker waiting for a job, and still unfinished tasks.
 * Only a task_done() could wake join(), and no worker has a job to call it
 * for. When that has lasted watchdog_ms, reports it and exits 1. Also stops
 * the program, whatever the cause, when the queue has not moved at all for
 * 10 s (or three of the longest steps), so that nothing can hang a test. */
static void *watchdog_main(void *arg)
{
	(void)arg;
	scn_name_thread("watchdog", 0);
	double stuck_since = -1, moved_at = scn_now_ms();
	long last_steps = -1;
	double patience = 3.0 * (double)step_ms > 10000 ? 3.0 * (double)step_ms : 10000;
	while (!watchdog_nap(10)) {
		pthread_mutex_lock(&queue_lock);
		int stuck = main_in_join && count == 0 && idle_workers == threads &&
			    unfinished_tasks > 0;
		long unfinished = unfinished_tasks, now_steps = steps;
		pthread_mutex_unlock(&queue_lock);
		double now = scn_now_ms();
		if (now_steps != last_steps) {
			last_steps = now_steps;
			moved_at = now;
		}
		if (!stuck) {
			stuck_since = -1;
		} else if (stuck_since < 0) {
			stuck_since = now;
			conctop_mark("hang seen", unfinished);
		} else if (now - stuck_since >= (double)watchdog_ms) {
			conctop_mark("watchdog", unfinished);
			char why[80] = "";
			if (variant == FORGOT_TASK_DONE)
				snprintf(why, sizeof why, " (job %ld failed and its "
					 "error branch skipped it)", failing_job);
			printf("pool: join() hung: unfinished_tasks = %ld with the queue "
			       "empty and all %ld worker%s waiting for jobs, so nothing "
			       "can wake it: a task_done() was forgotten%s; caught by "
			       "the watchdog after %.0f ms\n",
			       unfinished, threads, threads == 1 ? "" : "s", why,
			       now - stuck_since);
			fflush(stdout);
			exit(1);
		}
		if (now - moved_at > patience) {
			printf("pool: the queue has not moved for %.0f s (unfinished_tasks "
			       "= %ld): stopped by the watchdog\n", patience / 1000, unfinished);
			fflush(stdout);
			exit(1);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "pool", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (work_us < 0)
		work_us = pace > 0 ? pace * 1000 : 1000;
	if (watchdog_ms < 0)
		watchdog_ms = pace > 0 ? 10 * pace : 100;
	long prepare_us = pace > 0 ? 3 * pace * 1000 : 2000;
	step_ms = (work_us > prepare_us ? work_us : prepare_us) / 1000;
	if (variant == FORGOT_TASK_DONE)
		failing_job = (jobs + 1) / 2; /* the middle job of batch 1 */
	scn_name_thread("pool", 0);

	long total = jobs * rounds;
	ring_size = total + threads; /* room for every job and every sentinel */
	ring = scn_calloc(ring_size, sizeof *ring);
	times_done = scn_calloc(total + 1, sizeof *times_done);

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	scn_check(pthread_cond_init(&watchdog_cond, &ca), "pthread_cond_init");
	pthread_condattr_destroy(&ca);
	pthread_t watchdog;
	scn_check(pthread_create(&watchdog, NULL, watchdog_main, NULL), "pthread_create");

	struct worker *w = scn_calloc(threads, sizeof *w);
	for (int i = 0; i < threads; i++) {
		w[i].id = i + 1;
		scn_check(pthread_create(&w[i].thread, NULL, worker_main, &w[i]),
			  "pthread_create");
	}

	long early_join = 0; /* join() returned with jobs of its batch not run */
	long next_job = 1;
	for (long r = 1; r <= rounds; r++) {
		scn_busy_us(prepare_us); /* prepare the batch: workers wait */
		conctop_mark("batch", r);
		long first = next_job;
		for (long j = 0; j < jobs; j++)
			queue_put(next_job++);
		queue_join();
		conctop_mark("join returned", r);
		/* join() promised: every job of this batch has run. */
		pthread_mutex_lock(&queue_lock);
		for (long job = first; job < next_job; job++)
			if (times_done[job] == 0)
				early_join++;
		pthread_mutex_unlock(&queue_lock);
	}

	/* Shut down: one sentinel per worker, then wait for them to leave. */
	for (int i = 0; i < threads; i++)
		queue_put(SENTINEL);
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(w[i].thread, NULL), "pthread_join");

	pthread_mutex_lock(&watchdog_lock);
	finished = 1;
	pthread_cond_signal(&watchdog_cond);
	pthread_mutex_unlock(&watchdog_lock);
	scn_check(pthread_join(watchdog, NULL), "pthread_join");

	/* The self-check. */
	long wrong = 0;
	for (long job = 1; job <= total; job++)
		if (times_done[job] != 1)
			wrong++;
	int ok = wrong == 0 && early_join == 0 && sentinels_taken == threads &&
		 unfinished_tasks == 0 && count == 0;
	if (variant == FORGOT_TASK_DONE) {
		printf("pool: WRONG: join() returned although job %ld's task_done() "
		       "was forgotten\n", failing_job);
		ok = 0;
	} else if (ok) {
		printf("pool: %ld worker%s ran %ld jobs (%ld batch%s of %ld), each "
		       "once; join() returned only when its batch was done; %ld "
		       "sentinel%s sent them home; workers found the queue empty "
		       "%ld times\n",
		       threads, threads == 1 ? "" : "s", total, rounds,
		       rounds == 1 ? "" : "es", jobs, threads, threads == 1 ? "" : "s",
		       found_empty);
	} else {
		printf("pool: WRONG: %ld jobs not run exactly once, join() returned "
		       "early %ld times, %ld of %ld sentinels taken\n",
		       wrong, early_join, sentinels_taken, threads);
	}
	free(w);
	free(times_done);
	free(ring);
	return ok ? 0 : 1;
}
