"""The app side of the control socket: every operation acts on the live sessions on screen.

`ControlBridge` implements the server's `Backend` on top of `SupervisorApp`, so a script's
`send` types into the very pane the person is watching, and `exec` runs there too.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import __version__
from ..ai.monitor import AgentStateChanged, MonitorEvent, SessionMonitor
from ..ai.state import AgentStatus
from ..control.bus import BusMessage, MessageBus
from ..control.paths import socket_path
from ..control.protocol import (
    AMBIGUOUS,
    INVALID,
    NOT_FOUND,
    SESSION_ERROR,
    TIMEOUT,
    UNKNOWN_OP,
    ControlError,
    describe,
)
from ..control.server import ControlServer, Emit
from ..core.config import SessionConfig, check_name
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
from .live_session import LiveSession
from .widgets.messages_panel import MessageRow

if TYPE_CHECKING:
    from .app import SupervisorApp

log = logging.getLogger(__name__)

MAX_EXEC_TIMEOUT = 24 * 3600.0
#: How long a request for a session that is still starting waits for it.
START_WAIT = 15.0


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _SessionParams(_Params):
    session: str = Field(min_length=1)


class _SendInput(_SessionParams):
    text: str
    enter: bool = False


class _Execute(_SessionParams):
    command: str = Field(min_length=1)
    timeout: float = Field(default=30.0, gt=0, le=MAX_EXEC_TIMEOUT)


class _Capture(_SessionParams):
    lines: int | None = Field(default=None, gt=0, le=1_000_000)


class _History(_SessionParams):
    limit: int = Field(default=50, gt=0, le=100_000)


class _Context(_SessionParams):
    budget: int | None = Field(default=None, gt=0)


class _Rename(_SessionParams):
    name: str = Field(min_length=1, max_length=200)


class _Subscribe(_Params):
    session: str | None = None


class _SendMessage(_Params):
    to: str = Field(min_length=1, description="a session, or * for every session")
    text: str = Field(min_length=1)
    sender: str = Field(default="control", min_length=1, max_length=200)

    @field_validator("sender")
    @classmethod
    def _printable(cls, value: str) -> str:
        return check_name(value)


class _MessageRef(_SessionParams):
    id: int


class _Hook(_Params):
    """What `aisession-tui hook` forwards: the session's id (AISESSION_ID), the agent, the event
    and its payload (a JSON object, as the agent gave it)."""

    session: str = Field(min_length=1, max_length=64)
    agent: str = Field(default="", max_length=32)
    event: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] | list[Any] | str | int | float | bool | None = None


def _parse(model: type[_Params], params: dict[str, Any]) -> Any:
    try:
        return model.model_validate(params)
    except ValidationError as error:
        raise ControlError(INVALID, describe(error)) from None


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


@dataclass(slots=True)
class _Subscriber:
    emit: Emit
    session_key: str | None
    decoders: dict[str, Any] = field(default_factory=dict)


class ControlBridge:
    """Serves control requests from the app's live sessions (see `control.server.Backend`)."""

    def __init__(self, app: SupervisorApp, bus: MessageBus | None = None) -> None:
        self.app = app
        self.bus = bus or MessageBus()
        self._subscribers: list[_Subscriber] = []
        self._watched_monitors: dict[str, SessionMonitor] = {}
        self._states_sent: dict[str, tuple[str, str]] = {}
        #: Requests waiting for a session to finish starting, by session key.
        self._starting: dict[str, list[asyncio.Event]] = {}
        self._unsubscribe_manager: Callable[[], None] | None = app.manager.subscribe(
            self._on_manager_event
        )
        self._unsubscribe_bus = self.bus.subscribe(self._on_bus_message)
        self._ops: dict[str, Callable[[dict[str, Any]], Any]] = {
            "ping": self._ping,
            "list_sessions": self._list_sessions,
            "create_session": self._create_session,
            "send_input": self._send_input,
            "execute_command": self._execute_command,
            "capture": self._capture,
            "history": self._history,
            "context": self._context,
            "rename": self._rename,
            "kill": self._kill,
            "send_message": self._send_message,
            "messages": self._messages,
            "discard_message": self._discard_message,
            "forward_message": self._forward_message,
            "hook": self._hook,
        }

    def close(self) -> None:
        if self._unsubscribe_manager is not None:
            self._unsubscribe_manager()
            self._unsubscribe_manager = None
        self._unsubscribe_bus()
        self._subscribers.clear()

    # -- Backend ---------------------------------------------------------------------------------

    async def call(self, op: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self._ops.get(op)
        if handler is None:
            known = ", ".join(sorted([*self._ops, "subscribe"]))
            raise ControlError(UNKNOWN_OP, f"unknown operation {op!r} (known: {known})")
        result: dict[str, Any] = await handler(params)
        return result

    def subscribe(self, params: dict[str, Any], emit: Emit) -> Callable[[], None]:
        request = _parse(_Subscribe, params)
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
        """A live session by name, id or unique id prefix."""
        ref = ref.strip()
        by_name = [live for live in self.app.lives.values() if live.name == ref]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            ids = ", ".join(live.session.id.short for live in by_name)
            raise ControlError(AMBIGUOUS, f"{len(by_name)} sessions are named {ref!r} ({ids})")
        hex_ref = ref.replace("-", "").lower()
        if len(hex_ref) >= 4:
            matches = [live for key, live in self.app.lives.items() if key.startswith(hex_ref)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                names = ", ".join(live.name for live in matches)
                raise ControlError(AMBIGUOUS, f"id prefix {ref!r} matches {names}")
        names = ", ".join(sorted(live.name for live in self.app.lives.values())) or "none"
        raise ControlError(NOT_FOUND, f"no session {ref!r} (sessions: {names})")

    def session_json(self, live: LiveSession) -> dict[str, Any]:
        info = live.session.info()
        presenter = self.app.presenters.get(live.session.id.uuid.hex)
        monitor = presenter.monitor if presenter else None
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
        _parse(_Params, params)
        return {"app": "aisession-tui", "version": __version__, "pid": os.getpid()}

    async def _list_sessions(self, params: dict[str, Any]) -> dict[str, Any]:
        _parse(_Params, params)
        keys = self.app._ordered_keys()
        return {"sessions": [self.session_json(self.app.lives[k]) for k in keys]}

    async def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        fields = {"enable_ai_features": True, **params}
        try:
            config = SessionConfig.model_validate(fields)
        except ValidationError as error:
            raise ControlError(INVALID, describe(error)) from None
        for field_name in ("name", "agent_role"):
            value = getattr(config, field_name)
            try:
                if value is not None:
                    check_name(value)
            except ValueError as error:
                raise ControlError(INVALID, f"{field_name}: {error}") from None
        if config.name and any(live.name == config.name for live in self.app.lives.values()):
            raise ControlError(INVALID, f"a session named {config.name!r} already exists")
        live = await self.app.add_session(config)
        return {"session": self.session_json(live)}

    async def _running(self, ref: str) -> LiveSession:
        """The running session `ref` names; one still starting (the app has just opened, or
        `new` has just asked for it) is waited for, up to `START_WAIT` seconds."""
        live = self.resolve(ref)
        if live.session.status is SessionStatus.INITIALIZING:
            started = asyncio.Event()
            key = live.session.id.uuid.hex
            self._starting.setdefault(key, []).append(started)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(started.wait(), START_WAIT)
            finally:
                waiting = self._starting.get(key, [])
                if started in waiting:
                    waiting.remove(started)
                if not waiting:
                    self._starting.pop(key, None)
        if live.session.status is not SessionStatus.RUNNING:
            raise ControlError(
                SESSION_ERROR, f"session {live.name!r} is not running ({live.session.status})"
            )
        return live

    async def _send_input(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_SendInput, params)
        live = await self._running(request.session)
        data = (request.text + ("\r" if request.enter else "")).encode()
        try:
            live.write(data)
        except SessionError as error:
            raise ControlError(SESSION_ERROR, str(error)) from None
        return {"sent_bytes": len(data)}

    async def _execute_command(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_Execute, params)
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
        request = _parse(_Capture, params)
        emulator = self.resolve(request.session).emulator
        if request.lines is None:
            lines = _trim_blank_tail(emulator.text_lines())
        else:
            lines = _trim_blank_tail(emulator.history_text() + emulator.text_lines())
            lines = lines[-request.lines :]
        return {"text": "\n".join(lines), "lines": len(lines)}

    async def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_History, params)
        records = self.resolve(request.session).session.command_history[-request.limit :]
        return {"commands": [record_json(r) for r in records]}

    async def _context(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_Context, params)
        live = self.resolve(request.session)
        presenter = self.app.presenters.get(live.session.id.uuid.hex)
        context = presenter.monitor.context if presenter and presenter.monitor else None
        if context is None:
            raise ControlError(INVALID, f"session {live.name!r} keeps no context (AI features off)")
        text = context.context_for_model(request.budget, as_text=True)
        return {"text": text, "budget": request.budget or context.config.max_tokens}

    async def _rename(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_Rename, params)
        live = self.resolve(request.session)
        try:
            name = check_name(request.name)
        except ValueError as error:
            raise ControlError(INVALID, f"name: {error}") from None
        if any(other.name == name for other in self.app.lives.values() if other is not live):
            raise ControlError(INVALID, f"a session named {name!r} already exists")
        old = live.name
        live.session.config.name = name
        self.app._frame(live).refresh_title()
        self.app.refresh_panels()
        return {"old_name": old, "name": name}

    async def _kill(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_SessionParams, params)
        live = self.resolve(request.session)
        name = live.name
        await self.app.close_session(live)
        self.bus.forget(live.session.id.uuid.hex)
        return {"killed": name, "exit_code": live.session.exit_code}

    async def _hook(self, params: dict[str, Any]) -> dict[str, Any]:
        """An agent's hook event for the session it runs in (see `agents.hook`)."""
        request = _parse(_Hook, params)
        key = request.session.replace("-", "").lower()
        if key not in self.app.lives:
            raise ControlError(NOT_FOUND, f"no live session with id {request.session!r}")
        payload = request.payload if isinstance(request.payload, dict) else {}
        accepted = self.app.agent_hooks.on_hook(key, request.agent, request.event, payload)
        if accepted and self._subscribers:
            self._send_state(key, self.app.presenters[key].agent_status())
        return {"accepted": accepted}

    # -- message bus -----------------------------------------------------------------------------

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_SendMessage, params)
        if request.to == "*":
            recipients = [k for k, live in self.app.lives.items() if live.name != request.sender]
            broadcast = True
        else:
            recipients = [self.resolve(request.to).session.id.uuid.hex]
            broadcast = False
        try:
            sent = self.bus.post(recipients, request.sender, request.text, broadcast=broadcast)
        except ValueError as error:
            raise ControlError(INVALID, str(error)) from None
        self.app.refresh_panels()
        if sent:
            names = "everyone" if broadcast else self._message_json(sent[0])["to"]
            preview = request.text if len(request.text) <= 80 else request.text[:77] + "..."
            self.app.notify(preview, title=f"Message {request.sender} → {names}", timeout=8)
        return {"delivered": [self._message_json(m) for m in sent]}

    def _message_json(self, message: BusMessage) -> dict[str, Any]:
        data = message.to_json()
        live = self.app.lives.get(message.recipient)
        data["to"] = live.name if live else message.recipient
        return data

    async def _messages(self, params: dict[str, Any]) -> dict[str, Any]:
        request = _parse(_SessionParams, params)
        key = self.resolve(request.session).session.id.uuid.hex
        return {
            "messages": [self._message_json(m) for m in self.bus.messages(key)],
            "dropped": self.bus.dropped(key),
        }

    def _take(self, request: _MessageRef) -> tuple[LiveSession, BusMessage]:
        live = self.resolve(request.session)
        try:
            return live, self.bus.take(live.session.id.uuid.hex, request.id)
        except KeyError:
            raise ControlError(NOT_FOUND, f"no message {request.id} for {live.name!r}") from None

    async def _discard_message(self, params: dict[str, Any]) -> dict[str, Any]:
        _live, message = self._take(_parse(_MessageRef, params))
        return {"discarded": message.id}

    async def _forward_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Type the message into its session, as if the person had pasted it."""
        request = _parse(_MessageRef, params)
        live = await self._running(request.session)
        _live, message = self._take(request)
        live.write(message.text.encode())
        return {"forwarded": message.id}

    # -- for the Messages panel ------------------------------------------------------------------

    def message_rows(self) -> list[MessageRow]:
        """Every waiting message, oldest first, with its recipient's current name."""
        rows = [
            MessageRow(message, live.name)
            for key, live in self.app.lives.items()
            for message in self.bus.messages(key)
        ]
        return sorted(rows, key=lambda row: row.message.id)

    def forward(self, message: BusMessage) -> bool:
        """Type `message` into its session and remove it; False when that session is gone or
        stopped (the message then stays)."""
        live = self.app.lives.get(message.recipient)
        if live is None or live.session.status is not SessionStatus.RUNNING:
            return False
        self.bus.take(message.recipient, message.id)
        live.write(message.text.encode())
        return True

    def discard(self, message: BusMessage) -> None:
        with contextlib.suppress(KeyError):
            self.bus.take(message.recipient, message.id)

    # -- events ----------------------------------------------------------------------------------

    def _fan_out(self, key: str | None, payload: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.session_key is None or subscriber.session_key == key:
                subscriber.emit(payload)

    def _base(self, key: str) -> dict[str, Any]:
        live = self.app.lives.get(key)
        return {"session": live.name if live else None, "id": key}

    def _on_manager_event(self, event: object) -> None:
        if not self._subscribers and not self._starting:
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
        if isinstance(event, StatusChanged):
            for started in self._starting.get(key, []):
                started.set()
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
        for key, presenter in self.app.presenters.items():
            monitor = presenter.monitor
            if monitor is not None and self._watched_monitors.get(key) is not monitor:
                self._watched_monitors[key] = monitor
                monitor.subscribe(lambda event, key=key: self._on_monitor_event(key, event))

    def _on_monitor_event(self, key: str, event: MonitorEvent) -> None:
        if self._subscribers and isinstance(event, AgentStateChanged):
            presenter = self.app.presenters.get(key)
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

    def _on_bus_message(self, message: BusMessage) -> None:
        if self._subscribers:
            self._fan_out(message.recipient, {"type": "message", **self._message_json(message)})


async def start_control(app: SupervisorApp, name: str | None = None) -> ControlServer | None:
    """Serve the control socket for `app` (kept in `app.control_server`); a socket another app
    holds is a warning, not a crash."""
    bridge = ControlBridge(app)
    server = ControlServer(bridge, socket_path(name))
    try:
        await server.start()
    except (ControlError, OSError) as error:
        bridge.close()
        app.notify(f"Control socket not started: {error}", severity="warning", timeout=8)
        return None
    app.control_server = server
    return server


async def stop_control(app: SupervisorApp) -> None:
    """Stop serving: clients still waiting get a clear `shutting_down` reply."""
    server = app.control_server
    if isinstance(server, ControlServer):
        app.control_server = None
        await server.stop()
        if isinstance(server.backend, ControlBridge):
            server.backend.close()


__all__ = ["ControlBridge", "start_control", "stop_control"]
