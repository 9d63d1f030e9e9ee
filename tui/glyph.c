/* What a lane cell looks like: its glyph, its role (colour), its legend
 * item, and the legend's words for each item.
 *
 * Glyphs (docs/lanes.md): a thread lane cell shows the state that took
 * most of its time: the CPU number 0-9 ('#' for CPU >= 10) when running,
 * '*' spinning, '-' runnable, M R C B S J F for a lock, cond, barrier,
 * semaphore, join or futex, 'z' sleeping, 'I' I/O, 'D' uninterruptible,
 * '>' held at conctop's start gate (before the program it started runs),
 * '.' blocked for an unknown cause, blank when not alive. '^' replaces a
 * cell's glyph whenever the thread was woken within it. A
 * cell where no state took more than half the time shows '+' in the colour
 * of the state that took most ("mixed": zoom in to see it). A CPU lane
 * cell shows the letter of the thread it ran ('&' for a thread past the 52
 * letters), '~' another program, blank idle, '_' idle while threads were
 * runnable on another, busy CPU (undone work), '?' unknown, '+' mixed. A busy
 * strip (a row of several CPUs) and a process's header row show a share
 * running in eighths, U+2581 to U+2588 (ASCII: 1 to 8), blank for none.
 * Each glyph has one meaning on the lanes it is drawn on (test_glyphs
 * checks the legend table). */
#include "lanes.h"
#include "render.h"

/* The glyph and role of a thread lane cell (see render.h). */
unsigned render_cell_glyph(const struct tl_cell *cell, uint32_t *ch, uint8_t *role)
{
	static const struct {
		char ch;
		uint8_t role, item;
	} map[TL_STATE_MAX] = {
		[TL_NOT_ALIVE] = { ' ', ROLE_DEFAULT, LG_MAX },
		[TL_RUNNING] = { '0', ROLE_RUNNING, LG_RUN },
		[TL_SPINNING] = { '*', ROLE_SPINNING, LG_SPIN },
		[TL_RUNNABLE] = { '-', ROLE_RUNNABLE, LG_RUNNABLE },
		[TL_BLOCKED_MUTEX] = { 'M', ROLE_BLOCKED_LOCK, LG_MUTEX },
		[TL_BLOCKED_RWLOCK] = { 'R', ROLE_BLOCKED_LOCK, LG_RWLOCK },
		[TL_BLOCKED_COND] = { 'C', ROLE_BLOCKED_SIGNAL, LG_COND },
		[TL_BLOCKED_BARRIER] = { 'B', ROLE_BLOCKED_SIGNAL, LG_BARRIER },
		[TL_BLOCKED_SEM] = { 'S', ROLE_BLOCKED_SIGNAL, LG_SEM },
		[TL_BLOCKED_JOIN] = { 'J', ROLE_BLOCKED_SIGNAL, LG_JOIN },
		[TL_BLOCKED_FUTEX] = { 'F', ROLE_BLOCKED_SIGNAL, LG_FUTEX },
		[TL_SLEEPING] = { 'z', ROLE_SLEEP, LG_SLEEP },
		[TL_IO] = { 'I', ROLE_SLEEP, LG_IO },
		[TL_UNINTERRUPTIBLE] = { 'D', ROLE_SLEEP, LG_UNINT },
		[TL_GATE] = { '>', ROLE_UNKNOWN, LG_GATE },
		[TL_BLOCKED_UNKNOWN] = { '.', ROLE_UNKNOWN, LG_UNKNOWN },
	};
	unsigned st = cell->state < TL_STATE_MAX ? cell->state : TL_BLOCKED_UNKNOWN;
	unsigned item = map[st].item;
	bool ready;

	*ch = (uint32_t)map[st].ch;
	*role = map[st].role;
	if (st == TL_RUNNING) {
		if (cell->cpu >= 0 && cell->cpu < 10) {
			*ch = (uint32_t)('0' + cell->cpu);
		} else {
			*ch = '#';
			item = LG_RUN10;
		}
	}
	ready = st == TL_RUNNING || st == TL_RUNNABLE;
	if (cell->wakeup) {
		/* a wakeup shows at any scale, whatever else the column holds:
		 * every thread the gun wakes gets its '^', also one that then
		 * found the mutex taken, was woken again and ran */
		*ch = '^';
		if (cell->mixed || !ready)
			*role = ROLE_RUNNABLE;
		item = LG_WOKEN;
	} else if (cell->mixed) {
		*ch = '+';
		item = LG_MIXED;
	}
	return item;
}

/* The glyph and role of a CPU lane cell (see render.h). */
unsigned render_cpu_glyph(const struct timeline *tl, const struct tl_cpu_cell *cell, uint32_t *ch, uint8_t *role)
{
	unsigned item = LG_MAX;

	switch (cell->kind) {
	case TL_CPU_THREAD: {
		const struct tl_thread *t = timeline_thread(tl, cell->thread);

		*ch = t && t->letter ? (uint32_t)(unsigned char)t->letter : TL_LETTER_MORE;
		*role = ROLE_RUNNING;
		item = *ch == TL_LETTER_MORE ? LG_THREAD_MORE : LG_THREAD;
		break;
	}
	case TL_CPU_OTHER:
		*ch = '~';
		*role = ROLE_OTHER;
		item = LG_OTHER;
		break;
	case TL_CPU_IDLE:
		*ch = cell->undone ? '_' : ' ';
		*role = cell->undone ? ROLE_RUNNABLE : ROLE_DEFAULT;
		item = cell->undone ? LG_UNDONE : LG_MAX;
		break;
	default:
		*ch = '?';
		*role = ROLE_UNKNOWN;
		item = LG_CPU_UNKNOWN;
		break;
	}
	if (cell->mixed) {
		*ch = '+';
		item = LG_MIXED;
	}
	return item;
}

/* The glyph of a share running of k out of n (see lanes.h). */
unsigned lanes_share_glyph(uint64_t k, uint64_t n, bool ascii, uint32_t *ch)
{
	uint64_t eighths;

	if (n == 0 || k == 0) {
		*ch = ' ';
		return LG_MAX;
	}
	if (k > n)
		k = n;
	for (; n > UINT64_MAX / 16; n >>= 1, k >>= 1)
		; /* keep k * 8 in range */
	eighths = k == n ? 8 : (k * 8 + n - 1) / n; /* any share at all: a sliver */
	if (eighths > 7 && k < n)
		eighths = 7;
	if (eighths < 1)
		eighths = 1;
	*ch = ascii ? (uint32_t)('0' + eighths) : 0x2580u + (uint32_t)eighths;
	return LG_SHARE;
}

/* The legend entry of an item. */
const struct legend_entry *lanes_legend_entry(unsigned item)
{
	static const struct legend_entry items[LG_MAX] = {
		[LG_RUN] = { "0-9", ROLE_RUNNING, "running on that CPU", NULL },
		[LG_RUN10] = { "#", ROLE_RUNNING, "running on CPU 10+", NULL },
		[LG_SPIN] = { "*", ROLE_SPINNING, "spinning", NULL },
		[LG_RUNNABLE] = { "-", ROLE_RUNNABLE, "runnable", "runnable (waiting for a CPU)" },
		[LG_WOKEN] = { "^", ROLE_RUNNABLE, "woken", NULL },
		[LG_MUTEX] = { "M", ROLE_BLOCKED_LOCK, "mutex", NULL },
		[LG_RWLOCK] = { "R", ROLE_BLOCKED_LOCK, "rwlock", NULL },
		[LG_COND] = { "C", ROLE_BLOCKED_SIGNAL, "cond var", NULL },
		[LG_BARRIER] = { "B", ROLE_BLOCKED_SIGNAL, "barrier", NULL },
		[LG_SEM] = { "S", ROLE_BLOCKED_SIGNAL, "semaphore", NULL },
		[LG_JOIN] = { "J", ROLE_BLOCKED_SIGNAL, "join", NULL },
		[LG_FUTEX] = { "F", ROLE_BLOCKED_SIGNAL, "futex", NULL },
		[LG_SLEEP] = { "z", ROLE_SLEEP, "sleeping", NULL },
		[LG_IO] = { "I", ROLE_SLEEP, "I/O", NULL },
		[LG_UNINT] = { "D", ROLE_SLEEP, "uninterruptible", NULL },
		[LG_GATE] = { ">", ROLE_UNKNOWN, "start gate", "conctop's start gate (held until tracing runs)" },
		[LG_UNKNOWN] = { ".", ROLE_UNKNOWN, "blocked, cause unknown", NULL },
		[LG_MIXED] = { "+", ROLE_LABEL, "mixed", "mixed (no state took half)" },
		[LG_THREAD] = { "A-z", ROLE_RUNNING, "thread on the CPU", NULL },
		[LG_THREAD_MORE] = { "&", ROLE_RUNNING, "thread past z", "a thread past the 52 letters (its tid in the log)" },
		[LG_OTHER] = { "~", ROLE_OTHER, "other program", NULL },
		[LG_CPU_UNKNOWN] = { "?", ROLE_UNKNOWN, "unknown", "unknown (not seen yet)" },
		[LG_LOST] = { "!", ROLE_WARNING, "events lost here: lanes may be wrong", NULL },
		[LG_MARK] = { "@", ROLE_MARK, "marker", "a scenario's marker (conctop_mark): the thread's letter and its words" },
		[LG_UNDONE] = { "_", ROLE_RUNNABLE, "idle, threads waiting",
				"idle while threads were runnable on another, busy CPU (undone work)" },
		[LG_SHARE] = { "\xe2\x96\x81-\xe2\x96\x88", ROLE_RUNNING, "share running",
			       "share running, in eighths: of a row's CPUs (busy strip), of a process's threads (its header)",
			       "1-8" },
	};

	return &items[item < LG_MAX ? item : LG_LOST];
}

/* The legend's words of an item in a printed legend (longer where the
 * picture has room to say more). */
const char *lanes_legend_detail(unsigned item)
{
	const struct legend_entry *e = lanes_legend_entry(item);

	return e->detail ? e->detail : e->text;
}
