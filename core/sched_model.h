/* The scheduling state machine: one small machine per thread and one
 * "current occupant" per CPU, fed the normalised events in time order.
 *
 * It decides what every traced thread and every CPU is doing, in the words
 * of vocab.h (thread states, CPU occupants, wakers, anomalies), and tells its
 * consumer through callbacks: a thread appeared or was renamed, a thread's
 * state changed, a CPU's occupant changed, a thread was woken. It keeps no
 * history: the statistics (stats.c) sum the intervals it reports, the
 * timeline (timeline.c) stores them. Both therefore agree by construction.
 *
 * It also follows the attribution events (libc calls, system calls, object
 * names) through a wait tracker (waits.h), so that a blocked state says
 * what it waits on, and a thread inside pthread_spin_lock is spinning.
 *
 * Rules it applies (as perf sched does):
 *   - a switch-out is voluntary when the prev state says the thread slept
 *     (event_switch_voluntary); a prev state with the D bit is
 *     TL_UNINTERRUPTIBLE, another voluntary one a blocked state that says
 *     what the thread waits on (the wait tracker's kind: TL_BLOCKED_MUTEX,
 *     TL_SLEEPING, ..., TL_BLOCKED_UNKNOWN when it does not know), an
 *     involuntary one TL_RUNNABLE; the exit switch makes it TL_DEAD;
 *   - a thread that existed before tracing (or is first seen mid-trace) is
 *     TL_UNKNOWN until its first event settles what it was doing since
 *     then; the change then carries `settled`;
 *   - a switch whose prev is not the CPU's current occupant means the kernel
 *     did not report prev's switch-in: prev is taken to have run since the
 *     CPU's previous switch (changes with cause SCHED_BY_MISSED_SWITCH_IN);
 *   - anomalies are counted, never asserted; an event earlier than the one
 *     before it is counted and taken at the time of the one before.
 *
 * Times a consumer sees never decrease per thread and per CPU, except that
 * a correction (missed switch-in) may restate a thread's or a CPU's state
 * from the moment of its previous change onwards (ts equal to that change,
 * or later). */
#ifndef CONCTOP_SCHED_MODEL_H
#define CONCTOP_SCHED_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "vocab.h"
#include "waits.h"

struct sched_model;

/* Why a thread's state changed. */
enum sched_cause {
	SCHED_BY_SWITCH_IN = 0,     /* it was switched in */
	SCHED_BY_PREEMPT,           /* involuntary switch-out */
	SCHED_BY_SLEEP,             /* voluntary switch-out */
	SCHED_BY_EXIT,              /* its last switch-out: it died */
	SCHED_BY_WAKEUP,            /* a wakeup put it on a run queue */
	SCHED_BY_WAKEUP_NEW,        /* a new thread's first wakeup */
	SCHED_BY_ACTING,            /* seen acting (it was current): an unknown state settled */
	SCHED_BY_MISSED_SWITCH_IN,  /* a switch-in the kernel did not report (estimated) */
	SCHED_BY_FINISH,            /* the end of the trace (sched_model_finish) */
	SCHED_BY_CALL,              /* it entered or left a spin lock while running, or (asleep
				     * when tracing began) what it sleeps in became known */
};

/* A thread as the model knows it (read-only for consumers). */
struct sched_thread {
	int32_t tid, tgid;
	uint64_t start_ns;  /* first known state (a new thread: its first wakeup) */
	uint64_t end_ns;    /* when it died (exit switch or finish), else 0 */
	bool existed;       /* already alive when tracing began (EVENT_THREAD) */
	bool exited;        /* its exit switch was seen */
	bool exiting;       /* EVENT_EXIT was seen */
	char proc_state;    /* /proc state letter at attach, 0 if none */
	uint8_t state;      /* enum tl_state */
	uint64_t since;     /* when that state began */
	int32_t cpu;        /* where it runs when running, else -1 */
	int32_t last_cpu;   /* where it last ran, -1 never */
	int64_t creator;    /* the thread that forked it, or TL_WAKER_UNKNOWN */
};

/* A thread's state change: from ts it is `state`; [prev_since, ts) was
 * `prev`. When `settled`, prev was TL_UNKNOWN until this event and is
 * now inferred. */
struct sched_change {
	size_t thread;
	uint64_t ts;
	uint8_t state;       /* enum tl_state */
	int32_t cpu;         /* when running, else -1 */
	uint8_t prev;        /* enum tl_state, never TL_UNKNOWN */
	int32_t prev_cpu;    /* when prev is running: where (-1 unknown) */
	uint64_t prev_since;
	bool settled;
	uint8_t cause;       /* enum sched_cause */
	/* what the new state waits on (blocked, uninterruptible, spinning),
	 * from the attribution events: */
	uint8_t wait;        /* enum waits_kind; WAIT_NONE when unknown or not waiting */
	int64_t object;      /* index of the object (waits_object), -1 none */
	int64_t holder;      /* thread index holding it (a mutex) or joined, -1 none */
	bool signalling;     /* blocked inside a cond signal or broadcast (glibc's signaller
			      * waits for older waiters), not waiting on the cond */
	/* when prev_object >= 0: what the blocked state that ends here turned
	 * out to wait on, in place of what its start said (a wait for any child:
	 * the child whose exit woke it), and its holder (that child's index) */
	int64_t prev_object;
	int64_t prev_holder;
	/* a change by a wakeup (SCHED_BY_WAKEUP): the object its waking came
	 * through (a futex wake of that word), -1 none; and its waker (a thread
	 * index or TL_WAKER_*, as sched_wakeup.waker; else TL_WAKER_UNKNOWN) */
	int64_t via;
	int64_t waker;
};

/* A CPU's occupant change: from ts it runs `kind` (thread when
 * TL_CPU_THREAD); [prev_since, ts) it ran `prev_kind`. `settled`: the CPU
 * was unknown until this first switch, which tells what it ran since
 * prev_since. `correction`: a missed switch-in restates the CPU's occupant
 * from its previous change (ts == prev_since). */
struct sched_cpu_change {
	unsigned cpu;
	uint64_t ts;
	uint8_t kind;        /* enum tl_cpu_kind */
	size_t thread;
	uint8_t prev_kind;
	size_t prev_thread;
	uint64_t prev_since;
	bool settled, correction;
};

/* A thread put on a run queue: by a wakeup (new_thread false) or by its
 * first wakeup after its creation (new_thread true). Reported right after
 * the state change to TL_RUNNABLE that it causes. */
struct sched_wakeup {
	size_t thread;
	uint64_t ts;
	int64_t waker;   /* thread index or TL_WAKER_*; a new thread: its creator */
	int32_t cpu;     /* the run queue it was put on */
	bool new_thread;
};

/* What happened to a thread's identity (the what of the thread callback,
 * which also gets the thread's new name, or NULL when it has none: the
 * model keeps no names, its consumers do). */
enum sched_thread_what {
	SCHED_THREAD_NEW = 0,  /* a new entry (a tid seen for the first time, or reused); no name */
	SCHED_THREAD_FORKED,   /* created by `other` (an index, or TL_WAKER_UNKNOWN); name, tgid set */
	SCHED_THREAD_EXISTED,  /* it existed when tracing began; name and /proc state set */
	SCHED_THREAD_RENAMED,  /* took a new name (rename) */
	SCHED_THREAD_EXEC,     /* ran a new program (new name) */
};

/* The consumer's callbacks (any may be NULL). A non-zero return (-ENOMEM)
 * is handed back by sched_model_add / sched_model_finish; the model goes on. */
struct sched_model_ops {
	int (*thread)(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other, const char *name);
	int (*state)(void *ctx, const struct sched_change *c);
	int (*cpu)(void *ctx, const struct sched_cpu_change *c);
	int (*wakeup)(void *ctx, const struct sched_wakeup *w);
};

/* Creates a model for ncpus CPUs reporting to ops with ctx. Returns 0 or -errno. */
int sched_model_new(struct sched_model **out, unsigned ncpus, const struct sched_model_ops *ops, void *ctx);

/* Frees it. */
void sched_model_free(struct sched_model *m);

/* A copy of m reporting to ops (NULL: m's) with ctx: it follows the
 * events after those m followed as m would. Returns 0 or -ENOMEM. */
int sched_model_clone(const struct sched_model *m, const struct sched_model_ops *ops, void *ctx,
		      struct sched_model **out);

/* Tells the model, before the first event, that conctop started the
 * traced program itself (a trace whose target_pid is 0, a live run that is
 * not -p): the first thread announced (EVENT_THREAD), still named
 * "conctop", sleeps at conctop's start gate until tracing runs, and every
 * sleep of it until its exec is TL_GATE, not the I/O of its read. */
void sched_model_set_gated(struct sched_model *m, bool gated);

/* sched_model_add's answer for an event whose fields are out of range:
 * counted as TL_ANOM_BAD_EVENT, not followed (consumers skip it too). */
#define SCHED_MODEL_SKIPPED 1

/* Follows one event. Returns 0, SCHED_MODEL_SKIPPED, -ENOMEM, or the first
 * error a callback returned. */
int sched_model_add(struct sched_model *m, const struct event *ev);

/* Whether no event after those followed can change the states and CPU
 * occupants the model reported for the time before t: every CPU has
 * switched after t (a switch-in the kernel did not report is restated back
 * to the CPU's previous switch, and a CPU's first switch says what ran
 * there since the start), and no thread is still of unknown state (its
 * first event settles its past) or new (its first wakeup starts its life).
 * A reading can stop there for the lanes of a window that ends at t. With
 * for_log, also for what a log of the window says: no thread waits for
 * any child since before t (its wakeup says which child it was,
 * sched_change's prev_object), and none woken before t waits for a CPU
 * yet (a wakeup's line says when it ran). */
bool sched_model_settled(const struct sched_model *m, uint64_t t, bool for_log);

/* Ends every open state at end_ns (no earlier than the last event): every
 * thread not dead becomes TL_DEAD (an unknown one settled from its /proc
 * state), every CPU TL_CPU_UNKNOWN. Returns 0 or a callback's error. */
int sched_model_finish(struct sched_model *m, uint64_t end_ns);

/* The i-th thread, in order of first appearance. */
const struct sched_thread *sched_model_thread(const struct sched_model *m, size_t i);

/* What thread i's current state waits on, as its last change said
 * (sched_change's wait, object and holder). */
void sched_model_thread_wait(const struct sched_model *m, size_t i, uint8_t *wait, int64_t *object,
			     int64_t *holder, bool *signalling);

/* The index of the latest entry of tid (alive or dead), or -ENOENT. */
long sched_model_find(const struct sched_model *m, int32_t tid);

/* The state an unknown thread is taken to be in (from its /proc letter). */
enum tl_state sched_model_guess(const struct sched_thread *t);

/* The time of the last event followed (after clamping). */
uint64_t sched_model_last_ts(const struct sched_model *m);

/* What the model has counted so far. */
struct sched_counts {
	uint64_t events;                    /* valid events followed */
	uint64_t by_type[EVENT_TYPE_MAX];   /* of them, by type */
	uint64_t lost;                      /* events the kernel lost (EVENT_LOST) */
	uint64_t anomalies[TL_ANOM_MAX];    /* by kind */
	uint64_t anomalies_total;
};
const struct sched_counts *sched_model_counts(const struct sched_model *m);

/* The wait tracker the model keeps (objects, holders, deadlocks). */
const struct waits *sched_model_waits(const struct sched_model *m);

/* Bytes of memory the model holds. */
size_t sched_model_memory(const struct sched_model *m);

#endif
