"""The form that starts a session: name, command, working directory and agent role."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, Input, Static

from aisession_tui.core import SessionConfig
from aisession_tui.core.display_text import display_line

from .dialog import DialogScreen, FormField, check, show_verdict
from .requests import NewSessionRequest
from .validators import (
    ExistingDirectory,
    NoWhitespace,
    Printable,
    Required,
    RunnableCommand,
    UniqueName,
    resolve_directory,
)

# Which input shows the core model's complaint about each `SessionConfig` field.
_CONFIG_FIELD_INPUT = {
    "name": "name",
    "shell_command": "command",
    "working_directory": "cwd",
    "agent_role": "role",
}


def pydantic_message(error: dict[str, object]) -> str:
    """Pydantic's message without its "Value error, " prefix, which means nothing to a user."""
    message = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message[:1].upper() + message[1:]


class NewSessionScreen(DialogScreen[NewSessionRequest]):
    """Asks for a new session's settings; dismisses with a `NewSessionRequest` or `None`.

    Every field is checked as it is typed (textual validators) and again on submit, where the
    request is also run through `SessionConfig` so the form can never accept what the core
    would refuse.
    """

    AUTO_FOCUS = "#name"

    def __init__(
        self,
        default_cwd: Path,
        existing_names: Collection[str],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.default_cwd = Path(default_cwd).expanduser()
        self.existing_names = frozenset(existing_names)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "New session"
            yield FormField(
                "Name",
                Input(
                    placeholder="e.g. backend-agent",
                    id="name",
                    validators=[
                        Required("a name"),
                        NoWhitespace(),
                        Printable(),
                        UniqueName(self.existing_names),
                    ],
                ),
            )
            yield FormField(
                "Command (empty runs your shell)",
                Input(
                    placeholder="e.g. claude --continue",
                    id="command",
                    validators=[RunnableCommand(self._current_cwd)],
                    # "Command not found: cla" while typing "claude" is noise: check on leaving.
                    validate_on=["blur", "submitted"],
                ),
            )
            yield FormField(
                "Working directory",
                Input(
                    # The focused pane's OSC 7 cwd: shown literally, never raw escapes.
                    display_line(self.default_cwd),
                    placeholder=display_line(self.default_cwd),
                    id="cwd",
                    validators=[ExistingDirectory(self.default_cwd)],
                ),
            )
            yield FormField(
                "Agent role (optional)",
                Input(placeholder="e.g. reviewer", id="role"),
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="submit", variant="primary")
            yield Static("enter create · tab next field · esc cancel", classes="dialog-hint")

    def _current_cwd(self) -> Path:
        """The directory typed so far, where a relative program such as `./run.sh` is looked up."""
        try:
            text = self._value("cwd")
        except NoMatches:
            return self.default_cwd
        return resolve_directory(text, self.default_cwd) if text else self.default_cwd

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value.strip()

    def field(self, input_id: str) -> FormField:
        """The form field holding the input with id `input_id`."""
        return self.query_one(f"#{input_id}", Input).query_ancestor(FormField)

    @on(Input.Changed)
    @on(Input.Blurred)
    def _show_validation(self, event: Input.Changed | Input.Blurred) -> None:
        show_verdict(event.input, event.validation_result)
        if event.input.id == "cwd" and isinstance(event, Input.Changed):
            # `./run.sh` may exist in one directory and not another.
            command = self.query_one("#command", Input)
            if command.value.strip():
                check(command)

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        request = self.build_request()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def build_request(self) -> NewSessionRequest | None:
        """Validate everything, show every problem inline, and return the request if none."""
        invalid = [control for control in list(self.query(Input)) if check(control)]
        if invalid:
            invalid[0].focus()
            return None

        cwd = Path(os.path.normpath(resolve_directory(self._value("cwd"), self.default_cwd)))
        request = NewSessionRequest(
            name=self._value("name"),
            command=self._value("command"),
            cwd=cwd,
            role=self._value("role") or None,
        )
        try:
            SessionConfig(
                name=request.name,
                shell_command=request.command or None,
                working_directory=request.cwd,
                agent_role=request.role,
            )
        except ValidationError as error:
            self._show_config_errors(error)
            return None
        return request

    def _show_config_errors(self, error: ValidationError) -> None:
        """Put each of the core model's complaints under the field it is about."""
        focused = False
        for detail in error.errors():
            loc = detail.get("loc") or ("",)
            input_id = _CONFIG_FIELD_INPUT.get(str(loc[0]), "name")
            self.field(input_id).show_error(pydantic_message(dict(detail)))
            control = self.query_one(f"#{input_id}", Input)
            control.add_class("-invalid")
            if not focused:
                control.focus()
                focused = True
