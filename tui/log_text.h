/* The event log and the threads' states in words (inside tui/ only; the
 * log's entries are render_log_words in render.h). */
#ifndef CONCTOP_LOG_TEXT_H
#define CONCTOP_LOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "timeline.h"

/* Writes thread index idx as "A name", or what an index below 0 stands
 * for (tl_at.woken_by: another program, the kernel, a timer, an unknown waker). */
void log_text_who(const struct timeline *tl, int64_t idx, char *buf, size_t len);

/* Deadlock i as a banner of at most width columns: in words when that
 * fits, else as a chain of names and objects, else of lane letters
 * ("DEADLOCK: C -fork_2-> D -fork_3-> ... C"). */
void log_text_deadlock_banner(const struct timeline *tl, size_t i, int width, bool ascii, char *buf, size_t len);

/* A thread state (enum tl_state) in words: "blocked on a mutex". */
const char *log_text_state(unsigned state);

#endif
