/* conctop's tracer, user side: open -> configure -> load -> attach, then
 * drain the ring buffer in batches, put events in time order and hand them
 * on. One cleanup path: tracer_free(). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "conctop.h"
#include "decode.h"
#include "sched.skel.h"
#include "tracer.h"

#define DEFAULT_RINGBUF (16u << 20)
/* An event is delivered once it is this much older than the moment the
 * drain began: records are committed in reservation order, not time order,
 * so a late-committed one may still arrive within the window. */
#define REORDER_WINDOW_NS (10ull * 1000 * 1000)
#define MAX_MARK_LINKS 256

/* A marker uprobe attached for one process and one program file. */
struct mark_link {
	struct bpf_link *link;
	pid_t pid;
	dev_t dev;
	ino_t ino;
};

struct tracer {
	struct sched_bpf *skel;
	struct ring_buffer *rb;
	const char *mode;
	uint64_t base_ns;
	unsigned ncpus;
	tracer_event_fn fn;
	void *ctx;
	bool verbose;

	/* events drained but not yet delivered, sorted by ts */
	struct event *pending;
	size_t npending, cap;
	uint64_t delivered_ts; /* ts of the last delivered event */
	uint64_t reordered;
	int decode_errors;

	uint64_t *lost_seen; /* per CPU, as last reported */
	uint64_t *lost_buf;
	uint64_t lost_total;

	struct mark_link marks[MAX_MARK_LINKS];
	unsigned nmarks;
};

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

/* Inserts ev into the pending list, keeping it sorted by time (records are
 * nearly in order, so this is a short walk from the end). */
static int pending_add(struct tracer *t, const struct event *ev)
{
	size_t i;

	if (t->npending == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		struct event *p = realloc(t->pending, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->pending = p;
		t->cap = cap;
	}
	i = t->npending;
	while (i > 0 && t->pending[i - 1].ts > ev->ts) {
		t->pending[i] = t->pending[i - 1];
		i--;
	}
	t->pending[i] = *ev;
	t->npending++;
	return 0;
}

/* Ring-buffer callback: decodes one record into the pending list. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct event ev;

	if (decode_record(data, size, t->base_ns, &ev) < 0) {
		t->decode_errors++;
		return 0;
	}
	return pending_add(t, &ev);
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

/* Hands the tracer's own follow-up work for an event (markers of a program
 * that was just exec'd) before the caller sees it. */
static void follow_event(struct tracer *t, const struct event *ev)
{
	char path[64];

	if (ev->type != EVENT_EXEC || ev->tgid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/exe", ev->tgid);
	tracer_attach_marks(t, ev->tgid, path); /* best effort: it may be gone */
}

/* Delivers pending events with ts < limit, in order. */
static int deliver(struct tracer *t, uint64_t limit)
{
	size_t i, n = 0;
	int err = 0;

	for (i = 0; i < t->npending && t->pending[i].ts < limit; i++) {
		struct event *ev = &t->pending[i];

		if (ev->ts < t->delivered_ts) { /* arrived after its window closed */
			ev->ts = t->delivered_ts;
			t->reordered++;
		}
		t->delivered_ts = ev->ts;
		follow_event(t, ev);
		n++;
		err = t->fn(ev, t->ctx);
		if (err < 0) {
			i++;
			break;
		}
	}
	memmove(t->pending, t->pending + i, (t->npending - i) * sizeof(*t->pending));
	t->npending -= i;
	return err < 0 ? err : (int)n;
}

/* Drains the ring buffer and delivers what is older than limit. */
static int drain(struct tracer *t, uint64_t limit)
{
	int err = ring_buffer__consume(t->rb);

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

/* Makes sure tracefs is mounted: classic tp/ programs look up tracepoint
 * ids there. */
static void tracefs_mount(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

/* Turns autoload on for one program set (tp_btf or tp) and off for the other. */
static void choose_programs(struct sched_bpf *skel, bool btf)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);

		if (strncmp(sec, "tp_btf/", 7) == 0)
			bpf_program__set_autoload(prog, btf);
		else if (strncmp(sec, "tp/", 3) == 0)
			bpf_program__set_autoload(prog, !btf);
	}
}

/* Whether this kernel's sched_switch tracepoint passes prev_state as an
 * argument: its BTF prototype then has 5 parameters (with the hidden
 * __data first). */
static bool switch_passes_state(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	bool yes = false;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id > 0) {
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type); /* pointer */
		if (t && btf_is_ptr(t))
			t = btf__type_by_id(btf, t->type);
		yes = t && btf_is_func_proto(t) && btf_vlen(t) >= 5;
	}
	btf__free(btf);
	return yes;
}

/* Opens, configures, loads and attaches one program set. */
static int load_mode(struct tracer *t, const struct tracer_opts *o, bool btf, char *err, size_t errlen)
{
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;
	int e;

	t->skel = sched_bpf__open();
	if (!t->skel) {
		e = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-e));
		return e;
	}
	t->skel->rodata->follow_forks = !o->no_follow_forks;
	t->skel->rodata->wakeup_bytes = rb / 4;
	t->skel->rodata->switch_has_state_arg = btf && switch_passes_state();
	bpf_map__set_max_entries(t->skel->maps.events, rb);
	choose_programs(t->skel, btf);
	if (!btf)
		tracefs_mount();
	e = sched_bpf__load(t->skel);
	if (e) {
		snprintf(err, errlen, "cannot load the %s BPF programs: %s", btf ? "tp_btf" : "tp",
			 strerror(-e));
		goto fail;
	}
	e = sched_bpf__attach(t->skel);
	if (e) {
		snprintf(err, errlen, "cannot attach the %s BPF programs: %s", btf ? "tp_btf" : "tp",
			 strerror(-e));
		goto fail;
	}
	t->mode = btf ? "tp_btf" : "tp";
	return 0;
fail:
	sched_bpf__destroy(t->skel);
	t->skel = NULL;
	return e;
}

/* Whether this process may load tracing BPF programs at all. */
static bool have_bpf_privileges(void)
{
	return geteuid() == 0;
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
	libbpf_verbose = opts->verbose;
	libbpf_set_print(libbpf_print);

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
		e = load_mode(t, opts, true, err, errlen);
		if (e && !opts->mode)
			e = load_mode(t, opts, false, err, errlen);
	} else {
		e = load_mode(t, opts, false, err, errlen);
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
	*out = t;
	return 0;
fail:
	tracer_free(t);
	return e;
}

/* Detaches and frees everything. */
void tracer_free(struct tracer *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < t->nmarks; i++)
		bpf_link__destroy(t->marks[i].link);
	ring_buffer__free(t->rb);
	sched_bpf__destroy(t->skel);
	free(t->pending);
	free(t->lost_seen);
	free(t->lost_buf);
	free(t);
}

/* Which program set was loaded. */
const char *tracer_mode(const struct tracer *t)
{
	return t->mode;
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

/* Puts one thread in the traced map and queues its EVENT_THREAD. Returns 1
 * when it was new, 0 when already traced, or -errno. */
static int add_thread(struct tracer *t, pid_t pid, pid_t tid)
{
	int map = bpf_map__fd(t->skel->maps.traced);
	__u32 key = (__u32)tid;
	__s32 tgid = pid;
	struct event ev = { .type = EVENT_THREAD };

	if (bpf_map_update_elem(map, &key, &tgid, BPF_NOEXIST)) {
		if (errno == EEXIST)
			return 0;
		return -errno;
	}
	ev.ts = tracer_now(t);
	ev.tid = tid;
	ev.tgid = pid;
	ev.arg = read_state(pid, tid);
	read_comm(pid, tid, ev.text, sizeof(ev.text));
	return pending_add(t, &ev) < 0 ? -ENOMEM : 1;
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
	return 0;
}

/* Attaches the conctop_mark uprobe for pid in the program at path. */
int tracer_attach_marks(struct tracer *t, pid_t pid, const char *path)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "conctop_mark");
	struct bpf_link *link;
	struct stat st;
	unsigned i;

	if (stat(path, &st))
		return -errno;
	for (i = 0; i < t->nmarks; i++)
		if (t->marks[i].pid == pid && t->marks[i].dev == st.st_dev && t->marks[i].ino == st.st_ino)
			return 1;
	if (t->nmarks == MAX_MARK_LINKS)
		return -ENOSPC;
	link = bpf_program__attach_uprobe_opts(t->skel->progs.mark, pid, path, 0, &uo);
	if (!link)
		return -errno;
	t->marks[t->nmarks++] = (struct mark_link){ link, pid, st.st_dev, st.st_ino };
	return 0;
}
