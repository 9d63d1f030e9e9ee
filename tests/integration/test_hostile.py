"""Hostile input and hard faults: a trace whose every string carries terminal
controls prints none of them; a trace with a damaged middle chunk is read
around the damage; usage errors are usage errors; a program conctop starts
dies with it, children included, when conctop is killed with SIGKILL."""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, PROGS, check, conctop, finish, run, skip, tmpdir  # noqa: E402

TMP = tmpdir()
MKTRACE = os.path.join(PROGS, "mktrace")
# the controls tests/progs/mktrace.c puts in every string of the hostile trace
CONTROLS = "\x1b[2J\x1b]0;owned\x07\x1b]52;c;aGk=\x07\r\b\x7f\u009b1m"
SGR = re.compile(rb"\x1b\[[0-9;]*m")


def make_trace(name):
    """Writes tests/progs/mktrace's trace name into TMP; returns its path."""
    r = run([MKTRACE, TMP, name])
    path = os.path.join(TMP, name + ".ctrace")
    if r.returncode != 0 or not os.path.exists(path):
        raise RuntimeError(f"mktrace {name} failed: {r.stderr}")
    return path


def controls_in(data, colour=False):
    """The terminal controls in data (bytes): C0 but newline and tab, DEL,
    C1 (UTF-8 encoded or raw); in colour mode conctop's SGR sequences are
    allowed. Returns a list of (offset, byte value)."""
    if colour:
        data = SGR.sub(b"", data)
    text = data.decode("utf-8", errors="surrogateescape")
    bad = []
    for i, ch in enumerate(text):
        c = ord(ch)
        if (c < 0x20 and ch not in "\n\t") or c == 0x7f or 0x80 <= c < 0xa0 or 0xdc80 <= c < 0xdca0:
            bad.append((i, c if c < 0xdc00 else c - 0xdc00))
    return bad


def run_bytes(*args):
    """Runs conctop with args; returns (exit status, stdout + stderr as bytes)."""
    r = subprocess.run([CONCTOP, *args], capture_output=True, timeout=60, env=dict(os.environ, LC_ALL="C.UTF-8"))
    return r.returncode, r.stdout + r.stderr, r.stdout


def test_terminal_controls():
    """Every command's output holds no control from the trace."""
    trace = make_trace("hostile")
    escaped = "\\x1b]0;owned\\x07"
    cases = [
        ("dump", ["dump", trace], escaped),
        ("log", ["log", trace], escaped),
        ("report", ["report", trace], escaped),
        ("report --json", ["report", "--json", trace], "\\u001b]0;owned\\u0007"),
        ("lanes", ["lanes", "--width", "100", trace], "main?[2J"),
        ("lanes --color", ["lanes", "--color", "--width", "100", trace], "main?[2J"),
        ("export -o -", ["export", "-o", "-", trace], "main?[2J?]0;owned"),
    ]
    for name, args, marker in cases:
        rc, out, stdout = run_bytes(*args)
        bad = controls_in(out, colour="--color" in args)
        check(rc == 0 and len(stdout) > 0, f"hostile strings: {name} reads the trace", f"exit {rc}: {out[-300:]!r}")
        check(not bad, f"hostile strings: {name} prints no control character from the trace",
              f"{len(bad)} found, first at {bad[:3]}")
        check(marker in stdout.decode("utf-8", errors="replace"),
              f"hostile strings: {name} shows the names, their controls made visible", f"no {marker!r}")
    rc, out, _ = run_bytes("lanes", "--color", "--width", "100", trace)
    check(SGR.search(out) is not None, "hostile strings: lanes --color does print its own colours (SGR)")
    rc, _, stdout = run_bytes("report", "--json", trace)
    try:
        rep = json.loads(stdout)
    except ValueError as e:
        rep = {}
        print(f"  report --json: {e}")
    names = [t.get("name", "") for t in rep.get("threads", [])]
    check(rep.get("host") == "host" + CONTROLS + "\ufffd" and "main" + CONTROLS + "\ufffd" in names,
          "hostile strings: report --json keeps the exact strings (a byte that is not UTF-8: U+FFFD), escaped", f"{rep.get('host')!r} {names}")
    rc, _, stdout = run_bytes("dump", trace)
    check("text=\"main\\x1b[2J\\x1b]0;owned\\x07\\x1b]52;c;aGk=\\x07\\x0d\\x08\\x7f\\xc2\\x9b1m\\x9b\"" in
          stdout.decode("utf-8", errors="replace"),
          "hostile strings: dump writes each control as \\xHH (raw byte 0x9b too)")


def test_columns():
    """contention's object column is as wide as its longest name, up to 48
    columns (a long name, escaped controls here, a C++ or Python Lock name
    on real programs, pushed its row's other columns right)."""
    trace = make_trace("hostile")
    r = conctop("contention", trace)
    rows = [l for l in r.stdout.splitlines() if l and not l.startswith(" ")]
    kind_at = {l.index(" mutex ") + 1 if " mutex " in l else l.index("KIND") for l in rows}
    check(r.returncode == 0 and len(rows) >= 2 and kind_at == {49},
          "columns: contention's KIND column stands at one place in every row, after a 48-column object name",
          r.stdout[:600])


def test_damaged_chunk():
    """A trace whose middle chunk is damaged: every reading command shows the
    other chunks and names the damaged one."""
    trace = make_trace("damaged")
    named = re.compile(r"chunk 2 at byte \d+: payload checksum mismatch")
    r = conctop("dump", trace)
    times = [float(line.split()[0]) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and named.search(r.stderr), "damaged chunk: dump goes on and names chunk 2",
          f"exit {r.returncode}: {r.stderr.strip()}")
    check(times and min(times) < 0.010 and max(times) >= 0.029 and not [t for t in times if 0.010 < t < 0.020],
          "damaged chunk: dump prints the events of the chunks before and after it (0-10 ms, 20-30 ms)",
          f"{len(times)} events")
    r = conctop("log", trace)
    times = [float(line.split()[0]) for line in r.stdout.splitlines()]
    check(r.returncode == 0 and named.search(r.stderr), "damaged chunk: log goes on and names chunk 2",
          f"exit {r.returncode}: {r.stderr.strip()}")
    check(len([t for t in times if t < 0.010]) >= 9 and len([t for t in times if t >= 0.020]) >= 9,
          "damaged chunk: log tells the wakeups before and after it", f"times {times}")
    said = [line for line in r.stdout.splitlines() if "damaged part of the file was skipped here" in line]
    check(len(said) == 1 and said[0].startswith("0.009000 ") and named.search(said[0]),
          "damaged chunk: the log says where the skipped part begins (after the event at 9 ms) and names it",
          repr(said))
    r = conctop("report", "--json", trace)
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        rep = {}
    check(r.returncode == 0 and rep.get("complete") is False and named.search(rep.get("warning", "")),
          "damaged chunk: report --json says it is not complete and names chunk 2", f"exit {r.returncode}: {r.stderr}")
    for cmd in (["contention", "--json"], ["path", "--json", "-T", "ping"]):
        r = conctop(*cmd, trace)
        try:
            got = json.loads(r.stdout)
        except ValueError:
            got = {}
        check(r.returncode == 0 and got.get("complete") is False and named.search(got.get("warning", "")),
              f"damaged chunk: {' '.join(cmd)} says it is not complete and names chunk 2, as report --json does "
              "(it had no such field)", f"exit {r.returncode}: {r.stdout[:200]} {r.stderr}")
    clean = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "pingpong.ctrace")
    got = json.loads(conctop("contention", "--json", clean).stdout)
    check(got.get("complete") is True and "warning" not in got, "contention --json of a whole file: complete, no warning")
    check(rep.get("events") == 80 and rep.get("duration_ns") == 31000000,
          "damaged chunk: report counts the 80 events of chunks 1 and 3, over the whole 31 ms",
          f"{rep.get('events')} events, {rep.get('duration_ns')} ns")
    r = conctop("report", trace)
    check(r.returncode == 0 and "ping" in r.stdout and named.search(r.stderr),
          "damaged chunk: report prints its tables and names chunk 2", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("lanes", "--width", "60", trace)
    rows = {line.split()[1]: line for line in r.stdout.splitlines() if line[:2] in ("A ", "B ")}
    check(r.returncode == 0 and named.search(r.stderr) and set(rows) == {"ping", "pong"},
          "damaged chunk: lanes draws both threads and names chunk 2", f"exit {r.returncode}: {r.stderr.strip()}")
    lane = rows.get("ping", "").split("\u2502")
    lane = lane[1] if len(lane) > 2 else ""
    third = len(lane) // 3
    check(third >= 8 and "^" in lane[:third] and "^" not in lane[third + 1:2 * third - 1] and "^" in lane[-third:],
          "damaged chunk: lanes shows ping's wakeups in the first and the last chunk, none in the damaged one",
          repr(lane))
    rule = [line for line in r.stdout.splitlines() if "\u2514" in line]
    mark = rule[0].find("!") - rule[0].find("\u2514") - 1 if rule else -1
    check(rule and 8 <= mark <= 10 and "damaged part of the file skipped here" in r.stdout,
          "damaged chunk: lanes marks the damage with ! on the bottom rule near 9 ms, and its legend says what it is",
          repr(rule))
    r = conctop("export", "-o", "-", trace)
    check(r.returncode == 0 and "<svg" in r.stdout and 'data-name="ping"' in r.stdout and named.search(r.stderr),
          "damaged chunk: export draws the picture and names chunk 2", f"exit {r.returncode}: {r.stderr.strip()}")
    switches = len([line for line in conctop("dump", trace).stdout.splitlines() if " switch " in line])
    out = os.path.join(TMP, "damaged.pftrace")
    r = conctop("export", "--format", "perfetto", "-o", out, trace)
    m = re.search(r"(\d+) switches", r.stderr)
    check(r.returncode == 0 and named.search(r.stderr) and m and int(m.group(1)) == switches > 0,
          f"damaged chunk: the Perfetto export reads on past it: as many switches as dump shows ({switches})",
          f"exit {r.returncode}: {r.stderr.strip()}")
    data = open(out, "rb").read() if os.path.exists(out) else b""
    check(b"a damaged part of the file was skipped here (chunk 2" in data and
          b"the tracks around here are incomplete" in data,
          "damaged chunk: the Perfetto trace has a note where it was skipped, in the log's words (tracks)")


def test_usage_errors():
    """Small usage errors give exit status 2 and say what is wrong."""
    trace = make_trace("hostile")
    r = conctop("dump", "--bogus", trace)
    check(r.returncode == 2 and "unknown option '--bogus'" in r.stderr, "usage: dump --bogus FILE is an unknown option",
          f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("--version", "extra")
    check(r.returncode == 2 and "extra" in r.stderr and not r.stdout, "usage: --version with an argument exits 2",
          f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("--version")
    check(r.returncode == 0 and r.stdout.startswith("conctop "), "usage: --version alone still works", r.stdout)
    for cmd in ("lanes", "record", "run"):
        r, h = conctop("help", cmd), conctop(cmd, "--help")
        check(r.returncode == 0 and r.stdout == h.stdout and h.stdout, f"usage: help {cmd} prints {cmd} --help",
              f"exit {r.returncode}: {r.stdout[:80]!r} vs {h.stdout[:80]!r}")
    for args in (["--"], ["run", "--"], ["-w", os.path.join(TMP, "x.ctrace"), "--"]):
        r = conctop(*args)
        check(r.returncode == 2 and "which command?" in r.stderr,
              f"usage: conctop {' '.join(args)} with no command after -- is a usage error",
              f"exit {r.returncode}: {r.stderr.strip()}")
    if os.geteuid() == 0:
        out = os.path.join(TMP, "badopt.ctrace")
        for args in (["run", "prodcons", "--bogus-opt"], ["record", "-o", out, "prodcons", "--items", "0"]):
            r = conctop(*args)
            check(r.returncode == 2 and ("unknown option '--bogus-opt'" in r.stderr or "--items needs" in r.stderr)
                  and not os.path.exists(out) and not os.path.exists(out + ".part"),
                  f"usage: {' '.join(a for a in args if a != out)}: the scenario's option error before anything "
                  "is traced or drawn (it was said in the view, after tracing)", f"exit {r.returncode}: {r.stderr}")
    else:
        skip("usage: a scenario's bad option", "the scenario programs are checked after the privileges (needs root)")
    r = conctop("help", "nosuch")
    check(r.returncode == 2 and "unknown command 'nosuch'" in r.stderr and not r.stdout,
          "usage: help NOSUCH is an unknown command", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("help", "lanes", "extra")
    check(r.returncode == 2 and "extra" in r.stderr, "usage: help with two commands exits 2",
          f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("run", "contention", "--help")
    check(r.returncode == 0 and r.stdout.startswith("usage: contention"),
          "usage: run SCENARIO --help prints the scenario's options, with no terminal",
          f"exit {r.returncode}: {r.stdout[:100]} {r.stderr.strip()}")
    r = conctop("help", "--help")
    check(r.returncode == 0 and r.stdout.startswith("Usage: conctop help [COMMAND]"),
          "usage: help --help says what help does (it said: unknown command '--help')",
          f"exit {r.returncode}: {r.stdout[:80]} {r.stderr.strip()}")
    r = conctop("path", "-T", "999999", trace)
    check(r.returncode == 2 and "no thread 999999" in r.stderr and "conctop report lists" in r.stderr,
          "usage: path -T with a tid the trace lacks says where the tids are", f"exit {r.returncode}: "
          f"{r.stderr.strip()}")
    r = conctop("--mono", "replay", trace)
    check(r.returncode == 2 and "'replay' is a command of conctop, not a scenario" in r.stderr and
          "conctop replay --help" in r.stderr,
          "usage: a live-view option before a command (conctop --mono replay FILE) says the command's options go "
          "after it (it said: unknown scenario 'replay')", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("record", "-o", os.path.join(os.path.dirname(trace), "rec-run.ctrace"), "run", "prodcons",
                "--threads", "-3")
    check(r.returncode == 2 and "(see conctop run prodcons --help)" in r.stderr,
          "usage: record run SCENARIO is the scenario, as the live view writes it (its arguments checked as "
          "the scenario's)", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("run", "prodcons", "--threads", "-3")
    check(r.returncode == 2 and "(see conctop run prodcons --help)" in r.stderr,
          "usage: a scenario's bad argument points at conctop run SCENARIO --help (it said 'see prodcons --help', "
          "no such command)", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("run", "nosuch", "--help")
    check(r.returncode == 2 and "unknown scenario" in r.stderr, "usage: run NOSUCH --help is an unknown scenario",
          f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("lanes", "--to", "1" + "0" * 30, trace)
    check(r.returncode == 2 and "too large" in r.stderr, "usage: --to 10^30 s is a number, but too large: it says so",
          f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("log", "--from", "1000s", trace)
    check(r.returncode == 0 and not r.stdout and "before --from" in r.stderr,
          "usage: log --from past the end prints nothing and warns, as lanes and export do",
          f"exit {r.returncode}: {r.stderr.strip()}")
    whole = conctop("lanes", "--width", "90", trace)
    r = conctop("lanes", "--width", "90", "--to", "1000s", trace)
    check(r.returncode == 0 and whole.returncode == 0 and r.stdout == whole.stdout and
          "the trace ends at" in r.stderr and "before --to" in r.stderr,
          "usage: lanes --to past the end draws to the end (the lanes of the whole trace, not blank columns) "
          "and says where it ends", f"exit {r.returncode}: {r.stderr.strip()}")
    svg = os.path.join(os.path.dirname(trace), "past-end.svg")
    r = conctop("export", "--to", "1000s", "-o", svg, trace)
    check(r.returncode == 0 and "before --to" in r.stderr and os.path.exists(svg) and
          " s to 1000.000 s" not in open(svg).read(),
          "usage: export --to past the end: the SVG ends at the trace's end, and a note says so",
          f"exit {r.returncode}: {r.stderr.strip()}")
    whole_pf, past_pf = (os.path.join(os.path.dirname(trace), n) for n in ("whole.pftrace", "past-end.pftrace"))
    w = conctop("export", "--format", "perfetto", "-q", "-o", whole_pf, trace)
    r = conctop("export", "--format", "perfetto", "-q", "--to", "1000s", "-o", past_pf, trace)
    check(r.returncode == 0 and w.returncode == 0 and "before --to" in r.stderr and
          open(past_pf, "rb").read() == open(whole_pf, "rb").read(),
          "usage: export --format perfetto --to past the end: the whole trace's slices, and a note says where it ends",
          f"exit {r.returncode}: {r.stderr.strip()}")
    cut = os.path.join(os.path.dirname(trace), "cut-first-chunk.ctrace")
    with open(trace, "rb") as f, open(cut, "wb") as g:
        g.write(f.read(300))  # the header and the info (chunk 0, 262 bytes), then a chunk cut short
    r = conctop("report", cut)
    check(r.returncode == 0 and "cut off" in r.stderr and "which is no event at all" in r.stderr,
          "usage: a recording cut in its first chunk of events: the warning says nothing came before the cut (it said "
          "'showing what came before' over an empty report)", f"exit {r.returncode}: {r.stderr.strip()}")
    empty = os.path.join(os.path.dirname(trace), "empty.ctrace")
    open(empty, "wb").close()
    r = conctop("report", empty)
    check(r.returncode == 1 and "empty file" in r.stderr and "FILE.part" in r.stderr,
          "usage: an empty file says it is no recording, and where a cut-off one stays",
          f"exit {r.returncode}: {r.stderr.strip()}")
    png = os.path.join(os.path.dirname(trace), "picture.png")
    r = conctop("export", "-o", png, trace)
    check(r.returncode == 0 and "writing an SVG picture to" in r.stderr and "whatever its name says" in r.stderr and
          open(png).read(5) == "<?xml",
          "usage: export -o OUT.png writes SVG, and says so (it did silently)", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("lanes", "--from", "1000s", trace)
    check(r.returncode == 0 and not r.stdout and "before --from" in r.stderr,
          "usage: lanes --from past the end prints no grid and warns",
          f"exit {r.returncode}: {r.stdout[:80]!r} {r.stderr.strip()}")
    # sizes with a fraction, as times take them: with a suffix only
    for size, ok in (("1.5G", True), ("16.5MiB", True), ("1.5", False), ("1.G", False), ("1.0000001G", False),
                     ("0.0001K", False)):
        r = conctop("replay", "--memory", size, trace)
        check((r.returncode == 1 and "needs a terminal" in r.stderr) if ok else
              (r.returncode == 2 and "bad --memory" in r.stderr),
              f"usage: replay --memory {size} is {'taken' if ok else 'refused'}", f"exit {r.returncode}: "
              f"{r.stderr.strip()}")
    # what is wrong with the file comes before the terminal (it said "needs
    # a terminal" for a file that is no trace)
    r = conctop("replay", os.path.join(os.path.dirname(os.path.dirname(__file__)), "golden.sh"))
    check(r.returncode == 1 and "not a conctop trace" in r.stderr and "terminal" not in r.stderr,
          "usage: replay of a file that is no trace, output not a terminal, says the file is no trace",
          f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("-pid", "1")
    check(r.returncode == 2 and "-pid 1234 reads as -p id" in r.stderr, "usage: -pid 1 says how -p is written",
          f"exit {r.returncode}: {r.stderr.strip()}")
    # -m is --memory in every command that reads a trace, as in the views
    # (it was refused as an unknown option there)
    for cmd in ("lanes", "log", "export", "contention", "path", "report"):
        extra = ["--thread", "101"] if cmd == "path" else ["-o", "-"] if cmd == "export" else []
        small = conctop(cmd, "-m", "1K", *extra, trace)
        good = conctop(cmd, "-m", "64M", *extra, trace)
        check(small.returncode == 2 and "bad --memory '1K'" in small.stderr and good.returncode == 0 and
              good.stdout == conctop(cmd, "--memory", "64M", *extra, trace).stdout and good.stdout,
              f"usage: {cmd} -m SIZE is --memory SIZE", f"exit {small.returncode} {good.returncode}: "
              f"{small.stderr.strip()} {good.stderr.strip()[:200]}")
    for cmd in ("contention", "path"):  # (they read the waits' spans, not a window of the timeline)
        args = ["--thread", "nosuch"] if cmd == "path" else []
        r = conctop(cmd, "--from", "1000s", *args, trace)
        check("the trace ends at" in r.stderr and "before --from" in r.stderr,
              f"usage: {cmd} --from past the end warns, as lanes and log do", f"exit {r.returncode}: {r.stderr.strip()}")
    for cmd in ("report", "replay", "lanes", "log", "dump", "export"):  # a directory named as the trace
        r = conctop(cmd, os.path.dirname(trace))
        check(r.returncode == 1 and r.stderr.strip().endswith(": Is a directory") and "pipe" not in r.stderr and
              "read error" not in r.stderr,
              f"usage: {cmd} DIRECTORY says it is a directory, as every command does (not 'a pipe or a device', "
              "nor 'read error at byte 0')", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("lanes", "--filter", "nosuch", trace)
    check(r.returncode == 0 and "no thread's name holds 'nosuch'" in r.stderr,
          "usage: lanes --filter matching no thread says so", f"exit {r.returncode}: {r.stderr.strip()}")
    r = conctop("record", "-o", "", "prodcons")
    check(r.returncode == 2 and "-o needs a file name" in r.stderr, "usage: record -o '' exits 2",
          f"exit {r.returncode}: {r.stderr.strip()}")
    for dur, words in (("0", "--duration must be more than 0"), ("0ms", "--duration must be more than 0"),
                       ("soon", "bad --duration 'soon'")):
        r = conctop("-d", dur)
        check(r.returncode == 2 and words in r.stderr, f"usage: -d {dur} says why it is refused",
              f"exit {r.returncode}: {r.stderr.strip()}")
    for args, what in ((("-w", "", "run", "prodcons"), "live -w ''"), (("export", "-o", "", trace), "export -o ''")):
        r = conctop(*args)
        check(r.returncode == 2 and "needs a file name" in r.stderr, f"usage: {what} exits 2",
              f"exit {r.returncode}: {r.stderr.strip()}")


def test_output_is_input():
    """An output named as the file being read (or as its FILE.part, which is
    written first) is refused before anything is written: the input stays
    as it was."""
    import shutil
    src = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "prodcons.ctrace")
    trace, part, text = (os.path.join(TMP, n) for n in ("same.ctrace", "cut.ctrace.part", "same.txt"))
    shutil.copy(src, trace)
    shutil.copy(src, part)
    with open(text, "w") as f:
        f.write("conctop-x 1 [000] 0.000100: sched:sched_switch: prev_comm=a prev_pid=1 prev_prio=120 "
                "prev_state=S ==> next_comm=b next_pid=2 next_prio=120\n")
    before = {p: open(p, "rb").read() for p in (trace, part, text)}
    cases = ((["export", trace, "-o", trace], trace, "export -o the input"),
             (["export", trace, "-F", "perfetto", "-o", trace], trace, "export --format perfetto -o the input"),
             (["export", part, "-o", part[:-5]], part, "export FILE.part -o FILE (FILE.part is written first)"),
             (["import", text, "-o", text], text, "import -o the input"))
    for args, victim, what in cases:
        r = conctop(*args)
        check(r.returncode == 1 and "is the file being read" in r.stderr and
              open(victim, "rb").read() == before[victim],
              f"output safety: {what} is refused, the input intact", f"exit {r.returncode}: {r.stderr.strip()}")
    with open(text) as f:
        r = subprocess.run([CONCTOP, "import", "-", "-o", text], stdin=f, capture_output=True, text=True, timeout=60)
    check(r.returncode == 1 and "standard input is the file being read" in r.stderr and
          open(text, "rb").read() == before[text],
          "output safety: import - -o FILE with FILE as standard input is refused", r.stderr.strip())
    pf = os.path.join(TMP, "named.pftrace")
    r = conctop("export", trace, "-o", pf)
    check(r.returncode == 0 and open(pf, "rb").read(1) == b"\x0a" and b"<svg" not in open(pf, "rb").read(200),
          "export -o OUT.pftrace without --format writes a Perfetto trace (it wrote an SVG)", r.stderr.strip())
    r = conctop("export", trace, "-o", os.path.join(TMP, "other.svg"))
    check(r.returncode == 0 and os.path.getsize(os.path.join(TMP, "other.svg")) > 0,
          "output safety: another output name is written", r.stderr.strip())


def test_read_twice():
    """report, replay and export --format perfetto read a trace more than
    once: a pipe is refused at once, saying to save it first, with nothing
    on standard output (report --json printed half an object, then failed;
    a named pipe hung on its second opening; replay showed its first
    chunks as the whole trace)."""
    fifo = os.path.join(TMP, "trace.fifo")
    os.mkfifo(fifo)
    for args in (["report", fifo], ["report", "--json", fifo], ["replay", fifo],
                 ["export", "-F", "perfetto", "-o", os.path.join(TMP, "f.pftrace"), fifo]):
        try:
            r = subprocess.run([CONCTOP, *args], capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            check(False, f"read twice: {' '.join(args[:-1])} PIPE is refused", "hung")
            continue
        check(r.returncode == 1 and "save it to a file first" in r.stderr and not r.stdout and
              not os.path.exists(os.path.join(TMP, "f.pftrace.part")),
              f"read twice: {' '.join(args[:-1])} PIPE is refused at once, nothing written",
              f"exit {r.returncode}: {r.stderr.strip()} {r.stdout[:60]!r}")
    os.unlink(fifo)


def test_stdout_full():
    """Standard output that cannot be written (a full disk: /dev/full) is
    said, once, and the status is 1, for every command that prints."""
    trace = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "prodcons.ctrace")
    for args in (["list"], ["--help"], ["--version"], ["help", "lanes"], ["dump", trace], ["report", trace],
                 ["report", "--json", trace], ["lanes", trace], ["log", trace], ["contention", trace],
                 ["export", trace, "-o", "-"], ["lesson", "condvar"]):
        with open("/dev/full", "w") as full:
            r = subprocess.run([CONCTOP, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
        said = r.stderr.count("cannot write standard output: No space left on device")
        name = " ".join(a for a in args if a != trace)
        check(r.returncode == 1 and said == 1, f"stdout full: {name} says so once and exits 1",
              f"exit {r.returncode}: {r.stderr.strip()[-200:]}")


def test_stopped_output():
    """A stop signal while export writes its output removes the half-written
    FILE.part (it stayed behind); import -o - is refused (it wrote a file
    named -)."""
    from harness import BUILD
    big = os.path.join(TMP, "big.ctrace")
    r = run([os.path.join(BUILD, "bench", "bench_trace"), "--write", "500000", big], timeout=120)
    if not check(r.returncode == 0, "stopped output: bench_trace wrote a trace of 500 000 events", r.stderr):
        return
    out = os.path.join(TMP, "big.pftrace")
    for sig in (signal.SIGINT, signal.SIGTERM):
        p = subprocess.Popen([CONCTOP, "export", "-F", "perfetto", "-o", out, big], stderr=subprocess.PIPE)
        t0 = time.monotonic()
        while not os.path.exists(out + ".part") and p.poll() is None and time.monotonic() - t0 < 30:
            time.sleep(0.005)
        seen = os.path.exists(out + ".part")
        p.send_signal(sig)
        rc = p.wait(timeout=60)
        check(seen and rc == -sig and not os.path.exists(out + ".part") and not os.path.exists(out),
              f"stopped output: {sig.name} while export writes removes OUT.part, and ends conctop as it does",
              f"part seen {seen}, exit {rc}, left {[n for n in os.listdir(TMP) if n.startswith('big.pftrace')]}")
    # a SIGINT ignored when conctop starts (nohup, a script's background job) stays ignored
    p = subprocess.Popen([CONCTOP, "export", "-F", "perfetto", "-o", out, big], stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    t0 = time.monotonic()
    while not os.path.exists(out + ".part") and p.poll() is None and time.monotonic() - t0 < 30:
        time.sleep(0.005)
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=120)
    check(rc == 0 and os.path.exists(out) and not os.path.exists(out + ".part"),
          "stopped output: an ignored SIGINT stays ignored: the export goes on and completes", f"exit {rc}")
    r = conctop("import", big, "-o", "-", cwd=TMP)
    check(r.returncode == 1 and "standard output" in r.stderr and not os.path.exists(os.path.join(TMP, "-")),
          "stopped output: import -o - is refused, no file named - made", f"exit {r.returncode}: {r.stderr.strip()}")


def test_two_writers():
    """A second conctop writing the file another is writing refuses, and
    leaves the first's OUT.part alone (it removed it as a leftover: the
    first then renamed the second's half-written part into place); a
    leftover part no one holds is still replaced."""
    import fcntl
    trace = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "prodcons.ctrace")
    for fmt, name in (("svg", "busy.svg"), ("perfetto", "busy.pftrace")):
        out = os.path.join(TMP, name)
        with open(out + ".part", "w") as held:  # another writer's part: it holds the lock
            held.write("first")
            held.flush()
            fcntl.flock(held, fcntl.LOCK_EX)
            r = conctop("export", "-F", fmt, "-o", out, trace)
            kept = open(out + ".part").read() if os.path.exists(out + ".part") else None
        check(r.returncode == 1 and "another conctop is writing" in r.stderr and kept == "first" and
              not os.path.exists(out),
              f"two writers: export --format {fmt} to a file being written is refused, the other's part intact",
              f"exit {r.returncode}: {r.stderr.strip()}; part {kept!r}")
        r = conctop("export", "-F", fmt, "-o", out, trace)  # (the part now a leftover: no lock)
        check(r.returncode == 0 and os.path.getsize(out) > 100 and not os.path.exists(out + ".part"),
              f"two writers: a leftover {name}.part no one holds is replaced", f"exit {r.returncode}: {r.stderr.strip()}")
    text = os.path.join(TMP, "two.txt")
    with open(text, "w") as f:
        f.write("conctop-x 1 [000] 0.000100: sched:sched_switch: prev_comm=a prev_pid=1 prev_prio=120 "
                "prev_state=S ==> next_comm=b next_pid=2 next_prio=120\n")
    out = os.path.join(TMP, "two.ctrace")
    with open(out + ".part", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        r = conctop("import", text, "-o", out)
    check(r.returncode == 1 and "another conctop is writing" in r.stderr and os.path.exists(out + ".part"),
          "two writers: import to a file being written is refused", f"exit {r.returncode}: {r.stderr.strip()}")
    # two real exports at once (the first stopped while it writes): the second
    # refuses, the first's output is whole
    big = os.path.join(TMP, "big.ctrace")
    if not os.path.exists(big):
        return skip("two writers: two exports at once", "big.ctrace (test_stopped_output) is missing")
    out = os.path.join(TMP, "twice.pftrace")
    p = subprocess.Popen([CONCTOP, "export", "-F", "perfetto", "-o", out, big], stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not os.path.exists(out + ".part") and p.poll() is None and time.monotonic() - t0 < 30:
        time.sleep(0.005)
    p.send_signal(signal.SIGSTOP)  # (held mid-write while the second one starts)
    r = conctop("export", "-F", "perfetto", "-o", out, big)
    p.send_signal(signal.SIGCONT)
    first = p.wait(timeout=120)
    solo = os.path.join(TMP, "solo.pftrace")
    conctop("export", "-F", "perfetto", "-o", solo, big)
    same = os.path.exists(out) and open(out, "rb").read() == open(solo, "rb").read()
    check(r.returncode == 1 and "another conctop is writing" in r.stderr and first == 0 and same,
          "two writers: of two exports at once the second refuses; the first's output is that of one alone",
          f"second exit {r.returncode}: {r.stderr.strip()[:200]}; first exit {first}, same {same}")


def kernel_thread():
    """The pid of a kernel thread (kthreadd is 2 on Linux), or None."""
    try:
        with open("/proc/2/stat") as f:
            flags = int(f.read().rsplit(")", 1)[1].split()[6])
        return 2 if flags & 0x00200000 else None
    except (OSError, ValueError, IndexError):
        return None


def test_refusals():
    """-p of a kernel thread is refused, saying why; an unprivileged run is
    told it needs privileges before anything looks at the scenario files."""
    kt = kernel_thread()
    if kt is None:
        skip("refusals: -p of a kernel thread", "pid 2 is not a kernel thread here")
    else:
        r = conctop("record", "-p", str(kt), "--duration", "1s", "-o", os.path.join(TMP, "k.ctrace"), timeout=30)
        check(r.returncode == 1 and "kernel thread" in r.stderr and not os.path.exists(os.path.join(TMP, "k.ctrace")),
              "refusals: -p 2 (a kernel thread) is refused, saying why", f"exit {r.returncode}: {r.stderr.strip()}")
    closed = os.path.join(TMP, "closed")
    os.makedirs(os.path.join(closed, "scenarios"), exist_ok=True)
    os.chmod(closed, 0o700 if os.geteuid() == 0 else 0)
    env = dict(os.environ, CONCTOP_SCENARIO_DIR=os.path.join(closed, "scenarios"))
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    for what, args in (("record", [CONCTOP, "record", "-o", "/dev/null", "prodcons"]),
                       ("run", ["script", "-qec", f"{CONCTOP} run prodcons", "/dev/null"])):
        r = run(prefix + args, env=env, timeout=30)
        out = r.stdout + r.stderr
        check(r.returncode == 1 and "CAP_BPF" in out and "sudo" in out and "missing" not in out,
              f"refusals: unprivileged {what} of a scenario in a tree it cannot read says it needs privileges",
              f"exit {r.returncode}: {out.strip()}")
    os.chmod(closed, 0o700)
    if os.geteuid() == 0:
        script = os.path.join(TMP, "badshebang.sh")
        with open(script, "w") as f:
            f.write("#!/bin/no-such-shell\necho hello\n")
        os.chmod(script, 0o755)
        r = conctop("record", "-q", "-o", os.path.join(TMP, "bad.ctrace"), "--", script, timeout=60)
        check(r.returncode == 127 and "its interpreter is not found" in r.stderr and "no-such-shell" in r.stderr,
              "refusals: a script whose #! interpreter is missing says so (not 'No such file or directory')",
              f"exit {r.returncode}: {r.stderr.strip()}")
    else:
        skip("refusals: a script with a missing interpreter", "tracing needs root (run: sudo make test)")


def process_table():
    """{pid: (ppid, state, name)} of every process."""
    procs = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                line = f.read()
        except OSError:
            continue
        name = line[line.index("(") + 1:line.rindex(")")]
        rest = line[line.rindex(")") + 2:].split()
        procs[int(d)] = (int(rest[1]), rest[0], name)
    return procs


def traced_tree(conctop_pid):
    """The pids of the processes conctop started and their descendants (not
    conctop's guard)."""
    procs = process_table()
    tree = {p for p, (pp, _, name) in procs.items() if pp == conctop_pid and name != "ctop-guard"}
    grew = True
    while grew:
        more = {p for p, (pp, _, _) in procs.items() if pp in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def alive(pids):
    """The pids that still run (a zombie has ended)."""
    procs = process_table()
    return sorted(p for p in pids if p in procs and procs[p][1] != "Z")


def guards_of(conctop_pid):
    """The pids of conctop's guard processes."""
    return [q for q, (pp, _, name) in process_table().items() if pp == conctop_pid and name == "ctop-guard"]


FORKER = "sleep 300 & sleep 300 & ( sleep 300 & sleep 300 & wait ) & wait"


def start_recording(name):
    """Starts conctop recording FORKER; returns (process, trace tree) once
    the tree has its 6 processes, or (process, None)."""
    p = subprocess.Popen([CONCTOP, "record", "-q", "-o", os.path.join(TMP, name), "--", "sh", "-c", FORKER],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree = set()
    for _ in range(100):
        time.sleep(0.1)
        tree = traced_tree(p.pid)
        if len(tree) >= 6:
            return p, tree
    return p, None


def test_orphans():
    """Killed with SIGKILL, conctop leaves no process of the traced tree; a
    stop signal ends the whole tree too."""
    if os.geteuid() != 0:
        skip("orphans", "needs root to trace (run: sudo make test)")
        return
    p, tree = start_recording("orphans.ctrace")
    if not check(tree is not None, "orphans: the forking program runs under conctop (6 processes)"):
        p.kill()
        p.wait()
        return
    guard = guards_of(p.pid)
    p.send_signal(signal.SIGKILL)
    p.wait()
    t0 = time.monotonic()
    left = alive(tree)
    while left and time.monotonic() - t0 < 1.0:
        time.sleep(0.05)
        left = alive(tree)
    check(not left, "orphans: 1 s after kill -9 of conctop, no process of the traced tree runs",
          f"{len(left)} of {len(tree)} left: {left}")
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    check(not alive(guard), "orphans: conctop's guard is gone too", str(guard))

    p, tree = start_recording("term.ctrace")
    if tree is None:
        check(False, "orphans: the forking program runs under conctop (SIGTERM)")
        p.kill()
        p.wait()
        return
    guard = guards_of(p.pid)
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    left = alive(tree)
    check(p.returncode == 143 and not left, "orphans: SIGTERM to conctop ends the program and its children (a group)",
          f"exit {p.returncode}, {len(left)} left: {left}")
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    check(guard and not alive(guard), "orphans: after a normal end the guard is gone", str(guard))


def main():
    if not os.path.exists(MKTRACE):
        check(False, "hostile tests", f"{MKTRACE} is missing: run make")
        finish()
    test_terminal_controls()
    test_columns()
    test_damaged_chunk()
    test_usage_errors()
    test_refusals()
    test_output_is_input()
    test_read_twice()
    test_stdout_full()
    test_stopped_output()
    test_two_writers()
    test_orphans()
    finish()


if __name__ == "__main__":
    main()
