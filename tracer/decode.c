/* Decoding of the BPF programs' ring-buffer records (tracer/conctop.h) into
 * the normalised struct event of core/event.h. */
#include <errno.h>
#include <string.h>
#include <linux/types.h>
#include "conctop.h"
#include "decode.h"

_Static_assert(CT_WIN_LEN <= EVENT_TEXT_MAX, "a block's memory window travels in the event's text");
_Static_assert(sizeof(struct ct_raw_switch) < sizeof(struct ct_raw_event), "a switch record is told by its size");
_Static_assert(CT_RECORD_BATCH > EVENT_AFFINITY, "a batch's type is no event type");
_Static_assert(sizeof(struct ct_raw_wake) != sizeof(struct ct_raw_text) &&
		       sizeof(struct ct_raw_wake) != sizeof(struct ct_raw_block) &&
		       sizeof(struct ct_raw_wake) != sizeof(struct ct_raw_event),
	       "a waking with its wakeup is told by its size");

/* Whether a record type carries text. */
static int type_has_text(unsigned type)
{
	return type == EVENT_FORK || type == EVENT_EXIT || type == EVENT_EXEC ||
	       type == EVENT_RENAME || type == EVENT_MARK;
}

/* Whether a record of type may have size bytes. */
static int record_size_ok(unsigned type, size_t size)
{
	if (type == EVENT_BLOCK)
		return size == sizeof(struct ct_raw_block);
	if (type == EVENT_WAKING && size == sizeof(struct ct_raw_wake))
		return 1;
	return size == (type_has_text(type) ? sizeof(struct ct_raw_text) : sizeof(struct ct_raw_event));
}

/* Starts ev afresh with the fields every record has, its time made
 * relative to base_ns. */
static void decode_head(struct event *ev, uint64_t ts, uint64_t base_ns, unsigned type, unsigned cpu,
			int32_t tid, int32_t tgid, int32_t tid2, int32_t tgid2)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = ts > base_ns ? ts - base_ns : 0;
	ev->type = (uint16_t)type;
	ev->cpu = (uint16_t)cpu;
	ev->tid = tid;
	ev->tgid = tgid;
	ev->tid2 = tid2;
	ev->tgid2 = tgid2;
}

/* Decodes a switch record of its own shape (struct ct_raw_switch) into ev. */
static int decode_switch(const void *data, uint64_t base_ns, struct event *ev)
{
	struct ct_raw_switch raw;

	memcpy(&raw, data, sizeof(raw));
	if (raw.type != EVENT_SWITCH)
		return -EINVAL;
	decode_head(ev, raw.ts, base_ns, EVENT_SWITCH, raw.cpu, raw.tid, raw.tgid, raw.tid2, raw.tgid2);
	ev->arg = raw.state;
	return 0;
}

/* Decodes one ring-buffer record into ev (see decode.h). */
int decode_record(const void *data, size_t size, uint64_t base_ns, struct event *ev)
{
	struct ct_raw_event raw;

	if (size == sizeof(struct ct_raw_switch))
		return decode_switch(data, base_ns, ev);
	if (size < sizeof(raw))
		return -EINVAL;
	memcpy(&raw, data, sizeof(raw));
	if (raw.type < EVENT_SWITCH || raw.type > EVENT_AFFINITY || raw.type == EVENT_OBJECT ||
	    (raw.type > EVENT_MARK && raw.type < EVENT_CALL))
		return -EINVAL;
	if (!record_size_ok(raw.type, size))
		return -EINVAL;
	decode_head(ev, raw.ts, base_ns, raw.type, raw.cpu, raw.tid, raw.tgid, raw.tid2, raw.tgid2);
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

/* The second event of a record that carries two (see decode.h). */
int decode_record_next(const void *data, size_t size, uint64_t base_ns, struct event *ev)
{
	struct ct_raw_wake w;

	if (size != sizeof(w))
		return 0;
	memcpy(&w, data, sizeof(w));
	if (w.ev.type != EVENT_WAKING)
		return 0;
	decode_head(ev, w.wakeup_ts, base_ns, EVENT_WAKEUP, w.wakeup_cpu, w.ev.tid2, w.ev.tgid2, 0, 0);
	ev->arg = w.wakeup_target;
	return 1;
}

/* The type field of the record at p (offset 8 in every record shape). */
static unsigned record_type_at(const unsigned char *p)
{
	struct ct_raw_batch h;

	memcpy(&h, p, sizeof(h));
	return h.type;
}

/* Whether a record is a batch (see decode.h). */
bool decode_is_batch(const void *data, size_t size)
{
	struct ct_raw_batch h;

	if (size < sizeof(h))
		return false;
	memcpy(&h, data, sizeof(h));
	return h.type == CT_RECORD_BATCH;
}

/* Whether a batch's head says the size the ring buffer gave it. */
bool decode_batch_whole(const void *data, size_t size)
{
	struct ct_raw_batch h;

	memcpy(&h, data, sizeof(h));
	return h.len == size - sizeof(h);
}

/* The size of the batch's record at off (see decode.h). */
size_t decode_batch_item(const void *data, size_t size, size_t off)
{
	const unsigned char *p = data;
	size_t n;

	if (off >= size || size - off < sizeof(struct ct_raw_batch))
		return 0;
	switch (record_type_at(p + off)) {
	case EVENT_SWITCH:
		n = sizeof(struct ct_raw_switch);
		break;
	case EVENT_WAKING:
		n = sizeof(struct ct_raw_wake);
		break;
	default:
		return 0;
	}
	return n <= size - off ? n : 0;
}
