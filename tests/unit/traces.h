/* The recorded traces of tests/data read whole into a timeline, for the
 * unit tests that look at what a real recording gives (they run from the
 * tree's root). */
#ifndef CONCTOP_TEST_TRACES_H
#define CONCTOP_TEST_TRACES_H

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

#endif
