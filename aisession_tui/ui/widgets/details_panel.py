"""The Details panel: the focused session's info, config and metadata."""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ...supervisor.presenter import SessionPresenter
from ..literal import line_text


def details_table(details: list[tuple[str, str]]) -> Table:
    """Key and value columns; both are `Text`, never markup (values quote children)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in details:
        table.add_row(line_text(key), line_text(value))
    return table


class DetailsBody(Widget):
    """The panel's lines, rendered once per change and width (Line API); as tall as the most
    lines it has shown at this width.

    A `Static` renders its table twice per change (once to measure its height, once to draw),
    and each focus move to a session whose details took another number of lines laid out the
    whole screen, two or three times (the panel's height, then its scrollbar coming or going):
    30-45 ms each with twenty panes. This one grows when a session's details need more lines
    and never shrinks for one that needs fewer, so moving among sessions seen before lays out
    nothing (and the panels below it stay where they are)."""

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._renderable: RenderableType = Text()
        self._width = 0
        self._lines: list[list[Segment]] = []
        #: The most lines shown at `_width`: the body's height.
        self._tallest = 0

    def update(self, renderable: RenderableType) -> None:
        tallest = self._tallest
        self._renderable = renderable
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
        self._lines = self.app.console.render_lines(self._renderable, options, pad=False)
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


class DetailsPanel(VerticalScroll):
    """Shows `SessionInfo`, the command, cwd, environment names (never values) and metadata."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Details"
        self._body = DetailsBody(classes="details-body")
        self._shown: list[tuple[str, str]] | None = None
        #: A problem of the session database (writes failing), shown above any session.
        self.store_notice: str | None = None

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, presenter: SessionPresenter | None) -> None:
        """Show the session's details; this runs every second for the relative times, so an
        unchanged panel is left alone (and one keeping its number of lines is not laid out)."""
        notice = [("store", self.store_notice)] if self.store_notice else []
        if presenter is None:
            self._shown = None
            self._body.update(Text("\n".join([*(f"{k} {v}" for k, v in notice), "No session"])))
            return
        details = notice + presenter.details()
        if details == self._shown:
            return
        self._shown = details
        self._body.update(details_table(details))
