/* timeline_trim: a timeline that forgets the past while it is built (as a
 * live view with a memory cap does) answers every question about what came
 * after the trim exactly as the timeline that kept everything: cells of
 * threads and CPUs at many widths, threads at instants, the log, the
 * markers, the steps between events. Recorded traces of tests/data (real
 * attribution, notes, marks, a deadlock) are built twice and compared. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "events.h"
#include "lane.h"
#include "contention.h"
#include "mem.h"
#include "sched_model.h"
#include "spans.h"
#include "timeline.h"
#include "trace.h"
#include "trace_ahead.h"
#include "undone.h"

/* The traces compared, as recorded by conctop. */
static const char *const traces[] = {
	"tests/data/class-prodcons.ctrace", "tests/data/class-philosophers.ctrace",
	"tests/data/class-contention.ctrace", "tests/data/class-gil.ctrace", "tests/data/prodcons.ctrace",
	"tests/data/pingpong.ctrace",
};

/* Builds whole from every event of path, and cut from the same events,
 * trimmed at a third of the trace once two thirds were added and, at the
 * end, at the first wakeup from half of it on (records at the trim's very
 * instant are kept: a wakeup there is drawn). Returns the last trim's
 * instant, or 0 on failure. */
static uint64_t build_both(const char *path, struct timeline **whole, struct timeline **cut)
{
	struct trace_reader *r = NULL, *r2 = NULL;
	struct event e;
	uint64_t end, keep = 0, half = 0;
	bool trimmed = false;
	int err = trace_reader_new(&r, path), err2 = 0;

	*whole = *cut = NULL;
	if (!err)
		err = timeline_new(whole, trace_reader_info(r)->ncpus);
	while (!err && (err = trace_reader_next(r, &e)) == 1)
		err = timeline_add(*whole, &e);
	if (!err) {
		end = trace_reader_end_ts(r);
		timeline_set_end(*whole, end);
		err = trace_reader_new(&r2, path);
		if (!err)
			err = timeline_new(cut, trace_reader_info(r2)->ncpus);
		while (!err && (err = trace_reader_next(r2, &e)) == 1) {
			if (!trimmed && e.ts >= end / 3 * 2) {
				uint64_t t = end / 3 < timeline_end(*cut) ? end / 3 : timeline_end(*cut);

				err2 |= timeline_trim(*cut, end / 3);
				CHECK(timeline_kept_from(*cut) == t, "the first trim keeps from its instant on (or the end)");
				trimmed = true;
			}
			if (!half && e.ts >= end / 2 && e.type == EVENT_WAKEUP)
				half = e.ts;
			err = timeline_add(*cut, &e);
		}
		if (!err) {
			timeline_set_end(*cut, end);
			keep = half ? half : end / 2;
			err2 |= timeline_trim(*cut, keep);
		}
	}
	trace_reader_free(r);
	trace_reader_free(r2);
	CHECK(!err && !err2 && trimmed, "both timelines built, the second trimmed twice while it was built");
	return !err && !err2 ? keep : 0;
}

/* Whether the cells of every thread and CPU agree over [keep, end) at
 * several widths; counts the columns compared into *n. */
static bool same_cells(const struct timeline *a, const struct timeline *b, uint64_t keep, size_t *n)
{
	static const unsigned widths[] = { 7, 80, 200, 1999 };
	uint64_t end = timeline_end(a);
	size_t i, k, c;

	for (k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
		uint64_t w = (end - keep) / widths[k] + 1;

		for (c = 0; keep + c * w < end; c++) {
			uint64_t t0 = keep + c * w, t1 = t0 + w;
			struct tl_cell x, y;
			struct tl_cpu_cell u, v;

			for (i = 0; i < timeline_thread_count(a); i++) {
				timeline_thread_cell(a, i, t0, t1, &x);
				timeline_thread_cell(b, i, t0, t1, &y);
				if (x.state != y.state || x.cpu != y.cpu || x.mixed != y.mixed || x.wakeup != y.wakeup ||
				    x.wakeups != y.wakeups) {
					printf("  thread %zu [%llu, %llu): state %u/%u cpu %d/%d wakeups %u/%u\n", i,
					       (unsigned long long)t0, (unsigned long long)t1, x.state, y.state, x.cpu,
					       y.cpu, x.wakeups, y.wakeups);
					return false;
				}
				(*n)++;
			}
			for (i = 0; i < timeline_ncpus(a); i++) {
				timeline_cpu_cell(a, (unsigned)i, t0, t1, &u);
				timeline_cpu_cell(b, (unsigned)i, t0, t1, &v);
				if (u.kind != v.kind || u.thread != v.thread || u.mixed != v.mixed || u.undone != v.undone)
					return false;
			}
		}
	}
	return true;
}

/* Whether every thread at many instants from keep on agrees: the state,
 * its CPU, what it waits on and who holds it; who woke it when that was
 * after keep; since when, counted from keep (0 where neither has a record). */
static bool same_instants(const struct timeline *a, const struct timeline *b, uint64_t keep)
{
	uint64_t end = timeline_end(a), t, step = (end - keep) / 997 + 1;
	size_t i;

	for (t = keep; t < end; t += step) {
		for (i = 0; i < timeline_thread_count(a); i++) {
			struct tl_at x, y;

			timeline_thread_at(a, i, t, &x);
			timeline_thread_at(b, i, t, &y);
			if (x.state != y.state || x.cpu != y.cpu || x.object != y.object || x.holder != y.holder ||
			    ((x.since > keep ? x.since : keep) != y.since && (x.since || y.since)) || x.since_cut ||
			    y.since_cut != (x.state != TL_NOT_ALIVE && x.since < keep) ||
			    (x.woken_at >= keep && (x.woken_by != y.woken_by || x.woken_at != y.woken_at)))
			{
				printf("  thread %zu at %llu: state %u/%u cpu %d/%d object %lld/%lld holder %lld/%lld "
				       "since %llu/%llu (cut %d/%d) woken %lld/%lld at %llu/%llu\n", i, (unsigned long long)t,
				       x.state, y.state, x.cpu, y.cpu, (long long)x.object, (long long)y.object,
				       (long long)x.holder, (long long)y.holder, (unsigned long long)x.since,
				       (unsigned long long)y.since, x.since_cut, y.since_cut, (long long)x.woken_by,
				       (long long)y.woken_by,
				       (unsigned long long)x.woken_at, (unsigned long long)y.woken_at);
				return false;
			}
		}
	}
	return true;
}

/* Whether the log from keep on, and the markers from keep on and the
 * TL_MARKS_LOOKBACK before it, are the same entries. */
static bool same_log(const struct timeline *a, const struct timeline *b, uint64_t keep, size_t *n)
{
	uint64_t ia = timeline_log_index(a, keep), ib = timeline_log_index(b, keep);
	struct tl_log_entry x, y;
	size_t ma = timeline_mark_index(a, keep), mb = timeline_mark_index(b, keep);

	if (timeline_log_count(a) - ia != timeline_log_count(b) - ib || ib != 0)
		return false;
	for (; ia < timeline_log_count(a); ia++, ib++, (*n)++) {
		timeline_log_read(a, ia, &x, 1);
		timeline_log_read(b, ib, &y, 1);
		if (x.ts != y.ts || x.kind != y.kind || x.thread != y.thread || x.value != y.value || x.cpu != y.cpu ||
		    x.latency_ns != y.latency_ns || strcmp(x.text, y.text) ||
		    (x.kind != TL_LOG_WAKEUP && x.other != y.other) || memcmp(&x.note, &y.note, sizeof(x.note)))
			return false;
	}
	/* and the markers before it a level strip looks back on */
	if (mb != (ma < TL_MARKS_LOOKBACK ? ma : TL_MARKS_LOOKBACK))
		return false;
	ma -= mb;
	mb = 0;
	if (timeline_mark_count(a) - ma != timeline_mark_count(b) - mb)
		return false;
	for (; ma < timeline_mark_count(a); ma++, mb++) {
		timeline_mark(a, ma, &x);
		timeline_mark(b, mb, &y);
		if (x.ts != y.ts || x.thread != y.thread || x.value != y.value || strcmp(x.text, y.text))
			return false;
	}
	return true;
}

/* Whether stepping from event to event after keep finds the same instants. */
static bool same_steps(const struct timeline *a, const struct timeline *b, uint64_t keep)
{
	uint64_t t = keep, ta, tb;
	int ra, rb;
	unsigned k;

	for (k = 0; k < 5000; k++) {
		ra = timeline_next_event(a, t, &ta);
		rb = timeline_next_event(b, t, &tb);
		if (ra != rb || (ra == 0 && ta != tb))
			return false;
		if (ra)
			return true;
		t = ta;
	}
	ra = timeline_prev_event(a, t, &ta);
	rb = timeline_prev_event(b, t, &tb);
	return ra == rb && (ra || ta == tb);
}

/* One trace: built whole and trimmed, compared. */
static void test_trace(const char *path)
{
	struct timeline *a, *b;
	uint64_t keep = build_both(path, &a, &b);
	size_t cells = 0, entries = 0;
	char name[300];

	if (keep) {
		snprintf(name, sizeof(name), "%s: every cell from the trim on is the same (%s)", path, "threads, CPUs");
		CHECK(same_cells(a, b, keep, &cells) && cells > 1000, name);
		snprintf(name, sizeof(name), "%s: every thread at every instant after the trim is the same", path);
		CHECK(same_instants(a, b, keep), name);
		snprintf(name, sizeof(name), "%s: the log and the markers from the trim on (and the markers before "
			 "it a level strip looks back on) are the same", path);
		CHECK(same_log(a, b, keep, &entries), name);
		snprintf(name, sizeof(name), "%s: stepping between events after the trim finds the same instants", path);
		CHECK(same_steps(a, b, keep), name);
		/* (the arena's 256 KiB chunks hide most of it in traces this small) */
		snprintf(name, sizeof(name), "%s: the trimmed timeline holds no more (%zu vs %zu bytes)", path,
			 timeline_memory(b), timeline_memory(a));
		CHECK(timeline_memory(b) <= timeline_memory(a), name);
		snprintf(name, sizeof(name), "%s: nothing before the trim is drawn", path);
		{
			struct tl_cell c;

			timeline_thread_cell(b, 0, 0, keep, &c);
			CHECK(c.state == TL_NOT_ALIVE && timeline_log_index(b, 0) == 0, name);
		}
	}
	timeline_free(a);
	timeline_free(b);
}

/* Feeds c the events of file from the resume point at on; returns 0 or
 * an error, and how many events it fed. */
static int follow_rest(const char *file, struct timeline *c, const struct trace_resume *at, uint64_t *followed)
{
	struct trace_reader *r = NULL;
	struct event e;
	int err = trace_reader_new(&r, file) || trace_reader_resume(r, at);

	*followed = 0;
	while (!err && (err = trace_reader_next(r, &e)) == 1) {
		err = timeline_add(c, &e);
		(*followed)++;
	}
	trace_reader_free(r);
	return err;
}

/* Checks that copy c, fed the rest of the events, answers from where it was
 * made as the whole timeline does, and holds nothing before. */
static void check_copy(const char *what, struct timeline *whole, struct timeline *c, uint64_t end)
{
	uint64_t keep;
	size_t cells = 0, entries = 0;
	struct tl_cell cell;
	char name[400];

	timeline_set_end(whole, end);
	timeline_set_end(c, end);
	keep = timeline_kept_from(c);
	snprintf(name, sizeof(name), "%s: the copy answers from where it was made (%.6f s of %.6f s) as the whole "
		 "timeline: cells, instants, the log, steps", what, (double)keep / 1e9, (double)end / 1e9);
	CHECK(keep > 0 && same_cells(whole, c, keep, &cells) && cells > 1000 && same_instants(whole, c, keep) &&
	      same_log(whole, c, keep, &entries) && same_steps(whole, c, keep), name);
	snprintf(name, sizeof(name), "%s: the copy holds nothing before it was made", what);
	timeline_thread_cell(c, 0, 0, keep, &cell);
	CHECK(cell.state == TL_NOT_ALIVE && timeline_log_index(c, 0) == 0, name);
}

/* timeline_clone and the writer's resume point, as a live view's
 * checkpoints use them: path's events go into a timeline and then into a
 * file written in small chunks, as the live view does; at half of them
 * the timeline is copied and the writer's resume point taken (inside a
 * chunk, or, flushed, at a chunk's start); the copy then follows the
 * events the file holds from that point on (read with
 * trace_reader_resume) and answers every question about the time after
 * the copy exactly as the timeline built from every event. Then the same
 * with the resume point of a reader of that file at a third of it (as
 * replay's checkpoints), read directly or ahead on a thread. */
static void test_clone(const char *path, bool flushed)
{
	struct trace_reader *r = NULL;
	struct trace_writer *w = NULL;
	struct trace_ahead *ahead = NULL;
	struct timeline *whole = NULL, *part = NULL, *c = NULL;
	struct trace_info info;
	struct trace_resume at = { 0 };
	struct event *evs = NULL, e;
	const struct event *pe;
	size_t n = 0, cap = 0, i;
	uint64_t end = 0, followed = 0;
	char file[80], name[400];
	int err = trace_reader_new(&r, path);

	snprintf(file, sizeof(file), "/tmp/test_trim_clone.%d.ctrace", (int)getpid());
	if (!err)
		info = *trace_reader_info(r);
	while (!err && (err = trace_reader_next(r, &e)) == 1)
		if (!(err = VEC_RESERVE(evs, cap, n + 1)))
			evs[n++] = e;
	if (!err)
		end = trace_reader_end_ts(r);
	trace_reader_free(r);
	r = NULL;
	if (!err)
		err = timeline_new(&whole, info.ncpus) || timeline_new(&part, info.ncpus) ||
		      trace_writer_new(&w, file, &info) || trace_writer_set_chunk_size(w, 256);
	for (i = 0; !err && i < n; i++) {
		err = timeline_add(whole, &evs[i]) || (part && timeline_add(part, &evs[i])) || trace_writer_add(w, &evs[i]);
		if (!err && i == n / 2) {
			err = (flushed && trace_writer_flush(w)) || timeline_clone(part, &c) ||
			      trace_writer_resume_point(w, &at);
			timeline_free(part);
			part = NULL;
		}
	}
	if (w)
		err |= trace_writer_close(w, end);
	snprintf(name, sizeof(name), "%s: the copy made at half of the events (%zu), the file written in chunks "
		 "(%u before the resume point), %llu events there to skip", path, n, at.seq, (unsigned long long)at.skip);
	CHECK(!err && c && n > 50 && at.seq > 2 && (flushed ? at.skip == 0 : at.skip > 0), name);
	if (!err)
		err = follow_rest(file, c, &at, &followed);
	snprintf(name, sizeof(name), "%s: the copy follows the file from the resume point on: %llu events, the "
		 "%zu after the copy", path, (unsigned long long)followed, n - n / 2 - 1);
	CHECK(!err && followed == n - n / 2 - 1, name);
	if (!err)
		check_copy(path, whole, c, end);
	timeline_free(c);
	c = NULL;

	/* a reader's resume point at a third of the file: ahead on a thread for odd traces */
	if (!err)
		err = trace_reader_new(&r, file) || timeline_new(&part, info.ncpus) ||
		      (flushed && trace_ahead_new(&ahead, r));
	for (i = 0; !err && i < n / 3; i++) {
		if (ahead)
			err = trace_ahead_next(ahead, &pe) != 1 || timeline_add(part, pe);
		else
			err = trace_reader_next(r, &e) != 1 || timeline_add(part, &e);
	}
	memset(&at, 0, sizeof(at));
	if (!err)
		err = (ahead ? trace_ahead_resume_point(ahead, &at) : trace_reader_resume_point(r, &at)) ||
		      timeline_clone(part, &c);
	trace_ahead_free(ahead);
	trace_reader_free(r);
	timeline_free(part);
	if (!err)
		err = follow_rest(file, c, &at, &followed);
	snprintf(name, sizeof(name), "%s: a copy at a third of the file read %s follows it from the reader's resume "
		 "point (chunk %u, %llu events to skip): %llu events, the %zu after the copy", path,
		 flushed ? "ahead" : "directly", at.seq, (unsigned long long)at.skip, (unsigned long long)followed,
		 n - n / 3);
	/* (ahead, a batch of 4096 events holds these files: its resume point is
	 * its start, chunk 1, and the events it returned are skipped, across
	 * chunks) */
	CHECK(!err && at.seq >= (flushed ? 1u : 2u) && followed == n - n / 3, name);
	if (!err) {
		snprintf(name, sizeof(name), "%s (a reader's resume point)", path);
		check_copy(name, whole, c, end);
	}
	timeline_free(whole);
	timeline_free(c);
	free(evs);
	unlink(file);
}

/* A reader's resume point past a damaged chunk: reading on from it (a
 * read back from a checkpoint replay took after the damage) ends at the
 * file's end record without reporting damage the reading from there did
 * not meet (the end record's count, short by the damaged chunk's events,
 * is not held against it). */
static void test_resume_after_damage(void)
{
	const char *path = "tests/data/class-prodcons.ctrace";
	struct trace_reader *r = NULL;
	struct trace_writer *w = NULL;
	struct trace_resume at = { 0 };
	struct event e;
	uint64_t off = 0, n = 0, end = 0;
	uint32_t seq = 0;
	char file[80];
	int rc, damaged = 0, err = trace_reader_new(&r, path);
	FILE *f;

	snprintf(file, sizeof(file), "/tmp/test_trim_damage.%d.ctrace", (int)getpid());
	if (!err)
		err = trace_writer_new(&w, file, trace_reader_info(r)) || trace_writer_set_chunk_size(w, 256);
	while (!err && (err = trace_reader_next(r, &e)) == 1)
		err = trace_writer_add(w, &e);
	if (!err)
		end = trace_reader_end_ts(r);
	trace_reader_free(r);
	r = NULL;
	if (w)
		err |= trace_writer_close(w, end);
	/* chunk 3's offset, then a byte of its payload flipped */
	if (!err)
		err = trace_reader_new(&r, file);
	while (!err && seq < 3 && trace_reader_next(r, &e) == 1)
		trace_reader_chunk(r, &off, &seq);
	trace_reader_free(r);
	r = NULL;
	if (!err && seq == 3 && (f = fopen(file, "r+b")) != NULL) {
		int c;

		fseek(f, (long)off + 40, SEEK_SET);
		c = fgetc(f);
		fseek(f, (long)off + 40, SEEK_SET);
		fputc(c ^ 0x55, f);
		fclose(f);
	} else {
		err = 1;
	}
	/* read past the damage, take the resume point, go on from it in another reader */
	if (!err)
		err = trace_reader_new(&r, file);
	if (!err)
		trace_reader_skip_damaged(r);
	while (!err && n < 1500 && (rc = trace_reader_next(r, &e)) > 0) {
		if (rc == 1)
			n++;
		else
			damaged++;
	}
	if (!err)
		err = trace_reader_resume_point(r, &at);
	trace_reader_free(r);
	r = NULL;
	CHECK(!err && damaged == 1 && n == 1500 && at.damaged == 1,
	      "a reader meets the damaged chunk, then takes a resume point 1 500 events in");
	if (!err)
		err = trace_reader_new(&r, file) || trace_reader_resume(r, &at);
	if (!err)
		trace_reader_skip_damaged(r);
	damaged = 0;
	while (!err && (rc = trace_reader_next(r, &e)) > 0)
		if (rc == TRACE_DAMAGED)
			damaged++;
	CHECK(!err && rc == 0 && damaged == 0,
	      "read on from it, the file ends at its end record, no damage reported (the count is not held against it)");
	trace_reader_free(r);
	unlink(file);
}

/* One step of a ping-pong on CPU 0: a wakeup of next, then a switch from
 * prev (blocked) to it. */
static void pingpong_events(struct event ev[2], uint64_t ts, int32_t prev, int32_t next)
{
	ev[0] = (struct event){ .ts = ts, .type = EVENT_WAKEUP, .cpu = 0, .tid = next, .tgid = 100, .arg = 0 };
	ev[1] = (struct event){ .ts = ts + 500, .type = EVENT_SWITCH, .cpu = 0, .tid = prev, .tgid = 100,
				.tid2 = next, .tgid2 = 100, .arg = EVENT_STATE_INTERRUPTIBLE };
}

/* Adds a ping-pong step to a timeline. */
static int pingpong_step(struct timeline *tl, uint64_t ts, int32_t prev, int32_t next)
{
	struct event ev[2];
	int r;

	pingpong_events(ev, ts, prev, next);
	r = timeline_add(tl, &ev[0]);
	return r ? r : timeline_add(tl, &ev[1]);
}

/* A long ping-pong trimmed to its last tenth holds a small part of it. */
static void test_memory(void)
{
	struct timeline *tl = NULL;
	uint64_t i, n = 400000, before;
	int r = timeline_new(&tl, 2);
	char name[160];

	for (i = 0; !r && i < n; i++)
		r = pingpong_step(tl, i * 1000, i % 2 ? 101 : 102, i % 2 ? 102 : 101);
	CHECK(!r, "a ping-pong of 800 000 events builds");
	if (r) {
		timeline_free(tl);
		return;
	}
	before = timeline_memory(tl);
	r = timeline_trim(tl, n * 1000 / 10 * 9);
	snprintf(name, sizeof(name), "trimmed to its last tenth, it holds %.1f%% of its %llu bytes", 100.0 *
		 (double)timeline_memory(tl) / (double)before, (unsigned long long)before);
	CHECK(!r && timeline_memory(tl) * 5 < before, name);
	for (; !r && i < n + 1000; i++)
		r = pingpong_step(tl, i * 1000, i % 2 ? 101 : 102, i % 2 ? 102 : 101);
	CHECK(!r && timeline_events(tl) == 2 * (n + 1000), "and it goes on taking events after the trim");
	timeline_free(tl);
}

/* The memory figures a live view reads every frame are counted as the
 * lanes and the waits' history change, not by a walk of every thread (a
 * program that made 400 000 threads spent a fifth of the view's CPU in
 * those walks): at every look at a growing timeline whose threads take
 * turns a pair at a time, through trims, at a copy of it grown after the
 * copy, and at a waits' history trimmed as it grows, the figure is the
 * walk's; and a lane that restarts after hundreds of records counts what
 * it gave back (a reading that keeps only the present restarts its lanes
 * at every record: they never grow past a first block, so only a lane
 * grown first tells). */
static void test_memory_counted(void)
{
	struct timeline *tl = NULL, *copy = NULL;
	struct spans *sp = NULL;
	struct lane L;
	struct arena a;
	uint64_t i, t = 0;
	unsigned bad = 0, looks = 0, sbad = 0, held_bad = 0, sheld_bad = 0;
	size_t grown, walked, copied = 0, sheld_min = SIZE_MAX;
	int r = timeline_new(&tl, 2);
	char name[200];

	memset(&a, 0, sizeof(a));
	lane_init(&L, true);
	for (i = 0; !r && i < 500; i++)
		r = lane_push(&L, &a, 1000 * i, LANE_CODE(i % 2 ? TL_RUNNING : TL_SLEEPING, 1));
	grown = lane_memory(&L);
	r = r ? r : lane_restart(&L, &a, 1000 * i, LANE_CODE(TL_RUNNING, 1));
	snprintf(name, sizeof(name), "a lane of 500 records counts its %zu bytes outside the arena, and restarted, "
		 "the %zu it keeps (the walk's: %zu)", grown, lane_memory(&L), lane_memory_recount(&L));
	CHECK(!r && grown > 0 && lane_memory(&L) == lane_memory_recount(&L) && lane_memory(&L) < grown, name);
	lane_done(&L);
	arena_done(&a);
	r = r ? r : spans_new(&sp, 2, SPANS_ALL);
	for (i = 0; !r && i < 300000; i++, t += 1000) {
		/* pairs of threads that take turns a while, then others; after
		 * 40 pairs the first come back, their spans all forgotten by a
		 * trim meanwhile (the waits' history lists them again) */
		int32_t a = (int32_t)(1000 + 2 * (i / 3000 % 40)), b = a + 1;
		struct event ev[2];

		pingpong_events(ev, t, i % 2 ? a : b, i % 2 ? b : a);
		for (unsigned k = 0; !r && k < 2; k++) {
			r = timeline_add(tl, &ev[k]);
			r = r ? r : spans_add(sp, &ev[k]);
		}
		if (i % 20000 == 19999) {
			looks++;
			held_bad += timeline_lanes_held(tl, &walked) != walked || !walked;
			bad += timeline_memory(tl) != timeline_memory_recount(tl);
			sbad += spans_memory(sp) != spans_memory_recount(sp);
			sheld_bad += spans_threads_held(sp, &walked) != walked || !walked;
		}
		if (!r && i % 60000 == 59999) { /* the older half goes */
			uint64_t kept = timeline_kept_from(tl);

			r = timeline_trim(tl, kept + (t - kept) / 2);
			spans_trim(sp, kept + (t - kept) / 2);
			held_bad += timeline_lanes_held(tl, &walked) != walked;
			bad += timeline_memory(tl) != timeline_memory_recount(tl);
			sbad += spans_memory(sp) != spans_memory_recount(sp);
			sheld_bad += spans_threads_held(sp, &walked) != walked;
			sheld_min = sheld_min < walked ? sheld_min : walked;
		}
		if (!r && i == 150000) {
			r = timeline_clone(tl, &copy);
			copied = r ? 0 : timeline_memory(copy);
			bad += !r && copied != timeline_memory_recount(copy);
			held_bad += !r && timeline_lanes_held(copy, &walked) != walked;
		}
		if (!r && copy && i > 150000)
			r = timeline_add(copy, &ev[0]) || timeline_add(copy, &ev[1]);
	}
	bad += !r && copy && timeline_memory(copy) != timeline_memory_recount(copy);
	held_bad += !r && copy && timeline_lanes_held(copy, &walked) != walked;
	snprintf(name, sizeof(name), "the timelines' memory figure, counted as lanes grow, is the walk's at %u looks, "
		 "through trims and at a copy grown after it (%zu -> %zu bytes; %u differ; %zu bytes at the end)", looks,
		 copied, copy ? timeline_memory(copy) : 0, bad, tl ? timeline_memory(tl) : 0);
	CHECK(!r && bad == 0 && looks == 15 && copy && timeline_memory(copy) > copied, name);
	snprintf(name, sizeof(name), "so is the waits' history's, through its trims (%u differ; %zu bytes at the end)",
		 sbad, sp ? spans_memory(sp) : 0);
	CHECK(!r && sbad == 0, name);
	snprintf(name, sizeof(name), "the list of lanes a trim rebuilds holds every lane with records and no other, "
		 "through trims and at the copy (%u differ; %zu at the end)", held_bad,
		 tl ? timeline_lanes_held(tl, NULL) : 0);
	CHECK(!r && held_bad == 0, name);
	snprintf(name, sizeof(name), "so is the waits' history's list of threads a trim walks, which drops those a trim "
		 "empties (%u differ; %zu at the end, %zu after a trim at least; %zu threads)", sheld_bad,
		 sp ? spans_threads_held(sp, NULL) : 0, sheld_min, sp ? spans_thread_count(sp) : 0);
	CHECK(!r && sheld_bad == 0 && sheld_min < spans_thread_count(sp), name);
	spans_free(sp);
	timeline_free(copy);
	timeline_free(tl);
}

/* timeline_memory_fixed: the threads' records, which no trim frees, and
 * timeline_memory_history, the rest: 20 000 threads trimmed to the end
 * hold little history and all their fixed part; a long ping-pong after
 * them grows the history, not the fixed part. */
static void test_memory_fixed(void)
{
	struct timeline *tl = NULL;
	uint64_t i, n = 20000, t = 0;
	size_t fixed, hist;
	int r = timeline_new(&tl, 2);
	char name[200];

	for (i = 0; !r && i < n; i++, t += 1000)
		r = pingpong_step(tl, t, (int32_t)(1000 + i), (int32_t)(1001 + i));
	fixed = timeline_memory_fixed(tl);
	CHECK(!r && fixed < timeline_memory(tl), "the fixed part is a part of the timeline's memory");
	r = r ? r : timeline_trim(tl, t);
	CHECK(!r && timeline_memory_fixed(tl) == fixed, "a trim leaves the fixed part as it was (it frees none of it)");
	hist = timeline_memory_history(tl);
	snprintf(name, sizeof(name), "20 000 threads trimmed to the end: %zu bytes of history beside %zu fixed "
		 "(%zu a thread)", hist, fixed, fixed / (size_t)n);
	CHECK(!r && hist * 4 < fixed && fixed / n >= 100, name);
	for (i = 0; !r && i < 200000; i++, t += 1000)
		r = pingpong_step(tl, t, i % 2 ? 101 : 102, i % 2 ? 102 : 101);
	snprintf(name, sizeof(name), "400 000 events more of two threads: history %zu -> %zu bytes, fixed %zu -> %zu",
		 hist, timeline_memory_history(tl), fixed, timeline_memory_fixed(tl));
	CHECK(!r && timeline_memory_history(tl) > hist + 1000000 && timeline_memory_fixed(tl) < fixed + fixed / 100,
	      name);
	timeline_free(tl);
}

/* The wait tracker's memory: a thread that exited is forgotten there (20
 * 000 threads created and exited held 8.9 MB of entries before); a
 * process keeps its entry and its object (its parent may wait for it), and
 * those are counted in the timeline's fixed part, beside its own records
 * of the threads (before, they were in no figure the cap looks at: the
 * fixed part of 20 000 processes was 10.7 MB, less than the tracker's
 * share and 200 bytes a thread). */
static void test_memory_fixed_waits(void)
{
	struct timeline *tl = NULL;
	struct waits *threads = NULL, *procs = NULL;
	uint64_t i, n = 20000, t = 0;
	int r = timeline_new(&tl, 2);
	char name[300];

	r = r ? r : waits_new(&threads);
	r = r ? r : waits_new(&procs);
	for (i = 0; !r && i < n; i++, t += 1000) {
		int32_t tid = (int32_t)(1000 + i);
		struct event th[2] = {
			test_event(100, t, EVENT_FORK, 0, 101, tid, 0, 0, 0, "w"),
			test_event(100, t + 500, EVENT_EXIT, 0, tid, 0, 0, 0, 0, "w"),
		};
		struct event pr[2] = {
			test_event(100, t, EVENT_FORK, 0, 101, tid, 0, 0, 0, "p"),
			test_event(tid, t + 500, EVENT_EXIT, 0, tid, 0, 0, 0, 0, "p"),
		};

		pr[0].tgid2 = tid; /* a process of its own */
		r = waits_add(threads, &th[0]);
		r = r ? r : waits_add(threads, &th[1]);
		r = r ? r : waits_add(procs, &pr[0]);
		r = r ? r : waits_add(procs, &pr[1]);
		r = r ? r : timeline_add(tl, &pr[0]);
		r = r ? r : timeline_add(tl, &pr[1]);
	}
	snprintf(name, sizeof(name), "20 000 threads created and exited: the wait tracker holds %zu bytes (they are "
		 "forgotten)", r ? 0 : waits_memory(threads));
	CHECK(!r && waits_memory(threads) < 16384, name);
	snprintf(name, sizeof(name), "20 000 processes created and exited: fixed part %zu bytes, at least the waits' "
		 "entries and objects (%zu, as a tracker fed the same events holds) and 200 bytes a thread of the "
		 "timeline's own (a thread's record and its lane)", r ? 0 : timeline_memory_fixed(tl),
		 r ? 0 : waits_memory(procs));
	CHECK(!r && waits_memory(procs) > n * 100 && timeline_memory_fixed(tl) >= waits_memory(procs) + n * 200, name);
	waits_free(procs);
	waits_free(threads);
	timeline_free(tl);
}

/* Threads that ended before a trim keep an empty lane: 20 000 threads,
 * each created, run on CPU1 and gone, trimmed after them, hold no block
 * each (the trim built one for each, at every trim: it held 12.59 of
 * 13.69 MB after it, then 11.55; 11.82 of 13.95 since the timeline lists
 * the lanes that hold records), the fixed part counts none for them,
 * and one of them is not alive since the trim, as before. */
static void test_trim_gone(void)
{
	struct timeline *tl = NULL;
	uint64_t i, n = 20000, t = 0;
	size_t before;
	struct tl_at at;
	int r = timeline_new(&tl, 2);
	char name[240];

	for (i = 0; !r && i < n; i++, t += 10000) {
		int32_t tid = (int32_t)(1000 + i);
		struct event ev[] = {
			test_event(100, t, EVENT_FORK, 0, 101, tid, 0, 0, 0, "w"),
			test_event(100, t, EVENT_WAKEUP_NEW, 1, tid, 0, 0, 1, 0, NULL),
			test_event(100, t + 2000, EVENT_SWITCH, 1, 0, tid, 0, EVENT_STATE_RUNNING, 0, NULL),
			test_event(100, t + 3000, EVENT_EXIT, 1, tid, 0, 0, 0, 0, "w"),
			test_event(100, t + 3000, EVENT_SWITCH, 1, tid, 0, 0, EVENT_STATE_DEAD, 0, NULL),
		};

		for (size_t k = 0; !r && k < sizeof(ev) / sizeof(ev[0]); k++)
			r = timeline_add(tl, &ev[k]);
	}
	before = r ? 0 : timeline_memory(tl);
	r = r ? r : timeline_trim(tl, t);
	timeline_thread_at(tl, n / 2, t, &at);
	snprintf(name, sizeof(name), "20 000 threads gone, trimmed after them: %zu bytes (%zu before the trim, %zu "
		 "fixed); one of them is not alive since the trim", r ? 0 : timeline_memory(tl), before,
		 r ? 0 : timeline_memory_fixed(tl));
	CHECK(!r && timeline_memory(tl) + n * 80 < before && at.state == TL_NOT_ALIVE &&
		      at.since == timeline_kept_from(tl), name);
	CHECK(!r && timeline_memory_fixed(tl) <= timeline_memory(tl),
	      "the fixed part counts no block for them: it stays a part of the whole");
	{
		size_t walked = SIZE_MAX, listed = timeline_lanes_held(tl, &walked);

		snprintf(name, sizeof(name), "and the next trim rebuilds none of their lanes: %zu listed as holding "
			 "records, %zu by a walk", listed, walked);
		CHECK(!r && listed == walked && listed < 10, name);
	}
	timeline_free(tl);
}

/* A trim keeps the trace's first TL_MARKS_LOOKBACK markers and as many
 * before its instant: the last marker of the first ones is then not
 * known to be the last before a time past it (the inspect panel's "last
 * marker" said the 4096th of 20 000 at 19 s of a 40 s replay); one it
 * kept after the gap, and every one of an untrimmed timeline, is. */
static void test_marks_gap(void)
{
	struct timeline *tl = NULL;
	uint64_t n = 20000, i, first_after;
	size_t k;
	int r = timeline_new(&tl, 1);
	struct tl_log_entry e;
	bool whole_known = true;

	for (i = 0; !r && i < n; i++) {
		struct event ev = test_event(100, (i + 1) * 1000, EVENT_MARK, 0, 101, 0, 0, (int64_t)i, 0, "level");

		r = timeline_add(tl, &ev);
	}
	for (k = 0; !r && k < timeline_mark_count(tl); k += 97)
		whole_known = whole_known && timeline_mark_last_known(tl, k, (k + 1) * 1000 + 500);
	r = r ? r : timeline_trim(tl, (n - 1000) * 1000);
	k = r ? 0 : timeline_mark_index(tl, TL_MARKS_LOOKBACK * 1000 + 1);
	timeline_mark(tl, TL_MARKS_LOOKBACK, &e);
	first_after = e.ts;
	CHECK(!r && whole_known && k == TL_MARKS_LOOKBACK && first_after > (TL_MARKS_LOOKBACK + 1) * 1000 &&
		      timeline_mark_last_known(tl, k - 1, TL_MARKS_LOOKBACK * 1000) &&
		      !timeline_mark_last_known(tl, k - 1, TL_MARKS_LOOKBACK * 1000 + 1) &&
		      !timeline_mark_last_known(tl, k - 1, first_after - 1) &&
		      timeline_mark_last_known(tl, TL_MARKS_LOOKBACK, first_after + 500),
	      "markers: after a trim that forgot some, the last of the first 4096 is not known to be the last "
	      "before a time past it; every marker of the whole timeline, and the first kept after the gap, is");
	timeline_free(tl);
}

/* Adds to tl the events of one cycle of 40 ms from t: threads 101 and
 * 102 take turns on CPU 2 every 4 ms; CPU 0 is idle for the first 20 ms
 * (a stretch of undone work) and runs another program for the rest, CPU 1
 * the other way round. */
static int undone_cycle(struct timeline *tl, uint64_t t)
{
	struct event e[14];
	size_t n = 0, i;
	int r = 0, k;

	for (k = 0; k < 10; k++) {
		int run = k % 2 ? 102 : 101;

		e[n++] = test_event(100, t + (uint64_t)k * 4000000, EVENT_SWITCH, 2, run, run == 101 ? 102 : 101, 0,
				    EVENT_STATE_PREEMPTED, 0, NULL);
		if (k == 5) { /* from 20 ms CPU 0 busy with another program, CPU 1 idle */
			e[n++] = test_event(100, t + 20000000, EVENT_SWITCH, 0, 0, EVENT_TID_OTHER, 0, 0, 0, NULL);
			e[n++] = test_event(100, t + 20000000, EVENT_SWITCH, 1, EVENT_TID_OTHER, 0, 0, 0, 0, NULL);
		}
	}
	e[n++] = test_event(100, t + 40000000 - 1, EVENT_SWITCH, 0, EVENT_TID_OTHER, 0, 0, 0, 0, NULL);
	e[n++] = test_event(100, t + 40000000 - 1, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, 0, 0, NULL);
	for (i = 0; !r && i < n; i++)
		r = timeline_add(tl, &e[i]);
	return r;
}

/* Whether CPU cpu of tl is marked as idle beside waiting threads over the
 * millisecond from ms after t. */
static bool undone_marked_at(const struct timeline *tl, unsigned cpu, uint64_t t, uint64_t ms)
{
	return undone_cpu_marked(timeline_undone(tl), cpu, t + ms * 1000000, t + (ms + 1) * 1000000, timeline_end(tl));
}

/* The undone work's stretches that ended before a trim are forgotten with
 * the rest of that past: a live view of a program that leaves CPUs idle
 * beside waiting threads for hours keeps its memory. Two CPUs' stretches
 * alternate (their indexes interleave); the CPUs' counts stay the whole
 * trace's, and a window after the trim is marked as before. */
static void test_undone_forgotten(void)
{
	struct timeline *tl = NULL;
	struct event e[4];
	uint64_t t = 0, cycles = 2000, cut = 1900 * 40000000ull;
	size_t before, kept, count[2], i;
	bool marked[4];
	int r = timeline_new(&tl, 3);
	char name[240];

	e[0] = test_event(100, 0, EVENT_THREAD, 0, 101, 0, 0, 'R', 0, NULL);
	e[1] = test_event(100, 0, EVENT_THREAD, 0, 102, 0, 0, 'R', 0, NULL);
	e[2] = test_event(100, 0, EVENT_SWITCH, 2, 0, 101, 0, 0, 0, NULL);
	e[3] = test_event(100, 0, EVENT_SWITCH, 1, 0, EVENT_TID_OTHER, 0, 0, 0, NULL);
	for (i = 0; !r && i < 4; i++)
		r = timeline_add(tl, &e[i]);
	for (; !r && t < cycles * 40000000ull; t += 40000000)
		r = undone_cycle(tl, t);
	CHECK(!r, "2 000 cycles of two CPUs idle in turn beside waiting threads build");
	if (r) {
		timeline_free(tl);
		return;
	}
	timeline_set_end(tl, t);
	before = undone_memory(timeline_undone(tl));
	kept = undone_count(timeline_undone(tl));
	count[0] = undone_cpu_count(timeline_undone(tl), 0);
	count[1] = undone_cpu_count(timeline_undone(tl), 1);
	r = timeline_trim(tl, cut);
	marked[0] = undone_marked_at(tl, 0, cut, 5), marked[1] = undone_marked_at(tl, 1, cut, 25);
	marked[2] = undone_marked_at(tl, 0, cut, 25), marked[3] = undone_marked_at(tl, 1, cut, 5);
	snprintf(name, sizeof(name), "trimmed at 19/20: %zu of %zu stretches kept, %zu of %zu bytes; the CPUs count "
		 "%zu and %zu as before", undone_count(timeline_undone(tl)), kept, undone_memory(timeline_undone(tl)),
		 before, undone_cpu_count(timeline_undone(tl), 0), undone_cpu_count(timeline_undone(tl), 1));
	CHECK(!r && kept >= 3990 && count[0] >= 1995 && count[1] >= 1995 && undone_count(timeline_undone(tl)) <= 201 &&
	      undone_memory(timeline_undone(tl)) * 4 < before && undone_cpu_count(timeline_undone(tl), 0) == count[0] &&
	      undone_cpu_count(timeline_undone(tl), 1) == count[1], name);
	CHECK(marked[0] && marked[1] && !marked[2] && !marked[3],
	      "after the trim CPU 0 is marked where it was idle beside waiting threads and CPU 1 where it was, each "
	      "not where it ran another program");
	timeline_free(tl);
}

/* Whether history b holds exactly a's spans that end after t, thread by
 * thread (the same tids), and the same sums of each of ncpus CPUs over
 * [t, end). */
static bool same_spans_after(const struct spans *a, const struct spans *b, uint64_t t, uint64_t end, unsigned ncpus)
{
	bool same = spans_thread_count(a) == spans_thread_count(b);

	for (size_t i = 0; same && i < spans_thread_count(a); i++) {
		const struct spans_thread *x = spans_thread(a, i), *y = spans_thread(b, i);
		size_t k = 0;

		while (k < x->n && spans_get(a, i, k)->end <= t)
			k++;
		same &= x->n - k == y->n && x->tid == y->tid;
		for (size_t j = 0; same && j < y->n; j++)
			same &= !memcmp(spans_get(a, i, k + j), spans_get(b, i, j), sizeof(struct span));
	}
	for (unsigned c = 0; same && c < ncpus; c++) {
		uint64_t sa[4], sb[4];

		spans_cpu_sum(a, c, t, end, sa);
		spans_cpu_sum(b, c, t, end, sb);
		same &= !memcmp(sa, sb, sizeof(sa));
	}
	return same;
}

/* spans_trim: a history trimmed while it is built keeps exactly the spans
 * of the whole one that end after the trim, and the same CPU sums. */
static void test_spans(const char *path)
{
	struct trace_reader *r = NULL, *r2 = NULL;
	struct spans *a = NULL, *b = NULL;
	struct event e;
	uint64_t end, t, last = 0;
	bool same, trimmed = false;
	int err = trace_reader_new(&r, path);
	char name[300];

	if (!err)
		err = spans_new(&a, trace_reader_info(r)->ncpus, SPANS_ALL);
	while (!err && (err = trace_reader_next(r, &e)) == 1) {
		err = spans_add(a, &e);
		last = e.ts;
	}
	end = trace_reader_end_ts(r);
	t = last / 2;
	if (!err)
		err = trace_reader_new(&r2, path);
	if (!err)
		err = spans_new(&b, trace_reader_info(r2)->ncpus, SPANS_ALL);
	while (!err && (err = trace_reader_next(r2, &e)) == 1) {
		if (e.ts >= last / 4 * 3 && !trimmed) {
			spans_trim(b, t);
			trimmed = true;
		}
		err = spans_add(b, &e);
	}
	if (!err)
		err = spans_finish(a, end) || spans_finish(b, end);
	same = !err && same_spans_after(a, b, t, end, trace_reader_info(r)->ncpus);
	snprintf(name, sizeof(name), "%s: the waits' history trimmed at half keeps the same spans after it "
		 "(%zu vs %zu bytes)", path, b ? spans_memory(b) : 0, a ? spans_memory(a) : 0);
	CHECK(!err && same && trimmed && spans_memory(b) <= spans_memory(a), name);
	spans_free(a);
	spans_free(b);
	trace_reader_free(r);
	trace_reader_free(r2);
}

/* spans_new_following: a history handed a live timeline's model's changes
 * (timeline_listen, as the live view's waits are) holds the same spans as
 * one with a model of its own fed every event, trimmed alike; it does not
 * count the model it follows; its finish ends the states under way in a
 * copy of its own, and the timeline takes events after it stopped handing. */
static void test_spans_following(const char *path)
{
	struct trace_reader *r = NULL, *r2 = NULL;
	struct spans *a = NULL, *b = NULL;
	struct timeline *tl = NULL;
	struct event e, later;
	uint64_t end, t, last = 0;
	size_t mem_a = 0, mem_b = 0;
	bool same, trimmed = false, later_taken = false;
	int err = trace_reader_new(&r, path);
	char name[300];

	while (!err && (err = trace_reader_next(r, &e)) == 1) {
		err = 0;
		last = e.ts;
	}
	end = trace_reader_end_ts(r);
	t = last / 2;
	if (!err)
		err = trace_reader_new(&r2, path);
	if (!err)
		err = spans_new(&a, trace_reader_info(r)->ncpus, SPANS_ALL);
	if (!err)
		err = timeline_new(&tl, trace_reader_info(r2)->ncpus);
	if (!err)
		err = spans_new_following(timeline_model(tl), trace_reader_info(r2)->ncpus, SPANS_ALL, &b);
	if (!err) {
		timeline_listen(tl, spans_listener(), b);
		CHECK(spans_add(b, &e) == -EINVAL, "a history following another's model takes no event of its own");
	}
	while (!err && (err = trace_reader_next(r2, &e)) == 1) {
		err = 0;
		if (e.ts >= last / 4 * 3 && !trimmed) {
			err = timeline_trim(tl, t);
			spans_trim(b, t);
			spans_trim(a, t);
			trimmed = true;
		}
		if (!err)
			err = timeline_add(tl, &e);
		if (!err)
			err = spans_add(a, &e);
	}
	if (!err) {
		mem_a = spans_memory(a);
		mem_b = spans_memory(b);
		timeline_listen(tl, NULL, NULL);
		err = spans_finish(a, end) || spans_finish(b, end);
		later = e;
		later.ts = last + 1;
		later_taken = !err && timeline_add(tl, &later) == 0 && timeline_listener_error(tl) == 0;
	}
	same = !err && b && same_spans_after(a, b, t, end, trace_reader_info(r)->ncpus);
	for (size_t i = 0; same && i < spans_thread_count(b); i++) {
		struct span open;

		same &= !spans_open_wait(b, i, &open);
	}
	snprintf(name, sizeof(name), "%s: a history following the timeline's model holds the same spans as one "
		 "with its own, trimmed alike (%zu threads), the model's bytes less (%zu vs %zu, model %zu)", path,
		 a ? spans_thread_count(a) : 0, mem_b, mem_a, tl ? sched_model_memory(timeline_model(tl)) : 0);
	CHECK(!err && same && trimmed && b && spans_thread_count(a) == spans_thread_count(b) &&
	      mem_b + sched_model_memory(timeline_model(tl)) == mem_a, name);
	CHECK(later_taken && (!b || !spans_waiting_since(b, end + 1)),
	      "the timeline takes events once it stopped handing them to the history, and the history finished "
	      "has no wait under way (its states ended in a copy of the model)");
	spans_free(a);
	spans_free(b);
	timeline_free(tl);
	trace_reader_free(r);
	trace_reader_free(r2);
}

/* A listener's handler that fails at its third call, counting calls. */
static int failing_calls;
static int fail_third(void)
{
	return ++failing_calls == 3 ? -ENOMEM : 0;
}
static int fail_thread(void *ctx, size_t idx, unsigned what, uint64_t ts, int64_t other, const char *name)
{
	(void)ctx, (void)idx, (void)what, (void)ts, (void)other, (void)name;
	return fail_third();
}
static int fail_state(void *ctx, const struct sched_change *c)
{
	(void)ctx, (void)c;
	return fail_third();
}
static int fail_cpu(void *ctx, const struct sched_cpu_change *c)
{
	(void)ctx, (void)c;
	return fail_third();
}
static int fail_wakeup(void *ctx, const struct sched_wakeup *w)
{
	(void)ctx, (void)w;
	return fail_third();
}

/* timeline_listen: a listener's error stops the handing and is kept, and
 * the timeline goes on taking events as if there were none. */
static void test_listener_error(void)
{
	static const struct sched_model_ops ops = {
		.thread = fail_thread, .state = fail_state, .cpu = fail_cpu, .wakeup = fail_wakeup,
	};
	struct trace_reader *r = NULL;
	struct timeline *tl = NULL;
	struct event e;
	int err = trace_reader_new(&r, "tests/data/pingpong.ctrace"), added = 0;

	if (!err)
		err = timeline_new(&tl, trace_reader_info(r)->ncpus);
	if (!err)
		timeline_listen(tl, &ops, NULL);
	while (!err && (err = trace_reader_next(r, &e)) == 1) {
		err = timeline_add(tl, &e);
		added++;
	}
	CHECK(!err && added > 50 && failing_calls == 3 && timeline_listener_error(tl) == -ENOMEM,
	      "a listener that fails at its third change is handed none after it, its error kept, and the timeline "
	      "takes every event");
	timeline_free(tl);
	trace_reader_free(r);
}

/* A long history (each thread's spans fill many of the chunks they are
 * kept in) trimmed again and again while it grows, at instants that fall
 * inside chunks, keeping several chunks or less than one, keeps exactly
 * the whole history's spans that end after the last trim, and gives back
 * the room of what it forgot. */
static void test_spans_long(void)
{
	struct spans *a = NULL, *b = NULL;
	uint64_t i, n = 200000, t = 0, kept = 0;
	int r = spans_new(&a, 1, SPANS_ALL);
	bool same = true;
	char name[200];

	if (!r)
		r = spans_new(&b, 1, SPANS_ALL);
	for (i = 0; !r && i < n; i++) {
		struct event ev[2];

		pingpong_events(ev, i * 1000, i % 2 ? 101 : 102, i % 2 ? 102 : 101);
		for (unsigned k = 0; !r && k < 4; k++)
			r = spans_add(k < 2 ? a : b, &ev[k % 2]);
		if (!r && i % 7919 == 7918) { /* a prime: trims land anywhere in a chunk */
			/* keeping several chunks, or less than one (then grown again) */
			t = (i - (i / 7919 % 2 ? 3000 : 300)) * 1000 + 123;
			spans_trim(b, t);
		}
	}
	if (!r)
		r = spans_finish(a, n * 1000) || spans_finish(b, n * 1000);
	for (size_t th = 0; !r && th < spans_thread_count(a); th++) {
		size_t k = 0, na = spans_thread(a, th)->n, nb = spans_thread(b, th)->n;

		while (k < na && spans_get(a, th, k)->end <= t)
			k++;
		same &= na - k == nb && nb > 2000 && na > 100000;
		for (size_t j = 0; same && j < nb; j++)
			same &= !memcmp(spans_get(a, th, k + j), spans_get(b, th, j), sizeof(struct span));
		kept += nb;
	}
	snprintf(name, sizeof(name), "spans: a history of %llu events trimmed every 7919 steps keeps the whole one's "
		 "%llu last spans exactly, in %zu bytes against %zu untrimmed", (unsigned long long)(4 * n),
		 (unsigned long long)kept, b ? spans_memory(b) : 0, a ? spans_memory(a) : 0);
	CHECK(!r && same && spans_memory(b) * 20 < spans_memory(a), name);
	spans_free(a);
	spans_free(b);
}

/* The resume point of a file read ahead on a thread, deep in it (in the
 * third of its batches of 4096 events, many chunks in): a reader resumed
 * there returns exactly the events after the ones read ahead, whichever
 * batch and chunk they fall in. */
static void test_ahead_resume_late(void)
{
	struct trace_info info = { .ncpus = 1 };
	struct trace_writer *w = NULL;
	struct trace_reader *r = NULL, *r2 = NULL;
	struct trace_ahead *ahead = NULL;
	struct trace_resume at = { 0 };
	const struct event *pe;
	struct event ev[2], e;
	uint64_t n = 30000, read = 4096 * 2 + 777, same = 0, i;
	char file[80], name[300];
	int err;

	snprintf(file, sizeof(file), "/tmp/test_trim_ahead.%d.ctrace", (int)getpid());
	snprintf(info.version, sizeof(info.version), "test");
	err = trace_writer_new(&w, file, &info) || trace_writer_set_chunk_size(w, 1000);
	for (i = 0; !err && i < n / 2; i++) {
		pingpong_events(ev, 1000 + i * 1000, i % 2 ? 101 : 102, i % 2 ? 102 : 101);
		err = trace_writer_add(w, &ev[0]) || trace_writer_add(w, &ev[1]);
	}
	if (w)
		err |= trace_writer_close(w, n * 1000);
	if (!err)
		err = trace_reader_new(&r, file) || trace_ahead_new(&ahead, r);
	for (i = 0; !err && i < read; i++)
		err = trace_ahead_next(ahead, &pe) != 1;
	if (!err)
		err = trace_ahead_resume_point(ahead, &at);
	trace_ahead_free(ahead);
	trace_reader_free(r);
	if (!err)
		err = trace_reader_new(&r2, file) || trace_reader_resume(r2, &at);
	for (i = read; !err && trace_reader_next(r2, &e) == 1; i++) {
		/* event i of the file is the ping-pong's step i / 2, its wakeup or its switch */
		pingpong_events(ev, 1000 + i / 2 * 1000, i / 2 % 2 ? 101 : 102, i / 2 % 2 ? 102 : 101);
		same += e.ts == ev[i % 2].ts && e.type == ev[i % 2].type && e.tid == ev[i % 2].tid;
	}
	trace_reader_free(r2);
	snprintf(name, sizeof(name), "read ahead on a thread to event %llu of %llu (chunks of 1000 bytes, batches of 4096), "
		 "the resume point (chunk %u, %llu to skip) goes on with exactly the %llu after (%llu the same)",
		 (unsigned long long)read, (unsigned long long)n, at.seq, (unsigned long long)at.skip,
		 (unsigned long long)(n - read), (unsigned long long)same);
	CHECK(!err && same == n - read && i == n && at.seq > 2, name);
	unlink(file);
}

/* Whether the contention tables of a and b over [from, to) agree row by
 * row; counts the rows. */
static bool same_contention(const struct spans *a, const struct spans *b, uint64_t from, uint64_t to, size_t *rows)
{
	struct contention *x = NULL, *y = NULL;
	bool same = !contention_new(&x, a, from, to) && !contention_new(&y, b, from, to) &&
		    contention_count(x) == contention_count(y);

	for (size_t i = 0; same && i < contention_count(x); i++) {
		const struct contention_row *r = contention_row(x, i), *q = contention_row(y, i);

		same = r->object == q->object && r->kind == q->kind && r->waits == q->waits &&
		       r->total_ns == q->total_ns && r->longest_ns == q->longest_ns &&
		       r->longest_thread == q->longest_thread && r->waiters == q->waiters &&
		       r->handovers == q->handovers && r->nholders == q->nholders;
	}
	*rows = contention_count(x);
	contention_free(x);
	contention_free(y);
	return same;
}

/* timeline_spans: a history of the waits made from a timeline's present
 * at half of a trace's events, fed the rest, holds exactly the spans of
 * the history fed every event that end after that instant (the waits of
 * the views' w and y read from a checkpoint), its threads under the same
 * names, the same CPU sums and the same contention table after it. */
static void test_spans_checkpoint(const char *path)
{
	struct trace_reader *r = NULL;
	struct timeline *tl = NULL;
	struct spans *a = NULL, *b = NULL;
	struct event e;
	uint64_t n = 0, half, t = 0, end, vias = 0, rows = 0;
	bool same = true;
	int err = trace_reader_new(&r, path);
	char name[400];

	while (!err && trace_reader_next(r, &e) == 1)
		n++;
	half = n / 2;
	trace_reader_free(r);
	r = NULL;
	err = err < 0 ? err : trace_reader_new(&r, path);
	if (!err)
		err = spans_new(&a, trace_reader_info(r)->ncpus, SPANS_ALL) ||
		      timeline_new(&tl, trace_reader_info(r)->ncpus);
	for (uint64_t i = 0; !err && (err = trace_reader_next(r, &e)) == 1; i++) {
		err = 0;
		if (i < half) {
			err = timeline_add(tl, &e);
			t = e.ts; /* (recorded traces: in time order) */
		} else if (i == half) {
			err = timeline_spans(tl, SPANS_ALL, &b);
		}
		if (!err && i >= half)
			err = spans_add(b, &e);
		if (!err)
			err = spans_add(a, &e);
	}
	end = r ? trace_reader_end_ts(r) : 0;
	if (!err)
		err = !b || spans_finish(a, end) || spans_finish(b, end);
	same = !err && spans_thread_count(a) == spans_thread_count(b);
	for (size_t i = 0; same && i < spans_thread_count(a); i++) {
		const struct spans_thread *x = spans_thread(a, i), *y = spans_thread(b, i);
		size_t k = x->n - y->n;

		same = x->n >= y->n && (!k || spans_get(a, i, k - 1)->end <= t) && !strcmp(x->name, y->name) &&
		       x->tid == y->tid && x->tgid == y->tgid;
		for (size_t j = 0; same && j < y->n; j++) {
			same = !memcmp(spans_get(a, i, k + j), spans_get(b, i, j), sizeof(struct span));
			vias += spans_get(b, i, j)->via;
		}
	}
	for (unsigned c = 0; same && c < trace_reader_info(r)->ncpus; c++) {
		uint64_t sa[4], sb[4];

		spans_cpu_sum(a, c, t, end, sa);
		spans_cpu_sum(b, c, t, end, sb);
		same = !memcmp(sa, sb, sizeof(sa));
	}
	same = same && same_contention(a, b, t, end, &rows);
	snprintf(name, sizeof(name), "%s: the waits' history made from a timeline at half of the events goes on as "
		 "the whole one after it (%llu waits ended through their object, %llu contention rows)", path,
		 (unsigned long long)vias, (unsigned long long)rows);
	CHECK(same && t > 0, name);
	spans_free(a);
	spans_free(b);
	timeline_free(tl);
	trace_reader_free(r);
}

/* A CPU that does not switch after the checkpoint: the history made
 * there still knows, once finished, what ran on it (a thread since
 * before), as the one fed every event does. */
static void test_spans_checkpoint_quiet_cpu(void)
{
	struct event busy = { .ts = 100, .type = EVENT_SWITCH, .cpu = 1, .tid = 0, .tgid = 0, .tid2 = 300,
			      .tgid2 = 100, .arg = 0 };
	struct timeline *tl = NULL;
	struct spans *a = NULL, *b = NULL;
	uint64_t sa[4] = { 0 }, sb[4] = { 0 };
	int err = timeline_new(&tl, 2) || spans_new(&a, 2, SPANS_ALL) || timeline_add(tl, &busy) ||
		  spans_add(a, &busy);

	for (uint64_t i = 0; !err && i < 20; i++) {
		struct event ev[2];

		pingpong_events(ev, 1000 + i * 1000, i % 2 ? 101 : 102, i % 2 ? 102 : 101);
		if (i == 10)
			err = timeline_spans(tl, SPANS_ALL, &b);
		for (unsigned k = 0; !err && k < 2; k++)
			err = (i < 10 ? timeline_add(tl, &ev[k]) : spans_add(b, &ev[k])) || spans_add(a, &ev[k]);
	}
	if (!err)
		err = spans_finish(a, 30000) || spans_finish(b, 30000);
	if (!err) {
		spans_cpu_sum(a, 1, 12000, 30000, sa);
		spans_cpu_sum(b, 1, 12000, 30000, sb);
	}
	CHECK(!err && sa[TL_CPU_THREAD] == 18000 && !memcmp(sa, sb, sizeof(sa)),
	      "a CPU that does not switch after the checkpoint runs its thread in the history made there");
	spans_free(a);
	spans_free(b);
	timeline_free(tl);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		test_trace(traces[i]);
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		test_clone(traces[i], i % 2);
	test_resume_after_damage();
	test_ahead_resume_late();
	test_memory();
	test_memory_counted();
	test_memory_fixed();
	test_memory_fixed_waits();
	test_trim_gone();
	test_marks_gap();
	test_undone_forgotten();
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		test_spans(traces[i]);
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		test_spans_checkpoint(traces[i]);
	test_spans_checkpoint_quiet_cpu();
	test_spans_long();
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
		test_spans_following(traces[i]);
	test_listener_error();
	return check_summary();
}
