"""conctop export --format perfetto, decoded independently of conctop:
`protoc --decode_raw` must read every file (and its tree must hold the
sched_switch records where Perfetto's schema puts them), and a small
protobuf reader here, knowing only the field numbers of the messages used,
checks, for recorded scenario traces: one thread descriptor per thread with
its name, exactly as many sched_switch records as the trace has switches
(also in a --from/--to window), timestamps in order per CPU, slices named
after the objects threads blocked on, flows that start and end, a window's
wait for a child named after the child that ended it after the window (the
export reads on until it knows), and (as root, on a fresh philosophers
recording) the deadlock as an annotation."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, check, conctop, dump_events, finish, report_json, run, skip, tmpdir  # noqa: E402
from protobuf import fields  # noqa: E402

TMP = tmpdir()
DATA = os.path.join(ROOT, "tests", "data")


def first(fs, num, default=None):
    """The first value of field num."""
    return next((v for n, _, v in fs if n == num), default)


def signed(v):
    """A varint as int64."""
    return v - (1 << 64) if v >= 1 << 63 else v


def read_trace(path):
    """The parts of a Perfetto trace conctop writes (Trace.packet = 1)."""
    t = {"threads": {}, "switches": 0, "per_cpu": {}, "slices": [], "instants": [], "flows_out": set(),
         "flows_in": set(), "release": None, "breaks": 0, "newtask": 0, "free": 0, "untimed_descriptors": 0}
    on_cpu = {}  # cpu -> next_pid of its last sched_switch
    data = open(path, "rb").read()
    for num, _, pkt in fields(data):
        assert num == 1
        p = fields(pkt)
        ts = first(p, 8)                                  # TracePacket.timestamp
        for n, _, v in p:
            if n == 45:                                   # system_info
                t["release"] = first(fields(first(fields(v), 1)), 3).decode()
            elif n == 60:                                 # track_descriptor
                t["untimed_descriptors"] += ts is None
                thread = first(fields(v), 4)              # .thread (ThreadDescriptor)
                if thread is not None:
                    th = fields(thread)
                    tid = signed(first(th, 2))
                    t["threads"].setdefault(tid, []).append(first(th, 5, b"").decode())
            elif n == 1:                                  # ftrace_events (FtraceEventBundle)
                b = fields(v)
                cpu = first(b, 1)
                for en, _, ev in b:
                    if en != 2:
                        continue
                    e = fields(ev)
                    t["per_cpu"].setdefault(cpu, []).append(first(e, 1))   # FtraceEvent.timestamp
                    t["newtask"] += first(e, 235) is not None                # .task_newtask
                    t["free"] += first(e, 240) is not None                   # .sched_process_free
                    sw = first(e, 4)                                         # .sched_switch
                    if sw is not None:
                        t["switches"] += 1
                        f = fields(sw)
                        prev, nxt = first(f, 2), first(f, 6)                 # prev_pid, next_pid
                        if cpu in on_cpu and on_cpu[cpu] != prev:             # (Perfetto leaves a slice open)
                            t["breaks"] += 1
                        on_cpu[cpu] = nxt
            elif n == 11:                                 # track_event
                e = fields(v)
                kind = first(e, 9)
                name = first(e, 23, b"").decode()
                if kind == 1:
                    t["slices"].append((ts, name))
                elif kind == 3:
                    t["instants"].append((ts, name))
                t["flows_out"].update(x for k, _, x in e if k == 47)
                t["flows_in"].update(x for k, _, x in e if k == 48)
    return t


def decode_raw_switches(path):
    """sched_switch records as protoc --decode_raw shows them: blocks at
    Trace.packet(1) > ftrace_events(1) > event(2) > sched_switch(4)."""
    with open(path, "rb") as f:
        r = subprocess.run(["protoc", "--decode_raw"], stdin=f, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return None, r.stderr
    path_, n = [], 0
    for line in r.stdout.splitlines():
        s = line.strip()
        if s.endswith("{"):
            path_.append(s.split()[0])
            if path_ == ["1", "1", "2", "4"]:
                n += 1
        elif s == "}":
            path_.pop()
    return n, ""


def export(trace, name, *args):
    """Exports trace; returns (result, output path)."""
    out = os.path.join(TMP, name + ".pftrace")
    return conctop("export", trace, "--format", "perfetto", "-o", out, *args), out


def check_trace(name, trace):
    """Everything the issue asks of one recorded trace."""
    r, out = export(trace, name)
    if not check(r.returncode == 0 and os.path.getsize(out) > 0, f"{name}: export --format perfetto", r.stderr):
        return
    rep = report_json(trace)
    n_raw, err = decode_raw_switches(out)
    check(n_raw is not None, f"{name}: protoc --decode_raw reads the whole file", err)
    t = read_trace(out)
    switches = rep["events_by_type"]["switch"]
    restored = rep["anomalies"]["missed_switch_in"]
    check(t["switches"] == switches + restored,
          f"{name}: one sched_switch record per switch ({switches}), and one restoring each switch-in the kernel "
          f"did not report ({restored})", f"{t['switches']} records")
    check(t["breaks"] == 0, f"{name}: each CPU's switches chain (prev is the last next): no CPU slice left open",
          f"{t['breaks']} breaks")
    check(n_raw == t["switches"], f"{name}: protoc --decode_raw finds them at the same place ({n_raw})")
    forks = rep["events_by_type"]["fork"]
    check(t["newtask"] == forks and t["free"] >= 1 and t["untimed_descriptors"] == 0,
          f"{name}: task_newtask per fork ({forks}) and sched_process_free per thread that ended ({t['free']}), "
          f"which Perfetto's importer starts and ends threads by; descriptors timed", f"{t['newtask']} newtask, "
          f"{t['untimed_descriptors']} untimed")
    tids = {th["tid"]: th["name"] for th in rep["threads"]}
    check(set(t["threads"]) == set(tids) and all(len(v) == 1 for v in t["threads"].values()),
          f"{name}: one thread descriptor per thread ({len(tids)})", f"{t['threads']} vs {tids}")
    check(all(t["threads"][k][0] == v for k, v in tids.items() if k in t["threads"]),
          f"{name}: each descriptor has the thread's name", str(t["threads"]))
    bad = [c for c, ts in t["per_cpu"].items() if any(b < a for a, b in zip(ts, ts[1:]))]
    check(not bad and len(t["per_cpu"]) == rep["ncpus"], f"{name}: timestamps in order on each CPU", str(bad))
    objects = {b["object"] for th in rep["threads"] for b in th.get("blocked_by", [])
               if b.get("object") and b.get("kind") in ("mutex", "cond", "barrier", "sem", "rwlock")}
    names = " | ".join(n for _, n in t["slices"])
    missing = [o for o in objects if o not in names]
    check(objects and not missing, f"{name}: blocked slices are named after the objects ({', '.join(sorted(objects))})",
          f"missing {missing}")
    check(t["flows_out"] and t["flows_out"] == t["flows_in"], f"{name}: every wakeup flow starts and ends",
          f"{len(t['flows_out'])} out, {len(t['flows_in'])} in")
    check(t["release"] == rep["kernel"], f"{name}: the kernel release is given (Perfetto reads prev_state by it)")
    # a window: only its switches
    evs = [e for e in dump_events(trace) if e[2] == "switch"]
    lo, hi = evs[len(evs) // 4][0], evs[len(evs) // 2][0]
    r, out = export(trace, name + "-window", "--from", f"{lo}s", "--to", f"{hi}s")
    if check(r.returncode == 0, f"{name}: export a --from/--to window", r.stderr):
        # dump prints 9 decimals: the same ns the window is cut at
        want = sum(1 for e in evs if lo <= e[0] < hi)
        w = read_trace(out)
        m = re.search(r"\((\d+) restoring switch-ins the kernel did not report, (\d+) putting", r.stderr)
        got = w["switches"] - int(m.group(1)) - int(m.group(2))
        check(got == want and w["breaks"] == 0, f"{name}: the window holds exactly its {want} switches, chained",
              f"{got}, {w['breaks']} breaks")
        # the CPUs busy at the window's start get their task from its first
        # instant (their tracks were empty until their first switch in it)
        starts = [min(ts) for ts in w["per_cpu"].values() if ts]
        check(int(m.group(2)) >= 1 and sum(1 for x in starts if x == min(starts)) >= int(m.group(2)),
              f"{name}: the window starts with each busy CPU's task ({m.group(2)} switches at its first instant)",
              r.stderr)


def check_child_wait():
    """tests/data/childwait.ctrace (mktrace): main waits for any child from
    2 ms; cc ends the wait at 20.1 ms. A window [0, 10 ms) names cc, as the
    whole does."""
    trace = os.path.join(DATA, "childwait.ctrace")
    for name, args in (("whole", ()), ("window", ("--to", "0.010"))):
        r, out = export(trace, "childwait-" + name, *args)
        names = [n for _, n in read_trace(out)["slices"]] if r.returncode == 0 else []
        check("child cc(201)" in names, f"childwait, {name}: main's wait for a child is named after cc, which "
              "ended it at 20.1 ms", f"{names} {r.stderr.strip()[:200]}")


def main():
    if run(["sh", "-c", "command -v protoc"]).returncode != 0:
        check(False, "protoc is installed (protobuf-compiler; make deps installs it)")
        finish()
    check_trace("prodcons", os.path.join(DATA, "prodcons.ctrace"))
    check_trace("barrier", os.path.join(DATA, "barrier.ctrace"))
    r = conctop("export", os.path.join(DATA, "prodcons.ctrace"), "--format", "perfetto", "--width", "80", "-o",
                os.path.join(TMP, "x.pftrace"))
    check(r.returncode == 2 and "--width" in r.stderr, "--width with perfetto is a usage error", r.stderr)
    r, out = export(os.path.join(DATA, "prodcons.ctrace"), "past-end", "--from", "1000s")
    check(r.returncode == 0 and "before --from" in r.stderr and read_trace(out)["switches"] == 0,
          "--from past the trace's end: a warning and an empty trace, as the SVG export does", r.stderr)
    check_child_wait()
    # a cut-off recording says so in the file too (it was on stderr only)
    r, out = export(os.path.join(DATA, "cutoff.ctrace"), "cutoff")
    names = [n for _, n in read_trace(out)["instants"]] if r.returncode == 0 else []
    check(any(n.startswith("the recording was cut off here") for n in names),
          "a cut-off recording's export has a note where it was cut off", f"{names[-3:]} {r.stderr[-200:]}")
    # a helper's cosmetic findings: -q, a format the name disagrees with, a text given as a trace
    r = conctop("export", "-q", "-F", "perfetto", "-o", os.path.join(TMP, "q.pftrace"), os.path.join(DATA, "prodcons.ctrace"))
    check(r.returncode == 0 and not r.stderr and os.path.getsize(os.path.join(TMP, "q.pftrace")) > 0,
          "export -q writes the Perfetto trace and says nothing", r.stderr)
    r = conctop("export", "-F", "perfetto", "-o", os.path.join(TMP, "p.svg"), os.path.join(DATA, "prodcons.ctrace"))
    check(r.returncode == 0 and "note: writing a Perfetto trace to" in r.stderr,
          "export --format perfetto -o X.svg writes it, and notes the name disagrees", r.stderr)
    text = os.path.join(TMP, "sched.txt")
    with open(text, "w") as f:
        f.write("  main 100 [000] 1.000000: sched:sched_switch: prev_comm=main prev_pid=100 prev_prio=120 "
                "prev_state=S ==> next_comm=other next_pid=200 next_prio=120\n")
    r = conctop("export", "-F", "perfetto", "-o", os.path.join(TMP, "t.pftrace"), text)
    check(r.returncode == 1 and "conctop import TEXT -o OUT.ctrace" in r.stderr,
          "a text given where a trace is read points at conctop import", r.stderr)
    if os.geteuid() != 0:
        skip("perfetto: deadlock annotation", "needs root to record philosophers (run: sudo make test)")
        finish()
    trace = os.path.join(TMP, "philosophers.ctrace")
    r = conctop("record", "-q", "-o", trace, "philosophers", timeout=60)
    if check(os.path.exists(trace), "philosophers recorded", r.stderr[-300:]):
        rep = report_json(trace)
        r, out = export(trace, "philosophers")
        t = read_trace(out)
        dl = [n for _, n in t["instants"] if n.startswith("DEADLOCK:")]
        check(len(dl) == len(rep["deadlocks"]) and dl, f"philosophers: the deadlock is an annotation ({len(dl)})",
              str(rep["deadlocks"])[:200])
        check(dl and all(th["name"] in dl[0] for th in rep["threads"] if th["name"].startswith("philosopher-")),
              "philosophers: it names every philosopher", dl[0][:300] if dl else "")
    finish()


main()
