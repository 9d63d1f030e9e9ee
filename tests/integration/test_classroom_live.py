"""The classroom at a person's pace (issues 13 and 16), in tmux at 80x24:

- the catalogue's classroom arguments merge with the user's (the user's
  win where they collide) in `run` and `record --classroom`, and the trace
  keeps them in its command line; plain `record` stays at full speed;
- `record --classroom semaphore` lasts as long as the live classroom run of
  semaphore (trace durations within 20%);
- the classroom run of `event` shows the timer lane (the lesson);
- Tab in a classroom replay with more lanes than fit shows other lanes;
- the lesson card asks first, and the clock starts after it;
- a classroom run still moves 20 s on (the ended run replays round);
- the first Ctrl-C in the live view stops the program and keeps the view
  on what was recorded, the trace says so, a second Ctrl-C quits (130);
  a recording cut by Ctrl-C says so in its log too;
- the output panel wraps a self-check line longer than the screen.

The replay test needs no root; the others trace (root) and are skipped,
saying why, without it."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CONCTOP, PROGS, bpf_available, check, conctop, finish, program_runs,  # noqa: E402
                     report_json, retried, skip, tmpdir, tmux_socket)
import panes  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402

SOCKET = tmux_socket("classlive")
TOLERANCE = 0.20
tmux = Tmux(SOCKET)


def Pane(name, command):
    """A shell command line in a detached tmux session of 80x24; it prints
    rc=STATUS when the command ends."""
    return panes.Pane(tmux, name, clean_env("sh", "-c", f"{command}; echo rc=$?; sleep 600"))


def lane_names(s):
    """The thread lanes on a classroom screen: their 'X name' labels."""
    return [m.group(1) for m in (re.match(r"^([A-Za-z] \S+)\s*│", line) for line in s.split("\n")) if m]


def duration(path):
    """A trace's duration in seconds and its command line."""
    d = report_json(path)
    return d["duration_ns"] / 1e9, d["command"]


def test_merge(d):
    """The user's options merge with the catalogue's, and win."""
    out = os.path.join(d, "merge.ctrace")
    r = conctop("record", "--classroom", "-q", "-o", out, "semaphore", "--pace", "20", "--clients", "2",
                "--requests", "1")
    check(r.returncode == 0, "merge: record --classroom with options records", r.stderr)
    if r.returncode == 0:
        _, cmd = duration(out)
        check(cmd == "semaphore --pace 20 --clients 2 --requests 1",
              "merge: the user's --pace replaces the catalogue's, the other options follow", cmd)
    r = conctop("record", "--classroom", "-q", "-o", out, "semaphore", "--clients", "2", "--requests", "1")
    if check(r.returncode == 0, "merge: record --classroom with other options records", r.stderr):
        _, cmd = duration(out)
        check(cmd == "semaphore --pace 200 --clients 2 --requests 1",
              "merge: options that do not collide keep the classroom pace", cmd)
    r = conctop("record", "-q", "-o", out, "semaphore", "--clients", "2", "--requests", "1")
    if check(r.returncode == 0, "merge: plain record records", r.stderr):
        _, cmd = duration(out)
        check(cmd == "semaphore --clients 2 --requests 1", "merge: plain record keeps to the options given",
              cmd)
    r = conctop("record", "--classroom", "-o", out, "--", "/bin/true")
    check(r.returncode == 2 and "--classroom" in r.stderr, "merge: record --classroom of a command is refused",
          f"{r.returncode} {r.stderr}")
    r = conctop("record", "--help")
    check("--classroom" in r.stdout, "merge: record --help has --classroom")


def live_run(name, args, trace):
    """A live classroom run in tmux: the card, Enter, the run to its end, q.
    Returns whether it ended, and the last screen."""
    p = Pane(name, f"{CONCTOP} run --classroom -w {trace} {args}")
    try:
        ok, s = p.wait_for(lambda s: "Press Enter to start" in s, 20)
        if not ok:
            return False, s
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: "program ended" in s, 60)
        p.keys("q")
        p.wait_for(lambda s: "rc=" in s, 20)
        return ok, s
    finally:
        p.kill()


def test_pace(d):
    """record --classroom and the live classroom run take the same time."""
    rec, live, plain = (os.path.join(d, f"{n}.ctrace") for n in ("rec", "live", "plain"))
    r = conctop("record", "--classroom", "-q", "-o", rec, "semaphore")
    if not check(r.returncode == 0, "pace: record --classroom semaphore", r.stderr):
        return
    ok, s = live_run("pace", "semaphore", live)
    if not check(ok and os.path.exists(live), "pace: the live classroom run of semaphore ends", s):
        return
    d_rec, c_rec = duration(rec)
    d_live, c_live = duration(live)
    print(f"  record --classroom semaphore: {d_rec:.3f} s ({c_rec}); live classroom run: {d_live:.3f} s "
          f"({c_live})")
    check(c_rec == c_live and "--pace 200" in c_rec, "pace: both traces keep the classroom pace in their command",
          f"{c_rec!r} vs {c_live!r}")
    check(abs(d_rec - d_live) <= TOLERANCE * max(d_rec, d_live),
          "pace: record --classroom and the live classroom run last the same within 20%",
          f"{d_rec:.3f} s vs {d_live:.3f} s")
    r = conctop("record", "-q", "-o", plain, "semaphore")
    if check(r.returncode == 0, "pace: plain record semaphore", r.stderr):
        d_plain, _ = duration(plain)
        print(f"  plain record semaphore: {d_plain:.3f} s")
        check(d_plain < d_live / 2, "pace: plain record runs at full speed (it is documented so)",
              f"{d_plain:.3f} s vs {d_live:.3f} s")


def test_card():
    """The card asks first, then says what to watch; its time on screen is
    not on the classroom clock."""
    p = Pane("card", f"{CONCTOP} run --classroom race")
    try:
        ok, s = p.wait_for(lambda s: "Press Enter to start" in s, 20)
        check(ok and "What to watch:" in s and s.index("Ask the class first:") < s.index("What to watch:"),
              "card: 'Ask the class first' comes before 'What to watch'", s)
        time.sleep(4)
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: re.search(r" LIVE .* t ([0-9.]+) s", s) is not None, 30)
        t = float(re.search(r" LIVE .* t ([0-9.]+) s", s).group(1)) if ok else -1
        check(ok and 0 <= t < 3.0, "card: the clock starts when Enter is pressed, not at the card (4 s on screen)",
              f"t {t} s")
        p.keys("q")
        p.wait_for(lambda s: "rc=" in s, 20)
    finally:
        p.kill()


def test_event_timer():
    """The classroom run of event shows the timer lane at 80x24."""
    p = Pane("event", f"{CONCTOP} run --classroom event")
    try:
        ok, s = p.wait_for(lambda s: "Press Enter to start" in s, 20)
        check(ok, "event: the card", s)
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: any(n.endswith(" timer") for n in lane_names(s)) and
                           any(n.endswith(" runner-4") for n in lane_names(s)), 30)
        check(ok, "event: the classroom run at 80x24 shows the timer lane beside the runners", s)
        check(ok and "more" not in s, "event: no lane is hidden", s)
        ok, s = p.wait_for(lambda s: re.search(r"(?m)^marks\s+│.*@", s) is not None, 30)
        rows = s.split("\n")
        at = [i for i, line in enumerate(rows) if re.match(r"marks\s+│", line)]
        check(ok and at and rows[at[0] - 1].startswith("CPU") and re.match(r"[A-Za-z] \S", rows[at[0] + 1]) and
              any(n.endswith(" timer") for n in lane_names(s)),
              "event: the markers row ('@', the countdown, the bang) between the CPU and thread lanes, "
              "the timer lane still shown", s)
        p.wait_for(lambda s: "program ended" in s, 30)
        p.keys("q")
        ok, s = p.wait_for(lambda s: "rc=0" in s, 20)
        check(ok, "event: q quits, the terminal is back (rc=0)", s)
    finally:
        p.kill()


# how long after Enter the classroom run must still move: 20 s; a
# sanitizer run (CI's second, the same code) checks 10 to save CI time
MOVING_S = 10 if os.path.basename(os.environ.get("BUILD", "build")).startswith("sanitize") else 20


def keeps_moving_start():
    """Starts a classroom run of condvar and presses Enter; the check that
    it still moves MOVING_S s later (keeps_moving_end) waits while the
    other tests run, not on its own."""
    p = Pane("moving", f"{CONCTOP} run --classroom condvar")
    ok, s = p.wait_for(lambda s: "Press Enter to start" in s, 20)
    check(ok, "moving: the card", s)
    p.keys("Enter")
    return p, time.monotonic()


def classroom_pids():
    """The pids of the classroom run's processes (conctop and its guard,
    which shares its command line), in pid order: conctop first."""
    r = subprocess.run(["pgrep", "-x", "-f", f"{CONCTOP} run --classroom condvar"], capture_output=True, text=True)
    return sorted(r.stdout.split(), key=int)


def conctop_cpu():
    """The classroom run's processes (conctop and its guard): for each, its
    name, state, CPU ticks (user+system) and each thread's kernel wait
    channel, for a failure to say whether conctop stalled or spun."""
    said = []
    for pid in classroom_pids():
        try:
            with open(f"/proc/{pid}/stat") as f:
                name, rest = f.read().split(" (", 1)[1].rsplit(")", 1)
            fields = rest.split()
            waits = []
            for tid in sorted(os.listdir(f"/proc/{pid}/task")):
                with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                    waits.append(f.read() or "-")
        except OSError:
            continue
        if fields[0] != "Z":
            said.append(f"pid {pid} {name} state {fields[0]} ticks {int(fields[11]) + int(fields[12])} "
                        f"wchan {' '.join(waits)}")
    return "; ".join(said) or "no conctop process"


def conctop_gdb():
    """The classroom run's conctop as gdb sees it, for a failure to show the
    loop's state (whether it plays, rests, and the frame timer), when gdb
    is installed (it is not among the build's packages)."""
    pids = classroom_pids()
    if not pids or not shutil.which("gdb"):
        return "(gdb or the process is not there)"
    cmds = ["bt 6", "frame function live_loop", "p l->looping", "p l->held_at", "p l->clock_at",
            "p l->w.vs.play", "p l->w.vs.v.playing", "p l->w.vs.v.cursor", "p l->w.vs.v.predict",
            "p l->w.vs.live", "p l->w.vs.v.reading", "p l->tl->end", "p l->loop->timer[l->frame_timer]",
            "p l->hist.cap", "p l->w.prompt", "p l->loop", "p l->loop->ntimers", "p l->loop->timer",
            "frame function evloop_run_once", "p next", "p now", "p ts", "p timeout", "p *timeout",
            "p (unsigned long)evloop_now()"]
    try:
        g = subprocess.run(["gdb", "-p", pids[0], "-batch", "-nx"] + [a for c in cmds for a in ("-ex", c)],
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "(gdb did not answer within 60 s)"
    return "\n".join(line for line in g.stdout.splitlines() if line.startswith(("#", "$")))


def keeps_moving_end(p, started):
    """A classroom run still moves after MOVING_S s (the program ended long
    before: the view replays it round), and q gives the terminal back."""
    try:
        ok, s = p.wait_for(lambda s: "program ended" in s, max(1.0, 60 - (time.monotonic() - started)))
        check(ok, "moving: the condvar run ends", s)
        check(re.search(r"^condvar: [0-9]+ waiters", s, re.M) is not None,
              "moving: the classroom view then shows the program's self-check line", s)
        time.sleep(max(0.0, MOVING_S - (time.monotonic() - started)))
        first = p.screen()
        cpu = conctop_cpu()
        lanes = "\n".join(first.split("\n")[2:16])
        # a round is 2.2 s of play and 2 s of rest, so a loop that moves
        # shows other rows, playing, within 5 s; the wait allows 30 (it ends
        # at the first such screen) so that a loaded run's slow terminal is
        # not taken for a stuck loop. The first change may be the rest
        # (the first screen taken at a round's end: "stopped"), which is
        # not yet the next round: the wait goes on through it. (The two
        # stalls on record, in sanitizer runs, lost the rest between
        # rounds, which the loop now derives from its state; should it
        # stall again, the message says how.)
        ok, s = p.wait_for(lambda s: "\n".join(s.split("\n")[2:16]) != lanes and "REPLAY" in s
                           and "playing" in s, 30)
        moving = ok
        check(moving,
              f"moving: {time.monotonic() - started:.0f} s after Enter (at least {MOVING_S}) the lanes still move "
              "(the run replayed at its pace, round)",
              # what says why first: CI shows the start of a long message
              f"conctop's CPU time over the wait: {cpu} -> {conctop_cpu()}"
              f"\n--- in gdb:\n{'' if moving else conctop_gdb()}\n--- then: {s}\n--- before: {first}")
        p.keys("q")
        ok, s = p.wait_for(lambda s: "rc=0" in s, 20)
        check(ok, "moving: q quits, the terminal is back (rc=0)", s)
    finally:
        p.kill()


def test_tab_pages(d):
    """Tab in a classroom replay with more lanes than fit pages them."""
    trace = os.path.join(d, "many.ctrace")
    mktrace = os.path.join(PROGS, "mktrace")
    if not os.path.exists(mktrace):
        check(False, "tab: mktrace is built", f"{mktrace} is missing: run make test")
        return
    r = subprocess.run([mktrace, "--threads", "20", trace], capture_output=True, text=True)
    if not check(r.returncode == 0, "tab: mktrace --threads 20", r.stderr):
        return
    p = Pane("tab", f"{CONCTOP} replay --classroom --paused {trace}")
    try:
        ok, s = p.wait_for(lambda s: "lanes 1-12 of 20" in s, 20)
        before = lane_names(s)
        check(ok and len(before) == 12, "tab: 20 lanes at 80x24: 12 one-row lanes, '+8 more'", s)
        p.keys("Tab")
        ok, s = p.wait_for(lambda s: lane_names(s) != before, 10)
        after = lane_names(s)
        check(ok and after and not set(after) & set(before) and "lanes 13-20 of 20" in s,
              "tab: Tab shows the next page of lanes", s)
        p.keys("Tab")
        ok, s = p.wait_for(lambda s: lane_names(s) == before, 10)
        check(ok, "tab: Tab on the last page comes back to the first", s)
        p.keys("BTab")
        ok, s = p.wait_for(lambda s: lane_names(s) == after, 10)
        check(ok, "tab: Shift-Tab goes back a page, round", s)
        p.keys("q")
    finally:
        p.kill()


def test_ctrl_c(d):
    """The first Ctrl-C stops the program and the view stays; the second quits."""
    trace = os.path.join(d, "ctrlc.ctrace")
    p = Pane("ctrlc", f"{CONCTOP} run -w {trace} semaphore")
    try:
        ok, s = p.wait_for(lambda s: " LIVE " in s and "client-2" in s, 30)
        check(ok, "ctrl-c: the live view of semaphore", s)
        time.sleep(0.5)
        p.keys("C-c")
        ok, s = p.wait_for(lambda s: "ended on Ctrl-C" in s, 10)
        check(ok and "client-2" in s and "rc=" not in s,
              "ctrl-c: the first Ctrl-C stops the program, the view stays on what was recorded", s)
        time.sleep(0.5)
        check("rc=" not in p.screen(), "ctrl-c: the view is still open a moment later")
        p.keys("C-c")
        ok, s = p.wait_for(lambda s: "rc=" in s, 10)
        check(ok and "rc=130" in s, "ctrl-c: the second Ctrl-C quits, with the program's status (130)", s)
    finally:
        p.kill()
    r = conctop("log", trace)
    check(r.returncode == 0 and "Ctrl-C: conctop passes on signal 2" in r.stdout,
          "ctrl-c: the trace's log says conctop passed the Ctrl-C on", r.stdout[-400:])


def test_output_wraps():
    """The output panel wraps a self-check line longer than the screen at
    words instead of cutting it at 80 columns."""
    p = Pane("output", f"{CONCTOP} run semaphore")
    try:
        ok, s = p.wait_for(lambda s: "program ended" in s, 60)
        check(ok, "output: the live view of semaphore ends", s)
        lines = s.split("\n")
        first = next((i for i, line in enumerate(lines) if line.startswith("semaphore: ")), -1)
        rest = " ".join(line.strip() for line in lines[first:first + 4]) if first >= 0 else ""
        check(first >= 0 and re.search(r"took [0-9]+ ms", rest) is not None and len(lines[first]) <= 80,
              "output: the self-check line, longer than 80 columns, is wrapped whole in the panel", s)
        p.keys("q")
        p.wait_for(lambda s: "rc=" in s, 20)
    finally:
        p.kill()


def test_record_ctrl_c(d):
    """A recording cut by Ctrl-C says so in its log."""
    trace = os.path.join(d, "rec-int.ctrace")
    p = subprocess.Popen([CONCTOP, "record", "-q", "-o", trace, "semaphore", "--pace", "100"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # once the scenario runs (tracing is on by then), not after a fixed
    # second: a sanitizer build on a busy machine may still be loading
    check(program_runs(p), "record ctrl-c: the scenario runs under conctop within 30 s")
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    check(p.returncode == 130, "record ctrl-c: SIGINT passed on ends the recording (130)", f"{p.returncode} {err}")
    r = conctop("log", trace)
    check(r.returncode == 0 and "Ctrl-C: conctop passes on signal 2" in r.stdout,
          "record ctrl-c: the log says conctop passed the Ctrl-C on", r.stdout[-400:])


def main():
    if not os.path.exists(CONCTOP):
        check(False, "classroom live", f"{CONCTOP} is missing: run make")
        finish()
    if subprocess.run(["which", "tmux"], capture_output=True).returncode != 0:
        skip("classroom live", "tmux is not installed")
        finish()
    d = tmpdir()
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        test_tab_pages(d)
        if bpf_available("classroom live: merge, pace, event, Ctrl-C"):
            moving, started = keeps_moving_start()  # checked after the tests below (CI's time)
            test_merge(d)
            retried(lambda: test_pace(d))
            test_card()
            test_event_timer()
            test_ctrl_c(d)
            test_record_ctrl_c(d)
            test_output_wraps()
            keeps_moving_end(moving, started)
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
