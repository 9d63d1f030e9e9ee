/* A thread that sleeps beside one that spins, both on CPU 0: each of the
 * sleeper's timers fires while the spinner runs there, so the interrupt
 * that wakes the sleeper interrupts the spinner. conctop must name the
 * timer as the waker, not the spinner; the main thread, woken by the
 * sleeper's exit (a join), names the sleeper.
 * Usage: timerwake [--naps N] */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile int stop;
static long naps = 100;

/* Puts the calling thread on CPU 0 alone. */
static void pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Runs until the sleeper is done. */
static void *spinner(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "spinner");
	pin();
	while (!stop)
		;
	return NULL;
}

/* Sleeps 2 ms naps times. */
static void *sleeper(void *arg)
{
	struct timespec nap = { 0, 2000000 };

	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	pin();
	for (long i = 0; i < naps; i++)
		nanosleep(&nap, NULL);
	stop = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t spin, sleep;

	if (argc == 3 && strcmp(argv[1], "--naps") == 0)
		naps = atol(argv[2]);
	if (naps <= 0) {
		fprintf(stderr, "usage: timerwake [--naps N]\n");
		return 2;
	}
	if (pthread_create(&spin, NULL, spinner, NULL) || pthread_create(&sleep, NULL, sleeper, NULL)) {
		perror("pthread_create");
		return 1;
	}
	pthread_join(sleep, NULL);
	pthread_join(spin, NULL);
	return 0;
}
