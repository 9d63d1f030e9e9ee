/* rlock: a lock its holder may take again (Python's threading.RLock).
 *
 * The lesson. An ordinary mutex has one state: locked or not. If the thread
 * that holds it asks for it again, it waits for itself to let go, which it
 * never will: a deadlock with one thread in it. A recursive mutex (RLock in
 * Python, PTHREAD_MUTEX_RECURSIVE here) also remembers its owner and a
 * count: the owner's second lock just counts one more, and the lock is
 * free again only when the owner has unlocked as many times as it locked.
 * Other threads still wait for it as for any mutex.
 *
 * Why would a thread lock twice? The course notes guard a shared dict with
 * "globalDictLock = RLock()  # Just use RLock, don't deadlock yourself".
 * The usual way in: every function of a shared object takes its lock, so
 * that each is safe to call on its own, and then one of them calls another.
 * Here the shared object is a registry of task states, guarded by
 * registry_lock:
 *
 *   registry_set(task, state)  takes registry_lock, writes the task's state,
 *                              then calls registry_recount() to keep the
 *                              total of updates right;
 *   registry_recount()         takes registry_lock too (it is public, and
 *                              may be called on its own), and adds it up.
 *
 * So inside registry_set the lock is taken twice by the same thread: depth 2.
 * The depth is counted beside the lock (lock_depth, written only by the
 * holder) and marked for conctop each time it changes ("registry_lock
 * depth": 1, 2, 1, 0).
 *
 *   --variant recursive  (default) registry_lock is PTHREAD_MUTEX_RECURSIVE:
 *                        the second lock returns at once, the other task
 *                        waits (M) while the lock is held at any depth.
 *   --variant plain      registry_lock is PTHREAD_MUTEX_NORMAL: the first
 *                        task to come blocks in registry_recount() on the
 *                        lock it holds itself, forever, and the other task
 *                        waits for it behind. A watchdog (the shared one of
 *                        scenarios/common.c) notices that no update was made
 *                        for --watchdog ms, says who holds and waits for
 *                        what, and ends the program with status 3.
 *
 * (A third kind, PTHREAD_MUTEX_ERRORCHECK, would make the second lock fail
 * with EDEADLK instead of hanging: the bug found, not papered over.)
 *
 * What to watch under conctop: each task runs with the lock at depth 1,
 * then at depth 2 (the markers), without a break between: taking it again
 * cost nothing. The other task's lane is blocked on registry_lock (M) the
 * whole time, woken (^) when the depth is back to 0. With --variant plain
 * both lanes turn M within a step and stay so until the watchdog fires;
 * the first one waits for a mutex whose holder is itself.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_RECURSIVE on older glibc */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the registry and its lock ---- */
#define MAX_TASKS 16
static pthread_mutex_t registry_lock; /* its kind is chosen in main */
static long registry_state[MAX_TASKS + 1]; /* per task: its last state */
static long registry_updates;              /* every registry_set so far */
static long registry_total;                /* recounted under the lock */
static int lock_depth;                     /* how often the holder took it */
static int deepest;                        /* the largest lock_depth seen */

/* Options (-1: not given, a default is chosen in main). */
enum { RECURSIVE, PLAIN }; /* --variant, in the order of its choices */
static long variant = RECURSIVE;
static long tasks = 2;
static long iterations = -1;
static long pace = 0;
static long watchdog = -1;

#define VARIANTS "recursive|plain"

static const struct scn_option options[] = {
	{"--threads", "N", &tasks, 1, MAX_TASKS, "tasks sharing the registry (default 2)"},
	{"--iterations", "N", &iterations, 1, 1000000,
	 "updates each task makes (default 50, or 4 with\n"
	 "--pace)"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "recursive (RLock, the default) or plain: a\n"
	 "normal mutex, which its holder deadlocks on"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: each depth is held MS ms of\n"
	 "CPU, and a task rests MS ms between updates\n"
	 "(default: 0.2 ms and 1 ms)"},
	{"--watchdog", "MS", &watchdog, 1, 600000,
	 "no update for MS ms means deadlock (default\n"
	 "1000, or 10 times --pace if longer)"},
};

static const char about[] =
	"Tasks update a shared registry guarded by registry_lock. registry_set()\n"
	"takes the lock and calls registry_recount(), which takes it again: the\n"
	"same thread locks twice (the marker registry_lock depth says 1, 2, 1, 0).\n"
	"--variant recursive (Python's RLock): the second lock just counts.\n"
	"--variant plain: a normal mutex; its holder waits for itself forever and\n"
	"a watchdog reports the deadlock and ends the program.\n"
	"Self-check: recursive: every update made at depth 2, the total right,\n"
	"the lock free at the end (exit 0); plain: the watchdog catches the\n"
	"self-deadlock (exit 3).";

/* What a task is doing, for the watchdog's report: written by the task,
 * read by the watchdog at any moment. */
struct task {
	pthread_t thread;
	int id;              /* task-1 is 1 */
	atomic_int holds;    /* times it holds registry_lock now */
	atomic_int waiting;  /* 1 while inside pthread_mutex_lock */
};

/* Takes registry_lock (again, if this thread holds it already). */
static void registry_lock_take(struct task *t)
{
	atomic_store(&t->waiting, 1);
	pthread_mutex_lock(&registry_lock); /* plain: never returns the 2nd time */
	atomic_store(&t->waiting, 0);
	atomic_fetch_add(&t->holds, 1);
	lock_depth++; /* only the holder gets here: no race */
	if (lock_depth > deepest)
		deepest = lock_depth;
	conctop_mark("registry_lock depth", lock_depth);
}

/* Lets go of registry_lock once; it is free when the depth is back to 0. */
static void registry_lock_give(struct task *t)
{
	lock_depth--;
	conctop_mark("registry_lock depth", lock_depth);
	atomic_fetch_sub(&t->holds, 1);
	pthread_mutex_unlock(&registry_lock);
}

/* Adds up the updates. Public, so it takes the lock itself. */
static void registry_recount(struct task *t)
{
	registry_lock_take(t);
	scn_busy_us(pace > 0 ? pace * 1000 : 200); /* adding up */
	registry_total++;
	registry_lock_give(t);
}

/* Writes one task's state, then keeps the total right. */
static void registry_set(struct task *t, long state)
{
	registry_lock_take(t);
	scn_busy_us(pace > 0 ? pace * 1000 : 200); /* writing the entry */
	registry_state[t->id] = state;
	registry_recount(t); /* locks registry_lock a second time */
	registry_updates++;
	registry_lock_give(t);
}

/* A task: works outside the lock, then records its new state. */
static void *task_main(void *arg)
{
	struct task *t = arg;
	scn_name_thread("task", t->id);
	for (long i = 1; i <= iterations; i++) {
		scn_sleep_ms(pace > 0 ? pace : 1); /* the task's own work */
		registry_set(t, i);
		scn_progress(); /* tells the watchdog: no deadlock yet */
	}
	return NULL;
}

/* The tasks, for the watchdog's report. */
static struct task *all_tasks;

/* Called by the watchdog when no update was made for --watchdog ms: says
 * who holds registry_lock and who waits for it, and returns the status. */
static int report_stall(void)
{
	int self = 0, behind = 0, owner = 0;
	for (int i = 0; i < tasks; i++) {
		struct task *t = &all_tasks[i];
		if (atomic_load(&t->holds) > 0)
			owner = t->id;
		if (!atomic_load(&t->waiting))
			continue;
		if (atomic_load(&t->holds) > 0)
			self++; /* waits for the lock it holds itself */
		else
			behind++;
	}
	char name[16];
	scn_choice_name(VARIANTS, variant, name, sizeof name);
	if (owner && self == 1)
		printf("rlock: --variant %s: self-deadlock after %ld update%s: task-%d "
		       "holds registry_lock and waits for it again, for itself; %d "
		       "other task%s wait%s behind it; no update for %ld ms (caught "
		       "by the watchdog, %s)\n",
		       name, registry_updates, registry_updates == 1 ? "" : "s", owner,
		       behind, behind == 1 ? "" : "s", behind == 1 ? "s" : "", watchdog,
		       variant == PLAIN ? "as expected" : "a recursive lock should not!");
	else {
		char holder[24] = "nobody";
		if (owner)
			snprintf(holder, sizeof holder, "task-%d", owner);
		printf("rlock: --variant %s: stalled after %ld updates, no update for "
		       "%ld ms; %d task%s waiting for registry_lock, held by %s\n",
		       name, registry_updates, watchdog, self + behind,
		       self + behind == 1 ? "" : "s", holder);
	}
	return variant == PLAIN && owner && self == 1 ? 3 : 1;
}

/* Makes registry_lock, runs the tasks, and checks what they did. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "rlock", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (iterations < 0)
		iterations = pace > 0 ? 4 : 50;
	if (watchdog < 0)
		watchdog = 10 * pace > 1000 ? 10 * pace : 1000;
	scn_name_thread("rlock", 0);

	/* The one difference between the variants: the kind of mutex. */
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, variant == RECURSIVE ? PTHREAD_MUTEX_RECURSIVE
							      : PTHREAD_MUTEX_NORMAL);
	scn_check(pthread_mutex_init(&registry_lock, &attr), "pthread_mutex_init");
	pthread_mutexattr_destroy(&attr);

	all_tasks = scn_calloc(tasks, sizeof *all_tasks);
	scn_watchdog_start(watchdog, report_stall);
	for (int i = 0; i < tasks; i++) {
		all_tasks[i].id = i + 1;
		scn_check(pthread_create(&all_tasks[i].thread, NULL, task_main,
					 &all_tasks[i]), "pthread_create");
	}
	for (int i = 0; i < tasks; i++)
		scn_check(pthread_join(all_tasks[i].thread, NULL), "pthread_join");
	scn_watchdog_stop();

	/* The self-check, when nobody got stuck. */
	long want = tasks * iterations;
	int free_now = pthread_mutex_trylock(&registry_lock) == 0;
	if (free_now)
		pthread_mutex_unlock(&registry_lock);
	int states_ok = 1;
	for (int i = 1; i <= tasks; i++)
		states_ok &= registry_state[i] == iterations;
	conctop_mark("updates", registry_updates);
	int ok = variant == RECURSIVE && registry_updates == want &&
		 registry_total == want && deepest == 2 && lock_depth == 0 &&
		 free_now && states_ok;
	if (variant == PLAIN)
		printf("rlock: --variant plain: %ld updates made without a deadlock "
		       "(expected one: a normal mutex locked twice)\n", registry_updates);
	else if (ok)
		printf("rlock: %ld task%s made all %ld updates, each taking "
		       "registry_lock twice (depth %d) without waiting for itself; the "
		       "total is right and the lock is free at the end (as expected)\n",
		       tasks, tasks == 1 ? "" : "s", registry_updates, deepest);
	else
		printf("rlock: WRONG: %ld of %ld updates, total %ld, deepest %d, "
		       "depth %d at the end, lock %s, states %s\n",
		       registry_updates, want, registry_total, deepest, lock_depth,
		       free_now ? "free" : "still held", states_ok ? "right" : "wrong");
	pthread_mutex_destroy(&registry_lock);
	free(all_tasks);
	return ok ? 0 : 1;
}
