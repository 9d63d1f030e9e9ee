/* conctop replay FILE: a playback clock moves the view over a recorded
 * trace. One poll() on the terminal and the stop-signal pipe, with a frame
 * timer armed only while the clock moves: a paused replay sleeps until a
 * key. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "stopsig.h"
#include "timeline.h"
#include "trace.h"
#include "trace_index.h"
#include "view.h"
#include "view_history.h"

/* The first frame waits for the trace's first second, or this long. */
#define REPLAY_FIRST_WINDOW_NS 1000000000ull
#define REPLAY_FIRST_NS (250ull * 1000 * 1000)
/* Then the file is read in slices this long between keys and frames... */
#define REPLAY_SLICE_NS (20ull * 1000 * 1000)
/* ...and the view redrawn this often while it reads. */
#define REPLAY_PROGRESS_NS (100ull * 1000 * 1000)

/* A replay: the viewer, its loop, its frame timer, and the file while it
 * is still being read. */
struct replay {
	struct viewer w;
	struct evloop *loop;
	int frame_timer;
	int load_timer;
	uint64_t clock_at;             /* wall time the playback clock was last moved to */
	struct cli_loader ld;
	struct timeline *tl;           /* once all was read: the timeline (else ld's) */
	uint64_t shown_at;             /* when the reading's progress was last drawn */
	const char *name;              /* the file's name, for the progress */
	struct view_history hist;      /* --memory: what is kept, and the past read back */
	bool held;                     /* the reading waits for the view to move on (--memory) */
	uint64_t last_play;            /* the clock, and whether it played, when replay_rewind last looked */
	bool last_playing;
	uint64_t held_t0, held_win;    /* where the view was when it began to wait, and how wide */
};

/* Prints replay's help. */
static void replay_usage(FILE *f)
{
	fprintf(f,
		"Usage: conctop replay [OPTIONS] FILE\n"
		"\n"
		"Plays a recorded trace back in the terminal: per-thread and per-CPU lanes,\n"
		"at any speed, with pause, single steps and an inspect panel. Needs no\n"
		"privileges. The right edge of the lanes follows the playback clock. The\n"
		"view opens once the first second is read; the rest is read while it runs.\n"
		"\n"
		"Options:\n"
		"  -s, --speed X     playback speed, 0.01 to 100 (default 1)\n"
		"  -m, --memory SIZE memory for the lanes (256M; at least 16M, 0 no cap):\n"
		"                    past a third of it the reading waits for the view to\n"
		"                    move on, and forgets what lies well before it; a\n"
		"                    window before what is kept is read back from the file\n"
		"                    (zoomed out: drawn from a summary, and the reading\n"
		"                    goes on); put to play before what is kept, the\n"
		"                    reading starts again from there\n"
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
		"Exit status: 0; 1 when the file cannot be read or the terminal cannot be\n"
		"used; 2 on a usage error; 128+N when signal N (SIGINT, SIGTERM, SIGHUP)\n"
		"ended it, 130 also for the Ctrl-C key.\n");
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

/* A frame is due: the clock moves by the wall time since the last (while
 * the file is still being read, no further than what was read). */
static unsigned on_frame(void *ctx, uint64_t now)
{
	struct replay *r = ctx;
	uint64_t elapsed = now - r->clock_at, end = timeline_end(r->w.vs.tl);
	bool capped = false;

	if (!r->ld.done && r->w.vs.v.speed > 0) {
		double room = end > r->w.vs.play + 1 ? (double)(end - r->w.vs.play - 1) / r->w.vs.v.speed : 0;

		if ((double)elapsed > room) {
			elapsed = (uint64_t)room;
			capped = true;
		}
	}
	viewstate_play(&r->w.vs, elapsed);
	/* capped, the clock is at the end of what was read: exactly, as the
	 * reading's waits ask (at 10x, the room's rounding left it 2 ns short
	 * for good, and the reading waited for it to get there) */
	if (capped && r->w.vs.v.playing && !r->w.vs.v.question && end && r->w.vs.play + 1 < end)
		r->w.vs.play = end - 1;
	r->clock_at = now;
	if (r->w.vs.v.playing)
		evloop_arm(r->loop, r->frame_timer, now + VIEW_FRAME_NS);
	return EVLOOP_REDRAW;
}

/* Says how far the reading went, in the status line. */
static void show_progress(struct replay *r)
{
	char warn[sizeof(r->w.status)];

	if (!r->ld.done) {
		snprintf(r->w.status, sizeof(r->w.status), "reading %s: %.0f%% (%.1f M events); %s", r->name,
			 cli_loader_progress(&r->ld) * 100, (double)r->ld.t.events / 1e6,
			 r->held ? "--memory full: reads on as the view moves" : "the view grows as it reads");
		return;
	}
	cli_loader_warning(&r->ld, warn, sizeof(warn));
	snprintf(r->w.status, sizeof(r->w.status), "%s", warn);
}

/* Whether the playing clock waits at the end of what was read (on_frame
 * holds it there until more is read). */
static bool clock_waits(const struct replay *r)
{
	return r->w.vs.v.playing && r->w.vs.play + 1 >= timeline_end(r->ld.tl);
}

/* Under --memory, whether the reading must wait: the history read (not
 * the threads' records, which no trim frees) fills a third of the cap (a
 * trim's copy may take another, the past read back a
 * quarter), and forgetting what lies a window before the view does not make
 * room (nor, with the view at the end of what was read, asking for more,
 * forgetting up to its start or its middle: that part is read back; nor,
 * with the clock playing there, up to the playhead: a window that does not
 * fit the cap would otherwise stop the clock and the reading for good; nor,
 * with the view zoomed out so far that the timeline's overview draws it,
 * forgetting the older half of what is kept; and when even that leaves it
 * full, the clock waiting there gets its slice). */
static bool memory_full(struct replay *r)
{
	struct timeline *tl = r->ld.tl;
	uint64_t from, to, w, keep[4], end = timeline_end(tl), kept;
	unsigned i, n = 1;

	if (!r->hist.cap || timeline_memory_history(tl) <= r->hist.cap / 3)
		return false;
	viewstate_window(&r->w.vs, &from, &to);
	w = to - from;
	keep[0] = from > w ? from - w : 0;
	if (to >= end) {
		keep[n++] = from;
		keep[n++] = from + w / 2;
		if (r->w.vs.v.playing && r->w.vs.play > keep[n - 1])
			keep[n++] = r->w.vs.play;
	}
	for (i = 0; i < n; i++) {
		if (keep[i] > timeline_kept_from(tl) && timeline_trim(tl, keep[i]) == 0 &&
		    timeline_memory_history(tl) <= r->hist.cap / 3)
			return false;
	}
	/* zoomed out so far that the overview of what a trim forgets draws the
	 * window: the older half of what is kept goes, and the reading goes on */
	kept = timeline_kept_from(tl);
	if (to >= end && end > kept + 1 &&
	    timeline_overview_draws(tl, from, from + viewstate_window_ns(&r->w.vs), r->w.vs.v.ns_per_col) &&
	    timeline_trim(tl, kept + (end - kept) / 2) == 0 && timeline_memory_history(tl) <= r->hist.cap / 3)
		return false;
	if (clock_waits(r))
		return false; /* the clock waits for the reading: a slice more, past the third if need be (the
			       * trim's share is free then), rather than both waiting */
	r->held_t0 = r->w.vs.v.t0;
	r->held_win = viewstate_window_ns(&r->w.vs);
	return true;
}

/* Before a frame: a reading that waited tries again once the view moved,
 * or once the clock plays at the end of what was read (it waits for the
 * reading then: memory_full may forget up to the playhead). */
static void sync_reading(struct replay *r)
{
	if (!r->held)
		return;
	/* (where the view is and how wide, not its window: that stops at the
	 * end of what was read, and a view gone past it, End, did not seem to
	 * move; the width follows the zoom and the terminal's columns) */
	if (r->w.vs.v.t0 != r->held_t0 || viewstate_window_ns(&r->w.vs) != r->held_win || clock_waits(r)) {
		r->held = false;
		evloop_arm(r->loop, r->load_timer, evloop_now());
	}
}

/* After a slice of reading: a checkpoint of what was read when one is
 * due, for the read backs of the past to start from. */
static void replay_checkpoint(struct replay *r)
{
	struct trace_resume at;

	if (view_history_checkpoint_due(&r->hist, r->ld.tl) && cli_loader_resume_point(&r->ld, &at) == 0)
		view_history_checkpoint(&r->hist, r->ld.tl, &at);
}

/* The loop is free: the file is read on for a slice; the view is redrawn
 * now and then to show it grow, and when it is all read. */
static unsigned on_load(void *ctx, uint64_t now)
{
	struct replay *r = ctx;

	if (memory_full(r)) {
		r->held = true;
		show_progress(r);
		return EVLOOP_REDRAW;
	}
	if (cli_loader_step(&r->ld, UINT64_MAX, REPLAY_SLICE_NS) > 0) {
		replay_checkpoint(r);
		evloop_arm(r->loop, r->load_timer, now);
		if (now - r->shown_at < REPLAY_PROGRESS_NS)
			return 0;
		r->shown_at = now;
	} else {
		r->tl = cli_loader_take(&r->ld);
		viewstate_read_all(&r->w.vs); /* the timeline's end is the trace's now */
	}
	show_progress(r);
	return EVLOOP_REDRAW;
}

/* Under --memory, the clock put to play before what the reading keeps
 * (space at the end plays it again, Home, a seek back, space from a
 * cursor there): the reading starts again from the latest checkpoint
 * before the window, or from the file's start, so that what plays is read
 * rather than drawn from the summary of what was forgotten (a paused view
 * reads its window back instead). A clock playing on, which the reading
 * forgets past when a window holds more than the cap (memory_full), goes
 * on over the summary. Returns 0, or -1 when it could not: then the status
 * says why, the reading is as it was, and the clock pauses. */
static int replay_rewind(struct replay *r)
{
	const struct timeline *cur = r->tl ? r->tl : r->ld.tl;
	struct cli_loader ld;
	uint64_t end = timeline_end(cur) > r->w.vs.known_end ? timeline_end(cur) : r->w.vs.known_end, from, to;
	bool put = r->w.vs.play < r->last_play || !r->last_playing;

	r->last_play = r->w.vs.play;
	r->last_playing = r->w.vs.v.playing;
	if (!r->hist.cap || !r->hist.file || !r->w.vs.v.playing || !put || r->w.vs.play >= timeline_kept_from(cur))
		return 0;
	/* (from a checkpoint before the window's start: one between it and the
	 * clock would leave the window's start blank, its overview beginning
	 * at the checkpoint) */
	viewstate_window(&r->w.vs, &from, &to);
	if (view_history_open(&r->hist, &ld, r->hist.file, from < r->w.vs.play ? from : r->w.vs.play, NULL) ||
	    timeline_keep_overview(ld.tl, r->hist.cap / VIEW_OVERVIEW_SHARE)) {
		/* (paused: a paused view reads its window back instead, and
		 * the clock does not try again at every frame) */
		snprintf(r->w.status, sizeof(r->w.status), "cannot read %s again from before %.3f s: %.100s", r->name,
			 (double)timeline_kept_from(cur) / 1e9, ld.tl ? strerror(ENOMEM) : ld.t.failed);
		cli_loader_close(&ld);
		viewstate_pause(&r->w.vs);
		return -1;
	}
	ld.t.quiet = true;
	cli_loader_close(&r->ld);
	timeline_free(r->tl);
	r->tl = NULL;
	r->ld = ld;
	r->held = false;
	r->w.vs.tl = r->ld.tl;
	r->w.vs.v.whole = NULL; /* (it may name the old one until the next pick) */
	r->w.vs.v.reading = true;
	r->w.vs.known_end = end; /* (the clock and End still know where the trace ends) */
	evloop_arm(r->loop, r->load_timer, evloop_now());
	return 0;
}

/* Draws a frame: of the timeline being read, or of a window of the past
 * read back from the file. Returns 0 or -errno. */
static int replay_draw(struct replay *r)
{
	const struct timeline *tl = r->tl ? r->tl : r->ld.tl;
	size_t mem = timeline_memory(tl);

	view_history_say(&r->hist, tl, mem);
	view_why_prepare(&r->w); /* (before the pick: its progress frames pick windows too) */
	view_history_pick(&r->hist, &r->w.vs, tl);
	/* the memory said once it counts: a part forgotten, the reading
	 * waiting, or more held than the cap (threads' records no trim frees) */
	r->w.vs.v.memory = timeline_kept_from(tl) || r->held || (r->hist.cap && mem > r->hist.cap)
				   ? r->hist.header
				   : NULL;
	r->w.vs.v.memory_short = r->w.vs.v.memory ? r->hist.header_short : NULL;
	return view_draw(&r->w);
}

/* Between the slices of a read back of the past: a frame says its
 * progress when there is some to say. Returns true when a key waits: the
 * read back stops for it. */
static bool replay_pump(void *ctx, const char *progress)
{
	struct replay *r = ctx;

	if (view_input_waiting(&r->w))
		return true;
	if (progress) {
		snprintf(r->w.busy, sizeof(r->w.busy), "%s", progress);
		replay_draw(r);
		r->w.busy[0] = '\0';
	}
	return false;
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
	r->load_timer = evloop_timer(r->loop, on_load, r);
	if (!r->ld.done)
		evloop_arm(r->loop, r->load_timer, evloop_now());
	for (;;) {
		if (flags & EVLOOP_SIGNAL)
			flags |= view_read_input(&r->w); /* a resize */
		if (flags & EVLOOP_QUIT || r->w.quit)
			return 0;
		sync_clock(r, evloop_now());
		replay_rewind(r);
		sync_reading(r);
		if ((flags & EVLOOP_REDRAW) && replay_draw(r))
			return 1;
		flags = evloop_run_once(r->loop);
		if (r->hist.stopped)
			flags |= EVLOOP_REDRAW; /* a read back stopped for a key: read again, or not, once it is handled */
	}
}

/* Where the trace at path ends: from the index stored at its end, or, in
 * a file without one (a recording cut off), from its last chunks, found by
 * going from chunk frame to frame (a rebuilt index would read the whole
 * file); 0 when neither says. A paused view may go there before the
 * reading reaches it. */
static uint64_t stored_end(const char *path)
{
	struct trace_reader *rd = NULL;
	struct trace_index *ix;
	uint64_t end = 0;

	if (trace_index_new_stored(&ix, path) == 0) {
		end = trace_index_end_ts(ix);
		trace_index_free(ix);
	} else if (trace_reader_new(&rd, path) == 0 && trace_reader_tail_ts(rd, &end)) {
		end = 0;
	}
	trace_reader_free(rd);
	return end <= INT64_MAX ? end : 0; /* (an untrusted figure: kept clear of overflows) */
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
	uint64_t memory;
	struct view_opts view;
	bool paused, predict;
};

/* Parses replay's options; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "memory", required_argument, NULL, 'm' },
		{ "paused", no_argument, NULL, 'P' },
		{ "predict", no_argument, NULL, 'R' },
		VIEW_LONGOPTS,
		CLI_LONGOPTS_END,
	};
	struct cli_opts opts = { "replay", "+s:m:h", longopts, replay_usage, 0, false };
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
		case 'm':
			if (cli_parse_size(optarg, &o->memory) || (o->memory && o->memory < VIEW_MEMORY_MIN))
				return cli_usage_error("replay", "bad --memory '%s': a size of 16M or more (256M, 1G), or "
						       "0 for no cap", optarg);
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
	struct replay_opts o = { .speed = 1.0, .memory = VIEW_MEMORY_DEFAULT };
	struct replay r;
	const char *path, *base;
	char command[1024] = "";
	int status = parse_options(argc, argv, &o), e;

	if (status >= 0)
		return status;
	path = argv[optind];
	if (cli_rereadable("replay", path))
		return 1;
	memset(&r, 0, sizeof(r));
	view_history_init(&r.hist, o.memory);
	view_history_file(&r.hist, path, NULL, 0);
	if (cli_loader_open(&r.ld, path, false))
		return 1;
	if (view_need_terminal("replay")) { /* (after the file: what is wrong with it is said first) */
		cli_loader_close(&r.ld);
		return 1;
	}
	if (o.memory && timeline_keep_overview(r.ld.tl, o.memory / VIEW_OVERVIEW_SHARE)) {
		cli_error("%s", strerror(ENOMEM));
		cli_loader_close(&r.ld);
		return 1;
	}
	/* the first second (the first frame's window), then the rest while the view runs */
	e = cli_loader_step(&r.ld, REPLAY_FIRST_WINDOW_NS, REPLAY_FIRST_NS);
	if (e < 0) {
		cli_loader_close(&r.ld);
		return 1;
	}
	if (e == 0)
		r.tl = cli_loader_take(&r.ld);
	r.ld.t.quiet = true;
	trace_command(path, command, sizeof(command));
	base = strrchr(path, '/');
	r.name = base ? base + 1 : path;
	view_history_pump(&r.hist, replay_pump, &r, r.name);
	r.w.light = o.view.light;
	view_why_replay(&r.w.why, path, o.memory / 4, &r.hist); /* as a window read back */
	show_progress(&r);
	e = stopsig_install();
	if (!e)
		e = evloop_new(&r.loop);
	if (e || view_open(&r.w, o.view.mono)) {
		if (e)
			cli_error("%s", strerror(-e));
		evloop_free(r.loop);
		cli_loader_close(&r.ld);
		timeline_free(r.tl);
		return 1;
	}
	viewstate_init_replay(&r.w.vs, r.tl ? r.tl : r.ld.tl, r.name, o.speed, o.paused, r.w.vs.width, r.w.vs.height);
	r.w.vs.v.reading = !r.tl;
	if (!r.tl)
		r.w.vs.known_end = stored_end(path);
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
	view_history_done(&r.hist);
	cli_loader_close(&r.ld);
	timeline_free(r.tl);
	return status;
}
