"""`claude` typed into a real shell pane: the shell integration adds the hooks, and the pane's
foreground process tells which agent runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aisession_tui.core.config import SessionConfig
from aisession_tui.ui.app import AppOptions, SupervisorApp
from tests.control.helpers import SIZE, wait_serving
from tests.ui.helpers import screen_text, wait_for

#: Stands in for Claude Code: shows the arguments it got, then runs as a process named `claude`
#: that writes output a moment later (the foreground is checked when output arrives).
STAND_IN = """#!/bin/bash
echo "claude argv: $*"
exec -a claude bash -c 'sleep 1.2; echo tick; sleep 60; true'
"""


@pytest.mark.parametrize("shell", ["bash", "zsh"])
async def test_agent_typed_in_a_shell_gets_hooks_and_is_recognised(
    shell: str, tmp_path: Path
) -> None:
    program = shutil.which(shell)
    if program is None:
        pytest.skip(f"{shell} is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "claude").write_text(STAND_IN)
    (bin_dir / "claude").chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home), "PS1": "$ ", "PROMPT": "$ "}
    config = SessionConfig(name="sh", shell=program, environment=env, working_directory=tmp_path)
    app = SupervisorApp([config], options=AppOptions(panels=("details",), control=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        presenter = app.presenters[live.session.id.uuid.hex]
        await wait_for(pilot, lambda: live.emulator.cwd is not None, within=20)
        assert presenter.agent_title is None  # a shell
        live.write(b"claude --model opus\r")
        await wait_for(pilot, lambda: "claude argv: --settings" in screen_text(app, "sh"))
        assert "--model opus" in screen_text(app, "sh")
        await wait_for(pilot, lambda: presenter.agent_title == "Claude Code", within=15)
        assert ("agent", "Claude Code") in presenter.details()
        await app.shutdown()
