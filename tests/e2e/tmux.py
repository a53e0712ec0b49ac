"""Drive the installed `aisession-tui` in a private tmux server, as a person at a terminal would.

tmux is the real terminal here: keys go in with `send-keys`, the screen comes back with
`capture-pane`. Every server runs on its own socket (`tmux -L`), so a user's tmux is never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import get_character_cell_size

#: The console script installed next to the interpreter running the tests.
APP = Path(sys.executable).parent / "aisession-tui"
#: Set by CI, which installs tmux: there a missing tmux is a failure, not a skip.
CI_ENV = "AISESSION_CI"
#: Environment variable carrying a test's unique marker into the app and every child it starts.
MARKER_ENV = "AISESSION_E2E_MARKER"
#: Generous: the machine may be shared and the app loads its token vocabulary at start.
WAIT = 45.0
POLL = 0.05
PLAIN_BASH = "bash --norc --noprofile"
#: The footer while the prefix waits for a command key, and the footer otherwise.
PREFIX_FOOTER = "Zoom"
NORMAL_FOOTER = "^b Commands"
#: A pane's title bar starts with its number and name: " 1  one  working ...".
TITLE = re.compile(r"(?<!\S)([1-9])  (\S+)")
#: The left edge of the side panels.
SIDEBAR_EDGE = "▏"


def require(program: Path | str | None, what: str) -> None:
    """Skip without the program on a developer machine; fail in CI, where it must be there."""
    if program is not None and Path(program).exists():
        return
    message = f"{what} is not available"
    if os.environ.get(CI_ENV):
        pytest.fail(f"{message} (and {CI_ENV} is set, so it must be)")
    pytest.skip(f"{message}; set {CI_ENV}=1 to make this a failure")


def tmux_program() -> str:
    found = shutil.which("tmux")
    require(found, "tmux")
    assert found is not None
    return found


def cell_slice(line: str, start: int, end: int | None = None) -> str:
    """The characters of `line` drawn in terminal columns [start, end) (wide characters count 2)."""
    column = 0
    kept: list[str] = []
    for char in line:
        width = get_character_cell_size(char)
        if column >= start and (end is None or column + width <= end):
            kept.append(char)
        column += width
    return "".join(kept)


def cell_column(line: str, index: int) -> int:
    """The terminal column where character `index` of `line` is drawn."""
    return sum(get_character_cell_size(char) for char in line[:index])


@dataclass(frozen=True, slots=True)
class Title:
    """A pane title bar found on screen: its number, session name, row and column."""

    number: int
    name: str
    row: int
    column: int


class TmuxApp:
    """One app run in a detached tmux session on a private socket."""

    def __init__(self, tmux: str, workdir: Path, *, width: int = 160, height: int = 48) -> None:
        self.tmux = tmux
        self.marker = f"aisession-e2e-{uuid.uuid4().hex[:12]}"
        self.socket = self.marker
        self.workdir = workdir
        self.width = width
        self.height = height
        self.data_dir = workdir / "data"
        self.status_file = workdir / "exit-status"
        self.socket_path: Path | None = None
        self.config = workdir / "tmux.conf"
        # The pane stays after the app ends so its exit status can be read; what the app copies
        # (OSC 52) lands in tmux's paste buffer, where a test can read it.
        self.config.write_text(
            "set -g remain-on-exit on\nset -g history-limit 0\nset -g set-clipboard on\n"
        )

    def run(self, *args: str) -> str:
        """Run one tmux command against this server and return its output."""
        result = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=self._env(),
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def _env(self) -> dict[str, str]:
        return {key: value for key, value in os.environ.items() if not key.startswith("TMUX")}

    def start(self, app_args: Sequence[str], **env: str) -> None:
        """Start the app with these arguments; `env` is added to its environment."""
        argv = [
            "env",
            f"{MARKER_ENV}={self.marker}",
            *(f"{key}={value}" for key, value in env.items()),
            str(APP),
            "--data-dir",
            str(self.data_dir),
            *app_args,
        ]
        # Through a script, so the tmux server's own command line does not name the data dir;
        # the script records the app's exit status (tmux does not always reap a pane's process
        # at once, which leaves `#{pane_dead_status}` empty).
        script = self.workdir / "run-app.sh"
        status = shlex.quote(str(self.status_file))
        script.write_text(
            f"{shlex.join(argv)}\necho $? > {status}.tmp && mv {status}.tmp {status}\n"
        )
        self.run(
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-c",
            str(self.workdir),
            f"/bin/sh {shlex.quote(str(script))}",
        )
        self.socket_path = Path(self.run("display-message", "-p", "#{socket_path}").strip())

    # -- input -----------------------------------------------------------------------------

    def keys(self, *keys: str) -> None:
        """Press keys by tmux name (`Enter`, `C-b`, `M-2`)."""
        self.run("send-keys", "-t", "main", *keys)

    def prefix(self, key: str, *, opens_dialog: bool = False) -> None:
        """Ctrl+B then `key` at a person's pace: the command key once the prefix footer shows,
        and (unless the command opens a dialog) return once the normal footer is back."""
        self.keys("C-b")
        self.wait_for(lambda lines: PREFIX_FOOTER in lines[-1], "the prefix commands footer")
        self.keys(key)
        if not opens_dialog:
            self.wait_for(lambda lines: NORMAL_FOOTER in lines[-1], "the normal footer again")

    def type(self, text: str) -> None:
        """Type text literally, then nothing else."""
        self.run("send-keys", "-t", "main", "-l", text)

    # -- output ----------------------------------------------------------------------------

    def screen(self, *, escapes: bool = False) -> list[str]:
        """The pane's visible lines (with SGR sequences when `escapes`)."""
        args = ["capture-pane", "-p", "-t", "main"]
        if escapes:
            args.append("-e")
        return self.run(*args).split("\n")[: self.height]

    def buffers(self) -> list[str]:
        """Names of tmux's paste buffers (OSC 52 from the app adds one)."""
        return self.run("list-buffers", "-F", "#{buffer_name}").split()

    def running(self) -> bool:
        """Whether the app is still running (it has not reported an exit status)."""
        return not self.status_file.exists()

    def wait_for_exit(self) -> int:
        """Wait for the app to end; its exit status."""
        self.wait_until(lambda: not self.running(), "the app's process ends")
        return int(self.status_file.read_text())

    def titles(self, names: Sequence[str], lines: list[str] | None = None) -> list[Title]:
        """The title bars of the named sessions on screen, in reading order. Only the panes'
        part of a row is read: in the Sessions panel, "exited 3  paint" looks like a title."""
        found = []
        for row, line in enumerate(self.screen() if lines is None else lines):
            panes_part = line.split(SIDEBAR_EDGE, 1)[0]
            for match in TITLE.finditer(panes_part):
                if match.group(2) in names:
                    column = cell_column(line, match.start(1))
                    found.append(Title(int(match.group(1)), match.group(2), row, column))
        return found

    def wait_for(
        self, condition: Callable[[list[str]], object], what: str, within: float = WAIT
    ) -> list[str]:
        """Poll the screen until `condition(lines)` holds; fail showing the last screen."""
        deadline = time.monotonic() + within
        while True:
            lines = self.screen()
            if condition(lines):
                return lines
            if time.monotonic() > deadline:
                shown = "\n".join(lines)
                raise AssertionError(f"not seen within {within}s: {what}\n--- screen ---\n{shown}")
            time.sleep(POLL)

    def wait_until(self, condition: Callable[[], object], what: str, within: float = WAIT) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                shown = "\n".join(self.screen())
                raise AssertionError(f"not true within {within}s: {what}\n--- screen ---\n{shown}")
            time.sleep(POLL)

    # -- processes -------------------------------------------------------------------------

    def marked_pids(self) -> list[int]:
        """Processes carrying this run's marker: the app and every child it started."""
        pids = []
        needle = f"{MARKER_ENV}={self.marker}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if needle in environ.split(b"\0"):
                pids.append(int(entry.name))
        return pids

    def app_pids(self) -> list[int]:
        """The app's processes found by `pgrep -f` on the marker in its command line."""
        result = subprocess.run(["pgrep", "-f", str(self.data_dir)], capture_output=True, text=True)
        return [int(pid) for pid in result.stdout.split()]

    def close(self) -> None:
        """Stop the server and anything of this run still alive (only what this run started)."""
        subprocess.run(
            [self.tmux, "-L", self.socket, "kill-server"], capture_output=True, timeout=30
        )
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
        for pid in self.marked_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
