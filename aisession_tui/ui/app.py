"""The supervisor app: tiled live sessions with side panels, driven from the keyboard."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from textual import events, on
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget

from ..ai.integration import with_shell_integration
from ..ai.monitor import (
    AgentStateChanged,
    ContextCompressed,
    MonitorEvent,
    ParsedEventsFound,
    SessionMonitor,
    TokensCounted,
)
from ..ai.state import AgentState
from ..ai.tokens import load_default_counter
from ..core.config import SessionConfig
from ..core.errors import SessionError
from ..core.events import ProcessExited, StatusChanged
from ..core.manager import SessionManager
from ..core.session import AISession
from ..core.types import SessionId, SessionStatus, utc_now
from ..store import SessionRecorder, Store, restore_sessions
from ..terminal.emulator import DEFAULT_SCROLLBACK, Emulator
from ..terminal.events import Bell, ClipboardSet, ColorsChanged
from .agent_hooks import AgentHooks
from .alt_keys import install_alt_keys
from .commands import DIRECTIONS, CommandsMixin
from .control_bridge import ControlBridge, start_control
from .detach import attach_running, install_hangup_detach
from .keymap import DEFAULT_PREFIX
from .literal import LiteralNotifications
from .live_session import Attention, LiveSession
from .palette import palette_for
from .presenter import SessionPresenter
from .quit_signals import install_quit_signals
from .screens.inbox import InboxScreen
from .store_health import watch_store_health
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


def _calm_garbage_collector() -> None:
    """Keep Python's cyclic GC from pausing the loop for tens of milliseconds.

    Every pane holds thousands of row dicts; with the default thresholds a flood triggers
    collections that walk all of them, which measured as 50 ms stalls in one parsing step (p99)
    while three panes ran `yes`. Objects alive after start-up are frozen out of collection, and
    the young generation is collected far less often.
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _alt_digits_are_alt() -> None:
    """Make ESC + digit (how xterm and tmux send Alt+1..9) arrive as `alt+1`..`alt+9`.

    Textual 8.2.8 maps those sequences to the characters macOS types with Option+digit ("™" for
    Alt+2), which would type them into the focused program instead of switching panes.
    """
    for digit in "0123456789":
        ANSI_SEQUENCES_KEYS.pop(f"\x1b{digit}", None)


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
        Binding("alt+1", "focus_number(1)", "Focus 1…9", key_display="Alt+1…9", priority=True),
        *(
            Binding(f"alt+{n}", f"focus_number({n})", f"Focus {n}", show=False, priority=True)
            for n in range(2, 10)
        ),
        *(
            Binding(f"alt+{name}", f"focus_direction('{name}')", show=False, priority=True)
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
        _alt_digits_are_alt()
        install_alt_keys()
        super().__init__()
        self.options = options or AppOptions()
        self.manager = manager if manager is not None else SessionManager()  # empty is falsy
        self._initial_configs = list(configs)
        self._deferred_starts: list[LiveSession] | None = None
        self.lives: dict[str, LiveSession] = {}
        self.presenters: dict[str, SessionPresenter] = {}
        self.focused_key: str | None = None
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
        self.control_server: object | None = None
        self._panel_refresh: Timer | None = None
        #: Keys typed while a prefix command runs; None when keys flow straight through.
        self.held_keys: list[events.Key] | None = None
        #: Agent hooks: installed into sessions, heard from the control socket.
        self.agent_hooks = AgentHooks(self)
        #: The Sessions panel lists sessions needing the person first.
        self.waiting_first = False
        if self.options.prefix_key != DEFAULT_PREFIX:
            self.set_keymap({"prefix": self.options.prefix_key})

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
        self.set_interval(1.0, self._tick_clock, name="relative-times")
        _calm_garbage_collector()
        if self.options.control:
            await start_control(self, self.options.workspace_name)

    async def _start_after_layout(self, lives: list[LiveSession]) -> None:
        """Start sessions once every pane is tiled at its size (in a worker, so the app lays
        them out meanwhile)."""
        laid_out = asyncio.get_running_loop().create_future()
        self.call_after_refresh(lambda: laid_out.done() or laid_out.set_result(None))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(laid_out, 1.0)
        await asyncio.gather(*(self._start(live) for live in lives))

    def _apply_start_layout(self) -> None:
        """The layout and focused session a workspace asked for."""
        if self.options.layout == "tabs":
            self.pane_grid.zoomed = True
        elif self.options.layout in Layout.__members__.values():
            self.pane_grid.layout_mode = Layout(self.options.layout)
        if self.options.focus:
            for key, live in self.lives.items():
                if live.name == self.options.focus:
                    self.focus_session(key)

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
        known = {live.session.id for live in self.lives.values()}
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
            live = await self._tile(restored.session, lines, restored.note)
            tracker = self.presenters[live.session.id.uuid.hex].agent
            tracker.conversation_id = restored.stored.conversation_id
            await self._start_or_defer(live)
        if report.restored:
            self.notify(f"Restored {len(report.restored)} session(s)", timeout=3)

    def _emulator_of(self, session_id: SessionId) -> Emulator | None:
        live = self.lives.get(session_id.uuid.hex)
        return None if live is None else live.emulator

    def _screen_lines(self, session_id: SessionId) -> list[str] | None:
        live = self.lives.get(session_id.uuid.hex)
        if live is None:
            return None
        return live.emulator.history_text() + live.emulator.text_lines()

    # -- sessions ------------------------------------------------------------------------------

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
    ) -> LiveSession:
        if session_id is None:
            session = await self.manager.create_session_with_config(config)
        else:
            session = await self.manager.restore_session(
                session_id, config, created_at or utc_now()
            )
        live = await self._tile(session)
        await self._start_or_defer(live)
        return live

    async def _start_or_defer(self, live: LiveSession) -> None:
        """Start now, or during start-up once the first layout has sized the panes."""
        if self._deferred_starts is not None:
            self._deferred_starts.append(live)
        else:
            await self._start(live)

    async def _tile(
        self, session: AISession, scrollback: list[str] | None = None, note: str = "restored"
    ) -> LiveSession:
        """Give a (not yet started) session a pane, with old scrollback above when restoring."""
        live = LiveSession(
            session, scrollback=self.options.scrollback, on_event=self._on_live_event
        )
        if scrollback:
            live.emulator.feed(
                "\r\n".join(scrollback).encode() + f"\r\n\x1b[2m[{note}]\x1b[0m\r\n".encode()
            )
        key = session.id.uuid.hex
        self.lives[key] = live
        presenter = self.presenter_class(live, self._monitor_for(live))
        self.presenters[key] = presenter
        live.on_input = partial(self._note_input, presenter)
        frame = PaneFrame(live, palette_for(self.loaded_themes, self.current_theme), presenter)
        await self.pane_grid.mount(frame)
        self.pane_grid.renumber()
        if self.focused_key is None:
            self.focus_session(key)
        self.refresh_panels()
        return live

    async def _start(self, live: LiveSession) -> None:
        """Start a session at its pane's size; a failure is written into the pane."""
        emulator = live.emulator
        await self._frame(live).terminal.wait_until_sized()
        live.session.config.pty_size = (emulator.lines, emulator.columns)
        try:
            live.session.resize(emulator.lines, emulator.columns)  # before start: its first size
            await live.session.start()
            if live.session.size != (emulator.lines, emulator.columns):
                live.session.resize(emulator.lines, emulator.columns)
        except SessionError as error:
            live.annotate(f"\x1b[1;31mcould not start: {error}\x1b[0m\r\n")
            live.attention.add(Attention.EXITED)
            self.notify(str(error), title=f"{live.name} did not start", severity="error")
            self._frame(live).refresh_title()

    @staticmethod
    def _note_input(presenter: SessionPresenter, data: bytes) -> None:
        presenter.agent.note_input()
        if presenter.monitor is not None:
            presenter.monitor.note_input(data)

    def _monitor_for(self, live: LiveSession) -> SessionMonitor:
        monitor = SessionMonitor(live.session, live.emulator, idle_after=self.options.idle_after)
        monitor.subscribe(partial(self._on_monitor_event, live))
        return monitor

    def _on_monitor_event(self, live: LiveSession, event: MonitorEvent) -> None:
        """What the AI layer learns: agent state, parsed results, tokens, compression."""
        key = live.session.id.uuid.hex
        presenter = self.presenters.get(key)
        if presenter is None:
            return
        if isinstance(event, TokensCounted):
            presenter.record_token_total(event.total)
        elif isinstance(event, AgentStateChanged):
            new = presenter.shown_transition()
            if new is None:
                pass  # the state shown did not change (a hook's state holds): nothing to say
            elif new.state is AgentState.WAITING_FOR_INPUT and key != self.focused_key:
                live.attention.add(Attention.WAITING)
                self.notify(f"{live.name} is waiting for input ({new.reason})", severity="warning")
            elif new.state is AgentState.ERROR and key != self.focused_key:
                self.notify(f"{live.name}: {new.reason}", severity="error")
            elif new.state is not AgentState.WAITING_FOR_INPUT:
                live.attention.discard(Attention.WAITING)
            self._frame(live).refresh_title()
        elif isinstance(event, ParsedEventsFound):
            self._frame(live).refresh_title()
        elif isinstance(event, ContextCompressed):
            self._frame(live).note("context compressed")
        self.request_panel_refresh()

    def _frame(self, live: LiveSession) -> PaneFrame:
        return self.pane_grid.query_one(f"#frame-{live.session.id.uuid.hex}", PaneFrame)

    def _on_live_event(self, live: LiveSession, event: object) -> None:
        """Session and terminal events arrive here, on the event loop, as they happen."""
        key = live.session.id.uuid.hex
        if key not in self.lives:
            return
        if isinstance(event, ProcessExited):
            code = event.exit_code
            live.annotate(
                f"\r\n\x1b[7m[exited with code {code}; prefix r restarts, x closes]\x1b[0m"
            )
            self._frame(live).note(f"exited with code {code}", seconds=10)
            if key != self.focused_key:  # the pane in use says so itself; others get a toast
                self.notify(
                    f"{live.name} exited with code {code}",
                    severity="information" if code == 0 else "error",
                )
        elif isinstance(event, Bell) and key != self.focused_key:
            self.notify(f"{live.name} rang the bell", severity="warning")
        elif isinstance(event, ColorsChanged):
            self._frame(live).terminal.apply_color_overrides()
        elif isinstance(event, ClipboardSet):
            self.copy_to_clipboard(event.text)
            self._frame(live).note(f"copied {len(event.text)} characters")
        if key == self.focused_key and isinstance(event, Bell):
            live.attention.discard(Attention.BELL)
        if isinstance(event, ProcessExited | StatusChanged | Bell):
            self._frame(live).refresh_title()
            self.request_panel_refresh()

    def focus_session(self, key: str) -> None:
        live = self.lives.get(key)
        if live is None:
            return
        self.focused_key = key
        self._frame(live).terminal.focus()

    @on(PaneFrame.Focused)
    def _pane_focused(self, event: PaneFrame.Focused) -> None:
        frame = event.frame
        key = frame.live.session.id.uuid.hex
        self.focused_key = key
        for live in self.lives.values():
            live.interactive = live is frame.live
        frame.live.attention.discard(Attention.BELL)
        frame.live.attention.discard(Attention.WAITING)
        if frame.live.session.status is not SessionStatus.RUNNING:
            frame.live.attention.discard(Attention.EXITED)
        self.pane_grid.remember_focus(frame)
        frame.refresh_title()
        self.refresh_panels()

    @property
    def focused_live(self) -> LiveSession | None:
        return self.lives.get(self.focused_key) if self.focused_key else None

    def _ordered_keys(self) -> list[str]:
        return [frame.live.session.id.uuid.hex for frame in self.pane_grid.frames]

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
        presenter = self.presenters.get(self.focused_key) if self.focused_key else None
        if self.session_list.display:
            self.session_list.show(
                [(k, self.presenters[k]) for k in self._ordered_keys()],
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

    def _tick_clock(self) -> None:
        """Relative times ("5s ago") age even when nothing happens."""
        if self.session_list.display or self.details_panel.display:
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

    @property
    def control_bridge(self) -> ControlBridge | None:
        """The control socket's side of the app (None when it is not served)."""
        backend = getattr(self.control_server, "backend", None)
        return backend if isinstance(backend, ControlBridge) else None

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
