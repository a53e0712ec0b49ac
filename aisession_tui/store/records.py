"""What the store gives back: plain, immutable rows decoded from SQLite, plus the codecs."""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import zstandard

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus

from .redact import REDACTED, unredact_command

LIVE_STATUSES = frozenset({SessionStatus.INITIALIZING, SessionStatus.RUNNING, SessionStatus.PAUSED})


def to_iso(moment: datetime) -> str:
    """A sortable UTC timestamp string; naive datetimes are taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_status(text: str) -> SessionStatus | str:
    """The status as an enum member, or the raw text if a newer release wrote one we don't know."""
    try:
        return SessionStatus(text)
    except ValueError:
        return text


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_codecs = threading.local()  # a zstd context is not to be shared between threads


def compress_lines(lines: list[str]) -> bytes:
    """Screen and scrollback lines, zstd-compressed JSON (terminal text compresses ~7x): zstd at
    level 3 compresses them ~9x faster than zlib at 6, and twenty busy sessions keep the store's
    writer thread compressing."""
    compressor = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(level=3)
    # ASCII JSON: safe for any str; compression absorbs the escapes' extra bytes.
    return compressor.compress(json.dumps(lines).encode("ascii"))


def decompress_lines(blob: bytes | None) -> list[str]:
    """`compress_lines` undone; blobs of releases before zstd (zlib) read as well."""
    if not blob:
        return []
    if blob[:4] == _ZSTD_MAGIC:
        data = zstandard.ZstdDecompressor().decompress(blob)
    else:
        data = zlib.decompress(blob)
    return list(json.loads(data.decode("utf-8")))


class MissingSecretError(ValueError):
    """A stored command line had a secret that was redacted and cannot be put back."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"its command line had a secret that was not stored ({', '.join(names)}); "
            "set it in the environment to restore the session"
        )


@dataclass(frozen=True, slots=True)
class ScrollbackDelta:
    """What a running session's pane added since the last save, by line number (a line keeps
    its number while newer output pushes older lines out of the scrollback).

    `history` holds the scrollback lines numbered `start` to `end - 1`; `first_line` is the
    oldest line the pane still has; `screen` is the visible rows now. A `full` delta holds the
    whole scrollback and replaces what was stored."""

    start: int
    end: int
    first_line: int
    history: list[str]
    screen: list[str]
    full: bool
    #: The stored lines from `start` on were rewritten in the pane (a resize re-wrapped them):
    #: they are replaced, not appended to.
    replace: bool = False


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session as the store remembers it."""

    id: SessionId
    name: str | None
    role: str | None
    config: dict[str, Any]
    redacted_env: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    status: SessionStatus | str
    exit_code: int | None
    metadata: dict[str, Any]
    total_tokens: int
    run_id: int | None
    command_count: int = 0
    live: bool = False
    closed_at: datetime | None = None
    #: Its app ended without a clean shutdown (kill -9, a crash) while the session ran.
    ended_uncleanly: bool = False
    #: The agent CLI the session ran and its own conversation id, from the agent's hooks.
    agent: str | None = None
    conversation_id: str | None = None

    @property
    def label(self) -> str:
        """`name (short id)` or just the short id: how people refer to a session."""
        return f"{self.name} ({self.id.short})" if self.name else self.id.short

    @property
    def status_text(self) -> str:
        """The status as people should read it: a session whose app died says so."""
        if self.live:
            return f"{self.status} (live)"
        return "ended uncleanly" if self.ended_uncleanly else str(self.status)

    @property
    def command(self) -> str:
        config = self.config
        return str(config.get("shell_command") or config.get("shell") or "$SHELL")

    @property
    def working_directory(self) -> str:
        return str(self.config.get("working_directory", ""))

    def session_config(self, environ: Mapping[str, str] | None = None) -> SessionConfig:
        """Rebuild the `SessionConfig`; withheld secret variables are taken from `environ`.

        Raises pydantic's `ValidationError` if the config no longer validates (e.g. its working
        directory was deleted since), `MissingSecretError` if its command line held a secret
        that was not stored and `environ` does not have.
        """
        environ = os.environ if environ is None else environ
        data = dict(self.config)
        env = dict(data.get("environment") or {})
        for name in self.redacted_env:
            if name in environ:
                env[name] = environ[name]
        data["environment"] = env
        command = data.get("shell_command")
        if isinstance(command, str) and REDACTED in command:
            data["shell_command"], missing = unredact_command(command, {**environ, **env})
            if missing:
                raise MissingSecretError(missing)
        return SessionConfig.model_validate(data)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "role": self.role,
            "status": str(self.status),
            "exit_code": self.exit_code,
            "live": self.live,
            "ended_uncleanly": self.ended_uncleanly,
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
            "closed_at": None if self.closed_at is None else to_iso(self.closed_at),
            "total_tokens": self.total_tokens,
            "command_count": self.command_count,
            "command": self.command,
            "working_directory": self.working_directory,
            "config": self.config,
            "withheld_environment": list(self.redacted_env),
            "metadata": self.metadata,
            "agent": self.agent,
            "conversation_id": self.conversation_id,
        }


@dataclass(frozen=True, slots=True)
class StoredCommand:
    """One command history record of a stored session."""

    seq: int
    session_id: SessionId
    record: CommandRecord

    def to_json(self) -> dict[str, Any]:
        rec = self.record
        return {
            "command": rec.command,
            "timestamp": to_iso(rec.timestamp),
            "exit_code": rec.exit_code,
            "duration_ms": rec.duration_ms,
            "cwd": rec.cwd,
            "output_preview": rec.output_preview,
            "output": rec.output,
        }


@dataclass(frozen=True, slots=True)
class TokenSample:
    ts: datetime
    tokens: int


@dataclass(frozen=True, slots=True)
class StatusChange:
    ts: datetime
    old: SessionStatus | str | None
    new: SessionStatus | str


@dataclass(frozen=True, slots=True)
class StoredScreen:
    """A session's last screen plus scrollback, oldest line first."""

    session_id: SessionId
    updated_at: datetime
    lines: list[str]
    ansi_lines: list[str] = field(default_factory=list)
