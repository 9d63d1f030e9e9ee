/* A hash index from a 64-bit key to a 32-bit value other than 0 (an array
 * position + 1, a thread id): open addressing with linear probing, grown
 * by doubling at half full, and removal by shifting back the keys that
 * follow (no tombstones, so a table that keys come and go through stays
 * as fast as a fresh one). The wait tracker's threads, objects and thread
 * pointers. */
#ifndef CONCTOP_KEYINDEX_H
#define CONCTOP_KEYINDEX_H

#include <stddef.h>
#include <stdint.h>

struct keyindex {
	uint64_t *keys;
	uint32_t *vals; /* 0: a free slot */
	size_t cap, used;
};

/* Frees its slots (an all-zero keyindex is empty and needs none). */
void keyindex_done(struct keyindex *x);

/* The value of key, or 0 when absent. */
uint32_t keyindex_get(const struct keyindex *x, uint64_t key);

/* Sets key to val (> 0), adding it when absent. Returns 0 or -ENOMEM. */
int keyindex_put(struct keyindex *x, uint64_t key, uint32_t val);

/* Sets the value of a key that is there (nothing when absent): never
 * allocates. */
void keyindex_set(struct keyindex *x, uint64_t key, uint32_t val);

/* Removes key (nothing when absent). */
void keyindex_del(struct keyindex *x, uint64_t key);

/* A copy of x into c, its own slots. Returns 0 or -ENOMEM (c then holds
 * what it could copy: keyindex_done frees it). */
int keyindex_copy(struct keyindex *c, const struct keyindex *x);

/* Bytes of its slots. */
size_t keyindex_memory(const struct keyindex *x);

#endif
