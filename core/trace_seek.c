/* Moving about a trace file (docs/trace-format.md): finding the intact
 * chunk frames past damage, reading on at a chunk an index names or where
 * a copy of a timeline left off, and a file's end from its last chunks
 * when it has no index. The reading of events is trace_read.c's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "trace_format.h"
#include "trace_read_int.h"

/* Whether the 28 bytes at h are an intact chunk frame numbered min_seq or
 * later; sets *seq. */
static int frame_intact(const uint8_t *h, uint32_t min_seq, uint32_t *seq)
{
	uint32_t stored = get32(h + 8), raw = get32(h + 12);

	if (memcmp(h, chunk_magic, 4) || get32(h + 24) != libdeflate_crc32(0, h, 24))
		return 0;
	if (get32(h + 4) < min_seq || stored > TRACE_CHUNK_MAX || raw > TRACE_CHUNK_MAX ||
	    (h[16] == ENC_STORED && stored != raw))
		return 0;
	*seq = get32(h + 4);
	return 1;
}

/* The first intact frame numbered min_seq or later that starts in b[0..n)
 * and lies whole in it, or NULL; sets *seq. */
static const uint8_t *frame_in(const uint8_t *b, size_t n, uint32_t min_seq, uint32_t *seq)
{
	const uint8_t *end = b + n, *c;

	for (; end - b >= FRAME_LEN; b = c + 1) {
		c = memmem(b, (size_t)(end - b), chunk_magic, 4);
		if (!c || end - c < FRAME_LEN)
			return NULL;
		if (frame_intact(c, min_seq, seq))
			return c;
	}
	return NULL;
}

/* Finds the first intact chunk frame numbered min_seq or later at or after
 * byte from; returns its offset (the end of the file if there is none, or
 * UINT64_MAX on a read error) and sets *seq. */
static uint64_t find_frame(struct trace_reader *r, uint64_t from, uint32_t min_seq, uint32_t *seq)
{
	enum { WINDOW = 64 << 10 };
	const uint8_t *c;
	uint64_t off = from;

	if (r->fd < 0) {
		if (from >= r->mem_len)
			return from;
		c = frame_in(r->mem + from, r->mem_len - (size_t)from, min_seq, seq);
		return c ? (uint64_t)(c - r->mem) : r->mem_len;
	}
	if (trace_read_grow(&r->sbuf, &r->scap, WINDOW))
		return UINT64_MAX;
	for (;;) {
		off_t data = lseek(r->fd, (off_t)off, SEEK_DATA); /* over a hole (trace_writer_set_drop_oldest) */
		ssize_t k;

		if (data > (off_t)off)
			off = (uint64_t)data;
		k = pread(r->fd, r->sbuf, WINDOW, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return UINT64_MAX;
		c = frame_in(r->sbuf, (size_t)k, min_seq, seq);
		if (c)
			return off + (uint64_t)(c - r->sbuf);
		if (k < WINDOW)
			return off + (uint64_t)k; /* the end of the file */
		off += (uint64_t)k - (FRAME_LEN - 1); /* a frame may straddle two windows */
	}
}

/* Moves the reading position to byte off. Returns 0 or -1. */
static int reader_seek(struct trace_reader *r, uint64_t off)
{
	if (r->fd >= 0 && lseek(r->fd, (off_t)off, SEEK_SET) < 0)
		return -1;
	r->off = off;
	return 0;
}

/* Turns the error rc just met into a skipped stretch when the caller asked
 * for that and it is damage (-EBADMSG) after chunk 0: moves on past the
 * damaged chunk (by its length when its frame is intact, else to the next
 * intact frame), adds where reading goes on to the message, and returns
 * TRACE_DAMAGED. Returns rc otherwise. */
int trace_read_skip_damage(struct trace_reader *r, int rc)
{
	uint64_t resume = r->chunk_end;
	uint32_t seq = r->next_seq;
	size_t len = strlen(r->err);

	if (!r->skip_damaged || rc != -EBADMSG || (r->chunk_no == 0 && !r->chunk_loaded))
		return rc;
	if (!resume || resume <= r->chunk_off)
		resume = find_frame(r, r->chunk_off + 1, r->chunk_no, &seq);
	if (resume == UINT64_MAX || reader_seek(r, resume))
		return rc; /* cannot read or seek past it: the damage stays where it stopped */
	r->state = 0;
	r->damaged++;
	r->next_seq = seq;
	r->p = r->end = r->tp = r->tend = r->base;
	snprintf(r->err + len, sizeof r->err - len, "; %s, reading on at byte %llu",
		 r->chunk_loaded ? "the rest of the chunk skipped" : resume == r->chunk_end ? "chunk skipped" :
		 "skipped to the next intact chunk", (unsigned long long)resume);
	return TRACE_DAMAGED;
}

/* Goes on at another chunk, as if the ones before it had been read. */
int trace_reader_seek_chunk(struct trace_reader *r, uint64_t off, uint32_t seq, uint64_t ts, uint64_t timed)
{
	if (off < FILE_HDR_LEN + FRAME_LEN || !r->base)
		return -EINVAL;
	if (reader_seek(r, off))
		return -EIO;
	r->state = 0;
	r->err[0] = '\0';
	r->next_seq = seq;
	r->ts = ts;
	r->timed = timed;
	r->chunk_loaded = 0;
	r->chunk_end = 0;
	r->p = r->end = r->tp = r->tend = r->base; /* nothing left of the current chunk */
	return 0;
}

/* The FRAME_LEN bytes at off into h; returns how many were there (fewer
 * at the end of the file), or -1 on a read error. */
static ssize_t frame_at(struct trace_reader *r, uint64_t off, uint8_t *h)
{
	ssize_t k;

	if (r->fd < 0) {
		size_t n = off < r->mem_len ? r->mem_len - (size_t)off : 0;

		n = n < FRAME_LEN ? n : FRAME_LEN;
		memcpy(h, r->mem + (n ? off : 0), n);
		return (ssize_t)n;
	}
	do
		k = pread(r->fd, h, FRAME_LEN, (off_t)off);
	while (k < 0 && errno == EINTR);
	return k;
}

#define TAIL_TRIES 3 /* the last chunks whose frames are intact, tried from the last */

/* Where the trace ends, from its last chunks alone (see trace.h). */
int trace_reader_tail_ts(struct trace_reader *r, uint64_t *end)
{
	uint64_t off = r->off, last_off[TAIL_TRIES];
	uint32_t seq = r->next_seq, s, last_seq[TAIL_TRIES];
	uint8_t h[FRAME_LEN];
	size_t n = 0;
	int i;

	if (r->state < 0 || r->count || r->chunk_off >= FILE_HDR_LEN + FRAME_LEN)
		return -EINVAL; /* (right after opening: the info chunk read, no event) */
	for (;;) { /* from frame to frame, over any damage, to the end of the file */
		ssize_t k = frame_at(r, off, h);

		if (k < 0)
			return -EIO;
		if (k == FRAME_LEN && frame_intact(h, seq, &s)) {
			last_off[n % TAIL_TRIES] = off;
			last_seq[n % TAIL_TRIES] = s;
			n++;
			off += FRAME_LEN + get32(h + 8);
			seq = s + 1;
			continue;
		}
		if (k < FRAME_LEN)
			break;
		off = find_frame(r, off + 1, seq, &s);
		if (off == UINT64_MAX)
			return -EIO;
	}
	for (i = 1; i <= TAIL_TRIES && (size_t)i <= n; i++) {
		size_t at = (n - (size_t)i) % TAIL_TRIES;
		struct event ev;
		uint64_t got = 0, max = 0;

		if (trace_reader_seek_chunk(r, last_off[at], last_seq[at], 0, 0))
			return -EIO;
		while (trace_reader_next(r, &ev) == 1) {
			got++;
			max = ev.ts > max ? ev.ts : max;
		}
		if (got) {
			*end = max;
			return 0;
		}
	}
	return -ENODATA;
}

/* Where reading goes on after the events returned so far. */
int trace_reader_resume_point(const struct trace_reader *r, struct trace_resume *at)
{
	bool info = r->chunk_off < FILE_HDR_LEN + FRAME_LEN; /* chunk 0: the info record only, read */

	if (r->state < 0 || (info && (r->count || r->p != r->end)))
		return -EINVAL;
	*at = info ? (struct trace_resume){ r->off, r->next_seq, r->ts, r->timed, 0, r->damaged }
		   : (struct trace_resume){ r->chunk_off, r->chunk_no, r->chunk_ts, r->chunk_timed,
					    r->count - r->chunk_count, r->damaged };
	return 0;
}

/* Goes on where a writer's resume point says. */
int trace_reader_resume(struct trace_reader *r, const struct trace_resume *at)
{
	struct event ev;
	uint64_t i;
	int e = trace_reader_seek_chunk(r, at->off, at->seq, at->ts, at->timed);

	if (!e)
		r->damaged = at->damaged; /* the chunks before it as they were read */
	for (i = 0; !e && i < at->skip; i++)
		if (trace_reader_next(r, &ev) != 1)
			e = -EIO;
	return e;
}
