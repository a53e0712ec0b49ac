"""Real hook payloads through the real `aisession-tui hook` subprocess into a real running app."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from aisession_tui.ai.state import AgentState
from aisession_tui.store import Store
from aisession_tui.ui.app import AppOptions, SupervisorApp
from tests.control.helpers import SIZE, cli, make_app, shell, wait_serving, wait_until

from .payloads import payloads

HOOK = [sys.executable, "-m", "aisession_tui", "hook"]


async def run_hook(
    session_id: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> tuple[int, bytes, bytes]:
    """Run `aisession-tui hook ARGS` as an agent would: payload on stdin, AISESSION_ID set."""
    process = await asyncio.create_subprocess_exec(
        *HOOK,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "AISESSION_ID": session_id, **(env or {})},
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 20)
    assert process.returncode is not None
    return process.returncode, out, err


async def test_claude_hooks_drive_the_shown_state(control_socket: Path) -> None:
    app = make_app(shell("agent"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        presenter = app.presenters[live.session.id.uuid.hex]
        sid = str(live.session.id)

        async def hook(event: str) -> None:
            code, out, err = await run_hook(
                sid, "--agent", "claude", event, stdin=payloads()[event]
            )
            assert (code, out, err) == (0, b"", b"")

        await hook("UserPromptSubmit")
        await wait_until(lambda: presenter.agent_status().state is AgentState.WORKING)
        assert presenter.state_reason == "Claude Code hook: UserPromptSubmit"
        assert presenter.agent_title == "Claude Code"

        await hook("PreToolUse")
        await hook("PermissionRequest")
        await wait_until(lambda: presenter.agent_status().state is AgentState.WAITING_FOR_INPUT)
        assert presenter.badge()[0] == "waiting"
        assert presenter.state_reason == "Claude Code hook: PermissionRequest"
        items = app.agent_hooks.inbox_items()
        assert [(i.name, i.agent, i.question) for i in items] == [
            ("agent", "Claude Code", "Bash: echo hello > out.txt — Do you want to proceed?")
        ]
        since = items[0].since

        # The later "needs your permission" notification keeps the question and its age.
        await hook("Notification")
        await asyncio.sleep(0.2)
        items = app.agent_hooks.inbox_items()
        assert [(i.question, i.since) for i in items] == [
            ("Bash: echo hello > out.txt — Do you want to proceed?", since)
        ]

        await hook("PostToolUse")
        await wait_until(lambda: presenter.agent_status().state is AgentState.WORKING)
        assert app.agent_hooks.inbox_items() == []
        await hook("Stop")
        await wait_until(lambda: presenter.agent_status().state is AgentState.DONE)
        assert presenter.state_reason == "Claude Code hook: Stop"

        listed = json.loads((await cli("sessions", "--json")).out)
        assert listed[0]["agent_state"] == "done"
        assert listed[0]["agent"] == "claude"
        assert listed[0]["conversation_id"] == "7ea0644d-4736-4dc4-ae4f-070bc64efcea"

        await hook("SessionEnd")
        await wait_until(lambda: presenter.agent_status().state is AgentState.EXITED)
        assert presenter.state_reason == "Claude Code hook: SessionEnd"
        await app.shutdown()


async def test_codex_notify_ends_the_turn_and_names_the_conversation(control_socket: Path) -> None:
    app = make_app(shell("codex"))
    async with app.run_test(size=SIZE):
        await wait_serving(app)
        live = next(iter(app.lives.values()))
        presenter = app.presenters[live.session.id.uuid.hex]
        notify = json.loads(payloads()["codex-notify"])
        title_turn = json.dumps(notify)
        main_turn = json.dumps(
            {**notify, "thread-id": "thread-main", "input-messages": ["create out2.txt"]}
        )
        sid = str(live.session.id)
        # Codex's notify passes its JSON as the last argument; its internal title turn is ignored.
        assert (await run_hook(sid, "--agent", "codex", "notify", title_turn))[0] == 0
        await asyncio.sleep(0.3)
        assert presenter.agent.signal is None
        assert (await run_hook(sid, "--agent", "codex", "notify", main_turn))[0] == 0
        await wait_until(lambda: presenter.agent_status().state is AgentState.DONE)
        assert presenter.state_reason == "Codex notify: agent-turn-complete"
        assert presenter.agent.conversation_id == "thread-main"
        await app.shutdown()


async def test_conversation_id_is_stored_and_restore_resumes_it(
    control_socket: Path, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in = bin_dir / "claude"
    stand_in.write_text('#!/bin/sh\necho "claude argv: $*"\nexec sleep 60\n')
    stand_in.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    data = tmp_path / "data"
    config = shell("lead", "claude", working_directory=tmp_path)
    config.environment.update(env)
    first = SupervisorApp(
        [config], options=AppOptions(panels=(), control=True), store=Store.open(data)
    )
    async with first.run_test(size=SIZE):
        await wait_serving(first)
        live = next(iter(first.lives.values()))
        assert "--settings" in (live.session.config.shell_command or "")
        await wait_until(lambda: "claude argv: --settings" in "\n".join(live.emulator.text_lines()))
        code, _, _ = await run_hook(
            str(live.session.id), "--agent", "claude", "Stop", stdin=payloads()["Stop"]
        )
        assert code == 0
        tracker = first.presenters[live.session.id.uuid.hex].agent
        await wait_until(lambda: tracker.signal is not None)
        await first.store.aflush()  # type: ignore[union-attr]
        await first.shutdown()
    stored = Store.open(data)
    [remembered] = stored.last_run_sessions()
    assert (remembered.agent, remembered.conversation_id) == (
        "claude",
        "7ea0644d-4736-4dc4-ae4f-070bc64efcea",
    )
    second = SupervisorApp([], options=AppOptions(panels=(), restore=True), store=stored)
    async with second.run_test(size=SIZE):
        await wait_until(lambda: second.lives)
        live = next(iter(second.lives.values()))
        await wait_until(
            lambda: (
                "claude argv: --resume 7ea0644d-4736-4dc4-ae4f-070bc64efcea --settings"
                in "\n".join(live.emulator.text_lines())
            )
        )
        await second.shutdown()


def test_hook_exits_quietly_without_an_app(control_socket: Path) -> None:
    env = {**os.environ, "AISESSION_ID": "0" * 32}
    ran = subprocess.run(
        [*HOOK, "PermissionRequest"],
        input=payloads()["PermissionRequest"].encode(),
        capture_output=True,
        env=env,
        timeout=20,
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"", b"")
    outside = subprocess.run(
        [*HOOK, "Stop"], capture_output=True, env={**env, "AISESSION_ID": ""}, timeout=20
    )
    assert (outside.returncode, outside.stdout, outside.stderr) == (0, b"", b"")


def test_hook_gives_up_on_an_app_that_never_answers(control_socket: Path) -> None:
    """A socket that accepts but never replies (a hung app) must not hang the agent."""
    control_socket.parent.mkdir(parents=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(control_socket))
    server.listen(4)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
    try:
        ran = subprocess.run(
            [*HOOK, "--socket", str(control_socket), "Stop"],
            input=b"{}",
            capture_output=True,
            env={**os.environ, "AISESSION_ID": "0" * 32},
            timeout=10,
        )
    finally:
        server.close()
        for connection in held:
            connection.close()
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"", b"")
    assert held, "the hook should have connected"


def test_the_hook_path_imports_nothing_heavy() -> None:
    """Agents run the hook on every event: no pydantic, Textual, pyte, tiktoken or app core."""
    probe = (
        "import sys\n"
        "sys.argv = ['aisession-tui', 'hook', 'Stop']\n"
        "from aisession_tui.entry import main\n"
        "main()\n"
        "heavy = {'pydantic', 'textual', 'pyte', 'tiktoken', 'rich', 'ptyprocess', 'sqlite3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy"
        " or m.startswith(('aisession_tui.core', 'aisession_tui.ui', 'aisession_tui.store'))))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe],
        input=b"{}",
        capture_output=True,
        env={**os.environ, "AISESSION_ID": "0" * 32},
        timeout=20,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.decode().strip() == "[]"
