"""The key bar is rebuilt when the keys it shows change, not every time focus moves."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from aisession_tui.ui.widgets.footer import KeyFooter

from .helpers import make_app, shell, wait_for, wait_for_text


class Quiet(Static, can_focus=True):
    """Focusable, with no keys of its own."""


class Loud(Static, can_focus=True):
    BINDINGS = [Binding("f5", "ring", "Ring")]

    def action_ring(self) -> None:
        self.app.bell()


class Bar(App[None]):
    BINDINGS = [Binding("f2", "app.bell", "Bell")]

    def compose(self) -> ComposeResult:
        yield Quiet("a", id="a")
        yield Quiet("b", id="b")
        yield Loud("c", id="c")
        yield KeyFooter(show_command_palette=False)


def shown(app: App[None]) -> list[str]:
    return [str(key.description) for key in app.query("FooterKey")]


async def test_focus_moving_between_widgets_showing_the_same_keys_keeps_the_bar() -> None:
    app = Bar()
    async with app.run_test() as pilot:
        app.set_focus(app.query_one("#a"))
        await pilot.pause()
        keys = list(app.query("FooterKey"))
        assert shown(app) == ["Bell"]
        app.set_focus(app.query_one("#b"))
        await pilot.pause()
        assert list(app.query("FooterKey")) == keys  # the same widgets: not rebuilt
        app.set_focus(app.query_one("#c"))
        await pilot.pause()
        assert shown(app) == ["Ring", "Bell"]  # new keys: rebuilt
        app.set_focus(app.query_one("#a"))
        await pilot.pause()
        assert shown(app) == ["Bell"]


async def test_switching_panes_keeps_the_key_bar() -> None:
    app = make_app(shell("one"), shell("two"))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_text(pilot, app, "two", "$")
        await pilot.pause(0.1)
        keys = list(app.query("FooterKey"))
        assert keys
        await pilot.press("alt+2")
        await wait_for(pilot, lambda: app.focused_live.name == "two")
        await pilot.pause(0.1)
        assert list(app.query("FooterKey")) == keys
        await app.shutdown()
