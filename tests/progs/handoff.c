/* A workload whose switches are known in advance, for comparing recorders:
 * two threads, "ping" and "pong", hand a token back and forth through two
 * pipes for N rounds, each doing W microseconds of CPU work per turn. Each
 * thread blocks in read() once per round, so each makes about N voluntary
 * switches and runs about N x W microseconds, whoever records it.
 *
 * Usage: handoff [--rounds N] [--work-us W]  (default 500 rounds, 100 us) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long rounds = 500, work_us = 100;
static int ping_to_pong[2], pong_to_ping[2];

/* Spins on the CPU for us microseconds of thread CPU time. */
static void work(long us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/* One side: waits for the token on in, works, passes it on out. */
static void *side(void *arg)
{
	int first = arg != NULL;
	int *in = first ? pong_to_ping : ping_to_pong, *out = first ? ping_to_pong : pong_to_ping;
	char token = 't';
	long i;

	pthread_setname_np(pthread_self(), first ? "ping" : "pong");
	for (i = 0; i < rounds; i++) {
		if (!first || i > 0)
			if (read(in[0], &token, 1) != 1)
				exit(1);
		work(work_us);
		if (write(out[1], &token, 1) != 1)
			exit(1);
	}
	if (first && read(in[0], &token, 1) != 1) /* pong's last answer */
		exit(1);
	return NULL;
}

/* Runs the two sides to the end. */
int main(int argc, char **argv)
{
	pthread_t a, b;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--work-us"))
			work_us = atol(argv[i + 1]);
	}
	if (rounds < 1 || work_us < 0 || i != argc) {
		fprintf(stderr, "usage: handoff [--rounds N] [--work-us W]\n");
		return 2;
	}
	if (pipe(ping_to_pong) || pipe(pong_to_ping))
		return 1;
	if (pthread_create(&b, NULL, side, NULL) || pthread_create(&a, NULL, side, (void *)1))
		return 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("handoff: %ld rounds of %ld us each way\n", rounds, work_us);
	return 0;
}
