"""Renaming a session: one field, the same name rules as the new-session form."""

from __future__ import annotations

from collections.abc import Collection

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from ...core.display_text import display_line
from .dialog import DialogScreen, FormField, check, show_verdict
from .validators import NoWhitespace, Printable, Required, UniqueName


class RenameScreen(DialogScreen[str]):
    """Asks for a session's new name; dismisses with it, or `None` when cancelled or unchanged."""

    AUTO_FOCUS = "#new-name"

    def __init__(
        self,
        current: str,
        existing_names: Collection[str],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.current = current
        self.existing_names = frozenset(existing_names)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Rename session"
            yield FormField(
                "New name",
                Input(
                    # Shown, not trusted: a name set through the socket may hold an ESC.
                    display_line(self.current),
                    placeholder=display_line(self.current) or "e.g. backend-agent",
                    id="new-name",
                    validators=[
                        Required("a name"),
                        NoWhitespace(),
                        Printable(),
                        UniqueName(self.existing_names, allowed=self.current),
                    ],
                ),
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Rename", id="submit", variant="primary")
            yield Static("enter rename · esc cancel", classes="dialog-hint")

    @property
    def input(self) -> Input:
        return self.query_one("#new-name", Input)

    @on(Input.Changed)
    def _show_validation(self, event: Input.Changed) -> None:
        show_verdict(event.input, event.validation_result)

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        control = self.input
        if check(control):
            control.focus()
            return
        new_name = control.value.strip()
        # The field shows the current name cleaned of controls: left as shown, it is unchanged.
        unchanged = new_name in (self.current, display_line(self.current))
        self.dismiss(None if unchanged else new_name)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
