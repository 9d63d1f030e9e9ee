/* processes: worker processes, a job queue, result pipes and shared memory.
 *
 * The lesson. Processes share nothing unless told to: fork() gives the child
 * a copy of the parent's memory, and from then on each writes its own copy.
 * So processes talk through channels the kernel provides, as Python's
 * multiprocessing does:
 *
 *   - a Queue, which many processes put to and get from (here: one pipe,
 *     job_queue, that the parent writes jobs into and every worker reads
 *     jobs from; a job is a few bytes, written and read whole);
 *   - a Pipe, a channel between two processes (here: result_pipe[i], on
 *     which worker i sends back "chunk done, in so many ms");
 *   - shared memory, which Array and Value allocate (here: mmap with
 *     MAP_SHARED before the fork, so parent and children see the same
 *     pages), guarded by a lock that works across processes (here:
 *     array_lock, a pthread mutex marked PTHREAD_PROCESS_SHARED, living in
 *     the shared pages themselves).
 *
 * The story is the notes' last experiment: Z[i] = X[i] * Y[i] over shared
 * arrays, split in chunks among a pool of workers. The first time, every
 * element is written into the shared array one by one, each under the
 * array's lock, as multiprocessing.Array does for every sZ[i] = ... (its
 * get_lock()): 6.17 s in the notes. The second time, each worker computes
 * its chunk in memory of its own and writes it into the shared array once,
 * under the lock once: 0.16 s in the notes. The work is the same; the
 * difference is hundreds of thousands of lock round trips, with the workers
 * fighting over one lock from several CPUs.
 *
 * What to watch under conctop: the worker-N processes appear as the parent
 * forks them (each its own process, named). During the element-by-element
 * phase they keep blocking on array_lock (a futex) and waking each other;
 * in the local phase each runs straight through its chunk. Between jobs the
 * workers sleep in read() on job_queue, and the parent sleeps in poll() on
 * the result pipes. Markers (from the parent): "phase" (1 element by
 * element, 2 local), "chunk done" (the chunk), "element ms", "local ms",
 * "array_lock waits, us" after each "chunk done" (how long the chunk's
 * worker waited for the lock), and "element: array_lock waits, us" /
 * "local: array_lock waits, us" (the workers' waits for it in the phase).
 */
#define _GNU_SOURCE /* see common.h */
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64

/* ---- Shared memory: the lock and the three arrays ----
 * All of it lives in one MAP_SHARED mapping made before fork(); these
 * pointers (copied into every child) point into it. */
static pthread_mutex_t *array_lock; /* guards sZ, across processes */
static float *sX, *sY, *sZ;          /* the notes' shared arrays */

/* ---- The channels ---- */
static int job_queue[2];                 /* parent -> any worker */
static int result_pipe[MAX_WORKERS][2];  /* worker i -> parent */

/* A job: which chunk, and how to write it. A result: which chunk, how long. */
enum { JOB_ELEMENT = 1, JOB_LOCAL = 2, JOB_STOP = 3 };
struct job {
	int kind;
	long chunk;
};
struct result {
	long chunk;
	double ms;     /* how long filling the chunk took */
	double cpu_ms; /* of which on a CPU (not waiting for one, nor asleep) */
	double wait_ms; /* of which waiting for array_lock */
};

/* This process's CPU time in ms (a worker is a single thread). */
static double cpu_ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Options (-1: not given, a default is chosen in main). */
enum { BOTH, ELEMENT, LOCAL }; /* --variant, in the order of its choices */
static long variant = BOTH;
static long workers = -1;
static long chunks = 8;
static long rows = -1;
static long pace = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &workers, 1, MAX_WORKERS,
	 "worker processes (default: one per CPU, at least 2)"},
	{"--processes", "N", &workers, 1, MAX_WORKERS, "same as --threads"},
	{"--chunks", "N", &chunks, 1, 10000, "jobs: chunks of the arrays (default 8)"},
	{"--iterations", "N", &rows, 1, 100000000,
	 "elements in each chunk (default 20000)"},
	{"--variant", "both|element|local", &variant, 0, 0,
	 "which way(s) to fill the shared array (default both)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: a worker takes MS ms of CPU to start each job"},
};

static const char about[] =
	"Worker processes (fork) get jobs from a queue (one pipe all of them\n"
	"read), send results back on a pipe each, and fill a shared array\n"
	"(mmap MAP_SHARED) with Z[i] = X[i] * Y[i]: first element by element,\n"
	"each under array_lock (a process-shared mutex), as multiprocessing.Array\n"
	"does; then each chunk computed locally and written once. The notes: 6.17 s\n"
	"against 0.16 s. --variant element|local runs one of the two.\n"
	"Self-check: every element of Z is right after each phase, every worker\n"
	"exited cleanly, and element by element is at least 3x slower.";

/* Writes all of len bytes (pipes may take them in parts). */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- A worker process ---- */

/* Time this worker waited for array_lock, in ms, since its last chunk. */
static double lock_wait_ms;

/* Takes array_lock, adding the time it waited for it (when it was held by
 * another worker) to lock_wait_ms: the parent marks it per chunk. */
static void lock_array(void)
{
	if (pthread_mutex_trylock(array_lock) == 0)
		return;
	double t0 = scn_now_ms();
	pthread_mutex_lock(array_lock);
	lock_wait_ms += scn_now_ms() - t0;
}

/* Reads a[i] under the lock, as a multiprocessing.Array does on a[i]. */
static float get_locked(const float *a, long i)
{
	lock_array();
	float v = a[i];
	pthread_mutex_unlock(array_lock);
	return v;
}

/* Writes a[i] under the lock, as a multiprocessing.Array does on a[i] = v. */
static void set_locked(float *a, long i, float v)
{
	lock_array();
	a[i] = v;
	pthread_mutex_unlock(array_lock);
}

/* Element by element, as the notes'  sZ[i] = sX[i] * sY[i]  does on
 * synchronized Arrays: three accesses, each a round trip to the lock.
 * (multiprocessing gives each Array a lock of its own; one lock for all
 * three here keeps it short, and costs the same.) */
static void fill_by_element(long first, long n)
{
	for (long i = first; i < first + n; i++)
		set_locked(sZ, i, get_locked(sX, i) * get_locked(sY, i));
}

/* Locally, then once: compute into our own memory, take the lock once,
 * copy the whole chunk in. */
static void fill_locally(long first, long n, float *mine)
{
	for (long i = 0; i < n; i++)
		mine[i] = sX[first + i] * sY[first + i];
	lock_array();
	memcpy(&sZ[first], mine, (size_t)n * sizeof *mine);
	pthread_mutex_unlock(array_lock);
}

/* The life of worker id: read jobs from job_queue until told to stop,
 * answer each on its result pipe. Never returns. */
static void worker_main(int id)
{
	scn_name_thread("worker", id);
	float *mine = scn_calloc(rows, sizeof *mine);
	for (;;) {
		struct job job;
		ssize_t n = read(job_queue[0], &job, sizeof job);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof job || job.kind == JOB_STOP)
			break; /* told to stop, or the parent is gone */
		conctop_mark("chunk taken", job.chunk);
		scn_pace(pace); /* --pace: a visible step before the work */
		double t0 = scn_now_ms(), c0 = cpu_ms_now();
		lock_wait_ms = 0;
		if (job.kind == JOB_ELEMENT)
			fill_by_element(job.chunk * rows, rows);
		else
			fill_locally(job.chunk * rows, rows, mine);
		struct result res = {job.chunk, scn_now_ms() - t0, cpu_ms_now() - c0, lock_wait_ms};
		if (write_all(result_pipe[id - 1][1], &res, sizeof res) != 0)
			break;
	}
	free(mine);
	_exit(0);
}

/* ---- The parent ---- */

/* Waits up to 20 s for each result: a worker that died or hangs must not
 * hang the parent. Returns the number of results read (chunks, or fewer
 * on a timeout or a closed pipe); adds the workers' times to *fill_ms. */
static long collect(long expected, long *done_by, double *fill_ms, double *cpu_ms, double *wait_ms)
{
	struct pollfd fds[MAX_WORKERS];
	for (int i = 0; i < workers; i++)
		fds[i] = (struct pollfd){.fd = result_pipe[i][0], .events = POLLIN};
	long got = 0;
	while (got < expected) {
		int n = poll(fds, (nfds_t)workers, 20000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "processes: no result for 20 s: giving up\n");
			return got;
		}
		for (int i = 0; i < workers; i++) {
			if (!(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			struct result res;
			if (read(fds[i].fd, &res, sizeof res) != (ssize_t)sizeof res) {
				fprintf(stderr, "processes: worker-%d is gone\n", i + 1);
				return got;
			}
			conctop_mark("chunk done", res.chunk);
			/* the lesson on the lanes (a column names its last
			 * marker): how long the chunk's worker waited for the
			 * one lock */
			conctop_mark("array_lock waits, us", (long)(res.wait_ms * 1000 + 0.5));
			*fill_ms += res.ms;
			*cpu_ms += res.cpu_ms;
			*wait_ms += res.wait_ms;
			done_by[i]++;
			got++;
		}
	}
	return got;
}

/* Runs one phase: every chunk as a job of this kind. Returns the time the
 * workers spent filling chunks, summed, in ms (their wall time, waits for
 * the lock included; --pace's steps left out), or -1 if results went
 * missing; *wrong counts bad elements. */
static double run_phase(int kind, long *done_by, long *wrong, double *cpu_ms)
{
	long total = chunks * rows;
	memset(sZ, 0, (size_t)total * sizeof *sZ);
	conctop_mark("phase", kind);
	for (long c = 0; c < chunks; c++) {
		struct job job = {kind, c};
		if (write_all(job_queue[1], &job, sizeof job) != 0)
			return -1;
	}
	double ms = 0, wait_ms = 0;
	*cpu_ms = 0;
	long got = collect(chunks, done_by, &ms, cpu_ms, &wait_ms);
	if (got != chunks)
		return -1;
	*wrong = 0;
	for (long i = 0; i < total; i++)
		if (sZ[i] != sX[i] * sY[i])
			(*wrong)++;
	conctop_mark(kind == JOB_ELEMENT ? "element ms" : "local ms", (long)ms);
	conctop_mark(kind == JOB_ELEMENT ? "element: array_lock waits, us" : "local: array_lock waits, us",
		     (long)(wait_ms * 1000 + 0.5));
	return ms;
}

int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "processes", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (workers < 0) {
		workers = scn_cpus_available();
		if (workers < 2)
			workers = 2;
		if (workers > MAX_WORKERS)
			workers = MAX_WORKERS;
	}
	if (rows < 0)
		rows = 20000;
	scn_name_thread("processes", 0);

	/* One shared mapping: the lock, then X, Y and Z. */
	long total = chunks * rows;
	size_t bytes = sizeof(pthread_mutex_t) + 3 * (size_t)total * sizeof(float);
	void *shm = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	array_lock = shm;
	sX = (float *)(array_lock + 1);
	sY = sX + total;
	sZ = sY + total;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	scn_check(pthread_mutex_init(array_lock, &ma), "pthread_mutex_init");
	pthread_mutexattr_destroy(&ma);

	unsigned seed = 12345; /* the same numbers every run */
	for (long i = 0; i < total; i++) {
		seed = seed * 1103515245u + 12345u;
		sX[i] = (float)(seed >> 8) / (float)(1u << 24);
		seed = seed * 1103515245u + 12345u;
		sY[i] = (float)(seed >> 8) / (float)(1u << 24);
	}

	if (pipe(job_queue) != 0) {
		perror("pipe");
		return 1;
	}
	for (int i = 0; i < workers; i++)
		if (pipe(result_pipe[i]) != 0) {
			perror("pipe");
			return 1;
		}
	/* If every worker died, writing a job would kill us with SIGPIPE; we
	 * would rather see the error (EPIPE) and say what happened. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout); /* nothing buffered may be printed twice */

	pid_t pids[MAX_WORKERS];
	for (int i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			/* Keep only our ends: the queue's read end, our result
			 * pipe's write end. */
			close(job_queue[1]);
			for (int j = 0; j < workers; j++) {
				close(result_pipe[j][0]);
				if (j != i)
					close(result_pipe[j][1]);
			}
			worker_main(i + 1);
		}
	}
	close(job_queue[0]);
	for (int i = 0; i < workers; i++)
		close(result_pipe[i][1]);

	long done_by[MAX_WORKERS] = {0};
	double element_ms = 0, local_ms = 0, element_cpu = 0, local_cpu = 0;
	long wrong_element = 0, wrong_local = 0;
	int lost = 0;
	if (variant != LOCAL)
		lost |= (element_ms = run_phase(JOB_ELEMENT, done_by, &wrong_element,
						&element_cpu)) < 0;
	if (variant != ELEMENT && !lost)
		lost |= (local_ms = run_phase(JOB_LOCAL, done_by, &wrong_local,
					      &local_cpu)) < 0;

	/* Shut down: one stop job per worker, then collect them. */
	for (int i = 0; i < workers; i++) {
		struct job stop = {JOB_STOP, -1};
		write_all(job_queue[1], &stop, sizeof stop);
	}
	close(job_queue[1]);
	if (lost)
		for (int i = 0; i < workers; i++)
			kill(pids[i], SIGKILL);
	int failed = 0;
	for (int i = 0; i < workers; i++) {
		int status;
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	long busy_workers = 0;
	for (int i = 0; i < workers; i++)
		busy_workers += done_by[i] > 0;

	/* The self-check. */
	int ok = !lost && !failed && wrong_element == 0 && wrong_local == 0;
	char line[400];
	int n = snprintf(line, sizeof line, "%ld worker processes (%ld got jobs) "
			 "filled %ld x %ld elements of shared memory",
			 workers, busy_workers, chunks, rows);
	if (lost || failed) {
		n += snprintf(line + n, sizeof line - (size_t)n,
			      ": WRONG: %s", lost ? "results went missing" : "a worker failed");
	} else if (wrong_element || wrong_local) {
		n += snprintf(line + n, sizeof line - (size_t)n,
			      ": WRONG: %ld + %ld elements wrong", wrong_element, wrong_local);
	} else if (variant == BOTH) {
		/* The claim: element by element is at least 3x slower. Other
		 * programs can stretch a phase's elapsed time (a worker waiting
		 * for a CPU); CPU time they cannot, so it decides when elapsed
		 * time says otherwise. */
		double ratio = local_ms > 0 ? element_ms / local_ms : 0;
		double cpu_ratio = local_cpu > 0 ? element_cpu / local_cpu : 0;
		int slower = ratio >= 3 || cpu_ratio >= 3;
		ok = ok && slower;
		n += snprintf(line + n, sizeof line - (size_t)n,
			      ", all right; the workers took %.1f ms element by "
			      "element under array_lock, %.1f ms locally then "
			      "once: %.0fx slower (the notes: 6.17 s vs 0.16 s)",
			      element_ms, local_ms, ratio);
		if (ratio < 3)
			n += snprintf(line + n, sizeof line - (size_t)n,
				      "; in CPU time %.0fx%s", cpu_ratio,
				      slower ? " (other programs held the CPUs)"
					     : " (expected at least 3x!)");
	} else {
		n += snprintf(line + n, sizeof line - (size_t)n,
			      ", all right; the workers took %.1f ms %s",
			      variant == ELEMENT ? element_ms : local_ms,
			      variant == ELEMENT ? "element by element under array_lock"
						 : "locally then once");
	}
	printf("processes: %s\n", line);
	munmap(shm, bytes);
	return ok ? 0 : 1;
}
