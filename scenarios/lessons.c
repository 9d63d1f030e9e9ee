/* The lesson cards (see lessons.h). One card per catalogue entry, in the
 * catalogue's order; docs/scenarios/NAME.md tells each story at length. */
#include "lessons.h"

#include <stddef.h>
#include <string.h>

const struct lesson_card lesson_cards[] = {
	{"race", "Lost updates on a shared counter",
	 "Both worker lanes run the whole time, never blocked, side by side on\n"
	 "two CPUs; the markers show both reading the same value, then both\n"
	 "writing the same result. With --variant mutex they take turns (M, ^).",
	 "Two workers each add 1 to a counter 20 times (50 ms of work each;\n"
	 "at full speed 200 000 times). What does the counter say at the end?",
	 "counter = counter + 1 is three steps: read, add, write back. Two\n"
	 "threads can interleave them and an update vanishes. Lock the whole\n"
	 "read-modify-write, use one atomic add, or share less (local sums)."},
	{"contention", "A hot lock and its convoy",
	 "One worker lane runs while the others sit blocked on table_lock (M);\n"
	 "each request ends with a handover (^) to the next in line. CPUs idle\n"
	 "although four threads have work.",
	 "Four workers, two CPUs, one lock around each whole request.\n"
	 "How much faster than a single worker?",
	 "A lock held almost all the time makes threads queue: the program runs\n"
	 "one thread at a time, whatever the CPUs. Hold locks only for what\n"
	 "needs them, or split one lock into many (striping)."},
	{"rlock", "A lock its holder may take again (RLock)",
	 "The holder's lane runs on through both markers, registry_lock depth 1\n"
	 "then depth 2: taking it again cost no wait. The other task is blocked\n"
	 "on registry_lock (M) until the depth is back to 0. With --variant\n"
	 "plain both lanes turn M at once and stay so: one waits for itself.",
	 "registry_set() takes registry_lock, then calls registry_recount(),\n"
	 "which takes it too. What happens with a plain mutex? With an RLock?",
	 "A plain mutex locked again by its holder waits for itself forever. A\n"
	 "recursive one counts: it is free when unlocked as often as locked.\n"
	 "Other threads still wait for it, at any depth."},
	{"condvar", "Signal, broadcast, and the lost wakeup",
	 "Waiter lanes are blocked on token_ready (C). With signal, one ^ per\n"
	 "token; with --broadcast every sleeper wakes, queues for state_lock\n"
	 "(M) and all but one go back to sleep: 4, 3, 2, 1 wakeups per round.",
	 "Four waiters sleep and one token arrives. How many wake with signal?\n"
	 "With broadcast? What if one checks just before it waits?",
	 "A condition variable is a place to sleep until the state you need\n"
	 "arrives: check it in a while loop, under the mutex. A signal sent\n"
	 "when nobody waits is lost; broadcast wakes a herd to feed one."},
	{"barrier", "Everyone waits for the straggler",
	 "Each phase the runners finish and turn blocked at phase_barrier (B)\n"
	 "one by one, while runner-N keeps running; when it arrives every lane\n"
	 "wakes at once (^). With --split dynamic the blocked stretches shrink.",
	 "Three runners finish a phase in 100 ms, the fourth in 300 ms.\n"
	 "How long is a phase, and what do the three do meanwhile?",
	 "A barrier makes everybody go at the pace of the slowest. Balance the\n"
	 "work (take chunks from a shared pile) and the waiting shrinks; count\n"
	 "the parties wrong and nobody ever gets through."},
	{"prodcons", "A bounded buffer: back-pressure and a deadlock",
	 "Producer lanes: short runs, then blocked on not_full (C) or\n"
	 "empty_slots (S): the buffer is full. Each item a consumer takes wakes\n"
	 "a producer (^). In lbos-deadlock every lane blocks and no CPU is used.",
	 "Producers make an item in 50 ms, consumers use one in 100 ms, the\n"
	 "buffer holds 4. What will the producers' lanes look like?",
	 "A bounded queue makes the fast side wait for the slow one: that is\n"
	 "back-pressure, and the buffer's size sets how far ahead it may run.\n"
	 "Never block while holding a lock the one who would wake you needs."},
	{"semaphore", "At most K inside",
	 "K client lanes sleep in their query (z) while the rest are blocked on\n"
	 "free_connections (S); each leave marker is followed by a wakeup (^)\n"
	 "of a waiting client, who enters.",
	 "Six clients, two connections, each query 200 ms.\n"
	 "How many are inside at once? What do the others do?",
	 "A semaphore counts free things: sem_wait takes one or blocks,\n"
	 "sem_post gives one back and wakes a waiter. It counts; a mutex still\n"
	 "guards which one is free. A semaphore of 1 is a mutex."},
	{"event", "One set() starts them all; a timer to cancel",
	 "Runner lanes are blocked (C) until the bang marker, then all wake\n"
	 "together (^). The timer lane waits on time_limit (C, a timed wait)\n"
	 "through the race and, unless --cancel, its time runs out much later,\n"
	 "keeping the program alive; the markers row says 'timer fired' or\n"
	 "'timer cancelled'.",
	 "Four runners wait on one event and the starter calls set() once.\n"
	 "How many wake? The race lasts about 0.8 s, the timer 1.5 s from the\n"
	 "gun: when does the program end?",
	 "An event is a flag plus a condition variable: set() wakes every\n"
	 "waiter at once. A timer is a thread: the program waits for it unless\n"
	 "you cancel it."},
	{"gil", "CPython's GIL: one thread at a time",
	 "One worker lane runs at any moment, the others are blocked on\n"
	 "gil_cond (C); the letter on the CPU lanes moves from CPU to CPU but\n"
	 "rarely shows on two at once. The io lane sleeps (z, its I/O), then\n"
	 "waits for the GIL too. With --processes every worker runs.",
	 "Four threads each need 500 ms of CPU on two CPUs.\n"
	 "How long does it take? And with four processes?",
	 "Python threads are real threads, but only the GIL's holder runs\n"
	 "Python code: CPU-bound threads use about one CPU. Processes each\n"
	 "have their own GIL and use every CPU; threads still help for I/O."},
	{"iobound", "Threads for waiting, not for computing",
	 "Serial: main waits for 6 look-ups one after another. Threaded: every\n"
	 "lookup lane sleeps at the same time and it is over in about one wait.\n"
	 "With --variant cpu the tasks take turns on the GIL (C): no gain.",
	 "6 look-ups of 500 ms each take 3 s one after another.\n"
	 "How long in 6 threads? And 6 computations of 300 ms?",
	 "Waits overlap: threads make I/O-bound work as fast as its slowest\n"
	 "wait. Computation does not overlap under a GIL: for CPU-bound work,\n"
	 "use processes."},
	{"pool", "A worker pool: join, task_done, sentinels",
	 "Between batches every worker lane is blocked on not_empty (C); during\n"
	 "a batch main is blocked in join() on all_tasks_done while workers run\n"
	 "two at a time. With forgot-task-done everything goes quiet, forever.",
	 "While main waits in join(), what are the workers doing? If one job\n"
	 "forgets task_done(), what happens?",
	 "join() waits until every job put is declared done, so every job must\n"
	 "call task_done(), failures included (try/finally). One sentinel per\n"
	 "worker sends it home."},
	{"daemon", "Daemon threads are cut off when main ends",
	 "Main sleeps (z) while the workers compute their 300 ms jobs. When\n"
	 "main returns, at 1 s, every lane ends in the same instant, each\n"
	 "worker's last marker a job started with no job finished. With\n"
	 "--variant non-daemon main waits in join (J) until all jobs are done.",
	 "Three workers have six jobs each; main is done after 1 s and\n"
	 "returns without joining them. What happens to their jobs?",
	 "Returning from main ends the whole process: threads nobody waits for\n"
	 "stop mid-job, with no clean-up. A daemon suits work that may be lost;\n"
	 "join the threads whose work must finish."},
	{"shutdown", "Ctrl-C as a request: a clean shutdown",
	 "Workers run 300 ms jobs. At 1.2 s ctrl-c sends SIGINT and main's\n"
	 "handler takes it; each worker's lane goes on to the end of its job\n"
	 "(job finished, leaving), then ends; main's join returns. With\n"
	 "--variant killed every lane ends at the signal, mid-job.",
	 "Ctrl-C comes while three workers are in the middle of a job.\n"
	 "What happens to their jobs? How could they finish them first?",
	 "By default SIGINT ends the process at once. A handler that only sets\n"
	 "a flag makes it a request: workers look at the flag between jobs,\n"
	 "finish the one in hand and leave; main joins them."},
	{"oversub", "More busy threads than CPUs",
	 "CPU lanes change letter every few ms; every worker lane is mostly\n"
	 "runnable (-) with short runs, and all end together at the very end.\n"
	 "With --pool each pool lane runs without a break, task after task.",
	 "Eight threads need 500 ms of CPU each, on two CPUs.\n"
	 "When does the first finish? The last? And with a pool of two?",
	 "Extra CPU-bound threads only take turns: the total time stays the\n"
	 "same, and every result comes late. Size a pool to the CPUs."},
	{"processes", "Worker processes and shared memory",
	 "Each worker is a process of its own. Element by element, the workers\n"
	 "block on array_lock (M) and wake each other (^) over and over; done\n"
	 "locally, each runs straight through its chunk in a blink.",
	 "fork() copies memory: how does the parent see the results? Why is\n"
	 "one way 40 times slower when the multiplications are the same?",
	 "Processes share nothing unless told to: pipes, queues, shared memory.\n"
	 "Shared memory behind a lock is slow when touched element by element:\n"
	 "compute locally, then write once."},
	{"rwlock", "Readers that never leave starve a writer",
	 "The writer lane is blocked (R) from its request until the last reader\n"
	 "goes home, while the reader lanes keep taking turns inside. With\n"
	 "--variant writer-pref the writer gets in after the current readers.",
	 "A writer waits for the readers inside; a new reader arrives.\n"
	 "Let it in, or make it queue behind the writer?",
	 "Reader preference gives readers throughput and can starve a writer;\n"
	 "writer preference bounds the writer's wait and makes readers wait."},
	{"philosophers", "Five forks, five philosophers, one deadlock",
	 "Within milliseconds every philosopher lane turns blocked (M) and\n"
	 "stays so; no CPU is used. Nothing moves: that is the symptom. With\n"
	 "--fix they eat in turns.",
	 "Each takes the left fork, then the right one.\n"
	 "What happens when all five sit down at once?",
	 "A cycle of threads each holding what the next one needs is a\n"
	 "deadlock. Take locks in one global order and the cycle cannot close."},
	{"inversion", "Priority inversion",
	 "high is blocked on the lock low holds; low is runnable (-) but medium\n"
	 "owns the CPU. Only when medium is done does low run, unlock, and high\n"
	 "wake. With --fixed low inherits high's priority and finishes first.",
	 "high needs a lock that low holds, and medium needs no lock.\n"
	 "Who runs first?",
	 "A low-priority holder can make a high-priority thread wait for a\n"
	 "medium one. Priority inheritance lends the holder the waiter's\n"
	 "priority until it lets go."},
	{"falseshare", "False sharing",
	 "Two phases, the same picture twice: workers running, no lock, no\n"
	 "waiting. The lanes look alike; only the ops-per-second markers differ:\n"
	 "padded counters go faster.",
	 "Two threads each bump their own counter, no lock.\n"
	 "Why would it matter where the counters are in memory?",
	 "CPUs share memory by cache lines: two counters on one line bounce it\n"
	 "between the CPUs at every write. Give each hot counter a line."},
	{"spin", "Spinning wastes the CPU the holder needs",
	 "No worker lane is ever blocked: they run (*) or wait for a CPU (-)\n"
	 "all the time, yet most of that running is spinning. With --variant\n"
	 "mutex the waiters block and the holder gets the CPU.",
	 "Four workers, two CPUs, a spinlock. The holder is preempted.\n"
	 "What do the others do meanwhile?",
	 "A spinner burns a CPU while it waits; with more threads than CPUs it\n"
	 "may burn the very CPU the holder needs. Block (a mutex) unless the\n"
	 "wait is shorter than a context switch."},
};

const unsigned lesson_cards_len = sizeof lesson_cards / sizeof lesson_cards[0];

const char *const lesson_tour[] = {
	"race", "contention", "rlock", "condvar", "event", "barrier", "semaphore", "prodcons", "pool",
	"gil", "iobound", "daemon", "shutdown", "processes",
};

const unsigned lesson_tour_len = sizeof lesson_tour / sizeof lesson_tour[0];

/* Looks a card up by its scenario's exact name. */
const struct lesson_card *lesson_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < lesson_cards_len; i++)
		if (strcmp(lesson_cards[i].name, name) == 0)
			return &lesson_cards[i];
	return NULL;
}
