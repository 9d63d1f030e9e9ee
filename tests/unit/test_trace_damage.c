/* Unit tests of the trace reader's damage skipping (core/trace_read.c,
 * trace_reader_skip_damaged): a damaged chunk is stepped over and named,
 * the reader finds the next intact chunk after a damaged frame or garbage,
 * missing and repeated chunks are reported, and every single-bit flip of a
 * file loses exactly the chunk it hit. */
#define ZLIB_CONST
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "event.h"
#include "trace.h"
#include "trace_ahead.h"

#define NCHUNKS 5    /* event chunks in the test file */
#define PER_CHUNK 12 /* events in each */
#define NEVENTS (NCHUNKS * PER_CHUNK)

static char path[64];
static struct event written[NEVENTS];

/* One chunk of a file: where its frame starts and where it ends. */
struct span {
	size_t off, end;
};

/* The i-th test event: switches, wakeups and renames on 2 CPUs. */
static void make_event(unsigned i, struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = 1000 + (uint64_t)i * 777;
	ev->type = (uint16_t)(i % 3 == 0 ? EVENT_RENAME : i % 3 == 1 ? EVENT_SWITCH : EVENT_WAKEUP);
	ev->cpu = (uint16_t)(i % 2);
	ev->tid = ev->tgid = 100 + (int32_t)(i % 4);
	ev->arg = i % 3 == 1 ? EVENT_STATE_INTERRUPTIBLE : 0;
	if (ev->type == EVENT_RENAME)
		snprintf(ev->text, sizeof(ev->text), "thread-%u", i);
}

/* Writes the test file (NCHUNKS event chunks of PER_CHUNK events, the last
 * with the end record) into memory. Returns the buffer, or NULL. */
static uint8_t *make_file(int level, size_t *len)
{
	struct trace_info info;
	struct trace_writer *w;
	uint8_t *buf = NULL;
	FILE *f;
	long n;
	unsigned i;

	memset(&info, 0, sizeof(info));
	info.ncpus = 2;
	snprintf(info.host, sizeof(info.host), "damage");
	snprintf(info.clock, sizeof(info.clock), "CLOCK_MONOTONIC");
	if (trace_writer_new(&w, path, &info))
		return NULL;
	trace_writer_set_compression(w, level);
	for (i = 0; i < NEVENTS; i++) {
		make_event(i, &written[i]);
		trace_writer_add(w, &written[i]);
		if ((i + 1) % PER_CHUNK == 0 && i + 1 < NEVENTS)
			trace_writer_flush(w);
	}
	if (trace_writer_close(w, written[NEVENTS - 1].ts + 10))
		return NULL;
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Little-endian u32 load and store. */
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Finds the chunks of an intact file: sp[0] is chunk 0 (the info). */
static int layout(const uint8_t *b, size_t len, struct span *sp, int max)
{
	size_t off = 16;
	int n = 0;

	while (off + 28 <= len && n < max) {
		sp[n].off = off;
		sp[n].end = off + 28 + get32(b + off + 8);
		off = sp[n++].end;
	}
	return n;
}

/* Reads buf with damage skipping, on this thread or ahead on another
 * (trace_ahead.h, the events of a batch taken in runs); collects the events (at most NEVENTS), the number of
 * TRACE_DAMAGED results and the last one's words; returns the final
 * result. */
static int read_one_way(const uint8_t *buf, size_t len, bool ahead, struct event *got, unsigned *ngot,
			unsigned *ndamaged, char *last_damage, size_t dlen)
{
	struct trace_reader *r;
	struct trace_ahead *a = NULL;
	struct event ev;
	const struct event *evp = &ev;
	size_t n = 1, i;
	int rc = trace_reader_new_mem(&r, buf, len);

	*ngot = *ndamaged = 0;
	last_damage[0] = '\0';
	if (rc == 0) {
		trace_reader_skip_damaged(r);
		if (ahead && trace_ahead_new(&a, r))
			rc = -1001;
		while (rc == 0 && (rc = a ? trace_ahead_next_run(a, &evp, &n) : trace_reader_next(r, &ev)) > 0) {
			if (rc == TRACE_DAMAGED) {
				(*ndamaged)++;
				snprintf(last_damage, dlen, "%s", a ? trace_ahead_error(a) : trace_reader_error(r));
			} else {
				for (i = 0; i < (a ? n : 1) && *ngot < NEVENTS; i++)
					got[(*ngot)++] = evp[i];
			}
			rc = 0;
		}
		if (rc <= 0 && trace_reader_damaged(r) != *ndamaged)
			rc = -1000; /* the count disagrees with the results */
	}
	trace_ahead_free(a);
	trace_reader_free(r);
	return rc;
}

static unsigned ahead_cases, ahead_differ;

/* read_one_way on this thread; for the first 256 cases and every 8th
 * after (a thread each: the 11 000 bit flips all read ahead took 33 s
 * under ASan), read ahead too, and counts a case where the two differ in
 * anything (events, damage, words, result). */
static int read_skipping(const uint8_t *buf, size_t len, struct event *got, unsigned *ngot, unsigned *ndamaged,
			 char *last_damage, size_t dlen)
{
	static struct event other[NEVENTS];
	static unsigned calls;
	char mine[512], theirs[512];
	unsigned n2, d2, i;
	int rc = read_one_way(buf, len, false, got, ngot, ndamaged, mine, sizeof(mine));

	if (calls++ < 256 || calls % 8 == 0) {
		int rc2 = read_one_way(buf, len, true, other, &n2, &d2, theirs, sizeof(theirs));
		bool same = rc == rc2 && *ngot == n2 && *ndamaged == d2 && !strcmp(mine, theirs);

		for (i = 0; same && i < n2; i++)
			same = event_equal(&got[i], &other[i]);
		ahead_cases++;
		ahead_differ += !same;
	}
	if (last_damage)
		snprintf(last_damage, dlen, "%s", mine);
	return rc;
}

/* Whether got holds exactly the written events of every chunk but skip
 * (1-based event chunk; 0: none), in order. */

static int all_but(const struct event *got, unsigned ngot, int skip)
{
	unsigned i, k = 0;

	for (i = 0; i < NEVENTS; i++) {
		if (skip && i / PER_CHUNK == (unsigned)(skip - 1))
			continue;
		if (k >= ngot || !event_equal(&got[k], &written[i]))
			return 0;
		k++;
	}
	return k == ngot;
}

/* Recomputes both checksums of the chunk at off after an edit. */
static void fix_crcs(uint8_t *b, size_t off)
{
	put32(b + off + 20, (uint32_t)crc32(0, b + off + 28, get32(b + off + 8)));
	put32(b + off + 24, (uint32_t)crc32(0, b + off, 24));
}

/* The damages of one kind each, on a stored or a deflated file. */
static void test_cases(int level, const char *label)
{
	struct event got[NEVENTS];
	struct span sp[NCHUNKS + 1];
	uint8_t *buf, *b2;
	size_t len, n2;
	unsigned ngot, nd;
	char msg[512], name[200];
	int rc, nsp;

	buf = make_file(level, &len);
	nsp = buf ? layout(buf, len, sp, NCHUNKS + 1) : 0;
	snprintf(name, sizeof(name), "%s: test file written with %d event chunks", label, NCHUNKS);
	CHECK(nsp == NCHUNKS + 1, name);
	if (nsp != NCHUNKS + 1) {
		free(buf);
		return;
	}
	b2 = malloc(len + 200);

	rc = read_skipping(buf, len, got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: an intact file reads whole, nothing skipped", label);
	CHECK(rc == 0 && nd == 0 && all_but(got, ngot, 0), name);

	/* a byte of chunk 2's payload changed */
	memcpy(b2, buf, len);
	b2[(sp[2].off + 28 + sp[2].end) / 2] ^= 0x40;
	rc = read_skipping(b2, len, got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: a damaged payload: chunk 2 skipped by its length, the others read", label);
	CHECK(rc == 0 && nd == 1 && all_but(got, ngot, 2) && strstr(msg, "chunk 2 at byte") &&
	      strstr(msg, "checksum mismatch; chunk skipped"), name);
	if (!strstr(msg, "chunk 2"))
		printf("  message: %s\n", msg);

	/* chunk 3's frame marker overwritten: the next intact frame is found */
	memcpy(b2, buf, len);
	memcpy(b2 + sp[3].off, "XXXX", 4);
	rc = read_skipping(b2, len, got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: a damaged frame: the reader finds chunk 4 and reads on", label);
	CHECK(rc == 0 && nd == 1 && all_but(got, ngot, 3) && strstr(msg, "chunk 3 at byte") &&
	      strstr(msg, "next intact chunk"), name);

	/* 150 bytes of garbage (holding a false marker) between chunks 1 and 2 */
	memcpy(b2, buf, sp[2].off);
	memset(b2 + sp[2].off, 0x5a, 150);
	memcpy(b2 + sp[2].off + 60, "CTCK", 4);
	memcpy(b2 + sp[2].off + 150, buf + sp[2].off, len - sp[2].off);
	rc = read_skipping(b2, len + 150, got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: garbage between two chunks is skipped, no event is lost", label);
	CHECK(rc == 0 && nd == 1 && all_but(got, ngot, 0), name);

	/* chunk 2 cut out of the file */
	memcpy(b2, buf, sp[2].off);
	memcpy(b2 + sp[2].off, buf + sp[2].end, len - sp[2].end);
	n2 = len - (sp[2].end - sp[2].off);
	rc = read_skipping(b2, n2, got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: a missing chunk is reported by number, the others read", label);
	CHECK(rc == 0 && nd == 1 && all_but(got, ngot, 2) && strstr(msg, "missing (numbers 2 to 2)"), name);

	/* chunk 2 written twice */
	memcpy(b2, buf, sp[3].off);
	memcpy(b2 + sp[3].off, buf + sp[2].off, sp[2].end - sp[2].off);
	memcpy(b2 + sp[3].off + (sp[2].end - sp[2].off), buf + sp[3].off, len - sp[3].off);
	rc = read_skipping(b2, len + (sp[2].end - sp[2].off), got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: a repeated chunk is skipped, each event comes once", label);
	CHECK(rc == 0 && nd == 1 && all_but(got, ngot, 0) && strstr(msg, "sequence number 2 where 3"), name);

	/* the last chunk (with the end record) damaged: the file reads as cut off */
	memcpy(b2, buf, len);
	b2[sp[NCHUNKS].off + 30] ^= 1;
	rc = read_skipping(b2, len, got, &ngot, &nd, msg, sizeof(msg));
	snprintf(name, sizeof(name), "%s: a damaged last chunk: the others read, then -ENODATA (no end record)", label);
	CHECK(rc == -ENODATA && nd == 1 && all_but(got, ngot, NCHUNKS), name);

	/* chunk 0 damaged: no info, nothing to skip to */
	memcpy(b2, buf, len);
	b2[sp[0].off + 40] ^= 1;
	rc = read_skipping(b2, len, got, &ngot, &nd, NULL, 0);
	snprintf(name, sizeof(name), "%s: damage in chunk 0 still fails the open (-EBADMSG)", label);
	CHECK(rc == -EBADMSG && ngot == 0, name);

	if (level == 0) {
		/* a record that does not decode (cpu 7 of 2) in chunk 2, checksums
		 * made right: its events before it come out, the rest is skipped */
		uint8_t *pl = b2 + sp[2].off + 28, *p;
		unsigned before = 0, k;

		memcpy(b2, buf, len);
		/* payload: A-len varint, then records "type len mask [cpu] ...";
		 * the first record with a cpu field (mask bit 0) gets cpu 7 */
		p = b2 + sp[2].off + 28 + (pl[0] < 0x80 ? 1 : 2);
		for (k = 0; k < PER_CHUNK; k++, p += 2 + p[1]) {
			unsigned mlen = p[2] & 0x80 ? 2 : 1;

			if (p[2] & 1) {
				p[2 + mlen] = 7;
				before = k;
				break;
			}
		}
		fix_crcs(b2, sp[2].off);
		rc = read_skipping(b2, len, got, &ngot, &nd, msg, sizeof(msg));
		snprintf(name, sizeof(name), "%s: a record that does not decode ends its chunk, the rest is read", label);
		CHECK(rc == 0 && nd == 1 && ngot == NEVENTS - (PER_CHUNK - before) && strstr(msg, "cpu 7") &&
		      strstr(msg, "the rest of the chunk skipped"), name);
	}
	free(b2);
	free(buf);
}

/* Every single-bit flip in an event chunk loses exactly that chunk. */
static void test_bit_flips(int level, const char *label)
{
	struct event got[NEVENTS];
	struct span sp[NCHUNKS + 1];
	unsigned ngot, nd, flips = 0, bad = 0;
	uint8_t *buf;
	size_t len, off;
	char name[200];
	int k, rc;

	buf = make_file(level, &len);
	if (!buf || layout(buf, len, sp, NCHUNKS + 1) != NCHUNKS + 1) {
		CHECK(0, "bit flips: test file written");
		free(buf);
		return;
	}
	for (off = sp[1].off; off < sp[NCHUNKS].end; off++) { /* the index chunk after: test_trace_index */
		for (k = 1; k <= NCHUNKS && sp[k].end <= off; k++)
			;
		for (int bit = 0; bit < 8; bit++) {
			buf[off] ^= (uint8_t)(1 << bit);
			rc = read_skipping(buf, len, got, &ngot, &nd, NULL, 0);
			if (rc != (k == NCHUNKS ? -ENODATA : 0) || nd != 1 || !all_but(got, ngot, k))
				bad++;
			buf[off] ^= (uint8_t)(1 << bit);
			flips++;
		}
	}
	snprintf(name, sizeof(name), "%s: %u bit flips in event chunks: each loses exactly the chunk it hit", label,
		 flips);
	CHECK(bad == 0, name);
	free(buf);
}

#define LONG_EVENTS 20000 /* batches of 4096, put back together in runs of 128 */

/* The i-th event of the long file: every seventh a rename whose text's
 * length varies, the others without a text. */
static void make_long_event(unsigned i, struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = 1000 + (uint64_t)i * 10;
	ev->cpu = (uint16_t)(i % 2);
	ev->tid = ev->tgid = 100 + (int32_t)(i % 5);
	ev->type = (uint16_t)(i % 7 == 0 ? EVENT_RENAME : EVENT_SWITCH);
	if (ev->type == EVENT_RENAME)
		snprintf(ev->text, sizeof(ev->text), "%.*s%u", (int)(i % (EVENT_TEXT_MAX - 8)),
			 "a-long-thread-name-that-fills-the-text-field-almost-to-its-end-xxxxxxxxxxxx", i);
	else
		ev->tid2 = (int32_t)i;
}

/* Read ahead, a trace of many batches gives back each event whole: its
 * text as written, every byte of it, and no text where none was written
 * (the ring keeps texts apart and the events are put back together in a
 * small array used again and again), one at a time or in runs. */
static void test_ahead_texts(void)
{
	struct trace_info info;
	struct trace_writer *w;
	struct trace_reader *r = NULL;
	struct trace_ahead *a = NULL;
	struct event want;
	const struct event *ev;
	unsigned i = 0, bad = 0, texts = 0, calls = 0;
	size_t n, k;
	int rc = -1;

	memset(&info, 0, sizeof(info));
	info.ncpus = 2;
	if (trace_writer_new(&w, path, &info))
		goto out;
	for (i = 0; i < LONG_EVENTS; i++) {
		make_long_event(i, &want);
		trace_writer_add(w, &want);
	}
	if (trace_writer_close(w, 1000 + (uint64_t)LONG_EVENTS * 10) || trace_reader_new(&r, path) ||
	    trace_ahead_new(&a, r))
		goto out;
	/* runs and single events by turns (calls % 3: one event, else a run) */
	for (i = 0; (rc = calls++ % 3 ? trace_ahead_next_run(a, &ev, &n) : (n = 1, trace_ahead_next(a, &ev))) == 1;) {
		for (k = 0; k < n; k++, i++) {
			make_long_event(i, &want);
			texts += want.text[0] != 0;
			bad += i >= LONG_EVENTS || !event_equal(&ev[k], &want) ||
			       memcmp(ev[k].text, want.text, EVENT_TEXT_MAX) != 0;
		}
	}
out:
	CHECK(rc == 0 && i == LONG_EVENTS && bad == 0 && texts > 2000,
	      "read ahead: 20 000 events, every seventh with a text, each given back whole, every byte of its text "
	      "as written, no text where none was");
	if (rc != 0 || i != LONG_EVENTS || bad)
		printf("  (result %d, %u events, %u differ)\n", rc, i, bad);
	trace_ahead_free(a);
	trace_reader_free(r);
}

/* A file read through its descriptor (not memory) skips the same way. */
static void test_from_file(void)
{
	struct span sp[NCHUNKS + 1];
	struct trace_reader *r;
	struct event ev;
	unsigned n = 0, nd = 0;
	uint8_t *buf;
	size_t len;
	FILE *f;
	int rc;

	buf = make_file(1, &len);
	if (!buf || layout(buf, len, sp, NCHUNKS + 1) != NCHUNKS + 1) {
		CHECK(0, "from a file: test file written");
		free(buf);
		return;
	}
	memcpy(buf + sp[2].off, "JUNK", 4);
	buf[(sp[4].off + sp[4].end) / 2] ^= 0x80;
	f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
	rc = trace_reader_new(&r, path);
	if (rc == 0) {
		trace_reader_skip_damaged(r);
		while ((rc = trace_reader_next(r, &ev)) > 0)
			rc == 1 ? n++ : nd++;
	}
	CHECK(rc == 0 && nd == 2 && n == NEVENTS - 2 * PER_CHUNK && trace_reader_damaged(r) == 2,
	      "from a file: a damaged frame (chunk 2) and a damaged payload (chunk 4) skipped, the rest read");
	trace_reader_free(r);
	free(buf);
}

int main(void)
{
	snprintf(path, sizeof(path), "/tmp/test_trace_damage.%d.ctrace", (int)getpid());
	test_cases(0, "stored");
	test_cases(1, "deflated");
	test_bit_flips(0, "stored");
	test_bit_flips(1, "deflated");
	test_from_file();
	test_ahead_texts();
	CHECK(ahead_cases > 20 && ahead_differ == 0, "read ahead on a thread: the same events, damage, words and end "
	      "as read here, in every case above");
	printf("  (%u cases, %u differed)\n", ahead_cases, ahead_differ);
	unlink(path);
	return check_summary();
}
