/* Turns the kernel side's block records (what a thread sleeps in, read at
 * its switch) into the events the rest of conctop reads: the object a futex
 * word belongs to (core/glibc_sync.h), its holder, the thread joined; and
 * marks a waker's futex wake with the object it wakes through. Remembers
 * per process which words belong to which objects, so that names stay the
 * same through a run. */
#ifndef CONCTOP_FUTEX_NAMES_H
#define CONCTOP_FUTEX_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include "event.h"
#include "glibc_sync.h"

struct futex_names;

int futex_names_new(struct futex_names **out);
void futex_names_free(struct futex_names *f);

/* Thread tid of process tgid exists (from EVENT_THREAD and EVENT_FORK).
 * Returns 0 or -ENOMEM. */
int futex_names_thread(struct futex_names *f, int32_t tgid, int32_t tid);

/* Notes that a thread of a process exited: a join seen asleep after the
 * kernel cleared its word is still told (glibc_sync.h). 0 or -ENOMEM. */
int futex_names_exit(struct futex_names *f, int32_t tgid, int32_t tid);

/* Whether process tgid runs a libc whose layouts glibc_sync knows: set at
 * attach and exec; a new process takes its parent's (futex_names_inherit).
 * A process never set is unknown: its waits are plain futexes. */
int futex_names_layout(struct futex_names *f, int32_t tgid, bool known);
int futex_names_inherit(struct futex_names *f, int32_t parent, int32_t child);

/* Whether process tgid's layout was set since it last ran a new program;
 * futex_names_exec forgets it (an exec loads another libc). */
bool futex_names_layout_set(const struct futex_names *f, int32_t tgid);
int futex_names_exec(struct futex_names *f, int32_t tgid);

/* Whether the futex wait of block ev needs the symbol covering its word
 * (then look it up and pass it to futex_names_block). */
bool futex_names_wants_symbol(const struct event *ev);

/* Rewrites decoded block record ev in place into an EVENT_BLOCK as
 * core/event_types.h describes it. sym: the data symbol covering the futex
 * word (NULL or !found: none). Returns 1 to deliver ev, 0 when it says
 * nothing (a sleep outside any followed system call), or -ENOMEM. */
int futex_names_block(struct futex_names *f, struct event *ev, const struct glibc_symbol *sym);

/* Rewrites a waking event's futex mark (tracer/conctop.h) into the wake op
 * and object of core/event_types.h, when the word is one a thread of that
 * process was seen to sleep on and the woken thread sleeps on it; else
 * clears it. */
void futex_names_waking(struct futex_names *f, struct event *ev);

#endif
