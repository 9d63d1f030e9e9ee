/* Predict-then-reveal: finding the moments worth a question, the question
 * and the answer in words, and a round of them (see predict.h). */
#include "predict.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "log_text.h"
#include "utf8.h"

#define PREDICT_WORK_MAX 200000       /* log entries and thread look-ups one search may cost */
#define PREDICT_BATCH 32              /* log entries read at a time */
#define PREDICT_GROUP_NS (50 * 1000)  /* wakeups by the waker this close to the first are one answer */
#define WHO_MAX (EVENT_TEXT_MAX + 16)
#define LIST_MAX (PREDICT_CANDIDATES * (WHO_MAX + 8) + 16)

/* Whether a blocked state is a wait on an object another thread ends. */
static bool waits_on_object(unsigned st)
{
	return st == TL_BLOCKED_MUTEX || st == TL_BLOCKED_RWLOCK || st == TL_BLOCKED_COND ||
	       st == TL_BLOCKED_BARRIER || st == TL_BLOCKED_SEM || st == TL_BLOCKED_FUTEX;
}

/* Fills m->cand with the threads (but the waker) waiting on m->object just
 * before m->ts, in lane order; false when there are more than fit. Adds
 * the look-ups made to *work. */
static bool find_candidates(const struct timeline *tl, struct predict_moment *m, unsigned long *work)
{
	size_t n = timeline_thread_count(tl), i;
	struct tl_at at;

	m->ncand = 0;
	for (i = 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(tl, i);

		if (!t || i == m->waker || t->start_ns >= m->ts || t->end_ns < m->ts)
			continue;
		(*work)++;
		timeline_thread_at(tl, i, m->ts - 1, &at);
		if (!tl_state_blocked(at.state) || at.object != m->object)
			continue;
		if (m->ncand == PREDICT_CANDIDATES)
			return false;
		m->cand[m->ncand++] = i;
	}
	return true;
}

/* The position of thread i among m's candidates, or -1. */
static int cand_index(const struct predict_moment *m, size_t i)
{
	unsigned k;

	for (k = 0; k < m->ncand; k++)
		if (m->cand[k] == i)
			return (int)k;
	return -1;
}

/* Marks in m->woken the candidates the waker wakes along with the first
 * (whose log entry is number next - 1): its wakeups of candidates that follow
 * within PREDICT_GROUP_NS, until the waker does anything else. */
static void find_woken(const struct timeline *tl, struct predict_moment *m, uint64_t next, unsigned long *work)
{
	struct tl_log_entry e[PREDICT_BATCH];
	size_t n, k;

	for (;;) {
		n = timeline_log_read(tl, next, e, PREDICT_BATCH);
		if (n == 0)
			return;
		for (k = 0; k < n; k++) {
			int c;

			(*work)++;
			if (e[k].ts > m->ts + PREDICT_GROUP_NS)
				return;
			c = e[k].kind == TL_LOG_WAKEUP && e[k].other == (int64_t)m->waker ? cand_index(m, e[k].thread) : -1;
			if (c >= 0)
				m->woken |= 1u << c;
			else if (e[k].thread == m->waker)
				return; /* the waker went on to something else */
		}
		next += n;
	}
}

/* Whether log entry e (number idx) is a moment worth a question; fills *m. */
static bool moment_at(const struct timeline *tl, const struct tl_log_entry *e, uint64_t idx,
		      struct predict_moment *m, unsigned long *work)
{
	struct tl_at at;
	int c;

	if (e->kind != TL_LOG_WAKEUP || e->other < 0 || (size_t)e->other == e->thread || e->ts == 0)
		return false; /* another program, the kernel, conctop's start gate */
	(*work)++;
	timeline_thread_at(tl, e->thread, e->ts - 1, &at);
	if (!waits_on_object(at.state) || at.object < 0)
		return false; /* asleep, in I/O, joining: one answer */
	memset(m, 0, sizeof(*m));
	m->ts = e->ts;
	m->state = at.state;
	m->object = at.object;
	m->waker = (size_t)e->other;
	if (!find_candidates(tl, m, work) || m->ncand < 2)
		return false;
	c = cand_index(m, e->thread);
	if (c < 0)
		return false;
	m->woken = 1u << c;
	find_woken(tl, m, idx + 1, work);
	return true;
}

/* Finds the first moment worth a question (see predict.h). */
int predict_find(const struct timeline *tl, uint64_t after, uint64_t until, struct predict_moment *m,
		 uint64_t *scanned)
{
	struct tl_log_entry e[PREDICT_BATCH];
	unsigned long work = 0;
	uint64_t idx, end;
	size_t n, k;

	if (!tl || !m || !scanned || until < after)
		return -EINVAL;
	*scanned = until;
	if (after == UINT64_MAX || after == until)
		return 0;
	idx = timeline_log_index(tl, after + 1);
	end = until == UINT64_MAX ? timeline_log_count(tl) : timeline_log_index(tl, until + 1);
	while (idx < end) {
		n = timeline_log_read(tl, idx, e, end - idx < PREDICT_BATCH ? (size_t)(end - idx) : PREDICT_BATCH);
		if (n == 0)
			break;
		for (k = 0; k < n; k++) {
			if (moment_at(tl, &e[k], idx + k, m, &work))
				return 1;
			if (++work >= PREDICT_WORK_MAX && e[k].ts > after && e[k].ts < until) {
				*scanned = e[k].ts; /* the budget is spent: go on from here next time */
				return -EAGAIN;
			}
		}
		idx += n;
	}
	return 0;
}

/* How a kind of wait is said: the waiters' verb, the waker's, the question
 * and the answer's verbs (one, several, both, all). */
struct wording {
	const char *wait, *wake, *ask, *one, *many, *both, *all;
};

/* The wording for what m's candidates wait on, called label. */
static const struct wording *wording_of(const struct predict_moment *m, const char *label)
{
#define RUNS "runs", "run", "both run", "all run"
	static const struct wording cond = { "wait on %s", "signals", "who runs?", RUNS };
	static const struct wording lock = { "wait for %s", "unlocks it", "who gets it?", "gets it", "get it",
					     "both get it", "all get it" };
	static const struct wording gil = { "wait for the %s", "drops it", "who gets it?", "gets it", "get it",
					    "both get it", "all get it" };
	static const struct wording barrier = { "wait at %s", "arrives", "who runs?", RUNS };
	static const struct wording sem = { "wait on %s", "posts", "who runs?", RUNS };
	static const struct wording other = { "wait on %s", "wakes", "who runs?", RUNS };
#undef RUNS

	switch (m->state) {
	case TL_BLOCKED_COND: return strcmp(label, "GIL") ? &cond : &gil;
	case TL_BLOCKED_MUTEX:
	case TL_BLOCKED_RWLOCK: return &lock;
	case TL_BLOCKED_BARRIER: return &barrier;
	case TL_BLOCKED_SEM: return &sem;
	default: return &other;
	}
}

/* Thread i as "B consumer-1" (names) or "B". */
static void who(const struct timeline *tl, size_t i, bool names, char *buf, size_t len)
{
	const struct tl_thread *t = timeline_thread(tl, i);

	if (names)
		log_text_who(tl, (int64_t)i, buf, len);
	else
		snprintf(buf, len, "%c", t && t->letter ? t->letter : '?');
}

/* The candidates whose bit is set in mask (all: ~0u) as "[1] B consumer-1,
 * [2] C consumer-2 and [3] D" (or letters only without names); returns how
 * many were listed. */
static unsigned cand_list(const struct timeline *tl, const struct predict_moment *m, uint32_t mask, bool names,
			  char *buf, size_t len)
{
	unsigned k, count = 0, listed = 0;
	size_t n = 0;
	char w[WHO_MAX];

	for (k = 0; k < m->ncand; k++)
		count += (mask >> k) & 1u;
	buf[0] = '\0';
	for (k = 0; k < m->ncand && n < len; k++) {
		if (!((mask >> k) & 1u))
			continue;
		who(tl, m->cand[k], names, w, sizeof(w));
		listed++;
		n += (size_t)snprintf(buf + n, len - n, "%s[%u] %s", listed == 1 ? "" : listed == count ? " and " : ", ",
				      k + 1, w);
	}
	return listed;
}

/* The question of m in words (see predict.h). */
void predict_question_words(const struct timeline *tl, const struct predict_moment *m, int guess, int width,
			    char *buf, size_t len)
{
	/* the wordings, longest first: the prefix, the waiters' names, the waker's */
	static const bool forms[][3] = { { 1, 1, 1 }, { 0, 1, 1 }, { 0, 1, 0 }, { 0, 0, 1 }, { 0, 0, 0 } };
	char label[EVENT_TEXT_MAX + 32], wait[EVENT_TEXT_MAX + 48], list[LIST_MAX], waker[WHO_MAX], g[WHO_MAX + 24] = "";
	const struct wording *wd;
	size_t f;

	if (!len)
		return;
	timeline_object_label(tl, m->object, label, sizeof(label));
	wd = wording_of(m, label);
	snprintf(wait, sizeof(wait), wd->wait, label);
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		cand_list(tl, m, ~0u, forms[f][1], list, sizeof(list));
		who(tl, m->waker, forms[f][2], waker, sizeof(waker));
		if (guess >= 0 && (unsigned)guess < m->ncand) {
			char w[WHO_MAX];

			who(tl, m->cand[guess], false, w, sizeof(w));
			snprintf(g, sizeof(g), " Guess: [%d] %s", guess + 1, w);
		}
		snprintf(buf, len, "%s%s %s; %s %s: %s%s", forms[f][0] ? "PREDICT: " : "", list, wait, waker, wd->wake,
			 wd->ask, g);
		if (utf8_width(buf) <= width)
			return;
	}
}

/* The answer of m in words (see predict.h). */
void predict_answer_words(const struct timeline *tl, const struct predict_moment *m, int guess, unsigned right,
			  unsigned guessed, int width, char *buf, size_t len)
{
	/* "ANSWER:" goes last: it says which line this is */
	static const bool forms[][3] = { { 1, 1, 1 }, { 1, 1, 0 }, { 1, 0, 1 }, { 1, 0, 0 }, { 0, 0, 0 } };
	char label[EVENT_TEXT_MAX + 32], list[LIST_MAX], waker[WHO_MAX], judge[48] = "", score[48] = "";
	const struct wording *wd;
	unsigned woken;
	size_t f;

	if (!len)
		return;
	timeline_object_label(tl, m->object, label, sizeof(label));
	wd = wording_of(m, label);
	if (guessed)
		snprintf(score, sizeof(score), " Score %u/%u.", right, guessed);
	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		woken = cand_list(tl, m, m->woken, forms[f][1], list, sizeof(list));
		who(tl, m->waker, forms[f][2], waker, sizeof(waker));
		if (guess >= 0 && (unsigned)guess < m->ncand)
			snprintf(judge, sizeof(judge), " Guess [%d]: %s", guess + 1, (m->woken >> guess) & 1u ? "right!" : "wrong.");
		snprintf(buf, len, "%s%s %s, woken by %s (%s).%s%s", forms[f][0] ? "ANSWER: " : "", list,
			 woken == 1 ? wd->one : woken < m->ncand ? wd->many : woken == 2 ? wd->both : wd->all, waker, label,
			 judge, score);
		if (utf8_width(buf) <= width)
			return;
	}
}

/* Starts a round. */
void predict_round_reset(struct predict_round *r)
{
	memset(r, 0, sizeof(*r));
	r->guess = -1;
}

/* The clock is about to move (see predict.h). */
int predict_round_poll(struct predict_round *r, const struct timeline *tl, uint64_t play, uint64_t target,
		       uint64_t elapsed_ns, uint64_t *stop)
{
	struct predict_moment m;
	uint64_t from, scanned;
	int e;

	*stop = target;
	if (r->asking) {
		*stop = play;
		return 1;
	}
	if (r->asked_to && play + 1 < r->asked_to) { /* went back: ask again */
		r->asked_to = 0;
		r->answered = false;
		r->hold_ns = 0;
	}
	if (r->hold_ns) { /* the answer is being read: no question yet */
		r->hold_ns = elapsed_ns >= r->hold_ns ? 0 : r->hold_ns - elapsed_ns;
		if (r->hold_ns) {
			r->asked_to = target > r->asked_to ? target : r->asked_to;
			return 0;
		}
	}
	from = play > r->asked_to ? play : r->asked_to;
	if (target <= from)
		return 0;
	e = predict_find(tl, from, target, &m, &scanned);
	if (e == 1) {
		r->m = m;
		r->asking = true;
		r->answered = false;
		r->guess = -1;
		r->asked_to = m.ts;
		*stop = m.ts - 1;
		return 1;
	}
	r->asked_to = e == -EAGAIN ? scanned : target;
	*stop = r->asked_to;
	return 0;
}

/* A guess. */
int predict_round_guess(struct predict_round *r, unsigned number)
{
	if (!r->asking)
		return -ENOENT;
	if (number < 1 || number > r->m.ncand)
		return -ERANGE;
	r->guess = (int)number - 1;
	return 0;
}

/* Space: the answer. */
int predict_round_reveal(struct predict_round *r)
{
	if (!r->asking)
		return -ENOENT;
	r->asking = false;
	r->answered = true;
	r->hold_ns = PREDICT_HOLD_NS;
	if (r->guess >= 0) {
		r->guessed++;
		if ((r->m.woken >> r->guess) & 1u)
			r->right++;
	}
	return 0;
}

/* Whether a question is open. */
bool predict_round_asking(const struct predict_round *r)
{
	return r->asking;
}

/* The open question's candidates. */
unsigned predict_round_candidates(const struct predict_round *r)
{
	return r->asking ? r->m.ncand : 0;
}

/* What the predict line says now. */
bool predict_round_words(const struct predict_round *r, const struct timeline *tl, int width, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (r->asking)
		predict_question_words(tl, &r->m, r->guess, width, buf, len);
	else if (r->answered)
		predict_answer_words(tl, &r->m, r->guess, r->right, r->guessed, width, buf, len);
	return len && buf[0];
}
