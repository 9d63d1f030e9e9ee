/* The timeline, forgetting: a live view with a memory cap keeps the recent
 * past in memory and the rest in its trace file, so timeline_trim copies
 * what happened from an instant on into fresh storage and frees the old.
 * Thread and object numbers, the model's present, the patterns' and the
 * undone work's state are kept as they are (but the undone stretches that
 * ended before the trim, forgotten too): only the records move, and
 * the side arrays that records point into (waits, log details, notes) are
 * renumbered as they are copied. The lanes that hold records are rebuilt
 * in the timeline's own array (an empty one has nothing to forget), and
 * the lane of a thread gone before the trim is left empty. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "spans.h"
#include "timeline_impl.h"

/* What a trim builds before it replaces the old storage. */
struct trim {
	struct arena arena;
	struct arena texts;
	struct lane *lanes, *cpus;
	size_t *lane_of;        /* in place: the thread whose lane each of lanes[] replaces (else
				 * lanes holds every thread's) */
	size_t nlanes;          /* how many of lanes[] to free (in place: those built) */
	size_t *held, nheld;    /* not in place: the threads whose new lanes hold records */
	struct tix times, log;
	struct wait_rec *waits;
	size_t nwaits, capwaits;
	struct xlog *x;
	size_t nx, capx;
	struct tl_note *notes;
	size_t nnotes, capnotes;
	struct mark_rec *marks;
	size_t nmarks, capmarks;
	uint64_t marks_gap_to;  /* see struct timeline */
};

/* A copy of a text of the old arena in the new one (NULL stays NULL). */
static const char *trim_text(struct trim *n, const char *text, int *err)
{
	size_t len;
	char *p;

	if (!text)
		return NULL;
	len = strlen(text);
	p = arena_alloc(&n->texts, len + 1);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(p, text, len + 1);
	return p;
}

/* A thread lane record's code in the new storage: a blocked record's wait
 * record is copied and its aux renumbered. */
static int trim_code(const struct timeline *tl, struct trim *n, uint32_t code, uint32_t *out)
{
	uint32_t aux = LANE_AUX(code);

	*out = code;
	if ((code & LANE_WAKE) || !tl_state_blocked(LANE_STATE(code)) || !aux || aux > tl->nwaits)
		return 0;
	if (VEC_RESERVE(n->waits, n->capwaits, n->nwaits + 1))
		return -ENOMEM;
	n->waits[n->nwaits++] = tl->waits[aux - 1];
	*out = LANE_CODE(LANE_STATE(code), n->nwaits) | (code & LANE_WAKE);
	return 0;
}

/* Copies lane L from t on into M: a first record at t with the state L
 * had just before (not a wakeup: its waker is not kept), then every record
 * from t on (those at t itself too: a wakeup at t is drawn at t). */
static int trim_lane(const struct timeline *tl, struct trim *n, const struct lane *L, struct lane *M, uint64_t t)
{
	struct lane_pos p;
	uint32_t code;
	bool more;
	int r;

	lane_init(M, L->thread);
	/* a thread that ended before t: an empty lane says the same (not
	 * alive, all along), without a block for each of them at every trim
	 * (a program that made 400 000 threads had the view copy 16 MB of
	 * them at each) */
	if (L->thread && L->nblocks && L->last_ts < t && LANE_STATE(L->last_code) == TL_NOT_ALIVE)
		return 0;
	if (lane_seek(L, t, false, &p)) {
		code = lane_code(L, &p);
		if (L->thread && (code & LANE_WAKE))
			code = LANE_STATE(code);
		if (L->thread && (r = trim_code(tl, n, code, &code)))
			return r;
		if ((r = lane_push(M, &n->arena, t, code)))
			return r;
		more = lane_next(L, &p);
	} else {
		more = lane_first(L, &p);
	}
	for (; more; more = lane_next(L, &p)) {
		code = lane_code(L, &p);
		if (L->thread && (r = trim_code(tl, n, code, &code)))
			return r;
		if ((r = lane_push(M, &n->arena, p.ts, code)))
			return r;
	}
	M->provisional = L->provisional; /* (after the pushes, which clear it) */
	return 0;
}

/* Copies one log entry, renumbering its details or note. */
static int trim_log_entry(const struct timeline *tl, struct trim *n, uint64_t ts, uint32_t val)
{
	uint32_t kind = val >> LOG_KIND_SHIFT, payload = val & LOG_PAYLOAD_MAX;
	int err = 0;

	if (kind == TL_LOG_NOTE) {
		if (VEC_RESERVE(n->notes, n->capnotes, n->nnotes + 1))
			return -ENOMEM;
		n->notes[n->nnotes] = tl->notes[payload];
		payload = (uint32_t)n->nnotes++;
	} else if (kind != TL_LOG_WAKEUP && kind != TL_LOG_BLOCK && kind != TL_LOG_NEW && kind != TL_LOG_EXIT) {
		if (VEC_RESERVE(n->x, n->capx, n->nx + 1))
			return -ENOMEM;
		n->x[n->nx] = tl->x[payload];
		n->x[n->nx].text = trim_text(n, tl->x[payload].text, &err);
		if (err)
			return err;
		payload = (uint32_t)n->nx++;
	}
	return tix_push(&n->log, &n->arena, ts, kind << LOG_KIND_SHIFT | payload);
}

/* Copies the step instants and the log from t on, and the markers from
 * TL_MARKS_LOOKBACK before t on (a level strip's value at a window's start
 * must not go blank when it was set before the trim) after the first
 * TL_MARKS_LOOKBACK of the trace (where the strip finds its level's name;
 * a trim keeps them first, so they stay the first). */
static int trim_indexes(const struct timeline *tl, struct trim *n, uint64_t t)
{
	uint64_t i, ts;
	uint32_t val;
	size_t m;
	int r, err = 0;

	for (i = tix_lower(&tl->times, t); i < tl->times.count; i++) {
		tix_at(&tl->times, i, &ts, NULL);
		if ((r = tix_push(&n->times, &n->arena, ts, 0)))
			return r;
	}
	for (i = tix_lower(&tl->log, t); i < tl->log.count; i++) {
		tix_at(&tl->log, i, &ts, &val);
		if ((r = trim_log_entry(tl, n, ts, val)))
			return r;
	}
	m = timeline_mark_index(tl, t);
	m = m > TL_MARKS_LOOKBACK ? m - TL_MARKS_LOOKBACK : 0;
	n->marks_gap_to = tl->marks_gap_to;
	if (m > TL_MARKS_LOOKBACK)
		n->marks_gap_to = tl->marks[m].ts; /* (m < nmarks: at most the first at or after t) */
	for (size_t k = 0; k < tl->nmarks; k++) {
		if (k == TL_MARKS_LOOKBACK && m > k)
			k = m; /* the first kept, on to those before t */
		if (VEC_RESERVE(n->marks, n->capmarks, n->nmarks + 1))
			return -ENOMEM;
		n->marks[n->nmarks] = tl->marks[k];
		n->marks[n->nmarks++].text = trim_text(n, tl->marks[k].text, &err);
		if (err)
			return err;
	}
	return 0;
}

/* Frees what a trim built (or, after the swap, the old storage). */
static void trim_free(struct trim *n, unsigned ncpus)
{
	size_t i;

	for (i = 0; n->lanes && i < n->nlanes; i++)
		lane_done(&n->lanes[i]);
	free(n->lane_of);
	free(n->held);
	for (i = 0; n->cpus && i < ncpus; i++)
		lane_done(&n->cpus[i]);
	free(n->lanes);
	free(n->cpus);
	tix_done(&n->times);
	tix_done(&n->log);
	free(n->waits);
	free(n->x);
	free(n->notes);
	free(n->marks);
	arena_done(&n->arena);
	arena_done(&n->texts);
}

/* Builds the copy of the thread lanes that hold records, for a trim in
 * place: an empty lane (a thread gone before an earlier trim, or with no
 * state yet) has nothing to forget and stays as it is, so that a trim of
 * a view that saw 400 000 threads neither writes a lane for each of them
 * nor faults in a fresh array of them (it spent most of its time there). */
static int trim_build_held(const struct timeline *tl, struct trim *n, uint64_t t)
{
	size_t k = tl->nheld, j;
	int r = 0;

	n->lanes = calloc(k ? k : 1, sizeof(*n->lanes));
	n->lane_of = malloc((k ? k : 1) * sizeof(*n->lane_of));
	if (!n->lanes || !n->lane_of)
		return -ENOMEM;
	for (j = 0; !r && j < k; j++) { /* (tl->held: no walk of every thread) */
		size_t i = tl->held[j];

		n->lane_of[n->nlanes] = i;
		r = trim_lane(tl, n, &tl->lanes[i], &n->lanes[n->nlanes++], t);
	}
	return r;
}

/* Builds the copy of everything from t on: every thread lane (a copy:
 * timeline_clone), or in place those that hold records (timeline_trim). */
static int trim_build(const struct timeline *tl, struct trim *n, uint64_t t, bool in_place)
{
	size_t i;
	int r = 0;

	tix_init(&n->times, false);
	tix_init(&n->log, true);
	n->cpus = calloc(tl->ncpus ? tl->ncpus : 1, sizeof(*n->cpus));
	if (!n->cpus)
		return -ENOMEM;
	if (in_place) {
		r = trim_build_held(tl, n, t);
	} else if (!(n->lanes = calloc(tl->caplanes ? tl->caplanes : 1, sizeof(*n->lanes)))) {
		return -ENOMEM;
	} else if (!(n->held = malloc((tl->nthreads ? tl->nthreads : 1) * sizeof(*n->held)))) {
		return -ENOMEM;
	} else {
		n->nlanes = tl->nthreads; /* (all freed on failure: those not built are zero) */
		for (i = 0; !r && i < tl->nthreads; i++) {
			r = trim_lane(tl, n, &tl->lanes[i], &n->lanes[i], t);
			if (n->lanes[i].nblocks)
				n->held[n->nheld++] = i;
		}
	}
	for (i = 0; !r && i < tl->ncpus; i++)
		r = trim_lane(tl, n, &tl->cpus[i], &n->cpus[i], t);
	return r ? r : trim_indexes(tl, n, t);
}

/* The storage a trim replaces, as it is in tl. */
static struct trim trim_of(const struct timeline *tl)
{
	return (struct trim){ .arena = tl->arena, .texts = tl->texts, .lanes = tl->lanes, .cpus = tl->cpus,
			      .nlanes = tl->nthreads, .times = tl->times, .log = tl->log, .waits = tl->waits,
			      .nwaits = tl->nwaits, .capwaits = tl->capwaits, .x = tl->x, .nx = tl->nx,
			      .capx = tl->capx, .notes = tl->notes, .nnotes = tl->nnotes, .capnotes = tl->capnotes,
			      .marks = tl->marks, .nmarks = tl->nmarks, .capmarks = tl->capmarks,
			      .marks_gap_to = tl->marks_gap_to };
}

/* Makes what a trim built the storage of tl (whose old storage the
 * caller frees or never had; built in place, the lanes rebuilt are put in
 * tl's own array, their old selves' heap parts freed, and n's lanes
 * are consumed). */
static void trim_install(struct timeline *tl, struct trim *n)
{
	tl->arena = n->arena;
	tl->texts = n->texts;
	for (unsigned c = 0; tl->cpus && c < tl->ncpus; c++)
		tl->lane_bytes -= lane_memory(&tl->cpus[c]);
	if (n->lane_of) {
		tl->nheld = 0; /* (lane_of is the list it held, in its order: those left stay) */
		for (size_t k = 0; k < n->nlanes; k++) {
			tl->lane_bytes += lane_memory(&n->lanes[k]) - lane_memory(&tl->lanes[n->lane_of[k]]);
			lane_done(&tl->lanes[n->lane_of[k]]);
			tl->lanes[n->lane_of[k]] = n->lanes[k];
			if (n->lanes[k].nblocks)
				tl->held[tl->nheld++] = n->lane_of[k];
		}
		free(n->lanes);
		free(n->lane_of);
		n->lanes = NULL;
		n->lane_of = NULL;
	} else { /* (every lane new) */
		free(tl->held);
		tl->held = n->held;
		tl->nheld = n->nheld;
		tl->capheld = tl->nthreads ? tl->nthreads : 1; /* (its room: trim_build's) */
		n->held = NULL;
		tl->lanes = n->lanes;
		tl->lane_bytes = 0;
		for (size_t i = 0; i < tl->nthreads; i++)
			tl->lane_bytes += lane_memory(&tl->lanes[i]);
	}
	tl->cpus = n->cpus;
	tl->times = n->times;
	tl->log = n->log;
	tl->waits = n->waits, tl->nwaits = n->nwaits, tl->capwaits = n->capwaits;
	tl->x = n->x, tl->nx = n->nx, tl->capx = n->capx;
	tl->notes = n->notes, tl->nnotes = n->nnotes, tl->capnotes = n->capnotes;
	tl->marks = n->marks, tl->nmarks = n->nmarks, tl->capmarks = n->capmarks;
	tl->marks_gap_to = n->marks_gap_to;
	for (unsigned c = 0; c < tl->ncpus; c++)
		tl->lane_bytes += lane_memory(&tl->cpus[c]);
}

/* Frees the lanes, the indexes and the arrays records point into (see
 * timeline_impl.h). */
void timeline_storage_free(struct timeline *tl)
{
	struct trim old = trim_of(tl);

	trim_free(&old, tl->ncpus);
}

/* Forgets what happened before t (see timeline.h). */
int timeline_trim(struct timeline *tl, uint64_t t)
{
	struct trim n, old;
	int r;

	if (tl->skim_until)
		return -EBUSY; /* (its lanes hold only the present: nothing to trim yet) */
	if (t <= tl->kept_from)
		return 0;
	if (t > tl->end)
		t = tl->end;
	memset(&n, 0, sizeof(n));
	r = trim_build(tl, &n, t, true);
	if (r) {
		trim_free(&n, tl->ncpus);
		return r;
	}
	timeline_overview_fill(tl, t);
	old = trim_of(tl);
	old.lanes = NULL; /* (the array stays: the lanes rebuilt replace theirs in it) */
	trim_install(tl, &n);
	tl->kept_from = t;
	trim_free(&old, tl->ncpus);
	undone_forget_before(tl->undone, t); /* (out of memory: they stay, and are kept) */
	return 0;
}

/* A timeline of tl's present (see timeline.h). */
int timeline_clone(const struct timeline *tl, struct timeline **out)
{
	struct timeline *c = calloc(1, sizeof(*c));
	uint64_t t = sched_model_last_ts(tl->m);
	struct trim n;
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	memset(&n, 0, sizeof(n));
	if (t < tl->kept_from)
		t = tl->kept_from;
	c->ncpus = tl->ncpus;
	r = sched_model_clone(tl->m, NULL, c, &c->m);
	if (!r)
		r = patterns_clone(tl->patterns, &c->patterns);
	if (!r)
		r = undone_clone(tl->undone, c->m, &c->undone);
	if (!r && (VEC_DUP(c->threads, tl->threads, tl->nthreads) ||
		   VEC_DUP(c->created_by, tl->created_by, tl->nthreads)))
		r = -ENOMEM;
	if (!r)
		r = trim_build(tl, &n, t, false);
	if (r) {
		trim_free(&n, tl->ncpus);
		timeline_free(c); /* (no lanes yet: it frees none) */
		return r;
	}
	c->nthreads = c->capthreads = c->capcreated = tl->nthreads;
	c->caplanes = tl->caplanes ? tl->caplanes : 1;
	trim_install(c, &n);
	c->deadlocks = tl->deadlocks;
	c->damaged = tl->damaged;
	memcpy(c->fatal, tl->fatal, sizeof(c->fatal));
	c->fatal_next = tl->fatal_next;
	c->end = c->kept_from = t;
	*out = c;
	return 0;
}

/* A history of spans starting at tl's present (see timeline.h). */
int timeline_spans(const struct timeline *tl, unsigned keep, struct spans **out)
{
	int r = spans_from_model(tl->m, tl->ncpus, keep, out);

	for (size_t i = 0; !r && i < tl->nthreads; i++)
		r = spans_name(*out, i, tl->threads[i].name);
	if (r) {
		spans_free(*out);
		*out = NULL;
	}
	return r;
}

/* The first instant the timeline still holds. */
uint64_t timeline_kept_from(const struct timeline *tl)
{
	return tl->kept_from;
}
