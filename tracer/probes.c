/* The tracer's uprobes: conctop_mark in each traced program, and with
 * --calls every followed pthread and semaphore function of each traced
 * process's libc (one multi-uprobe link per process where the kernel has
 * them). Attached per process, never for the whole machine. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "conctop.h"
#include "mem.h"
#include "sched.skel.h"
#include "tracer_int.h"

/* A libc function the tracer follows, and whether its return matters. */
struct libc_func {
	const char *name;
	unsigned op;
	bool ret;
};

static const struct libc_func libc_funcs[] = {
	{ "pthread_mutex_lock", OP_MUTEX_LOCK, true },
	{ "pthread_mutex_trylock", OP_MUTEX_TRYLOCK, true },
	{ "pthread_mutex_timedlock", OP_MUTEX_TIMEDLOCK, true },
	{ "pthread_mutex_unlock", OP_MUTEX_UNLOCK, false },
	{ "pthread_cond_wait", OP_COND_WAIT, true },
	{ "pthread_cond_timedwait", OP_COND_TIMEDWAIT, true },
	{ "pthread_cond_clockwait", OP_COND_TIMEDWAIT, true },
	/* returns too: they may wait for the condition's internal lock */
	{ "pthread_cond_signal", OP_COND_SIGNAL, true },
	{ "pthread_cond_broadcast", OP_COND_BROADCAST, true },
	{ "pthread_barrier_wait", OP_BARRIER_WAIT, true },
	{ "sem_wait", OP_SEM_WAIT, true },
	{ "sem_timedwait", OP_SEM_TIMEDWAIT, true },
	{ "sem_clockwait", OP_SEM_TIMEDWAIT, true },
	{ "sem_post", OP_SEM_POST, false },
	{ "pthread_rwlock_rdlock", OP_RWLOCK_RDLOCK, true },
	{ "pthread_rwlock_wrlock", OP_RWLOCK_WRLOCK, true },
	{ "pthread_rwlock_unlock", OP_RWLOCK_UNLOCK, false },
	{ "pthread_join", OP_JOIN, true },
	{ "pthread_spin_lock", OP_SPIN_LOCK, true },
	{ "pthread_spin_unlock", OP_SPIN_UNLOCK, false },
	{ "pthread_create", OP_CREATE, true },
};

/* BPF_LINK_CREATE's attributes for a multi-uprobe link, laid out as the
 * kernel's union bpf_attr has them. */
struct uprobe_multi_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t pad;
};

#define DETACH_THREADS 16

/* A share of the links for one detaching thread. */
struct detach_job {
	struct bpf_link **links;
	size_t n;
};

/* Creates one multi-uprobe link of prog on the n offsets of path for pid.
 * Returns its fd or -errno. */
static int link_uprobe_multi(int prog_fd, const char *path, pid_t pid, const uint64_t *offsets,
			     const uint64_t *cookies, uint32_t n, bool ret)
{
	struct uprobe_multi_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = (uint32_t)prog_fd;
	a.attach_type = ATTACH_UPROBE_MULTI;
	a.path = (uint64_t)(uintptr_t)path;
	a.offsets = (uint64_t)(uintptr_t)offsets;
	a.cookies = (uint64_t)(uintptr_t)cookies;
	a.cnt = n;
	a.multi_flags = ret ? UPROBE_MULTI_RETURN : 0;
	a.pid = (uint32_t)pid;
	fd = syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}

/* Keeps a multi-uprobe link fd. */
static int keep_multi(struct tracer *t, int fd)
{
	if (VEC_RESERVE(t->multi_fds, t->multi_cap, t->nmulti + 1))
		return -ENOMEM;
	t->multi_fds[t->nmulti++] = fd;
	return 0;
}

/* Whether a uprobe can go at file offset off of path: x86 uprobes refuse
 * an instruction with a lock prefix, and glibc's pthread_spin_lock starts
 * with one (so spinning shows only where libc's spin lock can be probed). */
static bool probeable(const char *path, uint64_t off)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned char first = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return true;
	n = pread(fd, &first, 1, (off_t)off);
	close(fd);
	return n != 1 || first != 0xf0;
#else
	(void)path;
	(void)off;
	return true;
#endif
}

/* Attaches every followed libc function of path for pid with two
 * multi-uprobe links (entries, returns). Returns the probes attached or
 * -errno. */
static int attach_libc_multi(struct tracer *t, pid_t pid, const char *path, const struct elfsym *e)
{
	uint64_t off[2][sizeof(libc_funcs) / sizeof(libc_funcs[0])], cookie[2][sizeof(libc_funcs) / sizeof(libc_funcs[0])];
	uint32_t n[2] = { 0, 0 };
	int r, fd, total = 0, err;
	size_t i;

	for (i = 0; i < sizeof(libc_funcs) / sizeof(libc_funcs[0]); i++) {
		uint64_t o;

		if (elfsym_func_offset(e, libc_funcs[i].name, &o) || !probeable(path, o))
			continue;
		for (r = 0; r <= (int)libc_funcs[i].ret; r++) {
			off[r][n[r]] = o;
			cookie[r][n[r]++] = libc_funcs[i].op;
		}
	}
	for (r = 0; r < 2; r++) {
		if (!n[r])
			continue;
		fd = link_uprobe_multi(bpf_program__fd(r ? t->skel->progs.call_return_multi : t->skel->progs.call_enter_multi),
				       path, pid, off[r], cookie[r], n[r], r);
		if (fd < 0)
			return total ? total : fd;
		err = keep_multi(t, fd);
		if (err) {
			close(fd);
			return err;
		}
		total += (int)n[r];
	}
	return total;
}

/* Destroys a share of the links. */
static void *detach_some(void *arg)
{
	struct detach_job *j = arg;
	size_t i;

	for (i = 0; i < j->n; i++)
		bpf_link__destroy(j->links[i]);
	return NULL;
}

/* Destroys the libc uprobe links. Removing a uprobe waits for an RCU
 * grace period (about 0.4 s each on a loaded 2-CPU machine: 12 s for one
 * process's probes one after the other); removed from several threads at
 * once, the waits overlap. */
static void detach_links(struct bpf_link **links, size_t n)
{
	struct detach_job jobs[DETACH_THREADS];
	pthread_t th[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	size_t per = (n + DETACH_THREADS - 1) / DETACH_THREADS, i;

	for (i = 0; i < DETACH_THREADS && per; i++) {
		size_t from = i * per;

		jobs[i].links = links + (from < n ? from : n);
		jobs[i].n = from >= n ? 0 : (n - from < per ? n - from : per);
		if (jobs[i].n && pthread_create(&th[i], NULL, detach_some, &jobs[i]) == 0)
			started[i] = true;
		else if (jobs[i].n)
			detach_some(&jobs[i]);
	}
	for (i = 0; i < DETACH_THREADS; i++)
		if (started[i])
			pthread_join(th[i], NULL);
}

/* Whether the file at path starts like an ELF file. */
static bool is_elf(const char *path)
{
	unsigned char magic[4] = { 0 };
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

/* Attaches the conctop_mark uprobe for pid in the program at path; t's
 * probe_lock held. */
static int attach_marks_locked(struct tracer *t, pid_t pid, const char *path)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = "conctop_mark");
	struct bpf_link *link;
	struct stat st;
	unsigned i;

	if (stat(path, &st))
		return -errno;
	if (!is_elf(path))
		return -ENOENT; /* a script: its interpreter is the program */
	for (i = 0; i < t->nmarks; i++)
		if (t->marks[i].dev == st.st_dev && t->marks[i].ino == st.st_ino)
			return 1;
	if (t->nmarks == MAX_MARK_LINKS)
		return -ENOSPC;
	/* for every process of that program (the BPF side keeps the traced
	 * ones): a uprobe bound to pid would end with that one thread, and
	 * the marks of the threads that outlive it would be lost */
	link = bpf_program__attach_uprobe_opts(t->skel->progs.mark, -1, path, 0, &uo);
	if (!link)
		return -errno;
	t->marks[t->nmarks++] = (struct mark_link){ link, pid, st.st_dev, st.st_ino };
	return 0;
}

/* Attaches the conctop_mark uprobe for pid in the program at path (see
 * tracer.h). */
int tracer_attach_marks(struct tracer *t, pid_t pid, const char *path)
{
	int r;

	pthread_mutex_lock(&t->probe_lock);
	r = attach_marks_locked(t, pid, path);
	pthread_mutex_unlock(&t->probe_lock);
	return r;
}

/* Finds the libc that process pid has mapped; 0 or -ENOENT. */
int tracer_find_libc(pid_t pid, char *out, size_t len)
{
	char path[64], line[4096];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/'), *base;

		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		base = strrchr(file, '/') + 1;
		if ((strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0) &&
		    (size_t)snprintf(out, len, "%s", file) < len)
			err = 0;
	}
	fclose(f);
	return err;
}

/* Keeps one more libc uprobe link. */
static int keep_link(struct tracer *t, struct bpf_link *link)
{
	if (VEC_RESERVE(t->links, t->links_cap, t->nlinks + 1))
		return -ENOMEM;
	t->links[t->nlinks++] = link;
	return 0;
}

/* Attaches the libc uprobes for process pid; t's probe_lock held. */
static int attach_libc_locked(struct tracer *t, pid_t pid)
{
	char libc[4096];
	const struct elfsym *e;
	struct stat st;
	size_t i;
	int n = 0, err;

	if (!t->calls)
		return 0;
	err = tracer_find_libc(pid, libc, sizeof(libc));
	if (err)
		return err;
	if (stat(libc, &st))
		return -errno;
	for (i = 0; i < t->nprobed; i++)
		if (t->probed[i].pid == pid && t->probed[i].dev == st.st_dev && t->probed[i].ino == st.st_ino)
			return 0;
	if (!t->probe_elf && elfsym_cache_new(&t->probe_elf))
		return -ENOMEM;
	e = elfsym_cache_get(t->probe_elf, libc);
	if (!e)
		return -ENOEXEC;
	if (VEC_RESERVE(t->probed, t->probed_cap, t->nprobed + 1))
		return -ENOMEM;
	t->probed[t->nprobed++] = (struct libc_probed){ pid, st.st_dev, st.st_ino };
	if (t->multi) {
		n = attach_libc_multi(t, pid, libc, e);
		if (n > 0)
			return n;
		t->multi = false; /* refused here: one link per probe from now on */
		n = 0;
	}
	for (i = 0; i < sizeof(libc_funcs) / sizeof(libc_funcs[0]); i++) {
		const struct libc_func *fn = &libc_funcs[i];
		uint64_t off;
		int r;

		if (elfsym_func_offset(e, fn->name, &off) || !probeable(libc, off))
			continue; /* an older libc without it, or not probeable */
		for (r = 0; r <= (int)fn->ret; r++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = fn->op, .retprobe = r);
			struct bpf_link *link = bpf_program__attach_uprobe_opts(
				r ? t->skel->progs.call_return : t->skel->progs.call_enter, pid, libc, off, &uo);

			if (!link) {
				err = -errno;
				continue; /* a function its instructions keep unprobed: the rest still tell */
			}
			err = keep_link(t, link);
			if (err) {
				bpf_link__destroy(link);
				return err;
			}
			n++;
		}
	}
	return n ? n : err;
}

/* Attaches the libc uprobes for process pid (see tracer.h). */
int tracer_attach_libc(struct tracer *t, pid_t pid)
{
	int r;

	if (!t->calls)
		return 0;
	pthread_mutex_lock(&t->probe_lock);
	r = attach_libc_locked(t, pid);
	pthread_mutex_unlock(&t->probe_lock);
	return r;
}

/* Detaches every uprobe (the attaching thread stopped first). */
void tracer_detach_probes(struct tracer *t)
{
	unsigned i;

	for (i = 0; i < t->nmarks; i++)
		bpf_link__destroy(t->marks[i].link);
	detach_links(t->links, t->nlinks);
	free(t->links);
	for (size_t k = 0; k < t->nmulti; k++)
		close(t->multi_fds[k]);
	free(t->multi_fds);
	free(t->probed);
	elfsym_cache_free(t->probe_elf);
}
