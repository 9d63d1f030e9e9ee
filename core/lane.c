/* Lanes: append-only blocks of (delta, code) records, seeks, cumulative
 * time in state, and the tallies of the views' cells, read from the
 * records and the lane's summaries (lanesum.h) (see lane.h).
 *
 * Layout: block 0 holds LANE_B0 records and no checkpoint (nothing came
 * before it); every later block holds LANE_B records and, in a thread
 * lane, a checkpoint after its records. Every block but the last is full.
 * A block keeps the times of its records SEG, 2 SEG, ... so that finding
 * the record in effect at an instant scans at most SEG records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lane.h"
#include "lanesum.h"

#define LANE_B0 4               /* records of a lane's first block */
#define SEG 16                  /* a seek scans at most this many records of a block */
#define DT_BITS 31
#define DT_MAX ((1u << DT_BITS) - 1)  /* the longest plain delta, ns */
#define DT_SCALED (1u << DT_BITS)     /* flag: the delta is (dt & DT_MAX) << DT_BITS ns */

_Static_assert(TL_STATE_MAX <= 32, "thread lane codes hold 5 bits of state");
_Static_assert(LANE_B % SEG == 0 && LANE_B / SEG >= 2, "a block holds whole segments");

struct lane_rec {
	uint32_t dt;             /* from the previous record (0 for a block's first) */
	uint32_t code;
};

#define NSUB (LANE_B / SEG - 1)

struct lane_block {
	uint32_t n, cap;         /* records in use, room */
	uint32_t wakes;          /* thread lanes: wakeup records before this block */
	uint32_t unused;
	struct lane_rec r[];     /* then, in a full-size block, sub[NSUB]: the ts of records SEG,
				  * 2 SEG, ... (where a seek starts scanning); then, in a thread
				  * lane's later blocks, the checkpoint */
};

/* The ref of block b: the first is kept in the lane, the others apart. */
static inline struct lane_ref *ref_at(const struct lane *L, size_t b)
{
	return b ? &L->more[b - 1] : (struct lane_ref *)&L->first;
}

/* The seek starts of a full-size block (never read in a smaller one: it
 * holds fewer than SEG records). */
static inline uint64_t *block_sub(const struct lane_block *blk)
{
	return (uint64_t *)&blk->r[blk->cap];
}

/* The delta of record k of blk, in ns. */
static inline uint64_t rec_dt(const struct lane_block *blk, unsigned k)
{
	uint32_t dt = blk->r[k].dt;

	if (__builtin_expect(dt & DT_SCALED, 0))
		return (uint64_t)(dt & DT_MAX) << DT_BITS;
	return dt;
}

/* The checkpoint of a thread lane's block b, or NULL for the first block
 * (whose checkpoint is all zeros). */
static const uint64_t *block_cum(const struct lane *L, size_t b)
{
	const struct lane_block *blk = ref_at(L, b)->blk;

	return b && L->thread ? block_sub(blk) + NSUB : NULL;
}

/* Makes an empty lane. */
void lane_init(struct lane *L, bool thread)
{
	*L = (struct lane){ .thread = thread };
}

/* Frees its block list (the lane is empty again). */
void lane_done(struct lane *L)
{
	free(L->more);
	lanesum_free(L->sum);
	lane_init(L, L->thread);
}

/* Bytes held outside the arena: counted when they change (a block opened
 * or closed, a restart), so that a frame's memory figure need not ask
 * every lane's summaries. (32 bits, held at their most: a lane of some 3
 * billion records, about 30 GB of blocks, would pass them.) */
size_t lane_memory(const struct lane *L)
{
	return L->bytes;
}

/* lane_memory counted again (see lane.h). */
size_t lane_memory_recount(const struct lane *L)
{
	return L->cap * sizeof(*L->more) + lanesum_memory(L->sum);
}

/* Counts its bytes again (lane_memory). */
static void count_bytes(struct lane *L)
{
	size_t n = lane_memory_recount(L);

	L->bytes = n < UINT32_MAX ? (uint32_t)n : UINT32_MAX;
}

/* Bytes of a first block (see lane.h). */
size_t lane_first_block_bytes(void)
{
	return sizeof(struct lane_block) + LANE_B0 * sizeof(struct lane_rec);
}

/* Bytes of its summaries. */
size_t lane_summary_memory(const struct lane *L)
{
	return lanesum_memory(L->sum);
}

/* ---- appending ---- */

/* Fills cum with the time in each state before base (the ts of the block
 * about to open): the last block's checkpoint plus its records. */
static void checkpoint(const struct lane *L, uint64_t base, uint64_t cum[TL_STATE_MAX])
{
	size_t b = L->nblocks - 1;
	const struct lane_block *blk = ref_at(L, b)->blk;
	const uint64_t *c = block_cum(L, b);
	uint64_t ts = ref_at(L, b)->base;
	unsigned k;

	if (c)
		memcpy(cum, c, sizeof(uint64_t) * TL_STATE_MAX);
	else
		memset(cum, 0, sizeof(uint64_t) * TL_STATE_MAX);
	for (k = 0; k < blk->n; k++) {
		uint64_t next = k + 1 < blk->n ? ts + rec_dt(blk, k + 1) : base;

		cum[LANE_STATE(blk->r[k].code)] += next - ts;
		ts = next;
	}
}

static void walk_block(const struct lane *L, size_t b, unsigned k, uint64_t ts, uint64_t from, uint64_t to,
		       struct lane_tally *ty);

/* Summarizes the last block, which closes at end (the next one's base). */
static int close_block(struct lane *L, uint64_t end)
{
	static const uint64_t zero[TL_STATE_MAX];
	size_t b = L->nblocks - 1;
	struct lane_tally ty = { .n = 0 };
	uint64_t base = ref_at(L, b)->base;
	const uint64_t *cum = L->thread ? (block_cum(L, b) ? block_cum(L, b) : zero) : NULL;

	walk_block(L, b, 0, base, base, end, &ty);
	return lanesum_push(&L->sum, base, end, cum, ref_at(L, b)->blk->wakes, &ty);
}

/* Opens a block whose first record will be at ts. */
static int open_block(struct lane *L, struct arena *a, uint64_t ts)
{
	unsigned cap = L->nblocks ? LANE_B : LANE_B0;
	bool cum = L->thread && L->nblocks;
	struct lane_block *blk;
	int closed;

	if (L->nblocks && VEC_RESERVE(L->more, L->cap, L->nblocks))
		return -ENOMEM;
	closed = L->nblocks && lanesum_blocks(L->sum) < L->nblocks ? close_block(L, ts) : 0;
	count_bytes(L); /* (the list and the summaries grow here alone) */
	if (closed)
		return -ENOMEM;
	blk = arena_alloc(a, sizeof(*blk) + cap * sizeof(blk->r[0]) + (cap == LANE_B ? NSUB * sizeof(uint64_t) : 0) +
				     (cum ? sizeof(uint64_t) * TL_STATE_MAX : 0));
	if (!blk)
		return -ENOMEM;
	memset(blk, 0, sizeof(*blk));
	blk->cap = cap;
	blk->wakes = L->wakes;
	if (cum)
		checkpoint(L, ts, block_sub(blk) + NSUB);
	ref_at(L, L->nblocks)->base = ts;
	ref_at(L, L->nblocks)->blk = blk;
	L->nblocks++;
	return 0;
}

/* Appends one record whose delta dt (encoded) leads to ts. */
static int push_raw(struct lane *L, struct arena *a, uint64_t ts, uint32_t dt, uint32_t code)
{
	struct lane_block *blk = L->nblocks ? ref_at(L, L->nblocks - 1)->blk : NULL;
	int r;

	if (!blk || blk->n == blk->cap) {
		r = open_block(L, a, ts);
		if (r)
			return r;
		blk = ref_at(L, L->nblocks - 1)->blk;
	}
	if (blk->n && blk->n % SEG == 0)
		block_sub(blk)[blk->n / SEG - 1] = ts;
	blk->r[blk->n].dt = blk->n ? dt : 0;
	blk->r[blk->n].code = code;
	blk->n++;
	L->last_ts = ts;
	L->last_code = code;
	if (L->thread && (code & LANE_WAKE))
		L->wakes++;
	return 0;
}

/* Appends a change at ts, bridging a delta too long for 31 bits with
 * fillers that repeat the state over scaled deltas (at most five). */
int lane_push(struct lane *L, struct arena *a, uint64_t ts, uint32_t code)
{
	int r;

	if (L->nblocks) {
		uint32_t fill = L->thread ? L->last_code & ~LANE_WAKE : L->last_code;

		if (ts < L->last_ts)
			ts = L->last_ts;
		while (ts - L->last_ts > DT_MAX) {
			uint64_t m = (ts - L->last_ts) >> DT_BITS;

			if (m > DT_MAX)
				m = DT_MAX;
			r = push_raw(L, a, L->last_ts + (m << DT_BITS), DT_SCALED | (uint32_t)m, fill);
			if (r)
				return r;
		}
	}
	L->provisional = false;
	return push_raw(L, a, ts, L->nblocks ? (uint32_t)(ts - L->last_ts) : 0, code);
}

/* Forgets the lane's records and keeps one change at ts (an earlier ts is
 * taken as the last one's): the lane is block 0 holding that record. */
int lane_restart(struct lane *L, struct arena *a, uint64_t ts, uint32_t code)
{
	struct lane_block *blk = L->first.blk;

	if (!L->nblocks)
		return lane_push(L, a, ts, code);
	if (ts < L->last_ts)
		ts = L->last_ts;
	lanesum_free(L->sum);
	L->sum = NULL;
	count_bytes(L);
	L->nblocks = 1;
	blk->n = 1;
	blk->wakes = 0;
	blk->r[0].dt = 0;
	blk->r[0].code = code;
	L->first.base = L->last_ts = ts;
	L->last_code = code;
	L->wakes = L->thread && (code & LANE_WAKE) ? 1 : 0;
	L->provisional = false;
	return 0;
}

/* Rewrites the code of the last record. */
void lane_replace_last(struct lane *L, uint32_t code)
{
	struct lane_block *blk = ref_at(L, L->nblocks - 1)->blk;

	if (L->thread && (blk->r[blk->n - 1].code & LANE_WAKE) != (code & LANE_WAKE))
		L->wakes += code & LANE_WAKE ? 1 : (uint32_t)-1;
	blk->r[blk->n - 1].code = code;
	L->last_code = code;
}

/* Marks the last record as a wakeup with aux. */
void lane_mark_wakeup(struct lane *L, uint32_t aux)
{
	if (!L->nblocks)
		return;
	lane_replace_last(L, LANE_STATE(L->last_code) | LANE_WAKE | aux << 6);
}

/* ---- positions ---- */

/* The index of the last block whose base is < t (incl: <= t), or -1. */
static inline __attribute__((always_inline)) long block_before(const struct lane *L, uint64_t t, bool incl)
{
	size_t lo = 0, hi; /* blocks 1 .. lo are before t, lo + 1 .. are not */

	if (!L->nblocks || L->first.base > t || (L->first.base == t && !incl))
		return -1;
	hi = L->nblocks - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t b = L->more[mid].base;

		if (b < t || (incl && b == t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo;
}

/* The first record. */
bool lane_first(const struct lane *L, struct lane_pos *p)
{
	if (!L->nblocks)
		return false;
	p->b = 0;
	p->k = 0;
	p->ts = ref_at(L, 0)->base;
	return true;
}

/* The ts of the record after p, or UINT64_MAX at the lane's end. */
uint64_t lane_next_ts(const struct lane *L, const struct lane_pos *p)
{
	const struct lane_block *blk = ref_at(L, p->b)->blk;

	if (p->k + 1 < blk->n)
		return p->ts + rec_dt(blk, p->k + 1);
	if (p->b + 1 < L->nblocks)
		return ref_at(L, p->b + 1)->base;
	return UINT64_MAX;
}

/* Moves p to the next record. */
bool lane_next(const struct lane *L, struct lane_pos *p)
{
	const struct lane_block *blk = ref_at(L, p->b)->blk;

	if (p->k + 1 < blk->n) {
		p->k++;
		p->ts += rec_dt(blk, p->k);
		return true;
	}
	if (p->b + 1 >= L->nblocks)
		return false;
	p->b++;
	p->k = 0;
	p->ts = ref_at(L, p->b)->base;
	return true;
}

/* Moves p to the previous record. */
bool lane_prev(const struct lane *L, struct lane_pos *p)
{
	const struct lane_block *blk;
	unsigned k, seg;

	if (p->k > 0) {
		p->ts -= rec_dt(ref_at(L, p->b)->blk, p->k);
		p->k--;
		return true;
	}
	if (p->b == 0)
		return false;
	p->b--;
	blk = ref_at(L, p->b)->blk; /* scan its last segment */
	seg = (blk->n - 1) / SEG;
	p->ts = seg ? block_sub(blk)[seg - 1] : ref_at(L, p->b)->base;
	for (k = seg * SEG + 1; k < blk->n; k++)
		p->ts += rec_dt(blk, k);
	p->k = blk->n - 1;
	return true;
}

/* The code of the record at p. */
uint32_t lane_code(const struct lane *L, const struct lane_pos *p)
{
	return ref_at(L, p->b)->blk->r[p->k].code;
}

/* Finds the last record with ts < t (incl: <= t). */
bool lane_seek(const struct lane *L, uint64_t t, bool incl, struct lane_pos *p)
{
	long b = block_before(L, t, incl);
	const struct lane_block *blk;
	unsigned j;

	if (b < 0)
		return false;
	blk = ref_at(L, b)->blk;
	p->b = (size_t)b;
	p->k = 0;
	p->ts = ref_at(L, b)->base;
	for (j = 1; j * SEG < blk->n; j++) { /* skip whole segments */
		uint64_t s = block_sub(blk)[j - 1];

		if (s > t || (s == t && !incl))
			break;
		p->k = j * SEG;
		p->ts = s;
	}
	while (p->k + 1 < blk->n) {
		uint64_t nts = p->ts + rec_dt(blk, p->k + 1);

		if (nts > t || (nts == t && !incl))
			break;
		p->ts = nts;
		p->k++;
	}
	return true;
}

/* ---- sums ---- */

/* Asks for a whole block (with its checkpoint) at once, so that its cache
 * misses overlap instead of following each other down the scan. */
static void prefetch_block(const struct lane *L, size_t b)
{
	const struct lane_block *blk = ref_at(L, b)->blk;
	const char *p = (const char *)blk;
	const char *end = (const char *)&blk->r[blk->cap] + (block_cum(L, b) ? sizeof(uint64_t) * TL_STATE_MAX : 0);

	for (; p < end; p += 64)
		__builtin_prefetch(p);
}

/* The number of the records before record k of block b (every block but
 * the last is full). */
static size_t rec_index(size_t b, unsigned k)
{
	return b ? LANE_B0 + (b - 1) * LANE_B + k : k;
}

/* Time in each state before t, and the wakeup records before t. */
size_t lane_cum(const struct lane *L, uint64_t t, uint64_t cum[TL_STATE_MAX], uint32_t *wakes)
{
	long b = block_before(L, t, false);
	const struct lane_block *blk;
	const uint64_t *c;
	uint64_t ts, next;
	unsigned k;

	*wakes = 0;
	if (b < 0) {
		memset(cum, 0, sizeof(uint64_t) * TL_STATE_MAX);
		return 0;
	}
	prefetch_block(L, (size_t)b);
	blk = ref_at(L, b)->blk;
	c = block_cum(L, (size_t)b);
	if (c)
		memcpy(cum, c, sizeof(uint64_t) * TL_STATE_MAX);
	else
		memset(cum, 0, sizeof(uint64_t) * TL_STATE_MAX);
	*wakes = blk->wakes;
	ts = ref_at(L, b)->base;
	for (k = 0;; k++) {
		uint32_t code = blk->r[k].code;

		if (code & LANE_WAKE)
			(*wakes)++;
		if (k + 1 < blk->n)
			next = ts + rec_dt(blk, k + 1);
		else if ((size_t)b + 1 < L->nblocks)
			next = ref_at(L, b + 1)->base;
		else
			next = UINT64_MAX;
		if (next >= t) {
			cum[LANE_STATE(code)] += t - ts;
			return rec_index((size_t)b, k) + 1;
		}
		cum[LANE_STATE(code)] += next - ts;
		ts = next;
	}
}

/* The last wakeup record among records 0..upto of block b. */
static bool block_last_wakeup(const struct lane *L, size_t b, unsigned upto, uint32_t *code, uint64_t *ts)
{
	const struct lane_block *blk = ref_at(L, b)->blk;
	uint64_t t = ref_at(L, b)->base;
	bool found = false;
	unsigned k;

	for (k = 0; k <= upto && k < blk->n; k++) {
		if (k)
			t += rec_dt(blk, k);
		if (blk->r[k].code & LANE_WAKE) {
			found = true;
			*code = blk->r[k].code;
			*ts = t;
		}
	}
	return found;
}

/* The last wakeup record at or before p. */
bool lane_last_wakeup(const struct lane *L, const struct lane_pos *p, uint32_t *code, uint64_t *ts)
{
	uint32_t before = ref_at(L, p->b)->blk->wakes;
	size_t lo = 0, hi = p->b;

	if (block_last_wakeup(L, p->b, p->k, code, ts))
		return true;
	if (before == 0)
		return false;
	/* the last block before p's that holds a wakeup: blocks[lo] has
	 * fewer wakeups before it than p's block, blocks[hi] as many */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ref_at(L, mid)->blk->wakes < before)
			lo = mid;
		else
			hi = mid;
	}
	return block_last_wakeup(L, lo, LANE_B, code, ts);
}

/* ---- tallies ---- */

/* Adds amount to key's total. */
void lane_tally_add(struct lane_tally *ty, uint32_t key, uint64_t amount)
{
	unsigned i;

	if (key == LANE_NONE)
		return;
	for (i = 0; i < ty->n; i++) {
		if (ty->key[i] == key) {
			ty->amount[i] += amount;
			return;
		}
	}
	if (ty->n < sizeof(ty->key) / sizeof(ty->key[0])) {
		ty->key[ty->n] = key;
		ty->amount[ty->n++] = amount;
	}
}

/* The index of the largest total. */
int lane_tally_best(const struct lane_tally *ty)
{
	int best = -1;
	unsigned i;

	for (i = 0; i < ty->n; i++)
		if (best < 0 || ty->amount[i] > ty->amount[best])
			best = (int)i;
	return best;
}

/* ---- summed tallies ---- */

/* The key of a record: a thread lane's running CPU + 1, another lane's code. */
uint32_t lane_sum_key(const struct lane *L, uint32_t code)
{
	if (!L->thread)
		return code;
	return LANE_STATE(code) == TL_RUNNING ? LANE_AUX(code) : LANE_NONE;
}

/* Adds the keys of block b over [from, to), starting at its record k (at
 * ts, in effect at from); stops at to or at the block's end. */
static void walk_block(const struct lane *L, size_t b, unsigned k, uint64_t ts, uint64_t from, uint64_t to,
		       struct lane_tally *ty)
{
	const struct lane_block *blk = ref_at(L, b)->blk;
	uint64_t bend = b + 1 < L->nblocks ? ref_at(L, b + 1)->base : UINT64_MAX;

	for (; k < blk->n && ts < to; k++) {
		uint64_t next = k + 1 < blk->n ? ts + rec_dt(blk, k + 1) : bend;
		uint64_t a = ts > from ? ts : from, z = next < to ? next : to;

		if (z > a)
			lane_tally_add(ty, lane_sum_key(L, blk->r[k].code), z - a);
		ts = next;
	}
}

/* Tallies the lane's keys over [t0, t1) (see lane.h). */
void lane_tally_summed(const struct lane *L, uint64_t t0, uint64_t t1, uint64_t end, uint32_t absent,
		       struct lane_tally *ty)
{
	uint64_t te1 = t1 < end ? t1 : end, from = t0;
	struct lanesum_span sp;
	struct lane_pos p;
	long b1;

	ty->n = 0;
	ty->whole = t1 > t0 ? t1 - t0 : 0;
	if (t1 <= t0 || !L->nblocks)
		return;
	if (te1 > t0 && lanesum_find(L->sum, t0, te1, 0, &sp)) { /* wide: no walks */
		lanesum_span_tally(L->sum, &sp, t0, te1, ty);
	} else if (te1 > t0) {
		if (!lane_seek(L, t0, true, &p)) {
			lane_first(L, &p);
			lane_tally_add(ty, absent, (p.ts < te1 ? p.ts : te1) - t0);
			from = p.ts;
		}
		b1 = from < te1 ? block_before(L, te1, false) : -1;
		if (b1 == (long)p.b) {
			walk_block(L, p.b, p.k, p.ts, from, te1, ty);
		} else if (b1 > (long)p.b) {
			walk_block(L, p.b, p.k, p.ts, from, UINT64_MAX, ty);
			lanesum_add(L->sum, p.b + 1, (size_t)b1, ty);
			walk_block(L, (size_t)b1, 0, ref_at(L, b1)->base, 0, te1, ty);
		}
	}
	if (t1 > te1)
		lane_tally_add(ty, absent, t1 - (te1 > t0 ? te1 : t0));
}

/* Time in each state within [t0, t1), and the wakeup records (see lane.h). */
void lane_window_sum(const struct lane *L, uint64_t t0, uint64_t t1, uint64_t sum[TL_STATE_MAX], uint32_t *wakes)
{
	uint64_t c0[TL_STATE_MAX], c1[TL_STATE_MAX], w, inside, ends;
	struct lanesum_span sp;
	uint32_t x0, x1;
	unsigned s;

	if (L->thread && lanesum_find(L->sum, t0, t1, 1, &sp)) {
		lanesum_span_sum(L->sum, &sp, t0, t1, sum, &w, &inside, &ends);
		if (inside || !ends) { /* else the wakeups are in the two ends alone: walk */
			*wakes = (uint32_t)(w > inside ? w : inside);
			if (inside && !*wakes)
				*wakes = 1;
			return;
		}
	}
	lane_cum(L, t0, c0, &x0);
	lane_cum(L, t1, c1, &x1);
	for (s = 0; s < TL_STATE_MAX; s++)
		sum[s] = c1[s] - c0[s];
	*wakes = x1 - x0;
}
