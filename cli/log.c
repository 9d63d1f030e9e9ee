/* conctop log: the event log of a trace in words, one line per meaningful
 * event (wakeups, blocks on named objects and joins, deadlocks, markers, new threads,
 * exits), as the live view and replay show it. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "render.h"
#include "safetext.h"
#include "theme.h"
#include "timeline.h"
#include "undone_text.h"

#define LOG_BATCH 256
/* trace time printed at a time, then forgotten, once what comes before it
 * is final: a log of any length takes the memory of a stretch of it */
#define LOG_STREAM_NS (100ull * 1000 * 1000)

/* Prints log's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop log [--from T] [--to T] [--memory SIZE] FILE\n"
		"\n"
		"Prints the event log of a trace in words, one line per meaningful event,\n"
		"with its time in seconds from the trace's start:\n"
		"  0.153012 C consumer-2 woken by D producer-1, ran 41 µs later on CPU1\n"
		"  0.153020 D producer-1 waits on cond not_full\n"
		"  0.153101 B consumer-1 tries mutex buffer_lock, held by C consumer-2: B sleeps\n"
		"Blocks on named objects (named futex words too: a Rust Mutex) and joins,\n"
		"wakeups, deadlocks (with their cycle), markers,\n"
		"new threads, exits, signals that end a process (a crash's SIGSEGV), lost\n"
		"events and damaged parts of the file skipped\n"
		"(at the last event before them), and each stretch of 10 ms or more in\n"
		"which a CPU was idle while threads waited on another, busy CPU, at its start:\n"
		"  0.012742 CPU0 idle 312.2 ms while busy-1 and busy-2 were runnable on CPU1:\n"
		"           their affinity is CPU1 only\n"
		"Not every context switch. Names from\n"
		"the trace are printed with control characters escaped (\\x1b).\n"
		"\n"
		"Options:\n"
		"  -f, --from T   start at T (1.5s, 250ms, a bare number is seconds)\n"
		"  -t, --to T     stop before T (with the file's chunk index the reading\n"
		"                 stops soon after it)\n"
		"  -m, --memory SIZE  memory the reading may hold at once (default: half\n"
		"                 the machine's; 16M or more, 0 for no cap). The log is\n"
		"                 printed as it is read, once its lines are final, and\n"
		"                 forgotten once printed; past SIZE the reading stops\n"
		"                 with an error saying how far it got\n"
		"  -h, --help     this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, or damaged chunks\n"
		"skipped: with a warning naming them), 1 unreadable file, 2 usage error.\n");
}

/* Prints a log line: its time, then its words (names from the trace,
 * escaped). */
static void print_line(FILE *out, uint64_t ts, const char *words)
{
	fprintf(out, "%" PRIu64 ".%06" PRIu64 " ", ts / 1000000000u, ts % 1000000000u / 1000u);
	safetext_fputs(words, out);
	fputc('\n', out);
}

/* Prints a stretch of undone work as a log line, at its start. */
static void print_undone(FILE *out, const struct timeline *tl, const struct undone_stretch *s)
{
	char line[1024];

	undone_text_timeline(tl, s, line, sizeof(line));
	print_line(out, s->from, line);
}

/* Prints the log entries of [t0, t1) of tl and the stretches of undone
 * work that begin in it, each stretch before the entries from its start
 * on. Returns 0 or -ENOMEM. */
static int print_span(FILE *out, const struct timeline *tl, uint64_t t0, uint64_t t1, bool ascii)
{
	struct tl_log_entry ent[LOG_BATCH];
	struct undone_stretch *und = NULL;
	size_t nund = 0, u = 0, n, k;
	uint64_t i, last;
	char line[1024];

	if (cli_undone_collect(tl, &und, &nund))
		return -ENOMEM;
	while (u < nund && und[u].from < t0)
		u++;
	for (i = timeline_log_index(tl, t0), last = timeline_log_index(tl, t1); i < last; i += n) {
		n = timeline_log_read(tl, i, ent, last - i < LOG_BATCH ? (size_t)(last - i) : LOG_BATCH);
		for (k = 0; k < n; k++) {
			for (; u < nund && und[u].from <= ent[k].ts; u++)
				print_undone(out, tl, &und[u]);
			render_log_words(tl, &ent[k], ascii, line, sizeof(line));
			print_line(out, ent[k].ts, line);
		}
		if (!n)
			break;
	}
	for (; u < nund && und[u].from < t1; u++)
		print_undone(out, tl, &und[u]);
	free(und);
	return 0;
}

/* Prints the log of [from, to) of the trace at path (see cli.h). */
int cli_log_print(FILE *out, const char *path, uint64_t from, uint64_t to, uint64_t cap, uint64_t step_ns,
		  bool ascii, size_t *parts)
{
	struct cli_window_reader w;
	struct timeline *tl;
	uint64_t printed = from, next, end;

	*parts = 0;
	if (cli_window_open(&w, path, from, true, cap))
		return 1;
	for (;;) {
		/* the next point a little past what is printed, or a little
		 * before what was read when the reading went far ahead (to a
		 * late name): what came before it is printed in one go */
		end = timeline_end(w.ld.tl);
		next = printed + step_ns < printed ? UINT64_MAX : printed + step_ns;
		if (end > step_ns && end - step_ns > next)
			next = end - step_ns;
		if (next >= to)
			break;
		if (cli_window_read_to(&w, next))
			goto fail;
		if (w.ld.done)
			break; /* (what is left is printed with the end known) */
		if (print_span(out, w.ld.tl, printed, next, ascii) || timeline_trim(w.ld.tl, next)) {
			cli_error("%s: %s", path, strerror(ENOMEM));
			goto fail;
		}
		printed = next;
		(*parts)++;
	}
	if (cli_window_read_to(&w, to))
		goto fail;
	tl = cli_window_take(&w);
	end = timeline_end(tl);
	if (to > end) /* (an entry at the end is in the log) */
		to = end + 1;
	if (printed < to && print_span(out, tl, printed, to, ascii)) {
		timeline_free(tl);
		cli_error("%s: %s", path, strerror(ENOMEM));
		return 1;
	}
	*parts += printed < to;
	timeline_free(tl);
	return 0;
fail:
	fflush(out); /* (what was printed before stays) */
	cli_window_close(&w);
	return 1;
}

/* conctop log. */
int cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_WINDOW_LONGOPTS,
		CLI_MEMORY_LONGOPT,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "log", "f:t:m:h", longopts, usage, 0, false };
	struct cli_window win = { 0, UINT64_MAX, false, 0, 0, 0, 0 };
	const char *file;
	size_t parts;
	int opt, e;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0)
		if ((e = cli_window_option("log", opt, optarg, &win)))
			return e < 0 ? cli_option_error(&opts, argv) : e;
	if (opt == CLI_OPTS_EXIT)
		return opts.status;
	if ((e = cli_trace_operand("log", argc, argv, &file)))
		return e;
	if (win.to <= win.from)
		return cli_usage_error("log", "--to must come after --from");
	setlocale(LC_CTYPE, "");
	if (cli_log_print(stdout, file, win.from, win.to, cli_window_cap(&win), LOG_STREAM_NS, !theme_locale_utf8(),
			  &parts))
		return 1;
	return cli_flush_stdout();
}
