"""I/O-bound work in threads: waiting does not need the GIL.

The course notes fetch the temperature of 13 cities: 1.69 s one after
another, 0.10 s in 13 threads. Here time.sleep() stands in for the network
(so it runs anywhere, offline): each look-up waits WAIT seconds. CPython
releases the GIL while a thread sleeps or waits for I/O, so 13 threads
wait at the same time and the whole takes about one wait.

    python3 io_threads.py [WAIT]                     # WAIT = 0.1 s by default
    sudo conctop record -o io.ctrace -- python3 io_threads.py
    conctop report io.ctrace
"""
import ctypes
import sys
import threading
import time

WAIT = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
CITIES = ["Boulder", "Atlanta", "San Francisco", "Reno", "Honolulu", "Zurich",
          "Dubai", "Dublin", "Stuttgart", "Rome", "Singapore", "Bangalore",
          "Hyderabad"]


def name_thread(name):
    """Names this OS thread for the tracer (Linux only)."""
    try:
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass


def get_temp(city, temps, name=None):
    if name:
        name_thread(name)
    time.sleep(WAIT)  # the request to the weather service: the GIL is released
    temps[city] = len(city)  # "parse the reply": a little Python code


def run_serially(temps):
    for city in CITIES:
        get_temp(city, temps)


def run_threaded(temps):
    threads = [threading.Thread(target=get_temp, args=(c, temps, f"lookup-{i + 1}"))
               for i, c in enumerate(CITIES)]
    for t in threads:
        t.start()  # not run()
    for t in threads:
        t.join()


if __name__ == "__main__":
    name_thread("io_threads")
    for how in (run_serially, run_threaded):
        temps = {}
        start = time.perf_counter()
        how(temps)
        print(f"{how.__name__}: {len(temps)} look-ups in {time.perf_counter() - start:.2f} s")
