/* Predict-then-reveal: the moments of a timeline worth a question, and a
 * round of questions a class plays along with.
 *
 * A moment worth asking about is a thread of the program waking one of
 * several threads that wait on one object (a condition variable, a mutex,
 * a barrier, a semaphore...): "B consumer-1 and C consumer-2 wait on
 * not_empty; D producer-1 signals: who runs?". A wakeup by another program
 * or the kernel (conctop's start gate, a timer), a thread asleep or in I/O,
 * and a single waiter have an obvious answer and are never asked.
 *
 * The round keeps which moments were asked, the open question, the class's
 * guess (keys 1-9: the candidates in the order the question lists them),
 * the answer once revealed and the score. Pure: no terminal and no clock
 * but the wall time the caller passes. */
#ifndef CONCTOP_PREDICT_H
#define CONCTOP_PREDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "timeline.h"

#define PREDICT_CANDIDATES 9               /* the most waiters a question lists (keys 1-9) */
#define PREDICT_TEXT_MAX 320               /* a question or an answer in words, with its NUL */
#define PREDICT_HOLD_NS (3000000000ull)    /* an answer stays this much wall time before the next question */

/* A moment to ask about: just before ts, the threads cand[] wait on object
 * (in state), and waker wakes some of them at ts (the answer). */
struct predict_moment {
	uint64_t ts;                       /* the wakeup: the view stops just before it */
	uint8_t state;                     /* what they wait in (enum tl_state) */
	int64_t object;                    /* what they wait on (timeline_object_label) */
	size_t waker;                      /* the thread that wakes */
	size_t cand[PREDICT_CANDIDATES];   /* the waiting threads, in lane order */
	unsigned ncand;                    /* 2 .. PREDICT_CANDIDATES */
	uint32_t woken;                    /* bit i: cand[i] is woken at ts (together, by waker) */
};

/* Finds the first moment worth a question whose wakeup falls in
 * (after, until]. Returns 1 and fills *m; 0 when there is none (*scanned
 * = until); -EAGAIN when the search spent its budget before until
 * (*scanned: how far it looked; call again from there); -EINVAL for bad
 * arguments. */
int predict_find(const struct timeline *tl, uint64_t after, uint64_t until, struct predict_moment *m,
		 uint64_t *scanned);

/* The question of m in words, the longest wording that fits width columns
 * ("PREDICT: [1] B consumer-1 and [2] C consumer-2 wait on not_empty; D
 * producer-1 signals: who runs?"). guess is the candidate (0-based) the
 * class said, or -1. */
void predict_question_words(const struct timeline *tl, const struct predict_moment *m, int guess, int width,
			    char *buf, size_t len);

/* The answer of m in words, in at most width columns when it can ("ANSWER:
 * D producer-1 woke [2] C consumer-2 through not_empty"); with the guess
 * (or -1) judged, and the score when the class has guessed at all. */
void predict_answer_words(const struct timeline *tl, const struct predict_moment *m, int guess, unsigned right,
			  unsigned guessed, int width, char *buf, size_t len);

/* A round of questions. Read it through the functions below. */
struct predict_round {
	bool asking;            /* a question is open */
	bool answered;          /* the last question's answer is shown */
	struct predict_moment m;
	int guess;              /* the class's guess for m (0-based), -1 */
	uint64_t asked_to;      /* moments up to this time were asked or passed */
	uint64_t hold_ns;       /* wall time left before the next question */
	unsigned asked, guessed, right;
};

/* Starts a round: nothing asked, no score. */
void predict_round_reset(struct predict_round *r);

/* The playback clock is about to move from play to target, elapsed_ns of
 * wall time after the last call. Returns 1 and sets *stop (just before the
 * moment's wakeup) when a question opens on the way; 0 when the clock may
 * go to *stop (target, or less when the search must go on next time). A
 * clock moved back before what was asked asks again. */
int predict_round_poll(struct predict_round *r, const struct timeline *tl, uint64_t play, uint64_t target,
		       uint64_t elapsed_ns, uint64_t *stop);

/* Key number (1-9): the class guesses the candidate listed number-th.
 * Returns 0, -ENOENT when no question is open, -ERANGE when the question
 * lists fewer candidates. */
int predict_round_guess(struct predict_round *r, unsigned number);

/* Space: the open question's answer replaces it, and counts. Returns 0,
 * or -ENOENT when no question is open. */
int predict_round_reveal(struct predict_round *r);

/* Whether a question is open, and how many candidates it lists (0: none
 * open). */
bool predict_round_asking(const struct predict_round *r);
unsigned predict_round_candidates(const struct predict_round *r);

/* What the predict line says now, in at most width columns: the open
 * question (and the guess), else the last answer, else "" (false). */
bool predict_round_words(const struct predict_round *r, const struct timeline *tl, int width, char *buf,
			 size_t len);

#endif
