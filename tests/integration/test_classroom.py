"""Terminal tests of the classroom view (issue 6): `conctop replay
--classroom` of a recorded prodcons run in tmux at 80x24. The lanes, the
thread letters, the legend, the narration line and the labelled time scale
are on screen and no line is cut; the colours are the Okabe-Ito numbers;
with NO_COLOR there is no colour and the glyphs still tell the states apart
(predict-then-reveal is test_predict.py's). The replay tests need no root;
as root, a live classroom run shows its lesson card first and its take-away
last."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, ROOT, bpf_available, check, conctop, finish, tmux_socket  # noqa: E402
import panes  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402

# tests/run may run this test beside another: it replays a fixed trace and
# checks text (a live run too: its card, lanes and take-away, not its timing);
# its waits poll for seconds; its tmux server and files are its own.
RUNS_BESIDE_OTHERS = True

SOCKET = tmux_socket("class")
TRACE = os.path.join(ROOT, "tests", "data", "prodcons.ctrace")
PALETTE = {"36": "running", "214": "runnable", "166": "mutex/rwlock", "175": "cond/barrier/sem/join/futex",
           "74": "sleep/I/O", "25": "spinning"}


tmux = Tmux(SOCKET)


def Pane(name, args, env=()):
    """conctop run directly in a detached tmux session of 80x24, left on
    screen when it exits."""
    return panes.Pane(tmux, name, clean_env(*env, CONCTOP, *args), remain=True)


def rows(s):
    return s.split("\n")


def header_time(s):
    m = re.search(r"\bt ([0-9.]+) s", rows(s)[1] if len(rows(s)) > 1 else "")
    return m.group(1) if m else None


def log_words():
    """The event log of the trace in words, without the times."""
    r = conctop("log", TRACE)
    return [line.split(" ", 1)[1] for line in r.stdout.splitlines() if " " in line]


def narration_ok(line, words):
    """The narration is a log entry in words (after its time), whole or cut
    at a word with an ellipsis."""
    text = re.sub(r"^[0-9]+\.[0-9]+ s  ", "", line.strip())
    if text.endswith("\u2026"):
        stem = text[:-1]
        return any(w.startswith(stem) and (len(w) == len(stem) or w[len(stem)] in " ,:") for w in words)
    return text in words


def advance(p, n):
    """Steps n log events forward and waits for the screen to settle."""
    for _ in range(n):
        p.keys("n")
    time.sleep(0.6)


def test_layout(words):
    p = Pane("layout", ["replay", "--classroom", "--paused", TRACE])
    try:
        ok, s = p.wait_for(lambda s: "REPLAY" in s and "1 column =" in s)
        check(ok, "classroom: replay starts in the classroom view", s)
        first = p.screen(escapes=True)  # the main thread waits at conctop's start gate here
        advance(p, 40)
        ok, s = p.wait_for(lambda s: "E producer-2" in s and "runnable" in s)
        lines = rows(s)
        check(ok and all(f"{letter} {name}" in s for letter, name in
                         (("A", "prodcons"), ("B", "consumer-1"), ("C", "consumer-2"), ("D", "producer-1"),
                          ("E", "producer-2"))), "classroom: every lane with its letter", s)
        lane = next((i for i, line in enumerate(lines) if line.startswith("B consumer-1")), -1)
        check(lane > 0 and lines[lane + 1].startswith("  ") and not lines[lane + 1].startswith("  tid ") and
              lines[lane][14:] == lines[lane + 1][14:],
              "classroom: lanes two rows tall, the second saying what the thread does (not its tid)", s)
        check(re.search(r"1 column = [0-9.]+ (ms|µs|s)", lines[1]) is not None,
              "classroom: the time scale labelled in words in the header", lines[1])
        check(any(re.match(r"1 column = .* running on that CPU", line) for line in lines),
              "classroom: the legend with the scale", s)
        check(narration_ok(lines[0], words), "classroom: the narration on the top row is a log line in words",
              lines[0])
        check(lines[22].startswith("[space]") and "[q] quit" in lines[23],
              "classroom: key help on the bottom two rows", "\n".join(lines[22:24]))
        check(all(len(line) <= 80 for line in lines), "classroom: no line longer than 80 columns")
        cut = [line for line in lines if re.search(r"[A-Za-z]\u2026$", line.rstrip())
               and not narration_ok(line, words) and not re.match(r"^[0-9.]+  ", line)]
        check(not cut, "classroom: no line cut mid-word", "\n".join(cut))

        e = first + p.screen(escapes=True)
        bgs = set(re.findall(r"48;5;(\d+)", e))
        fgs = set(re.findall(r"38;5;(\d+)", e))
        states = {n for n in bgs if n in PALETTE}
        check({"36", "214", "175", "166"} <= states,
              "classroom: the states in Okabe-Ito colours (36 running, 214 runnable, 175 cond, 166 mutex)",
              f"backgrounds {sorted(bgs)}")
        check(bgs <= set(PALETTE) and (fgs - {"16", "231", "247"}) <= set(PALETTE),
              "classroom: no colour outside the palette (grey 247 for frames only)",
              f"bg {sorted(bgs)} fg {sorted(fgs)}")
        check("247" not in bgs, "classroom: grey is never a state's colour")

        p.keys("c")
        ok, s = p.wait_for(lambda s: "1 col =" in rows(s)[0])
        check(ok, "classroom: c goes back to the plain view", rows(s)[0])
        p.keys("c")
        ok, s = p.wait_for(lambda s: "1 column =" in s and "[n/N]" in s)
        check(ok, "classroom: c comes back to the classroom view", s)
        p.keys("q")
    finally:
        p.kill()


def test_no_color(words):
    p = Pane("mono", ["replay", "--classroom", "--paused", TRACE], env=["NO_COLOR=1"])
    try:
        ok, s = p.wait_for(lambda s: "REPLAY" in s and "1 column =" in s)
        first = s
        advance(p, 40)
        ok, s = p.wait_for(lambda s: "E producer-2" in s and "runnable" in s)
        check(ok, "NO_COLOR: the same classroom screen", s)
        e = p.screen(escapes=True)
        colours = re.findall(r"\x1b\[[0-9;]*m", e)
        # (a colour of its own: 30-38, 40-48, 90-97, 100-107; 39 and 49 are the terminal's own)
        coloured = [c for c in colours if any(re.fullmatch(r"3[0-8]|4[0-8]|9[0-7]|10[0-7]", x)
                                              for x in c[2:-1].split(";"))]
        check(not coloured, "NO_COLOR: no colour escapes, not even white on black (the terminal's own colours, as "
              "--mono)", f"{sorted(set(coloured))[:8]}")
        lanes = "".join(line[15:79] for line in rows(first) + rows(s) if re.match(r"^[A-E] ", line))
        glyphs = {g for g in "0123456789-CI>^" if g in lanes}
        check({"-", "C", ">"} <= glyphs and "I" not in glyphs and any(d in glyphs for d in "01"),
              "NO_COLOR: running, runnable, cond and the start gate (>, not I/O's I) told apart by their glyphs",
              f"{sorted(glyphs)}")
        check(narration_ok(rows(s)[0], words), "NO_COLOR: the narration still on top", rows(s)[0])
        p.keys("q")
    finally:
        p.kill()


def test_usage():
    r = conctop("replay", "--help")
    check(all(o in r.stdout for o in ("--classroom", "--theme", "--predict", "n N")),
          "help: replay lists --classroom, --theme, --predict and n N")
    r = conctop("replay", "--classroom", "--theme", "beige", TRACE)
    check(r.returncode == 2 and "light or dark" in r.stderr, "usage: a bad --theme is refused", r.stderr)
    r = conctop("run", "--help")
    check("--classroom" in r.stdout and "--theme" in r.stdout, "help: run lists --classroom and --theme")


def test_light():
    p = Pane("light", ["replay", "--classroom", "--theme", "light", "--paused", TRACE])
    try:
        ok, s = p.wait_for(lambda s: "1 column =" in s)
        advance(p, 40)
        e = p.screen(escapes=True)
        check(ok and "48;5;231" in e and "38;5;16" in e and "48;5;36" in e,
              "light theme: dark glyphs and rules on a white screen, the same state colours")
        p.keys("q")
    finally:
        p.kill()


def test_lesson_card_live():
    """A classroom run of a scenario starts with its lesson card (what to
    watch, the question) and ends with its take-away."""
    p = Pane("card", ["run", "--classroom", "race"])
    try:
        ok, s = p.wait_for(lambda s: "Ask the class first:" in s and "Press Enter to start" in s, 20)
        check(ok, "classroom run: the lesson card comes first, with the question", s)
        p.keys("Enter")
        ok, s = p.wait_for(lambda s: "worker-1" in s, 30)
        check(ok, "classroom run: then the live view", s)
        p.wait_for(lambda s: "ended with exit status" in s, 30)
        p.keys("q")
        ok, s = p.wait_for(lambda s: "Take-away:" in s, 20)
        check(ok, "classroom run: the take-away follows when the view closes", s)
    finally:
        p.kill()


def test_lesson_card_leave():
    """q then Enter at the lesson card leaves: no run, no take-away, exit 0
    (the q was typed into the prompt and Enter started the run)."""
    p = panes.Pane(tmux, "cardq", clean_env("sh", "-c", f"{CONCTOP} run --classroom race; echo status=$?; sleep 60"))
    try:
        ok, s = p.wait_for(lambda s: "Press Enter to start" in s, 20)
        p.keys("q", "Enter")
        ok, s = p.wait_for(lambda s: "status=" in s, 20)
        check(ok and "status=0" in s and "Take-away:" not in s and "worker-1" not in s,
              "classroom run: q and Enter at the lesson card leave, exit 0, nothing run", s[-300:])
    finally:
        p.kill()


def main():
    if not os.path.exists(CONCTOP):
        check(False, "classroom", f"{CONCTOP} is missing: run make")
        finish()
    words = log_words()
    # one idle session keeps the tests' tmux server up between panes
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        test_usage()
        test_layout(words)
        test_no_color(words)
        test_light()
        if bpf_available("classroom live run"):
            test_lesson_card_live()
            test_lesson_card_leave()
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
