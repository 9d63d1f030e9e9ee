"""Terminal tests of predict-then-reveal (issue 13): `conctop replay
--classroom --predict` of the recorded prodcons run in tmux at 80x24. While
a question is on screen no lane cell right of the cursor holds a glyph (a
replay without predict, at the same moment, does show what follows: the
check can fail); the question names two candidates by key and letter and
the object they wait on; a digit key guesses; after space the same line
holds the answer, with the guess judged and the score. Needs no root."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, ROOT, check, finish, tmux_socket  # noqa: E402
import panes  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402

# tests/run may run this test beside another: it replays a fixed trace; where
# a prediction stops comes from the trace, not the clock; its waits poll for
# seconds; its tmux server and files are its own.
RUNS_BESIDE_OTHERS = True

SOCKET = tmux_socket("predict")
TRACE = os.path.join(ROOT, "tests", "data", "prodcons.ctrace")
LANE_X = 15          # the classroom view's first lane column (its left rule at 14)
AXIS_ROW = 3         # the classroom view's top rule, where the cursor mark sits
QUESTION = re.compile(r"\[1\] ([A-Za-z])\b.*\[2\] ([A-Za-z])\b.* (wait on|wait for|wait at) (\S+);.*who")


tmux = Tmux(SOCKET)


def Pane(name, args):
    """conctop in a detached tmux session of 80x24."""
    return panes.Pane(tmux, name, clean_env(CONCTOP, *args))


def rows(s):
    return s.split("\n")


def cursor_col(s):
    """The screen column of the cursor mark on the lanes' top rule, or -1."""
    r = rows(s)
    return r[AXIS_ROW].find("\u25bc") if len(r) > AXIS_ROW else -1


def after_cursor(s):
    """The glyphs drawn right of the cursor column in every lane row (CPU
    and thread lanes, both rows of each), as (row, text) pairs."""
    col = cursor_col(s)
    found = []
    for y, line in enumerate(rows(s)):
        if len(line) <= LANE_X or line[LANE_X - 1] != "\u2502" or y <= AXIS_ROW:
            continue
        right = line.find("\u2502", LANE_X)
        cells = line[col + 1:right if right > 0 else len(line)]
        if cells.strip():
            found.append((y, cells.strip()))
    return found


def header_time(s):
    m = re.search(r"\bt ([0-9.]+) s", rows(s)[1] if len(rows(s)) > 1 else "")
    return m.group(1) if m else None


def test_predict():
    p = Pane("predict", ["replay", "--classroom", "--predict", "--speed", "0.05", TRACE])
    try:
        ok, s = p.wait_for(lambda s: QUESTION.search(rows(s)[0]) is not None and "stopped" in rows(s)[1], 40)
        check(ok, "predict: the replay stops and asks", rows(s)[0] if s else "")
        if not ok:
            return
        m = QUESTION.search(rows(s)[0])
        check(m.group(1) != m.group(2) and m.group(4) == "not_full",
              "predict: the question names two thread letters and the object they wait on", rows(s)[0])
        # (the question's rows come first in a frame: a capture can catch
        # them before the lanes below are redrawn, as CI's sanitizer run
        # once did; the lanes are read once the frame is whole)
        p.wait_for(lambda s: QUESTION.search(rows(s)[0]) is not None and not after_cursor(s), 5)
        s = p.screen()
        col = cursor_col(s)
        check(LANE_X <= col < 79, "predict: the cursor is on the lanes", rows(s)[AXIS_ROW])
        drawn = after_cursor(s)
        check(col >= LANE_X and not drawn, "predict: no lane cell right of the cursor holds a glyph",
              f"cursor at column {col}: {drawn[:4]}")
        t = header_time(s)
        time.sleep(1.0)
        s2 = p.screen()
        check(header_time(s2) == t and rows(s2)[0] == rows(s)[0] and not after_cursor(s2),
              "predict: the question stays, the time stands still, nothing more is drawn")
        check("[space] reveal" in s2, "predict: the key line offers to reveal", rows(s2)[22])

        p.keys("2")
        ok, s3 = p.wait_for(lambda s: f"Guess: [2] {m.group(2)}" in rows(s)[0], 5)
        check(ok, "predict: key 2 is the class's guess, on the question's line", rows(s3)[0])
        p.keys("Space")
        ok, s4 = p.wait_for(lambda s: "ANSWER" in rows(s)[0], 5)
        answer = rows(s4)[0]
        check(ok and not QUESTION.search(answer) and "not_full" in answer and
              re.search(rf"\[[12]\] [{m.group(1)}{m.group(2)}]\b", answer) is not None,
              "predict: after space the same line holds the answer: who runs, and why", answer)
        check(re.search(r"Guess \[2\]: (right!|wrong\.) Score [01]/1\.", answer) is not None,
              "predict: the guess judged and the score counted", answer)
        check(not any("ANSWER" in line for line in rows(s4)[1:]), "predict: the answer nowhere else")
        ok, s5 = p.wait_for(lambda s: header_time(s) != t, 10)
        check(ok and "ANSWER" in rows(s5)[0], "predict: the replay plays on, the answer stays in its place",
              rows(s5)[0])
        p.keys("q")
    finally:
        p.kill()
    return t


def test_control(t):
    """The same moment without predict draws what follows the cursor: the
    check above is not blind."""
    p = Pane("control", ["replay", "--classroom", "--paused", TRACE])
    try:
        ok, s = p.wait_for(lambda s: "1 column =" in s)
        p.keys("g")
        p.keys(f"{t}s", "Enter")
        ok, s = p.wait_for(lambda s: header_time(s) == t and cursor_col(s) >= LANE_X, 10)
        check(ok and after_cursor(s), "predict off (control): the same moment shows glyphs right of the cursor",
              f"t {header_time(s)}, cursor column {cursor_col(s)}")
        p.keys("q")
    finally:
        p.kill()


def main():
    if not os.path.exists(CONCTOP):
        check(False, "predict", f"{CONCTOP} is missing: run make")
        finish()
    # one idle session keeps the test's tmux server up between panes
    tmux("new-session", "-d", "-s", "keeper", "sleep", "3600")
    try:
        t = test_predict()
        if t:
            test_control(t)
    finally:
        tmux("kill-server", check_rc=False)
    finish()


if __name__ == "__main__":
    main()
