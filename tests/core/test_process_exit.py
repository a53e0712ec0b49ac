"""How a process that is not reaped yet ended, read from /proc (as the tmux backend reads a
pane's process when tmux is slow to collect it)."""

from __future__ import annotations

import os
import signal
import subprocess

from aisession_tui.core.process import zombie_exit_code


def _exited_unreaped(argv: list[str], sig: int | None = None) -> subprocess.Popen[bytes]:
    """A child that has ended and stays a zombie (waited on without reaping it)."""
    child = subprocess.Popen(argv)
    if sig is not None:
        child.send_signal(sig)
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    return child


def test_a_zombie_tells_its_exit_status() -> None:
    child = _exited_unreaped(["/bin/sh", "-c", "exit 3"])
    try:
        assert zombie_exit_code(child.pid) == 3
    finally:
        child.wait()


def test_a_zombie_killed_by_a_signal_tells_the_signal() -> None:
    child = _exited_unreaped(["sleep", "60"], signal.SIGKILL)
    try:
        assert zombie_exit_code(child.pid) == -signal.SIGKILL
    finally:
        child.wait()


def test_a_running_or_reaped_process_tells_nothing() -> None:
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert zombie_exit_code(child.pid) is None
    finally:
        child.kill()
        child.wait()
    assert zombie_exit_code(child.pid) is None
