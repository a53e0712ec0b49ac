"""A real headless app serving its control socket, and real clients talking to it."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aisession_tui.core.config import SessionConfig
from aisession_tui.ui.app import AppOptions, SupervisorApp

PLAIN_BASH = "bash --norc --noprofile"
QUIET_ENV = {"PS1": "$ ", "HISTFILE": "/dev/null"}
SIZE = (160, 48)
ROOT = Path(__file__).resolve().parents[2]
#: How long a test waits for an app to get somewhere: generous, as the CI machine's two cores
#: may be shared with another CPU-heavy job (the e2e tests' `WAIT` is as long).
WAIT = 45.0


def shell(name: str, command: str = PLAIN_BASH, **fields: object) -> SessionConfig:
    return SessionConfig(name=name, shell_command=command, environment=dict(QUIET_ENV), **fields)  # type: ignore[arg-type]


def make_app(*configs: SessionConfig) -> SupervisorApp:
    return SupervisorApp(configs, options=AppOptions(panels=("sessions",), control=True))


async def wait_until(condition: Callable[[], object], within: float = WAIT) -> None:
    """Let the loop run until `condition()` holds; fail clearly after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


async def wait_serving(app: SupervisorApp) -> None:
    await wait_until(lambda: app.control_server is not None)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


async def cli(*args: str, timeout: float = 60.0) -> CliResult:  # noqa: ASYNC109
    """Run the real `aisession-tui` command line in a subprocess (the app keeps running)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aisession_tui",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
        cwd=ROOT,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return CliResult(process.returncode, out.decode(), err.decode())
