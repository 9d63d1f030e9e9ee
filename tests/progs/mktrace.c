/* mktrace: writes synthetic trace files whose timelines are known by hand,
 * for the golden tests of `conctop lanes` (tests/golden.sh) and for people
 * reading docs/lanes.md. Every file is deterministic: same bytes each run.
 *
 * usage: mktrace DIR [NAME...]     writes DIR/NAME.ctrace (all but the hostile
 *                                  ones when no NAME)
 *        mktrace --list            names and what each trace holds
 *        mktrace --threads N FILE  many threads (below)
 *
 * The traces (times in ms; tids in the 100s; "A", "B" the letters the lanes
 * give threads in order of appearance):
 *   pingpong   2 CPUs, threads ping (A) and pong (B) hand a token back and
 *              forth every 1 ms for 20 ms: ping runs on CPU0 in [0,1),
 *              [2,3), ..., pong on CPU1 in [1,2), [3,4), ...; each wakes the
 *              other and blocks at the end of its slice.
 *   preempt    2 CPUs: worker (A) runs on CPU0 from 0, another program
 *              preempts it in [4,6) (worker runnable), it runs again in
 *              [6,10), then sleeps until the end at 12; CPU1 is idle.
 *   lifecycle  2 CPUs: main (A) runs from 0, creates worker (B) at 2 (on
 *              CPU1's run queue, runnable in [2,3)), blocks at 2.5; worker
 *              runs in [3,6) on CPU1, renames itself "worker-1" at 3, marks
 *              "half" = 50 at 4.5, exits at 6 waking main, which runs again
 *              in [6.5,8) on CPU0 and exits at 8; the trace ends at 10.
 *   lost       2 CPUs: spin-a (A) runs on CPU0 and spin-b (B) on CPU1 for
 *              10 ms; at 5 the kernel reports 17 events lost on CPU1.
 *   glyphs     2 CPUs, one thread per way of waiting: each of mutex,
 *              rwlock, cond, barrier, sem, join, futex, sleep, read, disk,
 *              plain and spin (A..L) is woken at 0.4*i ms on CPU0, runs
 *              0.2 ms, then calls its function (libc call or system call)
 *              and blocks in it (disk: in D state; plain: no call, cause
 *              unknown; spin: spins on CPU0 0.2 ms more, then sleeps
 *              plainly); at 6 + 0.4*i ms another program wakes it on CPU1,
 *              it returns from the call at +0.2 and exits at +0.4. End 11.
 *   wide       12 CPUs: six threads each running 1 ms in turn on CPUs 0, 2,
 *              4, 6, 9 and 11 ('#' in its lane: CPU >= 10), then blocking.
 *   childwait  2 CPUs: main (A) starts children cc (B) and as (C), processes
 *              of their own, at 1; they run on CPU1 and sleep; main waits for
 *              any child (wait4) from 2; another program passes on both CPUs
 *              at 10.5-10.8; cc wakes at 20, exits at 20.1 and wakes main,
 *              which runs from 20.2. End 21. A window [0, 10) must still name
 *              cc as what main waited for: only its end says so.
 *   joindeadlock  2 CPUs: main (A) holds mutex config_lock; loader (B)
 *              blocks on it at 1; main joins loader at 2: a deadlock of a
 *              lock and a join (report --json names the join link). End 3.
 *   cutoff     pingpong's first 10 ms in a complete chunk, the rest in a
 *              chunk cut in half, with no end record: a recording killed
 *              while it wrote (readers show the first 10 ms and warn).
 *
 *        mktrace --threads N FILE  writes FILE: N threads (1 to 1 000 000),
 *              "t1" (tid 1001) to "tN", each existing from 0; thread i
 *              (from 0) runs [10*i, 10*i + 5) us on CPU i % 2, then
 *              sleeps; the trace ends 10 us after the last. For the limits
 *              of the lanes (a lane per thread), not for golden files.
 *
 * Traces written only when named: hostile ones, valid by the format but
 * built to exhaust a careless reader (tests/hostile.py uses them), and
 * big ones for a test of their own:
 *   gap        1 CPU: one thread runs from 0 and sleeps 2^63 ns later, the
 *              trace ends then: two switches 2^63 ns apart, under 200 bytes.
 *   threads100k  2 CPUs: main (tid 101) creates 100 000 threads one after
 *              the other, each woken on CPU1, running 1 us there and exiting
 *              (10 us apart); main sleeps at the end. Deflated, 1.7 MB.
 *   lockers100k  2 CPUs: main (tid 101) runs on CPU0 and creates 100 000
 *              threads one after the other on CPU1 (10 us apart), each
 *              blocking at once on a mutex of its own that main holds, until
 *              the end: threads and objects past 16 MB (test_contention.py).
 *   earlywait100k, latewait100k  threads100k, where main also starts a
 *              child process (500, "kid") and waits for it in wait4, seen
 *              only as system call events (no block, no libc call: the
 *              trace of a static program, or recorded with --calls), before
 *              the threads (at 0, they start at 0.1 ms) or after them: the
 *              one wait on an object, the child (test_contention.py).
 *   missedlate  2 CPUs, 20 s: on CPU1 thread a (A) runs from 0, and at
 *              500 ms a switch names b (B) as the task leaving it (a
 *              switch missed: the CPU ran b, not a, since 0); on CPU0 c and
 *              d take turns every 40 us all along (1.5 M events: past a
 *              16 MB cap). Where a read back of [0, 300 ms) stops decides
 *              whether CPU1 shows a or b there (test_bigfile.py).
 *   hostile    lifecycle's story (main creates a child that renames itself,
 *              marks, takes a named mutex, execs and exits) where every
 *              string of the file (host, kernel, clock, command, version,
 *              thread, mark and object names) carries terminal controls:
 *              ESC sequences (clear screen, OSC 0 title, OSC 52 clipboard),
 *              BEL, CR, BS, DEL and C1 CSI, UTF-8-encoded and as a raw byte
 *              (tests/integration/test_hostile.py).
 *   damaged    pingpong for 30 ms in three event chunks of 10 ms; one byte
 *              of the middle chunk's payload is flipped (its checksum no
 *              longer matches): readers skip chunk 2, say so, and show
 *              [0, 10) and [20, 30) (test_hostile.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "trace.h"

#define MS 1000000ull
#define US 1000ull

/* One trace being written. */
struct out {
	struct trace_writer *w;
	const char *path;
	int err;
};

/* Opens path for a synthetic trace of ncpus CPUs, command cmd. */
static int out_open(struct out *o, const char *path, unsigned ncpus, const char *cmd)
{
	struct trace_info info;

	memset(&info, 0, sizeof(info));
	snprintf(info.host, sizeof(info.host), "mktrace");
	snprintf(info.kernel, sizeof(info.kernel), "synthetic");
	snprintf(info.clock, sizeof(info.clock), "CLOCK_MONOTONIC");
	snprintf(info.command, sizeof(info.command), "%s", cmd);
	snprintf(info.version, sizeof(info.version), "mktrace");
	info.ncpus = ncpus;
	info.start_realtime_ns = 1790000000ull * 1000000000ull; /* a fixed date: files are reproducible */
	info.target_pid = 100;
	o->path = path;
	o->err = trace_writer_new(&o->w, path, &info);
	if (o->err)
		fprintf(stderr, "mktrace: %s: %s\n", path, strerror(-o->err));
	return o->err;
}

/* Adds one event: type on cpu at ts, of thread tid of process tgid, about
 * tid2 of tgid2, with op what, arg, arg2 and text (the first error sticks). */
static void put(struct out *o, uint64_t ts, unsigned type, unsigned cpu, int tid, int tgid, int tid2, int tgid2,
		uint32_t what, int64_t arg, int64_t arg2, const char *text)
{
	struct event e;
	int r;

	if (o->err)
		return;
	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = tgid;
	e.tid2 = tid2;
	e.tgid2 = tgid2;
	e.op = what;
	e.arg = arg;
	e.arg2 = arg2;
	if (text)
		snprintf(e.text, sizeof(e.text), "%s", text);
	r = trace_writer_add(o->w, &e);
	if (r)
		o->err = r;
}

/* Adds one event of threads tid and tid2 of processes tgid and tgid2. */
static void ev_of(struct out *o, uint64_t ts, unsigned type, unsigned cpu, int tid, int tgid, int tid2, int tgid2,
		  int64_t arg, const char *text)
{
	put(o, ts, type, cpu, tid, tgid, tid2, tgid2, 0, arg, 0, text);
}

/* Adds one event of the threads of process 100 (the first error sticks). */
static void ev(struct out *o, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg,
	       const char *text)
{
	ev_of(o, ts, type, cpu, tid, tid > 0 ? 100 : tid, tid2, tid2 > 0 ? 100 : tid2, arg, text);
}

/* Switch on cpu from prev (leaving in state) to next. */
static void sw(struct out *o, uint64_t ts, unsigned cpu, int prev, int64_t state, int next)
{
	ev(o, ts, EVENT_SWITCH, cpu, prev, next, state, NULL);
}

/* waker, on CPU on, wakes tid onto the run queue of CPU to. */
static void wake(struct out *o, uint64_t ts, unsigned on, unsigned to, int waker, int tid)
{
	ev(o, ts, EVENT_WAKING, on, waker, tid, to, NULL);
	ev(o, ts, EVENT_WAKEUP, to, tid, 0, to, NULL);
}

/* tid calls (type EVENT_CALL or EVENT_SYSCALL) op on object obj, obj2, or
 * returns from it (EVENT_RETURN, EVENT_SYSRET). */
static void op(struct out *o, uint64_t ts, unsigned type, unsigned cpu, int tid, uint32_t what, int64_t obj,
	       int64_t obj2)
{
	put(o, ts, type, cpu, tid, 100, 0, 0, what, obj, obj2, NULL);
}

/* Closes the trace at end_ts; returns 0 or -errno. */
static int out_close(struct out *o, uint64_t end_ts)
{
	int r = trace_writer_close(o->w, end_ts);

	return o->err ? o->err : r;
}

/* The ping-pong events up to (not including) the handoff at until ms. */
static void pingpong_events(struct out *o, unsigned from_ms, unsigned until_ms)
{
	unsigned k;

	if (from_ms == 0) {
		ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "ping");
		ev(o, 0, EVENT_THREAD, 0, 102, 0, 'S', "pong");
		sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);   /* idle -> ping on CPU0 */
		sw(o, 0, 1, -1, EVENT_STATE_RUNNING, 0);    /* CPU1: another program goes idle */
		from_ms = 1;
	}
	/* at k ms the thread that ran [k-1, k) wakes the other and blocks */
	for (k = from_ms; k < until_ms; k++) {
		int run = k % 2 ? 101 : 102, next = k % 2 ? 102 : 101;
		unsigned cpu = k % 2 ? 0 : 1, ncpu = k % 2 ? 1 : 0;

		wake(o, k * MS, cpu, ncpu, run, next);
		sw(o, k * MS, cpu, run, EVENT_STATE_INTERRUPTIBLE, 0);
		sw(o, k * MS, ncpu, 0, EVENT_STATE_RUNNING, next);
	}
}

/* pingpong: see the file comment. */
static int mk_pingpong(struct out *o)
{
	pingpong_events(o, 0, 20);
	/* at 20 pong blocks without waking ping: both blocked until 21 */
	sw(o, 20 * MS, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
	return out_close(o, 21 * MS);
}

/* preempt: see the file comment. */
static int mk_preempt(struct out *o)
{
	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "worker");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, 0, 1, -1, EVENT_STATE_RUNNING, 0);
	sw(o, 4 * MS, 0, 101, EVENT_STATE_PREEMPTED, -1);     /* another program takes CPU0 */
	sw(o, 6 * MS, 0, -1, EVENT_STATE_RUNNING, 101);       /* and gives it back */
	sw(o, 10 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0); /* worker sleeps */
	return out_close(o, 12 * MS);
}

/* lifecycle: see the file comment. */
static int mk_lifecycle(struct out *o)
{
	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "main");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, 0, 1, -1, EVENT_STATE_RUNNING, 0);
	ev(o, 1 * MS, EVENT_MARK, 0, 101, 0, 1, "start");
	ev(o, 2 * MS, EVENT_FORK, 0, 101, 102, 0, "main");
	ev(o, 2 * MS, EVENT_WAKEUP_NEW, 1, 102, 0, 1, NULL);
	sw(o, 2 * MS + 500 * US, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0); /* main waits (join) */
	sw(o, 3 * MS, 1, 0, EVENT_STATE_RUNNING, 102);
	ev(o, 3 * MS, EVENT_RENAME, 1, 102, 0, 0, "worker-1");
	ev(o, 4 * MS + 500 * US, EVENT_MARK, 1, 102, 0, 50, "half");
	/* as the kernel reports an exit: the exit event, the wakeup of the
	 * joiner, then the last switch-out */
	ev(o, 6 * MS, EVENT_EXIT, 1, 102, 0, 0, "worker-1");
	wake(o, 6 * MS, 1, 0, 102, 101);
	sw(o, 6 * MS, 1, 102, EVENT_STATE_DEAD, 0);
	sw(o, 6 * MS + 500 * US, 0, 0, EVENT_STATE_RUNNING, 101);
	ev(o, 8 * MS, EVENT_EXIT, 0, 101, 0, 0, "main");
	sw(o, 8 * MS, 0, 101, EVENT_STATE_ZOMBIE, 0);
	return out_close(o, 10 * MS);
}

/* childwait: see the file comment (cc and as: tids 201 and 202, each its
 * own process). */
static int mk_childwait(struct out *o)
{
	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "main");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, 0, 1, -1, EVENT_STATE_RUNNING, 0);
	ev_of(o, 1 * MS, EVENT_FORK, 0, 101, 100, 201, 201, 0, "cc");
	ev_of(o, 1 * MS, EVENT_FORK, 0, 101, 100, 202, 202, 0, "as");
	ev_of(o, 1 * MS + 100 * US, EVENT_WAKEUP_NEW, 1, 201, 201, 0, 0, 1, NULL);
	ev_of(o, 1 * MS + 100 * US, EVENT_WAKEUP_NEW, 1, 202, 202, 0, 0, 1, NULL);
	ev_of(o, 1 * MS + 200 * US, EVENT_SWITCH, 1, 0, 0, 201, 201, EVENT_STATE_RUNNING, NULL);
	ev_of(o, 1 * MS + 300 * US, EVENT_SWITCH, 1, 201, 201, 202, 202, EVENT_STATE_INTERRUPTIBLE, NULL);
	ev_of(o, 1 * MS + 400 * US, EVENT_SWITCH, 1, 202, 202, 0, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	op(o, 2 * MS, EVENT_BLOCK, 0, 101, OP_SYS_WAIT, 0, 0);
	sw(o, 2 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	sw(o, 10 * MS + 500 * US, 0, 0, EVENT_STATE_RUNNING, -1); /* another program on each CPU */
	sw(o, 10 * MS + 600 * US, 0, -1, EVENT_STATE_RUNNING, 0);
	sw(o, 10 * MS + 700 * US, 1, 0, EVENT_STATE_RUNNING, -1);
	sw(o, 10 * MS + 800 * US, 1, -1, EVENT_STATE_RUNNING, 0);
	ev_of(o, 20 * MS, EVENT_WAKEUP, 1, 201, 201, 0, 0, 1, NULL);
	ev_of(o, 20 * MS, EVENT_SWITCH, 1, 0, 0, 201, 201, EVENT_STATE_RUNNING, NULL);
	ev_of(o, 20 * MS + 100 * US, EVENT_EXIT, 1, 201, 201, 0, 0, 0, "cc");
	ev_of(o, 20 * MS + 100 * US, EVENT_WAKING, 1, 201, 201, 101, 100, 0, NULL);
	ev(o, 20 * MS + 100 * US, EVENT_WAKEUP, 0, 101, 0, 0, NULL);
	ev_of(o, 20 * MS + 200 * US, EVENT_SWITCH, 1, 201, 201, 0, 0, EVENT_STATE_DEAD, NULL);
	sw(o, 20 * MS + 200 * US, 0, 0, EVENT_STATE_RUNNING, 101);
	return out_close(o, 21 * MS);
}

/* An event of process 100's thread tid with an op (EVENT_OBJECT: the
 * object kind; EVENT_BLOCK: the call) on arg, about thread tid2 (a block's
 * holder, or the thread joined) and named text. */
static void ev_op(struct out *o, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, uint32_t what,
		  int64_t arg, const char *text)
{
	put(o, ts, type, cpu, tid, 100, tid2, tid2 > 0 ? 100 : 0, what, arg, 0, text);
}

/* joindeadlock: see the file comment. */
static int mk_joindeadlock(struct out *o)
{
	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "main");
	ev(o, 0, EVENT_THREAD, 1, 102, 0, 'R', "loader");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, 0, 1, 0, EVENT_STATE_RUNNING, 102);
	ev_op(o, 0, EVENT_OBJECT, 0, 101, 0, OP_KIND_MUTEX, 0x300, "config_lock");
	ev_op(o, 1 * MS, EVENT_BLOCK, 1, 102, 101, OP_MUTEX_LOCK, 0x300, NULL);
	sw(o, 1 * MS, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
	ev_op(o, 2 * MS, EVENT_BLOCK, 0, 101, 102, OP_JOIN, 0, NULL);
	sw(o, 2 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	return out_close(o, 3 * MS);
}

/* lost: see the file comment. */
static int mk_lost(struct out *o)
{
	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "spin-a");
	ev(o, 0, EVENT_THREAD, 1, 102, 0, 'R', "spin-b");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, 0, 1, 0, EVENT_STATE_RUNNING, 102);
	ev(o, 5 * MS, EVENT_LOST, 1, 0, 0, 17, NULL);
	sw(o, 10 * MS, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	sw(o, 10 * MS, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
	return out_close(o, 10 * MS);
}

/* glyphs: see the file comment. */
static int mk_glyphs(struct out *o)
{
	static const struct {
		const char *name;
		unsigned call;   /* EVENT_CALL, EVENT_SYSCALL, or 0 for none */
		uint32_t op;
		int64_t state;   /* switch-out state */
	} w[12] = {
		{ "mutex", EVENT_CALL, OP_MUTEX_LOCK, EVENT_STATE_INTERRUPTIBLE },
		{ "rwlock", EVENT_CALL, OP_RWLOCK_WRLOCK, EVENT_STATE_INTERRUPTIBLE },
		{ "cond", EVENT_CALL, OP_COND_WAIT, EVENT_STATE_INTERRUPTIBLE },
		{ "barrier", EVENT_CALL, OP_BARRIER_WAIT, EVENT_STATE_INTERRUPTIBLE },
		{ "sem", EVENT_CALL, OP_SEM_WAIT, EVENT_STATE_INTERRUPTIBLE },
		{ "join", EVENT_CALL, OP_JOIN, EVENT_STATE_INTERRUPTIBLE },
		{ "futex", EVENT_SYSCALL, OP_SYS_FUTEX, EVENT_STATE_INTERRUPTIBLE },
		{ "sleep", EVENT_SYSCALL, OP_SYS_SLEEP, EVENT_STATE_INTERRUPTIBLE },
		{ "read", EVENT_SYSCALL, OP_SYS_READ, EVENT_STATE_INTERRUPTIBLE },
		{ "disk", 0, 0, EVENT_STATE_UNINTERRUPTIBLE },
		{ "plain", 0, 0, EVENT_STATE_INTERRUPTIBLE },
		{ "spin", EVENT_CALL, OP_SPIN_LOCK, EVENT_STATE_INTERRUPTIBLE },
	};
	const int64_t obj = 0x1000, obj2 = 0x2000;
	unsigned i;

	for (i = 0; i < 12; i++)
		ev(o, 0, EVENT_THREAD, 0, 101 + (int)i, 0, 'S', w[i].name);
	sw(o, 0, 0, -1, EVENT_STATE_RUNNING, 0);
	sw(o, 0, 1, -1, EVENT_STATE_RUNNING, 0);
	ev(o, 0, EVENT_OBJECT, 0, 100, 0, obj, "lock");
	for (i = 0; i < 12; i++) {
		uint64_t t = i * 400 * US;
		int tid = 101 + (int)i;
		int64_t second = w[i].op == OP_COND_WAIT ? obj2 : w[i].op == OP_JOIN ? 101 : 0;

		wake(o, t, 0, 0, -1, tid);
		sw(o, t, 0, 0, EVENT_STATE_RUNNING, tid);
		if (w[i].call)
			op(o, t + 200 * US, w[i].call, 0, tid, w[i].op, obj, second);
		if (w[i].op == OP_SPIN_LOCK) {
			op(o, t + 400 * US, EVENT_RETURN, 0, tid, w[i].op, 0, 0);
			sw(o, t + 400 * US, 0, tid, w[i].state, 0);
		} else {
			sw(o, t + 200 * US, 0, tid, w[i].state, 0);
		}
	}
	for (i = 0; i < 12; i++) {
		uint64_t t = 6 * MS + i * 400 * US;
		int tid = 101 + (int)i;

		wake(o, t, 1, 1, -1, tid);
		sw(o, t, 1, 0, EVENT_STATE_RUNNING, tid);
		if (w[i].call && w[i].op != OP_SPIN_LOCK)
			op(o, t + 200 * US, w[i].call == EVENT_CALL ? EVENT_RETURN : EVENT_SYSRET, 1, tid, w[i].op, 0, 0);
		ev(o, t + 400 * US, EVENT_EXIT, 1, tid, 0, 0, w[i].name);
		sw(o, t + 400 * US, 1, tid, EVENT_STATE_DEAD, 0);
	}
	return out_close(o, 11 * MS);
}

/* wide: see the file comment. */
static int mk_wide(struct out *o)
{
	static const unsigned cpus[6] = { 0, 2, 4, 6, 9, 11 };
	static const char *const names[6] = { "t0", "t2", "t4", "t6", "t9", "t11" };
	unsigned i, c;

	for (i = 0; i < 6; i++)
		ev(o, 0, EVENT_THREAD, 0, 101 + (int)i, 0, 'S', names[i]);
	for (c = 0; c < 12; c++)
		sw(o, 0, c, -1, EVENT_STATE_RUNNING, 0); /* every CPU idle from 0 */
	for (i = 0; i < 6; i++) {
		wake(o, i * MS, i ? cpus[i - 1] : cpus[i], cpus[i], i ? 100 + (int)i : -1, 101 + (int)i);
		sw(o, i * MS, cpus[i], 0, EVENT_STATE_RUNNING, 101 + (int)i);
		sw(o, (i + 1) * MS, cpus[i], 101 + (int)i, EVENT_STATE_INTERRUPTIBLE, 0);
	}
	return out_close(o, 6 * MS);
}

/* cutoff: pingpong whose last chunk is cut in half and has no end record. */
static int mk_cutoff(struct out *o)
{
	const char *path = o->path;
	struct stat st;
	off_t keep;
	int r;

	pingpong_events(o, 0, 10);
	if (!o->err)
		o->err = trace_writer_flush(o->w); /* chunk: [0, 10) */
	if (!o->err)
		o->err = stat(path, &st) ? -errno : 0;
	keep = st.st_size;
	pingpong_events(o, 10, 20);
	r = out_close(o, 21 * MS);
	if (r)
		return r;
	/* cut the last chunk in half: what a kill -9 during a write leaves */
	if (stat(path, &st))
		return -errno;
	if (truncate(path, keep + (st.st_size - keep) / 2))
		return -errno;
	return 0;
}

/* --threads: n threads, one after the other (see the file comment). */
static int mk_threads(struct out *o, unsigned n)
{
	unsigned i;
	char name[16];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "t%u", i + 1);
		ev(o, 0, EVENT_THREAD, 0, 1001 + (int)i, 0, 'S', name);
	}
	sw(o, 0, 0, -1, EVENT_STATE_RUNNING, 0);
	sw(o, 0, 1, -1, EVENT_STATE_RUNNING, 0);
	for (i = 0; i < n; i++) {
		uint64_t t = (uint64_t)i * 10 * US;
		unsigned cpu = i % 2;

		wake(o, t, cpu, cpu, -1, 1001 + (int)i);
		sw(o, t, cpu, 0, EVENT_STATE_RUNNING, 1001 + (int)i);
		sw(o, t + 5 * US, cpu, 1001 + (int)i, EVENT_STATE_INTERRUPTIBLE, 0);
	}
	return out_close(o, (uint64_t)n * 10 * US);
}

/* mktrace --threads N FILE */
static int make_threads(const char *count, const char *path)
{
	struct out o = { 0 };
	char *end;
	unsigned long n = strtoul(count, &end, 10);
	int r;

	if (*count < '1' || *count > '9' || *end || n > 1000000) {
		fprintf(stderr, "mktrace: --threads takes a count from 1 to 1000000, not '%s'\n", count);
		return 2;
	}
	if (out_open(&o, path, 2, "threads"))
		return 1;
	r = mk_threads(&o, (unsigned)n);
	if (r) {
		fprintf(stderr, "mktrace: %s: %s\n", path, strerror(-r));
		return 1;
	}
	return 0;
}

/* gap: see the file comment. */
static int mk_gap(struct out *o)
{
	const uint64_t far = 1ull << 63;

	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "gap");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, far, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	return out_close(o, far);
}

#define MANY_THREADS 100000

/* Main (101) starts child process 500 at t and waits for it in a
 * followed wait4, seen only as system call events (no block, no libc
 * call: a trace recorded with --calls, or of a static program); the child
 * runs on CPU1, exits at t + 50 us and wakes it. */
static void child_wait(struct out *o, uint64_t t)
{
	ev_of(o, t, EVENT_FORK, 0, 101, 100, 500, 500, 0, "kid");
	ev_of(o, t, EVENT_WAKEUP_NEW, 1, 500, 500, 0, 0, 1, NULL);
	put(o, t + 1 * US, EVENT_SYSCALL, 0, 101, 100, 0, 0, OP_SYS_WAIT, -1, 0, NULL);
	sw(o, t + 1 * US, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	ev_of(o, t + 2 * US, EVENT_SWITCH, 1, 0, 0, 500, 500, EVENT_STATE_RUNNING, NULL);
	ev_of(o, t + 50 * US, EVENT_EXIT, 1, 500, 500, 0, 0, 0, "kid");
	ev_of(o, t + 50 * US, EVENT_WAKING, 1, 500, 500, 101, 100, 0, NULL);
	ev(o, t + 50 * US, EVENT_WAKEUP, 0, 101, 0, 0, NULL);
	ev_of(o, t + 50 * US, EVENT_SWITCH, 1, 500, 500, 0, 0, EVENT_STATE_DEAD, NULL);
	sw(o, t + 51 * US, 0, 0, EVENT_STATE_RUNNING, 101);
	put(o, t + 52 * US, EVENT_SYSRET, 0, 101, 100, 0, 0, OP_SYS_WAIT, 500, 0, NULL);
}

/* Where mk_many's main waits for a child process (child_wait). */
enum many_wait { MANY_NO_WAIT, MANY_WAIT_FIRST, MANY_WAIT_LAST };

/* threads100k, lockers100k, earlywait100k and latewait100k (see the file
 * comment): main creates MANY_THREADS threads one after the other, each
 * running on CPU1, then exiting, or blocking for good on a mutex of its
 * own that main holds; before or after them, main may wait for a child
 * process (child_wait). */
static int mk_many(struct out *o, bool lockers, enum many_wait wait)
{
	uint64_t t = 0, start = wait == MANY_WAIT_FIRST ? 100 * US : 0;
	int k;

	trace_writer_set_compression(o->w, 6);
	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "main");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(o, 0, 1, 0, EVENT_STATE_RUNNING, 0);
	if (wait == MANY_WAIT_FIRST)
		child_wait(o, 0);
	for (k = 0; k < MANY_THREADS && !o->err; k++) {
		int tid = 1000 + k;
		char name[16];

		t = start + (uint64_t)k * 10 * US;
		snprintf(name, sizeof(name), "w%d", k);
		ev(o, t, EVENT_FORK, 0, 101, tid, 0, name);
		ev(o, t, EVENT_WAKEUP_NEW, 1, tid, 0, 1, NULL);
		sw(o, t + 2 * US, 1, 0, EVENT_STATE_RUNNING, tid);
		if (lockers) {
			ev_op(o, t + 3 * US, EVENT_BLOCK, 1, tid, 101, OP_MUTEX_LOCK, 0x100000 + 64 * (int64_t)k, NULL);
			sw(o, t + 3 * US, 1, tid, EVENT_STATE_INTERRUPTIBLE, 0);
		} else {
			ev(o, t + 3 * US, EVENT_EXIT, 1, tid, 0, 0, name);
			sw(o, t + 3 * US, 1, tid, EVENT_STATE_DEAD, 0);
		}
	}
	if (wait == MANY_WAIT_LAST) {
		child_wait(o, t + 5 * US);
		t += 100 * US;
	}
	if (!lockers)
		sw(o, t + 5 * US, 0, 101, EVENT_STATE_INTERRUPTIBLE, 0);
	return out_close(o, t + 10 * US);
}

/* threads100k: see the file comment. */
static int mk_threads100k(struct out *o)
{
	return mk_many(o, false, MANY_NO_WAIT);
}

/* lockers100k: see the file comment. */
static int mk_lockers100k(struct out *o)
{
	return mk_many(o, true, MANY_NO_WAIT);
}

/* earlywait100k: see the file comment. */
static int mk_earlywait100k(struct out *o)
{
	return mk_many(o, false, MANY_WAIT_FIRST);
}

/* latewait100k: see the file comment. */
static int mk_latewait100k(struct out *o)
{
	return mk_many(o, false, MANY_WAIT_LAST);
}

/* missedlate: see the file comment. */
static int mk_missedlate(struct out *o)
{
	uint64_t t;
	bool missed = false;
	int on = 103, off = 104;

	ev(o, 0, EVENT_THREAD, 0, 101, 0, 'R', "a");
	ev(o, 0, EVENT_THREAD, 0, 102, 0, 'S', "b");
	ev(o, 0, EVENT_THREAD, 0, 103, 0, 'R', "c");
	ev(o, 0, EVENT_THREAD, 0, 104, 0, 'S', "d");
	sw(o, 0, 0, 0, EVENT_STATE_RUNNING, 103);
	sw(o, 0, 1, 0, EVENT_STATE_RUNNING, 101);
	for (t = 40 * US; t < 20000 * MS && !o->err; t += 40 * US) {
		int was = on;

		if (!missed && t >= 500 * MS) {
			sw(o, 500 * MS, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
			missed = true;
		}
		wake(o, t, 0, 0, on, off);
		sw(o, t, 0, on, EVENT_STATE_INTERRUPTIBLE, off);
		on = off;
		off = was;
	}
	return out_close(o, 20000 * MS);
}

/* The terminal controls of the hostile trace: clear screen, window title
 * (OSC 0 ended by BEL), clipboard (OSC 52), CR, BS, DEL, CSI as U+009B and
 * as a raw byte; 35 bytes. SHORT_CONTROLS fits the 31-byte fields. */
#define CONTROLS "\x1b[2J\x1b]0;owned\x07\x1b]52;c;aGk=\x07\r\b\x7f\xc2\x9b" "1m\x9b"
#define SHORT_CONTROLS "\x1b]0;t\x07\x1b[2J\r\b\x7f\x9b"

/* hostile: see the file comment. Writes its own info record. */
static int mk_hostile(const char *path)
{
	struct trace_info info;
	struct out o = { 0 };
	const int64_t lock = 0x1000;

	memset(&info, 0, sizeof(info));
	snprintf(info.host, sizeof(info.host), "host" CONTROLS);
	snprintf(info.kernel, sizeof(info.kernel), "kernel" CONTROLS);
	snprintf(info.clock, sizeof(info.clock), "CLOCK" SHORT_CONTROLS);
	snprintf(info.command, sizeof(info.command), "command" CONTROLS " --arg " CONTROLS);
	snprintf(info.version, sizeof(info.version), "v" SHORT_CONTROLS);
	info.ncpus = 2;
	info.start_realtime_ns = 1790000000ull * 1000000000ull;
	info.target_pid = 100;
	o.err = trace_writer_new(&o.w, path, &info);
	if (o.err)
		return o.err;
	trace_writer_set_compression(o.w, 0);
	ev(&o, 0, EVENT_THREAD, 0, 101, 0, 'R', "main" CONTROLS);
	sw(&o, 0, 0, 0, EVENT_STATE_RUNNING, 101);
	sw(&o, 0, 1, -1, EVENT_STATE_RUNNING, 0);
	ev(&o, 0, EVENT_OBJECT, 0, 101, 0, lock, "lock" CONTROLS);
	ev(&o, 1 * MS, EVENT_MARK, 0, 101, 0, 7, "mark" CONTROLS);
	op(&o, 1 * MS, EVENT_CALL, 0, 101, OP_MUTEX_LOCK, lock, 0);
	op(&o, 1 * MS, EVENT_RETURN, 0, 101, OP_MUTEX_LOCK, 0, 0);
	ev(&o, 2 * MS, EVENT_FORK, 0, 101, 102, 0, "child" CONTROLS);
	ev(&o, 2 * MS, EVENT_WAKEUP_NEW, 1, 102, 0, 1, NULL);
	sw(&o, 3 * MS, 1, 0, EVENT_STATE_RUNNING, 102);
	ev(&o, 3 * MS, EVENT_RENAME, 1, 102, 0, 0, "worker" CONTROLS);
	op(&o, 3 * MS + 500 * US, EVENT_CALL, 1, 102, OP_MUTEX_LOCK, lock, 0);
	sw(&o, 3 * MS + 500 * US, 1, 102, EVENT_STATE_INTERRUPTIBLE, 0);
	op(&o, 4 * MS, EVENT_CALL, 0, 101, OP_MUTEX_UNLOCK, lock, 0);
	wake(&o, 4 * MS, 0, 1, 101, 102);
	op(&o, 4 * MS, EVENT_RETURN, 0, 101, OP_MUTEX_UNLOCK, 0, 0);
	sw(&o, 4 * MS, 1, 0, EVENT_STATE_RUNNING, 102);
	op(&o, 4 * MS, EVENT_RETURN, 1, 102, OP_MUTEX_LOCK, 0, 0);
	ev(&o, 5 * MS, EVENT_EXEC, 1, 102, 0, 102, "exec" CONTROLS);
	ev(&o, 6 * MS, EVENT_EXIT, 1, 102, 0, 0, "exec" CONTROLS);
	wake(&o, 6 * MS, 1, 0, 102, 101);
	sw(&o, 6 * MS, 1, 102, EVENT_STATE_DEAD, 0);
	ev(&o, 8 * MS, EVENT_EXIT, 0, 101, 0, 0, "main" CONTROLS);
	sw(&o, 8 * MS, 0, 101, EVENT_STATE_ZOMBIE, 0);
	return out_close(&o, 10 * MS);
}

/* damaged: see the file comment. */
static int mk_damaged(const char *path)
{
	struct out o = { 0 };
	off_t chunk[4];
	struct stat st;
	int fd, r;
	unsigned k;
	uint8_t b;

	if (out_open(&o, path, 2, "damaged"))
		return o.err;
	trace_writer_set_compression(o.w, 0);
	for (k = 0; k < 3 && !o.err; k++) {
		o.err = stat(path, &st) ? -errno : 0;
		chunk[k] = st.st_size; /* where event chunk k + 1 starts */
		pingpong_events(&o, 10 * k, 10 * (k + 1));
		if (!o.err && k < 2)
			o.err = trace_writer_flush(o.w);
	}
	r = out_close(&o, 31 * MS);
	if (r)
		return r;
	if (stat(path, &st))
		return -errno;
	chunk[3] = st.st_size;
	/* flip one byte in the middle of chunk 2's payload */
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	r = pread(fd, &b, 1, (chunk[1] + chunk[2]) / 2) == 1 ? 0 : -EIO;
	b ^= 0x10;
	if (!r)
		r = pwrite(fd, &b, 1, (chunk[1] + chunk[2]) / 2) == 1 ? 0 : -EIO;
	if (close(fd) && !r)
		r = -errno;
	return r;
}

struct maker {
	const char *name;
	unsigned ncpus;
	const char *what;
	int (*write)(struct out *o);     /* its events, into a file opened for it */
	int (*own)(const char *path);    /* or: a file it writes itself */
};

static const struct maker makers[] = {
	{ "pingpong", 2, "two threads hand a token back and forth every 1 ms on 2 CPUs", mk_pingpong, NULL },
	{ "preempt", 2, "a thread preempted by another program for 2 ms", mk_preempt, NULL },
	{ "lifecycle", 2, "a thread created, renamed, marking, exiting; its creator waits and exits", mk_lifecycle,
	  NULL },
	{ "lost", 2, "two spinning threads and 17 events lost on CPU1", mk_lost, NULL },
	{ "glyphs", 2, "one thread blocked in each way conctop tells apart, and one spinning", mk_glyphs, NULL },
	{ "wide", 12, "six threads on CPUs 0 to 11, one after the other", mk_wide, NULL },
	{ "childwait", 2, "a process waits for any of its two children; the one that ends it, at the end",
	  mk_childwait, NULL },
	{ "joindeadlock", 2, "a deadlock of a mutex and a join", mk_joindeadlock, NULL },
	{ "cutoff", 2, "pingpong cut off in its last chunk (no end record)", mk_cutoff, NULL },
};

/* The hostile traces: written only when named. */
static const struct maker hostile_makers[] = {
	{ "gap", 1, "hostile: two switches 2^63 ns apart (only when named)", mk_gap, NULL },
	{ "threads100k", 2, "hostile: 100 000 short-lived threads (only when named)", mk_threads100k, NULL },
	{ "lockers100k", 2, "hostile: 100 000 threads blocked on 100 000 mutexes (only when named)", mk_lockers100k,
	  NULL },
	{ "earlywait100k", 2, "hostile: a wait for a child process, then 100 000 short-lived threads (only when named)",
	  mk_earlywait100k, NULL },
	{ "latewait100k", 2, "hostile: 100 000 short-lived threads, then a wait for a child process (only when named)",
	  mk_latewait100k, NULL },
	{ "missedlate", 2, "big: a switch missed long before it is found, 1.5 M events (only when named)",
	  mk_missedlate, NULL },
	{ "hostile", 2, "hostile: terminal controls in every string of the file (only when named)", NULL,
	  mk_hostile },
	{ "damaged", 2, "hostile: pingpong in three chunks, the middle one damaged (only when named)", NULL,
	  mk_damaged },
};

/* The maker called name, among all, or NULL. */
static const struct maker *find_maker(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(makers) / sizeof(makers[0]); i++)
		if (!strcmp(makers[i].name, name))
			return &makers[i];
	for (i = 0; i < sizeof(hostile_makers) / sizeof(hostile_makers[0]); i++)
		if (!strcmp(hostile_makers[i].name, name))
			return &hostile_makers[i];
	return NULL;
}

/* Writes one trace; returns 0 or 1. */
static int make(const char *dir, const struct maker *m)
{
	char path[4096];
	struct out o = { 0 };
	int r;

	snprintf(path, sizeof(path), "%s/%s.ctrace", dir, m->name);
	if (m->own) {
		r = m->own(path);
		if (r)
			fprintf(stderr, "mktrace: %s: %s\n", path, strerror(-r));
		return r ? 1 : 0;
	}
	if (out_open(&o, path, m->ncpus, m->name))
		return 1;
	/* stored, not deflated: a hex dump of these files shows their records */
	trace_writer_set_compression(o.w, 0);
	r = m->write(&o);
	if (r) {
		fprintf(stderr, "mktrace: %s: %s\n", path, strerror(-r));
		return 1;
	}
	return 0;
}

/* mktrace DIR [NAME...] */
int main(int argc, char **argv)
{
	size_t i, n = sizeof(makers) / sizeof(makers[0]);
	int a, status = 0;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < n; i++)
			printf("%-10s %s\n", makers[i].name, makers[i].what);
		for (i = 0; i < sizeof(hostile_makers) / sizeof(hostile_makers[0]); i++)
			printf("%-10s %s\n", hostile_makers[i].name, hostile_makers[i].what);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--threads"))
		return make_threads(argv[2], argv[3]);
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mktrace DIR [NAME...]   (writes DIR/NAME.ctrace; mktrace --list names them)\n"
				"       mktrace --threads N FILE   (N threads, one after the other)\n");
		return 2;
	}
	if (argc == 2) {
		for (i = 0; i < n; i++)
			status |= make(argv[1], &makers[i]);
		return status;
	}
	for (a = 2; a < argc; a++) {
		const struct maker *m = find_maker(argv[a]);

		if (!m) {
			fprintf(stderr, "mktrace: no trace called '%s' (mktrace --list)\n", argv[a]);
			return 2;
		}
		status |= make(argv[1], m);
	}
	return status;
}
