/* The command-line front end: one function per subcommand, plus the small
 * helpers they share. Each cmd_* returns the process exit status. */
#ifndef CONCTOP_CLI_H
#define CONCTOP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "event.h"

#define EXIT_USAGE 2

/* A subcommand: given its arguments (argv[0] its name), returns the exit status. */
typedef int cli_command_fn(int argc, char **argv);

cli_command_fn cmd_record, cmd_report, cmd_list, cmd_dump, cmd_log, cmd_export, cmd_lesson, cmd_tour, cmd_lanes,
	cmd_replay, cmd_import, cmd_contention, cmd_path;
/* Whether name is one of conctop's commands (cli/main.c's table). */
bool cli_is_command(const char *name);
/* The live view, `conctop run [OPTIONS] SCENARIO [ARGS]`. */
cli_command_fn cmd_run;
/* The live view from conctop's own arguments: `conctop [OPTIONS]
 * [run SCENARIO [ARGS] | -- COMMAND [ARGS] | -p PID]` (argv[0] is conctop). */
cli_command_fn cmd_live;

struct option;

/* A subcommand's options as getopt_long reads them, with what every
 * subcommand does alike: -h/--help prints its help on standard output and
 * ends the command with 0; an unknown option, a missing value or a value
 * given to a flag is a usage error, said, ending it with 2. */
struct cli_opts {
	const char *cmd;                /* the subcommand, for messages */
	const char *shortopts;          /* getopt_long's string, 'h' in it */
	const struct option *longopts;  /* ending with CLI_LONGOPTS_END */
	void (*usage)(FILE *f);         /* prints the subcommand's help */
	int status;                     /* the exit status after CLI_OPTS_EXIT */
	bool started;                   /* getopt_long was reset for argv */
};

/* The window options of lanes, export and log (cli_window_option). */
#define CLI_WINDOW_LONGOPTS { "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' }

/* The last entries of every subcommand's long options (needs getopt.h). */
#define CLI_LONGOPTS_END { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }

/* cli_next_option's answers besides an option: no more options (the
 * operands start at argv[optind]), or the command ends with o->status. */
#define CLI_OPTS_END (-1)
#define CLI_OPTS_EXIT (-2)

/* Reads the next option of argv (from argv[1] on the first call). Returns
 * the option, CLI_OPTS_END or CLI_OPTS_EXIT. */
int cli_next_option(struct cli_opts *o, int argc, char **argv);

/* Says what is wrong with the option getopt_long just refused or the
 * command does not take. Returns the usage exit status. */
int cli_option_error(const struct cli_opts *o, char **argv);

/* Writes what standard output holds: 0, or 1 when it could not (main
 * says why, with cli_stdout_errno, as conctop ends). */
int cli_flush_stdout(void);

/* The errno of the first write to standard output that failed, or 0. */
int cli_stdout_errno(void);

/* Whether cmd, which reads the trace more than once, can read file: 0, or 1 after
 * saying that a pipe or a device must be saved to a file first. */
int cli_rereadable(const char *cmd, const char *file);

/* Takes the one trace file a command reads, argv[optind], into *file.
 * Returns 0, or the usage exit status after saying none or more were given. */
int cli_trace_operand(const char *cmd, int argc, char **argv, const char **file);

/* Parses a time ("1.5s", "250ms", "40us", "100ns"; a bare number is
 * seconds; the number plain decimal: no sign, exponent or hex) into ns.
 * Returns 0, -ERANGE past 1e18 ns, or -EINVAL. */
int cli_parse_time(const char *s, uint64_t *ns);

/* Parses a size ("16M", "4096", "1G", "1.5G", "1T") into bytes: a
 * fraction only with a suffix. Returns 0 or -EINVAL. */
int cli_parse_size(const char *s, uint64_t *bytes);

/* The part of a trace that lanes, export and log print: --from, --to and
 * (lanes, export) --width. */
struct cli_window {
	uint64_t from, to;      /* ns since the start of the trace */
	bool have_to;           /* --to was given */
	int cols;               /* --width in columns, or 0 when not given */
	int min_cols, max_cols; /* what --width may be */
	uint64_t memory;        /* --memory in bytes: 0 not given, UINT64_MAX no cap (--memory 0) */
};

/* -m, --memory of the commands that read a trace into memory (lanes, log,
 * export, contention, path, report; not dump), as in the live and replay
 * views. */
#define CLI_OPT_MEMORY 'm'
#define CLI_MEMORY_LONGOPT { "memory", required_argument, NULL, CLI_OPT_MEMORY }
#define CLI_WINDOW_MEMORY_MIN (16ull << 20)

/* Takes a window option: --from ('f'), --to ('t'), --width ('w') or
 * -m, --memory (CLI_OPT_MEMORY). Returns 0, -1 when opt is none of them, or
 * the usage exit status after printing what is wrong with arg. */
int cli_window_option(const char *cmd, int opt, const char *arg, struct cli_window *w);

/* The memory a window's reading may take (--memory): the one given, else
 * half the machine's memory; UINT64_MAX for no cap. */
uint64_t cli_window_cap(const struct cli_window *w);

/* Takes a file name option (-o, -w) into *path, refusing an empty one.
 * Returns 0, or the usage exit status after printing what is wrong. */
int cli_file_option(const char *cmd, int opt, const char *arg, const char **path);

/* Parses --theme: light or dark into *light. Returns 0, or the usage exit
 * status after printing what is wrong. */
int cli_theme_option(const char *cmd, const char *arg, bool *light);

/* Takes the options of a command whose one option, besides --help, is a
 * flag: sets *flag when it is given. Returns -1 to go on, else the exit
 * status (help printed, or an option refused). */
int cli_flag_option(struct cli_opts *o, int argc, char **argv, bool *flag);

/* Takes the options of a command whose options, besides --help, are
 * --json ('j', sets *json) and window options (cli_window_option, into
 * *w). Returns -1 to go on, else the exit status. */
int cli_json_window_options(struct cli_opts *o, int argc, char **argv, bool *json, struct cli_window *w);

/* Prints "conctop: " and a formatted message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the usage error, then where to read more, on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The directory holding the scenario programs (next to the conctop binary,
 * or $CONCTOP_SCENARIO_DIR). Returns 0 or -errno. */
int cli_scenario_dir(char *buf, size_t len);

/* A trace file a command reads (cli/readtrace.c): damaged chunks are
 * skipped and noted, a recording cut off is read up to its last complete
 * chunk; cli_trace_warning says what was missed. */
struct cli_trace {
	struct trace_reader *reader;    /* read by ahead's thread until the end: ask it only of its info then */
	struct trace_ahead *ahead;      /* reading ahead on a thread, or NULL (then here) */
	uint64_t events;                /* events returned */
	const char *path;
	uint64_t damaged;       /* damaged stretches skipped */
	char damage[600];       /* the first ones, named */
	bool damage_cut;        /* damage holds all it will: "..." ends it */
	char cut[400];          /* why the reading stopped early, or "" */
	bool quiet;             /* an error stops the reading silently, into failed (a view is on screen) */
	char failed[512];       /* quiet: why the file could not be read on, or "" */
	struct event ev;        /* the event read last, without ahead */
	uint64_t size;          /* the file's bytes (0: not a regular file) */
};

/* Opens the trace at path. Returns 0, or 1 after printing what is wrong. */
int cli_trace_open(struct cli_trace *t, const char *path);

/* The same, quiet: what is wrong goes to t->failed, not to stderr (a view
 * is on the screen). */
int cli_trace_open_quiet(struct cli_trace *t, const char *path);

/* The same, quietly, going on from a resume point (trace.h) rather than
 * the file's start. Returns 0, or 1 with why in t->failed. */
struct trace_resume;
int cli_trace_open_resume(struct cli_trace *t, const char *path, const struct trace_resume *at);

/* Reads the next event into *ev (a pointer valid until the next call or
 * the close; not a copy: it is the hottest loop of every command that
 * reads a whole file). Returns 1 for an event, 2 when a damaged stretch
 * was skipped (cli_trace_last_damage names it; reading goes on), 0 at the
 * end (complete, or cut off: then cut is set), or -1 after printing why
 * the file cannot be read on. */
int cli_trace_next(struct cli_trace *t, const struct event **ev);

/* The same, with several events in a row when the file is read ahead:
 * *ev points at the first of *n (1 or more) when it returns 1 (for
 * report, whose statistics cost about as much as the reading). */
int cli_trace_next_run(struct cli_trace *t, const struct event **ev, size_t *n);

/* What the last result 2 skipped ("chunk 2 at byte 470: payload checksum
 * mismatch; chunk skipped, reading on at byte 744"). */
const char *cli_trace_last_damage(const struct cli_trace *t);

/* Writes into buf what the reading missed (damaged parts skipped, a
 * recording cut off), starting with the file's name; "" when nothing. */
void cli_trace_warning(const struct cli_trace *t, char *buf, size_t len);

/* Closes the trace. */
void cli_trace_close(struct cli_trace *t);

/* Prints str as a JSON string (cli/report.c): not UTF-8 as U+FFFD,
 * controls (C0, DEL, C1) escaped, so that it is safe on a terminal. */
void cli_json_string(FILE *f, const char *str);

/* Contention by object (cli/contention.c), for report and `conctop
 * contention`: the table as text (with every holder's line when holders),
 * and as a JSON array at the given indentation. */
struct spans;
struct contention;
void cli_contention_text(FILE *f, const struct spans *s, const struct contention *c, bool holders);
void cli_contention_json(FILE *f, const struct spans *s, const struct contention *c, const char *indent);

/* Undone work (cli/undone_out.c): report's section "CPU idle while threads
 * were runnable", from the statistics' reading of the file (stats_finish
 * done; JSON: the "undone" member, after a comma; the sentences:
 * tui/undone_text.h). And a timeline's stretches (the ended ones and
 * those still open at its end), by start, in a new array *out of *n (free
 * it), for log. Returns 0 or -ENOMEM. */
struct undone_stretch;
struct timeline;
struct stats;
void cli_report_undone(const struct stats *st, bool json);
int cli_undone_collect(const struct timeline *tl, struct undone_stretch **out, size_t *n);

/* Reads the trace at path into a new history (spans.h) that keeps every
 * span, or, with a sum (contention.h), none: its waits go to the sum as
 * they end. Within limit bytes, the history and the sum together
 * (cli_window_cap; UINT64_MAX none). Returns 0, 1 after printing what is
 * wrong, or -EFBIG (nothing printed, *out NULL, warn says how far it read
 * and what to do) when they grew past limit; what was missed (damaged
 * chunks, a cut-off recording) is in warn (else ""). */
struct contention_sum;
int cli_load_spans(const char *path, struct contention_sum *sum, uint64_t limit, struct spans **out, char *warn,
		   size_t wlen);

/* A read of the waits' history for a view's window (cli_load_spans_window):
 * what is asked, then what came of it. */
struct trace_resume;
struct cli_spans_read {
	uint64_t from, to;              /* the window */
	uint64_t cap;                   /* bytes the history may hold, 0: no cap */
	uint64_t limit;                 /* past it the reading fails (-EFBIG): 0 none (a command's
					 * --memory, where forgetting would change its answer) */
	bool until_to;                  /* stop at the first event past to (else: once past the cap, or the end) */
	struct spans *out;              /* in: a history made at a checkpoint (timeline_spans) to go on
					 * from, or NULL (the file's start); out: the history read, or NULL */
	const struct trace_resume *at;  /* with a history given: where the file goes on after it */
	uint64_t began;                 /* with a history given: its instant; out: where the reading
					 * began (0: the file's start) */
	struct contention_sum *sum;     /* NULL, or: a new history keeps no span, its waits go to it,
					 * and its memory counts against the limit */
	bool (*pump)(void *ctx, double done); /* run every 16 384 events with the share of the
					 * way to `to` read; true stops the reading. NULL: none */
	void *pump_ctx;
	uint64_t kept;                  /* from when its waits are all there */
	uint64_t read_to;               /* where the reading stopped, UINT64_MAX: the end of the file
					 * (until_to: its last event, the file may go on) */
	bool stopped;                   /* the pump stopped it */
	char warn[512];                 /* why it failed */
};

/* The same within rd->cap for a view of the window rd->from, rd->to: the
 * waits that ended before from are forgotten as the file is read; when
 * the window itself holds more, its older part goes too, and reading
 * stops past to. With a history in rd->out (which must begin at or
 * before from; freed when this fails), the reading goes on from rd->at
 * instead of the file's start. With rd->until_to it reads on past
 * to only until no thread is blocked since before to (a second of trace
 * at most), so that the waits under way at the window's end are known to
 * their end. rd->kept is from when the waits are
 * all there (0: from the start; rd->began; past from when the window
 * held too much). Quiet: returns 0, or 1 with why in rd->warn (stopped by
 * the pump: rd->stopped). */
int cli_load_spans_window(const char *path, struct cli_spans_read *rd);

/* What contention and path share after their options (cli/contention.c):
 * one FILE left at argv[optind], --to after --from, the file read into
 * *out (warnings printed, and kept in warn[]: "" for a whole file), w->to
 * set to the trace's end when not given or past it. With sum (contention),
 * *sum is a new sum of the window that the waits went to (the history
 * keeps no span); without (path), the history keeps every span. Returns 0,
 * or the exit status to return (2 usage, 1 unreadable). */
int cli_window_spans(const char *cmd, int argc, char **argv, struct contention_sum **sum, struct cli_window *w,
		     struct spans **out, char *warn, size_t wlen);

/* Writes a JSON object's "complete" field and, for a file cut off or
 * damaged, its "warning" (warn, "" for none), each followed by a comma
 * and a newline, indented as report --json has them. */
void cli_json_complete(FILE *f, const char *warn);

/* Reads the trace at path into a new timeline. Returns 0, or 1 after
 * printing what is wrong; what was missed (damaged chunks skipped, a
 * recording cut off: read up to its last complete chunk) is in warn (else
 * warn is ""). */
struct timeline;
int cli_load_timeline(const char *path, struct timeline **out, char *warn, size_t wlen);

/* A trace read into a timeline a slice at a time (cli/readtrace.c), so
 * that replay draws its first frame at once and reads on between frames.
 * The timeline is the loader's until cli_loader_take. */
struct cli_loader {
	struct cli_trace t;
	struct timeline *tl;
	bool done;              /* the whole file was read (or as much as can be) */
};

/* Opens the trace at path and makes its empty timeline. Returns 0, or 1
 * after printing what is wrong (quiet: after putting it in t.failed; the
 * reading's errors go there too). */
int cli_loader_open(struct cli_loader *ld, const char *path, bool quiet);

/* The same, quietly, to go on from a writer's resume point (trace.h)
 * into tl, a copy of a timeline made there (timeline_clone): the loader
 * takes tl (freed when it fails). Returns 0, or 1 with why in t.failed. */
struct trace_resume;
int cli_loader_resume(struct cli_loader *ld, const char *path, struct timeline *tl, const struct trace_resume *at);

/* Where the file goes on after the events the loader's timeline followed
 * (a checkpoint of it: view_history_checkpoint). Returns 0, or < 0 when
 * none is known (the reading ended, or damage was just skipped). */
int cli_loader_resume_point(const struct cli_loader *ld, struct trace_resume *at);

/* Reads on until an event at or after until_ns was added, budget_ns of
 * wall time passed (with a budget, also after CLI_LOADER_STEP_MAX events,
 * so that callers that check the memory between steps overshoot their
 * share by a megabyte or so however fast the reading), or the file ended.
 * Returns 1 when there is more to read, 0 when done, or -1 after an error
 * that ends the reading (printed, or in t.failed when t.quiet: what was
 * read stays). */
#define CLI_LOADER_STEP_MAX 65536
int cli_loader_step(struct cli_loader *ld, uint64_t until_ns, uint64_t budget_ns);

/* How much of the file was read, 0 to 1. */
double cli_loader_progress(const struct cli_loader *ld);

/* What the reading missed, as cli_trace_warning (call when done). */
void cli_loader_warning(const struct cli_loader *ld, char *buf, size_t len);

/* Closes the file (when done: the timeline's end becomes the trace's) and
 * gives the timeline away; NULL when there is none. */
struct timeline *cli_loader_take(struct cli_loader *ld);

/* Closes the file and frees what was not taken. */
void cli_loader_close(struct cli_loader *ld);

/* Reads the trace at path into a new timeline for a command that prints a
 * window of it, [from, to): what ends before from is forgotten as it is
 * read (the lanes, log and states from from on are those of the whole
 * trace), so that a late window of a long file holds only what follows
 * its start. With a `to` (not UINT64_MAX) and an index stored in the
 * file, it reads past to only until nothing later can change the lanes of
 * the window (for_log: its log): the states and undone work before to are
 * settled (timeline_settled) and no chunk further on holds an event of
 * TL_LATE_TYPES (a name, a loss; for_log TL_LOG_LATE_TYPES); else to the
 * end of the file. What the reading missed is said on stderr as a warning
 * (damage past where it stopped is not read), and so is a trace that ends
 * before from (0: the start). A timeline that grows past cap bytes
 * (cli_window_cap) stops the reading, saying how far it got and what to
 * do. Returns 0, or 1 after printing what is wrong. */
int cli_load_window(const char *path, uint64_t from, uint64_t to, bool for_log, uint64_t cap, struct timeline **out);

/* The same reading in steps, for a command that prints a window as it
 * reads it (conctop log): open, then read to a point after point, printing
 * and trimming (timeline_trim) what is final before each, then take what
 * is left. */
struct trace_index;
struct cli_window_reader {
	struct cli_loader ld;   /* ld.tl: the timeline read so far; ld.done: the file ended */
	const char *path;
	uint64_t from, cap;     /* as cli_load_window's */
	bool for_log;
	struct trace_index *ix; /* the index stored in the file, or NULL */
	bool ix_read;           /* ix was looked for (the first window end asked) */
};

/* Opens the trace at path for a window from `from` (skimmed before it).
 * Returns 0, or 1 after printing what is wrong. */
int cli_window_open(struct cli_window_reader *w, const char *path, uint64_t from, bool for_log, uint64_t cap);

/* Reads on until reading further can no longer change what the timeline
 * holds before `to` (as cli_load_window stops), or the file ends
 * (w->ld.done). Returns 0, or 1 after printing what is wrong (the cap
 * passed: how far it got). */
int cli_window_read_to(struct cli_window_reader *w, uint64_t to);

/* Warns of what the reading missed and of a trace that ends before from,
 * closes it, and gives its timeline away. */
struct timeline *cli_window_take(struct cli_window_reader *w);

/* Closes the reading and frees what was not taken. */
void cli_window_close(struct cli_window_reader *w);

/* Prints the log of [from, to) of the trace at path to out (conctop log),
 * step_ns of trace time at a time as the reading makes it final
 * (cli_window_read_to), forgetting each part once printed: the lines are
 * those of the window read whole, and a stretch of them is printed while
 * the reading goes on. ascii: no UTF-8 in the words. *parts: how many
 * parts it was printed in. Returns 0, or 1 after printing what is wrong
 * (what was printed before stays). */
int cli_log_print(FILE *out, const char *path, uint64_t from, uint64_t to, uint64_t cap, uint64_t step_ns,
		  bool ascii, size_t *parts);

/* Says, as a warning, that the trace at path ends (at end, ns) before a
 * window's start, from; nothing when it does not, or is empty. */
void cli_warn_past_end(const char *path, uint64_t from, uint64_t end);

/* The end of a drawn window from `from`, of a trace ending at `end`: the
 * trace's end when no --to was given (have_to false), else `to`, but at
 * most the trace's end, which a note then says (blank columns say less). */
uint64_t cli_window_draw_end(const char *path, uint64_t from, uint64_t to, bool have_to, uint64_t end);

/* Writes s cut to cols terminal columns and padded with spaces to them
 * into buf (len bytes): a column of a text table, counted in columns, not
 * bytes, so that a non-ASCII or wide (CJK) name neither shifts its row nor
 * is cut inside a character. Returns buf. */
const char *cli_column(char *buf, size_t len, const char *s, int cols);

/* The PROCESS column of report's and contention's tables: process name
 * (escaped; "?" for none or NULL) cut to 15 columns, then "(tgid)", as a
 * 22-column cli_column. Returns buf. */
const char *cli_process_column(char *buf, size_t len, const char *name, int32_t tgid);

#endif
