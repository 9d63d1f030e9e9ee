"""Shared memory between processes: element by element is slow.

The notes' last experiment, smaller: Z = X * Y over multiprocessing.Array
objects, split among a Pool of processes. Every sZ[i] = sX[i] * sY[i] on a
synchronized Array takes the array's lock (three times per element here),
which costs far more than the multiplication: 6.17 s in the notes. Computing
the chunk in the worker's own memory and writing it into the shared array
once (one lock round trip per chunk) is what 0.16 s looked like.

    python3 shared_array.py [ROWS]                   # ROWS = 20_000 by default
    sudo conctop record -o array.ctrace -- python3 shared_array.py
"""
import multiprocessing
import random
import sys
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
COLS = 8

random.seed(1)
X = [random.random() for _ in range(ROWS * COLS)]
Y = [random.random() for _ in range(ROWS * COLS)]
sX = multiprocessing.Array("f", X)  # each with a lock of its own
sY = multiprocessing.Array("f", Y)
sZ = multiprocessing.Array("f", ROWS * COLS)


def element_by_element(offset):
    for i in range(offset, offset + ROWS):
        sZ[i] = sX[i] * sY[i]  # three lock round trips per element


def locally_then_once(offset):
    with sX.get_lock(), sY.get_lock():  # read our chunk in one go
        xs, ys = sX[offset:offset + ROWS], sY[offset:offset + ROWS]
    part = [x * y for x, y in zip(xs, ys)]
    with sZ.get_lock():  # and write it in one go
        sZ[offset:offset + ROWS] = part


if __name__ == "__main__":
    offsets = [c * ROWS for c in range(COLS)]
    times = {}
    for how in (element_by_element, locally_then_once):
        start = time.perf_counter()
        with multiprocessing.Pool() as pool:  # forked: it sees the arrays
            pool.map(how, offsets)
        times[how.__name__] = time.perf_counter() - start
        print(f"{how.__name__}: {times[how.__name__]:.3f} s")
    print(f"element by element is {times['element_by_element'] / times['locally_then_once']:.1f}x slower")
