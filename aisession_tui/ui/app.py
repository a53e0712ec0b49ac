"""The supervisor app: tiled live sessions with side panels, driven from the keyboard.

The app wires the supervisor to the main screen (`screens/main.py`, which shows the sessions
and moves focus among them), the session database, the control socket and agent hooks; its own
commands are those that open dialogs or end the app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from ..ai.integration import with_shell_integration
from ..ai.tokens import load_default_counter
from ..control.backend import ControlBackend, start_control, stop_control
from ..control.protocol import ControlError
from ..control.server import ControlServer
from ..core.config import SessionConfig
from ..core.manager import SessionManager
from ..core.runtime import Runtime
from ..core.types import SessionId
from ..store import Store
from ..supervisor import (
    Change,
    ClipboardCopied,
    LiveSession,
    Notice,
    SessionAdded,
    SessionChanged,
    SessionPresenter,
    SessionRemoved,
    SessionRenamed,
    Supervisor,
    SupervisorEvent,
)
from ..terminal.emulator import DEFAULT_SCROLLBACK
from .agent_hooks import AgentHooks
from .alt_keys import install_alt_keys
from .commands import SessionCommands
from .detach import attach_running, detach_and_exit, install_hangup_detach, running_count, survives
from .keymap import DEFAULT_PREFIX, help_sections
from .literal import literal_notice
from .palette import palette_for, start_theme
from .prefix_keys import PrefixKeys
from .quit_signals import install_quit_signals
from .run_store import RunStore
from .screens import ConfirmScreen, HelpScreen
from .screens.detach import DetachScreen, QuitChoice
from .screens.inbox import InboxScreen
from .screens.kept import KeptScreens
from .screens.main import MainScreen
from .textual_compat import keep_strips_acyclic
from .themes import DEFAULT_THEME, LoadedThemes, builtin_theme_dirs, load_themes

#: Changes that only move counts the panels show: shown within a second, not five times one.
COUNT_CHANGES = frozenset({Change.TOKENS, Change.RESULTS})


@dataclass(frozen=True, slots=True)
class AppOptions:
    """How the app starts."""

    prefix_key: str = DEFAULT_PREFIX
    theme: str = DEFAULT_THEME
    panels: tuple[str, ...] = ("sessions", "details")
    scrollback: int = DEFAULT_SCROLLBACK
    restore: bool = False
    layout: str = "grid"
    focus: str | None = None
    #: Seconds of silence after which a working agent counts as idle.
    idle_after: float = 5.0
    #: Serve the control socket, so scripts, the CLI and MCP can drive the running app.
    control: bool = True
    #: The workspace's name; it names the control socket.
    workspace_name: str | None = None
    #: The person's `[keymap]`: binding id -> key(s), for prefix commands and direct keys.
    keymap: Mapping[str, str] = field(default_factory=dict)
    #: Tell the outer terminal (OSC 9 / 777) when an agent needs the person and the app's
    #: terminal is not focused.
    desktop_notifications: bool = True


class SupervisorApp(App[None], inherit_bindings=False):
    """Tiles every session as a live terminal; the prefix key (Ctrl+B) leads to commands."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "aisession-tui"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {SessionCommands}
    #: Builds what panels and title bars say about a session (tests substitute a frozen clock).
    presenter_class: type[SessionPresenter] = SessionPresenter

    BINDINGS = [
        # The palette opens with prefix + ':'; this stand-in keeps Textual from claiming Ctrl+\
        # (SIGQUIT for the programs in the panes) as its palette key.
        Binding("f24", "command_palette", show=False),
    ]

    def __init__(
        self,
        configs: Iterable[SessionConfig] = (),
        *,
        options: AppOptions | None = None,
        manager: SessionManager | None = None,
        store: Store | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        install_alt_keys()
        keep_strips_acyclic()
        super().__init__()
        self.options = options or AppOptions()
        self.manager = manager if manager is not None else SessionManager()  # empty is falsy
        self._initial_configs = list(configs)
        self.supervisor = Supervisor(
            self.manager,
            scrollback=self.options.scrollback,
            idle_after=self.options.idle_after,
            presenter_class=self.presenter_class,
            runtime=runtime,
        )
        self.supervisor.subscribe(self._on_supervisor_event)
        self.main = MainScreen(self.supervisor, self.options.panels, self.options.keymap)
        self.supervisor.prepare = self.main.pane_ready
        #: Sessions added while the app starts, started once the first layout sized their panes.
        self._deferred_starts: list[LiveSession] | None = None
        self.loaded_themes: LoadedThemes = load_themes(*builtin_theme_dirs())
        self.store = store
        self.run_store: RunStore | None = None  # recording this run, once the app runs
        self._shut_down = False
        self.control_server: ControlServer | None = None
        self.prefix_keys = PrefixKeys(self)
        self.kept_screens = KeptScreens(self)
        #: Agent hooks: installed into sessions, heard from the control socket.
        self.agent_hooks = AgentHooks(self)
        keymap = {**self.options.keymap, "prefix": self.options.prefix_key}
        if keymap != {"prefix": DEFAULT_PREFIX}:
            self.set_keymap(keymap)

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast (the app's, a widget's, a screen's) is literal: they quote children,
        session names and socket messages. `markup` is accepted but not honoured, since a
        widget's or screen's `notify()` passes on its default `markup=True`."""
        message, title = literal_notice(message, title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- keys ----------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """The key after the prefix chooses a command; keys typed while it runs wait for it."""
        if isinstance(event, events.Key) and await self.prefix_keys.route(event):
            return
        await super().on_event(event)

    async def dispatch_key_event(self, key: events.Key) -> None:
        """Route a key as if it had just been typed."""
        await super().on_event(key)

    def action_prefix(self) -> None:
        """The prefix key (bound on the main screen): the next key chooses a command."""
        self.prefix_keys.open()

    async def run_command(self, action: str) -> None:
        """Run a command's action where it is defined: on the main screen or the app."""
        name = action.partition("(")[0]
        await self.run_action(action, self.main if hasattr(self.main, f"action_{name}") else self)

    # -- start-up ------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        install_quit_signals(self)
        start_theme(self, self.loaded_themes, self.options.theme)
        # Load the exact token counter's vocabulary off the loop before any monitor needs it.
        await load_default_counter()
        # The sessions given at start (or restored) are tiled now and started once the layout has
        # sized their panes: nothing is laid out while `on_mount` runs, so starting them here
        # would start every program at 80x24 and resize it right after (vim drew garbage).
        self._deferred_starts = []
        if self.store is not None:
            self.run_store = RunStore(self, self.store)
            await self.run_store.open(restore=self.options.restore)
        for config in await attach_running(self, self._initial_configs):
            await self.add_session(config)
        install_hangup_detach(self)
        self.main.apply_layout(self.options.layout, self.options.focus)
        deferred, self._deferred_starts = self._deferred_starts, None
        self.run_worker(self._start_after_layout(deferred), name="start sessions", group="startup")
        if self.options.control:
            await self._serve_control()

    async def _start_after_layout(self, lives: list[LiveSession]) -> None:
        """Start sessions once every pane is tiled at its size (in a worker, so the app lays
        them out meanwhile)."""
        laid_out = asyncio.get_running_loop().create_future()
        self.call_after_refresh(lambda: laid_out.done() or laid_out.set_result(None))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(laid_out, 1.0)
        await asyncio.gather(
            *(self.supervisor.start(live) for live in lives if live in self.supervisor)
        )

    # -- sessions ------------------------------------------------------------------------------

    @property
    def lives(self) -> dict[str, LiveSession]:
        """Every session by its id's hex, in order (a view of the supervisor's)."""
        return {live.session.id.uuid.hex: live for live in self.supervisor}

    @property
    def presenters(self) -> dict[str, SessionPresenter]:
        return {key: self.supervisor.presenter(live) for key, live in self.lives.items()}

    @property
    def focused_key(self) -> str | None:
        focused = self.supervisor.focused
        return focused.uuid.hex if focused is not None else None

    @property
    def focused_live(self) -> LiveSession | None:
        return self.supervisor.focused_live

    def focus_session(self, key: str) -> None:
        self.main.focus_session(key)

    async def add_session(self, config: SessionConfig) -> LiveSession:
        """Create, start and tile a session; a failure to start is shown in its pane.

        Interactive bash and zsh get shell integration, so history has exact exit codes.
        """
        return await self._add(self.agent_hooks.prepare(with_shell_integration(config)))

    async def _add(
        self,
        config: SessionConfig,
        *,
        session_id: SessionId | None = None,
        created_at: datetime | None = None,
        shell_integration: bool = False,
    ) -> LiveSession:
        live = await self.supervisor.add(
            config,
            session_id=session_id,
            created_at=created_at,
            shell_integration=shell_integration,
            start=self._deferred_starts is None,
        )
        if self._deferred_starts is not None:
            self._deferred_starts.append(live)  # app start-up: started after the first layout
        return live

    async def start_or_defer(self, live: LiveSession) -> None:
        """Start now, or during start-up once the first layout has sized the panes."""
        if self._deferred_starts is not None:
            self._deferred_starts.append(live)
        else:
            await self.supervisor.start(live)

    async def close_session(self, live: LiveSession) -> None:
        """Stop a session and remove its pane (closing one that is already closing is a no-op)."""
        await self.supervisor.close(live)

    def _on_supervisor_event(self, event: SupervisorEvent) -> None:
        """Panes and panels follow the supervisor: what it says changed is shown, nothing else."""
        main = self.main
        if isinstance(event, SessionAdded):
            main.tile(event.live, palette_for(self.loaded_themes, self.current_theme))
        elif isinstance(event, SessionRemoved):
            main.untile(event.live, event.index)
        elif isinstance(event, SessionRenamed | SessionChanged):
            frame = main.frames.get(event.live.session.id)
            if frame is not None:
                if isinstance(event, SessionChanged) and Change.COLORS in event.what:
                    frame.terminal.apply_color_overrides()
                frame.refresh_title()
            main.request_panel_refresh(
                counts_only=isinstance(event, SessionChanged) and event.what <= COUNT_CHANGES
            )
        elif isinstance(event, Notice):
            self._show_notice(event)
        elif isinstance(event, ClipboardCopied):
            self.copy_to_clipboard(event.text)

    def _show_notice(self, notice: Notice) -> None:
        """In the session's title bar when it has a short form; as a toast unless it needs
        none (`Notice.toast`: always, only for a session not in use, or never)."""
        frame = self.main.frames.get(notice.live.session.id) if notice.live is not None else None
        if frame is not None and notice.pane_note:
            if notice.pane_seconds is None:
                frame.note(notice.pane_note)
            else:
                frame.note(notice.pane_note, seconds=notice.pane_seconds)
        toast = notice.toast == "always" or (
            notice.toast == "unfocused" and notice.live is not self.supervisor.focused_live
        )
        if toast:
            self.notify(
                notice.text, title=notice.title, severity=notice.severity, timeout=notice.timeout
            )

    def write_to_terminal(self, text: str) -> None:
        """Bytes for the outer terminal itself (desktop notifications)."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(text)

    def watch_theme(self, theme: str) -> None:
        self.main.set_palette(palette_for(self.loaded_themes, self.current_theme))

    # -- the control socket --------------------------------------------------------------------

    async def _serve_control(self) -> None:
        """Serve the control socket; a socket another app holds is a warning, not a crash."""
        try:
            server = await start_control(self.supervisor, self.options.workspace_name)
        except (ControlError, OSError) as error:
            self.notify(f"Control socket not started: {error}", severity="warning", timeout=8)
            return
        self.control_server = server
        if isinstance(server.backend, ControlBackend):
            server.backend.bus.subscribe(lambda _message: self.main.request_panel_refresh())
            server.backend.hook_handler = self.agent_hooks.on_hook  # agents' hook events
            self.main.control = server.backend

    @property
    def control_bridge(self) -> ControlBackend | None:
        """The control socket's side of the app (None when it is not served)."""
        backend = getattr(self.control_server, "backend", None)
        return backend if isinstance(backend, ControlBackend) else None

    # -- commands ------------------------------------------------------------------------------

    async def action_restore_last_run(self) -> None:
        """Bring back the last run's sessions with their ids, history and scrollback."""
        if self.run_store is None:
            self.notify("No session database", severity="warning")
            return
        await self.run_store.restore_last_run()

    def action_inbox(self) -> None:
        """Every session needing the person, longest waiting first, answerable from there."""
        if not any(isinstance(screen, InboxScreen) for screen in self.screen_stack):
            self.push_screen(InboxScreen(self.agent_hooks))

    def action_help(self) -> None:
        options = self.options
        self.push_screen(
            self.kept_screens.get(
                "help", lambda: HelpScreen(help_sections(options.prefix_key, options.keymap))
            )
        )

    def action_change_theme(self) -> None:
        self.search_themes()

    @on(MainScreen.NewSession)
    async def _new_session(self, event: MainScreen.NewSession) -> None:
        new = await self.add_session(event.request.to_config(enable_ai_features=True))
        self.focus_session(new.session.id.uuid.hex)

    # -- ending --------------------------------------------------------------------------------

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
        running = running_count(self)
        if running:
            question = f"Quit and stop {running} running session{'s' if running > 1 else ''}?"
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
        server, self.control_server = self.control_server, None
        if server is not None:
            await stop_control(server)
        if self.run_store is not None:
            self.run_store.close()
        await self.supervisor.close_all(detach=detach)
        if self.store is not None:
            await self.store.aclose()

    async def on_unmount(self) -> None:
        """However the app ends, sessions are stopped and the store is closed."""
        await self.shutdown()

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()
