/* The tracer's attaching thread: when a traced process runs a new program
 * or a new process appears, its uprobes (conctop_mark, and with --calls its
 * libc's functions) are attached here, off the event-delivery path.
 * Attaching a uprobe reads ELF files and may wait in the kernel
 * (uprobe_register) for as long as the traced program keeps its pages busy;
 * done while delivering, it held up every event behind it and, live, the
 * keys. probes.c does the attaching under t->probe_lock, which this thread
 * and the start of a session (cli/session.c) share. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "mem.h"
#include "tracer_int.h"

struct tracer_attacher {
	struct tracer *t;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	pid_t *queue;       /* processes to attach to, oldest first from head */
	size_t head, n, cap;
	bool stop;
};

/* Attaches the uprobes of one process; best effort: it may be gone. */
static void attach_one(struct tracer *t, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	tracer_attach_marks(t, pid, path);
	tracer_attach_libc(t, pid);
}

/* The thread: takes jobs until told to stop. */
static void *attacher_main(void *arg)
{
	struct tracer_attacher *a = arg;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->n && !a->stop)
			pthread_cond_wait(&a->more, &a->lock);
		if (a->stop)
			break;
		pid_t pid = a->queue[a->head++];

		a->n--;
		if (!a->n)
			a->head = 0;
		pthread_mutex_unlock(&a->lock);
		attach_one(a->t, pid);
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Starts the attaching thread of t. Returns 0 or -errno. */
int tracer_attacher_new(struct tracer_attacher **out, struct tracer *t)
{
	struct tracer_attacher *a = calloc(1, sizeof(*a));
	int e;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->t = t;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->more, NULL);
	e = pthread_create(&a->thread, NULL, attacher_main, a);
	if (e) {
		pthread_cond_destroy(&a->more);
		pthread_mutex_destroy(&a->lock);
		free(a);
		return -e;
	}
	*out = a;
	return 0;
}

/* Asks for process pid's uprobes; attached now, here, when the queue
 * cannot grow (out of memory), so that no process goes unprobed. */
void tracer_attacher_push(struct tracer_attacher *a, pid_t pid)
{
	pthread_mutex_lock(&a->lock);
	if (a->head && a->head + a->n == a->cap) { /* move the live part to the front */
		for (size_t i = 0; i < a->n; i++)
			a->queue[i] = a->queue[a->head + i];
		a->head = 0;
	}
	if (VEC_RESERVE(a->queue, a->cap, a->head + a->n + 1)) {
		pthread_mutex_unlock(&a->lock);
		attach_one(a->t, pid);
		return;
	}
	a->queue[a->head + a->n++] = pid;
	pthread_cond_signal(&a->more);
	pthread_mutex_unlock(&a->lock);
}

/* Stops the thread (after the job in hand; the rest are dropped: the
 * tracer is going away) and frees it. */
void tracer_attacher_free(struct tracer_attacher *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->more);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	pthread_cond_destroy(&a->more);
	pthread_mutex_destroy(&a->lock);
	free(a->queue);
	free(a);
}
