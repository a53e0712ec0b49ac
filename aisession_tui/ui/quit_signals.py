"""SIGTERM and SIGHUP (`kill PID`, logout, the terminal window closed) quit the app as the quit
command does: the store is flushed, every session is stopped (no orphaned children), the control
socket is removed and the outer terminal is given back (alternate screen left, mouse off).

When the terminal is gone (its window closed), giving it back can hang inside Textual (its output
thread died on the hung-up terminal with writes still queued); once our own shutdown is done, a
watchdog ends the process if Textual has not within `EXIT_GRACE` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import SupervisorApp

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
#: Seconds Textual gets to restore the terminal after the sessions and the store are closed.
EXIT_GRACE = 3.0


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
    app.call_later(_quit_now, app)


async def _quit_now(app: SupervisorApp) -> None:
    await app.shutdown()
    watchdog = threading.Timer(EXIT_GRACE, os._exit, (0,))
    watchdog.daemon = True  # it must not keep a process that exits normally alive
    watchdog.start()
    app.exit()
