/* semaphore: a pool of K connections shared by N clients.
 *
 * The lesson. A semaphore is a counter of free things. sem_wait takes one
 * (the counter goes down by one) and blocks while there are none; sem_post
 * gives one back (up by one), waking a thread that waits. A semaphore that
 * starts at K lets at most K threads past sem_wait at a time: the course
 * notes' threading.Semaphore(4), whose fifth acquire() blocks.
 *
 * The story. A server has K connections to its database (--connections) and
 * N clients (--clients) that each make a few requests. A request needs a
 * connection for the length of a query (the client sleeps meanwhile, as it
 * would waiting for the database). The semaphore free_connections starts at
 * K: a client takes a count before it takes a connection, so when all K are
 * in use the next client blocks in sem_wait until one comes back.
 *
 * The semaphore counts; it does not say WHICH connection is free. That is
 * the job of a small list, the pool, guarded by the mutex pool_lock: a
 * client that got past the semaphore is sure to find a connection in it,
 * and takes it under the lock. Counting with a semaphore, protecting a data
 * structure with a mutex: each tool for its own job.
 *
 * The self-check watches the rule itself: a counter of clients inside
 * (holding a connection), its highest value, and for each connection
 * whether two clients ever held it at once.
 *
 * What to watch under conctop: K client lanes are sleeping (z: the query)
 * while the others are S (blocked on free_connections); each client that
 * leaves wakes one that waits (^). The "enter" and "leave" markers show at
 * most K clients inside at any moment.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

/* The semaphore that counts the free connections (starts at K). */
static sem_t free_connections;

/* The pool: which connections are free, and who holds what. Read and
 * written with pool_lock held. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static int *free_list; /* numbers of the free connections, nfree of them */
static int nfree;
static int *holder;    /* per connection 1..K: the client holding it, or 0 */
static long inside;    /* clients holding a connection now */
static long most_inside; /* the highest inside ever was */
static long shared;    /* times a connection was found already held */

/* Options (-1: not given, a default is chosen in main). */
static long clients = 6;
static long connections = 2;
static long requests = -1;
static long query_ms = 5;
static long pace = 0;

static const struct scn_option options[] = {
	{"--clients", "N", &clients, 1, 256, "client threads (default 6)"},
	{"--threads", "N", &clients, 1, 256, "same as --clients"},
	{"--connections", "K", &connections, 1, 256,
	 "connections in the pool: the semaphore's start (default 2)"},
	{"--requests", "N", &requests, 1, 1000000,
	 "requests per client (default 4, or 3 with --pace)"},
	{"--iterations", "N", &requests, 1, 1000000, "same as --requests"},
	{"--query", "MS", &query_ms, 0, 60000,
	 "a query holds its connection MS ms, sleeping (default 5)"},
	{"--pace", "MS", &pace, 0, 60000,
	 "classroom pace: queries take MS ms, preparing one MS/4 ms of CPU"},
};

static const char about[] =
	"N clients share a pool of K database connections. The semaphore\n"
	"free_connections starts at K: each request takes a count (sem_wait,\n"
	"blocking when all K are in use), takes a free connection from the pool\n"
	"under the mutex pool_lock, runs its query, and gives both back.\n"
	"Self-check: never more than K clients held a connection at once, and\n"
	"no connection was held by two clients at once.";

/* What each client knows about itself, and what it measured. */
struct client {
	pthread_t thread;
	int id;           /* 1, 2, ... as in its name client-1 */
	long waits;       /* requests that found no free connection */
	double waited_ms; /* time spent waiting for one */
};

/* Gets a connection: a count from the semaphore, then one from the pool. */
static int connect_to_db(struct client *c)
{
	/* 1. The semaphore: blocks while all K connections are in use. */
	if (sem_trywait(&free_connections) != 0) {
		c->waits++;
		double start = scn_now_ms();
		while (sem_wait(&free_connections) != 0)
			; /* interrupted by a signal: wait again */
		c->waited_ms += scn_now_ms() - start;
	}

	/* 2. The pool: there is a free connection, sure; take it. */
	pthread_mutex_lock(&pool_lock);
	int conn = free_list[--nfree];
	if (holder[conn] != 0)
		shared++; /* cannot happen: the semaphore counts right */
	holder[conn] = c->id;
	inside++;
	if (inside > most_inside)
		most_inside = inside;
	/* the semaphore's count, as the pool sees it; marked under the pool's
	 * lock, so that the markers come in the order of the moves */
	conctop_mark("enter, free places", nfree);
	pthread_mutex_unlock(&pool_lock);
	return conn;
}

/* Gives the connection back to the pool, then the count to the semaphore. */
static void disconnect(struct client *c, int conn)
{
	pthread_mutex_lock(&pool_lock);
	if (holder[conn] == c->id)
		holder[conn] = 0;
	free_list[nfree++] = conn;
	inside--;
	/* before the post: nobody can enter on this place yet */
	conctop_mark("leave, free places", nfree);
	pthread_mutex_unlock(&pool_lock);
	sem_post(&free_connections); /* wakes a client that waits, if any */
}

/* A client: prepares each request, and runs it on a pooled connection. */
static void *client_main(void *arg)
{
	struct client *c = arg;
	scn_name_thread("client", c->id);

	for (long r = 0; r < requests; r++) {
		/* Prepare the request: a little computing. */
		scn_busy_us(pace > 0 ? pace * 250 : 200);

		int conn = connect_to_db(c);
		scn_sleep_ms(pace > 0 ? pace : query_ms); /* the query */
		disconnect(c, conn);
	}
	return NULL;
}

/* Runs the clients, then checks the pool's rule held. */
int main(int argc, char **argv)
{
	scn_parse_options(argc, argv, "semaphore", about, options,
			  (int)(sizeof options / sizeof options[0]));
	if (requests < 0)
		requests = pace > 0 ? 3 : 4;
	scn_name_thread("semaphore", 0);

	/* Connections are numbered 1..K; all free, 1 on top of the list. */
	free_list = scn_calloc(connections, sizeof *free_list);
	holder = scn_calloc(connections + 1, sizeof *holder);
	for (int i = (int)connections; i >= 1; i--)
		free_list[nfree++] = i;
	if (sem_init(&free_connections, 0, (unsigned)connections) != 0)
		scn_check(errno, "sem_init");

	struct client *cs = scn_calloc(clients, sizeof *cs);
	double start = scn_now_ms();
	for (int i = 0; i < clients; i++) {
		cs[i].id = i + 1;
		scn_check(pthread_create(&cs[i].thread, NULL, client_main, &cs[i]),
			  "pthread_create");
	}
	for (int i = 0; i < clients; i++)
		scn_check(pthread_join(cs[i].thread, NULL), "pthread_join");
	double wall_ms = scn_now_ms() - start;
	sem_destroy(&free_connections);

	long waits = 0;
	double waited_ms = 0;
	for (int i = 0; i < clients; i++) {
		waits += cs[i].waits;
		waited_ms += cs[i].waited_ms;
	}
	conctop_mark("most inside", most_inside);

	/* The self-check: the rule held, and the pool is whole again. */
	int ok = most_inside <= connections && shared == 0 && inside == 0 &&
		 nfree == connections;
	printf("semaphore: %ld client%s x %ld requests, %ld connection%s: ",
	       clients, clients == 1 ? "" : "s", requests, connections,
	       connections == 1 ? "" : "s");
	if (ok)
		printf("at most %ld inside at once (never more than %ld, as "
		       "expected); %ld requests waited for a connection, %.1f ms "
		       "in all; took %.0f ms\n",
		       most_inside, connections, waits, waited_ms, wall_ms);
	else
		printf("WRONG: %ld inside at once, %ld connections held twice, "
		       "%ld still inside at the end\n",
		       most_inside, shared, inside);

	free(cs);
	free(holder);
	free(free_list);
	return ok ? 0 : 1;
}
