/* daemon: worker threads nobody waits for, cut off when main returns.
 *
 * The lesson. A Python program ends when all its threads are done, except
 * its daemon threads: those are stopped abruptly when the last other thread
 * ends, whatever they were doing (the course notes: "These threads are
 * stopped abruptly at shutdown"). A daemon suits a background helper that
 * must not keep the program alive; it does not suit work that must finish.
 *
 * C has the same two endings, without the word:
 *
 *   --variant daemon      (default) the workers are detached and never
 *                         joined, and main returns. Returning from main
 *                         calls exit(), which ends the whole process: every
 *                         thread stops where it is, in the middle of a job,
 *                         with no chance to finish it or clean up.
 *   --variant non-daemon  main waits for the workers (pthread_join) when
 *                         its own work is done, as Python waits for its
 *                         non-daemon threads when the main program ends
 *                         (threading's shutdown joins them): each worker
 *                         finishes all its jobs, and the program ends after
 *                         the last one.
 *
 * (C has another way to end main's thread and not the program:
 * pthread_exit() in main. The process then lives until its last thread
 * ends. conctop would lose the workers' markers after it, though: a
 * uprobe attached for a process fires only while its first thread lives.)
 *
 * The story. Main starts --threads workers, each with --jobs jobs to do
 * (each job --work ms of CPU, marked "job started" and "job finished" with
 * its number), does its own short work meanwhile (--main ms, sleeping), and
 * is done long before the workers. Then it ends, one way or the other.
 *
 * The self-check. daemon: main counts the jobs in progress when it returns
 * (started, not finished): at least one must be, or the story did not
 * happen (the workers were already done). It prints its line and returns;
 * what happens next (everyone stops at once) only a tracer can show.
 * non-daemon: once it has joined every worker, main checks that every job
 * was finished.
 *
 * What to watch under conctop: daemon: main sleeps (z) while the workers
 * run their jobs; when main returns every lane ends in the same instant,
 * each worker's last marker a "job started" with no "job finished".
 * non-daemon: main sleeps, then waits in join (J) while the workers' lanes
 * go on to their last "job finished", and the program ends after them.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Options (-1: not given, a default is chosen in main). */
enum { DAEMON, NON_DAEMON }; /* --variant, in the order of its choices */
static long variant = DAEMON;
static long threads = 3;
static long jobs = 6;
static long work_ms = -1;
static long main_ms = -1;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 64, "worker threads (default 3)"},
	{"--jobs", "N", &jobs, 1, 100000, "jobs each worker has to do (default 6)"},
	{"--iterations", "N", &jobs, 1, 100000, "same as --jobs"},
	{"--work", "MS", &work_ms, 1, 600000,
	 "CPU time of one job (default 10, or 3 times\n"
	 "--pace)"},
	{"--main", "MS", &main_ms, 0, 600000,
	 "main's own work before it ends, sleeping\n"
	 "(default 35, or 10 times --pace)"},
	{"--variant", "daemon|non-daemon", &variant, 0, 0,
	 "daemon: main returns, cutting the workers off;\n"
	 "non-daemon: main joins them, and they finish"},
	{"--pace", "MS", &pace, 0, 60000, "classroom pace (see --work and --main)"},
};

static const char about[] =
	"Main starts worker threads, each with a few jobs (markers: job started,\n"
	"job finished), and ends long before they are done. --variant daemon:\n"
	"the workers are never joined and main returns: exit() stops every\n"
	"thread mid-job, as Python stops its daemon threads. --variant\n"
	"non-daemon: main joins them, as Python joins its non-daemon threads at\n"
	"the end: the program lasts until the last worker's last job is done.\n"
	"Self-check: daemon: jobs were in progress when main returned (they are\n"
	"cut off); non-daemon: every job of every worker was finished.";

/* Jobs started and finished so far, by all workers. */
static atomic_long started, finished;
static atomic_long at_work; /* workers that have begun their first job */

/* A worker: its jobs, one after another, each marked at both ends. */
static void *worker_main(void *arg)
{
	int id = (int)(long)arg;
	scn_name_thread("worker", id);
	for (long j = 1; j <= jobs; j++) {
		long job = (long)id * 1000 + j; /* worker 2's third job is 2003 */
		atomic_fetch_add(&started, 1);
		if (j == 1)
			atomic_fetch_add(&at_work, 1);
		conctop_mark("job started", job);
		scn_pace(work_ms); /* the job: daemon's main may end the program here */
		conctop_mark("job finished", job);
		atomic_fetch_add(&finished, 1);
	}
	return NULL;
}

/* Starts the workers, does its own work, then returns (daemon: the workers
 * are cut off) or joins them first (non-daemon). */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "daemon", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (work_ms < 0)
		work_ms = pace > 0 ? 3 * pace : 10;
	if (main_ms < 0)
		main_ms = pace > 0 ? 10 * pace : 35;
	scn_name_thread("daemon", 0);
	double start_ms = scn_now_ms();

	/* daemon: detached, nobody will ever join them (Python: daemon=True). */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	if (variant == DAEMON)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t *workers = scn_calloc(threads, sizeof *workers);
	for (long i = 0; i < threads; i++)
		scn_check(pthread_create(&workers[i], &attr, worker_main, (void *)(i + 1)),
			  "pthread_create");
	pthread_attr_destroy(&attr);

	scn_sleep_ms(main_ms); /* main's own work */
	/* On a very busy machine a worker may not even have begun yet: wait
	 * until each has a job in hand, so that the story is always told. */
	while (atomic_load(&at_work) < threads)
		scn_sleep_ms(1);
	double main_done_ms = scn_now_ms() - start_ms;
	long want = threads * jobs;

	if (variant == NON_DAEMON) {
		/* What Python does at the end for threads that are not daemons. */
		conctop_mark("main joins the workers, jobs finished", atomic_load(&finished));
		for (long i = 0; i < threads; i++)
			scn_check(pthread_join(workers[i], NULL), "pthread_join");
		free(workers);
		long done = atomic_load(&finished);
		conctop_mark("workers joined, jobs finished", done);
		if (done != want) {
			printf("daemon: --variant non-daemon: WRONG: %ld of %ld jobs "
			       "finished\n", done, want);
			return 1;
		}
		printf("daemon: --variant non-daemon: main was done after %.0f ms, "
		       "then waited for its %ld workers until all %ld jobs were "
		       "finished, at %.0f ms (as expected)\n",
		       main_done_ms, threads, want, scn_now_ms() - start_ms);
		return 0;
	}

	/* daemon: return from main, that is exit(): every thread stops now. */
	free(workers); /* the threads live on, only their handles go */
	long in_progress = atomic_load(&started) - atomic_load(&finished);
	long done = atomic_load(&finished);
	conctop_mark("main returns, jobs in progress", in_progress);
	if (in_progress > 0)
		printf("daemon: main returned after %.0f ms with %ld job%s in progress "
		       "and %ld of %ld finished: the daemon workers, never joined, are "
		       "cut off mid-job (as expected)\n",
		       main_done_ms, in_progress, in_progress == 1 ? "" : "s",
		       done, want);
	else
		printf("daemon: WRONG: no job in progress when main returned (%ld of "
		       "%ld finished): make --main shorter than the jobs\n",
		       done, want);
	return in_progress > 0 ? 0 : 1;
}
