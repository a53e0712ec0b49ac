"""The prefix bar: while the prefix waits for a command key, the commands over the key bar.

It is Textual's `Footer` listing the prefix commands, composed once with the main screen and
shown or hidden. It was a screen of its own, composed afresh on each prefix key and drawn over
the main screen (translucent, so every pane was rendered again beneath it), and closing it
restyled and repainted the whole main screen (Textual does so whenever a screen resumes).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from .keymap import PREFIX_COMMANDS
from .textual_compat import FooterKey


def prefix_bindings(keymap: Mapping[str, str]) -> list[Binding]:
    """The prefix commands as the bar shows them: each under its first key, with the person's
    `[keymap]` applied, then Esc to cancel."""
    return [
        Binding(command.keys(keymap)[0], command.action, command.label, id=command.id)
        for command in PREFIX_COMMANDS
        if command.show and command.keys(keymap)
    ] + [Binding("escape", "cancel_prefix", "Cancel", id="prefix.cancel")]


class PrefixBar(Footer):
    """The prefix commands' keys, in the footer's place; hidden until the prefix is typed."""

    def __init__(self, keymap: Mapping[str, str], *, id: str | None = None) -> None:
        super().__init__(show_command_palette=False, id=id)
        self.commands = prefix_bindings(keymap)
        self.display = False

    def compose(self) -> ComposeResult:
        for binding in self.commands:
            yield FooterKey(
                binding.key, self.app.get_key_display(binding), binding.description, binding.action
            ).data_bind(compact=Footer.compact)

    def bindings_changed(self, screen: Screen) -> None:
        """The keys shown are the prefix commands', whatever the screen's bindings are."""
