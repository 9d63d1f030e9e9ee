/* The interactive views: `conctop replay FILE` (a playback clock moves the
 * view over a recorded trace) and the live view (`conctop`, `conctop run
 * SCENARIO`, `conctop -- CMD`, `conctop -p PID`: the view follows the end of
 * a timeline the tracer grows). One thread each: read keys, move the view,
 * render into a grid the size of the terminal, blit what changed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "grid.h"
#include "lessons.h"
#include "render.h"
#include "screen.h"
#include "session.h"
#include "timeline.h"
#include "trace.h"
#include "tracer.h"

#define NONE UINT64_MAX
#define FRAME_MS 33                  /* replay: a frame every ~30 ms */
#define IDLE_MS 200                  /* replay paused: nothing moves by itself */
#define LIVE_POLL_MS 25              /* live: drain the tracer this often */
#define LIVE_LAG_NS (30ull * 1000000) /* the tracer delivers events this late at most */
#define LIVE_NS_PER_COL (10ull * 1000000)
#define FLUSH_EVERY_NS (1000ull * 1000000)
#define MIN_NS_PER_COL 100ull
#define SPEED_MIN 0.01
#define SPEED_MAX 100.0
#define KEYS_PER_FRAME 64
#define PROMPT_MAX 128
#define OUT_LINES 200                /* program output lines kept */
#define OUT_LINE_MAX 256
#define DEFAULT_SCENARIO "prodcons"

/* The traced program's output, as lines for the output panel. */
struct output_log {
	char lines[OUT_LINES][OUT_LINE_MAX];
	const char *ptrs[OUT_LINES + 1];
	size_t head, count;            /* ring of complete lines */
	char part[OUT_LINE_MAX];       /* the line being written */
	size_t part_len;
	int esc;                       /* 0, 1 after ESC, 2 inside ESC [ ... */
	bool cr;                       /* a carriage return came last */
	bool eof;
};

/* One interactive session on the screen. */
struct viewer {
	struct screen *scr;
	struct grid *grid;
	const struct theme *theme;
	struct timeline *tl;
	struct view v;
	bool live;
	bool ended;                    /* live: tracing is over */
	bool quit;
	int quit_signal;               /* quit because of this signal */
	uint64_t play;                 /* replay: the playback clock */
	uint64_t min_npc;
	int width, height;
	int prompt;                    /* 0, 'g' (go to a time) or '/' (filter) */
	char input[PROMPT_MAX];
	char filter[PROMPT_MAX];
	char note[256];                /* until the next key */
	char status[256];              /* stays */
	char message[PROMPT_MAX + 300];
	struct output_log *out;
	bool show_output;
	/* the classroom view */
	bool light;                    /* --theme light */
	uint64_t class_npc;            /* its fixed scale */
	uint64_t plain_npc;            /* the scale to go back to */
	uint64_t predict_after;        /* predict: entries up to this time were asked about */
	uint64_t predict_at;           /* the entry asked about */
	char question[256];
	char answer[200];
};

/* Seconds on the monotonic clock. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- view arithmetic ---- */

/* Lane columns on this terminal. */
static uint64_t lane_cols(const struct viewer *w)
{
	int n = render_view_lane_columns(&w->v, w->width);

	return n > 0 ? (uint64_t)n : 1;
}

/* The time the lanes span. */
static uint64_t window_ns(const struct viewer *w)
{
	return lane_cols(w) * w->v.ns_per_col;
}

/* The first screen column of the lanes. */
static int lane_x(const struct viewer *w)
{
	return render_view_lane_x(&w->v);
}

/* Thread lanes shown (rows, or lanes of two rows in the classroom view)
 * and the screen row of the first, as render_screen lays them out. */
static int thread_rows(const struct viewer *w, int *first_row)
{
	int rows = render_thread_rows(w->tl, &w->v, w->width, w->height, first_row);

	if (rows <= 0 && first_row)
		*first_row = 3;
	return rows > 1 ? rows : 1;
}

/* The smallest of 1, 2, 5 x 10^k that is at least v. */
static uint64_t nice_up(uint64_t v)
{
	uint64_t p = 1;

	for (;;) {
		if (v <= p)
			return p;
		if (v <= 2 * p)
			return 2 * p;
		if (v <= 5 * p)
			return 5 * p;
		if (p > UINT64_MAX / 100)
			return p * 10;
		p *= 10;
	}
}

/* The 1-2-5 step after n (out) or before it (in; 1 at least). */
static uint64_t zoom_step(uint64_t n, bool out)
{
	static const uint64_t m[3] = { 1, 2, 5 };
	uint64_t p = 1, best = 1;
	int i;

	if (out)
		return n < UINT64_MAX / 10 ? nice_up(n + 1) : n;
	for (;;) {
		for (i = 0; i < 3; i++) {
			if (m[i] * p >= n)
				return best;
			best = m[i] * p;
		}
		if (p > UINT64_MAX / 100)
			return best;
		p *= 10;
	}
}

/* The largest zoom: the whole timeline (at least a second) in the lanes. */
static uint64_t max_npc(const struct viewer *w)
{
	uint64_t end = timeline_end(w->tl), span = end > 1000000000ull ? end : 1000000000ull;

	return nice_up((span + lane_cols(w) - 1) / lane_cols(w));
}

/* Keeps t0 on a column boundary and within [0, the end]. */
static void clamp_t0(struct viewer *w)
{
	uint64_t npc = w->v.ns_per_col, win = window_ns(w), end = timeline_end(w->tl);
	uint64_t last = (end + npc - 1) / npc * npc;
	uint64_t max = last > win ? last - win : 0;

	if (w->v.t0 > max)
		w->v.t0 = max;
	w->v.t0 = w->v.t0 / npc * npc;
}

/* Puts t0 so that instant head lies in the last lane column. */
static void show_head(struct viewer *w, uint64_t head)
{
	uint64_t npc = w->v.ns_per_col, win = window_ns(w);
	uint64_t right = (head / npc + 1) * npc;

	if (w->v.classroom) {
		/* page jumps: the window holding head, on a whole window */
		w->v.t0 = head / win * win;
		return;
	}
	w->v.t0 = right > win ? right - win : 0;
}

/* Whether the view follows the clock (live and not paused, or replay
 * playing). */
static bool following(const struct viewer *w)
{
	return w->live ? w->v.mode == VIEW_LIVE : w->v.playing;
}

/* The instant the view follows: the playback clock or the live end. */
static uint64_t head_time(const struct viewer *w)
{
	uint64_t end = timeline_end(w->tl);

	if (w->live)
		return end > 0 ? end - 1 : 0;
	return w->play;
}

/* Makes the cursor visible: centres the view on it when it is outside. */
static void reveal_cursor(struct viewer *w)
{
	uint64_t win = window_ns(w);

	if (w->v.cursor == NONE)
		return;
	if (w->v.classroom && (w->v.cursor < w->v.t0 || w->v.cursor >= w->v.t0 + win))
		w->v.t0 = w->v.cursor / win * win; /* page jumps */
	else if (w->v.cursor < w->v.t0 || w->v.cursor >= w->v.t0 + win)
		w->v.t0 = w->v.cursor > win / 2 ? w->v.cursor - win / 2 : 0;
	clamp_t0(w);
}

/* Stops following: live becomes PAUSED, replay stops playing; the cursor
 * marks where it stopped. */
static void stop_following(struct viewer *w)
{
	if (!following(w))
		return;
	if (w->v.cursor == NONE)
		w->v.cursor = head_time(w);
	if (w->live)
		w->v.mode = VIEW_PAUSED;
	else
		w->v.playing = false;
}

/* Follows again: live follows the end; replay plays from the cursor. */
static void start_following(struct viewer *w)
{
	if (w->live) {
		if (w->ended) {
			snprintf(w->note, sizeof(w->note), "tracing has ended: the view stays paused");
			return;
		}
		w->v.mode = VIEW_LIVE;
		w->v.cursor = NONE;
		return;
	}
	if (w->v.cursor != NONE)
		w->play = w->v.cursor;
	if (w->play >= timeline_end(w->tl))
		w->play = 0; /* at the end: play it again */
	w->v.playing = true;
}

/* Zooms by one step, keeping instant anchor at the same column. */
static void zoom(struct viewer *w, bool out, uint64_t anchor)
{
	uint64_t old = w->v.ns_per_col, npc = zoom_step(old, out), max = max_npc(w);
	uint64_t col;

	if (npc < w->min_npc)
		npc = w->min_npc;
	if (npc > max)
		npc = max > old ? max : old;
	if (npc == old) {
		snprintf(w->note, sizeof(w->note), out ? "zoomed out all the way" : "zoomed in all the way");
		return;
	}
	if (anchor == NONE || anchor < w->v.t0 || anchor >= w->v.t0 + window_ns(w))
		anchor = w->v.t0 + window_ns(w) / 2;
	col = (anchor - w->v.t0) / old;
	w->v.ns_per_col = npc;
	w->v.t0 = anchor > col * npc ? anchor - col * npc : 0;
	clamp_t0(w);
}

/* Moves the view by delta ns (negative: back in time). */
static void scroll(struct viewer *w, int64_t delta)
{
	uint64_t t0 = w->v.t0;

	if (!w->live && w->v.playing) {
		/* replay playing: a seek */
		uint64_t end = timeline_end(w->tl);

		if (delta < 0)
			w->play = w->play > (uint64_t)-delta ? w->play - (uint64_t)-delta : 0;
		else
			w->play = w->play + (uint64_t)delta < end ? w->play + (uint64_t)delta : end;
		w->v.cursor = w->play;
		return;
	}
	stop_following(w);
	if (delta < 0)
		w->v.t0 = t0 > (uint64_t)-delta ? t0 - (uint64_t)-delta : 0;
	else
		w->v.t0 = t0 + (uint64_t)delta;
	clamp_t0(w);
}

/* Places the cursor at instant t (pausing), and shows it. */
static void place_cursor(struct viewer *w, uint64_t t)
{
	uint64_t end = timeline_end(w->tl);

	stop_following(w);
	if (end && t >= end)
		t = end - 1;
	w->v.cursor = t;
	if (!w->live)
		w->play = t;
	reveal_cursor(w);
}

/* s / S: the cursor to the next or previous scheduling event. */
static void step(struct viewer *w, bool back)
{
	uint64_t from, ts;
	int e;

	stop_following(w);
	from = w->v.cursor != NONE ? w->v.cursor : head_time(w);
	e = back ? timeline_prev_event(w->tl, from, &ts) : timeline_next_event(w->tl, from, &ts);
	if (e) {
		snprintf(w->note, sizeof(w->note), back ? "no earlier scheduling event" : "no later scheduling event");
		return;
	}
	place_cursor(w, ts);
}

/* The event-log entry nearest t: the first strictly after t (forward), or
 * the last strictly before it. */
static bool log_near(const struct timeline *tl, uint64_t t, bool forward, struct tl_log_entry *e)
{
	uint64_t i;

	if (!forward) {
		i = timeline_log_index(tl, t);
		return i > 0 && timeline_log_read(tl, i - 1, e, 1) == 1;
	}
	return t < UINT64_MAX && timeline_log_read(tl, timeline_log_index(tl, t + 1), e, 1) == 1;
}

/* n / N: the cursor to the next or previous event-log entry (a block, a
 * wakeup, a marker, a deadlock, a note). */
static void step_log(struct viewer *w, bool back)
{
	struct tl_log_entry e;
	uint64_t from;

	stop_following(w);
	from = w->v.cursor != NONE ? w->v.cursor : head_time(w);
	if (!log_near(w->tl, from, !back, &e)) {
		snprintf(w->note, sizeof(w->note), back ? "no earlier event in the log" : "no later event in the log");
		return;
	}
	place_cursor(w, e.ts);
}

/* The question to ask before entry e, or false when e is not one to
 * predict: a wakeup (who runs next?) or a block on a lock (who gets it?). */
static bool predict_question(const struct viewer *w, const struct tl_log_entry *e, char *buf, size_t len)
{
	struct tl_at at;

	if (e->kind == TL_LOG_WAKEUP) {
		snprintf(buf, len, "PREDICT: Which thread runs next? (space reveals)");
		return true;
	}
	if (e->kind != TL_LOG_BLOCK)
		return false;
	timeline_thread_at(w->tl, e->thread, e->ts, &at);
	if (at.state != TL_BLOCKED_MUTEX && at.state != TL_BLOCKED_RWLOCK)
		return false;
	snprintf(buf, len, "PREDICT: Who gets the %s %s? (space reveals)",
		 at.state == TL_BLOCKED_MUTEX ? "mutex" : "rwlock", e->text);
	return true;
}

/* Predict-then-reveal: while the playback clock moves from w->play to
 * target, stops just before the first wakeup or lock handover and asks.
 * Returns true when it stopped. */
static bool predict_stop(struct viewer *w, uint64_t target)
{
	struct tl_log_entry e;
	uint64_t from = w->play > w->predict_after ? w->play : w->predict_after;
	int guard = 100000;

	if (w->predict_after && w->play + 1 < w->predict_after) { /* went back: ask again */
		w->predict_after = 0;
		from = w->play;
	}
	while (guard-- > 0 && log_near(w->tl, from, true, &e) && e.ts <= target) {
		from = e.ts;
		if (!predict_question(w, &e, w->question, sizeof(w->question)))
			continue;
		render_log_words(w->tl, &e, w->theme->ascii, w->answer, sizeof(w->answer));
		w->predict_at = e.ts;
		w->play = e.ts > 0 ? e.ts - 1 : 0;
		w->v.playing = false;
		w->v.cursor = w->play;
		w->v.question = w->question;
		return true;
	}
	return false;
}

/* Space while a question is asked: the answer, and play on. */
static void predict_reveal(struct viewer *w)
{
	snprintf(w->note, sizeof(w->note), "ANSWER: %s", w->answer);
	w->predict_after = w->predict_at;
	w->v.question = NULL;
	w->question[0] = '\0';
	w->v.playing = true;
	w->play = w->v.cursor != NONE ? w->v.cursor : w->play;
}

static void reveal_focus(struct viewer *w);

/* c: the classroom view on or off (its theme and its fixed scale). */
static void toggle_classroom(struct viewer *w)
{
	uint64_t anchor = following(w) ? head_time(w) : w->v.cursor;

	w->v.classroom = !w->v.classroom;
	screen_set_classroom(w->scr, w->v.classroom, w->light);
	if (w->v.classroom) {
		w->plain_npc = w->v.ns_per_col;
		w->v.ns_per_col = w->class_npc ? w->class_npc : w->v.ns_per_col;
	} else if (w->plain_npc) {
		w->v.ns_per_col = w->plain_npc;
	}
	if (anchor != NONE)
		w->v.t0 = anchor > window_ns(w) / 2 ? anchor - window_ns(w) / 2 : 0;
	if (w->v.classroom && anchor != NONE)
		w->v.t0 = anchor / window_ns(w) * window_ns(w);
	clamp_t0(w);
	reveal_focus(w);
	snprintf(w->note, sizeof(w->note), w->v.classroom ? "classroom view: c goes back" : "classroom view off");
}

/* The time at screen column x, or NONE outside the lanes. */
static uint64_t time_at_x(const struct viewer *w, int x)
{
	int col = x - lane_x(w);

	if (col < 0 || (uint64_t)col >= lane_cols(w))
		return NONE;
	return w->v.t0 + (uint64_t)col * w->v.ns_per_col + w->v.ns_per_col / 2;
}

/* Keeps the focused lane among the rows shown. */
static void reveal_focus(struct viewer *w)
{
	size_t rows = (size_t)thread_rows(w, NULL);

	if (w->v.classroom) { /* whole pages of lanes */
		w->v.first_lane = w->v.focus / rows * rows;
		return;
	}

	if (w->v.focus < w->v.first_lane)
		w->v.first_lane = w->v.focus;
	else if (w->v.focus >= w->v.first_lane + rows)
		w->v.first_lane = w->v.focus - rows + 1;
}

/* Number of thread lanes the filter lets through. */
static size_t visible_lanes(const struct viewer *w)
{
	return render_visible_threads(w->tl, w->v.filter, NULL, 0);
}

/* Moves the focus by delta lanes, wrapping. */
static void move_focus(struct viewer *w, int delta)
{
	size_t n = visible_lanes(w);

	if (n == 0)
		return;
	if (w->v.focus >= n)
		w->v.focus = n - 1;
	if (delta > 0)
		w->v.focus = (w->v.focus + 1) % n;
	else
		w->v.focus = (w->v.focus + n - 1) % n;
	reveal_focus(w);
}

/* ---- prompts ---- */

/* Appends code point cp to the prompt's input as UTF-8. */
static void input_add(struct viewer *w, uint32_t cp)
{
	size_t n = strlen(w->input);
	char b[4];
	int len;

	if (cp < 0x80) {
		b[0] = (char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	if (n + (size_t)len >= sizeof(w->input))
		return;
	memcpy(w->input + n, b, (size_t)len);
	w->input[n + (size_t)len] = '\0';
}

/* Removes the prompt input's last character. */
static void input_backspace(struct viewer *w)
{
	size_t n = strlen(w->input);

	while (n > 0 && ((unsigned char)w->input[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	w->input[n] = '\0';
}

/* Applies what was typed at the prompt. */
static void prompt_apply(struct viewer *w)
{
	uint64_t t;

	if (w->prompt == '/') {
		snprintf(w->filter, sizeof(w->filter), "%s", w->input);
		w->v.filter = w->filter[0] ? w->filter : NULL;
		w->v.first_lane = 0;
		w->v.focus = 0;
		if (w->filter[0] && visible_lanes(w) == 0)
			snprintf(w->note, sizeof(w->note), "no thread name contains '%s'", w->filter);
	} else if (w->prompt == 'g' && w->input[0]) {
		if (cli_parse_time(w->input, &t))
			snprintf(w->note, sizeof(w->note), "'%s' is not a time (try 1.5s, 250ms, 40us)", w->input);
		else if (t > timeline_end(w->tl))
			snprintf(w->note, sizeof(w->note), "%s is after the end of the timeline", w->input);
		else
			place_cursor(w, t);
	}
	w->prompt = 0;
}

/* A key while a prompt is open. */
static void prompt_key(struct viewer *w, uint32_t key)
{
	switch (key) {
	case SCREEN_KEY_ENTER:
		prompt_apply(w);
		break;
	case SCREEN_KEY_ESC:
		w->prompt = 0;
		break;
	case SCREEN_KEY_BACKSPACE:
	case SCREEN_KEY_DELETE:
		input_backspace(w);
		break;
	default:
		if (key >= 0x20 && key < 0x110000 && key != 0x7f)
			input_add(w, key);
	}
}

/* Opens a prompt. */
static void prompt_open(struct viewer *w, int kind)
{
	w->prompt = kind;
	if (kind == '/')
		snprintf(w->input, sizeof(w->input), "%s", w->filter);
	else
		w->input[0] = '\0';
}

/* ---- keys ---- */

/* Handles one key. */
static void on_key(struct viewer *w, uint32_t key)
{
	uint64_t win = window_ns(w), cols = lane_cols(w);
	uint64_t little = (cols / 8 ? cols / 8 : 1) * w->v.ns_per_col;

	w->note[0] = '\0';
	if (key == SCREEN_CTRL('c')) {
		w->quit = true;
		return;
	}
	if (w->prompt) {
		prompt_key(w, key);
		return;
	}
	switch (key) {
	case 'q':
	case 'Q':
		w->quit = true;
		break;
	case ' ':
		if (w->v.question)
			predict_reveal(w);
		else if (following(w))
			stop_following(w);
		else
			start_following(w);
		break;
	case SCREEN_KEY_LEFT:
		scroll(w, -(int64_t)(w->v.classroom ? win : little)); /* classroom: page jumps */
		break;
	case SCREEN_KEY_RIGHT:
		scroll(w, (int64_t)(w->v.classroom ? win : little));
		break;
	case SCREEN_KEY_SLEFT:
		scroll(w, -(int64_t)w->v.ns_per_col);
		break;
	case SCREEN_KEY_SRIGHT:
		scroll(w, (int64_t)w->v.ns_per_col);
		break;
	case SCREEN_KEY_PGUP:
		scroll(w, -(int64_t)win);
		break;
	case SCREEN_KEY_PGDN:
		scroll(w, (int64_t)win);
		break;
	case SCREEN_KEY_HOME:
		if (!w->live && w->v.playing) {
			w->play = 0;
		} else {
			place_cursor(w, 0);
			w->v.t0 = 0;
		}
		break;
	case SCREEN_KEY_END:
		if (w->live && !w->ended) {
			start_following(w);
		} else if (!w->live && w->v.playing) {
			w->play = timeline_end(w->tl);
		} else {
			place_cursor(w, timeline_end(w->tl));
			w->v.t0 = UINT64_MAX;
			clamp_t0(w);
		}
		break;
	case '+':
	case '=':
		zoom(w, false, following(w) ? head_time(w) : w->v.cursor);
		break;
	case '-':
	case '_':
		zoom(w, true, following(w) ? head_time(w) : w->v.cursor);
		break;
	case '<':
	case ',':
	case '>':
	case '.':
		if (w->live) {
			snprintf(w->note, sizeof(w->note), "speed is for replay: live runs at the program's pace");
			break;
		}
		w->v.speed = (key == '<' || key == ',') ? w->v.speed / 2 : w->v.speed * 2;
		if (w->v.speed < SPEED_MIN)
			w->v.speed = SPEED_MIN;
		if (w->v.speed > SPEED_MAX)
			w->v.speed = SPEED_MAX;
		snprintf(w->note, sizeof(w->note), "speed %gx", w->v.speed);
		break;
	case 's':
		step(w, false);
		break;
	case 'S':
		step(w, true);
		break;
	case 'n':
		step_log(w, false);
		break;
	case 'N':
		step_log(w, true);
		break;
	case 'c':
		toggle_classroom(w);
		break;
	case 'p':
		if (w->live) {
			snprintf(w->note, sizeof(w->note), "predict-then-reveal is for replay");
			break;
		}
		w->v.predict = !w->v.predict;
		if (!w->v.predict) {
			w->v.question = NULL;
			w->question[0] = '\0';
		}
		snprintf(w->note, sizeof(w->note), w->v.predict ? "predict: replay stops before each wakeup and handover"
								 : "predict off");
		break;
	case 'g':
		prompt_open(w, 'g');
		break;
	case '/':
		prompt_open(w, '/');
		break;
	case SCREEN_KEY_TAB:
	case SCREEN_KEY_DOWN:
		move_focus(w, 1);
		break;
	case SCREEN_KEY_BTAB:
	case SCREEN_KEY_UP:
		move_focus(w, -1);
		break;
	case SCREEN_KEY_ENTER:
	case 'i':
		w->v.inspect = !w->v.inspect;
		reveal_focus(w);
		break;
	case 'o':
		if (w->out) {
			w->show_output = !w->show_output;
			snprintf(w->note, sizeof(w->note), w->show_output ? "the panel shows the program's output"
									  : "the panel shows the events");
		}
		break;
	case '?':
	case SCREEN_KEY_F1:
		w->v.help = !w->v.help;
		break;
	case SCREEN_KEY_ESC:
		if (w->v.help)
			w->v.help = false;
		else if (w->v.inspect)
			w->v.inspect = false;
		else if (w->v.filter) {
			w->filter[0] = '\0';
			w->v.filter = NULL;
		}
		break;
	case 'l' & 0x1f: /* Ctrl-L: repaint */
		screen_invalidate(w->scr);
		break;
	}
}

/* Handles a mouse event: a click places the cursor (or focuses a lane),
 * the wheel zooms around the pointer. */
static void on_mouse(struct viewer *w, const struct screen_event *ev)
{
	uint64_t t = time_at_x(w, ev->x);
	int first_row, rows = thread_rows(w, &first_row);

	w->note[0] = '\0';
	if (ev->button == SCREEN_WHEEL_UP || ev->button == SCREEN_WHEEL_DOWN) {
		if (t == NONE)
			t = following(w) ? head_time(w) : w->v.cursor;
		zoom(w, ev->button == SCREEN_WHEEL_DOWN, t);
		return;
	}
	if (w->v.classroom)
		rows *= 2; /* two rows a lane */
	if (ev->y >= first_row && ev->y < first_row + rows) {
		size_t lane = w->v.first_lane + (size_t)(ev->y - first_row) / (w->v.classroom ? 2 : 1);

		if (lane < visible_lanes(w))
			w->v.focus = lane;
	}
	if (t != NONE && t < timeline_end(w->tl))
		place_cursor(w, t);
}

/* Handles one screen event. */
static void on_event(struct viewer *w, const struct screen_event *ev)
{
	switch (ev->kind) {
	case SCREEN_EV_KEY:
		on_key(w, ev->key);
		break;
	case SCREEN_EV_MOUSE:
		on_mouse(w, ev);
		break;
	case SCREEN_EV_RESIZE:
		screen_invalidate(w->scr);
		break;
	case SCREEN_EV_SIGNAL:
		w->quit = true;
		w->quit_signal = ev->signal;
		break;
	}
}

/* Reads the events that came, waiting up to timeout_ms for the first. */
static void read_events(struct viewer *w, int timeout_ms)
{
	struct screen_event ev;
	int i;

	for (i = 0; i < KEYS_PER_FRAME && !w->quit; i++) {
		if (screen_read(w->scr, i ? 0 : timeout_ms, &ev) <= 0)
			break;
		on_event(w, &ev);
	}
}

/* ---- drawing ---- */

/* Renders the view into a grid the size of the terminal and blits it. */
static int draw(struct viewer *w)
{
	int width, height;

	screen_size(w->scr, &width, &height);
	if (!w->grid || width != w->width || height != w->height) {
		grid_free(w->grid);
		w->grid = grid_new(width > 0 ? width : 1, height > 0 ? height : 1);
		if (!w->grid)
			return -ENOMEM;
		w->width = width;
		w->height = height;
		clamp_t0(w);
		reveal_focus(w);
	}
	if (following(w)) {
		uint64_t head = head_time(w);

		show_head(w, head);
		if (!w->live)
			w->v.cursor = head; /* the playhead */
		else if (w->v.inspect)
			w->v.cursor = head;
		else
			w->v.cursor = NONE;
	}
	if (w->prompt)
		snprintf(w->message, sizeof(w->message), "%s%s_",
			 w->prompt == 'g' ? "go to time (1.5s, 250ms, 40us; Enter goes, Esc cancels): "
					  : "filter threads by name (Enter applies, empty shows all, Esc cancels): ",
			 w->input);
	else if (w->note[0])
		snprintf(w->message, sizeof(w->message), "%s", w->note);
	else
		snprintf(w->message, sizeof(w->message), "%s", w->status);
	w->v.message = w->message[0] ? w->message : NULL;
	if (w->out && w->show_output) {
		struct output_log *o = w->out;
		size_t i, n = 0;

		for (i = 0; i < o->count; i++)
			o->ptrs[n++] = o->lines[(o->head + OUT_LINES - o->count + i) % OUT_LINES];
		if (o->part_len) { /* the line being written, last */
			o->part[o->part_len] = '\0';
			o->ptrs[n++] = o->part;
		}
		w->v.output = o->ptrs;
		w->v.output_lines = n;
	} else {
		w->v.output = NULL;
		w->v.output_lines = 0;
	}
	render_screen(w->grid, w->tl, &w->v, w->theme); /* -ERANGE: says "too small" */
	return screen_draw(w->scr, w->grid);
}

/* ---- the classroom scale ---- */

/* The scenario's pace in ms from its command line ("prodcons --pace 50"),
 * or 0 when it has none. */
static unsigned long pace_ms(const char *command)
{
	const char *p = command ? strstr(command, "--pace") : NULL;
	unsigned long v;
	char *end;

	if (!p)
		return 0;
	p += strlen("--pace");
	if (*p == '=' || *p == ' ')
		p++;
	v = strtoul(p, &end, 10);
	return end != p && v > 0 && v <= 60000 ? v : 0;
}

/* The classroom view's fixed scale: a tenth of the scenario's pace per
 * column (--pace 50: 1 column = 5 ms); without a pace, from the trace:
 * the time the program's threads (all but the first) were alive in about
 * four pages. */
static uint64_t classroom_npc(const struct viewer *w, const char *command)
{
	unsigned long pace = pace_ms(command);
	size_t n = timeline_thread_count(w->tl), i;
	uint64_t lo = UINT64_MAX, hi = 0, span, npc;

	if (pace)
		return nice_up((uint64_t)pace * 1000000ull / 10);
	for (i = n > 1 ? 1 : 0; i < n; i++) {
		const struct tl_thread *t = timeline_thread(w->tl, i);

		if (!t)
			continue;
		if (t->start_ns < lo)
			lo = t->start_ns;
		if (t->end_ns > hi)
			hi = t->end_ns;
	}
	span = hi > lo ? hi - lo : timeline_end(w->tl);
	npc = nice_up(span / (4 * lane_cols(w)) + 1);
	if (npc < 1000)
		npc = 1000;
	return npc;
}

/* Parses --theme's value into *light. Returns 0, or 2 after a usage error. */
static int parse_theme(const char *cmd, const char *arg, bool *light)
{
	if (strcmp(arg, "light") == 0)
		*light = true;
	else if (strcmp(arg, "dark") == 0)
		*light = false;
	else
		return cli_usage_error(cmd, "bad --theme '%s': light or dark", arg);
	return 0;
}

/* Starts in the classroom view when asked (after the screen is open and the
 * plain scale is set). */
static void start_classroom(struct viewer *w, bool classroom, const char *command)
{
	w->class_npc = classroom_npc(w, command);
	if (classroom)
		toggle_classroom(w);
	w->note[0] = '\0';
}

/* Refuses to start a screen without a terminal. Returns 0 or prints why and
 * returns 1. */
static int need_terminal(const char *cmd)
{
	if (isatty(STDOUT_FILENO))
		return 0;
	cli_error("%s needs a terminal: standard output is not one. For text, use "
		  "'conctop lanes FILE'%s.", cmd,
		  strcmp(cmd, "replay") ? "; to trace without a screen, 'conctop record'" : "");
	return 1;
}

/* Opens the screen for w. Returns 0, or prints why and returns 1. */
static int open_screen(struct viewer *w, bool mono)
{
	char err[256] = "";
	int e = screen_open(&w->scr, mono, err, sizeof(err));

	if (e) {
		cli_error("cannot set up the terminal: %s", err);
		return 1;
	}
	w->theme = screen_theme(w->scr);
	screen_size(w->scr, &w->width, &w->height);
	return 0;
}

/* Frees what the viewer holds (the screen first: messages come after). */
static void viewer_close(struct viewer *w)
{
	screen_close(w->scr);
	w->scr = NULL;
	grid_free(w->grid);
	w->grid = NULL;
}

/* ---- replay ---- */

/* Prints replay's help. */
static void replay_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop replay [OPTIONS] FILE\n"
		"\n"
		"Plays a recorded trace back in the terminal: per-thread and per-CPU lanes,\n"
		"at any speed, with pause, single steps and an inspect panel. Needs no\n"
		"privileges. The right edge of the lanes follows the playback clock.\n"
		"\n"
		"Options:\n"
		"  -s, --speed X     playback speed, 0.01 to 100 (default 1)\n"
		"      --paused      start paused at the beginning\n"
		"      --mono        no colours (also with NO_COLOR set)\n"
		"      --classroom   the classroom view: two-row lanes, big narration,\n"
		"                    a fixed labelled scale, page jumps (key c)\n"
		"      --theme T     classroom colours: dark (default) or light\n"
		"      --predict     stop before each wakeup or lock handover and ask\n"
		"                    who runs next; space reveals (key p)\n"
		"  -h, --help        this help\n"
		"\n"
		"Keys: space play/pause, < > speed, s S step, n N next/previous event,\n"
		"arrows scroll, + - zoom, Home End PgUp PgDn jump, g go to a time, /\n"
		"filter, Tab focus, Enter or i inspect, c classroom, p predict, mouse\n"
		"click cursor, wheel zoom, ? help, q quit (docs/keys.md).\n"
		"Exit status: 0, 1 when the file cannot be read, 2 on a usage error.\n");
}

/* Prints one text of a lesson card, indented, on f. */
static void card_text(FILE *f, const char *heading, const char *text)
{
	const char *p = text;

	fprintf(f, "%s\n", heading);
	while (*p) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "  %.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

/* A classroom run of a scenario starts with its lesson card: what to watch
 * and the question to ask, then waits for Enter (when there is a keyboard). */
static void card_start(const struct lesson_card *card)
{
	int c;

	if (!card)
		return;
	printf("\n%s: %s\n\n", card->name, card->title);
	card_text(stdout, "What to watch:", card->watch);
	card_text(stdout, "Ask the class first:", card->question);
	if (isatty(STDIN_FILENO)) {
		printf("\nPress Enter to start.");
		fflush(stdout);
		while ((c = getchar()) != EOF && c != '\n')
			;
	}
	fflush(stdout);
}

/* And ends with the card's take-away, once the screen is gone. */
static void card_end(const struct lesson_card *card)
{
	if (!card)
		return;
	printf("\n");
	card_text(stdout, "Take-away:", card->takeaway);
	fflush(stdout);
}

/* conctop replay. */
int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "paused", no_argument, NULL, 'P' },
		{ "mono", no_argument, NULL, 'M' },
		{ "classroom", no_argument, NULL, 'C' },
		{ "theme", required_argument, NULL, 't' },
		{ "predict", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct viewer w = { 0 };
	const char *path, *base;
	double speed = 1.0, last;
	bool mono = false, paused = false, classroom = false, predict = false;
	char command[1024] = "";
	char warn[512] = "";
	int opt, status;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 's':
			speed = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "x")) || !(speed >= SPEED_MIN && speed <= SPEED_MAX))
				return cli_usage_error("replay", "bad --speed '%s': from 0.01 to 100", optarg);
			break;
		case 'P':
			paused = true;
			break;
		case 'M':
			mono = true;
			break;
		case 'C':
			classroom = true;
			break;
		case 't':
			if (parse_theme("replay", optarg, &w.light))
				return 2;
			break;
		case 'R':
			predict = true;
			break;
		case 'h':
			replay_usage(stdout);
			return 0;
		default:
			if (optopt)
				return cli_usage_error("replay", "option -%c is unknown or needs a value", optopt);
			return cli_usage_error("replay", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("replay", "which trace file? (conctop record writes one)");
	if (optind + 1 < argc)
		return cli_usage_error("replay", "one trace file at a time, not '%s' too", argv[optind + 1]);
	path = argv[optind];
	if (need_terminal("replay"))
		return 1;
	status = cli_load_timeline(path, &w.tl, warn, sizeof(warn));
	if (status)
		return status;
	{ /* the command line, for the scenario's pace */
		struct trace_reader *r = NULL;

		if (trace_reader_new(&r, path) == 0 || r)
			snprintf(command, sizeof(command), "%s", trace_reader_info(r)->command);
		if (r)
			trace_reader_free(r);
	}

	base = strrchr(path, '/');
	w.v.mode = VIEW_REPLAY;
	w.v.target = base ? base + 1 : path;
	w.v.speed = speed;
	w.v.playing = !paused;
	w.v.cursor = paused ? 0 : NONE;
	w.min_npc = MIN_NS_PER_COL;
	snprintf(w.status, sizeof(w.status), "%s", warn);
	if (open_screen(&w, mono)) {
		timeline_free(w.tl);
		return 1;
	}
	{
		uint64_t end = timeline_end(w.tl), span = end < 1000000000ull ? end : 1000000000ull;

		w.v.ns_per_col = nice_up((span + lane_cols(&w) - 1) / lane_cols(&w));
		if (w.v.ns_per_col < 1000)
			w.v.ns_per_col = 1000;
	}
	w.v.predict = predict;
	start_classroom(&w, classroom, command);

	status = 0;
	last = now_s();
	while (!w.quit) {
		double t;

		if (draw(&w)) {
			viewer_close(&w);
			cli_error("cannot draw on the terminal");
			timeline_free(w.tl);
			return 1;
		}
		read_events(&w, w.v.playing ? FRAME_MS : IDLE_MS);
		t = now_s();
		if (w.v.playing && !w.quit) {
			uint64_t end = timeline_end(w.tl), target;
			double adv = (t - last) * w.v.speed * 1e9;

			target = (double)w.play + adv >= (double)end ? end : w.play + (uint64_t)adv;
			if (w.v.predict && predict_stop(&w, target))
				target = w.play; /* stopped before the question's event */
			w.play = target;
			if (w.v.playing && w.play >= end) {
				w.v.playing = false;
				w.v.cursor = end > 0 ? end - 1 : 0;
				snprintf(w.note, sizeof(w.note), "end of the trace: space plays it again, q quits");
			}
		}
		last = t;
	}
	viewer_close(&w);
	timeline_free(w.tl);
	if (w.quit_signal)
		status = 128 + w.quit_signal;
	return status;
}

/* ---- live ---- */

/* What the tracer callback feeds. */
struct live {
	struct timeline *tl;
	struct session_trace trace;
	const char *write_path;
	int write_error;
	int add_error;
};

/* Tracer callback: the event goes into the timeline, and the trace file. */
static int live_event(const struct event *ev, void *ctx)
{
	struct live *l = ctx;
	int e = timeline_add(l->tl, ev);

	if (e) {
		l->add_error = e;
		return e;
	}
	if (l->trace.writer && !l->write_error) {
		e = trace_writer_add(l->trace.writer, ev);
		if (e && e != -EINVAL)
			l->write_error = e;
	}
	return 0;
}

/* Ends the output line being written. */
static void output_newline(struct output_log *o)
{
	size_t n = o->part_len;

	/* never end a line inside a UTF-8 sequence */
	if (n > 0) {
		size_t k = n, lead;

		while (k > 0 && ((unsigned char)o->part[k - 1] & 0xc0) == 0x80 && n - k < 3)
			k--;
		if (k > 0 && ((unsigned char)o->part[k - 1] & 0x80)) {
			unsigned char c = (unsigned char)o->part[k - 1];

			lead = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (n - (k - 1) < lead)
				n = k - 1;
		}
	}
	memcpy(o->lines[o->head], o->part, n);
	o->lines[o->head][n] = '\0';
	o->head = (o->head + 1) % OUT_LINES;
	if (o->count < OUT_LINES)
		o->count++;
	o->part_len = 0;
}

/* Takes bytes of the program's output: lines, without control characters
 * and escape sequences (a carriage return starts the line again). */
static void output_take(struct output_log *o, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (o->esc == 1) {
			o->esc = c == '[' ? 2 : 0;
			continue;
		}
		if (o->esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				o->esc = 0;
			continue;
		}
		if (o->cr && c != '\n' && c != '\r')
			o->part_len = 0; /* a lone CR: the line is written again */
		o->cr = c == '\r';
		if (c == 0x1b) {
			o->esc = 1;
		} else if (c == '\n') {
			output_newline(o);
		} else if (c == '\r') {
			continue;
		} else if (c == '\t' || c >= 0x20) {
			if (c == 0x7f)
				continue;
			if (o->part_len + 1 < OUT_LINE_MAX)
				o->part[o->part_len++] = c == '\t' ? ' ' : (char)c;
		}
	}
}

/* Reads what the program wrote since the last call. */
static void output_read(struct output_log *o, int fd)
{
	char buf[4096];
	ssize_t n;
	int rounds = 64;

	if (fd < 0 || o->eof)
		return;
	while (rounds-- > 0) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			output_take(o, buf, (size_t)n);
			continue;
		}
		if (n == 0)
			o->eof = true;
		break;
	}
}

/* Prints the live view's help. */
static void live_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop [OPTIONS]                        the default scenario, prodcons\n"
		"       conctop [OPTIONS] run SCENARIO [ARGS]    a built-in scenario\n"
		"       conctop run [OPTIONS] SCENARIO [ARGS]\n"
		"       conctop [OPTIONS] -- COMMAND [ARGS]      any program\n"
		"       conctop [OPTIONS] -p PID                 a running process\n"
		"\n"
		"Shows live, in the terminal, how the scheduler runs the threads of a\n"
		"program: one lane per thread and one per CPU, following the present. Space\n"
		"pauses the view (tracing goes on) to scroll back and inspect; space again\n"
		"follows. The program's output goes to a panel, its input is /dev/null. q or\n"
		"Ctrl-C ends the view and the program conctop started (SIGTERM, then\n"
		"SIGKILL 2 s later); a -p process is only detached from. When the program\n"
		"ends, the view stays until q. A scenario given without arguments gets\n"
		"the catalogue's (slowed to a human pace; conctop list).\n"
		"\n"
		"Options (before the scenario or the --):\n"
		"  -w, --write FILE      also record everything to a trace file\n"
		"  -p, --pid PID         trace an existing process, all its threads\n"
		"  -d, --duration TIME   stop tracing after TIME (1.5s, 250ms); a program\n"
		"                        conctop started is then stopped, the view stays\n"
		"  -u, --user NAME       run the program as NAME (default: the user\n"
		"                        behind sudo)\n"
		"      --mono            no colours (also with NO_COLOR set)\n"
		"      --classroom       the classroom view: two-row lanes, big narration,\n"
		"                        a fixed scale from the scenario's pace (key c)\n"
		"      --theme T         classroom colours: dark (default) or light\n"
		"      --no-follow       do not trace child processes\n"
		"      --no-attribution  scheduler events only (blocked states then say\n"
		"                        no cause)\n"
		"      --calls           also probe every pthread and semaphore call and\n"
		"                        every system call (3-20 us a call: lock-heavy\n"
		"                        programs run many times slower); shows what\n"
		"                        only calls show: uncontended holds, trylock\n"
		"                        failures, spinning. By default the cause of a\n"
		"                        wait is read when a thread blocks, at no cost\n"
		"                        per lock call\n"
		"      --buffer SIZE     kernel ring buffer size, a power of two (16M)\n"
		"      --tracer MODE     tp_btf or tp (default: tp_btf where possible)\n"
		"  -v, --verbose         show libbpf's messages\n"
		"  -h, --help            this help\n"
		"\n"
		"Keys: space pause/follow, arrows scroll, + - zoom, s S step, n N next/\n"
		"previous event, g go to a time, / filter, Tab focus, Enter or i inspect,\n"
		"o output/events, c classroom, ? help, q quit (docs/keys.md). Needs root (CAP_BPF and CAP_PERFMON); without it,\n"
		"record elsewhere and 'conctop replay' the file.\n"
		"Exit status: the program's when conctop started it (128+N for signal N,\n"
		"143 when q stopped it); 0 after --duration or with -p; 1 on failure; 2\n"
		"on a usage error; 126/127 when the command cannot be run / is not found.\n");
}

/* Finishes tracing when the program ended or the time is up: the last
 * events, the end of the timeline, the trace file closed. */
static void live_end(struct viewer *w, struct session *ses, struct live *l, const char *why)
{
	struct tracer *t = session_tracer(ses);
	int e;

	session_finish(ses);
	timeline_set_end(w->tl, tracer_now(t));
	if (l->write_path) {
		e = session_trace_close(&l->trace, tracer_now(t));
		if (e && !l->write_error)
			l->write_error = e;
	}
	w->ended = true;
	w->v.events_per_sec = 0;
	if (w->v.mode == VIEW_LIVE) {
		w->v.mode = VIEW_PAUSED;
		w->v.cursor = NONE;
		show_head(w, head_time(w));
		w->v.cursor = head_time(w);
	}
	snprintf(w->status, sizeof(w->status), "%s: q quits", why);
}

/* The live loop. Returns conctop's exit status. */
static int live_loop(struct viewer *w, struct session *ses, struct live *l, uint64_t duration,
		     char *err, size_t errlen)
{
	struct tracer *t = session_tracer(ses);
	uint64_t last_flush = 0, rate_at = 0, rate_events = 0;
	bool duration_hit = false;
	int e;

	while (!w->quit) {
		if (session_stop_signal() && !w->quit_signal) { /* before the screen was up */
			w->quit = true;
			w->quit_signal = session_stop_signal();
			break;
		}
		if (!w->ended) {
			uint64_t now;

			e = session_poll(ses, LIVE_POLL_MS);
			if (e < 0) {
				snprintf(err, errlen, "tracing failed: %s",
					 strerror(-(l->add_error ? l->add_error : e)));
				break;
			}
			now = tracer_now(t);
			timeline_set_end(w->tl, now > LIVE_LAG_NS ? now - LIVE_LAG_NS : 0);
			if (now - rate_at >= 500000000ull) {
				uint64_t ev = timeline_events(w->tl);

				if (rate_at)
					w->v.events_per_sec = (double)(ev - rate_events) * 1e9 / (double)(now - rate_at);
				rate_at = now;
				rate_events = ev;
			}
			if (l->trace.writer && !l->write_error && now - last_flush >= FLUSH_EVERY_NS) {
				e = trace_writer_flush(l->trace.writer);
				if (e)
					l->write_error = e;
				last_flush = now;
			}
			if (l->write_error && l->trace.writer) {
				session_trace_close(&l->trace, now);
				snprintf(w->status, sizeof(w->status), "writing %s failed: %s (tracing goes on)",
					 l->write_path, strerror(-l->write_error));
			}
			if (w->out)
				output_read(w->out, session_output_fd(ses));
			if (session_target_done(ses)) {
				char why[128];

				if (session_has_child(ses)) {
					int st = session_exit_status(ses);

					if (st > 128)
						snprintf(why, sizeof(why), "the program ended: killed by signal %d (status %d)",
							 st - 128, st);
					else
						snprintf(why, sizeof(why), "the program ended with exit status %d", st);
				} else {
					snprintf(why, sizeof(why), "process %d has exited", session_attached_pid(ses));
				}
				live_end(w, ses, l, why);
			} else if (duration && now >= duration) {
				duration_hit = true;
				if (session_has_child(ses)) {
					snprintf(w->status, sizeof(w->status), "--duration is up: stopping the program...");
					draw(w);
					session_stop_child(ses);
				}
				live_end(w, ses, l, session_has_child(ses) ? "--duration is up: the program was stopped"
									   : "--duration is up: detached");
			}
			if (w->out && w->ended)
				output_read(w->out, session_output_fd(ses));
		}
		if (draw(w)) {
			snprintf(err, errlen, "cannot draw on the terminal");
			break;
		}
		read_events(w, w->ended ? IDLE_MS : 0);
	}
	if (!w->ended && session_has_child(ses)) {
		snprintf(w->status, sizeof(w->status), "stopping the program (SIGTERM, then SIGKILL in 2 s)...");
		w->note[0] = '\0';
		draw(w);
		session_stop_child(ses);
	}
	if (duration_hit || !session_has_child(ses))
		return 0;
	return session_exit_status(ses);
}

/* The live view: `conctop [OPTIONS] [run SCENARIO [ARGS] | -- CMD | -p PID]`
 * (run_form: called as `conctop run ...`, options follow "run"). */
static int live_main(int argc, char **argv, bool run_form)
{
	static const struct option longopts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "mono", no_argument, NULL, 'M' },
		{ "classroom", no_argument, NULL, 'C' },
		{ "theme", required_argument, NULL, 't' },
		{ "no-follow", no_argument, NULL, 'F' },
		{ "no-attribution", no_argument, NULL, 'A' },
		{ "calls", no_argument, NULL, 'C' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "tracer", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "run"; /* run --help also has the global forms */
	const char *write_path = NULL;
	static char *default_argv[] = { DEFAULT_SCENARIO, NULL };
	struct session_opts sopts = { .cmd = "run", .capture_output = true,
				      .scenario_defaults = true };
	struct session *ses = NULL;
	struct live l = { 0 };
	struct viewer w = { 0 };
	struct output_log *out = NULL;
	char err[512] = "";
	uint64_t duration = 0;
	pid_t pid = 0;
	bool mono = false, dashdash, classroom = false;
	const struct lesson_card *card = NULL;
	char **rest;
	int nrest, opt, e, status;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+w:p:d:u:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			write_path = optarg;
			break;
		case 'M':
			mono = true;
			break;
		case 'C':
			classroom = true;
			break;
		case 't':
			if (parse_theme(cmd, optarg, &w.light))
				return 2;
			break;
		case 'h':
			live_usage(stdout);
			return 0;
		default:
			e = session_option(cmd, opt, optarg, &sopts, &pid, &duration);
			if (e > 0)
				return e;
			if (e < 0) {
				if (optopt)
					return cli_usage_error(cmd, "option -%c is unknown or needs a value", optopt);
				return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
			}
		}
	}
	dashdash = optind > 1 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
	rest = argv + optind;
	nrest = argc - optind;
	if (!run_form && !dashdash && nrest > 0 && strcmp(rest[0], "run") == 0) {
		rest++;
		nrest--;
		if (nrest == 0)
			return cli_usage_error("run", "which scenario? (conctop list shows them)");
		run_form = true;
	}
	if (run_form && !dashdash && nrest == 0 && !pid)
		return cli_usage_error("run", "which scenario? (conctop list shows them)");
	if (!pid && nrest == 0) {
		rest = default_argv;
		nrest = 1;
	}
	if (pid)
		sopts.capture_output = false;

	/* everything that can fail for the user, before the screen */
	e = session_new(&ses, &sopts);
	if (e) {
		cli_error("%s", strerror(-e));
		return 1;
	}
	status = session_target(ses, pid, nrest, rest, dashdash);
	if (status)
		goto out;
	status = need_terminal(run_form ? "conctop run" : "the live view");
	if (status)
		goto out;
	status = session_open(ses, live_event, &l);
	if (status)
		goto out;
	status = 1;
	e = timeline_new(&l.tl, tracer_ncpus(session_tracer(ses)));
	if (e) {
		cli_error("%s", strerror(-e));
		goto out;
	}
	if (write_path) {
		struct trace_info info;

		session_fill_info(&info, session_tracer(ses), session_command(ses), pid);
		if (session_trace_open(ses, &l.trace, write_path, &info))
			goto out;
		l.write_path = write_path;
	}
	if (!pid) {
		out = calloc(1, sizeof(*out));
		if (!out) {
			cli_error("%s", strerror(ENOMEM));
			goto out;
		}
	}
	if (classroom && !pid && !dashdash && nrest > 0)
		card = lesson_find(rest[0]);
	else if (classroom && !pid && !dashdash)
		card = lesson_find("prodcons"); /* the default scenario */
	card_start(card);
	session_signals_install();
	status = session_start(ses);
	if (status)
		goto out;

	w.live = true;
	w.tl = l.tl;
	w.out = out;
	w.show_output = out != NULL;
	w.v.mode = VIEW_LIVE;
	w.v.target = session_label(ses);
	w.v.speed = 1.0;
	w.v.cursor = NONE;
	w.v.ns_per_col = LIVE_NS_PER_COL;
	w.min_npc = MIN_NS_PER_COL;
	if (open_screen(&w, mono)) {
		status = 1;
		goto out;
	}
	start_classroom(&w, classroom, session_command(ses));
	status = live_loop(&w, ses, &l, duration, err, sizeof(err));
	viewer_close(&w);
	card_end(card);
	if (err[0]) {
		cli_error("%s", err);
		status = 1;
	}
	if (l.write_error) {
		cli_error("writing %s failed: %s (the file holds what was written before)", write_path,
			  strerror(-l.write_error));
		status = 1;
	}
out:
	viewer_close(&w);
	if (l.trace.writer || l.trace.file.part) {
		session_finish(ses);
		e = session_trace_close(&l.trace, tracer_now(session_tracer(ses)));
		if (e && status == 0) {
			cli_error("writing %s failed: %s", write_path, strerror(-e));
			status = 1;
		}
	}
	session_free(ses);
	timeline_free(l.tl);
	free(out);
	return status;
}

/* conctop [OPTIONS] [run SCENARIO | -- CMD | -p PID]: the live view. */
int cmd_live(int argc, char **argv)
{
	return live_main(argc, argv, false);
}

/* conctop run [OPTIONS] SCENARIO [ARGS]: the live view of a scenario. */
int cmd_run(int argc, char **argv)
{
	return live_main(argc, argv, true);
}
