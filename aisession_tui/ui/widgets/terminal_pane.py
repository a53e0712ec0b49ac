"""A live terminal pane: renders a session's emulator through the Line API and sends it keys."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ...core.types import SessionStatus
from ...supervisor.live_session import LiveSession
from ...terminal.keys import encode_focus, encode_key, encode_paste
from ..render import Palette, render_row
from ..textual_compat import show_now
from .copy_mode import CopyMode
from .pane_copy import PaneCopyMode
from .pane_lines import find_line, line_at, line_cells
from .pane_mouse import PaneMouse
from .repaint_pacing import RepaintPacing
from .selection import Selection

if TYPE_CHECKING:  # a widget knows no screen: the request is only its argument type
    from ..screens.requests import SearchRequest

#: Keys the pane keeps for itself (scrolling back) instead of sending them to the program, as
#: xterm does; Shift+Up/Down go to the program (`CSI 1;2 A/B`), as in xterm and tmux.
SCROLL_KEYS = {"shift+pageup": -1, "shift+pagedown": 1}
#: How long a new pane's program may wait for the layout to give the pane its size (seconds).
SIZE_WAIT = 1.0
INDICATOR_STYLE = Style(reverse=True, bold=True)
SELECTION_STYLE = Style(reverse=True)
COPY_CURSOR_STYLE = Style(color="black", bgcolor="yellow", bold=True)


class TerminalPane(Widget, can_focus=True):
    """One session's screen. Only rows the emulator marked dirty are rendered again.

    Dragging the mouse selects text (double click: a word, triple: a line) and copies it to the
    clipboard; a program that asked for the mouse gets it instead unless Shift is held. Copy mode
    does the same from the keyboard.
    """

    ALLOW_SELECT = False  # the pane selects in its own (scrollback) coordinates

    history_offset: reactive[int] = reactive(0, layout=False, repaint=False)
    """How many lines the view is scrolled back from the live screen (0: live)."""

    def __init__(self, live: LiveSession, palette: Palette, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.live = live
        self.emulator = live.emulator
        self._theme_palette = palette
        self._palette = palette.with_overrides(live.emulator.color_overrides)
        self._strips: dict[int, Strip] = {}
        self._cursor_row: int | None = None
        self.pacing = RepaintPacing(self)
        self.selection: Selection | None = None
        self.mouse = PaneMouse(self)
        self.copy_mode: CopyMode | None = None
        self.copying = PaneCopyMode(self)
        #: While scrolled back (or while selecting), the number of the line at the top of the
        #: view: it stays there as output goes on (as in tmux), until it leaves the scrollback.
        self._view_top: int | None = None
        #: Set once the layout has given the pane a size (its child starts at that size).
        self._sized = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.live.on_screen_change = self.schedule_repaint
        self._tell_colors()

    def on_unmount(self) -> None:
        if self.live.on_screen_change == self.schedule_repaint:
            self.live.on_screen_change = None
        self.pacing.cancel()

    def on_resize(self, event: events.Resize) -> None:
        columns, lines = event.size.width, event.size.height
        if columns <= 0 or lines <= 0:
            return
        # Sized once this layout has settled: the grid picks its shape when it learns its own
        # size, in the same round of resizes, and may size the pane again right after.
        self.call_after_refresh(self._sized.set)
        if (lines, columns) != (self.emulator.lines, self.emulator.columns):
            self.emulator.resize(lines, columns)
            if self.live.session.status is SessionStatus.RUNNING:
                self.live.session.resize(lines, columns)
            # Growing pulls rows back out of the scrollback: stay within what is left of it.
            self.history_offset = min(self.history_offset, self.emulator.history_size)
        self.selection = None
        self.copy_mode = None
        self._strips.clear()
        self.refresh()

    async def wait_until_sized(self) -> bool:
        """Wait (at most `SIZE_WAIT` s) for the first layout to size the pane, so its program
        starts at the pane's real size rather than 80x24 and a resize right after (vim drew its
        first screen for 24 rows). False if the pane is not laid out in time, or is hidden
        (a zoomed layout shows one pane; the others get their size when shown)."""
        if not all(node.display for node in self.ancestors_with_self):
            return False
        try:
            await asyncio.wait_for(self._sized.wait(), SIZE_WAIT)
        except TimeoutError:
            return False
        return True

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # -- palette -------------------------------------------------------------------------------

    @property
    def palette(self) -> Palette:
        return self._palette

    @palette.setter
    def palette(self, palette: Palette) -> None:
        self._theme_palette = palette
        self._tell_colors()
        self.apply_color_overrides()

    def apply_color_overrides(self) -> None:
        """Draw with the colours the program set (OSC 4/10/11/12) over the theme's; a reset
        (OSC 104/110/111/112, RIS) brings the theme's back."""
        self._palette = self._theme_palette.with_overrides(self.emulator.color_overrides)
        self._strips.clear()
        self.refresh()

    def _tell_colors(self) -> None:
        """Programs asking for the terminal's colours (OSC 4/10/11) get the theme's."""
        theme = self._theme_palette
        if theme.foreground and theme.background:
            self.emulator.set_default_colors(theme.foreground, theme.background)
        self.emulator.set_ansi_colors(
            tuple(Color.parse(colour).get_truecolor().hex for colour in theme.ansi)
        )

    # -- repainting ----------------------------------------------------------------------------

    def schedule_repaint(self) -> None:
        """The emulator's screen changed: repaint at the pace `RepaintPacing` sets."""
        self.pacing.schedule()

    @property
    def stale(self) -> bool:
        """The screen changed since the last repaint."""
        return self.pacing.stale

    def repaint(self) -> None:
        if not self.pacing.begin_repaint():
            return  # mid-frame (mode 2026): its end, or its time-out, repaints
        if self._view_top is not None:
            self._hold_view()
        dirty = self.emulator.take_dirty()
        cursor_row = self.emulator.cursor[1]
        if self._cursor_row is not None:
            dirty.add(self._cursor_row)
        dirty.add(cursor_row)
        self._cursor_row = cursor_row
        for row in dirty:
            self._strips.pop(row, None)
        width = self.size.width
        full = len(dirty) > self.size.height // 2
        self.pacing.painted(full=full)
        if self.history_offset or full:
            self.refresh()
            return
        self.refresh(*(Region(0, row, width, 1) for row in dirty))
        if self.has_focus:
            self._show_now()

    def _show_now(self) -> None:
        """Put the refreshed rows on the terminal at once. Textual would show them at its next
        screen update, several message hops and up to a frame later; for an echo of what the
        person typed, into a loop busy with floods, that is tens of milliseconds."""
        show_now(self)

    def render_line(self, y: int) -> Strip:
        strip = self._view_strip(y)
        line = self.line_at(y)
        if self.selection is not None:
            span = self.selection.span(line, self.size.width)
            if span is not None and span[0] < span[1]:
                strip = self._styled(strip, *span, SELECTION_STYLE)
        copy_mode = self.copy_mode
        if copy_mode is not None and copy_mode.line == line:
            strip = self._styled(strip, copy_mode.column, copy_mode.column + 1, COPY_CURSOR_STYLE)
        if y == 0 and (self.history_offset or copy_mode is not None):
            strip = self._with_indicator(strip, self.size.width)
        return strip

    def _styled(self, strip: Strip, first: int, last: int, style: Style) -> Strip:
        """`strip` with cells [first, last) in `style` too."""
        middle = strip.crop(first, last).apply_style(style)
        return Strip.join([strip.crop(0, first), middle, strip.crop(last, self.size.width)])

    def _view_strip(self, y: int) -> Strip:
        width = self.size.width
        emulator = self.emulator
        if self.history_offset:
            index = emulator.history_size - self.history_offset + y
            if index < 0:
                return Strip.blank(width)
            if index < emulator.history_size:
                strip = render_row(emulator.history_row(index), width, self._palette)
            else:
                strip = self._screen_strip(index - emulator.history_size, width, live=False)
            return strip
        return self._screen_strip(y, width, live=self.copy_mode is None)

    def _screen_strip(self, row: int, width: int, *, live: bool) -> Strip:
        if row >= self.emulator.lines:
            return Strip.blank(width)
        cursor_x, cursor_y = self.emulator.cursor
        if live and row == cursor_y and self.emulator.cursor_visible and self.has_focus:
            return render_row(self.emulator.row(row), width, self._palette, cursor_x=cursor_x)
        strip = self._strips.get(row)
        if strip is None:
            strip = render_row(self.emulator.row(row), width, self._palette)
            self._strips[row] = strip
        return strip

    def _with_indicator(self, strip: Strip, width: int) -> Strip:
        if self.copy_mode is not None:
            emulator = self.emulator
            line = self.copy_mode.line - emulator.first_line + 1
            label = f" COPY {line}/{emulator.history_size + emulator.lines} "
        else:
            label = f" ↑ {self.history_offset}/{self.emulator.history_size} "
        if len(label) >= width:
            return strip
        return Strip.join(
            [strip.crop(0, width - len(label)), Strip([Segment(label, INDICATOR_STYLE)])]
        )

    def line_at(self, y: int) -> int:
        return line_at(self.emulator, self.history_offset, y)

    def on_focus(self) -> None:
        self._focus_changed(focused=True)

    def on_blur(self) -> None:
        self._focus_changed(focused=False)

    def _focus_changed(self, *, focused: bool) -> None:
        """Show or hide the cursor; tell programs that asked for focus events (mode 1004)."""
        self._strips.pop(self.emulator.cursor[1], None)
        self.refresh()
        if self.emulator.focus_events and self.live.session.status is SessionStatus.RUNNING:
            self.live.session.write(encode_focus(focused))

    # -- scrollback ----------------------------------------------------------------------------

    def watch_history_offset(self, offset: int) -> None:
        self._view_top = self.line_at(0) if offset else None

    def pin_view(self) -> None:
        """Hold the view where it is, even live, while the person selects text in it."""
        self._view_top = self.line_at(0)

    def _hold_view(self) -> None:
        """Keep the scrolled-back view on its lines while new output pushes them up."""
        assert self._view_top is not None
        emulator = self.emulator
        offset = emulator.first_line + emulator.history_size - self._view_top
        self.history_offset = min(max(offset, 0), emulator.history_size)

    def scroll_history(self, lines: int) -> None:
        """Scroll back (negative) or forward (positive) through the scrollback."""
        offset = min(max(self.history_offset - lines, 0), self.emulator.history_size)
        if offset != self.history_offset:
            self.history_offset = offset
            self.refresh()

    def scroll_to_live(self) -> None:
        self._view_top = None
        if self.history_offset:
            self.history_offset = 0
            self.refresh()

    def scroll_to_history_line(self, index: int) -> None:
        """Show the given scrollback line (0 = oldest) near the top of the pane."""
        self.history_offset = max(
            0, min(self.emulator.history_size, self.emulator.history_size - index)
        )
        self.refresh()

    def search(self, request: SearchRequest) -> bool:
        """Scroll to the next line matching the request, from the top line in view."""
        top = self.emulator.history_size - self.history_offset
        found = find_line(self.emulator, top, request)
        if found is not None:
            self.scroll_to_history_line(found)
        return found is not None

    # -- input ---------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Write to the program, returning the view to the live screen."""
        if self.live.session.status is not SessionStatus.RUNNING:
            self.app.bell()
            return
        self.copy_mode = None  # a paste, say, ends copy mode like typing ends scrollback
        self.scroll_to_live()
        self.clear_selection()
        self.live.write(data)

    def on_key(self, event: events.Key) -> None:
        scroll = SCROLL_KEYS.get(event.key)
        if self.copy_mode is not None:
            self.copying.press(event)
        elif scroll is not None and not self.emulator.alternate_screen:
            page = max(1, self.size.height - 1) if "page" in event.key else 1
            self.scroll_history(scroll * page)
        else:
            data = encode_key(
                event.key,
                event.character,
                application_cursor=self.emulator.application_cursor_keys,
                keyboard_flags=self.emulator.keyboard_flags,
            )
            if data is None:
                return
            self.send(data)
        event.stop()
        event.prevent_default()

    # -- selecting and copying -------------------------------------------------------------

    def copy_selection(self) -> None:
        assert self.selection is not None
        emulator = self.emulator
        text = self.selection.text(lambda line: line_cells(emulator, line), emulator.columns)
        if text:
            self.app.copy_to_clipboard(text)
            note = getattr(self.parent, "note", None)  # the pane's frame: a title bar notice
            if note is not None:
                note(f"copied {len(text)} characters")
            else:
                self.notify(f"Copied {len(text)} characters", timeout=2)

    def clear_selection(self) -> None:
        if self.selection is not None:
            self.selection = None
            self.refresh()

    # -- mouse (see `PaneMouse`) ---------------------------------------------------------------

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.mouse.scroll(event)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.mouse.scroll(event)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.mouse.down(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.mouse.move(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.mouse.up(event)

    def on_click(self, event: events.Click) -> None:
        self.mouse.click(event)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.send(encode_paste(event.text, bracketed=self.emulator.bracketed_paste))
