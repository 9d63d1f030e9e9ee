/* Unit tests of core/waits.c: holders, causes, joins, labels, deadlocks. */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "waits.h"

static struct waits *w;

/* Feeds one event. */
static void ev(uint64_t ts, unsigned type, int tid, unsigned op, uint64_t arg, uint64_t arg2, const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.tid = tid;
	e.tgid = 100;
	e.op = op;
	e.arg = (int64_t)arg;
	e.arg2 = (int64_t)arg2;
	if (text)
		strcpy(e.text, text);
	waits_add(w, &e);
}

/* Mutex holders, a blocked lock's cause, and cond waits releasing the mutex. */
static void test_mutex_and_cond(void)
{
	struct waits_cause c;
	char label[64];

	waits_new(&w);
	ev(1, EVENT_OBJECT, 101, OP_KIND_MUTEX, 0x5000, 0, "count_lock");
	ev(1, EVENT_CALL, 101, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	ev(2, EVENT_RETURN, 101, OP_MUTEX_LOCK, 0, 0, NULL);
	ev(3, EVENT_CALL, 102, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	ev(4, EVENT_SYSCALL, 102, OP_SYS_FUTEX, 0x5000, 0, NULL);
	waits_current(w, 102, &c);
	CHECK(c.kind == WAIT_MUTEX && c.op == OP_MUTEX_LOCK && c.holder == 101 && c.since == 3,
	      "waits: a thread in mutex_lock waits on the mutex, held by the locker");
	waits_object_label(w, c.object, label, sizeof(label));
	CHECK(strcmp(label, "count_lock") == 0, "waits: the object carries its symbol name");
	waits_current(w, 101, &c);
	CHECK(c.kind == WAIT_NONE && c.object == -1, "waits: the holder is inside nothing");
	ev(5, EVENT_CALL, 101, OP_MUTEX_UNLOCK, 0x5000, 0, NULL);
	CHECK(waits_object(w, 0)->holder == 0, "waits: unlock releases the mutex");
	ev(6, EVENT_SYSRET, 102, OP_SYS_FUTEX, 0, 0, NULL);
	ev(6, EVENT_RETURN, 102, OP_MUTEX_LOCK, 0, 0, NULL);
	CHECK(waits_object(w, 0)->holder == 102 && waits_object(w, 0)->held_since == 6,
	      "waits: the waiter takes it when its lock returns");
	ev(7, EVENT_CALL, 102, OP_COND_WAIT, 0x6000, 0x5000, NULL);
	waits_current(w, 102, &c);
	CHECK(c.kind == WAIT_COND && waits_object(w, 0)->holder == 0,
	      "waits: a cond wait is a cond wait, and releases its mutex");
	waits_object_label(w, c.object, label, sizeof(label));
	CHECK(strcmp(label, "cond@6000") == 0, "waits: an unnamed object is its kind and address");
	ev(8, EVENT_RETURN, 102, OP_COND_WAIT, 0, 0, NULL);
	ev(9, EVENT_CALL, 103, OP_MUTEX_TRYLOCK, 0x5000, 0, NULL);
	ev(9, EVENT_RETURN, 103, OP_MUTEX_TRYLOCK, 16 /* EBUSY */, 0, NULL);
	CHECK(waits_object(w, 0)->holder == 0, "waits: a failed trylock takes nothing");
	ev(10, EVENT_SYSCALL, 103, OP_SYS_SLEEP, 0, 0, NULL);
	waits_current(w, 103, &c);
	CHECK(c.kind == WAIT_SLEEP, "waits: outside the pthread calls, a sleep is a sleep");
	ev(11, EVENT_OBJECT, 104, OP_KIND_COND, 0x7f3a9b1234c0, 0, "_PyRuntime+1234");
	ev(11, EVENT_CALL, 104, OP_COND_TIMEDWAIT, 0x7f3a9b1234c0, 0x7f3a9b123400, NULL);
	waits_current(w, 104, &c);
	waits_object_label(w, c.object, label, sizeof(label));
	CHECK(c.kind == WAIT_COND && strcmp(label, "GIL") == 0, "waits: CPython's GIL is recognised by its symbol");
	waits_object_label(w, waits_object_count(w) - 1, label, sizeof(label));
	CHECK(strcmp(label, "mutex@7f3a9b123400") == 0, "waits: an unnamed object is its kind and whole address");
	ev(12, EVENT_OBJECT, 104, OP_KIND_COND, 0x8028, 0, "start_gun+40");
	waits_object_label(w, waits_find(w, 100, 0x8028), label, sizeof(label));
	CHECK(strcmp(label, "start_gun") == 0, "waits: a cond an older conctop named start_gun+40 is start_gun");
	ev(12, EVENT_OBJECT, 104, OP_KIND_MUTEX, 0x8000, 0, "start_gun");
	waits_object_label(w, waits_find(w, 100, 0x8000), label, sizeof(label));
	CHECK(strcmp(label, "start_gun") == 0, "waits: the mutex at the struct's start keeps its name");
	CHECK(waits_deadlock_count(w) == 0, "waits: no deadlock in all this");
	waits_free(w);
}

/* Three philosophers each holding one fork and waiting for the next. */
static void test_deadlock(void)
{
	const struct waits_deadlock *d;
	int i;

	waits_new(&w);
	for (i = 0; i < 3; i++) {
		ev(10 + (uint64_t)i, EVENT_CALL, 201 + i, OP_MUTEX_LOCK, 0x100 + 8 * (uint64_t)i, 0, NULL);
		ev(10 + (uint64_t)i, EVENT_RETURN, 201 + i, OP_MUTEX_LOCK, 0, 0, NULL);
	}
	ev(20, EVENT_CALL, 201, OP_MUTEX_LOCK, 0x108, 0, NULL);
	ev(21, EVENT_CALL, 202, OP_MUTEX_LOCK, 0x110, 0, NULL);
	CHECK(waits_deadlock_count(w) == 0, "waits: two of three waiting is no deadlock yet");
	ev(22, EVENT_CALL, 203, OP_MUTEX_LOCK, 0x100, 0, NULL);
	d = waits_deadlock(w, 0);
	CHECK(waits_deadlock_count(w) == 1 && d && d->at_ns == 22 && d->n == 3,
	      "waits: the third closes the cycle: a deadlock at that moment");
	CHECK(d && d->link[0].tid == 203 && d->link[0].holder == 201 && d->link[1].tid == 201 &&
		      d->link[1].holder == 202 && d->link[2].tid == 202 && d->link[2].holder == 203,
	      "waits: the cycle names who waits for whom");
	ev(23, EVENT_CALL, 203, OP_MUTEX_LOCK, 0x100, 0, NULL);
	CHECK(waits_deadlock_count(w) == 1, "waits: the same cycle is reported once");
	waits_free(w);
}

/* A join waits for the thread whose pointer the fork carried. */
static void test_join(void)
{
	struct waits_cause c;
	struct event f;

	waits_new(&w);
	memset(&f, 0, sizeof(f));
	f.type = EVENT_FORK;
	f.tid = 301;
	f.tgid = 100;
	f.tid2 = 302;
	f.tgid2 = 100;
	f.arg = 0x7000;
	waits_add(w, &f);
	ev(5, EVENT_CALL, 301, OP_JOIN, 0x7000, 0, NULL);
	waits_current(w, 301, &c);
	CHECK(c.kind == WAIT_JOIN && c.target == 302, "waits: a join waits for the thread created with that pointer");
	waits_free(w);

	/* the joiner holds a mutex the joined thread needs: a deadlock of two */
	waits_new(&w);
	waits_add(w, &f);
	ev(6, EVENT_CALL, 301, OP_MUTEX_LOCK, 0x900, 0, NULL);
	ev(6, EVENT_RETURN, 301, OP_MUTEX_LOCK, 0, 0, NULL);
	ev(7, EVENT_CALL, 302, OP_MUTEX_LOCK, 0x900, 0, NULL);
	CHECK(waits_deadlock_count(w) == 0, "waits: waiting for a holder that runs is no deadlock");
	ev(8, EVENT_CALL, 301, OP_JOIN, 0x7000, 0, NULL);
	CHECK(waits_deadlock_count(w) == 1 && waits_deadlock(w, 0)->n == 2,
	      "waits: joining the thread that waits for your mutex is a deadlock");
	waits_free(w);
}

/* Feeds a block (EVENT_BLOCK) of tid in op on obj, with holder/target. */
static void block(uint64_t ts, int tid, unsigned op, uint64_t obj, int who)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = EVENT_BLOCK;
	e.tid = tid;
	e.tgid = 100;
	e.op = op;
	e.arg = (int64_t)obj;
	e.tid2 = who;
	waits_add(w, &e);
}

/* Feeds a switch from prev to next. */
static void sw(uint64_t ts, int prev, int next)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = EVENT_SWITCH;
	e.tid = prev;
	e.tid2 = next;
	waits_add(w, &e);
}

/* Attribution from blocks: the cause lasts until the thread is woken or
 * runs; holders come from the lock word; a cycle of blocks is a deadlock. */
static void test_blocks(void)
{
	struct waits_cause c;
	const struct waits_deadlock *d;
	char label[64];

	waits_new(&w);
	ev(1, EVENT_OBJECT, 101, OP_KIND_MUTEX, 0x5000, 0, "fork_1");
	ev(1, EVENT_OBJECT, 101, OP_KIND_MUTEX, 0x6000, 0, "fork_2");
	block(2, 101, OP_MUTEX_LOCK, 0x6000, 102);
	waits_current(w, 101, &c);
	CHECK(c.kind == WAIT_MUTEX && c.holder == 102 && c.since == 2,
	      "blocks: a block in mutex_lock waits on the mutex, held by the tid read from it");
	waits_object_label(w, c.object, label, sizeof(label));
	CHECK(strcmp(label, "fork_2") == 0, "blocks: the object keeps its name");
	CHECK(waits_deadlock_count(w) == 0, "blocks: one waiter is no deadlock");
	block(3, 102, OP_MUTEX_LOCK, 0x5000, 101);
	d = waits_deadlock(w, 0);
	CHECK(waits_deadlock_count(w) == 1 && d->n == 2 && d->at_ns == 3,
	      "blocks: two threads each blocked on the other's mutex are a deadlock, found at the second block");
	sw(4, 0, 101);
	waits_current(w, 101, &c);
	CHECK(c.kind == WAIT_NONE, "blocks: once the thread runs again, its block is over");
	block(5, 103, OP_COND_WAIT, 0x7000, 0);
	ev(6, EVENT_WAKING, 104, 0, 0, 0, NULL);
	waits_current(w, 103, &c);
	CHECK(c.kind == WAIT_COND, "blocks: a waking of another thread leaves the sleeper's cause");
	{
		/* the waker's CPU wakes it while it is still on its way to sleep */
		struct event e = { .ts = 6, .type = EVENT_WAKING, .tid = 104, .tgid = 100, .tid2 = 103 };
		struct event out = { .ts = 6, .type = EVENT_SWITCH, .tid = 103, .tgid = 100, .arg = 1 };

		waits_add(w, &e);
		waits_current(w, 103, &c);
		CHECK(c.kind == WAIT_COND,
		      "blocks: a waking before the sleeper has switched out leaves its cause for the sleep to come");
		waits_add(w, &out);
		waits_current(w, 103, &c);
		CHECK(c.kind == WAIT_COND, "blocks: ... and the sleep that follows is spent in that wait");
		e.type = EVENT_WAKEUP;
		e.tid = 103;
		waits_add(w, &e);
		waits_current(w, 103, &c);
		CHECK(c.kind == WAIT_NONE, "blocks: ... until its wakeup");
		e.type = EVENT_WAKING;
		e.tid = 104;
		block(6, 103, OP_COND_WAIT, 0x7000, 0);
		waits_add(w, &out);
		waits_add(w, &e);
	}
	waits_current(w, 103, &c);
	CHECK(c.kind == WAIT_NONE, "blocks: a waking of the sleeper once asleep ends its block (no stale wait-for edge)");
	block(7, 105, OP_SYS_FUTEX, 0x8000, 0);
	waits_current(w, 105, &c);
	waits_object_label(w, c.object, label, sizeof(label));
	CHECK(c.kind == WAIT_FUTEX && strncmp(label, "futex@", 6) == 0,
	      "blocks: an unknown futex word is labelled futex with its address");
	block(8, 106, OP_JOIN, 0x9000, 107);
	waits_current(w, 106, &c);
	CHECK(c.kind == WAIT_JOIN && c.target == 107, "blocks: a join names the thread joined");
	/* --calls: a recursive mutex's owner locks it again without sleeping */
	ev(9, EVENT_CALL, 110, OP_MUTEX_LOCK, 0xb000, 0, NULL);
	ev(9, EVENT_RETURN, 110, OP_MUTEX_LOCK, 0, 0, NULL);
	ev(9, EVENT_CALL, 110, OP_MUTEX_LOCK, 0xb000, 0, NULL);
	CHECK(waits_deadlock_count(w) == 1, "calls: re-locking a mutex one holds, without sleeping, is no deadlock");
	/* a thread blocked on a mutex it holds itself: a cycle of one */
	ev(9, EVENT_OBJECT, 109, OP_KIND_MUTEX, 0xa000, 0, "registry_lock");
	block(9, 109, OP_MUTEX_LOCK, 0xa000, 109);
	d = waits_deadlock(w, waits_deadlock_count(w) - 1);
	CHECK(waits_deadlock_count(w) == 2 && d->n == 1 && d->link[0].tid == 109 && d->link[0].holder == 109,
	      "blocks: sleeping on a mutex it holds itself is a deadlock of one thread");
	block(9, 108, OP_SYS_SLEEP, 0, 0);
	waits_current(w, 108, &c);
	CHECK(c.kind == WAIT_SLEEP && c.object < 0, "blocks: a sleep has no object");
	waits_free(w);
}

/* Feeds one event about processes: tid of process tgid, tid2 of tgid2. */
static void pev(unsigned type, int tid, int tgid, int tid2, int tgid2, unsigned op, int64_t arg, const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.type = (uint16_t)type;
	e.tid = tid;
	e.tgid = tgid;
	e.tid2 = tid2;
	e.tgid2 = tgid2;
	e.op = op;
	e.arg = arg;
	snprintf(e.text, sizeof(e.text), "%s", text ? text : "");
	waits_add(w, &e);
}

/* The label of what thread tid waits on now ("" for no object), and its kind. */
static enum waits_kind waiting_on(int tid, char *label, size_t len)
{
	struct waits_cause c;

	waits_current(w, tid, &c);
	label[0] = 0;
	if (c.object >= 0)
		waits_object_label(w, c.object, label, len);
	return (enum waits_kind)c.kind;
}

/* A wait4 or waitid names the child waited for: by its pid, or the only
 * child alive; with two alive and any child asked for, no child. */
static void test_children(void)
{
	char label[64];
	struct waits_cause c;

	waits_new(&w);
	pev(EVENT_FORK, 200, 200, 201, 201, 0, 0, "cc");
	pev(EVENT_EXEC, 201, 201, 0, 0, 0, 0, "cc1");
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_WAIT, 201, NULL);
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_CHILD && strcmp(label, "cc1(201)") == 0,
	      "children: a wait4 for a pid waits on that child, named by its exec");
	waits_current(w, 200, &c);
	CHECK(c.target == 201, "children: the child is the wait's target");
	pev(EVENT_FORK, 201, 201, 202, 201, 0, 0, "cc1");
	CHECK(waits_find(w, 201, 202) < 0, "children: a new thread is no child process");
	pev(EVENT_EXIT, 201, 201, 0, 0, 0, 0, "cc1");
	pev(EVENT_FORK, 200, 200, 203, 203, 0, 0, "cc");
	pev(EVENT_RENAME, 203, 203, 0, 0, 0, 0, "as");
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_WAIT, 0xffffffff, NULL); /* wait4(-1) in a 64-bit register */
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_CHILD && strcmp(label, "as(203)") == 0,
	      "children: a wait for any child, one alive, waits on that one");
	pev(EVENT_FORK, 200, 200, 204, 204, 0, 0, "cc");
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_WAIT, 0 /* waitid(P_ALL) */, NULL);
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_CHILD && !label[0],
	      "children: two alive, a wait for any child names none");
	pev(EVENT_EXIT, 204, 204, 0, 0, 0, 0, "cc");
	pev(EVENT_EXIT, 204, 204, 0, 0, 0, 0, "cc"); /* twice: counted once */
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_WAIT, -1, NULL);
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_CHILD && strcmp(label, "as(203)") == 0,
	      "children: after one exits the other is the only one");
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_WAIT, 4242, NULL);
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_CHILD && strcmp(label, "pid(4242)") == 0,
	      "children: a child never seen is named by its pid");
	CHECK(strcmp(waits_kind_name(WAIT_CHILD), "child") == 0, "children: the kind's name is child");
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_SIGWAIT, 0x7ffc47d8c2c0, NULL);
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_CHILD && strcmp(label, "as(203)") == 0,
	      "children: a sigsuspend with a child alive waits for it (a shell's wait builtin)");
	pev(EVENT_EXIT, 203, 203, 0, 0, 0, 0, "as");
	pev(EVENT_BLOCK, 200, 200, 0, 0, OP_SYS_SIGWAIT, 0x7ffc47d8c2c0, NULL);
	CHECK(waiting_on(200, label, sizeof(label)) == WAIT_SIGNAL && !label[0],
	      "children: with none alive it waits for a signal");
	waits_free(w);
}

/* A semaphore of a process running CPython is a Python Lock; one of
 * another process stays a semaphore. */
static void test_python_lock(void)
{
	char label[64];

	waits_new(&w);
	pev(EVENT_EXEC, 300, 300, 0, 0, 0, 0, "python3.11");
	pev(EVENT_BLOCK, 301, 300, 0, 0, OP_SEM_WAIT, 0x7f3a0010, NULL);
	CHECK(waiting_on(301, label, sizeof(label)) == WAIT_SEM && strcmp(label, "Python Lock@7f3a0010") == 0,
	      "python: a semaphore in a python process is a Python Lock");
	pev(EVENT_BLOCK, 401, 400, 0, 0, OP_SEM_WAIT, 0x7f3a0010, NULL);
	CHECK(waiting_on(401, label, sizeof(label)) == WAIT_SEM && strcmp(label, "sem@7f3a0010") == 0,
	      "python: a semaphore elsewhere is a semaphore");
	pev(EVENT_OBJECT, 400, 400, 0, 0, OP_KIND_MUTEX, 0x9000, "_PyRuntime+0x1a0");
	waiting_on(401, label, sizeof(label));
	CHECK(strcmp(label, "Python Lock@7f3a0010") == 0, "python: a process whose GIL is seen runs CPython");
	pev(EVENT_FORK, 300, 300, 302, 302, 0, 0, "python3.11");
	pev(EVENT_BLOCK, 302, 302, 0, 0, OP_SEM_WAIT, 0x5000, NULL);
	waiting_on(302, label, sizeof(label));
	CHECK(strcmp(label, "Python Lock@5000") == 0, "python: a fork of python is python");
	pev(EVENT_EXEC, 302, 302, 0, 0, 0, 0, "sh");
	pev(EVENT_BLOCK, 302, 302, 0, 0, OP_SEM_WAIT, 0x5008, NULL);
	waiting_on(302, label, sizeof(label));
	CHECK(strcmp(label, "sem@5008") == 0, "python: after an exec of another program, a semaphore again");
	waits_object_label(w, waits_find(w, 302, 0x5000), label, sizeof(label));
	CHECK(strcmp(label, "Python Lock@5000") == 0, "python: one used before that exec stays a Python Lock");
	pev(EVENT_OBJECT, 302, 302, 0, 0, OP_KIND_MUTEX, 0x9000, "_PyRuntime+0x1a0");
	waits_object_label(w, waits_find(w, 302, 0x5008), label, sizeof(label));
	CHECK(strcmp(label, "Python Lock@5008") == 0, "python: a GIL seen after the exec makes its semaphores Python's");
	waits_free(w);
}

/* Threads that exit are forgotten, and those alive keep what they are in
 * while the others' entries go around them (5 000 in a lock each, every
 * other one exiting); new threads take the places of those gone
 * (before, 20 000 more held 25 000 entries). */
static void test_forget(void)
{
	enum { N = 5000 };
	static int64_t object[N];
	struct waits_cause c;
	bool kept = true, gone = true;
	size_t peak;
	int i;

	waits_new(&w);
	for (i = 0; i < N; i++)
		ev(10 + (uint64_t)i, EVENT_CALL, 1000 + i, OP_MUTEX_LOCK, 0x10000 + 64 * (uint64_t)i, 0, NULL);
	for (i = 0; i < N; i++) {
		waits_current(w, 1000 + i, &c);
		object[i] = c.object;
	}
	peak = waits_memory(w);
	for (i = 1; i < N; i += 2)
		ev(10 + N + (uint64_t)i, EVENT_EXIT, 1000 + i, 0, 0, 0, NULL);
	for (i = 0; i < N; i++) {
		waits_current(w, 1000 + i, &c);
		if (i % 2)
			gone &= c.kind == WAIT_NONE && c.object == -1;
		else
			kept &= c.op == OP_MUTEX_LOCK && c.object >= 0 && c.object == object[i] &&
				c.since == 10 + (uint64_t)i;
	}
	CHECK(kept, "forget: 2 500 threads still in their locks after the 2 500 others exited, each in its own");
	CHECK(gone, "forget: the 2 500 that exited are inside nothing");
	for (i = 0; i < 4 * N; i++) { /* the same locks: no new object */
		uint64_t at = 20 + 2 * N + 2 * (uint64_t)i, lock = 0x10000 + 64 * (uint64_t)(i % N | 1);

		ev(at, EVENT_CALL, 100000 + i, OP_MUTEX_LOCK, lock, 0, NULL);
		if (i + 1 < 4 * N)
			ev(at + 1, EVENT_EXIT, 100000 + i, 0, 0, 0, NULL);
	}
	waits_current(w, 100000 + 4 * N - 1, &c);
	CHECK(waits_memory(w) == peak && c.object == object[N - 1],
	      "forget: 20 000 more threads, each taking a lock and exiting, take the places of those gone: the "
	      "memory of the peak, no more");
	waits_free(w);
}

/* Runs the wait tracker tests. */
int main(void)
{
	test_mutex_and_cond();
	test_deadlock();
	test_join();
	test_blocks();
	test_children();
	test_python_lock();
	test_forget();
	return check_summary();
}
