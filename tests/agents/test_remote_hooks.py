"""Hooks of an agent on another machine reach the app: the control client's ssh forwards a
socket over there to the app's control socket (`ssh -R`), and the session's environment names
it. Real sshd on loopback, real app, real `aisession-tui hook` run inside the remote pane."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from aisession_tui.ai.state import AgentState
from aisession_tui.core.backends import TmuxBackend
from aisession_tui.core.config import SessionConfig
from aisession_tui.core.hosts import HostsBackend, make_backend
from aisession_tui.core.manager import SessionManager
from aisession_tui.ui.app import AppOptions, SupervisorApp
from tests.control.helpers import SIZE, wait_serving, wait_until
from tests.core.conftest import kill_server
from tests.loopback_ssh import OtherUser

from .payloads import payloads

pytestmark = pytest.mark.timeout(120)


async def test_a_remote_agents_hook_updates_its_session(
    loopback_host: str, control_socket: Path, tmp_path: Path
) -> None:
    workspace = f"tmuxhosts-hooks-{uuid.uuid4().hex[:8]}"
    backend = make_backend("pty", workspace=workspace, hook_socket=control_socket)
    assert isinstance(backend, HostsBackend)
    remote = backend.backend_for_host(loopback_host)
    assert isinstance(remote, TmuxBackend)
    payload = tmp_path / "prompt.json"
    payload.write_text(payloads()["UserPromptSubmit"])
    app = SupervisorApp(
        # A shell pane: its environment carries the hooks' socket for agents typed into it.
        [
            SessionConfig(
                name="far", shell="/bin/bash", host=loopback_host, working_directory=tmp_path
            )
        ],
        options=AppOptions(panels=("sessions",), control=True),
        manager=SessionManager(backend=backend),
    )
    try:
        async with app.run_test(size=SIZE):
            await wait_serving(app)
            live = next(iter(app.lives.values()))
            await wait_until(lambda: live.session.backend is remote and live.session.pid)
            presenter = app.presenters[live.session.id.uuid.hex]
            screen = lambda: "\n".join(live.emulator.text_lines())  # noqa: E731
            # Over there the session's socket is the forwarded one, not the app's own path
            # (which, on loopback, would reach the app without any forwarding).
            live.session.write(b"echo sock=$AISESSION_CONTROL_SOCKET\r")
            forwarded = remote.server.remote_hook_socket
            await wait_until(lambda: f"sock={forwarded}" in screen())
            assert str(control_socket) not in screen()
            hook = [sys.executable, "-m", "aisession_tui", "hook", "--agent", "claude"]
            line = f"{shlex.join([*hook, 'UserPromptSubmit'])} < {shlex.quote(str(payload))}"
            # As an agent would, from a program in the foreground (at the prompt, the shell's
            # own word that nothing runs would win).
            live.session.write(line.encode() + b"; echo hooked-$?; sleep 600\r")
            await wait_until(lambda: "hooked-0" in screen())
            # The hook's word, not the heuristics' (a running command also reads as working).
            await wait_until(lambda: presenter.state_reason == "Claude Code hook: UserPromptSubmit")
            assert presenter.agent_status().state is AgentState.WORKING
            await app.shutdown()
    finally:
        await kill_server(remote)
        # sshd leaves a forwarded socket's file behind (the next forward replaces it).
        await asyncio.to_thread(Path(remote.server.remote_hook_socket).unlink, missing_ok=True)


#: What Claude Code does with a hook of its settings file: run its command line with the
#: event's JSON on stdin. Here a stand-in for `claude`, run in the remote pane.
FAKE_CLAUDE = (
    "import json, os, subprocess, sys; "
    "args = os.environ['AISESSION_CLAUDE_ARGS'].split('\\n'); "
    "settings = json.load(open(args[args.index('--settings') + 1])); "
    "command = settings['hooks']['UserPromptSubmit'][0]['hooks'][0]['command']; "
    "print('hook-command=' + command); "
    "sys.exit(subprocess.run(command, shell=True, input=open(sys.argv[1], 'rb').read()).returncode)"
)


async def test_a_remote_agents_hook_reaches_the_app_from_a_machine_without_its_files(
    other_user_host: OtherUser, control_socket: Path, tmp_path: Path
) -> None:
    """The remote side is another user, who can read none of the app's files: the hook
    program, the agent's settings and the shell's rc file are copies in its own cache."""
    host = other_user_host
    workspace = f"tmuxhosts-files-{uuid.uuid4().hex[:8]}"
    backend = make_backend("pty", workspace=workspace, hook_socket=control_socket)
    assert isinstance(backend, HostsBackend)
    remote = backend.backend_for_host(host.host)
    assert isinstance(remote, TmuxBackend)
    payload = host.home / "prompt.json"
    payload.write_text(payloads()["UserPromptSubmit"])
    shutil.chown(payload, host.name, host.name)
    app = SupervisorApp(
        [SessionConfig(name="far", shell="/bin/bash", host=host.host, working_directory=host.home)],
        options=AppOptions(panels=("sessions",), control=True),
        manager=SessionManager(backend=backend),
    )
    try:
        async with app.run_test(size=SIZE):
            await wait_serving(app)
            live = next(iter(app.lives.values()))
            await wait_until(lambda: live.session.backend is remote and live.session.pid)
            presenter = app.presenters[live.session.id.uuid.hex]
            screen = lambda: "\n".join(live.emulator.text_lines())  # noqa: E731
            context = app.agent_hooks.context()
            assert context is not None
            local = shlex.quote(str(context.folder / "claude-settings.json"))
            probe = f"test -r {local} || echo local-files-unreadable-$(id -un)\r"
            live.session.write(probe.encode())
            await wait_until(lambda: f"local-files-unreadable-{host.name}" in screen())
            command = f"python3 -c {shlex.quote(FAKE_CLAUDE)} {shlex.quote(str(payload))}"
            live.session.write(command.encode() + b"; echo hooked-$?; sleep 600\r")
            await wait_until(lambda: "hooked-0" in screen())
            shown = screen().replace("\n", "")
            cache = f"{host.home}/.cache/aisession-tui/remote/"
            assert f"hook-command={cache}" in shown  # the hook program's copy over there
            await wait_until(lambda: presenter.state_reason == "Claude Code hook: UserPromptSubmit")
            assert presenter.agent_status().state is AgentState.WORKING
            folder = next((host.home / ".cache" / "aisession-tui" / "remote").iterdir())
            assert folder.stat().st_mode & 0o777 == 0o700
            copies = [path for path in folder.rglob("*") if path.is_file()]
            assert copies and all(path.stat().st_uid != 0 for path in copies)
            assert all(path.stat().st_mode & 0o077 == 0 for path in copies)
            assert any(path.name == "bash_integration.bash" for path in copies)  # the rc file
            await app.shutdown()
    finally:
        await kill_server(remote)
        await asyncio.to_thread(Path(remote.server.remote_hook_socket).unlink, missing_ok=True)
