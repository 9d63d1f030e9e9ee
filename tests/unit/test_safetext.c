/* Unit tests of the terminal-safe text escaping (core/safetext.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "safetext.h"

/* Escapes src into a large buffer and compares with want. */
static int escapes_to(const char *src, const char *want)
{
	char out[256];
	size_t n = safetext_escape(out, sizeof out, src);

	if (strcmp(out, want) || n != strlen(want)) {
		printf("  got \"%s\" (%zu), want \"%s\"\n", out, n, want);
		return 0;
	}
	return 1;
}

/* Whether s holds any byte below 0x20, DEL, or an encoded C1 control. */
static int has_control(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7f || (*s == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) ||
		    (*s >= 0x80 && *s < 0xa0 && (s == (const unsigned char *)str || s[-1] < 0xc0)))
			return 1;
	return 0;
}

/* Plain text, UTF-8 and the escapes. */
static void test_escapes(void)
{
	CHECK(escapes_to("producer-1", "producer-1"), "safetext: plain ASCII unchanged");
	CHECK(escapes_to("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x90\x8d", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x90\x8d"),
	      "safetext: valid UTF-8 (2, 3 and 4 bytes) unchanged");
	CHECK(escapes_to("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"), "safetext: OSC title sequence: ESC and BEL escaped");
	CHECK(escapes_to("\x1b]52;c;aGk=\x1b\\", "\\x1b]52;c;aGk=\\x1b\\\\"), "safetext: OSC 52 with ST: ESC escaped, backslash doubled");
	CHECK(escapes_to("a\rb\bc\td\ne", "a\\x0db\\x08c\\x09d\\x0ae"), "safetext: CR, BS, tab and newline escaped");
	CHECK(escapes_to("x\x7fy", "x\\x7fy"), "safetext: DEL escaped");
	CHECK(escapes_to("\xc2\x9b" "2J", "\\xc2\\x9b2J"), "safetext: C1 CSI in UTF-8 (U+009B) escaped");
	CHECK(escapes_to("\x9b" "2J", "\\x9b2J"), "safetext: a lone 8-bit CSI byte escaped");
	CHECK(escapes_to("\xc2\xa0", "\xc2\xa0"), "safetext: U+00A0, the first character after C1, kept");
	CHECK(escapes_to("\xe2\x82", "\\xe2\\x82"), "safetext: UTF-8 cut short escaped byte by byte");
	CHECK(escapes_to("\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80", "\\xc0\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80"),
	      "safetext: overlong, surrogate and beyond U+10FFFF escaped");
	CHECK(escapes_to("", ""), "safetext: empty string");
}

/* Cutting: never inside an escape or a character, always terminated. */
static void test_cutting(void)
{
	char out[8];
	size_t n;

	memset(out, 'Z', sizeof out);
	n = safetext_escape(out, 5, "ab\x1b" "cd");
	CHECK(n == 8 && strcmp(out, "ab") == 0, "safetext: a cut escape is left out whole, the length still counted");
	n = safetext_escape(out, 4, "ab\xe2\x86\x92" "c");
	CHECK(n == 6 && strcmp(out, "ab") == 0, "safetext: a cut UTF-8 character is left out whole");
	n = safetext_escape(out, 5, "ab\x1bz");
	CHECK(n == 7 && strcmp(out, "ab") == 0, "safetext: nothing after a left-out piece, even what would fit");
	n = safetext_escape(out, 0, "abc");
	CHECK(n == 3, "safetext: size 0 only measures");
	n = safetext_escape(out, 1, "abc");
	CHECK(n == 3 && out[0] == '\0', "safetext: size 1 gives an empty string");
}

/* Every byte value, and fputs against escape. */
static void test_every_byte(void)
{
	char src[2 * 255 + 1], esc[8 * 256], *mem = NULL;
	size_t memlen = 0;
	int b, ok = 1;
	FILE *f;

	for (b = 1; b < 256; b++) {
		char one[2] = { (char)b, 0 };
		char out[16];

		safetext_escape(out, sizeof out, one);
		if (has_control(out))
			ok = 0;
		src[2 * (b - 1)] = (char)b;
		src[2 * (b - 1) + 1] = 'a';
	}
	src[2 * 255] = '\0';
	CHECK(ok, "safetext: no byte value 1-255 comes out as a control");
	safetext_escape(esc, sizeof esc, src);
	CHECK(!has_control(esc), "safetext: all byte values in one string: no control in the result");
	f = open_memstream(&mem, &memlen);
	CHECK(f && safetext_fputs(src, f) == 0 && fclose(f) == 0 && mem && strcmp(mem, esc) == 0,
	      "safetext: safetext_fputs writes what safetext_escape returns");
	free(mem);
}

int main(void)
{
	test_escapes();
	test_cutting();
	test_every_byte();
	return check_summary();
}
