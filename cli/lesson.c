/* conctop lesson and conctop tour: the lesson cards, one at a time or as the
 * course notes' tour, each lesson run live (docs/classroom.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "catalogue.h"
#include "cli.h"
#include "lessons.h"

/* Prints lesson's help. */
static void lesson_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop lesson NAME\n"
		"       conctop lesson --list\n"
		"\n"
		"Prints the lesson card of a scenario: what to watch on the lanes, the\n"
		"question to ask the class before running it, and the take-away.\n"
		"`conctop tour` runs the course notes' lessons in order; docs/classroom.md\n"
		"is a 50-minute lesson plan around them.\n"
		"\n"
		"Options:\n"
		"  -l, --list   the lessons there are\n"
		"  -h, --help   this help\n"
		"\n"
		"Exit status: 0 ok, 2 usage error (an unknown lesson).\n");
}

/* Prints text indented by two spaces, line by line. */
static void put_indented(FILE *f, const char *text)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fprintf(f, "  %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* Prints the front of a card: title, one-line lesson, what to watch, the
 * question; with the take-away too when whole. */
static void print_card(FILE *f, const struct lesson_card *c, bool whole)
{
	const struct scenario_info *s = scenario_find(c->name);

	fprintf(f, "%s: %s\n", c->name, c->title);
	if (s)
		fprintf(f, "  (%s)\n", s->lesson);
	fputs("\nAsk first:\n", f);
	put_indented(f, c->question);
	fputs("\nWatch:\n", f);
	put_indented(f, c->watch);
	if (whole) {
		fputs("\nTake-away:\n", f);
		put_indented(f, c->takeaway);
	}
}

/* conctop lesson. */
int cmd_lesson(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "list", no_argument, NULL, 'l' },
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "lesson", "lh", longopts, lesson_usage, 0, false };
	const struct lesson_card *c;
	bool list = false;
	unsigned i;
	int opt;

	if ((opt = cli_flag_option(&opts, argc, argv, &list)) >= 0)
		return opt;
	if (list) {
		if (optind != argc)
			return cli_usage_error("lesson", "--list takes no lesson name");
		for (i = 0; i < lesson_cards_len; i++)
			printf("%-13s %s\n", lesson_cards[i].name, lesson_cards[i].title);
		return cli_flush_stdout();
	}
	if (optind != argc - 1)
		return cli_usage_error("lesson", optind >= argc ? "which lesson? (conctop lesson --list)"
							      : "one lesson at a time");
	c = lesson_find(argv[optind]);
	if (!c)
		return cli_usage_error("lesson", "no lesson called '%s': conctop lesson --list shows them",
				       argv[optind]);
	print_card(stdout, c, true);
	return cli_flush_stdout();
}

/* ---- tour ---- */

/* Prints tour's help. */
static void tour_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop tour [--dry-run]\n"
		"\n"
		"Walks through the course notes' lessons in order: race, contention,\n"
		"rlock, condvar, event, barrier, semaphore, prodcons, pool, gil,\n"
		"iobound, daemon, shutdown, processes. For each, it prints the lesson card (the question to ask\n"
		"first, what to watch), waits for Enter, runs the scenario live\n"
		"(conctop run --classroom NAME; q ends it), then prints the take-away\n"
		"and waits for Enter again. q at a prompt ends the tour. The live runs\n"
		"need what `conctop run` needs (root, or CAP_BPF and CAP_PERFMON) and a\n"
		"terminal.\n"
		"\n"
		"Options:\n"
		"  -n, --dry-run  print the plan (the cards and the commands) and run\n"
		"                 nothing; needs no terminal\n"
		"  -h, --help     this help\n"
		"\n"
		"Exit status: 0 ok, 1 no terminal or a lesson could not be started, 2 usage\n"
		"error.\n");
}

/* Whether `conctop run --help` of the binary at self lists --classroom. */
static bool run_has_classroom(const char *self)
{
	char buf[4096], all[65536];
	size_t have = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds))
		return false;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		int null = open("/dev/null", 0);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(self, "conctop", "run", "--help", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0 && have + (size_t)n < sizeof(all)) {
			memcpy(all + have, buf, (size_t)n);
			have += (size_t)n;
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	all[have] = 0;
	return strstr(all, "--classroom") != NULL;
}

/* Waits for Enter; false when the user typed q (or input ended). */
static bool wait_enter(const char *prompt)
{
	char line[128];

	printf("\n%s", prompt);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] != 'q' && line[0] != 'Q';
}

/* Runs `self run [--classroom] name` in the foreground and waits for it;
 * returns its exit status, or -errno when it could not start. */
static int run_lesson(const char *self, bool classroom, const char *name)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status = 0;
	pid_t pid;

	/* Ctrl-C belongs to the live view while it runs, not to the tour */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		status = -errno;
	} else if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (classroom)
			execl(self, "conctop", "run", "--classroom", name, (char *)NULL);
		else
			execl(self, "conctop", "run", name, (char *)NULL);
		_exit(127);
	} else {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -errno;
				break;
			}
		}
		if (status >= 0)
			status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return status;
}

/* conctop tour. */
int cmd_tour(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "tour", "nh", longopts, tour_usage, 0, false };
	char self[PATH_MAX];
	bool dry = false, classroom;
	unsigned i;
	ssize_t n;
	int opt;

	if ((opt = cli_flag_option(&opts, argc, argv, &dry)) >= 0)
		return opt;
	if (optind != argc)
		return cli_usage_error("tour", "the tour takes no arguments, not '%s'", argv[optind]);
	if (!dry && !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
		cli_error("tour: the tour needs a terminal (conctop tour --dry-run prints the plan)");
		return 1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		cli_error("cannot find conctop's own program (/proc/self/exe): %s", strerror(errno));
		return 1;
	}
	self[n] = 0;
	classroom = run_has_classroom(self);

	printf("The tour: %u lessons of the course notes, in order.%s\n\n", lesson_tour_len,
	       dry ? " (dry run: nothing is run)" : "");
	for (i = 0; i < lesson_tour_len; i++) {
		const struct lesson_card *c = lesson_find(lesson_tour[i]);
		int st;

		if (!c)
			continue;
		printf("%u. %s\n   $ conctop run %s%s\n\n", i + 1, c->name, classroom ? "--classroom " : "", c->name);
		print_card(stdout, c, dry);
		if (dry) {
			putchar('\n');
			continue;
		}
		if (!wait_enter("Ask the question, then press Enter to run it (q to stop the tour): "))
			break;
		st = run_lesson(self, classroom, c->name);
		if (st < 0) {
			cli_error("cannot run %s: %s", self, strerror(-st));
			return 1;
		}
		fputs("\nTake-away:\n", stdout);
		put_indented(stdout, c->takeaway);
		if (st)
			printf("  (conctop run %s exited with status %d)\n", c->name, st);
		if (i + 1 < lesson_tour_len && !wait_enter("Press Enter for the next lesson (q to stop): "))
			break;
		putchar('\n');
	}
	return cli_flush_stdout();
}
