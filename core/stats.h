/* Per-thread and per-CPU statistics of a trace, computed by following the
 * event stream once: how long each thread ran, waited for a CPU and was
 * blocked; how often it switched, migrated and was woken; how busy each CPU
 * was with the traced program, other programs, or nothing. Anomalies in the
 * stream are counted, never asserted. */
#ifndef CONCTOP_STATS_H
#define CONCTOP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "vocab.h"
#include "waits.h"

struct stats;

/* One thread's figures (times in ns, from the start of the trace). */
struct stats_thread {
	int32_t tid, tgid;
	char name[EVENT_TEXT_MAX];
	uint64_t start_ns, end_ns; /* first known state .. exit (or end of trace) */
	bool existed;              /* already alive when tracing began */
	bool exited;               /* its exit was seen */
	uint64_t run_ns, runnable_ns, blocked_ns;
	uint64_t spinning_ns; /* running inside pthread_spin_lock (counted in run_ns too) */
	uint64_t voluntary, involuntary; /* switches, not counting the exit switch */
	uint64_t migrations, wakeups, wakeups_given, marks;
};

/* One CPU's time, by what it ran. */
struct stats_cpu {
	uint64_t traced_ns, other_ns, idle_ns;
	uint64_t unknown_ns; /* before the CPU's first switch told what ran there */
};

/* Blocked time spent on one cause: a kind of wait (enum waits_kind of
 * waits.h: mutex, cond, ... sleep, io; WAIT_NONE when the trace does not
 * say) and the object (-1 none). */
struct stats_blocked {
	uint8_t kind;
	int64_t object;
	uint64_t ns;
};

/* Creates an empty statistics set for a trace of ncpus CPUs. */
int stats_new(struct stats **out, unsigned ncpus);

/* Frees it. */
void stats_free(struct stats *s);

/* Follows one event. Returns 0 or -ENOMEM. */
int stats_add(struct stats *s, const struct event *ev);

/* Closes every open interval at end_ns (the end of the trace), and the
 * undone work's open stretches. Returns 0 or -ENOMEM. */
int stats_finish(struct stats *s, uint64_t end_ns);

/* The undone work (undone.h: CPUs idle while threads were runnable) found
 * by the same reading, complete once stats_finish returned. */
struct undone;
const struct undone *stats_undone(const struct stats *s);

/* Before the first event: conctop started the traced program, whose first
 * thread waits at its start gate (sched_model_set_gated). */
void stats_set_gated(struct stats *s, bool gated);

/* Threads in order of first appearance. */
size_t stats_thread_count(const struct stats *s);
const struct stats_thread *stats_thread_at(const struct stats *s, size_t i);

/* Thread i's blocked time by cause, largest first (valid until the next
 * stats_add); returns how many causes. */
size_t stats_blocked_by(const struct stats *s, size_t i, const struct stats_blocked **out);

/* How an object is called ("count_lock", "GIL", "mutex@7f3a..c0"). */
void stats_object_label(const struct stats *s, int64_t object, char *buf, size_t len);

/* Whether an object is a Python Lock: a semaphore of a process that runs
 * CPython (CPython 3.11 builds threading.Lock on a sem_t). */
bool stats_object_pylock(const struct stats *s, int64_t object);

/* The deadlocks seen (see waits.h for the cycle's links; tids). */
size_t stats_deadlock_count(const struct stats *s);
const struct waits_deadlock *stats_deadlock(const struct stats *s, size_t i);

/* The name of thread tid (its latest), or NULL. */
const char *stats_thread_name(const struct stats *s, int32_t tid);

/* The name of process tgid (its leader thread's name), or NULL. */
const char *stats_process_name(const struct stats *s, int32_t tgid);

unsigned stats_ncpus(const struct stats *s);
const struct stats_cpu *stats_cpu_at(const struct stats *s, unsigned cpu);

/* Events seen, in all and by type. */
uint64_t stats_events(const struct stats *s);
uint64_t stats_events_of(const struct stats *s, unsigned type);

/* Events the kernel lost (from EVENT_LOST). */
uint64_t stats_lost(const struct stats *s);

/* Anomalies of one kind (enum tl_anomaly of vocab.h), what they mean in
 * words, and a short key for scripts ("missed_switch_in"). */
uint64_t stats_anomalies(const struct stats *s, enum tl_anomaly kind);
const char *stats_anomaly_name(enum tl_anomaly kind);
const char *stats_anomaly_key(enum tl_anomaly kind);

/* The end of the trace given to stats_finish. */
uint64_t stats_end(const struct stats *s);

#endif
