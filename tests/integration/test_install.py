"""Installed like a Debian tool: `make install DESTDIR=...` gives a conctop
that lists and records scenarios from outside the tree (it finds them
without environment variables), a bash completion that completes
subcommands, scenario names and trace files, and `make uninstall` takes
every file away again. Then the Debian package: `make deb` builds it with
dpkg-buildpackage, its dependencies are the libraries the binary links,
`dpkg -i` installs it, the installed conctop runs, and `dpkg -r` removes
it (SKIPPED, with the reason, when dpkg-buildpackage is missing)."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import BUILD, ROOT, check, finish, run, skip, tmpdir  # noqa: E402

TMP = tmpdir()
ENV = {k: v for k, v in os.environ.items() if k != "CONCTOP_SCENARIO_DIR"}


def files_under(d):
    """Every file below d, relative."""
    return sorted(os.path.relpath(os.path.join(p, f), d) for p, _, fs in os.walk(d) for f in fs)


def complete(conctop, words, cwd):
    """What the installed bash completion offers for the words typed."""
    script = os.path.join(os.path.dirname(os.path.dirname(conctop)), "share", "bash-completion", "completions",
                          "conctop")
    line = " ".join([conctop] + words)
    cmd = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
           f"[ \"${{COMP_WORDS[COMP_CWORD]}}\" ] || COMP_WORDS+=(''); _conctop; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=cwd, env=ENV, timeout=30)
    return set(r.stdout.split())


def completion_options(conctop, out):
    """Each command's options are its --help's, values follow the option
    that takes them, and short options mean what they mean there."""
    for cmd in ("run", "record", "replay", "lanes", "export", "log", "report", "contention", "path", "import"):
        h = subprocess.run([conctop, cmd, "--help"], capture_output=True, text=True, env=ENV, timeout=30).stdout
        want = set(re.findall(r"^ +(?:-\w, )?(--[a-z][a-z-]*)", h, re.M))
        got = complete(conctop, [cmd, "--"], out)
        check(want and want <= got, f"completion: {cmd} -- offers every option of {cmd} --help ({len(want)})",
              f"missing {sorted(want - got)}")
    for words, want, what in ((["record", "--cl"], {"--classroom"}, "record --classroom"),
                              (["lanes", "--gr"], {"--group"}, "lanes --group"),
                              (["replay", "--mem"], {"--memory"}, "replay --memory"),
                              (["lanes", "-w", ""], set(), "lanes -w is --width: no file names"),
                              (["path", "-T", ""], set(), "path -T is --thread: no theme names"),
                              (["run", "-m", "64M", "prod"], {"prodcons"}, "a scenario after run -m SIZE"),
                              (["lanes", "--theme", ""], {"light", "dark"}, "lanes --theme's values"),
                              (["help", "la"], {"lanes"}, "help COMMAND")):
        got = complete(conctop, words, out)
        check(got == want, f"completion: {what}", f"{' '.join(words)!r}: {sorted(got)[:8]}")


def install_part():
    dest = os.path.join(TMP, "dest")
    r = run(["make", "-s", "-C", ROOT, f"BUILD={os.path.relpath(BUILD, ROOT)}", "install", f"DESTDIR={dest}"],
            timeout=600)
    if not check(r.returncode == 0, "make install DESTDIR=...", r.stderr[-400:]):
        return
    conctop = os.path.join(dest, "usr", "local", "bin", "conctop")
    installed = files_under(dest)
    for want in ("usr/local/bin/conctop", "usr/local/libexec/conctop/scenarios/prodcons",
                 "usr/local/share/man/man1/conctop.1", "usr/local/share/doc/conctop/docs/import.md",
                 "usr/local/share/doc/conctop/README.md",
                 "usr/local/share/bash-completion/completions/conctop"):
        check(want in installed, f"install puts {want}")
    docdir = os.path.join(dest, "usr", "local", "share", "doc", "conctop")
    broken = []
    for rel in (f for f in installed if f.startswith("usr/local/share/doc/conctop/") and f.endswith(".md")):
        page = os.path.join(dest, rel)
        for link in re.findall(r"\]\(([^)#:]+\.md|[^)#:]+/)(?:#[^)]*)?\)", open(page).read()):
            if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(page), link))):
                broken.append(f"{os.path.relpath(page, docdir)} -> {link}")
    check(not broken, "the installed documents' links to each other resolve (README's docs/... did not)",
          ", ".join(broken[:6]))
    out = os.path.join(TMP, "outside")
    os.makedirs(out)
    r = subprocess.run([conctop, "list"], capture_output=True, text=True, cwd=out, env=ENV, timeout=30)
    check(r.returncode == 0 and "prodcons" in r.stdout, "the installed conctop lists the scenarios", r.stderr)
    r = subprocess.run([conctop, "--version"], capture_output=True, text=True, env=ENV, timeout=30)
    check(r.returncode == 0 and r.stdout.startswith("conctop " + open(os.path.join(ROOT, "VERSION")).read().strip()),
          "--version says the version", r.stdout)
    if os.geteuid() == 0:
        r = subprocess.run([conctop, "record", "-q", "-o", "run.ctrace", "prodcons", "--items", "100"],
                           capture_output=True, text=True, cwd=out, env=ENV, timeout=60)
        check(r.returncode == 0 and os.path.exists(os.path.join(out, "run.ctrace")),
              "the installed conctop records a scenario from outside the tree, no environment", r.stderr[-300:])
    else:
        skip("installed record", "needs root to trace (run: sudo make test)")
        open(os.path.join(out, "run.ctrace"), "w").close()
    got = complete(conctop, ["ex"], out)
    check(got == {"export"}, "completion: a subcommand", str(got))
    got = complete(conctop, ["run", "prod"], out)
    check(got == {"prodcons"}, "completion: a scenario name, from conctop list", str(got))
    got = complete(conctop, ["replay", ""], out)
    check("run.ctrace" in got, "completion: trace files", str(got))
    got = complete(conctop, ["export", "x.ctrace", "--format", ""], out)
    check(got == {"svg", "perfetto"}, "completion: an option's values", str(got))
    completion_options(conctop, out)
    r = run(["make", "-s", "-C", ROOT, f"BUILD={os.path.relpath(BUILD, ROOT)}", "uninstall", f"DESTDIR={dest}"],
            timeout=120)
    left = files_under(dest)
    dirs = [p for p, _, _ in os.walk(dest) if "conctop" in os.path.basename(p)]
    check(r.returncode == 0 and not left and not dirs, "make uninstall leaves no file and no conctop directory",
          f"{left[:5]} {dirs[:3]}")


def deb_part():
    """The Debian package: built, installed, run, removed."""
    if os.path.basename(BUILD).startswith("sanitize"):
        # make deb builds its own plain binaries whatever BUILD is: the same
        # package as the plain run's, where this is checked
        skip("Debian package", "a sanitizer run would build the plain package again (the plain run checks it)")
        return
    if not shutil.which("dpkg-buildpackage"):
        skip("Debian package", "dpkg-buildpackage is missing (apt-get install dpkg-dev debhelper)")
        return
    b = os.path.join(TMP, "debbuild")
    env = dict(ENV, DEB_BUILD_OPTIONS="parallel=2 nocheck")
    # a file lying in the tree that is not the project's (it copied them all)
    stray = os.path.join(ROOT, f"stray-{os.getpid()}.ctrace")
    in_git = run(["git", "-C", ROOT, "rev-parse", "--is-inside-work-tree"]).returncode == 0
    with open(stray, "w") as f:
        f.write("not the project's\n")
    try:
        r = subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={b}", "deb"], capture_output=True, text=True, env=env,
                           timeout=600)
    finally:
        os.unlink(stray)
    if in_git:
        src = os.path.join(b, "deb", "src")
        check(os.path.isfile(os.path.join(src, "Makefile")) and
              not os.path.exists(os.path.join(src, os.path.basename(stray))),
              "make deb in a clone builds from the tracked files only (an untracked file is left out)")
    debs = [f for f in os.listdir(os.path.join(b, "deb")) if f.startswith("conctop_") and f.endswith(".deb")] \
        if os.path.isdir(os.path.join(b, "deb")) else []
    if not check(r.returncode == 0 and len(debs) == 1, "make deb builds the package with dpkg-buildpackage",
                 (r.stdout + r.stderr)[-600:]):
        return
    deb = os.path.join(b, "deb", debs[0])
    dep = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    check(all(p in dep for p in ("libbpf1", "libelf1", "zlib1g", "libdeflate0", "libncursesw6", "libc6")),
          "its dependencies are the libraries the binary links", dep.strip())
    if os.geteuid() != 0:
        skip("dpkg -i", "needs root (run: sudo make test)")
        return
    if run(["dpkg-query", "-W", "conctop"]).returncode == 0:
        skip("dpkg -i", "a conctop package is already installed here: not touching it")
        return
    r = run(["dpkg", "-i", deb], timeout=120)
    try:
        if check(r.returncode == 0, "dpkg -i installs it", r.stderr[-300:]):
            r = subprocess.run(["/usr/bin/conctop", "list"], capture_output=True, text=True, cwd="/", env=ENV,
                               timeout=30)
            check(r.returncode == 0 and "philosophers" in r.stdout, "the packaged conctop runs and finds its scenarios")
            check(os.path.exists("/usr/share/man/man1/conctop.1.gz"), "the package has the man page")
    finally:
        r = run(["dpkg", "-r", "conctop"], timeout=120)
    check(r.returncode == 0 and not os.path.exists("/usr/bin/conctop"), "dpkg -r removes it again", r.stderr[-200:])


def conventions_part():
    """--version names the commit in a clone; --color=WHEN beside NO_COLOR."""
    conctop = os.path.join(BUILD, "conctop")
    r = run([conctop, "--version"])
    clone = run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"])
    if clone.returncode == 0:
        check(f"(git {clone.stdout.strip()}" in r.stdout, "--version names the git commit when built from a clone",
              r.stdout.strip())
    else:
        check("(git" not in r.stdout, "--version names no commit outside a clone", r.stdout.strip())
    pic = os.path.join(ROOT, "tests", "data", "pingpong.ctrace")
    env = dict(ENV, NO_COLOR="1")
    esc = lambda *a, e=ENV: "\033[" in subprocess.run([conctop, *a], capture_output=True, text=True, env=e,
                                                       timeout=30).stdout
    check(esc("--color=always", "lanes", pic, e=env), "--color=always colours even with NO_COLOR set")
    check(not esc("--color=never", "lanes", pic, "--color"), "--color=never first: no colour", )
    check(not esc("lanes", pic), "auto: no colour into a pipe")
    check(esc("lanes", pic, "--color=always") and not esc("lanes", pic, "--color", e=env),
          "lanes --color=always colours; --color alone respects NO_COLOR")
    r = run([conctop, "--color=sometimes", "list"])
    check(r.returncode == 2 and "auto, always or never" in r.stderr, "a bad --color value is a usage error", r.stderr)


install_part()
conventions_part()
deb_part()
shutil.rmtree(TMP, ignore_errors=True)
finish()
