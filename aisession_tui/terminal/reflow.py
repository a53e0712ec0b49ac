"""Reflow: lines the terminal wrapped are re-wrapped at a new width, as tmux and zellij do.

A row the cursor left by autowrap is marked `wrapped` (an attribute on the row object, so it moves
with the row when the screen scrolls); an explicit line feed or erasing to the end of the row
clears the mark. On a width change the rows of a logical line are joined and cut again at the new
width, so narrowing a pane wraps its text instead of cutting it, and widening joins it back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from pyte.screens import Char, StaticDefaultDict

from .cells import LazyRow, Row

#: Only this many of the newest scrollback rows are reflowed (older ones keep their width): a
#: resize must stay quick with a full 10,000-row scrollback.
REFLOW_HISTORY = 2000
#: The mark of a row that wrapped one cell early: a wide character did not fit in its last cell.
SHORT = "short"


def is_wrapped(row: Row) -> bool:
    """Did the text on this row continue on the next by autowrap?"""
    return bool(row.__dict__.get("wrapped", False))


def set_wrapped(row: Row, wrapped: bool | str) -> None:
    """Mark the row as continued on the next (`SHORT`: with its last cell left empty)."""
    if wrapped or "wrapped" in row.__dict__:
        row.__dict__["wrapped"] = wrapped


def _cells(row: Row, default: Char, limit: int) -> list[Char]:
    """The row's cells from column 0 up to its last one that is not the default blank."""
    if type(row) is LazyRow:
        text, attrs = row.unbuilt
        if text.isascii():
            blank = attrs[1:] == default[1:] and text.endswith(" ")
            text = text.rstrip(" ") if blank else text
            return [Char(char, *attrs[1:]) for char in text[:limit]]
    used = [x for x, char in row.items() if x < limit and char != default]
    if not used:
        return []
    return [row[x] for x in range(max(used) + 1)]


def _cut(cells: list[Char], columns: int) -> list[list[Char]]:
    """Cells in rows of at most `columns`; a wide character never straddles two rows."""
    rows: list[list[Char]] = []
    start = 0
    length = len(cells)
    while start < length:
        end = min(start + columns, length)
        if end < length and cells[end].data == "" and end - start > 1:
            end -= 1  # the wide character before the stub starts the next row
        rows.append(cells[start:end])
        start = end
    return rows or [[]]


def _row(cells: list[Char], default: Char) -> Row:
    row: Row = StaticDefaultDict(default)
    row.update((x, char) for x, char in enumerate(cells) if char != default)
    return row


def reflow(
    rows: list[Row],
    old_columns: int,
    columns: int,
    default: Char,
    cursor: tuple[int, int],
    anchor: int = 0,
) -> tuple[list[Row], tuple[int, int], int]:
    """`rows` (oldest first) re-wrapped from `old_columns` to `columns` wide; where the cursor
    (row index in `rows`, column) lands; and the row where row `anchor` now starts. Rows of
    one-row lines that fit are kept as they are."""
    out: list[Row] = []
    new_cursor = cursor
    new_anchor = anchor
    cursor_row, cursor_x = cursor
    count = len(rows)
    start = 0
    while start < count:
        end = start
        while end < count - 1 and is_wrapped(rows[end]):
            end += 1
        has_cursor = start <= cursor_row <= end
        if start <= anchor <= end:
            new_anchor = len(out)  # moved below for a row inside a re-cut line
        if start == end:
            row = rows[start]
            if type(row) is LazyRow and row.unbuilt[0].isascii():
                fits = len(row.unbuilt[0]) <= columns
            else:
                fits = len(_cells(row, default, old_columns)) <= columns
            if fits and (not has_cursor or cursor_x <= columns):
                if type(row) is not LazyRow:
                    for x in [x for x in row if x >= columns]:
                        del row[x]  # blanks past the new edge
                if has_cursor:
                    new_cursor = (len(out), cursor_x)
                out.append(row)
                start = end + 1
                continue
        group = rows[start : end + 1]
        offset = (cursor_row - start) * old_columns + cursor_x if has_cursor else -1
        pieces: list[Any]
        if _same_text_attributes(group):
            pieces = _rewrap_text(group, old_columns, columns, offset, default)
            make: Callable[[Any], Row] = group[0].with_text  # type: ignore[attr-defined]
        else:
            cells: list[Char] = []
            for row in group[:-1]:
                width = old_columns - (row.__dict__["wrapped"] == SHORT)
                part = _cells(row, default, width)
                cells.extend(part + [default] * (width - len(part)))
            cells.extend(_cells(group[-1], default, old_columns))
            if has_cursor and offset > len(cells):
                cells.extend([default] * (offset - len(cells)))
            pieces = _cut(cells, columns)
            make = partial(_row, default=default)
        first = len(out)
        for index, piece in enumerate(pieces):
            row = make(piece)
            set_wrapped(row, index < len(pieces) - 1)
            out.append(row)
        if has_cursor:
            new_cursor = _locate(pieces, offset, first, columns)
        if start < anchor <= end:
            new_anchor = _locate(pieces, (anchor - start) * old_columns, first, columns)[0]
        start = end + 1
    return out, new_cursor, new_anchor


def _same_text_attributes(group: list[Row]) -> bool:
    """Are these unbuilt rows of plain text, all in the same attributes?"""
    head = group[0]
    if type(head) is not LazyRow:
        return False
    attrs = head.unbuilt[1]
    return all(
        type(row) is LazyRow and row.unbuilt[1] == attrs and row.unbuilt[0].isascii()
        for row in group
    )


def _rewrap_text(
    group: list[Row], old_columns: int, columns: int, cursor: int, default: Char
) -> list[str]:
    """The text of unbuilt rows of one line, cut at `columns`; trailing blanks go as for built
    rows, except up to the cursor."""
    texts = [row.unbuilt[0] for row in group]  # type: ignore[attr-defined]
    text = "".join(part.ljust(old_columns) for part in texts[:-1]) + texts[-1]
    if group[0].unbuilt[1][1:] == default[1:]:  # type: ignore[attr-defined]
        text = text.rstrip(" ")
    text = text.ljust(cursor)
    return [text[i : i + columns] for i in range(0, len(text), columns)] or [""]


def _locate(pieces: list[Any], offset: int, first: int, columns: int) -> tuple[int, int]:
    """The row and column of cell `offset` of a logical line cut into `pieces` (never empty);
    past the end it is on the last row, at most at the pending-wrap column."""
    for index, piece in enumerate(pieces[:-1]):
        if offset < len(piece):
            return first + index, offset
        offset -= len(piece)
    return first + len(pieces) - 1, min(offset, columns)
