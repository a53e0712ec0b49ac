"""Left and right margins: DECLRMM (`CSI ? 69 h`) and DECSLRM (`CSI Pl ; Pr s`), as in xterm.

With margin mode on and margins set, text wraps at the right margin to the left margin, CR
returns to the left margin, and scrolling (LF/IND/RI at the region's edges, SU/SD), IL/DL and
ICH/DCH move only the cells between the margins. Without them nothing here runs: the screen's
fast paths check `lr_margins is None` first. Mixed into `TerminalScreen`.
"""

from __future__ import annotations

from typing import Any

from pyte import modes as mo
from pyte.screens import Char, wcwidth

from .cells import ScreenBuffer

#: Left/right margin mode, `CSI ? 69 h` (pyte stores private mode N as N << 5).
DECLRMM = 69 << 5


class LeftRightMarginsMixin:
    """DECSLRM and what the margins change; `lr_margins` is (left, right), 0-based inclusive."""

    buffer: ScreenBuffer
    dirty: set[int]
    lines: int
    columns: int
    cursor: Any
    mode: set[int]
    margins: Any
    lr_margins: tuple[int, int] | None

    @property
    def left_right_margin_mode(self) -> bool:
        return DECLRMM in self.mode

    def set_left_right_margins(self, left: int | None = None, right: int | None = None) -> None:
        """DECSLRM `CSI Pl ; Pr s` (only under DECLRMM): 1-based columns; the cursor goes home."""
        first = (left or 1) - 1
        last = (right or self.columns) - 1
        last = min(last, self.columns - 1)
        if first >= last:
            return
        self.lr_margins = None if (first, last) == (0, self.columns - 1) else (first, last)
        self.cursor.x = first if mo.DECOM in self.mode else 0
        self.cursor.y = self.margins.top if self.margins and mo.DECOM in self.mode else 0

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        """Turning DECLRMM off also drops the margins (xterm)."""
        super().reset_mode(*modes, **kwargs)  # type: ignore[misc]
        if kwargs.get("private") and 69 in modes:
            self.lr_margins = None

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        super().resize(lines, columns)  # type: ignore[misc]
        self.lr_margins = None

    def resize_keeping_cursor(self, lines: int, columns: int) -> None:
        super().resize_keeping_cursor(lines, columns)  # type: ignore[misc]
        self.lr_margins = None

    def _inside_lr(self) -> tuple[int, int] | None:
        """The margins, if set and the cursor is between them."""
        margins = self.lr_margins
        if margins is None or not margins[0] <= self.cursor.x <= margins[1]:
            return None
        return margins

    # -- text ---------------------------------------------------------------------------------

    def _draw_in_margins(self, data: str) -> None:
        """Draw character by character, wrapping at the right margin to the left one."""
        cursor = self.cursor
        left, right = self.lr_margins  # type: ignore[misc]
        inside = left <= cursor.x <= right
        edge = right + 1 if inside else self.columns
        for char in data:
            width = wcwidth(char)
            if width <= 0:
                if width == 0:
                    self._combine(char)  # type: ignore[attr-defined]
                continue
            if cursor.x + width > edge:
                if mo.DECAWM in self.mode:
                    cursor.x = left if inside else 0
                    self.index()  # type: ignore[attr-defined]
                else:
                    cursor.x = edge - width
            line = self.buffer[cursor.y]
            attrs: Char = cursor.attrs
            line[cursor.x] = attrs._replace(data=char)
            if width == 2:
                line[cursor.x + 1] = attrs._replace(data="")
            cursor.x += width
            self.dirty.add(cursor.y)

    def carriage_return(self) -> None:
        """CR: to the left margin when the cursor is at or right of it, else column 1."""
        margins = self.lr_margins
        if margins is not None and self.cursor.x >= margins[0]:
            self.cursor.x = margins[0]
        else:
            self.cursor.x = 0

    # -- moving cells between the margins ------------------------------------------------------

    def _shift_columns(self, top: int, bottom: int, count: int) -> None:
        """Move the cells between the margins of rows top..bottom up (count > 0) or down
        (count < 0) by |count| rows; the rows opened are blank between the margins."""
        left, right = self.lr_margins  # type: ignore[misc]
        buffer = self.buffer
        blank = self.erase_char()  # type: ignore[attr-defined]
        columns = range(left, right + 1)
        rows = list(range(top, bottom + 1))
        source = {y: [buffer[y][x] for x in columns] for y in rows}
        for y in rows:
            origin = y + count
            cells = source[origin] if top <= origin <= bottom else [blank] * len(columns)
            buffer[y].update(zip(columns, cells, strict=True))
        self.dirty.update(rows)

    def scroll_in_margins(self, up: bool) -> bool:
        """IND/LF at the bottom margin or RI at the top one with left/right margins set: scroll
        the rectangle only (nothing goes to the scrollback). False when there are none."""
        if self.lr_margins is None:
            return False
        top, bottom = self.margins or (0, self.lines - 1)
        self._shift_columns(top, bottom, 1 if up else -1)
        return True

    def insert_lines(self, count: int | None = None) -> None:
        """IL within the margins when they are set (nothing when the cursor is outside)."""
        if self.lr_margins is None:
            super().insert_lines(count)  # type: ignore[misc]
            return
        top, bottom = self.margins or (0, self.lines - 1)
        if self._inside_lr() is None or not top <= self.cursor.y <= bottom:
            return
        self._shift_columns(self.cursor.y, bottom, -min(count or 1, bottom - self.cursor.y + 1))
        self.cursor.x = self.lr_margins[0]

    def delete_lines(self, count: int | None = None) -> None:
        """DL within the margins when they are set (nothing when the cursor is outside)."""
        if self.lr_margins is None:
            super().delete_lines(count)  # type: ignore[misc]
            return
        top, bottom = self.margins or (0, self.lines - 1)
        if self._inside_lr() is None or not top <= self.cursor.y <= bottom:
            return
        self._shift_columns(self.cursor.y, bottom, min(count or 1, bottom - self.cursor.y + 1))
        self.cursor.x = self.lr_margins[0]

    def insert_characters(self, count: int | None = None) -> None:
        """ICH: cells pushed past the right margin are lost; outside the margins nothing."""
        margins = self.lr_margins
        if margins is None:
            super().insert_characters(count)  # type: ignore[misc]
            return
        if self._inside_lr() is None:
            return
        x, right = self.cursor.x, margins[1]
        count = min(count or 1, right - x + 1)
        line = self.buffer[self.cursor.y]
        cells = [line[c] for c in range(x, right + 1 - count)]
        blank = self.erase_char()  # type: ignore[attr-defined]
        line.update(zip(range(x, x + count), [blank] * count, strict=True))
        line.update(zip(range(x + count, right + 1), cells, strict=True))
        self.dirty.add(self.cursor.y)

    def delete_characters(self, count: int | None = None) -> None:
        """DCH: cells from the right margin move left; outside the margins nothing."""
        margins = self.lr_margins
        if margins is None:
            super().delete_characters(count)  # type: ignore[misc]
            return
        if self._inside_lr() is None:
            return
        x, right = self.cursor.x, margins[1]
        count = min(count or 1, right - x + 1)
        line = self.buffer[self.cursor.y]
        cells = [line[c] for c in range(x + count, right + 1)]
        blank = self.erase_char()  # type: ignore[attr-defined]
        line.update(zip(range(x, x + len(cells)), cells, strict=True))
        line.update(zip(range(right + 1 - count, right + 1), [blank] * count, strict=True))
        self.dirty.add(self.cursor.y)
