/* Output files created safely (see outfile.h): no symlink followed, no
 * file someone else placed opened, no root-owned inode handed to a user. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

/* The part a stop signal removes (outfile_remove_on_stop), or NULL. */
static char *volatile stop_removes;

/* The filesystem identity saved while acting as the owner. */
struct fs_identity {
	int uid, gid;
	bool switched;
};

/* Acts on the filesystem as the owner (this thread only) until fs_leave. */
static void fs_enter(const struct outfile_owner *o, struct fs_identity *saved)
{
	saved->switched = o && o->as_user;
	saved->uid = saved->gid = -1;
	if (!saved->switched)
		return;
	saved->gid = setfsgid(o->gid);
	saved->uid = setfsuid(o->uid);
}

/* Returns to conctop's own filesystem identity. */
static void fs_leave(const struct fs_identity *saved)
{
	if (!saved->switched)
		return;
	setfsuid((uid_t)saved->uid);
	setfsgid((gid_t)saved->gid);
}

/* Removes a leftover part (a recording cut off before) unless another
 * conctop holds it (-EBUSY): unlink removes a link itself, never its
 * target, and only a regular file is opened to look at its lock (a FIFO or
 * a device placed there is never opened). 0 when none is left. */
static int remove_leftover(const char *part)
{
	struct stat st;
	int fd, e = 0;

	if (lstat(part, &st))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(st.st_mode)) {
		fd = open(part, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK)
			e = -EBUSY;
		if (!e && unlink(part) && errno != ENOENT)
			e = -errno;
		if (fd >= 0)
			close(fd); /* (the lock, if taken, goes with it: the name is gone) */
		return e;
	}
	return unlink(part) && errno != ENOENT ? -errno : 0;
}

/* Creates of->part (O_EXCL refuses whatever appeared since the leftover
 * went) and locks it; the lock is on a second descriptor of the same open
 * file, so it outlives the writer's close until the rename. -EBUSY, with
 * nothing left open, when another conctop took the new part before the
 * lock (it removes it: the name is its own then). A filesystem without
 * locks writes unlocked, as before locks were taken. */
static int create_locked(struct outfile *of)
{
	struct stat mine, now;
	int e = 0;

	of->fd = open(of->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (of->fd < 0)
		return -errno;
	of->lock_fd = fcntl(of->fd, F_DUPFD_CLOEXEC, 0);
	if (of->lock_fd < 0)
		e = -errno;
	else if (flock(of->lock_fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK)
		e = -EBUSY;
	else if (fstat(of->fd, &mine) || lstat(of->part, &now) || mine.st_dev != now.st_dev ||
		 mine.st_ino != now.st_ino)
		e = -EBUSY;
	if (e) {
		close(of->fd);
		of->fd = -1;
		if (of->lock_fd >= 0)
			close(of->lock_fd);
		of->lock_fd = -1;
	}
	return e;
}

/* Creates path.part for writing: see outfile.h. */
int outfile_create(struct outfile *of, const char *path, const struct outfile_owner *owner,
		   char *why, size_t whylen)
{
	struct fs_identity saved;
	struct stat st;
	int e = 0;

	memset(of, 0, sizeof *of);
	of->fd = of->lock_fd = -1;
	why[0] = '\0';
	if (owner)
		of->owner = *owner;
	if (!path[0]) {
		snprintf(why, whylen, "the file name is empty");
		return -EINVAL;
	}
	if (strcmp(path, "-") == 0) { /* (export handles - before: its output can be streamed) */
		snprintf(why, whylen, "'-' would be standard output, where a trace file cannot go: name a file "
			 "(./- for a file named -)");
		return -EINVAL;
	}
	if (lstat(path, &st))
		st.st_mode = S_IFREG; /* (none yet: made below) */
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, whylen, "%s is a symbolic link: conctop does not write through links "
			 "(remove it, or name the file it points to)", path);
		return -ELOOP;
	}
	/* the file is written beside and renamed over it at the end: a
	 * directory would fail only then, a device would be replaced */
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s is a directory: name a file in it", path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file (a device, a pipe or a socket): conctop "
			 "replaces the file it writes; name a new file", path);
		return -EINVAL;
	}
	of->path = strdup(path);
	if (!of->path || asprintf(&of->part, "%s.part", path) < 0) {
		of->part = NULL;
		outfile_done(of);
		return -ENOMEM;
	}
	fs_enter(&of->owner, &saved);
	e = remove_leftover(of->part);
	if (!e)
		e = create_locked(of);
	fs_leave(&saved);
	if (e) {
		if (e == -EACCES && of->owner.as_user)
			snprintf(why, whylen, "user %u may not create files there (the file is "
				 "made as that user): choose a directory they can write to",
				 (unsigned)of->owner.uid);
		else if (e == -EBUSY)
			snprintf(why, whylen, "another conctop is writing %s (into %s): wait for it to end, "
				 "or name another file", path, of->part);
		else if (e == -EEXIST)
			snprintf(why, whylen, "%s appeared while it was being created: is another "
				 "conctop writing the same file?", of->part);
		else
			snprintf(why, whylen, "%s", strerror(-e));
		outfile_done(of);
		return e;
	}
	return 0;
}

/* A stop signal: the part goes, then the signal ends conctop as it would
 * have (it is delivered again once this returns). */
static void remove_part_on_stop(int sig)
{
	char *part = stop_removes;

	if (part)
		unlink(part);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Removes path.part on a stop signal (see outfile.h). */
void outfile_remove_on_stop(struct outfile *of)
{
	struct sigaction sa;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = remove_part_on_stop;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	stop_removes = of->part;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal ignored (nohup, a background job of a script) stays so */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* Whether name is the file st describes. */
static bool same_file(const char *name, const struct stat *st)
{
	struct stat o;

	return stat(name, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
}

/* Whether writing path spares the input (see outfile.h). */
int outfile_spares(const char *path, const char *input, char *why, size_t whylen)
{
	struct stat in;
	char *part;
	bool whole;
	int e = 0;

	why[0] = '\0';
	if (strcmp(input, "-") == 0 ? fstat(STDIN_FILENO, &in) : stat(input, &in))
		return 0; /* (nothing there to destroy: the reading says why) */
	if (!S_ISREG(in.st_mode) || asprintf(&part, "%s.part", path) < 0)
		return 0;
	if ((whole = same_file(path, &in)) || same_file(part, &in)) {
		snprintf(why, whylen, "%s is the file being read%s: name another file for the output",
			 strcmp(input, "-") ? input : "standard input",
			 whole ? "" : " (the output is written as FILE.part first)");
		e = -EEXIST;
	}
	free(part);
	return e;
}

/* Renames the written file into place. */
int outfile_commit(struct outfile *of)
{
	struct fs_identity saved;
	int e = 0;

	fs_enter(&of->owner, &saved);
	if (rename(of->part, of->path))
		e = -errno;
	fs_leave(&saved);
	outfile_done(of);
	return e;
}

/* Removes path.part and frees. */
void outfile_abort(struct outfile *of)
{
	struct fs_identity saved;

	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	if (of->part) {
		fs_enter(&of->owner, &saved);
		unlink(of->part);
		fs_leave(&saved);
	}
	outfile_done(of);
}

/* Frees the names and lets the part's lock go. */
void outfile_done(struct outfile *of)
{
	if (of->part && stop_removes == of->part)
		stop_removes = NULL; /* (before the name is freed) */
	if (of->lock_fd >= 0)
		close(of->lock_fd);
	of->lock_fd = -1;
	free(of->path);
	free(of->part);
	of->path = of->part = NULL;
}
