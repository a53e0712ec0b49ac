"""Round trips through a real database file, secrets, runs, pruning and the writer thread."""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aisession_tui.core.config import SessionConfig
from aisession_tui.core.types import CommandRecord, SessionId, SessionStatus
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.store import Store

from .conftest import make_session


def _raw_bytes(data_dir: Path) -> bytes:
    """Every byte SQLite has on disk for the store: the file and its WAL."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.iterdir()) if p.is_file())


def test_session_history_tokens_status_and_screen_survive_close_and_reopen(
    data_dir: Path, tmp_path: Path
) -> None:
    store = Store.open(data_dir)
    store.begin_run()
    sid = SessionId.new()
    created = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    config = SessionConfig(
        name="worker",
        working_directory=tmp_path,
        shell_command="python -m pytest",
        agent_role="tester",
        pty_size=(40, 120),
        environment={"LANG": "C.UTF-8"},
    )
    store.record_session(sid, config, created, status=SessionStatus.RUNNING, metadata={"ticket": 7})
    store.record_command(
        sid,
        CommandRecord(
            "pytest -q",
            datetime(2026, 11, 1, 9, 31, tzinfo=UTC),
            exit_code=1,
            output_preview="1 failed",
            duration_ms=2500,
            cwd=str(tmp_path),
            output="F\n1 failed, 3 passed in 2.5s\n",
        ),
    )
    store.record_command(sid, CommandRecord("git status", datetime.now(UTC), exit_code=0))
    store.record_tokens(sid, 100)
    store.record_tokens(sid, 250)
    store.record_status(sid, SessionStatus.TERMINATED, SessionStatus.RUNNING)
    store.record_exit(sid, 1)
    lines = [f"line {n} ✓ ünïcode" for n in range(5000)]
    store.save_screen(sid, lines, ansi_lines=["\x1b[31mred\x1b[0m"])
    store.close()

    reopened = Store.open(data_dir)
    try:
        [stored] = reopened.list_sessions()
        assert stored.id == sid
        assert stored.name == "worker"
        assert stored.role == "tester"
        assert stored.created_at == created
        assert stored.status == SessionStatus.TERMINATED
        assert stored.exit_code == 1
        assert stored.metadata == {"ticket": 7}
        assert stored.total_tokens == 250
        assert stored.command_count == 2
        assert stored.session_config() == config
        first, second = reopened.history(sid)
        assert first.record == CommandRecord(
            "pytest -q",
            datetime(2026, 11, 1, 9, 31, tzinfo=UTC),
            exit_code=1,
            output_preview="1 failed",
            duration_ms=2500,
            cwd=str(tmp_path),
            output="F\n1 failed, 3 passed in 2.5s\n",
        )
        assert second.record.command == "git status"
        assert [c.record.command for c in reopened.history(sid, limit=1)] == ["git status"]
        assert [t.tokens for t in reopened.token_samples(sid)] == [100, 250]
        [change] = reopened.status_changes(sid)
        assert (change.old, change.new) == (SessionStatus.RUNNING, SessionStatus.TERMINATED)
        screen = reopened.load_screen(sid)
        assert screen is not None
        assert screen.lines == lines
        assert screen.ansi_lines == ["\x1b[31mred\x1b[0m"]
    finally:
        reopened.close()


def test_screens_are_stored_compressed(data_dir: Path, store: Store) -> None:
    sid = make_session(store)
    lines = [f"compiling crate number {n:05d} ... ok" for n in range(20_000)]
    store.save_screen(sid, lines)
    assert store.flush()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    blob_size = conn.execute("SELECT length(lines_z) FROM screens").fetchone()[0]
    conn.close()
    assert blob_size < sum(len(line) for line in lines) / 5


def test_screens_stored_by_releases_before_zstd_still_load(data_dir: Path, store: Store) -> None:
    """Releases before zstd stored zlib-compressed JSON; a database they wrote still reads."""
    sid = make_session(store)
    store.save_screen(sid, ["placeholder"])
    assert store.flush()
    old_blob = zlib.compress(json.dumps(["built 3 crates", "$ cargo test"]).encode("ascii"), 6)
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    conn.execute("UPDATE screens SET lines_z = ?", (old_blob,))
    conn.commit()
    conn.close()
    screen = store.load_screen(sid)
    assert screen is not None
    assert screen.lines == ["built 3 crates", "$ cargo test"]


def test_repeated_screen_saves_keep_only_the_newest(store: Store) -> None:
    sid = make_session(store)
    for n in range(50):
        store.save_screen(sid, [f"frame {n}"])
    assert store.flush()
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines == ["frame 49"]


def test_secret_environment_values_never_reach_the_database_file(
    data_dir: Path, tmp_path: Path
) -> None:
    secrets = {
        "GITHUB_TOKEN": "ghp_SECRETVALUE0001",
        "OPENAI_API_KEY": "sk-SECRETVALUE0002",
        "aws_secret_access_key": "SECRETVALUE0003",
        "DB_PASSWORD": "SECRETVALUE0004",
    }
    store = Store.open(data_dir)
    sid = SessionId.new()
    config = SessionConfig(
        working_directory=tmp_path, environment={**secrets, "EDITOR": "vim-visible"}
    )
    store.record_session(sid, config, datetime.now(UTC))
    assert store.flush()
    raw = _raw_bytes(data_dir)  # includes the -wal file while open
    assert b"vim-visible" in raw
    for value in secrets.values():
        assert value.encode() not in raw
    stored = store.get_session(sid)
    assert stored is not None
    assert stored.config["environment"] == {"EDITOR": "vim-visible"}
    assert set(stored.redacted_env) == set(secrets)
    store.close()
    for value in secrets.values():
        assert value.encode() not in _raw_bytes(data_dir)


def test_withheld_secrets_are_filled_from_the_environment_when_rebuilding_a_config(
    store: Store, tmp_path: Path
) -> None:
    sid = SessionId.new()
    config = SessionConfig(
        working_directory=tmp_path, environment={"API_KEY": "old", "A": "1", "B_TOKEN": "x"}
    )
    store.record_session(sid, config, datetime.now(UTC))
    assert store.flush()
    stored = store.get_session(sid)
    assert stored is not None
    rebuilt = stored.session_config({"API_KEY": "current"})
    assert rebuilt.environment == {"A": "1", "API_KEY": "current"}


def test_last_run_sessions_are_those_of_the_previous_run_only(data_dir: Path) -> None:
    first = Store.open(data_dir)
    first.begin_run()
    old = make_session(first, "old")
    first.close()
    second = Store.open(data_dir)
    second.begin_run()
    newer = [make_session(second, "a"), make_session(second, "b")]
    second.close()

    third = Store.open(data_dir)
    try:
        assert [s.id for s in third.last_run_sessions()] == newer
        third.begin_run()
        # Our own run's sessions never count as "last run".
        make_session(third, "mine")
        assert third.flush()
        assert [s.id for s in third.last_run_sessions()] == newer
        assert old in [s.id for s in third.list_sessions()]
    finally:
        third.close()


def test_a_run_of_a_live_app_is_not_offered_for_restore_but_a_crashed_one_is(
    data_dir: Path,
) -> None:
    live = Store.open(data_dir)
    live.begin_run()  # this process is alive: its run is active
    make_session(live, "running-elsewhere")
    assert live.flush()
    other = Store.open(data_dir)
    try:
        assert other.last_run_sessions() == []
        [listed] = other.list_sessions()
        assert listed.live
    finally:
        other.close()
    # Simulate a crash: the run never ended and its process is gone.
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    conn.execute("UPDATE runs SET pid = 2147483646")
    conn.commit()
    conn.close()
    again = Store.open(data_dir)
    try:
        assert [s.name for s in again.last_run_sessions()] == ["running-elsewhere"]
        assert not again.list_sessions()[0].live
    finally:
        again.close()
        live.close()


def test_prune_deletes_old_sessions_with_their_history_and_keeps_recent_ones(
    data_dir: Path,
) -> None:
    store = Store.open(data_dir)
    old = make_session(store, "old", status=SessionStatus.TERMINATED)
    store.record_command(old, CommandRecord("ls", datetime.now(UTC)))
    store.record_tokens(old, 5)
    store.save_screen(old, ["x"])
    recent = make_session(store, "recent", status=SessionStatus.TERMINATED)
    store.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    long_ago = (datetime.now(UTC) - timedelta(days=45)).isoformat(timespec="microseconds")
    conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (long_ago, str(old)))
    conn.commit()
    conn.close()

    store = Store.open(data_dir)
    try:
        assert [s.id for s in store.prune(timedelta(days=30), dry_run=True)] == [old]
        assert len(store.list_sessions()) == 2
        assert [s.id for s in store.prune(timedelta(days=30))] == [old]
        assert [s.id for s in store.list_sessions()] == [recent]
        assert store.history(old) == []
        assert store.token_samples(old) == []
        assert store.load_screen(old) is None
    finally:
        store.close()


def test_prune_keeps_sessions_of_a_running_app(data_dir: Path) -> None:
    live = Store.open(data_dir)
    live.begin_run()
    make_session(live, "busy")
    assert live.flush()
    other = Store.open(data_dir)
    try:
        assert other.prune(timedelta(seconds=0)) == []
    finally:
        other.close()
        live.close()


def test_a_failing_write_is_reported_and_does_not_lose_the_rest_of_its_batch(
    store: Store,
) -> None:
    gate = threading.Event()
    store.writer.submit(lambda conn: gate.wait(10))  # hold the writer so the next ops batch
    sid = make_session(store, "ok")
    store.record_command("not-a-known-session", CommandRecord("x", datetime.now(UTC)))
    store.record_command(sid, CommandRecord("kept", datetime.now(UTC)))
    gate.set()
    assert store.flush()
    assert store.writer.stats.failed == 1
    assert "FOREIGN KEY" in (store.writer.last_error or "")
    assert [c.record.command for c in store.history(sid)] == ["kept"]


def test_a_full_queue_drops_token_samples_but_never_records(data_dir: Path) -> None:
    store = Store.open(data_dir, maxsize=4)
    gate = threading.Event()
    try:
        sid = make_session(store, "busy")
        assert store.flush()
        store.writer.submit(lambda conn: gate.wait(10))
        commands = [f"cmd {n}" for n in range(40)]
        for command in commands:
            store.record_command(sid, CommandRecord(command, datetime.now(UTC)))
        accepted = [store.record_tokens(sid, n) for n in range(20)]
        gate.set()
        assert store.flush()
        assert [c.record.command for c in store.history(sid)] == commands
        assert store.writer.stats.overflowed > 0
        assert not all(accepted)
        assert store.writer.stats.dropped_samples == accepted.count(False)
    finally:
        gate.set()
        store.close()


async def test_aflush_waits_for_commits_without_blocking_the_loop(store: Store) -> None:
    sid = make_session(store, "async")
    store.record_command(sid, CommandRecord("echo", datetime.now(UTC)))
    await store.aflush()
    assert [c.record.command for c in store.history(sid)] == ["echo"]


def test_writes_are_batched_into_few_transactions(store: Store) -> None:
    gate = threading.Event()
    sid = make_session(store, "batch")
    assert store.flush()
    before = store.writer.stats.transactions
    store.writer.submit(lambda conn: gate.wait(10))
    for n in range(500):
        store.record_command(sid, CommandRecord(f"c{n}", datetime.now(UTC)))
    gate.set()
    assert store.flush()
    assert store.writer.stats.transactions - before <= 3
    assert len(store.history(sid)) == 500


def test_close_is_idempotent_and_commits_pending_writes(data_dir: Path) -> None:
    store = Store.open(data_dir)
    sid = make_session(store, "pending")
    store.close()
    store.close()
    with Store.open(data_dir) as again:
        assert again.get_session(sid) is not None


def test_recording_never_waits_for_a_database_locked_by_another_process(
    data_dir: Path, store: Store
) -> None:
    sid = make_session(store, "typing")
    assert store.flush()
    blocker = sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # nobody else can write until we let go
    try:
        # If any of these wrote on the caller's thread they would hang on the lock, then raise.
        for n in range(200):
            store.record_command(sid, CommandRecord(f"while locked {n}", datetime.now(UTC)))
            store.record_tokens(sid, n)
            store.save_screen(sid, [f"frame {n}"])
        store.record_status(sid, SessionStatus.PAUSED, SessionStatus.RUNNING)
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    assert store.flush()
    assert len(store.history(sid)) == 200
    assert store.writer.stats.failed == 0


def test_saved_screens_drop_terminal_padding(store: Store) -> None:
    sid = make_session(store)
    store.save_screen(sid, ["$ ls     ", "a  b     ", "         ", "         "])
    assert store.flush()
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines == ["$ ls", "a  b"]


def test_a_screen_in_a_batch_with_a_failing_write_is_still_saved(store: Store) -> None:
    gate = threading.Event()
    sid = make_session(store, "screen")
    assert store.flush()
    store.writer.submit(lambda conn: gate.wait(10))
    store.save_screen(sid, ["kept screen"])
    store.record_command("no-such-session", CommandRecord("x", datetime.now(UTC)))
    gate.set()
    assert store.flush()
    assert store.writer.stats.failed == 1
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines == ["kept screen"]
