"""The supervisor app: tiled live sessions with side panels, driven from the keyboard."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount, AwaitRemove, Widget

from ..ai.integration import with_shell_integration
from ..ai.tokens import load_default_counter
from ..control.backend import ControlBackend, start_control, stop_control
from ..control.protocol import ControlError
from ..control.server import ControlServer
from ..core.config import SessionConfig
from ..core.manager import SessionManager
from ..core.types import SessionId
from ..store import SessionRecorder, Store, restore_sessions
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
from ..terminal.emulator import DEFAULT_SCROLLBACK, Emulator
from .agent_hooks import AgentHooks
from .alt_keys import install_alt_keys
from .commands import DIRECTIONS, CommandsMixin
from .detach import attach_running, install_hangup_detach
from .keymap import DEFAULT_PREFIX
from .literal import LiteralNotifications
from .palette import palette_for
from .quit_signals import install_quit_signals
from .screens.inbox import InboxScreen
from .screens.kept import KeptScreens
from .screens.steady import SteadyScreen
from .store_health import watch_store_health
from .textual_compat import forget_removed_children
from .themes import DEFAULT_THEME, LoadedThemes, builtin_theme_dirs, load_themes
from .widgets.details_panel import DetailsPanel
from .widgets.footer import KeyFooter
from .widgets.history_panel import HistoryPanel
from .widgets.messages_panel import MessagesPanel
from .widgets.pane_frame import PaneFrame
from .widgets.pane_grid import Layout, PaneGrid
from .widgets.session_list import SessionList
from .widgets.tokens_panel import TokensPanel

PANEL_FPS = 5
#: How long after a relative time reads differently the panels show it (so it surely has).
CLOCK_SLACK = 0.02
#: Times in minutes or more are shown at most this many seconds late (changes batched).
CLOCK_GRID = 10.0


def _calm_garbage_collector() -> None:
    """Keep Python's cyclic GC from pausing the loop for tens of milliseconds.

    Every pane holds thousands of row dicts; with the default thresholds a flood triggers
    collections that walk all of them, which measured as 50 ms stalls in one parsing step (p99)
    while three panes ran `yes`. Objects alive after start-up are frozen out of collection, and
    the young generation is collected far less often.
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


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


class SupervisorApp(LiteralNotifications, CommandsMixin, App[None], inherit_bindings=False):
    """Tiles every session as a live terminal; the prefix key (Ctrl+B) leads to commands."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "aisession-tui"
    ENABLE_COMMAND_PALETTE = True
    #: Builds what panels and title bars say about a session (tests substitute a frozen clock).
    presenter_class: type[SessionPresenter] = SessionPresenter

    BINDINGS = [
        Binding(DEFAULT_PREFIX, "prefix", "Commands", id="prefix", priority=True),
        Binding(
            "alt+1",
            "focus_number(1)",
            "Focus 1…9",
            key_display="Alt+1…9",
            priority=True,
            id="focus.1",
        ),
        *(
            Binding(
                f"alt+{n}",
                f"focus_number({n})",
                f"Focus {n}",
                show=False,
                priority=True,
                id=f"focus.{n}",
            )
            for n in range(2, 10)
        ),
        *(
            Binding(
                f"alt+{name}",
                f"focus_direction('{name}')",
                show=False,
                priority=True,
                id=f"focus.{name}",
            )
            for name in DIRECTIONS
        ),
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
    ) -> None:
        install_alt_keys()
        super().__init__()
        self.options = options or AppOptions()
        self.manager = manager if manager is not None else SessionManager()  # empty is falsy
        self._initial_configs = list(configs)
        self.supervisor = Supervisor(
            self.manager,
            scrollback=self.options.scrollback,
            idle_after=self.options.idle_after,
            presenter_class=self.presenter_class,
        )
        self.supervisor.subscribe(self._on_supervisor_event)
        #: Each session's pane, by id (never looked up by CSS id: Textual caches those lookups,
        #: which kept every closed pane and its scrollback alive).
        self.frames: dict[SessionId, PaneFrame] = {}
        self.kept_screens = KeptScreens(self)
        self._mounting: dict[SessionId, AwaitMount] = {}
        self.supervisor.prepare = self._pane_ready
        #: Sessions added while the app starts, started once the first layout sized their panes.
        self._deferred_starts: list[LiveSession] | None = None
        self.loaded_themes: LoadedThemes = load_themes(*builtin_theme_dirs())
        self.pane_grid = PaneGrid(id="panes")
        self.sidebar = Vertical(id="sidebar")
        self.session_list = SessionList(id="sessions")
        self.details_panel = DetailsPanel(id="details")
        self.tokens_panel = TokensPanel(id="tokens")
        self.history_panel = HistoryPanel(id="history")
        self.messages_panel = MessagesPanel(id="messages")
        self.store = store
        self.recorder: SessionRecorder | None = None
        self._shut_down = False
        self.control_server: ControlServer | None = None
        self._panel_refresh: Timer | None = None
        self._clock: Timer | None = None
        #: Keys typed while a prefix command runs; None when keys flow straight through.
        self.held_keys: list[events.Key] | None = None
        #: Agent hooks: installed into sessions, heard from the control socket.
        self.agent_hooks = AgentHooks(self)
        #: The Sessions panel lists sessions needing the person first.
        self.waiting_first = False
        keymap = {**self.options.keymap, "prefix": self.options.prefix_key}
        if keymap != {"prefix": DEFAULT_PREFIX}:
            self.set_keymap(keymap)

    # -- keys ----------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Keys arriving while a prefix command runs are held, then replayed in order."""
        if isinstance(event, events.Key) and not event.is_forwarded and self.held_keys is not None:
            self.held_keys.append(event)
            return
        await super().on_event(event)

    async def dispatch_key_event(self, key: events.Key) -> None:
        """Route a key as if it had just been typed."""
        await super().on_event(key)

    # -- composition ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[object]:
        return SteadyScreen(id="_default")

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield self.pane_grid
            with self.sidebar:
                yield self.session_list
                yield self.details_panel
                yield self.tokens_panel
                yield self.history_panel
                yield self.messages_panel
        yield KeyFooter(show_command_palette=False)

    async def on_mount(self) -> None:
        install_quit_signals(self)
        self.loaded_themes.register(self)
        for message in self.loaded_themes.errors:
            self.notify(
                message, title="Theme file skipped", severity="warning", timeout=10, markup=False
            )
        if self.options.theme in self.available_themes:
            self.theme = self.options.theme
        else:
            if DEFAULT_THEME in self.available_themes:
                self.theme = DEFAULT_THEME
            self.notify(
                f"Theme {self.options.theme!r} is not available; using {self.theme!r}",
                severity="warning",
                timeout=10,
                markup=False,
            )
        for panel in self._panels():
            panel.display = panel.id in self.options.panels
        self._sync_sidebar()
        # Load the exact token counter's vocabulary off the loop before any monitor needs it.
        await load_default_counter()
        # The sessions given at start (or restored) are tiled now and started once the layout has
        # sized their panes: nothing is laid out while `on_mount` runs, so starting them here
        # would start every program at 80x24 and resize it right after (vim drew garbage).
        self._deferred_starts = []
        if self.store is not None:
            await self._open_store()
        for config in await attach_running(self, self._initial_configs):
            await self.add_session(config)
        install_hangup_detach(self)
        self._apply_start_layout()
        deferred, self._deferred_starts = self._deferred_starts, None
        self.run_worker(self._start_after_layout(deferred), name="start sessions", group="startup")
        self._arm_clock()
        _calm_garbage_collector()
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

    def _apply_start_layout(self) -> None:
        """The layout and focused session a workspace asked for."""
        if self.options.layout == "tabs":
            self.pane_grid.zoomed = True
        elif self.options.layout in Layout.__members__.values():
            self.pane_grid.layout_mode = Layout(self.options.layout)
        if self.options.focus:
            for live in self.supervisor:
                if live.name == self.options.focus:
                    self.focus_session(live.session.id.uuid.hex)

    # -- persistence ---------------------------------------------------------------------------

    async def _open_store(self) -> None:
        """Record this run; restore the last one when asked, otherwise offer it."""
        store = self.store
        assert store is not None
        store.begin_run()
        for notice in store.notices:
            self.notify(notice, title="Session database", severity="warning", timeout=15)
        self.recorder = SessionRecorder(
            store, screen_source=self._screen_lines, view_source=self._emulator_of
        )
        self.supervisor.names = store
        watch_store_health(self, store)
        if self.options.restore:
            await self.restore_last_run()
        else:
            previous = store.last_run_sessions()
            if previous:
                self.notify(
                    f"{len(previous)} session(s) from the last run can be restored "
                    f"(prefix R, or start with --restore)",
                    timeout=8,
                )
        self.recorder.watch(self.manager)  # recorder.close() stops watching

    async def action_restore_last_run(self) -> None:
        await self.restore_last_run()

    async def restore_last_run(self) -> None:
        """Bring back the last run's sessions with their ids, history and scrollback."""
        if self.store is None:
            self.notify("No session database", severity="warning")
            return
        known = {live.session.id for live in self.supervisor}
        candidates = [s for s in self.store.last_run_sessions() if s.id not in known]
        report = await restore_sessions(
            self.store,
            self.manager,
            recorder=self.recorder,
            sessions=candidates,
            prepare=self.agent_hooks.prepare_restored,
        )
        for message in report.messages:
            self.notify(message, severity="error", timeout=10)
        for restored in report.restored:
            lines = restored.scrollback.lines if restored.scrollback else None
            live = self.supervisor.adopt(restored.session, lines, restored.note)
            tracker = self.supervisor.presenter(live).agent
            tracker.conversation_id = restored.stored.conversation_id
            await self._start_or_defer(live)
        if report.restored:
            self.notify(f"Restored {len(report.restored)} session(s)", timeout=3)

    def _emulator_of(self, session_id: SessionId) -> Emulator | None:
        live = self.supervisor.get(session_id)
        return None if live is None else live.emulator

    def _screen_lines(self, session_id: SessionId) -> list[str] | None:
        live = self.supervisor.get(session_id)
        if live is None:
            return None
        return live.emulator.history_text() + live.emulator.text_lines()

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

    async def _start_or_defer(self, live: LiveSession) -> None:
        """Start now, or during start-up once the first layout has sized the panes."""
        if self._deferred_starts is not None:
            self._deferred_starts.append(live)
        else:
            await self.supervisor.start(live)

    async def close_session(self, live: LiveSession) -> None:
        """Stop a session and remove its pane (closing one that is already closing is a no-op)."""
        await self.supervisor.close(live)

    def _frame(self, live: LiveSession) -> PaneFrame:
        return self.frames[live.session.id]

    # -- the supervisor's events -----------------------------------------------------------------

    def _on_supervisor_event(self, event: SupervisorEvent) -> None:
        """Panes and panels follow the supervisor: what it says changed is shown, nothing else."""
        if isinstance(event, SessionAdded):
            self._tile(event.live)
        elif isinstance(event, SessionRemoved):
            self._untile(event.live, event.index)
        elif isinstance(event, SessionRenamed | SessionChanged):
            frame = self.frames.get(event.live.session.id)
            if frame is not None:
                if isinstance(event, SessionChanged) and Change.COLORS in event.what:
                    frame.terminal.apply_color_overrides()
                frame.refresh_title()
            self.request_panel_refresh()
        elif isinstance(event, Notice):
            self._show_notice(event)
        elif isinstance(event, ClipboardCopied):
            self.copy_to_clipboard(event.text)

    def _show_notice(self, notice: Notice) -> None:
        """In the session's title bar when it has a short form; as a toast unless it needs
        none (`Notice.toast`: always, only for a session not in use, or never)."""
        frame = self.frames.get(notice.live.session.id) if notice.live is not None else None
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
                notice.text,
                title=notice.title,
                severity=notice.severity,
                timeout=notice.timeout,
                markup=False,
            )

    def _tile(self, live: LiveSession) -> None:
        """Give a new session a pane (mounted as the loop next runs)."""
        presenter = self.supervisor.presenter(live)
        frame = PaneFrame(live, palette_for(self.loaded_themes, self.current_theme), presenter)
        self.frames[live.session.id] = frame
        self._mounting[live.session.id] = self.pane_grid.mount(frame)
        self.pane_grid.renumber()
        if self.supervisor.focused is None:
            self.focus_session(live.session.id.uuid.hex)
        self.request_panel_refresh()

    async def _pane_ready(self, live: LiveSession) -> None:
        """Before a session starts: its pane is mounted and laid out, so the program starts at
        the pane's real size (not 80x24 and a resize right after)."""
        mounting = self._mounting.pop(live.session.id, None)
        if mounting is not None:
            await mounting
        frame = self.frames.get(live.session.id)
        if frame is not None:
            await frame.terminal.wait_until_sized()

    def _untile(self, live: LiveSession, index: int) -> None:
        """Drop a closed session's pane, and every reference to it, and focus a neighbour."""
        self._mounting.pop(live.session.id, None)
        frame = self.frames.pop(live.session.id, None)
        if frame is not None:
            self.pane_grid.forget(frame)
            self.call_later(self._free_pane, frame.remove())
        self.pane_grid.renumber()
        remaining = self.supervisor.sessions
        if remaining and self.supervisor.focused is None:
            self.focus_session(remaining[min(index, len(remaining) - 1)].session.id.uuid.hex)
        self.refresh_panels()

    async def _free_pane(self, removal: AwaitRemove) -> None:
        """Once a closed pane is out of the DOM, no cached layout keeps it (or its scrollback)."""
        await removal
        forget_removed_children(self.pane_grid)

    def focus_session(self, key: str) -> None:
        live = self.lives.get(key)
        if live is None:
            return
        self.supervisor.focused = live.session.id
        self._frame(live).terminal.focus()

    @on(PaneFrame.Focused)
    def _pane_focused(self, event: PaneFrame.Focused) -> None:
        frame = event.frame
        if frame.live not in self.supervisor:
            return
        self.supervisor.focus(frame.live)
        self.pane_grid.remember_focus(frame)
        frame.refresh_title()
        self.refresh_panels()

    @property
    def focused_live(self) -> LiveSession | None:
        return self.supervisor.focused_live

    def _ordered_keys(self) -> list[str]:
        return [live.session.id.uuid.hex for live in self.supervisor]

    # -- panels --------------------------------------------------------------------------------

    def request_panel_refresh(self) -> None:
        """Refresh the panels soon, at most `PANEL_FPS` times a second however busy sessions are."""
        if self._panel_refresh is None:
            self._panel_refresh = self.set_timer(1 / PANEL_FPS, self.refresh_panels)

    def refresh_panels(self) -> None:
        """Show the current state in every visible panel."""
        if self._panel_refresh is not None:
            self._panel_refresh.stop()
            self._panel_refresh = None
        supervisor = self.supervisor
        focused = supervisor.focused_live
        presenter = supervisor.presenter(focused) if focused is not None else None
        if self.session_list.display:
            self.session_list.show(
                [(live.session.id.uuid.hex, supervisor.presenter(live)) for live in supervisor],
                self.focused_key,
                waiting_first=self.waiting_first,
            )
        if self.details_panel.display:
            self.details_panel.show(presenter)
        if self.tokens_panel.display:
            self.tokens_panel.show(presenter)
        if self.history_panel.display:
            self.history_panel.show(presenter.command_history() if presenter else [])
        bridge = self.control_bridge
        if self.messages_panel.display and bridge is not None:
            self.messages_panel.show(bridge.message_rows())
        self.refresh_inbox()
        self._arm_clock()

    def refresh_inbox(self) -> None:
        """An open inbox follows the sessions' questions as they come and go."""
        for screen in self.screen_stack:
            if isinstance(screen, InboxScreen):
                screen.refresh_items()

    def action_inbox(self) -> None:
        """Every session needing the person, longest waiting first, answerable from there."""
        if not any(isinstance(screen, InboxScreen) for screen in self.screen_stack):
            self.push_screen(InboxScreen(self.agent_hooks))

    def action_toggle_waiting_first(self) -> None:
        self.waiting_first = not self.waiting_first
        order = "needing you first" if self.waiting_first else "in pane order"
        self.notify(f"Sessions panel: sessions {order}", timeout=3)
        self.refresh_panels()

    def write_to_terminal(self, text: str) -> None:
        """Bytes for the outer terminal itself (desktop notifications)."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(text)

    def _arm_clock(self) -> None:
        """Relative times ("5s ago") age even when nothing happens: refresh the panels when the
        next one shown reads differently, not on a timer that repaints them every second. Each
        session's times change at moments of their own, so the refresh waits for the next whole
        second (the next `CLOCK_GRID` seconds when none reads in seconds): one refresh shows the
        changes of many sessions."""
        if self._clock is not None:
            self._clock.stop()
            self._clock = None
        supervisor = self.supervisor
        if self.session_list.display:
            shown = list(supervisor)
        elif self.details_panel.display and supervisor.focused_live is not None:
            shown = [supervisor.focused_live]
        else:
            return
        waits = [supervisor.presenter(live).relative_times_change_in() for live in shown]
        if not waits:
            return
        soonest = min(waits)
        grid = 1.0 if soonest <= 1.0 else CLOCK_GRID
        now = time.time()
        delay = math.ceil((now + soonest) / grid) * grid - now
        self._clock = self.set_timer(delay + CLOCK_SLACK, self._tick_clock)

    def _tick_clock(self) -> None:
        self._clock = None
        self.refresh_panels()

    def _panels(self) -> list[Widget]:
        return [
            self.session_list,
            self.details_panel,
            self.tokens_panel,
            self.history_panel,
            self.messages_panel,
        ]

    def _sync_sidebar(self) -> None:
        self.sidebar.display = any(panel.display for panel in self._panels())

    async def _serve_control(self) -> None:
        """Serve the control socket; a socket another app holds is a warning, not a crash."""
        try:
            server = await start_control(self.supervisor, self.options.workspace_name)
        except (ControlError, OSError) as error:
            self.notify(
                f"Control socket not started: {error}", severity="warning", timeout=8, markup=False
            )
            return
        self.control_server = server
        if isinstance(server.backend, ControlBackend):
            server.backend.bus.subscribe(lambda _message: self.request_panel_refresh())
            server.backend.hook_handler = self.agent_hooks.on_hook  # agents' hook events

    async def _stop_control(self) -> None:
        server, self.control_server = self.control_server, None
        if server is not None:
            await stop_control(server)

    @property
    def control_bridge(self) -> ControlBackend | None:
        """The control socket's side of the app (None when it is not served)."""
        backend = getattr(self.control_server, "backend", None)
        return backend if isinstance(backend, ControlBackend) else None

    @on(MessagesPanel.Forward)
    def _forward_message(self, event: MessagesPanel.Forward) -> None:
        bridge = self.control_bridge
        if bridge is not None and not bridge.forward(event.message):
            self.notify("That session is not running; the message stays", severity="warning")
        self.refresh_panels()

    @on(MessagesPanel.Discard)
    def _discard_message(self, event: MessagesPanel.Discard) -> None:
        if self.control_bridge is not None:
            self.control_bridge.discard(event.message)
        self.refresh_panels()

    @on(SessionList.Chosen)
    def _session_chosen(self, event: SessionList.Chosen) -> None:
        self.focus_session(event.session_key)

    def watch_theme(self, theme: str) -> None:
        palette = palette_for(self.loaded_themes, self.current_theme)
        for frame in self.pane_grid.frames:
            frame.terminal.palette = palette
