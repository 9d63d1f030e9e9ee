/* The overview: a coarse summary of what a timeline's trims forgot (see
 * overview.h). Buckets hold shares in 255ths of the time they cover, so
 * that a bucket covered in two fills, or two buckets merged by a
 * coarsening, are combined by weighing each with its time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "overview.h"

#define SHARE_ONE 255u
#define COARSEN_MAX 64 /* doublings of the width at most */
#define WIDTH_MAX (UINT64_MAX / (4 * OVERVIEW_BUCKETS)) /* no doubling past it: the grid's ends stay
							  * below 2^64 (a trace's times reach 2^64
							  * only in a crafted file) */

/* One bucket of one lane. */
struct ov_bucket {
	uint32_t key[2];   /* the two keys that held the most of it (LANE_NONE: none) */
	uint32_t wakes;    /* wakeup records (saturated) */
	int16_t cpu;       /* thread lanes: the CPU it ran on most, -1 */
	uint8_t share[2];  /* key[j]'s share of the bucket's covered time */
	uint8_t cpu_share; /* the share it ran on cpu */
	uint8_t run;       /* the share of ov_part's run_ns (CPU lanes: the program's threads;
			    * thread lanes: on a CPU) */
	uint8_t ready;     /* thread lanes: the share waiting for a CPU */
	uint8_t alive;     /* thread lanes: the share alive */
};

/* One lane's buckets: first, first + 1, ... first + n - 1, covering time
 * up to until (the end of the fill that last added to it); after it, the
 * lane is key 0 (a thread gone, whose lane no later trim named). */
struct ov_lane {
	struct ov_bucket *b;   /* room for lane_room(n) */
	uint64_t until;
	uint32_t first, n;
};

struct overview {
	uint64_t width;             /* of a bucket */
	uint64_t from, to;          /* what it covers */
	uint64_t fill_to;           /* the fill under way covers [to, fill_to) */
	bool begun;
	struct ov_lane *lanes[2];   /* by family, by lane index */
	size_t nlanes[2], caplanes[2];
	size_t budget;
	size_t bytes;               /* the lane arrays' and the buckets' room */
	size_t lanes_used;          /* lanes with a bucket or more */
};

/* A bucket of what the overview knows nothing of: key 0 all along. */
static const struct ov_bucket ov_absent = {{0, LANE_NONE}, 0, -1, {SHARE_ONE, 0}, 0, 0, 0, 0};

/* Makes an empty overview (see overview.h). */
int overview_new(struct overview **out, size_t budget)
{
	struct overview *ov = calloc(1, sizeof(*ov));

	*out = ov;
	if (!ov)
		return -ENOMEM;
	ov->width = OVERVIEW_WIDTH0;
	ov->budget = budget;
	return 0;
}

/* Frees it. */
void overview_free(struct overview *ov)
{
	if (!ov)
		return;
	for (unsigned f = 0; f < 2; f++) {
		for (size_t i = 0; i < ov->nlanes[f]; i++)
			free(ov->lanes[f][i].b);
		free(ov->lanes[f]);
	}
	free(ov);
}

/* Where bucket k of width w starts, UINT64_MAX past the clock's end. */
static uint64_t bucket_start(uint64_t k, uint64_t w)
{
	return k > UINT64_MAX / w ? UINT64_MAX : k * w;
}

/* Where bucket k of width w ends (the next one's start). */
static uint64_t bucket_end(uint64_t k, uint64_t w)
{
	return bucket_start(k + 1, w);
}

/* The length of bucket k's part of [from, end) at width w. */
static uint64_t cover_len(const struct overview *ov, uint64_t w, uint64_t k, uint64_t end)
{
	uint64_t a = bucket_start(k, w), b = bucket_end(k, w);

	if (a < ov->from)
		a = ov->from;
	if (b > end)
		b = end;
	return b > a ? b - a : 0;
}

/* Writes the two largest of n amounts (times scale: in 255ths of a
 * nanosecond) as shares of whole into b's keys. (No tally is copied or
 * cleared: a trim of a program of 100 000 threads fills a bucket or more
 * of each at every trim.) */
static void bucket_keys(struct ov_bucket *b, const uint32_t *key, const uint64_t *amount, unsigned n, uint64_t scale,
			uint64_t whole)
{
	int best[2] = {-1, -1};

	for (unsigned k = 0; k < n; k++) {
		if (best[0] < 0 || amount[k] > amount[best[0]]) {
			best[1] = best[0];
			best[0] = (int)k;
		} else if (best[1] < 0 || amount[k] > amount[best[1]]) {
			best[1] = (int)k;
		}
	}
	for (unsigned j = 0; j < 2; j++) {
		uint64_t s = best[j] < 0 || !whole ? 0 : (amount[best[j]] * scale + whole / 2) / whole;

		b->key[j] = s ? key[best[j]] : LANE_NONE;
		b->share[j] = (uint8_t)(s < SHARE_ONE ? s : SHARE_ONE);
	}
}

/* A share of len in 255ths, rounded. */
static uint8_t share_of(uint64_t part, uint64_t len)
{
	uint64_t s = len ? (part * SHARE_ONE + len / 2) / len : 0;

	return (uint8_t)(s < SHARE_ONE ? s : SHARE_ONE);
}

/* The bucket of a part of len nanoseconds. */
static void bucket_of_part(struct ov_bucket *b, const struct ov_part *p, uint64_t len)
{
	bucket_keys(b, p->ty.key, p->ty.amount, p->ty.n, SHARE_ONE, len);
	b->wakes = p->wakes < UINT32_MAX ? (uint32_t)p->wakes : UINT32_MAX;
	b->cpu = p->cpu;
	b->cpu_share = p->cpu >= 0 ? share_of(p->cpu_ns, len) : 0;
	b->run = share_of(p->run_ns, len);
	b->ready = share_of(p->ready_ns, len);
	b->alive = share_of(p->alive_ns, len);
}

/* x (covering wx) and y (wy) as one bucket, by time. */
static void bucket_merge(struct ov_bucket *out, const struct ov_bucket *x, uint64_t wx, const struct ov_bucket *y,
			 uint64_t wy)
{
	uint64_t whole = wx + wy, wakes = (uint64_t)x->wakes + y->wakes, amount[4];
	uint64_t cx = (uint64_t)x->cpu_share * wx, cy = (uint64_t)y->cpu_share * wy;
	uint32_t key[4];
	unsigned n = 0, j, k;
	struct ov_bucket m;

	if (!whole) {
		*out = *x;
		return;
	}
	for (j = 0; j < 4; j++) { /* x's two keys, then y's, the same key added up */
		const struct ov_bucket *b = j < 2 ? x : y;
		uint64_t a = (uint64_t)b->share[j % 2] * (j < 2 ? wx : wy);

		if (!a)
			continue;
		for (k = 0; k < n && key[k] != b->key[j % 2]; k++)
			;
		if (k == n) {
			key[n] = b->key[j % 2];
			amount[n++] = 0;
		}
		amount[k] += a;
	}
	memset(&m, 0, sizeof(m));
	bucket_keys(&m, key, amount, n, 1, whole);
	m.wakes = wakes < UINT32_MAX ? (uint32_t)wakes : UINT32_MAX;
	m.cpu = cx >= cy ? x->cpu : y->cpu;
	if (x->cpu == y->cpu)
		m.cpu_share = (uint8_t)((cx + cy + whole / 2) / whole); /* (one CPU all along: its time adds up) */
	else
		m.cpu_share = (uint8_t)(((cx >= cy ? cx : cy) + whole / 2) / whole);
	if (m.cpu < 0)
		m.cpu_share = 0;
	m.run = (uint8_t)(((uint64_t)x->run * wx + (uint64_t)y->run * wy + whole / 2) / whole);
	m.ready = (uint8_t)(((uint64_t)x->ready * wx + (uint64_t)y->ready * wy + whole / 2) / whole);
	m.alive = (uint8_t)(((uint64_t)x->alive * wx + (uint64_t)y->alive * wy + whole / 2) / whole);
	*out = m;
}

/* Bucket k of a lane, or the absent one. */
static const struct ov_bucket *lane_bucket(const struct ov_lane *L, uint64_t k)
{
	if (L->n && k >= L->first && k - L->first < L->n)
		return &L->b[k - L->first];
	return &ov_absent;
}

/* The room a lane of n buckets has: n rounded up to a power of two (a
 * lane keeps no count of its own: a thread's slot stays small). */
static size_t lane_room(size_t n)
{
	size_t c = 1;

	while (c < n)
		c <<= 1;
	return n ? c : 0;
}

/* Resizes a lane of old buckets' room to n buckets' (n > 0), counting it.
 * Returns 0 or -ENOMEM (the lane as it was). */
static int lane_resize(struct overview *ov, struct ov_lane *L, size_t old, size_t n)
{
	size_t was = lane_room(old), room = lane_room(n);
	struct ov_bucket *b;

	if (room == was)
		return 0;
	b = realloc(L->b, room * sizeof(*b));
	if (!b)
		return -ENOMEM;
	L->b = b;
	ov->bytes = ov->bytes - was * sizeof(*b) + room * sizeof(*b);
	return 0;
}

/* Doubles the width: every lane's buckets merged two by two, each
 * weighed by the time it covers. Returns whether a lane still has more
 * than one bucket (a later doubling can merge them: two buckets across an
 * odd boundary stay two after one). */
static bool coarsen(struct overview *ov)
{
	uint64_t w = ov->width;
	bool more = false;

	if (w > WIDTH_MAX)
		return false;
	for (unsigned f = 0; f < 2; f++) {
		for (size_t i = 0; i < ov->nlanes[f]; i++) {
			struct ov_lane *L = &ov->lanes[f][i];
			uint64_t j0, j1, j;

			if (!L->n)
				continue;
			j0 = L->first / 2;
			j1 = (L->first + (uint64_t)L->n - 1) / 2;
			for (j = j0; j <= j1; j++) {
				/* (read before written: bucket j - j0 is at or before 2j - first) */
				struct ov_bucket x = *lane_bucket(L, 2 * j), y = *lane_bucket(L, 2 * j + 1);

				bucket_merge(&L->b[j - j0], &x, cover_len(ov, w, 2 * j, L->until), &y,
					     cover_len(ov, w, 2 * j + 1, L->until));
			}
			L->first = (uint32_t)j0;
			(void)lane_resize(ov, L, L->n, (size_t)(j1 - j0 + 1)); /* (failing, it keeps its room) */
			L->n = (uint32_t)(j1 - j0 + 1);
			more |= L->n > 1;
		}
	}
	ov->width = 2 * w;
	return more;
}

/* Starts a fill of [from, t) (see overview.h). */
int overview_begin(struct overview *ov, uint64_t from, uint64_t t)
{
	unsigned n = 0;

	if (!ov->begun) {
		ov->from = ov->to = from;
		ov->begun = true;
	} else if (from != ov->to) {
		return -EINVAL;
	}
	if (t < from)
		return -EINVAL;
	while (t && (t - 1) / OVERVIEW_BUCKETS >= ov->width && ov->width <= WIDTH_MAX && n++ < COARSEN_MAX)
		coarsen(ov);
	ov->fill_to = t;
	return 0;
}

/* Lane i of family f, made (with those before it) when new; NULL when out
 * of memory. */
static struct ov_lane *lane_get(struct overview *ov, enum ov_family f, size_t i)
{
	size_t old = ov->caplanes[f];

	if (i >= ov->nlanes[f]) {
		if (VEC_RESERVE(ov->lanes[f], ov->caplanes[f], i + 1))
			return NULL;
		ov->bytes += (ov->caplanes[f] - old) * sizeof(struct ov_lane);
		memset(&ov->lanes[f][ov->nlanes[f]], 0, (i + 1 - ov->nlanes[f]) * sizeof(struct ov_lane));
		ov->nlanes[f] = i + 1;
	}
	return &ov->lanes[f][i];
}

/* Room in L for bucket k, the buckets between its last and k absent.
 * Returns 0 or -ENOMEM. */
static int lane_reach(struct overview *ov, struct ov_lane *L, uint64_t k)
{
	size_t need;

	if (!L->n)
		L->first = (uint32_t)k;
	need = (size_t)(k - L->first) + 1;
	if (need <= L->n)
		return 0;
	if (lane_resize(ov, L, L->n, need))
		return -ENOMEM;
	ov->lanes_used += !L->n;
	for (; L->n < need; L->n++)
		L->b[L->n] = ov_absent;
	return 0;
}

/* Adds a part [a, b) of bucket k to a lane: merged with what the bucket
 * covered before a (the lane's own part of it up to until, key 0 from
 * there). A lane starts at its first bucket that is not all key 0, and
 * buckets all key 0 past its end wait for one that is not. */
static int lane_put(struct overview *ov, struct ov_lane *L, uint64_t k, uint64_t a, uint64_t b,
		    const struct ov_part *p)
{
	uint64_t w = ov->width, before = cover_len(ov, w, k, a), own = L->n ? cover_len(ov, w, k, L->until) : 0;
	struct ov_bucket nb, cur;
	int r;

	bucket_of_part(&nb, p, b - a);
	if ((!L->n || k >= L->first + (uint64_t)L->n) && nb.key[0] == 0 && nb.share[0] == SHARE_ONE)
		return 0;
	if (L->n && k < L->first)
		return -EINVAL; /* (fills come in time order) */
	own = own < before ? own : before;
	bucket_merge(&cur, lane_bucket(L, k), own, &ov_absent, before - own);
	r = lane_reach(ov, L, k);
	if (r)
		return r;
	bucket_merge(&L->b[k - L->first], &cur, before, &nb, b - a);
	L->until = b;
	return 0;
}

/* Adds lane i over the fill (see overview.h). */
int overview_add(struct overview *ov, enum ov_family f, size_t i, uint64_t lo, uint64_t hi, ov_sum_fn fn, void *ctx)
{
	struct ov_lane *L;
	uint64_t w = ov->width, k, a, b, k0;
	struct ov_part p;
	int r;

	if (ov->fill_to <= ov->to || hi <= ov->to || lo >= ov->fill_to || lo >= hi)
		return 0;
	L = lane_get(ov, f, i);
	if (!L)
		return -ENOMEM;
	k0 = (lo > ov->to ? lo : ov->to) / w;
	if (L->n && L->first + (uint64_t)L->n - 1 == ov->to / w)
		k0 = ov->to / w; /* (its last bucket, cut by the last fill, is completed) */
	for (k = k0; bucket_start(k, w) < ov->fill_to && bucket_start(k, w) < hi; k++) {
		a = bucket_start(k, w) > ov->to ? bucket_start(k, w) : ov->to;
		b = bucket_end(k, w) < ov->fill_to ? bucket_end(k, w) : ov->fill_to;
		p.ty.n = 0; /* (the tally's room is not cleared: every lane's every bucket comes here) */
		p.ty.whole = p.cpu_ns = p.wakes = p.run_ns = p.ready_ns = p.alive_ns = 0;
		p.cpu = -1;
		r = fn(ctx, i, a, b, &p);
		if (!r)
			r = lane_put(ov, L, k, a, b, &p);
		if (r)
			return r;
	}
	return 0;
}

/* What no coarsening frees: a bucket for each lane that has one, and the
 * lanes' slots. The budget is for the rest (a lane's first bucket is
 * counted with its thread's other records, as no trim frees those). */
static size_t floor_bytes(const struct overview *ov)
{
	return ov->lanes_used * sizeof(struct ov_bucket) + (ov->caplanes[0] + ov->caplanes[1]) * sizeof(struct ov_lane);
}

/* Ends the fill (see overview.h). */
void overview_end(struct overview *ov)
{
	unsigned n = 0;

	if (ov->fill_to > ov->to)
		ov->to = ov->fill_to;
	while (ov->bytes > ov->budget + floor_bytes(ov) && ov->width <= WIDTH_MAX && n++ < COARSEN_MAX)
		if (!coarsen(ov))
			break; /* (a bucket a lane: nothing more to merge) */
}

/* Whether its budget holds a bucket for each of n lanes (see overview.h). */
bool overview_room_for(const struct overview *ov, size_t n)
{
	return n <= ov->budget / (sizeof(struct ov_lane) + sizeof(struct ov_bucket));
}

/* Forgets every lane's buckets (see overview.h). */
void overview_restart(struct overview *ov, uint64_t t)
{
	for (unsigned f = 0; f < 2 && ov->lanes_used; f++) {
		for (size_t i = 0; i < ov->nlanes[f]; i++) {
			struct ov_lane *L = &ov->lanes[f][i];

			ov->bytes -= lane_room(L->n) * sizeof(struct ov_bucket);
			free(L->b);
			memset(L, 0, sizeof(*L));
		}
	}
	ov->lanes_used = 0;
	ov->from = ov->to = ov->fill_to = t;
}

/* What it covers. */
uint64_t overview_from(const struct overview *ov)
{
	return ov->from;
}

uint64_t overview_to(const struct overview *ov)
{
	return ov->to;
}

/* The width of a bucket. */
uint64_t overview_width(const struct overview *ov)
{
	return ov->width;
}

/* The width once it reaches t (see overview.h). */
uint64_t overview_width_at(const struct overview *ov, uint64_t t)
{
	uint64_t w = ov->width;
	unsigned n = 0;

	while (t && (t - 1) / OVERVIEW_BUCKETS >= w && w <= WIDTH_MAX && n++ < COARSEN_MAX)
		w *= 2;
	return w;
}

/* Adds lane i's summary of [t0, t1) (see overview.h). */
uint64_t overview_sum(const struct overview *ov, enum ov_family f, size_t i, uint64_t t0, uint64_t t1,
		      struct ov_part *out)
{
	static const struct ov_lane none;
	const struct ov_lane *L = i < ov->nlanes[f] ? &ov->lanes[f][i] : &none;
	uint64_t w = ov->width, k, a, b, len, o, covered = 0;

	if (t0 < ov->from)
		t0 = ov->from;
	if (t1 > ov->to)
		t1 = ov->to;
	if (t1 <= t0)
		return 0;
	for (k = t0 / w; bucket_start(k, w) < t1; k++) {
		const struct ov_bucket *bk = lane_bucket(L, k);
		uint64_t on;

		a = bucket_start(k, w) > t0 ? bucket_start(k, w) : t0;
		b = bucket_end(k, w) < t1 ? bucket_end(k, w) : t1;
		covered += b - a;
		/* the lane's own part of the bucket ends at its until: key 0 after */
		len = cover_len(ov, w, k, L->until);
		o = b < L->until ? b - a : L->until > a ? L->until - a : 0;
		if (b - a > o)
			lane_tally_add(&out->ty, 0, b - a - o);
		for (unsigned j = 0; j < 2; j++)
			if (bk->share[j])
				lane_tally_add(&out->ty, bk->key[j], bk->share[j] * o / SHARE_ONE);
		if (len)
			out->wakes += (uint64_t)((double)bk->wakes * (double)o / (double)len + 0.5);
		out->run_ns += bk->run * o / SHARE_ONE;
		out->ready_ns += bk->ready * o / SHARE_ONE;
		out->alive_ns += bk->alive * o / SHARE_ONE;
		on = bk->cpu_share * o / SHARE_ONE;
		if (bk->cpu >= 0 && on > out->cpu_ns) {
			out->cpu = bk->cpu;
			out->cpu_ns = on;
		}
	}
	return covered;
}

/* Bytes held. */
size_t overview_memory(const struct overview *ov)
{
	return ov ? sizeof(*ov) + ov->bytes : 0;
}
