"""Finding a session from what a person types: a full id, a name, or an id prefix.

One rule for every place that names sessions (the store's subcommands, the running app's
control socket, workspaces): `resolve_ref` works on any sequence of candidates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from ..core.types import SessionId
from .errors import AmbiguousSessionError, SessionLookupError
from .records import StoredSession, to_iso

if TYPE_CHECKING:
    from .store import Store

MIN_PREFIX = 4
T = TypeVar("T")


def resolve_ref(
    ref: str,
    candidates: Sequence[T],
    *,
    id_of: Callable[[T], SessionId],
    name_of: Callable[[T], str | None],
    describe: Callable[[T], str],
    list_names: bool = False,
) -> T:
    """The one candidate `ref` names: exact id, else exact name, else id prefix (>= 4 hex digits).

    Raises `SessionLookupError` when nothing matches (listing the names when `list_names`) and
    `AmbiguousSessionError`, listing every match by `describe`, when several do.
    """
    text = ref.strip()
    if not text:
        raise SessionLookupError("a session name or id is required")
    try:
        wanted = uuid.UUID(text)
    except ValueError:
        pass
    else:
        for candidate in candidates:
            if id_of(candidate).uuid == wanted:
                return candidate
        raise SessionLookupError(f"no session has id {wanted}")

    by_name = [c for c in candidates if name_of(c) == text]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise _ambiguous(f"name '{text}'", by_name, id_of, describe)

    hex_text = text.lower().replace("-", "")
    if len(hex_text) >= MIN_PREFIX and all(ch in "0123456789abcdef" for ch in hex_text):
        by_prefix = [c for c in candidates if id_of(c).uuid.hex.startswith(hex_text)]
        if len(by_prefix) == 1:
            return by_prefix[0]
        if by_prefix:
            raise _ambiguous(f"id prefix '{text}'", by_prefix, id_of, describe)
    message = f"no session is named '{text}' or has an id starting with it"
    if list_names:
        names = sorted(name_of(c) or id_of(c).short for c in candidates)
        message += f" (sessions: {', '.join(names) or 'none'})"
    raise SessionLookupError(message)


def resolve_session(store: Store, ref: str) -> StoredSession:
    """The one stored session `ref` names (see `resolve_ref`)."""
    return resolve_ref(
        ref,
        store.list_sessions(),
        id_of=lambda s: s.id,
        name_of=lambda s: s.name,
        describe=lambda s: f"{s.id} (created {to_iso(s.created_at)[:19]}Z)",
    )


def _ambiguous(
    what: str,
    candidates: Sequence[T],
    id_of: Callable[[T], SessionId],
    describe: Callable[[T], str],
) -> AmbiguousSessionError:
    listed = ", ".join(describe(c) for c in candidates)
    return AmbiguousSessionError(
        f"{what} matches {len(candidates)} sessions: {listed}; use an id instead",
        [str(id_of(c)) for c in candidates],
    )
