/* The trace file reader (format version 1, docs/trace-format.md): every
 * file is untrusted input, checked chunk by chunk before any record of it is
 * used; damage is reported with its place, or skipped when the caller asks
 * (trace_reader_skip_damaged). The layout is in trace_format.h; finding
 * frames past damage, seeking and resuming are trace_seek.c's.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libdeflate.h>

#include "trace_format.h"

#include "trace_read_int.h"

/* Records an error (sticky) with its message; returns code. */
__attribute__((format(printf, 3, 4)))
static int fail(struct trace_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->state = code;
	return code;
}

/* Reports a malformed record of the current chunk, naming where it starts. */
__attribute__((format(printf, 3, 4)))
static int rec_fail(struct trace_reader *r, const uint8_t *rec, const char *fmt, ...)
{
	char what[320];
	size_t at = (size_t)(rec - r->base);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (r->chunk_enc == ENC_STORED)
		return fail(r, -EBADMSG, "chunk %u at byte %llu: record at byte %llu: %s",
			    r->chunk_no, (unsigned long long)r->chunk_off,
			    (unsigned long long)(r->chunk_off + FRAME_LEN + at), what);
	return fail(r, -EBADMSG, "chunk %u at byte %llu: record at byte %zu of the decompressed payload: %s",
		    r->chunk_no, (unsigned long long)r->chunk_off, at, what);
}

/* Grows *buf to at least need bytes (callers bound need by TRACE_CHUNK_MAX). */
int trace_read_grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	uint8_t *b;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	b = realloc(*buf, n);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = n;
	return 0;
}

/* Makes up to n bytes at r->off available at *ptr (read into dst for a
 * file; pointing into the buffer for memory); returns how many (fewer at the
 * end of the file), or -1 with errno set on a read error. The caller
 * advances r->off. */
static ssize_t src_fetch(struct trace_reader *r, size_t n, uint8_t *dst, const uint8_t **ptr)
{
	size_t got = 0;

	if (r->fd < 0) {
		size_t avail = r->off < r->mem_len ? r->mem_len - (size_t)r->off : 0;
		*ptr = avail ? r->mem + r->off : dst;
		return (ssize_t)(n < avail ? n : avail);
	}
	while (got < n) {
		ssize_t k = read(r->fd, dst + got, n - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	*ptr = dst;
	return (ssize_t)got;
}

/* Inflates the current chunk's stored payload (stored bytes at pl) into
 * r->rbuf, which must come out exactly raw bytes long, the deflate stream
 * ending at the last stored byte. */
static int inflate_payload(struct trace_reader *r, const uint8_t *pl, uint32_t stored, uint32_t raw)
{
	unsigned long long atl = (unsigned long long)r->chunk_off;
	uint32_t no = r->chunk_no;
	size_t in = 0, out = 0;
	enum libdeflate_result lr;

	if (trace_read_grow(&r->rbuf, &r->rcap, raw))
		return fail(r, -ENOMEM, "chunk %u at byte %llu: out of memory", no, atl);
	if (!r->dz && !(r->dz = libdeflate_alloc_decompressor()))
		return fail(r, -ENOMEM, "chunk %u at byte %llu: out of memory for the decompressor", no, atl);
	lr = libdeflate_deflate_decompress_ex(r->dz, pl, stored, r->rbuf, raw, &in, &out);
	if (lr != LIBDEFLATE_SUCCESS || in != stored || out != raw)
		return fail(r, -EBADMSG, "chunk %u at byte %llu: payload does not decompress to the %u bytes its header declares (%s)",
			    no, atl, raw,
			    lr == LIBDEFLATE_BAD_DATA ? "invalid deflate data" :
			    lr == LIBDEFLATE_INSUFFICIENT_SPACE ? "data is too long" :
			    lr != LIBDEFLATE_SUCCESS ? "data ends early" :
			    in != stored ? "bytes after the end of the deflate stream" : "data ends early");
	return 0;
}

/* Reads, checks and decompresses the next chunk; makes its records current. */
static int load_chunk(struct trace_reader *r)
{
	uint8_t hb[FRAME_LEN];
	const uint8_t *h, *pl;
	uint64_t at = r->off;
	uint32_t no = r->next_seq, stored, raw, gap = 0;
	unsigned long long atl = (unsigned long long)at;
	ssize_t got;
	int enc;

	r->chunk_off = at;
	r->chunk_no = no;
	r->chunk_end = 0;
	r->chunk_loaded = 0;
	r->chunk_ts = r->ts;
	r->chunk_timed = r->timed;
	r->chunk_count = r->count;
	got = src_fetch(r, FRAME_LEN, hb, &h);
	if (got < 0)
		return fail(r, -EIO, "chunk %u at byte %llu: read error: %s", no, atl, strerror(errno));
	if (got == 0) {
		if (no == 0)
			return fail(r, -ENODATA, "truncated at byte %llu: the file ends before its info record", atl);
		if (r->damaged)
			return fail(r, -ENODATA, "truncated at byte %llu: the file ends without an end record", atl);
		return fail(r, -ENODATA,
			    "truncated at byte %llu: the file ends after chunk %u without an end record "
			    "(the recording was cut off; every complete chunk was read)", atl, no - 1);
	}
	if (got < FRAME_LEN)
		return fail(r, -ENODATA, "chunk %u at byte %llu: truncated: the file ends at byte %llu, inside the chunk header",
			    no, atl, atl + (unsigned long long)got);
	if (memcmp(h, chunk_magic, 4))
		return fail(r, -EBADMSG, "chunk %u at byte %llu: no chunk marker (\"CTCK\") there", no, atl);
	if (get32(h + 24) != libdeflate_crc32(0, h, 24))
		return fail(r, -EBADMSG, "chunk %u at byte %llu: chunk header checksum mismatch", no, atl);
	stored = get32(h + 8);
	raw = get32(h + 12);
	enc = h[16];
	if (stored <= TRACE_CHUNK_MAX)
		r->chunk_end = at + FRAME_LEN + stored; /* a damaged payload can be stepped over */
	if (get32(h + 4) != no && (!r->skip_damaged || get32(h + 4) < no))
		return fail(r, -EBADMSG, "chunk %u at byte %llu: sequence number %u where %u was expected (a chunk is missing or repeated)",
			    no, atl, get32(h + 4), no);
	if (get32(h + 4) != no) { /* chunks are missing: say so once this one is read */
		gap = get32(h + 4) - no;
		no = r->chunk_no = get32(h + 4);
	}
	r->next_seq = no + 1; /* also when this chunk turns out damaged */
	if (stored > TRACE_CHUNK_MAX || raw > TRACE_CHUNK_MAX)
		return fail(r, -EBADMSG, "chunk %u at byte %llu: payload of %u bytes (%u uncompressed) exceeds the limit of %u",
			    no, atl, stored, raw, TRACE_CHUNK_MAX);
	if (enc != ENC_STORED && enc != ENC_DEFLATE)
		return fail(r, -EPROTONOSUPPORT, "chunk %u at byte %llu: unknown chunk encoding %d (written by a newer conctop?)",
			    no, atl, enc);
	if (enc == ENC_STORED && stored != raw)
		return fail(r, -EBADMSG, "chunk %u at byte %llu: stored chunk with payload %u bytes but raw size %u",
			    no, atl, stored, raw);
	r->off += FRAME_LEN;

	if (r->fd >= 0) {
		uint8_t **buf = enc == ENC_STORED ? &r->rbuf : &r->sbuf;
		size_t *cap = enc == ENC_STORED ? &r->rcap : &r->scap;
		if (trace_read_grow(buf, cap, stored))
			return fail(r, -ENOMEM, "chunk %u at byte %llu: out of memory", no, atl);
		got = src_fetch(r, stored, *buf, &pl);
	} else {
		got = src_fetch(r, stored, r->rbuf, &pl);
	}
	if (got < 0)
		return fail(r, -EIO, "chunk %u at byte %llu: read error: %s", no, atl, strerror(errno));
	if ((size_t)got < stored)
		return fail(r, -ENODATA, "chunk %u at byte %llu: truncated: the file ends at byte %llu, %u bytes into a %u-byte payload",
			    no, atl, (unsigned long long)(r->off + (uint64_t)got), (unsigned)got, stored);
	if (get32(h + 20) != libdeflate_crc32(0, pl, stored))
		return fail(r, -EBADMSG, "chunk %u at byte %llu: payload checksum mismatch", no, atl);
	r->off += stored;

	if (enc == ENC_DEFLATE) {
		int rc = inflate_payload(r, pl, stored, raw);

		if (rc)
			return rc;
		pl = r->rbuf;
	}
	r->base = r->p = pl;
	r->cts = 0;
	r->chunk_enc = enc;
	r->next_seq = no + 1;
	/* payload: varint length of part A, part A (records), part B (ts deltas) */
	uint64_t alen;
	if (get_uvarint(&r->p, pl + raw, &alen) || alen > (uint64_t)(pl + raw - r->p))
		return fail(r, -EBADMSG, "chunk %u at byte %llu: the payload does not start with the length of its record part",
			    no, atl);
	r->end = r->p + alen;
	r->tp = r->end;
	r->tend = pl + raw;
	r->chunk_loaded = 1;
	if (gap) {
		r->damaged++;
		snprintf(r->err, sizeof r->err, "chunk %u at byte %llu: %u chunk%s before it %s missing (numbers %u to %u)",
			 no, atl, gap, gap > 1 ? "s" : "", gap > 1 ? "are" : "is", no - gap, no - 1);
		return TRACE_DAMAGED;
	}
	return 0;
}

/* Reads a record's type and length at r->p and consumes it; *body..*bend is
 * its body. */
static inline int next_record(struct trace_reader *r, uint64_t *type, const uint8_t **body, const uint8_t **bend)
{
	const uint8_t *p = r->p, *end = r->end;
	uint64_t len;

	*type = 0;
	*body = *bend = p;
	if (end - p >= 2 && p[0] < 0x80 && p[1] < 0x80) {
		*type = p[0];
		len = p[1];
		p += 2;
	} else if (get_uvarint(&p, end, type) || get_uvarint(&p, end, &len)) {
		return rec_fail(r, r->p, "record header cut off by the end of the chunk");
	}
	if (len > (uint64_t)(end - p))
		return rec_fail(r, r->p, "record length %llu runs past the end of the chunk (%zu bytes left)",
				(unsigned long long)len, (size_t)(end - p));
	if (*type == 0)
		return rec_fail(r, r->p, "record type 0");
	*body = p;
	*bend = p + len;
	return 0;
}

/* Reads a string into dst (size bytes with its NUL); -1 if too long, cut
 * short, or holding a NUL. */
static int get_string(const uint8_t **pp, const uint8_t *end, char *dst, size_t size)
{
	uint64_t n;

	if (get_uvarint(pp, end, &n) || n >= size || n > (uint64_t)(end - *pp) || memchr(*pp, 0, n))
		return -1;
	memcpy(dst, *pp, n);
	dst[n] = 0;
	*pp += n;
	return 0;
}

/* Parses the info record, the first record of chunk 0. */
static int read_info(struct trace_reader *r)
{
	struct trace_info *in = &r->info;
	const uint8_t *rec = r->p, *p, *end;
	uint64_t type, ncpus, flags;
	int64_t pid;
	int rc;

	rc = next_record(r, &type, &p, &end);
	if (rc)
		return rc;
	if (type != REC_INFO)
		return rec_fail(r, rec, "the first record is of type %llu, not the info record", (unsigned long long)type);
	r->p = end;
	if (get_uvarint(&p, end, &ncpus) || get_uvarint(&p, end, &in->start_realtime_ns) ||
	    get_uvarint(&p, end, &in->start_monotonic_ns) || get_svarint(&p, end, &pid))
		return rec_fail(r, rec, "info record cut short");
	if (ncpus < 1 || ncpus > TRACE_MAX_CPUS)
		return rec_fail(r, rec, "info record declares %llu CPUs (1 to %d allowed)", (unsigned long long)ncpus, TRACE_MAX_CPUS);
	if (!fits32(pid))
		return rec_fail(r, rec, "info record: target pid %lld out of range", (long long)pid);
	in->ncpus = (uint32_t)ncpus;
	in->target_pid = (int32_t)pid;
	if (get_string(&p, end, in->host, sizeof in->host))
		return rec_fail(r, rec, "info record: bad host name");
	if (get_string(&p, end, in->kernel, sizeof in->kernel))
		return rec_fail(r, rec, "info record: bad kernel release");
	if (get_string(&p, end, in->clock, sizeof in->clock))
		return rec_fail(r, rec, "info record: bad clock name");
	if (get_string(&p, end, in->command, sizeof in->command))
		return rec_fail(r, rec, "info record: bad command");
	if (get_string(&p, end, in->version, sizeof in->version))
		return rec_fail(r, rec, "info record: bad version");
	/* flags since minor 3; before, a target_pid of 0 said conctop started the program */
	in->started = in->target_pid == 0;
	if (p < end) {
		if (get_uvarint(&p, end, &flags))
			return rec_fail(r, rec, "info record: bad flags");
		in->started = (flags & TRACE_INFO_STARTED) != 0;
	}
	/* fields appended by later revisions end at the record's length */
	return 0;
}

/* Whether the first n bytes of a file are printable text (tabs and
 * newlines too): an import's input given to a command that reads traces. */
static bool looks_like_text(const uint8_t *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((h[i] < 0x20 && h[i] != '\t' && h[i] != '\n' && h[i] != '\r') || h[i] == 0x7f)
			return false;
	return n > 0;
}

/* Reads the file header, chunk 0 and the info record. */
static int reader_start(struct trace_reader *r)
{
	uint8_t hb[FILE_HDR_LEN];
	const uint8_t *h;
	ssize_t got = src_fetch(r, FILE_HDR_LEN, hb, &h);
	unsigned major;
	int rc;

	if (got < 0)
		return fail(r, -EIO, "read error at byte 0: %s", strerror(errno));
	if (got == 0)
		return fail(r, -ENODATA, "empty file (0 bytes): truncated at byte 0, before the trace header (not "
			    "a recording: conctop record writes the header first, and a recording cut off stays in "
			    "FILE.part)");
	if (memcmp(h, file_magic, (size_t)got < sizeof file_magic ? (size_t)got : sizeof file_magic))
		return fail(r, -EBADMSG, "not a conctop trace: bad magic number at byte 0%s",
			    looks_like_text(h, (size_t)got) ? " (it looks like text: the text of perf script, trace-cmd "
								"report or /sys/kernel/tracing/trace becomes a trace with "
								"'conctop import TEXT -o OUT.ctrace')" : "");
	if (got < FILE_HDR_LEN)
		return fail(r, -ENODATA, "truncated at byte %zd: the file ends inside its %d-byte header", got, FILE_HDR_LEN);
	major = get16(h + 8);
	if (major != TRACE_VERSION)
		return fail(r, -EPROTONOSUPPORT, "trace format version %u (byte 8) is not supported: this conctop reads version %d%s",
			    major, TRACE_VERSION, major > TRACE_VERSION ? "; the file was written by a newer conctop" : "");
	if (get32(h + 12) != libdeflate_crc32(0, h, 12))
		return fail(r, -EBADMSG, "file header checksum mismatch (bytes 0-15)");
	r->off = FILE_HDR_LEN;
	rc = load_chunk(r);
	if (rc)
		return rc;
	return read_info(r);
}

/* Allocates a reader with no source yet. */
static struct trace_reader *reader_alloc(void)
{
	struct trace_reader *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->fd = -1;
	if (trace_read_grow(&r->rbuf, &r->rcap, 4096)) {
		free(r);
		return NULL;
	}
	return r;
}

/* Opens a trace file and reads its header. */
int trace_reader_new(struct trace_reader **out, const char *path)
{
	struct trace_reader *r = reader_alloc();
	struct stat st;

	*out = r;
	if (!r)
		return -ENOMEM;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = errno;
		fail(r, -e, "cannot open: %s", strerror(e));
		return -e;
	}
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) /* (else its first read says "read error") */
		return fail(r, -EISDIR, "%s", strerror(EISDIR));
	return reader_start(r);
}

/* Opens a trace held in memory and reads its header. */
int trace_reader_new_mem(struct trace_reader **out, const void *buf, size_t len)
{
	struct trace_reader *r = reader_alloc();

	*out = r;
	if (!r)
		return -ENOMEM;
	r->mem = buf;
	r->mem_len = buf ? len : 0;
	return reader_start(r);
}

/* The trace's header information. */
const struct trace_info *trace_reader_info(const struct trace_reader *r)
{
	return &r->info;
}

/* Reads a thread id stored relative to base (present when has_tid, else 0)
 * and its process id stored relative to it (present when has_tgid, else
 * the same). Returns 0, -1 when cut short, -2 when out of 32 bits. */
static inline int get_ids(const uint8_t **pp, const uint8_t *end, uint64_t has_tid, uint64_t has_tgid, int64_t base,
			  int32_t *tid, int32_t *tgid)
{
	int64_t id = 0, pid, d;

	if (has_tid) {
		if (get_svarint(pp, end, &d))
			return -1;
		if (!add32(base, d, &id))
			return -2;
	}
	pid = id;
	if (has_tgid) {
		if (get_svarint(pp, end, &d))
			return -1;
		if (!add32(id, d, &pid))
			return -2;
	}
	*tid = (int32_t)id;
	*tgid = (int32_t)pid;
	return 0;
}

/* Reports an event record whose fields run past its length. */
static int cut_short(struct trace_reader *r, const uint8_t *rec, unsigned type)
{
	return rec_fail(r, rec, "%s event cut short by its record length", event_type_name(type));
}

/* Decodes the body of an event record (after its ts delta) into ev. With
 * text_kept, ev's text is as this reader leaves one (all zero after its
 * NUL), so an empty one need not be cleared. */
static inline __attribute__((always_inline)) int decode_event(struct trace_reader *r, const uint8_t *rec,
							      unsigned type, const uint8_t *p, const uint8_t *end,
							      struct event *ev, bool text_kept)
{
	uint64_t mask, v;
	int rc;

	/* field by field (a memset of the whole event compiled to a rep stos,
	 * a fifth of the decoding); the text all zero after its NUL, as
	 * readers promise (clearing its 64 bytes every time, when nearly no
	 * event has one, was a third of the read-ahead thread's time); the
	 * caller sets ev->ts once it decoded */
	ev->type = (uint16_t)type;
	ev->cpu = 0;
	ev->tid = ev->tgid = ev->tid2 = ev->tgid2 = 0;
	ev->arg = ev->arg2 = 0;
	ev->op = 0;
	if (!text_kept || ev->text[0])
		memset(ev->text, 0, sizeof(ev->text));
	if (get_uvarint(&p, end, &mask))
		goto cut;
	if (mask & F_CPU) {
		if (get_uvarint(&p, end, &v))
			goto cut;
		if (v >= r->info.ncpus)
			return rec_fail(r, rec, "%s event on cpu %llu, but the trace has %u CPUs",
					event_type_name(type), (unsigned long long)v, r->info.ncpus);
		ev->cpu = (uint16_t)v;
	}
	if ((rc = get_ids(&p, end, mask & F_TID, mask & F_TGID, r->info.target_pid, &ev->tid, &ev->tgid)) ||
	    (rc = get_ids(&p, end, mask & F_TID2, mask & F_TGID2, r->info.target_pid, &ev->tid2, &ev->tgid2)))
		return rc == -1 ? cut_short(r, rec, type) : rec_fail(r, rec, "%s event with a thread id out of range",
									event_type_name(type));
	if ((mask & F_ARG) && get_svarint(&p, end, &ev->arg))
		goto cut;
	if ((mask & F_ARG2) && get_svarint(&p, end, &ev->arg2))
		goto cut;
	if (mask & F_TEXT) {
		if (get_uvarint(&p, end, &v) || v > (uint64_t)(end - p))
			goto cut;
		if (v >= EVENT_TEXT_MAX)
			return rec_fail(r, rec, "%s event with a text of %llu bytes (at most %d)",
					event_type_name(type), (unsigned long long)v, EVENT_TEXT_MAX - 1);
		if (memchr(p, 0, v))
			return rec_fail(r, rec, "%s event text contains a NUL byte", event_type_name(type));
		memcpy(ev->text, p, v);
		p += v;
	}
	if (mask & F_OP) {
		if (get_uvarint(&p, end, &v))
			goto cut;
		if (v > UINT32_MAX)
			return rec_fail(r, rec, "%s event with op %llu out of range", event_type_name(type),
					(unsigned long long)v);
		ev->op = (uint32_t)v;
	}
	/* Fields added by later revisions (mask bits 9 and up) follow; the
	 * record's length skips them. */
	return 0;
cut:
	return cut_short(r, rec, type);
}

/* Parses the end record and checks it against what was read. */
static int read_end(struct trace_reader *r, const uint8_t *rec, const uint8_t *p, const uint8_t *end)
{
	uint64_t end_ts, n, clamped;

	if (get_uvarint(&p, end, &end_ts) || get_uvarint(&p, end, &n) || get_uvarint(&p, end, &clamped))
		return rec_fail(r, rec, "end record cut short");
	if (end_ts < r->ts)
		return rec_fail(r, rec, "end record ts %llu is before the last event's ts %llu",
				(unsigned long long)end_ts, (unsigned long long)r->ts);
	if (r->tp != r->tend)
		return rec_fail(r, r->tp, "%zu bytes of timestamps are left over after the chunk's last record",
				(size_t)(r->tend - r->tp));
	if (n != r->timed && !r->damaged) /* with chunks skipped, the count cannot be checked */
		return rec_fail(r, rec, "end record counts %llu events but the file holds %llu",
				(unsigned long long)n, (unsigned long long)r->timed);
	r->end_ts = end_ts;
	r->clamped = clamped;
	r->state = 1;
	return 0;
}

/* Reads the next event or the end record (see trace_reader_next);
 * text_kept as decode_event's. */
static inline __attribute__((always_inline)) int next_event(struct trace_reader *r, struct event *ev,
							    bool text_kept)
{
	const uint8_t *rec, *p, *end;
	uint64_t type, d;
	int rc;

	for (;;) {
		if (r->p == r->end) {
			if (r->tp != r->tend)
				return rec_fail(r, r->tp, "%zu bytes of timestamps are left over after the chunk's last record",
						(size_t)(r->tend - r->tp));
			rc = load_chunk(r);
			if (rc)
				return rc;
			continue;
		}
		rec = r->p;
		rc = next_record(r, &type, &p, &end);
		if (rc)
			return rc;
		r->p = end;
		if (REC_TIMED(type)) {
			if (get_uvarint(&r->tp, r->tend, &d))
				return rec_fail(r, rec, "record of type %llu (%s): its timestamp is missing from the chunk's ts part or malformed",
						(unsigned long long)type, event_type_name((unsigned)type));
			if (d > UINT64_MAX - r->cts)
				return rec_fail(r, rec, "timestamp overflows 64 bits");
			r->cts += d;
			if (r->cts < r->ts)
				return rec_fail(r, rec, "timestamp %llu is earlier than the previous one, %llu",
						(unsigned long long)r->cts, (unsigned long long)r->ts);
			r->timed++;
			if (type < EVENT_TYPE_MAX) {
				rc = decode_event(r, rec, (unsigned)type, p, end, ev, text_kept);
				if (rc)
					return rc;
				r->ts = r->cts;
				ev->ts = r->ts;
				r->count++;
				return 1;
			}
			r->ts = r->cts;
			continue; /* an event type from a later version */
		}
		if (type == REC_END)
			return read_end(r, rec, p, end);
		if (type == REC_INFO)
			return rec_fail(r, rec, "a second info record");
		/* an untimed record type from a later version: skipped */
	}
}

/* Returns the next event, skipping records it does not know (and damaged
 * chunks, when asked to). */
int trace_reader_next(struct trace_reader *r, struct event *ev)
{
	int rc;

	if (r->state)
		return r->state > 0 ? 0 : r->state;
	rc = next_event(r, ev, false);
	return rc < 0 ? trace_read_skip_damage(r, rc) : rc;
}

/* Reads events into ev[0..max) while they come (see trace_reader_many).
 * One loop around next_event rather than a call per event: it is the
 * read-ahead thread's loop, the slower of a load's two threads. Aligned
 * to a cache line: where that loop fell once moved a whole load by 14 %
 * (`conctop report` of 10 M events 0.495 s -> 0.568 s; aligned, 0.501 s). */
static __attribute__((aligned(64))) int next_events(struct trace_reader *r, struct event *ev, unsigned max,
						      unsigned *n)
{
	unsigned i = 0;
	int rc = 1;

	while (i < max && (rc = next_event(r, &ev[i], true)) == 1)
		i++;
	*n = i;
	return rc;
}

/* Reads up to max events into ev (see trace.h). */
int trace_reader_many(struct trace_reader *r, struct event *ev, unsigned max, unsigned *n)
{
	int rc;

	*n = 0;
	if (r->state)
		return r->state > 0 ? 0 : r->state;
	rc = next_events(r, ev, max, n);
	return rc < 0 ? trace_read_skip_damage(r, rc) : rc;
}

/* Bytes of the file read so far (whole chunks). */
uint64_t trace_reader_offset(const struct trace_reader *r)
{
	return r->off;
}

/* Skips damaged chunks from now on. */
void trace_reader_skip_damaged(struct trace_reader *r)
{
	r->skip_damaged = 1;
}

/* Damaged stretches skipped so far. */
uint64_t trace_reader_damaged(const struct trace_reader *r)
{
	return r->damaged;
}

/* What went wrong, and where. */
const char *trace_reader_error(const struct trace_reader *r)
{
	return r ? r->err : "out of memory";
}

/* The trace's end ts (end record), or the last event's. */
uint64_t trace_reader_end_ts(const struct trace_reader *r)
{
	return r->state == 1 ? r->end_ts : r->ts;
}

/* Events returned so far. */
uint64_t trace_reader_count(const struct trace_reader *r)
{
	return r->count;
}

/* The writer's count of clamped out-of-order events. */
uint64_t trace_reader_clamped(const struct trace_reader *r)
{
	return r->clamped;
}

/* ---------------------------------------------- seeking by the chunk index */

/* The chunk the last event came from. */
void trace_reader_chunk(const struct trace_reader *r, uint64_t *off, uint32_t *seq)
{
	*off = r->chunk_off;
	*seq = r->chunk_no;
}

/* Closes and frees a reader. */
void trace_reader_free(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	libdeflate_free_decompressor(r->dz);
	free(r->sbuf);
	free(r->rbuf);
	free(r);
}
