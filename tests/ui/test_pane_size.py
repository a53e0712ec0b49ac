"""A session's program starts at its pane's real size, not at 80x24 followed by a resize."""

from __future__ import annotations

import re

from .helpers import make_app, screen_text, shell, wait_for

SIZE = (150, 44)
PRINT_SIZE = "sh -c 'stty size; exec cat'"


def first_size(app, name: str) -> tuple[int, int] | None:
    """The size the program saw first (`stty size` prints "rows columns")."""
    match = re.search(r"^(\d+) (\d+)$", screen_text(app, name), re.M)
    return (int(match[1]), int(match[2])) if match else None


def pane_size(app, name: str) -> tuple[int, int]:
    live = next(live for live in app.lives.values() if live.name == name)
    return live.emulator.lines, live.emulator.columns


async def test_programs_given_at_start_and_added_later_start_at_their_panes_size() -> None:
    app = make_app(shell("first", PRINT_SIZE), shell("second", PRINT_SIZE))
    async with app.run_test(size=SIZE) as pilot:
        for name in ("first", "second"):
            await wait_for(pilot, lambda name=name: first_size(app, name) is not None)
            assert first_size(app, name) == pane_size(app, name)
        assert first_size(app, "first") != (24, 80)
        await app.add_session(shell("third", PRINT_SIZE))  # as `aisession-tui new` does
        await wait_for(pilot, lambda: first_size(app, "third") is not None)
        await pilot.pause(0.1)
        assert first_size(app, "third") == pane_size(app, "third")
        await app.shutdown()
