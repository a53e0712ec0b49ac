"""A yes/no question before something that cannot be undone, such as killing a session."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from ..literal import block_content, line_content
from .dialog import DialogScreen


class ConfirmScreen(DialogScreen[bool]):
    """Dismisses with `True` (confirm button or `y`) or `False` (Cancel, `n` or Escape).

    A dangerous question starts with Cancel focused, so a reflexive Enter does no harm.
    """

    AUTO_FOCUS = ""  # on_mount picks the safe button
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No", show=False),
        Binding("escape", "answer(False)", "Cancel", show=False),
        Binding("left,right", "app.focus_next", "Other button", show=False),
    ]

    def __init__(
        self,
        question: str,
        confirm_label: str = "Kill",
        danger: bool = True,
        *,
        title: str = "Confirm",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.question = question
        self.confirm_label = confirm_label
        self.danger = danger
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger" if self.danger else "dialog") as dialog:
            dialog.border_title = line_content(self.dialog_title)
            yield Static(block_content(self.question), classes="question")  # names a session
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(
                    line_content(self.confirm_label),
                    id="confirm",
                    variant="error" if self.danger else "primary",
                )
            label = self.confirm_label.lower()
            yield Static(line_content(f"y {label} · n / esc cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#cancel" if self.danger else "#confirm", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
