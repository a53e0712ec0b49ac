"""Errors of the store layer; each `str()` is a complete one-line message for the user."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of errors the store raises on purpose."""


class NewerSchemaError(StoreError):
    """The database was written by a newer version of the app; we never overwrite it."""

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"database schema version {found} is newer than this version supports ({supported})"
        )
        self.found = found
        self.supported = supported


class CorruptDatabaseError(StoreError):
    """The database file is not a readable SQLite database of ours."""


class SessionLookupError(StoreError):
    """No stored session matches a name or id."""


class AmbiguousSessionError(SessionLookupError):
    """Several stored sessions match a name or id prefix; the message lists them."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates
