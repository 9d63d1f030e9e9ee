/* Why a thread is slow, in words for the views (docs/contention.md): a
 * row of the contention overlay (key w), and the one-line summary of a
 * critical path under the highlighted lanes (key y). Pure: text from a
 * thread history (core/spans.h) and its analyses, no grid. Names from the
 * trace come out through safetext. */
#ifndef CONCTOP_WHY_TEXT_H
#define CONCTOP_WHY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "contention.h"
#include "critpath.h"
#include "spans.h"

/* The columns an object's name gets in rows width columns wide: 14, and
 * what the rest of a row leaves of the width past that, up to 40. */
int why_object_columns(int width);

/* The heading of the overlay's rows, columns as why_waits_row writes them
 * with objw columns for the object's name. Returns buf. */
const char *why_waits_heading(int objw, char *buf, size_t len);

/* One object's row: name (in objw columns; one too long keeps its start
 * and its end, the address that tells locks apart, around an ellipsis),
 * kind, waits, total and longest wait (ms), waiters, handovers, the thread
 * that held it most (in all) while others waited with that time, and last its
 * process (what 80 columns cut). Returns buf. */
const char *why_waits_row(const struct spans *s, const struct contention_row *r, bool ascii, int objw, char *buf,
			  size_t len);

/* The path in one line: the chosen thread's time over the window, then
 * down the largest share at each step the time charged to the next thread
 * ("59.3 ms on cond chain_cv for chain-b"), to where it went in the end
 * (that thread ran, waited for a CPU, or a wait no thread ended):
 * "chain-a's 59.5 ms: 59.3 ms on cond chain_cv for chain-b; 59.1 ms on
 * mutex chain_m2 for chain-c, which ran 50.1 ms, runnable 929 µs".
 * Returns buf. */
const char *why_path_summary(const struct spans *s, const struct critpath *c, bool ascii, char *buf, size_t len);

#endif
