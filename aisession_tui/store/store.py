"""`Store`: the app's one handle on the session database.

Writes are enqueued to the writer thread and return at once (safe on the event loop); reads
run synchronously on their own connection and see what has been committed, so call `flush()` /
`await aflush()` first to read your own writes. Reads are quick indexed queries, but a UI should
still run them in a worker.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus, utc_now

from .db import OpenedDatabase, Reopening, connect, open_database
from .paths import DB_FILENAME, data_dir_from
from .records import (
    LIVE_STATUSES,
    ScrollbackDelta,
    StatusChange,
    StoredCommand,
    StoredScreen,
    StoredSession,
    TokenSample,
    compress_lines,
    decompress_lines,
    from_iso,
    parse_status,
    to_iso,
)
from .redact import redact_data, redact_lines, redact_text, split_environment
from .writer import StoreHealth, StoreWriter, needs_reopen

SessionKey = SessionId | str


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


def _clean(value: Any) -> Any:
    """Text SQLite can store: lone surrogates (from surrogateescape decoding) become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _execute(c: sqlite3.Connection, sql: str, values: tuple[Any, ...]) -> None:
    """Execute; if some text cannot be encoded, store it cleaned rather than lose the row.
    (The check costs nothing on the normal path.)"""
    try:
        c.execute(sql, values)
    except UnicodeEncodeError:
        c.execute(sql, tuple(_clean(v) for v in values))


def process_started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), or None where unknown:
    with the pid it tells a live app from an unrelated process that reused a crashed one's pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int | None, started: str | None = None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if started is not None:
        now = process_started(pid)
        return now is None or now == started
    return True


_SESSION_COLUMNS = """
    s.id, s.name, s.role, s.config_json, s.redacted_env, s.created_at, s.updated_at, s.status,
    s.exit_code, s.metadata_json, s.total_tokens, s.run_id, s.closed_at, s.ended_uncleanly,
    (SELECT r.ended_at IS NULL FROM runs r WHERE r.id = s.run_id) AS run_open, s.agent,
    s.conversation_id,
    (SELECT COUNT(*) FROM commands c WHERE c.session_id = s.id) AS command_count
"""


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
        self._screens_lock = threading.Lock()
        self._pending_screens: dict[str, tuple[list[str], list[str] | None]] = {}
        #: Sessions whose next `save_scrollback` must be full (a delta did not follow on).
        self.needs_full: set[str] = set()
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
        pid = os.getpid()
        try:
            with self._reading() as conn:
                self._end_dead_runs(conn)
                cur = conn.execute(
                    "INSERT INTO runs (started_at, pid, pid_started) VALUES (?, ?, ?)",
                    (to_iso(utc_now()), pid, process_started(pid)),
                )
                self.run_id = int(cur.lastrowid or 0)
        except sqlite3.Error as exc:  # a full or read-only disk must not stop the app
            self.notices.append(
                f"The session database {self.path} cannot be written ({exc}): this run's "
                "sessions are not recorded for restore; other writes are retried."
            )
            return None
        return self.run_id

    @staticmethod
    def _end_dead_runs(conn: sqlite3.Connection) -> list[int]:
        """Mark runs whose app is gone but which never ended as ended uncleanly, at their last
        sign of life; their live sessions become terminated (and `ended_uncleanly`)."""
        rows = conn.execute(
            "SELECT id, pid, pid_started FROM runs WHERE ended_at IS NULL"
        ).fetchall()
        dead = [int(r[0]) for r in rows if not _pid_alive(r[1], r[2])]
        live = tuple(str(s) for s in LIVE_STATUSES)
        marks = ",".join("?" * len(live))
        for run_id in dead:
            conn.execute("BEGIN IMMEDIATE")
            try:
                last_seen = conn.execute(
                    """SELECT MAX(ts) FROM (
                           SELECT started_at AS ts FROM runs WHERE id = ?1
                           UNION ALL SELECT updated_at FROM sessions WHERE run_id = ?1
                           UNION ALL SELECT c.updated_at FROM screens c
                               JOIN sessions s ON s.id = c.session_id WHERE s.run_id = ?1)""",
                    (run_id,),
                ).fetchone()[0]
                ended = str(SessionStatus.TERMINATED)
                conn.execute(
                    f"""INSERT INTO status_changes (session_id, ts, old, new)
                        SELECT id, ?, status, ? FROM sessions
                        WHERE run_id = ? AND status IN ({marks})""",
                    (last_seen, ended, run_id, *live),
                )
                conn.execute(
                    f"""UPDATE sessions SET status = ?, ended_uncleanly = 1
                        WHERE run_id = ? AND status IN ({marks})""",
                    (ended, run_id, *live),
                )
                conn.execute(
                    "UPDATE runs SET ended_at = ?, unclean = 1 WHERE id = ?", (last_seen, run_id)
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return dead

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
            self._reader.release()

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
            _execute(
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
            _execute(
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
            lambda c: _execute(
                c,
                "UPDATE sessions SET agent = ?, conversation_id = ? WHERE id = ?",
                (agent, conversation_id, sid),
            )
        )

    def rename_session(self, session_id: SessionKey, name: str | None) -> None:
        sid = _key(session_id)
        self._writer.submit(
            lambda c: _execute(c, "UPDATE sessions SET name = ? WHERE id = ?", (name, sid))
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
        sid = _key(session_id)
        with self._screens_lock:
            queued = sid in self._pending_screens
            self._pending_screens[sid] = (
                list(lines),
                None if ansi_lines is None else list(ansi_lines),
            )
        if queued:
            return

        taken: list[tuple[list[str], list[str] | None]] = []

        def op(c: sqlite3.Connection) -> None:
            if not taken:  # kept for a retry of the batch: the pending entry is gone by then
                with self._screens_lock:
                    taken.append(self._pending_screens.pop(sid))
            text, ansi = taken[0]
            text = redact_lines(_trim_lines(text))
            c.execute(
                """INSERT INTO screens (session_id, updated_at, line_count, lines_z, ansi_z,
                       base_start, saved_end, first_line, screen_z)
                   VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)
                   ON CONFLICT(session_id) DO UPDATE SET updated_at = excluded.updated_at,
                       line_count = excluded.line_count, lines_z = excluded.lines_z,
                       ansi_z = excluded.ansi_z, base_start = NULL, saved_end = NULL,
                       first_line = NULL, screen_z = NULL""",
                (
                    sid,
                    to_iso(utc_now()),
                    len(text),
                    compress_lines(text),
                    None if ansi is None else compress_lines(redact_lines(ansi)),
                ),
            )
            c.execute("DELETE FROM scrollback_chunks WHERE session_id = ?", (sid,))

        self._writer.submit(op)

    def save_scrollback(self, session_id: SessionKey, delta: ScrollbackDelta) -> None:
        """Save a running session's scrollback incrementally (see `ScrollbackDelta`): a full
        delta replaces what is stored, another appends its lines as one compressed chunk. The
        lines are redacted and compressed in the writer thread. A delta that does not follow
        on from what is stored (one before it was lost) is not applied; `needs_full` then
        tells the saver to send a full one."""
        sid = _key(session_id)

        def op(c: sqlite3.Connection) -> None:
            history = redact_lines(_clean_rows(delta.history))
            screen = compress_lines(redact_lines(_trim_lines(delta.screen)))
            now = to_iso(utc_now())
            if delta.full:
                c.execute(
                    """INSERT INTO screens (session_id, updated_at, line_count, lines_z,
                           ansi_z, base_start, saved_end, first_line, screen_z)
                       VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8)
                       ON CONFLICT(session_id) DO UPDATE SET updated_at = ?2,
                           line_count = ?3, lines_z = ?4, ansi_z = NULL, base_start = ?5,
                           saved_end = ?6, first_line = ?7, screen_z = ?8""",
                    (
                        sid,
                        now,
                        len(history),
                        compress_lines(history),
                        delta.start,
                        delta.end,
                        delta.first_line,
                        screen,
                    ),
                )
                c.execute("DELETE FROM scrollback_chunks WHERE session_id = ?", (sid,))
                self.needs_full.discard(sid)
                return
            if not _follows_on(c, sid, delta):
                self.needs_full.add(sid)
                return
            if delta.replace:
                c.execute(
                    "DELETE FROM scrollback_chunks WHERE session_id = ? AND first_line >= ?",
                    (sid, delta.start),
                )
            if history:
                c.execute(
                    """INSERT OR REPLACE INTO scrollback_chunks
                       (session_id, first_line, line_count, lines_z) VALUES (?, ?, ?, ?)""",
                    (sid, delta.start, len(history), compress_lines(history)),
                )
            c.execute(
                """UPDATE screens SET updated_at = ?, saved_end = ?, first_line = ?,
                       screen_z = ? WHERE session_id = ?""",
                (now, delta.end, delta.first_line, screen, sid),
            )
            # Chunks wholly older than the pane's oldest line are gone from the pane too.
            c.execute(
                """DELETE FROM scrollback_chunks
                   WHERE session_id = ? AND first_line + line_count <= ?""",
                (sid, delta.first_line),
            )

        self._writer.submit(op)

    # -- reads ---------------------------------------------------------------------------

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._reading() as conn:
            return list(conn.execute(sql, tuple(params)).fetchall())

    def active_run_ids(self) -> set[int]:
        """Runs whose app process is still alive (their sessions may be live right now)."""
        rows = self._query("SELECT id, pid, pid_started FROM runs WHERE ended_at IS NULL")
        return {int(r["id"]) for r in rows if _pid_alive(r["pid"], r["pid_started"])}

    def _sessions(self, where: str = "", params: Iterable[Any] = ()) -> list[StoredSession]:
        active = self.active_run_ids()
        rows = self._query(
            f"SELECT {_SESSION_COLUMNS} FROM sessions s {where} ORDER BY s.created_at, s.id", params
        )
        return [_session_from_row(r, active) for r in rows]

    def list_sessions(self) -> list[StoredSession]:
        """Every stored session, oldest first."""
        return self._sessions()

    def get_session(self, session_id: SessionKey) -> StoredSession | None:
        found = self._sessions("WHERE s.id = ?", (_key(session_id),))
        return found[0] if found else None

    def last_run_sessions(self) -> list[StoredSession]:
        """The sessions of the most recent finished (or crashed) run other than ours, minus
        those the user closed during it: what a restore brings back. Runs of another app
        instance still alive are skipped."""
        active = self.active_run_ids()
        rows = self._query(
            "SELECT DISTINCT run_id FROM sessions WHERE run_id IS NOT NULL ORDER BY run_id DESC"
        )
        for row in rows:
            run_id = int(row["run_id"])
            if run_id == self.run_id or run_id in active:
                continue
            return self._sessions("WHERE s.run_id = ? AND s.closed_at IS NULL", (run_id,))
        return []

    def history(self, session_id: SessionKey, limit: int | None = None) -> list[StoredCommand]:
        """A session's commands, oldest first (the newest `limit` if given)."""
        sid = _key(session_id)
        sql = "SELECT * FROM commands WHERE session_id = ? ORDER BY id"
        params: tuple[Any, ...] = (sid,)
        if limit is not None:
            sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY id"
            params = (sid, limit)
        return [
            StoredCommand(
                seq=int(r["id"]),
                session_id=SessionId.parse(r["session_id"]),
                record=CommandRecord(
                    command=r["command"],
                    timestamp=from_iso(r["timestamp"]),
                    exit_code=r["exit_code"],
                    output_preview=r["output_preview"],
                    duration_ms=r["duration_ms"],
                    cwd=r["cwd"],
                    output=r["output"],
                ),
            )
            for r in self._query(sql, params)
        ]

    def token_samples(self, session_id: SessionKey) -> list[TokenSample]:
        rows = self._query(
            "SELECT ts, tokens FROM token_samples WHERE session_id = ? ORDER BY ts, rowid",
            (_key(session_id),),
        )
        return [TokenSample(from_iso(r["ts"]), int(r["tokens"])) for r in rows]

    def status_changes(self, session_id: SessionKey) -> list[StatusChange]:
        rows = self._query(
            "SELECT ts, old, new FROM status_changes WHERE session_id = ? ORDER BY ts, rowid",
            (_key(session_id),),
        )
        return [
            StatusChange(
                from_iso(r["ts"]),
                None if r["old"] is None else parse_status(r["old"]),
                parse_status(r["new"]),
            )
            for r in rows
        ]

    def load_screen(self, session_id: SessionKey) -> StoredScreen | None:
        """The last saved scrollback and screen, oldest line first: a snapshot taken at exit,
        or the base, chunks and visible rows saved while the session ran."""
        sid = _key(session_id)
        with self._reading() as conn:
            r = conn.execute(
                """SELECT updated_at, lines_z, ansi_z, base_start, first_line, screen_z
                   FROM screens WHERE session_id = ?""",
                (sid,),
            ).fetchone()
            chunks = (
                []
                if r is None or r["base_start"] is None
                else conn.execute(
                    """SELECT first_line, lines_z FROM scrollback_chunks
                       WHERE session_id = ? ORDER BY first_line""",
                    (sid,),
                ).fetchall()
            )
        if r is None:
            return None
        lines = decompress_lines(r["lines_z"])
        if r["base_start"] is not None:
            # Each piece is cut by line number: lines the pane dropped since are left out.
            first = int(r["first_line"] or 0)
            pieces = [(int(r["base_start"]), lines)]
            pieces += [(int(c["first_line"]), decompress_lines(c["lines_z"])) for c in chunks]
            lines = [line for start, piece in pieces for line in piece[max(0, first - start) :]]
            lines += decompress_lines(r["screen_z"])
            while lines and not lines[-1]:
                lines.pop()
        return StoredScreen(
            session_id=SessionId.parse(sid),
            updated_at=from_iso(r["updated_at"]),
            lines=lines,
            ansi_lines=decompress_lines(r["ansi_z"]),
        )

    def prune(self, older_than: timedelta, *, dry_run: bool = False) -> list[StoredSession]:
        """Delete sessions (with their history, samples and screens) not updated for
        `older_than`; sessions of a running app are kept. Returns what was (or would be) removed.

        Runs on the read connection, synchronously: it is a command-line operation.
        """
        cutoff = to_iso(utc_now() - older_than)
        active = self.active_run_ids()
        victims = [
            s
            for s in self._sessions("WHERE s.updated_at < ?", (cutoff,))
            if s.run_id is None or s.run_id not in active
        ]
        if dry_run or not victims:
            return victims
        with self._reading() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "DELETE FROM sessions WHERE id = ?", [(str(s.id),) for s in victims]
                )
                conn.execute(
                    "DELETE FROM runs WHERE ended_at IS NOT NULL AND id NOT IN "
                    "(SELECT run_id FROM sessions WHERE run_id IS NOT NULL)"
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return victims


def _follows_on(c: sqlite3.Connection, sid: str, delta: ScrollbackDelta) -> bool:
    """Whether a delta continues what is stored: it starts where the last save ended or, for a
    rewrite, where the base (`line_count` lines from `base_start`) or a kept chunk ends."""
    row = c.execute(
        "SELECT saved_end, base_start + line_count FROM screens WHERE session_id = ?"
        " AND base_start IS NOT NULL",
        (sid,),
    ).fetchone()
    if row is None:
        return False
    if not delta.replace:
        return bool(row[0] == delta.start)
    if row[1] == delta.start:
        return True
    found = c.execute(
        """SELECT 1 FROM scrollback_chunks
           WHERE session_id = ? AND first_line + line_count = ? AND first_line < ?""",
        (sid, delta.start, delta.start),
    ).fetchone()
    return found is not None


def _clean_rows(lines: list[str]) -> list[str]:
    """Rows without their padding (trailing spaces) and with only valid Unicode text."""
    return [_clean(line).rstrip() for line in lines]


def _trim_lines(lines: list[str]) -> list[str]:
    """Drop the padding a terminal row carries (trailing spaces, blank rows at the end) and
    anything that is not valid Unicode text."""
    trimmed = _clean_rows(lines)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def _session_from_row(r: sqlite3.Row, active_runs: set[int]) -> StoredSession:
    status = parse_status(r["status"])
    run_id = None if r["run_id"] is None else int(r["run_id"])
    live = run_id in active_runs and status in LIVE_STATUSES
    return StoredSession(
        id=SessionId.parse(r["id"]),
        name=r["name"],
        role=r["role"],
        config=json.loads(r["config_json"]),
        redacted_env=tuple(json.loads(r["redacted_env"] or "[]")),
        created_at=from_iso(r["created_at"]),
        updated_at=from_iso(r["updated_at"] or r["created_at"]),
        status=status,
        exit_code=r["exit_code"],
        metadata=json.loads(r["metadata_json"] or "{}"),
        total_tokens=int(r["total_tokens"] or 0),
        run_id=run_id,
        command_count=int(r["command_count"]),
        live=live,
        closed_at=None if r["closed_at"] is None else from_iso(r["closed_at"]),
        # Marked by the next app start; until then, a live status in a run whose app is gone.
        ended_uncleanly=bool(r["ended_uncleanly"])
        or (not live and status in LIVE_STATUSES and bool(r["run_open"])),
        agent=r["agent"],
        conversation_id=r["conversation_id"],
    )
