/* The recorded traces of tests/data read whole into a timeline, or
 * written again in small chunks, for the unit tests that look at what a
 * real recording gives (they run from the tree's root). */
#ifndef CONCTOP_TEST_TRACES_H
#define CONCTOP_TEST_TRACES_H

#include <errno.h>
#include "timeline.h"
#include "trace.h"

/* Reads every event of the trace at path into a new timeline *out (NULL
 * on failure), its end the trace's. Returns 0 or the reader's or the
 * timeline's error. */
static inline int test_timeline_of(const char *path, struct timeline **out)
{
	struct trace_reader *r = NULL;
	struct event e;
	int err = trace_reader_new(&r, path);

	*out = NULL;
	if (!err)
		err = timeline_new(out, trace_reader_info(r)->ncpus);
	while (!err && (err = trace_reader_next(r, &e)) == 1)
		err = timeline_add(*out, &e);
	if (!err)
		timeline_set_end(*out, trace_reader_end_ts(r));
	trace_reader_free(r);
	if (err) {
		timeline_free(*out);
		*out = NULL;
	}
	return err;
}

/* Writes the events of in (up to any damage) to out in chunks of about
 * 1 KiB, with an index. Returns 0 or -1. */
static inline int test_rechunk(const char *in, const char *out)
{
	struct trace_reader *r = NULL;
	struct trace_writer *w = NULL;
	struct event e;
	uint64_t last = 0;
	int rc = trace_reader_new(&r, in);

	if (!rc)
		rc = trace_writer_new(&w, out, trace_reader_info(r));
	if (!rc)
		rc = trace_writer_set_chunk_size(w, 1024);
	while (!rc && (rc = trace_reader_next(r, &e)) == 1) {
		last = e.ts;
		rc = trace_writer_add(w, &e);
	}
	if (w && trace_writer_close(w, rc == 0 ? trace_reader_end_ts(r) : last))
		rc = -1;
	trace_reader_free(r);
	return rc < 0 && rc != -EBADMSG && rc != -ENODATA ? -1 : 0; /* (a cut-off end: what came before) */
}

#endif
