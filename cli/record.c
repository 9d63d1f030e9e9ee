/* conctop record: trace a scenario, a command or a running process into a
 * trace file, headless. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "session.h"
#include "trace.h"
#include "tracer.h"

#define POLL_MS 50
#define FLUSH_EVERY_NS (1000ull * 1000 * 1000) /* a kill -9 loses at most this */

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
		"a program still running 2 s later gets SIGTERM, and SIGKILL 2 s after\n"
		"that; each further Ctrl-C skips one of those waits. A process traced\n"
		"with -p is only detached from.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     trace file to write (default: conctop.ctrace);\n"
		"                        written as FILE.part and renamed when done, so\n"
		"                        a recording cut off by kill -9 is in FILE.part;\n"
		"                        a FILE that is a symbolic link is refused\n"
		"  -p, --pid PID         trace an existing process, all its threads\n"
		"  -d, --duration TIME   stop after TIME (1.5s, 250ms, a bare number is\n"
		"                        seconds); a program conctop started is then\n"
		"                        stopped with SIGTERM\n"
		"  -u, --user NAME       run the program as NAME (default: the user\n"
		"                        behind sudo)\n"
		"      --no-follow       do not trace child processes\n"
		"      --no-attribution  scheduler events only (blocked states then say\n"
		"                        no cause)\n"
		"      --calls           also probe every pthread and semaphore call and\n"
		"                        every system call (3-20 us a call: lock-heavy\n"
		"                        programs run many times slower); shows what\n"
		"                        only calls show: uncontended holds, trylock\n"
		"                        failures, spinning. By default the cause of a\n"
		"                        wait is read when a thread blocks, at no cost\n"
		"                        per lock call\n"
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
	struct session_trace trace;
	int write_error;
	uint64_t events;
};

/* Tracer callback: appends the event to the trace file. */
static int on_event(const struct event *ev, void *ctx)
{
	struct recording *r = ctx;
	int err = trace_writer_add(r->trace.writer, ev);

	if (err) {
		r->write_error = err;
		return err;
	}
	r->events++;
	return 0;
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
		{ "no-attribution", no_argument, NULL, 'A' },
		{ "calls", no_argument, NULL, 'C' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "tracer", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "conctop.ctrace";
	struct session_opts sopts = { .cmd = "record" };
	struct session *ses = NULL;
	struct recording rec = { 0 };
	struct trace_info info;
	struct tracer *tracer;
	uint64_t duration = 0, last_flush = 0, signalled_at = 0, end_ts;
	pid_t pid = 0;
	int opt, e, status = 1;
	bool quiet = false, duration_hit = false, started = false, dashdash;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+o:p:d:u:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!*optarg)
				return cli_usage_error("record", "-o needs a file name, not ''");
			out = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			e = session_option("record", opt, optarg, &sopts, &pid, &duration);
			if (e > 0)
				return e;
			if (e < 0) {
				if (optopt)
					return cli_usage_error("record", "option -%c is unknown or needs a value", optopt);
				return cli_usage_error("record", "unknown option '%s'", argv[optind - 1]);
			}
		}
	}
	dashdash = optind > 1 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;

	/* what to trace */
	e = session_new(&ses, &sopts);
	if (e) {
		cli_error("%s", strerror(-e));
		return 1;
	}
	status = session_target(ses, pid, argc - optind, argv + optind, dashdash);
	if (status)
		goto cleanup;

	/* open, configure, load, attach */
	status = session_open(ses, on_event, &rec);
	if (status)
		goto cleanup;
	status = 1;
	tracer = session_tracer(ses);
	session_fill_info(&info, tracer, session_command(ses), pid);
	if (session_trace_open(ses, &rec.trace, out, &info))
		goto cleanup;

	session_signals_install();
	status = session_start(ses);
	if (status) {
		if (session_exec_failed(ses))
			goto finish;
		goto cleanup;
	}
	started = true;

	/* poll until the program ends, the time is up, or a signal */
	for (;;) {
		uint64_t now;

		e = session_poll(ses, POLL_MS);
		if (e < 0) {
			cli_error("tracing failed: %s", strerror(-e));
			break;
		}
		now = tracer_now(tracer);
		if (now - last_flush >= FLUSH_EVERY_NS) {
			e = trace_writer_flush(rec.trace.writer);
			if (e) {
				rec.write_error = e;
				break;
			}
			last_flush = now;
		}
		if (session_target_done(ses))
			break;
		if (duration && now >= duration) {
			duration_hit = true;
			break;
		}
		if (session_stop_signal()) {
			if (!session_has_child(ses))
				break;
			if (!signalled_at) {
				session_signal_child(ses, session_stop_signal());
				signalled_at = now;
			} else if (now - signalled_at > SESSION_GRACE_NS || session_stop_count() > 1) {
				break;
			}
		}
	}
	if (session_has_child(ses) && !session_child_done(ses) && (duration_hit || session_stop_signal())) {
		/* stop the program we started, and keep its last events */
		session_stop_child(ses);
	}

finish:
	e = session_finish(ses);
	if (e < 0 && !rec.write_error)
		cli_error("tracing failed: %s", strerror(-e));
	end_ts = tracer_now(tracer);
	e = session_trace_close(&rec.trace, end_ts);
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
		fprintf(stderr, "conctop: recorded %llu events in %.3f s to %s (tracer %s, attribution %s, "
			"%llu lost)\n",
			(unsigned long long)rec.events, (double)end_ts / 1e9, out, tracer_mode(tracer),
			tracer_attribution_mode(tracer), (unsigned long long)tracer_lost(tracer));
		if (tracer_lost(tracer))
			fprintf(stderr, "conctop: warning: the kernel dropped %llu events: try a larger --buffer\n",
				(unsigned long long)tracer_lost(tracer));
	}
	if (session_child_done(ses) && !duration_hit)
		status = session_exit_status(ses);
	else
		status = 0;
cleanup:
	session_trace_abort(&rec.trace);
	session_free(ses);
	return status;
}
