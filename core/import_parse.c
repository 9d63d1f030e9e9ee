/* The lines of scheduler trace texts, taken apart (see import_parse.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "import_parse.h"

/* Whether s[0..n) is all digits (and not empty). */
static bool digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Parses the decimal s[0..n) (at most 10 digits) into *v. */
static bool number(const char *s, size_t n, int64_t *v);

/* A perf id: a number, or -1 (perf's "unknown", for an exiting task). */
static bool perf_id(const char *s, size_t n, int64_t *v)
{
	if (n == 2 && s[0] == '-' && s[1] == '1') {
		*v = -1;
		return true;
	}
	return number(s, n, v);
}

static bool number(const char *s, size_t n, int64_t *v)
{
	size_t i;

	if (!digits(s, n) || n > 10)
		return false;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = *v * 10 + (s[i] - '0');
	return true;
}

/* Copies s[0..n) into buf of len bytes, truncated, NUL-terminated. */
static void copy(char *buf, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* The length of s[0..n) without its trailing blanks. */
static size_t trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

static size_t timestamp(const char *s, uint64_t *ns);

/* The time column at s, just past a CPU column's ']': blanks, ftrace's
 * flags column or not, then "SECONDS.FRACTION:". Sets out->ts and, from
 * the flags, out->in_irq; returns what follows it, or NULL when no time
 * is there. */
static const char *time_column(const char *s, struct import_line *out)
{
	size_t n;

	out->in_irq = false;
	while (*s == ' ')
		s++;
	n = timestamp(s, &out->ts);
	if (!n) { /* ftrace's flags column comes first: "d.h2." */
		const char *flags = s;

		while (*s && *s != ' ')
			s++;
		/* its third letter: h a hard interrupt, s a softirq, H one in
		 * the other, z/Z an NMI; '.' the task's own context */
		out->in_irq = s - flags >= 3 && strchr("hHszZ", flags[2]) != NULL;
		while (*s == ' ')
			s++;
		n = timestamp(s, &out->ts);
	}
	return n ? s + n : NULL;
}

/* Finds the CPU column " [N]" in line, the one a time follows (a thread
 * may be named "x [001] y"): sets out->cpu and its time (time_column),
 * *after to what follows the time, and returns where the '[' is, or NULL.
 * A line with no time after any: the first such column, *after NULL, for
 * the error to say what is missing. */
static const char *cpu_column(const char *line, struct import_line *out, const char **after)
{
	const char *p = line, *first = NULL;
	unsigned first_cpu = 0;
	int64_t v;

	*after = NULL;
	while ((p = strchr(p, '[')) != NULL) {
		const char *q = p + 1;

		while (isdigit((unsigned char)*q))
			q++;
		if (p > line && p[-1] == ' ' && *q == ']' && number(p + 1, (size_t)(q - p - 1), &v) && v < 100000) {
			if ((*after = time_column(q + 1, out)) != NULL) {
				out->cpu = (unsigned)v;
				return p;
			}
			if (!first) {
				first = p;
				first_cpu = (unsigned)v;
			}
		}
		p++;
	}
	out->cpu = first_cpu;
	return first;
}

/* Takes the task column s[0..n) apart: "comm tid", "comm pid/tid",
 * "comm-tid" or "comm-tid (tgid)". */
static int task_column(const char *s, size_t n, struct import_line *out)
{
	const char *sp, *slash, *dash;
	int64_t v, t;
	size_t i;

	while (n && *s == ' ') {
		s++;
		n--;
	}
	n = trim(s, n);
	if (n && s[n - 1] == ')') { /* ftrace's TGID column */
		for (i = n - 1; i > 0 && s[i] != '('; i--)
			;
		if (s[i] != '(')
			return -EINVAL;
		{
			const char *g = s + i + 1;
			size_t gl = n - i - 2;

			while (gl && *g == ' ') {
				g++;
				gl--;
			}
			if (number(g, gl, &v))
				out->tgid = (int32_t)v;
		}
		n = trim(s, i);
	}
	for (sp = s + n; sp > s && sp[-1] != ' '; sp--)
		;
	/* perf: the last word is the tid, "pid/tid" or -1 */
	if (sp > s) {
		size_t wl = (size_t)(s + n - sp), cl = trim(s, (size_t)(sp - s));

		slash = memchr(sp, '/', wl);
		if (cl && slash && perf_id(sp, (size_t)(slash - sp), &v) &&
		    perf_id(slash + 1, (size_t)(s + n - slash - 1), &t)) {
			out->style = IMPORT_STYLE_PERF;
			out->tgid = v > 0 ? (int32_t)v : 0;
			out->tid = (int32_t)t;
			copy(out->comm, sizeof(out->comm), s, cl);
			return 0;
		}
		if (cl && perf_id(sp, wl, &v)) {
			out->style = IMPORT_STYLE_PERF;
			out->tid = (int32_t)v;
			copy(out->comm, sizeof(out->comm), s, cl);
			return 0;
		}
	}
	/* ftrace, trace-cmd: comm-tid */
	for (dash = s + n; dash > s && dash[-1] != '-'; dash--)
		;
	if (dash == s || !number(dash, (size_t)(s + n - dash), &v))
		return -EINVAL;
	out->style = IMPORT_STYLE_FTRACE;
	out->tid = (int32_t)v;
	i = (size_t)(dash - 1 - s);
	while (i && s[0] == ' ') {
		s++;
		i--;
	}
	if (i == 5 && memcmp(s, "<...>", 5) == 0)
		i = 0;
	copy(out->comm, sizeof(out->comm), s, i);
	return 0;
}

/* Parses "SECONDS.FRACTION:" at s into ns; returns the length with the
 * colon, or 0. */
static size_t timestamp(const char *s, uint64_t *ns)
{
	const char *dot = s, *end;
	int64_t sec, frac;
	size_t fl;

	while (isdigit((unsigned char)*dot))
		dot++;
	if (dot == s || *dot != '.' || dot - s > 9)
		return 0;
	for (end = dot + 1; isdigit((unsigned char)*end); end++)
		;
	fl = (size_t)(end - dot - 1);
	if (*end != ':' || !fl || fl > 9 || !number(s, (size_t)(dot - s), &sec) || !number(dot + 1, fl, &frac))
		return 0;
	while (fl++ < 9)
		frac *= 10;
	*ns = (uint64_t)sec * 1000000000u + (uint64_t)frac;
	return (size_t)(end - s) + 1;
}

/* Whether a line is a call stack's frame (see import_parse.h). */
bool import_stack_line(const char *line)
{
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '=' && p[1] == '>')
		return p > line; /* ftrace: "  => __schedule+0x2a3/0x8d0" */
	if (line[0] != '\t' || !isxdigit((unsigned char)*p))
		return false; /* (perf's event lines are padded with spaces, never a tab) */
	while (isxdigit((unsigned char)*p))
		p++;
	return *p == ' ';
}

/* Takes an event line apart. */
int import_parse_line(const char *line, struct import_line *out, const char **why)
{
	const char *br, *p, *tok, *colon;
	size_t n;

	memset(out, 0, sizeof(*out));
	*why = "";
	br = cpu_column(line, out, &p);
	if (!br)
		return -ENOENT;
	if (task_column(line, (size_t)(br - line), out)) {
		*why = "the task before the CPU column is not 'comm tid' nor 'comm-tid'";
		return -EINVAL;
	}
	if (!p) {
		*why = "no time (SECONDS.FRACTION:) after the CPU column: the line is cut short or garbled";
		return -EINVAL;
	}
	while (*p == ' ')
		p++;
	tok = p;
	while (isdigit((unsigned char)*p))
		p++;
	if (p > tok && *p == ' ') { /* perf script's period column (a sampling event's line: cpu-clock) */
		while (*p == ' ')
			p++;
		tok = p;
	}
	while (*p && *p != ' ')
		p++;
	if (p == tok || p[-1] != ':') {
		*why = "no event name (NAME:) after the time: the line is cut short or garbled";
		return -EINVAL;
	}
	n = (size_t)(p - tok - 1);
	colon = memchr(tok, ':', n);
	while (colon) { /* perf: "sched:sched_switch:" */
		n -= (size_t)(colon + 1 - tok);
		tok = colon + 1;
		colon = memchr(tok, ':', n);
	}
	if (!n) {
		*why = "an empty event name";
		return -EINVAL;
	}
	copy(out->event, sizeof(out->event), tok, n);
	while (*p == ' ')
		p++;
	out->fields = p;
	return 0;
}

/* Whether a value ends at s (a blank before " word=" or " ==> "). */
static bool value_ends(const char *s)
{
	const char *w = s + 1;

	if (strncmp(s, " ==>", 4) == 0)
		return true;
	if (!isalpha((unsigned char)*w) && *w != '_')
		return false;
	while (isalnum((unsigned char)*w) || *w == '_')
		w++;
	return *w == '=';
}

/* Finds key=value in fields. */
int import_field(const char *fields, const char *key, const char **val)
{
	size_t kl = strlen(key);
	const char *q = fields, *v, *e;

	while ((q = strstr(q, key)) != NULL) {
		if ((q == fields || q[-1] == ' ') && q[kl] == '=')
			break;
		q += kl;
	}
	if (!q)
		return -1;
	v = q + kl + 1;
	for (e = v; *e; e++)
		if (*e == ' ' && value_ends(e))
			break;
	*val = v;
	return (int)trim(v, (size_t)(e - v));
}

/* Parses s[0..n) as a decimal or 0x hex integer in [lo, hi]. */
static int integer(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	char buf[32], *end;
	long long v;
	int base = 10;

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		base = 16;
	if (!isdigit((unsigned char)buf[0]) && !(buf[0] == '-' && n > 1 && isdigit((unsigned char)buf[1])))
		return -1;
	errno = 0;
	v = strtoll(buf, &end, base);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The value of key as an integer in [lo, hi]. */
int import_field_int(const char *fields, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	const char *v;
	int n = import_field(fields, key, &v);

	return n < 0 ? -1 : integer(v, (size_t)n, lo, hi, out);
}

/* Copies the value of key into buf. */
int import_field_str(const char *fields, const char *key, char *buf, size_t len)
{
	/* the field after each name field in the kernel's formats: a name
	 * may hold blanks, "==>" or "k=v", so it runs to that field */
	static const char *const after[][2] = {
		{ "prev_comm", " prev_pid=" }, { "next_comm", " next_pid=" }, { "comm", " pid=" },
		{ "parent_comm", " parent_pid=" }, { "child_comm", " child_pid=" }, { "oldcomm", " newcomm=" },
		{ "newcomm", " oom_score_adj=" }, { "filename", " pid=" },
	};
	const char *v, *end;
	int n = import_field(fields, key, &v);
	size_t i;

	if (n < 0)
		return -1;
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		if (strcmp(key, after[i][0]) == 0 && (end = strstr(v, after[i][1])) != NULL)
			n = (int)trim(v, (size_t)(end - v));
	copy(buf, len, v, (size_t)n);
	return 0;
}

/* The report bit of one state letter (kernel letters, and the older
 * trace-cmd plugin's for the same bits), or -1. */
static int64_t state_bit(char c)
{
	switch (c) {
	case 'R': return EVENT_STATE_RUNNING;
	case 'S': return EVENT_STATE_INTERRUPTIBLE;
	case 'D': return EVENT_STATE_UNINTERRUPTIBLE;
	case 'T': return EVENT_STATE_STOPPED;
	case 't': return EVENT_STATE_TRACED;
	case 'X': return EVENT_STATE_DEAD;
	case 'Z': return EVENT_STATE_ZOMBIE;
	case 'P': case 'x': return EVENT_STATE_PARKED;
	case 'I': case 'W': case 'K': return EVENT_STATE_IDLE;
	default: return -1;
	}
}

/* A prev_state as report bits. */
int import_parse_state(const char *s, size_t len, int64_t *state)
{
	size_t i;
	int64_t bits = 0, b;

	if (len && isdigit((unsigned char)s[0]))
		return integer(s, len, 0, 0xffff, state);
	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '|' && i > 0 && i + 1 < len)
			continue;
		if (s[i] == '+' && i == len - 1 && i > 0) {
			bits |= EVENT_STATE_PREEMPTED;
			continue;
		}
		b = state_bit(s[i]);
		if (b < 0)
			return -1;
		bits |= b;
	}
	*state = bits;
	return 0;
}

/* "comm:pid" in s[0..n): the pid after the last colon. */
static int comm_pid(const char *s, size_t n, char *comm, int32_t *pid)
{
	const char *c;
	int64_t v;

	n = trim(s, n);
	while (n && *s == ' ') {
		s++;
		n--;
	}
	for (c = s + n; c > s && c[-1] != ':'; c--)
		;
	if (c == s || !number(c, (size_t)(s + n - c), &v))
		return -1;
	copy(comm, IMPORT_COMM_MAX, s, (size_t)(c - 1 - s));
	*pid = (int32_t)v;
	return 0;
}

/* The end of "comm:pid" before its " [prio]" in s[0..n), or NULL. */
static const char *before_prio(const char *s, size_t n)
{
	const char *p = NULL, *q;

	for (q = s; q + 1 < s + n; q++)
		if (q[0] == ' ' && q[1] == '[')
			p = q;
	return p;
}

/* trace-cmd's sched_switch format. */
int import_plugin_switch(const char *fields, char *prev_comm, int32_t *prev_pid, int64_t *state, char *next_comm,
			 int32_t *next_pid)
{
	const char *arrow = strstr(fields, " ==> "), *p, *st;
	size_t rest;

	if (!arrow)
		return -1;
	p = before_prio(fields, (size_t)(arrow - fields));
	if (!p || comm_pid(fields, (size_t)(p - fields), prev_comm, prev_pid))
		return -1;
	st = strchr(p, ']');
	if (!st || st > arrow)
		return -1;
	st++;
	while (*st == ' ')
		st++;
	if (import_parse_state(st, trim(st, (size_t)(arrow - st)), state))
		return -1;
	rest = strlen(arrow + 5);
	p = before_prio(arrow + 5, rest);
	if (!p || !strchr(p, ']'))
		return -1;
	return comm_pid(arrow + 5, (size_t)(p - arrow - 5), next_comm, next_pid);
}

/* trace-cmd's sched_wakeup format. */
int import_plugin_wakeup(const char *fields, char *comm, int32_t *pid, int *target_cpu)
{
	const char *p = before_prio(fields, strlen(fields)), *c;
	int64_t v;
	size_t n;

	if (!p || comm_pid(fields, (size_t)(p - fields), comm, pid))
		return -1;
	c = strstr(p, "CPU:");
	if (!c)
		return -1;
	c += 4;
	for (n = 0; isdigit((unsigned char)c[n]); n++)
		;
	if (!number(c, n, &v) || trim(c + n, strlen(c + n)) != 0)
		return -1;
	*target_cpu = (int)v;
	return 0;
}
