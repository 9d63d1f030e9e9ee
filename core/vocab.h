/* The words core uses for what threads and CPUs do, shared by the
 * scheduling model (sched_model.c), the timeline, the statistics and every
 * view: one enum each, no mirrors and no mappings between copies.
 *
 * Thread states. A lane draws the states below TL_STATE_MAX; the model
 * also needs to know whether a thread has lived yet, so three lifecycle
 * states follow, which no lane or cell ever carries (a lane shows them as
 * TL_NOT_ALIVE). The order of the drawn states is the one of the state
 * table in docs/design.md; numbers are not stored in files.
 *
 * Two other enums describe threads and stay apart on purpose:
 *   - enum waits_kind (waits.h) is what a thread is *inside* (a libc call
 *     or system call), not a scheduler state: a thread inside
 *     pthread_mutex_lock may still be running, and the names of its kinds
 *     are the `kind` strings of report --json. The model turns it into the
 *     blocked state below when the thread goes to sleep inside the call.
 *   - EVENT_STATE_* (event_types.h) are the kernel's prev_state bits of a
 *     switch, as the BPF programs read them and trace files record them. */
#ifndef CONCTOP_VOCAB_H
#define CONCTOP_VOCAB_H

#include <stdbool.h>

/* What a thread is doing. */
enum tl_state {
	TL_NOT_ALIVE = 0,     /* before creation, after exit: blank */
	TL_RUNNING,           /* on a CPU: the CPU number */
	TL_SPINNING,          /* on a CPU, busy-waiting inside pthread_spin_lock */
	TL_RUNNABLE,          /* ready, waiting for a CPU: '-' */
	TL_BLOCKED_MUTEX,     /* the blocked kinds below come with attribution */
	TL_BLOCKED_RWLOCK,
	TL_BLOCKED_COND,
	TL_BLOCKED_BARRIER,
	TL_BLOCKED_SEM,
	TL_BLOCKED_JOIN,
	TL_BLOCKED_FUTEX,
	TL_SLEEPING,
	TL_IO,
	TL_UNINTERRUPTIBLE,   /* kernel D state: 'D' */
	TL_GATE,              /* held at conctop's start gate until tracing runs: '>' */
	TL_BLOCKED_UNKNOWN,   /* a voluntary sleep with no attribution: '.' */
	TL_STATE_MAX,         /* the states a lane draws end here */
	/* the model's lifecycle states (never in a lane: TL_NOT_ALIVE there) */
	TL_UNKNOWN = TL_STATE_MAX, /* existed before tracing; its first event will tell */
	TL_NEW,               /* forked, not yet runnable */
	TL_DEAD,              /* exited, or the trace ended */
};

/* Whether a state is on a CPU (running or spinning). */
static inline bool tl_state_on_cpu(unsigned st)
{
	return st == TL_RUNNING || st == TL_SPINNING;
}

/* Whether a state is a voluntary sleep of any kind (blocked, sleeping,
 * waiting for I/O, uninterruptible). */
static inline bool tl_state_blocked(unsigned st)
{
	return st >= TL_BLOCKED_MUTEX && st <= TL_BLOCKED_UNKNOWN;
}

/* What a CPU runs. */
enum tl_cpu_kind { TL_CPU_UNKNOWN = 0, TL_CPU_IDLE, TL_CPU_OTHER, TL_CPU_THREAD };

/* Who woke a thread: a thread index (>= 0) or one of these. */
#define TL_WAKER_UNKNOWN (-1) /* no waking event was seen */
#define TL_WAKER_OTHER (-2)   /* a task of another program */
#define TL_WAKER_KERNEL (-3)  /* the idle task: an interrupt, a timer */
#define TL_WAKER_TIMER (-4)   /* a sleep's timer expired (whichever task the CPU ran then) */

/* Kinds of inconsistency in an event stream: counted, never fatal
 * (stats_anomaly_name and stats_anomaly_key say them in words). */
enum tl_anomaly {
	TL_ANOM_SWITCH_NOT_CURRENT, /* a thread switched out while not running there */
	TL_ANOM_RUNNING_TWICE,      /* switched in while already running */
	TL_ANOM_CPU_MISMATCH,       /* a CPU's previous occupant was not the one switched
				     * out: its switch-in was not reported */
	TL_ANOM_TIME_BACKWARDS,     /* an event earlier than the one before it */
	TL_ANOM_BAD_EVENT,          /* an event with fields out of range */
	TL_ANOM_MAX
};

#endif
