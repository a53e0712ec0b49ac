"""Give the C allocator's free pages back to the system, now and then, off the event loop.

Under a steady flood the app frees as much as it allocates (scrollback rows dropped as new ones
come, strips, chunks of output), but glibc's allocator keeps the freed pages in the middle of
its heaps resident: a 10-session soak grew +6.3 MB/min for 14 minutes with no live object
growing; trimming every 10 s, the same soak grew +0.6 MB/min (`benchmarks/soak.py`).
`malloc_trim` takes well under a millisecond; elsewhere than glibc there is nothing to call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Callable

#: Seconds between two trims at most: often enough that freed pages never pile up.
TRIM_EVERY = 10.0


def _find_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): no such call
        return None


_malloc_trim = _find_malloc_trim()


class HeapTrimmer:
    """`maybe_trim()` trims the heap if `every` seconds passed since it last did (from a thread
    that works anyway, so an idle app does nothing)."""

    def __init__(
        self, every: float = TRIM_EVERY, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self._clock = clock
        self._last = clock()
        self.trims = 0

    def maybe_trim(self) -> bool:
        """Trim if it is due; True if it trimmed."""
        now = self._clock()
        if now - self._last < self.every or _malloc_trim is None:
            return False
        self._last = now
        _malloc_trim(0)
        self.trims += 1
        return True
