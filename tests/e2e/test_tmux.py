"""The installed app in a real terminal (tmux): typing, focus, zoom, quitting, and a failing child.

These tests press keys the way a person does and read the screen tmux shows, so they cover what
`run_test()` cannot: the console script, the real terminal's key encoding, and process cleanup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from .tmux import (
    APP,
    PLAIN_BASH,
    SIDEBAR_EDGE,
    TmuxApp,
    cell_column,
    cell_slice,
    require,
    tmux_program,
)

QUIET = {"PS1": "$ ", "HISTFILE": "/dev/null"}
TWO_SHELLS = ["-s", f"one={PLAIN_BASH}", "-s", f"two={PLAIN_BASH}"]
DETAILS_NAME = re.compile(r"│ name\s+(\S+)\s")
SGR = re.compile(r"\x1b\[[0-9;:]*m")


@pytest.fixture
def tmux_app(tmp_path: Path) -> Iterator[TmuxApp]:
    tmux = tmux_program()
    require(APP, f"the installed console script {APP}")
    app = TmuxApp(tmux, tmp_path)
    try:
        yield app
    finally:
        app.close()


def panes(app: TmuxApp, lines: list[str], names: Sequence[str]) -> dict[str, list[str]]:
    """The text of each named pane whose title bar is on screen, cut out by the tiling.

    A pane spans from its title bar's column to the next title bar on the same row (or the side
    panels), and from under its title bar down to the next title bar below it (or the footer).
    """
    titles = app.titles(names, lines)
    found: dict[str, list[str]] = {}
    for title in titles:
        left = title.column - 1  # the title bar reads " 1  one": the number sits one column in
        beside = [t.column - 1 for t in titles if t.row == title.row and t.column > title.column]
        right = min(beside, default=sidebar_column(lines, title.row))
        below = [
            t.row
            for t in titles
            if t.row > title.row and left <= t.column - 1 < (right or app.width)
        ]
        bottom = min(below, default=len(lines) - 1)
        found[title.name] = [
            cell_slice(line, left, right).rstrip() for line in lines[title.row + 1 : bottom]
        ]
    return found


def sidebar_column(lines: list[str], row: int) -> int | None:
    """Where the side panels begin on a row, if they are shown."""
    line = lines[row]
    return cell_column(line, line.index(SIDEBAR_EDGE)) if SIDEBAR_EDGE in line else None


def two_panes(app: TmuxApp, lines: list[str]) -> tuple[list[str], list[str]] | None:
    """The text of panes one and two when both are on screen, else None."""
    found = panes(app, lines, ["one", "two"])
    if set(found) != {"one", "two"}:
        return None
    return found["one"], found["two"]


def details_name(lines: list[str]) -> str | None:
    """The focused session's name as the Details panel shows it."""
    for line in lines:
        match = DETAILS_NAME.search(line)
        if match:
            return match.group(1)
    return None


def prompt_in(rows: list[str]) -> bool:
    return any(row.strip() == "$" for row in rows)


def both_prompts(app: TmuxApp) -> list[str]:
    """Wait for both shells' prompts in their own panes."""

    def ready(lines: list[str]) -> bool:
        panes = two_panes(app, lines)
        return panes is not None and prompt_in(panes[0]) and prompt_in(panes[1])

    return app.wait_for(ready, "both panes, each with a `$ ` prompt")


def test_keys_go_to_the_focused_pane_and_alt_2_moves_focus_to_pane_two(
    tmux_app: TmuxApp,
) -> None:
    tmux_app.start(TWO_SHELLS, **QUIET)
    both_prompts(tmux_app)

    tmux_app.type("echo from-one-$((1+1))")
    tmux_app.keys("Enter")

    def one_printed(lines: list[str]) -> bool:
        panes = two_panes(tmux_app, lines)
        return panes is not None and "from-one-2" in panes[0]

    tmux_app.wait_for(one_printed, "`from-one-2` printed in pane one")

    tmux_app.keys("M-2")  # tmux sends ESC 2, as xterm and most terminals do for Alt+2
    tmux_app.wait_for(lambda lines: details_name(lines) == "two", "pane two focused by Alt+2")
    tmux_app.type("echo two-says-$((6*7))")
    tmux_app.keys("Enter")

    def two_printed(lines: list[str]) -> bool:
        panes = two_panes(tmux_app, lines)
        return panes is not None and "two-says-42" in panes[1]

    lines = tmux_app.wait_for(two_printed, "`two-says-42` printed in pane two after Alt+2")
    panes = two_panes(tmux_app, lines)
    assert panes is not None
    one, two = panes
    assert "$ echo two-says-$((6*7))" in two
    assert not any("two-says" in row for row in one), "\n".join(one)
    assert "from-one-2" in one
    assert not any("from-one" in row for row in two), "\n".join(two)


def test_prefix_z_zooms_one_pane_and_prefix_q_y_quits_leaving_no_process(
    tmux_app: TmuxApp,
) -> None:
    tmux_app.start(TWO_SHELLS, **QUIET)
    both_prompts(tmux_app)
    # The app and both shells carry the marker, so the final check below can fail.
    tmux_app.wait_until(lambda: len(tmux_app.marked_pids()) >= 3, "app and two shells running")
    assert tmux_app.app_pids(), "pgrep -f finds the running app by its data dir"

    tmux_app.prefix("z")
    lines = tmux_app.wait_for(
        lambda lines: [t.name for t in tmux_app.titles(["one", "two"], lines)] == ["one"],
        "only pane one's title bar after prefix z",
    )
    zoomed = tmux_app.titles(["one"], lines)[0]
    assert zoomed.column == 1, "the zoomed pane starts at the left edge"
    right = sidebar_column(lines, zoomed.row)
    assert right is not None and right > tmux_app.width // 2, "the zoomed pane fills the width"

    tmux_app.prefix("z")
    both_prompts(tmux_app)

    tmux_app.prefix("q", opens_dialog=True)
    tmux_app.wait_for(
        lambda lines: any("Quit and stop 2 running sessions?" in line for line in lines),
        "the quit confirmation",
    )
    tmux_app.keys("y")

    assert tmux_app.wait_for_exit() == 0
    tmux_app.wait_until(
        lambda: not tmux_app.marked_pids(), "no app or shell process left after quitting"
    )
    assert tmux_app.app_pids() == []


def test_a_child_exiting_with_code_3_is_reported_and_the_app_keeps_running(
    tmux_app: TmuxApp,
) -> None:
    paint = r"printf '\033[1;31mred-text\033[0m \033[38;5;208morange-text\033[0m\n'; exit 3"
    tmux_app.start(["-s", f"paint={paint}", "-s", f"shell={PLAIN_BASH}"], **QUIET)

    def reported(lines: list[str]) -> bool:
        text = "\n".join(panes(tmux_app, lines, ["paint", "shell"]).get("paint", []))
        return "red-text orange-text" in text and "exited with code 3" in text

    tmux_app.wait_for(reported, "`exited with code 3` under the child's coloured output")
    coloured = next(line for line in tmux_app.screen(escapes=True) if "red-text" in line)
    before = coloured[: coloured.index("red-text")]
    assert SGR.search(before), f"the child's colour reaches the terminal: {coloured!r}"
    assert tmux_app.running(), "the app is still running"

    # Still alive and answering keys: move to the shell and use it.
    tmux_app.prefix("n")
    tmux_app.wait_for(lambda lines: details_name(lines) == "shell", "the shell focused")
    tmux_app.type("echo alive-$((40+2))")
    tmux_app.keys("Enter")

    def answered(lines: list[str]) -> bool:
        return "alive-42" in panes(tmux_app, lines, ["paint", "shell"]).get("shell", [])

    tmux_app.wait_for(answered, "`alive-42` from the shell after the other child exited")

    tmux_app.prefix("q", opens_dialog=True)
    tmux_app.wait_for(
        lambda lines: any("Quit and stop 1 running session?" in line for line in lines),
        "the quit confirmation for the one running session",
    )
    tmux_app.keys("y")
    assert tmux_app.wait_for_exit() == 0
    tmux_app.wait_until(lambda: not tmux_app.marked_pids(), "no process left after quitting")


def test_keys_typed_right_after_a_prefix_command_reach_the_pane_it_focused(
    tmux_app: TmuxApp,
) -> None:
    """A fast typist (or a paste) does not wait for the prefix footer to go away."""
    tmux_app.start(TWO_SHELLS, **QUIET)
    both_prompts(tmux_app)

    tmux_app.keys("C-b", "n")
    tmux_app.type("echo fast-$((40+2))")
    tmux_app.keys("Enter")

    def arrived(lines: list[str]) -> bool:
        found = two_panes(tmux_app, lines)
        return found is not None and "fast-42" in found[1]

    lines = tmux_app.wait_for(arrived, "`fast-42` printed in pane two, the pane prefix n chose")
    found = two_panes(tmux_app, lines)
    assert found is not None
    assert "$ echo fast-$((40+2))" in found[1], "every key arrived, in order"
    assert tmux_app.running(), "the app is still running"


def test_copy_mode_copies_a_line_to_the_terminal_clipboard(tmux_app: TmuxApp) -> None:
    """Prefix [ then k y: the line above the prompt goes to the clipboard of the terminal the
    app runs in (OSC 52, here tmux's paste buffer), and keys in copy mode never reach the shell."""
    tmux_app.start(["-s", f"one={PLAIN_BASH}"], **QUIET)
    tmux_app.wait_for(lambda lines: prompt_in(panes(tmux_app, lines, ["one"]).get("one", [])), "$")
    tmux_app.type("echo copy-me-$((6*7))")
    tmux_app.keys("Enter")
    tmux_app.wait_for(
        lambda lines: "copy-me-42" in panes(tmux_app, lines, ["one"]).get("one", []),
        "`copy-me-42` printed",
    )
    tmux_app.prefix("[")
    tmux_app.wait_for(lambda lines: any(" COPY " in line for line in lines), "the copy indicator")
    tmux_app.keys("k", "y")

    def copied() -> bool:
        return bool(tmux_app.buffers()) and tmux_app.run("show-buffer").strip() == "copy-me-42"

    tmux_app.wait_until(copied, "`copy-me-42` in the terminal's clipboard")
    tmux_app.wait_for(lambda lines: not any(" COPY " in line for line in lines), "copy mode left")
    rows = panes(tmux_app, tmux_app.screen(), ["one"])["one"]
    assert not any("ky" in row for row in rows), "copy-mode keys stayed out of the shell"
