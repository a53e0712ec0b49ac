"""Shared by the end-to-end tests that run real agent CLIs: the agent lab's stand-in model
servers, and the running app's event stream."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .tmux import APP

LAB = Path(__file__).with_name("agent_lab")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def stand_in_server(script: str, log: Path, delay: float = 1.0) -> Iterator[str]:
    """Run one of the lab's stand-in model servers; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(LAB / script), str(port), str(log), str(delay)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the stand-in server {script} did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait(timeout=10)


class EventLog:
    """`aisession-tui events --json` of the running app, each event with when it arrived."""

    def __init__(self, env: dict[str, str]) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [str(APP), "events", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._lock:
                self.events.append((time.monotonic(), json.loads(line)))

    def states(self) -> list[tuple[float, str, str]]:
        with self._lock:
            return [
                (at, event["state"], event["reason"])
                for at, event in self.events
                if event.get("type") == "agent_state"
            ]

    def first(self, reason: str) -> float | None:
        return next((at for at, _state, why in self.states() if why == reason), None)

    def close(self) -> None:
        self._process.kill()
        self._process.wait(timeout=10)
