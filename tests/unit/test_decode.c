/* Unit tests of tracer/decode.c: kernel records into normalised events. */
#include <errno.h>
#include <linux/types.h>
#include <string.h>
#include "check.h"
#include "conctop.h"
#include "decode.h"

/* A switch record decodes field for field, with time made relative. */
static void test_switch(void)
{
	struct ct_raw_event raw = { .ts = 5000, .type = EVENT_SWITCH, .cpu = 3, .tid = 41,
				    .tgid = 40, .tid2 = EVENT_TID_OTHER, .tgid2 = EVENT_TID_OTHER,
				    .arg = 0x1, .arg2 = 0 };
	struct event ev;

	CHECK(decode_record(&raw, sizeof(raw), 1000, &ev) == 0, "decode: a switch record decodes");
	CHECK(ev.ts == 4000, "decode: time is relative to the trace's base");
	CHECK(ev.type == EVENT_SWITCH && ev.cpu == 3, "decode: type and cpu");
	CHECK(ev.tid == 41 && ev.tgid == 40 && ev.tid2 == EVENT_TID_OTHER && ev.tgid2 == EVENT_TID_OTHER,
	      "decode: prev and next (an untraced next is OTHER)");
	CHECK(ev.arg == 1 && event_switch_voluntary(ev.arg), "decode: prev state S is voluntary");
	CHECK(ev.text[0] == '\0', "decode: no text on a switch");
	raw.ts = 10;
	CHECK(decode_record(&raw, sizeof(raw), 1000, &ev) == 0 && ev.ts == 0,
	      "decode: a time before the base becomes 0");
}

/* A switch in its own 32-byte shape decodes into the same event. */
static void test_switch_small(void)
{
	struct ct_raw_switch raw = { .ts = 5000, .type = EVENT_SWITCH, .cpu = 1, .state = 0x100, .tid = 41,
				     .tgid = 40, .tid2 = 0, .tgid2 = 0 };
	struct event ev;

	CHECK(decode_record(&raw, sizeof(raw), 1000, &ev) == 0, "decode: a 32-byte switch record decodes");
	CHECK(ev.ts == 4000 && ev.type == EVENT_SWITCH && ev.cpu == 1, "decode: its time, type and cpu");
	CHECK(ev.tid == 41 && ev.tgid == 40 && ev.tid2 == 0 && ev.tgid2 == 0 && ev.arg == 0x100 && ev.arg2 == 0,
	      "decode: its prev, next (idle) and prev state");
	CHECK(decode_record_next(&raw, sizeof(raw), 1000, &ev) == 0, "decode: a switch carries one event");
	raw.type = EVENT_WAKEUP;
	CHECK(decode_record(&raw, sizeof(raw), 1000, &ev) == -EINVAL, "decode: a 32-byte record is a switch or nothing");
}

/* A waking with its wakeup in one record decodes into the two events, the
 * waking first. */
static void test_wake_pair(void)
{
	struct ct_raw_wake raw;
	struct event ev;

	memset(&raw, 0, sizeof(raw));
	raw.ev.ts = 3000;
	raw.ev.type = EVENT_WAKING;
	raw.ev.cpu = 0;
	raw.ev.tid = 7;
	raw.ev.tgid = 6;
	raw.ev.tid2 = 9;
	raw.ev.tgid2 = 6;
	raw.ev.op = CT_WAKE_VIA_FUTEX | 1;
	raw.ev.arg = 1;
	raw.ev.arg2 = 0x1234;
	raw.wakeup_ts = 3500;
	raw.wakeup_cpu = 1;
	raw.wakeup_target = 1;
	CHECK(decode_record(&raw, sizeof(raw), 1000, &ev) == 0, "decode: a waking with its wakeup decodes");
	CHECK(ev.type == EVENT_WAKING && ev.ts == 2000 && ev.tid == 7 && ev.tid2 == 9 && ev.arg == 1 &&
		      ev.arg2 == 0x1234 && ev.op == (CT_WAKE_VIA_FUTEX | 1),
	      "decode: first the waking, as a record of its own");
	CHECK(decode_record_next(&raw, sizeof(raw), 1000, &ev) == 1, "decode: then a second event");
	CHECK(ev.type == EVENT_WAKEUP && ev.ts == 2500 && ev.cpu == 1 && ev.tid == 9 && ev.tgid == 6 &&
		      ev.arg == 1 && ev.tid2 == 0 && ev.op == 0,
	      "decode: the wakeup of the woken thread, with its own time, CPU and target");
	raw.ev.type = EVENT_WAKEUP;
	CHECK(decode_record(&raw, sizeof(raw), 1000, &ev) == -EINVAL, "decode: only a waking has that size");
}

/* Text records carry their text, always terminated. */
static void test_text(void)
{
	struct ct_raw_text raw;
	struct event ev;

	memset(&raw, 0, sizeof(raw));
	raw.ev.ts = 2000;
	raw.ev.type = EVENT_MARK;
	raw.ev.tid = 7;
	raw.ev.tgid = 7;
	raw.ev.arg = -12345;
	strcpy(raw.text, "item produced");
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == 0, "decode: a mark record decodes");
	CHECK(strcmp(ev.text, "item produced") == 0 && ev.arg == -12345, "decode: mark label and value");
	memset(raw.text, 'x', sizeof(raw.text)); /* no terminator from the kernel */
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == 0 && strlen(ev.text) == EVENT_TEXT_MAX - 1,
	      "decode: an unterminated text is cut and terminated");
	CHECK(decode_record(&raw, sizeof(raw.ev), 0, &ev) == -EINVAL,
	      "decode: a text type sent without its text is rejected");
}

/* Records of the wrong size or an unknown type are rejected. */
static void test_bad(void)
{
	struct ct_raw_text raw;
	struct event ev;

	memset(&raw, 0, sizeof(raw));
	raw.ev.type = EVENT_SWITCH;
	CHECK(decode_record(&raw, sizeof(raw.ev) - 1, 0, &ev) == -EINVAL, "decode: a short record is rejected");
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == -EINVAL,
	      "decode: a switch with text-record size is rejected");
	raw.ev.type = 0;
	CHECK(decode_record(&raw, sizeof(raw.ev), 0, &ev) == -EINVAL, "decode: type 0 is rejected");
	raw.ev.type = EVENT_SYSRET + 1;
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == -EINVAL, "decode: an unknown type is rejected");
	raw.ev.type = EVENT_TYPE_MAX;
	CHECK(decode_record(&raw, sizeof(raw.ev), 0, &ev) == -EINVAL, "decode: a type past the last is rejected");
}

/* A batch of staged records is split into its switches and wake pairs,
 * each decoding as on its own; a batch cut short or holding another
 * record ends where it breaks. */
static void test_batch(void)
{
	struct ct_raw_batch head = { .ts = 0, .type = CT_RECORD_BATCH };
	struct ct_raw_switch sw = { .ts = 5000, .type = EVENT_SWITCH, .cpu = 1, .state = 1, .tid = 41, .tgid = 40 };
	struct ct_raw_wake wk;
	struct ct_raw_event other = { .ts = 6000, .type = EVENT_MIGRATE, .tid = 41, .tgid = 40 };
	unsigned char buf[sizeof(head) + sizeof(sw) + sizeof(wk) + sizeof(other)];
	size_t off = sizeof(head), n;
	struct event ev;

	memset(&wk, 0, sizeof(wk));
	wk.ev.ts = 5500;
	wk.ev.type = EVENT_WAKING;
	wk.ev.tid = 41;
	wk.ev.tid2 = 42;
	wk.wakeup_ts = 5600;
	head.len = sizeof(sw) + sizeof(wk);
	memcpy(buf, &head, sizeof(head));
	memcpy(buf + off, &sw, sizeof(sw));
	memcpy(buf + off + sizeof(sw), &wk, sizeof(wk));
	memcpy(buf + off + sizeof(sw) + sizeof(wk), &other, sizeof(other));
	CHECK(decode_is_batch(buf, sizeof(head) + head.len), "decode: a batch is told by its type");
	CHECK(decode_batch_whole(buf, sizeof(head) + head.len) && !decode_batch_whole(buf, sizeof(buf)),
	      "decode: a batch holds the bytes its head says, or is damaged");
	CHECK(!decode_is_batch(&sw, sizeof(sw)) && !decode_is_batch(buf, sizeof(head) - 1),
	      "decode: a switch, or a record shorter than a batch's head, is no batch");
	n = decode_batch_item(buf, sizeof(head) + head.len, off);
	CHECK(n == sizeof(sw) && decode_record(buf + off, n, 1000, &ev) == 0 && ev.type == EVENT_SWITCH &&
		      ev.ts == 4000 && ev.tid == 41,
	      "decode: a batch's first record is its switch");
	off += n;
	n = decode_batch_item(buf, sizeof(head) + head.len, off);
	CHECK(n == sizeof(wk) && decode_record(buf + off, n, 1000, &ev) == 0 && ev.type == EVENT_WAKING &&
		      decode_record_next(buf + off, n, 1000, &ev) == 1 && ev.type == EVENT_WAKEUP && ev.ts == 4600,
	      "decode: then its wake pair, both events");
	off += n;
	CHECK(decode_batch_item(buf, sizeof(head) + head.len, off) == 0, "decode: then the batch ends");
	CHECK(decode_batch_item(buf, sizeof(head) + head.len - 1, off - sizeof(wk)) == 0,
	      "decode: a wake pair cut short is not taken");
	CHECK(decode_batch_item(buf, sizeof(buf), off) == 0,
	      "decode: a record a batch does not hold (a migrate) breaks it");
}

/* An affinity record carries its mask: CPUs 0-63, 64-127, and the flag
 * for CPUs from 128 on. */
static void test_affinity(void)
{
	struct ct_raw_event raw = { .ts = 300, .type = EVENT_AFFINITY, .tid = 9, .tgid = 8,
				    .op = EVENT_AFFINITY_MORE, .arg = 0x2, .arg2 = 0x10 };
	struct event ev;

	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == 0 && ev.type == EVENT_AFFINITY && ev.tid == 9 &&
		      ev.tgid == 8 && ev.arg == 0x2 && ev.arg2 == 0x10 && ev.op == EVENT_AFFINITY_MORE,
	      "decode: an affinity record keeps its mask");
	CHECK(decode_record(&raw, sizeof(struct ct_raw_text), 0, &ev) == -EINVAL,
	      "decode: an affinity record with text size is rejected");
}

/* Call records carry their op; a second object only where it means one. */
static void test_calls(void)
{
	struct ct_raw_event raw = { .ts = 100, .type = EVENT_CALL, .tid = 5, .tgid = 5,
				    .op = OP_COND_WAIT, .arg = 0x1000, .arg2 = 0x2000 };
	struct event ev;

	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == 0 && ev.type == EVENT_CALL && ev.op == OP_COND_WAIT &&
		      ev.arg == 0x1000 && ev.arg2 == 0x2000,
	      "decode: a cond_wait call keeps its condition and its mutex");
	raw.op = OP_MUTEX_LOCK;
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == 0 && ev.op == OP_MUTEX_LOCK && ev.arg2 == 0,
	      "decode: a mutex_lock call drops the meaningless second register");
	raw.type = EVENT_SYSRET;
	raw.op = OP_SYS_SLEEP;
	raw.arg = -4;
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == 0 && ev.type == EVENT_SYSRET && ev.op == OP_SYS_SLEEP &&
		      ev.arg == -4,
	      "decode: a system call return keeps its kind and value");
	raw.type = 11; /* between MARK and CALL: not a kernel record type */
	CHECK(decode_record(&raw, sizeof(raw), 0, &ev) == -EINVAL, "decode: type 11 is not a kernel record");
}

/* Runs the decode tests. */
int main(void)
{
	test_switch();
	test_switch_small();
	test_wake_pair();
	test_text();
	test_bad();
	test_batch();
	test_affinity();
	test_calls();
	return check_summary();
}
