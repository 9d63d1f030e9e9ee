/* The chunk index (core/trace_index.c, docs/trace-format.md "Index chunk"):
 * the writer's index against one rebuilt by reading the file; a file cut
 * off mid-chunk and one with its index removed rebuild what they hold;
 * every bit flip and every cut in the index chunk makes the stored index
 * refused (and rebuilt the same); hostile index records (offsets past the
 * end or going back, times going back, counts that do not add up, huge
 * counts) refused without crashing or allocating by their counts; and
 * reading from a chunk the index names (trace_reader_seek_chunk) gives the
 * events a whole reading gives from there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trace.h"
#include "trace_index.h"

#define NEVENTS 3000

static char path[64];

/* A reproducible event stream: switches, wakeups, a rename now and then. */
static void gen(unsigned i, uint64_t *ts, struct event *ev)
{
	memset(ev, 0, sizeof *ev);
	*ts += 1000 + (i * 7919u) % 5000;
	ev->ts = *ts;
	ev->cpu = (uint16_t)(i % 2);
	ev->type = i % 997 == 5 ? EVENT_RENAME : i % 3 ? EVENT_SWITCH : EVENT_WAKEUP;
	ev->tid = 100 + (int32_t)(i % 5);
	ev->tgid = 100;
	if (ev->type == EVENT_RENAME)
		snprintf(ev->text, sizeof ev->text, "w-%u", i);
}

/* Writes NEVENTS events in chunks of about chunk bytes; returns the file
 * read into memory (*len bytes) and the events in evs. */
static uint8_t *make_file(size_t chunk, int level, struct event *evs, size_t *len)
{
	struct trace_writer *w;
	struct trace_info info;
	uint64_t ts = 0;
	uint8_t *buf;
	FILE *f;
	long n;

	memset(&info, 0, sizeof info);
	info.ncpus = 2;
	info.target_pid = 100;
	snprintf(info.clock, sizeof info.clock, "CLOCK_MONOTONIC");
	if (trace_writer_new(&w, path, &info) || trace_writer_set_chunk_size(w, chunk) ||
	    trace_writer_set_compression(w, level))
		return NULL;
	for (unsigned i = 0; i < NEVENTS; i++) {
		gen(i, &ts, &evs[i]);
		if (trace_writer_add(w, &evs[i]))
			return NULL;
	}
	if (trace_writer_close(w, ts + 500))
		return NULL;
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return NULL;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int same_chunk(const struct trace_index_chunk *x, const struct trace_index_chunk *y);

/* Whether two indexes list the same chunks (and the types, when with_types). */
static int same_chunks(const struct trace_index *a, const struct trace_index *b, size_t n)
{
	if (trace_index_count(a) < n || trace_index_count(b) < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!same_chunk(trace_index_chunk(a, i), trace_index_chunk(b, i)))
			return 0;
	}
	return 1;
}

/* Whether two chunk entries are equal, field for field. */
static int same_chunk(const struct trace_index_chunk *x, const struct trace_index_chunk *y)
{
	return x->off == y->off && x->seq == y->seq && x->first_ts == y->first_ts && x->last_ts == y->last_ts &&
	       x->events == y->events && x->types == y->types;
}

/* The byte offset where the index chunk starts (from the trailer). */
static size_t index_off(const uint8_t *buf, size_t len)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | buf[len - 16 + (size_t)i];
	return (size_t)v;
}

/* The writer's index, rebuilt indexes of the same file, cut and stripped. */
static void test_writer_index(int level, const char *label)
{
	static struct event evs[NEVENTS];
	struct trace_index *ix = NULL, *rb = NULL, *cut = NULL;
	size_t len, ioff, sum = 0, k, i;
	uint8_t *buf = make_file(1024, level, evs, &len);
	char name[200];
	int ok = 1;

	CHECK(buf != NULL, "file written");
	if (!buf)
		return;
	CHECK(trace_index_new(&ix, path) == 0 && trace_index_stored(ix) && !trace_index_why(ix)[0],
	      "the writer's index is found and used");
	snprintf(name, sizeof name, "%s: it lists many chunks, in order, whose events add up", label);
	for (i = 0; i < trace_index_count(ix); i++) {
		const struct trace_index_chunk *c = trace_index_chunk(ix, i);

		sum += c->events;
		if (i && (c->off <= trace_index_chunk(ix, i - 1)->off || c->first_ts < trace_index_chunk(ix, i - 1)->last_ts))
			ok = 0;
	}
	CHECK(trace_index_count(ix) > 20 && ok && sum == NEVENTS && trace_index_events(ix) == NEVENTS, name);
	CHECK(trace_index_end_ts(ix) == evs[NEVENTS - 1].ts + 500 && trace_index_complete(ix),
	      "its end ts is the end record's");
	{
		const struct trace_index_chunk *c = trace_index_chunk(ix, 0);

		CHECK(c->first_ts == evs[0].ts && c->seq == 1 && (c->types & (1u << EVENT_SWITCH)) &&
		      trace_index_chunk(ix, trace_index_count(ix) - 1)->last_ts == evs[NEVENTS - 1].ts,
		      "first chunk: seq 1, first ts; last chunk: the last event's ts; types listed");
	}
	k = 0;
	for (i = 0; i < trace_index_count(ix); i++)
		if (trace_index_chunk(ix, i)->types & (1u << EVENT_RENAME))
			k++;
	CHECK(k > 0 && k < trace_index_count(ix), "renames are in some chunks' types, not all");

	/* the index removed: the file ends after the end record's chunk */
	ioff = index_off(buf, len);
	CHECK(ioff > 0 && ioff < len, "the trailer names the index chunk");
	CHECK(trace_index_new_mem(&rb, buf, ioff) == 0 && !trace_index_stored(rb) && trace_index_complete(rb) &&
	      trace_index_count(rb) == trace_index_count(ix) && same_chunks(ix, rb, trace_index_count(ix)) &&
	      trace_index_end_ts(rb) == trace_index_end_ts(ix) && trace_index_events(rb) == NEVENTS,
	      "index removed: rebuilt, the same chunks, end and count");

	/* stored only: the file's own index, and no rebuild of a file without one */
	{
		struct trace_index *st = NULL;
		char nopath[sizeof(path) + 8];
		FILE *f;
		int rc;

		CHECK(trace_index_new_stored(&st, path) == 0 && trace_index_stored(st) &&
		      trace_index_end_ts(st) == trace_index_end_ts(ix) && trace_index_count(st) == trace_index_count(ix),
		      "stored only: the writer's index, the same end and chunks");
		trace_index_free(st);
		st = NULL;
		snprintf(nopath, sizeof(nopath), "%s.noix", path);
		f = fopen(nopath, "wb");
		if (f) {
			fwrite(buf, 1, ioff, f);
			fclose(f);
		}
		rc = trace_index_new_stored(&st, nopath);
		CHECK(f && rc == -EBADMSG && st == NULL, "stored only: a file without its index gives -EBADMSG, no rebuild");
		trace_index_free(st);
		unlink(nopath);
	}

	/* cut in the middle of chunk 10 */
	{
		const struct trace_index_chunk *c = trace_index_chunk(ix, 10);
		size_t at = (size_t)c->off + 40;
		uint64_t want = 0;

		for (i = 0; i < 10; i++)
			want += trace_index_chunk(ix, i)->events;
		CHECK(trace_index_new_mem(&cut, buf, at) == 0 && !trace_index_stored(cut) && !trace_index_complete(cut) &&
		      trace_index_result(cut) == -ENODATA && strstr(trace_index_cut(cut), "truncated") &&
		      trace_index_count(cut) == 10 && same_chunks(ix, cut, 10) && trace_index_events(cut) == want &&
		      trace_index_end_ts(cut) == trace_index_chunk(ix, 9)->last_ts,
		      "cut mid-chunk: rebuilt from the complete chunks, end at their last event");
	}
	/* the end from the last chunks alone (trace_reader_tail_ts), as replay
	 * finds it in a file with no index: whole, index removed, cut in chunk
	 * 10, chunk 5 zeroed (damage stepped over), on the file itself */
	{
		uint64_t last = evs[NEVENTS - 1].ts, got[5] = { 0 };
		size_t sizes[4] = { len, ioff, (size_t)trace_index_chunk(ix, 10)->off + 40, len };
		uint8_t *zeroed = malloc(len);
		struct trace_reader *rd = NULL;
		struct event e;
		int rc[6];

		if (zeroed) {
			memcpy(zeroed, buf, len);
			memset(zeroed + trace_index_chunk(ix, 5)->off, 0,
			       (size_t)(trace_index_chunk(ix, 6)->off - trace_index_chunk(ix, 5)->off));
		}
		for (i = 0; i < 4; i++) {
			rc[i] = -1;
			if ((i < 3 || zeroed) && trace_reader_new_mem(&rd, i < 3 ? buf : zeroed, sizes[i]) == 0)
				rc[i] = trace_reader_tail_ts(rd, &got[i]);
			trace_reader_free(rd);
			rd = NULL;
		}
		rc[4] = trace_reader_new(&rd, path) ? -1 : trace_reader_tail_ts(rd, &got[4]);
		trace_reader_free(rd);
		rd = NULL;
		rc[5] = trace_reader_new_mem(&rd, buf, len) || trace_reader_next(rd, &e) != 1 ? -1
			: trace_reader_tail_ts(rd, &got[4]);
		trace_reader_free(rd);
		snprintf(name, sizeof name, "%s: the end from the last chunks: whole %llu, index removed %llu, cut in "
			 "chunk 10 %llu (its chunk 9 ends at %llu), chunk 5 zeroed %llu, the file %llu; the last event at %llu",
			 label, (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)got[2],
			 (unsigned long long)trace_index_chunk(ix, 9)->last_ts, (unsigned long long)got[3],
			 (unsigned long long)got[4], (unsigned long long)last);
		CHECK(!rc[0] && !rc[1] && !rc[2] && !rc[3] && !rc[4] && got[0] == last && got[1] == last &&
		      got[2] == trace_index_chunk(ix, 9)->last_ts && got[3] == last && got[4] == last, name);
		CHECK(rc[5] == -EINVAL, "the end from the last chunks: refused once events were read (-EINVAL)");
		free(zeroed);
	}
	/* find */
	{
		const struct trace_index_chunk *c = trace_index_chunk(ix, 5);

		CHECK(trace_index_find(ix, 0) == 0 && trace_index_find(ix, c->last_ts) == 5 &&
		      trace_index_find(ix, c->last_ts + 1) == 6 &&
		      trace_index_find(ix, UINT64_MAX) == trace_index_count(ix),
		      "find: the first chunk whose last ts is at or after a time");
	}
	trace_index_free(rb);
	trace_index_free(cut);

	/* every bit flip and every cut inside the index chunk: refused, rebuilt the same */
	{
		unsigned bad = 0, flips = 0, cuts = 0;

		for (size_t off = ioff; off < len; off++) {
			for (int bit = 0; bit < 8; bit++) {
				buf[off] ^= (uint8_t)(1 << bit);
				if (trace_index_new_mem(&rb, buf, len) || trace_index_stored(rb) ||
				    !same_chunks(ix, rb, trace_index_count(ix)) || !trace_index_complete(rb) ||
				    trace_index_end_ts(rb) != trace_index_end_ts(ix))
					bad++;
				trace_index_free(rb);
				buf[off] ^= (uint8_t)(1 << bit);
				flips++;
			}
			if (trace_index_new_mem(&rb, buf, off) || trace_index_stored(rb) || !trace_index_complete(rb))
				bad++;
			trace_index_free(rb);
			cuts++;
		}
		snprintf(name, sizeof name, "%s: %u bit flips and %u cuts in the index chunk: each refused, the index rebuilt the same",
			 label, flips, cuts);
		CHECK(bad == 0, name);
	}

	/* reading from a chunk the index names gives what a whole reading gives from there */
	{
		struct trace_reader *r = NULL;
		struct event ev;
		size_t at = 7, first = 0;
		unsigned n = 0, mism = 0;
		int rc;

		for (i = 0; i < at; i++)
			first += trace_index_chunk(ix, i)->events;
		rc = trace_reader_new_mem(&r, buf, len);
		rc = rc ? rc : trace_reader_seek_chunk(r, trace_index_chunk(ix, at)->off, trace_index_chunk(ix, at)->seq,
						       trace_index_chunk(ix, at - 1)->last_ts, first);
		/* (ev compared whole: its padding zeroed before each read, as evs's is) */
		while (!rc && (memset(&ev, 0, sizeof ev), rc = trace_reader_next(r, &ev)) == 1) {
			if (first + n >= NEVENTS || memcmp(&ev, &evs[first + n], sizeof ev))
				mism++;
			n++;
			rc = 0;
		}
		CHECK(rc == 0 && mism == 0 && first + n == NEVENTS,
		      "seek to chunk 7: its events and all after, then the end record checks out");
		rc = trace_reader_seek_chunk(r, trace_index_chunk(ix, at)->off + 1, trace_index_chunk(ix, at)->seq, 0, 0);
		CHECK(rc == 0 && trace_reader_next(r, &ev) == -EBADMSG, "seek to a wrong offset: read as damage");
		trace_reader_free(r);
	}
	trace_index_free(ix);
	free(buf);
}

/* Encodes chunks, decodes them back. */
static void test_round_trip(void)
{
	struct trace_index_chunk ch[3] = {
		{ 100, 1, 5, 900, 10, 1u << 1 },
		{ 500, 2, 900, 900, 1, 1u << 9 },
		{ 100000, 9, 1u << 30, (uint64_t)1 << 40, 77, ~(uint64_t)1 },
	};
	struct trace_index *ix = NULL;
	uint8_t *b = NULL;
	size_t len = 0;

	CHECK(trace_index_encode(ch, 3, (uint64_t)1 << 41, 88, 200000, &b, &len) == 0, "encode");
	CHECK(trace_index_decode(&ix, b, len, 200000, 300000) == 0 && trace_index_count(ix) == 3 &&
	      same_chunk(trace_index_chunk(ix, 0), &ch[0]) && same_chunk(trace_index_chunk(ix, 1), &ch[1]) &&
	      same_chunk(trace_index_chunk(ix, 2), &ch[2]) &&
	      trace_index_end_ts(ix) == (uint64_t)1 << 41 && trace_index_events(ix) == 88,
	      "decode gives back every field");
	trace_index_free(ix);
	CHECK(trace_index_decode(&ix, b, len, 200001, 300000) == -EBADMSG && strstr(trace_index_why(ix), "trailer"),
	      "a trailer naming another offset is refused");
	trace_index_free(ix);
	{
		unsigned bad = 0;

		for (size_t l = 0; l < len; l++) {
			if (trace_index_decode(&ix, b, l, 200000, 300000) != -EBADMSG || trace_index_count(ix))
				bad++;
			trace_index_free(ix);
		}
		CHECK(bad == 0, "every shorter record is refused, nothing listed");
	}
	free(b);
	ch[1].off = 100;
	CHECK(trace_index_encode(ch, 3, 0, 0, 1, &b, &len) == -EINVAL, "encode refuses chunks out of order");
}

/* Builds a record from varints and a trailer naming off; returns its length. */
static size_t hand(uint8_t *b, const uint64_t *v, size_t n, uint64_t off)
{
	uint8_t *p = b;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];

		while (x >= 0x80) {
			*p++ = (uint8_t)(x | 0x80);
			x >>= 7;
		}
		*p++ = (uint8_t)x;
	}
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(off >> (8 * i));
	memcpy(p, "\x89" "CTINDEX", 8);
	return (size_t)(p + 8 - b);
}

/* Hostile records: each refused, with why. */
static void test_hostile(void)
{
	static const struct {
		const char *what;
		uint64_t v[16];
		size_t n;
		const char *why;
	} cases[] = {
		{ "a huge entry count", { UINT64_MAX / 2, 100, 1, 0, 0, 1, 2, 0, 1 }, 9, "cannot fit" },
		{ "an entry count past the bytes", { 1000, 100, 1, 0, 0, 1, 2, 0, 1 }, 9, "cannot fit" },
		{ "an offset past the index", { 1, 5000, 1, 0, 0, 1, 2, 0, 1 }, 9, "offset" },
		{ "an offset inside the header", { 1, 30, 1, 0, 0, 1, 2, 0, 1 }, 9, "offset" },
		{ "offsets going back (a zero step)", { 2, 100, 1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 2, 0, 2 }, 15, "offset" },
		{ "a sequence number 0", { 1, 100, 0, 0, 0, 1, 2, 0, 1 }, 9, "sequence" },
		{ "a chunk of 0 events", { 1, 100, 1, 0, 0, 0, 2, 0, 0 }, 9, "0 events" },
		{ "a chunk of 2^40 events", { 1, 100, 1, 0, 0, (uint64_t)1 << 40, 2, 0, (uint64_t)1 << 40 }, 9, "events" },
		{ "a timestamp overflowing", { 1, 100, 1, UINT64_MAX, 5, 1, 2, 0, 1 }, 9, "overflows" },
		{ "events that do not add up", { 1, 100, 1, 0, 0, 3, 2, 0, 4 }, 9, "events in all" },
		{ "an end before the last chunk", { 1, 100, 1, 100, 5, 1, 2, 50, 1 }, 9, "ends before" },
		{ "totals missing", { 1, 100, 1, 100, 5, 1, 2 }, 7, "totals" },
		{ "an entry cut short", { 2, 100, 1, 100, 5, 1, 2, 70 }, 8, "" },
	};
	unsigned bad = 0;
	char name[160];

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		uint8_t b[256];
		size_t len = hand(b, cases[c].v, cases[c].n, 1000);
		struct trace_index *ix = NULL;
		int rc = trace_index_decode(&ix, b, len, 1000, 2000);

		snprintf(name, sizeof name, "hostile index: %s is refused (%s)", cases[c].what, ix ? trace_index_why(ix) : "");
		CHECK(rc == -EBADMSG && ix && trace_index_count(ix) == 0 && strstr(trace_index_why(ix), cases[c].why), name);
		trace_index_free(ix);
	}
	/* random bytes before a valid trailer: refused or coherent, never more entries than bytes allow */
	srand(7);
	for (int t = 0; t < 20000; t++) {
		uint8_t b[96];
		size_t n = (size_t)(rand() % 80);
		struct trace_index *ix = NULL;
		int rc;

		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)(rand() % 4 ? rand() % 0x80 : rand() & 0xff);
		for (int i = 0; i < 8; i++)
			b[n + (size_t)i] = (uint8_t)((uint64_t)5000 >> (8 * i));
		memcpy(b + n + 8, "\x89" "CTINDEX", 8);
		rc = trace_index_decode(&ix, b, n + 16, 5000, 6000);
		if (rc == 0) {
			uint64_t sum = 0;

			for (size_t i = 0; i < trace_index_count(ix); i++) {
				const struct trace_index_chunk *c = trace_index_chunk(ix, i);

				sum += c->events;
				if (c->off + 28 >= 5000 || c->last_ts < c->first_ts || c->last_ts > trace_index_end_ts(ix) ||
				    (i && (c->off <= trace_index_chunk(ix, i - 1)->off ||
					   c->seq <= trace_index_chunk(ix, i - 1)->seq ||
					   c->first_ts < trace_index_chunk(ix, i - 1)->last_ts)))
					bad++;
			}
			if (sum != trace_index_events(ix) || trace_index_count(ix) > n / 6)
				bad++;
		} else if (rc != -EBADMSG) {
			bad++;
		}
		trace_index_free(ix);
	}
	CHECK(bad == 0, "20000 random records: each refused, or coherent (offsets and times increasing, events adding up)");
}

/* A trailer in a file that is not an index: a rebuild, not a crash. */
static void test_fake_trailers(void)
{
	static struct event evs[NEVENTS];
	struct trace_index *ix = NULL;
	size_t len;
	uint8_t *buf = make_file(4096, 1, evs, &len);
	size_t ioff = buf ? index_off(buf, len) : 0;
	uint64_t fakes[] = { 0, 16, 44, ioff - 1, ioff + 1, len, len + 100, UINT64_MAX };
	unsigned bad = 0;

	if (!buf)
		return;
	for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
		for (int k = 0; k < 8; k++)
			buf[len - 16 + (size_t)k] = (uint8_t)(fakes[i] >> (8 * k));
		if (trace_index_new_mem(&ix, buf, len) || trace_index_stored(ix) || trace_index_events(ix) != NEVENTS)
			bad++;
		trace_index_free(ix);
	}
	CHECK(bad == 0, "trailers naming the wrong byte (0, the header, past the end, ...): the index is rebuilt");
	free(buf);
}

int main(void)
{
	snprintf(path, sizeof path, "/tmp/test_trace_index.%d.ctrace", (int)getpid());
	test_writer_index(1, "deflated");
	test_writer_index(0, "stored");
	test_round_trip();
	test_hostile();
	test_fake_trailers();
	unlink(path);
	return check_summary();
}
