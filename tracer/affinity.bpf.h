/* Included by sched.bpf.c: the programs that follow sched_setaffinity
 * naming a traced thread. Uses its maps and helpers (traced_tgid,
 * record_thread, record_submit). */

/* ---- affinity: sched_setaffinity naming a traced thread, from that
 * system call's own tracepoints (they fire for this call alone, never on
 * the scheduler's path). User space reads the masks of the threads it
 * finds at attach; threads created later start with their creator's. ---- */

/* A sched_setaffinity in flight, by the calling thread: the thread it
 * names and the mask it asks for (CPUs 0-127, and whether any from 128). */
struct affinity_call {
	__s32 tid;
	__u32 more;
	__u64 bits[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct affinity_call);
} affinity_now SEC(".maps");

#define AFFINITY_REST 112 /* bytes of a mask after the first 16 looked at: 1024 CPUs */

/* Whether the len bytes of a user mask after its first 16 hold a set bit. */
static __always_inline __u32 mask_rest_set(const char *ptr, unsigned long len)
{
	__u64 rest[AFFINITY_REST / 8] = {};
	__u64 any = 0;
	unsigned long n;
	int i;

	if (len <= 16)
		return 0;
	n = len - 16;
	if (n > AFFINITY_REST)
		n = AFFINITY_REST;
	if (bpf_probe_read_user(rest, n & 0x7f, ptr + 16))
		return 0;
	for (i = 0; i < AFFINITY_REST / 8; i++)
		any |= rest[i];
	return any != 0;
}

SEC("tp/syscalls/sys_enter_sched_setaffinity")
int affinity_enter(struct syscall_trace_enter *ctx)
{
	__u32 caller = (__u32)bpf_get_current_pid_tgid();
	__s32 tid = (__s32)BPF_CORE_READ(ctx, args[0]);
	unsigned long len = BPF_CORE_READ(ctx, args[1]);
	const char *ptr = (const char *)BPF_CORE_READ(ctx, args[2]);
	struct affinity_call a = {};
	unsigned long n = len < 16 ? len : 16;

	a.tid = tid ? tid : (__s32)caller;
	if (!traced_tgid(a.tid) || n == 0 || n > 16)
		return 1;
	if (bpf_probe_read_user(a.bits, n, ptr))
		return 1;
	a.more = mask_rest_set(ptr, len);
	bpf_map_update_elem(&affinity_now, &caller, &a, BPF_ANY);
	return 1;
}

/* The thread's mask as the kernel keeps it: the one asked for cut to the
 * CPUs its cpuset allows. Read when the thread set its own. */
static __always_inline void task_mask(struct affinity_call *a)
{
	struct task_struct *p = (struct task_struct *)bpf_get_current_task();

	if (!bpf_core_field_exists(p->cpus_mask))
		return;
	a->bits[0] = BPF_CORE_READ(p, cpus_mask.bits[0]);
	if (bpf_core_type_size(cpumask_t) >= 16)
		a->bits[1] = BPF_CORE_READ(p, cpus_mask.bits[1]);
}

SEC("tp/syscalls/sys_exit_sched_setaffinity")
int affinity_exit(struct syscall_trace_exit *ctx)
{
	__u32 caller = (__u32)bpf_get_current_pid_tgid();
	struct affinity_call *saved = bpf_map_lookup_elem(&affinity_now, &caller), a;
	struct ct_raw_event *e;

	if (!saved)
		return 1;
	a = *saved;
	bpf_map_delete_elem(&affinity_now, &caller);
	if (BPF_CORE_READ(ctx, ret) != 0)
		return 1;
	if (a.tid == (__s32)caller)
		task_mask(&a);
	e = record_thread(sizeof(*e), EVENT_AFFINITY, a.tid, a.more ? EVENT_AFFINITY_MORE : 0, (__s64)a.bits[0],
			  (__s64)a.bits[1]);
	if (e)
		record_submit(e);
	return 1;
}
