"""Every use of Textual's private API, in one place, each with a test in
tests/ui/test_textual_compat.py: a Textual upgrade that changes one fails there, loudly."""

from __future__ import annotations

from textual.widget import Widget


def forget_removed_children(widget: Widget) -> None:
    """Drop what `widget` caches about children it no longer has.

    Textual keeps the last four arrangements of a container (`Widget._arrangement_cache`), each
    holding the children it placed, and a list of its displayed children that is rebuilt only
    when next read (`NodeList._displayed_nodes`): without this, a closed pane and its
    scrollback stayed in memory until enough later layouts happened.
    """
    widget._clear_arrangement_cache()
    _ = widget.displayed_children  # rebuilds the stale list (public API, private effect)
