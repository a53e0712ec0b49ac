"""Every key binding of the app, grouped by where it works."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Static

from ..literal import line_content
from .dialog import DialogScreen

HelpSections = Sequence[tuple[str, Sequence[tuple[str, str]]]]
"""(section title, [(keys, description), ...]) in display order."""


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
                for heading, rows in self.sections:
                    yield Static(line_content(heading), classes="help-section-title")
                    with Grid(classes="help-grid"):
                        for keys, description in rows:
                            yield Static(line_content(keys), classes="help-key")
                            yield Static(line_content(description), classes="help-desc")
            yield Static("↑↓ pgup pgdn scroll · esc / q / ? close", classes="dialog-hint")

    def on_screen_resume(self) -> None:
        """Opened again (the app keeps this screen): from the top, as when first opened."""
        self.query_one("#help-body", VerticalScroll).scroll_home(animate=False)
