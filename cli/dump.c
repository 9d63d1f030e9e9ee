/* conctop dump: every event of a trace file, one line each, for scripts and
 * for looking closely (as perf script does for perf.data). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "safetext.h"
#include "trace.h"

/* Prints one event as a line of text. */
static void print_event(FILE *f, const struct event *ev)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64 " cpu%-3u %-10s tid=%d tgid=%d", ev->ts / UINT64_C(1000000000),
		ev->ts % UINT64_C(1000000000), ev->cpu, event_type_name(ev->type), ev->tid, ev->tgid);
	switch (ev->type) {
	case EVENT_SWITCH:
		fprintf(f, " state=0x%" PRIx64 " next=%d next_tgid=%d", (uint64_t)ev->arg, ev->tid2, ev->tgid2);
		break;
	case EVENT_WAKING:
		fprintf(f, " woken=%d woken_tgid=%d target_cpu=%" PRId64, ev->tid2, ev->tgid2, ev->arg);
		if (ev->op)
			fprintf(f, " via=%s obj=0x%" PRIx64, event_op_name(ev->op), (uint64_t)ev->arg2);
		break;
	case EVENT_WAKEUP:
	case EVENT_WAKEUP_NEW:
		fprintf(f, " target_cpu=%" PRId64, ev->arg);
		break;
	case EVENT_MIGRATE:
		fprintf(f, " from=%" PRId64 " to=%" PRId64, ev->arg, ev->arg2);
		break;
	case EVENT_FORK:
		fprintf(f, " child=%d child_tgid=%d", ev->tid2, ev->tgid2);
		if (ev->arg)
			fprintf(f, " thread_pointer=0x%" PRIx64, (uint64_t)ev->arg);
		break;
	case EVENT_EXEC:
		fprintf(f, " old_tid=%" PRId64, ev->arg);
		break;
	case EVENT_MARK:
		fprintf(f, " value=%" PRId64, ev->arg);
		break;
	case EVENT_THREAD:
		fprintf(f, " state=%c", ev->arg > 32 && ev->arg < 127 ? (char)ev->arg : '?');
		break;
	case EVENT_LOST:
		fprintf(f, " lost=%" PRId64, ev->arg);
		break;
	case EVENT_CALL:
		fprintf(f, " op=%s obj=0x%" PRIx64, event_op_name(ev->op), (uint64_t)ev->arg);
		if (ev->arg2)
			fprintf(f, " obj2=0x%" PRIx64, (uint64_t)ev->arg2);
		break;
	case EVENT_RETURN:
	case EVENT_SYSRET:
		fprintf(f, " op=%s ret=%" PRId64, event_op_name(ev->op), ev->arg);
		break;
	case EVENT_SYSCALL:
		fprintf(f, " op=%s arg=0x%" PRIx64, event_op_name(ev->op), (uint64_t)ev->arg);
		break;
	case EVENT_OBJECT:
		fprintf(f, " kind=%s addr=0x%" PRIx64, event_op_name(ev->op), (uint64_t)ev->arg);
		break;
	case EVENT_SIGNAL:
		fprintf(f, " sig=%" PRId64 " to=%d to_tgid=%d result=%" PRId64, ev->arg, ev->tid2, ev->tgid2, ev->arg2);
		break;
	case EVENT_SIGNAL_DELIVER:
		fprintf(f, " sig=%" PRId64 " action=%s", ev->arg,
			ev->arg2 == 1 ? "handler" : ev->arg2 == 2 ? "ignore" : "default");
		break;
	case EVENT_AFFINITY: /* one hex mask of CPUs 0-127 */
		if (ev->arg2)
			fprintf(f, " cpus=0x%" PRIx64 "%016" PRIx64, (uint64_t)ev->arg2, (uint64_t)ev->arg);
		else
			fprintf(f, " cpus=0x%" PRIx64, (uint64_t)ev->arg);
		if (ev->op == EVENT_AFFINITY_MORE)
			fprintf(f, " more_cpus=1");
		break;
	case EVENT_BLOCK:
		fprintf(f, " op=%s obj=0x%" PRIx64, event_op_name(ev->op), (uint64_t)ev->arg);
		if (ev->tid2)
			fprintf(f, " %s=%d", ev->op == OP_JOIN ? "joins" : "holder", ev->tid2);
		if (ev->arg2)
			fprintf(f, " futex=0x%" PRIx64, (uint64_t)ev->arg2);
		break;
	default:
		break;
	}
	if (ev->text[0]) {
		fputs(" text=\"", f);
		safetext_fputs(ev->text, f); /* a trace's text never reaches the terminal raw */
		fputc('"', f);
	}
	fputc('\n', f);
}

/* Prints dump's help. */
static void usage(FILE *f)
{
	fprintf(f, "Usage: conctop dump FILE\n\n"
		"Prints every event of a trace file, one per line: time (seconds since\n"
		"the trace's start), CPU, type, thread and the type's own fields.\n"
		"tid 0 is a CPU's idle task, tid -1 a task of another program. Text\n"
		"from the trace (names, marks) is printed with control characters\n"
		"escaped (\\x1b), backslashes doubled.\n"
		"\n"
		"A damaged chunk is skipped with a warning on stderr naming it, and the\n"
		"events of the other chunks are printed.\n"
		"\n"
		"Exit status: 0 ok (also for a recording that was cut off or has damaged\n"
		"chunks: its other events are printed and a warning goes to stderr),\n"
		"1 unreadable file, 2 usage error.\n");
}

/* conctop dump. */
int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_LONGOPTS_END };
	struct cli_opts opts = { "dump", "h", longopts, usage, 0, false };
	struct cli_trace t = { 0 };
	const struct event *ev;
	const char *file;
	int opt, e, status = 1;

	if ((opt = cli_next_option(&opts, argc, argv)) != CLI_OPTS_END)
		return opt == CLI_OPTS_EXIT ? opts.status : cli_option_error(&opts, argv);
	if ((e = cli_trace_operand("dump", argc, argv, &file)))
		return e;
	if (cli_trace_open(&t, file))
		goto out;
	while ((e = cli_trace_next(&t, &ev)) > 0) {
		if (e == 1) {
			print_event(stdout, ev);
		} else { /* said where it happens, between the events around it */
			fflush(stdout);
			cli_error("warning: %s: %s", file, cli_trace_last_damage(&t));
		}
	}
	if (e == 0) {
		status = 0;
		if (t.cut[0])
			cli_error("warning: %s: the recording was cut off: %s", file, t.cut);
	}
out:
	if (cli_flush_stdout())
		status = 1;
	cli_trace_close(&t);
	return status;
}
