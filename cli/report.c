/* conctop report: per-thread and per-CPU statistics of a trace file, as a
 * table for people or JSON for scripts. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "contention.h"
#include "safetext.h"
#include "spans.h"
#include "stats.h"
#include "trace.h"

/* Prints report's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop report [--json] [--memory SIZE] FILE\n"
		"\n"
		"Reads a trace file written by 'conctop record' and prints, per thread:\n"
		"name, tid, process, run time, runnable time (waiting for a CPU), blocked\n"
		"time, voluntary and involuntary context switches, migrations and wakeups\n"
		"received, and what it was mostly blocked on (MOSTLY BLOCKED ON: the kind\n"
		"of wait, the object's name, and its share of the blocked time: 'mutex\n"
		"count_lock 60%%', a child process by its command and pid 'child\n"
		"cc1(11770) 80%%', a CPython lock 'Python Lock@7f3a..c0 90%%'); per CPU:\n"
		"how busy it was with the traced program, with other programs, and idle;\n"
		"totals, event counts, lost events, and any deadlock, in words; the CPUs\n"
		"left idle while threads were runnable on another, busy CPU (stretches of\n"
		"10 ms or more, the longest in words, with the threads' affinity when it is\n"
		"why);\n"
		"last, the contention by object (the table of 'conctop contention'). Text from\n"
		"the trace (names, host, command) is printed with control characters\n"
		"escaped (\\x1b).\n"
		"A recording that was cut off (crash, kill -9) is reported up to its last\n"
		"complete chunk, with a warning; damaged chunks are skipped, named in a\n"
		"warning, and the others reported.\n"
		"\n"
		"Options:\n"
		"      --json         print one JSON object (fields: docs/report-json.md;\n"
		"                     with blocked_by per thread, deadlocks, undone and\n"
		"                     contention)\n"
		"  -m, --memory SIZE  memory the contention table's reading may take\n"
		"                     (default: half the machine's; 16M or more, 0 for no\n"
		"                     cap): it holds the threads, objects and holders, not\n"
		"                     every wait; past it the contention by object is left\n"
		"                     out, with a warning\n"
		"  -h, --help         this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, or damaged chunks\n"
		"skipped), 1 unreadable file, 2 usage error.\n");
}

/* Prints s as a JSON string. Bytes that are not UTF-8 (a name the kernel
 * cut in the middle of a character) become U+FFFD; control characters
 * (C0, DEL and C1) are escaped, so that the JSON is safe on a terminal. */
void cli_json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = safetext_utf8_len(s);

		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
		} else if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if (*s == 0xc2 && s[1] < 0xa0) { /* U+0080-U+009F */
			fprintf(f, "\\u%04x", s[1]);
			s += 2;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	fputc('"', f);
}

/* The "complete" and "warning" fields of a JSON object (see cli.h). */
void cli_json_complete(FILE *f, const char *warn)
{
	fprintf(f, "  \"complete\": %s,\n", warn[0] ? "false" : "true");
	if (warn[0]) {
		fprintf(f, "  \"warning\": ");
		cli_json_string(f, warn);
		fprintf(f, ",\n");
	}
}

/* The kind of a blocked cause as report --json names it: one of mutex,
 * cond, barrier, sem, rwlock, join, child, signal, sleep, io, futex, other. */
static const char *json_kind(uint8_t kind)
{
	switch (kind) {
	case WAIT_MUTEX: case WAIT_COND: case WAIT_BARRIER: case WAIT_SEM: case WAIT_RWLOCK:
	case WAIT_JOIN: case WAIT_SLEEP: case WAIT_IO: case WAIT_FUTEX: case WAIT_CHILD: case WAIT_SIGNAL:
		return waits_kind_name(kind);
	default:
		return "other";
	}
}

/* Milliseconds with three decimals, for the table. */
static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Percentage of part in whole. */
static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Prints the statistics as JSON, leaving the object open after "cpus"
 * (the contention, computed afterwards, comes last). */
static void print_json(FILE *f, const struct stats *s, const struct trace_info *info,
		       const char *file, bool complete, const char *warning)
{
	size_t i;
	unsigned c;

	fprintf(f, "{\n  \"file\": ");
	cli_json_string(f, file);
	fprintf(f, ",\n  \"command\": ");
	cli_json_string(f, info->command);
	fprintf(f, ",\n  \"host\": ");
	cli_json_string(f, info->host);
	fprintf(f, ",\n  \"kernel\": ");
	cli_json_string(f, info->kernel);
	fprintf(f, ",\n  \"version\": ");
	cli_json_string(f, info->version);
	fprintf(f, ",\n  \"clock\": ");
	cli_json_string(f, info->clock);
	fprintf(f, ",\n  \"target_pid\": %d,\n  \"started\": %s", info->target_pid, info->started ? "true" : "false");
	fprintf(f, ",\n  \"ncpus\": %u,\n  \"start_realtime_ns\": %" PRIu64 ",\n", info->ncpus,
		info->start_realtime_ns);
	fprintf(f, "  \"start_monotonic_ns\": %" PRIu64 ",\n", info->start_monotonic_ns);
	fprintf(f, "  \"duration_ns\": %" PRIu64 ",\n  \"events\": %" PRIu64 ",\n  \"lost_events\": %" PRIu64 ",\n",
		stats_end(s), stats_events(s), stats_lost(s));
	cli_json_complete(f, complete ? "" : warning ? warning : "incomplete");
	fprintf(f, "  \"events_by_type\": {");
	for (c = 1; c < EVENT_TYPE_MAX; c++)
		fprintf(f, "%s\"%s\": %" PRIu64, c > 1 ? ", " : "", event_type_name(c), stats_events_of(s, c));
	fprintf(f, "},\n  \"anomalies\": {");
	for (c = 0; c < TL_ANOM_MAX; c++) {
		fprintf(f, "%s", c ? ", " : "");
		fprintf(f, "\"%s\": %" PRIu64, stats_anomaly_key(c), stats_anomalies(s, c));
	}
	fprintf(f, "},\n  \"deadlocks\": [");
	for (i = 0; i < stats_deadlock_count(s); i++) {
		const struct waits_deadlock *d = stats_deadlock(s, i);
		unsigned k;

		fprintf(f, "%s\n    {\"at_ns\": %" PRIu64 ", \"cycle\": [", i ? "," : "", d->at_ns);
		for (k = 0; k < d->n; k++) {
			const char *name = stats_thread_name(s, d->link[k].tid);
			const char *hname = stats_thread_name(s, d->link[k].holder);
			char label[EVENT_TEXT_MAX + 32];

			if (d->link[k].kind == WAIT_JOIN) /* (no object: the thread joined is held_by) */
				label[0] = '\0';
			else
				stats_object_label(s, d->link[k].object, label, sizeof(label));
			fprintf(f, "%s{\"tid\": %d, \"name\": ", k ? ", " : "", d->link[k].tid);
			cli_json_string(f, name ? name : "");
			fprintf(f, ", \"kind\": \"%s\", \"waits_for\": ", json_kind(d->link[k].kind));
			cli_json_string(f, label);
			fprintf(f, ", \"held_by\": {\"tid\": %d, \"name\": ", d->link[k].holder);
			cli_json_string(f, hname ? hname : "");
			fprintf(f, "}}");
		}
		fprintf(f, "]}");
	}
	fprintf(f, "%s],\n  \"threads\": [", stats_deadlock_count(s) ? "\n  " : "");
	for (i = 0; i < stats_thread_count(s); i++) {
		const struct stats_thread *t = stats_thread_at(s, i);
		const char *proc = stats_process_name(s, t->tgid);
		const struct stats_blocked *by;
		size_t nby = stats_blocked_by(s, i, &by), k;

		fprintf(f, "%s\n    {\"tid\": %d, \"tgid\": %d, \"name\": ", i ? "," : "", t->tid, t->tgid);
		cli_json_string(f, t->name);
		fprintf(f, ", \"process\": ");
		cli_json_string(f, proc ? proc : "");
		fprintf(f,
			", \"run_ns\": %" PRIu64 ", \"runnable_ns\": %" PRIu64 ", \"blocked_ns\": %" PRIu64
			", \"voluntary_switches\": %" PRIu64 ", \"involuntary_switches\": %" PRIu64
			", \"migrations\": %" PRIu64 ", \"wakeups\": %" PRIu64 ", \"wakeups_given\": %" PRIu64
			", \"marks\": %" PRIu64 ", \"start_ns\": %" PRIu64 ", \"end_ns\": %" PRIu64
			", \"existed\": %s, \"exited\": %s, \"spinning_ns\": %" PRIu64 ", \"blocked_by\": [",
			t->run_ns, t->runnable_ns, t->blocked_ns, t->voluntary, t->involuntary, t->migrations,
			t->wakeups, t->wakeups_given, t->marks, t->start_ns, t->end_ns,
			t->existed ? "true" : "false", t->exited ? "true" : "false", t->spinning_ns);
		for (k = 0; k < nby; k++) {
			char label[EVENT_TEXT_MAX + 32] = "";

			if (by[k].object >= 0)
				stats_object_label(s, by[k].object, label, sizeof(label));
			fprintf(f, "%s{\"kind\": \"%s\", \"object\": ", k ? ", " : "",
				stats_object_pylock(s, by[k].object) ? "python_lock" : json_kind(by[k].kind));
			cli_json_string(f, label);
			fprintf(f, ", \"ns\": %" PRIu64 "}", by[k].ns);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ],\n  \"cpus\": [");
	for (c = 0; c < stats_ncpus(s); c++) {
		const struct stats_cpu *cp = stats_cpu_at(s, c);

		fprintf(f,
			"%s\n    {\"cpu\": %u, \"traced_ns\": %" PRIu64 ", \"other_ns\": %" PRIu64
			", \"idle_ns\": %" PRIu64 ", \"unknown_ns\": %" PRIu64 "}",
			c ? "," : "", c, cp->traced_ns, cp->other_ns, cp->idle_ns, cp->unknown_ns);
	}
	fprintf(f, "\n  ]");
}

/* Returns str escaped for a terminal in buf (safetext.h): the text
 * report prints nothing from the trace without it. */
static const char *safe(char *buf, size_t len, const char *str)
{
	safetext_escape(buf, len, str ? str : "?");
	return buf;
}

/* Says so when the kernel left out more than 1% of the switch-ins (a run
 * once had 1058 of 7184 missing, and said it only in a count): each was
 * estimated, so the run and runnable times around them are too. */
static void missed_warning(FILE *f, const struct stats *s)
{
	uint64_t missed = stats_anomalies(s, TL_ANOM_CPU_MISMATCH), switches = stats_events_of(s, EVENT_SWITCH);

	if (switches && missed * 100 > switches)
		fprintf(f, "  warning: %.1f%% of the switches came without the switch-in before them: the run and "
			   "runnable times around them are estimates (a loaded machine, or another tracer at work, "
			   "makes the kernel skip more)\n",
			(double)missed * 100.0 / (double)switches);
}

/* Prints the statistics as tables. */
static void print_text(FILE *f, const struct stats *s, const struct trace_info *info, const char *file)
{
	uint64_t end = stats_end(s);
	time_t start = (time_t)(info->start_realtime_ns / 1000000000ull);
	char when[64] = "?", text[4 * sizeof(info->command)];
	struct tm tm;
	size_t i;
	unsigned c;
	bool any_anomaly = false;

	if (!info->start_realtime_ns) /* (an import: its text says no date) */
		snprintf(when, sizeof(when), "at an unknown date");
	else if (localtime_r(&start, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "trace     %s\n", safe(text, sizeof(text), file));
	fprintf(f, "command   %s\n", safe(text, sizeof(text), info->command));
	fprintf(f, "recorded  %s", when);
	if (info->host[0])
		fprintf(f, " on %s", safe(text, sizeof(text), info->host));
	fprintf(f, " (");
	if (info->kernel[0])
		fprintf(f, "Linux %s, ", safe(text, sizeof(text), info->kernel));
	fprintf(f, "%u CPUs, conctop %s)\n", info->ncpus, safe(text, sizeof(text), info->version));
	fprintf(f, "duration  %.3f ms   events %" PRIu64 "   lost %" PRIu64 "%s\n", ms(end), stats_events(s),
		stats_lost(s), stats_lost(s) ? "  (the kernel dropped events: figures are incomplete)" : "");
	fprintf(f, "by type  ");
	for (c = 1; c < EVENT_TYPE_MAX; c++)
		if (stats_events_of(s, c))
			fprintf(f, " %s %" PRIu64, event_type_name(c), stats_events_of(s, c));
	fprintf(f, "\n\n");

	fprintf(f, "%-16s %7s %-22s %10s %10s %10s %6s %6s %5s %7s %10s  %s\n", "THREAD", "TID", "PROCESS",
		"RUN ms", "RUNNABLE", "BLOCKED", "VOL", "INVOL", "MIGR", "WAKEUPS", "LIFE ms", "MOSTLY BLOCKED ON");
	for (i = 0; i < stats_thread_count(s); i++) {
		const struct stats_thread *t = stats_thread_at(s, i);
		char name[4 * EVENT_TEXT_MAX], cname[128], cproc[128];
		const struct stats_blocked *by;
		char slabel[4 * (EVENT_TEXT_MAX + 32)], cause[sizeof(slabel) + 48] = "";

		if (stats_blocked_by(s, i, &by) && by[0].ns) {
			char label[EVENT_TEXT_MAX + 32] = "";

			const char *kind = json_kind(by[0].kind);

			if (by[0].object >= 0)
				stats_object_label(s, by[0].object, label, sizeof(label));
			if (stats_object_pylock(s, by[0].object)) /* its label says Python Lock */
				kind = strncmp(label, "Python Lock", 11) ? "Python Lock" : "";
			snprintf(cause, sizeof(cause), "%s%s%s %.0f%%", kind, label[0] && kind[0] ? " " : "",
				 safe(slabel, sizeof(slabel), label), pct(by[0].ns, t->blocked_ns));
		}
		fprintf(f,
			"%s %7d %s %10.3f %10.3f %10.3f %6" PRIu64 " %6" PRIu64 " %5" PRIu64
			" %7" PRIu64 " %10.3f  %s\n",
			cli_column(cname, sizeof(cname), safe(name, sizeof(name), t->name[0] ? t->name : "?"), 16), t->tid,
			cli_process_column(cproc, sizeof(cproc), stats_process_name(s, t->tgid), t->tgid), ms(t->run_ns),
			ms(t->runnable_ns), ms(t->blocked_ns), t->voluntary, t->involuntary, t->migrations, t->wakeups,
			ms(t->end_ns - t->start_ns), cause);
	}
	fprintf(f, "\n%-5s %8s %8s %8s %8s\n", "CPU", "TRACED", "OTHER", "IDLE", "UNKNOWN");
	for (c = 0; c < stats_ncpus(s); c++) {
		const struct stats_cpu *cp = stats_cpu_at(s, c);

		fprintf(f, "%-5u %7.1f%% %7.1f%% %7.1f%% %7.1f%%\n", c, pct(cp->traced_ns, end),
			pct(cp->other_ns, end), pct(cp->idle_ns, end), pct(cp->unknown_ns, end));
	}
	for (i = 0; i < stats_deadlock_count(s); i++) {
		const struct waits_deadlock *d = stats_deadlock(s, i);
		unsigned k;

		fprintf(f, "\nDEADLOCK at %.3f ms:", ms(d->at_ns));
		for (k = 0; k < d->n; k++) {
			char label[EVENT_TEXT_MAX + 32], who[4 * EVENT_TEXT_MAX + 8], obj[4 * (EVENT_TEXT_MAX + 32)];
			char holder[4 * EVENT_TEXT_MAX + 8], words[16 * EVENT_TEXT_MAX + 256];

			stats_object_label(s, d->link[k].object, label, sizeof(label));
			safe(who, sizeof(who), stats_thread_name(s, d->link[k].tid));
			safe(holder, sizeof(holder), stats_thread_name(s, d->link[k].holder));
			safe(obj, sizeof(obj), label);
			waits_link_words(&d->link[k], who, obj, holder, k == 0, words, sizeof(words), 0);
			fputs(words, f);
		}
		fputc('\n', f);
	}
	for (c = 0; c < TL_ANOM_MAX; c++) {
		if (!stats_anomalies(s, c))
			continue;
		if (!any_anomaly)
			fprintf(f, "\nanomalies (counted, not fatal):\n");
		any_anomaly = true;
		fprintf(f, "  %" PRIu64 " %s\n", stats_anomalies(s, c), stats_anomaly_name(c));
	}
	missed_warning(f, s);
}

/* Prints the contention by object, last: computed in a second reading of
 * the file once the statistics are freed (so that report never holds two
 * models of a trace at once), and only when the trace holds events that
 * can make a wait on an object (contention_event_may_wait): without them
 * no thread waits on one. Returns the exit status. */
static int print_contention(const char *file, bool attributed, bool json, uint64_t limit)
{
	struct spans *sp = NULL;
	struct contention_sum *sum = NULL;
	struct contention *con = NULL;
	char warning[1200];
	bool left_out = false;
	int e = attributed ? contention_sum_new(&sum, 0, UINT64_MAX) : 0;

	if (e) {
		cli_error("%s: %s", file, strerror(-e));
		return 1;
	}
	if (attributed && (e = cli_load_spans(file, sum, limit, &sp, warning, sizeof(warning))) == -EFBIG) {
		cli_error("warning: %s: the contention by object is left out: %s", file, warning);
		left_out = true;
		e = 0;
	} else if (e) {
		contention_sum_free(sum);
		return 1;
	}
	if (sp && spans_end(sp))
		e = contention_sum_table(sum, sp, &con);
	if (e) {
		cli_error("%s: %s", file, strerror(-e));
	} else if (json) {
		printf(",\n  \"contention\": ");
		if (left_out)
			printf("null"); /* (docs/report-json.md: left out, past --memory) */
		else
			cli_contention_json(stdout, sp, con, "  ");
		printf("\n}\n");
	} else {
		printf("\nCONTENTION BY OBJECT (largest total wait first; conctop contention for a window)\n");
		if (left_out)
			printf("left out: it needs more memory than --memory allows (see the warning)\n");
		else
			cli_contention_text(stdout, sp, con, false);
	}
	contention_free(con);
	contention_sum_free(sum);
	spans_free(sp);
	return e ? 1 : 0;
}

/* conctop report. */
int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		CLI_MEMORY_LONGOPT,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "report", "m:h", longopts, usage, 0, false };
	struct cli_window win = { 0, 0, false, 0, 0, 0, 0 }; /* (its --memory only) */
	struct cli_trace t = { 0 };
	struct stats *s = NULL;
	const struct event *ev;
	const char *file;
	size_t n, i;
	bool json = false, attributed;
	char warning[1200];
	int opt, e, status = 1;

	if ((opt = cli_json_window_options(&opts, argc, argv, &json, &win)) >= 0)
		return opt;
	if ((e = cli_trace_operand("report", argc, argv, &file)))
		return e;

	if (cli_rereadable("report", file) || cli_trace_open(&t, file))
		goto out;
	e = stats_new(&s, trace_reader_info(t.reader)->ncpus);
	if (e) {
		cli_error("%s: %s", file, strerror(-e));
		goto out;
	}
	stats_set_gated(s, trace_reader_info(t.reader)->started);
	while ((e = cli_trace_next_run(&t, &ev, &n)) > 0) {
		for (i = 0; e == 1 && i < n; i++) {
			if ((e = stats_add(s, &ev[i])) != 0) {
				cli_error("%s: %s", file, strerror(e < 0 ? -e : e));
				goto out;
			}
			e = 1;
		}
	}
	if (e < 0)
		goto out;
	cli_trace_warning(&t, warning, sizeof(warning));
	if (warning[0])
		cli_error("warning: %s", warning);
	if ((e = stats_finish(s, trace_reader_end_ts(t.reader))) != 0) {
		cli_error("%s: %s", file, strerror(-e));
		goto out;
	}
	if (json)
		print_json(stdout, s, trace_reader_info(t.reader), file, !warning[0], warning[0] ? warning : NULL);
	else
		print_text(stdout, s, trace_reader_info(t.reader), file);
	cli_report_undone(s, json);
	attributed = false;
	for (unsigned type = 1; type < EVENT_TYPE_MAX; type++)
		attributed |= contention_event_may_wait(type) && stats_events_of(s, type);
	stats_free(s);
	s = NULL;
	cli_trace_close(&t);
	status = print_contention(file, attributed, json, cli_window_cap(&win));
	if (cli_flush_stdout())
		status = 1;
out:
	stats_free(s);
	cli_trace_close(&t);
	return status;
}
