/* The session runner (see runner.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "runner.h"
#include "stopsig.h"
#include "trace.h"

#define MS_NS 1000000ull

/* Sets the runner up. */
void runner_init(struct runner *r, struct session *ses, const struct runner_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->ses = ses;
	r->o = *o;
	if (r->o.drain_ms <= 0)
		r->o.drain_ms = 50;
	r->drain_timer = r->flush_timer = r->end_timer = r->grace_timer = -1;
	autogroup_boost_init(&r->group);
}

/* Counts an event, hands it on, writes it. A write error is kept: the
 * loop closes the file, tracing goes on. */
int runner_event(const struct event *ev, void *ctx)
{
	struct runner *r = ctx;
	int e;

	r->events++;
	if (r->o.on_event) {
		e = r->o.on_event(ev, r->o.ctx);
		if (e < 0)
			return e;
	}
	if (!r->path)
		return 0;
	if (!r->trace.writer || r->write_error) {
		r->unwritten++;
		return 0;
	}
	e = trace_writer_add(r->trace.writer, ev);
	if (e == 0)
		r->written++;
	else if (e == -EINVAL)
		r->refused++;
	else {
		r->write_error = e;
		r->unwritten++;
	}
	return 0;
}

/* Also writes the trace to path. */
int runner_write_to(struct runner *r, const char *path, const struct trace_info *info)
{
	if (session_trace_open(r->ses, &r->trace, path, info))
		return 1;
	r->path = path;
	return 0;
}

/* Takes the runner's sources off the loop; the first reason sticks.
 * Returns the flags that say so. */
static unsigned end_now(struct runner *r, enum runner_end why)
{
	struct evloop *l = r->loop;

	if (r->end)
		return 0;
	r->end = why;
	if (!l)
		return EVLOOP_ENDED | EVLOOP_REDRAW;
	evloop_unwatch(l, tracer_fd(session_tracer(r->ses)));
	if (session_pidfd(r->ses) >= 0)
		evloop_unwatch(l, session_pidfd(r->ses));
	if (r->o.handle_signals)
		evloop_unwatch(l, stopsig_fd());
	evloop_arm(l, r->drain_timer, EVLOOP_NEVER);
	evloop_arm(l, r->flush_timer, EVLOOP_NEVER);
	evloop_arm(l, r->end_timer, EVLOOP_NEVER);
	evloop_arm(l, r->grace_timer, EVLOOP_NEVER);
	return EVLOOP_ENDED | EVLOOP_REDRAW;
}

/* Delivers what the tracer has; after a failed write, closes the file
 * with what it holds. */
static unsigned drain(struct runner *r)
{
	struct tracer *t = session_tracer(r->ses);
	int e = session_poll(r->ses, 0);
	unsigned flags = 0;

	if (e < 0) {
		r->trace_error = e;
		return end_now(r, RUNNER_TRACE_FAILED);
	}
	if (r->write_error && r->trace.writer) {
		session_trace_close(&r->trace, tracer_now(t));
		flags |= EVLOOP_REDRAW;
		if (r->o.end_on_write_error)
			flags |= end_now(r, RUNNER_WRITE_FAILED);
	}
	if (session_target_done(r->ses))
		flags |= end_now(r, RUNNER_TARGET_DONE);
	return flags;
}

/* Drains the tracer outside the loop (see runner.h). */
unsigned runner_pump(struct runner *r)
{
	return r->finished ? 0 : drain(r);
}

/* The ring buffer woke us (past a quarter full, or an exec). */
static unsigned on_tracer(void *ctx, int fd, short revents)
{
	(void)fd;
	(void)revents;
	return drain(ctx);
}

/* The short tick: records are submitted without waking us. */
static unsigned on_drain_tick(void *ctx, uint64_t now)
{
	struct runner *r = ctx;
	unsigned flags = drain(r);

	if (!r->end)
		evloop_arm(r->loop, r->drain_timer, now + (uint64_t)r->o.drain_ms * MS_NS);
	return flags;
}

/* Every second: what was delivered goes to the file as a chunk. */
static unsigned on_flush(void *ctx, uint64_t now)
{
	struct runner *r = ctx;
	unsigned flags = drain(r);
	int e;

	if (now - r->flush_due > r->flush_late_max)
		r->flush_late_max = now - r->flush_due;
	if (r->trace.writer && !r->write_error) {
		e = trace_writer_flush(r->trace.writer);
		if (e) {
			r->write_error = e;
			flags |= drain(r); /* closes the file */
		}
	}
	r->flush_due = now + RUNNER_FLUSH_NS;
	if (!r->end)
		evloop_arm(r->loop, r->flush_timer, r->flush_due);
	return flags;
}

/* The program or the -p process has exited. */
static unsigned on_target(void *ctx, int fd, short revents)
{
	struct runner *r = ctx;

	(void)fd;
	(void)revents;
	if (!session_target_done(r->ses))
		return 0;
	return drain(r) | end_now(r, RUNNER_TARGET_DONE);
}

/* --duration is up. */
static unsigned on_duration(void *ctx, uint64_t now)
{
	(void)now;
	return end_now(ctx, RUNNER_DURATION);
}

/* Puts a mark in the events: conctop passed signal sig on to the
 * program, so that the trace says why it ended. */
static void mark_signal(struct runner *r, int sig)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts = tracer_now(session_tracer(r->ses));
	ev.type = EVENT_MARK;
	ev.tid = ev.tgid = session_child_pid(r->ses);
	ev.arg = sig;
	snprintf(ev.text, sizeof(ev.text), "%s", sig == SIGINT ? "Ctrl-C: conctop passes on signal"
							       : "conctop passes on stop signal");
	runner_event(&ev, r);
}

/* Passes a stop signal on to the program, or ends tracing. */
unsigned runner_interrupt(struct runner *r, int sig)
{
	uint64_t now = evloop_now();

	if (r->end)
		return 0;
	if (!session_has_child(r->ses) || session_child_done(r->ses))
		return end_now(r, RUNNER_SIGNAL);
	if (!r->signalled_at) {
		unsigned flags = drain(r); /* the mark comes after what the tracer holds */

		if (r->end)
			return flags;
		mark_signal(r, sig);
		session_signal_child(r->ses, sig);
		r->signalled_at = now;
		r->signal_sent = sig;
		evloop_arm(r->loop, r->grace_timer, now + SESSION_GRACE_NS);
	}
	return 0;
}

/* Record's stop signals: the first goes to the program conctop started,
 * which then has the grace period to end; a second one, or the end of the
 * grace period, ends the recording. */
static unsigned on_signal(void *ctx, int fd, short revents)
{
	struct runner *r = ctx;
	unsigned flags;

	(void)fd;
	(void)revents;
	if (!stopsig_take())
		return 0;
	flags = runner_interrupt(r, stopsig_first());
	return flags | (stopsig_count() > 1 ? end_now(r, RUNNER_SIGNAL) : 0);
}

/* The grace period after a stop signal is over. */
static unsigned on_grace(void *ctx, uint64_t now)
{
	(void)now;
	return end_now(ctx, RUNNER_SIGNAL);
}

/* Tracing may take the CPU it needs: nice -20 while it runs (the program
 * conctop started keeps its own priority: it was forked before). A
 * process attached to (-p) in another session is in another autogroup
 * (sched(7)), where nice does not reach: the busy program's group and
 * conctop's shared the CPUs as equals, and conctop waited up to 440 ms
 * to run while the ring buffer overflowed. Its autogroup goes to nice
 * -20 too (the processes of its session with it: its shell; autogroup.c).
 */
static void raise_priority(struct runner *r)
{
	int old;

	errno = 0;
	old = getpriority(PRIO_PROCESS, 0);
	if (!errno && old > RUNNER_NICE && setpriority(PRIO_PROCESS, 0, RUNNER_NICE) == 0) {
		r->old_nice = old;
		r->reniced = true;
	}
	autogroup_boost_start(&r->group, session_attached_pid(r->ses), RUNNER_NICE);
}

/* Puts the sources on the loop. */
int runner_start(struct runner *r, struct evloop *loop)
{
	struct tracer *t = session_tracer(r->ses);
	uint64_t now = evloop_now();
	int e;

	r->loop = loop;
	e = evloop_watch(loop, tracer_fd(t), on_tracer, r);
	if (!e && session_pidfd(r->ses) >= 0)
		e = evloop_watch(loop, session_pidfd(r->ses), on_target, r);
	if (!e && r->o.handle_signals)
		e = evloop_watch(loop, stopsig_fd(), on_signal, r);
	if (e)
		return e;
	r->drain_timer = evloop_timer(loop, on_drain_tick, r);
	r->flush_timer = evloop_timer(loop, on_flush, r);
	r->end_timer = evloop_timer(loop, on_duration, r);
	r->grace_timer = evloop_timer(loop, on_grace, r);
	if (r->drain_timer < 0 || r->flush_timer < 0 || r->end_timer < 0 || r->grace_timer < 0)
		return -ENOSPC;
	evloop_arm(loop, r->drain_timer, now + (uint64_t)r->o.drain_ms * MS_NS);
	r->flush_due = now + RUNNER_FLUSH_NS;
	if (r->trace.writer)
		evloop_arm(loop, r->flush_timer, r->flush_due);
	if (r->o.duration)
		evloop_arm(loop, r->end_timer, tracer_base_ns(t) + r->o.duration);
	raise_priority(r);
	return 0;
}

/* Ends tracing. */
uint64_t runner_finish(struct runner *r)
{
	struct tracer *t = session_tracer(r->ses);
	uint64_t end_ts;
	int e;

	if (r->finished)
		return r->end_ts;
	end_now(r, RUNNER_STOPPED);
	if (session_has_child(r->ses) && !session_child_done(r->ses))
		session_stop_child(r->ses); /* its last events are kept */
	e = session_finish(r->ses);
	if (e < 0 && !r->trace_error)
		r->trace_error = e;
	end_ts = tracer_now(t);
	if (r->path) {
		e = session_trace_close(&r->trace, end_ts);
		if (e && !r->write_error)
			r->write_error = e;
	}
	if (r->reniced)
		setpriority(PRIO_PROCESS, 0, r->old_nice);
	autogroup_boost_done(&r->group);
	r->reniced = false;
	r->finished = true;
	r->end_ts = end_ts;
	return end_ts;
}

/* How tracing ended, in words. */
void runner_end_words(const struct runner *r, char *buf, size_t len)
{
	struct session *s = r->ses;
	int st;

	switch (r->end) {
	case RUNNER_TARGET_DONE:
		if (!session_has_child(s)) {
			snprintf(buf, len, "process %d has exited", session_attached_pid(s));
			break;
		}
		st = session_exit_status(s);
		if (r->signal_sent)
			snprintf(buf, len, "the program ended on %s (signal %d, status %d)",
				 r->signal_sent == SIGINT ? "Ctrl-C" : "the stop signal", r->signal_sent, st);
		else if (st > 128)
			snprintf(buf, len, "the program ended: killed by signal %d (status %d)", st - 128, st);
		else
			snprintf(buf, len, "the program ended with exit status %d", st);
		break;
	case RUNNER_SIGNAL: {
		int sig = r->signal_sent ? r->signal_sent : stopsig_first();
		char on[32];

		/* (no signal: the view's Ctrl-C key) */
		if (sig == 0 || sig == SIGINT)
			snprintf(on, sizeof(on), "Ctrl-C");
		else
			snprintf(on, sizeof(on), "%s", sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal");
		if (!session_has_child(s)) {
			snprintf(buf, len, "stopped on %s: detached from process %d", on, session_attached_pid(s));
		} else if (!session_child_done(s)) {
			snprintf(buf, len, "stopped on %s: the program had not ended 2 s later", on);
		} else {
			st = session_exit_status(s);
			if (st == 128 + SIGKILL)
				snprintf(buf, len, "stopped on %s: the program outlived SIGTERM and was killed (status %d)",
					 on, st);
			else if (st > 128)
				snprintf(buf, len, "stopped on %s: the program ended on signal %d (status %d)", on,
					 st - 128, st);
			else
				snprintf(buf, len, "stopped on %s: the program exited with status %d", on, st);
		}
		break;
	}
	case RUNNER_DURATION:
		snprintf(buf, len, session_has_child(s) ? "--duration is up: the program was stopped"
							 : "--duration is up: detached");
		break;
	case RUNNER_TRACE_FAILED:
		snprintf(buf, len, "tracing failed: %s", strerror(-r->trace_error));
		break;
	case RUNNER_WRITE_FAILED:
		snprintf(buf, len, "writing %s failed: %s", r->path ? r->path : "the trace",
			 strerror(-r->write_error));
		break;
	default:
		snprintf(buf, len, "tracing has ended");
	}
}
