/* The catalogue of built-in scenarios (see catalogue.h). */
#include "catalogue.h"

#include <stddef.h>
#include <string.h>

/* One entry per scenario, in the order `conctop list` prints them: the
 * lessons of the course notes, from the simplest tool up. To add a
 * scenario, add its entry where it belongs: nothing else in conctop
 * changes (the program build/scenarios/NAME comes from scenarios/NAME.c).
 *
 *   name          the program's name, scenarios/NAME.c
 *   lesson        what it teaches, one line of at most 71 characters
 *                 (tests/scenarios.sh checks it); at most 67 fit 80
 *                 columns beside the name in `conctop list`
 *   default_args  the arguments of a live run when the user gives none: a
 *                 classroom pace, where one step of the story takes a few
 *                 hundred milliseconds (each scenario also picks fewer
 *                 iterations when --pace is given); may be ""; the
 *                 options given merge with them, and win where the two
 *                 collide (`run`, `record --classroom`)
 *   key_lanes     optional: the threads whose lanes the classroom view
 *                 shows first (the lesson's key lanes), by name
 */
const struct scenario_info scenario_catalogue[] = {
	{"race",
	 "a shared counter loses updates; fix: a mutex, atomics, local sums",
	 "--pace 50", NULL},
	{"contention",
	 "a hot lock makes threads queue (a convoy); shorten it, stripe it",
	 "--pace 100", NULL},
	{"rlock",
	 "a recursive mutex lets its holder lock again; a plain one deadlocks",
	 "--pace 100", NULL},
	{"condvar",
	 "signal wakes one, broadcast a herd; if vs while; a lost wakeup",
	 "--pace 100", NULL},
	{"barrier",
	 "all wait at a barrier for the straggler; static vs dynamic split",
	 "--pace 100", NULL},
	{"prodcons",
	 "a bounded buffer with condvars or semaphores, and the LBoS deadlock",
	 "--pace 50", NULL},
	{"semaphore",
	 "a semaphore of K lets at most K of N clients into a connection pool",
	 "--pace 200", NULL},
	{"event",
	 "an event fires the start gun for all runners; a timer to cancel",
	 "--pace 200 --limit 1500", "timer starter"},
	{"gil",
	 "CPython's GIL: threads take turns on one lock; --processes use all CPUs",
	 "--pace 100 --io", "io"},
	{"iobound",
	 "threads overlap I/O waits, but under the GIL computing gains nothing",
	 "--pace 100", NULL},
	{"pool",
	 "a pool drains a queue: join, task_done, sentinels; forgetting one hangs",
	 "--pace 100", NULL},
	{"daemon",
	 "daemon threads stop mid-job when main returns; joined ones finish",
	 "--pace 100", NULL},
	{"shutdown",
	 "SIGINT sets a flag: workers finish the job in hand; default kills",
	 "--pace 100", "ctrl-c"},
	{"oversub",
	 "more busy threads than CPUs: each preempted in turn; --pool fits CPUs",
	 "--pace 50", NULL},
	{"processes",
	 "worker processes: a job queue, pipes, slow element-wise shared memory",
	 "--pace 100 --iterations 2000", NULL},
	{"rwlock",
	 "readers that always overlap starve a writer; --variant writer-pref",
	 "--pace 100", "writer"},
	{"philosophers",
	 "each takes the left fork, then the right: deadlock; --fix breaks it",
	 "--pace 200", NULL},
	{"inversion",
	 "high waits for low while medium runs (SCHED_FIFO); --fixed inherits",
	 "--pace 300", "high medium low"},
	{"falseshare",
	 "counters on one cache line slow each other; --padded: a line each",
	 "--pace 500", NULL},
	{"spin",
	 "spinning waiters burn the CPU the holder needs; --variant mutex",
	 "--pace 10", NULL},
};

const unsigned scenario_catalogue_len =
	sizeof scenario_catalogue / sizeof scenario_catalogue[0];

/* Looks a scenario up by its exact name. */
const struct scenario_info *scenario_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < scenario_catalogue_len; i++)
		if (strcmp(scenario_catalogue[i].name, name) == 0)
			return &scenario_catalogue[i];
	return NULL;
}

/* Looks up the scenario a command line names by its first word. */
const struct scenario_info *scenario_of_command(const char *command)
{
	char name[64];
	size_t n;

	if (!command)
		return NULL;
	n = strcspn(command, " \t");
	if (n == 0 || n >= sizeof(name))
		return NULL;
	memcpy(name, command, n);
	name[n] = '\0';
	return scenario_find(name);
}
