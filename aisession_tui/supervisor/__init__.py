"""The running set of supervised sessions and every operation on them; knows nothing of Textual."""

from .events import (
    Change,
    ClipboardCopied,
    Notice,
    SessionAdded,
    SessionChanged,
    SessionRemoved,
    SessionRenamed,
    SupervisorEvent,
)
from .live_session import Attention, LiveSession
from .presenter import SessionPresenter
from .supervisor import InvalidName, Supervisor

__all__ = [
    "Attention",
    "Change",
    "ClipboardCopied",
    "InvalidName",
    "LiveSession",
    "Notice",
    "SessionAdded",
    "SessionChanged",
    "SessionPresenter",
    "SessionRemoved",
    "SessionRenamed",
    "Supervisor",
    "SupervisorEvent",
]
