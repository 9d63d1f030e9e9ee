/* A thread that runs jobs in the order they are asked for, off the
 * event-delivery path: the tracer has two, one attaching uprobes
 * (attacher.c), one reading symbol files (reader.c). A job is an opaque
 * pointer the worker's run function knows. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include "mem.h"
#include "tracer_int.h"

struct tracer_worker {
	tracer_job_fn run;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	void **queue;       /* jobs, oldest first from head */
	size_t head, n, cap;
	bool stop;
};

/* The thread: runs jobs until told to stop. */
static void *worker_main(void *arg)
{
	struct tracer_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->n && !w->stop)
			pthread_cond_wait(&w->more, &w->lock);
		if (w->stop)
			break;
		void *job = w->queue[w->head++];

		if (!--w->n)
			w->head = 0;
		pthread_mutex_unlock(&w->lock);
		w->run(w->ctx, job);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Starts a worker whose jobs run as run(ctx, job). Returns 0 or -errno. */
int tracer_worker_new(struct tracer_worker **out, tracer_job_fn run, void *ctx)
{
	struct tracer_worker *w;
	int e;

	*out = w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->run = run;
	w->ctx = ctx;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	e = pthread_create(&w->thread, NULL, worker_main, w);
	if (e) {
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->lock);
		free(w);
		*out = NULL;
		return -e;
	}
	return 0;
}

/* Queues job. Returns 0, or -ENOMEM when the queue cannot grow (the caller
 * then runs or drops the job itself). */
int tracer_worker_push(struct tracer_worker *w, void *job)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->head && w->head + w->n == w->cap) { /* move the live part to the front */
		for (size_t i = 0; i < w->n; i++)
			w->queue[i] = w->queue[w->head + i];
		w->head = 0;
	}
	if (VEC_RESERVE(w->queue, w->cap, w->head + w->n + 1)) {
		r = -ENOMEM;
	} else {
		w->queue[w->head + w->n++] = job;
		pthread_cond_signal(&w->more);
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

/* Stops the thread after the job in hand, hands every job not run to drop
 * (when not NULL), and frees the worker. */
void tracer_worker_free(struct tracer_worker *w, void (*drop)(void *job))
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->more);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	for (size_t i = 0; drop && i < w->n; i++)
		drop(w->queue[w->head + i]);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	free(w->queue);
	free(w);
}
