/* conctop export --format perfetto: a trace file as Perfetto's native
 * protobuf trace (core/perfetto_export.h; docs/export.md). */
#ifndef CONCTOP_EXPORT_PERFETTO_H
#define CONCTOP_EXPORT_PERFETTO_H

#include <stdbool.h>
#include <stdint.h>

/* Writes the trace file as a Perfetto trace to out ("-": standard output),
 * the window [from, to) (to: the trace's end unless have_to), its reading
 * within cap bytes (cli_window_cap), then (unless quiet) says what it
 * holds. Returns the exit status: 0, or 1 after saying what went wrong. */
int export_perfetto(const char *file, const char *out, uint64_t from, uint64_t to, bool have_to, uint64_t cap,
		    bool quiet);

#endif
