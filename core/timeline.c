/* The timeline, building half: the scheduling model (sched_model.c) says
 * when each thread and CPU changes state; its callbacks here store those
 * changes in lanes and log the notable events; the pattern detector
 * (patterns.c) adds its notes. timeline_query.c answers the views. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "overview.h"
#include "timeline_impl.h"
#include "trace_index.h"

/* ---- the log ---- */

/* Appends a log entry of kind: a wakeup, block, creation or exit of thread
 * (payload), or an entry with details x. */
static int log_push(struct timeline *tl, uint64_t ts, enum tl_log_kind kind, size_t thread, const struct xlog *x)
{
	uint32_t payload;

	if (tl->skim_until)
		return 0; /* (what a trim at the window's start forgets) */
	if (kind == TL_LOG_WAKEUP || kind == TL_LOG_BLOCK || kind == TL_LOG_NEW || kind == TL_LOG_EXIT) {
		if (thread > LOG_PAYLOAD_MAX)
			return 0;
		payload = (uint32_t)thread;
	} else {
		if (tl->nx > LOG_PAYLOAD_MAX)
			return 0;
		if (VEC_RESERVE(tl->x, tl->capx, tl->nx + 1))
			return -ENOMEM;
		tl->x[tl->nx] = *x;
		payload = (uint32_t)tl->nx++;
	}
	return tix_push(&tl->log, &tl->arena, ts, (uint32_t)kind << LOG_KIND_SHIFT | payload);
}

/* A copy of text (at most EVENT_TEXT_MAX bytes) in the arena; NULL for
 * none or -ENOMEM (*err set). */
static const char *keep_text(struct timeline *tl, const char *text, int *err)
{
	size_t n;
	char *p;

	if (!text || !text[0])
		return NULL;
	n = strnlen(text, EVENT_TEXT_MAX - 1);
	p = arena_alloc(&tl->texts, n + 1);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(p, text, n);
	p[n] = '\0';
	return p;
}

/* Appends a log entry with details: thread (SIZE_MAX none), another
 * party, a value, a CPU (-1 none) and a text. */
static int log_details(struct timeline *tl, uint64_t ts, enum tl_log_kind kind, size_t thread, int64_t other,
		       int64_t value, int cpu, const char *text)
{
	struct xlog x = { thread, other, value, (int16_t)cpu, NULL };
	int err = 0;

	if (tl->skim_until)
		return 0;
	x.text = keep_text(tl, text, &err);
	return err ? err : log_push(tl, ts, kind, thread, &x);
}

/* While skimming, once three times TL_MARKS_LOOKBACK markers are kept:
 * all but the first TL_MARKS_LOOKBACK and the last TL_MARKS_LOOKBACK are
 * forgotten (a trim at the window's start keeps no more), their texts
 * with them (the texts hold only markers' then: no log is kept). Returns
 * 0, or -ENOMEM with nothing changed. */
static int skim_marks(struct timeline *tl)
{
	const size_t keep = 2 * TL_MARKS_LOOKBACK;
	struct arena texts = { 0 };
	size_t i, tail, bytes = 0;
	char *p;

	if (!tl->skim_until || tl->nmarks < 3 * TL_MARKS_LOOKBACK)
		return 0;
	tail = tl->nmarks - TL_MARKS_LOOKBACK;
	for (i = 0; i < keep; i++) {
		const struct mark_rec *k = &tl->marks[i < TL_MARKS_LOOKBACK ? i : tail + i - TL_MARKS_LOOKBACK];

		bytes += k->text ? strlen(k->text) + 1 : 0;
	}
	p = arena_alloc(&texts, bytes ? bytes : 1); /* (one block: nothing to undo) */
	if (!p)
		return -ENOMEM;
	for (i = 0; i < keep; i++) {
		const char *old;

		if (i >= TL_MARKS_LOOKBACK)
			tl->marks[i] = tl->marks[tail + i - TL_MARKS_LOOKBACK]; /* (tail > i: no overlap) */
		old = tl->marks[i].text;
		if (old) {
			size_t n = strlen(old) + 1;

			memcpy(p, old, n);
			tl->marks[i].text = p;
			p += n;
		}
	}
	tl->nmarks = keep;
	tl->marks_gap_to = tl->marks[TL_MARKS_LOOKBACK].ts;
	arena_done(&tl->texts);
	tl->texts = texts;
	return 0;
}

/* Keeps a marker for the lanes (timeline_mark). */
static int keep_mark(struct timeline *tl, uint64_t ts, size_t thread, const struct event *ev)
{
	int err = skim_marks(tl);
	const char *text = err ? NULL : keep_text(tl, ev->text, &err);

	if (err)
		return err;
	if (VEC_RESERVE(tl->marks, tl->capmarks, tl->nmarks + 1))
		return -ENOMEM;
	tl->marks[tl->nmarks++] = (struct mark_rec){ ts, thread, ev->arg, text };
	return 0;
}

/* Logs the creation of thread idx by other (its creator, or who woke it
 * first): once per thread. */
static int log_new(struct timeline *tl, uint64_t ts, size_t idx, int64_t other)
{
	tl->created_by[idx] = other;
	return log_push(tl, ts, TL_LOG_NEW, idx, NULL);
}

/* Appends a note. */
static int log_note(struct timeline *tl, uint64_t ts, const struct tl_note *note)
{
	if (tl->skim_until || tl->nnotes > LOG_PAYLOAD_MAX)
		return 0;
	if (VEC_RESERVE(tl->notes, tl->capnotes, tl->nnotes + 1))
		return -ENOMEM;
	tl->notes[tl->nnotes] = *note;
	return tix_push(&tl->log, &tl->arena, ts, (uint32_t)TL_LOG_NOTE << LOG_KIND_SHIFT | (uint32_t)tl->nnotes++);
}

/* ---- lanes ---- */

/* Appends a change to a lane; while skimming, the change is all the lane
 * keeps (a trim at the window's start reads no more of it). */
static int lane_record(struct timeline *tl, struct lane *L, uint64_t ts, uint32_t code)
{
	size_t before = lane_memory(L);
	int r = tl->skim_until ? lane_restart(L, &tl->arena, ts, code) : lane_push(L, &tl->arena, ts, code);

	tl->lane_bytes = tl->lane_bytes - before + lane_memory(L);
	return r;
}

/* Appends a change to thread idx's lane (lane_record), listing the lane
 * in tl->held when it is its first record. */
static int thread_record(struct timeline *tl, size_t idx, uint64_t ts, uint32_t code)
{
	bool first = !tl->lanes[idx].nblocks;
	int r;

	if (first && VEC_RESERVE(tl->held, tl->capheld, tl->nheld + 1))
		return -ENOMEM;
	r = lane_record(tl, &tl->lanes[idx], ts, code);
	if (first && tl->lanes[idx].nblocks)
		tl->held[tl->nheld++] = idx;
	return r;
}

/* Keeps what a blocked record of thread waits on: *aux is its number
 * (the record's aux), 0 when there is no room for more. While skimming,
 * each thread has one (its lane keeps one record). Returns 0 or -ENOMEM. */
static int keep_wait(struct timeline *tl, size_t thread, int64_t object, int64_t holder, bool signalling,
		     uint32_t *aux)
{
	size_t i = tl->skim_until ? thread : tl->nwaits;

	*aux = 0;
	if (i >= LANE_AUX_MAX)
		return 0;
	if (VEC_RESERVE(tl->waits, tl->capwaits, i + 1))
		return -ENOMEM;
	for (; tl->nwaits <= i; tl->nwaits++) /* (skimming: the slots of threads before it) */
		tl->waits[tl->nwaits] = (struct wait_rec){ -1, -1, false };
	tl->waits[i] = (struct wait_rec){ object, (int32_t)holder, signalling };
	*aux = (uint32_t)i + 1;
	return 0;
}

/* ---- lane codes ---- */

/* The lane code of a thread state (cpu when on a CPU); the model's
 * lifecycle states are not alive in a lane. */
static uint32_t state_code(uint8_t st, int32_t cpu)
{
	if (tl_state_on_cpu(st))
		return LANE_CODE(st, cpu >= 0 && (uint32_t)cpu < LANE_AUX_MAX ? (uint32_t)cpu + 1 : 0);
	return st < TL_STATE_MAX ? st : TL_NOT_ALIVE;
}

/* The lane code of a change: a blocked state keeps what it waits on (the
 * object and holder) aside, and its record's aux points there. */
static int change_code(struct timeline *tl, const struct sched_change *c, uint32_t *code)
{
	uint32_t aux;
	int r;

	*code = state_code(c->state, c->cpu);
	if (!tl_state_blocked(c->state) || (c->object < 0 && c->holder < 0))
		return 0;
	r = keep_wait(tl, c->thread, c->object, c->holder, c->signalling, &aux);
	if (!r && aux)
		*code = LANE_CODE(c->state, aux);
	return r;
}

/* Whether the lane's last record is the one of the state that began at
 * since: its own, or, for a state older than what the timeline keeps
 * (trimmed, or a copy: timeline_clone), the one restating it there. */
static bool last_is_since(const struct timeline *tl, const struct lane *L, uint64_t since)
{
	return L->last_ts == since || (since < tl->kept_from && L->last_ts == tl->kept_from);
}

/* The blocked state c ends turned out to wait on c->prev_object: its lane
 * record says so (and so does its log entry, which reads the lane). */
static int restate_wait(struct timeline *tl, struct lane *L, const struct sched_change *c)
{
	uint32_t aux;
	int r;

	if (LANE_STATE(L->last_code) != c->prev || !last_is_since(tl, L, c->prev_since) || (L->last_code & LANE_WAKE))
		return 0;
	r = keep_wait(tl, c->thread, c->prev_object, c->prev_holder, false, &aux);
	if (!r && aux)
		lane_replace_last(L, LANE_CODE(c->prev, aux));
	return r;
}

/* The code shown for a thread whose state is still unknown. */
static uint32_t guess_code(const struct sched_thread *t)
{
	return state_code((uint8_t)sched_model_guess(t), -1);
}

/* The lane code of a CPU occupant. */
static uint32_t occ_code(uint8_t kind, size_t thread)
{
	switch (kind) {
	case TL_CPU_IDLE:
		return OCC_IDLE;
	case TL_CPU_OTHER:
		return OCC_OTHER;
	case TL_CPU_THREAD:
		return thread < UINT32_MAX - OCC_THREAD ? OCC_THREAD + (uint32_t)thread : OCC_UNKNOWN;
	default:
		return OCC_UNKNOWN;
	}
}

/* ---- the model's callbacks ---- */

/* Makes room for thread idx. */
static int threads_reserve(struct timeline *tl, size_t idx)
{
	if (VEC_RESERVE(tl->threads, tl->capthreads, idx + 1) || VEC_RESERVE(tl->lanes, tl->caplanes, idx + 1) ||
	    VEC_RESERVE(tl->created_by, tl->capcreated, idx + 1))
		return -ENOMEM;
	return 0;
}

/* A new thread entry idx: its lane, and its letter. */
static int thread_new(struct timeline *tl, size_t idx, const struct sched_thread *mt)
{
	int r = threads_reserve(tl, idx);

	if (r)
		return r;
	for (; tl->nthreads <= idx; tl->nthreads++) { /* (more than one only after an ENOMEM) */
		size_t j = tl->nthreads;

		memset(&tl->threads[j], 0, sizeof(tl->threads[j]));
		tl->threads[j].letter = j < 26 ? (char)('A' + j) : j < 52 ? (char)('a' + j - 26) : TL_LETTER_MORE;
		lane_init(&tl->lanes[j], true);
		tl->created_by[j] = NOT_LOGGED;
	}
	if (mt->state != TL_UNKNOWN)
		return 0;
	r = thread_record(tl, idx, mt->since, guess_code(mt));
	tl->lanes[idx].provisional = r == 0;
	return r;
}

/* A new thread, or a thread's identity changed. */
static int cb_thread(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other, const char *name)
{
	struct timeline *tl = ctx;
	const struct sched_thread *mt = sched_model_thread(tl->m, idx);
	struct tl_thread *t;
	struct lane *L;
	bool same_name;
	int r;

	if (what == SCHED_THREAD_NEW && (r = thread_new(tl, idx, mt)))
		return r;
	if (idx >= tl->nthreads)
		return 0;
	t = &tl->threads[idx];
	L = &tl->lanes[idx];
	/* an exec and the names around it often say the same name again */
	same_name = name && strncmp(t->name, name, EVENT_TEXT_MAX - 1) == 0;
	t->tid = mt->tid;
	t->tgid = mt->tgid;
	t->start_ns = mt->start_ns;
	t->existed = mt->existed;
	if (name)
		snprintf(t->name, sizeof(t->name), "%.*s", EVENT_TEXT_MAX - 1, name);
	switch (what) {
	case SCHED_THREAD_FORKED:
		return log_new(tl, ts, idx, other);
	case SCHED_THREAD_EXISTED:
		if (mt->state == TL_UNKNOWN && L->provisional)
			lane_replace_last(L, guess_code(mt));
		return 0;
	case SCHED_THREAD_RENAMED:
	case SCHED_THREAD_EXEC:
		/* "A took the name semaphore" once, not for each of them */
		return same_name ? 0 : log_details(tl, ts, TL_LOG_RENAME, idx, -1, 0, -1, t->name);
	default:
		return 0;
	}
}

/* Whether object is a futex word the program names (a variable: a Rust
 * Mutex, a hand-made lock), not an anonymous one (futex@address). */
static bool named_futex(const struct timeline *tl, int64_t object)
{
	const struct waits_object *o = object >= 0 ? waits_object(sched_model_waits(tl->m), (size_t)object) : NULL;

	return o && o->name[0];
}

/* A thread blocked at c: logged when it waits on a known object of a
 * pthread kind, on a futex word the program names, or for a child
 * process; a mutex's blocks feed the lock convoy note. */
static int log_block(struct timeline *tl, const struct sched_change *c)
{
	struct tl_note note;
	int r;

	/* a wait for any child: the child is known when it wakes the waiter;
	 * a join has no object, the thread joined is its holder */
	if (c->state < TL_BLOCKED_MUTEX || c->state > TL_BLOCKED_FUTEX ||
	    (c->state == TL_BLOCKED_FUTEX && !named_futex(tl, c->object)) ||
	    (c->object < 0 && c->wait != WAIT_CHILD && !(c->wait == WAIT_JOIN && c->holder >= 0)))
		return 0;
	r = log_push(tl, c->ts, TL_LOG_BLOCK, c->thread, NULL);
	if (r || c->state != TL_BLOCKED_MUTEX)
		return r;
	r = patterns_block(tl->patterns, c->object, c->thread, c->ts, &note);
	return r == 1 ? log_note(tl, c->ts, &note) : r;
}

/* A thread's state changed: its lane gets the change. */
static int cb_state(void *ctx, const struct sched_change *c)
{
	struct timeline *tl = ctx;
	const struct sched_thread *mt = sched_model_thread(tl->m, c->thread);
	struct tl_thread *t;
	struct lane *L;
	uint32_t code;
	int r = undone_on_state(tl->undone, c);

	if (r || c->thread >= tl->nthreads)
		return r;
	t = &tl->threads[c->thread];
	L = &tl->lanes[c->thread];
	if (c->prev_object >= 0 && !c->settled && (r = restate_wait(tl, L, c)))
		return r;
	if (c->settled) { /* what it did since it was first seen is known now */
		code = state_code(c->prev, c->prev_cpu);
		if (L->provisional && last_is_since(tl, L, c->prev_since))
			lane_replace_last(L, code);
		else if ((r = thread_record(tl, c->thread, c->prev_since, code)))
			return r;
	}
	r = change_code(tl, c, &code);
	if (!r)
		r = thread_record(tl, c->thread, c->ts, code);
	if (!r)
		r = log_block(tl, c);
	if (r)
		return r;
	t->start_ns = mt->start_ns;
	if (mt->exited && !t->exited) {
		t->exited = true;
		t->end_ns = mt->end_ns;
		return log_push(tl, c->ts, TL_LOG_EXIT, c->thread, NULL);
	}
	return 0;
}

/* A CPU's occupant changed: its lane gets the change. */
static int cb_cpu(void *ctx, const struct sched_cpu_change *c)
{
	struct timeline *tl = ctx;
	struct lane *L = &tl->cpus[c->cpu];
	int r = undone_on_cpu(tl->undone, c);

	if (r)
		return r;
	if (c->settled && c->prev_kind != TL_CPU_UNKNOWN) {
		r = lane_record(tl, L, c->prev_since, occ_code(c->prev_kind, c->prev_thread));
		if (r)
			return r;
	}
	return lane_record(tl, L, c->ts, occ_code(c->kind, c->thread));
}

/* A thread was put on a run queue: its last record is marked, and logged. */
static int cb_wakeup(void *ctx, const struct sched_wakeup *w)
{
	struct timeline *tl = ctx;
	int64_t waker = w->waker >= TL_WAKER_TIMER && w->waker + WAKER_BIAS <= LANE_AUX_MAX ? w->waker
											       : TL_WAKER_UNKNOWN;
	int r = undone_on_wakeup(tl->undone, w);

	if (r || w->thread >= tl->nthreads)
		return r;
	lane_mark_wakeup(&tl->lanes[w->thread], (uint32_t)(waker + WAKER_BIAS));
	if (!w->new_thread)
		return log_push(tl, w->ts, TL_LOG_WAKEUP, w->thread, NULL);
	if (tl->created_by[w->thread] != NOT_LOGGED)
		return 0;
	return log_new(tl, w->ts, w->thread, w->waker);
}

/* Hands a change on to the listener with r, what its handler returned;
 * an error stops the handing (see timeline_listen). */
static void listener_said(struct timeline *tl, int r)
{
	if (r) {
		tl->listen_err = r;
		tl->listen_ops = NULL;
	}
}

/* Whether a change the timeline took (its own handler returned r) goes to
 * the listener: a change the timeline failed to take stops the handing
 * with that error, as the listener would miss it. */
static bool listener_hands(struct timeline *tl, int r)
{
	if (r && tl->listen_ops)
		listener_said(tl, r);
	return !r && tl->listen_ops;
}

/* The model's callbacks: the timeline's, then the listener's. */
static int on_thread(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other, const char *name)
{
	struct timeline *tl = ctx;
	int r = cb_thread(tl, idx, what, ts, other, name);

	if (listener_hands(tl, r))
		listener_said(tl, tl->listen_ops->thread(tl->listen_ctx, idx, what, ts, other, name));
	return r;
}

static int on_state(void *ctx, const struct sched_change *c)
{
	struct timeline *tl = ctx;
	int r = cb_state(tl, c);

	if (listener_hands(tl, r))
		listener_said(tl, tl->listen_ops->state(tl->listen_ctx, c));
	return r;
}

static int on_cpu(void *ctx, const struct sched_cpu_change *c)
{
	struct timeline *tl = ctx;
	int r = cb_cpu(tl, c);

	if (listener_hands(tl, r))
		listener_said(tl, tl->listen_ops->cpu(tl->listen_ctx, c));
	return r;
}

static int on_wakeup(void *ctx, const struct sched_wakeup *w)
{
	struct timeline *tl = ctx;
	int r = cb_wakeup(tl, w);

	if (listener_hands(tl, r))
		listener_said(tl, tl->listen_ops->wakeup(tl->listen_ctx, w));
	return r;
}

/* Hands the model's changes on (see timeline.h). */
void timeline_listen(struct timeline *tl, const struct sched_model_ops *ops, void *ctx)
{
	tl->listen_ops = ops;
	tl->listen_ctx = ctx;
	tl->listen_err = 0;
}

/* What stopped the handing (see timeline.h). */
int timeline_listener_error(const struct timeline *tl)
{
	return tl->listen_err;
}

/* Its model (see timeline.h). */
const struct sched_model *timeline_model(const struct timeline *tl)
{
	return tl->m;
}

/* ---- creating, freeing, appending ---- */

/* Creates an empty timeline for a trace of ncpus CPUs (the model refuses
 * none; cells keep CPU numbers in 16 bits). */
int timeline_new(struct timeline **out, unsigned ncpus)
{
	static const struct sched_model_ops ops = {
		.thread = on_thread, .state = on_state, .cpu = on_cpu, .wakeup = on_wakeup,
	};
	struct timeline *tl = ncpus <= 32767 ? calloc(1, sizeof(*tl)) : NULL;
	unsigned c;
	int r;

	*out = NULL;
	if (!tl)
		return ncpus <= 32767 ? -ENOMEM : -EINVAL;
	tix_init(&tl->times, false);
	tix_init(&tl->log, true);
	r = sched_model_new(&tl->m, ncpus, &ops, tl);
	if (!r)
		r = patterns_new(&tl->patterns);
	if (!r)
		r = undone_new(&tl->undone, ncpus, tl->m);
	if (!r && !(tl->cpus = calloc(ncpus, sizeof(*tl->cpus))))
		r = -ENOMEM;
	if (r) {
		timeline_free(tl);
		return r;
	}
	tl->ncpus = ncpus;
	for (c = 0; c < ncpus; c++)
		lane_init(&tl->cpus[c], false);
	*out = tl;
	return 0;
}

/* Says whether conctop started the program (see timeline.h). */
void timeline_set_gated(struct timeline *tl, bool gated)
{
	sched_model_set_gated(tl->m, gated);
}

/* Frees it. */
void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	undone_free(tl->undone);
	sched_model_free(tl->m);
	patterns_free(tl->patterns);
	timeline_storage_free(tl);
	free(tl->threads);
	free(tl->created_by);
	free(tl->held);
	overview_free(tl->ov);
	free(tl);
}

/* Records the time of a scheduling event for stepping (once per instant). */
static int note_time(struct timeline *tl, uint64_t ts)
{
	uint64_t last;

	if (tl->skim_until || (tix_last(&tl->times, &last) && last == ts))
		return 0;
	return tix_push(&tl->times, &tl->arena, ts, 0);
}

/* Linux's signals whose default action does not end the process
 * (SIGCHLD, SIGCONT, the stops, SIGURG, SIGWINCH), and those whose action
 * also dumps core (SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE,
 * SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS), by bit. */
#define SIGNALS_NOT_ENDING (1ull << 17 | 1ull << 18 | 1ull << 19 | 1ull << 20 | 1ull << 21 | 1ull << 22 | \
			    1ull << 23 | 1ull << 28)
#define SIGNALS_DUMPING (1ull << 3 | 1ull << 4 | 1ull << 5 | 1ull << 6 | 1ull << 7 | 1ull << 8 | 1ull << 11 | \
			 1ull << 24 | 1ull << 25 | 1ull << 31)

/* Whether signal sig's default action ends the process. */
static bool signal_ends_process(int64_t sig)
{
	return sig == 64 || (sig >= 1 && sig < 64 && !(SIGNALS_NOT_ENDING & 1ull << sig)); /* (64: SIGRTMAX) */
}

/* Whether signal sig's default action also dumps core. */
static int signal_dumps_core(int64_t sig)
{
	return sig >= 1 && sig < 64 && (SIGNALS_DUMPING & 1ull << sig) != 0;
}

/* The slot of process tgid (> 0) in tl->fatal, or NULL. */
static struct tl_fatal_sent *fatal_slot(struct timeline *tl, int32_t tgid)
{
	for (unsigned k = 0; tgid > 0 && k < TL_FATAL_SENT; k++)
		if (tl->fatal[k].tgid == tgid)
			return &tl->fatal[k];
	return NULL;
}

/* Keeps a signal sent to process tgid when it is group-fatal: its default
 * ends the process without a core dump, and the kernel turns it into a
 * SIGKILL for every thread (complete_signal), which fatal_taken names. */
static void fatal_sent(struct timeline *tl, const struct event *ev, uint64_t ts)
{
	struct tl_fatal_sent *f;

	if (ev->arg2 != 0 || ev->tgid2 <= 0 || !signal_ends_process(ev->arg) || signal_dumps_core(ev->arg))
		return;
	f = fatal_slot(tl, ev->tgid2);
	if (!f) {
		f = &tl->fatal[tl->fatal_next];
		tl->fatal_next = (tl->fatal_next + 1) % TL_FATAL_SENT;
	}
	f->tgid = ev->tgid2;
	f->sig = (int32_t)ev->arg;
	f->ts = ts;
}

/* The signal sent to the process of a thread that takes SIGKILL by
 * default at ts (0: none kept). A SIGKILL sent stays a minute (every
 * thread takes it, however late; a pid used again after that is another
 * process's). Another kept signal goes
 * when a thread of it takes that signal otherwise (a handler, ignored),
 * or after TL_FATAL_SENT_NS (the kernel converts it as it is sent, and
 * every thread takes it as it next runs: a SIGKILL later is another's,
 * such as an exit's to the other threads after the program read the
 * signal with sigwait). */
static int32_t fatal_taken(struct timeline *tl, const struct event *ev, uint64_t ts)
{
	struct tl_fatal_sent *f = fatal_slot(tl, ev->tgid);

	if (!f)
		return 0;
	if (f->sig == 9)
		return ev->arg2 == 0 && ev->arg == 9 && ts - f->ts <= 60 * TL_FATAL_SENT_NS ? 9 : 0;
	if ((ev->arg2 != 0 && ev->arg == f->sig) || ts - f->ts > TL_FATAL_SENT_NS) { /* taken otherwise, or old */
		memset(f, 0, sizeof(*f));
		return 0;
	}
	return ev->arg2 == 0 && ev->arg == 9 /* SIGKILL */ ? f->sig : 0;
}

/* What timeline_add keeps of an event beyond the model's changes: step
 * instants, marks, lost events, and the calls the pattern notes follow. */
static int follow_event(struct timeline *tl, const struct event *ev, uint64_t ts)
{
	struct tl_note note;
	long i;
	int r;

	switch (ev->type) {
	case EVENT_SWITCH:
		return ev->tid > 0 || ev->tid2 > 0 ? note_time(tl, ts) : 0;
	case EVENT_WAKEUP:
	case EVENT_WAKEUP_NEW:
		return ev->tid > 0 ? note_time(tl, ts) : 0;
	case EVENT_MARK:
		if (ev->tid <= 0 || (i = timeline_thread_index(tl, ev->tid)) < 0)
			return 0;
		r = keep_mark(tl, ts, (size_t)i, ev);
		return r ? r : log_details(tl, ts, TL_LOG_MARK, (size_t)i, -1, ev->arg, ev->cpu, ev->text);
	case EVENT_CALL:
	case EVENT_RETURN:
		if (ev->tid <= 0 || (i = timeline_thread_index(tl, ev->tid)) < 0)
			return 0;
		r = patterns_follow(tl->patterns, sched_model_waits(tl->m), ev, (size_t)i, ts, &note);
		return r == 1 ? log_note(tl, ts, &note) : r;
	case EVENT_BLOCK:
	case EVENT_WAKING:
		if (ev->tid <= 0 || (i = timeline_thread_index(tl, ev->tid)) < 0 ||
		    (ev->type == EVENT_WAKING && !ev->op))
			return 0;
		r = patterns_follow_wake(tl->patterns, sched_model_waits(tl->m), ev, (size_t)i,
					 ev->type == EVENT_WAKING && ev->tid2 > 0 ? timeline_thread_index(tl, ev->tid2) : -1,
					 ts, &note);
		return r == 1 ? log_note(tl, ts, &note) : r;
	case EVENT_LOST:
		return ev->arg > 0 ? log_details(tl, ts, TL_LOG_LOST, SIZE_MAX, -1, ev->arg, ev->cpu, NULL) : 0;
	case EVENT_SIGNAL:
		fatal_sent(tl, ev, ts);
		return 0;
	case EVENT_SIGNAL_DELIVER: {
		int32_t sent;

		if (ev->tid <= 0 || (i = timeline_thread_index(tl, ev->tid)) < 0)
			return 0;
		sent = fatal_taken(tl, ev, ts);
		if (ev->arg2 != 0 || !signal_ends_process(ev->arg))
			return 0; /* (a handler or SIG_IGN: the program's own business, maybe a thousand a second) */
		/* a SIGKILL sent says so; one nobody sent is the kernel's to the
		 * other threads of a process that exits (exit_group), crashes or
		 * execs */
		return log_details(tl, ts, TL_LOG_SIGNAL, (size_t)i,
				   sent == 9 ? 0
				   : sent ? TL_LOG_SIGNAL_SENT | sent
				   : ev->arg == 9 ? TL_LOG_SIGNAL_GROUP : signal_dumps_core(ev->arg),
				   ev->arg, ev->cpu, NULL);
	}
	default:
		return 0;
	}
}

/* Appends one event. */
int timeline_add(struct timeline *tl, const struct event *ev)
{
	int r, r2;
	uint64_t ts;

	if (tl->skim_until && ev->ts >= tl->skim_until)
		tl->skim_until = 0; /* the window: from here on everything is kept */
	r = sched_model_add(tl->m, ev);
	if (r == SCHED_MODEL_SKIPPED)
		return 0; /* counted as a bad event */
	ts = sched_model_last_ts(tl->m);
	if (ts > tl->end)
		tl->end = ts;
	r2 = follow_event(tl, ev, ts);
	if (!r2)
		r2 = undone_on_event(tl->undone, ev);
	while (!r2 && tl->deadlocks < waits_deadlock_count(sched_model_waits(tl->m))) {
		r2 = log_details(tl, ts, TL_LOG_DEADLOCK, SIZE_MAX, -1, (int64_t)tl->deadlocks, ev->cpu, NULL);
		tl->deadlocks++;
	}
	return r ? r : r2;
}

/* Keeps only the present until t (see timeline.h). */
int timeline_skim_until(struct timeline *tl, uint64_t t)
{
	if (tl->nthreads || tl->end || tl->kept_from)
		return -EBUSY;
	tl->skim_until = tl->skimmed_to = t;
	return 0;
}

/* Whether it keeps only the present (see timeline.h). */
bool timeline_skimming(const struct timeline *tl)
{
	return tl->skim_until != 0;
}

/* Notes a damaged part skipped (see timeline.h). */
int timeline_note_damage(struct timeline *tl, const char *what)
{
	tl->damaged++;
	return log_details(tl, tl->end, TL_LOG_DAMAGED, SIZE_MAX, -1, (int64_t)tl->damaged, -1, what);
}

/* Moves the end of the timeline (never backwards). */
void timeline_set_end(struct timeline *tl, uint64_t end_ns)
{
	if (end_ns > tl->end)
		tl->end = end_ns;
}

/* ---- what it knows ---- */

/* The undone work seen so far (undone.h). */
const struct undone *timeline_undone(const struct timeline *tl)
{
	return tl->undone;
}

/* The end of the timeline. */
uint64_t timeline_end(const struct timeline *tl)
{
	return tl->end;
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

/* Threads in order of appearance. */
size_t timeline_thread_count(const struct timeline *tl)
{
	return tl->nthreads;
}

/* The index of the latest thread with tid, or -1. */
long timeline_thread_index(const struct timeline *tl, int32_t tid)
{
	long i = sched_model_find(tl->m, tid);

	return i >= 0 && (size_t)i < tl->nthreads ? i : -1;
}

/* The number of CPUs. */
unsigned timeline_ncpus(const struct timeline *tl)
{
	return tl->ncpus;
}

/* How an object is called. */
void timeline_object_label(const struct timeline *tl, int64_t object, char *buf, size_t len)
{
	waits_object_label(sched_model_waits(tl->m), object, buf, len);
}

/* Object i's kind, 0 for none. */
uint32_t timeline_object_kind(const struct timeline *tl, int64_t object)
{
	const struct waits_object *o = object >= 0 ? waits_object(sched_model_waits(tl->m), (size_t)object) : NULL;

	return o ? o->kind : 0;
}

/* The deadlocks found: each was logged when it formed. */
size_t timeline_deadlock_count(const struct timeline *tl)
{
	return tl->deadlocks;
}

/* Deadlock i. */
const struct waits_deadlock *timeline_deadlock(const struct timeline *tl, size_t i)
{
	return i < tl->deadlocks ? waits_deadlock(sched_model_waits(tl->m), i) : NULL;
}

/* Valid events added. */
uint64_t timeline_events(const struct timeline *tl)
{
	return sched_model_counts(tl->m)->events;
}

/* Events the kernel lost. */
uint64_t timeline_lost(const struct timeline *tl)
{
	return sched_model_counts(tl->m)->lost;
}

/* Damaged parts of the file skipped. */
uint64_t timeline_damaged(const struct timeline *tl)
{
	return tl->damaged;
}

/* Anomalies of all kinds. */
uint64_t timeline_anomalies(const struct timeline *tl)
{
	return sched_model_counts(tl->m)->anomalies_total;
}

/* Whether the past before t is final (see timeline.h). */
bool timeline_settled(const struct timeline *tl, uint64_t t, bool for_log)
{
	return sched_model_settled(tl->m, t, for_log) &&
	       undone_final_before(tl->undone, sched_model_last_ts(tl->m), t, for_log);
}

/* Where a window's reading may stop at the earliest (see timeline.h). */
uint64_t timeline_read_through(const struct trace_index *ix, uint64_t to, bool for_log)
{
	uint64_t last = trace_index_last_of(ix, for_log ? TL_LOG_LATE_TYPES : TL_LATE_TYPES, to);

	return last >= to ? last + 1 : to; /* (its last event read: a step stops after one at or past it) */
}
