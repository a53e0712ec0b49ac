"""The attention inbox: every session needing the person, longest waiting first, answered
without leaving the grid (`y`/`n`/a digit go to that session the way its agent's dialog
expects), Enter jumps to the pane."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ...supervisor.presenter import relative_time
from .dialog import DialogScreen

if TYPE_CHECKING:
    from ..agent_hooks import AgentHooks, InboxItem

_ANSWER_KEYS = ("y", "n", *"0123456789")


class InboxScreen(DialogScreen[None]):
    """Lists `AgentHooks.inbox_items()`; answered items leave as the sessions move on."""

    CSS_PATH = ["screens.tcss", "inbox.tcss"]
    AUTO_FOCUS = "#inbox-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,i", "cancel", "Close", show=False),
        *(Binding(key, f"answer('{key}')", show=False) for key in _ANSWER_KEYS),
    ]

    def __init__(self, hooks: AgentHooks) -> None:
        super().__init__()
        self.hooks = hooks
        self.items: list[InboxItem] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Needs you"
            yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=False)
            yield Static("", id="inbox-empty")
            yield Static(
                "y yes · n no · 1-9 choose · enter go to pane · esc close", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("waited", "age"), ("session", "name"), ("agent", "agent")):
            table.add_column(label, key=key)
        table.add_column("question", key="question")
        self._fill()
        self.set_interval(1.0, self._age, name="inbox-ages")

    def refresh_items(self) -> None:
        """Show the current items, keeping the cursor on the same session when it stays."""
        if self.is_mounted:
            self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        current = self.selected
        self.items = self.hooks.inbox_items()
        table.clear()
        for item in self.items:
            table.add_row(
                relative_time(item.since).removesuffix(" ago"),
                Text(item.name),
                Text(item.agent),
                Text(item.question),
                key=item.key,
            )
        keys = [item.key for item in self.items]
        if current is not None and current.key in keys:
            table.move_cursor(row=keys.index(current.key), animate=False)
        empty = self.query_one("#inbox-empty", Static)
        empty.update("Nobody needs you right now." if not self.items else "")
        empty.display = not self.items

    def _age(self) -> None:
        table = self.query_one(DataTable)
        for item in self.items:
            table.update_cell(item.key, "age", relative_time(item.since).removesuffix(" ago"))

    @property
    def selected(self) -> InboxItem | None:
        table = self.query_one(DataTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    def action_answer(self, key: str) -> None:
        item = self.selected
        if item is None:
            return
        if not self.hooks.answer(item.key, key):
            self.notify(f"{item.name} could not be answered", severity="warning")
        self.refresh_items()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: go to that session's pane."""
        event.stop()
        key = event.row_key.value
        self.dismiss(None)
        if key is not None:
            self.hooks.app.focus_session(key)
