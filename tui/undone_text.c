/* Undone work in words (core/undone.h): core finds the stretches, this
 * says them, for report and log alike. */
#include "undone_text.h"

#include <stdio.h>
#include <string.h>

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
static bool thread_words(const struct undone_stretch *s, undone_text_name_fn name, void *ctx, char *buf,
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

/* The stretch in words (see undone_text.h). */
void undone_text(const struct undone_stretch *s, undone_text_name_fn name, void *ctx, char *buf, size_t len)
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
	if (!s->waited_on) /* only CPUs from 64 on, which a stretch does not list */
		put(buf, len, &used, " %s runnable on CPUs from 64 on%s", many ? "were" : "was", "");
	else
		put(buf, len, &used, " %s runnable on CPU%s", many ? "were" : "was",
		    strchr(cpus, ',') || strchr(cpus, '-') || s->waited_high ? "s " : "");
	if (s->waited_on)
		put(buf, len, &used, "%s%s", cpus, s->waited_high ? " and others from 64 on" : "");
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

/* The name a timeline gives a tid. */
static const char *timeline_name(void *ctx, int32_t tid)
{
	const struct timeline *tl = ctx;
	long i = timeline_thread_index(tl, tid);
	const struct tl_thread *t = i >= 0 ? timeline_thread(tl, (size_t)i) : NULL;

	return t ? t->name : NULL;
}

/* A stretch in words with the timeline's names (see undone_text.h). */
void undone_text_timeline(const struct timeline *tl, const struct undone_stretch *s, char *buf, size_t len)
{
	undone_text(s, timeline_name, (void *)tl, buf, len);
}
