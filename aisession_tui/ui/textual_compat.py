"""Every use of Textual's private API, in one place, each with a test in
tests/ui/test_textual_compat.py: a Textual upgrade that changes one fails there, loudly.

Written against Textual 8.2.8 (pinned in pyproject.toml). The one other place is
`alt_keys.py`, which patches Textual's key parser (`textual._xterm_parser`,
`textual._ansi_sequences`) so Alt+<key> reaches the panes; its test is here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from textual.render import measure
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets._data_table import default_cell_formatter
from textual.widgets._footer import FooterKey as FooterKey
from textual.widgets.data_table import ColumnKey, RowKey

# `FooterKey` (textual.widgets._footer): one key of Textual's `Footer`, which only lists the
# screen's own bindings; the prefix bar (prefix_bar.py) lists the prefix commands with
# it, looking exactly as the footer does.


def forget_removed_children(widget: Widget) -> None:
    """Drop what `widget` caches about children it no longer has.

    Textual keeps the last four arrangements of a container (`Widget._arrangement_cache`), each
    holding the children it placed, and a list of its displayed children that is rebuilt only
    when next read (`NodeList._displayed_nodes`): without this, a closed pane and its
    scrollback stayed in memory until enough later layouts happened.
    """
    widget._clear_arrangement_cache()
    _ = widget.displayed_children  # rebuilds the stale list (public API, private effect)


def show_now(widget: Widget) -> None:
    """Put `widget`'s refreshed regions on the terminal at once, as Textual's update timer would
    at its next tick (`Screen._dirty_widgets`, `Screen._on_timer_update`); nothing while the
    app batches updates (`App._batch_count`) or the widget's screen is not shown."""
    screen = widget.screen
    if screen.is_current and not widget.app._batch_count:
        screen._dirty_widgets.add(widget)
        screen._on_timer_update()


def keep_strips_acyclic() -> None:
    """Stop `Strip.divide` from making every strip the compositor draws a reference cycle
    (idempotent; Textual's method is wrapped once).

    Dividing a strip at its own length returns `[self]`, which Textual caches in the strip
    itself (`Strip._divide_cache`): strip -> cache -> list -> strip. The compositor does that
    for every line of a widget no other widget overlaps, so each repainted row left a cycle
    (the strip, its segments and its seven caches, ~2 KB) that only a full collection frees,
    and the app's calmed collector runs one rarely: at ten busy panes RSS grew ~9 MB/min.
    Not caching `[self]` (nothing to compute) lets reference counting free the strip at once.
    """
    original = Strip.divide
    if getattr(original, "_acyclic", False):
        return

    def divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        strips = original(self, cuts)
        if len(strips) == 1 and strips[0] is self:
            self._divide_cache.clear()
        return strips

    divide._acyclic = True  # type: ignore[attr-defined]
    Strip.divide = divide  # type: ignore[method-assign]


def update_rows_in_place(
    table: DataTable[Any], changes: Mapping[str, Mapping[str, object]]
) -> list[str]:
    """Set cells (row key -> column key -> value) and re-render only their rows; the rows left
    alone (returned) are those where a new value is not as wide as the old one, so that a
    column's width may change: `DataTable.update_cell` is for them.

    `DataTable.update_cell` bumps the table's `_update_count`, a part of the key of every render
    cache (`_row_render_cache`, `_cell_render_cache`, `_row_renderable_cache`, `_line_cache`),
    so any change re-rendered every row: about 24 ms for 21 sessions. Here only the entries of
    the changed rows are dropped (one pass over each cache; the joined lines are cheap to build
    again from the rows).
    """
    done: set[RowKey] = set()
    left: list[str] = []
    for row, cells in changes.items():
        row_key = RowKey(row)
        data = table._data[row_key]
        new = {ColumnKey(column): value for column, value in cells.items()}
        if any(
            _cell_width(table, data[key]) != _cell_width(table, value) for key, value in new.items()
        ):
            left.append(row)
            continue
        data.update(new)
        done.add(row_key)
    if not done:
        return left
    for cache in (table._row_render_cache, table._cell_render_cache):
        stale = [key for key in cache.keys() if key[0] in done]  # noqa: SIM118 (no __iter__)
        for key in stale:
            cache.discard(key)
    table._line_cache.clear()
    for row_key in done:
        index = table.get_row_index(row_key)
        table._row_renderable_cache.discard((table._update_count, index))
        table.refresh_row(index)
    return left


def _cell_width(table: DataTable[Any], value: object) -> int:
    return measure(table.app.console, default_cell_formatter(value), 1)


__all__ = [
    "FooterKey",
    "forget_removed_children",
    "keep_strips_acyclic",
    "show_now",
    "update_rows_in_place",
]
