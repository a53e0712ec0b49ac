"""Sessions come and go in the real app: closed panes are freed, parallel closes never crash,
and a flood of bells is one notification with a count."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from aisession_tui.ui.app import SupervisorApp

from .helpers import make_app, settle, shell, wait_for, wait_for_text

SIZE = (160, 48)
pytestmark = pytest.mark.timeout(120)


async def test_closed_sessions_and_their_panes_are_garbage_collected() -> None:
    app = make_app(shell("keeper"), panels=("sessions", "details"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 1)
        refs: list[weakref.ref[object]] = []
        for number in range(25):
            live = await app.add_session(shell(f"tmp{number}", "seq 1 3000; exec cat"))
            app.focus_session(live.session.id.uuid.hex)
            await wait_for_text(pilot, app, f"tmp{number}", "3000")
            frame = app.main.frame(live)
            refs += [weakref.ref(live), weakref.ref(live.emulator), weakref.ref(frame)]
            refs.append(weakref.ref(frame.terminal))
            app.main.refresh_panels()
            await settle(pilot)
            await app.close_session(live)
            del live, frame
            await settle(pilot)
        await settle(pilot)
        gc.collect()
        alive = [type(ref()).__name__ for ref in refs if ref() is not None]
        assert not alive, f"{len(alive)} objects of closed sessions are still alive: {alive[:8]}"
        assert [live.name for live in app.lives.values()] == ["keeper"]
        await app.shutdown()


async def test_parallel_closes_while_panels_refresh_never_crash() -> None:
    app = make_app(*(shell(f"s{n}", "exec cat") for n in range(15)), panels=("sessions",))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.main.pane_grid.frames) == 15)
        lives = list(app.lives.values())

        async def refresh_all_along() -> None:
            while app.lives:
                app.main.refresh_panels()
                app.main._tick_clock()
                await asyncio.sleep(0)

        refresher = asyncio.create_task(refresh_all_along())
        await asyncio.gather(*(app.close_session(live) for live in lives + lives[:5]))
        await asyncio.wait_for(refresher, 10)
        await settle(pilot)
        assert app.is_running and not app.lives
        assert not app.main.pane_grid.frames
        live = await app.add_session(shell("after"))  # the app goes on
        await wait_for(pilot, lambda: app.focused_live is live)
        await app.shutdown()


class CountingApp(SupervisorApp):
    """The real app, counting the notifications it shows."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.shown: list[str] = []

    def notify(self, message: str, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        self.shown.append(message)
        super().notify(message, *args, **kwargs)  # type: ignore[arg-type]


async def test_a_thousand_bells_from_an_unfocused_pane_are_one_notification_and_a_count() -> None:
    from aisession_tui.ui.app import AppOptions

    ringer = shell("ringer", "sleep 0.5; for i in $(seq 1000); do printf '\\a'; done; exec cat")
    app = CountingApp([shell("me"), ringer], options=AppOptions(control=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 2)
        app.focus_session(next(iter(app.lives)))
        live = next(live for live in app.lives.values() if live.name == "ringer")
        await wait_for(pilot, lambda: live.bells == 1000, within=30)
        await settle(pilot)
        bells = [text for text in app.shown if "bell" in text]
        assert bells == ["ringer rang the bell"]
        assert "🔔1000" in str(app.main.frame(live).title_bar.render())
        await app.shutdown()


async def test_a_rename_in_the_app_is_in_the_store_after_quitting(tmp_path) -> None:
    from aisession_tui.store import Store
    from aisession_tui.ui.screens import RenameScreen

    app = make_app(shell("one"), panels=())
    app.store = Store.open(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "$")
        await pilot.press("ctrl+b", "comma")
        await wait_for(pilot, lambda: isinstance(app.screen, RenameScreen))
        app.screen.query_one("Input").value = "lead"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused_live.name == "lead")
        await app.shutdown()

    reopened = Store.open(tmp_path)
    try:
        assert [s.name for s in reopened.list_sessions()] == ["lead"]
    finally:
        reopened.close()
