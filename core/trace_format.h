/* The byte layout of a trace file (format version 1, docs/trace-format.md),
 * shared by the writer (trace.c) and the reader (trace_read.c): markers,
 * sizes, record types, event field bits, and the fixed-size and varint
 * encodings. Internal to core/: users include trace.h. */
#ifndef CONCTOP_TRACE_FORMAT_H
#define CONCTOP_TRACE_FORMAT_H

#include <stdint.h>

/* File header: magic, major version, minor version, crc32 of bytes 0-11. */
#define FILE_HDR_LEN 16
static const uint8_t file_magic[8] __attribute__((unused)) = { 0x89, 'C', 'T', 'R', 'A', 'C', 'E', '\n' };

/* Chunk frame header: "CTCK", seq, stored length, raw length, encoding,
 * 3 reserved bytes, payload crc32, crc32 of bytes 0-23. */
#define FRAME_LEN 28
static const uint8_t chunk_magic[4] __attribute__((unused)) = { 'C', 'T', 'C', 'K' };
#define ENC_STORED 0
#define ENC_DEFLATE 1

/* Record types that are not events. Bit 6 set: untimed (no ts delta). */
#define REC_INFO 64
#define REC_END 65
#define REC_INDEX 66 /* since 1.4: the chunk index, alone in the chunk after the end record */
#define REC_TIMED(t) (((t) & 0x40) == 0)

/* The index record's content ends with a fixed trailer, which is also the
 * file's last 16 bytes: the index chunk's offset (u64) and this magic. */
#define INDEX_TRAILER_LEN 16
static const uint8_t index_magic[8] __attribute__((unused)) = { 0x89, 'C', 'T', 'I', 'N', 'D', 'E', 'X' };

/* Field mask bits of an event record, in the order the fields follow. */
#define F_CPU 0x01
#define F_TID 0x02   /* stored as tid - target_pid; absent: tid == 0 */
#define F_TGID 0x04  /* stored as tgid - tid; absent: tgid == tid */
#define F_TID2 0x08  /* stored as tid2 - target_pid; absent: tid2 == 0 */
#define F_TGID2 0x10 /* stored as tgid2 - tid2; absent: tgid2 == tid2 */
#define F_ARG 0x20
#define F_ARG2 0x40
#define F_TEXT 0x80
#define F_OP 0x100   /* since 1.1: the event's op (calls, system calls, objects) */

/* Little-endian stores and loads of the fixed-size header fields. */
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Appends v as an LEB128 varint; returns the byte after it. */
static inline uint8_t *put_uvarint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Maps a signed value to an unsigned one with small magnitudes small. */
static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Undoes zigzag. */
static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)((v >> 1) ^ (0 - (v & 1)));
}

/* Reads a varint from *pp (not past end) into *v; 0, or -1 if it runs past
 * end or does not fit in 64 bits. */
static inline int get_uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	unsigned shift = 0;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	while (p < end) {
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			*pp = p;
			return 0;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return -1;
}

/* Reads a zigzag-encoded signed varint; 0 or -1 as get_uvarint. */
static inline int get_svarint(const uint8_t **pp, const uint8_t *end, int64_t *v)
{
	uint64_t u;

	if (get_uvarint(pp, end, &u))
		return -1;
	*v = unzigzag(u);
	return 0;
}

/* Whether v fits in an int32_t. */
static inline int fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* Sets *out = base + d and returns 1 if that fits in 32 bits; else 0. */
static inline int add32(int64_t base, int64_t d, int64_t *out)
{
	if (d < -(INT64_C(1) << 33) || d > (INT64_C(1) << 33))
		return 0;
	*out = base + d;
	return fits32(*out);
}

#endif
