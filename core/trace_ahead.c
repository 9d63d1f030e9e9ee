/* Reading a trace ahead on a thread of its own (see trace_ahead.h): a ring
 * of batches of decoded events, filled by the thread and emptied by the
 * caller, each batch ending where the reader said something other than an
 * event (damage, the end, an error) so that the order is the reader's. */
#include "trace_ahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AHEAD_BATCHES 8
#define AHEAD_EVENTS 4096 /* a batch: about 480 KB of events (the ring: 3.8 MB) */

/* Events decoded in a row, and what ended them. */
struct ahead_batch {
	struct event ev[AHEAD_EVENTS];
	unsigned n;
	int status;      /* 1: full, more follow; else what ended it: TRACE_DAMAGED, 0, < 0 */
	uint64_t offset; /* the reader's offset after it */
	struct trace_resume at; /* the reader's resume point before its first event */
	bool at_ok;
	char err[512];   /* the reader's words for a status other than 1 and 0 */
};

struct trace_ahead {
	struct trace_reader *r;
	pthread_t thread;
	bool joined;
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	struct ahead_batch *b;  /* the ring */
	unsigned head, count;   /* under lock: the oldest filled batch, and how many are filled */
	bool stop;              /* under lock: the caller is done */
	/* the caller's side */
	bool have;              /* the batch at head is being emptied */
	unsigned pos;           /* its next event */
	int final;              /* 1 while reading, then the end or error returned */
	uint64_t offset;
	struct trace_resume after; /* the resume point after the last batch emptied */
	bool after_ok;
	char err[512];
};

/* The thread: fills batches until the end, an error, or stop. */
static void *ahead_run(void *arg)
{
	struct trace_ahead *a = arg;

	for (;;) {
		struct ahead_batch *b;
		int rc;

		pthread_mutex_lock(&a->lock);
		while (a->count == AHEAD_BATCHES && !a->stop)
			pthread_cond_wait(&a->emptied, &a->lock);
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			return NULL;
		}
		b = &a->b[(a->head + a->count) % AHEAD_BATCHES];
		pthread_mutex_unlock(&a->lock);

		b->n = 0;
		b->at_ok = trace_reader_resume_point(a->r, &b->at) == 0;
		rc = trace_reader_many(a->r, b->ev, AHEAD_EVENTS, &b->n);
		b->status = rc;
		b->err[0] = '\0';
		if (rc != 1 && rc != 0)
			snprintf(b->err, sizeof(b->err), "%s", trace_reader_error(a->r));
		b->offset = trace_reader_offset(a->r);

		pthread_mutex_lock(&a->lock);
		a->count++;
		pthread_cond_signal(&a->filled);
		pthread_mutex_unlock(&a->lock);
		if (rc != 1 && rc != TRACE_DAMAGED)
			return NULL; /* the end, or an error: the reader is left as it stopped */
	}
}

/* Starts the thread on r (see trace_ahead.h). */
int trace_ahead_new(struct trace_ahead **out, struct trace_reader *r)
{
	struct trace_ahead *a = calloc(1, sizeof(*a));
	int e;

	*out = NULL;
	/* calloc: trace_reader_many wants the slots' texts all zero after
	 * their NUL, as it leaves them (a malloc this large happens to come
	 * zeroed from mmap; nothing promises it) */
	if (!a || !(a->b = calloc(AHEAD_BATCHES, sizeof(*a->b)))) {
		free(a);
		return -ENOMEM;
	}
	a->r = r;
	a->final = 1;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->filled, NULL);
	pthread_cond_init(&a->emptied, NULL);
	e = pthread_create(&a->thread, NULL, ahead_run, a);
	if (e) {
		pthread_cond_destroy(&a->emptied);
		pthread_cond_destroy(&a->filled);
		pthread_mutex_destroy(&a->lock);
		free(a->b);
		free(a);
		return -e;
	}
	*out = a;
	return 0;
}

/* Gives the batch at head back to the thread, waking it (when it waits
 * for room) only once half the ring is free: a wakeup costs a system call
 * or two, so the thread refills several batches per wakeup. */
static void ahead_release(struct trace_ahead *a)
{
	const struct ahead_batch *b = &a->b[a->head];

	a->after = b->at;
	a->after.skip += b->n;
	a->after_ok = b->at_ok && b->status == 1;
	pthread_mutex_lock(&a->lock);
	a->head = (a->head + 1) % AHEAD_BATCHES;
	a->count--;
	if (a->count <= AHEAD_BATCHES / 2)
		pthread_cond_signal(&a->emptied);
	pthread_mutex_unlock(&a->lock);
	a->have = false;
	a->pos = 0;
}

/* The next events (at most max, at least 1, in a row of the batch being
 * emptied), damage, end or error, in the reader's order. Inlined: with
 * max 1 it is the per-event path of every loader (a call more per event
 * otherwise). */
static inline __attribute__((always_inline)) int next_run(struct trace_ahead *a, const struct event **ev,
							  size_t *n, unsigned max)
{
	for (;;) {
		struct ahead_batch *b;
		int status;

		if (a->final != 1)
			return a->final;
		if (!a->have) {
			pthread_mutex_lock(&a->lock);
			while (a->count == 0)
				pthread_cond_wait(&a->filled, &a->lock);
			pthread_mutex_unlock(&a->lock);
			a->have = true;
		}
		b = &a->b[a->head];
		if (a->pos < b->n) {
			*n = b->n - a->pos < max ? b->n - a->pos : max;
			*ev = &b->ev[a->pos];
			a->pos += (unsigned)*n;
			return 1;
		}
		status = b->status;
		a->offset = b->offset;
		if (status != 1)
			memcpy(a->err, b->err, sizeof(a->err));
		ahead_release(a);
		if (status == TRACE_DAMAGED)
			return status;
		if (status != 1) {
			pthread_join(a->thread, NULL); /* it ended after this batch: the reader is quiet */
			a->joined = true;
			a->final = status;
			return status;
		}
	}
}

/* The next event, damage, end or error, in the reader's order. */
int trace_ahead_next(struct trace_ahead *a, const struct event **ev)
{
	size_t n;

	return next_run(a, ev, &n, 1);
}

/* The events left of the batch being emptied (see trace_ahead.h). */
int trace_ahead_next_run(struct trace_ahead *a, const struct event **ev, size_t *n)
{
	return next_run(a, ev, n, AHEAD_EVENTS);
}

/* The resume point after the events returned (see trace_ahead.h). */
int trace_ahead_resume_point(const struct trace_ahead *a, struct trace_resume *at)
{
	const struct ahead_batch *b = &a->b[a->head];

	if (!a->have) {
		*at = a->after;
		return a->after_ok ? 0 : -EAGAIN;
	}
	if (!b->at_ok)
		return -EAGAIN;
	*at = b->at;
	at->skip += a->pos;
	return 0;
}

/* The reader's words for the last damage or error returned. */
const char *trace_ahead_error(const struct trace_ahead *a)
{
	return a->err;
}

/* Bytes read as of the events returned. */
uint64_t trace_ahead_offset(const struct trace_ahead *a)
{
	return a->offset;
}

/* Stops the thread and frees everything but the reader. */
void trace_ahead_free(struct trace_ahead *a)
{
	if (!a)
		return;
	if (!a->joined) {
		pthread_mutex_lock(&a->lock);
		a->stop = true;
		pthread_cond_signal(&a->emptied);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
	}
	pthread_cond_destroy(&a->emptied);
	pthread_cond_destroy(&a->filled);
	pthread_mutex_destroy(&a->lock);
	free(a->b);
	free(a);
}
