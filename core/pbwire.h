/* The protocol buffers wire format, for writing: a growable byte buffer
 * that fields are appended to (varints, fixed 64-bit values, bytes and
 * strings) and that nests length-delimited messages (pb_begin/pb_end), the
 * length of each written once the message is complete. No schema, no
 * generated code: callers name fields by their numbers.
 *
 * Out of memory is sticky: the first failed growth sets err (-ENOMEM), every
 * later call does nothing, and the caller checks pb_error() once. */
#ifndef CONCTOP_PBWIRE_H
#define CONCTOP_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

#define PB_DEPTH_MAX 8 /* nested messages open at once */

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	int err;                     /* 0, or the first error (-ENOMEM, -EOVERFLOW) */
	unsigned depth;
	size_t open[PB_DEPTH_MAX];   /* where each open message's body begins */
};

/* An empty buffer. */
void pb_init(struct pb_buf *b);

/* Frees the bytes. */
void pb_done(struct pb_buf *b);

/* Empties the buffer for reuse (keeps its memory; clears err). */
void pb_reset(struct pb_buf *b);

/* The first error met since the last reset, or 0. */
int pb_error(const struct pb_buf *b);

/* Appends field as a varint: unsigned, or a signed int32/int64 (negative
 * values take ten bytes, as the format says). */
void pb_uint(struct pb_buf *b, unsigned field, uint64_t v);
void pb_int(struct pb_buf *b, unsigned field, int64_t v);

/* Appends field as fixed64 (wire type 1). */
void pb_fixed64(struct pb_buf *b, unsigned field, uint64_t v);

/* Appends field as length-delimited bytes, or as a NUL-terminated string
 * made valid UTF-8 (each byte that does not begin a valid sequence becomes
 * U+FFFD). */
void pb_bytes(struct pb_buf *b, unsigned field, const void *p, size_t n);
void pb_string(struct pb_buf *b, unsigned field, const char *s);

/* Appends bytes already encoded (fields of the message being built). */
void pb_raw(struct pb_buf *b, const void *p, size_t n);

/* Opens a nested message in field; pb_end closes the innermost one,
 * writing its length. More than PB_DEPTH_MAX open sets -EOVERFLOW. */
void pb_begin(struct pb_buf *b, unsigned field);
void pb_end(struct pb_buf *b);

/* Bytes a varint of v takes. */
size_t pb_varint_size(uint64_t v);

/* Writes the varint v at p (room for 10 bytes); returns the bytes written. */
size_t pb_put_varint(uint8_t *p, uint64_t v);

#endif
