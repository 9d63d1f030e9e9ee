/* peakrss: runs a command and reports its exit status and its peak memory
 * (the resident set's high-water mark, from wait4), killing it if it runs
 * too long. tests/hostile.py measures conctop with it: a process started
 * by fork keeps its parent's resident size as a starting high-water mark,
 * so the command is started from this small program rather than from the
 * test's Python interpreter.
 *
 * usage: peakrss SECONDS REPORT COMMAND [ARG...]
 * writes "exit N maxrss_kb M timed_out 0|1" to the file REPORT; exits 0,
 * or 2 on a usage error, 1 when the command could not be started. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

/* SIGALRM: the command ran too long. */
static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child > 0)
		kill(child, SIGKILL);
}

/* peakrss SECONDS REPORT COMMAND [ARG...] */
int main(int argc, char **argv)
{
	struct rusage ru;
	int status, code;
	char *end;
	long secs;
	FILE *f;

	if (argc < 4 || (secs = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: peakrss SECONDS REPORT COMMAND [ARG...]\n");
		return 2;
	}
	signal(SIGALRM, on_alarm);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "peakrss: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "peakrss: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	alarm((unsigned)secs);
	while (wait4(child, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "peakrss: wait4: %s\n", strerror(errno));
			return 1;
		}
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	f = fopen(argv[2], "w");
	if (!f || fprintf(f, "exit %d maxrss_kb %ld timed_out %d\n", code, ru.ru_maxrss, (int)timed_out) < 0 ||
	    fclose(f)) {
		fprintf(stderr, "peakrss: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
