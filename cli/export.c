/* conctop export: a trace's lanes as a picture for handouts and slides
 * (SVG), or the trace (or a window of it) for Perfetto's UI
 * (docs/export.md). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "export_perfetto.h"
#include "outfile.h"
#include "svg.h"
#include "timeline.h"

#define EXPORT_FORMATS "svg, perfetto"

/* Prints export's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop export FILE [--format svg] -o OUT.svg [OPTIONS]\n"
		"       conctop export FILE --format perfetto -o OUT.pftrace [--from T] [--to T]\n"
		"                      [--memory SIZE]\n"
		"\n"
		"Draws the lanes of a trace file as a picture to print or put on slides:\n"
		"a time axis, one lane per CPU (the letter of the thread it ran) and one\n"
		"per thread (letter, name, tid, and per column the glyph and colour of\n"
		"its state, as `conctop lanes` shows them), each thread's share of the\n"
		"window running, waiting and blocked, and a legend. Colours are the\n"
		"colour-blind-safe Okabe-Ito palette; every state keeps its glyph, so a\n"
		"black-and-white printout still reads. docs/export.md has the details.\n"
		"\n"
		"With --format perfetto it writes Perfetto's own trace format instead, to\n"
		"open at https://ui.perfetto.dev: the CPU tracks and thread states from the\n"
		"scheduler events, plus conctop's knowledge on each thread's track: a slice\n"
		"per blocked interval named by its cause, wakeup flows, markers, deadlocks.\n"
		"\n"
		"Options:\n"
		"  -F, --format FMT  what to write: svg or perfetto (default: perfetto\n"
		"                    when OUT ends in .pftrace, else svg)\n"
		"  -o, --output OUT  the file to write ('-' for standard output, the\n"
		"                    default when it is not a terminal)\n"
		"  -f, --from T      start of the window (1.5s, 250ms, 40us; a bare number\n"
		"                    is seconds; default: the start of the trace)\n"
		"  -t, --to T        end of the window (default: the end of the trace; an\n"
		"                    SVG's, at most the trace's end); the reading goes on\n"
		"                    past it only as far as the window needs (with the\n"
		"                    file's chunk index)\n"
		"  -m, --memory SIZE memory the window's reading may take (default: half\n"
		"                    the machine's; 16M or more, 0 for no cap): past it\n"
		"                    the reading stops with an error, saying how far it got\n"
		"  -w, --width COLS  time columns across the lanes, %d to %d (default %d);\n"
		"                    each column is a round length of time (svg only)\n"
		"  -q, --quiet       no summary of what a Perfetto trace holds\n"
		"  -h, --help        this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, with a warning), 1\n"
		"unreadable or corrupt trace, or OUT cannot be written, 2 usage error.\n",
		SVG_MIN_COLS, SVG_MAX_COLS, SVG_DEFAULT_COLS);
}

/* Writes the picture to path (or standard output for "-") through a
 * temporary file renamed into place (outfile.h), so a failure leaves no
 * half picture and no link is followed.
 * Returns 0 or 1 after saying what went wrong. */
static int write_out(const char *path, const struct timeline *tl, uint64_t from, uint64_t to, int cols,
		     const char *title)
{
	struct outfile of;
	char why[512];
	FILE *f;
	int e = 0;

	if (strcmp(path, "-") == 0) {
		e = svg_write_lanes(stdout, tl, from, to, cols, title);
		if (e && !ferror(stdout)) /* (a failed write: main says why) */
			cli_error("standard output: %s", strerror(-e));
		return e ? 1 : 0;
	}
	if (outfile_create(&of, path, NULL, why, sizeof why)) {
		cli_error("cannot write %s: %s", path, why);
		return 1;
	}
	outfile_remove_on_stop(&of);
	f = fdopen(of.fd, "w");
	if (!f) {
		e = -errno;
	} else {
		of.fd = -1; /* the stream's now */
		e = svg_write_lanes(f, tl, from, to, cols, title);
		if (fclose(f) && !e)
			e = -errno;
	}
	if (e) {
		cli_error("%s: %s", path, strerror(-e));
		outfile_abort(&of);
		return 1;
	}
	e = outfile_commit(&of);
	if (e) {
		cli_error("%s: %s", path, strerror(-e));
		return 1;
	}
	return 0;
}

/* Whether a file's name (after its last /) has an extension: a dot past
 * its first character. */
static bool has_extension(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot && dot > base;
}

/* Whether s ends with suffix. */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* conctop export. */
int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		CLI_WINDOW_LONGOPTS,
		CLI_MEMORY_LONGOPT,
		{ "width", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "export", "F:o:f:t:w:m:qh", longopts, usage, 0, false };
	struct timeline *tl = NULL;
	const char *file, *out = NULL, *format = NULL;
	struct cli_window win = { 0, 0, false, 0, SVG_MIN_COLS, SVG_MAX_COLS, 0 };
	uint64_t from, to, end;
	char title[1200], a[32], b[32], why[512];
	int cols, opt, status, e;
	bool perfetto, pf_name, quiet = false;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		switch (opt) {
		case 'F':
			format = optarg;
			break;
		case 'o':
			if ((e = cli_file_option("export", opt, optarg, &out)))
				return e;
			break;
		case 'q':
			quiet = true;
			break;
		default: /* --from, --to, --width, --memory */
			if ((e = cli_window_option("export", opt, optarg, &win)))
				return e;
		}
	}
	if (opt == CLI_OPTS_EXIT) /* help, or an option refused */
		return opts.status;
	pf_name = out && (ends_with(out, ".pftrace") || ends_with(out, ".perfetto-trace"));
	if (!format) /* from the output's name: OUT.pftrace is a Perfetto trace */
		format = pf_name ? "perfetto" : "svg";
	perfetto = strcmp(format, "perfetto") == 0;
	if (strcmp(format, "svg") != 0 && !perfetto)
		return cli_usage_error("export", "unknown format '%s': the formats are: " EXPORT_FORMATS, format);
	if (perfetto && win.cols)
		return cli_usage_error("export", "--width is for svg: a Perfetto trace has every event, at any zoom");
	if (out && !quiet && (perfetto ? ends_with(out, ".svg") : pf_name))
		cli_error("note: writing %s to %s, as --format says", perfetto ? "a Perfetto trace" : "an SVG picture",
			  out);
	else if (out && !quiet && !perfetto && !ends_with(out, ".svg") && has_extension(out)) /* (OUT.png) */
		cli_error("note: writing an SVG picture to %s, whatever its name says (the formats are: "
			  EXPORT_FORMATS ")", out);
	if ((e = cli_trace_operand("export", argc, argv, &file)))
		return e;
	from = win.from;
	to = win.to;
	cols = win.cols ? win.cols : SVG_DEFAULT_COLS;
	if (win.have_to && to <= from)
		return cli_usage_error("export", "--to must come after --from");
	if (!out) {
		if (isatty(STDOUT_FILENO))
			return cli_usage_error("export", "where to? give -o OUT.%s (or -o - for standard output)",
					       perfetto ? "pftrace" : "svg");
		out = "-";
	}
	if (perfetto && strcmp(out, "-") == 0 && isatty(STDOUT_FILENO))
		return cli_usage_error("export", "a Perfetto trace is binary: give -o OUT.pftrace");
	if (strcmp(out, "-") && outfile_spares(out, file, why, sizeof why)) {
		cli_error("cannot write %s: %s", out, why);
		return 1;
	}
	if (perfetto)
		return cli_rereadable("export --format perfetto", file) ? 1 :
			export_perfetto(file, out, from, to, win.have_to, cli_window_cap(&win), quiet);

	if (cli_load_window(file, from, win.have_to ? to : UINT64_MAX, false, cli_window_cap(&win), &tl))
		return 1;
	end = timeline_end(tl);
	to = cli_window_draw_end(file, from, to, win.have_to, end);
	snprintf(a, sizeof(a), "%.3f", (double)from / 1e9);
	snprintf(b, sizeof(b), "%.3f", (double)to / 1e9);
	{
		char *copy = strdup(file);

		snprintf(title, sizeof(title), "conctop \u00b7 %s \u00b7 %s s to %s s", copy ? basename(copy) : file, a,
			 b);
		free(copy);
	}
	status = write_out(out, tl, from, to, cols, title);
	timeline_free(tl);
	return status;
}
