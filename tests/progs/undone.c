/* Undone work on purpose, for tests/integration/test_undone.py: two threads,
 * busy-1 and busy-2, spin for DURATION_MS (default 500) of wall time each
 * while the main thread waits for them in pthread_join. With "pinned",
 * each first pins itself to CPU 1 (pthread_setaffinity_np), so the two
 * share CPU 1 while CPU 0 has nothing of this program to run; with "free"
 * they may run anywhere. They start spinning together (a barrier).
 *
 * Usage: undone pinned|free [DURATION_MS]. Prints one line: the mode, and
 * for each thread the CPUs its mask allows while it spins (as a hex mask of
 * CPUs 0-63). Exits 77 when CPUs 0 and 1 are not both allowed to it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_barrier_t start;
static int pinned;
static int64_t duration_ns = 500000000ll;

/* What a thread reports: the mask it spun with. */
struct busy {
	pthread_t th;
	char name[16];
	unsigned long long mask;
	int err;
};

/* CLOCK_MONOTONIC in ns. */
static int64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* A busy thread: pins itself (pinned), waits for the other, spins. */
static void *busy(void *arg)
{
	struct busy *b = arg;
	volatile uint64_t spins = 0;
	cpu_set_t set;
	int64_t end;
	int c;

	pthread_setname_np(pthread_self(), b->name);
	if (pinned) {
		CPU_ZERO(&set);
		CPU_SET(1, &set);
		b->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	CPU_ZERO(&set);
	pthread_getaffinity_np(pthread_self(), sizeof(set), &set);
	for (c = 0; c < 64; c++)
		if (CPU_ISSET(c, &set))
			b->mask |= 1ull << c;
	pthread_barrier_wait(&start);
	end = now() + duration_ns;
	while (now() < end)
		spins++;
	return NULL;
}

int main(int argc, char **argv)
{
	struct busy b[2];
	cpu_set_t set;
	int i;

	if (argc < 2 || (strcmp(argv[1], "pinned") && strcmp(argv[1], "free"))) {
		fprintf(stderr, "usage: undone pinned|free [DURATION_MS]\n");
		return 2;
	}
	pinned = strcmp(argv[1], "pinned") == 0;
	if (argc > 2)
		duration_ns = atoll(argv[2]) * 1000000ll;
	if (sched_getaffinity(0, sizeof(set), &set) || !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)) {
		fprintf(stderr, "undone: CPUs 0 and 1 are not both allowed here\n");
		return 77;
	}
	pthread_barrier_init(&start, NULL, 2);
	memset(b, 0, sizeof(b));
	for (i = 0; i < 2; i++) {
		snprintf(b[i].name, sizeof(b[i].name), "busy-%d", i + 1);
		if (pthread_create(&b[i].th, NULL, busy, &b[i])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(b[i].th, NULL);
	printf("%s busy-1=%llx busy-2=%llx\n", argv[1], b[0].mask, b[1].mask);
	return b[0].err || b[1].err ? 1 : 0;
}
