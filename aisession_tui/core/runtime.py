"""What every session of one process shares: the output relay, the time slicer of each event
loop, and the worker thread for context work.

The entry point makes one `Runtime` and passes it down (backends start children through its
relay; the supervisor's sessions and monitors take turns on its slicer). Library code that
passes none shares `default_runtime()`, made on first use.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .relay import OutputRelay
from .slicer import Slicer

log = logging.getLogger(__name__)

_RELAY_OFF = {"0", "off", "no", "false"}


class Runtime:
    """The shared machinery, each part started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._relay: OutputRelay | None = None
        self._relay_failed = False
        self._slicers: dict[asyncio.AbstractEventLoop, Slicer] = {}
        self._context_worker: ThreadPoolExecutor | None = None

    def relay(self) -> OutputRelay | None:
        """The output relay (a new one if the last died); None when it is switched off
        (`AISESSION_RELAY=off`) or cannot run (children then read their terminals directly)."""
        if self._relay_failed or os.environ.get("AISESSION_RELAY", "").lower() in _RELAY_OFF:
            return None
        with self._lock:
            if self._relay is not None and not self._relay.alive:
                log.warning("output relay exited; starting a new one")
                self._relay = None
            if self._relay is None:
                try:
                    self._relay = OutputRelay()
                except OSError as exc:
                    log.warning("output relay cannot start (%s); reading terminals directly", exc)
                    self._relay_failed = True
                    return None
                atexit.register(self._relay.close)
            return self._relay

    def slicer(self) -> Slicer:
        """The slicer of the running event loop (one per loop)."""
        loop = asyncio.get_running_loop()
        found = self._slicers.get(loop)
        if found is None:
            for stale in [other for other in self._slicers if other.is_closed()]:
                del self._slicers[stale]
            found = self._slicers[loop] = Slicer(loop)
        return found

    def context_worker(self) -> ThreadPoolExecutor:
        """The one thread that compresses and counts context, off the event loop."""
        with self._lock:
            if self._context_worker is None:
                self._context_worker = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="aisession-context"
                )
            return self._context_worker


_default: Runtime | None = None


def default_runtime() -> Runtime:
    """The runtime of code that was given none (library use of `AISession`, tests)."""
    global _default
    if _default is None:
        _default = Runtime()
    return _default
