"""aisession-tui: supervise AI coding agents in tiled live terminals.

The library API mirrors the `ai-session` crate's core in asyncio Python.
"""

from .core import (
    AISession,
    AlreadyExists,
    CommandRecord,
    CommandRecorded,
    CommandTimeout,
    ContextConfig,
    EventStream,
    ManagerEvent,
    NotFound,
    OutputReceived,
    ProcessError,
    ProcessExited,
    PtyError,
    SessionAdded,
    SessionConfig,
    SessionError,
    SessionEvent,
    SessionId,
    SessionInfo,
    SessionManager,
    SessionRemoved,
    SessionStatus,
    StatusChanged,
)

__version__ = "0.1.0"

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
    "__version__",
]
