"""An async iterator over one session's events, bounded by backpressure instead of loss."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Protocol

from .events import SessionEvent, StatusChanged
from .types import SessionStatus

FINAL_STATUSES = frozenset({SessionStatus.TERMINATED, SessionStatus.ERROR})


class _Pausable(Protocol):
    def _add_pause_token(self, token: object) -> None: ...
    def _remove_pause_token(self, token: object) -> None: ...


class EventStream:
    """Queues a session's events for `async for`; ends after the session reaches a final status.

    The queue is bounded by pausing the session's reader (the child then blocks on a full PTY)
    when `max_pending` events wait, and resuming once half of them are consumed: a slow consumer
    slows the child down instead of losing output or growing memory.
    """

    def __init__(
        self,
        owner: _Pausable,
        unsubscribe: Callable[[EventStream], None],
        *,
        max_pending: int = 1024,
    ) -> None:
        if max_pending < 2:
            raise ValueError("max_pending must be at least 2")
        self._owner = owner
        self._unsubscribe = unsubscribe
        self._max_pending = max_pending
        self._queue: deque[SessionEvent] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._holding_pause = False
        self._ended = False  # the final event has been queued
        self._closed = False
        self._token = object()

    def push(self, event: SessionEvent) -> None:
        """Called synchronously by the session for every event."""
        if self._closed or self._ended:
            return
        self._queue.append(event)
        if isinstance(event, StatusChanged) and event.new in FINAL_STATUSES:
            self._ended = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        if len(self._queue) >= self._max_pending and not self._holding_pause:
            self._holding_pause = True
            self._owner._add_pause_token(self._token)

    def end(self) -> None:
        """Finish after the events already queued (used when the session is already final)."""
        self._ended = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> SessionEvent:
        while not self._queue:
            if self._ended or self._closed:
                self.close()
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        event = self._queue.popleft()
        if self._holding_pause and len(self._queue) <= self._max_pending // 2:
            self._release()
        return event

    def _release(self) -> None:
        if self._holding_pause:
            self._holding_pause = False
            self._owner._remove_pause_token(self._token)

    def close(self) -> None:
        """Stop receiving events and give back any backpressure this stream held."""
        if self._closed:
            return
        self._closed = True
        self._queue.clear()
        self._release()
        self._unsubscribe(self)

    async def aclose(self) -> None:
        self.close()

    def __del__(self) -> None:
        # An abandoned iterator must not keep the session's reader paused forever.
        if not self._closed:
            with contextlib.suppress(Exception):
                self.close()
