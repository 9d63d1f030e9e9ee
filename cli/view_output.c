/* The traced program's output for the live view's panel: its bytes as
 * lines, without control characters and escape sequences, the last
 * OUT_LINES kept (see view.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "view.h"

#define OUT_LINES 200                /* program output lines kept */
#define OUT_LINE_MAX 256
#define READS_PER_CALL 64

struct output_log {
	char lines[OUT_LINES][OUT_LINE_MAX];
	const char *ptrs[OUT_LINES + 1];
	size_t head, count;            /* ring of complete lines */
	char part[OUT_LINE_MAX];       /* the line being written */
	size_t part_len;
	int esc;                       /* 0, 1 after ESC, 2 inside ESC [ ... */
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

/* Takes bytes of the program's output (a carriage return starts the line
 * again). */
static void output_take(struct output_log *o, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (o->esc == 1) {
			o->esc = c == '[' ? 2 : 0;
			continue;
		}
		if (o->esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				o->esc = 0;
			continue;
		}
		if (o->cr && c != '\n' && c != '\r')
			o->part_len = 0; /* a lone CR: the line is written again */
		o->cr = c == '\r';
		if (c == 0x1b) {
			o->esc = 1;
		} else if (c == '\n') {
			output_newline(o);
		} else if ((c == '\t' || c >= 0x20) && c != 0x7f) {
			if (o->part_len + 1 < OUT_LINE_MAX)
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
