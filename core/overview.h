/* The overview: a coarse summary of the time a timeline's trims forgot, so
 * that a view zoomed out over a long trace (a live view left open for
 * hours, a replay of a file larger than its memory cap) draws every
 * column instead of blanks before what memory keeps.
 *
 * Time is cut into buckets of one width from 0 on; the grid holds at most
 * OVERVIEW_BUCKETS of them, and the width doubles (two buckets merged into
 * one) when the time covered would need more, or when the overview holds
 * more than its budget. A lane keeps, for each bucket from its first known
 * one, the two keys that held the most of the bucket's covered time and
 * their shares (a thread lane's key is its state, a CPU lane's its
 * occupant: the timeline's codes), the CPU a thread ran on most, the
 * share of a CPU's time it ran the program's threads, and the wakeups.
 * What a lane has no bucket for is key 0 (not alive, or unknown). The
 * third key and beyond are dropped, so a sum is a lower bound for every
 * key, exact for one that was among the two of each bucket.
 *
 * Trims fill it in time order: a trim at t adds [the last trim, t) to
 * every lane it names; a bucket the last trim covered in part is merged
 * with the rest, by time. It only grows, within its budget. */
#ifndef CONCTOP_OVERVIEW_H
#define CONCTOP_OVERVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lane.h"

#define OVERVIEW_BUCKETS 1024          /* the grid's buckets at most (half to all of them used) */
#define OVERVIEW_WIDTH0 1000000ull     /* the first width: 1 ms */

/* The two families of lanes. */
enum ov_family {
	OV_THREAD,
	OV_CPU,
};

/* What a lane did over a part of a bucket, or over a column. */
struct ov_part {
	struct lane_tally ty;   /* time by key (key 0: not alive or unknown) */
	int16_t cpu;            /* thread lanes: the CPU it ran on most, -1 */
	uint64_t cpu_ns;        /* how long it ran there (which CPU wins a merge) */
	uint64_t wakes;         /* thread lanes: wakeup records */
	uint64_t run_ns;        /* CPU lanes: time running the program's threads; thread lanes:
				 * time on a CPU (running or spinning), kept apart from the two
				 * keys, so that a third state is not lost from the sums */
	uint64_t ready_ns;      /* thread lanes: time waiting for a CPU, likewise */
	uint64_t alive_ns;      /* thread lanes: time alive, likewise */
};

struct overview;

/* Fills part with lane i's summary of [a, b) (a part of one bucket), for
 * overview_add. Returns 0 or -errno. */
typedef int (*ov_sum_fn)(void *ctx, size_t i, uint64_t a, uint64_t b, struct ov_part *part);

/* Makes an empty overview of at most budget bytes beside what no
 * coarsening frees: a lane's slot (24 bytes) and, once it has one, its
 * first bucket (20 bytes), counted as its thread's other records are.
 * Returns 0 or -ENOMEM. */
int overview_new(struct overview **out, size_t budget);

/* Frees it (NULL is fine). */
void overview_free(struct overview *ov);

/* Starts a fill of [from, t): the grid is widened to reach t. The first
 * fill sets where the overview begins; a later one must start where the
 * last ended (overview_to). Returns 0, -EINVAL for a fill out of order,
 * or -ENOMEM. */
int overview_begin(struct overview *ov, uint64_t from, uint64_t t);

/* Adds lane i of family f over the fill's [from, t), bucket part by
 * bucket part as fn sums them; only the buckets that meet [lo, hi), where
 * the lane is known to live, are summed (the others are key 0 all
 * along), and the bucket the last fill cut. Returns 0 or -errno (the lane
 * is then left as it was before the part that failed). */
int overview_add(struct overview *ov, enum ov_family f, size_t i, uint64_t lo, uint64_t hi, ov_sum_fn fn,
		 void *ctx);

/* Ends the fill: the overview covers up to its t, and is coarsened until
 * it holds no more than its budget. */
void overview_end(struct overview *ov);

/* Whether its budget holds a slot and a bucket for each of n lanes: a
 * fill of more lanes than that (a program of 100 000 threads under a cap
 * of 16 MB) would cost more than the trim it is part of, again at every
 * trim, for a summary mostly over budget; the timeline keeps none then. */
bool overview_room_for(const struct overview *ov, size_t n);

/* Forgets every lane's buckets: the overview starts again at t (after a
 * fill that failed half-way, or one with no room). */
void overview_restart(struct overview *ov, uint64_t t);

/* The time it covers, [from, to) (from == to: none). */
uint64_t overview_from(const struct overview *ov);
uint64_t overview_to(const struct overview *ov);

/* The width of a bucket. */
uint64_t overview_width(const struct overview *ov);

/* The width it will have once it covers up to t (by the time alone: its
 * budget may double it more). */
uint64_t overview_width_at(const struct overview *ov, uint64_t t);

/* Adds lane i's summary of [t0, t1) within what the overview covers to
 * out (whose fields the caller set to zero and -1), each bucket counted in
 * proportion to the part of it inside; returns that part's length. */
uint64_t overview_sum(const struct overview *ov, enum ov_family f, size_t i, uint64_t t0, uint64_t t1,
		      struct ov_part *out);

/* Bytes held (NULL: none). */
size_t overview_memory(const struct overview *ov);

#endif
