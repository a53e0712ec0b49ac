"""Copy mode in a terminal pane: the keyboard moves a cursor through the scrollback, selects and
copies (the state machine is `CopyMode`; this drives one pane with it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from .copy_mode import CopyAction, CopyMode
from .pane_lines import offset_showing
from .selection import Selection

if TYPE_CHECKING:
    from .terminal_pane import TerminalPane


class PaneCopyMode:
    """Copy mode of one `TerminalPane`, which hands it its keys while `pane.copy_mode` is set."""

    def __init__(self, pane: TerminalPane) -> None:
        self.pane = pane

    def enter(self) -> None:
        """Select with the keyboard, from the cursor (or the top line when scrolled back)."""
        pane = self.pane
        pane.pin_view()
        if pane.history_offset:
            pane.copy_mode = CopyMode(pane.line_at(0), 0)
        else:
            x, y = pane.emulator.cursor
            pane.copy_mode = CopyMode(pane.line_at(y), x)
        pane.selection = None
        pane.refresh()

    def leave(self) -> None:
        pane = self.pane
        pane.copy_mode = None
        pane.selection = None
        pane.scroll_to_live()
        pane.refresh()

    def press(self, event: events.Key) -> None:
        pane = self.pane
        copy_mode = pane.copy_mode
        assert copy_mode is not None
        emulator = pane.emulator
        first = emulator.first_line
        action = copy_mode.press(
            event.key,
            event.character,
            lines=(first, first + emulator.history_size + emulator.lines - 1),
            columns=emulator.columns,
            page=max(1, pane.size.height - 1),
        )
        if action is CopyAction.COPY:
            pane.selection = copy_mode.selection or Selection.line(copy_mode.line, emulator.columns)
            pane.copy_selection()
            self.leave()
            return
        if action is CopyAction.LEAVE:
            self.leave()
            return
        pane.selection = copy_mode.selection
        pane.history_offset = offset_showing(
            emulator, pane.history_offset, pane.size.height, copy_mode.line
        )
        pane.refresh()
