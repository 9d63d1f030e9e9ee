/* A map from thread ids to indexes of the caller's own array: open
 * addressing, grown by doubling so it stays at most half full. The caller
 * keeps its records in order of insertion; the map only finds them. */
#ifndef CONCTOP_TIDMAP_H
#define CONCTOP_TIDMAP_H

#include <stddef.h>
#include <stdint.h>

struct tidmap {
	int32_t *tid;   /* per slot: the tid */
	uint32_t *idx;  /* per slot: index + 1 into the caller's array, 0 empty */
	size_t nslot;   /* a power of two */
	size_t n;       /* tids in the map */
};

/* An empty map. Returns 0 or -ENOMEM. */
int tidmap_init(struct tidmap *m);
void tidmap_done(struct tidmap *m);

/* Makes c a copy of m. Returns 0, or -ENOMEM with c empty (tidmap_done
 * frees it either way). */
int tidmap_copy(struct tidmap *c, const struct tidmap *m);

/* The slot of tid: its own, or the empty one it would take (nslot > 0). */
static inline size_t tidmap_slot(const struct tidmap *m, int32_t tid)
{
	size_t i = ((uint32_t)tid * 2654435761u) & (m->nslot - 1);

	while (m->idx[i] && m->tid[i] != tid)
		i = (i + 1) & (m->nslot - 1);
	return i;
}

/* The index stored for tid, or -1 (here, so that the models' per-event
 * lookups inline it). */
static inline long tidmap_find(const struct tidmap *m, int32_t tid)
{
	size_t i;

	if (!m->nslot)
		return -1;
	i = tidmap_slot(m, tid);
	return m->idx[i] ? (long)m->idx[i] - 1 : -1;
}

/* Stores index for tid (replacing the index of a tid already in the map:
 * a reused tid's latest record). Returns 0 or -ENOMEM. */
int tidmap_add(struct tidmap *m, int32_t tid, size_t index);

#endif
