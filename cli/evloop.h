/* One poll() for a command's whole life (the live view, the replay,
 * record): file descriptors and deadlines, each with a handler that returns
 * what changed. The caller redraws when a handler says so, and stops when
 * one says quit: nothing is redrawn or polled on a fixed beat unless a
 * timer asks for it. SIGWINCH is blocked except inside the wait (ppoll), so
 * a resize at any moment ends the next wait instead of being missed. */
#ifndef CONCTOP_EVLOOP_H
#define CONCTOP_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

#define EVLOOP_REDRAW 1u   /* the screen should be drawn again */
#define EVLOOP_QUIT 2u     /* the command should end */
#define EVLOOP_ENDED 4u    /* tracing ended (the target, --duration, a signal) */
#define EVLOOP_SIGNAL 8u   /* a signal interrupted the wait (SIGWINCH: read the terminal) */

#define EVLOOP_NEVER UINT64_MAX

/* A descriptor became readable (or hung up, or failed: revents says). */
typedef unsigned (*evloop_fd_fn)(void *ctx, int fd, short revents);

/* A timer fell due at now_ns (it is disarmed: re-arm it to repeat). */
typedef unsigned (*evloop_timer_fn)(void *ctx, uint64_t now_ns);

struct evloop;

/* Creates an empty loop and blocks SIGWINCH outside its waits. Returns 0
 * or -ENOMEM. */
int evloop_new(struct evloop **out);

/* Frees the loop and lets SIGWINCH through again. Accepts NULL. */
void evloop_free(struct evloop *l);

/* Watches fd for input. Returns 0, -EINVAL for fd < 0, -ENOSPC when full. */
int evloop_watch(struct evloop *l, int fd, evloop_fd_fn fn, void *ctx);

/* Stops watching fd (also from its own handler). */
void evloop_unwatch(struct evloop *l, int fd);

/* Adds a timer, disarmed. Returns its id (>= 0) or -ENOSPC. */
int evloop_timer(struct evloop *l, evloop_timer_fn fn, void *ctx);

/* Arms timer id to fall due at due_ns (CLOCK_MONOTONIC); EVLOOP_NEVER
 * disarms it. */
void evloop_arm(struct evloop *l, int id, uint64_t due_ns);

/* When timer id falls due (EVLOOP_NEVER: disarmed). */
uint64_t evloop_due(const struct evloop *l, int id);

/* CLOCK_MONOTONIC in ns. */
uint64_t evloop_now(void);

/* Waits until a descriptor is ready or a timer is due (forever when
 * neither can happen), runs their handlers and returns the union of what
 * they returned, plus EVLOOP_SIGNAL when a signal ended the wait. */
unsigned evloop_run_once(struct evloop *l);

#endif
