/* Undone work: stretches of time during which a CPU was idle while a traced
 * thread was runnable (waiting for a CPU) on the run queue of another CPU
 * that was busy (a thread queued on an idle CPU is being woken there: a
 * pipe ping-pong across two CPUs made 750 ms of "undone work" of 1 us
 * waits for the other CPU to wake), and
 * why when the trace says: the threads' affinity masks (EVENT_AFFINITY)
 * did not allow the idle CPU.
 *
 * It follows the scheduling model's callbacks (sched_model.h): which
 * threads are runnable, on which run queue (where a preempted thread ran,
 * where a wakeup put it, where a migration took it), and which CPUs are
 * idle; and, from the events themselves, each thread's affinity (a forked
 * thread starts with its parent's, as in the kernel). Whoever keeps the
 * model feeds it the callbacks: a timeline (timeline.c), or the statistics
 * of report (stats.c).
 *
 * Noise: an idle CPU beside a runnable thread for a few microseconds is the
 * normal cost of a wakeup or a migration, and the kernel's load balancing
 * pulls a waiting thread to an idle CPU at a scheduler tick or later (4 ms
 * at HZ=250). The 29 traces of teaching scenarios recorded for the tests
 * (tests/data, a 2-CPU machine with no pinning) hold such stretches of up
 * to 4.1 ms, none of 5 ms. So instants less than UNDONE_MERGE_NS apart
 * join one stretch, and a stretch counts only when its CPU was idle, with
 * threads waiting, for at least UNDONE_MIN_NS in all: more than twice the
 * longest of those, far less than the seconds the xz trace lost.
 * A stretch is judged in spans: each runs from the stretch's start (or
 * the last span's end) to the first instant at least UNDONE_SPAN_NS later
 * at which its CPU turns idle beside waiting threads again, and must hold
 * UNDONE_MIN_NS of idle time; at the end of one that did not, the stretch
 * ends (its last idle instant before) and that instant begins a new one.
 * Without spans a busy trace's brief waits, less than a millisecond apart,
 * chained one stretch for as long as they went on: undecided all the
 * while when they never reached the minimum (a window read back from the
 * file read on that far past its end to know its last columns), or one
 * long stretch of them after a real wait. With them, which instants
 * before t are in a stretch is final by t + UNDONE_SPAN_NS + UNDONE_MIN_NS
 * at most, and a stretch is whole once its waits thin out below 10 % for
 * UNDONE_SPAN_NS (undone_final_before); one as dense as that throughout
 * grows, undecided in its extent, for as long as it goes on.
 *
 * Cost: memory follows the threads and the stretches kept. Time: the
 * changes of one instant are applied together, with a walk of the idle
 * CPUs when the number of waiting threads or an idle CPU changed, and one
 * more per instant while some CPU is in a stretch (a trace of two threads
 * taking turns on one CPU of 4096, the others idle: about 5 s per million
 * events; with no CPU idle, 0.1 s). */
#ifndef CONCTOP_UNDONE_H
#define CONCTOP_UNDONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "sched_model.h"

#define UNDONE_MERGE_NS 1000000ull /* gaps shorter than 1 ms join a stretch */
#define UNDONE_MIN_NS 10000000ull  /* a stretch counts from 10 ms of idle time */
#define UNDONE_SPAN_NS 100000000ull /* ... in each span of 100 ms of it */
#define UNDONE_TIDS 8              /* threads named per stretch */

/* Why a CPU stayed idle. */
enum undone_why {
	UNDONE_WHY_UNKNOWN = 0,  /* some waiting thread's affinity is unknown */
	UNDONE_WHY_AFFINITY,     /* every waiting thread's affinity excluded the idle CPU */
	UNDONE_WHY_NOT_AFFINITY, /* some waiting thread was allowed on the idle CPU */
};

/* An affinity mask as the trace holds it (EVENT_AFFINITY). */
struct undone_mask {
	uint64_t bits[2]; /* CPUs 0-127 */
	bool more;        /* some CPU from 128 on is allowed too */
};

/* One stretch: CPU cpu was idle idle_ns of [from, to) while threads were
 * runnable on other CPUs. */
struct undone_stretch {
	unsigned cpu;
	uint64_t from, to, idle_ns;
	int32_t tid[UNDONE_TIDS]; /* the waiting threads, in the order seen */
	unsigned ntids;           /* how many of tid are set */
	bool more_tids;           /* more threads than UNDONE_TIDS waited */
	uint64_t waited_on;       /* the CPUs (0-63) whose run queues they waited on */
	bool waited_high;         /* ... or some CPU from 64 on */
	uint8_t why;              /* enum undone_why */
	struct undone_mask mask;  /* UNDONE_WHY_AFFINITY: the union of their masks */
};

struct undone;

/* Creates the analysis fed by the callbacks of model m (undone_on_*),
 * which must outlive it. Returns 0 or -errno. */
int undone_new(struct undone **out, unsigned ncpus, const struct sched_model *m);

/* Frees it. */
void undone_free(struct undone *u);

/* A copy of u, its stretches included, following model m (the copy of
 * u's model whose thread indexes it uses). Returns 0 or -ENOMEM. */
int undone_clone(const struct undone *u, const struct sched_model *m, struct undone **out);

/* The model's callbacks, and each event after the model followed it
 * (affinity, forks, migrations). Return 0 or -ENOMEM. */
int undone_on_state(struct undone *u, const struct sched_change *c);
int undone_on_cpu(struct undone *u, const struct sched_cpu_change *c);
int undone_on_wakeup(struct undone *u, const struct sched_wakeup *w);
int undone_on_event(struct undone *u, const struct event *ev);

/* Ends the trace at end_ns: closes every open stretch. Returns 0 or -ENOMEM. */
int undone_finish(struct undone *u, uint64_t end_ns);

/* The stretches kept, in the order they ended. */
size_t undone_count(const struct undone *u);
const struct undone_stretch *undone_at(const struct undone *u, size_t i);

/* Forgets the kept stretches that ended by t (a timeline that forgets its
 * past: timeline_trim), so that they stop taking memory; the per-CPU
 * figures below still count them. Returns 0 or -ENOMEM (nothing
 * forgotten). */
int undone_forget_before(struct undone *u, uint64_t t);

/* CPU cpu's idle time in stretches, and how many (forgotten or not). */
uint64_t undone_cpu_ns(const struct undone *u, unsigned cpu);
size_t undone_cpu_count(const struct undone *u, unsigned cpu);

/* Whether CPU cpu was in a stretch at some time of [a, b), counting the
 * stretch still open when its idle time up to `end` reaches UNDONE_MIN_NS
 * (a live trace). */
bool undone_cpu_marked(const struct undone *u, unsigned cpu, uint64_t a, uint64_t b, uint64_t end);

/* The stretch still open on CPU cpu, as it stands at `end` (a live trace,
 * or one read from a file and not finished): true and *out set when its
 * idle time reaches UNDONE_MIN_NS. */
bool undone_open_at(const struct undone *u, unsigned cpu, uint64_t end, struct undone_stretch *out);

/* Whether the stretches begun before t are final at `at` (the last event
 * followed) as far as the time before t goes: each either cannot grow any
 * more (its CPU neither idle beside waiting threads nor that less than
 * UNDONE_MERGE_NS before, or its span is over and held less than
 * UNDONE_MIN_NS), or (unless whole) already counts and covers t,
 * so that which instants before t are in a stretch (undone_cpu_marked) is
 * what a reading to the end would say. With whole, every such stretch is
 * complete: its extent, idle time and reason too. */
bool undone_final_before(const struct undone *u, uint64_t at, uint64_t t, bool whole);

/* Writes mask as a CPU list ("1", "0-3,6", "0,2+") into buf. */
void undone_mask_text(const struct undone_mask *mask, char *buf, size_t len);

/* The affinity mask an EVENT_AFFINITY carries. */
struct undone_mask undone_event_mask(const struct event *ev);

/* Bytes of memory it holds. */
size_t undone_memory(const struct undone *u);

/* The part of it that follows the threads and CPUs (their records, the
 * run queue), not the time read. */
size_t undone_memory_fixed(const struct undone *u);

#endif
