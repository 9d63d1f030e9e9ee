/* Which glibc synchronisation object a futex word belongs to: from the word
 * a thread sleeps on, the value it expected there, the memory around it,
 * and the program's symbol that contains it (when it has one), tells a
 * mutex from a condition variable, barrier, semaphore, read-write lock or
 * join, finds the object's start and, for a mutex or write lock, its
 * holder. Knows the x86-64 layouts of glibc 2.25 to 2.40 (pthread types
 * since the 2.25 condvar/rwlock rewrite); for any other libc, or a word that
 * fits no layout, it answers "a futex" rather than guess. */
#ifndef CONCTOP_GLIBC_SYNC_H
#define CONCTOP_GLIBC_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include "event.h"

/* The window of memory read around the word: GLIBC_WIN_BEFORE bytes before
 * it, the rest from it on (tracer/conctop.h's CT_WIN_* agree). */
#define GLIBC_WIN_LEN 48
#define GLIBC_WIN_BEFORE 16

/* A futex wait as the tracer saw it. */
struct glibc_wait {
	uint64_t word;          /* the futex word's address */
	uint32_t futex_op;      /* FUTEX_WAIT... with its flags */
	uint32_t val;           /* the value the thread expected there */
	const uint8_t *win;     /* GLIBC_WIN_LEN bytes around word */
	bool have_before;       /* the bytes before word were readable */
	bool have_after;        /* the bytes from word on were readable */
	int32_t tgid;
};

/* The program's data symbol that contains the word, if any. */
struct glibc_symbol {
	bool found;
	uint64_t start;         /* its address in the process */
	uint64_t size;
	bool opaque;            /* it holds futex words of its own, no glibc object: a C++
				 * library's table of atomic waits (std::barrier, latch, the
				 * wait of an atomic not 4 bytes wide), whose entries' sizes
				 * match a sem_t's */
};

/* What the classifier knows of the process beyond the wait. */
struct glibc_context {
	bool layout_known;      /* its libc is a glibc whose layouts this file knows */
	/* whether tid is a thread of process tgid (traced, alive or not) */
	bool (*is_thread)(void *ctx, int32_t tgid, int32_t tid);
	/* whether that thread has exited (NULL: never known) */
	bool (*exited)(void *ctx, int32_t tgid, int32_t tid);
	/* whether base is already known as an object of kind (OP_KIND_*) */
	bool (*known_object)(void *ctx, int32_t tgid, uint64_t base, uint32_t kind);
	void *ctx;
};

/* The answer. */
struct glibc_object {
	uint32_t kind;          /* OP_KIND_MUTEX ... OP_KIND_THREAD, or OP_KIND_FUTEX */
	uint32_t op;            /* the wait: OP_MUTEX_LOCK, OP_COND_WAIT, ... OP_SYS_FUTEX */
	uint64_t base;          /* the object's first byte (the joined thread's tid word) */
	int32_t holder;         /* mutex / write lock: the holder's tid read from it, 0 none */
	int32_t target;         /* join: the thread joined */
};

/* Classifies one futex wait. Never fails: an unknown word is OP_KIND_FUTEX
 * with base = the word. */
void glibc_sync_classify(const struct glibc_wait *w, const struct glibc_symbol *sym,
			 const struct glibc_context *c, struct glibc_object *out);

/* Whether a glibc of version major.minor has the layouts this file knows. */
bool glibc_sync_layout_known(int major, int minor);

/* Finds "release version M.N" in a libc file's bytes (glibc says so in a
 * string); returns true with *major, *minor set. */
bool glibc_sync_parse_version(const char *buf, size_t len, int *major, int *minor);

/* For a waker inside a futex wake through the word of an object of kind,
 * waking up to count threads: the wake op (OP_COND_SIGNAL,
 * OP_COND_BROADCAST, OP_MUTEX_UNLOCK, OP_SEM_POST, OP_BARRIER_WAIT...). */
uint32_t glibc_sync_wake_op(uint32_t kind, uint32_t count);

/* The name of an object of kind (OP_KIND_*) that lies delta bytes into the
 * program's data symbol sym of sym_size bytes (0: unknown). A condition
 * variable, barrier or semaphore is named after its variable: "start_gun"
 * for the condition variable inside struct start_gun, "gates[2]" for the
 * third of an array of them; never by an offset inside it. Any other kind
 * keeps "sym+delta". Writes at most len bytes, always terminated. */
void glibc_sync_object_name(uint32_t kind, const char *sym, uint64_t delta, uint64_t sym_size, char *buf,
			    size_t len);

/* Rewrites in place a name of the form "sym+delta" that an older conctop
 * recorded for an object of kind, as glibc_sync_object_name names it
 * (the symbol's size unknown). Any other name is left as it is. */
void glibc_sync_object_rename(uint32_t kind, char *name, size_t len);

#endif
