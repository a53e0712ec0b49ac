"""The app's commands: prefix keys, palette entries and the dialogs they open.

A mixin of `SupervisorApp`, kept apart so the app module stays about composition and events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import SystemCommand
from textual.screen import Screen

from ..core.types import SessionStatus
from ..supervisor import InvalidName
from .detach import detach_and_exit, running_count, survives
from .keymap import PREFIX_COMMANDS, help_sections
from .screens import (
    BroadcastScreen,
    ConfirmScreen,
    HelpScreen,
    NewSessionScreen,
    RenameScreen,
    SearchScreen,
)
from .screens.detach import DetachScreen, QuitChoice
from .screens.prefix import PrefixScreen

if TYPE_CHECKING:
    from .app import SupervisorApp

DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


class CommandsMixin:
    """Every `action_*` the prefix keys, direct keys and command palette run, and the closing of
    sessions and of the app that kill, quit and unmount share."""

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Direct keys act on the panes only while no dialog is open."""
        return not (action in ("focus_number", "focus_direction") and len(self.screen_stack) > 1)

    def action_prefix(self) -> None:
        if isinstance(self.screen, PrefixScreen):
            self.screen.choose("send_prefix")
            return
        if len(self.screen_stack) > 1:
            return
        self.push_screen(
            PrefixScreen(
                self.options.prefix_key,
                self._run_prefix_command,
                self.hold_key,
                self.options.keymap,
            )
        )

    def _run_prefix_command(self, action: str | None) -> None:
        """Run the chosen command; keys typed meanwhile wait and then go where it left focus."""
        self.held_keys = []
        self.call_later(self._finish_prefix_command, action)

    async def _finish_prefix_command(self, action: str | None) -> None:
        if action:
            await self.run_action(action)
        # Focus changes are applied by callbacks the action queued: release the keys after them.
        self.call_later(self._release_held_keys)

    async def _release_held_keys(self) -> None:
        held = sorted(self.held_keys or [], key=lambda key: key.time)
        self.held_keys = None
        for key in held:
            await self.dispatch_key_event(events.Key(key.key, key.character))

    def hold_key(self, event: events.Key) -> None:
        """Keep a key typed while a prefix command runs (replayed after it), or pass it on."""
        if self.held_keys is not None:
            self.held_keys.append(event)
        else:
            self.post_message(events.Key(event.key, event.character))

    def action_send_prefix(self) -> None:
        live = self.focused_live
        if live is not None:
            self._frame(live).terminal.send(prefix_bytes(self.options.prefix_key))

    def action_focus_number(self, number: int) -> None:
        keys = self._ordered_keys()
        if 1 <= number <= len(keys):
            self.focus_session(keys[number - 1])

    def action_focus_direction(self, direction: str) -> None:
        """Focus the nearest visible pane in a direction, by the panes' on-screen positions."""
        current = self.focused_live
        if current is None:
            return
        origin = self._frame(current).region.center
        dx, dy = DIRECTIONS[direction]
        best: tuple[float, str] | None = None
        for frame in self.pane_grid.frames:
            if frame.live is current or not frame.display:
                continue
            x, y = frame.region.center
            along = (x - origin[0]) * dx + (y - origin[1]) * dy
            if along <= 0:
                continue
            across = abs((x - origin[0]) * dy) + abs((y - origin[1]) * dx)
            score = along + 2 * across
            if best is None or score < best[0]:
                best = (score, frame.live.session.id.uuid.hex)
        if best is not None:
            self.focus_session(best[1])

    def _cycle(self, step: int) -> None:
        keys = self._ordered_keys()
        if not keys:
            return
        index = keys.index(self.focused_key) if self.focused_key in keys else 0
        self.focus_session(keys[(index + step) % len(keys)])

    def action_focus_next_pane(self) -> None:
        self._cycle(1)

    def action_focus_previous_pane(self) -> None:
        self._cycle(-1)

    def action_toggle_zoom(self) -> None:
        self.pane_grid.zoomed = not self.pane_grid.zoomed

    def action_next_layout(self) -> None:
        layout = self.pane_grid.next_layout()
        self.notify(f"Layout: {layout}", timeout=1.5)

    def action_toggle_panel(self, panel: str) -> None:
        widget = next(widget for widget in self._panels() if widget.id == panel)
        widget.display = not widget.display
        self._sync_sidebar()
        self.refresh_panels()

    def action_resize_sidebar(self, delta: int) -> None:
        sidebar = self.sidebar
        width = sidebar.outer_size.width or 44
        sidebar.styles.max_width = self.size.width  # the person's choice beats the stylesheet cap
        sidebar.styles.width = max(24, min(width + delta, self.size.width - 20))

    def action_next_attention(self) -> None:
        keys = self._ordered_keys()
        if not keys:
            return
        start = keys.index(self.focused_key) if self.focused_key in keys else -1
        for offset in range(1, len(keys) + 1):
            key = keys[(start + offset) % len(keys)]
            if self.lives[key].attention:
                self.focus_session(key)
                return
        self.notify("No session needs attention", timeout=2)

    def action_help(self) -> None:
        options = self.options
        self.push_screen(
            self.kept_screens.get(
                "help", lambda: HelpScreen(help_sections(options.prefix_key, options.keymap))
            )
        )

    @work(exclusive=True, group="dialog")
    async def action_new_session(self) -> None:
        names = {live.name for live in self.lives.values()}
        live = self.focused_live
        cwd = (
            Path(live.emulator.cwd or live.session.config.working_directory) if live else Path.cwd()
        )
        request = await self.push_screen_wait(NewSessionScreen(cwd, names))
        if request is None:
            return
        new = await self.add_session(request.to_config(enable_ai_features=True))
        self.focus_session(new.session.id.uuid.hex)

    @work(exclusive=True, group="dialog")
    async def action_rename_session(self) -> None:
        live = self.focused_live
        if live is None:
            return
        names = {other.name for other in self.lives.values() if other is not live}
        name = await self.push_screen_wait(RenameScreen(live.name, names))
        if name and live in self.supervisor:
            try:
                self.supervisor.rename(live, name)
            except InvalidName as error:
                self.notify(str(error), severity="error", markup=False)

    @work(exclusive=True, group="dialog")
    async def action_kill_session(self) -> None:
        live = self.focused_live
        if live is None:
            return
        running = live.session.status is SessionStatus.RUNNING
        question = f"Kill {live.name} and close its pane?" if running else f"Close {live.name}?"
        if not await self.push_screen_wait(ConfirmScreen(question, "Kill" if running else "Close")):
            return
        await self.close_session(live)

    async def action_restart_session(self) -> None:
        live = self.focused_live
        if live is not None:
            await self.supervisor.restart(live)

    @work(exclusive=True, group="dialog")
    async def action_broadcast(self) -> None:
        choices = [(key, self.lives[key].name) for key in self._ordered_keys()]
        request = await self.push_screen_wait(
            BroadcastScreen(choices, {self.focused_key} if self.focused_key else set())
        )
        if request is None:
            return
        lives = self.lives
        targets = [lives[key] for key in request.session_ids if key in lives]
        sent = self.supervisor.broadcast(targets, request.payload.encode())
        self.notify(f"Sent to {sent} session{'s' if sent != 1 else ''}", timeout=2)

    @work(exclusive=True, group="dialog")
    async def action_search(self) -> None:
        live = self.focused_live
        if live is None:
            return
        request = await self.push_screen_wait(SearchScreen(getattr(self, "_last_search", "")))
        if request is None:
            return
        self._last_search = request.pattern
        pane = self._frame(live).terminal
        found = pane.search(request)
        if not found:
            self.notify(f"Not found: {request.pattern}", severity="warning", timeout=2)

    def action_copy_mode(self) -> None:
        live = self.focused_live
        if live is not None:
            self._frame(live).terminal.enter_copy_mode()

    def action_change_theme(self) -> None:
        self.search_themes()

    @work(exclusive=True, group="dialog")
    async def action_quit_app(self) -> None:
        if survives(self):  # tmux backend: the agents may keep running without us
            choice = await self.push_screen_wait(
                DetachScreen(running_count(self), self.options.workspace_name or "default")
            )
            if choice is not QuitChoice.CANCEL:
                await self.shutdown(detach=choice is QuitChoice.DETACH)
                self.exit()
            return
        running = [
            live for live in self.lives.values() if live.session.status is SessionStatus.RUNNING
        ]
        if running:
            question = (
                f"Quit and stop {len(running)} running session{'s' if len(running) > 1 else ''}?"
            )
            if not await self.push_screen_wait(ConfirmScreen(question, "Quit")):
                return
        await self.shutdown()
        self.exit()

    async def action_detach(self) -> None:
        """Leave every session running on the tmux server and quit (`attach` brings them back)."""
        if not survives(self):
            self.notify("Only tmux sessions can keep running (--backend tmux)", severity="warning")
            return
        await detach_and_exit(self)

    async def shutdown(self, *, detach: bool = False) -> None:
        """Save screens, stop every session (or let them run on: `detach`), and close the store
        (history stays in it)."""
        if self._shut_down:
            return
        self._shut_down = True
        await self._stop_control()
        if self.recorder is not None:
            self.recorder.save_screens()
            self.recorder.close()
        await self.supervisor.close_all(detach=detach)
        if self.store is not None:
            await self.store.aclose()

    async def on_unmount(self) -> None:
        """However the app ends, sessions are stopped and the store is closed."""
        await self.shutdown()

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in PREFIX_COMMANDS:
            if command.action in ("command_palette", "change_theme"):
                continue
            yield SystemCommand(command.label, command.description, _runner(self, command.action))
        if survives(self):
            yield SystemCommand(
                "Detach", "Quit, leaving the sessions running on tmux", _runner(self, "detach")
            )


def _runner(app: SupervisorApp, action: str) -> Callable[[], Any]:
    return lambda: app.call_later(app.run_action, action)


def prefix_bytes(key: str) -> bytes:
    """The byte a Ctrl+letter prefix stands for (Ctrl+B is 0x02)."""
    if key.startswith("ctrl+") and len(key) == 6 and key[5].isalpha():
        return bytes([ord(key[5].lower()) - 96])
    return key.encode()
