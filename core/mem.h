/* Memory helpers for core: an arena for append-only stores, and growable
 * arrays.
 *
 * An arena hands out blocks that live as long as it does (the lanes' and
 * time indexes' blocks): one malloc per 256 KiB (the first ones smaller,
 * from 16 KiB, each as large as what it holds; 2 MiB, huge-page aligned,
 * once it holds 8 MiB), no per-block overhead, freed all at once.
 *
 * vec_reserve grows a malloc'd array to hold at least `need` items,
 * doubling its capacity: the one place where core grows an array (use it
 * through VEC_RESERVE, which passes the item size). */
#ifndef CONCTOP_MEM_H
#define CONCTOP_MEM_H

#include <stddef.h>

struct arena {
	char **chunks;
	size_t nchunks, cap;
	char *cur;     /* the free part of the newest chunk */
	size_t left;
	size_t bytes;  /* malloc'd in all */
};

/* Allocates size bytes (8-aligned) that live as long as the arena, or NULL. */
void *arena_alloc(struct arena *a, size_t size);

/* Frees every block (the arena is empty and usable again). */
void arena_done(struct arena *a);

/* Bytes the arena holds, its bookkeeping included. */
size_t arena_memory(const struct arena *a);

/* Makes the array at *itemsp (a pointer to the array's pointer) of *cap
 * items of size bytes hold at least need items: realloc'd to double the
 * capacity (from 1, at least need). Returns 0, or -ENOMEM with
 * the array and *cap unchanged. */
int vec_reserve(void *itemsp, size_t *cap, size_t need, size_t size);

/* vec_reserve for an array `items` (a typed pointer) of capacity `cap`. */
#define VEC_RESERVE(items, cap, need) vec_reserve(&(items), &(cap), (need), sizeof(*(items)))

/* Sets the array at *itemsp to a new copy of the n items of size bytes
 * at src (NULL when n is 0): the copies of a timeline's present
 * (timeline_clone) are made of these. Returns 0, or -ENOMEM with *itemsp
 * NULL. */
int vec_dup(void *itemsp, const void *src, size_t n, size_t size);

/* vec_dup for an array `items` (a typed pointer) of n items from src. */
#define VEC_DUP(items, src, n) vec_dup(&(items), (src), (n), sizeof(*(items)))

/* Gives back the room of an array that holds n items of size bytes in *cap
 * when it has emptied to an eighth of that or less: realloc'd to twice n
 * (at least min items). The array stays as it was when realloc fails. */
void vec_shrink(void *itemsp, size_t *cap, size_t n, size_t size, size_t min);

/* vec_shrink for an array `items` of capacity `cap` holding n. */
#define VEC_SHRINK(items, cap, n, min) vec_shrink(&(items), &(cap), (n), sizeof(*(items)), (min))

#endif
