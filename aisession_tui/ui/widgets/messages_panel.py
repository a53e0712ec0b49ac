"""The Messages panel: what agents left in sessions' inboxes, to read, forward or discard.

Messages up: Enter posts `MessagesPanel.Forward`, `d` posts `MessagesPanel.Discard`; the app
acts on them through `ControlBackend.forward` / `ControlBackend.discard`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from ...control.backend import MessageRow
from ...control.bus import BusMessage
from ...core.display_text import display_block
from ..literal import line_text


class MessagesPanel(Vertical):
    """A table of waiting messages (time, from, to, text); the highlighted one in full below."""

    BINDINGS = [
        Binding("enter", "forward", "Forward", tooltip="Type the message into its session"),
        Binding("d,delete", "discard", "Discard"),
    ]

    class _Action(Message):
        """What the person did with one waiting `message` in `panel`."""

        def __init__(self, panel: MessagesPanel, message: BusMessage) -> None:
            super().__init__()
            self.panel = panel
            self.message = message

        @property
        def control(self) -> MessagesPanel:
            return self.panel

    class Forward(_Action):
        """The person wants `message` typed into its session."""

    class Discard(_Action):
        """The person read `message` and wants it gone."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Messages"
        self._rows: list[MessageRow] = []
        self._table: DataTable[str] = DataTable(cursor_type="row", classes="messages-table")
        self._preview = Static("No messages", classes="messages-preview", markup=False)

    def compose(self) -> ComposeResult:
        yield self._table
        yield self._preview

    def on_mount(self) -> None:
        self._table.add_columns("At", "From", "To", "Text")

    @property
    def rows(self) -> list[MessageRow]:
        return list(self._rows)

    def show(self, rows: list[MessageRow]) -> None:
        """Show these messages (oldest first); the newest is highlighted."""
        if [(r.message.id, r.to_name) for r in rows] == [
            (r.message.id, r.to_name) for r in self._rows
        ]:
            return
        self._rows = list(rows)
        table = self._table
        table.clear()
        for row in self._rows:
            message = row.message
            first_line = message.text.splitlines()[0] if message.text else ""
            table.add_row(
                message.sent_at.astimezone().strftime("%H:%M:%S"),
                line_text(message.sender),
                line_text(("* " if message.broadcast else "") + row.to_name),
                line_text(first_line),
                key=str(message.id),
            )
        if self._rows:
            table.move_cursor(row=len(self._rows) - 1, animate=False)
        else:
            self._preview.update("No messages")

    def _highlighted(self) -> BusMessage | None:
        if not self._rows:
            return None
        row = self._table.cursor_row
        return self._rows[row].message if 0 <= row < len(self._rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        message = self._highlighted()
        if message is not None:
            self._preview.update(display_block(f"{message.sender}: {message.text}"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_forward()

    def action_forward(self) -> None:
        message = self._highlighted()
        if message is not None:
            self.post_message(self.Forward(self, message))

    def action_discard(self) -> None:
        message = self._highlighted()
        if message is not None:
            self.post_message(self.Discard(self, message))
