/* The time index (see timeindex.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "timeindex.h"

#define TIX_B 1024       /* entries of a full-size block */
#define TIX_MIN 4        /* entries of the smallest block */
#define OFF_MAX UINT32_MAX

struct tix_block {
	uint32_t n, cap;
	uint32_t off[];  /* ts - base; then, with values, val[cap] */
};

/* The values of a block (after its offsets). */
static uint32_t *block_val(const struct tix_block *blk)
{
	return (uint32_t *)&blk->off[blk->cap];
}

/* Makes an empty index. */
void tix_init(struct tix *x, bool with_val)
{
	memset(x, 0, sizeof(*x));
	x->with_val = with_val;
}

/* Frees its block list. */
void tix_done(struct tix *x)
{
	free(x->refs);
	x->refs = NULL;
	x->nblocks = x->cap = 0;
}

/* Bytes held outside the arena. */
size_t tix_memory(const struct tix *x)
{
	return x->cap * sizeof(*x->refs);
}

/* Opens a block at ts: twice the entries of the last one (as many as it
 * held when a gap cut it short), within [TIX_MIN, TIX_B]. */
static struct tix_block *open_block(struct tix *x, struct arena *a, uint64_t ts)
{
	uint32_t cap = x->nblocks ? 2 * x->refs[x->nblocks - 1].blk->n : TIX_MIN;
	struct tix_block *blk;

	if (cap < TIX_MIN)
		cap = TIX_MIN;
	if (cap > TIX_B)
		cap = TIX_B;
	if (VEC_RESERVE(x->refs, x->cap, x->nblocks + 1))
		return NULL;
	blk = arena_alloc(a, sizeof(*blk) + cap * sizeof(uint32_t) * (x->with_val ? 2 : 1));
	if (!blk)
		return NULL;
	blk->n = 0;
	blk->cap = cap;
	x->refs[x->nblocks].base = ts;
	x->refs[x->nblocks].first = x->count;
	x->refs[x->nblocks].blk = blk;
	x->nblocks++;
	return blk;
}

/* Appends an entry at ts. */
int tix_push(struct tix *x, struct arena *a, uint64_t ts, uint32_t val)
{
	struct tix_block *blk = x->nblocks ? x->refs[x->nblocks - 1].blk : NULL;
	uint64_t last;

	if (tix_last(x, &last) && ts < last)
		ts = last;
	if (!blk || blk->n == blk->cap || ts - x->refs[x->nblocks - 1].base > OFF_MAX) {
		blk = open_block(x, a, ts);
		if (!blk)
			return -ENOMEM;
	}
	blk->off[blk->n] = (uint32_t)(ts - x->refs[x->nblocks - 1].base);
	if (x->with_val)
		block_val(blk)[blk->n] = val;
	blk->n++;
	x->count++;
	return 0;
}

/* The ts of the last entry. */
bool tix_last(const struct tix *x, uint64_t *ts)
{
	const struct tix_block *blk;

	if (!x->count)
		return false;
	blk = x->refs[x->nblocks - 1].blk;
	*ts = x->refs[x->nblocks - 1].base + blk->off[blk->n - 1];
	return true;
}

/* The index of the first entry with ts >= t. */
uint64_t tix_lower(const struct tix *x, uint64_t t)
{
	size_t lo = 0, hi = x->nblocks;
	const struct tix_ref *ref;
	uint32_t klo, khi;
	uint64_t rel;

	while (lo < hi) { /* first block with base >= t */
		size_t mid = lo + (hi - lo) / 2;

		if (x->refs[mid].base < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	ref = &x->refs[lo - 1];
	rel = t - ref->base;
	if (rel > OFF_MAX)
		return ref->first + ref->blk->n;
	klo = 0;
	khi = ref->blk->n;
	while (klo < khi) {
		uint32_t mid = klo + (khi - klo) / 2;

		if (ref->blk->off[mid] < rel)
			klo = mid + 1;
		else
			khi = mid;
	}
	return ref->first + klo;
}

/* Entry i. */
void tix_at(const struct tix *x, uint64_t i, uint64_t *ts, uint32_t *val)
{
	size_t lo = 0, hi = x->nblocks;
	const struct tix_ref *ref;
	uint32_t k;

	while (hi - lo > 1) { /* last block with first <= i */
		size_t mid = lo + (hi - lo) / 2;

		if (x->refs[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	ref = &x->refs[lo];
	k = (uint32_t)(i - ref->first);
	*ts = ref->base + ref->blk->off[k];
	if (val)
		*val = x->with_val ? block_val(ref->blk)[k] : 0;
}
