"""The shared machinery is the runtime a backend or supervisor is given, not a process global."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from aisession_tui.core import AISession
from aisession_tui.core.backends import PtyBackend
from aisession_tui.core.runtime import Runtime, default_runtime
from aisession_tui.supervisor import Supervisor

from .conftest import bash_config


def _terminals_held_by(pid: int) -> int:
    """How many PTY masters the process `pid` has open."""
    links = (os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
    return sum(link == "/dev/ptmx" or link.startswith("/dev/pts/ptmx") for link in links)


async def _wait(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.02)


async def test_each_runtime_relays_the_sessions_of_the_backend_it_was_given(
    tmp_path: Path,
) -> None:
    first, second = Runtime(), Runtime()
    sessions = [
        AISession(bash_config(tmp_path), backend=PtyBackend(runtime))
        for runtime in (first, first, second)
    ]
    try:
        for session in sessions:
            await session.start()
        first_relay, second_relay = first.relay(), second.relay()
        assert first_relay is not None and second_relay is not None
        assert first_relay.pid != second_relay.pid
        await _wait(lambda: _terminals_held_by(first_relay.pid) == 2)
        await _wait(lambda: _terminals_held_by(second_relay.pid) == 1)
    finally:
        for session in sessions:
            await session.stop()
        for runtime in (first, second):
            relay = runtime.relay()
            if relay is not None:
                relay.close()


async def test_a_supervisors_sessions_and_monitors_share_its_runtime(tmp_path: Path) -> None:
    runtime = Runtime()
    supervisor = Supervisor(runtime=runtime)
    live = await supervisor.add(bash_config(tmp_path), start=False)
    assert live.runtime is runtime
    assert supervisor.presenter(live).monitor.runtime is runtime
    assert Supervisor().runtime is default_runtime()  # library use without one: the default
    await supervisor.close_all()
