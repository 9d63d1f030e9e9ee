/* Included by sched.bpf.c: how deep each CPU is in interrupts, so that a
 * waking or a signal sent inside one names the kernel, not the task it
 * interrupted (waking_fill, on_signal). Both program sets have its
 * programs: tp_btf, and the classic tp/ ones of the fallback (which return
 * 1, as the others there do). */

/* How deep each CPU is in interrupts (device handlers, softirqs, hrtimer
 * callbacks) as their tracepoints say: a waking or a signal inside one is
 * the kernel's (a timer's, a device's), not the task's it interrupted.
 * (The preempt count says it directly, but it is a per-CPU variable a BPF
 * program can only address through kallsyms, which kernels built without
 * CONFIG_KALLSYMS_ALL do not list.) The exit programs come first, so they
 * are attached first: no entry is seen without its exit. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} irq_depth SEC(".maps");

#define IRQ_DEPTH_MAX 64 /* (nesting is a few levels: a bound against any drift) */

/* One interrupt level in (in) or out on this CPU. */
static __always_inline void irq_step(bool in)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&irq_depth, &zero);

	if (!n)
		return;
	if (in && *n < IRQ_DEPTH_MAX)
		(*n)++;
	else if (!in && *n)
		(*n)--; /* (an exit whose entry came before the attach is none) */
}

/* Whether this CPU runs an interrupt now. */
static __always_inline bool in_interrupt_now(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&irq_depth, &zero);

	return n && *n;
}

/* The levels' programs, one per tracepoint and program set (the classic
 * tp/ ones return 1, as the fallback's others do), from one list: exits
 * first, so attached first (see irq_depth). */
#define IRQ_TRACEPOINTS(X)                                \
	X(irq_out, irq, irq_handler_exit, false)           \
	X(softirq_out, irq, softirq_exit, false)           \
	X(hrtimer_out, timer, hrtimer_expire_exit, false)  \
	X(irq_in, irq, irq_handler_entry, true)            \
	X(softirq_in, irq, softirq_entry, true)            \
	X(hrtimer_in, timer, hrtimer_expire_entry, true)

#define IRQ_PROGRAMS(name, system, event, in) \
	SEC("tp_btf/" #event)                  \
	int BPF_PROG(btf_##name)               \
	{                                      \
		irq_step(in);                  \
		return 0;                      \
	}                                      \
	SEC("tp/" #system "/" #event)          \
	int tp_##name(void *ctx)               \
	{                                      \
		irq_step(in);                  \
		return 1;                      \
	}

IRQ_TRACEPOINTS(IRQ_PROGRAMS)
