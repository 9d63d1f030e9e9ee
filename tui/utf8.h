/* UTF-8 as the grid sees it: a character takes one column, two (wide CJK,
 * emoji: the grid keeps the second column as its tail) or none (combining
 * marks and joiners, which the grid leaves out); every byte that does not
 * start a valid sequence is one column of its own (U+FFFD). The one place
 * tui/ decodes, encodes and measures text. */
#ifndef CONCTOP_UTF8_H
#define CONCTOP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one character at s (which is not at its terminating NUL) into
 * *cp; returns its length in bytes. A byte that does not start a valid
 * sequence (overlong, surrogate, beyond U+10FFFF, cut short) is one
 * character U+FFFD of length 1. */
size_t utf8_decode(const char *s, uint32_t *cp);

/* Whether s starts with a valid sequence (utf8_decode read more than an
 * invalid byte). */
bool utf8_valid_at(const char *s);

/* Encodes cp (at most U+10FFFF) into buf (4 bytes); returns the length. */
int utf8_encode(uint32_t cp, char *buf);

/* The columns a code point takes: 0 (combining marks, zero-width spaces
 * and joiners, variation selectors), 2 (wide: CJK, Hangul, full-width
 * forms, emoji) or 1. A table of conctop's own, so that the grid, the
 * text it prints and the terminal agree whatever the C library's. */
int utf8_cols(uint32_t cp);

/* The bytes of s's first character (0 at its end). */
size_t utf8_next(const char *s);

/* Where the last character of s[0..n) starts (0 when n is 0): back over
 * its UTF-8 continuation bytes to its lead byte; a stray continuation
 * byte after ASCII counts as a character of its own. */
size_t utf8_prev(const char *s, size_t n);

/* The columns s takes in the grid; NULL is 0. */
int utf8_width(const char *s);

/* The bytes of the longest start of s that takes at most cols columns (all
 * of s when it is narrower; a wide character that would cross the limit
 * is left out). */
size_t utf8_prefix(const char *s, int cols);

/* s in exactly cols columns into out (len bytes): padded with spaces, or,
 * too wide, its start, an ellipsis ('~' when ascii) and its end, which
 * tells apart names that differ at their end (Lock@0x...a30). */
void utf8_fit(char *out, size_t len, const char *s, int cols, bool ascii);

#endif
