"""`Emulator`: one terminal's state, fed with the raw bytes a session's child writes.

It owns a `TerminalScreen` and a `TerminalByteStream`, never raises on what the child sends, and
gives the pane what it needs to paint (dirty rows, history rows, cursor, modes) without Textual.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pyte import modes as mo

from .events import TerminalEvent
from .screen import (
    BRACKETED_PASTE,
    DECCKM,
    FOCUS_EVENTS,
    MOUSE_SGR,
    SYNCHRONIZED_OUTPUT,
    LazyRow,
    Row,
    SpanRow,
    TerminalScreen,
)
from .stream import TerminalByteStream

__all__ = ["DEFAULT_SCROLLBACK", "Emulator"]

log = logging.getLogger(__name__)

DEFAULT_SCROLLBACK = 10_000
_MAX_SIZE = 10_000


def _clamp_size(value: int) -> int:
    return max(1, min(int(value), _MAX_SIZE))


class Emulator:
    """A terminal emulator for one session (pyte based, fast paths in `TerminalScreen`).

    `on_event` receives `TitleChanged`, `CwdChanged`, `PromptMark`, `Bell` and `ModesChanged`;
    `reply` receives bytes that must be written back to the child (answers to DA, DSR/CPR, colour
    queries). Both are called synchronously from `feed`.
    """

    def __init__(
        self,
        columns: int = 80,
        lines: int = 24,
        *,
        scrollback: int = DEFAULT_SCROLLBACK,
        on_event: Callable[[TerminalEvent], None] | None = None,
        reply: Callable[[bytes], None] | None = None,
    ) -> None:
        if scrollback < 0:
            raise ValueError(f"scrollback must be >= 0, got {scrollback}")
        self._on_event = on_event
        self._reply = reply
        self.screen = TerminalScreen(
            _clamp_size(columns),
            _clamp_size(lines),
            history=scrollback,
            on_event=self._emit,
            reply=self._send_reply,
        )
        self.screen.allow_column_mode = False  # `CSI ? 3 h` must not resize a pane behind our back.
        self.stream = TerminalByteStream(self.screen)

    # -- input ------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Parse bytes from the child. Split UTF-8 sequences across calls are fine; invalid bytes
        become U+FFFD; nothing a child sends makes this raise. A sequence whose handler fails is
        skipped alone: the stream parses the rest of the chunk (and the screen repairs itself)
        before it reports the first failure, which is logged here."""
        try:
            self.stream.feed(data)
        except Exception:
            log.debug("a terminal sequence failed and was skipped", exc_info=True)

    def resize(self, lines: int, columns: int) -> None:
        """Resize the screen (the caller resizes the PTY): wrapped lines are re-wrapped to the new
        width, the cursor row stays visible and rows leaving the top go into scrollback."""
        lines, columns = _clamp_size(lines), _clamp_size(columns)
        if lines == self.screen.lines and columns == self.screen.columns:
            return
        self.screen.resize_keeping_cursor(lines, columns)

    def set_default_colors(self, foreground: str, background: str) -> None:
        """The pane's default colours ("#rrggbb"), reported to programs that ask (OSC 10/11,
        e.g. to choose a light or dark theme)."""
        self.screen.default_colors = (_hex_digits(foreground), _hex_digits(background))

    def _emit(self, event: TerminalEvent) -> None:
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("terminal event listener failed on %r", event)

    def _send_reply(self, data: bytes) -> None:
        if self._reply is not None:
            try:
                self._reply(data)
            except Exception:
                log.exception("could not write a terminal reply to the child")

    # -- state the pane reads ---------------------------------------------------------------------

    @property
    def columns(self) -> int:
        return self.screen.columns

    @property
    def lines(self) -> int:
        return self.screen.lines

    @property
    def title(self) -> str:
        return self.screen.title

    @property
    def cwd(self) -> str | None:
        return self.screen.cwd

    @property
    def cursor(self) -> tuple[int, int]:
        """Cursor cell (x, y); x is clamped to the last column (pyte parks it one past the end)."""
        cursor = self.screen.cursor
        return min(cursor.x, self.screen.columns - 1), cursor.y

    @property
    def cursor_visible(self) -> bool:
        return not self.screen.cursor.hidden

    @property
    def alternate_screen(self) -> bool:
        return self.screen.alternate_screen

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self.screen.mode

    @property
    def application_cursor_keys(self) -> bool:
        return DECCKM in self.screen.mode

    @property
    def keyboard_flags(self) -> int:
        """The kitty keyboard protocol flags the program pushed (0: legacy key encoding)."""
        return self.screen.keyboard_flags

    @property
    def color_overrides(self) -> dict[int | str, str]:
        """Colours the program set: palette index -> "rrggbb" (OSC 4), and "fg", "bg",
        "cursor" (OSC 10/11/12). The pane draws with them over its theme's."""
        return self.screen.color_overrides

    def set_ansi_colors(self, colors: tuple[str, ...]) -> None:
        """The pane's 16 ANSI colours ("#rrggbb"), reported to programs that ask (OSC 4)."""
        if len(colors) != 16:
            raise ValueError(f"expected 16 colours, got {len(colors)}")
        self.screen.ansi_colors = tuple(_hex_digits(value) for value in colors)

    @property
    def mouse_mode(self) -> int:
        """0 (off), 9 (X10), 1000 (clicks), 1002 (drag), 1003 (any motion)."""
        return self.screen.mouse_mode

    @property
    def focus_events(self) -> bool:
        """Mode 1004: the program wants `CSI I` / `CSI O` when the pane gains / loses focus."""
        return FOCUS_EVENTS in self.screen.mode

    @property
    def synchronized_output(self) -> bool:
        """Mode 2026: the program is drawing a frame; show the screen once it says it is done."""
        return SYNCHRONIZED_OUTPUT in self.screen.mode

    @property
    def mouse_sgr(self) -> bool:
        return MOUSE_SGR in self.screen.mode

    @property
    def reverse_video(self) -> bool:
        return mo.DECSCNM in self.screen.mode

    @property
    def history_size(self) -> int:
        """Scrollback rows above the screen (0 while the alternate screen is shown)."""
        if self.screen.alternate_screen:
            return 0
        return len(self.screen.history.top)

    @property
    def first_line(self) -> int:
        """The number of the oldest scrollback line, counting every line that ever scrolled off:
        a line keeps its number while newer output pushes older lines out of the scrollback."""
        return self.screen.history_added - len(self.screen.history.top)

    @property
    def history_end(self) -> int:
        """One past the number of the newest scrollback line (see `first_line`); it keeps its
        value while the alternate screen is shown."""
        return self.screen.history_added

    def scrollback_since(self, line: int, limit: int | None = None) -> list[str]:
        """The text of scrollback lines numbered `line` and later (at most `limit` of them),
        oldest first, also while the alternate screen is shown (the main screen's scrollback
        is still there)."""
        top = self.screen.history.top
        start = max(0, line - self.first_line)
        stop = len(top) if limit is None else min(len(top), start + limit)
        columns = self.screen.columns
        return [row_text(top[i], columns) for i in range(start, stop)]

    def scrollback_row(self, line: int) -> object | None:
        """The row object of scrollback line `line` (None if gone): compared by identity, it
        tells whether the scrollback was rewritten (re-wrapped, pulled back) since."""
        index = line - self.first_line
        top = self.screen.history.top
        return top[index] if 0 <= index < len(top) else None

    def history_row(self, index: int) -> Row:
        """Scrollback row `index` (0 = oldest); like `row`, it may still be a `LazyRow`."""
        row: Row = self.screen.history.top[index]
        return row

    def row(self, y: int) -> Row:
        """Visible row `y` as stored, without creating it when it is blank. A flood's rows may
        still be `LazyRow`s: drawn and read as text unbuilt, built on their first cell access."""
        row = dict.get(self.screen.buffer, y)
        return _blank_row(self.screen) if row is None else row

    def take_dirty(self) -> set[int]:
        """Screen rows changed since the last call (then forgotten); only rows on screen."""
        screen = self.screen
        dirty = {y for y in screen.dirty if 0 <= y < screen.lines}
        screen.dirty.clear()
        return dirty

    def text_lines(self) -> list[str]:
        """The visible screen as text, one string per row (wide characters once)."""
        return [row_text(self.row(y), self.screen.columns) for y in range(self.screen.lines)]

    def history_text(self) -> list[str]:
        """Scrollback as text, oldest first."""
        columns = self.screen.columns
        return [row_text(self.history_row(i), columns) for i in range(self.history_size)]


def _hex_digits(value: str) -> str:
    """ "#rrggbb" as "rrggbb" (lower case); anything else is a ValueError."""
    digits = value.removeprefix("#")
    if len(digits) != 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(f"expected a #rrggbb colour, got {value!r}")
    return digits.lower()


def _blank_row(screen: TerminalScreen) -> Row:
    from pyte.screens import StaticDefaultDict

    return StaticDefaultDict(screen.default_char)


def row_text(row: Row, columns: int) -> str:
    """A row as text: each cell's data, wide-character stubs ("") contributing nothing."""
    if type(row) is LazyRow:
        text, _ = row.unbuilt
        return text[:columns] + row.default.data * max(0, columns - len(text))
    if type(row) is SpanRow:
        return row.text(columns)
    return "".join(row[x].data for x in range(columns))
