"""Typing the same text into several sessions at once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from ..literal import line_content
from .dialog import DialogScreen, FormField
from .requests import BroadcastRequest


class BroadcastScreen(DialogScreen[BroadcastRequest]):
    """Asks for the text and the target sessions; dismisses with a `BroadcastRequest` or `None`.

    Empty text is allowed when "send Enter" is ticked: pressing Enter in every selected pane
    is a common way to confirm a prompt everywhere.
    """

    AUTO_FOCUS = "#text"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Send", show=False),
    ]

    def __init__(
        self,
        sessions: Sequence[tuple[str, str]],
        preselected: Collection[str] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.sessions = list(sessions)
        self.preselected = frozenset(preselected)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Broadcast"
            yield FormField(
                "Text to type", Input(placeholder="e.g. git status", id="text"), id="text-field"
            )
            yield FormField(
                "Send to (space toggles)",
                SelectionList[str](
                    *(
                        Selection(
                            line_content(label or session_id),
                            session_id,
                            session_id in self.preselected,
                        )
                        for session_id, label in self.sessions
                    ),
                    id="targets",
                ),
                id="targets-field",
            )
            with Horizontal(classes="options -end"):
                yield Checkbox("Send Enter after the text", True, id="press-enter", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Send", id="submit", variant="primary")
            yield Static("enter send · tab next · esc cancel", classes="dialog-hint")

    @on(Input.Changed, "#text")
    @on(Checkbox.Changed, "#press-enter")
    def _clear_text_error(self) -> None:
        self.query_one("#text-field", FormField).show_error(self._text_problem())

    @on(SelectionList.SelectedChanged, "#targets")
    def _clear_targets_error(self) -> None:
        if self._selected_ids():
            self.query_one("#targets-field", FormField).show_error(None)

    def _selected_ids(self) -> list[str]:
        """The chosen sessions in the order they are listed, not the order they were ticked."""
        chosen = set(self.query_one("#targets", SelectionList).selected)
        return [session_id for session_id, _ in self.sessions if session_id in chosen]

    def _text_problem(self) -> str | None:
        text = self.query_one("#text", Input).value
        if not text and not self.query_one("#press-enter", Checkbox).value:
            return "Type some text, or tick “Send Enter” to just press Enter."
        return None

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        """Send if the text and the targets make sense, otherwise say what is missing."""
        text_problem = self._text_problem()
        self.query_one("#text-field", FormField).show_error(text_problem)
        targets = self._selected_ids()
        targets_problem = None
        if not self.sessions:
            targets_problem = "There are no sessions to send to."
        elif not targets:
            targets_problem = "Choose at least one session (space toggles)."
        self.query_one("#targets-field", FormField).show_error(targets_problem)
        if text_problem:
            self.query_one("#text", Input).focus()
            return
        if targets_problem:
            self.query_one("#targets", SelectionList).focus()
            return
        self.dismiss(
            BroadcastRequest(
                text=self.query_one("#text", Input).value,
                session_ids=targets,
                press_enter=self.query_one("#press-enter", Checkbox).value,
            )
        )

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
