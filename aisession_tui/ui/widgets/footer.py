"""The key bar: Textual's `Footer`, recomposed only when the keys it shows change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

_Shown = tuple[tuple[str, str, str, bool, str], ...]


class KeyFooter(Footer):
    """A `Footer` that skips rebuilding itself when focus moves but the keys it shows stay.

    Textual's footer rebuilds its keys (new widgets, styles, a layout: about 10 ms) whenever
    the focused widget changes; moving between panes, whose keys are all the screen's and the
    app's, changes none.
    """

    _shown_keys: _Shown | None = None

    def _shown(self, screen: Screen) -> _Shown:
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        composed = False
        for widget in super().compose():
            composed = True
            yield widget
        self._shown_keys = self._shown(self.screen) if composed else None

    def bindings_changed(self, screen: Screen) -> None:
        unchanged = self._shown_keys is not None and screen is self.screen
        if unchanged and self._shown(screen) == self._shown_keys:
            return
        super().bindings_changed(screen)
