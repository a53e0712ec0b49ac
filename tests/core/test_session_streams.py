"""Output delivery: the bounded read_output ring, pause/resume, the async event iterator."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from aisession_tui.core import (
    OutputReceived,
    ProcessExited,
    SessionConfig,
    SessionStatus,
    StatusChanged,
)
from aisession_tui.core.process import is_running, session_pids

from .conftest import Recorder, bash_config, new_session, on_tmux

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("backend")]

BIG = 2_000_000


def flood(count: int, then: str = "") -> str:
    """A command printing `count` 'y' bytes and no newline (so a PTY adds no CRs)."""
    return f"head -c {count} /dev/zero | tr '\\0' y{then}"


async def test_read_output_ring_is_bounded_and_counts_dropped_bytes(tmp_path: Path) -> None:
    session = new_session(
        SessionConfig(
            shell_command=flood(10_000) + "; printf END",
            output_buffer_size=1000,
            working_directory=tmp_path,
        )
    )
    rec = Recorder(session)
    await session.start()
    await rec.wait_terminated()
    assert len(rec.output) == 10_003  # subscribers saw everything
    kept = await session.read_output()
    assert len(kept) == 1000 and kept.endswith(b"yyyEND")
    assert session.dropped_output_bytes == 9_003


async def test_pause_reading_blocks_the_child_and_loses_nothing(tmp_path: Path) -> None:
    if on_tmux():
        pytest.skip(
            "under tmux the server reads the pane while we do not; past a bound the pane is "
            "paused for us and redrawn from tmux's copy (test_tmux_backend covers that)"
        )
    session = new_session(
        SessionConfig(shell_command=flood(BIG) + "; printf END", working_directory=tmp_path)
    )
    rec = Recorder(session)
    session.pause_reading()  # before start: not a single chunk is read
    await session.start()
    assert session.is_reading_paused
    # Nothing is read while paused, so the child must still be blocked on its full PTY.
    await asyncio.sleep(0.5)
    assert rec.output == b""
    assert session.status is SessionStatus.RUNNING and is_running(session.pid or -1)
    session.resume_reading()
    await rec.wait_terminated(within=30)
    assert rec.output == b"y" * BIG + b"END"
    assert session.exit_code == 0


async def test_event_iterator_yields_output_and_ends_after_termination(tmp_path: Path) -> None:
    session = new_session(
        SessionConfig(shell_command="echo one; echo two; exit 5", working_directory=tmp_path)
    )
    stream = session.events()
    await session.start()
    events = [event async for event in stream]
    output = b"".join(e.data for e in events if isinstance(e, OutputReceived))
    assert output == b"one\r\ntwo\r\n"
    statuses = [e.new for e in events if isinstance(e, StatusChanged)]
    assert statuses == [
        SessionStatus.RUNNING,
        SessionStatus.TERMINATING,
        SessionStatus.TERMINATED,
    ]
    assert [e.exit_code for e in events if isinstance(e, ProcessExited)] == [5]
    assert [e async for e in session.events()] == []  # already final: ends at once


async def test_slow_event_consumer_applies_backpressure_instead_of_losing_output(
    tmp_path: Path,
) -> None:
    session = new_session(SessionConfig(shell_command=flood(BIG), working_directory=tmp_path))
    rec = Recorder(session)
    stream = session.events(max_pending=4)
    await session.start()
    await rec.wait_for(lambda: session.is_reading_paused)  # nobody consumes yet: the queue fills
    received = bytearray()
    async for event in stream:
        if isinstance(event, OutputReceived):
            received += event.data
    assert bytes(received) == b"y" * BIG
    assert not session.is_reading_paused


async def test_abandoned_event_iterator_releases_backpressure(tmp_path: Path) -> None:
    session = new_session(SessionConfig(shell_command=flood(BIG), working_directory=tmp_path))
    rec = Recorder(session)
    stream = session.events(max_pending=2)
    await session.start()
    await rec.wait_for(lambda: session.is_reading_paused)
    del stream  # never consumed, never closed
    await rec.wait_terminated(within=30)
    assert len(rec.output) == BIG


async def test_idle_timeout_stops_a_quiet_session(tmp_path: Path) -> None:
    session = new_session(bash_config(tmp_path, timeout=0.5))
    rec = Recorder(session)
    await session.start()
    await rec.wait_terminated()  # nobody called stop()
    assert session.exit_code is not None and session.exit_code < 0
    assert rec.statuses[-1] is SessionStatus.TERMINATED


def _program_of(leader: int) -> int | None:
    """The program a tmux pane's wrapper runs (the wrapper itself is never stopped: tmux would
    continue it, and the program with it)."""
    others = [pid for pid in session_pids(leader) if pid != leader]
    return others[0] if others else None


def _state(pid: int | None) -> bytes:
    return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]


async def test_pause_freezes_and_resume_continues_the_processes(tmp_path: Path) -> None:
    session = new_session(bash_config(tmp_path))
    rec = Recorder(session)
    await session.start()
    try:
        if on_tmux():  # the pane's wrapper starts the program after the window opens
            async with asyncio.timeout(10):
                while _program_of(session.pid) is None:  # noqa: ASYNC110 - no event tells a child of a process not ours
                    await asyncio.sleep(0.01)
        await session.pause()
        assert session.status is SessionStatus.PAUSED
        assert session.pid is not None
        # SIGSTOP lands asynchronously: wait (without reaping) until the kernel reports the stop.
        if on_tmux():
            # Not our child (waitid cannot see it): the program (bash) is the pane wrapper's.
            async with asyncio.timeout(10):
                while not (program := _program_of(session.pid)) or _state(program) != b"T":  # noqa: ASYNC110 - no event tells a stop of a process not ours
                    await asyncio.sleep(0.01)
        else:
            await asyncio.to_thread(os.waitid, os.P_PID, session.pid, os.WSTOPPED | os.WNOWAIT)
            assert _state(session.pid) == b"T"
        await session.resume()
        assert session.status is SessionStatus.RUNNING
        assert await session.execute_command("echo awake") == "awake\n"
        assert SessionStatus.PAUSED in rec.statuses
    finally:
        await session.stop()


async def test_reading_stays_paused_while_any_owner_holds_a_pause(tmp_path: Path) -> None:
    session = new_session(bash_config(tmp_path))
    await session.start()
    try:
        session.pause_reading(owner="pane")
        session.pause_reading()
        session.resume_reading()
        assert session.is_reading_paused
        session.resume_reading(owner="pane")
        assert not session.is_reading_paused
        assert await session.execute_command("echo flowing") == "flowing\n"
    finally:
        await session.stop()
