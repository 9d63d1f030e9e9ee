/* Undone work in words: the sentence of a stretch (core/undone.h), as
 * report and log say it: "CPU0 idle 498.1 ms while busy-1 and busy-2 were
 * runnable on CPU1: their affinity is CPU1 only". */
#ifndef CONCTOP_UNDONE_TEXT_H
#define CONCTOP_UNDONE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "timeline.h"
#include "undone.h"

/* Names a thread by tid (NULL: unknown, then "thread TID"). */
typedef const char *(*undone_text_name_fn)(void *ctx, int32_t tid);

/* Writes the sentence of stretch s into buf: the idle CPU and time, the
 * waiting threads by their distinct names ("xz threads" when they share
 * one), the CPUs they waited on, and the reason: "their affinity is CPU1
 * only", "its affinity allows CPU0", or nothing when unknown. Text from
 * the trace is not escaped here. */
void undone_text(const struct undone_stretch *s, undone_text_name_fn name, void *ctx, char *buf, size_t len);

/* The same with the timeline's names. */
void undone_text_timeline(const struct timeline *tl, const struct undone_stretch *s, char *buf, size_t len);

#endif
