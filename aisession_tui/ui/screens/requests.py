"""What the modal screens hand back: small immutable requests the app acts on.

The screens only collect and validate input; turning a request into a running session, a
broadcast or a scrollback search is the app's job, so these types carry no behaviour beyond
shaping their data for the core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aisession_tui.core import SessionConfig

SearchDirection = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class NewSessionRequest:
    """A validated request to start a session.

    `command` empty means "run the user's shell"; `cwd` is absolute and existed when the
    user submitted the form.
    """

    name: str
    command: str
    cwd: Path
    role: str | None = None

    def to_config(self, **overrides: Any) -> SessionConfig:
        """The core configuration for this request; `overrides` set any other field."""
        return SessionConfig(
            name=self.name,
            shell_command=self.command or None,
            working_directory=self.cwd,
            agent_role=self.role,
            **overrides,
        )


@dataclass(frozen=True, slots=True)
class BroadcastRequest:
    """Text to type into several sessions at once, in the order they were listed."""

    text: str
    session_ids: list[str]
    press_enter: bool = True

    @property
    def payload(self) -> str:
        """The characters to write to each terminal (Enter is a carriage return on a tty)."""
        return self.text + ("\r" if self.press_enter else "")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A scrollback search: what to look for and which way to go from the current match."""

    pattern: str
    regex: bool = False
    case_sensitive: bool = False
    direction: SearchDirection = "up"

    def compile(self) -> re.Pattern[str]:
        """The pattern as a compiled regex; plain text is escaped so it matches literally.

        Raises `re.error` only for a bad regex, which the search screen already refuses.
        """
        source = self.pattern if self.regex else re.escape(self.pattern)
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(source, flags)
