"""A bounded byte buffer: keeps the newest bytes, drops and counts the oldest."""

from __future__ import annotations

from collections import deque


class OutputBuffer:
    """Holds at most `capacity` bytes of child output between two `take()` calls.

    A child that prints faster than anyone reads must never grow memory without bound, so when the
    buffer is full the oldest bytes go and `dropped` says how many went.
    """

    __slots__ = ("_capacity", "_chunks", "_size", "dropped")

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"output buffer capacity must be positive, got {capacity}")
        self._capacity = capacity
        # Chunks as read, joined only when taken: a flood appends without copying.
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self.dropped = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def __len__(self) -> int:
        return self._size

    def append(self, chunk: bytes) -> None:
        """Add `chunk`, dropping the oldest bytes if the buffer would overflow."""
        if not chunk:
            return
        self._chunks.append(chunk)
        self._size += len(chunk)
        excess = self._size - self._capacity
        while excess > 0:
            oldest = self._chunks[0]
            if len(oldest) <= excess:
                self._chunks.popleft()
                cut = len(oldest)
            else:
                self._chunks[0] = oldest[excess:]
                cut = excess
            self._size -= cut
            self.dropped += cut
            excess -= cut

    def take(self) -> bytes:
        """Everything buffered, emptying the buffer."""
        data = self.peek()
        self._chunks.clear()
        self._size = 0
        return data

    def peek(self) -> bytes:
        """Everything buffered, leaving it in place."""
        return b"".join(self._chunks)
