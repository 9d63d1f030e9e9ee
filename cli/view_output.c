/* The traced program's output for the live view's panel: its bytes as
 * lines, without control characters and escape sequences, the last
 * OUT_LINES kept (see view.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "utf8.h"
#include "view.h"

#define OUT_LINES 200                /* program output lines kept */
#define OUT_LINE_MAX 1024 /* a longer line goes on in the next, broken at a space: drawn apart */
#define READS_PER_CALL 64

struct output_log {
	char lines[OUT_LINES][OUT_LINE_MAX];
	const char *ptrs[OUT_LINES + 1];
	size_t head, count;            /* ring of complete lines */
	char part[OUT_LINE_MAX];       /* the line being written */
	size_t part_len;
	int esc;                       /* 0, 1 after ESC, 2 inside ESC [ ..., 3 inside ESC ] ...,
					* 4 after an ESC there */
	bool cr;                       /* a carriage return came last */
	bool eof;
};

/* Creates an empty log. */
int view_output_new(struct output_log **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

/* Frees it. */
void view_output_free(struct output_log *o)
{
	free(o);
}

/* Ends the output line being written. */
static void output_newline(struct output_log *o)
{
	size_t n = o->part_len;

	/* never end a line inside a UTF-8 sequence */
	if (n > 0) {
		size_t k = n, lead;

		while (k > 0 && ((unsigned char)o->part[k - 1] & 0xc0) == 0x80 && n - k < 3)
			k--;
		if (k > 0 && ((unsigned char)o->part[k - 1] & 0x80)) {
			unsigned char c = (unsigned char)o->part[k - 1];

			lead = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (n - (k - 1) < lead)
				n = k - 1;
		}
	}
	memcpy(o->lines[o->head], o->part, n);
	o->lines[o->head][n] = '\0';
	o->head = (o->head + 1) % OUT_LINES;
	if (o->count < OUT_LINES)
		o->count++;
	o->part_len = 0;
}

/* The line being written fills a stored line: it ends at its last space
 * (not too far back), else before its last character, and what follows
 * begins the next line, so that nothing of a long line is lost. */
static void output_break(struct output_log *o)
{
	char tail[OUT_LINE_MAX];
	size_t n = o->part_len, k = n, t;

	while (k > 0 && o->part[k - 1] != ' ')
		k--;
	if (k == 0 || n - k > OUT_LINE_MAX / 4) {
		k = utf8_prev(o->part, n); /* no space near the end: before the last (maybe partial) character */
		if (k == 0)
			k = n;
	}
	t = n - k;
	memcpy(tail, o->part + k, t);
	o->part_len = k;
	output_newline(o);
	memcpy(o->part, tail, t);
	o->part_len = t;
}

/* Takes bytes of the program's output (a carriage return starts the line
 * again; terminal controls, OSC strings included, are left out). */
static void output_take(struct output_log *o, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (o->esc == 1) {
			o->esc = c == '[' ? 2 : c == ']' ? 3 : 0;
			continue;
		}
		if (o->esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				o->esc = 0;
			continue;
		}
		if (o->esc >= 3) { /* an OSC string (a window title): to BEL or ESC \ */
			o->esc = c == 0x07 || (o->esc == 4 && c == '\\') ? 0 : c == 0x1b ? 4 : 3;
			continue;
		}
		if (o->cr && c != '\n' && c != '\r')
			o->part_len = 0; /* a lone CR: the line is written again */
		o->cr = c == '\r';
		if (c == 0x1b) {
			o->esc = 1;
		} else if (c == '\b') { /* as a terminal shows it: the last character goes */
			o->part_len = utf8_prev(o->part, o->part_len);
		} else if (c == '\n') {
			output_newline(o);
		} else if ((c == '\t' || c >= 0x20) && c != 0x7f) {
			if (o->part_len + 1 >= OUT_LINE_MAX)
				output_break(o);
			o->part[o->part_len++] = c == '\t' ? ' ' : (char)c;
		}
	}
}

/* Reads what the program wrote. */
bool view_output_read(struct output_log *o, int fd, bool *eof)
{
	char buf[4096];
	ssize_t n;
	int rounds = READS_PER_CALL;
	bool changed = false;

	while (fd >= 0 && !o->eof && rounds-- > 0) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			output_take(o, buf, (size_t)n);
			changed = true;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			o->eof = true;
		break;
	}
	*eof = o->eof;
	return changed;
}

/* Points the output panel at the lines, the one being written last. */
void view_output_show(struct output_log *o, struct view *v)
{
	size_t i, n = 0;

	for (i = 0; i < o->count; i++)
		o->ptrs[n++] = o->lines[(o->head + OUT_LINES - o->count + i) % OUT_LINES];
	if (o->part_len) {
		o->part[o->part_len] = '\0';
		o->ptrs[n++] = o->part;
	}
	v->output = o->ptrs;
	v->output_lines = n;
}
