"""The recorder keeps up on a saturated CPU (issue 15, item 5): conctop
record and the program it traces share one CPU with 80 busy processes of
that program (all pinned there), and conctop is killed with SIGKILL after
about 4 s. The trace it leaves (FILE.part) must be readable and its last
event within 1.5 s of the kill: the file gets a chunk every second, and the
recorder, at nice -20 while it traces, is not starved of the CPU it needs
to deliver events and write them."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, bpf_available, check, conctop, finish, run, tmpdir  # noqa: E402

BUSY = 80
KILL_AFTER_S = 3.86
MAX_LAG_S = 1.5


def test_saturated(d):
    name = f"recorder with {BUSY} busy processes on its CPU"
    cpu = str((os.cpu_count() or 1) - 1)
    trace = os.path.join(d, "saturated.ctrace")
    marker = f"conctop-busy-{os.getpid()}"
    prog = f": {marker}; for i in $(seq {BUSY}); do (while :; do :; done) & done; wait"
    p = subprocess.Popen(["taskset", "-c", cpu, CONCTOP, "record", "-q", "-o", trace, "--", "sh", "-c", prog],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(KILL_AFTER_S)
        killed = time.monotonic_ns()
        p.kill()
        p.wait()
    finally:
        run(["pkill", "-9", "-f", marker])
        time.sleep(0.2)
        run(["pkill", "-9", "-f", "while :; do :; done"])
    if not check(os.path.exists(trace + ".part"), f"{name}: kill -9 leaves FILE.part"):
        return
    r = conctop("report", "--json", trace + ".part")
    if not check(r.returncode == 0, f"{name}: the cut-off trace is readable", r.stderr.strip()):
        return
    rep = json.loads(r.stdout)
    start = rep["start_monotonic_ns"]
    lag = (killed - (start + rep["duration_ns"])) / 1e9
    print(f"  {name}: killed {(killed - start) / 1e9:.2f} s after the trace began; its last event came "
          f"{lag:.2f} s before the kill ({rep['events']} events, {rep['lost_events']} lost)")
    check(rep["events"] > 0 and lag <= MAX_LAG_S,
          f"{name}: the trace's last event is within {MAX_LAG_S} s of the kill ({lag:.2f} s)")


def main():
    if bpf_available("recorder under CPU saturation"):
        test_saturated(tmpdir())
    finish()


if __name__ == "__main__":
    main()
