"""Session configuration models, validated by pydantic."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

DEFAULT_SHELL = "/bin/bash"
#: Longest session name or role; they are labels in titles and table cells, not documents.
MAX_NAME_LENGTH = 200
#: C0 and C1 controls, DEL, line/paragraph separators and bidi overrides: a name holding one
#: could move the cursor, retitle the outer terminal or reorder what is shown around it.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def trimmed_name(value: str) -> str:
    """A session name or role as it is kept and addressed: surrounding blanks removed (so " a "
    and "a" are one name, reachable both ways), never blank, at most `MAX_NAME_LENGTH`
    characters. Raises `ValueError` worded to follow the field ("name: must not be blank")."""
    name = value.strip()
    if not name:
        raise ValueError("must not be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"must not be longer than {MAX_NAME_LENGTH} characters")
    return name


def check_name(value: str) -> str:
    """`trimmed_name`, and no control character either: what every door a person or a script
    names a session through (the command line, workspace files, the control socket) accepts.

    The model itself keeps such names (a library caller's, an old database's), and everything
    that shows one makes its controls visible; these doors refuse them outright."""
    name = trimmed_name(value)
    bad = _UNPRINTABLE.search(name)
    if bad is not None:
        raise ValueError(f"must not contain control characters (found {bad.group()!r})")
    return name


_CONTROL = re.compile(r"[;&|<>()\n`]|^\s*[A-Za-z_][A-Za-z0-9_]*=")  # lists, pipes, assignments
_EXPANSION = re.compile(r"[$*?\[\]{}~!#\\]")


# Words only a shell runs (builtins and keywords without a program on PATH): left to `sh -c`.
_SHELL_WORDS = frozenset(
    [
        "exit",
        "exec",
        "cd",
        "export",
        "set",
        "unset",
        ".",
        "source",
        "eval",
        "read",
        "wait",
        "trap",
        "ulimit",
        "umask",
        "shift",
        "return",
        "break",
        "continue",
        "alias",
        "unalias",
        "readonly",
        "command",
        "type",
        "hash",
        "getopts",
        "jobs",
        "fg",
        "bg",
        "times",
        "if",
        "while",
        "for",
        "case",
        "until",
        "{",
        "!",
    ]
)


def command_argv(command: str) -> list[str]:
    """How to run a command line (see `SessionConfig.argv`)."""
    first = command.split(None, 1)[0] if command.split() else ""
    if not _CONTROL.search(command) and first not in _SHELL_WORDS:
        if not _EXPANSION.search(command):
            try:
                words = shlex.split(command)
            except ValueError:
                words = []
            if words:
                return words
        return ["/bin/sh", "-c", "exec " + command]
    return ["/bin/sh", "-c", command]


#: What an ssh destination (`[user@]machine`, or a `Host` alias of the ssh config) may hold:
#: no blank or control character, and no leading `-`, which ssh would read as an option.
_HOST = re.compile(r"[^\s\x00-\x1f\x7f-]\S*")


def check_host(value: str) -> str:
    """An ssh destination as `--host`, `host =` in a workspace file and the control socket
    take it; raises `ValueError` worded to follow the field."""
    if not _HOST.fullmatch(value) or _UNPRINTABLE.search(value):
        raise ValueError(
            f"{value!r} is not an ssh destination ([user@]machine, no blanks, not starting with -)"
        )
    return value


class ContextConfig(BaseModel):
    """Token budget of a session's AI context."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(default=4096, gt=0)
    compression_threshold: float = Field(default=0.8, ge=0.0, le=1.0)


class SessionConfig(BaseModel):
    """Everything needed to start a session.

    `shell_command` (a command line, see `argv`) wins over `shell` (a program run as an
    interactive shell); with neither, the user's `$SHELL` runs.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str | None = None
    #: The machine (`[user@]machine`, over ssh) whose tmux server runs the session; None: the
    #: app's backend decides (here, or its `--host`). Before `working_directory`, which is
    #: then a folder over there and not checked here.
    host: str | None = None
    working_directory: Path = Field(default_factory=Path.cwd)
    environment: dict[str, str] = Field(default_factory=dict)
    shell: str | None = None
    shell_command: str | None = None
    pty_size: tuple[int, int] = (24, 80)
    output_buffer_size: int = Field(default=1024 * 1024, gt=0)
    timeout: float | None = Field(default=None, gt=0, description="Idle seconds before stop.")
    compress_output: bool = True
    parse_output: bool = True
    enable_ai_features: bool = False
    context_config: ContextConfig = Field(default_factory=ContextConfig)
    agent_role: str | None = None
    force_headless: bool = False
    allow_headless_fallback: bool = True

    @field_validator("name", "agent_role")
    @classmethod
    def _printable_name(cls, value: str | None) -> str | None:
        return None if value is None else trimmed_name(value)

    @field_validator("host")
    @classmethod
    def _ssh_destination(cls, value: str | None) -> str | None:
        return None if value is None else check_host(value)

    @field_validator("working_directory")
    @classmethod
    def _directory_exists(cls, value: Path, info: ValidationInfo) -> Path:
        if info.data.get("host") is not None:  # a folder on the other machine
            return value
        value = value.expanduser()
        if not value.is_dir():
            raise ValueError(f"working directory does not exist: {value}")
        return value

    @field_validator("pty_size")
    @classmethod
    def _positive_size(cls, value: tuple[int, int]) -> tuple[int, int]:
        rows, cols = value
        if rows <= 0 or cols <= 0:
            raise ValueError(f"pty size must be positive (rows, cols), got {value}")
        if rows > 10_000 or cols > 10_000:
            raise ValueError(f"pty size is absurdly large: {value}")
        return value

    @field_validator("shell", "shell_command")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    def resolved_shell(self) -> str:
        """The interactive shell program this session runs when no command is given."""
        return self.shell or os.environ.get("SHELL") or DEFAULT_SHELL

    def argv(self) -> list[str]:
        """The argument vector to execute. A command line runs so its exit status is the
        program's: a plain argv directly, a single command with expansions through
        `sh -c 'exec ...'` (dash would otherwise outlive its child, and kill itself with the
        SIGINT the program handled), anything else (`;`, `&&`, pipes) through `sh -c`."""
        if self.shell_command:
            return command_argv(self.shell_command)
        return [self.resolved_shell()]

    @property
    def display_command(self) -> str:
        """The command as a person would type it."""
        return self.shell_command or self.resolved_shell()
