"""The session core: sessions and processes, with no knowledge of any UI."""

from .backends import PtyBackend, SessionBackend, TmuxBackend
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
    "PtyBackend",
    "PtyError",
    "SessionAdded",
    "SessionBackend",
    "SessionConfig",
    "SessionError",
    "SessionEvent",
    "SessionId",
    "SessionInfo",
    "SessionManager",
    "SessionRemoved",
    "SessionStatus",
    "StatusChanged",
    "TmuxBackend",
]
