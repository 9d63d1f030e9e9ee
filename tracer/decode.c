/* Decoding of the BPF programs' ring-buffer records (tracer/conctop.h) into
 * the normalised struct event of core/event.h. */
#include <errno.h>
#include <string.h>
#include <linux/types.h>
#include "conctop.h"
#include "decode.h"

/* The kernel side's record types must be the event types, number for number. */
_Static_assert((int)CT_RAW_SWITCH == (int)EVENT_SWITCH, "record type SWITCH");
_Static_assert((int)CT_RAW_WAKING == (int)EVENT_WAKING, "record type WAKING");
_Static_assert((int)CT_RAW_WAKEUP == (int)EVENT_WAKEUP, "record type WAKEUP");
_Static_assert((int)CT_RAW_WAKEUP_NEW == (int)EVENT_WAKEUP_NEW, "record type WAKEUP_NEW");
_Static_assert((int)CT_RAW_MIGRATE == (int)EVENT_MIGRATE, "record type MIGRATE");
_Static_assert((int)CT_RAW_FORK == (int)EVENT_FORK, "record type FORK");
_Static_assert((int)CT_RAW_EXIT == (int)EVENT_EXIT, "record type EXIT");
_Static_assert((int)CT_RAW_EXEC == (int)EVENT_EXEC, "record type EXEC");
_Static_assert((int)CT_RAW_RENAME == (int)EVENT_RENAME, "record type RENAME");
_Static_assert((int)CT_RAW_MARK == (int)EVENT_MARK, "record type MARK");
_Static_assert((int)CT_RAW_CALL == (int)EVENT_CALL, "record type CALL");
_Static_assert((int)CT_RAW_RETURN == (int)EVENT_RETURN, "record type RETURN");
_Static_assert((int)CT_RAW_SYSCALL == (int)EVENT_SYSCALL, "record type SYSCALL");
_Static_assert((int)CT_RAW_SYSRET == (int)EVENT_SYSRET, "record type SYSRET");
_Static_assert(CT_TID_OTHER == EVENT_TID_OTHER, "OTHER tid must agree");
_Static_assert(CT_TEXT_LEN == EVENT_TEXT_MAX, "text sizes must agree");

/* Whether a record type carries text. */
static int type_has_text(unsigned type)
{
	return type == CT_RAW_FORK || type == CT_RAW_EXIT || type == CT_RAW_EXEC ||
	       type == CT_RAW_RENAME || type == CT_RAW_MARK;
}

/* Decodes one ring-buffer record into ev (see decode.h). */
int decode_record(const void *data, size_t size, uint64_t base_ns, struct event *ev)
{
	struct ct_raw_event raw;

	if (size < sizeof(raw))
		return -EINVAL;
	memcpy(&raw, data, sizeof(raw));
	if (raw.type < CT_RAW_SWITCH || raw.type > CT_RAW_SYSRET ||
	    (raw.type > CT_RAW_MARK && raw.type < CT_RAW_CALL))
		return -EINVAL;
	if (size != (type_has_text(raw.type) ? sizeof(struct ct_raw_text) : sizeof(raw)))
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
	if (raw.type == CT_RAW_CALL && raw.op != OP_COND_WAIT && raw.op != OP_COND_TIMEDWAIT && raw.op != OP_JOIN)
		ev->arg2 = 0;
	if (type_has_text(raw.type)) {
		const struct ct_raw_text *t = data;

		memcpy(ev->text, t->text, sizeof(ev->text));
		ev->text[sizeof(ev->text) - 1] = '\0';
	}
	return 0;
}
