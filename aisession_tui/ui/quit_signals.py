"""SIGTERM and SIGHUP (`kill PID`, logout, the terminal window closed) quit the app as the quit
command does: the store is flushed, every session is stopped (no orphaned children), the control
socket is removed and the outer terminal is given back (alternate screen left, mouse off)."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import SupervisorApp

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def install_quit_signals(app: SupervisorApp) -> None:
    """Handle the quit signals on the event loop (not in a Python signal handler, which could
    run in the middle of any code)."""
    loop = asyncio.get_running_loop()
    for number in QUIT_SIGNALS:
        loop.add_signal_handler(number, _quit, app, number)


def _quit(app: SupervisorApp, number: int) -> None:
    if getattr(app, "_quit_signal", None) is not None:
        return  # already quitting; a repeated signal changes nothing
    app._quit_signal = number  # type: ignore[attr-defined]
    log.warning("%s received: quitting", signal.Signals(number).name)
    app.call_later(app.action_quit)
