"""The History panel: the focused session's commands, exit codes and output previews."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ...core.display_text import display_block
from ...core.types import CommandRecord
from ..literal import line_text


def format_duration(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "-"
    if milliseconds < 1000:
        return f"{milliseconds}ms"
    if milliseconds < 60_000:
        return f"{milliseconds / 1000:.1f}s"
    return f"{milliseconds // 60_000}m{milliseconds // 1000 % 60:02d}s"


def format_exit(code: int | None, variables: dict[str, str]) -> Text:
    """The exit code, green when 0, red otherwise."""
    if code is None:
        return Text("?", style="dim")
    colour = variables.get("success" if code == 0 else "error", "")
    return Text(str(code), style=f"bold {colour}")


class HistoryPanel(Vertical):
    """A table of commands; the highlighted one's output preview shows underneath."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "History"
        self._records: list[CommandRecord] = []
        self._table: DataTable[str] = DataTable(cursor_type="row", classes="history-table")
        self._preview = Static(classes="history-preview", markup=False)

    def compose(self) -> ComposeResult:
        yield self._table
        yield self._preview

    def on_mount(self) -> None:
        self._table.add_columns("Exit", "Took", "At", "Command")

    def show(self, records: list[CommandRecord]) -> None:
        if records == self._records:
            return
        self._records = list(records)
        table = self._table
        table.clear()
        variables = self.app.get_css_variables()
        for index, record in enumerate(self._records):
            table.add_row(
                format_exit(record.exit_code, variables),
                format_duration(record.duration_ms),
                record.timestamp.astimezone().strftime("%H:%M:%S"),
                line_text(record.command),
                key=str(index),
            )
        if self._records:
            table.move_cursor(row=len(self._records) - 1, animate=False)
        else:
            self._preview.update("No commands yet")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is None:
            return
        record = self._records[int(event.row_key.value)]
        preview = record.output_preview or record.output or "(no output)"
        self._preview.update(display_block(preview))
