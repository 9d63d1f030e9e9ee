/* Turns the kernel side's ring-buffer records into normalised events. */
#ifndef CONCTOP_DECODE_H
#define CONCTOP_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

/* Decodes one ring-buffer record of size bytes into ev, with times made
 * relative to base_ns (CLOCK_MONOTONIC at the trace's start; earlier times
 * become 0). Returns 0, or -EINVAL for a record of unknown size or type. */
int decode_record(const void *data, size_t size, uint64_t base_ns, struct event *ev);

#endif
