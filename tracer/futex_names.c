/* From block records to objects (see futex_names.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "conctop.h"
#include "futex_names.h"
#include "pairmap.h"

_Static_assert(CT_WIN_LEN == GLIBC_WIN_LEN && CT_WIN_BEFORE == GLIBC_WIN_BEFORE,
	       "the kernel's window and the classifier's must agree");

#define LAYOUT_KNOWN 1
#define LAYOUT_UNKNOWN 2
#define LAYOUT_TO_LEARN 3

#define THREAD_ALIVE 1
#define THREAD_EXITED 2

struct futex_names {
	struct pairmap threads;   /* (tgid, tid) -> THREAD_ALIVE or THREAD_EXITED */
	struct pairmap layouts;   /* (tgid, 0) -> LAYOUT_* */
	struct pairmap words;     /* (tgid, futex word) -> object base */
	struct pairmap objects;   /* (tgid, object base) -> kind */
	struct pairmap asleep;    /* (tid, 0) -> the futex word it last slept on */
};

/* Creates an empty one. */
int futex_names_new(struct futex_names **out)
{
	struct futex_names *f = calloc(1, sizeof(*f));

	*out = f;
	if (!f)
		return -ENOMEM;
	pairmap_init(&f->threads);
	pairmap_init(&f->layouts);
	pairmap_init(&f->words);
	pairmap_init(&f->objects);
	pairmap_init(&f->asleep);
	return 0;
}

/* Frees it. */
void futex_names_free(struct futex_names *f)
{
	if (!f)
		return;
	pairmap_done(&f->threads);
	pairmap_done(&f->layouts);
	pairmap_done(&f->words);
	pairmap_done(&f->objects);
	pairmap_done(&f->asleep);
	free(f);
}

/* Notes a thread of a process. */
int futex_names_thread(struct futex_names *f, int32_t tgid, int32_t tid)
{
	return pairmap_put(&f->threads, (uint32_t)tgid, (uint32_t)tid, THREAD_ALIVE);
}

/* Notes that a thread of a process exited. */
int futex_names_exit(struct futex_names *f, int32_t tgid, int32_t tid)
{
	uint64_t v;

	if (!pairmap_get(&f->threads, (uint32_t)tgid, (uint32_t)tid, &v))
		return 0;
	return pairmap_put(&f->threads, (uint32_t)tgid, (uint32_t)tid, THREAD_EXITED);
}

/* Notes whether a process's libc layouts are known. */
int futex_names_layout(struct futex_names *f, int32_t tgid, bool known)
{
	return pairmap_put(&f->layouts, (uint32_t)tgid, 0, known ? LAYOUT_KNOWN : LAYOUT_UNKNOWN);
}

/* Whether a process's layout was set since its last exec. */
bool futex_names_layout_set(const struct futex_names *f, int32_t tgid)
{
	uint64_t v;

	return pairmap_get(&f->layouts, (uint32_t)tgid, 0, &v) && v != LAYOUT_TO_LEARN;
}

/* A process runs a new program: its layout is to be learnt again. */
int futex_names_exec(struct futex_names *f, int32_t tgid)
{
	return pairmap_put(&f->layouts, (uint32_t)tgid, 0, LAYOUT_TO_LEARN);
}

/* A new process runs its parent's libc until it execs. */
int futex_names_inherit(struct futex_names *f, int32_t parent, int32_t child)
{
	uint64_t v;

	if (!pairmap_get(&f->layouts, (uint32_t)parent, 0, &v))
		return 0;
	return pairmap_put(&f->layouts, (uint32_t)child, 0, v);
}

/* glibc_sync's question: is tid a thread of tgid? */
static bool known_thread(void *ctx, int32_t tgid, int32_t tid)
{
	struct futex_names *f = ctx;
	uint64_t v;

	return pairmap_get(&f->threads, (uint32_t)tgid, (uint32_t)tid, &v);
}

/* glibc_sync's question: has that thread of tgid exited? */
static bool exited_thread(void *ctx, int32_t tgid, int32_t tid)
{
	struct futex_names *f = ctx;
	uint64_t v;

	return pairmap_get(&f->threads, (uint32_t)tgid, (uint32_t)tid, &v) && v == THREAD_EXITED;
}

/* glibc_sync's question: is base already an object of that kind? */
static bool known_object(void *ctx, int32_t tgid, uint64_t base, uint32_t kind)
{
	struct futex_names *f = ctx;
	uint64_t v;

	return pairmap_get(&f->objects, (uint32_t)tgid, base, &v) && v == kind;
}

/* Whether block ev is a futex wait worth a symbol look-up. */
bool futex_names_wants_symbol(const struct event *ev)
{
	return ev->type == EVENT_BLOCK && ev->op == OP_SYS_FUTEX && ev->arg;
}

/* Rewrites a block record into an EVENT_BLOCK. */
int futex_names_block(struct futex_names *f, struct event *ev, const struct glibc_symbol *sym)
{
	struct glibc_context ctx = { .is_thread = known_thread, .exited = exited_thread, .known_object = known_object,
				     .ctx = f };
	struct glibc_wait w;
	struct glibc_object o;
	uint8_t win[GLIBC_WIN_LEN];
	uint64_t layout = 0;
	unsigned have = (unsigned)ev->tgid2;

	if (ev->op == 0)
		return 0;
	if (ev->op != OP_SYS_FUTEX) {
		/* a sleep, I/O, a wait for a child: the kind says it */
		ev->tid2 = ev->tgid2 = 0;
		ev->arg2 = 0;
		memset(ev->text, 0, sizeof(ev->text));
		return 1;
	}
	memcpy(win, ev->text, sizeof(win));
	pairmap_get(&f->layouts, (uint32_t)ev->tgid, 0, &layout);
	ctx.layout_known = layout == LAYOUT_KNOWN;
	w = (struct glibc_wait){ .word = (uint64_t)ev->arg, .futex_op = (uint32_t)((uint64_t)ev->arg2 >> 32),
				 .val = (uint32_t)ev->arg2, .win = win,
				 .have_before = have & CT_WIN_HAVE_BEFORE, .have_after = have & CT_WIN_HAVE_AFTER,
				 .tgid = ev->tgid };
	glibc_sync_classify(&w, sym, &ctx, &o);
	if (pairmap_put(&f->words, (uint32_t)ev->tgid, w.word, o.base) ||
	    pairmap_put(&f->objects, (uint32_t)ev->tgid, o.base, o.kind) ||
	    pairmap_put(&f->asleep, (uint32_t)ev->tid, 0, w.word))
		return -ENOMEM;
	ev->op = o.op;
	ev->arg = (int64_t)o.base;
	ev->arg2 = (int64_t)w.word;
	ev->tid2 = o.holder ? o.holder : o.target;
	ev->tgid2 = 0;
	memset(ev->text, 0, sizeof(ev->text));
	return 1;
}

/* Rewrites a waking event's futex mark. */
void futex_names_waking(struct futex_names *f, struct event *ev)
{
	uint64_t word = (uint64_t)ev->arg2, base, kind, slept;
	uint32_t count = (ev->op >> 16) & 0xffff;
	bool via = (ev->op & CT_WAKE_VIA_FUTEX) != 0;

	ev->op = 0;
	ev->arg2 = 0;
	if (!via || ev->tid <= 0 ||
	    !pairmap_get(&f->asleep, (uint32_t)ev->tid2, 0, &slept) || slept != word ||
	    !pairmap_get(&f->words, (uint32_t)ev->tgid, word, &base) ||
	    !pairmap_get(&f->objects, (uint32_t)ev->tgid, base, &kind))
		return;
	ev->op = glibc_sync_wake_op((uint32_t)kind, count);
	ev->arg2 = (int64_t)base;
}
