/* conctop's entry point: global options and the subcommand table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "theme.h"

#ifndef CONCTOP_COMMIT
#define CONCTOP_COMMIT "" /* not built from a git clone */
#endif

/* One subcommand. */
struct command {
	const char *name;
	cli_command_fn *run;
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "watch a built-in scenario live (conctop with no command: prodcons)" },
	{ "replay", cmd_replay, "play a trace file back in the terminal, at any speed" },
	{ "record", cmd_record, "trace a scenario, a command or a process into a trace file" },
	{ "report", cmd_report, "per-thread and per-CPU statistics of a trace file (--json for scripts)" },
	{ "contention", cmd_contention, "which objects threads waited on, and how long (--json for scripts)" },
	{ "path", cmd_path, "what a thread's time went to, following its waits to their causes" },
	{ "lanes", cmd_lanes, "a trace's lanes as text, for handouts, docs and scripts" },
	{ "log", cmd_log, "a trace's event log in words: wakeups, blocks, deadlocks, markers" },
	{ "export", cmd_export, "a trace's lanes as a picture to print or put on slides (SVG)" },
	{ "lesson", cmd_lesson, "a scenario's lesson card: what to watch, the question, the take-away" },
	{ "tour", cmd_tour, "the course notes' lessons in order, each card then its live run" },
	{ "import", cmd_import, "a perf script, trace-cmd report or ftrace text into a trace file" },
	{ "dump", cmd_dump, "every event of a trace file, one line each" },
	{ "list", cmd_list, "the built-in scenarios and what each one teaches" },
};

/* Prints the top-level help. */
static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: conctop [OPTIONS]                       watch the default scenario live\n"
		"       conctop [OPTIONS] run SCENARIO [ARGS]   watch a built-in scenario live\n"
		"       conctop [OPTIONS] -- COMMAND [ARGS]     watch any program live\n"
		"       conctop [OPTIONS] -p PID                watch a running process live\n"
		"       conctop COMMAND [OPTIONS] [ARGS]\n"
		"       conctop --help | --version\n"
		"       (--color=auto|always|never may come first, before any of these)\n"
		"\n"
		"conctop shows how Linux schedules the threads of a program: it traces\n"
		"scheduler events through eBPF and shows, live or replayed from a trace\n"
		"file, one lane per thread and one per CPU; it also records traces and\n"
		"reports what each thread and each CPU did.\n"
		"\n"
		"Options of the live view (before the scenario or the --):\n"
		"  -w, --write FILE      also record to a trace file while watching\n"
		"  -p, --pid PID         watch an existing process (only detached from)\n"
		"  -d, --duration TIME   stop tracing after TIME; the view stays\n"
		"  -m, --memory SIZE     keep at most SIZE of history in memory (default 256M,\n"
		"                        0 no cap); the rest is read back from the trace file\n"
		"                        (the threads' own records are never forgotten:\n"
		"                        conctop run --help says more)\n"
		"  -u, --user NAME       run the program as NAME (default: the sudo user)\n"
		"      --mono            no colours (also with NO_COLOR set)\n"
		"      --color=WHEN      auto (colours on a terminal unless NO_COLOR is set),\n"
		"                        always or never: for every command, given first\n"
		"      --tracer MODE     tp_btf or tp; also --no-follow, --buffer SIZE, -v\n"
		"                        (conctop run --help has them all)\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Examples:\n"
		"  sudo conctop                                   prodcons, live\n"
		"  sudo conctop run prodcons --threads 4          a scenario with its options\n"
		"  sudo conctop -w run.ctrace -- python3 gil.py   any program, recorded too\n"
		"  sudo conctop record -o run.ctrace prodcons     trace without a screen\n"
		"  sudo conctop run --classroom condvar           a lesson for a projector\n"
		"  conctop replay run.ctrace                      play it back\n"
		"  conctop report run.ctrace                      what each thread did\n"
		"\n"
		"Keys in the live and replay views: space pause, arrows scroll, + - zoom,\n"
		"s S step, g go to, / filter, x hide exited lanes, Tab focus (classroom:\n"
		"pages), i inspect, P group by process, f F fold, b B busiest / most\n"
		"blocked, c classroom, ? help, q quit; live, Ctrl-C stops the\n"
		"program and keeps the view; in replay also < > speed (docs/keys.md has\n"
		"every key).\n"
		"Tracing needs root (CAP_BPF and CAP_PERFMON); reading a trace does not.\n"
		"Each command has --help (also 'conctop help COMMAND'); 'man conctop' has\n"
		"the details.\n"
		"Exit status: 0 ok, 1 failure (the message says what failed and what to\n"
		"do), 2 usage error; when conctop runs a program to its end, that\n"
		"program's exit status (128+N if signal N ended it; 126 if it cannot be\n"
		"run, 127 if it is not found).\n");
}

/* Takes the --color=WHEN (or --color WHEN) options that come first, for
 * every command: removes them from argv. Returns 0, or the usage status. */
static int color_options(int *argc, char **argv)
{
	enum theme_color_mode mode;
	int take;

	while (*argc >= 2 && strncmp(argv[1], "--color", 7) == 0) {
		if (argv[1][7] == '=') {
			if (theme_parse_color_mode(argv[1] + 8, &mode)) {
				cli_error("--color=WHEN: WHEN is auto, always or never, not '%s'\n"
					  "Try 'conctop --help'.", argv[1] + 8);
				return EXIT_USAGE;
			}
			take = 1;
		} else if (argv[1][7] == '\0' && *argc >= 3 && theme_parse_color_mode(argv[2], &mode) == 0) {
			take = 2;
		} else {
			break;
		}
		theme_set_color_mode(mode);
		memmove(argv + 1, argv + 1 + take, (size_t)(*argc - take) * sizeof(*argv));
		*argc -= take;
	}
	return 0;
}

/* The subcommand named name, or NULL. */
static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* Whether name is a command (see cli.h). */
bool cli_is_command(const char *name)
{
	return find_command(name) != NULL;
}

/* conctop help COMMAND: that command's --help. */
static int help_command(int argc, char **argv)
{
	char help[] = "--help";
	char *args[] = { argv[2], help, NULL };
	const struct command *c;

	if (argc > 3) {
		fprintf(stderr, "conctop: help takes one command, not '%s'\nTry 'conctop --help'.\n", argv[3]);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
		printf("Usage: conctop help [COMMAND]\n\n"
		       "Prints COMMAND's help, as 'conctop COMMAND --help' does; without one,\n"
		       "conctop's own (conctop --help).\n");
		return 0;
	}
	if ((c = find_command(argv[2])))
		return c->run(2, args);
	fprintf(stderr, "conctop: help: unknown command '%s'\nTry 'conctop --help' for the list of commands.\n",
		argv[2]);
	return EXIT_USAGE;
}

/* Writes what standard output still holds. A failure to write any of it
 * (a full disk) is said here, once for every command, and the status is
 * then 1 at least. */
static int stdout_done(int status)
{
	int e;

	if (!cli_flush_stdout())
		return status;
	e = cli_stdout_errno();
	if (e)
		fprintf(stderr, "conctop: cannot write standard output: %s\n", strerror(e));
	else
		fprintf(stderr, "conctop: cannot write standard output: part of it was lost\n");
	return status ? status : 1;
}

/* Dispatches to the subcommand named by argv[1], or to the live view. */
static int dispatch(int argc, char **argv)
{
	const struct command *c;
	int e = color_options(&argc, argv);

	if (e)
		return e;
	if (argc >= 2) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		    (strcmp(argv[1], "help") == 0 && (argc == 2 || strcmp(argv[2], "help") == 0))) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[1], "help") == 0)
			return help_command(argc, argv);
		if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
			if (argc > 2) {
				fprintf(stderr, "conctop: %s takes no arguments, not '%s'\n", argv[1], argv[2]);
				fprintf(stderr, "Try 'conctop --help'.\n");
				return EXIT_USAGE;
			}
			if (CONCTOP_COMMIT[0])
				printf("conctop %s (git %s)\n", CONCTOP_VERSION, CONCTOP_COMMIT);
			else
				printf("conctop %s\n", CONCTOP_VERSION);
			return 0;
		}
		if ((c = find_command(argv[1])))
			return c->run(argc - 1, argv + 1);
		if (argv[1][0] != '-') {
			fprintf(stderr, "conctop: unknown command '%s'\n", argv[1]);
			fprintf(stderr, "Try 'conctop --help' for the list of commands (a scenario: "
					"conctop run %s).\n", argv[1]);
			return EXIT_USAGE;
		}
	}
	/* no command: the live view, with its options */
	return cmd_live(argc, argv);
}

/* conctop: the command's status, once its output is all written. */
int main(int argc, char **argv)
{
	return stdout_done(dispatch(argc, argv));
}
