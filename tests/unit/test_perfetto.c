/* Unit tests of the Perfetto writer: the protobuf wire encoding
 * (core/pbwire.c) byte for byte against the format's own examples, and a
 * small trace built by hand (with attribution: a mutex with its holder)
 * exported (core/perfetto_export.c) and read back by a reader here that
 * knows only the field numbers: descriptors, switch records in order, the
 * blocked slice's name, the wakeup flow, a marker, the window. */
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include "check.h"
#include "pbwire.h"
#include "perfetto_export.h"

#define MS 1000000ull

/* Whether b holds exactly the n bytes of want. */
static int bytes_are(const struct pb_buf *b, const uint8_t *want, size_t n)
{
	return b->len == n && memcmp(b->data, want, n) == 0;
}

/* The wire format, byte for byte. */
static void test_wire(void)
{
	static const uint8_t v150[] = { 0x08, 0x96, 0x01 };
	static const uint8_t str[] = { 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g' };
	static const uint8_t nested[] = { 0x1a, 0x03, 0x08, 0x96, 0x01 };
	static const uint8_t neg[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t fix[] = { 0xb9, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0 };
	struct pb_buf b;
	size_t i;
	int ok = 1;

	pb_init(&b);
	pb_uint(&b, 1, 150);
	CHECK(bytes_are(&b, v150, sizeof v150), "wire: field 1 = 150 is 08 96 01 (the format's example)");
	pb_reset(&b);
	pb_string(&b, 2, "testing");
	CHECK(bytes_are(&b, str, sizeof str), "wire: field 2 = \"testing\" is 12 07 74 65 73 74 69 6e 67");
	pb_reset(&b);
	{
		/* "pi\xffg\xc3\xa9" : the stray byte becomes U+FFFD, the valid é stays */
		static const uint8_t fixed[] = { 0x12, 0x08, 'p', 'i', 0xef, 0xbf, 0xbd, 'g', 0xc3, 0xa9 };

		pb_string(&b, 2, "pi\xffg\xc3\xa9");
		CHECK(bytes_are(&b, fixed, sizeof fixed),
		      "wire: a string's bytes that are not UTF-8 are written U+FFFD (protobuf strings are UTF-8)");
		pb_reset(&b);
	}
	pb_begin(&b, 3);
	pb_uint(&b, 1, 150);
	pb_end(&b);
	CHECK(bytes_are(&b, nested, sizeof nested), "wire: a nested message is 1a 03 08 96 01");
	pb_reset(&b);
	pb_int(&b, 1, -1);
	CHECK(bytes_are(&b, neg, sizeof neg), "wire: int -1 takes ten bytes");
	pb_reset(&b);
	pb_fixed64(&b, 39, 1);
	CHECK(bytes_are(&b, fix, sizeof fix), "wire: fixed64 field 39 = 1 is b9 02 and eight bytes");
	pb_reset(&b);
	pb_begin(&b, 1);
	pb_begin(&b, 2);
	for (i = 0; i < 200; i++)
		pb_uint(&b, 3, i);
	pb_end(&b);
	pb_end(&b);
	/* outer: 0a, 2-byte length; inner: 12, 2-byte length, then the fields */
	ok = b.len > 6 && b.data[0] == 0x0a && b.data[3] == 0x12;
	ok = ok && (size_t)((b.data[1] & 0x7f) | b.data[2] << 7) == b.len - 3;
	ok = ok && (size_t)((b.data[4] & 0x7f) | b.data[5] << 7) == b.len - 6 && b.data[6] == 0x18 && b.data[7] == 0;
	CHECK(ok, "wire: nested bodies over 127 bytes get two-byte lengths, the body moved intact");
	for (i = 0; i < PB_DEPTH_MAX + 1; i++)
		pb_begin(&b, 1);
	CHECK(pb_error(&b) != 0, "wire: nesting deeper than PB_DEPTH_MAX is an error, not a crash");
	pb_done(&b);
}

/* A protobuf field read back. */
struct field {
	unsigned num, wire;
	uint64_t v;
	const uint8_t *p;
	size_t n;
};

/* Reads the next field of [*p, end); 0 at the end or on bad input. */
static int next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
	uint64_t key = 0, v = 0;
	int shift = 0;

	if (*p >= end)
		return 0;
	for (shift = 0; *p < end; shift += 7) {
		key |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			break;
	}
	f->num = (unsigned)(key >> 3);
	f->wire = key & 7;
	if (f->wire == 0 || f->wire == 2) {
		for (shift = 0; *p < end; shift += 7) {
			v |= (uint64_t)(**p & 0x7f) << shift;
			if (!(*(*p)++ & 0x80))
				break;
		}
		f->v = v;
		if (f->wire == 2) {
			if (v > (uint64_t)(end - *p))
				return 0;
			f->p = *p;
			f->n = v;
			*p += v;
		}
		return 1;
	}
	if (f->wire == 1 && end - *p >= 8) {
		memcpy(&f->v, *p, 8);
		*p += 8;
		return 1;
	}
	return 0;
}

/* What the reader found in a trace. */
struct found {
	int threads, switches, in_order, flows_out, flows_in, marks;
	char thread_names[256], slices[1024];
	uint64_t last_ts[4];
	uint64_t first_ts[4]; /* each CPU's first record, 0 none */
	uint64_t m1_end;     /* the time of the end of the slice blocked on m1 */
	bool in_m1;          /* (a slice on m1 begun, its end to come) */
	int newtasks, threads_new, frees; /* task_newtask (of them CLONE_THREAD), sched_process_free */
	int32_t freed_pid;   /* the pid the last sched_process_free names */
	uint64_t switch_ts[8]; /* CPU0's switches' times, in order */
	int32_t switch_prev[8], switch_next[8]; /* ... and their prev_pid, next_pid */
	int cpu0_switches;
};

/* The integer field num of an ftrace event's body (0 when absent). */
static uint64_t body_int(const uint8_t *p, size_t n, unsigned num)
{
	const uint8_t *end = p + n;
	struct field f;

	while (next_field(&p, end, &f))
		if (f.num == num && f.wire == 0)
			return f.v;
	return 0;
}

/* Reads one TracePacket. */
static void read_packet(const uint8_t *p, const uint8_t *end, struct found *t)
{
	struct field f, g, h;
	uint64_t pkt_ts = 0;

	while (next_field(&p, end, &f)) {
		const uint8_t *q = f.p, *qe = f.p + f.n;

		if (f.num == 8 && f.wire == 0) /* timestamp (it comes before the event) */
			pkt_ts = f.v;
		if (f.num == 60 && f.wire == 2) { /* track_descriptor */
			while (next_field(&q, qe, &g))
				if (g.num == 4 && g.wire == 2) { /* thread */
					const uint8_t *r = g.p;

					t->threads++;
					while (next_field(&r, g.p + g.n, &h)) {
						if (h.num != 5 || h.wire != 2)
							continue;
						strncat(t->thread_names, (const char *)h.p, h.n);
						strcat(t->thread_names, ",");
					}
				}
		} else if (f.num == 1 && f.wire == 2) { /* ftrace_events */
			unsigned cpu = 0;

			while (next_field(&q, qe, &g)) {
				const uint8_t *r = g.p;
				uint64_t ts = 0;
				int sw = 0;

				if (g.num == 1 && g.wire == 0)
					cpu = (unsigned)g.v;
				if (g.num != 2 || g.wire != 2)
					continue;
				while (next_field(&r, g.p + g.n, &h)) {
					if (h.num == 1 && h.wire == 0)
						ts = h.v;
					if (h.num == 4 && h.wire == 2) { /* sched_switch: prev_pid 2, next_pid 6 */
						sw = 1;
						if (cpu == 0 && t->cpu0_switches < 8) {
							t->switch_prev[t->cpu0_switches] = (int32_t)body_int(h.p, h.n, 2);
							t->switch_next[t->cpu0_switches] = (int32_t)body_int(h.p, h.n, 6);
							t->switch_ts[t->cpu0_switches++] = ts;
						}
					}
					if (h.num == 235 && h.wire == 2) { /* task_newtask: clone_flags 3 */
						t->newtasks++;
						t->threads_new += (body_int(h.p, h.n, 3) & 0x10000) != 0; /* CLONE_THREAD */
					}
					if (h.num == 240 && h.wire == 2) { /* sched_process_free: pid 2 */
						t->frees++;
						t->freed_pid = (int32_t)body_int(h.p, h.n, 2);
					}
				}
				t->switches += sw;
				if (cpu < 4) {
					if (ts < t->last_ts[cpu])
						t->in_order = 0;
					t->last_ts[cpu] = ts;
					if (!t->first_ts[cpu])
						t->first_ts[cpu] = ts;
				}
			}
		} else if (f.num == 11 && f.wire == 2) { /* track_event */
			uint64_t type = 0;
			char name[128] = "";

			while (next_field(&q, qe, &g)) {
				if (g.num == 9)
					type = g.v;
				if (g.num == 23 && g.wire == 2 && g.n < sizeof(name)) {
					memcpy(name, g.p, g.n);
					name[g.n] = 0;
				}
				t->flows_out += g.num == 47;
				t->flows_in += g.num == 48;
			}
			if (type == 1 && strlen(t->slices) + strlen(name) + 2 < sizeof(t->slices))
				strcat(strcat(t->slices, name), "|");
			if (type == 1)
				t->in_m1 = strncmp(name, "mutex m1", 8) == 0;
			if (type == 2 && t->in_m1) /* (a slice's end follows its begin: write_slice) */
				t->m1_end = pkt_ts;
			if (type == 3 && strcmp(name, "step") == 0)
				t->marks++;
		}
	}
}

/* Reads a whole trace (Trace.packet = 1). */
static void read_trace(const uint8_t *p, size_t n, struct found *t)
{
	const uint8_t *end = p + n;
	struct field f;

	memset(t, 0, sizeof(*t));
	t->in_order = 1;
	while (next_field(&p, end, &f))
		if (f.num == 1 && f.wire == 2)
			read_packet(f.p, f.p + f.n, t);
}

/* One event for the exporter. */
static void ev(struct perfetto_export *x, uint64_t ts, unsigned type, unsigned cpu, int tid, int tid2, unsigned op,
	       int64_t arg, int64_t arg2, const char *text)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.type = (uint16_t)type;
	e.cpu = (uint16_t)cpu;
	e.tid = tid;
	e.tgid = tid > 0 ? 10 : 0;
	e.tid2 = tid2;
	e.tgid2 = tid2 > 0 ? 10 : 0;
	e.op = op;
	e.arg = arg;
	e.arg2 = arg2;
	if (text)
		strcpy(e.text, text);
	perfetto_export_add(x, &e);
}

/* An export written into memory. */
struct sink {
	char *buf;
	size_t len;
	FILE *f;
};

/* An exporter of [from, to) of a 2-CPU trace into s; NULL on failure. */
static struct perfetto_export *sink_open(struct sink *s, uint64_t from, uint64_t to)
{
	struct perfetto_export_options o = { .ncpus = 2, .from = from, .to = to, .base_ns = 1000, .kernel = "6.1.0" };
	struct perfetto_export *x = NULL;

	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	if (s->f && perfetto_export_new(&x, s->f, &o) == 0)
		return x;
	if (s->f)
		fclose(s->f);
	free(s->buf);
	return NULL;
}

/* Finishes x's trace at end and reads what it wrote into t; returns what
 * the finish returned. */
static int sink_close(struct sink *s, struct perfetto_export *x, uint64_t end, struct found *t)
{
	int e = perfetto_export_finish(x, end);

	perfetto_export_free(x);
	fclose(s->f);
	read_trace((const uint8_t *)s->buf, s->len, t);
	free(s->buf);
	return e;
}

/* A: holds m1; B blocks on it; A unlocks and wakes B. Exported whole or
 * in a window; returns what the reader finds. */
static int export_small(uint64_t from, uint64_t to, struct found *t)
{
	struct sink sk;
	struct perfetto_export *x = sink_open(&sk, from, to);

	if (!x)
		return -1;
	perfetto_export_thread(x, 11, 10, "A");
	perfetto_export_thread(x, 12, 10, "B");
	ev(x, 0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, "A");
	ev(x, 0, EVENT_THREAD, 0, 12, 0, 0, 'R', 0, "B");
	ev(x, 1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, NULL);
	ev(x, 1 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
	ev(x, 2 * MS, EVENT_OBJECT, 0, 11, 0, OP_KIND_MUTEX, 0x5000, 0, "m1");
	ev(x, 2 * MS, EVENT_CALL, 0, 11, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	ev(x, 2 * MS, EVENT_RETURN, 0, 11, 0, OP_MUTEX_LOCK, 0, 0, NULL);
	ev(x, 3 * MS, EVENT_CALL, 1, 12, 0, OP_MUTEX_LOCK, 0x5000, 0, NULL);
	ev(x, 3 * MS, EVENT_SWITCH, 1, 12, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	ev(x, 4 * MS, EVENT_MARK, 0, 11, 0, 0, 7, 0, "step");
	ev(x, 5500 * 1000, EVENT_CALL, 0, 11, 0, OP_MUTEX_UNLOCK, 0x5000, 0, NULL);
	ev(x, 5500 * 1000, EVENT_WAKING, 0, 11, 12, 0, 1, 0, NULL);
	ev(x, 6 * MS, EVENT_WAKEUP, 1, 12, 0, 0, 1, 0, NULL);
	ev(x, 7 * MS, EVENT_SWITCH, 1, 0, 12, 0, 0, 0, NULL);
	ev(x, 7 * MS, EVENT_RETURN, 1, 12, 0, OP_MUTEX_LOCK, 0, 0, NULL);
	ev(x, 8 * MS, EVENT_SWITCH, 0, 11, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	return sink_close(&sk, x, 10 * MS, t);
}

/* A thread's life on the CPUs, exported whole: A (11) runs on CPU0 and
 * creates C (13), a thread of its process, which runs on CPU1 and exits;
 * B (12) switches out of CPU0, where the last switch put A (the kernel's
 * switch from A to B is missing, as perf misses some). */
static int export_lifecycle(struct found *t)
{
	struct sink sk;
	struct perfetto_export *x = sink_open(&sk, 0, 10 * MS);

	if (!x)
		return -1;
	ev(x, 0, EVENT_THREAD, 0, 11, 0, 0, 'R', 0, "A");
	ev(x, 0, EVENT_THREAD, 0, 12, 0, 0, 'S', 0, "B");
	ev(x, 1 * MS, EVENT_SWITCH, 0, 0, 11, 0, 0, 0, NULL);
	ev(x, 2 * MS, EVENT_FORK, 0, 11, 13, 0, 0, 0, "C");
	ev(x, 2 * MS, EVENT_WAKEUP_NEW, 1, 13, 0, 0, 1, 0, NULL);
	ev(x, 3 * MS, EVENT_SWITCH, 1, 0, 13, 0, 0, 0, NULL);
	ev(x, 4 * MS, EVENT_EXIT, 1, 13, 0, 0, 0, 0, "C");
	ev(x, 4 * MS, EVENT_SWITCH, 1, 13, 0, 0, EVENT_STATE_DEAD, 0, NULL);
	ev(x, 5 * MS, EVENT_SWITCH, 0, 12, 0, 0, EVENT_STATE_INTERRUPTIBLE, 0, NULL);
	return sink_close(&sk, x, 6 * MS, t);
}

/* Threads created and ended, and a switch the kernel did not report. */
static void test_export_lifecycle(void)
{
	struct found t;

	CHECK(export_lifecycle(&t) == 0, "lifecycle: a thread's life exports without error");
	CHECK(t.newtasks == 1 && t.threads_new == 1,
	      "lifecycle: a thread created is a task_newtask with CLONE_THREAD (Perfetto starts a thread by it)");
	CHECK(t.frees == 1 && t.freed_pid == 13,
	      "lifecycle: a thread that exits has a sched_process_free of its pid (with its last switch)");
	CHECK(t.cpu0_switches == 3 && t.switch_prev[1] == 11 && t.switch_next[1] == 12 && t.switch_prev[2] == 12 &&
		      t.switch_ts[1] <= t.switch_ts[2] && t.switch_ts[1] >= t.switch_ts[0] && t.in_order,
	      "lifecycle: B leaving CPU0, where the last switch put A, is preceded by a switch from A to B, in "
	      "time order (Perfetto left A's CPU slice open for good)");
}

/* A hand-built trace, exported and read back. */
static void test_export(void)
{
	struct found t;

	CHECK(export_small(0, 10 * MS, &t) == 0, "export: a small trace exports without error");
	CHECK(t.threads == 2 && strcmp(t.thread_names, "A,B,") == 0, "export: one thread descriptor each, named");
	CHECK(t.switches == 5, "export: one sched_switch record per switch (5)");
	CHECK(t.in_order, "export: the records of each CPU are in time order");
	CHECK(strstr(t.slices, "mutex m1, held by A|") != NULL, "export: B's blocked slice names the mutex and A");
	CHECK(t.m1_end == 1000 + 5500 * 1000,
	      "export: B's blocked slice ends at its waking (5.5 ms), where Perfetto's thread state turns Runnable, "
	      "not at the wakeup (6 ms)");
	CHECK(t.flows_out == 1 && t.flows_in == 1, "export: the wakeup is one flow from A to B");
	CHECK(t.marks == 1, "export: the marker is an instant");
	CHECK(export_small(3500 * 1000, 6500 * 1000, &t) == 0 && t.switches == 1 && strstr(t.slices, "mutex m1") &&
		      t.first_ts[0] == 1000 + 3500 * 1000,
	      "export: a window keeps its records only (none here), opens with A on CPU0 (one switch, at the "
	      "window's first instant) and the slice clipped into it");
	CHECK(export_small(6 * MS, 10 * MS, &t) == 0 && t.switches == 3 && t.flows_out == 1,
	      "export: a later window keeps its two switches and the wakeup, after the one opening it");
	CHECK(export_small(4200 * 1000, 4400 * 1000, &t) == 0 && t.switches == 1 && t.first_ts[0] == 1000 + 4200 * 1000 &&
		      strstr(t.slices, "mutex m1"),
	      "export: a window with no event in it opens with A on CPU0 all the same, B's slice clipped into it "
	      "(the CPU tracks were empty)");
	CHECK(export_small(8500 * 1000, 9 * MS, &t) == 0 && t.switches == 1 && t.first_ts[1] == 1000 + 8500 * 1000,
	      "export: a window after the last event opens with B on CPU1 (put there at the end of the trace)");
}

int main(void)
{
	test_wire();
	test_export();
	test_export_lifecycle();
	return check_summary();
}
