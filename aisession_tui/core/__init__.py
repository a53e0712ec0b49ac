"""The session core: sessions and processes, with no knowledge of any UI."""

from .config import ContextConfig, SessionConfig
from .errors import (
    AlreadyExists,
    CommandTimeout,
    NotFound,
    ProcessError,
    PtyError,
    SessionError,
)
from .types import CommandRecord, SessionId, SessionInfo, SessionStatus

__all__ = [
    "AlreadyExists",
    "CommandRecord",
    "CommandTimeout",
    "ContextConfig",
    "NotFound",
    "ProcessError",
    "PtyError",
    "SessionConfig",
    "SessionError",
    "SessionId",
    "SessionInfo",
    "SessionStatus",
]
