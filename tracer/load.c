/* Choosing, configuring, loading and attaching the BPF programs: one
 * program set (tp_btf or tp), and within it what the attribution mode
 * needs, with a fallback where the kernel refuses a part. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "conctop.h"
#include "sched.skel.h"
#include "tracer_int.h"

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
	{ SYS_rt_sigsuspend, OP_SYS_SIGWAIT }, { SYS_rt_sigtimedwait, OP_SYS_SIGWAIT },
#ifdef SYS_pause
	{ SYS_pause, OP_SYS_SIGWAIT },
#endif
};

/* The kind of system call nr when it is followed (see tracer_int.h). */
unsigned tracer_syscall_op(long nr)
{
	for (size_t i = 0; i < sizeof(followed_syscalls) / sizeof(followed_syscalls[0]); i++)
		if (followed_syscalls[i].nr == nr)
			return followed_syscalls[i].op;
	return 0;
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

		if (strstr(sec, "sched_setaffinity")) /* either set; attached apart (attach_affinity) */
			bpf_program__set_autoattach(prog, false);
		else if (strcmp(sec, "raw_tp") == 0) /* flush_stage: run, never attached */
			bpf_program__set_autoattach(prog, false);
		else if (per_call)
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

/* What the kernel's BTF says of two tracepoints: whether sched_switch
 * passes prev_state as an argument (its prototype then has 5 parameters,
 * with the hidden __data first: Linux 5.18 on), and whether csd_queue_cpu
 * exists (Linux 6.5 on), which a wakeup needs to cost one program run. */
static void kernel_tracepoints(bool *switch_state, bool *csd_queue)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id;

	*switch_state = *csd_queue = false;
	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id > 0) {
		t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type); /* pointer */
		if (t && btf_is_ptr(t))
			t = btf__type_by_id(btf, t->type);
		*switch_state = t && btf_is_func_proto(t) && btf_vlen(t) >= 5;
	}
	*csd_queue = btf__find_by_name_kind(btf, "btf_trace_csd_queue_cpu", BTF_KIND_TYPEDEF) > 0;
	btf__free(btf);
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

/* The size of the traced array: one slot per possible tid (the kernel's
 * pid_max), at most 4 Mi (its limit: 16 MiB); a tid past it (pid_max raised
 * while tracing) goes to the small hash beside it. */
static __u32 traced_slots(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	long n = 0;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	if (n < 32768)
		n = 32768;
	return n > (4L << 20) ? (4u << 20) : (__u32)n;
}

/* Puts thread tid of process tgid in the traced set. Returns 1 when it was
 * new, 0 when already traced, or -errno. */
int tracer_traced_add(struct tracer *t, pid_t tid, pid_t tgid)
{
	int arr = bpf_map__fd(t->skel->maps.traced), big = bpf_map__fd(t->skel->maps.traced_big);
	__u32 key = (__u32)tid;
	__s32 v = 0, val = tgid;

	if (key < bpf_map__max_entries(t->skel->maps.traced)) {
		if (bpf_map_lookup_elem(arr, &key, &v))
			return -errno;
		if (v)
			return 0;
		return bpf_map_update_elem(arr, &key, &val, BPF_ANY) ? -errno : 1;
	}
	if (bpf_map_update_elem(big, &key, &val, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;
	return 1;
}

/* Opens the BPF object and sets it up for one program set; regs: read
 * blocks from registers; multi: keep the multi-uprobe programs; wake_one:
 * one program run a wakeup (tp_btf, see wake.bpf.h). */
static int open_configured(struct tracer *t, const struct tracer_opts *o, bool btf, bool regs, bool multi,
			   bool switch_state, bool wake_one)
{
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;
	bool blocks = o->attribution == TRACER_ATTR_BLOCKS;
	__u32 slots = traced_slots();

	t->skel = sched_bpf__open();
	if (!t->skel)
		return -errno;
	t->skel->rodata->follow_forks = !o->no_follow_forks;
	t->skel->rodata->wakeup_bytes = rb / 4;
	t->skel->rodata->stage_limit = rb / 64 < CT_STAGE_BYTES ? (__u32)(rb / 64) : CT_STAGE_BYTES;
	t->skel->rodata->switch_has_state_arg = btf && switch_state;
	t->skel->rodata->wake_at_wakeup = btf && wake_one;
	t->skel->rodata->block_regs = blocks && regs;
	t->skel->rodata->block_sysargs = blocks && !regs;
	t->skel->rodata->futex_nr = SYS_futex;
	t->skel->rodata->floor_only = o->floor_only;
	bpf_map__set_max_entries(t->skel->maps.events, rb);
	bpf_map__set_max_entries(t->skel->maps.traced, slots);
	/* kept wakings are the tp_btf programs' alone */
	bpf_map__set_max_entries(t->skel->maps.wake_kept, !btf ? 1 : slots > 65536 ? 65536 : slots);
	if (!(btf && wake_one))
		bpf_map__set_max_entries(t->skel->maps.wake_kept_big, 1);
	choose_programs(t->skel, btf, o->attribution, blocks && !regs);
	bpf_program__set_autoload(t->skel->progs.btf_waking, btf && !wake_one);
	bpf_program__set_autoload(t->skel->progs.btf_csd_queue, btf && wake_one);
	if (o->strict_alignment) {
		struct bpf_program *p;

		bpf_object__for_each_program(p, t->skel->obj)
			bpf_program__set_flags(p, bpf_program__flags(p) | BPF_F_STRICT_ALIGNMENT);
	}
	if (multi) {
		bpf_program__set_expected_attach_type(t->skel->progs.call_enter_multi, ATTACH_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(t->skel->progs.call_return_multi, ATTACH_UPROBE_MULTI);
	} else {
		bpf_program__set_autoload(t->skel->progs.call_enter_multi, false);
		bpf_program__set_autoload(t->skel->progs.call_return_multi, false);
	}
	return 0;
}

/* Attaches the sched_setaffinity programs. A kernel without system call
 * tracepoints goes on without them: the masks read at attach stand. */
static void attach_affinity(struct tracer *t)
{
	struct sched_bpf *k = t->skel;

	k->links.affinity_enter = bpf_program__attach(k->progs.affinity_enter);
	k->links.affinity_exit = k->links.affinity_enter ? bpf_program__attach(k->progs.affinity_exit) : NULL;
	t->affinity_live = k->links.affinity_enter && k->links.affinity_exit;
	if (!t->affinity_live) {
		bpf_link__destroy(k->links.affinity_enter);
		k->links.affinity_enter = NULL;
	}
}

/* Turns on the staging of the hot records (stage.bpf.h) when flush_stage
 * can be run on a chosen CPU (Linux 5.10 on); else, or with no_staging,
 * they are written directly, one reservation each. */
static void stage_enable(struct tracer *t, const struct tracer_opts *o)
{
	int cpu = sched_getcpu(); /* one surely online */

	if (o->no_staging || cpu < 0 || tracer_stage_flush_cpu(t, (unsigned)cpu))
		return;
	t->skel->bss->stage_on = true;
	t->staged = true;
}

/* The links a detaching thread takes from, one at a time. */
struct link_pool {
	struct bpf_link **links;
	size_t n, next;
	pthread_mutex_t lock;
};

/* One detaching thread: destroys links until none is left. */
static void *detach_worker(void *arg)
{
	struct link_pool *p = arg;

	for (;;) {
		struct bpf_link *l = NULL;

		pthread_mutex_lock(&p->lock);
		if (p->next < p->n)
			l = p->links[p->next++];
		pthread_mutex_unlock(&p->lock);
		if (!l)
			return NULL;
		bpf_link__destroy(l);
	}
}

/* Detaches every program of the set, several at a time. A tp set's
 * links are perf events, and closing one waits for the tracepoint's
 * grace periods (about 55 ms here): its 40 links, one after another,
 * kept the recorder 2.3 s after the program's end. Closed from
 * DETACH_THREADS threads at once, the waits overlap. */
#define DETACH_THREADS 4
static void detach_links(struct sched_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	struct bpf_link *links[256];
	struct link_pool pool = { .links = links, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[DETACH_THREADS];
	int i, started = 0;

	for (i = 0; s && i < s->prog_cnt && pool.n < sizeof(links) / sizeof(links[0]); i++) {
		if (s->progs[i].link && *s->progs[i].link) {
			links[pool.n++] = *s->progs[i].link;
			*s->progs[i].link = NULL;
		}
	}
	while (started + 1 < DETACH_THREADS && (size_t)started + 1 < pool.n && /* (and this one) */
	       pthread_create(&th[started], NULL, detach_worker, &pool) == 0)
		started++;
	detach_worker(&pool); /* this thread too, and alone when none started */
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&pool.lock);
}

/* Detaches and frees a program set (NULL: nothing). */
void tracer_unload_set(struct tracer *t)
{
	if (!t->skel)
		return;
	detach_links(t->skel);
	sched_bpf__destroy(t->skel);
	t->skel = NULL;
}

/* Opens, configures, loads and attaches one program set. A kernel that
 * refuses a part (no multi-uprobes, no csd_queue_cpu program, no
 * bpf_task_pt_regs) gets the set without it. */
int tracer_load_set(struct tracer *t, const struct tracer_opts *o, bool btf, char *err, size_t errlen)
{
	bool regs = regs_possible(btf), multi = o->attribution == TRACER_ATTR_CALLS, switch_state = false;
	bool wake_one = false, wake_first;
	int e, tries;

	if (btf)
		kernel_tracepoints(&switch_state, &wake_one);
	wake_one = wake_first = wake_one && !o->waking_program;
	for (tries = 0; tries < 5; tries++) {
		e = open_configured(t, o, btf, regs, multi, switch_state, wake_one);
		if (e) {
			snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-e));
			return e;
		}
		if (!btf)
			tracefs_mount();
		e = sched_bpf__load(t->skel);
		if (!e || !(multi || regs || wake_one))
			break;
		/* an older kernel: first without multi-uprobes, then with
		 * two programs a wakeup, then with blocks from the system
		 * calls' tracepoints (and one program a wakeup again) */
		sched_bpf__destroy(t->skel);
		t->skel = NULL;
		if (multi && multi_load_failed(e)) {
			multi = false;
		} else if (wake_one) {
			wake_one = false;
		} else if (regs) {
			regs = false;
			wake_one = wake_first;
		} else {
			break;
		}
	}
	if (e) {
		snprintf(err, errlen, "cannot load the %s BPF programs: %s", btf ? "tp_btf" : "tp",
			 strerror(-e));
		goto fail;
	}
	t->multi = multi;
	t->wake_at_wakeup = wake_one;
	t->block_regs = regs && o->attribution == TRACER_ATTR_BLOCKS;
	e = sched_bpf__attach(t->skel);
	if (e) {
		snprintf(err, errlen, "cannot attach the %s BPF programs: %s", btf ? "tp_btf" : "tp",
			 strerror(-e));
		goto fail;
	}
	attach_affinity(t);
	stage_enable(t, o);
	e = fill_syscalls(t);
	if (e) {
		snprintf(err, errlen, "cannot fill the system call table: %s", strerror(-e));
		goto fail;
	}
	t->mode = btf ? "tp_btf" : "tp";
	return 0;
fail:
	tracer_unload_set(t);
	t->staged = false;
	t->wake_at_wakeup = false;
	return e;
}
