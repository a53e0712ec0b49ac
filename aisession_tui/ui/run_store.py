"""The app's side of the session database: this run is recorded, the last one can come back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.types import SessionId
from ..store import SessionRecorder, Store, restore_sessions
from ..terminal.emulator import Emulator
from .store_health import watch_store_health

if TYPE_CHECKING:
    from .app import SupervisorApp


class RunStore:
    """Records the app's sessions (history, screens, scrollback) into its `Store`, and restores
    the last run's into its supervisor."""

    def __init__(self, app: SupervisorApp, store: Store) -> None:
        self.app = app
        self.store = store
        self.recorder: SessionRecorder | None = None

    async def open(self, *, restore: bool) -> None:
        """Record this run; restore the last one when asked, otherwise offer it."""
        app, store = self.app, self.store
        store.begin_run()
        for notice in store.notices:
            app.notify(notice, title="Session database", severity="warning", timeout=15)
        self.recorder = SessionRecorder(
            store, screen_source=self._screen_lines, view_source=self._emulator_of
        )
        app.supervisor.names = store
        watch_store_health(app, store)
        if restore:
            await self.restore_last_run()
        else:
            previous = store.last_run_sessions()
            if previous:
                app.notify(
                    f"{len(previous)} session(s) from the last run can be restored "
                    f"(prefix R, or start with --restore)",
                    timeout=8,
                )
        self.recorder.watch(app.manager)  # recorder.close() stops watching

    async def restore_last_run(self) -> None:
        """Bring back the last run's sessions with their ids, history and scrollback."""
        app, supervisor = self.app, self.app.supervisor
        known = {live.session.id for live in supervisor}
        candidates = [s for s in self.store.last_run_sessions() if s.id not in known]
        report = await restore_sessions(
            self.store,
            app.manager,
            recorder=self.recorder,
            sessions=candidates,
            prepare=app.agent_hooks.prepare_restored,
        )
        for message in report.messages:
            app.notify(message, severity="error", timeout=10)
        for restored in report.restored:
            lines = restored.scrollback.lines if restored.scrollback else None
            live = supervisor.adopt(restored.session, lines, restored.note)
            tracker = supervisor.presenter(live).agent
            tracker.conversation_id = restored.stored.conversation_id
            await app.start_or_defer(live)
        if report.restored:
            app.notify(f"Restored {len(report.restored)} session(s)", timeout=3)

    def close(self) -> None:
        """Save every screen and stop recording (sessions may still be stopping)."""
        if self.recorder is not None:
            self.recorder.save_screens()
            self.recorder.close()

    def _emulator_of(self, session_id: SessionId) -> Emulator | None:
        live = self.app.supervisor.get(session_id)
        return None if live is None else live.emulator

    def _screen_lines(self, session_id: SessionId) -> list[str] | None:
        live = self.app.supervisor.get(session_id)
        if live is None:
            return None
        return live.emulator.history_text() + live.emulator.text_lines()
