"""Erasing, inserting and deleting like xterm: blanks take the current background colour (BCE).

xterm (and tmux, and the `xterm-256color` terminfo entry programs trust, which declares `bce`)
fills every cell it blanks with the current background: ED, EL, ECH, the rows a scroll, IL or DL
brings in and the cells ICH or DCH opens. pyte fills only EL and ECH that way, and ED only the
cells that were ever written. Blank cells keep no other attribute (no underline, no reverse), as
in xterm. Mixed into `TerminalScreen`.
"""

from __future__ import annotations

from typing import Any

from pyte.screens import Char, Margins, StaticDefaultDict

from .cells import ScreenBuffer, blank_run
from .reflow import set_wrapped
from .screen_base import ScreenBase

_MAX_ERASE_CACHE = 256


class EditingMixin(ScreenBase):
    """ED, EL, ECH, IL, DL, ICH, DCH and DECALN with background colour erase."""

    buffer: ScreenBuffer
    dirty: set[int]
    lines: int
    columns: int
    cursor: Any
    mode: set[int]
    margins: Margins | None
    _main_buffer: ScreenBuffer | None
    _erase_chars: dict[tuple[Char, str], Char]

    def erase_char(self) -> Char:
        """The blank cell erasing writes now: the default cell in the cursor's background."""
        default = self.default_char
        bg = self.cursor.attrs.bg
        if bg == default.bg:
            return default
        key = (default, bg)
        char = self._erase_chars.get(key)
        if char is None:
            if len(self._erase_chars) >= _MAX_ERASE_CACHE:
                self._erase_chars.clear()
            char = self._erase_chars[key] = default._replace(bg=bg)
        return char

    def blank_row(self, y: int) -> None:
        """Make row `y` blank in the erase colour (a missing row reads as the default cell)."""
        blank = self.erase_char()
        if blank is self.default_char:
            self.buffer.pop(y, None)
        else:
            self.buffer[y] = StaticDefaultDict(blank)

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        """ED `CSI n J`: 0 below (with the cursor's line from it), 1 above, 2 all; 3 clears the
        scrollback only (xterm's "saved lines"), leaving the screen alone."""
        if how == 0:
            interval = range(self.cursor.y + 1, self.lines)
        elif how == 1:
            interval = range(self.cursor.y)
        elif how == 2:
            interval = range(self.lines)
        elif how == 3:
            if self._main_buffer is None:
                self._reset_history()
            return
        else:
            return  # pyte raised UnboundLocalError on `CSI 4 J`
        self.dirty.update(interval)
        for y in interval:
            self.blank_row(y)
        if how in (0, 1):
            self.erase_in_line(how)

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        """EL `CSI n K`: erase part of the line in the erase colour, in one update."""
        cursor = self.cursor
        self.dirty.add(cursor.y)
        if how == 0:
            start, stop = cursor.x, self.columns
        elif how == 1:
            start, stop = 0, min(cursor.x + 1, self.columns)
        elif how == 2:
            start, stop = 0, self.columns
        else:
            return  # pyte raised UnboundLocalError on `CSI 3 K`
        if start == 0 and stop == self.columns:
            self.blank_row(cursor.y)
            return
        line = self.buffer[cursor.y]
        line.update(blank_run(start, stop, self.erase_char()))
        if stop == self.columns:
            set_wrapped(line, False)  # nothing continues from here any more

    def erase_characters(self, count: int | None = None) -> None:
        """ECH `CSI n X`: blank n cells from the cursor (it does not move)."""
        cursor = self.cursor
        self.dirty.add(cursor.y)
        stop = min(cursor.x + (count or 1), self.columns)
        self.buffer[cursor.y].update(blank_run(cursor.x, stop, self.erase_char()))

    def insert_characters(self, count: int | None = None) -> None:
        """ICH `CSI n @`: open n blank cells at the cursor, shifting the rest right (cells pushed
        past the right edge are lost)."""
        cursor = self.cursor
        self.dirty.add(cursor.y)
        x = min(cursor.x, self.columns - 1)
        count = min(count or 1, self.columns - x)
        line = self.buffer[cursor.y]
        blank = self.erase_char()
        moved = {column + count: line[column] for column in range(x, self.columns - count)}
        for column in range(x, self.columns):
            line.pop(column, None)
        line.update(moved)
        if blank is not self.default_char:
            line.update(dict.fromkeys(range(x, x + count), blank))

    def delete_characters(self, count: int | None = None) -> None:
        """DCH `CSI n P`: delete n cells at the cursor, the rest moving left; the cells opened at
        the right edge are blank in the erase colour."""
        cursor = self.cursor
        self.dirty.add(cursor.y)
        x = min(cursor.x, self.columns - 1)
        count = min(count or 1, self.columns - x)
        line = self.buffer[cursor.y]
        moved = {column - count: line[column] for column in range(x + count, self.columns)}
        for column in range(x, self.columns):
            line.pop(column, None)
        line.update(moved)
        blank = self.erase_char()
        if blank is not self.default_char:
            line.update(dict.fromkeys(range(self.columns - count, self.columns), blank))

    def insert_lines(self, count: int | None = None) -> None:
        """IL `CSI n L`: insert n blank lines at the cursor's row inside the scroll region (rows
        pushed past its bottom are lost); the cursor goes to column 1. Outside it: nothing."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        y = self.cursor.y
        if not top <= y <= bottom:
            return
        count = min(count or 1, bottom - y + 1)
        buffer = self.buffer
        self.dirty.update(range(y, bottom + 1))
        for row in range(bottom, y + count - 1, -1):
            moved = dict.get(buffer, row - count)
            if moved is None:
                buffer.pop(row, None)
            else:
                buffer[row] = moved
        for row in range(y, y + count):
            self.blank_row(row)
        self.cursor.x = 0

    def delete_lines(self, count: int | None = None) -> None:
        """DL `CSI n M`: delete n lines from the cursor's row, rows below moving up inside the
        scroll region and blank rows entering at its bottom; the cursor goes to column 1."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        y = self.cursor.y
        if not top <= y <= bottom:
            return
        count = min(count or 1, bottom - y + 1)
        buffer = self.buffer
        self.dirty.update(range(y, bottom + 1))
        for row in range(y, bottom - count + 1):
            moved = dict.get(buffer, row + count)
            if moved is None:
                buffer.pop(row, None)
            else:
                buffer[row] = moved
        for row in range(bottom - count + 1, bottom + 1):
            self.blank_row(row)
        self.cursor.x = 0

    def alignment_display(self) -> None:
        """DECALN `ESC # 8`: fill the screen with "E" in default attributes, reset the scroll
        margins and home the cursor (as xterm does)."""
        self.dirty.update(range(self.lines))
        filled = self.default_char._replace(data="E")
        for y in range(self.lines):
            row: StaticDefaultDict[int, Char] = StaticDefaultDict(self.default_char)
            row.update(dict.fromkeys(range(self.columns), filled))
            self.buffer[y] = row
        self.margins = None
        self.cursor.x = self.cursor.y = 0
