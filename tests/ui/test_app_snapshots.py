"""Pictures of the whole app with three deterministic sessions (pytest-textual-snapshot)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from aisession_tui.ai.state import AgentState

from .helpers import wait_for
from .snapshot_apps.supervisor_app import make_app

WIDE = (160, 48)
NARROW = (100, 30)
ALL_PANELS = ("sessions", "details", "tokens", "history")


async def sessions_settled(pilot: Pilot) -> None:
    """Every session printed its round, was analysed, and the panes and panels show it."""
    app = pilot.app
    await wait_for(pilot, lambda: len(app.lives) == 3)
    presenters = {p.name: p for p in app.presenters.values()}
    texts = {"builder": "Build succeeded", "tester": "1 failed", "reviewer": "[y/N]"}
    for name, text in texts.items():
        live = presenters[name].live
        await wait_for(
            pilot, lambda live=live, text=text: text in "".join(live.emulator.text_lines())
        )
    await wait_for(pilot, lambda: "1 failed" in presenters["tester"].event_summary)
    reviewer = presenters["reviewer"].monitor
    await wait_for(pilot, lambda: reviewer.state.state is AgentState.WAITING_FOR_INPUT)
    app.main.refresh_panels()
    await pilot.pause(0.3)


def then(*steps: Callable[[Pilot], Awaitable[None]]) -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        for step in steps:
            await step(pilot)

    return run


def pressing(*keys: str) -> Callable[[Pilot], Awaitable[None]]:
    async def press(pilot: Pilot) -> None:
        await pilot.press(*keys)
        await pilot.pause(0.3)

    return press


def test_default_layout_with_three_sessions(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=sessions_settled)


def test_zoomed_pane(snap_compare) -> None:
    run = then(sessions_settled, pressing("alt+2", "ctrl+b", "z"))
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run)


@pytest.mark.parametrize("panel", ALL_PANELS)
def test_each_panel_shown(snap_compare, panel: str) -> None:
    app = make_app(panels=(panel,))
    assert snap_compare(app, terminal_size=WIDE, run_before=sessions_settled)


def test_all_panels_in_a_narrow_terminal(snap_compare) -> None:
    app = make_app(panels=ALL_PANELS)
    assert snap_compare(app, terminal_size=NARROW, run_before=sessions_settled)


async def cursors_still(pilot: Pilot) -> None:
    """A blinking text cursor would make the picture depend on the moment it is taken."""
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.1)


def test_new_session_form(snap_compare) -> None:
    run = then(sessions_settled, pressing("ctrl+b", "c"), cursors_still)
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run)


def test_help_screen(snap_compare) -> None:
    run = then(sessions_settled, pressing("ctrl+b", "question_mark"))
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run)


def test_prefix_footer_lists_commands(snap_compare) -> None:
    run = then(sessions_settled, pressing("ctrl+b"))
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run)


@pytest.mark.parametrize("theme", ["daylight", "gruvbox"])
def test_themes(snap_compare, theme: str) -> None:
    app = make_app(theme=theme, panels=("sessions", "tokens"))
    assert snap_compare(app, terminal_size=WIDE, run_before=sessions_settled)
