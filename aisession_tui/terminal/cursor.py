"""Cursor movement, saving and soft reset as xterm does them, where pyte differs.

- DECSC / DECRC (`ESC 7` / `ESC 8`, and SCOSC / SCORC `CSI s` / `CSI u`) use one slot per screen
  buffer (pyte keeps a stack); DECRC sets origin mode to what was saved, on or off, and leaves
  autowrap alone (xterm does not save DECAWM); RIS forgets the slot, DECSTR homes it.
- A cursor outside the scroll region is not pulled into it: CUU/CUD and RI/IND from above or below
  the region stop at the screen's edge, not the region's.
- NEL returns to column 1; VPA clamps into the region under origin mode (pyte asserted); DSR 6
  under origin mode without a region reports from row 1.
- Reverse wraparound (`CSI ? 45 h`): BS in column 1 goes to the end of the row above.

Mixed into `TerminalScreen`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Char, Margins

from .cells import ScreenBuffer
from .screen_base import ScreenBase

#: Reverse wraparound, `CSI ? 45 h` (pyte stores private mode N as N << 5).
REVERSE_WRAP = 45 << 5


class SavedCursor(NamedTuple):
    """What DECSC saves (xterm: position, attributes, character sets, origin mode)."""

    x: int
    y: int
    attrs: Char
    g0_charset: Any
    g1_charset: Any
    charset: int
    origin: bool


class CursorMixin(ScreenBase):
    """DECSC/DECRC/SCOSC/SCORC, DECSTR, NEL, VPA, CUU/CUD/RI at the region's edges, DSR 6."""

    buffer: ScreenBuffer
    dirty: set[int]
    lines: int
    columns: int
    cursor: Any
    mode: set[int]
    margins: Margins | None
    g0_charset: Any
    g1_charset: Any
    charset: int
    _main_buffer: ScreenBuffer | None
    #: The saved cursor of the main (False) and alternate (True) screen.
    _saved_cursors: dict[bool, SavedCursor | None]

    # -- saving ----------------------------------------------------------------------------------

    def save_cursor(self) -> None:
        """DECSC `ESC 7`: one saved cursor per screen buffer; saving again replaces it."""
        cursor = self.cursor
        self._saved_cursors[self._main_buffer is not None] = SavedCursor(
            cursor.x,
            cursor.y,
            cursor.attrs,
            self.g0_charset,
            self.g1_charset,
            self.charset,
            mo.DECOM in self.mode,
        )

    def restore_cursor(self) -> None:
        """DECRC `ESC 8`: back to the saved cursor; origin mode becomes what was saved (set or
        reset); autowrap is not touched. Nothing saved: home, default attributes, no origin mode
        (as xterm)."""
        saved = self._saved_cursors.get(self._main_buffer is not None)
        cursor = self.cursor
        if saved is None:
            self.mode.discard(mo.DECOM)
            cursor.x = cursor.y = 0
            cursor.attrs = self.default_char
            return
        self.g0_charset, self.g1_charset, self.charset = (
            saved.g0_charset,
            saved.g1_charset,
            saved.charset,
        )
        if saved.origin:
            self.mode.add(mo.DECOM)
        else:
            self.mode.discard(mo.DECOM)
        cursor.x = min(saved.x, self.columns)  # `columns`: a wrap was pending
        cursor.y = min(saved.y, self.lines - 1)
        cursor.attrs = saved.attrs

    def save_cursor_or_set_margins(self, *params: int) -> None:
        """`CSI s`: SCOSC (save the cursor, as DECSC) unless left/right margin mode is on, where
        it is DECSLRM (set the left and right margins)."""
        set_margins = getattr(self, "set_left_right_margins", None)
        if set_margins is not None and getattr(self, "left_right_margin_mode", False):
            set_margins(*params)
        else:
            self.save_cursor()  # xterm saves whatever the parameters

    def restore_cursor_sco(self, *params: int) -> None:
        """SCORC `CSI u`: xterm treats it as DECRC (with parameters it is something else)."""
        if not params or params == (0,):
            self.restore_cursor()

    def forget_saved_cursors(self) -> None:
        """RIS: no saved cursor survives a full reset."""
        self._saved_cursors = {False: None, True: None}

    def soft_reset(self, *params: int) -> None:
        """DECSTR `CSI ! p`, as xterm: cursor shown, insert and origin modes off, normal cursor
        keys, full scroll region, default attributes and character sets, the saved cursor set to
        the home position; the screen, the cursor position and the tab stops stay."""
        cursor = self.cursor
        for flag in (mo.IRM, mo.DECOM, 1 << 5, REVERSE_WRAP):
            self.mode.discard(flag)
        self.set_mode(mo.DECTCEM >> 5, private=True)
        self.margins = None
        cursor.attrs = self.default_char
        self.charset = 0
        self.g0_charset = cs.LAT1_MAP
        self.g1_charset = cs.VT100_MAP
        x, y = cursor.x, cursor.y
        cursor.x = cursor.y = 0
        self.save_cursor()
        cursor.x, cursor.y = x, y
        self.on_soft_reset()

    def on_soft_reset(self) -> None:
        """Hook for mixins with their own DECSTR state (e.g. the cursor shape)."""

    # -- moving ----------------------------------------------------------------------------------

    def _region(self) -> tuple[int, int]:
        return self.margins or (0, self.lines - 1)

    def cursor_up(self, count: int | None = None) -> None:
        """CUU `CSI n A`: stops at the top margin, or at the top row from above the region."""
        top, _ = self._region()
        y = self.cursor.y
        self.cursor.y = max(y - (count or 1), top if y >= top else 0)

    def cursor_down(self, count: int | None = None) -> None:
        """CUD `CSI n B`: stops at the bottom margin, or at the last row from below the region."""
        _, bottom = self._region()
        y = self.cursor.y
        self.cursor.y = min(y + (count or 1), bottom if y <= bottom else self.lines - 1)

    def next_line(self) -> None:
        """NEL `ESC E`: to column 1 of the next line, scrolling at the bottom margin."""
        self.carriage_return()
        self.index()

    def cursor_to_line(self, line: int | None = None) -> None:
        """VPA `CSI n d`: to row n (of the scroll region under origin mode), same column."""
        y = (line or 1) - 1
        if mo.DECOM in self.mode:
            top, bottom = self._region()
            self.cursor.y = min(max(top, y + top), bottom)
        else:
            self.cursor.y = min(max(0, y), self.lines - 1)

    def backspace(self) -> None:
        """BS; with reverse wraparound (`CSI ? 45 h`) and autowrap, column 1 goes back to the last
        column of the row above (from the top row, of the bottom row, as xterm)."""
        cursor = self.cursor
        if cursor.x == 0 and REVERSE_WRAP in self.mode and mo.DECAWM in self.mode:
            cursor.x = self.columns - 1
            cursor.y = cursor.y - 1 if cursor.y > 0 else self.lines - 1
            return
        self.cursor_back()

    def report_device_status(self, mode: int, *args: Any, **kwargs: Any) -> None:
        """DSR `CSI 5 n` (status) and `CSI 6 n` (cursor position; under origin mode, relative to
        the scroll region, or to the screen when there is none)."""
        if kwargs.get("private") or args:
            return
        if mode == 5:
            self.write_process_input("\x1b[0n")
        elif mode == 6:
            x = min(self.cursor.x, self.columns - 1) + 1
            y = self.cursor.y + 1
            if mo.DECOM in self.mode:
                y -= self._region()[0]
            self.write_process_input(f"\x1b[{y};{x}R")
