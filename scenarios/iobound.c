/* iobound: threads speed up waiting, not computing (in Python, under the GIL).
 *
 * The lesson. The course notes fetch the temperature of 13 cities from a web
 * service: one after another it takes 1.69 s, in 13 threads 0.10 s. Each
 * look-up spends nearly all its time waiting for the network, and waiting
 * threads do not need a CPU, nor the GIL (CPython releases it around every
 * blocking call): 13 waits overlap and take as long as one. That is
 * "I/O-bound" work. Give the same threads "CPU-bound" work, computing
 * instead of waiting, and the gain disappears: Python code runs only with
 * the GIL held, so the threads take turns and the total is what one thread
 * doing everything would take.
 *
 * The story. The same N tasks run twice: first one after another in the
 * main thread (the serial run), then in N threads at once (the threaded
 * run). The program prints both times.
 *
 *   --variant io   (default) a task is a look-up: a little Python code to
 *                  build the request, a wait for the reply (a sleep stands
 *                  in for the network; the GIL is dropped around it), a
 *                  little code to parse the reply.
 *   --variant cpu  a task is a computation of --work ms, all Python code:
 *                  it holds the GIL throughout, except when a waiting thread
 *                  forces it to let go (see the gil scenario).
 *
 * The GIL here is the gil scenario's, in small form: a flag, gil_locked,
 * under gil_mutex; a thread that wants it waits on gil_cond for the switch
 * interval (5 ms) and then sets gil_drop_request; the holder, at its next
 * check point, lets go.
 *
 * What to watch under conctop: in the serial run the main thread's lane
 * alternates a little running with long sleeps (z), one look-up at a time.
 * In the threaded run all lookup-N lanes sleep at the same time, and the run
 * is over in about one wait. With --variant cpu, the task-N lanes take turns
 * running (one at a time, blocked on gil_cond the rest), and the threaded
 * run lasts as long as the serial one.
 */
#define _GNU_SOURCE /* pthread_condattr_setclock; see common.h */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- The GIL, small form (the gil scenario has the full story) ---- */
static pthread_mutex_t gil_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gil_cond;     /* threads waiting for the GIL */
static int gil_locked;              /* 1 while someone holds it */
static unsigned long gil_switches;  /* times it was taken */
static atomic_int gil_drop_request; /* a waiter's "please let go" */

/* Options (-1: not given, a default is chosen in main). */
enum { IO, CPU }; /* --variant, in the order of its choices */
static long variant = IO;
static long threads = -1;
static long wait_ms = -1;
static long work_ms = -1;
static long interval_ms = 5;
static long serial_only = 0;
static long threaded_only = 0;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256,
	 "tasks, and threads in the threaded run (default 13, or 6 with --pace)"},
	{"--iterations", "N", &threads, 1, 256, "same as --threads"},
	{"--variant", "io|cpu", &variant, 0, 0,
	 "io: tasks wait for replies (default); cpu: tasks compute"},
	{"--wait", "MS", &wait_ms, 1, 60000,
	 "io: each look-up's wait for its reply (default 20, 5*MS with --pace)"},
	{"--work", "MS", &work_ms, 1, 60000,
	 "cpu: each task's computation, in ms of CPU (default 10, 3*MS with --pace)"},
	{"--interval", "MS", &interval_ms, 1, 60000, "the GIL's switch interval (default 5)"},
	{"--serial", NULL, &serial_only, 0, 1, "only the serial run (one task after another)"},
	{"--threaded", NULL, &threaded_only, 0, 1, "only the threaded run"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: building and parsing take MS/5 ms, waits 5*MS"},
};

static const char about[] =
	"N tasks run one after another, then in N threads at once, under an\n"
	"emulated GIL. --variant io: each task waits for a reply (the notes' 13\n"
	"weather look-ups) with the GIL released, so the waits overlap and the\n"
	"threads finish in about one wait. --variant cpu: each task computes, the\n"
	"threads take turns on the GIL, and the gain disappears.\n"
	"Self-check: io, the threads' waits overlapped (2 or more waiting at once);\n"
	"cpu, the threads kept under 1.3 CPUs busy. Both runs' times are shown.";

/* Takes the GIL: waits on gil_cond at most an interval at a time, and asks
 * the holder to let go when it has not been released meanwhile. */
static void take_gil(void)
{
	pthread_mutex_lock(&gil_mutex);
	while (gil_locked) {
		unsigned long seen = gil_switches;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		long long ns = until.tv_nsec + interval_ms * 1000000LL;
		until.tv_sec += (time_t)(ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		if (pthread_cond_timedwait(&gil_cond, &gil_mutex, &until) == ETIMEDOUT &&
		    gil_locked && gil_switches == seen)
			atomic_store(&gil_drop_request, 1);
	}
	gil_locked = 1;
	gil_switches++;
	atomic_store(&gil_drop_request, 0);
	pthread_mutex_unlock(&gil_mutex);
}

/* Releases the GIL and wakes one thread waiting for it. */
static void drop_gil(void)
{
	pthread_mutex_lock(&gil_mutex);
	gil_locked = 0;
	pthread_cond_signal(&gil_cond);
	pthread_mutex_unlock(&gil_mutex);
}

/* Runs us microseconds of "Python code": CPU work, with the GIL held,
 * letting it go at a check point every 50 µs when someone asks. */
static void python_code(long us)
{
	for (long done = 0; done < us; done += 50) {
		scn_busy_us(us - done < 50 ? us - done : 50);
		if (atomic_load(&gil_drop_request)) { /* the check point */
			drop_gil();
			take_gil();
		}
	}
}

/* How many tasks are waiting for their reply right now, and at most. */
static atomic_long waiting_now, waiting_max;

/* A blocking call, such as reading a socket: the GIL is released first, so
 * other threads may run Python code meanwhile, and taken back after. */
static void wait_for_reply(long ms)
{
	drop_gil();
	long now = atomic_fetch_add(&waiting_now, 1) + 1;
	long max = atomic_load(&waiting_max);
	while (now > max && !atomic_compare_exchange_weak(&waiting_max, &max, now))
		;
	scn_sleep_ms(ms); /* the "network": off the CPU, without the GIL */
	atomic_fetch_sub(&waiting_now, 1);
	take_gil();
}

/* CPU time each task needs for building and parsing (io), in µs. */
static long code_us;

/* One task. io: build a request, wait for the reply, parse it. cpu: compute. */
static void task(long i)
{
	take_gil();
	if (variant == IO) {
		python_code(code_us); /* build the request */
		conctop_mark("request sent", i);
		wait_for_reply(wait_ms);
		python_code(code_us); /* parse the reply */
		conctop_mark("reply parsed", i);
	} else {
		python_code(work_ms * 1000);
		conctop_mark("task done", i);
	}
	drop_gil();
}

/* What each thread of the threaded run knows. */
struct tasker {
	pthread_t thread;
	long id;
	double cpu_ms; /* CPU time the task used */
};

/* This thread's CPU time in ms. */
static double cpu_ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static pthread_barrier_t start_line;

/* A thread of the threaded run: one task. */
static void *tasker_main(void *arg)
{
	struct tasker *t = arg;
	scn_name_thread(variant == IO ? "lookup" : "task", (int)t->id);
	pthread_barrier_wait(&start_line);
	double c0 = cpu_ms_now();
	task(t->id);
	t->cpu_ms = cpu_ms_now() - c0;
	return NULL;
}

/* The serial run: every task in turn, in the main thread. Returns ms;
 * busy gets the CPUs it kept busy on average (at most 1, of course). */
static double run_serial(double *busy)
{
	conctop_mark("serial run", threads);
	double t0 = scn_now_ms(), c0 = cpu_ms_now();
	for (long i = 1; i <= threads; i++)
		task(i);
	double wall = scn_now_ms() - t0;
	*busy = wall > 0 ? (cpu_ms_now() - c0) / wall : 0;
	return wall;
}

/* The threaded run: one thread per task, all started together. Returns
 * ms; busy gets the CPUs the tasks kept busy on average. */
static double run_threaded(double *busy)
{
	struct tasker *t = scn_calloc(threads, sizeof *t);
	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1),
		  "pthread_barrier_init");
	for (long i = 0; i < threads; i++) {
		t[i].id = i + 1;
		scn_check(pthread_create(&t[i].thread, NULL, tasker_main, &t[i]),
			  "pthread_create");
	}
	pthread_barrier_wait(&start_line);
	conctop_mark("threaded run", threads);
	double t0 = scn_now_ms();
	double cpu = 0;
	for (long i = 0; i < threads; i++) {
		scn_check(pthread_join(t[i].thread, NULL), "pthread_join");
		cpu += t[i].cpu_ms;
	}
	double wall = scn_now_ms() - t0;
	pthread_barrier_destroy(&start_line);
	free(t);
	*busy = wall > 0 ? cpu / wall : 0;
	return wall;
}

int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "iobound", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (serial_only && threaded_only) {
		fprintf(stderr, "iobound: --serial and --threaded exclude each other "
			"(see iobound --help)\n");
		return 2;
	}
	if (threads < 0)
		threads = pace > 0 ? 6 : 13;
	if (wait_ms < 0)
		wait_ms = pace > 0 ? 5 * pace : 20;
	if (work_ms < 0)
		work_ms = pace > 0 ? 3 * pace : 10;
	code_us = pace > 0 ? pace * 200 : 200;
	scn_name_thread("iobound", 0);

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	scn_check(pthread_cond_init(&gil_cond, &ca), "pthread_cond_init");
	pthread_condattr_destroy(&ca);

	double serial = -1, threaded = -1, busy = 0, serial_busy = 0;
	long together = 0; /* most tasks waiting at once in the threaded run */
	if (!threaded_only)
		serial = run_serial(&serial_busy);
	if (!serial_only) {
		atomic_store(&waiting_max, 0);
		threaded = run_threaded(&busy);
		together = atomic_load(&waiting_max);
	}
	if (serial >= 0)
		conctop_mark("serial ms", (long)serial);
	if (threaded >= 0)
		conctop_mark("threaded ms", (long)threaded);

	/* What one task costs, one after another: measured, or from the
	 * parameters when the serial run was left out. */
	double each = variant == IO ? (double)wait_ms + 2.0 * (double)code_us / 1000
				    : (double)work_ms;
	double reference = serial >= 0 ? serial : (double)threads * each;
	const char *what = variant == IO ? (threads == 1 ? "look-up" : "look-ups")
				       : (threads == 1 ? "CPU-bound task" : "CPU-bound tasks");

	char line[400];
	int ok = 1;
	if (threaded < 0) {
		ok = serial >= 0.9 * (double)threads * each;
		snprintf(line, sizeof line,
			 "%ld %s one after another took %.0f ms (%ld x %.1f ms)%s",
			 threads, what, serial, threads, each,
			 ok ? "" : " (less than the tasks take?!)");
	} else {
		double speedup = threaded > 0 ? reference / threaded : 0;
		char before[120], busy_serial[40] = "";
		if (serial >= 0) {
			snprintf(before, sizeof before, "%.0f ms one after another, ", serial);
			if (variant == CPU) /* other programs may take CPU from either run */
				snprintf(busy_serial, sizeof busy_serial, ", %.2f serially",
					 serial_busy);
		} else {
			before[0] = '\0';
		}
		char verdict[80];
		if (variant == IO) {
			/* The claim: the threads waited at the same time. (How
			 * much faster that made them is shown, not claimed: other
			 * programs on the machine can stretch either run.) */
			if (threads < 2) {
				snprintf(verdict, sizeof verdict,
					 "one task: nothing to overlap, not checked");
			} else {
				ok = together >= 2;
				snprintf(verdict, sizeof verdict, "%s: up to %ld waiting at once",
					 ok ? "the waits overlapped" : "WRONG: no waits overlapped",
					 together);
			}
		} else {
			/* The claim: together they never kept more than about one
			 * CPU busy, whatever the machine has. */
			ok = busy < 1.3;
			snprintf(verdict, sizeof verdict, "%s",
				 ok ? "no gain: the GIL let one run at a time"
				    : "WRONG: more than one CPU busy under the GIL!");
		}
		snprintf(line, sizeof line,
			 "%ld %s took %s%.0f ms in %ld thread%s (%.1fx%s; %.2f CPUs busy%s): %s",
			 threads, what, before, threaded, threads, threads == 1 ? "" : "s", speedup,
			 serial >= 0 ? "" : " of the expected serial time", busy,
			 busy_serial, verdict);
	}
	printf("iobound: %s\n", line);
	return ok ? 0 : 1;
}
