/* rechunk: writes a trace again with small chunks, for the tests of the
 * chunk index (tests/integration/test_index.py): the recorded traces of
 * tests/data fit in one chunk each, and a window can only be read by
 * chunks when there are many.
 *
 * usage: rechunk IN OUT BYTES   OUT holds IN's info and events in chunks of
 *                               about BYTES uncompressed bytes (64 or more),
 *                               deflated, ending with the end record (IN's
 *                               end ts) and the index
 * Exit status 0, or 1 with a message when IN cannot be read whole or OUT
 * not written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* Copies every event of r into w; returns 0 or 1 after a message. */
static int rechunk_copy(struct trace_reader *r, struct trace_writer *w, const char *in, const char *out)
{
	struct event ev;
	int rc;

	while ((rc = trace_reader_next(r, &ev)) == 1) {
		rc = trace_writer_add(w, &ev);
		if (rc) {
			fprintf(stderr, "rechunk: %s: %s\n", out, strerror(-rc));
			return 1;
		}
	}
	if (rc < 0) {
		fprintf(stderr, "rechunk: %s: %s\n", in, trace_reader_error(r));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct trace_reader *r;
	struct trace_writer *w;
	char *stop;
	unsigned long bytes;
	int rc, status;

	if (argc != 4) {
		fprintf(stderr, "usage: rechunk IN OUT BYTES\n");
		return 2;
	}
	bytes = strtoul(argv[3], &stop, 10);
	if (*stop || bytes < TRACE_CHUNK_MIN) {
		fprintf(stderr, "rechunk: BYTES is a number, at least %u\n", TRACE_CHUNK_MIN);
		return 2;
	}
	rc = trace_reader_new(&r, argv[1]);
	if (rc) {
		fprintf(stderr, "rechunk: %s: %s\n", argv[1], trace_reader_error(r));
		trace_reader_free(r);
		return 1;
	}
	rc = trace_writer_new(&w, argv[2], trace_reader_info(r));
	if (!rc)
		rc = trace_writer_set_chunk_size(w, bytes);
	if (rc) {
		fprintf(stderr, "rechunk: %s: %s\n", argv[2], strerror(-rc));
		if (w)
			trace_writer_close(w, 0);
		trace_reader_free(r);
		return 1;
	}
	status = rechunk_copy(r, w, argv[1], argv[2]);
	rc = trace_writer_close(w, trace_reader_end_ts(r));
	if (rc && !status) {
		fprintf(stderr, "rechunk: %s: %s\n", argv[2], strerror(-rc));
		status = 1;
	}
	trace_reader_free(r);
	return status;
}
