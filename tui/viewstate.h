/* The state of an interactive view, live or replay, and what the keys do to
 * it: zoom, scroll, follow, the cursor, steps, focus, the filter, the
 * classroom scale and predict-then-reveal. Pure: a function of the
 * timeline, the screen's size and the calls made, with no terminal and no
 * clock (the caller says how much time passed). The front end owns one,
 * calls these on keys and time, and renders its `v`. */
#ifndef CONCTOP_VIEWSTATE_H
#define CONCTOP_VIEWSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "predict.h"
#include "render.h"
#include "timeline.h"

#define VIEWSTATE_NONE UINT64_MAX   /* no cursor */
#define VIEWSTATE_TEXT_MAX 128      /* the filter's length, with its NUL */
#define VIEWSTATE_SPEED_MIN 0.01
#define VIEWSTATE_SPEED_MAX 100.0
#define VIEWSTATE_MIN_NS_PER_COL 100ull
#define VIEWSTATE_LIVE_NS_PER_COL (10ull * 1000000) /* the live view starts at 10 ms a column */
#define VIEWSTATE_FOLD_MAX 256      /* processes folded (or unfolded) against fold_all */

/* How far a scroll goes. */
enum viewstate_scroll {
	VIEWSTATE_LITTLE,  /* an eighth of the lanes (a page in the classroom view) */
	VIEWSTATE_COLUMN,  /* one column */
	VIEWSTATE_PAGE,    /* the lanes' whole width */
};

struct viewstate {
	struct view v;               /* what render_screen draws */
	const struct timeline *tl;
	bool live;
	bool ended;                  /* live: tracing is over */
	bool ascii;                  /* the theme is ASCII (for the predict answer's words) */
	uint64_t play;               /* replay: the playback clock */
	uint64_t known_end;          /* replay still reading its file (v.reading): where the trace ends (its
				      * stored index), 0 unknown: paused, the view may go up to there first */
	int width, height;           /* the screen */
	char filter[VIEWSTATE_TEXT_MAX];
	char note[256];              /* said until the next key; "" for nothing */
	uint64_t class_npc;          /* the classroom view's fixed scale */
	uint64_t plain_npc;          /* the scale to go back to from it */
	bool fitted;                 /* a replay's scale is still the one fitted to the width at the
				      * start (no zoom since): a resize fits it again */
	struct predict_round predict; /* predict: the questions asked, the guesses (predict.h) */
	char predict_line[PREDICT_TEXT_MAX]; /* the question or the answer in words */
	long path_thread;            /* the thread whose critical path is shown (key y), -1 none */
	int32_t fold_flip[VIEWSTATE_FOLD_MAX]; /* v.fold_flip: tgids folded unlike fold_all */
};

/* Sets vs up for the replay of tl on a width x height screen: playing from
 * 0 (or paused with the cursor at 0) at speed, at most a second in the
 * lanes. target names the trace in the header. */
void viewstate_init_replay(struct viewstate *vs, const struct timeline *tl, const char *target, double speed,
			   bool paused, int width, int height);

/* Sets vs up for the live view of tl (which grows): following its end at
 * 10 ms a column. */
void viewstate_init_live(struct viewstate *vs, const struct timeline *tl, const char *target, int width,
			 int height);

/* The 1-2-5 step after npc (out) or before it (in; 1 at least). */
uint64_t viewstate_zoom_step(uint64_t npc, bool out);

/* Lane columns on this screen (1 at least), and the time they span. */
uint64_t viewstate_lane_cols(const struct viewstate *vs);
uint64_t viewstate_window_ns(const struct viewstate *vs);

/* Whether the view follows the clock (live and not paused, or a replay
 * playing), and the instant it follows (the live end or the playback
 * clock). */
bool viewstate_following(const struct viewstate *vs);
uint64_t viewstate_head(const struct viewstate *vs);

/* Prepares a frame on a width x height screen: a new size keeps the view
 * and the focus in range; a following view moves with its head. */
void viewstate_frame(struct viewstate *vs, int width, int height);

/* Space: reveals a predict answer, else pauses a following view (the
 * cursor marks where), else follows again (live: the present; replay:
 * plays from the cursor, from the start at the end). */
void viewstate_space(struct viewstate *vs);
void viewstate_pause(struct viewstate *vs);
void viewstate_follow(struct viewstate *vs);

/* Zooms one step in or out keeping instant anchor (VIEWSTATE_NONE: the
 * middle) at its column, between the finest scale and the whole timeline. */
void viewstate_zoom(struct viewstate *vs, bool out, uint64_t anchor);

/* Zooms around the cursor, or the head when following. */
void viewstate_zoom_here(struct viewstate *vs, bool out);

/* Moves the view by delta ns, pausing it (a playing replay seeks instead). */
void viewstate_scroll(struct viewstate *vs, int64_t delta);

/* Scrolls by one unit back or forward. */
void viewstate_scroll_by(struct viewstate *vs, enum viewstate_scroll unit, bool back);

/* Home and End: the start and the end (live End: follow the present). */
void viewstate_home(struct viewstate *vs);
void viewstate_end(struct viewstate *vs);

/* Places the cursor at t (pausing; clamped into the timeline) and shows it. */
void viewstate_place_cursor(struct viewstate *vs, uint64_t t);

/* g: the cursor to t, or a note when t is after the end. */
void viewstate_goto(struct viewstate *vs, uint64_t t, const char *typed);

/* s / S: the cursor to the next or previous scheduling event; n / N: to
 * the next or previous event-log entry. A note when there is none. */
void viewstate_step(struct viewstate *vs, bool back);
void viewstate_step_log(struct viewstate *vs, bool back);

/* < >: halves or doubles the replay speed within its bounds. */
void viewstate_speed(struct viewstate *vs, bool faster);

/* p: predict-then-reveal on or off. */
void viewstate_toggle_predict(struct viewstate *vs);

/* 1-9: the class guesses the candidate of the open question listed
 * number-th (a note when there is no question, or no such candidate). */
void viewstate_guess(struct viewstate *vs, unsigned number);

/* The classroom view's fixed scale from the command line (a tenth of
 * "--pace N" ms a column) or the trace; set once the screen's size is
 * known. */
void viewstate_set_class_scale(struct viewstate *vs, const char *command);

/* c: the classroom view on or off (its scale, or back to the plain one);
 * the caller switches the theme. */
void viewstate_toggle_classroom(struct viewstate *vs);

/* Tab / arrows: the focus to the next (delta > 0) or previous lane,
 * wrapping, kept on screen. */
void viewstate_move_focus(struct viewstate *vs, int delta);

/* Enter / i: the inspect panel on or off. ?: the help. */
void viewstate_toggle_inspect(struct viewstate *vs);

/* w: the contention overlay on or off. */
void viewstate_toggle_waits(struct viewstate *vs);

/* y: the critical path of the focused lane's thread on (path_thread), or
 * off; a note when no lane is in focus. */
void viewstate_toggle_path(struct viewstate *vs);

/* The timeline index of the focused lane's thread, or -1 when none shows. */
long viewstate_focused_thread(const struct viewstate *vs);

/* The window the lanes show, [*from, *to): clipped to the timeline's end
 * (and, predicting in a replay, to the cursor: what follows is hidden). */
void viewstate_window(const struct viewstate *vs, uint64_t *from, uint64_t *to);

/* Esc: closes the help, else the contention overlay, else the inspect
 * panel, else clears the filter. */
void viewstate_escape(struct viewstate *vs);

/* Shows only the lanes whose name contains text ("" for all). */
void viewstate_set_filter(struct viewstate *vs, const char *text);

/* x: hides the lanes of threads that exited before the window starts, or
 * shows them again. */
void viewstate_toggle_hide_exited(struct viewstate *vs);

/* Lanes the filter lets through. */
size_t viewstate_visible_lanes(const struct viewstate *vs);

/* The time at screen column x, or VIEWSTATE_NONE outside the lanes. */
uint64_t viewstate_time_at_x(const struct viewstate *vs, int x);

/* A click at (x, y): focuses the lane there, places the cursor at its time. */
void viewstate_click(struct viewstate *vs, int x, int y);

/* The wheel at column x: zooms in (up) or out around the time there. */
void viewstate_wheel(struct viewstate *vs, int x, bool up);

/* Replay: moves the playback clock by elapsed_ns of wall time at the
 * view's speed, stopping before a predict question or at the end. Returns
 * whether the clock moved or stopped. */
bool viewstate_play(struct viewstate *vs, uint64_t elapsed_ns);

/* Keeps the focused lane among the rows shown (scrolling the lanes). */
void viewstate_reveal_focus(struct viewstate *vs);

/* Many lanes (viewgroups.c). P: thread lanes grouped by process, or not,
 * the focus staying on its thread (or its process's header). */
void viewstate_toggle_group(struct viewstate *vs);

/* f: folds the focused lane's process into its header row, or opens it
 * (grouping the lanes first); the focus goes to the header. */
void viewstate_fold(struct viewstate *vs);

/* F: folds every process when any shown is open, else opens them all
 * (grouping the lanes first). */
void viewstate_fold_all(struct viewstate *vs);

/* b / B: the focus to the thread the filter shows that ran the most (b)
 * or was blocked the most (B, sleeps included) in the window, opening
 * its process and scrolling the lanes to it; a note names it. Returns its
 * thread index, or -1 when no thread lived in the window. */
long viewstate_jump(struct viewstate *vs, bool blocked);

/* u: the rows shared by several CPUs as busy strips or as their threads'
 * letters; a note when each CPU has a row of its own, or in the classroom
 * view (always letters). */
void viewstate_toggle_cpu_strip(struct viewstate *vs);

/* A replay's file is all read (v.reading ends): the cursor, the
 * playback clock and the window are brought back within the timeline. */
void viewstate_read_all(struct viewstate *vs);

/* Live: tracing ended; a following view pauses at the end, and outside the
 * classroom view zooms out so that the whole run fits the width. */
void viewstate_end_tracing(struct viewstate *vs);

#endif
