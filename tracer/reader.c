/* The tracer's symbol reader: a thread that reads the ELF files of the
 * traced processes (their symbols, and their libc's glibc version) as soon
 * as the processes map them, so that naming the objects their threads wait
 * on (naming.c) finds them ready when the events are delivered. Reading a
 * file takes 1-2 ms for a libc and tens of ms for a large library; done on
 * the delivery path it held up every event behind it and, live, the keys.
 * The delivery path takes what was read (tracer_reader_collect) and reads a
 * file itself only when the reader has not got to it yet. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "glibc_sync.h"
#include "mem.h"
#include "tracer_int.h"

/* At most this many files are asked for in one recording: a program that
 * maps more has the rest read on the delivery path. */
#define READER_PATHS_MAX 4096

/* A path asked for, and what for. */
struct reader_asked {
	char *path;
	bool libc;
};

/* A file asked for, and once read, what was read. */
struct reader_file {
	char *path;
	bool want_syms;        /* read its symbols (else only the version) */
	bool libc;             /* read its glibc version */
	struct elfsym *syms;   /* NULL: not ELF, or not readable */
	struct tracer_libc_layout layout;
};

struct tracer_reader {
	struct tracer_worker *worker; /* runs one job a file */
	pthread_mutex_t lock;         /* guards what follows */
	struct reader_asked *asked;   /* every path asked for */
	size_t nasked, asked_cap;
	struct reader_file *done;     /* read, not yet collected */
	size_t ndone, done_cap;
	uint64_t read_total;
};

/* Reads the glibc version of the libc (or static program) at path: the
 * file's identity and whether glibc_sync knows its layouts. Returns 0 or
 * -errno. */
int tracer_libc_layout_read(const char *path, struct tracer_libc_layout *out)
{
	struct stat st;
	int fd, major, minor;
	char *buf;
	int err = 0;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	buf = st.st_size > 0 && st.st_size < (64 << 20) ? malloc((size_t)st.st_size) : NULL;
	if (buf && read(fd, buf, (size_t)st.st_size) == st.st_size &&
	    glibc_sync_parse_version(buf, (size_t)st.st_size, &major, &minor))
		out->known = glibc_sync_layout_known(major, minor);
	free(buf);
	close(fd);
	return 0;
}

/* Reads one file's symbols (and version); no lock held. */
static void reader_read(struct reader_file *f)
{
	if (!f->want_syms || elfsym_new(&f->syms, f->path))
		f->syms = NULL;
	if (f->libc && tracer_libc_layout_read(f->path, &f->layout))
		f->libc = false; /* unreadable: the delivery path will say so */
}

/* The worker's job: reads one file (a struct reader_file the job owns)
 * and hands the result to the delivery path. */
static void reader_job(void *ctx, void *job)
{
	struct tracer_reader *r = ctx;
	struct reader_file *f = job;

	reader_read(f);
	pthread_mutex_lock(&r->lock);
	if (VEC_RESERVE(r->done, r->done_cap, r->ndone + 1)) {
		elfsym_free(f->syms); /* out of memory: read again when needed */
		free(f->path);
	} else {
		r->done[r->ndone++] = *f;
		r->read_total++;
	}
	pthread_mutex_unlock(&r->lock);
	free(f);
}

/* A job not run: freed. */
static void reader_drop(void *job)
{
	struct reader_file *f = job;

	free(f->path);
	free(f);
}

/* Starts the reader thread. Returns 0 or -errno. */
int tracer_reader_new(struct tracer_reader **out)
{
	struct tracer_reader *r = calloc(1, sizeof(*r));
	int e;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	e = tracer_worker_new(&r->worker, reader_job, r);
	if (e) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return e;
	}
	*out = r;
	return 0;
}

/* What is still to read of path (under lock): f's flags, both false when
 * nothing; remembers that it was asked for. */
static void still_to_read(struct tracer_reader *r, const char *path, bool libc, struct reader_file *f)
{
	char *copy;

	f->want_syms = f->libc = false;
	for (size_t i = 0; i < r->nasked; i++) {
		if (strcmp(r->asked[i].path, path) == 0) {
			f->libc = libc && !r->asked[i].libc; /* symbols read already */
			r->asked[i].libc |= libc;
			return;
		}
	}
	if (r->nasked == READER_PATHS_MAX || VEC_RESERVE(r->asked, r->asked_cap, r->nasked + 1) ||
	    !(copy = strdup(path)))
		return; /* cannot keep it: the delivery path reads it */
	r->asked[r->nasked++] = (struct reader_asked){ copy, libc };
	f->want_syms = true;
	f->libc = libc;
}

/* Asks for the symbols of path (and, for a libc, its version), once. */
void tracer_reader_push(struct tracer_reader *r, const char *path, bool libc)
{
	struct reader_file want = { 0 }, *f;

	pthread_mutex_lock(&r->lock);
	still_to_read(r, path, libc, &want);
	pthread_mutex_unlock(&r->lock);
	if (!want.want_syms && !want.libc)
		return;
	f = malloc(sizeof(*f));
	if (f) {
		*f = want;
		f->path = strdup(path);
	}
	if (!f || !f->path || tracer_worker_push(r->worker, f)) {
		if (f)
			reader_drop(f); /* the delivery path reads it when it needs it */
	}
}

/* Moves the files read so far into cache (which takes them) and their
 * libc layouts into layouts ((dev, ino) -> 1 + known). */
void tracer_reader_collect(struct tracer_reader *r, struct elfsym_cache *cache, struct pairmap *layouts)
{
	struct reader_file *done;
	size_t n;

	pthread_mutex_lock(&r->lock);
	done = r->done;
	n = r->ndone;
	r->done = NULL;
	r->ndone = r->done_cap = 0;
	pthread_mutex_unlock(&r->lock);
	for (size_t i = 0; i < n; i++) {
		if (done[i].libc)
			pairmap_put(layouts, done[i].layout.dev, done[i].layout.ino, done[i].layout.known ? 2 : 1);
		if (done[i].want_syms)
			elfsym_cache_adopt(cache, done[i].path, done[i].syms);
		free(done[i].path);
	}
	free(done);
}

/* How many files the thread has read. */
uint64_t tracer_reader_count(struct tracer_reader *r)
{
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->read_total;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* Stops the thread (after the file in hand) and frees everything. */
void tracer_reader_free(struct tracer_reader *r)
{
	if (!r)
		return;
	tracer_worker_free(r->worker, reader_drop);
	for (size_t i = 0; i < r->ndone; i++) {
		elfsym_free(r->done[i].syms);
		free(r->done[i].path);
	}
	for (size_t i = 0; i < r->nasked; i++)
		free(r->asked[i].path);
	free(r->done);
	free(r->asked);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
