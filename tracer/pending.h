/* The tracer's pending events: drained from the ring buffer in the order
 * they arrive, handed on in time order.
 *
 * Records arrive nearly in time order one by one, but not batches: a CPU's
 * staged records (up to 64, written over the time that CPU took to fill
 * them) arrive after the other CPUs' records of that time, and the more
 * CPUs, the more records each staged one is out of place by. So events are
 * appended as they come and put in order once a drain (pending_settle): a
 * sort of what that drain brought, then one merge with what was pending.
 *
 * The list is ev[head] to ev[n - 1], in time order from head to sorted
 * (events of one time in arrival order), then the events appended since
 * the last pending_settle. Functions return 0 or -ENOMEM. */
#ifndef CONCTOP_PENDING_H
#define CONCTOP_PENDING_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct pending_key;

struct pending {
	struct event *ev;
	size_t head, sorted, n, cap;
	struct pending_key *keys; /* pending_settle's sort of the new events */
	size_t keys_cap;
	struct event *scratch;    /* ... and the new events in their order */
	size_t scratch_cap;
};

/* Makes an empty list. */
void pending_init(struct pending *p);

/* Frees what it holds (it is empty and usable again). */
void pending_done(struct pending *p);

/* Appends ev, not yet in order. */
int pending_push(struct pending *p, const struct event *ev);

/* Puts the events appended since the last call in time order among the
 * others (stable: events of one time keep the order they arrived in). */
int pending_settle(struct pending *p);

/* The events before ev[upto] were handed on: they leave the list (moved
 * out once they are half of it, not at every call; the room a stall took
 * goes back). */
void pending_consumed(struct pending *p, size_t upto);

#endif
