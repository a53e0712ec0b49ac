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
    if health.lost:
        waiting += f", {health.lost} given up"
    return f"not saving: {health.error}; retrying ({waiting})"


def watch_store_health(app: SupervisorApp, store: Store) -> None:
    """Hear the store's writer thread on the event loop, without blocking the writer."""
    store.on_health_change(_HealthShown(app, store.health.ok).changed)


class _HealthShown:
    """Details follows every change (what waits grows while writes fail); a notification comes
    only when writes start failing or work again."""

    def __init__(self, app: SupervisorApp, ok: bool) -> None:
        self.app = app
        self.ok = ok
        self.loop = asyncio.get_running_loop()

    def changed(self, health: StoreHealth) -> None:
        """From the writer thread."""
        with contextlib.suppress(RuntimeError):  # the loop closed while the writer retried
            self.loop.call_soon_threadsafe(self.show, health)

    def show(self, health: StoreHealth) -> None:
        app = self.app
        app.main.sidebar.details_panel.store_notice = store_notice(health)
        flipped, self.ok = health.ok != self.ok, health.ok
        if flipped and health.ok:
            lost = f" ({health.lost} writes could not be kept)" if health.lost else ""
            app.notify(
                f"The session database takes writes again{lost}.",
                title="Session database",
                timeout=6,
                markup=False,
            )
        elif flipped:
            app.notify(
                f"Sessions are not being saved: {health.error}. The app keeps running and "
                "retries; free space or fix the disk.",
                title="Session database",
                severity="error",
                timeout=20,
                markup=False,
            )
        app.main.refresh_panels()
