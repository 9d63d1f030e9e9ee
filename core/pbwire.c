/* The protocol buffers wire format, for writing (see pbwire.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "pbwire.h"
#include "safetext.h"

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

/* An empty buffer. */
void pb_init(struct pb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

/* Frees the bytes. */
void pb_done(struct pb_buf *b)
{
	free(b->data);
	pb_init(b);
}

/* Empties the buffer, keeping its memory. */
void pb_reset(struct pb_buf *b)
{
	b->len = 0;
	b->err = 0;
	b->depth = 0;
}

/* The first error met, or 0. */
int pb_error(const struct pb_buf *b)
{
	return b->err;
}

/* Makes room for n more bytes; false (and err set) when it cannot. */
static int room(struct pb_buf *b, size_t n)
{
	if (b->err)
		return 0;
	if (n > SIZE_MAX - b->len || VEC_RESERVE(b->data, b->cap, b->len + n)) {
		b->err = -ENOMEM;
		return 0;
	}
	return 1;
}

/* Bytes a varint of v takes. */
size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Writes the varint v at p; returns its length. */
size_t pb_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Appends a varint. */
static void varint(struct pb_buf *b, uint64_t v)
{
	if (room(b, 10))
		b->len += pb_put_varint(b->data + b->len, v);
}

/* Appends a field's key: its number and wire type. */
static void key(struct pb_buf *b, unsigned field, unsigned wire)
{
	varint(b, (uint64_t)field << 3 | wire);
}

/* Appends an unsigned varint field. */
void pb_uint(struct pb_buf *b, unsigned field, uint64_t v)
{
	key(b, field, WIRE_VARINT);
	varint(b, v);
}

/* Appends a signed varint field (two's complement, as int32/int64 are). */
void pb_int(struct pb_buf *b, unsigned field, int64_t v)
{
	key(b, field, WIRE_VARINT);
	varint(b, (uint64_t)v);
}

/* Appends a fixed64 field, little-endian. */
void pb_fixed64(struct pb_buf *b, unsigned field, uint64_t v)
{
	int i;

	key(b, field, WIRE_FIXED64);
	if (!room(b, 8))
		return;
	for (i = 0; i < 8; i++)
		b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

/* Appends a length-delimited field. */
void pb_bytes(struct pb_buf *b, unsigned field, const void *p, size_t n)
{
	key(b, field, WIRE_LEN);
	varint(b, n);
	pb_raw(b, p, n);
}

/* Appends a string field: valid UTF-8, as protobuf's string type must be
 * (a reader such as Perfetto's refuses or mangles other bytes); a byte of
 * s that does not begin valid UTF-8 (a thread name is any 15 bytes) is
 * written as U+FFFD. */
void pb_string(struct pb_buf *b, unsigned field, const char *s)
{
	static const char repl[3] = { '\xef', '\xbf', '\xbd' };
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k, n = 0;
	bool valid = true;

	for (i = 0; u[i]; i += k) {
		k = safetext_utf8_len(u + i);
		n += k ? k : sizeof(repl);
		valid = valid && k;
		k = k ? k : 1;
	}
	if (valid) { /* (nearly always: the bytes as they are) */
		pb_bytes(b, field, s, n);
		return;
	}
	key(b, field, WIRE_LEN);
	varint(b, n);
	for (i = 0; u[i]; i += k) {
		k = safetext_utf8_len(u + i);
		pb_raw(b, k ? u + i : (const unsigned char *)repl, k ? k : sizeof(repl));
		k = k ? k : 1;
	}
}

/* Appends encoded bytes as they are. */
void pb_raw(struct pb_buf *b, const void *p, size_t n)
{
	if (n && room(b, n)) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	}
}

/* Opens a nested message: its key now, one byte kept for its length. */
void pb_begin(struct pb_buf *b, unsigned field)
{
	if (b->err)
		return;
	if (b->depth >= PB_DEPTH_MAX) {
		b->err = -EOVERFLOW;
		return;
	}
	key(b, field, WIRE_LEN);
	if (!room(b, 1))
		return;
	b->len++;
	b->open[b->depth++] = b->len;
}

/* Closes the innermost message: writes its length, moving the body when
 * the length needs more than the one byte kept. */
void pb_end(struct pb_buf *b)
{
	size_t body, n, size;

	if (b->err || b->depth == 0)
		return;
	body = b->open[--b->depth];
	n = b->len - body;
	size = pb_varint_size(n);
	if (size > 1) {
		if (!room(b, size - 1))
			return;
		memmove(b->data + body + size - 1, b->data + body, n);
		b->len += size - 1;
	}
	pb_put_varint(b->data + body - 1, n);
}
