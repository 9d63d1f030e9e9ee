/* bench/tracer.py's shim for trace-cmd (LD_PRELOAD), on kernels whose
 * function tracer is off or refused (writes to ftrace_enabled and opens of
 * set_ftrace_* fail with EPERM): trace-cmd insists on them even when it
 * records only tracepoints. The write is taken as done and the files are
 * /dev/null; the events recorded are the same. Built by the bench with cc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* write(2), except to ftrace_enabled: taken as done. */
ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	char path[64], link[64];
	ssize_t l;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	l = readlink(path, link, sizeof(link) - 1);
	if (l > 0) {
		link[l] = 0;
		if (strcmp(link, "/proc/sys/kernel/ftrace_enabled") == 0)
			return (ssize_t)n;
	}
	return real(fd, buf, n);
}
/* The function tracer's files become /dev/null. */
static const char *redirect(const char *p)
{
	return p && strstr(p, "/tracing/set_ftrace_") ? "/dev/null" : p;
}
/* openat(2) with the redirection. */
int openat(int dir, const char *p, int flags, ...)
{
	static int (*real)(int, const char *, int, ...);
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	if (!real)
		real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	return real(dir, redirect(p), flags, mode);
}
/* open(2) with the redirection. */
int open(const char *p, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return openat(AT_FDCWD, p, flags, mode);
}
int open64(const char *p, int flags, ...) __attribute__((alias("open")));
int openat64(int dir, const char *p, int flags, ...) __attribute__((alias("openat")));
