"""CPU-bound work in processes: each has its own interpreter and its own GIL.

The same work as cpu_threads.py (four workers each count to N), but each
worker is a process (multiprocessing.Process, forked on Linux). Nothing is
shared, so nobody waits for a GIL: on a machine with several CPUs the
workers run at the same time, and it takes about 1/CPUs of the time.

    python3 cpu_processes.py [N]                     # N = 3_000_000 by default
    sudo conctop record -o procs.ctrace -- python3 cpu_processes.py
    conctop report procs.ctrace                      # every worker-N is a process
"""
import ctypes
import multiprocessing
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
WORKERS = 4


def name_thread(name):
    """Names this process's (main) thread for the tracer (Linux only)."""
    try:
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass


def count(n, name):
    name_thread(name)
    total = 0
    for i in range(n):
        total += i
    return total


if __name__ == "__main__":
    name_thread("cpu_processes")
    procs = [multiprocessing.Process(target=count, args=(N, f"worker-{i + 1}"))
             for i in range(WORKERS)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - start
    print(f"{WORKERS} processes counted to {N:,} each in {wall:.2f} s "
          f"on {multiprocessing.cpu_count()} CPUs")
