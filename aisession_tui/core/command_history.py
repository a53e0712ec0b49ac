"""A session's recent commands, kept in memory within bounds.

Every record is also saved in the store (the whole history lives there); in memory a session
keeps only what the panels, `history` over the socket and an agent's context need: the newest
`HISTORY_LIMIT` records, and of their outputs (up to 1 MB each) no more than
`HISTORY_OUTPUT_CHARS` in all: the oldest outputs beyond that are let go, their previews kept.
Without this a long-lived shell's history only grew (1,000 commands of 1 MB output: 1 GB).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator

from .types import CommandRecord

__all__ = ["HISTORY_LIMIT", "HISTORY_OUTPUT_CHARS", "CommandHistory"]

HISTORY_LIMIT = 1000
HISTORY_OUTPUT_CHARS = 8_000_000


class CommandHistory:
    """The newest records, oldest first, with their outputs bounded in total."""

    def __init__(self, limit: int | None = None, output_chars: int | None = None) -> None:
        """Bounds default to the module's (read now, so a test can lower them)."""
        self._records: deque[CommandRecord] = deque(maxlen=limit or HISTORY_LIMIT)
        self._output_limit = HISTORY_OUTPUT_CHARS if output_chars is None else output_chars
        self._output_chars = 0

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[CommandRecord]:
        return iter(self._records)

    def append(self, record: CommandRecord) -> None:
        if len(self._records) == self._records.maxlen and self._records:
            self._output_chars -= len(self._records[0].output)
        self._records.append(record)
        self._output_chars += len(record.output)
        index = 0
        while self._output_chars > self._output_limit and index < len(self._records) - 1:
            old = self._records[index]
            if old.output:  # a copy: the store may still hold the record it was given
                self._records[index] = dataclasses.replace(old, output="")
                self._output_chars -= len(old.output)
            index += 1

    def keep_newest(self, count: int) -> None:
        while len(self._records) > count:
            self._output_chars -= len(self._records.popleft().output)
