"""Tell the person when the session database stops taking writes (a full or read-only disk),
once, and again once it works: the app keeps running and the store keeps retrying meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from ..store import Store
from ..store.writer import StoreHealth

if TYPE_CHECKING:
    from .app import SupervisorApp


def store_notice(health: StoreHealth) -> str | None:
    """The line the Details panel shows while writes fail (None while they work)."""
    if health.ok:
        return None
    waiting = f"{health.held} write{'' if health.held == 1 else 's'} waiting"
    return f"not saving: {health.error}; retrying ({waiting})"


def watch_store_health(app: SupervisorApp, store: Store) -> None:
    """Hear the store's writer thread on the event loop, without blocking the writer."""
    loop = asyncio.get_running_loop()

    def changed(health: StoreHealth) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while the writer retried
            loop.call_soon_threadsafe(_show, app, health)

    store.on_health_change(changed)


def _show(app: SupervisorApp, health: StoreHealth) -> None:
    app.main.sidebar.details_panel.store_notice = store_notice(health)
    if health.ok:
        lost = f" ({health.lost} writes could not be kept)" if health.lost else ""
        app.notify(
            f"The session database takes writes again{lost}.",
            title="Session database",
            timeout=6,
            markup=False,
        )
    else:
        app.notify(
            f"Sessions are not being saved: {health.error}. The app keeps running and "
            "retries; free space or fix the disk.",
            title="Session database",
            severity="error",
            timeout=20,
            markup=False,
        )
    app.main.refresh_panels()
