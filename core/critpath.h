/* The critical path of a thread over a window: what its time went to, all
 * the way down. Its running and runnable time are its own; each stretch it
 * was blocked is charged to the thread that woke it, and that thread's time
 * over the same stretch is explained the same way, recursively: down to
 * running time, runnable time (waiting for a CPU), or a wait no thread
 * ended (woken by the kernel, by another program, never woken in the
 * trace), or a thread already on the chain (a cycle), or the depth limit.
 *
 * The answer is a tree of nodes, built from a thread history that keeps
 * every span (spans.h, SPANS_ALL). The root is the chosen thread over the
 * window; a child is a thread charged with some of its parent's blocked
 * time, on one object: all the parent's stretches blocked on that object
 * and ended by that thread, merged. Nodes come in depth-first order, each
 * node's children by charged time, largest first. */
#ifndef CONCTOP_CRITPATH_H
#define CONCTOP_CRITPATH_H

#include <stddef.h>
#include <stdint.h>
#include "spans.h"

struct critpath;

/* Why blocked time is not charged to a thread. */
enum critpath_end {
	CRITPATH_BY_KERNEL = 0,  /* woken by the kernel: a timer, an interrupt */
	CRITPATH_BY_OTHER,       /* woken by a task of another program */
	CRITPATH_NO_WAKER,       /* no waking seen: still blocked at the end of the trace, or missed */
	CRITPATH_CYCLE,          /* woken by a thread already on the chain */
	CRITPATH_DEPTH,          /* the depth limit */
	CRITPATH_BY_TIMER,       /* a sleep's timer expired */
	CRITPATH_END_MAX
};

/* One thread's share of the path. */
struct critpath_node {
	size_t parent;        /* index of the parent node; SIZE_MAX for the root */
	unsigned depth;       /* 0 for the root */
	size_t thread;        /* spans thread index */
	/* the edge from the parent (not for the root): the parent was blocked
	 * `charged_ns` on `object` (its wait kind `wait`), in `stretches`
	 * stretches each ended by a wakeup from this node's thread */
	uint8_t wait;
	bool signalling;      /* blocked inside a signal of the cond `object` (span.signalling) */
	int64_t object;
	uint64_t charged_ns;
	uint64_t stretches;
	/* this thread's own time over those stretches (the root: the window) */
	uint64_t running_ns, runnable_ns;
	uint64_t behind_ns[4];   /* runnable_ns by what its CPU ran meanwhile (enum
				  * tl_cpu_kind: unknown, idle, another program, a
				  * thread of the program); the CPU is the one it then ran on */
	uint64_t blocked_ns;                     /* in all; the children share part of it */
	uint64_t unexplained_ns[CRITPATH_END_MAX]; /* the rest of blocked_ns, by why */
	uint64_t other_ns;                       /* not alive (before its start, after its end) */
};

/* One stretch of the path in time: over [start, end) the time of the
 * chosen thread went to thread's own state (running, runnable, or a wait
 * charged no further: enum tl_state). The stretches of a path come in time
 * order, without overlaps; adjacent stretches of one thread in one state
 * are one. */
struct critpath_seg {
	uint64_t start, end;
	size_t thread;        /* spans thread index */
	uint8_t state;        /* enum tl_state (vocab.h) */
};

/* Computes the path of thread over [from, to) (to 0: the end of the
 * history), at most max_depth threads deep (0: 8). Returns 0, -EINVAL for
 * an empty window or an unknown thread, or -ENOMEM. */
int critpath_new(struct critpath **out, const struct spans *s, size_t thread, uint64_t from, uint64_t to,
		 unsigned max_depth);

/* Frees it. */
void critpath_free(struct critpath *c);

/* The nodes, depth first (node 0 is the root). */
size_t critpath_count(const struct critpath *c);
const struct critpath_node *critpath_node(const struct critpath *c, size_t i);

/* The stretches of the path, in time order: writes their address to
 * *out and returns how many. */
size_t critpath_segments(const struct critpath *c, const struct critpath_seg **out);

/* What an end reason is called in words ("woken by the kernel"). */
const char *critpath_end_name(enum critpath_end why);

/* An end reason's key in JSON ("no_waker"). */
const char *critpath_end_key(enum critpath_end why);

#endif
