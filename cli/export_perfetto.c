/* conctop export --format perfetto (see export_perfetto.h): reads the
 * trace twice, once into a timeline (the threads' latest names, the pattern
 * notes of the event log), then event by event into the Perfetto writer;
 * with --to, both readings stop where the first found the window settled
 * (cli_load_window), which the writer's output does not tell from a whole
 * reading but for the order of the slices still open at --to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "cli.h"
#include "export_perfetto.h"
#include "notes_text.h"
#include "outfile.h"
#include "perfetto_export.h"
#include "render.h"
#include "timeline.h"
#include "trace.h"

#define NOTE_BATCH 256

/* Declares every thread of the timeline, with its latest name. */
static int declare_threads(struct perfetto_export *x, const struct timeline *tl)
{
	size_t i;
	int e = 0;

	for (i = 0; i < timeline_thread_count(tl) && !e; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		e = perfetto_export_thread(x, t->tid, t->tgid, t->name);
	}
	return e;
}

/* Hands the pattern notes of [from, to), in words, to the writer: the log
 * entries of the window, a batch at a time. */
static int write_notes(struct perfetto_export *x, const struct timeline *tl, uint64_t from, uint64_t to)
{
	struct tl_log_entry *ent = malloc(NOTE_BATCH * sizeof(*ent));
	uint64_t i = timeline_log_index(tl, from), last = timeline_log_index(tl, to);
	char words[NOTES_TEXT_MAX];
	size_t n, k;
	int e = 0;

	if (!ent)
		return -ENOMEM;
	for (; i < last && !e; i += n) {
		n = timeline_log_read(tl, i, ent, last - i < NOTE_BATCH ? (size_t)(last - i) : NOTE_BATCH);
		if (!n)
			break;
		for (k = 0; k < n && !e; k++) {
			const struct tl_thread *t = timeline_thread(tl, ent[k].thread);

			if (ent[k].kind == TL_LOG_DAMAGED) { /* (said on stderr only, it was not in the file) */
				render_damaged_words(&ent[k], "tracks", words, sizeof(words));
				e = perfetto_export_note(x, ent[k].ts, 0, words);
				continue;
			}
			if (ent[k].kind != TL_LOG_NOTE)
				continue;
			notes_text(tl, &ent[k].note, words, sizeof(words));
			e = perfetto_export_note(x, ent[k].ts, t ? t->tid : 0, words);
		}
	}
	free(ent);
	return e;
}

/* From this size on, the summary says the Perfetto UI may not open it. */
#define PERFETTO_LARGE_MB 512

/* Says, past PERFETTO_LARGE_MB, that the Perfetto trace written to f (a
 * file; not a pipe) may not open in the UI: the browser holds the trace in
 * its memory (about 2 GB at most), several times the file once parsed. */
static void say_size(FILE *f, const char *file)
{
	off_t n;

	if (fflush(f) || (n = ftello(f)) < 0)
		return;
	if (n >= (off_t)PERFETTO_LARGE_MB << 20)
		fprintf(stderr, "conctop: note: the Perfetto trace of %s is %lld MB: the Perfetto UI parses a trace in "
			"the browser's memory (about 2 GB at most, several times the file once parsed) and may not "
			"open it; export a window (--from, --to), or open it through a native trace_processor "
			"--httpd (perfetto.dev, 'Visualising large traces')\n",
			file, (long long)(n >> 20));
}

/* Streams the events of file through the writer, as far as the timeline
 * was read (its end: events come in time order). Returns 0, or 1 after
 * saying what went wrong. */
static int write_trace(const char *file, FILE *f, const struct timeline *tl, uint64_t from, uint64_t to, bool quiet)
{
	struct trace_reader *r = NULL;
	struct perfetto_export *x = NULL;
	struct perfetto_export_options o = { 0 };
	struct perfetto_export_counts c;
	struct event ev;
	uint64_t stop = timeline_end(tl);
	int e, rc;

	e = trace_reader_new(&r, file);
	if (e) {
		cli_error("%s: %s", file, r ? trace_reader_error(r) : strerror(-e));
		trace_reader_free(r);
		return 1;
	}
	o.ncpus = trace_reader_info(r)->ncpus;
	o.gated = trace_reader_info(r)->started;
	o.from = from;
	o.to = to;
	o.base_ns = trace_reader_info(r)->start_monotonic_ns;
	o.kernel = trace_reader_info(r)->kernel;
	e = perfetto_export_new(&x, f, &o);
	if (!e)
		e = declare_threads(x, tl);
	/* past damage as the first reading went (which said so): a damaged
	 * chunk is stepped over, a cut-off end ends it */
	trace_reader_skip_damaged(r);
	while (!e && (rc = trace_reader_next(r, &ev)) > 0) {
		if (rc != 1) /* (TRACE_DAMAGED: no event) */
			continue;
		if (ev.ts > stop)
			break;
		e = perfetto_export_add(x, &ev);
	}
	if (!e)
		e = write_notes(x, tl, from, to);
	if (!e && rc == -ENODATA && stop >= from && stop < to) /* a recording cut off: said in the file too */
		e = perfetto_export_note(x, stop, 0, "the recording was cut off here (its last chunk incomplete): "
					 "nothing after this is in the trace");
	if (!e)
		e = perfetto_export_finish(x, timeline_end(tl));
	if (e) {
		cli_error("cannot write the Perfetto trace: %s", strerror(-e));
	} else if (!quiet) {
		say_size(f, file);
		perfetto_export_counts(x, &c);
		fprintf(stderr,
			"conctop: Perfetto trace of %s: %llu threads, %llu switches (%llu restoring switch-ins the "
			"kernel did not report, %llu putting each CPU's task at the window's start), %llu blocked "
			"slices, %llu wakeup flows, %llu notes.\nOpen it at https://ui.perfetto.dev (\"Open trace "
			"file\"); docs/export.md says what to look at.\n",
			file, (unsigned long long)c.threads, (unsigned long long)c.switches, (unsigned long long)c.restored,
			(unsigned long long)c.opening,
			(unsigned long long)c.slices, (unsigned long long)c.flows, (unsigned long long)c.annotations);
	}
	perfetto_export_free(x);
	trace_reader_free(r);
	return e ? 1 : 0;
}

/* Writes the Perfetto trace of file to out. */
int export_perfetto(const char *file, const char *out, uint64_t from, uint64_t to, bool have_to, uint64_t cap,
		    bool quiet)
{
	struct timeline *tl = NULL;
	struct outfile of;
	char why[512];
	FILE *f;
	int status;

	if (cli_load_window(file, from, have_to ? to : UINT64_MAX, true, cap, &tl)) /* (the log's notes: for_log) */
		return 1;
	if (!have_to) /* (a window past the end, which was warned of, is empty) */
		to = timeline_end(tl) >= from ? timeline_end(tl) + 1 : from + 1;
	else /* (says where a --to past the end ends, as lanes and SVG do) */
		to = cli_window_draw_end(file, from, to, true, timeline_end(tl) + 1);
	if (strcmp(out, "-") == 0) {
		status = write_trace(file, stdout, tl, from, to, quiet);
		timeline_free(tl);
		return status;
	}
	if (outfile_create(&of, out, NULL, why, sizeof why)) {
		cli_error("cannot write %s: %s", out, why);
		timeline_free(tl);
		return 1;
	}
	outfile_remove_on_stop(&of);
	f = fdopen(of.fd, "wb");
	if (!f) {
		cli_error("%s: %s", out, strerror(errno));
		outfile_abort(&of);
		timeline_free(tl);
		return 1;
	}
	of.fd = -1;
	status = write_trace(file, f, tl, from, to, quiet);
	if (fclose(f) && !status) {
		cli_error("%s: %s", out, strerror(errno));
		status = 1;
	}
	timeline_free(tl);
	if (status) {
		outfile_abort(&of);
		return status;
	}
	status = outfile_commit(&of);
	if (status) {
		cli_error("%s: cannot rename it into place: %s", out, strerror(-status));
		return 1;
	}
	return 0;
}
