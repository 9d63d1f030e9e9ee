/* Scales: the round numbers conctop picks for nanoseconds per column and
 * for steps between ticks, and time arithmetic that saturates instead of
 * wrapping (a trace may span up to 2^64 ns). */
#ifndef CONCTOP_SCALE_H
#define CONCTOP_SCALE_H

#include <stdbool.h>
#include <stdint.h>

/* The nice step: the smallest 1, 2 or 5 x 10^k (k >= 0) that is at least
 * v (1 for 0), or UINT64_MAX when none fits in 64 bits (v > 10^19). Zoom
 * levels and tick steps. */
uint64_t scale_nice_ceil(uint64_t v);

/* The smallest round scale, 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k ns
 * (whole numbers only), that is at least v (1 for 0), or UINT64_MAX when
 * none fits: `conctop lanes` and the SVG export pick ns per column so. */
uint64_t scale_round_ceil(uint64_t v);

/* Whether npc is one of the scales scale_round_ceil picks. */
bool scale_is_round(uint64_t npc);

/* a + b, saturated. */
static inline uint64_t scale_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* a * b, saturated. */
static inline uint64_t scale_sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* a / b rounded up (b >= 1), without overflow. */
static inline uint64_t scale_div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

#endif
