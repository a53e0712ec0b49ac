"""Real Codex in a pane of the real app, against a stand-in Responses API server.

Codex reports a finished turn through `-c notify=[...]` (our hook, given a JSON argument): its
approval dialog is answered from the inbox, then the turn ends `done` by that notify, and the
conversation's thread id is remembered for `--restore`. Runs wherever `codex` is installed
(`.ci/run` installs the pinned version); skips elsewhere.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .agent_helpers import EventLog, stand_in_server
from .tmux import APP, TmuxApp, require, tmux_program

PROMPT = "create out2.txt saying hello"


@pytest.fixture
def codex() -> str:
    found = shutil.which("codex")
    require(found, "Codex (`codex`; .ci/run installs @openai/codex)")
    assert found is not None
    return found


@pytest.fixture
def stand_in_api(tmp_path: Path) -> Iterator[str]:
    with stand_in_server("mock_responses.py", tmp_path / "api.log") as url:
        yield url


def codex_command(base_url: str) -> str:
    provider = f'{{name="mock",base_url="{base_url}/v1",wire_api="responses",env_key="MOCK_KEY"}}'
    return shlex.join(
        [
            "codex",
            "-c",
            "model_provider=mock",
            "-c",
            f"model_providers.mock={provider}",
            "-c",
            'model="mock-model"',
            "-s",
            "read-only",
            "-c",
            'approval_policy="on-request"',
        ]
    )


def test_codex_turn_answered_from_the_inbox_ends_done_by_its_notify(
    tmp_path: Path, codex: str, stand_in_api: str
) -> None:
    tmux = tmux_program()
    require(APP, f"the installed console script {APP}")
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    socket_path = tmp_path / "ctl.sock"
    env = {
        "HOME": str(home),
        "PATH": f"{Path(codex).parent}:{os.environ['PATH']}",
        "MOCK_KEY": "x",
        "AISESSION_CONTROL_SOCKET": str(socket_path),
    }
    app = TmuxApp(tmux, tmp_path, width=200, height=50)
    events: EventLog | None = None
    try:
        app.start(
            [
                "-s",
                f"codex={codex_command(stand_in_api)}",
                "--cwd",
                f"codex={project}",
                "--panels",
                "sessions",
            ],
            **env,
        )
        app.wait_for(lambda lines: "Ask Codex to do anything" in "\n".join(lines), "prompt", 60)
        events = EventLog({**os.environ, **env})
        app.type(PROMPT)
        app.wait_for(lambda lines: PROMPT in "\n".join(lines), "the prompt typed")
        time.sleep(0.5)  # Codex takes an Enter right after fast typing as part of a paste
        app.keys("Enter")
        app.wait_for(
            lambda lines: "Would you like to run the following command?" in "\n".join(lines),
            "Codex's approval dialog",
            60,
        )
        app.prefix("i", opens_dialog=True)
        app.wait_for(lambda lines: "Needs you" in "\n".join(lines), "the inbox")
        app.wait_for(lambda lines: "  codex    Codex  " in "\n".join(lines), "codex in the inbox")
        app.keys("y")  # Codex's "Yes, proceed (y)"
        app.wait_until(
            lambda: events.first("Codex notify: agent-turn-complete") is not None,
            "the turn's notify reached the app",
            60,
        )
        app.keys("Escape")
        app.wait_for(lambda lines: " done " in lines[0], "the title says done")
        assert (project / "out2.txt").read_text() == "hello\n"
        listed = subprocess.run(
            [str(APP), "sessions", "--json"],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=30,
        )
        [session] = json.loads(listed.stdout)
        assert (session["agent"], session["agent_state"]) == ("codex", "done")
        assert session["conversation_id"]  # the thread id, not the title turn's
    finally:
        if events is not None:
            events.close()
        app.close()
