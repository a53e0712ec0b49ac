"""Hooks of an agent on another machine reach the app: the control client's ssh forwards a
socket over there to the app's control socket (`ssh -R`), and the session's environment names
it. Real sshd on loopback, real app, real `aisession-tui hook` run inside the remote pane."""

from __future__ import annotations

import asyncio
import shlex
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
