/* conctop dump: every event of a trace file, one line each, for scripts and
 * for looking closely (as perf script does for perf.data). */
#include <errno.h>
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

/* conctop dump. */
int cmd_dump(int argc, char **argv)
{
	struct trace_reader *r = NULL;
	struct event ev;
	int e, status = 1;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: conctop dump FILE\n\n"
		       "Prints every event of a trace file, one per line: time (seconds since\n"
		       "the trace's start), CPU, type, thread and the type's own fields.\n"
		       "tid 0 is a CPU's idle task, tid -1 a task of another program. Text\n"
		       "from the trace (names, marks) is printed with control characters\n"
		       "escaped (\\x1b), backslashes doubled.\n"
		       "\n"
		       "Exit status: 0 ok (also for a recording that was cut off: its events\n"
		       "are printed and a warning goes to stderr), 1 unreadable or corrupt\n"
		       "file, 2 usage error.\n");
		return 0;
	}
	if (argc == 2 && argv[1][0] == '-' && argv[1][1])
		return cli_usage_error("dump", "unknown option '%s'", argv[1]);
	if (argc > 2 && argv[2][0] == '-')
		return cli_usage_error("dump", "unknown option '%s'", argv[2]);
	if (argc != 2)
		return cli_usage_error("dump", argc < 2 ? "which trace file?" : "one trace file at a time");
	e = trace_reader_new(&r, argv[1]);
	if (e) {
		cli_error("%s: %s", argv[1], r ? trace_reader_error(r) : strerror(-e));
		goto out;
	}
	while ((e = trace_reader_next(r, &ev)) == 1)
		print_event(stdout, &ev);
	if (e < 0) {
		cli_error("%s: %s", argv[1], trace_reader_error(r));
		status = e == -ENODATA ? 0 : 1;
		goto out;
	}
	status = 0;
out:
	if (fflush(stdout))
		status = 1;
	trace_reader_free(r);
	return status;
}
