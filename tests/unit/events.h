/* Hand-built events for the unit tests that feed a timeline, a model or
 * the contention spans without a trace file. */
#ifndef CONCTOP_TEST_EVENTS_H
#define CONCTOP_TEST_EVENTS_H

#include <stdio.h>
#include <string.h>
#include "event.h"

/* One event at ts on cpu: tid and tid2 (when > 0) are threads of process
 * tgid, other values (0 idle, < 0 another program) are kept as they are. */
static inline struct event test_event(int tgid, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2,
				      unsigned op, int64_t arg, int64_t arg2, const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = tid > 0 ? tgid : tid;
	e.tid2 = tid2;
	e.tgid2 = tid2 > 0 ? tgid : tid2;
	e.op = op;
	e.arg = arg;
	e.arg2 = arg2;
	if (text)
		snprintf(e.text, sizeof(e.text), "%s", text);
	return e;
}

#endif
