#!/usr/bin/env python3
"""Attribution benchmark (make bench): what it costs to learn why threads
wait. Each program runs untraced, traced with scheduler events only
(--no-attribution), with the default attribution (read when a thread
blocks) and with --calls (uprobes on every pthread call); ratios of medians
of interleaved runs, with each mode's fixed cost of a recording (load,
attach, detach, measured on `true`) left out. Figures, not pass/fail.
Needs root."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", os.environ.get("BUILD", "build"))
CONCTOP = os.path.join(BUILD, "conctop")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SCN = os.path.join(BUILD, "scenarios")
# name: (command, its size argument's index, the size); --calls runs it at
# a tenth of the size (it is that much slower) and its time is scaled up
PROGRAMS = {
    "race --fixed (mutex lock/unlock, 2 x 1000000)":
        ([os.path.join(SCN, "race"), "--fixed", "--iterations", "1000000"], 3),
    "prodcons (mutex + 2 condvars, 2 x 20000 items)": ([os.path.join(SCN, "prodcons"), "--items", "20000"], 2),
    "mutex + condvar ping-pong pinned to one CPU (100000 rounds)":
        (["taskset", "-c", "0", os.path.join(BUILD, "tests", "progs", "pingpong"), "--rounds", "100000"], 5),
}
MODES = {"scheduler only": ["--no-attribution"], "default": [], "--calls": ["--calls"]}


def timed(cmd):
    """Wall time of one run, in seconds."""
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0


def main():
    if os.geteuid() != 0:
        print("bench/attribution.py: SKIPPED: needs root to load BPF programs (sudo make bench)")
        return 0
    trace = os.path.join(tempfile.mkdtemp(prefix="conctop-bench-"), "a.ctrace")
    rec = [CONCTOP, "record", "-q", "-o", trace]
    fixed = {m: statistics.median(timed(rec + a + ["--", "true"]) for _ in range(RUNS)) for m, a in MODES.items()}
    print("fixed cost of a recording: " + ", ".join(f"{m} {t * 1e3:.0f} ms" for m, t in fixed.items()))
    print(f"{'program':58} {'untraced':>9} {'sched':>9} {'default':>9} {'--calls':>9}   "
          f"{'default/sched':>13} {'calls/sched':>11} {'sched/untraced':>14}")
    for name, (prog, size_at) in PROGRAMS.items():
        tenth = prog[:size_at] + [str(int(prog[size_at]) // 10)] + prog[size_at + 1:]
        runs = {m: [] for m in ["untraced", *MODES]}
        for _ in range(RUNS):  # interleaved, so load changes hit every mode alike
            runs["untraced"].append(timed(prog))
            for m, a in MODES.items():
                if m == "--calls":
                    runs[m].append(max(timed(rec + a + ["--"] + tenth) - fixed[m], 1e-6) * 10)
                else:
                    runs[m].append(max(timed(rec + a + ["--"] + prog) - fixed[m], 1e-6))
        med = {m: statistics.median(v) for m, v in runs.items()}
        print(f"{name:58} {med['untraced'] * 1e3:7.0f}ms {med['scheduler only'] * 1e3:7.0f}ms "
              f"{med['default'] * 1e3:7.0f}ms {med['--calls'] * 1e3:7.0f}ms   "
              f"{med['default'] / med['scheduler only']:12.2f}x {med['--calls'] / med['scheduler only']:10.2f}x "
              f"{med['scheduler only'] / med['untraced']:13.2f}x")
    print(f"(medians of {RUNS} interleaved runs; --calls ran a tenth of each size, its time x10; "
          "goal: default/sched <= 1.10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
