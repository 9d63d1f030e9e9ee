// SPDX-License-Identifier: GPL-2.0
/* conctop's kernel side: scheduler tracepoints filtered to the traced
 * threads, written into one ring buffer that user space drains in batches.
 *
 * Each tracepoint has two programs: a tp_btf one (typed task pointers, no
 * tracefs needed) and a classic tp/ one for kernels without tp_btf. User space
 * loads one set or the other; both feed the same handlers below. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "conctop.h"

char LICENSE[] SEC("license") = "GPL";

/* Settings filled in by user space before load. */
const volatile bool follow_forks = true;          /* trace child processes too */
const volatile __u64 wakeup_bytes = 1024 * 1024;  /* wake the reader past this fill */
/* sched_switch passes prev_state as its 4th argument (Linux 5.18+); older
 * kernels only have prev->state, which a concurrent wakeup may have reset. */
const volatile bool switch_has_state_arg = false;
/* Attribution from blocking (the default): at a traced thread's voluntary
 * switch, say what it sleeps in. block_regs: read the system call from the
 * task's saved user registers (tp_btf on x86-64); block_sysargs: from what
 * the sys_enter_* tracepoint programs saved (the fallback). */
const volatile bool block_regs = false;
const volatile bool block_sysargs = false;
const volatile long futex_nr = 202;        /* SYS_futex here */
/* For measuring only (CONCTOP_BPF_FLOOR): the switch and wakeup programs,
 * nearly all of the runs, return at once, so that make bench can tell what
 * having them attached costs from what they do (the verifier drops the
 * test when it is off). Nothing of them is recorded, not even a thread's
 * death (traced keeps dead threads: harmless for a measure). */
const volatile bool floor_only = false;
/* The waker is read at sched_wakeup (or csd_queue_cpu for a wakeup queued
 * on another CPU), sched_waking not attached: see wake.bpf.h. */
const volatile bool wake_at_wakeup = false;

#define CLONE_THREAD_FLAG 0x00010000

/* The ring buffer all records go through; its size is set before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* The traced threads: tid -> tgid (0: not traced), an array indexed by tid
 * (user space sizes it to the kernel's pid_max before load): a lookup is a
 * bounds check and an address, where a hash costs a hash and a bucket walk
 * on every switch and wakeup of the machine. Filled by user space at attach
 * and by the fork handler; an entry is cleared by the thread's last switch.
 * A tid past the array's end (pid_max raised while tracing) goes to
 * traced_big instead. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, __s32);
} traced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __s32);
} traced_big SEC(".maps");

/* Records the ring buffer had no room for, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* The tgid of a traced thread, or 0 when tid is not traced. */
static __always_inline __s32 traced_tgid(__s32 tid)
{
	__u32 key = tid;
	__s32 *tgid;

	if (tid <= 0)
		return 0;
	tgid = bpf_map_lookup_elem(&traced, &key);
	if (!tgid)
		tgid = bpf_map_lookup_elem(&traced_big, &key);
	return tgid ? *tgid : 0;
}

/* Puts thread tid of tgid in the traced set (tgid 0: takes it out). */
static __always_inline void traced_set(__s32 tid, __s32 tgid)
{
	__u32 key = tid;
	__s32 *slot = bpf_map_lookup_elem(&traced, &key);

	if (slot)
		*slot = tgid;
	else if (tgid)
		bpf_map_update_elem(&traced_big, &key, &tgid, BPF_ANY);
	else
		bpf_map_delete_elem(&traced_big, &key);
}

/* How a task is named in a record: its tid when traced, 0 for idle, OTHER. */
static __always_inline __s32 record_tid(__s32 tid, __s32 tgid)
{
	if (tgid > 0)
		return tid;
	return tid == 0 ? 0 : EVENT_TID_OTHER;
}

/* Counts n records that found no room in the ring buffer. */
static __always_inline void count_lost_n(__u32 count)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += count;
}

/* Counts a record that found no room in the ring buffer. */
static __always_inline void count_lost(void)
{
	count_lost_n(1);
}

/* Reserves a record of size bytes and fills its common header. */
static __always_inline struct ct_raw_event *record_new(__u32 size, __u16 type)
{
	struct ct_raw_event *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e) {
		count_lost();
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->type = type;
	e->cpu = bpf_get_smp_processor_id();
	return e;
}

/* A new record of type for traced thread tid, with its op and arguments;
 * NULL when tid is not traced or the buffer is full. */
static __always_inline struct ct_raw_event *record_thread(__u32 size, __u16 type, __s32 tid, __u32 op, __s64 arg,
							   __s64 arg2)
{
	__s32 tgid = traced_tgid(tid);
	struct ct_raw_event *e;

	if (!tgid)
		return NULL;
	e = record_new(size, type);
	if (!e)
		return NULL;
	e->tid = tid;
	e->tgid = tgid;
	e->op = op;
	e->arg = arg;
	e->arg2 = arg2;
	return e;
}

/* The same with a text (a name, a label), zeroed for the caller to fill. */
static __always_inline struct ct_raw_text *record_thread_text(__u16 type, __s32 tid, __s64 arg)
{
	struct ct_raw_text *t = (struct ct_raw_text *)record_thread(sizeof(*t), type, tid, 0, arg, 0);

	if (t)
		__builtin_memset(t->text, 0, sizeof(t->text));
	return t;
}

/* The flags of a submission: wake the reader only once the buffer is
 * filling up, so the tracer does not steal the CPUs it is measuring. */
static __always_inline __u64 submit_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									     : BPF_RB_NO_WAKEUP;
}

/* Publishes a record (see submit_flags). */
static __always_inline void record_submit(void *e)
{
	bpf_ringbuf_submit(e, submit_flags());
}

/* Publishes a record and wakes the reader at once: for the rare events it
 * must act on while the process still lives (an exec: its new mappings). */
static __always_inline void record_submit_now(void *e)
{
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

/* Records staged per CPU and sent in batches. */
#include "stage.bpf.h"

/* The system call a thread sleeps in, as the block record needs it. */
struct sys_args {
	long nr;
	unsigned long a0, a1, a2;
};

/* System call number -> op kind (0: not followed), filled by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CT_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} syscall_ops SEC(".maps");

/* The fallback's saved system call of each traced thread in a followed
 * call: tid -> its arguments (block_sysargs). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct sys_args);
} sys_now SEC(".maps");

/* The processes whose first futex wait since their last exec was seen:
 * that one wakes user space at once, to read the process's mappings (its
 * libc, hence the layout of its objects) while it surely lives. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} futex_seen SEC(".maps");

/* The op kind of system call nr, 0 when it is not followed. */
static __always_inline __u32 syscall_kind(long nr)
{
	__u32 key = (__u32)nr, *op;

	if (nr < 0 || nr >= CT_SYSCALL_MAX)
		return 0;
	op = bpf_map_lookup_elem(&syscall_ops, &key);
	return op ? *op : 0;
}

/* Writes the block record of traced thread tid about to sleep in the
 * system call a (nr < 0: none known). Reads the memory around a futex word;
 * the thread is current here (sched_switch runs on prev's side), so its
 * user memory is the one mapped. */
static __always_inline void emit_block(__s32 tid, __s32 tgid, const struct sys_args *a)
{
	struct ct_raw_block *b;
	__u32 have = 0, key = tgid;
	bool first = false;

	b = (struct ct_raw_block *)record_new(sizeof(*b), EVENT_BLOCK);
	if (!b)
		return;
	b->ev.tid = tid;
	b->ev.tgid = tgid;
	b->ev.tid2 = (__s32)a->nr;
	b->ev.op = syscall_kind(a->nr);
	b->ev.arg = (__s64)a->a0;
	__builtin_memset(b->win, 0, sizeof(b->win));
	if (a->nr == futex_nr) {
		b->ev.arg2 = CT_FUTEX_ARG2(a->a1, a->a2);
		if (!bpf_probe_read_user(b->win, CT_WIN_BEFORE, (void *)(a->a0 - CT_WIN_BEFORE)))
			have |= CT_WIN_HAVE_BEFORE;
		if (!bpf_probe_read_user(b->win + CT_WIN_BEFORE, CT_WIN_LEN - CT_WIN_BEFORE, (void *)a->a0))
			have |= CT_WIN_HAVE_AFTER;
		if (!bpf_map_lookup_elem(&futex_seen, &key)) {
			__u8 one = 1;

			bpf_map_update_elem(&futex_seen, &key, &one, BPF_ANY);
			first = true;
		}
	}
	b->ev.tgid2 = (__s32)have;
	if (first)
		record_submit_now(b);
	else
		record_submit(b);
}

#if defined(__TARGET_ARCH_x86)
/* The system call a task is in, from its saved user registers. */
static __always_inline void regs_args(struct task_struct *p, struct sys_args *a)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(p);

	/* a BTF pointer: plain loads (with CO-RE offsets), no helper calls */
	a->nr = (long)regs->orig_ax;
	a->a0 = regs->di;
	a->a1 = regs->si;
	a->a2 = regs->dx;
}
#endif

/* What traced thread prev (the task p, NULL in tp programs) is about to
 * sleep in: a block record, when attribution from blocking is on. */
static __always_inline void on_block(struct task_struct *p, __s32 prev, __s32 prev_tgid)
{
	struct sys_args a = { .nr = -1 };
	__u32 key = prev;

	if (block_sysargs) {
		struct sys_args *s = bpf_map_lookup_elem(&sys_now, &key);

		if (s)
			a = *s;
	}
#if defined(__TARGET_ARCH_x86)
	else if (block_regs && p) {
		regs_args(p, &a);
	}
#endif
	else {
		return;
	}
	emit_block(prev, prev_tgid, &a);
}

/* Fills switch record e: prev (of prev_tgid, in prev_state) gives this
 * CPU to next (of next_tgid), now. */
static __always_inline void switch_fill(struct ct_raw_switch *e, __s32 prev, __s32 prev_tgid, __s64 prev_state,
					__s32 next, __s32 next_tgid)
{
	e->ts = bpf_ktime_get_ns();
	e->type = EVENT_SWITCH;
	e->cpu = bpf_get_smp_processor_id();
	e->state = (__u32)prev_state;
	e->tid = record_tid(prev, prev_tgid);
	e->tgid = prev_tgid > 0 ? prev_tgid : e->tid;
	e->tid2 = record_tid(next, next_tgid);
	e->tgid2 = next_tgid > 0 ? next_tgid : e->tid2;
}

/* A context switch on this CPU, as a struct ct_raw_switch (32 bytes). Kept
 * when either side is traced, and when an untraced task and the idle task
 * trade places (so CPU lanes can tell idle from another program). p is
 * prev's task (NULL in tp programs). */
static __always_inline void on_switch(struct task_struct *p, __s32 prev, __s64 prev_state, __s32 next)
{
	__s32 prev_tgid, next_tgid;
	struct ct_raw_switch *e;
	struct stage *st;

	if (floor_only) /* (the tp fallback's; the tp_btf program returned already) */
		return;
	prev_tgid = traced_tgid(prev);
	next_tgid = traced_tgid(next);
	if (!prev_tgid && !next_tgid && ((prev == 0) == (next == 0)))
		return;
	if (prev_tgid > 0 && (prev_state & 0xff) && !(prev_state & EVENT_STATE_EXITING))
		on_block(p, prev, prev_tgid);
	st = stage_begin(sizeof(*e));
	if (st) {
		switch_fill(stage_slot(st), prev, prev_tgid, prev_state, next, next_tgid);
		stage_end(st, sizeof(*e), 1);
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			switch_fill(e, prev, prev_tgid, prev_state, next, next_tgid);
			record_submit(e);
		} else {
			count_lost();
		}
	}
	/* dead or zombie: its last switch, recorded or lost (a tid the kernel
	 * reuses must not be taken for the dead thread) */
	if (prev_tgid && (prev_state & EVENT_STATE_EXITING))
		traced_set(prev, 0);
}

/* The futex commands that wake a waiter. */
static __always_inline bool futex_cmd_wakes(__u32 cmd)
{
	return cmd == 1 /* WAKE */ || cmd == 3 /* REQUEUE */ || cmd == 4 /* CMP_REQUEUE */ ||
	       cmd == 5 /* WAKE_OP */ || cmd == 7 /* UNLOCK_PI */ || cmd == 10 /* WAKE_BITSET */;
}

/* Marks waking record e when its traced waker is inside a futex wake: the
 * word it wakes through, and how many it asked to wake (see conctop.h). */
static __always_inline void wake_via(struct ct_raw_event *e, __s32 waker)
{
	struct sys_args a = { .nr = -1 };
	__u32 key = waker, cmd;

	if (block_sysargs) {
		struct sys_args *s = bpf_map_lookup_elem(&sys_now, &key);

		if (s)
			a = *s;
	}
#if defined(__TARGET_ARCH_x86)
	else if (block_regs) {
		regs_args(bpf_get_current_task_btf(), &a);
	}
#endif
	if (a.nr != futex_nr)
		return;
	cmd = (__u32)a.a1 & 0x7f;
	if (!futex_cmd_wakes(cmd))
		return;
	e->op = CT_WAKE_VIA_FUTEX | cmd | ((__u32)(a.a2 > 0xffff ? 0xffff : a.a2) << 16);
	e->arg2 = (__s64)a.a0;
}

#include "irq.bpf.h"

/* Fills WAKING record e: the current task wakes traced thread tid of tgid,
 * last on target_cpu (the subject is the waker, tid2 the woken; with the
 * futex word it wakes through when the waker is traced). In an interrupt
 * the waker is the kernel (tid 0), whichever task it interrupted. */
static __always_inline void waking_fill(struct ct_raw_event *e, __s32 tid, __s32 tgid, __s32 target_cpu)
{
	__s32 waker = in_interrupt_now() ? 0 : (__s32)bpf_get_current_pid_tgid();
	__s32 waker_tgid = traced_tgid(waker);

	e->tid = record_tid(waker, waker_tgid);
	e->tgid = waker_tgid > 0 ? waker_tgid : e->tid;
	e->tid2 = tid;
	e->tgid2 = tgid;
	e->arg = target_cpu;
	if (waker_tgid > 0)
		wake_via(e, waker);
}

/* A wakeup-family event (waking, wakeup, wakeup_new) of thread tid, as a
 * record of its own. */
static __always_inline void on_wake(__u16 type, __s32 tid, __s32 target_cpu)
{
	__s32 tgid;
	struct ct_raw_event *e;

	if (floor_only)
		return;
	tgid = traced_tgid(tid);
	if (!tgid)
		return;
	e = record_new(sizeof(*e), type);
	if (!e)
		return;
	if (type == EVENT_WAKING) {
		waking_fill(e, tid, tgid, target_cpu);
	} else {
		e->tid = tid;
		e->tgid = tgid;
		e->arg = target_cpu;
	}
	record_submit(e);
}

/* Thread tid moves from orig_cpu to dest_cpu. */
static __always_inline void on_migrate(__s32 tid, __s32 orig_cpu, __s32 dest_cpu)
{
	struct ct_raw_event *e = record_thread(sizeof(*e), EVENT_MIGRATE, tid, 0, orig_cpu, dest_cpu);

	if (e)
		record_submit(e);
}

/* The current (traced) thread creates child/child_tgid, named comm; tls is
 * the child's thread pointer (its pthread_t), 0 when unknown. */
static __always_inline void on_fork(__s32 child, __s32 child_tgid, const char *comm, __u64 tls)
{
	__u64 cur = bpf_get_current_pid_tgid();
	__s32 parent = (__s32)cur, parent_tgid = traced_tgid(parent);
	struct ct_raw_text *t;

	if (!parent_tgid || (child_tgid != parent_tgid && !follow_forks))
		return;
	traced_set(child, child_tgid);
	t = (struct ct_raw_text *)record_new(sizeof(*t), EVENT_FORK);
	if (!t)
		return;
	t->ev.tid = parent;
	t->ev.tgid = parent_tgid;
	t->ev.tid2 = child;
	t->ev.tgid2 = child_tgid;
	t->ev.arg = (__s64)tls;
	__builtin_memset(t->text, 0, sizeof(t->text));
	bpf_probe_read_kernel_str(t->text, CT_COMM_LEN, comm);
	record_submit(t);
}

/* A record about the current thread carrying its comm (exit, exec). */
static __always_inline void on_current(__u16 type, __s32 tid, __s64 arg)
{
	struct ct_raw_text *t = record_thread_text(type, tid, arg);

	if (!t)
		return;
	bpf_get_current_comm(t->text, CT_COMM_LEN);
	if (type == EVENT_EXEC)
		record_submit_now(t);
	else
		record_submit(t);
}

/* A thread of a traced process runs a new program; if a non-leader thread
 * did the exec it now has the leader's tid. */
static __always_inline void on_exec(__s32 tid, __s32 old_tid)
{
	__s32 tgid = traced_tgid(old_tid);
	__u32 key;

	if (!tgid)
		tgid = traced_tgid(tid);
	if (!tgid)
		return;
	traced_set(tid, tgid);
	key = tgid;
	bpf_map_delete_elem(&futex_seen, &key); /* a new program: a new libc */
	on_current(EVENT_EXEC, tid, old_tid);
}

/* Thread tid takes a new name. */
static __always_inline void on_rename(__s32 tid, const char *comm)
{
	struct ct_raw_text *t = record_thread_text(EVENT_RENAME, tid, 0);

	if (!t)
		return;
	bpf_probe_read_kernel_str(t->text, CT_COMM_LEN, comm);
	record_submit(t);
}

/* ---- tp_btf programs: typed task pointers, read with plain loads (the
 * verifier makes them fault-safe; CO-RE fixes their offsets), which cost a
 * fraction of a bpf_probe_read_kernel call each ---- */

#include "task.bpf.h"

/* sched_switch: prev gives this CPU to next. */
SEC("tp_btf/sched_switch")
int BPF_PROG(btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	unsigned int st;

	if (floor_only)
		return 0;
	st = switch_has_state_arg ? (unsigned int)ctx[3] : task_state(prev);
	on_switch(prev, prev->pid, report_state(preempt, st, prev), next->pid);
	return 0;
}

#include "wake.bpf.h"

/* sched_wakeup_new: a new task's first wakeup (no waking before it). */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(btf_wakeup_new, struct task_struct *p)
{
	on_wake(EVENT_WAKEUP_NEW, p->pid, task_cpu_of(p));
	return 0;
}

/* The fallback's wakeup programs: a record per event (the tracepoints'
 * records carry pids, which may name a thread past any array). They
 * return 1 (see below). */
#define WAKE_PROGS(event, type)                                                         \
	SEC("tp/sched/sched_" #event)                                                   \
	int tp_##event(struct trace_event_raw_sched_wakeup_template *ctx)               \
	{                                                                               \
		on_wake(type, ctx->pid, ctx->target_cpu);                               \
		return 1;                                                               \
	}

WAKE_PROGS(waking, EVENT_WAKING)
WAKE_PROGS(wakeup, EVENT_WAKEUP)
WAKE_PROGS(wakeup_new, EVENT_WAKEUP_NEW)

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(btf_migrate, struct task_struct *p, int dest_cpu)
{
	on_migrate(p->pid, task_cpu_of(p), dest_cpu);
	return 0;
}

/* x86-64 keeps the thread pointer (glibc's pthread_t) in thread.fsbase. */
struct thread_struct___x86 {
	unsigned long fsbase;
} __attribute__((preserve_access_index));

struct task_struct___x86 {
	struct thread_struct___x86 thread;
} __attribute__((preserve_access_index));

/* A new task's thread pointer, where the architecture tells it; else 0. */
static __always_inline __u64 task_tls(struct task_struct *p)
{
	struct task_struct___x86 *x = (void *)p;

	if (bpf_core_field_exists(x->thread.fsbase))
		return x->thread.fsbase;
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(btf_fork, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child->pid, child->tgid, child->comm, task_tls(child));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(btf_exit, struct task_struct *p)
{
	on_current(EVENT_EXIT, p->pid, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(btf_exec, struct task_struct *p, pid_t old_pid)
{
	on_exec(p->pid, old_pid);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(btf_rename, struct task_struct *task, const char *comm)
{
	on_rename(task->pid, comm);
	return 0;
}

/* A signal sig sent to traced thread tid of tgid by the current task. */
static __always_inline void on_signal(int sig, __s32 tid, __s32 tgid, int result)
{
	__s32 sender = in_interrupt_now() ? 0 : (__s32)bpf_get_current_pid_tgid(), sender_tgid;
	struct ct_raw_event *e;

	if (!traced_tgid(tid))
		return;
	sender_tgid = traced_tgid(sender);
	e = record_new(sizeof(*e), EVENT_SIGNAL);
	if (!e)
		return;
	e->tid = record_tid(sender, sender_tgid);
	e->tgid = sender_tgid > 0 ? sender_tgid : e->tid;
	e->tid2 = tid;
	e->tgid2 = tgid;
	e->arg = sig;
	e->arg2 = result;
	record_submit(e);
}

/* The current (traced) thread takes signal sig; handler: the action's
 * sa_handler (0 default, 1 ignore, else a function). */
static __always_inline void on_signal_deliver(int sig, unsigned long handler)
{
	struct ct_raw_event *e = record_thread(sizeof(*e), EVENT_SIGNAL_DELIVER, (__s32)bpf_get_current_pid_tgid(), 0,
					       sig, handler == 0 ? 0 : handler == 1 ? 2 : 1);

	if (e)
		record_submit(e);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(btf_signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	if (task)
		on_signal(sig, task->pid, task->tgid, result);
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(btf_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	on_signal_deliver(sig, ka ? (unsigned long)ka->sa.sa_handler : 0);
	return 0;
}

/* ---- classic tp/ programs: the fallback. They return 1 so that perf and
 * ftrace still see the events while conctop watches. ---- */

/* A fallback program whose whole work is one call on its tracepoint's
 * record. */
#define TP_ONE_CALL(name, tracepoint, record, call) \
	SEC("tp/" tracepoint)                       \
	int name(record *ctx)                       \
	{                                           \
		call;                               \
		return 1;                           \
	}

TP_ONE_CALL(tp_switch, "sched/sched_switch", struct trace_event_raw_sched_switch,
	    on_switch(NULL, ctx->prev_pid, ctx->prev_state, ctx->next_pid))
TP_ONE_CALL(tp_migrate, "sched/sched_migrate_task", struct trace_event_raw_sched_migrate_task,
	    on_migrate(ctx->pid, ctx->orig_cpu, ctx->dest_cpu))
TP_ONE_CALL(tp_exit, "sched/sched_process_exit", void,
	    on_current(EVENT_EXIT, (__s32)bpf_get_current_pid_tgid(), 0))
TP_ONE_CALL(tp_exec, "sched/sched_process_exec", struct trace_event_raw_sched_process_exec,
	    on_exec(ctx->pid, ctx->old_pid))
TP_ONE_CALL(tp_signal_deliver, "signal/signal_deliver", struct trace_event_raw_signal_deliver,
	    on_signal_deliver(ctx->sig, ctx->sa_handler))

SEC("tp/signal/signal_generate")
int tp_signal(struct trace_event_raw_signal_generate *ctx)
{
	__s32 tid = ctx->pid;

	on_signal(ctx->sig, tid, traced_tgid(tid), ctx->result);
	return 1;
}

/* task_newtask carries the clone flags, which tell a thread from a process. */
SEC("tp/task/task_newtask")
int tp_newtask(struct trace_event_raw_task_newtask *ctx)
{
	__s32 child = ctx->pid;
	__s32 tgid = (ctx->clone_flags & CLONE_THREAD_FLAG) ? (__s32)(bpf_get_current_pid_tgid() >> 32) : child;

	on_fork(child, tgid, ctx->comm, 0);
	return 1;
}

SEC("tp/task/task_rename")
int tp_rename(struct trace_event_raw_task_rename *ctx)
{
	__s32 tid = (__s32)bpf_get_current_pid_tgid();

	if (bpf_core_field_exists(ctx->pid)) /* newer kernels dropped it: always current */
		tid = BPF_CORE_READ(ctx, pid);
	on_rename(tid, ctx->newcomm);
	return 1;
}

/* ---- uprobe: the traced program's conctop_mark(label, value) ---- */

SEC("uprobe")
int BPF_KPROBE(mark, const char *label, long value)
{
	struct ct_raw_text *t = record_thread_text(EVENT_MARK, (__s32)bpf_get_current_pid_tgid(), value);

	if (!t)
		return 0;
	bpf_probe_read_user_str(t->text, sizeof(t->text), label);
	record_submit(t);
	return 0;
}

/* The --calls programs: uprobes on libc calls and raw_syscalls. */
#include "calls.bpf.h"

/* The followed system calls' tracepoints: blocks where registers cannot
 * be read. */
#include "sysargs.bpf.h"

/* The sched_setaffinity programs. */
#include "affinity.bpf.h"
