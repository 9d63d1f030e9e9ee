/* The live view's memory cap (see view_history.h). Half the cap is the
 * live timeline's, the waits' history's, the checkpoints' a read back
 * starts from (at most an eighth) and a window's waits read back (an
 * eighth at most, keys w and y): past it (past a third when no key came
 * for a while), the first two forget the older half of what they hold.
 * A quarter is for a window of the past read back from the trace file when
 * the paused view looks before what memory keeps; the rest is room for a
 * trim's copy. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "spans.h"
#include "timeline.h"
#include "trace.h"
#include "undone.h"
#include "view.h"
#include "view_history.h"

#define READ_SLICE_NS (50ull * 1000 * 1000) /* reading back checks its memory this often */
#define READ_PROGRESS_NS (250ull * 1000 * 1000) /* a read back says how far it is this often */
#define CKPT_FIRST_EVERY (1ull << 20) /* events between two checkpoints, at first */
#define SETTLE_NS (1000ull * 1000 * 1000) /* a read back reads on this long at most to settle its end */

/* Sets the cap; under one, what trims free goes back to the system (no
 * heap left high by the dynamic mmap threshold). */
void view_history_init(struct view_history *h, uint64_t cap)
{
	memset(h, 0, sizeof(*h));
	h->cap = cap;
	h->ckpt_every = CKPT_FIRST_EVERY;
	if (cap)
		mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

/* A private directory for the temporary trace, and its name there. */
const char *view_history_tmp(struct view_history *h)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base || strlen(base) > sizeof(h->dir) - 20)
		base = "/tmp";
	snprintf(h->dir, sizeof(h->dir), "%s/conctop-live-XXXXXX", base);
	if (!mkdtemp(h->dir)) {
		h->dir[0] = '\0';
		return NULL;
	}
	snprintf(h->tmp, sizeof(h->tmp), "%s/live.ctrace", h->dir);
	return h->tmp;
}

/* Takes from the writer from when the file keeps history (a full disk
 * gives its oldest chunks back). */
static void note_dropped(struct view_history *h)
{
	if (h->writer && trace_writer_dropped_until(h->writer) > h->dropped_until)
		h->dropped_until = trace_writer_dropped_until(h->writer);
}

/* The file that holds everything. */
void view_history_file(struct view_history *h, const char *file, struct trace_writer *writer,
		       uint64_t dropped_until)
{
	h->file = file;
	h->writer = writer;
	if (dropped_until > h->dropped_until)
		h->dropped_until = dropped_until;
	note_dropped(h);
}

/* Frees checkpoint i. */
static void ckpt_drop(struct view_history *h, unsigned i)
{
	h->ckpt_bytes -= h->ckpt[i].size;
	timeline_free(h->ckpt[i].tl);
	memmove(&h->ckpt[i], &h->ckpt[i + 1], (h->nckpt - i - 1) * sizeof(h->ckpt[0]));
	h->nckpt--;
}

/* Keeps every other checkpoint, the oldest first, and takes them twice
 * as far apart from now on. */
static void ckpt_thin(struct view_history *h)
{
	unsigned i;

	for (i = 1; i < h->nckpt; i++)
		ckpt_drop(h, i);
	h->ckpt_every *= 2;
}

/* Forgets the checkpoints whose chunks a full disk took (the writer may
 * write new chunks at their offset, under their number). */
static void ckpt_forget_dropped(struct view_history *h)
{
	while (h->nckpt && timeline_kept_from(h->ckpt[0].tl) < h->dropped_until)
		ckpt_drop(h, 0);
}

/* Whether a checkpoint of tl is due (see view_history.h). */
bool view_history_checkpoint_due(struct view_history *h, const struct timeline *tl)
{
	ckpt_forget_dropped(h);
	return h->cap && timeline_events(tl) >= h->ckpt_events + h->ckpt_every;
}

/* Keeps a checkpoint of tl (see view_history.h). */
void view_history_checkpoint(struct view_history *h, const struct timeline *tl, const struct trace_resume *at)
{
	struct view_checkpoint k;
	size_t size;

	h->ckpt_events = timeline_events(tl);
	k.at = *at;
	if (timeline_clone_memory_least(tl) > h->cap / 8) { /* (as below, without making it) */
		h->ckpt_every *= 2;
		return;
	}
	if (timeline_clone(tl, &k.tl))
		return; /* (out of memory: none this time) */
	size = k.size = timeline_memory(k.tl);
	if (size > h->cap / 8) { /* (a thousand threads and a small cap: tried less and less often) */
		timeline_free(k.tl);
		h->ckpt_every *= 2;
		return;
	}
	while (h->nckpt > 1 && (h->nckpt == VIEW_CHECKPOINTS || h->ckpt_bytes + size > h->cap / 8))
		ckpt_thin(h);
	if (h->nckpt == 1 && h->ckpt_bytes + size > h->cap / 8)
		ckpt_drop(h, 0);
	h->ckpt[h->nckpt++] = k;
	h->ckpt_bytes += size;
}

/* The latest checkpoint at or before t, or NULL. */
static const struct view_checkpoint *ckpt_before(const struct view_history *h, uint64_t t)
{
	unsigned i = h->nckpt;

	while (i > 0 && timeline_kept_from(h->ckpt[i - 1].tl) > t)
		i--;
	return i ? &h->ckpt[i - 1] : NULL;
}

/* The checkpoint a read back of t starts from (see view_history.h). */
const struct view_checkpoint *view_history_checkpoint_before(struct view_history *h, uint64_t t)
{
	ckpt_forget_dropped(h);
	return ckpt_before(h, t);
}

/* Writes the header's words: the memory held, and what is kept. */
void view_history_say(struct view_history *h, const struct timeline *live, size_t held)
{
	uint64_t kept = timeline_kept_from(live);
	size_t fixed, mb;
	int n;

	h->held = held;
	held += (h->past ? timeline_memory(h->past) : 0) + h->ckpt_bytes;
	mb = (held + (1 << 19)) >> 20;
	n = snprintf(h->header, sizeof(h->header), "mem %zu/%llu MB", mb, (unsigned long long)(h->cap >> 20));
	snprintf(h->header_short, sizeof(h->header_short), "mem %zu/%lluM", mb, (unsigned long long)(h->cap >> 20));
	/* past the cap because of what no trim frees: says how much that is
	 * (weighed only then: it is said every frame) */
	fixed = h->cap && held > h->cap ? timeline_memory_fixed(live) + (h->past ? timeline_memory_fixed(h->past) : 0) : 0;
	if (fixed > h->cap / 4 && n > 0 && (size_t)n < sizeof(h->header))
		n += snprintf(h->header + n, sizeof(h->header) - (size_t)n, " (%zu MB threads)",
			      (fixed + (1 << 19)) >> 20);

	if (kept && n > 0 && (size_t)n < sizeof(h->header))
		n += snprintf(h->header + n, sizeof(h->header) - (size_t)n, " from %.1f s", (double)kept / 1e9);
	if (h->dropped_until && n > 0 && (size_t)n < sizeof(h->header))
		snprintf(h->header + n, sizeof(h->header) - (size_t)n, " · disk full, kept from %.1f s",
			 (double)h->dropped_until / 1e9);
}

/* Trims the live timeline and the waits' history when over half the cap
 * (the threads' records apart: no trim frees them, and a program that
 * made thousands of threads had the history trimmed to nothing, again and
 * again). */
int view_history_bound(struct view_history *h, struct timeline *live, struct view_why *why, bool idle)
{
	size_t history, held = timeline_memory_split(live, &history) + view_why_memory(why);
	size_t past = view_why_past_memory(why);
	uint64_t kept = timeline_kept_from(live), end = timeline_end(live), t;
	/* the checkpoints and a window's waits read back come out of the live half */
	size_t share = history + view_why_memory(why) + h->ckpt_bytes + past;
	int e = 0;

	if (h->cap && (share > h->cap / 2 || (idle && share > h->cap / 3)) && end > kept + 1) {
		t = kept + (end - kept) / 2;
		e = timeline_trim(live, t);
		if (!e) {
			view_why_trim(why, t);
			held = timeline_memory(live) + view_why_memory(why);
		}
	}
	if (h->writer && view_history_checkpoint_due(h, live)) {
		struct trace_resume at;

		if (trace_writer_resume_point(h->writer, &at) == 0)
			view_history_checkpoint(h, live, &at);
	}
	view_history_say(h, live, held + past);
	return e;
}

/* Runs the pump between slices of a read back begun at started (at
 * *shown its progress was last said; done: the share read). Returns true
 * when it says to stop. */
static bool read_pump(struct view_history *h, uint64_t started, uint64_t *shown, double done)
{
	uint64_t now = evloop_now();
	char words[200];

	if (now - (*shown ? *shown : started) < READ_PROGRESS_NS)
		return h->pump(h->pump_ctx, NULL);
	*shown = now;
	snprintf(words, sizeof(words), "reading the past back from %.100s: %.0f%% (a key stops it)",
		 h->tmp[0] || !h->name ? "the temporary trace" : h->name, 100.0 * done);
	return h->pump(h->pump_ctx, words);
}

/* Makes the file ready to read the past back from: what the writer holds
 * written, what a full disk took at that noted, and its name copied into
 * path (the pump may close the file, freeing h->file's name, while a read
 * holds it). Returns 0 or -errno. */
static int history_file(struct view_history *h, char path[PATH_MAX])
{
	int e = h->writer ? trace_writer_flush(h->writer) : 0;

	if (e)
		return e;
	note_dropped(h);
	snprintf(path, PATH_MAX, "%s", h->file);
	return 0;
}

/* Opens path to read from the latest checkpoint before from (see
 * view_history.h). */
int view_history_open(struct view_history *h, struct cli_loader *ld, const char *path, uint64_t from, uint64_t *began)
{
	const struct view_checkpoint *k;
	struct timeline *start;

	k = view_history_checkpoint_before(h, from);
	if (began)
		*began = 0;
	if (k && timeline_clone(k->tl, &start) == 0 && cli_loader_resume(ld, path, start, &k->at) == 0) {
		if (began)
			*began = timeline_kept_from(start);
		return 0;
	}
	return cli_loader_open(ld, path, true);
}

/* Reads [from, to) of the past back from the file into h->past, within a
 * quarter of the cap: what comes before from is forgotten as it is read,
 * and a window that holds more keeps its later part (past_kept says
 * where it starts). Returns 0, or -1 when it could not, or stopped for a
 * key (h->stopped; the header says which). */
static int history_read(struct view_history *h, uint64_t from, uint64_t to)
{
	struct cli_loader ld;
	uint64_t first = UINT64_MAX, started = evloop_now(), shown = 0;
	double done = 0;
	bool settling;
	char path[PATH_MAX];
	int e;

	timeline_free(h->past);
	h->past = NULL;
	if ((e = history_file(h, path)) != 0) {
		snprintf(h->header, sizeof(h->header), "cannot read the past back: %s", strerror(-e));
		return -1;
	}
	if (view_history_open(h, &ld, path, from, &h->past_began)) {
		snprintf(h->header, sizeof(h->header), "cannot read the past back: %.100s", ld.t.failed);
		return -1;
	}
	/* what its trims forget of a window too wide to keep is summed up, as
	 * the live timeline's is (in its share: a quarter of the live one's) */
	if (timeline_keep_overview(ld.tl, h->cap / VIEW_OVERVIEW_SHARE / 4)) {
		snprintf(h->header, sizeof(h->header), "cannot read the past back: %s", strerror(ENOMEM));
		cli_loader_close(&ld);
		return -1;
	}
	h->reading = true;
	do {
		if (h->pump && read_pump(h, started, &shown, done)) {
			h->stopped = true;
			break;
		}
		/* up to `to`; then on, a millisecond at a time, until what is
		 * before `to` is final (timeline_settled, the test conctop lanes
		 * reads a window with): an open stretch of undone work may yet
		 * count, or merge with a later one over the gap before `to` (a
		 * read back that stopped in that gap left the window's last
		 * column unmarked where lanes marked it), and a CPU's state is
		 * known only once it next switches (a switch found missed
		 * restates it: a read back stopped before it showed a CPU's last
		 * column mixed where lanes showed it idle) */
		settling = timeline_end(ld.tl) >= to;
		e = cli_loader_step(&ld, settling ? timeline_end(ld.tl) + UNDONE_MERGE_NS : to, READ_SLICE_NS);
		if (first == UINT64_MAX && timeline_events(ld.tl))
			first = timeline_end(ld.tl);
		if (first < to && timeline_end(ld.tl) > first) /* (settling past to: done) */
			done = timeline_end(ld.tl) >= to ? 1 : (double)(timeline_end(ld.tl) - first) / (double)(to - first);
		if (timeline_memory_history(ld.tl) > h->cap / 4) { /* (the threads' records apart: no trim frees them) */
			uint64_t kept = timeline_kept_from(ld.tl), end = timeline_end(ld.tl);

			/* before the window: all of it; in it: the older half; past
			 * it (settling, a millisecond a step): nothing, it stops */
			if (settling)
				e = e > 0 ? 0 : e;
			else
				e = timeline_trim(ld.tl, end <= from ? end : kept < from ? from : kept + (end - kept) / 2) ? -1 : e;
		}
	} while (e > 0 && (timeline_end(ld.tl) < to ||
			   (!timeline_settled(ld.tl, to, false) && timeline_end(ld.tl) < to + SETTLE_NS)));
	h->reading = false;
	if (h->stopped) {
		snprintf(h->header, sizeof(h->header), "reading back stopped for a key");
		cli_loader_close(&ld);
		return -1;
	}
	if (e < 0) {
		snprintf(h->header, sizeof(h->header), "cannot read the past back: %.100s",
			 ld.t.failed[0] ? ld.t.failed : strerror(ENOMEM));
		cli_loader_close(&ld);
		return -1;
	}
	h->past = cli_loader_take(&ld);
	h->past_from = from;
	h->past_to = to;
	h->past_kept = timeline_kept_from(h->past);
	return 0;
}

/* A read back of the waits under way, for its pump. */
struct waits_pump {
	struct view_history *h;
	uint64_t started, shown;
};

/* Runs the pump between slices of a read back of the waits. */
static bool waits_pump(void *ctx, double done)
{
	struct waits_pump *p = ctx;

	return read_pump(p->h, p->started, &p->shown, done);
}

/* Reads the waits' history of a window back from the file (see
 * view_history.h). */
int view_history_read_waits(struct view_history *h, struct cli_spans_read *rd)
{
	struct waits_pump pump = { h, evloop_now(), 0 };
	const struct view_checkpoint *k;
	char path[PATH_MAX];
	int e;

	rd->out = NULL;
	if (h->reading) { /* (a frame the pump draws: the read under way goes on; this one later) */
		snprintf(rd->warn, sizeof(rd->warn), "the waits show once the read back under way is done");
		rd->stopped = true;
		return 1;
	}
	if (!h->file) {
		snprintf(rd->warn, sizeof(rd->warn), "no trace file keeps the past");
		return 1;
	}
	if ((e = history_file(h, path)) != 0) {
		snprintf(rd->warn, sizeof(rd->warn), "%s", strerror(-e));
		return 1;
	}
	if (rd->cap && (k = view_history_checkpoint_before(h, rd->from)) &&
	    timeline_spans(k->tl, SPANS_ALL, &rd->out) == 0) {
		rd->at = &k->at;
		rd->began = timeline_kept_from(k->tl);
	}
	if (h->pump) {
		rd->pump = waits_pump;
		rd->pump_ctx = &pump;
	}
	h->reading = true;
	e = cli_load_spans_window(path, rd);
	if (e && rd->at && !rd->stopped) { /* (the file does not go on there: from its start) */
		rd->at = NULL;
		e = cli_load_spans_window(path, rd);
	}
	h->reading = false;
	h->stopped = rd->stopped;
	if (rd->stopped)
		snprintf(rd->warn, sizeof(rd->warn), "reading the waits back stopped for a key");
	rd->at = NULL;
	rd->pump = NULL;
	return e;
}

/* Has fn run between the slices of a read back (see view_history.h). */
void view_history_pump(struct view_history *h, bool (*fn)(void *ctx, const char *progress), void *ctx,
		       const char *name)
{
	h->pump = fn;
	h->pump_ctx = ctx;
	h->name = name;
}

/* Whether a window [from, to) that begins before what the live timeline
 * keeps is better drawn from it than read back: it reaches the live end
 * (a window stops at the end of what was read), and live holds a quarter
 * of the cap of history or more, or its columns (npc each) are wide enough
 * for live's overview to draw what live forgot. A read back keeps at most
 * a quarter, the window's latest part when it holds more: no more of it
 * than live, and nothing before that part. And
 * as the end moves on (replay reads, tracing goes on), the window would be
 * read back again at every frame: a paused replay of 100 M events zoomed
 * out to the whole file read its first seconds back at every frame while
 * its reading crept on, and drew less than it had read. */
static bool read_back_useless(const struct view_history *h, const struct timeline *live, uint64_t from,
			      uint64_t to, uint64_t npc)
{
	return to >= timeline_end(live) &&
	       (timeline_memory_history(live) >= h->cap / 4 || timeline_overview_draws(live, from, to, npc));
}

/* Points vs at the live timeline or at a window of the past. */
void view_history_pick(struct view_history *h, struct viewstate *vs, const struct timeline *live)
{
	uint64_t kept = timeline_kept_from(live), from, to, w;
	size_t n;

	vs->tl = live;
	vs->v.whole = NULL;
	if (!h->reading)
		h->stopped = false;
	if (!kept || !h->file || viewstate_following(vs) || h->reading)
		return;
	viewstate_window(vs, &from, &to);
	if (from >= kept || read_back_useless(h, live, from, to, vs->v.ns_per_col))
		return;
	/* read again when the window is not all there, unless it was just
	 * asked for and could not all be kept (then the header says zoom in) */
	if (!h->past || ((from < h->past_kept || to > h->past_to) && (from != h->asked_from || to != h->asked_to))) {
		h->asked_from = from;
		h->asked_to = to;
		w = to - from;
		/* with some room to scroll either way; without when that does not fit */
		if (history_read(h, from > w / 4 ? from - w / 4 : 0,
				 to + w / 4 < timeline_end(live) ? to + w / 4 : timeline_end(live)))
			return;
		if (h->past_kept > from && history_read(h, from, to))
			return;
		/* the header as of the read: the memory it took, what the disk keeps now */
		view_history_say(h, live, h->held);
	}
	timeline_set_end(h->past, timeline_end(live));
	vs->tl = h->past;
	vs->v.whole = live; /* the header's counts stay the whole trace's */
	n = strlen(h->header);
	if (h->past_kept > from)
		snprintf(h->header + n, sizeof(h->header) - n, ", read back in part: zoom in");
	else if (h->past_began)
		snprintf(h->header + n, sizeof(h->header) - n, ", read back from %.1f s", (double)h->past_began / 1e9);
	else
		snprintf(h->header + n, sizeof(h->header) - n, ", read back");
}

/* Frees the past and removes the temporary file. */
void view_history_done(struct view_history *h)
{
	timeline_free(h->past);
	h->past = NULL;
	while (h->nckpt)
		ckpt_drop(h, h->nckpt - 1);
	if (h->tmp[0]) {
		char part[sizeof(h->tmp) + 8];

		snprintf(part, sizeof(part), "%s.part", h->tmp); /* when it was never closed */
		unlink(part);
		unlink(h->tmp);
		h->tmp[0] = '\0';
	}
	if (h->dir[0]) {
		rmdir(h->dir);
		h->dir[0] = '\0';
	}
}
