/* The gated child: fork, wait at a pipe until the tracer is attached, drop
 * root, exec. An exec failure comes back through a close-on-exec pipe. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "target.h"

/* Parses a decimal id from the environment; -1 if absent or bad. */
static long env_id(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long id;

	if (!v || !*v)
		return -1;
	errno = 0;
	id = strtol(v, &end, 10);
	return errno || *end || id < 0 ? -1 : id;
}

/* Decides who the program runs as. */
int target_user_resolve(struct target_user *u, const char *user_opt, char *err, size_t errlen)
{
	struct passwd *pw;
	long uid, gid;

	memset(u, 0, sizeof(*u));
	if (user_opt) {
		errno = 0;
		pw = getpwnam(user_opt);
		if (!pw) {
			snprintf(err, errlen, "no such user '%s' (--user)", user_opt);
			return errno ? -errno : -ENOENT;
		}
		u->drop = true;
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		return 0;
	}
	if (geteuid() != 0)
		return 0;
	uid = env_id("SUDO_UID");
	gid = env_id("SUDO_GID");
	if (uid <= 0) /* not under sudo, or sudo from root: stay root */
		return 0;
	u->drop = true;
	u->uid = (uid_t)uid;
	u->gid = gid >= 0 ? (gid_t)gid : (gid_t)uid;
	pw = getpwuid(u->uid);
	if (pw)
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	return 0;
}

/* Finds cmd on PATH. */
int target_find_program(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(cmd, '/')) {
		struct stat st;

		if (stat(cmd, &st))
			return -errno;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (access(cmd, X_OK))
			return -errno;
		return (size_t)snprintf(out, len, "%s", cmd) < len ? 0 : -ENAMETOOLONG;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; ) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		struct stat st;

		if ((size_t)snprintf(out, len, "%.*s%s%s", (int)n, p, n ? "/" : "", cmd) < len &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		if (!colon)
			break;
		p = colon + 1;
	}
	return -ENOENT;
}

/* Becomes user u: groups, then gid, then uid (the order that cannot fail
 * half-way with root kept). Returns 0 or -errno. */
static int become(const struct target_user *u)
{
	if (!u->drop)
		return 0;
	if (u->name[0] ? initgroups(u->name, u->gid) : setgroups(0, NULL))
		return -errno;
	if (setresgid(u->gid, u->gid, u->gid) || setresuid(u->uid, u->uid, u->uid))
		return -errno;
	return 0;
}

/* The child's side: wait at the gate, drop root, exec; never returns. */
static void child_main(int gate_rd, int err_wr, const char *path, char *const argv[],
		       const struct target_user *u)
{
	char go = 0;
	int e, sig;
	sigset_t none;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* if conctop dies before the gate */
	while (read(gate_rd, &go, 1) < 0 && errno == EINTR)
		;
	if (go != 'g')
		_exit(127); /* conctop gave up: never run untraced */
	close(gate_rd);
	prctl(PR_SET_PDEATHSIG, 0);
	e = become(u);
	if (!e) {
		execv(path, argv);
		e = -errno;
	}
	while (write(err_wr, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* Forks the gated child. */
int target_spawn(struct target_child *c, const char *path, char *const argv[],
		 const struct target_user *u)
{
	int gate[2], errp[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		int e = -errno;

		close(gate[0]);
		close(gate[1]);
		return e;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(gate[0]);
		close(gate[1]);
		close(errp[0]);
		close(errp[1]);
		return e;
	}
	if (pid == 0) {
		close(gate[1]);
		close(errp[0]);
		child_main(gate[0], errp[1], path, argv, u);
	}
	close(gate[0]);
	close(errp[1]);
	c->pid = pid;
	c->gate_fd = gate[1];
	c->err_fd = errp[0];
	return 0;
}

/* Opens the gate and learns whether the exec worked. */
int target_release(struct target_child *c)
{
	char go = 'g';
	int e = 0;
	ssize_t n;

	while (write(c->gate_fd, &go, 1) < 0 && errno == EINTR)
		;
	close(c->gate_fd);
	c->gate_fd = -1;
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == (ssize_t)sizeof(e) && e < 0) {
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		return e;
	}
	return 0;
}

/* Closes the gate unopened and reaps the child. */
void target_abort(struct target_child *c)
{
	if (c->gate_fd >= 0)
		close(c->gate_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->gate_fd = c->err_fd = -1;
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
}
