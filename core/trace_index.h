/* The chunk index of a trace file (format 1.4, docs/trace-format.md, "Index
 * chunk"): for every chunk of events, where it starts, its number, its
 * first and last timestamp, how many timed records it holds and which event
 * types; and the trace's end time and event count. So a command that needs
 * one window of a long trace reads the chunks of that window, not the file.
 *
 * trace_index_new loads the index the writer stored at the end of the file
 * when it is there and passes every check (the file is untrusted: any
 * failed check and the stored index is not used), and otherwise rebuilds it
 * by reading the file through the reader (a recording cut off, a file from
 * before 1.4, an index damaged or removed). Memory follows the number of
 * chunks, bounded by the file's size.
 *
 * Functions return 0 or a negative errno; nothing prints. */
#ifndef CONCTOP_TRACE_INDEX_H
#define CONCTOP_TRACE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One chunk of events. */
struct trace_index_chunk {
	uint64_t off;      /* file offset of its frame */
	uint32_t seq;      /* its sequence number (>= 1) */
	uint64_t first_ts; /* its first timed record's ts */
	uint64_t last_ts;  /* its last timed record's ts */
	uint64_t events;   /* its timed records (>= 1) */
	uint64_t types;    /* bit t: it holds an event of type t (1-63) */
};

struct trace_index;

/* Loads the index of the trace at path (stored, else rebuilt). -ENOMEM,
 * -errno of open, or the reader's error when the file cannot be opened as
 * a trace at all; a file that is merely cut off or damaged gets a rebuilt
 * index of what can be read. */
int trace_index_new(struct trace_index **out, const char *path);

/* The index the writer stored, and nothing else: -EBADMSG when the file
 * has none that passes every check (a reading of the whole file would
 * then be needed, which this never does), else as trace_index_new. For a
 * view that must open at once. */
int trace_index_new_stored(struct trace_index **out, const char *path);

/* The same for a trace held in memory (buf stays valid while it is used). */
int trace_index_new_mem(struct trace_index **out, const void *buf, size_t len);

/* Frees it; accepts NULL. */
void trace_index_free(struct trace_index *ix);

/* Whether it came from the file's stored index (else it was rebuilt). */
bool trace_index_stored(const struct trace_index *ix);

/* Why the stored index was not used ("no index at the end of the file",
 * "index entry 3: offset not increasing", ...), or "" when it was. */
const char *trace_index_why(const struct trace_index *ix);

/* The number of chunks listed, and chunk i of them (i < the count). */
size_t trace_index_count(const struct trace_index *ix);
const struct trace_index_chunk *trace_index_chunk(const struct trace_index *ix, size_t i);

/* The first chunk whose last ts is at or after ts (the count when none). */
size_t trace_index_find(const struct trace_index *ix, uint64_t ts);

/* The latest last ts of the chunks that end at or after ts and hold an
 * event of a type in types (bit t for type t); 0 when none does. */
uint64_t trace_index_last_of(const struct trace_index *ix, uint64_t types, uint64_t ts);

/* The trace's end ts (the end record's; rebuilt from a cut file: the last
 * event's) and its number of timed records. */
uint64_t trace_index_end_ts(const struct trace_index *ix);
uint64_t trace_index_events(const struct trace_index *ix);

/* Rebuilt indexes: whether the reading reached the end record; why it
 * stopped before (the reader's message, "" when complete); how many
 * damaged stretches it skipped. A stored index: complete, "", 0. */
bool trace_index_complete(const struct trace_index *ix);
int trace_index_result(const struct trace_index *ix); /* 0, -ENODATA cut off, or the error that stopped it */
const char *trace_index_cut(const struct trace_index *ix);
uint64_t trace_index_damaged(const struct trace_index *ix);

/* For the writer: encodes the content of an index record listing n chunks
 * (in file order), the end ts and event count, for an index chunk whose
 * frame will be at byte index_off, into a new buffer *out of *len bytes
 * (free it). -EINVAL if the chunks are not in order, -ENOMEM. */
int trace_index_encode(const struct trace_index_chunk *ch, size_t n, uint64_t end_ts, uint64_t events,
		       uint64_t index_off, uint8_t **out, size_t *len);

/* Decodes and checks the content of an index record (len bytes) of an
 * index chunk at byte index_off of a file of file_size bytes. -EBADMSG
 * when a check fails (trace_index_why(*out) says which; *out is then set
 * and must be freed), -ENOMEM. */
int trace_index_decode(struct trace_index **out, const uint8_t *content, size_t len, uint64_t index_off,
		       uint64_t file_size);

#endif
