"""Events a session tells its subscribers about, as they happen.

Frozen dataclasses so a listener can keep them without copying; every one carries `session_id`
so a single listener can serve many sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from .types import CommandRecord, SessionId, SessionStatus


@dataclass(frozen=True, slots=True)
class OutputReceived:
    """Bytes the child wrote, delivered in the order they arrived (not decoded: the child may
    split a UTF-8 sequence or an escape sequence across chunks)."""

    session_id: SessionId
    data: bytes


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The session moved from one lifecycle state to another."""

    session_id: SessionId
    old: SessionStatus
    new: SessionStatus


@dataclass(frozen=True, slots=True)
class ProcessExited:
    """The session's main child ended; `exit_code` is negative (-N) when signal N killed it."""

    session_id: SessionId
    exit_code: int | None


@dataclass(frozen=True, slots=True)
class CommandRecorded:
    """A command finished (or timed out) and was added to the session's history."""

    session_id: SessionId
    record: CommandRecord


@dataclass(frozen=True, slots=True)
class SessionAdded:
    """A manager took a session under its care (created or restored)."""

    session_id: SessionId


@dataclass(frozen=True, slots=True)
class SessionRemoved:
    """A manager let go of a session (removed or cleaned up)."""

    session_id: SessionId


SessionEvent: TypeAlias = OutputReceived | StatusChanged | ProcessExited | CommandRecorded
ManagerEvent: TypeAlias = SessionEvent | SessionAdded | SessionRemoved

__all__ = [
    "CommandRecorded",
    "ManagerEvent",
    "OutputReceived",
    "ProcessExited",
    "SessionAdded",
    "SessionEvent",
    "SessionRemoved",
    "StatusChanged",
]
