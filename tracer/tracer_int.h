/* The tracer's user side, inside: the state the files of tracer/ share
 * (tracer.c: delivery and lifetime; load.c: choosing, configuring and
 * loading the BPF programs; probes.c: uprobes on libc (--calls) and on
 * conctop_mark; naming.c: the processes' files and symbols, object names
 * and blocks). Not for use outside tracer/: tracer.h is the interface. */
#ifndef CONCTOP_TRACER_INT_H
#define CONCTOP_TRACER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "elfsym.h"
#include "futex_names.h"
#include "pairmap.h"
#include "pending.h"
#include "tracer.h"

struct sched_bpf;
struct ring_buffer;
struct bpf_link;
struct tracer_worker;

/* A job of a worker thread (worker.c): run(ctx, job). */
typedef void (*tracer_job_fn)(void *ctx, void *job);
struct tracer_reader;

/* A libc's (or static program's) identity and whether glibc_sync knows the
 * layouts of its glibc version. */
struct tracer_libc_layout {
	uint64_t dev, ino;
	bool known;
};

#define DEFAULT_RINGBUF (4u << 20)

#define MAX_MARK_LINKS 256
/* The uprobe_multi attach type and its return flag (Linux 6.6; libbpf 1.1's
 * headers predate them). */
#define ATTACH_UPROBE_MULTI 48
#define UPROBE_MULTI_RETURN 1u

/* A marker uprobe attached for one process and one program file. */
struct mark_link {
	struct bpf_link *link;
	pid_t pid;
	dev_t dev;
	ino_t ino;
};

/* A process whose libc is probed. */
struct libc_probed {
	pid_t pid;
	dev_t dev;
	ino_t ino;
};

/* The mappings of a traced process, read while it lived. */
struct proc_maps {
	pid_t tgid;
	struct elfsym_maps *maps;
};

/* An object already named in the trace (process, address). */
struct named {
	pid_t tgid;
	uint64_t addr;
};

struct tracer {
	struct sched_bpf *skel;
	struct ring_buffer *rb;
	const char *mode;
	uint64_t base_ns;
	unsigned ncpus;
	tracer_event_fn fn;
	void *ctx;
	bool verbose;

	struct pending pending; /* events drained but not yet delivered (pending.h) */
	uint64_t delivered_ts; /* ts of the last delivered event */
	uint64_t reordered;
	int decode_errors;
	bool staged; /* the hot records are staged per CPU (sched.bpf.c): flush before a drain */
	bool wake_at_wakeup; /* one program run a wakeup (wake.bpf.h) */

	uint64_t *lost_seen; /* per CPU, as last reported */
	uint64_t *lost_buf;
	uint64_t lost_total;

	/* uprobes: attached by the attaching thread (attacher.c) and at the
	 * start of a session, under probe_lock, which guards what follows
	 * down to probed_cap */
	struct tracer_worker *attacher; /* attacher.c */
	pthread_mutex_t probe_lock;
	struct mark_link marks[MAX_MARK_LINKS];
	unsigned nmarks;

	enum tracer_attribution attr;
	bool attribution;        /* objects are named (blocks or calls) */
	bool calls;              /* libc uprobes and raw_syscalls (--calls) */
	bool block_regs;         /* blocks read from the task's registers */
	bool affinity_live;      /* sched_setaffinity is followed (else masks at attach only) */
	struct futex_names *futex;
	struct pairmap libc_layouts; /* (dev, ino) of a libc or program -> 1 + layout known */
	struct pairmap sym_start;    /* (tgid, futex word) -> the symbol covering it (0: none) */
	struct pairmap sym_size;     /* ... and its size */
	struct pairmap execs;        /* (tgid, 0) -> how many times it ran a new program */
	struct pairmap snapped;      /* (tgid, its exec count) -> 1: mappings read at its first wait */
	uint64_t layouts_read;       /* glibc versions read on the delivery path */
	bool multi;              /* multi-uprobe links work here (else one link per probe) */
	int *multi_fds;          /* multi-uprobe link fds */
	size_t nmulti, multi_cap;
	struct elfsym_cache *probe_elf; /* the libcs' symbols, for the probes */
	struct bpf_link **links; /* libc uprobes */
	size_t nlinks, links_cap;
	struct libc_probed *probed;
	size_t nprobed, probed_cap;
	struct elfsym_cache *elf; /* files' symbols, for naming (delivery path) */
	struct tracer_reader *reader; /* reads them ahead, off the delivery path */
	struct named *named;     /* open-addressing set */
	size_t named_cap, named_used;
	struct proc_maps *maps;
	size_t nmaps, maps_cap;
};

/* load.c: opens, configures, loads and attaches one program set (btf:
 * tp_btf, else tp). Returns 0, or -errno with err saying what failed. */
int tracer_load_set(struct tracer *t, const struct tracer_opts *o, bool btf, char *err, size_t errlen);

/* load.c: detaches (several links at a time) and frees the program set. */
void tracer_unload_set(struct tracer *t);

/* load.c: puts thread tid of process tgid in the traced set. Returns 1
 * when it was new, 0 when already traced, or -errno. */
int tracer_traced_add(struct tracer *t, pid_t tid, pid_t tgid);

/* The kind (OP_SYS_*) of system call nr when conctop follows it, else 0. */
unsigned tracer_syscall_op(long nr);

/* worker.c: starts a thread that runs jobs as run(ctx, job), in order. */
int tracer_worker_new(struct tracer_worker **out, tracer_job_fn run, void *ctx);

/* worker.c: queues a job; -ENOMEM when it cannot (the caller runs or drops it). */
int tracer_worker_push(struct tracer_worker *w, void *job);

/* worker.c: stops the thread after the job in hand, hands the jobs not run
 * to drop (when not NULL), frees the worker. */
void tracer_worker_free(struct tracer_worker *w, void (*drop)(void *job));

/* attacher.c: starts the thread that attaches new processes' uprobes. */
int tracer_attacher_new(struct tracer_worker **out, struct tracer *t);

/* attacher.c: asks for process pid's uprobes (marks, and libc with --calls). */
void tracer_attacher_push(struct tracer_worker *a, struct tracer *t, pid_t pid);

/* attacher.c: stops the thread and frees it. */
void tracer_attacher_free(struct tracer_worker *a);

/* probes.c: detaches every uprobe (libc and markers). */
void tracer_detach_probes(struct tracer *t);

/* Runs flush_stage on cpu: its staged records go into the ring buffer.
 * Returns 0 or a negative errno (-ENXIO: the CPU is offline). */
int tracer_stage_flush_cpu(struct tracer *t, unsigned cpu);

/* probes.c: the path of the libc process pid has mapped; 0 or -ENOENT. */
int tracer_find_libc(pid_t pid, char *out, size_t len);

/* naming.c: reads and keeps the mappings of process tgid, and asks the
 * reader for their symbols (libc: also for its glibc version). */
void tracer_snapshot_maps(struct tracer *t, pid_t tgid, bool libc);

/* reader.c: starts the thread that reads symbol files ahead. */
int tracer_reader_new(struct tracer_reader **out);

/* reader.c: asks for path's symbols (and, libc, its glibc version), once. */
void tracer_reader_push(struct tracer_reader *r, const char *path, bool libc);

/* reader.c: moves what was read into cache and layouts ((dev, ino) -> 1 +
 * layout known). */
void tracer_reader_collect(struct tracer_reader *r, struct elfsym_cache *cache, struct pairmap *layouts);

/* reader.c: how many files the thread has read. */
uint64_t tracer_reader_count(struct tracer_reader *r);

/* reader.c: stops the thread and frees it. */
void tracer_reader_free(struct tracer_reader *r);

/* reader.c: reads the glibc version of the libc at path. 0 or -errno. */
int tracer_libc_layout_read(const char *path, struct tracer_libc_layout *out);

/* naming.c: takes the files the reader has read so far. */
void tracer_naming_collect(struct tracer *t);

/* naming.c: learns which libc process tgid runs, for the classifier. */
void tracer_note_process(struct tracer *t, pid_t tgid);

/* naming.c: delivers the EVENT_OBJECT naming base of kind in ev's process,
 * the first time, when it is a variable. Returns the callback's result. */
int tracer_name_at(struct tracer *t, const struct event *ev, uint64_t base, unsigned kind);

/* naming.c: turns a decoded block record into an EVENT_BLOCK (naming its
 * object first). Returns 1 to deliver it, 0 to drop it, or <0. */
int tracer_follow_block(struct tracer *t, struct event *ev);

/* naming.c: frees the mappings, names and caches. */
void tracer_naming_free(struct tracer *t);

#endif
