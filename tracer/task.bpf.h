/* What a task_struct says, whatever the kernel's version calls it: read
 * by the tp_btf programs with plain loads. Included by sched.bpf.c. */
#ifndef CONCTOP_TASK_BPF_H
#define CONCTOP_TASK_BPF_H

/* Old kernels call the state field "state", new ones "__state". */
struct task_struct___state_old {
	long state;
} __attribute__((preserve_access_index));

/* Reads a task's scheduling state word, whichever name the kernel gives it. */
static __always_inline unsigned int task_state(struct task_struct *p)
{
	if (bpf_core_field_exists(p->__state))
		return p->__state;
	return ((struct task_struct___state_old *)p)->state;
}

/* The prev state as the sched_switch tracepoint reports it (one bit of
 * R S D T t X Z P I, or 0x100 for a preemption), from the raw state word. */
static __always_inline __s64 report_state(bool preempt, unsigned int st, struct task_struct *p)
{
	unsigned int s;
	int bit;

	if (preempt)
		return 0x100;
	s = (st | p->exit_state) & 0x7f;
	if ((st & 0x402) == 0x402) /* TASK_IDLE */
		s = 0x80;
	for (bit = 7; bit >= 0; bit--)
		if (s & (1u << bit))
			return 1u << bit;
	return 0;
}

/* Kernels that keep the CPU in task_struct rather than in thread_info. */
struct task_struct___cpu_in_task {
	unsigned int cpu;
} __attribute__((preserve_access_index));

/* The CPU a task is on (or was last on), wherever this kernel keeps it. */
static __always_inline __s32 task_cpu_of(struct task_struct *p)
{
	struct task_struct___cpu_in_task *q = (void *)p;

	if (bpf_core_field_exists(q->cpu))
		return q->cpu;
	return p->thread_info.cpu;
}

/* Whether task p is on a CPU (it runs, or is still switching out); 1 when
 * this kernel does not say. */
static __always_inline __u32 task_on_cpu(struct task_struct *p)
{
	if (bpf_core_field_exists(p->on_cpu))
		return p->on_cpu != 0;
	return 1;
}

#endif
