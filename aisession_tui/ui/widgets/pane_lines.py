"""A pane's lines in scrollback coordinates: line numbers that stay on their text while output
scrolls it up (see `Emulator.first_line`), and finding text among them. Pure functions of the
emulator, shared by the pane, its mouse and its copy mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...terminal.emulator import Emulator, row_text
from ...terminal.screen import Row

if TYPE_CHECKING:  # a widget knows no screen: the request is only its argument type
    from ..screens.requests import SearchRequest


def line_at(emulator: Emulator, history_offset: int, y: int) -> int:
    """The number of the line on view row `y` of a view scrolled back `history_offset` lines."""
    return emulator.first_line + emulator.history_size - history_offset + y


def row_of(emulator: Emulator, line: int) -> Row:
    """The row of line number `line`, which must still be in the scrollback or on screen."""
    index = line - emulator.first_line
    if index < emulator.history_size:
        return emulator.history_row(index)
    return emulator.row(index - emulator.history_size)


def line_cells(emulator: Emulator, line: int) -> list[str]:
    """A line's cells' text ("" for the second cell of a wide character); [] once gone."""
    if not 0 <= line - emulator.first_line < emulator.history_size + emulator.lines:
        return []
    row = row_of(emulator, line)
    return [row[x].data for x in range(emulator.columns)]


def line_text(emulator: Emulator, index: int) -> str:
    """Text of a line counted from the oldest scrollback line (0)."""
    return row_text(row_of(emulator, emulator.first_line + index), emulator.columns)


def find_line(emulator: Emulator, top: int, request: SearchRequest) -> int | None:
    """The index (0 = oldest) of the next line after `top` matching the request, in its
    direction; None when there is none."""
    pattern = request.compile()
    total = emulator.history_size + emulator.lines
    step = -1 if request.direction == "up" else 1
    index = top + step
    while 0 <= index < total:
        if pattern.search(line_text(emulator, index)):
            return index
        index += step
    return None


def offset_showing(emulator: Emulator, history_offset: int, height: int, line: int) -> int:
    """The history offset that puts line number `line` in a view `height` rows tall, moving the
    view from `history_offset` as little as possible."""
    history = emulator.history_size
    index = line - emulator.first_line
    top = history - history_offset
    if index < top:
        return min(history, history - index)
    if index >= top + height:
        return max(0, history - (index - height + 1))
    return history_offset
