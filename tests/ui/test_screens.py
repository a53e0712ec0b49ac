"""The modal dialogs, driven with the keyboard through Pilot, as a person would use them."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from textual.app import App
from textual.color import Color
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, SelectionList, Static

from aisession_tui.core import SessionConfig
from aisession_tui.ui.screens import (
    BroadcastRequest,
    BroadcastScreen,
    ConfirmScreen,
    FormField,
    HelpCard,
    HelpScreen,
    NewSessionRequest,
    NewSessionScreen,
    RenameScreen,
    SearchRequest,
    SearchScreen,
)
from aisession_tui.ui.screens.detach import DetachScreen, QuitChoice
from aisession_tui.ui.screens.validators import (
    CompilableRegex,
    NoWhitespace,
    Printable,
    command_problem,
    resolve_directory,
)

SIZE = (100, 30)
_UNSET = object()


class Host(App[None]):
    """Pushes one dialog and records what it dismisses with."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[Any] = []
        self.dismissed = asyncio.Event()

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._record)

    def _record(self, result: Any) -> None:
        self.results.append(result)
        self.dismissed.set()


async def dismissed_with(app: Host) -> Any:
    """Wait (generously) for the dialog to close and return its result."""
    await asyncio.wait_for(app.dismissed.wait(), timeout=10)
    assert len(app.results) == 1
    return app.results[0]


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)


def error_of(screen: Screen[Any], input_id: str) -> str:
    """The inline message under the field holding `#input_id` ("" when none shows)."""
    return screen.query_one(f"#{input_id}").query_ancestor(FormField).error.message


async def still_open(pilot: Pilot[None], app: Host) -> bool:
    await pilot.pause()
    return app.screen is app.dialog and not app.dismissed.is_set()


# -- NewSessionScreen ---------------------------------------------------------------------


async def test_new_session_returns_every_typed_field(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    app = Host(NewSessionScreen(tmp_path, {"other"}))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "agent-1")
        await pilot.press("tab")
        await type_text(pilot, "echo hi")
        await pilot.press("tab")  # focusing the prefilled cwd selects it: typing replaces it
        await type_text(pilot, "sub")
        await pilot.press("tab")
        await type_text(pilot, "reviewer")
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == NewSessionRequest(
        name="agent-1", command="echo hi", cwd=tmp_path / "sub", role="reviewer"
    )


async def test_new_session_defaults_to_shell_in_default_cwd_without_role(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "solo")
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == NewSessionRequest(name="solo", command="", cwd=tmp_path, role=None)
    config = result.to_config()
    assert config.shell_command is None
    assert config.argv() == [config.resolved_shell()]
    assert config.working_directory == tmp_path


async def test_new_session_expands_home_in_cwd(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "home")
        await pilot.press("tab", "tab")
        await type_text(pilot, "~")
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result.cwd == Path.home()


async def test_new_session_missing_cwd_keeps_form_open_with_error_under_cwd(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "gone"
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "agent")
        await pilot.press("tab", "tab")
        await type_text(pilot, str(missing))
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "cwd") == f"No such directory: {missing}"
        assert error_of(app.dialog, "name") == ""
        assert app.dialog.query_one("#cwd", Input).has_class("-invalid")
        assert app.focused is app.dialog.query_one("#cwd", Input)
        # Fixing the field clears the message and the form submits.
        missing.mkdir()
        await pilot.press("backspace")
        await type_text(pilot, "e")
        assert error_of(app.dialog, "cwd") == ""
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result.cwd == missing


async def test_new_session_refuses_a_file_as_cwd(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "agent")
        await pilot.press("tab", "tab")
        await type_text(pilot, "notes.txt")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "cwd") == f"Not a directory: {afile}"


async def test_new_session_refuses_a_duplicate_name(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, {"api", "web"}))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "api")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "name") == "A session named 'api' already exists."


async def test_new_session_refuses_an_empty_name_and_focuses_it(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        await type_text(pilot, "htop")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "name") == "Enter a name."
        assert app.focused is app.dialog.query_one("#name", Input)


async def test_new_session_refuses_a_name_with_spaces_as_it_is_typed(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "my agent")
        await pilot.pause()
        assert error_of(app.dialog, "name") == "Names cannot contain spaces."
        await pilot.press("enter")
        assert await still_open(pilot, app)


async def test_new_session_shows_core_model_errors_under_their_field(tmp_path: Path) -> None:
    """Whatever `SessionConfig` refuses lands under the matching input, without its prefix."""
    screen = NewSessionScreen(tmp_path, set())
    app = Host(screen)
    with pytest.raises(ValidationError) as caught:
        SessionConfig(working_directory=tmp_path / "nope", shell_command="   ")
    async with app.run_test(size=SIZE) as pilot:
        screen._show_config_errors(caught.value)
        await pilot.pause()
        assert error_of(screen, "cwd") == f"Working directory does not exist: {tmp_path / 'nope'}"
        assert error_of(screen, "command") == "Must not be empty"
        assert screen.query_one("#cwd", Input).has_class("-invalid")


async def test_new_session_refuses_a_program_that_is_not_installed(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "agent")
        await pilot.press("tab")
        await type_text(pilot, "no-such-agent-cli --yolo")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "command") == "Command not found: no-such-agent-cli"
        assert app.focused is app.dialog.query_one("#command", Input)


async def test_new_session_checks_the_command_when_leaving_the_field(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        await type_text(pilot, "no-such-agent-cli")
        await pilot.pause()
        assert error_of(app.dialog, "command") == ""  # not while typing
        await pilot.press("tab")
        assert error_of(app.dialog, "command") == "Command not found: no-such-agent-cli"
        await pilot.press("shift+tab", "ctrl+u")
        await type_text(pilot, "echo")
        assert error_of(app.dialog, "command") == ""


async def test_new_session_checks_a_relative_program_in_the_chosen_cwd(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "agent")
        await pilot.press("tab")
        await type_text(pilot, "./run.sh --fast")
        await pilot.pause()
        assert error_of(app.dialog, "command") == ""
        await pilot.press("tab")
        await type_text(pilot, "/")  # the prefilled cwd was selected, so this replaces it
        await pilot.pause()
        assert error_of(app.dialog, "command") == "No such program: /run.sh"
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert app.focused is app.dialog.query_one("#command", Input)
        await pilot.press("tab")  # back to the cwd, selected again
        await type_text(pilot, str(tmp_path))
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == NewSessionRequest("agent", "./run.sh --fast", tmp_path, None)


async def test_new_session_refuses_unbalanced_quotes(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "agent")
        await pilot.press("tab")
        await type_text(pilot, 'echo "hi')
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "command") == "Cannot parse the command: No closing quotation."


async def test_new_session_escape_cancels_with_none(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "half-typed")
        await pilot.press("escape")
        assert await dismissed_with(app) is None


async def test_new_session_cancel_button_cancels(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#cancel")
        assert await dismissed_with(app) is None


async def test_new_session_create_button_submits(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "clicked")
        await pilot.click("#submit")
        result = await dismissed_with(app)
    assert result.name == "clicked"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may enter any directory")
async def test_new_session_refuses_a_directory_it_cannot_enter(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    try:
        app = Host(NewSessionScreen(locked, set()))
        async with app.run_test(size=SIZE) as pilot:
            await type_text(pilot, "agent")
            await pilot.press("enter")
            assert await still_open(pilot, app)
            assert error_of(app.dialog, "cwd") == f"No permission to enter: {locked}"
    finally:
        locked.chmod(0o700)


async def test_clicking_the_backdrop_cancels_but_clicking_the_dialog_does_not(
    tmp_path: Path,
) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(".dialog", offset=(2, 2))  # on the name label, inside
        assert await still_open(pilot, app)
        assert await pilot.click(offset=(1, 1))  # top-left corner: the backdrop
        assert await dismissed_with(app) is None


async def test_new_session_form_scrolls_to_the_focused_button_on_a_short_terminal(
    tmp_path: Path,
) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "tab", "tab", "tab", "tab")
        await pilot.pause()
        create = app.dialog.query_one("#submit")
        assert app.focused is create
        assert app.dialog.query_one(".dialog").region.contains_region(create.region)


async def test_dialogs_follow_the_app_theme(tmp_path: Path) -> None:
    app = Host(NewSessionScreen(tmp_path, set()))
    async with app.run_test(size=SIZE) as pilot:
        dialog = app.dialog.query_one(".dialog")
        for theme in ("textual-dark", "textual-light", "nord"):
            app.theme = theme
            await pilot.pause()
            primary = Color.parse(app.current_theme.primary)
            assert dialog.styles.border_top[1].rgb == primary.rgb


# -- RenameScreen -------------------------------------------------------------------------


async def test_rename_replaces_the_prefilled_name() -> None:
    app = Host(RenameScreen("old", {"old", "taken"}))
    async with app.run_test(size=SIZE) as pilot:
        assert app.dialog.query_one(Input).value == "old"
        await type_text(pilot, "new-name")
        await pilot.press("enter")
        assert await dismissed_with(app) == "new-name"


async def test_rename_to_the_same_name_dismisses_with_none() -> None:
    app = Host(RenameScreen("old", {"old"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert await dismissed_with(app) is None


async def test_rename_refuses_a_taken_name() -> None:
    app = Host(RenameScreen("old", {"old", "taken"}))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "taken")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "new-name") == "A session named 'taken' already exists."


async def test_rename_refuses_an_empty_name() -> None:
    app = Host(RenameScreen("old", set()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("backspace", "enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "new-name") == "Enter a name."


async def test_rename_escape_cancels() -> None:
    app = Host(RenameScreen("old", set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "x")
        await pilot.press("escape")
        assert await dismissed_with(app) is None


# -- ConfirmScreen ------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "answer"), [("y", True), ("n", False), ("escape", False)])
async def test_confirm_answers_from_single_keys(key: str, answer: bool) -> None:
    app = Host(ConfirmScreen("Kill agent-1?"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert await dismissed_with(app) is answer


async def test_dangerous_confirm_treats_a_reflexive_enter_as_no() -> None:
    app = Host(ConfirmScreen("Kill agent-1?", "Kill", danger=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert await dismissed_with(app) is False


async def test_harmless_confirm_treats_enter_as_yes() -> None:
    app = Host(ConfirmScreen("Close the finished session?", "Close", danger=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert await dismissed_with(app) is True


async def test_confirm_button_says_yes_and_arrows_reach_it() -> None:
    app = Host(ConfirmScreen("Quit?", "Quit"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "enter")
        assert await dismissed_with(app) is True


async def test_confirm_shows_brackets_in_the_question_literally() -> None:
    app = Host(ConfirmScreen("Kill [bold]x[/] and [red?", "Kill [now]"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        question = app.dialog.query_one(".question", Static)
        assert question.visual.plain == "Kill [bold]x[/] and [red?"  # type: ignore[attr-defined]
        await pilot.press("n")
        assert await dismissed_with(app) is False


# -- BroadcastScreen ----------------------------------------------------------------------

SESSIONS = [("a1", "api"), ("b2", "web"), ("c3", "[red]worker")]


async def test_broadcast_sends_text_to_preselected_sessions_with_enter() -> None:
    app = Host(BroadcastScreen(SESSIONS, {"c3", "a1"}))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "git status")
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == BroadcastRequest(text="git status", session_ids=["a1", "c3"], press_enter=True)
    assert result.payload == "git status\r"


async def test_broadcast_targets_are_toggled_with_space_in_the_list() -> None:
    app = Host(BroadcastScreen(SESSIONS, {"a1"}))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "y")
        await pilot.press("tab")  # into the list: the first row is highlighted
        assert app.focused is app.dialog.query_one(SelectionList)
        await pilot.press("space", "down", "space")  # untick api, tick web
        await pilot.press("tab", "space")  # untick "send Enter"
        await pilot.press("shift+tab", "shift+tab", "enter")
        result = await dismissed_with(app)
    assert result == BroadcastRequest(text="y", session_ids=["b2"], press_enter=False)
    assert result.payload == "y"


async def test_broadcast_without_targets_stays_open_and_says_so() -> None:
    app = Host(BroadcastScreen(SESSIONS, set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "ls")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "targets") == "Choose at least one session (space toggles)."
        assert app.focused is app.dialog.query_one(SelectionList)
        await pilot.press("space")
        assert error_of(app.dialog, "targets") == ""


async def test_broadcast_of_nothing_without_enter_is_refused() -> None:
    app = Host(BroadcastScreen(SESSIONS, {"a1"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "tab", "space")  # untick "send Enter"
        await pilot.press("ctrl+s")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "text") == (
            "Type some text, or tick “Send Enter” to just press Enter."
        )


async def test_broadcast_of_just_enter_is_allowed() -> None:
    app = Host(BroadcastScreen(SESSIONS, {"b2"}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == BroadcastRequest(text="", session_ids=["b2"], press_enter=True)


async def test_broadcast_with_no_sessions_explains_why_it_cannot_send() -> None:
    app = Host(BroadcastScreen([], set()))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "ls")
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "targets") == "There are no sessions to send to."
        await pilot.press("escape")
        assert await dismissed_with(app) is None


# -- SearchScreen -------------------------------------------------------------------------


async def test_search_defaults_to_plain_case_insensitive_upwards() -> None:
    app = Host(SearchScreen())
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "error(")
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == SearchRequest("error(", regex=False, case_sensitive=False, direction="up")
    assert result.compile().search("An ERROR(42)")


async def test_search_bad_regex_shows_inline_error_and_stays_open() -> None:
    app = Host(SearchScreen())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+r")
        await type_text(pilot, "fail(ed")
        await pilot.pause()
        assert error_of(app.dialog, "pattern").startswith(
            "Invalid regular expression: missing ), unterminated subpattern"
        )
        await pilot.press("enter")
        assert await still_open(pilot, app)
        await pilot.press("end", ")")
        assert error_of(app.dialog, "pattern") == ""
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == SearchRequest("fail(ed)", regex=True, case_sensitive=False, direction="up")
    assert result.compile().search("tests FAILED")


async def test_search_turning_regex_off_clears_the_regex_error() -> None:
    app = Host(SearchScreen("[unclosed", regex=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "pattern").startswith("Invalid regular expression")
        await pilot.press("alt+r")
        assert error_of(app.dialog, "pattern") == ""
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result.regex is False
    assert result.compile().search("a [unclosed bracket")


async def test_search_refuses_an_empty_pattern() -> None:
    app = Host(SearchScreen())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert await still_open(pilot, app)
        assert error_of(app.dialog, "pattern") == "Enter something to search for."


async def test_search_options_are_reachable_by_keyboard() -> None:
    app = Host(SearchScreen("Traceback"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+c")  # match case
        await pilot.press("tab", "tab", "tab")  # regex, case, direction
        await pilot.press("right", "enter")  # pick "Down"
        await pilot.press("tab", "tab", "enter")  # Cancel, Search
        result = await dismissed_with(app)
    assert result == SearchRequest("Traceback", regex=False, case_sensitive=True, direction="down")
    assert result.compile().search("traceback") is None


async def test_search_reopens_with_previous_settings() -> None:
    app = Host(SearchScreen("x+", regex=True, case_sensitive=True, direction="down"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        result = await dismissed_with(app)
    assert result == SearchRequest("x+", regex=True, case_sensitive=True, direction="down")
    assert result.compile() == re.compile("x+")


async def test_search_escape_cancels() -> None:
    app = Host(SearchScreen("abc"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        assert await dismissed_with(app) is None


# -- HelpScreen ---------------------------------------------------------------------------

HELP = [
    ("Prefix (Ctrl+B, then)", [("c", "New session"), ("[", "Scroll mode [copy]")]),
    ("Direct", [(f"Alt+{n}", f"Focus pane {n}") for n in range(1, 10)]),
    ("In a pane", [(f"key {n}", f"description {n}") for n in range(30)]),
]


async def test_help_lists_every_binding_literally_grouped_by_section() -> None:
    sections = [*HELP, ("Markup stays text", [("[b]", "[@click=app.quit]quit[/]")])]
    app = Host(HelpScreen(sections))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = app.dialog.query_one(HelpCard).text_lines
    expected = []
    for index, (title, rows) in enumerate(sections):
        expected += [""] * bool(index) + [title]
        expected += [f"{key:<22}  {description}".rstrip() for key, description in rows]
    assert lines == expected


async def test_help_scrolls_with_the_keyboard() -> None:
    app = Host(HelpScreen(HELP))
    async with app.run_test(size=SIZE) as pilot:
        body = app.dialog.query_one("#help-body")
        await pilot.pause()
        assert body.max_scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y


@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
async def test_help_closes_with_escape_q_or_question_mark(key: str) -> None:
    app = Host(HelpScreen(HELP))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert await dismissed_with(app) is None


async def test_help_wraps_a_long_description_instead_of_cutting_it() -> None:
    long = "Scroll the focused pane's history one page up; " * 4
    app = Host(HelpScreen([("Pane", [("Shift+PgUp", long)])]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        card = app.dialog.query_one(HelpCard)
        lines = card.text_lines
        assert card.region.height == len(lines) >= 4
        assert lines[1].startswith("Shift+PgUp" + " " * 14 + "Scroll")
        assert " ".join(line[24:].strip() for line in lines[1:]) == long.strip()


# -- Validators ---------------------------------------------------------------------------


def test_name_validators_refuse_control_characters_and_accept_unicode() -> None:
    assert not Printable().validate("evil\x1b[2J").is_valid
    assert Printable().validate("agent-ü✓").is_valid
    assert NoWhitespace().validate("  padded  ").is_valid
    assert not NoWhitespace().validate("tab\there").is_valid


@pytest.mark.parametrize(
    "command",
    [
        "echo hi",
        "FOO=1 BAR=2 env",
        "cd src && make",
        "$EDITOR notes.txt",
        "exec bash -l",
        "  # just a comment",
        "ls;echo",
    ],
)
def test_command_check_passes_what_the_shell_can_run(command: str, tmp_path: Path) -> None:
    assert command_problem(command, tmp_path) is None


def test_command_check_names_what_cannot_start(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("not a program")
    assert command_problem("nope-not-here", tmp_path) == "Command not found: nope-not-here"
    assert command_problem("./data.txt", tmp_path) == f"Not executable: {tmp_path / 'data.txt'}"
    assert command_problem("bin/x", tmp_path) == f"No such program: {tmp_path / 'bin/x'}"
    assert command_problem("X=1 nope-not-here", tmp_path) == "Command not found: nope-not-here"


def test_resolve_directory_expands_home_and_is_relative_to_base(tmp_path: Path) -> None:
    assert resolve_directory("~", tmp_path) == Path.home()
    assert resolve_directory(" sub ", tmp_path) == tmp_path / "sub"
    assert resolve_directory("/etc", tmp_path) == Path("/etc")


@pytest.mark.parametrize("pattern", ["(", "[a-", "a{2,1}", "*", "(?P<x>a)(?P<x>b)", "(" * 2000])
def test_regex_validator_reports_every_bad_pattern_without_raising(pattern: str) -> None:
    result = CompilableRegex(lambda: True).validate(pattern)
    assert not result.is_valid
    assert result.failure_descriptions[0].startswith("Invalid regular expression")


def test_regex_validator_accepts_anything_in_plain_text_mode() -> None:
    assert CompilableRegex(lambda: False).validate("(").is_valid


# -- Snapshots ----------------------------------------------------------------------------

SNAPSHOT_APP = Path(__file__).parent / "snapshot_apps" / "screens_app.py"


async def _freeze_cursor(pilot: Pilot[None]) -> None:
    """Stop the input cursor blinking so the picture does not depend on timing."""
    await pilot.pause()
    for control in pilot.app.screen.query(Input):
        control.cursor_blink = False


def test_snapshot_new_session_form(snap_compare: Any) -> None:
    assert snap_compare(
        f"{SNAPSHOT_APP}:new_session_app", terminal_size=SIZE, run_before=_freeze_cursor
    )


def test_snapshot_new_session_form_with_errors(snap_compare: Any) -> None:
    async def fill_wrongly(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await pilot.press(*"api", "tab", "tab", "ctrl+u", *"/nonexistent/dir", "enter")
        await _freeze_cursor(pilot)

    assert snap_compare(
        f"{SNAPSHOT_APP}:new_session_app", terminal_size=SIZE, run_before=fill_wrongly
    )


def test_snapshot_help_screen(snap_compare: Any) -> None:
    assert snap_compare(f"{SNAPSHOT_APP}:help_app", terminal_size=SIZE, run_before=_freeze_cursor)


@pytest.mark.parametrize("app_name", ["broadcast_app", "search_app", "confirm_app"])
def test_snapshot_other_dialogs(snap_compare: Any, app_name: str) -> None:
    assert snap_compare(f"{SNAPSHOT_APP}:{app_name}", terminal_size=SIZE, run_before=_freeze_cursor)


# -- DetachScreen -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "choice"),
    [
        ("d", QuitChoice.DETACH),
        ("s", QuitChoice.STOP),
        ("n", QuitChoice.CANCEL),
        ("escape", QuitChoice.CANCEL),
        ("enter", QuitChoice.DETACH),  # the safe default: nothing is stopped
    ],
)
async def test_detach_dialog_answers_from_single_keys(key: str, choice: QuitChoice) -> None:
    app = Host(DetachScreen(2, "team"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert await dismissed_with(app) is choice
