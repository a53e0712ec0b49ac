"""The Sessions panel: every session with status, role, tokens, last activity and attention."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ..presenter import SessionPresenter


class SessionList(DataTable[str]):
    """One row per session; choosing a row focuses that session's pane."""

    class Chosen(Message):
        def __init__(self, session_key: str) -> None:
            super().__init__()
            self.session_key = session_key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.border_title = "Sessions"

    def on_mount(self) -> None:
        self.add_column("#", key="number")
        self.add_column("Status", key="status")
        self.add_column("Name", key="name")
        self.add_column("Role", key="role")
        self.add_column("Tokens", key="tokens")
        self.add_column("Active", key="active")
        self.add_column("Last event", key="event")

    def show(self, presenters: list[tuple[str, SessionPresenter]], focused_key: str | None) -> None:
        """Redraw the rows, keeping the cursor on the focused session."""
        self.clear()
        variables = self.app.get_css_variables()
        for number, (key, presenter) in enumerate(presenters, start=1):
            badge, colour = presenter.badge()
            self.add_row(
                str(number),
                Text.assemble(
                    (badge, f"bold {variables.get(colour.lstrip('$'), '')}"),
                    (
                        f" {presenter.attention_marker}" if presenter.attention_marker else "",
                        "bold",
                    ),
                ),
                Text(presenter.name),
                Text(presenter.role or ""),
                f"{presenter.total_tokens:,}",
                presenter.last_activity,
                Text(presenter.event_summary),
                key=key,
            )
        if focused_key is not None and focused_key in self.rows:
            self.move_cursor(row=self.get_row_index(focused_key), animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(event.row_key.value))
