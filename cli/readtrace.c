/* Reading a trace file for a command: events one by one, damaged chunks
 * skipped and named, a cut-off recording read up to its last complete
 * chunk, and the timeline built from it all. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "timeline.h"
#include "trace.h"

/* Opens a trace, asking the reader to skip damage. */
int cli_trace_open(struct cli_trace *t, const char *path)
{
	int e;

	memset(t, 0, sizeof(*t));
	t->path = path;
	e = trace_reader_new(&t->reader, path);
	if (e) {
		cli_error("%s: %s", path, t->reader && *trace_reader_error(t->reader) ?
			  trace_reader_error(t->reader) : strerror(-e));
		trace_reader_free(t->reader);
		t->reader = NULL;
		return 1;
	}
	trace_reader_skip_damaged(t->reader);
	return 0;
}

/* Notes a damaged stretch in the summary: the first three by name, then
 * "..." (the count says how many there were). */
static void note_damage(struct cli_trace *t)
{
	size_t n = strlen(t->damage), room = sizeof(t->damage) - n;
	const char *sep = n ? " | " : "";

	t->damaged++;
	if (t->damage_cut)
		return;
	if (t->damaged > 3 || (size_t)snprintf(t->damage + n, room, "%s%s", sep, trace_reader_error(t->reader)) >= room) {
		t->damage[n] = '\0'; /* no half message */
		snprintf(t->damage + n, room, "%s...", sep);
		t->damage_cut = true;
	}
}

/* Reads the next event (see cli.h). */
int cli_trace_next(struct cli_trace *t, struct event *ev)
{
	int e = trace_reader_next(t->reader, ev);

	if (e == 1)
		return 1;
	if (e == TRACE_DAMAGED) {
		note_damage(t);
		return 2;
	}
	if (e == 0)
		return 0;
	if (e == -ENODATA) {
		snprintf(t->cut, sizeof(t->cut), "%s", trace_reader_error(t->reader));
		return 0;
	}
	cli_error("%s: %s", t->path, e == -ENOMEM ? strerror(ENOMEM) : trace_reader_error(t->reader));
	return -1;
}

/* The last damage skipped. */
const char *cli_trace_last_damage(const struct cli_trace *t)
{
	return trace_reader_error(t->reader);
}

/* What the reading missed (see cli.h). */
void cli_trace_warning(const struct cli_trace *t, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (t->damaged)
		n = snprintf(buf, len, "%s: %llu damaged part%s skipped, the rest is shown (%s)", t->path,
			     (unsigned long long)t->damaged, t->damaged > 1 ? "s" : "", t->damage);
	if (t->cut[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s: the recording was cut off (%s): showing what came before",
			 n ? "; " : "", t->path, t->cut);
}

/* Closes the trace. */
void cli_trace_close(struct cli_trace *t)
{
	trace_reader_free(t->reader);
	t->reader = NULL;
}

/* Reads the trace at path into a new timeline (see cli.h). */
int cli_load_timeline(const char *path, struct timeline **out, char *warn, size_t wlen)
{
	struct cli_trace t;
	struct timeline *tl = NULL;
	struct event ev;
	struct stat st;
	int e;

	*out = NULL;
	warn[0] = '\0';
	if (stat(path, &st) == 0 && st.st_size > (16 << 20) && isatty(STDERR_FILENO))
		fprintf(stderr, "conctop: reading %s (%lld MB)...\n", path, (long long)(st.st_size >> 20));
	if (cli_trace_open(&t, path))
		return 1;
	e = timeline_new(&tl, trace_reader_info(t.reader)->ncpus);
	if (e) {
		cli_error("%s: %s", path, strerror(-e));
		cli_trace_close(&t);
		return 1;
	}
	timeline_set_gated(tl, trace_reader_info(t.reader)->started);
	while ((e = cli_trace_next(&t, &ev)) > 0) {
		if (e == 1 && (e = timeline_add(tl, &ev)) != 0) {
			cli_error("%s: %s", path, strerror(e < 0 ? -e : e));
			e = -1;
			break;
		}
	}
	if (e < 0) {
		timeline_free(tl);
		cli_trace_close(&t);
		return 1;
	}
	cli_trace_warning(&t, warn, wlen);
	timeline_set_end(tl, trace_reader_end_ts(t.reader));
	cli_trace_close(&t);
	*out = tl;
	return 0;
}

/* Reads a trace for a window, warning of what it misses (see cli.h). */
int cli_load_window(const char *path, uint64_t from, struct timeline **out)
{
	char warn[1024];
	uint64_t end;

	if (cli_load_timeline(path, out, warn, sizeof(warn)))
		return 1;
	if (warn[0])
		cli_error("warning: %s", warn);
	end = timeline_end(*out);
	if (from >= end && end > 0)
		cli_error("warning: %s: the trace ends at %.6f s, before --from", path, (double)end / 1e9);
	return 0;
}
