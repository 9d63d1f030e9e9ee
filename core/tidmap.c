/* A map from thread ids to array indexes (see tidmap.h). */
#include <errno.h>
#include <stdlib.h>
#include "mem.h"
#include "tidmap.h"

#define TIDMAP_FIRST 256

/* Allocates nslot empty slots. */
static int alloc_slots(struct tidmap *m, size_t nslot)
{
	m->tid = calloc(nslot, sizeof(*m->tid));
	m->idx = calloc(nslot, sizeof(*m->idx));
	if (!m->tid || !m->idx) {
		free(m->tid);
		free(m->idx);
		return -ENOMEM;
	}
	m->nslot = nslot;
	return 0;
}

/* An empty map. */
int tidmap_init(struct tidmap *m)
{
	m->n = 0;
	return alloc_slots(m, TIDMAP_FIRST);
}

/* Frees it. */
void tidmap_done(struct tidmap *m)
{
	free(m->tid);
	free(m->idx);
	m->tid = NULL;
	m->idx = NULL;
	m->nslot = m->n = 0;
}

/* Makes c a copy of m. */
int tidmap_copy(struct tidmap *c, const struct tidmap *m)
{
	*c = *m;
	c->idx = NULL;
	if (VEC_DUP(c->tid, m->tid, m->nslot) || VEC_DUP(c->idx, m->idx, m->nslot)) {
		tidmap_done(c);
		return -ENOMEM;
	}
	return 0;
}

/* Stores index for tid: replaces a tid's, or adds a new one, doubling the
 * slots first when half full. */
int tidmap_add(struct tidmap *m, int32_t tid, size_t index)
{
	size_t i;

	if (index >= UINT32_MAX)
		return -ENOMEM;
	i = m->nslot ? tidmap_slot(m, tid) : 0;
	if (m->nslot && m->idx[i]) {
		m->idx[i] = (uint32_t)index + 1;
		return 0;
	}
	if ((m->n + 1) * 2 > m->nslot) {
		int32_t *old_tid = m->tid;
		uint32_t *old_idx = m->idx;
		size_t old = m->nslot;

		if (alloc_slots(m, old * 2)) {
			m->tid = old_tid;
			m->idx = old_idx;
			return -ENOMEM;
		}
		for (i = 0; i < old; i++) {
			size_t j;

			if (!old_idx[i])
				continue;
			j = tidmap_slot(m, old_tid[i]);
			m->tid[j] = old_tid[i];
			m->idx[j] = old_idx[i];
		}
		free(old_tid);
		free(old_idx);
	}
	i = tidmap_slot(m, tid);
	m->tid[i] = tid;
	m->idx[i] = (uint32_t)index + 1;
	m->n++;
	return 0;
}
