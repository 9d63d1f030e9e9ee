/* conctop record: trace a scenario, a command or a running process into a
 * trace file, headless. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "target.h"
#include "trace.h"
#include "tracer.h"

#define POLL_MS 50
#define FLUSH_EVERY_NS (1000ull * 1000 * 1000) /* a kill -9 loses at most this */
#define CHILD_GRACE_NS (2000ull * 1000 * 1000)  /* after a forwarded signal */

static volatile sig_atomic_t stop_signal, stop_count;

/* Remembers the first stop signal, and counts them. */
static void on_signal(int sig)
{
	if (!stop_signal)
		stop_signal = sig;
	stop_count++;
}

/* Prints record's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop record [OPTIONS] SCENARIO [SCENARIO-ARGS]\n"
		"       conctop record [OPTIONS] -- COMMAND [ARGS]\n"
		"       conctop record [OPTIONS] -p PID\n"
		"\n"
		"Traces the scheduling of a built-in scenario, a command or a running\n"
		"process through eBPF and writes it to a trace file. A command is held\n"
		"until tracing is attached, so its first events are not missed; under\n"
		"sudo it runs as the invoking user, and the trace file belongs to them.\n"
		"Recording ends when the program exits, after --duration, or on Ctrl-C,\n"
		"SIGTERM or SIGHUP, which conctop passes on to the program it started;\n"
		"a program still running 2 s later gets SIGTERM, then SIGKILL (at once\n"
		"on a second Ctrl-C). A process traced with -p is only detached from.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     trace file to write (default: conctop.ctrace)\n"
		"  -p, --pid PID         trace an existing process, all its threads\n"
		"  -d, --duration TIME   stop after TIME (1.5s, 250ms, a bare number is\n"
		"                        seconds); a program conctop started is then\n"
		"                        stopped with SIGTERM\n"
		"  -u, --user NAME       run the program as NAME (default: the user\n"
		"                        behind sudo)\n"
		"      --no-follow       do not trace child processes\n"
		"      --buffer SIZE     kernel ring buffer size, a power of two\n"
		"                        (default 16M)\n"
		"      --tracer MODE     tp_btf or tp (default: tp_btf where the kernel\n"
		"                        has it, else tp)\n"
		"  -q, --quiet           no summary line\n"
		"  -v, --verbose         show libbpf's messages\n"
		"  -h, --help            this help\n"
		"\n"
		"Scenarios: conctop list. Needs root (CAP_BPF and CAP_PERFMON).\n"
		"Exit status: the program's, when conctop started it (128+N when signal\n"
		"N ended it); 0 when --duration ended the recording or when tracing -p;\n"
		"1 on failure; 2 on a usage error; 126 when the command cannot be run,\n"
		"127 when it is not found.\n");
}

/* Everything one recording needs. */
struct recording {
	struct tracer *tracer;
	struct trace_writer *writer;
	const char *path;
	int write_error;
	uint64_t events;
};

/* Tracer callback: appends the event to the trace file. */
static int on_event(const struct event *ev, void *ctx)
{
	struct recording *r = ctx;
	int err = trace_writer_add(r->writer, ev);

	if (err) {
		r->write_error = err;
		return err;
	}
	r->events++;
	return 0;
}

/* Joins argv into one command line for the trace header. */
static void join_args(char *out, size_t len, const char *prefix, int argc, char **argv)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	if (prefix)
		n = (size_t)snprintf(out, len, "%s", prefix);
	for (i = 0; i < argc && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? " " : "", argv[i]);
}

/* Fills the trace header from the machine and the tracer. */
static void fill_info(struct trace_info *info, const struct tracer *t, const char *command, pid_t pid)
{
	struct utsname un;
	struct timespec rt;

	memset(info, 0, sizeof(*info));
	if (uname(&un) == 0) {
		snprintf(info->host, sizeof(info->host), "%s", un.nodename);
		snprintf(info->kernel, sizeof(info->kernel), "%s", un.release);
	}
	info->ncpus = tracer_ncpus(t);
	snprintf(info->clock, sizeof(info->clock), "CLOCK_MONOTONIC");
	snprintf(info->command, sizeof(info->command), "%s", command);
	snprintf(info->version, sizeof(info->version), "%s", CONCTOP_VERSION);
	clock_gettime(CLOCK_REALTIME, &rt);
	info->start_realtime_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec -
				  tracer_now(t);
	info->start_monotonic_ns = tracer_base_ns(t);
	info->target_pid = pid;
}

/* Whether process pid is gone (exited, even if not yet reaped). */
static bool process_gone(pid_t pid, int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Ends the program conctop started: SIGTERM, then SIGKILL after the grace
 * period or at once on another stop signal. Leaves its wait status. */
static void stop_child(pid_t pid, int *wstatus)
{
	int seen = stop_count, i;

	kill(pid, SIGTERM);
	for (i = 0; i < (int)(CHILD_GRACE_NS / 10000000ull) && stop_count == seen; i++) {
		if (waitpid(pid, wstatus, WNOHANG) == pid)
			return;
		usleep(10 * 1000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
}

/* The exit status for a program that could not be started (as shells do). */
static int status_not_started(int err)
{
	return err == -EACCES || err == -ENOEXEC || err == -EISDIR || err == -EPERM ? 126 : 127;
}

/* The exit status conctop passes on for a child's wait status. */
static int status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

/* conctop record. */
int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-follow", no_argument, NULL, 'F' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "tracer", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "conctop.ctrace", *user_opt = NULL;
	struct tracer_opts topts = { 0 };
	struct recording rec = { 0 };
	struct target_user user;
	struct target_child child = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	struct trace_info info;
	char err[512] = "", path[PATH_MAX], command[1024], scn_path[PATH_MAX];
	char **prog_argv = NULL, *scn_argv0 = NULL;
	uint64_t duration = 0, last_flush = 0, signalled_at = 0, end_ts;
	pid_t pid = 0;
	int pidfd = -1, opt, e, status = 1, wstatus = 0;
	bool quiet = false, child_done = false, duration_hit = false, started = false;
	struct sigaction sa;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+o:p:d:u:qvh", longopts, NULL)) != -1) {
		uint64_t v;
		char *end;
		long l;

		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'p':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno || *end || l <= 0 || l > INT_MAX)
				return cli_usage_error("record", "-p needs a process id, not '%s'", optarg);
			pid = (pid_t)l;
			break;
		case 'd':
			if (cli_parse_time(optarg, &duration) || duration == 0)
				return cli_usage_error("record", "bad --duration '%s' (use e.g. 5s, 250ms)", optarg);
			break;
		case 'u':
			user_opt = optarg;
			break;
		case 'F':
			topts.no_follow_forks = true;
			break;
		case 'b':
			if (cli_parse_size(optarg, &v) || v < 4096 || (v & (v - 1)) || v > (1ull << 30))
				return cli_usage_error("record", "bad --buffer '%s': a power of two from 4K to 1G", optarg);
			topts.ringbuf_bytes = v;
			break;
		case 'T':
			if (strcmp(optarg, "tp_btf") && strcmp(optarg, "tp"))
				return cli_usage_error("record", "bad --tracer '%s': use tp_btf or tp", optarg);
			topts.mode = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			topts.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				return cli_usage_error("record", "option -%c is unknown or needs a value", optopt);
			return cli_usage_error("record", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!topts.mode)
		topts.mode = getenv("CONCTOP_TRACER"); /* for tests of the fallback */

	/* what to trace */
	if (pid) {
		if (optind < argc)
			return cli_usage_error("record", "give either -p PID or a program, not both");
		snprintf(command, sizeof(command), "pid %d", pid);
		if (kill(pid, 0) < 0 && errno == ESRCH) {
			cli_error("no process with pid %d", pid);
			return 1;
		}
	} else if (optind < argc) {
		bool dashdash = strcmp(argv[optind - 1], "--") == 0;

		prog_argv = argv + optind;
		if (dashdash) {
			e = target_find_program(prog_argv[0], path, sizeof(path));
			if (e) {
				cli_error("cannot run '%s': %s", prog_argv[0],
					  e == -ENOENT ? "command not found" : strerror(-e));
				return status_not_started(e);
			}
			join_args(command, sizeof(command), NULL, argc - optind, prog_argv);
		} else {
			const struct scenario_info *si = scenario_find(prog_argv[0]);

			if (!si)
				return cli_usage_error("record", "unknown scenario '%s' (conctop list shows them; "
						       "put -- before a command)", prog_argv[0]);
			e = cli_scenario_dir(scn_path, sizeof(scn_path));
			if (e || (size_t)snprintf(path, sizeof(path), "%s/%s", scn_path, si->name) >= sizeof(path)) {
				cli_error("cannot find the scenario programs: %s", strerror(e ? -e : ENAMETOOLONG));
				return 1;
			}
			if (access(path, X_OK)) {
				cli_error("scenario program %s is missing (%s): run 'make', or set CONCTOP_SCENARIO_DIR",
					  path, strerror(errno));
				return 1;
			}
			join_args(command, sizeof(command), NULL, argc - optind, prog_argv);
			scn_argv0 = prog_argv[0];
		}
	} else {
		return cli_usage_error("record", "what should be traced? Give a scenario, -- COMMAND, or -p PID");
	}
	(void)scn_argv0;
	if (target_user_resolve(&user, user_opt, err, sizeof(err))) {
		cli_error("%s", err);
		return user_opt ? EXIT_USAGE : 1;
	}

	/* open, configure, load, attach */
	e = tracer_new(&rec.tracer, &topts, on_event, &rec, err, sizeof(err));
	if (e) {
		cli_error("%s", err);
		return 1;
	}
	rec.path = out;
	fill_info(&info, rec.tracer, command, pid);
	e = trace_writer_new(&rec.writer, out, &info);
	if (e) {
		cli_error("cannot write %s: %s", out, strerror(-e));
		goto cleanup;
	}
	if (user.drop && fchown(trace_writer_fd(rec.writer), user.uid, user.gid))
		cli_error("warning: cannot give %s to uid %u: %s", out, (unsigned)user.uid, strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (pid) {
		e = tracer_add_process(rec.tracer, pid);
		if (e) {
			cli_error("cannot trace pid %d: %s", pid, e == -ESRCH ? "no such process" : strerror(-e));
			goto cleanup;
		}
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		tracer_attach_marks(rec.tracer, pid, path);
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	} else {
		e = target_spawn(&child, path, prog_argv, &user);
		if (e) {
			cli_error("cannot start '%s': %s", prog_argv[0], strerror(-e));
			goto cleanup;
		}
		e = tracer_add_process(rec.tracer, child.pid);
		if (!e) {
			e = tracer_attach_marks(rec.tracer, child.pid, path);
			if (e == -ENOENT || e == 1) /* no markers in this program */
				e = 0;
			else if (e)
				cli_error("warning: cannot attach to conctop_mark in %s: %s", path, strerror(-e));
			e = 0;
		}
		if (e) {
			cli_error("cannot trace the program: %s", strerror(-e));
			target_abort(&child);
			child.pid = -1;
			goto cleanup;
		}
		e = target_release(&child);
		if (e) {
			cli_error("cannot run '%s': %s", prog_argv[0], strerror(-e));
			child.pid = -1;
			status = status_not_started(e);
			goto finish;
		}
	}
	started = true;

	/* poll until the program ends, the time is up, or a signal */
	for (;;) {
		uint64_t now;

		e = tracer_poll(rec.tracer, POLL_MS);
		if (e < 0) {
			cli_error("tracing failed: %s", strerror(-e));
			break;
		}
		now = tracer_now(rec.tracer);
		if (now - last_flush >= FLUSH_EVERY_NS) {
			e = trace_writer_flush(rec.writer);
			if (e) {
				rec.write_error = e;
				break;
			}
			last_flush = now;
		}
		if (child.pid > 0 && !child_done) {
			pid_t w = waitpid(child.pid, &wstatus, WNOHANG);

			if (w == child.pid)
				child_done = true;
		}
		if (child_done || (pid && process_gone(pid, pidfd)))
			break;
		if (duration && now >= duration) {
			duration_hit = true;
			break;
		}
		if (stop_signal) {
			if (child.pid <= 0)
				break;
			if (!signalled_at) {
				kill(child.pid, stop_signal);
				signalled_at = now;
			} else if (now - signalled_at > CHILD_GRACE_NS || stop_count > 1) {
				break;
			}
		}
	}
	if (child.pid > 0 && !child_done && (duration_hit || stop_signal)) {
		/* stop the program we started, and keep its last events */
		stop_child(child.pid, &wstatus);
		child_done = true;
	}

finish:
	/* late records of the last switches may still be in flight */
	usleep(20 * 1000);
	e = tracer_flush(rec.tracer);
	if (e < 0 && !rec.write_error)
		cli_error("tracing failed: %s", strerror(-e));
	end_ts = tracer_now(rec.tracer);
	e = trace_writer_close(rec.writer, end_ts);
	rec.writer = NULL;
	if (e && !rec.write_error)
		rec.write_error = e;
	if (rec.write_error) {
		cli_error("writing %s failed: %s (the file holds what was written before)", out,
			  strerror(-rec.write_error));
		status = 1;
		goto cleanup;
	}
	if (!started)
		goto cleanup;
	if (!quiet) {
		fprintf(stderr, "conctop: recorded %llu events in %.3f s to %s (tracer %s, %llu lost)\n",
			(unsigned long long)rec.events, (double)end_ts / 1e9, out,
			tracer_mode(rec.tracer), (unsigned long long)tracer_lost(rec.tracer));
		if (tracer_lost(rec.tracer))
			fprintf(stderr, "conctop: warning: the kernel dropped %llu events: try a larger --buffer\n",
				(unsigned long long)tracer_lost(rec.tracer));
	}
	if (child_done && !duration_hit)
		status = status_of(wstatus);
	else
		status = 0;
cleanup:
	if (rec.writer)
		trace_writer_close(rec.writer, tracer_now(rec.tracer));
	if (pidfd >= 0)
		close(pidfd);
	tracer_free(rec.tracer);
	return status;
}
