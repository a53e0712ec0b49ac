"""Tiles the session panes: automatic grid, columns, rows, or one zoomed pane."""

from __future__ import annotations

import math
from enum import StrEnum

from textual.containers import Container
from textual.reactive import reactive

from .pane_frame import PaneFrame


class Layout(StrEnum):
    GRID = "grid"
    COLUMNS = "columns"
    ROWS = "rows"


LAYOUT_ORDER = [Layout.GRID, Layout.COLUMNS, Layout.ROWS]


def grid_shape(count: int, width: int, height: int) -> tuple[int, int]:
    """Columns and rows for `count` panes, preferring cells wider than tall (as text is)."""
    if count <= 1:
        return 1, 1
    best: tuple[float, int, int] | None = None
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        cell_ratio = (width / columns) / max(1.0, (height / rows) * 2.2)
        empty = columns * rows - count
        score = abs(math.log(cell_ratio)) + empty * 0.3
        if best is None or score < best[0]:
            best = (score, columns, rows)
    assert best is not None
    return best[1], best[2]


class PaneGrid(Container):
    """The tiled area; it never takes focus itself."""

    layout_mode: reactive[Layout] = reactive(Layout.GRID, init=False)
    zoomed: reactive[bool] = reactive(False, init=False)
    _last_focused: PaneFrame | None = None

    @property
    def frames(self) -> list[PaneFrame]:
        return list(self.query_children(PaneFrame))

    def on_mount(self) -> None:
        self._apply()

    def on_resize(self) -> None:
        self._apply()

    def watch_layout_mode(self) -> None:
        self._apply()

    def watch_zoomed(self) -> None:
        self._apply()

    def next_layout(self) -> Layout:
        index = LAYOUT_ORDER.index(self.layout_mode)
        self.zoomed = False
        self.layout_mode = LAYOUT_ORDER[(index + 1) % len(LAYOUT_ORDER)]
        return self.layout_mode

    def renumber(self) -> None:
        for number, frame in enumerate(self.frames, start=1):
            frame.number = number
            frame.refresh_title()
        self._apply()

    def _apply(self) -> None:
        """Set the grid shape and which frames show, from the layout, zoom and the focused pane."""
        frames = self.frames
        focused = self._focused_frame(frames)
        for layout in Layout:
            self.set_class(layout is self.layout_mode and not self.zoomed, f"-{layout}")
        self.set_class(self.zoomed, "-zoomed")
        for frame in frames:
            frame.display = not self.zoomed or frame is focused
        count = 1 if self.zoomed else len(frames)
        if self.zoomed:
            columns, rows = 1, 1
        elif self.layout_mode is Layout.COLUMNS:
            columns, rows = count, 1
        elif self.layout_mode is Layout.ROWS:
            columns, rows = 1, count
        else:
            columns, rows = grid_shape(count, self.size.width or 160, self.size.height or 48)
        self.styles.grid_size_columns = max(1, columns)
        self.styles.grid_size_rows = max(1, rows)

    def _focused_frame(self, frames: list[PaneFrame]) -> PaneFrame | None:
        """The pane the person is in (the one zoom shows)."""
        if self._last_focused in frames:
            return self._last_focused
        return frames[0] if frames else None

    def forget(self, frame: PaneFrame) -> None:
        """A frame is going away: keep no reference to it (nor its session's scrollback)."""
        if self._last_focused is frame:
            self._last_focused = None

    def remember_focus(self, frame: PaneFrame) -> None:
        self._last_focused = frame
        if self.zoomed:
            self._apply()
