"""The shape every dialog shares: a centred bordered box, labelled fields, inline errors.

Screens subclass `DialogScreen` so Escape, the stylesheet and the error display behave the
same everywhere, and the app can push any of them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.validation import ValidationResult
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from ...core.display_text import display_block

ResultT = TypeVar("ResultT")


class FieldError(Static):
    """The validation message under a field; an empty line while there is nothing to say."""

    _message: str = ""

    def show(self, message: str | None) -> None:
        """Show `message`, or clear the line when it is `None` or empty."""
        self._message = message or ""
        self.update(Content(display_block(self._message)))  # it may quote what was typed
        self.set_class(bool(self._message), "-shown")
        # A message set while the dialog is first laid out (a bad prefilled value) kept the
        # one-line height measured for the empty line; lay out again after this refresh.
        self.call_after_refresh(self.refresh, layout=True)

    @property
    def message(self) -> str:
        """The message on display ("" when hidden), for the app and for tests."""
        return self._message


class FormField(Vertical):
    """A label, the control it names, and the error line under it."""

    def __init__(self, label: str, control: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="form-field")
        self._label = label
        self.control = control

    def compose(self) -> ComposeResult:
        yield Label(Content(self._label), classes="field-label")
        yield self.control
        yield FieldError(classes="field-error")

    @property
    def error(self) -> FieldError:
        return self.query_one(FieldError)

    def show_error(self, message: str | None) -> None:
        self.error.show(message)


def first_failure(descriptions: Iterable[str]) -> str | None:
    """The first of several validation messages: one clear message beats a list."""
    return next(iter(descriptions), None)


def show_verdict(control: Input, result: ValidationResult | None) -> str | None:
    """Show a validation result under `control`'s field; returns the message shown, if any."""
    message = None if result is None else first_failure(result.failure_descriptions)
    control.query_ancestor(FormField).show_error(message)
    return message


def check(control: Input) -> str | None:
    """Validate `control` now and show the verdict; returns the message shown, if any."""
    return show_verdict(control, control.validate(control.value))


class DialogScreen(ModalScreen[ResultT]):
    """Base of the dialogs: Escape cancels, styles come from `screens.tcss`."""

    CSS_PATH = "screens.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def action_cancel(self) -> None:
        """Close without a result; the caller treats `None` as "changed my mind"."""
        self.dismiss(None)

    def on_click(self, event: events.Click) -> None:
        """A click on the dimmed backdrop, outside the dialog, cancels like Escape."""
        if event.widget is self:
            self.action_cancel()
