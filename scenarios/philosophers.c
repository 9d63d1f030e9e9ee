/* philosophers: five philosophers, five forks, and a deadlock.
 *
 * The lesson. N philosophers sit at a round table with one fork between
 * each two neighbours: philosopher-1 has fork_1 on the left and fork_2 on
 * the right, ..., the last one has fork_N on the left and fork_1 on the
 * right. To eat, a philosopher needs both forks. Each fork is a mutex.
 *
 * The obvious program deadlocks: every philosopher takes the left fork, then
 * reaches for the right one, which the neighbour already holds as its left.
 * Everyone waits for the next one around the table: a cycle of waiting, and
 * nobody will ever let go. Four conditions make a deadlock (Coffman): mutual
 * exclusion (a fork has one holder), hold and wait (holding the left fork
 * while waiting for the right), no preemption (nobody takes a fork away), a
 * circular wait. Each fix breaks one of them:
 *
 *   --fix order    lock ordering: always take the lower-numbered fork first.
 *                  The last philosopher then reaches for fork_1 before
 *                  fork_N, and the cycle cannot close (no circular wait).
 *   --fix footman  a footman (the semaphore footman, starting at N-1) lets
 *                  at most N-1 philosophers sit down at once: one of them
 *                  always finds both forks (no circular wait either).
 *   --fix trylock  take the left fork, *try* the right one; if it is taken,
 *                  put the left one back and back off for a random while
 *                  before trying again (no hold and wait). Random, because
 *                  philosophers that all back off for the same time all come
 *                  back together and fail together forever: a livelock.
 *
 * The trigger. A deadlock needs bad timing, so this program arranges it: all
 * philosophers sit down together, take their first fork, and pause (--delay)
 * before reaching for the second. By then every neighbour holds its own
 * first fork. The fixes must survive this same bad timing.
 *
 * The watchdog. Nobody inside a deadlock can notice it, so a thread named
 * watchdog (the shared one of scenarios/common.c) watches from outside: each
 * meal eaten is progress, and when there is none for --watchdog ms, it
 * prints who holds which fork and waits for which, and ends the program (the
 * philosophers, stuck in pthread_mutex_lock, cannot be asked to stop). The
 * exit status is then 3: the deadlock happened, and was caught.
 *
 * What to watch under conctop: at the start every philosopher runs briefly
 * (takes its first fork) and pauses; then all lanes turn to M (blocked on a
 * mutex) together and stay so, using no CPU at all, until the watchdog fires.
 * With a fix, lanes alternate between eating (running) and short waits.
 */
#define _GNU_SOURCE /* rand_r, pthread_barrier_t */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The forks: one mutex each, with the names the lesson uses, so the tracer
 * can call them by name. forks[k] is fork_k (forks[0] is unused). */
#define MAX_PHILOSOPHERS 8
static pthread_mutex_t fork_1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_3 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_4 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_5 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_6 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_7 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fork_8 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *const forks[MAX_PHILOSOPHERS + 1] = {
	NULL, &fork_1, &fork_2, &fork_3, &fork_4, &fork_5, &fork_6, &fork_7, &fork_8,
};

/* --fix footman: the semaphore that lets N-1 philosophers sit at once. */
static sem_t footman;

/* Everyone sits down at the same moment (part of the trigger). */
static pthread_barrier_t table;

/* Progress, as the watchdog sees it. */
static atomic_long meals_eaten;

/* Options (-1: not given, a default is chosen in main). */
static long threads = 5;
static long iterations = -1;
static long pace = 0;
static long delay = -1;
static long watchdog = -1;
static long fix = 0; /* 0 none, 1 order, 2 footman, 3 trylock */

#define FIXES "none|order|footman|trylock"

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 2, MAX_PHILOSOPHERS,
	 "philosophers, and forks (default 5, at most 8)"},
	{"--iterations", "N", &iterations, 1, 100000,
	 "meals each philosopher eats (default 3)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "thinking and eating take MS ms of CPU each (default: 1 ms)"},
	{"--delay", "MS", &delay, 0, 60000,
	 "pause between taking the first fork and reaching for\n"
	 "the second: the trigger (default 30, or --pace)"},
	{"--watchdog", "MS", &watchdog, 1, 600000,
	 "no meal for MS ms means deadlock (default 300, or\n"
	 "10 times --pace)"},
	{"--fix", FIXES, &fix, 0, 0,
	 "how to avoid the deadlock (default none: it happens)"},
};

static const char about[] =
	"N philosophers share N forks (mutexes fork_1..fork_N) around a table;\n"
	"each takes the left fork, pauses, then reaches for the right one, which\n"
	"the neighbour already holds: a circular wait, a deadlock. A watchdog\n"
	"thread: no meal for --watchdog ms, it says who waits for which fork\n"
	"and ends the program. --fix order (lower-numbered fork first), --fix\n"
	"footman (a semaphore seats N-1) and --fix trylock (put the fork back and\n"
	"back off) each break the cycle.\n"
	"Self-check: without a fix, the watchdog catches the deadlock (exit 3);\n"
	"with a fix, every meal is eaten (exit 0).";

/* What a philosopher is doing, for the watchdog's report. */
enum doing { THINKING, WAITING, PAUSING, EATING, BACKING_OFF, DONE };

/* One philosopher. The atomics are written by the philosopher and read by
 * the watchdog at any moment. */
struct philosopher {
	pthread_t thread;
	int id;            /* philosopher-1 is 1 */
	int first, second; /* the fork numbers it takes, in that order */
	atomic_int doing;  /* enum doing */
	atomic_int waits_for;   /* the fork it is waiting for, 0 none */
	atomic_int holds[2];    /* the forks it holds, 0 none */
	unsigned seed;     /* for the random back-off of --fix trylock */
};

/* Takes fork k, waiting for it as long as it takes. */
static void take_fork(struct philosopher *p, int slot, int k)
{
	atomic_store(&p->waits_for, k);
	atomic_store(&p->doing, WAITING);
	pthread_mutex_lock(forks[k]);
	atomic_store(&p->waits_for, 0);
	atomic_store(&p->holds[slot], k);
}

/* Puts fork k back on the table. */
static void put_fork(struct philosopher *p, int slot, int k)
{
	atomic_store(&p->holds[slot], 0);
	pthread_mutex_unlock(forks[k]);
}

/* One philosopher: thinks, takes two forks, eats, puts them back. */
static void *philosopher_main(void *arg)
{
	struct philosopher *p = arg;
	scn_name_thread("philosopher", p->id);
	pthread_barrier_wait(&table);

	for (long meal = 1; meal <= iterations; meal++) {
		atomic_store(&p->doing, THINKING);
		if (meal > 1) /* the first time, all start at once: the trigger */
			scn_pace(pace > 0 ? pace : 1);

		if (fix == 2)
			sem_wait(&footman); /* ask the footman for a seat */
		for (;;) {
			take_fork(p, 0, p->first);
			atomic_store(&p->doing, PAUSING);
			scn_sleep_ms(delay); /* the trigger: neighbours take theirs */
			if (fix != 3) {
				take_fork(p, 1, p->second); /* may wait forever */
				break;
			}
			/* --fix trylock: try the second fork, never wait for it. */
			if (pthread_mutex_trylock(forks[p->second]) == 0) {
				atomic_store(&p->holds[1], p->second);
				break;
			}
			put_fork(p, 0, p->first);
			atomic_store(&p->doing, BACKING_OFF);
			conctop_mark("fork taken: backing off", p->id);
			scn_sleep_ms(1 + rand_r(&p->seed) % (2 * delay + 2));
		}

		atomic_store(&p->doing, EATING);
		scn_pace(pace > 0 ? pace : 1); /* eat */
		put_fork(p, 1, p->second);
		put_fork(p, 0, p->first);
		if (fix == 2)
			sem_post(&footman);
		atomic_fetch_add(&meals_eaten, 1);
		scn_progress(); /* tells the watchdog: no deadlock yet */
		conctop_mark("meal eaten", p->id);
	}
	atomic_store(&p->doing, DONE);
	return NULL;
}

/* Appends to a fixed buffer, never past its end. */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* The table, for the watchdog's report. */
static struct philosopher *seated;

/* Called by the watchdog (see common.h) when no meal was eaten for
 * --watchdog ms: says in one line who holds what and waits for what, and
 * returns the exit status. The watchdog then ends the program: the
 * philosophers, stuck in pthread_mutex_lock, cannot be asked to stop. */
static int report_stall(void)
{
	char line[2048] = "";
	int waiting = 0;
	for (int i = 0; i < threads; i++) {
		struct philosopher *p = &seated[i];
		int w = atomic_load(&p->waits_for);
		int h0 = atomic_load(&p->holds[0]), h1 = atomic_load(&p->holds[1]);
		append(line, sizeof line, "%sphilosopher-%d", i ? "; " : "", p->id);
		if (h0 && h1)
			append(line, sizeof line, " holds fork_%d and fork_%d", h0, h1);
		else if (h0 || h1)
			append(line, sizeof line, " holds fork_%d", h0 ? h0 : h1);
		if (w) {
			append(line, sizeof line, "%s waits for fork_%d",
			       h0 || h1 ? " and" : "", w);
			waiting++;
		} else {
			static const char *const what[] = {
				"is thinking", "is waiting", "is pausing between forks",
				"is eating", "is backing off", "is done"};
			append(line, sizeof line, " %s", what[atomic_load(&p->doing)]);
		}
	}
	int deadlock = waiting == threads; /* everyone waits: a closed cycle */
	char name[16];
	if (fix == 0)
		printf("philosophers: %s after %ld meals, no meal for %ld ms: %s "
		       "(caught by the watchdog, as expected)\n",
		       deadlock ? "deadlock" : "stalled", atomic_load(&meals_eaten),
		       watchdog, line);
	else
		printf("philosophers: --fix %s: no meal for %ld ms after %ld "
		       "meals: %s (the fix should have prevented this!)\n",
		       scn_choice_name(FIXES, fix, name, sizeof name), watchdog,
		       atomic_load(&meals_eaten), line);
	return fix == 0 && deadlock ? 3 : 1;
}

/* Seats the philosophers and waits for them; the watchdog thread watches. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "philosophers", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (iterations < 0)
		iterations = 3;
	if (delay < 0)
		delay = pace > 0 ? pace : 30;
	if (watchdog < 0)
		watchdog = pace > 0 ? 10 * pace : 300;
	scn_name_thread("philosophers", 0);

	scn_check(pthread_barrier_init(&table, NULL, (unsigned)threads),
		  "pthread_barrier_init");
	if (sem_init(&footman, 0, (unsigned)threads - 1) != 0)
		scn_check(errno, "sem_init");

	seated = scn_calloc(threads, sizeof *seated);
	scn_watchdog_start(watchdog, report_stall);
	for (int i = 0; i < threads; i++) {
		struct philosopher *p = &seated[i];
		int left = i + 1;
		int right = (int)(i + 1) % (int)threads + 1;
		p->id = i + 1;
		p->first = left;
		p->second = right;
		if (fix == 1 && right < left) { /* lock order: lower number first */
			p->first = right;
			p->second = left;
		}
		p->seed = (unsigned)p->id * 2654435761u;
		scn_check(pthread_create(&p->thread, NULL, philosopher_main, p),
			  "pthread_create");
	}

	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(seated[i].thread, NULL), "pthread_join");
	scn_watchdog_stop();
	pthread_barrier_destroy(&table);
	sem_destroy(&footman);

	/* The self-check when nobody got stuck. */
	long total = threads * iterations;
	long eaten = atomic_load(&meals_eaten);
	conctop_mark("meals eaten", eaten);
	int ok;
	char name[16];
	if (fix == 0) {
		ok = 0;
		printf("philosophers: all %ld meals eaten without a deadlock "
		       "(expected one: make --delay longer?)\n", eaten);
	} else {
		ok = eaten == total;
		printf("philosophers: --fix %s: %ld philosophers ate all %ld of "
		       "%ld meals, no deadlock (%s)\n",
		       scn_choice_name(FIXES, fix, name, sizeof name), threads,
		       eaten, total, ok ? "as expected" : "meals are missing!");
	}
	free(seated);
	return ok ? 0 : 1;
}
