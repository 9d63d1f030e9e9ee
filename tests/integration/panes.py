"""tmux panes for the view tests that run conctop directly (not through a
shell prompt, as test_tui's do): each test file has its own tmux server,
named by its socket, and starts conctop or a command line in detached
sessions of 80x24 with a clean environment."""
import os
import subprocess
import time


def clean_env(*extra):
    """env -i with PATH, a 256-colour TERM and a UTF-8 locale, then extra."""
    return ["env", "-i", f"PATH={os.environ.get('PATH', '/usr/bin:/bin')}", "TERM=screen-256color",
            "LANG=C.UTF-8", "LC_ALL=C.UTF-8", *extra]


class Tmux:
    """tmux commands on one server of the test's own."""

    def __init__(self, socket):
        self.socket = socket

    def __call__(self, *args, check_rc=True):
        """Runs a tmux command; returns its stdout."""
        r = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        if check_rc and r.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout


class Pane:
    """A command (argv) in a detached session of width x height (80x24) on
    tmux's server; remain: the pane stays on screen after the command exits."""

    def __init__(self, tmux, name, argv, remain=False, width=80, height=24):
        self.tmux, self.name = tmux, name
        for attempt in range(3):  # a server that is just exiting refuses once
            try:
                tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), *argv)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                time.sleep(0.5)
        tmux("set-option", "-t", name, "status", "off")
        if remain:
            tmux("set-option", "-t", name, "remain-on-exit", "on", check_rc=False)

    def screen(self, escapes=False):
        """The visible screen as text (escapes: with its SGR sequences)."""
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", self.name)

    def keys(self, *keys):
        """Sends tmux key names."""
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, cond, timeout=20):
        """Polls the screen until cond(screen) holds; returns (ok, screen)."""
        deadline = time.monotonic() + timeout
        s = ""
        while time.monotonic() < deadline:
            s = self.screen()
            if cond(s):
                return True, s
            time.sleep(0.1)
        return False, s

    def kill(self):
        """Ends the session."""
        self.tmux("kill-session", "-t", self.name, check_rc=False)
