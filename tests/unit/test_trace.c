/* Unit tests of the trace file writer and reader (core/trace.c, core/trace_read.c).
 *
 * Besides round trips through the writer, several tests build files by hand
 * from docs/trace-format.md with the small encoder below, so that the reader
 * is checked against the spec and not only against the writer. */
#define ZLIB_CONST
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "event.h"
#include "trace.h"

static char tmpdir[64];

/* Returns a path inside the test's temporary directory. */
static const char *tpath(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tmpdir, name);
	return buf[i];
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n > 0 ? (size_t)n : 1);
	if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = b ? (size_t)n : 0;
	return b;
}

/* Writes buf to path; 0 or -1. */
static int spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Fills a trace_info with test values. */
static void make_info(struct trace_info *in, uint32_t ncpus)
{
	memset(in, 0, sizeof *in);
	snprintf(in->host, sizeof in->host, "testhost");
	snprintf(in->kernel, sizeof in->kernel, "6.1.0-test-amd64");
	in->ncpus = ncpus;
	snprintf(in->clock, sizeof in->clock, "CLOCK_MONOTONIC");
	snprintf(in->command, sizeof in->command, "python3 gil_demo.py --threads 4 'quoted arg' \xc3\xa9t\xc3\xa9");
	snprintf(in->version, sizeof in->version, "0.1.0-test");
	in->start_realtime_ns = 1795000000123456789ull;
	in->start_monotonic_ns = 987654321012ull;
	in->target_pid = 4242;
}

/* Whether two infos hold the same values. */
static int info_equal(const struct trace_info *a, const struct trace_info *b)
{
	return !strcmp(a->host, b->host) && !strcmp(a->kernel, b->kernel) && a->ncpus == b->ncpus &&
	       !strcmp(a->clock, b->clock) && !strcmp(a->command, b->command) &&
	       !strcmp(a->version, b->version) && a->start_realtime_ns == b->start_realtime_ns &&
	       a->start_monotonic_ns == b->start_monotonic_ns && a->target_pid == b->target_pid;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* A reproducible xorshift random number. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const int32_t edge_tids[] = { 0, -1, 1, 4242, 4243, 4194304, INT32_MAX, INT32_MIN, -2 };
static const int64_t edge_args[] = { 0, 1, -1, 0x100, 255, INT64_MAX, INT64_MIN, 1ll << 40, -(1ll << 50) };
#define NEDGE(a) (sizeof a / sizeof a[0])

/* Fills ev with the i-th event of a varied, reproducible stream: every type,
 * edge-value thread ids and args, gaps from 0 to 2^40 ns, texts up to 63
 * bytes of any non-NUL byte value. *ts carries the clock. */
static void gen_event(unsigned i, uint64_t *ts, unsigned ncpus, struct event *ev)
{
	uint64_t r = rnd();

	memset(ev, 0, sizeof *ev);
	switch (r % 8) {
	case 0: *ts += 0; break;
	case 1: *ts += 1; break;
	case 2: *ts += 1ull << 40; break;
	default: *ts += r % 5000; break;
	}
	ev->ts = *ts;
	ev->type = (uint16_t)(1 + i % (EVENT_TYPE_MAX - 1));
	ev->cpu = (uint16_t)(i % 5 == 0 ? ncpus - 1 : rnd() % ncpus);
	if (i % 3 == 0) {
		ev->tid = edge_tids[rnd() % NEDGE(edge_tids)];
		ev->tgid = edge_tids[rnd() % NEDGE(edge_tids)];
		ev->tid2 = edge_tids[rnd() % NEDGE(edge_tids)];
		ev->tgid2 = edge_tids[rnd() % NEDGE(edge_tids)];
		ev->arg = edge_args[rnd() % NEDGE(edge_args)];
		ev->arg2 = edge_args[rnd() % NEDGE(edge_args)];
	} else {
		ev->tid = 4242 + (int32_t)(rnd() % 16);
		ev->tgid = 4242;
		ev->tid2 = rnd() % 4 ? 4242 + (int32_t)(rnd() % 16) : 0;
		ev->tgid2 = ev->tid2 ? 4242 : 0;
		ev->arg = (int64_t)(rnd() % 3);
		ev->arg2 = rnd() % 4 ? 0 : (int64_t)(rnd() % ncpus);
	}
	if (ev->type >= EVENT_CALL) /* ops: small ones, and the edge of 32 bits */
		ev->op = i % 11 == 0 ? UINT32_MAX : (uint32_t)(rnd() % 200);
	if (i % 4 == 0 || ev->type == EVENT_FORK || ev->type == EVENT_RENAME || ev->type == EVENT_THREAD) {
		unsigned n = i % 7 == 0 ? EVENT_TEXT_MAX - 1 : (unsigned)(rnd() % EVENT_TEXT_MAX);
		for (unsigned k = 0; k < n; k++)
			ev->text[k] = (char)(1 + (rnd() % 255));
	}
}

/* Writes n generated events to path and ends the trace end_after ns after
 * the last one; returns them in *evs (malloc'd), and in *bytes what the
 * writer counted before its end record. */
static int write_events(const char *path, unsigned n, unsigned ncpus, int level, size_t chunk,
			struct event **evs, uint64_t end_after, uint64_t *bytes)
{
	struct trace_writer *w;
	struct trace_info info;
	uint64_t ts = 0;
	int rc;

	make_info(&info, ncpus);
	*evs = calloc(n ? n : 1, sizeof **evs);
	rc = trace_writer_new(&w, path, &info);
	if (rc)
		return rc;
	if ((rc = trace_writer_set_compression(w, level)) || (chunk && (rc = trace_writer_set_chunk_size(w, chunk)))) {
		trace_writer_close(w, 0);
		return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		gen_event(i, &ts, ncpus, &(*evs)[i]);
		rc = trace_writer_add(w, &(*evs)[i]);
		if (rc) {
			trace_writer_close(w, 0);
			return rc;
		}
	}
	rc = trace_writer_flush(w);
	if (!rc && bytes)
		*bytes = trace_writer_bytes(w);
	if (rc) {
		trace_writer_close(w, 0);
		return rc;
	}
	return trace_writer_close(w, ts + end_after);
}

/* Reads events until the reader stops; returns how many were read and
 * whether they equal want[0..]; *rc gets the final result. */
static unsigned read_all(struct trace_reader *r, const struct event *want, unsigned nwant, int *rc, int *same)
{
	struct event ev;
	unsigned n = 0;

	*same = 1;
	while ((*rc = trace_reader_next(r, &ev)) == 1) {
		if (n >= nwant || !event_equal(&ev, &want[n]))
			*same = 0;
		n++;
		if (n > nwant + 10)
			break;
	}
	return n;
}

/* Like read_all, through trace_reader_many into the same few slots again
 * and again (as the read-ahead ring reuses its batches): every event the
 * same, its text byte for byte (all zero after its NUL, though the slot
 * held a longer text before). */
static unsigned read_many(struct trace_reader *r, const struct event *want, unsigned nwant, int *rc, int *same)
{
	struct event *slot = calloc(5, sizeof(*slot));
	unsigned n = 0, got, max = 1;

	*same = slot != NULL;
	*rc = -ENOMEM;
	while (slot) {
		*rc = trace_reader_many(r, slot, max, &got);
		for (unsigned i = 0; i < got; i++, n++)
			if (n >= nwant || !event_equal(&slot[i], &want[n]) ||
			    memcmp(slot[i].text, want[n].text, sizeof(slot[i].text)))
				*same = 0;
		if (*rc == 1 && got != max)
			*same = 0;
		max = max % 5 + 1;
		if (*rc != 1 || n > nwant + 10)
			break;
	}
	free(slot);
	return n;
}

/* ---------------------------------------------- a small encoder from the spec */

struct tbuf {
	uint8_t *d;
	size_t n, cap;
};

/* Appends n bytes. */
static void tb_put(struct tbuf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->d = realloc(b->d, b->cap);
	}
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

/* Appends a byte. */
static void tb_u8(struct tbuf *b, uint8_t v)
{
	tb_put(b, &v, 1);
}

/* Appends a little-endian u32. */
static void tb_u32(struct tbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	tb_put(b, x, 4);
}

/* Appends a varint. */
static void tb_var(struct tbuf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		tb_u8(b, (uint8_t)(c | (v ? 0x80 : 0)));
	} while (v);
}

/* Appends a zigzag varint. */
static void tb_svar(struct tbuf *b, int64_t v)
{
	tb_var(b, v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1);
}

/* Appends a string: varint length, bytes. */
static void tb_str(struct tbuf *b, const char *s)
{
	tb_var(b, strlen(s));
	tb_put(b, s, strlen(s));
}

/* A chunk payload under construction: part A (records) and part B (the
 * ts deltas of its timed records). */
struct tpl {
	struct tbuf a, b;
};

/* Empties both parts. */
static void tpl_reset(struct tpl *pl)
{
	pl->a.n = pl->b.n = 0;
}

/* Frees both parts. */
static void tpl_free(struct tpl *pl)
{
	free(pl->a.d);
	free(pl->b.d);
}

/* Appends a record to part A: type, length, content. */
static void tb_rec(struct tbuf *b, uint64_t type, const struct tbuf *body)
{
	tb_var(b, type);
	tb_var(b, body->n);
	tb_put(b, body->d, body->n);
}

/* Appends a 16-byte file header with the given major version. */
static void tb_file_header(struct tbuf *f, unsigned version)
{
	static const uint8_t magic[8] = { 0x89, 'C', 'T', 'R', 'A', 'C', 'E', '\n' };
	uint8_t h[16];

	memcpy(h, magic, 8);
	h[8] = (uint8_t)version;
	h[9] = (uint8_t)(version >> 8);
	h[10] = 9; /* a minor revision this reader has not heard of: fine */
	h[11] = 0;
	uint32_t c = (uint32_t)crc32(0, h, 12);
	h[12] = (uint8_t)c;
	h[13] = (uint8_t)(c >> 8);
	h[14] = (uint8_t)(c >> 16);
	h[15] = (uint8_t)(c >> 24);
	tb_put(f, h, 16);
}

/* Appends a chunk frame around payload; enc 1 deflates it (raw deflate).
 * raw_adjust is added to the declared uncompressed size (to corrupt it). */
static void tb_chunk_ex(struct tbuf *f, uint32_t seq, const struct tpl *parts, unsigned enc, int raw_adjust)
{
	struct tbuf st = { 0 }, raw = { 0 };
	const struct tbuf *pl = &raw;
	size_t start = f->n;

	tb_var(&raw, parts->a.n);
	tb_put(&raw, parts->a.d, parts->a.n);
	tb_put(&raw, parts->b.d, parts->b.n);

	if (enc == 1) {
		z_stream z = { 0 };
		uint8_t out[1 << 16];
		deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
		z.next_in = pl->d;
		z.avail_in = (uInt)pl->n;
		z.next_out = out;
		z.avail_out = sizeof out;
		deflate(&z, Z_FINISH);
		tb_put(&st, out, z.total_out);
		deflateEnd(&z);
	} else {
		tb_put(&st, pl->d, pl->n);
	}
	tb_put(f, "CTCK", 4);
	tb_u32(f, seq);
	tb_u32(f, (uint32_t)st.n);
	tb_u32(f, (uint32_t)((int)pl->n + raw_adjust));
	tb_u8(f, (uint8_t)enc);
	tb_u8(f, 0);
	tb_u8(f, 0);
	tb_u8(f, 0);
	tb_u32(f, (uint32_t)crc32(0, st.d, (uInt)st.n));
	tb_u32(f, (uint32_t)crc32(0, f->d + start, 24));
	tb_put(f, st.d, st.n);
	free(st.d);
	free(raw.d);
}

/* Appends a chunk frame around the payload parts. */
static void tb_chunk(struct tbuf *f, uint32_t seq, const struct tpl *pl, unsigned enc)
{
	tb_chunk_ex(f, seq, pl, enc, 0);
}

/* Appends an info record (ncpus CPUs, target pid) in the form of minor
 * version 2 (no flags); extra appends a field from the future. */
static void tb_info_pid(struct tpl *pl, uint64_t ncpus, int64_t pid, int extra)
{
	struct tbuf b = { 0 };

	tb_var(&b, ncpus);
	tb_var(&b, 1000);
	tb_var(&b, 2000);
	tb_svar(&b, pid);
	tb_str(&b, "h");
	tb_str(&b, "k");
	tb_str(&b, "CLOCK_MONOTONIC");
	tb_str(&b, "cmd");
	tb_str(&b, "v9");
	if (extra) {
		tb_var(&b, 123456);
		tb_str(&b, "a field added by a later revision");
	}
	tb_rec(&pl->a, 64, &b);
	free(b.d);
}

/* Appends an info record (ncpus CPUs, target pid 77). */
static void tb_info(struct tpl *pl, uint64_t ncpus, int extra)
{
	tb_info_pid(pl, ncpus, 77, extra);
}

/* Appends an event record with explicit field values (mask decides which
 * are written; tgid fields are given as differences, as stored). */
static void tb_event(struct tpl *pl, unsigned type, uint64_t delta, uint64_t mask, uint64_t cpu, int64_t tid,
		     int64_t dtgid, int64_t tid2, int64_t dtgid2, int64_t arg, int64_t arg2, const char *text, size_t tlen)
{
	struct tbuf b = { 0 };

	tb_var(&pl->b, delta);
	tb_var(&b, mask);
	if (mask & 1)
		tb_var(&b, cpu);
	if (mask & 2)
		tb_svar(&b, tid);
	if (mask & 4)
		tb_svar(&b, dtgid);
	if (mask & 8)
		tb_svar(&b, tid2);
	if (mask & 16)
		tb_svar(&b, dtgid2);
	if (mask & 32)
		tb_svar(&b, arg);
	if (mask & 64)
		tb_svar(&b, arg2);
	if (mask & 128) {
		tb_var(&b, tlen);
		tb_put(&b, text, tlen);
	}
	if (mask & 256) /* a field from a later revision, and padding */
		tb_put(&b, "\x05\x01\x02\x03\x04\x05\xff\xff", 8);
	tb_rec(&pl->a, type, &b);
	free(b.d);
}

/* Appends an end record. */
static void tb_end(struct tpl *pl, uint64_t end_ts, uint64_t count)
{
	struct tbuf b = { 0 };

	tb_var(&b, end_ts);
	tb_var(&b, count);
	tb_var(&b, 0);
	tb_rec(&pl->a, 65, &b);
	free(b.d);
}

/* Chunk layout of a file, found by the test's own parser. */
struct tchunk {
	size_t off, end;   /* byte range of the chunk in the file */
	unsigned events;   /* event records (types 1-63) in it */
	uint64_t first_delta; /* the first ts delta of its part B */
	int has_end;       /* holds the end record */
	int has_index;     /* holds the index record (the chunk after the end record's) */
};

/* Finds the chunks of a file: their ranges, event counts, first deltas. */
static int t_layout(const uint8_t *f, size_t len, struct tchunk *ch, int max)
{
	size_t off = 16;
	int n = 0;
	/* payload: varint length of part A, part A (records), part B (ts) */

	while (off + 28 <= len && n < max) {
		uint32_t stored = f[off + 8] | f[off + 9] << 8 | f[off + 10] << 16 | (uint32_t)f[off + 11] << 24;
		uint32_t raw = f[off + 12] | f[off + 13] << 8 | f[off + 14] << 16 | (uint32_t)f[off + 15] << 24;
		uint8_t *pl = malloc(raw + 1);
		const uint8_t *p, *e;
		if (f[off + 16] == 1) {
			z_stream z = { 0 };
			inflateInit2(&z, -15);
			z.next_in = f + off + 28;
			z.avail_in = stored;
			z.next_out = pl;
			z.avail_out = raw;
			inflate(&z, Z_FINISH);
			inflateEnd(&z);
		} else {
			memcpy(pl, f + off + 28, raw);
		}
		ch[n].off = off;
		ch[n].end = off + 28 + stored;
		ch[n].events = 0;
		ch[n].has_end = 0;
		ch[n].has_index = 0;
		uint64_t alen = 0;
		p = pl;
		for (unsigned sh = 0; p < pl + raw; sh += 7) {
			alen |= (uint64_t)(*p & 0x7f) << sh;
			if (!(*p++ & 0x80))
				break;
		}
		ch[n].first_delta = 0;
		const uint8_t *q = p + alen;
		for (unsigned sh = 0; q < pl + raw; sh += 7) {
			ch[n].first_delta |= (uint64_t)(*q & 0x7f) << sh;
			if (!(*q++ & 0x80))
				break;
		}
		for (e = p + alen; p < e;) {
			uint64_t v[2] = { 0, 0 };
			for (int k = 0; k < 2; k++)
				for (unsigned s = 0; p < e; s += 7) {
					v[k] |= (uint64_t)(*p & 0x7f) << s;
					if (!(*p++ & 0x80))
						break;
				}
			if (v[0] >= 1 && v[0] < 64)
				ch[n].events++;
			if (v[0] == 65)
				ch[n].has_end = 1;
			if (v[0] == 66)
				ch[n].has_index = 1;
			p += v[1];
		}
		free(pl);
		off = ch[n].end;
		n++;
	}
	return n;
}

/* The chunks of a file as t_layout finds them, less the index chunk that
 * ends a complete file (format 1.4: the reader never reads it); *data_len
 * gets the bytes before it (the file's length when there is none). */
static int t_layout_data(const uint8_t *f, size_t len, struct tchunk *ch, int max, size_t *data_len)
{
	int n = t_layout(f, len, ch, max);

	*data_len = len;
	if (n > 1 && ch[n - 1].has_index && ch[n - 2].has_end) {
		*data_len = ch[n - 1].off;
		n--;
	}
	return n;
}

/* ------------------------------------------------------------------ tests */

/* Writes events of every kind, reads them back from a file and from memory. */
static void test_round_trip(int level, size_t chunk, unsigned n, const char *label)
{
	const char *path = tpath("rt.ctrace");
	struct trace_reader *r;
	struct event *evs;
	struct trace_info info;
	uint64_t bytes = 0;
	size_t flen = 0;
	char name[160];
	int rc, same;
	unsigned got;

	rc = write_events(path, n, 300, level, chunk, &evs, 5, &bytes);
	snprintf(name, sizeof name, "%s: writer writes %u events", label, n);
	CHECK(rc == 0, name);
	{
		struct tchunk *ch = calloc(65536, sizeof *ch);
		uint8_t *b = slurp(path, &flen);
		size_t dlen;
		int nch = t_layout_data(b, flen, ch, 65536, &dlen);
		snprintf(name, sizeof name, "%s: trace_writer_bytes counts every byte before the end chunk", label);
		CHECK(nch > 0 && nch < 65536 && bytes == ch[nch - 1].off, name);
		free(b);
		free(ch);
	}

	rc = trace_reader_new(&r, path);
	snprintf(name, sizeof name, "%s: reader opens the file", label);
	CHECK(rc == 0, name);
	make_info(&info, 300);
	snprintf(name, sizeof name, "%s: info round-trips", label);
	CHECK(rc == 0 && info_equal(trace_reader_info(r), &info), name);
	got = read_all(r, evs, n, &rc, &same);
	snprintf(name, sizeof name, "%s: every event read back, field for field", label);
	CHECK(got == n && same, name);
	snprintf(name, sizeof name, "%s: clean end (0) after the last event", label);
	CHECK(rc == 0, name);
	snprintf(name, sizeof name, "%s: end ts and count from the end record", label);
	CHECK(trace_reader_end_ts(r) == evs[n - 1].ts + 5 && trace_reader_count(r) == n, name);
	snprintf(name, sizeof name, "%s: end is sticky", label);
	CHECK(trace_reader_next(r, &(struct event){ 0 }) == 0, name);
	trace_reader_free(r);

	rc = trace_reader_new(&r, path);
	got = rc ? 0 : read_many(r, evs, n, &rc, &same);
	snprintf(name, sizeof name, "%s: trace_reader_many into reused slots reads the same, texts byte for byte", label);
	CHECK(got == n && same && rc == 0, name);
	trace_reader_free(r);

	/* The same bytes through the in-memory reader. */
	uint8_t *buf = slurp(path, &flen);
	rc = trace_reader_new_mem(&r, buf, flen);
	got = read_all(r, evs, n, &rc, &same);
	snprintf(name, sizeof name, "%s: in-memory reader reads the same", label);
	CHECK(got == n && same && rc == 0, name);
	trace_reader_free(r);
	free(buf);
	free(evs);
}

/* Whole-stream properties: chunk count, compactness. */
static void test_chunks_and_size(void)
{
	const char *path = tpath("many.ctrace");
	struct event *evs;
	struct tchunk ch[4096];
	size_t len;
	uint8_t *buf;
	int n;

	CHECK(write_events(path, 20000, 300, 1, 4096, &evs, 0, NULL) == 0, "4 KiB chunks: written");
	size_t dlen;
	buf = slurp(path, &len);
	n = t_layout_data(buf, len, ch, 4096, &dlen);
	CHECK(n > 50 && ch[n - 1].end == dlen && ch[n - 1].has_end && dlen < len,
	      "4 KiB chunks: many chunks, the last holds the end record, then the index chunk ends the file");
	unsigned total = 0;
	for (int i = 0; i < n; i++)
		total += ch[i].events;
	CHECK(total == 20000 && ch[0].events == 0, "chunk 0 holds only the info record; chunks hold all events");
	unsigned k = 0, bad = 0;
	for (int i = 0; i < n; i++) {
		if (ch[i].events && ch[i].first_delta != evs[k].ts)
			bad++;
		k += ch[i].events;
	}
	CHECK(bad == 0, "writer: each chunk's clock starts at 0 (its first delta is the absolute ts)");
	free(buf);
	free(evs);
}

/* Reading the file in pieces: truncated at every byte offset. */
static void test_truncation(int level, const char *label)
{
	const char *path = tpath("trunc.ctrace");
	const char *cut = tpath("cut.ctrace");
	struct event *evs;
	struct tchunk ch[256];
	size_t len;
	uint8_t *buf;
	unsigned bad = 0, badmsg = 0, badfile = 0, n = 60, offsets = 0;
	char name[160];
	int nch;

	CHECK(write_events(path, n, 4, level, 64, &evs, 0, NULL) == 0, "truncation: small multi-chunk file written");
	size_t dlen;
	buf = slurp(path, &len);
	nch = t_layout_data(buf, len, ch, 256, &dlen);
	snprintf(name, sizeof name, "%s: test file has %d chunks", label, nch);
	CHECK(nch >= 8, name);

	for (size_t l = 0; l < len; l++) {
		struct trace_reader *r;
		unsigned want = 0, got = 0;
		int rc, same = 1, new_ok_expected = nch > 0 && l >= ch[0].end;

		for (int i = 0; i < nch; i++)
			if (ch[i].end <= l)
				want += ch[i].events;
		rc = trace_reader_new_mem(&r, buf, l);
		if (new_ok_expected) {
			if (rc != 0)
				bad++;
			else
				got = read_all(r, evs, n, &rc, &same);
		}
		/* cut inside the index chunk: the end record was read, complete */
		if (rc != (l >= dlen ? 0 : -ENODATA) || got != want || !same)
			bad++;
		if (l < dlen && !strstr(trace_reader_error(r), "byte "))
			badmsg++;
		trace_reader_free(r);
		offsets++;

		/* And through a real file, for a sample of offsets. */
		if (l % 5 == 0) {
			spill(cut, buf, l);
			rc = trace_reader_new(&r, cut);
			got = 0;
			if (rc == 0)
				got = read_all(r, evs, n, &rc, &same);
			if (rc != (l >= dlen ? 0 : -ENODATA) || got != want || !same)
				badfile++;
			trace_reader_free(r);
		}
	}
	snprintf(name, sizeof name, "%s: at all %u cut offsets: events of complete chunks, then -ENODATA", label, offsets);
	CHECK(bad == 0, name);
	snprintf(name, sizeof name, "%s: every truncation message names a byte offset", label);
	CHECK(badmsg == 0, name);
	snprintf(name, sizeof name, "%s: truncated files on disk read the same", label);
	CHECK(badfile == 0, name);
	free(buf);
	free(evs);
}

/* Every single-bit flip anywhere in the file is detected before any event
 * of the damaged chunk is returned. */
static void test_bit_flips(int level, const char *label)
{
	const char *path = tpath("flip.ctrace");
	struct event *evs;
	struct tchunk ch[256];
	size_t len;
	uint8_t *buf;
	unsigned bad = 0, badmsg = 0, n = 40, flips = 0;
	char name[160];
	int nch;

	CHECK(write_events(path, n, 4, level, 64, &evs, 0, NULL) == 0, "bit flips: file written");
	size_t dlen;
	buf = slurp(path, &len);
	nch = t_layout_data(buf, len, ch, 256, &dlen);
	/* (flips in the index chunk, which the reader never reads, are
	 * test_trace_index's) */
	for (size_t off = 0; off < dlen; off++) {
		unsigned before = 0;
		int in_chunk0 = off < ch[0].end;
		for (int i = 0; i < nch; i++)
			if (ch[i].end <= off)
				before += ch[i].events;
		for (int bit = 0; bit < 8; bit++) {
			struct trace_reader *r;
			unsigned got = 0;
			int rc, same = 1;

			buf[off] ^= (uint8_t)(1 << bit);
			rc = trace_reader_new_mem(&r, buf, len);
			if (rc == 0 && !in_chunk0)
				got = read_all(r, evs, n, &rc, &same);
			else if (rc == 0)
				bad++; /* damage to the header or info must fail the open */
			if (!(rc == -EBADMSG || (rc == -EPROTONOSUPPORT && (off == 8 || off == 9))) || got != before || !same)
				bad++;
			if (!strstr(trace_reader_error(r), "byte"))
				badmsg++;
			trace_reader_free(r);
			buf[off] ^= (uint8_t)(1 << bit);
			flips++;
		}
	}
	snprintf(name, sizeof name, "%s: %u bit flips: each detected, only events of intact chunks before it returned", label, flips);
	CHECK(bad == 0, name);
	snprintf(name, sizeof name, "%s: every corruption message names a byte offset", label);
	CHECK(badmsg == 0, name);

	/* Multi-byte garbage over a whole chunk of events. */
	int rc, same;
	struct trace_reader *r;
	memset(buf + ch[3].off + 5, 0xa5, ch[3].end - ch[3].off - 5);
	rc = trace_reader_new_mem(&r, buf, len);
	unsigned got = read_all(r, evs, n, &rc, &same);
	snprintf(name, sizeof name, "%s: a garbage chunk stops the reader with -EBADMSG naming chunk 3", label);
	CHECK(got == ch[1].events + ch[2].events && same && rc == -EBADMSG && strstr(trace_reader_error(r), "chunk 3 at byte"), name);
	CHECK(trace_reader_next(r, &(struct event){ 0 }) == -EBADMSG, "errors are sticky");
	trace_reader_free(r);
	free(buf);
	free(evs);
}

/* Opens a hand-built file from memory. */
static int open_mem(struct tbuf *f, struct trace_reader **r)
{
	return trace_reader_new_mem(r, f->d, f->n);
}

/* Whether the info record of a file with no events, written with info
 * (hand-built as minor 2 when old, with target pid old_pid), reads as
 * started with target pid pid. */
static bool info_reads(const struct trace_info *info, int64_t old_pid, bool started, int32_t pid)
{
	struct trace_reader *r = NULL;
	const struct trace_info *in;
	struct tbuf f = { 0 };
	struct tpl pl = { 0 };
	bool ok = false;

	if (info) {
		struct trace_writer *w;

		if (!trace_writer_new(&w, tpath("started.ctrace"), info) && !trace_writer_close(w, 0) &&
		    trace_reader_new(&r, tpath("started.ctrace")))
			r = NULL;
	} else {
		tb_file_header(&f, 1);
		tb_info_pid(&pl, 2, old_pid, 0);
		tb_chunk(&f, 0, &pl, 0);
		tpl_reset(&pl);
		tb_end(&pl, 0, 0);
		tb_chunk(&f, 1, &pl, 0);
		if (open_mem(&f, &r))
			r = NULL;
	}
	if (r) {
		in = trace_reader_info(r);
		ok = in->started == started && in->target_pid == pid;
	}
	trace_reader_free(r);
	tpl_free(&pl);
	free(f.d);
	return ok;
}

/* The info record's flags (minor 3): a started program keeps its pid and
 * the started flag; files without flags read as before (target pid 0:
 * conctop started the program). */
static void test_info_started(void)
{
	struct trace_info info;

	make_info(&info, 2);
	info.started = true;
	CHECK(info_reads(&info, 0, true, 4242), "info flags: a started program's pid and flag read back");
	info.started = false;
	CHECK(info_reads(&info, 0, false, 4242), "info flags: an attached pid is not started");
	CHECK(info_reads(NULL, 0, true, 0), "info flags: an old file with target pid 0 was started by conctop");
	CHECK(info_reads(NULL, 77, false, 77), "info flags: an old file with a target pid was attached");
}

/* A hand-built file with records this reader does not know. */
static void test_unknown_records(void)
{
	struct tbuf f = { 0 };
	struct tpl pl = { 0 };
	struct trace_reader *r;
	struct event ev;
	int rc;

	tb_file_header(&f, 1);
	tb_info(&pl, 4, 1);
	tb_chunk(&f, 0, &pl, 0);
	tpl_reset(&pl);
	/* switch at ts 100 on cpu 2: 4243 -> 4244 (both of 4242), state 1 */
	/* (thread ids are stored relative to the target pid, 77 here) */
	tb_event(&pl, EVENT_SWITCH, 100, 1 | 2 | 4 | 8 | 16 | 32, 2, 4243 - 77, -1, 4244 - 77, -2, 1, 0, NULL, 0);
	/* a timed record of an unknown event type: its ts delta still counts */
	{
		struct tbuf b = { 0 };
		tb_var(&pl.b, 50);
		tb_put(&b, "future payload", 14);
		tb_rec(&pl.a, 40, &b); /* far past EVENT_TYPE_MAX: a later version's */
		free(b.d);
	}
	/* untimed unknown records, one with a two-byte type number */
	{
		struct tbuf b = { 0 };
		tb_put(&b, "\x01\x02\x03 lock attribution table", 26);
		tb_rec(&pl.a, 100, &b);
		tb_rec(&pl.a, 200, &b); /* 200 = 0xc8: bit 6 set, untimed */
		b.n = 0;
		tb_rec(&pl.a, 127, &b); /* an empty content is fine */
		free(b.d);
	}
	/* a timed unknown with a two-byte type (130: bit 6 clear) */
	{
		struct tbuf b = { 0 };
		tb_var(&pl.b, 25);
		tb_rec(&pl.a, 130, &b); /* timed, with an empty content */
		free(b.d);
	}
	/* a rename with fields from a later revision appended (mask bit 8) */
	tb_event(&pl, EVENT_RENAME, 5, 2 | 128 | 256, 0, 4243 - 77, 0, 0, 0, 0, 0, "worker-1", 8);
	tb_chunk(&f, 1, &pl, 1);
	tpl_reset(&pl);
	/* each chunk's clock starts at 0: a first delta is an absolute ts */
	tb_event(&pl, EVENT_WAKEUP, 190, 2, 0, 0, 0, 0, 0, 0, 0, NULL, 0);
	tb_end(&pl, 1000, 5);
	tb_chunk(&f, 2, &pl, 0);

	rc = open_mem(&f, &r);
	CHECK(rc == 0, "unknown records: hand-built file opens");
	CHECK(rc == 0 && trace_reader_info(r)->ncpus == 4 && trace_reader_info(r)->target_pid == 77 &&
		      !strcmp(trace_reader_info(r)->version, "v9"),
	      "unknown records: info with an appended field reads");
	rc = trace_reader_next(r, &ev);
	CHECK(rc == 1 && ev.type == EVENT_SWITCH && ev.ts == 100 && ev.cpu == 2 && ev.tid == 4243 && ev.tgid == 4242 &&
		      ev.tid2 == 4244 && ev.tgid2 == 4242 && ev.arg == 1 && ev.arg2 == 0 && ev.text[0] == 0,
	      "unknown records: first event decoded per the spec");
	rc = trace_reader_next(r, &ev);
	CHECK(rc == 1 && ev.type == EVENT_RENAME && ev.tid == 4243 && ev.tgid == 4243 && !strcmp(ev.text, "worker-1"),
	      "unknown records: skipped; appended fields skipped by length");
	CHECK(ev.ts == 100 + 50 + 25 + 5, "unknown records: skipped timed records still advance the clock");
	rc = trace_reader_next(r, &ev);
	CHECK(rc == 1 && ev.type == EVENT_WAKEUP && ev.ts == 190 && ev.tid == 77,
	      "chunk clock: the first delta of a chunk is its absolute ts");
	rc = trace_reader_next(r, &ev);
	CHECK(rc == 0 && trace_reader_end_ts(r) == 1000, "unknown records: clean end, end record counts the skipped timed ones");
	trace_reader_free(r);
	free(f.d);
	tpl_free(&pl);
}

/* A hand-built file whose only fault is one record; checks that want_n
 * events come first, then the error, and its message. */
static void check_bad_record(void (*add)(struct tpl *), unsigned want_n, int want_rc, const char *needle,
			     const char *label)
{
	struct tbuf f = { 0 };
	struct tpl pl = { 0 };
	struct trace_reader *r;
	struct event ev;
	unsigned n = 0;
	int rc;
	char name[300];

	tb_file_header(&f, 1);
	tb_info(&pl, 2, 0);
	tb_chunk(&f, 0, &pl, 0);
	tpl_reset(&pl);
	tb_event(&pl, EVENT_WAKEUP, 10, 2 | 32, 0, 7, 0, 0, 0, 1, 0, NULL, 0);
	add(&pl);
	tb_event(&pl, EVENT_WAKEUP, 10, 2 | 32, 0, 7, 0, 0, 0, 1, 0, NULL, 0);
	tb_end(&pl, 100, 3);
	tb_chunk(&f, 1, &pl, 0);
	rc = open_mem(&f, &r);
	if (rc == 0)
		while ((rc = trace_reader_next(r, &ev)) == 1)
			n++;
	snprintf(name, sizeof name, "validation: %s -> %s, message has \"%s\" and a byte offset (%s)", label,
		 want_rc == -EBADMSG ? "EBADMSG" : "error", needle, trace_reader_error(r));
	CHECK(n == want_n && rc == want_rc && strstr(trace_reader_error(r), needle) &&
		      strstr(trace_reader_error(r), "at byte"),
	      name);
	trace_reader_free(r);
	free(f.d);
	tpl_free(&pl);
}

/* Faulty records for check_bad_record, one fault each. */
static void add_bad_cpu(struct tpl *pl)
{
	tb_event(pl, EVENT_SWITCH, 1, 1, 2, 0, 0, 0, 0, 0, 0, NULL, 0);
}
static void add_long_text(struct tpl *pl)
{
	char t[64];
	memset(t, 'x', 64);
	tb_event(pl, EVENT_MARK, 1, 128, 0, 0, 0, 0, 0, 0, 0, t, 64);
}
static void add_nul_text(struct tpl *pl)
{
	tb_event(pl, EVENT_MARK, 1, 128, 0, 0, 0, 0, 0, 0, 0, "ab\0cd", 5);
}
static void add_big_tid(struct tpl *pl)
{
	/* tids are stored relative to the info's target pid (77 here) */
	tb_event(pl, EVENT_EXIT, 1, 2, 0, (int64_t)INT32_MAX + 1 - 77, 0, 0, 0, 0, 0, NULL, 0);
}
static void add_big_tgid(struct tpl *pl)
{
	tb_event(pl, EVENT_EXIT, 1, 2 | 4, 0, INT32_MAX - 77, 1, 0, 0, 0, 0, NULL, 0);
}
static void add_small_tid2(struct tpl *pl)
{
	tb_event(pl, EVENT_WAKING, 1, 8, 0, 0, 0, (int64_t)INT32_MIN - 78, 0, 0, 0, NULL, 0);
}
static void add_ts_overflow(struct tpl *pl)
{
	tb_event(pl, EVENT_EXIT, UINT64_MAX - 5, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 0);
}
static void add_cut_event(struct tpl *pl)
{
	/* the mask says tid and arg follow, but the content ends after the tid */
	tb_var(&pl->b, 1);
	tb_var(&pl->a, EVENT_EXIT);
	tb_var(&pl->a, 2);
	tb_var(&pl->a, 2 | 32);
	tb_var(&pl->a, 14);
}
static void add_no_ts(struct tpl *pl)
{
	/* a timed record without its ts delta in part B: the next record's
	 * delta is taken for it, and the last record finds none */
	tb_var(&pl->a, EVENT_EXIT);
	tb_var(&pl->a, 1);
	tb_var(&pl->a, 0);
}
static void add_extra_ts(struct tpl *pl)
{
	/* a ts delta in part B that no record owns */
	tb_var(&pl->b, 3);
}
static void add_overlong_varint(struct tpl *pl)
{
	tb_put(&pl->b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
	tb_var(&pl->a, EVENT_EXIT);
	tb_var(&pl->a, 1);
	tb_var(&pl->a, 0);
}
static void add_bad_mask_varint(struct tpl *pl)
{
	tb_var(&pl->b, 1);
	tb_var(&pl->a, EVENT_EXIT);
	tb_var(&pl->a, 1);
	tb_u8(&pl->a, 0x80); /* a varint cut off by the end of the content */
}
static void add_type0(struct tpl *pl)
{
	tb_var(&pl->a, 0);
	tb_var(&pl->a, 0);
}
static void add_second_info(struct tpl *pl)
{
	tb_info(pl, 2, 0);
}
static void add_long_len(struct tpl *pl)
{
	tb_var(&pl->a, 90);
	tb_var(&pl->a, 100000);
}

/* Every per-record check of the reader. */
static void test_validation(void)
{
	check_bad_record(add_bad_cpu, 1, -EBADMSG, "cpu 2", "cpu >= CPU count");
	check_bad_record(add_long_text, 1, -EBADMSG, "text of 64 bytes", "64-byte text");
	check_bad_record(add_nul_text, 1, -EBADMSG, "NUL", "text with a NUL");
	check_bad_record(add_big_tid, 1, -EBADMSG, "thread id", "tid over 32 bits");
	check_bad_record(add_big_tgid, 1, -EBADMSG, "thread id", "tgid over 32 bits");
	check_bad_record(add_small_tid2, 1, -EBADMSG, "thread id", "tid2 under -2^31");
	check_bad_record(add_ts_overflow, 1, -EBADMSG, "overflow", "ts beyond 2^64");
	check_bad_record(add_cut_event, 1, -EBADMSG, "cut short", "fields past the record length");
	check_bad_record(add_bad_mask_varint, 1, -EBADMSG, "cut short", "varint past the record length");
	check_bad_record(add_no_ts, 2, -EBADMSG, "timestamp", "timed record without ts");
	check_bad_record(add_extra_ts, 2, -EBADMSG, "left over", "ts without a record");
	check_bad_record(add_overlong_varint, 1, -EBADMSG, "timestamp", "varint over 64 bits");
	check_bad_record(add_type0, 1, -EBADMSG, "type 0", "record type 0");
	check_bad_record(add_second_info, 1, -EBADMSG, "second info", "second info record");
	check_bad_record(add_long_len, 1, -EBADMSG, "runs past the end", "record longer than its chunk");
}

/* Faults in frames and the end record of hand-built files. */
static void test_frames(void)
{
	struct tbuf f = { 0 };
	struct tpl pl0 = { 0 }, pl = { 0 }, pe = { 0 };
	struct trace_reader *r;
	struct event ev;
	int rc;

	tb_info(&pl0, 2, 0);
	tb_event(&pl, EVENT_WAKEUP, 10, 2, 0, 7, 0, 0, 0, 0, 0, NULL, 0);

	/* chunks out of sequence */
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	char want[64];
	snprintf(want, sizeof want, "chunk 1 at byte %zu: sequence number 2", f.n);
	tb_chunk(&f, 2, &pl, 0);
	rc = open_mem(&f, &r);
	rc = rc ? rc : trace_reader_next(r, &ev);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), want),
	      "frames: a missing chunk is reported with its number and offset");
	trace_reader_free(r);

	/* a declared size over the limit, checksums right */
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	size_t at = f.n;
	tb_chunk(&f, 1, &pl, 0);
	f.d[at + 8] = 0xff, f.d[at + 11] = 0x7f; /* stored = 0x7f0000ff... */
	uint32_t c = (uint32_t)crc32(0, f.d + at, 24);
	memcpy(f.d + at + 24, (uint8_t[4]){ (uint8_t)c, (uint8_t)(c >> 8), (uint8_t)(c >> 16), (uint8_t)(c >> 24) }, 4);
	rc = open_mem(&f, &r);
	rc = rc ? rc : trace_reader_next(r, &ev);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "exceeds the limit"),
	      "frames: a chunk size over 16 MiB is refused before anything is allocated");
	trace_reader_free(r);

	/* an encoding from the future */
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	tb_chunk(&f, 1, &pl, 7);
	rc = open_mem(&f, &r);
	rc = rc ? rc : trace_reader_next(r, &ev);
	CHECK(rc == -EPROTONOSUPPORT && strstr(trace_reader_error(r), "encoding 7"), "frames: unknown chunk encoding -> EPROTONOSUPPORT");
	trace_reader_free(r);

	/* deflated payload whose declared size is one byte off, either way */
	for (int adj = -1; adj <= 1; adj += 2) {
		f.n = 0;
		tb_file_header(&f, 1);
		tb_chunk(&f, 0, &pl0, 0);
		tb_chunk_ex(&f, 1, &pl, 1, adj);
		rc = open_mem(&f, &r);
		rc = rc ? rc : trace_reader_next(r, &ev);
		CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "decompress"),
		      adj < 0 ? "frames: deflate output longer than declared -> EBADMSG" : "frames: deflate output shorter than declared -> EBADMSG");
		trace_reader_free(r);
	}

	/* a payload whose part-A length runs past its end */
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	{
		struct tbuf raw = { 0 }; /* built by hand: its part-A length lies */
		size_t start;
		tb_var(&raw, 200);
		tb_put(&raw, pl.a.d, pl.a.n);
		tb_put(&raw, pl.b.d, pl.b.n);
		start = f.n;
		tb_put(&f, "CTCK", 4);
		tb_u32(&f, 1);
		tb_u32(&f, (uint32_t)raw.n);
		tb_u32(&f, (uint32_t)raw.n);
		tb_u32(&f, 0);
		tb_u32(&f, (uint32_t)crc32(0, raw.d, (uInt)raw.n));
		tb_u32(&f, (uint32_t)crc32(0, f.d + start, 24));
		tb_put(&f, raw.d, raw.n);
		free(raw.d);
	}
	rc = open_mem(&f, &r);
	rc = rc ? rc : trace_reader_next(r, &ev);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "length of its record part"),
	      "frames: a part-A length past the payload -> EBADMSG");
	trace_reader_free(r);

	/* a ts delta no record owns, in a chunk before the last */
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	tb_event(&pe, EVENT_WAKEUP, 10, 2, 0, 7, 0, 0, 0, 0, 0, NULL, 0);
	tb_var(&pe.b, 5);
	tb_chunk(&f, 1, &pe, 0);
	tpl_reset(&pe);
	tb_end(&pe, 100, 1);
	tb_chunk(&f, 2, &pe, 0);
	tpl_reset(&pe);
	rc = open_mem(&f, &r);
	CHECK(rc == 0 && trace_reader_next(r, &ev) == 1 && trace_reader_next(r, &ev) == -EBADMSG &&
		      strstr(trace_reader_error(r), "chunk 1 at byte") && strstr(trace_reader_error(r), "left over"),
	      "frames: timestamps left over at the end of a chunk -> EBADMSG");
	trace_reader_free(r);

	/* a chunk whose first ts is earlier than the previous chunk's last */
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	tb_event(&pe, EVENT_WAKEUP, 500, 2, 0, 7, 0, 0, 0, 0, 0, NULL, 0);
	tb_chunk(&f, 1, &pe, 0);
	tpl_reset(&pe);
	tb_event(&pe, EVENT_WAKEUP, 499, 2, 0, 7, 0, 0, 0, 0, 0, NULL, 0);
	tb_end(&pe, 1000, 2);
	tb_chunk(&f, 2, &pe, 0);
	tpl_reset(&pe);
	rc = open_mem(&f, &r);
	CHECK(rc == 0 && trace_reader_next(r, &ev) == 1 && trace_reader_next(r, &ev) == -EBADMSG &&
		      strstr(trace_reader_error(r), "chunk 2 at byte") && strstr(trace_reader_error(r), "earlier than the previous"),
	      "frames: time going back across chunks -> EBADMSG");
	trace_reader_free(r);

	/* end record that counts the wrong number of events */
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	tb_event(&pe, EVENT_WAKEUP, 10, 2, 0, 7, 0, 0, 0, 0, 0, NULL, 0);
	tb_end(&pe, 100, 2);
	tb_chunk(&f, 1, &pe, 1);
	rc = open_mem(&f, &r);
	CHECK(rc == 0 && trace_reader_next(r, &ev) == 1 && trace_reader_next(r, &ev) == -EBADMSG &&
		      strstr(trace_reader_error(r), "counts 2 events but the file holds 1") &&
		      strstr(trace_reader_error(r), "decompressed payload"),
	      "frames: end record count checked; offset given within the decompressed payload");
	trace_reader_free(r);

	/* end ts before the last event */
	f.n = 0;
	tpl_reset(&pe);
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl0, 0);
	tb_event(&pe, EVENT_WAKEUP, 10, 2, 0, 7, 0, 0, 0, 0, 0, NULL, 0);
	tb_end(&pe, 9, 1);
	tb_chunk(&f, 1, &pe, 0);
	rc = open_mem(&f, &r);
	CHECK(rc == 0 && trace_reader_next(r, &ev) == 1 && trace_reader_next(r, &ev) == -EBADMSG &&
		      strstr(trace_reader_error(r), "before the last event"),
	      "frames: end ts before the last event -> EBADMSG");
	trace_reader_free(r);

	/* info record problems */
	f.n = 0;
	tpl_reset(&pe);
	tb_file_header(&f, 1);
	tb_info(&pe, 0, 0);
	tb_chunk(&f, 0, &pe, 0);
	rc = open_mem(&f, &r);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "0 CPUs"), "info: 0 CPUs refused");
	trace_reader_free(r);
	f.n = 0;
	tpl_reset(&pe);
	tb_file_header(&f, 1);
	tb_info(&pe, 4097, 0);
	tb_chunk(&f, 0, &pe, 0);
	rc = open_mem(&f, &r);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "4097 CPUs"), "info: 4097 CPUs refused");
	trace_reader_free(r);
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl, 0); /* an event where the info record belongs */
	rc = open_mem(&f, &r);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "not the info record"), "info: must be the first record");
	trace_reader_free(r);
	f.n = 0;
	tpl_reset(&pe);
	tb_file_header(&f, 1);
	{
		struct tbuf b = { 0 };
		tb_var(&b, 2);
		tb_var(&b, 1);
		tb_var(&b, 1);
		tb_svar(&b, 0);
		tb_var(&b, 65); /* host name of 65 bytes: one too long */
		for (int i = 0; i < 65; i++)
			tb_u8(&b, 'h');
		tb_rec(&pe.a, 64, &b);
		free(b.d);
	}
	tb_chunk(&f, 0, &pe, 0);
	rc = open_mem(&f, &r);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "host"), "info: an over-long host name refused");
	trace_reader_free(r);

	free(f.d);
	tpl_free(&pl0);
	tpl_free(&pl);
	tpl_free(&pe);
}

/* Headers: bad magic, future version, empty and header-only files. */
static void test_headers(void)
{
	struct trace_reader *r;
	struct trace_writer *w;
	struct trace_info info;
	struct tbuf f = { 0 };
	struct tpl pl = { 0 };
	struct event ev;
	uint8_t *buf;
	size_t len;
	int rc;

	rc = trace_reader_new_mem(&r, "GIF89a\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 18);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "not a conctop trace") && strstr(trace_reader_error(r), "byte 0"),
	      "header: bad magic -> EBADMSG, 'not a conctop trace ... byte 0'");
	trace_reader_free(r);

	tb_file_header(&f, 2);
	tb_info(&pl, 2, 0);
	tb_chunk(&f, 0, &pl, 0);
	rc = open_mem(&f, &r);
	CHECK(rc == -EPROTONOSUPPORT && strstr(trace_reader_error(r), "version 2") && strstr(trace_reader_error(r), "newer"),
	      "header: future version 2 -> EPROTONOSUPPORT naming the version");
	trace_reader_free(r);
	f.n = 0;
	tb_file_header(&f, 1);
	tb_chunk(&f, 0, &pl, 0);
	f.d[12] ^= 1;
	rc = open_mem(&f, &r);
	CHECK(rc == -EBADMSG && strstr(trace_reader_error(r), "header checksum"), "header: checksum checked");
	trace_reader_free(r);

	spill(tpath("empty.ctrace"), "", 0);
	rc = trace_reader_new(&r, tpath("empty.ctrace"));
	CHECK(rc == -ENODATA && strstr(trace_reader_error(r), "empty file") && strstr(trace_reader_error(r), "byte 0"),
	      "header: empty file -> ENODATA 'empty file'");
	CHECK(trace_reader_next(r, &ev) == -ENODATA, "header: next after a failed open repeats the error");
	trace_reader_free(r);

	rc = trace_reader_new(&r, tpath("does-not-exist.ctrace"));
	CHECK(rc == -ENOENT && r && strstr(trace_reader_error(r), "No such file"), "header: missing file -> -ENOENT with a message");
	trace_reader_free(r);

	/* Only the 16-byte file header. */
	f.n = 0;
	tb_file_header(&f, 1);
	rc = open_mem(&f, &r);
	CHECK(rc == -ENODATA && strstr(trace_reader_error(r), "byte 16") && strstr(trace_reader_error(r), "info record"),
	      "header: 16-byte file -> ENODATA 'truncated at byte 16 ... before its info record'");
	trace_reader_free(r);

	/* Header and info record only: a recorder killed before its first flush. */
	make_info(&info, 8);
	rc = trace_writer_new(&w, tpath("hdr.ctrace"), &info);
	CHECK(rc == 0 && w, "writer: new");
	buf = slurp(tpath("hdr.ctrace"), &len);
	CHECK(len == trace_writer_bytes(w) && len > 16, "writer: header and info are on disk at once, bytes counted");
	rc = trace_reader_new_mem(&r, buf, len);
	CHECK(rc == 0 && info_equal(trace_reader_info(r), &info), "header-only file: opens, info intact");
	rc = trace_reader_next(r, &ev);
	CHECK(rc == -ENODATA && strstr(trace_reader_error(r), "truncated at byte") && trace_reader_end_ts(r) == 0,
	      "header-only file: no events, -ENODATA 'truncated at byte N'");
	trace_reader_free(r);
	free(buf);

	/* Never through a symlink: the link's target stays as it was. */
	{
		struct trace_writer *w2 = NULL;

		unlink(tpath("link.ctrace"));
		CHECK(symlink(tpath("hdr.ctrace"), tpath("link.ctrace")) == 0, "writer: symlink made");
		rc = trace_writer_new(&w2, tpath("link.ctrace"), &info);
		CHECK(rc == -ELOOP && !w2, "writer: a symlinked path is refused with -ELOOP");
		free(slurp(tpath("hdr.ctrace"), &len));
		CHECK(len == trace_writer_bytes(w), "writer: the symlink's target is untouched");
	}

	/* Closed with no events: a complete, empty trace. */
	CHECK(trace_writer_close(w, 12345) == 0, "writer: close with no events");
	rc = trace_reader_new(&r, tpath("hdr.ctrace"));
	CHECK(rc == 0 && trace_reader_next(r, &ev) == 0 && trace_reader_end_ts(r) == 12345 && trace_reader_count(r) == 0,
	      "empty trace: clean end at once, end ts from the end record");
	trace_reader_free(r);
	free(f.d);
	tpl_free(&pl);
}

/* What the writer refuses and what it clamps. */
static void test_writer_rules(void)
{
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_info info;
	struct event ev = { 0 }, got;
	int rc;

	make_info(&info, 0);
	CHECK(trace_writer_new(&w, tpath("bad.ctrace"), &info) == -EINVAL && !w, "writer: 0 CPUs refused");
	info.ncpus = TRACE_MAX_CPUS + 1;
	CHECK(trace_writer_new(&w, tpath("bad.ctrace"), &info) == -EINVAL, "writer: 4097 CPUs refused");
	make_info(&info, 2);
	memset(info.host, 'x', sizeof info.host);
	CHECK(trace_writer_new(&w, tpath("bad.ctrace"), &info) == -EINVAL, "writer: unterminated host refused");
	make_info(&info, 2);
	CHECK(trace_writer_new(&w, "/nonexistent-dir/x.ctrace", &info) == -ENOENT, "writer: open error returned as -errno");

	rc = trace_writer_new(&w, tpath("rules.ctrace"), &info);
	CHECK(rc == 0, "writer: opened");
	ev.type = 0;
	CHECK(trace_writer_add(w, &ev) == -EINVAL, "writer: type 0 refused");
	ev.type = EVENT_TYPE_MAX;
	CHECK(trace_writer_add(w, &ev) == -EINVAL, "writer: unknown type refused");
	ev.type = EVENT_SWITCH;
	ev.cpu = 2;
	CHECK(trace_writer_add(w, &ev) == -EINVAL, "writer: cpu >= ncpus refused");
	ev.cpu = 1;
	memset(ev.text, 'a', sizeof ev.text);
	CHECK(trace_writer_add(w, &ev) == -EINVAL, "writer: text without NUL refused");
	CHECK(trace_writer_count(w) == 0, "writer: refused events not counted");
	CHECK(trace_writer_set_compression(w, 10) == -EINVAL && trace_writer_set_chunk_size(w, 10) == -EINVAL,
	      "writer: bad level and chunk size refused");
	memset(ev.text, 0, sizeof ev.text);
	ev.ts = 1000;
	ev.tid = 5;
	CHECK(trace_writer_add(w, &ev) == 0, "writer: usable after refusals");
	ev.ts = 900;
	ev.tid = 6;
	CHECK(trace_writer_add(w, &ev) == 0 && trace_writer_clamped(w) == 1, "writer: an earlier ts is accepted and counted as clamped");
	CHECK(trace_writer_count(w) == 2, "writer: count");
	CHECK(trace_writer_close(w, 500) == 0, "writer: closed");
	rc = trace_reader_new(&r, tpath("rules.ctrace"));
	CHECK(rc == 0 && trace_reader_next(r, &got) == 1 && got.ts == 1000 && trace_reader_next(r, &got) == 1 &&
		      got.ts == 1000 && got.tid == 6,
	      "reader: the out-of-order event comes back at the previous ts");
	CHECK(trace_reader_next(r, &got) == 0 && trace_reader_end_ts(r) == 1000 && trace_reader_clamped(r) == 1,
	      "reader: end ts raised to the last event, clamped count from the end record");
	trace_reader_free(r);
}

/* A recorder killed with SIGKILL keeps every flushed chunk. */
static void test_kill9(void)
{
	const char *path = tpath("killed.ctrace");
	struct trace_reader *r;
	struct event *evs = calloc(1100, sizeof *evs);
	uint64_t ts = 0;
	int status, rc, same;
	pid_t pid;

	for (unsigned i = 0; i < 1100; i++)
		gen_event(i, &ts, 4, &evs[i]);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct trace_writer *w;
		struct trace_info info;
		make_info(&info, 4);
		if (trace_writer_new(&w, path, &info))
			_exit(3);
		for (unsigned i = 0; i < 1100; i++) {
			if (trace_writer_add(w, &evs[i]))
				_exit(4);
			if (i % 100 == 99 && i < 1000 && trace_writer_flush(w))
				_exit(5);
		}
		raise(SIGKILL);
		_exit(6);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "kill -9: the writing process was killed");
	rc = trace_reader_new(&r, path);
	unsigned got = rc ? 0 : read_all(r, evs, 1100, &rc, &same);
	CHECK(got == 1000 && same && rc == -ENODATA, "kill -9: every flushed event is read back, then -ENODATA");
	trace_reader_free(r);
	free(evs);
}

/* A drop-oldest writer on a 512 KB tmpfs (root only): some 15 000 chunks
 * of a few events each (the disk holds about 6 000, so the list of chunks
 * passes 4 096 and is thinned too) fill the disk over and over; every
 * write succeeds, the oldest chunks go, and what the file still holds
 * reads as the newest events, in order, the last one included. */
static void test_drop_oldest(void)
{
	const unsigned n = 60000;
	char dir[200], path[260], cmd[320];
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_info info;
	struct event *evs = calloc(n, sizeof(*evs)), ev;
	uint64_t ts = 0, got = 0, first = 0;
	unsigned i, bad = 0, match = 0;
	struct stat st;
	int rc = 0, e;

	snprintf(dir, sizeof dir, "%s/full", tmpdir);
	snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=512k tmpfs %s 2>/dev/null", dir);
	if (!evs || mkdir(dir, 0700) || system(cmd) != 0) {
		SKIP("drop-oldest on a full disk", "cannot mount a tmpfs (needs root: sudo make test)");
		free(evs);
		return;
	}
	snprintf(path, sizeof path, "%s/h.ctrace", dir);
	make_info(&info, 4);
	rc = trace_writer_new(&w, path, &info);
	if (!rc)
		rc = trace_writer_set_chunk_size(w, TRACE_CHUNK_MIN);
	if (!rc)
		rc = trace_writer_set_drop_oldest(w, true);
	for (i = 0; !rc && i < n; i++) {
		gen_event(i, &ts, 4, &evs[i]);
		rc = trace_writer_add(w, &evs[i]);
	}
	if (!rc)
		rc = trace_writer_flush(w);
	CHECK(rc == 0 && trace_writer_dropped_bytes(w) > 512 * 1024 && trace_writer_dropped_until(w) > 0,
	      "drop-oldest: 60 000 events in 64-byte chunks on a 512 KB disk all written, the oldest chunks freed");
	if (w)
		trace_writer_close(w, 0);
	CHECK(stat(path, &st) == 0 && st.st_size > 512 * 1024 && (uint64_t)st.st_blocks * 512 <= 512 * 1024,
	      "drop-oldest: the file outgrew the disk, its disk use did not");
	rc = trace_reader_new(&r, path);
	if (!rc) {
		trace_reader_skip_damaged(r);
		while ((e = trace_reader_next(r, &ev)) > 0) {
			if (e != 1)
				continue;
			if (!got++) {
				first = ev.ts;
				while (match < n && evs[match].ts < ev.ts)
					match++;
			}
			bad += match >= n || !event_equal(&ev, &evs[match]);
			match++;
		}
	}
	CHECK(rc == 0 && got > 100 && bad == 0 && match == n && first > evs[0].ts,
	      "drop-oldest: the file reads as the newest events, in order, to the last");
	trace_reader_free(r);
	snprintf(cmd, sizeof cmd, "umount -l %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not unmount %s\n", dir);
	free(evs);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_trace.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip(TRACE_LEVEL_DEFAULT, 0, 50000, "round trip, default chunks, deflate 1");
	test_round_trip(0, 1000, 5000, "round trip, 1 KB stored chunks");
	test_round_trip(9, TRACE_CHUNK_MIN, 3000, "round trip, 64-byte chunks, deflate 9");
	test_chunks_and_size();
	test_info_started();
	test_unknown_records();
	test_validation();
	test_frames();
	test_headers();
	test_writer_rules();
	test_truncation(1, "truncation, deflated");
	test_truncation(0, "truncation, stored");
	test_bit_flips(1, "deflated");
	test_bit_flips(0, "stored");
	test_kill9();
	test_drop_oldest();

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_summary();
}
