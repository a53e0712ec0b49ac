"""Finding a stored session from what a person types: a full id, a name, or an id prefix."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .errors import AmbiguousSessionError, SessionLookupError
from .records import StoredSession, to_iso

if TYPE_CHECKING:
    from .store import Store

MIN_PREFIX = 4


def resolve_session(store: Store, ref: str) -> StoredSession:
    """The one session `ref` names: exact id, else exact name, else id prefix (>= 4 hex digits).

    Raises `SessionLookupError` when nothing matches and `AmbiguousSessionError`, listing every
    candidate with its id and creation time, when several do.
    """
    text = ref.strip()
    if not text:
        raise SessionLookupError("a session name or id is required")
    sessions = store.list_sessions()
    try:
        wanted = uuid.UUID(text)
    except ValueError:
        pass
    else:
        for session in sessions:
            if session.id.uuid == wanted:
                return session
        raise SessionLookupError(f"no session has id {wanted}")

    by_name = [s for s in sessions if s.name == text]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise _ambiguous(f"name '{text}'", by_name)

    hex_text = text.lower().replace("-", "")
    if len(hex_text) >= MIN_PREFIX and all(ch in "0123456789abcdef" for ch in hex_text):
        by_prefix = [s for s in sessions if s.id.uuid.hex.startswith(hex_text)]
        if len(by_prefix) == 1:
            return by_prefix[0]
        if by_prefix:
            raise _ambiguous(f"id prefix '{text}'", by_prefix)
    raise SessionLookupError(f"no session is named '{text}' or has an id starting with it")


def _ambiguous(what: str, candidates: list[StoredSession]) -> AmbiguousSessionError:
    listed = ", ".join(f"{s.id} (created {to_iso(s.created_at)[:19]}Z)" for s in candidates)
    return AmbiguousSessionError(
        f"{what} matches {len(candidates)} sessions: {listed}; use an id instead",
        [str(s.id) for s in candidates],
    )
