"""The main screen: the tiled panes and the side panels, and the commands that act on them
(focus, zoom, layout, panels, search, copy mode)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.await_remove import AwaitRemove
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widget import AwaitMount

from ...control.backend import ControlBackend
from ...core.types import SessionId, SessionStatus
from ...supervisor import InvalidName, LiveSession, Supervisor
from ..keymap import DEFAULT_PREFIX
from ..prefix_bar import PrefixBar
from ..render import Palette
from ..textual_compat import forget_removed_children
from ..widgets.footer import KeyFooter
from ..widgets.messages_panel import MessagesPanel
from ..widgets.pane_frame import PaneFrame
from ..widgets.pane_grid import Layout, PaneGrid
from ..widgets.session_list import SessionList
from ..widgets.sidebar import Sidebar
from .broadcast import BroadcastScreen
from .confirm import ConfirmScreen
from .inbox import InboxScreen
from .new_session import NewSessionScreen
from .rename import RenameScreen
from .requests import NewSessionRequest
from .search import SearchScreen
from .steady import SteadyScreen

#: At most this many panel refreshes a second, however busy the sessions are.
PANEL_FPS = 5
#: Changed counts alone (tokens, parsed results) are shown at most this late: under floods they
#: change with every parse step of every session, and each refresh redraws the Sessions table.
COUNTS_DELAY = 1.0
#: How long after a relative time reads differently the panels show it (so it surely has).
CLOCK_SLACK = 0.02
#: Times in minutes or more are shown at most this many seconds late (changes batched).
CLOCK_GRID = 10.0
DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


class MainScreen(SteadyScreen):
    """Shows the supervisor's sessions, one pane each in its order, with the panels about them.

    It follows the app's calls (`tile`, `untile`, `refresh_panels`); its own actions only move
    focus and change what is shown. Direct keys (Alt+1…9, Alt+arrows) are its bindings, so they
    reach the panes only while no dialog is open over it; so does the prefix key.
    """

    class NewSession(Message):
        """The person asked for a new session (the app adds it)."""

        def __init__(self, request: NewSessionRequest) -> None:
            super().__init__()
            self.request = request

    BINDINGS = [
        # The app's prefix mode; bound here, so a dialog over the screen gets the key instead.
        Binding(DEFAULT_PREFIX, "app.prefix", "Commands", id="prefix", priority=True),
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
    ]

    def __init__(
        self, supervisor: Supervisor, panels: Sequence[str], keymap: Mapping[str, str]
    ) -> None:
        super().__init__(id="_default")
        self.supervisor = supervisor
        #: Each session's pane, by id (never looked up by CSS id: Textual caches those lookups,
        #: which kept every closed pane and its scrollback alive).
        self.frames: dict[SessionId, PaneFrame] = {}
        self._mounting: dict[SessionId, AwaitMount] = {}
        self.pane_grid = PaneGrid(id="panes")
        self.sidebar = Sidebar(panels, id="sidebar")
        #: Shown while the prefix waits for a command key (the app's `PrefixKeys`).
        self.prefix_bar = PrefixBar(keymap, id="prefix-bar")
        #: The control socket's side, once it is served: the messages between agents.
        self.control: ControlBackend | None = None
        #: The Sessions panel lists sessions needing the person first.
        self.waiting_first = False
        self._panel_refresh: Timer | None = None
        self._panel_refresh_due = 0.0
        self._clock: Timer | None = None
        self._last_search = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield self.pane_grid
            yield self.sidebar
        yield KeyFooter(show_command_palette=False)
        yield self.prefix_bar

    def on_mount(self) -> None:
        self._arm_clock()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Under a dialog the footer shows the direct keys disabled: they do not reach the panes."""
        return not (action in ("focus_number", "focus_direction") and self.app.screen is not self)

    # -- panes ---------------------------------------------------------------------------------

    def tile(self, live: LiveSession, palette: Palette) -> None:
        """Give a new session a pane (mounted as the loop next runs)."""
        frame = PaneFrame(live, palette, self.supervisor.presenter(live))
        self.frames[live.session.id] = frame
        self._mounting[live.session.id] = self.pane_grid.mount(frame)
        self.pane_grid.renumber()
        if self.supervisor.focused is None:
            self.focus_session(live.session.id.uuid.hex)
        self.request_panel_refresh()

    async def pane_ready(self, live: LiveSession) -> None:
        """Before a session starts: its pane is mounted and laid out, so the program starts at
        the pane's real size (not 80x24 and a resize right after)."""
        mounting = self._mounting.pop(live.session.id, None)
        if mounting is not None:
            await mounting
        frame = self.frames.get(live.session.id)
        if frame is not None:
            await frame.terminal.wait_until_sized()

    def untile(self, live: LiveSession, index: int) -> None:
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

    def frame(self, live: LiveSession) -> PaneFrame:
        return self.frames[live.session.id]

    def set_palette(self, palette: Palette) -> None:
        for frame in self.pane_grid.frames:
            frame.terminal.palette = palette

    def apply_layout(self, layout: str, focus: str | None) -> None:
        """The layout ("tabs": one zoomed pane) and focused session a workspace asked for."""
        if layout == "tabs":
            self.pane_grid.zoomed = True
        elif layout in Layout.__members__.values():
            self.pane_grid.layout_mode = Layout(layout)
        if focus:
            for live in self.supervisor:
                if live.name == focus:
                    self.focus_session(live.session.id.uuid.hex)

    # -- focus ---------------------------------------------------------------------------------

    def focus_session(self, key: str) -> None:
        live = next((live for live in self.supervisor if live.session.id.uuid.hex == key), None)
        if live is None:
            return
        self.supervisor.focused = live.session.id
        self.frame(live).terminal.focus()

    @on(PaneFrame.Focused)
    def _pane_focused(self, event: PaneFrame.Focused) -> None:
        frame = event.frame
        # Focus moved on again before this message arrived (two prefix commands in a burst):
        # the frames' messages come through queues of their own, in no set order.
        if frame.live not in self.supervisor or not frame.terminal.has_focus:
            return
        self.supervisor.focus(frame.live)
        self.pane_grid.remember_focus(frame)
        frame.refresh_title()
        self.refresh_panels()

    @on(MessagesPanel.Forward)
    def _forward_message(self, event: MessagesPanel.Forward) -> None:
        if self.control is not None and not self.control.forward(event.message):
            self.notify("That session is not running; the message stays", severity="warning")
        self.refresh_panels()

    @on(MessagesPanel.Discard)
    def _discard_message(self, event: MessagesPanel.Discard) -> None:
        if self.control is not None:
            self.control.discard(event.message)
        self.refresh_panels()

    @on(SessionList.Chosen)
    def _session_chosen(self, event: SessionList.Chosen) -> None:
        self.focus_session(event.session_key)

    def _ordered_keys(self) -> list[str]:
        return [live.session.id.uuid.hex for live in self.supervisor]

    def _focused_key(self) -> str | None:
        focused = self.supervisor.focused
        return focused.uuid.hex if focused is not None else None

    def action_focus_number(self, number: int) -> None:
        keys = self._ordered_keys()
        if 1 <= number <= len(keys):
            self.focus_session(keys[number - 1])

    def action_focus_direction(self, direction: str) -> None:
        """Focus the nearest visible pane in a direction, by the panes' on-screen positions."""
        current = self.supervisor.focused_live
        if current is None:
            return
        origin = self.frame(current).region.center
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
        focused = self._focused_key()
        index = keys.index(focused) if focused in keys else 0
        self.focus_session(keys[(index + step) % len(keys)])

    def action_focus_next_pane(self) -> None:
        self._cycle(1)

    def action_focus_previous_pane(self) -> None:
        self._cycle(-1)

    def action_next_attention(self) -> None:
        lives = list(self.supervisor)
        if not lives:
            return
        focused = self.supervisor.focused_live
        start = lives.index(focused) if focused in lives else -1
        for offset in range(1, len(lives) + 1):
            live = lives[(start + offset) % len(lives)]
            if live.attention:
                self.focus_session(live.session.id.uuid.hex)
                return
        self.notify("No session needs attention", timeout=2)

    # -- layout and panels ---------------------------------------------------------------------

    def action_toggle_zoom(self) -> None:
        self.pane_grid.zoomed = not self.pane_grid.zoomed

    def action_next_layout(self) -> None:
        layout = self.pane_grid.next_layout()
        self.notify(f"Layout: {layout}", timeout=1.5)

    def action_toggle_panel(self, panel: str) -> None:
        self.sidebar.toggle(panel)
        self.refresh_panels()

    def action_resize_sidebar(self, delta: int) -> None:
        self.sidebar.resize(delta, self.size.width)

    def action_toggle_waiting_first(self) -> None:
        self.waiting_first = not self.waiting_first
        order = "needing you first" if self.waiting_first else "in pane order"
        self.notify(f"Sessions panel: sessions {order}", timeout=3)
        self.refresh_panels()

    def request_panel_refresh(self, *, counts_only: bool = False) -> None:
        """Refresh the panels soon, at most `PANEL_FPS` times a second however busy sessions are
        (once a second for changed counts alone); a sooner request brings a later one forward."""
        delay = COUNTS_DELAY if counts_only else 1 / PANEL_FPS
        due = time.monotonic() + delay
        if self._panel_refresh is not None:
            if self._panel_refresh_due <= due:
                return
            self._panel_refresh.stop()
        self._panel_refresh_due = due
        self._panel_refresh = self.set_timer(delay, self.refresh_panels)

    def refresh_panels(self) -> None:
        """Show the current state in every visible panel, and in an open inbox."""
        if self._panel_refresh is not None:
            self._panel_refresh.stop()
            self._panel_refresh = None
        self.sidebar.show(
            self.supervisor,
            waiting_first=self.waiting_first,
            messages=self.control.message_rows if self.control is not None else None,
        )
        self.refresh_inbox()
        self._arm_clock()

    def refresh_inbox(self) -> None:
        """An open inbox follows the sessions' questions as they come and go."""
        for screen in self.app.screen_stack:
            if isinstance(screen, InboxScreen):
                screen.refresh_items()

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
        if self.sidebar.session_list.display:
            shown = list(supervisor)
        elif self.sidebar.details_panel.display and supervisor.focused_live is not None:
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

    # -- the focused pane ----------------------------------------------------------------------

    @work(exclusive=True, group="dialog")
    async def action_search(self) -> None:
        live = self.supervisor.focused_live
        if live is None:
            return
        request = await self.app.push_screen_wait(SearchScreen(self._last_search))
        if request is None:
            return
        self._last_search = request.pattern
        if live in self.supervisor and not self.frame(live).terminal.search(request):
            self.notify(f"Not found: {request.pattern}", severity="warning", timeout=2)

    def action_copy_mode(self) -> None:
        live = self.supervisor.focused_live
        if live is not None:
            self.frame(live).terminal.copying.enter()

    # -- the sessions' dialogs -----------------------------------------------------------------

    @work(exclusive=True, group="dialog")
    async def action_new_session(self) -> None:
        names = {live.name for live in self.supervisor}
        live = self.supervisor.focused_live
        cwd = (
            Path(live.emulator.cwd or live.session.config.working_directory) if live else Path.cwd()
        )
        request = await self.app.push_screen_wait(NewSessionScreen(cwd, names))
        if request is not None:
            self.post_message(self.NewSession(request))

    @work(exclusive=True, group="dialog")
    async def action_rename_session(self) -> None:
        live = self.supervisor.focused_live
        if live is None:
            return
        names = {other.name for other in self.supervisor if other is not live}
        name = await self.app.push_screen_wait(RenameScreen(live.name, names))
        if name and live in self.supervisor:
            try:
                self.supervisor.rename(live, name)
            except InvalidName as error:
                self.notify(str(error), severity="error")

    @work(exclusive=True, group="dialog")
    async def action_kill_session(self) -> None:
        live = self.supervisor.focused_live
        if live is None:
            return
        running = live.session.status is SessionStatus.RUNNING
        question = f"Kill {live.name} and close its pane?" if running else f"Close {live.name}?"
        confirm = ConfirmScreen(question, "Kill" if running else "Close")
        if await self.app.push_screen_wait(confirm):
            await self.supervisor.close(live)

    async def action_restart_session(self) -> None:
        live = self.supervisor.focused_live
        if live is not None:
            await self.supervisor.restart(live)

    @work(exclusive=True, group="dialog")
    async def action_broadcast(self) -> None:
        focused = self._focused_key()
        choices = [(live.session.id.uuid.hex, live.name) for live in self.supervisor]
        request = await self.app.push_screen_wait(
            BroadcastScreen(choices, {focused} if focused else set())
        )
        if request is None:
            return
        lives = {live.session.id.uuid.hex: live for live in self.supervisor}
        targets = [lives[key] for key in request.session_ids if key in lives]
        sent = self.supervisor.broadcast(targets, request.payload.encode())
        self.notify(f"Sent to {sent} session{'s' if sent != 1 else ''}", timeout=2)
