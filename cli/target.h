/* Starting the program to trace: a child held at a gate until tracing is
 * attached, running as the invoking user rather than root. */
#ifndef CONCTOP_TARGET_H
#define CONCTOP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who the traced program runs as. */
struct target_user {
	bool drop;        /* switch to uid/gid before exec */
	uid_t uid;
	gid_t gid;
	char name[64];    /* for initgroups; empty: no supplementary groups */
};

/* A child waiting at the gate. */
struct target_child {
	pid_t pid;
	int gate_fd;  /* write end: one byte opens the gate */
	int err_fd;   /* read end: the child's exec errno, or EOF on success */
};

/* Decides who the program runs as: --user NAME, else the user behind sudo
 * (SUDO_UID/SUDO_GID), else whoever we are. Returns 0 or -errno with a
 * message in err. */
int target_user_resolve(struct target_user *u, const char *user_opt, char *err, size_t errlen);

/* Finds cmd on PATH as execvp would. Returns 0 or -ENOENT. */
int target_find_program(const char *cmd, char *out, size_t len);

/* Forks a child that, once the gate opens, becomes user u and execs path
 * with argv. Returns 0 or -errno. */
int target_spawn(struct target_child *c, const char *path, char *const argv[],
		 const struct target_user *u);

/* Opens the gate and waits for the exec. Returns 0 when the program runs,
 * or the child's -errno when it could not be started (the child has then
 * exited with 127 and been reaped). */
int target_release(struct target_child *c);

/* Closes the gate without opening it: the child exits. */
void target_abort(struct target_child *c);

#endif
