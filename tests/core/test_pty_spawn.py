"""A PTY child started with `posix_spawn` is set up as ptyprocess's fork + exec set it up: its
own session and process group, the PTY as controlling terminal (so the line discipline's Ctrl+C
and Ctrl+Z reach it and shells get job control), cwd, environment, window size and exit code.
Each test runs on both paths: `posix_spawn` and the ptyprocess fallback."""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisession_tui.core import process
from aisession_tui.core.process import PtyChild, spawn_pty

pytestmark = pytest.mark.timeout(60)

_WAIT = 30.0


@pytest.fixture(params=["posix_spawn", "fork"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "fork":
        monkeypatch.setattr(process, "_chdir_helper", None)  # as where `env -C` is missing
    else:
        assert process.chdir_helper() is not None, "this machine's env has -C: posix_spawn runs"
    yield request.param


def _start(argv: list[str], cwd: Path, size: tuple[int, int] = (24, 80)) -> PtyChild:
    env = {**os.environ, "TERM": "xterm-256color", "PROBE": "spawned"}
    return spawn_pty(argv, cwd=cwd, env=env, size=size)


def _read_until(child: PtyChild, marker: bytes) -> bytes:
    """Output up to and including `marker` (waits on the fd, generous deadline)."""
    seen = b""
    deadline = time.monotonic() + _WAIT
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} in {seen!r}"
        if select.select([child.read_fd], [], [], left)[0]:
            try:
                seen += os.read(child.read_fd, 65536)
            except BlockingIOError:
                continue
    return seen


def _wait_exit(child: PtyChild) -> int:
    deadline = time.monotonic() + _WAIT
    while (code := child.try_reap()) is None:
        assert time.monotonic() < deadline, "the child did not end"
        time.sleep(0.01)
    return code


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, session, ...)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _foreground_command(pid: int) -> str:
    """The command name of the foreground process group's leader on `pid`'s terminal."""
    try:
        return Path(f"/proc/{_stat(pid)[5]}/comm").read_text().strip()
    except OSError:
        return ""


def test_the_child_leads_a_session_on_its_pty_as_controlling_terminal(
    path: str, tmp_path: Path
) -> None:
    script = 'tty; stty size; pwd; echo "$PROBE"; echo ready; read line; exit 7'
    child = _start(["/bin/sh", "-c", script], tmp_path, size=(33, 101))
    try:
        out = _read_until(child, b"ready\r\n").decode()
        tty, size, cwd, probe = out.split("\r\n")[:4]
        state = _stat(child.pid)
        pgrp, session, tty_nr, tpgid = (int(state[i]) for i in (2, 3, 4, 5))
        assert session == pgrp == child.pid  # setsid: its own session and process group
        assert tty_nr == os.stat(tty).st_rdev != 0  # the PTY is its controlling terminal
        assert tpgid == child.pid  # and it is the terminal's foreground process group
        assert (size, Path(cwd), probe) == ("33 101", tmp_path, "spawned")
        os.write(child.write_fd, b"\n")
        assert _wait_exit(child) == 7
    finally:
        child.close()


def test_ctrl_c_from_the_line_discipline_interrupts_the_child(path: str, tmp_path: Path) -> None:
    child = _start(["/bin/sh", "-c", "echo ready; exec sleep 60"], tmp_path)
    try:
        _read_until(child, b"ready")
        os.write(child.write_fd, b"\x03")
        assert _wait_exit(child) == -signal.SIGINT
    finally:
        child.close()


def test_an_interactive_shell_gets_job_control_and_ctrl_z_stops_its_job(
    path: str, tmp_path: Path
) -> None:
    child = _start(["/bin/bash", "--noprofile", "--norc", "-i"], tmp_path)
    try:
        os.write(child.write_fd, b"PS1='$ '; echo shell-$((1 + 1))\n")
        startup = _read_until(child, b"shell-2\r\n")  # computed: not the echo of the input
        assert b"no job control" not in startup
        os.write(child.write_fd, b"sleep 60\n")
        deadline = time.monotonic() + _WAIT
        while _foreground_command(child.pid) != "sleep":  # exec'd, in the foreground group
            assert time.monotonic() < deadline, "sleep never took the terminal"
            time.sleep(0.01)
        os.write(child.write_fd, b"\x1a")
        _read_until(child, b"Stopped")
        # A second exit: bash refuses the first while it still counts the job as stopped.
        os.write(child.write_fd, b"kill -9 %1; exit 3\nexit 3\n")
        assert _wait_exit(child) == 3
    finally:
        child.close()


def test_a_missing_working_directory_is_a_clear_error_on_both_paths(
    path: str, tmp_path: Path
) -> None:
    """What `posix_spawn` runs (`env -C`) says so on the terminal and exits 125; the fork path
    raises. Sessions check the directory first (`check_working_directory`); this is the race."""
    gone = tmp_path / "gone"
    try:
        child = _start(["/bin/true"], gone)
    except process.PtyError as exc:
        assert path == "fork" and "gone" in str(exc)
        return
    try:
        assert b"gone" in _read_until(child, b"gone")
        assert _wait_exit(child) == 125
    finally:
        child.close()


def test_descriptors_the_app_inherited_are_not_passed_on(path: str, tmp_path: Path) -> None:
    """A descriptor the app was started with (inheritable, unlike Python's own) is closed in the
    child, as ptyprocess closes every descriptor above 2."""
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    try:
        child = _start(["sh", "-c", "ls /proc/self/fd; echo LISTED-END"], tmp_path)
        seen = _read_until(child, b"LISTED-END")
        _wait_exit(child)
    finally:
        os.close(read_end)
        os.close(write_end)
    listed = seen.split(b"LISTED-END")[0].split()
    assert b"0" in listed and b"2" in listed, seen
    assert str(write_end).encode() not in listed, seen
