/* Helpers shared by the subcommands: parsing times and sizes, messages,
 * finding the scenario programs. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "safetext.h"
#include "utf8.h"

/* Parses a time with an optional unit into ns. */
int cli_parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "µs", 1e3 }, { "ns", 1 },
		{ "m", 60e9 }, { "min", 60e9 },
	};
	const char *p;
	double v = 0, frac = 1;
	size_t i;
	bool digit = false, point = false;

	if (!s || !*s)
		return -EINVAL;
	/* a plain decimal number ("1.5", ".25", "3."), read here rather than
	 * by strtod, which would also take "0x10", "1e3", "inf" and leading
	 * blanks, and wants the locale's decimal point (the views set LC_ALL:
	 * "1,5" in de_DE, where the documented "1.5s" failed) */
	for (p = s; isdigit((unsigned char)*p) || (*p == '.' && !point); p++) {
		if (*p == '.') {
			point = true;
			continue;
		}
		digit = true;
		if (point)
			v += (*p - '0') * (frac /= 10);
		else
			v = v * 10 + (*p - '0');
	}
	if (!digit || !isfinite(v))
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0) {
			double r = v * units[i].scale;

			if (r > 1e18)
				return -ERANGE; /* past 31 years: surely a mistake */
			*ns = (uint64_t)llround(r);
			return 0;
		}
	}
	return -EINVAL;
}

/* Parses a size with an optional K, M, G or T suffix into bytes; with a
 * suffix, a fraction of up to 6 digits too ("1.5G"). */
int cli_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v, frac = 0, scale = 1;
	unsigned shift = 0;

	if (!s || !*s || *s == '-' || *s == '.')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == '.') {
		if (!isdigit((unsigned char)*++end))
			return -EINVAL;
		for (; isdigit((unsigned char)*end); end++) {
			if (scale == 1000000)
				return -EINVAL; /* (a millionth of a K is under a byte already) */
			frac = frac * 10 + (unsigned)(*end - '0');
			scale *= 10;
		}
	}
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end == 'T' || *end == 't')
		shift = 40;
	else if (*end)
		return -EINVAL;
	if (shift && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if ((scale > 1 && !shift) || v >= (ULLONG_MAX >> shift)) /* (a fraction of a byte; the fraction's room) */
		return -EINVAL;
	*bytes = (v << shift) + (frac << shift) / scale; /* (frac < 2^20, shift <= 40: no overflow) */
	return *bytes == 0 && (v || frac) ? -EINVAL : 0; /* (0.0001K is not 0, which means none) */
}

/* The PROCESS column of a table (see cli.h). */
const char *cli_process_column(char *buf, size_t len, const char *name, int32_t tgid)
{
	char esc[4 * EVENT_TEXT_MAX], pname[sizeof(esc) + 16];

	safetext_escape(esc, sizeof(esc), name && *name ? name : "?");
	esc[utf8_prefix(esc, 15)] = '\0'; /* (15 columns, however many bytes) */
	snprintf(pname, sizeof(pname), "%s(%d)", esc, tgid);
	return cli_column(buf, len, pname, 22);
}

/* Prints an error message. */
void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("conctop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Prints a usage error and returns the usage exit status. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "conctop %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'conctop %s --help'.\n", cmd);
	return EXIT_USAGE;
}

/* Reads the next option, handling help and refusals (see cli.h). */
int cli_next_option(struct cli_opts *o, int argc, char **argv)
{
	int opt;

	if (!o->started) {
		optind = 1;
		opterr = 0;
		o->started = true;
	}
	opt = getopt_long(argc, argv, o->shortopts, o->longopts, NULL);
	if (opt == 'h') {
		o->usage(stdout);
		o->status = 0;
		return CLI_OPTS_EXIT;
	}
	if (opt == '?' || opt == ':') {
		o->status = cli_option_error(o, argv);
		return CLI_OPTS_EXIT;
	}
	return opt;
}

/* Names the refused option and what is wrong with it (see cli.h). */
int cli_option_error(const struct cli_opts *o, char **argv)
{
	const char *arg = argv[optind - 1], *p;
	char name[3] = { '-', (char)optopt, '\0' };

	if (!optopt) /* getopt_long knows no such long option */
		return cli_usage_error(o->cmd, "unknown option '%s'", arg);
	if (strncmp(arg, "--", 2) == 0) /* a known long option, its value wrong */
		return cli_usage_error(o->cmd, strchr(arg, '=') ? "option '%s' takes no value" : "option '%s' needs a value",
				       arg);
	p = strchr(o->shortopts, optopt);
	return cli_usage_error(o->cmd, p && p[1] == ':' ? "option '%s' needs a value" : "unknown option '%s'", name);
}

/* Takes the one trace file operand (see cli.h). */
int cli_trace_operand(const char *cmd, int argc, char **argv, const char **file)
{
	if (optind != argc - 1)
		return cli_usage_error(cmd, optind >= argc ? "which trace file?" : "one trace file at a time");
	*file = argv[optind];
	return 0;
}

static int stdout_errno; /* the first failed write's */

/* Writes what standard output holds (see cli.h). */
int cli_flush_stdout(void)
{
	if (fflush(stdout) == 0)
		return ferror(stdout) ? 1 : 0;
	if (!stdout_errno)
		stdout_errno = errno;
	return 1;
}

/* The first failed write's errno (see cli.h). */
int cli_stdout_errno(void)
{
	return stdout_errno;
}

/* Whether cmd can read file twice (see cli.h). */
int cli_rereadable(const char *cmd, const char *file)
{
	struct stat st;

	if (stat(file, &st) || S_ISREG(st.st_mode))
		return 0; /* (what is wrong with a file not there: its reading says) */
	if (S_ISDIR(st.st_mode)) /* (the reader's words for it, before replay asks for a terminal) */
		cli_error("%s: %s", file, strerror(EISDIR));
	else
		cli_error("%s: %s reads a trace more than once, and this is not a regular file (a pipe or a "
			  "device): save it to a file first", file, cmd);
	return 1;
}

/* Finds the directory of the scenario programs. */
int cli_scenario_dir(char *buf, size_t len)
{
	const char *env = getenv("CONCTOP_SCENARIO_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	/* build tree: build/conctop and build/scenarios/; installed: libexec */
	if ((size_t)snprintf(buf, len, "%s/scenarios", exe) >= len)
		return -ENAMETOOLONG;
	if (access(buf, X_OK) != 0 &&
	    (size_t)snprintf(buf, len, "%s/../libexec/conctop/scenarios", exe) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Takes --from, --to or --width of a window (see cli.h). */
int cli_window_option(const char *cmd, int opt, const char *arg, struct cli_window *w)
{
	char *end;
	long cols;
	int e;

	if (opt == 'w') {
		errno = 0;
		cols = strtol(arg, &end, 10);
		if (errno || end == arg || *end || cols < w->min_cols || cols > w->max_cols)
			return cli_usage_error(cmd, "--width must be a number of columns from %d to %d, not '%s'",
					       w->min_cols, w->max_cols, arg);
		w->cols = (int)cols;
		return 0;
	}
	if (opt == CLI_OPT_MEMORY) {
		uint64_t v;

		if (cli_parse_size(arg, &v) || (v && v < CLI_WINDOW_MEMORY_MIN))
			return cli_usage_error(cmd, "bad --memory '%s': a size of 16M or more (1G, 512M), or 0 for no cap",
					       arg);
		w->memory = v ? v : UINT64_MAX;
		return 0;
	}
	if (opt != 'f' && opt != 't')
		return -1;
	e = cli_parse_time(arg, opt == 'f' ? &w->from : &w->to);
	if (e == -ERANGE)
		return cli_usage_error(cmd, "%s %s is too large: times go up to 1e9 s (about 31 years)",
				       opt == 'f' ? "--from" : "--to", arg);
	if (e)
		return cli_usage_error(cmd, "%s needs a time like 1.5s, 250ms or 40us, not '%s'",
				       opt == 'f' ? "--from" : "--to", arg);
	if (opt == 't')
		w->have_to = true;
	return 0;
}

/* The memory a window's reading may take (see cli.h). */
uint64_t cli_window_cap(const struct cli_window *w)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (w->memory)
		return w->memory;
	if (pages <= 0 || size <= 0)
		return UINT64_MAX; /* (not known: no cap) */
	return (uint64_t)pages * (uint64_t)size / 2;
}

/* Takes a file name option (see cli.h). */
int cli_file_option(const char *cmd, int opt, const char *arg, const char **path)
{
	if (!*arg)
		return cli_usage_error(cmd, "-%c needs a file name, not ''", opt);
	*path = arg;
	return 0;
}

/* Parses --theme (see cli.h). */
int cli_theme_option(const char *cmd, const char *arg, bool *light)
{
	if (strcmp(arg, "light") && strcmp(arg, "dark"))
		return cli_usage_error(cmd, "--theme is light or dark, not '%s'", arg);
	*light = strcmp(arg, "light") == 0;
	return 0;
}

/* Takes a command's one flag (see cli.h). */
int cli_flag_option(struct cli_opts *o, int argc, char **argv, bool *flag)
{
	int opt;

	while ((opt = cli_next_option(o, argc, argv)) >= 0)
		*flag = true; /* the one option cli_next_option lets through */
	return opt == CLI_OPTS_EXIT ? o->status : -1;
}

/* Takes --json and the window options (see cli.h). */
int cli_json_window_options(struct cli_opts *o, int argc, char **argv, bool *json, struct cli_window *w)
{
	int opt, e;

	while ((opt = cli_next_option(o, argc, argv)) >= 0) {
		if (opt == 'j')
			*json = true;
		else if ((e = cli_window_option(o->cmd, opt, optarg, w)))
			return e > 0 ? e : cli_option_error(o, argv);
	}
	return opt == CLI_OPTS_EXIT ? o->status : -1;
}

/* Writes s cut to cols columns and padded with spaces to them into buf
 * (see cli.h). */
const char *cli_column(char *buf, size_t len, const char *s, int cols)
{
	size_t n = utf8_prefix(s, cols);
	int w;

	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (w = utf8_width(buf); w < cols && n + 1 < len; w++)
		buf[n++] = ' ';
	buf[n] = '\0';
	return buf;
}
