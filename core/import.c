/* Scheduler traces recorded by other tools, as conctop events (see
 * import.h): the tasks, the two passes and the events. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "import.h"
#include "import_internal.h"
#include "mem.h"
#include "safetext.h"

#define IMPORT_QUOTE_MAX 60 /* bytes of a line an error quotes */

const char *const import_kind_names[K_MAX] = {
	"sched_switch", "sched_waking", "sched_wakeup", "sched_wakeup_new", "sched_migrate_task",
	"sched_process_fork", "sched_process_exit", "sched_process_exec", "task_rename",
};

/* Records what went wrong on the current line; returns e. */
int import_fail(struct import *im, int e, const char *fmt, ...)
{
	char raw[sizeof(im->err)];
	va_list ap;
	int n = snprintf(raw, sizeof(raw), "line %llu: ", (unsigned long long)im->line);

	va_start(ap, fmt);
	vsnprintf(raw + n, sizeof(raw) - (size_t)n, fmt, ap);
	va_end(ap);
	/* the text quoted is the file's: its escapes reach no terminal */
	safetext_escape(im->err, sizeof(im->err), raw);
	return e;
}

/* The start of line for an error message: its first IMPORT_QUOTE_MAX
 * bytes (not cutting a character), then "..." when there is more. */
static const char *import_quote(const char *line, char *buf, size_t len)
{
	size_t n = 0, k;

	while (line[n] && n < IMPORT_QUOTE_MAX && (k = safetext_utf8_len((const unsigned char *)line + n)) > 0 &&
	       n + k <= IMPORT_QUOTE_MAX)
		n += k;
	if (n < IMPORT_QUOTE_MAX && line[n] && !safetext_utf8_len((const unsigned char *)line + n))
		n++; /* (a byte of no character: escaped later) */
	snprintf(buf, len, "%.*s%s", (int)n, line, line[n] ? "..." : "");
	return buf;
}

/* Starts an import. */
int import_new(struct import **out, const struct import_filter *filter, import_emit_fn emit, void *ctx)
{
	struct import *im;
	size_t i;

	*out = NULL;
	im = calloc(1, sizeof(*im));
	if (!im)
		return -ENOMEM;
	im->pass = 1;
	im->emit = emit;
	im->ctx = ctx;
	if (tidmap_init(&im->map)) {
		free(im);
		return -ENOMEM;
	}
	if (filter && filter->npids)
		im->pids = malloc(filter->npids * sizeof(*im->pids));
	if (filter && filter->ncomms)
		im->comms = malloc(filter->ncomms * sizeof(*im->comms));
	if ((filter && filter->npids && !im->pids) || (filter && filter->ncomms && !im->comms)) {
		import_free(im);
		return -ENOMEM;
	}
	if (filter) {
		for (i = 0; i < filter->npids; i++)
			im->pids[i] = filter->pids[i];
		im->npids = filter->npids;
		for (i = 0; i < filter->ncomms; i++)
			snprintf(im->comms[i], IMPORT_COMM_MAX, "%s", filter->comms[i]);
		im->ncomms = filter->ncomms;
	}
	*out = im;
	return 0;
}

/* Frees it. */
void import_free(struct import *im)
{
	if (im) {
		free(im->pids);
		free(im->comms);
		free(im->task);
		tidmap_done(&im->map);
		free(im);
	}
}

/* The task tid, or NULL. */
struct itask *import_find(const struct import *im, int32_t tid)
{
	long i = tidmap_find(&im->map, tid);

	return i >= 0 ? &im->task[i] : NULL;
}

/* Whether the filter keeps a task by its ids. */
bool import_kept_by_id(const struct import *im, int32_t tid, int32_t tgid)
{
	size_t i;

	if (!im->npids && !im->ncomms)
		return true;
	for (i = 0; i < im->npids; i++)
		if (im->pids[i] == tid || (tgid > 0 && im->pids[i] == tgid))
			return true;
	return false;
}

/* Adds task tid (first pass). NULL with the error set when it cannot. */
struct itask *import_add(struct import *im, int32_t tid)
{
	struct itask *t;

	if (im->ntask >= IMPORT_TASKS_MAX) {
		import_fail(im, -E2BIG, "more than %u tasks: conctop imports at most that many", IMPORT_TASKS_MAX);
		return NULL;
	}
	if (VEC_RESERVE(im->task, im->cap, im->ntask + 1) || tidmap_add(&im->map, tid, im->ntask))
		goto nomem;
	t = &im->task[im->ntask++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	if (import_kept_by_id(im, tid, 0))
		t->flags |= T_KEPT;
	return t;
nomem:
	import_fail(im, -ENOMEM, "out of memory");
	return NULL;
}


/* A report of n lost events on cpu: counted (first pass), emitted at the
 * time of the line before (second pass). Returns 0 or the writer's error. */
static int lost(struct import *im, unsigned cpu, unsigned long long n)
{
	struct event ev = { .type = EVENT_LOST, .arg = (int64_t)(n > INT64_MAX ? INT64_MAX : n) };

	if (im->pass == 1) {
		im->sum.lost += n;
		if (cpu > im->max_cpu)
			im->max_cpu = cpu;
		return 0;
	}
	ev.ts = im->last_ts >= im->sum.base_ns ? im->last_ts - im->sum.base_ns : 0;
	ev.cpu = (uint16_t)cpu;
	im->sum.events++;
	return im->emit && im->emit(im->ctx, &ev) ? import_fail(im, -ECANCELED, "stopped by the writer") : 0;
}

/* Reads a header line ("# ... #P:2", "cpus=2") or a lost-events line; 1
 * when the line was one of those (or blank), 0 when it is not. */
static int header_line(struct import *im, const char *p)
{
	const char *q;
	unsigned cpu;
	unsigned long long n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 1;
	if (*p == '#') {
		if (strstr(p, "# tracer:"))
			im->sum.format = "ftrace trace file";
		if ((q = strstr(p, "#P:")) && (n = strtoull(q + 3, NULL, 10)) > 0 && n <= TRACE_MAX_CPUS)
			im->header_cpus = (unsigned)n;
		return 1;
	}
	if (strncmp(p, "cpus=", 5) == 0) {
		n = strtoull(p + 5, NULL, 10);
		if (n > 0 && n <= TRACE_MAX_CPUS)
			im->header_cpus = (unsigned)n;
		im->sum.format = "trace-cmd report";
		return 1;
	}
	if (strncmp(p, "version = ", 10) == 0 || (strncmp(p, "CPU ", 4) == 0 && strstr(p, " is empty")))
		return 1;
	n = 1; /* "[EVENTS DROPPED]" does not say how many: at least one */
	if ((sscanf(p, "CPU:%u [LOST %llu EVENTS]", &cpu, &n) == 2 ||
	     sscanf(p, "CPU:%u [%llu EVENTS DROPPED]", &cpu, &n) == 2 ||
	     (sscanf(p, "CPU:%u [EVENTS DROPPED%c", &cpu, &(char){ 0 }) == 2)) && cpu < TRACE_MAX_CPUS) {
		int e = lost(im, cpu, n);

		return e ? e : 1;
	}
	return 0;
}

/* What a binary file given by mistake is, with what to do instead. */
static int binary_input(struct import *im, const char *line, size_t len)
{
	if (len >= 8 && memcmp(line, "PERFILE2", 8) == 0)
		return import_fail(im, -EBADMSG, "this is a perf.data file: import reads the text of "
				   "'perf script -i perf.data > sched.txt'");
	if (len >= 10 && memcmp(line, "\027\010\104tracing", 10) == 0)
		return import_fail(im, -EBADMSG, "this is a trace-cmd trace.dat file: import reads the text of "
				   "'trace-cmd report -i trace.dat > sched.txt'");
	return import_fail(im, -EBADMSG, "a NUL byte: this is not text (import reads the text of perf script, "
			   "trace-cmd report or /sys/kernel/tracing/trace)");
}

/* Fails on a line too long to be one of an event conctop reads. */
static int import_too_long(struct import *im)
{
	return import_fail(im, -E2BIG, "longer than %d bytes: not a line of perf script, trace-cmd report or the "
			   "ftrace trace file that conctop reads", IMPORT_LINE_MAX);
}

/* Reads one line. */
int import_line(struct import *im, const char *line, size_t len)
{
	struct import_line l;
	const char *why, *p, *q;
	char quote[IMPORT_QUOTE_MAX + 8];
	bool cut = false;
	int rc;

	im->line++;
	if (im->pass == 1)
		im->sum.lines++;
	if (len > IMPORT_LONG_MAX)
		return import_too_long(im);
	if (len > IMPORT_LINE_MAX) {
		/* its start is enough for a comment (perf's "# cmdline" repeats
		 * long commands) and for an event conctop does not read (a
		 * print of a 4 KiB trace_marker write), which is counted */
		len = IMPORT_LINE_MAX;
		cut = true;
		if (im->pass == 1 && !im->sum.long_lines++)
			im->sum.long_first = im->line;
	}
	if (im->line == 1 && len >= 7 && memcmp(line, "\x89" "CTRACE", 7) == 0)
		return import_fail(im, -EBADMSG, "this is a conctop trace already: read it with conctop report, "
				   "lanes or replay (import makes one from the text of perf script or trace-cmd report)");
	if (memchr(line, '\0', len) || (im->line == 1 && len >= 8 && memcmp(line, "PERFILE2", 8) == 0))
		return binary_input(im, line, len);
	memcpy(im->buf, line, len);
	while (len && (im->buf[len - 1] == '\r' || im->buf[len - 1] == '\n'))
		len--;
	im->buf[len] = '\0';
	rc = header_line(im, im->buf);
	if (rc)
		return rc < 0 ? rc : 0;
	if (import_stack_line(im->buf)) {
		if (im->pass == 1)
			im->sum.stack_lines++;
		return 0;
	}
	if ((p = strstr(im->buf, ": PERF_RECORD_LOST lost ")) && (q = strstr(im->buf, " [")) && q < p) {
		unsigned long long n = strtoull(p + 24, NULL, 10);
		unsigned long cpu = strtoul(q + 2, NULL, 10);

		if (cpu >= TRACE_MAX_CPUS)
			return import_fail(im, -EBADMSG, "CPU %lu: conctop traces hold CPUs 0 to %d", cpu,
					   TRACE_MAX_CPUS - 1);
		return lost(im, (unsigned)cpu, n);
	}
	if (strstr(im->buf, ": PERF_RECORD_")) { /* perf's side-band records (--show-task-events...) */
		if (im->pass == 1)
			im->sum.event_lines++;
		return import_event(im, &(struct import_line){ .event = "PERF_RECORD" }), 0;
	}
	rc = import_parse_line(im->buf, &l, &why);
	if (cut && (rc || import_kind_read(l.event)))
		return import_too_long(im); /* (conctop's events are short lines) */
	if (rc == -ENOENT)
		return import_fail(im, -EBADMSG, "not a line of perf script, trace-cmd report or the ftrace trace "
				   "file: \"%s\"", import_quote(im->buf, quote, sizeof(quote)));
	if (rc)
		return import_fail(im, -EBADMSG, "%s: \"%s\"", why, import_quote(im->buf, quote, sizeof(quote)));
	if (im->style && (int)l.style != im->style)
		return import_fail(im, -EBADMSG, "a %s line among %s lines: import reads one text at a time",
				   l.style == IMPORT_STYLE_PERF ? "perf script" : "trace-cmd or ftrace",
				   im->style == IMPORT_STYLE_PERF ? "perf script" : "trace-cmd or ftrace");
	im->style = l.style;
	if (l.ts < im->last_ts)
		return import_fail(im, -EBADMSG, "the time goes back (%llu.%09llu after %llu.%09llu): the text is not "
				   "in time order, as perf script, trace-cmd report and the trace file print it. Was it "
				   "edited or put together from pieces?",
				   (unsigned long long)(l.ts / 1000000000u), (unsigned long long)(l.ts % 1000000000u),
				   (unsigned long long)(im->last_ts / 1000000000u),
				   (unsigned long long)(im->last_ts % 1000000000u));
	if (im->pass == 1) {
		/* (perf's side-band lines before it, counted as event lines
		 * but stamped 0 for the tasks that existed, set no start) */
		if (!im->timed)
			im->sum.base_ns = l.ts;
		im->timed = true;
		im->sum.event_lines++;
		im->sum.end_ns = l.ts;
	}
	im->last_ts = l.ts;
	return import_event(im, &l);
}

/* Ends the first pass and starts the second. */
int import_second_pass(struct import *im)
{
	struct import_summary *s = &im->sum;

	if (im->pass != 1)
		return -EINVAL;
	if (!s->event_lines) {
		snprintf(im->err, sizeof(im->err), "no event lines in %llu lines: import reads the text of "
			 "'perf script', 'trace-cmd report' or /sys/kernel/tracing/trace",
			 (unsigned long long)s->lines);
		return -EBADMSG;
	}
	if (!im->kind[K_SWITCH]) {
		snprintf(im->err, sizeof(im->err), "no sched_switch events: conctop needs them. Record with "
			 "'perf sched record' or 'trace-cmd record -e sched'");
		return -EBADMSG;
	}
	if (im->style == IMPORT_STYLE_PERF)
		s->format = "perf script";
	else if (!s->format)
		s->format = "trace-cmd report";
	s->ncpus = im->max_cpu + 1 > im->header_cpus ? im->max_cpu + 1 : im->header_cpus;
	s->tasks = im->ntask;
	im->derive_wakeup = im->kind[K_WAKING] && !im->kind[K_WAKEUP];
	im->derive_waking = im->kind[K_WAKEUP] && !im->kind[K_WAKING];
	im->pass = 2;
	im->line = 0;
	im->last_ts = 0;
	return import_announce(im);
}

/* Ends the second pass. */
int import_finish(struct import *im)
{
	return im->pass == 2 ? 0 : -EINVAL;
}

/* Reads the last line of a text when it has no newline: one that cannot
 * be read, after lines that were events, is a text cut off there (perf
 * script killed, a full disk), skipped and said in the summary instead of
 * failing all the lines before it. */
static int import_last_line(struct import *im, const char *line, size_t len)
{
	uint64_t events = im->sum.event_lines;
	int e = import_line(im, line, len);

	if (e != -EBADMSG || !events) /* (a text of one line is no text cut off) */
		return e;
	im->err[0] = '\0';
	im->sum.cut_line = im->line;
	return 0;
}

/* Feeds every line of buf[0..len). */
static int feed_buffer(struct import *im, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	int e = 0;

	while (p < end && !e) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			e = import_line(im, p, (size_t)(nl - p));
		else
			e = import_last_line(im, p, (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	return e;
}

/* Both passes over a text in memory. */
int import_buffer(struct import *im, const char *buf, size_t len)
{
	int e = feed_buffer(im, buf, len);

	if (!e)
		e = import_second_pass(im);
	if (!e)
		e = feed_buffer(im, buf, len);
	return e ? e : import_finish(im);
}

/* Feeds every line of f, each read into a bounded buffer. */
static int feed_file(struct import *im, FILE *f)
{
	static char line[IMPORT_LINE_MAX + 2];
	size_t n = 0, rest = 0;
	int c, e = 0;

	while (!e && (c = getc(f)) != EOF) {
		if (rest) { /* the rest of a long line, read by its start */
			rest = c == '\n' ? 0 : rest + 1;
			if (rest > IMPORT_LONG_MAX)
				e = import_too_long(im);
		} else if (c == '\n') {
			e = import_line(im, line, n);
			n = 0;
		} else {
			line[n++] = (char)c;
			if (n < sizeof(line))
				continue;
			/* too long: read by its start now (/dev/zero has no
			 * newline to wait for), and the rest left */
			e = import_line(im, line, n);
			rest = n;
			n = 0;
		}
	}
	if (!e && ferror(f)) {
		snprintf(im->err, sizeof(im->err), "read error after line %llu", (unsigned long long)im->line);
		return -EIO;
	}
	if (!e && n)
		e = import_last_line(im, line, n);
	return e;
}

/* Both passes over a seekable file. */
int import_file(struct import *im, FILE *f)
{
	int e = feed_file(im, f);

	if (!e)
		e = import_second_pass(im);
	if (!e && fseek(f, 0, SEEK_SET)) {
		snprintf(im->err, sizeof(im->err), "cannot read the text a second time: %s", strerror(errno));
		return -errno;
	}
	if (!e)
		e = feed_file(im, f);
	return e ? e : import_finish(im);
}

/* What went wrong, or "". */
const char *import_error(const struct import *im)
{
	return im ? im->err : "out of memory";
}

/* The summary. */
const struct import_summary *import_summary(const struct import *im)
{
	return &im->sum;
}
