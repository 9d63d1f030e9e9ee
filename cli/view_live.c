/* The live view: `conctop`, `conctop run SCENARIO`, `conctop -- CMD`,
 * `conctop -p PID`. The tracer grows a timeline whose end the view follows.
 * One poll() (evloop.h) on the ring buffer, the terminal, the program's
 * output, its pidfd and the stop-signal pipe; the session runner
 * (runner.h) drains, writes -w files and ends tracing; a frame timer
 * redraws a moving view, and a key is handled and drawn as soon as it
 * comes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "catalogue.h"
#include "cli.h"
#include "runner.h"
#include "session.h"
#include "stopsig.h"
#include "timeline.h"
#include "trace.h"
#include "view.h"
#include "view_history.h"

#define LIVE_DRAIN_MS 25                    /* drain the tracer this often */
#define LIVE_LAG_NS (30ull * 1000000)       /* the tracer delivers events this late at most */
#define PAUSED_FRAME_NS (500ull * 1000000)  /* paused: the header's figures still move */
#define RATE_NS (500ull * 1000000)          /* the events/s figure is over this long */
#define DEFAULT_SCENARIO "prodcons"
#define LOOP_HOLD_NS (2000ull * 1000000)    /* the classroom loop rests on the end this long */
#define TRIM_IDLE_NS (1000ull * 1000000)    /* --memory trims early only after this long without a key */

/* The live view's options. */
struct live_opts {
	const char *write_path;
	uint64_t duration;
	uint64_t memory;                /* --memory: bytes, 0 no cap */
	pid_t pid;
	struct view_opts view;
	bool dashdash, run_form;
	struct session_opts sopts;
	char **rest;
	int nrest;
};

/* One live view. */
struct live {
	struct viewer w;
	struct session *ses;
	struct runner run;
	bool interrupted;              /* the first Ctrl-C was passed on to the program */
	struct evloop *loop;
	struct timeline *tl;
	int frame_timer;
	int add_error;
	uint64_t rate_at, rate_events;
	bool ended;                    /* tracing is over */
	bool looping;                  /* classroom, after the end: replaying what was recorded, round */
	uint64_t clock_at;             /* looping: when the playback clock last moved */
	uint64_t held_at;              /* looping: when the playback reached the end, 0 */
	char err[512];                 /* why the view ended on an error */
	struct view_history hist;      /* --memory: what is kept, and the past read back */
	unsigned pumped;               /* the loop's flags from draining during a read back */
};

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
		"follows. The program's output goes to a panel, its input is /dev/null. The\n"
		"first Ctrl-C (the key, or SIGINT) is passed on to the program conctop\n"
		"started as SIGINT (killed 2 s later if it still runs; a -p process is\n"
		"detached from) and the view stays on what was recorded; a second Ctrl-C\n"
		"or q quits. q, SIGTERM or SIGHUP end the view and the program (SIGTERM,\n"
		"then SIGKILL 2 s later). When the program ends, the view stays until q,\n"
		"fitting the whole run to its width; the classroom view replays the run\n"
		"at its pace from the start, round, until q.\n"
		"A scenario runs with the catalogue's arguments, its classroom pace\n"
		"(conctop list), merged with those given, which win where they collide\n"
		"(--pace 0 runs it at full speed). conctop run SCENARIO --help prints the\n"
		"scenario's own options (untraced, no terminal needed).\n"
		"\n"
		"Options (before the scenario or the --):\n"
		"  -w, --write FILE      also record everything to a trace file\n"
		"  -m, --memory SIZE     memory for the lanes and the waits (256M; at least\n"
		"                        16M, 0 no cap): past half of it the oldest half is\n"
		"                        forgotten and read back from the trace file (-w, or\n"
		"                        a temporary one) when the paused view scrolls there;\n"
		"                        zoomed out, a summary of it is drawn. The threads'\n"
		"                        own records (about 600 bytes a thread seen) are\n"
		"                        never forgotten: a program that makes threads for\n"
		"                        hours goes past SIZE (the header says how much, as\n"
		"                        \"mem USED/CAP MB (N MB threads) from T s\": T is\n"
		"                        where the history in memory starts; with no room\n"
		"                        for all of it, \"mem USED/CAPM\")\n"
		"  -p, --pid PID         trace an existing process, all its threads\n"
		"  -d, --duration TIME   stop tracing after TIME (1.5s, 250ms, 10m = 10\n"
		"                        minutes, a bare number is seconds); a program\n"
		"                        conctop started is then stopped, the view stays\n"
		"  -u, --user NAME       run the program as NAME (default: the user\n"
		"                        behind sudo)\n"
		"      --mono            no colours (also with NO_COLOR set)\n"
		"      --classroom       the classroom view: two-row lanes, big narration,\n"
		"                        a fixed scale from the scenario's pace (key c)\n"
		"      --theme T         classroom colours: dark (default) or light\n"
		);
	session_usage_following(f);
	fprintf(f,
		"      --buffer SIZE     kernel ring buffer size, a power of two (4M)\n"
		"      --tracer MODE     tp_btf or tp (default: tp_btf where possible)\n"
		"  -v, --verbose         show libbpf's messages\n"
		"  -h, --help            this help\n"
		"\n"
		"Keys: space pause/follow, arrows scroll, + - zoom, s S step, n N next/\n"
		"previous event, g go to a time, / filter, x hide exited lanes, Tab focus\n"
		"(classroom: pages), Enter or i inspect, w waits by object, y critical\n"
		"path of the focused lane, P group by process, f F fold one / all, b B\n"
		"focus the busiest / most blocked thread, u CPU rows as busy strips or\n"
		"letters, o output/events, c classroom, ? help, q quit,\n"
		"Ctrl-C stop the program (docs/keys.md). Needs root\n"
		"(CAP_BPF and CAP_PERFMON); without it, record elsewhere and 'conctop\n"
		"replay' the file.\n"
		"Exit status: the program's when conctop started it (128+N for signal N:\n"
		"130 when Ctrl-C ended it, 143 when q stopped it); 0 after --duration or\n"
		"with -p; 1 on failure; 2 on a usage error; 126/127 when the command\n"
		"cannot be run / is not found.\n");
}

/* Every event goes into the timeline (the runner writes the -w file). */
static int live_event(const struct event *ev, void *ctx)
{
	struct live *l = ctx;
	int e = timeline_add(l->tl, ev);

	if (e)
		l->add_error = e;
	return e;
}

/* Tells the history the file as it is now: written under its .part name,
 * or closed (at the end, or after a write error) under its own, with what
 * a full disk took of it by then. */
static void live_say_file(struct live *l)
{
	view_history_file(&l->hist, l->run.trace.writer ? l->run.trace.file.part : l->run.path, l->run.trace.writer,
			  l->run.trace.writer ? 0 : l->run.trace.dropped_until);
}

/* Before a frame: the timeline's end follows the present (less what the
 * tracer may still deliver), the rate is measured, a failed -w file said. */
static void live_frame(struct live *l)
{
	struct tracer *t = session_tracer(l->ses);
	uint64_t now = tracer_now(t);

	if (!l->ended)
		timeline_set_end(l->tl, now > LIVE_LAG_NS ? now - LIVE_LAG_NS : 0);
	live_say_file(l);
	if (view_history_bound(&l->hist, l->tl, &l->w.why, evloop_now() - l->w.input_at >= TRIM_IDLE_NS))
		snprintf(l->w.status, sizeof(l->w.status), "out of memory trimming the lanes to --memory");
	if (!l->w.quit) { /* (the last frame, "stopping the program", reads nothing back) */
		view_why_prepare(&l->w);
		view_history_pick(&l->hist, &l->w.vs, l->tl);
	}
	if (l->hist.stopped)
		l->pumped |= EVLOOP_REDRAW; /* once the key is handled: read again, or not */
	l->w.vs.v.memory = l->hist.cap ? l->hist.header : NULL;
	l->w.vs.v.memory_short = l->hist.cap ? l->hist.header_short : NULL;
	if (l->ended)
		return;
	now = tracer_now(t); /* after a read back, whose progress frames measured the rate too */
	if (now - l->rate_at >= RATE_NS) {
		uint64_t ev = timeline_events(l->tl);

		if (l->rate_at)
			l->w.vs.v.events_per_sec = (double)(ev - l->rate_events) * 1e9 / (double)(now - l->rate_at);
		l->rate_at = now;
		l->rate_events = ev;
	}
	if (l->run.write_error)
		snprintf(l->w.status, sizeof(l->w.status), "writing %s failed: %s (tracing goes on)", l->run.path,
			 strerror(-l->run.write_error));
}

/* Draws a frame. Returns 0 or -errno. */
static int live_draw(struct live *l)
{
	live_frame(l);
	return view_draw(&l->w);
}

/* Between the slices of a read back: the tracer is drained, as the loop
 * would (its flags wait for the loop), and a frame says the read back's
 * progress when there is some to say. Returns true when a key waits: the
 * read back stops for it. */
static bool live_pump(void *ctx, const char *progress)
{
	struct live *l = ctx;

	l->pumped |= runner_pump(&l->run);
	live_say_file(l); /* a write error may have closed it: the next read takes it by its own name */
	if (view_input_waiting(&l->w))
		return true;
	if (progress) {
		snprintf(l->w.busy, sizeof(l->w.busy), "%s", progress);
		live_draw(l);
		l->w.busy[0] = '\0';
	}
	return false;
}

/* Whether the classroom loop rests on the end: stopped there (a pause
 * before the end, a key's, stays a pause). Starts the rest's clock the
 * first time it is asked. */
static bool loop_resting(struct live *l, uint64_t now)
{
	const struct viewstate *vs = &l->w.vs;

	if (vs->v.playing || vs->play < timeline_end(l->tl)) {
		l->held_at = 0;
		return false;
	}
	if (!l->held_at)
		l->held_at = now;
	return true;
}

/* The frame timer while the classroom loop replays: every frame while it
 * plays and while it rests on the end (each frame looks whether the rest
 * is over: a sanitizer CI run once showed the one 2 s wait for its end
 * never come back, the timer armed and the state right), never while
 * paused. */
static void sync_loop_frames(struct live *l, uint64_t now)
{
	bool armed = evloop_due(l->loop, l->frame_timer) != EVLOOP_NEVER;
	bool moving = l->w.vs.v.playing || loop_resting(l, now);

	if (!moving) {
		evloop_arm(l->loop, l->frame_timer, EVLOOP_NEVER);
	} else if (!armed) {
		if (l->w.vs.v.playing)
			l->clock_at = now;
		evloop_arm(l->loop, l->frame_timer, now + VIEW_FRAME_NS);
	}
}

/* The frame timer: a following view moves every frame; a paused one's
 * header every half second; after tracing, nothing moves but the
 * classroom loop. */
static void sync_frames(struct live *l, uint64_t now)
{
	uint64_t every = viewstate_following(&l->w.vs) ? VIEW_FRAME_NS : PAUSED_FRAME_NS;
	uint64_t due = evloop_due(l->loop, l->frame_timer);

	if (l->looping)
		sync_loop_frames(l, now);
	else if (l->ended)
		evloop_arm(l->loop, l->frame_timer, EVLOOP_NEVER);
	else if (due == EVLOOP_NEVER || due > now + every)
		evloop_arm(l->loop, l->frame_timer, now + every);
}

/* The classroom loop's clock: plays on by the wall time since the last
 * frame; rests on the end, then plays again from the start. Returns
 * whether the view moved (a frame of the rest draws nothing new). */
static bool loop_tick(struct live *l, uint64_t now)
{
	struct viewstate *vs = &l->w.vs;
	bool moved = true;

	if (vs->v.playing) {
		viewstate_play(vs, now - l->clock_at);
		if (loop_resting(l, now))
			vs->note[0] = '\0';
	} else if (loop_resting(l, now) && now >= l->held_at + LOOP_HOLD_NS) {
		l->held_at = 0;
		viewstate_follow(vs); /* from the start again */
	} else {
		moved = false;
	}
	l->clock_at = now;
	return moved;
}

/* A frame is due. */
static unsigned on_frame(void *ctx, uint64_t now)
{
	struct live *l = ctx;

	return !l->looping || loop_tick(l, now) ? EVLOOP_REDRAW : 0;
}

/* Classroom: once the program has ended, the view replays what was
 * recorded at the classroom pace, from the start, again and again (resting
 * on the end a moment), so that there is always something moving to point
 * at; the replay's keys work (space pauses, arrows scroll), q quits. */
static void live_start_loop(struct live *l)
{
	struct viewstate *vs = &l->w.vs;

	viewstate_init_replay(vs, l->tl, session_label(l->ses), 1.0, false, vs->width, vs->height);
	vs->ascii = screen_theme(l->w.scr)->ascii;
	view_start_classroom(&l->w, true, session_command(l->ses));
	l->w.class_output = true; /* the self-check line, under the lanes */
	l->looping = true;
	l->held_at = 0;
	l->clock_at = evloop_now();
}

/* The program wrote something. */
static unsigned on_output(void *ctx, int fd, short revents)
{
	struct live *l = ctx;
	bool eof = false, changed = view_output_read(l->w.out, fd, &eof);

	(void)revents;
	if (eof)
		evloop_unwatch(l->loop, fd);
	return changed && l->w.show_output ? EVLOOP_REDRAW : 0;
}

/* Tracing ended (the program exited, --duration, or the tracer failed):
 * the trace is finished, the view stays, paused at the end. */
static void live_end(struct live *l)
{
	char why[200];

	if (l->run.end == RUNNER_TRACE_FAILED) {
		snprintf(l->err, sizeof(l->err), "tracing failed: %s",
			 strerror(-(l->add_error ? l->add_error : l->run.trace_error)));
		l->w.quit = true;
		return;
	}
	if (l->run.end == RUNNER_DURATION && session_has_child(l->ses) && !session_child_done(l->ses)) {
		snprintf(l->w.status, sizeof(l->w.status), "--duration is up: stopping the program...");
		live_draw(l);
	}
	timeline_set_end(l->tl, runner_finish(&l->run));
	view_why_end(&l->w.why, timeline_end(l->tl));
	l->ended = true;
	l->w.tracing = false;
	viewstate_end_tracing(&l->w.vs);
	runner_end_words(&l->run, why, sizeof(why));
	snprintf(l->w.status, sizeof(l->w.status), "%s: q quits", why);
	if (l->w.vs.v.classroom) {
		live_start_loop(l);
		snprintf(l->w.status, sizeof(l->w.status), "%s; replayed round: q quits", why);
	}
	if (l->run.write_error)
		snprintf(l->w.status, sizeof(l->w.status), "%s; writing %s failed: %s: q quits", why, l->run.path,
			 strerror(-l->run.write_error));
}

/* The first Ctrl-C: passed on to the program as SIGINT, which has the
 * grace period to end; the view stays on what was recorded. Returns the
 * evloop flags. */
static unsigned live_interrupt(struct live *l)
{
	unsigned flags = runner_interrupt(&l->run, l->w.stop_signal);

	l->interrupted = true;
	snprintf(l->w.status, sizeof(l->w.status), "Ctrl-C: SIGINT passed on to the program (2 s to end); "
		 "Ctrl-C again quits");
	return flags | EVLOOP_REDRAW;
}

/* The live loop, until q or a stop signal. Returns conctop's exit status. */
static int live_loop(struct live *l)
{
	unsigned flags = EVLOOP_REDRAW;
	int e;

	l->frame_timer = evloop_timer(l->loop, on_frame, l);
	e = evloop_watch(l->loop, screen_fd(l->w.scr), view_on_terminal, &l->w);
	if (!e)
		e = evloop_watch(l->loop, stopsig_fd(), view_on_stop_signal, &l->w);
	if (!e && l->w.out)
		e = evloop_watch(l->loop, session_output_fd(l->ses), on_output, l);
	if (!e)
		e = runner_start(&l->run, l->loop);
	if (e || l->frame_timer < 0) {
		snprintf(l->err, sizeof(l->err), "cannot watch the tracer and the terminal: %s",
			 strerror(e ? -e : ENOSPC));
		return 1;
	}
	l->w.tracing = true;
	while (!l->w.quit) {
		if (flags & EVLOOP_SIGNAL)
			flags |= view_read_input(&l->w); /* a resize */
		if (l->w.stop_signal && !l->interrupted)
			flags |= live_interrupt(l);
		if (flags & EVLOOP_ENDED)
			live_end(l);
		if (l->w.quit)
			break;
		sync_frames(l, evloop_now());
		if ((flags & EVLOOP_REDRAW) && live_draw(l)) {
			snprintf(l->err, sizeof(l->err), "cannot draw on the terminal");
			break;
		}
		flags = evloop_run_once(l->loop) | l->pumped;
		l->pumped = 0;
	}
	if (!l->ended && session_has_child(l->ses)) {
		snprintf(l->w.status, sizeof(l->w.status), "stopping the program (SIGTERM, then SIGKILL in 2 s)...");
		l->w.vs.note[0] = '\0';
		live_draw(l);
	}
	runner_finish(&l->run);
	if (l->run.end == RUNNER_DURATION || !session_has_child(l->ses))
		return 0;
	return session_exit_status(l->ses);
}

/* Parses the live view's options and what follows them. Returns -1 to go
 * on, else the exit status (help, or a usage error). */
static int parse_options(int argc, char **argv, struct live_opts *o)
{
	static const struct option longopts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "memory", required_argument, NULL, 'm' },
		VIEW_LONGOPTS,
		SESSION_LONGOPTS,
		CLI_LONGOPTS_END,
	};
	static char *default_argv[] = { DEFAULT_SCENARIO, NULL };
	const char *cmd = "run"; /* run --help also has the global forms */
	struct cli_opts opts = { cmd, "+w:m:p:d:u:vh", longopts, live_usage, 0, false };
	int opt, e;

	while ((opt = cli_next_option(&opts, argc, argv)) >= 0) {
		switch (opt) {
		case 'w':
			if ((e = cli_file_option(cmd, opt, optarg, &o->write_path)))
				return e;
			break;
		case 'm':
			if (cli_parse_size(optarg, &o->memory) || (o->memory && o->memory < VIEW_MEMORY_MIN))
				return cli_usage_error(cmd, "bad --memory '%s': a size of 16M or more (256M, 1G), or 0 "
						       "for no cap", optarg);
			break;
		default:
			e = view_option(cmd, opt, optarg, &o->view);
			if (e < 0)
				e = session_option(cmd, opt, optarg, &o->sopts, &o->pid, &o->duration);
			if (e)
				return e > 0 ? e : cli_option_error(&opts, argv);
		}
	}
	if (opt == CLI_OPTS_EXIT)
		return opts.status;
	o->dashdash = optind > 1 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
	o->rest = argv + optind;
	o->nrest = argc - optind;
	if (!o->run_form && !o->dashdash && o->nrest > 0 && strcmp(o->rest[0], "run") == 0) {
		o->rest++;
		o->nrest--;
		if (o->nrest == 0)
			return cli_usage_error("run", "which scenario? (conctop list shows them)");
		o->run_form = true;
	}
	if (o->run_form && !o->dashdash && o->nrest == 0 && !o->pid)
		return cli_usage_error("run", "which scenario? (conctop list shows them)");
	if (o->dashdash && o->nrest == 0 && !o->pid)
		return cli_usage_error(cmd, "which command? -- is followed by the command to "
				       "trace (conctop -- COMMAND [ARGS])");
	if (!o->pid && o->nrest == 0) {
		o->rest = default_argv;
		o->nrest = 1;
	}
	if (o->pid)
		o->sopts.capture_output = false;
	return -1;
}

/* Whether `run SCENARIO ... --help` asks for the scenario's help. */
static bool scenario_help_wanted(const struct live_opts *o)
{
	int i;

	if (!o->run_form || o->dashdash || o->pid)
		return false;
	for (i = 1; i < o->nrest; i++)
		if (!strcmp(o->rest[i], "-h") || !strcmp(o->rest[i], "--help"))
			return true;
	return false;
}

/* Runs the scenario itself for its help, untraced and with no screen
 * (record SCENARIO --help records it saying it). Returns its status. */
static int scenario_help(const struct live_opts *o)
{
	const struct scenario_info *si = scenario_find(o->rest[0]);
	char dir[PATH_MAX], path[PATH_MAX + 64] = "";
	pid_t pid;
	int st;

	if (!si)
		return cli_usage_error("run", "unknown scenario '%s' (conctop list shows them)", o->rest[0]);
	if (cli_scenario_dir(dir, sizeof(dir)) || snprintf(path, sizeof(path), "%s/%s", dir, si->name) >= (int)sizeof(path) ||
	    access(path, X_OK)) {
		cli_error("scenario program %s is missing: run 'make', or set CONCTOP_SCENARIO_DIR",
			  path[0] ? path : si->name);
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(path, o->rest);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		cli_error("run %s: %s", o->rest[0], strerror(errno));
		return 1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Everything that can fail for the user, before the screen: the target,
 * a terminal, the tracer, the timeline, the -w file. The lesson card (or
 * NULL) waits for Enter before the tracer is loaded, so that the trace's
 * clock starts when the class does. Returns 0, the exit status (said), or
 * -1 when q at the card said the run is not wanted. */
static int live_prepare(struct live *l, const struct live_opts *o, const struct lesson_card *card)
{
	struct runner_opts ropts = { .duration = o->duration, .drain_ms = LIVE_DRAIN_MS, .on_event = live_event,
				     .ctx = l };
	struct trace_info info;
	const char *path;
	int e, status;

	e = session_new(&l->ses, &o->sopts);
	if (e) {
		cli_error("%s", strerror(-e));
		return 1;
	}
	runner_init(&l->run, l->ses, &ropts);
	status = session_target(l->ses, o->pid, o->nrest, o->rest, o->dashdash);
	if (!status)
		status = view_need_terminal(o->run_form ? "conctop run" : "the live view");
	if (status)
		return status;
	if (!view_card_start(card))
		return -1; /* q on the card: the run is not wanted */
	status = session_open(l->ses, runner_event, &l->run);
	if (status)
		return status;
	e = timeline_new(&l->tl, tracer_ncpus(session_tracer(l->ses)));
	if (!e)
		timeline_set_gated(l->tl, !o->pid); /* conctop started it: its first thread waits at the gate */
	if (!e && o->memory)
		e = timeline_keep_overview(l->tl, o->memory / VIEW_OVERVIEW_SHARE);
	if (!e)
		e = view_why_live(&l->w.why, l->tl, &l->hist);
	if (!e && !o->pid)
		e = view_output_new(&l->w.out);
	if (!e)
		e = evloop_new(&l->loop);
	if (e) {
		cli_error("%s", strerror(-e));
		return 1;
	}
	view_history_init(&l->hist, o->memory);
	view_history_pump(&l->hist, live_pump, l, o->write_path); /* (NULL: the temporary trace) */
	path = o->write_path;
	if (!path && o->memory &&
	    (!(path = view_history_tmp(&l->hist)) || (e = session_give_dir(l->ses, l->hist.dir)))) {
		cli_error("cannot make a directory for the history under $TMPDIR or /tmp: %s (--memory 0 keeps "
			  "everything in memory instead)", strerror(path ? -e : errno));
		return 1;
	}
	if (path) {
		if (session_spawn(l->ses)) /* the program's pid goes in the header */
			return 1;
		session_fill_info(&info, l->ses);
		if (runner_write_to(&l->run, path, &info))
			return 1;
		if (!o->write_path) { /* a history of our own: on a full disk, its oldest part goes */
			trace_writer_set_drop_oldest(l->run.trace.writer, true);
			/* in chunks of 64 KiB (about 15 KB on disk): a small disk holds many */
			trace_writer_set_chunk_size(l->run.trace.writer, 64u << 10);
		}
	}
	return 0;
}

/* The lesson card of a classroom run of a scenario, or NULL. */
static const struct lesson_card *live_card(const struct live_opts *o)
{
	if (!o->view.classroom || o->pid || o->dashdash)
		return NULL;
	return lesson_find(o->nrest > 0 ? o->rest[0] : DEFAULT_SCENARIO);
}

/* The live view: `conctop [OPTIONS] [run SCENARIO [ARGS] | -- CMD | -p PID]`
 * (run_form: called as `conctop run ...`, options follow "run"). */
static int live_main(int argc, char **argv, bool run_form)
{
	struct live_opts o = { .run_form = run_form, .memory = VIEW_MEMORY_DEFAULT,
			       .sopts = { .cmd = "run", .capture_output = true, .scenario_defaults = true } };
	const struct lesson_card *card;
	struct live *l = calloc(1, sizeof(*l));
	int status = l ? parse_options(argc, argv, &o) : 1;

	if (!l || status >= 0) {
		if (!l)
			cli_error("%s", strerror(ENOMEM));
		free(l);
		return status;
	}
	if (scenario_help_wanted(&o)) {
		free(l);
		return scenario_help(&o);
	}
	card = live_card(&o);
	/* a stop signal sent while it attaches ends it once its loop listens */
	if ((status = stopsig_install())) {
		cli_error("cannot set up the stop signals: %s", strerror(-status));
		free(l);
		return 1;
	}
	status = live_prepare(l, &o, card);
	if (status) {
		/* (left at the lesson card: by q, or by a stop signal, as its status says) */
		status = status >= 0 ? status : stopsig_count() ? 128 + stopsig_first() : 0;
		goto out;
	}
	status = session_start(l->ses);
	if (status)
		goto out;
	l->w.light = o.view.light;
	l->w.show_output = l->w.out != NULL;
	if (view_open(&l->w, o.view.mono)) {
		status = 1;
		goto out;
	}
	viewstate_init_live(&l->w.vs, l->tl, session_label(l->ses), l->w.vs.width, l->w.vs.height);
	l->w.vs.ascii = screen_theme(l->w.scr)->ascii;
	view_start_classroom(&l->w, o.view.classroom, session_command(l->ses));
	status = live_loop(l);
	view_close(&l->w);
	view_card_end(card);
	if (l->err[0]) {
		cli_error("%s", l->err);
		status = 1;
	}
	if (l->run.write_error) {
		cli_error("writing %s failed: %s (the file holds what was written before)", o.write_path,
			  strerror(-l->run.write_error));
		status = 1;
	}
out:
	view_close(&l->w);
	if (!l->run.finished && (l->run.trace.writer || l->run.trace.file.part)) {
		runner_finish(&l->run); /* the view never ran: keep what the -w file has */
		if (l->run.write_error && status == 0) {
			cli_error("writing %s failed: %s", o.write_path, strerror(-l->run.write_error));
			status = 1;
		}
	}
	session_free(l->ses);
	evloop_free(l->loop);
	view_why_free(&l->w.why); /* (first: it stops the timeline handing it changes) */
	timeline_free(l->tl);
	view_history_done(&l->hist);
	view_output_free(l->w.out);
	free(l);
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
