"""Moving focus restyles the panes it moves between, not every widget on the screen.

A `:focus-within` rule that can match any node makes Textual restyle the whole screen on each
focus change; with twenty sessions that made Alt+N take a third of a second or more.
"""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet

from aisession_tui.ui.widgets.terminal_pane import TerminalPane

from .helpers import make_app, settle, shell, wait_for

SIZE = (160, 48)


async def test_moving_focus_between_two_panes_leaves_a_third_pane_unstyled() -> None:
    app = make_app(shell("one", "cat"), shell("two", "cat"), shell("three", "cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.lives) == 3 and app.focused_live is not None)
        keys = {live.name: key for key, live in app.lives.items()}
        app.focus_session(keys["one"])
        await settle(pilot)

        restyled: list[object] = []
        original = Stylesheet.update_nodes

        def recording(self: Stylesheet, nodes, animate: bool = False) -> None:  # type: ignore[no-untyped-def]
            nodes = list(nodes)
            restyled.extend(nodes)
            original(self, nodes, animate=animate)

        Stylesheet.update_nodes = recording  # type: ignore[method-assign]
        try:
            app.focus_session(keys["two"])
            await settle(pilot)
        finally:
            Stylesheet.update_nodes = original  # type: ignore[method-assign]

        panes = {pane.parent.live.name: pane for pane in app.query(TerminalPane)}  # type: ignore[union-attr]
        assert app.focused is panes["two"]
        assert panes["one"] in restyled or panes["two"] in restyled  # focus styles did update
        assert panes["three"] not in restyled
        await app.shutdown()
