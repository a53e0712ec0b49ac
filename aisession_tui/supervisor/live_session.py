"""A running session joined to its emulator: output is parsed in time slices with backpressure.

This module knows nothing of Textual, so the flow control is testable without a screen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import StrEnum
from time import perf_counter

from ..core.events import OutputReceived, ProcessExited, SessionEvent, StatusChanged
from ..core.runtime import Runtime, default_runtime
from ..core.session import AISession
from ..core.types import SessionStatus
from ..terminal.emulator import DEFAULT_SCROLLBACK, Emulator
from ..terminal.events import (
    Bell,
    ClipboardSet,
    ColorsChanged,
    CwdChanged,
    TerminalEvent,
    TitleChanged,
)

#: Time one feeding step aims at; the chunk size adapts to the parse rate to hit it.
STEP_SECONDS = 0.001
MIN_CHUNK_BYTES = 1024
MAX_CHUNK_BYTES = 64 * 1024
#: Lines parsed in one step at most, whatever their length.
MAX_LINES_PER_STEP = 1000
#: Unparsed output at which the session stops reading its PTY (the child then blocks, as in tmux):
#: what this pane parses in `BACKLOG_SECONDS`, within these bounds. A slow-to-parse flood (`yes`)
#: thus queues little, and Ctrl+C shows its prompt soon; a fast one reads ahead more.
BACKLOG_SECONDS = 0.025
MIN_HIGH_WATER = 64 * 1024
MAX_HIGH_WATER = 1024 * 1024
#: Reading resumes when the backlog is down to this fraction of the high-water mark.
LOW_WATER_FRACTION = 0.25
#: Output that may wait unread in the session's read-ahead, besides our own queue: this fraction
#: of the high-water mark (more made Ctrl+C in a `yes` flood slower, and `cat` no faster).
READ_AHEAD_FRACTION = 0.25
#: The read-ahead is asked again only once the wanted size is this factor away from the last
#: asked: the parse rate of single steps is noisy, and each ask is a syscall (a pipe resize that
#: fails while a flood keeps the pipe full, and so was retried on every step).
READ_AHEAD_HYSTERESIS = 2.0
#: Steps after a failed ask before asking again.
READ_AHEAD_RETRY_STEPS = 8
#: Output of the session the person types into is parsed as it is read, up to this much pending
#: (an echo, a prompt): waiting for the next slicer turn would add a loop hop to every key.
INLINE_BYTES = 4096


def _near(size: int, other: int) -> bool:
    return other / READ_AHEAD_HYSTERESIS < size < other * READ_AHEAD_HYSTERESIS


class Attention(StrEnum):
    """Why a session wants the person to look at it."""

    BELL = "bell"
    EXITED = "exited"
    WAITING = "waiting"


class LiveSession:
    """One supervised session: the core session, its emulator, and what the UI shows about it."""

    def __init__(
        self,
        session: AISession,
        *,
        scrollback: int = DEFAULT_SCROLLBACK,
        on_event: Callable[[LiveSession, object], None] | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.session = session
        self.runtime = runtime or default_runtime()
        rows, columns = session.config.pty_size
        self.emulator = Emulator(
            columns,
            rows,
            scrollback=scrollback,
            on_event=self._on_terminal_event,
            reply=self._reply,
        )
        self.attention: set[Attention] = set()
        #: Bells rung since the person last looked (the title shows the count, not a toast each).
        self.bells = 0
        #: Why the session did not start (one line), until it is started again.
        self.start_error: str | None = None
        #: The person is working in this session: its output is parsed before anyone else's.
        self.interactive = False
        #: Called after emulator state changed (screen, title, cwd, modes); the pane repaints.
        self.on_screen_change: Callable[[], None] | None = None
        #: Called for events the app cares about (status changes, exits, bells, titles).
        self.on_event = on_event
        #: Called with everything the person sends, for history of programs without integration.
        self.on_input: Callable[[bytes], None] | None = None
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self._chunk_bytes = MIN_CHUNK_BYTES
        #: Parse rate (bytes a second) of the last step: it sets the high-water mark.
        self._parse_rate = MAX_HIGH_WATER / BACKLOG_SECONDS
        self._reading_paused = False
        #: The read-ahead last set, the last that could not be set, steps until that is retried.
        self._read_ahead = 0
        self._read_ahead_failed = 0
        self._read_ahead_wait = 0
        self._deferred: list[SessionEvent] = []
        self._unsubscribe = self.session.subscribe(self._on_session_event)

    @property
    def name(self) -> str:
        return self.session.config.name or self.session.id.uuid.hex

    @property
    def high_water(self) -> int:
        """Unparsed bytes at which reading pauses (about `BACKLOG_SECONDS` of parsing)."""
        return int(min(MAX_HIGH_WATER, max(MIN_HIGH_WATER, self._parse_rate * BACKLOG_SECONDS)))

    def close(self) -> None:
        """Stop listening to the session."""
        self._unsubscribe()

    def attach(self, session: AISession) -> None:
        """Follow a new session (a restart) in the same emulator, keeping the old screen above."""
        self._unsubscribe()
        self.session = session
        self.start_error = None
        self._unsubscribe = session.subscribe(self._on_session_event)

    def acknowledge(self, *kinds: Attention) -> None:
        """The person has seen these: drop the marks (a bell's count with its mark)."""
        self.attention.difference_update(kinds)
        if Attention.BELL in kinds:
            self.bells = 0

    def write(self, data: bytes) -> None:
        """Send what the person typed (or broadcast) to the program."""
        self.session.write(data)
        if self.on_input is not None:
            self.on_input(data)

    def annotate(self, text: str) -> None:
        """Draw a note of the app's own (an exit, a restart) after the program's output, and
        have the pane show it."""
        self.emulator.feed(text.encode())
        if self.on_screen_change is not None:
            self.on_screen_change()

    def _reply(self, data: bytes) -> None:
        if self.session.status is SessionStatus.RUNNING:
            self.session.write(data)

    def _on_session_event(self, event: SessionEvent) -> None:
        if isinstance(event, OutputReceived):
            self._queue_output(event.data)
            return
        if isinstance(event, ProcessExited):
            self.attention.add(Attention.EXITED)
        if isinstance(event, StatusChanged | ProcessExited):
            if self._pending:
                # Tell the app only once everything the child wrote before has been parsed.
                self._deferred.append(event)
            elif self.on_event is not None:
                self.on_event(self, event)

    def _on_terminal_event(self, event: TerminalEvent) -> None:
        if isinstance(event, Bell):
            self.attention.add(Attention.BELL)
            self.bells += 1
        if (
            isinstance(event, Bell | TitleChanged | CwdChanged | ClipboardSet | ColorsChanged)
            and self.on_event is not None
        ):
            self.on_event(self, event)

    def _queue_output(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes > self.high_water and not self._reading_paused:
            self._reading_paused = True
            self.session.pause_reading(owner="pane")
        if self.interactive and self._pending_bytes <= INLINE_BYTES and not self._feed_step():
            return
        self.runtime.slicer().submit(self._feed_step, urgent=self.interactive)

    def _follow_read_ahead(self) -> None:
        """Size the session's read-ahead (the output relay's pipe) by the parse rate too: a
        fast-parsing flood reads far ahead, Ctrl+C in a `yes` flood finds little queued."""
        wanted = int(self.high_water * READ_AHEAD_FRACTION)
        if _near(wanted, self._read_ahead):
            return
        if self._read_ahead_wait and _near(wanted, self._read_ahead_failed):
            self._read_ahead_wait -= 1  # that shrink failed lately (the pipe held more)
            return
        if self.session.set_read_ahead(wanted):
            self._read_ahead = wanted
        else:
            self._read_ahead_failed = wanted
            self._read_ahead_wait = READ_AHEAD_RETRY_STEPS

    def _feed_step(self) -> bool:
        """Parse about `STEP_SECONDS` worth of pending output; True while more is pending.

        The chunk size follows the parse rate of the last step: plain logs go through in big
        chunks (the emulator's whole-line path loves them), `yes`-like floods in small ones.
        """
        pending = self._pending
        if pending:
            size = self._chunk_bytes
            chunk = pending.popleft()
            if len(chunk) < size and pending:
                # Small reads joined: the emulator's per-call cost is then paid once.
                parts = [chunk]
                total = len(chunk)
                while pending and total + len(pending[0]) <= size:
                    total += len(pending[0])
                    parts.append(pending.popleft())
                chunk = b"".join(parts)
            lines = chunk.count(b"\n", 0, size)
            if lines > MAX_LINES_PER_STEP:  # each line costs; `yes` packs one in two bytes
                size = max(MIN_CHUNK_BYTES, size * MAX_LINES_PER_STEP // lines)
            if len(chunk) > size:
                pending.appendleft(chunk[size:])
                chunk = chunk[:size]
            self._pending_bytes -= len(chunk)
            started = perf_counter()
            self.emulator.feed(chunk)
            elapsed = perf_counter() - started
            rate = self._parse_rate = len(chunk) / max(elapsed, 1e-6)
            target = min(rate * STEP_SECONDS, self._chunk_bytes * 2)  # grow gently
            self._chunk_bytes = int(min(MAX_CHUNK_BYTES, max(MIN_CHUNK_BYTES, target)))
            self._follow_read_ahead()
        if self._reading_paused and self._pending_bytes <= self.high_water * LOW_WATER_FRACTION:
            self._reading_paused = False
            self.session.resume_reading(owner="pane")
        if self.on_screen_change is not None:
            self.on_screen_change()
        if pending:
            return True
        if self._deferred:
            deferred, self._deferred = self._deferred, []
            for event in deferred:
                if self.on_event is not None:
                    self.on_event(self, event)
        return False
