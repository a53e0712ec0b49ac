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
from textual.notifications import SeverityLevel

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


class LiteralNotifications:
    """Mixed into the app before `App`: every `notify()` (the app's, a widget's, a screen's)
    shows its message and title literally, bounded, without controls. Toasts quote children,
    session names and socket messages, so markup is always off: `markup` is accepted but not
    honoured, since a widget's or screen's `notify()` passes on its default `markup=True`."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        notify = super().notify  # type: ignore[misc]
        notify(
            display_block(message, NOTICE_LIMIT, NOTICE_LINES),
            title=display_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )


__all__ = ["LiteralNotifications", "block_content", "line_content", "line_text"]
