"""Integration tests of the tracer: real BPF programs trace real programs, and
what they record is compared with the kernel's own per-thread counters.

The programs run under tests/progs/ctxstat.so (LD_PRELOAD), which reads each
thread's /proc counters as its last step; see that file."""
import contextlib
import functools
import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (BUILD, CONCTOP, PROGS, SCENARIOS, check, child_pids, conctop, dump_events, finish,  # noqa: E402
                     bpf_available, program_runs, report_json, run, skip, tmpdir)

PRELOAD = os.path.join(PROGS, "ctxstat.so")
WORKLOAD = os.path.join(PROGS, "workload")

# The four first scenarios with short parameters, and the tests' own program.
TARGETS = [
    ("race", [os.path.join(SCENARIOS, "race")]),
    ("race --fixed", [os.path.join(SCENARIOS, "race"), "--fixed", "--iterations", "50000"]),
    ("condvar", [os.path.join(SCENARIOS, "condvar"), "--rounds", "50"]),
    ("condvar --broadcast", [os.path.join(SCENARIOS, "condvar"), "--broadcast", "--rounds", "50"]),
    ("barrier", [os.path.join(SCENARIOS, "barrier"), "--phases", "5"]),
    ("prodcons", [os.path.join(SCENARIOS, "prodcons"), "--items", "2000"]),
    ("workload", [WORKLOAD, "--seconds", "0.3"]),
]


def read_ctxstat(path):
    """The kernel's counters per tid, as ctxstat.so wrote them."""
    rows = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            rows[int(p[0])] = dict(name=p[1], vol=int(p[2]), invol=int(p[3]), run=int(p[4]),
                                   wait=int(p[5]), start=int(p[6]), end=int(p[7]), main=p[8] == "1")
    return rows


def record_with_counters(name, argv, extra=()):
    """Records argv under the counters library; returns (report, counters, result)."""
    d = tmpdir()
    trace, stats = os.path.join(d, "t.ctrace"), os.path.join(d, "ctxstat.txt")
    cmd = ["record", *extra, "-q", "-o", trace, "--", "env", f"LD_PRELOAD={PRELOAD}",
           # a sanitizer build: let the library load, and no leak check at
           # exit (it would switch the main thread after the read)
           "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0",
           f"CTXSTAT_OUT={stats}", *argv]
    r = conctop(*cmd, timeout=120)
    if not check(r.returncode == 0, f"{name}: record exits 0", f"exit {r.returncode}: {r.stderr.strip()}"):
        return None, None, r
    rep = report_json(trace)
    rep["after_read"], rep["before_start"] = switches_outside(trace, rep, read_ctxstat(stats))
    return rep, read_ctxstat(stats), r


def switches_outside(trace, rep, kern):
    """Per tid, the (voluntary, involuntary) switches the trace saw that the
    kernel's counters as ctxstat.so wrote them cannot include: after the
    thread read them (its last step; the exit switch aside: the exit path
    can still wait on mmap_lock or, without a real-time priority, be
    preempted), and, for the main thread, before the library's constructor
    (its counts start there). Returns (after, before)."""
    base = rep["start_monotonic_ns"]
    after = {tid: [0, 0] for tid in kern}
    before = {tid: [0, 0] for tid in kern}
    for ts, _cpu, typ, f in dump_events(trace):
        if typ != "switch":
            continue
        tid = int(f["tid"])
        if tid not in after:
            continue
        at = base + int(round(ts * 1e9))
        state = int(f["state"], 16)
        kind = 0 if state & 0xff else 1
        if at < kern[tid]["start"] and kern[tid]["main"]:
            before[tid][kind] += 1
        if at <= kern[tid]["end"] or state & 0x30:  # dead or zombie: the exit switch, not counted
            continue
        after[tid][kind] += 1
    return after, before


def check_threads(name, rep, kern):
    """Every thread: present and named, switch counts equal to the kernel's,
    times adding up to its lifetime and bracketing the thread's own."""
    threads = {t["tid"]: t for t in rep["threads"]}
    base = rep["start_monotonic_ns"]
    check(rep["lost_events"] == 0, f"{name}: no lost events", f"lost {rep['lost_events']}")
    for tid, k in sorted(kern.items()):
        label = f"{name}: thread {k['name']} ({tid})"
        t = threads.get(tid)
        if not check(t is not None, f"{label} is in the trace", f"tids traced: {sorted(threads)}"):
            continue
        check(t["name"] == k["name"], f"{label} has its name", f"trace says {t['name']!r}")
        late_v, late_i = rep["after_read"].get(tid, (0, 0))
        early_v, early_i = rep["before_start"].get(tid, (0, 0))
        dv = t["voluntary_switches"] - late_v - early_v - k["vol"]
        di = t["involuntary_switches"] - late_i - early_i - k["invol"]
        if k["main"]:
            # counted from the library's constructor on both sides; a switch
            # between its counters' read and its clock's falls on one side
            check(abs(dv) <= 2, f"{label} voluntary switches within 2 of the kernel's",
                  f"trace {t['voluntary_switches']} ({early_v} before the constructor, {late_v} after the read) "
                  f"kernel {k['vol']}")
            check(abs(di) <= 2, f"{label} involuntary switches within 2 of the kernel's",
                  f"trace {t['involuntary_switches']} ({early_i} before the constructor, {late_i} after the read) "
                  f"kernel {k['invol']}")
        else:
            # exactly, once the switches after the thread's read are set aside
            check(dv == 0, f"{label} voluntary switches equal the kernel's ({k['vol']})",
                  f"trace {t['voluntary_switches']} ({late_v} after the read) kernel {k['vol']}")
            check(di == 0, f"{label} involuntary switches equal the kernel's ({k['invol']})",
                  f"trace {t['involuntary_switches']} ({late_i} after the read) kernel {k['invol']}")
            check(late_v + late_i <= 2, f"{label} at most two switches between its read and its exit",
                  f"{late_v} voluntary, {late_i} involuntary")
        life = t["end_ns"] - t["start_ns"]
        total = t["run_ns"] + t["runnable_ns"] + t["blocked_ns"]
        check(abs(total - life) <= max(life / 100, 200_000),
              f"{label} run+runnable+blocked adds up to its lifetime",
              f"sum {total} lifetime {life}")
        # the thread's own start and last step lie within what the trace saw
        tol = 200_000
        check(base + t["start_ns"] <= k["start"] + tol and base + t["end_ns"] + tol >= k["end"],
              f"{label} traced lifetime covers the thread's own",
              f"trace {base + t['start_ns']}..{base + t['end_ns']} thread {k['start']}..{k['end']}")


def test_targets(mode_args=(), suffix=""):
    """Traces each target and checks every thread against the kernel."""
    for name, argv in TARGETS:
        rep, kern, _ = record_with_counters(name + suffix, argv, mode_args)
        if rep is None:
            continue
        check(len(kern) >= 2, f"{name}{suffix}: the counters library saw the threads", f"{kern}")
        check_threads(name + suffix, rep, kern)


def test_gil():
    """Four CPU-bound Python threads: under the GIL they use about one CPU;
    four C threads doing the same use both."""
    d = tmpdir()
    code = ("import threading\n"
            "def work():\n"
            "    n = 0\n"
            "    for i in range(3_000_000): n += i\n"
            "ts = [threading.Thread(target=work) for _ in range(4)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]\n")
    trace = os.path.join(d, "gil.ctrace")
    r = conctop("record", "-q", "-o", trace, "--", sys.executable, "-c", code, timeout=180)
    if not check(r.returncode == 0, "gil: record python3 exits 0", r.stderr):
        return
    rep = report_json(trace)
    tgid = min(t["tgid"] for t in rep["threads"])
    workers = [t for t in rep["threads"] if t["tgid"] == tgid and t["tid"] != tgid]
    check(len(workers) == 4, "gil: the interpreter's 4 worker threads are in the report",
          f"{[(t['tid'], t['name']) for t in workers]}")
    if not workers:
        return
    wall = max(t["end_ns"] for t in workers) - min(t["start_ns"] for t in workers)
    ratio = sum(t["run_ns"] for t in workers) / wall
    print(f"  gil: workers ran {sum(t['run_ns'] for t in workers) / 1e6:.1f} ms in {wall / 1e6:.1f} ms "
          f"of wall time: {ratio:.2f} CPUs")
    check(ratio < 1.3, "gil: Python workers use about one CPU (< 1.3)", f"{ratio:.2f}")
    # the workers wait for the GIL (blocked on its lock), not for a CPU
    # (runnable): how long they overlap varies from run to run (a CI run's
    # four ran 358 ms in 365 ms, blocked 352 ms in all; runs here 1.5 to 2.5
    # walls), so the waits are weighed against the wall and the CPU waits
    blocked = sum(t["blocked_ns"] for t in workers)
    runnable = sum(t["runnable_ns"] for t in workers)
    check(blocked > wall / 2 and blocked > 2 * runnable,
          "gil: the workers wait for each other (blocked over half the wall), far more than for a CPU",
          f"blocked {blocked} runnable {runnable} wall {wall}")

    # the same measure sees two CPUs when threads are free to run; other
    # programs may hold a CPU meanwhile, so compare with what they left, and
    # measure again (up to three times) when the machine was too busy
    for attempt in range(3):
        trace = os.path.join(d, f"free{attempt}.ctrace")
        r = conctop("record", "-q", "-o", trace, "--", WORKLOAD, "--seconds", "0.5", "--spinners", "4",
                    "--only-spinners")
        rep = report_json(trace)
        spin = [t for t in rep["threads"] if t["name"] == "spinner"]
        wall = max(t["end_ns"] for t in spin) - min(t["start_ns"] for t in spin)
        ratio = sum(t["run_ns"] for t in spin) / wall
        others = sum(c["other_ns"] for c in rep["cpus"]) / rep["duration_ns"]
        available = len(rep["cpus"]) - others
        print(f"  free C threads: {ratio:.2f} CPUs of the {available:.2f} other programs left")
        if len(spin) == 4 and ratio >= 0.8 * min(4, available) and ratio > 1.0:
            break
    if len(spin) == 4 and available < 1.25 and not ratio > 1.0:
        skip("gil: four free C threads use more than one CPU",
             f"other programs left only {available:.2f} CPUs, three times")
        return
    check(len(spin) == 4 and ratio >= 0.8 * min(4, available) and ratio > 1.0,
          "gil: four free C threads use the CPUs other programs leave (80%), more than one",
          f"{len(spin)} spinners, {ratio:.2f} of {available:.2f}")


def test_marks():
    """A scenario's conctop_mark calls become marker events with its values."""
    d = tmpdir()
    trace = os.path.join(d, "race.ctrace")
    r = conctop("record", "-q", "-o", trace, "race", "--iterations", "20000", timeout=60)
    check(r.returncode in (0, 1), "marks: record race", f"exit {r.returncode}: {r.stderr}")
    out = r.stdout
    marks = [e for e in dump_events(trace) if e[2] == "mark"]
    counter = [e for e in marks if e[3].get("text") == "counter"]
    if check(len(counter) == 1, "marks: the final 'counter' marker is recorded once", f"{marks[:5]}"):
        value = counter[0][3]["value"]
        check(f"counter = {value}," in out, "marks: its value is the count the scenario printed",
              f"mark {value}, printed {out.strip()}")
    # a program the traced shell runs gets its marker probe from the tracer's
    # attaching thread (on the exec), not from the start of the session; the
    # probe comes some time after the exec (docs/tracer.md), so the program
    # runs long enough (2 000 000 iterations, about 0.5 s here: with 200 000,
    # 70 ms, a CI run once ended before its probe was in place)
    trace = os.path.join(d, "exec.ctrace")
    race = os.path.join(SCENARIOS, "race")
    r = conctop("record", "-q", "-o", trace, "--", "sh", "-c", f"true; {race} --iterations 2000000", timeout=60)
    marks = [e for e in dump_events(trace) if e[2] == "mark" and e[3].get("text") == "counter"]
    check(r.returncode in (0, 1) and len(marks) == 1 and f"counter = {marks[0][3]['value']}," in r.stdout,
          "marks: a program exec'd by the traced shell has its marker recorded",
          f"exit {r.returncode}, marks {marks}, printed {r.stdout.strip()}")


def test_exit_status():
    """conctop passes on the traced program's exit status."""
    d = tmpdir()
    r = conctop("record", "-q", "-o", os.path.join(d, "a.ctrace"), "--", "sh", "-c", "exit 7")
    check(r.returncode == 7, "exit status: a program's status 7 is conctop's", f"{r.returncode}")
    r = conctop("record", "-q", "-o", os.path.join(d, "b.ctrace"), "--", "no-such-program-xyz")
    check(r.returncode == 127 and "not found" in r.stderr, "exit status: a missing command gives 127 and says so",
          f"{r.returncode} {r.stderr}")
    r = conctop("record", "-q", "-o", os.path.join(d, "e.ctrace"), "--", "/etc/passwd")
    check(r.returncode == 126, "exit status: a file that cannot be run gives 126", f"{r.returncode} {r.stderr}")
    r = conctop("record", "-q", "-o", os.path.join(d, "c.ctrace"), "no-such-scenario")
    check(r.returncode == 2 and "unknown scenario" in r.stderr, "exit status: an unknown scenario is a usage error",
          f"{r.returncode} {r.stderr}")


def test_privileges():
    """Under sudo the program runs as the invoking user, who owns the trace;
    without root conctop says what is missing."""
    d = tmpdir()
    os.chmod(d, 0o777)
    trace = os.path.join(d, "u.ctrace")
    nobody = pwd.getpwnam("nobody")
    env = dict(os.environ, SUDO_UID=str(nobody.pw_uid), SUDO_GID=str(nobody.pw_gid))
    r = conctop("record", "-q", "-o", trace, "--", "id", "-u", env=env)
    check(r.returncode == 0 and r.stdout.strip() == str(nobody.pw_uid),
          "privileges: under sudo the program runs as the invoking user", f"{r.returncode} {r.stdout} {r.stderr}")
    check(os.path.exists(trace) and os.stat(trace).st_uid == nobody.pw_uid,
          "privileges: the trace file belongs to the invoking user")
    r = run(["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
             CONCTOP, "record", "-o", os.path.join(d, "n.ctrace"), "--", "true"])
    check(r.returncode == 1 and "sudo" in r.stderr and "CAP_BPF" in r.stderr,
          "privileges: without root, conctop says what is missing and what to do",
          f"{r.returncode} {r.stderr.strip()}")


def test_pid_and_duration():
    """-p PID traces every thread of a running process, named at attach;
    --duration ends the recording and leaves the process running."""
    d = tmpdir()
    proc = subprocess.Popen([WORKLOAD, "--forever"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        trace = os.path.join(d, "p.ctrace")
        t0 = time.monotonic()
        r = conctop("record", "-q", "-o", trace, "-p", str(proc.pid), "--duration", "1s")
        took = time.monotonic() - t0
        check(r.returncode == 0, "-p: record exits 0", r.stderr)
        check(0.9 <= took < 5, "-p: --duration 1s ends the recording after about 1 s", f"{took:.2f} s")
        check(proc.poll() is None, "-p: the process keeps running after conctop detaches")
        rep = report_json(trace)
        names = sorted(t["name"] for t in rep["threads"] if t["tgid"] == proc.pid)
        tids = sorted(int(x) for x in os.listdir(f"/proc/{proc.pid}/task"))
        check(sorted(t["tid"] for t in rep["threads"] if t["tgid"] == proc.pid) == tids,
              "-p: every thread of the process is traced", f"{names}")
        check(names == ["sleeper", "workload"], "-p: threads carry their names from attach",
              f"{names}")
        sl = [t for t in rep["threads"] if t["name"] == "sleeper"]
        check(sl and sl[0]["voluntary_switches"] > 100, "-p: the sleeper's switches are seen", f"{sl}")
    finally:
        proc.kill()
        proc.wait()
    r = conctop("record", "-q", "-o", os.path.join(d, "x.ctrace"), "-p", "999999")
    check(r.returncode == 1 and "no process" in r.stderr, "-p: a pid that does not exist is a clear error",
          f"{r.returncode} {r.stderr}")


def test_attach_hung(mode_args=(), suffix=""):
    """-p on a program that already hangs (tests/progs/hang: two threads
    deadlocked on two mutexes, main joining one): what each thread sleeps in
    is read at attach, so the lanes, the log and the report say it at once,
    and the deadlock is found (every thread was 'blocked, cause unknown' and
    no deadlock was said: nothing switches in a hung program)."""
    d = tmpdir()
    proc = subprocess.Popen([os.path.join(PROGS, "hang")], stdout=subprocess.PIPE, text=True)
    try:
        if not check(proc.stdout.readline().strip() == "hung", f"attach hung{suffix}: the program hangs"):
            return
        time.sleep(0.2)
        trace = os.path.join(d, "h.ctrace")
        r = conctop("record", "-q", *mode_args, "-o", trace, "-p", str(proc.pid), "--duration", "0.5s")
        if not check(r.returncode == 0, f"attach hung{suffix}: record -p exits 0", r.stderr):
            return
        log = conctop("log", trace).stdout
        check(re.search(r"DEADLOCK: \S+ waits for (left|right)_lock held by \S+; \S+ waits for (left|right)_lock "
                        r"held by \S+", log) is not None,
              f"attach hung{suffix}: the deadlock the program is in is said", log[-600:])
        check(re.search(r"hang waits to join [A-Z] left-right", log) is not None,
              f"attach hung{suffix}: main's join of left-right is said", log[-600:])
        rep = report_json(trace)
        by = {t["name"]: (t["blocked_by"][0]["kind"], t["blocked_by"][0]["object"]) if t["blocked_by"] else None
              for t in rep["threads"]}
        check(by.get("left-right") == ("mutex", "right_lock") and by.get("right-left") == ("mutex", "left_lock"),
              f"attach hung{suffix}: each thread is blocked on the lock the other holds, for the whole trace",
              f"{by}")
    finally:
        proc.kill()
        proc.wait()


def status_mask(pid, field):
    """A mask field of /proc/pid/status (SigCgt, CapEff...), None when it
    cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(l.split()[1], 16) for l in f if l.startswith(field + ":"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def test_early_signal():
    """A stop signal sent while record -p attaches ends the recording once
    it listens, also when its shell started it with SIGINT ignored (a
    background job of a script): it was lost, and the recording went on
    until the process ended."""
    d = tmpdir()
    proc = subprocess.Popen(["sleep", "60"])
    trace = os.path.join(d, "early.ctrace")
    try:
        rec = subprocess.Popen([CONCTOP, "record", "-q", "-o", trace, "-p", str(proc.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        # once it catches SIGINT: its handlers must be in before it sets up
        # (before, they came once attached, after the file was made)
        deadline, caught = time.monotonic() + 10, False
        while not caught and time.monotonic() < deadline and rec.poll() is None:
            caught = bool((status_mask(rec.pid, "SigCgt") or 0) & (1 << (signal.SIGINT - 1)))
            time.sleep(0.001)
        early = caught and not os.path.exists(trace + ".part")
        rec.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        try:
            rc = rec.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rec.kill()
            rc = None
        took = time.monotonic() - t0
        check(early, "signals: record catches SIGINT before it sets up (its file not made yet)")
        check(rc == 0 and took < 10 and report_json(trace)["complete"],
              "signals: SIGINT sent while record -p attaches ends it, with a complete trace",
              f"exit {rc} after {took:.1f} s: {rec.stderr.read().decode(errors='replace')[-300:]}")
        check(proc.poll() is None, "signals: the process attached to keeps running")
    finally:
        proc.kill()
        proc.wait()


def autogroup_nice(pid="self"):
    """The nice of a process's autogroup (sched(7)), None without one."""
    try:
        with open(f"/proc/{pid}/autogroup") as f:
            return int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def in_session(script):
    """Runs sh script in a session of its own, whose first line of output
    gives pids (a sleeper among them keeps the session's autogroup after
    conctop ends): (its Popen, those pids). The test's own session, and
    the one of whoever runs it, is never boosted nor left boosted."""
    p = subprocess.Popen(["sh", "-c", script], start_new_session=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        pids = [int(x) for x in p.stdout.readline().split()]
    finally:
        p.stdout.close()
    if not pids:
        p.kill()
        p.wait()
        raise RuntimeError(f"sh -c {script!r} started nothing")
    return p, pids


def has_sys_admin(pid):
    """Whether process pid's effective capabilities hold CAP_SYS_ADMIN (21)."""
    eff = status_mask(pid, "CapEff")
    return None if eff is None else bool(eff >> 21 & 1)


def autogroup_seen(rec, pid, until):
    """The nices of pid's autogroup, sampled while rec runs (up to 10 s) until
    until(nice)."""
    samples, deadline = [], time.monotonic() + 10
    while rec.poll() is None and time.monotonic() < deadline:
        n = autogroup_nice(pid)
        if n is not None:
            samples.append(n)
            if until(n):
                break
        time.sleep(0.05)
    return samples


def autogroup_start(case, rec_args):
    """Starts conctop record -p in a session of its own for a case of
    test_autogroup: (its Popen, the target's pid, the target's Popen when
    the test started it, the session's sleeper)."""
    target_p = None
    if case == "its own session":
        rec, (target, sleeper) = in_session(f"{WORKLOAD} --forever >/dev/null & w=$!; sleep 60 & echo $w $!; "
                                            f"exec {rec_args} -p $w --duration 1500ms >/dev/null 2>&1")
        return rec, target, None, sleeper
    target_p = subprocess.Popen([WORKLOAD, "--forever"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    # killed: without CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON do), where the
    # kernel takes one autogroup write a tenth of a second: the keeper's
    # EAGAIN outlasted conctop, and a write through conctop's file then
    # failed (ESRCH)
    drop = "setpriv --bounding-set -sys_admin --inh-caps -sys_admin " if case == "killed" and shutil.which("setpriv") \
        else ""
    try:
        rec, (sleeper,) = in_session(f"sleep 60 & echo $!; exec {drop}{rec_args} -p {target_p.pid} "
                                     f"--duration {'20s' if case == 'killed' else '1500ms'} >/dev/null 2>&1")
    except BaseException:
        target_p.kill()
        target_p.wait()
        raise
    return rec, target_p.pid, target_p, sleeper


def test_autogroup():
    """A process attached to in another session is in another autogroup,
    where conctop's nice -20 does not reach: the two groups shared the CPUs
    as equals, conctop waited hundreds of ms to run and the ring buffer
    overflowed (the live view of a busy program lost 50 000 to 260 000
    events in 4 s). While it traces such a process its own autogroup is at
    nice -20, and back after, also when it is killed; not for one in its
    own session. conctop runs in a session of its own for the test."""
    if autogroup_nice() is None:
        skip("autogroup", "this kernel has no autogroups (/proc/self/autogroup)")
        return
    d = tmpdir()
    rec_args = f"{CONCTOP} record -q -o {d}/ag.ctrace"
    for case in ("another session", "its own session", "killed"):
        target = target_p = rec = sleeper = None
        try:
            rec, target, target_p, sleeper = autogroup_start(case, rec_args)
            # the boost comes once attached (a second or so); in its own
            # session it must never come
            samples = autogroup_seen(rec, sleeper, lambda n: n == -20)
            if case == "killed":
                boosted = rec.poll() is None and samples[-1:] == [-20]
                admin = has_sys_admin(rec.pid)
                if admin is not False:
                    skip("autogroup: killed without CAP_SYS_ADMIN", "setpriv is missing or did not drop it: "
                         "the case below runs with it, where the kernel takes every write at once")
                rec.kill()
                rec.wait()
                deadline = time.monotonic() + 2
                while autogroup_nice(sleeper) != 0 and time.monotonic() < deadline:
                    time.sleep(0.02)
                check(boosted and autogroup_nice(sleeper) == 0, "autogroup: conctop killed with SIGKILL while "
                      "boosted, its session's nice is back to 0 all the same (its keeper)",
                      f"boosted {boosted}, now {autogroup_nice(sleeper)}")
                continue
            rc = rec.wait(timeout=20)
            want = -20 if case == "another session" else 0
            seen = -20 if -20 in samples else (samples[-1] if samples else None)
            check(rc == 0 and seen == want and (want or len(samples) > 10), f"autogroup: tracing a process in "
                  f"{case}, conctop's autogroup is at nice {want}", f"exit {rc}, seen {seen} in {len(samples)} looks")
            check(autogroup_nice(sleeper) == 0, f"autogroup: after tracing a process in {case}, its nice is back "
                  "to 0", f"{autogroup_nice(sleeper)}")
            if case == "another session":
                said = conctop("report", os.path.join(d, "ag.ctrace")).stdout
                line = next((l for l in said.splitlines() if l.startswith("command")), "")
                check(line == f"command   pid {target}: {WORKLOAD} --forever",
                      "record -p: the trace's command is the process's own command line, read from /proc", line)
        finally:
            if rec and rec.poll() is None:
                rec.kill()
                rec.wait()
            for pid in (target, sleeper):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (OSError, TypeError):
                    pass
            if target_p:
                target_p.wait()


def test_signals():
    """SIGTERM ends a recording cleanly (complete file); kill -9 leaves a file
    readable up to its last complete chunk."""
    d = tmpdir()
    # the five recordings run side by side (CI's time), each stopped by its signal
    started = []
    for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT"), (signal.SIGHUP, "SIGHUP")):
        trace = os.path.join(d, f"{name}.ctrace")
        started.append((sig, name, trace, subprocess.Popen(
            [CONCTOP, "record", "-q", "-o", trace, "--", WORKLOAD, "--forever"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    # a program that ignores the signals is stopped all the same
    # it says when it ignores them: python under the sanitizers' load can take
    # more than the half second below to get there (CI: it died of SIGTERM)
    ready = os.path.join(d, "stubborn.ready")
    code = ("import signal,time\nfor s in (1, 2, 15): signal.signal(s, signal.SIG_IGN)\n"
            f"open({ready!r}, 'w').close()\ntime.sleep(60)\n")
    stubborn = subprocess.Popen([CONCTOP, "record", "-q", "-o", os.path.join(d, "stubborn.ctrace"), "--",
                                 sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    trace = os.path.join(d, "killed.ctrace")
    killed = subprocess.Popen([CONCTOP, "record", "-q", "-o", trace, "--", WORKLOAD, "--forever"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # each program runs (it runs once tracing is on: conctop holds it at a
    # gate before its exec); under the sanitizers five recordings starting
    # at once took more than a second
    waiting = not all([program_runs(p) for _, _, _, p in started] + [program_runs(stubborn), program_runs(killed)])
    deadline = time.monotonic() + 30
    while not os.path.exists(ready) and time.monotonic() < deadline and stubborn.poll() is None:
        time.sleep(0.05)
    check(not waiting and os.path.exists(ready),
          "signals: the five programs run under conctop within 30 s, the stubborn one ignoring the signals")
    t_start = time.monotonic()
    time.sleep(0.5)
    children = {}
    for sig, name, _, p in started:
        children[name] = child_pids(p.pid)
        p.send_signal(sig)
    t0 = time.monotonic()
    stubborn.send_signal(signal.SIGTERM)
    time.sleep(max(0.0, 2.0 - (time.monotonic() - t_start)))  # a chunk (one a second) written before kill -9
    orphans = child_pids(killed.pid)
    killed.kill()
    killed.wait()
    try:
        rc = stubborn.wait(timeout=15)
        took = time.monotonic() - t0
        check(rc == 128 + 9 and took < 8,
              "signals: a program that ignores SIGTERM is killed after the grace period",
              f"exit {rc} after {took:.1f} s")
    except subprocess.TimeoutExpired:
        stubborn.kill()
        check(False, "signals: a program that ignores SIGTERM is killed after the grace period", "conctop hung")
    for sig, name, path, p in started:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            check(False, f"signals: {name} stops the recording")
            continue
        rep = report_json(path)
        check(rep["complete"] and rep["events"] > 100, f"signals: after {name} the trace is complete",
              f"complete={rep['complete']} events={rep['events']}")
        left = [c for c in children[name] if os.path.exists(f"/proc/{c}")]
        check(children[name] and not left, f"signals: {name} also ends the program conctop started",
              f"children {children[name]}, left {left}")
    for pid in orphans:  # (its guard ends the workload; in case it could not)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"--forever" in f.read():
                    os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    check(not os.path.exists(trace) and os.path.exists(trace + ".part"),
          "signals: a recording cut off by kill -9 stays under FILE.part, FILE is not touched")
    r = conctop("report", "--json", trace + ".part")
    ok = r.returncode == 0
    rep = json.loads(r.stdout) if ok else {}
    check(ok and not rep["complete"] and rep["events"] > 100,
          "signals: after kill -9 the trace is readable up to its last complete chunk",
          f"exit {r.returncode} {r.stderr.strip()} events={rep.get('events')}")
    check("cut off" in r.stderr, "signals: the report warns that the recording was cut off", r.stderr)


def test_output_safety():
    """The trace file is never opened through a link or a file someone else
    placed: a user's symlink to a root-owned file leaves that file as it was."""
    d = tmpdir()
    os.chmod(d, 0o1777)  # like /tmp: anyone may add names
    nobody = pwd.getpwnam("nobody")
    as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    env = dict(os.environ, SUDO_UID=str(nobody.pw_uid), SUDO_GID=str(nobody.pw_gid))
    secret = os.path.join(d, "secret")
    with open(secret, "w") as f:
        f.write("root:only:data\n")
    os.chmod(secret, 0o640)
    before = os.stat(secret)

    def unchanged(what):
        st = os.stat(secret)
        with open(secret) as f:
            data = f.read()
        check(data == "root:only:data\n" and (st.st_uid, st.st_gid, st.st_mode) ==
              (before.st_uid, before.st_gid, before.st_mode),
              f"output safety: {what}: the root-owned target is unchanged",
              f"uid {st.st_uid} gid {st.st_gid} mode {oct(st.st_mode)} data {data[:40]!r}")

    link = os.path.join(d, "run.ctrace")
    r = run(as_nobody + ["ln", "-s", secret, link])
    check(r.returncode == 0, "output safety: the unprivileged user made the symlink", r.stderr)
    r = conctop("record", "-q", "-o", link, "--", "true", env=env)
    check(r.returncode == 1 and "symbolic link" in r.stderr,
          "output safety: record refuses a symlinked output and says why", f"{r.returncode} {r.stderr.strip()}")
    unchanged("record -o SYMLINK")
    check(os.path.islink(link), "output safety: the user's symlink is left alone")
    # a link planted at the temporary name is removed, never written through
    out = os.path.join(d, "b.ctrace")
    r = run(as_nobody + ["ln", "-s", secret, out + ".part"])
    r = conctop("record", "-q", "-o", out, "--", "true", env=env)
    check(r.returncode == 0 and os.path.isfile(out) and not os.path.islink(out),
          "output safety: a link planted at FILE.part does not stop a recording", f"{r.returncode} {r.stderr}")
    unchanged("a symlink planted at FILE.part")
    st = os.stat(out)
    check(st.st_uid == nobody.pw_uid and st.st_gid == nobody.pw_gid,
          "output safety: the trace is created as the invoking user", f"{st.st_uid}:{st.st_gid}")
    svg = os.path.join(d, "h.svg")
    run(as_nobody + ["ln", "-s", secret, svg])
    r = conctop("export", out, "-o", svg)
    check(r.returncode == 1 and "symbolic link" in r.stderr, "output safety: export refuses a symlinked output",
          f"{r.returncode} {r.stderr.strip()}")
    unchanged("export -o SYMLINK")
    # a directory or a device named as the output is refused before
    # tracing (it was renamed over at the end: a directory failed only
    # then, leaving DIR.part; a device would have been replaced)
    for target, words in ((d, "is a directory"), ("/dev/null", "not a regular file")):
        r = conctop("record", "-q", "-o", target, "--", "true", env=env)
        check(r.returncode == 1 and words in r.stderr and not os.path.exists(target + ".part") and
              (target != "/dev/null" or stat.S_ISCHR(os.stat(target).st_mode)),
              f"output safety: record -o {target} is refused before tracing ({words}), nothing left beside it",
              f"{r.returncode} {r.stderr.strip()}")
    # a directory the user cannot write is refused
    closed = os.path.join(d, "closed")
    os.mkdir(closed, 0o755)
    r = conctop("record", "-q", "-o", os.path.join(closed, "x.ctrace"), "--", "true", env=env)
    check(r.returncode == 1 and f"user {nobody.pw_uid}" in r.stderr and not os.listdir(closed),
          "output safety: a directory the invoking user cannot write is refused, with the reason",
          f"{r.returncode} {r.stderr.strip()}")


def test_wake_pairs(mode_args=(), suffix="", staged=True, strict=False, waking=False):
    """Every waking of a traced thread is followed by its wakeup, no earlier
    and on a CPU, before the thread's next waking: the tp_btf programs send
    the two in one record, which decoding must turn back into both; and
    each CPU sends its switches and wake pairs in batches (staged, the
    default where the kernel allows it, as here) or one by one
    (CONCTOP_NO_STAGING=1), which must decode the same. strict: the
    programs loaded as a kernel that checks alignment would load them
    (CONCTOP_BPF_STRICT_ALIGNMENT=1; staged stores were refused there).
    waking: two programs a wakeup, as kernels before 6.5 get
    (CONCTOP_BPF_WAKING=1; by default sched_wakeup alone writes both)."""
    d = tmpdir()
    trace = os.path.join(d, "w.ctrace")
    env = dict(os.environ, CONCTOP_NO_STAGING="0" if staged else "1",
               CONCTOP_BPF_STRICT_ALIGNMENT="1" if strict else "0", CONCTOP_BPF_WAKING="1" if waking else "0")
    r = conctop("record", *mode_args, "--no-attribution", "-o", trace, "--",
                "taskset", "-c", "0", os.path.join(PROGS, "pingpong"), "--rounds", "2000", timeout=120, env=env)
    if not check(r.returncode == 0, f"wake pairs{suffix}: record exits 0", r.stderr.strip()):
        return
    summary = next((x for x in r.stderr.splitlines() if x.startswith("conctop: recorded ")), "")
    check((" staged," in summary) == staged, f"wake pairs{suffix}: the summary says the records were "
          f"{'staged per CPU' if staged else 'sent one by one'}", summary)
    open_waking, paired, pairs, bad = {}, set(), 0, []
    for ts, cpu, kind, f in dump_events(trace):
        if kind == "waking" and int(f["woken"]) > 0:
            tid = int(f["woken"])
            if tid in open_waking:
                bad.append(f"{ts:.6f}: a second waking of {tid} before its wakeup")
            open_waking[tid] = ts
        elif kind == "wakeup":
            tid = int(f["tid"])
            w = open_waking.pop(tid, None)
            if w is not None:
                pairs += 1
                paired.add(tid)
                if ts < w:
                    bad.append(f"{ts:.6f}: the wakeup of {tid} is before its waking ({w:.6f})")
            elif tid in paired:  # (a waking from before the recording's start has no record)
                bad.append(f"{ts:.6f}: a wakeup of {tid} with no waking before it")
    check(pairs >= 4000 and not bad and len(open_waking) <= 1,
          f"wake pairs{suffix}: each of the ping-pong's wakings is followed by its wakeup",
          f"{pairs} pairs, {len(open_waking)} unpaired wakings, {bad[:3]}")


@contextlib.contextmanager
def high_tids(first):
    """A context in which the next processes get tids from first on: the
    kernel's pid_max raised past it (before the tracer sizes its arrays
    from it) and ns_last_pid set; both put back after."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = f.read().strip()
    try:
        with open("/proc/sys/kernel/pid_max", "w") as f:
            f.write(str(max(int(pid_max), 2 * first)))
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(first))
        yield
    finally:
        with open("/proc/sys/kernel/pid_max", "w") as f:
            f.write(pid_max)


@functools.lru_cache(maxsize=None)
def kernel_has_csd_queue_cpu():
    """Whether the kernel's BTF names the csd_queue_cpu tracepoint (Linux
    6.5 on), which one program run a wakeup needs."""
    try:
        with open("/sys/kernel/btf/vmlinux", "rb") as f:
            return b"btf_trace_csd_queue_cpu\0" in f.read()
    except OSError:
        return False


def test_queued_wakers(waking=False, high=False):
    """A wakeup its waker queues on another CPU's list (the ping-pong's
    players pinned on two CPUs: each wakes the other on an idle one) runs
    there later, where the current task is not the waker. With one
    program run a wakeup (the default where the kernel has csd_queue_cpu,
    as here) csd_queue_cpu keeps the waker for it; with two
    (CONCTOP_BPF_WAKING=1, as kernels before 6.5 get) sched_waking does.
    Either way many wakeups come on another CPU than their waking, each
    waking of a ping-pong thread names the other ping-pong thread (a
    queued wakeup read where it runs would name that CPU's idle task),
    and the verbose summary says which way ran. high: the threads' tids
    are past the 64 Ki slots where wakings are kept by tid (a kernel's
    pid_max is often 4 Mi), so they are kept in a hash with one program,
    written one record an event with two."""
    suffix = (" [two programs]" if waking else "") + (" [tids past 64 Ki]" if high else "")
    if (os.cpu_count() or 1) < 2:
        skip(f"queued wakers{suffix}", "one CPU: no wakeup is queued on another")
        return
    d = tmpdir()
    trace = os.path.join(d, "q.ctrace")
    cmd = ["record", "-v", "--no-attribution", "-o", trace, "--", os.path.join(PROGS, "pingpong"), "--rounds", "3000",
           "--spread"]
    env = dict(os.environ, CONCTOP_BPF_WAKING="1" if waking else "0")
    if high:
        with high_tids(200000):
            r = conctop(*cmd, timeout=120, env=env)
    else:
        r = conctop(*cmd, timeout=120, env=env)
    if not check(r.returncode == 0, f"queued wakers{suffix}: record exits 0", r.stderr.strip()):
        return
    said = next((x for x in r.stderr.splitlines() if x.startswith("conctop: wakeups: ")), "")
    one = not waking and kernel_has_csd_queue_cpu() and "(tracer tp_btf" in r.stderr
    check(said.startswith("conctop: wakeups: one program run" if one else "conctop: wakeups: two "),
          f"queued wakers{suffix}: the verbose summary says how many programs a wakeup ran "
          f"({'one: this kernel has csd_queue_cpu' if one else 'two'})", said)
    events = dump_events(trace)
    threads = {int(f["tid"]) for _, _, kind, f in events if kind == "fork" and int(f["tid"]) > 0} | \
        {int(f["child"]) for _, _, kind, f in events if kind == "fork"}
    pending, cross, wrong = {}, 0, []
    for ts, cpu, kind, f in events:
        if kind == "waking" and int(f["woken"]) in threads:
            pending[int(f["woken"])] = cpu
            if int(f["tid"]) not in threads:
                wrong.append(f"{ts:.6f}: {f['woken']} woken by {f['tid']}")
        elif kind == "wakeup" and int(f["tid"]) in pending:
            cross += pending.pop(int(f["tid"])) != cpu
    if high:
        check(min(threads, default=0) > 65536, f"queued wakers{suffix}: the ping-pong's tids are past 64 Ki",
              str(sorted(threads)))
    # (from outside: the start, and each player's move to its CPU, which the
    # kernel's migration thread ends with a wakeup)
    # (a busy CPU takes its wakeups directly: the machine's load leaves fewer
    # queued, about 5 700 of 6 000 here when idle, 25 with another build
    # running; one queued and misnamed would be in wrong)
    check(cross >= 20 and len(wrong) <= 4, f"queued wakers{suffix}: wakeups come on another CPU than their "
          "waking, and every waking names the ping-pong thread that woke it", f"{cross} wakeups on another CPU, "
          f"{len(wrong)} wakings naming another waker: {wrong[:3]}; threads {sorted(threads)}")


def test_floor_knob(mode_args=(), suffix=""):
    """CONCTOP_BPF_FLOOR=1, the bench's measure of what attaching costs
    alone, makes the switch and wakeup programs record nothing, and says
    so, while the other programs still record (the ping-pong's second
    thread is born and ends: the tracer ran); the same recording without
    it has the switches and wakeups. With tp_btf and the tp fallback."""
    d = tmpdir()
    counts = {}
    for floor in ("1", "0"):
        trace = os.path.join(d, f"floor{floor}.ctrace")
        r = conctop("record", *mode_args, "--no-attribution", "-o", trace, "--", "taskset", "-c", "0",
                    os.path.join(PROGS, "pingpong"), "--rounds", "500", timeout=120,
                    env=dict(os.environ, CONCTOP_BPF_FLOOR=floor))
        if not check(r.returncode == 0, f"floor knob{suffix} {floor}: record exits 0", r.stderr.strip()):
            return
        kinds = [kind for _, _, kind, _ in dump_events(trace)]
        counts[floor] = (sum(k == "switch" for k in kinds), sum(k.startswith("wak") for k in kinds),
                         "CONCTOP_BPF_FLOOR is set" in r.stderr, "fork" in kinds and "exit" in kinds)
    check(counts["1"] == (0, 0, True, True) and counts["0"][0] >= 1000 and counts["0"][1] >= 1000
          and counts["0"][2:] == (False, True), f"floor knob{suffix}: CONCTOP_BPF_FLOOR=1 records no switch or "
          "wakeup, and warns, but the thread's birth and end; without it the ping-pong's switches and wakeups "
          "are there", str(counts))


def children_of(pid):
    """The pids whose parent is pid."""
    kids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return kids


def record_stopped(trace, rounds):
    """conctop record --buffer 4K of the ping-pong, conctop stopped
    (SIGSTOP) from 0.1 s after the program starts until it ends, so that
    its ring buffer fills and most of the run is lost; the
    CompletedProcess-like (returncode, stderr)."""
    p = subprocess.Popen([CONCTOP, "record", "--buffer", "4K", "--no-attribution", "-o", trace, "--",
                          "taskset", "-c", "0", os.path.join(PROGS, "pingpong"), "--rounds", str(rounds)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    kids = []
    while not kids and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
        kids = children_of(p.pid)
    time.sleep(0.1)
    os.kill(p.pid, signal.SIGSTOP)
    try:
        while kids and os.path.exists(f"/proc/{kids[0]}") and time.monotonic() < deadline:
            with open(f"/proc/{kids[0]}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":  # ended, not yet reaped
                    break
            time.sleep(0.01)
    except OSError:
        pass
    os.kill(p.pid, signal.SIGCONT)
    _, err = p.communicate(timeout=120)
    return p.returncode, err


def test_lost_counted():
    """A 4 KiB ring buffer that nobody drains (conctop stopped while the
    ping-pong runs) loses most of the run, and says how much: the summary
    warns, and the events recorded and lost add up to about what a large
    buffer records. Most of the loss is whole batches, so a batch that
    counted its wake pairs as one event each would come to about 80%."""
    d = tmpdir()
    rounds = 100000
    trace = os.path.join(d, "lost-4K.ctrace")
    rc, err = record_stopped(trace, rounds)
    if not check(rc == 0, "lost events: record with --buffer 4K, stopped a while, exits 0", err.strip()):
        return
    rep = report_json(trace)
    small, lost = rep["events"], rep.get("lost_events", 0)
    # the reference must lose nothing: 32 MiB hold the whole run even when
    # the reader falls behind (a sanitizer build's lost 40 229 with 4 MiB
    # on a slow machine)
    trace = os.path.join(d, "lost-32M.ctrace")
    r = conctop("record", "--buffer", "32M", "--no-attribution", "-o", trace, "--",
                "taskset", "-c", "0", os.path.join(PROGS, "pingpong"), "--rounds", str(rounds), timeout=120)
    if not check(r.returncode == 0, "lost events: record with --buffer 32M exits 0", r.stderr.strip()):
        return
    rep = report_json(trace)
    large, large_lost = rep["events"], rep.get("lost_events", 0)
    check(lost > 0 and "dropped" in err, "lost events: a 4 KiB buffer loses events and the summary warns of them",
          f"{lost} lost; {err.strip()[-200:]}")
    check(large_lost == 0 and small + lost >= 0.9 * large,
          f"lost events: recorded and lost ({small} + {lost}) add up to about what 32 MiB record ({large})",
          f"{large_lost} lost with 32 MiB")


def test_timer_waker(mode_args=(), suffix=""):
    """A sleep's timer fires in an interrupt of whatever the CPU runs: here a
    spinner of the same program (tests/progs/timerwake, both on CPU 0). The
    waking is the kernel's (waker tid 0) and the log says "woken by a
    timer" (every one of them named the spinner); the main thread, woken by
    the sleeper's exit, still names the sleeper."""
    d = tmpdir()
    trace = os.path.join(d, "t.ctrace")
    r = conctop("record", *mode_args, "-o", trace, "--", os.path.join(PROGS, "timerwake"), "--naps", "100",
                timeout=60)
    if not check(r.returncode == 0, f"timer waker{suffix}: record exits 0", r.stderr.strip()):
        return
    log = conctop("log", trace).stdout.splitlines()
    woken = [l for l in log if "sleeper woken by" in l]
    timer = [l for l in woken if "woken by a timer" in l]
    spinner = [l for l in woken if "spinner" in l.split("woken by", 1)[1]]
    check(len(woken) >= 90 and len(timer) >= 0.9 * len(woken) and not spinner,
          f"timer waker{suffix}: the sleeper's wakeups are a timer's, none the spinner's",
          f"{len(woken)} wakeups: {len(timer)} by a timer, {len(spinner)} by the spinner; {woken[:2]}")
    check(any(re.search(r"woken by [A-Z] sleeper", l) for l in log),
          f"timer waker{suffix}: a thread's own wakeup (the join at the sleeper's exit) still names the thread",
          "\n".join(l for l in log if "woken by" in l and "sleeper woken" not in l)[:400])


def main():
    if not bpf_available("tracer integration tests"):
        finish()
    test_targets()
    if os.path.basename(BUILD).startswith("sanitize"):  # (CI's two runs must stay within 15 minutes)
        skip("the scenarios [tp fallback]", "the plain build's run records them; the fallback's records "
             "go through the sanitizers in the wake pairs below")
    else:
        test_targets(("--tracer", "tp"), " [tp fallback]")
    test_timer_waker()
    test_attach_hung()
    if os.path.basename(BUILD).startswith("sanitize"):  # (as above)
        skip("the timer waker, a hung program attached to, and the floor knob [tp fallback]", "the plain "
             "build's run records them; the fallback's records go through the sanitizers in the wake pairs below")
    else:
        test_timer_waker(("--tracer", "tp"), " [tp fallback]")
        test_attach_hung(("--tracer", "tp"), " [tp fallback]")
    test_wake_pairs()
    test_wake_pairs(suffix=" [not staged]", staged=False)
    test_wake_pairs(suffix=" [two programs]", waking=True)
    test_wake_pairs(("--tracer", "tp"), " [tp fallback]")
    test_wake_pairs(suffix=" [strict alignment]", strict=True)
    test_wake_pairs(("--tracer", "tp"), " [tp fallback, strict alignment]", strict=True)
    test_queued_wakers()
    test_queued_wakers(waking=True)
    test_queued_wakers(high=True)
    test_queued_wakers(waking=True, high=True)
    test_lost_counted()
    test_floor_knob()
    if not os.path.basename(BUILD).startswith("sanitize"):  # (skipped above, said there)
        test_floor_knob(("--tracer", "tp"), " [tp fallback]")
    test_gil()
    test_marks()
    test_exit_status()
    test_privileges()
    test_output_safety()
    test_pid_and_duration()
    test_early_signal()
    test_autogroup()
    test_signals()
    finish()


if __name__ == "__main__":
    main()
