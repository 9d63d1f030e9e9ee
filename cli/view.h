/* The interactive views' shared parts: the viewer (the screen, the grid,
 * the view state, the prompt and the message lines), what input does to it
 * (view_input.c), drawing, and the classroom lesson cards. The commands are
 * view_replay.c and view_live.c; both are thin loops over one poll()
 * (evloop.h) whose handlers return what changed. */
#ifndef CONCTOP_VIEW_H
#define CONCTOP_VIEW_H

#include <stdbool.h>
#include "evloop.h"
#include "grid.h"
#include "lessons.h"
#include "screen.h"
#include "viewstate.h"

#define VIEW_PROMPT_MAX 128
#define VIEW_FRAME_NS (33ull * 1000 * 1000)  /* a moving view redraws this often */

struct output_log;
struct spans;
struct contention;
struct critpath;
struct event;

/* What the views compute to say why a thread is slow (view_why.c): the
 * thread history, and the contention table and the critical path of the
 * window shown, with what they were computed for. */
struct view_why_read {
	struct spans *s;               /* a window's history read from the file, or NULL */
	uint64_t kept, read_to;        /* from when it has every wait, and up to when */
	uint64_t began;                /* where its reading began: a checkpoint's instant, or 0 */
	uint64_t asked_from, asked_to; /* the window it was read for */
	bool failed;                   /* that read failed (not tried again for the same window) */
};

struct view_why {
	struct spans *s;               /* live: the history fed every event, or NULL */
	struct timeline *tl;           /* live: the timeline s follows (timeline_listen), until it ends */
	struct view_why_read past;     /* replay, and live before what s keeps: read from the file */
	const struct spans *shown;     /* s or past.s: what the window's figures come from */
	const char *file;              /* replay: the trace to read it from (live: NULL) */
	uint64_t cap;                  /* replay: the bytes a read may hold (a quarter of --memory; 0: no cap) */
	struct view_history *hist;     /* the file, the checkpoints a read starts from, the pump */
	uint64_t kept;                 /* live under a cap: s has every wait from here (its last trim) */
	bool ended;                    /* live: tracing is over, s is complete */
	struct contention *c;
	struct critpath *p;
	uint64_t c_key[4], p_key[4];   /* from, to, thread, events they were computed for */
	uint64_t c_at, p_at;           /* and when */
	char title[160];               /* the overlay's */
	char note[256];                /* why there is no history (s given up; replay: unreadable) */
	char read_note[256];           /* why a read of the past failed, or stopped */
	char path_note[160];           /* why there is no path */
};

/* One interactive session on the screen. */
struct viewer {
	struct screen *scr;
	struct grid *grid;
	struct viewstate vs;
	bool light;                    /* --theme light */
	int prompt;                    /* 0, 'g' (go to a time) or '/' (filter) */
	char input[VIEW_PROMPT_MAX];
	char status[256];              /* stays until replaced */
	char busy[320];                /* a long task under way (live: reading the past back), said over the rest */
	char message[VIEW_PROMPT_MAX + 400]; /* (holds a status and a note) */
	struct output_log *out;        /* live: the program's output, or NULL */
	bool show_output;
	bool class_output;             /* the classroom view shows the output too (after the run) */
	bool quit;
	uint64_t input_at;             /* when the last key, click or resize came (evloop_now) */
	int quit_signal;               /* quit because of this signal */
	bool tracing;                  /* live, while the program runs: the first Ctrl-C
					* (the key, or SIGINT) stops it and the view stays */
	int stop_signal;               /* SIGINT once that first Ctrl-C came, 0: none */
	struct view_why why;           /* keys w and y */
};

/* Refuses to start a view without a terminal. Returns 0 or prints why and
 * returns 1. */
int view_need_terminal(const char *cmd);

/* What both views' options set: --mono, --classroom, --theme. */
struct view_opts {
	bool mono, classroom, light;
};

/* Those options' entries in a command's table of long options (needs
 * getopt.h; 'C' is the live view's --calls). */
#define VIEW_LONGOPTS                                                                          \
	{ "mono", no_argument, NULL, 'M' }, { "classroom", no_argument, NULL, 'K' },           \
	{ "theme", required_argument, NULL, 't' }

/* Takes one of VIEW_LONGOPTS with getopt's arg. Returns 0 when taken, -1
 * when opt is none of them, or 2 after a usage error. */
int view_option(const char *cmd, int opt, const char *arg, struct view_opts *o);

/* Opens the screen for w (stop signals must be installed: stopsig.h).
 * Returns 0, or prints why and returns 1. */
int view_open(struct viewer *w, bool mono);

/* Closes the screen and frees the grid (messages may follow). */
void view_close(struct viewer *w);

/* The classroom scale from the command line, and the classroom view
 * itself when asked (after view_open). */
void view_start_classroom(struct viewer *w, bool classroom, const char *command);

/* Renders the view into a grid the size of the terminal and shows it.
 * Returns 0 or -errno. */
int view_draw(struct viewer *w);

/* Handles every key, click and resize waiting on the terminal. Returns
 * EVLOOP_REDRAW and EVLOOP_QUIT as they apply. */
unsigned view_read_input(struct viewer *w);

/* Whether a key (or a stop signal) waits to be read, without reading it:
 * a long read back of the past stops for it. */
bool view_input_waiting(const struct viewer *w);

/* evloop handlers of the terminal (ctx: the viewer) and of the stop-signal
 * pipe (a stop signal quits the view; while tracing, a first SIGINT sets
 * stop_signal instead and returns EVLOOP_REDRAW). */
unsigned view_on_terminal(void *ctx, int fd, short revents);
unsigned view_on_stop_signal(void *ctx, int fd, short revents);

/* The program's output for the output panel (view_output.c). */
int view_output_new(struct output_log **out);
void view_output_free(struct output_log *o);
/* Reads what the program wrote since the last call; returns whether a
 * line changed. Sets *eof at the end. */
bool view_output_read(struct output_log *o, int fd, bool *eof);
/* Points the view's output panel at the lines. */
void view_output_show(struct output_log *o, struct view *v);

/* Keys w and y (view_why.c). Live: view_why_live makes a history that
 * follows the live timeline's own model (timeline_listen: no second model
 * of every thread; given up, said in the overlay, when the timeline stops
 * handing it changes, out of memory) and finished when tracing ends
 * (view_why_end); the timeline outlives it (freed
 * after view_why_free). Under a cap, for a window before what it keeps,
 * a history of that window read back from the file (an eighth of the
 * cap); replay: view_why_replay names the file it is read from when first
 * needed, and the bytes it may hold (0: no cap; under one, it is read for
 * the window shown). A read starts at the latest of hist's checkpoints
 * before the window when there is one (view_history_read_waits), in
 * view_why_prepare, which the views call before they pick the window of a
 * frame (view_history_pick), so that what the read's progress frames did
 * to the view is set right by that pick. view_why_sync, before each frame, points the view at
 * the contention and the path of its window (computed when stale).
 * view_why_live returns 0 or -errno. */
struct timeline;
struct view_history;
int view_why_live(struct view_why *y, struct timeline *tl, struct view_history *hist);
void view_why_replay(struct view_why *y, const char *file, uint64_t cap, struct view_history *hist);
void view_why_end(struct view_why *y, uint64_t end);
void view_why_prepare(struct viewer *w);
void view_why_sync(struct viewer *w, uint64_t now);
void view_why_free(struct view_why *y);
/* Live, under a memory cap (view_history.h): forgets the waits that ended
 * before t; the bytes the history fed every event holds, and those of a
 * window's read from the file. */
void view_why_trim(struct view_why *y, uint64_t t);
size_t view_why_memory(const struct view_why *y);
size_t view_why_past_memory(const struct view_why *y);

/* A classroom run of a scenario starts with its lesson card (what to
 * watch, the question to ask; Enter starts, q and Enter leave: false) and
 * ends with its take-away. */
bool view_card_start(const struct lesson_card *card);
void view_card_end(const struct lesson_card *card);

#endif
