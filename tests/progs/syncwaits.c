/* The blocking test program: one thread per way of waiting, each made to
 * block once or more on a known object, so that the tests can check what
 * conctop says each waits on.
 *   mutex-waiter   a mutex inside a heap-allocated struct, held by holder
 *   acct-waiter    a mutex 40 bytes into a 96-byte global struct (twice a
 *                  condition variable's size), held by acct-holder
 *   cond-waiter    a condition variable in the same heap struct
 *   reader         a read-write lock (table_rw) held for writing by writer
 *   sem-waiter     a semaphore (free_slots) at 0 until poster posts
 *   bar-early      a barrier (meeting) that bar-late reaches later
 *   main           joins the thread `joined`
 *   raw-futex      a hand-made futex word (handmade), no glibc object
 *   unmapper       a futex word on a page it unmaps afterwards
 * Usage: syncwaits [--rounds N] */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A struct on the heap with its own lock and condition: objects without a
 * symbol of their own. */
struct mailbox {
	long pad;
	pthread_mutex_t lock;
	pthread_cond_t ready;
	int full;
};

static struct mailbox *box;
/* An account: its lock 40 bytes in, 96 bytes in all, the size of an array
 * of two condition variables (where a cond's wait word would be). */
static struct {
	char owner[40];
	pthread_mutex_t lock;
	long balance, ops;
} account = { "alice", PTHREAD_MUTEX_INITIALIZER, 0, 0 };
static pthread_rwlock_t table_rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t free_slots;
static pthread_barrier_t meeting;
static int handmade;
static int rounds = 3;

/* Sleeps ms milliseconds. */
static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

/* Names the calling thread. */
static void name(const char *n)
{
	pthread_setname_np(pthread_self(), n);
}

/* Holds m for 30 ms, then lets it go for 30 ms, each round. */
static void hold_rounds(pthread_mutex_t *m)
{
	for (int i = 0; i < rounds; i++) {
		pthread_mutex_lock(m);
		nap(30);
		pthread_mutex_unlock(m);
		nap(30);
	}
}

/* Takes m 10 ms after the holder, while it has it, each round. */
static void take_rounds(pthread_mutex_t *m)
{
	nap(10);
	for (int i = 0; i < rounds; i++) {
		pthread_mutex_lock(m);
		pthread_mutex_unlock(m);
		nap(50);
	}
}

/* Holds the mailbox lock for a while, each round. */
static void *holder(void *arg)
{
	(void)arg;
	name("holder");
	hold_rounds(&box->lock);
	return NULL;
}

/* Takes the mailbox lock while holder has it. */
static void *mutex_waiter(void *arg)
{
	(void)arg;
	name("mutex-waiter");
	take_rounds(&box->lock);
	return NULL;
}

/* Holds the account's lock for a while, each round. */
static void *acct_holder(void *arg)
{
	(void)arg;
	name("acct-holder");
	hold_rounds(&account.lock);
	return NULL;
}

/* Takes the account's lock while acct-holder has it. */
static void *acct_waiter(void *arg)
{
	(void)arg;
	name("acct-waiter");
	take_rounds(&account.lock);
	return NULL;
}

/* Waits for the mailbox to fill, each round. */
static void *cond_waiter(void *arg)
{
	(void)arg;
	name("cond-waiter");
	for (int i = 0; i < rounds; i++) {
		pthread_mutex_lock(&box->lock);
		while (!box->full)
			pthread_cond_wait(&box->ready, &box->lock);
		box->full = 0;
		pthread_mutex_unlock(&box->lock);
	}
	return NULL;
}

/* Fills the mailbox every 40 ms. */
static void *filler(void *arg)
{
	(void)arg;
	name("filler");
	for (int i = 0; i < rounds; i++) {
		nap(40);
		pthread_mutex_lock(&box->lock);
		box->full = 1;
		pthread_cond_signal(&box->ready);
		pthread_mutex_unlock(&box->lock);
		while (1) { /* until it is taken */
			int full;

			pthread_mutex_lock(&box->lock);
			full = box->full;
			pthread_mutex_unlock(&box->lock);
			if (!full)
				break;
			nap(1);
		}
	}
	return NULL;
}

/* Holds the table for writing. */
static void *writer(void *arg)
{
	(void)arg;
	name("writer");
	pthread_rwlock_wrlock(&table_rw);
	nap(60);
	pthread_rwlock_unlock(&table_rw);
	return NULL;
}

/* Reads the table while writer has it. */
static void *reader(void *arg)
{
	(void)arg;
	name("reader");
	nap(15);
	pthread_rwlock_rdlock(&table_rw);
	pthread_rwlock_unlock(&table_rw);
	return NULL;
}

/* Waits for free slots. */
static void *sem_waiter(void *arg)
{
	(void)arg;
	name("sem-waiter");
	for (int i = 0; i < rounds; i++)
		sem_wait(&free_slots);
	return NULL;
}

/* Posts a slot every 30 ms. */
static void *poster(void *arg)
{
	(void)arg;
	name("poster");
	for (int i = 0; i < rounds; i++) {
		nap(30);
		sem_post(&free_slots);
	}
	return NULL;
}

/* Reaches the barrier first. */
static void *bar_early(void *arg)
{
	(void)arg;
	name("bar-early");
	for (int i = 0; i < rounds; i++)
		pthread_barrier_wait(&meeting);
	return NULL;
}

/* Reaches the barrier 30 ms later. */
static void *bar_late(void *arg)
{
	(void)arg;
	name("bar-late");
	for (int i = 0; i < rounds; i++) {
		nap(30);
		pthread_barrier_wait(&meeting);
	}
	return NULL;
}

/* Lives 80 ms, to be joined. */
static void *joined(void *arg)
{
	(void)arg;
	name("joined");
	nap(80);
	return NULL;
}

/* Waits on a futex word of its own, with a timeout. */
static void *raw_futex(void *arg)
{
	struct timespec ts = { 0, 30 * 1000000L };

	(void)arg;
	name("raw-futex");
	handmade = 1;
	for (int i = 0; i < rounds; i++)
		syscall(SYS_futex, &handmade, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
	return NULL;
}

/* Waits on a futex word in a page, then unmaps the page. */
static void *unmapper(void *arg)
{
	struct timespec ts = { 0, 20 * 1000000L };
	int *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	name("unmapper");
	if (page == MAP_FAILED)
		return NULL;
	page[0] = 2;
	syscall(SYS_futex, page, FUTEX_WAIT_PRIVATE, 2, &ts, NULL, 0);
	munmap(page, 4096);
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*fns[])(void *) = { holder, mutex_waiter, cond_waiter, filler, writer, reader, sem_waiter,
				    poster, bar_early, bar_late, raw_futex, unmapper, acct_holder, acct_waiter };
	pthread_t th[sizeof(fns) / sizeof(fns[0])], j;
	size_t i;

	if (argc == 3 && strcmp(argv[1], "--rounds") == 0)
		rounds = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
	box = calloc(1, sizeof(*box));
	if (!box)
		return 1;
	pthread_mutex_init(&box->lock, NULL);
	pthread_cond_init(&box->ready, NULL);
	sem_init(&free_slots, 0, 0);
	pthread_barrier_init(&meeting, NULL, 2);
	pthread_create(&j, NULL, joined, NULL);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		pthread_create(&th[i], NULL, fns[i], NULL);
	pthread_join(j, NULL);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		pthread_join(th[i], NULL);
	printf("syncwaits: %d rounds\n", rounds);
	free(box);
	return 0;
}
