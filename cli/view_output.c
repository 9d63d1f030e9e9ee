/* The traced program's output for the live view's panel: its bytes as
 * lines, without control characters and escape sequences, the last
 * OUT_LINES kept, shown wrapped at words to the screen's width (see
 * view.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "utf8.h"
#include "view.h"

#define OUT_LINES 200                /* program output lines kept */
#define OUT_LINE_MAX 256
#define READS_PER_CALL 64
#define OUT_SHOWN 64                 /* wrapped rows the panel may show */

struct output_log {
	char lines[OUT_LINES][OUT_LINE_MAX];
	char shown[OUT_SHOWN][OUT_LINE_MAX]; /* the last lines, wrapped */
	const char *ptrs[OUT_SHOWN];
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

/* The bytes of line's first row when wrapped at width columns: up to the
 * last space that fits (the space is left out), else width columns. */
static size_t wrap_row(const char *line, int width)
{
	size_t cut = utf8_prefix(line, width), i;

	if (line[cut] == '\0' || line[cut] == ' ')
		return cut;
	for (i = cut; i > 0; i--)
		if (line[i - 1] == ' ')
			return i - 1 > 0 ? i - 1 : cut;
	return cut;
}

/* Adds line, wrapped at width columns, to the ring of shown rows (next:
 * the next row to write, *n how many are held). */
static void show_wrapped(struct output_log *o, const char *line, int width, size_t *next, size_t *n)
{
	do {
		size_t len = wrap_row(line, width);

		memcpy(o->shown[*next], line, len);
		o->shown[*next][len] = '\0';
		*next = (*next + 1) % OUT_SHOWN;
		if (*n < OUT_SHOWN)
			(*n)++;
		line += len;
		while (*line == ' ')
			line++;
	} while (*line);
}

/* Points the output panel at the last lines, the one being written last,
 * wrapped at width columns so that no line is cut (a self-check line is
 * often longer than the screen). */
void view_output_show(struct output_log *o, struct view *v, int width)
{
	size_t i, first = o->count > OUT_SHOWN ? o->count - OUT_SHOWN : 0, next = 0, n = 0;

	if (width < 20)
		width = 20;
	for (i = first; i < o->count; i++)
		show_wrapped(o, o->lines[(o->head + OUT_LINES - o->count + i) % OUT_LINES], width, &next, &n);
	if (o->part_len) {
		o->part[o->part_len] = '\0';
		show_wrapped(o, o->part, width, &next, &n);
	}
	for (i = 0; i < n; i++)
		o->ptrs[i] = o->shown[(next + OUT_SHOWN - n + i) % OUT_SHOWN];
	v->output = o->ptrs;
	v->output_lines = n;
}
