"""Terminal tests of the live and replay views: conctop runs inside tmux, the
test sends keys and reads the screen with capture-pane, and checks that the
shell gets its terminal back afterwards.

The rendering itself is tested without a terminal (golden files); these tests
check the wiring: keys reach the view, the view redraws, the terminal is
restored. Every wait polls the screen with a generous deadline."""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CONCTOP, ROOT, bpf_available, check, conctop, finish, run, skip,  # noqa: E402
                     tmpdir, tmux_socket)

SOCKET = tmux_socket("test")
TMP = tmpdir()
PROMPT = "ctest$ "
SHELL = ["env", "-i", f"PATH={os.environ.get('PATH', '/usr/bin:/bin')}", "TERM=screen-256color",
         "LANG=C.UTF-8", "LC_ALL=C.UTF-8", f"PS1={PROMPT}", "bash", "--norc", "--noprofile"]


def tmux(*args, check_rc=True):
    """Runs a tmux command on the tests' own server; returns its stdout."""
    r = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, timeout=20)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


class Pane:
    """A shell in a detached tmux session of a given size."""

    def __init__(self, name, width, height):
        self.name = name
        for attempt in range(3):  # a server that is just exiting refuses once
            try:
                tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), *SHELL)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                time.sleep(0.5)
        tmux("set-option", "-t", name, "status", "off")
        tmux("set-window-option", "-t", name, "aggressive-resize", "on", check_rc=False)
        self.wait_for(lambda s: PROMPT.strip() in s, 10, "the shell's prompt")

    def screen(self):
        """The visible screen as text."""
        return tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys, literal=False):
        """Sends keys (tmux key names, or literal text)."""
        tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def type(self, text):
        """Types text literally, then Enter."""
        self.keys(text, literal=True)
        self.keys("Enter")

    def mouse(self, button, x, y):
        """Sends a mouse press at (x, y) in X10 encoding (button 0: left,
        64: wheel up)."""
        self.keys("\x1b[M" + chr(32 + button) + chr(33 + x) + chr(33 + y), literal=True)

    def value(self, fmt):
        """A tmux format of the pane: #{alternate_on}, #{pane_pid}..."""
        return tmux("display-message", "-p", "-t", self.name, fmt).strip()

    def wait_for(self, cond, timeout=20, what="the screen"):
        """Polls the screen until cond(screen) holds; returns (ok, screen)."""
        deadline = time.monotonic() + timeout
        s = ""
        while time.monotonic() < deadline:
            s = self.screen()
            if cond(s):
                return True, s
            time.sleep(0.1)
        return False, s

    def resize(self, width, height):
        tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def child_pids(self):
        """Processes whose parent is the pane's shell."""
        r = run(["pgrep", "-P", self.value("#{pane_pid}")])
        return [int(p) for p in r.stdout.split()]

    def kill(self):
        tmux("kill-session", "-t", self.name, check_rc=False)


def header(s):
    return s.splitlines()[0] if s.splitlines() else ""


def scale(s):
    """The "1 col = ..." text of the header."""
    m = re.search(r"1 col = ([0-9.]+ \S+)", header(s))
    return m.group(1) if m else None


def header_time(s):
    m = re.search(r"\bt ([0-9.]+) s", header(s))
    return m.group(1) if m else None


def cursor_time(s):
    """The cursor's time in the inspect panel's title, or None."""
    m = re.search(r"at ([0-9]+\.[0-9]+) s\b", s)
    return float(m.group(1)) if m else None


def lane_names(s):
    """Names of the thread lanes shown (the word after the lane letter)."""
    names = []
    for line in s.splitlines()[3:]:
        m = re.match(r"^[A-Za-z?] (\S+)\s+\d+\s*[|│]", line)
        if m:
            names.append(m.group(1))
    return names


def shell_is_back(p, name):
    """After conctop left: the main screen, echo and canonical input on, and a
    typed command runs."""
    ok, s = p.wait_for(lambda s: s.rstrip().endswith(PROMPT.strip()), 60, "the prompt")
    check(ok, f"{name}: the shell's prompt comes back", s[-400:])
    check(p.value("#{alternate_on}") == "0", f"{name}: the alternate screen is left")
    out = os.path.join(TMP, f"stty-{time.monotonic_ns()}.txt")
    p.type(f"stty -a > {out}; echo stty-done")
    ok, s = p.wait_for(lambda s: re.search(r"^stty-done", s, re.M) is not None, 10)
    words = open(out).read().replace(";", " ").split() if ok and os.path.exists(out) else []
    flags = {w.lstrip("-"): not w.startswith("-") for w in words if w.lstrip("-") in ("echo", "icanon", "isig")}
    check(flags.get("echo") and flags.get("icanon") and flags.get("isig"),
          f"{name}: echo, icanon and isig are on again", f"{flags}")
    p.type("echo back$((40+2))")
    ok, s = p.wait_for(lambda s: "back42" in s, 10)
    check(ok, f"{name}: a typed command runs and shows its output", s[-300:])


def start_replay(p, trace, extra="--speed 0.02"):
    p.type(f"{CONCTOP} replay {extra} {trace}; echo rc=$?")
    ok, s = p.wait_for(lambda s: "REPLAY" in header(s) and "CPU0" in s, 20)
    return ok, s


def test_replay(trace, width, height, threads):
    """Replay at one size: header and lanes; pause, zoom, step, filter, help,
    quit; the terminal is restored."""
    name = f"replay {width}x{height}"
    p = Pane(f"r{width}", width, height)
    try:
        ok, s = start_replay(p, trace)
        if not check(ok, f"{name}: the header and the CPU lanes are shown", s):
            return
        check(p.value("#{alternate_on}") == "1", f"{name}: the view is on the alternate screen")
        # the first frame may be caught half written (CI saw the header and
        # CPU0 alone once): the lanes must come within a few seconds
        ok, s = p.wait_for(lambda s: any(t in lane_names(s) for t in threads) or any(t in s for t in threads), 5)
        check(ok, f"{name}: thread lanes are shown", s)
        check(scale(s) is not None and header_time(s) is not None,
              f"{name}: the header shows the time and the scale", header(s))

        # pause
        check("playing" in header(s), f"{name}: the replay plays", header(s))
        p.keys("Space")
        ok, s = p.wait_for(lambda s: "stopped" in header(s), 10)
        check(ok, f"{name}: space pauses (header says stopped)", header(s))
        check("[space] play" in s, f"{name}: the key line offers play when paused", s.splitlines()[-1])

        # zoom
        before = scale(s)
        p.keys("+")
        ok, s = p.wait_for(lambda s: scale(s) not in (None, before), 10)
        check(ok, f"{name}: + zooms in (1 col = {before} -> {scale(s)})", header(s))
        mid = scale(s)
        p.keys("-")
        p.keys("-")
        ok, s = p.wait_for(lambda s: scale(s) not in (None, mid), 10)
        check(ok, f"{name}: - zooms out ({mid} -> {scale(s)})", header(s))

        # step: the cursor's time, read in the inspect panel's title
        p.keys("i")
        ok, s = p.wait_for(lambda s: cursor_time(s) is not None, 10)
        check(ok, f"{name}: i opens the inspect panel at the cursor", s)
        p.keys("g")
        ok, s = p.wait_for(lambda s: "go to time" in s, 10)
        check(ok, f"{name}: g opens the go-to prompt", s[-400:])
        p.keys(" 0 ", literal=True)
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: "go to time" not in s and cursor_time(s) == 0.0, 10)
        check(ok, f"{name}: g ' 0 ' Enter puts the cursor at 0 (blanks around the time are no part of it)",
              f"{cursor_time(s)}")
        t0 = cursor_time(s)
        p.keys("s")
        ok, s = p.wait_for(lambda s: cursor_time(s) is not None and cursor_time(s) > t0, 10)
        check(ok, f"{name}: s steps the cursor to the next event ({t0} -> {cursor_time(s)})", f"{header(s)}")
        t1 = cursor_time(s)
        for _ in range(3):
            p.keys("s")
        ok, s = p.wait_for(lambda s: cursor_time(s) is not None and cursor_time(s) > t1, 10)
        check(ok, f"{name}: s again moves the cursor forward ({t1} -> {cursor_time(s)})", header(s))
        t2 = cursor_time(s)
        for _ in range(3):
            p.keys("S")
        ok, s = p.wait_for(lambda s: cursor_time(s) is not None and cursor_time(s) < t2, 10)
        check(ok, f"{name}: S steps back ({t2} -> {cursor_time(s)})", header(s))
        p.keys("i")
        ok, s = p.wait_for(lambda s: cursor_time(s) is None, 10)
        check(ok, f"{name}: i again closes the inspect panel", s)

        # filter
        shown = lane_names(s)
        keep = threads[0]
        p.keys("/")
        ok, s = p.wait_for(lambda s: "filter threads" in s, 10)
        check(ok, f"{name}: / opens the filter prompt", s[-400:])
        p.keys(keep, literal=True)
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: "filter threads" not in s and lane_names(s)
                           and all(keep in n for n in lane_names(s)), 10)
        check(ok and len(lane_names(s)) < len(shown),
              f"{name}: filtering by '{keep}' hides the other lanes ({shown} -> {lane_names(s)})", s)
        p.keys("/")
        p.wait_for(lambda s: "filter threads" in s, 10)
        p.keys("C-u")
        for _ in range(len(keep) + 2):
            p.keys("BSpace")
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: "filter threads" not in s and len(lane_names(s)) == len(shown), 10)
        check(ok, f"{name}: an empty filter shows every lane again", f"{lane_names(s)}")

        # help
        p.keys("?")
        ok, s = p.wait_for(lambda s: "keys" in s and "quit" in s and "zoom in / out" in s, 10)
        check(ok, f"{name}: ? shows the key list", s)
        p.keys("?")
        ok, s = p.wait_for(lambda s: "zoom in / out" not in s, 10)
        check(ok, f"{name}: ? again closes it", s)

        # resize: too small, then back
        p.resize(60, 20)
        ok, s = p.wait_for(lambda s: "too small" in s, 10)
        check(ok, f"{name}: a 60x20 terminal says it is too small", s)
        p.resize(width, height)
        ok, s = p.wait_for(lambda s: "REPLAY" in header(s) and "CPU0" in s, 10)
        check(ok, f"{name}: back to {width}x{height} the lanes come back", s)

        # mouse (X10 encoding, as TERM=screen's kmous says): a click places
        # the cursor at that column, the wheel zooms
        lane_x = 24
        p.mouse(0, lane_x + 10, 3)
        ok, s = p.wait_for(lambda s: len(s.splitlines()) > 2 and s.splitlines()[2][lane_x + 10:lane_x + 11] == "▼", 10)
        check(ok, f"{name}: a mouse click places the cursor at that column", "\n".join(s.splitlines()[:3]))
        before = scale(s)
        p.mouse(64, lane_x + 10, 3)
        ok, s = p.wait_for(lambda s: scale(s) not in (None, before), 10)
        check(ok, f"{name}: the mouse wheel zooms ({before} -> {scale(s)})", header(s))

        # quit
        p.keys("q")
        ok, s = p.wait_for(lambda s: re.search(r"^rc=\d+", s, re.M) is not None, 15)
        check(ok and re.search(r"^rc=0$", s, re.M), f"{name}: q quits with status 0", s[-200:])
        shell_is_back(p, f"{name}, after q")
    finally:
        p.kill()


def test_replay_sigterm(trace):
    """SIGTERM to conctop restores the terminal too."""
    p = Pane("term", 100, 30)
    try:
        ok, s = start_replay(p, trace)
        if not check(ok, "replay SIGTERM: the view is up", s):
            return
        pids = p.child_pids()
        if not check(len(pids) == 1, "replay SIGTERM: conctop is the shell's child", f"{pids}"):
            return
        os.kill(pids[0], 15)
        ok, s = p.wait_for(lambda s: re.search(r"^rc=\d+", s, re.M) is not None, 15)
        check(ok and re.search(r"^rc=143$", s, re.M), "replay SIGTERM: conctop exits 143 (128+SIGTERM)", s[-200:])
        shell_is_back(p, "replay, after SIGTERM")
        p.type("clear")
        ok, s = start_replay(p, trace)  # the Ctrl-C key (the view reads it as a key) ends it as SIGINT does
        if check(ok, "replay Ctrl-C: the view is up", s):
            p.keys("C-c")
            ok, s = p.wait_for(lambda s: re.search(r"^rc=\d+", s, re.M) is not None, 15)
            check(ok and re.search(r"^rc=130$", s, re.M), "replay Ctrl-C: the key exits 130, as SIGINT does (it was 0)",
                  s[-200:])
    finally:
        p.kill()


def test_replay_damaged(d):
    """A trace whose middle chunk is damaged (tests/progs/mktrace): the
    header counts the skipped part and the event log says where it was."""
    mktrace = os.path.join(os.path.dirname(CONCTOP), "tests", "progs", "mktrace")
    if not os.path.exists(mktrace):
        skip("replay of a damaged trace", f"{mktrace} is missing: run make")
        return
    r = run([mktrace, d, "damaged"])
    trace = os.path.join(d, "damaged.ctrace")
    if not check(r.returncode == 0, "replay damaged: mktrace writes the trace", r.stderr):
        return
    p = Pane("rdamaged", 120, 30)
    try:
        ok, s = start_replay(p, trace, "--speed 1")
        if not check(ok, "replay damaged: the view is up", s):
            return
        check(re.search(r"damaged 1\b", header(s)), "replay damaged: the header says damaged 1", header(s))
        p.keys("End")
        ok, s = p.wait_for(lambda s: re.search(r"^0\.009000 a damaged part of the file was skipped here "
                                               r"\(chunk 2 at byte \d+", s, re.M), 10)
        check(ok, "replay damaged: the event log says where the skipped part begins, and which chunk it was", s)
        p.keys("q")
        shell_is_back(p, "replay damaged, after q")
    finally:
        p.kill()


def test_not_a_terminal(trace):
    """Without a terminal, replay and live refuse, and say what to use."""
    r = conctop("replay", trace, stdin=subprocess.DEVNULL)
    check(r.returncode == 1 and "terminal" in r.stderr and "conctop lanes" in r.stderr,
          "replay without a terminal refuses and suggests conctop lanes", f"{r.returncode} {r.stderr.strip()}")
    r = conctop("run", "prodcons", stdin=subprocess.DEVNULL)
    check(r.returncode == 1 and "terminal" in r.stderr and "conctop record" in r.stderr,
          "run without a terminal refuses and suggests conctop record", f"{r.returncode} {r.stderr.strip()}")
    r = conctop("replay", "/nonexistent.ctrace", stdin=subprocess.DEVNULL)
    check(r.returncode == 1, "replay of a missing file fails", f"{r.returncode} {r.stderr.strip()}")
    r = conctop("replay")
    check(r.returncode == 2 and "replay --help" in r.stderr, "replay without a file is a usage error",
          f"{r.returncode} {r.stderr.strip()}")
    r = conctop("replay", "--help")
    check(r.returncode == 0 and "--speed" in r.stdout, "replay --help", r.stderr)
    r = conctop("run", "--help")
    check(r.returncode == 0 and "--write" in r.stdout and "--duration" in r.stdout, "run --help", r.stderr)
    r = conctop("run", "no-such-scenario")
    check(r.returncode == 2 and "unknown scenario" in r.stderr, "run: an unknown scenario is a usage error",
          f"{r.returncode} {r.stderr.strip()}")


def test_live():
    """conctop run prodcons in tmux: producer and consumer lanes that change,
    both CPU lanes; q ends it and the scenario process."""
    name = "live"
    ncpu = os.cpu_count() or 1
    p = Pane("live", 100, 30)
    try:
        p.type(f"{CONCTOP} run prodcons; echo rc=$?")
        ok, s = p.wait_for(lambda s: "LIVE" in header(s) and "producer" in s and "consumer" in s, 30)
        if not check(ok, f"{name}: the producer and consumer lanes appear", s):
            return
        cpus = [f"CPU{i}" for i in range(min(ncpu, 2))]
        check(all(c in s for c in cpus), f"{name}: the CPU lanes are shown ({', '.join(cpus)})", s)

        def lanes(s):
            return [ln for ln in s.splitlines() if re.match(r"^[A-Za-z] (producer|consumer)", ln)]

        first = lanes(s)
        ok, s2 = p.wait_for(lambda s: lanes(s) != first and len(lanes(s)) >= 2, 15)
        check(ok, f"{name}: the lanes change between two captures", f"{first}\n---\n{lanes(s2)}")
        def cells(s):
            return "".join(re.split(r"[|│]", ln)[1] for ln in lanes(s) if len(re.split(r"[|│]", ln)) > 2)

        ok, s2 = p.wait_for(lambda s: re.search(r"[0-9]", cells(s)) and re.search(r"[.C\-^MSz]", cells(s)), 20)
        check(ok, f"{name}: the thread lanes show running and waiting states", cells(s2))
        cpu_rows = [ln for ln in s2.splitlines() if re.match(r"^CPU[01]\b", ln)]
        check(len(cpu_rows) == min(ncpu, 2) or ncpu > 2, f"{name}: one lane per CPU", f"{cpu_rows}")

        # pause and follow
        p.keys("Space")
        ok, s = p.wait_for(lambda s: "PAUSED" in header(s), 10)
        check(ok, f"{name}: space pauses the view", header(s))
        p.keys("Space")
        ok, s = p.wait_for(lambda s: "LIVE" in header(s), 10)
        check(ok, f"{name}: space again follows", header(s))

        conctop_pids = p.child_pids()
        # conctop's children but its guard (ctop-guard, which kills the
        # program's group if conctop dies)
        scenario = [int(x) for c in conctop_pids for x in run(["pgrep", "-P", str(c)]).stdout.split()
                    if run(["ps", "-o", "comm=", "-p", x]).stdout.strip() != "ctop-guard"]
        check(len(scenario) == 1, f"{name}: conctop started the scenario process", f"{scenario}")
        p.keys("q")
        ok, s = p.wait_for(lambda s: re.search(r"^rc=\d+", s, re.M) is not None, 60)
        check(ok, f"{name}: q ends conctop", s[-300:])
        shell_is_back(p, f"{name}, after q")
        alive = [pid for pid in scenario if os.path.exists(f"/proc/{pid}")]
        check(not alive, f"{name}: the scenario process is gone after q", f"{alive}")
    finally:
        p.kill()
        run(["pkill", "-f", os.path.join("build", "scenarios", "prodcons") + " --pace"])


def test_live_ends():
    """A program that ends by itself: the view stays with its status until
    q, and conctop exits with that status."""
    name = "live end"
    p = Pane("liveend", 100, 30)
    try:
        p.type(f"{CONCTOP} -- sh -c 'echo hello-from-the-program; sleep 0.5; exit 3'; echo status=$?")
        ok, s = p.wait_for(lambda s: "exit status 3" in s, 30)
        check(ok, f"{name}: the view says the program ended and its status", s)
        check("hello-from-the-program" in s, f"{name}: the program's output is in the output panel", s)
        check("PAUSED" in header(s), f"{name}: the view is paused", header(s))
        p.keys("q")
        ok, s = p.wait_for(lambda s: "status=3" in s, 60)
        check(ok, f"{name}: conctop exits with the program's status", s[-300:])
        check(p.value("#{alternate_on}") == "0", f"{name}: the terminal is back")
    finally:
        p.kill()


def display_cols(text):
    """The terminal columns text takes (East Asian wide and full-width
    characters two)."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_live_output():
    """The output panel keeps a long line whole and wraps it as one (its end
    was dropped past 255 bytes, then it was cut into lines every 255 bytes),
    shows a backspace as a terminal does, and leaves out a window-title
    escape (its text showed)."""
    name = "live output"
    p = Pane("liveout", 100, 40)
    words = " ".join(f"w{i}" for i in range(160))
    try:
        cjk = os.path.join(TMP, "\u7761\u7720")  # a program named in CJK: its lane's label
        if not os.path.exists(cjk):
            shutil.copy("/bin/sleep", cjk)
        p.type(f"{CONCTOP} -- sh -c 'echo {words}; printf \"\\033]0;title\\007osc after\\n\"; "
               f"printf \"ab\\bc\\n\"; echo \"\u4e2d\u6587\u8f93\u51fa wide ok\"; {cjk} 0.5'")
        ok, s = p.wait_for(lambda s: "exit status 0" in s, 30)
        flat = " ".join(line.strip(" \u2502") for line in s.splitlines())
        check(ok and "w0 w1" in flat and "w158 w159" in flat,
              f"{name}: a line of {len(words)} bytes is shown to its end", s[-900:])
        rows = [line.rstrip() for line in s.splitlines() if re.match(r"^w\d", line)]
        short = [r for r in rows[:-1] if len(r) < 100 - 6]
        check(len(rows) >= 7 and not short, f"{name}: the long line wraps as one line: no short row inside it",
              "\n".join(rows))
        check(any(line.strip() == "ac" for line in s.splitlines()),
              f"{name}: 'ab', a backspace, 'c' shows 'ac' (it showed 'abc')", s[-600:])
        check("osc after" in s and "title" not in s, f"{name}: an OSC escape's text is not shown", s[-400:])
        # CJK (it showed ???): the output line as written, and a lane named
        # in CJK whose rules stand where the other lanes' do
        lines = s.splitlines()
        wide = [l for l in lines if "wide ok" in l]
        check(wide and wide[0].strip() == "\u4e2d\u6587\u8f93\u51fa wide ok",
              f"{name}: a line of wide (CJK) characters is shown as written", "\n".join(wide) or s[-600:])
        rules = lambda l: [display_cols(l[:i]) for i, c in enumerate(l) if c == "\u2502"]
        named = [l for l in lines if "\u7761\u7720" in l]
        other = [l for l in lines if re.match(r"^[A-Z] sh ", l)]
        check(named and other and rules(named[0]) == rules(other[0]) and len(rules(other[0])) == 2,
              f"{name}: a lane named in CJK has its rules where the other lanes have theirs",
              "\n".join(named + other) or s[-600:])
        p.keys("q")
    finally:
        p.kill()


def test_live_stubborn():
    """Ctrl-C on a program that ignores SIGINT and SIGTERM: conctop ends it
    with SIGKILL, and the end line says so ('stopped on signal 2' it said,
    of a program killed by SIGKILL); conctop exits with its status."""
    name = "live stubborn"
    p = Pane("stubborn", 100, 30)
    try:
        p.type(f"{CONCTOP} -- sh -c 'trap \"\" INT TERM; while :; do sleep 0.2; done'; echo status=$?")
        ok, s = p.wait_for(lambda s: "LIVE" in header(s), 30)
        time.sleep(1)
        p.keys("C-c")
        ok, s = p.wait_for(lambda s: "stopped on Ctrl-C" in s, 30)
        check(ok and "outlived SIGTERM and was killed (status 137)" in s,
              f"{name}: the end line says the program outlived SIGTERM and was killed", s[-300:])
        p.keys("Space")  # (it cannot follow again: it says so, and the end line stays)
        ok, s = p.wait_for(lambda s: "· the view" in s, 10)  # (the note's start: the rest may be cut)
        check(ok and "(status 137)" in s, f"{name}: space after the end keeps the end line beside its note",
              "\n".join(l for l in s.splitlines() if "status" in l or "paused" in l) or s)
        p.keys("q")
        ok, s = p.wait_for(lambda s: "status=137" in s, 30)
        check(ok, f"{name}: conctop exits with the program's status, 137", s[-300:])
    finally:
        p.kill()


def test_live_privileges():
    """Without the privileges tracing needs, the live view says what is
    missing and what to do, before any screen is drawn."""
    name = "live without privileges"
    p = Pane("priv", 100, 30)
    try:
        cmd = f"{CONCTOP} run prodcons; echo rc=$?"
        if os.geteuid() == 0:
            cmd = f"setpriv --reuid=65534 --regid=65534 --clear-groups {cmd}"
        p.type(cmd)
        ok, s = p.wait_for(lambda s: re.search(r"^rc=\d+", s, re.M) is not None, 30)
        check(ok and re.search(r"^rc=1$", s, re.M) and "sudo" in s and "CAP_BPF" in s,
              f"{name}: says it needs sudo (CAP_BPF) and exits 1", s[-600:])
        check("LIVE" not in s and p.value("#{alternate_on}") == "0",
              f"{name}: the message is on the shell's screen, not under a view", s[-600:])
    finally:
        p.kill()


def deadlock_named(s):
    """Whether the screen shows the deadlock banner naming its cycle."""
    return "DEADLOCK:" in s and all(f"philosopher-{i}" in s for i in range(1, 6)) and "fork_" in s


def test_deadlock_replay(d):
    """Replaying a recorded philosophers deadlock: at the end, a banner names
    the whole cycle; before the deadlock formed, there is none."""
    trace = os.path.join(d, "philosophers.ctrace")
    r = conctop("record", "-q", "-o", trace, "philosophers", timeout=120)
    if not check(r.returncode == 3 and os.path.exists(trace), "deadlock replay: record philosophers",
                 f"{r.returncode} {r.stderr.strip()}"):
        return
    p = Pane("deadlock-replay", 160, 30)
    try:
        p.type(f"{CONCTOP} replay --paused {trace}")
        ok, s = p.wait_for(lambda s: "REPLAY" in s or "PAUSED" in s, 20, "replay")
        ok, s = p.wait_for(lambda s: not deadlock_named(s), 5)
        check(ok, "deadlock replay: no banner at the start, before the deadlock formed", s)
        p.keys("End")
        ok, s = p.wait_for(deadlock_named, 20)
        check(ok, "deadlock replay: at the end, the banner names all five philosophers and their forks", s)
        p.keys("q")
        shell_is_back(p, "deadlock replay")
    finally:
        p.kill()


def test_deadlock_live():
    """Live: conctop run philosophers shows the deadlock banner, naming the
    cycle, while the philosophers are stuck (before the watchdog ends them)."""
    p = Pane("deadlock-live", 160, 30)
    try:
        p.type(f"{CONCTOP} run philosophers --pace 200 --watchdog 5000")
        ok, s = p.wait_for(deadlock_named, 30)
        check(ok, "deadlock live: the banner names the cycle while it lasts", s)
        p.keys("q")
        shell_is_back(p, "deadlock live")
    finally:
        p.kill()


def record_trace(d):
    """A short prodcons trace recorded here (root), or None."""
    path = os.path.join(d, "prodcons.ctrace")
    r = conctop("record", "-q", "-o", path, "prodcons", "--pace", "10", "--items", "20", timeout=120)
    if r.returncode != 0 or not os.path.exists(path):
        check(False, "record a prodcons trace for the replay tests", f"{r.returncode} {r.stderr.strip()}")
        return None
    return path


def main():
    if shutil.which("tmux") is None:
        skip("terminal tests", "tmux is not installed (apt-get install tmux)")
        finish()
    if not os.path.exists(CONCTOP):
        check(False, "terminal tests", f"{CONCTOP} is missing: run make")
        finish()
    d = TMP
    # one idle session keeps the tests' tmux server up between panes
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        run_all(d)
    finally:
        tmux("kill-server", check_rc=False)
    finish()


def run_all(d):
    """The replay tests (on a trace recorded here, or one from tests/data),
    then the live ones."""
    trace, threads = None, ["producer", "consumer"]
    if os.geteuid() == 0 and os.path.exists(os.path.join(os.path.dirname(CONCTOP), "scenarios", "prodcons")):
        trace = record_trace(d)
    if trace is None:
        for f in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.ctrace"))):
            if "prodcons" in os.path.basename(f):
                trace = f
    if trace is None:
        skip("replay in tmux", "no trace to replay: not root (cannot record one) and no tests/data/prodcons*.ctrace")
    else:
        print(f"  replaying {trace}")
        test_not_a_terminal(trace)
        test_replay(trace, 100, 30, threads)
        test_replay(trace, 80, 24, threads)
        test_replay_sigterm(trace)
    test_replay_damaged(d)
    test_live_privileges()
    if bpf_available("live view in tmux"):
        test_live()
        test_live_ends()
        test_live_output()
        test_live_stubborn()
        test_deadlock_replay(d)
        test_deadlock_live()


if __name__ == "__main__":
    main()
