"""The prefix key (Ctrl+B): it opens the prefix screen, runs the command chosen there, and holds
the keys typed meanwhile so they reach the pane the command leaves focused, in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from .screens.prefix import PrefixScreen

if TYPE_CHECKING:
    from .app import SupervisorApp


def prefix_bytes(key: str) -> bytes:
    """The byte a Ctrl+letter prefix stands for (Ctrl+B is 0x02)."""
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - 96])
    return key.encode()


class PrefixKeys:
    """The app's prefix mode: one per app."""

    def __init__(self, app: SupervisorApp) -> None:
        self.app = app
        #: Keys typed while a prefix command runs; None when keys flow straight through.
        self.held: list[events.Key] | None = None

    def open(self) -> None:
        """The prefix typed: wait for a command key (typed again on the prefix screen: send it)."""
        app = self.app
        if isinstance(app.screen, PrefixScreen):
            app.screen.choose("send_prefix")
            return
        if len(app.screen_stack) > 1:
            return
        options = app.options
        app.push_screen(PrefixScreen(options.prefix_key, self._run, self.keep, options.keymap))

    def hold(self, event: events.Key) -> bool:
        """Keep a key typed (not replayed) while a command runs; True if it was kept."""
        if event.is_forwarded or self.held is None:
            return False
        self.held.append(event)
        return True

    def keep(self, event: events.Key) -> None:
        """Keep a key typed while a prefix command runs (replayed after it), or pass it on."""
        if self.held is not None:
            self.held.append(event)
        else:
            self.app.post_message(events.Key(event.key, event.character))

    def _run(self, action: str | None) -> None:
        """Run the chosen command; keys typed meanwhile wait and then go where it left focus."""
        self.held = []
        self.app.call_later(self._finish, action)

    async def _finish(self, action: str | None) -> None:
        app = self.app
        if action == "send_prefix":
            live = app.focused_live
            if live is not None:
                app.main.frame(live).terminal.send(prefix_bytes(app.options.prefix_key))
        elif action:
            await app.run_command(action)
        # Focus changes are applied by callbacks the action queued: release the keys after them.
        app.call_later(self._release)

    async def _release(self) -> None:
        held = sorted(self.held or [], key=lambda key: key.time)
        self.held = None
        for key in held:
            await self.app.dispatch_key_event(events.Key(key.key, key.character))
