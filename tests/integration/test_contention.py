"""Contention by object (conctop contention, report's table): real BPF.
Records the contention scenario (hot and striped), prodcons and the
philosophers, then computes the table again here, by brute force, from
`conctop dump`: every blocked interval of every thread, with the object its
last block named, the holder the lock word named, and the waking that ended
it; the figures of `conctop contention --json` (whole trace and a window)
and of `report --json` must equal those sums exactly. The hot variant's
table_lock must come first, with the most wait."""
import bisect
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (PROGS, bpf_available, check, conctop, dump_events, finish, report_json,  # noqa: E402
                     retried, tmpdir)
import json  # noqa: E402

LOCK_OPS = ("mutex_lock", "rwlock_wrlock", "rwlock_rdlock")
HOLDER_OPS = ("mutex_lock", "mutex_timedlock", "rwlock_wrlock", "rwlock_rdlock")
KIND = {"mutex": "mutex", "cond": "cond", "barrier": "barrier", "sem": "sem", "rwlock": "rwlock",
        "spin": "spin", "futex": "futex"}


def op_kind(op):
    """The kind of object a block's op works on (waits_object_kind)."""
    if op == "futex":
        return "futex"
    return KIND.get(op.split("_")[0], "")


def intervals(events, end_ns):
    """Every blocked interval of every thread, as the scheduling model sees
    it: (key, kind, tid, holder tid or 0, start, end, ended by a waking
    through its object, that waking's waker tid or 0). key is (tgid, addr)
    of the object, None when the interval has no object. Also the objects'
    labels by key."""
    blk, holder_of, opened, via, labels = {}, {}, {}, {}, {}
    asleep = {}  # tid -> it has switched out asleep since its block record
    cpu_cur = {}
    out = []
    last = 0

    def close(tid, at, handover=False, waker=0):
        start, key, kind, holder = opened.pop(tid)
        if at > start:
            out.append((key, kind, tid, holder, start, at, handover, waker if handover else 0))

    for ts_s, cpu, typ, f in events:
        ts = max(round(ts_s * 1e9), last)
        last = ts
        tid = int(f.get("tid", 0))
        if typ == "object":
            labels[(int(f["tgid"]), int(f["addr"], 16))] = f.get("text", "")
        elif typ == "block" and tid > 0:
            addr = int(f["obj"], 16)
            key = (int(f["tgid"]), addr) if addr and op_kind(f["op"]) else None
            blk[tid] = (key, f["op"])
            asleep[tid] = False
            if key and key not in labels:
                labels[key] = None, op_kind(f["op"]), addr
            if key and f["op"] in LOCK_OPS:
                holder_of[key] = max(int(f.get("holder", 0)), 0)
        elif typ == "waking":
            woken = int(f["woken"])
            if asleep.get(woken, True):  # a waking before the sleeper left its CPU: its wakeup ends it
                blk.pop(woken, None)
            via[woken] = ((int(f["tgid"]), int(f["obj"], 16)), int(f["tid"])) if "via" in f else None
        elif typ == "wakeup":
            blk.pop(tid, None)
            if tid in opened:
                v = via.get(tid)
                close(tid, ts, opened[tid][1] is not None and v is not None and v[0] == opened[tid][1],
                      v[1] if v else 0)
                via[tid] = None
        elif typ == "exit":
            blk.pop(tid, None)
        elif typ == "switch":
            state, nxt = int(f["state"], 16), int(f["next"])
            cur = cpu_cur.get(cpu)
            missed = cur is not None and cur[0] != tid
            if tid > 0:
                if tid in opened and missed:  # a switch-in the kernel did not report
                    close(tid, max(cur[1], opened[tid][0]))
                if tid in opened:
                    close(tid, ts)
                if state & 0xff and not state & 0x30:  # voluntary, not the last
                    key, op = blk.get(tid, (None, ""))
                    if tid in blk:
                        asleep[tid] = True
                    holder = holder_of.get(key, 0) if key and op in HOLDER_OPS else 0
                    opened[tid] = (ts, key, op_kind(op) if key else "", holder)
            cpu_cur[cpu] = (nxt, ts)
            if nxt > 0:
                blk.pop(nxt, None)
                if nxt in opened:
                    close(nxt, ts)
    for tid in list(opened):
        close(tid, max(end_ns, last))
    return out, labels


def label_of(labels, key):
    """The object's label as conctop says it (waits_object_label)."""
    lab = labels.get(key)
    if isinstance(lab, str):
        return lab
    _none, kind, addr = lab
    return f"{kind}@{addr:x}"


def brute_table(ivs, labels, lo, hi):
    """The contention table summed from the intervals, clipped to [lo, hi):
    {(label, tgid): row}. A wait counts for its holder up to the holder's
    first release after its start (a wait on the object, naming a holder,
    that the holder's waking through it ended)."""
    rows, releases = {}, {}
    for key, _kind, _tid, holder, _start, end, handover, waker in ivs:
        if handover and waker > 0 and holder > 0:
            releases.setdefault(key, []).append((end, waker))
    for rel in releases.values():
        rel.sort()
    for key, kind, tid, holder, start, end, handover, _waker in ivs:
        a, b = max(start, lo), min(end, hi)
        if key is None or b <= a:
            continue
        r = rows.setdefault((label_of(labels, key), key[0]), {
            "kind": kind, "waits": 0, "total_ns": 0, "longest_ns": 0, "waiters": set(), "handovers": 0,
            "held": {}})
        r["waits"] += 1
        r["total_ns"] += b - a
        r["longest_ns"] = max(r["longest_ns"], b - a)
        r["waiters"].add(tid)
        r["handovers"] += handover
        if holder > 0:
            rel, cut = releases.get(key, []), end
            for e, w in rel[bisect.bisect_right(rel, (start, float("inf"))):]:  # the releases after its start
                if e >= end:
                    break
                if w == holder:
                    cut = e
                    break
            r["held"].setdefault(holder, []).append((a, min(b, cut)))
    for r in rows.values():
        r["waiters"] = len(r["waiters"])
        held = {}
        for h, spans in r["held"].items():
            total, reach = 0, 0
            for a, b in sorted(spans):
                if b > a and b > reach:
                    total += b - max(a, reach)
                    reach = b
            held[h] = (len(spans), total)
        r["held"] = held
    return rows


def as_rows(table):
    """conctop's JSON table as {(object, tgid): row}, like brute_table's."""
    rows = {}
    for r in table:
        rows[(r["object"], r["tgid"])] = {
            "kind": r["kind"], "waits": r["waits"], "total_ns": r["total_ns"], "longest_ns": r["longest_ns"],
            "waiters": r["waiters"], "handovers": r["handovers"],
            "held": {h["tid"]: (h["waits"], h["hold_ns"]) for h in r["holders"]}}
    return rows


def diff(a, b):
    """The first difference between two tables, in words, or ''."""
    for k in sorted(set(a) | set(b)):
        if k not in a or k not in b:
            return f"{k} only in {'conctop' if k in a else 'the brute force'}"
        for f in a[k]:
            if a[k][f] != b[k][f]:
                return f"{k} {f}: conctop {a[k][f]} brute force {b[k][f]}"
    return ""


def record(name, args):
    """Records a scenario; the trace's path, or None."""
    trace = os.path.join(tmpdir(), f"{name}.ctrace")
    r = conctop("record", "-q", "-o", trace, *args, timeout=120)
    if not check(r.returncode in (0, 1, 3) and os.path.exists(trace), f"{name}: recorded",
                 f"exit {r.returncode}: {r.stderr}"):
        return None
    return trace


def contention_json(trace, *window):
    """conctop contention --json, parsed."""
    r = conctop("contention", "--json", *window, trace)
    if r.returncode != 0:
        raise RuntimeError(f"contention failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


def comparable(rows):
    """rows without what the brute force does not follow: waits for a child
    process (kind child: the child a wait for any child waited for is learnt
    from the exit that woke it; test_waitnames checks those names). (Plain
    futexes of the ASan runtime were left out too while an unnamed object's
    label was a shortened address: two words whose addresses differed only
    in the middle digits had one label, "futex@6400..08", and the tables
    keyed by label merged them; labels now carry the whole address.)"""
    return {k: r for k, r in rows.items() if r["kind"] != "child"}


def check_trace(name, trace, hot=False):
    """The table of one trace against the brute force, whole and windowed."""
    rep = report_json(trace)
    end = rep["duration_ns"]
    ivs, labels = intervals(dump_events(trace), end)
    mine = contention_json(trace)
    want = comparable(brute_table(ivs, labels, 0, end))
    got = comparable(as_rows(mine["contention"]))
    print(f"  {name}: {len(got)} objects; " + "; ".join(
        f"{k[0]}: {r['waits']} waits {r['total_ns'] / 1e6:.3f} ms" for k, r in list(got.items())[:4]))
    check(want and not diff(got, want), f"{name}: every figure of the table equals the brute-force sums "
          f"over the dump's {sum(1 for i in ivs if i[0])} blocked intervals on objects", diff(got, want))
    check(comparable(as_rows(rep["contention"])) == got, f"{name}: report --json has the same table")
    totals = [r["total_ns"] for r in mine["contention"]]
    check(totals == sorted(totals, reverse=True), f"{name}: rows by total wait, largest first", f"{totals}")
    # (waits for a child left out, as in comparable: LSan's own child at exit)
    per_obj = {}
    for t in rep["threads"]:
        for b in t["blocked_by"]:
            if b["object"] and b["kind"] != "child":
                per_obj[(b["object"], t["tgid"])] = per_obj.get((b["object"], t["tgid"]), 0) + b["ns"]
    # summed by label and process, as the report's blocked_by sums them
    table = {}
    for r in mine["contention"]:
        if r["kind"] != "child":
            table[(r["object"], r["tgid"])] = table.get((r["object"], r["tgid"]), 0) + r["total_ns"]
    check(per_obj == table, f"{name}: each object's total equals the threads' blocked_by on it",
          f"report {per_obj}, contention {table}")
    lo, hi = end // 3, 2 * end // 3
    win = contention_json(trace, "--from", f"{lo}ns", "--to", f"{hi}ns")
    wwant = comparable(brute_table(ivs, labels, lo, hi))
    check(not diff(comparable(as_rows(win["contention"])), wwant),
          f"{name}: the window [{lo / 1e6:.1f}, {hi / 1e6:.1f}) ms equals the brute force clipped to it",
          diff(comparable(as_rows(win["contention"])), wwant))
    if hot:
        first = mine["contention"][0] if mine["contention"] else {}
        check(first.get("object") == "table_lock" and first.get("kind") == "mutex" and first.get("waiters", 0) >= 2,
              f"{name}: table_lock comes first, the most waited-on, by {first.get('waiters')} threads",
              f"{mine['contention'][:2]}")
        check(first.get("handovers", 0) > 0 and first.get("holders"),
              f"{name}: table_lock has handovers and holders ({first.get('handovers')} handovers, "
              f"{len(first.get('holders', []))} holders)")
    return mine


def test_scenarios():
    """The four traces."""
    # hot runs 2000 requests a worker (not the default 500): its table_lock
    # waits then outweigh the start barrier's, which a busy machine (slow to
    # start the workers) stretched past them (25 ms against 19 ms once)
    for name, args, hot in (("hot", ["contention", "--variant", "hot", "--requests", "2000"], True),
                            ("striped", ["contention", "--variant", "striped"], False),
                            ("prodcons", ["prodcons"], False),
                            ("philosophers", ["philosophers"], False)):
        trace = record(name, args)
        if trace:
            check_trace(name, trace, hot)


def test_usage():
    """Usage errors exit 2, an unreadable file 1."""
    check(conctop("contention").returncode == 2, "no file is a usage error (2)")
    check(conctop("contention", "--bogus", "x").returncode == 2, "an unknown option is a usage error (2)")
    check(conctop("contention", "--from", "zz", "x").returncode == 2, "a bad time is a usage error (2)")
    for bad in ("0x10", "1e3", " 1", "1.2.3"):
        r = conctop("contention", "--from", bad, "x")
        check(r.returncode == 2 and "needs a time like" in r.stderr,
              f"--from '{bad}': a time is a plain decimal number (strtod would take it), a usage error (2)",
              r.stderr[-200:])
    check(conctop("contention", "--from", "2s", "--to", "1s", "x").returncode == 2,
          "--to before --from is a usage error (2)")
    r = conctop("contention", "/nonexistent.ctrace")
    check(r.returncode == 1 and "nonexistent" in r.stderr, "a missing file exits 1 naming it", r.stderr)
    check(conctop("contention", "--help").returncode == 0, "--help exits 0")


def test_memory():
    """contention and report sum the table as they read, holding threads,
    objects and holders, not waits; path holds every state. A mutex and
    condvar ping-pong of 250 000 rounds (about half a million waits) under
    --memory 16M: contention and report give the same table as with no
    cap; path stops with exit 1 saying how far it got. A trace of 100 000
    threads blocked on 100 000 mutexes (mktrace lockers100k) passes 16 MB
    even so: contention stops, exit 1; report leaves its table out, saying
    so (text, a warning, JSON null), and exits 0; with --memory 0 the
    table has its 100 000 rows. 100 000 threads with no wait on an object
    (threads100k) pass it too: contention gives the empty table; with a
    wait for a child process before or after them, it stops."""
    trace = os.path.join(tmpdir(), "pingpong.ctrace")
    r = conctop("record", "-o", trace, "--", os.path.join(PROGS, "pingpong"), "--rounds", "250000", timeout=120)
    if not check(r.returncode == 0, "memory: recorded the ping-pong", r.stderr[-300:]):
        return
    whole = conctop("contention", "--json", "--memory", "0", trace)
    rows = json.loads(whole.stdout)["contention"] if whole.returncode == 0 else []
    check(any(row["object"] == "token_lock" for row in rows) and sum(row["waits"] for row in rows) > 100000,
          "memory: contention --memory 0 has the table: token_lock in it, over 100 000 waits",
          whole.stderr[-300:])
    r = conctop("contention", "--json", "--memory", "16M", trace)
    check(r.returncode == 0 and r.stdout == whole.stdout,
          "memory: contention --memory 16M of half a million waits: the same table as with no cap",
          f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
    r = conctop("report", "--json", "--memory", "16M", trace)
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check(rep.get("contention") == rows and rep.get("threads"),
          "memory: report --json --memory 16M: the same table, the rest there", r.stderr[-300:])
    r = conctop("path", "--memory", "16M", "--thread", "ping", trace)
    said = ("its threads' history needs more memory than the cap of 16 MB (--memory; by default half the "
            "machine's): it took that much up to")
    check(r.returncode == 1 and said in r.stderr and "raise --memory" in r.stderr,
          "memory: path --memory 16M of half a million waits stops, exit 1, saying how far it got",
          f"exit {r.returncode}: {r.stderr.strip()[-300:]}")

    where = tmpdir()
    r = subprocess.run([os.path.join(PROGS, "mktrace"), where, "lockers100k"], capture_output=True, text=True,
                       timeout=120)
    if not check(r.returncode == 0, "memory: mktrace lockers100k", r.stderr[-300:]):
        return
    trace = os.path.join(where, "lockers100k.ctrace")
    said = ("its contention table needs more memory than the cap of 16 MB (--memory; by default half the "
            "machine's): it took that much up to")
    r = conctop("contention", "--memory", "16M", trace)
    check(r.returncode == 1 and said in r.stderr and "raise --memory" in r.stderr,
          "memory: contention --memory 16M of 100 000 threads and mutexes stops, exit 1, saying how far it got",
          f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
    r = conctop("report", "--memory", "16M", trace)
    check(r.returncode == 0 and "the contention by object is left out" in r.stderr and said in r.stderr and
          r.stdout.rstrip().endswith("left out: it needs more memory than --memory allows (see the warning)"),
          "memory: report --memory 16M of them prints the rest and leaves the contention table out, saying so, "
          "exit 0", f"exit {r.returncode}: {r.stderr.strip()[-300:]} / {r.stdout[-200:]}")
    r = conctop("report", "--json", "--memory", "16M", trace)
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check("contention" in rep and rep["contention"] is None and rep.get("threads"),
          "memory: report --json --memory 16M of them: \"contention\": null, the rest there", r.stderr[-300:])
    r = conctop("contention", "--json", "--memory", "0", trace)
    rows = json.loads(r.stdout)["contention"] if r.returncode == 0 else []
    check(len(rows) == 100000 and all(row["waits"] == 1 and row["kind"] == "mutex" for row in rows),
          "memory: contention --memory 0 of them: 100 000 rows of one mutex wait each", r.stderr[-300:])

    # 100 000 threads that never wait on an object (mktrace threads100k)
    # pass 16 MB too, but only a wait on an object needs them: contention
    # drops them and reads on for an event that can make one, and gives
    # the empty table report gives. A wait for a child process seen only as
    # system call events makes one: before the threads (earlywait100k) or
    # after them (latewait100k), contention stops as for lockers100k,
    # naming where it passed the cap (the build that looked for blocks and
    # calls alone crashed on the first and printed the empty table for the
    # second), and with no cap its table has the child.
    r = subprocess.run([os.path.join(PROGS, "mktrace"), where, "threads100k", "earlywait100k", "latewait100k"],
                       capture_output=True, text=True, timeout=120)
    if not check(r.returncode == 0, "memory: mktrace threads100k earlywait100k latewait100k", r.stderr[-300:]):
        return
    trace = os.path.join(where, "threads100k.ctrace")
    whole = conctop("contention", "--json", "--memory", "0", trace)
    r = conctop("contention", "--json", "--memory", "16M", trace)
    check(whole.returncode == 0 and json.loads(whole.stdout)["contention"] == [] and r.returncode == 0 and
          r.stdout == whole.stdout and not r.stderr,
          "memory: contention --memory 16M of 100 000 threads with no wait on an object: the empty table, as with "
          "no cap, exit 0", f"exit {r.returncode}: {r.stderr.strip()[-300:]}")
    r = conctop("contention", "--memory", "16M", trace)
    check(r.returncode == 0 and r.stdout.strip() == "no thread blocked on an object of the program",
          "memory: the same as text", f"exit {r.returncode}: {r.stdout[-200:]} {r.stderr.strip()[-300:]}")
    for name, when in (("earlywait100k", "before"), ("latewait100k", "after")):
        trace = os.path.join(where, name + ".ctrace")
        r = conctop("contention", "--memory", "16M", trace)
        at = re.search(r"up to ([0-9.]+) s", r.stderr)
        check(r.returncode == 1 and said in r.stderr and at and float(at.group(1)) < 0.9,
              f"memory: contention --memory 16M of them and a wait for a child process {when} them (system call "
              "events only) stops, exit 1, naming where it passed the cap (not the end, 1 s)",
              f"exit {r.returncode}: {r.stdout[-200:]} {r.stderr.strip()[-300:]}")
        r = conctop("contention", "--json", "--memory", "0", trace)
        rows = json.loads(r.stdout)["contention"] if r.returncode == 0 else []
        check([(row["kind"], row["waits"]) for row in rows] == [("child", 1)],
              f"memory: contention --memory 0 of {name}: the child, one wait", r.stderr[-300:])
    r = conctop("report", "--json", trace)
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check([(row["kind"], row["waits"]) for row in rep.get("contention") or []] == [("child", 1)],
          "memory: report --json of latewait100k has the child in its table (it looked for blocks and calls alone, "
          "and left it out)", r.stderr[-300:])


def main():
    test_usage()
    if bpf_available("contention integration tests"):
        retried(test_scenarios)
        test_memory()
    finish()


if __name__ == "__main__":
    main()
