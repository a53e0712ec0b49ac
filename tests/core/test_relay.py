"""The output relay: PTY output reaches the session through one helper process, losslessly, with
the child blocked while nobody reads, and nothing lost or left behind when the helper or the app
dies."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aisession_tui.core import SessionConfig, SessionStatus
from aisession_tui.core.process import is_running
from aisession_tui.core.runtime import default_runtime

from .conftest import WAIT, bash_config, started

pytestmark = pytest.mark.timeout(60)

F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)

# 8 MB of numbered lines, and its digest as the PTY delivers it (LF becomes CRLF).
LINES = 200_000
PRODUCE = f"seq -f 'line %08g of the relay test' 1 {LINES}"
EXPECTED = b"".join(b"line %08d of the relay test\r\n" % n for n in range(1, LINES + 1))


def wait_gone(pid: int, within: float = WAIT) -> bool:
    """True once process `pid` has ended (it need not be our child)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], within)[0])
    finally:
        os.close(fd)


async def test_a_flood_arrives_whole_and_in_order_through_the_relay(tmp_path: Path) -> None:
    relay = default_runtime().relay()
    assert relay is not None and relay.alive
    session, rec = await started(SessionConfig(shell_command=PRODUCE, working_directory=tmp_path))
    child = session._child
    assert child is not None and child.read_fd != child.write_fd  # a pipe, not the master
    await rec.wait_terminated()
    assert session.exit_code == 0
    assert hashlib.sha256(rec.output).digest() == hashlib.sha256(EXPECTED).digest()


async def test_a_paused_reader_blocks_the_child_and_loses_nothing(tmp_path: Path) -> None:
    config = SessionConfig(shell_command=f"{PRODUCE}; echo finished", working_directory=tmp_path)
    session, rec = await started(config)
    session.pause_reading()
    await asyncio.sleep(1.0)
    # The relay's pipe (64 KiB unless sized) and the PTY hold far less than 8 MB: the child waits.
    assert session.status is SessionStatus.RUNNING
    assert len(rec.output) < 1024 * 1024
    session.resume_reading()
    await rec.wait_terminated()
    assert rec.output == EXPECTED + b"finished\r\n"


async def test_a_dead_relay_leaves_the_session_reading_its_terminal(tmp_path: Path) -> None:
    session, rec = await started(bash_config(tmp_path))
    try:
        relay = default_runtime().relay()
        assert relay is not None
        await session.send_input("echo through-$((40 + 2))\n")
        await rec.wait_output(b"through-42")
        os.kill(relay.pid, signal.SIGKILL)
        assert wait_gone(relay.pid)
        await session.send_input("echo after-$((40 + 3))\n")
        await rec.wait_output(b"after-43")
        assert session.status is SessionStatus.RUNNING
        replacement = default_runtime().relay()  # the next session gets a new one
        assert replacement is not None and replacement.alive and replacement.pid != relay.pid
    finally:
        await session.stop()


async def test_the_read_ahead_is_the_relay_pipe_sized_in_whole_powers_of_two(
    tmp_path: Path,
) -> None:
    session, _ = await started(bash_config(tmp_path))
    try:
        child = session._child
        assert child is not None
        assert session.set_read_ahead(300_000)
        assert fcntl.fcntl(child.read_fd, F_GETPIPE_SZ) == 256 * 1024
        assert session.set_read_ahead(16 * 1024)
        assert fcntl.fcntl(child.read_fd, F_GETPIPE_SZ) == 16 * 1024
    finally:
        await session.stop()
    assert not session.set_read_ahead(64 * 1024)  # ended: nothing to size


def test_the_relay_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISESSION_RELAY", "off")
    assert default_runtime().relay() is None


async def test_sessions_read_their_terminal_directly_without_the_relay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISESSION_RELAY", "off")
    session, rec = await started(SessionConfig(shell_command=PRODUCE, working_directory=tmp_path))
    child = session._child
    assert child is not None and child.read_fd == child.write_fd
    assert not session.set_read_ahead(1024 * 1024)  # the PTY's buffer is what it is
    await rec.wait_terminated()
    assert rec.output == EXPECTED


APP = textwrap.dedent(
    """
    import asyncio, sys
    from aisession_tui.core import AISession, SessionConfig
    from aisession_tui.core.runtime import default_runtime

    async def main():
        session = AISession(SessionConfig(shell_command="exec sleep 600"))
        await session.start()
        print(default_runtime().relay().pid, session.pid, flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


def test_when_the_app_is_killed_the_relay_and_its_terminals_go_too() -> None:
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        relay_pid, child_pid = map(int, app.stdout.readline().split())
        assert is_running(relay_pid) and is_running(child_pid)
        app.send_signal(signal.SIGKILL)
        app.wait()
        # The relay sees its control socket close and exits; its copy of the master was the
        # last, so the terminal hangs up and `sleep` gets SIGHUP.
        assert wait_gone(relay_pid)
        assert wait_gone(child_pid)
    finally:
        app.kill()
        app.wait()
