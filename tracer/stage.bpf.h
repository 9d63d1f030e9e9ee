/* Records staged per CPU, included by sched.bpf.c: needs its events map,
 * submit_flags() and count_lost_n(). */
#ifndef CONCTOP_STAGE_BPF_H
#define CONCTOP_STAGE_BPF_H

/* ---- records staged per CPU: a switch and a wake pair, nearly all of
 * the volume, are written into their CPU's staging area, which goes into
 * the ring buffer as one record (struct ct_raw_batch) when full: a
 * reservation costs about as much as a record's clock read. Before each
 * drain user space runs flush_stage on every CPU, so that a staged record
 * is in the buffer before the drain that follows it, as one written
 * directly would be. ---- */

/* Staging on: set by user space once it could run flush_stage. */
bool stage_on = false;

/* A batch is sent once it would pass this many bytes: CT_STAGE_BYTES, or
 * less in a ring buffer under 128 KiB (set before load: a 64th of it),
 * where batches of 2 KiB find no room while the reader drains (a 64 KiB
 * buffer lost a batch or more per 150 000 events, against none). */
const volatile __u32 stage_limit = CT_STAGE_BYTES;

/* A CPU's staging area. busy: a program is writing it or sending it; one
 * that interrupts it on this CPU writes its record directly, or does not
 * send. buf has room past CT_STAGE_BYTES for the verifier's sake. */
struct stage {
	__u32 len;    /* bytes of records in buf */
	__u32 count;  /* events in buf (a wake pair is two) */
	__u32 busy;
	__u32 pad;
	struct ct_raw_batch head;  /* sent with buf, right after it */
	__u8 buf[CT_STAGE_BYTES + 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stage);
} stage SEC(".maps");

/* Sends what st holds as one batch record (the caller holds busy). */
static __always_inline void stage_send(struct stage *st)
{
	__u32 n = st->len;

	if (!n)
		return;
	if (n > CT_STAGE_BYTES) /* never (stage_limit), but the verifier wants a bound */
		n = CT_STAGE_BYTES;
	st->head.ts = 0;
	st->head.type = CT_RECORD_BATCH;
	st->head.len = n;
	if (bpf_ringbuf_output(&events, &st->head, sizeof(st->head) + n, submit_flags()))
		count_lost_n(st->count);
	st->len = 0;
	st->count = 0;
}

/* This CPU's staging area with room for size bytes at st->len (sent
 * first when it would pass stage_limit), marked busy; NULL when staging
 * is off or busy (the caller writes directly). stage_end() ends the
 * write. */
static __always_inline struct stage *stage_begin(__u32 size)
{
	__u32 zero = 0;
	struct stage *st;

	if (!stage_on)
		return NULL;
	st = bpf_map_lookup_elem(&stage, &zero);
	if (!st || st->busy)
		return NULL;
	st->busy = 1;
	barrier();
	if (st->len + size > stage_limit)
		stage_send(st);
	return st;
}

/* Staged records are 32 or 64 bytes, so a slot's offset is a multiple of
 * 32 (kernels that check alignment must see the stores aligned). */
_Static_assert(sizeof(struct ct_raw_switch) % CT_STAGE_ALIGN == 0 && sizeof(struct ct_raw_wake) % CT_STAGE_ALIGN == 0,
	       "a staged record's size is a multiple of CT_STAGE_ALIGN");

/* Where the record being staged goes. */
static __always_inline void *stage_slot(struct stage *st)
{
	return st->buf + (st->len & (CT_STAGE_BYTES - CT_STAGE_ALIGN));
}

/* Ends a write of size bytes, a record of events events, begun by
 * stage_begin(). */
static __always_inline void stage_end(struct stage *st, __u32 size, __u32 events)
{
	st->len += size;
	st->count += events;
	barrier();
	st->busy = 0;
}

/* Sends this CPU's staged records: run by user space on every CPU
 * (BPF_F_TEST_RUN_ON_CPU) before each drain; never attached. Returns 1
 * when it interrupted a write there (the caller tries again). */
SEC("raw_tp")
int flush_stage(void *ctx)
{
	__u32 zero = 0;
	struct stage *st = bpf_map_lookup_elem(&stage, &zero);

	if (!st)
		return 0;
	if (st->busy)
		return 1;
	st->busy = 1;
	barrier();
	stage_send(st);
	barrier();
	st->busy = 0;
	return 0;
}

#endif
