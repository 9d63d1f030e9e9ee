"""Long recordings (issue 11): replay draws its first frame before the file
is all read and reads on while the view runs, up to the same end as a
whole-file reader. The file is made by bench_trace --write: millions of
events of a toy scheduler, seconds of trace."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import panes  # noqa: E402
from harness import BUILD, CONCTOP, check, finish, report_json, run, tmpdir  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402

SOCKET = f"conctop-bigfile-{os.getpid()}"
WRITER = os.path.join(BUILD, "bench", "bench_trace")
EVENTS = 6_000_000
READING = re.compile(r"reading \S+: (\d+)% \(([0-9.]+) M events\)")
AT = re.compile(r"\bt ([0-9.]+) s\b")

tmux = Tmux(SOCKET)


def test_progressive(trace):
    """The first frame comes while the file is being read (the status line
    says how far), and once it is all read End reaches the trace's end."""
    rep = report_json(trace)
    p = panes.Pane(tmux, "replay", clean_env(CONCTOP, "replay", "--paused", trace))
    try:
        progress, start = [], time.monotonic()
        while time.monotonic() - start < 120:
            s = p.screen()
            m = READING.search(s)
            if m:
                progress.append((int(m.group(1)), float(m.group(2))))
            elif "conctop" in s and "REPLAY" in s and progress:
                break
            time.sleep(0.03)
        check(progress and progress[0][0] < 100,
              "replay draws while it reads a 6 M-event file: the status line says how far",
              f"progress seen: {progress[:5]}")
        check(len(progress) >= 2 and progress[-1][1] > progress[0][1],
              "the reading moves on while the view is up", f"progress seen: {progress[:3]} ... {progress[-3:]}")
        p.keys("End")
        want = rep["duration_ns"] / 1e9
        ok, s = p.wait_for(lambda s: AT.search(s) and abs(float(AT.search(s).group(1)) - want) < 0.02, timeout=10)
        m = AT.search(s)
        check(ok, f"once all is read, End goes to the trace's end ({want:.2f} s, as report says)",
              f"header at {m.group(1) if m else '?'} s")
        check("reading" not in s, "the reading's progress is gone from the status line once done", s[-300:])
    finally:
        p.kill()


def main():
    if not os.path.exists(WRITER):
        check(False, "bench_trace is built", f"{WRITER} is missing: run make test")
        finish()
    d = tmpdir()
    trace = os.path.join(d, "big.ctrace")
    r = run([WRITER, "--write", str(EVENTS), trace], timeout=120)
    if not check(r.returncode == 0, f"bench_trace wrote {EVENTS} events", r.stderr):
        finish()
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        test_progressive(trace)
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
