"""Opening database files: permissions, migrations, and files we must not overwrite."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.types import SessionStatus
from aisession_tui.store.db import open_database
from aisession_tui.store.errors import StoreError
from aisession_tui.store.migrations import SCHEMA_VERSION, V1, current_version
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.store import Store

from .conftest import make_session


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_folder_and_files_are_owner_only(data_dir: Path) -> None:
    store = Store.open(data_dir)
    try:
        make_session(store)
        assert store.flush()
        db = data_dir / DB_FILENAME
        assert _mode(data_dir) == 0o700
        assert _mode(db) == 0o600
        wal = db.with_name(db.name + "-wal")
        shm = db.with_name(db.name + "-shm")
        assert wal.exists() and shm.exists()  # WAL mode, while open
        assert _mode(wal) == 0o600
        assert _mode(shm) == 0o600
    finally:
        store.close()


def test_missing_parent_folders_are_created_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "a" / "b" / "data"
    Store.open(data_dir).close()
    assert [_mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", data_dir)] == [0o700] * 3


def test_an_existing_data_folder_is_tightened_to_owner_only(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    Store.open(data_dir).close()
    assert _mode(data_dir) == 0o700


def test_the_folder_of_an_explicit_database_path_is_not_changed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    Store.open(path=shared / "mine.db").close()
    assert _mode(shared) == 0o755
    assert _mode(shared / "mine.db") == 0o600


def test_database_uses_wal_journal(data_dir: Path) -> None:
    Store.open(data_dir).close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def _write_v1(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    for statement in V1:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
        (
            "0f8e5c1e-3a51-4a7e-9d4c-2b1f8a9c0d11",
            "legacy",
            '{"name": "legacy", "working_directory": "/", "shell_command": "make test",'
            ' "agent_role": "tester"}',
            "2026-01-02T03:04:05.000000+00:00",
            "terminated",
            3,
        ),
    )
    conn.execute(
        "INSERT INTO commands (session_id, command, timestamp, exit_code, output)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            "0f8e5c1e-3a51-4a7e-9d4c-2b1f8a9c0d11",
            "make test",
            "2026-01-02T03:05:00.000000+00:00",
            3,
            "FAILED",
        ),
    )
    conn.commit()
    conn.close()


def test_version_1_database_is_migrated_keeping_its_sessions_and_history(data_dir: Path) -> None:
    _write_v1(data_dir / DB_FILENAME)
    store = Store.open(data_dir)
    try:
        assert store.migrated_from == 1
        assert any("from schema 1 to" in n for n in store.notices)
        [legacy] = store.list_sessions()
        assert legacy.name == "legacy"
        assert legacy.role == "tester"  # backfilled from the config by the migration
        assert legacy.status == SessionStatus.TERMINATED
        assert legacy.exit_code == 3
        assert legacy.updated_at == legacy.created_at
        assert legacy.total_tokens == 0
        [cmd] = store.history(legacy.id)
        assert (cmd.record.command, cmd.record.exit_code, cmd.record.output) == (
            "make test",
            3,
            "FAILED",
        )
        # The new tables work on the migrated file.
        store.record_tokens(legacy.id, 77)
        store.save_screen(legacy.id, ["$ make test", "FAILED"])
        assert store.flush()
        assert store.get_session(legacy.id).total_tokens == 77  # type: ignore[union-attr]
        assert store.load_screen(legacy.id).lines == ["$ make test", "FAILED"]  # type: ignore[union-attr]
    finally:
        store.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    assert current_version(conn) == SCHEMA_VERSION
    conn.close()


def test_migration_runs_once(data_dir: Path) -> None:
    _write_v1(data_dir / DB_FILENAME)
    Store.open(data_dir).close()
    again = Store.open(data_dir)
    try:
        assert again.migrated_from == SCHEMA_VERSION
        assert again.notices == []
        assert len(again.list_sessions()) == 1
    finally:
        again.close()


def _aside(data_dir: Path, reason: str) -> list[Path]:
    """Moved-aside database files (their -wal/-shm sidecars travel with them)."""
    moved = data_dir.glob(f"{DB_FILENAME}.{reason}-*")
    return sorted(p for p in moved if not p.name.endswith(("-wal", "-shm", "-journal")))


def test_corrupt_database_is_moved_aside_and_a_fresh_one_started(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    garbage = b"this is not sqlite at all\x00\xff" * 100
    (data_dir / DB_FILENAME).write_bytes(garbage)
    store = Store.open(data_dir)
    try:
        [moved] = _aside(data_dir, "corrupt")
        assert moved.read_bytes() == garbage
        [notice] = store.notices
        assert "could not be used (file is not an SQLite database)" in notice
        assert str(moved) in notice
        assert "fresh database" in notice
        make_session(store, "fresh")
        assert store.flush()
        assert [s.name for s in store.list_sessions()] == ["fresh"]
    finally:
        store.close()


def test_damaged_sqlite_pages_are_detected_as_corrupt(data_dir: Path) -> None:
    store = Store.open(data_dir)
    for n in range(200):
        make_session(store, f"s{n}")
    store.close()
    db = data_dir / DB_FILENAME
    raw = bytearray(db.read_bytes())
    page = 4096
    assert len(raw) > 3 * page
    raw[page : 3 * page] = b"\xa5" * (2 * page)  # trash the b-tree pages, keep the header
    db.write_bytes(bytes(raw))
    fresh = Store.open(data_dir)
    try:
        assert len(_aside(data_dir, "corrupt")) == 1
        assert fresh.list_sessions() == []
        assert "could not be used" in fresh.notices[0]
    finally:
        fresh.close()


def test_newer_schema_database_is_never_overwritten(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    db = data_dir / DB_FILENAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 5,))
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()
    original = db.read_bytes()
    store = Store.open(data_dir)
    try:
        [moved] = _aside(data_dir, "newer")
        assert moved.read_bytes() == original
        expected = (
            f"database schema version {SCHEMA_VERSION + 5} is newer than this version "
            f"supports ({SCHEMA_VERSION})"
        )
        assert expected in store.notices[0]
        assert store.list_sessions() == []
    finally:
        store.close()


def test_without_recovery_an_unusable_database_is_an_error_and_left_untouched(
    data_dir: Path,
) -> None:
    data_dir.mkdir(parents=True)
    db = data_dir / DB_FILENAME
    db.write_bytes(b"garbage" * 50)
    with pytest.raises(StoreError) as caught:
        open_database(db, recover=False)
    assert str(caught.value) == (
        f"{db}: file is not an SQLite database; the file was left untouched"
    )
    assert db.read_bytes() == b"garbage" * 50
    assert _aside(data_dir, "corrupt") == []


def test_a_foreign_sqlite_database_is_not_adopted(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    conn.execute("CREATE TABLE sessions (whatever)")
    conn.commit()
    conn.close()
    store = Store.open(data_dir)
    try:
        assert len(_aside(data_dir, "corrupt")) == 1
        assert "not an aisession-tui one" in store.notices[0]
    finally:
        store.close()


def test_empty_file_becomes_a_fresh_database(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / DB_FILENAME).touch()
    store = Store.open(data_dir)
    try:
        assert store.notices == []
        make_session(store)
        assert store.flush()
        assert len(store.list_sessions()) == 1
    finally:
        store.close()


def test_opened_sessions_keep_utc_timestamps(data_dir: Path) -> None:
    store = Store.open(data_dir)
    try:
        sid = make_session(store)
        assert store.flush()
        stored = store.get_session(sid)
        assert stored is not None
        assert stored.created_at.tzinfo is not None
        assert abs((datetime.now(UTC) - stored.created_at).total_seconds()) < 3600
    finally:
        store.close()


def test_a_data_dir_that_cannot_be_created_is_a_clear_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("I am a file")
    with pytest.raises(StoreError) as caught:
        Store.open(blocker / "data")
    assert str(caught.value) == (
        f"{blocker / 'data' / DB_FILENAME}: cannot open the session database: Not a directory"
    )
