"""Quitting while agents run on a tmux server: leave them running, stop them, or stay."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from .dialog import DialogScreen


class QuitChoice(StrEnum):
    DETACH = "detach"
    STOP = "stop"
    CANCEL = "cancel"


class DetachScreen(DialogScreen[QuitChoice]):
    """Dismisses with a `QuitChoice`: `d` detach (the default), `s` stop all, `n`/Esc cancel."""

    AUTO_FOCUS = "#detach"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "choose('detach')", "Detach", show=False),
        Binding("s", "choose('stop')", "Stop all", show=False),
        Binding("n,escape", "choose('cancel')", "Cancel", show=False),
        Binding("left,right", "app.focus_next", "Other button", show=False),
    ]

    def __init__(self, running: int, workspace: str) -> None:
        super().__init__()
        self.running = running
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = Content("Quit")
            plural = "s" if self.running != 1 else ""
            question = (
                f"{self.running} session{plural} run on the tmux server of workspace "
                f"{self.workspace!r}. Detach (they keep running; `aisession-tui attach` brings "
                "them back) or stop them all?"
            )
            yield Static(Content(question), classes="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Detach", id="detach", variant="primary")
                yield Button("Stop all", id="stop", variant="error")
                yield Button("Cancel", id="cancel")
            yield Static(Content("d detach · s stop all · n / esc cancel"), classes="dialog-hint")

    def action_choose(self, choice: str) -> None:
        self.dismiss(QuitChoice(choice))

    def action_cancel(self) -> None:
        self.dismiss(QuitChoice.CANCEL)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(QuitChoice(event.button.id or "cancel"))
