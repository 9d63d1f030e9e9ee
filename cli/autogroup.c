/* The session's autogroup boosted while tracing another session's process
 * (see autogroup.h). */
#include "autogroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* The keeper's work once conctop died: the old nice back, through its
 * own /proc/self/autogroup (the same group: its session's). conctop's
 * file, inherited, names conctop's task, and a write through it fails
 * with ESRCH once conctop is reaped (a review saw it without
 * CAP_SYS_ADMIN, whose first write gets EAGAIN and waits 110 ms). */
static void keeper_end(const void *arg)
{
	const struct autogroup_boost *b = arg;
	int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		autogroup_write(fd, b->undo);
		close(fd);
	}
}

/* Starts b empty (see autogroup.h). */
void autogroup_boost_init(struct autogroup_boost *b)
{
	memset(b, 0, sizeof(*b));
	b->fd = b->keeper.fd = -1;
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
	watchdog_start(&b->keeper, "ctop-undo", -1, keeper_end, b);
}

/* Gives the old nice back (see autogroup.h). */
void autogroup_boost_done(struct autogroup_boost *b)
{
	if (!b->boosted)
		return;
	autogroup_write(b->fd, b->undo);
	close(b->fd);
	watchdog_dismiss(&b->keeper);
	autogroup_boost_init(b);
}
