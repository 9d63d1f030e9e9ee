"""The live view under a memory cap (issue 11): `perf bench sched pipe`
(100 000+ events/s) traced live for 30 s with --memory 64M keeps conctop's
RSS within 64 MB of what it had at its first frame, forgets its oldest half
as it goes (the header says from when it keeps), and, once tracing is over,
scrolled back to the first seconds, draws the same lanes as `conctop lanes`
of the file it wrote (read back from it), and a late window of the past is
read back from the checkpoint before it (not from the file's start) with
the same lanes as `conctop lanes` too. A sanitizer build runs it shorter
with a smaller cap: the same paths, but its RSS is the sanitizer's, not
conctop's, so that check is skipped there. Without -w, on a disk that
fills (a 512 KB tmpfs as $TMPDIR), the history's oldest part goes, the view
says from when it keeps history and goes on, and the recent past still
reads back."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import panes  # noqa: E402
from harness import (BUILD, CONCTOP, SAID_TO_A_TENTH, bpf_available, check, conctop, finish, lane_rows,  # noqa: E402
                     report_json, retried, rss_kb, run, skip, tmpdir, tmux_socket)
from panes import Tmux, clean_env  # noqa: E402

SANITIZE = os.path.basename(BUILD).startswith("sanitize")
SECONDS = 6 if SANITIZE else 30
CAP_MB = 16 if SANITIZE else 64
RING_MB = 4
NPC_MS = 2 if SANITIZE else 10   # 1 col: 119 columns then hold 0.24 s or 1.2 s
SOCKET = tmux_socket("livememory")
RATE = re.compile(r"([0-9.]+)([kM]?) ev/s")
KEPT = re.compile(r"mem (\d+)/(\d+) MB from ([0-9.]+) s")
DISK_KB = 512  # the tmpfs under the history: full within a second or two
DROPPED = re.compile(r"disk full, kept from ([0-9.]+) s")
NPC = re.compile(r"1 col = ([0-9.]+) (ms|s|µs|us|ns)\b")
UNIT_S = {"s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
AT = re.compile(r"\bt ([0-9.]+) s\b")
BEGAN = re.compile(r"read back from ([0-9.]+) s")
PROGRESS = re.compile(r"reading the past back from \S+: (\d+)% \(a key stops it\)")

tmux = Tmux(SOCKET)

WAITS_READ = re.compile(r"waits by object, [0-9.]+-[0-9.]+ s: (the window shown|from [0-9.]+ s only \(zoom in\))")
WAITS_FORGOTTEN = re.compile(r"waits by object, [0-9.]+-[0-9.]+ s: from [0-9.]+ s only \(forgotten before: "
                             r"--memory\)")


def perf_works():
    """Whether `perf bench sched pipe` runs here."""
    try:
        r = subprocess.run(["perf", "bench", "sched", "pipe", "-l", "10"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def test_capped():
    """Traces 30 s under --memory, then scrolls back to the start."""
    d = tmpdir()
    trace = os.path.join(d, "live.ctrace")
    p = panes.Pane(tmux, "live", clean_env(CONCTOP, "--memory", f"{CAP_MB}M", "--buffer", f"{RING_MB}M", "-w", trace,
                                           "-d", f"{SECONDS}s", "--", "perf", "bench", "sched", "pipe", "-l",
                                           "1000000000"), remain=True, width=160, height=30)  # room in the header for ev/s and mem
    try:
        ok, s = p.wait_for(lambda s: "LIVE" in s and "ev/s" in s, 30)
        pid = int(tmux("display-message", "-p", "-t", "live", "#{pane_pid}").strip())
        fixed = rss_kb(pid)
        if not check(ok and fixed, "the live view of perf bench sched pipe starts", s):
            return
        peak, rates, kept, start, read_back = fixed, [], [], time.monotonic(), None
        read_from = read_to = None
        forgotten = False
        while time.monotonic() - start < SECONDS + 30:
            r = rss_kb(pid)
            s = p.screen()
            if not r or "q quits" in s or "tracing has ended" in s:
                break
            peak = max(peak, r)
            m = RATE.search(s)
            if m and "LIVE" in s:
                rates.append(float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6}[m.group(2)])
            m = KEPT.search(s)
            if m:
                kept.append(float(m.group(3)))
                forgotten = forgotten or ("LIVE" in s and f"summary before {m.group(3)} s" in s)
            if read_back is None and kept and time.monotonic() - start > SECONDS * 0.6:
                # paused while tracing goes on, the start is read back
                # from the file (seconds of events): the tracer must
                # still be drained meanwhile
                m = AT.search(s)
                read_from = float(m.group(1)) if m else None
                p.keys("Space")
                p.keys("Home")
                read_back, s = p.wait_for(lambda s: "read back" in s, 10)
                p.keys("Space")  # following again
                if not SANITIZE:  # (whose check is skipped below: no wait for it)
                    _, s = p.wait_for(lambda s, t=read_from or 0: "LIVE" in s and AT.search(s) and
                                      float(AT.search(s).group(1)) >= t, 10)
                    m = AT.search(s)
                    read_to = float(m.group(1)) if m else None
            time.sleep(0.25)
        rates.sort()
        rate = rates[len(rates) // 2] if rates else 0
        if not SANITIZE:
            check(rate >= 100_000, f"perf bench sched pipe makes >= 100 000 events/s under the view (median "
                  f"{rate:,.0f})", f"{len(rates)} samples")
        check(forgotten, "following, the lanes' foot says from when the lanes are a summary of what was "
              "forgotten (not unknown)", s)
        check(kept and max(kept) > SECONDS / 2,
              f"the header says the view keeps only the recent past (from {max(kept) if kept else 0:.1f} s at the end)",
              s)
        if SANITIZE:
            skip("RSS under --memory", "a sanitizer build's RSS is its shadow memory and quarantine")
        else:
            check(peak <= fixed + (CAP_MB + RING_MB) * 1024,
                  f"RSS stays within {CAP_MB} MB (+{RING_MB} MB ring buffer) of its first frame's: peak "
                  f"{peak / 1024:.1f} MB, first frame {fixed / 1024:.1f} MB, over {SECONDS} s", "")
        # (following, the view says "q quits"; still paused, that tracing ended)
        ok, s = p.wait_for(lambda s: "q quits" in s or "tracing has ended" in s, 30)
        if not check(ok, "tracing ends after --duration and the view stays", s):
            return
        if SANITIZE:  # (measured: no keys, 0 lost; reading back, 30 000-80 000)
            skip("reading the start back while tracing loses nothing", "a sanitizer build reading back its "
                 "history has too little CPU left on 2 cores to keep up with perf bench sched pipe")
        else:
            # the losses the file records from the keys to following again
            # (the log of that stretch only: the whole file's is millions of lines)
            rep = report_json(trace)
            if read_to is None or read_from is None or read_to < read_from:
                read_to = rep["duration_ns"] / 1e9  # not following again before the end
            lo = max((read_from or 0) - 0.1, 0)
            losses = [(float(x.split()[0]), int(x.split()[2])) for x in
                      conctop("log", "--from", f"{lo:.3f}", "--to", f"{read_to + 0.1:.3f}", trace).stdout.splitlines()
                      if x.split()[1:2] == ["lost"]]
            during = sum(n for _, n in losses)
            check(read_back and read_from is not None and during == 0,
                  f"reading the start back while tracing (paused at {read_from} s, Home, following again at "
                  f"{read_to} s) lost no event then: {during} lost ({rep['lost_events']} in the whole file)",
                  f"losses (s, events): {losses[:20]}\n{s}")
        p.keys("Home")  # zoom in at the start: each window read back ends where it does
        time.sleep(0.5)
        s = p.screen()
        for _ in range(16):  # zoom in until the window read back fits a quarter of the cap
            m = NPC.search(s)
            if m and m.group(2) == "ms" and float(m.group(1)) <= NPC_MS:
                break
            p.keys("+")
            # (a read back that takes a while draws its progress: wait for its end)
            ok, s = p.wait_for(lambda s, old=s: s != old and not PROGRESS.search(s), 10)
        p.keys("Home")
        time.sleep(1)
        ok, s = p.wait_for(lambda s: "read back" in s and "in part" not in s, 20)
        time.sleep(0.5)
        s = p.screen()
        m = NPC.search(s)
        shown = lane_rows(s)
        threads = {k: v for k, v in shown.items() if "sched-pipe" in k or k.startswith("CPU")}
        if not check(ok and m and threads, "scrolled to the start, the view reads the past back from the file", s):
            return
        npc = float(m.group(1)) * UNIT_S[m.group(2)]
        cols = len(next(iter(threads.values()))[0])
        same_lanes(s, trace, threads, 0, cols * npc, f"the first {cols * npc:g} s read back")
        p.keys("w")  # the waits there were forgotten with the lanes: read back from the file too
        ok, s = p.wait_for(lambda s: WAITS_READ.search(s) or WAITS_FORGOTTEN.search(s), 10)
        check(ok and WAITS_READ.search(s), "w on the window read back at the start reads its waits back from the "
              "file too (not 'forgotten before')", s[-600:])
        p.keys("w")
        check_checkpoint(p, trace, max(kept) - 0.5, cols)
        took = check_read_progress(p)
        check_read_stops(p, took)
    finally:
        p.kill()


def same_lanes(s, trace, threads, t0, t1, what):
    """Checks that the lanes shown (threads: rows of screen s) for [t0, t1)
    are those `conctop lanes` draws of the file, at the same width: their
    stats those of [t0, t1), their cells those of a window a quarter
    longer at the same scale, which a reading goes on into as the view's
    read back does (a column near a window's end is summed from the lanes'
    summaries at a level whose node at its end is whole, with the next
    begun; short of that at a finer level, or from its records: where the
    reading stopped can change it, docs/design.md)."""
    label = min(line.find("\u2502") for line in s.splitlines() if "sched-pipe" in line)
    want_label = [line.find("\u2502") for line in conctop("lanes", "-w", "100", "--to", "0.001", trace).stdout
                  .splitlines() if "sched-pipe" in line]
    width = grid_width(s) - label + min(want_label or [label])
    cols = len(next(iter(threads.values()))[0])
    more = -(-cols // 4)  # (the view reads to t1 + (t1 - t0) / 4: the columns that take)
    r = conctop("lanes", "-w", str(width), "--from", f"{t0:.9f}", "--to", f"{t1:.9f}", trace)
    on = conctop("lanes", "-w", str(width + more), "--from", f"{t0:.9f}", "--to", f"{t1 + (t1 - t0) / 4:.9f}",
                 trace)
    longer = lane_rows(on.stdout)
    aligned = bool(longer) and all(len(cells) == cols + more for cells, _ in longer.values())
    want = {k: (longer[k][0][:cols] if k in longer else "", stats) for k, (_, stats) in lane_rows(r.stdout).items()}
    same = [k for k in threads if want.get(k) == threads[k]]
    check(r.returncode == 0 and on.returncode == 0 and aligned and len(same) == len(threads) and len(threads) >= 4,
          f"{what} show the same lanes as conctop lanes of the file ({len(same)} of {len(threads)} rows: "
          f"{', '.join(sorted(threads))})",
          ("" if aligned else f"the window a quarter longer is not {cols + more} columns at the same scale:\n"
           f"{on.stdout}\n") +
          "\n".join(f"{k}: view {threads[k]} lanes {want.get(k)}" for k in threads if k not in same))


def check_checkpoint(p, trace, late, cols):
    """Zoomed in to 1 col = 100 us, jumps (g) to late, before what memory
    keeps: the window is read back from the latest checkpoint before it
    (the header says from when), not from the file's start, and shows the
    same lanes as conctop lanes of the file. (At that zoom a column holds
    few records and is read from them exactly: a wider one is read from
    summaries over blocks of records, which start where a lane starts, the
    file's start for conctop lanes, the checkpoint for the view, and agree
    within their end blocks' error only, docs/design.md.) A jump out of the
    window centres it on the cursor: it starts half a window before, on a
    column's edge."""
    late = round(late, 2)
    p.keys("Home")
    for _ in range(12):
        s = p.screen()
        m = NPC.search(s)
        if m and float(m.group(1)) * UNIT_S[m.group(2)] <= 100e-6:
            break
        p.keys("+")
        p.wait_for(lambda s, old=s: s != old and not PROGRESS.search(s), 10)
    npc = float(m.group(1)) * UNIT_S[m.group(2)] if m else 100e-6
    p.keys("g")
    p.keys(f"{late:.2f}", "Enter")
    ok, s = p.wait_for(lambda s: AT.search(s) and abs(float(AT.search(s).group(1)) - late) < 0.005 and
                       "read back" in s and not PROGRESS.search(s), 30)
    m = BEGAN.search(s)
    if SANITIZE and not m:  # (a checkpoint every 2^20 events: a sanitizer build's 6 s make fewer)
        skip("a late window reads back from a checkpoint", "the sanitizer build's shorter run has no checkpoint")
        return
    check(ok and m and 0 < float(m.group(1)) <= late + SAID_TO_A_TENTH,
          f"a window at {late:.2f} s is read back from the checkpoint "
          f"at {m.group(1) if m else '?'} s, not from the file's start", s)
    shown = lane_rows(s)
    threads = {k: v for k, v in shown.items() if "sched-pipe" in k or k.startswith("CPU")}
    step = round(npc * 1e9)
    t0 = (round(late * 1e9) - cols * step // 2) // step * step  # (t0 falls on a column's edge)
    same_lanes(s, trace, threads, t0 / 1e9, (t0 + cols * step) / 1e9,
               f"the window at {late:.2f} s read back from a checkpoint")


def zoom_out_from_start(p):
    """Follows the present, zooms out (following, nothing is read back) as
    far as a window of at most 0.8 of the traced time (24 s of 30, at 200
    ms a column; 2.4 s of 6 under the sanitizers), then goes Home: that
    window, from the file's start, is read back from the start. (A window
    reaching the end of the trace, one zoom step more, would be drawn from
    the overview of what the view forgot, not read back.)"""
    p.keys("End")
    for _ in range(12):
        s = p.screen()
        m = NPC.search(s)
        cells = next((v[0] for k, v in lane_rows(s).items() if k.startswith("CPU")), "")
        if not m or not cells:
            break
        npc = float(m.group(1)) * UNIT_S[m.group(2)]
        digits = f"{npc:.0e}"  # the zoom steps go 1, 2, 5, 10...
        step = {"1": 2, "2": 2.5, "5": 2}[digits[0]]
        if npc * step * len(cells) > 0.8 * SECONDS and npc * len(cells) <= 0.8 * SECONDS:
            break
        p.keys("+" if npc * len(cells) > 0.8 * SECONDS else "-")
        p.wait_for(lambda s, old=s: s != old, 2)
    p.keys("Home")


def check_read_progress(p):
    """Zoomed out, goes to the start: most of the traced time is read back
    from the file's start (there is no checkpoint before 0), and a read
    back that takes a while says how far it is on the status line as it
    goes."""
    zoom_out_from_start(p)
    start, seen, took = time.monotonic(), [], None
    while time.monotonic() - start < 30:
        s = p.screen()
        m = PROGRESS.search(s)
        if m:
            seen.append(int(m.group(1)))
        elif AT.search(s) and float(AT.search(s).group(1)) < 0.05 and "read back" in s:
            took = time.monotonic() - start
            break
        time.sleep(0.02)
    if took is not None and took < 0.6 and not seen:
        skip("a long read back says how far it is", f"the read back from the start took {took:.2f} s: too quick "
             "for its first progress line (after 0.25 s)")
        return took
    check(took is not None and seen and all(0 <= x <= 100 for x in seen),
          f"a read back of most of the past from the file's start says how far it is as it reads ("
          f"{'took %.2f s' % took if took is not None else 'not done in 30 s'})",
          f"progress seen: {seen}\n{s}")
    return took


def check_read_stops(p, took):
    """Zooms in and out at the start, other windows read back from the
    file's start, and presses q once the read back says how far it is: the
    view quits at once (in about 0.15 s here; before, 0.63 s into a read
    back of 0.81 s), not when the read back (took s for the one before)
    would have ended."""
    if took is None or took < 0.7:
        skip("q stops a read back", f"a whole read back took {took} s: too quick to stop one midway")
        p.keys("q")
        return
    m, s = None, ""
    for attempt in range(3):  # (a read back now and then ends before its first progress line: another window)
        p.keys("+" if attempt % 2 == 0 else "-")  # (zoomed in: 15 s; a zoom out may add nothing)
        start = time.monotonic()
        while m is None and time.monotonic() - start < 5:
            s = p.screen()
            m = PROGRESS.search(s)
            time.sleep(0.02)
        if m is not None:
            break
    if m is None:
        skip("q stops a read back", "no progress line in 3 read backs from the start: each was too quick")
        p.keys("q")
        return
    t0 = time.monotonic()
    p.keys("q")
    done = False
    while not done and time.monotonic() - t0 < 10:
        done = tmux("display-message", "-p", "-t", "live", "#{pane_dead}").strip() == "1"
        time.sleep(0.02)
    quit_s = time.monotonic() - t0
    # before, q waited for the rest of the read back (the one before took
    # `took`; this one reads a second less of 30): quitting must come
    # before that rest, and within 0.4 s (0.8 s for a sanitizer build,
    # whose exit checks for leaks: 0.34 s seen)
    left = took - (t0 - start)
    limit = min(0.8 if SANITIZE else 0.4, left)
    check(done and quit_s < limit, f"q during a read back ({m.group(1)}% read, {t0 - start:.2f} s in; the one "
          f"before took {took:.2f} s) quits in {quit_s:.2f} s, under {limit:.2f} s", s[-300:])


def grid_width(screen):
    """The pane's width."""
    return max(len(line) for line in screen.splitlines()) if screen else 80


WAITS_TITLE = re.compile(r"waits by object, ([0-9.]+)-([0-9.]+) s: ([^\n─]*)")
WAITS_ROW = re.compile(r"│ (\S+)\s+(mutex|cond|rwlock|barrier|sem|futex|child|join|\S+)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+"
                       r"(\d+)\s+(\d+)\s")
PINGPONG = os.path.join(BUILD, "tests", "progs", "pingpong")


def same_waits(p, trace, what):
    """Opens w on the window shown, and checks its rows against conctop
    contention of the file for the window its title names. Returns the
    title's words (None when it did not show)."""
    p.keys("w")
    ok, s = p.wait_for(lambda s: WAITS_TITLE.search(s) and WAITS_ROW.search(s), 20)
    m = WAITS_TITLE.search(s)
    if not check(ok and m, f"{what}: w shows the waits of the window", s[-800:]):
        p.keys("w")
        return None
    rows = WAITS_ROW.findall(s)
    r = run([CONCTOP, "contention", "--json", "--from", m.group(1), "--to", m.group(2), trace])
    want = json.loads(r.stdout)["contention"] if r.returncode == 0 else []
    same = [o for o, w in zip(rows, want)
            if w["object"].startswith(o[0].rstrip("…")) and o[1] == w["kind"] and int(o[2]) == w["waits"] and
            abs(float(o[3]) - w["total_ns"] / 1e6) < 0.0011 and abs(float(o[4]) - w["longest_ns"] / 1e6) < 0.0011 and
            int(o[6]) == w["handovers"]]
    check(len(same) == len(rows) == len(want) and rows,
          f"{what} ({m.group(1)}-{m.group(2)} s: {m.group(3).strip()}): the waits shown are conctop contention's "
          f"of the file for that window ({len(same)} of {len(want)} objects: waits, total, longest, handovers)",
          f"shown {rows}\nfile {want}")
    p.keys("w")
    return m.group(3)


def test_waits_read_back():
    """pingpong (a mutex and a condition variable) traced live under
    --memory 16M: after the end, w on windows before what the waits'
    history keeps reads their waits back from the file (from its start,
    and from a checkpoint) as conctop contention reads them."""
    d = tmpdir()
    trace = os.path.join(d, "waits.ctrace")
    p = panes.Pane(tmux, "waits", clean_env(CONCTOP, "--memory", "16M", "-w", trace, "-d", "8s", "--", PINGPONG,
                                            "--rounds", "1000000000"), remain=True, width=160, height=30)
    try:
        ok, s = p.wait_for(lambda s: "q quits" in s or "tracing has ended" in s, 40)
        m = re.search(r"mem \d+/\d+ MB from ([0-9.]+) s", s)
        if not check(ok and m, "pingpong traced live for 8 s under --memory 16M forgets its start", s):
            return
        kept = float(m.group(1))
        p.keys("Home")
        for _ in range(16):  # zoom in to 500 us a column: a window's waits fit an eighth of the cap
            m = NPC.search(p.screen())
            if m and float(m.group(1)) * UNIT_S[m.group(2)] <= 0.0005:
                break
            p.keys("+")
            time.sleep(0.3)
        ok, s = p.wait_for(lambda s: "read back" in s.splitlines()[0], 20)
        if not check(ok, "zoomed in at the start, the lanes are read back", s):
            return
        same_waits(p, trace, "live, after the end, at the start (read from the file's start)")
        # 200 us a column further on, where pingpong runs at full speed: at
        # 500 us its 60 ms of waits held about 2 MB, the eighth of 16M, and
        # one CI run read back only the window's end ("from ... only (zoom
        # in)"); the start's window is left wider, to hold the first waits
        for _ in range(4):
            m = NPC.search(p.screen())
            if m and float(m.group(1)) * UNIT_S[m.group(2)] <= 0.0002:
                break
            p.keys("+")
            time.sleep(0.3)
        late = kept - 0.5
        p.keys("g")
        p.keys(f"{late:.2f}", "Enter")
        ok, s = p.wait_for(lambda s: AT.search(s) and abs(float(AT.search(s).group(1)) - late) < 0.01 and
                           "read back" in s.splitlines()[0], 20)
        if not ok or not BEGAN.search(s.splitlines()[0]):
            skip("w on a window read from a checkpoint", f"the lanes at {late:.2f} s were not read back from a "
                 "checkpoint (too few events before them)")
            return
        words = same_waits(p, trace, f"live, at {late:.2f} s (read from a checkpoint)")
        m = re.search(r"\(read from ([0-9.]+) s\)", words or "")
        check(m and 0 < float(m.group(1)) <= late + SAID_TO_A_TENTH,
              f"w at {late:.2f} s reads the waits from the checkpoint at "
              f"{m.group(1) if m else '?'} s, not from the file's start", words or "")
    finally:
        p.kill()


def test_sudo_tmp():
    """Without -w, under sudo: the history goes to a private directory of
    the user's (mode 0700) under $TMPDIR, removed when the view quits."""
    base = tmpdir()
    os.chmod(base, 0o1777)  # as /tmp is
    p = panes.Pane(tmux, "sudo", clean_env("SUDO_UID=65534", "SUDO_GID=65534", "SUDO_USER=nobody", f"TMPDIR={base}",
                                           CONCTOP, "-d", "1s", "--", "sleep", "3"), remain=True)
    try:
        ok, s = p.wait_for(lambda s: "q quits" in s, 30)
        dirs = [os.path.join(base, d) for d in os.listdir(base) if d.startswith("conctop-live-")]
        st = os.stat(dirs[0]) if len(dirs) == 1 else None
        files = os.listdir(dirs[0]) if st else []
        check(ok and st and st.st_uid == 65534 and (st.st_mode & 0o777) == 0o700 and files,
              "under sudo, the history file is the user's, in a directory of theirs only (0700) under $TMPDIR",
              f"{dirs} {oct(st.st_mode) if st else ''} {st.st_uid if st else ''} {files}: {s[-300:]}")
        p.keys("q")
        p.wait_for(lambda s: "q quits" not in s, 10)
        time.sleep(0.5)
        check(not [d for d in os.listdir(base) if d.startswith("conctop-live-")],
              "the history's directory is removed when the view quits", f"{os.listdir(base)}")
    finally:
        p.kill()


def test_disk_full():
    """Without -w, $TMPDIR on a 512 KB tmpfs: the history file fills it within
    seconds; its oldest chunks go (a hole: the disk use stays within it as
    the file grows past it), the header says from when history is kept, the
    view goes on live, and after the end the kept past reads back."""
    if SANITIZE:  # (CI's two runs must stay within 15 minutes)
        skip("a full disk under the history", "the plain build's run checks it; it is plain file handling")
        return
    mnt = tmpdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_KB}k", "tmpfs", mnt], capture_output=True).returncode:
        skip("a full disk under the history", "cannot mount a tmpfs (needs root: sudo make test)")
        return
    seconds = 8
    p = panes.Pane(tmux, "full", clean_env(f"TMPDIR={mnt}", CONCTOP, "--memory", "32M", "-d", f"{seconds}s", "--",
                                           "perf", "bench", "sched", "pipe", "-l", "1000000000"),
                   remain=True, width=200, height=30)
    try:
        said, size, used, rate = [], 0, 0, 0
        start = time.monotonic()
        while time.monotonic() - start < seconds + 20:
            s = p.screen()
            if "q quits" in s:
                break
            m = DROPPED.search(s)
            if m and "LIVE" in s:
                said.append(float(m.group(1)))
                r = RATE.search(s)
                rate = float(r.group(1)) * {"": 1, "k": 1e3, "M": 1e6}[r.group(2)] if r else 0
            for d in os.listdir(mnt):
                for f in os.listdir(os.path.join(mnt, d)):
                    st = os.stat(os.path.join(mnt, d, f))
                    size, used = max(size, st.st_size), max(used, st.st_blocks * 512)
            time.sleep(0.25)
        check(len(said) >= 2 and rate > 0,
              f"the disk full, the live view goes on and says from when the file keeps history "
              f"({said[0] if said else '-'} s, then {said[-1] if said else '-'} s; {rate:,.0f} ev/s)", s)
        check(size > DISK_KB * 1024 >= used,
              f"its oldest chunks give their space back: the file grew to {size / 2**20:.2f} MB on a "
              f"{DISK_KB} KB disk "
              f"({used / 2**20:.2f} MB used)")
        ok, s = p.wait_for(lambda s: "q quits" in s, 30)
        on_disk, in_memory = DROPPED.search(s), KEPT.search(s)
        if not check(ok and on_disk and in_memory, "after the end, the header says what the disk and memory keep", s):
            return
        kept_from, mem_from = float(on_disk.group(1)), float(in_memory.group(3))
        # what the file keeps: its first event past the start's (the older chunks went)
        files = [os.path.join(mnt, d, f) for d in os.listdir(mnt) for f in os.listdir(os.path.join(mnt, d))]
        times = [float(x.split()[0]) for x in (conctop("dump", files[0]).stdout.splitlines() if files else [])
                 if x[:1].isdigit()]
        first_kept = min((t for t in times if t > 0.2), default=None)
        check(first_kept is not None and first_kept <= kept_from + 0.1,
              f"after the end, the header's 'kept from {kept_from} s' is what the file keeps (its events resume "
              f"at {first_kept} s): the last writes' drop is counted too", f"{len(times)} events in {files}")
        for _ in range(6):
            p.keys("+")
            time.sleep(0.2)
        for attempt in range(2):
            at = (kept_from + mem_from) / 2  # on disk, not in memory
            p.keys("g")
            time.sleep(0.3)
            p.keys(f"{at:.2f}", "Enter")
            for _ in range(8):  # zoomed in until the window read back fits a quarter of the cap
                ok, s = p.wait_for(lambda s: "read back" in s and "in part" not in s, 5)
                if ok:
                    break
                p.keys("+")
            # the read's flush of the last chunk can fill the disk again and
            # take more of it: then the header says from when it is kept now
            now = DROPPED.search(s)
            if not now or float(now.group(1)) <= kept_from or float(now.group(1)) >= mem_from:
                break
            kept_from = float(now.group(1))
        rows = lane_rows(s)
        cpus = [v[0] for k, v in rows.items() if k.startswith("CPU")]
        check(ok and cpus and all(set(c) - set("? ") for c in cpus),
              f"after the end, the past at {at:.2f} s reads back from what the disk kept", s)
        p.keys("q")
        p.wait_for(lambda s: "q quits" not in s, 10)
        time.sleep(0.5)
        check(not os.listdir(mnt), "the history's directory is removed when the view quits", f"{os.listdir(mnt)}")
    finally:
        p.kill()
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def main():
    if not bpf_available("the live view under --memory"):
        finish()
    if not perf_works():
        skip("the live view under --memory", "perf bench sched pipe does not run here (make deps installs linux-perf)")
        finish()
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        test_sudo_tmp()
        if SANITIZE:  # (18 s of CI's 15 minutes there)
            skip("w on windows of a live pingpong read back from the file", "the plain build's run checks it; "
                 "under the sanitizers, w reads waits back from the file below and from a checkpoint in "
                 "test_bigfile")
        else:
            test_waits_read_back()
        # (once in CI, after the end, the kept past at 7.40 s read back
        # blank with the header saying it was on disk from 7.2 s; not seen
        # in 11 runs here since: a retry prints such an attempt)
        if SANITIZE:
            test_disk_full()  # (it skips there)
        else:
            retried(test_disk_full)
        test_capped()
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
