"""The prefix mode: after Ctrl+B the next key is a command, shown in the footer."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer

from ..keymap import PREFIX_COMMANDS


class PrefixScreen(ModalScreen[None]):
    """Waits for one command key and hands the app action it stands for to `on_choose`."""

    CSS_PATH = "prefix.tcss"

    BINDINGS = [
        Binding(
            command.key,
            f"choose({command.action!r})",
            command.label,
            show=command.show,
            id=command.id,  # the app's keymap remaps them (the footer then shows the new keys)
        )
        for command in PREFIX_COMMANDS
    ] + [Binding("escape", "choose(None)", "Cancel")]

    def __init__(
        self,
        prefix_key: str,
        on_choose: Callable[[str | None], None],
        hold_key: Callable[[events.Key], None],
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.prefix_key = prefix_key
        #: What each key chooses, with the person's `[keymap]` applied.
        self.actions: dict[str, str | None] = {
            key: command.action for command in PREFIX_COMMANDS for key in command.keys(keymap or {})
        }
        self.actions["escape"] = None
        self._on_choose = on_choose
        self._hold_key = hold_key
        self._chosen = False

    def compose(self) -> ComposeResult:
        yield Footer()

    def choose(self, action: str | None) -> None:
        """Run the command and close; only the first key after the prefix chooses."""
        if not self._chosen:
            self._chosen = True
            self._on_choose(action)  # at once: keys typed behind this one must wait for it
            self.dismiss()

    def action_choose(self, action: str | None) -> None:
        self.choose(action)

    def on_key(self, event: events.Key) -> None:
        """The prefix again sends it to the program; an unknown key cancels."""
        if self._chosen:
            # Typed right after the command key, before this screen closed: the app replays it
            # to the pane the command left focused, in order.
            event.stop()
            event.prevent_default()
            self._hold_key(event)
            return
        # Chosen here, not by the bindings (which only label the footer): a binding fires when
        # the key has bubbled up to the app, after the keys typed behind it reached this screen.
        event.stop()
        event.prevent_default()
        if event.key in self.actions:
            self.choose(self.actions[event.key])
        elif event.key == self.prefix_key:
            self.choose("send_prefix")
        else:
            self.app.bell()
            self.choose(None)
