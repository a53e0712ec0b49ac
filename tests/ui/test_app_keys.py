"""Pilot tests of the app's keys on real sessions: what reaches the program, every binding."""

from __future__ import annotations

from textual.geometry import Offset

from aisession_tui.core.types import SessionStatus
from aisession_tui.supervisor.live_session import Attention
from aisession_tui.ui.screens import (
    BroadcastScreen,
    ConfirmScreen,
    HelpScreen,
    NewSessionScreen,
    RenameScreen,
    SearchScreen,
)
from aisession_tui.ui.widgets.pane_grid import Layout
from aisession_tui.ui.widgets.pane_lines import line_text

from .helpers import all_running, make_app, screen_text, shell, wait_for, wait_for_text

SIZE = (160, 48)


def focused_name(app) -> str:
    return app.focused_live.name


async def test_ordinary_keys_reach_the_focused_program() -> None:
    app = make_app(shell("one"), shell("two"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "$")
        await pilot.press(*"echo $((6*7))", "enter")
        await wait_for_text(pilot, app, "one", "42")
        assert "42" not in screen_text(app, "two")
        await app.shutdown()


async def test_prefix_key_is_not_sent_but_pressed_twice_it_is() -> None:
    app = make_app(shell("raw", "cat -v"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        await pilot.press("ctrl+b")
        assert app.prefix_keys.waiting and app.main.prefix_bar.display
        await pilot.press("escape")
        assert not app.prefix_keys.waiting and not app.main.prefix_bar.display
        await pilot.press("a", "enter")
        await wait_for(pilot, lambda: screen_text(app, "raw").count("a") >= 2)
        assert "^B" not in screen_text(app, "raw")
        await pilot.press("ctrl+b", "ctrl+b", "enter")
        await wait_for_text(pilot, app, "raw", "^B")
        await app.shutdown()


async def test_ctrl_c_and_tab_go_to_the_program() -> None:
    app = make_app(shell("raw", "cat -v"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        await pilot.press("tab", "ctrl+c")
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.TERMINATED)
        await app.shutdown()


async def test_alt_number_and_alt_arrows_move_focus() -> None:
    app = make_app(shell("one"), shell("two"), shell("three"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_key is not None)
        assert focused_name(app) == "one"
        await pilot.press("alt+2")
        await wait_for(pilot, lambda: focused_name(app) == "two")
        await pilot.press("alt+3")
        await wait_for(pilot, lambda: focused_name(app) == "three")
        await pilot.press("alt+9")  # no ninth session: nothing happens
        assert focused_name(app) == "three"
        await pilot.press("alt+1")
        await wait_for(pilot, lambda: focused_name(app) == "one")
        app.main.pane_grid.layout_mode = Layout.COLUMNS
        await pilot.pause()
        await pilot.press("alt+right")
        await wait_for(pilot, lambda: focused_name(app) == "two")
        await pilot.press("alt+left")
        await wait_for(pilot, lambda: focused_name(app) == "one")
        app.main.pane_grid.layout_mode = Layout.ROWS
        await pilot.pause()
        await pilot.press("alt+down")
        await wait_for(pilot, lambda: focused_name(app) == "two")
        await pilot.press("alt+up")
        await wait_for(pilot, lambda: focused_name(app) == "one")
        await app.shutdown()


async def test_prefix_commands_zoom_layout_next_previous() -> None:
    app = make_app(shell("one"), shell("two"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_key is not None)
        await pilot.press("ctrl+b", "z")
        await wait_for(pilot, lambda: app.main.pane_grid.zoomed)
        visible = [f.live.name for f in app.main.pane_grid.frames if f.display]
        assert visible == ["one"]
        await pilot.press("ctrl+b", "z")
        await wait_for(pilot, lambda: not app.main.pane_grid.zoomed)
        assert all(f.display for f in app.main.pane_grid.frames)
        assert app.main.pane_grid.layout_mode is Layout.GRID
        await pilot.press("ctrl+b", "space")
        await wait_for(pilot, lambda: app.main.pane_grid.layout_mode is Layout.COLUMNS)
        await pilot.press("ctrl+b", "space")
        await wait_for(pilot, lambda: app.main.pane_grid.layout_mode is Layout.ROWS)
        await pilot.press("ctrl+b", "n")
        await wait_for(pilot, lambda: focused_name(app) == "two")
        await pilot.press("ctrl+b", "n")
        await wait_for(pilot, lambda: focused_name(app) == "one")
        await pilot.press("ctrl+b", "p")
        await wait_for(pilot, lambda: focused_name(app) == "two")
        await app.shutdown()


async def test_zooming_a_shell_keeps_its_prompt_at_the_bottom_with_history_above() -> None:
    app = make_app(shell("one"), shell("two"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "$")
        await pilot.press("ctrl+b", "space", "ctrl+b", "space")  # rows: half the height each
        await wait_for(pilot, lambda: app.main.pane_grid.layout_mode is Layout.ROWS)
        await pilot.press(*"seq 100 199", "enter")
        await wait_for_text(pilot, app, "one", "199\n$")
        live = app.focused_live
        small = live.emulator.lines
        await pilot.press("ctrl+b", "z")
        await wait_for(pilot, lambda: live.emulator.lines > small + 10)
        rows = screen_text(app, "one").split("\n")
        assert rows[-1] == "$"  # the prompt is still on the last row
        assert rows[-2] == "199" and rows[0] == str(200 - len(rows) + 1)
        assert live.emulator.cursor[1] == live.emulator.lines - 1
        await app.shutdown()


async def test_prefix_toggles_each_panel_and_resizes_sidebar() -> None:
    app = make_app(shell("one"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        sidebar = app.query_one("#sidebar")
        assert not sidebar.display
        for key, panel in (("s", "sessions"), ("d", "details"), ("t", "tokens"), ("h", "history")):
            await pilot.press("ctrl+b", key)
            await wait_for(pilot, lambda panel=panel: app.query_one(f"#{panel}").display)
            assert sidebar.display
        width = sidebar.outer_size.width
        await pilot.press("ctrl+b", "less_than_sign")
        await wait_for(pilot, lambda: sidebar.outer_size.width == width + 4)
        await pilot.press("ctrl+b", "greater_than_sign")
        await wait_for(pilot, lambda: sidebar.outer_size.width == width)
        for key in "sdth":
            await pilot.press("ctrl+b", key)
        await wait_for(pilot, lambda: not sidebar.display)
        await app.shutdown()


async def test_new_session_form_starts_a_session() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, NewSessionScreen))
        await pilot.press(*"fresh")
        await pilot.press("tab", *"printf 'made by form\\n'; cat")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.lives) == 2)
        await wait_for_text(pilot, app, "fresh", "made by form")
        assert focused_name(app) == "fresh"
        await app.shutdown()


async def test_rename_restart_and_kill_with_confirmation() -> None:
    app = make_app(shell("one"), shell("two"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "$")
        await pilot.press("ctrl+b", "comma")
        await wait_for(pilot, lambda: isinstance(app.screen, RenameScreen))
        await pilot.press(*"renamed"[:0])
        screen = app.screen
        screen.query_one("Input").value = "lead"
        await pilot.press("enter")
        await wait_for(pilot, lambda: focused_name(app) == "lead")

        old_pid = app.focused_live.session.pid
        await pilot.press("ctrl+b", "r")
        await wait_for(
            pilot,
            lambda: (
                app.focused_live.session.pid not in (None, old_pid)
                and app.focused_live.session.status is SessionStatus.RUNNING
            ),
        )

        await pilot.press("ctrl+b", "x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert len(app.lives) == 2
        await pilot.press("ctrl+b", "x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.lives) == 1)
        assert focused_name(app) == "two"
        await app.shutdown()


async def test_broadcast_types_into_selected_sessions() -> None:
    app = make_app(shell("one"), shell("two"), shell("three"))
    async with app.run_test(size=SIZE) as pilot:
        for name in ("one", "two", "three"):
            await wait_for_text(pilot, app, name, "$")
        await pilot.press("ctrl+b", "b")
        await wait_for(pilot, lambda: isinstance(app.screen, BroadcastScreen))
        selection = app.screen.query_one("SelectionList")
        selection.select_all()
        selection.deselect(list(app.lives)[2])
        app.screen.query_one("Input").value = "echo broad$((1+1))cast"
        app.screen.query_one("Input").focus()
        await pilot.press("enter")
        await wait_for_text(pilot, app, "one", "broad2cast")
        await wait_for_text(pilot, app, "two", "broad2cast")
        assert "broad" not in screen_text(app, "three")
        await app.shutdown()


async def test_search_scrolls_back_to_a_match() -> None:
    app = make_app(shell("one", "seq 1 500; echo needle-line; seq 1 200; cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "200")
        pane = app.main.pane_grid.frames[0].terminal
        assert pane.history_offset == 0
        await pilot.press("ctrl+b", "slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.screen.query_one("Input").value = "needle"
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.history_offset > 0)
        top = pane.emulator.history_size - pane.history_offset
        assert "needle-line" in line_text(pane.emulator, top)
        await pilot.press("x")  # any key to the program returns to live
        await wait_for(pilot, lambda: pane.history_offset == 0)
        await app.shutdown()


async def test_shift_pageup_scrolls_and_typing_returns_live() -> None:
    app = make_app(shell("one", "seq 1 300; cat"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "300")
        pane = app.main.pane_grid.frames[0].terminal
        await pilot.press("shift+pageup")
        assert pane.history_offset == pane.size.height - 1
        assert "↑" in pane.render_line(0).text
        # Scrolled back through the scrollback, the widget itself is not scrolled: Textual's
        # own `scroll_offset` (an Offset, read by its compositor) is not shadowed by an int.
        assert pane.scroll_offset == Offset(0, 0)
        await pilot.press("shift+pagedown")
        assert pane.history_offset == 0
        await pilot.press("shift+pageup", "q")
        assert pane.history_offset == 0
        await app.shutdown()


async def test_help_palette_and_theme_open_from_prefix() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("ctrl+b", "colon")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"zoom")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.pane_grid.zoomed)
        before = app.theme
        await pilot.press("ctrl+b", "y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.theme != before)
        await app.shutdown()


async def test_attention_from_bell_and_exit_until_visited() -> None:
    app = make_app(
        shell("one"),
        shell("bell", "sleep 0.5; printf 'ding\\a\\n'; exec cat"),
        shell("dies", "sleep 0.5; exit 3"),
    )
    async with app.run_test(size=SIZE) as pilot:
        lives = {live.name: live for live in app.lives.values()}
        await wait_for(pilot, lambda: Attention.BELL in lives["bell"].attention)
        await wait_for(pilot, lambda: Attention.EXITED in lives["dies"].attention)
        await wait_for_text(pilot, app, "dies", "exited with code 3")
        frame = next(f for f in app.main.pane_grid.frames if f.live.name == "dies")
        assert "exited 3" in str(frame.title_bar.render())
        assert focused_name(app) == "one"
        await pilot.press("ctrl+b", "a")
        await wait_for(pilot, lambda: focused_name(app) == "bell")
        assert Attention.BELL not in lives["bell"].attention
        await pilot.press("ctrl+b", "a")
        await wait_for(pilot, lambda: focused_name(app) == "dies")
        assert not lives["dies"].attention
        await app.shutdown()


async def test_quit_asks_when_sessions_run_and_stops_them() -> None:
    app = make_app(shell("one"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, app, "one", "$")
        session = app.focused_live.session
        await pilot.press("ctrl+b", "q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: session.status is SessionStatus.TERMINATED)


async def test_keys_typed_in_a_burst_after_a_prefix_command_follow_its_focus_change() -> None:
    from textual import events

    app = make_app(shell("one", "cat -v"), shell("two", "cat -v"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_running(app))
        burst = [("ctrl+b", None), ("n", "n")] + [(char, char) for char in "echo"]
        for key, character in burst:  # all queued before the app handles the first
            app.post_message(events.Key(key, character))
        await wait_for_text(pilot, app, "two", "echo")
        assert focused_name(app) == "two"
        assert "e" not in screen_text(app, "one")
        assert not app.prefix_keys.waiting and not app.main.prefix_bar.display
        await app.shutdown()


async def test_a_burst_with_several_prefix_commands_follows_each_in_turn() -> None:
    """Keys held behind a prefix command are replayed through the prefix mode: a second prefix
    among them chooses its command, and the keys after it wait for that one."""
    from textual import events

    app = make_app(shell("one", "cat -v"), shell("two", "cat -v"), panels=())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_running(app))
        for rounds in (1, 2):  # the prefix mode is the same one each time
            burst = ["ctrl+b", "n", *"ab", "ctrl+b", "p", *"cd", "ctrl+b", "ctrl+b", "z"]
            for key in burst:  # all queued before the app handles the first
                app.post_message(events.Key(key, key if len(key) == 1 else None))
            await wait_for(pilot, lambda r=rounds: screen_text(app, "one").count("^Bz") == r)
        assert screen_text(app, "two").count("ab") == 2 and "c" not in screen_text(app, "two")
        assert screen_text(app, "one").count("cd^Bz") == 2 and "a" not in screen_text(app, "one")
        assert focused_name(app) == "one"
        assert not app.prefix_keys.waiting and not app.main.prefix_bar.display
        await app.shutdown()


async def test_the_prefix_key_is_configurable() -> None:
    app = make_app(shell("raw", "cat -v"), prefix_key="ctrl+a")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.focused_live.session.status is SessionStatus.RUNNING)
        await pilot.press("ctrl+b", "enter")  # no longer the prefix: goes to the program
        await wait_for_text(pilot, app, "raw", "^B")
        await pilot.press("ctrl+a")
        assert app.prefix_keys.waiting and app.main.prefix_bar.display
        await pilot.press("ctrl+a", "enter")  # pressed twice: sent to the program
        await wait_for_text(pilot, app, "raw", "^A")
        await app.shutdown()
