"""The prefix key (Ctrl+B): the next key chooses a command, and the keys typed while it runs wait
so they reach the pane the command leaves focused, in order.

Every key passes through `PrefixKeys.route` as the app takes it from its queue, so the key that
chooses and the keys behind it are seen in the order they were typed. (The prefix was a screen of
its own: keys typed behind the command key went to that screen's queue or the app's, depending on
when it closed, and a screen kept for the next prefix lost them.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from .keymap import PREFIX_COMMANDS

if TYPE_CHECKING:
    from .app import SupervisorApp


class PrefixKeys:
    """The app's prefix mode: one per app."""

    def __init__(self, app: SupervisorApp) -> None:
        self.app = app
        options = app.options
        #: What each key chooses after the prefix, with the person's `[keymap]` applied.
        self.actions: dict[str, str | None] = {
            key: command.action
            for command in PREFIX_COMMANDS
            for key in command.keys(options.keymap)
        }
        self.actions.setdefault("escape", None)
        self.actions.setdefault(options.prefix_key, "send_prefix")  # typed twice: sent on
        #: The prefix was typed: the next key chooses a command.
        self.waiting = False
        #: Keys typed while a prefix command runs; None when keys flow straight through.
        self.held: list[events.Key] | None = None

    def open(self) -> None:
        """The prefix typed (the main screen's binding): the next key is a command."""
        if self.waiting or self.held is not None or self.app.screen is not self.app.main:
            return
        self.waiting = True
        self.app.main.prefix_bar.display = True

    async def route(self, event: events.Key) -> bool:
        """Choose a command with the key typed after the prefix, or keep a key typed while one
        runs; False for a key that goes on as usual."""
        if event.is_forwarded:
            return False
        if self.held is not None:
            self.held.append(event)
            return True
        if not self.waiting:
            return False
        self.waiting = False
        self.app.main.prefix_bar.display = False
        if event.key in self.actions:
            action = self.actions[event.key]
        else:
            self.app.bell()  # an unknown key cancels
            action = None
        if action is not None:
            self.held = []  # at once: the keys behind this one wait for the command
            self.app.call_later(self._finish, action)
        return True

    async def _finish(self, action: str) -> None:
        app = self.app
        if action == "send_prefix":
            live = app.focused_live
            if live is not None:
                # Through the pane's queue, behind the keys routed to it before this one.
                prefix = events.Key(app.options.prefix_key, None)
                app.main.frame(live).terminal.post_message(prefix)
        else:
            await app.run_command(action)
        # Focus changes are applied by callbacks the action queued: release the keys after them.
        app.call_later(self._release)

    async def _release(self) -> None:
        """Route the held keys in order; when one of them chose a command again (another prefix
        among them), the rest wait for that one."""
        held = self.held or []
        self.held = None
        for index, key in enumerate(held):
            if self.held is not None:
                self.held.extend(held[index:])
                return
            replay = events.Key(key.key, key.character)
            if not await self.route(replay):
                await self.app.dispatch_key_event(replay)
