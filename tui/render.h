/* Rendering: pure functions of (timeline, view, size, theme) that draw into
 * a grid. No terminal here: the ncurses front end copies the grid, `conctop
 * lanes` prints it, tests diff it against golden files.
 *
 * The files: render.c the screen, classroom.c the classroom view,
 * overlay.c what is drawn over them, lanes.c the lanes (the one row
 * function, labels, axis, legend), glyph.c what a cell looks like,
 * lanes_text.c `conctop lanes`, log_text.c the log in words, draw.c text
 * through the theme, format.c and scale.c numbers, utf8.c text widths. */
#ifndef CONCTOP_RENDER_H
#define CONCTOP_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "grid.h"
#include "theme.h"
#include "timeline.h"

struct spans;
struct contention;
struct critpath;

#define RENDER_MIN_WIDTH 80
#define RENDER_MIN_HEIGHT 24
/* added: render_screen's first lane column on a screen up to
 * RENDER_NAMES_WIDE columns wide (lane column c of the view is screen
 * column RENDER_LANE_X + c: for mouse clicks); wider screens give the
 * names more (render_view_lane_x) */
#define RENDER_LANE_X 24
#define RENDER_NAMES_WIDE 120

enum view_mode { VIEW_LIVE, VIEW_PAUSED, VIEW_REPLAY };

/* Everything a frame depends on besides the timeline. The front end owns it
 * and changes it on keys and time; render only reads it. */
struct view {
	enum view_mode mode;
	const char *target;       /* "prodcons", "pid 1234", a file name */
	uint64_t t0;              /* time at the left edge of the lanes */
	uint64_t ns_per_col;      /* zoom: nanoseconds per column, >= 1 */
	uint64_t cursor;          /* the cursor's time, UINT64_MAX for none */
	double speed;             /* replay speed, 0.01 .. 100 */
	bool playing;             /* replay: the playback clock moves */
	bool reading;             /* replay: the file is still being read (past the timeline's end: not read yet) */
	bool ended;               /* live: tracing has ended (space follows no more: the key line
				   * does not offer it) */
	size_t first_lane;        /* thread lanes scrolled past */
	size_t focus;             /* focused thread lane, among those shown */
	const char *filter;       /* show threads whose name contains it; NULL or "" for all */
	bool help;                /* the key help overlay */
	bool inspect;             /* the inspect panel at the cursor */
	double events_per_sec;    /* live rate for the header */
	const char *memory;       /* live under a memory cap: what it holds and keeps, for the header; or NULL */
	const char *memory_short; /* the same, the memory figure alone (a narrow header's), or NULL */
	const struct timeline *whole; /* drawing a window read back from the file: the view's own
				       * timeline, whose counts the header shows; NULL otherwise */
	const char *message;      /* one status line (an error, "filter: ...") or NULL */
	const char *const *output; /* live: the traced program's last output lines */
	size_t output_lines;
	/* added: the classroom view (two-row lanes, narration at the top, key
	 * help in the bottom two rows, "1 column = ..." labelled) */
	bool classroom;
	bool predict;             /* predict-then-reveal is on (shown in the header); a replay then
				   * draws nothing after the cursor */
	const char *question;     /* predict: the question asked, in the narration's place; or NULL */
	const char *answer;       /* predict: the last answer, in the same place; or NULL */
	bool hide_exited;         /* no lanes for threads that exited before t0 (key x) */
	uint64_t window_end;      /* with hide_exited, when not 0: no lanes either for threads whose
				   * life begins at or after it (a window's document: the lanes of
				   * the threads alive in [t0, window_end)) */
	const char *key_lanes;    /* classroom: names of the threads whose lanes come first
				   * (space-separated, "worker" names "worker-2" too), or NULL */
	/* added: why a thread is slow (docs/contention.md), computed by the
	 * front end from a thread history whose thread indexes are the
	 * timeline's: the contention overlay (key w) and a thread's critical
	 * path highlighted across the lanes with a summary line (key y) */
	bool waits;                          /* the contention overlay is open */
	const char *waits_title;             /* its title: the window it counts */
	const struct spans *spans;           /* the history of contention and path */
	const struct contention *contention; /* the overlay's rows (NULL: none) */
	const struct critpath *path;         /* the path highlighted, or NULL */
	const char *why_note;                /* why there is no history or no path (then said in their place) */
	/* added: many threads and CPUs (docs/lanes.md "Many lanes"): thread
	 * lanes grouped by process under a header row each (key P), a
	 * process folded into its header (keys f, F): folded when fold_all,
	 * except the processes (tgids) of fold_flip, and the reverse; rows
	 * shared by several CPUs drawn as a busy strip unless cpu_letters
	 * (key u) */
	bool group;
	bool fold_all;
	const int32_t *fold_flip;
	size_t nfold_flip;
	bool cpu_letters;
};

/* A row of the thread lanes (render_view_threads) is a thread index, or
 * with RENDER_ROW_PROC set, a process header: the index of the process's
 * first thread (its tgid is that thread's). */
#define RENDER_ROW_PROC ((size_t)1 << (sizeof(size_t) * 8 - 1))

/* Whether row is a process header; the thread index it names. */
static inline bool render_row_is_process(size_t row)
{
	return (row & RENDER_ROW_PROC) != 0;
}
static inline size_t render_row_thread(size_t row)
{
	return row & ~RENDER_ROW_PROC;
}

/* Whether view v shows the process tgid folded into its header. */
bool render_process_folded(const struct view *v, int32_t tgid);

/* The thread lanes view v shows grouped (v->group, outside the classroom
 * view): per process in order of first appearance, a header row then,
 * unless folded, its threads that the filter (and hide_exited) let
 * through; a process none of whose threads pass has no header. Writes up
 * to max rows into out and returns how many there are. */
size_t render_group_rows(const struct timeline *tl, const struct view *v, size_t *out, size_t max);

/* Draws the whole screen into g: header, time axis, CPU lanes, thread lanes
 * with their stats columns, the event log (or program output), the key line,
 * and the help or inspect overlay. Returns 0, or -ERANGE when g is smaller
 * than RENDER_MIN_WIDTH x RENDER_MIN_HEIGHT (g then holds a message saying
 * so and what size is needed). */
int render_screen(struct grid *g, const struct timeline *tl, const struct view *v, const struct theme *th);

/* Legend items: what a lane's cells can show, in the order the legends
 * list them (`conctop lanes`, the screen, the SVG export). */
enum legend_item {
	LG_RUN,
	LG_RUN10,
	LG_SPIN,
	LG_RUNNABLE,
	LG_WOKEN,
	LG_MUTEX,
	LG_RWLOCK,
	LG_COND,
	LG_BARRIER,
	LG_SEM,
	LG_JOIN,
	LG_FUTEX,
	LG_SLEEP,
	LG_IO,
	LG_UNINT,
	LG_GATE,
	LG_UNKNOWN,
	LG_MIXED,
	LG_THREAD,
	LG_THREAD_MORE,
	LG_OTHER,
	LG_CPU_UNKNOWN,
	LG_LOST,
	LG_MARK,
	LG_UNDONE,
	LG_SHARE,          /* a busy strip or a process header: the share running */
	LG_MAX
};

/* The glyph and role of a thread lane cell (docs/lanes.md's glyphs: the
 * CPU number, '*', '-', M R C B S J F z I D '.', '+' mixed, '^' woken);
 * returns its legend item, LG_MAX for a blank one. */
unsigned render_cell_glyph(const struct tl_cell *cell, uint32_t *ch, uint8_t *role);

/* The glyph and role of a CPU lane cell (the thread's letter, '~' another
 * program, blank idle, '?' unknown, '+' mixed); returns its legend item. */
unsigned render_cpu_glyph(const struct timeline *tl, const struct tl_cpu_cell *cell, uint32_t *ch, uint8_t *role);

/* One event log entry in words, without its time ("C woken by A, ran 41 µs
 * later on CPU1", "B tries mutex count_lock, held by A: B sleeps", a
 * deadlock's cycle); returns the role it is drawn in (ROLE_WARNING for lost
 * events and deadlocks). */
uint8_t render_log_words(const struct timeline *tl, const struct tl_log_entry *e, bool ascii, char *buf, size_t len);

/* The same for a panel width columns wide: a deadlock's cycle that does
 * not fit there in words takes the banner's shorter forms (names, then
 * letters, with arrows), so that the whole cycle shows; other entries are
 * as render_log_words gives them (the panel cuts them). */
uint8_t render_log_words_fit(const struct timeline *tl, const struct tl_log_entry *e, bool ascii, int width,
			     char *buf, size_t len);

/* A damaged part skipped (a TL_LOG_DAMAGED entry, which says where) in
 * words: "... the <parts> around here are incomplete" (the lanes, or a
 * Perfetto trace's tracks). */
void render_damaged_words(const struct tl_log_entry *e, const char *parts, char *buf, size_t len);

/* Columns the lanes get on a screen of this width (for zoom arithmetic),
 * and the first of them (RENDER_LANE_X up to RENDER_NAMES_WIDE). */
int render_lane_columns(int screen_width);
int render_lane_x(int screen_width);

/* Columns a thread's name gets on a screen of this width: 12, and one more
 * every 10 columns past RENDER_NAMES_WIDE, up to 16 (a Linux thread name
 * has at most 15 characters). */
int render_name_columns(int screen_width);

/* added: the first lane column and the lane columns for this view on a
 * screen this wide (the classroom view has narrower labels and no stats
 * columns). */
int render_view_lane_x(const struct view *v, int screen_width);
int render_view_lane_columns(const struct view *v, int screen_width);

/* added: thread lanes shown per page in the classroom view of every
 * thread on a screen this high: two rows each when all fit (6 at 80x24),
 * else one row each (12 at 80x24). */
int render_classroom_lanes(const struct timeline *tl, int height);

/* Rows a thread lane takes in this view on a screen this high: 2 in the
 * classroom view when every lane the filter lets through fits so, else 1. */
int render_lane_height(const struct timeline *tl, const struct view *v, int width, int height);

/* added: the rows render_screen gives thread lanes on a width x height
 * screen for this view (at most the lanes the filter lets through), and
 * when first_row is not NULL the screen row of the first (lane
 * v->first_lane, after scrolling is clamped); 0 when the screen is too
 * small. For mouse clicks and keeping the focus in view. In the classroom
 * view a lane may take two rows (render_lane_height): it returns lanes,
 * not rows. */
int render_thread_rows(const struct timeline *tl, const struct view *v, int width, int height, int *first_row);

/* The rows render_screen gives CPU lanes on a width x height screen for
 * view v, and (per) the CPUs each row holds; 0 when the screen is too
 * small. */
int render_cpu_rows(const struct timeline *tl, const struct view *v, int width, int height, int *per);

/* Whether v shows a lane for every thread, in the timeline's order: no
 * filter, no grouping, no thread hidden for having exited. */
bool render_rows_all(const struct view *v);

/* Whether thread t lives in v's window as hide_exited sees it: it did not
 * exit before v->t0, nor (with v->window_end) begin at or after it. */
bool render_thread_in_window(const struct tl_thread *t, const struct view *v);

/* Whether view v follows the present: live and not paused, or a replay
 * playing (viewstate_following's answer, for what draws the view). */
bool render_view_following(const struct view *v);

/* Whether a thread named name (? when it has none, as shown) passes the
 * lanes' filter (a case-insensitive substring; NULL or empty: all). */
bool render_name_matches(const char *name, const char *filter);

/* Thread lanes shown under the filter, in order: writes up to max thread
 * indexes into out and returns how many match. */
size_t render_visible_threads(const struct timeline *tl, const char *filter, size_t *out, size_t max);

/* The thread lanes shown for view v: under its filter, and with
 * v->hide_exited without the threads that exited before v->t0 (their lanes
 * would be empty) and, with v->window_end, those born at or after it; with
 * v->group, rows of render_group_rows (process headers among them). */
size_t render_view_threads(const struct timeline *tl, const struct view *v, size_t *out, size_t max);

/* The thread rows of a document of the window [t0, t1) (conctop lanes, an
 * SVG) under v's filter, group and fold: the threads alive in the window
 * (this sets v's hide_exited, t0 and window_end), so that nothing after
 * the window adds a row. *rows is a new array (NULL when *n is 0).
 * Returns 0 or -ENOMEM. */
int render_window_rows(const struct timeline *tl, struct view *v, uint64_t t0, uint64_t t1, size_t **rows,
		       size_t *n);

/* The most rows render_lanes draws into one grid (the grid's limit). */
#define RENDER_LANES_MAX_ROWS 10000

/* What `conctop lanes` shows of many lanes: the thread lanes whose name
 * holds filter (NULL or "" all), grouped by process under their headers
 * (group), every process folded into its header (fold, with group), and
 * the CPUs cpu_per to a row as busy strips (0 or 1: a lane per CPU). */
struct lanes_opts {
	const char *filter;
	bool group, fold;
	unsigned cpu_per;
};

/* The lanes of [t0, t1) for `conctop lanes`: a time axis, CPU lanes and
 * thread lanes (letter, name, tid, stats), the bottom rule and the legend,
 * in width (40 to 10000) columns. Returns a new grid, or NULL on ENOMEM, a
 * width out of range, or more than RENDER_LANES_MAX_ROWS rows (2 + CPUs +
 * threads + 9): render_lanes_print has no such limit. */
struct grid *render_lanes(const struct timeline *tl, uint64_t t0, uint64_t t1, int width, const struct theme *th);

/* The same lanes printed to f as render_lanes' grid would print
 * (grid_print; ANSI colours when ansi), drawn a band of rows at a time:
 * memory follows the width, not the number of lanes. Returns 0, -EINVAL
 * for bad arguments or a width out of range, -ENOMEM, or -EIO when
 * writing failed. */
int render_lanes_print(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int width,
		       const struct theme *th, bool ansi);

/* render_lanes_print with what opts asks (NULL: the same as it). */
int render_lanes_print_opts(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int width,
			    const struct theme *th, bool ansi, const struct lanes_opts *opts);

#endif
