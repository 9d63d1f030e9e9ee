/* Stop signals through a self-pipe (see stopsig.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "stopsig.h"

static volatile sig_atomic_t first_signal, signal_count;
static void (*volatile last_resort)(void);
static int pipe_fd[2] = { -1, -1 };

/* Notes the signal and wakes the loop; the third one, with a screen up,
 * restores the terminal and exits. */
static void on_stop(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	void (*fn)(void) = last_resort;

	if (!first_signal)
		first_signal = sig;
	signal_count++;
	if (write(pipe_fd[1], &b, 1) < 0) {
		/* full: the loop has bytes to read already */
	}
	if (signal_count >= 3 && fn) {
		fn();
		_exit(128 + sig);
	}
	errno = saved;
}

/* Nothing to restore: the third signal just exits. */
static void nothing_to_restore(void)
{
}

/* Installs the handlers. */
int stopsig_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	if (pipe_fd[0] >= 0)
		return 0;
	if (pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	last_resort = nothing_to_restore; /* (until a command says what its third signal does) */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = 0; /* no SA_RESTART: a blocked call returns EINTR and its loop looks */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The pipe's read end. */
int stopsig_fd(void)
{
	return pipe_fd[0];
}

/* Empties the pipe. */
int stopsig_take(void)
{
	unsigned char buf[64];
	ssize_t n;
	int last = 0;

	if (pipe_fd[0] < 0)
		return 0;
	while ((n = read(pipe_fd[0], buf, sizeof(buf))) > 0)
		last = buf[n - 1];
	return last;
}

/* The first stop signal. */
int stopsig_first(void)
{
	return first_signal;
}

/* How many stop signals arrived. */
int stopsig_count(void)
{
	return signal_count;
}

/* What the third signal does. */
void stopsig_last_resort(void (*fn)(void))
{
	last_resort = fn;
}
