/* Shared by the fuzz targets that take trace files: a repair pass that
 * gives an input a valid file header and valid chunk frames (markers,
 * sequence numbers, sizes, both checksums), so that mutations reach the
 * record decoder and what lies behind it instead of stopping at a checksum. */
#ifndef CONCTOP_FUZZ_REPAIR_H
#define CONCTOP_FUZZ_REPAIR_H

#define ZLIB_CONST
#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* Little-endian u32 store and load. */
static inline void fuzz_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t fuzz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Gives the input a valid file header and valid chunk frames, in place. */
static inline void fuzz_repair(uint8_t *d, size_t n)
{
	static const uint8_t magic[8] = { 0x89, 'C', 'T', 'R', 'A', 'C', 'E', '\n' };
	static uint8_t out[1 << 20];
	size_t off = 16;
	uint32_t seq = 0;

	if (n < 16)
		return;
	memcpy(d, magic, 8);
	d[8] = 1;
	d[9] = 0;
	fuzz_put32(d + 12, (uint32_t)crc32(0, d, 12));
	while (off + 28 <= n) {
		uint8_t *h = d + off, *pl = h + 28;
		uint32_t stored = fuzz_get32(h + 8);
		size_t avail = n - off - 28;

		memcpy(h, "CTCK", 4);
		fuzz_put32(h + 4, seq++);
		if (stored > avail)
			stored = (uint32_t)avail;
		fuzz_put32(h + 8, stored);
		h[16] &= 1;
		if (h[16] == 0) {
			fuzz_put32(h + 12, stored);
		} else {
			/* declare the size the deflate data really has */
			z_stream z;

			memset(&z, 0, sizeof z);
			if (inflateInit2(&z, -15) == Z_OK) {
				z.next_in = pl;
				z.avail_in = stored;
				z.next_out = out;
				z.avail_out = sizeof out;
				if (inflate(&z, Z_FINISH) == Z_STREAM_END)
					fuzz_put32(h + 12, (uint32_t)z.total_out);
				inflateEnd(&z);
			}
		}
		fuzz_put32(h + 20, (uint32_t)crc32(0, pl, stored));
		fuzz_put32(h + 24, (uint32_t)crc32(0, h, 24));
		off += 28 + stored;
	}
}

#endif
