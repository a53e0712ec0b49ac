"""Real programs on a real PTY, rendered by our emulator alone (no Textual): vim, less, bash.

The child's output is fed to the emulator as it arrives and the emulator's replies (DA, CPR) are
written back, as the pane does. Waits are on conditions with generous deadlines, never fixed sleeps.
"""

from __future__ import annotations

import os
import select
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ptyprocess import PtyProcess

from aisession_tui.terminal import Emulator, PromptMark, TerminalEvent

pytestmark = pytest.mark.timeout(120)
DEADLINE = 20.0


class Terminal:
    """A child on a PTY, its output parsed by an Emulator."""

    def __init__(self, argv: list[str], columns: int = 80, lines: int = 24, cwd: str | None = None):
        self.events: list[TerminalEvent] = []
        env = {
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": cwd or os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        self.process = PtyProcess.spawn(argv, dimensions=(lines, columns), env=env, cwd=cwd)
        self.emulator = Emulator(
            columns, lines, on_event=self.events.append, reply=self.process.write
        )

    def pump(self, timeout: float) -> bool:
        """Feed whatever output arrives within `timeout`; False once the child closed the PTY."""
        ready, _, _ = select.select([self.process.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.process.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.emulator.feed(data)
        return True

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if time.monotonic() > deadline:
                screen = "\n".join(self.emulator.text_lines())
                raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")
            if not self.pump(0.2) and not condition():
                screen = "\n".join(self.emulator.text_lines())
                raise AssertionError(f"child exited before {what}; screen:\n{screen}")

    def shows(self, text: str) -> bool:
        return any(text in line for line in self.emulator.text_lines())

    def type(self, data: str) -> None:
        self.process.write(data.encode())

    def close(self) -> None:
        if self.process.isalive():
            self.process.terminate(force=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    made: list[Terminal] = []

    def start(argv: list[str], **kwargs: object) -> Terminal:
        if shutil.which(argv[0]) is None:
            pytest.skip(f"{argv[0]} is not installed")
        term = Terminal(argv, cwd=str(tmp_path), **kwargs)  # type: ignore[arg-type]
        made.append(term)
        return term

    yield start
    for term in made:
        term.close()


def test_vim_insert_mode_typing_and_quit_restore_the_main_screen(terminal, tmp_path) -> None:
    term = terminal(["vim", "-u", "NONE", "-i", "NONE", "-N", "-n", str(tmp_path / "f.txt")])
    term.wait_for(lambda: term.emulator.alternate_screen and term.shows("~"), "vim's empty buffer")
    assert term.emulator.application_cursor_keys and term.emulator.bracketed_paste

    def only_tildes() -> bool:
        return all(row.rstrip() in ("", "~") for row in term.emulator.text_lines()[:-1])

    # vim probes the ambiguous width by drawing a "▽" and asking where the cursor went; it wipes
    # it once our reply arrives. No stray bytes of its queries may stay on screen.
    term.wait_for(only_tildes, "vim's screen without what its terminal queries drew")
    term.type("ihello from a real vim")
    term.wait_for(lambda: term.shows("hello from a real vim"), "typed text")
    assert term.emulator.text_lines()[0].startswith("hello from a real vim")
    term.type("\x1b:q!\r")
    term.wait_for(lambda: not term.emulator.alternate_screen, "vim to leave the alternate screen")
    assert not term.shows("hello from a real vim")


def test_less_pages_through_a_file_and_quits(terminal, tmp_path) -> None:
    (tmp_path / "numbers.txt").write_text("".join(f"line number {i}\n" for i in range(1, 201)))
    term = terminal(["less", str(tmp_path / "numbers.txt")], lines=10)
    term.wait_for(lambda: term.shows("line number 1"), "the first page")
    assert not term.shows("line number 12")
    term.type(" ")
    term.wait_for(lambda: term.shows("line number 12"), "the second page")
    term.type("G")
    term.wait_for(lambda: term.shows("line number 200"), "the end of the file")
    term.type("q")
    term.wait_for(lambda: not term.emulator.alternate_screen, "less to quit")


def test_bash_runs_commands_and_reports_prompt_marks_and_cwd(terminal, tmp_path) -> None:
    term = terminal(["bash", "--norc", "--noprofile", "-i"], columns=60, lines=8)
    term.type("PS1='ready> '\r")
    term.wait_for(lambda: term.shows("ready>"), "the prompt")
    term.type("echo $((6 * 7))\r")
    term.wait_for(lambda: term.shows("42"), "the command's output")
    term.type(r"printf '\e]133;D;3\a\e]7;file://host%s\a' " + '"$PWD"\r')
    term.wait_for(lambda: term.emulator.cwd is not None, "the OSC 7 working directory")
    assert term.emulator.cwd == str(tmp_path)
    assert PromptMark("D", 3, "3") in term.events
    term.type("seq 1 500\r")

    def flood_done() -> bool:
        rows = [row.rstrip() for row in term.emulator.text_lines() if row.strip()]
        return "500" in rows and rows[-1] == "ready>"

    term.wait_for(flood_done, "a flood to finish")
    assert term.emulator.history_size > 400
