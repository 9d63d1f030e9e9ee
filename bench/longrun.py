#!/usr/bin/env python3
"""Long runs and long files (make bench; issue 11): figures, not pass/fail.

- replay of files of 10 M and 100 M events (bench_trace --write): when the
  first frame shows (tmux, 200x60), when the file is all read, the peak
  RSS, and events read per second, with no cap; the first frame and the
  peak RSS under the default --memory 256M; beside them what a whole-file
  read costs (`conctop lanes` of the first millisecond reads everything);
- the live view of `perf bench sched pipe` for a while, with --memory 64M
  and with --memory 0 (no cap): RSS over time and its growth per second;
- the live view of a program that creates and joins BENCH_THREADS threads
  (default 100 000; tests/progs/spawnloop) under --memory 16M: its RSS and
  header once it ended, and the bytes each thread costs (the threads'
  records are never forgotten: the one place the cap does not hold).
Medians of BENCH_RUNS runs (default 3; live: one run each, interleaved)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", os.environ.get("BUILD", "build"))
CONCTOP = os.path.join(BUILD, "conctop")
WRITER = os.path.join(BUILD, "bench", "bench_trace")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "100000"))
SPAWNLOOP = os.path.join(BUILD, "tests", "progs", "spawnloop")
LIVE_S = int(os.environ.get("BENCH_LIVE_S", "20"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from harness import rss_kb, tmux_socket  # noqa: E402

SOCKET = tmux_socket("bench")


def tmux(*args):
    """A tmux command on the benchmark's own server; its stdout."""
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def replay_once(path, memory):
    """(first frame s, all read s, peak RSS MB) of one replay in tmux with
    --memory memory; under a cap, "all read" is when the reading waits for
    the view (the cap is full)."""
    tmux("kill-session", "-t", "r")
    t0 = time.monotonic()
    tmux("new-session", "-d", "-s", "r", "-x", "200", "-y", "60", CONCTOP, "replay", "--paused", "--memory", memory,
         path)
    pid = int(tmux("display-message", "-p", "-t", "r", "#{pane_pid}").strip() or 0)
    first = done = None
    peak = 0
    while time.monotonic() - t0 < 600:
        s = tmux("capture-pane", "-p", "-t", "r")
        peak = max(peak, rss_kb(pid) or 0)
        if first is None and "REPLAY" in s:
            first = time.monotonic() - t0
        if first is not None and ("reading" not in s or "--memory full" in s):
            done = time.monotonic() - t0
            break
        time.sleep(0.02)
    tmux("kill-session", "-t", "r")
    return first or 0, done or 0, peak / 1024


def timed(args):
    """Seconds and peak RSS (MB) of a conctop command (NaN when it fails)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M", CONCTOP, *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return float("nan"), float("nan")
    e, m = r.stderr.strip().splitlines()[-1].split()
    return float(e), int(m) / 1024


def whole_read(path):
    """Seconds and peak RSS (MB) of `conctop report`: the whole file's
    statistics, streamed."""
    return timed(["report", path])


def duration_s(path):
    """The trace's duration in seconds (its own report)."""
    return json.loads(subprocess.run([CONCTOP, "report", "--json", path], capture_output=True,
                                     text=True).stdout)["duration_ns"] / 1e9


def window_read(path, dur, tail, perfetto=False):
    """Seconds of `conctop lanes` (or, perfetto, `export --format perfetto`)
    of 100 ms at a tenth of the trace (dur seconds long): with --to (the
    reading stops soon after the window) or, with tail, from there to the
    end (the whole file read)."""
    args = [CONCTOP, "export", "--format", "perfetto", "-o", "-"] if perfetto else \
        [CONCTOP, "lanes", "--width", "200"]
    args += ["--from", f"{dur / 10:.3f}"]
    if not tail:
        args += ["--to", f"{dur / 10 + 0.1:.3f}"]
    t0 = time.monotonic()
    r = subprocess.run(args + [path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0 if r.returncode == 0 else float("nan")


def late_window_read(path, dur):
    """Seconds and peak RSS (MB) of `conctop lanes` of 100 ms at nine
    tenths of the trace: its start is known only by reading the file from
    its start (keeping only the present before the window)."""
    return timed(["lanes", "--width", "200", "--from", f"{dur * 0.9:.3f}", "--to", f"{dur * 0.9 + 0.1:.3f}", path])


def bench_replay(d):
    """Replay figures for 10 M and 100 M events."""
    print("replay (200x60, --paused): first frame / all read / peak RSS; a whole-file read (lanes) beside it")
    for n in (10_000_000, 100_000_000):
        path = os.path.join(d, f"r{n}.ctrace")
        if subprocess.run([WRITER, "--write", str(n), path]).returncode != 0:
            print(f"  {n}: bench_trace --write failed")
            continue
        rows = [replay_once(path, "0") for _ in range(RUNS)]
        capped = [replay_once(path, "256M") for _ in range(RUNS)]
        whole = [whole_read(path) for _ in range(RUNS)]
        dur = duration_s(path)
        windows = [(window_read(path, dur, False), window_read(path, dur, True),
                    window_read(path, dur, False, True), window_read(path, dur, True, True)) for _ in range(RUNS)]
        late = [late_window_read(path, dur) for _ in range(RUNS)]
        first, done, peak = (statistics.median(r[i] for r in rows) for i in range(3))
        cfirst, cpeak = statistics.median(r[0] for r in capped), statistics.median(r[2] for r in capped)
        we, wm = statistics.median(w[0] for w in whole), statistics.median(w[1] for w in whole)
        size = os.path.getsize(path) / 1e6
        print(f"  {n / 1e6:5.0f} M events ({size:.0f} MB), --memory 0: first frame {first:.2f} s, "
              f"all read {done:.1f} s ({n / done / 1e6 if done else 0:.1f} M events/s), peak RSS {peak:.0f} MB; "
              f"--memory 256M (the default): first frame {cfirst:.2f} s, peak RSS {cpeak:.0f} MB | "
              f"whole-file statistics (report) {we:.2f} s ({n / we / 1e6 if we else 0:.1f} M events/s), {wm:.0f} MB")
        print(f"           lanes of 100 ms at a tenth: --to {statistics.median(w[0] for w in windows):.2f} s "
              f"(stops after the window), without --to {statistics.median(w[1] for w in windows):.2f} s (to the end); "
              f"export --format perfetto of it: --to {statistics.median(w[2] for w in windows):.2f} s, "
              f"without --to {statistics.median(w[3] for w in windows):.2f} s")
        le, lm = statistics.median(x[0] for x in late), statistics.median(x[1] for x in late)
        print(f"           lanes of 100 ms at nine tenths (read from the start, only the present kept before it): {le:.2f} s "
              f"({n * 0.9 / le / 1e6 if le else 0:.1f} M events/s before it), peak RSS {lm:.0f} MB")
        os.unlink(path)
    print("  (goals: first frame <= 1 s, RSS <= 512 MB at 100 M, >= 20 M events/s)")


def live_once(memory):
    """RSS samples (s, MB) of the live view of perf bench sched pipe for LIVE_S s, and its ev/s."""
    tmux("kill-session", "-t", "l")
    tmux("new-session", "-d", "-s", "l", "-x", "160", "-y", "30", CONCTOP, "--memory", memory, "-d", f"{LIVE_S}s",
         "--", "perf", "bench", "sched", "pipe", "-l", "1000000000")
    pid = int(tmux("display-message", "-p", "-t", "l", "#{pane_pid}").strip() or 0)
    t0, samples, rate = time.monotonic(), [], ""
    while time.monotonic() - t0 < LIVE_S + 10:
        r = rss_kb(pid)
        s = tmux("capture-pane", "-p", "-t", "l")
        if not r or "q quits" in s:
            break
        samples.append((time.monotonic() - t0, r / 1024))
        for word in s.split("\u00b7"):
            if "ev/s" in word:
                rate = word.strip()
        time.sleep(0.5)
    tmux("kill-session", "-t", "l")
    return samples, rate


def bench_live():
    """Live RSS with and without a cap."""
    if os.geteuid() != 0:
        print("live view under --memory: SKIPPED: needs root (sudo make bench)")
        return
    if subprocess.run(["perf", "bench", "sched", "pipe", "-l", "10"], capture_output=True).returncode != 0:
        print("live view under --memory: SKIPPED: perf bench sched pipe does not run (make deps)")
        return
    print(f"live view of perf bench sched pipe, {LIVE_S} s: RSS at 5 s steps, growth over the last half")
    for memory in ("64M", "0"):
        samples, rate = live_once(memory)
        if len(samples) < 4:
            print(f"  --memory {memory}: too few samples")
            continue
        steps = [f"{mb:.0f}" for t, mb in samples if abs(t / 5 - round(t / 5)) < 0.1 and t > 1]
        half = [x for x in samples if x[0] >= samples[-1][0] / 2]
        growth = (half[-1][1] - half[0][1]) / max(half[-1][0] - half[0][0], 1e-3)
        print(f"  --memory {memory:>3}: {rate}, RSS MB {' '.join(steps)} (peak {max(mb for _, mb in samples):.0f}), "
              f"{growth:+.2f} MB/s over the last half")


def threads_once(n):
    """(RSS MB at the end, peak RSS MB, the header's mem words) of a live
    view under --memory 16M of spawnloop making n threads."""
    tmux("kill-session", "-t", "t")
    tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "50", CONCTOP, "--memory", "16M", "--",
         SPAWNLOOP, "--threads", str(n))
    pid = int(tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip() or 0)
    t0, peak, last, mem = time.monotonic(), 0, 0, "?"
    while time.monotonic() - t0 < 300:
        r = rss_kb(pid)
        s = tmux("capture-pane", "-p", "-t", "t")
        if not r:
            break
        peak, last = max(peak, r), r
        if "q quits" in s:
            time.sleep(1)  # (the ending's copy of the model made and freed)
            last = rss_kb(pid) or last
            mem = next((w.strip() for w in s.splitlines()[0].split("\u00b7") if w.strip().startswith("mem ")), "?")
            break
        time.sleep(0.25)
    tmux("kill-session", "-t", "t")
    return last / 1024, peak / 1024, mem


def bench_threads():
    """Live memory of a program that makes threads without end."""
    if os.geteuid() != 0:
        print("live view of many threads: SKIPPED: needs root (sudo make bench)")
        return
    if not os.access(SPAWNLOOP, os.X_OK) or THREADS <= 100:
        print(f"live view of many threads: SKIPPED: needs {SPAWNLOOP} (make bench builds it) "
              f"and BENCH_THREADS over 100 (not {THREADS})")
        return
    rows, base = [], []
    for _ in range(RUNS):  # (interleaved with a run of 100 threads: what the view holds without them)
        rows.append(threads_once(THREADS))
        base.append(threads_once(100)[0])
    end = statistics.median(r[0] for r in rows)
    peak = statistics.median(r[1] for r in rows)
    each = (end - statistics.median(base)) * 1048576 / (THREADS - 100)
    print(f"live view of spawnloop ({THREADS} threads created and joined), --memory 16M: RSS at the end "
          f"{end:.0f} MB ({each:.0f} bytes a thread over a run of 100 threads, {statistics.median(base):.0f} MB), "
          f"peak {peak:.0f} MB; header {' / '.join(r[2] for r in rows)}")


def main():
    d = tempfile.mkdtemp(prefix="conctop-bench-")
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        bench_replay(d)
        bench_live()
        bench_threads()
    finally:
        tmux("kill-server")
        subprocess.run(["rm", "-rf", d])
    return 0


if __name__ == "__main__":
    sys.exit(main())
