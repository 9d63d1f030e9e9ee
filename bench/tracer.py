#!/usr/bin/env python3
"""Tracer benchmark (make bench): the time conctop's scheduler tracer adds per
traced event (scheduler events only, --no-attribution), beside trace-cmd and
`perf sched record` measured in the same run on the same workloads; the
trace files' bytes per event; the time a recording takes to stop; how fast
`conctop report` reads a trace; and, from the kernel's bpf_stats, what each
of conctop's BPF programs costs per run and how often it runs per event.
Medians of interleaved runs; figures, not pass/fail. Needs root.
Options: BENCH_RUNS=N (default 7), BENCH_TRACERS=conctop,trace-cmd,"perf sched",
BENCH_CONCTOP_BEFORE=path/to/an/older/conctop (measured beside, as "conctop before");
"conctop unstaged" in BENCH_TRACERS measures conctop with CONCTOP_NO_STAGING=1 beside
(records sent one by one rather than in per-CPU batches), "conctop waking" with
CONCTOP_BPF_WAKING=1 (two program runs a wakeup, as before Linux 6.5); "conctop floor", measured by
default, is conctop with CONCTOP_BPF_FLOOR=1 (its busiest programs attached, returning
at once): the part of conctop's figure that any program there would cost.
Every tracer's figures divide by conctop's event count of the workload (the
same scheduler events); trace-cmd records the same tracepoints (zstd
compressed when it can), perf sched its own set, machine-wide."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", os.environ.get("BUILD", "build"))
CONCTOP = os.path.join(BUILD, "conctop")
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ONLY = [t for t in os.environ.get("BENCH_TRACERS", "").split(",") if t]

WORKLOADS = {
    # name: command (pinned to one CPU, as in docs/design.md's measurements)
    "perf bench sched pipe": ["taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", "200000"],
    "mutex + condvar ping-pong": ["taskset", "-c", "0", os.path.join(BUILD, "tests", "progs", "pingpong"),
                                  "--rounds", "100000"],
}
# the scheduler tracepoints conctop follows with --no-attribution
SCHED_EVENTS = ["sched_switch", "sched_waking", "sched_wakeup", "sched_wakeup_new", "sched_migrate_task",
                "sched_process_fork", "sched_process_exit", "sched_process_exec"]


def trace_cmd_env(tmp):
    """The environment trace-cmd runs in: as is when it can record here,
    else with bench/ftrace_shim.so.c preloaded (a kernel whose function tracer
    refuses it); None when neither works."""
    probe = ["trace-cmd", "record", "-q", "-o", os.path.join(tmp, "probe.dat"), "-e", "sched:sched_switch", "true"]
    try:
        if subprocess.run(probe, capture_output=True, cwd=tmp).returncode == 0:
            return dict(os.environ)
        shim = os.path.join(tmp, "ftrace_shim.so")
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ftrace_shim.so.c")
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", shim, src, "-ldl"], check=True, capture_output=True)
        env = dict(os.environ, LD_PRELOAD=shim)
        if subprocess.run(probe, capture_output=True, cwd=tmp, env=env).returncode == 0:
            print("trace-cmd: run with bench/ftrace_shim.so.c (this kernel refuses its function tracer files)")
            return env
    except (OSError, subprocess.CalledProcessError):
        pass
    return None


def tracer_commands(out):
    """Each tracer's command prefix, writing its trace to out."""
    tc = ["trace-cmd", "record", "-q", "--compression", "any", "-o", out, "-F", "-c"]
    for e in SCHED_EVENTS:
        tc += ["-e", "sched:" + e]
    other = os.environ.get("BENCH_CONCTOP_BEFORE")  # another conctop binary, measured beside this one
    before = {"conctop before": [other, "record", "-q", "--no-attribution", "-o", out, "--"]} if other else {}
    variants = {n: [CONCTOP, "record", "-q", "--no-attribution", "-o", out, "--"]
                for n in ("conctop unstaged", "conctop waking") if n in ONLY}
    return {
        "conctop": [CONCTOP, "record", "-q", "--no-attribution", "-o", out, "--"], **before, **variants,
        "conctop floor": [CONCTOP, "record", "-q", "--no-attribution", "-o", out, "--"],
        "trace-cmd": tc,
        "perf sched": ["perf", "sched", "record", "-q", "-o", out, "--"],
    }


ENV = {}  # tracer name -> environment (trace-cmd's shim)


def timed(cmd, env=None):
    """Wall time of one run of cmd, in seconds; None when it fails."""
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.monotonic() - t0 if r.returncode == 0 else None


def stop_time(cmd, env=None):
    """Seconds from the traced command's end (a marker file it writes) to the
    tracer's exit."""
    mark = tempfile.mktemp(prefix="conctop-bench-end-")
    t = None
    if timed(cmd + ["sh", "-c", f"sleep 0.3; touch {mark}"], env) is not None and os.path.exists(mark):
        t = time.time() - os.stat(mark).st_mtime
        os.unlink(mark)
    return t


def conctop_events(trace):
    """The number of events and of lost events in a conctop trace, and the
    events by type."""
    rep = json.loads(subprocess.run([CONCTOP, "report", "--json", trace], capture_output=True, text=True,
                                    check=True).stdout)
    return rep["events"], rep.get("lost_events", 0), rep.get("events_by_type", {})


def prog_stats():
    """run_time_ns and run_cnt of each loaded BPF program, by id."""
    r = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True)
    try:
        progs = json.loads(r.stdout)
    except ValueError:
        return {}
    return {p["id"]: (p.get("name", "?"), p.get("run_time_ns", 0), p.get("run_cnt", 0)) for p in progs}


def own_prog_ids(pid):
    """The ids of the BPF programs process pid holds (its descriptors'
    fdinfo): conctop's, not those of another conctop running meanwhile."""
    ids = set()
    d = f"/proc/{pid}/fdinfo"
    try:
        for fd in os.listdir(d):
            try:
                with open(os.path.join(d, fd)) as f:
                    for line in f:
                        if line.startswith("prog_id:"):
                            ids.add(int(line.split()[1]))
            except OSError:
                pass
    except OSError:
        pass
    return ids


def bpf_breakdown(binary, label, cmd, trace):
    """One recording of cmd with kernel.bpf_stats_enabled: per program of
    conctop's, ns per run and runs per recorded event, polled from bpftool
    while conctop runs (the workload is followed by a short sleep so that
    the last poll sees all of it)."""
    path = "/proc/sys/kernel/bpf_stats_enabled"
    try:
        with open(path) as f:
            was = f.read().strip()
        with open(path, "w") as f:
            f.write("1")
    except OSError:
        print("  bpf_stats: not available")
        return
    last, mine = {}, set()
    shell = " ".join(cmd) + "; sleep 0.4"
    p = subprocess.Popen([binary, "record", "-q", "--no-attribution", "-o", trace, "--", "sh", "-c", shell],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while p.poll() is None:
        time.sleep(0.1)
        mine |= own_prog_ids(p.pid)
        for pid, v in prog_stats().items():
            if pid in mine and v[2] > 0:
                last[pid] = v
    with open(path, "w") as f:
        f.write(was)
    events, _, by_type = conctop_events(trace)
    total = sum(v[1] for v in last.values())
    print(f"  {label} bpf_stats ({events} events recorded; runs: all of the machine's, pinned workload):")
    for name, ns, cnt in sorted(last.values(), key=lambda v: -v[1]):
        if cnt * 1000 < events:
            continue
        print(f"    {name:20} {ns / cnt:7.0f} ns/run  {cnt / events:6.3f} runs/event  {ns / events:6.0f} ns/event")
    print(f"    {'all programs':20} {'':15} {'':17} {total / events:6.0f} ns/event "
          "(programs running less than once per 1000 events not listed)")


def main():
    if os.geteuid() != 0:
        print("bench/tracer.py: SKIPPED: needs root to load BPF programs (sudo make bench)")
        return 0
    tmp = tempfile.mkdtemp(prefix="conctop-bench-")
    trace = os.path.join(tmp, "b.trace")
    tracers = {n: c for n, c in tracer_commands(trace).items() if not ONLY or n in ONLY}
    if "trace-cmd" in tracers:
        ENV["trace-cmd"] = trace_cmd_env(tmp)
    ENV["conctop unstaged"] = dict(os.environ, CONCTOP_NO_STAGING="1")
    ENV["conctop floor"] = dict(os.environ, CONCTOP_BPF_FLOOR="1")
    ENV["conctop waking"] = dict(os.environ, CONCTOP_BPF_WAKING="1")
    for name in list(tracers):
        if not name.startswith("conctop") and (name in ENV and ENV[name] is None or timed(tracers[name] + ["true"],
                                                                            ENV.get(name)) is None):
            print(f"{name}: not measured (unavailable)")
            del tracers[name]
    # the fixed cost of a recording (load, attach, detach) and the size of
    # an empty trace, to leave out
    fixed, fixed_size = {}, {}
    for n, c in tracers.items():
        fixed[n] = statistics.median(timed(c + ["true"], ENV.get(n)) or 0 for _ in range(RUNS))
        fixed_size[n] = os.path.getsize(trace) if os.path.exists(trace) else 0
    print("fixed cost of a recording (load, attach, stop): " +
          ", ".join(f"{n} {t * 1e3:.0f} ms" for n, t in fixed.items()) + f" (medians of {RUNS})")
    print("fixed size of a trace: " + ", ".join(f"{n} {b / 1e3:.0f} kB" for n, b in fixed_size.items()) +
          " (left out of bytes/event)")
    stops = {n: [stop_time(c, ENV.get(n)) for _ in range(3)] for n, c in tracers.items()}
    print("time to stop after the program ends: " +
          ", ".join(f"{n} {statistics.median(x for x in v if x is not None):.2f} s" for n, v in stops.items()
                    if any(x is not None for x in v)) + " (medians of 3)")
    for wname, cmd in WORKLOADS.items():
        if timed(cmd[:3] + ["true"]) is None or not os.path.exists(cmd[3]) and "/" in cmd[3]:
            print(f"{wname}: not run ({cmd[3]} unavailable)")
            continue
        plain, events, lost, reads = [], [], [], []
        added = {n: [] for n in tracers}
        size = {n: [] for n in tracers}
        for _ in range(RUNS):  # interleaved, so load changes hit every tracer alike
            plain.append(timed(cmd))
            for n, c in tracers.items():
                if os.path.exists(trace):
                    os.unlink(trace)
                t = timed(c + cmd, ENV.get(n))
                if t is None:
                    continue
                added[n].append(t - fixed[n] - plain[-1])
                size[n].append(os.path.getsize(trace) - fixed_size[n])
                if n == "conctop":
                    e, lo, by_type = conctop_events(trace)
                    events.append(e)
                    lost.append(lo)
                    t0 = time.monotonic()
                    subprocess.run([CONCTOP, "report", trace], stdout=subprocess.DEVNULL, check=True)
                    reads.append(e / (time.monotonic() - t0))
        ev = statistics.median(events) if events else 0
        print(f"{wname}: untraced {statistics.median(plain):.3f} s, {ev:.0f} events "
              f"(conctop's count, the denominator of every tracer), lost {max(lost) if lost else 0}")
        for n in tracers:
            if not added[n] or not ev:
                continue
            file = "" if n == "conctop floor" else f"   file: {statistics.median(size[n]) / ev:6.2f} bytes/event"
            print(f"  {n:10} time added per event: {statistics.median(added[n]) / ev * 1e9:5.0f} ns"
                  f"{file} (median of {len(added[n])})")
        if added.get("conctop floor"):
            print("  (conctop floor: its switch and wakeup programs attached but returning at once,"
                  " CONCTOP_BPF_FLOOR=1: what running any program there costs on this kernel)")
        if events:
            print("  conctop events by type: " + ", ".join(f"{k} {v}" for k, v in by_type.items() if v))
        if reads:
            print(f"  conctop report reads {statistics.median(reads) / 1e6:.2f} M events/s (this trace of {ev / 1e6:.1f} M "
                  "events, its start-up included: bench/longrun.py reads 10 M and 100 M)")
        for n in ("conctop before", "conctop"):
            if n in tracers:
                bpf_breakdown(tracers[n][0], n, cmd, trace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
