/* Inside the trace file reader: its state, shared by the reading of
 * events (trace_read.c) and the moving about a file (trace_seek.c).
 * Nothing else includes this. */
#ifndef CONCTOP_TRACE_READ_INT_H
#define CONCTOP_TRACE_READ_INT_H

#include <stddef.h>
#include <stdint.h>
#include <libdeflate.h>
#include "trace.h"

struct trace_reader {
	int fd;                 /* -1 when reading from memory */
	const uint8_t *mem;
	size_t mem_len;
	uint64_t off;           /* file offset of the next unread byte */
	uint8_t *sbuf;          /* stored payload read from a file */
	size_t scap;
	uint8_t *rbuf;          /* decompressed payload */
	size_t rcap;
	const uint8_t *base;    /* the current chunk's decompressed payload */
	const uint8_t *p;       /* next record in part A */
	const uint8_t *end;     /* end of part A */
	const uint8_t *tp;      /* next ts delta in part B */
	const uint8_t *tend;    /* end of part B (and of the payload) */
	uint64_t chunk_off;     /* file offset of the current chunk */
	uint64_t chunk_end;     /* file offset after it, once its frame checked out; else 0 */
	uint32_t chunk_no;      /* its number */
	uint32_t next_seq;      /* number of the next chunk */
	int skip_damaged;       /* skip damaged chunks instead of stopping (trace_reader_skip_damaged) */
	int chunk_loaded;       /* the current chunk passed its checks: its records are being read */
	uint64_t damaged;       /* damaged stretches skipped */
	int chunk_enc;
	int state;              /* 0 reading, 1 end record seen, < 0 error */
	uint64_t ts;            /* ts of the last timed record */
	uint64_t cts;           /* the current chunk's clock (0 at its start) */
	uint64_t timed;         /* timed records seen, known or not */
	uint64_t count;         /* events returned */
	uint64_t chunk_ts, chunk_timed, chunk_count; /* ts, timed and count before the current chunk */
	uint64_t end_ts;
	uint64_t clamped;
	struct libdeflate_decompressor *dz; /* made at the first deflated chunk */
	struct trace_info info;
	char err[512];
};

/* Makes *buf hold at least need bytes. Returns 0 or -ENOMEM. */
int trace_read_grow(uint8_t **buf, size_t *cap, size_t need);

/* Turns the error rc just met into a skipped stretch when the caller
 * asked for that and it is damage (trace_seek.c). Returns TRACE_DAMAGED,
 * or rc. */
int trace_read_skip_damage(struct trace_reader *r, int rc);

#endif
