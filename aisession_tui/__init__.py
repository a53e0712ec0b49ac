"""aisession-tui: supervise AI coding agents in tiled live terminals.

The library API mirrors the `ai-session` crate's core in asyncio Python.
"""

from .core import (
    AlreadyExists,
    CommandRecord,
    CommandTimeout,
    ContextConfig,
    NotFound,
    ProcessError,
    PtyError,
    SessionConfig,
    SessionError,
    SessionId,
    SessionInfo,
    SessionStatus,
)

__version__ = "0.1.0"

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
    "__version__",
]
