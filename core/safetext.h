/* Text from a trace file made safe to print on a terminal.
 *
 * Every string a trace carries (thread, mark and object names, host,
 * kernel, command...) is untrusted: a hostile file could hold escape
 * sequences that set a terminal's title, write its clipboard (OSC 52) or
 * clear its screen. Everything conctop prints from a trace to a terminal as
 * text goes through safetext_escape (or safetext_fputs): control characters
 * come out as visible escapes, never as themselves.
 */
#ifndef CONCTOP_SAFETEXT_H
#define CONCTOP_SAFETEXT_H

#include <stddef.h>
#include <stdio.h>

/* Returns the length of the valid UTF-8 sequence at s (1 for an ASCII
 * byte, including NUL), or 0 when s does not start one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or a
 * sequence cut short). */
size_t safetext_utf8_len(const unsigned char *s);

/* Copies src into dst (size bytes; always NUL-terminated when size > 0),
 * writing as \xHH every byte a terminal could take as a control: the C0
 * controls (0x00-0x1f, so ESC, BEL, CR, BS, tab and newline too), DEL, the
 * C1 controls U+0080-U+009F (written byte by byte: \xc2\x9b) and every byte
 * that is not part of valid UTF-8; a backslash becomes \\ so that the
 * result reads back unambiguously. Returns the length the whole escaped
 * text has (as snprintf does): a result >= size means dst was cut, never in
 * the middle of an escape or of a UTF-8 character. */
size_t safetext_escape(char *dst, size_t size, const char *src);

/* Writes src to f escaped as safetext_escape does. Returns 0, or EOF on a
 * write error. */
int safetext_fputs(const char *src, FILE *f);

#endif
