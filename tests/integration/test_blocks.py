"""Attribution from blocking (the default): real BPF, the test program
tests/progs/syncwaits.c. Every way of waiting is named with the right kind
and a stable name, the holder is read from the lock, odd futexes are plain
futexes, and the default mode attaches no uprobe and no raw_syscalls
program; both ways of reading the block (registers under tp_btf, the system
calls' own tracepoints under tp) say the same."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CONCTOP, PROGS, bpf_available, check, conctop, dump_events, finish,  # noqa: E402
                     report_json, tmpdir)

SYNCWAITS = os.path.join(PROGS, "syncwaits")

# thread -> (kind, object test) its waits on the object must have
EXPECT = {
    "mutex-waiter": ("mutex", lambda o: o.startswith("mutex@")),
    "acct-waiter": ("mutex", lambda o: o == "account+40"),  # (it was 'cond account[0]')
    "cond-waiter": ("cond", lambda o: o.startswith("cond@")),
    "reader": ("rwlock", lambda o: o == "table_rw"),
    "sem-waiter": ("sem", lambda o: o == "free_slots"),
    "bar-early": ("barrier", lambda o: o == "meeting"),
    "raw-futex": ("futex", lambda o: o == "handmade"),
    "unmapper": ("futex", lambda o: o.startswith("futex@")),
}


def record(mode_args, name):
    """Records syncwaits; the report and the events, or None."""
    trace = os.path.join(tmpdir(), "s.ctrace")
    r = conctop("record", "-q", "-o", trace, *mode_args, "--", SYNCWAITS, "--rounds", "3", timeout=60)
    if not check(r.returncode == 0 and "syncwaits: 3 rounds" in r.stdout,
                 f"{name}: syncwaits recorded", f"exit {r.returncode}: {r.stderr}"):
        return None, None
    return report_json(trace), dump_events(trace)


def test_kinds(mode_args, name):
    """Each thread's waits carry the right kind and one stable name."""
    rep, events = record(mode_args, name)
    if rep is None:
        return
    by_name = {t["name"]: t for t in rep["threads"]}
    tid = {t["name"]: str(t["tid"]) for t in rep["threads"]}
    for who, (kind, named) in EXPECT.items():
        t = by_name.get(who)
        if not check(t is not None, f"{name}: {who} is in the trace"):
            continue
        waits = [b for b in t["blocked_by"] if b["kind"] == kind]
        labels = {b["object"] for b in waits}
        ns = sum(b["ns"] for b in waits)
        check(len(labels) == 1 and named(next(iter(labels))) and ns >= 10_000_000,
              f"{name}: {who} waits on a {kind}, under one name ({sorted(labels)}, {ns / 1e6:.1f} ms)",
              f"{t['blocked_by']}")
        # (a few microseconds asleep outside any followed call, 'other', is
        # the kernel's own: a new thread's page fault waiting for the
        # process's mmap lock while its siblings start; CI saw 7 us once)
        wrong = [b for b in t["blocked_by"] if (b["kind"] not in (kind, "sleep", "mutex") or
                                                (b["kind"] == "futex" and kind != "futex")) and
                 not (b["kind"] == "other" and b["ns"] < 100_000)]
        check(not wrong, f"{name}: {who} has no wait of a wrong kind", f"{wrong}")
    # the holder read from the lock word, the thread joined from the tid word
    held = {f.get("holder") for _ts, _c, typ, f in events
            if typ == "block" and f.get("tid") == tid["mutex-waiter"] and f.get("op") == "mutex_lock"}
    check(held == {tid["holder"]}, f"{name}: the heap mutex's holder is the thread `holder`",
          f"{held} vs {tid['holder']}")
    held = {f.get("holder") for _ts, _c, typ, f in events
            if typ == "block" and f.get("tid") == tid["acct-waiter"] and f.get("op") == "mutex_lock"}
    check(held == {tid["acct-holder"]}, f"{name}: the struct's mutex's holder is the thread `acct-holder`",
          f"{held} vs {tid['acct-holder']}")
    held = {f.get("holder") for _ts, _c, typ, f in events
            if typ == "block" and f.get("tid") == tid["reader"] and f.get("op") == "rwlock_rdlock"}
    check(held == {tid["writer"]}, f"{name}: the rwlock's reader waits for the writer", f"{held}")
    joins = {f.get("joins") for _ts, _c, typ, f in events
             if typ == "block" and f.get("tid") == tid["syncwaits"] and f.get("op") == "join"}
    check(tid["joined"] in joins, f"{name}: main's join names the thread joined", f"{joins}")
    main = by_name["syncwaits"]
    check(main["blocked_by"] and main["blocked_by"][0]["kind"] == "join",
          f"{name}: main is mostly blocked in a join", f"{main['blocked_by']}")
    # a waker inside a futex wake is named as waking through the object
    via = {(f.get("via"), f.get("woken")) for _ts, _c, typ, f in events if typ == "waking" and f.get("via")}
    check(("sem_post", tid["sem-waiter"]) in via and ("cond_signal", tid["cond-waiter"]) in via,
          f"{name}: sem_post and cond_signal wakes are seen as such", f"{sorted(via)[:8]}")


def bpf_links(pid):
    """conctop's BPF links by fdinfo: [(link_type, tp_name)], and how many
    perf_event fds it holds (classic tracepoints and per-probe uprobes)."""
    links, perf = [], 0
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if "perf_event" in target:
            perf += 1
        if "bpf_link" not in target:
            continue
        info = {}
        with open(f"/proc/{pid}/fdinfo/{fd}") as f:
            for line in f:
                k, _, v = line.partition(":")
                info[k.strip()] = v.strip()
        links.append((info.get("link_type", "?"), info.get("tp_name", "")))
    return links, perf


def links_while_recording(extra):
    """The links of a recording of a sleeping command, looked at once the
    command runs (its sleep in the process list: attaching is done)."""
    trace = os.path.join(tmpdir(), "l.ctrace")
    p = subprocess.Popen([CONCTOP, "record", "-q", "-o", trace, *extra, "--", "sleep", "3"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            kids = subprocess.run(["pgrep", "-P", str(p.pid), "-x", "sleep"], capture_output=True).stdout
            if kids.strip():
                break
            time.sleep(0.05)
        time.sleep(0.3)
        return bpf_links(p.pid)
    finally:
        p.wait(timeout=30)


def test_no_probes():
    """The default mode attaches no uprobe and no program that fires for
    every system call; --calls does (so the check can see them)."""
    links, perf = links_while_recording([])
    # besides the scheduler's raw tracepoints, only sched_setaffinity's own
    # two tracepoints (the threads' CPU masks), which fire for that call alone
    affinity = {"sys_enter_sched_setaffinity", "sys_exit_sched_setaffinity"}
    kinds = sorted({k for k, tp in links if tp not in affinity})
    tps = sorted({tp for _, tp in links if tp})
    mine = [k for k, tp in links if tp in affinity]
    check(links and all(k == "raw_tracepoint" for k in kinds) and perf == len(mine) and
          all(k == "perf" for k in mine),
          "no probes: the default recording holds scheduler tracepoint links only, and sched_setaffinity's",
          f"{sorted({k for k, _ in links})} perf_event fds {perf}, sched_setaffinity links {mine}")
    check(not any(tp.startswith("sys_") and tp not in affinity for tp in tps) and "sched_switch" in tps,
          "no probes: no sys_enter/sys_exit program in the default mode (but sched_setaffinity's own)", f"{tps}")
    links, perf = links_while_recording(["--calls"])
    tps = {tp for _, tp in links if tp}
    uprobes = [k for k, _ in links if k.startswith("uprobe")] or perf
    check("sys_enter" in tps and uprobes,
          "no probes: with --calls the same check sees raw_syscalls and the uprobes",
          f"{sorted(tps)} uprobe links {uprobes}")


def test_notes():
    """The pattern notes come from blocks and wakes too: a broadcast's
    thundering herd, a barrier's straggler."""
    d = tmpdir()
    for name, args, want in (("condvar --broadcast", ["condvar", "--broadcast", "--rounds", "20"], "thundering herd"),
                             ("barrier --split static", ["barrier", "--phases", "3", "--split", "static"],
                              "straggler: ")):
        trace = os.path.join(d, "n.ctrace")
        r = conctop("record", "-q", "-o", trace, *args, timeout=60)
        log = conctop("log", trace).stdout if r.returncode == 0 else ""
        lines = [ln for ln in log.splitlines() if want in ln]
        check(lines, f"notes: {name} in the default mode gives the '{want.strip()}' note",
              f"exit {r.returncode} {r.stderr.strip()}")
        if lines:
            print(f"  {lines[0]}")


def main():
    if not bpf_available("blocking attribution tests"):
        return finish()
    test_kinds([], "tp_btf")
    test_kinds(["--tracer", "tp"], "tp")
    test_no_probes()
    test_notes()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
