"""The control socket's operations on the supervised sessions.

`ControlBackend` implements the server's `Backend` on top of a `Supervisor` (never the App), so
a script's `send` types into the very pane the person is watching, `exec` runs there too, and
what it changes (a rename, a new session, a close) reaches the UI as the supervisor's events.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .. import __version__
from ..ai.monitor import AgentStateChanged, MonitorEvent, SessionMonitor
from ..ai.state import AgentStatus
from ..core.config import check_name
from ..core.errors import CommandTimeout, SessionError
from ..core.events import (
    CommandRecorded,
    OutputReceived,
    ProcessExited,
    SessionAdded,
    SessionRemoved,
    StatusChanged,
)
from ..core.types import CommandRecord, SessionStatus
from ..store.errors import AmbiguousSessionError, SessionLookupError
from ..supervisor import InvalidName, Supervisor, SupervisorEvent
from ..supervisor import SessionRemoved as SessionClosed
from ..supervisor.live_session import LiveSession
from . import ops
from .bus import BusMessage, MessageBus
from .paths import socket_path
from .protocol import (
    AMBIGUOUS,
    INVALID,
    NOT_FOUND,
    SESSION_ERROR,
    TIMEOUT,
    TOO_MANY,
    UNKNOWN_OP,
    ControlError,
)
from .server import ControlServer, Emit

log = logging.getLogger(__name__)
#: Most sessions `new` lets the app hold (each has a PTY, a child and a scrollback of up to some
#: MB); as many as a workspace may hold.
MAX_LIVE_SESSIONS = 256


def record_json(record: CommandRecord) -> dict[str, Any]:
    return {
        "command": record.command,
        "exit_code": record.exit_code,
        "started_at": record.timestamp.isoformat(),
        "duration_ms": record.duration_ms,
        "cwd": record.cwd,
        "output": record.output or record.output_preview,
    }


def _trim_blank_tail(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message with its recipient's current name."""

    message: BusMessage
    to_name: str


@dataclass(slots=True)
class _Subscriber:
    emit: Emit
    session_key: str | None
    decoders: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
#: (session key, agent, event, payload) -> whether the hook event meant something.
HookHandler = Callable[[str, str, str, Mapping[str, Any]], bool]


class ControlBackend:
    """Serves control requests from the supervised sessions (see `control.server.Backend`)."""

    def __init__(
        self,
        supervisor: Supervisor,
        bus: MessageBus | None = None,
        *,
        max_sessions: int = MAX_LIVE_SESSIONS,
    ) -> None:
        self.supervisor = supervisor
        self.bus = bus or MessageBus()
        self.max_sessions = max_sessions
        #: `new` requests between their check against `max_sessions` and the session's adoption.
        self._creating = 0
        self._subscribers: list[_Subscriber] = []
        self._watched_monitors: dict[str, SessionMonitor] = {}
        self._states_sent: dict[str, tuple[str, str]] = {}
        #: What a `hook` request is handed to (the app's agent hooks); None: hooks are ignored.
        self.hook_handler: HookHandler | None = None
        self._unsubscribe_manager: Callable[[], None] | None = supervisor.manager.subscribe(
            self._on_manager_event
        )
        self._unsubscribe_supervisor = supervisor.subscribe(self._on_supervisor_event)
        self._unsubscribe_bus = self.bus.subscribe(self._on_bus_message)
        handlers: dict[ops.Op[Any, Any], Handler] = {
            ops.PING: self._ping,
            ops.LIST_SESSIONS: self._list_sessions,
            ops.CREATE_SESSION: self._create_session,
            ops.SEND_INPUT: self._send_input,
            ops.EXECUTE_COMMAND: self._execute_command,
            ops.CAPTURE: self._capture,
            ops.HISTORY: self._history,
            ops.CONTEXT: self._context,
            ops.RENAME: self._rename,
            ops.KILL: self._kill,
            ops.SEND_MESSAGE: self._send_message,
            ops.MESSAGES: self._messages,
            ops.DISCARD_MESSAGE: self._discard_message,
            ops.FORWARD_MESSAGE: self._forward_message,
            ops.HOOK: self._hook,
        }
        assert set(handlers) == set(ops.OPS.values()), "every operation has one handler"
        self._ops = {op.name: (op, handler) for op, handler in handlers.items()}

    def close(self) -> None:
        if self._unsubscribe_manager is not None:
            self._unsubscribe_manager()
            self._unsubscribe_manager = None
        self._unsubscribe_supervisor()
        self._unsubscribe_bus()
        self._subscribers.clear()

    # -- Backend ---------------------------------------------------------------------------------

    async def call(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        entry = self._ops.get(op)
        if entry is None:
            known = ", ".join(sorted([*self._ops, ops.SUBSCRIBE.name]))
            raise ControlError(UNKNOWN_OP, f"unknown operation {op!r} (known: {known})")
        definition, handler = entry
        # The reply is held to the operation's result model: a shape drift fails here.
        return definition.reply(definition.result.model_validate(await handler(params)))

    def subscribe(self, params: dict[str, Any], emit: Emit) -> Callable[[], None]:
        request = ops.SUBSCRIBE.parse(params)
        key = self.resolve(request.session).session.id.uuid.hex if request.session else None
        subscriber = _Subscriber(emit, key)
        self._subscribers.append(subscriber)
        self._watch_monitors()

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    # -- naming sessions -------------------------------------------------------------------------

    def resolve(self, ref: str) -> LiveSession:
        """A live session by name, id or unique id prefix (the supervisor's one rule)."""
        try:
            return self.supervisor.resolve(ref)
        except AmbiguousSessionError as error:
            raise ControlError(AMBIGUOUS, str(error)) from None
        except SessionLookupError as error:
            raise ControlError(NOT_FOUND, str(error)) from None

    def _live(self, key: str) -> LiveSession | None:
        """The session a bus key (an id's hex) stands for, if it is still supervised."""
        for live in self.supervisor:
            if live.session.id.uuid.hex == key:
                return live
        return None

    def session_json(self, live: LiveSession) -> dict[str, Any]:
        info = live.session.info()
        monitor = self.supervisor.monitor(live)
        presenter = self.supervisor.presenter(live)
        return {
            "id": str(info.id),
            "name": live.name,
            "status": info.status.value,
            "created_at": info.created_at.isoformat(),
            "last_activity": info.last_activity.isoformat(),
            "working_directory": str(info.working_directory),
            "ai_features_enabled": info.ai_features_enabled,
            "context_token_count": info.context_token_count,
            "command_count": info.command_count,
            "role": live.session.config.agent_role,
            "command": live.session.config.display_command,
            "pid": live.session.pid,
            "exit_code": live.session.exit_code,
            "attention": sorted(a.value for a in live.attention),
            "agent_state": presenter.agent_status().state.value if monitor and presenter else None,
            "agent_reason": presenter.agent_status().reason if monitor and presenter else None,
            "agent": presenter.agent.agent.name if presenter and presenter.agent_title else None,
            "conversation_id": presenter.agent.conversation_id if presenter else None,
            "unread_messages": len(self.bus.messages(live.session.id.uuid.hex)),
        }

    # -- operations ------------------------------------------------------------------------------

    async def _ping(self, params: dict[str, Any]) -> dict[str, Any]:
        ops.PING.parse(params)
        return {"app": "aisession-tui", "version": __version__, "pid": os.getpid()}

    async def _list_sessions(self, params: dict[str, Any]) -> dict[str, Any]:
        ops.PING.parse(params)
        # Sessions still to start (the app has just opened) are listed once they have.
        await asyncio.gather(*(self.supervisor.started(live) for live in self.supervisor))
        return {"sessions": [self.session_json(live) for live in self.supervisor]}

    async def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        config = ops.CREATE_SESSION.parse({"enable_ai_features": True, **params})
        for field_name in ("name", "agent_role"):
            value = getattr(config, field_name)
            try:
                if value is not None:
                    check_name(value)
            except ValueError as error:
                raise ControlError(INVALID, f"{field_name}: {error}") from None
        if config.name:
            try:
                self.supervisor.check_name(config.name)
            except InvalidName as error:
                raise ControlError(INVALID, str(error)) from None
        if len(self.supervisor) + self._creating >= self.max_sessions:
            raise ControlError(
                TOO_MANY,
                f"the app already holds {self.max_sessions} sessions, the most it takes: "
                "close some first",
            )
        self._creating += 1
        try:  # counted here until adopted (then the supervisor counts it), not both
            live = await self.supervisor.add(config, start=False)
        finally:
            self._creating -= 1
        await self.supervisor.start(live)
        return {"session": self.session_json(live)}

    async def _running(self, ref: str) -> LiveSession:
        """The running session `ref` names; one still starting (the app has just opened, or
        `new` has just asked for it) is waited for, up to `START_WAIT` seconds."""
        live = self.resolve(ref)
        await self.supervisor.started(live)
        if live.session.status is not SessionStatus.RUNNING:
            raise ControlError(
                SESSION_ERROR, f"session {live.name!r} is not running ({live.session.status})"
            )
        return live

    async def _send_input(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.SEND_INPUT.parse(params)
        live = await self._running(request.session)
        data = (request.text + ("\r" if request.enter else "")).encode()
        try:
            self.supervisor.send(live, data)
        except SessionError as error:
            raise ControlError(SESSION_ERROR, str(error)) from None
        return {"sent_bytes": len(data)}

    async def _execute_command(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.EXECUTE_COMMAND.parse(params)
        live = await self._running(request.session)
        session = live.session
        try:
            output = await session.execute_command(request.command, timeout=request.timeout)
        except CommandTimeout as error:
            raise ControlError(TIMEOUT, str(error)) from None
        except SessionError as error:
            raise ControlError(SESSION_ERROR, str(error)) from None
        record = next(
            (
                r
                for r in reversed(session.command_history)
                if r.command == request.command and r.output == output
            ),
            None,
        )
        return {
            "output": output,
            "exit_code": record.exit_code if record else None,
            "duration_ms": record.duration_ms if record else None,
        }

    async def _capture(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.CAPTURE.parse(params)
        emulator = self.resolve(request.session).emulator
        if request.lines is None:
            lines = _trim_blank_tail(emulator.text_lines())
        else:
            lines = _trim_blank_tail(emulator.history_text() + emulator.text_lines())
            lines = lines[-request.lines :]
        return {"text": "\n".join(lines), "lines": len(lines)}

    async def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.HISTORY.parse(params)
        records = self.resolve(request.session).session.command_history[-request.limit :]
        return {"commands": [record_json(r) for r in records]}

    async def _context(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.CONTEXT.parse(params)
        live = self.resolve(request.session)
        monitor = self.supervisor.monitor(live)
        context = monitor.context if monitor is not None else None
        if context is None:
            raise ControlError(INVALID, f"session {live.name!r} keeps no context (AI features off)")
        text = context.context_for_model(request.budget, as_text=True)
        return {"text": text, "budget": request.budget or context.config.max_tokens}

    async def _rename(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.RENAME.parse(params)
        live = self.resolve(request.session)
        try:
            old = self.supervisor.rename(live, request.name)
        except InvalidName as error:
            raise ControlError(INVALID, str(error)) from None
        return {"old_name": old, "name": live.name}

    async def _kill(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.KILL.parse(params)
        live = self.resolve(request.session)
        name = live.name
        await self.supervisor.close(live)
        return {"killed": name, "exit_code": live.session.exit_code}

    async def _hook(self, params: dict[str, Any]) -> dict[str, Any]:
        """An agent's hook event for the session it runs in (see `agents.hook`)."""
        request = ops.HOOK.parse(params)
        key = request.session.replace("-", "").lower()
        live = self._live(key)
        if live is None:
            raise ControlError(NOT_FOUND, f"no live session with id {request.session!r}")
        payload = request.payload if isinstance(request.payload, dict) else {}
        handler = self.hook_handler
        accepted = handler is not None and handler(key, request.agent, request.event, payload)
        if accepted and self._subscribers:
            self._send_state(key, self.supervisor.presenter(live).agent_status())
        return {"accepted": accepted}

    # -- message bus -----------------------------------------------------------------------------

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.SEND_MESSAGE.parse(params)
        if request.to == "*":
            recipients = [
                live.session.id.uuid.hex for live in self.supervisor if live.name != request.sender
            ]
            broadcast = True
        else:
            recipients = [self.resolve(request.to).session.id.uuid.hex]
            broadcast = False
        try:
            sent = self.bus.post(recipients, request.sender, request.text, broadcast=broadcast)
        except ValueError as error:
            raise ControlError(INVALID, str(error)) from None
        if sent:
            names = "everyone" if broadcast else self._message_json(sent[0])["to"]
            preview = request.text if len(request.text) <= 80 else request.text[:77] + "..."
            self.supervisor.notify(preview, title=f"Message {request.sender} → {names}", timeout=8)
        return {"delivered": [self._message_json(m) for m in sent]}

    def _message_json(self, message: BusMessage) -> dict[str, Any]:
        data = message.to_json()
        live = self._live(message.recipient)
        data["to"] = live.name if live else message.recipient
        return data

    async def _messages(self, params: dict[str, Any]) -> dict[str, Any]:
        request = ops.MESSAGES.parse(params)
        key = self.resolve(request.session).session.id.uuid.hex
        return {
            "messages": [self._message_json(m) for m in self.bus.messages(key)],
            "dropped": self.bus.dropped(key),
        }

    def _take(self, request: ops.MessageRef) -> tuple[LiveSession, BusMessage]:
        live = self.resolve(request.session)
        try:
            return live, self.bus.take(live.session.id.uuid.hex, request.id)
        except KeyError:
            raise ControlError(NOT_FOUND, f"no message {request.id} for {live.name!r}") from None

    async def _discard_message(self, params: dict[str, Any]) -> dict[str, Any]:
        _live, message = self._take(ops.DISCARD_MESSAGE.parse(params))
        return {"discarded": message.id}

    async def _forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Type the message into its session, as if the person had pasted it."""
        request = ops.FORWARD_MESSAGE.parse(params)
        live = await self._running(request.session)
        _live, message = self._take(request)
        self.supervisor.forward(live, message.text)
        return {"forwarded": message.id}

    # -- for the Messages panel ------------------------------------------------------------------

    def message_rows(self) -> list[MessageRow]:
        """Every waiting message, oldest first, with its recipient's current name."""
        rows = [
            MessageRow(message, live.name)
            for live in self.supervisor
            for message in self.bus.messages(live.session.id.uuid.hex)
        ]
        return sorted(rows, key=lambda row: row.message.id)

    def forward(self, message: BusMessage) -> bool:
        """Type `message` into its session and remove it; False when that session is gone or
        stopped (the message then stays)."""
        live = self._live(message.recipient)
        if live is None or live.session.status is not SessionStatus.RUNNING:
            return False
        self.bus.take(message.recipient, message.id)
        return self.supervisor.forward(live, message.text)

    def discard(self, message: BusMessage) -> None:
        with contextlib.suppress(KeyError):
            self.bus.take(message.recipient, message.id)

    # -- events ----------------------------------------------------------------------------------

    def _fan_out(self, key: str | None, payload: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.session_key is None or subscriber.session_key == key:
                subscriber.emit(payload)

    def _base(self, key: str) -> dict[str, Any]:
        live = self._live(key)
        return {"session": live.name if live else None, "id": key}

    def _on_manager_event(self, event: object) -> None:
        if not self._subscribers:
            return
        session_id = getattr(event, "session_id", None)
        if session_id is None:
            return
        key = session_id.uuid.hex
        if isinstance(event, OutputReceived):
            for subscriber in list(self._subscribers):
                if subscriber.session_key not in (None, key):
                    continue
                decoder = subscriber.decoders.get(key)
                if decoder is None:
                    decoder = codecs.getincrementaldecoder("utf-8")("replace")
                    subscriber.decoders[key] = decoder
                text = decoder.decode(event.data)
                if text:
                    subscriber.emit({**self._base(key), "type": "output", "text": text})
            return
        payload: dict[str, Any]
        if isinstance(event, StatusChanged):
            self._watch_monitors()
            payload = {"type": "status", "old": event.old.value, "new": event.new.value}
        elif isinstance(event, ProcessExited):
            payload = {"type": "exited", "exit_code": event.exit_code}
        elif isinstance(event, CommandRecorded):
            payload = {"type": "command_finished", **record_json(event.record)}
        elif isinstance(event, SessionAdded):
            payload = {"type": "session_added"}
        elif isinstance(event, SessionRemoved):
            payload = {"type": "session_removed"}
        else:
            return
        self._fan_out(key, {**self._base(key), **payload})

    def _watch_monitors(self) -> None:
        """Hear agent-state changes of every session (monitors are replaced on restart)."""
        for live in self.supervisor:
            key = live.session.id.uuid.hex
            monitor = self.supervisor.monitor(live)
            if monitor is not None and self._watched_monitors.get(key) is not monitor:
                self._watched_monitors[key] = monitor
                monitor.subscribe(partial(self._on_monitor_event, key))

    def _on_monitor_event(self, key: str, event: MonitorEvent) -> None:
        if self._subscribers and isinstance(event, AgentStateChanged):
            live = self._live(key)
            presenter = self.supervisor.presenter(live) if live is not None else None
            self._send_state(key, presenter.agent_status() if presenter else event.change.new)

    def _send_state(self, key: str, status: AgentStatus) -> None:
        """Tell subscribers the state shown, once per change (a hook's state holds while the
        heuristics beneath it change)."""
        shown = (status.state.value, status.reason)
        if self._states_sent.get(key) == shown:
            return
        self._states_sent[key] = shown
        payload = {"type": "agent_state", "state": shown[0], "reason": shown[1]}
        self._fan_out(key, {**self._base(key), **payload})

    def _on_supervisor_event(self, event: SupervisorEvent) -> None:
        """A closed session's waiting messages and watched monitor go with it."""
        if isinstance(event, SessionClosed):
            key = event.live.session.id.uuid.hex
            self.bus.forget(key)
            self._watched_monitors.pop(key, None)
            for subscriber in self._subscribers:
                subscriber.decoders.pop(key, None)

    def _on_bus_message(self, message: BusMessage) -> None:
        if self._subscribers:
            self._fan_out(message.recipient, {"type": "message", **self._message_json(message)})


async def start_control(
    supervisor: Supervisor, name: str | None = None, bus: MessageBus | None = None
) -> ControlServer:
    """Serve the control socket for `supervisor`; raises `ControlError` or `OSError` when the
    socket cannot be served (another app holds it)."""
    backend = ControlBackend(supervisor, bus)
    server = ControlServer(backend, socket_path(name))
    try:
        await server.start()
    except BaseException:
        backend.close()
        raise
    return server


async def stop_control(server: ControlServer) -> None:
    """Stop serving: clients still waiting get a clear `shutting_down` reply."""
    await server.stop()
    if isinstance(server.backend, ControlBackend):
        server.backend.close()


#: The name it had when it lived in the UI.
ControlBridge = ControlBackend

__all__ = [
    "MAX_LIVE_SESSIONS",
    "ControlBackend",
    "ControlBridge",
    "MessageRow",
    "start_control",
    "stop_control",
]
