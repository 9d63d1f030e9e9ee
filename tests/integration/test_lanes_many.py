"""`conctop lanes` with more lanes than a screen or a grid holds (issue 15
item 7): a trace of 20 000 threads from `mktrace --threads` is drawn in
full, every thread in its own lane, with memory that follows the width of
the picture, not the number of lanes (measured from the kernel's rusage of
each process, against `conctop log` loading the same trace)."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, PROGS, check, finish, skip, tmpdir  # noqa: E402

# tests/run may run this test beside another: it checks lanes of a synthetic
# trace and the peak RSS (memory, not time); nothing waits; its files are its
# own.
RUNS_BESIDE_OTHERS = True

THREADS = 20000
LANE = re.compile(r"^(\S) t(\d+) +(\d+) [\u2502|](.*?)[\u2502|]")


def run_measured(args, out_path):
    """Runs args with stdout to out_path; returns (exit status, stderr, peak RSS in MB)."""
    with open(out_path, "w") as out:
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, text=True)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err, usage.ru_maxrss / 1024.0


def thread_lanes(path):
    """The thread lanes printed in path: a list of (number in the name, tid, cells)."""
    lanes = []
    with open(path) as f:
        for line in f:
            m = LANE.match(line)
            if m:
                lanes.append((int(m.group(2)), int(m.group(3)), m.group(4)))
    return lanes


def main():
    mktrace = os.path.join(PROGS, "mktrace")
    if not os.path.exists(CONCTOP) or not os.path.exists(mktrace):
        check(False, "lanes many: conctop and mktrace are built", f"missing {CONCTOP} or {mktrace}: run make test")
        finish()
    tmp = tmpdir()
    trace = os.path.join(tmp, "threads.ctrace")
    r = subprocess.run([mktrace, "--threads", str(THREADS), trace], capture_output=True, text=True)
    if not check(r.returncode == 0, f"mktrace --threads {THREADS} writes a trace", r.stderr.strip()):
        finish()

    # measured first, while this process is small: a child's peak RSS
    # counts the memory of the process that forked it, up to its exec
    out = os.path.join(tmp, "lanes.txt")
    rc, err, lanes_mb = run_measured([CONCTOP, "lanes", trace, "--width", "1000"], out)
    base_rc, base_err, load_mb = run_measured([CONCTOP, "log", trace, "--to", "1us"], os.path.join(tmp, "log.txt"))
    check(rc == 0 and err == "", f"lanes of {THREADS} threads: exit 0, nothing on stderr", f"exit {rc}: {err.strip()}")
    check(base_rc == 0, "log of the same trace (the memory of loading it)", base_err.strip())
    # a grid of every row would take THREADS x 1000 cells of 8 bytes: 160 MB
    check(rc == 0 and base_rc == 0 and lanes_mb - load_mb <= 16 and lanes_mb <= 100,
          "lanes of many threads: memory follows the width, not the lanes",
          f"lanes {lanes_mb:.1f} MB, loading alone {load_mb:.1f} MB")
    print(f"  peak RSS: lanes --width 1000 {lanes_mb:.1f} MB, log (loading the trace) {load_mb:.1f} MB")
    lanes = thread_lanes(out)
    check([n for n, _, _ in lanes] == list(range(1, THREADS + 1)) and all(tid == 1000 + n for n, tid, _ in lanes),
          f"lanes of {THREADS} threads: one lane per thread, in order, with its tid",
          f"{len(lanes)} lanes, first {lanes[:1]}, last {lanes[-1:]}")
    del lanes
    with open(out) as f:
        last = ""
        for line in f:
            last = line.rstrip("\n")
    check(last.startswith("1 col = "), "lanes of many threads: the legend comes last", last[:60])

    # the right thread in each row: t1..t10 run in the first 100 us, t19991..t20000 in the last
    for window, first, what in ((["--to", "100us"], 1, "first"), (["--from", "199.9ms"], THREADS - 9, "last")):
        rc, err, _ = run_measured([CONCTOP, "lanes", trace, "--width", "120", *window], out)
        lanes = thread_lanes(out)
        running = [n for n, _, cells in lanes if re.search(r"[0-9]", cells)]
        check(rc == 0 and len(lanes) == THREADS and running == list(range(first, first + 10)),
              f"lanes of many threads: the {what} ten threads run in the {what} 100 us, in their own rows",
              f"exit {rc}, {len(lanes)} lanes, running {running[:12]}")
    shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
