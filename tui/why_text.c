/* Why a thread is slow, in words (see why_text.h). */
#include "why_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "safetext.h"
#include "utf8.h"
#include "vocab.h"

#define WHY_NAME_MAX (4 * EVENT_TEXT_MAX)
#define WHY_NAMES_SCANNED 1024 /* threads looked through for a name's twin */
#define WHY_HOLDER_W 15   /* a holder's name columns in a row (a Linux thread name's most) */
#define WHY_OBJECT_W 14   /* an object's name columns in a row of WHY_ROW_W or less */
#define WHY_OBJECT_MAX 40 /* and at most */
#define WHY_ROW_W 115     /* a row's columns with WHY_OBJECT_W and a short process name */

/* Thread i's name, escaped and cut to cols columns (0: whole), into buf
 * ("?" when the trace never said), followed by ":tid" when another
 * thread of s has that name too (the workers of a Python program are all
 * "python3"), or s has more threads than WHY_NAMES_SCANNED (a name is not
 * looked for among them all at every frame). */
static const char *why_name(const struct spans *s, size_t i, int cols, char *buf, size_t len)
{
	const struct spans_thread *t = spans_thread(s, i);
	size_t n = spans_thread_count(s), k, at;
	bool shared = n > WHY_NAMES_SCANNED;

	safetext_escape(buf, len, t && t->name[0] ? t->name : "?");
	if (cols > 0)
		buf[utf8_prefix(buf, cols)] = '\0';
	for (k = 0; t && !shared && k < n; k++)
		shared = k != i && !strcmp(spans_thread(s, k)->name, t->name);
	if (t && shared) {
		at = strlen(buf);
		snprintf(buf + at, len - at, ":%d", (int)t->tid);
	}
	return buf;
}

/* The columns of an object's name (see why_text.h). */
int why_object_columns(int width)
{
	int n = WHY_OBJECT_W + (width > WHY_ROW_W ? width - WHY_ROW_W : 0);

	return n > WHY_OBJECT_MAX ? WHY_OBJECT_MAX : n;
}

/* The heading of the overlay's rows. */
const char *why_waits_heading(int objw, char *buf, size_t len)
{
	snprintf(buf, len, "%-*s KIND    WAITS  TOTAL ms LONGEST ms WTRS HAND  %-33s PROCESS", objw, "OBJECT",
		 "HELD MOST, OTHERS WAITING");
	return buf;
}

/* One object's row: what fits 80 columns first, the process last. */
const char *why_waits_row(const struct spans *s, const struct contention_row *r, bool ascii, int objw, char *buf,
			  size_t len)
{
	char label[EVENT_TEXT_MAX + 32], esc[4 * sizeof(label)], obj[4 * sizeof(label)], proc[WHY_NAME_MAX];
	char held[WHY_NAME_MAX + 40] = "-", t[32], who[WHY_NAME_MAX];

	spans_object_label(s, r->object, label, sizeof(label));
	safetext_escape(esc, sizeof(esc), label);
	utf8_fit(obj, sizeof(obj), esc, objw, ascii);
	safetext_escape(proc, sizeof(proc), *spans_process_name(s, r->tgid) ? spans_process_name(s, r->tgid) : "?");
	if (r->nholders) {
		fmt_time_short(t, sizeof(t), r->holder[0].hold_ns, ascii);
		snprintf(held, sizeof(held), "%s %s", why_name(s, r->holder[0].thread, WHY_HOLDER_W, who, sizeof(who)), t);
	}
	snprintf(buf, len, "%s %-7s %5" PRIu64 " %9.3f %10.3f %4zu %4" PRIu64 "  %-33s %s(%d)", obj,
		 waits_kind_name(r->kind), r->waits, (double)r->total_ns / 1e6, (double)r->longest_ns / 1e6, r->waiters,
		 r->handovers, held, proc, r->tgid);
	return buf;
}

/* The child of node i with the largest charged time (the first, as the
 * nodes come depth first, children largest first), or 0 for none. */
static size_t why_first_child(const struct critpath *c, size_t i)
{
	const struct critpath_node *n = critpath_node(c, i + 1);

	return n && n->parent == i ? i + 1 : 0;
}

/* The largest reason node n's blocked time was charged to no thread:
 * writes its time to *ns and returns it (CRITPATH_END_MAX for none). */
static unsigned why_largest_end(const struct critpath_node *n, uint64_t *ns)
{
	unsigned best = CRITPATH_END_MAX;

	*ns = 0;
	for (unsigned k = 0; k < CRITPATH_END_MAX; k++) {
		if (n->unexplained_ns[k] > *ns) {
			*ns = n->unexplained_ns[k];
			best = k;
		}
	}
	return best;
}

/* Appends what node n's own time went to, its parts that are not 0:
 * "which ran 50.1 ms, runnable 929 µs, blocked 1 ms, woken by the kernel",
 * or, when that why is only the largest part of its blocked time,
 * "blocked 833 ms (610 ms of it woken by a timer)"; then the time it was
 * not alive, which the window's length counts ("not alive 175 ms"). */
static void why_own(char *buf, size_t len, const struct critpath_node *n, bool ascii, bool which)
{
	char t[32];
	uint64_t rest;
	unsigned why = why_largest_end(n, &rest);
	int k = snprintf(buf, len, "%s", which ? ", which " : ""), start = k;

	if ((n->running_ns || (!n->runnable_ns && why == CRITPATH_END_MAX)) && k >= 0 && (size_t)k < len) {
		fmt_time_short(t, sizeof(t), n->running_ns, ascii);
		k += snprintf(buf + k, len - (size_t)k, "ran %s", t);
	}
	if (n->runnable_ns && k >= 0 && (size_t)k < len) {
		fmt_time_short(t, sizeof(t), n->runnable_ns, ascii);
		k += snprintf(buf + k, len - (size_t)k, "%srunnable %s", n->running_ns ? ", " : "", t);
	}
	if (why < CRITPATH_END_MAX && k >= 0 && (size_t)k < len) {
		const char *sep = n->running_ns || n->runnable_ns ? ", " : "";

		fmt_time_short(t, sizeof(t), rest, ascii);
		if (n->blocked_ns > rest) { /* (the largest part: not all of it) */
			char all[32];

			fmt_time_short(all, sizeof(all), n->blocked_ns, ascii);
			k += snprintf(buf + k, len - (size_t)k, "%sblocked %s (%s of it %s)", sep, all, t,
				      critpath_end_name(why));
		} else {
			k += snprintf(buf + k, len - (size_t)k, "%sblocked %s, %s", sep, t, critpath_end_name(why));
		}
	}
	if (n->other_ns && k >= 0 && (size_t)k + 1 < len) { /* (a thread that lived less than the window) */
		fmt_time_short(t, sizeof(t), n->other_ns, ascii);
		snprintf(buf + k, len - (size_t)k, "%snot alive %s", k > start ? ", " : "", t);
	}
}

/* The path in one line. */
const char *why_path_summary(const struct spans *s, const struct critpath *c, bool ascii, char *buf, size_t len)
{
	const struct critpath_node *n = critpath_node(c, 0);
	char name[WHY_NAME_MAX], t[32], label[EVENT_TEXT_MAX + 32], obj[4 * sizeof(label)];
	size_t i = 0, k;
	int at;

	buf[0] = '\0';
	if (!n || !len)
		return buf;
	/* the root's parts add up to the window */
	fmt_time_short(t, sizeof(t), n->running_ns + n->runnable_ns + n->blocked_ns + n->other_ns, ascii);
	at = snprintf(buf, len, "%s's %s: ", why_name(s, n->thread, 0, name, sizeof(name)), t);
	while (at >= 0 && (size_t)at < len) {
		uint64_t rest;
		const struct critpath_node *ch;

		n = critpath_node(c, i);
		k = why_first_child(c, i);
		ch = k ? critpath_node(c, k) : NULL;
		why_largest_end(n, &rest);
		if (!ch || ch->charged_ns < n->running_ns + n->runnable_ns || ch->charged_ns < rest) {
			why_own(buf + at, len - (size_t)at, n, ascii, i > 0);
			break;
		}
		spans_object_label(s, ch->object, label, sizeof(label));
		safetext_escape(obj, sizeof(obj), ch->object >= 0 ? label : "");
		fmt_time_short(t, sizeof(t), ch->charged_ns, ascii);
		at += snprintf(buf + at, len - (size_t)at, "%s%s on %s%s%s for %s", i ? "; " : "", t,
			       waits_kind_name(ch->wait), obj[0] ? " " : "", obj,
			       why_name(s, ch->thread, 0, name, sizeof(name)));
		i = k;
	}
	return buf;
}
