/* The vocabulary conctop speaks from the kernel to the screen: event types,
 * operations and object kinds, thread-state bits and thread ids. Included by
 * the BPF programs (tracer/conctop.h) and by core/event.h alike, so it holds
 * only enums and macros: no types from any libc or kernel header. */
#ifndef CONCTOP_EVENT_TYPES_H
#define CONCTOP_EVENT_TYPES_H

#define EVENT_TID_IDLE 0
#define EVENT_TID_OTHER (-1)
#define EVENT_TEXT_MAX 64 /* bytes, including the terminating NUL */
#define EVENT_AFFINITY_MORE 1 /* op of an EVENT_AFFINITY: CPUs from 128 on allowed too */

/* Event types. Numbers are stored in trace files: never renumber. */
enum event_type {
	EVENT_SWITCH = 1,     /* on cpu: tid (prev, state in arg) -> tid2 (next) */
	EVENT_WAKING = 2,     /* tid (waker, may be OTHER) wakes tid2; arg = target cpu; when
			       * the waker is known to wake through an object: op = its
			       * wake op (OP_COND_SIGNAL, OP_MUTEX_UNLOCK...), arg2 = the
			       * object */
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
	EVENT_BLOCK = 18,     /* tid goes to sleep (its next switch) in a wait of op on the
			       * object at arg (a fd for I/O, 0 when none); tid2 = for a
			       * mutex or write lock the holder read from the lock, for a
			       * join the thread joined (0: unknown); arg2 = the futex word
			       * waited on (0: no futex) */
	EVENT_SIGNAL = 19,    /* signal arg is sent to tid2 (tgid2) by tid (a traced thread, or
			       * -1: another program or the kernel); arg2 = the kernel's
			       * result (0 delivered, 1 ignored, 2 already pending...) */
	EVENT_SIGNAL_DELIVER = 20, /* tid takes signal arg: its handler runs (arg2 = 1),
				    * it is ignored (2) or its default action (0) */
	EVENT_AFFINITY = 21,  /* tid may run on the CPUs of a mask (read when tracing found it,
			       * or set by sched_setaffinity): arg = the bits of CPUs 0-63,
			       * arg2 = of CPUs 64-127; op = EVENT_AFFINITY_MORE when it may
			       * also run on some CPU from 128 on */
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
	OP_SYS_SIGWAIT = 71,  /* rt_sigsuspend, pause, rt_sigtimedwait: a wait for a signal */
	OP_SYS_MAX,
	OP_KIND_MUTEX = 128,  /* object kinds, for EVENT_OBJECT */
	OP_KIND_COND,
	OP_KIND_BARRIER,
	OP_KIND_SEM,
	OP_KIND_RWLOCK,
	OP_KIND_SPIN,
	OP_KIND_THREAD,
	OP_KIND_FUTEX,        /* a futex word that is no known glibc object */
	OP_KIND_CHILD,        /* a child process waited for (wait4, waitid): its pid */
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

#define EVENT_STATE_EXITING (EVENT_STATE_DEAD | EVENT_STATE_ZOMBIE)

#endif
