/* conctop replay FILE: a playback clock moves the view over a recorded
 * trace. One poll() on the terminal and the stop-signal pipe, with a frame
 * timer armed only while the clock moves: a paused replay sleeps until a
 * key. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "stopsig.h"
#include "timeline.h"
#include "trace.h"
#include "view.h"

/* A replay: the viewer, its loop and its frame timer. */
struct replay {
	struct viewer w;
	struct evloop *loop;
	int frame_timer;
	uint64_t clock_at;             /* wall time the playback clock was last moved to */
};

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
		"      --predict     stop when a thread wakes one of several waiting on an\n"
		"                    object, and ask who runs; 1-9 guess, space answers;\n"
		"                    nothing after the cursor is drawn (key p)\n"
		"  -h, --help        this help\n"
		"\n"
		"Keys: space play/pause, < > speed, s S step, n N next/previous event,\n"
		"arrows scroll, + - zoom, Home End PgUp PgDn jump, g go to a time, /\n"
		"filter, x hide exited lanes, Tab focus (classroom: pages), Enter or i\n"
		"inspect, w waits by object, y critical path of the focused lane, P\n"
		"group lanes by process, f F fold one / all, b B focus the busiest / most\n"
		"blocked thread, u CPU rows as busy strips or letters, c classroom, p\n"
		"predict, 1-9 guess, mouse click cursor, wheel zoom, ? help, q quit\n"
		"(docs/keys.md).\n"
		"Exit status: 0, 1 when the file cannot be read, 2 on a usage error.\n");
}

/* Arms the frame timer while the clock moves, disarms it when it stops. */
static void sync_clock(struct replay *r, uint64_t now)
{
	bool moving = r->w.vs.v.playing, armed = evloop_due(r->loop, r->frame_timer) != EVLOOP_NEVER;

	if (moving && !armed) {
		r->clock_at = now;
		evloop_arm(r->loop, r->frame_timer, now + VIEW_FRAME_NS);
	} else if (!moving && armed) {
		evloop_arm(r->loop, r->frame_timer, EVLOOP_NEVER);
	}
}

/* A frame is due: the clock moves by the wall time since the last. */
static unsigned on_frame(void *ctx, uint64_t now)
{
	struct replay *r = ctx;

	viewstate_play(&r->w.vs, now - r->clock_at);
	r->clock_at = now;
	if (r->w.vs.v.playing)
		evloop_arm(r->loop, r->frame_timer, now + VIEW_FRAME_NS);
	return EVLOOP_REDRAW;
}

/* Runs the replay until q or a stop signal. Returns 0, or 1 when the
 * terminal failed. */
static int replay_loop(struct replay *r)
{
	unsigned flags = EVLOOP_REDRAW;

	if (evloop_watch(r->loop, screen_fd(r->w.scr), view_on_terminal, &r->w) ||
	    evloop_watch(r->loop, stopsig_fd(), view_on_stop_signal, &r->w))
		return 1;
	r->frame_timer = evloop_timer(r->loop, on_frame, r);
	for (;;) {
		if (flags & EVLOOP_SIGNAL)
			flags |= view_read_input(&r->w); /* a resize */
		if (flags & EVLOOP_QUIT || r->w.quit)
			return 0;
		sync_clock(r, evloop_now());
		if ((flags & EVLOOP_REDRAW) && view_draw(&r->w))
			return 1;
		flags = evloop_run_once(r->loop);
	}
}

/* Reads the trace's command line (for the scenario's pace). */
static void trace_command(const char *path, char *buf, size_t len)
{
	struct trace_reader *rd = NULL;

	if (trace_reader_new(&rd, path) == 0 || rd)
		snprintf(buf, len, "%s", trace_reader_info(rd)->command);
	if (rd)
		trace_reader_free(rd);
}

/* The replay's options. */
struct replay_opts {
	double speed;
	struct view_opts view;
	bool paused, predict;
};

/* Parses replay's options; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "paused", no_argument, NULL, 'P' },
		{ "predict", no_argument, NULL, 'R' },
		VIEW_LONGOPTS,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "replay", "+s:h", longopts, replay_usage, 0, false };
	int opt, e;
	char *end;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		switch (opt) {
		case 's':
			o->speed = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "x")) ||
			    !(o->speed >= VIEWSTATE_SPEED_MIN && o->speed <= VIEWSTATE_SPEED_MAX))
				return cli_usage_error("replay", "bad --speed '%s': from 0.01 to 100", optarg);
			break;
		case 'P': o->paused = true; break;
		case 'R': o->predict = true; break;
		default:
			e = view_option("replay", opt, optarg, &o->view);
			if (e)
				return e > 0 ? e : cli_option_error(&opts, argv);
		}
	}
	if (opt == CLI_OPTS_EXIT)
		return opts.status;
	if (optind >= argc)
		return cli_usage_error("replay", "which trace file? (conctop record writes one)");
	if (optind + 1 < argc)
		return cli_usage_error("replay", "one trace file at a time, not '%s' too", argv[optind + 1]);
	return -1;
}

/* conctop replay. */
int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = { .speed = 1.0 };
	struct replay r;
	struct timeline *tl = NULL;
	const char *path, *base;
	char command[1024] = "", warn[512] = "";
	int status = parse_options(argc, argv, &o), e;

	if (status >= 0)
		return status;
	path = argv[optind];
	if (view_need_terminal("replay"))
		return 1;
	status = cli_load_timeline(path, &tl, warn, sizeof(warn));
	if (status)
		return status;
	trace_command(path, command, sizeof(command));
	base = strrchr(path, '/');
	memset(&r, 0, sizeof(r));
	r.w.light = o.view.light;
	view_why_replay(&r.w.why, path);
	snprintf(r.w.status, sizeof(r.w.status), "%s", warn);
	e = stopsig_install();
	if (!e)
		e = evloop_new(&r.loop);
	if (e || view_open(&r.w, o.view.mono)) {
		if (e)
			cli_error("%s", strerror(-e));
		evloop_free(r.loop);
		timeline_free(tl);
		return 1;
	}
	viewstate_init_replay(&r.w.vs, tl, base ? base + 1 : path, o.speed, o.paused, r.w.vs.width, r.w.vs.height);
	r.w.vs.ascii = screen_theme(r.w.scr)->ascii;
	r.w.vs.v.predict = o.predict;
	view_start_classroom(&r.w, o.view.classroom, command);
	status = replay_loop(&r);
	view_close(&r.w);
	if (status)
		cli_error("cannot draw on the terminal");
	else if (r.w.quit_signal)
		status = 128 + r.w.quit_signal;
	evloop_free(r.loop);
	view_why_free(&r.w.why);
	timeline_free(tl);
	return status;
}
