"""Nothing a child prints or a session is called is markup, an action or a raw escape.

Real apps (`run_test`) with real PTY children printing hostile strings: as OSC 7 cwds, OSC 0/2
titles, OSC 133 command marks, Python tracebacks and `[y/N]` prompts (state reasons, parsed
results, toasts), and as session names and roles (title bars, tables, Details, dialogs, bell and
exit toasts). Each check reads what the app draws and what it would write to the terminal.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from textual.widgets import Input
from textual.widgets._data_table import default_cell_formatter
from textual.widgets._toast import Toast

from aisession_tui.ui.app import SupervisorApp
from aisession_tui.ui.screens import BroadcastScreen, ConfirmScreen, RenameScreen
from aisession_tui.ui.screens.new_session import NewSessionScreen

from .helpers import make_app, shell, wait_for, wait_for_text
from .untrusted import (
    HOSTILE,
    LONG,
    NAMEABLE,
    SCREENSHOT_LINK,
    Emitter,
    click_actions,
    screen_lines,
    shows,
    squash,
    started,
    unsafe_output,
    widget_text,
)

SIZE = (200, 60)
PANELS = ("sessions", "details", "history")


def _presenter(app: SupervisorApp, name: str):
    return next(p for p in app.presenters.values() if p.name == name)


def _frame(app: SupervisorApp, name: str):
    return next(f for f in app.main.pane_grid.frames if f.live.name == name)


def _toasts(app: SupervisorApp) -> str:
    """The text of the toasts on screen, without whitespace (they wrap)."""
    return squash("\n".join(widget_text(app, toast) for toast in app.screen.query(Toast)))


def _toasted(app: SupervisorApp, text: str) -> bool:
    return squash(text) in _toasts(app)


async def _redraw(pilot, app: SupervisorApp) -> None:
    app.main.refresh_panels()
    for frame in app.main.pane_grid.frames:
        frame.refresh_title()
    await pilot.pause()
    await pilot.pause()


def _assert_drawn_safely(app: SupervisorApp) -> None:
    assert app.is_running
    assert unsafe_output(app) == []
    assert click_actions(app) == []


def _at(app: SupervisorApp, word: str) -> tuple[int, int]:
    """The screen cell where `word` is drawn (its first occurrence)."""
    for row, line in enumerate(screen_lines(app)):
        if word in line:
            return line.index(word) + 1, row
    raise AssertionError(f"{word!r} is not on screen")


async def test_osc_7_cwds_show_literally_in_the_title_bar_details_and_new_session_form(
    tmp_path: Path,
) -> None:
    emitter = Emitter(tmp_path / "child")
    app = make_app(emitter.config("cwd"), panels=PANELS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: app.focused_live is not None)
        presenter = _presenter(app, "cwd")
        for raw, shown in HOSTILE:
            path = "/" + raw
            emitter.emit(app, "cwd", f"\x1b]7;file://host{quote(path)}\x1b\\".encode())
            await wait_for(pilot, lambda path=path: presenter.cwd == path)
            await _redraw(pilot, app)
            _assert_drawn_safely(app)
            assert shows(app, _frame(app, "cwd").title_bar, "/" + shown), raw
            assert shows(app, app.main.sidebar.details_panel, "/" + shown), raw

        # The new-session form starts in the focused pane's cwd: shown, never obeyed.
        await pilot.press("ctrl+b", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, NewSessionScreen))
        await pilot.pause()
        cwd_input = app.screen.query_one("#cwd", Input)
        assert "␛" not in HOSTILE[-1][1] and cwd_input.value == "/" + HOSTILE[-1][1]
        assert unsafe_output(app) == []
        await pilot.press("escape")

        path = "/" + LONG
        emitter.emit(app, "cwd", f"\x1b]7;file://host{quote(path)}\x1b\\".encode())
        await wait_for(pilot, lambda: presenter.cwd == path)
        await _redraw(pilot, app)
        _assert_drawn_safely(app)
        assert shows(app, app.main.sidebar.details_panel, "LLLL…")
        await app.shutdown()


async def test_a_click_on_child_text_that_looks_like_an_action_does_nothing(
    tmp_path: Path,
) -> None:
    emitter = Emitter(tmp_path / "child")
    shots = tmp_path / "shots"
    shots.mkdir()
    app = make_app(emitter.config("clicky"), panels=PANELS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: app.focused_live is not None)
        presenter = _presenter(app, "clicky")
        for link, word in (
            ("[@click=app.quit]CLICK[/]", "CLICK"),
            (SCREENSHOT_LINK.format(folder=shots), "SHOT"),
        ):
            path = "/" + link
            emitter.emit(app, "clicky", f"\x1b]7;file://host{quote(path)}\x1b\\".encode())
            await wait_for(pilot, lambda path=path: presenter.cwd == path)
            await _redraw(pilot, app)
            assert click_actions(app) == []
            # The Details panel shows the cwd in full: click the word the link would be on.
            x, y = _at(app, f"{word}[/]")
            await pilot.click(offset=(x + 1, y))
            await pilot.pause(0.2)
            assert app.is_running, f"a click on {link!r} ran an action"
        assert list(shots.iterdir()) == []
        await app.shutdown()


async def test_osc_titles_and_command_marks_from_a_child_stay_literal(tmp_path: Path) -> None:
    emitter = Emitter(tmp_path / "child")
    app = make_app(emitter.config("marks"), panels=PANELS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: app.focused_live is not None)
        live = app.focused_live
        for raw, _ in HOSTILE:
            emitter.emit(app, "marks", f"\x1b]0;{raw}\x07\x1b]2;{raw}\x1b\\".encode())
        emitter.emit(app, "marks", b"\x1b]2;titles done\x07")
        await wait_for(pilot, lambda: live.emulator.title == "titles done")
        await _redraw(pilot, app)
        _assert_drawn_safely(app)

        commands = [raw for raw, _ in HOSTILE if "\x07" not in raw and "\x1b" not in raw]
        for number, command in enumerate(commands):
            emitter.emit(
                app,
                "marks",
                f"\x1b]133;A\x07$ \x1b]133;B\x07\x1b]133;E;{command}\x07\x1b]133;C\x07"
                f"out {number}\r\n\x1b]133;D;{number}\x07".encode(),
            )
            await wait_for(pilot, lambda n=number: len(live.session.command_history) > n, within=15)
        await _redraw(pilot, app)
        _assert_drawn_safely(app)
        shown = dict(HOSTILE)
        history = widget_text(app, app.main.sidebar.history_panel)
        recorded = [record.command for record in live.session.command_history]
        assert recorded[-len(commands) :] == commands
        # The table shows the newest commands that fit; each of them literally.
        visible = [c for c in commands if shown[c][:8] in history]
        assert len(visible) >= 3
        for command in visible:
            assert shows(app, app.main.sidebar.history_panel, shown[command][:24]), history
        await app.shutdown()


async def test_a_traceback_and_a_prompt_with_brackets_are_literal_reasons_results_and_toasts(
    tmp_path: Path,
) -> None:
    """The issue's reproduction: `open('[/data]/x')` in a bash pane killed the app."""
    app = make_app(shell("front"), shell("back"), panels=PANELS, idle_after=1.0, layout="rows")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot, app, 2)
        await wait_for(pilot, lambda: app.focused_live is not None)
        front_key = app.focused_key
        back = next(live for live in app.lives.values() if live.name == "back")
        back.write(b"python3 -c \"open('[/data]/x')\"\r")
        await wait_for_text(pilot, app, "back", "FileNotFoundError")
        presenter = _presenter(app, "back")
        await wait_for(pilot, lambda: "[/data]/x" in presenter.event_summary)
        await wait_for(pilot, lambda: _toasted(app, "back: python: FileNotFoundError"))
        assert _toasted(app, "No such file or directory: '[/data]/x' at <string>:1")
        await _redraw(pilot, app)
        _assert_drawn_safely(app)
        assert shows(app, _frame(app, "back").title_bar, "[/data]/x")
        # The Sessions panel's cell is cut to the column; what the table renders of it is whole.
        key = back.session.id.uuid.hex
        event_cell = default_cell_formatter(app.main.sidebar.session_list.get_cell(key, "event"))
        assert "'[/data]/x' at" in event_cell.plain

        back.write(b"printf 'Overwrite [/etc/hosts]? [y/N] '; read answer\r")
        await wait_for(pilot, lambda: "[/etc/hosts]" in presenter.state_reason, within=20)
        await wait_for(pilot, lambda: _toasted(app, "screen asks yes/no: Overwrite [/etc/hosts]?"))
        await _redraw(pilot, app)
        _assert_drawn_safely(app)

        app.focus_session(back.session.id.uuid.hex)
        await _redraw(pilot, app)
        assert shows(
            app, app.main.sidebar.details_panel, "screen asks yes/no: Overwrite [/etc/hosts]?"
        )
        _assert_drawn_safely(app)
        back.write(b"n\r")
        app.focus_session(front_key)
        await app.shutdown()


async def test_hostile_session_names_and_roles_are_literal_in_every_panel_dialog_and_toast(
    tmp_path: Path,
) -> None:
    emitter = Emitter(tmp_path / "child")
    picked = [*NAMEABLE[:6], ("zero\u200bwidth\ufeff", "zerowidth")]
    app = make_app(
        emitter.config("plain"),
        *(emitter.config(raw, agent_role=raw) for raw, _ in picked),
        panels=PANELS,
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot, app, len(picked) + 1)
        await wait_for(pilot, lambda: app.focused_live is not None)
        await _redraw(pilot, app)
        _assert_drawn_safely(app)
        for raw, shown in picked:
            assert shows(app, app.main.sidebar.session_list, shown), raw
            assert shows(app, _frame(app, raw).title_bar, shown), raw

        # Bells and exits of unfocused sessions: toasts naming them, literally.
        for raw, _ in picked:
            emitter.emit(app, raw, b"\x07")
        await wait_for(pilot, lambda: _toasts(app).count("rangthebell") >= 2)
        await pilot.pause()
        _assert_drawn_safely(app)
        app.clear_notifications()  # the toasts sit over the Details panel read below

        for raw, shown in picked:
            app.focus_session(next(k for k, v in app.lives.items() if v.name == raw))
            await _redraw(pilot, app)
            _assert_drawn_safely(app)
            assert shows(app, app.main.sidebar.details_panel, f"name{shown}"), raw
            assert shows(app, app.main.sidebar.details_panel, f"role{shown}"), raw

        # The dialogs that name the focused session: rename, kill, broadcast.
        raw, shown = picked[-1]  # shown otherwise than it is
        app.focus_session(next(k for k, v in app.lives.items() if v.name == raw))
        await pilot.pause()
        for key, screen_type in (
            (",", RenameScreen),
            ("x", ConfirmScreen),
            ("b", BroadcastScreen),
        ):
            await pilot.press("ctrl+b", key)
            await wait_for(pilot, lambda t=screen_type: isinstance(app.screen, t))
            await pilot.pause()
            assert unsafe_output(app) == [], key
            assert shows(app, app.screen, shown), key
            await pilot.press("escape")
            await wait_for(pilot, lambda: len(app.screen_stack) == 1)

        # The rename field shows the name cleaned; Enter on it as shown renames nothing.
        await pilot.press("ctrl+b", ",")
        await wait_for(pilot, lambda: isinstance(app.screen, RenameScreen))
        assert app.screen.query_one(Input).value == shown
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        assert app.focused_live.name == raw

        await pilot.press("ctrl+b", "/")
        await pilot.pause()
        await pilot.press(*"[/nowhere]", "enter")
        await wait_for(pilot, lambda: _toasted(app, "Not found: [/nowhere]"))
        _assert_drawn_safely(app)

        for live in list(app.lives.values()):
            if live.name != raw:
                live.session.write(b"\x04")  # end of input: the child exits 0
        await wait_for(pilot, lambda: _toasts(app).count("exitedwithcode0") >= 2, within=20)
        await _redraw(pilot, app)
        _assert_drawn_safely(app)
        await app.shutdown()
