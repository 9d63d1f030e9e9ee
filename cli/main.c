/* conctop's entry point: global options and the subcommand table. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

/* One subcommand. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "record", cmd_record, "trace a scenario, a command or a process into a trace file" },
	{ "report", cmd_report, "per-thread and per-CPU statistics of a trace file (--json for scripts)" },
	{ "dump", cmd_dump, "every event of a trace file, one line each" },
	{ "list", cmd_list, "the built-in scenarios and what each one teaches" },
};

/* Prints the top-level help. */
static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: conctop COMMAND [OPTIONS] [ARGS]\n"
		"       conctop --help | --version\n"
		"\n"
		"conctop shows how Linux schedules the threads of a program: it traces\n"
		"scheduler events through eBPF, records them and reports what each thread\n"
		"and each CPU did.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Examples:\n"
		"  sudo conctop record -o run.ctrace prodcons     trace a built-in scenario\n"
		"  sudo conctop record -o run.ctrace -- ./myprog  trace any program\n"
		"  sudo conctop record -o run.ctrace -p 1234      trace a running process\n"
		"  conctop report run.ctrace                      what each thread did\n"
		"\n"
		"Tracing needs root (CAP_BPF and CAP_PERFMON); reading a trace does not.\n"
		"Each command has --help; 'man conctop' has the details.\n"
		"Exit status: 0 ok, 1 failure, 2 usage error; when conctop runs a program\n"
		"to its end, that program's exit status (128+N if signal N ended it;\n"
		"126 if it cannot be run, 127 if it is not found).\n");
}

/* Dispatches to the subcommand named by argv[1]. */
int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("conctop %s\n", CONCTOP_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "conctop: unknown command '%s'\n", argv[1]);
	fprintf(stderr, "Try 'conctop --help' for the list of commands.\n");
	return EXIT_USAGE;
}
