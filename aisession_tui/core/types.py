"""Value types of the session core: ids, status, command records, session summaries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SessionId:
    """A unique session identifier (a UUID4)."""

    uuid: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def new(cls) -> SessionId:
        return cls(uuid.uuid4())

    @classmethod
    def parse(cls, text: str) -> SessionId:
        """Parse a session id from its string form; raises `ValueError` when malformed."""
        return cls(uuid.UUID(text.strip()))

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def short(self) -> str:
        """The first eight hex digits, enough to tell sessions apart on screen."""
        return self.uuid.hex[:8]


class SessionStatus(StrEnum):
    """Lifecycle state of a session."""

    INITIALIZING = "initializing"
    RUNNING = "running"
    PAUSED = "paused"
    TERMINATING = "terminating"
    TERMINATED = "terminated"
    ERROR = "error"


@dataclass(slots=True)
class CommandRecord:
    """One command run in a session, with what is known of its outcome."""

    command: str
    timestamp: datetime
    exit_code: int | None = None
    output_preview: str = ""
    duration_ms: int | None = None
    cwd: str | None = None
    output: str = ""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A snapshot summary of one session, as `SessionManager.list_sessions_detailed` gives."""

    id: SessionId
    name: str | None
    status: SessionStatus
    created_at: datetime
    last_activity: datetime
    working_directory: Path
    ai_features_enabled: bool
    context_token_count: int
    command_count: int
