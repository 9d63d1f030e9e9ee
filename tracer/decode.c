/* Decoding of the BPF programs' ring-buffer records (tracer/conctop.h) into
 * the normalised struct event of core/event.h. */
#include <errno.h>
#include <string.h>
#include <linux/types.h>
#include "conctop.h"
#include "decode.h"

_Static_assert(CT_WIN_LEN <= EVENT_TEXT_MAX, "a block's memory window travels in the event's text");

/* Whether a record type carries text. */
static int type_has_text(unsigned type)
{
	return type == EVENT_FORK || type == EVENT_EXIT || type == EVENT_EXEC ||
	       type == EVENT_RENAME || type == EVENT_MARK;
}

/* The size a record of type must have. */
static size_t record_size(unsigned type)
{
	if (type == EVENT_BLOCK)
		return sizeof(struct ct_raw_block);
	return type_has_text(type) ? sizeof(struct ct_raw_text) : sizeof(struct ct_raw_event);
}

/* Decodes one ring-buffer record into ev (see decode.h). */
int decode_record(const void *data, size_t size, uint64_t base_ns, struct event *ev)
{
	struct ct_raw_event raw;

	if (size < sizeof(raw))
		return -EINVAL;
	memcpy(&raw, data, sizeof(raw));
	if (raw.type < EVENT_SWITCH || raw.type > EVENT_AFFINITY || raw.type == EVENT_OBJECT ||
	    (raw.type > EVENT_MARK && raw.type < EVENT_CALL))
		return -EINVAL;
	if (size != record_size(raw.type))
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->ts = raw.ts > base_ns ? raw.ts - base_ns : 0;
	ev->type = raw.type;
	ev->cpu = raw.cpu;
	ev->tid = raw.tid;
	ev->tgid = raw.tgid;
	ev->tid2 = raw.tid2;
	ev->tgid2 = raw.tgid2;
	ev->arg = raw.arg;
	ev->arg2 = raw.arg2;
	ev->op = raw.op;
	/* the second argument register means something only for these */
	if (raw.type == EVENT_CALL && raw.op != OP_COND_WAIT && raw.op != OP_COND_TIMEDWAIT && raw.op != OP_JOIN)
		ev->arg2 = 0;
	if (type_has_text(raw.type)) {
		const struct ct_raw_text *t = data;

		memcpy(ev->text, t->text, sizeof(ev->text));
		ev->text[sizeof(ev->text) - 1] = '\0';
	} else if (raw.type == EVENT_BLOCK) {
		/* raw bytes, for the tracer's classifier only: it rewrites the
		 * event before anyone else sees it */
		memcpy(ev->text, ((const struct ct_raw_block *)data)->win, CT_WIN_LEN);
	}
	return 0;
}
