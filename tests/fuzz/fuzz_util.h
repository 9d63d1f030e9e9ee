/* Shared by the fuzz targets that take trace files: a repair pass that
 * gives an input a valid file header and valid chunk frames (markers,
 * sequence numbers, sizes, both checksums), so that mutations reach the
 * record decoder and what lies behind it instead of stopping at a checksum;
 * and, in the plain builds (FUZZ_STANDALONE), running files through a
 * target. */
#ifndef CONCTOP_FUZZ_UTIL_H
#define CONCTOP_FUZZ_UTIL_H

#define ZLIB_CONST
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "trace_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Gives the input a valid file header and valid chunk frames, in place. */
static inline void fuzz_repair(uint8_t *d, size_t n)
{
	static uint8_t out[1 << 20];
	size_t off = 16;
	uint32_t seq = 0;

	if (n < 16)
		return;
	memcpy(d, file_magic, 8);
	d[8] = 1;
	d[9] = 0;
	put32(d + 12, (uint32_t)crc32(0, d, 12));
	while (off + 28 <= n) {
		uint8_t *h = d + off, *pl = h + 28;
		uint32_t stored = get32(h + 8);
		size_t avail = n - off - 28;

		memcpy(h, chunk_magic, 4);
		put32(h + 4, seq++);
		if (stored > avail)
			stored = (uint32_t)avail;
		put32(h + 8, stored);
		h[16] &= 1;
		if (h[16] == 0) {
			put32(h + 12, stored);
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
					put32(h + 12, (uint32_t)z.total_out);
				inflateEnd(&z);
			}
		}
		put32(h + 20, (uint32_t)crc32(0, pl, stored));
		put32(h + 24, (uint32_t)crc32(0, h, 24));
		off += 28 + stored;
	}
}

#ifdef FUZZ_STANDALONE

/* Reads a whole file into a malloc'd buffer; NULL if it cannot. */
static inline uint8_t *fuzz_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			uint8_t *nb = realloc(b, cap = cap ? cap * 2 : 4096);

			if (!nb) {
				free(b);
				fclose(f);
				return NULL;
			}
			b = nb;
		}
		k = fread(b + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	fclose(f);
	*len = n;
	return b;
}

/* Runs each file named in argv[1..] through the target (name) as the
 * fuzzer would; a breach aborts. Returns main's exit status. */
static inline int fuzz_run_files(int argc, char **argv, const char *name)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		uint8_t *b = fuzz_slurp(argv[i], &len);

		if (!b) {
			fprintf(stderr, "%s: cannot read %s\n", name, argv[i]);
			bad = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(b, len);
		free(b);
	}
	printf("%s: %d input%s run without a breach\n", name, argc - 1 - bad, argc - 1 - bad == 1 ? "" : "s");
	return bad;
}

#endif
#endif
