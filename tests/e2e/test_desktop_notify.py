"""The installed app on a real PTY (standing in for the person's terminal): when that terminal
is not focused (focus events, mode 1004) and an agent's hook says it needs the person, the app
sends a desktop notification (OSC 9 and OSC 777) to the terminal; when focused, it does not."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from ptyprocess import PtyProcess

from tests.agents.payloads import payloads

from .tmux import APP, require

NOTIFY = b"\x1b]777;notify;"


class Terminal:
    """The app on a PTY; everything it writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = PtyProcess.spawn(argv, env=env, dimensions=(40, 140))
        self.output = bytearray()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.process.read(65536)
            except EOFError:
                return
            with self._lock:
                self.output += data

    def seen(self, needle: bytes) -> bool:
        with self._lock:
            return needle in self.output

    def wait_for(self, needle: bytes, what: str, within: float = 45.0) -> None:
        deadline = time.monotonic() + within
        while not self.seen(needle):
            if time.monotonic() > deadline:
                raise AssertionError(f"not seen within {within}s: {what}")
            time.sleep(0.05)

    def close(self) -> None:
        self.process.terminate(force=True)


def test_desktop_notification_only_while_the_terminal_is_not_focused(tmp_path: Path) -> None:
    require(APP, f"the installed console script {APP}")
    control = tmp_path / "ctl.sock"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "AISESSION_CONTROL_SOCKET": str(control),
        "AISESSION_DATA_DIR": str(tmp_path / "data"),
    }
    terminal = Terminal(
        [str(APP), "--no-store", "-s", "agent=bash --norc --noprofile", "--panels", "none"], env
    )
    try:
        terminal.wait_for(b"\x1b[?1004h", "the app asking for focus events")
        deadline = time.monotonic() + 45
        while not control.exists():
            assert time.monotonic() < deadline, "the control socket did not appear"
            time.sleep(0.05)
        listed = subprocess.run(
            [str(APP), "sessions", "--json"], capture_output=True, text=True, env=env, timeout=30
        )
        session_id = listed.stdout.split('"id": "', 1)[1].split('"', 1)[0]

        def hook(event: str) -> None:
            subprocess.run(
                [sys.executable, "-m", "aisession_tui", "hook", "--agent", "claude", event],
                input=payloads()[event].encode(),
                env={**env, "AISESSION_ID": session_id},
                timeout=30,
                check=True,
            )

        hook("PermissionRequest")  # focused: the app itself shows it, no desktop notification
        hook("PostToolUse")
        time.sleep(0.5)
        assert not terminal.seen(NOTIFY)
        terminal.process.write(b"\x1b[O")  # the terminal lost focus
        time.sleep(0.3)
        hook("PermissionRequest")
        terminal.wait_for(NOTIFY, "OSC 777 desktop notification")
        assert terminal.seen(b"\x1b]9;agent (Claude Code): Bash: echo hello > out.txt")
    finally:
        terminal.close()
