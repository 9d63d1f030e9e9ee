/* UTF-8 decoding, encoding and width (see utf8.h). */
#include "utf8.h"

#include <stdio.h>
#include <string.h>

/* Decodes one character (see utf8.h). */
size_t utf8_decode(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		v = s[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = v;
	return n;
}

/* Whether s starts with a valid sequence. */
bool utf8_valid_at(const char *s)
{
	uint32_t cp;

	return utf8_decode(s, &cp) > 1 || (unsigned char)s[0] < 0x80;
}

/* Encodes a code point. */
int utf8_encode(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Columns a code point takes (see utf8.h). */
int utf8_cols(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	    (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0xfeff || (cp >= 0xe0100 && cp <= 0xe01ef))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
	    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f680 && cp <= 0x1f6ff) || (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x1fa70 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* The bytes of the first character. */
size_t utf8_next(const char *s)
{
	uint32_t cp;

	return *s ? utf8_decode(s, &cp) : 0;
}

/* Where the last character of s[0..n) starts. */
size_t utf8_prev(const char *s, size_t n)
{
	size_t k = n;

	while (k > 0 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0 && ((unsigned char)s[k - 1] & 0x80))
		k--; /* (the lead byte) */
	else if (k == n && k > 0)
		k--; /* (an ASCII character) */
	return k;
}

/* Columns of s in the grid. */
int utf8_width(const char *s)
{
	int n = 0;
	uint32_t cp;

	if (!s)
		return 0;
	while (*s) {
		s += utf8_decode(s, &cp);
		n += utf8_cols(cp);
	}
	return n;
}

/* Bytes of the first cols columns. */
size_t utf8_prefix(const char *s, int cols)
{
	size_t at = 0, n;
	uint32_t cp;
	int w = 0, c;

	while (s[at]) {
		n = utf8_decode(s + at, &cp);
		c = utf8_cols(cp);
		if (w + c > cols)
			break;
		w += c;
		at += n;
	}
	return at;
}

/* s in exactly cols columns (see utf8.h). */
void utf8_fit(char *out, size_t len, const char *s, int cols, bool ascii)
{
	const char *ell = ascii ? "~" : "\xe2\x80\xa6";
	int head_cols = (cols - 1) / 2, tail_cols = cols - 1 - head_cols, w = utf8_width(s), tw = 0;
	size_t head, tail, at, p;
	uint32_t cp;

	if (w > cols) {
		head = utf8_prefix(s, head_cols);
		/* the longest end that fits, a character at a time */
		for (tail = strlen(s); tail > head; tail = p) {
			p = utf8_prev(s, tail);
			utf8_decode(s + p, &cp);
			if ((tw += utf8_cols(cp)) > tail_cols)
				break;
		}
		snprintf(out, len, "%.*s%s%s", (int)head, s, ell, s + tail);
	} else {
		snprintf(out, len, "%s", s);
	}
	for (w = utf8_width(out), at = strlen(out); w < cols && at + 1 < len; w++, at++) {
		out[at] = ' ';
		out[at + 1] = '\0';
	}
}
