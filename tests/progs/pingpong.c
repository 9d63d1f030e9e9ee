/* Two threads hand a token back and forth through one mutex and one
 * condition variable: every hand-over is a lock, a signal, a wait and two
 * switches. The attribution benchmark runs it pinned to one CPU, so that
 * each round trip is scheduler work the tracer sees.
 * Usage: pingpong [--rounds N] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_moved = PTHREAD_COND_INITIALIZER;
static int turn;
static long rounds = 50000;

/* Plays side me (0 or 1) until every round is done. */
static void *player(void *arg)
{
	int me = (int)(long)arg;

	pthread_setname_np(pthread_self(), me ? "pong" : "ping");
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

	if (argc == 3 && strcmp(argv[1], "--rounds") == 0)
		rounds = atol(argv[2]) > 0 ? atol(argv[2]) : 1;
	pthread_create(&a, NULL, player, (void *)0L);
	pthread_create(&b, NULL, player, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("pingpong: %ld rounds\n", rounds);
	return 0;
}
