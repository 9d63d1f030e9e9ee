/* Turns the kernel side's ring-buffer records into normalised events. */
#ifndef CONCTOP_DECODE_H
#define CONCTOP_DECODE_H

#include <stdbool.h>
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

/* Whether a ring-buffer record of size bytes is a batch of records (struct
 * ct_raw_batch and what follows it). */
bool decode_is_batch(const void *data, size_t size);

/* Whether a batch (decode_is_batch) holds the bytes its head says. */
bool decode_batch_whole(const void *data, size_t size);

/* The size of the record at offset off of batch data (size bytes in all),
 * to be decoded with decode_record; 0 at the end, or where the batch is
 * damaged: what is there is not a record a batch holds, or does not fit. */
size_t decode_batch_item(const void *data, size_t size, size_t off);

#endif
