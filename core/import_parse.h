/* The lines of scheduler trace texts, taken apart: `perf script`,
 * `trace-cmd report` (its default output, -R and -N) and the ftrace trace
 * file (/sys/kernel/tracing/trace). Used by import.c; no state here.
 *
 * An event line is, in all three,
 *   TASK [CPU] [FLAGS] SECONDS.FRACTION: [SUBSYSTEM:]EVENT: FIELDS
 * where TASK is "comm tid" or "comm pid/tid" (perf) or "comm-tid" with an
 * optional "(tgid)" column (ftrace, trace-cmd); comm may hold spaces. */
#ifndef CONCTOP_IMPORT_PARSE_H
#define CONCTOP_IMPORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMPORT_COMM_MAX 32  /* bytes kept of a task name, with its NUL */
#define IMPORT_EVENT_MAX 48 /* bytes kept of an event name, with its NUL */

/* Which tool's text a line looks like. */
enum import_style { IMPORT_STYLE_NONE = 0, IMPORT_STYLE_PERF, IMPORT_STYLE_FTRACE };

/* An event line, taken apart. Pointers point into the line. */
struct import_line {
	enum import_style style;
	char comm[IMPORT_COMM_MAX]; /* the current task's name ("" when the text has "<...>") */
	int32_t tid;                /* the current task (perf prints -1 for an exiting one) */
	int32_t tgid;               /* its process when the text says, else 0 */
	unsigned cpu;
	uint64_t ts;                /* ns */
	bool in_irq;                /* the flags column (ftrace, trace-cmd) says an interrupt
				     * (hard, soft or NMI) ran it: not the task's own doing */
	char event[IMPORT_EVENT_MAX]; /* without its subsystem: "sched_switch" */
	const char *fields;         /* the rest, NUL-terminated */
};

/* Whether line is a frame of a call stack printed under an event: perf
 * script's of a -g recording (a tab, then an address and a symbol) or
 * ftrace's stacktrace option (" => function"). */
bool import_stack_line(const char *line);

/* Takes an event line apart (line is NUL-terminated). Returns 0, -ENOENT
 * when it is not an event line at all, or -EINVAL with *why set when it
 * starts like one and then is broken. */
int import_parse_line(const char *line, struct import_line *out, const char **why);

/* Finds key=value in fields: the value runs to the next " word=" or
 * " ==> ", or to the end. Returns its length and sets *val, or -1. */
int import_field(const char *fields, const char *key, const char **val);

/* The value of key as an integer in [lo, hi] (decimal, or hex with 0x).
 * Returns 0, or -1 when absent or malformed. */
int import_field_int(const char *fields, const char *key, int64_t lo, int64_t hi, int64_t *out);

/* Copies the value of key into buf (truncated to len - 1). Returns 0 or -1. */
int import_field_str(const char *fields, const char *key, char *buf, size_t len);

/* A sched_switch prev_state ("S", "R+", "D|K", "1", "0x100") as the
 * kernel's report bits (core/event.h EVENT_STATE_*). Returns 0 or -1. */
int import_parse_state(const char *s, size_t len, int64_t *state);

/* trace-cmd's own sched_switch and sched_wakeup print formats:
 * "comm:pid [prio] STATE ==> comm:pid [prio]" and "comm:pid [prio] CPU:003".
 * Return 0 or -1. */
int import_plugin_switch(const char *fields, char *prev_comm, int32_t *prev_pid, int64_t *state, char *next_comm,
			 int32_t *next_pid);
int import_plugin_wakeup(const char *fields, char *comm, int32_t *pid, int *target_cpu);

#endif
