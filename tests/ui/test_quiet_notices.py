"""Frequent notices do not cover a pane's rows as toasts: they go to the pane's title bar."""

from __future__ import annotations

from .helpers import make_app, shell, wait_for

SIZE = (150, 44)


def title_text(app, name: str) -> str:
    frame = next(f for f in app.main.pane_grid.frames if f.live.name == name)
    return str(frame.title_bar.render())


async def test_the_focused_program_copying_and_exiting_shows_in_its_title_bar_not_toasts() -> None:
    # OSC 52: the program puts "hello" on the clipboard, as vim's yank to `+` does.
    app = make_app(shell("vim", "sh -c 'printf \"\\033]52;c;aGVsbG8=\\007\"; sleep 0.5; exit 0'"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "copied 5 characters" in title_text(app, "vim"))
        await wait_for(pilot, lambda: "exited with code 0" in title_text(app, "vim"))
        assert not list(app._notifications)
        await app.shutdown()
