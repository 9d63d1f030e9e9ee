/* The timeline's insides, shared by its building half (timeline.c), its
 * query half (timeline_query.c), its trims and copies (timeline_trim.c),
 * its overview (timeline_overview.c) and its memory count
 * (timeline_memory.c); nothing else includes this.
 *
 * Storage: one lane (lane.h) per thread and per CPU; two time indexes
 * (timeindex.h): the instants of scheduling events, for stepping, and the
 * log of notable events, whose 32-bit value is a kind and a payload. A
 * wakeup's waker is in its lane record and its latency and CPU are read
 * from the lane when the log is asked; a block's object and holder are in
 * the wait record its lane record points to; a creation's other party is
 * kept by thread, and an exit needs only its thread; the rarer entries
 * (renames, marks, lost events, deadlocks) keep their details in a side
 * array, notes in another. */
#ifndef CONCTOP_TIMELINE_IMPL_H
#define CONCTOP_TIMELINE_IMPL_H

#include "lane.h"
#include "mem.h"
#include "patterns.h"
#include "sched_model.h"
#include "timeindex.h"
#include "timeline.h"
#include "undone.h"

/* A thread lane record's aux: the CPU + 1 when running or spinning (0
 * unknown), the waker + WAKER_BIAS on a wakeup record, the wait record + 1
 * when blocked (0 none). */
#define WAKER_BIAS 5

/* A CPU lane record's code: the occupant. */
#define OCC_UNKNOWN 0u
#define OCC_IDLE 1u
#define OCC_OTHER 2u
#define OCC_THREAD 3u /* + thread index */

/* Log entry value: kind in the top 4 bits, then a thread index (wakeups,
 * blocks, creations, exits), a note index (notes) or a side-array index
 * (the rest). */
#define LOG_KIND_SHIFT 28
#define LOG_PAYLOAD_MAX ((1u << LOG_KIND_SHIFT) - 1)

/* created_by of a thread whose creation is not logged yet. */
#define NOT_LOGGED INT64_MIN

/* The details of a log entry other than a wakeup, block, creation, exit or
 * note. */
struct xlog {
	size_t thread;
	int64_t other;
	int64_t value;
	int16_t cpu;
	const char *text;        /* in the arena; NULL for none */
};

/* A marker a thread set (conctop_mark), for drawing it on the lanes. */
struct mark_rec {
	uint64_t ts;
	size_t thread;
	int64_t value;
	const char *text;        /* in the arena; NULL for none */
};

/* What a blocked (or spinning) record waits on. */
struct wait_rec {
	int64_t object;
	int32_t holder;          /* (a thread index: the model keeps them under INT32_MAX) */
	bool signalling;         /* sched_change.signalling */
};

/* A signal sent to a process whose default action ends it without a core
 * dump: the kernel delivers it to each thread as SIGKILL (complete_signal),
 * so the log names the signal sent. */
#define TL_FATAL_SENT 8
#define TL_FATAL_SENT_NS 1000000000ull /* how long a signal sent is waited for */
struct tl_fatal_sent {
	int32_t tgid; /* 0: a free slot */
	int32_t sig;
	uint64_t ts;  /* when it was sent */
};

struct timeline {
	struct sched_model *m;
	struct patterns *patterns;
	struct undone *undone;   /* idle CPUs beside waiting threads, fed by m */
	unsigned ncpus;
	struct tl_thread *threads;
	size_t nthreads, capthreads;
	struct lane *lanes;      /* by thread index */
	size_t caplanes;
	int64_t *created_by;     /* by thread index: the other party of its creation's log
				  * entry, NOT_LOGGED before it is logged */
	size_t capcreated;
	struct lane *cpus;
	struct tix times;        /* scheduling events */
	struct tix log;          /* notable events */
	struct xlog *x;
	size_t nx, capx;
	struct tl_note *notes;
	size_t nnotes, capnotes;
	struct wait_rec *waits;  /* what blocked records wait on (their aux - 1) */
	size_t nwaits, capwaits;
	size_t deadlocks;        /* deadlocks logged so far */
	struct tl_fatal_sent fatal[TL_FATAL_SENT]; /* the latest processes sent a group-fatal signal */
	unsigned fatal_next;     /* the slot of fatal to use next */
	uint64_t damaged;        /* damaged parts of the file skipped (timeline_note_damage) */
	struct arena arena;
	struct arena texts;      /* the texts of marks, renames and the rest, apart from the
				  * lanes' blocks: a scan of the markers stays in a few pages */
	uint64_t end;
	uint64_t kept_from;      /* what came before was trimmed (timeline_trim.c) */
	uint64_t skim_until;     /* events before it keep only the present (timeline_skim_until), 0 */
	size_t lane_bytes;       /* lane_memory of every lane, kept as they grow (lane_record) and
				  * counted again when a trim installs new ones */
	size_t *held;            /* the threads whose lanes hold records (a block or more), in no
				  * order: what a trim rebuilds, found without a walk of every
				  * thread (thread_record adds, trim_install keeps those left);
				  * the others hold no block (timeline_memory_fixed) */
	size_t nheld, capheld;
	struct mark_rec *marks;  /* the scenario's markers, in time order */
	size_t nmarks, capmarks;
	uint64_t marks_gap_to;   /* markers after the trace's first TL_MARKS_LOOKBACK and before
				  * it were forgotten (a trim, a skim); 0: none */
	struct overview *ov;     /* a coarse summary of what trims forgot (timeline_overview.c), or NULL */
	uint64_t skimmed_to;     /* a window read from here on kept only the present before it
				  * (timeline_skim_until): the lanes hold nothing to summarize there */
	const struct sched_model_ops *listen_ops; /* the model's changes handed on too, or NULL
						   * (timeline_listen; never copied by a clone) */
	void *listen_ctx;
	int listen_err;          /* what stopped the handing, 0 */
};

/* The overview's part of a trim and of cells (timeline_overview.c). */
struct lane_tally;
void timeline_overview_fill(struct timeline *tl, uint64_t t);
uint64_t timeline_overview_thread(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1,
				  uint64_t sum[TL_STATE_MAX], uint64_t *wakes, int16_t *cpu, uint64_t *cpu_ns);
uint64_t timeline_overview_cpu(const struct timeline *tl, unsigned c, uint64_t t0, uint64_t t1,
			       struct lane_tally *ty, uint64_t *run_ns);

/* Frees the lanes, the time indexes, the arenas and the arrays records
 * point into (timeline_trim.c, which replaces the same storage). */
void timeline_storage_free(struct timeline *tl);

#endif
