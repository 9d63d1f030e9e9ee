/* What input does to a view: keys go through the keymap (keymap.h, the
 * only place a key is bound) to an action; the go-to and filter prompts
 * take text; the mouse places the cursor and zooms. */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include "cli.h"
#include "keymap.h"
#include "stopsig.h"
#include "utf8.h"
#include "view.h"

#define EVENTS_PER_READ 64

/* Appends code point cp to the prompt's input as UTF-8. */
static void input_add(struct viewer *w, uint32_t cp)
{
	static const unsigned char lead[5] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t n = strlen(w->input);
	int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, i;

	if (n + (size_t)len >= sizeof(w->input))
		return;
	for (i = len - 1; i > 0; i--, cp >>= 6)
		w->input[n + (size_t)i] = (char)(0x80 | (cp & 0x3f));
	w->input[n] = (char)(lead[len] | cp);
	w->input[n + (size_t)len] = '\0';
}

/* Removes the prompt input's last character. */
static void input_backspace(struct viewer *w)
{
	w->input[utf8_prev(w->input, strlen(w->input))] = '\0';
}

/* Applies what was typed at the prompt. */
static void prompt_apply(struct viewer *w)
{
	uint64_t t;

	if (w->prompt == '/') {
		viewstate_set_filter(&w->vs, w->input);
	} else if (w->prompt == 'g' && w->input[0]) {
		char typed[sizeof(w->input)], *p = typed, *e;

		snprintf(typed, sizeof(typed), "%s", w->input); /* blanks around it are no part of the time */
		while (*p == ' ')
			p++;
		for (e = p + strlen(p); e > p && e[-1] == ' ';)
			*--e = '\0';
		if (cli_parse_time(p, &t))
			snprintf(w->vs.note, sizeof(w->vs.note), "'%s' is not a time (try 1.5s, 250ms, 40us)", w->input);
		else
			viewstate_goto(&w->vs, t, w->input);
	}
	w->prompt = 0;
}

/* A key while a prompt is open: editing keys, or text. */
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
	case 0x15: /* Ctrl-U: clears what is typed, as in a shell */
		w->input[0] = '\0';
		break;
	default:
		if (key >= 0x20 && key < 0x110000 && key != 0x7f)
			input_add(w, key);
	}
}

/* Opens a prompt ('g' or '/'). */
static void prompt_open(struct viewer *w, int kind)
{
	w->prompt = kind;
	if (kind == '/')
		snprintf(w->input, sizeof(w->input), "%s", w->vs.filter);
	else
		w->input[0] = '\0';
}

/* o: the bottom panel between the program's output and the event log. */
static void toggle_output(struct viewer *w)
{
	if (!w->out)
		return;
	w->show_output = !w->show_output;
	snprintf(w->vs.note, sizeof(w->vs.note),
		 w->show_output ? "the panel shows the program's output" : "the panel shows the events");
}

/* c: the classroom view and its theme. */
static void toggle_classroom(struct viewer *w)
{
	viewstate_toggle_classroom(&w->vs);
	screen_set_classroom(w->scr, w->vs.v.classroom, w->light);
}

/* Does what a key's action says (the mouse's have their own handler). */
static void act(struct viewer *w, enum view_action a)
{
	struct viewstate *vs = &w->vs;

	switch (a) {
	case VA_QUIT: w->quit = true; break;
	case VA_STOP:
		if (w->tracing && !w->stop_signal) {
			w->stop_signal = SIGINT;
			break;
		}
		w->quit = true;
		if (!w->vs.live && !w->quit_signal) /* replay: as a SIGINT from the terminal would, 130 */
			w->quit_signal = SIGINT;
		break;
	case VA_SPACE: viewstate_space(vs); break;
	case VA_SCROLL_BACK: viewstate_scroll_by(vs, VIEWSTATE_LITTLE, true); break;
	case VA_SCROLL_FWD: viewstate_scroll_by(vs, VIEWSTATE_LITTLE, false); break;
	case VA_COLUMN_BACK: viewstate_scroll_by(vs, VIEWSTATE_COLUMN, true); break;
	case VA_COLUMN_FWD: viewstate_scroll_by(vs, VIEWSTATE_COLUMN, false); break;
	case VA_PAGE_BACK: viewstate_scroll_by(vs, VIEWSTATE_PAGE, true); break;
	case VA_PAGE_FWD: viewstate_scroll_by(vs, VIEWSTATE_PAGE, false); break;
	case VA_HOME: viewstate_home(vs); break;
	case VA_END: viewstate_end(vs); break;
	case VA_ZOOM_IN: viewstate_zoom_here(vs, false); break;
	case VA_ZOOM_OUT: viewstate_zoom_here(vs, true); break;
	case VA_SLOWER: viewstate_speed(vs, false); break;
	case VA_FASTER: viewstate_speed(vs, true); break;
	case VA_STEP: viewstate_step(vs, false); break;
	case VA_STEP_BACK: viewstate_step(vs, true); break;
	case VA_LOG_NEXT: viewstate_step_log(vs, false); break;
	case VA_LOG_PREV: viewstate_step_log(vs, true); break;
	case VA_GOTO: prompt_open(w, 'g'); break;
	case VA_FILTER: prompt_open(w, '/'); break;
	case VA_HIDE_EXITED: viewstate_toggle_hide_exited(vs); break;
	case VA_FOCUS_NEXT: viewstate_move_focus(vs, 1); break;
	case VA_FOCUS_PREV: viewstate_move_focus(vs, -1); break;
	case VA_INSPECT: viewstate_toggle_inspect(vs); break;
	case VA_OUTPUT: toggle_output(w); break;
	case VA_HELP: vs->v.help = !vs->v.help; break;
	case VA_ESCAPE: viewstate_escape(vs); break;
	case VA_CLASSROOM: toggle_classroom(w); break;
	case VA_PREDICT: viewstate_toggle_predict(vs); break;
	case VA_REPAINT: screen_invalidate(w->scr); break;
	case VA_WAITS: viewstate_toggle_waits(vs); break;
	case VA_PATH: viewstate_toggle_path(vs); break;
	case VA_GROUP: viewstate_toggle_group(vs); break;
	case VA_FOLD: viewstate_fold(vs); break;
	case VA_FOLD_ALL: viewstate_fold_all(vs); break;
	case VA_BUSIEST: viewstate_jump(vs, false); break;
	case VA_MOST_BLOCKED: viewstate_jump(vs, true); break;
	case VA_CPU_STRIP: viewstate_toggle_cpu_strip(vs); break;
	default: break;
	}
}

/* Handles one key: the prompt takes it when open (all but a control key
 * that quits), else its binding does what it says, if it works here. */
static void on_key(struct viewer *w, uint32_t key)
{
	const struct keymap_row *row = NULL;
	const struct keymap_bind *b = keymap_find(key, &row);

	w->vs.note[0] = '\0';
	if (w->prompt && !(b && (b->action == VA_QUIT || b->action == VA_STOP) && key < 0x20)) {
		prompt_key(w, key);
		return;
	}
	if (!b)
		return;
	if (!(b->modes & keymap_mode(&w->vs.v))) {
		if (row->elsewhere)
			snprintf(w->vs.note, sizeof(w->vs.note), "%s", row->elsewhere);
		return;
	}
	if (b->action == VA_GUESS)
		viewstate_guess(&w->vs, key - '0'); /* the key's digit */
	else
		act(w, b->action);
}

/* Handles a mouse event through the bindings of the click and the wheel. */
static void on_mouse(struct viewer *w, const struct screen_event *ev)
{
	bool wheel = ev->button == SCREEN_WHEEL_UP || ev->button == SCREEN_WHEEL_DOWN;
	const struct keymap_bind *b = keymap_find(wheel ? KEYMAP_WHEEL : KEYMAP_CLICK, NULL);

	w->vs.note[0] = '\0';
	if (!b || !(b->modes & keymap_mode(&w->vs.v)))
		return;
	if (b->action == VA_WHEEL)
		viewstate_wheel(&w->vs, ev->x, ev->button == SCREEN_WHEEL_UP);
	else if (b->action == VA_CLICK)
		viewstate_click(&w->vs, ev->x, ev->y);
}

/* Handles every event waiting on the terminal. */
unsigned view_read_input(struct viewer *w)
{
	struct screen_event ev;
	unsigned flags = 0;
	int i;

	for (i = 0; i < EVENTS_PER_READ && !w->quit; i++) {
		if (screen_read(w->scr, 0, &ev) <= 0)
			break;
		flags |= EVLOOP_REDRAW;
		w->input_at = evloop_now();
		if (ev.kind == SCREEN_EV_KEY)
			on_key(w, ev.key);
		else if (ev.kind == SCREEN_EV_MOUSE)
			on_mouse(w, &ev);
		else if (ev.kind == SCREEN_EV_RESIZE)
			screen_invalidate(w->scr);
	}
	return flags | (w->quit ? EVLOOP_QUIT : 0);
}

/* The terminal has input, or has gone (hung up with nothing to read: the
 * view ends rather than wake for it again and again). */
unsigned view_on_terminal(void *ctx, int fd, short revents)
{
	struct viewer *w = ctx;
	unsigned flags = view_read_input(w);

	(void)fd;
	if (!flags && (revents & (POLLHUP | POLLERR))) {
		w->quit = true;
		flags = EVLOOP_QUIT;
	}
	return flags;
}

/* Whether a key or a stop signal waits (see view.h). */
bool view_input_waiting(const struct viewer *w)
{
	struct pollfd p[2] = { { .fd = screen_fd(w->scr), .events = POLLIN },
			       { .fd = stopsig_fd(), .events = POLLIN } };

	return poll(p, 2, 0) > 0 && ((p[0].revents & POLLIN) || (p[1].revents & POLLIN));
}

/* A stop signal: while tracing, a first SIGINT (a Ctrl-C from outside the
 * view: kill -INT) stops the program and the view stays; else the view
 * quits (with 128 + the signal). */
unsigned view_on_stop_signal(void *ctx, int fd, short revents)
{
	struct viewer *w = ctx;
	int sig;

	(void)fd;
	(void)revents;
	sig = stopsig_take();
	if (!sig)
		return 0;
	if (w->tracing && !w->stop_signal && stopsig_count() == 1 && sig == SIGINT) {
		w->stop_signal = sig;
		return EVLOOP_REDRAW;
	}
	w->quit = true;
	if (!w->quit_signal)
		w->quit_signal = stopsig_first();
	return EVLOOP_QUIT;
}
