/* A test-only LD_PRELOAD library: as each thread's last step, reads the
 * kernel's own counters for it (/proc/self/task/TID/status, its CPU clock)
 * and, when the program exits, writes one line per thread to $CTXSTAT_OUT:
 *
 *   tid name voluntary nonvoluntary run_ns runqueue_ns start_mono_ns end_mono_ns main
 *
 * Threads store their line in memory (no syscall after the read, so nothing
 * of the library's own makes them sleep again before they exit), and take a
 * real-time priority just before the read (when allowed: as root), so that
 * nothing preempts them between the read and their exit; the main thread
 * writes the file from a destructor. The main thread's switch counts are
 * those since the library's constructor (start_mono_ns): before it, the
 * process waited at conctop's gate and exec'd, partly untraced, and a busy
 * machine preempts it there a varying number of times. The integration
 * tests compare these with what conctop recorded. */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 1024

struct row {
	long tid;
	char name[32];
	long vol, invol;
	unsigned long long run_ns, wait_ns, start_ns, end_ns;
	int main;
};

static struct row rows[MAX_THREADS];
static atomic_int nrows;
static unsigned long long main_start_ns;
static struct row main_base; /* the main thread's counters at the constructor */

/* CLOCK_MONOTONIC in ns. */
static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Reads the calling thread's counters into r. */
static void read_counters(struct row *r, unsigned long long start_ns, int is_main)
{
	char path[96], line[256];
	FILE *f;
	long tid = syscall(SYS_gettid);

	memset(r, 0, sizeof(*r));
	r->tid = tid;
	r->main = is_main;
	r->start_ns = start_ns;
	/* schedstat's run time is only as fresh as the last tick for the
	 * thread reading it: the CPU-time clock brings it up to date */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/schedstat", tid);
	f = fopen(path, "re");
	if (f) {
		unsigned long long stale;

		if (fscanf(f, "%llu %llu", &stale, &r->wait_ns) != 2)
			r->wait_ns = 0;
		fclose(f);
	}
	{
		struct timespec ts;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		r->run_ns = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
	}
	/* the switch counters last: nothing but the exit follows them */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &r->vol) == 1)
				continue;
			if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &r->invol) == 1)
				continue;
			if (sscanf(line, "Name: %31s", r->name) == 1)
				continue;
		}
		fclose(f);
	}
	r->end_ns = mono_ns();
}

struct start {
	void *(*fn)(void *);
	void *arg;
};

/* Runs the thread's own function, records its counters, and leaves
 * through the exit system call at once: glibc's thread teardown (freeing
 * its malloc cache under an arena lock...) could otherwise switch after the
 * read. The kernel still wakes the joiner; the return value is dropped. */
static void *trampoline(void *p)
{
	struct start s = *(struct start *)p;
	unsigned long long t0 = mono_ns();
	int i;

	free(p);
	s.fn(s.arg);
	/* From here to the exit, no ordinary thread may preempt this one (as
	 * root: a real-time policy), so the kernel's exit path, which has
	 * several preemption points, adds no switch after the read. */
	{
		struct sched_param sp = { .sched_priority = 1 };

		sched_setscheduler(0, SCHED_FIFO, &sp);
	}
	i = atomic_fetch_add(&nrows, 1);
	if (i < MAX_THREADS)
		read_counters(&rows[i], t0, 0);
	syscall(SYS_exit, 0);
	return NULL;
}

/* Wraps pthread_create so every thread ends in trampoline. */
int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	struct start *s = malloc(sizeof(*s));
	int err;

	if (!real)
		real = dlsym(RTLD_NEXT, "pthread_create");
	if (!s)
		return real(th, attr, fn, arg);
	s->fn = fn;
	s->arg = arg;
	err = real(th, attr, trampoline, s);
	if (err)
		free(s);
	return err;
}

/* The main thread's counters at load, and the clock just after: its row
 * counts from there (only a switch between the counters' read and the
 * clock's would be on one side of the comparison alone). */
__attribute__((constructor)) static void ctxstat_init(void)
{
	read_counters(&main_base, 0, 1);
	main_start_ns = main_base.end_ns;
}

/* At exit: the main thread's counters, then every row to the file. */
__attribute__((destructor)) static void ctxstat_done(void)
{
	const char *out = getenv("CTXSTAT_OUT");
	struct row mainrow;
	FILE *f;
	int i, n;

	read_counters(&mainrow, main_start_ns, 1);
	mainrow.vol -= main_base.vol;
	mainrow.invol -= main_base.invol;
	if (!out)
		return;
	f = fopen(out, "ae");
	if (!f)
		return;
	n = atomic_load(&nrows);
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	for (i = 0; i <= n; i++) {
		struct row *r = i < n ? &rows[i] : &mainrow;

		fprintf(f, "%ld %s %ld %ld %llu %llu %llu %llu %d\n", r->tid, r->name, r->vol, r->invol,
			r->run_ns, r->wait_ns, r->start_ns, r->end_ns, r->main);
	}
	fclose(f);
}
