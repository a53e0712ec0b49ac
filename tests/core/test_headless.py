"""Headless mode: the same API on pipes, forced or as a fallback when no PTY can be had."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisession_tui.core import AISession, CommandTimeout, PtyError, SessionStatus, process
from aisession_tui.core import backends as session_module  # where the PTY is spawned

from .conftest import Recorder, bash_config

pytestmark = pytest.mark.timeout(60)


async def test_forced_headless_session_runs_commands_on_pipes(tmp_path: Path) -> None:
    session = AISession(bash_config(tmp_path, force_headless=True))
    rec = Recorder(session)
    await session.start()
    try:
        assert session.is_headless
        out = await session.execute_command("test -t 0 || echo no-tty; echo err >&2; (exit 6)")
        assert out == "no-tty\nerr\n"
        assert session.command_history[-1].exit_code == 6
        await session.send_input("echo $((2 + 3))-five\n")
        await rec.wait_output(b"5-five\n")
        session.resize(50, 50)  # harmless without a terminal
        assert session.size == (50, 50)
    finally:
        await session.stop()
    assert session.status is SessionStatus.TERMINATED


async def test_headless_timeout_interrupts_only_the_command(tmp_path: Path) -> None:
    session = AISession(bash_config(tmp_path, force_headless=True))
    await session.start()
    try:
        with pytest.raises(CommandTimeout):
            await session.execute_command("sleep 30", timeout=0.5)
        assert await session.execute_command("echo alive") == "alive\n"
    finally:
        await session.stop()


async def test_headless_stop_kills_background_children(tmp_path: Path) -> None:
    session = AISession(bash_config(tmp_path, force_headless=True))
    await session.start()
    pid = int((await session.execute_command("sleep 1000 & echo $!")).split()[-1])
    assert process.is_running(pid)
    await session.stop(grace=0.5)
    assert not process.is_running(pid)


def _no_pty(*args: object, **kwargs: object) -> process.PtyChild:
    # Running out of PTYs cannot be provoked safely on a shared machine; simulate only that step.
    raise PtyError("out of pseudo-terminals")


async def test_pty_failure_falls_back_to_headless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "spawn_pty", _no_pty)
    session = AISession(bash_config(tmp_path))
    await session.start()
    try:
        assert session.is_headless
        assert await session.execute_command("echo via-pipes") == "via-pipes\n"
    finally:
        await session.stop()


async def test_pty_failure_without_fallback_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "spawn_pty", _no_pty)
    session = AISession(bash_config(tmp_path, allow_headless_fallback=False))
    with pytest.raises(PtyError, match="out of pseudo-terminals"):
        await session.start()
    assert session.status is SessionStatus.ERROR
