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
 * The story. Each round, every waiter blocks on token_ready. The signaller
 * waits (on all_waiting) until all of them are asleep, then hands out one
 * token per waiter. It can wake them one at a time, with one
 * pthread_cond_signal per token (the default), or all at once with a single
 * pthread_cond_broadcast (--broadcast), like the course notes' notifyAll().
 * A woken waiter takes a token, works a little, and waits on round_over until
 * every waiter has finished the round.
 *
 * What to watch under conctop: the waiters' lanes show C (blocked on the
 * condition variable) until the signaller's signal; with --broadcast they all
 * wake together and then queue for state_lock (M) one after another, since
 * each must hold the mutex to return from pthread_cond_wait.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The mutex that guards the shared state below, and the three places a
 * thread can sleep until that state changes. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_ready = PTHREAD_COND_INITIALIZER; /* waiters: a token is there */
static pthread_cond_t all_waiting = PTHREAD_COND_INITIALIZER; /* signaller: all are in place */
static pthread_cond_t round_over = PTHREAD_COND_INITIALIZER;  /* waiters: the round is done */

/* The shared state; read and written only with state_lock held. */
static long open_round;   /* the round whose tokens are being handed out */
static long tokens;       /* tokens handed out and not yet taken */
static long waiting;      /* waiters in place for the next round */
static long finished;     /* waiters done with the current round */
static long closed_round; /* the last round every waiter finished */
static long handed_out;   /* tokens given in all, for the self-check */

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long rounds = -1;
static long pace = 0;
static long broadcast = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "waiter threads (default 4)"},
	{"--rounds", "N", &rounds, 1, 10000000,
	 "rounds of tokens (default 200, or 5 with --pace)"},
	{"--iterations", "N", &rounds, 1, 10000000, "same as --rounds"},
	{"--pace", "MS", &pace, 0, 60000,
	 "MS ms of CPU to prepare each token, and to use it (default 0)"},
	{"--broadcast", NULL, &broadcast, 0, 1,
	 "one pthread_cond_broadcast per round, not one signal per token"},
};

static const char about[] =
	"Waiters sleep on the condition variable token_ready until a signaller\n"
	"hands out tokens: one pthread_cond_signal per token, or, with --broadcast,\n"
	"all tokens and one pthread_cond_broadcast. Each waiter re-checks its\n"
	"condition in a while loop after waking, as a waiter must.\n"
	"Self-check: in every round, every waiter got through its wait exactly once,\n"
	"holding a token of that round; wakeups that found nothing are reported.";

/* What each waiter knows about itself, and what it saw. */
struct waiter {
	pthread_t thread;
	int id;          /* 1, 2, ... as in its name waiter-1 */
	long passed;     /* waits it got through with a token */
	long wakeups;    /* times pthread_cond_wait returned on token_ready */
	long wrong;      /* times it left the wait without what it waited for */
};

/* A waiter: each round, waits for a token, uses it, waits for the others. */
static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	scn_name_thread("waiter", w->id);

	for (long r = 1; r <= rounds; r++) {
		pthread_mutex_lock(&state_lock);

		/* 1. Take our place; the last one in tells the signaller. */
		waiting++;
		if (waiting == threads)
			pthread_cond_signal(&all_waiting);

		/* 2. Sleep until a token of this round is there. */
		while (!(open_round == r && tokens > 0)) {
			pthread_cond_wait(&token_ready, &state_lock);
			w->wakeups++;
		}
		if (open_round != r || tokens <= 0)
			w->wrong++; /* cannot happen thanks to the loop */
		tokens--;
		w->passed++;
		pthread_mutex_unlock(&state_lock);
		conctop_mark("got token", r);

		/* 3. Use it (outside the lock, so the others can wake meanwhile). */
		scn_pace(pace);

		/* 4. Wait until every waiter is done with this round, so that the
		 * next round's signals can only reach waiters of the next round. */
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

/* The signaller: each round, waits until all waiters sleep, then wakes them. */
static void *signaller_main(void *arg)
{
	(void)arg;
	scn_name_thread("signaller", 0);

	for (long r = 1; r <= rounds; r++) {
		/* Wait until every waiter is asleep on token_ready. */
		pthread_mutex_lock(&state_lock);
		while (waiting < threads)
			pthread_cond_wait(&all_waiting, &state_lock);
		waiting = 0;
		pthread_mutex_unlock(&state_lock);

		if (broadcast) {
			scn_pace(pace); /* prepare the round's tokens */
			pthread_mutex_lock(&state_lock);
			open_round = r;
			tokens += threads;
			handed_out += threads;
			pthread_cond_broadcast(&token_ready); /* wake them all */
			pthread_mutex_unlock(&state_lock);
			conctop_mark("broadcast", r);
		} else {
			for (long i = 0; i < threads; i++) {
				scn_pace(pace); /* prepare one token */
				pthread_mutex_lock(&state_lock);
				open_round = r;
				tokens++;
				handed_out++;
				pthread_cond_signal(&token_ready); /* wake one */
				pthread_mutex_unlock(&state_lock);
				conctop_mark("signal", r);
			}
		}
	}
	return NULL;
}

/* Runs the signaller and the waiters, then checks what each waiter saw. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "condvar", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (rounds < 0)
		rounds = pace > 0 ? 5 : 200;
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

	/* The self-check: every waiter passed once per round, never wrongly,
	 * and every token handed out was taken. */
	long passed = 0, wakeups = 0, wrong = 0, short_of = 0;
	for (int i = 0; i < threads; i++) {
		passed += waiters[i].passed;
		wakeups += waiters[i].wakeups;
		wrong += waiters[i].wrong;
		if (waiters[i].passed != rounds)
			short_of++;
	}
	int ok = short_of == 0 && wrong == 0 && passed == handed_out &&
		 tokens == 0;
	long extra = wakeups - passed;
	conctop_mark("wakeups", wakeups);

	printf("condvar: %ld waiter%s x %ld rounds, %s: ", threads,
	       threads == 1 ? "" : "s", rounds,
	       broadcast ? "broadcast" : "signal");
	if (ok)
		printf("every waiter woke and took its token once per round "
		       "(%ld tokens, %ld wakeups, %ld spurious)\n",
		       handed_out, wakeups, extra);
	else
		printf("WRONG: %ld waiters passed a wrong number of times, %ld "
		       "passed without a token, %ld tokens given, %ld taken\n",
		       short_of, wrong, handed_out, passed);

	free(waiters);
	return ok ? 0 : 1;
}
