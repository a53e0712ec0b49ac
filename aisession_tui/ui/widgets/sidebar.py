"""The side panels: sessions, details, tokens, history, messages; shown only while one is."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget

from ...control.backend import MessageRow
from ...supervisor import Supervisor
from .details_panel import DetailsPanel
from .history_panel import HistoryPanel
from .messages_panel import MessagesPanel
from .session_list import SessionList
from .tokens_panel import TokensPanel


class Sidebar(Vertical):
    """The panels about the sessions, each shown or hidden on its own; the sidebar is hidden
    while none is shown."""

    def __init__(self, shown: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_list = SessionList(id="sessions")
        self.details_panel = DetailsPanel(id="details")
        self.tokens_panel = TokensPanel(id="tokens")
        self.history_panel = HistoryPanel(id="history")
        self.messages_panel = MessagesPanel(id="messages")
        self.panels: list[Widget] = [
            self.session_list,
            self.details_panel,
            self.tokens_panel,
            self.history_panel,
            self.messages_panel,
        ]
        for panel in self.panels:
            panel.display = panel.id in shown
        self._sync()

    def compose(self) -> ComposeResult:
        yield from self.panels

    def toggle(self, panel: str) -> None:
        widget = next(widget for widget in self.panels if widget.id == panel)
        widget.display = not widget.display
        self._sync()

    def _sync(self) -> None:
        self.display = any(panel.display for panel in self.panels)

    def resize(self, delta: int, room: int) -> None:
        """Wider (positive) or narrower by `delta` cells, leaving the panes 20 of `room`."""
        width = self.outer_size.width or 44
        self.styles.max_width = room  # the person's choice beats the stylesheet cap
        self.styles.width = max(24, min(width + delta, room - 20))

    @property
    def shows_times(self) -> bool:
        """A shown panel says how long ago things happened (it ages with the clock)."""
        return bool(self.session_list.display or self.details_panel.display)

    def show(
        self,
        supervisor: Supervisor,
        *,
        waiting_first: bool,
        messages: Callable[[], list[MessageRow]] | None,
    ) -> None:
        """Show the supervisor's current state in every shown panel."""
        focused = supervisor.focused_live
        presenter = supervisor.presenter(focused) if focused is not None else None
        if self.session_list.display:
            self.session_list.show(
                [(live.session.id.uuid.hex, supervisor.presenter(live)) for live in supervisor],
                supervisor.focused.uuid.hex if supervisor.focused is not None else None,
                waiting_first=waiting_first,
            )
        if self.details_panel.display:
            self.details_panel.show(presenter)
        if self.tokens_panel.display:
            self.tokens_panel.show(presenter)
        if self.history_panel.display:
            self.history_panel.show(presenter.command_history() if presenter else [])
        if self.messages_panel.display and messages is not None:
            self.messages_panel.show(messages())
