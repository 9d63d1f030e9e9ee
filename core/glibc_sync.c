/* Which glibc object a futex word belongs to (see glibc_sync.h). The facts
 * used, for glibc 2.25-2.40 on x86-64 (nptl's struct layouts and the value
 * each wait expects):
 * - pthread_mutex_t (40 bytes): waits on __lock (+0) expecting 2; __owner
 *   (+8) is the holder's tid; __kind (+16) is a small set of flag bits. A
 *   PI mutex waits with FUTEX_LOCK_PI, and its word is the owner's tid.
 * - pthread_cond_t (48 bytes): a waiter sleeps on __g_signals[g] (+40/+44)
 *   expecting 0, having added 2 to __g_refs[g] (+16/+20, so 24 bytes before
 *   the word either way); __wrefs (+36) counts waiters in steps of 8.
 * - pthread_barrier_t (32 bytes): waits on current_round (+4) expecting a
 *   multiple of count (+8), with in (+0) past it.
 * - sem_t (32 bytes): waits on the value (+0) expecting 0; nwaiters (+4) is
 *   at least 1 then, private (+8) is 0 or FUTEX_PRIVATE_FLAG.
 * - pthread_rwlock_t (56 bytes): readers wait on __wrphase_futex (+8)
 *   expecting 3, writers on __writers_futex (+12) expecting 3 or on
 *   __wrphase_futex expecting 2; __cur_writer (+24) is the writer's tid.
 * - pthread_join waits on the joined thread's tid word expecting its tid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "glibc_sync.h"

#define FUTEX_CMD_MASK 0x7f
#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE 128
#define TID_MASK 0x3fffffffu

#define MUTEX_SIZE 40
#define COND_SIZE 48
#define BARRIER_SIZE 32
#define SEM_SIZE 32
#define RWLOCK_SIZE 56

/* The u32 at offset rel from the word (-GLIBC_WIN_BEFORE .. +28), or 0
 * with *ok false when that part of the window was not read. */
static uint32_t win_u32(const struct glibc_wait *w, int rel, bool *ok)
{
	int at = GLIBC_WIN_BEFORE + rel;
	uint32_t v;

	if (at < 0 || at + 4 > GLIBC_WIN_LEN || (rel < 0 ? !w->have_before : !w->have_after)) {
		*ok = false;
		return 0;
	}
	memcpy(&v, w->win + at, sizeof(v));
	return v;
}

/* Fills out with a wait of op on an object of kind at base. */
static void answer(struct glibc_object *out, uint32_t kind, uint32_t op, uint64_t base)
{
	out->kind = kind;
	out->op = op;
	out->base = base;
}

/* Whether tid is a thread of the waiting process. */
static bool is_thread(const struct glibc_context *c, int32_t tgid, uint32_t tid)
{
	return tid > 0 && tid <= TID_MASK && c->is_thread && c->is_thread(c->ctx, tgid, (int32_t)tid);
}

/* Whether a mutex's __kind word holds only the flags glibc sets there. */
static bool mutex_kind_plausible(uint32_t kind)
{
	return (kind & ~(0x3u | 0x10u | 0x20u | 0x40u | 0x80u | 0x100u | 0x200u)) == 0;
}

/* Whether v can be a condition variable's __wrefs with a waiter counted. */
static bool wrefs_plausible(uint32_t v)
{
	return v >= 8 && v < (1u << 19);
}

/* A mutex's word: the holder from __owner. */
static void as_mutex(const struct glibc_wait *w, const struct glibc_context *c, struct glibc_object *out)
{
	bool ok = true;
	uint32_t owner = win_u32(w, 8, &ok);

	answer(out, OP_KIND_MUTEX, OP_MUTEX_LOCK, w->word);
	if (ok && is_thread(c, w->tgid, owner))
		out->holder = (int32_t)owner;
}

/* An rwlock's wait through the word at offset off (8 or 12) of it. */
static void as_rwlock(const struct glibc_wait *w, const struct glibc_context *c, int off,
		      struct glibc_object *out)
{
	bool ok = true;
	uint32_t writer = win_u32(w, 24 - off, &ok);

	answer(out, OP_KIND_RWLOCK, off == 8 && w->val == 3 ? OP_RWLOCK_RDLOCK : OP_RWLOCK_WRLOCK,
	       w->word - (uint64_t)off);
	if (ok && is_thread(c, w->tgid, writer))
		out->holder = (int32_t)writer;
}

/* The condition variable whose __g_signals[0] or [1] the word is, as
 * __wrefs (counting this waiter) says (a base already known was taken by
 * by_known before). */
static void as_cond(const struct glibc_wait *w, struct glibc_object *out)
{
	bool ok = true;
	uint32_t wrefs0 = win_u32(w, -4, &ok);

	answer(out, OP_KIND_COND, OP_COND_WAIT, ok && !wrefs_plausible(wrefs0) ? w->word - 44 : w->word - 40);
}

/* Whether the word is a locked mutex's __lock by its neighbours: the wait
 * expects 2, __owner (+8) is a thread of the process and __kind (+16)
 * holds only mutex flags. No other layout has a live thread there: an
 * rwlock's word +8 is padding (0), a cond's +48 lies past it. */
static bool mutex_by_owner(const struct glibc_wait *w, const struct glibc_context *c)
{
	bool ok = true;
	uint32_t owner = win_u32(w, 8, &ok), kind = win_u32(w, 16, &ok);

	return ok && w->val == 2 && is_thread(c, w->tgid, owner) && mutex_kind_plausible(kind);
}

/* A word inside a symbol whose size is a whole number of one pthread type:
 * the type and the word's offset in its element decide, after a locked
 * mutex's own neighbours (a mutex inside a struct of 96 bytes, or in an
 * array of 48-byte structs, is at the offsets of a cond's or an rwlock's
 * words). Returns false when the symbol says nothing (a struct, a larger
 * object). */
static bool by_symbol(const struct glibc_wait *w, const struct glibc_symbol *s, const struct glibc_context *c,
		      struct glibc_object *out)
{
	uint64_t off = w->word - s->start;

	if (mutex_by_owner(w, c)) {
		as_mutex(w, c, out);
		return true;
	}
	if (s->size % MUTEX_SIZE == 0 && off % MUTEX_SIZE == 0 && w->val == 2) {
		as_mutex(w, c, out);
		return true;
	}
	if (s->size % COND_SIZE == 0 && (off % COND_SIZE == 40 || off % COND_SIZE == 44)) {
		answer(out, OP_KIND_COND, OP_COND_WAIT, w->word - (off % COND_SIZE));
		return true;
	}
	if (s->size % COND_SIZE == 0 && (off % COND_SIZE == 16 || off % COND_SIZE == 20)) {
		/* a signaller waiting for the old group's waiters to leave */
		answer(out, OP_KIND_COND, OP_COND_SIGNAL, w->word - (off % COND_SIZE));
		return true;
	}
	if (s->size % BARRIER_SIZE == 0 && off % BARRIER_SIZE == 4) {
		answer(out, OP_KIND_BARRIER, OP_BARRIER_WAIT, w->word - 4);
		return true;
	}
	if (s->size % SEM_SIZE == 0 && off % SEM_SIZE == 0 && w->val == 0) {
		answer(out, OP_KIND_SEM, OP_SEM_WAIT, w->word);
		return true;
	}
	if (s->size % RWLOCK_SIZE == 0 && (off % RWLOCK_SIZE == 8 || off % RWLOCK_SIZE == 12)) {
		as_rwlock(w, c, (int)(off % RWLOCK_SIZE), out);
		return true;
	}
	return false;
}

/* Whether an object of kind is already known at base in the process. */
static bool known(const struct glibc_wait *w, const struct glibc_context *c, uint64_t base, uint32_t kind)
{
	return c->known_object && c->known_object(c->ctx, w->tgid, base, kind);
}

/* A word of an object already known (an earlier wait named it): that
 * object, before any guess from the memory around, which changes as the
 * object is used (a cond's other __g_signals word turns non-zero and
 * makes it look like a sem). */
static bool by_known(const struct glibc_wait *w, const struct glibc_context *c, struct glibc_object *out)
{
	/* the words an object's waits are on, by their offset in it */
	static const struct { int off; uint32_t kind, op; } words[] = {
		{ 44, OP_KIND_COND, OP_COND_WAIT },     { 40, OP_KIND_COND, OP_COND_WAIT },     /* __g_signals */
		{ 16, OP_KIND_COND, OP_COND_SIGNAL },   { 20, OP_KIND_COND, OP_COND_SIGNAL },   /* __g_refs: signallers */
		{ 4, OP_KIND_BARRIER, OP_BARRIER_WAIT },                                         /* current_round */
		{ 8, OP_KIND_RWLOCK, 0 },               { 12, OP_KIND_RWLOCK, 0 },              /* as_rwlock says */
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!known(w, c, w->word - (uint64_t)words[i].off, words[i].kind))
			continue;
		if (words[i].kind == OP_KIND_RWLOCK)
			as_rwlock(w, c, words[i].off, out);
		else
			answer(out, words[i].kind, words[i].op, w->word - (uint64_t)words[i].off);
		return true;
	}
	return false;
}

/* Whether the word can be an rwlock's at offset off (8: __wrphase_futex,
 * 12: __writers_futex) by what follows it: __pad3 and __pad4 (+16, +20)
 * 0, __cur_writer (+24) 0 or a thread of the process, __shared (+28) 0 or
 * 1. (Its waits expect 3, or 2 for a writer waiting on __wrphase_futex
 * for the readers, whose count (__readers, +0, in eighths) is then not 0.) */
static bool rwlock_at(const struct glibc_wait *w, const struct glibc_context *c, int off)
{
	bool ok = true;
	uint32_t pad3 = win_u32(w, 16 - off, &ok), pad4 = win_u32(w, 20 - off, &ok),
		 writer = win_u32(w, 24 - off, &ok), shared = win_u32(w, 28 - off, &ok);

	return ok && pad3 == 0 && pad4 == 0 && (writer == 0 || is_thread(c, w->tgid, writer)) && shared <= 1;
}

/* A word with no symbol of its own type (the heap, a struct member): an
 * object known there, else the memory around it decides. Returns false
 * when no layout fits. */
static bool by_memory(const struct glibc_wait *w, const struct glibc_context *c, struct glibc_object *out)
{
	bool ok = true;
	uint32_t word = win_u32(w, 0, &ok), p4 = win_u32(w, 4, &ok), p8 = win_u32(w, 8, &ok),
		 p16 = win_u32(w, 16, &ok), m4 = win_u32(w, -4, &ok);
	bool okb = true;
	uint32_t m8 = win_u32(w, -8, &okb);
	int off;

	if (by_known(w, c, out))
		return true;
	if (!ok)
		return false;
	/* a writer waiting for the readers: (before the mutex, whose owner
	 * may read 0 too, but whose __nusers, +12, is not 0 while held) */
	if (w->val == 2 && okb && m8 >= 8 && rwlock_at(w, c, 8)) {
		as_rwlock(w, c, 8, out);
		return true;
	}
	if (w->val == 2 && mutex_kind_plausible(p16) && (p8 == 0 || is_thread(c, w->tgid, p8))) {
		as_mutex(w, c, out);
		return true;
	}
	/* a barrier's round: its in (-4) past the round by at most its count
	 * (+4); before the sem, whose layout round 0 also fits (a sem's -4 is
	 * another object's, rarely a count of arrivals: malloc's size word's
	 * upper half is 0) */
	if (p4 >= 1 && p4 < (1u << 20) && w->val % p4 == 0 && m4 > w->val && m4 - w->val <= p4 &&
	    (p8 == 0 || p8 == FUTEX_PRIVATE)) {
		answer(out, OP_KIND_BARRIER, OP_BARRIER_WAIT, w->word - 4);
		return true;
	}
	if (w->val == 0 && word == 0 && p4 >= 1 && p4 < (1u << 16) && (p8 == 0 || p8 == FUTEX_PRIVATE)) {
		answer(out, OP_KIND_SEM, OP_SEM_WAIT, w->word);
		return true;
	}
	if (w->val == 3 && (off = rwlock_at(w, c, 8) ? 8 : rwlock_at(w, c, 12) ? 12 : 0) != 0) {
		as_rwlock(w, c, off, out);
		return true;
	}
	if (w->val == 0 && okb && (wrefs_plausible(m4) || wrefs_plausible(m8))) {
		as_cond(w, out);
		return true;
	}
	return false;
}

/* The bytes of a glibc object of kind (0: a plain word). */
static uint64_t kind_size(uint32_t kind)
{
	switch (kind) {
	case OP_KIND_MUTEX: return MUTEX_SIZE;
	case OP_KIND_COND: return COND_SIZE;
	case OP_KIND_BARRIER: return BARRIER_SIZE;
	case OP_KIND_SEM: return SEM_SIZE;
	case OP_KIND_RWLOCK: return RWLOCK_SIZE;
	default: return 0;
	}
}

/* Whether the object a guess from memory made lies inside the variable
 * that holds the word: a C++20 std::counting_semaphore is a 4-byte
 * variable of its own, whose futex word was taken for a cond's 44 bytes
 * in, the cond starting inside the variable before it. */
static bool fits_symbol(const struct glibc_object *o, const struct glibc_symbol *sym)
{
	uint64_t size = kind_size(o->kind);

	return !size || (o->base >= sym->start && o->base - sym->start <= sym->size &&
			 size <= sym->size - (o->base - sym->start));
}

/* Keeps out's object inside the variable holding the word: a cond whose
 * guessed start does not fit may be the other of its two words' (a cond
 * at the end of a struct, its __g_signals[1] taken for [0]); anything
 * else that does not fit is a futex of that variable. */
static void keep_inside(const struct glibc_wait *w, const struct glibc_symbol *sym, struct glibc_object *out)
{
	if (fits_symbol(out, sym))
		return;
	if (out->kind == OP_KIND_COND && (w->word - out->base == 40 || w->word - out->base == 44)) {
		out->base = w->word - (w->word - out->base == 40 ? 44 : 40);
		if (fits_symbol(out, sym))
			return;
	}
	memset(out, 0, sizeof(*out));
	answer(out, OP_KIND_FUTEX, OP_SYS_FUTEX, w->word);
}

/* Classifies one futex wait (see glibc_sync.h). */
void glibc_sync_classify(const struct glibc_wait *w, const struct glibc_symbol *sym,
			 const struct glibc_context *c, struct glibc_object *out)
{
	uint32_t cmd = w->futex_op & FUTEX_CMD_MASK;
	bool ok = true;
	uint32_t word;

	memset(out, 0, sizeof(*out));
	answer(out, OP_KIND_FUTEX, OP_SYS_FUTEX, w->word);
	if (!c->layout_known)
		return;
	word = win_u32(w, 0, &ok);
	if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2) {
		/* a PI mutex: its word is the owner's tid */
		answer(out, OP_KIND_MUTEX, OP_MUTEX_LOCK, w->word);
		if (ok && is_thread(c, w->tgid, word & TID_MASK))
			out->holder = (int32_t)(word & TID_MASK);
		return;
	}
	if (cmd == FUTEX_WAIT_REQUEUE_PI) {
		answer(out, OP_KIND_COND, OP_COND_WAIT, w->word); /* a condvar with a PI mutex */
		return;
	}
	if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return;
	if (sym && sym->found && sym->opaque)
		return; /* (a futex of that variable) */
	if (sym && sym->found && by_symbol(w, sym, c, out)) {
		keep_inside(w, sym, out); /* (a mutex by its owner: before any size) */
		return;
	}
	/* a join: the word is the thread's tid until the kernel clears it as
	 * the thread exits (CLONE_CHILD_CLEARTID), and a joiner that went to
	 * sleep just before may be seen asleep after: the word then reads 0
	 * (1% of the joins of a program making threads in a loop) */
	if (w->val && is_thread(c, w->tgid, w->val) &&
	    (!ok || word == w->val || (word == 0 && c->exited && c->exited(c->ctx, w->tgid, (int32_t)w->val)))) {
		answer(out, OP_KIND_THREAD, OP_JOIN, w->word);
		out->target = (int32_t)w->val;
		return;
	}
	if (by_memory(w, c, out) && sym && sym->found)
		keep_inside(w, sym, out);
}

/* Whether glibc major.minor has the layouts known here. */
bool glibc_sync_layout_known(int major, int minor)
{
	return major == 2 && minor >= 25 && minor <= 40;
}

/* Finds "release version M.N" in buf. */
bool glibc_sync_parse_version(const char *buf, size_t len, int *major, int *minor)
{
	static const char key[] = "release version ";
	const char *p = buf, *end = buf + len;

	while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) != NULL) {
		const char *q = p + sizeof(key) - 1;
		int a = 0, b = 0, da = 0, db = 0;

		for (; q < end && *q >= '0' && *q <= '9' && da < 4; q++, da++)
			a = a * 10 + (*q - '0');
		if (da && q < end && *q == '.') {
			for (q++; q < end && *q >= '0' && *q <= '9' && db < 4; q++, db++)
				b = b * 10 + (*q - '0');
			if (db) {
				*major = a;
				*minor = b;
				return true;
			}
		}
		p += sizeof(key) - 1;
	}
	return false;
}

/* The wake op of a futex wake through an object of kind. */
uint32_t glibc_sync_wake_op(uint32_t kind, uint32_t count)
{
	switch (kind) {
	case OP_KIND_MUTEX: return OP_MUTEX_UNLOCK;
	case OP_KIND_COND: return count > 1 ? OP_COND_BROADCAST : OP_COND_SIGNAL;
	case OP_KIND_BARRIER: return OP_BARRIER_WAIT;
	case OP_KIND_SEM: return OP_SEM_POST;
	case OP_KIND_RWLOCK: return OP_RWLOCK_UNLOCK;
	default: return OP_SYS_FUTEX;
	}
}

/* The size of one object of kind named without offsets, or 0 (a mutex and
 * an rwlock keep variable+offset). */
static uint64_t whole_object_size(uint32_t kind)
{
	return kind == OP_KIND_MUTEX || kind == OP_KIND_RWLOCK ? 0 : kind_size(kind);
}

/* Names an object of kind delta bytes into symbol sym (see glibc_sync.h). */
void glibc_sync_object_name(uint32_t kind, const char *sym, uint64_t delta, uint64_t sym_size, char *buf,
			    size_t len)
{
	uint64_t size = whole_object_size(kind);

	if (!len)
		return;
	if (!size) {
		if (delta)
			snprintf(buf, len, "%s+%llu", sym, (unsigned long long)delta);
		else
			snprintf(buf, len, "%s", sym);
		return;
	}
	/* an element of an array of them: its index; a member of a struct,
	 * or the variable itself: the variable's name */
	if (delta % size == 0 && (sym_size ? sym_size > size && sym_size % size == 0 : delta > 0))
		snprintf(buf, len, "%s[%llu]", sym, (unsigned long long)(delta / size));
	else
		snprintf(buf, len, "%s", sym);
}

/* Rewrites an older "sym+delta" name of an object of kind (see glibc_sync.h). */
void glibc_sync_object_rename(uint32_t kind, char *name, size_t len)
{
	char *plus = strrchr(name, '+'), *end;
	unsigned long long delta;
	char sym[256];

	if (!whole_object_size(kind) || !plus || plus == name || plus[1] < '0' || plus[1] > '9')
		return;
	delta = strtoull(plus + 1, &end, 10);
	if (*end || (size_t)(plus - name) >= sizeof(sym))
		return;
	memcpy(sym, name, (size_t)(plus - name));
	sym[plus - name] = 0;
	glibc_sync_object_name(kind, sym, delta, 0, name, len);
}
