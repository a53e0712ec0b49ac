"""The mouse in a terminal pane: selecting and copying text, the wheel, and forwarding to
programs that asked for the mouse (Shift keeps it for selecting, as in xterm)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from ...terminal.keys import encode_mouse
from .pane_lines import line_cells
from .selection import Selection

if TYPE_CHECKING:
    from .terminal_pane import TerminalPane

#: Lines the wheel scrolls back or forward.
WHEEL_LINES = 3


class PaneMouse:
    """What the mouse does in one `TerminalPane`, which hands it its mouse events; the selection
    it makes is the pane's, in scrollback coordinates."""

    def __init__(self, pane: TerminalPane) -> None:
        self.pane = pane
        #: A drag is selecting text (the pane has captured the mouse).
        self.selecting = False

    def program_gets_mouse(self, event: events.MouseEvent) -> bool:
        """The program asked for the mouse (and the view is live); Shift keeps it for selecting."""
        pane = self.pane
        return bool(pane.emulator.mouse_mode) and not pane.history_offset and not event.shift

    def forward(self, action: str, event: events.MouseEvent, button: int) -> bool:
        """Send the event to the program if it gets the mouse; True if it did."""
        if not self.program_gets_mouse(event):
            return False
        emulator = self.pane.emulator
        data = encode_mouse(
            action,
            button,
            event.x,
            event.y,
            mode=emulator.mouse_mode,
            sgr=emulator.mouse_sgr,
            shift=event.shift,
            meta=event.meta,
            ctrl=event.ctrl,
        )
        if data:
            self.pane.live.session.write(data)
        event.stop()
        return True

    def scroll(self, event: events.MouseScrollUp | events.MouseScrollDown) -> None:
        up = isinstance(event, events.MouseScrollUp)
        if not self.forward("scroll_up" if up else "scroll_down", event, 4 if up else 5):
            event.stop()
            self.pane.scroll_history(-WHEEL_LINES if up else WHEEL_LINES)

    def down(self, event: events.MouseDown) -> None:
        pane = self.pane
        pane.focus()
        if self.forward("press", event, event.button) or event.button != 1:
            return
        event.stop()
        pane.pin_view()  # output going on must not move the text under the mouse
        pane.selection = Selection.at(pane.line_at(event.y), event.x)
        self.selecting = True
        pane.capture_mouse()
        pane.refresh()

    def move(self, event: events.MouseMove) -> None:
        pane = self.pane
        mode = pane.emulator.mouse_mode
        if self.selecting and pane.selection is not None:
            event.stop()
            height = pane.size.height
            if event.y < 0 or event.y >= height:  # dragged past an edge: scroll on
                pane.scroll_history(-1 if event.y < 0 else 1)
            y = min(max(event.y, 0), height - 1)
            x = min(max(event.x, 0), pane.size.width - 1)
            pane.selection = pane.selection.extend_to(pane.line_at(y), x)
            pane.refresh()
        elif mode in (1002, 1003) and (event.button or mode == 1003):
            self.forward("move", event, event.button)

    def up(self, event: events.MouseUp) -> None:
        pane = self.pane
        if not self.selecting:
            self.forward("release", event, event.button)
            return
        event.stop()
        self.selecting = False
        pane.release_mouse()
        if pane.selection is not None and not pane.selection.is_empty:
            pane.copy_selection()  # the view stays put on it until the person types
        else:
            pane.clear_selection()  # a click, not a drag
            if not pane.history_offset:
                pane.scroll_to_live()  # nothing held: let the view follow output again

    def click(self, event: events.Click) -> None:
        if event.chain < 2 or self.program_gets_mouse(event):
            return
        event.stop()
        pane = self.pane
        line = pane.line_at(event.y)
        if event.chain == 2:
            pane.selection = Selection.word(line, event.x, line_cells(pane.emulator, line))
        else:
            pane.selection = Selection.line(line, pane.emulator.columns)
        pane.refresh()
        pane.copy_selection()
