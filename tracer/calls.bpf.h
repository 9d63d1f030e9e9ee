/* Included by sched.bpf.c (one BPF object): the programs of --calls, the
 * per-call attribution. Every pthread and semaphore call of the traced
 * processes (uprobes, the op in the attach cookie) and every system call of
 * the machine (raw_syscalls, filtered to the followed calls of traced
 * threads). Loaded only with --calls: see load.c's choose_programs. */
#ifndef CONCTOP_CALLS_BPF_H
#define CONCTOP_CALLS_BPF_H

/* ---- attribution: the traced processes' libc calls (uprobes, the op in
 * the attach cookie) and their blocking system calls ---- */

/* A record of a call, return or system call of the current thread. */
static __always_inline void on_call(__u16 type, __u32 op, __s64 arg, __s64 arg2)
{
	struct ct_raw_event *e = record_thread(sizeof(*e), type, (__s32)bpf_get_current_pid_tgid(), op, arg, arg2);

	if (e)
		record_submit(e);
}

/* A call's entry and return programs, named enter and ret. The kernel
 * wants two pairs of them: one attached per probe (perf uprobes), one for
 * one multi-uprobe link per process (Linux 6.6+, loaded with the
 * uprobe_multi attach type, which perf-attached uprobes refuse). One such
 * link is removed with one RCU wait instead of one per probe. */
#define CALL_PROGS(enter, ret)                                                                     \
	SEC("uprobe")                                                                              \
	int BPF_KPROBE(enter, void *obj, void *obj2)                                               \
	{                                                                                          \
		on_call(EVENT_CALL, (__u32)bpf_get_attach_cookie(ctx), (__s64)obj, (__s64)obj2);   \
		return 0;                                                                          \
	}                                                                                          \
	SEC("uretprobe")                                                                           \
	int BPF_KRETPROBE(ret, long rc)                                                            \
	{                                                                                          \
		on_call(EVENT_RETURN, (__u32)bpf_get_attach_cookie(ctx), rc, 0);                   \
		return 0;                                                                          \
	}

CALL_PROGS(call_enter, call_return)
CALL_PROGS(call_enter_multi, call_return_multi)

/* The followed system call each traced thread is in: tid -> op. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} in_syscall SEC(".maps");

/* A traced thread enters system call id with first argument arg. */
static __always_inline void on_sys_enter(long id, __s64 arg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 key = (__u32)id, *op;

	/* every system call on the machine comes here: the array lookup first,
	 * so that the hash of traced threads is asked only for followed calls */
	if (id < 0 || id >= CT_SYSCALL_MAX)
		return;
	op = bpf_map_lookup_elem(&syscall_ops, &key);
	if (!op || !*op || !traced_tgid((__s32)tid))
		return;
	bpf_map_update_elem(&in_syscall, &tid, op, BPF_ANY);
	on_call(EVENT_SYSCALL, *op, arg, 0);
}

/* A thread leaves a system call: a record when it was a followed one. */
static __always_inline void on_sys_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *op = bpf_map_lookup_elem(&in_syscall, &tid);
	__u32 kind;

	if (!op)
		return;
	kind = *op;
	bpf_map_delete_elem(&in_syscall, &tid);
	on_call(EVENT_SYSRET, kind, ret, 0);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(btf_sys_enter, struct pt_regs *regs, long id)
{
	on_sys_enter(id, (__s64)PT_REGS_PARM1_CORE_SYSCALL(regs));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_sys_exit, struct pt_regs *regs, long ret)
{
	on_sys_exit(ret);
	return 0;
}

SEC("tp/raw_syscalls/sys_enter")
int tp_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	on_sys_enter(ctx->id, (__s64)ctx->args[0]);
	return 1;
}

SEC("tp/raw_syscalls/sys_exit")
int tp_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	on_sys_exit(ctx->ret);
	return 1;
}

#endif
