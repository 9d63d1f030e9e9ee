/* The gated child: fork, wait at a pipe until the tracer is attached, drop
 * root, exec. An exec failure comes back through a close-on-exec pipe. The
 * child leads a process group of its own, dies with conctop
 * (PR_SET_PDEATHSIG), and a guard process kills that group when conctop
 * dies without dismissing it. Also the checks made before tracing. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/capability.h>
#include "target.h"

#define PF_KTHREAD 0x00200000 /* the kernel's flag of a kernel thread (/proc/PID/stat field 9) */

/* Reads fields 9 (flags) and 22 (start time, in clock ticks since boot) of
 * /proc/pid/stat. Returns 0 or -errno (-ESRCH if there is no such process). */
static int proc_stat(pid_t pid, unsigned long *flags, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	unsigned long fl;
	unsigned long long st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	/* after the name: state (3), ppid, pgrp, session, tty, tpgid, flags (9),
	 * then 12 more to the start time (22) */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &fl, &st) != 2)
		return -EIO;
	if (flags)
		*flags = fl;
	if (start)
		*start = st;
	return 0;
}

/* Checks the privileges tracing needs. */
int target_check_privileges(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t eff;

	if (geteuid() == 0)
		return 0;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return 0; /* cannot tell: let loading the tracer decide */
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	if ((eff >> CAP_SYS_ADMIN & 1) || ((eff >> 39 & 1) && (eff >> 38 & 1))) /* CAP_BPF, CAP_PERFMON */
		return 0;
	snprintf(err, errlen, "tracing needs CAP_BPF and CAP_PERFMON: run with sudo, or read a recorded trace "
		 "(conctop replay FILE, conctop report FILE)");
	return -EPERM;
}

/* Checks a -p target. */
int target_check_pid(pid_t pid, char *err, size_t errlen)
{
	unsigned long flags = 0;
	int e = proc_stat(pid, &flags, NULL);

	if (e == -ESRCH || (e && kill(pid, 0) < 0 && errno == ESRCH)) {
		snprintf(err, errlen, "no process with pid %d", (int)pid);
		return -ESRCH;
	}
	if (!e && (flags & PF_KTHREAD)) {
		snprintf(err, errlen, "pid %d is a kernel thread: it runs no program of its own to trace "
			 "(-p takes the pid of a user process)", (int)pid);
		return -EPERM;
	}
	return 0;
}

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

/* Runs a scenario to check its arguments (see target.h). */
int target_check_args(const char *path, char *const argv[], const struct target_user *u)
{
	int st = 0, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 || become(u) ||
		    setenv("CONCTOP_CHECK_ARGS", "1", 1))
			_exit(127);
		execv(path, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Asks the kernel to kill this process when its parent (conctop, whose pid
 * is parent) ends, then checks that the parent has not ended already: the
 * request covers only a parent that is still there. Exits if it is gone. */
static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
}

/* The child's side: own process group, wait at the gate, drop root, exec;
 * never returns. */
static void child_main(int gate_rd, int err_wr, const char *path, char *const argv[],
		       const struct target_user *u, pid_t parent)
{
	char go = 0;
	int e, sig;
	sigset_t none;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0); /* the parent does it too: whichever comes first */
	die_with_parent(parent);
	while (read(gate_rd, &go, 1) < 0 && errno == EINTR)
		;
	if (go != 'g')
		_exit(127); /* conctop gave up: never run untraced */
	close(gate_rd);
	e = become(u);
	if (!e) {
		die_with_parent(parent); /* changing credentials cleared the request */
		execv(path, argv);
		e = -errno;
	}
	while (write(err_wr, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* What the guard knows of the program's group. */
struct guard_args {
	pid_t group;
	unsigned long long start; /* the group leader's start time */
	int tty;                  /* the terminal to give back, or -1 */
	pid_t tty_pgrp;           /* to the group that had it */
};

/* The guard's work once conctop died: kills the program's group, unless
 * the group's number now belongs to another process (its start time
 * differs), and gives the terminal back to the group that had it. */
static void guard_end(const void *arg)
{
	const struct guard_args *g = arg;
	unsigned long long now;

	if (proc_stat(g->group, NULL, &now) == -ESRCH || now == g->start)
		kill(-g->group, SIGKILL);
	if (g->tty >= 0)
		tcsetpgrp(g->tty, g->tty_pgrp);
}

/* Starts the guard of c's group. Returns 0 or -errno. */
static int guard_start(struct target_child *c)
{
	struct guard_args g = { .group = c->pid, .tty = c->has_tty ? c->tty_fd : -1, .tty_pgrp = getpgrp() };

	if (proc_stat(c->pid, NULL, &g.start))
		return -ESRCH;
	/* (the tracer, the trace file, the gate: conctop's, not the guard's) */
	return watchdog_start(&c->guard, "ctop-guard", g.tty, guard_end, &g);
}

/* The terminal among fds 0-2 whose foreground conctop holds, or -1. */
static int foreground_tty(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (isatty(fd) && tcgetpgrp(fd) == getpgrp())
			return fd;
	return -1;
}

/* Forks the gated child and its guard. */
int target_spawn(struct target_child *c, const char *path, char *const argv[],
		 const struct target_user *u)
{
	int gate[2], errp[2], e;
	pid_t pid, parent = getpid();

	c->guard.pid = 0;
	c->has_tty = false;
	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		e = -errno;
		close(gate[0]);
		close(gate[1]);
		return e;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close(gate[0]);
		close(gate[1]);
		close(errp[0]);
		close(errp[1]);
		return e;
	}
	if (pid == 0) {
		close(gate[1]);
		close(errp[0]);
		child_main(gate[0], errp[1], path, argv, u, parent);
	}
	setpgid(pid, pid);
	close(gate[0]);
	close(errp[1]);
	c->pid = pid;
	c->gate_fd = gate[1];
	c->err_fd = errp[0];
	c->tty_fd = foreground_tty();
	if (c->tty_fd >= 0) {
		/* conctop goes on in the background: its messages must not stop it */
		signal(SIGTTOU, SIG_IGN);
		c->has_tty = tcsetpgrp(c->tty_fd, pid) == 0;
	}
	e = guard_start(c);
	if (e) {
		target_abort(c);
		return e;
	}
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
		target_done(c);
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
	target_done(c);
}

/* Signals the program's group. */
void target_signal(struct target_child *c, int sig)
{
	if (c->pid <= 0)
		return;
	if (kill(-c->pid, sig) < 0)
		kill(c->pid, sig); /* the group is gone or was never made: the program itself */
}

/* Follows a stop of the program's group from the terminal (see target.h). */
void target_job_control(struct target_child *c)
{
	siginfo_t si;

	if (!c->has_tty || c->pid <= 0)
		return;
	memset(&si, 0, sizeof(si));
	/* WSTOPPED alone reports a stop and never reaps an exit */
	if (waitid(P_PID, (id_t)c->pid, &si, WSTOPPED | WNOHANG) || si.si_pid != c->pid || si.si_status == SIGSTOP)
		return; /* not stopped, or stopped on purpose by someone (SIGSTOP): not a job stop */
	tcsetpgrp(c->tty_fd, getpgrp());
	kill(0, SIGTSTP); /* conctop's own job stops (a no-op without job control) */
	tcsetpgrp(c->tty_fd, c->pid);
	target_signal(c, SIGCONT);
}

/* Dismisses the guard and takes the terminal back. */
void target_done(struct target_child *c)
{
	watchdog_dismiss(&c->guard);
	if (c->has_tty) {
		tcsetpgrp(c->tty_fd, getpgrp());
		c->has_tty = false;
	}
}
