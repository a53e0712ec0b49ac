"""`SessionRecorder`: turns session events into store writes.

It listens to a `SessionManager` (or to single sessions) from the event loop, and each event
costs one enqueue on the store's writer: nothing here touches SQLite. Token counts have no event
of their own, so they are sampled when something happens -- on commands, exits, and at most every
`token_interval` seconds of output (a clock check per chunk, not a timer). Given a `view_source`
(each session's pane emulator), scrollback is saved while sessions run (`ScrollbackSaver`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from aisession_tui.core.events import (
    CommandRecorded,
    OutputReceived,
    ProcessExited,
    SessionAdded,
    SessionRemoved,
    StatusChanged,
)
from aisession_tui.core.types import SessionId, SessionStatus

from .scrollback import SAVE_AFTER, ScrollbackSaver, ViewSource
from .store import SessionLike, Store

_ENDED = frozenset({SessionStatus.TERMINATED, SessionStatus.ERROR})
ScreenSource = Callable[[SessionId], Sequence[str] | None]


class SessionRecorder:
    """Records sessions' lifecycle, history, tokens (and screens, given a source) in a `Store`."""

    def __init__(
        self,
        store: Store,
        *,
        screen_source: ScreenSource | None = None,
        view_source: ViewSource | None = None,
        save_after: float = SAVE_AFTER,
        token_interval: float = 5.0,
    ) -> None:
        self.store = store
        self.screen_source = screen_source
        self.saver = (
            None if view_source is None else ScrollbackSaver(store, view_source, delay=save_after)
        )
        self.token_interval = token_interval
        self._sessions: dict[SessionId, SessionLike] = {}
        self._unsubscribe: dict[SessionId, Callable[[], None]] = {}
        self._manager_unsubscribe: Callable[[], None] | None = None
        self._manager: Any = None
        self._held: set[SessionId] = set()
        self._last_tokens: dict[SessionId, int] = {}
        self._last_sample: dict[SessionId, float] = {}

    # -- wiring -------------------------------------------------------------------------------

    def watch(self, manager: Any) -> Callable[[], None]:
        """Record every session `manager` has now or adds later; returns a function to stop."""
        self._manager = manager
        for session in manager.list_session_refs():
            self._track(session)
        self._manager_unsubscribe = manager.subscribe(self._on_manager_event)
        return self.close

    def attach(self, session: SessionLike) -> Callable[[], None]:
        """Record one session that no watched manager owns; returns a function to stop."""
        self._track(session)
        self._unsubscribe[session.id] = session.subscribe(self._on_event)  # type: ignore[attr-defined]
        return lambda: self.detach(session.id)

    def detach(self, session_id: SessionId) -> None:
        unsubscribe = self._unsubscribe.pop(session_id, None)
        if unsubscribe is not None:
            unsubscribe()
        self._sessions.pop(session_id, None)

    def close(self) -> None:
        """Stop listening (queued writes stay queued; `store.flush()` commits them)."""
        if self._manager_unsubscribe is not None:
            self._manager_unsubscribe()
            self._manager_unsubscribe = None
        for session_id in list(self._unsubscribe):
            self.detach(session_id)
        self._sessions.clear()
        if self.saver is not None:
            self.saver.close()

    def hold(self, session_id: SessionId) -> None:
        """Ignore a session's events until `release` (restore replays old history through
        the session's own API; recording it again would duplicate it)."""
        self._held.add(session_id)

    def unhold(self, session_id: SessionId) -> None:
        """End a `hold` without saving (the restore of that session failed)."""
        self._held.discard(session_id)

    def release(self, session: SessionLike) -> None:
        """End a `hold` and save the session as it now is."""
        self._held.discard(session.id)
        self._track(session)

    def _track(self, session: SessionLike) -> None:
        self._sessions[session.id] = session
        if session.id not in self._held:
            self.store.save_session(session)
            self._sample(session, force=True)

    # -- saving on demand -----------------------------------------------------------------

    def save(self, session_id: SessionId) -> None:
        """Save a session's identity/config again (call after a rename or a config change)."""
        session = self._sessions.get(session_id)
        if session is not None:
            self.store.save_session(session)

    def save_screens(self) -> None:
        """Save every recorded session's screen (at app exit: with a `view_source`, only what
        is new since the last incremental save)."""
        for session_id in list(self._sessions):
            self._save_screen(session_id)

    def _save_screen(self, session_id: SessionId) -> None:
        if self.saver is not None and self.saver.save(session_id):
            return
        if self.screen_source is None:
            return
        lines = self.screen_source(session_id)
        if lines is not None:
            self.store.save_screen(session_id, lines)

    # -- events ---------------------------------------------------------------------------

    def _on_manager_event(self, event: object) -> None:
        if isinstance(event, SessionAdded):
            if event.session_id in self._held:
                return
            session = self._manager.get_session(event.session_id)
            if session is not None:
                self._track(session)
        elif isinstance(event, SessionRemoved):
            # Removed while we watch = closed by the user. At app exit, `close()` the recorder
            # before tearing sessions down, or nothing will be left to restore.
            if self._sessions.pop(event.session_id, None) is not None:
                self.store.mark_closed(event.session_id)
            if self.saver is not None:
                self.saver.forget(event.session_id)
        else:
            self._on_event(event)

    def _on_event(self, event: object) -> None:
        session_id = getattr(event, "session_id", None)
        if session_id is None or session_id in self._held:
            return
        store = self.store
        session = self._sessions.get(session_id)
        if isinstance(event, OutputReceived):
            if session is not None:
                self._sample(session)
                if self.saver is not None:
                    self.saver.note_output(session_id)
        elif isinstance(event, CommandRecorded):
            store.record_command(session_id, event.record)
            if session is not None:
                self._sample(session, force=True)
        elif isinstance(event, StatusChanged):
            store.record_status(session_id, event.new, event.old)
            restarted = event.new is SessionStatus.RUNNING and event.old in _ENDED
            if restarted and session is not None:
                store.save_session(session)  # clears the previous run's exit code
        elif isinstance(event, ProcessExited):
            store.record_exit(session_id, event.exit_code)
            self._save_screen(session_id)
            if session is not None:
                self._sample(session, force=True)

    def _sample(self, session: SessionLike, *, force: bool = False) -> None:
        tokens = getattr(session, "total_tokens", None)
        if not isinstance(tokens, int):
            return
        now = time.monotonic()
        sid = session.id
        if not force and now - self._last_sample.get(sid, float("-inf")) < self.token_interval:
            return
        self._last_sample[sid] = now
        if self._last_tokens.get(sid) == tokens:
            return
        if self.store.record_tokens(sid, tokens):
            self._last_tokens[sid] = tokens
