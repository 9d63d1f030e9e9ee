/* A hash map from a pair of 64-bit keys to a 64-bit value (see pairmap.h). */
#include <errno.h>
#include <stdlib.h>
#include "pairmap.h"

struct pairmap_slot {
	uint64_t a, b, val;
	bool used;
};

/* Mixes a key pair into a slot number's source. */
static size_t pair_hash(uint64_t a, uint64_t b)
{
	uint64_t k = a * 0x9e3779b97f4a7c15ull ^ b;

	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

/* An empty map. */
void pairmap_init(struct pairmap *m)
{
	m->slots = NULL;
	m->cap = m->used = 0;
}

/* Frees the slots. */
void pairmap_done(struct pairmap *m)
{
	free(m->slots);
	pairmap_init(m);
}

/* The slot holding (a, b), or the empty slot where it would go. */
static struct pairmap_slot *slot_for(const struct pairmap *m, uint64_t a, uint64_t b)
{
	size_t i = pair_hash(a, b) & (m->cap - 1);

	while (m->slots[i].used && (m->slots[i].a != a || m->slots[i].b != b))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

/* Looks (a, b) up. */
bool pairmap_get(const struct pairmap *m, uint64_t a, uint64_t b, uint64_t *val)
{
	const struct pairmap_slot *s;

	if (!m->cap)
		return false;
	s = slot_for(m, a, b);
	if (!s->used)
		return false;
	*val = s->val;
	return true;
}

/* Doubles the slots, keeping every entry. */
static int grow(struct pairmap *m)
{
	struct pairmap n = { calloc(m->cap ? m->cap * 2 : 64, sizeof(struct pairmap_slot)),
			     m->cap ? m->cap * 2 : 64, 0 };
	size_t i;

	if (!n.slots)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].used)
			*slot_for(&n, m->slots[i].a, m->slots[i].b) = m->slots[i];
	n.used = m->used;
	free(m->slots);
	*m = n;
	return 0;
}

/* Sets (a, b) to val. */
int pairmap_put(struct pairmap *m, uint64_t a, uint64_t b, uint64_t val)
{
	struct pairmap_slot *s;

	if ((m->used + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	s = slot_for(m, a, b);
	if (!s->used)
		m->used++;
	*s = (struct pairmap_slot){ a, b, val, true };
	return 0;
}

/* The number of entries. */
size_t pairmap_count(const struct pairmap *m)
{
	return m->used;
}

/* Bytes the slots take. */
size_t pairmap_memory(const struct pairmap *m)
{
	return m->cap * sizeof(*m->slots);
}
