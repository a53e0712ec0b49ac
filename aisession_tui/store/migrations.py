"""Schema versions of the store and the steps that bring an older database up to date.

Each migration is a list of SQL statements taking the schema from version N-1 to N; they run in
one transaction together with the version bump, so a crash mid-migration leaves the old version.
"""

from __future__ import annotations

import sqlite3

from .errors import NewerSchemaError

#: Version 1: sessions and command history only (the first release).
V1: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        name        TEXT,
        config_json TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        status      TEXT NOT NULL,
        exit_code   INTEGER
    )
    """,
    """
    CREATE TABLE commands (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        command        TEXT NOT NULL,
        timestamp      TEXT NOT NULL,
        exit_code      INTEGER,
        duration_ms    INTEGER,
        cwd            TEXT,
        output_preview TEXT NOT NULL DEFAULT '',
        output         TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX commands_by_session ON commands(session_id, id)",
)

#: Version 2: runs (for restore), metadata, token samples, status timeline, screens.
V2: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        ended_at   TEXT,
        pid        INTEGER
    )
    """,
    "ALTER TABLE sessions ADD COLUMN updated_at TEXT",
    "UPDATE sessions SET updated_at = created_at",
    "ALTER TABLE sessions ADD COLUMN run_id INTEGER REFERENCES runs(id)",
    "ALTER TABLE sessions ADD COLUMN role TEXT",
    "ALTER TABLE sessions ADD COLUMN metadata_json TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE sessions ADD COLUMN redacted_env TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE sessions ADD COLUMN total_tokens INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN closed_at TEXT",
    "UPDATE sessions SET role = json_extract(config_json, '$.agent_role')",
    "CREATE INDEX sessions_by_name ON sessions(name)",
    "CREATE INDEX sessions_by_run ON sessions(run_id)",
    """
    CREATE TABLE token_samples (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        ts         TEXT NOT NULL,
        tokens     INTEGER NOT NULL
    )
    """,
    "CREATE INDEX token_samples_by_session ON token_samples(session_id, ts)",
    """
    CREATE TABLE status_changes (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        ts         TEXT NOT NULL,
        old        TEXT,
        new        TEXT NOT NULL
    )
    """,
    "CREATE INDEX status_changes_by_session ON status_changes(session_id, ts)",
    """
    CREATE TABLE screens (
        session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
        updated_at  TEXT NOT NULL,
        line_count  INTEGER NOT NULL,
        lines_z     BLOB NOT NULL,
        ansi_z      BLOB
    )
    """,
)

#: Version 3: scrollback saved while sessions run (a base snapshot, appended chunks and the
#: visible rows), and runs that ended without a clean shutdown marked as such.
V3: tuple[str, ...] = (
    "ALTER TABLE screens ADD COLUMN base_start INTEGER",
    "ALTER TABLE screens ADD COLUMN saved_end INTEGER",
    "ALTER TABLE screens ADD COLUMN first_line INTEGER",
    "ALTER TABLE screens ADD COLUMN screen_z BLOB",
    """
    CREATE TABLE scrollback_chunks (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        first_line INTEGER NOT NULL,
        line_count INTEGER NOT NULL,
        lines_z    BLOB NOT NULL,
        PRIMARY KEY (session_id, first_line)
    )
    """,
    "ALTER TABLE runs ADD COLUMN unclean INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN pid_started TEXT",
    "ALTER TABLE sessions ADD COLUMN ended_uncleanly INTEGER NOT NULL DEFAULT 0",
)

#: Version 4: the agent a session runs and that agent's own conversation id (for `--restore`).
V4: tuple[str, ...] = (
    "ALTER TABLE sessions ADD COLUMN agent TEXT",
    "ALTER TABLE sessions ADD COLUMN conversation_id TEXT",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (V1, V2, V3, V4)
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database; 0 for a database we have never written."""
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if row is None:
        return 0
    version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    return int(version or 0)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database to `target`, one version per transaction; returns the version before.

    Raises `NewerSchemaError` when the file was written by a newer release: we must not touch it.
    """
    before = current_version(conn)
    if before > SCHEMA_VERSION:
        raise NewerSchemaError(before, SCHEMA_VERSION)
    for version in range(before + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before
