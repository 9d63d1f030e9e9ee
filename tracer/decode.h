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

/* A record may carry a second event (a WAKING with the WAKEUP that
 * followed it, struct ct_raw_wake): fills ev with it and returns 1; returns
 * 0 for a record of one event. Call after decode_record succeeded; the
 * second event comes after the first in the stream. */
int decode_record_next(const void *data, size_t size, uint64_t base_ns, struct event *ev);

#endif
