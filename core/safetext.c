/* Trace text made safe for a terminal: control characters and bytes that
 * are not UTF-8 written as \xHH (see safetext.h). */
#include "safetext.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s, or 0. */
size_t safetext_utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate, or beyond U+10FFFF */
	return n;
}

/* Puts the piece of text that stands for the character at s into out (at
 * most 8 bytes: two escapes); returns the piece's length and sets *used to
 * the bytes of s it stands for. */
static size_t piece(const unsigned char *s, char out[8], size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = safetext_utf8_len(s), k = 0, i;
	int escape = n == 0 || s[0] < 0x20 || s[0] == 0x7f || (s[0] == 0xc2 && s[1] < 0xa0);

	if (n == 0)
		n = 1; /* a byte that is not UTF-8: escaped on its own */
	*used = n;
	if (s[0] == '\\') {
		out[0] = out[1] = '\\';
		return 2;
	}
	if (!escape) {
		memcpy(out, s, n);
		return n;
	}
	for (i = 0; i < n && k + 4 <= 8; i++) {
		out[k++] = '\\';
		out[k++] = 'x';
		out[k++] = hex[s[i] >> 4];
		out[k++] = hex[s[i] & 15];
	}
	return k;
}

/* Copies src into dst with controls escaped (see safetext.h). */
size_t safetext_escape(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t total = 0, len = 0, used;
	char out[8];

	while (*s) {
		size_t k = piece(s, out, &used);

		if (len == total && len + k < size) { /* nothing cut yet, and it fits */
			memcpy(dst + len, out, k);
			len += k;
		}
		total += k;
		s += used;
	}
	if (size)
		dst[len] = '\0';
	return total;
}

/* Writes src to f with controls escaped, a buffer at a time (a write
 * a character locked the stream for each: a quarter of conctop log's
 * time). */
int safetext_fputs(const char *src, FILE *f)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t used, len = 0;
	char buf[512];

	while (*s) {
		if (len > sizeof(buf) - 8) { /* (a piece is at most 8 bytes) */
			if (fwrite(buf, 1, len, f) != len)
				return EOF;
			len = 0;
		}
		len += piece(s, buf + len, &used);
		s += used;
	}
	return len && fwrite(buf, 1, len, f) != len ? EOF : 0;
}
