"""`SessionManager`: the set of sessions a supervisor looks after."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from .backends import PtyBackend, SessionBackend
from .config import SessionConfig
from .errors import AlreadyExists, NotFound
from .events import ManagerEvent, SessionAdded, SessionEvent, SessionRemoved
from .session import AISession
from .types import SessionId, SessionInfo, SessionStatus

log = logging.getLogger(__name__)

ManagerListener = Callable[[ManagerEvent], None]


class SessionManager:
    """Creates, restores, finds and removes sessions; sessions are created but not started.

    `subscribe` gives one place to hear every session's events plus additions and removals, which
    is what a UI listing live sessions needs.
    """

    def __init__(
        self, default_config: SessionConfig | None = None, *, backend: SessionBackend | None = None
    ) -> None:
        self.default_config = default_config
        #: Where this manager's sessions run (`core/backends.py`); PTYs of our own by default.
        self.backend: SessionBackend = backend or PtyBackend()
        self._sessions: dict[SessionId, AISession] = {}
        self._unsubscribers: dict[SessionId, Callable[[], None]] = {}
        self._listeners: list[ManagerListener] = []

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sessions

    # --- creating ---------------------------------------------------------------------------

    async def create_session(self) -> AISession:
        """A new session with the default config (a fresh copy of it)."""
        config = self.default_config.model_copy(deep=True) if self.default_config else None
        return await self.create_session_with_config(config or SessionConfig())

    async def create_session_with_config(self, config: SessionConfig) -> AISession:
        return self._adopt(AISession(config, backend=self.backend.backend_for(config)))

    async def restore_session(
        self, session_id: SessionId, config: SessionConfig, created_at: datetime
    ) -> AISession:
        """Recreate a known session (same id and creation time); `AlreadyExists` when taken."""
        if session_id in self._sessions:
            raise AlreadyExists(session_id)
        return self._adopt(
            AISession(
                config,
                session_id=session_id,
                created_at=created_at,
                backend=self.backend.backend_for(config),
            )
        )

    def _adopt(self, session: AISession) -> AISession:
        self._sessions[session.id] = session
        self._unsubscribers[session.id] = session.subscribe(self._forward)
        self._emit(SessionAdded(session.id))
        return session

    # --- finding ----------------------------------------------------------------------------

    def get_session(self, session_id: SessionId) -> AISession | None:
        return self._sessions.get(session_id)

    def require_session(self, session_id: SessionId) -> AISession:
        """Like `get_session`, but raises `NotFound` instead of returning None."""
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound(session_id)
        return session

    def list_sessions(self) -> list[SessionId]:
        return list(self._sessions)

    def list_session_refs(self) -> list[AISession]:
        return list(self._sessions.values())

    def find_session_by_name(self, name: str) -> AISession | None:
        """The first session (in creation order) whose name is exactly `name`."""
        for session in self._sessions.values():
            if session.config.name == name:
                return session
        return None

    def list_sessions_by_prefix(self, prefix: str) -> list[AISession]:
        return [
            s
            for s in self._sessions.values()
            if s.config.name is not None and s.config.name.startswith(prefix)
        ]

    def list_sessions_detailed(self) -> list[SessionInfo]:
        return [session.info() for session in self._sessions.values()]

    # --- removing ---------------------------------------------------------------------------

    async def remove_session(self, session_id: SessionId) -> None:
        """Stop the session (if running) and forget it; unknown ids are ignored, as in the crate."""
        session = self._sessions.get(session_id)
        if session is None:
            return
        try:
            await session.stop()
        finally:
            self._forget(session_id)

    async def cleanup_terminated(self) -> int:
        """Forget every terminated session; how many were forgotten."""
        ended = [sid for sid, s in self._sessions.items() if s.status is SessionStatus.TERMINATED]
        for sid in ended:
            self._forget(sid)
        return len(ended)

    async def stop_all(self, grace: float = 1.0) -> None:
        """Stop every session concurrently (they stay listed, as terminated)."""
        results = await asyncio.gather(
            *(s.stop(grace) for s in self._sessions.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                log.error("stopping a session failed: %s", result)
        await self.backend.settle()

    async def detach_all(self) -> None:
        """Let go of every running session, leaving its process running (tmux backend only);
        sessions whose backend cannot keep them are stopped instead."""
        for session in self._sessions.values():
            live = session.status in (SessionStatus.RUNNING, SessionStatus.PAUSED)
            if live and session.backend.survives_detach and not session.is_headless:
                await session.detach()
        await self.stop_all()
        detach = getattr(self.backend, "detach", None)
        if detach is not None:
            await detach()

    def _forget(self, session_id: SessionId) -> None:
        if self._sessions.pop(session_id, None) is None:
            return
        unsubscribe = self._unsubscribers.pop(session_id, None)
        if unsubscribe is not None:
            unsubscribe()
        self._emit(SessionRemoved(session_id))

    # --- events -----------------------------------------------------------------------------

    def subscribe(self, listener: ManagerListener) -> Callable[[], None]:
        """Hear every managed session's events and `SessionAdded`/`SessionRemoved`."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _forward(self, event: SessionEvent) -> None:
        self._emit(event)

    def _emit(self, event: ManagerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("session manager listener %r failed", listener)
