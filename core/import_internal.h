/* The import's inner workings, shared by import.c (tasks, lines, passes)
 * and import_events.c (each event kind turned into conctop events). */
#ifndef CONCTOP_IMPORT_INTERNAL_H
#define CONCTOP_IMPORT_INTERNAL_H

#include "import.h"
#include "import_parse.h"
#include "tidmap.h"
#include "trace.h"

/* T_LEADER: it execs as the leader of its process (old_pid == pid), so a
 * fork made it a process of its own, not a thread of its creator's. */
enum { T_FORKED = 1, T_KEPT = 2, T_PAYLOAD_NAME = 4, T_LEADER = 8 };

/* Event kinds the first pass looks for. */
enum kind { K_SWITCH, K_WAKING, K_WAKEUP, K_WAKEUP_NEW, K_MIGRATE, K_FORK, K_EXIT, K_EXEC, K_RENAME, K_MAX };

/* The event names of the kinds. */
extern const char *const import_kind_names[K_MAX];

/* A task the text names. */
struct itask {
	int32_t tid;
	int32_t tgid_given;           /* the text's process id for it (0: it does not say) */
	uint8_t flags;
	char first[IMPORT_COMM_MAX];  /* its first name (first pass) */
	char name[IMPORT_COMM_MAX];   /* its name now (second pass) */
	int32_t tgid;                 /* its process now (second pass) */
};

struct import {
	int pass;
	uint64_t line;
	import_emit_fn emit;
	void *ctx;
	int32_t *pids;
	size_t npids;
	char (*comms)[IMPORT_COMM_MAX];
	size_t ncomms;
	struct itask *task;
	size_t ntask, cap;
	struct tidmap map;            /* tid -> index into task */
	int32_t cur[TRACE_MAX_CPUS];  /* the task running on each CPU (second pass), -1 unknown */
	bool kind[K_MAX];
	bool derive_wakeup, derive_waking;
	uint64_t last_ts;
	bool timed;                   /* an event line's time was seen: sum.base_ns is the first */
	unsigned max_cpu, header_cpus;
	int style;
	struct import_summary sum;
	char buf[IMPORT_LINE_MAX + 1];
	char err[512];
};

/* Records what went wrong on the current line ("line N: ..."); returns e. */
int import_fail(struct import *im, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The task tid, or NULL; adds one (first pass), NULL with the error set. */
struct itask *import_find(const struct import *im, int32_t tid);
struct itask *import_add(struct import *im, int32_t tid);

/* Whether the filter keeps a task by its tid or process id. */
bool import_kept_by_id(const struct import *im, int32_t tid, int32_t tgid);

/* Turns an event line of a known kind into events (second pass) or
 * learns from it (first pass); counts others. Returns 0 or an error. */
int import_event(struct import *im, const struct import_line *l);

/* Whether event is one conctop turns into events (else it is counted). */
bool import_kind_read(const char *event);

/* Emits the threads that existed before the recording (second pass). */
int import_announce(struct import *im);

#endif
