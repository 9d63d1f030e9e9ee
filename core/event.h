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
#include "event_types.h"


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

/* Whether two events say the same: field by field, the text up to its NUL
 * (a reader leaves the text's bytes after it as they were). */
int event_equal(const struct event *a, const struct event *b);

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
