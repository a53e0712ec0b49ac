"""The mouse in a pane: selecting and copying text, the wheel, and programs that ask for it."""

from __future__ import annotations

from textual import events

from aisession_tui.core.types import SessionStatus
from aisession_tui.ui.widgets.pane_lines import line_cells
from aisession_tui.ui.widgets.selection import Selection
from aisession_tui.ui.widgets.terminal_pane import TerminalPane

from .helpers import make_app, screen_text, shell, wait_for

SIZE = (120, 30)


async def pane_with(pilot, app, text: bytes) -> TerminalPane:  # type: ignore[no-untyped-def]
    """The focused pane of a silent program (`cat`), showing `text` from its top left corner."""
    await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
    pane = app.main.pane_grid.frames[0].terminal
    pane.emulator.feed(text)
    pane.repaint()
    await pilot.pause()
    return pane


def reversed_cells(pane: TerminalPane, y: int) -> list[int]:
    cells: list[int] = []
    x = 0
    for segment in pane.render_line(y):
        if segment.style is not None and segment.style.reverse:
            cells.extend(range(x, x + segment.cell_length))
        x += segment.cell_length
    return cells


async def test_dragging_selects_across_lines_highlights_and_copies() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"alpha beta\r\ngamma delta\r\n")
        await pilot.mouse_down(pane, offset=(6, 0))
        await pilot.hover(pane, offset=(4, 1))
        assert reversed_cells(pane, 0)[:4] == [6, 7, 8, 9]
        assert reversed_cells(pane, 1)[:5] == [0, 1, 2, 3, 4]
        await pilot.mouse_up(pane, offset=(4, 1))
        assert app.clipboard == "beta\ngamma"
        await pilot.click(pane, offset=(2, 0))  # a click drops the selection, copies nothing
        assert pane.selection is None and reversed_cells(pane, 0) == []
        assert app.clipboard == "beta\ngamma"
        await app.shutdown()


async def test_double_click_copies_a_word_and_triple_click_a_line() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"error: file.py:12 not found\r\n")
        await pilot.click(pane, offset=(9, 0), times=2)
        assert app.clipboard == "file.py:12"
        await pilot.click(pane, offset=(2, 0), times=3)
        assert app.clipboard == "error: file.py:12 not found"
        await app.shutdown()


async def test_typing_clears_the_selection() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"some text\r\n")
        await pilot.click(pane, offset=(1, 0), times=2)
        assert pane.selection is not None
        await pilot.press("x")
        assert pane.selection is None
        assert reversed_cells(pane, 0) == []
        await app.shutdown()


async def test_a_selection_in_the_scrollback_stays_on_its_text() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        lines = b"".join(b"line %d\r\n" % n for n in range(100))
        pane = await pane_with(pilot, app, lines)
        pane.scroll_history(-50)
        await pilot.pause()
        top = pane.emulator.history_size - pane.history_offset
        await pilot.click(pane, offset=(1, 0), times=3)
        assert app.clipboard == f"line {top}"
        await pilot.press("shift+pageup")  # the view moves; the selection stays on "line {top}"
        assert pane.selection == Selection.line(top, pane.emulator.columns)
        await app.shutdown()


async def test_a_program_that_asked_for_the_mouse_gets_it_unless_shift_is_held() -> None:
    app = make_app(shell("mouse", "stty raw -echo; exec cat -v"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"\x1b[?1000h\x1b[?1006h")  # clicks, SGR encoding
        await pilot.click(pane, offset=(3, 2))
        await wait_for(pilot, lambda: "^[[<0;4;3M" in screen_text(app, "mouse"))
        assert pane.selection is None
        await pilot.mouse_down(pane, offset=(0, 0), shift=True)
        await pilot.hover(pane, offset=(5, 0))
        await pilot.mouse_up(pane, offset=(5, 0), shift=True)
        assert pane.selection is not None and not pane.selection.is_empty
        assert screen_text(app, "mouse").count("^[[<") == 2  # the press and release only
        await app.shutdown()


async def test_copy_mode_selects_with_the_keyboard_and_keeps_keys_from_the_program() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"first line\r\nsecond line\r\n")
        await pilot.press("ctrl+b", "left_square_bracket")
        assert pane.copy_mode is not None
        assert (pane.copy_mode.line, pane.copy_mode.column) == (2, 0)  # at the cursor
        await pilot.press("k", "k", "l", "l", "v", "j", "$", "h")
        assert pane.selection == Selection((0, 2), (1, pane.emulator.columns - 2))
        assert reversed_cells(pane, 0)[:3] == [2, 3, 4]
        await pilot.press("y")
        assert app.clipboard == "rst line\nsecond line"
        assert pane.copy_mode is None and pane.selection is None
        assert "kklv" not in screen_text(app, "text")  # none of it reached the program
        await app.shutdown()


async def test_copy_mode_scrolls_back_and_leaves_for_the_live_screen() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"".join(b"line %d\r\n" % n for n in range(200)))
        await pilot.press("ctrl+b", "left_square_bracket", "g")
        assert pane.copy_mode is not None and pane.copy_mode.line == 0
        assert pane.history_offset == pane.emulator.history_size  # the oldest line is in view
        await pilot.press("enter")  # nothing selected: the cursor's line is copied
        assert app.clipboard == "line 0"
        assert pane.history_offset == 0
        await pilot.press("ctrl+b", "left_square_bracket", "pageup", "escape")
        assert pane.copy_mode is None and pane.history_offset == 0
        assert app.clipboard == "line 0"
        await pilot.press("ctrl+b", "left_square_bracket", "pageup")
        pane.post_message(events.Paste("pasted"))  # what goes to the program ends copy mode
        await wait_for(pilot, lambda: pane.copy_mode is None and pane.history_offset == 0)
        await wait_for(pilot, lambda: "pasted" in screen_text(app, "text"))
        await app.shutdown()


async def test_dragging_past_the_top_scrolls_back_and_selects_on() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"".join(b"line %d\r\n" % n for n in range(100)))
        first = pane.emulator.history_size  # the line on the top row
        await pilot.mouse_down(pane, offset=(0, 2))
        for _ in range(3):
            await pilot.hover(pane, offset=(0, -1))  # above the pane, on its frame's title
        assert pane.history_offset == 3
        await pilot.mouse_up(pane, offset=(0, -1))  # (Pilot moves there first: one more line)
        assert app.clipboard.splitlines()[0] == f"line {first - pane.history_offset}"
        assert app.clipboard.splitlines()[-1] == "l"  # through the cell it started on
        await app.shutdown()


async def test_a_scrolled_back_view_and_selection_stay_on_their_lines_as_output_goes_on() -> None:
    app = make_app(shell("text", "cat"), panels=(), scrollback=200)
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"".join(b"line %d\r\n" % n for n in range(300)))
        pane.scroll_history(-20)
        await pilot.pause()
        top = "".join(line_cells(pane.emulator, pane.line_at(0))).strip()
        await pilot.click(pane, offset=(1, 3), times=3)
        selected = app.clipboard
        # More output than the scrollback holds moves everything up and drops the oldest lines.
        pane.emulator.feed(b"".join(b"more %d\r\n" % n for n in range(50)))
        pane.repaint()
        await pilot.pause()
        assert "".join(line_cells(pane.emulator, pane.line_at(0))).strip() == top
        assert pane.render_line(0).text.strip().startswith(top)
        assert pane.selection is not None
        line = pane.selection.start[0]
        assert "".join(line_cells(pane.emulator, line)).strip() == selected
        assert reversed_cells(pane, 3)[:1] == [0]  # still highlighted on the same text
        await app.shutdown()


async def test_a_program_can_put_text_on_the_clipboard() -> None:
    app = make_app(shell("vim-like"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "$" in screen_text(app, "vim-like"))
        await pilot.press(*"printf '\\033]52;c;%s\\007' $(printf yanked | base64)", "enter")
        await wait_for(pilot, lambda: app.clipboard == "yanked")
        await app.shutdown()


async def test_output_going_on_does_not_move_the_view_while_selecting() -> None:
    app = make_app(shell("text", "cat"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        pane = await pane_with(pilot, app, b"".join(b"line %d\r\n" % n for n in range(100)))
        top = pane.render_line(0).text.strip()
        await pilot.press("ctrl+b", "left_square_bracket")  # copy mode, from the live view
        pane.emulator.feed(b"".join(b"later %d\r\n" % n for n in range(5)))
        pane.repaint()
        assert pane.render_line(0).text.strip().startswith(top)
        assert pane.history_offset == 5
        await pilot.press("escape")  # leaving copy mode returns to the live screen
        assert pane.history_offset == 0
        await pilot.mouse_down(pane, offset=(0, 0))  # the same while dragging a selection
        pane.emulator.feed(b"".join(b"more %d\r\n" % n for n in range(3)))
        pane.repaint()
        await pilot.hover(pane, offset=(3, 0))
        await pilot.mouse_up(pane, offset=(3, 0))
        assert app.clipboard == pane.render_line(0).text.strip()[:4]
        assert pane.history_offset == 3
        await pilot.press("x")  # typing returns to the live screen
        assert pane.history_offset == 0
        await app.shutdown()
