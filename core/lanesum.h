/* Lane summaries: a pyramid over a lane's closed blocks, so that a column
 * many blocks wide costs a few lookups in small arrays, whatever the
 * trace's length, instead of walks of cold records.
 *
 * Level 0 has a node per closed block (node i is block i of the lane); a
 * node of level l + 1 covers LANESUM_FAN consecutive nodes of level l and
 * exists once they all do. Every node keeps where it starts (the base of
 * its first block) and the LANESUM_K keys that held the most time under it
 * (the others are dropped: a sum of nodes is a lower bound for every key,
 * exact for a key that was among the top of each node); a node of level 1
 * and up of a thread lane also keeps the time in each state and the wakeup
 * records before it (a checkpoint, as the lane keeps per block), so the
 * time in each state between two of its nodes' starts is a difference.
 *
 * A window is summed at the coarsest level at which it covers at least
 * LANESUM_MIN nodes: the nodes wholly inside count whole (a run of n of
 * them is at most 2 (LANESUM_FAN - 1) nodes a level), and the two nodes at
 * its ends count in proportion to the part of their time inside it. So
 * the error is within two nodes' time out of at least LANESUM_MIN, and
 * only where a node's mix is uneven in time.
 *
 * The pyramid only grows (a block, once closed, never changes), so it is
 * kept up to date as the lane grows: the lane pushes a block when it opens
 * the next one. Memory: a few bytes per record (the bench says how many). */
#ifndef CONCTOP_LANESUM_H
#define CONCTOP_LANESUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lane.h"

#define LANESUM_K 3     /* keys a node keeps */
#define LANESUM_FAN 4   /* nodes of a level a node of the next one covers */
#define LANESUM_MIN 8   /* nodes a window covers at the level it is summed at */

struct lanesum;

/* A window as nodes of one level: node i0 holds its start, i1 its end. */
struct lanesum_span {
	unsigned level;
	size_t i0, i1;
};

/* Appends the node of the next closed block: its time [base, end), its
 * keys (ty: all of them with their time; the LANESUM_K largest are kept),
 * and in a thread lane (cum not NULL) the time in each state and the
 * wakeup records before it. Makes *ls on the first call. Returns 0 or
 * -ENOMEM. */
int lanesum_push(struct lanesum **ls, uint64_t base, uint64_t end, const uint64_t cum[TL_STATE_MAX], uint32_t wakes,
		 const struct lane_tally *ty);

/* Finds the coarsest level, min_level or above, at which [t0, t1) covers at
 * least LANESUM_MIN nodes and ends within a node that has a successor;
 * false when none (a window too narrow, starting before the lane, or
 * ending in its last nodes). */
bool lanesum_find(const struct lanesum *ls, uint64_t t0, uint64_t t1, unsigned min_level, struct lanesum_span *sp);

/* The keys of [t0, t1) over a span found for it, added to ty. */
void lanesum_span_tally(const struct lanesum *ls, const struct lanesum_span *sp, uint64_t t0, uint64_t t1,
			struct lane_tally *ty);

/* Thread lanes, over a span of level 1 or up found for [t0, t1): the time
 * in each state, into sum; the wakeup records, counted in proportion at
 * the ends, into *wakes; those of the nodes wholly inside into *inside,
 * and those of the two end nodes into *ends. */
void lanesum_span_sum(const struct lanesum *ls, const struct lanesum_span *sp, uint64_t t0, uint64_t t1,
		      uint64_t sum[TL_STATE_MAX], uint64_t *wakes, uint64_t *inside, uint64_t *ends);

/* Adds to ty the keys of blocks [first, last) (closed ones). */
void lanesum_add(const struct lanesum *ls, size_t first, size_t last, struct lane_tally *ty);

/* The time [*start, *end) of node i of a level (i below its whole
 * nodes'), for tests that bound a span's error. */
void lanesum_node_time(const struct lanesum *ls, unsigned level, size_t i, uint64_t *start, uint64_t *end);

/* The number of blocks pushed. */
size_t lanesum_blocks(const struct lanesum *ls);

/* Bytes held (NULL: none). */
size_t lanesum_memory(const struct lanesum *ls);

/* Frees it (NULL is fine). */
void lanesum_free(struct lanesum *ls);

#endif
