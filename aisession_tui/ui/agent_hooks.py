"""The app's side of the agents' hooks: hook events from the control socket change the shown
state at once, conversation ids go to the store, waiting sessions make the attention inbox.

No Textual here: it calls the app's own methods (notify, refresh) like the control bridge does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agents.base import HookContext
from ..agents.install import hook_context, with_agent_hooks, with_resume
from ..ai.state import AgentState
from ..control.paths import socket_path
from ..core.config import SessionConfig
from ..core.errors import SessionError
from ..core.events import OutputReceived
from ..core.types import SessionStatus
from ..store.paths import data_dir_from
from ..store.records import StoredSession
from ..supervisor.live_session import Attention, LiveSession

if TYPE_CHECKING:
    from ..supervisor.presenter import SessionPresenter
    from .app import SupervisorApp

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A session that needs the person: its question, agent and since when."""

    key: str
    name: str
    agent: str
    question: str
    since: datetime


def desktop_notification(title: str, body: str) -> str:
    """OSC 9 and OSC 777 (terminals turn them into system notifications), made of plain text."""
    title = _CONTROL.sub(" ", title).replace(";", ",")[:80]
    body = _CONTROL.sub(" ", body)[:200]
    return f"\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07"


class AgentHooks:
    """Installs hooks in the app's sessions and turns hook events into state and attention."""

    def __init__(self, app: SupervisorApp) -> None:
        self.app = app
        self._context: HookContext | None = None
        self._unsubscribe = app.manager.subscribe(self._on_manager_event)

    def close(self) -> None:
        self._unsubscribe()

    # -- installing ------------------------------------------------------------------------------

    def context(self) -> HookContext | None:
        """Where this app's hooks report (None without a control socket: nobody would hear)."""
        if not self.app.options.control:
            return None
        if self._context is None:
            store = self.app.store
            data_dir = Path(store.path).parent if store is not None else data_dir_from()
            try:
                self._context = hook_context(socket_path(self.app.options.workspace_name), data_dir)
            except OSError as error:
                self.app.notify(f"Agent hooks not installed: {error}", severity="warning")
                return None
        return self._context

    def prepare(self, config: SessionConfig) -> SessionConfig:
        """The config with its agent's hooks (or, for a shell, hooks for agents typed in it)."""
        context = self.context()
        return config if context is None else with_agent_hooks(config, context)

    def prepare_restored(self, config: SessionConfig, stored: StoredSession) -> SessionConfig:
        """A restored session reopens its agent's conversation, with fresh hooks."""
        if stored.conversation_id:
            config = with_resume(config, stored.agent, stored.conversation_id)
        return self.prepare(config)

    # -- hearing -----------------------------------------------------------------------------------

    def _on_manager_event(self, event: object) -> None:
        if isinstance(event, OutputReceived):
            presenter = self.app.presenters.get(event.session_id.uuid.hex)
            if presenter is not None:
                presenter.agent.output_arrived()

    def on_hook(self, key: str, agent: str, event: str, payload: Mapping[str, Any]) -> bool:
        """A hook event for session `key`; False when it meant nothing to us."""
        live = self.app.lives.get(key)
        presenter = self.app.presenters.get(key)
        if live is None or presenter is None:
            return False
        tracker = presenter.agent
        known_conversation = tracker.conversation_id
        signal = tracker.note_hook(agent, event, payload)
        if signal is None:
            return False
        conversation = signal.conversation_id
        if conversation and conversation != known_conversation and self.app.store is not None:
            self.app.store.record_conversation(live.session.id, signal.agent, conversation)
        changed = presenter.shown_transition()
        if changed is not None and changed.state is AgentState.WAITING_FOR_INPUT:
            self._needs_person(live, presenter, signal.question or signal.reason)
        elif changed is not None:
            live.attention.discard(Attention.WAITING)
        self.app.main.frame(live).refresh_title()
        self.app.main.request_panel_refresh()
        self.app.main.refresh_inbox()
        return True

    def _needs_person(self, live: LiveSession, presenter: SessionPresenter, question: str) -> None:
        key = live.session.id.uuid.hex
        who = presenter.agent.agent_title or live.name
        if key != self.app.focused_key:
            live.attention.add(Attention.WAITING)
            self.app.notify(f"{live.name}: {question}", title=f"{who} needs you", markup=False)
        if not self.app.app_focus and self.app.options.desktop_notifications:
            self.app.write_to_terminal(desktop_notification(f"{live.name} ({who})", question))

    # -- the inbox ---------------------------------------------------------------------------------

    def inbox_items(self) -> list[InboxItem]:
        """Every session needing the person, longest waiting first."""
        items = []
        for key in self.app.lives:
            live = self.app.lives[key]
            presenter = self.app.presenters[key]
            if live.session.status is not SessionStatus.RUNNING:
                continue
            open_question = presenter.agent.attention(presenter.heuristic_status())
            if open_question is None:
                continue
            agent = presenter.agent.agent_title or "-"
            question, since = open_question.question, open_question.since
            items.append(InboxItem(key, live.name, agent, question, since))
        return sorted(items, key=lambda item: item.since)

    def answer(self, key: str, answer_key: str) -> bool:
        """Send `answer_key` (y, n, a digit, enter, escape) the way the session's agent expects."""
        live = self.app.lives.get(key)
        presenter = self.app.presenters.get(key)
        if live is None or presenter is None:
            return False
        data = presenter.agent.agent.answer(answer_key)
        if data is None:
            return False
        try:
            live.write(data)
        except SessionError:
            return False
        presenter.agent.mark_answered(presenter.heuristic_status())
        live.attention.discard(Attention.WAITING)
        self.app.main.frame(live).refresh_title()
        self.app.main.request_panel_refresh()
        return True


__all__ = ["AgentHooks", "InboxItem", "desktop_notification"]
