"""A full disk under the database: writes fail without raising, the failure is reported once,
they are retried, and nothing queued meanwhile is lost once the disk has room again.

(A read-only remount cannot be tested here: the kernel refuses to remount a filesystem read-only
while the database is open for writing.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.types import CommandRecord, SessionId
from aisession_tui.store.records import ScrollbackDelta
from aisession_tui.store.store import Store
from aisession_tui.store.writer import StoreHealth

from .conftest import make_session
from .disk import fill, small_disk


class Reports:
    """The health changes the writer thread reports."""

    def __init__(self) -> None:
        self.seen: list[StoreHealth] = []
        self.changed = threading.Event()

    def __call__(self, health: StoreHealth) -> None:
        self.seen.append(health)
        self.changed.set()

    def wait(self, count: int, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while len(self.seen) < count and time.monotonic() < deadline:
            self.changed.wait(0.1)
            self.changed.clear()
        assert len(self.seen) >= count, self.seen


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
    reports.wait(1)
    assert len(reports.seen) == 1
    failing = store.health
    assert not failing.ok and failing.held > 0
    assert failing.error is not None and "full" in failing.error

    filler.unlink()
    reports.wait(2)
    assert [h.ok for h in reports.seen] == [False, True]
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
