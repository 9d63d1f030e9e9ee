/* conctop path: the critical path of one thread over a window of a trace
 * (core/critpath.c), as an indented tree in words or as JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "critpath.h"
#include "safetext.h"
#include "spans.h"
#include "vocab.h"

/* Prints path's help. */
static void path_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop path --thread NAME|TID [--from T] [--to T] [--depth N]\n"
		"                    [--json] [--memory SIZE] FILE\n"
		"\n"
		"What a thread's time over a window went to, all the way down: its\n"
		"running and runnable time (waiting for a CPU) are its own; each time it\n"
		"was blocked is charged to the thread that woke it, and that thread's\n"
		"time over the same stretch is explained the same way, down to running,\n"
		"runnable, or a wait no thread ended (a timer, another program, no waker\n"
		"seen), a thread already on the path, or the depth limit. Printed as a\n"
		"tree: under each thread, first its blocked time no thread ended (a\n"
		"timer, no waker seen...), then the threads it waited for, on which\n"
		"object, the largest first. docs/contention.md says more.\n"
		"\n"
		"Options:\n"
		"  -T, --thread NAME|TID  the thread (a name must be one thread's)\n"
		"  -f, --from T           start of the window (1.5s, 250ms, 40us; a bare\n"
		"                         number is seconds; default: the trace's start)\n"
		"  -t, --to T             its end (default: the trace's end)\n"
		"  -d, --depth N          follow at most N threads deep, 1 to 64 (default 8)\n"
		"      --json             print one JSON object (fields: docs/contention.md)\n"
		"  -m, --memory SIZE      memory the threads' history may take (every state\n"
		"                         of every thread, all read whatever the window;\n"
		"                         default: half the machine's; 16M or more, 0 for\n"
		"                         no cap): past it the reading stops with an error\n"
		"  -h, --help             this help\n"
		"\n"
		"Exit status: 0 ok (also for a cut-off recording, or damaged chunks\n"
		"skipped: with a warning), 1 unreadable file, 2 usage error (also a\n"
		"thread the trace does not have, or a name several threads have).\n");
}

/* Finds the thread named by arg (a tid, or a name only one thread has).
 * Returns its index, or -1 after printing the usage error. */
static long path_thread(const struct spans *s, const char *arg)
{
	char *end, text[4 * EVENT_TEXT_MAX];
	long tid = strtol(arg, &end, 10), found = -1;
	size_t n = 0;

	if (*arg && !*end && tid > 0 && tid <= INT32_MAX) {
		found = spans_thread_index(s, (int32_t)tid);
		if (found < 0)
			cli_usage_error("path", "the trace has no thread %ld (conctop report lists its threads and tids)", tid);
		return found;
	}
	for (size_t i = 0; i < spans_thread_count(s); i++) {
		if (strcmp(spans_thread(s, i)->name, arg) == 0) {
			found = (long)i;
			n++;
		}
	}
	safetext_escape(text, sizeof(text), arg);
	if (n > 1)
		cli_usage_error("path", "%zu threads are called '%s': give a tid (conctop report lists them)", n, text);
	else if (!n)
		cli_usage_error("path", "the trace has no thread called '%s' (a thread with no name: give its tid; "
				"conctop report lists them)", text);
	if (n != 1)
		return -1;
	return found;
}

/* Milliseconds, for the text. */
static double path_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Says what a node's CPU ran while it was runnable, when it was not idle
 * or unknown: "(behind another program 3.1 ms, the program 0.4 ms)". */
static void path_text_behind(FILE *f, const struct critpath_node *n)
{
	uint64_t other = n->behind_ns[TL_CPU_OTHER], prog = n->behind_ns[TL_CPU_THREAD];

	if (other >= 10000 && prog >= 10000)
		fprintf(f, " (behind another program %.3f ms, the program's threads %.3f ms)", path_ms(other),
			path_ms(prog));
	else if (other >= 10000)
		fprintf(f, " (behind another program %.3f ms)", path_ms(other));
	else if (prog >= 10000)
		fprintf(f, " (behind the program's threads %.3f ms)", path_ms(prog));
}

/* Prints one node of the tree as text, indented by its depth. */
static void path_text_node(FILE *f, const struct spans *s, const struct critpath_node *n)
{
	const struct spans_thread *t = spans_thread(s, n->thread);
	char name[4 * EVENT_TEXT_MAX], label[EVENT_TEXT_MAX + 32], slabel[4 * sizeof(label)];
	int ind = 2 * (int)n->depth;

	safetext_escape(name, sizeof(name), t->name[0] ? t->name : "?");
	if (n->depth) {
		spans_object_label(s, n->object, label, sizeof(label));
		safetext_escape(slabel, sizeof(slabel), n->object >= 0 ? label : "");
		const struct waits_object *o = spans_object(s, n->object);
		/* its label says Python Lock; a wait of no known kind on nothing is just blocked */
		const char *kind = (o && o->pylock) || (n->wait == WAIT_NONE && !slabel[0]) ? "" : waits_kind_name(n->wait);

		fprintf(f, "%*s%.3f ms blocked%s%s%s%s (%" PRIu64 " time%s), woken by %s (%d): ", ind, "",
			path_ms(n->charged_ns), n->signalling ? " signalling " : kind[0] || slabel[0] ? " on " : "",
			kind, slabel[0] && kind[0] ? " " : "",
			slabel, n->stretches,
			n->stretches == 1 ? "" : "s", name, t->tid);
	} else {
		fprintf(f, "%s (%d): ", name, t->tid);
	}
	fprintf(f, "running %.3f ms, runnable %.3f ms", path_ms(n->running_ns), path_ms(n->runnable_ns));
	path_text_behind(f, n);
	if (n->blocked_ns)
		fprintf(f, ", blocked %.3f ms", path_ms(n->blocked_ns));
	if (n->other_ns)
		fprintf(f, ", not alive %.3f ms", path_ms(n->other_ns));
	fputc('\n', f);
	for (unsigned k = 0; k < CRITPATH_END_MAX; k++)
		if (n->unexplained_ns[k])
			fprintf(f, "%*s  %.3f ms blocked, %s\n", ind, "", path_ms(n->unexplained_ns[k]),
				critpath_end_name(k));
}

/* Prints the path as JSON. */
static void path_json(FILE *f, const struct spans *s, const struct critpath *c, const char *file,
		      const char *warn, uint64_t from, uint64_t to, unsigned depth)
{
	char label[EVENT_TEXT_MAX + 32];

	fprintf(f, "{\n  \"file\": ");
	cli_json_string(f, file);
	fprintf(f, ",\n");
	cli_json_complete(f, warn);
	fprintf(f, "  \"from_ns\": %" PRIu64 ",\n  \"to_ns\": %" PRIu64 ",\n  \"depth\": %u,\n  \"nodes\": [", from,
		to, depth);
	for (size_t i = 0; i < critpath_count(c); i++) {
		const struct critpath_node *n = critpath_node(c, i);
		const struct spans_thread *t = spans_thread(s, n->thread);

		label[0] = '\0';
		if (n->depth && n->object >= 0)
			spans_object_label(s, n->object, label, sizeof(label));
		fprintf(f, "%s\n    {\"depth\": %u, \"parent\": %ld, \"tid\": %d, \"name\": ", i ? "," : "", n->depth,
			n->depth ? (long)n->parent : -1L, t->tid);
		cli_json_string(f, t->name);
		fprintf(f, ", \"kind\": \"%s\", \"signalling\": %s, \"object\": ",
			n->depth ? waits_cause_name(spans_object(s, n->object), n->wait) : "",
			n->signalling ? "true" : "false");
		cli_json_string(f, label);
		fprintf(f,
			", \"charged_ns\": %" PRIu64 ", \"stretches\": %" PRIu64 ", \"running_ns\": %" PRIu64
			", \"runnable_ns\": %" PRIu64 ", \"runnable_behind\": {\"other_program\": %" PRIu64
			", \"program\": %" PRIu64 ", \"idle\": %" PRIu64 ", \"unknown\": %" PRIu64 "}"
			", \"blocked_ns\": %" PRIu64 ", \"not_alive_ns\": %" PRIu64 ", \"unexplained\": {",
			n->charged_ns, n->stretches, n->running_ns, n->runnable_ns, n->behind_ns[TL_CPU_OTHER],
			n->behind_ns[TL_CPU_THREAD], n->behind_ns[TL_CPU_IDLE], n->behind_ns[TL_CPU_UNKNOWN], n->blocked_ns,
			n->other_ns);
		for (unsigned k = 0; k < CRITPATH_END_MAX; k++)
			fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", critpath_end_key(k), n->unexplained_ns[k]);
		fprintf(f, "}}");
	}
	fprintf(f, "\n  ]\n}\n");
}

/* Takes --depth. Returns 0, or the usage status after saying what is wrong. */
static int path_depth(const char *arg, unsigned *depth)
{
	char *end;
	long d = strtol(arg, &end, 10);

	if (!*arg || *end || d < 1 || d > 64)
		return cli_usage_error("path", "--depth must be a number from 1 to 64, not '%s'", arg);
	*depth = (unsigned)d;
	return 0;
}

/* conctop path. */
int cmd_path(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "thread", required_argument, NULL, 'T' }, { "depth", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },         CLI_WINDOW_LONGOPTS,
		CLI_MEMORY_LONGOPT,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "path", "T:f:t:d:m:h", longopts, path_usage, 0, false };
	struct cli_window win = { 0, 0, false, 0, 0, 0, 0 };
	struct spans *s = NULL;
	struct critpath *c = NULL;
	const char *who = NULL;
	uint64_t from, to;
	unsigned depth = 8;
	bool json = false;
	char warn[1200];
	long thread;
	int opt, e, status = 1;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		if (opt == 'j') {
			json = true;
		} else if (opt == 'T') {
			who = optarg;
		} else if (opt == 'd') {
			if ((e = path_depth(optarg, &depth)))
				return e;
		} else if ((e = cli_window_option("path", opt, optarg, &win))) {
			return e > 0 ? e : cli_option_error(&opts, argv);
		}
	}
	if (opt == CLI_OPTS_EXIT)
		return opts.status;
	if (!who)
		return cli_usage_error("path", "which thread? (--thread NAME or TID)");
	if ((e = cli_window_spans("path", argc, argv, NULL, &win, &s, warn, sizeof(warn))))
		return e;
	from = win.from;
	to = win.to;
	thread = path_thread(s, who);
	if (thread < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (from >= to) {
		status = cli_usage_error("path", "--from is past the trace's end (%.6f s)", (double)to / 1e9);
		goto out;
	}
	e = critpath_new(&c, s, (size_t)thread, from, to, depth);
	if (e) {
		cli_error("%s: %s", argv[optind], strerror(-e));
		goto out;
	}
	if (json) {
		path_json(stdout, s, c, argv[optind], warn, from, to, depth);
	} else {
		printf("path of the window %.6f-%.6f s (%.3f ms), %u threads deep at most\n", (double)from / 1e9,
		       (double)to / 1e9, path_ms(to - from), depth);
		for (size_t i = 0; i < critpath_count(c); i++)
			path_text_node(stdout, s, critpath_node(c, i));
	}
	status = cli_flush_stdout();
out:
	critpath_free(c);
	spans_free(s);
	return status;
}
