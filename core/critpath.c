/* The critical path of a thread over a window (see critpath.h): a walk of
 * its spans, each blocked stretch handed to the waker's spans over the same
 * stretch, into a tree of nodes; then the tree put in depth-first order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "critpath.h"
#include "mem.h"
#include "vocab.h"

#define CRITPATH_DEPTH_DEFAULT 8
#define CRITPATH_DEPTH_MAX 64

struct critpath {
	const struct spans *s;
	struct critpath_node *node;
	size_t n, cap;
	struct critpath_seg *seg;         /* the path in time (critpath_segments) */
	size_t nseg, segcap;
	unsigned max_depth;
	size_t chain[CRITPATH_DEPTH_MAX]; /* the thread at each depth of the walk under way */
};

/* Each end reason's JSON key and words. */
static const struct {
	const char *key, *words;
} critpath_ends[CRITPATH_END_MAX] = {
	[CRITPATH_BY_KERNEL] = { .key = "kernel", .words = "woken by the kernel" },
	[CRITPATH_BY_OTHER] = { .key = "other_program", .words = "woken by another program" },
	[CRITPATH_NO_WAKER] = { .key = "no_waker", .words = "no waker seen" },
	[CRITPATH_CYCLE] = { .key = "cycle", .words = "woken by a thread already on the path" },
	[CRITPATH_DEPTH] = { .key = "depth", .words = "deeper than the limit" },
	[CRITPATH_BY_TIMER] = { .key = "timer", .words = "woken by a timer" },
};

/* What an end reason is called in words. */
const char *critpath_end_name(enum critpath_end why)
{
	return (unsigned)why < CRITPATH_END_MAX ? critpath_ends[why].words : "?";
}

/* An end reason's key in JSON ("no_waker"). */
const char *critpath_end_key(enum critpath_end why)
{
	return (unsigned)why < CRITPATH_END_MAX ? critpath_ends[why].key : "?";
}

/* The child of node parent for the thread charged with the waits of the
 * kind of sp (wait, signalling, object), created when new: its index, or
 * -ENOMEM. */
static long critpath_child(struct critpath *c, size_t parent, const struct span *sp, size_t thread)
{
	struct critpath_node *n;

	for (size_t i = parent + 1; i < c->n; i++)
		if (c->node[i].parent == parent && c->node[i].thread == thread && c->node[i].object == sp->object &&
		    c->node[i].wait == sp->wait && c->node[i].signalling == sp->signalling)
			return (long)i;
	if (VEC_RESERVE(c->node, c->cap, c->n + 1))
		return -ENOMEM;
	n = &c->node[c->n];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->depth = c->node[parent].depth + 1;
	n->thread = thread;
	n->wait = sp->wait;
	n->signalling = sp->signalling;
	n->object = sp->object;
	return (long)c->n++;
}

/* Adds [x, y) of thread's state to the path in time, joined to the
 * stretch before when it continues it. Returns 0 or -ENOMEM. */
static int critpath_seg_add(struct critpath *c, size_t thread, uint8_t state, uint64_t x, uint64_t y)
{
	struct critpath_seg *last = c->nseg ? &c->seg[c->nseg - 1] : NULL;

	if (last && last->thread == thread && last->state == state && last->end == x) {
		last->end = y;
		return 0;
	}
	if (VEC_RESERVE(c->seg, c->segcap, c->nseg + 1))
		return -ENOMEM;
	c->seg[c->nseg++] = (struct critpath_seg){ x, y, thread, state };
	return 0;
}

/* Whether thread t is on the chain above (and at) depth. */
static bool critpath_on_chain(const struct critpath *c, size_t t, unsigned depth)
{
	for (unsigned d = 0; d <= depth; d++)
		if (c->chain[d] == t)
			return true;
	return false;
}

/* Why a blocked span with waker w is not charged to a thread. */
static enum critpath_end critpath_end_of(int64_t w)
{
	switch (w) {
	case TL_WAKER_KERNEL: return CRITPATH_BY_KERNEL;
	case TL_WAKER_OTHER: return CRITPATH_BY_OTHER;
	case TL_WAKER_TIMER: return CRITPATH_BY_TIMER;
	default: return CRITPATH_NO_WAKER;
	}
}

static int critpath_walk(struct critpath *c, size_t node, size_t thread, uint64_t a, uint64_t b, unsigned depth);

/* Explains span sp of thread, clipped to [a, b), into node (at depth):
 * adds its length to *covered. Returns 0 or -ENOMEM. */
static int critpath_span(struct critpath *c, size_t node, size_t thread, const struct span *sp, uint64_t a, uint64_t b,
			 unsigned depth, uint64_t *covered)
{
	uint64_t x = sp->start > a ? sp->start : a, y = sp->end < b ? sp->end : b, d = y - x;
	bool blocked = tl_state_blocked(sp->state);
	/* a wait charged no further: its waker is on the path already, or too deep */
	bool cycle = blocked && sp->waker >= 0 && critpath_on_chain(c, (size_t)sp->waker, depth);
	bool stop = cycle || (blocked && sp->waker >= 0 && depth + 1 >= c->max_depth);
	long ch;

	if (y <= x)
		return 0;
	*covered += d;
	if ((!blocked || sp->waker < 0 || stop) && critpath_seg_add(c, thread, sp->state, x, y))
		return -ENOMEM;
	if (tl_state_on_cpu(sp->state)) {
		c->node[node].running_ns += d;
	} else if (sp->state == TL_RUNNABLE) {
		uint64_t behind[4];

		c->node[node].runnable_ns += d;
		spans_cpu_sum(c->s, sp->cpu >= 0 ? (unsigned)sp->cpu : UINT32_MAX, x, y, behind);
		for (unsigned j = 0; j < 4; j++)
			c->node[node].behind_ns[j] += behind[j];
	} else if (!blocked) {
		c->node[node].other_ns += d;
	} else {
		c->node[node].blocked_ns += d;
		if (sp->waker < 0 || stop) {
			c->node[node].unexplained_ns[sp->waker < 0 ? critpath_end_of(sp->waker)
						     : cycle   ? CRITPATH_CYCLE
							       : CRITPATH_DEPTH] += d;
			return 0;
		}
		ch = critpath_child(c, node, sp, (size_t)sp->waker);
		if (ch < 0)
			return (int)ch;
		c->node[ch].charged_ns += d;
		c->node[ch].stretches++;
		if (critpath_walk(c, (size_t)ch, (size_t)sp->waker, x, y, depth + 1))
			return -ENOMEM;
	}
	return 0;
}

/* Explains thread's time over [a, b) into node (at depth): its own states,
 * and each blocked stretch charged to its waker, recursively; in a history
 * still followed, also the state it is in (a wait under way has no waker
 * yet: live, a thread blocked in a join all the window said "ran 0 s").
 * Returns 0 or -ENOMEM. */
static int critpath_walk(struct critpath *c, size_t node, size_t thread, uint64_t a, uint64_t b, unsigned depth)
{
	const struct spans_thread *th = spans_thread(c->s, thread);
	long k = spans_at(c->s, thread, a);
	uint64_t covered = 0;
	struct span open;
	int e = 0;

	c->chain[depth] = thread;
	for (size_t i = k < 0 ? 0 : (size_t)k; !e && i < th->n && spans_get(c->s, thread, i)->start < b; i++)
		e = critpath_span(c, node, thread, spans_get(c->s, thread, i), a, b, depth, &covered);
	if (!e && spans_open_state(c->s, thread, &open))
		e = critpath_span(c, node, thread, &open, a, b, depth, &covered);
	if (e)
		return e;
	c->node[node].other_ns += (b - a) - covered;
	return 0;
}

/* Orders node indexes (into the nodes at arg) by parent, then by charged
 * time, largest first. */
static int critpath_by_parent(const void *pa, const void *pb, void *arg)
{
	const struct critpath_node *nodes = arg;
	const struct critpath_node *x = &nodes[*(const size_t *)pa], *y = &nodes[*(const size_t *)pb];

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->charged_ns != y->charged_ns)
		return x->charged_ns > y->charged_ns ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* Puts the nodes in depth-first order, children by charged time. Returns
 * 0 or -ENOMEM. */
static int critpath_order(struct critpath *c)
{
	size_t *by = malloc(c->n * sizeof(*by)), *first = calloc(c->n + 1, sizeof(*first));
	size_t *stack = malloc(c->n * sizeof(*stack)), *newidx = malloc(c->n * sizeof(*newidx));
	struct critpath_node *out = malloc(c->n * sizeof(*out));
	size_t top = 0, m = 0;
	int r = -ENOMEM;

	if (!by || !first || !stack || !newidx || !out)
		goto done;
	for (size_t i = 0; i < c->n; i++)
		by[i] = i;
	qsort_r(by + 1, c->n - 1, sizeof(*by), critpath_by_parent, c->node); /* the root stays first */
	for (size_t i = 1; i < c->n; i++) /* first[p + 1]: how many children p has, then offsets */
		first[c->node[by[i]].parent + 1]++;
	for (size_t p = 0; p < c->n; p++)
		first[p + 1] += first[p];
	stack[top++] = 0;
	while (top) {
		size_t i = stack[--top];

		newidx[i] = m;
		out[m] = c->node[i];
		out[m].parent = i ? newidx[c->node[i].parent] : SIZE_MAX;
		m++;
		for (size_t k = first[i + 1]; k > first[i]; k--) /* pushed last first: popped in order */
			stack[top++] = by[k];
	}
	free(c->node);
	c->node = out;
	c->cap = c->n;
	out = NULL;
	r = 0;
done:
	free(by);
	free(first);
	free(stack);
	free(newidx);
	free(out);
	return r;
}

/* Computes the path. */
int critpath_new(struct critpath **out, const struct spans *s, size_t thread, uint64_t from, uint64_t to,
		 unsigned max_depth)
{
	struct critpath *c;
	int r;

	*out = NULL;
	if (!to)
		to = spans_end(s);
	if (from >= to || !spans_thread(s, thread))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->s = s;
	c->max_depth = !max_depth ? CRITPATH_DEPTH_DEFAULT : max_depth > CRITPATH_DEPTH_MAX ? CRITPATH_DEPTH_MAX
											    : max_depth;
	r = VEC_RESERVE(c->node, c->cap, 1);
	if (!r) {
		memset(c->node, 0, sizeof(*c->node));
		c->node[0].parent = SIZE_MAX;
		c->node[0].thread = thread;
		c->node[0].object = -1;
		c->n = 1;
		r = critpath_walk(c, 0, thread, from, to, 0);
	}
	if (!r)
		r = critpath_order(c);
	if (r)
		critpath_free(c);
	else
		*out = c;
	return r;
}

/* Frees it. */
void critpath_free(struct critpath *c)
{
	if (c) {
		free(c->seg);
		free(c->node);
	}
	free(c);
}

/* The number of nodes. */
size_t critpath_count(const struct critpath *c)
{
	return c ? c->n : 0;
}

/* Node i (NULL past the last). */
const struct critpath_node *critpath_node(const struct critpath *c, size_t i)
{
	if (!c || i >= c->n)
		return NULL;
	return c->node + i;
}

/* The path in time. */
size_t critpath_segments(const struct critpath *c, const struct critpath_seg **out)
{
	*out = c ? c->seg : NULL;
	return c ? c->nseg : 0;
}
