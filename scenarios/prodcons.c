/* prodcons: producers and consumers share a bounded buffer.
 *
 * The lesson. A bounded buffer (Python's queue.Queue(maxsize) in the course
 * notes) lets threads hand work to each other: producers put items in,
 * consumers take them out, first in first out. Because it is bounded, two
 * things can make a thread wait:
 *
 *   - a producer that finds the buffer full waits until a consumer takes an
 *     item out;
 *   - a consumer that finds it empty waits until a producer puts one in.
 *
 * One mutex, buffer_lock, guards the buffer itself. What makes threads wait
 * comes in two classic forms, chosen with --variant:
 *
 *   condvars     two condition variables, not_full and not_empty: each side,
 *                after changing the buffer, signals the condition the other
 *                side may be waiting for. Waiting is always in a while loop
 *                (see the condvar scenario).
 *   semaphores   two counting semaphores, empty_slots (starts at --size) and
 *                full_slots (starts at 0): a producer takes an empty slot
 *                (sem_wait, blocking when there is none), puts its item
 *                under buffer_lock, and posts a full slot; a consumer the
 *                other way round. The semaphores do the counting; the mutex
 *                only protects the buffer's insides.
 *   lbos-deadlock  the semaphore version with two lines swapped in the
 *                consumer: it takes buffer_lock FIRST and then waits on
 *                full_slots, holding the lock while it sleeps. When the
 *                buffer is empty, the producer that would fill it needs
 *                buffer_lock to put its item: each waits for the other,
 *                forever. This is the deadlock of "The Little Book of
 *                Semaphores" (LBoS), section 4.1. A watchdog notices that
 *                nothing moves for --timeout ms and ends the program with a
 *                message. The rule: never block on something while holding
 *                a lock the one who would wake you needs.
 *
 * The story. Consumers are slower than producers (each item takes them a
 * little work), so the buffer fills up and producers spend much of their
 * time blocked: back-pressure, the buffer's size setting how far producers
 * may run ahead. When all producers are done, main tells the consumers that
 * no more items will come, and they stop when the buffer is empty.
 *
 * What to watch under conctop: producer lanes alternate between running and
 * blocked (C on not_full, or S on empty_slots); consumers mostly run; each
 * consumer's take wakes a producer (^). Try --size 1 and --size 64, or make
 * consumers the faster side with more --consumers, and the picture turns
 * around. lbos-deadlock: every lane blocked (M or S), no CPU used, until the
 * watchdog ends it.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* One item: who made it, and its number in that producer's sequence. */
struct item {
	long producer; /* 0-based index of the producer */
	long seq;      /* 0, 1, 2, ... per producer */
};

/* The lock of the buffer, the two conditions of the condvars variant, and
 * the two semaphores of the others. */
static pthread_mutex_t buffer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static sem_t empty_slots; /* free slots: producers wait here when full */
static sem_t full_slots;  /* items in the buffer: consumers wait here */

/* The buffer: a ring of size slots holding count items from slot head on.
 * Everything here is read and written with buffer_lock held. */
static struct item *slots;
static long head, count;
static int no_more_items;      /* condvars: set by main when producers are done */
static long *next_seq;         /* per producer: the seq the next take must see */
static long out_of_order;      /* takes that saw another seq (lost/dup/reordered) */
static long consumed;          /* items taken in all */

/* lbos-deadlock: the consumer that sits on buffer_lock waiting (0: none).
 * Atomic: main and the watchdog read it without the lock. */
static atomic_int lock_sitter;

/* The variants, in the order of the --variant list. */
#define VARIANTS "condvars|semaphores|lbos-deadlock"
enum { CONDVARS, SEMAPHORES, LBOS_DEADLOCK };

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long producers = -1;
static long consumers = -1;
static long items = -1;
static long size = 4;
static long pace = 0;
static long variant = CONDVARS;
static long timeout_ms = -1;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 2, 512,
	 "producers + consumers, split in half (default 4)"},
	{"--producers", "N", &producers, 1, 256, "producer threads (default: half of --threads)"},
	{"--consumers", "N", &consumers, 1, 256, "consumer threads (default: the rest of --threads)"},
	{"--items", "N", &items, 1, 100000000,
	 "items each producer makes (default 5000, or 10 with --pace)"},
	{"--iterations", "N", &items, 1, 100000000, "same as --items"},
	{"--size", "N", &size, 1, 100000, "slots in the buffer (default 4)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "making an item takes MS ms of CPU, using one 2*MS (default 0)"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "what producers and consumers wait on (default condvars)"},
	{"--timeout", "MS", &timeout_ms, 1, 600000,
	 "lbos-deadlock: the watchdog ends the program after MS ms\n"
	 "without progress (default 200, or 10 x the pace)"},
};

static const char about[] =
	"Producers put items into a bounded buffer of --size slots; consumers take\n"
	"them out, under the mutex buffer_lock. Consumers are the slower side, so\n"
	"producers keep finding the buffer full and block.\n"
	"  condvars       producers wait on not_full, consumers on not_empty\n"
	"  semaphores     producers wait on empty_slots, consumers on full_slots\n"
	"  lbos-deadlock  consumers wait on full_slots while holding buffer_lock,\n"
	"                 which producers need: deadlock; a watchdog catches it\n"
	"Self-check: every item produced was consumed exactly once, in order per\n"
	"producer (also prints how often the buffer was found full and empty);\n"
	"lbos-deadlock: the deadlock happened and the watchdog caught it.";

/* Which thread is which (producer-1, consumer-2, ...), and what it saw. */
struct role {
	pthread_t thread;
	int id;
	long found_full;  /* producer: puts that had to wait for a free slot */
	long found_empty; /* consumer: takes that had to wait for an item */
};

/* Puts an item at the tail. Call with buffer_lock held and a free slot. */
static void put_locked(struct item it)
{
	slots[(head + count) % size] = it;
	count++;
	conctop_mark("buffer =", count); /* the lanes' fill strip: items held now */
}

/* Takes the item at the head, and checks it while the buffer is still
 * ours: items of one producer must come out in the order they went in,
 * none missing, none twice. Call with buffer_lock held and an item there. */
static struct item take_locked(void)
{
	struct item it = slots[head];
	head = (head + 1) % size;
	count--;
	conctop_mark("buffer =", count);
	if (it.seq != next_seq[it.producer])
		out_of_order++;
	next_seq[it.producer] = it.seq + 1;
	consumed++;
	return it;
}

/* Waits for a semaphore, counting a wait when it is at zero: sem_trywait
 * takes it only if it can do so at once. */
static void sem_wait_counting(sem_t *sem, long *waits)
{
	if (sem_trywait(sem) == 0)
		return;
	(*waits)++;
	while (sem_wait(sem) != 0)
		; /* interrupted by a signal: wait again */
}

/* A producer puts one item in, the condvars way. */
static void put_condvars(struct item it, struct role *me)
{
	pthread_mutex_lock(&buffer_lock);
	if (count == size) {
		me->found_full++;
		conctop_mark("buffer full", count);
	}
	while (count == size)
		pthread_cond_wait(&not_full, &buffer_lock);
	put_locked(it);
	pthread_cond_signal(&not_empty); /* a consumer may be waiting */
	pthread_mutex_unlock(&buffer_lock);
}

/* A producer puts one item in, the semaphores way (also lbos-deadlock:
 * its producers are right; the bug is in its consumers). */
static void put_semaphores(struct item it, struct role *me)
{
	if (sem_trywait(&empty_slots) != 0) {
		me->found_full++;
		conctop_mark("buffer full", size);
		while (sem_wait(&empty_slots) != 0)
			;
	}
	pthread_mutex_lock(&buffer_lock);
	put_locked(it);
	pthread_mutex_unlock(&buffer_lock);
	sem_post(&full_slots); /* one more item for the consumers */
}

/* A consumer takes one item, the condvars way; 0 when no more will come. */
static int take_condvars(struct item *it, struct role *me)
{
	pthread_mutex_lock(&buffer_lock);
	if (count == 0 && !no_more_items)
		me->found_empty++;
	while (count == 0 && !no_more_items)
		pthread_cond_wait(&not_empty, &buffer_lock);
	if (count == 0) { /* empty, and nothing more will come */
		pthread_mutex_unlock(&buffer_lock);
		return 0;
	}
	*it = take_locked();
	pthread_cond_signal(&not_full); /* a producer may be waiting */
	pthread_mutex_unlock(&buffer_lock);
	return 1;
}

/* A consumer takes one item, the semaphores way; 0 when no more will come
 * (main posts full_slots once per consumer at the end: a post with no item
 * behind it means "stop"). */
static int take_semaphores(struct item *it, struct role *me)
{
	sem_wait_counting(&full_slots, &me->found_empty);
	pthread_mutex_lock(&buffer_lock);
	if (count == 0) {
		pthread_mutex_unlock(&buffer_lock);
		return 0;
	}
	*it = take_locked();
	pthread_mutex_unlock(&buffer_lock);
	sem_post(&empty_slots); /* one more free slot for the producers */
	return 1;
}

/* The LBoS deadlock: the same, with the lock taken before the wait. */
static int take_lbos(struct item *it, struct role *me)
{
	pthread_mutex_lock(&buffer_lock);
	atomic_store(&lock_sitter, me->id);
	sem_wait_counting(&full_slots, &me->found_empty); /* holding the lock! */
	atomic_store(&lock_sitter, 0);
	if (count == 0) {
		pthread_mutex_unlock(&buffer_lock);
		return 0;
	}
	*it = take_locked();
	pthread_mutex_unlock(&buffer_lock);
	sem_post(&empty_slots);
	return 1;
}

/* A producer: makes items and puts each into the buffer, waiting when full. */
static void *producer_main(void *arg)
{
	struct role *me = arg;
	scn_name_thread("producer", me->id);

	for (long seq = 0; seq < items; seq++) {
		struct item it = {me->id - 1, seq};
		scn_pace(pace); /* make the item */
		if (variant == CONDVARS)
			put_condvars(it, me);
		else
			put_semaphores(it, me);
		conctop_mark("item produced", seq);
		scn_progress();
	}
	return NULL;
}

/* A consumer: takes items out until the producers are done and it is empty. */
static void *consumer_main(void *arg)
{
	struct role *me = arg;
	scn_name_thread("consumer", me->id);

	for (;;) {
		struct item it;
		int got = variant == CONDVARS     ? take_condvars(&it, me)
			  : variant == SEMAPHORES ? take_semaphores(&it, me)
						  : take_lbos(&it, me);
		if (!got)
			break;
		conctop_mark("item consumed", it.seq);
		scn_progress();

		/* Use the item: consumers are the slower side. */
		if (pace > 0)
			scn_pace(2 * pace);
		else
			scn_busy_us(5);
	}
	return NULL;
}

/* lbos-deadlock: what the watchdog says when nothing moves any more. */
static int report_deadlock(void)
{
	int sitter = atomic_load(&lock_sitter);
	/* consumed is the buffer's, but every thread is stuck: reading it
	 * without the lock is safe now. */
	printf("prodcons: lbos-deadlock: ");
	if (sitter)
		printf("consumer-%d holds buffer_lock while it waits on "
		       "full_slots, and the producers need buffer_lock to add "
		       "the item it waits for: deadlock, nothing moved for %ld ms "
		       "(%ld of %ld items consumed); the watchdog caught it\n",
		       sitter, timeout_ms, consumed, producers * items);
	else
		printf("WRONG: stuck for %ld ms, but no consumer sits on "
		       "buffer_lock\n", timeout_ms);
	return sitter ? 0 : 1;
}

/* Runs producers and consumers, then checks every item came through once. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "prodcons", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (producers < 0)
		producers = threads / 2;
	if (consumers < 0)
		consumers = threads - producers > 0 ? threads - producers : 1;
	if (items < 0)
		items = pace > 0 ? 10 : 5000;
	if (timeout_ms < 0)
		timeout_ms = pace * 10 > 200 ? pace * 10 : 200;
	scn_name_thread("prodcons", 0);

	slots = scn_calloc(size, sizeof *slots);
	next_seq = scn_calloc(producers, sizeof *next_seq);
	struct role *prod = scn_calloc(producers, sizeof *prod);
	struct role *cons = scn_calloc(consumers, sizeof *cons);
	scn_check(sem_init(&empty_slots, 0, (unsigned)size) ? errno : 0, "sem_init");
	scn_check(sem_init(&full_slots, 0, 0) ? errno : 0, "sem_init");
	if (variant == LBOS_DEADLOCK)
		scn_watchdog_start(timeout_ms, report_deadlock);

	for (int i = 0; i < consumers; i++) {
		cons[i].id = i + 1;
		scn_check(pthread_create(&cons[i].thread, NULL, consumer_main,
					 &cons[i]),
			  "pthread_create");
	}
	/* lbos-deadlock, a stage direction: start the producers only once a
	 * consumer sits on buffer_lock, waiting for an item. The deadlock then
	 * happens on every run, at once; without this it would happen the
	 * first time the buffer runs empty: sooner or later. */
	if (variant == LBOS_DEADLOCK)
		while (!atomic_load(&lock_sitter))
			scn_sleep_ms(1);
	for (int i = 0; i < producers; i++) {
		prod[i].id = i + 1;
		scn_check(pthread_create(&prod[i].thread, NULL, producer_main,
					 &prod[i]),
			  "pthread_create");
	}

	/* When every producer is done, tell all consumers no more will come. */
	for (int i = 0; i < producers; i++)
		scn_check(pthread_join(prod[i].thread, NULL), "pthread_join");
	if (variant == CONDVARS) {
		pthread_mutex_lock(&buffer_lock);
		no_more_items = 1;
		pthread_cond_broadcast(&not_empty);
		pthread_mutex_unlock(&buffer_lock);
	} else {
		for (int i = 0; i < consumers; i++)
			sem_post(&full_slots); /* a post with no item: "stop" */
	}
	for (int i = 0; i < consumers; i++)
		scn_check(pthread_join(cons[i].thread, NULL), "pthread_join");
	scn_watchdog_stop();

	/* The self-check: each producer's items all came out, in order. */
	long missing = 0, found_full = 0, found_empty = 0;
	for (long p = 0; p < producers; p++) {
		if (next_seq[p] != items)
			missing++;
		found_full += prod[p].found_full;
	}
	for (long c = 0; c < consumers; c++)
		found_empty += cons[c].found_empty;
	long total = producers * items;
	int ok = out_of_order == 0 && missing == 0 && consumed == total &&
		 variant != LBOS_DEADLOCK;
	conctop_mark("items consumed", consumed);

	char name[16];
	scn_choice_name(VARIANTS, variant, name, sizeof name);
	if (variant == LBOS_DEADLOCK)
		printf("prodcons: lbos-deadlock: WRONG: expected a deadlock, but "
		       "all %ld items came through\n", consumed);
	else if (ok)
		printf("prodcons: %s: %ld items from %ld producer%s consumed "
		       "exactly once, in order per producer, by %ld consumer%s; "
		       "buffer of %ld found full %ld times, empty %ld times\n",
		       name, total, producers, producers == 1 ? "" : "s",
		       consumers, consumers == 1 ? "" : "s", size, found_full,
		       found_empty);
	else
		printf("prodcons: %s: WRONG: %ld of %ld items consumed, %ld out "
		       "of order, %ld producers' sequences incomplete\n",
		       name, consumed, total, out_of_order, missing);

	sem_destroy(&empty_slots);
	sem_destroy(&full_slots);
	free(prod);
	free(cons);
	free(next_seq);
	free(slots);
	return ok ? 0 : 1;
}
