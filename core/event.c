/* Names of the normalised event types. */
#include "event.h"

static const char *const event_names[EVENT_TYPE_MAX] = {
	[EVENT_SWITCH] = "switch",
	[EVENT_WAKING] = "waking",
	[EVENT_WAKEUP] = "wakeup",
	[EVENT_WAKEUP_NEW] = "wakeup_new",
	[EVENT_MIGRATE] = "migrate",
	[EVENT_FORK] = "fork",
	[EVENT_EXIT] = "exit",
	[EVENT_EXEC] = "exec",
	[EVENT_RENAME] = "rename",
	[EVENT_MARK] = "mark",
	[EVENT_THREAD] = "thread",
	[EVENT_LOST] = "lost",
};

/* Returns the lower-case name of an event type, or "unknown". */
const char *event_type_name(unsigned type)
{
	if (type < EVENT_TYPE_MAX && event_names[type])
		return event_names[type];
	return "unknown";
}
