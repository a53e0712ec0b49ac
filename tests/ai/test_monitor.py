"""SessionMonitor scheduling: output is analysed in slices after the hot path, floods are shed.

These tests drive the monitor's listener directly with bytes captured from a real bash session
(the real-process behaviour is covered in test_state.py and test_integration.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from aisession_tui.ai.monitor import MAX_BACKLOG, SessionMonitor, TokensCounted
from aisession_tui.ai.tokens import PieceEstimator
from aisession_tui.core.config import SessionConfig
from aisession_tui.core.events import OutputReceived, ProcessExited, SessionEvent
from aisession_tui.core.types import CommandRecord, SessionId

FIXTURES = Path(__file__).parent / "fixtures"


class _EventSource:
    """The part of `AISession` the monitor uses, with events pushed by the test."""

    def __init__(self, config: SessionConfig) -> None:
        self.id = SessionId.new()
        self.config = config
        self.records: list[CommandRecord] = []
        self.tokens = 0
        self._listeners: list[Callable[[SessionEvent], None]] = []

    def subscribe(self, listener: Callable[[SessionEvent], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def add_command_record(self, record: CommandRecord) -> None:
        self.records.append(record)

    def record_tokens(self, count: int) -> None:
        self.tokens += count


async def test_output_is_analysed_after_the_listener_returns() -> None:
    source = _EventSource(SessionConfig())
    monitor = SessionMonitor(source, counter=PieceEstimator())
    source.emit(OutputReceived(source.id, b"2 failed, 3 passed in 0.5s\n"))
    assert list(monitor.parsed_events) == []  # nothing heavy ran inside the listener
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert [e.summary() for e in monitor.parsed_events] == ["pytest: 2 failed, 3 passed"]
    monitor.close()


async def test_captured_bash_session_yields_records_in_session_history() -> None:
    source = _EventSource(SessionConfig())
    monitor = SessionMonitor(source, counter=PieceEstimator())
    seen: list[object] = []
    totals_when_told: list[tuple[int, int]] = []
    monitor.subscribe(seen.append)
    monitor.subscribe(
        lambda e: isinstance(e, TokensCounted) and totals_when_told.append((e.total, source.tokens))
    )
    data = (FIXTURES / "bash_integration_session.bin").read_bytes()
    for start in range(0, len(data), 100):
        source.emit(OutputReceived(source.id, data[start : start + 100]))
    source.emit(ProcessExited(source.id, 0))
    assert [r.exit_code for r in source.records] == [1, 0, 0, 3]
    assert monitor.shell_integrated and monitor.cwd == "/usr"
    await asyncio.sleep(0.05)
    assert source.tokens == monitor.tokens.total > 0
    assert any(isinstance(e, TokensCounted) for e in seen)
    # The session's total is up to date when listeners hear of it (panels read the session).
    assert totals_when_told and all(told == on_session for told, on_session in totals_when_told)
    monitor.close()


async def test_a_flood_beyond_the_backlog_is_shed_but_history_stays_exact() -> None:
    source = _EventSource(SessionConfig())
    monitor = SessionMonitor(source, counter=PieceEstimator())
    block = b"x" * 65536 + b"\r\n"
    source.emit(OutputReceived(source.id, b"\x1b]133;E;cat big\x07\x1b]133;C\x07"))
    for _ in range(2 * MAX_BACKLOG // len(block)):
        source.emit(OutputReceived(source.id, block))
    source.emit(OutputReceived(source.id, b"\x1b]133;D;0\x07\x1b]133;A\x07"))
    deadline = asyncio.get_running_loop().time() + 20
    for _ in range(10_000_000):  # the monitor drains in small time slices
        if not monitor._pending or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0)
    assert not monitor._pending
    assert monitor.skipped_bytes > 0
    assert [(r.command, r.exit_code) for r in source.records] == [("cat big", 0)]
    assert monitor.tokens.total > 0
    monitor.close()


async def test_exit_after_a_flood_analyses_only_the_tail_at_once_and_keeps_history_exact() -> None:
    """A process that exits with a megabyte still queued for analysis must not stall the loop
    while all of it is parsed: older output is shed, the tail (with the run's summary) is not."""
    from aisession_tui.ai.monitor import FINAL_BYTES
    from aisession_tui.ai.parsing import EventKind

    source = _EventSource(SessionConfig())
    monitor = SessionMonitor(source, counter=PieceEstimator())
    source.emit(OutputReceived(source.id, b"\x1b]133;E;pytest\x07\x1b]133;C\x07"))
    line = b"tests/test_x.py::test_case PASSED\r\n"
    for _ in range(MAX_BACKLOG // len(line)):
        source.emit(OutputReceived(source.id, line))
    source.emit(OutputReceived(source.id, b"===== 12 passed in 0.50s =====\r\n"))
    source.emit(OutputReceived(source.id, b"\x1b]133;D;0\x07\x1b]133;A\x07"))
    source.emit(ProcessExited(source.id, 0))  # before any slice ran: all of it is pending
    assert not monitor._pending
    assert MAX_BACKLOG - FINAL_BYTES - len(line) <= monitor.skipped_bytes < MAX_BACKLOG
    assert [(r.command, r.exit_code) for r in source.records] == [("pytest", 0)]
    result = monitor.latest_result
    assert result is not None and result.kind is EventKind.TEST_SUMMARY
    monitor.close()


async def test_context_updates_run_on_the_context_worker_not_the_loop_thread() -> None:
    import threading

    from aisession_tui.ai.monitor import ContextCompressed
    from aisession_tui.core.config import ContextConfig
    from aisession_tui.core.events import CommandRecorded
    from aisession_tui.core.types import utc_now

    source = _EventSource(
        SessionConfig(enable_ai_features=True, context_config=ContextConfig(max_tokens=500))
    )
    monitor = SessionMonitor(source, counter=PieceEstimator())
    assert monitor.context is not None
    threads: list[str] = []
    monitor.context.on_compressed(lambda event: threads.append(threading.current_thread().name))
    seen: list[object] = []
    monitor.subscribe(seen.append)
    big = (FIXTURES / "tokens_logs.txt").read_text()
    for i in range(4):
        record = CommandRecord(f"cat log{i}", utc_now(), exit_code=0, output=big)
        source.emit(CommandRecorded(source.id, record))
    await monitor.context_settled()
    assert monitor.context.stats.messages_added == 8
    assert threads and all(name.startswith("aisession-context") for name in threads)
    await asyncio.sleep(0)
    assert any(isinstance(e, ContextCompressed) for e in seen)  # delivered on the loop thread
    monitor.close()
