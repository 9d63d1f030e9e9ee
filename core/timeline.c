/* The timeline model, built on the scheduling state machine (sched_model.c):
 * the model says when each thread and CPU changes state; this file stores
 * those changes compactly and answers the views' questions about any window.
 *
 * Storage (everything append-only, carved from a bump arena):
 *   - a lane (one per thread, one per CPU) is a list of blocks of LANE_B
 *     records; a record is a 32-bit time delta from the previous record and
 *     a 32-bit code (thread lanes: state, wakeup bit, CPU or waker; CPU
 *     lanes: the occupant). A gap too long for 32 bits is bridged by filler
 *     records that repeat the state, so every block but the last is full and
 *     record i lives at block i / LANE_B. Each block of a thread lane
 *     carries a checkpoint: the time spent in each state, and the wakeups,
 *     before its first record. Time in state over [t0, t1) is
 *     cum(t1) - cum(t0), each a binary search over the blocks' bases and
 *     at most LANE_B steps. A block also keeps the times of every SEG-th
 *     record, so finding the record in effect at an instant scans at most
 *     SEG records.
 *   - the state of a cell that holds many changes needs no walk (the
 *     checkpoints give it); its CPU (thread lanes) or occupant (CPU lanes)
 *     is walked when the cell holds at most FEW changes, else estimated
 *     from SAMPLES instants.
 *   - two time indexes (blocks of 32-bit offsets from a 64-bit base): the
 *     scheduling event times (next/prev stepping) and the log of notable
 *     events; the rare log entries (new threads, exits, renames, marks,
 *     lost events) keep their details in a side array. A wakeup's waker is
 *     in its lane record; its latency and CPU are read from the lane when
 *     the log is asked for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sched_model.h"
#include "timeline.h"

#define LANE_B 64               /* records per lane block: one checkpoint each */
#define SEG 16                  /* a seek scans at most this many records of a block */
#define TIX_B 1024              /* entries per time-index block */
#define ARENA_CHUNK (256u << 10)
#define FEW 16                  /* a window with at most this many changes is walked exactly */
#define SAMPLES 16              /* else it is estimated at this many instants */
#define DT_MAX UINT32_MAX

/* A thread lane record's code: state, wakeup bit, and an aux field that is
 * the CPU + 1 when running (0 unknown), the waker + 4 on a wakeup record. */
#define CODE_STATE(c) ((c) & 0x1fu)
#define CODE_WAKE 0x20u
#define CODE_AUX(c) ((c) >> 6)
#define AUX_MAX ((1u << 26) - 1)
#define WAKER_BIAS 4

/* A CPU lane record's code: the occupant. */
#define OCC_UNKNOWN 0u
#define OCC_IDLE 1u
#define OCC_OTHER 2u
#define OCC_THREAD 3u /* + thread index */

/* Log entry value: kind in the top 4 bits, then a thread index (wakeups)
 * or an index into the side array (the rest). */
#define LOG_KIND_SHIFT 28
#define LOG_PAYLOAD_MAX ((1u << LOG_KIND_SHIFT) - 1)

_Static_assert(TL_STATE_MAX <= 32, "thread lane codes hold 5 bits of state");
_Static_assert(LANE_B % SEG == 0 && LANE_B / SEG >= 2, "a block holds whole segments");

struct arena {
	char **chunks;
	size_t n, cap;
	char *cur;
	size_t left;
	size_t bytes;
};

struct rec {
	uint32_t dt;             /* from the previous record (0 for a block's first) */
	uint32_t code;
};

struct block {
	uint64_t base;           /* ts of record 0 */
	uint32_t n;              /* records in use */
	uint32_t wakes;          /* thread lanes: wakeup records before this block */
	uint64_t sub[LANE_B / SEG - 1]; /* ts of records SEG, 2 SEG, ...: where a seek starts scanning */
	struct rec r[LANE_B];
	uint64_t cum[];          /* thread lanes: ns in each state before base */
};

struct lane {
	struct block **blocks;
	uint64_t *bases;         /* blocks[i]->base, contiguous for the binary search */
	size_t nblocks, cap;
	uint64_t last_ts;        /* of the last record */
	uint32_t last_code;
	uint32_t wakes;          /* wakeup records in all */
	bool thread;             /* a thread lane: blocks carry checkpoints */
	bool provisional;        /* the last record guesses an unknown state */
	uint64_t cum[TL_STATE_MAX]; /* thread lanes: ns in each state before last_ts */
};

/* A position in a lane: record k of block b, at time ts. */
struct pos {
	size_t b;
	unsigned k;
	uint64_t ts;
};

struct tix_block {
	uint64_t base;
	uint64_t first;          /* index of its first entry */
	uint32_t n;
	uint32_t off[TIX_B];     /* ts - base */
	uint32_t val[];          /* when the index has values */
};

struct tix {
	struct tix_block **blocks;
	uint64_t *bases, *firsts; /* of the blocks, contiguous for the binary searches */
	size_t nblocks, cap;
	uint64_t count;
	bool with_val;
};

/* The details of a log entry other than a wakeup. */
struct xlog {
	size_t thread;
	int64_t other;
	int64_t value;
	int16_t cpu;
	char text[EVENT_TEXT_MAX];
	char *note;             /* NOTE entries: the sentence (malloc'd) */
};

/* What a blocked (or spinning) record waits on. */
struct wait_rec {
	int64_t object;
	int64_t holder;
};

#define HERD_MAX 32

/* What the pattern notes follow of a condition variable or barrier. */
struct pobj {
	int32_t tgid;
	uint64_t addr;
	unsigned waiting;          /* threads inside a wait on it now */
	bool unheard;              /* its last signal found nobody waiting */
	uint64_t unheard_ts, last_signal_ts;
	int64_t unheard_by;
	unsigned herd_n, herd_back; /* a broadcast's woken threads; those that waited again */
	int32_t herd[HERD_MAX];
	bool herd_again[HERD_MAX];
	uint64_t herd_ts;
	int64_t herd_by;
	bool gen_noted;            /* barrier: this round's straggler was noted */
};

#define CONVOY_THREADS 8
#define CONVOY_WINDOW_NS (50ull * 1000 * 1000)

/* Blocks on one mutex within a window: for the lock convoy note. */
struct convoy {
	uint64_t since;            /* the window's start */
	size_t thread[CONVOY_THREADS];
	unsigned count[CONVOY_THREADS], nthreads, blocks;
	bool noted;
};

/* A thread inside a cond or barrier wait. */
struct pwait {
	int32_t tid, tgid;
	uint64_t addr;
	uint64_t since;
	bool active;
};

struct timeline {
	struct sched_model *m;
	unsigned ncpus;
	struct tl_thread *threads;
	struct lane *lanes;
	bool *logged_new;
	size_t nthreads, cap;
	struct lane *cpus;
	struct tix times;        /* scheduling events */
	struct tix log;          /* notable events */
	struct xlog *x;
	size_t nx, capx;
	struct arena arena;
	uint64_t end;
	struct wait_rec *waits;  /* what blocked records wait on (their aux - 1) */
	size_t nwaits, capwaits;
	size_t deadlocks;        /* deadlocks logged so far */
	struct pobj *pobjs;      /* pattern notes: the objects followed */
	size_t npobjs, cappobjs;
	struct pwait *pwaits;    /* and the threads inside their waits */
	size_t npwaits, cappwaits;
	struct convoy *convoys;  /* by object index: blocks on a mutex, for the convoy note */
	size_t nconvoys;
};

/* ---- arena ---- */

/* Allocates size bytes (8-aligned) that live as long as the arena. */
static void *arena_alloc(struct arena *a, size_t size)
{
	void *p;

	size = (size + 7) & ~(size_t)7;
	if (size > a->left) {
		size_t csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		char *c;

		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			char **cs = realloc(a->chunks, cap * sizeof(*cs));

			if (!cs)
				return NULL;
			a->chunks = cs;
			a->cap = cap;
		}
		c = malloc(csize);
		if (!c)
			return NULL;
		a->chunks[a->n++] = c;
		a->bytes += csize;
		a->cur = c;
		a->left = csize;
	}
	p = a->cur;
	a->cur += size;
	a->left -= size;
	return p;
}

/* Frees every chunk. */
static void arena_free(struct arena *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->chunks[i]);
	free(a->chunks);
}

/* ---- lanes: appending ---- */

/* Appends one record, opening a block when the last one is full. */
static int lane_push_raw(struct timeline *tl, struct lane *L, uint64_t ts, uint32_t code)
{
	struct block *blk = L->nblocks ? L->blocks[L->nblocks - 1] : NULL;
	bool first = !blk;

	if (!blk || blk->n == LANE_B) {
		size_t size = sizeof(*blk) + (L->thread ? sizeof(L->cum) : 0);

		if (L->nblocks == L->cap) {
			size_t cap = L->cap ? L->cap * 2 : 4;
			struct block **bs = realloc(L->blocks, cap * sizeof(*bs));
			uint64_t *bb;

			if (!bs)
				return -ENOMEM;
			L->blocks = bs;
			bb = realloc(L->bases, cap * sizeof(*bb));
			if (!bb)
				return -ENOMEM;
			L->bases = bb;
			L->cap = cap;
		}
		blk = arena_alloc(&tl->arena, size);
		if (!blk)
			return -ENOMEM;
		blk->base = ts;
		blk->n = 0;
		blk->wakes = L->wakes;
		L->bases[L->nblocks] = ts;
		L->blocks[L->nblocks++] = blk;
	}
	if (L->thread) { /* the previous record's time is known now */
		if (!first)
			L->cum[CODE_STATE(L->last_code)] += ts - L->last_ts;
		if (blk->n == 0)
			memcpy(blk->cum, L->cum, sizeof(L->cum));
	}
	if (blk->n && blk->n % SEG == 0)
		blk->sub[blk->n / SEG - 1] = ts;
	blk->r[blk->n].dt = blk->n ? (uint32_t)(ts - L->last_ts) : 0;
	blk->r[blk->n].code = code;
	blk->n++;
	L->last_ts = ts;
	L->last_code = code;
	if (code & CODE_WAKE)
		L->wakes++;
	return 0;
}

/* Appends a change at ts (never before the last one), bridging a long gap
 * with fillers that repeat the current state. */
static int lane_push(struct timeline *tl, struct lane *L, uint64_t ts, uint32_t code)
{
	int r;

	if (L->nblocks) {
		uint32_t fill = L->thread ? L->last_code & ~CODE_WAKE : L->last_code;

		if (ts < L->last_ts)
			ts = L->last_ts;
		while (ts - L->last_ts > DT_MAX) {
			r = lane_push_raw(tl, L, L->last_ts + DT_MAX, fill);
			if (r)
				return r;
		}
	}
	L->provisional = false;
	return lane_push_raw(tl, L, ts, code);
}

/* Rewrites the code of the last record (a provisional guess). */
static void lane_replace_last(struct lane *L, uint32_t code)
{
	struct block *blk = L->blocks[L->nblocks - 1];

	blk->r[blk->n - 1].code = code;
	L->last_code = code;
}

/* Marks the last record as a wakeup by waker. */
static void lane_mark_wakeup(struct lane *L, int64_t waker)
{
	struct block *blk;
	uint64_t aux = waker >= SCHED_WAKER_KERNEL && waker + WAKER_BIAS <= AUX_MAX
			       ? (uint64_t)(waker + WAKER_BIAS)
			       : (uint64_t)(SCHED_WAKER_UNKNOWN + WAKER_BIAS);
	uint32_t code;

	if (!L->nblocks)
		return;
	blk = L->blocks[L->nblocks - 1];
	code = CODE_STATE(blk->r[blk->n - 1].code) | CODE_WAKE | (uint32_t)(aux << 6);
	if (!(blk->r[blk->n - 1].code & CODE_WAKE))
		L->wakes++;
	blk->r[blk->n - 1].code = code;
	L->last_code = code;
}

/* ---- lanes: reading ---- */

/* The index of the last block whose base is < t (incl: <= t), or -1. */
static long lane_block_before(const struct lane *L, uint64_t t, bool incl)
{
	size_t lo = 0, hi = L->nblocks; /* answer + 1 in [lo, hi] */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t b = L->bases[mid];

		if (b < t || (incl && b == t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* The ts of the record after p, or UINT64_MAX at the lane's end. */
static uint64_t pos_next_ts(const struct lane *L, const struct pos *p)
{
	const struct block *blk = L->blocks[p->b];

	if (p->k + 1 < blk->n)
		return p->ts + blk->r[p->k + 1].dt;
	if (p->b + 1 < L->nblocks)
		return L->bases[p->b + 1];
	return UINT64_MAX;
}

/* Moves p to the next record; false at the lane's end. */
static bool pos_next(const struct lane *L, struct pos *p)
{
	uint64_t nts = pos_next_ts(L, p);

	if (nts == UINT64_MAX)
		return false;
	if (p->k + 1 < L->blocks[p->b]->n) {
		p->k++;
	} else {
		p->b++;
		p->k = 0;
	}
	p->ts = nts;
	return true;
}

/* Moves p to the previous record; false at the lane's start. */
static bool pos_prev(const struct lane *L, struct pos *p)
{
	const struct block *blk;
	unsigned k;

	if (p->k > 0) {
		p->ts -= L->blocks[p->b]->r[p->k].dt;
		p->k--;
		return true;
	}
	if (p->b == 0)
		return false;
	p->b--;
	blk = L->blocks[p->b]; /* a full block: scan its last segment */
	p->ts = blk->sub[LANE_B / SEG - 2];
	for (k = LANE_B - SEG + 1; k < blk->n; k++)
		p->ts += blk->r[k].dt;
	p->k = blk->n - 1;
	return true;
}

/* The code of the record at p. */
static uint32_t pos_code(const struct lane *L, const struct pos *p)
{
	return L->blocks[p->b]->r[p->k].code;
}

/* The index of the record at p. */
static size_t pos_index(const struct pos *p)
{
	return p->b * LANE_B + p->k;
}

/* Finds the last record with ts < t (incl: <= t). False when there is none. */
static bool lane_seek(const struct lane *L, uint64_t t, bool incl, struct pos *p)
{
	long b = lane_block_before(L, t, incl);
	const struct block *blk;
	unsigned j;

	if (b < 0)
		return false;
	blk = L->blocks[b];
	p->b = (size_t)b;
	p->k = 0;
	p->ts = blk->base;
	for (j = 1; j * SEG < blk->n; j++) { /* skip whole segments */
		uint64_t s = blk->sub[j - 1];

		if (s > t || (s == t && !incl))
			break;
		p->k = j * SEG;
		p->ts = s;
	}
	while (p->k + 1 < blk->n) {
		uint64_t nts = p->ts + blk->r[p->k + 1].dt;

		if (nts > t || (nts == t && !incl))
			break;
		p->ts = nts;
		p->k++;
	}
	return true;
}

/* Asks for a whole block (with its checkpoint) at once, so that its cache
 * misses overlap instead of following each other down the scan. */
static void prefetch_block(const struct block *blk, bool thread)
{
	const char *p = (const char *)blk, *end = p + sizeof(*blk) + (thread ? sizeof(uint64_t) * TL_STATE_MAX : 0);

	for (; p < end; p += 64)
		__builtin_prefetch(p);
}

/* Time in each state before t, into cum, and the wakeup records before t
 * into *wakes. Returns how many records lie before t. */
static size_t lane_cum(const struct lane *L, uint64_t t, uint64_t cum[TL_STATE_MAX], uint32_t *wakes)
{
	long b = lane_block_before(L, t, false);
	const struct block *blk;
	uint64_t ts, next;
	unsigned k;

	if (b < 0) {
		memset(cum, 0, sizeof(uint64_t) * TL_STATE_MAX);
		*wakes = 0;
		return 0;
	}
	blk = L->blocks[b];
	prefetch_block(blk, true);
	memcpy(cum, blk->cum, sizeof(uint64_t) * TL_STATE_MAX);
	*wakes = blk->wakes;
	ts = blk->base;
	for (k = 0;; k++) {
		uint32_t code = blk->r[k].code;

		if (code & CODE_WAKE)
			(*wakes)++;
		if (k + 1 < blk->n)
			next = ts + blk->r[k + 1].dt;
		else if ((size_t)b + 1 < L->nblocks)
			next = L->bases[b + 1];
		else
			next = UINT64_MAX;
		if (next >= t) {
			cum[CODE_STATE(code)] += t - ts;
			return (size_t)b * LANE_B + k + 1;
		}
		cum[CODE_STATE(code)] += next - ts;
		ts = next;
	}
}

/* ---- time indexes ---- */

/* Appends an entry at ts (never before the last one). */
static int tix_push(struct timeline *tl, struct tix *x, uint64_t ts, uint32_t val)
{
	struct tix_block *blk = x->nblocks ? x->blocks[x->nblocks - 1] : NULL;

	if (blk && blk->n && ts < blk->base + blk->off[blk->n - 1])
		ts = blk->base + blk->off[blk->n - 1];
	if (!blk || blk->n == TIX_B || ts - blk->base > DT_MAX) {
		if (x->nblocks == x->cap) {
			size_t cap = x->cap ? x->cap * 2 : 16;
			struct tix_block **bs = realloc(x->blocks, cap * sizeof(*bs));
			uint64_t *b1, *b2;

			if (!bs)
				return -ENOMEM;
			x->blocks = bs;
			b1 = realloc(x->bases, cap * sizeof(*b1));
			if (!b1)
				return -ENOMEM;
			x->bases = b1;
			b2 = realloc(x->firsts, cap * sizeof(*b2));
			if (!b2)
				return -ENOMEM;
			x->firsts = b2;
			x->cap = cap;
		}
		blk = arena_alloc(&tl->arena, sizeof(*blk) + (x->with_val ? TIX_B * sizeof(uint32_t) : 0));
		if (!blk)
			return -ENOMEM;
		blk->base = ts;
		blk->first = x->count;
		blk->n = 0;
		x->bases[x->nblocks] = ts;
		x->firsts[x->nblocks] = x->count;
		x->blocks[x->nblocks++] = blk;
	}
	blk->off[blk->n] = (uint32_t)(ts - blk->base);
	if (x->with_val)
		blk->val[blk->n] = val;
	blk->n++;
	x->count++;
	return 0;
}

/* The ts of the last entry, or 0 with none. */
static bool tix_last(const struct tix *x, uint64_t *ts)
{
	const struct tix_block *blk;

	if (!x->count)
		return false;
	blk = x->blocks[x->nblocks - 1];
	*ts = blk->base + blk->off[blk->n - 1];
	return true;
}

/* The index of the first entry with ts >= t (the count if none). */
static uint64_t tix_lower(const struct tix *x, uint64_t t)
{
	size_t lo = 0, hi = x->nblocks;
	const struct tix_block *blk;
	uint32_t klo, khi;
	uint64_t rel;

	while (lo < hi) { /* first block with base >= t */
		size_t mid = lo + (hi - lo) / 2;

		if (x->bases[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	blk = x->blocks[lo - 1];
	rel = t - blk->base;
	if (rel > DT_MAX)
		return blk->first + blk->n;
	klo = 0;
	khi = blk->n;
	while (klo < khi) {
		uint32_t mid = klo + (khi - klo) / 2;

		if (blk->off[mid] < rel)
			klo = mid + 1;
		else
			khi = mid;
	}
	return blk->first + klo;
}

/* The entry at index i. */
static void tix_at(const struct tix *x, uint64_t i, uint64_t *ts, uint32_t *val)
{
	size_t lo = 0, hi = x->nblocks;
	const struct tix_block *blk;
	uint32_t k;

	while (hi - lo > 1) { /* last block with first <= i */
		size_t mid = lo + (hi - lo) / 2;

		if (x->firsts[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	blk = x->blocks[lo];
	k = (uint32_t)(i - blk->first);
	*ts = blk->base + blk->off[k];
	if (val)
		*val = x->with_val ? blk->val[k] : 0;
}

/* ---- the log ---- */

/* Appends a log entry of kind for thread (a wakeup) or with details x. */
static int log_push(struct timeline *tl, uint64_t ts, enum tl_log_kind kind, size_t thread, const struct xlog *x)
{
	uint32_t payload;

	if (kind == TL_LOG_WAKEUP || kind == TL_LOG_BLOCK) {
		if (thread > LOG_PAYLOAD_MAX)
			return 0;
		payload = (uint32_t)thread;
	} else {
		if (tl->nx > LOG_PAYLOAD_MAX)
			return 0;
		if (tl->nx == tl->capx) {
			size_t cap = tl->capx ? tl->capx * 2 : 64;
			struct xlog *p = realloc(tl->x, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			tl->x = p;
			tl->capx = cap;
		}
		tl->x[tl->nx] = *x;
		payload = (uint32_t)tl->nx++;
	}
	return tix_push(tl, &tl->log, ts, (uint32_t)kind << LOG_KIND_SHIFT | payload);
}

/* Appends a log entry about a thread with another party and a text. */
static int log_thread(struct timeline *tl, uint64_t ts, enum tl_log_kind kind, size_t thread, int64_t other,
		      const char *text)
{
	struct xlog x;

	memset(&x, 0, sizeof(x));
	x.thread = thread;
	x.other = other;
	x.cpu = -1;
	if (text)
		memcpy(x.text, text, sizeof(x.text));
	return log_push(tl, ts, kind, thread, &x);
}

/* ---- the lock convoy note ---- */

static int log_note(struct timeline *tl, uint64_t ts, int32_t tid, const char *note);

/* Thread idx blocked on mutex object at ts: when, within one window, at
 * least three threads have each blocked on it three times or more, they
 * are queueing on it in turns, a convoy: noted once per mutex. */
static int convoy_block(struct timeline *tl, int64_t object, size_t idx, uint64_t ts)
{
	struct convoy *cv;
	unsigned i, regulars = 0;

	if ((size_t)object >= tl->nconvoys) {
		size_t n = (size_t)object + 16;
		struct convoy *p = realloc(tl->convoys, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		memset(p + tl->nconvoys, 0, (n - tl->nconvoys) * sizeof(*p));
		tl->convoys = p;
		tl->nconvoys = n;
	}
	cv = &tl->convoys[object];
	if (cv->noted)
		return 0;
	if (ts - cv->since > CONVOY_WINDOW_NS) { /* a new window */
		memset(cv, 0, sizeof(*cv));
		cv->since = ts;
	}
	for (i = 0; i < cv->nthreads && cv->thread[i] != idx; i++)
		;
	if (i == cv->nthreads) {
		if (cv->nthreads == CONVOY_THREADS)
			return 0;
		cv->thread[cv->nthreads++] = idx;
	}
	cv->count[i]++;
	cv->blocks++;
	for (i = 0; i < cv->nthreads; i++)
		regulars += cv->count[i] >= 3;
	if (regulars >= 3) {
		char obj[EVENT_TEXT_MAX + 32], note[256];

		cv->noted = true;
		timeline_object_label(tl, object, obj, sizeof(obj));
		snprintf(note, sizeof(note),
			 "lock convoy: %u threads blocked on %s %u times in %.1f ms, each coming back to it in turn",
			 regulars, obj, cv->blocks, (double)(ts - cv->since) / 1e6);
		return log_note(tl, ts, tl->threads[idx].tid, note);
	}
	return 0;
}

/* ---- building: the model's callbacks ---- */

/* The lane code of a model state (cpu when running). */
static uint32_t state_code(uint8_t st, int32_t cpu)
{
	switch (st) {
	case SCHED_RUNNING:
	case SCHED_SPINNING:
		return (st == SCHED_RUNNING ? TL_RUNNING : TL_SPINNING) |
		       (cpu >= 0 && (uint32_t)cpu < AUX_MAX ? (uint32_t)(cpu + 1) << 6 : 0);
	case SCHED_RUNNABLE:
		return TL_RUNNABLE;
	case SCHED_BLOCKED:
		return TL_BLOCKED_UNKNOWN;
	case SCHED_UNINTERRUPTIBLE:
		return TL_UNINTERRUPTIBLE;
	default:
		return TL_NOT_ALIVE;
	}
}

/* The lane state of a blocked thread by what it waits on. */
static uint32_t blocked_state(uint8_t wait)
{
	switch (wait) {
	case WAIT_MUTEX: return TL_BLOCKED_MUTEX;
	case WAIT_RWLOCK: return TL_BLOCKED_RWLOCK;
	case WAIT_COND: return TL_BLOCKED_COND;
	case WAIT_BARRIER: return TL_BLOCKED_BARRIER;
	case WAIT_SEM: return TL_BLOCKED_SEM;
	case WAIT_JOIN: return TL_BLOCKED_JOIN;
	case WAIT_FUTEX: return TL_BLOCKED_FUTEX;
	case WAIT_SLEEP: return TL_SLEEPING;
	case WAIT_IO: return TL_IO;
	default: return TL_BLOCKED_UNKNOWN;
	}
}

/* The lane code of a change: its state refined by what it waits on, the
 * object and holder kept aside (the record's aux points there). */
static int change_code(struct timeline *tl, const struct sched_change *c, uint32_t *code)
{
	uint32_t st;

	*code = state_code(c->state, c->cpu);
	if (c->state != SCHED_BLOCKED && c->state != SCHED_UNINTERRUPTIBLE)
		return 0;
	st = c->state == SCHED_BLOCKED ? blocked_state(c->wait) : TL_UNINTERRUPTIBLE;
	*code = st;
	if (c->object < 0 && c->holder < 0)
		return 0;
	if (tl->nwaits >= AUX_MAX)
		return 0;
	if (tl->nwaits == tl->capwaits) {
		size_t cap = tl->capwaits ? tl->capwaits * 2 : 256;
		struct wait_rec *p = realloc(tl->waits, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		tl->waits = p;
		tl->capwaits = cap;
	}
	tl->waits[tl->nwaits] = (struct wait_rec){ c->object, c->holder };
	*code = st | (uint32_t)(tl->nwaits + 1) << 6;
	tl->nwaits++;
	return 0;
}

/* Whether a lane state is blocked (its aux then points to a wait record). */
static bool state_blocked(uint32_t st)
{
	return st >= TL_BLOCKED_MUTEX && st <= TL_BLOCKED_UNKNOWN && st != TL_SPINNING;
}

/* The code shown for a thread whose state is still unknown. */
static uint32_t guess_code(const struct sched_thread *t)
{
	return state_code((uint8_t)sched_model_guess(t), -1);
}

/* Makes room for thread idx. */
static int threads_reserve(struct timeline *tl, size_t idx)
{
	size_t cap = tl->cap ? tl->cap : 16;
	void *p;

	if (idx < tl->cap)
		return 0;
	while (cap <= idx)
		cap *= 2;
	p = realloc(tl->threads, cap * sizeof(*tl->threads));
	if (!p)
		return -ENOMEM;
	tl->threads = p;
	p = realloc(tl->lanes, cap * sizeof(*tl->lanes));
	if (!p)
		return -ENOMEM;
	tl->lanes = p;
	p = realloc(tl->logged_new, cap * sizeof(*tl->logged_new));
	if (!p)
		return -ENOMEM;
	tl->logged_new = p;
	tl->cap = cap;
	return 0;
}

/* A new thread, or a thread's identity changed. */
static int cb_thread(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other)
{
	struct timeline *tl = ctx;
	const struct sched_thread *mt = sched_model_thread(tl->m, idx);
	struct tl_thread *t;
	struct lane *L;
	int r;

	if (what == SCHED_THREAD_NEW) {
		r = threads_reserve(tl, idx);
		if (r)
			return r;
		for (; tl->nthreads <= idx; tl->nthreads++) { /* (more than one only after an ENOMEM) */
			size_t j = tl->nthreads;

			memset(&tl->threads[j], 0, sizeof(tl->threads[j]));
			tl->threads[j].letter = j < 26 ? (char)('A' + j) : j < 52 ? (char)('a' + j - 26) : '?';
			memset(&tl->lanes[j], 0, sizeof(tl->lanes[j]));
			tl->lanes[j].thread = true;
			tl->logged_new[j] = false;
		}
		L = &tl->lanes[idx];
		if (mt->state == SCHED_UNKNOWN) {
			r = lane_push(tl, L, mt->since, guess_code(mt));
			if (r)
				return r;
			L->provisional = true;
		}
	}
	if (idx >= tl->nthreads)
		return 0;
	t = &tl->threads[idx];
	L = &tl->lanes[idx];
	t->tid = mt->tid;
	t->tgid = mt->tgid;
	t->start_ns = mt->start_ns;
	t->existed = mt->existed;
	memcpy(t->name, mt->name, sizeof(t->name));
	switch (what) {
	case SCHED_THREAD_FORKED:
		tl->logged_new[idx] = true;
		return log_thread(tl, ts, TL_LOG_NEW, idx, other, mt->name);
	case SCHED_THREAD_EXISTED:
		if (mt->state == SCHED_UNKNOWN && L->provisional)
			lane_replace_last(L, guess_code(mt));
		return 0;
	case SCHED_THREAD_RENAMED:
	case SCHED_THREAD_EXEC:
		return log_thread(tl, ts, TL_LOG_RENAME, idx, -1, mt->name);
	default:
		return 0;
	}
}

/* A thread's state changed: its lane gets the change. */
static int cb_state(void *ctx, const struct sched_change *c)
{
	struct timeline *tl = ctx;
	const struct sched_thread *mt = sched_model_thread(tl->m, c->thread);
	struct tl_thread *t;
	struct lane *L;
	int r;

	if (c->thread >= tl->nthreads)
		return 0;
	t = &tl->threads[c->thread];
	L = &tl->lanes[c->thread];
	if (c->settled) { /* what it did since it was first seen is known now */
		uint32_t code = state_code(c->prev, c->prev_cpu);

		if (L->provisional && L->last_ts == c->prev_since) {
			lane_replace_last(L, code);
		} else {
			r = lane_push(tl, L, c->prev_since, code);
			if (r)
				return r;
		}
	}
	{
		uint32_t code;

		r = change_code(tl, c, &code);
		if (!r)
			r = lane_push(tl, L, c->ts, code);
		if (r)
			return r;
		if (c->state == SCHED_BLOCKED && c->object >= 0 && c->wait >= WAIT_MUTEX && c->wait <= WAIT_JOIN) {
			r = log_push(tl, c->ts, TL_LOG_BLOCK, c->thread, NULL);
			if (!r && c->wait == WAIT_MUTEX)
				r = convoy_block(tl, c->object, c->thread, c->ts);
			if (r)
				return r;
		}
	}
	t->start_ns = mt->start_ns;
	if (mt->exited && !t->exited) {
		t->exited = true;
		t->end_ns = mt->end_ns;
		return log_thread(tl, c->ts, TL_LOG_EXIT, c->thread, -1, NULL);
	}
	return 0;
}

/* The lane code of a CPU occupant. */
static uint32_t occ_code(uint8_t kind, size_t thread)
{
	switch (kind) {
	case SCHED_CPU_IDLE:
		return OCC_IDLE;
	case SCHED_CPU_OTHER:
		return OCC_OTHER;
	case SCHED_CPU_THREAD:
		return thread <= UINT32_MAX - OCC_THREAD ? OCC_THREAD + (uint32_t)thread : OCC_UNKNOWN;
	default:
		return OCC_UNKNOWN;
	}
}

/* A CPU's occupant changed: its lane gets the change. */
static int cb_cpu(void *ctx, const struct sched_cpu_change *c)
{
	struct timeline *tl = ctx;
	struct lane *L = &tl->cpus[c->cpu];
	int r;

	if (c->settled && c->prev_kind != SCHED_CPU_UNKNOWN) {
		r = lane_push(tl, L, c->prev_since, occ_code(c->prev_kind, c->prev_thread));
		if (r)
			return r;
	}
	return lane_push(tl, L, c->ts, occ_code(c->kind, c->thread));
}

/* A thread was put on a run queue: its last record is marked, and logged. */
static int cb_wakeup(void *ctx, const struct sched_wakeup *w)
{
	struct timeline *tl = ctx;

	if (w->thread >= tl->nthreads)
		return 0;
	lane_mark_wakeup(&tl->lanes[w->thread], w->waker);
	if (!w->new_thread)
		return log_push(tl, w->ts, TL_LOG_WAKEUP, w->thread, NULL);
	if (tl->logged_new[w->thread])
		return 0;
	tl->logged_new[w->thread] = true;
	return log_thread(tl, w->ts, TL_LOG_NEW, w->thread, w->waker, tl->threads[w->thread].name);
}

/* ---- public API ---- */

/* Creates an empty timeline for a trace of ncpus CPUs. */
int timeline_new(struct timeline **out, unsigned ncpus)
{
	static const struct sched_model_ops ops = {
		.thread = cb_thread, .state = cb_state, .cpu = cb_cpu, .wakeup = cb_wakeup,
	};
	struct timeline *tl;
	int r;

	*out = NULL;
	if (ncpus == 0 || ncpus > 32767)
		return -EINVAL;
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		return -ENOMEM;
	tl->ncpus = ncpus;
	tl->cpus = calloc(ncpus, sizeof(*tl->cpus));
	if (!tl->cpus) {
		timeline_free(tl);
		return -ENOMEM;
	}
	tl->log.with_val = true;
	r = sched_model_new(&tl->m, ncpus, &ops, tl);
	if (r) {
		timeline_free(tl);
		return r;
	}
	*out = tl;
	return 0;
}

/* Frees it. */
void timeline_free(struct timeline *tl)
{
	size_t i;

	if (!tl)
		return;
	sched_model_free(tl->m);
	for (i = 0; i < tl->nthreads; i++) {
		free(tl->lanes[i].blocks);
		free(tl->lanes[i].bases);
	}
	if (tl->cpus) {
		for (i = 0; i < tl->ncpus; i++) {
			free(tl->cpus[i].blocks);
			free(tl->cpus[i].bases);
		}
	}
	free(tl->threads);
	free(tl->lanes);
	free(tl->logged_new);
	free(tl->cpus);
	free(tl->times.blocks);
	free(tl->times.bases);
	free(tl->times.firsts);
	free(tl->log.blocks);
	free(tl->log.bases);
	free(tl->log.firsts);
	for (i = 0; i < tl->nx; i++)
		free(tl->x[i].note);
	free(tl->x);
	free(tl->pobjs);
	free(tl->pwaits);
	free(tl->convoys);
	free(tl->waits);
	arena_free(&tl->arena);
	free(tl);
}

/* Records the time of a scheduling event for stepping (once per instant). */
static int note_time(struct timeline *tl, uint64_t ts)
{
	uint64_t last;

	if (tix_last(&tl->times, &last) && last == ts)
		return 0;
	return tix_push(tl, &tl->times, ts, 0);
}

/* ---- pattern notes: what is certain from the calls alone ---- */

/* The followed object at addr of tgid, added on first use (NULL: ENOMEM). */
static struct pobj *pobj_get(struct timeline *tl, int32_t tgid, uint64_t addr)
{
	size_t i;

	for (i = 0; i < tl->npobjs; i++)
		if (tl->pobjs[i].tgid == tgid && tl->pobjs[i].addr == addr)
			return &tl->pobjs[i];
	if (tl->npobjs == tl->cappobjs) {
		size_t cap = tl->cappobjs ? tl->cappobjs * 2 : 16;
		struct pobj *p = realloc(tl->pobjs, cap * sizeof(*p));

		if (!p)
			return NULL;
		tl->pobjs = p;
		tl->cappobjs = cap;
	}
	memset(&tl->pobjs[tl->npobjs], 0, sizeof(tl->pobjs[0]));
	tl->pobjs[tl->npobjs].tgid = tgid;
	tl->pobjs[tl->npobjs].addr = addr;
	return &tl->pobjs[tl->npobjs++];
}

/* The wait entry of thread tid (created inactive; NULL: ENOMEM). */
static struct pwait *pwait_get(struct timeline *tl, int32_t tid, int32_t tgid)
{
	size_t i;

	for (i = 0; i < tl->npwaits; i++)
		if (tl->pwaits[i].tid == tid)
			return &tl->pwaits[i];
	if (tl->npwaits == tl->cappwaits) {
		size_t cap = tl->cappwaits ? tl->cappwaits * 2 : 16;
		struct pwait *p = realloc(tl->pwaits, cap * sizeof(*p));

		if (!p)
			return NULL;
		tl->pwaits = p;
		tl->cappwaits = cap;
	}
	memset(&tl->pwaits[tl->npwaits], 0, sizeof(tl->pwaits[0]));
	tl->pwaits[tl->npwaits].tid = tid;
	tl->pwaits[tl->npwaits].tgid = tgid;
	return &tl->pwaits[tl->npwaits++];
}

/* A thread's name for a note ("B consumer-1"), by tid. */
static void note_who(const struct timeline *tl, int32_t tid, char *buf, size_t len)
{
	long i = timeline_thread_index(tl, tid);
	const struct tl_thread *t = i >= 0 ? &tl->threads[i] : NULL;

	if (t)
		snprintf(buf, len, "%c %s", t->letter, t->name[0] ? t->name : "?");
	else
		snprintf(buf, len, "thread %d", tid);
}

/* An object's label for a note. */
static void note_object(const struct timeline *tl, int32_t tgid, uint64_t addr, char *buf, size_t len)
{
	const struct waits *w = sched_model_waits(tl->m);

	waits_object_label(w, waits_find(w, tgid, addr), buf, len);
}

/* Adds a note about thread tid at ts. */
static int log_note(struct timeline *tl, uint64_t ts, int32_t tid, const char *note)
{
	long i = timeline_thread_index(tl, tid);
	struct xlog x;
	int r;

	memset(&x, 0, sizeof(x));
	x.thread = i >= 0 ? (size_t)i : SIZE_MAX;
	x.other = -1;
	x.cpu = -1;
	x.note = strdup(note);
	if (!x.note)
		return -ENOMEM;
	r = log_push(tl, ts, TL_LOG_NOTE, x.thread, &x);
	if (r || tl->nx == 0 || tl->x[tl->nx - 1].note != x.note)
		free(x.note); /* not kept */
	return r;
}

/* Ends a broadcast's herd on o: how many it woke, how many waited again. */
static int herd_note(struct timeline *tl, struct pobj *o, uint64_t ts)
{
	char who[EVENT_TEXT_MAX + 8], obj[EVENT_TEXT_MAX + 32], note[512];
	unsigned n = o->herd_n, back = o->herd_back;

	o->herd_n = 0;
	if (n < 2 || back == 0)
		return 0;
	note_who(tl, (int32_t)o->herd_by, who, sizeof(who));
	note_object(tl, o->tgid, o->addr, obj, sizeof(obj));
	snprintf(note, sizeof(note),
		 "thundering herd: %s's broadcast on %s woke %u; %u went on, %u went back to waiting", who, obj, n,
		 n - back, back);
	return log_note(tl, ts, (int32_t)o->herd_by, note);
}

/* Follows the calls that the pattern notes are about: cond waits, signals,
 * broadcasts and barrier waits. */
static int follow_patterns(struct timeline *tl, const struct event *ev, uint64_t ts)
{
	char who[EVENT_TEXT_MAX + 8], by[EVENT_TEXT_MAX + 8], obj[EVENT_TEXT_MAX + 32], note[512];
	struct pwait *w;
	struct pobj *o;
	size_t i;
	int r = 0;

	if (ev->tid <= 0)
		return 0;
	w = pwait_get(tl, ev->tid, ev->tgid);
	if (!w)
		return -ENOMEM;
	if (ev->type == EVENT_CALL) {
		switch (ev->op) {
		case OP_COND_WAIT:
		case OP_COND_TIMEDWAIT:
		case OP_BARRIER_WAIT:
			o = pobj_get(tl, ev->tgid, (uint64_t)ev->arg);
			if (!o)
				return -ENOMEM;
			if (ev->op == OP_BARRIER_WAIT && o->waiting == 0)
				o->gen_noted = false;
			o->waiting++;
			*w = (struct pwait){ ev->tid, ev->tgid, (uint64_t)ev->arg, ts, true };
			for (i = 0; i < o->herd_n; i++) {
				if (o->herd[i] == ev->tid && !o->herd_again[i]) {
					o->herd_again[i] = true;
					o->herd_back++;
				}
			}
			return 0;
		case OP_COND_SIGNAL:
		case OP_COND_BROADCAST:
			o = pobj_get(tl, ev->tgid, (uint64_t)ev->arg);
			if (!o)
				return -ENOMEM;
			if (o->herd_n)
				r = herd_note(tl, o, ts);
			o->unheard = o->waiting == 0;
			o->unheard_ts = ts;
			o->unheard_by = ev->tid;
			o->last_signal_ts = ts;
			if (ev->op == OP_COND_BROADCAST && o->waiting >= 2) {
				o->herd_n = o->herd_back = 0;
				o->herd_ts = ts;
				o->herd_by = ev->tid;
				for (i = 0; i < tl->npwaits && o->herd_n < HERD_MAX; i++) {
					struct pwait *p = &tl->pwaits[i];

					if (p->active && p->tgid == o->tgid && p->addr == o->addr) {
						o->herd_again[o->herd_n] = false;
						o->herd[o->herd_n++] = p->tid;
					}
				}
			}
			return r;
		default:
			return 0;
		}
	}
	if (ev->type != EVENT_RETURN || !w->active ||
	    (ev->op != OP_COND_WAIT && ev->op != OP_COND_TIMEDWAIT && ev->op != OP_BARRIER_WAIT))
		return 0;
	o = pobj_get(tl, w->tgid, w->addr);
	if (!o)
		return -ENOMEM;
	w->active = false;
	if (o->waiting)
		o->waiting--;
	if (ev->op == OP_COND_TIMEDWAIT && ev->arg == 110 /* ETIMEDOUT */ && o->unheard &&
	    o->unheard_ts <= w->since && o->last_signal_ts <= w->since) {
		/* the only signal came before anyone waited, and none since */
		note_who(tl, ev->tid, who, sizeof(who));
		note_who(tl, (int32_t)o->unheard_by, by, sizeof(by));
		note_object(tl, o->tgid, o->addr, obj, sizeof(obj));
		snprintf(note, sizeof(note),
			 "lost wakeup: %s signalled %s at %.6f s with nobody waiting; %s waited on it from %.6f s and "
			 "was never woken",
			 by, obj, (double)o->unheard_ts / 1e9, who, (double)w->since / 1e9);
		o->unheard = false;
		return log_note(tl, ts, ev->tid, note);
	}
	if (ev->op == OP_BARRIER_WAIT && !o->gen_noted) {
		/* the first to leave the barrier: the last to arrive, when the
		 * others all came before it */
		uint64_t sum = 0;
		unsigned others = 0;
		bool last = true;

		o->gen_noted = true;
		for (i = 0; i < tl->npwaits; i++) {
			struct pwait *p = &tl->pwaits[i];

			if (!p->active || p->tgid != o->tgid || p->addr != o->addr)
				continue;
			if (p->since > w->since)
				last = false;
			sum += w->since - (p->since < w->since ? p->since : w->since);
			others++;
		}
		if (last && others) {
			note_who(tl, ev->tid, who, sizeof(who));
			note_object(tl, o->tgid, o->addr, obj, sizeof(obj));
			snprintf(note, sizeof(note), "straggler: %s arrived last at %s; %u waited for it, %.1f ms on average",
				 who, obj, others, (double)sum / others / 1e6);
			return log_note(tl, ts, ev->tid, note);
		}
	}
	return 0;
}

/* Appends one event. */
int timeline_add(struct timeline *tl, const struct event *ev)
{
	bool valid = sched_model_event_valid(tl->m, ev);
	int r = sched_model_add(tl->m, ev), r2 = 0;
	uint64_t ts;
	struct xlog x;
	long i;

	if (!valid)
		return r;
	ts = sched_model_last_ts(tl->m);
	if (ts > tl->end)
		tl->end = ts;
	switch (ev->type) {
	case EVENT_SWITCH:
		if (ev->tid > 0 || ev->tid2 > 0)
			r2 = note_time(tl, ts);
		break;
	case EVENT_WAKEUP:
	case EVENT_WAKEUP_NEW:
		if (ev->tid > 0)
			r2 = note_time(tl, ts);
		break;
	case EVENT_MARK:
		if (ev->tid > 0 && (i = sched_model_find(tl->m, ev->tid)) >= 0 && (size_t)i < tl->nthreads) {
			memset(&x, 0, sizeof(x));
			x.thread = (size_t)i;
			x.other = -1;
			x.value = ev->arg;
			x.cpu = (int16_t)ev->cpu;
			memcpy(x.text, ev->text, sizeof(x.text));
			x.text[sizeof(x.text) - 1] = 0;
			r2 = log_push(tl, ts, TL_LOG_MARK, x.thread, &x);
		}
		break;
	case EVENT_CALL:
	case EVENT_RETURN:
		r2 = follow_patterns(tl, ev, ts);
		break;
	case EVENT_LOST:
		if (ev->arg > 0) {
			memset(&x, 0, sizeof(x));
			x.thread = SIZE_MAX;
			x.other = -1;
			x.value = ev->arg;
			x.cpu = (int16_t)ev->cpu;
			r2 = log_push(tl, ts, TL_LOG_LOST, 0, &x);
		}
		break;
	default:
		break;
	}
	while (!r2 && tl->deadlocks < waits_deadlock_count(sched_model_waits(tl->m))) {
		memset(&x, 0, sizeof(x));
		x.thread = SIZE_MAX;
		x.other = -1;
		x.value = (int64_t)tl->deadlocks++;
		x.cpu = (int16_t)ev->cpu;
		r2 = log_push(tl, ts, TL_LOG_DEADLOCK, 0, &x);
	}
	return r ? r : r2;
}

/* Moves the end of the timeline (never backwards). */
void timeline_set_end(struct timeline *tl, uint64_t end_ns)
{
	if (end_ns > tl->end)
		tl->end = end_ns;
}

/* The end of the timeline. */
uint64_t timeline_end(const struct timeline *tl)
{
	return tl->end;
}

/* The number of CPUs. */
unsigned timeline_ncpus(const struct timeline *tl)
{
	return tl->ncpus;
}

/* Threads in order of appearance. */
size_t timeline_thread_count(const struct timeline *tl)
{
	return tl->nthreads;
}

/* Thread i (its end is the timeline's end while it is alive). */
const struct tl_thread *timeline_thread(const struct timeline *tl, size_t i)
{
	struct tl_thread *t;

	if (i >= tl->nthreads)
		return NULL;
	t = &tl->threads[i];
	if (!t->exited)
		t->end_ns = tl->end;
	return t;
}

/* Time spent in each state by thread i within [t0, t1). */
void timeline_thread_sum(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, uint64_t out[TL_STATE_MAX])
{
	uint64_t c0[TL_STATE_MAX], c1[TL_STATE_MAX], alive = 0;
	uint32_t w0, w1;
	unsigned s;

	memset(out, 0, sizeof(uint64_t) * TL_STATE_MAX);
	if (t1 <= t0)
		return;
	if (i < tl->nthreads && t0 < tl->end) {
		lane_cum(&tl->lanes[i], t0, c0, &w0);
		lane_cum(&tl->lanes[i], t1 < tl->end ? t1 : tl->end, c1, &w1);
		for (s = 1; s < TL_STATE_MAX; s++) {
			out[s] = c1[s] - c0[s];
			alive += out[s];
		}
	}
	out[TL_NOT_ALIVE] = (t1 - t0) - alive;
}

/* A small tally of amounts by key, for picking the largest. */
struct tally {
	unsigned n;
	uint32_t key[FEW + SAMPLES + 4];
	uint64_t amount[FEW + SAMPLES + 4];
};

/* Adds amount to key's total. */
static void tally_add(struct tally *ty, uint32_t key, uint64_t amount)
{
	unsigned i;

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

/* The index of the largest total (the earliest on a tie), or -1 when empty. */
static int tally_best(const struct tally *ty)
{
	int best = -1;
	unsigned i;

	for (i = 0; i < ty->n; i++)
		if (best < 0 || ty->amount[i] > ty->amount[best])
			best = (int)i;
	return best;
}

/* The instant of sample j of SAMPLES in [t0, t1). */
static uint64_t sample_at(uint64_t t0, uint64_t t1, unsigned j)
{
	uint64_t step = (t1 - t0) / SAMPLES;

	return t0 + step * j + step / 2 + ((t1 - t0) % SAMPLES) * j / SAMPLES;
}

/* The codes in effect at the SAMPLES instants of [t0, t1) (only those
 * before end; the others, and instants before the lane's start, get
 * UINT32_MAX). The samples' blocks are far apart and cold in a long trace,
 * so their memory is fetched in passes that overlap the misses. */
static void lane_sample(const struct lane *L, uint64_t t0, uint64_t t1, uint64_t end, uint32_t codes[SAMPLES])
{
	const struct block *blk[SAMPLES];
	uint64_t t[SAMPLES], ts[SAMPLES];
	unsigned k[SAMPLES], j;

	for (j = 0; j < SAMPLES; j++) {
		long b;

		t[j] = sample_at(t0, t1, j);
		b = t[j] < end ? lane_block_before(L, t[j], true) : -1;
		blk[j] = b >= 0 ? L->blocks[b] : NULL;
		if (blk[j])
			__builtin_prefetch(blk[j]);
	}
	for (j = 0; j < SAMPLES; j++) { /* the segment to scan */
		unsigned g;

		if (!blk[j])
			continue;
		k[j] = 0;
		ts[j] = blk[j]->base;
		for (g = 1; g * SEG < blk[j]->n && blk[j]->sub[g - 1] <= t[j]; g++) {
			k[j] = g * SEG;
			ts[j] = blk[j]->sub[g - 1];
		}
		__builtin_prefetch(&blk[j]->r[k[j]]);
		__builtin_prefetch(&blk[j]->r[k[j] + SEG / 2]);
	}
	for (j = 0; j < SAMPLES; j++) {
		const struct block *b = blk[j];
		unsigned x;
		uint64_t u;

		codes[j] = UINT32_MAX;
		if (!b)
			continue;
		for (x = k[j], u = ts[j]; x + 1 < b->n && u + b->r[x + 1].dt <= t[j]; x++)
			u += b->r[x + 1].dt;
		codes[j] = b->r[x].code;
	}
}

/* The CPU a thread ran on most within [t0, t1) (t1 <= end), given n0 and
 * n1 records before t0 and t1: walked when few, else sampled. */
static int16_t running_cpu(const struct lane *L, uint64_t t0, uint64_t t1, size_t n0, size_t n1)
{
	struct tally ty;
	struct pos p;
	unsigned j;
	int best;

	ty.n = 0;
	if (n1 - n0 <= FEW) {
		if (!lane_seek(L, t0, true, &p)) {
			p.b = 0;
			p.k = 0;
			p.ts = L->blocks[0]->base;
		}
		while (p.ts < t1) {
			uint32_t code = pos_code(L, &p);
			uint64_t nts = pos_next_ts(L, &p);
			uint64_t a = p.ts > t0 ? p.ts : t0, z = nts < t1 ? nts : t1;

			if (CODE_STATE(code) == TL_RUNNING && z > a)
				tally_add(&ty, CODE_AUX(code), z - a);
			if (!pos_next(L, &p))
				break;
		}
	} else {
		uint32_t codes[SAMPLES];

		lane_sample(L, t0, t1, t1, codes);
		for (j = 0; j < SAMPLES; j++)
			if (codes[j] != UINT32_MAX && CODE_STATE(codes[j]) == TL_RUNNING)
				tally_add(&ty, CODE_AUX(codes[j]), 1);
		if (!ty.n && lane_seek(L, t0, true, &p)) { /* short runs the samples missed */
			for (j = 0; j < 4 * LANE_B && p.ts < t1; j++) {
				if (CODE_STATE(pos_code(L, &p)) == TL_RUNNING) {
					tally_add(&ty, CODE_AUX(pos_code(L, &p)), 1);
					break;
				}
				if (!pos_next(L, &p))
					break;
			}
		}
	}
	best = tally_best(&ty);
	return best < 0 || ty.key[best] == 0 ? -1 : (int16_t)(ty.key[best] - 1);
}

/* The cell of thread i for the column [t0, t1). */
void timeline_thread_cell(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, struct tl_cell *cell)
{
	uint64_t c0[TL_STATE_MAX], c1[TL_STATE_MAX], sum[TL_STATE_MAX], alive = 0, te1;
	const struct lane *L;
	uint32_t w0, w1;
	size_t n0, n1;
	unsigned s, best = TL_NOT_ALIVE;

	memset(cell, 0, sizeof(*cell));
	cell->state = TL_NOT_ALIVE;
	cell->cpu = -1;
	if (t1 <= t0 || i >= tl->nthreads || t0 >= tl->end)
		return;
	L = &tl->lanes[i];
	te1 = t1 < tl->end ? t1 : tl->end;
	n0 = lane_cum(L, t0, c0, &w0);
	n1 = lane_cum(L, te1, c1, &w1);
	if (t1 > tl->end) /* wakeups at the very end count too */
		w1 = L->wakes;
	for (s = 1; s < TL_STATE_MAX; s++) {
		sum[s] = c1[s] - c0[s];
		alive += sum[s];
		if (sum[s] > 0 && (best == TL_NOT_ALIVE || sum[s] > sum[best]))
			best = s;
	}
	sum[TL_NOT_ALIVE] = (t1 - t0) - alive;
	if (best != TL_NOT_ALIVE && sum[TL_NOT_ALIVE] > sum[best])
		best = TL_NOT_ALIVE;
	cell->state = (uint8_t)best;
	cell->mixed = sum[best] <= (t1 - t0) / 2;
	cell->wakeup = w1 > w0;
	if (best == TL_RUNNING)
		cell->cpu = running_cpu(L, t0, te1, n0, n1);
}

/* Thread i at instant t. */
void timeline_thread_at(const struct timeline *tl, size_t i, uint64_t t, struct tl_at *at)
{
	const struct lane *L;
	const struct block *blk;
	struct pos p, q;
	uint32_t code, st, wcode = 0;
	uint64_t wts = 0, ts;
	bool found = false;
	unsigned k;

	memset(at, 0, sizeof(*at));
	at->state = TL_NOT_ALIVE;
	at->cpu = -1;
	at->woken_by = -1;
	at->object = -1;
	at->holder = -1;
	if (i >= tl->nthreads)
		return;
	if (t > tl->end) {
		at->since = tl->end;
		return;
	}
	L = &tl->lanes[i];
	if (!lane_seek(L, t, true, &p))
		return;
	code = pos_code(L, &p);
	st = CODE_STATE(code);
	at->state = (uint8_t)st;
	at->cpu = (st == TL_RUNNING || st == TL_SPINNING) && CODE_AUX(code) ? (int16_t)(CODE_AUX(code) - 1) : -1;
	if (state_blocked(st) && CODE_AUX(code) && CODE_AUX(code) <= tl->nwaits) {
		at->object = tl->waits[CODE_AUX(code) - 1].object;
		at->holder = tl->waits[CODE_AUX(code) - 1].holder;
	}
	/* the state began at the first of the records that repeat it */
	q = p;
	at->since = q.ts;
	while (pos_prev(L, &q)) {
		uint32_t c = pos_code(L, &q);

		if (CODE_STATE(c) != st || (st == TL_RUNNING && CODE_AUX(c) != CODE_AUX(code)) ||
		    (state_blocked(st) && CODE_AUX(c) != CODE_AUX(code)))
			break;
		at->since = q.ts;
	}
	if (st != TL_RUNNING && st != TL_RUNNABLE && st != TL_SPINNING)
		return;
	/* who woke it: the last wakeup record at or before p */
	blk = L->blocks[p.b];
	ts = blk->base;
	for (k = 0; k <= p.k; k++) {
		if (k)
			ts += blk->r[k].dt;
		if (blk->r[k].code & CODE_WAKE) {
			found = true;
			wcode = blk->r[k].code;
			wts = ts;
		}
	}
	if (!found && blk->wakes > 0) {
		/* the last block before p.b that holds a wakeup */
		size_t lo = 0, hi = p.b;

		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (L->blocks[mid]->wakes < blk->wakes)
				lo = mid;
			else
				hi = mid;
		}
		blk = L->blocks[lo];
		ts = blk->base;
		for (k = 0; k < blk->n; k++) {
			if (k)
				ts += blk->r[k].dt;
			if (blk->r[k].code & CODE_WAKE) {
				found = true;
				wcode = blk->r[k].code;
				wts = ts;
			}
		}
	}
	if (found) {
		at->woken_by = (int64_t)CODE_AUX(wcode) - WAKER_BIAS;
		at->woken_at = wts;
	}
}

/* The occupant kind and thread of a CPU lane code. */
static void occ_decode(uint32_t occ, struct tl_cpu_cell *cell)
{
	cell->thread = 0;
	if (occ >= OCC_THREAD) {
		cell->kind = TL_CPU_THREAD;
		cell->thread = occ - OCC_THREAD;
	} else {
		cell->kind = occ == OCC_IDLE ? TL_CPU_IDLE : occ == OCC_OTHER ? TL_CPU_OTHER : TL_CPU_UNKNOWN;
	}
}

/* The cell of CPU cpu for the column [t0, t1). */
void timeline_cpu_cell(const struct timeline *tl, unsigned cpu, uint64_t t0, uint64_t t1, struct tl_cpu_cell *cell)
{
	const struct lane *L;
	struct tally ty;
	struct pos p0, p1;
	bool h0, h1;
	uint64_t te1;
	size_t i0, i1;
	unsigned j;
	int best;

	memset(cell, 0, sizeof(*cell));
	cell->kind = TL_CPU_UNKNOWN;
	if (cpu >= tl->ncpus || t1 <= t0 || t0 >= tl->end)
		return;
	L = &tl->cpus[cpu];
	if (!L->nblocks)
		return;
	te1 = t1 < tl->end ? t1 : tl->end;
	ty.n = 0;
	h0 = lane_seek(L, t0, true, &p0);
	h1 = lane_seek(L, te1, false, &p1);
	i0 = h0 ? pos_index(&p0) + 1 : 0;
	i1 = h1 ? pos_index(&p1) + 1 : 0;
	if (i1 - i0 <= FEW) {
		if (!h0) { /* unknown until the first record */
			p0.b = 0;
			p0.k = 0;
			p0.ts = L->blocks[0]->base;
			tally_add(&ty, OCC_UNKNOWN, (p0.ts < te1 ? p0.ts : te1) - t0);
		}
		while (p0.ts < te1) {
			uint64_t nts = pos_next_ts(L, &p0);
			uint64_t a = p0.ts > t0 ? p0.ts : t0, z = nts < te1 ? nts : te1;

			if (z > a)
				tally_add(&ty, pos_code(L, &p0), z - a);
			if (!pos_next(L, &p0))
				break;
		}
		if (t1 > te1)
			tally_add(&ty, OCC_UNKNOWN, t1 - te1);
		best = tally_best(&ty);
		if (best < 0)
			return;
		occ_decode(ty.key[best], cell);
		cell->mixed = ty.amount[best] <= (t1 - t0) / 2;
	} else {
		uint32_t codes[SAMPLES];

		lane_sample(L, t0, t1, tl->end, codes);
		for (j = 0; j < SAMPLES; j++)
			tally_add(&ty, codes[j] == UINT32_MAX ? OCC_UNKNOWN : codes[j], 1);
		best = tally_best(&ty);
		occ_decode(ty.key[best], cell);
		cell->mixed = ty.amount[best] <= SAMPLES / 2;
	}
}

/* The first scheduling event strictly after t. */
int timeline_next_event(const struct timeline *tl, uint64_t t, uint64_t *ts)
{
	uint64_t i;

	if (t == UINT64_MAX)
		return -ENOENT;
	i = tix_lower(&tl->times, t + 1);
	if (i >= tl->times.count)
		return -ENOENT;
	tix_at(&tl->times, i, ts, NULL);
	return 0;
}

/* The last scheduling event strictly before t. */
int timeline_prev_event(const struct timeline *tl, uint64_t t, uint64_t *ts)
{
	uint64_t i = tix_lower(&tl->times, t);

	if (i == 0)
		return -ENOENT;
	tix_at(&tl->times, i - 1, ts, NULL);
	return 0;
}

/* Fills a wakeup log entry of thread i at ts from its lane: the waker, and
 * when and where it ran next. */
static void wakeup_details(const struct timeline *tl, size_t i, uint64_t ts, struct tl_log_entry *e)
{
	const struct lane *L = &tl->lanes[i];
	struct pos p;
	unsigned steps;

	e->other = SCHED_WAKER_UNKNOWN;
	e->cpu = -1;
	if (!lane_seek(L, ts, true, &p))
		return;
	while (!(pos_code(L, &p) & CODE_WAKE)) { /* the wakeup record among those at ts */
		if (!pos_prev(L, &p) || p.ts != ts)
			return;
	}
	e->other = (int64_t)CODE_AUX(pos_code(L, &p)) - WAKER_BIAS;
	for (steps = 0; steps < 4 * LANE_B && pos_next(L, &p); steps++) {
		uint32_t code = pos_code(L, &p);

		if (CODE_STATE(code) == TL_RUNNING) {
			e->latency_ns = p.ts - ts;
			e->cpu = CODE_AUX(code) ? (int16_t)(CODE_AUX(code) - 1) : -1;
			return;
		}
		if (CODE_STATE(code) != TL_RUNNABLE)
			return;
	}
}

/* The notable events within [t0, t1), the newest max of them, oldest first. */
size_t timeline_log(const struct timeline *tl, uint64_t t0, uint64_t t1, struct tl_log_entry *out, size_t max)
{
	uint64_t lo, hi, i;
	size_t n = 0;

	if (!max || t1 <= t0)
		return 0;
	lo = tix_lower(&tl->log, t0);
	hi = tix_lower(&tl->log, t1);
	if (hi - lo > max)
		lo = hi - max;
	for (i = lo; i < hi; i++, n++) {
		struct tl_log_entry *e = &out[n];
		uint32_t val, payload;

		memset(e, 0, sizeof(*e));
		tix_at(&tl->log, i, &e->ts, &val);
		e->kind = (uint8_t)(val >> LOG_KIND_SHIFT);
		payload = val & LOG_PAYLOAD_MAX;
		if (e->kind == TL_LOG_WAKEUP) {
			e->thread = payload;
			wakeup_details(tl, payload, e->ts, e);
		} else if (e->kind == TL_LOG_BLOCK) {
			struct tl_at at;

			e->thread = payload;
			timeline_thread_at(tl, payload, e->ts, &at);
			e->other = at.holder;
			e->value = at.object;
			e->cpu = -1;
			timeline_object_label(tl, at.object, e->text, sizeof(e->text));
		} else {
			const struct xlog *x = &tl->x[payload];

			e->thread = x->thread;
			e->other = x->other;
			e->cpu = x->cpu;
			e->value = x->value;
			memcpy(e->text, x->text, sizeof(e->text));
			if (x->note)
				snprintf(e->note, sizeof(e->note), "%s", x->note);
		}
	}
	return n;
}

/* How an object is called. */
void timeline_object_label(const struct timeline *tl, int64_t object, char *buf, size_t len)
{
	waits_object_label(sched_model_waits(tl->m), object, buf, len);
}

/* The number of deadlocks found. */
size_t timeline_deadlock_count(const struct timeline *tl)
{
	return waits_deadlock_count(sched_model_waits(tl->m));
}

/* Deadlock i. */
const struct waits_deadlock *timeline_deadlock(const struct timeline *tl, size_t i)
{
	return waits_deadlock(sched_model_waits(tl->m), i);
}

/* The index of the latest thread with tid, or -1. */
long timeline_thread_index(const struct timeline *tl, int32_t tid)
{
	long i = sched_model_find(tl->m, tid);

	return i >= 0 && (size_t)i < tl->nthreads ? i : -1;
}

/* Valid events added. */
uint64_t timeline_events(const struct timeline *tl)
{
	return sched_model_events(tl->m);
}

/* Events the kernel lost. */
uint64_t timeline_lost(const struct timeline *tl)
{
	return sched_model_lost(tl->m);
}

/* Anomalies of all kinds. */
uint64_t timeline_anomalies(const struct timeline *tl)
{
	return sched_model_anomalies_total(tl->m);
}

/* Bytes of memory the timeline holds, all included. */
size_t timeline_memory(const struct timeline *tl)
{
	size_t n = sizeof(*tl) + tl->arena.bytes + tl->arena.cap * sizeof(char *);
	size_t i;

	n += tl->cap * (sizeof(*tl->threads) + sizeof(*tl->lanes) + sizeof(*tl->logged_new));
	for (i = 0; i < tl->nthreads; i++)
		n += tl->lanes[i].cap * (sizeof(struct block *) + sizeof(uint64_t));
	n += tl->ncpus * sizeof(*tl->cpus);
	for (i = 0; i < tl->ncpus; i++)
		n += tl->cpus[i].cap * (sizeof(struct block *) + sizeof(uint64_t));
	n += (tl->times.cap + tl->log.cap) * (sizeof(struct tix_block *) + 2 * sizeof(uint64_t));
	n += tl->capx * sizeof(*tl->x);
	return n + sched_model_memory(tl->m);
}
