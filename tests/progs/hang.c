/* A program that hangs: two threads take two mutexes in opposite order and
 * deadlock, and the main thread joins the first of them. For attaching to
 * with -p once it hangs; it prints "hung" when both threads hold their
 * first lock and then never ends (kill it).
 * Usage: hang */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t left_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t right_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;

/* Takes its first lock, waits until the other holds its own, then takes
 * the other's: arg 1 goes left then right, 0 right then left. */
static void *transfer(void *arg)
{
	int left_first = (int)(long)arg;
	pthread_mutex_t *first = left_first ? &left_lock : &right_lock, *second = left_first ? &right_lock : &left_lock;

	pthread_setname_np(pthread_self(), left_first ? "left-right" : "right-left");
	pthread_mutex_lock(first);
	pthread_barrier_wait(&both_hold);
	pthread_mutex_lock(second); /* never returns */
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_barrier_init(&both_hold, NULL, 3);
	if (pthread_create(&a, NULL, transfer, (void *)1L) || pthread_create(&b, NULL, transfer, (void *)0L)) {
		perror("pthread_create");
		return 1;
	}
	pthread_barrier_wait(&both_hold);
	printf("hung\n");
	fflush(stdout);
	pthread_join(a, NULL);
	return 0;
}
