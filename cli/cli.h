/* The command-line front end: one function per subcommand, plus the small
 * helpers they share. Each cmd_* returns the process exit status. */
#ifndef CONCTOP_CLI_H
#define CONCTOP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define EXIT_USAGE 2

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_lesson(int argc, char **argv);
int cmd_tour(int argc, char **argv);
int cmd_lanes(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_import(int argc, char **argv);
/* The live view, `conctop run [OPTIONS] SCENARIO [ARGS]`. */
int cmd_run(int argc, char **argv);
/* The live view from conctop's own arguments: `conctop [OPTIONS]
 * [run SCENARIO [ARGS] | -- COMMAND [ARGS] | -p PID]` (argv[0] is conctop). */
int cmd_live(int argc, char **argv);

/* Parses a time ("1.5s", "250ms", "40us", "100ns"; a bare number is
 * seconds) into ns. Returns 0, or -EINVAL. */
int cli_parse_time(const char *s, uint64_t *ns);

/* Parses a size ("16M", "4096", "1G") into bytes. Returns 0 or -EINVAL. */
int cli_parse_size(const char *s, uint64_t *bytes);

/* Takes a window option of lanes, export and log: --from ('f') or --to
 * ('t', which sets *have_to). Returns 0, -1 when opt is neither, or the
 * usage exit status after printing what is wrong with arg. */
int cli_window_option(const char *cmd, int opt, const char *arg, uint64_t *from, uint64_t *to, bool *have_to);

/* Parses --width as a number of columns from min to max into *cols.
 * Returns 0, or the usage exit status after printing what is wrong. */
int cli_columns_option(const char *cmd, const char *arg, int min, int max, int *cols);

/* Prints "conctop: " and a formatted message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the usage error, then where to read more, on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The directory holding the scenario programs (next to the conctop binary,
 * or $CONCTOP_SCENARIO_DIR). Returns 0 or -errno. */
int cli_scenario_dir(char *buf, size_t len);

/* Reads the trace at path into a new timeline. Returns 0, or 1 after
 * printing what is wrong; when the recording was cut off, it is read up to
 * its last complete chunk and warn says so (else warn is ""). */
struct timeline;
int cli_load_timeline(const char *path, struct timeline **out, char *warn, size_t wlen);

#endif
