/* libFuzzer target for the trace file reader (core/trace_read.c).
 *
 * Each input is read as it is, and after a repair pass that gives it a
 * valid file header and valid chunk frames (markers, sequence numbers,
 * sizes, both checksums; fuzz_util.h), so that mutations reach the record
 * decoder instead of stopping at a checksum; each of the two strictly and
 * then skipping damage (trace_reader_skip_damaged), which must return the
 * strict reading's events first. The reader must never crash, leak, read out
 * of bounds or hang, and what it returns must obey its contract; any breach
 * aborts.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined with core/ and -lz.
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
#include "fuzz_util.h"
#include "trace.h"

/* Stops the fuzzer with a message when the reader breaks its contract. */
static void breach(const char *what, const struct trace_reader *r)
{
	fprintf(stderr, "fuzz_trace: contract broken: %s (reader says: %s)\n", what, trace_reader_error(r));
	abort();
}

/* The events a strict reading returned, for the skipping one to match. */
struct seen {
	struct event *ev;
	size_t n, cap;
};

/* Checks one event against the promises of trace.h. */
static void check_event(const struct trace_reader *r, const struct event *ev, uint64_t last)
{
	size_t tl = strnlen(ev->text, sizeof ev->text);

	if (ev->type < 1 || ev->type >= EVENT_TYPE_MAX)
		breach("event of an unknown type returned", r);
	if (ev->cpu >= trace_reader_info(r)->ncpus)
		breach("event on a CPU beyond the count", r);
	if (tl == sizeof ev->text)
		breach("unterminated event text", r);
	for (size_t i = tl; i < sizeof ev->text; i++)
		if (ev->text[i])
			breach("bytes after the text's NUL", r);
	if (ev->ts < last)
		breach("ts went back in time", r);
}

/* Reads one input to its end, checking every promise of trace.h: strictly
 * (recording the events in *seen), or skipping damage (then the events must
 * begin with those of the strict reading). */
static void read_input(const uint8_t *data, size_t size, int skip, struct seen *seen)
{
	struct trace_reader *r;
	struct event ev;
	uint64_t last = 0, n = 0, damaged = 0;
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
	if (skip)
		trace_reader_skip_damaged(r);

	while ((rc = trace_reader_next(r, &ev)) == 1 || (skip && rc == TRACE_DAMAGED)) {
		if (rc == TRACE_DAMAGED) {
			if (!strstr(trace_reader_error(r), "byte"))
				breach("a skipped damage named without a byte offset", r);
			if (++damaged > size)
				breach("more damage skipped than the input has bytes", r);
			continue;
		}
		check_event(r, &ev, last);
		last = ev.ts;
		if (!skip && seen && seen->n == seen->cap) {
			struct event *m = realloc(seen->ev, (seen->cap = seen->cap ? 2 * seen->cap : 64) * sizeof *m);
			if (!m)
				abort();
			seen->ev = m;
		}
		if (!skip && seen)
			seen->ev[seen->n] = ev;
		else if (skip && seen && n < seen->n && !damaged && !event_equal(&seen->ev[n], &ev))
			breach("skipping damage changed an event before the damage", r);
		n++;
		if (!skip && seen)
			seen->n++;
	}
	if (skip && seen && n < seen->n)
		breach("skipping damage returned fewer events than stopping at it", r);
	if (rc != 0 && rc != -ENODATA && rc != -EBADMSG && rc != -EPROTONOSUPPORT && rc != -ENOMEM)
		breach("unexpected error code from next", r);
	if (rc < 0 && !strstr(trace_reader_error(r), "byte"))
		breach("error message without a byte offset", r);
	if (rc == 0 && trace_reader_end_ts(r) < last)
		breach("end ts before the last event", r);
	if (trace_reader_count(r) != n)
		breach("count differs from the events returned", r);
	if (trace_reader_damaged(r) != damaged)
		breach("the damage count differs from the damage reported", r);
	if (trace_reader_next(r, &ev) != rc)
		breach("the final result is not sticky", r);
	trace_reader_free(r);
}

/* Reads data strictly, then skipping damage. */
static void read_both(const uint8_t *data, size_t size)
{
	struct seen seen = { 0 };

	read_input(data, size, 0, &seen);
	read_input(data, size, 1, &seen);
	free(seen.ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	read_both(data, size);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_repair(copy, size);
	read_both(copy, size);
	free(copy);
	return 0;
}

#ifdef FUZZ_STANDALONE

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
		uint8_t *b = fuzz_slurp(path, &len);
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
	return fuzz_run_files(argc, argv, "fuzz_trace");
}

#endif
