"""Workspace files: a TOML list of sessions (and a layout) to open together.

```toml
name = "team"
layout = { mode = "grid", columns = 2, focus = "planner" }
backend = "tmux"     # optional: sessions on the workspace's own tmux server (default: pty)
host = "me@build1"   # optional: that server on another machine, over ssh (implies tmux)

[[sessions]]
name = "far"
command = "codex"
host = "me@gpu2"     # optional: this session on that machine's tmux server, beside the others

[[sessions]]
name = "planner"
command = "claude"
cwd = "."            # relative to this file
role = "planner"
max_tokens = 8192
env = { LOG_LEVEL = "debug" }
```

Session tables use short spellings (`command`, `cwd`, `env`, `role`, `max_tokens`,
`compression_threshold`); every other `SessionConfig` field (`pty_size`, `timeout`,
`enable_ai_features`, ...) is accepted under its own name. Validation is `SessionConfig`'s own,
with error locations translated back to what the user wrote.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from aisession_tui.core.config import SessionConfig, check_host, check_name
from aisession_tui.core.textfile import NotTextError, NotTomlError, TextFileError, read_config_toml

#: Sessions one workspace may open; each is a process and a terminal, so far fewer in practice.
MAX_SESSIONS = 256

#: Workspace spelling -> `SessionConfig` field.
ALIASES: dict[str, str] = {
    "command": "shell_command",
    "cwd": "working_directory",
    "env": "environment",
    "role": "agent_role",
}
#: Workspace keys that belong to `SessionConfig.context_config`.
CONTEXT_KEYS = frozenset({"max_tokens", "compression_threshold"})
#: `SessionConfig` names that have a workspace spelling: using them is an error that says which.
NATIVE_SPELLINGS: dict[str, str] = {v: k for k, v in ALIASES.items()} | {
    "context_config": "max_tokens"
}


class WorkspaceError(Exception):
    """A workspace file cannot be used. `str()` is the complete one-line message."""

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        session: str | None = None,
        field: str | None = None,
        message: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.session = session
        self.field = field
        self.reason = reason
        super().__init__(message or _format(str(path), session, field, reason))


def _format(path: str, session: str | None, field: str | None, reason: str) -> str:
    parts = [path]
    if session:
        parts.append(session)
    if field:
        parts.append(f"field '{field}'")
    return ": ".join([*parts, reason])


class Layout(BaseModel):
    """How the UI tiles a workspace's sessions."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["grid", "columns", "rows", "tabs"] = "grid"
    columns: int | None = Field(default=None, ge=1, le=12)
    focus: str | None = None


class _WorkspaceFile(BaseModel):
    """The top level of a workspace file; session tables are validated one by one after."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    layout: Layout = Field(default_factory=Layout)
    #: Where the sessions run: PTYs of the app's own, or a tmux server that outlives it.
    backend: Literal["pty", "tmux"] | None = None
    #: `[user@]machine` whose tmux server runs the sessions (over ssh; implies tmux).
    host: str | None = Field(default=None, min_length=1)
    sessions: list[Any] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return None if value is None else check_name(value)

    @field_validator("host")
    @classmethod
    def _ssh_destination(cls, value: str | None) -> str | None:
        return None if value is None else check_host(value)

    @field_validator("layout", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"mode": value} if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Workspace:
    """A validated workspace: ready-to-start session configs in file order."""

    path: Path
    name: str
    layout: Layout
    sessions: list[SessionConfig] = field(default_factory=list)
    backend: Literal["pty", "tmux"] | None = None
    host: str | None = None

    def session(self, name: str) -> SessionConfig:
        for config in self.sessions:
            if config.name == name:
                return config
        raise KeyError(name)


def load_workspace(path: Path | str) -> Workspace:
    """Read and validate a workspace file; raises `WorkspaceError` naming file, session, field."""
    path = Path(path)
    shown = str(path)
    try:
        data = read_config_toml(path)
    except NotTomlError as exc:
        raise WorkspaceError(path, str(exc)) from None
    except NotTextError as exc:
        raise WorkspaceError(path, f"invalid TOML: {exc}") from None
    except TextFileError as exc:
        raise WorkspaceError(path, f"cannot read workspace file: {exc}") from None
    sessions = data.get("sessions")
    if isinstance(sessions, list) and len(sessions) > MAX_SESSIONS:
        raise WorkspaceError(
            path,
            f"a workspace holds at most {MAX_SESSIONS} sessions, this one {len(sessions)}",
            field="sessions",
        )
    try:
        top = _WorkspaceFile.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(shown, None, exc.errors(), _top_field) from None

    base = path.resolve().parent
    configs: list[SessionConfig] = []
    errors: list[str] = []
    first: WorkspaceError | None = None
    seen: dict[str, int] = {}
    for index, table in enumerate(top.sessions):
        label = _label(table, index)
        try:
            config = _session_config(table, base, remote=top.host is not None)
            if config.name in seen:
                raise _SessionProblem(
                    "name", f"another session (#{seen[config.name] + 1}) has the same name"
                )
            seen[str(config.name)] = index
            configs.append(config)
        except _SessionProblem as problem:
            err = WorkspaceError(path, problem.reason, session=label, field=problem.field)
            first = first or err
            errors.append(str(err).removeprefix(f"{shown}: "))
        except ValidationError as exc:
            err = _from_validation(shown, label, exc.errors(), _session_field)
            first = first or err
            errors.append(str(err).removeprefix(f"{shown}: "))
        except RecursionError:
            err = WorkspaceError(path, "nested too deeply", session=label)
            first = first or err
            errors.append(str(err).removeprefix(f"{shown}: "))
    if first is not None:
        raise WorkspaceError(
            path,
            first.reason,
            session=first.session,
            field=first.field,
            message=f"{shown}: " + "; ".join(errors),
        )
    if top.layout.focus is not None and top.layout.focus not in seen:
        raise WorkspaceError(
            path, f"no session is named '{top.layout.focus}'", field="layout.focus"
        )
    return Workspace(
        path=path,
        name=top.name or path.stem,
        layout=top.layout,
        sessions=configs,
        backend=top.backend,
        host=top.host,
    )


class _SessionProblem(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _label(table: Any, index: int) -> str:
    name = table.get("name") if isinstance(table, dict) else None
    if isinstance(name, str) and name.strip() and len(name) <= 60 and name.isprintable():
        return f"session '{name.strip()}'"
    return f"session #{index + 1}"


def _session_config(table: Any, base: Path, *, remote: bool = False) -> SessionConfig:
    """Translate one `[[sessions]]` table into a validated `SessionConfig`."""
    if not isinstance(table, dict):
        raise _SessionProblem("sessions", f"must be a table, got {type(table).__name__}")
    for required in ("name", "command"):
        if required not in table:
            raise _SessionProblem(required, "is required")
    name = table["name"]
    if not isinstance(name, str) or not name.strip():
        raise _SessionProblem("name", "must be a non-empty string")
    for key in ("name", "role"):
        if isinstance(table.get(key), str):
            try:
                check_name(table[key])
            except ValueError as error:
                raise _SessionProblem(key, str(error)) from None
    data: dict[str, Any] = {}
    for key, value in table.items():
        if key in NATIVE_SPELLINGS:
            raise _SessionProblem(key, f"unknown field (write '{NATIVE_SPELLINGS[key]}')")
        if key in CONTEXT_KEYS:
            data.setdefault("context_config", {})[key] = value
        elif key == "cwd" and isinstance(value, str) and not (remote or "host" in table):
            directory = Path(value).expanduser()
            data["working_directory"] = Path(os.path.normpath(base / directory))
        else:
            data[ALIASES.get(key) or key] = value
    if not (remote or "host" in table):  # over there: the login folder, unless `cwd` says
        data.setdefault("working_directory", base)
    return SessionConfig.model_validate(data)


def _session_field(loc: tuple[int | str, ...]) -> str:
    head, *rest = [str(part) for part in loc] or ["?"]
    if head == "context_config" and rest:
        return ".".join(rest)
    return ".".join([NATIVE_SPELLINGS.get(head, head), *rest])


def _top_field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "too_short" and error["loc"] == ("sessions",):
        return "a workspace needs at least one [[sessions]] table"
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | bool) and kind not in {"value_error"}:
        shown = repr(value)
        message += f" (got {shown if len(shown) <= 60 else shown[:59] + '…'})"
    return message


def _from_validation(
    shown: str,
    session: str | None,
    errors: list[ErrorDetails],
    field_of: Any,
) -> WorkspaceError:
    parts = [(field_of(e["loc"]), _reason(e)) for e in errors]
    message = "; ".join(_format("", session, f, r).removeprefix(": ") for f, r in parts)
    first_field, first_reason = parts[0]
    return WorkspaceError(
        shown,
        first_reason,
        session=session,
        field=first_field,
        message=f"{shown}: {message}",
    )
