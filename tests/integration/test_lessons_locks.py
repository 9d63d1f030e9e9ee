"""Lesson checks of the lock scenarios (rwlock, philosophers, inversion,
falseshare, spin): each is recorded with the real tracer, and the property
its lesson is about is checked from the recorded trace (the timeline of
switches and wakeups, and the scenario's markers), not from its printout.

Thresholds leave room for a noisy 2-CPU virtual machine; speeds are
compared in make bench, not here."""
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(__file__))
from harness import (retried, SCENARIOS, bpf_available, check, conctop, dump_events, finish,  # noqa: E402
                     report_json, skip, tmpdir)


# ---- reading a trace ----

class Trace:
    """A recorded scenario: its report, its events, and per-thread intervals
    of running / runnable / blocked rebuilt from the switch and wakeup
    events."""

    def __init__(self, path):
        self.report = report_json(path)
        self.events = sorted(dump_events(path), key=lambda e: e[0])
        self.end = self.report["duration_ns"] / 1e9
        self.names = {t["tid"]: t["name"] for t in self.report["threads"]}
        self.intervals = self._intervals()
        self.objects = {e[3].get("addr"): e[3].get("text", "")
                        for e in self.events if e[2] == "object"}

    def _intervals(self):
        """tid -> [(start_s, end_s, state)], state 'run', 'runnable' or 'blocked'."""
        state, since, out = {}, {}, defaultdict(list)
        exited = set()

        def move(tid, new, ts):
            if tid <= 0 or state.get(tid) == "dead":
                return
            old = state.get(tid)
            if old is not None and old != new:
                out[tid].append((since[tid], ts, old))
            if old != new:
                state[tid], since[tid] = new, ts

        for ts, cpu, kind, f in self.events:
            if kind == "switch":
                prev, nxt = int(f["tid"]), int(f["next"])
                st = int(f["state"], 16)
                # a thread that exited runs until this, its last switch
                move(prev, "dead" if prev in exited else
                     "blocked" if st & 0xff else "runnable", ts)
                move(nxt, "run", ts)
            elif kind in ("wakeup", "wakeup_new"):
                if state.get(int(f["tid"])) != "run":
                    move(int(f["tid"]), "runnable", ts)
            elif kind == "exit":
                exited.add(int(f["tid"]))
        for tid, st in state.items():
            if st != "dead":
                out[tid].append((since[tid], self.end, st))
        return out

    def tids(self, name):
        """Thread ids of the threads called name, in order of creation."""
        ts = [t for t in self.report["threads"] if t["name"] == name]
        return [t["tid"] for t in sorted(ts, key=lambda t: t["start_ns"])]

    def time_in(self, tid, st, t0, t1):
        """Seconds tid spent in state st between t0 and t1."""
        return sum(max(0.0, min(e, t1) - max(s, t0))
                   for s, e, x in self.intervals.get(tid, []) if x == st)

    def run_starts(self, tid, t0, t1):
        """Times tid was switched in between t0 and t1."""
        return [s for s, e, x in self.intervals.get(tid, []) if x == "run" and t0 < s < t1]

    def marks(self, text, tid=None):
        """(time, value, tid) of the markers labelled text."""
        return [(e[0], int(e[3]["value"]), int(e[3]["tid"])) for e in self.events
                if e[2] == "mark" and e[3].get("text") == text
                and (tid is None or int(e[3]["tid"]) == tid)]

    def wakers(self, woken, t0, t1):
        """Thread ids that woke woken between t0 and t1 (sched_waking)."""
        return [int(e[3]["tid"]) for e in self.events
                if e[2] == "waking" and int(e[3]["woken"]) == woken and t0 <= e[0] <= t1]


def record(name, args, want_status=(0,)):
    """Records build/scenarios/NAME ARGS; returns (Trace, stdout) or (None, stdout)."""
    path = os.path.join(tmpdir(), f"{name}.ctrace")
    label = " ".join([name, *args])
    r = conctop("record", "-q", "-o", path, "--", os.path.join(SCENARIOS, name), *args,
                timeout=120)
    out = r.stdout.strip()
    if r.returncode == 77:
        return None, out, 77
    if not check(r.returncode in want_status,
                 f"{label}: record exits {' or '.join(map(str, want_status))}",
                 f"exit {r.returncode}: {out} {r.stderr.strip()}"):
        return None, out, r.returncode
    print(f"  {label}: {out}")
    trace = Trace(path)
    check(trace.report["lost_events"] == 0, f"{label}: no lost events",
          f"lost {trace.report['lost_events']}")
    return trace, out, r.returncode


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


# ---- the lessons ----

def test_philosophers():
    """All philosophers block, each on the next one's fork, and none runs
    again (no CPU used) until the watchdog fires."""
    n, watchdog = 5, 300
    tr, out, _ = record("philosophers", ["--threads", str(n), "--watchdog", str(watchdog)],
                        want_status=(3,))
    if tr is None:
        return
    fired = tr.marks("watchdog fired")
    if not check(len(fired) == 1, "philosophers: the watchdog fired once (its marker is in the trace)",
                 f"{fired}"):
        return
    w = fired[0][0]
    phil = {i: tr.tids(f"philosopher-{i}") for i in range(1, n + 1)}
    if not check(all(len(t) == 1 for t in phil.values()),
                 f"philosophers: philosopher-1..{n} are in the trace", f"{phil}"):
        return
    phil = {i: t[0] for i, t in phil.items()}

    # when each philosopher last went to sleep before the watchdog fired
    last_block = {}
    for i, tid in phil.items():
        blocks = [s for s, e, x in tr.intervals[tid] if x == "blocked" and s < w and e >= w]
        last_block[i] = blocks[-1] if blocks else None
    check(all(b is not None for b in last_block.values()),
          "philosophers: every philosopher is blocked when the watchdog fires",
          f"{last_block}")
    if None in last_block.values():
        return
    all_blocked = max(last_block.values())
    ran = sum(tr.time_in(tid, "run", all_blocked, w) for tid in phil.values())
    starts = sum(len(tr.run_starts(tid, all_blocked, w)) for tid in phil.values())
    print(f"  philosophers: all blocked at {all_blocked:.3f} s, watchdog at {w:.3f} s "
          f"({ms(w - all_blocked)} later); philosophers ran {ms(ran)} in between")
    check(starts == 0 and ran == 0,
          "philosophers: after the last philosopher blocks, none runs again until the watchdog",
          f"{starts} switch-ins, {ms(ran)} of CPU")
    check(w - all_blocked >= 0.8 * watchdog / 1000,
          f"philosophers: they stay blocked for the watchdog's {watchdog} ms (80%)",
          ms(w - all_blocked))

    # attribution: the last lock each one called (--calls) or blocked in
    # (by default) is the next one's fork
    cycle = []
    for i, tid in phil.items():
        calls = [e for e in tr.events if e[2] in ("call", "block") and int(e[3]["tid"]) == tid
                 and e[0] <= last_block[i]]
        last = calls[-1] if calls else None
        obj = tr.objects.get(last[3].get("obj")) if last else None
        cycle.append((i, last[3].get("op") if last else None, obj))
    want = [(i, "mutex_lock", f"fork_{i % n + 1}") for i in range(1, n + 1)]
    check(cycle == want, "philosophers: each blocked in mutex_lock on the next one's fork (a cycle)",
          f"{cycle}")


def rwlock_wait(tr, label):
    """The writer's wait in a rwlock trace: (asked, got, blocked seconds)."""
    writer = tr.tids("writer")
    if not check(len(writer) == 1, f"{label}: the writer is in the trace", f"{writer}"):
        return None
    writer = writer[0]
    asked = tr.marks("writer wants board_lock", writer)
    got = tr.marks("writer got board_lock after ms", writer)
    if not check(len(asked) == 1 and len(got) == 1, f"{label}: the writer's markers are in the trace",
                 f"{asked} {got}"):
        return None
    a, g = asked[0][0], got[0][0]
    return writer, a, g, tr.time_in(writer, "blocked", a, g)


def test_rwlock():
    """Reader preference: the writer is blocked far longer, while readers
    keep coming and going, and the last reader lets it in. Writer
    preference: a short wait, and readers queue behind it."""
    rp, _, _ = record("rwlock", [])
    wp, _, _ = record("rwlock", ["--variant", "writer-pref"])
    if rp is None or wp is None:
        return
    r = rwlock_wait(rp, "rwlock reader-pref")
    w = rwlock_wait(wp, "rwlock writer-pref")
    if r is None or w is None:
        return
    writer, a, g, blocked_rp = r
    print(f"  rwlock: the writer was blocked {ms(blocked_rp)} under reader preference, "
          f"{ms(w[3])} under writer preference")
    check(blocked_rp >= 0.050, "rwlock reader-pref: the writer is blocked at least 50 ms",
          ms(blocked_rp))
    check(blocked_rp >= 4 * w[3],
          "rwlock: the writer is blocked at least 4 times longer under reader preference",
          f"{ms(blocked_rp)} vs {ms(w[3])}")

    readers = [t for t in rp.report["threads"] if t["name"].startswith("reader-")]
    rounds = sum(len(rp.run_starts(t["tid"], a, g)) for t in readers)
    check(rounds >= 40, "rwlock reader-pref: readers keep coming and going while the writer waits "
          "(>= 40 reader runs)", f"{rounds}")
    names = {rp.names.get(t, "?") for t in rp.wakers(writer, a, g + 0.001)}
    check(names and all(n.startswith("reader-") for n in names),
          "rwlock reader-pref: a reader's unlock wakes the writer", f"woken by {names}")

    writer, a, g, _ = w
    # readers that arrived while the writer waited are woken by its unlock
    woken_by_writer = {wp.names.get(int(e[3]["woken"]), "?") for e in wp.events
                       if e[2] == "waking" and int(e[3]["tid"]) == writer and e[0] >= g}
    queued = [n for n in woken_by_writer if n.startswith("reader-")]
    check(len(queued) >= 1, "rwlock writer-pref: readers queued behind the writer are woken by it",
          f"the writer woke {sorted(woken_by_writer)}")


def test_inversion():
    """Without --fixed, high is blocked while medium runs; with --fixed, low
    runs while high waits, and medium does not."""
    hog = 30
    for fixed in (False, True):
        label = "inversion" + (" --fixed" if fixed else "")
        tr, out, status = record("inversion", ["--iterations", "3", "--hog", str(hog)]
                                 + (["--fixed"] if fixed else []))
        if status == 77:
            skip(label, f"cannot use SCHED_FIFO here: {out}")
            continue
        if tr is None:
            continue
        highs, mediums, lows = tr.tids("high"), tr.tids("medium"), tr.tids("low")
        if not check(len(highs) == len(mediums) == len(lows) == 3,
                     f"{label}: 3 rounds of high, medium, low in the trace",
                     f"{highs} {mediums} {lows}"):
            continue
        cpus = {e[1] for e in tr.events if e[2] == "switch"
                and int(e[3]["next"]) in highs + mediums + lows}
        check(len(cpus) == 1, f"{label}: all of them ran on one CPU", f"CPUs {sorted(cpus)}")
        for rnd, (h, m, lo) in enumerate(zip(highs, mediums, lows), 1):
            asked = tr.marks("high wants resource_lock", h)
            got = tr.marks("high got resource_lock after us", h)
            if not check(len(asked) == 1 and len(got) == 1,
                         f"{label} round {rnd}: high's markers are in the trace", f"{asked} {got}"):
                continue
            a, g = asked[0][0], got[0][0]
            wait = g - a
            blocked = tr.time_in(h, "blocked", a, g)
            m_run = tr.time_in(m, "run", a, g)
            lo_run = tr.time_in(lo, "run", a, g)
            print(f"  {label} round {rnd}: high waited {ms(wait)} (blocked {ms(blocked)}); "
                  f"meanwhile medium ran {ms(m_run)}, low ran {ms(lo_run)}")
            check(blocked >= 0.9 * wait, f"{label} round {rnd}: high is blocked while it waits",
                  f"{ms(blocked)} of {ms(wait)}")
            if not fixed:
                check(m_run >= 0.8 * hog / 1000,
                      f"{label} round {rnd}: medium runs while high is blocked (>= 80% of its {hog} ms)",
                      ms(m_run))
                check(m_run > lo_run,
                      f"{label} round {rnd}: medium, not low (the holder), has the CPU meanwhile",
                      f"medium {ms(m_run)}, low {ms(lo_run)}")
            else:
                check(lo_run >= 0.5 * wait,
                      f"{label} round {rnd}: low (the holder) runs while high waits",
                      f"low {ms(lo_run)} of {ms(wait)}")
                check(m_run <= 0.1 * wait + 0.0005,
                      f"{label} round {rnd}: medium does not run while high waits",
                      f"medium {ms(m_run)} of {ms(wait)}")


def test_spin():
    """Spinners stay running or runnable, mutex waiters block; the markers
    carry the CPU time waiting burnt."""
    share, iterations = {}, 200
    for variant in ("spin", "mutex"):
        label = f"spin --variant {variant}"
        tr, out, _ = record("spin", ["--variant", variant, "--iterations", str(iterations)])
        if tr is None:
            continue
        workers = [t for t in tr.report["threads"] if t["name"].startswith("worker-")]
        if not check(len(workers) >= 3, f"{label}: the workers are in the trace",
                     f"{[t['name'] for t in workers]}"):
            continue
        life = sum(t["end_ns"] - t["start_ns"] for t in workers)
        blocked = sum(t["blocked_ns"] for t in workers) / life
        busy = sum(t["run_ns"] + t["runnable_ns"] for t in workers) / life
        burnt = tr.marks("CPU us burnt waiting for the lock")
        used = tr.marks("CPU us used by the workers")
        if not check(len(burnt) == 1 and len(used) == 1 and used[0][1] > 0,
                     f"{label}: the CPU-time markers are in the trace", f"{burnt} {used}"):
            continue
        share[variant] = burnt[0][1] / used[0][1]
        print(f"  {label}: workers blocked {blocked:.0%} of their lives, running or runnable "
              f"{busy:.0%}; markers: waiting burnt {burnt[0][1] / 1000:.0f} ms of CPU, "
              f"{share[variant]:.0%} of the {used[0][1] / 1000:.0f} ms used")
        sleeps = [t["voluntary_switches"] for t in workers]
        print(f"  {label}: the workers went to sleep {sum(sleeps)} times, each at least {min(sleeps)}")
        if variant == "spin":
            # a spinner sleeps only at the start line and when it ends
            check(blocked <= 0.15 and busy >= 0.85,
                  f"{label}: spinners stay running or runnable (blocked <= 15%)",
                  f"blocked {blocked:.0%}")
            check(share[variant] >= 0.40, f"{label}: the markers say waiting burnt >= 40% of the CPU",
                  f"{share[variant]:.0%}")
        else:
            # on a busy machine they also wait for a CPU a lot: what shows
            # the lesson is that they go to sleep, over and over (glibc's
            # mutex is not fair: one that unlocks often takes it again at
            # once, so some workers sleep less than others)
            check(sum(sleeps) >= iterations // 4 and min(sleeps) >= 5 and blocked >= 0.10,
                  f"{label}: mutex waiters block (>= {iterations // 4} times in all, each >= 5, "
                  ">= 10% of their lives)",
                  f"sleeps {sleeps}, blocked {blocked:.0%}")
            check(share[variant] <= 0.25, f"{label}: the markers say waiting burnt <= 25% of the CPU",
                  f"{share[variant]:.0%}")


def test_falseshare():
    """The markers carry the ops/s figures of both layouts, and the workers
    ran through both phases."""
    tr, out, _ = record("falseshare", [])
    if tr is None:
        return
    packed = tr.marks("one cache line: ops per second")
    padded = tr.marks("padded: ops per second")
    if check(len(packed) == 1 and len(padded) == 1 and packed[0][1] > 0 and padded[0][1] > 0,
             "falseshare: the markers carry the ops/s of both layouts", f"{packed} {padded}"):
        print(f"  falseshare: markers say one cache line {packed[0][1] / 1e6:.0f} M/s, "
              f"padded {padded[0][1] / 1e6:.0f} M/s (ratio {padded[0][1] / packed[0][1]:.1f}, "
              "not judged here: make bench compares speeds)")
        # the workers ran in both phases. False sharing needs them on two
        # CPUs at once: how much of each phase they overlapped is printed,
        # not checked, since on a busy machine they may only take turns
        starts = tr.marks("phase: counters on one cache line") + tr.marks("phase: padded counters")
        phases = sorted(t for t, _, _ in starts)
        ends = sorted(t for t, _, _ in packed + padded)
        workers = [t["tid"] for t in tr.report["threads"] if t["name"].startswith("worker-")]
        if check(len(phases) == 2 and len(workers) == 2, "falseshare: two phases, two workers",
                 f"{phases} {workers}"):
            for (p0, p1), name in zip(zip(phases, ends), ("one cache line", "padded")):
                ran = [tr.time_in(w, "run", p0, p1) for w in workers]
                runs = [[(max(s, p0), min(e, p1)) for s, e, x in tr.intervals[w]
                         if x == "run" and e > p0 and s < p1] for w in workers]
                both = sum(max(0.0, min(e1, e2) - max(s1, s2))
                           for s1, e1 in runs[0] for s2, e2 in runs[1])
                print(f"  falseshare {name} phase: {ms(p1 - p0)}, workers ran "
                      f"{' and '.join(ms(r) for r in ran)}, both at once {ms(both)}")
                check(all(r > 0 for r in ran),
                      f"falseshare: both workers run in the {name} phase",
                      f"{[ms(r) for r in ran]}")


if __name__ == "__main__":
    if bpf_available("lock lessons"):
        for test in (test_philosophers, test_rwlock, test_inversion, test_spin, test_falseshare):
            retried(test)
    finish()
