"""The chunk index (issue 11): a recorded trace written again in small
chunks (tests/progs/rechunk), a copy cut off in the middle of a chunk and a
copy with its index removed replay the same screen, and `lanes` and `log`
print the same for them (the cut one: over what it still has). With the
index, `lanes --to`, `export --to` (SVG and Perfetto) and `log --to` stop
reading soon after the window: a copy damaged in its last chunks prints
the same window without a word of the damage, which a whole reading
reports; the Perfetto trace of a window so read holds the packets of the
whole reading's (in an order of its own for the slices open at --to)."""
import os
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import panes  # noqa: E402
from harness import BUILD, CONCTOP, check, conctop, finish, tmpdir, tmux_socket  # noqa: E402
from panes import Tmux, clean_env  # noqa: E402
from protobuf import packets  # noqa: E402

# tests/run may run this test beside another: it compares what the same file
# gives read in different ways; its one wait polls for seconds; its tmux
# server and files are its own.
RUNS_BESIDE_OTHERS = True

SOCKET = tmux_socket("index")
RECHUNK = os.path.join(BUILD, "tests", "progs", "rechunk")
DATA = os.path.join(os.path.dirname(__file__), "..", "data", "class-prodcons.ctrace")

tmux = Tmux(SOCKET)


def chunk_offsets(path):
    """The chunks' (offset, end) of a trace file, from their frames."""
    data = open(path, "rb").read()
    off, out = 16, []
    while off + 28 <= len(data):
        stored = struct.unpack_from("<I", data, off + 8)[0]
        out.append((off, off + 28 + stored))
        off += 28 + stored
    return data, out


def out(*args, env=None):
    """conctop's stdout and exit status (stderr apart)."""
    r = conctop(*args, env=env)
    return r.stdout, r.returncode


def replay_screen(name, trace):
    """The first screen of a paused replay at the trace's start, its status
    line (which names the file) left out: once read, and the same in two
    captures 0.3 s apart (a capture may catch a frame half written: CI's
    sanitizer run once saw the CPU lanes drawn and no thread lane yet)."""
    p = panes.Pane(tmux, name, clean_env(CONCTOP, "replay", "--paused", trace), width=100, height=30)
    try:
        deadline, ok, s = time.monotonic() + 15, False, ""
        while not ok and time.monotonic() < deadline:
            ok, s = p.wait_for(lambda s: "1 col" in s and "reading" not in s, timeout=deadline - time.monotonic())
            if ok:
                time.sleep(0.3)
                again = p.screen()
                ok, s = again == s, again
        return ok, "\n".join(line for line in s.splitlines() if os.path.basename(trace) not in line)
    finally:
        p.kill()


def check_perfetto(d, intact, stripped, damaged, end):
    """export --format perfetto of windows: with the index, it stops
    reading soon after --to (the damaged end is not read) and writes the
    packets a whole reading (the copy without an index) writes."""
    for k in (1, 4, 7):
        lo, hi = f"{end * (k - 1) / 10:.6f}", f"{end * k / 10:.6f}"
        outs = {}
        for name, path in (("intact", intact), ("stripped", stripped), ("damaged", damaged)):
            outs[name] = os.path.join(d, f"{name}-{k}.pftrace")
            outs[name + " rc"] = conctop("export", "--format", "perfetto", "-o", outs[name], "--from", lo,
                                         "--to", hi, path)
        ok = all(outs[n + " rc"].returncode == 0 for n in ("intact", "stripped", "damaged"))
        if not check(ok, f"export --format perfetto [{lo}, {hi}) s of the three copies",
                     " | ".join(outs[n + " rc"].stderr.strip()[:200] for n in ("intact", "stripped", "damaged"))):
            continue
        a, whole = packets(outs["intact"]), packets(outs["stripped"])
        check(a and sorted(a) == sorted(whole),
              f"perfetto [{lo}, {hi}) s: the packets of a whole reading ({len(whole)})", f"{len(a)} packets")
        check(packets(outs["damaged"]) == a and "skipped" not in outs["damaged rc"].stderr,
              f"perfetto [{lo}, {hi}) s: the same for the copy damaged at its end, which it does not read",
              outs["damaged rc"].stderr.strip()[:200])


def main():
    d = tmpdir()
    intact = os.path.join(d, "intact.ctrace")
    r = subprocess.run([RECHUNK, DATA, intact, "1024"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "rechunk writes the recorded trace in 1 KiB chunks", r.stderr)
    data, chunks = chunk_offsets(intact)
    index_off = struct.unpack_from("<Q", data, len(data) - 16)[0]
    check(data[-8:] == b"\x89CTINDEX" and chunks[-1][0] == index_off and len(chunks) > 20,
          f"the file ends with the index chunk (at byte {index_off}), after {len(chunks) - 1} chunks")

    stripped = os.path.join(d, "noindex.ctrace")
    with open(stripped, "wb") as f:
        f.write(data[:index_off])
    mid = chunks[len(chunks) // 2]
    cut = os.path.join(d, "cut.ctrace")
    with open(cut, "wb") as f:
        f.write(data[:(mid[0] + mid[1]) // 2])  # in the middle of a chunk

    # lanes and log: the whole file and a window
    end = float(conctop("dump", intact).stdout.splitlines()[-1].split()[0])
    early = f"{end / 10:.6f}"
    for args in (["lanes", "-w", "120"], ["lanes", "-w", "120", "--to", early], ["log"], ["log", "--to", early]):
        a, b = out(*args, intact), out(*args, stripped)
        check(a == b and a[1] == 0 and a[0], f"{' '.join(args)}: the same without the index")
    for args in (["lanes", "-w", "120", "--to", early], ["log", "--to", early]):
        a, c = out(*args, intact), out(*args, cut)
        check(a == c and a[0], f"{' '.join(args)}: the same cut off mid-chunk (the window is before the cut)")
    r = conctop("lanes", "-w", "120", "--to", early, cut)
    check("cut off" in r.stderr, "the cut copy still says that the recording was cut off", r.stderr)

    # the index kept, the last chunks damaged: a window's reading stops before them
    os.makedirs(os.path.join(d, "damaged"))
    damaged = os.path.join(d, "damaged", "intact.ctrace")  # (the SVG's title names the file)
    buf = bytearray(data)
    for off, stop in chunks[-4:-1]:  # the last three chunks of events (the index chunk stays whole)
        for i in range(off + 40, stop, 7):
            buf[i] ^= 0x5A
    with open(damaged, "wb") as f:
        f.write(bytes(buf))
    for args in (["lanes", "-w", "120", "--to", early], ["export", "-o", "-", "--to", early], ["log", "--to", early]):
        a, r = conctop(*args, intact), conctop(*args, damaged)
        check(r.returncode == 0 and r.stdout == a.stdout and a.stdout and r.stderr == "",
              f"{args[0]} --to a tenth: the same for a copy damaged at its end, which it does not read",
              r.stderr.strip()[:200])
    r = conctop("lanes", "-w", "120", damaged)
    check(r.returncode == 0 and "damaged" in r.stderr, "lanes of the whole damaged copy reports the damage",
          r.stderr.strip()[:200])
    check_perfetto(d, intact, stripped, damaged, end)
    r = conctop("export", "--format", "perfetto", "-o", os.path.join(d, "whole.pftrace"), damaged)
    check(r.returncode == 0 and "damaged part" in r.stderr and "skipped" in r.stderr,
          "export --format perfetto of the whole damaged copy reports the damage", r.stderr.strip()[:300])

    # a pipe has no index to look up first: it is read once, to its end
    fifo = os.path.join(d, "pipe.ctrace")
    os.mkfifo(fifo)
    for args in (["lanes", "-w", "120", "--to", early], ["log", "--to", early]):
        writer = subprocess.Popen(["sh", "-c", f'cat "{intact}" > "{fifo}"'])
        r = conctop(*args, fifo)
        writer.wait(timeout=30)
        check(r.returncode == 0 and r.stdout == conctop(*args, intact).stdout,
              f"{args[0]} --to a tenth of a pipe: the same as of the file", r.stderr.strip()[:200])

    # replay: the same first screen
    shots = {n: replay_screen(n, p) for n, p in (("intact", intact), ("stripped", stripped), ("cut", cut))}
    ok = all(s[0] for s in shots.values())
    check(ok, "replay draws its first screen for the three files")
    if ok:
        check(shots["intact"][1] == shots["stripped"][1], "replay: the same screen without the index",
              shots["stripped"][1])
    tmux("kill-server", check_rc=False)
    shutil.rmtree(d, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
