"""The tmux backend on another machine over ssh, for real: an sshd on a loopback port
(`tests/loopback_ssh.py`), next to sessions that run here."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from aisession_tui.core import AISession, ProcessError, SessionConfig, SessionManager, SessionStatus
from aisession_tui.core.backends import PtyBackend, TmuxBackend
from aisession_tui.core.hosts import HostsBackend, make_backend
from aisession_tui.core.process import PtyChild
from aisession_tui.core.tmux import TmuxMissing
from aisession_tui.supervisor import Supervisor

from .conftest import Recorder, bash_config, kill_server

pytestmark = pytest.mark.timeout(90)


async def test_a_session_runs_on_a_remote_tmux_server_over_ssh(
    loopback_host: str, tmp_path: Path
) -> None:
    workspace = f"tmuxbackend-remote-{uuid.uuid4().hex[:8]}"
    backend = TmuxBackend(workspace, host=loopback_host)
    config = SessionConfig(
        name="far",
        shell_command="exec bash --norc --noprofile",
        environment={"PS1": "$ ", "HISTFILE": "/dev/null"},
        working_directory=tmp_path,
        pty_size=(20, 70),
    )
    session = AISession(config, backend=backend)
    rec = Recorder(session)
    try:
        await session.start()
        # The server is reached through ssh: the control client's process is ssh, not tmux.
        transport = backend.server.client._transport
        assert transport is not None
        assert _comm(transport.get_pid()) == "ssh"
        out = await session.execute_command("stty size; echo $AISESSION_ID; echo $((6*7))")
        assert out.splitlines() == ["20 70", str(session.id), "42"]
        await session.send_input(b"printf 'x\\000y\\377z\\n'\n")
        await rec.wait_output(b"x\x00y\xffz")
        # Detach, attach again over ssh: the same shell, with what it printed.
        await session.detach()
        await backend.detach()
        again_backend = TmuxBackend(workspace, host=loopback_host)
        [(sid, again_config, created)] = await again_backend.running_sessions()
        again = AISession(again_config, session_id=sid, created_at=created, backend=again_backend)
        again_rec = Recorder(again)
        await again.start()
        await again_rec.wait_output(b"42")
        await again.send_input("exit 5\n")
        await again_rec.wait_terminated()
        assert again.exit_code == 5
        await again_backend.settle()
        assert await asyncio.to_thread(_servers, workspace) == ""
    finally:
        if session.status is not SessionStatus.TERMINATED:
            await session.stop()
        await kill_server(backend)


async def test_an_unreachable_host_is_a_clear_error(loopback_host: str, tmp_path: Path) -> None:
    backend = TmuxBackend("nowhere", host="aisession-closed")  # nothing listens on its port
    session = AISession(
        SessionConfig(shell_command="true", working_directory=tmp_path), backend=backend
    )
    with pytest.raises(ProcessError, match=r"on aisession-closed did not start: .*refused"):
        await session.start()
    assert session.status is SessionStatus.ERROR


def _servers(workspace: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    return subprocess.run(
        ["tmux", "-L", f"aisession-{workspace}", "ls"], capture_output=True, text=True, env=env
    ).stdout


def _comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


async def test_a_local_and_a_remote_session_side_by_side(
    loopback_host: str, tmp_path: Path
) -> None:
    """One supervisor, two machines: a PTY session here, a tmux session over ssh; each prints
    and takes what is typed, through its own route."""
    workspace = f"tmuxhosts-{uuid.uuid4().hex[:8]}"
    backend = make_backend("pty", workspace=workspace)
    assert isinstance(backend, HostsBackend)
    supervisor = Supervisor(SessionManager(backend=backend))
    here = await supervisor.add(bash_config(tmp_path, name="near"), shell_integration=False)
    there = await supervisor.add(
        bash_config(tmp_path, name="far", host=loopback_host), shell_integration=False
    )
    remote = backend.backend_for_host(loopback_host)
    assert isinstance(remote, TmuxBackend)
    try:
        assert isinstance(here.session.backend, PtyBackend)
        assert isinstance(there.session.backend, TmuxBackend)
        assert there.session.backend is remote
        assert remote.server.host == loopback_host
        transport = remote.server.client._transport  # the remote server's one control client
        assert transport is not None and _comm(transport.get_pid()) == "ssh"
        assert isinstance(here.session._child, PtyChild)
        recorders = {live.name: Recorder(live.session) for live in (here, there)}
        for live in (here, there):  # typed into each pane; `$TMUX` says where it runs
            supervisor.send(live, f"echo {live.name}-$((6*7))-${{TMUX:+tmux}}\n".encode())
        await recorders["near"].wait_output(b"near-42-\r\n")
        await recorders["far"].wait_output(b"far-42-tmux")
        assert b"far-42" not in recorders["near"].output
        assert b"near-42" not in recorders["far"].output
        # Detaching stops the PTY session and leaves the remote one running, which the next
        # app (knowing the host from its workspace) finds again.
        near_pid = here.session.pid
        assert near_pid is not None
        await supervisor.close_all(detach=True)
        assert here.session.exit_code is not None and not _running(near_pid)
        again = make_backend("pty", workspace=workspace, hosts=(loopback_host,))
        assert isinstance(again, HostsBackend)
        [(sid, config, _)] = await again.running_sessions()
        assert (sid, config.host, config.name) == (there.session.id, loopback_host, "far")
        await again.detach()
    finally:
        await supervisor.close_all()
        await backend.settle()
        await kill_server(remote)
    assert await asyncio.to_thread(_servers, workspace) == ""


async def test_tmux_missing_on_the_host_is_one_line_in_the_pane(
    loopback_host: str, tmp_path: Path
) -> None:
    """`aisession-notmux`'s ssh sessions get a PATH without tmux (sshd's SetEnv)."""
    backend = TmuxBackend("notmux", host="aisession-notmux")
    session = AISession(
        SessionConfig(shell_command="true", working_directory=tmp_path), backend=backend
    )
    with pytest.raises(TmuxMissing) as raised:
        await session.start()
    assert str(raised.value) == (
        "tmux is not installed on aisession-notmux (or not on the PATH its ssh commands get): "
        "install it there, or run the session here"
    )
    # In the app, the pane of such a session says it (and the other sessions run on).
    supervisor = Supervisor(SessionManager(backend=make_backend("pty", workspace="notmux")))
    live = await supervisor.add(
        bash_config(tmp_path, name="far", host="aisession-notmux"), shell_integration=False
    )
    shown = " ".join(live.emulator.text_lines()).split()
    assert " ".join(shown).startswith("could not start: tmux is not installed on aisession-notmux")
    await supervisor.close_all()


def _running(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def test_a_remote_session_starts_in_the_login_folder_unless_given_a_cwd(
    loopback_host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's own folder means nothing over there: without a `cwd` of its own, a remote
    session starts where an ssh login does (`$HOME`); the command line and a workspace file
    leave it unset, a `cwd` they give is kept."""
    from aisession_tui.cli import build_parser, session_configs
    from aisession_tui.store.workspace import load_workspace

    here = tmp_path / "app-folder"
    (here / "there").mkdir(parents=True)
    monkeypatch.chdir(here)  # what the old default would have used (it exists over there too)
    args = build_parser().parse_args(
        ["-s", "far=pwd", "-s", "near=pwd", "--session-host", "far=" + loopback_host]
    )
    far, near = session_configs(args, None)
    assert "working_directory" not in far.model_fields_set
    assert near.working_directory == here
    (here / "ws.toml").write_text(
        f'[[sessions]]\nname = "far"\ncommand = "pwd"\nhost = "{loopback_host}"\n'
        f'[[sessions]]\nname = "set"\ncommand = "pwd"\nhost = "{loopback_host}"\ncwd = "/tmp"\n'
        '[[sessions]]\nname = "near"\ncommand = "pwd"\n'
    )
    from_file = load_workspace(here / "ws.toml").sessions
    assert "working_directory" not in from_file[0].model_fields_set
    assert from_file[1].working_directory == Path("/tmp")
    assert from_file[2].working_directory == here
    login = [*os.environ["AISESSION_SSH"].split(), loopback_host, 'printf %s "$HOME"']
    home = (await asyncio.to_thread(subprocess.run, login, capture_output=True, text=True)).stdout
    assert home and home != str(here)
    backend = TmuxBackend(f"tmuxbackend-cwd-{uuid.uuid4().hex[:8]}", host=loopback_host)
    try:
        for config, expected in ((far, home), (from_file[1], "/tmp")):
            command = config.model_copy(update={"shell_command": "pwd; exec sleep 60"})
            session = AISession(command, backend=backend)
            rec = Recorder(session)
            await session.start()
            await rec.wait_output(b"\n")
            assert rec.output.decode().splitlines()[0].strip() == expected
            await session.stop(grace=0.3)
    finally:
        await kill_server(backend)
