/* Unit tests of the import of other tools' texts (core/import*.c): lines
 * of perf script, trace-cmd report and the ftrace trace file taken apart;
 * fields, states and trace-cmd's own formats; small whole texts turned
 * into events (existing threads announced, wakeups and renames derived,
 * forks, the filter), and the errors with their line numbers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "import.h"
#include "import_parse.h"

#define MAX_EVENTS 64

/* The events an import gave. */
static struct event got[MAX_EVENTS];
static size_t ngot;

/* The import's callback: keeps the events. */
static int keep(void *ctx, const struct event *ev)
{
	(void)ctx;
	if (ngot < MAX_EVENTS)
		got[ngot] = *ev;
	ngot++;
	return 0;
}

/* Imports text with the filter; returns the result, the error in err. */
static int import_text(const char *text, const struct import_filter *filter, struct import_summary *sum, char *err,
		       size_t len)
{
	struct import *im;
	int rc;

	ngot = 0;
	if (import_new(&im, filter, keep, NULL))
		return -ENOMEM;
	rc = import_buffer(im, text, strlen(text));
	snprintf(err, len, "%s", import_error(im));
	if (sum)
		*sum = *import_summary(im);
	import_free(im);
	return rc;
}

/* The same through import_file, as a file given to conctop import is
 * read (a line at a time from a stream, not from a buffer). */
static int import_text_file(const char *text, char *err, size_t len)
{
	struct import *im;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	ngot = 0;
	if (!f)
		return -errno;
	if (import_new(&im, NULL, keep, NULL)) {
		fclose(f);
		return -ENOMEM;
	}
	rc = import_file(im, f);
	snprintf(err, len, "%s", import_error(im));
	import_free(im);
	fclose(f);
	return rc;
}

/* How many events of a type the last import gave. */
static size_t count(unsigned type)
{
	size_t i, n = 0;

	for (i = 0; i < ngot && i < MAX_EVENTS; i++)
		n += got[i].type == type;
	return n;
}

/* The lines of the three texts, taken apart. */
static void test_lines(void)
{
	struct import_line l;
	const char *why;

	CHECK(import_parse_line("            perf 17987 [000]   993.230143:       sched:sched_switch: prev_comm=perf",
				&l, &why) == 0 && l.style == IMPORT_STYLE_PERF && l.tid == 17987 && l.cpu == 0 &&
	      l.ts == 993230143000ull && !strcmp(l.event, "sched_switch") && !strcmp(l.comm, "perf") &&
	      !strncmp(l.fields, "prev_comm=perf", 14),
	      "line: perf script's default (comm tid [cpu] time: sys:event: fields)");
	CHECK(import_parse_line(" Web Content 1021/1025 [001]  2514.144134846: sched:sched_waking: comm=x", &l, &why) ==
		      0 && l.tgid == 1021 && l.tid == 1025 && l.cpu == 1 && l.ts == 2514144134846ull &&
	      !strcmp(l.comm, "Web Content"),
	      "line: perf with pid/tid and nanoseconds, a comm with a space");
	CHECK(import_parse_line("            ping 14705 [000] 77003.934881330:     250000 cpu-clock:  ffffffff8123 do_idle",
				&l, &why) == 0 && !strcmp(l.event, "cpu-clock") && l.ts == 77003934881330ull,
	      "line: perf script's period column before a sampling event's name (it was refused as cut short)");
	CHECK(import_parse_line("            ping 14705 [000] 77003.934881330:          1 sched:sched_switch: prev_comm=a",
				&l, &why) == 0 && !strcmp(l.event, "sched_switch"),
	      "line: and before a tracepoint's");
	CHECK(import_parse_line("            ping 14705 [000] 77003.934881330:     250000    ", &l, &why) == -EINVAL,
	      "line: a period with no event after it is cut short");
	CHECK(import_parse_line("             :-1  1021/-1    [001]  2514.1: sched:sched_switch: x", &l, &why) == 0 &&
		      l.tid == -1 && l.tgid == 1021,
	      "line: perf's -1 for an exiting task");
	CHECK(import_parse_line("            bash-22135   [001] d..2.  1166.128589: sched_switch: prev_comm=bash", &l,
				&why) == 0 && l.style == IMPORT_STYLE_FTRACE && l.tid == 22135 && l.ts == 1166128589000ull &&
		      !strcmp(l.comm, "bash"),
	      "line: the ftrace trace file (comm-tid [cpu] flags time: event:)");
	CHECK(!l.in_irq && import_parse_line("  spin-7 [000] d.h2. 5.5: sched_waking: comm=a", &l, &why) == 0 && l.in_irq &&
		      import_parse_line("  spin-7 [000] ..s1. 5.5: sched_waking: comm=a", &l, &why) == 0 && l.in_irq &&
		      import_parse_line("  spin-7 [000] d.H2 5.5: sched_waking: comm=a", &l, &why) == 0 && l.in_irq &&
		      import_parse_line("  spin-7 [000] dN.2. 5.5: sched_waking: comm=a", &l, &why) == 0 && !l.in_irq &&
		      import_parse_line("  spin 7 [000] 5.5: sched:sched_waking: comm=a", &l, &why) == 0 && !l.in_irq,
	      "line: the flags column's third letter says an interrupt (h, s, H), else none (perf has no flags)");
	CHECK(import_parse_line("  kworker/u8:3-ev-14380 (  14380) [000] ..... 5.5: sched_waking: comm=a", &l, &why) == 0 &&
		      l.tid == 14380 && l.tgid == 14380 && !strcmp(l.comm, "kworker/u8:3-ev"),
	      "line: the TGID column, a comm with dashes");
	CHECK(import_parse_line("           <...>-77    [001]  1.000001: sched_switch: x", &l, &why) == 0 && l.tid == 77 &&
		      l.comm[0] == '\0',
	      "line: trace-cmd's <...> is no name");
	CHECK(import_parse_line("cpus=2", &l, &why) == -ENOENT, "line: a header is not an event line");
	CHECK(import_parse_line("   perf 17 [000]   993.23", &l, &why) == -EINVAL && strstr(why, "cut short"),
	      "line: a line cut in its time says so");
	CHECK(import_parse_line("   perf 17 [000]   993.23: sched:sched_sw", &l, &why) == -EINVAL,
	      "line: a line cut in its event name is broken");
}

/* Fields, states and trace-cmd's formats. */
static void test_fields(void)
{
	const char *sw = "prev_comm=Web Content prev_pid=12 prev_prio=120 prev_state=R+ ==> next_comm=swapper/1 "
			 "next_pid=0 next_prio=120";
	char buf[32], pc[IMPORT_COMM_MAX], nc[IMPORT_COMM_MAX];
	const char *v;
	int64_t n, st;
	int32_t pp, np;
	int cpu;

	CHECK(import_field_str(sw, "prev_comm", buf, sizeof buf) == 0 && !strcmp(buf, "Web Content"),
	      "fields: a value with a space runs to the next key");
	CHECK(import_field(sw, "prev_state", &v) == 2 && !strncmp(v, "R+", 2), "fields: a value ends before ==>");
	CHECK(import_field_int(sw, "next_pid", 0, 100, &n) == 0 && n == 0, "fields: the last value");
	CHECK(import_field_int(sw, "nope", 0, 100, &n) == -1, "fields: a missing key");
	CHECK(import_field_int("target_cpu=003", "target_cpu", 0, 9, &n) == 0 && n == 3, "fields: 003 is decimal 3");
	CHECK(import_parse_state("R", 1, &st) == 0 && st == 0, "state: R is running (0)");
	CHECK(import_parse_state("R+", 2, &st) == 0 && st == EVENT_STATE_PREEMPTED, "state: R+ is preempted (0x100)");
	CHECK(import_parse_state("D|K", 3, &st) == 0 && st == (EVENT_STATE_UNINTERRUPTIBLE | EVENT_STATE_IDLE),
	      "state: letters joined by |");
	CHECK(import_parse_state("0x100", 5, &st) == 0 && st == 0x100, "state: a number (trace-cmd -R)");
	CHECK(import_parse_state("Q", 1, &st) == -1 && import_parse_state("", 0, &st) == -1,
	      "state: an unknown letter or nothing is an error");
	CHECK(import_plugin_switch("kworker/0:1:21307 [120] S ==> swapper/1:0 [120]", pc, &pp, &st, nc, &np) == 0 &&
		      !strcmp(pc, "kworker/0:1") && pp == 21307 && st == 1 && !strcmp(nc, "swapper/1") && np == 0,
	      "trace-cmd: its sched_switch format, a comm with colons");
	CHECK(import_plugin_wakeup("rcu_preempt:15 [120] CPU:003", pc, &pp, &cpu) == 0 && pp == 15 && cpu == 3,
	      "trace-cmd: its sched_wakeup format");
	CHECK(import_plugin_switch("a:1 [120] S ==> b:", pc, &pp, &st, nc, &np) == -1, "trace-cmd: a cut switch");
}

/* A perf text: two threads existed, one forks a third, which is renamed. */
static const char perf_text[] =
	"  main 100 [000] 1.000000: sched:sched_switch: prev_comm=main prev_pid=100 prev_prio=120 prev_state=S ==> "
	"next_comm=other next_pid=200 next_prio=120\n"
	"  other 200 [000] 1.000100: sched:sched_stat_runtime: comm=other pid=200 runtime=5 [ns]\n"
	"  other 200 [000] 1.000200: sched:sched_waking: comm=main pid=100 prio=120 target_cpu=001\n"
	"  other 200 [000] 1.000300: sched:sched_process_fork: comm=other pid=200 child_comm=other child_pid=300\n"
	"  other 200 [000] 1.000400: sched:sched_wakeup_new: comm=other pid=300 prio=120 target_cpu=001\n"
	"  main 100 [001] 1.000500: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R "
	"==> next_comm=worker next_pid=300 next_prio=120\n";

/* Whole texts into events. */
static void test_import(void)
{
	struct import_summary s;
	struct import_filter f = { 0 };
	const char *keep_other[] = { "other" };
	char err[512];
	size_t i;
	int rc;

	rc = import_text(perf_text, NULL, &s, err, sizeof err);
	CHECK(rc == 0, "import: a perf text imports");
	CHECK(s.ncpus == 2 && !strcmp(s.format, "perf script") && s.event_lines == 6 && s.tasks == 3 && s.threads == 3,
	      "import: CPUs, format, lines and tasks from the text");
	CHECK(count(EVENT_THREAD) == 2 && got[0].type == EVENT_THREAD && got[0].tid == 100 && !strcmp(got[0].text, "main") &&
		      got[0].ts == 0,
	      "import: the tasks that existed are announced at time 0, named");
	CHECK(count(EVENT_WAKING) == 1 && count(EVENT_WAKEUP) == 1 && s.derived_wakeups == 1,
	      "import: a waking without sched_wakeup in the text gets a derived wakeup");
	CHECK(count(EVENT_FORK) == 1 && count(EVENT_WAKEUP_NEW) == 1, "import: the fork and the new thread's wakeup");
	for (i = 0; i < ngot && got[i].type != EVENT_FORK; i++)
		;
	CHECK(i < ngot && got[i].tid2 == 300 && got[i].tgid2 == 200, "import: the child is in its creator's process");
	CHECK(count(EVENT_RENAME) == 1 && s.derived_renames == 1, "import: a name that changed gets a derived rename");
	CHECK(count(EVENT_SWITCH) == 2 && got[ngot - 1].type == EVENT_SWITCH && got[ngot - 1].ts == 500000,
	      "import: switches, times from the first event");
	CHECK(s.nskipped == 1 && !strcmp(s.skipped[0].name, "sched_stat_runtime") && s.skipped[0].first_line == 2 &&
		      s.skipped[0].known,
	      "import: an event conctop does not use is counted with its first line");
	f.comms = keep_other;
	f.ncomms = 1;
	rc = import_text(perf_text, &f, &s, err, sizeof err);
	CHECK(rc == 0 && s.threads == 2 && count(EVENT_THREAD) == 1 && got[0].type == EVENT_THREAD && got[0].tid == 200 &&
		      got[ngot - 1].tid2 == 300,
	      "import: --comm keeps the task and what it creates");
	for (i = 0; i < ngot && got[i].type != EVENT_SWITCH; i++)
		;
	CHECK(i < ngot && got[i].tid == EVENT_TID_OTHER && got[i].tid2 == 200, "import: the others are another program");
}

/* A waking that the flags say an interrupt ran (a timer firing while a
 * thread of the program runs) is the kernel's, not that thread's; the
 * same waking in the task's own context is the task's. */
static void test_irq_waker(void)
{
	static const char text[] =
		"# tracer: nop\n#\n"
		"  spin-7 [000] d..2. 1.000000: sched_switch: prev_comm=nap prev_pid=8 prev_prio=120 prev_state=S ==> "
		"next_comm=spin next_pid=7 next_prio=120\n"
		"  spin-7 [000] d.h2. 1.002000: sched_waking: comm=nap pid=8 prio=120 target_cpu=000\n"
		"  spin-7 [000] d.h3. 1.002001: sched_wakeup: comm=nap pid=8 prio=120 target_cpu=000\n"
		"  spin-7 [000] d..2. 1.003000: sched_waking: comm=nap pid=8 prio=120 target_cpu=000\n";
	struct import_summary s;
	char err[512];
	size_t i, n = 0;
	int32_t wakers[2] = { -99, -99 };

	CHECK(import_text(text, NULL, &s, err, sizeof err) == 0, "irq waker: the text imports");
	for (i = 0; i < ngot && i < MAX_EVENTS; i++)
		if (got[i].type == EVENT_WAKING && got[i].tid2 == 8 && n < 2)
			wakers[n++] = got[i].tid;
	CHECK(n == 2 && wakers[0] == EVENT_TID_IDLE && wakers[1] == 7,
	      "irq waker: a waking in a hard interrupt is the kernel's (0), one in spin's own context spin's");
}

/* perf's side-band lines (--show-task-events) stamped 0 for the tasks
 * that existed do not set the trace's start: it set the start at 0, and a
 * 73 ms recording lasted 19.5 hours. */
static void test_side_band_start(void)
{
	static const char text[] =
		"         swapper     0/0     [000]     0.000000000: PERF_RECORD_FORK(1:1):(0:0)\n"
		"     process_api     0/0     [000]     0.000000000: PERF_RECORD_COMM: process_api:1/1\n"
		"  main 100/100 [000] 70214.000000000: sched:sched_switch: prev_comm=main prev_pid=100 prev_prio=120 "
		"prev_state=S ==> next_comm=other next_pid=200 next_prio=120\n"
		"  other 200/200 [000] 70214.073000000: sched:sched_switch: prev_comm=other prev_pid=200 prev_prio=120 "
		"prev_state=S ==> next_comm=main next_pid=100 next_prio=120\n";
	struct import_summary s;
	char err[512];

	CHECK(import_text(text, NULL, &s, err, sizeof err) == 0 && s.base_ns == 70214000000000ull &&
		      s.end_ns - s.base_ns == 73000000ull && s.event_lines == 4,
	      "side band: lines stamped 0 before the first event do not set the start (73 ms, not 19.5 h)");
}

/* A text that does not say processes: a child that later execs as the
 * leader of its process is a process of its own from its fork on (it was
 * left in its creator's); one that does not exec stays in it. */
static void test_exec_process(void)
{
	static const char text[] =
		"  main 100 [000] 1.000000: sched:sched_process_fork: comm=main pid=100 child_comm=main child_pid=300\n"
		"  main 100 [000] 1.000010: sched:sched_process_fork: comm=main pid=100 child_comm=main child_pid=301\n"
		"  main 300 [001] 1.000100: sched:sched_process_exec: filename=/bin/true pid=300 old_pid=300\n"
		"  main 100 [000] 1.000200: sched:sched_switch: prev_comm=main prev_pid=100 prev_prio=120 prev_state=S ==> "
		"next_comm=main next_pid=301 next_prio=120\n";
	struct import_summary s;
	char err[512];
	int32_t tgid300 = -1, tgid301 = -1;
	size_t i;

	CHECK(import_text(text, NULL, &s, err, sizeof err) == 0, "exec process: the text imports");
	for (i = 0; i < ngot && i < MAX_EVENTS; i++) {
		if (got[i].type == EVENT_FORK && got[i].tid2 == 300)
			tgid300 = got[i].tgid2;
		if (got[i].type == EVENT_FORK && got[i].tid2 == 301)
			tgid301 = got[i].tgid2;
	}
	CHECK(tgid300 == 300 && tgid301 == 100,
	      "exec process: a child that execs as its process's leader is its own process; one that does not, its creator's");
}

/* Texts a helper found refused or misread: perf script of a -g
 * recording (call stacks under each event), ftrace's stacktrace lines, a
 * header comment past the line limit, and a last line cut inside
 * next_pid's digits (it gave a thread 1). */
static void test_odd_texts(void)
{
	static const char stacks[] =
		"  main 100 [000] 1.000000: sched:sched_switch: prev_comm=main prev_pid=100 prev_prio=120 "
		"prev_state=S ==> next_comm=other next_pid=200 next_prio=120\n"
		"\tffffffff813ba24c update_se+0x1bc ([kernel.kallsyms])\n"
		"\t    7f3a9b1234c0 __lll_lock_wait+0x30 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n"
		"  other 200 [000] 1.000100: sched:sched_switch: prev_comm=other prev_pid=200 prev_prio=120 "
		"prev_state=S ==> next_comm=main next_pid=100 next_prio=120\n";
	static const char ftrace_stacks[] =
		"# tracer: nop\n#\n"
		"  spin-7 [000] d..2. 5.000000: sched_switch: prev_comm=nap prev_pid=8 prev_prio=120 prev_state=S ==> "
		"next_comm=spin next_pid=7 next_prio=120\n"
		" => __schedule+0x2a3/0x8d0\n"
		" => schedule+0x4b/0xa0\n";
	static char text[16384];
	struct import_summary s;
	char err[512];
	int rc, rc2;
	size_t n;

	struct import_line l;
	const char *why;
	char name[IMPORT_COMM_MAX];

	CHECK(import_parse_line("       x [001] y  9152/9158  [000]  7.0: sched:sched_switch: prev_comm=x [001] y", &l,
				&why) == 0 && l.cpu == 0 && l.tid == 9158 && !strcmp(l.comm, "x [001] y"),
	      "odd texts: a thread named 'x [001] y': the CPU column is the one a time follows");
	CHECK(import_field_str("prev_comm=a ==> b prev_pid=9156 prev_prio=120 prev_state=S ==> next_comm=q: z=1 S "
			       "next_pid=9159 next_prio=120", "prev_comm", name, sizeof(name)) == 0 &&
		      !strcmp(name, "a ==> b") &&
		      import_field_str("prev_comm=a ==> b prev_pid=9156 prev_prio=120 prev_state=S ==> next_comm=q: z=1 S "
				       "next_pid=9159 next_prio=120", "next_comm", name, sizeof(name)) == 0 &&
		      !strcmp(name, "q: z=1 S"),
	      "odd texts: names holding '==>' or 'k=v' run to the field after them");
	rc = import_text(stacks, NULL, &s, err, sizeof err);
	CHECK(rc == 0 && count(EVENT_SWITCH) == 2 && s.stack_lines == 2,
	      "odd texts: perf script of a -g recording: its call-stack lines are left out and counted");
	rc = import_text(ftrace_stacks, NULL, &s, err, sizeof err);
	CHECK(rc == 0 && count(EVENT_SWITCH) == 1 && s.stack_lines == 2,
	      "odd texts: ftrace's stacktrace lines (=> function) are left out and counted");
	memset(text, 0, sizeof text);
	memcpy(text, "# cmdline : ", 12);
	memset(text + 12, 'x', 5000);
	text[5012] = '\n';
	strcat(text, perf_text);
	rc = import_text(text, NULL, &s, err, sizeof err);
	n = count(EVENT_SWITCH);
	rc2 = import_text_file(text, err, sizeof err);
	CHECK(rc == 0 && n == 2 && rc2 == 0 && count(EVENT_SWITCH) == 2,
	      "odd texts: a header comment longer than a line may be is read, from a buffer and from a file");
	/* a trace_marker write of 4 KiB: a print line longer than IMPORT_LINE_MAX */
	memset(text, 0, sizeof text);
	snprintf(text, sizeof text, "%.*s  other 200 [000] 1.000250: ftrace:print: ",
		 (int)(strstr(perf_text, "  other 200 [000] 1.000300") - perf_text), perf_text);
	memset(text + strlen(text), 'm', 5000);
	strcat(text, "\n");
	strcat(text, strstr(perf_text, "  other 200 [000] 1.000300"));
	rc = import_text(text, NULL, &s, err, sizeof err);
	n = count(EVENT_SWITCH);
	rc2 = import_text_file(text, err, sizeof err);
	CHECK(rc == 0 && n == 2 && s.long_lines == 1 && s.long_first == 4 && rc2 == 0 && count(EVENT_SWITCH) == 2,
	      "odd texts: an event conctop does not read, longer than a line may be, is read by its start and "
	      "counted, from a buffer and from a file");
	memset(text, 0, sizeof text);
	snprintf(text, sizeof text, "%.*s", (int)(strchr(perf_text, '\n') - perf_text), perf_text);
	memset(text + strlen(text), ' ', 5000);
	strcat(text, "\n");
	rc = import_text(text, NULL, NULL, err, sizeof err);
	rc2 = import_text_file(text, err, sizeof err);
	CHECK(rc == -E2BIG && rc2 == -E2BIG && strstr(err, "line 1: longer than"),
	      "odd texts: a switch longer than a line may be is refused, from a buffer and from a file");
	snprintf(text, sizeof text, "%.*snext_pid=3\n", (int)(strstr(perf_text, "next_pid=300") - perf_text), perf_text);
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "line 6: sched_switch: no valid next_prio"),
	      "odd texts: a last line cut inside next_pid's digits is cut short, not a thread 3");
}

/* Malformed texts. */
static void test_errors(void)
{
	char err[512], text[8192];
	int rc;

	snprintf(text, sizeof text, "%.*s\n", (int)(strstr(perf_text, "next_pid=300") - perf_text), perf_text);
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "line 6: sched_switch: no valid next_pid"),
	      "errors: a line cut short names its line and field");
	{
		struct import_summary sum;

		/* the same cut with no newline after it: the text was cut off
		 * there (perf script killed): the lines before it are read */
		snprintf(text, sizeof text, "%.*s", (int)(strstr(perf_text, "next_pid=300") - perf_text), perf_text);
		rc = import_text(text, NULL, &sum, err, sizeof err);
		CHECK(rc == 0 && sum.cut_line == 6 && sum.switches > 0 && import_text_file(text, err, sizeof err) == 0,
		      "errors: a last line cut off (no newline) is skipped and said, from a buffer and from a file");
		rc = import_text("hello", NULL, &sum, err, sizeof err);
		CHECK(rc == -EBADMSG && strstr(err, "line 1: not a line"), "errors: a text of one such line is no text");
	}
	snprintf(text, sizeof text, "%s  main 100 [000] 0.900000: sched:sched_switch: prev_comm=a prev_pid=1 "
		 "prev_state=S ==> next_comm=b next_pid=2\n", perf_text);
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "line 7: the time goes back"), "errors: a time going back names its line");
	snprintf(text, sizeof text, "%s  bash-5 [000] 2.0: sched_switch: x\n", perf_text);
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "line 7:") && strstr(err, "one text at a time"),
	      "errors: a trace-cmd line among perf lines");
	rc = import_text("hello\n", NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "line 1: not a line of perf script"), "errors: garbage");
	rc = import_text("\x1b]0;pwned\x07\x1b[2J evil line\n", NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && !strchr(err, '\x1b') && !strchr(err, '\x07') && strstr(err, "\\x1b]0;pwned\\x07"),
	      "errors: the line quoted comes out escaped (it set the terminal's title and cleared its screen)");
	memset(text, 'y', 200);
	text[200] = '\n';
	text[201] = 0;
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "yyy...\"") && !strstr(err, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"),
	      "errors: a long line is quoted with \"...\" after its first 60 bytes");
	rc = import_text("\x89" "CTRACE\n\x01\x00", NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "conctop trace already") && !strchr(err, '\x89'),
	      "errors: a conctop trace says what to read it with");
	rc = import_text("PERFILE2\x01\x02", NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "perf.data") && strstr(err, "perf script"),
	      "errors: perf.data says to run perf script");
	rc = import_text("# tracer: nop\n#\n", NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "no event lines"), "errors: a text without events");
	snprintf(text, sizeof text, "  a 1 [9999] 1.0: sched:sched_switch: x\n");
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "CPU 9999"), "errors: a CPU beyond what a trace holds");
	memset(text, 'x', 5000);
	text[5000] = 0;
	rc = import_text(text, NULL, NULL, err, sizeof err);
	CHECK(rc == -E2BIG && strstr(err, "line 1: longer than"), "errors: a line too long");
	rc = import_text("  a 1 [000] 1.0: irq:irq_handler_entry: irq=1\n", NULL, NULL, err, sizeof err);
	CHECK(rc == -EBADMSG && strstr(err, "no sched_switch"), "errors: events but no switch");
}

int main(void)
{
	test_lines();
	test_fields();
	test_import();
	test_irq_waker();
	test_side_band_start();
	test_exec_process();
	test_odd_texts();
	test_errors();
	return check_summary();
}
