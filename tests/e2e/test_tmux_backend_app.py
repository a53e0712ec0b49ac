"""The installed app on the tmux backend: detach, attach again, stop all, and a hang-up.

The app runs in one tmux server (its terminal, as in the other end-to-end tests) and its
sessions in another, the workspace's own, under a `TMUX_TMPDIR` private to the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .tmux import APP, PLAIN_BASH, TmuxApp, require, tmux_program

QUIET = {"PS1": "$ ", "HISTFILE": "/dev/null"}


@pytest.fixture
def sockets(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "sockets"
    folder.mkdir()
    yield folder
    env = {**os.environ, "TMUX_TMPDIR": str(folder)}
    env.pop("TMUX", None)
    subprocess.run(["tmux", "-L", "aisession-default", "kill-server"], env=env, capture_output=True)


def _app(tmp_path: Path, name: str) -> TmuxApp:
    tmux = tmux_program()
    require(APP, f"the installed console script {APP}")
    folder = tmp_path / name
    folder.mkdir()
    return TmuxApp(tmux, folder)


def _ls(sockets: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    result = subprocess.run(
        [str(APP), "ls"],
        env={**env, "TMUX_TMPDIR": str(sockets)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result.stdout


def _shell_pid(app: TmuxApp) -> int:
    """The bash of the session: a marked process whose command is bash."""
    for pid in app.marked_pids():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "bash":
                return pid
        except OSError:
            continue
    raise AssertionError("no bash among the marked processes")


def test_detach_keeps_the_agent_and_attach_shows_what_it_printed_meanwhile(
    tmp_path: Path, sockets: Path
) -> None:
    first = _app(tmp_path, "first")
    second = _app(tmp_path, "second")
    try:  # both closed at the end: closing kills what carries a run's marker (the agent too)
        first.start(
            ["--backend", "tmux", "--no-control", "-s", f"one={PLAIN_BASH}"],
            TMUX_TMPDIR=str(sockets),
            **QUIET,
        )
        first.wait_for(lambda lines: any("$" in line for line in lines), "the prompt")
        first.type("echo before-$((6*7)); (sleep 3; echo meanwhile-$((7*7))) &")
        first.keys("Enter")
        first.wait_for(lambda lines: any("before-42" in line for line in lines), "the echo")
        shell = _shell_pid(first)
        first.prefix("q", opens_dialog=True)
        first.wait_for(lambda lines: any("Detach" in line for line in lines), "the quit dialog")
        first.keys("d")
        assert first.wait_for_exit() == 0
        assert Path(f"/proc/{shell}").exists(), "the shell runs on after the app detached"
        listing = _ls(sockets)
        assert "default" in listing and "one" in listing and "running" in listing

        second.start(["--no-control", "attach"], TMUX_TMPDIR=str(sockets), **QUIET)
        lines = second.wait_for(
            lambda lines: any("meanwhile-49" in line for line in lines),
            "what the shell printed while no app was attached",
        )
        assert any("before-42" in line for line in lines)
        assert Path(f"/proc/{shell}").exists()
        second.prefix("q", opens_dialog=True)
        second.wait_for(lambda lines: any("Stop all" in line for line in lines), "the dialog")
        second.keys("s")
        assert second.wait_for_exit() == 0
        second.wait_until(lambda: not Path(f"/proc/{shell}").exists(), "the shell stopped")
        second.wait_until(lambda: not first.marked_pids(), "no agent or tmux server left")
        assert "No workspace runs on tmux" in _ls(sockets)
    finally:
        second.close()
        first.close()


def test_a_hangup_detaches_instead_of_stopping(tmp_path: Path, sockets: Path) -> None:
    app = _app(tmp_path, "app")
    try:
        app.start(
            ["--backend", "tmux", "--no-control", "-s", f"one={PLAIN_BASH}"],
            TMUX_TMPDIR=str(sockets),
            **QUIET,
        )
        app.wait_for(lambda lines: any("$" in line for line in lines), "the prompt")
        shell = _shell_pid(app)
        [pid] = app.app_pids()
        os.kill(pid, signal.SIGHUP)
        app.wait_until(lambda: not app.running(), "the app ends on SIGHUP")
        assert Path(f"/proc/{shell}").exists(), "the agent survives the hang-up"
        assert "running" in _ls(sockets)
    finally:
        app.close()
