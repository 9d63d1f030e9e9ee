/* conctop's tracer, user side: open -> configure -> load -> attach, then
 * drain the ring buffer in batches, put events in time order and hand them
 * on. One cleanup path: tracer_free(). */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "conctop.h"
#include "decode.h"
#include "elfsym.h"
#include "futex_names.h"
#include "glibc_sync.h"
#include "pairmap.h"
#include "sched.skel.h"
#include "tracer.h"

#define DEFAULT_RINGBUF (16u << 20)

static int find_libc(pid_t pid, char *out, size_t len);
static void note_process(struct tracer *t, pid_t tgid);
/* An event is delivered once it is this much older than the moment the
 * drain began: records are committed in reservation order, not time order,
 * so a late-committed one may still arrive within the window. */
#define REORDER_WINDOW_NS (10ull * 1000 * 1000)
#define MAX_MARK_LINKS 256
/* The uprobe_multi attach type and its return flag (Linux 6.6; libbpf 1.1's
 * headers predate them). */
#define ATTACH_UPROBE_MULTI 48
#define UPROBE_MULTI_RETURN 1u

/* A marker uprobe attached for one process and one program file. */
struct mark_link {
	struct bpf_link *link;
	pid_t pid;
	dev_t dev;
	ino_t ino;
};

/* A libc function the tracer follows, and whether its return matters. */
struct libc_func {
	const char *name;
	unsigned op;
	bool ret;
};

static const struct libc_func libc_funcs[] = {
	{ "pthread_mutex_lock", OP_MUTEX_LOCK, true },
	{ "pthread_mutex_trylock", OP_MUTEX_TRYLOCK, true },
	{ "pthread_mutex_timedlock", OP_MUTEX_TIMEDLOCK, true },
	{ "pthread_mutex_unlock", OP_MUTEX_UNLOCK, false },
	{ "pthread_cond_wait", OP_COND_WAIT, true },
	{ "pthread_cond_timedwait", OP_COND_TIMEDWAIT, true },
	{ "pthread_cond_clockwait", OP_COND_TIMEDWAIT, true },
	/* returns too: they may wait for the condition's internal lock */
	{ "pthread_cond_signal", OP_COND_SIGNAL, true },
	{ "pthread_cond_broadcast", OP_COND_BROADCAST, true },
	{ "pthread_barrier_wait", OP_BARRIER_WAIT, true },
	{ "sem_wait", OP_SEM_WAIT, true },
	{ "sem_timedwait", OP_SEM_TIMEDWAIT, true },
	{ "sem_clockwait", OP_SEM_TIMEDWAIT, true },
	{ "sem_post", OP_SEM_POST, false },
	{ "pthread_rwlock_rdlock", OP_RWLOCK_RDLOCK, true },
	{ "pthread_rwlock_wrlock", OP_RWLOCK_WRLOCK, true },
	{ "pthread_rwlock_unlock", OP_RWLOCK_UNLOCK, false },
	{ "pthread_join", OP_JOIN, true },
	{ "pthread_spin_lock", OP_SPIN_LOCK, true },
	{ "pthread_spin_unlock", OP_SPIN_UNLOCK, false },
	{ "pthread_create", OP_CREATE, true },
};

/* The blocking system calls followed, by number, and their kind. */
static const struct { long nr; unsigned op; } followed_syscalls[] = {
	{ SYS_read, OP_SYS_READ }, { SYS_pread64, OP_SYS_READ }, { SYS_readv, OP_SYS_READ },
	{ SYS_recvfrom, OP_SYS_READ }, { SYS_recvmsg, OP_SYS_READ },
	{ SYS_write, OP_SYS_WRITE }, { SYS_pwrite64, OP_SYS_WRITE }, { SYS_writev, OP_SYS_WRITE },
	{ SYS_sendto, OP_SYS_WRITE }, { SYS_sendmsg, OP_SYS_WRITE },
	{ SYS_nanosleep, OP_SYS_SLEEP }, { SYS_clock_nanosleep, OP_SYS_SLEEP },
	{ SYS_ppoll, OP_SYS_POLL }, { SYS_pselect6, OP_SYS_POLL }, { SYS_epoll_pwait, OP_SYS_POLL },
#ifdef SYS_poll
	{ SYS_poll, OP_SYS_POLL },
#endif
#ifdef SYS_select
	{ SYS_select, OP_SYS_POLL },
#endif
#ifdef SYS_epoll_wait
	{ SYS_epoll_wait, OP_SYS_POLL },
#endif
#ifdef SYS_epoll_pwait2
	{ SYS_epoll_pwait2, OP_SYS_POLL },
#endif
	{ SYS_futex, OP_SYS_FUTEX },
#ifdef SYS_futex_waitv
	{ SYS_futex_waitv, OP_SYS_FUTEX },
#endif
	{ SYS_accept4, OP_SYS_ACCEPT }, { SYS_connect, OP_SYS_ACCEPT },
#ifdef SYS_accept
	{ SYS_accept, OP_SYS_ACCEPT },
#endif
	{ SYS_wait4, OP_SYS_WAIT }, { SYS_waitid, OP_SYS_WAIT },
};

/* A process whose libc is probed. */
struct libc_probed {
	pid_t pid;
	dev_t dev;
	ino_t ino;
};

/* The mappings of a traced process, read while it lived. */
struct proc_maps {
	pid_t tgid;
	struct elfsym_maps *maps;
};

/* An object already named in the trace (process, address). */
struct named {
	pid_t tgid;
	uint64_t addr;
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

	enum tracer_attribution attr;
	bool attribution;        /* objects are named (blocks or calls) */
	bool calls;              /* libc uprobes and raw_syscalls (--calls) */
	bool block_regs;         /* blocks read from the task's registers */
	struct futex_names *futex;
	struct pairmap libc_layouts; /* (dev, ino) of a libc or program -> 1 + layout known */
	bool multi;              /* multi-uprobe links work here (else one link per probe) */
	int *multi_fds;          /* multi-uprobe link fds */
	size_t nmulti, multi_cap;
	struct elfsym_cache *elf;
	struct bpf_link **links; /* libc uprobes */
	size_t nlinks, links_cap;
	struct libc_probed *probed;
	size_t nprobed, probed_cap;
	struct named *named;     /* open-addressing set */
	size_t named_cap, named_used;
	struct proc_maps *maps;
	size_t nmaps, maps_cap;
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

/* The saved mappings of process tgid, or NULL. */
static struct proc_maps *maps_of(struct tracer *t, pid_t tgid)
{
	size_t i;

	for (i = 0; i < t->nmaps; i++)
		if (t->maps[i].tgid == tgid)
			return &t->maps[i];
	return NULL;
}

/* Reads and keeps the mappings of process tgid (replacing older ones), so
 * its objects can be named after it has gone. Best effort. */
static void snapshot_maps(struct tracer *t, pid_t tgid)
{
	struct proc_maps *pm = maps_of(t, tgid);
	struct elfsym_maps *m;

	if (elfsym_maps_read(&m, tgid))
		return;
	if (!pm) {
		if (t->nmaps == t->maps_cap) {
			size_t cap = t->maps_cap ? t->maps_cap * 2 : 8;
			struct proc_maps *p = realloc(t->maps, cap * sizeof(*p));

			if (!p) {
				elfsym_maps_free(m);
				return;
			}
			t->maps = p;
			t->maps_cap = cap;
		}
		pm = &t->maps[t->nmaps++];
		pm->tgid = tgid;
		pm->maps = NULL;
	}
	elfsym_maps_free(pm->maps);
	pm->maps = m;
}

/* Ring-buffer callback: decodes one record into the pending list. An exec
 * is acted on at once (the kernel side wakes us for it): the new program's
 * mappings are read while it runs. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct event ev;

	if (decode_record(data, size, t->base_ns, &ev) < 0) {
		t->decode_errors++;
		return 0;
	}
	if (ev.type == EVENT_EXEC && t->attribution) {
		snapshot_maps(t, ev.tgid);
		if (t->futex && futex_names_exec(t->futex, ev.tgid))
			return -ENOMEM;
	} else if (t->futex && futex_names_wants_symbol(&ev) && !futex_names_layout_set(t->futex, ev.tgid)) {
		/* the program's first futex wait: its libc is mapped by now,
		 * and the process likely still alive to show it */
		snapshot_maps(t, ev.tgid);
		note_process(t, ev.tgid);
	}
	else if (ev.type == EVENT_FORK && ev.tgid2 != ev.tgid && t->attribution)
		snapshot_maps(t, ev.tgid2);
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

/* Whether (tgid, addr) was named already; marks it named. */
static bool named_before(struct tracer *t, pid_t tgid, uint64_t addr)
{
	size_t i, mask;

	if (t->named_used * 2 >= t->named_cap) {
		size_t cap = t->named_cap ? t->named_cap * 2 : 256, j;
		struct named *n = calloc(cap, sizeof(*n));

		if (!n)
			return true; /* out of memory: name nothing more */
		for (j = 0; j < t->named_cap; j++) {
			if (!t->named[j].tgid)
				continue;
			i = (t->named[j].addr * 0x9e3779b97f4a7c15ull + (uint64_t)t->named[j].tgid) & (cap - 1);
			while (n[i].tgid)
				i = (i + 1) & (cap - 1);
			n[i] = t->named[j];
		}
		free(t->named);
		t->named = n;
		t->named_cap = cap;
	}
	mask = t->named_cap - 1;
	i = (addr * 0x9e3779b97f4a7c15ull + (uint64_t)tgid) & mask;
	while (t->named[i].tgid) {
		if (t->named[i].tgid == tgid && t->named[i].addr == addr)
			return true;
		i = (i + 1) & mask;
	}
	t->named[i] = (struct named){ tgid, addr };
	t->named_used++;
	return false;
}

/* The kind of object an op works on. */
static unsigned object_kind(unsigned op)
{
	switch (op) {
	case OP_MUTEX_LOCK: case OP_MUTEX_TRYLOCK: case OP_MUTEX_TIMEDLOCK: case OP_MUTEX_UNLOCK:
		return OP_KIND_MUTEX;
	case OP_COND_WAIT: case OP_COND_TIMEDWAIT: case OP_COND_SIGNAL: case OP_COND_BROADCAST:
		return OP_KIND_COND;
	case OP_BARRIER_WAIT:
		return OP_KIND_BARRIER;
	case OP_SEM_WAIT: case OP_SEM_TIMEDWAIT: case OP_SEM_POST:
		return OP_KIND_SEM;
	case OP_RWLOCK_RDLOCK: case OP_RWLOCK_WRLOCK: case OP_RWLOCK_UNLOCK:
		return OP_KIND_RWLOCK;
	case OP_SPIN_LOCK: case OP_SPIN_UNLOCK:
		return OP_KIND_SPIN;
	default:
		return OP_NONE;
	}
}

/* Whether the libc (or, for a static program, the program) of process
 * tgid, as its mappings were last read, is a glibc whose layouts
 * glibc_sync knows; remembered per file. */
static bool process_layout_known(struct tracer *t, pid_t tgid)
{
	struct proc_maps *pm = maps_of(t, tgid);
	const char *path = pm && pm->maps ? elfsym_maps_libc(pm->maps) : NULL;
	struct stat st;
	uint64_t v;
	bool known = false;
	int major, minor;

	if (!path || stat(path, &st))
		return false;
	if (pairmap_get(&t->libc_layouts, st.st_dev, st.st_ino, &v))
		return v == 2;
	if (st.st_size > 0 && st.st_size < (64 << 20)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		char *buf = fd >= 0 ? malloc((size_t)st.st_size) : NULL;

		if (buf && read(fd, buf, (size_t)st.st_size) == st.st_size &&
		    glibc_sync_parse_version(buf, (size_t)st.st_size, &major, &minor))
			known = glibc_sync_layout_known(major, minor);
		free(buf);
		if (fd >= 0)
			close(fd);
	}
	pairmap_put(&t->libc_layouts, st.st_dev, st.st_ino, known ? 2 : 1);
	return known;
}

/* Learns what a process runs, for the futex classifier. */
static void note_process(struct tracer *t, pid_t tgid)
{
	if (t->futex)
		futex_names_layout(t->futex, tgid, process_layout_known(t, tgid));
}

/* Delivers the EVENT_OBJECT naming object base of kind (the first time),
 * when it is a variable of the program or a library. */
static int name_at(struct tracer *t, const struct event *ev, uint64_t base, unsigned kind)
{
	struct event obj = { .ts = ev->ts, .type = EVENT_OBJECT, .cpu = ev->cpu };
	struct proc_maps *pm;

	if (!base || !kind || named_before(t, ev->tgid, base))
		return 0;
	pm = maps_of(t, ev->tgid);
	if (!pm || !pm->maps || elfsym_name_address(t->elf, pm->maps, base, obj.text, sizeof(obj.text))) {
		/* a library loaded since, or no snapshot: look again while it runs */
		snapshot_maps(t, ev->tgid);
		pm = maps_of(t, ev->tgid);
		if (!pm || !pm->maps || elfsym_name_address(t->elf, pm->maps, base, obj.text, sizeof(obj.text)))
			return 0; /* not a variable: shown by kind and address */
	}
	obj.tid = ev->tid;
	obj.tgid = ev->tgid;
	obj.arg = (int64_t)base;
	obj.op = kind;
	return t->fn(&obj, t->ctx);
}

/* The data symbol covering addr in process tgid, for the classifier. */
static void symbol_of(struct tracer *t, pid_t tgid, uint64_t addr, struct glibc_symbol *sym)
{
	struct proc_maps *pm = maps_of(t, tgid);
	struct elfsym_hit hit;

	sym->found = false;
	if (!pm || !pm->maps || elfsym_symbol_at(t->elf, pm->maps, addr, &hit)) {
		/* a library loaded since, or no snapshot: look again while it runs */
		snapshot_maps(t, tgid);
		pm = maps_of(t, tgid);
		if (!pm || !pm->maps || elfsym_symbol_at(t->elf, pm->maps, addr, &hit))
			return;
	}
	*sym = (struct glibc_symbol){ true, hit.start, hit.size };
}

/* A block record: what the thread sleeps in, as an EVENT_BLOCK (and the
 * name of the object, first). Returns 1 to deliver it, 0 to drop, or <0. */
static int follow_block(struct tracer *t, struct event *ev)
{
	struct glibc_symbol sym = { 0 };
	int r;

	if (!t->futex)
		return 0;
	if (futex_names_wants_symbol(ev)) {
		if (!futex_names_layout_set(t->futex, ev->tgid))
			note_process(t, ev->tgid);
		symbol_of(t, ev->tgid, (uint64_t)ev->arg, &sym);
	}
	r = futex_names_block(t->futex, ev, &sym);
	if (r <= 0)
		return r;
	r = name_at(t, ev, (uint64_t)ev->arg, ev->op == OP_SYS_FUTEX ? OP_KIND_FUTEX : object_kind(ev->op));
	return r < 0 ? r : 1;
}

/* Does the tracer's own follow-up work for an event before the caller sees
 * it: markers and libc probes for a program just exec'd or a new process,
 * names for the objects calls and blocks work on, blocks and wakes turned
 * into objects. Returns 1 to deliver ev, 0 to drop it, or a negative error. */
static int follow_event(struct tracer *t, struct event *ev)
{
	char path[64];
	int err = 0;

	if (ev->type == EVENT_BLOCK)
		return follow_block(t, ev);
	if (ev->type == EVENT_WAKING && t->futex)
		futex_names_waking(t->futex, ev);
	if (t->futex && (ev->type == EVENT_THREAD || ev->type == EVENT_FORK)) {
		if (ev->type == EVENT_THREAD ? futex_names_thread(t->futex, ev->tgid, ev->tid)
					     : futex_names_thread(t->futex, ev->tgid2, ev->tid2))
			return -ENOMEM;
	}
	if (ev->type == EVENT_EXEC && ev->tgid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/exe", ev->tgid);
		tracer_attach_marks(t, ev->tgid, path); /* best effort: it may be gone */
		tracer_attach_libc(t, ev->tgid);
	} else if (ev->type == EVENT_FORK && ev->tgid2 > 0 && ev->tgid2 != ev->tgid) {
		/* uprobes do not follow fork: a new process gets its own */
		snprintf(path, sizeof(path), "/proc/%d/exe", ev->tgid2);
		tracer_attach_marks(t, ev->tgid2, path);
		tracer_attach_libc(t, ev->tgid2);
		if (t->futex && futex_names_inherit(t->futex, ev->tgid, ev->tgid2))
			return -ENOMEM;
	} else if (ev->type == EVENT_CALL && ev->tgid > 0) {
		unsigned kind = object_kind(ev->op);

		err = name_at(t, ev, (uint64_t)ev->arg, kind);
		if (!err && kind == OP_KIND_COND)
			err = name_at(t, ev, (uint64_t)ev->arg2, OP_KIND_MUTEX);
	}
	return err < 0 ? err : 1;
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
		n++;
		err = follow_event(t, ev);
		if (err > 0)
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

/* Turns autoload on for one program set (tp_btf or tp) and off for the
 * other. The raw_syscalls programs (every system call of the machine) load
 * only for --calls; the followed system calls' own tracepoints only for
 * attribution from blocks where registers cannot be read (sysargs). */
static void choose_programs(struct sched_bpf *skel, bool btf, enum tracer_attribution attr, bool sysargs)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		bool raw_sys = strstr(sec, "raw_syscalls/") || strcmp(sec, "tp_btf/sys_enter") == 0 ||
			       strcmp(sec, "tp_btf/sys_exit") == 0;
		bool per_call = strncmp(sec, "tp/syscalls/", 12) == 0;
		bool on = raw_sys ? attr == TRACER_ATTR_CALLS : true;

		if (per_call)
			bpf_program__set_autoload(prog, attr == TRACER_ATTR_BLOCKS && sysargs);
		else if (strncmp(sec, "tp_btf/", 7) == 0)
			bpf_program__set_autoload(prog, btf && on);
		else if (strncmp(sec, "tp/", 3) == 0)
			bpf_program__set_autoload(prog, !btf && on);
	}
}

/* Fills the system call table the sys_enter program reads. */
static int fill_syscalls(struct tracer *t)
{
	int fd = bpf_map__fd(t->skel->maps.syscall_ops);
	size_t i;

	for (i = 0; i < sizeof(followed_syscalls) / sizeof(followed_syscalls[0]); i++) {
		__u32 key = (__u32)followed_syscalls[i].nr, op = followed_syscalls[i].op;

		if (key < CT_SYSCALL_MAX && bpf_map_update_elem(fd, &key, &op, BPF_ANY))
			return -errno;
	}
	return 0;
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

/* Whether this kernel can load multi-uprobe programs: if it could not, the
 * load fails; the multi programs are then left out and probes are attached
 * one by one. */
static bool multi_load_failed(int e)
{
	return e == -EINVAL || e == -E2BIG || e == -EOPNOTSUPP;
}

/* Whether blocks can be read from the task's registers here: tp_btf on an
 * architecture whose registers the BPF side knows. */
static bool regs_possible(bool btf)
{
#if defined(__x86_64__)
	return btf;
#else
	return false;
#endif
}

/* Opens the BPF object and sets it up for one program set; regs: read
 * blocks from registers; multi: keep the multi-uprobe programs. */
static int open_configured(struct tracer *t, const struct tracer_opts *o, bool btf, bool regs, bool multi)
{
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;
	bool blocks = o->attribution == TRACER_ATTR_BLOCKS;

	t->skel = sched_bpf__open();
	if (!t->skel)
		return -errno;
	t->skel->rodata->follow_forks = !o->no_follow_forks;
	t->skel->rodata->wakeup_bytes = rb / 4;
	t->skel->rodata->switch_has_state_arg = btf && switch_passes_state();
	t->skel->rodata->block_regs = blocks && regs;
	t->skel->rodata->block_sysargs = blocks && !regs;
	t->skel->rodata->futex_nr = SYS_futex;
	bpf_map__set_max_entries(t->skel->maps.events, rb);
	choose_programs(t->skel, btf, o->attribution, blocks && !regs);
	if (multi) {
		bpf_program__set_expected_attach_type(t->skel->progs.call_enter_multi, ATTACH_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(t->skel->progs.call_return_multi, ATTACH_UPROBE_MULTI);
	} else {
		bpf_program__set_autoload(t->skel->progs.call_enter_multi, false);
		bpf_program__set_autoload(t->skel->progs.call_return_multi, false);
	}
	return 0;
}

/* Opens, configures, loads and attaches one program set. A kernel that
 * refuses a part (no multi-uprobes, no bpf_task_pt_regs) gets the set
 * without it. */
static int load_mode(struct tracer *t, const struct tracer_opts *o, bool btf, char *err, size_t errlen)
{
	bool regs = regs_possible(btf), multi = o->attribution == TRACER_ATTR_CALLS;
	int e, tries;

	for (tries = 0; tries < 3; tries++) {
		e = open_configured(t, o, btf, regs, multi);
		if (e) {
			snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-e));
			return e;
		}
		if (!btf)
			tracefs_mount();
		e = sched_bpf__load(t->skel);
		if (!e || !(multi || regs))
			break;
		/* an older kernel: first without multi-uprobes, then with
		 * blocks from the system calls' tracepoints */
		sched_bpf__destroy(t->skel);
		t->skel = NULL;
		if (multi && multi_load_failed(e))
			multi = false;
		else if (regs)
			regs = false;
		else
			break;
	}
	if (e) {
		snprintf(err, errlen, "cannot load the %s BPF programs: %s", btf ? "tp_btf" : "tp",
			 strerror(-e));
		goto fail;
	}
	t->multi = multi;
	t->block_regs = regs && o->attribution == TRACER_ATTR_BLOCKS;
	e = sched_bpf__attach(t->skel);
	if (e) {
		snprintf(err, errlen, "cannot attach the %s BPF programs: %s", btf ? "tp_btf" : "tp",
			 strerror(-e));
		goto fail;
	}
	e = fill_syscalls(t);
	if (e) {
		snprintf(err, errlen, "cannot fill the system call table: %s", strerror(-e));
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
	t->attr = opts->attribution;
	t->attribution = opts->attribution != TRACER_ATTR_NONE;
	t->calls = opts->attribution == TRACER_ATTR_CALLS;
	pairmap_init(&t->libc_layouts);
	if (opts->attribution == TRACER_ATTR_BLOCKS && futex_names_new(&t->futex)) {
		free(t);
		return -ENOMEM;
	}
	libbpf_verbose = opts->verbose;
	if (elfsym_cache_new(&t->elf)) {
		free(t);
		return -ENOMEM;
	}
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

/* BPF_LINK_CREATE's attributes for a multi-uprobe link, laid out as the
 * kernel's union bpf_attr has them. */
struct uprobe_multi_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t pad;
};

/* Creates one multi-uprobe link of prog on the n offsets of path for pid.
 * Returns its fd or -errno. */
static int link_uprobe_multi(int prog_fd, const char *path, pid_t pid, const uint64_t *offsets,
			     const uint64_t *cookies, uint32_t n, bool ret)
{
	struct uprobe_multi_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)prog_fd;
	a.attach_type = ATTACH_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)path;
	a.offsets = (uint64_t)(uintptr_t)offsets;
	a.cookies = (uint64_t)(uintptr_t)cookies;
	a.cnt = n;
	a.multi_flags = ret ? UPROBE_MULTI_RETURN : 0;
	a.pid = (uint32_t)pid;
	fd = syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}

/* Keeps a multi-uprobe link fd. */
static int keep_multi(struct tracer *t, int fd)
{
	if (t->nmulti == t->multi_cap) {
		size_t cap = t->multi_cap ? t->multi_cap * 2 : 16;
		int *p = realloc(t->multi_fds, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->multi_fds = p;
		t->multi_cap = cap;
	}
	t->multi_fds[t->nmulti++] = fd;
	return 0;
}

/* Whether a uprobe can go at file offset off of path: x86 uprobes refuse
 * an instruction with a lock prefix, and glibc's pthread_spin_lock starts
 * with one (so spinning shows only where libc's spin lock can be probed). */
static bool probeable(const char *path, uint64_t off)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned char first = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return true;
	n = pread(fd, &first, 1, (off_t)off);
	close(fd);
	return n != 1 || first != 0xf0;
#else
	(void)path;
	(void)off;
	return true;
#endif
}

/* Attaches every followed libc function of path for pid with two
 * multi-uprobe links (entries, returns). Returns the probes attached or
 * -errno. */
static int attach_libc_multi(struct tracer *t, pid_t pid, const char *path, const struct elfsym *e)
{
	uint64_t off[2][sizeof(libc_funcs) / sizeof(libc_funcs[0])], cookie[2][sizeof(libc_funcs) / sizeof(libc_funcs[0])];
	uint32_t n[2] = { 0, 0 };
	int r, fd, total = 0, err;
	size_t i;

	for (i = 0; i < sizeof(libc_funcs) / sizeof(libc_funcs[0]); i++) {
		uint64_t o;

		if (elfsym_func_offset(e, libc_funcs[i].name, &o) || !probeable(path, o))
			continue;
		for (r = 0; r <= (int)libc_funcs[i].ret; r++) {
			off[r][n[r]] = o;
			cookie[r][n[r]++] = libc_funcs[i].op;
		}
	}
	for (r = 0; r < 2; r++) {
		if (!n[r])
			continue;
		fd = link_uprobe_multi(bpf_program__fd(r ? t->skel->progs.call_return_multi : t->skel->progs.call_enter_multi),
				       path, pid, off[r], cookie[r], n[r], r);
		if (fd < 0)
			return total ? total : fd;
		err = keep_multi(t, fd);
		if (err) {
			close(fd);
			return err;
		}
		total += (int)n[r];
	}
	return total;
}

#define DETACH_THREADS 16

/* A share of the links for one detaching thread. */
struct detach_job {
	struct bpf_link **links;
	size_t n;
};

/* Destroys a share of the links. */
static void *detach_some(void *arg)
{
	struct detach_job *j = arg;
	size_t i;

	for (i = 0; i < j->n; i++)
		bpf_link__destroy(j->links[i]);
	return NULL;
}

/* Destroys the libc uprobe links. Removing a uprobe waits for an RCU
 * grace period (about 0.4 s each on a loaded 2-CPU machine: 12 s for one
 * process's probes one after the other); removed from several threads at
 * once, the waits overlap. */
static void detach_links(struct bpf_link **links, size_t n)
{
	struct detach_job jobs[DETACH_THREADS];
	pthread_t th[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	size_t per = (n + DETACH_THREADS - 1) / DETACH_THREADS, i;

	for (i = 0; i < DETACH_THREADS && per; i++) {
		size_t from = i * per;

		jobs[i].links = links + (from < n ? from : n);
		jobs[i].n = from >= n ? 0 : (n - from < per ? n - from : per);
		if (jobs[i].n && pthread_create(&th[i], NULL, detach_some, &jobs[i]) == 0)
			started[i] = true;
		else if (jobs[i].n)
			detach_some(&jobs[i]);
	}
	for (i = 0; i < DETACH_THREADS; i++)
		if (started[i])
			pthread_join(th[i], NULL);
}

/* Detaches and frees everything. */
void tracer_free(struct tracer *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < t->nmarks; i++)
		bpf_link__destroy(t->marks[i].link);
	detach_links(t->links, t->nlinks);
	free(t->links);
	for (size_t k = 0; k < t->nmulti; k++)
		close(t->multi_fds[k]);
	free(t->multi_fds);
	free(t->probed);
	free(t->named);
	for (size_t k = 0; k < t->nmaps; k++)
		elfsym_maps_free(t->maps[k].maps);
	free(t->maps);
	elfsym_cache_free(t->elf);
	futex_names_free(t->futex);
	pairmap_done(&t->libc_layouts);
	ring_buffer__free(t->rb);
	sched_bpf__destroy(t->skel);
	free(t->pending);
	free(t->lost_seen);
	free(t->lost_buf);
	free(t);
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
	tracer_attach_libc(t, pid); /* best effort: a static program has no libc */
	if (t->attribution)
		snapshot_maps(t, pid);
	return 0;
}

/* Whether the file at path starts like an ELF file. */
static bool is_elf(const char *path)
{
	unsigned char magic[4] = { 0 };
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
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
	if (!is_elf(path))
		return -ENOENT; /* a script: its interpreter is the program */
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

/* Finds the libc that process pid has mapped; 0 or -ENOENT. */
static int find_libc(pid_t pid, char *out, size_t len)
{
	char path[64], line[4096];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/'), *base;

		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		base = strrchr(file, '/') + 1;
		if ((strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0) &&
		    (size_t)snprintf(out, len, "%s", file) < len)
			err = 0;
	}
	fclose(f);
	return err;
}

/* Keeps one more libc uprobe link. */
static int keep_link(struct tracer *t, struct bpf_link *link)
{
	if (t->nlinks == t->links_cap) {
		size_t cap = t->links_cap ? t->links_cap * 2 : 64;
		struct bpf_link **p = realloc(t->links, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->links = p;
		t->links_cap = cap;
	}
	t->links[t->nlinks++] = link;
	return 0;
}

/* Attaches the libc uprobes for process pid (see tracer.h). */
int tracer_attach_libc(struct tracer *t, pid_t pid)
{
	char libc[4096];
	const struct elfsym *e;
	struct stat st;
	size_t i;
	int n = 0, err;

	if (!t->calls)
		return 0;
	err = find_libc(pid, libc, sizeof(libc));
	if (err)
		return err;
	if (stat(libc, &st))
		return -errno;
	for (i = 0; i < t->nprobed; i++)
		if (t->probed[i].pid == pid && t->probed[i].dev == st.st_dev && t->probed[i].ino == st.st_ino)
			return 0;
	e = elfsym_cache_get(t->elf, libc);
	if (!e)
		return -ENOEXEC;
	if (t->nprobed == t->probed_cap) {
		size_t cap = t->probed_cap ? t->probed_cap * 2 : 16;
		struct libc_probed *p = realloc(t->probed, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->probed = p;
		t->probed_cap = cap;
	}
	t->probed[t->nprobed++] = (struct libc_probed){ pid, st.st_dev, st.st_ino };
	if (t->multi) {
		n = attach_libc_multi(t, pid, libc, e);
		if (n > 0)
			return n;
		t->multi = false; /* refused here: one link per probe from now on */
		n = 0;
	}
	for (i = 0; i < sizeof(libc_funcs) / sizeof(libc_funcs[0]); i++) {
		const struct libc_func *fn = &libc_funcs[i];
		uint64_t off;
		int r;

		if (elfsym_func_offset(e, fn->name, &off) || !probeable(libc, off))
			continue; /* an older libc without it, or not probeable */
		for (r = 0; r <= (int)fn->ret; r++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = fn->op, .retprobe = r);
			struct bpf_link *link = bpf_program__attach_uprobe_opts(
				r ? t->skel->progs.call_return : t->skel->progs.call_enter, pid, libc, off, &uo);

			if (!link) {
				err = -errno;
				continue; /* a function its instructions keep unprobed: the rest still tell */
			}
			err = keep_link(t, link);
			if (err) {
				bpf_link__destroy(link);
				return err;
			}
			n++;
		}
	}
	return n ? n : err;
}
