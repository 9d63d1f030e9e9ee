#!/usr/bin/env python3
"""Attribution benchmark (make bench): how much slower a mutex-heavy program
runs traced with attribution (libc uprobes, system calls) than with the
scheduler events alone, and how much slower an untraced program runs
meanwhile. Ratios of medians of interleaved runs; figures, not pass/fail.
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
PROGRAMS = {
    "race --fixed (mutex lock/unlock, 2 x 100000)": [os.path.join(SCN, "race"), "--fixed", "--iterations", "100000"],
    "prodcons (mutex + 2 condvars, 2 x 10000 items)": [os.path.join(SCN, "prodcons"), "--items", "10000"],
}
# an untraced program that takes locks too, run beside the traced one
BYSTANDER = [os.path.join(SCN, "race"), "--fixed", "--iterations", "100000"]


def timed(cmd):
    """Wall time of one run, in seconds."""
    t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0


def beside(cmd, other):
    """Wall time of `other` while `cmd` runs (started first)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)  # past conctop's start-up
    t = timed(other)
    p.wait()
    return t


def main():
    if os.geteuid() != 0:
        print("bench/attribution.py: SKIPPED: needs root to load BPF programs (sudo make bench)")
        return 0
    trace = os.path.join(tempfile.mkdtemp(prefix="conctop-bench-"), "a.ctrace")
    rec = [CONCTOP, "record", "-q", "-o", trace]
    fixed_on = statistics.median(timed(rec + ["--", "true"]) for _ in range(RUNS))
    fixed_off = statistics.median(timed(rec + ["--no-attribution", "--", "true"]) for _ in range(RUNS))
    print(f"fixed cost of a recording: {fixed_on * 1e3:.0f} ms with attribution, {fixed_off * 1e3:.0f} ms without")
    for name, prog in PROGRAMS.items():
        plain, off, on = [], [], []
        for _ in range(RUNS):  # interleaved, so load changes hit all three alike
            plain.append(timed(prog))
            off.append(timed(rec + ["--no-attribution", "--"] + prog) - fixed_off)
            on.append(timed(rec + ["--"] + prog) - fixed_on)
        p, f, n = statistics.median(plain), statistics.median(off), statistics.median(on)
        print(f"{name}:")
        print(f"  untraced {p * 1e3:.0f} ms; scheduler events only {f * 1e3:.0f} ms (x{f / p:.2f}); "
              f"with attribution {n * 1e3:.0f} ms (x{n / p:.2f}); attribution on vs off: x{n / f:.2f}")
    long_prog = PROGRAMS[next(iter(PROGRAMS))][:-1] + ["1000000"]
    alone, by_off, by_on = [], [], []
    for _ in range(RUNS):
        alone.append(timed(BYSTANDER))
        by_off.append(beside(rec + ["--no-attribution", "--"] + long_prog, BYSTANDER))
        by_on.append(beside(rec + ["--"] + long_prog, BYSTANDER))
    a = statistics.median(alone)
    print(f"an untraced program beside a traced one (race --fixed, both): alone {a * 1e3:.0f} ms; "
          f"beside scheduler-only tracing x{statistics.median(by_off) / a:.2f}; "
          f"beside attribution x{statistics.median(by_on) / a:.2f} (it shares the 2 CPUs with the traced one)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
