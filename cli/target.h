/* Starting the program to trace: a child held at a gate until tracing is
 * attached, running as the invoking user rather than root, in a process
 * group of its own that dies with conctop; and the checks of a target
 * before tracing (privileges, -p PID). */
#ifndef CONCTOP_TARGET_H
#define CONCTOP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "watchdog.h"

/* Who the traced program runs as. */
struct target_user {
	bool drop;        /* switch to uid/gid before exec */
	uid_t uid;
	gid_t gid;
	char name[64];    /* for initgroups; empty: no supplementary groups */
};

/* A child waiting at the gate, then the program. It leads its own process
 * group (its children share it), and dies with conctop: the kernel kills
 * it when conctop's process ends (PR_SET_PDEATHSIG), and a guard process
 * kills its whole group when conctop ends without saying goodbye (kill -9,
 * a crash). */
struct target_child {
	pid_t pid;        /* the program, and the id of its process group */
	int gate_fd;      /* write end: one byte opens the gate */
	int err_fd;       /* read end: the child's exec errno, or EOF on success */
	struct watchdog guard; /* kills the group if conctop dies without target_done */
	bool has_tty;     /* the program's group was given the terminal's foreground */
	int tty_fd;       /* that terminal (valid while has_tty) */
};

/* Decides who the program runs as: --user NAME, else the user behind sudo
 * (SUDO_UID/SUDO_GID), else whoever we are. Returns 0 or -errno with a
 * message in err. */
int target_user_resolve(struct target_user *u, const char *user_opt, char *err, size_t errlen);

/* Checks that this process may trace (root, or CAP_BPF and CAP_PERFMON,
 * or CAP_SYS_ADMIN). Returns 0, or -EPERM with what to do in err. */
int target_check_privileges(char *err, size_t errlen);

/* Checks that pid can be traced with -p: it exists and is not a kernel
 * thread. Returns 0, or -ESRCH or -EPERM with the reason in err. */
int target_check_pid(pid_t pid, char *err, size_t errlen);

/* Finds cmd on PATH as execvp would. Returns 0 or -ENOENT. */
int target_find_program(const char *cmd, char *out, size_t len);

/* Runs path with argv once as user u with CONCTOP_CHECK_ARGS=1 in its
 * environment (a scenario then reads its arguments and exits: 0, or 2
 * after saying what is wrong), standard input and output on /dev/null.
 * Returns its exit status, or -errno when it could not be run. */
int target_check_args(const char *path, char *const argv[], const struct target_user *u);

/* Forks a child that, once the gate opens, becomes user u and execs path
 * with argv, in a process group of its own, and the guard that kills that
 * group if conctop dies. When conctop holds a terminal's foreground, the
 * group is given it (so that the program reads the terminal and gets its
 * Ctrl-C as it would on its own); target_done takes it back. Returns 0 or
 * -errno. */
int target_spawn(struct target_child *c, const char *path, char *const argv[],
		 const struct target_user *u);

/* Opens the gate and waits for the exec. Returns 0 when the program runs,
 * or the child's -errno when it could not be started (the child has then
 * exited with 127 and been reaped). */
int target_release(struct target_child *c);

/* Closes the gate without opening it: the child exits; then target_done. */
void target_abort(struct target_child *c);

/* Sends sig to the program's whole process group. */
void target_signal(struct target_child *c, int sig);

/* To be called while conctop waits for the program: when the program's
 * group, holding the terminal, was stopped from it (Ctrl-Z), takes the
 * terminal back and stops conctop as a shell's job; continued, gives the
 * terminal back and continues the group. */
void target_job_control(struct target_child *c);

/* The normal end: dismisses the guard (the group is left as it is: the
 * caller has ended the program already, or it ended by itself) and takes
 * the terminal back. Safe to call more than once, or for no child. */
void target_done(struct target_child *c);

#endif
