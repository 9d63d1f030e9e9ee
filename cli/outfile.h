/* Output files created safely: written under FILE.part, created with
 * O_EXCL|O_NOFOLLOW (so no symlink or file someone placed there is ever
 * opened), as the user the trace belongs to (their fsuid/fsgid, so the
 * inode is theirs from the start and nothing is chowned), and renamed over
 * FILE only when complete. A FILE that is a symlink is refused. */
#ifndef CONCTOP_OUTFILE_H
#define CONCTOP_OUTFILE_H

#include <stdbool.h>
#include <sys/types.h>

/* Whose file it is: with as_user, it is created (and renamed) with the
 * filesystem identity uid/gid; without, as conctop runs. */
struct outfile_owner {
	bool as_user;
	uid_t uid;
	gid_t gid;
};

struct outfile {
	char *path;   /* the name it gets when complete */
	char *part;   /* the name it is written under */
	int fd;       /* -1 once handed over or closed */
	int lock_fd;  /* holds the lock on the part until it is renamed or removed, -1 none */
	struct outfile_owner owner;
};

/* Creates path.part for writing (mode 0666 less the umask), locked
 * (flock) until it is renamed or removed, so that a second conctop writing
 * the same file refuses instead of removing or renaming this one's part.
 * A leftover path.part no one holds is replaced. Returns 0, or -errno with
 * why[] saying what to do (-ELOOP: path is a symlink; -EBUSY: another
 * conctop is writing path; -EEXIST: path.part appeared while it was being
 * created). */
int outfile_create(struct outfile *of, const char *path, const struct outfile_owner *owner,
		   char *why, size_t whylen);

/* From now until outfile_commit or _abort, a stop signal (SIGINT, SIGTERM,
 * SIGHUP) removes path.part before it ends conctop: for outputs that are
 * worth nothing half written (export, import; a recording cut off keeps
 * its FILE.part). One outfile at a time. */
void outfile_remove_on_stop(struct outfile *of);

/* Whether writing path (through path.part) spares the file a command reads
 * (input, "-" for standard input): -EEXIST with why[] saying so when path
 * or path.part is that file, which the rename or the removal of a
 * leftover would destroy; else 0. */
int outfile_spares(const char *path, const char *input, char *why, size_t whylen);

/* Renames the written file into place and frees the names. The fd must be
 * closed by then. Returns 0 or -errno (the data then stays in path.part). */
int outfile_commit(struct outfile *of);

/* Removes path.part (nothing was worth keeping) and frees. */
void outfile_abort(struct outfile *of);

/* Frees the names; the file stays where it is. */
void outfile_done(struct outfile *of);

#endif
