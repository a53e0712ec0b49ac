"""Pacing, output and input for the demo agents.

The agents are child processes in a PTY, so blocking here is fine: waiting is their job. One
`Runtime` hides the two modes: live (random, paced by `--speed`) and deterministic (`--speed 0`
or `--script-only`: fixed seed, no waiting, each round printed at once, the next round only when
a line arrives on stdin) so snapshot tests see byte-identical screens.
"""

from __future__ import annotations

import errno
import os
import random
import select
import shutil
import time
from collections.abc import Callable

from .ansi import CLEAR_LINE, SPINNER

__all__ = ["EndOfInput", "Hangup", "Runtime"]

DEFAULT_SEED = 0
"""The seed of the deterministic mode when `--seed` is not given."""


class EndOfInput(Exception):
    """Stdin reached end of file where the agent needed input: the agent ends cleanly."""


class Hangup(Exception):
    """The terminal went away (EIO/EPIPE on write): nobody is watching, so stop."""


class Runtime:
    """Output, randomness, pacing and line input shared by every agent."""

    def __init__(
        self,
        *,
        speed: float = 1.0,
        seed: int | None = None,
        script_only: bool = False,
        out_fd: int = 1,
        in_fd: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.deterministic = script_only or speed == 0
        self.speed = speed
        if seed is None and self.deterministic:
            seed = DEFAULT_SEED
        self.rng = random.Random(seed)
        self.out_fd = out_fd
        self.in_fd = in_fd
        self._clock = clock
        self._pending = b""
        self._input_closed = False
        self._input_is_tty = os.isatty(in_fd)

    # -- output ---------------------------------------------------------------------------

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            try:
                written = os.write(self.out_fd, data)
            except InterruptedError:
                continue
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EPIPE):
                    raise Hangup from None
                raise
            data = data[written:]

    def line(self, text: str = "") -> None:
        self.write(text + "\n")

    @property
    def width(self) -> int:
        """Terminal columns, read each time so a resized pane gets resized output."""
        return max(40, min(self.columns, 160))

    @property
    def columns(self) -> int:
        """The terminal's real width: a line redrawn in place must fit it, or it wraps and the
        redraw leaves its first part behind (as in any terminal)."""
        return shutil.get_terminal_size((80, 24)).columns

    # -- pacing ---------------------------------------------------------------------------

    def pause(self, seconds: float) -> str | None:
        """Wait (live mode only); returns a line typed meanwhile, if any, ending the wait early."""
        if self.deterministic or seconds <= 0:
            return self._buffered_line()
        deadline = self._clock() + seconds / self.speed
        while True:
            line = self._buffered_line()
            if line is not None:
                return line
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            if self._input_closed:
                time.sleep(remaining)
                return None
            readable, _, _ = select.select([self.in_fd], [], [], remaining)
            if readable and not self._fill():
                if self._input_is_tty:
                    raise EndOfInput  # Ctrl-D in the pane: the user wants the agent gone
                self._input_closed = True

    def spin(self, label: str, seconds: float, frames: int = 12) -> None:
        """A spinner redrawn in place with `\\r`, left on screen as a finished line."""
        step = seconds / frames
        label = label[: max(0, self.columns - 3)]
        for index in range(frames):
            self.write(f"{CLEAR_LINE}{SPINNER[index % len(SPINNER)]} {label}")
            self.pause(step)
        self.write(CLEAR_LINE)

    def type_out(self, text: str, per_char: float = 0.04) -> None:
        """Write text as if typed, a character at a time in live mode."""
        if self.deterministic:
            self.write(text)
            return
        for char in text:
            self.write(char)
            self.pause(per_char * self.rng.uniform(0.5, 1.8))

    # -- input ----------------------------------------------------------------------------

    def read_line(self) -> str:
        """Block until a whole line arrives on stdin; `EndOfInput` at end of file."""
        while True:
            line = self._buffered_line()
            if line is not None:
                return line
            if self._input_closed or not self._fill():
                self._input_closed = True
                raise EndOfInput

    def between_rounds(self, seconds: float) -> str | None:
        """Live: idle a while. Deterministic: block for a line on stdin, the next round's cue."""
        if self.deterministic:
            return self.read_line()
        return self.pause(seconds)

    def _fill(self) -> bool:
        """Read what stdin has; False at end of file. Undecodable bytes are tolerated."""
        while True:
            try:
                chunk = os.read(self.in_fd, 4096)
            except InterruptedError:
                continue
            except OSError as exc:
                if exc.errno == errno.EIO:
                    return False
                raise
            break
        if not chunk:
            return False
        self._pending += chunk
        return True

    def _buffered_line(self) -> str | None:
        """Split off one line ended by LF, CR or CRLF (raw-mode terminals send CR for Enter)."""
        ends = [i for i in (self._pending.find(b"\n"), self._pending.find(b"\r")) if i >= 0]
        if not ends:
            return None
        index = min(ends)
        raw, rest = self._pending[:index], self._pending[index + 1 :]
        if self._pending[index : index + 1] == b"\r" and rest.startswith(b"\n"):
            rest = rest[1:]
        self._pending = rest
        return raw.decode("utf-8", "replace")
