"""The real app on a session database whose disk fills up: one notification when writes start
failing and one when they work again, however many retries and reports come between, while the
Details line follows what waits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisession_tui.core.types import CommandRecord
from aisession_tui.store import Store
from aisession_tui.ui.app import AppOptions

from ..store.disk import fill, small_disk
from .helpers import shell, wait_for
from .test_app_lifecycle import CountingApp

pytestmark = pytest.mark.timeout(120)


async def test_many_failing_reports_are_one_notification_and_details_counts_what_waits(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        app = CountingApp([shell("one")], options=AppOptions(control=False, panels=("details",)))
        app.store = store = Store.open(disk / "data")
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: len(app.lives) == 1 and store.run_id is not None)
            sid = next(iter(app.lives.values())).session.id
            details = app.main.sidebar.details_panel
            filler = fill(disk)
            waiting: list[str] = []
            for n in range(4):  # each flush is a failed retry that reports a new count
                store.record_command(sid, CommandRecord(f"cmd {n}", datetime.now(UTC), 0))
                await store.aflush()
                await wait_for(pilot, lambda: details.store_notice not in (None, *waiting))
                waiting.append(str(details.store_notice))
            assert len(set(waiting)) == 4 and "waiting" in waiting[-1], waiting

            filler.unlink()
            await store.aflush()
            await wait_for(pilot, lambda: details.store_notice is None, within=60)
            failing = [text for text in app.shown if "not being saved" in text]
            recovered = [text for text in app.shown if "takes writes again" in text]
            assert (len(failing), len(recovered)) == (1, 1), app.shown
            await app.shutdown()
        store.close()
        reopened = Store.open(disk / "data")
        try:
            assert [c.record.command for c in reopened.history(sid)] == [
                f"cmd {n}" for n in range(4)
            ]
        finally:
            reopened.close()
