"""Which agent a session runs, and the session command with its hooks (or resume) added.

Recognised by the session's command, and by the PTY's foreground process (`tcgetpgrp` on the
master, then `/proc/PID/cmdline`), so `claude` typed into a shell pane counts too.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence

from . import aider, claude, codex, gemini, generic
from .base import Agent, HookContext, Launch

AGENTS: dict[str, Agent] = {
    agent.name: agent for agent in (claude.AGENT, codex.AGENT, gemini.AGENT, aider.AGENT)
}
GENERIC = generic.AGENT
#: Interpreters whose first argument is the program that matters (`node .../bin/codex`, a
#: wrapper script run as `/bin/sh .../claude`).
_INTERPRETERS = re.compile(r"^(node|nodejs|bun|deno|python[0-9.]*|pypy[0-9.]*|sh|bash|dash|zsh)$")
_SCRIPT_SUFFIX = re.compile(r"\.(c|m)?js$|\.py$")
#: A simple leading word of a command line: `exec`, `VAR=value`s, then a plain program word.
_LEAD = re.compile(
    r"^(?P<lead>\s*(?:exec\s+)?(?:env\s+)?(?:[A-Za-z_][A-Za-z0-9_]*=[^\s'\"`$;&|<>()]*\s+)*)"
    r"(?P<program>[A-Za-z0-9_./+-]+)(?=\s|$)"
)


def agent_named(name: str | None) -> Agent:
    return AGENTS.get(name or "", GENERIC)


def agent_for_argv(argv: Sequence[str]) -> Agent | None:
    """The agent a process's argv runs, or None."""
    if not argv:
        return None
    program = os.path.basename(argv[0])
    if _INTERPRETERS.match(program):
        scripts = [arg for arg in argv[1:] if not arg.startswith("-")]
        if not scripts:
            return None
        program = _SCRIPT_SUFFIX.sub("", os.path.basename(scripts[0]))
    for agent in AGENTS.values():
        if program in agent.programs:
            return agent
    return None


def agent_for_command(command: str | None) -> Agent | None:
    """The agent a session's command line starts, or None (a shell, another program)."""
    if not command:
        return None
    match = _LEAD.match(command)
    if match is not None:
        return agent_for_argv([match["program"]])
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return agent_for_argv(words[:1])


def foreground_argv(master_fd: int) -> list[str] | None:
    """The argv of the process group in the foreground of a PTY (what the person runs now)."""
    try:
        group = os.tcgetpgrp(master_fd)
        with open(f"/proc/{group}/cmdline", "rb") as file:
            raw = file.read(4096)
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part] or None


def _insert_after_program(command: str, args: Sequence[str]) -> str | None:
    match = _LEAD.match(command)
    if match is None or not args:
        return None
    end = match.end("program")
    return command[:end] + " " + shlex.join(args) + command[end:]


def with_launch(command: str, launch: Launch) -> str:
    """`command` with the launch's arguments right after its program (unchanged when they are
    already there, or when the command does not start with a plain program word)."""
    if not launch.args or shlex.join(launch.args) in command:
        return command
    return _insert_after_program(command, launch.args) or command


def hooked_command(command: str, context: HookContext) -> tuple[str, dict[str, str], Agent | None]:
    """The command with its agent's hooks installed, the environment to add, and the agent."""
    agent = agent_for_command(command)
    if agent is None:
        return command, {}, None
    launch = agent.launch(context)
    return with_launch(command, launch), dict(launch.env), agent


def resumed_command(command: str, agent_name: str | None, conversation_id: str) -> str:
    """The command reopening `conversation_id` (`claude --resume ID`, `codex resume ID`)."""
    agent = agent_for_command(command)
    if agent is None or (agent_name and agent.name != agent_name):
        return command
    args = agent.resume_args(conversation_id)
    if args is None or conversation_id in command:
        return command
    return _insert_after_program(command, args) or command
