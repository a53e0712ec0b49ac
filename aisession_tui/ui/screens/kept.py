"""Screens composed once and shown again each time they are opened.

Composing a screen is the dear part of opening it: the help card's ninety rows are widgets to
mount, style and lay out, which made `prefix ?` take a few hundred milliseconds every time. A
kept screen is installed in the app (Textual then leaves it mounted when it is closed) and
pushed again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.app import App
from textual.screen import Screen

ScreenT = TypeVar("ScreenT", bound=Screen[object])


class KeptScreens:
    """The app's kept screens, by name; each built the first time it is asked for."""

    def __init__(self, app: App[object]) -> None:
        self._app = app
        self._screens: dict[str, Screen[object]] = {}

    def get(self, name: str, build: Callable[[], ScreenT]) -> ScreenT:
        screen = self._screens.get(name)
        if screen is None:
            screen = build()
            self._app.install_screen(screen, f"kept-{name}")
            self._screens[name] = screen
        return screen  # type: ignore[return-value]  # built by `build` under this name
