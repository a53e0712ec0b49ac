"""Every use of Textual's private API, in one place, each with a test in
tests/ui/test_textual_compat.py: a Textual upgrade that changes one fails there, loudly.

Written against Textual 8.2.8 (pinned in pyproject.toml). The one other place is
`alt_keys.py`, which patches Textual's key parser (`textual._xterm_parser`,
`textual._ansi_sequences`) so Alt+<key> reaches the panes; its test is here too.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets._footer import FooterKey as FooterKey

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


__all__ = ["FooterKey", "forget_removed_children", "show_now"]
