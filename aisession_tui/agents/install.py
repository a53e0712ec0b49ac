"""Hooks for the sessions of one app: the hook command, the private folder for agents' settings
files, and session configs with them added (never a file of the person's edited)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.app_files import share
from ..core.config import SessionConfig
from ..store.paths import ensure_private_dir
from . import hook
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


def standalone_hook() -> bytes:
    """`aisession-tui hook` as one Python script (the hook needs only the standard library):
    what a session on another machine runs in place of the console script."""
    source = Path(hook.__file__).read_text()
    footer = (
        '\n\nif __name__ == "__main__":  # run as `<this file> hook ARGS...`\n'
        '    raise SystemExit(main(sys.argv[2:] if sys.argv[1:2] == ["hook"] else sys.argv[1:]))\n'
    )
    return ("#!/usr/bin/env python3\n" + source + footer).encode()


def hook_context(socket: Path, data_dir: Path) -> HookContext:
    """Hooks that report to the app serving `socket` (named in the sessions' environment);
    settings files go in a 0700 folder under `data_dir`. Both are shared with sessions on
    other machines (`core.app_files`): the console script as `standalone_hook`."""
    folder = data_dir / "agent-hooks"
    ensure_private_dir(folder)
    program = hook_program()
    if len(program) == 1:
        share(program[0], content=standalone_hook())
    share(folder)
    return HookContext((*program, "hook"), folder, {SOCKET_ENV: str(socket)})


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
