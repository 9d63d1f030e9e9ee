"""conctop import against the real tools: a workload (tests/progs/handoff)
recorded with `perf sched record` and with `trace-cmd record -e sched`,
their text imported, and compared

  - exactly with `perf sched timehist -s` of the same perf file (per
    thread: switches out, and run time to its printed microsecond), and
  - within a stated tolerance with conctop's own recording of the same
    workload (a separate run, so not exactly: see TOLERANCE);

then the errors: a cut line, an unknown event, times out of order, a
binary perf.data, garbage. Needs root (perf, trace-cmd, BPF)."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, PROGS, bpf_available, check, conctop, finish, report_json, retried, run, skip, tmpdir  # noqa: E402

TMP = tmpdir()
HANDOFF = [os.path.join(PROGS, "handoff"), "--rounds", "400", "--work-us", "100"]
# Each side leaves the CPU once a round, blocking in read() or preempted
# just before it, so a thread's switches are about the rounds whoever
# records; which of the two it is depends on the load, so only the sum is
# compared. Separate runs differ by preemptions (other programs), and the
# recorders add time in the kernel at each event (perf's is the largest:
# docs/design.md measures about 1 us an event), so run time differs more:
# in CI one thread of perf's recording ran 90-101 ms (timehist: 160 ms)
# where conctop's ran 48-57 ms, three runs in a row; within a factor of two
# says the import read the right thread's slices, the exact timehist
# switch counts say it read every one.
TOLERANCE = {"switches": 0.15, "switches_abs": 10, "run": 1.0}
TRACEFS = "/sys/kernel/tracing"


def threads_by_name(trace, names):
    """name -> (switches out, run ns) of the named threads in a trace."""
    out = {}
    for t in report_json(trace)["threads"]:
        if t["name"] in names:
            n = t["voluntary_switches"] + t["involuntary_switches"] + (1 if t.get("exited") else 0)
            out[t["name"]] = (n, t["run_ns"])
    return out


def compare(label, got, ref):
    """Checks threads of an import against conctop's own recording."""
    for name in ("ping", "pong"):
        if not check(name in got and name in ref, f"{label}: {name} is in both traces", f"{got} {ref}"):
            continue
        (gs, gr), (rs, rr) = got[name], ref[name]
        tol = max(TOLERANCE["switches"] * rs, TOLERANCE["switches_abs"])
        check(abs(gs - rs) <= tol, f"{label}: {name} switches {gs} within {tol:.0f} of conctop's {rs}")
        check(abs(gr - rr) <= TOLERANCE["run"] * rr,
              f"{label}: {name} run time {gr / 1e6:.2f} ms within {TOLERANCE['run']:.0%} of conctop's "
              f"{rr / 1e6:.2f} ms")


def import_text(text, *args):
    """Imports a text; returns (result, trace path)."""
    out = text + ".ctrace"
    return conctop("import", text, "-o", out, *args), out


def timehist(data):
    """perf sched timehist -s: tid -> (sched-in count, run ms), plus -1's."""
    r = run(["perf", "sched", "timehist", "-i", data, "-s"], timeout=120)
    rows = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(.*)\[(-?\d+)(?:/-?\d+)?\]\s+(-?\d+)\s+(\d+)\s+([\d.]+)\s", line)
        if m:
            tid = int(m.group(2))
            n, ms = rows.get(tid, (0, 0.0))
            rows[tid] = (n + int(m.group(4)), ms + float(m.group(5)))
    return rows


def perf_part(ref):
    """perf sched record, perf script, import; against timehist and conctop."""
    data = os.path.join(TMP, "perf.data")
    r = run(["perf", "sched", "record", "-m", "16M", "-o", data, "--", *HANDOFF], timeout=60)
    if not check(r.returncode == 0, "perf sched record of handoff", r.stderr[-300:]):
        return
    text = os.path.join(TMP, "perf.txt")
    with open(text, "w") as f:
        r = subprocess.run(["perf", "script", "-i", data, "--ns", "-F", "comm,pid,tid,cpu,time,event,trace",
                            "--show-lost-events"], stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
    check(r.returncode == 0, "perf script writes the text")
    r, trace = import_text(text)
    if not check(r.returncode == 0, "perf text imports", r.stderr[-400:]):
        return
    check("perf script" in r.stderr and "no attribution" in r.stderr,
          "the summary names the format and says there is no attribution", r.stderr[:300])
    rep = report_json(trace)
    ncpu = os.cpu_count()
    check(rep["ncpus"] <= ncpu and rep["ncpus"] >= 1, f"the CPU count comes from the data ({rep['ncpus']})")
    # exact: timehist counts a switch for the task perf's sample names;
    # perf names an exiting task -1, so its last switch (and run) is -1's
    minus_one = {}
    for line in open(text):
        m = re.search(r"\s(-?\d+)(?:/(-?\d+))?\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch: .*prev_pid=(\d+) ", line)
        if m:
            tid = int(m.group(2) or m.group(1))
            if tid == -1:
                minus_one[int(m.group(5))] = minus_one.get(int(m.group(5)), 0) + 1
    th = timehist(data)
    ours = {}
    for t in rep["threads"]:
        n = t["voluntary_switches"] + t["involuntary_switches"] + (1 if t.get("exited") else 0)
        a, b = ours.get(t["tid"], (0, 0))
        ours[t["tid"]] = (a + n, b + t["run_ns"])
    bad = [(tid, ours.get(tid, (0, 0))[0] - minus_one.get(tid, 0), n) for tid, (n, _) in th.items()
           if tid > 0 and ours.get(tid, (0, 0))[0] - minus_one.get(tid, 0) != n]
    check(not bad and len(th) > 3, f"per-thread switches equal perf sched timehist's exactly ({len(th)} tasks)",
          f"(tid, ours, timehist): {bad[:8]}")
    check(th.get(-1, (0, 0))[0] == sum(minus_one.values()),
          "timehist's -1 task has exactly the exit switches perf could not name",
          f"{th.get(-1)} vs {sum(minus_one.values())}")
    for name in ("ping", "pong"):
        tids = [t["tid"] for t in rep["threads"] if t["name"] == name]
        if check(len(tids) == 1 and tids[0] in th, f"perf: {name} is a thread in both"):
            ms_ours, ms_th = ours[tids[0]][1] / 1e6, th[tids[0]][1]
            # the switch counts above are exact; run time is printed, not
            # asserted equal: when the kernel leaves a switch unreported
            # (docs/tracer.md, "Anomalies") conctop and timehist estimate the
            # missing interval differently (seen: 53.5 vs 108.5 ms once)
            print(f"  perf: {name} run time {ms_ours:.3f} ms, timehist's {ms_th:.3f} ms")
    lost = "LOST" in r.stderr
    if lost:
        skip("perf: against conctop's own recording", "perf lost events on this busy machine: record again")
    else:
        compare("perf", threads_by_name(trace, ("ping", "pong")), ref)
    # the default perf script fields (no pid, µs times) give the same switches
    plain = os.path.join(TMP, "perf-plain.txt")
    with open(plain, "w") as f:
        subprocess.run(["perf", "script", "-i", data], stdout=f, stderr=subprocess.DEVNULL, timeout=120)
    r2, trace2 = import_text(plain)
    if check(r2.returncode == 0, "perf's default text imports too", r2.stderr[-300:]):
        a = {t["tid"]: t["voluntary_switches"] + t["involuntary_switches"] for t in rep["threads"]}
        b = {t["tid"]: t["voluntary_switches"] + t["involuntary_switches"] for t in report_json(trace2)["threads"]}
        check(a == b, "perf's default fields give the same switches as -F with pids")
    return text


def tracefs_state():
    """The tracefs settings trace-cmd changes, to put back."""
    state = {}
    for f in ("options/function-trace", "tracing_on"):
        try:
            with open(os.path.join(TRACEFS, f)) as fh:
                state[f] = fh.read().strip()
        except OSError:
            pass
    return state


def restore_tracefs(state):
    """Puts tracefs back: events off, buffer empty, settings as they were."""
    for f, v in [("events/enable", "0"), ("trace", "")] + list(state.items()):
        try:
            with open(os.path.join(TRACEFS, f), "w") as fh:
                fh.write(v)
        except OSError:
            pass


def trace_cmd_part(ref):
    """trace-cmd record -e sched, trace-cmd report, import; against conctop."""
    data = os.path.join(TMP, "trace.dat")
    state = tracefs_state()
    # System-wide, stopped with SIGINT: on this kernel the function tracer's
    # files are not writable, and trace-cmd 3.1 crashes when given a command
    # (it sets set_ftrace_pid) and fails at its end unless told -k; -d keeps
    # it off the function tracer.
    # (stdbuf: into a file, trace-cmd's "Hit Ctrl^C" waits in its stdio
    # buffer until it exits, and the wait below ran its whole 15 s)
    log = open(os.path.join(TMP, "trace-cmd.log"), "w+")
    rec = subprocess.Popen(["stdbuf", "-oL", "trace-cmd", "record", "-k", "-d", "-e", "sched", "-o", data],
                           stdout=log, stderr=log)
    try:
        deadline = time.time() + 15
        while time.time() < deadline and rec.poll() is None:
            log.seek(0)
            if "Hit Ctrl^C" in log.read():
                break
            time.sleep(0.1)
        else:
            print(f"  trace-cmd record did not say it records within 15 s (exited: {rec.poll()}): going on")
        time.sleep(0.3)
        run(HANDOFF, timeout=30)
        rec.send_signal(signal.SIGINT)
        rec.wait(timeout=60)
    finally:
        if rec.poll() is None:
            rec.kill()
            rec.wait()
        restore_tracefs(state)
    log.seek(0)
    if not check(rec.returncode == 0 and os.path.exists(data), "trace-cmd record -e sched of handoff",
                 log.read()[-300:]):
        return
    texts = {}
    for k, (variant, args) in enumerate((("plain", []), ("-R", ["-R"]), ("-N -t", ["-N", "-t"]))):
        text = os.path.join(TMP, f"tc{k}.txt")
        with open(text, "w") as f:
            subprocess.run(["trace-cmd", "report", *args, "-i", data], stdout=f, stderr=subprocess.DEVNULL,
                           timeout=120)
        r, trace = import_text(text, "--comm", "handoff")
        if check(r.returncode == 0, f"trace-cmd report {variant} text imports", r.stderr[-300:]):
            texts[variant] = threads_by_name(trace, ("ping", "pong"))
    if "plain" in texts:
        compare("trace-cmd", texts["plain"], ref)
        same = all({k: v[0] for k, v in t.items()} == {k: v[0] for k, v in texts["plain"].items()}
                   for t in texts.values())
        check(same, "trace-cmd report's three outputs give the same switches", str(texts))


def errors_part(text):
    """Malformed texts: each error names its line and what to do."""
    lines = open(text).read().splitlines()
    def write(name, body):
        p = os.path.join(TMP, name)
        with open(p, "w") as f:
            f.write("\n".join(body) + "\n")
        return p
    i = next(k for k, l in enumerate(lines) if "sched_switch" in l and k > 5)
    cut = write("cut.txt", lines[:i] + [lines[i][:len(lines[i]) // 2]])
    r, _ = import_text(cut)
    check(r.returncode == 1 and f"line {i + 1}:" in r.stderr, "a cut line is an error naming its line",
          r.stderr.strip())
    cut2 = write("cut2.txt", lines[:i] + [lines[i][:lines[i].index("next_pid=") + 9]])
    r, _ = import_text(cut2)
    check(r.returncode == 1 and f"line {i + 1}:" in r.stderr and "next_pid" in r.stderr,
          "a line cut inside its fields names the missing field", r.stderr.strip())
    m = re.match(r"(.*\]\s+)([\d.]+)(:\s+)sched:\S+: .*", lines[i])
    unknown = f"{m.group(1)}{m.group(2)}{m.group(3)}irq:irq_handler_entry: irq=11 name=eth0"
    r, trace = import_text(write("unknown.txt", lines[:i] + [unknown] + lines[i:]))
    check(r.returncode == 0 and f"irq_handler_entry 1 (line {i + 1})" in r.stderr and "not understood" in r.stderr,
          "an unknown event is counted and reported with its line, not an error", r.stderr[-300:])
    j = next(k for k in range(i + 1, len(lines)) if re.search(r"\] +([\d.]+):", lines[k]).group(1) !=
             re.search(r"\] +([\d.]+):", lines[i]).group(1))
    swapped = lines[:i] + [lines[j]] + lines[i + 1:j] + [lines[i]] + lines[j + 1:]
    r, _ = import_text(write("order.txt", swapped))
    check(r.returncode == 1 and "time goes back" in r.stderr and re.search(r"line \d+:", r.stderr),
          "times out of order are an error naming the line", r.stderr.strip()[:200])
    r, _ = import_text(write("garbage.txt", lines[:i] + ["this is not a trace line"] + lines[i:]))
    check(r.returncode == 1 and f"line {i + 1}:" in r.stderr, "a garbage line is an error naming its line")
    r, _ = import_text(os.path.join(TMP, "perf.data"))
    check(r.returncode == 1 and "perf script" in r.stderr, "perf.data itself: says to run perf script",
          r.stderr.strip())
    r, out = import_text(write("empty.txt", ["# nothing"]))
    check(r.returncode == 1 and "no event lines" in r.stderr and not os.path.exists(out),
          "a text without events: an error, and no trace left behind")
    out = os.path.join(TMP, "nomatch.ctrace")
    r = conctop("import", text, "-o", out, "--pid", "999999", "-q")
    check(r.returncode == 1 and "no task matched --pid or --comm" in r.stderr and not os.path.exists(out),
          "--pid matching no task: an error, even with -q, and no trace left behind (it wrote an empty one, exit 0)",
          f"exit {r.returncode}: {r.stderr.strip()}")
    # text that is not a regular file: copied aside first (it is read
    # twice), the same trace as from the file; a text with no newline ends
    # at once (it read /dev/zero forever)
    r, ref = import_text(text, "-q")
    fifo = os.path.join(TMP, "text.fifo")
    os.mkfifo(fifo)
    feeder = subprocess.Popen(["sh", "-c", f"cat {text} > {fifo}"])
    out = os.path.join(TMP, "fifo.ctrace")
    r = conctop("import", fifo, "-o", out, "-q", timeout=60)
    feeder.wait(timeout=60)
    # a non-ASCII task name: report's columns are characters, not bytes
    u = write("unicode.txt", [
        "ünïcödé-wörker 11 [000] 0.000100: sched:sched_switch: prev_comm=ünïcödé-wörker prev_pid=11 prev_prio=120 "
        "prev_state=S ==> next_comm=plain next_pid=12 next_prio=120",
        "plain 12 [000] 0.000300: sched:sched_switch: prev_comm=plain prev_pid=12 prev_prio=120 prev_state=S ==> "
        "next_comm=swapper/0 next_pid=0 next_prio=120"])
    r, ut = import_text(u, "-q")
    rows = [l for l in conctop("report", ut).stdout.splitlines() if l.startswith(("ünï", "plain"))]
    cols = {(l.index(" 11 ") if " 11 " in l else l.index(" 12 "), l.index(" 0.")) for l in rows}
    check(r.returncode == 0 and len(rows) == 2 and len(cols) == 1,
          "report: a row with a non-ASCII name lines up with the others (columns in characters)", "\n".join(rows))
    rep = conctop("report", ref).stdout
    line = next((l for l in rep.splitlines() if l.startswith("recorded")), "")
    check(line.startswith("recorded  at an unknown date (") and "1970" not in line and "Linux ," not in line,
          "report of an imported trace: no made-up date, no empty host or kernel", line)
    dump = lambda p: conctop("dump", p).stdout
    check(r.returncode == 0 and dump(out) == dump(ref) and dump(ref),
          "a named pipe is imported as the file it carries", f"exit {r.returncode}: {r.stderr.strip()}")
    for args, stdin in ((["import", "/dev/zero"], None), (["import", "-"], "/dev/zero")):
        out = os.path.join(TMP, "zero.ctrace")
        with open(stdin or "/dev/null") as f:
            try:
                r = subprocess.run([CONCTOP, *args, "-o", out], stdin=f, capture_output=True, text=True, timeout=30)
            except subprocess.TimeoutExpired:
                check(False, f"{' '.join(args)}: a text without newlines ends at once", "hung")
                continue
        check(r.returncode == 1 and "line 1: a NUL byte: this is not text" in r.stderr and not os.path.exists(out)
              and not os.path.exists(out + ".part"),
              f"{' '.join(args)}{' < ' + stdin if stdin else ''}: a text without newlines ends at once, "
              "naming its line, nothing left", f"exit {r.returncode}: {r.stderr.strip()}")
    # endless text with no NUL and no newline, through a pipe: the copy stops
    # after a line may be (1 MiB), and the line is refused
    out = os.path.join(TMP, "endless.ctrace")
    endless = subprocess.Popen(["tr", "\\0", "a"], stdin=open("/dev/zero"), stdout=subprocess.PIPE)
    try:
        r = subprocess.run([CONCTOP, "import", "-", "-o", out], stdin=endless.stdout, capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 1 and "line 1: longer than 4096 bytes" in r.stderr and not os.path.exists(out),
              "import - < endless text without newlines: ends at once, naming its line", f"exit {r.returncode}: "
              f"{r.stderr.strip()}")
    except subprocess.TimeoutExpired:
        check(False, "import - < endless text without newlines: ends at once", "hung")
    finally:
        endless.kill()
        endless.wait()


def hints_part():
    """The summary's hint for texts without processes fits the tool that
    wrote the text (it named perf's option for every format)."""
    switch = "prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120"
    texts = {
        "perf script": (f"conctop-x 1 [000] 0.000100: sched:sched_switch: {switch}\n", "perf script -F +pid"),
        "ftrace trace file": (f"# tracer: nop\n#\n           <idle>-0     [000] d..2.  100.000100: sched_switch: "
                              f"{switch}\n", "options/record-tgid"),
        "trace-cmd report": ("cpus=2\n           <idle>-0     [000] 100.000100: sched_switch:         a:1 [120] S "
                             "==> b:2 [120]\n", None),
    }
    for fmt, (body, hint) in texts.items():
        path = os.path.join(TMP, "hint-" + fmt.replace(" ", "-") + ".txt")
        with open(path, "w") as f:
            f.write(body)
        r, _ = import_text(path)
        line = next((l for l in r.stderr.splitlines() if "processes: the text does not say them" in l), "")
        named = [h for h in ("perf script -F +pid", "options/record-tgid") if h in line]
        check(r.returncode == 0 and f"the {fmt} text" in r.stderr and line and named == ([hint] if hint else []) and
              "MISSING SWITCHES" not in r.stderr,
              f"import summary: a {fmt} text without processes gets {hint or 'no tool hint'}", line or r.stderr)


def missed_part():
    """A report whose switches came mostly without the switch-in before
    them (a run once had 1058 of 7184, said only in a count) warns that the
    run and runnable times around them are estimates; one without does not."""
    lines, prev = [], {0: 100}
    for i in range(40):  # each switch names a prev the CPU's last switch did not put there, half the time
        p = prev[0] if i % 2 else 300 + i
        n = 200 + i
        lines.append(f"  t{p} {p} [000] {1 + i / 1000:.6f}: sched:sched_switch: prev_comm=t{p} prev_pid={p} "
                     f"prev_prio=120 prev_state=S ==> next_comm=t{n} next_pid={n} next_prio=120")
        prev[0] = n
    path = os.path.join(TMP, "missed.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    r, trace = import_text(path)
    said = re.search(r"MISSING SWITCHES: (\d+) of (\d+) switches .*perf record -a", r.stderr)
    check(r.returncode == 0 and said and said.groups() == ("19", "40"),
          "import says when the text lacks switches (perf record without -a: a task switched to and never off "
          "looked as if it ran to the end, said nowhere): 19 of 40 here", r.stderr[-600:])
    rep = conctop("report", trace)
    check(r.returncode == 0 and "of the switches came without the switch-in before them" in rep.stdout,
          "report warns when more than 1% of the switches lack their switch-in", rep.stdout[-600:])
    rep = conctop("report", os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "prodcons.ctrace"))
    check("came without the switch-in" not in rep.stdout, "report does not warn for prodcons (2 of 258: under 1%)",
          rep.stdout[-400:])


def main():
    hints_part()
    missed_part()
    if not bpf_available("import integration tests"):
        finish()
    for tool in ("perf", "trace-cmd"):
        if run(["sh", "-c", f"command -v {tool}"]).returncode != 0:
            check(False, f"{tool} is installed (make deps installs it)")
            finish()
    texts = []

    def recorded_three_ways():
        """conctop, perf and trace-cmd record the same kind of run; their
        run times agree only as far as the machine lets three separate runs
        agree, hence retried (the switch counts against timehist stay exact)."""
        texts.clear()
        own = os.path.join(TMP, "own.ctrace")
        r = conctop("record", "-q", "--no-attribution", "-o", own, "--", *HANDOFF, timeout=60)
        if not check(r.returncode == 0, "conctop records handoff itself", r.stderr[-300:]):
            return
        ref = threads_by_name(own, ("ping", "pong"))
        texts.append(perf_part(ref))
        trace_cmd_part(ref)
    retried(recorded_three_ways)
    if texts and texts[0]:
        errors_part(texts[0])
    finish()


main()
