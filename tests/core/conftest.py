"""Shared helpers for the session-core tests: real shells, event-driven waits, leak checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
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
from aisession_tui.core.backends import PtyBackend, SessionBackend, TmuxBackend

BASH = "exec /bin/bash --noprofile --norc"
#: The backend the parametrized tests run their sessions on (see the `backend` fixture).
_current: list[SessionBackend] = [PtyBackend()]


def new_session(config: SessionConfig, **kwargs: object) -> AISession:
    """An `AISession` on the backend of the running test (PTY unless `backend` says tmux)."""
    return AISession(config, backend=_current[0], **kwargs)  # type: ignore[arg-type]


def on_tmux() -> bool:
    """True while the running test's sessions run on the tmux backend."""
    return isinstance(_current[0], TmuxBackend)


def require_tmux() -> str:
    """tmux's path; skips without it outside CI and fails in CI, where it must be installed."""
    found = shutil.which("tmux")
    if found is None:
        if os.environ.get("AISESSION_CI"):
            pytest.fail("tmux is not installed (and AISESSION_CI is set, so it must be)")
        pytest.skip("tmux is not installed; set AISESSION_CI=1 to make this a failure")
    return found


def tmux_backend(workspace: str | None = None) -> TmuxBackend:
    """A tmux backend on a server of its own, private to this test run."""
    require_tmux()
    return TmuxBackend(workspace or f"tmuxbackend-test-{uuid.uuid4().hex[:8]}", scrollback=2000)


async def kill_server(backend: TmuxBackend) -> None:
    with contextlib.suppress(Exception):
        await backend.server.kill()


@pytest.fixture(params=["pty", "tmux"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[SessionBackend]:
    """Run the test once on each backend: the behaviour it checks is the same on both."""
    chosen: SessionBackend = PtyBackend() if request.param == "pty" else tmux_backend()
    _current[0] = chosen
    try:
        yield chosen
    finally:
        _current[0] = PtyBackend()
        if isinstance(chosen, TmuxBackend):
            await kill_server(chosen)


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
    session = new_session(config)
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
    mgr = SessionManager(backend=_current[0])
    try:
        yield mgr
    finally:
        await mgr.stop_all(grace=0.5)
