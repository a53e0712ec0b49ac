"""Input validators shared by the dialogs, built on `textual.validation`.

Each one gives a message a person can act on; the form shows it under the field.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
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


# Words `/bin/sh -c` understands without a program on PATH.
_SHELL_WORDS = frozenset(
    {
        "!",
        ".",
        ":",
        "[",
        "{",
        "(",
        "alias",
        "break",
        "case",
        "cd",
        "command",
        "continue",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "for",
        "if",
        "read",
        "readonly",
        "return",
        "set",
        "shift",
        "source",
        "test",
        "time",
        "times",
        "trap",
        "true",
        "type",
        "ulimit",
        "umask",
        "unset",
        "until",
        "wait",
        "while",
    }
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def command_problem(command: str, cwd: Path) -> str | None:
    """Why `/bin/sh -c command` would fail to start its program, or `None` if it looks fine.

    Only certain failures count: unbalanced quotes, or a first program that is neither a shell
    word nor found (on PATH, or relative to `cwd` when it contains a slash). Anything the
    shell might resolve in ways we cannot see (variables, substitutions) passes.
    """
    try:
        words = shlex.split(command, comments=True)
    except ValueError as error:
        return f"Cannot parse the command: {error}."
    words = [word for word in words if not _ASSIGNMENT.match(word)] if words else words
    if not words:
        return None
    program = words[0]
    if program in _SHELL_WORDS or any(ch in program for ch in "$`*?;|&<>(){}"):
        return None
    if "/" in program:
        path = resolve_directory(program, cwd)
        if not path.is_file():
            return f"No such program: {path}"
        if not os.access(path, os.X_OK):
            return f"Not executable: {path}"
        return None
    if shutil.which(program) is None:
        return f"Command not found: {program}"
    return None


class RunnableCommand(Validator):
    """Refuses a command whose program certainly cannot start; empty means the user's shell."""

    def __init__(self, cwd: Callable[[], Path]) -> None:
        super().__init__()
        self.cwd = cwd

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        problem = command_problem(value, self.cwd())
        return self.success() if problem is None else self.failure(problem, value)
