"""The Details panel: the focused session's info, config and metadata."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..presenter import SessionPresenter


class DetailsPanel(VerticalScroll):
    """Shows `SessionInfo`, the command, cwd, environment names (never values) and metadata."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Details"
        self._body = Static(classes="details-body")

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, presenter: SessionPresenter | None) -> None:
        if presenter is None:
            self._body.update("No session")
            return
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for key, value in presenter.details():
            table.add_row(key, value)
        self._body.update(table)
