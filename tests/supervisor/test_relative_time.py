"""Relative times and when they next read differently (the panels' clock waits that long)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aisession_tui.supervisor.presenter import relative_time, relative_time_changes_in

NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "wait"),
    [
        (0.0, 1.0),
        (5.25, 0.75),
        (59.5, 0.5),  # "59s ago" becomes "1m ago"
        (60.0, 60.0),
        (150.0, 30.0),  # "2m ago" until three minutes
        (3600 + 10.0, 3590.0),
        (86400 * 2 + 100.0, 86300.0),
        (-3.0, 4.0),  # a moment a little ahead of this clock reads "0s ago" until then
    ],
)
def test_the_wait_is_until_the_text_changes(elapsed: float, wait: float) -> None:
    moment = NOW - timedelta(seconds=elapsed)
    assert relative_time_changes_in(moment, NOW) == pytest.approx(wait)
    later = NOW + timedelta(seconds=wait)
    assert relative_time(moment, later) != relative_time(moment, NOW)
    assert relative_time(moment, later - timedelta(seconds=0.01)) == relative_time(moment, NOW)
