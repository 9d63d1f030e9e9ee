/* The shared helpers of conctop's scenarios: see common.h for what each does. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The marker conctop puts a uprobe on. It must stay a real function with its
 * own symbol, even at -O2: never inlined, never cloned or dropped, and the
 * empty asm "uses" both arguments so the compiler keeps them in their
 * registers at entry, where the tracer reads them. */
#if defined(__clang__)
__attribute__((noinline, used, visibility("default")))
#else
__attribute__((noipa, used, visibility("default")))
#endif
void conctop_mark(const char *label, long value)
{
	__asm__ volatile("" : : "r"(label), "r"(value) : "memory");
}

/* Prints one command-line error and exits with the usage-error status 2. */
__attribute__((format(printf, 2, 3), noreturn))
static void usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", name);
	exit(2);
}

/* Prints --help: usage line, the lesson, and one line per option. */
static void print_help(const char *name, const char *about,
		       const struct scn_option *opts, int nopts)
{
	int width = (int)strlen("--help");
	for (int i = 0; i < nopts; i++) {
		int w = (int)strlen(opts[i].name);
		if (opts[i].arg)
			w += 1 + (int)strlen(opts[i].arg);
		if (w > width)
			width = w;
	}
	printf("usage: %s [options]\n\n%s\n\noptions:\n", name, about);
	for (int i = 0; i < nopts; i++) {
		char left[64];
		snprintf(left, sizeof left, "%s%s%s", opts[i].name,
			 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		printf("  %-*s  %s\n", width, left, opts[i].help);
	}
	printf("  %-*s  %s\n", width, "--help", "show this help and exit");
	printf("\nexit status: 0 the self-check held, 1 it did not, 2 bad options\n");
}

/* Looks an option up by the name before any '='; NULL if unknown. */
static const struct scn_option *find_option(const struct scn_option *opts,
					    int nopts, const char *word,
					    size_t len)
{
	for (int i = 0; i < nopts; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, word, len) == 0)
			return &opts[i];
	return NULL;
}

/* Reads the command line against the option table (see common.h). */
void scn_parse_options(int argc, char **argv, const char *name,
		       const char *about, const struct scn_option *opts,
		       int nopts)
{
	for (int i = 1; i < argc; i++) {
		const char *word = argv[i];
		if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
			print_help(name, about, opts, nopts);
			exit(0);
		}
		if (strncmp(word, "--", 2) != 0 || word[2] == '\0')
			usage_error(name, "unexpected argument '%s'", word);

		const char *eq = strchr(word, '=');
		size_t len = eq ? (size_t)(eq - word) : strlen(word);
		const struct scn_option *opt = find_option(opts, nopts, word, len);
		if (!opt)
			usage_error(name, "unknown option '%s'", word);

		if (!opt->arg) { /* an on/off flag */
			if (eq)
				usage_error(name, "%s takes no value", opt->name);
			*opt->value = 1;
			continue;
		}
		const char *text = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!text)
			usage_error(name, "%s needs a value", opt->name);
		if (scn_parse_int(text, opt->min, opt->max, opt->value) != 0)
			usage_error(name,
				    "%s needs a whole number from %ld to %ld, got '%.40s'",
				    opt->name, opt->min, opt->max, text);
	}
}

/* Parses a whole decimal number within [min, max] (see common.h). */
int scn_parse_int(const char *text, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Gives the calling thread its role's name, e.g. "worker-1". */
void scn_name_thread(const char *role, int index)
{
	char name[16]; /* the kernel keeps 15 characters and a NUL */
	if (index > 0)
		snprintf(name, sizeof name, "%s-%d", role, index);
	else
		snprintf(name, sizeof name, "%s", role);
	pthread_setname_np(pthread_self(), name);
}

/* Reads this thread's CPU clock in microseconds. */
static long long thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Burns us microseconds of this thread's CPU time. */
void scn_busy_us(long us)
{
	if (us <= 0)
		return;
	long long until = thread_cpu_us() + us;
	volatile unsigned sink = 0;
	while (thread_cpu_us() < until)
		for (int k = 0; k < 2000; k++) /* some arithmetic per clock read */
			sink = sink * 31 + (unsigned)k;
}

/* One paced step: burns ms milliseconds of CPU, nothing when ms is 0. */
void scn_pace(long ms)
{
	scn_busy_us(ms * 1000);
}

/* Milliseconds since some fixed point, on the monotonic clock. */
double scn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Counts the CPUs in this process's affinity mask. */
int scn_cpus_available(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

/* Exits with status 1 and a message if a pthread call returned an error. */
void scn_check(int err, const char *what)
{
	if (err != 0) {
		fprintf(stderr, "%s failed: %s\n", what, strerror(err));
		exit(1);
	}
}

/* Allocates zeroed memory or exits with status 1. */
void *scn_calloc(long count, long size)
{
	void *p = calloc((size_t)count, (size_t)size);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}
