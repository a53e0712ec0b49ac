"""Scripted demo agents: local stand-ins for AI coding agents, so every panel has something live.

Each agent is pure standard-library Python run as `python -m aisession_tui.demo <agent>` in a PTY.
`DEMO_SESSIONS` lists what `aisession-tui --demo` starts; `demo_sessions()` builds the same list
with options (the deterministic `script_only` mode is what snapshot tests use).
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass

__all__ = ["AGENTS", "DEMO_SESSIONS", "DemoSpec", "demo_command", "demo_sessions"]

AGENTS: tuple[str, ...] = ("builder", "tester", "reviewer", "shell-like")
"""Agent names accepted by `python -m aisession_tui.demo`."""

_ROLES = {"builder": "build", "tester": "test", "reviewer": "review", "shell-like": "shell"}
_NAMES = {"builder": "builder", "tester": "tester", "reviewer": "reviewer", "shell-like": "shell"}


@dataclass(frozen=True, slots=True)
class DemoSpec:
    """One demo session: its display name, agent role and the shell command line that runs it."""

    name: str
    role: str
    command: str


def demo_command(
    agent: str,
    *,
    speed: float | None = None,
    seed: int | None = None,
    script_only: bool = False,
    python: str | None = None,
) -> str:
    """The shell-quoted command line running one demo agent with this interpreter."""
    if agent not in AGENTS:
        raise ValueError(f"unknown demo agent {agent!r}; choose from {', '.join(AGENTS)}")
    argv = [python or sys.executable, "-m", "aisession_tui.demo", agent]
    if speed is not None:
        argv += ["--speed", repr(float(speed))]
    if seed is not None:
        argv += ["--seed", str(int(seed))]
    if script_only:
        argv.append("--script-only")
    return shlex.join(argv)


def demo_sessions(
    *, speed: float | None = None, seed: int | None = None, script_only: bool = False
) -> list[DemoSpec]:
    """The demo sessions, one per agent, with the given options on every command line."""
    return [
        DemoSpec(
            _NAMES[agent],
            _ROLES[agent],
            demo_command(agent, speed=speed, seed=seed, script_only=script_only),
        )
        for agent in AGENTS
    ]


DEMO_SESSIONS: list[DemoSpec] = demo_sessions()
