"""Opening the SQLite file: owner-only permissions, WAL, migrations, and never overwriting a
database we cannot read (corrupt, foreign or from a newer release) -- it is moved aside instead.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .errors import CorruptDatabaseError, NewerSchemaError, StoreError
from .migrations import SCHEMA_VERSION, current_version, migrate
from .paths import ensure_private_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_MS = 10_000


@dataclass(slots=True)
class OpenedDatabase:
    """A ready connection plus what the user should be told (e.g. an old file moved aside)."""

    conn: sqlite3.Connection
    path: Path
    notices: list[str] = field(default_factory=list)
    migrated_from: int = SCHEMA_VERSION


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves), usable from one other thread.

    Without `create`, a missing file is an error (`sqlite3.OperationalError`), not a new empty
    database: a reopened handle must find the database it had, not start another.
    """
    target = f"{path.absolute().as_uri()}?mode=rw" if not create else str(path)
    conn = sqlite3.connect(
        target, uri=not create, isolation_level=None, check_same_thread=False, timeout=10.0
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


class Reopening:
    """A connection to the database at `path` that can be let go of, and is opened again by
    path when next needed.

    After the disk under it failed (a filesystem gone read-only, I/O errors), a handle opened
    before may never work again, and while it is open the filesystem cannot be unmounted to be
    repaired; a handle opened afresh sees the filesystem as it is now.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection | None = None) -> None:
        self.path = path
        self._conn = conn
        self._closed = False

    def get(self) -> sqlite3.Connection:
        """The open connection, opened first if it was let go (raises `sqlite3.Error`)."""
        if self._closed:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        if self._conn is None:
            self._conn = connect(self.path, create=False)
        return self._conn

    def close(self) -> None:
        """Let go for good: `get()` raises from now on."""
        self._closed = True
        self.release()

    def release(self) -> None:
        """Close the connection (errors ignored: the disk may be refusing); reopened on use."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


def create_private_file(path: Path) -> None:
    """Create `path` with mode 0600 before SQLite does, so it is never briefly world-readable.

    SQLite gives its -wal and -shm files the same permissions as the database file.
    """
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o777 != 0o600:
        path.chmod(0o600)


def _inspect(path: Path) -> None:
    """Raise `CorruptDatabaseError` / `NewerSchemaError` unless `path` is a usable store file.

    Only reads: a file we refuse must stay exactly as it was.
    """
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_MAGIC))
    if header != SQLITE_MAGIC:
        raise CorruptDatabaseError("file is not an SQLite database")
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error as exc:
        raise CorruptDatabaseError(str(exc)) from exc
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise CorruptDatabaseError(f"integrity check failed: {result}")
        version = current_version(conn)
        if version == 0:
            tables = conn.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables:
                raise CorruptDatabaseError("it is an SQLite database, but not an aisession-tui one")
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(version, SCHEMA_VERSION)
    except sqlite3.Error as exc:
        raise CorruptDatabaseError(str(exc)) from exc
    finally:
        conn.close()


def move_aside(path: Path, reason: str) -> Path:
    """Rename the database (and its sidecar files) to `<name>.<reason>-<UTC time>`; returns it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    path.rename(target)
    for suffix in SIDECARS:
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.rename(target.with_name(target.name + suffix))
    return target


def open_database(path: Path, *, recover: bool = True, own_folder: bool = False) -> OpenedDatabase:
    """Open (creating if needed) the store at `path`, migrated to the current schema.

    With `recover`, a corrupt, foreign or newer-schema file is moved aside and a fresh database
    started, and a notice says so; without it the problem is raised as a `StoreError` and the
    file is left untouched (what read-only commands like `list` want). With `own_folder`, the
    folder is the app's data directory and is made owner-only even if it already existed.
    """
    try:
        return _open(path, recover, own_folder)
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot open the session database: {exc.strerror or exc}"
        ) from exc


def _open(path: Path, recover: bool, own_folder: bool) -> OpenedDatabase:
    ensure_private_dir(path.parent, tighten=own_folder)
    notices: list[str] = []
    if path.exists() and not path.is_file():  # a FIFO would block, a device mislead SQLite
        raise StoreError(f"{path}: the session database is not a regular file; left untouched")
    if path.exists():
        try:
            _inspect(path)
        except (CorruptDatabaseError, NewerSchemaError) as exc:
            if not recover:
                raise StoreError(f"{path}: {exc}; the file was left untouched") from exc
            reason = "newer" if isinstance(exc, NewerSchemaError) else "corrupt"
            moved = move_aside(path, reason)
            notices.append(
                f"The session database {path} could not be used ({exc}); it was moved to "
                f"{moved} and a fresh database was started."
            )
    create_private_file(path)
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        before = migrate(conn)
    except NewerSchemaError as exc:  # another process upgraded it between inspect and now
        conn.close()
        raise StoreError(f"{path}: {exc}") from exc
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"{path}: cannot open the session database: {exc}") from exc
    for suffix in SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            sidecar = path.with_name(path.name + suffix)
            if sidecar.stat().st_mode & 0o777 != 0o600:
                sidecar.chmod(0o600)
    if 0 < before < SCHEMA_VERSION:
        notices.append(
            f"Upgraded the session database {path} from schema {before} to {SCHEMA_VERSION}."
        )
    return OpenedDatabase(conn=conn, path=path, notices=notices, migrated_from=before)
