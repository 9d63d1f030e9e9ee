/* Undone work (core/undone.h) for the commands: report's section "CPU idle
 * while threads were runnable" as text and JSON, and a timeline's stretches
 * for log; the sentences are tui/undone_text.c's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "safetext.h"
#include "stats.h"
#include "timeline.h"
#include "undone.h"
#include "undone_text.h"

#define LONGEST 5 /* stretches report's text names */

/* The latest name of a tid, as the statistics know it. */
static const char *stats_name(void *ctx, int32_t tid)
{
	return stats_thread_name(ctx, tid);
}

/* Why in one word, for JSON. */
static const char *why_key(uint8_t why)
{
	return why == UNDONE_WHY_AFFINITY ? "affinity" : why == UNDONE_WHY_NOT_AFFINITY ? "not_affinity" : "unknown";
}

/* Prints the section as JSON members ("undone": {...}), after a comma. */
static void print_json(FILE *f, const struct stats *st, unsigned ncpus)
{
	const struct undone *u = stats_undone(st);
	char text[1024], mask[256];
	size_t i;
	unsigned c, k;

	fprintf(f, ",\n  \"undone\": {\"min_ns\": %llu, \"merge_ns\": %llu, \"span_ns\": %llu, \"cpus\": [",
		UNDONE_MIN_NS, UNDONE_MERGE_NS, UNDONE_SPAN_NS);
	for (c = 0; c < ncpus; c++)
		fprintf(f, "%s{\"cpu\": %u, \"idle_ns\": %" PRIu64 ", \"stretches\": %zu}", c ? ", " : "", c,
			undone_cpu_ns(u, c), undone_cpu_count(u, c));
	fprintf(f, "], \"stretches\": [");
	for (i = 0; i < undone_count(u); i++) {
		const struct undone_stretch *s = undone_at(u, i);

		fprintf(f, "%s\n    {\"cpu\": %u, \"from_ns\": %" PRIu64 ", \"to_ns\": %" PRIu64 ", \"idle_ns\": %" PRIu64
			", \"threads\": [", i ? "," : "", s->cpu, s->from, s->to, s->idle_ns);
		for (k = 0; k < s->ntids; k++) {
			const char *nm = stats_thread_name(st, s->tid[k]);

			fprintf(f, "%s{\"tid\": %d, \"name\": ", k ? ", " : "", (int)s->tid[k]);
			cli_json_string(f, nm ? nm : "");
			fputc('}', f);
		}
		fprintf(f, "], \"more_threads\": %s, \"waited_on\": [", s->more_tids ? "true" : "false");
		for (c = 0, k = 0; c < 64; c++)
			if (s->waited_on >> c & 1)
				fprintf(f, "%s%u", k++ ? ", " : "", c);
		undone_mask_text(&s->mask, mask, sizeof(mask));
		fprintf(f, "], \"reason\": \"%s\", \"affinity\": ", why_key(s->why));
		cli_json_string(f, s->why == UNDONE_WHY_AFFINITY ? mask : "");
		undone_text(s, stats_name, (void *)st, text, sizeof(text));
		fprintf(f, ", \"text\": ");
		cli_json_string(f, text);
		fputc('}', f);
	}
	fprintf(f, "%s]}", undone_count(u) ? "\n  " : "");
}

/* Prints the section as text: per-CPU totals, then the longest stretches. */
static void print_text(FILE *f, const struct stats *st, unsigned ncpus, uint64_t end)
{
	const struct undone *u = stats_undone(st);
	char text[1024], safe[4096];
	size_t shown[LONGEST], i, k, n = 0;
	unsigned c;

	fprintf(f, "\nCPU IDLE WHILE THREADS WERE RUNNABLE (on another, busy CPU; stretches of %.0f ms or more idle "
		"in each %.0f ms)\n", (double)UNDONE_MIN_NS / 1e6, (double)UNDONE_SPAN_NS / 1e6);
	if (!undone_count(u)) {
		fprintf(f, "none\n");
		return;
	}
	fprintf(f, "%-5s %10s %9s %8s\n", "CPU", "IDLE ms", "STRETCHES", "OF TRACE");
	for (c = 0; c < ncpus; c++)
		if (undone_cpu_count(u, c))
			fprintf(f, "%-5u %10.3f %9zu %7.1f%%\n", c, (double)undone_cpu_ns(u, c) / 1e6,
				undone_cpu_count(u, c), end ? 100.0 * (double)undone_cpu_ns(u, c) / (double)end : 0.0);
	for (n = 0; n < LONGEST && n < undone_count(u); n++) { /* the longest, each once */
		size_t best = SIZE_MAX;

		for (i = 0; i < undone_count(u); i++) {
			for (k = 0; k < n && shown[k] != i; k++)
				;
			if (k == n && (best == SIZE_MAX || undone_at(u, i)->idle_ns > undone_at(u, best)->idle_ns))
				best = i;
		}
		shown[n] = best;
	}
	fprintf(f, "longest (from ms):\n");
	for (k = 0; k < n; k++) {
		const struct undone_stretch *s = undone_at(u, shown[k]);

		undone_text(s, stats_name, (void *)st, text, sizeof(text));
		safetext_escape(safe, sizeof(safe), text);
		fprintf(f, "  %10.3f  %s\n", (double)s->from / 1e6, safe);
	}
}

/* Prints the section from a finished reading (see cli.h). */
void cli_report_undone(const struct stats *st, bool json)
{
	if (json)
		print_json(stdout, st, stats_ncpus(st));
	else
		print_text(stdout, st, stats_ncpus(st), stats_end(st));
}

/* Orders stretches by their start, then CPU. */
static int by_from(const void *a, const void *b)
{
	const struct undone_stretch *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* The stretches of a timeline by start (see cli.h). */
int cli_undone_collect(const struct timeline *tl, struct undone_stretch **out, size_t *n)
{
	const struct undone *u = timeline_undone(tl);
	size_t i, cap = undone_count(u) + timeline_ncpus(tl);
	unsigned c;

	*n = 0;
	*out = calloc(cap ? cap : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < undone_count(u); i++)
		(*out)[(*n)++] = *undone_at(u, i);
	for (c = 0; c < timeline_ncpus(tl); c++)
		if (undone_open_at(u, c, timeline_end(tl), &(*out)[*n]))
			(*n)++;
	qsort(*out, *n, sizeof(**out), by_from);
	return 0;
}

