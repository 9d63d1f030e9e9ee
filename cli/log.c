/* conctop log: the event log of a trace in words, one line per meaningful
 * event (wakeups, blocks on named objects, deadlocks, markers, new threads,
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

#define LOG_BATCH 256

/* Prints log's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop log [--from T] [--to T] FILE\n"
		"\n"
		"Prints the event log of a trace in words, one line per meaningful event,\n"
		"with its time in seconds from the trace's start:\n"
		"  0.153012 C consumer-2 woken by D producer-1, ran 41 µs later on CPU1\n"
		"  0.153020 D producer-1 waits on cond not_full\n"
		"  0.153101 B consumer-1 tries mutex buffer_lock, held by C consumer-2: B sleeps\n"
		"Blocks on named objects, wakeups, deadlocks (with their cycle), markers,\n"
		"new threads, exits and lost events; not every context switch. Names from\n"
		"the trace are printed with control characters escaped (\\x1b).\n"
		"\n"
		"Options:\n"
		"  -f, --from T   start at T (1.5s, 250ms, a bare number is seconds)\n"
		"  -t, --to T     stop before T\n"
		"  -h, --help     this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, or damaged chunks\n"
		"skipped: with a warning naming them), 1 unreadable file, 2 usage error.\n");
}

/* conctop log. */
int cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tl_log_entry ent[LOG_BATCH];
	struct timeline *tl = NULL;
	uint64_t from = 0, to = UINT64_MAX, i, last;
	size_t n, k;
	char warn[1024], line[1024];
	bool ascii;
	bool have_to = false;
	int opt, e;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "f:t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
		case 't':
			if ((e = cli_window_option("log", opt, optarg, &from, &to, &have_to)))
				return e;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_usage_error("log", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("log", optind >= argc ? "which trace file?" : "one trace file at a time");
	if (to <= from)
		return cli_usage_error("log", "--to must come after --from");
	if (cli_load_timeline(argv[optind], &tl, warn, sizeof(warn)))
		return 1;
	if (warn[0])
		cli_error("warning: %s", warn);
	setlocale(LC_CTYPE, "");
	ascii = !theme_locale_utf8();
	if (to > timeline_end(tl))
		to = timeline_end(tl) + 1;
	for (i = timeline_log_index(tl, from), last = timeline_log_index(tl, to); i < last; i += n) {
		n = timeline_log_read(tl, i, ent, last - i < LOG_BATCH ? (size_t)(last - i) : LOG_BATCH);
		for (k = 0; k < n; k++) {
			render_log_words(tl, &ent[k], ascii, line, sizeof(line));
			printf("%" PRIu64 ".%06" PRIu64 " ", ent[k].ts / 1000000000u, ent[k].ts % 1000000000u / 1000u);
			safetext_fputs(line, stdout); /* names from the trace, escaped */
			putchar('\n');
		}
		if (!n)
			break;
	}
	timeline_free(tl);
	return fflush(stdout) ? 1 : 0;
}
