/* The trace file writer (format version 1, docs/trace-format.md; the
 * reader is trace_read.c, the layout both share trace_format.h).
 *
 * A file is a 16-byte header followed by chunks. Each chunk is a 28-byte
 * frame (marker, sequence number, sizes, encoding, two crc32s) and a payload,
 * stored or raw-deflated: the length of part A, part A (records: varint
 * type, varint length, content), part B (the ts deltas of A's timed records,
 * kept apart so that the records compress well). The first chunk holds the
 * info record; the last one ends with the end record.
 */
#define ZLIB_CONST
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "mem.h"
#include "trace_format.h"
#include "trace_index.h"

/* The largest event record: type, length, and a content of at most 108 bytes. */
#define EVENT_REC_MAX 128
/* Room kept after the chunk target in the writer's buffer (an info record
 * is at most about 1.3 KiB, an end record 32 bytes). */
#define BUF_SLACK 2048

/* Returns the length of s if it is NUL-terminated within size bytes, else -1. */
static long str_len_within(const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	return n < size ? (long)n : -1;
}

/* ---------------------------------------------------------------- writer */

/* Room before part A in the writer's buffer for the payload's leading
 * varint (the length of part A). */
#define PREFIX_ROOM 10

struct trace_writer {
	int fd;
	int err;         /* first write error, sticky */
	int level;       /* deflate level, 0 = store */
	int z_ready;
	uint32_t ncpus;
	int32_t tid_base; /* thread ids are stored relative to the target pid */
	uint32_t seq;    /* number of the next chunk */
	uint8_t *buf;    /* PREFIX_ROOM, then part A, then room to append part B */
	uint8_t *a;      /* part A of the chunk being built: the records */
	size_t alen;
	size_t acap;
	uint8_t *tsb;    /* part B: the ts deltas of its timed records */
	size_t tslen;
	size_t tscap;
	size_t target;   /* write the chunk once alen + tslen reaches this */
	uint8_t *zbuf;   /* deflated payload */
	z_stream z;
	uint64_t last_ts; /* ts of the last event */
	uint64_t chunk_ts; /* the chunk's clock: 0 at its start, then its last ts */
	uint64_t count;
	uint64_t bytes;
	uint64_t clamped;
	uint64_t chunk_first; /* ts of the chunk's first event */
	uint64_t chunk_events; /* events in the chunk being built */
	uint64_t chunk_types; /* bit t: it holds an event of type t */
	struct trace_index_chunk *ix; /* the chunks written so far, for the index (drop-oldest: those on disk) */
	size_t nix, capix;
	bool no_index;   /* out of memory for it: the file ends without an index */
	bool drop_oldest; /* trace_writer_set_drop_oldest */
	uint64_t dropped_bytes;
	uint64_t dropped_until; /* ts of the oldest event still on disk, once some went */
	uint64_t written_ts; /* ts of the last event of the chunks written (or dropped) */
};

/* Writes all of iov, retrying short writes and EINTR. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = writev(fd, iov, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

/* The chunk being built is empty again (written, or dropped); its clock
 * starts at 0. */
static void chunk_reset(struct trace_writer *w)
{
	w->chunk_events = 0;
	w->chunk_types = 0;
	w->alen = 0;
	w->tslen = 0;
	w->chunk_ts = 0;
}

/* Fills a chunk frame: marker, sequence, sizes, encoding, the payload's
 * crc and the frame's own. */
static void put_frame(uint8_t *hdr, uint32_t seq, uint32_t stored, uint32_t raw, int enc, uint32_t payload_crc)
{
	memcpy(hdr, chunk_magic, 4);
	put32(hdr + 4, seq);
	put32(hdr + 8, stored);
	put32(hdr + 12, raw);
	hdr[16] = (uint8_t)enc;
	hdr[17] = hdr[18] = hdr[19] = 0;
	put32(hdr + 20, payload_crc);
	put32(hdr + 24, (uint32_t)crc32(0, hdr, 24));
}

/* A drop-oldest writer writes no index and needs its list only to find
 * chunk starts to free up to: past DROP_LIST_MAX chunks it keeps every
 * other one (the oldest and the newest always), so that a live view's
 * history, hours of 64 KiB chunks, keeps a list of bounded size. */
#define DROP_LIST_MAX 4096

/* Keeps the oldest entry (where the next hole starts) and every other one
 * after it, counting back from the newest. */
static void thin_list(struct trace_writer *w)
{
	size_t i, k = 1;

	for (i = 1 + (w->nix % 2); i < w->nix; i += 2)
		w->ix[k++] = w->ix[i];
	w->nix = k;
}

/* The disk is full: gives the older half of the event chunks still on disk
 * back to the file system (a hole: the file keeps its size and its later
 * chunks their offsets; readers skip the hole as missing chunks), and puts
 * the write position back where the failed write began. Returns 0, or
 * -ENOSPC when nothing can go (no older chunk, holes unsupported). */
static int drop_oldest_half(struct trace_writer *w)
{
	size_t half = w->nix / 2; /* the last entry is the chunk being written */
	uint64_t from, to;

	if (w->no_index || half == 0 || ftruncate(w->fd, (off_t)w->bytes) ||
	    lseek(w->fd, (off_t)w->bytes, SEEK_SET) < 0)
		return -ENOSPC;
	from = w->ix[0].off;
	to = w->ix[half].off;
	if (fallocate(w->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from)))
		return -ENOSPC;
	w->dropped_bytes += to - from;
	w->dropped_until = w->ix[half].first_ts;
	memmove(w->ix, w->ix + half, (w->nix - half) * sizeof(*w->ix)); /* the index lists what is left */
	w->nix -= half;
	return 0;
}

/* The disk is full and no older chunk is left to free: forgets the chunk
 * being written (the file is cut back to before it), so that the disk
 * keeps nothing before its last event, and the writer writes on. Returns
 * 0, or -ENOSPC when the file cannot be cut back. */
static int drop_this_chunk(struct trace_writer *w)
{
	if (ftruncate(w->fd, (off_t)w->bytes) || lseek(w->fd, (off_t)w->bytes, SEEK_SET) < 0)
		return -ENOSPC;
	if (w->nix && !w->no_index && w->ix[w->nix - 1].off == w->bytes)
		w->nix--;
	w->dropped_until = w->last_ts + 1;
	w->written_ts = w->last_ts;
	chunk_reset(w);
	return 0;
}

/* Assembles the payload (length of A, A, B), compresses it if that pays,
 * and writes it as one chunk. */
static int write_chunk(struct trace_writer *w, int level)
{
	uint8_t hdr[FRAME_LEN], pre[PREFIX_ROOM];
	const uint8_t *payload;
	size_t plen, raw, stored;
	int enc = ENC_STORED;
	int rc;

	if (w->err)
		return w->err;
	if (w->alen == 0)
		return 0;
	plen = (size_t)(put_uvarint(pre, w->alen) - pre);
	memcpy(w->a - plen, pre, plen);
	memcpy(w->a + w->alen, w->tsb, w->tslen);
	payload = w->a - plen;
	raw = stored = plen + w->alen + w->tslen;
	if (level > 0) {
		if (!w->z_ready) {
			memset(&w->z, 0, sizeof w->z);
			if (deflateInit2(&w->z, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
				return w->err = -ENOMEM;
			w->z_ready = 1;
		} else if (deflateReset(&w->z) != Z_OK) {
			return w->err = -EIO;
		}
		w->z.next_in = payload;
		w->z.avail_in = (uInt)raw;
		w->z.next_out = w->zbuf;
		w->z.avail_out = (uInt)(raw - 1); /* only worth it if smaller */
		if (deflate(&w->z, Z_FINISH) == Z_STREAM_END) {
			payload = w->zbuf;
			stored = w->z.total_out;
			enc = ENC_DEFLATE;
		}
	}
	put_frame(hdr, w->seq, (uint32_t)stored, (uint32_t)raw, enc, (uint32_t)crc32(0, payload, (uInt)stored));

	const struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = FRAME_LEN },
		{ .iov_base = (void *)payload, .iov_len = stored },
	};
	struct iovec first[2] = { iov[0], iov[1] };

	if (w->chunk_events && !w->no_index) {
		struct trace_index_chunk c = { w->bytes, w->seq, w->chunk_first, w->chunk_ts, w->chunk_events,
					       w->chunk_types };

		if (w->drop_oldest && w->nix >= DROP_LIST_MAX)
			thin_list(w);
		if (VEC_RESERVE(w->ix, w->capix, w->nix + 1))
			w->no_index = true; /* readers rebuild it; no chunk can be dropped from here on */
		else
			w->ix[w->nix++] = c;
	}
	rc = write_all(w->fd, first, 2);
	while ((rc == -ENOSPC || rc == -EDQUOT) && w->drop_oldest && drop_oldest_half(w) == 0) {
		struct iovec again[2] = { iov[0], iov[1] };

		rc = write_all(w->fd, again, 2);
	}
	if ((rc == -ENOSPC || rc == -EDQUOT) && w->drop_oldest && w->nix <= 1 && !w->no_index &&
	    drop_this_chunk(w) == 0)
		return 0; /* nothing older left to free: this chunk goes, the writer lives on */
	if (rc)
		return w->err = rc;
	w->bytes += FRAME_LEN + stored;
	w->seq++;
	w->written_ts = w->last_ts;
	chunk_reset(w);
	return 0;
}

/* Appends an untimed record with the given content to part A (which the
 * caller made sure has room). */
static void put_record(struct trace_writer *w, uint64_t type, const uint8_t *body, size_t blen)
{
	uint8_t *p = w->a + w->alen;

	p = put_uvarint(p, type);
	p = put_uvarint(p, blen);
	memcpy(p, body, blen);
	w->alen = (size_t)(p + blen - w->a);
}

/* Appends s as a string (varint length, bytes); returns the byte after it. */
static uint8_t *put_string(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	p = put_uvarint(p, n);
	memcpy(p, s, n);
	return p + n;
}

/* (Re)allocates the buffers, which must be empty, for a chunk target of
 * target bytes; on failure the old ones stay. */
static int writer_buffers(struct trace_writer *w, size_t target)
{
	size_t part = target + BUF_SLACK;
	size_t total = PREFIX_ROOM + 2 * part;
	uint8_t *b = malloc(total), *ts = malloc(part), *z = malloc(total);

	if (!b || !ts || !z) {
		free(b);
		free(ts);
		free(z);
		return -ENOMEM;
	}
	free(w->buf);
	free(w->tsb);
	free(w->zbuf);
	w->buf = b;
	w->a = b + PREFIX_ROOM;
	w->tsb = ts;
	w->zbuf = z;
	w->acap = part;
	w->tscap = part;
	w->target = target;
	return 0;
}

/* Whether info can be written: CPU count in range, strings terminated. */
static int info_valid(const struct trace_info *info)
{
	return info->ncpus >= 1 && info->ncpus <= TRACE_MAX_CPUS &&
	       str_len_within(info->host, sizeof info->host) >= 0 &&
	       str_len_within(info->kernel, sizeof info->kernel) >= 0 &&
	       str_len_within(info->clock, sizeof info->clock) >= 0 &&
	       str_len_within(info->command, sizeof info->command) >= 0 &&
	       str_len_within(info->version, sizeof info->version) >= 0;
}

/* Frees a writer without writing anything more. */
static void writer_free(struct trace_writer *w)
{
	if (w->z_ready)
		deflateEnd(&w->z);
	free(w->buf);
	free(w->tsb);
	free(w->zbuf);
	free(w->ix);
	free(w);
}

/* Writes the header and the info record as chunk 0 to fd, which it owns. */
int trace_writer_new_fd(struct trace_writer **out, int fd, const struct trace_info *info)
{
	struct trace_writer *w;
	uint8_t hdr[FILE_HDR_LEN];
	uint8_t body[1400], *p = body;
	struct iovec iov;
	int rc;

	*out = NULL;
	if (!info_valid(info)) {
		close(fd);
		return -EINVAL;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	w->fd = fd;
	w->level = TRACE_LEVEL_DEFAULT;
	w->ncpus = info->ncpus;
	w->tid_base = info->target_pid;
	rc = writer_buffers(w, TRACE_CHUNK_DEFAULT);
	if (rc)
		goto fail;

	memcpy(hdr, file_magic, 8);
	put16(hdr + 8, TRACE_VERSION);
	put16(hdr + 10, TRACE_MINOR);
	put32(hdr + 12, (uint32_t)crc32(0, hdr, 12));
	iov.iov_base = hdr;
	iov.iov_len = sizeof hdr;
	rc = write_all(w->fd, &iov, 1);
	if (rc)
		goto fail;
	w->bytes = FILE_HDR_LEN;

	p = put_uvarint(p, info->ncpus);
	p = put_uvarint(p, info->start_realtime_ns);
	p = put_uvarint(p, info->start_monotonic_ns);
	p = put_uvarint(p, zigzag(info->target_pid));
	p = put_string(p, info->host);
	p = put_string(p, info->kernel);
	p = put_string(p, info->clock);
	p = put_string(p, info->command);
	p = put_string(p, info->version);
	p = put_uvarint(p, info->started ? TRACE_INFO_STARTED : 0); /* flags, since minor 3 */
	put_record(w, REC_INFO, body, (size_t)(p - body));
	rc = write_chunk(w, 0); /* stored: `strings` shows the header */
	if (rc)
		goto fail;
	*out = w;
	return 0;
fail:
	close(w->fd);
	writer_free(w);
	return rc;
}

/* Creates the file at path (never through a symlink) and starts it. */
int trace_writer_new(struct trace_writer **out, const char *path, const struct trace_info *info)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

	*out = NULL;
	if (fd < 0)
		return -errno;
	return trace_writer_new_fd(out, fd, info);
}

/* Sets the deflate level for the chunks to come. */
int trace_writer_set_compression(struct trace_writer *w, int level)
{
	if (level < 0 || level > 9)
		return -EINVAL;
	if (w->z_ready && level != w->level) {
		deflateEnd(&w->z);
		w->z_ready = 0;
	}
	w->level = level;
	return 0;
}

/* Sets the chunk size target; flushes the buffered events first. */
int trace_writer_set_chunk_size(struct trace_writer *w, size_t bytes)
{
	int rc;

	if (bytes < TRACE_CHUNK_MIN || bytes > TRACE_CHUNK_MAX / 2)
		return -EINVAL;
	rc = trace_writer_flush(w);
	if (rc)
		return rc;
	return writer_buffers(w, bytes);
}

/* Writes an optional field of a record: its varint at p and its bit in
 * *mask when present. Returns where the record goes on. */
static inline uint8_t *put_field(uint8_t *p, unsigned *mask, unsigned bit, bool present, uint64_t v)
{
	if (!present)
		return p;
	*mask |= bit;
	return put_uvarint(p, v);
}

/* Encodes one event: its record into part A, its ts delta into part B. */
int trace_writer_add(struct trace_writer *w, const struct event *ev)
{
	uint8_t *rec, *body, *p;
	unsigned mask = 0;
	uint64_t ts = ev->ts;
	long tlen;

	if (w->err)
		return w->err;
	if (ev->type < 1 || ev->type >= EVENT_TYPE_MAX || ev->cpu >= w->ncpus)
		return -EINVAL;
	tlen = str_len_within(ev->text, EVENT_TEXT_MAX);
	if (tlen < 0)
		return -EINVAL;
	if (w->alen + EVENT_REC_MAX > w->acap || w->tslen + 10 > w->tscap) {
		int rc = write_chunk(w, w->level);
		if (rc)
			return rc;
	}
	if (ts < w->last_ts) {
		ts = w->last_ts;
		w->clamped++;
	}

	rec = w->a + w->alen;
	rec[0] = (uint8_t)ev->type; /* < 64: one byte */
	body = rec + 2;
	p = body + (tlen > 0 || ev->op ? 2 : 1); /* the mask goes first; 2 bytes past bit 6 */
	p = put_field(p, &mask, F_CPU, ev->cpu != 0, ev->cpu);
	p = put_field(p, &mask, F_TID, ev->tid != 0, zigzag((int64_t)ev->tid - w->tid_base));
	p = put_field(p, &mask, F_TGID, ev->tgid != ev->tid, zigzag((int64_t)ev->tgid - ev->tid));
	p = put_field(p, &mask, F_TID2, ev->tid2 != 0, zigzag((int64_t)ev->tid2 - w->tid_base));
	p = put_field(p, &mask, F_TGID2, ev->tgid2 != ev->tid2, zigzag((int64_t)ev->tgid2 - ev->tid2));
	p = put_field(p, &mask, F_ARG, ev->arg != 0, zigzag(ev->arg));
	p = put_field(p, &mask, F_ARG2, ev->arg2 != 0, zigzag(ev->arg2));
	if (tlen > 0) {
		mask |= F_TEXT;
		*p++ = (uint8_t)tlen; /* < 64 */
		memcpy(p, ev->text, (size_t)tlen);
		p += tlen;
	}
	p = put_field(p, &mask, F_OP, ev->op != 0, ev->op);
	if (mask & (F_TEXT | F_OP)) {
		body[0] = (uint8_t)(mask | 0x80); /* a two-byte varint */
		body[1] = (uint8_t)(mask >> 7);
	} else {
		body[0] = (uint8_t)mask;
	}
	rec[1] = (uint8_t)(p - body); /* at most 108: one length byte */
	w->alen = (size_t)(p - w->a);
	w->tslen = (size_t)(put_uvarint(w->tsb + w->tslen, ts - w->chunk_ts) - w->tsb);
	if (!w->chunk_events++)
		w->chunk_first = ts;
	w->chunk_types |= (uint64_t)1 << ev->type;
	w->chunk_ts = ts;
	w->last_ts = ts;
	w->count++;
	if (w->alen + w->tslen >= w->target)
		return write_chunk(w, w->level);
	return 0;
}

/* Writes the buffered events as a chunk now. */
int trace_writer_flush(struct trace_writer *w)
{
	return write_chunk(w, w->level);
}

/* Writes the index chunk after the end record's chunk (format 1.4): a
 * stored chunk holding the index record, whose content ends with the
 * trailer that is also the file's last 16 bytes. Nothing when the index
 * could not be kept or would not fit in a chunk: readers rebuild it. */
static int write_index(struct trace_writer *w, uint64_t end_ts)
{
	uint8_t hdr[FRAME_LEN], pre[30], *body, *p;
	size_t blen, plen;
	int rc;

	if (w->no_index)
		return 0;
	rc = trace_index_encode(w->ix, w->nix, end_ts, w->count, w->bytes, &body, &blen);
	if (rc)
		return rc == -ENOMEM ? 0 : rc;
	p = put_uvarint(pre + 10, REC_INDEX);
	p = put_uvarint(p, blen);
	plen = (size_t)(p - (pre + 10)) + blen; /* part A: the record; part B: empty */
	if (plen + 10 > TRACE_CHUNK_MAX) {
		free(body);
		return 0;
	}
	{
		uint8_t a[10], *q = put_uvarint(a, plen);
		size_t alen = (size_t)(q - a), rlen = (size_t)(p - (pre + 10));
		uint32_t crc;

		memmove(pre + alen, pre + 10, rlen);
		memcpy(pre, a, alen);
		crc = (uint32_t)crc32(0, pre, (uInt)(alen + rlen));
		crc = (uint32_t)crc32(crc, body, (uInt)blen);
		put_frame(hdr, w->seq, (uint32_t)(alen + plen), (uint32_t)(alen + plen), ENC_STORED, crc);

		struct iovec iov[3] = {
			{ .iov_base = hdr, .iov_len = FRAME_LEN },
			{ .iov_base = pre, .iov_len = alen + rlen },
			{ .iov_base = body, .iov_len = blen },
		};
		rc = write_all(w->fd, iov, 3);
		if (!rc) {
			w->bytes += FRAME_LEN + alen + plen;
			w->seq++;
		}
	}
	free(body);
	return rc;
}

/* Ends the file with the end record and the index, closes it, frees the
 * writer. */
int trace_writer_close(struct trace_writer *w, uint64_t end_ts)
{
	uint8_t body[32], *p = body;
	bool dropping;
	int rc;

	if (!w)
		return -EINVAL;
	/* a drop-oldest writer drops nothing more now: its user was told
	 * before each write what the disk keeps, and is not after this one;
	 * nor does it write an index, whose list would lack what went */
	dropping = w->drop_oldest;
	w->drop_oldest = false;
	rc = w->err;
	if (!rc && w->alen + 64 > w->acap)
		rc = write_chunk(w, w->level);
	if (!rc) {
		if (end_ts < w->last_ts)
			end_ts = w->last_ts;
		p = put_uvarint(p, end_ts);
		p = put_uvarint(p, w->count);
		p = put_uvarint(p, w->clamped);
		put_record(w, REC_END, body, (size_t)(p - body));
		rc = write_chunk(w, w->level);
	}
	if (!rc && !dropping)
		rc = write_index(w, end_ts);
	if (close(w->fd) < 0 && !rc)
		rc = -errno;
	writer_free(w);
	return rc;
}


/* Where a reader goes on after the events given so far. */
int trace_writer_resume_point(const struct trace_writer *w, struct trace_resume *at)
{
	if (w->err)
		return w->err;
	at->off = w->bytes;
	at->seq = w->seq;
	at->ts = w->written_ts;
	at->timed = w->count - w->chunk_events;
	at->skip = w->chunk_events;
	at->damaged = 0;
	return 0;
}

/* Events added so far. */
uint64_t trace_writer_count(const struct trace_writer *w)
{
	return w->count;
}

/* Bytes written to the file so far. */
uint64_t trace_writer_bytes(const struct trace_writer *w)
{
	return w->bytes;
}

/* Events whose ts was raised to keep the file in time order. */
uint64_t trace_writer_clamped(const struct trace_writer *w)
{
	return w->clamped;
}

/* Lets the writer free its oldest chunks when the disk is full. */
int trace_writer_set_drop_oldest(struct trace_writer *w, bool on)
{
	w->drop_oldest = on;
	return 0;
}

/* Bytes of old chunks given back to a full disk. */
uint64_t trace_writer_dropped_bytes(const struct trace_writer *w)
{
	return w->dropped_bytes;
}

/* The ts of the oldest event left on disk once chunks were dropped, else 0. */
uint64_t trace_writer_dropped_until(const struct trace_writer *w)
{
	return w->dropped_until;
}
