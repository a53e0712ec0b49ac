"""The copies of the app's files for a remote session: which files, what they are named over
there, and the script that writes them (run here by a real `sh`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aisession_tui.core import app_files
from aisession_tui.core.tmux.remote_files import copy_name, plan, write_script


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(app_files, "_shared", {})
    folder = tmp_path / "hooks"
    folder.mkdir()
    program = tmp_path / "bin" / "aisession-tui"
    (folder / "settings.json").write_text(f'{{"command": "{program} hook --agent claude"}}\n')
    (folder / "other.json").write_text("{}")
    app_files.share(folder)
    app_files.share(program, content=b"#!/bin/sh\necho hook\n")
    return tmp_path


def test_only_the_shared_files_named_are_copied_and_the_paths_they_name_follow(
    shared: Path,
) -> None:
    folder, program = shared / "hooks", shared / "bin" / "aisession-tui"
    texts = [f"--settings\n{folder}/settings.json", f"cat {shared}/hooksmith /etc/hosts"]
    copies, rewrite = plan(texts, "/far/away")
    names = {copy.name: copy for copy in copies}
    assert set(names) == {
        f"{copy_name(str(folder))}/settings.json",
        f"{copy_name(str(folder))}/other.json",
        copy_name(str(program)),  # named inside the settings file
    }
    assert names[copy_name(str(program))].executable
    settings = names[f"{copy_name(str(folder))}/settings.json"].data.decode()
    assert f"/far/away/{copy_name(str(program))} hook" in settings and str(shared) not in settings
    assert rewrite(texts[0]) == f"--settings\n/far/away/{copy_name(str(folder))}/settings.json"
    assert rewrite(texts[1]) == texts[1]  # a longer name, and a file not the app's


def test_the_script_writes_every_byte_of_text_files_private(tmp_path: Path) -> None:
    from aisession_tui.core.tmux.remote_files import Copy

    tricky = "$HOME `id` \\n 'quoted' \"double\"\nAISESSION_x\nno newline at the end"
    copies = [
        Copy("a/b.txt", tricky.encode(), False),
        Copy("run", b"#!/bin/sh\necho hi\n", True),
    ]
    subprocess.run(["sh", "-s"], input=write_script(copies).encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "a" / "b.txt").read_text() == tricky + "\n"
    assert (tmp_path / "run").read_bytes() == b"#!/bin/sh\necho hi\n"
    assert (tmp_path / "a" / "b.txt").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700
    assert not list(tmp_path.rglob("*.tmp"))
