/* Names of the normalised event types. */
#include "event.h"

#include <string.h>

static const char *const event_names[EVENT_TYPE_MAX] = {
	[EVENT_SWITCH] = "switch",          [EVENT_WAKING] = "waking",
	[EVENT_WAKEUP] = "wakeup",          [EVENT_WAKEUP_NEW] = "wakeup_new",
	[EVENT_MIGRATE] = "migrate",        [EVENT_FORK] = "fork",
	[EVENT_EXIT] = "exit",              [EVENT_EXEC] = "exec",
	[EVENT_RENAME] = "rename",          [EVENT_MARK] = "mark",
	[EVENT_THREAD] = "thread",          [EVENT_LOST] = "lost",
	[EVENT_CALL] = "call",              [EVENT_RETURN] = "return",
	[EVENT_SYSCALL] = "syscall",        [EVENT_SYSRET] = "sysret",
	[EVENT_OBJECT] = "object",          [EVENT_BLOCK] = "block",
	[EVENT_SIGNAL] = "signal",          [EVENT_SIGNAL_DELIVER] = "signal_deliver",
	[EVENT_AFFINITY] = "affinity",
};

static const char *const op_names[OP_KIND_MAX] = {
	[OP_MUTEX_LOCK] = "mutex_lock",
	[OP_MUTEX_TRYLOCK] = "mutex_trylock",
	[OP_MUTEX_TIMEDLOCK] = "mutex_timedlock",
	[OP_MUTEX_UNLOCK] = "mutex_unlock",
	[OP_COND_WAIT] = "cond_wait",
	[OP_COND_TIMEDWAIT] = "cond_timedwait",
	[OP_COND_SIGNAL] = "cond_signal",
	[OP_COND_BROADCAST] = "cond_broadcast",
	[OP_BARRIER_WAIT] = "barrier_wait",
	[OP_SEM_WAIT] = "sem_wait",
	[OP_SEM_TIMEDWAIT] = "sem_timedwait",
	[OP_SEM_POST] = "sem_post",
	[OP_RWLOCK_RDLOCK] = "rwlock_rdlock",
	[OP_RWLOCK_WRLOCK] = "rwlock_wrlock",
	[OP_RWLOCK_UNLOCK] = "rwlock_unlock",
	[OP_JOIN] = "join",
	[OP_SPIN_LOCK] = "spin_lock",
	[OP_SPIN_UNLOCK] = "spin_unlock",
	[OP_CREATE] = "create",
	[OP_SYS_SLEEP] = "sleep",
	[OP_SYS_READ] = "read",
	[OP_SYS_WRITE] = "write",
	[OP_SYS_POLL] = "poll",
	[OP_SYS_FUTEX] = "futex",
	[OP_SYS_ACCEPT] = "accept",
	[OP_SYS_WAIT] = "wait",
	[OP_SYS_SIGWAIT] = "sigwait",
	[OP_KIND_MUTEX] = "mutex",
	[OP_KIND_COND] = "cond",
	[OP_KIND_BARRIER] = "barrier",
	[OP_KIND_SEM] = "sem",
	[OP_KIND_RWLOCK] = "rwlock",
	[OP_KIND_SPIN] = "spin",
	[OP_KIND_THREAD] = "thread",
	[OP_KIND_FUTEX] = "futex",
	[OP_KIND_CHILD] = "child",
};

/* Returns the name of an op, or "unknown". */
const char *event_op_name(unsigned op)
{
	if (op < OP_KIND_MAX && op_names[op])
		return op_names[op];
	return "unknown";
}

/* Returns the lower-case name of an event type, or "unknown". */
const char *event_type_name(unsigned type)
{
	if (type < EVENT_TYPE_MAX && event_names[type])
		return event_names[type];
	return "unknown";
}

/* Whether two events say the same (see event.h). */
int event_equal(const struct event *a, const struct event *b)
{
	return a->ts == b->ts && a->type == b->type && a->cpu == b->cpu && a->tid == b->tid && a->tgid == b->tgid &&
	       a->tid2 == b->tid2 && a->tgid2 == b->tgid2 && a->arg == b->arg && a->arg2 == b->arg2 && a->op == b->op &&
	       !strcmp(a->text, b->text);
}
