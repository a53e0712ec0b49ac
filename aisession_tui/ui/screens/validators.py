"""Input validators shared by the dialogs, built on `textual.validation`.

Each one gives a message a person can act on; the form shows it under the field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from pathlib import Path

from textual.validation import ValidationResult, Validator


class Required(Validator):
    """Refuses an empty or blank value."""

    def __init__(self, what: str = "a value") -> None:
        super().__init__()
        self.what = what

    def validate(self, value: str) -> ValidationResult:
        if value.strip():
            return self.success()
        return self.failure(f"Enter {self.what}.", value)


class NoWhitespace(Validator):
    """Refuses spaces, tabs and newlines inside a value (names are used as handles)."""

    def validate(self, value: str) -> ValidationResult:
        if any(ch.isspace() for ch in value.strip()):
            return self.failure("Names cannot contain spaces.", value)
        return self.success()


class Printable(Validator):
    """Refuses control characters, which would garble the session list and the terminal title."""

    def validate(self, value: str) -> ValidationResult:
        if any(not ch.isprintable() for ch in value.strip()):
            return self.failure("Names cannot contain control characters.", value)
        return self.success()


class UniqueName(Validator):
    """Refuses a name another session already has; `allowed` (e.g. the current name) passes."""

    def __init__(self, existing: Collection[str], allowed: str | None = None) -> None:
        super().__init__()
        self.existing = frozenset(existing)
        self.allowed = allowed

    def validate(self, value: str) -> ValidationResult:
        name = value.strip()
        if name != self.allowed and name in self.existing:
            return self.failure(f"A session named {name!r} already exists.", value)
        return self.success()


def resolve_directory(text: str, base: Path) -> Path:
    """The directory a person means by `text`: `~` expanded, relative to `base`."""
    path = Path(text.strip()).expanduser()
    return path if path.is_absolute() else base / path


class ExistingDirectory(Validator):
    """Requires a directory that exists and that a child process may enter."""

    def __init__(self, base: Path | Callable[[], Path]) -> None:
        super().__init__()
        self._base = base

    @property
    def base(self) -> Path:
        return self._base() if callable(self._base) else self._base

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.failure("Enter a working directory.", value)
        path = resolve_directory(value, self.base)
        if not path.exists():
            return self.failure(f"No such directory: {path}", value)
        if not path.is_dir():
            return self.failure(f"Not a directory: {path}", value)
        if not os.access(path, os.X_OK):
            return self.failure(f"No permission to enter: {path}", value)
        return self.success()


class CompilableRegex(Validator):
    """Requires a valid Python regular expression while `enabled()` says regex mode is on."""

    def __init__(self, enabled: Callable[[], bool]) -> None:
        super().__init__()
        self.enabled = enabled

    def validate(self, value: str) -> ValidationResult:
        if not self.enabled():
            return self.success()
        try:
            re.compile(value)
        except re.error as error:
            where = f" at position {error.pos}" if error.pos is not None else ""
            return self.failure(f"Invalid regular expression: {error.msg}{where}.", value)
        except (RecursionError, OverflowError, ValueError):
            return self.failure("Invalid regular expression: too complex.", value)
        return self.success()
