"""What the supervisor tells its listeners (the UI, the control socket) about its sessions.

Each event is handled at once by every listener and not kept, so holding the live session in it
keeps nothing alive after a close.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from .live_session import LiveSession

Severity = Literal["information", "warning", "error"]
#: When a notice is a toast: always, only when its session is not the one in use, or never
#: (its pane's title bar then says it, `pane_note`).
Toast = Literal["always", "unfocused", "never"]


class Change(StrEnum):
    """What about a session changed (one `SessionChanged` may carry several)."""

    STATUS = "status"  # started, exited, restarted
    TITLE = "title"  # the program set its title or working directory
    ATTENTION = "attention"  # bell, exit or waiting marks (and the bell count)
    AGENT = "agent"  # the detected agent state
    RESULTS = "results"  # parsed results (tests, builds, errors)
    TOKENS = "tokens"  # token totals and context
    COLORS = "colors"  # the program changed its palette (OSC 4/10/11/12, 104/110-112)


@dataclass(frozen=True, slots=True, eq=False)
class SessionAdded:
    live: LiveSession


@dataclass(frozen=True, slots=True, eq=False)
class SessionRemoved:
    live: LiveSession
    #: Where it was in the order, so the UI can focus its neighbour.
    index: int


@dataclass(frozen=True, slots=True, eq=False)
class SessionRenamed:
    live: LiveSession
    old: str
    new: str


@dataclass(frozen=True, slots=True, eq=False)
class SessionChanged:
    """Changes gathered over one turn of the event loop: a burst of bells is one event."""

    live: LiveSession
    what: frozenset[Change]


@dataclass(frozen=True, slots=True, eq=False)
class Notice:
    """Something to tell the person once (the UI shows it as a notification, as plain text)."""

    text: str
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None
    live: LiveSession | None = None
    #: A short form for the session's pane title bar ("copied 12 characters"), if any.
    pane_note: str | None = None
    pane_seconds: float | None = None
    toast: Toast = "always"


@dataclass(frozen=True, slots=True, eq=False)
class ClipboardCopied:
    """A program asked (OSC 52) to put text on the person's clipboard."""

    live: LiveSession
    text: str


SupervisorEvent = (
    SessionAdded | SessionRemoved | SessionRenamed | SessionChanged | Notice | ClipboardCopied
)

__all__ = [
    "Change",
    "ClipboardCopied",
    "Notice",
    "SessionAdded",
    "SessionChanged",
    "SessionRemoved",
    "SessionRenamed",
    "Severity",
    "SupervisorEvent",
    "Toast",
]
