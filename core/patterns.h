/* Pattern detection: what is certain from the attribution calls alone (a
 * thundering herd, a lost wakeup, the straggler at a barrier, a lock
 * convoy), as structured notes (struct tl_note of timeline.h): who, which
 * object, when, how many. Core says nothing in words; the views do
 * (tui/notes_text.c). The timeline feeds it the calls and blocks it sees
 * and logs the notes it returns. */
#ifndef CONCTOP_PATTERNS_H
#define CONCTOP_PATTERNS_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "timeline.h"
#include "waits.h"

struct patterns;

/* Creates an empty detector. Returns 0 or -ENOMEM. */
int patterns_new(struct patterns **out);
void patterns_free(struct patterns *p);

/* A copy of p that goes on detecting as p would. Returns 0 or -ENOMEM. */
int patterns_clone(const struct patterns *p, struct patterns **out);

/* Follows a call or return of thread index `thread` at ts (cond waits,
 * signals and broadcasts, barrier waits; other events are ignored); w names
 * the objects. Returns 1 with *note filled when a pattern became certain, 0
 * when none did, or -ENOMEM. */
int patterns_follow(struct patterns *p, const struct waits *w, const struct event *ev, size_t thread, uint64_t ts,
		    struct tl_note *note);

/* The same from attribution from blocks: a block of thread index `thread`
 * (a cond or barrier wait begins), or a waking by `thread` through an
 * object (op and arg2 of EVENT_WAKING) of thread index `woken` (-1: not a
 * thread of the timeline). A lost wakeup cannot be seen this way (a signal
 * with nobody waiting makes no system call): --calls shows it. Returns as
 * patterns_follow. */
int patterns_follow_wake(struct patterns *p, const struct waits *w, const struct event *ev, size_t thread,
			 long woken, uint64_t ts, struct tl_note *note);

/* Thread index `thread` blocked on mutex object (an index of w) at ts.
 * Returns 1 with *note filled when a lock convoy became certain, 0, or
 * -ENOMEM. */
int patterns_block(struct patterns *p, int64_t object, size_t thread, uint64_t ts, struct tl_note *note);

/* Bytes the detector holds. */
size_t patterns_memory(const struct patterns *p);

#endif
