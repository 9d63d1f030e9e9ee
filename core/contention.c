/* Contention by object, from the blocked spans of a thread history (see
 * contention.h): the waits of the window are gathered, sorted by object
 * and waiter for the counts, then by object and holder for the holders. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "contention.h"
#include "mem.h"
#include "vocab.h"

/* One wait inside the window. */
struct cwait {
	int64_t object;
	size_t thread;
	int64_t holder;
	uint64_t start, end;
	uint8_t kind;
	bool via;
};

struct contention {
	struct contention_row *rows;
	size_t nrows, rcap;
	struct contention_holder *holders;
	size_t nholders, hcap;
};

/* Orders waits by object, then by holder (arg non-NULL) or by waiter,
 * then by start. */
static int contention_by_object(const void *a, const void *b, void *by_holder)
{
	const struct cwait *x = a, *y = b;
	int64_t p = by_holder ? x->holder : (int64_t)x->thread, q = by_holder ? y->holder : (int64_t)y->thread;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	if (p != q)
		return p < q ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Orders rows by total wait, largest first (then by object). */
static int contention_by_total(const void *a, const void *b)
{
	const struct contention_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->object < y->object ? -1 : x->object > y->object;
}

/* Orders holders by hold time, largest first (then by thread). */
static int contention_by_hold(const void *a, const void *b)
{
	const struct contention_holder *x = a, *y = b;

	if (x->hold_ns != y->hold_ns)
		return x->hold_ns > y->hold_ns ? -1 : 1;
	return x->thread < y->thread ? -1 : x->thread > y->thread;
}

/* Gathers the waits on objects inside [from, to) into *out. Returns their
 * number, or -ENOMEM. */
static long contention_gather(const struct spans *s, uint64_t from, uint64_t to, struct cwait **out)
{
	struct cwait *w = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < spans_thread_count(s); i++) {
		const struct spans_thread *t = spans_thread(s, i);

		for (size_t k = 0; k < t->n; k++) {
			const struct span *sp = spans_get(s, i, k);
			uint64_t a = sp->start > from ? sp->start : from, b = sp->end < to ? sp->end : to;

			if (!tl_state_blocked(sp->state) || sp->object < 0 || b <= a)
				continue;
			if (VEC_RESERVE(w, cap, n + 1)) {
				free(w);
				return -ENOMEM;
			}
			w[n++] = (struct cwait){ sp->object, i, sp->holder, a, b, sp->wait, sp->via };
		}
	}
	*out = w;
	return (long)n;
}

/* Fills one row per object from waits sorted by object and waiter. */
static int contention_rows(struct contention *c, const struct cwait *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct contention_row *r;
		uint64_t d = w[i].end - w[i].start;

		if (!i || w[i].object != w[i - 1].object) {
			if (VEC_RESERVE(c->rows, c->rcap, c->nrows + 1))
				return -ENOMEM;
			r = &c->rows[c->nrows++];
			memset(r, 0, sizeof(*r));
			r->object = w[i].object;
			r->kind = w[i].kind;
		}
		r = &c->rows[c->nrows - 1];
		if (!i || w[i].object != w[i - 1].object || w[i].thread != w[i - 1].thread)
			r->waiters++;
		r->waits++;
		r->total_ns += d;
		r->handovers += w[i].via;
		if (d > r->longest_ns) {
			r->longest_ns = d;
			r->longest_thread = w[i].thread;
		}
	}
	return 0;
}

/* Fills the holders of each row from waits sorted by object and holder:
 * per holder, its waits and the union of their intervals. */
static int contention_holders(struct contention *c, const struct cwait *w, size_t n)
{
	size_t row = 0;
	uint64_t reach = 0;

	for (size_t i = 0; i < n; i++) {
		struct contention_holder *h;

		if (w[i].holder < 0)
			continue;
		while (c->rows[row].object != w[i].object)
			row++;
		if (!c->rows[row].nholders || w[i].holder != w[i - 1].holder || w[i].object != w[i - 1].object) {
			if (VEC_RESERVE(c->holders, c->hcap, c->nholders + 1))
				return -ENOMEM;
			c->rows[row].nholders++;
			c->holders[c->nholders++] = (struct contention_holder){ (size_t)w[i].holder, 0, 0 };
			reach = 0;
		}
		h = &c->holders[c->nholders - 1];
		h->waits++;
		if (w[i].end > reach) {
			h->hold_ns += w[i].end - (w[i].start > reach ? w[i].start : reach);
			reach = w[i].end;
		}
	}
	return 0;
}

/* Computes the table over [from, to). */
int contention_new(struct contention **out, const struct spans *s, uint64_t from, uint64_t to)
{
	struct contention *c;
	struct cwait *w = NULL;
	long n;
	int r;

	*out = NULL;
	if (!to)
		to = spans_end(s);
	if (from >= to)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	n = contention_gather(s, from, to, &w);
	if (n < 0) {
		free(c);
		return (int)n;
	}
	if (n > 1) /* (qsort must not be given NULL, even for nothing) */
		qsort_r(w, (size_t)n, sizeof(*w), contention_by_object, NULL);
	r = contention_rows(c, w, (size_t)n);
	if (!r && n > 1)
		qsort_r(w, (size_t)n, sizeof(*w), contention_by_object, w); /* non-NULL: by holder */
	if (!r)
		r = contention_holders(c, w, (size_t)n);
	free(w);
	if (r) {
		contention_free(c);
		return r;
	}
	/* the rows are in object order still, and so are their holders */
	for (size_t i = 0, first = 0; i < c->nrows; first += c->rows[i++].nholders) {
		struct contention_row *row = &c->rows[i];
		const struct waits_object *o = spans_object(s, row->object);

		row->tgid = o ? o->tgid : spans_thread(s, row->longest_thread)->tgid;
		if (row->nholders) {
			qsort(c->holders + first, row->nholders, sizeof(*c->holders), contention_by_hold);
			row->holder = c->holders + first;
		}
	}
	if (c->nrows > 1)
		qsort(c->rows, c->nrows, sizeof(*c->rows), contention_by_total);
	*out = c;
	return 0;
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
