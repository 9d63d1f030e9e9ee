/* What a timeline holds in memory, counted for the caps and the header:
 * all of it, the part no trim frees, the history's part, and what a copy
 * of it would hold at the least. */
#include "overview.h"
#include "timeline_impl.h"

/* Bytes of the timeline itself and of its per-thread and per-CPU arrays
 * (what both timeline_memory and its fixed part count). */
static size_t arrays_memory(const struct timeline *tl)
{
	return sizeof(*tl) + tl->capthreads * sizeof(*tl->threads) + tl->caplanes * sizeof(*tl->lanes) +
	       tl->capcreated * sizeof(*tl->created_by) + tl->ncpus * sizeof(*tl->cpus) +
	       tl->capheld * sizeof(*tl->held);
}

/* Bytes of memory the timeline holds, all included. */
size_t timeline_memory(const struct timeline *tl)
{
	size_t n = arrays_memory(tl) + arena_memory(&tl->arena) + arena_memory(&tl->texts) + tl->lane_bytes;

	n += tix_memory(&tl->times) + tix_memory(&tl->log);
	n += tl->capmarks * sizeof(*tl->marks);
	n += tl->capx * sizeof(*tl->x) + tl->capnotes * sizeof(*tl->notes) + tl->capwaits * sizeof(*tl->waits);
	n += overview_memory(tl->ov);
	return n + patterns_memory(tl->patterns) + sched_model_memory(tl->m) + undone_memory(tl->undone);
}

/* The thread lanes that hold records: by the list a trim reads, and by a
 * walk (see timeline.h). */
size_t timeline_lanes_held(const struct timeline *tl, size_t *walked)
{
	size_t i, n = 0;

	for (i = 0; walked && i < tl->nthreads; i++)
		n += tl->lanes[i].nblocks > 0;
	if (walked)
		*walked = n;
	return tl->nheld;
}

/* timeline_memory, its lanes walked (see timeline.h). */
size_t timeline_memory_recount(const struct timeline *tl)
{
	size_t n = timeline_memory(tl) - tl->lane_bytes, i;

	for (i = 0; i < tl->nthreads; i++)
		n += lane_memory_recount(&tl->lanes[i]);
	for (i = 0; i < tl->ncpus; i++)
		n += lane_memory_recount(&tl->cpus[i]);
	return n;
}

/* What no trim frees (see timeline.h). A blocked lane keeps its wait
 * record (trim_code): at most one a thread; a lane with records (held),
 * its first block at least; a thread gone before the last trim, none. */
size_t timeline_memory_fixed(const struct timeline *tl)
{
	size_t waits = tl->capwaits < tl->nthreads ? tl->capwaits : tl->nthreads;

	return arrays_memory(tl) + (tl->nheld + tl->ncpus) * lane_first_block_bytes() +
	       waits * sizeof(*tl->waits) + sched_model_memory(tl->m) + patterns_memory(tl->patterns) +
	       undone_memory_fixed(tl->undone) + overview_memory(tl->ov);
}

/* All of it and the history's part, from one walk (see timeline.h). */
size_t timeline_memory_split(const struct timeline *tl, size_t *history)
{
	size_t all = timeline_memory(tl), fixed = timeline_memory_fixed(tl);

	*history = all > fixed ? all - fixed : 0;
	return all;
}

/* The history's part (see timeline.h). */
size_t timeline_memory_history(const struct timeline *tl)
{
	size_t history;

	timeline_memory_split(tl, &history);
	return history;
}

/* Bytes of the lanes' summaries. */
size_t timeline_summary_memory(const struct timeline *tl)
{
	size_t n = 0, i;

	for (i = 0; i < tl->nthreads; i++)
		n += lane_summary_memory(&tl->lanes[i]);
	for (i = 0; i < tl->ncpus; i++)
		n += lane_summary_memory(&tl->cpus[i]);
	return n;
}

/* What a copy holds at the least (see timeline.h): as arrays_memory
 * counts them in the copy, whose threads' arrays are no larger than they
 * need be and whose lanes' array is as large as tl's. */
size_t timeline_clone_memory_least(const struct timeline *tl)
{
	return sizeof(*tl) + tl->nthreads * (sizeof(*tl->threads) + sizeof(*tl->created_by)) +
	       (tl->caplanes ? tl->caplanes : 1) * sizeof(*tl->lanes);
}
