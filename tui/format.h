/* Formatting for the screen, `conctop lanes`, the log and the SVG: times
 * in the largest unit, durations to three digits, seconds to as many
 * decimals as the zoom tells apart, counts in k and M. Pure: no grid. */
#ifndef CONCTOP_FORMAT_H
#define CONCTOP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes ns exactly, in the largest unit whose value is at least 1,
 * trailing zeros cut: "0", "1.5s", "250ms", "40µs" ("40us" when ascii).
 * Axis labels and scales. */
void fmt_time_exact(char *buf, size_t len, uint64_t ns, bool ascii);

/* Writes ns to three significant digits with a space before the unit:
 * "41 µs", "1.25 ms", "2.5 s" (durations in words). */
void fmt_time_short(char *buf, size_t len, uint64_t ns, bool ascii);

/* Decimals of seconds that tell columns of npc ns apart (at least min,
 * at most 9). */
int fmt_sec_decimals(uint64_t npc, int min);

/* Writes what a replay placed past what it has read of its file says
 * there: "not read yet: read up to 0.021000 s so far, the view fills in
 * as it reads" (read_to: the timeline's end). */
void fmt_not_read(char *buf, size_t len, uint64_t read_to);

/* Writes ns as seconds with dec (0 to 9) decimals: "2.3102". */
void fmt_seconds(char *buf, size_t len, uint64_t ns, int dec);

/* Writes a count briefly: 950, 1.2k, 48k, 1.2M. */
void fmt_count(char *buf, size_t len, double v);

#endif
