/* Scheduler traces of other tools: each kind of event line turned into
 * conctop events (see import.h for the rules). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "import_internal.h"

/* Emits one event at the text's time ts on cpu (second pass). */
static int emit(struct import *im, struct event *ev, uint64_t ts, unsigned cpu)
{
	ev->ts = ts >= im->sum.base_ns ? ts - im->sum.base_ns : 0;
	ev->cpu = (uint16_t)cpu;
	im->sum.events++;
	return im->emit ? im->emit(im->ctx, ev) : 0;
}

/* What a task of the text is in the events: itself if kept, the idle
 * task, or another program. */
static int32_t as_tid(const struct import *im, int32_t tid)
{
	const struct itask *t;

	if (tid == 0)
		return EVENT_TID_IDLE;
	t = tid > 0 ? import_find(im, tid) : NULL;
	return t && (t->flags & T_KEPT) ? tid : EVENT_TID_OTHER;
}

/* The process of a task as the events give it. */
static int32_t as_tgid(const struct import *im, int32_t tid)
{
	const struct itask *t = tid > 0 ? import_find(im, tid) : NULL;

	return t && (t->flags & T_KEPT) ? t->tgid : 0;
}

/* A task named in the line, with the name the line gives it (comm, or ""
 * when it gives none; payload: from the event's own fields, which are
 * surer than the task column). First pass: learns it. Second pass: emits
 * a rename when the name changed without a rename event. Returns 0 or an
 * error. */
static int see(struct import *im, int32_t tid, const char *comm, bool payload, uint64_t ts, unsigned cpu)
{
	struct itask *t;
	size_t i;

	if (tid <= 0)
		return 0;
	t = import_find(im, tid);
	if (im->pass == 1) {
		if (!t && !(t = import_add(im, tid)))
			return -ENOMEM;
		if (comm[0] && (!t->first[0] || (payload && !(t->flags & T_PAYLOAD_NAME)))) {
			snprintf(t->first, sizeof(t->first), "%s", comm);
			if (payload)
				t->flags |= T_PAYLOAD_NAME;
		}
		for (i = 0; comm[0] && i < im->ncomms; i++)
			if (strcmp(comm, im->comms[i]) == 0)
				t->flags |= T_KEPT;
		return 0;
	}
	if (t && (t->flags & T_KEPT) && payload && comm[0] && strcmp(comm, t->name) != 0) {
		struct event ev = { .type = EVENT_RENAME, .tid = tid, .tgid = t->tgid };

		snprintf(t->name, sizeof(t->name), "%s", comm);
		snprintf(ev.text, sizeof(ev.text), "%s", comm);
		im->sum.derived_renames++;
		return emit(im, &ev, ts, cpu);
	}
	return 0;
}

/* Notes a CPU number the text uses; an error beyond what a trace holds. */
static int cpu_seen(struct import *im, int64_t cpu)
{
	if (cpu < 0 || cpu >= TRACE_MAX_CPUS)
		return import_fail(im, -EBADMSG, "CPU %lld: conctop traces hold CPUs 0 to %d", (long long)cpu,
			    TRACE_MAX_CPUS - 1);
	if ((unsigned)cpu > im->max_cpu)
		im->max_cpu = (unsigned)cpu;
	return 0;
}

/* The task running on the line's CPU: the task column, else (perf's -1
 * for an exiting task) the one the last switch there put on it. */
static int32_t current(const struct import *im, const struct import_line *l)
{
	if (l->tid >= 0 || im->pass == 1)
		return l->tid;
	return im->cur[l->cpu];
}

/* Says which field of an event is missing or broken. */
static int bad_field(struct import *im, const struct import_line *l, const char *field)
{
	return import_fail(im, -EBADMSG, "%s: no valid %s (the line is cut short or garbled)", l->event, field);
}


/* The comm and pid of a wakeup-like event (kernel or trace-cmd format). */
static int wake_fields(struct import *im, const struct import_line *l, char *comm, int32_t *pid, int *target)
{
	const char *v;
	int64_t p, c;

	if (import_field(l->fields, "pid", &v) >= 0) {
		if (import_field_str(l->fields, "comm", comm, IMPORT_COMM_MAX))
			return bad_field(im, l, "comm");
		if (import_field_int(l->fields, "pid", 0, INT32_MAX, &p))
			return bad_field(im, l, "pid");
		if (import_field_int(l->fields, "target_cpu", 0, INT32_MAX, &c))
			return bad_field(im, l, "target_cpu");
		*pid = (int32_t)p;
		*target = (int)c;
	} else if (import_plugin_wakeup(l->fields, comm, pid, target)) {
		return bad_field(im, l, "task and CPU");
	}
	return cpu_seen(im, *target);
}

/* sched_switch, in the kernel's format (or -R's numbers) or trace-cmd's. */
static int on_switch(struct import *im, const struct import_line *l)
{
	char pc[IMPORT_COMM_MAX], nc[IMPORT_COMM_MAX];
	int32_t prev, next;
	int64_t v, st;
	const char *s;
	int n, e;
	struct event ev = { .type = EVENT_SWITCH };

	if (import_field(l->fields, "prev_pid", &s) >= 0) {
		if (import_field_str(l->fields, "prev_comm", pc, sizeof(pc)))
			return bad_field(im, l, "prev_comm");
		if (import_field_int(l->fields, "prev_pid", 0, INT32_MAX, &v))
			return bad_field(im, l, "prev_pid");
		prev = (int32_t)v;
		n = import_field(l->fields, "prev_state", &s);
		if (n < 0 || import_parse_state(s, (size_t)n, &st))
			return bad_field(im, l, "prev_state");
		if (import_field_str(l->fields, "next_comm", nc, sizeof(nc)))
			return bad_field(im, l, "next_comm");
		if (import_field_int(l->fields, "next_pid", 0, INT32_MAX, &v))
			return bad_field(im, l, "next_pid");
		next = (int32_t)v;
		/* the last field: without it the line was cut, maybe inside
		 * next_pid's digits (a text cut there gave a thread 1) */
		if (import_field_int(l->fields, "next_prio", INT32_MIN, INT32_MAX, &v))
			return bad_field(im, l, "next_prio");
	} else if (import_plugin_switch(l->fields, pc, &prev, &st, nc, &next)) {
		return bad_field(im, l, "'prev ==> next'");
	}
	if ((e = see(im, prev, pc, true, l->ts, l->cpu)) || (e = see(im, next, nc, true, l->ts, l->cpu)))
		return e;
	if (im->pass == 1)
		return 0;
	if (im->cur[l->cpu] >= 0 && im->cur[l->cpu] != prev)
		im->sum.unchained++;
	im->cur[l->cpu] = next;
	ev.tid = as_tid(im, prev);
	ev.tgid = as_tgid(im, prev);
	ev.tid2 = as_tid(im, next);
	ev.tgid2 = as_tgid(im, next);
	ev.arg = st;
	if (ev.tid == EVENT_TID_OTHER && ev.tid2 == EVENT_TID_OTHER)
		return 0; /* two other programs: as conctop's tracer, not recorded */
	im->sum.switches++;
	return emit(im, &ev, l->ts, l->cpu);
}

/* Sets the waker of a waking on line l: the kernel (the idle task's 0)
 * when the line's flags say an interrupt ran it (a timer that fired while
 * a thread of the program ran is not that thread's doing), else the task
 * running on its CPU. */
static void set_waker(const struct import *im, const struct import_line *l, struct event *ev)
{
	int32_t waker = l->in_irq ? 0 : current(im, l);

	ev->tid = waker < 0 ? EVENT_TID_OTHER : as_tid(im, waker);
	ev->tgid = waker < 0 ? 0 : as_tgid(im, waker);
}

/* A wakeup the text has no event for, by the task running on the CPU. */
static int derived_waking(struct import *im, const struct import_line *l, int32_t woken, int target)
{
	struct event ev = { .type = EVENT_WAKING, .tid2 = woken, .tgid2 = as_tgid(im, woken), .arg = target };

	set_waker(im, l, &ev);
	im->sum.derived_wakings++;
	return emit(im, &ev, l->ts, l->cpu);
}

/* sched_waking, sched_wakeup and sched_wakeup_new. */
static int on_wake(struct import *im, const struct import_line *l, enum kind k)
{
	char comm[IMPORT_COMM_MAX];
	int32_t pid;
	int target, e;
	struct event ev = { 0 };

	if ((e = wake_fields(im, l, comm, &pid, &target)) || (e = see(im, pid, comm, true, l->ts, l->cpu)))
		return e;
	if (im->pass == 1 || as_tid(im, pid) <= 0)
		return 0;
	if (k == K_WAKING) {
		ev = (struct event){ .type = EVENT_WAKING, .tid2 = pid, .tgid2 = as_tgid(im, pid), .arg = target };
		set_waker(im, l, &ev);
		if ((e = emit(im, &ev, l->ts, l->cpu)) || !im->derive_wakeup)
			return e;
		im->sum.derived_wakeups++;
	} else if (k == K_WAKEUP && im->derive_waking && (e = derived_waking(im, l, pid, target))) {
		return e;
	}
	ev = (struct event){ .type = k == K_WAKEUP_NEW ? EVENT_WAKEUP_NEW : EVENT_WAKEUP, .tid = pid,
			     .tgid = as_tgid(im, pid), .arg = target };
	return emit(im, &ev, l->ts, l->cpu);
}

/* sched_migrate_task. */
static int on_migrate(struct import *im, const struct import_line *l)
{
	char comm[IMPORT_COMM_MAX];
	int64_t pid, from, to;
	int e;
	struct event ev = { .type = EVENT_MIGRATE };

	if (import_field_str(l->fields, "comm", comm, sizeof(comm)))
		return bad_field(im, l, "comm");
	if (import_field_int(l->fields, "pid", 0, INT32_MAX, &pid))
		return bad_field(im, l, "pid");
	if (import_field_int(l->fields, "orig_cpu", 0, INT32_MAX, &from))
		return bad_field(im, l, "orig_cpu");
	if (import_field_int(l->fields, "dest_cpu", 0, INT32_MAX, &to))
		return bad_field(im, l, "dest_cpu");
	if ((e = cpu_seen(im, from)) || (e = cpu_seen(im, to)))
		return e;
	if ((e = see(im, (int32_t)pid, comm, true, l->ts, l->cpu)) || im->pass == 1 || as_tid(im, (int32_t)pid) <= 0)
		return e;
	ev.tid = (int32_t)pid;
	ev.tgid = as_tgid(im, ev.tid);
	ev.arg = from;
	ev.arg2 = to;
	return emit(im, &ev, l->ts, l->cpu);
}

/* sched_process_fork: the child is new, in its creator's process unless
 * the text says otherwise. */
static int on_fork(struct import *im, const struct import_line *l)
{
	char pc[IMPORT_COMM_MAX], cc[IMPORT_COMM_MAX];
	int64_t parent, child;
	struct itask *p, *c;
	int e;
	struct event ev = { .type = EVENT_FORK };

	if (import_field_str(l->fields, "comm", pc, sizeof(pc)) &&
	    import_field_str(l->fields, "parent_comm", pc, sizeof(pc)))
		return bad_field(im, l, "comm");
	if (import_field_int(l->fields, "pid", 0, INT32_MAX, &parent) &&
	    import_field_int(l->fields, "parent_pid", 0, INT32_MAX, &parent))
		return bad_field(im, l, "pid");
	if (import_field_str(l->fields, "child_comm", cc, sizeof(cc)))
		return bad_field(im, l, "child_comm");
	if (import_field_int(l->fields, "child_pid", 1, INT32_MAX, &child))
		return bad_field(im, l, "child_pid");
	if ((e = see(im, (int32_t)parent, pc, true, l->ts, l->cpu)))
		return e;
	p = parent > 0 ? import_find(im, (int32_t)parent) : NULL;
	c = import_find(im, (int32_t)child);
	if (im->pass == 1) {
		if (!c) {
			if (!(c = import_add(im, (int32_t)child)))
				return -ENOMEM;
			c->flags |= T_FORKED;
			/* adding may have moved the tasks: find the parent again */
			p = parent > 0 ? import_find(im, (int32_t)parent) : NULL;
		}
		if (p && (p->flags & T_KEPT))
			c->flags |= T_KEPT;
		return see(im, (int32_t)child, cc, true, l->ts, l->cpu);
	}
	if (!c || !(c->flags & T_KEPT))
		return 0;
	snprintf(c->name, sizeof(c->name), "%s", cc);
	c->tgid = c->tgid_given                     ? c->tgid_given
		  : (c->flags & T_LEADER)              ? c->tid /* (it execs later: a process) */
		  : p && (p->flags & T_KEPT)           ? p->tgid
						       : c->tid;
	ev.tid = as_tid(im, (int32_t)parent);
	ev.tgid = as_tgid(im, (int32_t)parent);
	ev.tid2 = c->tid;
	ev.tgid2 = c->tgid;
	snprintf(ev.text, sizeof(ev.text), "%s", cc);
	return emit(im, &ev, l->ts, l->cpu);
}

/* sched_process_exit, sched_process_exec and task_rename. */
static int on_task(struct import *im, const struct import_line *l, enum kind k)
{
	char name[IMPORT_COMM_MAX], path[IMPORT_COMM_MAX * 8];
	const char *base;
	int64_t pid, old = 0;
	struct itask *t;
	int e;
	struct event ev = { .type = k == K_EXIT ? EVENT_EXIT : k == K_EXEC ? EVENT_EXEC : EVENT_RENAME };

	if (import_field_int(l->fields, "pid", 1, INT32_MAX, &pid))
		return bad_field(im, l, "pid");
	if (k == K_EXIT && import_field_str(l->fields, "comm", name, sizeof(name)))
		return bad_field(im, l, "comm");
	if (k == K_RENAME && import_field_str(l->fields, "newcomm", name, sizeof(name)))
		return bad_field(im, l, "newcomm");
	if (k == K_EXEC) {
		if (import_field_str(l->fields, "filename", path, sizeof(path)))
			return bad_field(im, l, "filename");
		if (import_field_int(l->fields, "old_pid", 1, INT32_MAX, &old))
			return bad_field(im, l, "old_pid");
		base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		snprintf(name, sizeof(name), "%.15s", base); /* the kernel's comm: 15 bytes */
	}
	if ((e = see(im, (int32_t)pid, k == K_EXIT ? name : "", true, l->ts, l->cpu)))
		return e;
	t = import_find(im, (int32_t)pid);
	if (im->pass == 1) {
		if (t && k == K_EXEC && old == pid)
			t->flags |= T_LEADER;
		return 0;
	}
	if (!t || !(t->flags & T_KEPT))
		return 0;
	if (k == K_EXEC)
		t->tgid = t->tid;
	if (k != K_EXIT)
		snprintf(t->name, sizeof(t->name), "%s", name);
	ev.tid = t->tid;
	ev.tgid = t->tgid;
	ev.arg = old;
	if (k != K_EXIT)
		snprintf(ev.text, sizeof(ev.text), "%s", name);
	return emit(im, &ev, l->ts, l->cpu);
}

/* Counts an event line conctop does not use, by event name (first pass). */
static void skip(struct import *im, const char *event)
{
	struct import_summary *s = &im->sum;
	size_t i;

	if (im->pass != 1)
		return;
	for (i = 0; i < s->nskipped; i++) {
		if (strcmp(s->skipped[i].name, event) == 0) {
			s->skipped[i].count++;
			return;
		}
	}
	if (s->nskipped == IMPORT_SKIP_MAX) {
		s->skipped_more++;
		return;
	}
	snprintf(s->skipped[i].name, sizeof(s->skipped[i].name), "%s", event);
	s->skipped[i].count = 1;
	s->skipped[i].first_line = im->line;
	s->skipped[i].known = strncmp(event, "sched_", 6) == 0 || strncmp(event, "task_", 5) == 0;
	s->nskipped++;
}

/* The kind of an event's name, K_MAX for one conctop does not read. */
static int kind_of(const char *event)
{
	int k;

	for (k = 0; k < K_MAX; k++)
		if (strcmp(event, import_kind_names[k]) == 0)
			break;
	return k;
}

/* Whether event is one conctop reads (see import_internal.h). */
bool import_kind_read(const char *event)
{
	return kind_of(event) < K_MAX;
}

/* Turns an event line into events, or counts it. */
int import_event(struct import *im, const struct import_line *l)
{
	int k = kind_of(l->event), e;

	if (k == K_MAX) {
		skip(im, l->event);
		return 0;
	}
	if ((e = cpu_seen(im, l->cpu)))
		return e;
	if (im->pass == 1) {
		im->kind[k] = true;
		if (l->tid > 0) {
			struct itask *t;

			if ((e = see(im, l->tid, l->comm, false, l->ts, l->cpu)))
				return e;
			t = import_find(im, l->tid);
			if (l->tgid > 0) {
				t->tgid_given = l->tgid;
				im->sum.has_tgid = true;
				if (import_kept_by_id(im, l->tid, l->tgid))
					t->flags |= T_KEPT;
			}
		}
	}
	switch (k) {
	case K_SWITCH:
		return on_switch(im, l);
	case K_WAKING:
	case K_WAKEUP:
	case K_WAKEUP_NEW:
		return on_wake(im, l, (enum kind)k);
	case K_MIGRATE:
		return on_migrate(im, l);
	case K_FORK:
		return on_fork(im, l);
	default:
		return on_task(im, l, (enum kind)k);
	}
}

/* Announces the threads that existed before the recording, in the order
 * the text first names them, and sets every task's name and process. */
int import_announce(struct import *im)
{
	size_t i;
	int e;

	for (i = 0; i < TRACE_MAX_CPUS; i++)
		im->cur[i] = -1;
	for (i = 0; i < im->ntask; i++) {
		struct itask *t = &im->task[i];
		struct event ev = { .type = EVENT_THREAD, .tid = t->tid };

		snprintf(t->name, sizeof(t->name), "%s", t->first);
		t->tgid = t->tgid_given ? t->tgid_given : t->tid;
		if (!(t->flags & T_KEPT))
			continue;
		im->sum.threads++;
		if (t->flags & T_FORKED)
			continue;
		ev.tgid = t->tgid;
		snprintf(ev.text, sizeof(ev.text), "%s", t->name);
		if ((e = emit(im, &ev, im->sum.base_ns, 0)))
			return e;
	}
	return 0;
}
