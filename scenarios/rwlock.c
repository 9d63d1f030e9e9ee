/* rwlock: readers that never all let go at once starve a writer.
 *
 * The lesson. A readers-writer lock (pthread_rwlock_t) lets many readers in
 * together, since reading does not change anything, but a writer only alone.
 * That raises a question a plain mutex never has to answer: a writer is
 * waiting for the readers inside to leave, and a new reader arrives. Let it
 * in (the lock is in "read mode" anyway), or make it queue behind the writer?
 *
 *   - reader preference (glibc's default, PTHREAD_RWLOCK_PREFER_READER_NP)
 *     lets it in. Good for readers, but if readers overlap so that there is
 *     always at least one inside, the lock is never free and the writer
 *     waits until the readers stop altogether: it starves.
 *   - writer preference (--variant writer-pref,
 *     PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) makes new readers queue
 *     as soon as a writer waits. The readers inside finish, the writer gets
 *     its turn, then the queued readers go on. (Beware the look-alike
 *     PTHREAD_RWLOCK_PREFER_WRITER_NP: glibc treats it as reader preference.)
 *
 * The story. Readers read a shared scoreboard in rounds. They work in
 * overlapping shifts, like guards: reader-2 starts a quarter of a round after
 * reader-1, and so on, so at every moment several readers hold board_lock.
 * Once they are all on shift, the writer comes to post a new score. From
 * then on each reader reads --iterations more rounds and goes home. Reader
 * preference: all those rounds get in ahead of the writer, which writes only
 * when the last reader has left. Writer preference: none do; the writer gets
 * in as soon as the readers inside have finished their round, and the
 * readers who arrived meanwhile wait for it.
 *
 * What to watch under conctop: the writer's lane. Reader preference: blocked
 * (R) for the whole run while the readers keep coming and going, then it
 * writes at the very end. Writer preference: a short wait, during which
 * reader lanes turn to R too (queued behind the writer), then it writes and
 * everyone goes on.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np, clock_nanosleep */
#include "common.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The lock and what it guards: a scoreboard that readers read and the
 * writer updates. Initialised in main, with the preference chosen. */
static pthread_rwlock_t board_lock;
static long board[4];

/* Where all threads line up, so the shifts start at a known moment. */
static pthread_barrier_t start_line;

/* The writer comes only once every reader is on shift (on a busy machine,
 * threads may start late): the last reader to begin its first round posts
 * shifts_started. */
static sem_t shifts_started;
static atomic_int readers_started;

/* The moment (monotonic ms) the shifts count from. Set by main before
 * start_line opens; read-only afterwards. */
static double t0;

/* The writer's story, in two flags that readers look at as each round
 * begins. writer_in is set while the writer holds board_lock, when no reader
 * can be inside, so a reader that began before it sees 0 and one that began
 * after sees 1: exact. */
static atomic_int writer_asked; /* it is about to call pthread_rwlock_wrlock */
static atomic_int writer_in;    /* it got the lock */

/* Reader rounds begun after the writer asked and before it got in: rounds
 * that overtook it. */
static atomic_long overtook;
static double writer_wait_ms;

/* Reads that found the board half written: the lock makes that impossible. */
static atomic_long torn_reads;

/* Options (-1: not given, a default is chosen in main). */
static long threads = 4;
static long iterations = -1;
static long pace = 0;
static long variant = 0; /* 0 reader-pref, 1 writer-pref */
static long hold_ms;     /* one round of reading, see main */

#define VARIANTS "reader-pref|writer-pref"

static const struct scn_option options[] = {
	{"--threads", "N", &threads, 2, 64, "readers (default 4)"},
	{"--iterations", "N", &iterations, 1, 100000,
	 "rounds each reader reads once the writer waits\n"
	 "(default 20, or 10 with --pace)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "one round of reading holds board_lock MS ms (default 5)"},
	{"--variant", VARIANTS, &variant, 0, 0,
	 "reader-pref (default, as glibc's default: readers may\n"
	 "join while a writer waits) or writer-pref (new readers\n"
	 "queue behind a waiting writer)"},
};

static const char about[] =
	"Readers hold board_lock (a pthread_rwlock_t) in overlapping shifts, so\n"
	"there is always one inside; then a writer wants it. Under reader\n"
	"preference (glibc's default) new readers keep getting in and the writer\n"
	"starves until the readers are done. --variant writer-pref makes new\n"
	"readers queue behind the waiting writer: it gets in within a round.\n"
	"Self-check: of the --iterations rounds per reader read after the writer\n"
	"asked, more than half got in ahead of it under reader-pref, fewer under\n"
	"writer-pref (in practice: all of them, and none); and no reader ever\n"
	"saw the board half written.";

/* Sleeps until the monotonic clock reads ms (at once if that has passed). */
static void sleep_until_ms(double ms)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		; /* interrupted by a signal: sleep on */
}

/* What each thread knows about itself. */
struct role {
	pthread_t thread;
	int id; /* reader-1 is 1; the writer is 0 */
};

/* A reader: reads the board in rounds. Reader i starts (i-1)/N of a round
 * after reader-1, so the shifts are staggered and overlap: when one reader
 * leaves, the others are still inside. Reading is a little work (a fifth of
 * the round) and then waiting, as for a slow device, for the rest of the
 * round: the lock stays held without using a CPU. Rounds begun before the
 * writer came do not count: each reader reads --iterations rounds after. */
static void *reader_main(void *arg)
{
	struct role *me = arg;
	scn_name_thread("reader", me->id);
	pthread_barrier_wait(&start_line);

	sleep_until_ms(t0 + (double)(me->id - 1) * (double)hold_ms / (double)threads);
	int first = 1;
	for (long counted = 0; counted < iterations;) {
		pthread_rwlock_rdlock(&board_lock);
		if (first && atomic_fetch_add(&readers_started, 1) + 1 == threads)
			sem_post(&shifts_started); /* all readers are on shift */
		first = 0;
		if (atomic_load(&writer_asked)) {
			counted++;
			if (!atomic_load(&writer_in)) /* the writer waits: we pass */
				atomic_fetch_add(&overtook, 1);
		}
		if (pace > 0)
			conctop_mark("reader begins a round", me->id);

		/* Read the board. The writer changes all four scores together,
		 * under the lock, so a reader never sees them disagree. */
		for (int s = 1; s < 4; s++)
			if (board[s] != board[0])
				atomic_fetch_add(&torn_reads, 1);
		scn_busy_us(hold_ms * 200);                          /* a fifth: work */
		sleep_until_ms(scn_now_ms() + (double)hold_ms * 0.8); /* the rest: wait */

		pthread_rwlock_unlock(&board_lock);
		/* No pause here: the next round starts at once, which is what
		 * keeps the shifts overlapping. */
	}
	return NULL;
}

/* The writer: comes while the readers are on shift, waits for board_lock in
 * write mode, updates the board and leaves. */
static void *writer_main(void *arg)
{
	(void)arg;
	scn_name_thread("writer", 0);
	pthread_barrier_wait(&start_line);

	/* Once every reader is on shift, one round and a bit later: in the
	 * middle of the readers' second round. */
	while (sem_wait(&shifts_started) != 0)
		; /* interrupted by a signal: wait on */
	sleep_until_ms(scn_now_ms() + (double)hold_ms * (1 + 0.5 / (double)threads));

	conctop_mark("writer wants board_lock", 0);
	double asked = scn_now_ms();
	atomic_store(&writer_asked, 1);
	pthread_rwlock_wrlock(&board_lock);
	atomic_store(&writer_in, 1);
	writer_wait_ms = scn_now_ms() - asked;
	conctop_mark("writer got board_lock after ms", (long)(writer_wait_ms + 0.5));
	conctop_mark("reader rounds that overtook the writer", atomic_load(&overtook));

	for (int s = 0; s < 4; s++) /* write: as long as one round of reading */
		board[s]++;
	scn_busy_us(hold_ms * 1000);
	pthread_rwlock_unlock(&board_lock);
	return NULL;
}

/* Runs the readers and the writer, then checks who got in first. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "rwlock", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (iterations < 0)
		iterations = pace > 0 ? 10 : 20;
	hold_ms = pace > 0 ? pace : 5;
	scn_name_thread("rwlock", 0);

	/* The one line that differs between the two variants. */
	pthread_rwlockattr_t attr;
	scn_check(pthread_rwlockattr_init(&attr), "pthread_rwlockattr_init");
	scn_check(pthread_rwlockattr_setkind_np(
			  &attr, variant == 1 ? PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
					      : PTHREAD_RWLOCK_PREFER_READER_NP),
		  "pthread_rwlockattr_setkind_np");
	scn_check(pthread_rwlock_init(&board_lock, &attr), "pthread_rwlock_init");
	pthread_rwlockattr_destroy(&attr);

	/* Readers, the writer and main meet at start_line. */
	scn_check(pthread_barrier_init(&start_line, NULL, (unsigned)threads + 2),
		  "pthread_barrier_init");
	sem_init(&shifts_started, 0, 0);
	struct role *readers = scn_calloc(threads, sizeof *readers);
	struct role writer = {0};
	for (int i = 0; i < threads; i++) {
		readers[i].id = i + 1;
		scn_check(pthread_create(&readers[i].thread, NULL, reader_main,
					 &readers[i]),
			  "pthread_create");
	}
	scn_check(pthread_create(&writer.thread, NULL, writer_main, &writer),
		  "pthread_create");
	t0 = scn_now_ms() + 1; /* the shifts start just after the gate opens */
	pthread_barrier_wait(&start_line);

	for (int i = 0; i < threads; i++)
		scn_check(pthread_join(readers[i].thread, NULL), "pthread_join");
	scn_check(pthread_join(writer.thread, NULL), "pthread_join");
	pthread_barrier_destroy(&start_line);
	sem_destroy(&shifts_started);
	pthread_rwlock_destroy(&board_lock);

	/* The self-check: of the rounds read after the writer asked, how many
	 * got in ahead of it? Reader preference: (nearly) all, it waited until
	 * the readers were done. Writer preference: next to none. Half is the
	 * line between: a reader left alone for its last round (the others
	 * went home) does not turn starvation into fairness. */
	long after = threads * iterations;
	long ahead = atomic_load(&overtook);
	int starved = 2 * ahead > after;
	int ok = (variant == 0 ? starved : !starved) && atomic_load(&torn_reads) == 0;
	const char *verdict;
	if (atomic_load(&torn_reads) > 0)
		verdict = "and readers saw a half-written board: the lock failed!";
	else if (variant == 0)
		verdict = ok ? "starved by overlapping readers, as expected"
			     : "expected the readers to starve it";
	else
		verdict = ok ? "new readers queued behind it, as expected"
			     : "expected new readers to queue behind it";
	char name[16];
	printf("rwlock: %s: the writer waited %.1f ms for board_lock; %ld of the "
	       "%ld reader rounds read after it asked got in ahead of it (%s)\n",
	       scn_choice_name(VARIANTS, variant, name, sizeof name),
	       writer_wait_ms, ahead, after, verdict);

	free(readers);
	return ok ? 0 : 1;
}
