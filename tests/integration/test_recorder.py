"""The recorder keeps up on a saturated CPU (issue 15, item 5): conctop
record runs on a CPU that 80 busy processes saturate (pinned there with
it), while the program it traces, `perf bench sched pipe`, makes hundreds
of thousands of events a second on another CPU. conctop is killed with
SIGKILL 3.86 s after the busy processes start. The trace it leaves
(FILE.part) must be readable and its last event within 1.5 s of the kill:
the file gets a chunk every second, and the recorder, at nice -20 while it
traces, is not starved of the CPU it needs to deliver the events and write
them. (At nice 0, one task among 81, it kept 0 to 0.3 s of events here.)"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, bpf_available, check, conctop, finish, retried, run, skip, tmpdir  # noqa: E402

BUSY = 80
KILL_AFTER_S = 3.86
MAX_LAG_S = 1.5
LOOPS = "1000000000"


def test_saturated(d):
    name = f"recorder on a CPU with {BUSY} busy processes"
    ncpu = os.cpu_count() or 1
    if ncpu < 2 or shutil.which("perf") is None:
        skip(name, "needs two CPUs and perf (apt-get install linux-perf)")
        return
    rec_cpu, prog_cpu = str(ncpu - 1), "0"
    trace = os.path.join(d, "saturated.ctrace")
    marker = f"conctop-busy-{os.getpid()}"
    p = subprocess.Popen(["taskset", "-c", rec_cpu, CONCTOP, "record", "-q", "-o", trace, "--",
                          "taskset", "-c", prog_cpu, "perf", "bench", "sched", "pipe", "-T", "-l", LOOPS],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    busy = None
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(trace + ".part") and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.01)
        time.sleep(0.3)  # tracing has begun
        busy = subprocess.Popen(["taskset", "-c", rec_cpu, "sh", "-c",
                                 f": {marker}; for i in $(seq {BUSY}); do (while :; do :; done) & done; wait"])
        time.sleep(KILL_AFTER_S)
        killed = time.monotonic_ns()
        p.kill()
        p.wait()
    finally:
        run(["pkill", "-9", "-f", f"perf bench sched pipe -T -l {LOOPS}"])
        run(["pkill", "-9", "-f", marker])
        time.sleep(0.2)
        run(["pkill", "-9", "-f", "while :; do :; done"])
        if busy:
            busy.wait()
    if not check(os.path.exists(trace + ".part"), f"{name}: kill -9 leaves FILE.part"):
        return
    r = conctop("report", "--json", trace + ".part")
    if not check(r.returncode == 0, f"{name}: the cut-off trace is readable", r.stderr.strip()):
        return
    rep = json.loads(r.stdout)
    start = rep["start_monotonic_ns"]
    lag = (killed - (start + rep["duration_ns"])) / 1e9
    print(f"  {name}: killed {(killed - start) / 1e9:.2f} s after the trace began; its last event came "
          f"{lag:.2f} s before the kill ({rep['events']} events, {rep['lost_events']} lost in the kernel)")
    check(rep["events"] > 0 and lag <= MAX_LAG_S,
          f"{name}: the trace's last event is within {MAX_LAG_S} s of the kill ({lag:.2f} s)")


def main():
    if bpf_available("recorder under CPU saturation"):
        # retried: the recorder's share of a CPU that 80 busy processes
        # saturate is the scheduler's to give (once, in a sanitizer build in
        # CI, its last event came 3.12 s before the kill; 0.03-0.10 s in the
        # other runs of the day)
        def saturated():
            test_saturated(tmpdir())
        saturated.__name__ = "recorder under saturation"
        retried(saturated)
    finish()


if __name__ == "__main__":
    main()
