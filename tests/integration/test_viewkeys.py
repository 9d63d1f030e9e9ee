"""Terminal tests of the views' keys for "why is this thread slow"
(docs/contention.md): `conctop replay` in tmux at 80x24.

w: the contention overlay of tests/data/class-contention.ctrace, zoomed out
to the whole trace, must name first the object `conctop contention --json`
of the same file puts first, with the same number of waits and total; zoomed
in, the window its title names must give the same first row as `conctop
contention --from --to`; w and Esc close it.

Live (root, real BPF): w while the contention scenario runs, recorded with
-w: the title says only waits that have ended count; once it has ended,
the first row is the one `conctop contention --json` of the file puts
first.

y (root, real BPF): a recording of tests/progs/critchain, chain-a's lane
focused (through the filter, which Esc then clears): the lanes drawn
highlighted (reversed and underlined, read from `capture-pane -e`) must be
those of the threads `conctop path --json` over the same window charges
with time of their own, and the summary line must say chain-a's time went
to chain-b; y again clears both."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, PROGS, ROOT, bpf_available, check, conctop, finish, retried, tmpdir, tmux_socket  # noqa: E402
import panes  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402

# tests/run may run this test beside another: what it checks is compared with
# contention/path of the same file; its live run is paced and its waits poll
# for seconds; its tmux server and files are its own.
RUNS_BESIDE_OTHERS = True

SOCKET = tmux_socket("viewkeys")
CONTENTION = os.path.join(ROOT, "tests", "data", "class-contention.ctrace")
CRITCHAIN = os.path.join(PROGS, "critchain")
LANE_X = 24                     # the plain view's first lane column
TITLE = re.compile(r"waits by object, ([0-9.]+)-([0-9.]+) s: ([a-z ,]+)")
ROW = re.compile(r"\u2502 (\S+)\s+(\w+)\s+(\d+)\s+([0-9.]+)\s+[0-9.]+\s+\d+\s+\d+ ")
SGR = re.compile(r"\x1b\[([0-9;]*)m")

tmux = Tmux(SOCKET)


def Pane(name, args):
    """conctop in a detached tmux session of 80x24."""
    return panes.Pane(tmux, name, clean_env(CONCTOP, *args))


def overlay(s):
    """The contention overlay on screen s: (from, to, what) of its title and
    its rows as (object, kind, waits, total ms); None without it."""
    m = TITLE.search(s)
    if not m:
        return None
    return (m.group(1), m.group(2), m.group(3).strip()), [
        (r.group(1), r.group(2), int(r.group(3)), r.group(4)) for r in map(ROW.search, s.split("\n")) if r]


def first_row(args):
    """The first row of `conctop contention --json ARGS`: (object, kind,
    waits, total ms to 3 decimals), or None."""
    r = conctop("contention", "--json", *args)
    rows = json.loads(r.stdout)["contention"] if r.returncode == 0 else []
    if not rows:
        return None
    return rows[0]["object"][:14], rows[0]["kind"], rows[0]["waits"], f"{rows[0]['total_ns'] / 1e6:.3f}"


def test_waits():
    """w over the whole trace and over a window, then closed by w and Esc."""
    want = first_row([CONTENTION])
    if not check(want is not None, "contention --json of the trace has rows"):
        return
    p = Pane("waits", ["replay", "--paused", CONTENTION])
    try:
        ok, s = p.wait_for(lambda s: "REPLAY" in s)
        p.keys("w")
        ok, s = p.wait_for(lambda s: overlay(s) is not None, 10)
        for _ in range(8):  # zoom out until the window holds the whole trace
            if ok and overlay(s)[0][2] == "the whole trace":
                break
            p.keys("-")
            ok, s = p.wait_for(lambda s, old=s: s != old, 3)
        o = overlay(s)
        check(o is not None and o[0][2] == "the whole trace", "w: the overlay, over the whole trace (its title says)",
              s)
        check(o is not None and o[1][:1] == [want],
              f"w: its first row is contention --json's first, with its waits and total ({want})", s)
        p.keys("Home", "+", "+")
        ok, s = p.wait_for(lambda s: overlay(s) is not None and overlay(s)[0][2] == "the window shown", 10)
        o = overlay(s)
        if check(ok, "w: zoomed in, the title says it counts the window shown", s):
            win = first_row(["--from", f"{o[0][0]}s", "--to", f"{o[0][1]}s", CONTENTION])
            check(win is not None and o[1][:1] == [win],
                  f"w: the window's first row is contention --from {o[0][0]}s --to {o[0][1]}s's ({win})", s)
        p.keys("w")
        ok, s = p.wait_for(lambda s: overlay(s) is None, 5)
        check(ok, "w again closes the overlay", s)
        p.keys("w")
        p.wait_for(lambda s: overlay(s) is not None, 5)
        p.keys("Escape")
        ok, s = p.wait_for(lambda s: overlay(s) is None, 5)
        check(ok, "Esc closes the overlay", s)
        p.keys("q")
    finally:
        p.kill()


def test_live():
    """w in the live view of the contention scenario, recorded with -w:
    while it runs the title says only waits that have ended count; once it
    has ended (the view then fits the whole run) the first row is the one
    `conctop contention --json` of the file written puts first."""
    trace = os.path.join(tmpdir(), "live.ctrace")
    # at a third of the classroom pace (100 ms a request: 16 s), 4.8 s: w
    # is pressed within the first second
    p = Pane("live", ["-w", trace, "run", "contention", "--pace", "30", "--variant", "hot", "--requests", "40"])
    try:
        ok, s = p.wait_for(lambda s: "LIVE" in s, 30)
        p.keys("w")
        ok, s = p.wait_for(lambda s: overlay(s) is not None and "LIVE" in s, 10)
        check(ok and overlay(s)[0][2] == "the window, ended waits",
              "live w: while tracing, the title says only waits that have ended count", s)
        ok, s = p.wait_for(lambda s: "q quits" in s and overlay(s) is not None and
                           overlay(s)[0][2] == "the whole trace", 90)
        check(ok, "live w: once the program has ended, the overlay counts the whole trace", s)
        o = overlay(s)
        p.keys("q")
        p.wait_for(lambda s: "q quits" not in s, 10)
        want = first_row([trace])
        check(o is not None and want is not None and o[1][:1] == [want],
              f"live w: its first row is contention --json's of the file written ({want})", s)
    finally:
        p.kill()


def cells(line):
    """A captured line with escapes as (character, underlined, reversed) per column."""
    out, ul, rev, i = [], False, False, 0
    while i < len(line):
        m = SGR.match(line, i)
        if m:
            codes = [int(c) if c else 0 for c in m.group(1).split(";")] if m.group(1) else [0]
            k = 0
            while k < len(codes):
                c = codes[k]
                if c in (38, 48):  # a colour: 5;N or 2;R;G;B follows
                    k += 3 if k + 1 < len(codes) and codes[k + 1] == 5 else 5
                    continue
                ul = True if c == 4 else False if c in (0, 24) else ul
                rev = True if c == 7 else False if c in (0, 27) else rev
                k += 1
            i = m.end()
            continue
        out.append((line[i], ul, rev))
        i += 1
    return out


def highlighted(screen):
    """The thread lanes with highlighted cells: {name: count} from a
    capture with escapes (a lane row: letter, name, tid, then the rule)."""
    found = {}
    for line in screen.split("\n"):
        c = cells(line)
        text = "".join(ch for ch, _, _ in c)
        m = re.match(r"^[A-Za-z&] (.{12}) +\d+ \u2502", text)
        if not m or len(c) <= LANE_X:
            continue
        right = text.find("\u2502", LANE_X)
        n = sum(1 for ch, ul, rev in c[LANE_X:right if right > 0 else len(c)] if ul and rev)
        if n:
            found[m.group(1).strip()] = n
    return found


def test_path():
    """y on chain-a's lane of a critchain recording."""
    trace = os.path.join(tmpdir(), "chain.ctrace")
    r = conctop("record", "-q", "-o", trace, "--", CRITCHAIN, timeout=60)
    if not check(r.returncode == 0, "critchain recorded", f"exit {r.returncode}: {r.stderr}"):
        return
    p = Pane("path", ["replay", "--paused", trace])
    try:
        ok, s = p.wait_for(lambda s: "chain-a" in s)
        p.keys("-")  # zoomed out around the cursor at 0: the window holds the whole recording
        p.keys("/")
        p.keys("-l", "chain-a")
        p.keys("Enter", "y", "Escape")  # the filter shows chain-a alone: it has the focus; Esc clears the filter
        ok, s = p.wait_for(lambda s: "chain-a's" in s and "chain-b" in s and "filter:" not in s, 10)
        summary = [x for x in s.split("\n") if x.startswith("chain-a's")]
        check(ok and summary and "for chain-b" in summary[0],
              "y: the summary says chain-a's time went to chain-b", s)
        m = re.match(r"chain-a's ([0-9.]+) (ms|s|\u00b5s)", summary[0]) if summary else None
        # the window: from 0 (paused at the start) over the whole recording when it fits
        lit = highlighted(p.screen(escapes=True))
        r = conctop("path", "--json", "--thread", "chain-a", trace)
        nodes = json.loads(r.stdout)["nodes"] if r.returncode == 0 else []
        own = {n["name"][:12] for n in nodes if n["running_ns"] + n["runnable_ns"] + sum(n["unexplained"].values())}
        names = {n["name"][:12] for n in nodes}
        window_ms = sum(nodes[0][k] for k in ("running_ns", "runnable_ns", "blocked_ns", "not_alive_ns")) / 1e6 \
            if nodes else 0
        shown_ms = float(m.group(1)) * {"s": 1e3, "ms": 1, "\u00b5s": 1e-3}[m.group(2)] if m else -1
        # the summary gives three digits
        check(abs(shown_ms - window_ms) <= 0.005 * window_ms + 0.001,
              f"y: the window the summary names ({shown_ms} ms) is the whole recording path --json follows "
              f"({window_ms:.3f} ms)", summary)
        check(lit and own <= set(lit) <= names,
              f"y: the lanes highlighted ({sorted(lit)}) are those of the threads path --json charges with time of "
              f"their own ({sorted(own)}), and of no thread off the path", s)
        check("chain-c" in lit, "y: chain-c's lane, where the 50 ms ran, is highlighted", f"{lit}")
        p.keys("y")
        ok, s = p.wait_for(lambda s: "chain-a's" not in s, 5)
        check(ok and not highlighted(p.screen(escapes=True)), "y again clears the path and its summary", s)
        p.keys("q")
    finally:
        p.kill()


def main():
    if not os.path.exists(CONCTOP):
        check(False, "viewkeys", f"{CONCTOP} is missing: run make")
        finish()
    # one idle session keeps the test's tmux server up between panes
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        test_waits()
        if bpf_available("the contention key in the live view"):
            retried(test_live)
        if bpf_available("the critical path key on a critchain recording"):
            if not os.path.exists(CRITCHAIN):
                check(False, "critchain is built", f"{CRITCHAIN} is missing: run make test")
            else:
                retried(test_path)
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
