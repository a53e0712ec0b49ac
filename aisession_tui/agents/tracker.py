"""Per session: which agent runs, its latest hook signal, its conversation id, and the state to
show, combining the hook (authoritative while fresh) with the screen heuristics (the fallback).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..ai.state import AgentState, AgentStatus
from .base import EXITED, WAITING, Agent, HookSignal, now
from .registry import GENERIC, agent_for_argv, agent_for_command, agent_named, foreground_argv

#: The foreground process is looked at, at most this often, when output arrives.
FOREGROUND_CHECK_SECONDS = 1.0


def shown_status(
    heuristic: AgentStatus, signal: HookSignal | None, input_at: datetime | None = None
) -> AgentStatus:
    """The state to show: the hook's, unless the heuristics saw a state the hook yields to
    after it (an exit, an interrupt the hook cannot see), or the person typed into the session
    after a hook said it waits (declining Claude Code's dialog fires no hook)."""
    if signal is None:
        return heuristic
    if heuristic.since > signal.at and heuristic.state.value in signal.yields_to:
        return heuristic
    if (
        input_at is not None
        and heuristic.since > input_at > signal.at
        and heuristic.state.value in signal.yields_after_input
    ):
        return heuristic
    if signal.state == WAITING and input_at is not None and input_at > signal.at:
        return heuristic
    return AgentStatus(AgentState(signal.state), signal.reason, signal.at)


@dataclass(frozen=True, slots=True)
class Attention:
    """A session's open question, for the inbox."""

    question: str
    since: datetime
    from_hook: bool


class AgentTracker:
    """What we know about the agent in one session, fed by hooks and by output arriving."""

    def __init__(
        self,
        command: str | None,
        master_fd: Callable[[], int | None] = lambda: None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.command_agent = agent_for_command(command)
        self._master_fd = master_fd
        self._clock = clock
        self._checked_at = float("-inf")
        self._foreground_group: int | None = None
        self.foreground_agent: Agent | None = None
        self.signal: HookSignal | None = None
        self.conversation_id: str | None = None
        #: The signal the person answered from the inbox (it leaves the inbox until a new one).
        self.answered: HookSignal | None = None
        #: When the person last typed into the session.
        self.input_at: datetime | None = None

    @property
    def agent(self) -> Agent:
        """The agent running now: the foreground process's, the hooks', the command's."""
        if self.foreground_agent is not None:
            return self.foreground_agent
        if self.signal is not None and self.signal.state != EXITED:
            return agent_named(self.signal.agent)
        return self.command_agent or GENERIC

    @property
    def agent_title(self) -> str | None:
        """The agent's name for people, or None for a program we know nothing about."""
        agent = self.agent
        return None if agent is GENERIC else agent.title

    def output_arrived(self) -> None:
        """Look at the PTY's foreground process: at most once a second, and /proc only while
        no agent is known to be in front or the foreground process group changed."""
        now = self._clock()
        if now - self._checked_at < FOREGROUND_CHECK_SECONDS:
            return
        self._checked_at = now
        fd = self._master_fd()
        if fd is None:
            return
        try:
            group = os.tcgetpgrp(fd)
        except OSError:
            return
        if group == self._foreground_group and self.foreground_agent is not None:
            return  # the same agent still in front (a process that exec'd is read again)
        self._foreground_group = group
        argv = foreground_argv(fd)
        self.foreground_agent = agent_for_argv(argv) if argv else None

    def note_hook(
        self, agent_name: str, event: str, payload: Mapping[str, Any]
    ) -> HookSignal | None:
        """Take a hook event in; returns its signal (None when it means nothing)."""
        agent = agent_named(agent_name)
        signal = agent.signal(event, payload)
        if signal is None:
            return None
        previous = self.signal
        if (
            previous is not None
            and signal.state == previous.state == WAITING
            and signal.reason.endswith("Notification")
            and previous.question
            and previous.agent == signal.agent
            and previous is not self.answered
            and (self.input_at is None or self.input_at < previous.at)
        ):
            # Claude's later "needs your permission" notification repeats the open question.
            signal = HookSignal(
                signal.agent,
                signal.state,
                previous.reason,
                previous.at,
                previous.question,
                signal.conversation_id,
                signal.yields_to,
                signal.yields_after_input,
            )
        self.signal = signal
        if signal.conversation_id:
            self.conversation_id = signal.conversation_id
        return signal

    def note_input(self) -> None:
        """The person typed into the session (an answer to a question, perhaps)."""
        self.input_at = now()

    def status(self, heuristic: AgentStatus) -> AgentStatus:
        return shown_status(heuristic, self.signal, self.input_at)

    def attention(self, heuristic: AgentStatus) -> Attention | None:
        """The open question, if the session needs the person and it was not answered yet."""
        shown = self.status(heuristic)
        if shown.state is not AgentState.WAITING_FOR_INPUT:
            return None
        signal = self.signal
        if signal is not None and shown.since == signal.at:
            if self.answered is signal:
                return None
            return Attention(signal.question or signal.reason, signal.at, True)
        if self.answered is not None and self.answered.at == shown.since:
            return None
        return Attention(shown.reason, shown.since, False)

    def mark_answered(self, heuristic: AgentStatus) -> None:
        """The person answered from the inbox: the question leaves it until a new one comes."""
        shown = self.status(heuristic)
        if self.signal is not None and shown.since == self.signal.at:
            self.answered = self.signal
        else:
            self.answered = HookSignal("", shown.state.value, shown.reason, shown.since)
