"""The `[keymap]` of ~/.config/aisession-tui/config.toml: read, checked, and obeyed by the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aisession_tui.ui.screens import HelpScreen, NewSessionScreen
from aisession_tui.ui.user_config import (
    UserConfigError,
    load_user_config,
    prefix_and_keymap,
)

from .helpers import make_app, repo_root, shell, wait_for


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_file_is_no_keymap(tmp_path: Path) -> None:
    assert load_user_config(tmp_path / "missing.toml").keymap == {}


def test_ids_map_to_keys_flat_or_as_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[keymap]\n"focus.1" = "F1"\n"prefix.new_session" = "N, ctrl+n"\n'
        '[keymap.prefix]\nkill_session = "K"\n',
    )
    prefix, keymap = prefix_and_keymap(load_user_config(path), None)
    assert prefix is None
    assert keymap == {
        "focus.1": "f1",
        "prefix.new_session": "N,ctrl+n",
        "prefix.kill_session": "K",
    }


def test_the_command_line_prefix_beats_the_files(tmp_path: Path) -> None:
    config = load_user_config(write(tmp_path, '[keymap]\nprefix = "C-a"\n'))
    assert prefix_and_keymap(config, None)[0] == "ctrl+a"
    assert prefix_and_keymap(config, "ctrl+g")[0] == "ctrl+g"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[keymap]\n"prefix.nope" = "N"\n', "field 'keymap.prefix.nope': no such binding (ids: "),
        ('[keymap]\n"focus.1" = "garbage"\n', "field 'keymap.focus.1': 'garbage' is not a key"),
        ('[keymap]\nprefix = "a"\n', "field 'keymap.prefix': 'a' is a character you type"),
        ('[keymap]\nprefix = "ctrl+a,ctrl+b"\n', "field 'keymap.prefix': one key"),
        ('[keymap]\n"focus.1" = 3\n', "field 'keymap.focus.1': must be a key"),
        ("[keymap\n", "invalid TOML: "),
        ('[colours]\nx = "y"\n', "field 'colours': Extra inputs are not permitted"),
    ],
)
def test_a_bad_entry_is_one_line_naming_the_file_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UserConfigError) as caught:
        load_user_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_app_refuses_to_start_with_a_bad_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[keymap]\n"prefix.nope" = "N"\n')
    env = {
        **os.environ,
        "AISESSION_CONFIG": str(path),
        "PYTHONPATH": str(repo_root()),
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "aisession_tui", "--no-control", "--no-store"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: field 'keymap.prefix.nope'" in lines[0]


async def test_remapped_prefix_commands_run_from_their_new_keys() -> None:
    keymap = {"prefix.new_session": "N", "prefix.help": "f1"}
    app = make_app(shell("one"), keymap=keymap)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.focused_live is not None)
        await pilot.press("ctrl+b", "c")  # the old key no longer opens the form
        await pilot.pause(0.2)
        assert not isinstance(app.screen, NewSessionScreen)
        await pilot.press("ctrl+b", "N")
        await wait_for(pilot, lambda: isinstance(app.screen, NewSessionScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewSessionScreen))
        await pilot.press("ctrl+b", "f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await app.shutdown()
