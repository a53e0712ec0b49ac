"""Hooks for the sessions of one app: the hook command, the private folder for agents' settings
files, and session configs with them added (never a file of the person's edited)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.config import SessionConfig
from ..store.paths import ensure_private_dir
from .base import HookContext
from .hook import SOCKET_ENV
from .registry import AGENTS, hooked_command, resumed_command

#: Set in shell panes: the arguments (one a line) the shell integration's `claude`/`codex`
#: functions add, so agents typed at the prompt report to us too.
SHELL_ARGS_ENV = {"claude": "AISESSION_CLAUDE_ARGS", "codex": "AISESSION_CODEX_ARGS"}
#: Agents configured through the environment alone; a shell pane passes it on to them.
_ENV_AGENTS = ("gemini", "aider")
SHELL_MARK_ENV = "AISESSION_SHELL_INTEGRATION"


def hook_program() -> list[str]:
    """How to run `aisession-tui`: the console script next to our interpreter, else `-m`."""
    script = Path(sys.executable).with_name("aisession-tui")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "aisession_tui"]


def hook_context(socket: Path, data_dir: Path) -> HookContext:
    """Hooks that report to the app serving `socket` (named in the sessions' environment);
    settings files go in a 0700 folder under `data_dir`."""
    folder = data_dir / "agent-hooks"
    ensure_private_dir(folder)
    return HookContext((*hook_program(), "hook"), folder, {SOCKET_ENV: str(socket)})


def with_agent_hooks(config: SessionConfig, context: HookContext) -> SessionConfig:
    """`config` with its agent's hooks; a shell gets them for the agents typed into it."""
    if config.environment.get(SHELL_MARK_ENV) or not config.shell_command:
        env = {**config.environment, **context.env}
        for name, variable in SHELL_ARGS_ENV.items():
            env[variable] = "\n".join(AGENTS[name].launch(context).args)
        for name in _ENV_AGENTS:
            env.update(AGENTS[name].launch(context).env)
        return config.model_copy(update={"environment": env})
    command, env, agent = hooked_command(config.shell_command, context)
    if agent is None:
        return config
    return config.model_copy(
        update={
            "shell_command": command,
            "environment": {**config.environment, **context.env, **env},
        }
    )


def with_resume(config: SessionConfig, agent: str | None, conversation_id: str) -> SessionConfig:
    """`config` reopening the agent's conversation instead of starting a fresh one."""
    if not config.shell_command:
        return config
    command = resumed_command(config.shell_command, agent, conversation_id)
    return config.model_copy(update={"shell_command": command})
