/* The integration tests' own workload, independent of the scenarios: named
 * threads that sleep, contend for a mutex, hand a token back and forth
 * through a condition variable, and spin on the CPU, so that every kind of
 * switch (voluntary, involuntary) and wakeup happens.
 *
 * Usage: workload [--seconds S] [--spinners N] [--only-spinners] [--forever]
 * --forever keeps the main and sleeper threads running until killed (for -p
 * tests); --only-spinners starts nothing but the spinners. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn;
static long shared;
static double seconds = 0.3;
static volatile int forever;

/* Seconds of CLOCK_MONOTONIC. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps in small steps. */
static void *sleeper(void *arg)
{
	double end = now() + seconds;

	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	while (forever || now() < end)
		usleep(2000);
	return NULL;
}

/* Takes the mutex often, with a little work inside. */
static void *contender(void *arg)
{
	double end = now() + seconds;
	char name[16];

	snprintf(name, sizeof(name), "contender-%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	while (now() < end) {
		pthread_mutex_lock(&lock);
		for (int i = 0; i < 2000; i++)
			shared++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* Passes a token with the other ping-pong thread. */
static void *pingpong(void *arg)
{
	long me = (long)arg;
	double end = now() + seconds;

	pthread_setname_np(pthread_self(), me ? "pong" : "ping");
	pthread_mutex_lock(&lock);
	while (now() < end) {
		while (turn != me && now() < end) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 5 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&turn_changed, &lock, &ts);
		}
		turn = !me;
		pthread_cond_broadcast(&turn_changed);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Burns CPU: gets preempted by the others. */
static void *spinner(void *arg)
{
	double end = now() + seconds;
	volatile unsigned long x = 0;

	(void)arg;
	pthread_setname_np(pthread_self(), "spinner");
	while (now() < end)
		for (int i = 0; i < 10000; i++)
			x += (unsigned long)i;
	return NULL;
}

/* Starts the threads, joins them. */
int main(int argc, char **argv)
{
	pthread_t th[16];
	int n = 0, spinners = 2, only_spinners = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--spinners") == 0 && i + 1 < argc)
			spinners = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only-spinners") == 0)
			only_spinners = 1;
		else if (strcmp(argv[i], "--forever") == 0)
			forever = 1;
		else {
			fprintf(stderr, "usage: workload [--seconds S] [--spinners N] [--only-spinners] [--forever]\n");
			return 2;
		}
	}
	if (spinners < 0 || spinners > 8)
		spinners = 2;
	pthread_setname_np(pthread_self(), "workload");
	if (!only_spinners) {
		pthread_create(&th[n++], NULL, sleeper, NULL);
		for (long i = 1; i <= 2; i++)
			pthread_create(&th[n++], NULL, contender, (void *)i);
		for (long i = 0; i <= 1; i++)
			pthread_create(&th[n++], NULL, pingpong, (void *)i);
	}
	for (int i = 0; i < spinners; i++)
		pthread_create(&th[n++], NULL, spinner, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("workload: %d threads ran %.2f s, shared = %ld\n", n + 1, seconds, shared);
	return 0;
}
