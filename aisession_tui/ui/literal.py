"""Untrusted text for Rich and Textual: always literal, never markup, only drawing characters.

Every name, title, cwd, parsed result, state reason or message a widget shows goes through one
of these, so `[/x]` stays brackets (no `MarkupError`), `[@click=app.quit]` stays words (no
action), and an ESC never reaches the outer terminal. Widgets must not build markup strings
from such text, and must not hand a plain `str` to a `DataTable` cell or a Rich `Table` (both
parse strings as markup).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from ..core.display_text import display_block, display_line

#: A toast is a few lines in the corner, not a log.
NOTICE_LIMIT = 600
NOTICE_LINES = 8


def line_text(value: object, style: str = "") -> Text:
    """`value` as a one-line Rich `Text` (table cells, Details values)."""
    return Text(display_line(value), style=style, no_wrap=False)


def line_content(value: object, style: str = "") -> Content:
    """`value` as one line of Textual `Content` (title bars, labels)."""
    return Content.styled(display_line(value), style) if style else Content(display_line(value))


def block_content(value: object) -> Content:
    """`value` as bounded lines of Textual `Content` (previews, questions)."""
    return Content(display_block(value))


def literal_notice(message: object, title: object = "") -> tuple[str, str]:
    """A toast's message and title as they are shown: literally (the app's `notify` turns markup
    off), bounded, without controls. Toasts quote children, session names and socket messages."""
    return display_block(message, NOTICE_LIMIT, NOTICE_LINES), display_line(title)


__all__ = ["block_content", "line_content", "line_text", "literal_notice"]
