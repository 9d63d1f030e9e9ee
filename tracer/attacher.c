/* The tracer's attaching thread: when a traced process runs a new program
 * or a new process appears, its uprobes (conctop_mark, and with --calls its
 * libc's functions) are attached here, off the event-delivery path.
 * Attaching a uprobe reads ELF files and may wait in the kernel
 * (uprobe_register) for as long as the traced program keeps its pages busy;
 * done while delivering, it held up every event behind it and, live, the
 * keys. probes.c does the attaching under t->probe_lock, which this thread
 * and the start of a session (cli/session.c) share. */
#include <stdint.h>
#include <stdio.h>
#include "tracer_int.h"

/* Attaches the uprobes of one process; best effort: it may be gone. */
static void attach_one(struct tracer *t, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	tracer_attach_marks(t, pid, path);
	tracer_attach_libc(t, pid);
}

/* The worker's job: a pid carried in the job pointer. */
static void attach_job(void *ctx, void *job)
{
	attach_one(ctx, (pid_t)(intptr_t)job);
}

/* Starts the attaching thread of t. Returns 0 or -errno. */
int tracer_attacher_new(struct tracer_worker **out, struct tracer *t)
{
	return tracer_worker_new(out, attach_job, t);
}

/* Asks for process pid's uprobes; attached now, here, when the queue
 * cannot grow (out of memory), so that no process goes unprobed. */
void tracer_attacher_push(struct tracer_worker *a, struct tracer *t, pid_t pid)
{
	if (tracer_worker_push(a, (void *)(intptr_t)pid))
		attach_one(t, pid);
}

/* Stops the thread (after the job in hand; the rest are dropped: the
 * tracer is going away) and frees it. */
void tracer_attacher_free(struct tracer_worker *a)
{
	tracer_worker_free(a, NULL);
}
