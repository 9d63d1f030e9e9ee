/* Creates and joins threads one after the other, as a server that starts
 * a thread per request does: each thread is new to a tracer, runs for a
 * moment and exits. The benchmark of a live view's memory (make bench:
 * bench/longrun.py) watches it: what each thread a view never forgets
 * costs it.
 * Usage: spawnloop [--threads N]   (default 100000) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A thread that does nothing but start and end. */
static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = 100000, i;
	char *end;

	if (argc == 3 && strcmp(argv[1], "--threads") == 0) {
		n = strtol(argv[2], &end, 10);
		if (*end || n < 1 || n > 100000000) {
			fprintf(stderr, "spawnloop: --threads wants 1 to 100000000, not '%s'\n", argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: spawnloop [--threads N]\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, nothing, NULL);

		if (e) {
			fprintf(stderr, "spawnloop: thread %ld: %s\n", i, strerror(e));
			return 1;
		}
		pthread_join(t, NULL);
	}
	printf("spawnloop: %ld threads created and joined\n", n);
	return 0;
}
