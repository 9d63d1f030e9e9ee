/* conctop's tracer, user side: open -> configure -> load (load.c) -> attach, then
 * drain the ring buffer in batches, put events in time order and hand them
 * on. One cleanup path: tracer_free(). */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "conctop.h"
#include "decode.h"
#include "mem.h"
#include "sched.skel.h"
#include "tracer_int.h"
#include "waits.h"

/* An event is delivered once it is this much older than the moment the
 * drain began: records are committed in reservation order, not time order,
 * so a late-committed one may still arrive within the window. */
#define REORDER_WINDOW_NS (10ull * 1000 * 1000)
/* A flush that finds its CPU's staging area being written is run again
 * this many times at most: the write is a few hundred nanoseconds */
#define STAGE_FLUSH_TRIES 4

static bool libbpf_verbose;

/* libbpf's messages go to stderr only when asked for (-v). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* CLOCK_MONOTONIC in nanoseconds: the clock bpf_ktime_get_ns() reads. */
static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Appends ev to the pending list (drain puts it in order). */
static int pending_add(struct tracer *t, const struct event *ev)
{
	return pending_push(&t->pending, ev);
}

/* Decodes one record into the pending list. An exec is acted on at once
 * (the kernel side wakes us for it): the new program's mappings are read
 * while it runs. */
static int on_one_record(struct tracer *t, const void *data, size_t size)
{
	struct event ev;

	if (decode_record(data, size, t->base_ns, &ev) < 0) {
		t->decode_errors++;
		return 0;
	}
	if (ev.type == EVENT_EXEC && t->attribution) {
		uint64_t gen = 0;

		tracer_snapshot_maps(t, ev.tgid, false); /* its libc is not mapped yet */
		pairmap_get(&t->execs, (uint32_t)ev.tgid, 0, &gen);
		if (pairmap_put(&t->execs, (uint32_t)ev.tgid, 0, gen + 1) ||
		    (t->futex && futex_names_exec(t->futex, ev.tgid)))
			return -ENOMEM;
	} else if (t->futex && futex_names_wants_symbol(&ev) && !futex_names_layout_set(t->futex, ev.tgid)) {
		/* the program's first futex wait: its libc is mapped by now,
		 * and the process likely still alive to show it; the reader
		 * reads the files before the wait is delivered */
		uint64_t gen = 0, seen;

		pairmap_get(&t->execs, (uint32_t)ev.tgid, 0, &gen);
		if (!pairmap_get(&t->snapped, (uint32_t)ev.tgid, gen, &seen)) {
			tracer_snapshot_maps(t, ev.tgid, true);
			if (pairmap_put(&t->snapped, (uint32_t)ev.tgid, gen, 1))
				return -ENOMEM;
		}
	}
	else if (ev.type == EVENT_FORK && ev.tgid2 != ev.tgid && t->attribution)
		tracer_snapshot_maps(t, ev.tgid2, true);
	if (pending_add(t, &ev))
		return -ENOMEM;
	if (decode_record_next(data, size, t->base_ns, &ev))
		return pending_add(t, &ev);
	return 0;
}

/* Ring-buffer callback: one record, or a batch of them (a CPU's staged
 * records); a damaged batch counts as a decode error where it breaks. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	size_t off, n;
	int err;

	if (!decode_is_batch(data, size))
		return on_one_record(t, data, size);
	if (!decode_batch_whole(data, size)) {
		t->decode_errors++;
		return 0;
	}
	for (off = sizeof(struct ct_raw_batch); off < size; off += n) {
		n = decode_batch_item(data, size, off);
		if (!n) {
			t->decode_errors++;
			return 0;
		}
		err = on_one_record(t, (const char *)data + off, n);
		if (err)
			return err;
	}
	return 0;
}

/* Reads the per-CPU lost counters and queues an EVENT_LOST for each CPU
 * whose count grew since the last look. */
static int check_lost(struct tracer *t, uint64_t now)
{
	__u32 zero = 0;
	unsigned cpu;
	int err;

	if (bpf_map__lookup_elem(t->skel->maps.lost, &zero, sizeof(zero), t->lost_buf,
				 sizeof(uint64_t) * t->ncpus, 0))
		return 0;
	for (cpu = 0; cpu < t->ncpus; cpu++) {
		uint64_t n = t->lost_buf[cpu];

		if (n > t->lost_seen[cpu]) {
			struct event ev = { .ts = now, .type = EVENT_LOST, .cpu = cpu };

			ev.arg = (int64_t)(n - t->lost_seen[cpu]);
			t->lost_total += n - t->lost_seen[cpu];
			t->lost_seen[cpu] = n;
			err = pending_add(t, &ev);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Does the tracer's own follow-up work for an event before the caller sees
 * it: markers and libc probes for a program just exec'd or a new process,
 * names for the objects calls and blocks work on, blocks and wakes turned
 * into objects. Returns 1 to deliver ev, 0 to drop it, or a negative error. */
static int follow_event(struct tracer *t, struct event *ev)
{
	int err = 0;

	if (ev->type == EVENT_BLOCK)
		return tracer_follow_block(t, ev);
	if (ev->type == EVENT_WAKING && t->futex)
		futex_names_waking(t->futex, ev);
	if (t->futex && (ev->type == EVENT_THREAD || ev->type == EVENT_FORK)) {
		if (ev->type == EVENT_THREAD ? futex_names_thread(t->futex, ev->tgid, ev->tid)
					     : futex_names_thread(t->futex, ev->tgid2, ev->tid2))
			return -ENOMEM;
	}
	if (t->futex && ev->type == EVENT_EXIT && futex_names_exit(t->futex, ev->tgid, ev->tid))
		return -ENOMEM;
	if (ev->type == EVENT_EXEC && ev->tgid > 0) {
		tracer_attacher_push(t->attacher, t, ev->tgid); /* best effort: it may be gone */
	} else if (ev->type == EVENT_FORK && ev->tgid2 > 0 && ev->tgid2 != ev->tgid) {
		/* uprobes do not follow fork: a new process gets its own */
		tracer_attacher_push(t->attacher, t, ev->tgid2);
		if (t->futex && futex_names_inherit(t->futex, ev->tgid, ev->tgid2))
			return -ENOMEM;
	} else if (ev->type == EVENT_CALL && ev->tgid > 0) {
		unsigned kind = waits_object_kind(ev->op);

		err = tracer_name_at(t, ev, (uint64_t)ev->arg, kind);
		if (!err && kind == OP_KIND_COND)
			err = tracer_name_at(t, ev, (uint64_t)ev->arg2, OP_KIND_MUTEX);
	}
	return err < 0 ? err : 1;
}

/* Delivers pending events with ts < limit, in order. */
static int deliver(struct tracer *t, uint64_t limit)
{
	struct pending *p = &t->pending;
	size_t i, end, n = 0;
	int err = pending_settle(p);

	if (err)
		return err;
	end = p->sorted; /* (what delivering queues waits for the next drain) */
	if (end > p->head && p->ev[p->head].ts < limit)
		tracer_naming_collect(t);
	for (i = p->head; i < end && p->ev[i].ts < limit; i++) {
		struct event *ev = &p->ev[i];

		if (ev->ts < t->delivered_ts) { /* arrived after its window closed */
			ev->ts = t->delivered_ts;
			t->reordered++;
		}
		t->delivered_ts = ev->ts;
		n++;
		err = follow_event(t, ev);
		if (err > 0)
			err = t->fn(ev, t->ctx);
		if (err < 0) {
			i++;
			break;
		}
	}
	pending_consumed(p, i);
	return err < 0 ? err : (int)n;
}

/* Runs flush_stage on cpu (see tracer_int.h), again when it landed in the
 * middle of a write there (an interrupt, with that CPU's interrupts on). */
int tracer_stage_flush_cpu(struct tracer *t, unsigned cpu)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = cpu);
	int e, tries = 0;

	do {
		e = bpf_prog_test_run_opts(bpf_program__fd(t->skel->progs.flush_stage), &o);
	} while (!e && o.retval == 1 && ++tries < STAGE_FLUSH_TRIES);
	return e < 0 ? e : 0; /* still busy: its records come with the next drain */
}

/* Drains the ring buffer and delivers what is older than limit; every
 * CPU's staged records first, so that all written before now are in. */
static int drain(struct tracer *t, uint64_t limit)
{
	unsigned cpu;
	int err;

	for (cpu = 0; t->staged && cpu < t->ncpus; cpu++)
		tracer_stage_flush_cpu(t, cpu); /* an offline CPU has nothing new */
	err = ring_buffer__consume(t->rb);

	if (err < 0)
		return err;
	err = check_lost(t, tracer_now(t));
	if (err)
		return err;
	return deliver(t, limit);
}

/* Waits for the ring buffer, drains it, delivers settled events. */
int tracer_poll(struct tracer *t, int timeout_ms)
{
	int err = ring_buffer__poll(t->rb, timeout_ms);
	uint64_t now = tracer_now(t);

	if (err < 0 && err != -EINTR)
		return err;
	return drain(t, now > REORDER_WINDOW_NS ? now - REORDER_WINDOW_NS : 0);
}

/* Drains and delivers everything: the end of the trace. */
int tracer_flush(struct tracer *t)
{
	return drain(t, UINT64_MAX);
}

/* Whether this process may load tracing BPF programs at all. */
static bool have_bpf_privileges(void)
{
	return geteuid() == 0;
}

/* Runs the calling thread once on each CPU it may use, so that every CPU
 * lane starts known: a CPU idle since before tracing began then switches
 * from idle to conctop and back (kept: an untraced task and the idle task
 * trade places), where otherwise no switch would ever say it is idle, and
 * a CPU that stays idle beside waiting threads would go unseen. Costs a
 * migration per CPU, once. Best effort. */
static void visit_cpus(const struct tracer *t)
{
	cpu_set_t mine, one;
	unsigned c;

	if (sched_getaffinity(0, sizeof(mine), &mine))
		return;
	for (c = 0; c < t->ncpus && c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &mine))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	sched_setaffinity(0, sizeof(mine), &mine);
}

/* Loads and attaches the scheduler programs (see tracer.h). */
int tracer_new(struct tracer **out, const struct tracer_opts *opts, tracer_event_fn fn,
	       void *ctx, char *err, size_t errlen)
{
	struct tracer *t;
	int e, ncpus;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->ctx = ctx;
	t->attr = opts->attribution;
	t->attribution = opts->attribution != TRACER_ATTR_NONE;
	t->calls = opts->attribution == TRACER_ATTR_CALLS;
	pairmap_init(&t->libc_layouts);
	pairmap_init(&t->sym_start);
	pairmap_init(&t->sym_size);
	pairmap_init(&t->execs);
	pairmap_init(&t->snapped);
	if (opts->attribution == TRACER_ATTR_BLOCKS && futex_names_new(&t->futex)) {
		free(t);
		return -ENOMEM;
	}
	libbpf_verbose = opts->verbose;
	pthread_mutex_init(&t->probe_lock, NULL);
	if (elfsym_cache_new(&t->elf) || tracer_attacher_new(&t->attacher, t)) {
		elfsym_cache_free(t->elf);
		pthread_mutex_destroy(&t->probe_lock);
		futex_names_free(t->futex);
		free(t);
		return -ENOMEM;
	}
	libbpf_set_print(libbpf_print);
	if (t->attribution && tracer_reader_new(&t->reader))
		t->reader = NULL; /* no thread: the delivery path reads the files itself */

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		e = ncpus < 0 ? ncpus : -EINVAL;
		snprintf(err, errlen, "cannot count the possible CPUs: %s", strerror(-e));
		goto fail;
	}
	t->ncpus = (unsigned)ncpus;
	t->lost_seen = calloc(t->ncpus, sizeof(uint64_t));
	t->lost_buf = calloc(t->ncpus, sizeof(uint64_t));
	if (!t->lost_seen || !t->lost_buf) {
		e = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	if (opts->ringbuf_bytes && (opts->ringbuf_bytes & (opts->ringbuf_bytes - 1))) {
		e = -EINVAL;
		snprintf(err, errlen, "the ring buffer size must be a power of two");
		goto fail;
	}
	if (opts->mode && strcmp(opts->mode, "tp_btf") && strcmp(opts->mode, "tp")) {
		e = -EINVAL;
		snprintf(err, errlen, "unknown tracer mode '%s': use tp_btf or tp", opts->mode);
		goto fail;
	}
	if (!opts->mode || strcmp(opts->mode, "tp_btf") == 0) {
		e = tracer_load_set(t, opts, true, err, errlen);
		if (e && !opts->mode)
			e = tracer_load_set(t, opts, false, err, errlen);
	} else {
		e = tracer_load_set(t, opts, false, err, errlen);
	}
	if (e) {
		if ((e == -EPERM || e == -EACCES) && !have_bpf_privileges())
			snprintf(err, errlen,
				 "tracing needs CAP_BPF and CAP_PERFMON (and root for the tp tracer, which "
				 "reads /sys/kernel/tracing): run with sudo, or read a recorded trace "
				 "(conctop report FILE)");
		goto fail;
	}

	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_record, t, NULL);
	if (!t->rb) {
		e = -errno;
		snprintf(err, errlen, "cannot set up the ring buffer: %s", strerror(-e));
		goto fail;
	}
	t->base_ns = monotonic_ns();
	visit_cpus(t);
	*out = t;
	return 0;
fail:
	tracer_free(t);
	return e;
}

/* Detaches and frees everything. */
void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	tracer_attacher_free(t->attacher); /* before the links it makes go */
	tracer_detach_probes(t);
	pthread_mutex_destroy(&t->probe_lock);
	tracer_naming_free(t);
	ring_buffer__free(t->rb);
	tracer_unload_set(t);
	pending_done(&t->pending);
	free(t->lost_seen);
	free(t->lost_buf);
	free(t);
}

/* How many symbol files (and glibc versions) were read ahead by the
 * reader thread, and how many on the delivery path because the reader had
 * not got to them yet. */
void tracer_symbol_reads(const struct tracer *t, uint64_t *ahead, uint64_t *delivering)
{
	*ahead = t->reader ? tracer_reader_count(t->reader) : 0;
	*delivering = (t->elf ? elfsym_cache_reads(t->elf) : 0) + t->layouts_read;
}

/* How blocking is attributed. */
const char *tracer_attribution_mode(const struct tracer *t)
{
	if (t->calls)
		return "calls (uprobes)";
	if (!t->attribution)
		return "none";
	return t->block_regs ? "blocks (registers)" : "blocks (system call tracepoints)";
}

/* Which program set was loaded. */
const char *tracer_mode(const struct tracer *t)
{
	return t->mode;
}

/* What a wakeup costs (see tracer.h). */
const char *tracer_wake_mode(const struct tracer *t)
{
	if (t->wake_at_wakeup)
		return "one program run each (sched_wakeup; csd_queue_cpu for those queued on another CPU)";
	return strcmp(t->mode, "tp") ? "two program runs each (sched_waking, sched_wakeup)"
						   : "two records each (sched_waking, sched_wakeup)";
}

/* Whether records are staged per CPU (see tracer.h). */
bool tracer_staged(const struct tracer *t)
{
	return t->staged;
}

/* CLOCK_MONOTONIC at the trace's start. */
uint64_t tracer_base_ns(const struct tracer *t)
{
	return t->base_ns;
}

/* Nanoseconds since the trace's start. */
uint64_t tracer_now(const struct tracer *t)
{
	uint64_t now = monotonic_ns();

	return now > t->base_ns ? now - t->base_ns : 0;
}

/* Events lost in the kernel so far. */
uint64_t tracer_lost(const struct tracer *t)
{
	return t->lost_total;
}

/* Events whose time had to be raised to keep the stream ordered. */
uint64_t tracer_reordered(const struct tracer *t)
{
	return t->reordered;
}

/* The trace's CPU count. */
unsigned tracer_ncpus(const struct tracer *t)
{
	return t->ncpus;
}

/* Reads the name of thread tid of process pid into name (empty if gone). */
static void read_comm(pid_t pid, pid_t tid, char *name, size_t len)
{
	char path[64];
	FILE *f;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(name, (int)len, f))
		name[strcspn(name, "\n")] = '\0';
	fclose(f);
}

/* The state letter /proc shows for thread tid (R, S, D...), or 0. */
static char read_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Queues thread tid's affinity mask (EVENT_AFFINITY) at ts, when it can
 * be read: from user space, as it stands now. */
static int queue_affinity(struct tracer *t, pid_t pid, pid_t tid, uint64_t ts)
{
	uint64_t mask[4096 / 64] = { 0 };
	struct event ev = { .ts = ts, .type = EVENT_AFFINITY, .tid = tid, .tgid = pid };
	size_t i;

	if (sched_getaffinity(tid, sizeof(mask), (cpu_set_t *)mask))
		return 0; /* gone already: its exit will tell */
	ev.arg = (int64_t)mask[0];
	ev.arg2 = (int64_t)mask[1];
	for (i = 2; i < sizeof(mask) / sizeof(mask[0]); i++)
		if (mask[i])
			ev.op = EVENT_AFFINITY_MORE;
	return pending_add(t, &ev);
}

/* Queues, for thread tid found asleep when tracing starts (-p), the block
 * record its switch out would have made, at ts: the
 * system call it sleeps in (/proc/PID/task/TID/syscall: its number and
 * first arguments, as the registers give them) and, for a futex wait, the
 * memory around the word (/proc/PID/mem). A program attached to because
 * it hangs then shows at once what each thread waits on, and a deadlock
 * it is in. Nothing when the file cannot be read or names no followed
 * call. */
static int queue_asleep(struct tracer *t, pid_t pid, pid_t tid, uint64_t ts)
{
	struct event ev = { .ts = ts, .type = EVENT_BLOCK, .tid = tid, .tgid = pid };
	unsigned long long a0 = 0, a1 = 0, a2 = 0;
	uint8_t win[CT_WIN_LEN] = { 0 };
	char path[64], buf[256];
	unsigned have = 0;
	long nr;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %llx %llx %llx", &nr, &a0, &a1, &a2) != 4 || !(ev.op = tracer_syscall_op(nr)))
		return 0; /* "running", or a call not followed */
	ev.tid2 = (int32_t)nr;
	ev.arg = (int64_t)a0;
	if (ev.op == OP_SYS_FUTEX) {
		ev.arg2 = CT_FUTEX_ARG2(a1, a2);
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (a0 >= CT_WIN_BEFORE && pread(fd, win, CT_WIN_BEFORE, (off_t)(a0 - CT_WIN_BEFORE)) == CT_WIN_BEFORE)
				have |= CT_WIN_HAVE_BEFORE;
			if (pread(fd, win + CT_WIN_BEFORE, CT_WIN_LEN - CT_WIN_BEFORE, (off_t)a0) ==
			    CT_WIN_LEN - CT_WIN_BEFORE)
				have |= CT_WIN_HAVE_AFTER;
			close(fd);
		}
		memcpy(ev.text, win, sizeof(win));
	}
	ev.tgid2 = (int32_t)have;
	return pending_add(t, &ev);
}

/* Puts one thread in the traced map and queues its EVENT_THREAD. Returns 1
 * when it was new, 0 when already traced, or -errno. */
static int add_thread(struct tracer *t, pid_t pid, pid_t tid)
{
	int err = tracer_traced_add(t, tid, pid);
	struct event ev = { .type = EVENT_THREAD };

	if (err <= 0)
		return err;
	ev.ts = tracer_now(t);
	ev.tid = tid;
	ev.tgid = pid;
	ev.arg = read_state(pid, tid);
	read_comm(pid, tid, ev.text, sizeof(ev.text));
	if (pending_add(t, &ev) < 0 || queue_affinity(t, pid, tid, ev.ts) < 0)
		return -ENOMEM;
	return 1;
}

/* Queues what each thread of pid asleep now sleeps in (queue_asleep),
 * once every thread is announced: a lock's holder or a joined thread is
 * known as a thread of the process only then. Returns 0 or -ENOMEM. */
static int queue_all_asleep(struct tracer *t, pid_t pid)
{
	char path[64];
	struct dirent *de;
	uint64_t now = tracer_now(t);
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0; /* (gone: its exit tells) */
	while (!err && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (!*end && tid > 0 && read_state(pid, (pid_t)tid) == 'S')
			err = queue_asleep(t, pid, (pid_t)tid, now);
	}
	closedir(d);
	return err < 0 ? -ENOMEM : 0;
}

/* Starts tracing every thread of pid (see tracer.h). Threads are listed
 * again until a pass finds none new, so that a thread created meanwhile by
 * one not yet in the map is not missed. */
int tracer_add_process(struct tracer *t, pid_t pid)
{
	char path[64];
	int round, added = 1, err;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	for (round = 0; added && round < 16; round++) {
		struct dirent *de;
		DIR *d = opendir(path);

		if (!d)
			return errno == ENOENT ? -ESRCH : -errno;
		added = 0;
		while ((de = readdir(d))) {
			char *end;
			long tid = strtol(de->d_name, &end, 10);

			if (*end || tid <= 0)
				continue;
			err = add_thread(t, pid, (pid_t)tid);
			if (err < 0) {
				closedir(d);
				return err;
			}
			added += err;
		}
		closedir(d);
	}
	tracer_attach_libc(t, pid); /* best effort: a static program has no libc */
	if (t->attribution)
		tracer_snapshot_maps(t, pid, true);
	return t->futex ? queue_all_asleep(t, pid) : 0;
}

/* The ring buffer's epoll descriptor. */
int tracer_fd(const struct tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}
