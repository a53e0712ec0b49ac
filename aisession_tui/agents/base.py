"""What every agent module provides, and the plain data passed between them and the app.

Only the standard library here: the registry (and so this module) is imported on the hook path.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: The states a hook may report; the values are `ai.state.AgentState`'s.
WORKING = "working"
WAITING = "waiting_for_input"
DONE = "done"
ERROR = "error"
EXITED = "exited"
IDLE = "idle"
ALL_STATES = frozenset({WORKING, WAITING, DONE, ERROR, EXITED, IDLE})
MAX_QUESTION_CHARS = 300
#: For agents whose hooks report every turn: per hook state, the screen states that may take over
#: once newer (the hooks cannot see an interrupt, or the person answering in the pane).
HOOK_YIELDS = {
    WORKING: frozenset({IDLE, WAITING, DONE, ERROR, EXITED}),
    WAITING: frozenset({EXITED}),
    DONE: frozenset({WAITING, EXITED}),
    ERROR: frozenset({WORKING, WAITING, EXITED}),
    EXITED: ALL_STATES,
}


@dataclass(frozen=True, slots=True)
class HookSignal:
    """What one hook event says about its agent.

    `yields_to`: the screen-heuristic states that replace this signal once they are newer than it
    (a hook that only says "needs you" cannot say when the person answered; the screen can).
    `yields_after_input`: the states that replace it only once newer than input the person typed
    after it (an agent that does nothing on its own after a turn: what its screen shows before
    the person types again, such as the bell that ends the turn, belongs to that turn).
    """

    agent: str
    state: str
    reason: str
    at: datetime
    question: str | None = None
    conversation_id: str | None = None
    yields_to: frozenset[str] = frozenset()
    yields_after_input: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class HookContext:
    """Where hooks of this app go: the hook command's argv (without EVENT), a 0700 folder for
    the settings files the agents read, and the environment telling the hook which app to
    reach (kept out of the files, so they stay the same for every app and every run)."""

    hook_argv: tuple[str, ...]
    folder: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def command_line(self, agent: str, event: str) -> str:
        """The hook as one shell command line (what settings files and env vars carry)."""
        return shlex.join([*self.hook_argv, "--agent", agent, event])

    def argv(self, agent: str, event: str | None = None) -> list[str]:
        return [*self.hook_argv, "--agent", agent, *([event] if event else [])]


@dataclass(frozen=True, slots=True)
class Launch:
    """Additions to a session's command: arguments right after the program, environment."""

    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


def now() -> datetime:
    return datetime.now(UTC)


def one_line(text: object, limit: int = MAX_QUESTION_CHARS) -> str:
    """Untrusted payload text as a short single line without control characters."""
    value = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", str(text)).strip()
    value = re.sub(r"\s{2,}", " ", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def write_private(path: Path, data: Any) -> Path:
    """Write JSON to `path` (owner-only, 0600) atomically; the folder must exist."""
    text = json.dumps(data, indent=2) + "\n"
    try:
        if path.read_text() == text:
            return path
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


class Agent:
    """An agent CLI. Subclasses set the names and override what their CLI supports."""

    #: Short id, as in `--agent NAME` and the store.
    name = "generic"
    #: How people call it (title bar, Details, reasons).
    title = "program"
    #: Program names (basename of argv[0], or of a script run by node/python) that mean this agent.
    programs: frozenset[str] = frozenset()
    #: What the inbox sends for each answer key ("y", "n", a digit, "enter", "escape").
    answers: Mapping[str, bytes] = {"y": b"y\r", "n": b"n\r", "enter": b"\r", "escape": b"\x1b"}
    #: Digits answer a numbered menu with the digit followed by this.
    digit_suffix = b"\r"

    def launch(self, context: HookContext) -> Launch:
        """Flags and environment that make the agent report to us; none by default."""
        return Launch()

    def signal(self, event: str, payload: Mapping[str, Any]) -> HookSignal | None:
        """The state a hook event means, or None when it means nothing to us."""
        return None

    def hook_signal(
        self, event: str, state: str, payload: Mapping[str, Any], question: str | None = None
    ) -> HookSignal:
        """What a hook event of an agent with Claude Code's hook schema says: the state it
        names, the conversation it belongs to (`session_id`), the screen's cues it yields to."""
        conversation = payload.get("session_id")
        return HookSignal(
            agent=self.name,
            state=state,
            reason=f"{self.title} hook: {event}",
            at=now(),
            question=question,
            conversation_id=conversation if isinstance(conversation, str) else None,
            yields_to=HOOK_YIELDS[state],
        )

    def resume_args(self, conversation_id: str) -> tuple[str, ...] | None:
        """Arguments after the program that reopen a conversation; None when not possible."""
        return None

    def answer(self, key: str) -> bytes | None:
        """Bytes that answer this agent's question with `key`."""
        if key.isdigit() and len(key) == 1:
            return key.encode() + self.digit_suffix
        return self.answers.get(key)
