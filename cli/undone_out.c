/* Undone work in words (core/undone.h): the sentence of a stretch, shared
 * by report and log, and report's section "CPU idle while threads were
 * runnable" as text and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "safetext.h"
#include "timeline.h"
#include "trace.h"
#include "undone.h"

#define LONGEST 5 /* stretches report's text names */

/* Appends to buf (holding *used bytes of len) what fmt says. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, const char *a, const char *b)
{
	if (*used < len) {
		int n = snprintf(buf + *used, len - *used, fmt, a, b);

		*used += n > 0 ? (size_t)n : 0;
	}
}

/* Writes the threads of a stretch: their distinct names, "and others"
 * when there were more; returns whether more than one thread. */
static bool thread_words(const struct undone_stretch *s, cli_undone_name_fn name, void *ctx, char *buf,
			 size_t len)
{
	const char *seen[UNDONE_TIDS];
	char tidname[UNDONE_TIDS][24];
	unsigned k, j, n = 0;
	size_t used = 0;

	buf[0] = '\0';
	for (k = 0; k < s->ntids; k++) {
		const char *nm = name ? name(ctx, s->tid[k]) : NULL;

		if (!nm || !*nm) {
			snprintf(tidname[k], sizeof(tidname[k]), "thread %d", (int)s->tid[k]);
			nm = tidname[k];
		}
		for (j = 0; j < n && strcmp(seen[j], nm); j++)
			;
		if (j == n)
			seen[n++] = nm;
	}
	if (n == 1 && (s->ntids > 1 || s->more_tids)) {
		put(buf, len, &used, "%s threads%s", seen[0], "");
		return true;
	}
	for (k = 0; k < n; k++)
		put(buf, len, &used, "%s%s", k == 0 ? "" : k + 1 < n || s->more_tids ? ", " : " and ", seen[k]);
	if (s->more_tids)
		put(buf, len, &used, "%s%s", " and others", "");
	return s->ntids > 1 || s->more_tids;
}

/* The stretch in words (see cli.h). */
void cli_undone_words(const struct undone_stretch *s, cli_undone_name_fn name, void *ctx, char *buf, size_t len)
{
	struct undone_mask waited = { { s->waited_on, 0 }, false };
	char who[8 * EVENT_TEXT_MAX + 64], cpus[256], mask[256], idle[32];
	bool many = thread_words(s, name, ctx, who, sizeof(who));
	size_t used = 0;

	undone_mask_text(&waited, cpus, sizeof(cpus));
	undone_mask_text(&s->mask, mask, sizeof(mask));
	snprintf(idle, sizeof(idle), "%.1f ms", (double)s->idle_ns / 1e6);
	snprintf(buf, len, "CPU%u idle ", s->cpu);
	used = strlen(buf);
	put(buf, len, &used, "%s while %s", idle, who);
	put(buf, len, &used, " %s runnable on CPU%s", many ? "were" : "was", strchr(cpus, ',') || strchr(cpus, '-') ? "s " : "");
	put(buf, len, &used, "%s%s", cpus, s->waited_high ? " and others" : "");
	if (s->why == UNDONE_WHY_AFFINITY) {
		put(buf, len, &used, ": %s affinity is CPU%s", many ? "their" : "its",
		    strchr(mask, ',') || strchr(mask, '-') || strchr(mask, '+') ? "s " : "");
		put(buf, len, &used, "%s only%s", mask, "");
	} else if (s->why == UNDONE_WHY_NOT_AFFINITY) {
		char c[16];

		snprintf(c, sizeof(c), "%u", s->cpu);
		put(buf, len, &used, ": %s affinity allows CPU%s", many ? "their" : "its", c);
	}
}

/* The name undone keeps for a tid (its own model's). */
static const char *own_name(void *ctx, int32_t tid)
{
	return undone_name(ctx, tid);
}

/* Why in one word, for JSON. */
static const char *why_key(uint8_t why)
{
	return why == UNDONE_WHY_AFFINITY ? "affinity" : why == UNDONE_WHY_NOT_AFFINITY ? "not_affinity" : "unknown";
}

/* Prints the section as JSON members ("undone": {...}), after a comma. */
static void print_json(FILE *f, const struct undone *u, unsigned ncpus)
{
	char text[1024], mask[256];
	size_t i;
	unsigned c, k;

	fprintf(f, ",\n  \"undone\": {\"min_ns\": %llu, \"merge_ns\": %llu, \"cpus\": [", UNDONE_MIN_NS,
		UNDONE_MERGE_NS);
	for (c = 0; c < ncpus; c++)
		fprintf(f, "%s{\"cpu\": %u, \"idle_ns\": %" PRIu64 ", \"stretches\": %zu}", c ? ", " : "", c,
			undone_cpu_ns(u, c), undone_cpu_count(u, c));
	fprintf(f, "], \"stretches\": [");
	for (i = 0; i < undone_count(u); i++) {
		const struct undone_stretch *s = undone_at(u, i);

		fprintf(f, "%s\n    {\"cpu\": %u, \"from_ns\": %" PRIu64 ", \"to_ns\": %" PRIu64 ", \"idle_ns\": %" PRIu64
			", \"threads\": [", i ? "," : "", s->cpu, s->from, s->to, s->idle_ns);
		for (k = 0; k < s->ntids; k++) {
			const char *nm = undone_name(u, s->tid[k]);

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
		cli_undone_words(s, own_name, (void *)u, text, sizeof(text));
		fprintf(f, ", \"text\": ");
		cli_json_string(f, text);
		fputc('}', f);
	}
	fprintf(f, "%s]}", undone_count(u) ? "\n  " : "");
}

/* Prints the section as text: per-CPU totals, then the longest stretches. */
static void print_text(FILE *f, const struct undone *u, unsigned ncpus, uint64_t end)
{
	char text[1024], safe[4096];
	size_t shown[LONGEST], i, k, n = 0;
	unsigned c;

	fprintf(f, "\nCPU IDLE WHILE THREADS WERE RUNNABLE (on another CPU; stretches of %.0f ms or more idle)\n",
		(double)UNDONE_MIN_NS / 1e6);
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

		cli_undone_words(s, own_name, (void *)u, text, sizeof(text));
		safetext_escape(safe, sizeof(safe), text);
		fprintf(f, "  %10.3f  %s\n", (double)s->from / 1e6, safe);
	}
}

/* Reads the trace again and prints the section (see cli.h). */
int cli_report_undone(const char *file, bool json)
{
	struct cli_trace t = { 0 };
	struct undone *u = NULL;
	struct event ev;
	int e, r = 0, status = 1;

	if (cli_trace_open(&t, file))
		return 1;
	e = undone_new(&u, trace_reader_info(t.reader)->ncpus, trace_reader_info(t.reader)->target_pid == 0);
	while (!e && (r = cli_trace_next(&t, &ev)) > 0)
		if (r == 1)
			e = undone_add(u, &ev);
	if (!e && r == 0)
		e = undone_finish(u, trace_reader_end_ts(t.reader));
	if (e)
		cli_error("%s: %s", file, strerror(-e));
	if (e || r < 0) /* r < 0: cli_trace_next said why */
		goto out;
	if (json)
		print_json(stdout, u, trace_reader_info(t.reader)->ncpus);
	else
		print_text(stdout, u, trace_reader_info(t.reader)->ncpus, trace_reader_end_ts(t.reader));
	status = 0;
out:
	undone_free(u);
	cli_trace_close(&t);
	return status;
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

/* The name a timeline gives a tid. */
static const char *timeline_name(void *ctx, int32_t tid)
{
	const struct timeline *tl = ctx;
	long i = timeline_thread_index(tl, tid);
	const struct tl_thread *t = i >= 0 ? timeline_thread(tl, (size_t)i) : NULL;

	return t ? t->name : NULL;
}

/* A stretch in words with the timeline's names (see cli.h). */
void cli_undone_timeline_words(const struct timeline *tl, const struct undone_stretch *s, char *buf, size_t len)
{
	cli_undone_words(s, timeline_name, (void *)tl, buf, len);
}
