/* A window's reading that stops early (cli_load_window with --to): once
 * the reading is past the window's end and past the last chunk holding an
 * event of TL_LATE_TYPES (from the index stored in the file), and
 * timeline_settled says the states and undone work before the end are
 * final, the lanes of the window, as text and as SVG, are those of the
 * timeline read to the end; read for a log (for_log, TL_LOG_LATE_TYPES),
 * so are the lines of its log. Every trace of tests/data, written again
 * in small chunks with an index (as a long recording is), cut into
 * windows of several sizes, is read both ways and drawn both ways; the
 * test also counts how many readings stopped early, so that it cannot
 * pass by reading everything. Hand-built traces then hold what only a
 * reading on can tell: a CPU's first switch long after the window, a
 * thread of unknown state, a thread created in the window that starts
 * living after it, a thread first seen after it, a level marker after
 * it, idle time beside a waiting thread that counts only
 * further on, the gap in such a stretch that a later one joins; and for
 * the log, a wakeup whose thread runs after the window, a wait for any
 * child that ends after it, a stretch that goes on after it, an object
 * named after it. The reading here looks at timeline_settled after every
 * event (the earliest stop; once settled, a window stays settled).
 * Each window is also read from its start as lanes --from reads it (only
 * the present kept before it: timeline_skim_until, then trimmed to it),
 * with hand-built traces for what that present must hold: the markers a
 * level strip looks back on, a wakeup at the window's instant, a stretch
 * longer than a record's delta, a wait known only from its block; and a
 * bound on what it keeps of 12 000 switches. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "events.h"
#include "render.h"
#include "svg.h"
#include "theme.h"
#include "timeline.h"
#include "trace.h"
#include "trace_index.h"
#include "traces.h"
#include "undone.h"
#include "undone_text.h"

#define DATA "tests/data"
#define WINDOWS 8

/* Where a window ending at `to` may stop being read at the earliest
 * (timeline_read_through, as cli_load_window; for_log, for its log):
 * UINT64_MAX without a stored index. */
static uint64_t through_of(const char *path, uint64_t to, bool for_log)
{
	struct trace_index *ix = NULL;
	uint64_t through;

	if (trace_index_new_stored(&ix, path)) {
		trace_index_free(ix);
		return UINT64_MAX;
	}
	through = timeline_read_through(ix, to, for_log);
	trace_index_free(ix);
	return through;
}

/* The most markers, log entries and bytes a reading from a window's start
 * held while it kept only the present (read_window with from), and how
 * many events it read so. */
static size_t skim_marks_peak, skim_memory_peak;
static uint64_t skim_log_peak, skim_events;

/* Reads path into a new timeline: to its end (to UINT64_MAX; the end set
 * as the loader does), or until the reading of a window ending at `to`
 * (for its log: for_log) may stop. With from, as cli_load_window reads a
 * window from there: only the present kept before it
 * (timeline_skim_until), and trimmed to it as soon as an event reaches it
 * (the earliest trim). Returns the timeline (NULL on failure) and the
 * events read. */
static struct timeline *read_window(const char *path, uint64_t from, uint64_t to, bool for_log, uint64_t *events)
{
	struct trace_reader *r = NULL;
	struct timeline *tl = NULL;
	uint64_t through = to == UINT64_MAX ? UINT64_MAX : through_of(path, to, for_log);
	struct event e;
	int rc = trace_reader_new(&r, path);
	bool trimmed = !from;

	*events = 0;
	skim_marks_peak = skim_memory_peak = 0;
	skim_log_peak = skim_events = 0;
	if (!rc)
		rc = timeline_new(&tl, trace_reader_info(r)->ncpus);
	if (!rc && from)
		rc = timeline_skim_until(tl, from);
	while (!rc && (rc = trace_reader_next(r, &e)) == 1) {
		rc = timeline_add(tl, &e) ? -1 : 0;
		(*events)++;
		if (timeline_skimming(tl)) {
			skim_events++;
			if (timeline_mark_count(tl) > skim_marks_peak)
				skim_marks_peak = timeline_mark_count(tl);
			if (timeline_log_count(tl) > skim_log_peak)
				skim_log_peak = timeline_log_count(tl);
			if (timeline_memory(tl) > skim_memory_peak)
				skim_memory_peak = timeline_memory(tl);
		} else if (!trimmed && !rc) {
			rc = timeline_trim(tl, from) ? -1 : 0;
			trimmed = true;
		}
		if (!rc && e.ts >= through && timeline_settled(tl, to, for_log)) {
			rc = 1; /* stopped early */
			break;
		}
	}
	if (rc == 0)
		timeline_set_end(tl, trace_reader_end_ts(r));
	trace_reader_free(r);
	if (rc < 0) {
		timeline_free(tl);
		return NULL;
	}
	return tl;
}

/* The lanes of [t0, t1) as text (mono, width columns, grouped or not) or
 * as SVG, in a new string. */
static char *draw(const struct timeline *tl, uint64_t t0, uint64_t t1, int width, bool group, bool svg)
{
	struct lanes_opts o = { NULL, group, false, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (svg)
		svg_write_lanes(f, tl, t0, t1, width, NULL);
	else
		render_lanes_print_opts(f, tl, t0, t1, width, theme_get(THEME_MONO, true), false, &o);
	fclose(f);
	return buf;
}

/* The log of [t0, t1) as `conctop log` words it, in a new string: the
 * entries and the stretches of undone work begun in the window (those
 * kept, and the one still open on each CPU as it stands). */
static char *log_text(const struct timeline *tl, uint64_t t0, uint64_t t1)
{
	const struct undone *u = timeline_undone(tl);
	struct undone_stretch open;
	struct tl_log_entry e;
	char *buf = NULL, line[1024];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (uint64_t k = timeline_log_index(tl, t0); k < timeline_log_index(tl, t1); k++)
		if (timeline_log_read(tl, k, &e, 1) == 1) {
			render_log_words(tl, &e, true, line, sizeof(line));
			fprintf(f, "%llu %s\n", (unsigned long long)e.ts, line);
		}
	for (i = 0; i < undone_count(u); i++)
		if (undone_at(u, i)->from >= t0 && undone_at(u, i)->from < t1) {
			undone_text_timeline(tl, undone_at(u, i), line, sizeof(line));
			fprintf(f, "undone %s\n", line);
		}
	for (unsigned c = 0; c < timeline_ncpus(tl); c++)
		if (undone_open_at(u, c, timeline_end(tl), &open) && open.from >= t0 && open.from < t1) {
			undone_text_timeline(tl, &open, line, sizeof(line));
			fprintf(f, "undone %s\n", line);
		}
	fclose(f);
	return buf;
}

/* Each thread at instants t0 and (t0 + t1) / 2, as a log's block entry
 * and the classroom's status line see it (its state, CPU, what it waits
 * on and who holds that; not since when, nor who woke it: a trim at t0
 * restates the state there), in a new string. */
static char *at_text(const struct timeline *tl, uint64_t t0, uint64_t t1)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tl_at at;

	if (!f)
		return NULL;
	for (size_t i = 0; i < timeline_thread_count(tl); i++)
		for (int k = 0; k < 2; k++) {
			timeline_thread_at(tl, i, k ? t0 + (t1 - t0) / 2 : t0, &at);
			fprintf(f, "%zu %d %u %d %lld %lld\n", i, k, at.state, at.cpu, (long long)at.object,
				(long long)at.holder);
		}
	fclose(f);
	return buf;
}

/* Compares [t0, t1) of a reading (lanes: tl, log: tlog) with the whole
 * reading's: lanes, grouped lanes, SVG, the threads at its start and
 * middle, and log; adds the differences to *bad, saying the first. */
static void compare_window(const char *name, const char *how, const struct timeline *whole,
			   const struct timeline *tl, const struct timeline *tlog, uint64_t t0, uint64_t t1, int *bad)
{
	for (int v = 0; v < 5; v++) {
		char *a = v < 4 ? draw(whole, t0, t1, v < 2 ? 100 : 300, v == 1, v >= 2) : at_text(whole, t0, t1);
		char *b = v < 4 ? draw(tl, t0, t1, v < 2 ? 100 : 300, v == 1, v >= 2) : at_text(tl, t0, t1);

		if (!a || !b || strcmp(a, b) != 0) {
			if (!*bad)
				fprintf(stderr, "  %s [%llu, %llu) %s: %s differs\n", name, (unsigned long long)t0,
					(unsigned long long)t1, how,
					v == 4 ? "threads at an instant" : v >= 2 ? "svg" : v ? "grouped lanes" : "lanes");
			(*bad)++;
		}
		free(a);
		free(b);
	}
	char *a = log_text(whole, t0, t1), *b = log_text(tlog, t0, t1);

	if (!a || !b || strcmp(a, b) != 0) {
		if (!*bad)
			fprintf(stderr, "  %s [%llu, %llu) %s: log differs:\n--- whole:\n%s--- this:\n%s", name,
				(unsigned long long)t0, (unsigned long long)t1, how, a ? a : "", b ? b : "");
		(*bad)++;
	}
	free(a);
	free(b);
}

/* Prints the lanes and the log of [t0, t1) of the whole reading and of
 * another (how: its lanes tl, its log tlog) on stderr, for a failure. */
static void show_readings(const char *how, const struct timeline *whole, const struct timeline *tl,
			  const struct timeline *tlog, uint64_t t0, uint64_t t1)
{
	char *a = draw(whole, t0, t1, 100, false, false), *b = draw(tl, t0, t1, 100, false, false);
	char *la = log_text(whole, t0, t1), *lb = log_text(tlog, t0, t1);

	fprintf(stderr, "--- whole:\n%s%s--- %s:\n%s%s", a ? a : "", la ? la : "", how, b ? b : "", lb ? lb : "");
	free(a);
	free(b);
	free(la);
	free(lb);
}

/* Compares the windows of one trace, read from the start and stopped
 * early, and read from the window's start (the present only before it):
 * adds to *early the windows read only in part, to *windows those
 * compared, to *skimmed the readings that kept only the present of some
 * events. */
static void test_trace(const char *path, const char *name, size_t *early, size_t *windows, size_t *skimmed)
{
	uint64_t total, n, nl, ns, nsl, end, t0, t1;
	struct timeline *whole = read_window(path, 0, UINT64_MAX, false, &total), *part, *plog, *skim, *slog;
	int k, bad = 0, compared = 0;
	char what[1024];

	if (!whole) {
		snprintf(what, sizeof(what), "%s: read whole", name);
		CHECK(false, what);
		return;
	}
	end = timeline_end(whole);
	for (k = 0; k < WINDOWS + 3 && end > 16; k++) {
		/* eighths, then a sliver, a twentieth and a third from odd places */
		t0 = k < WINDOWS ? end / WINDOWS * (uint64_t)k : end / 7 * (uint64_t)(k - WINDOWS + 1);
		t1 = k < WINDOWS ? t0 + end / WINDOWS : t0 + (k == WINDOWS ? 1000 : k == WINDOWS + 1 ? end / 20 : end / 3);
		part = read_window(path, 0, t1, false, &n);
		plog = read_window(path, 0, t1, true, &nl);
		skim = read_window(path, t0, t1, false, &ns);
		*skimmed += skim_events > 0;
		slog = read_window(path, t0, t1, true, &nsl);
		*skimmed += skim_events > 0;
		if (part && plog && skim && slog) {
			compare_window(name, "stopped early", whole, part, plog, t0, t1, &bad);
			compare_window(name, "from its start", whole, skim, slog, t0, t1, &bad);
			compared++;
			*early += (n < total) + (nl < total);
		} else {
			bad++;
		}
		timeline_free(part);
		timeline_free(plog);
		timeline_free(skim);
		timeline_free(slog);
	}
	*windows += 2 * (size_t)compared; /* (readings: for the lanes, for the log) */
	snprintf(what, sizeof(what), "%s: %d windows: lanes, grouped lanes, SVG and log of a reading stopped early, "
		 "and of one from the window's start, are the whole reading's", name, compared);
	CHECK(bad == 0, what);
	timeline_free(whole);
}

#define US 1000ull
#define MS 1000000ull
#define HB_PID 100
#define A 101 /* threads of the hand-built traces */
#define B 102
#define C 103
#define S 106
#define N 107
#define HB_MAX 16384

/* A hand-built trace: events in time order, each added by hb_ev. */
struct hb {
	struct event ev[HB_MAX];
	size_t n;
	size_t flush_after; /* the chunk ends after this event (0: none) */
};

/* Appends an event of any fields (see test_event; tgid2 0: the threads'
 * own process). */
static void hb_evx(struct hb *h, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int tgid2,
		   unsigned op, int64_t arg, int64_t arg2, const char *text)
{
	if (h->n < HB_MAX) {
		h->ev[h->n] = test_event(HB_PID, ts, type, cpu, tid, tid2, op, arg, arg2, text);
		if (tgid2)
			h->ev[h->n].tgid2 = tgid2;
		h->n++;
	}
}

/* Appends an event whose arg and arg2 are both arg, without an op. */
static void hb_ev(struct hb *h, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, int64_t arg,
		  const char *text)
{
	hb_evx(h, ts, type, cpu, tid, tid2, 0, 0, arg, arg, text);
}

/* Appends no-op events (thread A "migrating" from CPU 0 to CPU 0) every
 * 20 us over [from, to), so that the trace has many chunks. */
static void hb_fill(struct hb *h, uint64_t from, uint64_t to)
{
	for (uint64_t t = from; t < to; t += 20 * US)
		hb_ev(h, t, EVENT_MIGRATE, 0, A, 0, 0, NULL);
}

/* Starts h afresh: CPU0 runs A and CPU1 runs on1 (0: idle) from 0.1 ms,
 * with no-op events from 0.2 ms to 30 ms. */
static void hb_begin(struct hb *h, int on1)
{
	memset(h, 0, sizeof(*h));
	hb_ev(h, 100 * US, EVENT_SWITCH, 0, EVENT_TID_OTHER, A, 0, NULL);
	hb_ev(h, 100 * US, EVENT_SWITCH, 1, EVENT_TID_OTHER, on1, 0, NULL);
	hb_fill(h, 200 * US, 30 * MS);
}

/* Both CPUs switch just after 10 ms (A preempted on CPU0 by another
 * program and back, another program on idle CPU1 and gone): what they
 * ran before is final from then on. */
static void hb_switch_after_10ms(struct hb *h)
{
	hb_ev(h, 10500 * US, EVENT_SWITCH, 0, A, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, NULL);
	hb_ev(h, 10600 * US, EVENT_SWITCH, 0, EVENT_TID_OTHER, A, 0, NULL);
	hb_ev(h, 10700 * US, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(h, 10800 * US, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, NULL);
}

/* Sorts the events by time (stable: in the order added). */
static void hb_sort(struct hb *h)
{
	for (size_t i = 1; i < h->n; i++)
		for (size_t j = i; j > 0 && h->ev[j - 1].ts > h->ev[j].ts; j--) {
			struct event e = h->ev[j];

			h->ev[j] = h->ev[j - 1];
			h->ev[j - 1] = e;
		}
}

/* Writes h to path in chunks of about 1 KiB (one ending after event
 * flush_after when set). Returns 0 or -1. */
static int hb_write(struct hb *h, const char *path)
{
	struct trace_info info = { .ncpus = 2, .clock = "CLOCK_MONOTONIC", .command = "hand-built", .target_pid = HB_PID };
	struct trace_writer *w = NULL;
	int rc = trace_writer_new(&w, path, &info);

	hb_sort(h);
	if (!rc)
		rc = trace_writer_set_chunk_size(w, 1024);
	for (size_t i = 0; !rc && i < h->n; i++) {
		rc = trace_writer_add(w, &h->ev[i]);
		if (!rc && h->flush_after && i == h->flush_after)
			rc = trace_writer_flush(w);
	}
	if (w && trace_writer_close(w, h->ev[h->n - 1].ts + MS))
		rc = -1;
	return rc ? -1 : 0;
}

/* Reads the hand-built trace at path whole and for the window [0, to),
 * for its lanes and for its log; checks that the lanes (text and SVG) and
 * the logs agree and that the early reading read less (for its log, when
 * the case is about the log). */
static void hb_check(const char *path, uint64_t to, bool log_case, const char *what)
{
	uint64_t nw, np, nl;
	struct timeline *whole = read_window(path, 0, UINT64_MAX, false, &nw), *part = read_window(path, 0, to, false, &np);
	struct timeline *plog = read_window(path, 0, to, true, &nl);
	char *a = whole ? draw(whole, 0, to, 100, false, false) : NULL;
	char *b = part ? draw(part, 0, to, 100, false, false) : NULL;
	char *sa = whole ? draw(whole, 0, to, 200, false, true) : NULL;
	char *sb = part ? draw(part, 0, to, 200, false, true) : NULL;
	char *la = whole ? log_text(whole, 0, to) : NULL;
	char *lb = plog ? log_text(plog, 0, to) : NULL;
	bool same = a && b && sa && sb && la && lb && !strcmp(a, b) && !strcmp(sa, sb) && !strcmp(la, lb);

	if (!same && whole && part && plog)
		show_readings("stopped early", whole, part, plog, 0, to);
	CHECK(same && (log_case ? nl : np) < nw, what);
	free(a);
	free(b);
	free(sa);
	free(sb);
	free(la);
	free(lb);
	timeline_free(whole);
	timeline_free(part);
	timeline_free(plog);
}

/* The hand-built cases of a log: each fails when timeline_settled leaves
 * out what it is about. */
static void test_hand_built_log(const char *path)
{
	static struct hb h;

	/* B woken at 9 ms waits for CPU1 (another program on it) until 20 ms:
	 * its wakeup's line says when it ran */
	hb_begin(&h, 0);
	hb_ev(&h, 300 * US, EVENT_FORK, 0, A, B, 0, "b");
	hb_ev(&h, 400 * US, EVENT_WAKEUP_NEW, 1, B, 0, 1, NULL);
	hb_ev(&h, 500 * US, EVENT_SWITCH, 1, 0, B, 0, NULL);
	hb_ev(&h, 1 * MS, EVENT_SWITCH, 1, B, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 8900 * US, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 9 * MS, EVENT_WAKING, 0, A, B, 1, NULL);
	hb_ev(&h, 9 * MS, EVENT_WAKEUP, 1, B, 0, 1, NULL);
	hb_ev(&h, 10500 * US, EVENT_SWITCH, 0, A, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, NULL);
	hb_ev(&h, 10600 * US, EVENT_SWITCH, 0, EVENT_TID_OTHER, A, 0, NULL);
	hb_ev(&h, 10700 * US, EVENT_SWITCH, 1, EVENT_TID_OTHER, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 20 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, B, 0, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, true, "hand-built log: a wakeup in the window says when its thread ran after it");

	/* A waits from 2 ms for any of its two children; cc exits at 20 ms
	 * and wakes it: the wait's line names cc */
	hb_begin(&h, 0);
	hb_evx(&h, 1 * MS, EVENT_FORK, 0, A, 201, 201, 0, 0, 0, "cc");
	hb_evx(&h, 1 * MS, EVENT_FORK, 0, A, 202, 202, 0, 0, 0, "as");
	hb_evx(&h, 1100 * US, EVENT_WAKEUP_NEW, 1, 201, 0, 0, 0, 1, 1, NULL);
	hb_evx(&h, 1100 * US, EVENT_WAKEUP_NEW, 1, 202, 0, 0, 0, 1, 1, NULL);
	hb_evx(&h, 1200 * US, EVENT_SWITCH, 1, 0, 201, 201, 0, 0, 0, NULL);
	hb_evx(&h, 1300 * US, EVENT_SWITCH, 1, 201, 202, 202, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	hb_evx(&h, 1400 * US, EVENT_SWITCH, 1, 202, 0, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	for (int k = 0; k < 2; k++) /* (the children's tgids: their own) */
		for (size_t i = 0; i < h.n; i++)
			if (h.ev[i].tid == 201 + k)
				h.ev[i].tgid = 201 + k;
	hb_evx(&h, 2 * MS, EVENT_BLOCK, 0, A, 0, 0, OP_SYS_WAIT, 0, 0, NULL);
	hb_ev(&h, 2 * MS, EVENT_SWITCH, 0, A, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 10500 * US, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 10600 * US, EVENT_SWITCH, 0, EVENT_TID_OTHER, 0, 0, NULL);
	hb_ev(&h, 10700 * US, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 10800 * US, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, NULL);
	hb_evx(&h, 20 * MS, EVENT_WAKEUP, 1, 201, 0, 0, 0, 1, 1, NULL);
	hb_evx(&h, 20 * MS, EVENT_SWITCH, 1, 0, 201, 201, 0, 0, 0, NULL);
	hb_evx(&h, 20100 * US, EVENT_EXIT, 1, 201, 0, 0, 0, 0, 0, "cc");
	hb_evx(&h, 20100 * US, EVENT_WAKING, 1, 201, A, HB_PID, 0, 0, 0, NULL);
	hb_ev(&h, 20100 * US, EVENT_WAKEUP, 0, A, 0, 0, NULL);
	hb_evx(&h, 20200 * US, EVENT_SWITCH, 1, 201, 0, 0, 0, EVENT_STATE_DEAD, 0, NULL);
	hb_ev(&h, 20200 * US, EVENT_SWITCH, 0, 0, A, 0, NULL);
	for (size_t i = 0; i < h.n; i++)
		if (h.ev[i].tid == 201)
			h.ev[i].tgid = 201;
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, true, "hand-built log: a wait for any child in the window names the child that ended it");

	/* CPU1 idle beside C waiting from 0.5 ms, then beside A (preempted
	 * by C at 10.5 ms) until 25 ms: the stretch's line has its whole
	 * idle time */
	hb_begin(&h, 0);
	hb_ev(&h, 500 * US, EVENT_WAKEUP, 0, C, 0, 0, NULL);
	hb_ev(&h, 10500 * US, EVENT_SWITCH, 0, A, C, EVENT_STATE_PREEMPTED, NULL);
	hb_ev(&h, 10700 * US, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 10800 * US, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, NULL);
	hb_ev(&h, 25 * MS, EVENT_SWITCH, 1, 0, A, 0, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, true, "hand-built log: a stretch of undone work begun in the window is told whole");

	/* A blocks on a mutex at 5 ms, named only at 20 ms */
	hb_begin(&h, 0);
	hb_evx(&h, 4 * MS, EVENT_CALL, 1, B, 0, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	hb_evx(&h, 4 * MS, EVENT_RETURN, 1, B, 0, 0, OP_MUTEX_LOCK, 0, 0, NULL);
	hb_evx(&h, 5 * MS, EVENT_CALL, 0, A, 0, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	hb_evx(&h, 5 * MS, EVENT_SYSCALL, 0, A, 0, 0, OP_SYS_FUTEX, 0x5000, 0, NULL);
	hb_ev(&h, 5 * MS, EVENT_SWITCH, 0, A, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 10500 * US, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 10700 * US, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, NULL);
	hb_evx(&h, 20 * MS, EVENT_OBJECT, 1, B, 0, 0, OP_KIND_MUTEX, 0x5000, 0, "count_lock");
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, true, "hand-built log: an object named after the window is named in it");
}

/* The hand-built cases: each fails when timeline_settled leaves out what
 * it is about. */
static void test_hand_built(const char *path)
{
	static struct hb h;

	/* CPU1 says what ran on it only at its first switch, at 20 ms */
	memset(&h, 0, sizeof(h));
	hb_ev(&h, 100 * US, EVENT_SWITCH, 0, EVENT_TID_OTHER, A, 0, NULL);
	hb_fill(&h, 200 * US, 30 * MS);
	hb_ev(&h, 10500 * US, EVENT_SWITCH, 0, A, EVENT_TID_OTHER, EVENT_STATE_PREEMPTED, NULL);
	hb_ev(&h, 10600 * US, EVENT_SWITCH, 0, EVENT_TID_OTHER, A, 0, NULL);
	hb_ev(&h, 20 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: a CPU's first switch after the window tells what ran there in it");

	/* a thread known from /proc ('S') first acts at 20 ms: running since it was seen */
	hb_begin(&h, 0);
	hb_ev(&h, 0, EVENT_THREAD, 0, S, 0, 'S', "sleeper");
	hb_switch_after_10ms(&h);
	hb_ev(&h, 20 * MS, EVENT_WAKING, 1, S, A, 0, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: a thread of unknown state in the window is settled by its first "
					"event after it");

	/* a thread created at 2 ms is first woken at 20 ms: it lives from then, no lane in [0, 10 ms) */
	hb_begin(&h, 0);
	hb_ev(&h, 2 * MS, EVENT_FORK, 0, A, N, 0, "child");
	hb_switch_after_10ms(&h);
	hb_ev(&h, 20 * MS, EVENT_WAKEUP_NEW, 1, N, 0, 1, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: a thread created in the window but first woken after it has no lane");

	/* a thread first seen at 20 ms, by its wakeup (no fork, no thread
	 * event: a trace attached to a running program): no lane in [0, 10 ms),
	 * or a reading of the whole file would draw one more row */
	hb_begin(&h, 0);
	hb_switch_after_10ms(&h);
	hb_ev(&h, 20 * MS, EVENT_WAKEUP, 1, N, 0, 1, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: a thread first seen after the window has no lane in it");

	/* threads forked after the window, up to the trace's last event (a
	 * program that makes threads all along): a fork names a thread that
	 * appears at it, never one the window holds, so they do not hold the
	 * reading (they did, to the end of the file) */
	hb_begin(&h, 0);
	hb_switch_after_10ms(&h);
	for (int k = 0; k < 5; k++) {
		hb_ev(&h, (20 + 2 * k) * MS, EVENT_FORK, 0, A, N + k, 0, "child");
		hb_ev(&h, (20 + 2 * k) * MS + 100 * US, EVENT_WAKEUP_NEW, 1, N + k, 0, 1, NULL);
	}
	hb_ev(&h, 31 * MS, EVENT_FORK, 0, A, N + 5, 0, "last child");
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: threads forked after the window, the last one the trace's "
					"last event, do not hold its reading (nothing of the window changes)");

	/* a level marker ("buffer =") first at 20 ms: no level strip in
	 * [0, 10 ms), or a reading of the whole file would draw one */
	hb_begin(&h, 0);
	hb_switch_after_10ms(&h);
	hb_ev(&h, 20 * MS, EVENT_MARK, 0, A, 0, 3, "buffer =");
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: a level marker after the window adds no level strip to it");

	/* CPU1 idle beside C waiting from 1.5 ms, 8 ms until 9.5 ms, then
	 * again from 10.2 ms: the stretch counts (10 ms) at 12.2 ms */
	hb_begin(&h, B);
	hb_ev(&h, 200 * US, EVENT_WAKEUP, 0, C, 0, 0, NULL);
	hb_ev(&h, 1500 * US, EVENT_SWITCH, 1, B, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 9500 * US, EVENT_WAKEUP, 1, B, 0, 1, NULL);
	hb_ev(&h, 9500 * US, EVENT_SWITCH, 1, 0, B, 0, NULL);
	hb_ev(&h, 10200 * US, EVENT_SWITCH, 1, B, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 10500 * US, EVENT_SWITCH, 0, A, C, EVENT_STATE_PREEMPTED, NULL);
	hb_ev(&h, 25 * MS, EVENT_SWITCH, 1, 0, A, 0, NULL);
	if (!hb_write(&h, path))
		hb_check(path, 10 * MS, false, "hand-built: idle time beside a waiting thread that counts only after the window "
					"is marked in it");

	/* CPU1 idle beside C waiting 0.5-11.5 ms (it counts), not from
	 * 11.5 ms (no one waits), joined again at 12.3 ms: the gap is in
	 * the stretch. The window ends at 12 ms; a rename at 12.01 ms ends
	 * its chunk, so the reading first looks at 12.02 ms */
	hb_begin(&h, 0);
	hb_ev(&h, 500 * US, EVENT_WAKEUP, 0, C, 0, 0, NULL);
	hb_ev(&h, 11500 * US, EVENT_SWITCH, 0, A, C, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 12001 * US, EVENT_SWITCH, 0, C, EVENT_TID_OTHER, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 12005 * US, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, NULL);
	hb_ev(&h, 12010 * US, EVENT_RENAME, 1, A, 0, 0, "renamed");
	hb_ev(&h, 12200 * US, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, NULL);
	hb_ev(&h, 12300 * US, EVENT_WAKEUP, 0, C, 0, 0, NULL);
	hb_sort(&h);
	for (size_t i = 0; i < h.n; i++)
		if (h.ev[i].type == EVENT_RENAME)
			h.flush_after = i;
	if (!hb_write(&h, path))
		hb_check(path, 12 * MS, false, "hand-built: idle time in a gap of a stretch that a later one joins is marked in "
					"the window");
}

/* Reads the hand-built trace at path whole and from `from` (the present
 * only before it) and checks that the lanes (text, grouped, SVG) and the
 * log of [from, to) agree; at most markers were held before from, no log
 * entry, and (share > 0) less memory than share of the whole reading's. */
static void hb_check_from(const char *path, uint64_t from, uint64_t to, size_t markers, double share,
			  const char *what)
{
	uint64_t nw, ns, nl;
	struct timeline *whole = read_window(path, 0, UINT64_MAX, false, &nw), *skim = read_window(path, from, to, false, &ns);
	size_t peak = skim_marks_peak, bytes = skim_memory_peak;
	uint64_t skimmed = skim_events, logged = skim_log_peak;
	struct timeline *slog = read_window(path, from, to, true, &nl);
	int bad = 0;
	char line[512];

	if (!whole || !skim || !slog) {
		CHECK(false, what);
	} else {
		compare_window("hand-built", "from its start", whole, skim, slog, from, to, &bad);
		if (bad)
			show_readings("from the window's start", whole, skim, slog, from, to);
		snprintf(line, sizeof(line), "%s (%llu events before it kept only as the present: at most %zu markers "
			 "held, %zu allowed, %llu log entries, %zu bytes; the whole reading %zu)", what,
			 (unsigned long long)skimmed, peak, markers, (unsigned long long)logged, bytes, timeline_memory(whole));
		CHECK(bad == 0 && skimmed > 0 && peak <= markers && logged == 0 &&
		      (share <= 0 || (double)bytes < share * (double)timeline_memory(whole)), line);
	}
	timeline_free(whole);
	timeline_free(skim);
	timeline_free(slog);
}

/* The hand-built cases of a reading from a window's start: each fails
 * when what the reading keeps of the time before the window leaves out
 * what it is about. */
static void test_hand_built_from(const char *path)
{
	static struct hb h;

	/* 13 000 level markers before 26.2 ms: "buffer =" the first and the
	 * 9501st (3, 3500 markers before the window), "queue =" the others;
	 * "buffer = 2" at 29 ms. The strip is buffer's (the first level of the
	 * trace), and starts the window at 3, found among the 4096 markers a
	 * reader looks back on */
	hb_begin(&h, 0);
	for (int i = 0; i < 13000; i++)
		hb_ev(&h, 200 * US + (uint64_t)i * 2 * US, EVENT_MARK, 0, A, 0, i == 9500 ? 3 : i % 7,
		      i == 0 || i == 9500 ? "buffer =" : "queue =");
	hb_ev(&h, 29 * MS, EVENT_MARK, 0, A, 0, 2, "buffer =");
	if (!hb_write(&h, path))
		hb_check_from(path, 28 * MS, 30 * MS, 3 * TL_MARKS_LOOKBACK, 0,
			      "hand-built from: the level named at the trace's start, its value 3500 markers before "
			      "the window, 13 000 markers before it");

	/* B, woken at 2 ms, waits for CPU1 (another program on it) until
	 * 3 s: a stretch longer than a record's delta holds (2.1 s); the
	 * window starts at the wakeup itself, then after the stretch's
	 * filler */
	hb_begin(&h, B);
	hb_ev(&h, 1 * MS, EVENT_SWITCH, 1, B, EVENT_TID_OTHER, EVENT_STATE_INTERRUPTIBLE, NULL);
	hb_ev(&h, 2 * MS, EVENT_WAKING, 0, A, B, 1, NULL);
	hb_ev(&h, 2 * MS, EVENT_WAKEUP, 1, B, 0, 1, NULL);
	hb_ev(&h, 3000 * MS, EVENT_SWITCH, 1, EVENT_TID_OTHER, B, 0, NULL);
	hb_ev(&h, 3100 * MS, EVENT_SWITCH, 1, B, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	if (!hb_write(&h, path)) {
		hb_check_from(path, 2 * MS, 3200 * MS, 0, 0, "hand-built from: a window starting at a wakeup's instant");
		hb_check_from(path, 2500 * MS, 3200 * MS, 0, 0,
			      "hand-built from: a thread runnable from 2 ms to 3 s, seen from 2.5 s");
	}

	/* A blocks at 5 ms on count_lock, held by B, to the trace's end
	 * (its wait is known when it blocks, and never restated at its end):
	 * a window from 12 ms shows whom A waits for */
	hb_begin(&h, B);
	hb_evx(&h, 1 * MS, EVENT_OBJECT, 1, B, 0, 0, OP_KIND_MUTEX, 0x5000, 0, "count_lock");
	hb_evx(&h, 4 * MS, EVENT_CALL, 1, B, 0, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	hb_evx(&h, 4 * MS, EVENT_RETURN, 1, B, 0, 0, OP_MUTEX_LOCK, 0, 0, NULL);
	hb_evx(&h, 5 * MS, EVENT_CALL, 0, A, 0, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	hb_evx(&h, 5 * MS, EVENT_SYSCALL, 0, A, 0, 0, OP_SYS_FUTEX, 0x5000, 0, NULL);
	hb_ev(&h, 5 * MS, EVENT_SWITCH, 0, A, 0, EVENT_STATE_INTERRUPTIBLE, NULL);
	if (!hb_write(&h, path))
		hb_check_from(path, 12 * MS, 30 * MS, 0, 0, "hand-built from: a thread blocked on a mutex since before the window");

	/* B and C take turns on CPU1 every 2 us until 24.2 ms: before a
	 * window from 26 ms, the reading holds their present, not 12000
	 * switches */
	hb_begin(&h, 0);
	hb_ev(&h, 200 * US, EVENT_SWITCH, 1, 0, B, 0, NULL);
	for (int i = 1; i < 12000; i++)
		hb_ev(&h, 200 * US + (uint64_t)i * 2 * US, EVENT_SWITCH, 1, i % 2 ? B : C, i % 2 ? C : B,
		      EVENT_STATE_PREEMPTED, NULL);
	if (!hb_write(&h, path))
		hb_check_from(path, 26 * MS, 30 * MS, 0, 0.25, "hand-built from: 12000 switches before the window");
}

/* lanes --group of a process of 8 threads with no names: its header keeps
 * its count whole ("? (8" lost its ")" in a 4-column name field), and a
 * long process name is cut rather than the count. */
static void test_group_header(void)
{
	struct timeline *tl = NULL;
	struct event e;
	char *text = NULL;
	int i;

	if (timeline_new(&tl, 2) == 0) {
		for (i = 0; i < 8; i++) {
			e = test_event(31000, 0, EVENT_THREAD, 0, 31000 + i, 0, 0, 'R', 0, NULL);
			timeline_add(tl, &e);
		}
		e = test_event(31000, 1000000, EVENT_SWITCH, 0, 0, 31000, 0, 0, 0, NULL);
		timeline_add(tl, &e);
		timeline_set_end(tl, 10000000);
		text = draw(tl, 0, 10000000, 80, true, false);
	}
	CHECK(text && strstr(text, "? (8) 31000"), "lanes --group: a header of unnamed threads keeps its count whole");
	if (text && !strstr(text, "? (8) 31000"))
		printf("%s", text);
	free(text);
	text = NULL;
	/* a long process name: its threads' names set the field, and the
	 * header's name is cut so that its count shows */
	if (tl) {
		e = test_event(31000, 2000000, EVENT_RENAME, 0, 31000, 0, 0, 0, 0, "a-very-long-process");
		timeline_add(tl, &e);
		for (i = 1; i < 8; i++) {
			e = test_event(31000, 2000000, EVENT_RENAME, 0, 31000 + i, 0, 0, 0, 0, "wk");
			timeline_add(tl, &e);
		}
		text = draw(tl, 0, 10000000, 80, true, false);
	}
	{ /* the name's start, then the count, on the header's line */
		const char *name = text ? strstr(text, "a-very") : NULL, *n8 = text ? strstr(text, " (8) 31000") : NULL;

		CHECK(name && n8 && name < n8 && !memchr(name, '\n', (size_t)(n8 - name)) &&
			      !strstr(text, "a-very-long-process ("),
		      "lanes --group: a long process name is cut, not its header's count");
	}
	if (text && !strstr(text, " (8) 31000"))
		printf("%s", text);
	free(text);
	timeline_free(tl);
}

/* Every trace of tests/data, in name order; then the hand-built ones. */
int main(void)
{
	struct dirent **names;
	size_t early = 0, windows = 0, skimmed = 0;
	int n = scandir(DATA, &names, NULL, alphasort), i;
	char path[512], copy[64];

	snprintf(copy, sizeof(copy), "/tmp/test_window.%d.ctrace", (int)getpid());
	CHECK(n > 0, "the traces of " DATA " are listed");
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (len > 7 && strcmp(names[i]->d_name + len - 7, ".ctrace") == 0) {
			snprintf(path, sizeof(path), DATA "/%s", names[i]->d_name);
			if (test_rechunk(path, copy) == 0)
				test_trace(copy, names[i]->d_name, &early, &windows, &skimmed);
			else
				CHECK(false, "a trace of tests/data is written again in small chunks");
		}
		free(names[i]);
	}
	free(names);
	snprintf(path, sizeof(path), "most windows were read only in part (%zu of %zu)", early, windows);
	CHECK(early * 2 > windows, path);
	snprintf(path, sizeof(path), "the readings from a window's start kept only the present before it in %zu of %zu",
		 skimmed, windows);
	CHECK(skimmed * 2 > windows, path);
	test_hand_built(copy);
	test_hand_built_log(copy);
	test_hand_built_from(copy);
	test_group_header();
	unlink(copy);
	return check_summary();
}
