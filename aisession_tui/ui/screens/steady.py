"""A screen whose focus changes repaint only the widgets they concern.

Textual's `Screen.focused` is a reactive that repaints the whole screen when it changes: with
twenty panes, Alt+N (or closing a dialog, which gives focus back) composited every pane and panel
again although only the two panes focus moved between (and widgets whose focus styles changed,
which Textual refreshes itself) look any different.
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget


class SteadyScreen(Screen[None]):
    """The app's main screen: the same as Textual's, but moving focus repaints no more than the
    focus and blur of the widgets concerned do."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
