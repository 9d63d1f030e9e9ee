/* Creates and joins threads one after the other, as a server that starts
 * a thread per request does: each thread is new to a tracer, runs for a
 * moment and exits. The benchmark of a live view's memory (make bench:
 * bench/longrun.py) watches it: what each thread a view never forgets
 * costs it.
 * With --batch K it creates K threads, then joins them: a join then
 * often finds its thread exiting, the moment the kernel clears the
 * thread's tid word (test_waitnames: such a join is still a join).
 * Usage: spawnloop [--threads N] [--batch K]   (default 100000, 1) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 64

/* A thread that does nothing but start and end. */
static void *nothing(void *arg)
{
	return arg;
}

/* The value of option name (1 to max) in arg, or -1 after saying why. */
static long count_arg(const char *name, const char *arg, long max)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v < 1 || v > max) {
		fprintf(stderr, "spawnloop: %s wants 1 to %ld, not '%s'\n", name, max, arg);
		return -1;
	}
	return v;
}

int main(int argc, char **argv)
{
	long n = 100000, batch = 1, i, k;
	pthread_t t[BATCH_MAX];

	for (i = 1; i < argc; i += 2) {
		long *v = !strcmp(argv[i], "--threads") ? &n : !strcmp(argv[i], "--batch") ? &batch : NULL;

		if (!v || i + 1 >= argc) {
			fprintf(stderr, "usage: spawnloop [--threads N] [--batch K]\n");
			return 2;
		}
		if ((*v = count_arg(argv[i], argv[i + 1], v == &n ? 100000000 : BATCH_MAX)) < 0)
			return 2;
	}
	for (i = 0; i < n; i += batch) {
		long here = n - i < batch ? n - i : batch;

		for (k = 0; k < here; k++) {
			int e = pthread_create(&t[k], NULL, nothing, NULL);

			if (e) {
				fprintf(stderr, "spawnloop: thread %ld: %s\n", i + k, strerror(e));
				return 1;
			}
		}
		for (k = 0; k < here; k++)
			pthread_join(t[k], NULL);
	}
	printf("spawnloop: %ld threads created and joined\n", n);
	return 0;
}
