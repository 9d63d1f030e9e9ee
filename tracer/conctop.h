/* What the BPF programs and the user-space tracer agree on: the records the
 * kernel side writes into the ring buffer. Included by both sides, so it uses
 * only the kernel's __u32-style types. */
#ifndef CONCTOP_TRACER_H_SHARED
#define CONCTOP_TRACER_H_SHARED

/* Record types are the event types themselves (core/event_types.h): a
 * record of type EVENT_SWITCH decodes into an event of that type. */
#ifdef __bpf__
/* vmlinux.h, included before this in the BPF programs, has enumerators of
 * these names: ours take other names there (the programs use neither) */
#define OP_NONE CONCTOP_OP_NONE
#define OP_CREATE CONCTOP_OP_CREATE
#endif
#include "event_types.h"

#define CT_COMM_LEN 16
#define CT_TEXT_LEN EVENT_TEXT_MAX

/* Size of the table that maps system call numbers to op kinds. */
#define CT_SYSCALL_MAX 512

/* One record; thread ids as the kernel side reports them: a traced thread's
 * tid, 0 for a CPU's idle task, EVENT_TID_OTHER for any task not traced. Types without text are sent without the text member, so a
 * record is sizeof(struct ct_raw_event), of struct ct_raw_text, or (a block)
 * of struct ct_raw_block; a switch may also be a struct ct_raw_switch, and a
 * waking a struct ct_raw_wake (a waking with its wakeup). */
struct ct_raw_event {
	__u64 ts;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u16 type;  /* enum event_type */
	__u16 cpu;
	__s32 tid;
	__s32 tgid;
	__s32 tid2;
	__s32 tgid2;
	__u32 op;    /* CALL, RETURN, SYSCALL, SYSRET: enum event_op */
	__s64 arg;
	__s64 arg2;
};

/* A switch, the most frequent record, in a shape of its own: 32 bytes
 * rather than 48 (ts, type and cpu where struct ct_raw_event has them;
 * tid/tgid the previous task, tid2/tgid2 the next, state prev's state, the
 * event's arg). Told from the others by its size. */
struct ct_raw_switch {
	__u64 ts;
	__u16 type;  /* EVENT_SWITCH */
	__u16 cpu;
	__u32 state;
	__s32 tid;
	__s32 tgid;
	__s32 tid2;
	__s32 tgid2;
};

/* What a thread is about to sleep in (an EVENT_BLOCK record), read at its voluntary
 * switch: ev.op = the system call's kind from the syscall_ops table (0: not
 * a followed call, e.g. a page fault), ev.arg = its first argument (a
 * futex's word address, an fd), ev.arg2 = (futex op << 32) | the futex's
 * expected value (CT_FUTEX_ARG2), ev.tid2 = the system call number (-1: none), ev.tgid2 =
 * CT_WIN_* bits saying which halves of win were read. win holds the user
 * memory around a futex word: CT_WIN_BEFORE bytes before it, then the rest
 * from the word on (the mutex owner, a semaphore's waiters, ...), so that
 * user space can tell which glibc object the word belongs to. */
#define CT_FUTEX_ARG2(op, val) ((__s64)(((__u64)(__u32)(op) << 32) | (__u32)(val)))
#define CT_WIN_LEN 48
#define CT_WIN_BEFORE 16
#define CT_WIN_HAVE_BEFORE 1
#define CT_WIN_HAVE_AFTER 2
struct ct_raw_block {
	struct ct_raw_event ev;
	__u8 win[CT_WIN_LEN];
};

/* A WAKING record whose waker is inside a futex wake carries, in ev.op,
 * CT_WAKE_VIA_FUTEX | the futex command | (the count to wake, at most
 * 0xffff) << 16, and the futex word's address in ev.arg2: "F woke B through
 * that word". */
#define CT_WAKE_VIA_FUTEX 0x8000u

/* A WAKING record and the woken thread's WAKEUP that follows it, in one
 * record, written by the tp_btf sched_wakeup program, which the kernel
 * always runs after sched_waking for that thread (wake.bpf.h says where the
 * waking comes from). ev is the WAKING as a record of its own would
 * be; the WAKEUP's subject is ev.tid2/tgid2, its time, CPU and target CPU
 * are here. Told from the others by its size. */
struct ct_raw_wake {
	struct ct_raw_event ev;
	__u64 wakeup_ts;
	__u32 wakeup_cpu;
	__s32 wakeup_target;
};

/* Records staged per CPU and sent together (see stage.bpf.h): one
 * ring-buffer record that starts with this header, whose type is
 * CT_RECORD_BATCH (no event type) where every record has its type,
 * followed by len bytes of records, each a struct ct_raw_switch or a
 * struct ct_raw_wake (told by their type: EVENT_SWITCH or EVENT_WAKING).
 * ts is 0. */
#define CT_RECORD_BATCH 0x7fff
#define CT_STAGE_BYTES 2048
#define CT_STAGE_ALIGN 32 /* every staged record's size is a multiple of it */
struct ct_raw_batch {
	__u64 ts;
	__u16 type;  /* CT_RECORD_BATCH */
	__u16 pad;
	__u32 len;
};

/* A record that carries a name or a marker label. */
struct ct_raw_text {
	struct ct_raw_event ev;
	char text[CT_TEXT_LEN];
};

#endif
