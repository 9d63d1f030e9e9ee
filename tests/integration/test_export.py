"""Handouts and lesson cards, without root: `conctop export` draws recorded
traces as SVG (checked with an XML parser: lanes, legend, palette, axis),
its errors; `conctop lesson` and `conctop tour --dry-run`."""
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from harness import CONCTOP, ROOT, check, conctop, finish, report_json, skip, tmpdir  # noqa: E402

# tests/run may run this test beside another: it checks the content of files
# made from fixed traces; nothing waits or is timed; its files are its own.
RUNS_BESIDE_OTHERS = True

SVG_NS = "{http://www.w3.org/2000/svg}"
DATA = os.path.join(ROOT, "tests", "data")
TMP = tmpdir()
# the Okabe-Ito colours of docs/design.md's palette, as the SVG writes them
PALETTE = {"running": "#009E73", "spinning": "#0072B2", "runnable": "#E69F00", "blocked-lock": "#D55E00",
           "blocked-signal": "#CC79A7", "sleeping": "#56B4E9"}
TOUR = ["race", "contention", "rlock", "condvar", "event", "barrier", "semaphore", "prodcons", "pool",
        "gil", "iobound", "daemon", "shutdown", "processes"]


def classes(el):
    """The set of classes of an element."""
    return set(el.get("class", "").split())


def lanes(root, kind):
    """The lane groups of one kind (thread or cpu), in document order."""
    return [g for g in root.iter(SVG_NS + "g") if {"lane", kind} <= classes(g)]


def texts(el):
    """Every piece of text under el, in order."""
    return ["".join(t.itertext()) for t in el.iter(SVG_NS + "text")]


def export(trace, *args):
    """Exports trace to an SVG file; returns (result, parsed root or None, error)."""
    out = os.path.join(TMP, os.path.basename(trace) + ".svg")
    if os.path.exists(out):
        os.unlink(out)
    r = conctop("export", trace, "--format", "svg", "-o", out, *args)
    if r.returncode != 0 or not os.path.exists(out):
        return r, None, f"exit {r.returncode}: {r.stderr.strip()}"
    try:
        return r, ET.parse(out).getroot(), ""
    except ET.ParseError as e:
        return r, None, f"not valid XML: {e}"


def check_picture(name, trace):
    """The structure of the SVG of a whole trace against its report."""
    r, root, err = export(trace)
    if not check(root is not None, f"{name}: export writes valid XML", err):
        return
    check(root.tag == SVG_NS + "svg", f"{name}: the root element is <svg>", root.tag)
    rep = report_json(trace)
    threads = rep.get("threads", [])
    ncpus = rep.get("ncpus") or rep.get("trace", {}).get("ncpus") or len(rep.get("cpus", []))
    tl = lanes(root, "thread")
    cl = lanes(root, "cpu")
    check(len(tl) == len(threads) and len(tl) > 0, f"{name}: one thread lane per thread",
          f"{len(tl)} lanes, {len(threads)} threads")
    check(len(cl) == ncpus and len(cl) > 0, f"{name}: one CPU lane per CPU", f"{len(cl)} lanes, {ncpus} CPUs")
    ok = True
    for g, t in zip(tl, threads):
        label = " ".join(texts(g))
        tid = str(t.get("tid"))
        tname = t.get("name", "")
        if g.get("data-tid") != tid or tid not in label or tname[:20] not in label or not g.get("data-letter"):
            ok = False
            print(f"  lane {g.get('id')}: label {label[:60]!r}, thread {tname} {tid}")
    check(ok, f"{name}: each thread lane is labelled with its letter, name and tid")
    letters = {g.get("data-letter") for g in tl}
    check(len(letters) == len(tl), f"{name}: the thread letters are distinct", str(letters))
    on_cpus = set()
    for g in cl:
        for gg in g.iter(SVG_NS + "g"):
            if "glyphs" in classes(gg):
                on_cpus |= set("".join(texts(gg)))
    check(on_cpus & letters and on_cpus <= letters | set("~+? "), f"{name}: CPU lanes show thread letters",
          f"{sorted(on_cpus)} vs {sorted(letters)}")
    fills = {}
    for rect in root.iter(SVG_NS + "rect"):
        c = classes(rect)
        if "cell" in c:
            state = (c - {"cell"}).pop() if len(c) > 1 else "?"
            fills.setdefault(state, set()).add(rect.get("fill", "").upper())
    bad = {s: f for s, f in fills.items() if s not in PALETTE or f != {PALETTE[s]}}
    check(fills and not bad, f"{name}: every state's cells have the palette's colour", str(bad or fills))
    check("running" in fills, f"{name}: running cells are drawn", str(fills))
    cells = sum(1 for g in tl + cl for rect in g.iter(SVG_NS + "rect") if "cell" in classes(rect))
    glyphs = sum(1 for g in tl + cl for gg in g.iter(SVG_NS + "g") if "glyphs" in classes(gg) for _ in gg)
    check(0 < cells <= glyphs, f"{name}: one rectangle per run of equal cells, not per column",
          f"{cells} rects, {glyphs} glyphs")
    marks = lanes(root, "marks")
    text_marks = any(line.startswith("marks ") for line in conctop("lanes", trace).stdout.splitlines())
    marked = [t for g in marks for t in texts(g) if t.startswith("@")]
    check(len(marks) == (1 if text_marks else 0) and (marked or not text_marks),
          f"{name}: a markers row, with its '@' markers, exactly when conctop lanes draws one",
          f"{len(marks)} marks rows, lanes has one: {text_marks}, markers {marked[:5]}")
    legend = [g for g in root.iter(SVG_NS + "g") if "legend" in classes(g)]
    items = [g for g in root.iter(SVG_NS + "g") if "legend-item" in classes(g)]
    check(len(legend) == 1 and len(items) >= 2, f"{name}: a legend with its items", f"{len(legend)} legends, {len(items)} items")
    check(any("1 column =" in t for t in texts(legend[0])) if legend else False, f"{name}: the legend gives the scale")
    for it in items:
        rect = it.find(SVG_NS + "rect")
        state = it.get("data-state")
        if state in PALETTE and (rect is None or rect.get("fill", "").upper() != PALETTE[state]):
            check(False, f"{name}: legend swatch of {it.get('data-glyph')} in the palette's colour",
                  rect.get("fill") if rect is not None else "no swatch")
            break
    else:
        check(True, f"{name}: legend swatches in the palette's colours")
    axis = [g for g in root.iter(SVG_NS + "g") if "axis" in classes(g)]
    ticks = [t for t in root.iter(SVG_NS + "text") if "tick-label" in classes(t)]
    check(axis and len(ticks) >= 2 and ticks[0].text == "0", f"{name}: a time axis with labels from 0",
          str([t.text for t in ticks]))


def main():
    if not os.path.exists(CONCTOP):
        check(False, "export", f"{CONCTOP} is missing: run make")
        finish()
    r = conctop("export", "--help")
    if r.returncode != 0 or "svg" not in r.stdout:
        skip("export", "this conctop has no export command yet")
    else:
        prodcons = os.path.join(DATA, "prodcons.ctrace")
        pingpong = os.path.join(DATA, "pingpong.ctrace")
        check_picture("prodcons", prodcons)
        check_picture("pingpong", pingpong)

        # pingpong: each thread runs, is woken, and blocks for an unknown cause
        r, root, err = export(pingpong)
        if root is not None:
            a = lanes(root, "thread")[0]
            glyphs = "".join("".join(texts(g)) for g in a.iter(SVG_NS + "g") if "glyphs" in classes(g))
            check(set("0^.") <= set(glyphs), "pingpong: thread A shows 0, ^ and . glyphs", glyphs[:40])

        r, root, err = export(pingpong, "--from", "5ms", "--to", "10ms", "--width", "50")
        if check(root is not None, "export --from --to --width: valid XML", err):
            ticks = [t.text for t in root.iter(SVG_NS + "text") if "tick-label" in classes(t)]
            check(ticks and ticks[0] == "5ms" and all(t.endswith("ms") for t in ticks),
                  "export --from 5ms --to 10ms: the axis starts at 5ms", str(ticks))

        r = conctop("export", pingpong, "-o", "-")
        try:
            ok = r.returncode == 0 and ET.fromstring(r.stdout).tag == SVG_NS + "svg"
        except ET.ParseError:
            ok = False
        check(ok, "export -o -: the SVG on standard output", r.stderr.strip())

        out = os.path.join(TMP, "bad.svg")
        r = conctop("export", pingpong, "--format", "png", "-o", out)
        check(r.returncode == 2 and "svg" in r.stderr and "png" in r.stderr and not os.path.exists(out),
              "export --format png: usage error naming the formats", f"{r.returncode}: {r.stderr.strip()}")
        r = conctop("export", os.path.join(TMP, "missing.ctrace"), "-o", out)
        check(r.returncode == 1 and "missing.ctrace" in r.stderr and not os.path.exists(out),
              "export of a missing file: exit 1 naming it", f"{r.returncode}: {r.stderr.strip()}")
        r = conctop("export", pingpong, "--from", "soon", "-o", out)
        check(r.returncode == 2 and "--from" in r.stderr, "export --from soon: usage error",
              f"{r.returncode}: {r.stderr.strip()}")
        r = conctop("export", pingpong, "--from", "10ms", "--to", "5ms", "-o", out)
        check(r.returncode == 2 and "--to" in r.stderr, "export --to before --from: usage error",
              f"{r.returncode}: {r.stderr.strip()}")
        r = conctop("export", pingpong, "--width", "3", "-o", out)
        check(r.returncode == 2 and "--width" in r.stderr, "export --width 3: usage error",
              f"{r.returncode}: {r.stderr.strip()}")
        r = conctop("export", "-o", out)
        check(r.returncode == 2 and "trace file" in r.stderr, "export without a file: usage error",
              f"{r.returncode}: {r.stderr.strip()}")
        r = conctop("export", pingpong, "-o", os.path.join(TMP, "no", "such", "dir.svg"))
        check(r.returncode == 1 and "dir.svg" in r.stderr, "export into a missing directory: exit 1",
              f"{r.returncode}: {r.stderr.strip()}")

    r = conctop("lesson", "--help")
    if r.returncode != 0:
        skip("lesson", "this conctop has no lesson command yet")
        finish()
    r = conctop("lesson", "race")
    check(r.returncode == 0 and "Ask first" in r.stdout and "?" in r.stdout.split("Ask first", 1)[-1]
          and "Watch" in r.stdout and "Take-away" in r.stdout,
          "lesson race: the card with its question, what to watch and the take-away", r.stdout[:200])
    r = conctop("lesson", "nosuch")
    check(r.returncode == 2 and "nosuch" in r.stderr, "lesson nosuch: usage error", f"{r.returncode}: {r.stderr}")
    r = conctop("lesson", "--list")
    listed = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    cat = conctop("list")
    names = [m.group(1) for m in re.finditer(r"^\s*([a-z]+)\s", cat.stdout, re.M)] if cat.returncode == 0 else []
    check(r.returncode == 0 and names and set(names) <= set(listed), "lesson --list: a card for every scenario",
          f"missing {sorted(set(names) - set(listed))}")
    r = conctop("tour", "--dry-run")
    order = [m.group(1) for m in re.finditer(r"^(?:\d+)\. ([a-z]+)$", r.stdout, re.M)]
    check(r.returncode == 0 and order == TOUR,
          f"tour --dry-run: the {len(TOUR)} lessons in the course notes' order", str(order))
    check(r.stdout.count("$ conctop run ") == len(TOUR) and r.stdout.count("Ask first") == len(TOUR),
          "tour --dry-run: each lesson's command and card")
    r = conctop("tour", stdin=open(os.devnull))
    check(r.returncode == 1 and "terminal" in r.stderr, "tour without a terminal: says it needs one",
          f"{r.returncode}: {r.stderr.strip()}")
    finish()


if __name__ == "__main__":
    main()
