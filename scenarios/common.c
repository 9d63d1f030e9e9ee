/* The shared helpers of conctop's scenarios: see common.h for what each does. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	fprintf(stderr, " (see conctop run %s --help)\n", name);
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
		if (w > width && w <= 30) /* a long choice list sticks out */
			width = w;
	}
	printf("usage: %s [options]\n\n%s\n\noptions:\n", name, about);
	for (int i = 0; i < nopts; i++) {
		char left[96];
		snprintf(left, sizeof left, "%s%s%s", opts[i].name,
			 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		/* an option too long for the column gets a line of its own; a
		 * help text of several lines has each one lined up */
		int own_line = (int)strlen(left) > width;
		if (own_line)
			printf("  %s\n", left);
		const char *line = opts[i].help;
		for (int first = !own_line; line; first = 0) {
			const char *nl = strchr(line, '\n');
			int n = nl ? (int)(nl - line) : (int)strlen(line);
			printf("  %-*s  %.*s\n", width, first ? left : "", n, line);
			line = nl ? nl + 1 : NULL;
		}
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

/* The index of word in the choice list "a|b|c", or -1 if it is not one. */
static long find_choice(const char *choices, const char *word)
{
	size_t len = strlen(word);
	long index = 0;
	for (const char *p = choices;; index++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && strncmp(p, word, n) == 0)
			return index;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

/* Copies word number index of a choice list into out (see common.h). */
char *scn_choice_name(const char *choices, long index, char *out, int len)
{
	const char *p = choices;
	for (long k = 0; k < index && p; k++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p || index < 0) {
		snprintf(out, (size_t)len, "?");
		return out;
	}
	const char *bar = strchr(p, '|');
	int n = bar ? (int)(bar - p) : (int)strlen(p);
	snprintf(out, (size_t)len, "%.*s", n, p);
	return out;
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
		if (strchr(opt->arg, '|')) { /* a choice among words */
			long k = find_choice(opt->arg, text);
			if (k < 0)
				usage_error(name, "%s needs one of %s, got '%.40s'",
					    opt->name, opt->arg, text);
			*opt->value = k;
			continue;
		}
		if (scn_parse_int(text, opt->min, opt->max, opt->value) != 0)
			usage_error(name,
				    "%s needs a whole number from %ld to %ld, got '%.40s'",
				    opt->name, opt->min, opt->max, text);
	}
	if (getenv("CONCTOP_CHECK_ARGS")) /* conctop asks, before tracing: the arguments are good */
		exit(0);
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

/* Sleeps ms milliseconds, off the CPU. */
void scn_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		; /* a signal cut the sleep short: sleep the rest */
}

/* Now + ms on CLOCK_REALTIME, the clock the timed waits of POSIX use. */
struct timespec scn_deadline(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
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

/* ---- the watchdog (see common.h) ----
 *
 * It sleeps on a condition variable with a deadline: "the last progress
 * plus the timeout". When it wakes, either the story moved meanwhile (the
 * deadline moved too: sleep again), or it was stopped, or nothing moved for
 * the whole timeout: then it reports and ends the program. */
static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_wake; /* measured on CLOCK_MONOTONIC */
static pthread_t watchdog_thread;
static int watchdog_running, watchdog_stopping;
static long watchdog_timeout_ms;
static int (*watchdog_on_fire)(void);
static atomic_llong last_progress_ns; /* CLOCK_MONOTONIC of the last progress */

/* The monotonic clock in nanoseconds. */
static long long monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The watchdog thread: waits for the story to stall, then ends it. */
static void *watchdog_main(void *arg)
{
	(void)arg;
	scn_name_thread("watchdog", 0);
	long long timeout_ns = (long long)watchdog_timeout_ms * 1000000LL;

	pthread_mutex_lock(&watchdog_lock);
	for (;;) {
		if (watchdog_stopping) {
			pthread_mutex_unlock(&watchdog_lock);
			return NULL;
		}
		long long deadline = atomic_load(&last_progress_ns) + timeout_ns;
		if (monotonic_ns() >= deadline)
			break; /* no progress for the whole timeout */
		struct timespec ts = {(time_t)(deadline / 1000000000LL),
				      (long)(deadline % 1000000000LL)};
		pthread_cond_timedwait(&watchdog_wake, &watchdog_lock, &ts);
	}
	pthread_mutex_unlock(&watchdog_lock);

	conctop_mark("watchdog fired", watchdog_timeout_ms);
	int status = watchdog_on_fire();
	fflush(stdout);
	fflush(stderr);
	/* _exit, not exit: the stuck threads may hold locks that exit's
	 * clean-up would need, and they would never give them back. */
	_exit(status);
}

/* Starts the watchdog thread. */
void scn_watchdog_start(long timeout_ms, int (*on_fire)(void))
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&watchdog_wake, &attr);
	pthread_condattr_destroy(&attr);

	watchdog_timeout_ms = timeout_ms;
	watchdog_on_fire = on_fire;
	watchdog_stopping = 0;
	atomic_store(&last_progress_ns, monotonic_ns());
	scn_check(pthread_create(&watchdog_thread, NULL, watchdog_main, NULL),
		  "pthread_create (watchdog)");
	watchdog_running = 1;
}

/* Records that the story moved on. */
void scn_progress(void)
{
	atomic_store_explicit(&last_progress_ns, monotonic_ns(),
			      memory_order_relaxed);
}

/* Stops the watchdog and waits for its thread to end. */
void scn_watchdog_stop(void)
{
	if (!watchdog_running)
		return;
	pthread_mutex_lock(&watchdog_lock);
	watchdog_stopping = 1;
	pthread_cond_signal(&watchdog_wake);
	pthread_mutex_unlock(&watchdog_lock);
	pthread_join(watchdog_thread, NULL);
	pthread_cond_destroy(&watchdog_wake);
	watchdog_running = 0;
}
