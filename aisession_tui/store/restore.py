"""Bring back the sessions of the last run: same ids, names, roles, configs, history, tokens.

Sessions are recreated through `SessionManager.restore_session` but not started, so the caller
can put the old scrollback into a pane (and subscribe) before the new output arrives; then
`await restored.session.start()` relaunches the command in its directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.errors import SessionError

from .recorder import SessionRecorder
from .records import MissingSecretError, StoredScreen, StoredSession, to_iso
from .store import Store


@dataclass(slots=True)
class RestoredSession:
    """A recreated (not yet started) session and the scrollback to show above its new output."""

    stored: StoredSession
    session: Any
    scrollback: StoredScreen | None

    @property
    def note(self) -> str:
        """The line shown under the old scrollback: a run that ended uncleanly says so, and
        when its scrollback was last saved (later output is lost)."""
        if not self.stored.ended_uncleanly:
            return "restored"
        saved = self.scrollback.updated_at if self.scrollback else self.stored.updated_at
        when = to_iso(saved)[:19].replace("T", " ")
        return f"restored; the app ended uncleanly, scrollback as saved at {when} UTC"


@dataclass(slots=True)
class RestoreReport:
    restored: list[RestoredSession] = field(default_factory=list)
    #: (session label, one-line reason) for sessions that could not be brought back.
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [f"Could not restore session {label}: {reason}" for label, reason in self.failed]


async def restore_sessions(
    store: Store,
    manager: Any,
    *,
    recorder: SessionRecorder | None = None,
    sessions: list[StoredSession] | None = None,
    environ: Mapping[str, str] | None = None,
    start: bool = False,
    prepare: Callable[[SessionConfig, StoredSession], SessionConfig] | None = None,
) -> RestoreReport:
    """Recreate `sessions` (default: `store.last_run_sessions()`) in `manager`.

    Needs from the core: `manager.restore_session(id, config, created_at)`,
    `session.add_command_record(record)`, `await session.add_tokens(n)`, `session.metadata`.
    History is replayed while `recorder` holds the session, so it is not recorded twice; then
    the session is saved under the current run. `prepare` may change each config first (the
    app installs agent hooks and resumes the agent's conversation). Problems (a working
    directory that is gone, an id already in use, a command that fails to start) are reported
    per session, never raised.
    """
    report = RestoreReport()
    for stored in store.last_run_sessions() if sessions is None else sessions:
        try:
            config = stored.session_config(environ)
            if prepare is not None:
                config = prepare(config, stored)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            reason = first["msg"].removeprefix("Value error, ")
            report.failed.append((stored.label, f"{where}: {reason}" if where else reason))
            continue
        except MissingSecretError as exc:
            report.failed.append((stored.label, str(exc)))
            continue
        if recorder is not None:
            recorder.hold(stored.id)
        try:
            session = await manager.restore_session(stored.id, config, stored.created_at)
        except SessionError as exc:
            if recorder is not None:
                recorder.unhold(stored.id)
            report.failed.append((stored.label, str(exc)))
            continue
        for command in store.history(stored.id):
            session.add_command_record(command.record)
        if stored.total_tokens:
            await session.add_tokens(stored.total_tokens)
        session.metadata.update(stored.metadata)
        if recorder is not None:
            recorder.release(session)
        else:
            store.save_session(session)
        restored = RestoredSession(stored, session, store.load_screen(stored.id))
        if start:
            try:
                await session.start()
            except SessionError as exc:
                report.failed.append((stored.label, str(exc)))
        report.restored.append(restored)
    return report
