"""What an idle app with many sessions does not do: repaint every pane when focus moves, build
its prefix bar and help card again on each opening, or refresh its panels every second."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from textual._compositor import Compositor
from textual.pilot import Pilot

from aisession_tui.supervisor import Change, SessionChanged
from aisession_tui.supervisor.presenter import SessionPresenter
from aisession_tui.ui.app import AppOptions, SupervisorApp
from aisession_tui.ui.screens.help import HelpScreen
from aisession_tui.ui.screens.main import PANEL_FPS

from .helpers import all_running, make_app, screen_text, settle, shell, wait_for

SIZE = (160, 48)


async def test_moving_focus_between_panes_repaints_only_what_changed() -> None:
    app = make_app(shell("one", "cat"), shell("two", "cat"), shell("three", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 3 and app.focused_live is not None)
        keys = {live.name: key for key, live in app.lives.items()}
        await settle(pilot)
        full_updates = 0
        original = Compositor.render_full_update

        def counting(self: Compositor, simplify: bool = False):  # type: ignore[no-untyped-def]
            nonlocal full_updates
            full_updates += 1
            return original(self, simplify=simplify)

        Compositor.render_full_update = counting  # type: ignore[method-assign]
        try:
            for name in ("two", "one", "three"):
                app.focus_session(keys[name])
                await wait_for(pilot, lambda name=name: app.focused_live is app.lives[keys[name]])
                await settle(pilot)
        finally:
            Compositor.render_full_update = original  # type: ignore[method-assign]
        assert full_updates == 0
        await app.shutdown()


async def test_moving_focus_between_sessions_seen_before_lays_out_nothing() -> None:
    """The Details panel shows another session's values in its lines: no layout of the screen
    (it laid out every pane when a value's length or the number of lines changed)."""
    long_command = "cat " + " ".join(["/dev/stdin"] * 12)  # its details take more lines
    app = make_app(
        shell("one", "cat"), shell("three", long_command), shell("five", "cat"), panels=("details",)
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_running(app) and len(app.lives) == 3)
        keys = {live.name: key for key, live in app.lives.items()}
        await settle(pilot)
        layouts = 0

        def counted(_screen: object) -> None:
            nonlocal layouts
            layouts += 1

        app.focus_session(keys["three"])  # the tallest details: the panel grows once
        await wait_for(pilot, lambda: " three " in details_text(app))
        await settle(pilot)
        app.main.screen_layout_refresh_signal.subscribe(app.main, counted)
        for name in ("one", "three", "five", "one"):
            app.focus_session(keys[name])
            await wait_for(pilot, lambda name=name: f" {name} " in details_text(app))
            await settle(pilot)
        app.main.screen_layout_refresh_signal.unsubscribe(app.main)
        assert layouts == 0
        await app.shutdown()


def details_text(app: SupervisorApp) -> str:
    body = app.main.sidebar.details_panel.query_one(".details-body")
    return "\n".join(body.render_line(y).text for y in range(body.size.height))


async def test_the_help_card_is_built_once() -> None:
    app = make_app(shell("one", "cat -v"), shell("two", "cat -v"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live is not None)
        seen: list[object] = []
        for _ in range(2):
            await pilot.press("ctrl+b")
            await wait_for(pilot, lambda: app.prefix_keys.waiting)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            seen.append(app.screen)
            body = app.screen.query_one("#help-body")
            await wait_for(pilot, lambda body=body: body.scroll_y == 0)
            await pilot.press("end")  # scrolled down, the card opens at its top next time
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert seen[0] is seen[1]
        await app.shutdown()


async def panel_refreshes_over(app: SupervisorApp, pilot: Pilot[None], seconds: float) -> int:
    """How many times the panels are refreshed while nothing happens for `seconds`."""
    refreshes = 0
    original = app.main.refresh_panels

    def counting() -> None:
        nonlocal refreshes
        refreshes += 1
        original()

    app.main.refresh_panels = counting  # type: ignore[method-assign]
    await asyncio.sleep(seconds)  # the window watched, not a wait for something to happen
    await pilot.pause()
    return refreshes


class QuietForMinutes(SessionPresenter):
    """Every session last did something (and was created) about ten minutes ago."""

    def now(self) -> datetime:
        return super().now() + timedelta(minutes=10)


class QuietApp(SupervisorApp):
    presenter_class = QuietForMinutes


async def test_panels_of_sessions_quiet_for_minutes_are_not_refreshed_every_second() -> None:
    app = QuietApp([shell("one", "cat"), shell("two", "cat")], options=AppOptions(control=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 2 and app.focused_live is not None)
        await settle(pilot)
        refreshes = await panel_refreshes_over(app, pilot, 3.0)  # "10m ago" reads the same
        assert refreshes <= 1  # the minutes' changes are shown every 10 s at most
        await app.shutdown()


async def test_many_sessions_active_seconds_ago_refresh_the_panels_once_a_second() -> None:
    """Their "Ns ago" change at moments of their own: one refresh a second shows them all."""
    app = make_app(*(shell(f"s{number}", "cat") for number in range(12)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 12 and app.focused_live is not None)
        await settle(pilot)
        refreshes = await panel_refreshes_over(app, pilot, 3.0)
        assert 1 <= refreshes <= 4
        await app.shutdown()


async def test_a_busy_pane_title_is_redrawn_only_when_what_it_says_changes() -> None:
    """Token counts of a session printing steadily change many times a second; its title bar
    (which does not show them) is told each time, and drawn again only if its text changed."""
    printer = "for i in $(seq 1 400); do echo line $i; sleep 0.01; done; exec cat"
    app = make_app(shell("busy", printer), shell("other", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 2 and app.focused_live is not None)
        busy = next(live for live in app.lives.values() if live.name == "busy")
        frame = app.main.frame(busy)
        await wait_for(pilot, lambda: "line 2" in screen_text(app, "busy"))
        await settle(pilot)
        told = drawn = 0
        show, update = frame.title_bar.show, frame.title_bar.update

        def counting_show(*args: object, **kwargs: object) -> None:
            nonlocal told
            told += 1
            show(*args, **kwargs)  # type: ignore[arg-type]

        def counting_update(*args: object, **kwargs: object) -> None:
            nonlocal drawn
            drawn += 1
            update(*args, **kwargs)  # type: ignore[arg-type]

        frame.title_bar.show = counting_show  # type: ignore[method-assign]
        frame.title_bar.update = counting_update  # type: ignore[method-assign]
        await wait_for(pilot, lambda: told >= 5, within=30)
        assert drawn <= 2  # a change of status or parsed result may come along; not each count
        await app.shutdown()


async def test_changed_counts_refresh_the_panels_once_a_second_and_a_state_at_once() -> None:
    """Token counts of busy sessions change with every parse step (twenty floods hit the cap of
    five refreshes a second, each redrawing the Sessions table): counts alone wait a second; a
    change of state that comes meanwhile is shown as soon as before."""
    app = make_app(shell("one", "cat"), shell("two", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 2 and app.focused_live is not None)
        await settle(pilot)
        live = next(iter(app.lives.values()))
        refreshed: list[float] = []
        original = app.main.refresh_panels

        def counting() -> None:
            refreshed.append(time.monotonic())
            original()

        app.main.refresh_panels = counting  # type: ignore[method-assign]
        counts = SessionChanged(live, frozenset({Change.TOKENS, Change.RESULTS}))
        started = time.monotonic()
        for _ in range(20):  # counts changing twenty times, over a second or more
            app._on_supervisor_event(counts)
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        assert len(refreshed) <= elapsed + 1, (refreshed, elapsed)  # not five a second
        app._on_supervisor_event(counts)
        app._on_supervisor_event(SessionChanged(live, frozenset({Change.AGENT})))
        answered = time.monotonic()
        # The state brings the pending refresh forward to its own fifth of a second.
        assert app.main._panel_refresh_due <= answered + 1 / PANEL_FPS
        await app.shutdown()
