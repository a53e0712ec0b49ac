"""Errors raised by the session core."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types import SessionId


class SessionError(Exception):
    """Base class of every error the session core raises on purpose."""


class NotFound(SessionError):
    """No session has the given id."""

    def __init__(self, session_id: SessionId) -> None:
        super().__init__(f"Session not found: {session_id}")
        self.session_id = session_id


class AlreadyExists(SessionError):
    """A session with the given id is already managed."""

    def __init__(self, session_id: SessionId) -> None:
        super().__init__(f"Session already exists: {session_id}")
        self.session_id = session_id


class PtyError(SessionError):
    """A pseudo-terminal could not be created or used."""


class ProcessError(SessionError):
    """The child process could not be started, written to, or waited on."""


class CommandTimeout(ProcessError):
    """`execute_command` did not see its command finish in time."""
