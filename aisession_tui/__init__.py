"""aisession-tui: supervise AI coding agents in tiled live terminals.

The library API mirrors the `ai-session` crate's core in asyncio Python.
"""

from __future__ import annotations

#: `typing` costs ~9 ms to import; the hook path has no use for it (type checkers see True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
        PtyBackend,
        PtyError,
        SessionAdded,
        SessionBackend,
        SessionConfig,
        SessionError,
        SessionEvent,
        SessionId,
        SessionInfo,
        SessionManager,
        SessionRemoved,
        SessionStatus,
        StatusChanged,
        TmuxBackend,
    )


def __getattr__(name: str) -> Any:
    """The core's names, imported on first use: `aisession-tui hook` (run by agents on every
    event) imports this package and must not pay for the core's imports."""
    if name in __all__ and name != "__version__":
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "__version__",
]
