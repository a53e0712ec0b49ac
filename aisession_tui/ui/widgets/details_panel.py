"""The Details panel: the focused session's info, config and metadata."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from ...supervisor.presenter import SessionPresenter
from ..literal import line_text
from .rendered_lines import RenderedLines


def details_table(details: list[tuple[str, str]]) -> Table:
    """Key and value columns; both are `Text`, never markup (values quote children)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in details:
        table.add_row(line_text(key), line_text(value))
    return table


class DetailsBody(RenderedLines):
    """The panel's lines (see `RenderedLines`).

    As a `Static`, each focus move to a session whose details took another number of lines
    laid out the whole screen, two or three times (the panel's height, then its scrollbar
    coming or going): 30-45 ms each with twenty panes. This body grows when a session's details
    need more lines and never shrinks for one that needs fewer, so moving among sessions seen
    before lays out nothing (and the panels below it stay where they are)."""

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._renderable: RenderableType = Text()

    def renderable(self) -> RenderableType:
        return self._renderable

    def update(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        self.rerender()


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
