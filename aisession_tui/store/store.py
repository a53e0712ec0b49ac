"""`Store`: the app's one handle on the session database.

Writes are enqueued to the writer thread and return at once (safe on the event loop); reads
run synchronously on their own connection and see what has been committed, so call `flush()` /
`await aflush()` first to read your own writes. Reads are quick indexed queries, but a UI should
still run them in a worker.

The session and command rows are written here; runs live in `runs`, saved screens in
`screens`, reads in `queries`, and the writer thread in `writer`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus, utc_now

from . import queries
from .db import OpenedDatabase, Reopening, connect, open_database
from .paths import DB_FILENAME, data_dir_from
from .records import (
    ScrollbackDelta,
    StatusChange,
    StoredCommand,
    StoredScreen,
    StoredSession,
    TokenSample,
    to_iso,
)
from .redact import redact_data, redact_text, split_environment
from .runs import active_run_ids, start_run
from .screens import ScreenWrites, load_screen
from .sqltext import execute
from .writer import StoreHealth, StoreWriter, needs_reopen

SessionKey = SessionId | str
P = ParamSpec("P")
T = TypeVar("T")


class SessionLike(Protocol):
    """What `save_session` reads from a live session (the core's `AISession` fits)."""

    @property
    def id(self) -> SessionId: ...

    @property
    def config(self) -> SessionConfig: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def status(self) -> SessionStatus: ...


def _key(session_id: SessionKey) -> str:
    return str(session_id)


def _close_at_exit(ref: weakref.ReferenceType[Store]) -> Callable[[], None]:
    def close() -> None:
        store = ref()
        if store is not None:
            store.close()

    return close


class Store:
    """Sessions, history, token samples and screens in one SQLite file."""

    def __init__(self, opened: OpenedDatabase, **writer_options: Any) -> None:
        self.path = opened.path
        self.notices: list[str] = list(opened.notices)
        self.migrated_from = opened.migrated_from
        self._writer = StoreWriter(Reopening(opened.path, opened.conn), **writer_options)
        self._writer.on_health_change = self._health_changed
        self._health_listener: Callable[[StoreHealth], None] | None = None
        self._reader = Reopening(opened.path, connect(opened.path))
        self._read_lock = threading.Lock()
        self._screens = ScreenWrites()
        #: Sessions whose next `save_scrollback` must be full (a delta did not follow on).
        self.needs_full = self._screens.needs_full
        self.run_id: int | None = None
        # An app that exits without close() would otherwise lose what is still queued.
        self._atexit = _close_at_exit(weakref.ref(self))
        atexit.register(self._atexit)

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        *,
        path: Path | None = None,
        recover: bool = True,
        **writer_options: Any,
    ) -> Store:
        """Open the store in `data_dir` (default: `data_dir_from()`), or at an explicit `path`.

        The data folder is made owner-only; the folder of an explicit `path` is only created
        owner-only if missing, never changed.
        """
        own_folder = path is None
        if path is None:
            path = (data_dir if data_dir is not None else data_dir_from()) / DB_FILENAME
        opened = open_database(path, recover=recover, own_folder=own_folder)
        return cls(opened, **writer_options)

    @property
    def writer(self) -> StoreWriter:
        return self._writer

    @property
    def health(self) -> StoreHealth:
        """Whether writes are reaching the disk (a full or read-only disk makes them fail)."""
        return self._writer.health

    def on_health_change(self, listener: Callable[[StoreHealth], None] | None) -> None:
        """Call `listener` (from the writer thread) when writes start failing, when what waits
        changes, and when they work again; it must not block."""
        self._health_listener = listener

    def _health_changed(self, health: StoreHealth) -> None:
        if not health.ok:  # let go of the file too, as the writer did (see `_reading`)
            with self._read_lock:
                self._reader.release()
        listener = self._health_listener
        if listener is not None:
            listener(health)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The read connection, to itself. While writes fail, and after a read-only or I/O
        error, it is closed after use and opened again by path next time: a filesystem that
        went read-only can then be unmounted, repaired and mounted again under the app."""
        with self._read_lock:
            try:
                conn = self._reader.get()
                conn.row_factory = sqlite3.Row
                yield conn
            except sqlite3.Error as exc:
                if needs_reopen(exc):
                    self._reader.release()
                raise
            finally:
                if not self.health.ok:
                    self._reader.release()

    # -- lifecycle -------------------------------------------------------------------------

    def begin_run(self) -> int | None:
        """Mark the start of an app run; sessions saved from now on belong to it (for restore).

        Runs whose app died without a clean shutdown (kill -9, a crash, a power cut) are
        marked first: ended uncleanly, and their sessions no longer running. None (and a
        notice) when the disk refuses the write.
        """
        try:
            with self._reading() as conn:
                self.run_id = start_run(conn)
        except sqlite3.Error as exc:  # a full or read-only disk must not stop the app
            self.notices.append(
                f"The session database {self.path} cannot be written ({exc}): this run's "
                "sessions are not recorded for restore; other writes are retried."
            )
            return None
        return self.run_id

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Block until all queued writes are committed (False on timeout). Not on the loop."""
        return self._writer.flush(timeout)

    async def aflush(self) -> None:
        """Wait for all queued writes to be committed, from the event loop."""
        await self._writer.aflush()

    def close(self) -> None:
        """Commit everything, end the run, close the files. Idempotent; blocks briefly."""
        if self._writer.closed:
            return
        run_id = self.run_id
        if run_id is not None:
            ended = to_iso(utc_now())
            self._writer.submit(
                lambda c: c.execute("UPDATE runs SET ended_at = ? WHERE id = ?", (ended, run_id))
            )
        self._writer.close()
        atexit.unregister(self._atexit)
        with self._read_lock:
            self._reader.close()

    async def aclose(self) -> None:
        """`close()` in a thread, so the loop keeps running while the last writes commit."""
        await asyncio.to_thread(self.close)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writes (enqueue only; never block) ---------------------------------------------------

    def save_session(self, session: SessionLike) -> None:
        """Remember a session's identity, config and state (call on create, restart, rename)."""
        total = getattr(session, "total_tokens", None)
        self.record_session(
            session.id,
            session.config,
            session.created_at,
            name=getattr(session, "name", None),
            status=session.status,
            exit_code=getattr(session, "exit_code", None),
            metadata=getattr(session, "metadata", None),
            total_tokens=total if isinstance(total, int) else None,
        )

    def record_session(
        self,
        session_id: SessionKey,
        config: SessionConfig,
        created_at: datetime,
        *,
        name: str | None = None,
        status: SessionStatus | str = SessionStatus.INITIALIZING,
        exit_code: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        total_tokens: int | None = None,
    ) -> None:
        """Insert or update a session row; secret-looking environment values are withheld."""
        data = config.model_dump(mode="json")
        environment, withheld = split_environment(config.environment)
        data = redact_data({**data, "environment": {}})
        data["environment"] = environment
        sid = _key(session_id)
        row = (
            sid,
            name or config.name,
            config.agent_role,
            json.dumps(data),
            json.dumps(withheld),
            to_iso(created_at),
            to_iso(utc_now()),
            str(status),
            exit_code,
            json.dumps(dict(metadata or {}), default=str),
            total_tokens,
            self.run_id,
        )

        def op(c: sqlite3.Connection) -> None:
            execute(
                c,
                """
                INSERT INTO sessions (id, name, role, config_json, redacted_env, created_at,
                    updated_at, status, exit_code, metadata_json, total_tokens, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, 0), ?)
                ON CONFLICT(id) DO UPDATE SET
                    name = excluded.name, role = excluded.role,
                    config_json = excluded.config_json, redacted_env = excluded.redacted_env,
                    updated_at = excluded.updated_at, status = excluded.status,
                    exit_code = excluded.exit_code, metadata_json = excluded.metadata_json,
                    total_tokens = COALESCE(?, sessions.total_tokens),
                    run_id = COALESCE(excluded.run_id, sessions.run_id),
                    closed_at = NULL
                """,
                (*row, total_tokens),
            )

        self._writer.submit(op)

    def record_command(self, session_id: SessionKey, record: CommandRecord) -> None:
        """Append a command to a session's history."""
        sid = _key(session_id)
        now = to_iso(utc_now())

        def op(c: sqlite3.Connection) -> None:
            values = (  # redacted here, in the writer thread: outputs can be long
                sid,
                redact_text(record.command),
                to_iso(record.timestamp),
                record.exit_code,
                record.duration_ms,
                record.cwd,
                redact_text(record.output_preview),
                redact_text(record.output),
            )
            execute(
                c,
                """INSERT INTO commands (session_id, command, timestamp, exit_code, duration_ms,
                       cwd, output_preview, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                values,
            )
            c.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, sid))

        self._writer.submit(op)

    def record_status(
        self,
        session_id: SessionKey,
        new: SessionStatus | str,
        old: SessionStatus | str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record a status change (timeline) and the session's latest status."""
        sid, ts = _key(session_id), to_iso(at or utc_now())
        old_text = None if old is None else str(old)

        def op(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO status_changes (session_id, ts, old, new) VALUES (?, ?, ?, ?)",
                (sid, ts, old_text, str(new)),
            )
            c.execute(
                "UPDATE sessions SET status = ?, updated_at = ? WHERE id = ?", (str(new), ts, sid)
            )

        self._writer.submit(op)

    def record_exit(self, session_id: SessionKey, exit_code: int | None) -> None:
        """Record the exit code of a session's process."""
        sid, ts = _key(session_id), to_iso(utc_now())
        self._writer.submit(
            lambda c: c.execute(
                "UPDATE sessions SET exit_code = ?, updated_at = ? WHERE id = ?",
                (exit_code, ts, sid),
            )
        )

    def record_tokens(
        self, session_id: SessionKey, tokens: int, at: datetime | None = None
    ) -> bool:
        """Sample a session's token count; dropped (returns False) if the writer is swamped."""
        sid, ts = _key(session_id), to_iso(at or utc_now())

        def op(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO token_samples (session_id, ts, tokens) VALUES (?, ?, ?)",
                (sid, ts, tokens),
            )
            c.execute("UPDATE sessions SET total_tokens = ? WHERE id = ?", (tokens, sid))

        return self._writer.submit(op, lossy=True)

    def update_metadata(self, session_id: SessionKey, metadata: Mapping[str, Any]) -> None:
        sid = _key(session_id)
        text = json.dumps(dict(metadata), default=str)
        self._writer.submit(
            lambda c: c.execute("UPDATE sessions SET metadata_json = ? WHERE id = ?", (text, sid))
        )

    def mark_closed(self, session_id: SessionKey) -> None:
        """The user closed this session: keep its record, but do not offer it for restore."""
        sid, ts = _key(session_id), to_iso(utc_now())
        self._writer.submit(
            lambda c: c.execute("UPDATE sessions SET closed_at = ? WHERE id = ?", (ts, sid))
        )

    def record_conversation(self, session_id: SessionKey, agent: str, conversation_id: str) -> None:
        """The agent in this session and its own conversation id (`--restore` resumes it)."""
        sid = _key(session_id)
        self._writer.submit(
            lambda c: execute(
                c,
                "UPDATE sessions SET agent = ?, conversation_id = ? WHERE id = ?",
                (agent, conversation_id, sid),
            )
        )

    def rename_session(self, session_id: SessionKey, name: str | None) -> None:
        sid = _key(session_id)
        self._writer.submit(
            lambda c: execute(c, "UPDATE sessions SET name = ? WHERE id = ?", (name, sid))
        )

    def save_screen(
        self,
        session_id: SessionKey,
        lines: Sequence[str],
        ansi_lines: Sequence[str] | None = None,
    ) -> None:
        """Remember a session's scrollback + screen, oldest line first (with the emulator:
        `em.history_text() + em.text_lines()`). Calls made before the writer gets to it
        coalesce: only the newest screen is trimmed, compressed and written, off the loop."""
        op = self._screens.screen(_key(session_id), lines, ansi_lines)
        if op is not None:
            self._writer.submit(op)

    def save_scrollback(self, session_id: SessionKey, delta: ScrollbackDelta) -> threading.Event:
        """Save a running session's scrollback incrementally (see `ScrollbackDelta`): a full
        delta replaces what is stored, another appends its lines as one compressed chunk,
        redacted and compressed in the writer thread. A delta that does not follow on from what
        is stored (one before it was lost) is not applied; `needs_full` then tells the saver to
        send a full one.

        Returns an event set once the writer is done with the delta (applied in its
        transaction, failed or given up), so a saver can keep at most one delta per session
        waiting: under floods the writer thread falls behind, and the lines of every waiting
        delta are held in memory."""
        done = threading.Event()
        write = self._screens.scrollback(_key(session_id), delta)

        def write_then_tell(conn: sqlite3.Connection) -> None:
            try:
                write(conn)
            finally:
                done.set()

        # Given up unapplied (the writer far behind a refusing disk): dropped, so told too.
        weakref.finalize(write_then_tell, done.set)
        self._writer.submit(write_then_tell)
        return done

    # -- reads ---------------------------------------------------------------------------

    def _read(
        self,
        query: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        with self._reading() as conn:
            return query(conn, *args, **kwargs)

    def active_run_ids(self) -> set[int]:
        """Runs whose app process is still alive (their sessions may be live right now)."""
        return self._read(active_run_ids)

    def list_sessions(self) -> list[StoredSession]:
        """Every stored session, oldest first."""
        return self._read(queries.sessions)

    def get_session(self, session_id: SessionKey) -> StoredSession | None:
        found = self._read(queries.sessions, "WHERE s.id = ?", (_key(session_id),))
        return found[0] if found else None

    def last_run_sessions(self) -> list[StoredSession]:
        """The sessions of the most recent finished (or crashed) run other than ours, minus
        those the user closed during it: what a restore brings back. Runs of another app
        instance still alive are skipped."""
        active = self.active_run_ids()
        for run_id in self._read(queries.run_ids):
            if run_id == self.run_id or run_id in active:
                continue
            where = "WHERE s.run_id = ? AND s.closed_at IS NULL"
            return self._read(queries.sessions, where, (run_id,))
        return []

    def history(self, session_id: SessionKey, limit: int | None = None) -> list[StoredCommand]:
        """A session's commands, oldest first (the newest `limit` if given)."""
        return self._read(queries.history, _key(session_id), limit)

    def token_samples(self, session_id: SessionKey) -> list[TokenSample]:
        return self._read(queries.token_samples, _key(session_id))

    def status_changes(self, session_id: SessionKey) -> list[StatusChange]:
        return self._read(queries.status_changes, _key(session_id))

    def load_screen(self, session_id: SessionKey) -> StoredScreen | None:
        """The last saved scrollback and screen, oldest line first: a snapshot taken at exit,
        or the base, chunks and visible rows saved while the session ran."""
        return self._read(load_screen, _key(session_id))

    def prune(self, older_than: timedelta, *, dry_run: bool = False) -> list[StoredSession]:
        """Delete sessions (with their history, samples and screens) not updated for
        `older_than`; sessions of a running app are kept. Returns what was (or would be) removed.

        Runs on the read connection, synchronously: it is a command-line operation.
        """
        cutoff = to_iso(utc_now() - older_than)
        active = self.active_run_ids()
        victims = [
            s
            for s in self._read(queries.sessions, "WHERE s.updated_at < ?", (cutoff,))
            if s.run_id is None or s.run_id not in active
        ]
        if not dry_run and victims:
            self._read(queries.delete_sessions, [str(s.id) for s in victims])
        return victims
