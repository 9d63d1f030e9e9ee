"""Many threads and CPUs in the terminal (issue 11): `conctop replay` of the
synthetic trace of tests/progs/manytrace (1 000 threads in 20 processes, 64
CPUs) in tmux at 80x24 and 200x60.

It must draw (the CPUs folded into busy strips, thread lanes, every lane's
rules in one column, nothing wider than the screen), scroll (the focus
wrapping to the last thread shows it, with the lanes above counted), group
(P, F, f: a header per process in the order and with the thread counts of
`conctop report --json`, folded and opened as asked), filter (only lanes
whose name holds the text) and jump (b and B focus the thread that
`conctop report --json` says ran, or was blocked, the most: the window is
the whole trace). And 100 000 threads under --memory 16M (alone, and each
blocked on a mutex): End reaches the end though their records alone pass
the cap."""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, PROGS, check, finish, report_json, run, tmpdir, tmux_socket  # noqa: E402
import panes  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402

# tests/run may run this test beside another: it replays a synthetic trace and
# checks layout and content; each step polls for its screen for seconds; its
# tmux server and files are its own.
RUNS_BESIDE_OTHERS = True

SOCKET = tmux_socket("many")
LANE_X = 24        # the plain view's first lane column up to 120 columns; its rule is at LANE_X - 1
SHARE = set("\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588 ~_")
SGR = re.compile(r"\x1b\[[0-9;]*m")

tmux = Tmux(SOCKET)


def Big(name, argv, width, height):
    """A pane of any size."""
    return panes.Pane(tmux, name, argv, width=width, height=height)


def lane_x(screen):
    """The first lane column of a screen: right of the frame's top left
    corner (a wider screen gives the names more columns)."""
    for line in screen.split("\n"):
        if "\u250c" in line:
            return line.index("\u250c") + 1
    return LANE_X


def name_of(label, x):
    """The name in a lane's label, for lanes starting at column x: the
    letter, a space, the name, a space, 7 tid columns, a space."""
    return label[2:x - 10].strip()


def lanes(screen):
    """The lane rows of a screen: (label, cells) for each row with a lane's
    left rule in its column."""
    out, x = [], lane_x(screen)
    for line in screen.split("\n"):
        if len(line) > x and line[x - 1] == "\u2502" and "\u2502" in line[x:]:
            out.append((line[:x - 1], line[x:line.index("\u2502", x)]))
    return out


def threads(screen):
    """The names of the thread lanes on a screen (not the CPUs', not the
    process headers)."""
    x = lane_x(screen)
    return [name_of(lab, x) for lab, _ in lanes(screen) if not lab.startswith("CPU") and lab[0] not in "\u25b8\u25be"]


def headers(screen):
    """The process headers on a screen: (folded, "name (count)")."""
    x = lane_x(screen)
    return [(lab[0] == "\u25b8", name_of(lab, x)) for lab, _ in lanes(screen) if lab[0] in "\u25b8\u25be"]


def more(screen):
    """The lanes below the screen ("+N more"), 0 when none are."""
    m = re.search(r"\+(\d+) more", screen)
    return int(m.group(1)) if m else 0


def drawn_well(screen, width):
    """Every line fits the width, and every lane has its right rule in the
    same column."""
    rights = {lane_x(screen) + len(cells) for _, cells in lanes(screen)}
    return all(len(line) <= width for line in screen.split("\n")) and len(rights) == 1


def focused(pane, name):
    """Whether the lane of thread name is drawn in the focus style: its
    name's colour differs from every other lane name's on the screen."""
    styles = {}
    screen = pane.screen(escapes=True)
    x = lane_x(SGR.sub("", screen))
    for line in screen.split("\n"):
        plain = SGR.sub("", line)
        if len(plain) <= x or plain[x - 1] != "\u2502" or plain.startswith("CPU"):
            continue
        label = name_of(plain, x)
        pos = line.find(label, 2)
        before = SGR.findall(line[:pos])
        styles[label] = before[-1] if before else ""
    return name in styles and all(s != styles[name] for n, s in styles.items() if n != name)


def step(pane, keys, cond, what, detail=""):
    """Sends keys, waits for cond(screen); checks it; returns the screen."""
    if keys:
        pane.keys(*keys)
    ok, s = pane.wait_for(cond, timeout=10)
    check(ok, what, detail or s)
    return s


def processes(rep):
    """The processes of a report in order of appearance: "name (threads)"
    each, and the names of the first one's threads."""
    procs = collections.OrderedDict()
    for t in sorted(rep["threads"], key=lambda t: t["tid"]):
        procs.setdefault(t["tgid"], []).append(t["name"])
    return [f"{v[0]} ({len(v)})" for v in procs.values()], list(procs.values())[0]


def cpu_rows(screen):
    """The labels and cells of the CPU rows of a screen."""
    return [(lab, cells) for lab, cells in lanes(screen) if lab.startswith("CPU")]


def test_80x24(trace, rep):
    """Draws, scrolls, groups, filters and jumps at 80x24. Each step waits
    until the whole screen it expects is drawn (a frame may be caught half
    written), then says what it saw."""
    names = [t["name"] for t in sorted(rep["threads"], key=lambda t: t["tid"])]
    plist, first = processes(rep)
    busiest = max(rep["threads"], key=lambda t: t["run_ns"])["name"]
    blocked = max(rep["threads"], key=lambda t: t["blocked_ns"])["name"]
    p = panes.Pane(tmux, "small", clean_env(CONCTOP, "replay", "--paused", trace))

    def strips_ok(s):
        rows = cpu_rows(s)
        return (len(rows) >= 2 and all(re.match(r"CPU\d+-\d+ busy", lab) for lab, _ in rows)
                and all(set(c) <= SHARE for _, c in rows) and any(set(c) - set(" ") for _, c in rows))

    step(p, [], lambda s: threads(s)[:1] == names[:1] and strips_ok(s),
         "80x24: the 64 CPUs are folded into busy strips of share glyphs")
    step(p, [], lambda s: drawn_well(s, 80) and threads(s) == names[:len(threads(s))]
         and more(s) == 1000 - len(threads(s)) > 0,
         "80x24: lanes in order, rules aligned, the others counted below")
    step(p, ["Up"], lambda s: "above" in s and threads(s) and threads(s) == names[-len(threads(s)):],
         "80x24: the focus wrapping to the last thread scrolls the lanes to it, the last lanes in order")
    step(p, ["Down"], lambda s: threads(s)[:1] == names[:1] and "above" not in s,
         "80x24: the focus wrapping to the first thread scrolls back to the top")

    def all_folded(s):
        hs = headers(s)
        return (hs and threads(s) == [] and [h for _, h in hs] == plist[:len(hs)] and all(f for f, _ in hs)
                and more(s) == len(plist) - len(hs) and drawn_well(s, 80))

    step(p, ["F"], all_folded, "80x24: F groups the lanes, a folded header per process, in order, with its count")
    step(p, ["f"], lambda s: headers(s)[:1] == [(False, plist[0])] and threads(s)
         and threads(s) == first[:len(threads(s))]
         and more(s) == len(plist) + len(first) - (len(lanes(s)) - len(cpu_rows(s))),
         "80x24: f opens the focused process: its threads under its header, the rest counted below")
    step(p, ["f"], all_folded, "80x24: f folds it again")
    step(p, ["P"], lambda s: not headers(s) and threads(s)[:1] == names[:1], "80x24: P ungroups the lanes")

    want = [n for n in names if "lock" in n]
    step(p, ["/", "l", "o", "c", "k", "Enter"], lambda s: "filter: lock" in s and threads(s)
         and threads(s) == want[:len(threads(s))] and more(s) == len(want) - len(threads(s)),
         "80x24: / leaves the lanes whose name holds lock, and counts them")
    step(p, ["/", "C-u", "l", "o", "c", "k", "Enter"], lambda s: "filter: lock" in s and "locklock" not in s
         and threads(s) == want[:len(threads(s))],
         "80x24: / opens with the filter in force; Ctrl-U clears it before typing (not 'locklock')")
    step(p, ["P"], lambda s: headers(s) and not threads(s) and all(f for f, _ in headers(s)),
         "80x24: P groups the filtered lanes again, every process still folded")
    step(p, ["F"], lambda s: headers(s) and threads(s) and all("lock" in n for n in threads(s))
         and not any(f for f, _ in headers(s)),
         "80x24: F opens them all: only lock threads under the headers")
    step(p, ["Escape", "P"], lambda s: not headers(s) and "filter:" not in s and threads(s)[:1] == names[:1],
         "80x24: Esc clears the filter, P ungroups")

    step(p, ["b"], lambda s: f"busiest in the window: {busiest} " in s and busiest in threads(s),
         f"80x24: b names {busiest}, the busiest of report --json, and scrolls to its lane")
    check(focused(p, busiest), f"80x24: b focuses {busiest}'s lane")
    step(p, ["B"], lambda s: f"most blocked in the window: {blocked} " in s and blocked in threads(s),
         f"80x24: B names {blocked}, the most blocked of report --json, and scrolls to its lane")
    check(focused(p, blocked), f"80x24: B focuses {blocked}'s lane")
    p.keys("q")


def test_200x60(trace, rep):
    """Draws at 200x60; u shows the CPUs' letters; F fits every process."""
    plist, _ = processes(rep)
    p = Big("big", clean_env(CONCTOP, "replay", "--paused", trace), 200, 60)
    step(p, [], lambda s: len(threads(s)) > 20 and drawn_well(s, 200) and len(cpu_rows(s)) > 5
         and all(lab.strip().endswith("busy") for lab, _ in cpu_rows(s)) and more(s) == 1000 - len(threads(s)),
         "200x60: busy strips, lanes aligned, the rest counted")
    step(p, ["u"], lambda s: any(lab.startswith("CPU0-") for lab, _ in cpu_rows(s))
         and not any("busy" in lab for lab, _ in cpu_rows(s)),
         "200x60: u shows the CPU rows' letters instead of the strip")
    step(p, ["u", "F"], lambda s: [h for _, h in headers(s)] == plist and more(s) == 0 and drawn_well(s, 200)
         and all(lab.strip().endswith("busy") for lab, _ in cpu_rows(s)),
         "200x60: u again, the strips; F folds every process, and all the headers fit")
    p.keys("q")


def test_threads_over_cap(name):
    """100 000 threads (mktrace threads100k; lockers100k: each blocked on a
    mutex of its own) replayed under --memory 16M: their records alone
    pass the cap, and no forgetting frees them. End must still reach the
    end and draw it whole (the reading waited for good at 14% and 35%, the
    lanes blank: the cap weighed the threads' and objects' records as
    history), and the header says how much is the threads'."""
    where = tmpdir()
    r = run([os.path.join(PROGS, "mktrace"), where, name], timeout=120)
    if not check(r.returncode == 0, f"over the cap: mktrace {name}", r.stderr[-300:]):
        return
    trace = os.path.join(where, f"{name}.ctrace")
    end = report_json(trace)["duration_ns"] / 1e9
    r = run([CONCTOP, "lanes", "--memory", "16M", "--from", f"{end * 0.9:.3f}", trace])
    said = re.search(r"it took that much up to [0-9.]+ s, ([0-9]+) MB of it the records of its ([0-9]+) threads, "
                     r"kept whatever the window; raise --memory", r.stderr)
    check(r.returncode == 1 and said and int(said.group(1)) > 8,
          f"over the cap, {name}: lanes of a late window says how much of the cap the threads' records take "
          "whatever the window (it said only to narrow the window)", r.stderr[-300:])
    p = Big("over", clean_env(CONCTOP, "replay", "--paused", "--memory", "16M", trace), 160, 30)
    try:
        p.wait_for(lambda s: "REPLAY" in s, 20)
        p.keys("End")
        at = re.compile(r" t ([0-9.]+) s ")
        ok, s = p.wait_for(lambda s: at.search(s) and abs(float(at.search(s).group(1)) - end) < 0.002 and
                           "reading" not in s and "in part" not in s, 60)
        cpu0 = next((line.split("\u2502", 1)[1] for line in s.splitlines() if line.startswith("CPU0")), "")
        check(ok and cpu0.strip(), f"over the cap, {name}: paused, End reaches the end ({end:.3f} s), all read, "
              "and draws it (the reading waited for good, the lanes blank)", s[-600:])
        m = re.search(r"mem ([0-9]+)/16 MB \(([0-9]+) MB threads\)", s)
        check(m and int(m.group(2)) > 16, f"over the cap, {name}: the header says how much of the memory is the "
              "threads' records", s.splitlines()[0] if s else "")
        p.keys("q")
    finally:
        p.kill()


def main():
    gen = os.path.join(PROGS, "manytrace")
    if not os.path.exists(CONCTOP) or not os.path.exists(gen):
        check(False, "many: conctop and manytrace are built", f"missing {CONCTOP} or {gen}: run make test")
        finish()
    tmp = tmpdir()
    trace = os.path.join(tmp, "many.ctrace")
    r = run([gen, trace])
    if not check(r.returncode == 0, "manytrace writes its trace", r.stderr):
        finish()
    rep = report_json(trace)
    check(len(rep["threads"]) == 1000 and rep["ncpus"] == 64 and len({t["tgid"] for t in rep["threads"]}) == 20,
          "the trace holds 1000 threads of 20 processes on 64 CPUs")
    try:
        test_80x24(trace, rep)
        test_200x60(trace, rep)
        test_threads_over_cap("threads100k")
        test_threads_over_cap("lockers100k")
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
