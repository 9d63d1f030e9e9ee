/* Lane summaries: the pyramid over a lane's closed blocks (see lanesum.h).
 *
 * Level 0 keeps, per block, its base and its top keys as fractions of its
 * time (32 bits each); levels 1 and up keep, per node, its base, its top
 * keys with their time and, in a thread lane, a row of one cache line:
 * the wakeup records and the time in each state before it. A node's start
 * (base, row) is written when its first block comes, its keys when its
 * last one does: so the start of the node after the last whole one is
 * known too, and the last whole node can be cut in proportion. Each
 * level is a few arrays read in time order by a frame's columns. */
#include "lanesum.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS 16 /* LANESUM_FAN^16 blocks: more than any memory holds */

/* A block's top keys (LANE_NONE for an unused slot), each with the part of
 * the block's time it held, in 1/2^32. */
struct leaf {
	uint32_t key[LANESUM_K];
	uint32_t frac[LANESUM_K];
};

/* A node of level 1 and up: its top keys and their time. */
struct node {
	uint32_t key[LANESUM_K];
	uint64_t amount[LANESUM_K];
};

/* A thread lane's node of level 1 and up: the wakeup records before it
 * (v[0]) and the time in each other state before it (v[s], in units of
 * 2^cshift ns, the lane's unit: a cache line a node, and a column's end
 * reads two adjacent ones). The time not alive is the rest. */
struct cumrow {
	uint32_t v[TL_STATE_MAX];
};

_Static_assert(sizeof(struct cumrow) == 64, "a row is a cache line");

/* One level: count whole nodes, and maybe the start of the next. */
struct level {
	uint64_t *base;
	struct leaf *leaf;       /* level 0 */
	struct node *node;       /* levels 1 and up */
	struct cumrow *cum;      /* levels 1 and up, thread lanes */
	size_t count;            /* whole nodes */
	size_t started;          /* nodes whose start is written (count or count + 1) */
	size_t capb, capl, capn, capc;
};

struct lanesum {
	bool thread;
	unsigned cshift;         /* the unit of the rows' times: 2^cshift ns */
	unsigned nlv;            /* levels with a node started */
	uint64_t end0;           /* the end of the last block pushed */
	struct level lv[LEVELS];
};

/* Blocks a node of level l covers. */
static size_t span_blocks(unsigned l)
{
	return (size_t)1 << (2 * l);
}

_Static_assert(LANESUM_FAN == 4, "span_blocks is LANESUM_FAN^l");

/* The end of node i of level l (< started - 1, or the last whole one of
 * level 0): the start of the next. */
static uint64_t node_end(const struct lanesum *ls, unsigned l, size_t i)
{
	const struct level *v = &ls->lv[l];

	return i + 1 < v->started ? v->base[i + 1] : ls->end0;
}

/* Key j of node i of level l and its time (LANE_NONE when unused). */
static uint32_t node_key(const struct lanesum *ls, unsigned l, size_t i, unsigned j, uint64_t *amount)
{
	const struct level *v = &ls->lv[l];

	if (l == 0) {
		uint64_t span = node_end(ls, 0, i) - v->base[i];

		*amount = (uint64_t)(((unsigned __int128)v->leaf[i].frac[j] * span) >> 32);
		return v->leaf[i].key[j];
	}
	*amount = v->node[i].amount[j];
	return v->node[i].key[j];
}

/* Adds node i of level l to ty, its time scaled by num / den (whole when
 * num == den). */
static void node_add(const struct lanesum *ls, unsigned l, size_t i, uint64_t num, uint64_t den,
		     struct lane_tally *ty)
{
	unsigned j;

	for (j = 0; j < LANESUM_K; j++) {
		uint64_t a;
		uint32_t key = node_key(ls, l, i, j, &a);

		if (key == LANE_NONE)
			break;
		if (num != den)
			a = den ? (uint64_t)((unsigned __int128)a * num / den) : 0;
		lane_tally_add(ty, key, a);
	}
}

/* The indexes of the LANESUM_K largest amounts of ty, best first (-1 when
 * fewer; the earliest on a tie). */
static void top_keys(const struct lane_tally *ty, int top[LANESUM_K])
{
	bool used[sizeof(ty->key) / sizeof(ty->key[0])] = { false };
	unsigned j, i;

	for (j = 0; j < LANESUM_K; j++) {
		int best = -1;

		for (i = 0; i < ty->n; i++)
			if (!used[i] && (best < 0 || ty->amount[i] > ty->amount[best]))
				best = (int)i;
		top[j] = best;
		if (best >= 0)
			used[best] = true;
	}
}

/* Makes the array *items of *cap items of size bytes hold need items,
 * growing it by a quarter (the summaries stay a small part of the lane:
 * doubling would leave up to half of them unused). */
static int grow(void *items, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap + *cap / 8 + 4;
	void *p, *old;

	if (need <= *cap)
		return 0;
	if (ncap < need)
		ncap = need;
	memcpy(&old, items, sizeof(old));
	p = realloc(old, ncap * size);
	if (!p)
		return -ENOMEM;
	memcpy(items, &p, sizeof(p));
	*cap = ncap;
	return 0;
}

#define GROW(items, cap, need) grow(&(items), &(cap), (need), sizeof(*(items)))

/* grow for the rows, which stay aligned on cache lines. */
static int grow_rows(struct cumrow **rows, size_t *cap, size_t need, size_t used)
{
	size_t ncap = *cap + *cap / 8 + 4;
	struct cumrow *p;

	if (need <= *cap)
		return 0;
	if (ncap < need)
		ncap = need;
	p = aligned_alloc(sizeof(*p), ncap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (used)
		memcpy(p, *rows, used * sizeof(*p));
	free(*rows);
	*rows = p;
	*cap = ncap;
	return 0;
}

/* Makes room for one more node's start in level l. */
static int level_reserve(struct lanesum *ls, unsigned l)
{
	struct level *v = &ls->lv[l];
	size_t need = v->started + 1;

	if (GROW(v->base, v->capb, need))
		return -ENOMEM;
	if (l == 0)
		return GROW(v->leaf, v->capl, need);
	if (GROW(v->node, v->capn, need))
		return -ENOMEM;
	return ls->thread ? grow_rows(&v->cum, &v->capc, need, v->started) : 0;
}

/* Level l >= 1: the node started is whole now; sums its children. */
static void level_close(struct lanesum *ls, unsigned l)
{
	struct level *v = &ls->lv[l];
	struct lane_tally ty = { .n = 0 };
	size_t i = v->count, c;
	int top[LANESUM_K];
	unsigned j;

	for (c = i * LANESUM_FAN; c < (i + 1) * LANESUM_FAN; c++)
		node_add(ls, l - 1, c, 1, 1, &ty);
	top_keys(&ty, top);
	for (j = 0; j < LANESUM_K; j++) {
		v->node[i].key[j] = top[j] < 0 ? LANE_NONE : ty.key[top[j]];
		v->node[i].amount[j] = top[j] < 0 ? 0 : ty.amount[top[j]];
	}
	v->count++;
}

/* Makes the unit of the rows coarser until t fits (rescaling the rows
 * written: it happens once each time the lane's length doubles past 2^32
 * units). */
static void unit_fit(struct lanesum *ls, uint64_t t)
{
	unsigned l, s, d = 0;
	size_t i;

	while ((t >> (ls->cshift + d)) > UINT32_MAX)
		d++;
	if (!d)
		return;
	for (l = 1; l < LEVELS; l++)
		for (i = 0; i < ls->lv[l].started; i++)
			for (s = 1; s < TL_STATE_MAX; s++)
				ls->lv[l].cum[i].v[s] >>= d;
	ls->cshift += d;
}

/* Writes a node's row from the time in each state and the wakeups before it. */
static void row_set(struct lanesum *ls, struct cumrow *row, const uint64_t cum[TL_STATE_MAX], uint32_t wakes)
{
	unsigned s;

	for (s = 1; s < TL_STATE_MAX; s++)
		unit_fit(ls, cum[s]);
	row->v[0] = wakes;
	for (s = 1; s < TL_STATE_MAX; s++)
		row->v[s] = (uint32_t)(cum[s] >> ls->cshift);
}

/* Whether the next block (number b) starts a node of level l: every
 * level's node 0 waits until it is whole (a lane of a few blocks keeps
 * no empty levels). */
static bool starts_node(unsigned l, size_t b)
{
	return l == 0 || (b > 0 && b % span_blocks(l) == 0);
}

/* Whether block b makes node 0 of level l >= 1 whole. */
static bool opens_level(const struct lanesum *ls, unsigned l, size_t b)
{
	return l >= 1 && (b + 1) % span_blocks(l) == 0 && ls->lv[l].started == 0;
}

/* Writes the start of node 0 of level l >= 1: the lane's start, nothing
 * before it. */
static void level_open(struct lanesum *ls, unsigned l)
{
	struct level *v = &ls->lv[l];

	v->base[0] = ls->lv[0].base[0];
	if (ls->thread)
		memset(&v->cum[0], 0, sizeof(v->cum[0]));
	v->started = 1;
	if (l + 1 > ls->nlv)
		ls->nlv = l + 1;
}

/* Appends the node of the next closed block (see lanesum.h). */
int lanesum_push(struct lanesum **lsp, uint64_t base, uint64_t end, const uint64_t cum[TL_STATE_MAX], uint32_t wakes,
		 const struct lane_tally *ty)
{
	struct lanesum *ls = *lsp;
	size_t b;
	unsigned l;
	int top[LANESUM_K];

	if (!ls) {
		ls = calloc(1, sizeof(*ls));
		if (!ls)
			return -ENOMEM;
		ls->thread = cum != NULL;
		*lsp = ls;
	}
	b = ls->lv[0].count;
	for (l = 0; l < LEVELS; l++) /* room first, so that a failure changes nothing */
		if ((starts_node(l, b) || opens_level(ls, l, b)) && level_reserve(ls, l))
			return -ENOMEM;
	for (l = 0; l < LEVELS && starts_node(l, b); l++) {
		struct level *v = &ls->lv[l];

		v->base[v->started] = base;
		if (l && ls->thread)
			row_set(ls, &v->cum[v->started], cum, wakes);
		v->started++;
		if (l + 1 > ls->nlv)
			ls->nlv = l + 1;
	}
	top_keys(ty, top); /* the block itself */
	for (l = 0; l < LANESUM_K; l++) {
		uint64_t span = end - base, a = top[l] < 0 ? 0 : ty->amount[top[l]];

		ls->lv[0].leaf[b].key[l] = top[l] < 0 ? LANE_NONE : ty->key[top[l]];
		ls->lv[0].leaf[b].frac[l] = !span ? 0 : a >= span ? UINT32_MAX
							 : (uint32_t)(((unsigned __int128)a << 32) / span);
	}
	ls->lv[0].count++;
	ls->end0 = end;
	for (l = 1; l < LEVELS && (b + 1) % span_blocks(l) == 0; l++) { /* the nodes it ends */
		if (!ls->lv[l].started)
			level_open(ls, l);
		level_close(ls, l);
	}
	return 0;
}

/* The last node i in [lo, hi) of level l with base <= t (base[lo] <= t). */
static size_t search(const struct level *v, size_t lo, size_t hi, uint64_t t)
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->base[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* search of [lo, hi) from a guess g: gallops from g until t is bracketed,
 * then halves the bracket. A lane as busy all along is found in a step
 * or two, in the cache line of the guess. */
static size_t search_from(const struct level *v, size_t lo, size_t hi, size_t g, uint64_t t)
{
	size_t step = 1, a, z;

	g = g < lo ? lo : g >= hi ? hi - 1 : g;
	if (v->base[g] <= t) { /* base[a] <= t */
		for (a = g; a + step < hi && v->base[a + step] <= t; step *= 2)
			a += step;
		return search(v, a, a + step < hi ? a + step : hi, t);
	}
	for (z = g; z - lo > step && v->base[z - step] > t; step *= 2) /* base[z] > t */
		z -= step;
	return search(v, z - lo > step ? z - step : lo, z, t);
}

/* The node of level l where t would be were the lane as busy all along. */
static size_t guess(const struct lanesum *ls, unsigned l, uint64_t t)
{
	uint64_t first = ls->lv[0].base[0], len = ls->end0 - first;

	if (!len || t <= first)
		return 0;
	return (size_t)((unsigned __int128)(t - first) * ls->lv[l].started / len);
}

/* Whether nodes i0 < i1 of level l make a span: at least LANESUM_MIN
 * apart, i1 whole and its successor started. */
static bool span_ok(const struct lanesum *ls, unsigned l, size_t i0, size_t i1)
{
	const struct level *v = &ls->lv[l];

	return i1 >= i0 + LANESUM_MIN && i1 < v->count && i1 + 1 < v->started;
}

/* Finds the level and nodes to sum [t0, t1) at (see lanesum.h): searches
 * the level where the window would cover LANESUM_MIN nodes of average
 * length, then moves up while it still covers enough, or down (a search
 * among a node's children) while it does not. */
bool lanesum_find(const struct lanesum *ls, uint64_t t0, uint64_t t1, unsigned min_level, struct lanesum_span *sp)
{
	const struct level *v;
	uint64_t len;
	size_t i0, i1;
	unsigned l;

	if (!ls || !ls->nlv || t1 <= t0 || t0 < ls->lv[0].base[0])
		return false;
	len = ls->end0 - ls->lv[0].base[0];
	if (ls->nlv <= min_level)
		return false;
	for (l = ls->nlv - 1;; l--) { /* the coarsest level whose nodes are short enough on average */
		if ((unsigned __int128)(t1 - t0) * ls->lv[l].started * 2 >= (unsigned __int128)len * LANESUM_MIN)
			break;
		if (l == min_level)
			return false;
	}
	v = &ls->lv[l];
	i0 = search_from(v, 0, v->started, guess(ls, l, t0), t0);
	i1 = search_from(v, i0, v->started, guess(ls, l, t1), t1);
	while (!span_ok(ls, l, i0, i1) && l > min_level) { /* finer */
		l--;
		v = &ls->lv[l];
		i0 = search(v, i0 * LANESUM_FAN, i0 + 1 < ls->lv[l + 1].started ? (i0 + 1) * LANESUM_FAN : v->started, t0);
		i1 = search(v, i1 * LANESUM_FAN, i1 + 1 < ls->lv[l + 1].started ? (i1 + 1) * LANESUM_FAN : v->started, t1);
	}
	if (!span_ok(ls, l, i0, i1))
		return false;
	while (l + 1 < ls->nlv && span_ok(ls, l + 1, i0 / LANESUM_FAN, i1 / LANESUM_FAN)) { /* coarser */
		l++;
		i0 /= LANESUM_FAN;
		i1 /= LANESUM_FAN;
	}
	sp->level = l;
	sp->i0 = i0;
	sp->i1 = i1;
	return true;
}

/* Adds the nodes [first, last) of level l, whole ones of the coarsest
 * levels that fit, to ty. */
static void add_range(const struct lanesum *ls, unsigned l, size_t first, size_t last, struct lane_tally *ty)
{
	for (; first < last && l < LEVELS; l++) {
		while (first < last && first % LANESUM_FAN)
			node_add(ls, l, first++, 1, 1, ty);
		while (first < last && last % LANESUM_FAN)
			node_add(ls, l, --last, 1, 1, ty);
		first /= LANESUM_FAN;
		last /= LANESUM_FAN;
	}
}

/* Adds the keys of blocks [first, last). */
void lanesum_add(const struct lanesum *ls, size_t first, size_t last, struct lane_tally *ty)
{
	if (ls)
		add_range(ls, 0, first, last, ty);
}

/* The part of node i of level l inside [t0, t1), as num / den. */
static void node_part(const struct lanesum *ls, unsigned l, size_t i, uint64_t t0, uint64_t t1, uint64_t *num,
		      uint64_t *den)
{
	uint64_t lo = ls->lv[l].base[i], hi = node_end(ls, l, i);

	lo = t0 > lo ? t0 : lo;
	hi = t1 < hi ? t1 : hi;
	*num = hi > lo ? hi - lo : 0;
	*den = node_end(ls, l, i) - ls->lv[l].base[i];
}

/* The keys of [t0, t1) over a span. */
void lanesum_span_tally(const struct lanesum *ls, const struct lanesum_span *sp, uint64_t t0, uint64_t t1,
			struct lane_tally *ty)
{
	uint64_t num, den;

	node_part(ls, sp->level, sp->i0, t0, t1, &num, &den);
	node_add(ls, sp->level, sp->i0, num, den, ty);
	add_range(ls, sp->level, sp->i0 + 1, sp->i1, ty);
	node_part(ls, sp->level, sp->i1, t0, t1, &num, &den);
	node_add(ls, sp->level, sp->i1, num, den, ty);
}

/* The time in each state but the first before t (within node i of level
 * l >= 1, which has a successor), counted in proportion within the node;
 * its wakeup records likewise, rounded, into *w. */
static void cum_at(const struct lanesum *ls, unsigned l, size_t i, uint64_t t, uint64_t cum[TL_STATE_MAX],
		   uint64_t *w)
{
	const struct level *v = &ls->lv[l];
	const uint32_t *a = v->cum[i].v, *b = v->cum[i + 1].v;
	uint64_t num = t - v->base[i], den = v->base[i + 1] - v->base[i], f;
	unsigned s;

	if (!den || num >= den) /* the node's whole time */
		f = (uint64_t)1 << 32;
	else /* its part before t, in 1/2^32 */
		f = (uint64_t)(((unsigned __int128)num << 32) / den);
	for (s = 1; s < TL_STATE_MAX; s++)
		cum[s] = ((uint64_t)a[s] << ls->cshift) + ((((uint64_t)(b[s] - a[s]) * f) >> 32) << ls->cshift);
	*w = a[0] + (((uint64_t)(b[0] - a[0]) * f + ((uint64_t)1 << 31)) >> 32);
}

/* Thread lanes: the time in each state and the wakeups of [t0, t1) over a
 * span. */
void lanesum_span_sum(const struct lanesum *ls, const struct lanesum_span *sp, uint64_t t0, uint64_t t1,
		      uint64_t sum[TL_STATE_MAX], uint64_t *wakes, uint64_t *inside, uint64_t *ends)
{
	const struct cumrow *r = ls->lv[sp->level].cum;
	uint64_t c0[TL_STATE_MAX], c1[TL_STATE_MAX], w0, w1, total = 0;
	unsigned s;

	cum_at(ls, sp->level, sp->i0, t0, c0, &w0);
	cum_at(ls, sp->level, sp->i1, t1, c1, &w1);
	for (s = 1; s < TL_STATE_MAX; s++) {
		sum[s] = c1[s] > c0[s] ? c1[s] - c0[s] : 0;
		if (total + sum[s] > t1 - t0) /* rounding */
			sum[s] = t1 - t0 - total;
		total += sum[s];
	}
	sum[0] = t1 - t0 - total;
	*wakes = w1 - w0;
	*inside = r[sp->i1].v[0] - r[sp->i0 + 1].v[0];
	*ends = (uint64_t)(r[sp->i0 + 1].v[0] - r[sp->i0].v[0]) + (r[sp->i1 + 1].v[0] - r[sp->i1].v[0]);
}

/* The time of node i of a level. */
void lanesum_node_time(const struct lanesum *ls, unsigned level, size_t i, uint64_t *start, uint64_t *end)
{
	*start = ls->lv[level].base[i];
	*end = node_end(ls, level, i);
}

/* The number of blocks pushed. */
size_t lanesum_blocks(const struct lanesum *ls)
{
	return ls ? ls->lv[0].count : 0;
}

/* Bytes held. */
size_t lanesum_memory(const struct lanesum *ls)
{
	size_t n;
	unsigned l;

	if (!ls)
		return 0;
	n = sizeof(*ls);
	for (l = 0; l < LEVELS; l++) {
		const struct level *v = &ls->lv[l];

		n += v->capb * sizeof(*v->base) + v->capl * sizeof(*v->leaf) + v->capn * sizeof(*v->node) +
		     v->capc * sizeof(*v->cum);
	}
	return n;
}

/* Frees it. */
void lanesum_free(struct lanesum *ls)
{
	unsigned l;

	if (!ls)
		return;
	for (l = 0; l < LEVELS; l++) {
		free(ls->lv[l].base);
		free(ls->lv[l].leaf);
		free(ls->lv[l].node);
		free(ls->lv[l].cum);
	}
	free(ls);
}
