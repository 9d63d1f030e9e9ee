/* A hash map from a pair of 64-bit keys (a process and an address, a thread
 * and nothing) to a 64-bit value: open addressing, grows by doubling, keys
 * compared whole (no collision can mix two entries up). */
#ifndef CONCTOP_PAIRMAP_H
#define CONCTOP_PAIRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pairmap_slot;

struct pairmap {
	struct pairmap_slot *slots;
	size_t cap, used;
};

/* An empty map (no allocation until the first put). */
void pairmap_init(struct pairmap *m);
void pairmap_done(struct pairmap *m);

/* Looks (a, b) up: true with *val set, or false. */
bool pairmap_get(const struct pairmap *m, uint64_t a, uint64_t b, uint64_t *val);

/* Sets (a, b) to val. Returns 0 or -ENOMEM. */
int pairmap_put(struct pairmap *m, uint64_t a, uint64_t b, uint64_t val);

/* The number of entries. */
size_t pairmap_count(const struct pairmap *m);

/* Bytes its slots take. */
size_t pairmap_memory(const struct pairmap *m);

#endif
