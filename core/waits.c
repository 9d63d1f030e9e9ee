/* The wait tracker: per-thread call stacks, object names and holders, and
 * the wait-for graph, from the attribution events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "glibc_sync.h"
#include "keyindex.h"
#include "mem.h"
#include "waits.h"

#define STACK_MAX 4
#define WAITS_IDTYPE_MAX 3 /* waitid's P_ALL, P_PID, P_PGID, P_PIDFD (0-3) */

/* A call a thread is inside. */
struct frame {
	uint32_t op;
	int64_t object; /* -1 none */
	int32_t target; /* join: the tid joined */
	uint64_t since;
};

struct wthread {
	int32_t tid;
	struct frame calls[STACK_MAX]; /* libc calls, innermost last */
	unsigned ncalls;
	struct frame sys;               /* the followed system call it is in */
	bool in_sys;
	struct frame blk;               /* what it went to sleep in (EVENT_BLOCK) */
	bool in_blk;                    /* until it is woken or runs again */
	bool blk_asleep;                /* it has switched out since the block */
	int32_t parent;                 /* a process's first thread: its parent's tgid, 0 unknown */
	uint32_t nchildren;             /* a process's first thread: its child processes alive */
	uint32_t child_xor;             /* the xor of their pids: the pid when there is one */
	bool python;                    /* a process's first thread: the process runs CPython */
	int64_t last_sem1;              /* and its last semaphore since its exec (index + 1), 0 none */
	int64_t releasing;              /* the object of the unlock or post it is inside, -1 none
					 * (those calls never block: not in calls; no return probe
					 * either: it lasts until its futex wake returns, or the
					 * thread's next call or other system call) */
};

struct waits {
	struct wthread *threads;
	size_t nthreads, tcap;
	struct keyindex by_tid;

	struct waits_object *objects;
	int64_t *sem_prev;        /* per object: a semaphore's process's previous one, -1 */
	size_t nobjects, ocap;
	struct keyindex by_addr;     /* (tgid, addr) hashed -> object */

	struct keyindex by_tls;      /* thread pointer -> tid (as value) */

	struct waits_deadlock *deadlocks;
	size_t ndeadlocks, dcap;

	size_t nblk;              /* threads in_blk: without any, scheduling events change nothing here */
};

static const char *const kind_names[WAIT_KIND_MAX] = {
	[WAIT_NONE] = "none", [WAIT_MUTEX] = "mutex", [WAIT_RWLOCK] = "rwlock", [WAIT_COND] = "cond",
	[WAIT_BARRIER] = "barrier", [WAIT_SEM] = "sem", [WAIT_JOIN] = "join", [WAIT_SPIN] = "spin",
	[WAIT_FUTEX] = "futex", [WAIT_SLEEP] = "sleep", [WAIT_IO] = "io", [WAIT_OTHER] = "other",
	[WAIT_CHILD] = "child", [WAIT_SIGNAL] = "signal",
};

/* The name of a wait kind. */
const char *waits_kind_name(enum waits_kind kind)
{
	return kind < WAIT_KIND_MAX ? kind_names[kind] : "other";
}

/* The name of a wait of kind on object o: a Python Lock's, or the kind's. */
const char *waits_cause_name(const struct waits_object *o, enum waits_kind kind)
{
	return o && o->pylock && kind == WAIT_SEM ? "python_lock" : waits_kind_name(kind);
}

/* The kind of wait an op means. */
enum waits_kind waits_kind_of(uint32_t op)
{
	switch (op) {
	case OP_MUTEX_LOCK: case OP_MUTEX_TRYLOCK: case OP_MUTEX_TIMEDLOCK: case OP_MUTEX_UNLOCK:
		return WAIT_MUTEX;
	case OP_COND_WAIT: case OP_COND_TIMEDWAIT: case OP_COND_SIGNAL: case OP_COND_BROADCAST:
		return WAIT_COND;
	case OP_BARRIER_WAIT:
		return WAIT_BARRIER;
	case OP_SEM_WAIT: case OP_SEM_TIMEDWAIT: case OP_SEM_POST:
		return WAIT_SEM;
	case OP_RWLOCK_RDLOCK: case OP_RWLOCK_WRLOCK: case OP_RWLOCK_UNLOCK:
		return WAIT_RWLOCK;
	case OP_JOIN:
		return WAIT_JOIN;
	case OP_SPIN_LOCK: case OP_SPIN_UNLOCK:
		return WAIT_SPIN;
	case OP_SYS_SLEEP:
		return WAIT_SLEEP;
	case OP_SYS_READ: case OP_SYS_WRITE: case OP_SYS_POLL: case OP_SYS_ACCEPT:
		return WAIT_IO;
	case OP_SYS_FUTEX:
		return WAIT_FUTEX;
	case OP_SYS_WAIT:
		return WAIT_CHILD;
	case OP_SYS_SIGWAIT:
		return WAIT_SIGNAL;
	default:
		return WAIT_NONE;
	}
}

/* Whether a call of op may block (and so is the cause of a wait). */
static bool op_may_block(uint32_t op)
{
	switch (op) {
	case OP_MUTEX_LOCK: case OP_MUTEX_TRYLOCK: case OP_MUTEX_TIMEDLOCK:
	case OP_COND_WAIT: case OP_COND_TIMEDWAIT: case OP_BARRIER_WAIT:
	case OP_SEM_WAIT: case OP_SEM_TIMEDWAIT: case OP_RWLOCK_RDLOCK: case OP_RWLOCK_WRLOCK:
	case OP_JOIN: case OP_SPIN_LOCK:
	case OP_COND_SIGNAL: case OP_COND_BROADCAST: /* may wait for the condition's internal lock */
		return true;
	default:
		return false;
	}
}

/* The object kind an op works on. */
uint32_t waits_object_kind(uint32_t op)
{
	switch (waits_kind_of(op)) {
	case WAIT_MUTEX: return OP_KIND_MUTEX;
	case WAIT_COND: return OP_KIND_COND;
	case WAIT_BARRIER: return OP_KIND_BARRIER;
	case WAIT_SEM: return OP_KIND_SEM;
	case WAIT_RWLOCK: return OP_KIND_RWLOCK;
	case WAIT_SPIN: return OP_KIND_SPIN;
	case WAIT_FUTEX: return OP_KIND_FUTEX;
	case WAIT_CHILD: return OP_KIND_CHILD;
	default: return OP_NONE;
	}
}

/* Creates an empty tracker. */
int waits_new(struct waits **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* Frees it. */
void waits_free(struct waits *w)
{
	if (!w)
		return;
	free(w->threads);
	keyindex_done(&w->by_tid);
	free(w->objects);
	free(w->sem_prev);
	keyindex_done(&w->by_addr);
	keyindex_done(&w->by_tls);
	free(w->deadlocks);
	free(w);
}

/* Bytes of memory it holds: its threads (one per process seen and per
 * thread alive), objects, their indexes (the thread pointers': one per
 * pointer seen, which glibc reuses) and the deadlocks found. */
size_t waits_memory(const struct waits *w)
{
	return sizeof(*w) + w->tcap * sizeof(*w->threads) + w->ocap * (sizeof(*w->objects) + sizeof(*w->sem_prev)) +
	       keyindex_memory(&w->by_tid) + keyindex_memory(&w->by_addr) + keyindex_memory(&w->by_tls) +
	       w->dcap * sizeof(*w->deadlocks);
}

/* A copy of the tracker (see waits.h). */
int waits_clone(const struct waits *w, struct waits **out)
{
	struct waits *c = calloc(1, sizeof(*c));
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->nthreads = c->tcap = w->nthreads;
	c->nobjects = c->ocap = w->nobjects;
	c->ndeadlocks = c->dcap = w->ndeadlocks;
	c->nblk = w->nblk;
	r = VEC_DUP(c->threads, w->threads, w->nthreads) || VEC_DUP(c->objects, w->objects, w->nobjects) ||
	    VEC_DUP(c->sem_prev, w->sem_prev, w->nobjects) || VEC_DUP(c->deadlocks, w->deadlocks, w->ndeadlocks) ||
	    keyindex_copy(&c->by_tid, &w->by_tid) || keyindex_copy(&c->by_addr, &w->by_addr) ||
	    keyindex_copy(&c->by_tls, &w->by_tls);
	if (r) {
		waits_free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

/* The tracker's entry for tid, created on first use (NULL on ENOMEM). */
static struct wthread *thread_of(struct waits *w, int32_t tid)
{
	uint32_t v = keyindex_get(&w->by_tid, (uint32_t)tid);
	struct wthread *t;

	if (v)
		return &w->threads[v - 1];
	if (w->nthreads == w->tcap) {
		size_t cap = w->tcap ? w->tcap * 2 : 32;
		struct wthread *p = realloc(w->threads, cap * sizeof(*p));

		if (!p)
			return NULL;
		w->threads = p;
		w->tcap = cap;
	}
	if (keyindex_put(&w->by_tid, (uint32_t)tid, (uint32_t)w->nthreads + 1))
		return NULL;
	t = &w->threads[w->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->releasing = -1;
	return t;
}

/* Sets whether t is in what it went to sleep in, counting those that are. */
static void set_blk(struct waits *w, struct wthread *t, bool on)
{
	if (t->in_blk != on)
		w->nblk = on ? w->nblk + 1 : w->nblk - 1;
	t->in_blk = on;
}

/* Forgets thread t (its last entry takes its place): a thread that ended
 * holds nothing a later event asks for, and a program that creates threads
 * for hours would otherwise keep an entry for each. */
static void thread_forget(struct waits *w, struct wthread *t)
{
	size_t i = (size_t)(t - w->threads), last = w->nthreads - 1;

	keyindex_del(&w->by_tid, (uint32_t)t->tid);
	if (i != last) {
		w->threads[i] = w->threads[last];
		keyindex_set(&w->by_tid, (uint32_t)w->threads[i].tid, (uint32_t)i + 1);
	}
	w->nthreads--;
}

/* The existing entry for tid, or NULL. */
static const struct wthread *find_thread(const struct waits *w, int32_t tid)
{
	uint32_t v = keyindex_get(&w->by_tid, (uint32_t)tid);

	return v ? &w->threads[v - 1] : NULL;
}

/* A key for (tgid, addr). */
static uint64_t object_key(int32_t tgid, uint64_t addr)
{
	return addr ^ ((uint64_t)(uint32_t)tgid << 48) ^ ((uint64_t)(uint32_t)tgid * 0x9e3779b97f4a7c15ull);
}

/* The object at addr of process tgid, created on first use: its index, or
 * -1 (no address, or ENOMEM). */
static int64_t object_of(struct waits *w, int32_t tgid, uint64_t addr, uint32_t kind)
{
	uint64_t key = object_key(tgid, addr);
	uint32_t v = keyindex_get(&w->by_addr, key);
	struct waits_object *o;

	if (v && (w->objects[v - 1].tgid != tgid || w->objects[v - 1].addr != addr))
		return -1; /* a key collision: leave it unattributed rather than wrong */
	if (v)
		return (int64_t)v - 1;
	if (!addr)
		return -1;
	if (w->nobjects == w->ocap) {
		size_t cap = w->ocap ? w->ocap * 2 : 32;
		struct waits_object *p = realloc(w->objects, cap * sizeof(*p));
		int64_t *prev = p ? realloc(w->sem_prev, cap * sizeof(*prev)) : NULL;

		if (p)
			w->objects = p;
		if (!prev)
			return -1;
		w->sem_prev = prev;
		w->ocap = cap;
	}
	if (keyindex_put(&w->by_addr, key, (uint32_t)w->nobjects + 1))
		return -1;
	o = &w->objects[w->nobjects];
	memset(o, 0, sizeof(*o));
	o->tgid = tgid;
	o->addr = addr;
	o->kind = kind;
	w->sem_prev[w->nobjects] = -1;
	if (kind == OP_KIND_SEM) { /* chained to its process's others, for set_python */
		uint32_t v = keyindex_get(&w->by_tid, (uint32_t)tgid);
		struct wthread *p = v ? &w->threads[v - 1] : NULL;

		o->pylock = p && p->python;
		if (p) {
			w->sem_prev[w->nobjects] = p->last_sem1 - 1;
			p->last_sem1 = (int64_t)w->nobjects + 1;
		}
	}
	return (int64_t)w->nobjects++;
}

/* Whether thread t's frame f waits for its object's holder to let go: a
 * lock (timed too) or a write lock, or a read lock seen blocked (a reader
 * waits for the writer). */
static bool waits_on_holder(const struct wthread *t, const struct frame *f)
{
	return f->object >= 0 && (f->op == OP_MUTEX_LOCK || f->op == OP_MUTEX_TIMEDLOCK || f->op == OP_RWLOCK_WRLOCK ||
				  (f == &t->blk && f->op == OP_RWLOCK_RDLOCK));
}

/* The frame that says what thread t waits in now: its innermost blocking
 * libc call (--calls), else what it went to sleep in, else its followed
 * system call; NULL when none. */
static const struct frame *current_frame(const struct wthread *t)
{
	if (t->ncalls)
		return &t->calls[t->ncalls - 1];
	if (t->in_blk)
		return &t->blk;
	return t->in_sys ? &t->sys : NULL;
}

/* The wait-for edge out of thread t: who it waits for now (0 none), on
 * which object, in which kind of wait. */
static int32_t waits_for(const struct waits *w, const struct wthread *t, int64_t *object, uint8_t *kind)
{
	const struct frame *f = current_frame(t);

	*object = -1;
	if (!f || f == &t->sys)
		return 0;
	*object = f->object;
	*kind = (uint8_t)waits_kind_of(f->op);
	if (f->op == OP_JOIN)
		return f->target;
	return waits_on_holder(t, f) ? w->objects[f->object].holder : 0;
}

/* Looks for a cycle in the wait-for graph through thread start; records a
 * deadlock when one closes. asleep: start is known to sleep in its wait
 * (not just to have called a lock), which a cycle of one needs. */
static int check_deadlock(struct waits *w, const struct wthread *start, uint64_t ts, bool asleep)
{
	struct waits_deadlock d = { .at_ns = ts };
	const struct wthread *t = start;
	size_t i;

	while (d.n < WAITS_CYCLE_MAX) {
		int64_t object;
		uint8_t kind = WAIT_NONE;
		int32_t next = waits_for(w, t, &object, &kind);

		/* waiting for a lock it holds itself is a cycle of one, once it
		 * sleeps: a recursive mutex's owner calls lock while holding it */
		if (!next || (next == t->tid && !(asleep && t == start)))
			return 0;
		d.link[d.n++] = (struct waits_link){ t->tid, object, next, kind };
		if (next == start->tid)
			break;
		t = find_thread(w, next);
		if (!t)
			return 0;
	}
	if (d.link[d.n - 1].holder != start->tid)
		return 0;
	/* the same cycle, already reported? (same set of threads) */
	for (i = 0; i < w->ndeadlocks; i++) {
		unsigned a, b, same = 0;

		if (w->deadlocks[i].n != d.n)
			continue;
		for (a = 0; a < d.n; a++)
			for (b = 0; b < d.n; b++)
				same += w->deadlocks[i].link[b].tid == d.link[a].tid;
		if (same == d.n)
			return 0;
	}
	if (w->ndeadlocks == w->dcap) {
		size_t cap = w->dcap ? w->dcap * 2 : 4;
		struct waits_deadlock *p = realloc(w->deadlocks, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->deadlocks = p;
		w->dcap = cap;
	}
	w->deadlocks[w->ndeadlocks++] = d;
	return 0;
}

/* The entry of the thread of ev, after its process's (which keeps what
 * the objects it creates need: CPython or not, its semaphores); NULL on
 * ENOMEM. */
static struct wthread *waiter_of(struct waits *w, const struct event *ev)
{
	if (ev->tgid > 0 && !thread_of(w, ev->tgid))
		return NULL;
	return thread_of(w, ev->tid);
}

/* A thread enters a libc call. */
static int on_call(struct waits *w, const struct event *ev)
{
	struct wthread *t = waiter_of(w, ev);
	uint32_t kind = waits_object_kind(ev->op);
	int64_t obj = kind ? object_of(w, ev->tgid, (uint64_t)ev->arg, kind) : -1;
	struct frame f = { ev->op, obj, 0, ev->ts };

	if (!t)
		return -ENOMEM;
	t->releasing = -1; /* (a call after an unlock: the unlock is over) */
	switch (ev->op) {
	case OP_MUTEX_UNLOCK:
	case OP_RWLOCK_UNLOCK:
		if (obj >= 0 && w->objects[obj].holder == ev->tid)
			w->objects[obj].holder = 0;
		t->releasing = obj;
		return 0;
	case OP_SEM_POST:
		t->releasing = obj;
		return 0;
	case OP_COND_WAIT:
	case OP_COND_TIMEDWAIT: {
		/* waiting releases the mutex; it is taken again on return */
		int64_t m = object_of(w, ev->tgid, (uint64_t)ev->arg2, OP_KIND_MUTEX);

		if (m >= 0 && w->objects[m].holder == ev->tid)
			w->objects[m].holder = 0;
		break;
	}
	case OP_JOIN:
		f.target = (int32_t)keyindex_get(&w->by_tls, (uint64_t)ev->arg);
		break;
	default:
		break;
	}
	if (!op_may_block(ev->op))
		return 0;
	if (t->ncalls < STACK_MAX)
		t->calls[t->ncalls++] = f;
	/* (a timed lock too: the cycle holds until its timeout, as the
	 * default mode, which sees its futex wait as a lock's, reports it) */
	if (ev->op == OP_MUTEX_LOCK || ev->op == OP_MUTEX_TIMEDLOCK || ev->op == OP_RWLOCK_WRLOCK || ev->op == OP_JOIN)
		return check_deadlock(w, t, ev->ts, false);
	return 0;
}

/* A thread returns from a libc call. */
static void on_return(struct waits *w, const struct event *ev)
{
	struct wthread *t = thread_of(w, ev->tid);
	struct frame f;

	if (!t || !op_may_block(ev->op))
		return;
	while (t->ncalls && t->calls[t->ncalls - 1].op != ev->op)
		t->ncalls--; /* a return we missed: unwind to the matching call */
	if (!t->ncalls)
		return;
	f = t->calls[--t->ncalls];
	if (ev->arg != 0 || f.object < 0)
		return; /* failed (busy, timed out): nothing taken */
	switch (f.op) {
	case OP_MUTEX_LOCK: case OP_MUTEX_TRYLOCK: case OP_MUTEX_TIMEDLOCK: case OP_RWLOCK_WRLOCK:
		w->objects[f.object].holder = ev->tid;
		w->objects[f.object].held_since = ev->ts;
		break;
	default:
		break;
	}
}

/* The child process a wait4 or waitid of process tgid with first argument
 * arg waits for: the pid asked for, else (any child, a process group,
 * waitid's P_ALL or P_PID...) the process's only child alive; 0 when that
 * cannot be told. */
static int32_t child_waited(const struct waits *w, int32_t tgid, int64_t arg)
{
	int32_t pid = (int32_t)(uint32_t)arg; /* a pid_t: the register's low half */
	const struct wthread *p;

	if (pid > WAITS_IDTYPE_MAX) /* 1-3 are waitid's id types, never a child of ours */
		return pid;
	p = find_thread(w, tgid);
	return p && p->nchildren == 1 ? (int32_t)p->child_xor : 0;
}

/* A thread goes to sleep in a wait (EVENT_BLOCK): what it waits on, and
 * the holder or joined thread (or child) read when it blocked. */
static int on_block(struct waits *w, const struct event *ev)
{
	struct wthread *t = waiter_of(w, ev);
	const struct wthread *p = find_thread(w, ev->tgid);
	/* a signal awaited with children alive: SIGCHLD (a shell's wait builtin) */
	uint32_t op = ev->op == OP_SYS_SIGWAIT && p && p->nchildren ? OP_SYS_WAIT : ev->op;
	int64_t arg = op != ev->op ? -1 : ev->arg;
	uint32_t kind = waits_object_kind(op);
	int32_t child = op == OP_SYS_WAIT ? child_waited(w, ev->tgid, arg) : 0;
	uint64_t addr = op == OP_SYS_WAIT ? (uint64_t)(uint32_t)child : (uint64_t)ev->arg;
	int64_t obj;

	if (!t)
		return -ENOMEM;
	obj = kind ? object_of(w, ev->tgid, addr, kind) : -1;
	t->blk = (struct frame){ op, obj, 0, ev->ts };
	set_blk(w, t, true);
	t->blk_asleep = false;
	if (op == OP_JOIN)
		t->blk.target = ev->tid2;
	if (op == OP_SYS_WAIT)
		t->blk.target = child;
	if ((ev->op == OP_MUTEX_LOCK || ev->op == OP_RWLOCK_WRLOCK || ev->op == OP_RWLOCK_RDLOCK) && obj >= 0 &&
	    w->objects[obj].holder != ev->tid2) {
		/* the lock word names its holder (0: none seen, e.g. readers) */
		w->objects[obj].holder = ev->tid2 > 0 ? ev->tid2 : 0;
		w->objects[obj].held_since = ev->ts;
	}
	if (ev->op == OP_MUTEX_LOCK || ev->op == OP_RWLOCK_WRLOCK || ev->op == OP_RWLOCK_RDLOCK || ev->op == OP_JOIN)
		return check_deadlock(w, t, ev->ts, true);
	return 0;
}

/* The thread of tid, if it has one, without adding it. */
static struct wthread *known_thread(struct waits *w, int32_t tid)
{
	uint32_t v = tid > 0 ? keyindex_get(&w->by_tid, (uint32_t)tid) : 0;

	return v ? &w->threads[v - 1] : NULL;
}

/* Thread tid is woken or runs: what it slept in is over. A waking that
 * comes before the thread has switched out (the waker's CPU woke it while
 * it was still on its way to sleep: sched_waking fires before the kernel
 * waits for the sleeper to leave its CPU) does not end it: the sleep that
 * follows is still spent in that wait, and its wakeup ends it. */
static void block_over(struct waits *w, int32_t tid, bool waking)
{
	struct wthread *t = known_thread(w, tid);

	if (t && (!waking || t->blk_asleep))
		set_blk(w, t, false);
}

/* Child process c ends (or its pid is reused): its parent has one child
 * fewer alive. */
static void child_gone(struct waits *w, struct wthread *c)
{
	uint32_t v = keyindex_get(&w->by_tid, (uint32_t)c->parent);
	struct wthread *p = v ? &w->threads[v - 1] : NULL;

	if (p && p->nchildren) {
		p->nchildren--;
		p->child_xor ^= (uint32_t)c->tid;
	}
	c->parent = 0;
}

/* Whether a program name is CPython's ("python3", "python3.11"). */
static bool python_name(const char *name)
{
	return strncmp(name, "python", 6) == 0;
}

/* Process tgid runs CPython (or not) from now on; with sweep (its GIL was
 * seen) the semaphores it used since its exec are Python Locks too. Each
 * semaphore is swept at most once: a second sweep needs an exec between,
 * which starts a new chain. */
static void set_python(struct waits *w, int32_t tgid, bool yes, bool sweep)
{
	struct wthread *p = thread_of(w, tgid);
	int64_t i;

	if (!p || p->python == yes)
		return;
	p->python = yes;
	for (i = sweep ? p->last_sem1 - 1 : -1; i >= 0; i = w->sem_prev[i])
		w->objects[i].pylock = yes;
}

/* A thread or process is created (EVENT_FORK): a new process is its
 * parent's child, an object named after it for the parent's waits. */
static int on_fork(struct waits *w, const struct event *ev)
{
	struct wthread *c, *p;
	int64_t o;

	if (ev->arg && ev->tid2 > 0 && keyindex_put(&w->by_tls, (uint64_t)ev->arg, (uint32_t)ev->tid2))
		return -ENOMEM;
	if (ev->tid2 <= 0 || ev->tgid <= 0 || ev->tgid2 != ev->tid2 || ev->tgid2 == ev->tgid)
		return 0;
	c = thread_of(w, ev->tid2);
	p = c ? thread_of(w, ev->tgid) : NULL;
	if (!p)
		return -ENOMEM;
	c = thread_of(w, ev->tid2); /* thread_of may have moved it */
	if (c->parent) /* a pid reused before its exit was seen */
		child_gone(w, c);
	c->parent = ev->tgid;
	c->python = p->python;
	p->nchildren++;
	p->child_xor ^= (uint32_t)ev->tid2;
	o = object_of(w, ev->tgid, (uint64_t)(uint32_t)ev->tid2, OP_KIND_CHILD);
	if (o >= 0)
		snprintf(w->objects[o].name, sizeof(w->objects[o].name), "%s", ev->text);
	return 0;
}

/* A process's first thread takes a name (exec, rename, existing): the
 * name of its child object, and whether it runs CPython. */
static void on_name(struct waits *w, const struct event *ev)
{
	const struct wthread *t;
	int64_t o;

	if (ev->tid != ev->tgid)
		return;
	if (ev->type != EVENT_RENAME)
		set_python(w, ev->tgid, python_name(ev->text), false);
	t = find_thread(w, ev->tid);
	if (t && ev->type == EVENT_EXEC) /* a new program: its semaphores are new */
		w->threads[t - w->threads].last_sem1 = 0;
	if (!t || !t->parent || (o = waits_find(w, t->parent, (uint64_t)(uint32_t)ev->tid)) < 0)
		return;
	snprintf(w->objects[o].name, sizeof(w->objects[o].name), "%s", ev->text);
}

/* Follows one event. */
int waits_add(struct waits *w, const struct event *ev)
{
	struct wthread *t;
	int64_t o;

	switch (ev->type) {
	case EVENT_SWITCH:
		if (!w->nblk)
			return 0;
		if ((t = known_thread(w, ev->tid)) != NULL && t->in_blk && event_switch_voluntary(ev->arg))
			t->blk_asleep = true;
		block_over(w, ev->tid2, false);
		return 0;
	case EVENT_WAKING:
		if (w->nblk)
			block_over(w, ev->tid2, true);
		return 0;
	case EVENT_WAKEUP:
		if (w->nblk)
			block_over(w, ev->tid, false);
		return 0;
	default:
		break;
	}
	if (ev->tid <= 0 && ev->type != EVENT_FORK)
		return 0;
	switch (ev->type) {
	case EVENT_BLOCK:
		return on_block(w, ev);
	case EVENT_CALL:
		return on_call(w, ev);
	case EVENT_RETURN:
		on_return(w, ev);
		return 0;
	case EVENT_SYSCALL:
		t = thread_of(w, ev->tid);
		if (!t)
			return -ENOMEM;
		t->sys = (struct frame){ ev->op, -1, 0, ev->ts };
		t->in_sys = true;
		if (ev->op != OP_SYS_FUTEX) /* (an unlock's wake is a futex call) */
			t->releasing = -1;
		/* --calls: a futex wait inside pthread_mutex_lock is the sleep */
		if (ev->op == OP_SYS_FUTEX && t->ncalls && t->calls[t->ncalls - 1].op == OP_MUTEX_LOCK)
			return check_deadlock(w, t, ev->ts, true);
		return 0;
	case EVENT_SYSRET:
		t = thread_of(w, ev->tid);
		if (t) {
			t->in_sys = false;
			if (ev->op == OP_SYS_FUTEX)
				t->releasing = -1; /* (its wake done) */
		}
		return 0;
	case EVENT_OBJECT:
		o = object_of(w, ev->tgid, (uint64_t)ev->arg, ev->op);
		if (o >= 0) {
			struct waits_object *obj = &w->objects[o];

			memcpy(obj->name, ev->text, sizeof(obj->name));
			obj->name[sizeof(obj->name) - 1] = 0;
			/* a trace of an older conctop: "start_gun+40" is start_gun */
			glibc_sync_object_rename(ev->op, obj->name, sizeof(obj->name));
			obj->gil = strncmp(obj->name, "_PyRuntime", 10) == 0;
			if (obj->gil)
				set_python(w, ev->tgid, true, true);
		}
		return 0;
	case EVENT_FORK:
		return on_fork(w, ev);
	case EVENT_EXEC:
	case EVENT_RENAME:
	case EVENT_THREAD:
		on_name(w, ev);
		return 0;
	case EVENT_EXIT:
		if (ev->tgid > 0 && ev->tid != ev->tgid) {
			/* a thread, not a process: its entry would be all zero now
			 * (none is the same), and only a process's first thread keeps
			 * what outlives it (its children, its semaphores) */
			if ((t = known_thread(w, ev->tid)) != NULL) {
				set_blk(w, t, false);
				thread_forget(w, t);
			}
			return 0;
		}
		t = thread_of(w, ev->tid);
		if (t) {
			t->ncalls = 0;
			t->in_sys = false;
			set_blk(w, t, false);
			if (ev->tid == ev->tgid && t->parent)
				child_gone(w, t);
		}
		return 0;
	default:
		return 0;
	}
}

/* What thread tid is inside now: its innermost blocking libc call, else
 * the followed system call it is in. */
void waits_current(const struct waits *w, int32_t tid, struct waits_cause *c)
{
	const struct wthread *t = find_thread(w, tid);
	const struct frame *f;

	memset(c, 0, sizeof(*c));
	c->object = -1;
	if (!t || !(f = current_frame(t)))
		return;
	c->kind = (uint8_t)waits_kind_of(f->op);
	c->op = f->op;
	c->object = f->object;
	c->target = f->target;
	c->since = f->since;
	if (waits_on_holder(t, f))
		c->holder = w->objects[f->object].holder;
}

/* The object a waking by tid goes through, from the calls it is inside
 * (see waits.h). */
int64_t waits_waking_object(const struct waits *w, int32_t tid)
{
	const struct wthread *t = find_thread(w, tid);
	const struct frame *f = t ? current_frame(t) : NULL;

	if (f && (f->op == OP_COND_SIGNAL || f->op == OP_COND_BROADCAST || f->op == OP_BARRIER_WAIT))
		return f->object;
	return t ? t->releasing : -1;
}

/* The index of the object at addr of process tgid, or -1. */
int64_t waits_find(const struct waits *w, int32_t tgid, uint64_t addr)
{
	uint32_t v = keyindex_get(&w->by_addr, object_key(tgid, addr));

	if (!v || w->objects[v - 1].tgid != tgid || w->objects[v - 1].addr != addr)
		return -1;
	return (int64_t)v - 1;
}

/* The number of objects. */
size_t waits_object_count(const struct waits *w)
{
	return w->nobjects;
}

/* Object i. */
const struct waits_object *waits_object(const struct waits *w, size_t i)
{
	return i < w->nobjects ? &w->objects[i] : NULL;
}

/* One link of a deadlock in words (waits.h). */
size_t waits_link_words(const struct waits_link *link, const char *who, const char *object, const char *holder,
			bool first, char *buf, size_t len, size_t n)
{
	const char *sep = first ? "" : ";";

	if (n >= len)
		return n;
	if (link->kind == WAIT_JOIN)
		return n + (size_t)snprintf(buf + n, len - n, "%s %s waits to join %s", sep, who, holder);
	return n + (size_t)snprintf(buf + n, len - n, "%s %s waits for %s held by %s", sep, who, object, holder);
}

/* How object i is called in words. */
void waits_object_label(const struct waits *w, int64_t i, char *buf, size_t len)
{
	const struct waits_object *o;
	const char *kind;

	if (i < 0 || (size_t)i >= w->nobjects) {
		snprintf(buf, len, "?");
		return;
	}
	o = &w->objects[i];
	if (o->gil) {
		snprintf(buf, len, "GIL");
		return;
	}
	if (o->kind == OP_KIND_CHILD) { /* "cc1(11770)": the command and its pid */
		snprintf(buf, len, "%s(%llu)", o->name[0] ? o->name : "pid", (unsigned long long)o->addr);
		return;
	}
	if (o->name[0]) {
		snprintf(buf, len, "%s", o->name);
		return;
	}
	/* the whole address: a shortened one ("7f3a..c0") gave two objects
	 * whose addresses differ in the middle digits one label, and the
	 * tables that sum by label merged them */
	kind = o->pylock ? "Python Lock" : event_op_name(o->kind);
	snprintf(buf, len, "%s@%llx", kind, (unsigned long long)o->addr);
}

/* The number of deadlocks found. */
size_t waits_deadlock_count(const struct waits *w)
{
	return w->ndeadlocks;
}

/* Deadlock i. */
const struct waits_deadlock *waits_deadlock(const struct waits *w, size_t i)
{
	return i < w->ndeadlocks ? &w->deadlocks[i] : NULL;
}
