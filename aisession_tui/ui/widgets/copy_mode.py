"""Copy mode: select text in a pane's scrollback with the keyboard (tmux's copy mode, vi keys).

Pure state (knows nothing of widgets): a cursor in scrollback coordinates, and where the
selection began once `v` or Space started one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .selection import Cell, Selection

COPY_MODE_KEYS: list[tuple[str, str]] = [
    ("← ↓ ↑ → / h j k l", "Move"),
    ("PgUp / PgDn, Ctrl+U / Ctrl+D", "A page / half a page up or down"),
    ("0 / $, Home / End", "Start / end of the line"),
    ("g / G", "Oldest / newest line"),
    ("v or Space", "Start (or drop) a selection"),
    ("y or Enter", "Copy the selection (or the line) and leave"),
    ("Esc or q", "Leave without copying"),
]


class CopyAction(Enum):
    COPY = "copy"
    LEAVE = "leave"


_MOVES: dict[str, tuple[int, int]] = {
    "up": (-1, 0),
    "k": (-1, 0),
    "down": (1, 0),
    "j": (1, 0),
    "left": (0, -1),
    "h": (0, -1),
    "right": (0, 1),
    "l": (0, 1),
}


@dataclass
class CopyMode:
    line: int
    column: int
    anchor: Cell | None = None

    @property
    def selection(self) -> Selection | None:
        if self.anchor is None:
            return None
        return Selection(self.anchor, (self.line, self.column))

    def press(
        self, key: str, character: str | None, *, lines: tuple[int, int], columns: int, page: int
    ) -> CopyAction | None:
        """Apply one key; `lines` is the first and last line number (scrollback and screen),
        `page` the height of the view. Returns what the pane must do besides moving, if any."""
        name = character if character and character.isprintable() and character != " " else key
        line, column = self.line, self.column
        if name in _MOVES:
            down, right = _MOVES[name]
            line, column = line + down, column + right
        elif name in ("pageup", "pagedown"):
            line += page if name == "pagedown" else -page
        elif name in ("ctrl+u", "ctrl+d"):
            line += page // 2 if name == "ctrl+d" else -(page // 2)
        elif name in ("0", "home"):
            column = 0
        elif name in ("$", "end"):
            column = columns - 1
        elif name == "g":
            line = lines[0]
        elif name == "G":
            line = lines[1]
        elif name in ("v", "space"):
            self.anchor = None if self.anchor is not None else (self.line, self.column)
        elif name in ("y", "enter"):
            return CopyAction.COPY
        elif name in ("q", "escape"):
            return CopyAction.LEAVE
        self.line = min(max(line, lines[0]), lines[1])
        self.column = min(max(column, 0), columns - 1)
        return None
