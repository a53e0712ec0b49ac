"""The prefix mode: after Ctrl+B the next key is a command, shown in the footer."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer

from ..keymap import PREFIX_COMMANDS

COMMAND_KEYS = {command.key for command in PREFIX_COMMANDS} | {"escape"}


class PrefixScreen(ModalScreen[str | None]):
    """Waits for one command key; dismisses with the app action to run (or None)."""

    CSS_PATH = "prefix.tcss"

    BINDINGS = [
        Binding(command.key, f"choose({command.action!r})", command.label, show=command.show)
        for command in PREFIX_COMMANDS
    ] + [Binding("escape", "choose(None)", "Cancel")]

    def __init__(self, prefix_key: str) -> None:
        super().__init__()
        self.prefix_key = prefix_key

    def compose(self) -> ComposeResult:
        yield Footer()

    def action_choose(self, action: str | None) -> None:
        self.dismiss(action)

    def on_key(self, event: events.Key) -> None:
        """The prefix again sends it to the program; an unknown key cancels."""
        if event.key in COMMAND_KEYS:
            return
        event.stop()
        event.prevent_default()
        if event.key == self.prefix_key:
            self.dismiss("send_prefix")
        else:
            self.app.bell()
            self.dismiss(None)
