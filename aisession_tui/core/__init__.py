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
from .event_stream import EventStream
from .events import (
    CommandRecorded,
    ManagerEvent,
    OutputReceived,
    ProcessExited,
    SessionAdded,
    SessionEvent,
    SessionRemoved,
    StatusChanged,
)
from .manager import SessionManager
from .session import AISession
from .types import CommandRecord, SessionId, SessionInfo, SessionStatus

__all__ = [
    "AISession",
    "AlreadyExists",
    "CommandRecord",
    "CommandRecorded",
    "CommandTimeout",
    "ContextConfig",
    "EventStream",
    "ManagerEvent",
    "NotFound",
    "OutputReceived",
    "ProcessError",
    "ProcessExited",
    "PtyError",
    "SessionAdded",
    "SessionConfig",
    "SessionError",
    "SessionEvent",
    "SessionId",
    "SessionInfo",
    "SessionManager",
    "SessionRemoved",
    "SessionStatus",
    "StatusChanged",
]
