/* shutdown: Ctrl-C as a request to stop, not a kill.
 *
 * The lesson. Ctrl-C in a terminal sends the program the signal SIGINT.
 * Unless the program says otherwise, a SIGINT's default action ends the
 * process at once: every thread stops wherever it is, mid-job, with no
 * chance to finish or clean up (the course notes: "Python doesn't kill
 * children; use signal for clean exits"). The clean way: install a handler
 * that only sets a flag, "shutdown requested", and let the workers look at
 * the flag between jobs. Each finishes the job in hand, then leaves; main
 * joins them and ends normally.
 *
 * Why only a flag? A handler interrupts a thread anywhere, perhaps inside
 * malloc or printf, holding their locks: it may only do async-signal-safe
 * things, and the safest is to write one variable of type sig_atomic_t.
 * volatile makes every read of it go to memory. (Between threads, C11's
 * atomic_int, lock-free and so also allowed in a handler, is the strictly
 * portable choice; on Linux this flag is read the same way.)
 *
 * Which thread takes the signal? A signal sent to a process goes to any one
 * thread that does not block it. Here main blocks SIGINT before it starts
 * the others (a new thread inherits its creator's mask), then unblocks it
 * for itself: only main, waiting in pthread_join, ever runs the handler.
 *
 * The story. --threads workers do jobs of --work ms of CPU, one after
 * another (markers "job started", "job finished", value the job's number),
 * until they are asked to stop. A thread named ctrl-c plays the user: after
 * --after ms it sends SIGINT to its own process, kill(getpid(), SIGINT), as
 * the terminal would. Then:
 *
 *   --variant handled  (default) the handler sets shutdown_requested; each
 *                      worker sees it after its job in hand, marks
 *                      "leaving" and returns; main joins them all.
 *   --variant killed   no handler: SIGINT's default action ends the process
 *                      at once, and every job in progress with it.
 *
 * The self-check. handled: every worker finished the job it had when the
 * signal came, and left (exit 0). killed: the process cannot report after
 * its death, so the ctrl-c thread prints the jobs in progress just before
 * it sends the signal, and the exit status says the rest: killed by SIGINT
 * (a shell shows 130).
 *
 * What to watch under conctop: the workers' lanes run their jobs; the
 * signal event (ctrl-c sends SIGINT to main, main's handler takes it).
 * handled: each worker's lane goes on to the end of its job, a "job
 * finished" and "leaving" after the signal, then ends; main's join returns.
 * killed: every lane ends at the signal, the last marker a "job started".
 */
#include "common.h"

#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by the handler, read by the workers between jobs. */
static volatile sig_atomic_t shutdown_requested;

/* The SIGINT handler: only sets the flag (see above for why). */
static void on_sigint(int sig)
{
	(void)sig;
	shutdown_requested = 1;
}

/* Options (-1: not given, a default is chosen in main). */
enum { HANDLED, KILLED }; /* --variant, in the order of its choices */
static long variant = HANDLED;
static long threads = 3;
static long work_ms = -1;
static long after_ms = -1;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 64, "worker threads (default 3)"},
	{"--work", "MS", &work_ms, 1, 600000,
	 "CPU time of one job (default 15, or 3 times --pace)"},
	{"--after", "MS", &after_ms, 0, 600000,
	 "when the ctrl-c thread sends SIGINT (default 50, or\n"
	 "12 times --pace)"},
	{"--variant", "handled|killed", &variant, 0, 0,
	 "handled: a handler sets a flag, workers finish and\n"
	 "leave; killed: no handler, SIGINT ends the process"},
	{"--pace", "MS", &pace, 0, 60000, "classroom pace (see --work and --after)"},
};

static const char about[] =
	"Workers do one job after another until asked to stop. A thread named\n"
	"ctrl-c sends SIGINT to the process after --after ms, as Ctrl-C would.\n"
	"--variant handled: a handler sets the flag shutdown_requested; each\n"
	"worker finishes the job in hand and leaves; main joins them.\n"
	"--variant killed: no handler, and SIGINT's default action ends the\n"
	"process at once, every worker mid-job.\n"
	"Self-check: handled: every worker finished its job after the signal and\n"
	"left (exit 0); killed: the process dies of SIGINT (status 130 in a\n"
	"shell), with the jobs in progress printed just before.";

/* Jobs started and finished, by all workers. */
static atomic_long started, finished;
static atomic_long at_work; /* workers that have begun their first job */
static double give_up_at_ms; /* the signal never came: stop anyway */

/* One worker, and what it saw. */
struct worker {
	pthread_t thread;
	int id;
	long jobs_done;
	long job_at_signal;      /* the job it had when it saw the flag, 0 none */
	int gave_up;             /* stopped by the time limit, not the flag */
};

/* A worker: jobs until shutdown is requested; the job in hand is finished. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	scn_name_thread("worker", w->id);
	long job = (long)w->id * 1000; /* worker 2's jobs are 2001, 2002... */
	while (!shutdown_requested) {
		if (scn_now_ms() > give_up_at_ms) {
			w->gave_up = 1;
			break;
		}
		job++;
		if (job == (long)w->id * 1000 + 1)
			atomic_fetch_add(&at_work, 1); /* its first job */
		atomic_fetch_add(&started, 1);
		conctop_mark("job started", job);
		scn_pace(work_ms); /* the job: SIGINT arrives in the middle of one */
		conctop_mark("job finished", job);
		atomic_fetch_add(&finished, 1);
		w->jobs_done++;
		if (shutdown_requested)
			w->job_at_signal = job; /* it came during this job */
	}
	conctop_mark("leaving", w->id);
	return NULL;
}

/* The ctrl-c thread: waits, then sends SIGINT to its own process. */
static void *ctrl_c_main(void *arg)
{
	(void)arg;
	scn_name_thread("ctrl-c", 0);
	scn_sleep_ms(after_ms);
	/* On a very busy machine a worker may not even have begun yet: wait
	 * until each has a job in hand, so that the story is always told. */
	while (atomic_load(&at_work) < threads && scn_now_ms() < give_up_at_ms)
		scn_sleep_ms(1);
	long in_progress = atomic_load(&started) - atomic_load(&finished);
	if (variant == KILLED) {
		/* The last chance to say anything: the signal ends the process. */
		printf("shutdown: --variant killed: SIGINT with no handler after "
		       "%ld ms, %ld of %ld workers mid-job: its default action ends "
		       "the process and cuts them off\n",
		       after_ms, in_progress, threads);
		fflush(stdout);
	}
	conctop_mark("sending SIGINT, jobs in progress", in_progress);
	kill(getpid(), SIGINT);
	return NULL;
}

/* Sets up the signal, runs the workers until SIGINT, and joins them. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "shutdown", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (work_ms < 0)
		work_ms = pace > 0 ? 3 * pace : 15;
	if (after_ms < 0)
		after_ms = pace > 0 ? 12 * pace : 50;
	scn_name_thread("shutdown", 0);
	give_up_at_ms = scn_now_ms() + 10.0 * (double)(after_ms + work_ms) + 10000;

	if (variant == HANDLED) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGINT, &sa, NULL) != 0)
			scn_check(1, "sigaction");
	}

	/* Every thread started from here on blocks SIGINT: only main takes it. */
	sigset_t sigint, old;
	sigemptyset(&sigint);
	sigaddset(&sigint, SIGINT);
	scn_check(pthread_sigmask(SIG_BLOCK, &sigint, &old), "pthread_sigmask");

	struct worker *ws = scn_calloc(threads, sizeof *ws);
	for (int i = 0; i < threads; i++) {
		ws[i].id = i + 1;
		scn_check(pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]),
			  "pthread_create");
	}
	pthread_t ctrl_c;
	scn_check(pthread_create(&ctrl_c, NULL, ctrl_c_main, NULL), "pthread_create");
	scn_check(pthread_sigmask(SIG_SETMASK, &old, NULL), "pthread_sigmask");

	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(ws[i].thread, NULL), "pthread_join");
	scn_check(pthread_join(ctrl_c, NULL), "pthread_join");

	/* The self-check: only reached when SIGINT did not end the process. */
	long cut = atomic_load(&started) - atomic_load(&finished);
	int saw_flag = 0, gave_up = 0;
	for (int i = 0; i < threads; i++) {
		saw_flag += ws[i].job_at_signal != 0;
		gave_up += ws[i].gave_up;
	}
	conctop_mark("workers joined", saw_flag);
	int ok = variant == HANDLED && shutdown_requested && cut == 0 &&
		 gave_up == 0;
	if (variant == KILLED)
		printf("shutdown: --variant killed: WRONG: the process outlived "
		       "SIGINT\n");
	else if (ok)
		printf("shutdown: SIGINT set shutdown_requested after %ld ms; %d of "
		       "%ld workers were mid-job and finished it, none was cut off "
		       "(%ld job%s in all); all left and main joined them (as "
		       "expected)\n",
		       after_ms, saw_flag, threads, atomic_load(&finished),
		       atomic_load(&finished) == 1 ? "" : "s");
	else
		printf("shutdown: WRONG: flag %s, %ld jobs cut off, %d of %ld "
		       "workers gave up waiting for the signal\n",
		       shutdown_requested ? "set" : "never set", cut, gave_up,
		       threads);
	free(ws);
	return ok ? 0 : 1;
}
