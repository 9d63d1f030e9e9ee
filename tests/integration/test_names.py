"""Object names without offsets, from recorded scenario traces.

A condition variable, barrier or semaphore is named after its variable:
the event scenario's runners wait on `cond start_gun` (the condition
variable inside struct start_gun, 40 bytes in), the timer on
`cond time_limit`, never `start_gun+40`. The scenarios event, condvar,
barrier and semaphore are recorded; in the trace's object names, and in
what log, report (text and JSON), lanes and the SVG export print, no
condition variable, barrier or semaphore carries a `+offset`, and the
scenario's own objects are there by name."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (retried, SCENARIOS, bpf_available, check, conctop, dump_events,  # noqa: E402
                     finish, report_json, skip, tmpdir)

KINDS = ("cond", "barrier", "sem")
# a kind word, then a name that ends in +digits: "cond start_gun+40"
OFFSET_LABEL = re.compile(r"\b(cond|barrier|sem|semaphore)\s+([A-Za-z_][\w\[\].]*\+\d+)")

CASES = [
    ("event", [], ["cond start_gun", "cond time_limit"]),
    ("condvar", ["--threads", "3", "--rounds", "2", "--pace", "2"], ["cond token_ready"]),
    ("barrier", ["--threads", "3", "--phases", "3", "--pace", "2"], ["barrier phase_barrier"]),
    ("semaphore", ["--clients", "4", "--connections", "2", "--requests", "2", "--query", "3"],
     ["semaphore free_connections"]),
]


def outputs(trace):
    """What each reader prints for the trace: name -> text."""
    out = {}
    for name, args in (("log", ["log", trace]), ("report", ["report", trace]),
                       ("lanes", ["lanes", "--width", "120", trace]), ("export", ["export", "-o", "-", trace])):
        r = conctop(*args)
        out[name] = r.stdout if r.returncode == 0 else ""
        check(r.returncode == 0, f"{os.path.basename(os.path.dirname(trace))}: conctop {name} reads it",
              r.stderr.strip())
    return out


def test(name, args, wanted):
    """Records one scenario and checks every name it shows."""
    d = tmpdir()
    trace = os.path.join(d, name, "t.ctrace")
    os.makedirs(os.path.dirname(trace))
    r = conctop("record", "-q", "-o", trace, "--", os.path.join(SCENARIOS, name), *args, timeout=120)
    if not check(r.returncode == 0 and os.path.exists(trace), f"{name}: recorded (exit {r.returncode})",
                 r.stderr.strip()):
        return
    objects = [(f["kind"], f.get("text", "")) for _, _, kind, f in dump_events(trace) if kind == "object"]
    named = [(k, t) for k, t in objects if k in KINDS]
    bad = [f"{k} {t}" for k, t in named if re.search(r"\+\d+$", t)]
    check(named and not bad, f"{name}: the trace names its condition variables, barriers and semaphores "
          f"without an offset ({len(named)} named)", f"with an offset: {bad}; all: {objects}")
    text = outputs(trace)
    for reader, out in text.items():
        hits = sorted({m.group(0) for m in OFFSET_LABEL.finditer(out)})
        check(out and not hits, f"{name}: conctop {reader} shows no +offset on a cond, barrier or semaphore",
              f"found {hits}")
    for label in wanted:
        check(label in text["log"] or label in text["report"], f"{name}: the log or report names '{label}'",
              "not found")
    rep = report_json(trace)
    bad = [f"{b['kind']} {b['object']}" for t in rep["threads"] for b in t.get("blocked_by", [])
           if b["kind"] in KINDS and re.search(r"\+\d+$", b["object"])]
    check(not bad, f"{name}: report --json's blocked_by has no +offset on a cond, barrier or semaphore",
          f"{bad}")


READS = re.compile(r"symbol files for names: (\d+) read ahead, (\d+) read while delivering")


def test_read_ahead():
    """The ELF files that names come from are read by the tracer's reader
    thread before the waits that need them are delivered: record -v says
    how many files each side read, and the delivery path read none."""
    trace = os.path.join(tmpdir(), "ahead.ctrace")
    r = conctop("record", "-v", "-o", trace, "--", os.path.join(SCENARIOS, "condvar"),
                "--threads", "3", "--rounds", "2", "--pace", "2", timeout=120)
    m = READS.search(r.stderr)
    if not check(r.returncode == 0 and m, "read ahead: record -v says how the symbol files were read",
                 f"exit {r.returncode}; stderr ends {r.stderr[-300:]!r}"):
        return
    ahead, delivering = int(m.group(1)), int(m.group(2))
    check(ahead >= 2 and delivering == 0,
          "read ahead: the reader thread read the program's files (program and libc at least), "
          "the delivery path none", f"{ahead} read ahead, {delivering} while delivering")
    names = [f.get("text", "") for _, _, kind, f in dump_events(trace) if kind == "object"]
    check(any("token_ready" in n for n in names), "read ahead: the names still come out (cond token_ready)",
          f"object names: {names[:8]}")


def main():
    if not bpf_available("object names from recorded scenarios"):
        finish()
    retried(test_read_ahead)
    for name, args, wanted in CASES:
        if not os.path.exists(os.path.join(SCENARIOS, name)):
            skip(f"{name}: names", f"{SCENARIOS}/{name} is not built (run make)")
            continue
        # retried: a run in which nobody had to wait on an object names
        # none (seen once for semaphore in a sanitizer build)
        def attempt(name=name, args=args, wanted=wanted):
            test(name, args, wanted)
        attempt.__name__ = f"names of {name}"
        retried(attempt)
    finish()


if __name__ == "__main__":
    main()
