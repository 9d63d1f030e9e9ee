"""The critical path (conctop path): real BPF, the test program
tests/progs/critchain.c, whose chain is known: chain-a waits on chain_cv for
chain-b, which waits on chain_m2 for chain-c, which holds it while it runs
busy for 50 ms of CPU time (after the main thread's go through the
semaphore chain_go).
The path of chain-a over its wait must go down that chain and name
chain-c's running as the cause, each charged time within 1 ms of the
program's own clock readings."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import PROGS, bpf_available, check, conctop, finish, report_json, retried, tmpdir  # noqa: E402

CRITCHAIN = os.path.join(PROGS, "critchain")
MS = 1_000_000


def child(nodes, parent, name, kind, obj):
    """The node under nodes[parent] for thread name on (kind, obj), or None."""
    for n in nodes:
        if n["parent"] == parent and n["name"] == name and n["kind"] == kind and n["object"] == obj:
            return n
    return None


def near(a, b):
    """Within 1 ms."""
    return abs(a - b) <= MS


def test_chain():
    """Records critchain and follows chain-a's wait down to chain-c."""
    trace = os.path.join(tmpdir(), "chain.ctrace")
    r = conctop("record", "-q", "-o", trace, "--", CRITCHAIN, timeout=60)
    line = [x for x in r.stdout.splitlines() if x.startswith("critchain: ")]
    if not check(r.returncode == 0 and line, "critchain recorded", f"exit {r.returncode}: {r.stdout} {r.stderr}"):
        return
    start = report_json(trace)["start_monotonic_ns"]
    t = {k: int(v) - (0 if k == "c_cpu" else start) for k, v in (kv.split("=") for kv in line[0].split()[1:])}
    print(f"  critchain (ms from the trace's start): " + ", ".join(f"{k} {v / MS:.3f}" for k, v in t.items()))
    r = conctop("path", "--json", "--thread", "chain-a", "--from", f"{t['a_wait']}ns", "--to", f"{t['a_woke']}ns",
                trace)
    if not check(r.returncode == 0, "path of chain-a over its wait", r.stderr):
        return
    nodes = json.loads(r.stdout)["nodes"]
    for i, n in enumerate(nodes):
        print(f"  {'  ' * n['depth']}[{i}] {n['name']} {n['kind']} {n['object']} charged {n['charged_ns'] / MS:.3f} "
              f"running {n['running_ns'] / MS:.3f} runnable {n['runnable_ns'] / MS:.3f} "
              f"(behind other programs {n['runnable_behind']['other_program'] / MS:.3f}) "
              f"blocked {n['blocked_ns'] / MS:.3f} unexplained {n['unexplained']}")
    root = nodes[0]
    check(root["name"] == "chain-a" and root["depth"] == 0, "the root is chain-a", f"{root}")
    b = child(nodes, 0, "chain-b", "cond", "chain_cv")
    if not check(b is not None, "chain-a's wait on chain_cv is charged to chain-b", f"{nodes[:3]}"):
        return
    check(near(b["charged_ns"], t["b_signal"] - t["a_wait"]),
          "chain-a waited on chain_cv from its call to chain-b's signal, within 1 ms "
          f"({b['charged_ns'] / MS:.3f} ms, the program's clock {(t['b_signal'] - t['a_wait']) / MS:.3f} ms)")
    c = child(nodes, nodes.index(b), "chain-c", "mutex", "chain_m2")
    if not check(c is not None, "chain-b's wait on chain_m2 is charged to chain-c", f"{nodes}"):
        return
    check(near(c["charged_ns"], t["c_release"] - t["b_lock"]),
          "chain-b waited on chain_m2 from its lock call to chain-c's unlock, within 1 ms "
          f"({c['charged_ns'] / MS:.3f} ms, the program's clock {(t['c_release'] - t['b_lock']) / MS:.3f} ms)")
    awake = c["running_ns"] + c["runnable_ns"]
    check(near(awake, t["c_release"] - t["m_go"]),
          "chain-c ran or waited for a CPU from the go to its unlock, within 1 ms "
          f"({awake / MS:.3f} ms, the program's clock {(t['c_release'] - t['m_go']) / MS:.3f} ms)")
    # the trace's running time also holds what the hypervisor stole: at least
    # the CPU time the program counted, at most the wall time of its run
    check(t["c_cpu"] - MS <= c["running_ns"] <= t["c_release"] - t["c_start"] + MS,
          f"chain-c's running ({c['running_ns'] / MS:.3f} ms) is on the path: at least the "
          f"{t['c_cpu'] / MS:.3f} ms of CPU its busy run used, less 1 ms, and within its "
          f"{(t['c_release'] - t['c_start']) / MS:.3f} ms of wall time", f"{c}")
    go = child(nodes, nodes.index(c), "critchain", "sem", "chain_go")
    check(go is not None and near(go["charged_ns"], t["m_go"] - t["b_lock"]),
          "before that chain-c waited on chain_go for the main thread, within 1 ms "
          f"({go['charged_ns'] / MS if go else 0:.3f} ms, the program's clock {(t['m_go'] - t['b_lock']) / MS:.3f} ms)")
    total = root["running_ns"] + root["runnable_ns"] + root["blocked_ns"] + root["not_alive_ns"]
    check(total == t["a_woke"] - t["a_wait"], "the root's times add up to the window",
          f"{total} vs {t['a_woke'] - t['a_wait']}")
    bad = [i for i, n in enumerate(nodes) if i and
           n["running_ns"] + n["runnable_ns"] + n["blocked_ns"] + n["not_alive_ns"] != n["charged_ns"]]
    bad += [i for i, n in enumerate(nodes) if
            sum(m["charged_ns"] for m in nodes if m["parent"] == i) + sum(n["unexplained"].values()) != n["blocked_ns"]]
    bad += [i for i, n in enumerate(nodes) if sum(n["runnable_behind"].values()) != n["runnable_ns"]]
    check(not bad, "each node's times add up to its charge, its blocked time to its children and the rest, "
          "its runnable time to what its CPU ran", f"nodes {bad}")
    r = conctop("path", "--json", "--depth", "2", "--thread", "chain-a", "--from", f"{t['a_wait']}ns", "--to",
                f"{t['a_woke']}ns", trace)
    shallow = json.loads(r.stdout)["nodes"] if r.returncode == 0 else []
    check(shallow and max(n["depth"] for n in shallow) == 1 and
          child(shallow, 0, "chain-b", "cond", "chain_cv")["unexplained"]["depth"] == c["charged_ns"],
          "--depth 2 stops at chain-b, its wait left as deeper than the limit", f"{shallow}")
    r = conctop("path", "--thread", "chain-a", "--from", f"{t['a_wait']}ns", "--to", f"{t['a_woke']}ns", trace)
    check(r.returncode == 0 and "woken by chain-c" in r.stdout and "blocked on mutex chain_m2" in r.stdout,
          "the text names chain-c and chain_m2", r.stdout)
    print("\n".join("  | " + x for x in r.stdout.splitlines()))


def test_usage():
    """Usage errors exit 2, an unreadable file 1."""
    data = os.path.join(os.path.dirname(__file__), "..", "data", "prodcons.ctrace")
    check(conctop("path", data).returncode == 2, "no --thread is a usage error (2)")
    check(conctop("path", "--thread", "nobody-here", data).returncode == 2, "an unknown thread is a usage error (2)")
    check(conctop("path", "--thread", "1", "--depth", "0", data).returncode == 2, "--depth 0 is a usage error (2)")
    check(conctop("path", "--thread", "1", "--bogus", data).returncode == 2, "an unknown option is a usage error (2)")
    r = conctop("path", "--thread", "1", "/nonexistent.ctrace")
    check(r.returncode == 1 and "nonexistent" in r.stderr, "a missing file exits 1 naming it", r.stderr)
    check(conctop("path", "--help").returncode == 0, "--help exits 0")


def main():
    test_usage()
    if bpf_available("path integration tests"):
        if not os.path.exists(CRITCHAIN):
            check(False, "critchain is built", f"{CRITCHAIN} is missing: run make test")
        else:
            retried(test_chain)
    finish()


if __name__ == "__main__":
    main()
