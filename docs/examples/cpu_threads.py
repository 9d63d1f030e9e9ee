"""CPU-bound work in threads: the GIL lets one thread run Python code at a time.

Four threads each count to N. Run it and look at how long it takes, then
run cpu_processes.py, which does the same work in four processes. Under
conctop you see the real GIL of CPython: at any moment one worker runs and
the others wait (blocked), taking turns every switch interval (5 ms,
sys.getswitchinterval()), so the four together use about one CPU however
many the machine has.

    python3 cpu_threads.py [N]                       # N = 3_000_000 by default
    sudo conctop record -o threads.ctrace -- python3 cpu_threads.py
    conctop report threads.ctrace
"""
import ctypes
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
WORKERS = 4


def name_thread(name):
    """Gives this OS thread a name the tracer shows (Linux prctl
    PR_SET_NAME, 15 characters at most); Python 3.11 does not do it."""
    try:
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the lanes just keep the default name


def count(n, name):
    name_thread(name)
    total = 0
    for i in range(n):  # pure Python: runs only while holding the GIL
        total += i
    return total


if __name__ == "__main__":
    name_thread("cpu_threads")
    print(f"switch interval: {sys.getswitchinterval() * 1000:.0f} ms")
    threads = [threading.Thread(target=count, args=(N, f"worker-{i + 1}"))
               for i in range(WORKERS)]
    start = time.perf_counter()
    cpu_start = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(f"{WORKERS} threads counted to {N:,} each in {wall:.2f} s, "
          f"using {cpu / wall:.2f} CPUs")
