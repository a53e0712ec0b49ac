"""Every key binding of the app, grouped by where it works."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ...core.display_text import display_line
from ..literal import line_content
from ..widgets.rendered_lines import RenderedLines
from .dialog import DialogScreen

HelpSections = Sequence[tuple[str, Sequence[tuple[str, str]]]]
"""(section title, [(keys, description), ...]) in display order."""


class HelpCard(RenderedLines):
    """The card's sections, rendered once per width (see `RenderedLines`).

    As a `Static` for each title, key and description (about 120), every opening of the card
    styled and laid out each of them again: 50-60 ms with twenty panes, 250 ms the first time.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "help-card--title",
        "help-card--key",
        "help-card--desc",
    }

    def __init__(self, sections: HelpSections, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sections = [(heading, list(rows)) for heading, rows in sections]

    def renderable(self) -> RenderableType:
        title, key, description = (
            self.get_component_rich_style(f"help-card--{part}", partial=True)
            for part in ("title", "key", "desc")
        )
        parts: list[RenderableType] = []
        for index, (heading, rows) in enumerate(self.sections):
            if index:
                parts.append(Text())
            parts.append(Text(display_line(heading), style=title))
            grid = Table.grid(padding=(0, 2), expand=True)
            grid.add_column(width=22, style=key)
            grid.add_column(ratio=1, style=description)
            for keys, text in rows:  # `Text`, never markup
                grid.add_row(Text(display_line(keys)), Text(display_line(text)))
            parts.append(grid)
        return Group(*parts)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._width = 0  # a new theme: its colours when next rendered

    @property
    def text_lines(self) -> list[str]:
        """The card as laid out, a string per line (trailing blanks dropped)."""
        return ["".join(segment.text for segment in line).rstrip() for line in self._lines]


class HelpScreen(DialogScreen[None]):
    """A scrollable reference card; the app builds `sections` from its own binding tables.

    Titles, keys and descriptions are shown literally (never parsed as markup), so a key
    such as `[` or a description with brackets displays as written.
    """

    AUTO_FOCUS = "#help-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "cancel", "Close", show=False),
    ]

    def __init__(
        self,
        sections: HelpSections,
        *,
        title: str = "Keys",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.sections = [(heading, list(rows)) for heading, rows in sections]
        self.dialog_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = line_content(self.dialog_title)
            with VerticalScroll(id="help-body"):
                yield HelpCard(self.sections)
            yield Static("↑↓ pgup pgdn scroll · esc / q / ? close", classes="dialog-hint")

    def on_screen_resume(self) -> None:
        """Opened again (the app keeps this screen): from the top, as when first opened."""
        self.query_one("#help-body", VerticalScroll).scroll_home(animate=False)
