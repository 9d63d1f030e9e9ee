/* A tiny test harness: each CHECK prints one PASS or FAIL line, and
 * check_summary() prints the closing "N passed, N failed" line that
 * tests/run aggregates. */
#ifndef CONCTOP_CHECK_H
#define CONCTOP_CHECK_H

#include <stdio.h>

static int check_passed, check_failed, check_skipped;

/* Records one assertion; prints it with the place it was made. */
#define CHECK(cond, name)                                                        \
	do {                                                                     \
		if (cond) {                                                      \
			check_passed++;                                          \
			printf("PASS %s\n", (name));                              \
		} else {                                                         \
			check_failed++;                                          \
			printf("FAIL %s (%s:%d: %s)\n", (name), __FILE__,         \
			       __LINE__, #cond);                                 \
		}                                                                \
	} while (0)

/* Records a check that cannot run here, and why. */
#define SKIP(name, why)                                                          \
	do {                                                                     \
		check_skipped++;                                                 \
		printf("SKIPPED %s: %s\n", (name), (why));                       \
	} while (0)

/* Prints the closing count; returns the exit status for main. */
static inline int check_summary(void)
{
	if (check_skipped)
		printf("%d passed, %d failed, %d skipped\n", check_passed, check_failed, check_skipped);
	else
		printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
