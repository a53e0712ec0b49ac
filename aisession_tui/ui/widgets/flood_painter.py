"""Flooding panes the person is not in repaint in turn, a few a second between them all.

A pane whose whole screen changes with every frame (`yes`, a build log) costs a full redraw each
time; several of them at 60 frames a second would starve the keyboard. They queue here instead.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol
from weakref import WeakKeyDictionary

#: Repaints a second shared by all flooding panes the person is not in.
FLOOD_TURNS = 8


class Repaintable(Protocol):
    @property
    def is_attached(self) -> bool: ...

    @property
    def stale(self) -> bool:
        """The screen changed since the last repaint."""

    def repaint(self) -> None: ...


class FloodPainter:
    """Repaints the queued panes of one app one at a time, `FLOOD_TURNS` a second."""

    def __init__(self) -> None:
        self._waiting: deque[Repaintable] = deque()
        self._handle: asyncio.TimerHandle | None = None

    def request(self, pane: Repaintable) -> None:
        if pane not in self._waiting:
            self._waiting.append(pane)
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(1 / FLOOD_TURNS, self._turn)

    def _turn(self) -> None:
        self._handle = None
        while self._waiting:
            pane = self._waiting.popleft()
            if pane.is_attached and pane.stale:
                pane.repaint()
                break
        if self._waiting:
            self._handle = asyncio.get_running_loop().call_later(1 / FLOOD_TURNS, self._turn)


_painters: WeakKeyDictionary[object, FloodPainter] = WeakKeyDictionary()


def flood_painter(app: object) -> FloodPainter:
    """The painter shared by the panes of `app`."""
    painter = _painters.get(app)
    if painter is None:
        painter = _painters[app] = FloodPainter()
    return painter
