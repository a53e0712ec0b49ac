"""A Rich renderable drawn through the Line API, rendered once per change and width."""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class RenderedLines(Widget):
    """`renderable()` rendered into lines when it changes (`rerender`) or the width does, and
    drawn a line at a time; as tall as the most lines it has shown at this width.

    A `Static` renders its content twice per change (once to measure its height, once to draw)
    and styles and lays out a widget per part; this renders once, and a height that never
    shrinks at one width means content taking fewer lines than before lays out nothing."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._width = 0
        self._lines: list[list[Segment]] = []
        #: The most lines shown at `_width`: the widget's height.
        self._tallest = 0

    def renderable(self) -> RenderableType:
        """What to show (called when it is rendered)."""
        raise NotImplementedError

    def rerender(self) -> None:
        """Render `renderable()` again now (if shown) and refresh, laying out only when the
        widget grows."""
        tallest = self._tallest
        self._lines = []
        if self.size.width <= 0:
            self._width = 0  # not shown: rendered when next measured
        self._render_at(self.size.width, again=True)
        self.refresh(layout=self._tallest != tallest)

    def _render_at(self, width: int, *, again: bool = False) -> None:
        if width <= 0 or (width == self._width and not again):
            return
        if width != self._width:
            self._tallest = 0
        options = self.app.console.options.update_width(width)
        self._lines = self.app.console.render_lines(self.renderable(), options, pad=False)
        self._width = width
        self._tallest = max(self._tallest, len(self._lines))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._render_at(width)
        return self._tallest

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._render_at(width)
        style = self.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, style)
        return Strip(self._lines[y]).apply_style(style).adjust_cell_length(width, style)
