"""Undone work (report's "CPU idle while threads were runnable", log, lanes):
real BPF, the test program tests/progs/undone.c. With "pinned", its two busy
threads pin themselves to CPU 1 of 2 and spin for 500 ms while the main
thread waits for them: CPU 0 has nothing of the program to run, so the
report must show it idle for most of the run with both threads runnable on
CPU1, and say that their affinity is CPU1 only (the masks come from the
sched_setaffinity tracepoints). Attached with -p after they pinned
themselves, the masks come from the read at attach. With "free", nothing
keeps them apart: at most a tiny stretch, never one blamed on affinity.
Whether CPU 0 stays idle depends on what else runs on the machine: the
checks are retried."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (PROGS, bpf_available, check, conctop, dump_events, finish, report_json, retried,  # noqa: E402
                     skip, tmpdir)

UNDONE = os.path.join(PROGS, "undone")
MS = 1_000_000
BUSY_NS = 500 * MS
SENTENCE = re.compile(r"CPU0 idle [0-9.]+ ms while busy-[12] and busy-[12] were runnable on CPU1: "
                      r"their affinity is CPU1 only")


def cpu_count_ok(name):
    """Whether this machine lets the program use CPUs 0 and 1; SKIPPED when not."""
    r = subprocess.run([UNDONE, "free", "1"], capture_output=True, text=True, timeout=30)
    if r.returncode == 77:
        skip(name, f"CPUs 0 and 1 are not both available here: {r.stderr.strip()}")
        return False
    return check(r.returncode == 0, f"{name}: the test program runs", f"exit {r.returncode}: {r.stderr}")


def busy_threads(rep):
    """The report's busy-1 and busy-2 rows, by name."""
    return {t["name"]: t for t in rep["threads"] if t["name"] in ("busy-1", "busy-2")}


def cpu0_free(rep, how):
    """Whether other programs left CPU0 mostly free (else nothing shows that
    the program left it idle: SKIPPED, and the attempt is retried)."""
    c = rep["cpus"][0]
    busy = c["other_ns"] + c["unknown_ns"]
    if busy > rep["duration_ns"] // 2:
        skip(f"{how}: CPU0 idle while threads waited",
             f"other programs held CPU0 {busy / MS:.0f} ms of the {rep['duration_ns'] / MS:.0f} ms trace")
        return False
    return True


def cpu0_idle(rep, how):
    """CPU0's idle time, when other programs left it enough (150 ms) to show
    anything; else SKIPPED (the attempt is retried) and None."""
    idle = rep["cpus"][0]["idle_ns"]
    if idle < 150 * MS:
        skip(f"{how}: CPU0 idle while threads waited",
             f"other programs left CPU0 idle only {idle / MS:.0f} ms of the {rep['duration_ns'] / MS:.0f} ms trace")
        return None
    return idle


def check_pinned(trace, how):
    """The report, log and lanes of a pinned run."""
    rep = report_json(trace)
    und = rep["undone"]
    idle0 = cpu0_idle(rep, how)
    if idle0 is None:
        return
    busy = busy_threads(rep)
    if not check(len(busy) == 2, f"{how}: busy-1 and busy-2 are in the trace", f"{rep['threads']}"):
        return
    cpu0 = und["cpus"][0]["idle_ns"]
    other0 = rep["cpus"][0]["other_ns"]
    print(f"  {how}: CPU0 undone {cpu0 / MS:.1f} ms in {und['cpus'][0]['stretches']} stretch(es), "
          f"other programs on CPU0 {other0 / MS:.1f} ms; busy runnable "
          + ", ".join(f"{n} {t['runnable_ns'] / MS:.1f} ms" for n, t in sorted(busy.items())))
    # on a quiet machine most of the 500 ms run; other programs may take
    # some of CPU0, but most of the time it idled the threads were waiting
    check(cpu0 >= min(BUSY_NS, idle0) * 6 // 10,
          f"{how}: CPU0 was idle while threads waited on CPU1 for most of its idle time "
          f"({cpu0 / MS:.1f} ms of {idle0 / MS:.1f} ms; other programs took {other0 / MS:.1f} ms)", f"{und}")
    check(und["cpus"][1]["idle_ns"] == 0, f"{how}: CPU1 never idle while they waited", f"{und['cpus']}")
    both = [s for s in und["stretches"] if s["cpu"] == 0 and
            {t["name"] for t in s["threads"]} == {"busy-1", "busy-2"}]
    check(both, f"{how}: a stretch of CPU0 names both busy threads as runnable", f"{und['stretches']}")
    longest = max(und["stretches"], key=lambda s: s["idle_ns"]) if und["stretches"] else None
    check(longest and longest["cpu"] == 0 and longest["waited_on"] == [1] and longest["reason"] == "affinity"
          and longest["affinity"] == "1",
          f"{how}: the longest stretch: CPU0, threads waiting on CPU1, because their affinity is CPU1",
          f"{longest}")
    r = conctop("report", trace)
    section = r.stdout.split("CPU IDLE WHILE THREADS WERE RUNNABLE", 1)[-1].split("CONTENTION BY OBJECT")[0]
    check(r.returncode == 0 and SENTENCE.search(section),
          f"{how}: the text report says CPU0 was idle while busy-1 and busy-2 were runnable on CPU1, "
          "their affinity CPU1 only", section)
    print("\n".join("  | " + x for x in section.strip().splitlines()))
    r = conctop("log", trace)
    check(r.returncode == 0 and SENTENCE.search(r.stdout), f"{how}: the log has the stretch's line",
          r.stdout[-2000:])
    r = conctop("lanes", "--width", "100", trace)
    rows = [x for x in r.stdout.splitlines() if x.startswith("CPU0")]
    check(r.returncode == 0 and rows and rows[0].count("_") >= 25 and "_ idle, threads waiting" in r.stdout,
          f"{how}: the CPU0 lane marks its idle columns '_', in the legend", r.stdout)


def test_pinned():
    """Records the pinned run: the masks come from sched_setaffinity."""
    trace = os.path.join(tmpdir(), "pinned.ctrace")
    r = conctop("record", "-q", "-o", trace, "--", UNDONE, "pinned", "500", timeout=60)
    if not check(r.returncode == 0 and "pinned busy-1=2 busy-2=2" in r.stdout, "pinned: recorded, both on CPU1",
                 f"exit {r.returncode}: {r.stdout} {r.stderr}"):
        return
    masks = [(f["tid"], f.get("cpus")) for _, _, kind, f in dump_events(trace) if kind == "affinity"]
    check(sum(1 for _, m in masks if m == "0x2") >= 2,
          "pinned: the trace holds the busy threads' new masks (CPU1: 0x2)", f"{masks}")
    check_pinned(trace, "pinned")


def test_attach():
    """Attaches with -p after the threads pinned themselves: the masks come
    from the read at attach."""
    trace = os.path.join(tmpdir(), "attach.ctrace")
    prog = subprocess.Popen([UNDONE, "pinned", "10000"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.2)
        r = conctop("record", "-q", "-o", trace, "-d", "1s", "-p", str(prog.pid), timeout=60)
    finally:
        prog.kill()
        prog.communicate(timeout=30)
    if not check(r.returncode == 0, "attach: recorded with -p", f"exit {r.returncode}: {r.stderr}"):
        return
    ev = dump_events(trace)
    tids = {f["tid"] for _, _, kind, f in ev if kind == "thread"}
    masks = {f["tid"]: f.get("cpus") for _, _, kind, f in ev if kind == "affinity"}
    check(tids and set(masks) == tids and list(masks.values()).count("0x2") == 2,
          "attach: every thread's mask is read at attach, the busy threads' CPU1 only", f"{tids} {masks}")
    rep = report_json(trace)
    und = rep["undone"]
    idle0 = cpu0_idle(rep, "attach")
    if idle0 is None:
        return
    cpu0 = und["cpus"][0]["idle_ns"]
    why = {s["reason"] for s in und["stretches"] if s["cpu"] == 0}
    check(cpu0 >= idle0 * 6 // 10 and why == {"affinity"} and
          all(s["affinity"] == "1" for s in und["stretches"] if s["cpu"] == 0),
          f"attach: CPU0 idle while threads waited for most of its idle time ({cpu0 / MS:.1f} ms of "
          f"{idle0 / MS:.1f} ms), for the busy threads' affinity (CPU1 only)", f"{und}")


def test_free():
    """The control: unpinned, the threads spread over both CPUs."""
    trace = os.path.join(tmpdir(), "free.ctrace")
    r = conctop("record", "-q", "-o", trace, "--", UNDONE, "free", "500", timeout=60)
    if not check(r.returncode == 0 and r.stdout.startswith("free "), "free: recorded",
                 f"exit {r.returncode}: {r.stdout} {r.stderr}"):
        return
    rep = report_json(trace)
    und = rep["undone"]
    if not cpu0_free(rep, "free"):
        return
    total = sum(c["idle_ns"] for c in und["cpus"])
    print(f"  free: undone {total / MS:.1f} ms in {len(und['stretches'])} stretch(es)")
    check(total <= 50 * MS, f"free: at most a tiny undone stretch ({total / MS:.1f} ms, of 500 ms)", f"{und}")
    check(not [s for s in und["stretches"] if s["reason"] == "affinity"],
          "free: no stretch is blamed on affinity", f"{und}")


def main():
    if not bpf_available("undone work integration tests"):
        finish()
    if not os.path.exists(UNDONE):
        check(False, "the undone test program is built", f"{UNDONE} is missing: run make test")
        finish()
    if cpu_count_ok("undone work integration tests"):
        retried(test_pinned)
        retried(test_attach)
        retried(test_free)
    finish()


if __name__ == "__main__":
    main()
