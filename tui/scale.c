/* Round scales and steps (see scale.h). */
#include "scale.h"

#define POW10_19 10000000000000000000ull

/* The nice step: the smallest 1-2-5 x 10^k at least v. */
uint64_t scale_nice_ceil(uint64_t v)
{
	uint64_t p;

	for (p = 1; p < POW10_19; p *= 10) {
		if (v <= p)
			return p;
		if (v <= 2 * p)
			return 2 * p;
		if (v <= 5 * p)
			return 5 * p;
	}
	return v <= POW10_19 ? POW10_19 : UINT64_MAX;
}

/* Tenths of a power of ten that make a round scale. */
static const unsigned round_steps[] = { 10, 15, 20, 25, 30, 40, 50, 60, 80 };

/* The smallest round scale at least v. */
uint64_t scale_round_ceil(uint64_t v)
{
	uint64_t p;
	unsigned i;

	/* p = 10^k: the scale is step x 10^k / 10, a whole number */
	for (p = 1; p < POW10_19; p *= 10) {
		for (i = 0; i < sizeof(round_steps) / sizeof(round_steps[0]); i++) {
			uint64_t s;

			if (p == 1 && round_steps[i] % 10)
				continue;
			s = p == 1 ? round_steps[i] / 10 : p / 10 * round_steps[i];
			if (v <= s)
				return s;
		}
	}
	return v <= POW10_19 ? POW10_19 : UINT64_MAX;
}

/* Whether npc is a round scale. */
bool scale_is_round(uint64_t npc)
{
	return npc >= 1 && scale_round_ceil(npc) == npc;
}
