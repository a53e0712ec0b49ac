"""Shared helpers for the session-core tests: real shells, event-driven waits, leak checks."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from aisession_tui.core import (
    AISession,
    OutputReceived,
    ProcessExited,
    SessionConfig,
    SessionEvent,
    SessionManager,
    SessionStatus,
    StatusChanged,
)

BASH = "exec /bin/bash --noprofile --norc"
WAIT = 15.0  # generous: two shared cores


def bash_config(tmp_path: Path, **overrides: object) -> SessionConfig:
    """An interactive bash without the user's rc files, so prompts and output are predictable."""
    values: dict[str, object] = {
        "shell_command": BASH,
        "working_directory": tmp_path,
        "environment": {"PS1": "$ ", "HISTFILE": "/dev/null"},
    }
    values.update(overrides)
    return SessionConfig(**values)  # type: ignore[arg-type]


class Recorder:
    """Collects a session's events and lets a test wait for a condition on them."""

    def __init__(self, session: AISession) -> None:
        self.session = session
        self.events: list[SessionEvent] = []
        self._changed = asyncio.Event()
        self.unsubscribe = session.subscribe(self._on_event)

    def _on_event(self, event: SessionEvent) -> None:
        self.events.append(event)
        self._changed.set()

    @property
    def output(self) -> bytes:
        return b"".join(e.data for e in self.events if isinstance(e, OutputReceived))

    @property
    def statuses(self) -> list[SessionStatus]:
        return [e.new for e in self.events if isinstance(e, StatusChanged)]

    @property
    def exits(self) -> list[ProcessExited]:
        return [e for e in self.events if isinstance(e, ProcessExited)]

    async def wait_for(self, condition: Callable[[], bool], within: float = WAIT) -> None:
        async with asyncio.timeout(within):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_output(self, needle: bytes, within: float = WAIT) -> None:
        await self.wait_for(lambda: needle in self.output, within)

    async def wait_terminated(self, within: float = WAIT) -> None:
        await self.wait_for(lambda: self.session.status is SessionStatus.TERMINATED, within)


async def started(config: SessionConfig) -> tuple[AISession, Recorder]:
    """A started session and the recorder of its events."""
    session = AISession(config)
    recorder = Recorder(session)
    await session.start()
    return session, recorder


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def our_children() -> list[tuple[int, str]]:
    """(pid, state) of every process whose parent is this test process, zombies included."""
    me = os.getpid()
    found: list[tuple[int, str]] = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        fields = raw[raw.rfind(b")") + 2 :].split()
        if int(fields[1]) == me:
            found.append((int(name), fields[0].decode()))
    return found


@pytest.fixture
async def manager() -> AsyncIterator[SessionManager]:
    """A manager whose sessions are all stopped after the test, pass or fail."""
    mgr = SessionManager()
    try:
        yield mgr
    finally:
        await mgr.stop_all(grace=0.5)
