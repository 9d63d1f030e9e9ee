/* A hash index from 64-bit keys to 32-bit values (see keyindex.h). */
#include "keyindex.h"

#include <errno.h>
#include <stdlib.h>
#include "mem.h"

/* Mixes a key into a slot number (before the mask). */
static size_t keyindex_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

/* Frees its slots. */
void keyindex_done(struct keyindex *x)
{
	free(x->keys);
	free(x->vals);
	*x = (struct keyindex){ 0 };
}

/* The slot of key, or of the free slot where it would go. */
static size_t keyindex_slot(const struct keyindex *x, uint64_t key)
{
	size_t mask = x->cap - 1, i;

	for (i = keyindex_hash(key) & mask; x->vals[i] && x->keys[i] != key; i = (i + 1) & mask)
		;
	return i;
}

/* The value of key, or 0. */
uint32_t keyindex_get(const struct keyindex *x, uint64_t key)
{
	return x->cap ? x->vals[keyindex_slot(x, key)] : 0;
}

/* Doubles the table (64 slots the first time). Returns 0 or -ENOMEM. */
static int keyindex_grow(struct keyindex *x)
{
	struct keyindex n = { .cap = x->cap ? x->cap * 2 : 64 };
	size_t j, i;

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		keyindex_done(&n);
		return -ENOMEM;
	}
	for (j = 0; j < x->cap; j++) {
		if (!x->vals[j])
			continue;
		i = keyindex_slot(&n, x->keys[j]);
		n.keys[i] = x->keys[j];
		n.vals[i] = x->vals[j];
		n.used++;
	}
	keyindex_done(x);
	*x = n;
	return 0;
}

/* Sets key to val, adding it when absent. */
int keyindex_put(struct keyindex *x, uint64_t key, uint32_t val)
{
	size_t i;

	if ((x->used + 1) * 2 > x->cap && keyindex_grow(x))
		return -ENOMEM;
	i = keyindex_slot(x, key);
	if (!x->vals[i]) {
		x->keys[i] = key;
		x->used++;
	}
	x->vals[i] = val;
	return 0;
}

/* Sets the value of a key that is there. */
void keyindex_set(struct keyindex *x, uint64_t key, uint32_t val)
{
	size_t i;

	if (!x->cap)
		return;
	i = keyindex_slot(x, key);
	if (x->vals[i])
		x->vals[i] = val;
}

/* Removes key: each key after it, up to the next free slot, moves into
 * the hole when the hole lies between its home slot and where it is (it
 * could not be found past a free slot otherwise). */
void keyindex_del(struct keyindex *x, uint64_t key)
{
	size_t mask = x->cap - 1, hole, j, home;

	if (!x->cap)
		return;
	hole = keyindex_slot(x, key);
	if (!x->vals[hole])
		return;
	x->vals[hole] = 0;
	x->used--;
	for (j = (hole + 1) & mask; x->vals[j]; j = (j + 1) & mask) {
		home = keyindex_hash(x->keys[j]) & mask;
		/* it stays when its home lies in (hole, j], cyclically */
		if (hole <= j ? (home > hole && home <= j) : (home > hole || home <= j))
			continue;
		x->keys[hole] = x->keys[j];
		x->vals[hole] = x->vals[j];
		x->vals[j] = 0;
		hole = j;
	}
}

/* A copy with its own slots. */
int keyindex_copy(struct keyindex *c, const struct keyindex *x)
{
	*c = (struct keyindex){ .cap = x->cap, .used = x->used };
	if (VEC_DUP(c->keys, x->keys, x->cap) || VEC_DUP(c->vals, x->vals, x->cap))
		return -ENOMEM;
	return 0;
}

/* Bytes of its slots. */
size_t keyindex_memory(const struct keyindex *x)
{
	return x->cap * (sizeof(*x->keys) + sizeof(*x->vals));
}
