"""A bounded byte buffer: keeps the newest bytes, drops and counts the oldest."""

from __future__ import annotations


class OutputBuffer:
    """Holds at most `capacity` bytes of child output between two `take()` calls.

    A child that prints faster than anyone reads must never grow memory without bound, so when the
    buffer is full the oldest bytes go and `dropped` says how many went.
    """

    __slots__ = ("_capacity", "_data", "dropped")

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"output buffer capacity must be positive, got {capacity}")
        self._capacity = capacity
        self._data = bytearray()
        self.dropped = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def __len__(self) -> int:
        return len(self._data)

    def append(self, chunk: bytes) -> None:
        """Add `chunk`, dropping the oldest bytes if the buffer would overflow."""
        size = len(chunk)
        if size >= self._capacity:
            self.dropped += len(self._data) + size - self._capacity
            self._data = bytearray(chunk[size - self._capacity :])
            return
        self._data += chunk
        excess = len(self._data) - self._capacity
        if excess > 0:
            del self._data[:excess]
            self.dropped += excess

    def take(self) -> bytes:
        """Everything buffered, emptying the buffer."""
        data = bytes(self._data)
        self._data.clear()
        return data

    def peek(self) -> bytes:
        """Everything buffered, leaving it in place."""
        return bytes(self._data)
