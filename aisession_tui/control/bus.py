"""The agent message bus: bounded inboxes per session, oldest messages dropped and counted.

It knows sessions only by key, so it is testable without an app; the app's bridge names them.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.types import utc_now

INBOX_CAPACITY = 200
MAX_MESSAGE_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One message waiting in a session's inbox."""

    id: int
    sender: str
    recipient: str
    text: str
    sent_at: datetime
    broadcast: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.sender,
            "to": self.recipient,
            "text": self.text,
            "sent_at": self.sent_at.isoformat(),
            "broadcast": self.broadcast,
        }


@dataclass(slots=True)
class Inbox:
    messages: deque[BusMessage]
    dropped: int = 0


@dataclass(slots=True)
class MessageBus:
    """Inboxes keyed by session key; `subscribe` hears every delivery."""

    capacity: int = INBOX_CAPACITY
    _inboxes: dict[str, Inbox] = field(default_factory=dict)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _listeners: list[Callable[[BusMessage], None]] = field(default_factory=list)

    def _inbox(self, key: str) -> Inbox:
        inbox = self._inboxes.get(key)
        if inbox is None:
            inbox = self._inboxes[key] = Inbox(deque())
        return inbox

    def post(
        self, recipients: Iterable[str], sender: str, text: str, *, broadcast: bool = False
    ) -> list[BusMessage]:
        """Deliver `text` to each recipient's inbox; a full inbox drops (and counts) its oldest."""
        if not text:
            raise ValueError("a message needs text")
        if len(text) > MAX_MESSAGE_CHARS:
            raise ValueError(f"message longer than {MAX_MESSAGE_CHARS} characters")
        delivered = []
        now = utc_now()
        for key in recipients:
            message = BusMessage(next(self._ids), sender, key, text, now, broadcast)  # type: ignore[call-overload]
            inbox = self._inbox(key)
            if len(inbox.messages) >= self.capacity:
                inbox.messages.popleft()
                inbox.dropped += 1
            inbox.messages.append(message)
            delivered.append(message)
            for listener in list(self._listeners):
                listener(message)
        return delivered

    def messages(self, key: str) -> list[BusMessage]:
        inbox = self._inboxes.get(key)
        return list(inbox.messages) if inbox else []

    def dropped(self, key: str) -> int:
        inbox = self._inboxes.get(key)
        return inbox.dropped if inbox else 0

    def take(self, key: str, message_id: int) -> BusMessage:
        """Remove and return one message; `KeyError` when it is not in that inbox."""
        inbox = self._inboxes.get(key)
        if inbox is not None:
            for message in inbox.messages:
                if message.id == message_id:
                    inbox.messages.remove(message)
                    return message
        raise KeyError(message_id)

    def forget(self, key: str) -> None:
        """A closed session's inbox goes with it."""
        self._inboxes.pop(key, None)

    def subscribe(self, listener: Callable[[BusMessage], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None
