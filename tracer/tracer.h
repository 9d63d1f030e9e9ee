/* The user side of conctop's tracer: loads and attaches the BPF programs,
 * says which processes to trace, drains the ring buffer in batches and hands
 * the events, in time order, to a callback. */
#ifndef CONCTOP_TRACER_H
#define CONCTOP_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "event.h"

struct tracer;

/* Receives each event in time order; a negative return stops the tracer's
 * current poll and is returned from it. */
typedef int (*tracer_event_fn)(const struct event *ev, void *ctx);

/* How the tracer learns why threads wait. */
enum tracer_attribution {
	TRACER_ATTR_BLOCKS = 0, /* default: at each voluntary switch, the system call the
				 * thread sleeps in and the futex word's object; costs
				 * nothing per lock call, only per sleep */
	TRACER_ATTR_NONE,       /* scheduler events only */
	TRACER_ATTR_CALLS,      /* also uprobes on every pthread/semaphore call and every
				 * system call of the machine (raw_syscalls): shows what
				 * only calls show (uncontended holds, trylock failures,
				 * spinning) at 3-20 us a call */
};

struct tracer_opts {
	size_t ringbuf_bytes; /* ring buffer size, a power of two; 0: 4 MiB */
	bool no_follow_forks; /* do not trace child processes of traced ones */
	const char *mode;     /* "tp_btf", "tp", or NULL to choose at load time */
	bool verbose;         /* let libbpf print its messages on stderr */
	bool no_staging;      /* send every record by itself, never staged per CPU */
	bool strict_alignment; /* load as a kernel that checks alignment would (riscv64...) */
	bool floor_only;      /* measuring: the switch and wakeup programs return at once
			       * (none of them recorded), what attaching costs alone */
	bool waking_program;  /* attach sched_waking (two program runs a wakeup) even
			       * where csd_queue_cpu allows one (tracer/wake.bpf.h) */
	enum tracer_attribution attribution;
};

/* Loads and attaches the scheduler programs. On failure returns -errno and
 * writes what went wrong and what to do into err. */
int tracer_new(struct tracer **out, const struct tracer_opts *opts, tracer_event_fn fn,
	       void *ctx, char *err, size_t errlen);

/* Frees the tracer and detaches everything it attached. */
void tracer_free(struct tracer *t);

/* Which program set was loaded: "tp_btf" or "tp". */
const char *tracer_mode(const struct tracer *t);

/* Whether the busiest records (switches, wake pairs) are staged per CPU
 * and sent in batches (docs/tracer.md); false where the kernel cannot
 * run the flush on a chosen CPU. */
bool tracer_staged(const struct tracer *t);

/* What a wakeup costs, in words: one program run (sched_wakeup reads the
 * waker; csd_queue_cpu keeps it for a wakeup queued on another CPU), two
 * (sched_waking, then sched_wakeup), or two records (the tp set). */
const char *tracer_wake_mode(const struct tracer *t);

/* How blocking is attributed: "blocks (registers)", "blocks (system call
 * tracepoints)", "calls (uprobes)" or "none". */
const char *tracer_attribution_mode(const struct tracer *t);

/* CLOCK_MONOTONIC at the trace's start: event times are relative to it. */
uint64_t tracer_base_ns(const struct tracer *t);

/* Nanoseconds since the trace's start, now. */
uint64_t tracer_now(const struct tracer *t);

/* Starts tracing every thread of process pid (and, while they are traced,
 * the threads and processes they create); each gets an EVENT_THREAD with its
 * name. Returns 0, -ESRCH when there is no such process, or -errno. */
int tracer_add_process(struct tracer *t, pid_t pid);

/* Attaches the marker uprobe (conctop_mark) of the program at path, which
 * process pid runs: once per program file, for all its processes (the BPF
 * side keeps the traced threads' marks), so that marks go on after the
 * thread that exec'd it ends. Returns 0, 1 when already attached, -ENOENT
 * when the program has no conctop_mark, or -errno. */
int tracer_attach_marks(struct tracer *t, pid_t pid, const char *path);

/* Waits up to timeout_ms for the ring buffer to fill, drains it, and delivers
 * the events that can no longer be overtaken by a later one. Returns the
 * number delivered, or a negative error (the callback's or -errno). */
int tracer_poll(struct tracer *t, int timeout_ms);

/* Drains the ring buffer and delivers everything still pending: the end of
 * the trace. Returns the number delivered or a negative error. */
int tracer_flush(struct tracer *t);

/* Events the kernel side had no room for, summed over CPUs. */
uint64_t tracer_lost(const struct tracer *t);

/* Events that arrived later than the reorder window allowed and were
 * delivered with their time raised to keep the stream in order. */
uint64_t tracer_reordered(const struct tracer *t);

/* How many symbol files (and glibc versions) the reader thread read ahead,
 * and how many the delivery path read itself (the reader was behind). */
void tracer_symbol_reads(const struct tracer *t, uint64_t *ahead, uint64_t *delivering);

/* Attaches the libc uprobes (pthread and semaphore functions) for process
 * pid, to the libc it has mapped. Returns the number of probes attached
 * (0 when already done or attribution is off), or -errno. */
int tracer_attach_libc(struct tracer *t, pid_t pid);

/* Number of CPUs the kernel may bring online (the trace's CPU count). */
unsigned tracer_ncpus(const struct tracer *t);

/* A descriptor that becomes readable when the ring buffer has records the
 * kernel side woke us for (past a fill mark, or an exec), for a poll()
 * loop; tracer_poll(t, 0) then drains it. Records are mostly submitted
 * without a wakeup: poll it with a timeout. */
int tracer_fd(const struct tracer *t);

#endif
