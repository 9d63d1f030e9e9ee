"""Long recordings (issue 11): replay draws its first frame before the file
is all read and reads on while the view runs, up to the same end as a
whole-file reader; `conctop lanes` of a late window forgets what comes
before it as it reads (the same cells, less memory). The file is made by
bench_trace --write: millions of events of a toy scheduler, seconds of
trace."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import panes  # noqa: E402
from harness import (BUILD, CONCTOP, SAID_TO_A_TENTH, check, conctop, finish, lane_rows, report_json, rss_kb,  # noqa: E402
                     run, skip, tmpdir, tmux_socket)
from panes import Tmux, clean_env  # noqa: E402

SOCKET = tmux_socket("bigfile")
WRITER = os.path.join(BUILD, "bench", "bench_trace")
READING = re.compile(r"reading \S+: (\d+)% \(([0-9.]+) M events\)")
AT = re.compile(r"\bt ([0-9.]+) s\b")
READ_BACK = re.compile(r"reading the past back from \S+: (\d+)% \(a key stops it\)")
NPC = re.compile(r"1 col = ([0-9.]+) (ms|s|µs|us)(?![a-z])")
UNIT_S = {"s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6}
BEGAN = re.compile(r"read back from ([0-9.]+) s")
KEPT_FROM = re.compile(r"MB from ([0-9.]+) s")
WAITS_BEGAN = re.compile(r"waits by object, [0-9.]+-[0-9.]+ s: [^\n]*\(read from ([0-9.]+) s\)")
SANITIZE = os.path.basename(BUILD).startswith("sanitize")
WAITS = re.compile(r"waits by object, [0-9.]+-[0-9.]+ s: [^\u2500]*")
EVENTS = 2_000_000 if SANITIZE else 4_000_000  # (a sanitizer build reads slower: as long to read)
LONG_EVENTS = 5_000_000 if SANITIZE else 12_000_000
TINY = os.path.join(os.path.dirname(__file__), "..", "data", "pingpong.ctrace")
PEAKRSS = os.path.join(BUILD, "tests", "progs", "peakrss")
MKTRACE = os.path.join(BUILD, "tests", "progs", "mktrace")

tmux = Tmux(SOCKET)


def test_progressive(trace):
    """The first frame comes while the file is being read (the status line
    says how far), and once it is all read End reaches the trace's end (no
    memory cap: the whole file is kept)."""
    rep = report_json(trace)
    p = panes.Pane(tmux, "replay", clean_env(CONCTOP, "replay", "--paused", "--memory", "0", trace))
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
              f"replay draws while it reads a {EVENTS // 1_000_000} M-event file: the status line says how far",
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


def capped_replay(name, trace):
    """A pane of name replaying trace paused under --memory 16M at 160x30."""
    return panes.Pane(tmux, name, clean_env(CONCTOP, "replay", "--paused", "--memory", "16M", trace), width=160,
                      height=30)


def zoom_in(p):
    """Zooms in to 2 ms a column: a window of the test's trace then fits a
    quarter of 16 MB."""
    for _ in range(8):
        m = NPC.search(p.screen())
        if m and m.group(2) == "ms" and float(m.group(1)) <= 2:
            return
        p.keys("+")
        time.sleep(0.3)


def home_read_back(p, trace, what, prefixes):
    """Home in a 160-column replay: waits for the start read back from the
    file, then takes the screen's rows whose labels start with prefixes,
    and those of conctop lanes of the same window. Returns (screen, rows
    shown, rows of lanes, the window's seconds), or None when it did not
    come (said)."""
    p.keys("Home")
    ok, s = p.wait_for(lambda s: "read back" in s and "in part" not in s, 30)
    time.sleep(0.3)
    s = p.screen()
    m = NPC.search(s)
    if not check(ok and m, f"{what}Home reads the start back from the file", s[:400]):
        return None
    shown = {k: v for k, v in lane_rows(s).items() if k.startswith(prefixes)}
    span = (len(next(iter(shown.values()))[0]) if shown else 0) * float(m.group(1)) * UNIT_S[m.group(2)]
    label = min(line.find("\u2502") for line in s.splitlines() if line.startswith("CPU0"))
    r = conctop("lanes", "-w", str(160 - label + 19), "--from", "0", "--to", f"{span:.6f}", trace)
    return s, shown, lane_rows(r.stdout), span


def test_capped(trace):
    """--memory 16M: the reading waits for the view at half the cap, g goes
    to a time not read yet (the stored index gives the trace's end), one End
    goes to the trace's end within the cap, and Home reads the start back from the
    file: the same lanes as conctop lanes of that window; w at the end reads
    the waits of that window within the cap."""
    rep = report_json(trace)
    want_end = rep["duration_ns"] / 1e9
    small = panes.Pane(tmux, "small", clean_env(CONCTOP, "replay", "--paused", TINY))
    small.wait_for(lambda s: "REPLAY" in s, 10)
    base = rss_kb(int(tmux("display-message", "-p", "-t", "small", "#{pane_pid}").strip()))
    small.kill()
    p = capped_replay("capped", trace)
    try:
        pid = int(tmux("display-message", "-p", "-t", "capped", "#{pane_pid}").strip())
        ok, s = p.wait_for(lambda s: "--memory full" in s, 30)
        check(ok, "--memory 16M: the reading waits for the view once a third of the cap is read", s[-400:])
        peak, at = rss_kb(pid), 0.0
        zoom_in(p)
        # g to a time not read yet: the stored index says the trace goes on
        late = round(want_end * 0.6, 2)
        p.keys("g")
        p.keys(f"{late:.2f}", "Enter")
        ok, s = p.wait_for(lambda s: AT.search(s) and abs(float(AT.search(s).group(1)) - late) < 0.005 and
                           lane_rows(s).get("CPU0", [""])[0].strip() != "", 30)
        check(ok and "after" not in s, f"g {late:.2f}, past what the paused reading holds: the view goes there "
              "and the reading catches up (the trace's end is in its stored index)", s[-600:])
        p.keys("End")  # once: the reading walks on to the end, within the cap
        start = time.monotonic()
        while time.monotonic() - start < 30:
            s = p.screen()
            peak = max(peak, rss_kb(pid))
            m = AT.search(s)
            at = float(m.group(1)) if m else 0.0
            if "reading" not in s and abs(at - want_end) < 0.02:
                break
            time.sleep(0.1)
        check(abs(at - want_end) < 0.02, f"one End goes to the trace's end ({want_end:.2f} s), the reading "
              "walking on to it", f"at {at} s: {s[-400:]}")
        if SANITIZE:
            skip("replay RSS under --memory", "a sanitizer build's RSS is its shadow memory and quarantine")
        else:
            check(peak <= base + 16 * 1024, f"RSS stays within 16 MB of a replay of a tiny trace: peak "
                  f"{peak / 1024:.1f} MB, tiny {base / 1024:.1f} MB", "")
        end_anomalies = re.search(r"anomalies (\d+)", s)
        back = home_read_back(p, trace, "", ("CPU", "?"))
        if not back:
            return
        s, shown, want, span = back
        head = re.search(r"anomalies (\d+)", s)
        check(head and end_anomalies and head.group(1) == end_anomalies.group(1),
              f"the header still counts the whole trace's anomalies "
              f"({end_anomalies.group(1) if end_anomalies else '?'}), not the window's read back",
              s.splitlines()[0] if s else "")
        same = [k for k in shown if want.get(k) == shown[k]]
        check(shown and len(same) == len(shown), f"the {span:g} s read back show the same lanes as conctop "
              f"lanes ({len(same)} of {len(shown)} rows)",
              "\n".join(f"{k}: view {shown[k]} lanes {want.get(k)}" for k in shown if k not in same))
        p.keys("End")  # w: the waits of the window at the end, read within a quarter of the cap
        time.sleep(0.5)
        p.keys("w")
        peak = rss_kb(pid)
        start = time.monotonic()
        while time.monotonic() - start < 30:
            peak = max(peak, rss_kb(pid))
            s = p.screen()
            if WAITS.search(s):
                break
            time.sleep(0.1)
        m = WAITS.search(s)
        check(m and ("the window shown" in m.group(0) or "only (zoom in)" in m.group(0)),
              f"w reads the waits of the window shown ({m.group(0).strip() if m else 'no overlay'})", s[:600])
        if SANITIZE:
            skip("w's RSS under --memory", "a sanitizer build's RSS is its shadow memory and quarantine")
        else:
            check(peak <= base + 16 * 1024, f"and RSS stays within 16 MB of a replay of a tiny trace: peak "
                  f"{peak / 1024:.1f} MB, tiny {base / 1024:.1f} MB", "")
    finally:
        p.kill()


def test_missed_late():
    """A read back settles its window's end as conctop lanes does: in
    mktrace missedlate CPU1 ran b from 0, which only a switch at 500 ms
    says (it names b leaving, where a was thought to run). Under --memory
    16M, at 2 ms a column, End then Home reads [0, about 280 ms) back from
    the file, and must read on to that switch: CPU1 shows b's letter there,
    as conctop lanes of the window does (a read back that stopped at the
    window's end showed a's)."""
    where = tmpdir()
    r = run([MKTRACE, where, "missedlate"], timeout=120)
    if not check(r.returncode == 0, "missedlate: mktrace writes it", r.stderr):
        return
    trace = os.path.join(where, "missedlate.ctrace")
    p = capped_replay("missed", trace)
    try:
        p.wait_for(lambda s: "--memory full" in s, 30)
        zoom_in(p)
        p.keys("End")
        ok, s = p.wait_for(lambda s: "reading" not in s and AT.search(s) and
                           abs(float(AT.search(s).group(1)) - 20.0) < 0.02, 60)
        if not check(ok, "missedlate: End goes to the end (20 s), the start left behind", s[-300:]):
            return
        back = home_read_back(p, trace, "missedlate: ", "CPU")
        if not back:
            return
        s, shown, want, span = back
        cpu1 = "".join(shown.get("CPU1", [""]))
        check(span < 0.5 and "B" in cpu1 and "A" not in cpu1 and shown == {k: want.get(k) for k in shown},
              f"missedlate: the {span:g} s read back show CPU1 running b (B), as conctop lanes does",
              "\n".join(f"{k}: view {shown[k]} lanes {want.get(k)}" for k in shown))
    finally:
        p.kill()


def test_capped_playing(trace):
    """--memory 16M, zoomed out until a window holds more than the cap lets
    the reading keep, then played: the clock and the reading go on to the
    end (they waited for each other for good: the reading for the view to
    move, the clock at the end of what was read)."""
    rep = report_json(trace)
    want_end = rep["duration_ns"] / 1e9
    p = capped_replay("playing", trace)
    try:
        p.wait_for(lambda s: "REPLAY" in s, 10)
        for _ in range(8):  # out to 10 ms a column or more: a window of more than a second
            m = NPC.search(p.screen())
            if m and float(m.group(1)) * UNIT_S[m.group(2)] >= 0.01:
                break
            p.keys("-")
            time.sleep(0.3)
        m = NPC.search(p.screen())
        if not check(m and float(m.group(1)) * UNIT_S[m.group(2)] >= 0.01, "zoomed out to 10 ms a column",
                     p.screen()[:300]):
            return
        p.keys(">", ">", ">")  # 10x: the clock reaches what was read sooner (it waited there for good)
        p.keys("space")
        ok, s = p.wait_for(lambda s: "stopped" in s and AT.search(s) and
                           abs(float(AT.search(s).group(1)) - want_end) < 0.02, want_end * 4 + 20)
        m = AT.search(s)
        if not check(ok, f"played under --memory 16M with a window wider than the cap keeps: the clock reaches the "
                     f"trace's end ({want_end:.2f} s)", f"at {m.group(1) if m else '?'} s: {s[:200]}"):
            return
        # played again from the start at 1x, zoomed in to a window the cap
        # holds (1 ms a column): what plays is read again (from the start or
        # a checkpoint), not drawn from the summary of what the reading
        # forgot (before, the header kept from near the end while the clock
        # played at its first seconds)
        p.keys("<", "<", "<", "+", "+", "+")
        p.keys("space")
        time.sleep(2)
        s = p.screen()
        at, kept = AT.search(s), KEPT_FROM.search(s)
        check(at and "playing" in s and float(at.group(1)) < want_end - 0.1 and
              (not kept or float(kept.group(1)) <= float(at.group(1))) and "summary before" not in s,
              "played again from the start under --memory 16M: what plays is read again, not the summary "
              f"(t {at.group(1) if at else '?'} s, kept from {kept.group(1) if kept else 'the start'})", s[:400])
    finally:
        p.kill()


def zoom_out_all(p):
    """Presses - until the view says it is zoomed out all the way (30 at most)."""
    for _ in range(30):
        if "zoomed out all the way" in p.screen():
            return
        p.keys("-")
        time.sleep(0.1)


def test_zoomed_out_playing(trace):
    """--memory 16M, zoomed out all the way, played from the start: the
    reading goes on under the summary, never starting again (a clock that
    plays on is not a clock put back: the reading forgets past it when a
    window holds more than the cap, and reading again from the start each
    time it did restarted the reading over and over, 7% then 1%)."""
    p = capped_replay("zoplay", trace)
    try:
        p.wait_for(lambda s: "REPLAY" in s, 10)
        zoom_out_all(p)
        p.keys("space")
        seen = []
        for _ in range(12):
            time.sleep(0.3)
            m = READING.search(p.screen())
            seen.append(int(m.group(1)) if m else 100)
        check(all(b >= a for a, b in zip(seen, seen[1:])) and seen[-1] > seen[0],
              f"zoomed out all the way and playing under --memory 16M: the reading goes on, never over again "
              f"(percent read every 0.3 s: {seen})", p.screen()[:300])
    finally:
        p.kill()


def test_zoomed_out_kept(trace):
    """--memory 16M, paused, zoomed out all the way: the window is the
    whole file, and stops at the end of what was read, whose older part
    the reading forgot. A read back of it keeps at most a quarter of the
    cap, its latest part: less than the reading holds. Before, the view
    drew such a read back (and read it again at every frame while the
    reading went on: a file of 100 M events under the default cap read its
    first 8 s back again and again while its reading crept on); now it
    draws what was read, all of it."""
    p = capped_replay("zoomedout", trace)
    try:
        p.wait_for(lambda s: "--memory full" in s, 30)
        zoom_out_all(p)
        ok, s = p.wait_for(lambda s: "zoomed out all the way" in s and not READ_BACK.search(s), 10)
        time.sleep(1)
        s = p.screen()
        kept, npc = KEPT_FROM.search(s.splitlines()[0]), NPC.search(s)
        cells = lane_rows(s).get("CPU0", [""])[0]
        first = next((i for i, c in enumerate(cells) if c not in " ?"), None)
        if not check(ok and kept and npc and first is not None, "zoomed out all the way in a paused replay under "
                     "--memory 16M, the header says from when the reading keeps the trace", s[-400:]):
            return
        col = float(kept.group(1)) / (float(npc.group(1)) * UNIT_S[npc.group(2)])
        check(first <= col + 1 and "read back" not in s.splitlines()[0],
              f"zoomed out all the way, the view draws all the reading keeps: CPU0 from column {first}, the "
              f"reading keeps from {kept.group(1)} s (column {col:.1f}), no read back", s[:400])
        # what the reading forgot is drawn from its overview, not blank (a
        # thread's lane: the file's threads live from its start to its end;
        # a CPU may be idle a whole column)
        rows = lane_rows(s)
        thread = next((k for k in rows if not k.startswith("CPU") and k != "marks"), "")
        blank = [i for i, c in enumerate(rows.get(thread, [""])[0][:int(col)]) if c in " ?"]
        check(col >= 4 and thread and not blank and f"summary before {kept.group(1)} s" in s,
              f"zoomed out all the way, the {int(col)} columns of thread {thread} before what the reading keeps "
              f"are drawn from its summary (blank: {blank[:8]}), and the rule under the lanes says so", s[-600:])
    finally:
        p.kill()


def test_cut_goto(trace):
    """A file cut off has no index: replay takes its end from its last chunk
    that reads. Paused under --memory 16M, End goes there in one press (it
    went to the end of what was read, a slice further per press), g to a
    time before that end but past what was read goes there (it was refused,
    "the file has no index"), and g past it is after the end of the trace,
    which it names."""
    cut = os.path.join(tmpdir(), "cut.ctrace")
    with open(trace, "rb") as f, open(cut, "wb") as g:
        g.write(f.read(os.path.getsize(trace) * 3 // 5))
    end = report_json(cut)["duration_ns"] / 1e9  # (a whole reading's end of the cut file)
    p = capped_replay("cut", cut)
    try:
        ok, s = p.wait_for(lambda s: "--memory full" in s, 30)
        m = re.search(r"reading \S+: (\d+)% ", s)
        read = int(m.group(1)) if m else None  # (a share of the file: of its time, as bench_trace writes it)
        p.keys("End")
        ok, s = p.wait_for(lambda s: AT.search(s) and abs(float(AT.search(s).group(1)) - end) < 0.01, 10)
        m = AT.search(s)
        check(ok, f"a cut-off file (no index): End goes to its end ({end:.3f} s) in one press",
              f"at {m.group(1) if m else '?'} s: {s[-400:]}")
        p.keys("Home")
        p.wait_for(lambda s: AT.search(s) and float(AT.search(s).group(1)) < 0.01, 10)
        p.keys("g")
        p.keys(f"{end / 2:.2f}", "Enter")
        ok, s = p.wait_for(lambda s: AT.search(s) and abs(float(AT.search(s).group(1)) - end / 2) < 0.01, 10)
        check(ok and "is after" not in s and read is not None and read < 40,
              f"a cut-off file: g to {end / 2:.2f} s, past what was read ({read}% of the file), goes there",
              s[-400:])
        p.keys("g")
        p.keys(f"{end * 1.2:.2f}", "Enter")
        ok, s = p.wait_for(lambda s: "is after" in s, 10)
        said = re.search(r"is after the end of the trace \(([0-9.]+) s\)", s)
        check(ok and said and abs(float(said.group(1)) - end) < 0.01,
              f"a cut-off file: g past its end is after the end of the trace, at {end:.3f} s", s[-400:])
    finally:
        p.kill()


def read_back(p, to, until):
    """g to `to` (before what the paused replay keeps: read back from the
    file's start); watches until until(screen) or 30 s. Returns (seconds,
    the first progress line's share or None, the screen)."""
    p.keys("g")
    p.keys(f"{to:.2f}", "Enter")
    start, first, s = time.monotonic(), None, ""
    while time.monotonic() - start < 30:
        s = p.screen()
        m = READ_BACK.search(s)
        if m and first is None:
            first = int(m.group(1))
        if until(s, first):
            break
        time.sleep(0.02)
    return time.monotonic() - start, first, s


def zoom_step(p, key, read=True):
    """Presses key (+, - or Home) and waits for the window it shows to be
    drawn (read: read back). Returns (seconds, whether a read back's
    progress was said, the screen)."""
    old = p.screen()
    p.keys(key)
    start, said, s = time.monotonic(), False, old
    while time.monotonic() - start < 30:
        s = p.screen()
        said = said or bool(READ_BACK.search(s))
        if s.splitlines()[:3] != old.splitlines()[:3] and (not read or "read back" in s.splitlines()[0]) and \
                not READ_BACK.search(s):
            break
        time.sleep(0.02)
    return time.monotonic() - start, said, s


def test_read_back_keys():
    """A late window is read back from the checkpoint before it, which
    replay took as it read the file; a read back from the file's start
    (zoomed out at the start: no checkpoint comes before 0) says how far it
    is, and a key stops it: q quits at once instead of waiting for the
    reading's end (a file of LONG_EVENTS: such a read back lasts a second
    or more)."""
    trace = os.path.join(tmpdir(), "long.ctrace")
    r = run([WRITER, "--write", str(LONG_EVENTS), trace], timeout=120)
    if not check(r.returncode == 0, f"bench_trace wrote {LONG_EVENTS} events", r.stderr):
        return
    end = report_json(trace)["duration_ns"] / 1e9
    p = panes.Pane(tmux, "keys", clean_env("sh", "-c", f"{CONCTOP} replay --paused --memory 16M {trace}; "
                                           "echo rc=$?; sleep 600"), width=160, height=30)
    try:
        p.wait_for(lambda s: "--memory full" in s, 30)
        p.keys("End")
        # (the reading goes on to the end from there: most of LONG_EVENTS, a second or more)
        ok, s = p.wait_for(lambda s: "the trace's end, not read yet" in s and "reading long.ctrace: " in s, 5)
        check(ok, "keys: End while reading says the end is not read yet, the reading's progress beside it",
              s[-400:])
        ok, s = p.wait_for(lambda s: "reading" not in s and AT.search(s) and
                           abs(float(AT.search(s).group(1)) - end) < 0.02, 30)
        if not check(ok, "keys: End goes to the end, its note gone once read", s[-300:]):
            return
        for _ in range(12):  # 100 us a column: cells read from records, exactly (not from summaries)
            m = NPC.search(p.screen())
            if m and float(m.group(1)) * UNIT_S[m.group(2)] <= 100e-6:
                break
            zoom_step(p, "+", read=False)
        m = NPC.search(p.screen())
        step = round(float(m.group(1)) * UNIT_S[m.group(2)] * 1e9) if m else 100_000
        late = round(end * 0.7, 2)
        took, first, s = read_back(p, late, lambda s, first: "read back" in s.splitlines()[0] and
                                   AT.search(s) and abs(float(AT.search(s).group(1)) - late) < 0.005)
        time.sleep(0.3)
        s = p.screen()
        shown = {k: v for k, v in lane_rows(s).items() if k.startswith(("CPU", "?"))}
        cols = len(next(iter(shown.values()))[0]) if shown else 0
        t0 = (round(late * 1e9) - cols * step // 2) // step * step  # (a jump centres the cursor on a column's edge)
        label = min(line.find("\u2502") for line in s.splitlines() if line.startswith("CPU0"))
        r = conctop("lanes", "-w", str(160 - label + 19), "--from", f"{t0 / 1e9:.9f}",
                    "--to", f"{(t0 + cols * step) / 1e9:.9f}", trace)
        want = lane_rows(r.stdout)
        same = [k for k in shown if want.get(k) == shown[k]]
        check(shown and len(same) == len(shown), f"the window at {late:.2f} s read back from a checkpoint shows "
              f"the same lanes as conctop lanes of the file at {step / 1000:g} us a column ({len(same)} of "
              f"{len(shown)} rows)", "\n".join(f"{k}: view {shown[k]} lanes {want.get(k)}" for k in shown
                                              if k not in same))
        m = BEGAN.search(s.splitlines()[0])
        check(m and 0 < float(m.group(1)) <= late + SAID_TO_A_TENTH, f"a window at {late:.2f} s is read back from the "
              f"checkpoint at {m.group(1) if m else '?'} s, taken as the file was read (took {took:.2f} s)",
              s[-300:])
        # w: the waits' history of that window, read from the same checkpoint
        t0 = time.monotonic()
        p.keys("w")
        ok, s = p.wait_for(lambda s: WAITS_BEGAN.search(s) or "cannot read the waits" in s, 30)
        took = time.monotonic() - t0
        m = WAITS_BEGAN.search(s)
        check(ok and m and 0 < float(m.group(1)) <= late + SAID_TO_A_TENTH,
              f"w: the waits of the window at {late:.2f} s are read from the checkpoint at "
              f"{m.group(1) if m else '?'} s, not from the file's start (shown in {took:.2f} s)", s[-600:])
        p.keys("w")
        p.keys("End")
        for _ in range(16):  # zoomed out at the end to a quarter of the trace (read back from checkpoints)
            m = NPC.search(p.screen())
            if not m or float(m.group(1)) * UNIT_S[m.group(2)] * 120 >= end / 4:
                break
            zoom_step(p, "-", read=False)
        took, said, s = zoom_step(p, "Home")  # its first quarter: from the file's start
        check(said and "read back" in s.splitlines()[0] and not BEGAN.search(s.splitlines()[0]),
              f"a read back of the past from the file's start (the first quarter) says how far it is as it "
              f"reads (took {took:.2f} s)", s[-300:])
        if took < 0.8:
            skip("q stops a read back", f"a whole read back took {took:.2f} s: too quick to stop one midway")
            return
        p.keys("-")  # the first half: from the file's start again
        start, m = time.monotonic(), None
        while m is None and time.monotonic() - start < 10:
            m = READ_BACK.search(p.screen())
            time.sleep(0.02)
        into, t0 = time.monotonic() - start, time.monotonic()
        p.keys("q")
        ok, s = p.wait_for(lambda s: "rc=0" in s, 10)
        quit_s = time.monotonic() - t0
        # before, q waited for the rest of the read back: about 2 took - into
        # (it reads twice what the one timed did)
        limit = min(0.6, 0.9 * took - into)
        check(ok and m is not None and quit_s < limit,
              f"q during a read back ({m.group(1) if m else '?'}% read, {into:.2f} s in; the one before took "
              f"{took:.2f} s) quits in {quit_s:.2f} s, under {limit:.2f} s", s[-300:])
    finally:
        p.kill()
        os.unlink(trace)


def lanes_rss(trace, *args, command="lanes"):
    """conctop lanes (or command) ARGS TRACE: its output and its peak RSS
    in kB."""
    p = subprocess.Popen([CONCTOP, command, *args, trace], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read().decode(errors="replace")
    _, _, usage = os.wait4(p.pid, 0)
    return out, usage.ru_maxrss


def test_window_lanes(trace):
    """lanes of a late window forgets what comes before it as it reads:
    each lane's cells are those of the same columns of the lanes from the
    start (read without forgetting anything), in less memory."""
    name = "lanes of a late window"
    end = round(report_json(trace)["duration_ns"] / 1e9 * 0.7, 1)
    probe, _ = lanes_rss(trace, "-w", "200", "--from", f"{end - 0.1:.1f}", "--to", f"{end:.1f}")
    cells = len(next(iter(lane_rows(probe).values()), ("",))[0])
    frame = 200 - cells  # labels, borders and the statistics
    ms = int(round(end * 1000))
    # 1 ms a column in both: the window's 100 columns are the last 100 of the start's
    whole, whole_kb = lanes_rss(trace, "-w", str(ms + frame), "--from", "0", "--to", f"{end:.1f}")
    win, win_kb = lanes_rss(trace, "-w", str(100 + frame), "--from", f"{end - 0.1:.1f}", "--to", f"{end:.1f}")
    a, b = lane_rows(whole), lane_rows(win)
    rows = [k for k in b if k != "marks"]  # (a marker's text spills over from before)
    same = [k for k in rows if k in a and len(b[k][0]) == 100 and a[k][0][-100:] == b[k][0]]
    check(rows and len(same) == len(rows) and len(a[rows[0]][0]) == ms,
          f"{name} ({end - 0.1:.1f}-{end:.1f} s): its {len(rows)} lanes are the last 100 columns of the lanes of "
          f"0-{end:.1f} s ({len(same)} the same)",
          "\n".join(f"{k}: window {b[k][0][:60]} start {a.get(k, ('',))[0][-100:][:60]}" for k in rows
                    if k not in same))
    if SANITIZE:
        skip(f"{name}: memory", "a sanitizer build's RSS is its shadow memory and quarantine")
    else:
        check(win_kb < 0.7 * whole_kb, f"{name}: it holds less than the lanes from the start "
              f"({win_kb // 1024} MB against {whole_kb // 1024} MB)")


def test_cpu_strip(trace):
    """lanes --cpu-strip: the strip of both CPUs shows the share of their
    time running the program's threads at any zoom; zoomed out, each CPU's
    time is spread over 8 threads, and a strip that counted only the CPUs
    whose one biggest occupant was a thread (idle, at 19%) drew nothing."""
    rep = report_json(trace)
    share = sum(c["traced_ns"] for c in rep["cpus"]) / sum(
        c["traced_ns"] + c["other_ns"] + c["idle_ns"] + c["unknown_ns"] for c in rep["cpus"])
    for args in (["--from", "1", "--to", "1.01"], []):
        r = conctop("lanes", "--width", "100", "--cpu-strip", "2", *args, trace)
        row = next((line for line in r.stdout.splitlines() if line.startswith("CPU0-1 busy")), "")
        cells = row.split("\u2502")[1] if row.count("\u2502") >= 2 else ""
        eighths = [ord(c) - 0x2580 if 0x2581 <= ord(c) <= 0x2588 else 0 for c in cells]
        mean = sum(eighths) / len(eighths) if eighths else 0
        check(cells and abs(mean - share * 8) <= 1.0,
              f"lanes --cpu-strip 2 {' '.join(args) or 'of the whole file'}: the strip's mean is "
              f"{mean:.2f} eighths, the CPUs ran the program {share * 8:.2f} eighths of their time", row)


def test_window_log(trace):
    """log of a late window forgets what comes before it as it reads, as
    lanes does: its lines are those of the log from the start that fall in
    the window; both print as they read, in little memory. Returns the
    log from the start and where it ends."""
    name = "log of a late window"
    end = round(report_json(trace)["duration_ns"] / 1e9 * 0.7, 1)
    # the window first: a child's peak RSS counts its parent's at the fork,
    # and this test holds the whole log's text once it has it
    win, win_kb = lanes_rss(trace, "--from", f"{end - 0.1:.1f}", "--to", f"{end:.1f}", command="log")
    whole, whole_kb = lanes_rss(trace, "--to", f"{end:.1f}", command="log")
    want = [line for line in whole.splitlines() if float(line.split(" ", 1)[0]) >= end - 0.1 - 5e-7]
    check(want and win.splitlines() == want,
          f"{name} ({end - 0.1:.1f}-{end:.1f} s): its {len(want)} lines are those of the log of 0-{end:.1f} s "
          f"from {end - 0.1:.1f} s on", f"window {len(win.splitlines())} lines, from the start {len(want)}")
    if SANITIZE:
        skip(f"{name}: memory", "a sanitizer build's RSS is its shadow memory and quarantine")
    else:
        # (log prints as it reads and forgets what it printed: from the start too)
        check(0 < win_kb < 48 * 1024 and 0 < whole_kb < 48 * 1024,
              f"{name} and the log from the start: peak RSS {win_kb // 1024} and {whole_kb // 1024} MB, within the "
              "program's fixed size (48 MB)")
    return whole, end


def test_window_memory(trace, early, early_end):
    """lanes and export hold their window whole: --memory caps it. A
    whole-file window of the big trace under --memory 16M stops with exit
    status 1 and says how far it got and what to do, writing no output
    file; under the cap its RSS stays near it; a window that fits is
    read as without the cap. log prints as it reads: the whole file's log
    under --memory 16M begins with early, the log to early_end
    (test_window_log's), and goes on."""
    d = tmpdir()
    out, pf, report = (os.path.join(d, name) for name in ("capped.svg", "capped.pftrace", "peakrss"))
    for command, extra in (("lanes", ["-w", "100"]), ("export", ["-o", out]), ("export", ["-o", pf])):
        # started from peakrss: a child of this interpreter starts with its resident size as high-water mark
        r = run([PEAKRSS, "120", report, CONCTOP, command, *extra, "--memory", "16M", trace], timeout=150)
        with open(report) as f:
            got = dict(zip(*[iter(f.read().split())] * 2))
        said = re.search(r"needs more memory than the cap of 16 MB \(--memory; by default half the machine's\): it "
                         r"took that much up to ([0-9.]+) s; narrow it with --from and --to, or raise --memory",
                         r.stderr)
        check(got.get("exit") == "1" and said and float(said.group(1)) > 0,
              f"{command} --memory 16M of the whole {EVENTS // 1_000_000} M-event file: exit 1, saying how far it got "
              "and what to do", f"{got}: {r.stderr.strip()[-300:]}")
        if command == "export":
            check(not os.path.exists(extra[1]), f"export -o {os.path.basename(extra[1])} --memory 16M that stopped "
                  "wrote nothing")
        kb = int(got.get("maxrss_kb", 0))
        if SANITIZE:
            skip(f"{command} --memory 16M: RSS", "a sanitizer build's RSS is its shadow memory and quarantine")
        else:
            check(0 < kb < 48 * 1024, f"{command} --memory 16M: its peak RSS, {kb // 1024} MB, stays within the cap "
                  "and the program's fixed size (48 MB)")
    args = ["-w", "100", "--from", "1", "--to", "1.05", trace]
    capped, free = conctop("lanes", "--memory", "16M", *args), conctop("lanes", "--memory", "0", *args)
    check(capped.returncode == 0 and capped.stdout == free.stdout and lane_rows(capped.stdout),
          "lanes --memory 16M of a 50 ms window: the same lanes as with no cap (--memory 0)", capped.stderr[-300:])
    # from peakrss, as above; the log to a file
    with open(os.path.join(d, "capped.log"), "w+") as f:
        subprocess.run([PEAKRSS, "120", report, CONCTOP, "log", "--memory", "16M", trace], stdout=f,
                       stderr=subprocess.DEVNULL, timeout=150)
        f.seek(0)
        capped = f.read()
    with open(report) as f:
        kb = int(dict(zip(*[iter(f.read().split())] * 2)).get("maxrss_kb", 0))
    # (against the log to 70% of the file that test_window_log read: a whole one more is seconds more of CI)
    head = [line for line in capped.splitlines() if float(line.split(" ", 1)[0]) < early_end - 5e-7]
    lines = capped.count("\n")
    check(early and head == early.splitlines() and lines > len(head),
          f"log --memory 16M of the whole {EVENTS // 1_000_000} M-event file: its {lines} lines, the first "
          f"{len(head)} those of log --to {early_end:.1f}")
    if SANITIZE:
        skip("log --memory 16M: RSS", "a sanitizer build's RSS is its shadow memory and quarantine")
    else:
        check(0 < kb < 48 * 1024, f"log --memory 16M: its peak RSS, {kb // 1024} MB, stays within the cap and the "
              "program's fixed size (48 MB)")
    r = conctop("log", "--memory", "8M", trace)
    check(r.returncode == 2 and "16M or more" in r.stderr, "log --memory 8M: a usage error (16M at least)", r.stderr)


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
        test_capped(trace)
        test_missed_late()
        test_capped_playing(trace)
        test_zoomed_out_playing(trace)
        test_zoomed_out_kept(trace)
        test_cut_goto(trace)
        test_read_back_keys()
        test_window_lanes(trace)
        early, early_end = test_window_log(trace)
        test_window_memory(trace, early, early_end)
        test_cpu_strip(trace)
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
