/* What the tracer learns about the traced processes to name things: their
 * mapped files (read while they live), the symbols there, which libc they
 * run; the names of the objects their threads wait on, and blocks turned
 * into objects (futex_names.c, core/glibc_sync.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "demangle.h"
#include "glibc_sync.h"
#include "mem.h"
#include "tracer_int.h"
#include "waits.h"

/* The saved mappings of process tgid, or NULL. */
static struct proc_maps *maps_of(struct tracer *t, pid_t tgid)
{
	size_t i;

	for (i = 0; i < t->nmaps; i++)
		if (t->maps[i].tgid == tgid)
			return &t->maps[i];
	return NULL;
}

/* Asks the reader for the symbols of every file in m (and for the glibc
 * version of its libc), so they are ready before they are needed. */
static void read_ahead(struct tracer *t, const struct elfsym_maps *m, bool libc)
{
	const char *libc_path = libc ? elfsym_maps_libc(m) : NULL;

	if (!t->reader)
		return;
	for (size_t i = 0; i < elfsym_maps_count(m); i++) {
		const char *path = elfsym_maps_path(m, i);

		tracer_reader_push(t->reader, path, libc_path && strcmp(path, libc_path) == 0);
	}
}

/* Reads and keeps the mappings of process tgid (replacing older ones), so
 * its objects can be named after it has gone, and has their files read
 * ahead (libc: the mappings include its libc by now). Best effort. */
void tracer_snapshot_maps(struct tracer *t, pid_t tgid, bool libc)
{
	struct proc_maps *pm = maps_of(t, tgid);
	struct elfsym_maps *m;

	if (elfsym_maps_read(&m, tgid))
		return;
	read_ahead(t, m, libc);
	if (!pm) {
		if (VEC_RESERVE(t->maps, t->maps_cap, t->nmaps + 1)) {
			elfsym_maps_free(m);
			return;
		}
		pm = &t->maps[t->nmaps++];
		pm->tgid = tgid;
		pm->maps = NULL;
	}
	elfsym_maps_free(pm->maps);
	pm->maps = m;
}

/* Whether (tgid, addr) was named already; marks it named. */
static bool named_before(struct tracer *t, pid_t tgid, uint64_t addr)
{
	size_t i, mask;

	if (t->named_used * 2 >= t->named_cap) {
		size_t cap = t->named_cap ? t->named_cap * 2 : 256, j;
		struct named *n = calloc(cap, sizeof(*n));

		if (!n)
			return true; /* out of memory: name nothing more */
		for (j = 0; j < t->named_cap; j++) {
			if (!t->named[j].tgid)
				continue;
			i = (t->named[j].addr * 0x9e3779b97f4a7c15ull + (uint64_t)t->named[j].tgid) & (cap - 1);
			while (n[i].tgid)
				i = (i + 1) & (cap - 1);
			n[i] = t->named[j];
		}
		free(t->named);
		t->named = n;
		t->named_cap = cap;
	}
	mask = t->named_cap - 1;
	i = (addr * 0x9e3779b97f4a7c15ull + (uint64_t)tgid) & mask;
	while (t->named[i].tgid) {
		if (t->named[i].tgid == tgid && t->named[i].addr == addr)
			return true;
		i = (i + 1) & mask;
	}
	t->named[i] = (struct named){ tgid, addr };
	t->named_used++;
	return false;
}

/* Takes what the reader has read so far. */
void tracer_naming_collect(struct tracer *t)
{
	if (t->reader)
		tracer_reader_collect(t->reader, t->elf, &t->libc_layouts);
}

/* Whether the libc (or, for a static program, the program) of process
 * tgid, as its mappings were last read, is a glibc whose layouts
 * glibc_sync knows; remembered per file. */
static bool process_layout_known(struct tracer *t, pid_t tgid)
{
	struct proc_maps *pm = maps_of(t, tgid);
	const char *path = pm && pm->maps ? elfsym_maps_libc(pm->maps) : NULL;
	struct tracer_libc_layout l;
	struct stat st;
	uint64_t v;

	if (!path || stat(path, &st))
		return false;
	tracer_naming_collect(t);
	if (pairmap_get(&t->libc_layouts, st.st_dev, st.st_ino, &v))
		return v == 2;
	if (tracer_libc_layout_read(path, &l)) /* the reader has not got to it */
		return false;
	t->layouts_read++;
	pairmap_put(&t->libc_layouts, l.dev, l.ino, l.known ? 2 : 1);
	return l.known;
}

/* Learns what a process runs, for the futex classifier. */
void tracer_note_process(struct tracer *t, pid_t tgid)
{
	if (t->futex)
		futex_names_layout(t->futex, tgid, process_layout_known(t, tgid));
}

/* Delivers the EVENT_OBJECT naming object base of kind (the first time),
 * when it is a variable of the program or a library: a condition
 * variable, barrier or semaphore by its variable's name, never an offset
 * inside it (glibc_sync_object_name). */
int tracer_name_at(struct tracer *t, const struct event *ev, uint64_t base, unsigned kind)
{
	struct event obj = { .ts = ev->ts, .type = EVENT_OBJECT, .cpu = ev->cpu };
	struct proc_maps *pm;
	struct elfsym_hit hit;
	char source[256];

	if (!base || !kind || named_before(t, ev->tgid, base))
		return 0;
	pm = maps_of(t, ev->tgid);
	if (!pm || !pm->maps || elfsym_symbol_at(t->elf, pm->maps, base, &hit)) {
		/* a library loaded since, or no snapshot: look again while it runs */
		tracer_snapshot_maps(t, ev->tgid, true);
		pm = maps_of(t, ev->tgid);
		if (!pm || !pm->maps || elfsym_symbol_at(t->elf, pm->maps, base, &hit))
			return 0; /* not a variable: shown by kind and address */
	}
	glibc_sync_object_name(kind, demangle_variable(hit.name, source, sizeof(source)) ? source : hit.name, hit.delta,
			       hit.size, obj.text, sizeof(obj.text));
	obj.tid = ev->tid;
	obj.tgid = ev->tgid;
	obj.arg = (int64_t)base;
	obj.op = kind;
	return t->fn(&obj, t->ctx);
}

/* The key of process tgid's words in the symbol cache: its exec count
 * goes with it, so a new program's words are looked up anew. */
static uint64_t image_key(struct tracer *t, pid_t tgid)
{
	uint64_t gen = 0;

	pairmap_get(&t->execs, (uint32_t)tgid, 0, &gen);
	return gen << 32 | (uint32_t)tgid;
}

/* The size's bit in the symbol cache that says the symbol is opaque. */
#define SYM_OPAQUE (1ull << 63)

/* Whether a symbol is a C++ library's table of atomic waits: libstdc++'s
 * std::__detail::__waiter_pool_base::_S_for::__w (and, in newer ones,
 * std::__detail::__waitable_state::_S_state_for::__w), libc++'s
 * __libcpp_contention_table. */
static bool atomic_wait_table(const char *name)
{
	return strstr(name, "__waiter_pool") || strstr(name, "__waitable_state") ||
	       strstr(name, "__libcpp_contention_table");
}

/* The data symbol covering addr in process tgid, for the classifier;
 * remembered per word, since a program waits on the same words again and
 * again. */
static void symbol_of(struct tracer *t, pid_t tgid, uint64_t addr, struct glibc_symbol *sym)
{
	uint64_t key = image_key(t, tgid), start, size;
	struct proc_maps *pm;
	struct elfsym_hit hit;

	sym->found = false;
	if (pairmap_get(&t->sym_start, key, addr, &start) && pairmap_get(&t->sym_size, key, addr, &size)) {
		*sym = (struct glibc_symbol){ start != 0, start, size & ~SYM_OPAQUE, (size & SYM_OPAQUE) != 0 };
		return;
	}
	pm = maps_of(t, tgid);
	if (!pm || !pm->maps || elfsym_symbol_at(t->elf, pm->maps, addr, &hit)) {
		/* a library loaded since, or no snapshot: look again while it runs */
		tracer_snapshot_maps(t, tgid, true);
		pm = maps_of(t, tgid);
		if (!pm || !pm->maps || elfsym_symbol_at(t->elf, pm->maps, addr, &hit))
			hit = (struct elfsym_hit){ NULL, 0, 0, 0 };
	}
	if (hit.name)
		*sym = (struct glibc_symbol){ true, hit.start, hit.size, atomic_wait_table(hit.name) };
	pairmap_put(&t->sym_start, key, addr, hit.name ? hit.start : 0);
	pairmap_put(&t->sym_size, key, addr, hit.size | (sym->opaque ? SYM_OPAQUE : 0));
}

/* A block record: what the thread sleeps in, as an EVENT_BLOCK (and the
 * name of the object, first). Returns 1 to deliver it, 0 to drop, or <0. */
int tracer_follow_block(struct tracer *t, struct event *ev)
{
	struct glibc_symbol sym = { 0 };
	int r;

	if (!t->futex)
		return 0;
	if (futex_names_wants_symbol(ev)) {
		if (!futex_names_layout_set(t->futex, ev->tgid))
			tracer_note_process(t, ev->tgid);
		symbol_of(t, ev->tgid, (uint64_t)ev->arg, &sym);
	}
	r = futex_names_block(t->futex, ev, &sym);
	if (r <= 0)
		return r;
	r = tracer_name_at(t, ev, (uint64_t)ev->arg, waits_object_kind(ev->op));
	return r < 0 ? r : 1;
}

/* Frees the mappings, names and caches. */
void tracer_naming_free(struct tracer *t)
{
	tracer_reader_free(t->reader); /* before the cache it fills */
	free(t->named);
	for (size_t k = 0; k < t->nmaps; k++)
		elfsym_maps_free(t->maps[k].maps);
	free(t->maps);
	elfsym_cache_free(t->elf);
	futex_names_free(t->futex);
	pairmap_done(&t->libc_layouts);
	pairmap_done(&t->sym_start);
	pairmap_done(&t->sym_size);
	pairmap_done(&t->execs);
	pairmap_done(&t->snapped);
}
