/* Two threads hand a token back and forth through one mutex and one
 * condition variable: every hand-over is a lock, a signal, a wait and two
 * switches. The attribution benchmark runs it pinned to one CPU, so that
 * each round trip is scheduler work the tracer sees. --spread pins the
 * two players on two CPUs instead: each wakes the other on a CPU left
 * idle, where the kernel queues the wakeup (tests of the waker's name).
 * Usage: pingpong [--rounds N] [--spread] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_moved = PTHREAD_COND_INITIALIZER;
static int turn;
static long rounds = 50000;
static int spread; /* pin player i on CPU i */

/* Plays side me (0 or 1) until every round is done. */
static void *player(void *arg)
{
	int me = (int)(long)arg;

	pthread_setname_np(pthread_self(), me ? "pong" : "ping");
	if (spread) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(me, &one);
		if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one))
			fprintf(stderr, "pingpong: cannot pin a player on CPU %d\n", me);
	}
	for (long i = 0; i < rounds; i++) {
		pthread_mutex_lock(&token_lock);
		while (turn != me)
			pthread_cond_wait(&token_moved, &token_lock);
		turn = !me;
		pthread_cond_signal(&token_moved);
		pthread_mutex_unlock(&token_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			rounds = atol(argv[++i]) > 0 ? atol(argv[i]) : 1;
		} else if (strcmp(argv[i], "--spread") == 0) {
			spread = 1;
		} else {
			fprintf(stderr, "usage: pingpong [--rounds N] [--spread]\n");
			return 2;
		}
	}
	pthread_create(&a, NULL, player, (void *)0L);
	pthread_create(&b, NULL, player, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("pingpong: %ld rounds\n", rounds);
	return 0;
}
