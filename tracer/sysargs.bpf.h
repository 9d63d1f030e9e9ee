/* The fallback of attribution from blocking, included by sched.bpf.c:
 * needs its sys_now map and traced_tgid(). */
#ifndef CONCTOP_SYSARGS_BPF_H
#define CONCTOP_SYSARGS_BPF_H

/* ---- the fallback of attribution from blocking, where a switch cannot
 * read the task's registers: the followed system calls' own tracepoints
 * save the traced threads' arguments until the call returns. They fire
 * only for these calls, never for every system call. ---- */

/* A traced thread enters followed system call nr. */
static __always_inline void sys_save(long nr, unsigned long a0, unsigned long a1, unsigned long a2)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sys_args a = { nr, a0, a1, a2 };

	if (!traced_tgid((__s32)tid))
		return;
	bpf_map_update_elem(&sys_now, &tid, &a, BPF_ANY);
}

/* A thread leaves a followed system call. */
static __always_inline void sys_forget(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&sys_now, &tid);
}

#define SYSARGS_PROGS(name)                                                              \
	SEC("tp/syscalls/sys_enter_" #name)                                              \
	int sysargs_enter_##name(struct syscall_trace_enter *ctx)                         \
	{                                                                                \
		sys_save(ctx->nr, BPF_CORE_READ(ctx, args[0]), BPF_CORE_READ(ctx, args[1]), \
			 BPF_CORE_READ(ctx, args[2]));                                    \
		return 1;                                                                \
	}                                                                                \
	SEC("tp/syscalls/sys_exit_" #name)                                               \
	int sysargs_exit_##name(void *ctx)                                               \
	{                                                                                \
		sys_forget();                                                            \
		return 1;                                                                \
	}

SYSARGS_PROGS(futex)
SYSARGS_PROGS(nanosleep)
SYSARGS_PROGS(clock_nanosleep)
SYSARGS_PROGS(wait4)
SYSARGS_PROGS(waitid)
SYSARGS_PROGS(read)
SYSARGS_PROGS(ppoll)
SYSARGS_PROGS(pselect6)
SYSARGS_PROGS(epoll_wait)
SYSARGS_PROGS(epoll_pwait)
SYSARGS_PROGS(accept4)

#endif
