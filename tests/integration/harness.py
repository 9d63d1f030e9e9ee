"""A small harness for conctop's integration tests: PASS/FAIL/SKIPPED lines
and the closing "N passed, N failed, N skipped" line that tests/run adds up."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
CONCTOP = os.path.join(BUILD, "conctop")
SCENARIOS = os.path.join(BUILD, "scenarios")
PROGS = os.path.join(BUILD, "tests", "progs")

_counts = {"passed": 0, "failed": 0, "skipped": 0}
_pending = None  # inside retried(): the results of the attempt under way


def check(cond, name, detail=""):
    """Records one assertion; returns cond so callers can chain."""
    if _pending is not None:
        _pending.append(("check", bool(cond), name, detail))
        return bool(cond)
    if cond:
        _counts["passed"] += 1
        print(f"PASS {name}")
    else:
        _counts["failed"] += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))
    sys.stdout.flush()
    return bool(cond)


def skip(name, why):
    """Records a test that could not run, loudly."""
    if _pending is not None:
        _pending.append(("skip", False, name, why))
        return
    _counts["skipped"] += 1
    print(f"SKIPPED {name}: {why}")
    sys.stdout.flush()


def retried(test, tries=3):
    """Runs a test whose outcome depends on how the scheduler treats a real
    program on a busy machine (a scenario's timing, CPUs left by others) up
    to tries times: its checks count from the first attempt where all pass,
    or from the last attempt. Every earlier attempt's failures are printed,
    so a retry is never silent; a broken feature fails every attempt."""
    global _pending
    for attempt in range(1, tries + 1):
        _pending = []
        try:
            test()
        except Exception as err:  # one broken test must not hide the others
            _pending.append(("check", False, f"{test.__name__} ran", f"{type(err).__name__}: {err}"))
        finally:
            results, _pending = _pending, None
        bad = [r for r in results if r[0] == "skip" or not r[1]]
        if not bad or attempt == tries:
            break
        print(f"  {test.__name__}: attempt {attempt} of {tries} had {len(bad)} failed or skipped "
              f"check(s), first: {bad[0][2]}: {bad[0][3]}; once more (the machine may be busy)")
        sys.stdout.flush()
    if attempt > 1:
        print(f"  {test.__name__}: these results are from attempt {attempt} of {tries}")
    for kind, cond, name, detail in results:
        if kind == "skip":
            skip(name, detail)
        else:
            check(cond, name, detail)


def finish():
    """Prints the closing count, removes the temporary directories, and
    exits with the right status."""
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    print(f"{_counts['passed']} passed, {_counts['failed']} failed, {_counts['skipped']} skipped")
    sys.exit(1 if _counts["failed"] else 0)


def run(args, timeout=60, **kw):
    """Runs a command, capturing its output as text."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)


def conctop(*args, timeout=60, **kw):
    """Runs build/conctop with args."""
    return run([CONCTOP, *args], timeout=timeout, **kw)


def report_json(path):
    """conctop report --json of a trace file, parsed."""
    r = conctop("report", "--json", path)
    if r.returncode != 0:
        raise RuntimeError(f"report failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


def dump_events(path):
    """conctop dump of a trace file, as a list of (ts_s, cpu, type, fields)."""
    r = conctop("dump", path)
    if r.returncode != 0:
        raise RuntimeError(f"dump failed ({r.returncode}): {r.stderr}")
    events = []
    for line in r.stdout.splitlines():
        parts = line.split(None, 3)
        fields = {}
        rest = parts[3] if len(parts) > 3 else ""
        text = None
        if ' text="' in " " + rest:
            rest, text = rest.split('text="', 1)
            text = text[:-1]
        for kv in rest.split():
            k, _, v = kv.partition("=")
            fields[k] = v
        if text is not None:
            fields["text"] = text
        events.append((float(parts[0]), int(parts[1][3:]), parts[2], fields))
    return events


# a checkpoint's instant is said to a tenth of a second ("read from 7.7 s"):
# one at 7.699 s reads 7.7 beside a window at 7.6951 s, and is before it
SAID_TO_A_TENTH = 0.05

_tmpdirs = []


def tmpdir():
    """A fresh temporary directory, removed when the test ends (finish)."""
    d = tempfile.mkdtemp(prefix="conctop-test-")
    _tmpdirs.append(d)
    return d


def tmux_socket(kind):
    """A tmux socket name of this test's own: its kind, pid and a random part,
    so that a server left behind by an earlier run whose pid comes back is
    never taken for this one's (a pid alone once collided in CI)."""
    return f"conctop-{kind}-{os.getpid()}-{os.urandom(4).hex()}"


def bpf_available(name):
    """Whether BPF tests can run here; prints SKIPPED when not."""
    if os.geteuid() != 0:
        skip(name, "needs root to load BPF programs (run: sudo make test)")
        return False
    if not os.path.exists(CONCTOP):
        check(False, name, f"{CONCTOP} is missing: run make")
        return False
    return True


def rss_kb(pid):
    """VmRSS of process pid in kB, or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def child_pids(pid):
    """The pids of process pid's children."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def program_runs(p, timeout=30):
    """Waits until conctop p's program runs: a child of p whose executable is
    not conctop (before its exec, the child held at the gate and the guard
    are conctop, with its command line)."""
    deadline, own = time.monotonic() + timeout, os.path.realpath(CONCTOP)
    while time.monotonic() < deadline and p.poll() is None:
        for c in child_pids(p.pid):
            try:
                if os.path.realpath(f"/proc/{c}/exe") != own:
                    return True
            except OSError:
                pass
        time.sleep(0.05)
    return False


def lane_rows(text):
    """The lanes of a screen or of `conctop lanes` output: {label: (cells,
    stats)} for every row with a lane, the label without its letter (CPU
    rows by their name, threads by name and tid)."""
    out = {}
    for line in text.splitlines():
        i = line.find("\u2502")
        if i < 0 or line.lstrip().startswith(("\u250c", "\u2514")):
            continue
        label = line[:i].split()
        cells, _, stats = line[i + 1:].partition("\u2502")
        key = label[1:] if len(label) > 1 and len(label[0]) == 1 else label
        out[" ".join(key)] = (cells, " ".join(stats.split()))
    return out
