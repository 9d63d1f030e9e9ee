/* A known chain of waits, for conctop path (tests/integration/test_path.py):
 * chain-a waits on the condition variable chain_cv, which chain-b signals
 * once it has had the mutex chain_m2, which chain-c holds while it runs
 * busy for 50 ms of CPU time (however long other programs make that take).
 * chain-c starts its run when the main thread tells it to (after a 5 ms
 * sleep that lets chain-b block on chain_m2 first). chain-b starts only once
 * chain-a has read its clock, so chain-b's whole wait is inside chain-a's
 * (however slowly threads start, as under the sanitizers).
 *
 * Prints the program's own clock readings (CLOCK_MONOTONIC, ns), one line:
 * a_wait (chain-a calls pthread_cond_wait), a_woke (it returns), b_lock
 * (chain-b calls pthread_mutex_lock on chain_m2), b_signal (chain-b's
 * pthread_cond_signal returned), m_go (the main thread posts chain_go),
 * c_start (chain-c starts its busy run), c_release (chain-c calls
 * pthread_mutex_unlock on chain_m2), and c_cpu, the CPU time chain-c used
 * from c_start to c_release (CLOCK_THREAD_CPUTIME_ID). */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define BUSY_NS 50000000ll

pthread_mutex_t chain_m1 = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t chain_m2 = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t chain_cv = PTHREAD_COND_INITIALIZER;
sem_t chain_c_has, chain_a_in, chain_go;
static int ready;
static int64_t a_wait, a_woke, b_lock, b_signal, m_go, c_start, c_release, c_cpu;

/* A clock's reading in ns. */
static int64_t now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* chain-a: waits on chain_cv until chain-b says ready. */
static void *chain_a(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "chain-a");
	pthread_mutex_lock(&chain_m1);
	a_wait = now(CLOCK_MONOTONIC);
	sem_post(&chain_a_in);
	while (!ready)
		pthread_cond_wait(&chain_cv, &chain_m1);
	a_woke = now(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&chain_m1);
	return NULL;
}

/* chain-b: needs chain_m2 (held by chain-c), then signals chain-a. */
static void *chain_b(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "chain-b");
	b_lock = now(CLOCK_MONOTONIC);
	pthread_mutex_lock(&chain_m2);
	pthread_mutex_unlock(&chain_m2);
	pthread_mutex_lock(&chain_m1);
	ready = 1;
	pthread_cond_signal(&chain_cv);
	b_signal = now(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&chain_m1);
	return NULL;
}

/* chain-c: holds chain_m2, waits for the go, runs busy 50 ms of CPU, releases. */
static void *chain_c(void *arg)
{
	volatile uint64_t spin = 0;
	int64_t cpu0;

	(void)arg;
	pthread_setname_np(pthread_self(), "chain-c");
	pthread_mutex_lock(&chain_m2);
	sem_post(&chain_c_has);
	sem_wait(&chain_go);
	c_start = now(CLOCK_MONOTONIC);
	cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
	while (now(CLOCK_THREAD_CPUTIME_ID) - cpu0 < BUSY_NS)
		spin++;
	c_cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	c_release = now(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&chain_m2);
	return NULL;
}

/* Starts chain-c, then chain-a, then (once chain-a waits) chain-b; 5 ms later tells chain-c to go. */
int main(void)
{
	pthread_t a, b, c;
	struct timespec pause = { 0, 5000000 };

	sem_init(&chain_c_has, 0, 0);
	sem_init(&chain_a_in, 0, 0);
	sem_init(&chain_go, 0, 0);
	pthread_create(&c, NULL, chain_c, NULL);
	sem_wait(&chain_c_has);
	pthread_create(&a, NULL, chain_a, NULL);
	sem_wait(&chain_a_in);
	pthread_create(&b, NULL, chain_b, NULL);
	nanosleep(&pause, NULL);
	m_go = now(CLOCK_MONOTONIC);
	sem_post(&chain_go);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	printf("critchain: a_wait=%lld a_woke=%lld b_lock=%lld b_signal=%lld m_go=%lld c_start=%lld c_release=%lld "
	       "c_cpu=%lld\n",
	       (long long)a_wait, (long long)a_woke, (long long)b_lock, (long long)b_signal, (long long)m_go,
	       (long long)c_start, (long long)c_release, (long long)c_cpu);
	return 0;
}
