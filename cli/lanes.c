/* conctop lanes: a trace's thread and CPU lanes as text, for handouts, docs,
 * scripts and golden tests. The same grid the live view draws, printed. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cli.h"
#include "render.h"
#include "timeline.h"
#include "trace.h"

#define LANES_DEFAULT_WIDTH 100
#define LANES_MIN_WIDTH 40
#define LANES_MAX_WIDTH 10000

/* Prints lanes' help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop lanes [OPTIONS] FILE\n"
		"\n"
		"Prints the lanes of a trace file as text: a time axis, one lane per CPU\n"
		"(the letter of the thread it ran, ~ another program, blank idle, _ idle\n"
		"while threads waited on another, busy CPU) and one lane per thread alive in the\n"
		"window (the CPU number while running, - runnable, . blocked, ...), each with its\n"
		"share of the window running, runnable and blocked, then a legend of the\n"
		"glyphs used. A scenario's markers get a\n"
		"row above the threads (@ and their words). docs/lanes.md explains every\n"
		"glyph, colour and column.\n"
		"A recording that was cut off (crash, kill -9) is shown up to its last\n"
		"complete chunk, with a warning.\n"
		"\n"
		"Options:\n"
		"  -w, --width N   columns in all (default: the terminal's width, or 100\n"
		"                  when not printing to a terminal; at least 40)\n"
		"  -f, --from T    start of the window (1.5s, 250ms, 40us; a bare number\n"
		"                  is seconds; default: the start of the trace)\n"
		"  -t, --to T      end of the window (default, and at most: the end of the\n"
		"                  trace); with the file's chunk index the reading stops\n"
		"                  soon after it\n"
		"  -m, --memory SIZE  memory the window's reading may take (default: half\n"
		"                  the machine's; 16M or more, 0 for no cap): past it the\n"
		"                  reading stops with an error, saying how far it got\n"
		"      --color[=WHEN], --colour[=WHEN]\n"
		"                  colour with ANSI escapes (256 colours): WHEN is\n"
		"                  auto (the default: on a terminal, unless NO_COLOR is\n"
		"                  set), always (even with NO_COLOR) or never; --color\n"
		"                  alone colours unless NO_COLOR is set\n"
		"      --mono      no colour: glyphs only (--color=never)\n"
		"      --classroom the classroom palette at full contrast (with --color)\n"
		"      --theme light|dark  the classroom palette for a projector (light)\n"
		"                  or a dark screen; implies --classroom\n"
		"      --filter TEXT  only the thread lanes whose name holds TEXT (any case)\n"
		"      --group     thread lanes grouped by process, each under a header row\n"
		"                  (the share of its threads running, in eighths)\n"
		"      --fold      every process folded into its header row (implies --group)\n"
		"      --cpu-strip N  the CPUs N to a row as busy strips (the share of their\n"
		"                  time running the program, in eighths), not a lane each\n"
		"  -h, --help      this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording), 1 unreadable or\n"
		"corrupt file, 2 usage error.\n");
}

/* The width to use when none was given: the terminal's, else the default. */
static int default_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col < LANES_MIN_WIDTH ? LANES_MIN_WIDTH : ws.ws_col > LANES_MAX_WIDTH ? LANES_MAX_WIDTH : ws.ws_col;
	return LANES_DEFAULT_WIDTH;
}

/* conctop lanes. */
int cmd_lanes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "width", required_argument, NULL, 'w' },
		CLI_WINDOW_LONGOPTS,
		CLI_MEMORY_LONGOPT,
		{ "color", optional_argument, NULL, 'c' },
		{ "colour", optional_argument, NULL, 'c' },
		{ "mono", no_argument, NULL, 'M' },
		{ "classroom", no_argument, NULL, 'C' },
		{ "theme", required_argument, NULL, 'T' },
		{ "filter", required_argument, NULL, 'L' },
		{ "group", no_argument, NULL, 'G' },
		{ "fold", no_argument, NULL, 'O' },
		{ "cpu-strip", required_argument, NULL, 'U' },
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "lanes", "w:f:t:m:h", longopts, usage, 0, false };
	struct timeline *tl = NULL;
	const struct theme *th;
	struct cli_window win = { 0, 0, false, 0, LANES_MIN_WIDTH, LANES_MAX_WIDTH, 0 };
	uint64_t from, to, end;
	bool color = theme_color_wanted(isatty(STDOUT_FILENO)), classroom = false, light = false;
	enum theme_color_mode mode;
	struct lanes_opts lo = { NULL, false, false, 0 };
	int width, opt, status;
	char *stop;
	unsigned long n;
	const char *file;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		switch (opt) {
		case 'w':
		case 'f':
		case 't':
		case CLI_OPT_MEMORY:
			if ((status = cli_window_option("lanes", opt, optarg, &win)))
				return status;
			break;
		case 'c':
			if (!optarg) {
				color = true;
				break;
			}
			if (theme_parse_color_mode(optarg, &mode))
				return cli_usage_error("lanes", "--color is auto, always or never, not '%s'", optarg);
			theme_set_color_mode(mode);
			color = theme_color_wanted(isatty(STDOUT_FILENO));
			break;
		case 'M':
			color = false;
			break;
		case 'C':
			classroom = true;
			break;
		case 'T':
			if ((status = cli_theme_option("lanes", optarg, &light)))
				return status;
			classroom = true;
			break;
		case 'L':
			lo.filter = optarg;
			break;
		case 'G':
			lo.group = true;
			break;
		case 'O':
			lo.fold = lo.group = true;
			break;
		case 'U':
			n = strtoul(optarg, &stop, 10);
			if (stop == optarg || *stop || n < 2 || n > 4096)
				return cli_usage_error("lanes", "--cpu-strip is a number of CPUs from 2 to 4096, not '%s'", optarg);
			lo.cpu_per = (unsigned)n;
			break;
		}
	}
	if (opt == CLI_OPTS_EXIT) /* help, or an option refused */
		return opts.status;
	if ((status = cli_trace_operand("lanes", argc, argv, &file)))
		return status;
	from = win.from;
	to = win.to;
	if (win.have_to && to <= from)
		return cli_usage_error("lanes", "--to must come after --from");
	width = win.cols ? win.cols : default_width();

	if (cli_load_window(file, from, win.have_to ? to : UINT64_MAX, false, cli_window_cap(&win), &tl))
		return 1;
	end = timeline_end(tl);
	if (from >= end && end > 0) { /* warned already: a grid of nothing says less */
		timeline_free(tl);
		return 0;
	}
	to = cli_window_draw_end(file, from, to, win.have_to, end);

	setlocale(LC_CTYPE, "");
	if (classroom)
		th = theme_classroom(color ? theme_depth_for(256) : THEME_MONO, !theme_locale_utf8(), light);
	else
		th = theme_get(color ? theme_depth_for(256) : THEME_MONO, !theme_locale_utf8());
	/* drawn and printed a band of rows at a time: any number of lanes */
	if (lo.filter && *lo.filter && render_visible_threads(tl, lo.filter, NULL, 0) == 0)
		cli_error("note: no thread's name holds '%s' (--filter): no thread lane", lo.filter);
	status = render_lanes_print_opts(stdout, tl, from, to, width, th, color && th->depth != THEME_MONO, &lo);
	if (status == -ENOMEM)
		cli_error("%s: out of memory", file);
	if (cli_flush_stdout())
		status = -EIO;
	timeline_free(tl);
	return status ? 1 : 0;
}
