"""Real Claude Code in a pane of the real app, against a stand-in Anthropic API server.

The stand-in's first turn asks to run a Bash command, so Claude Code opens its permission dialog:
the app must show the session waiting (decided by the PermissionRequest hook) within a second of
the dialog, the inbox must answer it, and the hooks must then report working and done; then
`--restore` must reopen the same conversation (`claude --resume ID`). Runs
wherever `claude` is installed (`.ci/run` installs the pinned version); skips elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .agent_helpers import EventLog, stand_in_server
from .tmux import APP, TmuxApp, require, tmux_program

API_KEY = "sk-ant-api03-aisession-e2e-" + "0" * 40
PROMPT = "create out.txt saying hello"
PROCEED = "Do you want to proceed?"


@pytest.fixture
def claude() -> str:
    found = shutil.which("claude")
    require(found, "Claude Code (`claude`; .ci/run installs @anthropic-ai/claude-code)")
    assert found is not None
    return found


@pytest.fixture
def stand_in_api(tmp_path: Path) -> Iterator[str]:
    with stand_in_server("mock_anthropic.py", tmp_path / "api.log") as url:
        yield url


def pane_title(lines: list[str]) -> str:
    return next((line for line in lines if line.startswith(" 1  claude")), "")


def test_permission_dialog_waits_then_the_inbox_answers_it(
    tmp_path: Path, claude: str, stand_in_api: str
) -> None:
    tmux = tmux_program()
    require(APP, f"the installed console script {APP}")
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    # A fresh HOME past the onboarding (which would try to reach api.anthropic.com).
    (home / ".claude.json").write_text(json.dumps({"hasCompletedOnboarding": True}))
    socket_path = tmp_path / "ctl.sock"
    env = {
        "HOME": str(home),
        "PATH": f"{Path(claude).parent}:{os.environ['PATH']}",
        "ANTHROPIC_BASE_URL": stand_in_api,
        "ANTHROPIC_API_KEY": API_KEY,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "AISESSION_CONTROL_SOCKET": str(socket_path),
    }
    app = TmuxApp(tmux, tmp_path, width=200, height=50)
    events: EventLog | None = None
    try:
        app.start(
            ["-s", "claude=claude", "--cwd", f"claude={project}", "--panels", "sessions"], **env
        )
        # Claude Code's first-run questions: trust this folder (Enter), use this API key (1).
        deadline = time.monotonic() + 60
        while True:
            text = "\n".join(app.screen())
            if "? for shortcuts" in text:
                break
            if "Yes, I trust this folder" in text:
                app.keys("Enter")
                app.wait_for(lambda lines: "trust this folder" not in "\n".join(lines), "trusted")
            elif "Do you want to use this API key?" in text:
                app.keys("1")
                app.wait_for(lambda lines: "this API key" not in "\n".join(lines), "key taken")
            if time.monotonic() > deadline:
                raise AssertionError(f"Claude Code's prompt did not appear\n{text}")
            time.sleep(0.1)
        events = EventLog({**os.environ, **env})
        app.wait_until(lambda: socket_path.exists(), "the control socket")

        app.type(PROMPT)
        app.keys("Enter")
        lines = app.wait_for(
            lambda lines: PROCEED in "\n".join(lines), "Claude Code's permission dialog", 60
        )
        dialog_seen = time.monotonic()
        assert "echo hello > out.txt" in "\n".join(lines)
        app.wait_for(lambda lines: "waiting" in pane_title(lines), "the title says waiting", 5)
        app.wait_until(
            lambda: events.first("Claude Code hook: PermissionRequest") is not None,
            "the PermissionRequest hook reached the app",
            10,
        )
        hooked = events.first("Claude Code hook: PermissionRequest")
        assert hooked is not None
        assert hooked - dialog_seen < 1.0, f"waiting {hooked - dialog_seen:.2f}s after the dialog"

        # Answer from the inbox: "y" is Enter for Claude Code's dialog ("1. Yes" is selected).
        app.prefix("i", opens_dialog=True)
        app.wait_for(
            lambda lines: (
                "Bash: echo hello > out.txt — Do you want to proceed?" in "\n".join(lines)
            ),
            "the question in the inbox",
        )
        app.keys("y")
        app.wait_until(
            lambda: events.first("Claude Code hook: PostToolUse") is not None, "working again", 30
        )
        app.wait_until(lambda: events.first("Claude Code hook: Stop") is not None, "done", 60)
        app.wait_for(lambda lines: "Nobody needs you" in "\n".join(lines), "the inbox emptied")
        app.keys("Escape")
        app.wait_for(lambda lines: " done " in pane_title(lines), "the title says done")
        assert (project / "out.txt").read_text() == "hello\n"
        states = [(state, reason) for _at, state, reason in events.states()]
        waiting = states.index(("waiting_for_input", "Claude Code hook: PermissionRequest"))
        assert ("working", "Claude Code hook: PostToolUse") in states[waiting:]
        assert states[-1] == ("done", "Claude Code hook: Stop")

        listed = subprocess.run(
            [str(APP), "sessions", "--json"],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=30,
        )
        [session] = json.loads(listed.stdout)
        assert session["agent"] == "claude"
        conversation = session["conversation_id"]
        assert conversation

        app.prefix("q", opens_dialog=True)
        app.wait_for(lambda lines: "Quit and stop 1 running session?" in "\n".join(lines), "quit?")
        app.keys("y")
        assert app.wait_for_exit() == 0
    finally:
        if events is not None:
            events.close()
        app.close()

    # --restore reopens the same conversation: `claude --resume ID` shows it again below the
    # restored scrollback.
    app.status_file.unlink()
    restored = TmuxApp(tmux, tmp_path, width=200, height=50)
    try:
        restored.start(["--restore", "--panels", "sessions"], **env)

        def conversation_shown(lines: list[str]) -> bool:
            text = "\n".join(lines)
            return "[restored]" in text and PROMPT in text.split("[restored]", 1)[1]

        restored.wait_for(conversation_shown, "the resumed conversation", 60)
        listed = subprocess.run(
            [str(APP), "sessions", "--json"],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=30,
        )
        [session] = json.loads(listed.stdout)
        assert f"--resume {conversation}" in session["command"]
    finally:
        restored.close()
