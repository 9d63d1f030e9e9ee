/* The session's autogroup boosted while tracing another session's process
 * (see autogroup.h). */
#include "autogroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"

/* The autogroup of pid (0: this process): its name into name and its nice
 * into *nice. Returns 0, or -1 where there is none (a kernel without
 * them). */
static int autogroup_of(pid_t pid, char *name, size_t len, int *nice)
{
	char path[64], line[128], fmt[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), pid ? "/proc/%d/autogroup" : "/proc/self/autogroup", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	snprintf(fmt, sizeof(fmt), "%%%zus nice %%d", len - 1);
	return ok && sscanf(line, fmt, name, nice) == 2 ? 0 : -1;
}

/* Writes text (a nice value) to the autogroup file fd. Without
 * CAP_SYS_ADMIN the kernel takes one such write a tenth of a second: an
 * EAGAIN is tried again once after that. Async-signal-safe (the keeper
 * calls it after a fork). Returns 0 or -1. */
static int autogroup_write(int fd, const char *text)
{
	size_t n = strlen(text);

	if (write(fd, text, n) == (ssize_t)n)
		return 0;
	if (errno != EAGAIN)
		return -1;
	usleep(110 * 1000);
	return write(fd, text, n) == (ssize_t)n ? 0 : -1;
}

/* The keeper's side: waits until conctop dismisses it ('q') or dies (end
 * of file), and then gives the old nice back. Never returns. */
static void keeper_main(int rd, int fd, const char *undo)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE };
	char b = 0;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN); /* conctop's Ctrl-C and kill of its group are not for the keeper */
	prctl(PR_SET_NAME, "ctop-undo"); /* not "conctop": pkill conctop is for conctop */
	cli_close_all_but(rd, fd); /* the tracer's links and the trace file are conctop's */
	do
		n = read(rd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (!(n == 1 && b == 'q'))
		autogroup_write(fd, undo);
	_exit(0);
}

/* Starts b's keeper. Returns 0 or -errno. */
static int keeper_start(struct autogroup_boost *b)
{
	pid_t pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0) {
		close(p[1]);
		keeper_main(p[0], b->fd, b->undo);
	}
	close(p[0]);
	b->keeper_pid = pid;
	b->keeper_fd = p[1];
	return 0;
}

/* Starts b empty (see autogroup.h). */
void autogroup_boost_init(struct autogroup_boost *b)
{
	memset(b, 0, sizeof(*b));
	b->fd = b->keeper_fd = -1;
}

/* Boosts this process's autogroup (see autogroup.h). */
void autogroup_boost_start(struct autogroup_boost *b, pid_t pid, int nice)
{
	char mine[64], theirs[64], boost[16];
	int group, their_group, fd;

	if (b->boosted || pid <= 0 || autogroup_of(0, mine, sizeof(mine), &group) ||
	    autogroup_of(pid, theirs, sizeof(theirs), &their_group) || !strcmp(mine, theirs) || group <= nice ||
	    (fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC)) < 0)
		return;
	snprintf(boost, sizeof(boost), "%d", nice);
	if (autogroup_write(fd, boost)) {
		close(fd);
		return;
	}
	snprintf(b->undo, sizeof(b->undo), "%d", group);
	b->fd = fd;
	b->boosted = true;
	/* without a keeper (no fork), only an orderly end gives it back */
	keeper_start(b);
}

/* Gives the old nice back (see autogroup.h). */
void autogroup_boost_done(struct autogroup_boost *b)
{
	if (!b->boosted)
		return;
	autogroup_write(b->fd, b->undo);
	close(b->fd);
	if (b->keeper_pid > 0) {
		while (write(b->keeper_fd, "q", 1) < 0 && errno == EINTR)
			;
		close(b->keeper_fd);
		while (waitpid(b->keeper_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	autogroup_boost_init(b);
}
