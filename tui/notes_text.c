/* The pattern notes in words (see notes_text.h). Threads are named by
 * their letter and name ("B consumer-1"), objects by their label. */
#include <stdio.h>
#include "log_text.h"
#include "notes_text.h"

/* Writes the sentence of a note. */
void notes_text(const struct timeline *tl, const struct tl_note *n, char *buf, size_t len)
{
	char who[EVENT_TEXT_MAX + 8], other[EVENT_TEXT_MAX + 8], obj[EVENT_TEXT_MAX + 32];

	log_text_who(tl, n->thread, who, sizeof(who));
	log_text_who(tl, n->other, other, sizeof(other));
	timeline_object_label(tl, n->object, obj, sizeof(obj));
	switch (n->kind) {
	case TL_NOTE_HERD:
		snprintf(buf, len, "thundering herd: %s's broadcast on %s woke %u; %u went on, %u went back to waiting",
			 who, obj, n->count, n->count - n->count2, n->count2);
		break;
	case TL_NOTE_LOST_WAKEUP:
		snprintf(buf, len,
			 "lost wakeup: %s signalled %s at %.6f s with nobody waiting; %s waited on it from %.6f s and "
			 "was never woken",
			 other, obj, (double)n->t0 / 1e9, who, (double)n->t1 / 1e9);
		break;
	case TL_NOTE_STRAGGLER:
		snprintf(buf, len, "straggler: %s arrived last at %s; %u waited for it, %.1f ms on average", who, obj,
			 n->count, n->count ? (double)n->ns / n->count / 1e6 : 0.0);
		break;
	case TL_NOTE_CONVOY:
		snprintf(buf, len,
			 "lock convoy: %u threads blocked on %s %u times in %.1f ms, each coming back to it in turn",
			 n->count, obj, n->count2, (double)(n->t1 - n->t0) / 1e6);
		break;
	default:
		snprintf(buf, len, "pattern %u on %s", n->kind, obj);
		break;
	}
}
