/* condvar: waiters sleep on a condition variable until a signaller wakes them.
 *
 * The lesson. A condition variable is where threads sleep until some shared
 * state becomes what they need. It always goes with a mutex (here state_lock)
 * that guards that state, and it is always used the same way:
 *
 *     lock(state_lock);
 *     while (!what_i_need)                      // a loop, never a plain if
 *         pthread_cond_wait(&token_ready, &state_lock);
 *     ...use the state...
 *     unlock(state_lock);
 *
 * pthread_cond_wait releases the mutex and puts the thread to sleep in one
 * step, so no signal can slip in between; when the thread wakes it holds the
 * mutex again. The loop is needed because waking is only a hint: another
 * thread may have taken what you woke for, and POSIX even allows "spurious"
 * wakeups with no signal at all. So a woken thread checks again.
 *
 * The story. Each round, every waiter blocks on token_ready, and the
 * signaller hands out one token per waiter, one at a time. Before each token
 * it waits (on settled) until every waiter it woke is back from its wait and
 * the others are asleep or served, so what each wakeup does is plain to see
 * (and counted exactly). A woken waiter takes a token, uses
 * it, and waits on round_over until every waiter has finished the round.
 *
 * signal vs broadcast. With pthread_cond_signal (the default) each token
 * wakes one waiter, which takes it. With pthread_cond_broadcast (--broadcast,
 * like the course notes' notifyAll()) each token wakes every sleeping waiter:
 * they all queue for state_lock, one finds the token, and the others find
 * nothing and go back to sleep. That is the "thundering herd": with N
 * waiters a round costs N(N+1)/2 wakeups for N tokens. The self-check counts
 * the waiters that woke for nothing.
 *
 * Two bugs, chosen with --variant:
 *
 *   if           the waiter checks with a plain if instead of while. Woken by
 *                a broadcast, it goes on without re-checking: every waiter of
 *                the herd proceeds without a token. (This variant always
 *                broadcasts, so the bug shows every time.) Each one that
 *                proceeds without its token is detected and counted.
 *   lost-wakeup  one waiter, waiter-1, checks for a token WITHOUT holding
 *                state_lock, finds none, and is held up a moment before it
 *                calls pthread_cond_wait. Meanwhile the signaller hands out
 *                the token and signals: nobody is waiting, so the signal is
 *                lost, and waiter-1 then waits for a signal that already
 *                came. It would sleep forever; here its wait is a timed
 *                wait (--timeout), which catches and reports the bug. The
 *                delay is forced (a stage direction, below) so that the bug
 *                happens on every run; in real programs it happens once in a
 *                million runs, which is what makes it so hard to find. The
 *                course notes' Condition example has the same hazard: its
 *                consumers wait() without checking any state first.
 *
 * What to watch under conctop: the waiters' lanes show C (blocked on the
 * condition variable) until the signaller's signal; with --broadcast they
 * all wake together (^), queue for state_lock (M), and all but one go back
 * to C. With lost-wakeup, waiter-1 stays asleep after the others have run,
 * until its timeout.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* The mutex that guards the shared state below, and the three places a
 * thread can sleep until that state changes. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_ready = PTHREAD_COND_INITIALIZER; /* waiters: a token is there */
static pthread_cond_t settled = PTHREAD_COND_INITIALIZER;     /* signaller: all asleep or served */
static pthread_cond_t round_over = PTHREAD_COND_INITIALIZER;  /* waiters: the round is done */

/* The shared state; read and written only with state_lock held (except by
 * the lost-wakeup variant's waiter-1: that is its bug). */
static long tokens;       /* tokens handed out and not yet taken */
static long asleep;       /* waiters asleep on token_ready, not yet woken */
static long waking;       /* waiters woken, not yet back from the wait */
static long served;       /* waiters past their token wait this round */
static long finished;     /* waiters done with the current round */
static long closed_round; /* the last round every waiter finished */
static long handed_out;   /* tokens given in all, for the self-check */

/* Stage directions for lost-wakeup: they force the unlucky timing on every
 * run. Not part of the lesson; atomics, so reading them needs no lock. */
static atomic_int late_has_checked; /* waiter-1 did its unlocked check */
static atomic_long signals_sent;    /* tokens the signaller handed out */

/* The variants, in the order of the --variant list. */
#define VARIANTS "while|if|lost-wakeup"
enum { WHILE, IF, LOST_WAKEUP };

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long rounds = -1;
static long pace = 0;
static long broadcast = 0;
static long variant = WHILE;
static long timeout_ms = -1;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "waiter threads (default 4)"},
	{"--rounds", "N", &rounds, 1, 10000000,
	 "rounds of tokens (default 200, or 3 with --pace)"},
	{"--iterations", "N", &rounds, 1, 10000000, "same as --rounds"},
	{"--pace", "MS", &pace, 0, 60000,
	 "MS ms of CPU to prepare each token, and to use it (default 0)"},
	{"--broadcast", NULL, &broadcast, 0, 1,
	 "wake with pthread_cond_broadcast, not pthread_cond_signal"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "how waiters wait (default while; if and lost-wakeup are bugs)"},
	{"--timeout", "MS", &timeout_ms, 1, 600000,
	 "lost-wakeup: how long waiter-1's timed wait lasts\n"
	 "(default 200, or 10 x the pace)"},
};

static const char about[] =
	"Waiters sleep on the condition variable token_ready until a signaller\n"
	"hands out tokens, one per waiter per round, with pthread_cond_signal\n"
	"(wakes one) or, with --broadcast, pthread_cond_broadcast (wakes all: the\n"
	"others find nothing and go back to sleep: the thundering herd).\n"
	"  while        waiters re-check in a while loop after waking: correct\n"
	"  if           a plain if: woken by a broadcast, waiters go on without\n"
	"               a token (the bug is detected and counted)\n"
	"  lost-wakeup  waiter-1 checks without the lock and waits too late: the\n"
	"               signal is lost; its timed wait catches it\n"
	"Self-check: while: every waiter got one token per round, and the herd\n"
	"is counted; if: some waiter went on without a token; lost-wakeup:\n"
	"waiter-1's wakeup was lost and caught by its timeout.";

/* What each waiter knows about itself, and what it saw. */
struct waiter {
	pthread_t thread;
	int id;          /* 1, 2, ... as in its name waiter-1 */
	long passed;     /* waits it got through with a token */
	long wakeups;    /* times pthread_cond_wait returned on token_ready */
	long in_vain;    /* wakeups that found no token (went back to sleep) */
	long wrong;      /* times it went on without a token (the if bug) */
	int lost;        /* lost-wakeup: its wakeup never came */
	double slept_ms; /* lost-wakeup: how long it waited for it */
};

/* Sleeps on token_ready once, keeping the counts the signaller watches. */
static void sleep_on_token_ready(struct waiter *w)
{
	asleep++;
	pthread_cond_signal(&settled); /* one more asleep: maybe all are */
	pthread_cond_wait(&token_ready, &state_lock);
	if (waking > 0)
		waking--; /* the signaller woke us, and counted it */
	else
		asleep--; /* a spurious wakeup: nobody counted it */
	pthread_cond_signal(&settled); /* one fewer on its way */
	w->wakeups++;
}

/* The right way: a while loop, with state_lock held all along. */
static void wait_while(struct waiter *w, long r)
{
	while (tokens == 0) {
		sleep_on_token_ready(w);
		if (tokens == 0) { /* woke for nothing: back to sleep */
			w->in_vain++;
			conctop_mark("back to sleep", r);
		}
	}
	tokens--;
	w->passed++;
}

/* The if bug: checks once, and after a wakeup goes on regardless. */
static void wait_if(struct waiter *w, long r)
{
	if (tokens == 0)
		sleep_on_token_ready(w);
	if (tokens == 0) { /* the bug shows: it goes on without a token */
		w->wrong++;
		conctop_mark("no token!", r);
	} else {
		tokens--;
		w->passed++;
	}
}

/* The lost-wakeup bug, waiter-1 in round 1: check without the lock, wait
 * later. Called and returns with state_lock NOT held. */
static void wait_late(struct waiter *w, long r)
{
	if (tokens == 0) { /* 1. the check, without state_lock: the bug */
		conctop_mark("checked: no token", r);

		/* 2. Held up between the check and the wait (stage direction:
		 * here until the signaller has signalled every token of the
		 * round; in life, a preemption at the worst moment). */
		atomic_store(&late_has_checked, 1);
		while (atomic_load(&signals_sent) < threads * r)
			scn_sleep_ms(1);

		/* 3. Now waits for the signal that already came. A plain
		 * pthread_cond_wait would never return: the timed wait is the
		 * watchdog that turns the hang into a report. */
		pthread_mutex_lock(&state_lock);
		conctop_mark("waiting, too late", r);
		struct timespec deadline = scn_deadline(timeout_ms);
		double start = scn_now_ms();
		int rc = pthread_cond_timedwait(&token_ready, &state_lock,
						&deadline);
		w->slept_ms = scn_now_ms() - start;
		if (rc == ETIMEDOUT) {
			w->lost = 1;
			conctop_mark("lost wakeup caught", r);
		}
	} else {
		pthread_mutex_lock(&state_lock);
	}
	/* The token was there all along: take it and go on. */
	if (tokens > 0) {
		tokens--;
		w->passed++;
	}
	pthread_mutex_unlock(&state_lock);
}

/* A waiter: each round, waits for a token, uses it, waits for the others. */
static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	scn_name_thread("waiter", w->id);

	for (long r = 1; r <= rounds; r++) {
		/* 1. Wait for a token, the right way or a wrong one. */
		long had = w->passed;
		if (variant == LOST_WAKEUP && w->id == 1 && r == 1) {
			wait_late(w, r);
			pthread_mutex_lock(&state_lock);
		} else {
			pthread_mutex_lock(&state_lock);
			if (variant == IF)
				wait_if(w, r);
			else
				wait_while(w, r);
		}
		served++;
		pthread_cond_signal(&settled); /* one more served */
		pthread_mutex_unlock(&state_lock);
		if (w->passed > had)
			conctop_mark("got token", r);

		/* 2. Use it (outside the lock, so the others can wake meanwhile). */
		scn_pace(pace);

		/* 3. Wait until every waiter is done with this round, so that the
		 * next round's tokens can only reach waiters of the next round. */
		pthread_mutex_lock(&state_lock);
		finished++;
		if (finished == threads) {
			finished = 0;
			closed_round = r;
			pthread_cond_broadcast(&round_over);
		}
		while (closed_round < r)
			pthread_cond_wait(&round_over, &state_lock);
		pthread_mutex_unlock(&state_lock);
	}
	return NULL;
}

/* Whether the signaller may hand out the next token: the last one was
 * taken, every waiter it woke is back from its wait, and the others are
 * asleep or served (or all are served: the round is over; they may be
 * asleep again already, waiting for the next). Call with state_lock held. */
static int all_settled(void)
{
	return served == threads ||
	       (tokens == 0 && waking == 0 && asleep + served == threads);
}

/* The signaller: each round, one token per waiter, then waits for them all
 * to be served. */
static void *signaller_main(void *arg)
{
	(void)arg;
	scn_name_thread("signaller", 0);

	for (long r = 1; r <= rounds; r++) {
		if (variant == LOST_WAKEUP && r == 1)
			while (!atomic_load(&late_has_checked))
				scn_sleep_ms(1); /* stage direction */

		for (long k = 0; k < threads; k++) {
			/* Wait until every waiter is asleep or served, and the
			 * last token taken (lost-wakeup does not wait: a real
			 * signaller does not know who is about to wait). */
			pthread_mutex_lock(&state_lock);
			if (variant != LOST_WAKEUP)
				while (!all_settled())
					pthread_cond_wait(&settled, &state_lock);
			int all_served = served == threads; /* if: the herd went on */
			pthread_mutex_unlock(&state_lock);
			if (all_served)
				break;

			scn_pace(pace); /* prepare the token */

			pthread_mutex_lock(&state_lock);
			tokens++;
			handed_out++;
			if (broadcast) {
				pthread_cond_broadcast(&token_ready); /* wake them all */
				waking += asleep;
				asleep = 0;
			} else {
				pthread_cond_signal(&token_ready); /* wake one */
				if (asleep > 0) {
					asleep--;
					waking++;
				}
			}
			pthread_mutex_unlock(&state_lock);
			atomic_fetch_add(&signals_sent, 1);
			conctop_mark(broadcast ? "broadcast" : "signal", r);
		}

		/* The round is over for the signaller when all were served. */
		pthread_mutex_lock(&state_lock);
		while (served < threads)
			pthread_cond_wait(&settled, &state_lock);
		served = 0;
		pthread_mutex_unlock(&state_lock);
	}
	return NULL;
}

/* Runs the signaller and the waiters, then checks what each waiter saw. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "condvar", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (rounds < 0)
		rounds = pace > 0 ? 3 : 200;
	if (timeout_ms < 0)
		timeout_ms = pace * 10 > 200 ? pace * 10 : 200;
	if (variant == IF)
		broadcast = 1; /* so that woken waiters find nothing, every time */
	scn_name_thread("condvar", 0);

	struct waiter *waiters = scn_calloc(threads, sizeof *waiters);
	for (int i = 0; i < threads; i++) {
		waiters[i].id = i + 1;
		scn_check(pthread_create(&waiters[i].thread, NULL, waiter_main,
					 &waiters[i]),
			  "pthread_create");
	}
	pthread_t signaller;
	scn_check(pthread_create(&signaller, NULL, signaller_main, NULL),
		  "pthread_create");

	scn_check(pthread_join(signaller, NULL), "pthread_join");
	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(waiters[i].thread, NULL), "pthread_join");

	/* Add up what the waiters saw. */
	long passed = 0, wakeups = 0, in_vain = 0, wrong = 0, short_of = 0;
	for (int i = 0; i < threads; i++) {
		passed += waiters[i].passed;
		wakeups += waiters[i].wakeups;
		in_vain += waiters[i].in_vain;
		wrong += waiters[i].wrong;
		if (waiters[i].passed != rounds)
			short_of++;
	}
	int correct = short_of == 0 && wrong == 0 && passed == handed_out &&
		      tokens == 0;
	conctop_mark("wakeups", wakeups);

	/* The self-check, variant by variant. */
	int ok;
	printf("condvar: %ld waiter%s x %ld rounds, ", threads,
	       threads == 1 ? "" : "s", rounds);
	if (variant == WHILE && !broadcast) {
		/* One wakeup per token; a rare spurious one is allowed. */
		ok = correct && in_vain * 10 <= handed_out;
		printf("signal: %s: %ld tokens, %ld wakeups, %ld woke for "
		       "nothing\n",
		       ok ? "each signal woke one waiter, which took its token"
			  : "WRONG",
		       handed_out, wakeups, in_vain);
	} else if (variant == WHILE) {
		/* Token k of a round wakes the N-k+1 still asleep; N-k of them
		 * find nothing. Spurious wakeups could only add to that. */
		long herd = rounds * threads * (threads - 1) / 2;
		ok = correct && in_vain >= herd;
		printf("broadcast: %s: %ld tokens, %ld wakeups, %ld woke for "
		       "nothing and went back to sleep (expected %ld)\n",
		       ok ? "every waiter got its token, and the thundering herd "
			    "shows"
			  : "WRONG",
		       handed_out, wakeups, in_vain, herd);
	} else if (variant == IF) {
		ok = threads < 2 || wrong > 0;
		if (threads < 2)
			printf("if: one waiter is never beaten to its token: "
			       "nothing to show\n");
		else
			printf("if instead of while: %ld times a waiter woken by "
			       "the broadcast went on without a token (%s)\n",
			       wrong,
			       ok ? "the bug shows, as expected: re-check in a "
				    "while loop"
				  : "WRONG: expected the bug to show");
	} else { /* LOST_WAKEUP */
		struct waiter *late = &waiters[0];
		int others_ok = short_of == 0 && wrong == 0;
		ok = late->lost && others_ok;
		if (ok)
			printf("lost wakeup: waiter-1 checked for a token without "
			       "state_lock and began to wait after the signal had "
			       "gone; nobody woke it, and its timed wait gave up "
			       "after %.0f ms (a plain wait would sleep forever)\n",
			       late->slept_ms);
		else
			printf("lost wakeup: WRONG: %s\n",
			       !late->lost ? "waiter-1 was woken, its wakeup "
					     "was not lost"
					   : "the other waiters did not all get "
					     "their tokens");
	}

	free(waiters);
	return ok ? 0 : 1;
}
