"""Searching a pane's scrollback: plain text or regex, with case and direction options."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from .dialog import DialogScreen, FormField, show_verdict
from .requests import SearchDirection, SearchRequest
from .validators import CompilableRegex, Required


class SearchScreen(DialogScreen[SearchRequest]):
    """Asks what to find; dismisses with a `SearchRequest` or `None`.

    A bad regex is reported under the field as it is typed and blocks submitting, so the
    caller can compile `SearchRequest.compile()` without guarding against `re.error`.
    The keyword options let the app reopen the dialog with the last search's settings.
    """

    AUTO_FOCUS = "#pattern"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("alt+r", "toggle('#regex')", "Regex", show=False),
        Binding("alt+c", "toggle('#case')", "Case", show=False),
    ]

    def __init__(
        self,
        initial: str = "",
        *,
        regex: bool = False,
        case_sensitive: bool = False,
        direction: SearchDirection = "up",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.initial = initial
        self.initial_regex = regex
        self.initial_case_sensitive = case_sensitive
        self.initial_direction: SearchDirection = direction
        self._regex = regex

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Search scrollback"
            yield FormField(
                "Find",
                Input(
                    self.initial,
                    placeholder="text or regex",
                    id="pattern",
                    validators=[
                        Required("something to search for"),
                        CompilableRegex(self._regex_on),
                    ],
                ),
            )
            with Horizontal(classes="options"):
                yield Checkbox("Regex (alt+r)", self.initial_regex, id="regex", compact=True)
                yield Checkbox(
                    "Match case (alt+c)", self.initial_case_sensitive, id="case", compact=True
                )
            with Horizontal(classes="options -end"):
                yield Label("Direction", classes="option-label")
                with RadioSet(id="direction", compact=True):
                    yield RadioButton("↑ Up (older)", self.initial_direction == "up", id="up")
                    yield RadioButton("↓ Down", self.initial_direction == "down", id="down")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Search", id="submit", variant="primary")
            yield Static("enter search · tab options · esc cancel", classes="dialog-hint")

    @property
    def pattern_input(self) -> Input:
        return self.query_one("#pattern", Input)

    def _regex_on(self) -> bool:
        """Regex mode, read by the validator (which may run before the checkbox is mounted)."""
        return self._regex

    def action_toggle(self, selector: str) -> None:
        """Flip an option checkbox without leaving the pattern field."""
        self.query_one(selector, Checkbox).toggle()

    def _validate(self, show_empty: bool) -> bool:
        """Check the pattern and show the verdict; an empty field is only scolded on submit."""
        control = self.pattern_input
        result = control.validate(control.value)
        if not control.value and not show_empty:
            show_verdict(control, None)
            return False
        return show_verdict(control, result) is None

    @on(Input.Changed, "#pattern")
    def _revalidate(self) -> None:
        if self.is_mounted:
            self._validate(show_empty=False)

    @on(Checkbox.Changed, "#regex")
    def _regex_toggled(self, event: Checkbox.Changed) -> None:
        self._regex = event.value
        self._validate(show_empty=False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        if not self._validate(show_empty=True):
            self.pattern_input.focus()
            return
        pressed = self.query_one("#direction", RadioSet).pressed_button
        direction: SearchDirection = (
            "down" if pressed is not None and pressed.id == "down" else "up"
        )
        self.dismiss(
            SearchRequest(
                pattern=self.pattern_input.value,
                regex=self._regex,
                case_sensitive=self.query_one("#case", Checkbox).value,
                direction=direction,
            )
        )

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
