"""Resizing a screen like xterm and tmux do: the cursor row stays in view, rows leaving the top
go to the scrollback and come back from it when the screen grows. Mixed into `TerminalScreen`."""

from __future__ import annotations

from typing import Any

from .cells import ScreenBuffer


class ResizeMixin:
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
        """Resize like xterm/tmux: when rows are removed, the cursor row stays visible; rows that
        leave the top go to scrollback (main screen) and blank rows below the cursor go first.
        When rows are added, rows come back from the scrollback first, so what was shown stays
        at the bottom (a shell's prompt does not jump up when its pane is zoomed)."""
        lines = max(1, lines)
        columns = max(1, columns)
        old_columns = self.columns
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
