"""What an agent is doing right now, derived from what its session does.

`StateDetector` combines output timing, the screen (questions, menus, anywhere on it), OSC 133
marks (a shell prompt with no command running), attention requests (BEL, OSC 9 / 777 / 99
notifications), parsed events (failed tests or builds) and the process exit into one
`AgentState` with a short human `reason`.

States must not thrash: strong signals (a question on screen, a notification, a mark, a result,
the exit, an authoritative `external` signal such as an agent's hook) apply at once; the weak
ones (output means working, silence means idle) only once they have held: working after
`hold` seconds of output with no question on screen, idle after `idle_after` seconds of silence.
While working, redraws never change the reason, so a spinner is one state, not twenty events.
Timers are the loop's (`call_later`): one for silence, re-armed from the last output when it
fires, and one for a pending working state; never polling, never rescheduled per chunk.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeAlias

from aisession_tui.core.types import utc_now

from .integration import CwdMark, ShellMark, display_command
from .parsing import EventKind, ParsedEvent, strip_ansi
from .screen_prompts import clean_question, prompt_on_screen

__all__ = [
    "ATTENTION_STATES",
    "AgentState",
    "AgentStatus",
    "StateChange",
    "StateDetector",
    "is_spinner_frame",
]

DEFAULT_IDLE_AFTER = 5.0
HOLD_SECONDS = 0.4  # output must go on this long (question-free) before it means working
SETTLE_SECONDS = 1.0  # a result (done/error) outlives output that follows within this time
_TIMER_SLACK = 0.001


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


ATTENTION_STATES = frozenset({AgentState.WAITING_FOR_INPUT, AgentState.ERROR, AgentState.EXITED})


@dataclass(frozen=True, slots=True)
class StateChange:
    old: AgentStatus
    new: AgentStatus

    @property
    def notable(self) -> bool:
        """Worth a notification: the session just entered waiting, error or exited (a new
        reason within the same state is news for a title, not for a notification)."""
        return self.new.state in ATTENTION_STATES and self.old.state is not self.new.state


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


CallLater: TypeAlias = Callable[[float, Callable[[], None]], TimerHandle]


_SPINNER_CHARS = frozenset("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏⣾⣽⣻⢿⡿⣟⣯⣷◐◓◑◒◴◷◶◵✶✷✸✹✺✻✽✢·|/-\\")
_REDRAW = re.compile(r"\r(?!\n)|\x1b\[\d*[AK]|\x1b\[\d*G")


def is_spinner_frame(chunk: str) -> bool:
    """A short redraw (CR or cursor movement) whose visible text holds a spinner glyph."""
    if len(chunk) > 400 or not _REDRAW.search(chunk):
        return False
    visible = strip_ansi(chunk).replace("\r", " ").strip()
    return bool(visible) and visible[0] in _SPINNER_CHARS


class StateDetector:
    """Derives the `AgentState` of one session from the signals fed to it.

    `call_later(delay, callback)` schedules the timers; by default the running loop's
    `call_later` (without a loop, silence is not tracked and a pending working state waits
    for the next output). Tests replaying recordings pass a virtual clock and timers.
    """

    def __init__(
        self,
        on_change: Callable[[StateChange], None] | None = None,
        *,
        idle_after: float = DEFAULT_IDLE_AFTER,
        hold: float = HOLD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        call_later: CallLater | None = None,
    ) -> None:
        if idle_after <= 0:
            raise ValueError(f"idle_after must be positive, got {idle_after}")
        if hold < 0:
            raise ValueError(f"hold must not be negative, got {hold}")
        self._listeners: list[Callable[[StateChange], None]] = []
        if on_change is not None:
            self._listeners.append(on_change)
        self.idle_after = idle_after
        self.hold = hold
        self._clock = clock
        self._wall = wall_clock
        self._call_later = call_later
        self._status = AgentStatus(AgentState.IDLE, "no output yet", wall_clock())
        self._status_at = clock()
        self._last_output: float | None = None
        self._timer: TimerHandle | None = None
        self._hold_timer: TimerHandle | None = None
        self._working_since: float | None = None  # output began; working once it holds
        self._waiting_on_screen = False  # the current wait is a question the screen shows
        self._authority_until: float | None = None
        self._has_screen = False
        self._screen: list[str] = []
        self._screen_prompt: ParsedEvent | None = None  # what `_screen` asks, once computed
        self._screen_read = False
        self.on_quiet: Callable[[], None] | None = None  # output stopped for `idle_after`
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

    @property
    def authoritative(self) -> bool:
        """An `external` signal decides the state now; screen heuristics wait."""
        return self._authority_until is not None and self._clock() < self._authority_until

    def subscribe(self, listener: Callable[[StateChange], None]) -> Callable[[], None]:
        """Call `listener` on every state change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- signals ------------------------------------------------------------------------------

    def output(self, text: str, screen_lines: list[str] | None = None) -> None:
        """Output arrived (decoded text); `screen_lines` is the whole emulated screen after it,
        when an emulator is available (None: the detector keeps the last lines of output)."""
        if self._exited:
            return
        now = self._clock()
        self._last_output = now
        if screen_lines is not None:
            self._new_screen(screen_lines)
            self._has_screen = True
        elif not self._has_screen:
            self._new_screen(_tail_lines(self._screen, text))
        self._arm_timer()
        if self.authoritative:
            return
        if self._integrated and self._at_prompt and not self._command_running:
            return  # typing at a shell prompt echoes, but nobody is working
        if self._question_on_screen():
            return
        if self.state in (AgentState.DONE, AgentState.ERROR) and (
            now - self._status_at < SETTLE_SECONDS
        ):
            return
        if self.state is AgentState.WORKING:
            return  # redraws and spinners go on: the same state, the same reason
        if self._working_since is None:
            self._working_since = now
            self._arm_hold_timer()
        elif now - self._working_since >= self.hold:
            self._commit_working()

    def screen(self, lines: list[str]) -> None:
        """A newer look at the screen without new output (after a resize, or the monitor's
        read once a burst of redraws ends): a question on it applies as from `output`."""
        self._new_screen(lines)
        self._has_screen = True
        if self._exited or self.authoritative:
            return
        if not (self._integrated and self._at_prompt and not self._command_running):
            self._question_on_screen()

    def schedule(self, delay: float, callback: Callable[[], None]) -> TimerHandle | None:
        """Run `callback` after `delay` seconds on the detector's timers (None: no timers)."""
        return self._schedule(delay, callback)

    def now(self) -> float:
        return self._clock()

    def _new_screen(self, lines: list[str]) -> None:
        self._screen = lines
        self._screen_read = False

    def _prompt_on_screen(self) -> ParsedEvent | None:
        """The question on the latest screen, read once per screen (output between two screen
        reads asks the same screen again)."""
        if not self._screen_read:
            self._screen_prompt = prompt_on_screen(self._screen)
            self._screen_read = True
        return self._screen_prompt

    def _question_on_screen(self) -> bool:
        """Wait for the question the screen shows, if any (a changed question must hold)."""
        prompt = self._prompt_on_screen()
        if prompt is None:
            return False
        self._working_since = None
        reason = _prompt_reason(prompt)
        settling = self.state is AgentState.WAITING_FOR_INPUT and self.reason != reason
        if settling and self._waiting_on_screen and self._arm_hold_timer():
            return True  # a dialog still being drawn, or the next one: it must hold first
        self._drop_pending()
        self._wait(reason, on_screen=True)
        return True

    def attention(self, source: str, message: str | None = None) -> None:
        """The program asked for attention: BEL (``source="bell"``) or a desktop notification
        (OSC 9 / 777 / 99, with its text). The person is needed: waiting, at once."""
        if self._exited or self.authoritative:
            return
        if self._integrated and self._at_prompt and not self._command_running:
            return  # a shell's completion bell at its prompt
        self._drop_pending()
        text = clean_question(message) if message else ""
        self._wait(f"{source}: {text}" if text else f"{source} rang", on_screen=False)

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
            if self.authoritative:
                return
            label = f"running `{self._command}`" if self._command else "command running"
            self._drop_pending()
            self._set(AgentState.WORKING, label)
        elif mark.kind == "D":
            was_running, self._command_running = self._command_running, False
            if was_running and not self.authoritative:
                self._command_finished(mark.exit_code)
            self._command = None
        elif mark.kind in ("A", "B"):
            self._at_prompt = True
            self._command_running = False
            if self.authoritative:
                return
            self._drop_pending()
            if self.state not in (AgentState.DONE, AgentState.ERROR):
                self._wait("OSC 133;A prompt, no command running", on_screen=False)

    def parsed(self, events: list[ParsedEvent]) -> None:
        """Events `parse_output` found in the latest output. With a screen, questions are the
        screen's to tell (a parser sees cursor-addressed redraws as one endless line)."""
        if self._exited or self.authoritative:
            return
        for event in events:
            if event.is_failure:
                self._drop_pending()
                self._set(AgentState.ERROR, event.summary())
            elif event.kind in (EventKind.TEST_SUMMARY, EventKind.BUILD_RESULT) and event.success:
                self._drop_pending()
                self._set(AgentState.DONE, event.summary())
            elif event.kind is EventKind.PROMPT and not self._has_screen:
                self._drop_pending()
                self._wait(_prompt_reason(event), on_screen=True)

    def external(
        self,
        state: AgentState,
        reason: str,
        *,
        exit_code: int | None = None,
        hold: float | None = None,
    ) -> None:
        """An authoritative signal from outside the screen (an agent's own hook: "permission
        requested", "turn finished"). It applies at once and the screen heuristics are ignored
        until `release()`, the next external signal, the process exit, or `hold` seconds."""
        if self._exited:
            return
        self._drop_pending()
        self._authority_until = math.inf if hold is None else self._clock() + hold
        self._waiting_on_screen = False
        self._set(state, reason, exit_code=exit_code)

    def release(self) -> None:
        """Give the state back to the heuristics (the external source went away)."""
        self._authority_until = None

    def exited(self, exit_code: int | None) -> None:
        """The session's process ended: final."""
        self._cancel_timer()
        self._drop_pending()
        if self._exited:
            return
        self._exited = True
        self._authority_until = None
        reason = (
            f"process exited with code {exit_code}" if exit_code is not None else "process ended"
        )
        self._set(AgentState.EXITED, reason, exit_code=exit_code, final=True)

    def close(self) -> None:
        """Stop the timers (the session is gone)."""
        self._cancel_timer()
        self._drop_pending()
        self._listeners.clear()

    # --- internals ----------------------------------------------------------------------------

    def _command_finished(self, exit_code: int | None) -> None:
        self._drop_pending()
        name = f"`{self._command}`" if self._command else "command"
        if exit_code is None:
            self._set(AgentState.DONE, f"{name} finished")
        elif exit_code == 0:
            self._set(AgentState.DONE, f"{name} finished (exit 0)")
        else:
            self._set(AgentState.ERROR, f"{name} failed (exit {exit_code})")

    def _wait(self, reason: str, *, on_screen: bool) -> None:
        self._waiting_on_screen = on_screen
        self._set(AgentState.WAITING_FOR_INPUT, reason)

    def _set(
        self, state: AgentState, reason: str, exit_code: int | None = None, final: bool = False
    ) -> None:
        old = self._status
        if old.state is state and old.reason == reason and old.exit_code == exit_code:
            return
        if old.state is AgentState.EXITED and not final:
            return
        self._status = AgentStatus(state, reason, self._wall(), exit_code)
        self._status_at = self._clock()
        change = StateChange(old, self._status)
        for listener in list(self._listeners):
            listener(change)

    # --- the pending working state ------------------------------------------------------------

    def _arm_hold_timer(self) -> bool:
        """Start the hold timer (once); False without timers."""
        if self._hold_timer is None:
            self._hold_timer = self._schedule(self.hold, self._on_hold)
        return self._hold_timer is not None

    def _on_hold(self) -> None:
        """`hold` seconds after output began without a question on screen, or after the
        question on screen changed: what the screen shows now decides."""
        self._hold_timer = None
        since, self._working_since = self._working_since, None
        if self._exited or self.authoritative:
            return
        if prompt := self._prompt_on_screen():
            self._wait(_prompt_reason(prompt), on_screen=True)
            return
        if since is None:
            return
        answered = self.state is AgentState.WAITING_FOR_INPUT and self._waiting_on_screen
        if (self._last_output is not None and self._last_output > since) or answered:
            self._commit_working()
        # else: one lone redraw (a clock, a cursor blink) is no work: the state stays.

    def _commit_working(self) -> None:
        self._drop_pending()
        self._set(AgentState.WORKING, "output flowing")

    def _drop_pending(self) -> None:
        self._working_since = None
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None

    # --- silence ------------------------------------------------------------------------------

    def _schedule(self, delay: float, callback: Callable[[], None]) -> TimerHandle | None:
        if self._call_later is None:
            try:
                self._call_later = asyncio.get_running_loop().call_later
            except RuntimeError:
                return None  # no loop (a synchronous caller): no timers
        return self._call_later(delay, callback)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            return  # the pending timer re-arms itself from the last output time
        self._timer = self._schedule(self.idle_after, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        if self._exited or self._last_output is None:
            return
        quiet = self._clock() - self._last_output
        if quiet < self.idle_after - _TIMER_SLACK:  # timers may fire a tick early
            self._timer = self._schedule(self.idle_after - quiet, self._on_timer)
            return
        self._on_silence(quiet)

    def _on_silence(self, quiet: float) -> None:
        self._drop_pending()
        if self.on_quiet is not None:
            self.on_quiet()
        if self.authoritative or self.state in (AgentState.DONE, AgentState.ERROR):
            return
        prompt = self._prompt_on_screen()
        if prompt is not None:
            self._wait(_prompt_reason(prompt), on_screen=True)
        elif self.state is AgentState.WAITING_FOR_INPUT and not self._waiting_on_screen:
            return  # a bell, a notification or a shell prompt: still waiting
        elif self._integrated and self._at_prompt and not self._command_running:
            self._wait("OSC 133;A prompt, no command running", on_screen=False)
        elif self._command_running:
            self._set(AgentState.IDLE, f"`{self._command or 'command'}` silent for {quiet:.1f}s")
        else:
            self._set(AgentState.IDLE, f"no output for {quiet:.1f}s")


def _prompt_reason(event: ParsedEvent) -> str:
    message = clean_question(event.message)
    if event.tool == "menu":
        return f"screen shows a {len(event.choices)}-choice menu: {message}"
    if event.choices == ("y", "n"):
        return f"screen asks yes/no: {message}"
    return f"screen asks: {message}"


MAX_TAIL_LINE = 512  # without an emulator, a line that never ends is kept this long


def _tail_lines(previous: list[str], text: str, keep: int = 8) -> list[str]:
    """A cheap stand-in for the screen without an emulator: the last lines of output (each cut
    to its last `MAX_TAIL_LINE` characters, so output without newlines stays bounded)."""
    joined = "\n".join(previous) + text if previous else text
    lines = joined.replace("\r\n", "\n").split("\n")[-keep:]
    lines = [line.rsplit("\r", 1)[-1] if "\r" in line.rstrip("\r") else line for line in lines]
    return [line[-MAX_TAIL_LINE:] for line in lines]
