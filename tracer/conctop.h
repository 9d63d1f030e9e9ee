/* What the BPF programs and the user-space tracer agree on: the records the
 * kernel side writes into the ring buffer. Included by both sides, so it uses
 * only the kernel's __u32-style types. */
#ifndef CONCTOP_TRACER_H_SHARED
#define CONCTOP_TRACER_H_SHARED

#define CT_COMM_LEN 16
#define CT_TEXT_LEN 64

/* Record types; the same numbers as enum event_type in core/event.h (the
 * user side checks this at compile time). */
enum ct_raw_type {
	CT_RAW_SWITCH = 1,
	CT_RAW_WAKING = 2,
	CT_RAW_WAKEUP = 3,
	CT_RAW_WAKEUP_NEW = 4,
	CT_RAW_MIGRATE = 5,
	CT_RAW_FORK = 6,
	CT_RAW_EXIT = 7,
	CT_RAW_EXEC = 8,
	CT_RAW_RENAME = 9,
	CT_RAW_MARK = 10,
	CT_RAW_CALL = 13,
	CT_RAW_RETURN = 14,
	CT_RAW_SYSCALL = 15,
	CT_RAW_SYSRET = 16,
};

/* Size of the table that maps system call numbers to op kinds. */
#define CT_SYSCALL_MAX 512

/* Thread ids as the kernel side reports them: a traced thread's tid, 0 for a
 * CPU's idle task, CT_TID_OTHER for any task that is not traced. */
#define CT_TID_OTHER (-1)

/* One record. Types without text are sent without the text member, so a
 * record is either sizeof(struct ct_raw_event) or sizeof(struct ct_raw_text). */
struct ct_raw_event {
	__u64 ts;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u16 type;  /* enum ct_raw_type */
	__u16 cpu;
	__s32 tid;
	__s32 tgid;
	__s32 tid2;
	__s32 tgid2;
	__u32 op;    /* CALL, RETURN, SYSCALL, SYSRET: enum event_op */
	__s64 arg;
	__s64 arg2;
};

/* A record that carries a name or a marker label. */
struct ct_raw_text {
	struct ct_raw_event ev;
	char text[CT_TEXT_LEN];
};

#endif
