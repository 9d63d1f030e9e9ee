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
		"Blocks on named objects and joins, wakeups, deadlocks (with their cycle), markers,\n"
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
		"      --memory SIZE  memory the window's reading may take (default: half\n"
		"                 the machine's; 16M or more, 0 for no cap): past it the\n"
		"                 reading stops with an error, saying how far it got\n"
		"  -h, --help     this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, or damaged chunks\n"
		"skipped: with a warning naming them), 1 unreadable file, 2 usage error.\n");
}

/* Prints a stretch of undone work as a log line, at its start. */
static void print_undone(const struct timeline *tl, const struct undone_stretch *s)
{
	char line[1024];

	undone_text_timeline(tl, s, line, sizeof(line));
	printf("%" PRIu64 ".%06" PRIu64 " ", s->from / 1000000000u, s->from % 1000000000u / 1000u);
	safetext_fputs(line, stdout); /* names from the trace, escaped */
	putchar('\n');
}

/* conctop log. */
int cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_WINDOW_LONGOPTS,
		CLI_MEMORY_LONGOPT,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "log", "f:t:h", longopts, usage, 0, false };
	struct tl_log_entry ent[LOG_BATCH];
	struct timeline *tl = NULL;
	struct undone_stretch *und = NULL;
	size_t nund = 0, u = 0;
	struct cli_window win = { 0, UINT64_MAX, false, 0, 0, 0, 0 };
	uint64_t from, to, i, last;
	size_t n, k;
	char line[1024];
	bool ascii;
	const char *file;
	int opt, e;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0)
		if ((e = cli_window_option("log", opt, optarg, &win)))
			return e < 0 ? cli_option_error(&opts, argv) : e;
	if (opt == CLI_OPTS_EXIT)
		return opts.status;
	if ((e = cli_trace_operand("log", argc, argv, &file)))
		return e;
	from = win.from;
	to = win.to;
	if (to <= from)
		return cli_usage_error("log", "--to must come after --from");
	if (cli_load_window(file, from, to, true, cli_window_cap(&win), &tl)) /* (a log past the end is empty) */
		return 1;
	setlocale(LC_CTYPE, "");
	ascii = !theme_locale_utf8();
	if (to > timeline_end(tl))
		to = timeline_end(tl) + 1;
	if (cli_undone_collect(tl, &und, &nund)) {
		timeline_free(tl);
		cli_error("%s: %s", file, strerror(ENOMEM));
		return 1;
	}
	while (u < nund && und[u].from < from)
		u++;
	for (i = timeline_log_index(tl, from), last = timeline_log_index(tl, to); i < last; i += n) {
		n = timeline_log_read(tl, i, ent, last - i < LOG_BATCH ? (size_t)(last - i) : LOG_BATCH);
		for (k = 0; k < n; k++) {
			for (; u < nund && und[u].from <= ent[k].ts; u++)
				print_undone(tl, &und[u]);
			render_log_words(tl, &ent[k], ascii, line, sizeof(line));
			printf("%" PRIu64 ".%06" PRIu64 " ", ent[k].ts / 1000000000u, ent[k].ts % 1000000000u / 1000u);
			safetext_fputs(line, stdout); /* names from the trace, escaped */
			putchar('\n');
		}
		if (!n)
			break;
	}
	for (; u < nund && und[u].from < to; u++)
		print_undone(tl, &und[u]);
	free(und);
	timeline_free(tl);
	return cli_flush_stdout();
}
