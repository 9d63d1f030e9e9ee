/* The arena and the growable array helper (see mem.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "mem.h"

#define ARENA_CHUNK (256u << 10)
/* The first chunks are smaller: each as large as what the arena holds
 * (16 KiB at first), up to ARENA_CHUNK, so that a small timeline (a live
 * view's checkpoint: a few lanes' last blocks) holds kilobytes, not two
 * chunks of 256 KiB. */
#define ARENA_FIRST (16u << 10)
/* Once an arena holds ARENA_BIG bytes, it grows by huge chunks: 2 MiB,
 * aligned, that the kernel may back with one huge page (MADV_HUGEPAGE)
 * instead of 512 small ones. Filling a large timeline page by page cost a
 * page fault per 4 KiB, a fifth of the reading of a 10 M-event trace on a
 * virtual machine where a fault costs microseconds. */
#define ARENA_BIG (8u << 20)
#define ARENA_HUGE (2u << 20)

/* A new chunk of csize bytes for an arena that holds `held` bytes. */
static char *chunk_new(size_t *csize, size_t held)
{
	char *c;

	if (held < ARENA_BIG || *csize > ARENA_HUGE)
		return malloc(*csize);
	*csize = ARENA_HUGE;
	c = aligned_alloc(ARENA_HUGE, ARENA_HUGE);
	if (c)
		(void)madvise(c, ARENA_HUGE, MADV_HUGEPAGE); /* a hint: without it, small pages */
	return c;
}

/* Allocates size bytes (8-aligned) that live as long as the arena. */
void *arena_alloc(struct arena *a, size_t size)
{
	void *p;

	if (size > SIZE_MAX - 7)
		return NULL;
	size = (size + 7) & ~(size_t)7;
	if (size > a->left) {
		size_t csize = a->bytes < ARENA_FIRST ? ARENA_FIRST : a->bytes < ARENA_CHUNK ? a->bytes : ARENA_CHUNK;
		char *c;

		if (csize < size)
			csize = size;

		if (VEC_RESERVE(a->chunks, a->cap, a->nchunks + 1))
			return NULL;
		c = chunk_new(&csize, a->bytes);
		if (!c)
			return NULL;
		a->chunks[a->nchunks++] = c;
		a->bytes += csize;
		a->cur = c;
		a->left = csize;
	}
	p = a->cur;
	a->cur += size;
	a->left -= size;
	return p;
}

/* Frees every chunk. */
void arena_done(struct arena *a)
{
	size_t i;

	for (i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	free(a->chunks);
	memset(a, 0, sizeof(*a));
}

/* Bytes the arena holds. */
size_t arena_memory(const struct arena *a)
{
	return a->bytes + a->cap * sizeof(*a->chunks);
}

/* Grows an array to hold at least need items (see mem.h). */
int vec_reserve(void *itemsp, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 1;
	void *items, *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	/* the caller's pointer is read and written as bytes: any object
	 * pointer type goes through here without aliasing a void * */
	memcpy(&items, itemsp, sizeof(items));
	p = realloc(items, ncap * size);
	if (!p)
		return -ENOMEM;
	memcpy(itemsp, &p, sizeof(p));
	*cap = ncap;
	return 0;
}

/* Copies an array (see mem.h). */
int vec_dup(void *itemsp, const void *src, size_t n, size_t size)
{
	void *p = NULL;

	if (n && (n > SIZE_MAX / size || !(p = malloc(n * size)))) {
		memcpy(itemsp, &p, sizeof(p));
		return -ENOMEM;
	}
	if (n)
		memcpy(p, src, n * size);
	memcpy(itemsp, &p, sizeof(p));
	return 0;
}

/* Gives back an emptied array's room (see mem.h). */
void vec_shrink(void *itemsp, size_t *cap, size_t n, size_t size, size_t min)
{
	size_t ncap = n * 2 > min ? n * 2 : min;
	void *items, *p;

	if (*cap <= ncap || n > *cap / 8)
		return;
	memcpy(&items, itemsp, sizeof(items));
	p = realloc(items, ncap * size);
	if (!p)
		return;
	memcpy(itemsp, &p, sizeof(p));
	*cap = ncap;
}
