"""Frequent notices do not cover a pane's rows: they go to its title bar; toasts sit at the top."""

from __future__ import annotations

from textual.widgets._toast import ToastRack

from .helpers import make_app, shell, wait_for

SIZE = (150, 44)


def title_text(app, name: str) -> str:
    frame = next(f for f in app.pane_grid.frames if f.live.name == name)
    return str(frame.title_bar.render())


async def test_a_program_copying_text_and_exiting_show_in_its_title_bar_not_as_toasts() -> None:
    # OSC 52: the program puts "hello" on the clipboard, as vim's yank to `+` does.
    app = make_app(shell("vim", "sh -c 'printf \"\\033]52;c;aGVsbG8=\\007\"; sleep 0.5; exit 0'"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "copied 5 characters" in title_text(app, "vim"))
        await wait_for(pilot, lambda: "exited with code 0" in title_text(app, "vim"))
        assert not list(app._notifications)
        await app.shutdown()


async def test_toasts_are_at_the_top_not_over_the_bottom_rows() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("something")
        await pilot.pause(0.2)
        rack = app.screen.get_child_by_type(ToastRack)
        assert rack.styles.dock == "top"
        assert rack.region.y <= 1
        await app.shutdown()
