"""Replay a recording (`fixtures/agents/record.py`) through the real emulator and monitor.

Time is virtual: the monitor's detector reads `VirtualTime.now` and schedules its timers on it,
so a 20 second recording replays in milliseconds with exactly the timings it was recorded
with (silences, spinner pace, the person's pauses), and the result is the same every run.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from aisession_tui.ai.monitor import AgentStateChanged, MonitorEvent, SessionMonitor
from aisession_tui.ai.state import AgentStatus, StateChange
from aisession_tui.core.config import SessionConfig
from aisession_tui.core.events import OutputReceived, ProcessExited, SessionEvent
from aisession_tui.core.types import CommandRecord, SessionId
from aisession_tui.terminal.emulator import Emulator

HERE = Path(__file__).resolve().parent / "fixtures" / "agents"


@dataclass
class Recording:
    agent: str
    version: str
    rows: int
    columns: int
    events: list[tuple[str, float, bytes | str | int | None]]

    @property
    def duration(self) -> float:
        return self.events[-1][1] if self.events else 0.0


def load(name: str) -> Recording:
    """Read `<name>.rec.zst` (the format is described in record.py)."""
    raw = zstandard.ZstdDecompressor().decompress(
        (HERE / f"{name}.rec.zst").read_bytes(), max_output_size=64 * 1024 * 1024
    )
    head, _, payload = raw.partition(b"\n")
    header = json.loads(head)
    events: list[tuple[str, float, bytes | str | int | None]] = []
    offset = 0
    for kind, at, value in header["events"]:
        if kind in ("o", "i"):
            events.append((kind, at, payload[offset : offset + value]))
            offset += value
        else:
            events.append((kind, at, value))
    rows, columns = header["size"]
    return Recording(header["agent"], header["version"], rows, columns, events)


class _Timer:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualTime:
    """A clock and `call_later` whose time moves only when `advance` is called."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, _Timer, Callable[[], None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> _Timer:
        timer = _Timer()
        heapq.heappush(self._queue, (self.now + delay, next(self._order), timer, callback))
        return timer

    def advance(self, to: float) -> None:
        """Run every timer due up to `to`, in order, each at its own time."""
        while self._queue and self._queue[0][0] <= to:
            when, _, timer, callback = heapq.heappop(self._queue)
            self.now = max(self.now, when)
            if not timer.cancelled:
                callback()
        self.now = max(self.now, to)


class EventSource:
    """The part of `AISession` the monitor uses; the replay pushes the recorded events."""

    def __init__(self, config: SessionConfig) -> None:
        self.id = SessionId.new()
        self.config = config
        self._listeners: list[Callable[[SessionEvent], None]] = []

    def subscribe(self, listener: Callable[[SessionEvent], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def add_command_record(self, record: CommandRecord) -> None:
        pass

    def record_tokens(self, count: int) -> None:
        pass


@dataclass
class Replay:
    """What a replay saw: the state at each checkpoint and every state change."""

    at_marks: dict[str, AgentStatus] = field(default_factory=dict)
    changes: list[StateChange] = field(default_factory=list)
    screens: dict[str, list[str]] = field(default_factory=dict)


def replay(recording: Recording, *, idle_after: float = 2.0, until: float | None = None) -> Replay:
    """Feed the recording to an emulator of its size and a monitor, as the app's pane does
    (the emulator first, then the monitor reads the screen)."""
    time = VirtualTime()
    source = EventSource(SessionConfig())
    emulator = Emulator(recording.columns, recording.rows)
    monitor = SessionMonitor(
        source, emulator, idle_after=idle_after, clock=time.clock, call_later=time.call_later
    )
    result = Replay()

    def on_event(event: MonitorEvent) -> None:
        if isinstance(event, AgentStateChanged):
            result.changes.append(event.change)

    monitor.subscribe(on_event)
    for kind, at, value in recording.events:
        if until is not None and at > until:
            break
        time.advance(at)
        if kind == "o":
            assert isinstance(value, bytes)
            emulator.feed(value)
            source.emit(OutputReceived(source.id, value))
        elif kind == "m":
            assert isinstance(value, str)
            result.at_marks[value] = monitor.state
            result.screens[value] = emulator.text_lines()
        elif kind == "x":
            assert value is None or isinstance(value, int)
            source.emit(ProcessExited(source.id, value))
            result.at_marks["exited"] = monitor.state
    monitor.close()
    return result
