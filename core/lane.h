/* A lane: the state changes of one thread or one CPU in time order, stored
 * compactly, and the questions the views ask of a window of it.
 *
 * A lane is a list of blocks (carved from an arena) of records; a record is
 * a time delta from the previous record and a 32-bit code. The lane does
 * not interpret codes, except in a thread lane, whose codes are
 * LANE_CODE(state, aux) with an optional LANE_WAKE bit: there each block
 * after the first carries a checkpoint (the time spent in each state, and
 * the wakeup records, before its first record), so time in state over
 * [t0, t1) is lane_cum(t1) - lane_cum(t0), each a binary search over the
 * blocks and a walk of at most one block. A column many blocks wide is
 * read from the lane's summaries instead (lanesum.h: a pyramid over its
 * closed blocks, kept as it grows), in a few lookups of small arrays.
 *
 * Memory follows the number of changes, never the time between them: a
 * delta too long for 31 bits is bridged by at most a few filler records
 * that repeat the state with a scaled delta, and a lane's first block is
 * small, so a trace of many short-lived threads stays small. */
#ifndef CONCTOP_LANE_H
#define CONCTOP_LANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mem.h"
#include "vocab.h"

/* A thread lane's code: a state (enum tl_state), a wakeup bit, and an aux
 * field of 26 bits whose meaning is the timeline's. */
#define LANE_STATE(c) ((c) & 0x1fu)
#define LANE_WAKE 0x20u
#define LANE_AUX(c) ((c) >> 6)
#define LANE_AUX_MAX ((1u << 26) - 1)
#define LANE_CODE(st, aux) ((uint32_t)(st) | (uint32_t)(aux) << 6)

/* Records of a lane's blocks after the first (a window holding fewer is
 * tallied exactly). */
#define LANE_B 64

/* No key: a code not counted by a tally. */
#define LANE_NONE UINT32_MAX

/* The keys a tally holds (a key past them is dropped). */
#define LANE_TALLY_KEYS 36


struct lane_block;
struct lanesum;

/* Where a block starts, kept contiguous for the binary searches. */
struct lane_ref {
	uint64_t base;              /* ts of its first record */
	struct lane_block *blk;
};

/* A lane (its fields are lane.c's). */
struct lane {
	struct lane_ref first;      /* block 0 (most lanes of short threads have one block) */
	struct lane_ref *more;      /* blocks 1, 2, ... */
	size_t nblocks, cap;        /* blocks in all; room in more */
	uint64_t last_ts;           /* of the last record */
	uint32_t last_code;
	uint32_t wakes;             /* wakeup records in all */
	struct lanesum *sum;        /* the summaries of its closed blocks (lanesum.h), NULL while it has one */
	bool thread;                /* a thread lane: codes carry a state, blocks checkpoints */
	bool provisional;           /* the last record guesses an unknown state (the timeline's flag) */
	uint32_t bytes;             /* lane_memory, counted as its block list and summaries grow
				     * (held at UINT32_MAX) */
};

/* A position in a lane: record k of block b, at time ts. */
struct lane_pos {
	size_t b;
	unsigned k;
	uint64_t ts;
};

/* The amounts of time each key held within a window. */
struct lane_tally {
	unsigned n;
	uint32_t key[LANE_TALLY_KEYS];
	uint64_t amount[LANE_TALLY_KEYS];
	uint64_t whole;             /* the window's length */
};

/* Makes an empty lane (a thread lane when thread). */
void lane_init(struct lane *L, bool thread);

/* Frees its block list (the blocks belong to the arena). */
void lane_done(struct lane *L);

/* Appends a change at ts (an earlier ts is taken as the last one's).
 * Returns 0 or -ENOMEM. */
int lane_push(struct lane *L, struct arena *a, uint64_t ts, uint32_t code);

/* Forgets every record and keeps one change at ts (an earlier ts is taken
 * as the last one's): what a reading that keeps only the present pushes
 * instead (timeline_skim_until). Returns 0 or -ENOMEM. */
int lane_restart(struct lane *L, struct arena *a, uint64_t ts, uint32_t code);

/* Rewrites the code of the last record. */
void lane_replace_last(struct lane *L, uint32_t code);

/* Marks the last record of a thread lane as a wakeup, with aux. */
void lane_mark_wakeup(struct lane *L, uint32_t aux);

/* Positions: the first record; the last record with ts < t (incl: <= t).
 * False when there is none. */
bool lane_first(const struct lane *L, struct lane_pos *p);
bool lane_seek(const struct lane *L, uint64_t t, bool incl, struct lane_pos *p);

/* Moves p to the next or previous record; false at the lane's end or start. */
bool lane_next(const struct lane *L, struct lane_pos *p);
bool lane_prev(const struct lane *L, struct lane_pos *p);

/* The code of the record at p; the ts of the record after it (UINT64_MAX at the end). */
uint32_t lane_code(const struct lane *L, const struct lane_pos *p);
uint64_t lane_next_ts(const struct lane *L, const struct lane_pos *p);

/* Thread lanes: the time spent in each state before t, into cum, and the
 * wakeup records before t into *wakes. Returns how many records come
 * before t (so a window's changes are a difference of two). */
size_t lane_cum(const struct lane *L, uint64_t t, uint64_t cum[TL_STATE_MAX], uint32_t *wakes);

/* Thread lanes: the time spent in each state within [t0, t1), into sum,
 * and the wakeup records within into *wakes: exact (two lane_cum) unless
 * the window covers LANESUM_MIN nodes of level 1 or up of the lane's
 * summaries (lanesum.h), where its two end nodes count in proportion, and
 * so do their wakeup records (but a window with a wakeup has at least one,
 * and one whose only wakeups are in its end nodes is walked). */
void lane_window_sum(const struct lane *L, uint64_t t0, uint64_t t1, uint64_t sum[TL_STATE_MAX], uint32_t *wakes);

/* Thread lanes: the last wakeup record at or before p: its code and ts.
 * False when there is none. */
bool lane_last_wakeup(const struct lane *L, const struct lane_pos *p, uint32_t *code, uint64_t *ts);

/* Tallies which key held the window [t0, t1) of a lane whose records count
 * until end, by the lane's own key: in a thread lane the CPU + 1 of a
 * running record (the others: LANE_NONE), in any other lane the code. A
 * window wide enough to cover LANESUM_MIN nodes of the lane's summaries
 * (lanesum.h) is summed from them alone (its two end nodes in proportion);
 * a narrower one walks the records of its first and last blocks and takes
 * the whole blocks between from the summaries, so a window holding fewer
 * than LANE_B records is exact. The cost is a few lookups, whatever
 * the window's length. Time before the lane's first record and from end
 * on counts as key absent. */
void lane_tally_summed(const struct lane *L, uint64_t t0, uint64_t t1, uint64_t end, uint32_t absent,
		       struct lane_tally *ty);

/* The key of a record for lane_tally_summed. */
uint32_t lane_sum_key(const struct lane *L, uint32_t code);

/* Adds amount to key's total in ty (nothing for LANE_NONE; a key beyond
 * the tally's room is dropped). */
void lane_tally_add(struct lane_tally *ty, uint32_t key, uint64_t amount);

/* The index of a tally's largest amount (the earliest on a tie), or -1 when empty. */
int lane_tally_best(const struct lane_tally *ty);

/* Bytes the lane holds outside the arena (counted when they change). */
size_t lane_memory(const struct lane *L);

/* lane_memory counted from its block list and summaries: the same (for
 * tests). */
size_t lane_memory_recount(const struct lane *L);

/* Bytes of the arena a lane holds at the least: its first block, all a
 * lane restarted by a trim keeps. */
size_t lane_first_block_bytes(void);

/* Of those, the bytes of its summaries (lanesum.h). */
size_t lane_summary_memory(const struct lane *L);

#endif
