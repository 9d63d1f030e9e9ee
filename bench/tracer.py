#!/usr/bin/env python3
"""Tracer benchmark (make bench): the time conctop's scheduler tracer adds per
traced event (scheduler events only, --no-attribution: what docs/design.md's
figures for perf and trace-cmd measure; bench/attribution.py measures the
libc probes), the trace file's bytes per event, and how fast `conctop
report` reads a trace.
Medians of interleaved runs; figures, not pass/fail. Needs root."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", os.environ.get("BUILD", "build"))
CONCTOP = os.path.join(BUILD, "conctop")
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

WORKLOADS = {
    # name: command (pinned to one CPU, as in docs/design.md's measurements)
    "perf bench sched pipe": ["taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", "200000"],
    "prodcons (mutex + condvars)": ["taskset", "-c", "0", os.path.join(BUILD, "scenarios", "prodcons"),
                                    "--items", "20000"],
}


def timed(cmd):
    """Wall time of one run of cmd, in seconds."""
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - t0


def main():
    if os.geteuid() != 0:
        print("bench/tracer.py: SKIPPED: needs root to load BPF programs (sudo make bench)")
        return 0
    tmp = tempfile.mkdtemp(prefix="conctop-bench-")
    trace = os.path.join(tmp, "b.ctrace")
    # the fixed cost of a recording (load, attach, detach), to leave out
    rec = [CONCTOP, "record", "-q", "--no-attribution", "-o", trace, "--"]
    fixed = statistics.median(timed(rec + ["true"]) for _ in range(RUNS))
    print(f"fixed cost of a recording (load, attach, detach): {fixed * 1e3:.0f} ms (median of {RUNS})")
    for name, cmd in WORKLOADS.items():
        try:
            subprocess.run(cmd[:3] + ["true"], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            print(f"{name}: not run ({cmd[2]} unavailable)")
            continue
        plain, traced, per_event, sizes, reads = [], [], [], [], []
        for _ in range(RUNS):
            plain.append(timed(cmd))
            t = timed(rec + cmd)
            traced.append(t)
            rep = json.loads(subprocess.run([CONCTOP, "report", "--json", trace], capture_output=True,
                                            text=True, check=True).stdout)
            events = rep["events"]
            per_event.append((t - fixed - plain[-1]) / events * 1e9)
            sizes.append(os.path.getsize(trace) / events)
            t0 = time.monotonic()
            subprocess.run([CONCTOP, "report", trace], stdout=subprocess.DEVNULL, check=True)
            reads.append(events / (time.monotonic() - t0))
        print(f"{name}:")
        print(f"  untraced {statistics.median(plain):.3f} s, traced {statistics.median(traced):.3f} s "
              f"(x{statistics.median(traced) / statistics.median(plain):.2f}), {events} events")
        print(f"  time added per traced event: {statistics.median(per_event):.0f} ns (median of {RUNS})")
        print(f"  trace file: {statistics.median(sizes):.2f} bytes/event")
        print(f"  report reads {statistics.median(reads) / 1e6:.2f} M events/s")
    print("for comparison (docs/design.md, same machine kind): perf sched record 1043 / 728 ns per event, "
          "trace-cmd 352 / 511 ns; perf 107 B/event, trace-cmd 3.1 B/event")
    return 0


if __name__ == "__main__":
    sys.exit(main())
