/* Processes that undo what conctop did when it dies (see watchdog.h). */
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Closes every descriptor but keep_a and keep_b (-1: none). */
static void close_all_but(int keep_a, int keep_b)
{
	int lo = keep_a < keep_b ? keep_a : keep_b, hi = keep_a < keep_b ? keep_b : keep_a;

	if (lo > 0)
		close_range(0, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
}

/* The watchdog's side: waits until conctop dismisses it ('q') or dies (end
 * of file), then calls fn; mask is the signal mask to go back to once the
 * stop signals are ignored. Never returns. */
static void watchdog_main(int rd, const char *name, int keep_fd, watchdog_fn fn, const void *arg,
			  const sigset_t *mask)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE };
	char b = 0;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* a group of its own: a kill of conctop's group (kill -9 -PGID) is
	 * what it is there to outlive; the session, and its autogroup, stay */
	setpgid(0, 0);
	prctl(PR_SET_NAME, name);
	close_all_but(rd, keep_fd);
	do
		n = read(rd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (!(n == 1 && b == 'q'))
		fn(arg);
	_exit(0);
}

/* Forks a watchdog (see watchdog.h). */
int watchdog_start(struct watchdog *w, const char *name, int keep_fd, watchdog_fn fn, const void *arg)
{
	pid_t pid;
	int p[2];

	sigset_t all, old;
	int e = 0;

	w->pid = 0;
	w->fd = -1;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	/* no signal until the child ignores them: conctop's handlers would
	 * write to its stop pipe, or run its last resort, from the child */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		watchdog_main(p[0], name, keep_fd, fn, arg, &old);
	}
	if (pid < 0)
		e = -errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (e) {
		close(p[0]);
		close(p[1]);
		return e;
	}
	close(p[0]);
	w->pid = pid;
	w->fd = p[1];
	return 0;
}

/* Says goodbye (see watchdog.h). */
void watchdog_dismiss(struct watchdog *w)
{
	if (w->pid <= 0)
		return;
	while (write(w->fd, "q", 1) < 0 && errno == EINTR)
		;
	close(w->fd);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	w->fd = -1;
}
