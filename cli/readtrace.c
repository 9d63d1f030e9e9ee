/* Reading a trace file for a command: events one by one, damaged chunks
 * skipped and named, a cut-off recording read up to its last complete
 * chunk, and the timeline built from it all. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "evloop.h"
#include "timeline.h"
#include "trace.h"
#include "trace_ahead.h"
#include "trace_index.h"

#define READ_AHEAD_MIN (1 << 20) /* bytes of file from which a thread reads ahead */
/* a window's reading looks at its timeline after every slice of trace
 * time: trimmed to the window's start once past it, settled past its end */
#define WINDOW_SLICE_NS (50ull * 1000 * 1000)
/* past a window's end: trace time read between looks at timeline_settled,
 * doubled after each look that finds it unsettled up to the most (so that
 * a window that never settles costs few looks) */
#define SETTLE_STEP_NS (1000ull * 1000)
#define SETTLE_STEP_MAX_NS (64ull * 1000 * 1000)

/* Opens a trace, asking the reader to skip damage; quiet: what is wrong
 * goes to t->failed instead of stderr. With at, the reading goes on from
 * a writer's resume point (before the thread reading ahead starts). */
static int trace_open_at(struct cli_trace *t, const char *path, bool quiet, const struct trace_resume *at)
{
	struct stat st;
	int e;

	memset(t, 0, sizeof(*t));
	t->path = path;
	t->quiet = quiet;
	e = trace_reader_new(&t->reader, path);
	if (e) {
		const char *why = t->reader && *trace_reader_error(t->reader) ? trace_reader_error(t->reader) :
				  strerror(-e);

		if (quiet)
			snprintf(t->failed, sizeof(t->failed), "%s: %s", path, why);
		else
			cli_error("%s: %s", path, why);
		trace_reader_free(t->reader);
		t->reader = NULL;
		return 1;
	}
	trace_reader_skip_damaged(t->reader);
	if (at && (e = trace_reader_resume(t->reader, at)) != 0) {
		snprintf(t->failed, sizeof(t->failed), "%s: cannot go on at byte %llu: %s", path,
			 (unsigned long long)at->off, strerror(-e));
		if (!quiet)
			cli_error("%s", t->failed);
		trace_reader_free(t->reader);
		t->reader = NULL;
		return 1;
	}
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		t->size = (uint64_t)st.st_size;
	/* a file of a megabyte or more (about a million events) is read ahead
	 * on a thread; a smaller one reads in a tenth of a second here, less
	 * than the thread would cost */
	if (t->size >= READ_AHEAD_MIN && trace_ahead_new(&t->ahead, t->reader))
		t->ahead = NULL; /* without the thread: read here */
	return 0;
}

/* Opens a trace (see cli.h). */
int cli_trace_open(struct cli_trace *t, const char *path)
{
	return trace_open_at(t, path, false, NULL);
}

/* Opens a trace without a word on stderr (see cli.h). */
int cli_trace_open_quiet(struct cli_trace *t, const char *path)
{
	return trace_open_at(t, path, true, NULL);
}

/* Opens a trace quietly to go on from a resume point (see cli.h). */
int cli_trace_open_resume(struct cli_trace *t, const char *path, const struct trace_resume *at)
{
	return trace_open_at(t, path, true, at);
}

/* The reader's words for the damage or error just returned. */
static const char *trace_words(const struct cli_trace *t)
{
	return t->ahead ? trace_ahead_error(t->ahead) : trace_reader_error(t->reader);
}

/* Notes a damaged stretch in the summary: the first three by name, then
 * "..." (the count says how many there were). */
static void note_damage(struct cli_trace *t)
{
	size_t n = strlen(t->damage), room = sizeof(t->damage) - n;
	const char *sep = n ? " | " : "";

	t->damaged++;
	if (t->damage_cut)
		return;
	if (t->damaged > 3 || (size_t)snprintf(t->damage + n, room, "%s%s", sep, trace_words(t)) >= room) {
		t->damage[n] = '\0'; /* no half message */
		snprintf(t->damage + n, room, "%s...", sep);
		t->damage_cut = true;
	}
}

/* What a result of the reading other than an event means (see
 * cli_trace_next). */
static int trace_status(struct cli_trace *t, int e)
{
	if (e == TRACE_DAMAGED) {
		note_damage(t);
		return 2;
	}
	if (e == 0)
		return 0;
	if (e == -ENODATA) {
		snprintf(t->cut, sizeof(t->cut), "%s", trace_words(t));
		return 0;
	}
	if (t->quiet)
		snprintf(t->failed, sizeof(t->failed), "%s: %s", t->path,
			 e == -ENOMEM ? strerror(ENOMEM) : trace_words(t));
	else
		cli_error("%s: %s", t->path, e == -ENOMEM ? strerror(ENOMEM) : trace_words(t));
	return -1;
}

/* Reads the next event (see cli.h). */
int cli_trace_next(struct cli_trace *t, const struct event **ev)
{
	int e;

	if (t->ahead) {
		e = trace_ahead_next(t->ahead, ev);
	} else {
		e = trace_reader_next(t->reader, &t->ev);
		*ev = &t->ev;
	}
	if (e == 1) {
		t->events++;
		return 1;
	}
	return trace_status(t, e);
}

/* Reads the next events (see cli.h). */
int cli_trace_next_run(struct cli_trace *t, const struct event **ev, size_t *n)
{
	int e;

	if (!t->ahead) {
		*n = 1;
		return cli_trace_next(t, ev);
	}
	e = trace_ahead_next_run(t->ahead, ev, n);
	if (e == 1) {
		t->events += *n;
		return 1;
	}
	return trace_status(t, e);
}

/* The last damage skipped. */
const char *cli_trace_last_damage(const struct cli_trace *t)
{
	return trace_words(t);
}

/* What the reading missed (see cli.h). */
void cli_trace_warning(const struct cli_trace *t, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (t->damaged)
		n = snprintf(buf, len, "%s: %llu damaged part%s skipped, the rest is shown (%s)", t->path,
			     (unsigned long long)t->damaged, t->damaged > 1 ? "s" : "", t->damage);
	if (t->cut[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s: the recording was cut off (%s): showing what came before%s",
			 n ? "; " : "", t->path, t->cut, t->events ? "" : ", which is no event at all");
}

/* Closes the trace. */
void cli_trace_close(struct cli_trace *t)
{
	trace_ahead_free(t->ahead); /* first: its thread reads the reader */
	t->ahead = NULL;
	trace_reader_free(t->reader);
	t->reader = NULL;
}

/* Opens a trace for reading into a timeline (see cli.h). */
int cli_loader_open(struct cli_loader *ld, const char *path, bool quiet)
{
	int e;

	memset(ld, 0, sizeof(*ld));
	if (trace_open_at(&ld->t, path, quiet, NULL))
		return 1;
	e = timeline_new(&ld->tl, trace_reader_info(ld->t.reader)->ncpus);
	if (e) {
		if (quiet)
			snprintf(ld->t.failed, sizeof(ld->t.failed), "%s: %s", path, strerror(-e));
		else
			cli_error("%s: %s", path, strerror(-e));
		cli_trace_close(&ld->t);
		return 1;
	}
	timeline_set_gated(ld->tl, trace_reader_info(ld->t.reader)->started);
	return 0;
}

/* Opens the trace to go on into tl from a resume point (see cli.h). */
int cli_loader_resume(struct cli_loader *ld, const char *path, struct timeline *tl, const struct trace_resume *at)
{
	memset(ld, 0, sizeof(*ld));
	if (trace_open_at(&ld->t, path, true, at)) {
		timeline_free(tl);
		return 1;
	}
	ld->tl = tl;
	return 0;
}

/* Where the file goes on after the events read so far (see cli.h). */
int cli_loader_resume_point(const struct cli_loader *ld, struct trace_resume *at)
{
	if (ld->done || !ld->t.reader)
		return -EINVAL;
	return ld->t.ahead ? trace_ahead_resume_point(ld->t.ahead, at) : trace_reader_resume_point(ld->t.reader, at);
}

/* Logs the damaged part just skipped where the reading is: its place and
 * what is wrong with it (the reader's words up to what it did next). */
static int note_damage_in_log(struct cli_loader *ld)
{
	const char *words = cli_trace_last_damage(&ld->t);
	char what[EVENT_TEXT_MAX];

	snprintf(what, sizeof(what), "%.*s", (int)strcspn(words, ";"), words);
	return timeline_note_damage(ld->tl, what);
}

/* Reads on for a while (see cli.h). */
int cli_loader_step(struct cli_loader *ld, uint64_t until_ns, uint64_t budget_ns)
{
	const struct event *ev;
	uint64_t deadline = budget_ns ? evloop_now() + budget_ns : UINT64_MAX;
	unsigned n = 0;
	int e;

	if (ld->done)
		return 0;
	while ((e = cli_trace_next(&ld->t, &ev)) > 0) {
		bool event = e == 1; /* 2: a damaged stretch, which leaves ev as it was */

		e = event ? timeline_add(ld->tl, ev) : note_damage_in_log(ld);
		if (e != 0) {
			if (ld->t.quiet)
				snprintf(ld->t.failed, sizeof(ld->t.failed), "%s: %s", ld->t.path, strerror(e < 0 ? -e : e));
			else
				cli_error("%s: %s", ld->t.path, strerror(e < 0 ? -e : e));
			e = -1;
			break;
		}
		if ((event && ev->ts >= until_ns) ||
		    (++n % 4096 == 0 && (evloop_now() >= deadline || (budget_ns && n >= CLI_LOADER_STEP_MAX))))
			return 1;
	}
	ld->done = true;
	return e < 0 ? -1 : 0;
}

/* How much was read (see cli.h). */
double cli_loader_progress(const struct cli_loader *ld)
{
	if (ld->done || !ld->t.size)
		return ld->done ? 1.0 : 0.0;
	return (double)(ld->t.ahead ? trace_ahead_offset(ld->t.ahead) : trace_reader_offset(ld->t.reader)) /
	       (double)ld->t.size;
}

/* What the reading missed (see cli.h). */
void cli_loader_warning(const struct cli_loader *ld, char *buf, size_t len)
{
	cli_trace_warning(&ld->t, buf, len);
	if (ld->t.failed[0] && strlen(buf) + 2 < len)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s: showing what came before", buf[0] ? "; " : "",
			 ld->t.failed);
}

/* Gives the timeline away (see cli.h). */
struct timeline *cli_loader_take(struct cli_loader *ld)
{
	struct timeline *tl = ld->tl;

	if (ld->done && tl && ld->t.reader)
		timeline_set_end(tl, trace_reader_end_ts(ld->t.reader));
	cli_trace_close(&ld->t);
	ld->tl = NULL;
	return tl;
}

/* Frees what the loader holds. */
void cli_loader_close(struct cli_loader *ld)
{
	cli_trace_close(&ld->t);
	timeline_free(ld->tl);
	ld->tl = NULL;
}

/* Says on a terminal that a large file, just opened, is being read (a
 * few seconds); its size is the one the opening took. */
static void say_reading(const struct cli_trace *t)
{
	if (t->size > (16 << 20) && isatty(STDERR_FILENO))
		fprintf(stderr, "conctop: reading %s (%llu MB)...\n", t->path, (unsigned long long)(t->size >> 20));
}

/* Reads the trace at path into a new timeline (see cli.h). */
int cli_load_timeline(const char *path, struct timeline **out, char *warn, size_t wlen)
{
	struct cli_loader ld;

	*out = NULL;
	warn[0] = '\0';
	if (cli_loader_open(&ld, path, false))
		return 1;
	say_reading(&ld.t);
	if (cli_loader_step(&ld, UINT64_MAX, 0) < 0) {
		cli_loader_close(&ld);
		return 1;
	}
	cli_loader_warning(&ld, warn, wlen);
	*out = cli_loader_take(&ld);
	return 0;
}

/* Where the reading of a window [.., to) may stop at the earliest
 * (timeline_read_through), from the index stored in the file (a bounded
 * read, made the first time a to asks); UINT64_MAX (the end) without a
 * to, without a stored index, or for what is not a regular file (a pipe
 * read for the index would be read no more). */
static uint64_t window_through(struct cli_window_reader *w, uint64_t to)
{
	struct stat st;

	if (to == UINT64_MAX)
		return UINT64_MAX;
	if (!w->ix_read) {
		w->ix_read = true;
		if (stat(w->path, &st) || !S_ISREG(st.st_mode) || trace_index_new_stored(&w->ix, w->path)) {
			trace_index_free(w->ix);
			w->ix = NULL;
		}
	}
	return w->ix ? timeline_read_through(w->ix, to, w->for_log) : UINT64_MAX;
}

/* Opens a window's reading (see cli.h). */
int cli_window_open(struct cli_window_reader *w, const char *path, uint64_t from, bool for_log, uint64_t cap)
{
	memset(w, 0, sizeof(*w));
	w->path = path;
	w->from = from;
	w->for_log = for_log;
	w->cap = cap;
	if (cli_loader_open(&w->ld, path, false))
		return 1;
	say_reading(&w->ld.t);
	if (from)
		timeline_skim_until(w->ld.tl, from); /* (a new timeline: it cannot refuse) */
	return 0;
}

/* Says that the window's timeline passed its cap, how far it got and what
 * to do. */
static void window_over_cap(const struct cli_window_reader *w, uint64_t end)
{
	size_t fixed = timeline_memory_fixed(w->ld.tl);
	char whose[160] = "";

	/* mostly what stays whatever the window: says how much, and a
	 * narrower one helps only while that is less than the cap */
	if (fixed > w->cap / 2)
		snprintf(whose, sizeof(whose), ", %zu MB of it the records of its %zu threads, kept whatever "
			 "the window", (fixed + (1 << 19)) >> 20, timeline_thread_count(w->ld.tl));
	cli_error("%s: the window from %.6f s needs more memory than the cap of %" PRIu64
		  " MB (--memory; by default half the machine's): it took that much up to %.6f s%s; %s",
		  w->path, (double)w->from / 1e9, w->cap >> 20, (double)end / 1e9, whose,
		  !whose[0] ? "narrow it with --from and --to, or raise --memory (0: no cap)"
		  : fixed < w->cap ? "raise --memory (0: no cap), or narrow it with --from and --to"
				   : "raise --memory (0: no cap)");
}

/* Reads a window on until what comes before `to` is final (see cli.h). */
int cli_window_read_to(struct cli_window_reader *w, uint64_t to)
{
	struct timeline *tl = w->ld.tl;
	uint64_t end, through = window_through(w, to), step = 0;
	int e;

	do {
		/* to the window's end and through the last late event, then
		 * on a little at a time until what came before it is final */
		end = timeline_end(tl);
		if (end >= through) /* past it, and the last look found it unsettled */
			step = !step ? SETTLE_STEP_NS : step < SETTLE_STEP_MAX_NS ? 2 * step : step;
		e = cli_loader_step(&w->ld, end < through ? through : end + step, WINDOW_SLICE_NS);
		end = timeline_end(tl);
		/* (past from: only the present was kept before it) */
		if (e >= 0 && w->from && timeline_kept_from(tl) < w->from && !timeline_skimming(tl) &&
		    timeline_trim(tl, w->from)) {
			cli_error("%s: %s", w->path, strerror(ENOMEM));
			e = -1;
		}
		if (e >= 0 && w->cap != UINT64_MAX && timeline_memory(tl) > w->cap) {
			window_over_cap(w, end);
			e = -1;
		}
	} while (e > 0 && (end < through || !timeline_settled(tl, to, w->for_log)));
	return e < 0 ? 1 : 0;
}

/* Ends a window's reading, giving its timeline away (see cli.h). */
struct timeline *cli_window_take(struct cli_window_reader *w)
{
	struct timeline *tl;
	char warn[1024];

	cli_loader_warning(&w->ld, warn, sizeof(warn));
	if (warn[0])
		cli_error("warning: %s", warn);
	tl = cli_loader_take(&w->ld);
	cli_window_close(w);
	cli_warn_past_end(w->path, w->from, timeline_end(tl));
	return tl;
}

/* Frees a window's reading and what it read (see cli.h). */
void cli_window_close(struct cli_window_reader *w)
{
	cli_loader_close(&w->ld);
	trace_index_free(w->ix);
	w->ix = NULL;
}

/* Reads a trace for a window from `from` on (see cli.h): before from, the
 * timeline keeps only the present (timeline_skim_until), then it is
 * trimmed to from (timeline_trim answers for what comes after exactly as
 * the whole timeline would). */
int cli_load_window(const char *path, uint64_t from, uint64_t to, bool for_log, uint64_t cap, struct timeline **out)
{
	struct cli_window_reader w;

	*out = NULL;
	if (cli_window_open(&w, path, from, for_log, cap))
		return 1;
	if (cli_window_read_to(&w, to)) {
		cli_window_close(&w);
		return 1;
	}
	*out = cli_window_take(&w);
	return 0;
}

/* Warns when a window's start is past the trace's end (see cli.h). */
void cli_warn_past_end(const char *path, uint64_t from, uint64_t end)
{
	if (from >= end && end > 0)
		cli_error("warning: %s: the trace ends at %.6f s, before --from", path, (double)end / 1e9);
}

/* The end of a drawn window (see cli.h). */
uint64_t cli_window_draw_end(const char *path, uint64_t from, uint64_t to, bool have_to, uint64_t end)
{
	if (!have_to)
		return end > from ? end : from + 1;
	if (end > from && to > end) {
		cli_error("note: %s: the trace ends at %.6f s, before --to: the window ends there", path,
			  (double)end / 1e9);
		return end;
	}
	return to;
}
