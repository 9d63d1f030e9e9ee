"""Lesson checks of the scenarios rlock, daemon and shutdown: each is
recorded with the real tracer, and the property its lesson is about is
checked from the recorded trace (switches, blocks, signals, exits and the
scenario's markers), not from what the scenario printed.

  rlock     recursive: the holder takes registry_lock again (depth 2)
            without blocking, the other task blocks on it; plain: a task
            blocks on the mutex it holds itself, named registry_lock, and
            never runs again until the watchdog
  daemon    the workers' lanes end when main's does, each with a job
            started and never finished; non-daemon: every job finished,
            main's lane ends after the workers'
  shutdown  the signal event (ctrl-c sends SIGINT to main, whose handler
            takes it), then each worker finishes its job and leaves before
            main exits; killed: every worker ends at the signal, mid-job

Thresholds leave room for a busy 2-CPU virtual machine."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import test_lessons_locks as locks  # noqa: E402
from harness import retried, bpf_available, check, conctop, finish  # noqa: E402
from test_lessons_locks import ms, record  # noqa: E402


class Trace(locks.Trace):
    """The lock lessons' reading of a trace, which also keeps its file's
    path (for conctop log)."""

    def __init__(self, path):
        super().__init__(path)
        self.path = path


locks.Trace = Trace  # what record() reads its recordings with

# How long after the process's end a thread it took down may take to go:
# it must be scheduled once to die, and the machine may be busy.
END_SLACK = 0.100


def exits(tr):
    """tid -> the time of its exit event."""
    return {int(f["tid"]): ts for ts, _, kind, f in tr.events if kind == "exit"}


def marks_of(tr, tid):
    """(time, label, value) of tid's markers, in order."""
    return [(ts, f["text"], int(f["value"])) for ts, _, kind, f in tr.events
            if kind == "mark" and int(f["tid"]) == tid]


def unfinished_jobs(tr, tid):
    """The jobs tid marked started and never finished, with their start."""
    started = {v: ts for ts, label, v in marks_of(tr, tid) if label == "job started"}
    done = {v for ts, label, v in marks_of(tr, tid) if label == "job finished"}
    return {v: ts for v, ts in started.items() if v not in done}


def blocks(tr, tid=None, op=None):
    """The block events (of tid, in op), as (time, fields)."""
    return [(ts, f) for ts, _, kind, f in tr.events if kind == "block"
            and (tid is None or int(f["tid"]) == tid) and (op is None or f["op"] == op)]


def one_thread(tr, name, label):
    """The tid of the one thread called name, or None (a failed check)."""
    tids = tr.tids(name)
    return tids[0] if check(len(tids) == 1, f"{label}: one thread {name} in the trace",
                            f"{tids}") else None


def main_thread(tr, name, label):
    """The tid of the scenario's main thread (the first process called name,
    its first thread), or None (a failed check). Under the sanitizers a
    second process of that name, LeakSanitizer's, comes at exit."""
    leaders = sorted((t["start_ns"], t["tid"]) for t in tr.report["threads"]
                     if t["name"] == name and t["tid"] == t["tgid"])
    return leaders[0][1] if check(leaders, f"{label}: the main thread {name} is in the trace",
                                  f"{tr.names}") else None


def workers_of(tr, label, n=3):
    """The tids of worker-1..worker-n, or None (a failed check)."""
    tids = [one_thread(tr, f"worker-{i}", label) for i in range(1, n + 1)]
    return None if None in tids else tids


# ---- rlock ----

def test_rlock():
    """The holder goes from depth 1 to depth 2 without blocking, each time;
    the other task blocks on registry_lock, held by the holder."""
    iterations = 6
    tr, _, _ = record("rlock", ["--pace", "5", "--iterations", str(iterations)])
    if tr is None:
        return
    tasks = [one_thread(tr, f"task-{i}", "rlock") for i in (1, 2)]
    if None in tasks:
        return
    for tid in tasks:
        depth = [(ts, v) for ts, label, v in marks_of(tr, tid) if label == "registry_lock depth"]
        values = [v for _, v in depth]
        name = tr.names[tid]
        check(values == [1, 2, 1, 0] * iterations,
              f"rlock: {name} took registry_lock at depth 1, then 2, then let go, "
              f"{iterations} times", f"{values}")
        retakes = [(t1, t2) for (t1, v1), (t2, v2) in zip(depth, depth[1:]) if (v1, v2) == (1, 2)]
        slept = [(t1, t2) for t1, t2 in retakes if tr.time_in(tid, "blocked", t1, t2) > 0
                 or any(t1 <= ts <= t2 for ts, _ in blocks(tr, tid))]
        longest = max((t2 - t1 for t1, t2 in retakes), default=0)
        print(f"  rlock: {name} re-took registry_lock {len(retakes)} times; the longest "
              f"stretch from depth 1 to depth 2 (with {ms(0.005)} of work in it) was {ms(longest)}")
        check(len(retakes) == iterations and not slept,
              f"rlock: {name} never blocks between taking registry_lock and taking it again",
              f"blocked in {slept}")
    waits = [(ts, f) for ts, f in blocks(tr, op="mutex_lock")
             if tr.objects.get(f["obj"]) == "registry_lock" and int(f["tid"]) in tasks]
    behind = [(ts, f) for ts, f in waits if int(f["holder"]) in tasks and
              int(f["holder"]) != int(f["tid"])]
    print(f"  rlock: the tasks blocked on registry_lock {len(waits)} times, "
          f"{len(behind)} of them held by the other task")
    check(len(behind) >= 1 and len(behind) == len(waits),
          "rlock: a task blocks on registry_lock only when the other one holds it",
          f"{[(ts, f['tid'], f['holder']) for ts, f in waits]}")


def test_rlock_plain():
    """A task blocks on registry_lock while it holds it itself; it never
    runs again until the watchdog fires; the log names the mutex."""
    watchdog = 300
    tr, _, _ = record("rlock", ["--variant", "plain", "--watchdog", str(watchdog)],
                      want_status=(3,))
    if tr is None:
        return
    fired = tr.marks("watchdog fired")
    if not check(len(fired) == 1, "rlock plain: the watchdog fired once", f"{fired}"):
        return
    w = fired[0][0]
    tasks = tr.tids("task-1") + tr.tids("task-2")
    selfwait = [(ts, f) for ts, f in blocks(tr, op="mutex_lock")
                if int(f["tid"]) in tasks and int(f["holder"]) == int(f["tid"])]
    if not check(len(selfwait) == 1 and tr.objects.get(selfwait[0][1]["obj"]) == "registry_lock",
                 "rlock plain: one task blocks in mutex_lock on registry_lock, whose holder "
                 "(read from the lock) is itself", f"{selfwait}"):
        return
    ts, f = selfwait[0]
    tid = int(f["tid"])
    name = tr.names[tid]
    depth = [v for t, label, v in marks_of(tr, tid) if label == "registry_lock depth" and t <= ts]
    check(depth == [1], f"rlock plain: {name} took registry_lock once before (depth 1)", f"{depth}")
    ran = tr.time_in(tid, "run", ts + 0.001, w)
    starts = tr.run_starts(tid, ts + 0.001, w)
    print(f"  rlock plain: {name} blocked on the lock it holds at {ts:.3f} s; the watchdog fired "
          f"{ms(w - ts)} later; {name} ran {ms(ran)} in between")
    check(not starts and ran == 0 and w - ts >= 0.8 * watchdog / 1000,
          f"rlock plain: {name} never runs again until the watchdog fires",
          f"{len(starts)} switch-ins, {ms(ran)}")
    other = [t for t in tasks if t != tid]
    behind = [g for _, g in blocks(tr, op="mutex_lock")
              if int(g["tid"]) in other and int(g["holder"]) == tid]
    check(len(behind) == 1, f"rlock plain: the other task blocks behind it, on the lock {name} holds",
          f"{behind}")

    # what conctop says about it, in words
    log = conctop("log", tr.path).stdout
    said = re.findall(rf"{re.escape(name)} tries mutex registry_lock, held by \w {re.escape(name)}\b",
                      log)
    check(said, f"rlock plain: the log says {name} tries registry_lock, held by {name} itself",
          "\n".join(line for line in log.splitlines() if "registry_lock" in line)[:600])


# ---- daemon ----

def test_daemon():
    """Main returns: each worker's lane ends with it, a job started and
    never finished."""
    tr, _, _ = record("daemon", [])
    if tr is None:
        return
    main = main_thread(tr, "daemon", "daemon")
    returns = tr.marks("main returns, jobs in progress")
    ends = exits(tr)
    if main is None or not check(len(returns) == 1 and main in ends,
                                 "daemon: main's return marker and exit are in the trace",
                                 f"{returns}, exit {ends.get(main)}"):
        return
    ret, main_end = returns[0][0], ends[main]
    workers = workers_of(tr, "daemon")
    if workers is None:
        return
    for tid in workers:
        name = tr.names[tid]
        cut = unfinished_jobs(tr, tid)
        last = marks_of(tr, tid)[-1:]
        end = ends.get(tid)
        print(f"  daemon: {name}: last marker {last}, jobs never finished {sorted(cut)}, "
              f"exit {ms(end - main_end) if end else 'missing'} after main's")
        check(len(cut) == 1 and last and last[0][1] == "job started" and last[0][2] in cut,
              f"daemon: {name}'s last marker is a job started and never finished", f"{last} {cut}")
        check(end is not None and ret <= end <= main_end + END_SLACK,
              f"daemon: {name}'s lane ends with main's (within {ms(END_SLACK)} of main's exit)",
              f"main returned at {ret:.3f}, exited at {main_end:.3f}, {name} at {end}")


def test_daemon_joined():
    """non-daemon: main waits; every job is finished and main's lane ends
    last."""
    # jobs of 40 ms against 20 ms of main's own work: the workers are
    # still busy when main joins them, so main blocks in join
    tr, _, _ = record("daemon", ["--variant", "non-daemon", "--jobs", "2", "--work", "40", "--main", "20"])
    if tr is None:
        return
    main = main_thread(tr, "daemon", "daemon non-daemon")
    workers = workers_of(tr, "daemon non-daemon")
    ends = exits(tr)
    if main is None or workers is None:
        return
    cut = {tr.names[t]: sorted(unfinished_jobs(tr, t)) for t in workers}
    done = {tr.names[t]: len([m for m in marks_of(tr, t) if m[1] == "job finished"]) for t in workers}
    check(not any(cut.values()) and all(n == 2 for n in done.values()),
          "daemon non-daemon: every worker finished both its jobs", f"unfinished {cut}, finished {done}")
    last_worker = max(ends.get(t, 0) for t in workers)
    joins = blocks(tr, main, "join")
    check(main in ends and ends[main] >= last_worker and joins,
          "daemon non-daemon: main blocks in join and its lane ends after the workers'",
          f"main {ends.get(main)}, last worker {last_worker}, joins {len(joins)}")


# ---- shutdown ----

def signal_sent(tr, label):
    """The one SIGINT event: (time, sender tid, target tid), or None."""
    sent = [(ts, int(f["tid"]), int(f["to"])) for ts, _, kind, f in tr.events
            if kind == "signal" and f["sig"] == "2"]
    ok = check(len(sent) == 1, f"{label}: one SIGINT in the trace (a signal event)", f"{sent}")
    return sent[0] if ok else None


def test_shutdown():
    """The handler takes SIGINT; each worker then finishes its job and
    leaves, before main exits. (Between the signal and the moment the
    handler sets the flag, a worker may still finish a job and begin
    another: what matters is that none is left unfinished.)"""
    tr, _, _ = record("shutdown", [])
    if tr is None:
        return
    main = main_thread(tr, "shutdown", "shutdown")
    ctrl_c = one_thread(tr, "ctrl-c", "shutdown")
    sent = signal_sent(tr, "shutdown")
    if None in (main, ctrl_c, sent):
        return
    ts, sender, target = sent
    check(sender == ctrl_c and target == main, "shutdown: ctrl-c sends SIGINT to main",
          f"from {tr.names.get(sender)} to {tr.names.get(target)}")
    taken = [(t, f["action"]) for t, _, kind, f in tr.events if kind == "signal_deliver"
             and int(f["tid"]) == main and f["sig"] == "2"]
    check(len(taken) == 1 and taken[0][0] >= ts and taken[0][1] == "handler",
          "shutdown: main takes SIGINT with its handler (a signal_deliver event)", f"{taken}")
    ends = exits(tr)
    workers = workers_of(tr, "shutdown")
    if workers is None or main not in ends:
        return
    for tid in workers:
        name = tr.names[tid]
        after = [(t, v) for t, label, v in marks_of(tr, tid) if label == "job finished" and t > ts]
        leaving = [t for t, label, _ in marks_of(tr, tid) if label == "leaving"]
        end = ends.get(tid)
        print(f"  shutdown: {name}: jobs finished after the signal {[(ms(t - ts), v) for t, v in after]}, "
              f"left {ms(leaving[0] - ts) if leaving else 'never'} and exited "
              f"{ms(end - ts) if end else 'never'} after it; main exited {ms(ends[main] - ts)} after it")
        check(after and not unfinished_jobs(tr, tid),
              f"shutdown: {name} finishes a job after the signal, and leaves none unfinished",
              f"{after}, unfinished {unfinished_jobs(tr, tid)}")
        check(after and leaving and end and after[0][0] <= leaving[0] <= end < ends[main],
              f"shutdown: {name} leaves after that job and exits before main",
              f"finished {after}, leaving {leaving}, exit {end}, main's exit {ends[main]}")


def test_shutdown_killed():
    """No handler: every worker ends at the signal, its job unfinished."""
    tr, _, _ = record("shutdown", ["--variant", "killed"], want_status=(130,))
    if tr is None:
        return
    sent = signal_sent(tr, "shutdown killed")
    if sent is None:
        return
    ts = sent[0]
    ends = exits(tr)
    workers = workers_of(tr, "shutdown killed")
    if workers is None:
        return
    for tid in workers:
        name = tr.names[tid]
        cut = unfinished_jobs(tr, tid)
        end = ends.get(tid)
        killed = [f["action"] for t, _, kind, f in tr.events if kind == "signal_deliver"
                  and int(f["tid"]) == tid and t >= ts]
        late = [m for m in marks_of(tr, tid) if m[0] > ts]
        print(f"  shutdown killed: {name}: jobs never finished {sorted(cut)}, exit "
              f"{ms(end - ts) if end else 'missing'} after the signal, signals taken {killed}")
        check(len(cut) == 1 and min(cut.values()) < ts and not late,
              f"shutdown killed: {name} is mid-job at the signal and never finishes it",
              f"unfinished {cut}, markers after the signal {late}")
        check(end is not None and ts <= end <= ts + END_SLACK and killed == ["default"],
              f"shutdown killed: {name} ends at the signal (default action, within {ms(END_SLACK)})",
              f"exit {end}, signal at {ts}, actions {killed}")


if __name__ == "__main__":
    if bpf_available("rlock, daemon and shutdown lessons"):
        for test in (test_rlock, test_rlock_plain, test_daemon, test_daemon_joined, test_shutdown,
                     test_shutdown_killed):
            retried(test)
    finish()
