"""How often a pane repaints: coalesced to a frame rate, slower for floods, whole frames under
synchronized output, and the last screen of a flood shown as soon as it stops."""

from __future__ import annotations

import asyncio
from time import monotonic
from typing import TYPE_CHECKING

from .flood_painter import flood_painter

if TYPE_CHECKING:
    from .terminal_pane import TerminalPane

#: At most this many repaints a second per pane, however fast output arrives.
MAX_FPS = 60
#: Repaints a second of a pane whose whole screen keeps changing (a flood nobody can read).
FLOOD_FPS = 5
#: Consecutive whole-pane repaints after which a pane counts as flooding.
FLOOD_AFTER = 3
#: Silence after which a flooding pane shows its final screen at once rather than at its slow
#: rate: the focused pane (short: after Ctrl+C into a flood, the person waits for the prompt) /
#: the others (longer than their turns, so they keep taking turns).
QUIET_FOCUSED = 0.005
QUIET_BACKGROUND = 0.25
#: Longest a frame drawn under synchronized output (mode 2026) is held back from the screen.
SYNC_TIMEOUT = 0.2


class RepaintPacing:
    """When a pane's changed screen is put on the terminal (the pane does the painting)."""

    def __init__(self, pane: TerminalPane) -> None:
        self._pane = pane
        self._repaint_handle: asyncio.TimerHandle | None = None
        self._quiet_handle: asyncio.TimerHandle | None = None
        self._sync_handle: asyncio.TimerHandle | None = None
        self.last_repaint = 0.0
        self._last_change = 0.0
        #: The screen changed since the last repaint.
        self.stale = False
        #: Consecutive repaints that redrew (nearly) the whole pane.
        self.full_repaints = 0

    def schedule(self) -> None:
        """Coalesce screen changes into at most `MAX_FPS` repaints a second (`FLOOD_FPS` while
        every repaint redraws the whole pane, as when output scrolls nonstop). Flooding panes the
        person is not in take turns, one per frame, so their redraws never pile up together.
        When a flood stops, its last screen is shown as soon as the pane has been quiet a moment.
        A frame the program draws under synchronized output is shown whole, when it is done.
        """
        pane = self._pane
        self.stale = True
        self._last_change = monotonic()
        if pane.emulator.synchronized_output:
            if self._sync_handle is None:
                self._sync_handle = asyncio.get_running_loop().call_later(
                    SYNC_TIMEOUT, self._sync_timeout
                )
            return
        if self._sync_handle is not None:
            self._sync_handle.cancel()
            self._sync_handle = None
        flooding = self.full_repaints >= FLOOD_AFTER
        if flooding and self._quiet_handle is None:
            self._quiet_handle = asyncio.get_running_loop().call_later(
                self._quiet_seconds(), self._quiet_check
            )
        if self._repaint_handle is not None:
            return
        if flooding and not pane.has_focus:
            flood_painter(pane.app).request(pane)
            return
        fps = FLOOD_FPS if flooding else MAX_FPS
        delay = self.last_repaint + 1 / fps - monotonic()
        if delay <= 0:
            pane.repaint()  # nothing painted lately (an echo, a prompt): show it now
            return
        self._repaint_handle = asyncio.get_running_loop().call_later(delay, pane.repaint)

    def begin_repaint(self) -> bool:
        """A repaint starts now; False while a synchronized frame is still being drawn."""
        if self._repaint_handle is not None:
            self._repaint_handle.cancel()
            self._repaint_handle = None
        if self._sync_handle is not None:
            return False
        self.stale = False
        self.last_repaint = monotonic()
        return True

    def painted(self, *, full: bool) -> None:
        self.full_repaints = self.full_repaints + 1 if full else 0

    def cancel(self) -> None:
        for handle in (self._repaint_handle, self._quiet_handle, self._sync_handle):
            if handle is not None:
                handle.cancel()

    def _sync_timeout(self) -> None:
        """The program began a frame and did not finish it in time: show what there is."""
        self._sync_handle = None
        if self.stale and self._pane.is_attached:
            self._pane.repaint()

    def _quiet_seconds(self) -> float:
        return QUIET_FOCUSED if self._pane.has_focus else QUIET_BACKGROUND

    def _quiet_check(self) -> None:
        self._quiet_handle = None
        if not self.stale or not self._pane.is_attached:
            return
        quiet = monotonic() - self._last_change
        wanted = self._quiet_seconds()
        if quiet >= wanted:
            self._pane.repaint()
        else:
            self._quiet_handle = asyncio.get_running_loop().call_later(
                wanted - quiet, self._quiet_check
            )
