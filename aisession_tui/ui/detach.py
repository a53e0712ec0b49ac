"""The app's side of sessions that outlive it (the tmux backend): attach, detach, hang-ups.

Kept out of `app.py`: on start the app follows the sessions still running on the workspace's
server; quitting may leave them running; a hang-up (terminal closed, SSH dropped) detaches
instead of stopping. With the PTY backend none of this applies and nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..core.config import SessionConfig
from ..core.errors import SessionError
from ..core.types import SessionStatus

if TYPE_CHECKING:
    from .app import SupervisorApp

log = logging.getLogger(__name__)


def survives(app: SupervisorApp) -> bool:
    """True when the app's sessions run on after it lets go (tmux backend)."""
    return app.manager.backend.survives_detach


async def attach_running(
    app: SupervisorApp, configs: Iterable[SessionConfig]
) -> list[SessionConfig]:
    """Tile the sessions still running on the server; the configs that are left to start.

    A config whose session already runs there (same name) is not started twice.
    """
    configs = list(configs)
    running = getattr(app.manager.backend, "running_sessions", None)
    if running is None:
        return configs
    try:
        found = await running()
    except SessionError as error:
        app.notify(str(error), title="tmux", severity="error", timeout=10)
        return configs
    names = set()
    for session_id, config, created in found:
        await app._add(config, session_id=session_id, created_at=created)
        names.add(config.name)
    if found:
        app.notify(f"Attached {len(found)} running session(s)", timeout=3)
    return [config for config in configs if config.name not in names]


def running_count(app: SupervisorApp) -> int:
    return sum(live.session.status is SessionStatus.RUNNING for live in app.lives.values())


async def detach_and_exit(app: SupervisorApp) -> None:
    """Let every session run on and end the app."""
    await app.shutdown(detach=True)
    app.exit()


def install_hangup_detach(app: SupervisorApp) -> None:
    """SIGHUP (the terminal went away) detaches rather than stopping the agents."""
    if not survives(app):
        return
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(
            signal.SIGHUP, lambda: app.run_worker(detach_and_exit(app), exclusive=True)
        )
