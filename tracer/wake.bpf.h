/* Included by sched.bpf.c: the tp_btf wake programs, which write a waking
 * and its wakeup as one struct ct_raw_wake. Two ways, chosen at load
 * (wake_at_wakeup):
 *  - one program a wakeup (Linux 6.5 on): sched_wakeup alone, which the
 *    kernel runs in the waker's context after sched_waking, reads the
 *    waker there; a wakeup the waker queues on another CPU's list runs
 *    there later, so csd_queue_cpu keeps the waker for it where it is
 *    queued. sched_waking is not attached: one program run a wakeup fewer.
 *  - two programs (older kernels, or CONCTOP_BPF_WAKING=1): sched_waking
 *    keeps the waking, sched_wakeup writes it with the wakeup.
 * Needs on_wake(), waking_fill(), the stage and the task helpers. */
#ifndef CONCTOP_WAKE_BPF_H
#define CONCTOP_WAKE_BPF_H

/* A waking kept for the woken thread until its sched_wakeup writes both
 * in one struct ct_raw_wake: one ring-buffer reservation and submission
 * per wakeup instead of two. ev.ts 0: none kept. on_cpu: the wakeup may
 * come later than the waking, after a switch of the woken thread (it was
 * still on a CPU at its waking, or the wakeup was queued elsewhere), so it
 * reads its own time. */
struct wake_kept {
	struct ct_raw_event ev;
	__u32 on_cpu;
	__u32 pad[3]; /* 64 bytes: a slot is one cache line, not two */
};

/* The kept wakings, indexed by tid (an inlined lookup): user space sizes
 * it like traced, at most 64 Ki slots (4 MiB). A tid past its end gets a
 * record per event with two programs, and its kept waking in
 * wake_kept_big with one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32768);
	__uint(map_flags, BPF_F_MMAPABLE); /* (its values start on a page: a slot is one cache line) */
	__type(key, __u32);
	__type(value, struct wake_kept);
} wake_kept SEC(".maps");

/* One program a wakeup: the queued wakeups of tids past wake_kept's end,
 * between their queueing and their wakeup (a thread is queued at most
 * once at a time: a few per CPU are pending at any moment). User space
 * gives it one entry with two programs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct wake_kept);
} wake_kept_big SEC(".maps");

/* Writes a kept WAKING that no wakeup took as a record of its own. */
static __always_inline void kept_flush(struct wake_kept *k)
{
	struct ct_raw_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost();
	} else {
		*e = k->ev;
		record_submit(e);
	}
	k->ev.ts = 0;
}

/* Fills k with the waking of traced thread tid of tgid by the current task
 * (or an interrupt), the thread going to target_cpu; on_cpu as above. */
static __always_inline void kept_fill(struct wake_kept *k, __s32 tid, __s32 tgid, __s32 target_cpu, __u32 on_cpu)
{
	__builtin_memset(&k->ev, 0, sizeof(k->ev));
	k->ev.type = EVENT_WAKING;
	k->ev.cpu = bpf_get_smp_processor_id();
	waking_fill(&k->ev, tid, tgid, target_cpu);
	k->on_cpu = on_cpu;
	k->ev.ts = bpf_ktime_get_ns();
}

/* sched_waking (two programs a wakeup): the current task (or an
 * interrupt) wakes p; kept for its sched_wakeup. */
SEC("tp_btf/sched_waking")
int BPF_PROG(btf_waking, struct task_struct *p)
{
	__s32 tid, tgid;
	__u32 key;
	struct wake_kept *k;

	if (floor_only)
		return 0;
	tid = p->pid;
	key = tid;
	tgid = traced_tgid(tid);
	if (!tgid)
		return 0;
	k = bpf_map_lookup_elem(&wake_kept, &key);
	if (!k) { /* a tid past the array: a record of its own */
		on_wake(EVENT_WAKING, tid, task_cpu_of(p));
		return 0;
	}
	if (k->ev.ts) /* a waking no wakeup followed (the kernel always runs one) */
		kept_flush(k);
	kept_fill(k, tid, tgid, task_cpu_of(p), task_on_cpu(p));
	return 0;
}

/* Fills w with the waking kept in k and the wakeup of p now, and takes
 * the waking from k. */
static __always_inline void wake_fill(struct ct_raw_wake *w, struct wake_kept *k, struct task_struct *p)
{
	w->ev = k->ev;
	k->ev.ts = 0;
	w->wakeup_cpu = bpf_get_smp_processor_id();
	w->wakeup_target = task_cpu_of(p);
	/* The waking's time stands for the wakeup's (one clock read fewer)
	 * only when nothing of the woken thread can lie between them: the
	 * same CPU, no migration, and the thread was off every CPU at its
	 * waking. A thread still switching out then makes the waker wait
	 * for its switch (or queue the wakeup on the thread's CPU): its
	 * wakeup comes after that switch, and must say so, or the sleep the
	 * switch begins would seem to start after its own wakeup. */
	if (!k->on_cpu && w->wakeup_cpu == w->ev.cpu && w->wakeup_target == w->ev.arg)
		w->wakeup_ts = w->ev.ts;
	else
		w->wakeup_ts = bpf_ktime_get_ns();
}

/* Fills w with the waking of p (tid of tgid) by the current task and its
 * wakeup, both now: one program a wakeup, in the waker's context. The
 * waking takes the wakeup's time and target CPU (the CPU chosen, where
 * sched_waking gives the one the thread was last on). */
static __always_inline void wake_fill_now(struct ct_raw_wake *w, struct task_struct *p, __s32 tid, __s32 tgid)
{
	__builtin_memset(&w->ev, 0, sizeof(w->ev));
	w->ev.type = EVENT_WAKING;
	w->ev.cpu = bpf_get_smp_processor_id();
	waking_fill(&w->ev, tid, tgid, task_cpu_of(p));
	w->ev.ts = bpf_ktime_get_ns();
	w->wakeup_ts = w->ev.ts;
	w->wakeup_cpu = w->ev.cpu;
	w->wakeup_target = w->ev.arg;
}

/* Writes the wake pair of p (tid of tgid): from the waking kept in k, or
 * (k NULL) from the current task. */
static __always_inline void wake_write(struct wake_kept *k, struct task_struct *p, __s32 tid, __s32 tgid)
{
	struct stage *st = stage_begin(sizeof(struct ct_raw_wake));
	struct ct_raw_wake *w;

	if (st) {
		w = stage_slot(st);
		if (k)
			wake_fill(w, k, p);
		else
			wake_fill_now(w, p, tid, tgid);
		stage_end(st, sizeof(*w), 2);
		return;
	}
	w = bpf_ringbuf_reserve(&events, sizeof(*w), 0);
	if (!w) {
		count_lost_n(2);
		if (k)
			k->ev.ts = 0;
		return;
	}
	if (k)
		wake_fill(w, k, p);
	else
		wake_fill_now(w, p, tid, tgid);
	record_submit(w);
}

/* sched_wakeup: p is on a run queue; written with its waking as one
 * record. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(btf_wakeup, struct task_struct *p)
{
	__s32 tid, tgid;
	__u32 key;
	struct wake_kept *k;
	bool big = false;

	if (floor_only)
		return 0;
	tid = p->pid;
	key = tid;
	tgid = traced_tgid(tid);
	if (!tgid)
		return 0;
	k = bpf_map_lookup_elem(&wake_kept, &key);
	if (!k && wake_at_wakeup) {
		k = bpf_map_lookup_elem(&wake_kept_big, &key);
		big = true;
	}
	/* (one program: a wakeup queued runs on the CPU it was queued to; a
	 * waking kept for another is stale, its wakeup not seen: CPU hotplug) */
	if (k && k->ev.ts && wake_at_wakeup && k->ev.arg != (__s64)bpf_get_smp_processor_id())
		kept_flush(k);
	if (k && k->ev.ts && k->ev.tid2 == tid) { /* kept at its waking or its queueing */
		wake_write(k, p, tid, tgid);
	} else if (wake_at_wakeup) { /* in the waker's context */
		wake_write(NULL, p, tid, tgid);
	} else {
		if (k && k->ev.ts)
			kept_flush(k);
		on_wake(EVENT_WAKEUP, tid, task_cpu_of(p));
	}
	if (big && k) /* (taken, or stale and written above) */
		bpf_map_delete_elem(&wake_kept_big, &key);
	return 0;
}

/* The kernel's call_single_data node, as far as it is read here (the
 * flags are in an anonymous union there). */
struct __call_single_node___ct {
	unsigned int u_flags;
} __attribute__((preserve_access_index));

/* The task's wakeup node, queued on another CPU's list for a remote wakeup. */
struct task_struct___ct_wake {
	struct __call_single_node___ct wake_entry;
} __attribute__((preserve_access_index));

#define CT_CSD_TYPE_MASK 0xf0 /* the kernel's CSD_FLAG_TYPE_MASK (Linux 5.8 on) */
#define CT_CSD_TYPE_TTWU 0x30 /* CSD_TYPE_TTWU: the node is a task's wake_entry */

/* csd_queue_cpu (one program a wakeup): a function queued to run on cpu.
 * A task's wakeup queued there (ttwu_queue_wakelist: the waker leaves the
 * wakeup to that CPU, often an idle one) runs sched_wakeup there, later,
 * where the current task is not the waker: the waker is kept here for it.
 * (Last in the file, so attached after sched_wakeup: nothing is kept for a
 * wakeup no program would take.) */
SEC("tp_btf/csd_queue_cpu")
int BPF_PROG(btf_csd_queue, unsigned int cpu, unsigned long callsite, void *func, void *csd)
{
	struct __call_single_node___ct *node = csd;
	struct task_struct *p;
	struct wake_kept *k, fresh = {};
	__s32 tid, tgid;
	__u32 key;

	if (floor_only)
		return 0;
	if ((BPF_CORE_READ(node, u_flags) & CT_CSD_TYPE_MASK) != CT_CSD_TYPE_TTWU)
		return 0;
	p = (void *)((char *)csd - bpf_core_field_offset(struct task_struct___ct_wake, wake_entry));
	tid = BPF_CORE_READ(p, pid);
	key = tid;
	tgid = traced_tgid(tid);
	if (!tgid)
		return 0;
	k = bpf_map_lookup_elem(&wake_kept, &key);
	if (k) {
		if (k->ev.ts)
			kept_flush(k);
		kept_fill(k, tid, tgid, cpu, 1);
		return 0;
	}
	kept_fill(&fresh, tid, tgid, cpu, 1);
	if (bpf_map_update_elem(&wake_kept_big, &key, &fresh, BPF_ANY)) {
		/* (never with a few queued at a time): the waking alone, with
		 * its waker; its wakeup will name the wrong one */
		kept_flush(&fresh);
	}
	return 0;
}

#endif
