/* Contention by object (see contention.h), summed wait by wait: each wait,
 * clipped to the window, adds to its object's row at once; the time its
 * holder held the object while others waited is a union of intervals,
 * kept per (object, holder) until no later wait can reach them. A wait is
 * charged to the holder it named until that holder handed the object over
 * (a wait on it ended by the holder's waking through it: a release); who
 * holds it then is not known for sure (the thread woken takes it, or
 * another one first), so the rest is charged to nobody. The releases of
 * each object are kept, in time order, while a wait could still reach
 * them. A table of a whole history is the same sum given every release,
 * then every wait, at once.
 *
 * A wait under way is not taken to cover the intervals of its object and
 * holder that lie after its start: the model may yet end it in the past,
 * or undo it (a switch found missed restates its thread as running), so
 * those intervals stay, merged, until it ends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "contention.h"
#include "event_types.h"
#include "mem.h"
#include "pairmap.h"
#include "vocab.h"

/* A wait's interval inside the window. */
struct civ {
	uint64_t start, end;
};

/* A release: at ts, `from` handed the object over, waking `to` (kept to
 * order releases of one instant alike however they came). */
struct crel {
	uint64_t ts;
	int64_t from, to;
};

/* The releases of one object, by time (then from, then to). */
struct crels {
	int64_t object;
	struct crel *v;
	size_t n, cap;
	uint64_t open;           /* settling: the earliest start of a wait under way on it */
};

/* The waits that named one holder of one object. */
struct ckey {
	int64_t object, holder;  /* holder: a thread index */
	uint64_t waits;
	uint64_t hold_ns;        /* the union of the intervals settled */
	struct civ *iv;          /* the others: as given, after those a settling left merged, by start */
	size_t niv, ivcap;
	uint64_t open;           /* settling: the earliest start of a wait under way naming it */
};

/* An object's row, and which of its waits gave its kind and its longest. */
struct crow {
	struct contention_row row;
	size_t kind_thread;      /* the kind is the first wait's, by waiter then start */
	uint64_t kind_start, longest_start;
};

struct contention_sum {
	uint64_t from, to;
	struct crow *rows;
	size_t nrows, rcap;
	struct ckey *keys;
	size_t nkeys, kcap;
	struct pairmap row_of;   /* (object, 0) -> row */
	struct pairmap key_of;   /* (object, holder) -> key */
	struct pairmap waiter;   /* (object, thread) -> 1: who waited on what */
	struct crels *rels;      /* the releases, by object */
	size_t nrels, relscap;
	struct pairmap rels_of;  /* (object, 0) -> rels */
	size_t rel_bytes;        /* the room of their arrays */
	size_t nrel;             /* releases kept, all objects */
	size_t niv;              /* intervals kept, all keys */
	size_t iv_bytes;         /* the room of their arrays */
	size_t settle_at;        /* settle once niv passes it (a sum that follows a history) */
	uint64_t now;            /* the latest end given */
};

struct contention {
	struct contention_row *rows;
	size_t nrows;
	struct contention_holder *holders;
	size_t nholders;
};

#define SETTLE_MIN 1024 /* intervals kept before the first settling */

/* A new sum over [from, to). */
int contention_sum_new(struct contention_sum **out, uint64_t from, uint64_t to)
{
	struct contention_sum *c;

	*out = NULL;
	if (from >= to)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->from = from;
	c->to = to;
	c->settle_at = SETTLE_MIN;
	pairmap_init(&c->row_of);
	pairmap_init(&c->key_of);
	pairmap_init(&c->waiter);
	pairmap_init(&c->rels_of);
	*out = c;
	return 0;
}

/* Frees it. */
void contention_sum_free(struct contention_sum *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nkeys; i++)
		free(c->keys[i].iv);
	for (size_t i = 0; i < c->nrels; i++)
		free(c->rels[i].v);
	free(c->keys);
	free(c->rels);
	free(c->rows);
	pairmap_done(&c->row_of);
	pairmap_done(&c->key_of);
	pairmap_done(&c->waiter);
	pairmap_done(&c->rels_of);
	free(c);
}

/* Bytes it holds. */
size_t contention_sum_memory(const struct contention_sum *c)
{
	return sizeof(*c) + c->rcap * sizeof(*c->rows) + c->kcap * sizeof(*c->keys) + c->iv_bytes +
	       c->relscap * sizeof(*c->rels) + c->rel_bytes + pairmap_memory(&c->row_of) +
	       pairmap_memory(&c->key_of) + pairmap_memory(&c->waiter) + pairmap_memory(&c->rels_of);
}

/* The row of object, made on first sight; NULL when out of memory. */
static struct crow *sum_row(struct contention_sum *c, int64_t object)
{
	uint64_t i;

	if (pairmap_get(&c->row_of, (uint64_t)object, 0, &i))
		return &c->rows[i];
	if (VEC_RESERVE(c->rows, c->rcap, c->nrows + 1) || pairmap_put(&c->row_of, (uint64_t)object, 0, c->nrows))
		return NULL;
	memset(&c->rows[c->nrows], 0, sizeof(*c->rows));
	c->rows[c->nrows].row.object = object;
	return &c->rows[c->nrows++];
}

/* The key of (object, holder), made on first sight; NULL when out of memory. */
static struct ckey *sum_key(struct contention_sum *c, int64_t object, int64_t holder)
{
	uint64_t i;

	if (pairmap_get(&c->key_of, (uint64_t)object, (uint64_t)holder, &i))
		return &c->keys[i];
	if (VEC_RESERVE(c->keys, c->kcap, c->nkeys + 1) ||
	    pairmap_put(&c->key_of, (uint64_t)object, (uint64_t)holder, c->nkeys))
		return NULL;
	c->keys[c->nkeys] = (struct ckey){ .object = object, .holder = holder };
	return &c->keys[c->nkeys++];
}

/* Whether release x comes before y: by time, then from, then to. */
static bool crel_before(const struct crel *x, const struct crel *y)
{
	if (x->ts != y->ts)
		return x->ts < y->ts;
	return x->from != y->from ? x->from < y->from : x->to < y->to;
}

/* The releases of object, made on first sight; NULL when out of memory. */
static struct crels *sum_rels(struct contention_sum *c, int64_t object)
{
	uint64_t i;

	if (pairmap_get(&c->rels_of, (uint64_t)object, 0, &i))
		return &c->rels[i];
	if (VEC_RESERVE(c->rels, c->relscap, c->nrels + 1) ||
	    pairmap_put(&c->rels_of, (uint64_t)object, 0, c->nrels))
		return NULL;
	c->rels[c->nrels] = (struct crels){ .object = object, .open = UINT64_MAX };
	return &c->rels[c->nrels++];
}

/* Orders releases as crel_before. */
static int crel_order(const void *a, const void *b)
{
	return crel_before(a, b) ? -1 : crel_before(b, a) ? 1 : 0;
}

/* Keeps release x of object, in order, or at the end when !in_order
 * (sorted later: a whole history's, thread by thread). Returns 0 or
 * -ENOMEM. */
static int rels_push(struct contention_sum *c, int64_t object, struct crel x, bool in_order)
{
	struct crels *r;
	size_t room, k;

	if (!(r = sum_rels(c, object)))
		return -ENOMEM;
	room = r->cap;
	if (VEC_RESERVE(r->v, r->cap, r->n + 1))
		return -ENOMEM;
	c->rel_bytes += (r->cap - room) * sizeof(*r->v);
	for (k = r->n; in_order && k > 0 && crel_before(&x, &r->v[k - 1]); k--) /* (mostly: at the end) */
		r->v[k] = r->v[k - 1];
	r->v[k] = x;
	r->n++;
	c->nrel++;
	return 0;
}

/* Keeps the release a wait of thread i ends with, if it ends with one
 * (spans_is_release: its holder's), as rels_push. Returns 0 or -ENOMEM. */
static int sum_release(struct contention_sum *c, size_t i, const struct span *sp, bool in_order)
{
	if (!spans_is_release(sp))
		return 0;
	return rels_push(c, sp->object, (struct crel){ sp->end, sp->waker, (int64_t)i }, in_order);
}

/* Adds [x, y), clipped to the window, to the intervals of (object, holder).
 * Returns 0 or -ENOMEM. */
static int sum_interval(struct contention_sum *c, struct ckey *k, uint64_t x, uint64_t y)
{
	uint64_t a = x > c->from ? x : c->from, b = y < c->to ? y : c->to;
	size_t room = k->ivcap;

	if (b <= a)
		return 0;
	if (VEC_RESERVE(k->iv, k->ivcap, k->niv + 1))
		return -ENOMEM;
	c->iv_bytes += (k->ivcap - room) * sizeof(*k->iv);
	k->iv[k->niv++] = (struct civ){ a, b };
	c->niv++;
	return 0;
}

/* Charges wait sp, which named holder k, to k until k's first release
 * after its start (or its end). Returns 0 or -ENOMEM. */
static int sum_charge(struct contention_sum *c, struct ckey *k, const struct span *sp)
{
	uint64_t i, lo = 0, hi;
	const struct crels *r = pairmap_get(&c->rels_of, (uint64_t)sp->object, 0, &i) ? &c->rels[i] : NULL;

	for (hi = r ? r->n : 0; lo < hi;) { /* the first release after its start */
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].ts <= sp->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; r && lo < r->n && r->v[lo].ts < sp->end; lo++)
		if (r->v[lo].from == k->holder)
			return sum_interval(c, k, sp->start, r->v[lo].ts);
	return sum_interval(c, k, sp->start, sp->end);
}

/* Folds in one wait of thread i (a blocked span on an object): its part
 * inside the window, if any. Returns 0 or -ENOMEM. */
static int sum_add(struct contention_sum *c, size_t i, const struct span *sp)
{
	uint64_t a = sp->start > c->from ? sp->start : c->from, b = sp->end < c->to ? sp->end : c->to, d, seen;
	struct crow *r;
	struct ckey *k;

	if (sp->end > c->now)
		c->now = sp->end;
	if (b <= a)
		return 0;
	if (!(r = sum_row(c, sp->object)))
		return -ENOMEM;
	d = b - a;
	if (!r->row.waits || i < r->kind_thread || (i == r->kind_thread && a < r->kind_start)) {
		r->row.kind = sp->wait;
		r->kind_thread = i;
		r->kind_start = a;
	}
	if (d > r->row.longest_ns || (d == r->row.longest_ns && (i < r->row.longest_thread ||
								  (i == r->row.longest_thread && a < r->longest_start)))) {
		r->row.longest_ns = d;
		r->row.longest_thread = i;
		r->longest_start = a;
	}
	r->row.waits++;
	r->row.total_ns += d;
	r->row.handovers += sp->via;
	if (!pairmap_get(&c->waiter, (uint64_t)sp->object, i, &seen)) {
		if (pairmap_put(&c->waiter, (uint64_t)sp->object, i, 1))
			return -ENOMEM;
		r->row.waiters++;
	}
	if (sp->holder < 0)
		return 0;
	if (!(k = sum_key(c, sp->object, sp->holder)))
		return -ENOMEM;
	k->waits++;
	return sum_charge(c, k, sp);
}

/* Orders intervals by start. */
static int civ_by_start(const void *x, const void *y)
{
	const struct civ *p = x, *q = y;

	return p->start < q->start ? -1 : p->start > q->start;
}

/* Merges the intervals of key k of c: the union of those that end by
 * `settle` goes into its hold time, the rest stay, merged. Returns how
 * many stay. */
static size_t key_settle(struct contention_sum *c, struct ckey *k, uint64_t settle)
{
	size_t n = 0, room = k->ivcap;

	if (k->niv > 1)
		qsort(k->iv, k->niv, sizeof(*k->iv), civ_by_start);
	for (size_t j = 0; j < k->niv;) {
		struct civ u = k->iv[j++];

		while (j < k->niv && k->iv[j].start <= u.end) { /* overlapping or touching */
			if (k->iv[j].end > u.end)
				u.end = k->iv[j].end;
			j++;
		}
		if (u.end <= settle)
			k->hold_ns += u.end - u.start;
		else
			k->iv[n++] = u;
	}
	k->niv = n;
	if (!n) {
		free(k->iv);
		k->iv = NULL;
		k->ivcap = 0;
	} else {
		VEC_SHRINK(k->iv, k->ivcap, n, 4);
	}
	c->iv_bytes -= (room - k->ivcap) * sizeof(*k->iv);
	return n;
}

/* Drops the releases of r that no later wait can reach: at or before
 * settle. */
static void rels_settle(struct contention_sum *c, struct crels *r, uint64_t settle)
{
	size_t n = 0, room = r->cap;

	while (n < r->n && r->v[n].ts <= settle)
		n++;
	if (!n)
		return;
	memmove(r->v, r->v + n, (r->n - n) * sizeof(*r->v));
	r->n -= n;
	c->nrel -= n;
	VEC_SHRINK(r->v, r->cap, r->n, 4);
	c->rel_bytes -= (room - r->cap) * sizeof(*r->v);
}

/* Where the intervals (of a key) or the releases (of an object) may be
 * settled: before the waits under way that reach them (`open`), and before
 * a wait for any child when the object is a child or unknown. */
static uint64_t object_settle(const struct contention_sum *c, const struct spans *s, int64_t object, uint64_t open,
			      uint64_t unknown)
{
	const struct waits_object *o = spans_object(s, object);
	uint64_t settle = open < c->now ? open : c->now;

	if ((!o || o->kind == OP_KIND_CHILD) && unknown < settle)
		settle = unknown;
	return settle;
}

/* Settles what no later wait can reach, from the waits under way in s:
 * a wait that ends later starts now or later, or is under way already
 * (on its object, charged from its holder on; a wait for any child may
 * turn out to be on any child). */
static void sum_settle(struct contention_sum *c, const struct spans *s)
{
	uint64_t unknown = UINT64_MAX, all = UINT64_MAX, k, at;
	size_t threads = spans_thread_count(s), kept = 0;
	struct crels *r;
	struct span w;

	for (size_t i = 0; i < c->nrels; i++)
		c->rels[i].open = UINT64_MAX;
	for (size_t i = 0; i < c->nkeys; i++)
		c->keys[i].open = UINT64_MAX;
	for (size_t i = 0; i < threads; i++) {
		if (!spans_open_wait(s, i, &w))
			continue;
		if (w.object < 0) {
			if (w.start < unknown)
				unknown = w.start;
		} else if (w.holder >= 0) {
			/* its key's intervals, and its holder's releases after it */
			if (pairmap_get(&c->key_of, (uint64_t)w.object, (uint64_t)w.holder, &k) && w.start < c->keys[k].open)
				c->keys[k].open = w.start;
			if (!(r = sum_rels(c, w.object))) { /* (out of memory: nothing settled past it) */
				all = w.start < all ? w.start : all;
				continue;
			}
			if (w.start < r->open)
				r->open = w.start;
		}
	}
	for (size_t i = 0; i < c->nkeys; i++) {
		struct ckey *key = &c->keys[i];

		at = object_settle(c, s, key->object, key->open, unknown);
		kept += key_settle(c, key, at < all ? at : all);
	}
	for (size_t i = 0; i < c->nrels; i++) {
		at = object_settle(c, s, c->rels[i].object, c->rels[i].open, unknown);
		rels_settle(c, &c->rels[i], at < all ? at : all);
	}
	c->niv = kept;
	/* (a settling costs threads + keys + objects) */
	c->settle_at = 2 * (kept + c->nrel) + SETTLE_MIN + threads + c->nkeys + c->nrels;
}

/* A history's sink: folds a wait in, settling now and then. */
static int sum_sink(void *ctx, const struct spans *s, size_t i, const struct span *sp)
{
	struct contention_sum *c = ctx;
	int r = sum_release(c, i, sp, true);

	if (!r)
		r = sum_add(c, i, sp);
	if (!r && c->niv + c->nrel > c->settle_at)
		sum_settle(c, s);
	return r;
}

/* The objects it has a row for. */
size_t contention_sum_rows(const struct contention_sum *c)
{
	return c->nrows;
}

/* Makes s hand its waits to c. */
void contention_sum_follow(struct contention_sum *c, struct spans *s)
{
	spans_set_sink(s, sum_sink, c);
}

/* Orders rows by total wait, largest first (then by object). */
static int row_by_total(const void *a, const void *b)
{
	const struct contention_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->object < y->object ? -1 : x->object > y->object;
}

/* Orders holders by object, then hold time, largest first, then thread. */
static int key_by_hold(const void *a, const void *b)
{
	const struct ckey *x = a, *y = b;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	if (x->hold_ns != y->hold_ns)
		return x->hold_ns > y->hold_ns ? -1 : 1;
	return x->holder < y->holder ? -1 : x->holder > y->holder;
}

/* The table of the sum (see contention.h). */
int contention_sum_table(struct contention_sum *c, const struct spans *s, struct contention **out)
{
	struct contention *t = calloc(1, sizeof(*t));
	uint64_t r;

	*out = NULL;
	if (!t || (c->nrows && !(t->rows = calloc(c->nrows, sizeof(*t->rows)))) ||
	    (c->nkeys && !(t->holders = calloc(c->nkeys, sizeof(*t->holders))))) {
		contention_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nkeys; i++)
		key_settle(c, &c->keys[i], UINT64_MAX);
	c->niv = 0;
	if (c->nkeys > 1)
		qsort(c->keys, c->nkeys, sizeof(*c->keys), key_by_hold);
	for (size_t i = 0; i < c->nrows; i++) {
		struct contention_row *row = &t->rows[i];
		const struct waits_object *o = spans_object(s, c->rows[i].row.object);

		*row = c->rows[i].row;
		row->tgid = o ? o->tgid : spans_thread(s, row->longest_thread)->tgid;
	}
	t->nrows = c->nrows;
	/* the keys of an object follow each other, its largest holder first
	 * (the map from keys to their places is not used after this) */
	for (size_t i = 0; i < c->nkeys; i++) {
		struct contention_row *row;

		if (!pairmap_get(&c->row_of, (uint64_t)c->keys[i].object, 0, &r))
			continue;
		row = &t->rows[r];
		t->holders[t->nholders] = (struct contention_holder){ (size_t)c->keys[i].holder, c->keys[i].waits,
								      c->keys[i].hold_ns };
		if (!row->nholders++)
			row->holder = &t->holders[t->nholders];
		t->nholders++;
	}
	if (t->nrows > 1)
		qsort(t->rows, t->nrows, sizeof(*t->rows), row_by_total);
	*out = t;
	return 0;
}

/* Computes the table over [from, to) of a history that kept its spans. */
int contention_new(struct contention **out, const struct spans *s, uint64_t from, uint64_t to)
{
	const struct spans_release *early;
	struct contention_sum *c;
	size_t nearly;
	int r;

	*out = NULL;
	if ((r = contention_sum_new(&c, from, to ? to : spans_end(s))))
		return r;
	/* the releases first: the waits reach them (those a trim forgot too) */
	nearly = spans_trim_releases(s, &early);
	for (size_t i = 0; !r && i < nearly; i++)
		r = rels_push(c, early[i].object, (struct crel){ early[i].ts, early[i].from, early[i].to }, false);
	for (size_t i = 0; !r && i < spans_thread_count(s); i++)
		for (size_t k = 0; !r && k < spans_thread(s, i)->n; k++)
			r = sum_release(c, i, spans_get(s, i, k), false);
	for (size_t i = 0; !r && i < c->nrels; i++)
		if (c->rels[i].n > 1)
			qsort(c->rels[i].v, c->rels[i].n, sizeof(*c->rels[i].v), crel_order);
	for (size_t i = 0; !r && i < spans_thread_count(s); i++) {
		const struct spans_thread *t = spans_thread(s, i);
		struct span w;

		for (size_t k = 0; !r && k < t->n; k++) {
			const struct span *sp = spans_get(s, i, k);

			if (tl_state_blocked(sp->state) && sp->object >= 0)
				r = sum_add(c, i, sp);
		}
		/* in a history still followed, a wait under way up to the last
		 * event (the deadlocked threads' waits, live) */
		if (!r && spans_open_wait(s, i, &w) && w.object >= 0)
			r = sum_add(c, i, &w);
	}
	if (!r)
		r = contention_sum_table(c, s, out);
	contention_sum_free(c);
	return r;
}

/* The number of rows (none for NULL). */
size_t contention_count(const struct contention *c)
{
	return c ? c->nrows : 0;
}

/* Row i (NULL past the last). */
const struct contention_row *contention_row(const struct contention *c, size_t i)
{
	return c && i < c->nrows ? c->rows + i : NULL;
}

/* Frees it. */
void contention_free(struct contention *c)
{
	if (!c)
		return;
	free(c->rows);
	free(c->holders);
	free(c);
}
