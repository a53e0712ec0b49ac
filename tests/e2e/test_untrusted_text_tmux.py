"""The installed app under tmux survives a child printing brackets and escapes, and shows them.

The issue's reproduction, as a person meets it: in a bash pane, `python3 -c "open('[/data]/x')"`
put `'[/data]/x'` into the Details panel (the state reason), Rich parsed it as markup, and the app
died with every session. And an OSC 7 cwd of `.../%1b]2;PWNED%07` set the title of the terminal
the app runs in (here tmux's pane title) through the pane's title bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .tmux import APP, PLAIN_BASH, SIDEBAR_EDGE, TmuxApp, require, tmux_program

QUIET = {"PS1": "$ ", "HISTFILE": "/dev/null"}


@pytest.fixture
def tmux_app(tmp_path: Path) -> Iterator[TmuxApp]:
    tmux = tmux_program()
    require(APP, f"the installed console script {APP}")
    app = TmuxApp(tmux, tmp_path)
    try:
        yield app
    finally:
        app.close()


def _sidebar(lines: list[str]) -> str:
    return "\n".join(line.split(SIDEBAR_EDGE, 1)[1] for line in lines if SIDEBAR_EDGE in line)


def _pane_title(app: TmuxApp) -> str:
    """The title tmux keeps for its pane: what OSC 0/2 from the app would set."""
    return app.run("display-message", "-p", "-t", "main", "#{pane_title}").strip()


def _start_shell(tmux_app: TmuxApp) -> None:
    tmux_app.start(["-s", f"sh={PLAIN_BASH}"], **QUIET)
    tmux_app.wait_for(lambda lines: any(line.startswith("$") for line in lines), "the prompt")


def _still_answering_and_quit(tmux_app: TmuxApp) -> None:
    tmux_app.type("echo alive-$((40+2))")
    tmux_app.keys("Enter")
    tmux_app.wait_for(lambda lines: any("alive-42" in line for line in lines), "alive-42")
    tmux_app.prefix("q", opens_dialog=True)
    tmux_app.wait_for(
        lambda lines: any("Quit and stop 1 running session?" in line for line in lines),
        "the quit confirmation",
    )
    tmux_app.keys("y")
    assert tmux_app.wait_for_exit() == 0


def test_a_traceback_with_brackets_is_shown_in_details_and_the_app_keeps_running(
    tmux_app: TmuxApp,
) -> None:
    _start_shell(tmux_app)
    tmux_app.type("""python3 -c "open('[/data]/x')" """)
    tmux_app.keys("Enter")
    lines = tmux_app.wait_for(
        lambda lines: "'[/data]/x'" in _sidebar(lines), "the traceback's path in the Details panel"
    )
    assert "FileNotFoundError" in "\n".join(lines)
    assert tmux_app.running(), "the app is still running"
    _still_answering_and_quit(tmux_app)


def test_an_escape_in_a_childs_cwd_is_shown_and_never_sets_the_terminal_title(
    tmux_app: TmuxApp,
) -> None:
    _start_shell(tmux_app)
    title_before = _pane_title(tmux_app)
    tmux_app.type(r"printf '\033]7;file://host/tmp/%%1b]2;PWNED%%07\033\\'")
    tmux_app.keys("Enter")
    tmux_app.wait_for(
        lambda lines: "/tmp/␛]2;PWNED␇" in "\n".join(lines),
        "the escaping cwd shown with visible ␛ and ␇ in the title bar",
    )
    assert tmux_app.running(), "the app is still running"
    assert _pane_title(tmux_app) == title_before, "the child set the outer terminal's title"
    _still_answering_and_quit(tmux_app)
