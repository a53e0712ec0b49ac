"""The Sessions panel: every session with status, role, tokens, last activity and attention."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ...ai.state import AgentState
from ...supervisor.presenter import SessionPresenter
from ..literal import line_text
from ..textual_compat import update_rows_in_place


class SessionList(DataTable[str]):
    """One row per session; choosing a row focuses that session's pane."""

    #: (label, key) of each column, in order.
    _COLUMNS = (
        ("#", "number"),
        ("Status", "status"),
        ("Name", "name"),
        ("Role", "role"),
        ("Tokens", "tokens"),
        ("Active", "active"),
        ("Last event", "event"),
    )

    class Chosen(Message):
        def __init__(self, session_key: str) -> None:
            super().__init__()
            self.session_key = session_key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.border_title = "Sessions"

    def on_mount(self) -> None:
        for label, key in self._COLUMNS:
            self.add_column(label, key=key)

    def show(
        self,
        presenters: list[tuple[str, SessionPresenter]],
        focused_key: str | None,
        *,
        waiting_first: bool = False,
    ) -> None:
        """Show the sessions (numbered as their panes), keeping the cursor on the focused one;
        with `waiting_first`, those needing the person come first, longest waiting first.

        When the same sessions are listed in the same order, only the cells that changed are
        updated, and only their rows rendered again while their widths stay: the panel
        refreshes every second for its relative times, and rendering every row costs at many
        sessions."""
        variables = self.app.get_css_variables()  # the theme's colours (costly: once a call)
        numbered = list(enumerate(presenters, start=1))
        if waiting_first:
            numbered.sort(key=lambda item: _waiting_order(item[1][1]))
        rows = [
            (key, self._cells(number, presenter, variables))
            for number, (key, presenter) in numbered
        ]
        if [key for key, _ in rows] == [key.value for key in self.rows]:
            changes = {
                key: changed
                for key, cells in rows
                if (
                    changed := {
                        column: value
                        for (_, column), value in zip(self._COLUMNS, cells, strict=True)
                        if self.get_cell(key, column) != value
                    }
                )
            }
            for key in update_rows_in_place(self, changes):
                for column, value in changes[key].items():
                    self.update_cell(key, column, value, update_width=True)
        else:
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
        if focused_key is not None and focused_key in self.rows:
            self.move_cursor(row=self.get_row_index(focused_key), animate=False)

    def _cells(
        self, number: int, presenter: SessionPresenter, variables: dict[str, str]
    ) -> tuple[object, ...]:
        badge, colour = presenter.badge()
        colour_value = variables.get(colour.lstrip("$"), "")
        return (
            str(number),
            Text.assemble(
                (badge, f"bold {colour_value}"),
                (f" {presenter.attention_marker}" if presenter.attention_marker else "", "bold"),
            ),
            line_text(presenter.name),
            line_text(presenter.role or ""),
            f"{presenter.total_tokens:,}",
            presenter.last_activity,
            line_text(presenter.event_summary),
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(event.row_key.value))


def _waiting_order(presenter: SessionPresenter) -> tuple[bool, float]:
    """Sort key: sessions waiting for the person first, the longest waiting first."""
    status = presenter.agent_status()
    waiting = status.state is AgentState.WAITING_FOR_INPUT
    return (not waiting, status.since.timestamp() if waiting else 0.0)
