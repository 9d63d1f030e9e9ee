/* ELF symbol tables through libelf: function entry offsets for uprobes and
 * variable names for the objects threads block on. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfsym.h"
#include "mem.h"

struct sym {
	const char *name; /* in the file's string table (e->elf keeps it) */
	uint64_t vaddr, size;
	int is_func;
	int hidden;       /* a non-default version (versym bit 15) */
};

struct seg {
	uint64_t vaddr, memsz, offset, filesz;
};

struct elfsym {
	int fd;
	Elf *elf;
	struct sym *syms;
	size_t nsyms, cap;
	struct seg *segs;
	size_t nsegs;
};

/* Adds one symbol. */
static int add_sym(struct elfsym *e, const char *name, const GElf_Sym *s, int hidden)
{
	int type = GELF_ST_TYPE(s->st_info);

	if (!name || !*name || s->st_shndx == SHN_UNDEF)
		return 0;
	if (type != STT_FUNC && type != STT_OBJECT)
		return 0;
	if (type == STT_OBJECT && s->st_size == 0)
		return 0;
	if (VEC_RESERVE(e->syms, e->cap, e->nsyms + 1))
		return -ENOMEM;
	e->syms[e->nsyms++] = (struct sym){ name, s->st_value, s->st_size, type == STT_FUNC, hidden };
	return 0;
}

/* Reads one symbol table section (with its version table for .dynsym). */
static int read_symtab(struct elfsym *e, Elf_Scn *scn, const GElf_Shdr *sh, Elf_Data *versym)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym s;
		GElf_Versym v = 0;
		int err;

		if (!gelf_getsym(data, (int)i, &s))
			continue;
		if (versym)
			gelf_getversym(versym, (int)i, &v);
		err = add_sym(e, elf_strptr(e->elf, sh->sh_link, s.st_name), &s, (v & 0x8000) != 0);
		if (err)
			return err;
	}
	return 0;
}

/* Reads the file's symbols and loaded segments. */
int elfsym_new(struct elfsym **out, const char *path)
{
	struct elfsym *e;
	Elf_Scn *scn = NULL, *dynsym = NULL;
	Elf_Data *versym = NULL;
	GElf_Shdr dynsh;
	size_t i, nph;
	int err = 0;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0) {
		err = -errno;
		free(e);
		return err;
	}
	e->elf = elf_begin(e->fd, ELF_C_READ, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		elfsym_free(e);
		return -ENOEXEC;
	}
	if (elf_getphdrnum(e->elf, &nph) == 0 && nph > 0) {
		e->segs = calloc(nph, sizeof(*e->segs));
		for (i = 0; e->segs && i < nph; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
				e->segs[e->nsegs++] = (struct seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz };
		}
	}
	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			err = read_symtab(e, scn, &sh, NULL);
		else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsh = sh;
		} else if (sh.sh_type == SHT_GNU_versym)
			versym = elf_getdata(scn, NULL);
		if (err)
			break;
	}
	if (!err && dynsym)
		err = read_symtab(e, dynsym, &dynsh, versym);
	if (err) {
		elfsym_free(e);
		return err;
	}
	*out = e;
	return 0;
}

/* Frees it and closes the file. */
void elfsym_free(struct elfsym *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->syms);
	free(e->segs);
	free(e);
}

/* The file offset of the segment byte at vaddr, or UINT64_MAX. */
static uint64_t offset_of_vaddr(const struct elfsym *e, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < e->nsegs; i++)
		if (vaddr >= e->segs[i].vaddr && vaddr < e->segs[i].vaddr + e->segs[i].filesz)
			return vaddr - e->segs[i].vaddr + e->segs[i].offset;
	return UINT64_MAX;
}

/* The file offset of function name, preferring its default version. */
int elfsym_func_offset(const struct elfsym *e, const char *name, uint64_t *offset)
{
	const struct sym *best = NULL;
	size_t i;

	for (i = 0; i < e->nsyms; i++) {
		const struct sym *s = &e->syms[i];

		if (!s->is_func || strcmp(s->name, name))
			continue;
		if (!best || (best->hidden && !s->hidden))
			best = s;
	}
	if (!best)
		return -ENOENT;
	*offset = offset_of_vaddr(e, best->vaddr);
	return *offset == UINT64_MAX ? -ENOENT : 0;
}

/* The variable that covers vaddr. */
int elfsym_object_at(const struct elfsym *e, uint64_t vaddr, const char **name, uint64_t *delta,
		     uint64_t *size)
{
	size_t i;

	for (i = 0; i < e->nsyms; i++) {
		const struct sym *s = &e->syms[i];

		if (!s->is_func && vaddr >= s->vaddr && vaddr < s->vaddr + s->size) {
			*name = s->name;
			*delta = vaddr - s->vaddr;
			*size = s->size;
			return 0;
		}
	}
	return -ENOENT;
}

/* The virtual address of file offset off. */
uint64_t elfsym_vaddr_of_offset(const struct elfsym *e, uint64_t off)
{
	size_t i;

	for (i = 0; i < e->nsegs; i++)
		if (off >= e->segs[i].offset && off < e->segs[i].offset + (e->segs[i].filesz ? e->segs[i].filesz : 1))
			return off - e->segs[i].offset + e->segs[i].vaddr;
	return UINT64_MAX;
}

/* Whether vaddr is inside a loaded segment. */
int elfsym_covers(const struct elfsym *e, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < e->nsegs; i++)
		if (vaddr >= e->segs[i].vaddr && vaddr < e->segs[i].vaddr + e->segs[i].memsz)
			return 1;
	return 0;
}

/* Files kept at once: enough for the libraries of a few large programs
 * (a CPython process maps about 20); past it the oldest is forgotten. */
#define CACHE_MAX 128

struct elfsym_cache {
	char *paths[CACHE_MAX];
	struct elfsym *files[CACHE_MAX]; /* NULL: not ELF, remembered */
	unsigned n;
	uint64_t reads; /* files read by elfsym_cache_get itself */
};

/* Creates an empty cache. */
int elfsym_cache_new(struct elfsym_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* Frees the cache and every file in it. */
void elfsym_cache_free(struct elfsym_cache *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->paths[i]);
		elfsym_free(c->files[i]);
	}
	free(c);
}

/* The index of path in the cache, or -1. */
static int cache_find(const struct elfsym_cache *c, const char *path)
{
	for (unsigned i = 0; i < c->n; i++)
		if (strcmp(c->paths[i], path) == 0)
			return (int)i;
	return -1;
}

/* Keeps e (NULL: not ELF) as the symbols of path; the cache owns it. */
static const struct elfsym *cache_put(struct elfsym_cache *c, const char *path, struct elfsym *e)
{
	if (c->n == CACHE_MAX) { /* full: forget the oldest */
		free(c->paths[0]);
		elfsym_free(c->files[0]);
		memmove(c->paths, c->paths + 1, (CACHE_MAX - 1) * sizeof(c->paths[0]));
		memmove(c->files, c->files + 1, (CACHE_MAX - 1) * sizeof(c->files[0]));
		c->n--;
	}
	c->paths[c->n] = strdup(path);
	if (!c->paths[c->n]) {
		elfsym_free(e);
		return NULL;
	}
	c->files[c->n++] = e;
	return e;
}

/* The symbols of path, read on first use. */
const struct elfsym *elfsym_cache_get(struct elfsym_cache *c, const char *path)
{
	struct elfsym *e = NULL;
	int i = cache_find(c, path);

	if (i >= 0)
		return c->files[i];
	if (elfsym_new(&e, path))
		e = NULL;
	c->reads++;
	return cache_put(c, path, e);
}

/* Takes e, read elsewhere, as the symbols of path (freed when the cache
 * has them already). */
void elfsym_cache_adopt(struct elfsym_cache *c, const char *path, struct elfsym *e)
{
	if (cache_find(c, path) >= 0)
		elfsym_free(e);
	else
		cache_put(c, path, e);
}

/* How many files elfsym_cache_get had to read itself. */
uint64_t elfsym_cache_reads(const struct elfsym_cache *c)
{
	return c->reads;
}

struct elfsym_map {
	uint64_t start;
	char *path;
};

struct elfsym_maps {
	struct elfsym_map *v;
	size_t n;
};

/* The mapped file that is the process's C library, else its first mapped
 * file (the program: a static one carries its libc inside), or NULL. */
const char *elfsym_maps_libc(const struct elfsym_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const char *base = strrchr(m->v[i].path, '/');

		base = base ? base + 1 : m->v[i].path;
		if (strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0)
			return m->v[i].path;
	}
	return m->n ? m->v[0].path : NULL;
}

/* Reads the first mapping of every file process pid has mapped. */
int elfsym_maps_read(struct elfsym_maps **out, pid_t pid)
{
	char path[64], line[4096];
	struct elfsym_maps *m;
	size_t cap = 0;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	m = calloc(1, sizeof(*m));
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;
		char file[4096];

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095s", &start, &end, &off, file) != 4)
			continue;
		if (file[0] != '/' || off != 0)
			continue;
		if (m->n == cap) {
			struct elfsym_map *v = realloc(m->v, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!v)
				break;
			m->v = v;
			cap = cap ? cap * 2 : 16;
		}
		m->v[m->n].start = start;
		m->v[m->n].path = strdup(file);
		if (m->v[m->n].path)
			m->n++;
	}
	fclose(f);
	if (m->n == 0) { /* gone (a zombie has no mappings), or nothing mapped */
		elfsym_maps_free(m);
		return -ENOENT;
	}
	*out = m;
	return 0;
}

/* How many files the snapshot has. */
size_t elfsym_maps_count(const struct elfsym_maps *m)
{
	return m ? m->n : 0;
}

/* The path of file i of the snapshot. */
const char *elfsym_maps_path(const struct elfsym_maps *m, size_t i)
{
	return i < elfsym_maps_count(m) ? m->v[i].path : NULL;
}

/* Frees a mappings snapshot. */
void elfsym_maps_free(struct elfsym_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	free(m);
}

/* The data symbol covering addr in a process with mappings m. */
int elfsym_symbol_at(struct elfsym_cache *c, const struct elfsym_maps *m, uint64_t addr,
		     struct elfsym_hit *hit)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct elfsym *e = elfsym_cache_get(c, m->v[i].path);
		uint64_t vaddr, base;

		if (!e)
			continue;
		base = elfsym_vaddr_of_offset(e, 0);
		if (base == UINT64_MAX || base > m->v[i].start || addr < m->v[i].start - base)
			continue;
		vaddr = addr - (m->v[i].start - base);
		if (!elfsym_covers(e, vaddr) || elfsym_object_at(e, vaddr, &hit->name, &hit->delta, &hit->size))
			continue;
		hit->start = addr - hit->delta;
		return 0;
	}
	return -ENOENT;
}
