/* Symbols of ELF files, for the tracer: where a library function starts (to
 * attach a uprobe to its default version) and which global or static
 * variable an address falls in (to call a mutex `count_lock`). */
#ifndef CONCTOP_ELFSYM_H
#define CONCTOP_ELFSYM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elfsym;

/* Reads the function and object symbols of the ELF file at path. Returns 0
 * or -errno (-ENOEXEC for a file that is not ELF). */
int elfsym_new(struct elfsym **out, const char *path);
void elfsym_free(struct elfsym *e);

/* The file offset of function name (its default version when the library
 * has several, as glibc has for pthread_cond_wait). Returns 0 or -ENOENT. */
int elfsym_func_offset(const struct elfsym *e, const char *name, uint64_t *offset);

/* The data object (a variable with a size) that covers virtual address
 * vaddr of the file; sets *name (valid while e lives), *delta, the offset
 * into it, and *size, its size. Returns 0 or -ENOENT. */
int elfsym_object_at(const struct elfsym *e, uint64_t vaddr, const char **name, uint64_t *delta,
		     uint64_t *size);

/* The file's virtual address of file offset off (from its segments), or
 * UINT64_MAX when no segment holds it. */
uint64_t elfsym_vaddr_of_offset(const struct elfsym *e, uint64_t off);

/* Whether vaddr lies in one of the file's loaded segments (bss included). */
int elfsym_covers(const struct elfsym *e, uint64_t vaddr);

/* A cache of opened files, so a library is read once per recording. */
struct elfsym_cache;
int elfsym_cache_new(struct elfsym_cache **out);
void elfsym_cache_free(struct elfsym_cache *c);

/* The symbols of path, opened once (NULL when it is not readable ELF). */
const struct elfsym *elfsym_cache_get(struct elfsym_cache *c, const char *path);

/* Takes e (NULL: not ELF), read by another thread, as the symbols of path;
 * frees it when the cache has path already. */
void elfsym_cache_adopt(struct elfsym_cache *c, const char *path, struct elfsym *e);

/* How many files elfsym_cache_get had to read itself (not adopted). */
uint64_t elfsym_cache_reads(const struct elfsym_cache *c);

/* Where a process has mapped its files: each file's first mapping (file
 * offset 0), which gives its load address. Read while the process lives,
 * kept to name its objects even after it has gone. */
struct elfsym_maps;

/* Reads /proc/PID/maps. Returns 0 or -errno (-ENOENT: no such process). */
int elfsym_maps_read(struct elfsym_maps **out, pid_t pid);
void elfsym_maps_free(struct elfsym_maps *m);

/* How many files the snapshot has, and the path of file i (NULL past the
 * last). */
size_t elfsym_maps_count(const struct elfsym_maps *m);
const char *elfsym_maps_path(const struct elfsym_maps *m, size_t i);

/* The path of the process's C library, else of its first mapped file (the
 * program), or NULL when it has none. */
const char *elfsym_maps_libc(const struct elfsym_maps *m);

/* A data symbol found at a process address. */
struct elfsym_hit {
	const char *name;   /* valid while the cache lives */
	uint64_t start;     /* the symbol's address in the process */
	uint64_t size;
	uint64_t delta;     /* addr - start */
};

/* The program's or a library's variable that covers addr in a process
 * with mappings m. Returns 0 with hit filled, or -ENOENT. */
int elfsym_symbol_at(struct elfsym_cache *c, const struct elfsym_maps *m, uint64_t addr,
		     struct elfsym_hit *hit);

#endif
