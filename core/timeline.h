/* The timeline model: what every thread and every CPU was doing at any time
 * of a trace, built once from the event stream and queried by the views.
 *
 * Per lane (a thread, or a CPU) the model keeps its state changes in time
 * order, plus cumulative time-in-state at checkpoints every few changes and
 * a pyramid of summaries over them (lanesum.h), so "what did lane L do
 * between t0 and t1" costs a few lookups, whatever the zoom and however
 * long the trace: a frame costs lanes x columns, never the number of
 * events in view (docs/design.md, "The timeline", says how exact a cell
 * is).
 * Memory follows the number of events, never the time between them.
 *
 * timeline.c builds it from the scheduling model's changes, into lanes
 * (lane.h) and time indexes (timeindex.h); timeline_query.c answers; the
 * pattern notes of the log come from patterns.c as facts (struct tl_note)
 * that tui/notes_text.c puts in words.
 *
 * Live, the timeline grows while the view reads it: events are appended in
 * time order (one writer) and timeline_set_end() moves its end; everything
 * before the end never changes, so a reader in the same thread between two
 * appends always sees a consistent past. (conctop's live view drains the
 * tracer and renders in one thread.)
 *
 * Anomalies (a switch-out of a thread that was not running, time going
 * backwards, lost events) are counted and shown, never asserted. */
#ifndef CONCTOP_TIMELINE_H
#define CONCTOP_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "vocab.h"
#include "waits.h"

struct timeline;

/* The letter of every thread after the 52 letters A-Z, a-z ('?' is an
 * unknown CPU): the log names such a thread by its tid ("&4711"). */
#define TL_LETTER_MORE '&'

/* A thread as the timeline knows it. */
struct tl_thread {
	int32_t tid, tgid;
	char name[EVENT_TEXT_MAX];  /* latest name (rename, exec) */
	char letter;                /* 'A'..'Z', 'a'..'z' in order of appearance, then TL_LETTER_MORE */
	uint64_t start_ns, end_ns;  /* lifetime; end_ns is the timeline's end while alive */
	bool existed, exited;
};

/* One column of a thread lane: the state that took most of [t0, t1). */
struct tl_cell {
	uint8_t state;   /* enum tl_state */
	int16_t cpu;     /* when state is TL_RUNNING: the CPU it ran on most, else -1 */
	bool mixed;      /* no state took more than half of the cell */
	bool wakeup;     /* the thread was woken within the cell */
	uint32_t wakeups; /* how many times (in a column read from the summaries, those of its
			   * two end nodes counted in proportion) */
};

/* One column of a CPU lane: the occupant that took most of [t0, t1). */
struct tl_cpu_cell {
	uint8_t kind;    /* enum tl_cpu_kind */
	size_t thread;   /* index of the thread when kind is TL_CPU_THREAD */
	bool mixed;      /* no occupant took more than half of the cell */
	bool undone;     /* idle, and within a stretch of undone work (undone.h):
			  * threads waited on another, busy CPU meanwhile */
	uint64_t run_ns;   /* of span_ns, the time it ran the program's threads
			    * (in a wide cell: the time it was not idle, on
			    * another program or unknown, as its summaries tell) */
	uint64_t span_ns;  /* the cell's length */
};

/* A thread at one instant: for the inspect panel. */
struct tl_at {
	uint8_t state;     /* enum tl_state */
	int16_t cpu;       /* when running */
	uint64_t since;    /* when that state began */
	bool since_cut;    /* it began at since or before: what came before was trimmed or
			    * skimmed, so since is only where the lane's records start */
	int64_t woken_by;  /* index of the thread whose wakeup made it runnable last, or TL_WAKER_* */
	uint64_t woken_at; /* ts of that wakeup */
	int64_t object;    /* blocked or spinning: the object it waits on (timeline_object_label), -1 */
	int64_t holder;    /* blocked on a mutex: the thread holding it then; on a join: the thread; -1 */
	bool signalling;   /* blocked inside a cond signal or broadcast, not waiting on the cond */
};

#define TL_LOG_SIGNAL_SENT 0x100 /* TL_LOG_SIGNAL: other holds the signal sent (see below) */
#define TL_LOG_SIGNAL_GROUP 0x200 /* TL_LOG_SIGNAL: a SIGKILL nobody sent: its process's exit,
				   * crash or exec in another thread ends the thread */

/* Notable events, for the event log (tui/render.c puts them in words). */
enum tl_log_kind {
	TL_LOG_WAKEUP,   /* thread woken by other (a thread or TL_WAKER_*); cpu it ran on, latency */
	TL_LOG_NEW,      /* thread created by other */
	TL_LOG_EXIT,     /* thread exited */
	TL_LOG_RENAME,   /* thread took the name in text */
	TL_LOG_MARK,     /* thread called conctop_mark(text, value) */
	TL_LOG_LOST,     /* value events lost on cpu */
	TL_LOG_BLOCK,    /* thread blocked on the object whose label is text (value = object index),
			  * held by other (a thread index, or -1) */
	TL_LOG_DEADLOCK, /* the wait-for graph closed into a cycle: value = timeline_deadlock index */
	TL_LOG_NOTE,     /* a pattern seen for certain: the facts in note */
	TL_LOG_DAMAGED,  /* a damaged part of the file was skipped after this instant: text
			  * says where (the reader's words), value how many such parts so far */
	TL_LOG_SIGNAL,   /* thread took signal value with its default action, which ends the
			  * process (a crash's SIGSEGV, an uncaught SIGTERM); other 1: the
			  * action dumps core; other TL_LOG_SIGNAL_SENT | S: value is the
			  * SIGKILL the kernel delivers a group-fatal signal as, and S the
			  * signal sent (SIGTERM, SIGINT, SIGHUP...); other
			  * TL_LOG_SIGNAL_GROUP: a SIGKILL no signal sent explains */
};

/* The patterns a note can be about (tui/notes_text.c says them in words). */
enum tl_note_kind {
	TL_NOTE_HERD,        /* thundering herd: thread's broadcast on object at t0 woke count
			      * waiters; count2 of them went back to waiting */
	TL_NOTE_LOST_WAKEUP, /* other signalled object at t0 with nobody waiting; thread waited on
			      * it from t1, timed out, and was never woken */
	TL_NOTE_STRAGGLER,   /* thread arrived last at barrier object; count others waited for
			      * it, ns in all */
	TL_NOTE_CONVOY,      /* count threads blocked on mutex object count2 times within [t0, t1),
			      * each coming back to it in turn (thread: the last to block) */
};

/* A pattern seen for certain, as facts. */
struct tl_note {
	uint8_t kind;        /* enum tl_note_kind */
	int64_t thread;      /* thread index, -1 unknown */
	int64_t other;       /* another thread index, -1 none */
	int64_t object;      /* timeline_object_label index, -1 unknown */
	uint64_t t0, t1;
	uint32_t count, count2;
	uint64_t ns;
};

/* One entry of the log. */
struct tl_log_entry {
	uint64_t ts;
	uint8_t kind;        /* enum tl_log_kind */
	size_t thread;       /* subject thread index (SIZE_MAX for LOST and DEADLOCK) */
	int64_t other;       /* waker / creator / holder index, or TL_WAKER_* */
	int16_t cpu;
	uint64_t latency_ns; /* WAKEUP: from wakeup to running (0 if it had not run by the end) */
	int64_t value;       /* MARK: value; LOST: count; BLOCK: object; DEADLOCK: its index */
	char text[EVENT_TEXT_MAX];
	struct tl_note note; /* NOTE: the facts */
};

/* Creates an empty timeline for a trace of ncpus CPUs. Returns 0 or -errno. */
int timeline_new(struct timeline **out, unsigned ncpus);

/* Frees it. */
void timeline_free(struct timeline *tl);

/* Before the first event: conctop started the traced program, whose first
 * thread waits at its start gate (sched_model_set_gated). */
void timeline_set_gated(struct timeline *tl, bool gated);

/* Forgets what happened before t, to bound a live view's memory (its
 * history stays in the trace file): every lane starts at t with the state
 * it had then, the log keeps its entries from t on, and the markers theirs
 * and the TL_MARKS_LOOKBACK before (a level strip's value at t comes from
 * them).
 * Threads, objects and the present are kept. A t past the end is the end.
 * Returns 0, or -ENOMEM with the timeline unchanged (-EBUSY while it
 * keeps only the present: timeline_skim_until). */
int timeline_trim(struct timeline *tl, uint64_t t);

/* Keeps, from the next trim on, a coarse summary of what trims forget
 * (core/overview.h), of about budget bytes at most: a column before what
 * the lanes keep is then drawn from it (its buckets counted in proportion
 * to their part inside) instead of left blank. A live view and a replay
 * under a memory cap keep one. Returns 0 or -ENOMEM. */
int timeline_keep_overview(struct timeline *tl, size_t budget);

/* What the overview covers, [*from, *to), and its buckets' *width; false
 * when there is none or it covers nothing yet. */
bool timeline_overview_span(const struct timeline *tl, uint64_t *from, uint64_t *to, uint64_t *width);

/* Whether the overview draws a window [from, to) of columns of npc well:
 * the timeline keeps one, it begins at from or before, and a column spans
 * OVERVIEW_COLUMN_BUCKETS of its buckets or more once it reaches to. A view
 * draws such a window before what is kept from it rather than read it
 * back, and replay reads on (trimming) under it. */
#define OVERVIEW_COLUMN_BUCKETS 2
bool timeline_overview_draws(const struct timeline *tl, uint64_t from, uint64_t to, uint64_t npc);

/* A reading of a window from t: until an event at t or later comes, the
 * timeline keeps only the present (each lane its last change, what that
 * waits on, the first and the last TL_MARKS_LOOKBACK markers; no log,
 * notes or step
 * instants), which is all a timeline_trim at t reads of what came before
 * t; from that event on it keeps everything again. Memory before t is
 * then the threads', not the events'; the caller trims at t once past it
 * (timeline_trim refuses before). Only on a new timeline: -EBUSY
 * otherwise. */
int timeline_skim_until(struct timeline *tl, uint64_t t);

/* Whether it still keeps only the present (timeline_skim_until). */
bool timeline_skimming(const struct timeline *tl);

/* A new timeline holding tl's present only, as timeline_trim would leave
 * tl at the last event it followed: the threads, objects and model as
 * they are, every lane starting there, the log empty. Events that follow
 * those tl followed, added to the copy, make it answer for the time after
 * exactly as tl would: a live view keeps such copies of its timeline as
 * checkpoints, to read a window of its past back from the trace file from
 * the nearest one instead of from the file's start. Returns 0 or -ENOMEM. */
int timeline_clone(const struct timeline *tl, struct timeline **out);

/* Bytes a copy of tl (timeline_clone) holds at the least, known without
 * making it: the records of its threads and their lanes, which a copy
 * keeps whatever else it does (a copy too large to keep need not be made
 * to be found so: a copy of a program that made 300 000 threads held 120 MB). */
size_t timeline_clone_memory_least(const struct timeline *tl);

/* A history of spans (spans.h, keeping `keep`) that starts at tl's
 * present, as a copy of it would (timeline_clone): fed the events after
 * those tl followed, it holds every state that ends after its last event
 * as a history fed from the start would. Returns 0 or -ENOMEM. */
struct spans;
int timeline_spans(const struct timeline *tl, unsigned keep, struct spans **out);

/* Whether reading on can no longer change the states and undone work the
 * timeline holds before t: the model's past is final (sched_model_settled)
 * and so are the marks of undone work (undone_final_before). With no
 * event of TL_LATE_TYPES to come either, the lanes of a window that ends
 * at t are those of the whole trace: its reading stops there. With
 * for_log (and TL_LOG_LATE_TYPES), so is the log of the window: the
 * children waited for, when the threads woken ran, whole stretches of
 * undone work. */
bool timeline_settled(const struct timeline *tl, uint64_t t, bool for_log);

/* The event types (bit t for type t) that change what the lanes of a
 * window show though they come after it: a thread's name and process
 * (thread, exec, rename) and the count of lost events; for its log, an
 * object's name too. Not a fork: it names a thread that appears at it,
 * and the reading goes past the window until every thread in it is
 * settled (a program making threads all along held the reading to the
 * file's end). */
#define TL_LATE_TYPES                                                                                             \
	((1ull << EVENT_THREAD) | (1ull << EVENT_EXEC) | (1ull << EVENT_RENAME) | (1ull << EVENT_LOST))
#define TL_LOG_LATE_TYPES (TL_LATE_TYPES | (1ull << EVENT_OBJECT))

/* Where the reading of a window that ends at `to` may stop at the
 * earliest, from the trace's index: past to, and past the last chunk
 * holding an event of TL_LATE_TYPES (for_log: TL_LOG_LATE_TYPES); from
 * there on it stops once timeline_settled(to, for_log). */
struct trace_index;
uint64_t timeline_read_through(const struct trace_index *ix, uint64_t to, bool for_log);

/* The first instant the timeline holds: 0, or the last trim's t. */
uint64_t timeline_kept_from(const struct timeline *tl);

/* Appends one event (events come in time order; an earlier one is counted as
 * an anomaly and taken at the current end). Returns 0 or -ENOMEM. */
int timeline_add(struct timeline *tl, const struct event *ev);

/* Hands every change its scheduling model reports to ops with ctx too,
 * after the timeline took it (NULL ops: none any more): a history that
 * follows the same events needs no model of its own (spans_new_following,
 * a live view's waits). The first error a handler returns stops the
 * handing, is kept for timeline_listener_error and is not the timeline's:
 * timeline_add goes on. A change the timeline failed to take (its error is
 * timeline_add's) stops the handing too, with that error: the listener
 * would miss it. */
struct sched_model;
struct sched_model_ops;
void timeline_listen(struct timeline *tl, const struct sched_model_ops *ops, void *ctx);

/* The error that stopped the handing (timeline_listen), else 0. */
int timeline_listener_error(const struct timeline *tl);

/* Its scheduling model, for a listener to read (timeline_listen). */
const struct sched_model *timeline_model(const struct timeline *tl);

/* Notes that a damaged part of the file was skipped after the last event
 * (what: the reader's words for it, or NULL): the log says so there and
 * the lanes mark it, as for lost events. Returns 0 or -ENOMEM. */
int timeline_note_damage(struct timeline *tl, const char *what);

/* Moves the end of the timeline (live: now; replay: the trace's end): open
 * states extend to it. Never moves it backwards. */
void timeline_set_end(struct timeline *tl, uint64_t end_ns);
uint64_t timeline_end(const struct timeline *tl);

/* Where a CPU was idle while threads waited on another, busy CPU (undone.h):
 * stretches that ended, and the one still open on each CPU
 * (undone_cpu_marked with the timeline's end). */
struct undone;
const struct undone *timeline_undone(const struct timeline *tl);

unsigned timeline_ncpus(const struct timeline *tl);
size_t timeline_thread_count(const struct timeline *tl);
const struct tl_thread *timeline_thread(const struct timeline *tl, size_t i);

/* Time spent in each state by thread i within [t0, t1), into out[TL_STATE_MAX]
 * (TL_NOT_ALIVE counts the part of the window outside its lifetime); before
 * what a trimmed timeline keeps, from its overview (timeline_keep_overview),
 * whose shares it dropped counting nowhere. */
void timeline_thread_sum(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1,
			 uint64_t out[TL_STATE_MAX]);

/* The cell of thread i for the column [t0, t1). */
void timeline_thread_cell(const struct timeline *tl, size_t i, uint64_t t0, uint64_t t1, struct tl_cell *cell);

/* Thread i at instant t. */
void timeline_thread_at(const struct timeline *tl, size_t i, uint64_t t, struct tl_at *at);

/* The cell of CPU cpu for the column [t0, t1). */
void timeline_cpu_cell(const struct timeline *tl, unsigned cpu, uint64_t t0, uint64_t t1, struct tl_cpu_cell *cell);

/* The first scheduling event (a switch or a wakeup of a traced thread)
 * strictly after t, or strictly before t. Return 0 and set *ts, or -ENOENT. */
int timeline_next_event(const struct timeline *tl, uint64_t t, uint64_t *ts);
int timeline_prev_event(const struct timeline *tl, uint64_t t, uint64_t *ts);

/* The log: its entries are numbered from 0 in time order; an entry never
 * changes once added (a wakeup's latency is known once the thread ran).
 * timeline_log_index gives the number of the first entry at or after t
 * (the count when none), so [index(t0), index(t1)) are the entries of the
 * window [t0, t1). timeline_log_read fills out with entries first,
 * first + 1, ... (at most max, none past the last) and returns how many. */
uint64_t timeline_log_count(const struct timeline *tl);

/* The scenario's markers (conctop_mark), in time order, for drawing them on
 * the lanes: their count, the number of the first at or after t, and
 * marker i (< the count) as a TL_LOG_MARK entry (ts, thread, value, text).
 * A reader looks back at most TL_MARKS_LOOKBACK markers from a window's
 * start for a level's value there (and forward as many from the first for
 * its name); timeline_trim keeps that many before its instant, and the
 * trace's first TL_MARKS_LOOKBACK (where a level is named), so that a
 * trimmed timeline's markers answer both as the whole one's would. */
#define TL_MARKS_LOOKBACK 4096
size_t timeline_mark_count(const struct timeline *tl);
size_t timeline_mark_index(const struct timeline *tl, uint64_t t);
void timeline_mark(const struct timeline *tl, size_t i, struct tl_log_entry *e);
/* Whether marker i is known to be the last set at or before t: false when
 * markers after it and before t may have been forgotten (the trace's
 * first TL_MARKS_LOOKBACK are kept, then those before the latest trim). */
bool timeline_mark_last_known(const struct timeline *tl, size_t i, uint64_t t);
uint64_t timeline_log_index(const struct timeline *tl, uint64_t t);
size_t timeline_log_read(const struct timeline *tl, uint64_t first, struct tl_log_entry *out, size_t max);

/* How object i is called ("count_lock", "GIL", "mutex@7f3a..c0"). */
void timeline_object_label(const struct timeline *tl, int64_t object, char *buf, size_t len);

/* Object i's kind (OP_KIND_*: OP_KIND_CHILD for a child process waited
 * for), 0 for no object. */
uint32_t timeline_object_kind(const struct timeline *tl, int64_t object);

/* The deadlocks found (links name tids; timeline_thread_index finds them). */
size_t timeline_deadlock_count(const struct timeline *tl);
const struct waits_deadlock *timeline_deadlock(const struct timeline *tl, size_t i);

/* The index of the latest thread with tid, or -1. */
long timeline_thread_index(const struct timeline *tl, int32_t tid);

/* Counters for the header. */
uint64_t timeline_events(const struct timeline *tl);
uint64_t timeline_lost(const struct timeline *tl);
uint64_t timeline_damaged(const struct timeline *tl);
uint64_t timeline_anomalies(const struct timeline *tl);

/* Bytes of memory the timeline holds (the caps, the header, the
 * benchmark): its lanes' part counted as they change, no walk of them. */
size_t timeline_memory(const struct timeline *tl);

/* timeline_memory with its lanes' part counted by a walk of every lane:
 * the same figure (for tests). */
size_t timeline_memory_recount(const struct timeline *tl);

/* The thread lanes that hold records, as the list a trim rebuilds from
 * says; with walked, also as a walk of every lane counts them into it:
 * the same (for tests). */
size_t timeline_lanes_held(const struct timeline *tl, size_t *walked);

/* The part of timeline_memory that no trim frees: the threads' and CPUs'
 * records, each lane's first block, a blocked thread's wait record, the
 * model's threads and CPUs, the patterns' objects and waits, undone
 * work's threads and run queue, the overview (bounded on its own). A trace of 300 000 threads needs about
 * 190 MB of it before any history; one of 100 000 threads blocked on
 * 100 000 mutexes, 18 MB more for the objects. */
size_t timeline_memory_fixed(const struct timeline *tl);

/* The rest: the history, what a trim frees. A cap on what a view reads
 * weighs this part, or a trace of many threads fills it before any
 * history and the reading waits for good. */
size_t timeline_memory_history(const struct timeline *tl);

/* timeline_memory, and the history's part of it into *history: one walk
 * of the lanes for both (a live view weighs them at every trim check). */
size_t timeline_memory_split(const struct timeline *tl, size_t *history);

/* Of those, the bytes of the lanes' summaries (lanesum.h). */
size_t timeline_summary_memory(const struct timeline *tl);

#endif
