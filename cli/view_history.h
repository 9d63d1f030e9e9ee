/* The live view's memory cap (--memory): the timeline and the waits'
 * history keep the recent past in memory and are trimmed when they hold
 * more than their share of the cap; the trace file being written (the -w
 * file, or a temporary one removed at exit) keeps everything, and a window
 * scrolled back before what memory keeps is read back from it into a
 * timeline of its own, within the rest of the cap: from the latest
 * checkpoint before the window (a copy of the live timeline's present and
 * where the file goes on after it), or from the file's start. */
#ifndef CONCTOP_VIEW_HISTORY_H
#define CONCTOP_VIEW_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include "trace.h"
#include "viewstate.h"

#define VIEW_MEMORY_DEFAULT (256ull << 20)
#define VIEW_MEMORY_MIN (16ull << 20)

#define VIEW_CHECKPOINTS 32 /* checkpoints kept at most */
#define VIEW_OVERVIEW_SHARE 16 /* the timeline's overview of what it forgot: a sixteenth of the cap */

struct timeline;
struct trace_writer;
struct view_why;

/* A point a read back can start from: the live timeline's present copied
 * (timeline_clone) between two events, and where the file goes on. */
struct view_checkpoint {
	struct timeline *tl;
	struct trace_resume at;
	size_t size;                   /* bytes tl holds (it never changes: a read back copies it) */
};

/* One live view's history. */
struct view_history {
	uint64_t cap;                  /* bytes, 0: no cap */
	const char *file;              /* the trace holding everything (its name while written), or NULL */
	struct trace_writer *writer;   /* flushed before the file is read; NULL once closed */
	struct timeline *past;         /* a window read back from the file, or NULL */
	uint64_t past_from, past_to;   /* the window it was read for */
	uint64_t past_kept;            /* where it starts: later than past_from when the window held too much */
	uint64_t past_began;           /* where its reading began: a checkpoint's instant, or 0 */
	struct view_checkpoint ckpt[VIEW_CHECKPOINTS]; /* in time order */
	unsigned nckpt;
	size_t ckpt_bytes;             /* what they hold */
	uint64_t ckpt_every;           /* events followed between two checkpoints (doubled when thinned) */
	uint64_t ckpt_events;          /* the live timeline's count of events at the last one */
	uint64_t asked_from, asked_to; /* the window shown when it was read */
	char dir[64];                  /* the private directory of the temporary file, "" with -w */
	char tmp[96];                  /* the temporary file's name, "" with -w */
	uint64_t dropped_until;        /* the disk filled: the file's history starts here (else 0) */
	size_t held;                   /* the caller's bytes at the last view_history_say */
	char header[160];              /* the header's words: memory, what is kept, what is read back */
	char header_short[48];         /* the memory alone, for a narrow header ("mem 12/64M") */
	bool (*pump)(void *ctx, const char *progress); /* run between slices of a read back (view_history_pump) */
	void *pump_ctx;
	const char *name;              /* the file's name in the progress words (a temporary file has none) */
	bool reading;                  /* a read back is under way (the pump runs inside it) */
	bool stopped;                  /* the last read back stopped for a key (the pump said so) */
};

/* Sets the cap (0: none). */
void view_history_init(struct view_history *h, uint64_t cap);

/* The name of a temporary trace to write when no -w was given: in a
 * directory of its own under $TMPDIR or /tmp, mode 0700. Returns it, or
 * NULL (errno set). */
const char *view_history_tmp(struct view_history *h);

/* The trace file that holds everything as it is now, and its writer (NULL
 * once closed): the live view says it before each frame, since the file is
 * renamed and its writer freed when it closes (at the end, or after a
 * write error). A temporary file's writer drops its oldest chunks when the
 * disk is full; the header then says from when the file keeps history
 * (dropped_until: what the writer said of it when it closed, as its last
 * writes may have dropped more since the last frame; 0 while open). */
void view_history_file(struct view_history *h, const char *file, struct trace_writer *writer,
		       uint64_t dropped_until);

/* Trims the live timeline and the waits' history to their recent half
 * when they hold more than a third of the cap and the user is idle (a trim
 * stops the view for a moment: about 40 ms a 16 MB kept), or more than
 * half of it in any case. Takes a checkpoint of the live timeline when
 * one is due (view_history_checkpoint). Returns 0 or -ENOMEM. */
int view_history_bound(struct view_history *h, struct timeline *live, struct view_why *why, bool idle);

/* Whether tl (the live timeline, or the one replay reads into) has
 * followed enough events since the last checkpoint for another: 2^20 at
 * first, twice as many after each thinning; never without a cap. Forgets
 * the checkpoints whose chunks a full disk took. */
bool view_history_checkpoint_due(struct view_history *h, const struct timeline *tl);

/* Keeps a checkpoint: a copy of tl's present (timeline_clone), and at,
 * where the file goes on after the events tl followed (the live view's
 * writer's resume point, or replay's loader's). At most VIEW_CHECKPOINTS
 * are kept within an eighth of the cap: past that, every other one goes
 * and the number of events between two doubles. A copy larger than that
 * eighth alone is not kept (nor made, when its threads' records alone
 * are: timeline_clone_memory_least) and the ones kept stay; the number of
 * events between two doubles. */
void view_history_checkpoint(struct view_history *h, const struct timeline *tl, const struct trace_resume *at);

/* Reads the waits' history (keys w and y) of the window rd asks for back
 * from the file, from the latest checkpoint before it when rd has a cap
 * and there is one (timeline_spans of its copy; from the file's start
 * when the file does not go on there), else from the file's start,
 * running the pump between slices when one is set (a key stops it:
 * rd->stopped, h->stopped). Inside another read back (a frame its pump
 * draws) it does not read: rd->stopped. Returns 0, or 1 with why in
 * rd->warn. */
struct cli_spans_read;
int view_history_read_waits(struct view_history *h, struct cli_spans_read *rd);

/* The latest checkpoint at or before instant t (its instant:
 * timeline_kept_from of its copy), whose chunks the file still holds;
 * NULL when there is none. */
const struct view_checkpoint *view_history_checkpoint_before(struct view_history *h, uint64_t t);

/* Opens the trace at path into ld, quietly, to read on from the latest
 * checkpoint before from (its present copied), or from the file's start
 * when there is none or the file does not go on there; *began (unless
 * NULL) is where the reading begins (the checkpoint's instant, or 0).
 * Returns 0, or 1
 * with why in ld->t.failed. */
struct cli_loader;
int view_history_open(struct view_history *h, struct cli_loader *ld, const char *path, uint64_t from, uint64_t *began);

/* Writes the header's words for the bytes live holds (held) and the past
 * read back (view_history_bound does it too): the memory, the cap, and
 * from when live is kept. */
void view_history_say(struct view_history *h, const struct timeline *live, size_t held);

/* Has fn(ctx, progress) run between the slices of a read back (about
 * every 50 ms): the live view drains the tracer there, so that a long
 * read back does not leave the kernel's buffer to fill and drop events.
 * progress is NULL, or, every 250 ms once the read back has taken that
 * long, the status line's words for it ("reading the past back from
 * NAME: 45% (a key stops it)", name naming the file): fn then draws a
 * frame saying them (it shows the timeline drawn before, as
 * view_history_pick does not read inside a read). fn must not touch the
 * timeline being drawn but by adding events to it. When fn returns true
 * (a key waits) the read back stops: h->stopped says so until the next
 * one, which the caller starts by drawing again once the key is handled. */
void view_history_pump(struct view_history *h, bool (*fn)(void *ctx, const char *progress), void *ctx,
		       const char *name);

/* Points vs at the timeline to draw: the live one, or (paused, looking
 * before what the live one keeps) a window read back from the file. */
void view_history_pick(struct view_history *h, struct viewstate *vs, const struct timeline *live);

/* Frees the window read back and removes the temporary file. */
void view_history_done(struct view_history *h);

#endif
