"""Resizing a screen like tmux does: wrapped lines are re-wrapped at the new width (`reflow.py`),
the cursor row stays in view, rows leaving the top go to the scrollback and come back from it when
the screen grows. Mixed into `TerminalScreen`."""

from __future__ import annotations

from typing import Any

from pyte.screens import StaticDefaultDict

from .cells import ScreenBuffer
from .reflow import REFLOW_HISTORY, is_wrapped, reflow
from .screen_base import ScreenBase


class ResizeMixin(ScreenBase):
    """`resize_keeping_cursor` for panes; pyte's `resize` with the cursor kept inside."""

    buffer: ScreenBuffer
    _main_buffer: ScreenBuffer | None
    history: Any
    cursor: Any
    dirty: set[int]
    lines: int
    columns: int
    tabstops: set[int]
    history_added: int

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """pyte's resize, keeping the cursor inside the screen."""
        super().resize(lines, columns)
        self._clamp_cursor()

    def resize_keeping_cursor(self, lines: int, columns: int) -> None:
        """Resize like tmux: a new width re-wraps the main screen and the newest scrollback (the
        alternate screen is cut); when rows are removed, the cursor row stays visible; rows that
        leave the top go to scrollback (main screen) and blank rows below the cursor go first.
        When rows are added, rows come back from the scrollback first, so what was shown stays
        at the bottom (a shell's prompt does not jump up when its pane is zoomed)."""
        lines = max(1, lines)
        columns = max(1, columns)
        old_columns = self.columns
        if columns != old_columns and self._main_buffer is None:
            self._reflow(columns)
        if lines > self.lines and self._main_buffer is None:
            self._pull_from_history(min(lines - self.lines, len(self.history.top)))
        if lines < self.lines:
            scroll = max(0, self.cursor.y - lines + 1)
            if scroll:
                buffer = self.buffer
                if self._main_buffer is None:
                    self.history.top.extend(buffer[y] for y in range(scroll))
                    self.history_added += scroll
                for y in range(self.lines):
                    if y + scroll < self.lines and (y + scroll) in buffer:
                        buffer[y] = buffer[y + scroll]
                    else:
                        buffer.pop(y, None)
                self.cursor.y -= scroll
            for buf in (self.buffer, self._main_buffer):
                if buf is not None:
                    for y in [y for y in buf if y >= lines or y < 0]:
                        del buf[y]
            self.lines = lines
            self.dirty.update(range(lines))
        if columns < self.columns:
            for buf in (self.buffer, self._main_buffer):
                if buf is not None:
                    for line in buf.values():
                        for x in [x for x in line if x >= columns]:
                            del line[x]
        if lines != self.lines or columns != self.columns:
            self.dirty.update(range(lines))
            self.lines, self.columns = lines, columns
        self.tabstops = {t for t in self.tabstops if t < columns}
        self.tabstops.update(t for t in range(8, columns, 8) if t >= old_columns)
        self.set_margins()
        self._clamp_cursor()
        self.dirty.update(range(lines))

    def _reflow(self, columns: int) -> None:
        """Re-wrap the screen and the newest scrollback at `columns`; the cursor moves with its
        text and stays on screen."""
        history = self.history.top
        old_rows = list(history)
        keep = max(0, len(old_rows) - REFLOW_HISTORY)
        while 0 < keep < len(old_rows) and is_wrapped(old_rows[keep - 1]):
            keep += 1  # start at the beginning of a line
        recent = old_rows[keep:]
        buffer = self.buffer
        default = self.default_char
        get = buffer.get  # rows move without being built
        screen = [get(y) or StaticDefaultDict(default) for y in range(self.lines)]
        cursor = (len(recent) + self.cursor.y, self.cursor.x)
        rows, (row, x), first = reflow(
            [*recent, *screen], self.columns, columns, default, cursor, anchor=len(recent)
        )
        # A screen filled to the bottom stays so (the newest text at the bottom, scrollback
        # above); one with room below keeps its first line at the top, unless text (or the
        # cursor) would then go off the bottom. Blank rows at the bottom simply go.
        last = max([row] + [y for y in range(row, len(rows)) if rows[y]])
        full = self.cursor.y == self.lines - 1 or bool(screen[-1])
        top = min(max(0 if full else first, last - self.lines + 1), row)
        del rows[top + self.lines :]
        history.clear()
        history.extend(old_rows[:keep])
        history.extend(rows[:top])
        self.history_added += len(history) - len(old_rows)
        buffer.clear()
        for y, line in enumerate(rows[top : top + self.lines]):
            buffer[y] = line
        self.cursor.y, self.cursor.x = row - top, x
        self.columns = columns

    def _pull_from_history(self, count: int) -> None:
        """Move the screen's rows down by `count` and fill the top with the newest history rows."""
        if count <= 0:
            return
        buffer = self.buffer
        get = buffer.get  # rows move without being built
        for y in range(self.lines - 1, -1, -1):
            row = get(y)
            if row is None:
                buffer.pop(y + count, None)
            else:
                buffer[y + count] = row
        history = self.history.top
        columns = self.columns
        for y in range(count - 1, -1, -1):
            row = history.pop()  # it may be wider: it left the screen before a narrowing
            for x in [x for x in row if x >= columns]:
                del row[x]
            buffer[y] = row
        self.history_added -= count
        self.cursor.y += count
        self.dirty.update(range(self.lines + count))

    def _clamp_cursor(self) -> None:
        cursor = self.cursor
        cursor.x = min(max(cursor.x, 0), self.columns)
        cursor.y = min(max(cursor.y, 0), self.lines - 1)
