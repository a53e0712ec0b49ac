"""The app's theme: the one it starts with, and the panes' palette for the current one."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

from .render import Palette
from .themes import DEFAULT_THEME, LoadedThemes


def start_theme(app: App[None], themes: LoadedThemes, name: str) -> None:
    """Offer the loaded themes and switch to `name`; a skipped theme file or an unknown name is
    a warning (the default theme is used), not a failure."""
    themes.register(app)
    for message in themes.errors:
        app.notify(message, title="Theme file skipped", severity="warning", timeout=10)
    if name in app.available_themes:
        app.theme = name
        return
    if DEFAULT_THEME in app.available_themes:
        app.theme = DEFAULT_THEME
    app.notify(
        f"Theme {name!r} is not available; using {app.theme!r}", severity="warning", timeout=10
    )


def palette_for(themes: LoadedThemes, theme: Theme) -> Palette:
    """Pane colours for a theme: its `[terminal]` table, or colours derived from a Textual theme."""
    colors = themes.terminal_colors(theme)
    return Palette(
        foreground=colors.foreground,
        background=colors.background,
        ansi=colors.ansi,
        cursor=colors.cursor,
    )
