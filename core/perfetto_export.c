/* A conctop trace as a Perfetto trace (see perfetto_export.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "perfetto.h"
#include "perfetto_export.h"
#include "sched_model.h"
#include "tidmap.h"
#include "waits.h"

#define UUID_GLOBAL 1
#define UUID_THREAD (UINT64_C(1) << 32)   /* + tid */
#define UUID_PROCESS (UINT64_C(2) << 32)  /* + tgid */
#define OTHER_PID_BASE 0x40000000         /* + cpu: another program on that CPU */
#define NAME_MAX_LEN 160

/* A thread by tid: its name now, its process, whether its track exists. */
struct xthread {
	int32_t tid, tgid;
	char name[EVENT_TEXT_MAX];
	bool track;
};

/* What a thread of the model is doing since when, and why (for slices). */
struct span {
	uint8_t state;    /* enum tl_state */
	uint64_t since;
	uint8_t wait;
	int64_t object, holder;
	uint64_t woken;   /* a blocked state: its first waking since, 0 none */
	bool signalling;  /* inside a cond signal (sched_change.signalling) */
};

struct perfetto_export {
	struct perfetto *pf;
	struct sched_model *m;
	struct perfetto_export_options o;
	struct xthread *th;          /* declared and seen threads */
	size_t nth, cap;
	struct tidmap map;           /* tid -> index into th */
	struct span *span;           /* by model thread index */
	size_t nspan, capspan;
	int32_t *cur;                /* per CPU: the pid running there */
	int32_t *switched_in;        /* per CPU: the pid the last switch written put there, -1 none */
	uint64_t *cpu_last;          /* per CPU: the time of the last record written there */
	bool started;
	bool opened;                 /* a window's start (from > 0) was written: what ran, what waited */
	size_t deadlocks;            /* deadlocks written so far */
	uint64_t next_flow;
	struct perfetto_export_counts n;
	int err;
};

/* Remembers the first error. */
static int note_err(struct perfetto_export *x, int e)
{
	if (e && !x->err)
		x->err = e;
	return x->err;
}

/* The thread with tid, or NULL. */
static struct xthread *find(const struct perfetto_export *x, int32_t tid)
{
	long i = tidmap_find(&x->map, tid);

	return i >= 0 ? &x->th[i] : NULL;
}

/* The thread with tid, added (named name) when new; NULL out of memory. */
static struct xthread *get(struct perfetto_export *x, int32_t tid, int32_t tgid, const char *name)
{
	struct xthread *t = find(x, tid);

	if (t)
		return t;
	if (VEC_RESERVE(x->th, x->cap, x->nth + 1))
		return NULL;
	if (tidmap_add(&x->map, tid, x->nth))
		return NULL;
	t = &x->th[x->nth++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid > 0 ? tgid : tid;
	snprintf(t->name, sizeof(t->name), "%s", name && *name ? name : "?");
	return t;
}

static int on_state(void *ctx, const struct sched_change *c);
static int on_wakeup(void *ctx, const struct sched_wakeup *w);
static const struct sched_model_ops model_ops = { .state = on_state, .wakeup = on_wakeup };

/* Starts an export to f. */
int perfetto_export_new(struct perfetto_export **out, FILE *f, const struct perfetto_export_options *o)
{
	struct perfetto_export *x;
	int e;

	*out = NULL;
	if (!o->ncpus || o->to <= o->from)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->o = *o;
	x->cur = calloc(o->ncpus, sizeof(*x->cur));
	x->switched_in = malloc(o->ncpus * sizeof(*x->switched_in));
	x->cpu_last = calloc(o->ncpus, sizeof(*x->cpu_last));
	e = x->cur && x->switched_in && x->cpu_last ? tidmap_init(&x->map) : -ENOMEM;
	for (unsigned c = 0; !e && c < o->ncpus; c++)
		x->switched_in[c] = -1;
	if (!e)
		e = perfetto_new(&x->pf, f, o->ncpus);
	if (!e)
		e = sched_model_new(&x->m, o->ncpus, &model_ops, x);
	if (!e)
		sched_model_set_gated(x->m, o->gated);
	if (e) {
		perfetto_export_free(x);
		return e;
	}
	x->next_flow = 1;
	*out = x;
	return 0;
}

/* Declares a thread before the events. */
int perfetto_export_thread(struct perfetto_export *x, int32_t tid, int32_t tgid, const char *name)
{
	struct xthread *t;

	if (tid <= 0 || x->started)
		return tid <= 0 ? 0 : -EINVAL;
	t = get(x, tid, tgid, name);
	return t ? 0 : note_err(x, -ENOMEM);
}

/* The pid an event's tid stands for in the records. */
static int32_t pid_of(int32_t tid, unsigned cpu)
{
	return tid == EVENT_TID_OTHER ? OTHER_PID_BASE + (int32_t)cpu : tid;
}

/* The name of the task tid as the records call it. */
static const char *comm_of(struct perfetto_export *x, int32_t tid, unsigned cpu, char *buf, size_t len)
{
	const struct xthread *t;

	if (tid == EVENT_TID_IDLE) {
		snprintf(buf, len, "swapper/%u", cpu);
		return buf;
	}
	if (tid < 0)
		return "other programs";
	t = find(x, tid);
	return t ? t->name : "?";
}

/* A task of a record. */
static struct perfetto_task task_of(struct perfetto_export *x, int32_t tid, unsigned cpu, char *buf, size_t len)
{
	struct perfetto_task t = { pid_of(tid, cpu), comm_of(x, tid, cpu, buf, len) };

	return t;
}

/* The task a record's pid on cpu stands for (pid_of's inverse). */
static struct perfetto_task task_of_pid(struct perfetto_export *x, int32_t pid, unsigned cpu, char *buf, size_t len)
{
	return task_of(x, pid == OTHER_PID_BASE + (int32_t)cpu ? EVENT_TID_OTHER : pid, cpu, buf, len);
}

/* The track of thread tid (described when first needed). */
static uint64_t thread_track(struct perfetto_export *x, int32_t tid, int32_t tgid, const char *name)
{
	struct xthread *t = get(x, tid, tgid, name);

	if (!t) {
		note_err(x, -ENOMEM);
		return UUID_GLOBAL;
	}
	if (!t->track) {
		t->track = true;
		note_err(x, perfetto_track_thread(x->pf, UUID_THREAD + (uint32_t)tid, UUID_PROCESS + (uint32_t)t->tgid,
						  t->tgid, tid, t->name));
		x->n.threads++;
	}
	return UUID_THREAD + (uint32_t)tid;
}

/* Whether a kernel release starts with major.minor. */
static bool known_release(const char *r)
{
	const char *dot = r ? strchr(r, '.') : NULL;

	return dot && dot > r && r[0] >= '0' && r[0] <= '9' && dot[1] >= '0' && dot[1] <= '9';
}

/* Writes the system, the global track, and a descriptor for each process
 * (named after its leader, else its first thread) and each thread. */
static void start(struct perfetto_export *x)
{
	struct tidmap procs;
	size_t i, n = x->nth;

	x->started = true;
	perfetto_track_time(x->pf, x->o.base_ns + x->o.from); /* (Perfetto's advice beside scheduling data) */
	/* Perfetto reads prev_state by the kernel's major.minor; conctop's
	 * states are always as kernels since 4.14 report them, so a trace
	 * whose kernel is unknown (an import) says a release that reads so */
	note_err(x, perfetto_system_info(x->pf, known_release(x->o.kernel) ? x->o.kernel : "5.0.0-unknown",
					 x->o.ncpus));
	note_err(x, perfetto_track_global(x->pf, UUID_GLOBAL, "conctop: deadlocks, notes, lost events"));
	if (tidmap_init(&procs)) {
		note_err(x, -ENOMEM);
		return;
	}
	for (i = 0; i < n && !x->err; i++) {
		const struct xthread *t = &x->th[i], *leader = find(x, t->tgid);

		if (tidmap_find(&procs, t->tgid) >= 0)
			continue;
		note_err(x, tidmap_add(&procs, t->tgid, i));
		note_err(x, perfetto_track_process(x->pf, UUID_PROCESS + (uint32_t)t->tgid, t->tgid,
						   leader ? leader->name : t->name));
		x->n.processes++;
	}
	tidmap_done(&procs);
	for (i = 0; i < n; i++)
		thread_track(x, x->th[i].tid, x->th[i].tgid, x->th[i].name);
}

/* Whether [a, b) meets the window; clips it. */
static bool clip(const struct perfetto_export *x, uint64_t *a, uint64_t *b)
{
	if (*a < x->o.from)
		*a = x->o.from;
	if (*b > x->o.to)
		*b = x->o.to;
	return *b > *a;
}

/* Whether ts is in the window. */
static bool in_window(const struct perfetto_export *x, uint64_t ts)
{
	return ts >= x->o.from && ts < x->o.to;
}

/* Whether the window, not opened yet, opens by ts: an event at or past
 * its start (past its end too: nothing happened in it, the state stands),
 * or the trace's end. */
static bool window_opens(const struct perfetto_export *x, uint64_t ts)
{
	return !x->opened && ts >= x->o.from && x->o.from < x->o.to;
}

/* The name of model thread i (the model keeps none: ours, by its tid). */
static const char *model_name(const struct perfetto_export *x, int64_t i)
{
	const struct sched_thread *t = i >= 0 ? sched_model_thread(x->m, (size_t)i) : NULL;
	const struct xthread *xt = t ? find(x, t->tid) : NULL;

	return xt ? xt->name : "?";
}

/* Names a blocked or spinning interval by its cause. */
static void cause_name(const struct perfetto_export *x, const struct span *s, char *buf, size_t len,
		       char *label, size_t llen)
{
	const char *kind = waits_kind_name(s->wait);
	size_t n;

	label[0] = '\0';
	if (s->object >= 0)
		waits_object_label(sched_model_waits(x->m), s->object, label, llen);
	if (s->state == TL_SPINNING) {
		snprintf(buf, len, "spinning on %s", label[0] ? label : "a spin lock");
		return;
	}
	if (s->state == TL_GATE) {
		snprintf(buf, len, "conctop's start gate (held until tracing runs)");
		return;
	}
	if (s->wait == WAIT_NONE) {
		snprintf(buf, len, s->state == TL_UNINTERRUPTIBLE ? "uninterruptible (D), cause unknown"
								     : "blocked, cause unknown");
		return;
	}
	if (label[0] && strchr(label, '@'))
		snprintf(buf, len, "%s", label);
	else if (label[0] && s->signalling)
		snprintf(buf, len, "signalling %s %s", kind, label);
	else if (label[0])
		snprintf(buf, len, "%s %s", kind, label);
	else if (s->wait == WAIT_JOIN && s->holder >= 0)
		snprintf(buf, len, "join %s", model_name(x, s->holder));
	else
		snprintf(buf, len, "%s", kind);
	n = strlen(buf);
	if ((s->wait == WAIT_MUTEX || s->wait == WAIT_RWLOCK) && s->holder >= 0 && n < len)
		snprintf(buf + n, len - n, ", held by %s", model_name(x, s->holder));
}

/* Writes the slice of model thread i's interval [a, b) in span s. */
static void write_slice(struct perfetto_export *x, size_t i, const struct span *s, uint64_t a, uint64_t b)
{
	const struct sched_thread *t = sched_model_thread(x->m, i);
	char name[NAME_MAX_LEN], label[EVENT_TEXT_MAX + 32];
	struct perfetto_arg args[3];
	struct perfetto_event e = { 0 };
	size_t na = 0;

	if (t->tid <= 0 || !clip(x, &a, &b))
		return;
	cause_name(x, s, name, sizeof(name), label, sizeof(label));
	args[na++] = (struct perfetto_arg){
		"cause",
		s->wait == WAIT_NONE ? "unknown"
				     : waits_cause_name(s->object >= 0 ? waits_object(sched_model_waits(x->m), (size_t)s->object)
									: NULL,
							s->wait),
		0
	};
	if (label[0])
		args[na++] = (struct perfetto_arg){ "object", label, 0 };
	if (s->holder >= 0)
		args[na++] = (struct perfetto_arg){ s->wait == WAIT_JOIN    ? "joins"
						    : s->wait == WAIT_CHILD ? "child"
									    : "held by",
						    model_name(x, s->holder), 0 };
	e.track = thread_track(x, t->tid, t->tgid, model_name(x, (int64_t)i));
	e.ts = x->o.base_ns + a;
	e.type = PERFETTO_SLICE_BEGIN;
	e.name = name;
	e.args = args;
	e.nargs = na;
	note_err(x, perfetto_track_event(x->pf, &e));
	e = (struct perfetto_event){ .ts = x->o.base_ns + b, .track = e.track, .type = PERFETTO_SLICE_END };
	note_err(x, perfetto_track_event(x->pf, &e));
	x->n.slices++;
}

/* Whether a state gets a slice: every way of sleeping, and spinning. */
static bool sliced(uint8_t st)
{
	return tl_state_blocked(st) || st == TL_SPINNING;
}

/* Model callback: a thread's state changed; closes the interval it ends. */
static int on_state(void *ctx, const struct sched_change *c)
{
	struct perfetto_export *x = ctx;
	struct span *s;

	if (c->thread >= x->nspan) {
		if (VEC_RESERVE(x->span, x->capspan, c->thread + 1))
			return -ENOMEM;
		for (; x->nspan <= c->thread; x->nspan++)
			x->span[x->nspan] = (struct span){ TL_UNKNOWN, 0, WAIT_NONE, -1, -1, 0, false };
	}
	s = &x->span[c->thread];
	if (sliced(c->prev) && c->ts > c->prev_since) {
		struct span closed = *s;

		if (closed.state != c->prev || closed.since != c->prev_since) /* restated: cause unknown */
			closed = (struct span){ c->prev, c->prev_since, WAIT_NONE, -1, -1, 0, false };
		else if (c->prev_object >= 0) { /* learnt as it ended: the child that woke it */
			closed.object = c->prev_object;
			closed.holder = c->prev_holder;
		}
		/* it ends at its waking, where Perfetto's thread state turns
		 * Runnable, rather than at the wakeup that follows */
		write_slice(x, c->thread, &closed, c->prev_since,
			    closed.woken > c->prev_since && closed.woken < c->ts ? closed.woken : c->ts);
	}
	*s = (struct span){ c->state, c->ts, c->wait, c->object, c->holder, 0, c->signalling };
	return 0;
}

/* Model callback: a wakeup; a flow from the waker's track to the woken's. */
static int on_wakeup(void *ctx, const struct sched_wakeup *w)
{
	struct perfetto_export *x = ctx;
	const struct sched_thread *to, *from;
	char name[NAME_MAX_LEN];
	struct perfetto_event e = { 0 };
	uint64_t id;

	if (w->waker < 0 || !in_window(x, w->ts))
		return 0;
	to = sched_model_thread(x->m, w->thread);
	from = sched_model_thread(x->m, (size_t)w->waker);
	if (to->tid <= 0 || from->tid <= 0)
		return 0;
	id = x->next_flow++;
	snprintf(name, sizeof(name), "%s %s", w->new_thread ? "starts" : "wakes", model_name(x, (int64_t)w->thread));
	e.ts = x->o.base_ns + w->ts;
	e.track = thread_track(x, from->tid, from->tgid, model_name(x, w->waker));
	e.type = PERFETTO_INSTANT;
	e.name = name;
	e.flow_out = id;
	note_err(x, perfetto_track_event(x->pf, &e));
	snprintf(name, sizeof(name), "%s by %s", w->new_thread ? "started" : "woken", model_name(x, w->waker));
	e.track = thread_track(x, to->tid, to->tgid, model_name(x, (int64_t)w->thread));
	e.flow_out = 0;
	e.flow_in = id;
	note_err(x, perfetto_track_event(x->pf, &e));
	x->n.flows++;
	return 0;
}

/* An instant on the global track. */
static void global_instant(struct perfetto_export *x, uint64_t ts, const char *name, const struct perfetto_arg *args,
			   size_t nargs)
{
	struct perfetto_event e = { .ts = x->o.base_ns + ts, .track = UUID_GLOBAL, .type = PERFETTO_INSTANT,
				    .name = name, .args = args, .nargs = nargs };

	note_err(x, perfetto_track_event(x->pf, &e));
	x->n.annotations++;
}

/* Writes the deadlocks the model found since the last call. */
static void write_deadlocks(struct perfetto_export *x)
{
	const struct waits *w = sched_model_waits(x->m);
	char text[1024], label[EVENT_TEXT_MAX + 32];
	struct perfetto_arg arg = { "threads", NULL, 0 };

	for (; x->deadlocks < waits_deadlock_count(w); x->deadlocks++) {
		const struct waits_deadlock *d = waits_deadlock(w, x->deadlocks);
		size_t n = (size_t)snprintf(text, sizeof(text), "DEADLOCK:");
		unsigned k;

		for (k = 0; k < d->n && n < sizeof(text); k++) {
			const struct xthread *a = find(x, d->link[k].tid), *b = find(x, d->link[k].holder);

			waits_object_label(w, d->link[k].object, label, sizeof(label));
			n = waits_link_words(&d->link[k], a ? a->name : "?", label, b ? b->name : "?", k == 0, text,
					     sizeof(text), n);
		}
		arg.num = d->n;
		if (in_window(x, d->at_ns))
			global_instant(x, d->at_ns, text, &arg, 1);
	}
}

/* Before a switch out of prev on cpu: when the last switch written there
 * put another task on it, the kernel did not report the switch that put
 * prev there (perf misses the same ones). The model takes prev to have run
 * since; written as it stands, Perfetto would leave the other task's CPU
 * slice open for good and flag the trace. A switch from that task to prev
 * is written first, as late as the CPU's last record allows (at or after
 * its last switch, so that its records stay in time order). */
static void restore_switch_in(struct perfetto_export *x, unsigned cpu, struct perfetto_task prev)
{
	char b[32];
	int32_t on = x->switched_in[cpu];

	if (on < 0 || on == prev.pid)
		return;
	note_err(x, perfetto_sched_switch(x->pf, cpu, x->cpu_last[cpu], task_of_pid(x, on, cpu, b, sizeof b),
					  0 /* preempted: R */, prev));
	x->n.restored++;
}

/* Writes the ftrace record of ev (in the window), with the names before it. */
static void write_record(struct perfetto_export *x, const struct event *ev)
{
	char b1[32], b2[32];
	uint64_t ts = x->o.base_ns + ev->ts;
	unsigned cpu = ev->cpu;
	int32_t cur = x->cur[cpu];
	struct perfetto *pf = x->pf;

	switch (ev->type) {
	case EVENT_SWITCH: {
		struct perfetto_task prev = task_of(x, ev->tid, cpu, b1, sizeof b1);
		struct perfetto_task next = task_of(x, ev->tid2, cpu, b2, sizeof b2);

		restore_switch_in(x, cpu, prev);
		note_err(x, perfetto_sched_switch(pf, cpu, ts, prev, ev->arg, next));
		x->switched_in[cpu] = next.pid;
		if (ev->tid > 0 && event_switch_exiting(ev->arg)) /* its last switch: the thread ends */
			note_err(x, perfetto_sched_free(pf, cpu, ts, next.pid, prev));
		break;
	}
	case EVENT_WAKING:
		note_err(x, perfetto_sched_waking(pf, cpu, ts, pid_of(ev->tid, cpu), task_of(x, ev->tid2, cpu, b1, sizeof b1),
						  (int)ev->arg));
		break;
	case EVENT_WAKEUP:
	case EVENT_WAKEUP_NEW:
		note_err(x, perfetto_sched_wakeup(pf, cpu, ts, cur, task_of(x, ev->tid, cpu, b1, sizeof b1), (int)ev->arg,
						  ev->type == EVENT_WAKEUP_NEW));
		break;
	case EVENT_MIGRATE:
		note_err(x, perfetto_sched_migrate(pf, cpu, ts, cur, task_of(x, ev->tid, cpu, b1, sizeof b1), (int)ev->arg,
						   (int)ev->arg2));
		break;
	case EVENT_FORK: {
		struct perfetto_task child = { ev->tid2, ev->text };

		note_err(x, perfetto_sched_fork(pf, cpu, ts, task_of(x, ev->tid, cpu, b1, sizeof b1), child));
		note_err(x, perfetto_task_newtask(pf, cpu, ts, pid_of(ev->tid, cpu), child, ev->tgid2 == ev->tgid));
		break;
	}
	case EVENT_EXIT:
		note_err(x, perfetto_sched_exit(pf, cpu, ts, task_of(x, ev->tid, cpu, b1, sizeof b1), ev->tgid));
		break;
	case EVENT_EXEC:
		note_err(x, perfetto_sched_exec(pf, cpu, ts, ev->tid, ev->text));
		break;
	case EVENT_RENAME:
		note_err(x, perfetto_task_rename(pf, cpu, ts, ev->tid, comm_of(x, ev->tid, cpu, b1, sizeof b1), ev->text));
		break;
	case EVENT_LOST:
		perfetto_ftrace_lost(pf, cpu);
		break;
	default:
		return;
	}
	x->cpu_last[cpu] = ts;
}

/* Writes what an event says beyond the records: markers and lost events. */
static void write_extras(struct perfetto_export *x, const struct event *ev)
{
	char text[96];

	if (ev->type == EVENT_MARK && ev->tid > 0) {
		const struct xthread *t = find(x, ev->tid);
		struct perfetto_arg arg = { "value", NULL, ev->arg };
		struct perfetto_event e = { .ts = x->o.base_ns + ev->ts, .type = PERFETTO_INSTANT, .name = ev->text,
					    .args = &arg, .nargs = 1 };

		e.track = thread_track(x, ev->tid, ev->tgid, t ? t->name : "?");
		note_err(x, perfetto_track_event(x->pf, &e));
		x->n.marks++;
	} else if (ev->type == EVENT_LOST) {
		struct perfetto_arg args[2] = { { "cpu", NULL, ev->cpu }, { "events", NULL, ev->arg } };

		snprintf(text, sizeof(text), "%" PRId64 " events lost on CPU %u", ev->arg, ev->cpu);
		global_instant(x, ev->ts, text, args, 2);
	}
}

/* Keeps the names up to date after ev. */
static void follow_names(struct perfetto_export *x, const struct event *ev)
{
	struct xthread *t = NULL;

	if (ev->type == EVENT_FORK && ev->tid2 > 0)
		t = get(x, ev->tid2, ev->tgid2, ev->text);
	else if ((ev->type == EVENT_RENAME || ev->type == EVENT_EXEC || ev->type == EVENT_THREAD) && ev->tid > 0)
		t = get(x, ev->tid, ev->tgid, ev->text);
	else
		return;
	if (!t) {
		note_err(x, -ENOMEM);
		return;
	}
	if (ev->type != EVENT_FORK || !t->track)
		snprintf(t->name, sizeof(t->name), "%s", ev->text[0] ? ev->text : t->name);
}

/* At a window's start (from > 0, before its first record): each CPU's
 * task then, as a switch from its idle task, and each thread runnable then
 * as a waking on the CPU it waits for, so that Perfetto's CPU tracks and
 * thread states begin where the window does rather than at each CPU's
 * first switch inside it (the blocked ones get their slices from
 * write_slice, clipped to the window). */
static void open_window(struct perfetto_export *x)
{
	uint64_t at = x->o.base_ns + x->o.from;
	const struct sched_thread *t;
	char b1[32], b2[32];
	unsigned cpu;
	size_t i;

	x->opened = true;
	if (!x->o.from)
		return; /* (the trace's start: nothing came before) */
	for (cpu = 0; cpu < x->o.ncpus; cpu++) {
		if (x->cur[cpu] == 0)
			continue; /* idle: as Perfetto takes a CPU with no record */
		note_err(x, perfetto_sched_switch(x->pf, cpu, at, task_of(x, EVENT_TID_IDLE, cpu, b1, sizeof b1),
						  0, task_of_pid(x, x->cur[cpu], cpu, b2, sizeof b2)));
		x->switched_in[cpu] = x->cur[cpu];
		x->cpu_last[cpu] = at;
		x->n.opening++;
	}
	for (i = 0; (t = sched_model_thread(x->m, i)) != NULL; i++) {
		if (t->state != TL_RUNNABLE || t->tid <= 0)
			continue;
		cpu = t->last_cpu >= 0 && (unsigned)t->last_cpu < x->o.ncpus ? (unsigned)t->last_cpu : 0;
		note_err(x, perfetto_sched_waking(x->pf, cpu, at, x->cur[cpu], task_of(x, t->tid, cpu, b1, sizeof b1),
						  (int)cpu));
		x->cpu_last[cpu] = at;
	}
}

/* A waking of a thread blocked now: the first since it blocked is where
 * its blocked slice will end. */
static void note_waking(struct perfetto_export *x, const struct event *ev)
{
	long i = ev->tid2 > 0 ? sched_model_find(x->m, ev->tid2) : -1;

	if (i >= 0 && (size_t)i < x->nspan && sliced(x->span[i].state) && x->span[i].state != TL_SPINNING &&
	    !x->span[i].woken)
		x->span[i].woken = ev->ts;
}

/* Follows one event. */
int perfetto_export_add(struct perfetto_export *x, const struct event *ev)
{
	int r;

	if (x->err)
		return x->err;
	if (!x->started)
		start(x);
	if (ev->cpu >= x->o.ncpus)
		return 0;
	if (window_opens(x, ev->ts))
		open_window(x);
	if (in_window(x, ev->ts)) {
		write_record(x, ev);
		write_extras(x, ev);
	}
	if (ev->type == EVENT_SWITCH)
		x->cur[ev->cpu] = pid_of(ev->tid2, ev->cpu);
	if (ev->type == EVENT_WAKING)
		note_waking(x, ev);
	follow_names(x, ev);
	r = sched_model_add(x->m, ev);
	note_err(x, r == SCHED_MODEL_SKIPPED ? 0 : r);
	write_deadlocks(x);
	return x->err;
}

/* A pattern note on the global track. */
int perfetto_export_note(struct perfetto_export *x, uint64_t ts, int32_t tid, const char *text)
{
	const struct xthread *t = find(x, tid);
	struct perfetto_arg arg = { "thread", t ? t->name : "?", 0 };

	if (!x->started)
		start(x);
	if (in_window(x, ts))
		global_instant(x, ts, text, &arg, 1);
	return x->err;
}

/* Ends the open intervals and writes everything out. */
int perfetto_export_finish(struct perfetto_export *x, uint64_t end_ns)
{
	if (!x->started)
		start(x);
	if (window_opens(x, end_ns))
		open_window(x); /* (no event in the window) */
	if (!x->err)
		note_err(x, sched_model_finish(x->m, end_ns));
	write_deadlocks(x);
	note_err(x, perfetto_finish(x->pf));
	return x->err;
}

/* What was written. */
void perfetto_export_counts(const struct perfetto_export *x, struct perfetto_export_counts *c)
{
	*c = x->n;
	c->switches = perfetto_switches(x->pf);
}

/* Frees it. */
void perfetto_export_free(struct perfetto_export *x)
{
	if (!x)
		return;
	sched_model_free(x->m);
	perfetto_free(x->pf);
	free(x->th);
	tidmap_done(&x->map);
	free(x->span);
	free(x->cur);
	free(x->switched_in);
	free(x->cpu_last);
	free(x);
}
