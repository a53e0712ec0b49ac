"""Property: whatever text a command prints comes back from execute_command unchanged."""

from __future__ import annotations

import asyncio
import shlex
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisession_tui.core import AISession

from .conftest import bash_config

pytestmark = pytest.mark.timeout(120)

printable = st.text(
    alphabet=st.characters(
        whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\x7f"
    ),
    max_size=60,
)


async def _round_trip(lines: list[str], headless: bool) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        session = AISession(bash_config(Path(tmp), force_headless=headless))
        await session.start()
        try:
            return [
                await session.execute_command(f"printf '%s\\n' {shlex.quote(line)}", timeout=10)
                for line in lines
            ]
        finally:
            await session.stop()


@pytest.mark.parametrize("headless", [False, True], ids=["pty", "headless"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(printable, min_size=1, max_size=4))
def test_printed_text_round_trips_through_execute_command(headless: bool, lines: list[str]) -> None:
    outputs = asyncio.run(_round_trip(lines, headless))
    assert outputs == [line + "\n" for line in lines]
