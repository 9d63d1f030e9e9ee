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
#include "evloop.h"
#include "runner.h"
#include "session.h"
#include "stopsig.h"
#include "trace.h"
#include "tracer.h"

#define DRAIN_MS 50
#define LAG_WARN_NS (500ull * 1000 * 1000) /* a flush this late: say the recorder fell behind */

/* Prints record's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop record [OPTIONS] [--classroom] SCENARIO [SCENARIO-ARGS]\n"
		"       conctop record [OPTIONS] -- COMMAND [ARGS]\n"
		"       conctop record [OPTIONS] -p PID\n"
		"\n"
		"Traces the scheduling of a built-in scenario, a command or a running\n"
		"process through eBPF and writes it to a trace file. A command is held\n"
		"until tracing is attached, so its first events are not missed; under\n"
		"sudo it runs as the invoking user, and the trace file belongs to them.\n"
		"Recording ends when the program exits, after --duration, or on SIGINT,\n"
		"SIGTERM or SIGHUP sent to conctop, which it passes on to the program it\n"
		"started; a program still running 2 s later gets SIGTERM, and SIGKILL 2 s\n"
		"after that; each further signal skips one of those waits. The program\n"
		"has the terminal, as under a shell: Ctrl-C there goes to it (one that\n"
		"ignores it is stopped with kill -INT on conctop). A process traced\n"
		"with -p is only detached from. The trace reaches the file a chunk every\n"
		"second (kill -9 loses about the last one), and conctop runs at nice -20\n"
		"while it traces, so that a saturated CPU does not starve it (with -p, a\n"
		"process in another session: its autogroup too, sched(7)).\n"
		"A scenario runs at full speed with its own defaults, as its checks\n"
		"expect; --classroom runs it at the classroom pace of 'conctop run'.\n"
		"'run SCENARIO' is taken too, as the live view writes it.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     trace file to write (default: conctop.ctrace);\n"
		"                        written as FILE.part and renamed when done, so\n"
		"                        a recording cut off by kill -9 is in FILE.part;\n"
		"                        a FILE that is a symbolic link is refused\n"
		"  -p, --pid PID         trace an existing process, all its threads\n"
		"  -d, --duration TIME   stop after TIME (1.5s, 250ms, 10m = 10 minutes,\n"
		"                        a bare number is seconds); a program conctop\n"
		"                        started is then stopped with SIGTERM\n"
		"  -u, --user NAME       run the program as NAME (default: the user\n"
		"                        behind sudo)\n"
		"      --classroom       a scenario at its classroom pace, as 'conctop\n"
		"                        run' has it: the catalogue's arguments (conctop\n"
		"                        list) merged with those given, which win; the\n"
		"                        trace's command line keeps them, so a replay\n"
		"                        --classroom shows what the class saw\n"
		);
	session_usage_following(f);
	fprintf(f,
		"      --buffer SIZE     kernel ring buffer size, a power of two\n"
		"                        (default 4M)\n"
		"      --tracer MODE     tp_btf or tp (default: tp_btf where the kernel\n"
		"                        has it, else tp)\n"
		"  -q, --quiet           no summary line\n"
		"  -v, --verbose         show libbpf's messages, and after the summary\n"
		"                        how many programs a wakeup ran and how the\n"
		"                        symbol files used for names were read\n"
		"  -h, --help            this help\n"
		"\n"
		"Scenarios: conctop list. Needs root (CAP_BPF and CAP_PERFMON).\n"
		"Exit status: the program's, when conctop started it (128+N when signal\n"
		"N ended it); 0 when --duration ended the recording or when tracing -p;\n"
		"1 on failure; 2 on a usage error; 126 when the command cannot be run,\n"
		"127 when it is not found.\n");
}

/* Says what was recorded, and what did not reach the file. */
static void summary(const struct runner *r, const char *out, uint64_t end_ts, bool verbose)
{
	struct tracer *t = session_tracer(r->ses);
	unsigned long long lost = (unsigned long long)tracer_lost(t);
	uint64_t ahead, delivering;

	fprintf(stderr, "conctop: recorded %llu events in %.3f s to %s (tracer %s%s, attribution %s, %llu lost)\n",
		(unsigned long long)r->written, (double)end_ts / 1e9, out, tracer_mode(t),
		tracer_staged(t) ? " staged" : "", tracer_attribution_mode(t), lost);
	if (lost)
		fprintf(stderr, "conctop: warning: the kernel dropped %llu events: try a larger --buffer\n", lost);
	tracer_symbol_reads(t, &ahead, &delivering);
	if (verbose)
		fprintf(stderr, "conctop: wakeups: %s\n", tracer_wake_mode(t));
	if (verbose)
		fprintf(stderr, "conctop: symbol files for names: %llu read ahead, %llu read while delivering events\n",
			(unsigned long long)ahead, (unsigned long long)delivering);
	if (tracer_reordered(t))
		fprintf(stderr, "conctop: warning: %llu events reached conctop more than 10 ms late and were given "
			"the time of the event before them\n", (unsigned long long)tracer_reordered(t));
	if (r->refused)
		fprintf(stderr, "conctop: warning: %llu events were not valid in a trace file and were left out\n",
			(unsigned long long)r->refused);
	if (r->flush_late_max > LAG_WARN_NS)
		fprintf(stderr, "conctop: warning: the recorder fell behind by up to %.1f s (the machine was "
			"busy): a recording cut off then loses more than its last second\n",
			(double)r->flush_late_max / 1e9);
}

/* record's options. */
struct record_opts {
	const char *out;
	bool quiet, dashdash, classroom;
	pid_t pid;
	struct session_opts sopts;
	struct runner_opts ropts;
};

/* Parses record's options. Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "classroom", no_argument, NULL, 'K' }, /* 'C' is --calls */
		SESSION_LONGOPTS,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "record", "+o:p:d:u:qvh", longopts, usage, 0, false };
	int opt, e;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		switch (opt) {
		case 'o':
			if ((e = cli_file_option("record", opt, optarg, &o->out)))
				return e;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'K':
			o->classroom = true;
			o->sopts.scenario_defaults = true;
			break;
		default:
			e = session_option("record", opt, optarg, &o->sopts, &o->pid, &o->ropts.duration);
			if (e)
				return e > 0 ? e : cli_option_error(&opts, argv);
		}
	}
	if (opt == CLI_OPTS_EXIT)
		return opts.status;
	o->dashdash = optind > 1 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
	if (o->classroom && (o->dashdash || o->pid))
		return cli_usage_error("record", "--classroom is for a scenario, not %s",
				       o->pid ? "-p PID" : "a command");
	return -1;
}

/* Ends the recording: the program stopped if it still runs, the last
 * events, the file closed; says what happened. Returns the exit status. */
static int record_finish(struct runner *run, const struct record_opts *o, bool started, bool failed)
{
	uint64_t end_ts = runner_finish(run);

	if (run->trace_error && !run->write_error)
		cli_error("tracing failed: %s", strerror(-run->trace_error));
	if (run->write_error) {
		cli_error("writing %s failed: %s (the file holds what was written before)", o->out,
			  strerror(-run->write_error));
		return 1;
	}
	if (!started)
		return 1;
	if (!o->quiet)
		summary(run, o->out, end_ts, o->sopts.tracer.verbose);
	if (run->trace_error || failed)
		return 1;
	if (session_child_done(run->ses) && run->end != RUNNER_DURATION)
		return session_exit_status(run->ses);
	return 0;
}

/* conctop record. */
int cmd_record(int argc, char **argv)
{
	struct record_opts o = { .out = "conctop.ctrace", .sopts = { .cmd = "record" },
				 .ropts = { .drain_ms = DRAIN_MS, .handle_signals = true, .end_on_write_error = true } };
	struct session *ses = NULL;
	struct evloop *loop = NULL;
	struct runner run;
	struct trace_info info;
	int e, status = parse_options(argc, argv, &o);

	if (status >= 0)
		return status;
	/* a stop signal sent while it sets up ends it once its loop listens
	 * (one sent before stayed ignored when its shell started it so) */
	e = stopsig_install();
	if (e) {
		cli_error("%s", strerror(-e));
		return 1;
	}
	e = session_new(&ses, &o.sopts);
	if (e) {
		cli_error("%s", strerror(-e));
		return 1;
	}
	runner_init(&run, ses, &o.ropts);
	/* what to trace; then open, configure, load, attach */
	status = session_target(ses, o.pid, argc - optind, argv + optind, o.dashdash);
	if (!status)
		status = session_open(ses, runner_event, &run);
	if (status)
		goto cleanup;
	status = session_spawn(ses); /* the program's pid goes in the header */
	if (status)
		goto cleanup;
	status = 1;
	session_fill_info(&info, ses);
	if (runner_write_to(&run, o.out, &info))
		goto cleanup;
	e = evloop_new(&loop);
	if (e) {
		cli_error("%s", strerror(-e));
		goto cleanup;
	}
	status = session_start(ses);
	if (status && session_exec_failed(ses)) {
		if (record_finish(&run, &o, false, true) && run.write_error) /* the fork and exit were traced */
			status = 1;
		goto cleanup;
	}
	if (status)
		goto cleanup;
	/* until the program ends, the time is up, or a signal */
	stopsig_last_resort(NULL); /* (the loop counts them from now on) */
	e = runner_start(&run, loop);
	if (e)
		cli_error("cannot watch the tracer: %s", strerror(-e));
	while (!e && !(evloop_run_once(loop) & EVLOOP_ENDED))
		;
	status = record_finish(&run, &o, true, e != 0);
cleanup:
	session_trace_abort(&run.trace);
	session_free(ses);
	evloop_free(loop);
	return status;
}
