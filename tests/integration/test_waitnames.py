"""A name for every wait, from recorded commands.

`cc` compiling a file waits for its child (cc1, as, collect2): the
driver's wait names that child in report (text and --json) and the log;
a shell's `wait` and make -j2's wait for any of two children name the
child too. report --json's target_pid is the pid of the command conctop
started (the thread that runs it in the trace). A nanosleep's expiry
says "a timer" in the log and in path. A thread of CPython 3.11 blocked
on a threading.Lock (a sem_t) waits on a Python Lock. A join whose thread
is exiting is a join."""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (PROGS, retried, bpf_available, check, conctop, dump_events,  # noqa: E402
                     finish, report_json, skip, tmpdir)

CHILD = re.compile(r"^(?P<name>[^()]+)\((?P<pid>\d+)\)$")

LOCK_SCRIPT = """
import threading, time
lock = threading.Lock()
lock.acquire()
def worker():
    lock.acquire()
    lock.release()
t = threading.Thread(target=worker)
t.start()
time.sleep(0.2)
lock.release()
t.join()
"""


def record(name, *command, timeout=120):
    """Records command into a fresh trace; returns its path, or None."""
    trace = os.path.join(tmpdir(), f"{name}.ctrace")
    r = conctop("record", "-q", "-o", trace, "--", *command, timeout=timeout)
    if not check(r.returncode == 0 and os.path.exists(trace), f"{name}: recorded (exit {r.returncode})",
                 r.stderr.strip()[-400:]):
        return None
    return trace


def started_pid(trace, program):
    """The pid the started command has in the trace: the thread that
    exec'd program first (conctop's gated child, then the program)."""
    for _, _, kind, f in dump_events(trace):
        if kind == "exec" and f.get("text") == program:
            return int(f["tid"])
    return None


def children(trace, parent):
    """The child processes parent forked in the trace: pid -> the names they took."""
    kids = {}
    for _, _, kind, f in dump_events(trace):
        if kind == "fork" and int(f["tid"]) == parent and f.get("child") == f.get("child_tgid"):
            kids[int(f["child"])] = set()
        elif kind in ("exec", "rename") and int(f["tid"]) in kids:
            kids[int(f["tid"])].add(f.get("text", ""))
    return kids


def thread(rep, tid):
    """report --json's thread tid, or None."""
    return next((t for t in rep["threads"] if t["tid"] == tid), None)


def named_children(who, rep, tid, kids):
    """Checks that thread tid's waits for children all name one of kids,
    by a name it took and its pid; returns the child waits."""
    t = thread(rep, tid)
    waits = [b for b in (t or {}).get("blocked_by", []) if b["kind"] == "child"]
    bad = []
    for b in waits:
        m = CHILD.match(b["object"])
        if not m or int(m["pid"]) not in kids or m["name"] not in kids[int(m["pid"])]:
            bad.append(b["object"])
    check(waits and not bad, f"{who}: report --json's waits for a child name the child and its pid "
          f"({', '.join(b['object'] for b in waits)})", f"bad: {bad}; children {kids}; thread {t}")
    return waits


def test_cc(cc, src, args, label):
    """cc compiling src: the driver's wait names its child everywhere, and
    target_pid is the driver's pid."""
    trace = record(label, cc, *args, src)
    if not trace:
        return
    pid = started_pid(trace, os.path.basename(cc))
    rep = report_json(trace)
    check(pid and rep["target_pid"] == pid, f"{label}: report --json's target_pid is the started command's "
          f"pid ({rep['target_pid']})", f"the command ran as {pid}")
    kids = children(trace, pid)
    waits = named_children(label, rep, pid, kids)
    names = {CHILD.match(b["object"])["name"] for b in waits if CHILD.match(b["object"])}
    check(names & {"cc1", "as", "collect2"}, f"{label}: the driver waits for cc1, as or collect2 ({names})")
    text = conctop("report", trace).stdout
    row = next((ln for ln in text.splitlines() if re.match(rf"\S+\s+{pid}\s", ln)), "")
    check(re.search(r"child \S+\(\d+\) \d+%$", row), f"{label}: report's MOSTLY BLOCKED ON names the child",
          row)
    log = conctop("log", trace).stdout
    check(re.search(r"waits for child (cc1|as|collect2)\(\d+\)", log),
          f"{label}: the log says the driver waits for its child by name", log[-600:])


def test_shell_wait():
    """sh's wait builtin (dash: sigsuspend) and the child it waits for."""
    trace = record("sh-wait", "sh", "-c", "sleep 0.1 & wait; true")
    if not trace:
        return
    pid = started_pid(trace, "sh")
    rep = report_json(trace)
    kids = children(trace, pid) if pid else {}
    named_children("sh -c 'sleep 0.1 & wait'", rep, pid, kids)


def test_make(make, d):
    """make -j2 waits for any of two children: each wait names one."""
    trace = record("make", make, "-s", "-C", d, "-j2")
    if not trace:
        return
    pid = started_pid(trace, "make")
    rep = report_json(trace)
    kids = children(trace, pid) if pid else {}
    waits = named_children("make -j2", rep, pid, kids)
    check(len(waits) >= 2, f"make -j2: both children are waited for by name ({len(waits)})")


def test_timer():
    """A nanosleep's end is a timer's in the log and in path."""
    trace = record("sleep", "sleep", "0.05")
    if not trace:
        return
    log = conctop("log", trace).stdout
    check(re.search(r"sleep woken by a timer", log), "timer: the log says the sleep was woken by a timer",
          log[-600:])
    r = conctop("path", "--thread", "sleep", "--json", trace)
    nodes = json.loads(r.stdout)["nodes"] if r.returncode == 0 else []
    timer = nodes[0]["unexplained"].get("timer", 0) if nodes else 0
    check(timer >= 40_000_000, f"timer: path charges the sleep's {timer / 1e6:.1f} ms to a timer",
          r.stderr.strip() or str(nodes[:1]))
    check("woken by a timer" in conctop("path", "--thread", "sleep", trace).stdout,
          "timer: path's text says 'woken by a timer'")


def test_joins():
    """A join whose thread is exiting is a join: glibc waits on the thread's
    tid word, and the kernel clears that word as the thread exits; a joiner
    that went to sleep just before was seen asleep after, on a word of 0,
    and 1% of the joins of a program making threads in batches were waits
    on an anonymous futex (a trial saw futex@... rows in a program with
    no lock)."""
    trace = record("joins", os.path.join(PROGS, "spawnloop"), "--threads", "4000", "--batch", "4")
    if not trace:
        return
    ops = [f.get("op") for _, _, kind, f in dump_events(trace) if kind == "block"]
    joins, futexes = ops.count("join"), ops.count("futex")
    check(joins >= 400, f"joins: the main thread waits to join its threads ({joins} waits)")
    if os.path.basename(os.environ.get("BUILD", "build")).startswith("sanitize"):
        # (ASan's runtime in spawnloop waits on futexes of its own: its
        # thread registry's lock, taken at each create and join)
        skip("joins: none an anonymous futex", f"the sanitizer runtime's own futex waits ({futexes}) are among them")
        return
    # (exact where sched_process_exit comes before the kernel clears the
    # thread's tid word, as on the 6.18 kernels this runs on; tracer.md)
    check(futexes == 0, "joins: none of them is a wait on an anonymous futex", f"{futexes} futex waits")


def test_python_lock(python, d):
    """A thread blocked on a threading.Lock waits on a Python Lock."""
    script = os.path.join(d, "lock.py")
    with open(script, "w") as f:
        f.write(LOCK_SCRIPT)
    trace = record("python-lock", python, script)
    if not trace:
        return
    rep = report_json(trace)
    locks = [(t["tid"], b) for t in rep["threads"] for b in t["blocked_by"] if b["kind"] == "python_lock"]
    waited = [b for tid, b in locks if tid != rep["target_pid"] and b["ns"] >= 100_000_000]
    check(waited and all(b["object"].startswith("Python Lock") for _, b in locks),
          f"python: the worker waits {waited[0]['ns'] / 1e6 if waited else 0:.0f} ms on a Python Lock",
          f"waits: {[t['blocked_by'] for t in rep['threads']]}")
    sems = [b for t in rep["threads"] for b in t["blocked_by"] if b["kind"] == "sem"]
    check(not sems, "python: no wait of the python process is called a semaphore", f"{sems}")
    log = conctop("log", trace).stdout
    check("waits on Python Lock@" in log and "semaphore" not in log,
          "python: the log says 'waits on Python Lock', never semaphore", log[-600:])


def python_311():
    """A python3 whose threading.Lock is a sem_t (up to 3.12), or None and why not."""
    for p in ("/usr/bin/python3", shutil.which("python3")):
        if not p or not os.access(p, os.X_OK):
            continue
        r = subprocess.run([p, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True)
        ver = tuple(int(x) for x in r.stdout.split()) if r.returncode == 0 else ()
        if len(ver) == 2 and (3, 2) <= ver < (3, 13):
            return p, ""
    return None, "no python3 up to 3.12 (whose threading.Lock is a sem_t) here"


def main():
    if not bpf_available("names of waits"):
        finish()
    d = tmpdir()
    src = os.path.join(d, "x.c")
    with open(src, "w") as f:
        f.write("int main(void) { return 0; }\n")
    cc = shutil.which("cc")
    if not cc:
        skip("cc: the driver's wait names its child", "no cc on PATH")
    else:
        def cc_c():
            test_cc(cc, src, ["-c", "-o", os.path.join(d, "x.o")], "cc -c")

        def cc_o():
            test_cc(cc, src, ["-O2", "-o", os.path.join(d, "x")], "cc -o")
        retried(cc_c)
        retried(cc_o)
    retried(test_shell_wait)
    make = shutil.which("make")
    if not make:
        skip("make -j2: waits name children", "no make on PATH")
    else:
        with open(os.path.join(d, "Makefile"), "w") as f:
            f.write("all: a b\na:\n\tsleep 0.05\nb:\n\tsleep 0.1\n")

        def make_j2():
            test_make(make, d)
        retried(make_j2)
    retried(test_timer)
    test_joins()
    python, why = python_311()
    if not python:
        skip("python: a threading.Lock is a Python Lock", why)
    else:

        def python_lock():
            test_python_lock(python, d)
        retried(python_lock)
    finish()


if __name__ == "__main__":
    main()
