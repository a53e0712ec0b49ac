"""A text selection in a terminal pane, in scrollback coordinates (knows nothing of widgets).

Lines are counted from the oldest scrollback line, so a selection stays on its text while the
view scrolls back and forth; columns are cells. Like a terminal's, it runs from one cell to
another through the lines between (not a rectangle).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Cell = tuple[int, int]  # (line, column)

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Selection:
    anchor: Cell
    head: Cell

    @classmethod
    def at(cls, line: int, column: int) -> Selection:
        return cls((line, column), (line, column))

    @classmethod
    def word(cls, line: int, column: int, cells: Sequence[str]) -> Selection:
        """The run of non-blank cells under `column` (just that cell on a blank)."""
        text = "".join(cell or "\0" for cell in cells)  # wide-character stubs keep their cell
        for match in _WORD.finditer(text):
            if match.start() <= column < match.end():
                return cls((line, match.start()), (line, match.end() - 1))
        return cls.at(line, column)

    @classmethod
    def line(cls, line: int, columns: int) -> Selection:
        return cls((line, 0), (line, columns - 1))

    def extend_to(self, line: int, column: int) -> Selection:
        return Selection(self.anchor, (line, column))

    @property
    def start(self) -> Cell:
        return min(self.anchor, self.head)

    @property
    def end(self) -> Cell:
        return max(self.anchor, self.head)

    @property
    def is_empty(self) -> bool:
        """A click without a drag selects nothing."""
        return self.anchor == self.head

    def span(self, line: int, columns: int) -> tuple[int, int] | None:
        """The cells [first, last) of `line` inside the selection, or None."""
        (first_line, first_column), (last_line, last_column) = self.start, self.end
        if not first_line <= line <= last_line:
            return None
        first = first_column if line == first_line else 0
        last = last_column + 1 if line == last_line else columns
        return (max(0, first), min(columns, last))

    def text(self, cells_of: Callable[[int], Sequence[str]], columns: int) -> str:
        """The selected text, one line per row, trailing blanks dropped."""
        lines = []
        for line in range(self.start[0], self.end[0] + 1):
            first, last = self.span(line, columns) or (0, 0)
            lines.append("".join(cells_of(line)[first:last]).rstrip())
        return "\n".join(lines)
