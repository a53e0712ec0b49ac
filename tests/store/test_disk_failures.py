"""A full disk, or one gone read-only after an error, under the database: writes fail without
raising, the failure is reported once, they are retried, and nothing queued meanwhile is lost
once the disk takes writes again.

(A plain `mount -o remount,ro` cannot be tested: the kernel refuses it while the database is open
for writing. A filesystem error is what makes a disk read-only under a running program.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.types import CommandRecord, SessionId
from aisession_tui.store import writer
from aisession_tui.store.paths import DB_FILENAME
from aisession_tui.store.records import ScrollbackDelta
from aisession_tui.store.store import Store

from .conftest import make_session
from .disk import Reports, failing_disk, fill, small_disk


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk") as mounted:
        yield mounted


def _write_work(store: Store, sid: SessionId, first: int, count: int) -> None:
    for n in range(first, first + count):
        record = CommandRecord(f"cmd {n}", datetime.now(UTC), 0, output="o" * 4000)
        store.record_command(sid, record)
    lines = [f"line {n}" for n in range(first * 100, (first + count) * 100)]
    store.save_scrollback(sid, ScrollbackDelta(0, len(lines), 0, lines, ["$"], True))


def test_a_full_disk_is_reported_once_retried_and_nothing_is_lost(disk: Path) -> None:
    store = Store.open(disk / "data")
    reports = Reports()
    store.on_health_change(reports)
    store.begin_run()
    sid = make_session(store)
    assert store.flush() and store.health.ok

    filler = fill(disk)
    for batch in range(5):  # several failing batches: still one report
        _write_work(store, sid, batch * 20, 20)
        store.flush()
    reports.wait(lambda: reports.flips() == [False])
    failing = store.health
    assert not failing.ok and failing.held > 0
    assert failing.error is not None and "full" in failing.error
    assert reports.seen[-1].held == failing.held  # what waits is told as it grows

    filler.unlink()
    reports.wait(lambda: store.health.ok)
    assert reports.flips() == [False, True]
    store.flush()
    assert [c.record.command for c in store.history(sid)] == [f"cmd {n}" for n in range(100)]
    screen = store.load_screen(sid)
    assert screen is not None and screen.lines[-2:] == ["line 9999", "$"]
    store.close()


def test_a_run_begun_on_a_full_disk_is_a_notice_not_a_crash(disk: Path) -> None:
    """(Opening a database on a disk already full is refused with a one-line error: SQLite
    cannot create its journal files. This is the disk filling up just after.)"""
    store = Store.open(disk / "data")
    filler = fill(disk)
    try:
        assert store.begin_run() is None
        assert any("cannot be written" in notice for notice in store.notices), store.notices
        make_session(store)  # queued, retried: no exception reaches the caller
        store.flush()
        assert not store.health.ok
        filler.unlink()
    finally:
        store.close()


def _commands_in_file(path: Path) -> list[str]:
    """What the database file holds, read with sqlite3 by another connection."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT command FROM commands ORDER BY id")]
    finally:
        conn.close()


def test_a_disk_gone_read_only_is_reported_once_and_writes_recover_once_it_is_repaired(
    tmp_path: Path,
) -> None:
    with failing_disk(tmp_path / "disk") as disk:
        store = Store.open(disk.path / "data")
        reports = Reports()
        store.on_health_change(reports)
        store.begin_run()
        sid = make_session(store)
        _write_work(store, sid, 0, 20)
        assert store.flush() and store.health.ok

        disk.fail()
        for batch in range(1, 5):  # several failing batches and retries: still one report
            _write_work(store, sid, batch * 20, 20)
            store.flush()
        reports.wait(lambda: reports.flips() == [False] and store.health.held >= 80)
        error = store.health.error or ""
        assert "I/O" in error or "readonly" in error, error
        assert store.list_sessions()[0].id == sid  # reads work on, from a handle let go after

        # Unmounting fails while the app holds any file there: the writer and reader let go.
        disk.repair()
        store.flush()  # a flush retries at once
        reports.wait(lambda: store.health.ok)
        assert reports.flips() == [False, True]
        assert store.health.lost == 0
        expected = [f"cmd {n}" for n in range(100)]
        assert _commands_in_file(disk.path / "data" / DB_FILENAME) == expected
        assert [c.record.command for c in store.history(sid)] == expected
        screen = store.load_screen(sid)
        assert screen is not None and screen.lines[-2:] == ["line 9999", "$"]
        store.close()


def test_beyond_the_bound_the_oldest_waiting_writes_are_given_up_and_counted(
    disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "MAX_HELD", 30)
    store = Store.open(disk / "data")
    reports = Reports()
    store.on_health_change(reports)
    sid = make_session(store)
    assert store.flush()
    filler = fill(disk)
    for n in range(100):
        store.record_command(sid, CommandRecord(f"cmd {n}", datetime.now(UTC), 0, output="o"))
    store.flush()
    reports.wait(lambda: store.health.lost >= 70)
    assert store.health.held == 30 and store.health.lost == 70

    filler.unlink()
    store.flush()
    reports.wait(lambda: store.health.ok)
    assert store.health.lost == 70  # the recovery notice says so
    assert [c.record.command for c in store.history(sid)] == [f"cmd {n}" for n in range(70, 100)]
    store.close()
