"""`SessionMonitor`: one session's output turned into history, parsed events, context, token
counts and an agent state, for the UI to show.

The session's output listener only queues bytes and schedules one `loop.call_soon` batch; the
batch (scanning marks, parsing, counting, state) runs after the pane has drawn the same bytes,
in slices of at most `SLICE_BYTES` so a flood never holds the loop for long.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from aisession_tui.core.events import (
    CommandRecorded,
    OutputReceived,
    ProcessExited,
    SessionEvent,
)
from aisession_tui.core.runtime import Runtime, default_runtime
from aisession_tui.core.types import CommandRecord, SessionId

from .attention import AttentionScanner
from .context import CompressionEvent, Role, SessionContext
from .integration import CommandTracker, InputLineTracker, MarkScanner, ShellMark
from .parsing import EventKind, OutputParser, ParsedEvent, strip_ansi
from .state import (
    DEFAULT_IDLE_AFTER,
    AgentState,
    AgentStatus,
    CallLater,
    StateChange,
    StateDetector,
)
from .tokens import IncrementalCounter, TokenCounter, default_counter

__all__ = [
    "AgentStateChanged",
    "ContextCompressed",
    "MonitorEvent",
    "ParsedEventsFound",
    "SessionMonitor",
    "TokensCounted",
]

log = logging.getLogger(__name__)

# Context work (token counts of whole outputs, summaries, zstd) runs here, in order, so a
# megabyte of command output never stalls the event loop. One worker keeps the order.

SLICE_BYTES = 2 * 1024  # about a millisecond of analysis: the slicer runs many per turn
MAX_BACKLOG = 1024 * 1024  # beyond this, a flood is only scanned for marks, not parsed
FINAL_BYTES = 64 * 1024  # analysed at once when the process exits or the monitor closes
MAX_PARSED_EVENTS = 500
SCREEN_INTERVAL = 0.2  # redraws read the screen at most this often, and once when they pause


class _Session(Protocol):
    """What the monitor needs of `AISession` (kept narrow so tests and the UI can rely on it)."""

    id: SessionId
    config: Any

    def subscribe(self, listener: Callable[[SessionEvent], None]) -> Callable[[], None]: ...
    def add_command_record(self, record: CommandRecord) -> None: ...
    def record_tokens(self, count: int) -> None: ...


class _Screen(Protocol):
    def text_lines(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    session_id: SessionId
    change: StateChange


@dataclass(frozen=True, slots=True)
class ParsedEventsFound:
    session_id: SessionId
    events: tuple[ParsedEvent, ...]


@dataclass(frozen=True, slots=True)
class ContextCompressed:
    session_id: SessionId
    event: CompressionEvent


@dataclass(frozen=True, slots=True)
class TokensCounted:
    session_id: SessionId
    total: int


MonitorEvent: TypeAlias = AgentStateChanged | ParsedEventsFound | ContextCompressed | TokensCounted


class SessionMonitor:
    """Watches one session. Create it before or after `session.start()`; `close()` when done."""

    def __init__(
        self,
        session: _Session,
        emulator: _Screen | None = None,
        *,
        idle_after: float = DEFAULT_IDLE_AFTER,
        counter: TokenCounter | None = None,
        clock: Callable[[], float] | None = None,
        call_later: CallLater | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.session = session
        self.runtime = runtime or default_runtime()
        self.emulator = emulator
        config = session.config
        cwd = str(config.working_directory)
        self._counter = counter or default_counter()
        self.scanner = MarkScanner()
        self.tracker = CommandTracker(self._on_shell_record, cwd=cwd)
        self.input_lines = InputLineTracker(self._on_input_record, cwd=cwd)
        self.parser: OutputParser | None = OutputParser() if config.parse_output else None
        self.context: SessionContext | None = None
        if config.enable_ai_features:
            self.context = SessionContext(
                config.context_config, counter=self._counter, compress=config.compress_output
            )
            self.context.on_compressed(self._on_compressed)
        self.tokens = IncrementalCounter(self._counter)
        self.attention = AttentionScanner()
        timing: dict[str, Any] = {"clock": clock} if clock is not None else {}
        self.detector = StateDetector(
            self._on_state_change, idle_after=idle_after, call_later=call_later, **timing
        )
        self.detector.on_quiet = self._on_quiet
        self._screen_read_at = -SCREEN_INTERVAL
        self._screen_timer: Any = None
        self.parsed_events: deque[ParsedEvent] = deque(maxlen=MAX_PARSED_EVENTS)
        self._listeners: list[Callable[[MonitorEvent], None]] = []
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self.skipped_bytes = 0  # output only scanned for marks because analysis fell behind
        self._loop: asyncio.AbstractEventLoop | None = None
        self._turn: list[str] = []
        self._turn_chars = 0
        self._context_jobs: set[asyncio.Future[Any]] = set()
        self._unsubscribe: Callable[[], None] | None = session.subscribe(self._on_session_event)

    # --- what the UI reads ------------------------------------------------------------------

    @property
    def state(self) -> AgentStatus:
        return self.detector.status

    @property
    def token_counter_name(self) -> str:
        return self._counter.name

    @property
    def total_tokens(self) -> int:
        """Tokens of all output so far (the unfinished line estimated)."""
        return self.tokens.total_with_pending

    @property
    def shell_integrated(self) -> bool:
        """The session's shell sends OSC 133 marks."""
        return self.tracker.integrated

    @property
    def cwd(self) -> str | None:
        return self.tracker.cwd

    @property
    def latest_result(self) -> ParsedEvent | None:
        """The newest test summary or build result, e.g. for a title bar."""
        for event in reversed(self.parsed_events):
            if event.kind in (EventKind.TEST_SUMMARY, EventKind.BUILD_RESULT):
                return event
        return None

    def subscribe(self, listener: Callable[[MonitorEvent], None]) -> Callable[[], None]:
        """Call `listener` with every `MonitorEvent`; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def note_input(self, data: bytes | str) -> None:
        """Tell the monitor what a person typed into the session (for history without
        integration, and for the context's user turns)."""
        if not self.tracker.integrated:
            self.input_lines.feed(data)

    def close(self) -> None:
        """Stop listening; pending output is processed first."""
        self._catch_up()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._screen_timer is not None:
            self._screen_timer.cancel()
            self._screen_timer = None
        self.detector.close()
        self._listeners.clear()

    # --- session events (hot path: queue and return) ------------------------------------------

    def _on_session_event(self, event: SessionEvent) -> None:
        if isinstance(event, OutputReceived):
            self._pending.append(event.data)
            self._pending_bytes += len(event.data)
            self._schedule()
        elif isinstance(event, CommandRecorded):
            if self.context is not None:
                self._context_job(self.context.add_command, event.record)
        elif isinstance(event, ProcessExited):
            self._catch_up()
            self._flush_text()
            self.tracker.close(event.exit_code)
            self.detector.exited(event.exit_code)

    def _catch_up(self) -> None:
        """Deal with all pending output now, without stalling the loop after a flood: the
        newest `FINAL_BYTES` (where a run's summary is) are analysed, older output is shed."""
        while self._pending_bytes > FINAL_BYTES:
            self._shed(self._pending.popleft())
        if self._pending:
            self._drain(limit=None)

    def _schedule(self) -> None:
        try:
            self._loop = self._loop or asyncio.get_running_loop()
        except RuntimeError:
            self._drain(limit=None)  # no loop: process synchronously
            return
        self.runtime.slicer().submit(self._run_step, background=True)

    def _run_step(self) -> bool:
        """Analyse one slice of pending output in the loop's shared time budget."""
        try:
            self._drain(limit=SLICE_BYTES)
        except Exception:  # a bug here must not take the session's output path down
            log.exception("session monitor failed on output")
        return bool(self._pending)

    # --- analysis (off the hot path) ----------------------------------------------------------

    def _drain(self, limit: int | None) -> None:
        while self._pending_bytes > MAX_BACKLOG:
            self._shed(self._pending.popleft())
        taken: list[bytes] = []
        size = 0
        while self._pending and (limit is None or size < limit):
            chunk = self._pending.popleft()
            if limit is not None and size + len(chunk) > limit:
                # Split big reads so one step stays small; marks split here are reassembled.
                cut = limit - size
                self._pending.appendleft(chunk[cut:])
                chunk = chunk[:cut]
            taken.append(chunk)
            size += len(chunk)
        self._pending_bytes -= size
        if not taken:
            return
        # The screen matters once output pauses (prompts wait at the bottom); reading it for
        # every slice of a flood would cost more than the analysis itself.
        screen = None if self._pending else self._throttled_screen()
        found: list[ParsedEvent] = []
        tokens_added = 0
        for item in self.scanner.feed(b"".join(taken)):
            if isinstance(item, str):
                self.tracker.output(item)
                clean = strip_ansi(item)
                tokens_added += self.tokens.feed(clean)
                if self.parser is not None:
                    events = self.parser.feed(item)
                    found.extend(events)
                    self.detector.parsed(events)
                self.detector.output(item, screen)
                for request in self.attention.feed(item):
                    self.detector.attention(request.source, request.message)
                if not self.tracker.integrated and self.context is not None:
                    self._turn_append(clean)
            else:
                self.tracker.mark(item)
                self.detector.mark(item)
                if isinstance(item, ShellMark) and item.kind == "D" and self.parser is not None:
                    events = self.parser.flush()
                    found.extend(events)
                    self.detector.parsed(events)
        if found:
            self.parsed_events.extend(found)
            self._emit(ParsedEventsFound(self.session.id, tuple(found)))
        if tokens_added:
            self._report_tokens(tokens_added)

    def _shed(self, chunk: bytes) -> None:
        """Keep history exact under a flood (marks and command output) but skip parsing and
        exact counting of this chunk; its tokens are estimated at four bytes each."""
        self._pending_bytes -= len(chunk)
        self.skipped_bytes += len(chunk)
        for item in self.scanner.feed(chunk):
            if isinstance(item, str):
                self.tracker.output(item)
            else:
                self.tracker.mark(item)
                self.detector.mark(item)
        self.tokens.total += len(chunk) // 4
        self.detector.output("")

    def _throttled_screen(self) -> list[str] | None:
        """The screen, unless it was read less than `SCREEN_INTERVAL` ago (an animation
        redraws 60 times a second): then one timer reads it once the interval is over."""
        if self.emulator is None:
            return None
        now = self.detector.now()
        if now - self._screen_read_at >= SCREEN_INTERVAL:
            self._screen_read_at = now
            return self._screen_lines()
        if self._screen_timer is None:
            wait = SCREEN_INTERVAL - (now - self._screen_read_at)
            self._screen_timer = self.detector.schedule(wait, self._on_screen_timer)
            if self._screen_timer is None:  # no timers (no loop): read it now
                self._screen_read_at = now
                return self._screen_lines()
        return None

    def _on_screen_timer(self) -> None:
        self._screen_timer = None
        lines = self._screen_lines()
        if lines is not None:
            self._screen_read_at = self.detector.now()
            self.detector.screen(lines)

    def _screen_lines(self) -> list[str] | None:
        """The whole screen: agents park a hidden cursor on the selected menu item, so rows
        below the cursor hold half of a dialog."""
        if self.emulator is None:
            return None
        return self.emulator.text_lines()

    def _report_tokens(self, added: int) -> None:
        self.session.record_tokens(added)  # before the event: listeners read the session
        self._emit(TokensCounted(self.session.id, self.tokens.total))

    def _flush_text(self) -> None:
        added = self.tokens.flush()
        if self.parser is not None:
            events = self.parser.flush()
            if events:
                self.parsed_events.extend(events)
                self.detector.parsed(events)
                self._emit(ParsedEventsFound(self.session.id, tuple(events)))
        if added:
            self._report_tokens(added)
        self._end_turn()

    # --- history and context ------------------------------------------------------------------

    def _on_shell_record(self, record: CommandRecord) -> None:
        self.session.add_command_record(record)  # comes back as CommandRecorded -> context

    def _on_input_record(self, record: CommandRecord) -> None:
        self._end_turn()
        self.session.add_command_record(record)

    def _turn_append(self, text: str) -> None:
        if self._turn_chars > 200_000:
            return
        self._turn.append(text)
        self._turn_chars += len(text)

    def _end_turn(self) -> None:
        """A program without integration finished a burst of output: one context message."""
        text = "".join(self._turn).strip()
        self._turn.clear()
        self._turn_chars = 0
        if text and self.context is not None:
            self._context_job(self.context.add_message, Role.TOOL, text)

    def _on_quiet(self) -> None:
        """Output paused: a program without integration finished a burst (even one too short
        to count as work, so no state changed)."""
        if not self.tracker.integrated:
            self._end_turn()

    def _on_state_change(self, change: StateChange) -> None:
        if change.new.state is not AgentState.WORKING and not self.tracker.integrated:
            self._end_turn()
        self._emit(AgentStateChanged(self.session.id, change))

    def _context_job(self, function: Callable[..., Any], *args: Any) -> None:
        """Run a context update on the context worker (inline when there is no loop)."""
        loop = self._loop
        if loop is None:
            try:
                loop = self._loop = asyncio.get_running_loop()
            except RuntimeError:
                function(*args)
                return
        job = loop.run_in_executor(self.runtime.context_worker(), function, *args)
        self._context_jobs.add(job)
        job.add_done_callback(self._context_done)

    def _context_done(self, job: asyncio.Future[Any]) -> None:
        self._context_jobs.discard(job)
        if not job.cancelled() and job.exception() is not None:
            log.error("context update failed", exc_info=job.exception())

    async def context_settled(self) -> None:
        """Wait until every queued context update has been applied."""
        while self._context_jobs:
            await asyncio.gather(*list(self._context_jobs), return_exceptions=True)

    def _on_compressed(self, event: CompressionEvent) -> None:
        """Called on the context worker: hand the news to the loop's thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._emit, ContextCompressed(self.session.id, event))
        else:
            self._emit(ContextCompressed(self.session.id, event))

    def _emit(self, event: MonitorEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("monitor listener failed")
