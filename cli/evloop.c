/* One poll() over descriptors and deadlines (see evloop.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "evloop.h"

#define MAX_FDS 8
#define MAX_TIMERS 8

struct evloop {
	struct pollfd pfd[MAX_FDS];
	struct {
		evloop_fd_fn fn;
		void *ctx;
	} src[MAX_FDS];
	int nfds;
	struct {
		evloop_timer_fn fn;
		void *ctx;
		uint64_t due;
	} timer[MAX_TIMERS];
	int ntimers;
	sigset_t wait_mask;    /* the mask while waiting: SIGWINCH let through */
	bool winch_was_blocked;
};

/* CLOCK_MONOTONIC in ns. */
uint64_t evloop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Creates a loop. */
int evloop_new(struct evloop **out)
{
	struct evloop *l = calloc(1, sizeof(*l));
	sigset_t winch, old;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, &old);
	l->winch_was_blocked = sigismember(&old, SIGWINCH) == 1;
	l->wait_mask = old;
	sigdelset(&l->wait_mask, SIGWINCH);
	*out = l;
	return 0;
}

/* Frees the loop. */
void evloop_free(struct evloop *l)
{
	sigset_t winch;

	if (!l)
		return;
	if (!l->winch_was_blocked) {
		sigemptyset(&winch);
		sigaddset(&winch, SIGWINCH);
		sigprocmask(SIG_UNBLOCK, &winch, NULL);
	}
	free(l);
}

/* Watches fd. */
int evloop_watch(struct evloop *l, int fd, evloop_fd_fn fn, void *ctx)
{
	if (fd < 0)
		return -EINVAL;
	if (l->nfds == MAX_FDS)
		return -ENOSPC;
	l->pfd[l->nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
	l->src[l->nfds].fn = fn;
	l->src[l->nfds].ctx = ctx;
	l->nfds++;
	return 0;
}

/* Stops watching fd: its slot is marked, and removed after the round. */
void evloop_unwatch(struct evloop *l, int fd)
{
	int i;

	for (i = 0; i < l->nfds; i++)
		if (l->pfd[i].fd == fd)
			l->pfd[i].fd = -1;
}

/* Drops the slots evloop_unwatch marked. */
static void compact(struct evloop *l)
{
	int i, n = 0;

	for (i = 0; i < l->nfds; i++) {
		if (l->pfd[i].fd < 0)
			continue;
		l->pfd[n] = l->pfd[i];
		l->src[n] = l->src[i];
		n++;
	}
	l->nfds = n;
}

/* Adds a timer. */
int evloop_timer(struct evloop *l, evloop_timer_fn fn, void *ctx)
{
	if (l->ntimers == MAX_TIMERS)
		return -ENOSPC;
	l->timer[l->ntimers].fn = fn;
	l->timer[l->ntimers].ctx = ctx;
	l->timer[l->ntimers].due = EVLOOP_NEVER;
	return l->ntimers++;
}

/* Arms a timer. */
void evloop_arm(struct evloop *l, int id, uint64_t due_ns)
{
	if (id >= 0 && id < l->ntimers)
		l->timer[id].due = due_ns;
}

/* When a timer falls due. */
uint64_t evloop_due(const struct evloop *l, int id)
{
	return id >= 0 && id < l->ntimers ? l->timer[id].due : EVLOOP_NEVER;
}

/* Waits, then runs what is ready. */
unsigned evloop_run_once(struct evloop *l)
{
	uint64_t next = EVLOOP_NEVER, now = evloop_now();
	struct timespec ts, *timeout = NULL;
	unsigned flags = 0;
	int i, n;

	for (i = 0; i < l->ntimers; i++)
		if (l->timer[i].due < next)
			next = l->timer[i].due;
	if (next != EVLOOP_NEVER) {
		uint64_t wait = next > now ? next - now : 0;

		ts.tv_sec = (time_t)(wait / 1000000000ull);
		ts.tv_nsec = (long)(wait % 1000000000ull);
		timeout = &ts;
	}
	n = ppoll(l->pfd, (nfds_t)l->nfds, timeout, &l->wait_mask);
	if (n < 0 && errno == EINTR)
		flags |= EVLOOP_SIGNAL;
	for (i = 0; n > 0 && i < l->nfds; i++) {
		short re = l->pfd[i].revents;

		if (l->pfd[i].fd < 0 || !re)
			continue;
		if (re & POLLNVAL)
			l->pfd[i].fd = -1; /* closed under us: never again */
		else
			flags |= l->src[i].fn(l->src[i].ctx, l->pfd[i].fd, re);
	}
	compact(l);
	now = evloop_now();
	for (i = 0; i < l->ntimers; i++) {
		if (l->timer[i].due > now)
			continue;
		l->timer[i].due = EVLOOP_NEVER;
		flags |= l->timer[i].fn(l->timer[i].ctx, now);
	}
	return flags;
}
