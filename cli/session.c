/* What record and the live view share: the target, the tracer, the gated
 * child and polling (see session.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "catalogue.h"
#include "cli.h"
#include "outfile.h"
#include "safetext.h"
#include "session.h"
#include "stopsig.h"
#include "target.h"
#include "trace.h"

#define MAX_DEFAULT_ARGS 32

struct session {
	struct session_opts opts;
	struct tracer *tracer;
	struct target_user user;
	struct target_child child;
	pid_t pid;              /* -p */
	int pidfd;
	char path[PATH_MAX];    /* the program to exec */
	char command[1024];
	char label[128];
	char **argv;            /* the program's argv */
	char **own_argv;        /* argv with the default arguments, owned */
	char *own_args;         /* the strings own_argv points into */
	bool started, exec_failed, child_done;
	bool spawned;                  /* the program waits at its gate, traced (session_spawn) */
	int wstatus;
	int out_fd;             /* read end of the output pipe */
};

/* Takes one of the options record and live share. */
int session_option(const char *cmd, int opt, const char *arg, struct session_opts *o,
		   pid_t *pid, uint64_t *duration)
{
	uint64_t v;
	char *end;
	long l;

	switch (opt) {
	case 'p':
		errno = 0;
		l = strtol(arg, &end, 10);
		if (errno || *end || l <= 0 || l > INT_MAX) /* ("-pid 1234" reads as -p id) */
			return cli_usage_error(cmd, "-p needs a process id, not '%s'%s", arg,
					       !strncmp(arg, "id", 2) ? ": write -p 1234 (-pid 1234 reads as -p id)" : "");
		*pid = (pid_t)l;
		return 0;
	case 'd':
		if (cli_parse_time(arg, duration))
			return cli_usage_error(cmd, "bad --duration '%s' (use e.g. 5s, 250ms, 10m for 10 minutes)", arg);
		if (*duration == 0)
			return cli_usage_error(cmd, "--duration must be more than 0, not '%s' (without it, tracing "
					       "goes on until the program ends or you stop it)", arg);
		return 0;
	case 'u':
		o->user = arg;
		return 0;
	case 'F':
		o->tracer.no_follow_forks = true;
		return 0;
	case 'A':
		o->tracer.attribution = TRACER_ATTR_NONE;
		return 0;
	case 'C':
		o->tracer.attribution = TRACER_ATTR_CALLS;
		return 0;
	case 'b':
		if (cli_parse_size(arg, &v) || v < 4096 || (v & (v - 1)) || v > (1ull << 30))
			return cli_usage_error(cmd, "bad --buffer '%s': a power of two from 4K to 1G", arg);
		o->tracer.ringbuf_bytes = v;
		return 0;
	case 'T':
		if (strcmp(arg, "tp_btf") && strcmp(arg, "tp"))
			return cli_usage_error(cmd, "bad --tracer '%s': use tp_btf or tp", arg);
		o->tracer.mode = arg;
		return 0;
	case 'v':
		o->tracer.verbose = true;
		return 0;
	}
	return -1;
}

/* Prints the help of the options that choose what is traced. */
void session_usage_following(FILE *f)
{
	fprintf(f,
		"      --no-follow       do not trace child processes\n"
		"      --no-attribution  scheduler events only (blocked states then say\n"
		"                        no cause)\n"
		"      --calls           also probe every pthread and semaphore call and\n"
		"                        every system call (3-20 us a call: lock-heavy\n"
		"                        programs run many times slower); shows what\n"
		"                        only calls show: uncontended holds, trylock\n"
		"                        failures, spinning; a wait is the innermost\n"
		"                        call it is in (a cond wait taking its mutex back\n"
		"                        is the cond's). By default the cause of a wait\n"
		"                        is read when a thread blocks, at no cost per\n"
		"                        lock call\n");
}

/* Fills the trace header from the machine and the tracer. */
void session_fill_info(struct trace_info *info, const struct session *s)
{
	const struct tracer *t = session_tracer(s);
	struct utsname un;
	struct timespec rt;

	memset(info, 0, sizeof(*info));
	if (uname(&un) == 0) {
		snprintf(info->host, sizeof(info->host), "%s", un.nodename);
		snprintf(info->kernel, sizeof(info->kernel), "%s", un.release);
	}
	info->ncpus = tracer_ncpus(t);
	snprintf(info->clock, sizeof(info->clock), "CLOCK_MONOTONIC");
	snprintf(info->command, sizeof(info->command), "%s", session_command(s));
	snprintf(info->version, sizeof(info->version), "%s", CONCTOP_VERSION);
	clock_gettime(CLOCK_REALTIME, &rt);
	info->start_realtime_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec -
				  tracer_now(t);
	info->start_monotonic_ns = tracer_base_ns(t);
	info->started = !s->pid;
	info->target_pid = s->pid ? s->pid : s->child.pid > 0 ? s->child.pid : 0;
}

/* Whether environment variable name is set to anything but empty or "0"
 * (the tracer's knobs for tests and measuring). */
static bool env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

/* Creates an empty session. */
int session_new(struct session **out, const struct session_opts *o)
{
	struct session *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->opts = *o;
	if (!s->opts.cmd)
		s->opts.cmd = "record";
	if (!s->opts.tracer.mode)
		s->opts.tracer.mode = getenv("CONCTOP_TRACER"); /* for tests of the fallback */
	/* for measuring one way against the other; for tests: what riscv64's
	 * verifier checks; for measuring what attaching costs alone; for
	 * tests and measures of the wake programs older kernels get */
	s->opts.tracer.no_staging = env_on("CONCTOP_NO_STAGING");
	s->opts.tracer.strict_alignment = env_on("CONCTOP_BPF_STRICT_ALIGNMENT");
	s->opts.tracer.floor_only = env_on("CONCTOP_BPF_FLOOR");
	s->opts.tracer.waking_program = env_on("CONCTOP_BPF_WAKING");
	if (s->opts.tracer.floor_only)
		fprintf(stderr, "conctop: warning: CONCTOP_BPF_FLOOR is set: no switch or wakeup is recorded "
			"(for measuring what attaching the programs costs)\n");
	s->child.pid = -1;
	s->child.gate_fd = s->child.err_fd = -1;
	s->pidfd = -1;
	s->out_fd = -1;
	*out = s;
	return 0;
}

/* Frees the session, ending a program it left running. */
void session_free(struct session *s)
{
	if (!s)
		return;
	if (s->started && s->child.pid > 0 && !s->child_done)
		session_stop_child(s);
	if (s->spawned && s->child.pid > 0) /* still at its gate: it never runs */
		target_abort(&s->child);
	else
		target_done(&s->child);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->out_fd >= 0)
		close(s->out_fd);
	tracer_free(s->tracer);
	free(s->own_argv);
	free(s->own_args);
	free(s);
}

/* The exit status for a program that could not be started (as shells do). */
int session_status_not_started(int err)
{
	return err == -EACCES || err == -ENOEXEC || err == -EISDIR || err == -EPERM ? 126 : 127;
}

/* Joins argv into one command line for the trace header. */
static void join_args(char *out, size_t len, int argc, char **argv)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < argc && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", argv[i]);
}

/* The length of an option's name: "--pace" of "--pace" or "--pace=50". */
static size_t option_name_len(const char *arg)
{
	return strcspn(arg, "=");
}

/* Whether the arguments args[0..n) give the option named by opt's first
 * len bytes, as "--opt" or "--opt=VALUE". */
static bool args_give_option(int n, char **args, const char *opt, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (option_name_len(args[i]) == len && strncmp(args[i], opt, len) == 0)
			return true;
	return false;
}

/* Merges the catalogue's classroom arguments with the user's: argv
 * becomes { name, each default option the user does not give (with the
 * values that follow it), the user's arguments, NULL }, so that the user's
 * options win where the two collide and the pace stays otherwise. Returns
 * the new argc, or -ENOMEM. */
static int merge_default_args(struct session *s, const struct scenario_info *si, int argc, char **argv)
{
	char *defs[MAX_DEFAULT_ARGS], *tok, *save = NULL;
	int nd = 0, n = 0, i, j, k;

	s->own_args = strdup(si->default_args);
	s->own_argv = calloc((size_t)argc + MAX_DEFAULT_ARGS + 1, sizeof(char *));
	if (!s->own_args || !s->own_argv)
		return -ENOMEM;
	for (tok = strtok_r(s->own_args, " \t", &save); tok && nd < MAX_DEFAULT_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		defs[nd++] = tok;
	s->own_argv[n++] = argv[0];
	for (i = 0; i < nd; i = j) {
		for (j = i + 1; j < nd && defs[j][0] != '-'; j++)
			; /* the values of defs[i] */
		if (defs[i][0] == '-' && args_give_option(argc - 1, argv + 1, defs[i], option_name_len(defs[i])))
			continue;
		for (k = i; k < j; k++)
			s->own_argv[n++] = defs[k];
	}
	for (i = 1; i < argc; i++)
		s->own_argv[n++] = argv[i];
	s->own_argv[n] = NULL;
	s->argv = s->own_argv;
	return n;
}

/* Whether the scenario takes its arguments: it is run once, as the user
 * it will run as, with CONCTOP_CHECK_ARGS set, which makes it exit after
 * reading them (0) or say what is wrong (2), so that a bad option is told
 * before anything is traced or a screen opened. Returns 0, or the exit
 * status (said). */
static int scenario_args_ok(struct session *s)
{
	struct target_user u;
	char err[512];

	if (target_user_resolve(&u, s->opts.user, err, sizeof(err)))
		return 0; /* (session_open says why) */
	return target_check_args(s->path, s->argv, &u) == 2 ? EXIT_USAGE : 0;
}

/* Chooses the scenario argv[0] with its arguments (merged with the
 * catalogue's classroom ones when the options ask). Returns 0 or the exit
 * status. */
static int target_scenario(struct session *s, int argc, char **argv)
{
	const struct scenario_info *si = scenario_find(argv[0]);
	char dir[PATH_MAX], why[256];
	int e;

	if (!si && argc > 1 && !strcmp(argv[0], "run")) { /* record run SCENARIO, as conctop run SCENARIO */
		s->argv = ++argv;
		argc--;
		si = scenario_find(argv[0]);
	}
	if (!si && cli_is_command(argv[0])) /* (conctop --mono replay FILE) */
		return cli_usage_error(s->opts.cmd, "'%s' is a command of conctop, not a scenario: the options "
				       "before it are the live view's; give them after it (conctop %s --help "
				       "lists its own)", argv[0], argv[0]);
	if (!si)
		return cli_usage_error(s->opts.cmd, "unknown scenario '%s' (conctop list shows them; "
				       "put -- before a command)", argv[0]);
	e = cli_scenario_dir(dir, sizeof(dir));
	if (e || (size_t)snprintf(s->path, sizeof(s->path), "%s/%s", dir, si->name) >= sizeof(s->path)) {
		cli_error("cannot find the scenario programs: %s", strerror(e ? -e : ENAMETOOLONG));
		return 1;
	}
	if (target_check_privileges(why, sizeof(why))) { /* before looking at files it may not read */
		cli_error("%s", why);
		return 1;
	}
	if (access(s->path, X_OK)) {
		cli_error("scenario program %s is missing (%s): run 'make', or set CONCTOP_SCENARIO_DIR",
			  s->path, strerror(errno));
		return 1;
	}
	if (s->opts.scenario_defaults && si->default_args[0]) {
		int n = merge_default_args(s, si, argc, argv);

		if (n < 0) {
			cli_error("%s", strerror(-n));
			return 1;
		}
		argc = n;
	}
	join_args(s->command, sizeof(s->command), argc, s->argv);
	snprintf(s->label, sizeof(s->label), "%s", si->name);
	return scenario_args_ok(s);
}

/* The command of an attached process: "pid N: its command line" from
 * /proc (arguments joined by spaces), or "pid N" when it has none to read. */
static void pid_command(char *out, size_t len, pid_t pid)
{
	char path[64], buf[768];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	if (n <= 0) {
		snprintf(out, len, "pid %d", (int)pid);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	snprintf(out, len, "pid %d: %s", (int)pid, buf);
}

/* Chooses what to trace. */
int session_target(struct session *s, pid_t pid, int argc, char **argv, bool command)
{
	const char *cmd = s->opts.cmd;
	char why[256];
	int e;

	if (pid) {
		if (argc > 0)
			return cli_usage_error(cmd, "give either -p PID or a program, not both");
		s->pid = pid;
		snprintf(s->label, sizeof(s->label), "pid %d", pid);
		if (target_check_pid(pid, why, sizeof(why))) {
			cli_error("%s", why);
			return 1;
		}
		pid_command(s->command, sizeof(s->command), pid);
		return 0;
	}
	if (argc <= 0)
		return cli_usage_error(cmd, "what should be traced? Give a scenario, -- COMMAND, or -p PID");
	s->argv = argv;
	if (command) {
		const char *base = strrchr(argv[0], '/');

		e = target_find_program(argv[0], s->path, sizeof(s->path));
		if (e) {
			cli_error("cannot run '%s': %s", argv[0],
				  e == -ENOENT ? "command not found" : strerror(-e));
			return session_status_not_started(e);
		}
		join_args(s->command, sizeof(s->command), argc, argv);
		snprintf(s->label, sizeof(s->label), "%s", base ? base + 1 : argv[0]);
		return 0;
	}

	return target_scenario(s, argc, argv);
}

/* Resolves the user and loads the tracer. */
int session_open(struct session *s, tracer_event_fn fn, void *ctx)
{
	char err[512] = "";
	int e;

	if (target_user_resolve(&s->user, s->opts.user, err, sizeof(err))) {
		cli_error("%s", err);
		return s->opts.user ? EXIT_USAGE : 1;
	}
	e = tracer_new(&s->tracer, &s->opts.tracer, fn, ctx, err, sizeof(err));
	if (e) {
		cli_error("%s", err);
		return 1;
	}
	return 0;
}

/* Forks the gated child with stdin from /dev/null and stdout/stderr into a
 * new pipe whose read end becomes s->out_fd. The child inherits fds 0-2, so
 * they are pointed there around the fork and put back. Returns 0 or -errno. */
static int spawn_captured(struct session *s)
{
	int p[2], null_fd, saved[3], fd, e;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0) {
		e = -errno;
		close(p[0]);
		close(p[1]);
		return e;
	}
	fflush(NULL);
	for (fd = 0; fd < 3; fd++)
		saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* -1 if it was closed */
	e = 0;
	if (dup2(null_fd, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
		e = -errno;
	if (!e)
		e = target_spawn(&s->child, s->path, s->argv, &s->user);
	for (fd = 0; fd < 3; fd++) {
		if (saved[fd] >= 0) {
			dup2(saved[fd], fd);
			close(saved[fd]);
		} else {
			close(fd);
		}
	}
	close(null_fd);
	close(p[1]);
	if (e) {
		close(p[0]);
		return e;
	}
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	s->out_fd = p[0];
	return 0;
}

/* Starts the program conctop runs, held at its gate, and traces it. */
int session_spawn(struct session *s)
{
	int e;

	if (s->pid || s->spawned)
		return 0;
	e = s->opts.capture_output ? spawn_captured(s)
				   : target_spawn(&s->child, s->path, s->argv, &s->user);
	if (e) {
		cli_error("cannot start '%s': %s", s->argv[0], strerror(-e));
		s->child.pid = -1;
		return 1;
	}
	e = tracer_add_process(s->tracer, s->child.pid);
	if (!e) {
		e = tracer_attach_marks(s->tracer, s->child.pid, s->path);
		if (e && e != -ENOENT && e != 1) /* -ENOENT, 1: no markers, or already */
			cli_error("warning: cannot attach to conctop_mark in %s: %s", s->path, strerror(-e));
		e = 0;
	}
	if (e) {
		cli_error("cannot trace the program: %s", strerror(-e));
		target_abort(&s->child);
		s->child.pid = -1;
		return 1;
	}
	s->spawned = true;
	return 0;
}

/* Why exec of path failed (-e), in words: an ENOENT for a file that is
 * there means its #! interpreter is not. */
static void exec_words(const char *path, int e, char *buf, size_t len)
{
	char line[256] = "";
	FILE *f;

	snprintf(buf, len, "%s", strerror(-e));
	if (e != -ENOENT || access(path, F_OK) != 0 || !(f = fopen(path, "re")))
		return;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char safe[4 * sizeof(line)];

		line[strcspn(line, "\n")] = '\0';
		safetext_escape(safe, sizeof(safe), line); /* (a file's bytes: no terminal controls) */
		snprintf(buf, len, "its interpreter is not found (its first line: %.200s)", safe);
	}
	fclose(f);
}

/* Starts tracing the target. */
int session_start(struct session *s)
{
	char path[PATH_MAX];
	int e;

	if (s->pid) {
		e = tracer_add_process(s->tracer, s->pid);
		if (e) {
			cli_error("cannot trace pid %d: %s", s->pid, e == -ESRCH ? "no such process" : strerror(-e));
			return 1;
		}
		snprintf(path, sizeof(path), "/proc/%d/exe", s->pid);
		tracer_attach_marks(s->tracer, s->pid, path);
		s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
		s->started = true;
		return 0;
	}
	e = session_spawn(s);
	if (e)
		return e;
	s->spawned = false; /* released now, or failed */
	e = target_release(&s->child);
	if (e) {
		char why[300];

		exec_words(s->path[0] ? s->path : s->argv[0], e, why, sizeof(why));
		cli_error("cannot run '%s': %s", s->argv[0], why);
		s->child.pid = -1;
		s->exec_failed = true;
		return session_status_not_started(e);
	}
	s->pidfd = (int)syscall(SYS_pidfd_open, s->child.pid, 0);
	s->started = true;
	return 0;
}

/* Whether start failed at the exec. */
bool session_exec_failed(const struct session *s)
{
	return s->exec_failed;
}

/* Polls the tracer. */
int session_poll(struct session *s, int timeout_ms)
{
	return tracer_poll(s->tracer, timeout_ms);
}

/* Whether process pid is gone (exited, even if not yet reaped). */
static bool process_gone(pid_t pid, int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Whether the target is gone. */
bool session_target_done(struct session *s)
{
	if (!s->started)
		return false;
	if (s->child.pid > 0) {
		target_job_control(&s->child);
		if (!s->child_done && waitpid(s->child.pid, &s->wstatus, WNOHANG) == s->child.pid)
			s->child_done = true;
		return s->child_done;
	}
	return s->pid && process_gone(s->pid, s->pidfd);
}

/* The target's pidfd. */
int session_pidfd(const struct session *s)
{
	return s->pidfd;
}

/* Sends sig to the program conctop started. */
void session_signal_child(struct session *s, int sig)
{
	if (s->started && s->child.pid > 0 && !s->child_done)
		target_signal(&s->child, sig);
}

/* Ends the program conctop started: SIGTERM, then SIGKILL. */
void session_stop_child(struct session *s)
{
	int seen = stopsig_count(), i;
	pid_t pid = s->child.pid;

	if (!s->started || pid <= 0 || s->child_done)
		return;
	target_signal(&s->child, SIGTERM);
	for (i = 0; i < (int)(SESSION_GRACE_NS / 10000000ull) && stopsig_count() == seen; i++) {
		if (waitpid(pid, &s->wstatus, WNOHANG) == pid) {
			s->child_done = true;
			return;
		}
		usleep(10 * 1000);
	}
	target_signal(&s->child, SIGKILL);
	while (waitpid(pid, &s->wstatus, 0) < 0 && errno == EINTR)
		;
	s->child_done = true;
}

/* Delivers the last events. */
int session_finish(struct session *s)
{
	/* late records of the last switches may still be in flight */
	usleep(20 * 1000);
	return tracer_flush(s->tracer);
}

/* The tracer. */
struct tracer *session_tracer(const struct session *s)
{
	return s->tracer;
}

/* The command line for the trace header. */
const char *session_command(const struct session *s)
{
	return s->command;
}

/* A short name for the header. */
const char *session_label(const struct session *s)
{
	return s->label;
}

/* The -p pid. */
pid_t session_attached_pid(const struct session *s)
{
	return s->pid;
}

/* The program conctop started, or 0. */
pid_t session_child_pid(const struct session *s)
{
	return session_has_child(s) ? s->child.pid : 0;
}

/* Whether conctop started a program. */
bool session_has_child(const struct session *s)
{
	return s->started && s->child.pid > 0;
}

/* Whether the program conctop started has ended. */
bool session_child_done(const struct session *s)
{
	return s->child_done;
}

/* The exit status of the ended program. */
int session_exit_status(const struct session *s)
{
	if (!s->child_done)
		return 1;
	if (WIFEXITED(s->wstatus))
		return WEXITSTATUS(s->wstatus);
	if (WIFSIGNALED(s->wstatus))
		return 128 + WTERMSIG(s->wstatus);
	return 1;
}

/* Creates the trace file as the program's user and starts a writer on it. */
int session_trace_open(const struct session *s, struct session_trace *t, const char *path,
		       const struct trace_info *info)
{
	struct outfile_owner owner = { s->user.drop, s->user.uid, s->user.gid };
	char why[512];
	int e;

	t->writer = NULL;
	e = outfile_create(&t->file, path, &owner, why, sizeof why);
	if (e) {
		cli_error("cannot write %s: %s", path, why);
		return 1;
	}
	e = trace_writer_new_fd(&t->writer, t->file.fd, info);
	t->file.fd = -1; /* the writer's now, closed by it */
	if (e) {
		cli_error("cannot write %s: %s", path, strerror(-e));
		outfile_abort(&t->file);
		return 1;
	}
	return 0;
}

/* Gives dir to the user trace files are written as (see session.h). */
int session_give_dir(const struct session *s, const char *dir)
{
	if (!s->user.drop)
		return 0;
	return chown(dir, s->user.uid, s->user.gid) ? -errno : 0;
}

/* Ends the trace and renames it into place. */
int session_trace_close(struct session_trace *t, uint64_t end_ts)
{
	int e = 0, r;

	if (t->writer) {
		/* (a close drops nothing more: what the file keeps is known now) */
		t->dropped_until = trace_writer_dropped_until(t->writer);
		e = trace_writer_close(t->writer, end_ts);
	}
	t->writer = NULL;
	if (t->file.part) {
		r = outfile_commit(&t->file);
		if (r && !e)
			e = r;
	}
	return e;
}

/* Closes the trace and removes it. */
void session_trace_abort(struct session_trace *t)
{
	if (t->writer)
		trace_writer_close(t->writer, 0);
	t->writer = NULL;
	if (t->file.part)
		outfile_abort(&t->file);
}

/* The output pipe's read end. */
int session_output_fd(const struct session *s)
{
	return s->out_fd;
}
