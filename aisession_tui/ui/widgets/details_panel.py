"""The Details panel: the focused session's info, config and metadata."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

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


class DetailsPanel(VerticalScroll):
    """Shows `SessionInfo`, the command, cwd, environment names (never values) and metadata."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Details"
        self._body = Static(classes="details-body")
        self._shown: list[tuple[str, str]] | None = None
        #: A problem of the session database (writes failing), shown above any session.
        self.store_notice: str | None = None

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, presenter: SessionPresenter | None) -> None:
        """Show the session's details; this runs every second for the relative times, so an
        unchanged panel is left alone and one whose lines keep their lengths is not laid out."""
        notice = [("store", self.store_notice)] if self.store_notice else []
        if presenter is None:
            self._shown = None
            self._body.update(Text("\n".join([*(f"{k} {v}" for k, v in notice), "No session"])))
            return
        details = notice + presenter.details()
        if details == self._shown:
            return
        same_shape = self._shown is not None and [(key, len(value)) for key, value in details] == [
            (key, len(value)) for key, value in self._shown
        ]
        self._shown = details
        table = details_table(details)
        self._body.update(table, layout=not same_shape)
