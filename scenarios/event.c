/* event: a start gun that releases every runner at once, and a timer.
 *
 * The lesson. An event is the simplest way for one thread to tell many
 * "go": a flag that starts false, set() makes it true and wakes everybody
 * waiting, wait() blocks until it is true (at once if it already is), and
 * clear() makes it false again. It is Python's threading.Event, and the
 * course notes use it to make one thread wait for another's print. POSIX has
 * no event, so here is one, built as CPython builds its own: a flag, a
 * mutex that guards it, and a condition variable to sleep on (see the
 * condvar scenario for why the wait is a while loop).
 *
 * A timer is the other half of the story: "run this action in T ms, unless
 * I cancel it first", Python's threading.Timer. It is a thread that waits on
 * its own event, "cancelled", with a timeout of T: if the wait times out,
 * nobody cancelled it and the action runs; if the event was set, the timer
 * just ends. Again exactly how CPython does it.
 *
 * The story. Runners get ready and wait at the line on the event start_gun.
 * The starter waits until all are at the line, counts down (with --pace),
 * starts the time_limit timer and fires the gun: one event_set() wakes every
 * runner. They run their laps; the starter waits for all to finish. Then:
 *
 *   (default)  the starter forgets the timer. It fires its action ("time
 *              limit reached") when its time is up, long after the race,
 *              and the program cannot end before that: a timer is a thread,
 *              and main waits for it.
 *   --cancel   the starter cancels the timer as soon as the race is over:
 *              the timer wakes at once, skips its action and ends.
 *
 * What to watch under conctop: runner lanes are C (blocked on start_gun's
 * condition variable) until the gun; then all wake together (^) and run,
 * more runners than CPUs waiting their turn (-). The timer's lane sleeps
 * through the race; without --cancel it wakes on its own when the time is
 * up, with --cancel it is woken by the starter.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the Event: a flag, its mutex, and a condition variable ---- */
struct event {
	pthread_mutex_t lock;  /* guards flag and waiting */
	pthread_cond_t change; /* where wait() sleeps until the flag is set */
	int flag;
	int waiting;           /* threads inside event_wait (like n_waiting) */
};
#define EVENT_INITIALIZER \
	{PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0}

/* Sets the flag and wakes every thread waiting for it. */
static void event_set(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	ev->flag = 1;
	pthread_cond_broadcast(&ev->change);
	pthread_mutex_unlock(&ev->lock);
}

/* Makes the flag false again: later waits will block. */
static void event_clear(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	ev->flag = 0;
	pthread_mutex_unlock(&ev->lock);
}

/* Whether the flag is set now. */
static int event_is_set(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	int flag = ev->flag;
	pthread_mutex_unlock(&ev->lock);
	return flag;
}

/* How many threads are waiting for the event now. */
static int event_waiting(struct event *ev)
{
	pthread_mutex_lock(&ev->lock);
	int n = ev->waiting;
	pthread_mutex_unlock(&ev->lock);
	return n;
}

/* Waits until the flag is set, or timeout_ms have passed (a negative
 * timeout waits forever). Returns the flag: 1 set, 0 timed out. The
 * condition variable's deadline is on the wall clock, which may be slewed:
 * a timeout that comes before timeout_ms have passed on the monotonic
 * clock waits again for the rest. */
static int event_wait(struct event *ev, long timeout_ms)
{
	struct timespec deadline = scn_deadline(timeout_ms > 0 ? timeout_ms : 0);
	double until_ms = scn_now_ms() + (double)(timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&ev->lock);
	ev->waiting++;
	while (!ev->flag) {
		if (timeout_ms < 0)
			pthread_cond_wait(&ev->change, &ev->lock);
		else if (pthread_cond_timedwait(&ev->change, &ev->lock,
						&deadline) == ETIMEDOUT) {
			double left_ms = until_ms - scn_now_ms();
			if (left_ms <= 0)
				break;
			deadline = scn_deadline((long)left_ms + 1);
		}
	}
	ev->waiting--;
	int flag = ev->flag;
	pthread_mutex_unlock(&ev->lock);
	return flag;
}

/* ---- the Timer: a thread that waits on its own "cancelled" event ---- */
struct timer {
	pthread_t thread;
	long interval_ms;
	void (*action)(void);
	struct event cancelled;
	int fired;         /* whether the action ran */
	double started_ms; /* when it was started, and when it ended */
	double ended_ms;
};

/* The timer's thread: wait for the interval or a cancel, whichever first. */
static void *timer_main(void *arg)
{
	struct timer *t = arg;
	scn_name_thread("timer", 0);
	if (!event_wait(&t->cancelled, t->interval_ms)) { /* nobody cancelled */
		t->action();
		t->fired = 1;
	}
	t->ended_ms = scn_now_ms();
	/* on the timer's own lane: how its wait ended (value: ms waited) */
	conctop_mark(t->fired ? "timer fired" : "timer cancelled", (long)(t->ended_ms - t->started_ms));
	return NULL;
}

/* Starts the timer: its action runs in interval_ms unless cancelled. */
static void timer_start(struct timer *t)
{
	t->started_ms = scn_now_ms();
	scn_check(pthread_create(&t->thread, NULL, timer_main, t),
		  "pthread_create (timer)");
}

/* Cancels the timer: only works while it is still waiting. */
static void timer_cancel(struct timer *t)
{
	event_set(&t->cancelled);
}

/* ---- the story ---- */

/* The start gun all runners wait on, and the race's time limit. */
static struct event start_gun = EVENT_INITIALIZER;
static struct timer time_limit = {.cancelled = EVENT_INITIALIZER};

/* For the self-check: when the gun went off, and finishing places. */
static atomic_int gun_fired;
static double gun_ms;
static atomic_int places;

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long laps = -1;
static long pace = 0;
static long limit_ms = -1;
static long cancel = 0;

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 1, 256, "runner threads (default 4)"},
	{"--laps", "N", &laps, 1, 1000000,
	 "laps each runner runs (default 5, or 3 with --pace)"},
	{"--iterations", "N", &laps, 1, 1000000, "same as --laps"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: a lap takes about MS/2 ms of CPU, and the\n"
	 "countdown MS ms a step"},
	{"--limit", "MS", &limit_ms, 1, 600000,
	 "the time_limit timer's interval (default: 5 x what the race\n"
	 "should last + 100 ms: about 165 ms on 2 CPUs)"},
	{"--cancel", NULL, &cancel, 0, 1,
	 "cancel the timer when the race is over"},
};

static const char about[] =
	"Runners wait at the line on the event start_gun (a flag, a mutex and a\n"
	"condition variable, like Python's threading.Event); the starter fires it\n"
	"and one event_set() wakes them all. The starter also starts time_limit,\n"
	"a timer (like threading.Timer: a thread waiting on its own event with a\n"
	"timeout) whose action runs when its time is up, unless --cancel cancels\n"
	"it when the race is over.\n"
	"Self-check: every runner waited for the gun and none left before it;\n"
	"the timer fired after its interval, or with --cancel never fired.";

/* What each runner knows about itself, and what it measured. */
struct runner {
	pthread_t thread;
	int id;          /* 1, 2, ... as in its name runner-1 */
	int early;       /* left the line before the gun */
	double left_ms;  /* when it left the line */
	int place;       /* 1 for the winner */
};

/* How long a lap of runner-id takes, in microseconds of CPU: runner-1
 * the fastest, each next one a bit slower. */
static long lap_time_us(int id)
{
	return (pace > 0 ? pace * 500 : 1000) * (4 + id) / 5;
}

/* The timer's action. */
static void time_is_up(void)
{
	conctop_mark("time limit reached", limit_ms);
}

/* A runner: gets ready, waits for the gun, runs its laps. */
static void *runner_main(void *arg)
{
	struct runner *r = arg;
	scn_name_thread("runner", r->id);

	scn_busy_us(100 * r->id); /* getting ready: some take longer */
	event_wait(&start_gun, -1);
	r->left_ms = scn_now_ms();
	if (!atomic_load(&gun_fired))
		r->early = 1; /* cannot happen: the event was set before */

	/* The laps: runner-1 is the fastest, each next one a bit slower. */
	long lap_us = lap_time_us(r->id);
	for (long l = 1; l <= laps; l++) {
		scn_busy_us(lap_us);
		if (pace > 0)
			conctop_mark("lap", l);
	}
	r->place = atomic_fetch_add(&places, 1) + 1;
	conctop_mark("finished", r->place);
	return NULL;
}

/* The starter: lines the runners up, fires the gun, waits for the finish,
 * and (with --cancel) cancels the timer. */
static void *starter_main(void *arg)
{
	struct runner *runners = arg;
	scn_name_thread("starter", 0);

	for (int i = 0; i < threads; i++) {
		runners[i].id = i + 1;
		scn_check(pthread_create(&runners[i].thread, NULL, runner_main,
					 &runners[i]),
			  "pthread_create");
	}

	/* Wait until every runner is at the line, looking every 1 ms. */
	while (event_waiting(&start_gun) < threads)
		scn_sleep_ms(1);
	for (long count = 3; pace > 0 && count >= 1; count--) {
		conctop_mark("countdown", count);
		scn_sleep_ms(pace);
	}

	/* Bang. */
	timer_start(&time_limit);
	conctop_mark("bang", threads);
	atomic_store(&gun_fired, 1);
	gun_ms = scn_now_ms();
	event_set(&start_gun);

	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(runners[i].thread, NULL), "pthread_join");
	conctop_mark("race over", threads);
	if (cancel) {
		conctop_mark("cancel the timer", 0);
		timer_cancel(&time_limit);
	}
	event_clear(&start_gun); /* ready for another race */
	return NULL;
}

/* Runs the starter, the runners and the timer, then checks the story. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "event", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (laps < 0)
		laps = pace > 0 ? 3 : 5;
	if (limit_ms < 0) {
		/* Five times what the race should last, and 100 ms: with
		 * --cancel the race is surely over before the limit, even when
		 * other programs take most of the CPUs. */
		long race_us = 0;
		for (int id = 1; id <= threads; id++)
			race_us += laps * lap_time_us(id);
		long cpus = scn_cpus_available();
		race_us /= threads < cpus ? threads : cpus;
		limit_ms = 5 * race_us / 1000 + 100;
	}
	scn_name_thread("event", 0);
	time_limit.interval_ms = limit_ms;
	time_limit.action = time_is_up;

	struct runner *runners = scn_calloc(threads, sizeof *runners);
	pthread_t starter;
	scn_check(pthread_create(&starter, NULL, starter_main, runners),
		  "pthread_create");
	scn_check(pthread_join(starter, NULL), "pthread_join");
	/* A timer is a thread: the program waits for it, fired or not. */
	scn_check(pthread_join(time_limit.thread, NULL), "pthread_join (timer)");

	/* The self-check: nobody left early, all left soon after the gun,
	 * and the timer did what --cancel says. */
	int early = 0;
	double last_left = 0;
	for (int i = 0; i < threads; i++) {
		early += runners[i].early;
		if (runners[i].left_ms - gun_ms > last_left)
			last_left = runners[i].left_ms - gun_ms;
	}
	double timer_ms = time_limit.ended_ms - time_limit.started_ms;
	int timer_ok = cancel ? !time_limit.fired && timer_ms < limit_ms
			      : time_limit.fired && timer_ms >= limit_ms;
	int ok = early == 0 && timer_ok && !event_is_set(&start_gun);

	printf("event: %ld runner%s waited for start_gun and ", threads,
	       threads == 1 ? "" : "s");
	if (early)
		printf("WRONG: %d left before the gun\n", early);
	else {
		printf("left within %.1f ms of it; ", last_left);
		if (cancel)
			printf("the timer (%ld ms) was %s after %.1f ms%s\n",
			       limit_ms, time_limit.fired ? "NOT cancelled: it fired"
							  : "cancelled",
			       timer_ms,
			       timer_ok ? " and never fired its action, as expected"
					: ": WRONG: the race outlasted it");
		else
			printf("the timer (%ld ms), not cancelled, %s after %.1f "
			       "ms%s\n",
			       limit_ms, time_limit.fired ? "fired" : "did NOT fire",
			       timer_ms,
			       timer_ok ? ", long after the race, and kept the "
					  "program alive until then, as expected"
					: ": WRONG");
	}

	free(runners);
	return ok ? 0 : 1;
}
