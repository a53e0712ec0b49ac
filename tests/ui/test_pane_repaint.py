"""When a pane puts changes on screen: echoes at once, floods slowly, a flood's end promptly.

The slow paths are made very slow here (a flood frame every 1000 s), so a row that shows up can
only have come through the path under test; nothing depends on how fast this machine is.
"""

from __future__ import annotations

from time import monotonic

import pytest
from textual.strip import Strip

from aisession_tui.core.types import SessionStatus
from aisession_tui.ui.widgets import flood_painter, repaint_pacing
from aisession_tui.ui.widgets.repaint_pacing import FLOOD_AFTER
from aisession_tui.ui.widgets.terminal_pane import TerminalPane

from .helpers import make_app, shell, wait_for

SIZE = (120, 30)
NEVER_FPS = 0.001  # one frame every 1000 s


def rendered_rows(pane: TerminalPane) -> list[str]:
    """Record the text of every row the pane renders from now on."""
    seen: list[str] = []
    original = pane.render_line

    def render_line(y: int) -> Strip:
        strip = original(y)
        seen.append(strip.text)
        return strip

    pane.render_line = render_line  # type: ignore[method-assign]
    return seen


async def test_a_change_in_the_focused_pane_is_rendered_within_the_same_callback() -> None:
    app = make_app(shell("typing", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        pane = app.main.pane_grid.frames[0].terminal
        await wait_for(pilot, lambda: pane.has_focus)
        pane.repaint()  # whatever changed since start-up (the whole screen) is painted
        await pilot.pause()
        seen = rendered_rows(pane)
        pane.pacing.last_repaint = 0.0  # nothing painted lately: an echo is shown at once
        pane.emulator.feed(b"echoed-zq")
        pane.schedule_repaint()
        # No await since: Textual's screen update (a timer, after message hops) has not run.
        assert any("echoed-zq" in row for row in seen)
        await app.shutdown()


async def test_an_unfocused_pane_leaves_its_rows_to_the_screen_update() -> None:
    app = make_app(shell("one", "cat"), shell("two", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: all(f.terminal.size.height for f in app.main.pane_grid.frames)
        )
        pane = next(f.terminal for f in app.main.pane_grid.frames if not f.terminal.has_focus)
        seen = rendered_rows(pane)
        pane.pacing.last_repaint = 0.0
        pane.emulator.feed(b"later-zq")
        pane.schedule_repaint()
        assert not any("later-zq" in row for row in seen)
        await wait_for(pilot, lambda: any("later-zq" in row for row in seen))
        await app.shutdown()


@pytest.mark.parametrize("focused", [True, False])
async def test_a_flood_that_stops_shows_its_last_screen_once_quiet(
    monkeypatch: pytest.MonkeyPatch, focused: bool
) -> None:
    monkeypatch.setattr(repaint_pacing, "FLOOD_FPS", NEVER_FPS)
    monkeypatch.setattr(flood_painter, "FLOOD_TURNS", NEVER_FPS)
    monkeypatch.setattr(repaint_pacing, "QUIET_FOCUSED", 0.05)
    monkeypatch.setattr(repaint_pacing, "QUIET_BACKGROUND", 0.05)
    app = make_app(shell("one", "cat"), shell("two", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: all(f.terminal.size.height for f in app.main.pane_grid.frames)
        )
        pane = next(
            f.terminal for f in app.main.pane_grid.frames if f.terminal.has_focus == focused
        )
        pane.pacing.full_repaints = FLOOD_AFTER  # it has been redrawing whole screens: a flood
        pane.pacing.last_repaint = monotonic()
        seen = rendered_rows(pane)
        pane.emulator.feed(b"".join(b"line %d\r\n" % n for n in range(200)) + b"last-zq")
        pane.schedule_repaint()
        assert pane.stale
        await wait_for(pilot, lambda: not pane.stale)  # repainted, long before a flood frame
        await wait_for(pilot, lambda: any("last-zq" in row for row in seen))
        await app.shutdown()


async def test_a_synchronized_frame_is_shown_whole_when_the_program_ends_it() -> None:
    app = make_app(shell("tui", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        pane = app.main.pane_grid.frames[0].terminal
        await wait_for(pilot, lambda: pane.has_focus)
        pane.repaint()
        await pilot.pause()
        seen = rendered_rows(pane)
        pane.pacing.last_repaint = 0.0
        pane.emulator.feed(b"\x1b[?2026h\x1b[2J\x1b[Hhalf-a-frame")  # begin synchronized update
        pane.schedule_repaint()
        await pilot.pause(0.05)
        assert not any("half-a-frame" in row for row in seen)
        pane.emulator.feed(b" and-the-rest\x1b[?2026l")  # end it
        pane.schedule_repaint()
        await wait_for(pilot, lambda: any("half-a-frame and-the-rest" in row for row in seen))
        assert not any(row.rstrip().endswith("half-a-frame") for row in seen)
        await app.shutdown()


async def test_a_synchronized_frame_never_ended_is_shown_after_a_time_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(repaint_pacing, "SYNC_TIMEOUT", 0.1)
    app = make_app(shell("tui", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        pane = app.main.pane_grid.frames[0].terminal
        seen = rendered_rows(pane)
        pane.emulator.feed(b"\x1b[?2026hstuck-frame")
        pane.schedule_repaint()
        await wait_for(pilot, lambda: any("stuck-frame" in row for row in seen))
        await app.shutdown()


async def test_the_exit_notice_is_drawn_even_after_the_last_output_was_painted() -> None:
    app = make_app(shell("dies", "printf 'last-words\\n'; read -r _; exit 3"))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.main.pane_grid.frames[0].terminal
        await wait_for(pilot, lambda: "last-words" in "".join(pane.emulator.text_lines()))
        pane.repaint()  # the program's output is all on screen: nothing else would repaint
        await pilot.pause()
        seen = rendered_rows(pane)
        app.focused_live.write(b"\n")
        await wait_for(pilot, lambda: any("exited with code 3" in row for row in seen))
        await app.shutdown()
