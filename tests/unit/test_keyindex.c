/* Unit tests of core/keyindex.c: keys found after growth, removal that
 * keeps every other key reachable across collisions and the table's wrap,
 * and the copy. */
#include <stdbool.h>
#include <stdio.h>
#include "check.h"
#include "keyindex.h"

#define N 20000

/* The i-th key: spread, and never 0 mixed with its neighbours. */
static uint64_t key_of(uint32_t i)
{
	return (uint64_t)i * 0x9e3779b97f4a7c15ull + 7;
}

/* Whether every key of [0, n) that step keeps (i % step != 0 removed when
 * removed is true) maps to i + 1, and the others to nothing. */
static bool all_there(const struct keyindex *x, uint32_t n, uint32_t step, bool removed)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t want = removed && i % step ? 0 : i + 1;

		if (keyindex_get(x, key_of(i)) != want)
			return false;
	}
	return true;
}

/* Puts, gets, sets, removes and copies; a small table filled and emptied
 * over and over (every slot a wrap away from another). */
static void test_index(void)
{
	struct keyindex x = { 0 }, c = { 0 };
	bool ok = true;
	uint32_t i;
	int r = 0;

	CHECK(keyindex_get(&x, 5) == 0, "empty: nothing found, nothing allocated");
	keyindex_del(&x, 5);
	keyindex_set(&x, 5, 1);
	CHECK(keyindex_get(&x, 5) == 0 && x.cap == 0, "empty: del and set of an absent key do nothing");
	for (i = 0; i < N && !r; i++)
		r = keyindex_put(&x, key_of(i), i + 1);
	CHECK(!r && x.used == N && x.cap >= 2 * N && all_there(&x, N, 1, false),
	      "20 000 keys put: each found with its value after the table grew");
	for (i = 0; i < N; i += 3)
		keyindex_set(&x, key_of(i), i + 1); /* the same value back: the keys stay */
	for (i = 0; i < N; i++)
		if (i % 4)
			keyindex_del(&x, key_of(i));
	CHECK(x.used == N / 4 && all_there(&x, N, 4, true),
	      "three quarters removed: the quarter left each found, the others gone");
	r = keyindex_copy(&c, &x);
	CHECK(!r && c.keys != x.keys && all_there(&c, N, 4, true), "a copy finds the same, in slots of its own");
	keyindex_done(&c);
	for (i = 0; i < N && !r; i++)
		if (i % 4)
			r = keyindex_put(&x, key_of(i), i + 1);
	CHECK(!r && x.used == N && all_there(&x, N, 1, false), "put back: all 20 000 found again");
	keyindex_done(&x);

	/* 64 slots (never grown past half), 32 keys in and out 200 times:
	 * runs of keys wrap around the table's end */
	for (unsigned round = 0; round < 200 && ok && !r; round++) {
		for (i = 0; i < 32 && !r; i++)
			r = keyindex_put(&x, key_of(round * 32 + i), i + 1);
		for (i = 0; i < 32; i += 2)
			keyindex_del(&x, key_of(round * 32 + i));
		for (i = 0; i < 32; i++)
			ok &= keyindex_get(&x, key_of(round * 32 + i)) == (i % 2 ? i + 1 : 0);
		for (i = 1; i < 32; i += 2)
			keyindex_del(&x, key_of(round * 32 + i));
		ok &= x.used == 0;
	}
	CHECK(!r && ok && x.cap == 64, "64 slots, 32 keys in and out 200 times: each found until removed, none left");
	keyindex_done(&x);
}

int main(void)
{
	test_index();
	return check_summary();
}
