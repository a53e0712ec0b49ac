"""The mouse in a terminal pane: selecting and copying text, the wheel, and forwarding to
programs that asked for the mouse (Shift keeps it for selecting, as in xterm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events

from ...supervisor.live_session import LiveSession
from ...terminal.emulator import Emulator
from ...terminal.keys import encode_mouse
from ...terminal.screen import Row
from .selection import Selection

if TYPE_CHECKING:
    from textual.widget import Widget as _Widget
else:
    _Widget = object

#: Lines the wheel scrolls back or forward.
WHEEL_LINES = 3


class PaneMouseMixin(_Widget):
    """Mouse handling of `TerminalPane`; the selection is in scrollback coordinates."""

    emulator: Emulator
    live: LiveSession
    scroll_offset: int
    selection: Selection | None
    _selecting: bool
    scroll_history: Callable[[int], None]
    pin_view: Callable[[], None]
    scroll_to_live: Callable[[], None]

    def _line_at(self, y: int) -> int:
        """The number of the line on view row `y` (see `Emulator.first_line`): it stays the
        line's number while output scrolls it up and out of the scrollback."""
        emulator = self.emulator
        return emulator.first_line + emulator.history_size - self.scroll_offset + y

    def _row(self, line: int) -> Row:
        """The row of line number `line`, which must still be in the scrollback or on screen."""
        emulator = self.emulator
        index = line - emulator.first_line
        if index < emulator.history_size:
            return emulator.history_row(index)
        return emulator.row(index - emulator.history_size)

    def _line_cells(self, line: int) -> list[str]:
        """A line's cells' text ("" for the second cell of a wide character); [] once gone."""
        emulator = self.emulator
        if not 0 <= line - emulator.first_line < emulator.history_size + emulator.lines:
            return []
        row = self._row(line)
        return [row[x].data for x in range(emulator.columns)]

    def _program_gets_mouse(self, event: events.MouseEvent) -> bool:
        """The program asked for the mouse (and the view is live); Shift keeps it for selecting."""
        return bool(self.emulator.mouse_mode) and not self.scroll_offset and not event.shift

    def _forward_mouse(self, action: str, event: events.MouseEvent, button: int) -> bool:
        if not self._program_gets_mouse(event):
            return False
        data = encode_mouse(
            action,
            button,
            event.x,
            event.y,
            mode=self.emulator.mouse_mode,
            sgr=self.emulator.mouse_sgr,
            shift=event.shift,
            meta=event.meta,
            ctrl=event.ctrl,
        )
        if data:
            self.live.session.write(data)
        event.stop()
        return True

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if not self._forward_mouse("scroll_up", event, 4):
            event.stop()
            self.scroll_history(-WHEEL_LINES)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if not self._forward_mouse("scroll_down", event, 5):
            event.stop()
            self.scroll_history(WHEEL_LINES)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.focus()
        if self._forward_mouse("press", event, event.button) or event.button != 1:
            return
        event.stop()
        self.pin_view()  # output going on must not move the text under the mouse
        self.selection = Selection.at(self._line_at(event.y), event.x)
        self._selecting = True
        self.capture_mouse()
        self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._selecting and self.selection is not None:
            event.stop()
            if event.y < 0 or event.y >= self.size.height:  # dragged past an edge: scroll on
                self.scroll_history(-1 if event.y < 0 else 1)
            y = min(max(event.y, 0), self.size.height - 1)
            x = min(max(event.x, 0), self.size.width - 1)
            self.selection = self.selection.extend_to(self._line_at(y), x)
            self.refresh()
        elif self.emulator.mouse_mode in (1002, 1003) and (
            event.button or self.emulator.mouse_mode == 1003
        ):
            self._forward_mouse("move", event, event.button)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if not self._selecting:
            self._forward_mouse("release", event, event.button)
            return
        event.stop()
        self._selecting = False
        self.release_mouse()
        if self.selection is not None and not self.selection.is_empty:
            self._copy_selection()  # the view stays put on it until the person types
        else:
            self.clear_selection()  # a click, not a drag
            if not self.scroll_offset:
                self.scroll_to_live()  # nothing held: let the view follow output again

    def on_click(self, event: events.Click) -> None:
        if event.chain < 2 or self._program_gets_mouse(event):
            return
        event.stop()
        line = self._line_at(event.y)
        if event.chain == 2:
            self.selection = Selection.word(line, event.x, self._line_cells(line))
        else:
            self.selection = Selection.line(line, self.emulator.columns)
        self.refresh()
        self._copy_selection()

    def _copy_selection(self) -> None:
        assert self.selection is not None
        text = self.selection.text(self._line_cells, self.emulator.columns)
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
