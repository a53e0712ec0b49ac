"""A private sshd on a loopback port, for the tests of sessions on another machine.

The fixture starts its own `sshd` (a throwaway host key, a throwaway client key authorised for
the user running the tests) and points the app at it through an ssh config file of its own
(`AISESSION_SSH`), so the person's ssh setup is neither needed nor touched. Host aliases:
`aisession-loop` (the machine itself), `aisession-notmux` (the same, but its ssh sessions get a
PATH without tmux: sshd's `SetEnv` on a second port) and `aisession-closed` (nothing listens).
`other_user_host` is a "remote machine" that shares nothing with the app: a throwaway user
with a home and temp folder of its own, who cannot read the app's files.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aisession_tui.core.tmux.server import SSH_ENV
from tests.core.conftest import require_tmux

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
    with _loopback_sshd(tmp_path, None):
        yield "aisession-loop"


@dataclass(frozen=True)
class OtherUser:
    """A throwaway local user reached over the loopback sshd as host `host`."""

    host: str
    name: str
    home: Path


@pytest.fixture
def other_user_host(tmp_path: Path) -> Iterator[OtherUser]:
    """A user made for this test (so it needs root: CI runs as root), whose home and temp
    folder are its own and who cannot read the app's files (the test's are root's, 0700)."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root (and useradd) to make a throwaway user for the remote side")
    base = Path(tempfile.mkdtemp(prefix="aisession-remote-"))
    name = f"aisr{uuid.uuid4().hex[:8]}"
    home = base / "home"
    subprocess.run(
        [
            "useradd",
            "--create-home",
            "--home-dir",
            str(home),
            "--shell",
            "/bin/bash",
            "--user-group",
            "--password",  # no password, but not locked: sshd lets a locked account in on no key
            "*",
            name,
        ],
        check=True,
    )
    try:
        (home / "tmp").mkdir(mode=0o700)
        shutil.chown(home / "tmp", name, name)
        shutil.chown(base, name, name)
        with _loopback_sshd(tmp_path, (name, home)):
            yield OtherUser("aisession-other", name, home)
    finally:
        subprocess.run(["userdel", "--force", "--remove", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def _loopback_sshd(tmp_path: Path, other: tuple[str, Path] | None) -> Iterator[None]:
    require_tmux()
    _require_sshd()
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "user"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    (keys / "authorized_keys").write_text((keys / "user.pub").read_text())
    port, bare_port = _free_port(), _free_port()
    bare = tmp_path / "no-tmux-here"  # what the PATH of `aisession-notmux` holds: nothing
    bare.mkdir()
    (keys / "sshd_config").write_text(
        f"Port {port}\nPort {bare_port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPidFile {keys / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        f"Match LocalPort {bare_port}\n  SetEnv PATH={bare}\n"
    )
    if other is not None:  # the user's own key file, which sshd reads as that user
        name, home = other
        ssh_dir = home / ".ssh"
        ssh_dir.mkdir(mode=0o700)
        (ssh_dir / "authorized_keys").write_text((keys / "user.pub").read_text())
        for path in (ssh_dir, ssh_dir / "authorized_keys"):
            shutil.chown(path, name, name)
        with (keys / "sshd_config").open("a") as config_file:
            config_file.write(
                f"Match User {name}\n  AuthorizedKeysFile {ssh_dir / 'authorized_keys'}\n"
                f"  SetEnv TMPDIR={home / 'tmp'}\n"
            )
    if os.geteuid() == 0:  # sshd run as root wants its privilege separation folder
        Path("/run/sshd").mkdir(exist_ok=True)
    sshd = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(keys / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    config = keys / "config"
    login = (
        f"  HostName 127.0.0.1\n  User {getpass.getuser()}\n  IdentityFile {keys / 'user'}\n"
        "  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
        "  LogLevel ERROR\n  BatchMode yes\n"
    )
    config.write_text(
        f"Host aisession-loop\n  Port {port}\n{login}"
        f"Host aisession-notmux\n  Port {bare_port}\n{login}"
        f"Host aisession-closed\n  HostName 127.0.0.1\n  Port {_free_port()}\n  BatchMode yes\n"
    )
    if other is not None:
        with config.open("a") as config_file:
            # The first `User` given wins: the other user's before the shared lines.
            config_file.write(f"Host aisession-other\n  Port {port}\n  User {other[0]}\n{login}")
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
        yield
    finally:
        if previous is None:
            os.environ.pop(SSH_ENV, None)
        else:
            os.environ[SSH_ENV] = previous
        sshd.terminate()
        sshd.wait(10)
