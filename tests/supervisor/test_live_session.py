"""A session joined to its emulator, without a screen: flow control, backpressure, the echo path.

Real sessions with real PTYs; the loop's time slicer parses their output as in the app.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import Callable
from pathlib import Path

import pytest

from aisession_tui.core import AISession, OutputReceived, SessionConfig, SessionEvent
from aisession_tui.core.session import READ_BATCH
from aisession_tui.supervisor import live_session
from aisession_tui.supervisor.live_session import (
    BACKLOG_SECONDS,
    MAX_HIGH_WATER,
    MIN_HIGH_WATER,
    READ_AHEAD_FRACTION,
    READ_AHEAD_HYSTERESIS,
    LiveSession,
)

pytestmark = pytest.mark.timeout(60)

F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)


async def started(tmp_path: Path, command: str, **fields: object) -> tuple[AISession, LiveSession]:
    config = SessionConfig(
        shell_command=command,
        working_directory=tmp_path,
        pty_size=(24, 80),
        **fields,  # type: ignore[arg-type]
    )
    session = AISession(config)
    live = LiveSession(session, scrollback=1000)
    await session.start()
    return session, live


async def until(live: LiveSession, condition: Callable[[], bool], within: float = 30.0) -> None:
    """Wait, woken by each parsing step of `live`, until `condition()` holds."""
    changed = asyncio.Event()
    live.on_screen_change = changed.set
    async with asyncio.timeout(within):
        while not condition():
            changed.clear()
            await changed.wait()


async def test_a_flood_is_read_no_faster_than_it_is_parsed_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_session, "BACKLOG_SECONDS", 1e-6)  # the lowest mark: 64 KiB
    session, live = await started(tmp_path, "seq 1 200000; exec sleep 60")
    over: list[int] = []

    def watch(event: SessionEvent) -> None:  # subscribed after the LiveSession: runs after it
        if isinstance(event, OutputReceived):
            # One read batch may land on a backlog just under the mark; never more than that.
            over.append(live._pending_bytes - live.high_water - READ_BATCH)

    unsubscribe = session.subscribe(watch)
    try:
        await until(live, lambda: "200000" in "".join(live.emulator.text_lines()))
        assert max(over) <= 0
        lines = [line.strip() for line in live.emulator.history_text() + live.emulator.text_lines()]
        numbers = [int(line) for line in lines if line.isdigit()]
        assert numbers[-1] == 200000
        assert numbers == list(range(numbers[0], 200001))  # no line dropped on the way
    finally:
        unsubscribe()
        live.close()
        await session.stop()


async def test_a_backlog_past_the_mark_pauses_reading_until_it_is_parsed(tmp_path: Path) -> None:
    session, live = await started(tmp_path, "cat")
    try:
        # As if a wake-up had read more than the mark (1 MiB until a parse step sets it).
        live._on_session_event(OutputReceived(session.id, b"0123456789\r\n" * 100_000))
        assert session.is_reading_paused
        await until(live, lambda: not live._pending)  # parsed in the loop's time slices ...
        assert not session.is_reading_paused  # ... and then reading goes on
        assert live.emulator.text_lines()[-2].strip() == "0123456789"
    finally:
        live.close()
        await session.stop()


async def test_the_relay_pipe_holds_a_quarter_of_the_high_water_mark(tmp_path: Path) -> None:
    """Within `READ_AHEAD_HYSTERESIS`: the pipe is resized when the wanted size has moved that
    far, not on every parsing step (a syscall each, failing while a flood keeps the pipe full)."""
    session, live = await started(tmp_path, "seq 1 200000; exec sleep 60")
    asks: list[int] = []
    applied: list[int] = []
    ask = session.set_read_ahead

    def asked(size: int) -> bool:
        asks.append(size)
        if ask(size):
            applied.append(size)  # a shrink fails while the pipe holds more
            return True
        return False

    session.set_read_ahead = asked  # type: ignore[method-assign]
    steps = 0

    def done() -> bool:
        nonlocal steps
        steps += 1
        return "200000" in "".join(live.emulator.text_lines())

    try:
        await until(live, done)
        child = session._child
        assert child is not None and child.read_fd != child.write_fd  # read through the relay
        size = fcntl.fcntl(child.read_fd, F_GETPIPE_SZ)
        assert size == 1 << (applied[-1].bit_length() - 1)
        wanted = int(live.high_water * READ_AHEAD_FRACTION)
        near = [ask / READ_AHEAD_HYSTERESIS < wanted < ask * READ_AHEAD_HYSTERESIS for ask in asks]
        # What was set last, or a shrink that failed while the pipe was full, to be retried.
        assert near[asks.index(applied[-1])] or near[-1], (wanted, asks, applied)
        assert steps > 20 and len(asks) < steps / 4
    finally:
        live.close()
        await session.stop()


def test_the_high_water_mark_is_a_moment_of_parsing_within_bounds() -> None:
    live = LiveSession.__new__(LiveSession)  # only the arithmetic, no session
    live._parse_rate = 100_000  # a slow flood: the floor
    assert live.high_water == MIN_HIGH_WATER
    live._parse_rate = 4_000_000
    assert live.high_water == int(4_000_000 * BACKLOG_SECONDS)
    live._parse_rate = 80_000_000  # plain logs parse fast: the ceiling
    assert live.high_water == MAX_HIGH_WATER


@pytest.mark.parametrize("interactive", [True, False])
async def test_output_of_the_session_being_typed_into_is_parsed_as_it_is_read(
    tmp_path: Path, interactive: bool
) -> None:
    session, live = await started(tmp_path, "cat")
    live.interactive = interactive
    queued_after_read: list[int] = []

    def watch(event: SessionEvent) -> None:  # subscribed after the LiveSession: runs after it
        if isinstance(event, OutputReceived) and b"ping" in event.data:
            queued_after_read.append(live._pending_bytes)

    unsubscribe = session.subscribe(watch)
    try:
        session.write(b"ping")
        await until(live, lambda: "ping" in live.emulator.text_lines()[0])
        # Typed into: parsed in the read callback itself. Otherwise: queued for the slicer.
        assert (queued_after_read[0] == 0) is interactive
    finally:
        unsubscribe()
        live.close()
        await session.stop()
