/* conctop contention: which objects of the program threads waited on, and
 * how much: the table of core/contention.c over a window of a trace, as
 * text or JSON. report prints the same table for the whole trace. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "contention.h"
#include "safetext.h"
#include "spans.h"
#include "theme.h"
#include "trace.h"
#include "utf8.h"

#define OBJECT_COLS 20     /* the object column at least */
#define OBJECT_COLS_MAX 48 /* and at most: a longer name loses its middle */

/* Prints contention's help. */
static void contention_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop contention [--from T] [--to T] [--json] [--memory SIZE] FILE\n"
		"\n"
		"Reads a trace file and prints, for each object of the program that\n"
		"threads waited on (mutex, condition variable, semaphore, barrier, rwlock,\n"
		"futex word), the largest total wait first: its kind, name and process;\n"
		"WAITS, how many times a thread blocked on it; TOTAL and LONGEST, the\n"
		"time blocked on it in all and at most at once; WAITERS, how many\n"
		"threads; HANDOVERS, the waits ended by a waking through the object (for a\n"
		"lock: its holder's release woke the waiter); then the threads that held\n"
		"it while others waited (a lock's waits name the holder when they begin)\n"
		"and how long: the time at least one of those waits was under way,\n"
		"each up to that holder's next release (its unlock waking a waiter).\n"
		"Sleeps, I/O, joins and waits of unknown cause are not objects and are\n"
		"not in the table. docs/contention.md says how each figure is counted.\n"
		"\n"
		"Options:\n"
		"  -f, --from T   count only waits from T on (1.5s, 250ms, a bare number\n"
		"                 is seconds): a wait across T counts its part after T\n"
		"  -t, --to T     and before T\n"
		"      --json     print one JSON object (fields: docs/contention.md)\n"
		"  -m, --memory SIZE  memory the reading may take (default: half the\n"
		"                 machine's; 16M or more, 0 for no cap): the table is\n"
		"                 summed as the file is read, so it holds the threads,\n"
		"                 objects and holders, not every wait; past it the\n"
		"                 reading stops with an error (unless no event that can\n"
		"                 make a wait on an object, a block, a libc call or a\n"
		"                 followed system call, came yet: it then drops the\n"
		"                 threads and reads on, and gives the empty table if\n"
		"                 none comes)\n"
		"  -h, --help     this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, or damaged chunks\n"
		"skipped: with a warning), 1 unreadable file, 2 usage error.\n");
}

/* Milliseconds, for the text. */
static double contention_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Writes thread i as "name (tid)" into buf, escaped for a terminal. */
static const char *contention_who(const struct spans *s, size_t i, char *buf, size_t len)
{
	const struct spans_thread *t = spans_thread(s, i);
	char name[4 * EVENT_TEXT_MAX];

	safetext_escape(name, sizeof(name), t && t->name[0] ? t->name : "?");
	snprintf(buf, len, "%s (%d)", name, t ? t->tid : 0);
	return buf;
}

/* Prints the table as text (see cli.h). */
void cli_contention_text(FILE *f, const struct spans *s, const struct contention *c, bool holders)
{
	bool ascii = !theme_locale_utf8();
	char label[EVENT_TEXT_MAX + 32], slabel[4 * sizeof(label)], cproc[128];
	char who[5 * EVENT_TEXT_MAX], cell[4 * sizeof(label)];
	int width = OBJECT_COLS;

	if (!contention_count(c)) {
		fprintf(f, "no thread blocked on an object of the program\n");
		return;
	}
	/* the object column as wide as its longest name (a C++ name, a Python
	 * Lock@address), up to OBJECT_COLS_MAX: the rows stay aligned */
	for (size_t i = 0; i < contention_count(c); i++) {
		int w;

		spans_object_label(s, contention_row(c, i)->object, label, sizeof(label));
		safetext_escape(slabel, sizeof(slabel), label);
		w = utf8_width(slabel);
		if (w > width)
			width = w < OBJECT_COLS_MAX ? w : OBJECT_COLS_MAX;
	}
	fprintf(f, "%s %-7s %-22s %6s %10s %10s %7s %9s  %s\n", cli_column(cell, sizeof(cell), "OBJECT", width), "KIND",
		"PROCESS", "WAITS", "TOTAL ms", "LONGEST ms", "WAITERS", "HANDOVERS", "HELD MOST WHILE OTHERS WAITED");
	for (size_t i = 0; i < contention_count(c); i++) {
		const struct contention_row *r = contention_row(c, i);

		spans_object_label(s, r->object, label, sizeof(label));
		safetext_escape(slabel, sizeof(slabel), label);
		utf8_fit(cell, sizeof(cell), slabel, width, ascii); /* (a long name keeps its end) */
		fprintf(f, "%s %-7s %s %6" PRIu64 " %10.3f %10.3f %7zu %9" PRIu64 "  ", cell,
			waits_kind_name(r->kind), cli_process_column(cproc, sizeof(cproc), spans_process_name(s, r->tgid), r->tgid),
			r->waits,
			contention_ms(r->total_ns), contention_ms(r->longest_ns), r->waiters, r->handovers);
		if (r->nholders)
			fprintf(f, "%s %.3f ms\n", contention_who(s, r->holder[0].thread, who, sizeof(who)),
				contention_ms(r->holder[0].hold_ns));
		else
			fprintf(f, "-\n");
		for (size_t k = 0; holders && k < r->nholders; k++) {
			const char *name = contention_who(s, r->holder[k].thread, who, sizeof(who));
			uint64_t n = r->holder[k].waits;

			if (r->kind == WAIT_CHILD) /* (a child is waited for, not held) */
				fprintf(f, "    %s ran %.3f ms while its parent waited for it (%" PRIu64 " wait%s)\n", name,
					contention_ms(r->holder[k].hold_ns), n, n == 1 ? "" : "s");
			else
				fprintf(f, "    held by %s: %.3f ms while others waited (%" PRIu64 " wait%s named it)\n",
					name, contention_ms(r->holder[k].hold_ns), n, n == 1 ? "" : "s");
		}
	}
}

/* Prints thread i's tid and name as JSON fields. */
static void contention_json_who(FILE *f, const struct spans *s, size_t i, const char *prefix)
{
	const struct spans_thread *t = spans_thread(s, i);

	fprintf(f, "\"%stid\": %d, \"%sname\": ", prefix, t ? t->tid : 0, prefix);
	cli_json_string(f, t ? t->name : "");
}

/* Prints the table as a JSON array (see cli.h). */
void cli_contention_json(FILE *f, const struct spans *s, const struct contention *c, const char *indent)
{
	char label[EVENT_TEXT_MAX + 32];

	fputc('[', f);
	for (size_t i = 0; i < contention_count(c); i++) {
		const struct contention_row *r = contention_row(c, i);

		spans_object_label(s, r->object, label, sizeof(label));
		fprintf(f, "%s\n%s  {\"object\": ", i ? "," : "", indent);
		cli_json_string(f, label);
		fprintf(f, ", \"kind\": \"%s\", \"tgid\": %d, \"process\": ",
			waits_cause_name(spans_object(s, r->object), r->kind), r->tgid);
		cli_json_string(f, spans_process_name(s, r->tgid));
		fprintf(f,
			", \"waits\": %" PRIu64 ", \"total_ns\": %" PRIu64 ", \"longest_ns\": %" PRIu64 ", ",
			r->waits, r->total_ns, r->longest_ns);
		contention_json_who(f, s, r->longest_thread, "longest_");
		fprintf(f, ", \"waiters\": %zu, \"handovers\": %" PRIu64 ", \"holders\": [", r->waiters, r->handovers);
		for (size_t k = 0; k < r->nholders; k++) {
			fprintf(f, "%s{", k ? ", " : "");
			contention_json_who(f, s, r->holder[k].thread, "");
			fprintf(f, ", \"waits\": %" PRIu64 ", \"hold_ns\": %" PRIu64 "}", r->holder[k].waits,
				r->holder[k].hold_ns);
		}
		fprintf(f, "]}");
	}
	if (contention_count(c))
		fprintf(f, "\n%s", indent);
	fputc(']', f);
}

#define SPANS_SETTLE_NS (1000ull * 1000 * 1000) /* a window's read reads on this long at most for its waits' ends */

/* Makes rd->out a new, empty history of t (keeping no span, its waits
 * going to rd->sum, with a sum). Returns 0 or -ENOMEM. */
static int spans_start(struct cli_trace *t, struct cli_spans_read *rd)
{
	int e = spans_new(&rd->out, trace_reader_info(t->reader)->ncpus, rd->sum ? SPANS_NONE : SPANS_ALL);

	if (!e && rd->sum)
		contention_sum_follow(rd->sum, rd->out);
	return e;
}

/* A contention table's reading past its memory limit with no event so far
 * that can make a wait on an object (contention_event_may_wait: a trace of
 * many threads without attribution) and no row: the threads' records,
 * which only such a wait would need, are dropped for an empty history, and
 * the rest of the file is read for such an event alone (the table stays
 * empty without one, as report's does). Returns 0 or -ENOMEM. */
static int spans_skim(struct cli_trace *t, struct cli_spans_read *rd)
{
	spans_free(rd->out);
	rd->out = NULL;
	return spans_start(t, rd);
}

/* Reads the opened trace t into rd->out, a new history that keeps every
 * span, or none with rd->sum (or, when rd->out is given, the history the
 * file goes on from, complete from rd->kept), for the window of rd (see
 * cli_load_spans_window). Returns 0, -1 (t says why), -ECANCELED (the
 * pump stopped it) or an errno; rd->out is freed on error. */
static int spans_read(struct cli_trace *t, struct cli_spans_read *rd)
{
	const struct event *ev;
	uint64_t n = 0, past = 0, first = UINT64_MAX, last = 0, over = 0;
	bool attributed = false, skimming = false;
	int e;

	rd->read_to = UINT64_MAX;
	e = rd->out ? 0 : spans_start(t, rd);
	while (!e && (e = cli_trace_next(t, &ev)) > 0) {
		if (e != 1) {
			e = 0;
			continue;
		}
		last = ev->ts;
		if (contention_event_may_wait(ev->type)) {
			attributed = true;
			if (skimming) { /* perhaps a wait on an object after all: the table needs the threads */
				rd->read_to = over;
				e = -EFBIG;
				break;
			}
		}
		if (skimming) {
			e = 0;
			continue;
		}
		if (first == UINT64_MAX)
			first = last;
		/* past the window, once no wait under way at its end is left (or a
		 * second on): their ends say who woke them and how */
		if (rd->until_to && last > rd->to && (last - rd->to > SPANS_SETTLE_NS ||
						      (++past % 256 == 1 && !spans_waiting_since(rd->out, rd->to)))) {
			rd->read_to = last;
			e = 0;
			break;
		}
		if (rd->cap && last >= rd->from && rd->kept < rd->from) { /* into the window: what ended before goes */
			rd->kept = rd->from;
			spans_trim(rd->out, rd->kept);
		}
		e = spans_add(rd->out, ev);
		if (e || ++n % 4096)
			continue;
		if (rd->pump && n % 16384 == 0 &&
		    rd->pump(rd->pump_ctx, last >= rd->to ? 1 : last > first ?
						   (double)(last - first) / (double)(rd->to - first) : 0)) {
			rd->stopped = true;
			e = -ECANCELED;
			break;
		}
		if (rd->limit && spans_memory(rd->out) + (rd->sum ? contention_sum_memory(rd->sum) : 0) > rd->limit) {
			if (rd->sum && !attributed && !contention_sum_rows(rd->sum) && !rd->cap && !rd->until_to) {
				e = spans_skim(t, rd);
				skimming = true;
				over = last;
				continue;
			}
			rd->read_to = last;
			e = -EFBIG;
			break;
		}
		if (!rd->cap || spans_memory(rd->out) <= rd->cap)
			continue;
		if (last > rd->to) { /* the window is read: stop here */
			rd->read_to = last;
			break;
		}
		/* before the window: everything ended; in it: its older half */
		rd->kept = last <= rd->from ? last : rd->kept > rd->from ? rd->kept + (last - rd->kept) / 2 :
			   rd->from + (last - rd->from) / 2;
		spans_trim(rd->out, rd->kept);
	}
	if (e == 0 && rd->until_to && rd->read_to == UINT64_MAX && first != UINT64_MAX)
		rd->read_to = last; /* (a file still written: it goes on) */
	if (e == 0)
		e = spans_finish(rd->out, rd->read_to == UINT64_MAX ? trace_reader_end_ts(t->reader) : rd->read_to);
	if (e) {
		spans_free(rd->out);
		rd->out = NULL;
	}
	return e;
}

/* Reads the trace at path into a new history (see cli.h). */
int cli_load_spans(const char *path, struct contention_sum *sum, uint64_t limit, struct spans **out, char *warn,
		   size_t wlen)
{
	struct cli_spans_read rd = { .to = UINT64_MAX, .limit = limit == UINT64_MAX ? 0 : limit, .sum = sum };
	struct cli_trace t;
	int e;

	*out = NULL;
	warn[0] = '\0';
	if (cli_trace_open(&t, path))
		return 1;
	e = spans_read(&t, &rd);
	if (e > 0 || (e < -1 && e != -EFBIG)) /* -1: cli_trace_next said why */
		cli_error("%s: %s", path, strerror(e < 0 ? -e : e));
	cli_trace_warning(&t, warn, wlen);
	cli_trace_close(&t);
	*out = rd.out;
	if (e == -EFBIG)
		snprintf(warn, wlen,
			 "its %s needs more memory than the cap of %" PRIu64 " MB (--memory; by default half the "
			 "machine's): it took that much up to %.6f s; raise --memory (0: no cap)",
			 sum ? "contention table" : "threads' history",
			 limit >> 20, (double)rd.read_to / 1e9);
	return e == -EFBIG ? e : e ? 1 : 0;
}

/* Reads a history for a window within a cap (see cli.h). */
int cli_load_spans_window(const char *path, struct cli_spans_read *rd)
{
	struct cli_trace t;
	int e;

	if (!rd->out)
		rd->began = 0;
	rd->kept = rd->began;
	rd->read_to = UINT64_MAX;
	rd->stopped = false;
	rd->warn[0] = '\0';
	if (rd->out ? cli_trace_open_resume(&t, path, rd->at) : cli_trace_open_quiet(&t, path)) {
		snprintf(rd->warn, sizeof(rd->warn), "%s", t.failed);
		spans_free(rd->out);
		rd->out = NULL;
		return 1;
	}
	e = spans_read(&t, rd);
	if (e)
		snprintf(rd->warn, sizeof(rd->warn), "%s", e == -1 ? t.failed : strerror(e < 0 ? -e : e));
	cli_trace_close(&t);
	return e ? 1 : 0;
}

/* What contention and path share after their options: one FILE left in
 * argv, a window whose end (when given) comes after its start, the file
 * read (warnings printed) into a history of every span, or with sum into
 * a contention sum of the window, and *to set to the end of the trace when
 * not given or past it (see cli.h). Returns 0, or the exit
 * status (usage error 2, unreadable file 1). */
int cli_window_spans(const char *cmd, int argc, char **argv, struct contention_sum **sum, struct cli_window *w,
		     struct spans **out, char *warn, size_t wlen)
{
	const char *file;
	int e;

	*out = NULL;
	if ((e = cli_trace_operand(cmd, argc, argv, &file)))
		return e;
	if (w->have_to && w->to <= w->from)
		return cli_usage_error(cmd, "--to must come after --from");
	if (sum && (e = contention_sum_new(sum, w->from, w->have_to ? w->to : UINT64_MAX))) {
		cli_error("%s: %s", file, strerror(-e));
		return 1;
	}
	if ((e = cli_load_spans(file, sum ? *sum : NULL, cli_window_cap(w), out, warn, wlen)) == -EFBIG) {
		cli_error("%s: %s", file, warn);
		return 1;
	}
	if (e)
		return 1;
	if (warn[0])
		cli_error("warning: %s", warn);
	cli_warn_past_end(file, w->from, spans_end(*out));
	if (!w->have_to || w->to > spans_end(*out))
		w->to = spans_end(*out);
	return 0;
}

/* conctop contention. */
int cmd_contention(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_WINDOW_LONGOPTS,
		CLI_MEMORY_LONGOPT,
		{ "json", no_argument, NULL, 'j' },
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "contention", "f:t:m:h", longopts, contention_usage, 0, false };
	struct cli_window win = { 0, 0, false, 0, 0, 0, 0 };
	struct spans *s = NULL;
	struct contention_sum *sum = NULL;
	struct contention *c = NULL;
	uint64_t from, to;
	bool json = false;
	char warn[1200];
	int opt, e, status = 1;

	if ((opt = cli_json_window_options(&opts, argc, argv, &json, &win)) >= 0)
		return opt;
	if ((e = cli_window_spans("contention", argc, argv, &sum, &win, &s, warn, sizeof(warn)))) {
		contention_sum_free(sum);
		return e;
	}
	from = win.from;
	to = win.to;
	e = from < to ? contention_sum_table(sum, s, &c) : 0;
	if (e) {
		cli_error("%s: %s", argv[optind], strerror(-e));
		goto out;
	}
	if (json) {
		printf("{\n  \"file\": ");
		cli_json_string(stdout, argv[optind]);
		printf(",\n");
		cli_json_complete(stdout, warn);
		printf("  \"from_ns\": %" PRIu64 ",\n  \"to_ns\": %" PRIu64 ",\n  \"contention\": ", from,
		       from < to ? to : from);
		if (c)
			cli_contention_json(stdout, s, c, "  ");
		else
			printf("[]");
		printf("\n}\n");
	} else if (c) {
		cli_contention_text(stdout, s, c, true);
	} else {
		printf("no thread blocked on an object of the program\n");
	}
	status = cli_flush_stdout();
out:
	contention_free(c);
	contention_sum_free(sum);
	spans_free(s);
	return status;
}
