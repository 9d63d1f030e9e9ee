/* libFuzzer target for the trace file reader (core/trace.c).
 *
 * Each input is read twice: as it is, and after a repair pass that gives it
 * a valid file header and valid chunk frames (markers, sequence numbers,
 * sizes, both checksums), so that mutations reach the record decoder
 * instead of stopping at a checksum. The reader must never crash, leak, read
 * out of bounds or hang, and what it returns must obey its contract; any
 * breach aborts.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined with core/trace.c, core/event.c and -lz.
 * With -DFUZZ_STANDALONE it is a plain program instead:
 *   fuzz_trace FILE...              runs each file through the same checks
 *   fuzz_trace --make-corpus DIR    writes the seed files of tests/fuzz/corpus_trace/
 */
#define ZLIB_CONST
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "event.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Little-endian u32 store and load. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Stops the fuzzer with a message when the reader breaks its contract. */
static void breach(const char *what, const struct trace_reader *r)
{
	fprintf(stderr, "fuzz_trace: contract broken: %s (reader says: %s)\n", what, trace_reader_error(r));
	abort();
}

/* Reads one input to its end, checking every promise of trace.h. */
static void read_input(const uint8_t *data, size_t size)
{
	struct trace_reader *r;
	struct event ev;
	uint64_t last = 0, n = 0;
	int rc = trace_reader_new_mem(&r, data, size);

	if (rc == -ENOMEM && !r)
		return;
	if (!r)
		breach("no reader returned", r);
	if (rc < 0) {
		if (rc != -ENODATA && rc != -EBADMSG && rc != -EPROTONOSUPPORT && rc != -ENOMEM)
			breach("unexpected error code from open", r);
		if (!strstr(trace_reader_error(r), "byte"))
			breach("open error without a byte offset", r);
		if (trace_reader_next(r, &ev) != rc)
			breach("next after a failed open does not repeat the error", r);
		trace_reader_free(r);
		return;
	}
	const struct trace_info *in = trace_reader_info(r);
	if (in->ncpus < 1 || in->ncpus > TRACE_MAX_CPUS)
		breach("info with a bad CPU count accepted", r);
	if (strnlen(in->host, sizeof in->host) == sizeof in->host ||
	    strnlen(in->command, sizeof in->command) == sizeof in->command ||
	    strnlen(in->version, sizeof in->version) == sizeof in->version)
		breach("unterminated info string", r);

	while ((rc = trace_reader_next(r, &ev)) == 1) {
		size_t tl = strnlen(ev.text, sizeof ev.text);
		if (ev.type < 1 || ev.type >= EVENT_TYPE_MAX)
			breach("event of an unknown type returned", r);
		if (ev.cpu >= in->ncpus)
			breach("event on a CPU beyond the count", r);
		if (tl == sizeof ev.text)
			breach("unterminated event text", r);
		for (size_t i = tl; i < sizeof ev.text; i++)
			if (ev.text[i])
				breach("bytes after the text's NUL", r);
		if (ev.ts < last)
			breach("ts went back in time", r);
		last = ev.ts;
		n++;
	}
	if (rc != 0 && rc != -ENODATA && rc != -EBADMSG && rc != -EPROTONOSUPPORT && rc != -ENOMEM)
		breach("unexpected error code from next", r);
	if (rc < 0 && !strstr(trace_reader_error(r), "byte"))
		breach("error message without a byte offset", r);
	if (rc == 0 && trace_reader_end_ts(r) < last)
		breach("end ts before the last event", r);
	if (trace_reader_count(r) != n)
		breach("count differs from the events returned", r);
	if (trace_reader_next(r, &ev) != rc)
		breach("the final result is not sticky", r);
	trace_reader_free(r);
}

/* Gives the input a valid file header and valid chunk frames, in place. */
static void repair(uint8_t *d, size_t n)
{
	static const uint8_t magic[8] = { 0x89, 'C', 'T', 'R', 'A', 'C', 'E', '\n' };
	size_t off = 16;
	uint32_t seq = 0;

	if (n < 16)
		return;
	memcpy(d, magic, 8);
	d[8] = 1;
	d[9] = 0;
	put32(d + 12, (uint32_t)crc32(0, d, 12));
	while (off + 28 <= n) {
		uint8_t *h = d + off, *pl = h + 28;
		uint32_t stored = get32(h + 8);
		size_t avail = n - off - 28;

		memcpy(h, "CTCK", 4);
		put32(h + 4, seq++);
		if (stored > avail)
			stored = (uint32_t)avail;
		put32(h + 8, stored);
		h[16] &= 1;
		if (h[16] == 0) {
			put32(h + 12, stored);
		} else {
			/* declare the size the deflate data really has */
			static uint8_t out[1 << 20];
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	read_input(data, size);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	repair(copy, size);
	read_input(copy, size);
	free(copy);
	return 0;
}

#ifdef FUZZ_STANDALONE

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
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

/* Writes a small trace with events of every type. */
static int make_trace(const char *path, int level, size_t chunk, unsigned n, int close_it)
{
	struct trace_writer *w;
	struct trace_info info = { .ncpus = 4, .target_pid = 1000, .start_realtime_ns = 1700000000000000000ull,
				   .start_monotonic_ns = 5000000000ull };
	uint64_t ts = 0;
	int rc;

	snprintf(info.host, sizeof info.host, "seedhost");
	snprintf(info.kernel, sizeof info.kernel, "6.1.0");
	snprintf(info.clock, sizeof info.clock, "CLOCK_MONOTONIC");
	snprintf(info.command, sizeof info.command, "prodcons --threads 2");
	snprintf(info.version, sizeof info.version, "seed");
	rc = trace_writer_new(&w, path, &info);
	if (rc)
		return rc;
	trace_writer_set_compression(w, level);
	if (chunk)
		trace_writer_set_chunk_size(w, chunk);
	if (!close_it) { /* header and info only, as a recorder killed at once leaves it */
		size_t len = 0;
		uint8_t *b = slurp(path, &len);
		FILE *f;
		trace_writer_close(w, 0);
		f = b ? fopen(path, "wb") : NULL;
		rc = f && fwrite(b, 1, len, f) == len ? 0 : -EIO;
		if (f && fclose(f))
			rc = -EIO;
		free(b);
		return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		struct event ev = { 0 };
		ts += i % 5 == 0 ? 1000000 : 700 + i * 13;
		ev.ts = ts;
		ev.type = (uint16_t)(1 + i % (EVENT_TYPE_MAX - 1));
		ev.cpu = (uint16_t)(i % 4);
		ev.tid = i % 7 == 0 ? EVENT_TID_OTHER : 1000 + (int32_t)(i % 3);
		ev.tgid = ev.tid == EVENT_TID_OTHER ? EVENT_TID_OTHER : 1000;
		ev.tid2 = i % 2 ? 1000 + (int32_t)((i + 1) % 3) : 0;
		ev.tgid2 = ev.tid2 ? 1000 : 0;
		ev.arg = i % 3 ? EVENT_STATE_INTERRUPTIBLE : EVENT_STATE_PREEMPTED;
		ev.arg2 = ev.type == EVENT_MIGRATE ? 3 : 0;
		if (ev.type == EVENT_FORK || ev.type == EVENT_RENAME || ev.type == EVENT_MARK || ev.type == EVENT_THREAD ||
		    ev.type == EVENT_EXEC)
			snprintf(ev.text, sizeof ev.text, "worker-%u", i);
		trace_writer_add(w, &ev);
	}
	return trace_writer_close(w, ts + 100);
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc == 3 && !strcmp(argv[1], "--make-corpus")) {
		char p[4096];
		int rc = 0;
		snprintf(p, sizeof p, "%s/stored_small_chunks.ctrace", argv[2]);
		rc |= make_trace(p, 0, 64, 24, 1);
		snprintf(p, sizeof p, "%s/deflate.ctrace", argv[2]);
		rc |= make_trace(p, 1, 0, 40, 1);
		snprintf(p, sizeof p, "%s/deflate_small_chunks.ctrace", argv[2]);
		rc |= make_trace(p, 6, 128, 30, 1);
		snprintf(p, sizeof p, "%s/header_only.ctrace", argv[2]);
		rc |= make_trace(p, 1, 0, 0, 0);
		if (rc)
			fprintf(stderr, "fuzz_trace: could not write the corpus in %s\n", argv[2]);
		return rc ? 1 : 0;
	}
	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		uint8_t *b = slurp(argv[i], &len);
		if (!b) {
			fprintf(stderr, "fuzz_trace: cannot read %s\n", argv[i]);
			bad = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(b, len);
		free(b);
	}
	printf("fuzz_trace: %d input%s read without a contract breach\n", argc - 1 - bad, argc - 1 - bad == 1 ? "" : "s");
	return bad;
}

#endif
