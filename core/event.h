/* The normalised scheduling event: what every part of conctop speaks.
 *
 * The tracer decodes kernel records into these, the trace file stores them,
 * and the report (later the timeline) consumes them. Times are nanoseconds
 * since the start of the trace (CLOCK_MONOTONIC minus the trace's base).
 *
 * Thread ids: a positive tid is a thread of a traced process; 0 is the idle
 * task of a CPU; EVENT_TID_OTHER (-1) is a task of some program that is not
 * traced (its identity is not recorded).
 */
#ifndef CONCTOP_EVENT_H
#define CONCTOP_EVENT_H

#include <stdint.h>

#define EVENT_TID_IDLE 0
#define EVENT_TID_OTHER (-1)
#define EVENT_TEXT_MAX 64 /* bytes, including the terminating NUL */

/* Event types. Numbers are stored in trace files: never renumber. */
enum event_type {
	EVENT_SWITCH = 1,     /* on cpu: tid (prev, state in arg) -> tid2 (next) */
	EVENT_WAKING = 2,     /* tid (waker, may be OTHER) wakes tid2; arg = target cpu */
	EVENT_WAKEUP = 3,     /* tid placed on the run queue of cpu (arg = cpu) */
	EVENT_WAKEUP_NEW = 4, /* new thread tid first placed on a run queue (arg = cpu) */
	EVENT_MIGRATE = 5,    /* tid moved from cpu arg to cpu arg2 */
	EVENT_FORK = 6,       /* tid (parent) creates tid2/tgid2; text = child's name */
	EVENT_EXIT = 7,       /* thread tid leaves the kernel's thread lists */
	EVENT_EXEC = 8,       /* tgid's thread tid runs a new program; text = new name */
	EVENT_RENAME = 9,     /* tid takes the name in text (pthread_setname_np, prctl) */
	EVENT_MARK = 10,      /* tid called conctop_mark(text, arg) */
	EVENT_THREAD = 11,    /* tid of tgid existed when tracing began; text = name,
			       * arg = its /proc state letter then (R, S, D...) */
	EVENT_LOST = 12,      /* the kernel dropped arg events on cpu since the last LOST */
	EVENT_CALL = 13,      /* tid calls op (a pthread/semaphore function) on object arg;
			       * arg2 = a second object (cond wait: its mutex; join: the thread) */
	EVENT_RETURN = 14,    /* tid returns from op; arg = its return value */
	EVENT_SYSCALL = 15,   /* tid enters a blocking system call of kind op; arg = fd or address */
	EVENT_SYSRET = 16,    /* tid returns from the system call; arg = its return value */
	EVENT_OBJECT = 17,    /* object arg of process tgid, of kind op, is called text */
	EVENT_TYPE_MAX
};

/* What a thread calls (EVENT_CALL/RETURN), or which kind of system call it
 * is in (EVENT_SYSCALL/SYSRET); the kind of an object (EVENT_OBJECT). Stored
 * in trace files: never renumber. */
enum event_op {
	OP_NONE = 0,
	OP_MUTEX_LOCK = 1,
	OP_MUTEX_TRYLOCK = 2,
	OP_MUTEX_TIMEDLOCK = 3,
	OP_MUTEX_UNLOCK = 4,
	OP_COND_WAIT = 5,
	OP_COND_TIMEDWAIT = 6,
	OP_COND_SIGNAL = 7,
	OP_COND_BROADCAST = 8,
	OP_BARRIER_WAIT = 9,
	OP_SEM_WAIT = 10,
	OP_SEM_TIMEDWAIT = 11,
	OP_SEM_POST = 12,
	OP_RWLOCK_RDLOCK = 13,
	OP_RWLOCK_WRLOCK = 14,
	OP_RWLOCK_UNLOCK = 15,
	OP_JOIN = 16,
	OP_SPIN_LOCK = 17,
	OP_SPIN_UNLOCK = 18,
	OP_CREATE = 19,
	OP_LIBC_MAX,
	OP_SYS_SLEEP = 64,    /* nanosleep, clock_nanosleep */
	OP_SYS_READ = 65,     /* read, pread, readv, recv... */
	OP_SYS_WRITE = 66,    /* write, pwrite, writev, send... */
	OP_SYS_POLL = 67,     /* poll, ppoll, select, pselect, epoll_wait */
	OP_SYS_FUTEX = 68,    /* futex, futex_waitv */
	OP_SYS_ACCEPT = 69,   /* accept, connect */
	OP_SYS_WAIT = 70,     /* wait4, waitid */
	OP_SYS_MAX,
	OP_KIND_MUTEX = 128,  /* object kinds, for EVENT_OBJECT */
	OP_KIND_COND,
	OP_KIND_BARRIER,
	OP_KIND_SEM,
	OP_KIND_RWLOCK,
	OP_KIND_SPIN,
	OP_KIND_THREAD,
	OP_KIND_MAX
};

/* Bits of a switch's prev state (arg of EVENT_SWITCH), as the kernel's
 * sched_switch tracepoint reports them. */
#define EVENT_STATE_RUNNING 0x0000  /* preempted or yielded: involuntary */
#define EVENT_STATE_INTERRUPTIBLE 0x0001
#define EVENT_STATE_UNINTERRUPTIBLE 0x0002
#define EVENT_STATE_STOPPED 0x0004
#define EVENT_STATE_TRACED 0x0008
#define EVENT_STATE_DEAD 0x0010
#define EVENT_STATE_ZOMBIE 0x0020
#define EVENT_STATE_PARKED 0x0040
#define EVENT_STATE_IDLE 0x0080
#define EVENT_STATE_PREEMPTED 0x0100 /* TASK_REPORT_MAX: the tracepoint's preempt mark */

/* One scheduling event. Fields that a type does not use are zero. */
struct event {
	uint64_t ts;   /* ns since the trace's start */
	uint16_t type; /* enum event_type */
	uint16_t cpu;  /* the CPU it happened on */
	int32_t tid;   /* subject thread (see file comment) */
	int32_t tgid;  /* its process */
	int32_t tid2;  /* the other thread: next, woken, child */
	int32_t tgid2;
	int64_t arg;   /* see enum event_type */
	int64_t arg2;
	uint32_t op;   /* enum event_op: CALL, RETURN, SYSCALL, SYSRET, OBJECT */
	char text[EVENT_TEXT_MAX]; /* NUL-terminated name or marker label */
};

/* Returns the name of an op ("mutex_lock", "sleep", "mutex"), or "unknown". */
const char *event_op_name(unsigned op);

/* Returns the lower-case name of an event type ("switch"), or "unknown". */
const char *event_type_name(unsigned type);

/* Whether a switch whose prev state is state was voluntary (the thread slept). */
static inline int event_switch_voluntary(int64_t state)
{
	return (state & 0xff) != 0;
}

/* Whether a switch whose prev state is state was the thread's last (it died). */
static inline int event_switch_exiting(int64_t state)
{
	return (state & (EVENT_STATE_DEAD | EVENT_STATE_ZOMBIE)) != 0;
}

#endif
