/* conctop import: the text of perf script, trace-cmd report or the ftrace
 * trace file into a conctop trace (core/import.h; docs/import.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "import.h"
#include "outfile.h"
#include "trace.h"

#define FILTER_MAX 64

/* Prints import's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop import TEXT -o OUT.ctrace [--pid PID]... [--comm NAME]...\n"
		"\n"
		"Turns a scheduler trace recorded by another tool into a conctop trace, to\n"
		"replay, lane, report or export like one conctop recorded. TEXT ('-' for\n"
		"standard input) is the text of one of:\n"
		"  perf script     on a 'perf sched record' recording (best with\n"
		"                  --ns -F comm,pid,tid,cpu,time,event,trace)\n"
		"  trace-cmd report of 'trace-cmd record -e sched' (plain, -R or -N; -t)\n"
		"  /sys/kernel/tracing/trace with the sched events enabled\n"
		"The CPU count comes from the text; threads are named as the text names\n"
		"them. There is no attribution: perf and trace-cmd see scheduler events\n"
		"only, so a blocked thread shows '.', cause unknown. Events conctop does\n"
		"not use are counted and listed; a line that is not one of these texts,\n"
		"is cut short or goes back in time is an error naming its line.\n"
		"docs/import.md has the details and the recording commands.\n"
		"\n"
		"Options:\n"
		"  -o, --output OUT  the conctop trace to write (required)\n"
		"  -p, --pid PID     keep this task or process and what it creates; the\n"
		"                    others are 'another program' (repeatable)\n"
		"  -c, --comm NAME   keep the tasks called NAME and what they create\n"
		"                    (repeatable); with neither, every task is kept\n"
		"  -q, --quiet       no summary on standard error\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 ok, 1 the text is malformed or OUT cannot be written, 2\n"
		"usage error.\n");
}

/* Where the events go: a trace file, created when the first pass is over. */
struct sink {
	struct import *im;
	struct outfile of;
	struct trace_writer *w;
	const char *text;
	int err;
};

/* Creates the trace, once the first pass has said what it holds. */
static int open_writer(struct sink *s)
{
	const struct import_summary *sum = import_summary(s->im);
	struct trace_info info = { 0 };

	info.ncpus = sum->ncpus;
	snprintf(info.clock, sizeof(info.clock), "imported: %s", strcmp(sum->format, "perf script") ? "ftrace" : "perf");
	snprintf(info.command, sizeof(info.command), "imported from %s (scheduler events only, no attribution): %s",
		 sum->format, s->text);
	snprintf(info.version, sizeof(info.version), "%s", CONCTOP_VERSION);
	info.start_monotonic_ns = sum->base_ns;
	s->err = trace_writer_new_fd(&s->w, s->of.fd, &info);
	s->of.fd = -1; /* the writer's now, even on error */
	return s->err;
}

/* The import's callback: every event goes into the trace. */
static int to_trace(void *ctx, const struct event *ev)
{
	struct sink *s = ctx;

	if (!s->w && open_writer(s))
		return s->err;
	s->err = trace_writer_add(s->w, ev);
	return s->err;
}

/* How the tool that wrote a text of format would say processes: perf's
 * -F +pid, ftrace's record-tgid option; trace-cmd report prints none. */
static const char *tgid_hint(const char *format)
{
	if (strcmp(format, "perf script") == 0)
		return " (perf script -F +pid says them)";
	if (strcmp(format, "ftrace trace file") == 0)
		return " (echo 1 > /sys/kernel/tracing/options/record-tgid before tracing adds them)";
	return "";
}

/* Says what the import found and did, on standard error. */
static void print_summary(const struct import_summary *s, const char *text, const char *out)
{
	size_t i;
	int any;

	fprintf(stderr, "conctop: imported the %s text %s into %s:\n", s->format, text, out);
	fprintf(stderr, "  %llu lines, %llu events: %llu threads (of %llu tasks), %u CPUs, %.3f s, %llu switches\n",
		(unsigned long long)s->lines, (unsigned long long)s->events, (unsigned long long)s->threads,
		(unsigned long long)s->tasks, s->ncpus, (double)(s->end_ns - s->base_ns) / 1e9,
		(unsigned long long)s->switches);
	if (s->derived_wakeups)
		fprintf(stderr, "  derived: %llu wakeups, at the time of their waking (the text has no sched_wakeup)\n",
			(unsigned long long)s->derived_wakeups);
	if (s->derived_wakings)
		fprintf(stderr, "  derived: %llu wakings, by the task running on the CPU (the text has no sched_waking)\n",
			(unsigned long long)s->derived_wakings);
	if (s->derived_renames)
		fprintf(stderr, "  derived: %llu renames, where a task's name changed without a rename event\n",
			(unsigned long long)s->derived_renames);
	if (!s->has_tgid)
		fprintf(stderr, "  processes: the text does not say them; a task is put in the process of the task "
				"that created it%s\n", tgid_hint(s->format));
	if (s->lost)
		fprintf(stderr, "  LOST: the text says %llu events were lost: the figures are incomplete\n",
			(unsigned long long)s->lost);
	if (s->unchained && s->unchained * 100 >= s->switches) /* (a few: lost events) */
		fprintf(stderr, "  MISSING SWITCHES: %llu of %llu switches do not take off their CPU the task the one "
				"before put on it: the text lacks the others (perf record without -a records only the "
				"switches of its own tasks), and a task switched to and never off looks as if it ran to "
				"the end. Record with perf sched record, or perf record -a; or keep the program's tasks "
				"only (--comm NAME, --pid PID)\n",
			(unsigned long long)s->unchained, (unsigned long long)s->switches);
	if (s->stack_lines)
		fprintf(stderr, "  not needed by conctop: %llu lines of call stacks\n", (unsigned long long)s->stack_lines);
	if (s->long_lines)
		fprintf(stderr, "  long lines: %llu longer than %d bytes (the first: line %llu), comments or events "
				"conctop does not read, read by their start\n",
			(unsigned long long)s->long_lines, IMPORT_LINE_MAX, (unsigned long long)s->long_first);
	if (s->cut_line)
		fprintf(stderr, "  CUT OFF: the last line (line %llu) has no newline and cannot be read: the text was cut "
				"there (perf script stopped, a full disk); it is skipped\n",
			(unsigned long long)s->cut_line);
	for (any = 0; any < 2; any++) {
		bool first = true;

		for (i = 0; i < s->nskipped; i++) {
			if (s->skipped[i].known != (any == 0))
				continue;
			fprintf(stderr, "%s %s %llu (line %llu)", first ? (any == 0 ? "  not needed by conctop:" :
									     "  not understood, skipped:") : ",",
				s->skipped[i].name, (unsigned long long)s->skipped[i].count,
				(unsigned long long)s->skipped[i].first_line);
			first = false;
		}
		if (!first)
			fputc('\n', stderr);
	}
	if (s->skipped_more)
		fprintf(stderr, "  and %llu lines of other events\n", (unsigned long long)s->skipped_more);
	fprintf(stderr, "  no attribution: these tools record scheduler events only, so a blocked thread shows '.'\n"
			"  (cause unknown); record with conctop to see what each thread waits on.\n"
			"Next: conctop lanes %s, conctop report %s, conctop replay %s\n", out, out, out);
}

/* Opens the text: a file, or standard input, a pipe or a device copied to
 * a temporary file (the import reads it twice). The copy stops at a line
 * too long to be read (IMPORT_LONG_MAX), which the reading then reports
 * (/dev/zero has no newline); name is what messages call it. NULL after
 * saying why. */
static FILE *open_text(const char *text, const char *name)
{
	FILE *f, *tmp;
	char buf[65536];
	size_t n, run = 0;
	struct stat st;

	f = strcmp(text, "-") ? fopen(text, "re") : stdin;
	if (!f || fstat(fileno(f), &st)) {
		cli_error("%s: %s", text, strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		return f;
	tmp = tmpfile();
	if (!tmp) {
		cli_error("cannot make a temporary copy of %s: %s (set TMPDIR to a writable directory)", name,
			  strerror(errno));
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	while (run <= IMPORT_LONG_MAX && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		const char *nl = memrchr(buf, '\n', n);

		run = nl ? (size_t)(buf + n - nl - 1) : run + n;
		if (fwrite(buf, 1, n, tmp) != n)
			break;
	}
	if (ferror(f) || ferror(tmp) || fseek(tmp, 0, SEEK_SET)) {
		cli_error("cannot copy %s to a temporary file: %s", name, strerror(errno));
		fclose(tmp);
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	return tmp;
}

/* Runs the import of text into out. Returns the exit status. */
static int run(const char *text, const char *out, const struct import_filter *filter, bool quiet)
{
	const char *name = strcmp(text, "-") ? text : "standard input";
	struct sink s = { .text = text };
	char why[512];
	FILE *f = open_text(text, name);
	int e;

	if (!f)
		return 1;
	if (outfile_spares(out, text, why, sizeof why) || outfile_create(&s.of, out, NULL, why, sizeof why)) {
		cli_error("cannot write %s: %s", out, why);
		fclose(f);
		return 1;
	}
	outfile_remove_on_stop(&s.of);
	e = import_new(&s.im, filter, to_trace, &s);
	if (!e)
		e = import_file(s.im, f);
	fclose(f);
	if (!e && !s.w)
		e = open_writer(&s);
	if (s.w) {
		const struct import_summary *sum = import_summary(s.im);
		int c = trace_writer_close(s.w, sum->end_ns - sum->base_ns);

		if (!e)
			e = c;
	}
	if (!e && (filter->npids || filter->ncomms) && import_summary(s.im)->threads == 0) {
		cli_error("%s: no task matched --pid or --comm (of %llu tasks named in the text): nothing written; "
			  "'conctop import TEXT -o OUT' without them keeps every task, to see their names",
			  name, (unsigned long long)import_summary(s.im)->tasks);
		outfile_abort(&s.of);
		import_free(s.im);
		return 1;
	}
	if (e) {
		if (s.err && s.err == e)
			cli_error("cannot write %s: %s", out, strerror(-e));
		else
			cli_error("%s: %s", name, s.im ? import_error(s.im) : strerror(-e));
		if (s.of.fd >= 0)
			close(s.of.fd);
		s.of.fd = -1;
		outfile_abort(&s.of);
		import_free(s.im);
		return 1;
	}
	e = outfile_commit(&s.of);
	if (e)
		cli_error("%s: cannot rename it into place: %s", out, strerror(-e));
	else if (!quiet)
		print_summary(import_summary(s.im), text, out);
	import_free(s.im);
	return e ? 1 : 0;
}

/* conctop import. */
int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },   { "quiet", no_argument, NULL, 'q' },
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "import", "o:p:c:qh", longopts, usage, 0, false };
	int32_t pids[FILTER_MAX];
	const char *comms[FILTER_MAX], *out = NULL;
	struct import_filter filter = { pids, 0, comms, 0 };
	bool quiet = false;
	char *end;
	long v;
	int opt, e;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		switch (opt) {
		case 'o':
			if ((e = cli_file_option("import", opt, optarg, &out)))
				return e;
			break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v <= 0 || v > INT32_MAX)
				return cli_usage_error("import", "--pid needs a process or task id, not '%s'", optarg);
			if (filter.npids == FILTER_MAX)
				return cli_usage_error("import", "at most %d --pid", FILTER_MAX);
			pids[filter.npids++] = (int32_t)v;
			break;
		case 'c':
			if (filter.ncomms == FILTER_MAX)
				return cli_usage_error("import", "at most %d --comm", FILTER_MAX);
			comms[filter.ncomms++] = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		}
	}
	if (opt == CLI_OPTS_EXIT) /* help, or an option refused */
		return opts.status;
	if (optind != argc - 1)
		return cli_usage_error("import", optind >= argc ? "which text? (the output of perf script, trace-cmd "
								 "report, or a copy of /sys/kernel/tracing/trace)"
								 : "one text at a time");
	if (!out)
		return cli_usage_error("import", "where to? give -o OUT.ctrace");
	return run(argv[optind], out, &filter, quiet);
}
