/* Perfetto's native trace format, written (see perfetto.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pbwire.h"
#include "perfetto.h"

/* Field numbers, from Perfetto's protos (message: field = number). */
enum {
	TRACE_PACKET = 1,              /* Trace.packet */
	PKT_FTRACE_EVENTS = 1,         /* TracePacket.ftrace_events (FtraceEventBundle) */
	PKT_TIMESTAMP = 8,
	PKT_SEQUENCE_ID = 10,          /* trusted_packet_sequence_id */
	PKT_TRACK_EVENT = 11,
	PKT_SEQUENCE_FLAGS = 13,
	PKT_SYSTEM_INFO = 45,
	PKT_TRACK_DESCRIPTOR = 60,
	BUNDLE_CPU = 1, BUNDLE_EVENT = 2, BUNDLE_LOST_EVENTS = 3,
	FTRACE_TIMESTAMP = 1, FTRACE_PID = 2,  /* FtraceEvent */
	FTRACE_SCHED_SWITCH = 4, FTRACE_SCHED_WAKEUP = 17, FTRACE_SCHED_WAKING = 20,
	FTRACE_SCHED_WAKEUP_NEW = 114, FTRACE_TASK_RENAME = 236, FTRACE_SCHED_PROCESS_EXEC = 237,
	FTRACE_SCHED_PROCESS_EXIT = 238, FTRACE_SCHED_PROCESS_FORK = 239, FTRACE_SCHED_MIGRATE_TASK = 491,
	FTRACE_TASK_NEWTASK = 235, FTRACE_SCHED_PROCESS_FREE = 240,
	/* SchedSwitchFtraceEvent */
	SWITCH_PREV_COMM = 1, SWITCH_PREV_PID = 2, SWITCH_PREV_PRIO = 3, SWITCH_PREV_STATE = 4,
	SWITCH_NEXT_COMM = 5, SWITCH_NEXT_PID = 6, SWITCH_NEXT_PRIO = 7,
	/* SchedWaking/Wakeup/WakeupNewFtraceEvent */
	WAKE_COMM = 1, WAKE_PID = 2, WAKE_PRIO = 3, WAKE_SUCCESS = 4, WAKE_TARGET_CPU = 5,
	/* SchedMigrateTaskFtraceEvent */
	MIGRATE_COMM = 1, MIGRATE_PID = 2, MIGRATE_PRIO = 3, MIGRATE_ORIG_CPU = 4, MIGRATE_DEST_CPU = 5,
	FORK_PARENT_COMM = 1, FORK_PARENT_PID = 2, FORK_CHILD_COMM = 3, FORK_CHILD_PID = 4,
	EXIT_COMM = 1, EXIT_PID = 2, EXIT_TGID = 3, EXIT_PRIO = 4,
	EXEC_FILENAME = 1, EXEC_PID = 2, EXEC_OLD_PID = 3,
	RENAME_PID = 1, RENAME_OLDCOMM = 2, RENAME_NEWCOMM = 3,
	NEWTASK_PID = 1, NEWTASK_COMM = 2, NEWTASK_CLONE_FLAGS = 3,
	FREE_COMM = 1, FREE_PID = 2, FREE_PRIO = 3,
	/* SystemInfo, Utsname */
	SYSINFO_UTSNAME = 1, SYSINFO_NUM_CPUS = 8, UTS_SYSNAME = 1, UTS_RELEASE = 3,
	/* TrackDescriptor, ProcessDescriptor, ThreadDescriptor */
	TD_UUID = 1, TD_NAME = 2, TD_PROCESS = 3, TD_THREAD = 4, TD_PARENT_UUID = 5,
	PD_PID = 1, PD_PROCESS_NAME = 6,
	THD_PID = 1, THD_TID = 2, THD_THREAD_NAME = 5,
	/* TrackEvent, DebugAnnotation */
	TE_DEBUG_ANNOTATIONS = 4, TE_TYPE = 9, TE_TRACK_UUID = 11, TE_CATEGORIES = 22, TE_NAME = 23,
	TE_FLOW_IDS = 47, TE_TERMINATING_FLOW_IDS = 48,
	DA_INT_VALUE = 4, DA_STRING_VALUE = 6, DA_NAME = 10,
};

#define SEQUENCE_ID 1            /* the one packet sequence conctop writes */
#define CLONE_THREAD_FLAGS 0x3d0f00u /* clone's flags for a thread (glibc's pthread_create) */
#define SIGCHLD_FLAGS 17u        /* fork's: a new process, SIGCHLD to the parent at its end */
#define SEQ_INCREMENTAL_STATE_CLEARED 1
#define DEFAULT_PRIO 120         /* the records' prio: conctop does not record it */
#define BUNDLE_FLUSH (64u << 10) /* bytes of records per CPU before a packet is written */

struct cpu_bundle {
	struct pb_buf events;    /* encoded FtraceEvent fields (BUNDLE_EVENT entries) */
	bool lost;
};

struct perfetto {
	FILE *f;
	unsigned ncpus;
	struct cpu_bundle *cpu;
	struct pb_buf pkt;       /* the packet being built */
	int err;
	bool first_on_sequence;
	uint64_t switches;
	uint64_t track_ts;       /* the descriptors' time (perfetto_track_time), 0 none */
};

/* Starts a trace on f. */
int perfetto_new(struct perfetto **out, FILE *f, unsigned ncpus)
{
	struct perfetto *p = calloc(1, sizeof(*p));
	unsigned i;

	*out = NULL;
	if (!p || !ncpus || !(p->cpu = calloc(ncpus, sizeof(*p->cpu)))) {
		free(p);
		return -ENOMEM;
	}
	p->f = f;
	p->ncpus = ncpus;
	for (i = 0; i < ncpus; i++)
		pb_init(&p->cpu[i].events);
	pb_init(&p->pkt);
	p->first_on_sequence = true;
	*out = p;
	return 0;
}

/* Frees p. */
void perfetto_free(struct perfetto *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->ncpus; i++)
		pb_done(&p->cpu[i].events);
	free(p->cpu);
	pb_done(&p->pkt);
	free(p);
}

/* Writes the packet built in p->pkt (a whole Trace.packet field). */
static int write_packet(struct perfetto *p)
{
	if (!p->err && pb_error(&p->pkt))
		p->err = pb_error(&p->pkt);
	if (!p->err && p->pkt.len && fwrite(p->pkt.data, 1, p->pkt.len, p->f) != p->pkt.len)
		p->err = -EIO;
	pb_reset(&p->pkt);
	return p->err;
}

/* Opens a packet of the conctop sequence (the first one clears its state). */
static void sequence_packet(struct perfetto *p, uint64_t ts)
{
	pb_begin(&p->pkt, TRACE_PACKET);
	if (ts)
		pb_uint(&p->pkt, PKT_TIMESTAMP, ts);
	pb_uint(&p->pkt, PKT_SEQUENCE_ID, SEQUENCE_ID);
	if (p->first_on_sequence) {
		pb_uint(&p->pkt, PKT_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
		p->first_on_sequence = false;
	}
}

/* Writes cpu's buffered records as one FtraceEventBundle packet. */
static int flush_cpu(struct perfetto *p, unsigned cpu)
{
	struct cpu_bundle *c = &p->cpu[cpu];

	if (pb_error(&c->events) && !p->err)
		p->err = pb_error(&c->events);
	if (p->err || (!c->events.len && !c->lost))
		return p->err;
	pb_begin(&p->pkt, TRACE_PACKET);
	pb_begin(&p->pkt, PKT_FTRACE_EVENTS);
	pb_uint(&p->pkt, BUNDLE_CPU, cpu);
	pb_raw(&p->pkt, c->events.data, c->events.len);
	if (c->lost)
		pb_uint(&p->pkt, BUNDLE_LOST_EVENTS, 1);
	pb_end(&p->pkt);
	pb_end(&p->pkt);
	pb_reset(&c->events);
	c->lost = false;
	return write_packet(p);
}

/* Writes every CPU's records, then returns the first error. */
int perfetto_finish(struct perfetto *p)
{
	unsigned i;

	for (i = 0; i < p->ncpus; i++)
		flush_cpu(p, i);
	if (!p->err && fflush(p->f))
		p->err = -errno;
	return p->err;
}

/* The system's kernel release and CPU count. */
int perfetto_system_info(struct perfetto *p, const char *release, unsigned ncpus)
{
	pb_begin(&p->pkt, TRACE_PACKET);
	pb_begin(&p->pkt, PKT_SYSTEM_INFO);
	pb_begin(&p->pkt, SYSINFO_UTSNAME);
	pb_string(&p->pkt, UTS_SYSNAME, "Linux");
	pb_string(&p->pkt, UTS_RELEASE, release);
	pb_end(&p->pkt);
	pb_uint(&p->pkt, SYSINFO_NUM_CPUS, ncpus);
	pb_end(&p->pkt);
	pb_end(&p->pkt);
	return write_packet(p);
}

/* Gives the descriptors written from now on a time (see perfetto.h). */
void perfetto_track_time(struct perfetto *p, uint64_t ts)
{
	p->track_ts = ts;
}

/* Opens the packet of a track's descriptor, its uuid written. */
static void track_begin(struct perfetto *p, uint64_t uuid)
{
	sequence_packet(p, p->track_ts);
	pb_begin(&p->pkt, PKT_TRACK_DESCRIPTOR);
	pb_uint(&p->pkt, TD_UUID, uuid);
}

/* Closes the descriptor and writes its packet. Returns 0 or -errno. */
static int track_end(struct perfetto *p)
{
	pb_end(&p->pkt);
	pb_end(&p->pkt);
	return write_packet(p);
}

/* A process's track. */
int perfetto_track_process(struct perfetto *p, uint64_t uuid, int32_t pid, const char *name)
{
	track_begin(p, uuid);
	pb_begin(&p->pkt, TD_PROCESS);
	pb_int(&p->pkt, PD_PID, pid);
	pb_string(&p->pkt, PD_PROCESS_NAME, name);
	pb_end(&p->pkt);
	return track_end(p);
}

/* A thread's track. */
int perfetto_track_thread(struct perfetto *p, uint64_t uuid, uint64_t parent, int32_t pid, int32_t tid,
			  const char *name)
{
	track_begin(p, uuid);
	if (parent)
		pb_uint(&p->pkt, TD_PARENT_UUID, parent);
	pb_begin(&p->pkt, TD_THREAD);
	pb_int(&p->pkt, THD_PID, pid);
	pb_int(&p->pkt, THD_TID, tid);
	pb_string(&p->pkt, THD_THREAD_NAME, name);
	pb_end(&p->pkt);
	return track_end(p);
}

/* A global track (not tied to a process or thread). */
int perfetto_track_global(struct perfetto *p, uint64_t uuid, const char *name)
{
	track_begin(p, uuid);
	pb_string(&p->pkt, TD_NAME, name);
	return track_end(p);
}

/* One field of an FtraceEvent's own message: a number, or a string. */
struct ftrace_field {
	unsigned num;
	bool is_str;
	int64_t v;
	const char *s;
};

#define F_INT(num, v) { (num), false, (v), NULL }
#define F_STR(num, s) { (num), true, 0, (s) }
/* A task as the sched events give it: comm, pid and prio, numbered from
 * comm's field on (the layout of every sched event that has all three). */
#define F_TASK(comm_num, t) F_STR((comm_num), (t).comm), F_INT((comm_num) + 1, (t).pid), \
			    F_INT((comm_num) + 2, DEFAULT_PRIO)
_Static_assert(SWITCH_PREV_PRIO == SWITCH_PREV_COMM + 2 && SWITCH_NEXT_PRIO == SWITCH_NEXT_COMM + 2 &&
		       WAKE_PRIO == WAKE_COMM + 2 && MIGRATE_PRIO == MIGRATE_COMM + 2 &&
		       SWITCH_PREV_PID == SWITCH_PREV_COMM + 1 && SWITCH_NEXT_PID == SWITCH_NEXT_COMM + 1 &&
		       WAKE_PID == WAKE_COMM + 1 && MIGRATE_PID == MIGRATE_COMM + 1,
	       "F_TASK's fields follow comm");
#define NFIELDS(f) (sizeof(f) / sizeof((f)[0]))

/* Writes an FtraceEvent of kind `kind` on cpu: its time, its pid, then
 * its own message of n fields; the CPU's bundle is written when it is big
 * enough. Returns 0 or -errno (-EINVAL for a CPU out of range). */
static int ftrace_record(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t pid, unsigned kind,
			 const struct ftrace_field *f, size_t n)
{
	struct pb_buf *b;
	size_t i;

	if (cpu >= p->ncpus) {
		if (!p->err)
			p->err = -EINVAL;
		return p->err;
	}
	b = &p->cpu[cpu].events;
	pb_begin(b, BUNDLE_EVENT);
	pb_uint(b, FTRACE_TIMESTAMP, ts);
	pb_uint(b, FTRACE_PID, (uint32_t)pid);
	pb_begin(b, kind);
	for (i = 0; i < n; i++) {
		if (f[i].is_str)
			pb_string(b, f[i].num, f[i].s);
		else
			pb_int(b, f[i].num, f[i].v);
	}
	pb_end(b);
	pb_end(b);
	if (b->len >= BUNDLE_FLUSH)
		return flush_cpu(p, cpu);
	return pb_error(b) ? pb_error(b) : p->err;
}

/* sched_switch. */
int perfetto_sched_switch(struct perfetto *p, unsigned cpu, uint64_t ts, struct perfetto_task prev,
			  int64_t prev_state, struct perfetto_task next)
{
	const struct ftrace_field f[] = { F_TASK(SWITCH_PREV_COMM, prev), F_INT(SWITCH_PREV_STATE, prev_state),
					  F_TASK(SWITCH_NEXT_COMM, next) };

	if (cpu < p->ncpus)
		p->switches++;
	return ftrace_record(p, cpu, ts, prev.pid, FTRACE_SCHED_SWITCH, f, NFIELDS(f));
}

/* sched_waking, sched_wakeup and sched_wakeup_new (kind): the woken task. */
static int wake_record(struct perfetto *p, unsigned kind, unsigned cpu, uint64_t ts, int32_t cur,
		       struct perfetto_task woken, int target_cpu)
{
	const struct ftrace_field f[] = { F_TASK(WAKE_COMM, woken), F_INT(WAKE_SUCCESS, 1),
					  F_INT(WAKE_TARGET_CPU, target_cpu) };

	return ftrace_record(p, cpu, ts, cur, kind, f, NFIELDS(f));
}

/* sched_waking. */
int perfetto_sched_waking(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task woken,
			  int target_cpu)
{
	return wake_record(p, FTRACE_SCHED_WAKING, cpu, ts, cur, woken, target_cpu);
}

/* sched_wakeup, or sched_wakeup_new for a new task. */
int perfetto_sched_wakeup(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task woken,
			  int target_cpu, bool new_task)
{
	return wake_record(p, new_task ? FTRACE_SCHED_WAKEUP_NEW : FTRACE_SCHED_WAKEUP, cpu, ts, cur, woken,
			   target_cpu);
}

/* sched_migrate_task. */
int perfetto_sched_migrate(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task task,
			   int orig_cpu, int dest_cpu)
{
	const struct ftrace_field f[] = { F_TASK(MIGRATE_COMM, task), F_INT(MIGRATE_ORIG_CPU, orig_cpu),
					  F_INT(MIGRATE_DEST_CPU, dest_cpu) };

	return ftrace_record(p, cpu, ts, cur, FTRACE_SCHED_MIGRATE_TASK, f, NFIELDS(f));
}

/* sched_process_fork. */
int perfetto_sched_fork(struct perfetto *p, unsigned cpu, uint64_t ts, struct perfetto_task parent,
			struct perfetto_task child)
{
	const struct ftrace_field f[] = { F_STR(FORK_PARENT_COMM, parent.comm), F_INT(FORK_PARENT_PID, parent.pid),
					  F_STR(FORK_CHILD_COMM, child.comm), F_INT(FORK_CHILD_PID, child.pid) };

	return ftrace_record(p, cpu, ts, parent.pid, FTRACE_SCHED_PROCESS_FORK, f, NFIELDS(f));
}

/* task_newtask: what Perfetto's importer starts a thread or a process by
 * (sched_process_fork only goes to its raw table). */
int perfetto_task_newtask(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task child,
			  bool thread)
{
	const struct ftrace_field f[] = { F_INT(NEWTASK_PID, child.pid), F_STR(NEWTASK_COMM, child.comm),
					  F_INT(NEWTASK_CLONE_FLAGS, thread ? CLONE_THREAD_FLAGS : SIGCHLD_FLAGS) };

	return ftrace_record(p, cpu, ts, cur, FTRACE_TASK_NEWTASK, f, NFIELDS(f));
}

/* sched_process_free: what Perfetto's importer ends a thread by. */
int perfetto_sched_free(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task task)
{
	const struct ftrace_field f[] = { F_STR(FREE_COMM, task.comm), F_INT(FREE_PID, task.pid),
					  F_INT(FREE_PRIO, DEFAULT_PRIO) };

	return ftrace_record(p, cpu, ts, cur, FTRACE_SCHED_PROCESS_FREE, f, NFIELDS(f));
}

/* sched_process_exit. */
int perfetto_sched_exit(struct perfetto *p, unsigned cpu, uint64_t ts, struct perfetto_task task, int32_t tgid)
{
	const struct ftrace_field f[] = { F_STR(EXIT_COMM, task.comm), F_INT(EXIT_PID, task.pid), F_INT(EXIT_TGID, tgid),
					  F_INT(EXIT_PRIO, DEFAULT_PRIO) };

	return ftrace_record(p, cpu, ts, task.pid, FTRACE_SCHED_PROCESS_EXIT, f, NFIELDS(f));
}

/* sched_process_exec. */
int perfetto_sched_exec(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t pid, const char *filename)
{
	const struct ftrace_field f[] = { F_STR(EXEC_FILENAME, filename), F_INT(EXEC_PID, pid), F_INT(EXEC_OLD_PID, pid) };

	return ftrace_record(p, cpu, ts, pid, FTRACE_SCHED_PROCESS_EXEC, f, NFIELDS(f));
}

/* task_rename. */
int perfetto_task_rename(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t pid, const char *oldcomm,
			 const char *newcomm)
{
	const struct ftrace_field f[] = { F_INT(RENAME_PID, pid), F_STR(RENAME_OLDCOMM, oldcomm),
					  F_STR(RENAME_NEWCOMM, newcomm) };

	return ftrace_record(p, cpu, ts, pid, FTRACE_TASK_RENAME, f, NFIELDS(f));
}

/* Marks cpu's next bundle as having lost events. */
void perfetto_ftrace_lost(struct perfetto *p, unsigned cpu)
{
	if (cpu < p->ncpus)
		p->cpu[cpu].lost = true;
}

/* A track event: slice begin or end, or an instant, with flows and
 * annotations. */
int perfetto_track_event(struct perfetto *p, const struct perfetto_event *e)
{
	size_t i;

	sequence_packet(p, e->ts);
	pb_begin(&p->pkt, PKT_TRACK_EVENT);
	pb_uint(&p->pkt, TE_TYPE, (uint64_t)e->type);
	pb_uint(&p->pkt, TE_TRACK_UUID, e->track);
	if (e->type != PERFETTO_SLICE_END) {
		pb_string(&p->pkt, TE_CATEGORIES, "conctop");
		pb_string(&p->pkt, TE_NAME, e->name ? e->name : "");
	}
	if (e->flow_out)
		pb_fixed64(&p->pkt, TE_FLOW_IDS, e->flow_out);
	if (e->flow_in)
		pb_fixed64(&p->pkt, TE_TERMINATING_FLOW_IDS, e->flow_in);
	for (i = 0; i < e->nargs; i++) {
		pb_begin(&p->pkt, TE_DEBUG_ANNOTATIONS);
		pb_string(&p->pkt, DA_NAME, e->args[i].name);
		if (e->args[i].str)
			pb_string(&p->pkt, DA_STRING_VALUE, e->args[i].str);
		else
			pb_int(&p->pkt, DA_INT_VALUE, e->args[i].num);
		pb_end(&p->pkt);
	}
	pb_end(&p->pkt);
	pb_end(&p->pkt);
	return write_packet(p);
}

/* sched_switch records written. */
uint64_t perfetto_switches(const struct perfetto *p)
{
	return p->switches;
}
