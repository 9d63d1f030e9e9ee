/* The chunk index of a trace file (see trace_index.h; the record's layout
 * is in docs/trace-format.md, "Index chunk"): encoded by the writer,
 * loaded and checked from the end of a file, or rebuilt through the reader
 * when the stored one is missing or fails a check. */
#define ZLIB_CONST
#include "trace_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "mem.h"
#include "trace.h"
#include "trace_format.h"

/* Fewest bytes an entry takes: six one-byte varints. */
#define ENTRY_MIN 6
/* Most timed records a chunk can hold: each takes at least its type, its
 * length and its delta. */
#define CHUNK_EVENTS_MAX (TRACE_CHUNK_MAX / 3)

struct trace_index {
	struct trace_index_chunk *ch;
	size_t n, cap;
	uint64_t end_ts;
	uint64_t events;
	bool stored;
	bool complete;
	int result;          /* the rebuild's last reader result: 0, -ENODATA, ... */
	uint64_t damaged;
	char why[160];
	char cut[512];
};

/* Where the bytes come from: a file descriptor or memory. */
struct index_src {
	int fd;
	const uint8_t *mem;
	uint64_t size;
};

/* Allocates an empty index. */
static struct trace_index *index_alloc(void)
{
	return calloc(1, sizeof(struct trace_index));
}

/* Frees an index. */
void trace_index_free(struct trace_index *ix)
{
	if (!ix)
		return;
	free(ix->ch);
	free(ix);
}

/* Appends one chunk. Returns 0 or -ENOMEM. */
static int index_push(struct trace_index *ix, const struct trace_index_chunk *c)
{
	if (VEC_RESERVE(ix->ch, ix->cap, ix->n + 1))
		return -ENOMEM;
	ix->ch[ix->n++] = *c;
	return 0;
}

/* Encodes the index record's content (see trace_index.h). */
int trace_index_encode(const struct trace_index_chunk *ch, size_t n, uint64_t end_ts, uint64_t events,
		       uint64_t index_off, uint8_t **out, size_t *len)
{
	uint64_t prev_off = 0, prev_ts = 0;
	uint32_t prev_seq = 0;
	uint8_t *buf, *p;
	size_t i;

	*out = NULL;
	*len = 0;
	if (n > (SIZE_MAX - 64) / 60)
		return -EINVAL;
	buf = malloc(n * 60 + 64); /* six varints of at most 10 bytes each */
	if (!buf)
		return -ENOMEM;
	p = put_uvarint(buf, n);
	for (i = 0; i < n; i++) {
		const struct trace_index_chunk *c = &ch[i];

		if (c->off <= prev_off || c->seq <= prev_seq || c->first_ts < prev_ts || c->last_ts < c->first_ts) {
			free(buf);
			return -EINVAL;
		}
		p = put_uvarint(p, c->off - prev_off);
		p = put_uvarint(p, c->seq - prev_seq);
		p = put_uvarint(p, c->first_ts - prev_ts);
		p = put_uvarint(p, c->last_ts - c->first_ts);
		p = put_uvarint(p, c->events);
		p = put_uvarint(p, c->types);
		prev_off = c->off;
		prev_seq = c->seq;
		prev_ts = c->last_ts;
	}
	p = put_uvarint(p, end_ts);
	p = put_uvarint(p, events);
	put64(p, index_off);
	memcpy(p + 8, index_magic, sizeof index_magic);
	*out = buf;
	*len = (size_t)(p + INDEX_TRAILER_LEN - buf);
	return 0;
}

/* Sets why the stored index is not used; returns -EBADMSG. */
__attribute__((format(printf, 2, 3)))
static int index_reject(struct trace_index *ix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ix->why, sizeof ix->why, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Decodes the entries and totals of an index record into ix, checking
 * each against the ones before it and against the file. */
static int index_parse(struct trace_index *ix, const uint8_t *p, const uint8_t *end, uint64_t index_off,
		       uint64_t file_size)
{
	uint64_t n, i, prev_off = 0, prev_ts = 0, sum = 0, v[6];
	uint32_t prev_seq = 0;
	const uint8_t *tail;

	if (end - p < INDEX_TRAILER_LEN || memcmp(end - 8, index_magic, 8))
		return index_reject(ix, "index record: no trailer");
	tail = end - INDEX_TRAILER_LEN;
	if (get64(tail) != index_off)
		return index_reject(ix, "index record: its trailer names byte %llu, not %llu",
				    (unsigned long long)get64(tail), (unsigned long long)index_off);
	if (get_uvarint(&p, tail, &n))
		return index_reject(ix, "index record: bad entry count");
	if (n > (uint64_t)(tail - p) / ENTRY_MIN)
		return index_reject(ix, "index record: %llu entries cannot fit in %zu bytes", (unsigned long long)n,
				    (size_t)(tail - p));
	if (n && VEC_RESERVE(ix->ch, ix->cap, (size_t)n))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct trace_index_chunk c;
		int k;

		for (k = 0; k < 6; k++)
			if (get_uvarint(&p, tail, &v[k]))
				return index_reject(ix, "index entry %llu: cut short", (unsigned long long)i);
		if (v[0] <= FRAME_LEN || v[0] > index_off - prev_off)
			return index_reject(ix, "index entry %llu: offset not increasing or past the index",
					    (unsigned long long)i);
		if (v[1] < 1 || v[1] > UINT32_MAX - prev_seq)
			return index_reject(ix, "index entry %llu: sequence number not increasing",
					    (unsigned long long)i);
		if (v[2] > UINT64_MAX - prev_ts || v[3] > UINT64_MAX - prev_ts - v[2])
			return index_reject(ix, "index entry %llu: timestamp overflows", (unsigned long long)i);
		if (v[4] < 1 || v[4] > CHUNK_EVENTS_MAX)
			return index_reject(ix, "index entry %llu: %llu events", (unsigned long long)i,
					    (unsigned long long)v[4]);
		c.off = prev_off + v[0];
		c.seq = prev_seq + (uint32_t)v[1];
		c.first_ts = prev_ts + v[2];
		c.last_ts = c.first_ts + v[3];
		c.events = v[4];
		c.types = v[5];
		if (c.off < FILE_HDR_LEN + 2 * FRAME_LEN || c.off + FRAME_LEN >= index_off)
			return index_reject(ix, "index entry %llu: offset %llu outside the chunks", (unsigned long long)i,
					    (unsigned long long)c.off);
		ix->ch[ix->n++] = c;
		prev_off = c.off;
		prev_seq = c.seq;
		prev_ts = c.last_ts;
		sum += c.events;
	}
	if (get_uvarint(&p, tail, &ix->end_ts) || get_uvarint(&p, tail, &ix->events))
		return index_reject(ix, "index record: totals cut short");
	/* fields appended by later versions lie between the totals and the trailer */
	if (ix->end_ts < prev_ts)
		return index_reject(ix, "index record: the trace ends before its last chunk");
	if (ix->events != sum)
		return index_reject(ix, "index record: %llu events in all, but its chunks hold %llu",
				    (unsigned long long)ix->events, (unsigned long long)sum);
	if (index_off > file_size)
		return index_reject(ix, "index record: past the end of the file");
	return 0;
}

/* Decodes and checks an index record's content (see trace_index.h). */
int trace_index_decode(struct trace_index **out, const uint8_t *content, size_t len, uint64_t index_off,
		       uint64_t file_size)
{
	struct trace_index *ix = index_alloc();
	int rc;

	*out = ix;
	if (!ix)
		return -ENOMEM;
	rc = index_parse(ix, content, content + len, index_off, file_size);
	if (rc) {
		ix->n = 0;
		ix->end_ts = ix->events = 0;
		return rc;
	}
	ix->stored = ix->complete = true;
	return 0;
}

/* Reads n bytes at off into buf; 0, or -1 if they are not all there. */
static int src_pread(const struct index_src *s, uint64_t off, size_t n, uint8_t *buf)
{
	size_t got = 0;

	if (off > s->size || n > s->size - off)
		return -1;
	if (s->mem) {
		memcpy(buf, s->mem + off, n);
		return 0;
	}
	while (got < n) {
		ssize_t k = pread(s->fd, buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* Loads the index stored at the end of the file into ix: the trailer
 * names the index chunk, whose frame, checksums and record must all be
 * right. Returns 0, -EBADMSG (ix->why says why) or -ENOMEM. */
static int index_load_stored(struct trace_index *ix, const struct index_src *s)
{
	uint8_t tr[INDEX_TRAILER_LEN], h[FRAME_LEN], *pl;
	const uint8_t *p, *end;
	uint64_t off, alen, type, len;
	uint32_t stored;
	int rc;

	if (s->size < FILE_HDR_LEN + 2 * FRAME_LEN + INDEX_TRAILER_LEN ||
	    src_pread(s, s->size - INDEX_TRAILER_LEN, INDEX_TRAILER_LEN, tr) || memcmp(tr + 8, index_magic, 8))
		return index_reject(ix, "no index at the end of the file");
	off = get64(tr);
	if (off < FILE_HDR_LEN + FRAME_LEN || off > s->size - FRAME_LEN - INDEX_TRAILER_LEN)
		return index_reject(ix, "the index trailer names byte %llu, outside the file", (unsigned long long)off);
	if (src_pread(s, off, FRAME_LEN, h) || memcmp(h, chunk_magic, 4) || get32(h + 24) != (uint32_t)crc32(0, h, 24))
		return index_reject(ix, "no intact chunk frame at byte %llu, where the index trailer points",
				    (unsigned long long)off);
	stored = get32(h + 8);
	if (h[16] != ENC_STORED || stored != get32(h + 12) || stored > TRACE_CHUNK_MAX ||
	    off + FRAME_LEN + stored != s->size)
		return index_reject(ix, "the index chunk at byte %llu is not a stored chunk ending the file",
				    (unsigned long long)off);
	pl = malloc(stored ? stored : 1);
	if (!pl)
		return -ENOMEM;
	if (src_pread(s, off + FRAME_LEN, stored, pl) || get32(h + 20) != (uint32_t)crc32(0, pl, stored)) {
		free(pl);
		return index_reject(ix, "the index chunk at byte %llu: payload checksum mismatch", (unsigned long long)off);
	}
	p = pl;
	end = pl + stored;
	/* part A is the index record alone; part B is empty */
	if (get_uvarint(&p, end, &alen) || alen != (uint64_t)(end - p) || get_uvarint(&p, end, &type) ||
	    type != REC_INDEX || get_uvarint(&p, end, &len) || len != (uint64_t)(end - p)) {
		free(pl);
		return index_reject(ix, "the chunk at byte %llu does not hold just an index record", (unsigned long long)off);
	}
	rc = index_parse(ix, p, end, off, s->size);
	free(pl);
	if (!rc && ix->n && ix->ch[ix->n - 1].seq >= get32(h + 4))
		rc = index_reject(ix, "index lists chunk %u, not before the index chunk %u", ix->ch[ix->n - 1].seq,
				  get32(h + 4));
	if (rc) {
		ix->n = 0;
		ix->end_ts = ix->events = 0;
		return rc;
	}
	ix->stored = ix->complete = true;
	return 0;
}

/* Rebuilds ix by reading every event through r (damage skipped), a chunk
 * entry per chunk that returned events. Returns 0 or -ENOMEM. */
static int index_rebuild(struct trace_index *ix, struct trace_reader *r)
{
	struct trace_index_chunk cur = { 0 };
	struct event ev;
	uint64_t off;
	uint32_t seq;
	int rc;

	trace_reader_skip_damaged(r);
	for (;;) {
		rc = trace_reader_next(r, &ev);
		if (rc == TRACE_DAMAGED) {
			ix->damaged++;
			continue;
		}
		if (rc != 1)
			break;
		trace_reader_chunk(r, &off, &seq);
		if (!cur.events || off != cur.off) {
			if (cur.events && index_push(ix, &cur))
				return -ENOMEM;
			cur.off = off;
			cur.seq = seq;
			cur.first_ts = ev.ts;
			cur.events = 0;
			cur.types = 0;
		}
		cur.last_ts = ev.ts;
		cur.events++;
		cur.types |= (uint64_t)1 << (ev.type & 63);
		ix->events++;
	}
	if (cur.events && index_push(ix, &cur))
		return -ENOMEM;
	if (rc == -ENOMEM)
		return rc;
	ix->complete = rc == 0;
	ix->result = rc;
	if (rc < 0)
		snprintf(ix->cut, sizeof ix->cut, "%s", trace_reader_error(r));
	ix->end_ts = trace_reader_end_ts(r);
	return 0;
}

/* Loads (or, when rebuild, rebuilds) the index of an opened reader's
 * source s. */
static int index_open(struct trace_index **out, struct trace_reader *r, int rc, const struct index_src *s,
		      bool rebuild)
{
	struct trace_index *ix;

	*out = NULL;
	if (rc) {
		trace_reader_free(r);
		return rc;
	}
	ix = index_alloc();
	if (!ix) {
		trace_reader_free(r);
		return -ENOMEM;
	}
	rc = index_load_stored(ix, s);
	if (rc == -EBADMSG && rebuild)
		rc = index_rebuild(ix, r);
	trace_reader_free(r);
	if (rc) {
		trace_index_free(ix);
		return rc;
	}
	*out = ix;
	return 0;
}

/* Opens the trace at path and loads its index (rebuilt when rebuild). */
static int index_new_path(struct trace_index **out, const char *path, bool rebuild)
{
	struct trace_reader *r;
	struct index_src s = { -1, NULL, 0 };
	struct stat st;
	int rc = trace_reader_new(&r, path);

	if (!rc) {
		s.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s.fd < 0 || fstat(s.fd, &st) < 0)
			rc = -errno;
		else
			s.size = (uint64_t)st.st_size;
	}
	rc = index_open(out, r, rc, &s, rebuild);
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}

/* Loads the index of the trace at path (see trace_index.h). */
int trace_index_new(struct trace_index **out, const char *path)
{
	return index_new_path(out, path, true);
}

/* Loads the index stored in the file, never rebuilding it. */
int trace_index_new_stored(struct trace_index **out, const char *path)
{
	return index_new_path(out, path, false);
}

/* The same for a trace in memory. */
int trace_index_new_mem(struct trace_index **out, const void *buf, size_t len)
{
	struct trace_reader *r;
	struct index_src s = { -1, buf, buf ? len : 0 };
	int rc = trace_reader_new_mem(&r, buf, len);

	return index_open(out, r, rc, &s, true);
}

/* Whether the index was the file's own. */
bool trace_index_stored(const struct trace_index *ix)
{
	return ix->stored;
}

/* Why the stored index was not used. */
const char *trace_index_why(const struct trace_index *ix)
{
	return ix->why;
}

/* Chunks listed. */
size_t trace_index_count(const struct trace_index *ix)
{
	return ix->n;
}

/* Chunk i. */
const struct trace_index_chunk *trace_index_chunk(const struct trace_index *ix, size_t i)
{
	return &ix->ch[i];
}

/* The first chunk whose last ts is at or after ts (binary search). */
size_t trace_index_find(const struct trace_index *ix, uint64_t ts)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->ch[mid].last_ts < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The latest chunk end with one of types from ts on (see trace_index.h). */
uint64_t trace_index_last_of(const struct trace_index *ix, uint64_t types, uint64_t ts)
{
	size_t first = trace_index_find(ix, ts), i;

	for (i = ix->n; i > first; i--)
		if (ix->ch[i - 1].types & types)
			return ix->ch[i - 1].last_ts;
	return 0;
}

/* The trace's end ts. */
uint64_t trace_index_end_ts(const struct trace_index *ix)
{
	return ix->end_ts;
}

/* Its timed records. */
uint64_t trace_index_events(const struct trace_index *ix)
{
	return ix->events;
}

/* Whether the end record was reached. */
bool trace_index_complete(const struct trace_index *ix)
{
	return ix->complete;
}

/* Why a rebuilt index's reading stopped early. */
const char *trace_index_cut(const struct trace_index *ix)
{
	return ix->cut;
}

/* How a rebuild's reading ended. */
int trace_index_result(const struct trace_index *ix)
{
	return ix->result;
}

/* Damaged stretches a rebuild skipped. */
uint64_t trace_index_damaged(const struct trace_index *ix)
{
	return ix->damaged;
}
