/* The conctop trace file (format version 1): a writer that records normalised
 * events into chunked, checksummed, deflate-compressed files, and a reader
 * that plays them back and treats every file as untrusted input.
 *
 * The format itself is specified in docs/trace-format.md.
 *
 * Functions return 0 (or a count) on success and a negative errno on failure;
 * nothing here prints or exits. Writers and readers are not thread-safe: use
 * one from one thread at a time.
 */
#ifndef CONCTOP_TRACE_H
#define CONCTOP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define TRACE_VERSION 1             /* the format version this code writes and reads */
#define TRACE_MINOR 4               /* compatible revision of that version (1: ops, 2: blocks, 3: info flags,
				     * affinity, 4: the chunk index) */
#define TRACE_MAX_CPUS 4096         /* largest CPU count a file may declare */
#define TRACE_CHUNK_MAX (16u << 20) /* largest chunk payload, stored or uncompressed */
#define TRACE_CHUNK_DEFAULT (256u << 10) /* default uncompressed bytes per chunk */
#define TRACE_CHUNK_MIN 64u         /* smallest chunk size trace_writer_set_chunk_size accepts */
#define TRACE_LEVEL_DEFAULT 1       /* default deflate level (0 = store uncompressed) */

/* What a trace file says about itself (its info record). */
struct trace_info {
	char host[65];              /* uname nodename */
	char kernel[65];            /* uname release */
	uint32_t ncpus;             /* possible CPUs, >= 1, <= TRACE_MAX_CPUS */
	char clock[32];             /* "CLOCK_MONOTONIC" */
	char command[1024];         /* the traced command line, "pid 1234", or scenario + args */
	char version[32];           /* conctop version that wrote it */
	uint64_t start_realtime_ns; /* wall clock at the trace's start */
	uint64_t start_monotonic_ns;/* CLOCK_MONOTONIC at the trace's start: event ts are relative to it */
	int32_t target_pid;         /* the traced process: the pid attached to with -p, or the
				     * program conctop started (0 in files before minor 3) */
	bool started;               /* conctop started the program (its first thread waits at
				     * conctop's start gate); files before minor 3: target_pid 0 */
};

#define TRACE_INFO_STARTED 1u /* info record flags: conctop started the program */

struct trace_writer;

/* Creates (or truncates) path with mode 0644, O_CLOEXEC and O_NOFOLLOW (a
 * symlink is refused with -ELOOP), and writes the file header and the info
 * record; -EINVAL if info is invalid (ncpus out of range, a string not
 * NUL-terminated within its array). Files written on someone else's behalf
 * go through trace_writer_new_fd on a safely created fd instead. */
int trace_writer_new(struct trace_writer **out, const char *path, const struct trace_info *info);

/* The same on fd, opened for writing by the caller; the writer owns fd from
 * here on (it is closed on error too). */
int trace_writer_new_fd(struct trace_writer **out, int fd, const struct trace_info *info);

/* Sets the deflate level of the chunks written from now on: 0 stores them
 * uncompressed, 1-9 as zlib; -EINVAL otherwise. */
int trace_writer_set_compression(struct trace_writer *w, int level);

/* Sets how many uncompressed bytes a chunk collects before it is written
 * (TRACE_CHUNK_MIN .. TRACE_CHUNK_MAX / 2); flushes what is buffered first. */
int trace_writer_set_chunk_size(struct trace_writer *w, size_t bytes);

/* Buffers one event; writes a chunk when the buffer is full. -EINVAL for an
 * event the file cannot hold (type unknown, cpu >= ncpus, text not
 * NUL-terminated): nothing is written and the writer stays usable. An event
 * older than the previous one is stored with the previous one's ts (files
 * never go back in time; trace_writer_clamped() counts these). After a write
 * error every call returns that error. */
int trace_writer_add(struct trace_writer *w, const struct event *ev);

/* Ends the current chunk and writes it now (nothing if it is empty). */
int trace_writer_flush(struct trace_writer *w);

/* Flushes, writes the end record (end_ts, raised to the last event's ts if
 * smaller, and the event count), then the chunk index (trace_index.h),
 * closes the file and frees w (always, even on error). Returns 0 or the
 * first error the writer met. */
int trace_writer_close(struct trace_writer *w, uint64_t end_ts);

/* Where a reader goes on reading the file being written so as to follow
 * exactly the events that came after those given to the writer so far
 * (for a copy of a timeline that followed them, timeline_clone): the
 * chunk the next write starts (its offset, number, the last timestamp and
 * the count of events written before it), and how many of the events
 * given wait in the buffer for that chunk (already followed: the reader
 * skips them). */
struct trace_resume {
	uint64_t off;
	uint32_t seq;
	uint64_t ts;
	uint64_t timed;
	uint64_t skip;
	uint64_t damaged; /* a reader's damaged stretches before (the end record's count is not checked then) */
};

/* Fills *at for the events given so far. Returns 0, or the writer's error
 * (after one, what follows is not written). */
int trace_writer_resume_point(const struct trace_writer *w, struct trace_resume *at);

/* Returns the number of events added. */
uint64_t trace_writer_count(const struct trace_writer *w);

/* Returns the number of bytes written to the file so far. */
uint64_t trace_writer_bytes(const struct trace_writer *w);

/* Returns how many events were stored with a raised ts (arrived out of order). */
uint64_t trace_writer_clamped(const struct trace_writer *w);

/* With on, a write that finds the disk full (ENOSPC, EDQUOT) frees the
 * older half of the event chunks still on disk, as a hole in the file, and
 * is tried again, as long as there is an older chunk to free, and then
 * that chunk goes instead (the writer writes on): for a history kept only
 * to be read back, where the recent past matters most.
 * Chunks written before it was set on are never freed, nor any by
 * trace_writer_close (its last chunk fails instead), which then writes no
 * index either. Returns 0. */
int trace_writer_set_drop_oldest(struct trace_writer *w, bool on);

/* Returns the bytes of chunks freed that way. */
uint64_t trace_writer_dropped_bytes(const struct trace_writer *w);

/* Returns the ts of the oldest event left once chunks were freed, else 0. */
uint64_t trace_writer_dropped_until(const struct trace_writer *w);

struct trace_reader;

/* Opens path and reads its header and info record. On failure returns a
 * negative errno (-errno of open, -ENODATA empty or cut short, -EBADMSG
 * corrupt or not a trace, -EPROTONOSUPPORT newer version, -EIO, -ENOMEM) and
 * *out is still set (except on -ENOMEM, where it is NULL):
 * trace_reader_error(*out) names the problem and its byte offset, and the
 * caller must trace_reader_free(*out). */
int trace_reader_new(struct trace_reader **out, const char *path);

/* Like trace_reader_new, but reads a trace held in memory; buf must stay
 * valid and unchanged until trace_reader_free. */
int trace_reader_new_mem(struct trace_reader **out, const void *buf, size_t len);

/* Returns the header information of an opened trace (zeroed if the info
 * record could not be read). */
const struct trace_info *trace_reader_info(const struct trace_reader *r);

#define TRACE_DAMAGED 2 /* trace_reader_next: a damaged stretch was skipped */

/* Reads the next event into ev. Returns 1 for an event, 0 at the end record
 * (a complete file), or a negative errno: -ENODATA the file ends before the
 * end record (every event of every complete chunk has been returned first),
 * -EBADMSG corrupt, -EPROTONOSUPPORT a chunk encoding this version does not
 * know, -EIO read error, -ENOMEM. A negative or 0 result repeats on every
 * later call. Events come back in file order with ts never decreasing.
 * After trace_reader_skip_damaged it may also return TRACE_DAMAGED: a
 * damaged chunk (or the rest of one) was skipped, trace_reader_error names
 * it and where reading goes on, and the next call goes on from there. */
int trace_reader_next(struct trace_reader *r, struct event *ev);

/* Reads up to max (at least 1) events into ev[0..*n), as that many calls of
 * trace_reader_next would, but in one call (a load's per-event path). The
 * texts of ev[0..max) must be all zero after their first NUL (as calloc or
 * an earlier read leaves them): only a text that is not empty is cleared.
 * Returns 1 when it read max events, else what trace_reader_next returned
 * after the *n events it read: 0, TRACE_DAMAGED or a negative errno. */
int trace_reader_many(struct trace_reader *r, struct event *ev, unsigned max, unsigned *n);

/* Makes trace_reader_next skip what is damaged (-EBADMSG) after the info
 * record instead of stopping there: a chunk whose checks fail is stepped
 * over by its length when its frame is intact, else the reader looks for
 * the next intact frame; a record that does not decode ends its chunk;
 * missing chunk numbers are reported and read past. Each such stretch is
 * reported once, as TRACE_DAMAGED. The end record's event count is not
 * checked once something was skipped. Damage in the file header or
 * chunk 0, a truncation, an unknown encoding, read errors and out of
 * memory still end the reading as without it. */
void trace_reader_skip_damaged(struct trace_reader *r);

/* Returns how many damaged stretches were skipped so far. */
uint64_t trace_reader_damaged(const struct trace_reader *r);

/* Returns what went wrong and where ("chunk 3 at byte 18342: payload
 * checksum mismatch"), or "" if nothing did. Accepts NULL (out of memory). */
const char *trace_reader_error(const struct trace_reader *r);

/* Returns the end record's end ts once it was read, else the last event's ts. */
uint64_t trace_reader_end_ts(const struct trace_reader *r);

/* Returns how many bytes of the file were read so far (for progress: it
 * moves a chunk at a time; a trace in memory counts the same way). */
uint64_t trace_reader_offset(const struct trace_reader *r);

/* Returns the number of events returned so far. */
uint64_t trace_reader_count(const struct trace_reader *r);

/* Returns the writer's count of out-of-order events it clamped (from the end
 * record; 0 until it is read). */
uint64_t trace_reader_clamped(const struct trace_reader *r);

/* The file offset and sequence number of the chunk the last event came
 * from (for the chunk index, trace_index.h). */
void trace_reader_chunk(const struct trace_reader *r, uint64_t *off, uint32_t *seq);

/* Where a trace ends when it has no index to say (a recording cut off):
 * the time of the last event of its last chunk that reads, found by going
 * from chunk frame to frame (28 bytes each, over any damage) to the end of
 * the file and reading the last chunks alone. For a reader just opened;
 * it is left past those chunks. Returns 0, -EINVAL (not just opened),
 * -EIO, -ENODATA (no event in the last chunks that read). */
int trace_reader_tail_ts(struct trace_reader *r, uint64_t *end);

/* Goes on reading at the chunk whose frame is at byte off and numbered
 * seq (from a chunk index), as if the chunks before it had been read: ts
 * is the last timestamp before it, timed the timed records before it (the
 * end record's count is checked against it). A sticky result is cleared.
 * The chunk is checked as any other when it is read: a wrong offset reads
 * as damage. Returns 0, -EINVAL (off inside the header), -EIO. */
int trace_reader_seek_chunk(struct trace_reader *r, uint64_t off, uint32_t seq, uint64_t ts, uint64_t timed);

/* Goes on reading where a writer's (or a reader's) resume point says
 * (trace_resume): at
 * its chunk, past the events it says to skip. Returns 0, -EINVAL (an
 * offset inside the header), or -EIO when the chunk is not there or holds
 * fewer events than that (damaged, or freed by a full disk). */
int trace_reader_resume(struct trace_reader *r, const struct trace_resume *at);

/* The resume point after the events returned so far (the current chunk,
 * and how many of its events were returned), for a copy of a timeline
 * that followed them (before any, the chunk after the info record).
 * Returns 0, or -EINVAL after an error. */
int trace_reader_resume_point(const struct trace_reader *r, struct trace_resume *at);

/* Closes and frees a reader; accepts NULL. */
void trace_reader_free(struct trace_reader *r);

#endif
