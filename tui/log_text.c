/* The event log in words: who did what to whom ("C woken by A, ran 41 µs
 * later on CPU1", "B tries mutex count_lock, held by A: B sleeps"), the
 * deadlocks' cycles, and the threads' states for the inspect panel. */
#include "log_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "grid.h"
#include "notes_text.h"
#include "render.h"
#include "utf8.h"

/* Writes a thread's lane letter, or for a thread past the 52 letters '&'
 * and its tid ("&4711"), so that every thread in the log is told apart. */
static void letter_of(const struct tl_thread *t, char *buf, size_t len)
{
	if (t->letter && t->letter != TL_LETTER_MORE)
		snprintf(buf, len, "%c", t->letter);
	else
		snprintf(buf, len, "%c%d", TL_LETTER_MORE, (int)t->tid);
}

/* Writes a thread's letter and name, or what an index below 0 stands for. */
void log_text_who(const struct timeline *tl, int64_t idx, char *buf, size_t len)
{
	const struct tl_thread *t = idx >= 0 ? timeline_thread(tl, (size_t)idx) : NULL;
	char letter[16];

	if (t) {
		letter_of(t, letter, sizeof(letter));
		snprintf(buf, len, "%s %s", letter, t->name[0] ? t->name : "?");
	} else if (idx == TL_WAKER_OTHER)
		snprintf(buf, len, "another program");
	else if (idx == TL_WAKER_KERNEL)
		snprintf(buf, len, "the kernel");
	else if (idx == TL_WAKER_TIMER)
		snprintf(buf, len, "a timer");
	else
		snprintf(buf, len, "an unknown waker");
}

/* Writes thread tid as its name (letters) or its lane letter (!names). */
static void chain_name(const struct timeline *tl, int tid, bool names, char *buf, size_t len)
{
	long ti = timeline_thread_index(tl, tid);
	const struct tl_thread *t = ti >= 0 ? timeline_thread(tl, (size_t)ti) : NULL;

	if (!t)
		snprintf(buf, len, "?");
	else if (names)
		snprintf(buf, len, "%s", t->name[0] ? t->name : "?");
	else
		letter_of(t, buf, len);
}

/* Deadlock i in words: who waits for what, held by whom, round the cycle. */
static void deadlock_words(const struct timeline *tl, size_t i, char *buf, size_t len)
{
	const struct waits_deadlock *d = timeline_deadlock(tl, i);
	size_t n = 0;
	unsigned k;

	if (!d) {
		snprintf(buf, len, "DEADLOCK");
		return;
	}
	n = (size_t)snprintf(buf, len, "DEADLOCK:");
	for (k = 0; k < d->n && n < len; k++) {
		char a[EVENT_TEXT_MAX + 8], b[EVENT_TEXT_MAX + 8], obj[EVENT_TEXT_MAX + 32];

		chain_name(tl, d->link[k].tid, true, a, sizeof(a));
		chain_name(tl, d->link[k].holder, true, b, sizeof(b));
		timeline_object_label(tl, d->link[k].object, obj, sizeof(obj));
		n = waits_link_words(&d->link[k], a, obj, b, k == 0, buf, len, n);
	}
}

/* A damaged part skipped, in words (render.h). */
void render_damaged_words(const struct tl_log_entry *e, const char *parts, char *buf, size_t len)
{
	snprintf(buf, len, "a damaged part of the file was skipped here (%s): the %s around here are incomplete",
		 e->text[0] ? e->text : "?", parts);
}

/* Deadlock i as a banner (see log_text.h). */
void log_text_deadlock_banner(const struct timeline *tl, size_t i, int width, bool ascii, char *buf, size_t len)
{
	const struct waits_deadlock *d = timeline_deadlock(tl, i);
	const char *arrow_l = ascii ? " -" : " \u2500", *arrow_r = ascii ? "->" : "\u2192";
	char who[EVENT_TEXT_MAX + 8], obj[EVENT_TEXT_MAX + 32];
	int form;

	deadlock_words(tl, i, buf, len);
	if (!d || utf8_width(buf) <= width)
		return;
	for (form = 0; form < 2; form++) {
		size_t n = (size_t)snprintf(buf, len, "DEADLOCK:");
		unsigned k;

		for (k = 0; k < d->n && n < len; k++) {
			chain_name(tl, d->link[k].tid, form == 0, who, sizeof(who));
			if (d->link[k].kind == WAIT_JOIN)
				snprintf(obj, sizeof(obj), "join");
			else
				timeline_object_label(tl, d->link[k].object, obj, sizeof(obj));
			n += (size_t)snprintf(buf + n, len - n, " %s%s%s%s", who, arrow_l, obj, arrow_r);
		}
		if (n < len && d->n) { /* back to where the cycle began */
			chain_name(tl, d->link[0].tid, form == 0, who, sizeof(who));
			snprintf(buf + n, len - n, " %s", who);
		}
		if (utf8_width(buf) <= width)
			return;
	}
}

/* A blocking in words: what the thread tries, on which object, held by
 * whom ("B tries mutex count_lock, held by A: B sleeps"). */
static uint8_t block_words(const struct timeline *tl, const struct tl_log_entry *e, const char *subj,
			   const char *other, char *buf, size_t len)
{
	static const char *const waits[TL_STATE_MAX] = {
		[TL_BLOCKED_RWLOCK] = "waits for rwlock",
		[TL_BLOCKED_BARRIER] = "waits at barrier",
		[TL_BLOCKED_SEM] = "waits on semaphore",
		[TL_BLOCKED_FUTEX] = "waits on futex",
	};
	struct tl_at at;

	timeline_thread_at(tl, e->thread, e->ts, &at);
	if (at.state == TL_BLOCKED_MUTEX && e->other >= 0)
		snprintf(buf, len, "%s tries mutex %s, held by %s: %c sleeps", subj, e->text, other, subj[0]);
	else if (at.state == TL_BLOCKED_MUTEX)
		snprintf(buf, len, "%s sleeps on mutex %s", subj, e->text);
	else if (at.state == TL_BLOCKED_RWLOCK && e->other >= 0) /* (a writer holds it: readers are not named) */
		snprintf(buf, len, "%s waits for rwlock %s, held by %s", subj, e->text, other);
	else if (at.state == TL_BLOCKED_COND && at.signalling) /* (glibc's signaller waits for older waiters) */
		snprintf(buf, len, "%s blocks inside its signal of cond %s", subj, e->text);
	else if (at.state == TL_BLOCKED_COND)
		snprintf(buf, len, "%s waits on %s %s", subj, strcmp(e->text, "GIL") ? "cond" : "the", e->text);
	else if (at.state == TL_BLOCKED_SEM && strncmp(e->text, "Python Lock", 11) == 0) /* CPython's sem_t */
		snprintf(buf, len, "%s waits on %s", subj, e->text);
	else if (at.state == TL_BLOCKED_JOIN && timeline_object_kind(tl, e->value) == OP_KIND_CHILD)
		snprintf(buf, len, "%s waits for child %s", subj, e->text);
	else if (at.state == TL_BLOCKED_JOIN && e->value < 0 && e->other < 0) /* no object, no thread: any child */
		snprintf(buf, len, "%s waits for a child", subj);
	else if (at.state == TL_BLOCKED_JOIN)
		snprintf(buf, len, "%s waits to join %s", subj, e->other >= 0 ? other : "a thread");
	else
		snprintf(buf, len, "%s %s %s", subj, at.state < TL_STATE_MAX && waits[at.state] ? waits[at.state] : "blocks on",
			 e->text);
	return ROLE_LOG;
}

/* A wakeup in words: by whom, and how long until it ran where. */
static void wakeup_words(const struct tl_log_entry *e, const char *subj, const char *other, bool ascii, char *buf,
			 size_t len)
{
	char d[32];

	if (e->cpu < 0) {
		snprintf(buf, len, "%s woken by %s, has not run yet", subj, other);
	} else if (e->latency_ns == 0) {
		snprintf(buf, len, "%s woken by %s, ran at once on CPU%d", subj, other, e->cpu);
	} else {
		fmt_time_short(d, sizeof(d), e->latency_ns, ascii);
		snprintf(buf, len, "%s woken by %s, ran %s later on CPU%d", subj, other, d, e->cpu);
	}
}

/* The name of Linux signal sig (SIGSEGV), or "signal N" written into
 * buf (its own for each name a line holds). */
static const char *signal_name(int64_t sig, char *buf, size_t len)
{
	static const char *const names[] = {
		[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT",
		[7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
		[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM", [16] = "SIGSTKFLT", [24] = "SIGXCPU",
		[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [29] = "SIGIO", [30] = "SIGPWR", [31] = "SIGSYS",
	};

	if (sig > 0 && sig < (int64_t)(sizeof(names) / sizeof(names[0])) && names[sig])
		return names[sig];
	snprintf(buf, len, "signal %d", (int)(sig & 0xffff));
	return buf;
}

/* One log entry in words for a panel this wide (see render.h). */
uint8_t render_log_words_fit(const struct timeline *tl, const struct tl_log_entry *e, bool ascii, int width,
			     char *buf, size_t len)
{
	if (e->kind != TL_LOG_DEADLOCK || e->value < 0)
		return render_log_words(tl, e, ascii, buf, len);
	/* (the banner's words first, its shorter forms only when they do not fit) */
	log_text_deadlock_banner(tl, (size_t)e->value, width, ascii, buf, len);
	return ROLE_WARNING;
}

/* One log entry in words (see render.h). */
uint8_t render_log_words(const struct timeline *tl, const struct tl_log_entry *e, bool ascii, char *buf, size_t len)
{
	char subj[EVENT_TEXT_MAX + 8], other[EVENT_TEXT_MAX + 8];

	log_text_who(tl, (int64_t)e->thread, subj, sizeof(subj));
	log_text_who(tl, e->other, other, sizeof(other));
	switch (e->kind) {
	case TL_LOG_WAKEUP:
		wakeup_words(e, subj, other, ascii, buf, len);
		return ROLE_LOG;
	case TL_LOG_NEW:
		if (e->other >= 0)
			snprintf(buf, len, "%s created by %s", subj, other);
		else
			snprintf(buf, len, "%s appeared", subj);
		return ROLE_LOG;
	case TL_LOG_EXIT:
		snprintf(buf, len, "%s exited", subj);
		return ROLE_LOG;
	case TL_LOG_RENAME:
		snprintf(buf, len, "%c took the name %s", subj[0], e->text);
		return ROLE_LOG;
	case TL_LOG_MARK:
		snprintf(buf, len, "%s: %s %" PRId64, subj, e->text, e->value);
		return ROLE_MARK;
	case TL_LOG_LOST:
		snprintf(buf, len, "lost %" PRId64 " events on CPU%d: the lanes around here are incomplete", e->value,
			 e->cpu);
		return ROLE_WARNING;
	case TL_LOG_DAMAGED:
		render_damaged_words(e, "lanes", buf, len);
		return ROLE_WARNING;
	case TL_LOG_SIGNAL: {
		char sent[24], taken[24];

		if (e->other == TL_LOG_SIGNAL_GROUP)
			snprintf(buf, len, "%s ended with its process (another thread's exit, crash or exec)", subj);
		else if (e->other & TL_LOG_SIGNAL_SENT) /* a group-fatal signal, delivered as SIGKILL */
			snprintf(buf, len, "%s took %s (delivered as %s): its default action ends the process", subj,
				 signal_name(e->other & ~TL_LOG_SIGNAL_SENT, sent, sizeof(sent)),
				 signal_name(e->value, taken, sizeof(taken)));
		else
			snprintf(buf, len, "%s took %s: its default action ends the process%s", subj,
				 signal_name(e->value, taken, sizeof(taken)), e->other > 0 ? " (with a core dump)" : "");
		return ROLE_WARNING;
	}
	case TL_LOG_BLOCK:
		return block_words(tl, e, subj, other, buf, len);
	case TL_LOG_DEADLOCK:
		deadlock_words(tl, (size_t)e->value, buf, len);
		return ROLE_WARNING;
	case TL_LOG_NOTE: {
		char words[NOTES_TEXT_MAX];

		notes_text(tl, &e->note, words, sizeof(words));
		snprintf(buf, len, "note: %s", words);
		return ROLE_MARK;
	}
	default:
		snprintf(buf, len, "%s: event %u", subj, e->kind);
		return ROLE_LOG;
	}
}

/* A thread state in words. */
const char *log_text_state(unsigned state)
{
	static const char *const words[TL_STATE_MAX] = {
		[TL_NOT_ALIVE] = "not alive",
		[TL_RUNNING] = "running",
		[TL_SPINNING] = "spinning",
		[TL_RUNNABLE] = "runnable",
		[TL_BLOCKED_MUTEX] = "blocked on a mutex",
		[TL_BLOCKED_RWLOCK] = "blocked on an rwlock",
		[TL_BLOCKED_COND] = "blocked on a cond var",
		[TL_BLOCKED_BARRIER] = "blocked at a barrier",
		[TL_BLOCKED_SEM] = "blocked on a semaphore",
		[TL_BLOCKED_JOIN] = "blocked in join",
		[TL_BLOCKED_FUTEX] = "blocked on a futex",
		[TL_SLEEPING] = "sleeping",
		[TL_IO] = "waiting for I/O",
		[TL_UNINTERRUPTIBLE] = "uninterruptible",
		[TL_GATE] = "held at conctop's start gate",
		[TL_BLOCKED_UNKNOWN] = "blocked",
	};

	return state < TL_STATE_MAX && words[state] ? words[state] : "?";
}
