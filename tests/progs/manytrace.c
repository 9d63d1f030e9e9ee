/* manytrace: writes a synthetic trace of a busy machine for the tests of
 * many lanes (tests/integration/test_many.py, the golden file "many-*" of
 * tests/golden.sh): 1 000 threads in 20 processes on 64 CPUs for one
 * second. Deterministic: a fixed seed, the same bytes each run.
 *
 * usage: manytrace FILE
 *
 * The processes (sizes 200, 150, ... 2, 1; tgid 1000 * (p + 1), its
 * threads' tids from there) are named web, db, cache, render, ... and their
 * threads NAME (the first) then NAME-io-K, NAME-cpu-K and NAME-lock-K in
 * turn, so that a filter by process ("db") or by role ("lock") means
 * something. The scheduler is simulated in ticks of 2 ms: a running
 * thread blocks with its role's probability (io threads sleep in a read,
 * lock threads on a mutex, cpu threads run longer) or is preempted when
 * threads wait for a CPU (cache-hot never is); a blocked thread is woken with its role's
 * probability (at the latest after 100 ms); idle CPUs take the waiting
 * threads in order. Two threads stand out: cache-hot never blocks (the
 * busiest) and db-stuck blocks on a mutex at 2 ms and is never woken (the
 * most blocked). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"

#define NCPUS 64
#define NPROC 20
#define NTHREADS 1000
#define TICK_NS 2000000ull
#define TICKS 500
#define MAX_BLOCKED_TICKS 50

enum role { ROLE_MAIN, ROLE_IO, ROLE_CPU, ROLE_LOCK, ROLE_HOT, ROLE_STUCK };
enum st { ST_BLOCKED, ST_RUNNABLE, ST_RUNNING };

/* One simulated thread. */
struct sim_thread {
	int tid, tgid;
	enum role role;
	enum st st;
	int cpu;          /* running: its CPU */
	int blocked_for;  /* ticks blocked */
	char name[16];
};

static struct sim_thread th[NTHREADS];
static int cpu_of[NCPUS];      /* thread index on each CPU, -1 idle */
static int queue[NTHREADS];    /* runnable threads, in order */
static int qlen;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static struct trace_writer *w;
static int werr;

/* The next pseudo-random number in [0, 1). */
static double rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / (double)(1ull << 53);
}

/* Adds one event (the first error sticks). */
static void ev(uint64_t ts, unsigned type, unsigned cpu, const struct sim_thread *a, const struct sim_thread *b,
	       int64_t arg, uint32_t op, const char *text)
{
	struct event e;

	if (werr)
		return;
	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = a ? a->tid : 0;
	e.tgid = a ? a->tgid : 0;
	e.tid2 = b ? b->tid : 0;
	e.tgid2 = b ? b->tgid : 0;
	e.arg = arg;
	e.op = op;
	if (text)
		snprintf(e.text, sizeof(e.text), "%s", text);
	werr = trace_writer_add(w, &e);
}

/* The probabilities of a role: blocking when running, waking when blocked. */
static void role_odds(enum role r, double *block, double *wake)
{
	static const double odds[][2] = {
		[ROLE_MAIN] = { 0.3, 0.03 }, [ROLE_IO] = { 0.5, 0.03 }, [ROLE_CPU] = { 0.3, 0.03 },
		[ROLE_LOCK] = { 0.4, 0.02 }, [ROLE_HOT] = { 0.0, 1.0 },  [ROLE_STUCK] = { 1.0, 0.0 },
	};

	*block = odds[r][0];
	*wake = odds[r][1];
}

/* Names the processes and their threads, all existing from 0, asleep. */
static void make_threads(void)
{
	static const char *const names[NPROC] = { "web",  "db",   "cache", "render", "worker", "mq",    "search",
						   "log",  "auth", "mail",  "sched",  "api",    "cron",  "ingest",
						   "stats", "backup", "dns", "ntp",  "shell",  "init" };
	static const int sizes[NPROC] = { 200, 150, 120, 100, 80, 60, 50, 45, 40, 35, 30, 25, 20, 15, 10, 8, 5, 4, 2, 1 };
	static const char *const roles[3] = { "io", "cpu", "lock" };
	int p, k, n = 0;

	for (p = 0; p < NPROC; p++) {
		for (k = 0; k < sizes[p]; k++, n++) {
			struct sim_thread *t = &th[n];

			t->tgid = 1000 * (p + 1);
			t->tid = t->tgid + k;
			t->cpu = -1;
			t->st = ST_BLOCKED;
			if (k == 0) {
				t->role = ROLE_MAIN;
				snprintf(t->name, sizeof(t->name), "%s", names[p]);
			} else {
				t->role = (enum role)(ROLE_IO + (k - 1) % 3);
				snprintf(t->name, sizeof(t->name), "%s-%s-%d", names[p], roles[(k - 1) % 3], k);
			}
			if (p == 2 && k == 7) {
				t->role = ROLE_HOT;
				snprintf(t->name, sizeof(t->name), "cache-hot");
			} else if (p == 1 && k == 9) {
				t->role = ROLE_STUCK;
				snprintf(t->name, sizeof(t->name), "db-stuck");
			}
			ev(0, EVENT_THREAD, 0, t, NULL, 'S', 0, t->name);
		}
	}
}

/* Thread i leaves its CPU at ts: blocked (in its role's call) or
 * preempted (back on the run queue); the CPU is idle. */
static void leave(uint64_t ts, int i, bool block)
{
	struct sim_thread *t = &th[i];
	unsigned cpu = (unsigned)t->cpu;

	if (block && t->role == ROLE_IO)
		ev(ts, EVENT_SYSCALL, cpu, t, NULL, 3, OP_SYS_READ, NULL);
	else if (block && (t->role == ROLE_LOCK || t->role == ROLE_STUCK))
		ev(ts, EVENT_CALL, cpu, t, NULL, (int64_t)0x7f0000001000 + t->tgid, OP_MUTEX_LOCK, NULL);
	ev(ts, EVENT_SWITCH, cpu, t, NULL, block ? EVENT_STATE_INTERRUPTIBLE : EVENT_STATE_PREEMPTED, 0, NULL);
	cpu_of[cpu] = -1;
	t->cpu = -1;
	t->st = block ? ST_BLOCKED : ST_RUNNABLE;
	t->blocked_for = 0;
	if (!block)
		queue[qlen++] = i;
}

/* Thread i, blocked, is woken at ts by whoever runs on CPU on (another
 * program when none). */
static void wake(uint64_t ts, int i, unsigned on)
{
	struct sim_thread *t = &th[i];
	const struct sim_thread *waker = cpu_of[on] >= 0 ? &th[cpu_of[on]] : NULL;
	struct sim_thread other = { .tid = -1, .tgid = -1 };

	if (t->role == ROLE_IO)
		ev(ts, EVENT_SYSRET, on, t, NULL, 0, OP_SYS_READ, NULL);
	else if (t->role == ROLE_LOCK)
		ev(ts, EVENT_RETURN, on, t, NULL, 0, OP_MUTEX_LOCK, NULL);
	ev(ts, EVENT_WAKING, on, waker ? waker : &other, t, on, 0, NULL);
	ev(ts, EVENT_WAKEUP, on, t, NULL, on, 0, NULL);
	t->st = ST_RUNNABLE;
	queue[qlen++] = i;
}

/* One tick at ts: running threads block or are preempted, blocked ones
 * wake, idle CPUs take waiting threads. */
static void tick(uint64_t ts)
{
	double block, wakep;
	int i, c, head = 0, waiting = qlen;

	for (c = 0; c < NCPUS; c++) {
		i = cpu_of[c];
		if (i < 0)
			continue;
		role_odds(th[i].role, &block, &wakep);
		if (rnd() < block)
			leave(ts, i, true);
		else if (waiting > 0 && th[i].role != ROLE_HOT && rnd() < 0.5)
			leave(ts, i, false);
	}
	for (i = 0; i < NTHREADS; i++) {
		if (th[i].st != ST_BLOCKED || th[i].role == ROLE_STUCK)
			continue;
		role_odds(th[i].role, &block, &wakep);
		if (++th[i].blocked_for > MAX_BLOCKED_TICKS || rnd() < wakep)
			wake(ts, i, (unsigned)(rng % NCPUS));
	}
	for (c = 0; c < NCPUS && head < qlen; c++) {
		struct sim_thread *t;

		if (cpu_of[c] >= 0)
			continue;
		t = &th[queue[head]];
		ev(ts, EVENT_SWITCH, (unsigned)c, NULL, t, EVENT_STATE_RUNNING, 0, NULL);
		cpu_of[c] = queue[head++];
		t->cpu = c;
		t->st = ST_RUNNING;
	}
	memmove(queue, queue + head, (size_t)(qlen - head) * sizeof(queue[0]));
	qlen -= head;
}

/* Writes the trace to path. */
int main(int argc, char **argv)
{
	struct trace_info info;
	int n, c, i, r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: manytrace FILE   write a synthetic trace of 1000 threads on 64 CPUs to FILE\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: manytrace FILE (--help)\n");
		return 2;
	}
	memset(&info, 0, sizeof(info));
	snprintf(info.host, sizeof(info.host), "manytrace");
	snprintf(info.kernel, sizeof(info.kernel), "synthetic");
	snprintf(info.clock, sizeof(info.clock), "CLOCK_MONOTONIC");
	snprintf(info.command, sizeof(info.command), "manytrace");
	snprintf(info.version, sizeof(info.version), "manytrace");
	info.ncpus = NCPUS;
	info.start_realtime_ns = 1790000000ull * 1000000000ull;
	info.target_pid = 1000;
	r = trace_writer_new(&w, argv[1], &info);
	if (r) {
		fprintf(stderr, "manytrace: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	for (c = 0; c < NCPUS; c++)
		cpu_of[c] = -1;
	make_threads();
	for (c = 0; c < NCPUS; c++) /* every CPU idle at 0 */
		ev(0, EVENT_SWITCH, (unsigned)c, NULL, NULL, EVENT_STATE_RUNNING, 0, NULL);
	/* db-stuck and cache-hot wake at the start (they get a CPU at 1 ms);
	 * the others sleep from before the trace until woken */
	for (i = 0; i < NTHREADS; i++)
		if (th[i].role == ROLE_STUCK || th[i].role == ROLE_HOT)
			wake(0, i, (unsigned)(i % NCPUS));
	for (n = 0; n < TICKS; n++)
		tick((uint64_t)n * TICK_NS + (n ? 0 : 1000000ull));
	r = trace_writer_close(w, (uint64_t)TICKS * TICK_NS);
	if (werr || r) {
		fprintf(stderr, "manytrace: %s: %s\n", argv[1], strerror(-(werr ? werr : r)));
		return 1;
	}
	return 0;
}
