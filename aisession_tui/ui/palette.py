"""The terminal palette of the current theme."""

from __future__ import annotations

from textual.theme import Theme

from .render import Palette
from .themes import LoadedThemes


def palette_for(themes: LoadedThemes, theme: Theme) -> Palette:
    """Pane colours for a theme: its `[terminal]` table, or colours derived from a Textual theme."""
    colors = themes.terminal_colors(theme)
    return Palette(
        foreground=colors.foreground,
        background=colors.background,
        ansi=colors.ansi,
        cursor=colors.cursor,
    )
