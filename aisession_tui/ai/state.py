"""What an agent is doing right now, derived from what its session does.

`StateDetector` combines output timing (and spinner redraws), the text at the bottom of the
screen (questions, menus), OSC 133 marks (a shell prompt with no command running), parsed events
(failed tests or builds) and the process exit into one `AgentState` with a human `reason`.
Silence is noticed by a single `loop.call_later` per session, re-armed from the time of the last
output when it fires, never by polling and never rescheduled per chunk.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aisession_tui.core.types import utc_now

from .integration import CwdMark, ShellMark, display_command
from .parsing import EventKind, ParsedEvent, prompt_on_screen, strip_ansi

__all__ = ["AgentState", "AgentStatus", "StateChange", "StateDetector", "is_spinner_frame"]

DEFAULT_IDLE_AFTER = 5.0
SETTLE_SECONDS = 1.0  # a result (done/error) outlives output that follows within this time


class AgentState(StrEnum):
    WORKING = "working"
    WAITING_FOR_INPUT = "waiting_for_input"
    IDLE = "idle"
    DONE = "done"
    ERROR = "error"
    EXITED = "exited"


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """A state, why we believe it, and since when."""

    state: AgentState
    reason: str
    since: datetime
    exit_code: int | None = None

    @property
    def label(self) -> str:
        """Badge text: ``exited (1)`` for exits, the state's words otherwise."""
        if self.state is AgentState.EXITED:
            return f"exited ({self.exit_code})" if self.exit_code is not None else "exited"
        return self.state.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class StateChange:
    old: AgentStatus
    new: AgentStatus


_SPINNER_CHARS = frozenset("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏⣾⣽⣻⢿⡿⣟⣯⣷◐◓◑◒◴◷◶◵✶✷✸✹✺✻✽✢·|/-\\")
_REDRAW = re.compile(r"\r(?!\n)|\x1b\[\d*[AK]|\x1b\[\d*G")


def is_spinner_frame(chunk: str) -> bool:
    """A short redraw (CR or cursor movement) whose visible text holds a spinner glyph."""
    if len(chunk) > 400 or not _REDRAW.search(chunk):
        return False
    visible = strip_ansi(chunk).replace("\r", " ").strip()
    return bool(visible) and visible[0] in _SPINNER_CHARS


class StateDetector:
    """Derives the `AgentState` of one session from the signals fed to it."""

    def __init__(
        self,
        on_change: Callable[[StateChange], None] | None = None,
        *,
        idle_after: float = DEFAULT_IDLE_AFTER,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if idle_after <= 0:
            raise ValueError(f"idle_after must be positive, got {idle_after}")
        self._listeners: list[Callable[[StateChange], None]] = []
        if on_change is not None:
            self._listeners.append(on_change)
        self.idle_after = idle_after
        self._clock = clock
        self._wall = wall_clock
        self._status = AgentStatus(AgentState.IDLE, "no output yet", wall_clock())
        self._status_at = clock()
        self._last_output: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._screen: list[str] = []
        self._command: str | None = None
        self._command_running = False
        self._at_prompt = False
        self._integrated = False
        self._exited = False

    # --- reading ----------------------------------------------------------------------------

    @property
    def status(self) -> AgentStatus:
        return self._status

    @property
    def state(self) -> AgentState:
        return self._status.state

    @property
    def reason(self) -> str:
        return self._status.reason

    def subscribe(self, listener: Callable[[StateChange], None]) -> Callable[[], None]:
        """Call `listener` on every state change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- signals ------------------------------------------------------------------------------

    def output(self, text: str, screen_lines: list[str] | None = None) -> None:
        """Output arrived (decoded text); `screen_lines` is the emulated screen after it, up to
        the cursor row, when an emulator is available."""
        if self._exited:
            return
        now = self._clock()
        self._last_output = now
        if screen_lines is not None:
            self._screen = screen_lines
        else:
            self._screen = _tail_lines(self._screen, text)
        self._arm_timer()
        if self._integrated and self._at_prompt and not self._command_running:
            return  # typing at a shell prompt echoes, but nobody is working
        prompt = prompt_on_screen(self._screen)
        if prompt is not None:
            self._set(AgentState.WAITING_FOR_INPUT, _prompt_reason(prompt))
            return
        if self.state in (AgentState.DONE, AgentState.ERROR) and (
            now - self._status_at < SETTLE_SECONDS
        ):
            return
        if is_spinner_frame(text):
            self._set(AgentState.WORKING, "spinner animating")
        elif self.state is not AgentState.WORKING or self.reason != "output flowing":
            self._set(AgentState.WORKING, "output flowing")

    def screen(self, lines: list[str]) -> None:
        """The screen changed without new output (e.g. after a resize)."""
        self._screen = lines

    def mark(self, mark: ShellMark | CwdMark) -> None:
        """A shell-integration mark."""
        if self._exited or isinstance(mark, CwdMark):
            return
        self._integrated = True
        if mark.kind == "E":
            self._command = display_command(mark.command.strip()) or None
        elif mark.kind == "C":
            self._command_running = True
            self._at_prompt = False
            label = f"running `{self._command}`" if self._command else "command running"
            self._set(AgentState.WORKING, label)
        elif mark.kind == "D":
            was_running, self._command_running = self._command_running, False
            if was_running:
                self._command_finished(mark.exit_code)
            self._command = None
        elif mark.kind in ("A", "B"):
            self._at_prompt = True
            self._command_running = False
            if self.state not in (AgentState.DONE, AgentState.ERROR):
                self._set(AgentState.WAITING_FOR_INPUT, "OSC 133;A prompt, no command running")

    def parsed(self, events: list[ParsedEvent]) -> None:
        """Events `parse_output` found in the latest output."""
        if self._exited:
            return
        for event in events:
            if event.is_failure:
                self._set(AgentState.ERROR, event.summary())
            elif event.kind in (EventKind.TEST_SUMMARY, EventKind.BUILD_RESULT) and event.success:
                self._set(AgentState.DONE, event.summary())
            elif event.kind is EventKind.PROMPT:
                self._set(AgentState.WAITING_FOR_INPUT, _prompt_reason(event))

    def exited(self, exit_code: int | None) -> None:
        """The session's process ended: final."""
        self._cancel_timer()
        if self._exited:
            return
        self._exited = True
        reason = (
            f"process exited with code {exit_code}" if exit_code is not None else "process ended"
        )
        self._set(AgentState.EXITED, reason, exit_code=exit_code)

    def close(self) -> None:
        """Stop the silence timer (the session is gone)."""
        self._cancel_timer()
        self._listeners.clear()

    # --- internals ----------------------------------------------------------------------------

    def _command_finished(self, exit_code: int | None) -> None:
        name = f"`{self._command}`" if self._command else "command"
        if exit_code is None:
            self._set(AgentState.DONE, f"{name} finished")
        elif exit_code == 0:
            self._set(AgentState.DONE, f"{name} finished (exit 0)")
        else:
            self._set(AgentState.ERROR, f"{name} failed (exit {exit_code})")

    def _set(self, state: AgentState, reason: str, exit_code: int | None = None) -> None:
        old = self._status
        if old.state is state and old.reason == reason:
            return
        if old.state is AgentState.EXITED:
            return
        self._status = AgentStatus(state, reason, self._wall(), exit_code)
        self._status_at = self._clock()
        change = StateChange(old, self._status)
        for listener in list(self._listeners):
            listener(change)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            return  # the pending timer re-arms itself from the last output time
        try:
            self._loop = self._loop or asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): silence is not tracked
        self._timer = self._loop.call_later(self.idle_after, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        if self._exited or self._last_output is None:
            return
        quiet = self._clock() - self._last_output
        if quiet < self.idle_after:
            assert self._loop is not None
            self._timer = self._loop.call_later(self.idle_after - quiet, self._on_timer)
            return
        self._on_silence(quiet)

    def _on_silence(self, quiet: float) -> None:
        if self.state in (AgentState.DONE, AgentState.ERROR, AgentState.WAITING_FOR_INPUT):
            return
        prompt = prompt_on_screen(self._screen)
        if prompt is not None:
            self._set(AgentState.WAITING_FOR_INPUT, _prompt_reason(prompt))
        elif self._integrated and self._at_prompt and not self._command_running:
            self._set(AgentState.WAITING_FOR_INPUT, "OSC 133;A prompt, no command running")
        elif self._command_running:
            self._set(AgentState.IDLE, f"`{self._command or 'command'}` silent for {quiet:.1f}s")
        else:
            self._set(AgentState.IDLE, f"no output for {quiet:.1f}s")


def _prompt_reason(event: ParsedEvent) -> str:
    if event.tool == "menu":
        return f"screen shows a {len(event.choices)}-choice menu: {event.message}"
    if event.choices == ("y", "n"):
        return f"screen matches [y/N]: {event.message}"
    return f"screen asks: {event.message}"


def _tail_lines(previous: list[str], text: str, keep: int = 8) -> list[str]:
    """A cheap stand-in for the screen without an emulator: the last lines of output."""
    joined = "\n".join(previous) + text if previous else text
    lines = joined.replace("\r\n", "\n").split("\n")[-keep:]
    return [line.rsplit("\r", 1)[-1] if "\r" in line.rstrip("\r") else line for line in lines]
