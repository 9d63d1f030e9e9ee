/* Why a thread is slow, in the views (see view.h): the thread history the
 * contention overlay (key w) and the critical path (key y) are computed
 * from, and computing them for the window shown, again only when the
 * window, the thread or the trace changed, and at most a few times a
 * second while the view moves. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "contention.h"
#include "critpath.h"
#include "spans.h"
#include "timeline.h"
#include "view.h"
#include "view_history.h"

#define WHY_EVERY_NS (250ull * 1000000) /* a moving view recomputes this often at most */

/* Forgets what was computed. */
static void why_drop(struct view_why *y)
{
	contention_free(y->c);
	critpath_free(y->p);
	y->c = NULL;
	y->p = NULL;
	y->c_key[3] = y->p_key[3] = UINT64_MAX; /* computed for nothing */
}

/* Live: a history following tl's model as events come; under hist's
 * cap, a window before what it keeps is read from hist's file. Returns 0
 * or -errno. */
int view_why_live(struct view_why *y, struct timeline *tl, struct view_history *hist)
{
	int e;

	memset(y, 0, sizeof(*y));
	why_drop(y);
	y->hist = hist;
	e = spans_new_following(timeline_model(tl), timeline_ncpus(tl), SPANS_ALL, &y->s);
	if (!e) {
		y->tl = tl;
		timeline_listen(tl, spans_listener(), y->s);
	}
	return e;
}

/* Stops the live timeline handing its changes to the history. */
static void why_unfollow(struct view_why *y)
{
	if (y->tl)
		timeline_listen(y->tl, NULL, NULL);
	y->tl = NULL;
}

/* Replay: the history is read from file when first needed, within cap
 * bytes (0: none), for the window shown. */
void view_why_replay(struct view_why *y, const char *file, uint64_t cap, struct view_history *hist)
{
	memset(y, 0, sizeof(*y));
	why_drop(y);
	y->file = file;
	y->cap = cap;
	y->hist = hist;
}

/* Forgets the history read from the file. */
static void why_past_free(struct view_why *y)
{
	spans_free(y->past.s);
	memset(&y->past, 0, sizeof(y->past));
}

/* Frees everything. */
void view_why_free(struct view_why *y)
{
	why_unfollow(y);
	why_drop(y);
	why_past_free(y);
	spans_free(y->s);
	y->s = NULL;
	y->shown = NULL;
}

/* Live, before each frame and at the end: when the timeline stopped
 * handing it changes (out of memory), it is given up (said in the overlay)
 * and tracing goes on. */
static void why_check_following(struct view_why *y)
{
	int e = y->tl ? timeline_listener_error(y->tl) : 0;

	if (e) {
		view_why_free(y);
		snprintf(y->note, sizeof(y->note), "the history of the waits was given up: %s", strerror(-e));
	}
}

/* Live, under a memory cap: forgets the waits that ended before t. */
void view_why_trim(struct view_why *y, uint64_t t)
{
	if (!y->s)
		return;
	spans_trim(y->s, t);
	if (t > y->kept) /* the title says a window before it misses waits */
		y->kept = t;
	why_drop(y); /* what was computed may have counted the waits forgotten */
}

/* Bytes the history fed every event holds (0 when there is none). */
size_t view_why_memory(const struct view_why *y)
{
	return y->s ? spans_memory(y->s) : 0;
}

/* Bytes the history read from the file holds. */
size_t view_why_past_memory(const struct view_why *y)
{
	return y->past.s ? spans_memory(y->past.s) : 0;
}

/* Live: tracing ended at end; the states under way end there. */
void view_why_end(struct view_why *y, uint64_t end)
{
	why_check_following(y);
	if (!y->s || y->ended)
		return;
	y->ended = true;
	why_unfollow(y); /* (the history's own copy of the model ends the states under way) */
	if (spans_finish(y->s, end)) {
		view_why_free(y);
		snprintf(y->note, sizeof(y->note), "the history of the waits was given up: %s", strerror(ENOMEM));
	}
	why_drop(y); /* what was computed before missed the waits under way */
}

/* Points y->shown at the history for the window from, to: live, the one
 * fed every event, unless the paused view looks before what it keeps
 * under a cap; else (and in replay) a history of the window read from
 * the file when first needed, read again (under a cap) when the view
 * leaves what was read, unless the same window was just asked and could
 * not all be held or failed. A read happens only when may_read (before
 * the frame: view_why_prepare). Returns whether there is one. */
static bool why_load(struct viewer *w, uint64_t from, uint64_t to, bool may_read)
{
	struct view_why *y = &w->why;
	struct view_why_read *p = &y->past;
	struct cli_spans_read rd = { .from = from, .to = to, .cap = y->cap };
	bool live = !y->file;

	y->shown = y->s;
	if (y->note[0])
		return y->s != NULL;
	if (live) {
		if (!y->hist || !y->hist->file || !y->hist->cap || from >= y->kept || viewstate_following(&w->vs)) {
			if (p->s) { /* back in what the live history keeps */
				why_drop(y);
				why_past_free(y);
			}
			return y->s != NULL;
		}
		rd.cap = y->hist->cap / 8;
		rd.until_to = true; /* (not on into the present) */
	}
	if (p->s && (!rd.cap || (from >= p->kept && to <= p->read_to) ||
		     (from == p->asked_from && to == p->asked_to))) {
		y->shown = p->s;
		return true;
	}
	if ((p->failed && from == p->asked_from && to == p->asked_to) || !may_read)
		return false;
	if (!rd.cap) { /* (the whole file is read: its progress is towards the trace's end) */
		uint64_t end = timeline_end(w->vs.v.whole ? w->vs.v.whole : w->vs.tl);

		rd.to = end > to ? end : to;
	}
	why_drop(y);
	why_past_free(y);
	p->asked_from = from;
	p->asked_to = to;
	if (view_history_read_waits(y->hist, &rd)) {
		p->failed = !rd.stopped; /* (stopped: read again when asked again) */
		if (rd.stopped)
			snprintf(y->read_note, sizeof(y->read_note), "%.200s", rd.warn);
		else if (live)
			snprintf(y->read_note, sizeof(y->read_note), "cannot read the waits back: %.200s", rd.warn);
		else
			snprintf(y->note, sizeof(y->note), "cannot read the waits of %s again: %.150s", y->file,
				 rd.warn);
		return false;
	}
	y->read_note[0] = '\0';
	p->s = rd.out;
	p->kept = rd.kept;
	/* read up to the window's end, the waits under way there settled: a
	 * window ending later is read again (the file may have grown) */
	p->read_to = rd.until_to && rd.read_to > to ? to : rd.read_to;
	p->began = rd.began;
	y->shown = p->s;
	return true;
}

/* The window of keys w and y; whether they want it; and whether it is
 * past what the replay has read (nothing to load there yet). */
static bool why_window(const struct viewer *w, uint64_t *from, uint64_t *to, bool *ahead)
{
	viewstate_window(&w->vs, from, to);
	*ahead = w->vs.v.reading && *from >= *to;
	return w->vs.v.waits || w->vs.path_thread >= 0;
}

/* Before the window is picked for a frame: reads the waits of the window
 * shown from the file when keys w or y want them and they are not there
 * (see view.h). */
void view_why_prepare(struct viewer *w)
{
	uint64_t from, to;
	bool ahead;

	why_check_following(&w->why);
	if (why_window(w, &from, &to, &ahead) && !ahead)
		why_load(w, from, to, true);
}

/* Whether a result computed for (from, to, thread, events) at time at must
 * be computed again for key now: when the key differs, and a moving view
 * only every WHY_EVERY_NS. */
static bool why_stale(const uint64_t old[4], const uint64_t key[4], uint64_t at, uint64_t now, bool moving)
{
	if (!memcmp(old, key, 4 * sizeof(*old)))
		return false;
	return !moving || old[3] == UINT64_MAX || now - at >= WHY_EVERY_NS;
}

/* The overlay's title: the window, what it counts, and where its reading
 * began when at a checkpoint. */
static void why_title(struct viewer *w, uint64_t from, uint64_t to)
{
	struct view_why *y = &w->why;
	bool read = y->shown && y->shown == y->past.s; /* (complete up to where it was read) */
	uint64_t kept = read ? y->past.kept : y->kept;
	bool ended = read || y->ended, whole = from == 0 && to >= timeline_end(w->vs.tl) && ended && !kept;
	char what[80], began[48] = "";

	if (kept > from && read) /* a read under a cap: the window held more than it may */
		snprintf(what, sizeof(what), "from %.6f s only (zoom in)", (double)kept / 1e9);
	else if (kept > from) /* live under a cap, following: forgotten (paused, they are read back) */
		snprintf(what, sizeof(what), "from %.6f s only (forgotten before: --memory)", (double)kept / 1e9);
	else
		snprintf(what, sizeof(what), "%s", whole ? "the whole trace" : ended ? "the window shown" :
			 "the window, ended waits");
	if (read && y->past.began)
		snprintf(began, sizeof(began), " (read from %.1f s)", (double)y->past.began / 1e9);
	snprintf(y->title, sizeof(y->title), "waits by object, %.6f-%.6f s: %s%s", (double)from / 1e9,
		 (double)to / 1e9, what, began);
}

/* Computes what is stale for the window shown (the history is there). */
static void why_compute(struct viewer *w, uint64_t now)
{
	struct view_why *y = &w->why;
	bool moving = viewstate_following(&w->vs);
	uint64_t from, to, events = timeline_events(w->vs.tl);
	int e;

	viewstate_window(&w->vs, &from, &to);
	if (w->vs.v.waits) {
		uint64_t key[4] = { from, to, 0, events };

		if (why_stale(y->c_key, key, y->c_at, now, moving)) {
			contention_free(y->c);
			y->c = NULL;
			e = from < to ? contention_new(&y->c, y->shown, from, to) : 0;
			memcpy(y->c_key, key, sizeof(key));
			y->c_at = now;
			why_title(w, from, to);
			if (e)
				snprintf(y->title, sizeof(y->title), "waits by object: %s", strerror(-e));
		}
	}
	if (w->vs.path_thread >= 0) {
		uint64_t key[4] = { from, to, (uint64_t)w->vs.path_thread, events };

		if (why_stale(y->p_key, key, y->p_at, now, moving)) {
			critpath_free(y->p);
			y->p = NULL;
			e = from < to ? critpath_new(&y->p, y->shown, (size_t)w->vs.path_thread, from, to, 0) : -EINVAL;
			memcpy(y->p_key, key, sizeof(key));
			y->p_at = now;
			snprintf(y->path_note, sizeof(y->path_note), "no critical path: %s",
				 e == -EINVAL ? "the window is empty, or the thread is not in the history yet" : strerror(-e));
		}
	}
}

/* Before a frame: computes what the view shows of contention and path for
 * its window, when stale, and points the view at it (or at why not). */
void view_why_sync(struct viewer *w, uint64_t now)
{
	struct view_why *y = &w->why;
	struct view *v = &w->vs.v;
	uint64_t from, to;
	bool path, ahead, want, have;

	why_check_following(y); /* (every frame: a history given up is freed with w and y off too) */
	path = w->vs.path_thread >= 0;
	want = why_window(w, &from, &to, &ahead);
	have = want && !ahead && why_load(w, from, to, false);

	if (!want) {
		why_drop(y);
		if (!y->file) /* live: a window's waits read back go with the overlay */
			why_past_free(y);
	} else if (have) {
		why_compute(w, now);
	}
	v->spans = have ? y->shown : NULL;
	v->contention = have && v->waits ? y->c : NULL;
	v->waits_title = have && v->waits ? y->title : NULL;
	v->path = have && path ? y->p : NULL;
	if (want && !have)
		v->why_note = ahead ? "the window is past what was read: its waits show once the reading gets there"
			    : y->note[0] ? y->note : y->read_note[0] ? y->read_note : "no history of the waits";
	else
		v->why_note = path && !y->p ? y->path_note : NULL;
}
