"""Terminal modes beyond pyte's: the alternate screen, the modes the pane reads (keys, mouse,
paste, focus, synchronized output) and DECRQM mode reports. Mixed into `TerminalScreen`."""

from __future__ import annotations

from typing import Any

from pyte import modes as mo
from pyte.screens import StaticDefaultDict

from .cells import ScreenBuffer
from .events import ModesChanged
from .screen_base import ScreenBase

# Private modes (pyte stores private mode N as N << 5).
DECCKM = 1 << 5
MOUSE_X10 = 9 << 5
MOUSE_NORMAL = 1000 << 5
MOUSE_BUTTON = 1002 << 5
MOUSE_ANY = 1003 << 5
MOUSE_SGR = 1006 << 5
ALT_47 = 47 << 5
ALT_1047 = 1047 << 5
ALT_1049 = 1049 << 5
BRACKETED_PASTE = 2004 << 5
FOCUS_EVENTS = 1004 << 5
SYNCHRONIZED_OUTPUT = 2026 << 5
_ALT_MODES = frozenset((ALT_47, ALT_1047, ALT_1049))
#: Modes DECRQM reports as set or reset (others: "not recognised").
_KNOWN_PRIVATE_MODES = frozenset(
    (1, 5, 6, 7, 9, 25, 45, 47, 69, 1000, 1002, 1003, 1004, 1006, 1047, 1049, 2004, 2026)
)
_KNOWN_ANSI_MODES = frozenset((4, 20))
_MOUSE_MODES = (MOUSE_ANY, MOUSE_BUTTON, MOUSE_NORMAL, MOUSE_X10)
_WATCHED = frozenset(
    (
        DECCKM,
        MOUSE_X10,
        MOUSE_NORMAL,
        MOUSE_BUTTON,
        MOUSE_ANY,
        MOUSE_SGR,
        BRACKETED_PASTE,
        FOCUS_EVENTS,
        *tuple(_ALT_MODES),
        mo.DECTCEM,
    )
)


class ModesMixin(ScreenBase):
    """Mode changes with their side effects; `ModesChanged` when a mode the pane reads changes."""

    mode: set[int]
    buffer: ScreenBuffer
    dirty: set[int]
    lines: int
    cursor: Any
    allow_column_mode: bool
    _main_buffer: ScreenBuffer | None
    _alt_savepoint: bool
    margins: Any
    erase_in_display: Any

    @property
    def alternate_screen(self) -> bool:
        return self._main_buffer is not None

    @property
    def mouse_mode(self) -> int:
        mode = self.mode
        for flag in _MOUSE_MODES:
            if flag in mode:
                return flag >> 5
        return 0

    def _watched_modes(self) -> tuple[bool, ...]:
        mode = self.mode
        return (*(flag in mode for flag in sorted(_WATCHED)), self.cursor.hidden)

    def _allowed(self, modes: tuple[int, ...], private: bool) -> tuple[int, ...]:
        """Without `allow_column_mode`, DECCOLM (`CSI ? 3 h/l`, 80/132 columns) does not resize:
        a pane's size is not the program's to set."""
        if private and not self.allow_column_mode and 3 in modes:
            # xterm with column switching: the screen is cleared, the margins reset and the
            # cursor homed; only the size stays.
            self.margins = None
            self.erase_in_display(2)
            self.cursor.x = self.cursor.y = 0
            return tuple(m for m in modes if m != 3)
        return modes

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        """SM / DECSET, plus the alternate screen and the modes the pane reads."""
        private = bool(kwargs.get("private"))
        modes = self._allowed(modes, private)
        before = self._watched_modes()
        if private:
            shifted = [m << 5 for m in modes]
            # One mouse protocol at a time, as in xterm.
            if any(m in _MOUSE_MODES for m in shifted):
                self.mode.difference_update(_MOUSE_MODES)
            for alt in _ALT_MODES.intersection(shifted):
                self._enter_alternate(alt)
        super().set_mode(*modes, **kwargs)
        if before != self._watched_modes():
            self.emit(ModesChanged())

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        """RM / DECRST, plus leaving the alternate screen."""
        private = bool(kwargs.get("private"))
        modes = self._allowed(modes, private)
        before = self._watched_modes()
        if private:
            for alt in _ALT_MODES.intersection(m << 5 for m in modes):
                self._leave_alternate(alt)
        super().reset_mode(*modes, **kwargs)
        if before != self._watched_modes():
            self.emit(ModesChanged())

    def _new_buffer(self) -> ScreenBuffer:
        return ScreenBuffer(lambda: StaticDefaultDict(self.default_char))

    def _enter_alternate(self, mode: int) -> None:
        """`CSI ? 47/1047/1049 h`: draw on a separate, blank buffer; 1049 saves the cursor first."""
        if self._main_buffer is not None:
            return
        if mode == ALT_1049:
            self.save_cursor()
            self._alt_savepoint = True
        self._main_buffer = self.buffer
        self.buffer = self._new_buffer()
        self.dirty.update(range(self.lines))

    def _leave_alternate(self, mode: int) -> None:
        """`CSI ? 47/1047/1049 l`: back to the main buffer (and cursor, for 1049)."""
        if self._main_buffer is None:
            return
        self.buffer = self._main_buffer
        self._main_buffer = None
        self.dirty.update(range(self.lines))
        if self._alt_savepoint:
            self._alt_savepoint = False
            self.restore_cursor()

    def report_mode(self, mode: int, *, private: bool = False) -> None:
        """DECRQM `CSI ? Ps $ p` / `CSI Ps $ p`: is mode Ps set (1), reset (2) or unknown (0)?
        Programs ask before they use a mode, e.g. synchronized output (2026)."""
        known = _KNOWN_PRIVATE_MODES if private else _KNOWN_ANSI_MODES
        flag = mode << 5 if private else mode
        status = 1 if flag in self.mode else 2 if mode in known else 0
        mark = "?" if private else ""
        self.write_process_input(f"\x1b[{mark}{mode};{status}$y")
