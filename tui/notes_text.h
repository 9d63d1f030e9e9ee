/* The pattern notes of the timeline's log (struct tl_note) in words: core
 * finds the facts, this says them. */
#ifndef CONCTOP_NOTES_TEXT_H
#define CONCTOP_NOTES_TEXT_H

#include <stddef.h>
#include "timeline.h"

/* Room enough for any note's sentence (a longer one is cut). */
#define NOTES_TEXT_MAX 256

/* Writes the sentence of a note into buf ("thundering herd: A main's
 * broadcast on not_empty woke 3; 1 went on, 2 went back to waiting"). */
void notes_text(const struct timeline *tl, const struct tl_note *note, char *buf, size_t len);

#endif
