/* Why threads wait: follows the attribution events (libc calls, blocking
 * system calls, object names) to say what each thread is inside at any
 * moment, who holds each mutex, who waits for whom, and when the wait-for
 * graph closes into a cycle: a deadlock.
 *
 * It knows the present: a consumer following the same event stream asks,
 * when a thread blocks, what it blocks on (waits_current), and keeps the
 * answer with the blocked interval (the timeline and the statistics do). */
#ifndef CONCTOP_WAITS_H
#define CONCTOP_WAITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct waits;

/* What a thread waits on, coarsely: the cause of a blocked interval. The
 * names (waits_kind_name) are the `kind` strings of report --json. */
enum waits_kind {
	WAIT_NONE = 0,  /* not inside any followed call */
	WAIT_MUTEX,
	WAIT_RWLOCK,
	WAIT_COND,
	WAIT_BARRIER,
	WAIT_SEM,
	WAIT_JOIN,
	WAIT_SPIN,      /* spinning: running, not blocked */
	WAIT_FUTEX,     /* a futex wait outside the pthread functions */
	WAIT_SLEEP,
	WAIT_IO,
	WAIT_OTHER,     /* another followed system call */
	WAIT_CHILD,     /* wait4, waitid: the object is the child process */
	WAIT_SIGNAL,    /* sigsuspend, pause, sigtimedwait in a process with no child alive */
	WAIT_KIND_MAX
};

/* A thread at one instant: the innermost followed call it is inside. */
struct waits_cause {
	uint8_t kind;      /* enum waits_kind */
	uint32_t op;       /* enum event_op of the call */
	int64_t object;    /* index of the object (waits_object), -1 none */
	int32_t holder;    /* for a mutex: the tid holding it then, 0 none */
	int32_t target;    /* for a join: the tid joined, 0 unknown */
	uint64_t since;    /* when the call began */
};

/* An object threads work on. */
struct waits_object {
	int32_t tgid;
	uint64_t addr;
	uint32_t kind;               /* OP_KIND_* of core/event.h */
	char name[EVENT_TEXT_MAX];   /* its symbol, or "" when it has none */
	bool gil;                    /* recognised as CPython's GIL */
	bool pylock;                 /* a semaphore of a CPython process: a Python Lock */
	int32_t holder;              /* mutex / write lock: the tid holding it now, 0 none */
	uint64_t held_since;
};

/* One link of a deadlock cycle: tid waits for object, held by holder. */
struct waits_link {
	int32_t tid;
	int64_t object;   /* -1 for a join */
	int32_t holder;   /* the holder of the object, or the thread joined */
	uint8_t kind;     /* enum waits_kind of the wait: WAIT_MUTEX, WAIT_JOIN... */
};

#define WAITS_CYCLE_MAX 16

/* A deadlock: the wait-for graph closed into a cycle at at_ns. */
struct waits_deadlock {
	uint64_t at_ns;
	unsigned n;
	struct waits_link link[WAITS_CYCLE_MAX];
};

/* Creates an empty tracker. Returns 0 or -ENOMEM. */
int waits_new(struct waits **out);
void waits_free(struct waits *w);

/* Bytes of memory it holds (an entry per process seen and per thread
 * alive, the objects, the indexes). */
size_t waits_memory(const struct waits *w);

/* A copy of w that follows events on its own (a copy of a timeline's
 * present, timeline_clone). Returns 0 or -ENOMEM. */
int waits_clone(const struct waits *w, struct waits **out);

/* Follows one event: CALL, RETURN, SYSCALL, SYSRET, BLOCK, OBJECT, FORK
 * (thread pointers, to resolve joins; child processes, to name a wait4's
 * child), EXEC, RENAME and THREAD (a child's name; a process running
 * CPython, whose semaphores are Python Locks) and EXIT; others are
 * ignored. Events come in time order. Returns 0 or -ENOMEM. */
int waits_add(struct waits *w, const struct event *ev);

/* What thread tid is inside now (after the events added so far). */
void waits_current(const struct waits *w, int32_t tid, struct waits_cause *c);

/* The object a waking by thread tid goes through when the trace does not
 * say (no futex word: recorded with --calls): the one of the unlock, post,
 * signal, broadcast or barrier wait it is inside; -1 none. */
int64_t waits_waking_object(const struct waits *w, int32_t tid);

/* The objects, in order of first use. */
size_t waits_object_count(const struct waits *w);
const struct waits_object *waits_object(const struct waits *w, size_t i);

/* The index of the object at addr of process tgid, or -1 if never seen. */
int64_t waits_find(const struct waits *w, int32_t tgid, uint64_t addr);

/* How an object is called in words: its name ("count_lock"), "GIL" for
 * CPython's, else its kind and short address ("mutex@7f3a..c0"). */
void waits_object_label(const struct waits *w, int64_t i, char *buf, size_t len);

/* One link of a deadlock's cycle in words, appended at buf + n (after
 * "; " unless first): "A waits for m held by B", or "A waits to join B"
 * for a join (the one link with no object). who, object and holder are the
 * names the caller gives them. Returns the new length (snprintf's way). */
size_t waits_link_words(const struct waits_link *link, const char *who, const char *object, const char *holder,
			bool first, char *buf, size_t len, size_t n);

/* The deadlocks found so far, in order. */
size_t waits_deadlock_count(const struct waits *w);
const struct waits_deadlock *waits_deadlock(const struct waits *w, size_t i);

/* The object kind (OP_KIND_*) an op works on: OP_KIND_MUTEX for
 * mutex_lock, OP_KIND_FUTEX for a plain futex wait, OP_NONE for a sleep. */
uint32_t waits_object_kind(uint32_t op);

/* The kind of a blocking call's op, and a kind's name ("mutex"). */
enum waits_kind waits_kind_of(uint32_t op);
const char *waits_kind_name(enum waits_kind kind);

/* The name of a wait of kind on object o (NULL: none), as report --json,
 * contention --json and path --json name it: "python_lock" for a Python
 * Lock, else the kind's name. */
const char *waits_cause_name(const struct waits_object *o, enum waits_kind kind);

#endif
