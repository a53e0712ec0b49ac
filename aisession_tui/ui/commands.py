"""The command palette's commands: every prefix command, by name, and Detach on tmux."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .detach import survives
from .keymap import PREFIX_COMMANDS

if TYPE_CHECKING:
    from .app import SupervisorApp

#: Prefix commands the palette does not list: itself, and the theme picker Textual lists.
_NOT_LISTED = ("command_palette", "change_theme")


class SessionCommands(Provider):
    """What the prefix keys do, findable by name (next to Textual's own system commands)."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("SupervisorApp", self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            (
                command.label,
                command.description,
                partial(app.call_later, app.run_command, command.action),
            )
            for command in PREFIX_COMMANDS
            if command.action not in _NOT_LISTED
        ]
        if survives(app):
            commands.append(
                (
                    "Detach",
                    "Quit, leaving the sessions running on tmux",
                    partial(app.call_later, app.run_command, "detach"),
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, help_text, run in sorted(self._commands(), key=lambda command: command[0]):
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
