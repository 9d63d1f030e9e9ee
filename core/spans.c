/* Every thread's history as spans, recorded from the scheduling model's
 * changes (see spans.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "sched_model.h"
#include "spans.h"

/* A thread's spans are kept in chunks of SPAN_CHUNK: the first grows by
 * doubling up to that (most threads hold a few spans), then chunks are
 * added, so that a long history never moves (a realloc of tens of MB is a
 * stall the live view's keys would wait for) and a trim frees whole chunks
 * instead of copying what it keeps. */
#define SPAN_CHUNK 1024u

/* A thread being recorded (small: a trace may hold 100 000 threads). */
struct sthread {
	struct spans_thread pub;
	struct span **chunk; /* span k is chunk[(skip + k) / SPAN_CHUNK][(skip + k) % SPAN_CHUNK] */
	size_t nchunk, chunkcap;
	size_t cap0;         /* chunk[0]'s room: SPAN_CHUNK once there are two */
	size_t skip;         /* spans trimmed off the front of chunk[0] */
	int32_t woken;       /* the blocked span its wakeup just ended, awaiting its waker; -1 */
	int32_t object, holder; /* what its current (blocked) state waits on, and who holds it */
	uint8_t wait;
	bool signalling;     /* ... inside a cond signal (sched_change.signalling) */
};

/* A CPU's occupant from start on (until the next change). */
struct cpuchange {
	uint64_t start;
	uint8_t kind;        /* enum tl_cpu_kind */
};

/* A CPU's changes. */
struct scpu {
	struct cpuchange *ch;
	size_t n, cap;
};

struct spans {
	struct sched_model *m;
	bool following;      /* m is another's (spans_new_following): not freed, not counted */
	bool finished;       /* spans_finish ended every state (m, another's, did not end them) */
	struct scpu *cpus;   /* SPANS_ALL only */
	unsigned ncpus;
	struct sthread *t;
	size_t n, cap;
	uint64_t end_ns;
	unsigned keep;       /* enum spans_keep */
	struct arena names;  /* the threads' names */
	size_t span_bytes;   /* the threads' spans and chunk lists (sthread_bytes), kept as they change */
	size_t *held;        /* the threads that hold spans, each once, in no order: what a trim
			      * walks, instead of every thread ever seen */
	size_t nheld, capheld;
	spans_sink_fn *sink; /* NULL: none */
	void *sink_ctx;
	struct spans_release *early; /* the releases trims forgot that kept waits need */
	size_t nearly, capearly;
};

/* Span k of thread t (k < t->pub.n). */
static struct span *sthread_span(const struct sthread *t, size_t k)
{
	size_t p = t->skip + k;

	return &t->chunk[p / SPAN_CHUNK][p % SPAN_CHUNK];
}

/* Bytes of t's spans and chunk list. */
static size_t sthread_bytes(const struct sthread *t)
{
	return (t->nchunk > 1 ? t->nchunk * SPAN_CHUNK : t->cap0) * sizeof(struct span) +
	       t->chunkcap * sizeof(*t->chunk);
}

/* Room for one more span at the end of t: the first chunk doubled, or a
 * chunk added. Returns it, or NULL when out of memory. */
static struct span *sthread_grow(struct sthread *t)
{
	size_t p = t->skip + t->pub.n, c = p / SPAN_CHUNK;

	if (t->nchunk <= 1 && p >= t->cap0 && t->cap0 < SPAN_CHUNK) {
		size_t cap = t->cap0 ? 2 * t->cap0 : 4;
		struct span *grown;

		if (cap > SPAN_CHUNK)
			cap = SPAN_CHUNK;
		if (!t->nchunk && VEC_RESERVE(t->chunk, t->chunkcap, 1))
			return NULL;
		grown = realloc(t->nchunk ? t->chunk[0] : NULL, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		t->chunk[0] = grown;
		t->nchunk = 1;
		t->cap0 = cap;
	} else if (c >= t->nchunk) {
		if (VEC_RESERVE(t->chunk, t->chunkcap, t->nchunk + 1) ||
		    !(t->chunk[t->nchunk] = malloc(SPAN_CHUNK * sizeof(**t->chunk))))
			return NULL;
		t->nchunk++;
	}
	return &t->chunk[c][p % SPAN_CHUNK];
}

/* sthread_grow, its bytes counted in s->span_bytes (so that spans_memory
 * needs no walk of the threads each frame), and t listed in s->held with
 * its first span (a thread is listed exactly while it holds spans: room
 * reserved first, so one with spans is never left off, or a trim would
 * keep them). */
static struct span *sthread_push(struct spans *s, struct sthread *t)
{
	size_t before = sthread_bytes(t);
	bool first = !t->pub.n;
	struct span *sp;

	if (first && VEC_RESERVE(s->held, s->capheld, s->nheld + 1))
		return NULL;
	sp = sthread_grow(t);
	s->span_bytes += sthread_bytes(t) - before;
	if (sp && first)
		s->held[s->nheld++] = (size_t)(t - s->t);
	return sp;
}

/* Gives back most of the room an array no longer needs (kept when
 * realloc fails: it is only room). */
static void *shrink(void *items, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (*cap <= 2 * n + 16)
		return items;
	p = realloc(items, (n + 16) * size);
	if (!p)
		return items;
	*cap = n + 16;
	return p;
}

/* Forgets the first k spans of t: whole chunks are freed; what is left of
 * a lone first chunk moves to its front and its room shrinks. */
static void sthread_drop(struct sthread *t, size_t k)
{
	t->skip += k;
	t->pub.n -= k;
	while (t->nchunk > 1 && t->skip >= SPAN_CHUNK) {
		free(t->chunk[0]);
		memmove(t->chunk, t->chunk + 1, (t->nchunk - 1) * sizeof(*t->chunk));
		t->nchunk--;
		t->skip -= SPAN_CHUNK;
	}
	if (t->nchunk != 1)
		return;
	if (!t->pub.n) {
		free(t->chunk[0]);
		t->nchunk = t->cap0 = t->skip = 0;
		return;
	}
	if (t->skip) {
		memmove(t->chunk[0], t->chunk[0] + t->skip, t->pub.n * sizeof(**t->chunk));
		t->skip = 0;
	}
	t->chunk[0] = shrink(t->chunk[0], &t->cap0, t->pub.n, sizeof(**t->chunk));
}

/* The model saw a new thread, or a thread's identity changed. */
static int spans_on_thread(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other, const char *name)
{
	struct spans *s = ctx;
	const struct sched_thread *mt;

	(void)ts;
	(void)other;
	if (what == SCHED_THREAD_NEW) {
		if (VEC_RESERVE(s->t, s->cap, idx + 1))
			return -ENOMEM;
		while (s->n <= idx) {
			struct sthread *t = &s->t[s->n++];

			memset(t, 0, sizeof(*t));
			t->pub.name = "";
			t->object = t->holder = t->woken = -1;
		}
	}
	if (idx >= s->n)
		return 0;
	mt = sched_model_thread(s->m, idx);
	s->t[idx].pub.tid = mt->tid;
	s->t[idx].pub.tgid = mt->tgid;
	return name ? spans_name(s, idx, name) : 0;
}

/* A thread's state changed: its previous state becomes a span. */
static int spans_on_state(void *ctx, const struct sched_change *c)
{
	struct spans *s = ctx;
	struct sthread *t;
	struct span passed, *sp;
	bool blocked, wait;
	int r = 0;

	if (c->thread >= s->n)
		return 0;
	t = &s->t[c->thread];
	blocked = tl_state_blocked(c->prev) && !c->settled;
	t->woken = -1;
	if (blocked && c->prev_object >= 0) { /* learnt as it ended: the child that woke it */
		t->object = (int32_t)c->prev_object;
		t->holder = (int32_t)c->prev_holder;
	}
	wait = blocked && t->object >= 0;
	if (c->ts > c->prev_since && (s->keep == SPANS_ALL || (wait && s->sink))) {
		/* written where it is kept, or, kept nowhere, only passed to the sink */
		sp = s->keep == SPANS_ALL ? sthread_push(s, t) : &passed;
		if (!sp)
			return -ENOMEM;
		*sp = (struct span){ .start = c->prev_since, .end = c->ts, .state = c->prev, .cpu = -1,
				     .object = -1, .holder = -1, .waker = TL_WAKER_UNKNOWN };
		if (tl_state_on_cpu(c->prev))
			sp->cpu = c->prev_cpu;
		else if (c->prev == TL_RUNNABLE && tl_state_on_cpu(c->state))
			sp->cpu = c->cpu;
		if (blocked) {
			sp->wait = t->wait;
			sp->signalling = t->signalling;
			sp->object = t->object;
			sp->holder = t->holder;
			sp->via = c->cause == SCHED_BY_WAKEUP && t->object >= 0 && c->via == t->object;
			if (c->cause == SCHED_BY_WAKEUP) /* (a sink has it too: spans_on_wakeup comes after) */
				sp->waker = c->waker;
		}
		if (s->keep == SPANS_ALL) {
			if (blocked && c->cause == SCHED_BY_WAKEUP)
				t->woken = (int32_t)t->pub.n;
			t->pub.n++;
		}
		if (wait && s->sink)
			r = s->sink(s->sink_ctx, s, c->thread, sp);
	}
	t->wait = c->wait;
	t->signalling = c->signalling;
	t->object = (int32_t)c->object;
	t->holder = (int32_t)c->holder;
	return r;
}

/* A blocked thread was woken: its waker goes to the span that ended. */
static int spans_on_wakeup(void *ctx, const struct sched_wakeup *w)
{
	struct spans *s = ctx;
	struct sthread *t;

	if (w->thread >= s->n)
		return 0;
	t = &s->t[w->thread];
	if (!w->new_thread && t->woken >= 0)
		sthread_span(t, (size_t)t->woken)->waker = w->waker;
	t->woken = -1;
	return 0;
}

/* A CPU's occupant changed: kept from ts on (a correction restates the
 * changes from its time on). */
static int spans_on_cpu(void *ctx, const struct sched_cpu_change *c)
{
	struct spans *s = ctx;
	struct scpu *cp;

	if (!s->cpus || c->cpu >= s->ncpus)
		return 0;
	cp = &s->cpus[c->cpu];
	while (cp->n && cp->ch[cp->n - 1].start >= c->ts)
		cp->n--;
	if (VEC_RESERVE(cp->ch, cp->cap, cp->n + 2))
		return -ENOMEM;
	if (!cp->n && c->ts > c->prev_since) /* the first switch says what ran before it */
		cp->ch[cp->n++] = (struct cpuchange){ c->prev_since, c->prev_kind };
	cp->ch[cp->n++] = (struct cpuchange){ c->ts, c->kind };
	return 0;
}

/* What CPU cpu ran over [a, b), by kind of occupant. */
void spans_cpu_sum(const struct spans *s, unsigned cpu, uint64_t a, uint64_t b, uint64_t out[4])
{
	const struct scpu *cp = s->cpus && cpu < s->ncpus ? &s->cpus[cpu] : NULL;
	size_t lo = 0, hi = cp ? cp->n : 0;
	uint64_t at = a;

	memset(out, 0, 4 * sizeof(*out));
	if (cp && cp->n && cp->ch[0].start > a) { /* before the first change: unknown */
		at = cp->ch[0].start < b ? cp->ch[0].start : b;
		out[TL_CPU_UNKNOWN] += at - a;
	}
	while (hi - lo > 1) { /* the last change at or before a */
		size_t mid = lo + (hi - lo) / 2;

		if (cp->ch[mid].start <= a)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = lo; cp && i < cp->n && at < b; i++) {
		uint64_t end = i + 1 < cp->n && cp->ch[i + 1].start < b ? cp->ch[i + 1].start : b;

		if (end <= at)
			continue;
		out[cp->ch[i].kind < 4 ? cp->ch[i].kind : TL_CPU_UNKNOWN] += end - at;
		at = end;
	}
	if (at < b)
		out[TL_CPU_UNKNOWN] += b - at;
}

static const struct sched_model_ops spans_ops = {
	.thread = spans_on_thread, .state = spans_on_state, .wakeup = spans_on_wakeup, .cpu = spans_on_cpu,
};

/* A history without its model yet. */
static struct spans *spans_alloc(unsigned ncpus, unsigned keep)
{
	struct spans *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->keep = keep;
	s->ncpus = ncpus;
	if (keep == SPANS_ALL && ncpus <= 65536 && !(s->cpus = calloc(ncpus ? ncpus : 1, sizeof(*s->cpus)))) {
		free(s);
		return NULL;
	}
	return s;
}

/* Creates an empty history. */
int spans_new(struct spans **out, unsigned ncpus, unsigned keep)
{
	struct spans *s = spans_alloc(ncpus, keep);
	int r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	r = sched_model_new(&s->m, ncpus, &spans_ops, s);
	if (r)
		spans_free(s);
	else
		*out = s;
	return r;
}

/* Takes m's threads as they are now, with no span (s->m set, a copy of m
 * or m itself). Returns 0 or -ENOMEM. */
static int spans_take_threads(struct spans *s, const struct sched_model *m)
{
	size_t n = 0;

	while (sched_model_thread(m, n))
		n++;
	if (n && !(s->t = calloc(n, sizeof(*s->t))))
		return -ENOMEM;
	s->n = s->cap = n;
	for (size_t i = 0; i < n; i++) {
		struct sthread *t = &s->t[i];
		int64_t object, holder;

		t->pub.tid = sched_model_thread(m, i)->tid;
		t->pub.tgid = sched_model_thread(m, i)->tgid;
		t->pub.name = "";
		t->woken = -1; /* (a wakeup's change and its waker come in one event) */
		sched_model_thread_wait(m, i, &t->wait, &object, &holder, &t->signalling);
		t->object = (int32_t)object;
		t->holder = (int32_t)holder;
	}
	return 0;
}

/* A history starting at the present of model m (see spans.h). */
int spans_from_model(const struct sched_model *m, unsigned ncpus, unsigned keep, struct spans **out)
{
	struct spans *s = spans_alloc(ncpus, keep);

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (sched_model_clone(m, &spans_ops, s, &s->m) || spans_take_threads(s, m)) {
		spans_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* A history following another's model (see spans.h). */
int spans_new_following(const struct sched_model *m, unsigned ncpus, unsigned keep, struct spans **out)
{
	struct spans *s = spans_alloc(ncpus, keep);

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->m = (struct sched_model *)m; /* (only read: its changes come through spans_listener) */
	s->following = true;
	if (spans_take_threads(s, m)) {
		spans_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* The handlers a following history is handed its model's changes through. */
const struct sched_model_ops *spans_listener(void)
{
	return &spans_ops;
}

/* Hands the waits to a sink as they end (see spans.h). */
void spans_set_sink(struct spans *s, spans_sink_fn *fn, void *ctx)
{
	s->sink = fn;
	s->sink_ctx = ctx;
}

/* Thread i's state under way (see spans.h). */
bool spans_open_state(const struct spans *s, size_t i, struct span *sp)
{
	const struct sched_thread *th = i < s->n && !s->finished ? sched_model_thread(s->m, i) : NULL;
	bool blocked = th && tl_state_blocked(th->state);

	if (!th || th->state == TL_NOT_ALIVE || th->state >= TL_STATE_MAX)
		return false;
	*sp = (struct span){ .start = th->since, .end = sched_model_last_ts(s->m), .state = th->state,
			     .wait = blocked ? s->t[i].wait : WAIT_NONE, .signalling = blocked && s->t[i].signalling,
			     .cpu = tl_state_on_cpu(th->state) ? th->cpu : -1, .object = blocked ? s->t[i].object : -1,
			     .holder = blocked ? s->t[i].holder : -1, .waker = TL_WAKER_UNKNOWN };
	return true;
}

/* Thread i's wait under way, if it is blocked (see spans.h). */
bool spans_open_wait(const struct spans *s, size_t i, struct span *sp)
{
	return spans_open_state(s, i, sp) && tl_state_blocked(sp->state);
}

/* Names thread i (see spans.h). */
int spans_name(struct spans *s, size_t i, const char *name)
{
	size_t len = strnlen(name, EVENT_TEXT_MAX - 1);
	char *copy;

	if (i >= s->n)
		return -EINVAL;
	if (!len) {
		s->t[i].pub.name = "";
		return 0;
	}
	copy = arena_alloc(&s->names, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	s->t[i].pub.name = copy;
	return 0;
}

/* Frees it. */
void spans_free(struct spans *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t c = 0; c < s->t[i].nchunk; c++)
			free(s->t[i].chunk[c]);
		free(s->t[i].chunk);
	}
	free(s->t);
	free(s->held);
	free(s->early);
	for (unsigned c = 0; s->cpus && c < s->ncpus; c++)
		free(s->cpus[c].ch);
	free(s->cpus);
	arena_done(&s->names);
	if (!s->following)
		sched_model_free(s->m);
	free(s);
}

/* Orders waits (as releases with no time yet) by object, then holder,
 * then start. */
static int wait_order(const void *a, const void *b)
{
	const struct spans_release *x = a, *y = b;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Whether w is a wait that names a holder of its object. */
static bool names_holder(const struct span *w)
{
	return tl_state_blocked(w->state) && w->object >= 0 && w->holder >= 0;
}

/* The first of thread th's spans that ends after t (its count when none). */
static size_t first_after(const struct sthread *th, uint64_t t)
{
	size_t lo = 0, hi = th->pub.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sthread_span(th, mid)->end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The wait of thread i under way across t that names a holder, into *w:
 * its first span left after a trim at t, or its open wait. */
static bool crossing_wait(const struct spans *s, size_t i, uint64_t t, struct span *w)
{
	const struct sthread *th = &s->t[i];
	size_t k = first_after(th, t);

	if (k < th->pub.n)
		*w = *sthread_span(th, k);
	else if (!spans_open_wait(s, i, w))
		return false;
	return w->start < t && names_holder(w);
}

/* Orders kept releases by the thread whose wait needs them. */
static int waiter_order(const void *a, const void *b)
{
	const struct spans_release *x = a, *y = b;

	return x->waiter < y->waiter ? -1 : x->waiter > y->waiter;
}

/* Whether the n releases at w (by waiter_order) hold one for thread i. */
static bool waiter_kept(const struct spans_release *w, size_t n, size_t i)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].waiter < (int64_t)i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && w[lo].waiter == (int64_t)i;
}

/* Adds wait w of thread i to the array *v (n, cap), as a release to be
 * found (ts UINT64_MAX). Returns 0 or -ENOMEM. */
static int wait_push(struct spans_release **v, size_t *n, size_t *cap, size_t i, const struct span *w)
{
	if (VEC_RESERVE(*v, *cap, *n + 1))
		return -ENOMEM;
	(*v)[(*n)++] = (struct spans_release){ UINT64_MAX, w->object, w->holder, -1, (int64_t)i, w->start };
	return 0;
}

/* Gives the release sp (of thread i, which it woke) to the waits in w
 * (n, by wait_order) on its object naming its waker that began before it
 * and have none earlier. */
static void release_give(struct spans_release *w, size_t n, size_t i, const struct span *sp)
{
	struct spans_release key = { 0, sp->object, sp->waker, 0, 0, 0 };
	size_t lo = 0, hi = n;

	while (lo < hi) { /* the first wait on (object, waker) */
		size_t mid = lo + (hi - lo) / 2;

		if (wait_order(&w[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && w[lo].object == sp->object && w[lo].from == sp->waker && w[lo].start < sp->end; lo++)
		if (sp->end < w[lo].ts) {
			w[lo].ts = sp->end;
			w[lo].to = (int64_t)i;
		}
}

/* Keeps, of the releases a trim at t forgets, those that the waits under
 * way across t need (see spans_trim_releases); before the spans go. The
 * waits are found first (at most one a thread: a listed thread's, or one
 * an earlier trim kept a release for), and the spans forgotten are read
 * only from the earliest of their starts on. Out of memory, it keeps what
 * it had. */
static void releases_keep(struct spans *s, uint64_t t)
{
	struct spans_release *w = NULL;
	size_t n = 0, cap = 0, kept = 0, j;
	uint64_t first = UINT64_MAX;
	struct span x;

	for (j = 0; j < s->nearly; j++) { /* kept before: while its wait still crosses */
		size_t i = (size_t)s->early[j].waiter;

		if (crossing_wait(s, i, t, &x) && x.start == s->early[j].start) {
			if (VEC_RESERVE(w, cap, n + 1))
				goto fail;
			w[n++] = s->early[j];
		}
	}
	kept = n;
	if (kept > 1)
		qsort(w, kept, sizeof(*w), waiter_order);
	for (j = 0; j < s->nheld; j++) {
		size_t i = s->held[j];

		if (!crossing_wait(s, i, t, &x) || waiter_kept(w, kept, i)) /* (its release is kept already) */
			continue;
		if (wait_push(&w, &n, &cap, i, &x))
			goto fail;
		first = x.start < first ? x.start : first;
	}
	if (n > kept) { /* the new ones: their holders' releases in the spans forgotten */
		qsort(w + kept, n - kept, sizeof(*w), wait_order);
		for (j = 0; j < s->nheld; j++) {
			const struct sthread *th = &s->t[s->held[j]];

			for (size_t k = first_after(th, first); k < th->pub.n; k++) {
				const struct span *sp = sthread_span(th, k);

				if (sp->end > t)
					break;
				if (spans_is_release(sp))
					release_give(w + kept, n - kept, s->held[j], sp);
			}
		}
	}
	for (j = kept; j < n; j++) /* (those that found none have nothing to keep) */
		if (w[j].ts != UINT64_MAX)
			w[kept++] = w[j];
	free(s->early);
	s->early = w;
	s->nearly = kept;
	s->capearly = cap;
	if (!kept) {
		free(s->early);
		s->early = NULL;
		s->capearly = 0;
	}
	VEC_SHRINK(s->early, s->capearly, s->nearly, 4);
	return;
fail:
	free(w);
}

/* The releases trims forgot that kept waits need (see spans.h). */
size_t spans_trim_releases(const struct spans *s, const struct spans_release **out)
{
	*out = s->early;
	return s->nearly;
}

/* Forgets what ended before t (see spans.h): the threads listed as
 * holding spans, those left with none taken off the list; the releases
 * the waits kept need, kept apart. */
void spans_trim(struct spans *s, uint64_t t)
{
	size_t j, kept = 0;

	releases_keep(s, t);
	for (j = 0; j < s->nheld; j++) {
		struct sthread *th = &s->t[s->held[j]];
		size_t lo = 0, hi = th->pub.n;

		while (lo < hi) { /* the first span that ends after t */
			size_t mid = lo + (hi - lo) / 2;

			if (sthread_span(th, mid)->end <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo) {
			size_t before = sthread_bytes(th);

			sthread_drop(th, lo);
			s->span_bytes -= before - sthread_bytes(th);
			th->woken = th->woken >= (int32_t)lo ? th->woken - (int32_t)lo : -1;
		}
		if (th->pub.n)
			s->held[kept++] = s->held[j];
	}
	s->nheld = kept;
	s->held = shrink(s->held, &s->capheld, s->nheld, sizeof(*s->held));
	for (unsigned c = 0; s->cpus && c < s->ncpus; c++) {
		struct scpu *cp = &s->cpus[c];
		size_t k = 0;

		while (k + 1 < cp->n && cp->ch[k + 1].start <= t) /* the change under way at t stays */
			k++;
		if (k) {
			memmove(cp->ch, cp->ch + k, (cp->n - k) * sizeof(*cp->ch));
			cp->n -= k;
		}
		cp->ch = shrink(cp->ch, &cp->cap, cp->n, sizeof(*cp->ch));
	}
}

/* Bytes the history holds. */
size_t spans_memory(const struct spans *s)
{
	size_t n = sizeof(*s) + s->cap * sizeof(*s->t) + arena_memory(&s->names) +
		   (s->following ? 0 : sched_model_memory(s->m)) + s->span_bytes + s->capheld * sizeof(*s->held) +
		   s->capearly * sizeof(*s->early);

	for (unsigned c = 0; s->cpus && c < s->ncpus; c++)
		n += s->cpus[c].cap * sizeof(*s->cpus[c].ch);
	return n;
}

/* spans_memory, its threads walked (see spans.h). */
size_t spans_memory_recount(const struct spans *s)
{
	size_t n = spans_memory(s) - s->span_bytes;

	for (size_t i = 0; i < s->n; i++)
		n += sthread_bytes(&s->t[i]);
	return n;
}

/* The threads that hold spans: by the list a trim walks, and by a walk
 * of every thread (see spans.h). */
size_t spans_threads_held(const struct spans *s, size_t *walked)
{
	size_t i, n = 0;

	for (i = 0; walked && i < s->n; i++)
		n += s->t[i].pub.n > 0;
	if (walked)
		*walked = n;
	return s->nheld;
}

/* Follows one event. */
int spans_add(struct spans *s, const struct event *ev)
{
	int r;

	if (s->following)
		return -EINVAL;
	r = sched_model_add(s->m, ev);
	return r == SCHED_MODEL_SKIPPED ? 0 : r;
}

/* Closes every open state at end_ns: a history following another's model
 * closes them in a copy of it made for that, then freed (the other goes
 * on; what is asked of the model afterwards, threads by tid and objects,
 * is as the copy had it). */
int spans_finish(struct spans *s, uint64_t end_ns)
{
	struct sched_model *m = s->m;
	int r;

	if (s->following && sched_model_clone(s->m, &spans_ops, s, &m))
		return -ENOMEM;
	if (end_ns < sched_model_last_ts(m))
		end_ns = sched_model_last_ts(m);
	s->end_ns = end_ns;
	r = sched_model_finish(m, end_ns);
	s->finished = true; /* (not before: a sink settling as waits end asks which are still open) */
	if (m != s->m)
		sched_model_free(m);
	return r;
}

/* Whether a thread is blocked since t or before (see spans.h). */
bool spans_waiting_since(const struct spans *s, uint64_t t)
{
	const struct sched_thread *th;

	for (size_t i = 0; !s->finished && (th = sched_model_thread(s->m, i)) != NULL; i++)
		if (tl_state_blocked(th->state) && th->since < t)
			return true;
	return false;
}

/* The end of the history. */
uint64_t spans_end(const struct spans *s)
{
	return s->end_ns;
}

/* The number of threads. */
size_t spans_thread_count(const struct spans *s)
{
	return s->n;
}

/* Thread i. */
const struct spans_thread *spans_thread(const struct spans *s, size_t i)
{
	return i < s->n ? &s->t[i].pub : NULL;
}

/* The index of the latest thread with tid. */
long spans_thread_index(const struct spans *s, int32_t tid)
{
	long i = sched_model_find(s->m, tid);

	return i >= 0 && (size_t)i < s->n ? i : -1;
}

/* Span k of thread i. */
const struct span *spans_get(const struct spans *s, size_t i, size_t k)
{
	return i < s->n && k < s->t[i].pub.n ? sthread_span(&s->t[i], k) : NULL;
}

/* The span of thread i holding instant t: a binary search. */
long spans_at(const struct spans *s, size_t i, uint64_t t)
{
	const struct sthread *th = i < s->n ? &s->t[i] : NULL;
	size_t lo = 0, hi;

	if (!th || !th->pub.n || t < sthread_span(th, 0)->start)
		return -1;
	hi = th->pub.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (sthread_span(th, mid)->start <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

/* The name of process tgid. */
const char *spans_process_name(const struct spans *s, int32_t tgid)
{
	long i = spans_thread_index(s, tgid);

	return i >= 0 ? s->t[i].pub.name : "";
}

/* Object i of the waits. */
const struct waits_object *spans_object(const struct spans *s, int64_t object)
{
	return object >= 0 ? waits_object(sched_model_waits(s->m), (size_t)object) : NULL;
}

/* How object i is called. */
void spans_object_label(const struct spans *s, int64_t object, char *buf, size_t len)
{
	waits_object_label(sched_model_waits(s->m), object, buf, len);
}
