/* UTF-8 as the grid sees it: every character one column (the grid shows a
 * wide or zero-width character as '?', still one column), every byte that
 * does not start a valid sequence one column of its own. The one place
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

/* Whether a code point takes no column (combining marks) or two (wide CJK,
 * emoji): the grid holds one-column characters only. */
bool utf8_not_single(uint32_t cp);

/* The columns s takes in the grid: one per character; NULL is 0. */
int utf8_width(const char *s);

/* The bytes of s's first cols columns (all of s when shorter). */
size_t utf8_prefix(const char *s, int cols);

#endif
