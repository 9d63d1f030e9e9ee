/* Contention by object: for each object of the program that threads waited
 * on (a mutex, a condition variable, a semaphore, a barrier, a rwlock, a
 * futex word), over a window of the trace: how many waits, how long in
 * all and at longest, how many distinct threads waited, which threads held
 * it while others waited and for how long, and how many waits ended by a
 * handover. Computed from a thread history (spans.h), or summed as the
 * history is made; rows sorted by total wait, largest first.
 *
 * A wait is a blocked span (spans.h) whose object is known, clipped to the
 * window; the figures count only its part inside the window, and a wait
 * with no part inside is not counted. Waits without an object (sleeps,
 * I/O, joins, unknown causes) are not in the table. */
#ifndef CONCTOP_CONTENTION_H
#define CONCTOP_CONTENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "spans.h"

struct contention;

/* A thread that held an object while others waited on it: the waits that
 * named it as holder when they began, and hold_ns, the time at least one
 * of them was under way, each up to the holder's first release after its
 * start (the union of those waits, not their sum). */
struct contention_holder {
	size_t thread;      /* spans thread index */
	uint64_t waits;
	uint64_t hold_ns;
};

/* One object's row. */
struct contention_row {
	int64_t object;      /* spans_object / spans_object_label */
	int32_t tgid;        /* its process */
	uint8_t kind;        /* enum waits_kind of its waits (of the first, if they differ) */
	uint64_t waits;
	uint64_t total_ns, longest_ns;
	size_t longest_thread;   /* who waited longest at once */
	size_t waiters;          /* distinct threads that waited */
	uint64_t handovers;      /* waits ended by a waking through this object: for a
				  * lock, its holder's release waking the waiter */
	const struct contention_holder *holder;  /* by hold_ns, largest first */
	size_t nholders;
};

/* Computes the table of the history s over [from, to) (to 0: its end);
 * of a history still followed (not finished), with the waits under way
 * counted up to its last event.
 * A history trimmed at from or before gives the table the whole history
 * gives (its trims kept the releases its waits need); one that began at a
 * model's present (spans_from_model: a checkpoint) knows no release
 * before it, so a wait under way there is charged to its holder up to its
 * end. Returns 0, -EINVAL when the window is empty, or -ENOMEM. */
int contention_new(struct contention **out, const struct spans *s, uint64_t from, uint64_t to);

/* Frees it. */
void contention_free(struct contention *c);

/* The same table summed as a file is read, for a whole file of any size:
 * each wait is folded in as it ends (a history's sink: spans_set_sink),
 * and what no later wait can change is settled as it goes, so that the
 * memory holds the objects, threads and holders, and of the waits only
 * those that a wait still under way on the same object and holder
 * started before (a few, but for a thread stuck on a lock while others
 * come and go on it). */
struct contention_sum;

/* A sum over [from, to) (to UINT64_MAX: no end). Returns 0, -EINVAL when
 * the window is empty, or -ENOMEM. */
int contention_sum_new(struct contention_sum **out, uint64_t from, uint64_t to);

/* Makes s hand its waits to c as they end, from now on. */
void contention_sum_follow(struct contention_sum *c, struct spans *s);

/* Bytes it holds. */
size_t contention_sum_memory(const struct contention_sum *c);

/* The table of what it was given (s: the history that gave it, finished),
 * as contention_new of a history that kept every span would make it. Once
 * only: the sum takes no more waits after it. Returns 0 or -ENOMEM. */
int contention_sum_table(struct contention_sum *c, const struct spans *s, struct contention **out);

/* Frees it (the table it made lives on). */
void contention_sum_free(struct contention_sum *c);

/* The objects it has a row for so far. */
size_t contention_sum_rows(const struct contention_sum *c);

/* Whether an event of this type can put a thread in a wait on an object:
 * a block, a libc call, or a followed system call (a wait4 for a child
 * process, whose object is the child). A trace with none of them has an
 * empty table. Inline: a reading asks it of every event. */
static inline bool contention_event_may_wait(unsigned type)
{
	return type == EVENT_BLOCK || type == EVENT_CALL || type == EVENT_SYSCALL;
}

/* The rows, by total wait, largest first (a NULL table has none). */
size_t contention_count(const struct contention *c);
const struct contention_row *contention_row(const struct contention *c, size_t i);

#endif
