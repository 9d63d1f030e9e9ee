/* Perfetto's native trace format, written: a file of TracePackets holding
 * system information, track descriptors (processes, threads, global
 * tracks), the kernel's scheduler events as ftrace records grouped per CPU
 * (FtraceEventBundle), and track events (slices, instants, flows, debug
 * annotations). Field numbers are those of Perfetto's documented protos
 * (protos/perfetto/trace/...); docs/export.md lists the ones used.
 *
 * Ftrace records are buffered per CPU and written as one packet per CPU
 * every few hundred records, in the order they were given (so they must be
 * given in time order per CPU); everything else is written at once.
 * Functions return 0 or a negative errno; the first error is sticky and
 * perfetto_finish() returns it. */
#ifndef CONCTOP_PERFETTO_H
#define CONCTOP_PERFETTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct perfetto;

/* A task in an ftrace record: its kernel tid and name. */
struct perfetto_task {
	int32_t pid;
	const char *comm;
};

/* A debug annotation: a string value, or the number when str is NULL. */
struct perfetto_arg {
	const char *name;
	const char *str;
	int64_t num;
};

enum perfetto_event_type { PERFETTO_SLICE_BEGIN = 1, PERFETTO_SLICE_END = 2, PERFETTO_INSTANT = 3 };

/* A track event. flow_out starts a flow (0: none), flow_in ends one. */
struct perfetto_event {
	uint64_t ts;
	uint64_t track;
	int type;                 /* enum perfetto_event_type */
	const char *name;         /* not for SLICE_END */
	uint64_t flow_out, flow_in;
	const struct perfetto_arg *args;
	size_t nargs;
};

/* Starts a trace on f for ncpus CPUs. Returns 0 or -ENOMEM. */
int perfetto_new(struct perfetto **out, FILE *f, unsigned ncpus);

/* Writes what is buffered; returns the first error met (0 if none). Does
 * not close f. */
int perfetto_finish(struct perfetto *p);

/* Frees p (after perfetto_finish, or to give up). */
void perfetto_free(struct perfetto *p);

/* The system: kernel release (decides how the UI reads prev_state) and CPUs. */
int perfetto_system_info(struct perfetto *p, const char *release, unsigned ncpus);

/* Track descriptors: a process, a thread of a process (parent: the
 * process's track, 0 for none), a global track. */
int perfetto_track_process(struct perfetto *p, uint64_t uuid, int32_t pid, const char *name);
int perfetto_track_thread(struct perfetto *p, uint64_t uuid, uint64_t parent, int32_t pid, int32_t tid,
			  const char *name);
int perfetto_track_global(struct perfetto *p, uint64_t uuid, const char *name);

/* Ftrace records on cpu at ts; cur is the task running there (the record's
 * pid). prev_state is the kernel's sched_switch value. */
int perfetto_sched_switch(struct perfetto *p, unsigned cpu, uint64_t ts, struct perfetto_task prev,
			  int64_t prev_state, struct perfetto_task next);
int perfetto_sched_waking(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task woken,
			  int target_cpu);
int perfetto_sched_wakeup(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task woken,
			  int target_cpu, bool new_task);
int perfetto_sched_migrate(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task task,
			   int orig_cpu, int dest_cpu);
int perfetto_sched_fork(struct perfetto *p, unsigned cpu, uint64_t ts, struct perfetto_task parent,
			struct perfetto_task child);
int perfetto_sched_exit(struct perfetto *p, unsigned cpu, uint64_t ts, struct perfetto_task task, int32_t tgid);
int perfetto_sched_exec(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t pid, const char *filename);
int perfetto_task_rename(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t pid, const char *oldcomm,
			 const char *newcomm);

/* Marks cpu's records as having lost events (the bundle's lost_events). */
void perfetto_ftrace_lost(struct perfetto *p, unsigned cpu);

/* A track event on a track described before. */
int perfetto_track_event(struct perfetto *p, const struct perfetto_event *e);

/* task_newtask of child (a thread of cur's process, or a process of its
 * own), and sched_process_free of a task that ended: how Perfetto's
 * importer learns that threads start and end. */
int perfetto_task_newtask(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task child,
			  bool thread);
int perfetto_sched_free(struct perfetto *p, unsigned cpu, uint64_t ts, int32_t cur, struct perfetto_task task);

/* Gives the track descriptors written from now on the time ts (Perfetto
 * recommends one beside kernel scheduling data; 0: none). */
void perfetto_track_time(struct perfetto *p, uint64_t ts);

/* Ftrace records written (by kind: switches) so far. */
uint64_t perfetto_switches(const struct perfetto *p);

#endif
