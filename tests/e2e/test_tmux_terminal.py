"""The installed app in tmux, as an xterm-like terminal for its children (issue 16): real keys
typed into tmux reach a child as the bytes xterm would send, and a child starts at its pane's
size."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .tmux import APP, TmuxApp, require, tmux_program

#: A child that puts its terminal in raw mode and appends every read, as hex, to a file.
RECORDER = """
import os, sys, tty
tty.setraw(0)
with open(sys.argv[1], "a") as out:
    while True:
        data = os.read(0, 1024)
        out.write(data.hex() + "\\n")
        out.flush()
"""

#: tmux key name -> the bytes xterm sends for it (and tmux too).
KEYS = [
    ("M-.", b"\x1b."),
    ("M-#", b"\x1b#"),
    ("M-/", b"\x1b/"),
    ("M-Enter", b"\x1b\r"),
    ("C-M-a", b"\x1b\x01"),
    ("M-BSpace", b"\x1b\x7f"),
    ("M-Tab", b"\x1b\t"),
    ("C-h", b"\x08"),
    ("M-b", b"\x1bb"),
    ("S-Up", b"\x1b[1;2A"),
]


@pytest.fixture
def tmux_app(tmp_path: Path) -> Iterator[TmuxApp]:
    tmux = tmux_program()
    require(APP, f"the installed console script {APP}")
    app = TmuxApp(tmux, tmp_path)
    try:
        yield app
    finally:
        app.close()


def recorded(path: Path) -> list[bytes]:
    if not path.exists():
        return []
    return [bytes.fromhex(line) for line in path.read_text().split()]


def test_keys_typed_in_a_real_terminal_reach_the_child_as_xterm_sends_them(
    tmux_app: TmuxApp, tmp_path: Path
) -> None:
    log = tmp_path / "keys.log"
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    tmux_app.start(["-s", f"rec={sys.executable} {script} {log}"])
    tmux_app.wait_for(lambda lines: any("rec" in line for line in lines), "the session's pane")

    def child_reads() -> bool:
        tmux_app.keys("x")  # until one arrives: raw mode flushes what was typed before it
        time.sleep(0.2)
        return bool(recorded(log))

    tmux_app.wait_until(child_reads, "the child recording keys")
    for key, expected in KEYS:
        before = b"".join(recorded(log))
        tmux_app.keys(key)
        tmux_app.wait_until(
            lambda before=before: len(b"".join(recorded(log))) > len(before), f"{key} sent"
        )
        tmux_app.wait_until(
            lambda before=before, expected=expected: b"".join(recorded(log)) == before + expected,
            f"{key} arriving as {expected!r} (got {b''.join(recorded(log))[len(before) :]!r})",
        )


def test_a_child_starts_at_its_panes_size_and_is_not_resized_after(tmux_app: TmuxApp) -> None:
    tmux_app.start(["-s", "t=sh -c 'stty size; sleep 1; stty size; exec cat'"])
    sizes = re.compile(r"(\d+) (\d+)")

    def two_sizes(lines: list[str]) -> bool:
        return len([line for line in lines if sizes.search(line)]) >= 2

    lines = tmux_app.wait_for(two_sizes, "`stty size` printed twice")
    first, second = (sizes.search(line).groups() for line in lines if sizes.search(line))
    assert first == second
    assert first != ("24", "80")
