/* prodcons: producers and consumers share a bounded buffer.
 *
 * The lesson. A bounded buffer (Python's queue.Queue(maxsize) in the course
 * notes) lets threads hand work to each other: producers put items in,
 * consumers take them out, first in first out. Because it is bounded, two
 * things can make a thread wait:
 *
 *   - a producer that finds the buffer full waits on not_full, until a
 *     consumer takes an item out;
 *   - a consumer that finds it empty waits on not_empty, until a producer
 *     puts one in.
 *
 * One mutex, buffer_lock, guards the buffer; the two condition variables say
 * what changed. Each side, after changing the buffer, signals the condition
 * the other side may be waiting for. Waiting is always in a while loop: a
 * woken producer may find that another producer filled the free slot first.
 *
 * The story. Consumers are slower than producers (each item takes them a
 * little work), so the buffer fills up and producers spend much of their
 * time blocked on not_full: back-pressure, the buffer's size setting how far
 * producers may run ahead. When all producers are done, main tells the
 * consumers that no more items will come, and they stop when the buffer is
 * empty.
 *
 * What to watch under conctop: producer lanes alternate between running and
 * C (blocked on not_full); consumers mostly run; each consumer's take wakes
 * a producer (^). Try --size 1 and --size 64, or make consumers the faster
 * side with more --consumers, and the picture turns around.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* One item: who made it, and its number in that producer's sequence. */
struct item {
	long producer; /* 0-based index of the producer */
	long seq;      /* 0, 1, 2, ... per producer */
};

/* The lock and the two conditions of the bounded buffer. */
static pthread_mutex_t buffer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;

/* The buffer: a ring of size slots holding count items from slot head on.
 * Everything here is read and written with buffer_lock held. */
static struct item *slots;
static long head, count;
static int no_more_items;      /* set by main when all producers are done */
static long found_full;        /* puts that had to wait for a free slot */
static long found_empty;       /* takes that had to wait for an item */
static long *next_seq;         /* per producer: the seq the next take must see */
static long out_of_order;      /* takes that saw another seq (lost/dup/reordered) */
static long consumed;          /* items taken in all */

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long producers = -1;
static long consumers = -1;
static long items = -1;
static long size = 4;
static long pace = 0;

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
};

static const char about[] =
	"Producers put items into a bounded buffer of --size slots; consumers take\n"
	"them out. One mutex, buffer_lock, guards it; producers wait on not_full\n"
	"when it is full, consumers on not_empty when it is empty. Consumers are\n"
	"the slower side, so producers keep finding the buffer full and block.\n"
	"Self-check: every item produced was consumed exactly once, in order per\n"
	"producer; also prints how often the buffer was found full and empty.";

/* Which thread is which: producer-1, consumer-2, ... */
struct role {
	pthread_t thread;
	int id;
};

/* A producer: makes items and puts each into the buffer, waiting when full. */
static void *producer_main(void *arg)
{
	struct role *me = arg;
	scn_name_thread("producer", me->id);

	for (long seq = 0; seq < items; seq++) {
		struct item it = {me->id - 1, seq};
		scn_pace(pace); /* make the item */

		pthread_mutex_lock(&buffer_lock);
		if (count == size)
			found_full++;
		while (count == size)
			pthread_cond_wait(&not_full, &buffer_lock);
		slots[(head + count) % size] = it;
		count++;
		pthread_cond_signal(&not_empty); /* a consumer may be waiting */
		pthread_mutex_unlock(&buffer_lock);
		conctop_mark("item produced", seq);
	}
	return NULL;
}

/* A consumer: takes items out until the producers are done and it is empty. */
static void *consumer_main(void *arg)
{
	struct role *me = arg;
	scn_name_thread("consumer", me->id);

	for (;;) {
		pthread_mutex_lock(&buffer_lock);
		if (count == 0 && !no_more_items)
			found_empty++;
		while (count == 0 && !no_more_items)
			pthread_cond_wait(&not_empty, &buffer_lock);
		if (count == 0) { /* empty, and nothing more will come */
			pthread_mutex_unlock(&buffer_lock);
			break;
		}
		struct item it = slots[head];
		head = (head + 1) % size;
		count--;
		/* The check, done while the buffer is still ours: items of one
		 * producer must come out in the order they went in, none missing,
		 * none twice. */
		if (it.seq != next_seq[it.producer])
			out_of_order++;
		next_seq[it.producer] = it.seq + 1;
		consumed++;
		pthread_cond_signal(&not_full); /* a producer may be waiting */
		pthread_mutex_unlock(&buffer_lock);
		conctop_mark("item consumed", it.seq);

		/* Use the item: consumers are the slower side. */
		if (pace > 0)
			scn_pace(2 * pace);
		else
			scn_busy_us(5);
	}
	return NULL;
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
	scn_name_thread("prodcons", 0);

	slots = scn_calloc(size, sizeof *slots);
	next_seq = scn_calloc(producers, sizeof *next_seq);
	struct role *prod = scn_calloc(producers, sizeof *prod);
	struct role *cons = scn_calloc(consumers, sizeof *cons);

	for (int i = 0; i < consumers; i++) {
		cons[i].id = i + 1;
		scn_check(pthread_create(&cons[i].thread, NULL, consumer_main,
					 &cons[i]),
			  "pthread_create");
	}
	for (int i = 0; i < producers; i++) {
		prod[i].id = i + 1;
		scn_check(pthread_create(&prod[i].thread, NULL, producer_main,
					 &prod[i]),
			  "pthread_create");
	}

	/* When every producer is done, tell all consumers no more will come. */
	for (int i = 0; i < producers; i++)
		scn_check(pthread_join(prod[i].thread, NULL), "pthread_join");
	pthread_mutex_lock(&buffer_lock);
	no_more_items = 1;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&buffer_lock);
	for (int i = 0; i < consumers; i++)
		scn_check(pthread_join(cons[i].thread, NULL), "pthread_join");

	/* The self-check: each producer's items all came out, in order. */
	long missing = 0;
	for (long p = 0; p < producers; p++)
		if (next_seq[p] != items)
			missing++;
	long total = producers * items;
	int ok = out_of_order == 0 && missing == 0 && consumed == total;
	conctop_mark("items consumed", consumed);

	if (ok)
		printf("prodcons: %ld items from %ld producer%s consumed exactly "
		       "once, in order per producer, by %ld consumer%s; buffer of "
		       "%ld found full %ld times, empty %ld times\n",
		       total, producers, producers == 1 ? "" : "s", consumers,
		       consumers == 1 ? "" : "s", size, found_full, found_empty);
	else
		printf("prodcons: WRONG: %ld of %ld items consumed, %ld out of "
		       "order, %ld producers' sequences incomplete\n",
		       consumed, total, out_of_order, missing);

	free(prod);
	free(cons);
	free(next_seq);
	free(slots);
	return ok ? 0 : 1;
}
