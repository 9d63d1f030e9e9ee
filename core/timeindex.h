/* A time index: entries in time order, each a time and an optional 32-bit
 * value, found by time (the first at or after t) or by number. The
 * timeline keeps two: the instants of scheduling events (for stepping) and
 * the log of notable events.
 *
 * Entries live in blocks (from an arena) of 32-bit offsets from the
 * block's 64-bit base; a block ends when full or when an offset would not
 * fit. Blocks start small and double, and a block cut short by a long gap
 * is followed by a small one: memory follows the entries, not the time
 * between them. */
#ifndef CONCTOP_TIMEINDEX_H
#define CONCTOP_TIMEINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mem.h"

struct tix_block;

/* Where a block starts, contiguous for the binary searches. */
struct tix_ref {
	uint64_t base;     /* ts of its first entry */
	uint64_t first;    /* the index of its first entry */
	struct tix_block *blk;
};

/* A time index (its fields are timeindex.c's). */
struct tix {
	struct tix_ref *refs;
	size_t nblocks, cap;
	uint64_t count;
	bool with_val;
};

/* Makes an empty index; with_val: entries carry a value. */
void tix_init(struct tix *x, bool with_val);

/* Frees its block list (the blocks belong to the arena). */
void tix_done(struct tix *x);

/* Appends an entry at ts (an earlier ts is taken as the last one's).
 * Returns 0 or -ENOMEM. */
int tix_push(struct tix *x, struct arena *a, uint64_t ts, uint32_t val);

/* The ts of the last entry; false when there is none. */
bool tix_last(const struct tix *x, uint64_t *ts);

/* The index of the first entry with ts >= t (the count when none). */
uint64_t tix_lower(const struct tix *x, uint64_t t);

/* Entry i (< the count): its ts, and its value when val is not NULL (0 in
 * an index without values). */
void tix_at(const struct tix *x, uint64_t i, uint64_t *ts, uint32_t *val);

/* Bytes held outside the arena. */
size_t tix_memory(const struct tix *x);

#endif
