"""The tmux backend on another machine over ssh, for real: an sshd on a loopback port.

The test starts its own `sshd` (a throwaway host key, a throwaway client key authorised for the
user running the tests) and points the backend at it through an ssh config file of its own, so
the person's ssh setup is neither needed nor touched.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisession_tui.core import AISession, ProcessError, SessionConfig, SessionStatus
from aisession_tui.core.backends import TmuxBackend
from aisession_tui.core.tmux.server import SSH_ENV

from .conftest import Recorder, kill_server, require_tmux

pytestmark = pytest.mark.timeout(90)
SSHD = "/usr/sbin/sshd"


def _require_sshd() -> None:
    if Path(SSHD).exists() and shutil.which("ssh") and shutil.which("ssh-keygen"):
        return
    if os.environ.get("AISESSION_CI"):
        pytest.fail("openssh-server is not installed (and AISESSION_CI is set, so it must be)")
    pytest.skip("openssh-server (sshd) is not installed; set AISESSION_CI=1 to make this fail")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def loopback_host(tmp_path: Path) -> Iterator[str]:
    """An ssh host alias that reaches a private sshd on 127.0.0.1."""
    require_tmux()
    _require_sshd()
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "user"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    (keys / "authorized_keys").write_text((keys / "user.pub").read_text())
    port = _free_port()
    (keys / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPidFile {keys / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
    )
    if os.geteuid() == 0:  # sshd run as root wants its privilege separation folder
        Path("/run/sshd").mkdir(exist_ok=True)
    sshd = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(keys / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    config = keys / "config"
    config.write_text(
        f"Host aisession-loop\n  HostName 127.0.0.1\n  Port {port}\n  User {getpass.getuser()}\n"
        f"  IdentityFile {keys / 'user'}\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n"
        f"Host aisession-closed\n  HostName 127.0.0.1\n  Port {_free_port()}\n  BatchMode yes\n"
    )
    previous = os.environ.get(SSH_ENV)
    os.environ[SSH_ENV] = f"ssh -F {config}"
    try:
        for _ in range(100):  # until sshd listens
            if (
                subprocess.run(
                    ["ssh", "-F", str(config), "aisession-loop", "true"], capture_output=True
                ).returncode
                == 0
            ):
                break
            if sshd.poll() is not None:
                pytest.fail(
                    f"sshd did not start: {sshd.stderr.read().decode() if sshd.stderr else ''}"
                )
        else:
            pytest.fail("sshd on the loopback port did not answer")
        yield "aisession-loop"
    finally:
        if previous is None:
            os.environ.pop(SSH_ENV, None)
        else:
            os.environ[SSH_ENV] = previous
        sshd.terminate()
        sshd.wait(10)


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
