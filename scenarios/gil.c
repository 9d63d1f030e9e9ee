/* gil: Python threads take turns on one lock, the Global Interpreter Lock.
 *
 * The lesson. CPython runs Python code only while holding the GIL, one lock
 * per interpreter. Its threads are real OS threads, and the OS would happily
 * run four of them on four CPUs, but three of them would find the GIL taken
 * and wait: only one runs Python code at any instant. CPU-bound threads
 * therefore use about one CPU, however many cores the machine has (the notes:
 * "only one Python thread active at a time"). Processes do not share an
 * interpreter: each has its own GIL and they run in parallel
 * (multiprocessing: "no GIL ... uses multicore well").
 *
 * How the GIL hands over (CPython 3.2 and later, Python/ceval_gil.c), which
 * this program copies, with the same names:
 *
 *   - The GIL is a flag, gil_locked, guarded by a mutex, gil_mutex.
 *   - A thread that wants it and finds it taken waits on the condition
 *     variable gil_cond, but only for the switch interval
 *     (sys.getswitchinterval(), 5 ms; --interval here).
 *   - If it is still taken after that wait and has not changed hands, the
 *     waiter sets gil_drop_request: "please let go".
 *   - The holder does not notice at once: it looks at gil_drop_request at its
 *     next check point (the interpreter's "eval breaker", every few
 *     bytecodes; every --check bytecodes here). Then it drops the GIL (a
 *     forced switch), signals gil_cond, and waits on gil_switch_cond until
 *     another thread has really taken it, so that it cannot grab it straight
 *     back (CPython's FORCE_SWITCHING).
 *   - A thread that blocks (sleep, read, socket) drops the GIL on its own
 *     first: a voluntary release. When its I/O is done it must get the GIL
 *     back like everyone else, which can take a whole switch interval while a
 *     CPU-bound thread holds it (--io shows it).
 *
 * The story. --threads workers each run the same number of "bytecodes" (a
 * little arithmetic each). As threads of one process they share one GIL;
 * with --processes each is a process of its own, with its own copy of the
 * GIL (fork copies the globals below), and nobody waits.
 *
 * What to watch under conctop: with threads, at each moment one worker is
 * running and the others are blocked (on gil_cond); every 5 ms a waiter wakes
 * for a moment (its timed wait expired), then the holder lets go and another
 * worker runs. About one CPU is busy in all. With --processes every worker
 * runs, on every CPU. Markers: "drop request" (value: who asked), "gil taken"
 * (value: who took it), "io wants gil" / "io got gil" (value: µs waited).
 */
#define _GNU_SOURCE /* pthread_condattr_setclock and friends; see common.h */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64

/* ---- The GIL: CPython's struct _gil_runtime_state, as globals ---- */

static pthread_mutex_t gil_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gil_cond;         /* waiters for the GIL (timed waits) */
static int gil_locked;                  /* 1 while a thread holds the GIL */
static int gil_last_holder;             /* id of the thread that took it last */
static unsigned long gil_switch_number; /* times it passed to another thread */
static atomic_int gil_drop_request;     /* a waiter's "please let go" */

/* FORCE_SWITCHING: a thread that dropped the GIL on request waits here
 * until another thread has taken it. */
static pthread_mutex_t gil_switch_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gil_switch_cond = PTHREAD_COND_INITIALIZER;

static long drop_requests;   /* waiters that timed out and asked (gil_mutex held) */
static long forced_switches; /* holders that let go when asked (GIL held) */

/* ---- What the workers report back ----
 * In shared memory (mmap MAP_SHARED), so that worker processes can write it
 * too: fork copies ordinary globals, it does not share them. */
struct shared {
	/* Per worker: the time of its last check point while it runs Python
	 * code, 0 when it does not (waiting for the GIL, or done). A worker
	 * that finds another's heartbeat fresh knows both are running now. */
	atomic_llong heartbeat[MAX_WORKERS + 1];
	long long cpu_ns[MAX_WORKERS + 1]; /* CPU time each worker used */
	atomic_long seen_together;         /* check points that saw another run */
	atomic_int workers_left;           /* workers not finished yet */
	atomic_long child_drop_requests;   /* --processes: summed over them */
};
static struct shared *shared;

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long processes = 0;
static long work_ms = -1;
static long iterations = -1;
static long interval_ms = -1;
static long check_every = 100;
static long io = 0;
static long io_wait_ms = -1;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, MAX_WORKERS, "workers (default 4)"},
	{"--processes", NULL, &processes, 0, 1,
	 "make each worker a process with its own GIL, not a thread"},
	{"--work", "MS", &work_ms, 1, 600000,
	 "CPU time each worker needs, in ms (default 40; 5*MS with --pace)"},
	{"--iterations", "N", &iterations, 1, 1000000000,
	 "bytecodes each worker runs (default: as many as --work takes)"},
	{"--interval", "MS", &interval_ms, 1, 60000,
	 "the switch interval (default 5, as sys.getswitchinterval(); MS of --pace)"},
	{"--check", "N", &check_every, 1, 100000000,
	 "bytecodes between check points for a drop request (default 100)"},
	{"--io", NULL, &io, 0, 1,
	 "add a thread 'io' that sleeps for its I/O (z), then waits to get the GIL back"},
	{"--io-wait", "MS", &io_wait_ms, 1, 60000,
	 "how long each of its I/O waits lasts (default 2, or MS of --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: switch interval MS ms, each worker 5*MS ms of work"},
};

static const char about[] =
	"CPython's Global Interpreter Lock, emulated as CPython does it: a flag\n"
	"under gil_mutex; a thread that wants it waits on gil_cond for the switch\n"
	"interval, then sets gil_drop_request; the holder lets go at its next check\n"
	"point (a forced switch). CPU-bound threads of one process take turns and\n"
	"use about one CPU; with --processes each worker has its own GIL and they\n"
	"use every core. --io adds a thread that sleeps on I/O and then has to wait\n"
	"to get the GIL back.\n"
	"Self-check: threads are never seen running Python code at the same time\n"
	"and the GIL changed hands by forced switches; processes never wait for a\n"
	"GIL (how often they ran at the same time is shown); with --io in threads\n"
	"the I/O thread waited a good part of an interval to get back in.";

/* A Python thread: a worker (id 1..threads) or the I/O thread. */
struct pythread {
	pthread_t thread;
	int id;
};

/* Where threads line up so that they start together (threads mode). */
static pthread_barrier_t start_line;

/* The I/O thread's measurements (written by it, read after joining it). */
static long io_waits;       /* times it came back from I/O and waited */
static double io_waited_ms; /* in all */
static double io_max_ms;

/* Nanoseconds on the monotonic clock. */
static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* This thread's CPU time in nanoseconds. */
static long long cpu_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One "bytecode": a little arithmetic, always the same amount. */
static void bytecode(void)
{
	volatile unsigned acc = 0;
	for (int k = 0; k < 50; k++)
		acc = acc * 31 + (unsigned)k;
}

/* ---- take_gil and drop_gil, after CPython's ---- */

/* Takes the GIL for thread me, waiting as long as it takes. */
static void take_gil(int me)
{
	pthread_mutex_lock(&gil_mutex);
	while (gil_locked) {
		/* Wait for the switch interval at most... */
		unsigned long seen = gil_switch_number;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		long long ns = until.tv_nsec + interval_ms * 1000000LL;
		until.tv_sec += (time_t)(ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		int rc = pthread_cond_timedwait(&gil_cond, &gil_mutex, &until);

		/* ...and if it is still taken and has not changed hands all
		 * that time, ask the holder to let go. Then wait again. */
		if (rc == ETIMEDOUT && gil_locked && gil_switch_number == seen) {
			atomic_store(&gil_drop_request, 1);
			drop_requests++;
			conctop_mark("drop request", me);
		}
	}

	/* Ours now. Wake the thread that dropped it on request, if one
	 * waits to see it taken (FORCE_SWITCHING). */
	pthread_mutex_lock(&gil_switch_mutex);
	gil_locked = 1;
	if (gil_last_holder != me) {
		gil_last_holder = me;
		gil_switch_number++;
		conctop_mark("gil taken", me);
	}
	pthread_cond_signal(&gil_switch_cond);
	pthread_mutex_unlock(&gil_switch_mutex);

	atomic_store(&gil_drop_request, 0); /* whoever asked has it now */
	pthread_mutex_unlock(&gil_mutex);
}

/* Lets the GIL go. When that was asked for (forced), waits until another
 * thread has taken it, so as not to take it straight back. */
static void drop_gil(int me)
{
	pthread_mutex_lock(&gil_mutex);
	gil_locked = 0;
	pthread_cond_signal(&gil_cond); /* one waiter may take it now */
	pthread_mutex_unlock(&gil_mutex);

	if (atomic_load(&gil_drop_request)) {
		pthread_mutex_lock(&gil_switch_mutex);
		while (gil_last_holder == me) /* not taken by another yet */
			pthread_cond_wait(&gil_switch_cond, &gil_switch_mutex);
		pthread_mutex_unlock(&gil_switch_mutex);
	}
}

/* ---- The workers ---- */

/* How fresh another's heartbeat must be to count as "running now". */
static long long fresh_ns;

/* A check point between bytecodes: says "I am running" (heartbeat), looks
 * whether any other worker is running at this very moment, and honours a
 * drop request (the forced switch). */
static void check_point(int me)
{
	long long now = now_ns();
	atomic_store(&shared->heartbeat[me], now);
	for (int j = 1; j <= threads; j++) {
		long long beat = j == me ? 0 : atomic_load(&shared->heartbeat[j]);
		if (beat && now - beat < fresh_ns) {
			atomic_fetch_add(&shared->seen_together, 1);
			break;
		}
	}

	if (atomic_load(&gil_drop_request)) {
		/* Asked to let go: stop running Python code, drop the GIL,
		 * and queue up to take it again like everyone else. */
		forced_switches++; /* we hold the GIL: nobody else writes it */
		atomic_store(&shared->heartbeat[me], 0);
		drop_gil(me);
		take_gil(me);
	}
}

/* A worker's whole life: take the GIL, run its bytecodes with a check point
 * every check_every of them, drop the GIL, report its CPU time. */
static void run_worker(int me)
{
	long long cpu0 = cpu_now_ns();
	take_gil(me);
	for (long done = 1; done <= iterations; done++) {
		bytecode();
		if (done % check_every == 0)
			check_point(me);
	}
	atomic_store(&shared->heartbeat[me], 0);
	drop_gil(me);
	shared->cpu_ns[me] = cpu_now_ns() - cpu0;
	atomic_fetch_sub(&shared->workers_left, 1);
	conctop_mark("worker done", me);
}

/* A worker thread (threads mode). */
static void *worker_thread(void *arg)
{
	struct pythread *w = arg;
	scn_name_thread("worker", w->id);
	pthread_barrier_wait(&start_line);
	run_worker(w->id);
	return NULL;
}

/* The I/O thread: like a Python thread reading a socket in a loop. It
 * drops the GIL around each blocking wait, as CPython's I/O functions do,
 * and measures how long it takes to get the GIL back afterwards. */
static void *io_thread(void *arg)
{
	struct pythread *t = arg;
	scn_name_thread("io", 0);
	if (!processes)
		pthread_barrier_wait(&start_line);
	take_gil(t->id);
	while (atomic_load(&shared->workers_left) > 0) {
		drop_gil(t->id); /* release the GIL around the blocking call */
		scn_sleep_ms(io_wait_ms); /* the "I/O" */
		int busy = atomic_load(&shared->workers_left) > 0;
		conctop_mark("io wants gil", io_waits);
		double t0 = scn_now_ms();
		take_gil(t->id); /* data arrived: back to Python code */
		double waited = scn_now_ms() - t0;
		conctop_mark("io got gil", (long)(waited * 1000));
		if (busy) { /* workers were competing for it */
			io_waits++;
			io_waited_ms += waited;
			if (waited > io_max_ms)
				io_max_ms = waited;
		}
		for (int k = 0; k < 20; k++) /* handle the data: a few bytecodes */
			bytecode();
	}
	drop_gil(t->id);
	return NULL;
}

/* Measures how many bytecodes take ms of CPU on this machine. */
static long bytecodes_for_ms(long ms, double *ns_each)
{
	long n = 0;
	long long t0 = cpu_now_ns(), t;
	while (cpu_now_ns() - t0 < 2000000) /* 2 ms to warm the CPU up */
		bytecode();
	t0 = cpu_now_ns();
	do {
		for (int k = 0; k < 1000; k++)
			bytecode();
		n += 1000;
		t = cpu_now_ns() - t0;
	} while (t < 3000000); /* 3 ms of measuring */
	*ns_each = (double)t / (double)n;
	return (long)((double)ms * 1e6 / *ns_each) + 1;
}

/* Starts the workers as threads sharing one GIL; waits for them. */
static void run_threads(struct pythread *w, struct pythread *iot)
{
	scn_check(pthread_barrier_init(&start_line, NULL,
				       (unsigned)(threads + 1 + (io ? 1 : 0))),
		  "pthread_barrier_init");
	for (int i = 0; i < threads; i++)
		scn_check(pthread_create(&w[i].thread, NULL, worker_thread, &w[i]),
			  "pthread_create");
	if (io)
		scn_check(pthread_create(&iot->thread, NULL, io_thread, iot),
			  "pthread_create");
	pthread_barrier_wait(&start_line); /* all together: go */
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(w[i].thread, NULL), "pthread_join");
	if (io)
		scn_check(pthread_join(iot->thread, NULL), "pthread_join");
	pthread_barrier_destroy(&start_line);
}

/* Starts each worker as a process of its own (with its own copy of the GIL
 * globals, so nobody ever waits for it); waits for them. The I/O thread,
 * if any, stays in this process, with this process's GIL. */
static int run_processes(struct pythread *iot)
{
	int gate[2]; /* the children start when we close the write end */
	if (pipe(gate) != 0) {
		perror("pipe");
		return -1;
	}
	pid_t *pids = scn_calloc(threads, sizeof *pids);
	for (int i = 0; i < threads; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			exit(1);
		}
		if (pids[i] == 0) { /* the child: a worker with its own interpreter */
			scn_name_thread("worker", i + 1);
			close(gate[1]);
			char c;
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				; /* returns 0 (end of file) when the parent opens the gate */
			run_worker(i + 1);
			/* Alone with our own GIL: nobody should ever have asked. */
			atomic_fetch_add(&shared->child_drop_requests, drop_requests);
			_exit(0);
		}
	}
	close(gate[0]);
	if (io)
		scn_check(pthread_create(&iot->thread, NULL, io_thread, iot),
			  "pthread_create");
	close(gate[1]); /* go */
	int failed = 0;
	for (int i = 0; i < threads; i++) {
		int status;
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	if (io)
		scn_check(pthread_join(iot->thread, NULL), "pthread_join");
	free(pids);
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "gil", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (work_ms < 0)
		work_ms = pace > 0 ? 5 * pace : 40;
	if (interval_ms < 0)
		interval_ms = pace > 0 ? pace : 5;
	if (io_wait_ms < 0)
		io_wait_ms = pace > 0 ? pace : 2;
	scn_name_thread("gil", 0);

	/* gil_cond's timed waits count on the monotonic clock, like CPython's. */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	scn_check(pthread_cond_init(&gil_cond, &ca), "pthread_cond_init");
	pthread_condattr_destroy(&ca);

	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	atomic_store(&shared->workers_left, (int)threads);

	double ns_each;
	long per_ms = bytecodes_for_ms(1, &ns_each);
	if (iterations < 0)
		iterations = per_ms * work_ms;
	double work_each_ms = (double)iterations * ns_each / 1e6;
	/* A running worker beats every check_every bytecodes: a heartbeat
	 * younger than three of those periods means "running now". */
	fresh_ns = (long long)(3 * check_every * ns_each);
	if (fresh_ns < 50000)
		fresh_ns = 50000;

	struct pythread *w = scn_calloc(threads, sizeof *w);
	for (int i = 0; i < threads; i++)
		w[i].id = i + 1;
	struct pythread iot = {.id = (int)threads + 1};

	double t0 = scn_now_ms();
	int failed = 0;
	if (processes)
		failed = run_processes(&iot) != 0;
	else
		run_threads(w, &iot);
	double wall = scn_now_ms() - t0;

	double cpu_ms = 0;
	for (int i = 1; i <= threads; i++)
		cpu_ms += (double)shared->cpu_ns[i] / 1e6;
	double busy = wall > 0 ? cpu_ms / wall : 0;
	long together = atomic_load(&shared->seen_together);
	int cpus = scn_cpus_available();
	conctop_mark("seen together", together);

	/* The self-check. */
	char line[512];
	int ok = 1;
	int n = 0;
	if (failed) {
		ok = 0;
		n = snprintf(line, sizeof line, "a worker process failed");
	} else if (processes) {
		/* Each process is alone with its own GIL: nobody ever waits for
		 * one. Whether they really ran at the same moment depends on
		 * the CPUs other programs left them: reported, not claimed. */
		long asked = atomic_load(&shared->child_drop_requests);
		ok = asked == 0;
		n = snprintf(line, sizeof line,
			     "%ld process%s, one GIL each: %s; seen running at the "
			     "same time at %ld check points; %.2f CPUs busy "
			     "(%.0f ms of CPU in %.0f ms)",
			     threads, threads == 1 ? "" : "es",
			     ok ? "no worker ever waited for a GIL"
				: "WRONG: workers waited for a GIL",
			     together, busy, cpu_ms, wall);
		if (ok && threads >= 2 && cpus >= 2 && together == 0)
			n += snprintf(line + n, sizeof line - (size_t)n,
				      " (never together: other programs held the CPUs)");
		else if (ok && cpus < 2)
			n += snprintf(line + n, sizeof line - (size_t)n, " (only 1 CPU here)");
	} else {
		/* Forced switches are certain only when a worker needs the GIL
		 * for more than two intervals: then its waiters time out. */
		int expect_forced = threads >= 2 && work_each_ms > 2.0 * (double)interval_ms;
		n = snprintf(line, sizeof line,
			     "%ld thread%s shared one GIL: %s seen running at the "
			     "same time; %ld forced switches (interval %ld ms); "
			     "%.2f CPUs busy (%.0f ms of CPU in %.0f ms)",
			     threads, threads == 1 ? "" : "s",
			     together ? "WRONGLY" : "never", forced_switches,
			     interval_ms, busy, cpu_ms, wall);
		if (together)
			ok = 0;
		if (expect_forced && forced_switches == 0) {
			ok = 0;
			n += snprintf(line + n, sizeof line - (size_t)n,
				      " (expected forced switches!)");
		}
	}
	if (io && ok) {
		double mean = io_waits ? io_waited_ms / (double)io_waits : 0;
		n += snprintf(line + n, sizeof line - (size_t)n,
			      "; io thread waited %.2f ms on average (max %.2f, %ld "
			      "times) to get the GIL back",
			      mean, io_max_ms, io_waits);
		/* In threads, a CPU-bound holder keeps it until asked: the I/O
		 * thread waits about an interval. Its own process's GIL is free. */
		if (!processes && threads >= 1 && io_waits > 0 &&
		    mean < 0.25 * (double)interval_ms) {
			ok = 0;
			n += snprintf(line + n, sizeof line - (size_t)n,
				      " (expected about an interval!)");
		}
		if (processes && io_waits > 0 && mean >= 0.25 * (double)interval_ms) {
			ok = 0;
			n += snprintf(line + n, sizeof line - (size_t)n,
				      " (its own GIL should be free!)");
		}
	}
	printf("gil: %s\n", line);

	free(w);
	munmap(shared, sizeof *shared);
	return ok ? 0 : 1;
}
