/* libFuzzer target for everything between a trace file and what conctop
 * prints of it: the timeline (core/timeline.c), the statistics
 * (core/stats.c), the renderer and the SVG writer (tui/), through the
 * commands themselves (cli/: lanes, log, export as SVG and as Perfetto,
 * report, dump), and the views' contention overlay and critical paths
 * (keys w and y) drawn on a screen, then that timeline trimmed twice under
 * an overview (core/overview.c) and drawn again, on a trace file written
 * from the input.
 *
 * An input that starts with the trace magic is taken as a trace file and
 * repaired as fuzz_trace does (fuzz_util.h); any other input is a compact
 * list of events (see event_from) that the trace writer turns into a file,
 * so that any sequence of events reaches the timeline, in any order and with
 * any gaps. Each command must exit 0 or 1 (never 2: the arguments are
 * right), never crash, leak or hang, and nothing it prints as text may hold
 * a terminal control (a byte below 0x20 other than newline and tab, DEL, a
 * C1 control; lanes --color may print its own SGR colours), whatever names
 * the trace holds.
 *
 * It found within seconds that a gap of 2^57 ns or more took seconds and
 * gigabytes in the timeline (now fixed): the inputs are in the corpus
 * (gap-*).
 *
 * Build: clang -fsanitize=fuzzer,address,undefined with core/, tui/ (but
 * screen.c) and the cli/ files of those commands; -lz -lm.
 * With -DFUZZ_STANDALONE it is a plain program instead:
 *   fuzz_timeline FILE...            runs each file through the same checks
 *   fuzz_timeline --make-corpus DIR  writes the event-list seed files
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "contention.h"
#include "critpath.h"
#include "event.h"
#include "fuzz_util.h"
#include "render.h"
#include "spans.h"
#include "trace.h"

#define EVENT_BYTES 12 /* bytes of the input per event */

static char path[64];

/* Names for events that carry text: plain, empty, the longest, UTF-8, and
 * terminal controls of every kind. */
static const char *const names[] = {
	"main", "worker-1", "", "a", "\xc3\xa9t\xc3\xa9", "lock",
	"0123456789012345678901234567890123456789012345678901234567890ab", /* 63 bytes, the most */
	"\x1b]0;title\x07", "\x1b[2J\x1b[H", "\x1b]52;c;aGk=\x07", "cr\rbs\b", "\x7f\xc2\x9b" "1m\x9b", "\xff\xfe",
	"tab\there", "new\nline", "back\\slash",
};

/* States a switch may leave with. */
static const int64_t states[] = {
	EVENT_STATE_RUNNING, EVENT_STATE_INTERRUPTIBLE, EVENT_STATE_UNINTERRUPTIBLE, EVENT_STATE_DEAD,
	EVENT_STATE_ZOMBIE, EVENT_STATE_PREEMPTED, EVENT_STATE_STOPPED, EVENT_STATE_PARKED, EVENT_STATE_IDLE, 0x7fff,
};

/* A thread id from one input byte: idle, another program, or one of a few
 * threads; sets *tgid (one of three processes). */
static int32_t tid_of(uint8_t b, int32_t *tgid)
{
	int32_t tid = b % 20 == 0 ? EVENT_TID_IDLE : b % 20 == 1 ? EVENT_TID_OTHER : 100 + b % 20;

	*tgid = tid > 0 ? 100 + (b >> 6) % 3 : tid;
	return tid;
}

/* Builds one event from EVENT_BYTES bytes of the input:
 * type, cpu, ts delta (16 bits shifted left by 0-63), tid, tid2, arg, arg2,
 * op, text, and two bytes kept for later. *ts carries the clock. */
static void event_from(const uint8_t *b, unsigned ncpus, uint64_t *ts, struct event *ev)
{
	uint64_t delta = (uint64_t)(b[2] | b[3] << 8) << (b[4] % 64);

	memset(ev, 0, sizeof(*ev));
	*ts = delta > UINT64_MAX - *ts ? UINT64_MAX : *ts + delta;
	ev->ts = *ts;
	ev->type = (uint16_t)(1 + b[0] % (EVENT_TYPE_MAX - 1));
	ev->cpu = (uint16_t)(b[1] % ncpus);
	ev->tid = tid_of(b[5], &ev->tgid);
	ev->tid2 = tid_of(b[6], &ev->tgid2);
	switch (ev->type) {
	case EVENT_SWITCH:
		ev->arg = states[b[7] % (sizeof(states) / sizeof(states[0]))];
		break;
	case EVENT_CALL:
	case EVENT_SYSCALL:
	case EVENT_OBJECT:
	case EVENT_BLOCK:
		ev->arg = 0x1000 + (b[7] % 8) * 0x40;
		ev->arg2 = b[8] & 0x80 ? 0x1000 + (b[8] % 8) * 0x40 : (int8_t)b[8];
		break;
	default:
		ev->arg = (int8_t)b[7];
		ev->arg2 = (int8_t)b[8];
	}
	if (ev->type == EVENT_CALL || ev->type == EVENT_RETURN)
		ev->op = 1 + b[9] % (OP_LIBC_MAX - 1);
	else if (ev->type == EVENT_SYSCALL || ev->type == EVENT_SYSRET)
		ev->op = OP_SYS_SLEEP + b[9] % (OP_SYS_MAX - OP_SYS_SLEEP);
	else if (ev->type == EVENT_OBJECT)
		ev->op = OP_KIND_MUTEX + b[9] % (OP_KIND_MAX - OP_KIND_MUTEX);
	else if (ev->type == EVENT_BLOCK || (ev->type == EVENT_WAKING && b[9] & 0x40))
		ev->op = b[9] & 0x80 ? OP_SYS_SLEEP + b[9] % (OP_SYS_MAX - OP_SYS_SLEEP) : 1 + b[9] % (OP_LIBC_MAX - 1);
	if (ev->type == EVENT_WAKING && ev->op)
		ev->arg2 = 0x1000 + (b[8] % 8) * 0x40; /* the object woken through */
	snprintf(ev->text, sizeof(ev->text), "%s", names[b[10] % (sizeof(names) / sizeof(names[0]))]);
}

/* Writes the events the input describes into path. Returns 0, or -1 when
 * the file cannot be written. */
static int write_events(const uint8_t *data, size_t size)
{
	struct trace_info info;
	struct trace_writer *w;
	uint64_t ts = 0;
	unsigned ncpus = size ? 1 + data[0] % 12 : 1;
	size_t i;
	int rc;

	memset(&info, 0, sizeof(info));
	info.ncpus = ncpus;
	snprintf(info.host, sizeof(info.host), "fuzz\x1b]0;host\x07");
	snprintf(info.clock, sizeof(info.clock), "CLOCK_MONOTONIC");
	snprintf(info.command, sizeof(info.command), "fuzz \x1b[2J");
	info.target_pid = size > 1 && data[1] & 1 ? 100 : 0;
	info.started = info.target_pid == 0; /* the gate of a program conctop started */
	if (trace_writer_new(&w, path, &info))
		return -1;
	trace_writer_set_compression(w, 0);
	trace_writer_set_chunk_size(w, 512); /* several chunks, even for short inputs */
	for (i = 1; i + EVENT_BYTES <= size; i += EVENT_BYTES) {
		struct event ev;

		event_from(data + i, ncpus, &ts, &ev);
		trace_writer_add(w, &ev); /* an event the file cannot hold is refused: fine */
	}
	rc = trace_writer_close(w, size % 2 ? ts : ts + (size & 0xff) * 1000);
	return rc ? -1 : 0;
}

/* Writes a trace-file input into path, repaired. Returns 0, or -1 when the
 * file cannot be written. */
static int write_file(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	FILE *f;
	int ok;

	if (!copy)
		return -1;
	memcpy(copy, data, size);
	fuzz_repair(copy, size);
	f = fopen(path, "wb");
	ok = f && fwrite(copy, 1, size, f) == size;
	if (f && fclose(f))
		ok = 0;
	free(copy);
	return ok ? 0 : -1;
}

/* Stops the fuzzer, naming what broke. */
static void breach(const char *cmd, const char *what)
{
	fprintf(stderr, "fuzz_timeline: conctop %s: %s\n", cmd, what);
	abort();
}

/* What a command's output may hold. */
enum output {
	TEXT,   /* no terminal control at all */
	COLOUR, /* conctop's own SGR sequences (ESC [ digits ; m), nothing else */
	BINARY, /* anything: not meant for a terminal (Perfetto's protobuf) */
};

/* Whether out (len bytes, of the kind given) holds a terminal control: a
 * byte below 0x20 but newline and tab, DEL, or a C1 control in UTF-8. */
static int has_control(const char *out, size_t len, enum output kind)
{
	size_t i;

	for (i = 0; kind != BINARY && i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (kind == COLOUR && c == 0x1b && i + 1 < len && out[i + 1] == '[') {
			size_t j = i + 2;

			while (j < len && ((out[j] >= '0' && out[j] <= '9') || out[j] == ';'))
				j++;
			if (j < len && out[j] == 'm') {
				i = j;
				continue;
			}
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len && (unsigned char)out[i + 1] >= 0x80 && (unsigned char)out[i + 1] < 0xa0))
			return 1;
	}
	return 0;
}

/* Runs one command on path with its output captured; checks its exit
 * status, and what its output and its messages hold. */
static void run(int (*cmd)(int, char **), const char *name, const char *a1, const char *a2, const char *a3,
		enum output kind)
{
	char *argv[6] = { (char *)name, (char *)a1, (char *)a2, (char *)a3, NULL, NULL };
	FILE *out_saved = stdout, *err_saved = stderr, *out, *err;
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	int argc = 1, status;

	while (argc < 4 && argv[argc])
		argc++;
	argv[argc++] = path;
	out = open_memstream(&buf, &len);
	err = open_memstream(&ebuf, &elen);
	if (!out || !err)
		abort();
	stdout = out;
	stderr = err;
	status = cmd(argc, argv);
	stdout = out_saved;
	stderr = err_saved;
	fclose(out);
	fclose(err);
	if (status != 0 && status != 1)
		breach(name, "exit status other than 0 or 1");
	if (has_control(buf, len, kind))
		breach(name, "a terminal control in its output");
	if (has_control(ebuf, elen, TEXT))
		breach(name, "a terminal control in its messages");
	free(buf);
	free(ebuf);
}

/* Stops the fuzzer when a cell of g holds a control character. */
static void check_cells(const struct grid *g, const char *what)
{
	for (int y = 0; y < grid_height(g); y++) {
		for (int x = 0; x < grid_width(g); x++) {
			uint32_t ch = grid_at(g, x, y)->ch;

			if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0))
				breach("replay", what);
		}
	}
}

/* The views' keys w and y on the trace, as the replay draws them: the
 * contention overlay of the whole trace and the critical path of each of
 * its first threads, on a screen whose cells must hold no control. */
static void views(void)
{
	FILE *err_saved = stderr, *err;
	struct timeline *tl = NULL;
	struct spans *s = NULL;
	struct contention *c = NULL;
	struct grid *g = grid_new(100, 30);
	char *ebuf = NULL, warn[512];
	size_t elen = 0;

	err = open_memstream(&ebuf, &elen);
	if (!err || !g)
		abort();
	stderr = err; /* an unreadable file is said there: the commands check that */
	if (!cli_load_timeline(path, &tl, warn, sizeof(warn)) && !cli_load_spans(path, NULL, UINT64_MAX, &s, warn, sizeof(warn))) {
		struct view v = { .mode = VIEW_REPLAY, .ns_per_col = timeline_end(tl) / 60 + 1, .cursor = UINT64_MAX,
				  .speed = 1, .waits = true, .waits_title = "waits", .spans = s };

		contention_new(&c, s, 0, 0); /* an empty trace has none */
		v.contention = c;
		for (size_t i = 0; i < spans_thread_count(s) && i < 8; i++) {
			struct critpath *p = NULL;

			critpath_new(&p, s, i, 0, 0, 0);
			v.path = p;
			v.focus = i;
			render_screen(g, tl, &v, theme_get(THEME_256, false));
			check_cells(g, "a control character on the screen of keys w and y");
			critpath_free(p);
		}
		/* forgotten in two trims under an overview (a view's --memory),
		 * drawn again zoomed out: the summary of what was forgotten */
		v.path = NULL;
		v.waits = false;
		if (!timeline_keep_overview(tl, 1u << 16) && !timeline_trim(tl, timeline_end(tl) / 3) &&
		    !timeline_trim(tl, timeline_end(tl) / 3 * 2)) {
			render_screen(g, tl, &v, theme_get(THEME_256, false));
			check_cells(g, "a control character on the screen of a trimmed timeline's overview");
		}
	}
	stderr = err_saved;
	fclose(err);
	free(ebuf);
	contention_free(c);
	spans_free(s);
	timeline_free(tl);
	grid_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		snprintf(path, sizeof(path), "/tmp/fuzz_timeline.%d.ctrace", (int)getpid());
		ready = 1;
	}
	if (size >= 8 && memcmp(data, "\x89" "CTRACE\n", 8) == 0 ? write_file(data, size) : write_events(data, size))
		return -1; /* not run: libFuzzer keeps it out of the corpus */
	run(cmd_lanes, "lanes", "--width", "120", NULL, TEXT);
	run(cmd_lanes, "lanes", "--color", "--width=60", NULL, COLOUR);
	run(cmd_log, "log", NULL, NULL, NULL, TEXT);
	run(cmd_export, "export", "-o", "-", NULL, TEXT);
	run(cmd_export, "export", "--format=perfetto", "-o", "-", BINARY);
	run(cmd_report, "report", NULL, NULL, NULL, TEXT);
	run(cmd_report, "report", "--json", NULL, NULL, TEXT);
	run(cmd_dump, "dump", NULL, NULL, NULL, TEXT);
	views();
	unlink(path);
	return 0;
}

#ifdef FUZZ_STANDALONE

/* Writes one event-list seed: a ping-pong of two threads on 2 CPUs with a
 * creation, a rename, a mark, a mutex and an exit. */
static int make_seed(const char *dir, const char *name, unsigned shift, unsigned text)
{
	static const uint8_t ev[][EVENT_BYTES] = {
		/* type cpu dlo dhi shift tid tid2 arg arg2 op text */
		{ EVENT_THREAD - 1, 0, 0, 0, 0, 2, 0, 'R', 0, 0, 0 },
		{ EVENT_SWITCH - 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0 },
		{ EVENT_OBJECT - 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 5 },
		{ EVENT_FORK - 1, 0, 0x10, 0, 8, 2, 3, 0, 0, 0, 1 },
		{ EVENT_WAKEUP_NEW - 1, 1, 0, 0, 0, 3, 0, 1, 0, 0, 0 },
		{ EVENT_SWITCH - 1, 1, 0x20, 0, 8, 0, 3, 0, 0, 0, 0 },
		{ EVENT_RENAME - 1, 1, 0, 0, 0, 3, 0, 0, 0, 0, 7 },
		{ EVENT_CALL - 1, 1, 0x08, 0, 8, 3, 0, 0, 0, 0, 0 },
		{ EVENT_SWITCH - 1, 1, 0, 0, 0, 3, 0, 1, 0, 0, 0 },
		{ EVENT_MARK - 1, 0, 0x08, 0, 8, 2, 0, 42, 0, 0, 9 },
		{ EVENT_WAKING - 1, 0, 0x08, 0, 8, 2, 3, 1, 0, 0, 0 },
		{ EVENT_WAKEUP - 1, 1, 0, 0, 0, 3, 0, 1, 0, 0, 0 },
		{ EVENT_SWITCH - 1, 1, 0x01, 0, 8, 0, 3, 0, 0, 0, 0 },
		{ EVENT_RETURN - 1, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0 },
		{ EVENT_LOST - 1, 1, 0x10, 0, 8, 0, 0, 17, 0, 0, 0 },
		{ EVENT_EXIT - 1, 1, 0x10, 0, 8, 3, 0, 0, 0, 0, 1 },
		{ EVENT_SWITCH - 1, 1, 0, 0, 0, 3, 0, 3, 0, 0, 0 },
		{ EVENT_SYSCALL - 1, 0, 0x04, 0, 8, 2, 0, 0, 0, 0, 0 },
		{ EVENT_SWITCH - 1, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0 },
	};
	char file[4096];
	FILE *f;
	size_t i;
	int ok;

	snprintf(file, sizeof(file), "%s/%s", dir, name);
	f = fopen(file, "wb");
	if (!f)
		return -1;
	ok = fputc(2 - 1, f) != EOF; /* 2 CPUs */
	for (i = 0; ok && i < sizeof(ev) / sizeof(ev[0]); i++) {
		uint8_t b[EVENT_BYTES];

		memcpy(b, ev[i], EVENT_BYTES);
		if (b[4])
			b[4] = (uint8_t)shift;
		if (b[10])
			b[10] = (uint8_t)(b[10] + text);
		ok = fwrite(b, 1, EVENT_BYTES, f) == EVENT_BYTES;
	}
	return fclose(f) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--make-corpus")) {
		int rc = make_seed(argv[2], "events_us.bin", 10, 0) | make_seed(argv[2], "events_ms.bin", 20, 0) |
			 make_seed(argv[2], "events_controls.bin", 10, 6);
		if (rc)
			fprintf(stderr, "fuzz_timeline: could not write the seeds in %s\n", argv[2]);
		return rc ? 1 : 0;
	}
	return fuzz_run_files(argc, argv, "fuzz_timeline");
}

#endif
