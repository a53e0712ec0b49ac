"""Helpers for driving the real app: sessions with predictable shells, and waiting on conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import SessionStatus
from aisession_tui.supervisor.presenter import SessionPresenter
from aisession_tui.ui.app import AppOptions, SupervisorApp

PLAIN_BASH = "bash --norc --noprofile"
QUIET_ENV = {"PS1": "$ ", "HISTFILE": "/dev/null"}
FROZEN_NOW = datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)


def shell(name: str, command: str = PLAIN_BASH, **fields: Any) -> SessionConfig:
    """A session running a quiet bash (prompt `$ `), or the given command."""
    environment = {**QUIET_ENV, **fields.pop("environment", {})}
    return SessionConfig(name=name, shell_command=command, environment=environment, **fields)


async def wait_for(pilot: Pilot, condition: Callable[[], object], within: float = 10.0) -> None:
    """Let the app run until `condition()` is true; fail with a clear message after `within` s."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s: {condition}")
        await pilot.pause(0.02)


def all_running(app: SupervisorApp) -> bool:
    """Every session's program has started (keys typed before that reach no program)."""
    lives = app.lives.values()
    return bool(lives) and all(live.session.status is SessionStatus.RUNNING for live in lives)


def screen_text(app: SupervisorApp, name: str) -> str:
    """The visible screen of the named session's emulator."""
    live = next(live for live in app.lives.values() if live.name == name)
    return "\n".join(line.rstrip() for line in live.emulator.text_lines())


async def wait_for_text(pilot: Pilot, app: SupervisorApp, name: str, text: str) -> None:
    await wait_for(pilot, lambda: text in screen_text(app, name))


class FrozenPresenter(SessionPresenter):
    """Presents sessions with a fixed clock and pid so pictures of the app are repeatable."""

    def now(self) -> datetime:
        return FROZEN_NOW

    @property
    def last_activity(self) -> str:
        return "5s ago"

    @property
    def pid(self) -> str:
        return "4242"


class DeterministicApp(SupervisorApp):
    """The real app with frozen clock, fixed session ids and created times."""

    presenter_class = FrozenPresenter

    def notify(self, *args: object, **kwargs: object) -> None:
        """Toasts come and go with time; pictures of the app leave them out."""

    async def add_session(self, config: SessionConfig):  # type: ignore[override]
        import uuid

        from aisession_tui.core.types import SessionId

        number = len(self.lives) + 1
        session_id = SessionId(uuid.UUID(int=number))
        created = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
        return await self._add(config, session_id=session_id, created_at=created)


def make_app(*configs: SessionConfig, deterministic: bool = False, **options: Any) -> SupervisorApp:
    """The real app; its control socket stays off unless a test asks for it."""
    app_class = DeterministicApp if deterministic else SupervisorApp
    options.setdefault("control", False)
    return app_class(list(configs), options=AppOptions(**options))


async def settle(pilot: Pilot) -> None:
    """Give pending output, repaints and messages a moment to land."""
    await asyncio.sleep(0.05)
    await pilot.pause()


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
