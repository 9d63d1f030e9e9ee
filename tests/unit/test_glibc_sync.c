/* Unit tests of core/glibc_sync.c: futex words to glibc objects, from
 * symbols and from the memory around the word, and the refusals. */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "glibc_sync.h"

#define WAIT_PRIVATE 128u         /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define BITSET_PRIVATE (9u | 128u) /* FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG */

static uint8_t win[GLIBC_WIN_LEN];

/* Sets the u32 at offset rel from the word in the window. */
static void put(int rel, uint32_t v)
{
	memcpy(win + GLIBC_WIN_BEFORE + rel, &v, sizeof(v));
}

/* Threads 501-504 belong to process 500. */
static bool is_thread(void *ctx, int32_t tgid, int32_t tid)
{
	(void)ctx;
	return tgid == 500 && tid >= 501 && tid <= 504;
}

static const struct glibc_context known = { .layout_known = true, .is_thread = is_thread };

/* Thread 503 has exited. */
static bool exited(void *ctx, int32_t tgid, int32_t tid)
{
	(void)ctx;
	return tgid == 500 && tid == 503;
}

static const struct glibc_context exiting = { .layout_known = true, .is_thread = is_thread, .exited = exited };

/* Classifies a wait on word with val, the window as set up. */
static struct glibc_object classify(uint64_t word, uint32_t op, uint32_t val, const struct glibc_symbol *sym,
				    const struct glibc_context *c)
{
	struct glibc_wait w = { word, op, val, win, true, true, 500 };
	struct glibc_object o;

	glibc_sync_classify(&w, sym, c, &o);
	return o;
}

/* Objects that are variables of their own type: the symbol decides. */
static void test_symbols(void)
{
	struct glibc_symbol mutex = { true, 0x1000, 40, false }, cond = { true, 0x2000, 48, false },
			    bar = { true, 0x3000, 32, false }, forks = { true, 0x4000, 200, false }, rw = { true, 0x5000, 56, false };
	struct glibc_object o;

	memset(win, 0, sizeof(win));
	put(0, 2);
	put(8, 502);
	o = classify(0x1000, WAIT_PRIVATE, 2, &mutex, &known);
	CHECK(o.kind == OP_KIND_MUTEX && o.op == OP_MUTEX_LOCK && o.base == 0x1000 && o.holder == 502,
	      "glibc: a wait on a mutex variable's lock word, with its owner as holder");
	o = classify(0x4000 + 3 * 40, WAIT_PRIVATE, 2, &forks, &known);
	CHECK(o.kind == OP_KIND_MUTEX && o.base == 0x4000 + 120, "glibc: the fourth mutex of an array");
	memset(win, 0, sizeof(win));
	o = classify(0x2000 + 44, BITSET_PRIVATE, 0, &cond, &known);
	CHECK(o.kind == OP_KIND_COND && o.op == OP_COND_WAIT && o.base == 0x2000,
	      "glibc: __g_signals[1] of a condition variable is the condition variable, no offset");
	o = classify(0x2000 + 16, WAIT_PRIVATE, 3, &cond, &known);
	CHECK(o.kind == OP_KIND_COND && o.op == OP_COND_SIGNAL && o.base == 0x2000,
	      "glibc: a signaller waiting on __g_refs waits in cond_signal");
	o = classify(0x3000 + 4, WAIT_PRIVATE, 6, &bar, &known);
	CHECK(o.kind == OP_KIND_BARRIER && o.base == 0x3000, "glibc: a barrier's current_round");
	o = classify(0x3000, BITSET_PRIVATE, 0, &bar, &known);
	CHECK(o.kind == OP_KIND_SEM && o.op == OP_SEM_WAIT, "glibc: a 32-byte object waited on at 0 expecting 0: a sem_t");
	{
		/* libstdc++'s atomic-wait table: 16 entries of 128 bytes */
		struct glibc_symbol pool = { true, 0x9000, 0x800, true };

		o = classify(0x9000 + 14 * 128 + 64, BITSET_PRIVATE, 0, &pool, &known);
		CHECK(o.kind == OP_KIND_FUTEX && o.base == 0x9000 + 14 * 128 + 64,
		      "glibc: a word of a C++ library's atomic-wait table is a futex, not the sem_t its size fits "
		      "(std::barrier was a 'sem')");
	}
	put(24 - 12, 503); /* __cur_writer (+24), 12 bytes past __writers_futex (+12) */
	o = classify(0x5000 + 12, WAIT_PRIVATE, 3, &rw, &known);
	CHECK(o.kind == OP_KIND_RWLOCK && o.op == OP_RWLOCK_WRLOCK && o.base == 0x5000 && o.holder == 503,
	      "glibc: a writer waiting on __writers_futex, the writer holding it named");
	o = classify(0x5000 + 8, WAIT_PRIVATE, 3, &rw, &known);
	CHECK(o.kind == OP_KIND_RWLOCK && o.op == OP_RWLOCK_RDLOCK, "glibc: a reader waiting on __wrphase_futex");
}

/* Objects with no symbol of their own type: the memory decides. */
static void test_memory(void)
{
	struct glibc_object o;
	struct glibc_symbol outer = { true, 0x7000, 4096, false }; /* a struct holding them */

	memset(win, 0, sizeof(win));
	put(0, 2);
	put(8, 504);
	o = classify(0x9000, WAIT_PRIVATE, 2, NULL, &known);
	CHECK(o.kind == OP_KIND_MUTEX && o.base == 0x9000 && o.holder == 504,
	      "glibc: a heap mutex: 2 expected, its owner a thread of the process");
	put(16, 0x1234567);
	o = classify(0x9000, WAIT_PRIVATE, 2, NULL, &known);
	CHECK(o.kind == OP_KIND_FUTEX, "glibc: a __kind that no mutex has: not called a mutex");
	memset(win, 0, sizeof(win));
	put(-4, 8 | 1); /* __wrefs: one waiter, private */
	o = classify(0x7000 + 140, BITSET_PRIVATE, 0, &outer, &known);
	CHECK(o.kind == OP_KIND_COND && o.base == 0x7000 + 100,
	      "glibc: a condition variable inside a struct: __g_signals[0], base 40 bytes before");
	memset(win, 0, sizeof(win));
	put(-8, 16);
	o = classify(0xa02c, BITSET_PRIVATE, 0, NULL, &known);
	CHECK(o.kind == OP_KIND_COND && o.base == 0xa000, "glibc: __g_signals[1] on the heap: base 44 bytes before");
	memset(win, 0, sizeof(win));
	put(4, 1);
	put(8, 128);
	o = classify(0xb000, BITSET_PRIVATE, 0, NULL, &known);
	CHECK(o.kind == OP_KIND_SEM && o.base == 0xb000, "glibc: a heap sem_t: value 0, one waiter, private");
	memset(win, 0, sizeof(win));
	put(-4, 7);
	put(0, 6);
	put(4, 3);
	put(8, 128);
	o = classify(0xc004, WAIT_PRIVATE, 6, NULL, &known);
	CHECK(o.kind == OP_KIND_BARRIER && o.base == 0xc000, "glibc: a heap barrier: round 6 of count 3, in 7");
	memset(win, 0, sizeof(win));
	put(0, 503);
	o = classify(0xd2d0, BITSET_PRIVATE, 503, NULL, &known);
	CHECK(o.kind == OP_KIND_THREAD && o.op == OP_JOIN && o.target == 503,
	      "glibc: waiting on a word holding a thread's tid, expecting it: a join of that thread");
	put(0, 0);
	o = classify(0xd2d0, BITSET_PRIVATE, 503, NULL, &known);
	CHECK(o.kind != OP_KIND_THREAD, "glibc: a word that reads 0, its expected tid a thread alive: no join");
	o = classify(0xd2d0, BITSET_PRIVATE, 503, NULL, &exiting);
	CHECK(o.kind == OP_KIND_THREAD && o.op == OP_JOIN && o.target == 503,
	      "glibc: a word the kernel cleared as the thread it names exited: still the join of that thread "
	      "(the joiner slept just before; seen asleep after)");
}

/* A cond already known at the base wins over the memory's layout. */
static bool known_cond(void *ctx, int32_t tgid, uint64_t base, uint32_t kind)
{
	(void)ctx;
	return tgid == 500 && base == 0xf000 && kind == OP_KIND_COND;
}

/* Mutexes inside structs whose sizes are multiples of a cond's or an
 * rwlock's, and a known cond whose memory has come to look like a sem
 * (a helper found them on real programs: 'cond alice_acct[0]', 'rwlock
 * accounts+280', 'GIL sem'). */
static void test_lookalikes(void)
{
	struct glibc_symbol acct = { true, 0x6000, 96, false }, accounts = { true, 0x6800, 7 * 48, false };
	struct glibc_context with_known = known;
	struct glibc_object o;

	memset(win, 0, sizeof(win));
	put(0, 2);
	put(8, 502); /* __owner */
	o = classify(0x6000 + 40, WAIT_PRIVATE, 2, &acct, &known);
	CHECK(o.kind == OP_KIND_MUTEX && o.base == 0x6000 + 40 && o.holder == 502,
	      "glibc: a mutex at +40 of a 96-byte struct is a mutex with its holder, not a cond of an array of two");
	o = classify(0x6800 + 6 * 48, WAIT_PRIVATE, 2, &accounts, &known);
	CHECK(o.kind == OP_KIND_MUTEX && o.base == 0x6800 + 288 && o.holder == 502,
	      "glibc: the mutex of the 7th of seven 48-byte structs is a mutex at +288, not an rwlock at +280");
	memset(win, 0, sizeof(win));
	put(4, 3);     /* the other group's __g_signals, now non-zero */
	put(8, 128);   /* the next object's word: looks like a sem's private */
	with_known.known_object = known_cond;
	o = classify(0xf000 + 40, BITSET_PRIVATE, 0, NULL, &known);
	CHECK(o.kind == OP_KIND_SEM, "glibc: (unknown, the same memory looks like a sem)");
	o = classify(0xf000 + 40, BITSET_PRIVATE, 0, NULL, &with_known);
	CHECK(o.kind == OP_KIND_COND && o.base == 0xf000, "glibc: a cond already known at the base stays that cond");
	o = classify(0xf000 + 20, WAIT_PRIVATE, 3, NULL, &with_known);
	CHECK(o.kind == OP_KIND_COND && o.op == OP_COND_SIGNAL && o.base == 0xf000,
	      "glibc: a signaller's wait on a known cond's __g_refs[1] is that cond's signal");

	/* a C++20 std::counting_semaphore: a 4-byte variable of its own, 44
	 * bytes past a known cond (the variable before it): its word is not
	 * that cond's, which would start outside the variable */
	{
		struct glibc_symbol slots = { true, 0xf000 + 44, 4, false }, big = { true, 0xe000, 0x2000, false };

		o = classify(0xf000 + 44, BITSET_PRIVATE, 0, &slots, &with_known);
		CHECK(o.kind == OP_KIND_FUTEX && o.base == 0xf000 + 44,
		      "glibc: a word whose variable is 4 bytes is no cond 44 bytes into another: a futex of its own");
		o = classify(0xf000 + 44, BITSET_PRIVATE, 0, &big, &with_known);
		CHECK(o.kind == OP_KIND_COND && o.base == 0xf000,
		      "glibc: inside a variable large enough to hold it, the known cond stays");
	}
	{
		/* struct { int x; pthread_cond_t c; }: a wait on c's
		 * __g_signals[1] (+52) while [0] reads like a count of waiters */
		struct glibc_symbol tail = { true, 0xa000, 56, false }, word4 = { true, 0xb000, 4, false };

		memset(win, 0, sizeof(win));
		put(-4, 16);
		o = classify(0xa000 + 52, BITSET_PRIVATE, 0, &tail, &known);
		CHECK(o.kind == OP_KIND_COND && o.base == 0xa008,
		      "glibc: a cond at a struct's end is the cond whose other word fits, not a futex");
		memset(win, 0, sizeof(win));
		put(0, 2);
		put(8, 502);
		o = classify(0xb000, WAIT_PRIVATE, 2, &word4, &known);
		CHECK(o.kind == OP_KIND_FUTEX, "glibc: a 4-byte variable whose neighbours look like a locked mutex's "
		      "owner is no mutex");
	}
}

/* An rwlock inside a struct or on the heap (it was a futex: no layout
 * for it but a symbol of its own size). */
static void test_rwlock_memory(void)
{
	struct glibc_symbol cache = { true, 0x8000, 88, false }; /* { pthread_rwlock_t lock; long entries[4]; } */
	struct glibc_object o;

	memset(win, 0, sizeof(win));
	put(0, 3);
	o = classify(0x8000 + 8, WAIT_PRIVATE, 3, &cache, &known);
	CHECK(o.kind == OP_KIND_RWLOCK && o.op == OP_RWLOCK_RDLOCK && o.base == 0x8000,
	      "glibc: a reader on __wrphase_futex of an rwlock inside a struct");
	memset(win, 0, sizeof(win));
	put(0, 3);
	put(24 - 12, 503); /* __cur_writer */
	o = classify(0x8000 + 12, WAIT_PRIVATE, 3, &cache, &known);
	CHECK(o.kind == OP_KIND_RWLOCK && o.op == OP_RWLOCK_WRLOCK && o.base == 0x8000 && o.holder == 503,
	      "glibc: a writer on __writers_futex of a heap rwlock, the writer holding it named");
	memset(win, 0, sizeof(win));
	put(-8, 2 << 3); /* __readers: two readers */
	put(0, 2);
	o = classify(0x9008, WAIT_PRIVATE, 2, NULL, &known);
	CHECK(o.kind == OP_KIND_RWLOCK && o.base == 0x9000,
	      "glibc: a writer waiting on __wrphase_futex for two readers: an rwlock, not a mutex whose owner reads 0");
	memset(win, 0, sizeof(win));
	put(0, 2);
	put(8, 502);  /* __owner */
	put(12, 1);   /* __nusers */
	o = classify(0x9100, WAIT_PRIVATE, 2, NULL, &known);
	CHECK(o.kind == OP_KIND_MUTEX && o.holder == 502, "glibc: (a heap mutex beside it stays a mutex)");
}

/* A heap barrier's first round fits a sem's layout too (round 0, count
 * 2 after it, 0 shared): its in, just before, tells it (it was a sem: 2 of
 * a 100-round barrier's waits). */
static void test_barrier_round0(void)
{
	struct glibc_object o;

	memset(win, 0, sizeof(win));
	put(-4, 1); /* in: one arrived */
	put(4, 2);  /* count */
	o = classify(0xc104, WAIT_PRIVATE, 0, NULL, &known);
	CHECK(o.kind == OP_KIND_BARRIER && o.base == 0xc100, "glibc: a heap barrier's round 0, one of two arrived");
	put(-4, 1000); /* another object's word before a sem: no count of arrivals */
	o = classify(0xc104, WAIT_PRIVATE, 0, NULL, &known);
	CHECK(o.kind == OP_KIND_SEM, "glibc: a heap sem after a word larger than its waiters stays a sem");
}

/* What it refuses to guess. */
static void test_refusals(void)
{
	struct glibc_context unknown = known;
	struct glibc_object o;
	struct glibc_wait part = { 0xe000, WAIT_PRIVATE, 2, win, false, false, 500 };

	memset(win, 0, sizeof(win));
	put(0, 2);
	put(8, 502);
	unknown.layout_known = false;
	o = classify(0xe000, WAIT_PRIVATE, 2, NULL, &unknown);
	CHECK(o.kind == OP_KIND_FUTEX && o.op == OP_SYS_FUTEX && o.base == 0xe000,
	      "glibc: an unknown libc: a futex with its address, never a guessed kind");
	memset(win, 0, sizeof(win));
	put(0, 1);
	o = classify(0xe000, WAIT_PRIVATE, 1, NULL, &known);
	CHECK(o.kind == OP_KIND_FUTEX, "glibc: a hand-made futex (1 expected, nothing around): a futex");
	glibc_sync_classify(&part, NULL, &known, &o);
	CHECK(o.kind == OP_KIND_FUTEX, "glibc: memory that could not be read (unmapped): a futex");
	o = classify(0xe000, 1 /* FUTEX_WAKE */, 1, NULL, &known);
	CHECK(o.kind == OP_KIND_FUTEX, "glibc: a futex command that is no wait: a futex");
}

/* Versions and wake ops. */
static void test_versions(void)
{
	static const char libc[] = "xx GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.\n";
	int a = 0, b = 0;

	CHECK(glibc_sync_parse_version(libc, sizeof(libc) - 1, &a, &b) && a == 2 && b == 36,
	      "glibc: the version from the library's banner");
	CHECK(!glibc_sync_parse_version("musl libc", 9, &a, &b), "glibc: no banner, no version");
	CHECK(glibc_sync_layout_known(2, 36) && !glibc_sync_layout_known(2, 24) && !glibc_sync_layout_known(2, 41),
	      "glibc: layouts known from 2.25 to 2.40 only");
	CHECK(glibc_sync_wake_op(OP_KIND_COND, 1) == OP_COND_SIGNAL &&
	      glibc_sync_wake_op(OP_KIND_COND, 0xffff) == OP_COND_BROADCAST &&
	      glibc_sync_wake_op(OP_KIND_MUTEX, 1) == OP_MUTEX_UNLOCK,
	      "glibc: a wake through a cond is a signal (1) or a broadcast (many); through a mutex an unlock");
}

/* Object names: a condition variable, barrier or semaphore by its
 * variable, never by an offset inside it; the rest as before. */
static void test_names(void)
{
	char name[64], old[64];

	glibc_sync_object_name(OP_KIND_COND, "start_gun", 40, 96, name, sizeof(name));
	CHECK(strcmp(name, "start_gun") == 0, "glibc: the cond inside struct start_gun is start_gun, not start_gun+40");
	glibc_sync_object_name(OP_KIND_COND, "time_limit", 64, 112, name, sizeof(name));
	CHECK(strcmp(name, "time_limit") == 0, "glibc: the cond inside struct time_limit is time_limit");
	glibc_sync_object_name(OP_KIND_COND, "not_empty", 0, 48, name, sizeof(name));
	CHECK(strcmp(name, "not_empty") == 0, "glibc: a cond variable is its name");
	glibc_sync_object_name(OP_KIND_COND, "gates", 96, 48 * 4, name, sizeof(name));
	CHECK(strcmp(name, "gates[2]") == 0, "glibc: the third cond of an array is gates[2]");
	glibc_sync_object_name(OP_KIND_COND, "gates", 0, 48 * 4, name, sizeof(name));
	CHECK(strcmp(name, "gates[0]") == 0, "glibc: the first cond of an array is gates[0]");
	glibc_sync_object_name(OP_KIND_BARRIER, "phases", 36, 80, name, sizeof(name));
	CHECK(strcmp(name, "phases") == 0, "glibc: a barrier inside a struct is the struct's name");
	glibc_sync_object_name(OP_KIND_SEM, "slots", 32, 96, name, sizeof(name));
	CHECK(strcmp(name, "slots[1]") == 0, "glibc: the second semaphore of an array is slots[1]");
	glibc_sync_object_name(OP_KIND_SEM, "pool", 8, 64, name, sizeof(name));
	CHECK(strcmp(name, "pool") == 0, "glibc: a semaphore inside a struct is the struct's name");
	glibc_sync_object_name(OP_KIND_MUTEX, "forks", 80, 200, name, sizeof(name));
	CHECK(strcmp(name, "forks+80") == 0, "glibc: a mutex keeps its offset");
	glibc_sync_object_name(OP_KIND_COND, "a_rather_long_name", 40, 96, name, 6);
	CHECK(strcmp(name, "a_rat") == 0, "glibc: a name is cut to the room given, terminated");

	strcpy(old, "start_gun+40");
	glibc_sync_object_rename(OP_KIND_COND, old, sizeof(old));
	CHECK(strcmp(old, "start_gun") == 0, "glibc: an older trace's start_gun+40 reads as start_gun");
	strcpy(old, "gates+96");
	glibc_sync_object_rename(OP_KIND_COND, old, sizeof(old));
	CHECK(strcmp(old, "gates[2]") == 0, "glibc: an older trace's gates+96 reads as gates[2]");
	strcpy(old, "fork+40");
	glibc_sync_object_rename(OP_KIND_MUTEX, old, sizeof(old));
	CHECK(strcmp(old, "fork+40") == 0, "glibc: a mutex's old name is left as it is");
	strcpy(old, "c+x1");
	glibc_sync_object_rename(OP_KIND_SEM, old, sizeof(old));
	CHECK(strcmp(old, "c+x1") == 0, "glibc: a name whose + is no offset is left as it is");
}

/* Runs the classifier tests. */
int main(void)
{
	test_symbols();
	test_memory();
	test_lookalikes();
	test_rwlock_memory();
	test_barrier_round0();
	test_refusals();
	test_versions();
	test_names();
	return check_summary();
}
