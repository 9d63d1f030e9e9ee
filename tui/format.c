/* Times, durations, seconds and counts as text (see format.h). */
#include "format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NS_S ((uint64_t)1000000000)
#define NS_MS ((uint64_t)1000000)
#define NS_US ((uint64_t)1000)

/* The unit a time is written in: the largest whose value is at least 1. */
static void time_unit(uint64_t ns, bool ascii, uint64_t *scale, const char **unit)
{
	if (ns >= NS_S) {
		*scale = NS_S;
		*unit = "s";
	} else if (ns >= NS_MS) {
		*scale = NS_MS;
		*unit = "ms";
	} else if (ns >= NS_US) {
		*scale = NS_US;
		*unit = ascii ? "us" : "\xc2\xb5s";
	} else {
		*scale = 1;
		*unit = "ns";
	}
}

/* Writes ns exactly in the largest unit (see format.h). */
void fmt_time_exact(char *buf, size_t len, uint64_t ns, bool ascii)
{
	uint64_t scale, frac, s;
	const char *unit;
	char digits[12];
	int nd = 0, i;

	if (ns == 0) {
		snprintf(buf, len, "0");
		return;
	}
	time_unit(ns, ascii, &scale, &unit);
	frac = ns % scale;
	for (s = scale; s > 1; s /= 10)
		nd++;
	digits[nd] = '\0';
	for (i = nd; i > 0; i--) {
		digits[i - 1] = (char)('0' + frac % 10);
		frac /= 10;
	}
	for (i = nd; i > 0 && digits[i - 1] == '0'; i--)
		digits[i - 1] = '\0';
	if (digits[0])
		snprintf(buf, len, "%" PRIu64 ".%s%s", ns / scale, digits, unit);
	else
		snprintf(buf, len, "%" PRIu64 "%s", ns / scale, unit);
}

/* Writes ns to three significant digits (see format.h). */
void fmt_time_short(char *buf, size_t len, uint64_t ns, bool ascii)
{
	uint64_t scale;
	const char *unit;
	double v;
	int dec, i;

	if (ns == 0) {
		snprintf(buf, len, "0 s");
		return;
	}
	time_unit(ns, ascii, &scale, &unit);
	v = (double)ns / (double)scale;
	if (v >= 999.5 && scale < NS_S) {
		time_unit(scale * 1000, ascii, &scale, &unit);
		v = (double)ns / (double)scale;
	}
	dec = v < 10 ? 2 : v < 100 ? 1 : 0;
	snprintf(buf, len, "%.*f", dec, v);
	/* cut trailing zeros of the decimals, then a bare point */
	if (dec) {
		for (i = (int)strlen(buf); i > 0 && buf[i - 1] == '0'; i--)
			buf[i - 1] = '\0';
		if (i > 0 && buf[i - 1] == '.')
			buf[i - 1] = '\0';
	}
	snprintf(buf + strlen(buf), len - strlen(buf), " %s", unit);
}

/* Decimals of seconds that tell columns of npc ns apart. */
int fmt_sec_decimals(uint64_t npc, int min)
{
	int d = 0;
	uint64_t p = NS_S;

	while (d < 9 && p > npc) {
		p /= 10;
		d++;
	}
	return d < min ? min : d;
}

/* Writes ns as seconds with dec decimals. */
void fmt_seconds(char *buf, size_t len, uint64_t ns, int dec)
{
	uint64_t div = 1, frac;
	int i;

	if (dec > 9)
		dec = 9;
	for (i = dec; i < 9; i++)
		div *= 10;
	frac = (ns % NS_S) / div;
	if (dec > 0)
		snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64, ns / NS_S, dec, frac);
	else
		snprintf(buf, len, "%" PRIu64, ns / NS_S);
}

/* What is past what a replay has read (see format.h). */
void fmt_not_read(char *buf, size_t len, uint64_t read_to)
{
	char t[32];

	fmt_seconds(t, sizeof(t), read_to, 6);
	snprintf(buf, len, "not read yet: read up to %s s so far, the view fills in as it reads", t);
}

/* Writes a count briefly. */
void fmt_count(char *buf, size_t len, double v)
{
	if (v >= 9.95e5)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 9.95e3)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}
