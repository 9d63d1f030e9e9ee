/* libFuzzer target for the import of other tools' trace texts
 * (core/import.c, core/import_events.c, core/import_parse.c).
 *
 * Each input is imported as a whole text (both passes, import_buffer).
 * The import must never crash, leak, read out of bounds or hang, and what
 * it gives must obey its contract: every event of a known type, on a CPU
 * below the count the summary states, in time order, with terminated text
 * and thread ids of at least EVENT_TID_OTHER; an error must name its line,
 * or say what the whole text lacks (events, switches). Any breach aborts.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined with the core sources and -lz.
 * With -DFUZZ_STANDALONE it is a plain program that runs each file given
 * through the same checks (tests/fuzz/corpus_import/ holds the seeds:
 * short texts of perf script, trace-cmd report and the ftrace trace file). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the events given so far were. */
struct seen {
	struct import *im;
	uint64_t last_ts, n;
};

/* Stops the fuzzer when the import breaks its contract. */
static void breach(const char *what, const struct import *im)
{
	fprintf(stderr, "fuzz_import: contract broken: %s (import says: %s)\n", what, import_error(im));
	abort();
}

/* The import's callback: checks each event. */
static int take(void *ctx, const struct event *ev)
{
	struct seen *s = ctx;
	const struct import_summary *sum = import_summary(s->im);
	size_t tl = strnlen(ev->text, sizeof ev->text);

	if (ev->type < 1 || ev->type >= EVENT_TYPE_MAX)
		breach("an event of an unknown type", s->im);
	if (!sum->ncpus || ev->cpu >= sum->ncpus)
		breach("an event on a CPU beyond the count", s->im);
	if (ev->ts < s->last_ts)
		breach("events out of time order", s->im);
	if (tl == sizeof ev->text)
		breach("unterminated event text", s->im);
	if (ev->tid < EVENT_TID_OTHER || ev->tid2 < EVENT_TID_OTHER)
		breach("a thread id below EVENT_TID_OTHER", s->im);
	s->last_ts = ev->ts;
	s->n++;
	return 0;
}

/* Imports one input, checking every promise of import.h. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	int rc;

	if (import_new(&s.im, NULL, take, &s))
		return 0;
	rc = import_buffer(s.im, (const char *)data, size);
	if (rc && rc != -EBADMSG && rc != -E2BIG && rc != -ENOMEM)
		breach("an unexpected error code", s.im);
	if (rc && rc != -ENOMEM && strncmp(import_error(s.im), "line ", 5) != 0 &&
	    strncmp(import_error(s.im), "no ", 3) != 0)
		breach("an error that names no line", s.im);
	if (!rc && s.n != import_summary(s.im)->events)
		breach("the summary's event count differs from the events given", s.im);
	import_free(s.im);
	return 0;
}

#ifdef FUZZ_STANDALONE

/* The bytes of the file at path, malloc'd, with their count; NULL if unreadable. */
static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(b);
		b = NULL;
	}
	if (f)
		fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		uint8_t *b = read_whole(argv[i], &len);

		if (!b) {
			fprintf(stderr, "fuzz_import: cannot read %s\n", argv[i]);
			bad = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(b, len);
		free(b);
	}
	printf("fuzz_import: %d input%s imported without a contract breach\n", argc - 1 - bad,
	       argc - 1 - bad == 1 ? "" : "s");
	return bad;
}

#endif
