"""The running set of supervised sessions, in order, and every operation on them.

The UI and the control socket both drive sessions through a `Supervisor` and learn what
happened from its events, so a session added over the socket gets a pane, a rename from the
UI is saved, and a close removes the session from every view in one step.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Protocol

from ..ai.integration import with_shell_integration
from ..ai.monitor import (
    AgentStateChanged,
    ContextCompressed,
    MonitorEvent,
    ParsedEventsFound,
    SessionMonitor,
    TokensCounted,
)
from ..ai.state import AgentState
from ..core.config import SessionConfig, check_name
from ..core.display_text import one_line
from ..core.errors import SessionError
from ..core.events import ProcessExited, SessionEvent, StatusChanged
from ..core.manager import SessionManager
from ..core.runtime import Runtime, default_runtime
from ..core.session import AISession
from ..core.types import SessionId, SessionStatus, utc_now
from ..store.resolve import resolve_ref
from ..terminal.emulator import DEFAULT_SCROLLBACK
from ..terminal.events import Bell, ClipboardSet, ColorsChanged, CwdChanged, TitleChanged
from .events import (
    Change,
    ClipboardCopied,
    Notice,
    SessionAdded,
    SessionChanged,
    SessionRemoved,
    SessionRenamed,
    Severity,
    SupervisorEvent,
    Toast,
)
from .live_session import Attention, LiveSession
from .presenter import SessionPresenter

Listener = Callable[[SupervisorEvent], None]
#: Longest a control request waits for a session still to start.
START_WAIT = 15.0


class NameStore(Protocol):
    """Where a rename is saved (the app's `Store`)."""

    def rename_session(self, session_id: SessionId, name: str | None) -> None: ...


class InvalidName(ValueError):
    """A name that cannot be given: blank, too long, or another session's."""


class Supervisor:
    """Owns the supervised sessions (keyed by `SessionId`, in the order they were added) with
    each one's emulator, monitor, attention and presenter; emits `SupervisorEvent`s."""

    def __init__(
        self,
        manager: SessionManager | None = None,
        *,
        scrollback: int = DEFAULT_SCROLLBACK,
        idle_after: float = 5.0,
        names: NameStore | None = None,
        presenter_class: type[SessionPresenter] = SessionPresenter,
        runtime: Runtime | None = None,
    ) -> None:
        self.manager = manager if manager is not None else SessionManager()
        #: Shared by the sessions' parsing and monitors (the slicer, the context worker).
        self.runtime = runtime or default_runtime()
        self.scrollback = scrollback
        self.idle_after = idle_after
        #: Where renames are saved; the app sets it once its store is open.
        self.names = names
        self.presenter_class = presenter_class
        self._lives: dict[SessionId, LiveSession] = {}
        self._presenters: dict[SessionId, SessionPresenter] = {}
        self._listeners: list[Listener] = []
        #: The session the person is in: its bells and prompts need no notification.
        self.focused: SessionId | None = None
        #: Changes gathered since the last flush (one turn of the loop), per session.
        self._changes: dict[SessionId, set[Change]] = {}
        self._clipboard: dict[SessionId, str] = {}
        #: Sessions whose bell or question was notified since the person last looked: one
        #: notification per episode (a flood of bells, and the "waiting" its bell implies).
        self._alerted: set[SessionId] = set()
        self._flush: asyncio.Handle | None = None
        #: Awaited before a session starts: the UI gives it a pane, so the program starts at the
        #: pane's size rather than being resized just after.
        self.prepare: Callable[[LiveSession], Awaitable[None]] | None = None

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._lives)

    def __iter__(self) -> Iterator[LiveSession]:
        return iter(list(self._lives.values()))

    def __contains__(self, live: object) -> bool:
        return isinstance(live, LiveSession) and self._lives.get(live.session.id) is live

    @property
    def sessions(self) -> list[LiveSession]:
        """Every session, in order."""
        return list(self._lives.values())

    def get(self, session_id: SessionId) -> LiveSession | None:
        return self._lives.get(session_id)

    def index(self, live: LiveSession) -> int:
        return list(self._lives).index(live.session.id)

    def presenter(self, live: LiveSession) -> SessionPresenter:
        return self._presenters[live.session.id]

    def monitor(self, live: LiveSession) -> SessionMonitor | None:
        presenter = self._presenters.get(live.session.id)
        return presenter.monitor if presenter is not None else None

    @property
    def focused_live(self) -> LiveSession | None:
        return self._lives.get(self.focused) if self.focused is not None else None

    def resolve(self, ref: str) -> LiveSession:
        """A session by id, name or unique id prefix; raises `SessionLookupError`."""
        return resolve_ref(
            ref,
            self.sessions,
            id_of=lambda live: live.session.id,
            name_of=lambda live: live.name,
            describe=lambda live: f"{live.session.id.short} ({live.name})",
            list_names=True,
        )

    # -- listening ---------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: SupervisorEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def notify(
        self,
        text: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        live: LiveSession | None = None,
    ) -> None:
        """Tell the person something once (shown by the UI, as plain text)."""
        self._emit(Notice(text, title, severity, timeout, live))

    def _notice(
        self,
        live: LiveSession,
        text: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        pane_note: str | None = None,
        pane_seconds: float | None = None,
        toast: Toast = "always",
    ) -> None:
        self._emit(Notice(text, title, severity, timeout, live, pane_note, pane_seconds, toast))

    def _changed(self, live: LiveSession, *what: Change) -> None:
        """Note a change; listeners hear once per loop turn, however many changes came."""
        sid = live.session.id
        if sid not in self._lives:
            return
        self._changes.setdefault(sid, set()).update(what)
        if self._flush is None:
            try:
                self._flush = asyncio.get_running_loop().call_soon(self._flush_changes)
            except RuntimeError:  # no loop (a plain test): tell at once
                self._flush_changes()

    def _flush_changes(self) -> None:
        self._flush = None
        changes, self._changes = self._changes, {}
        clipboard, self._clipboard = self._clipboard, {}
        for sid, text in clipboard.items():
            live = self._lives.get(sid)
            if live is not None:
                self._emit(ClipboardCopied(live, text))
                copied = f"copied {len(text)} characters"
                self._notice(live, f"{live.name} {copied}", pane_note=copied, toast="never")
        for sid, what in changes.items():
            live = self._lives.get(sid)
            if live is not None:
                self._emit(SessionChanged(live, frozenset(what)))

    # -- adding ------------------------------------------------------------------------------

    async def add(
        self,
        config: SessionConfig,
        *,
        session_id: SessionId | None = None,
        created_at: datetime | None = None,
        shell_integration: bool = True,
        start: bool = True,
    ) -> LiveSession:
        """Create, adopt and (unless `start` is false: the caller starts it later) start a
        session; a failure to start is shown in its pane.

        Interactive bash and zsh get shell integration, so history has exact exit codes.
        """
        if shell_integration:
            config = with_shell_integration(config)
        if session_id is None:
            session = await self.manager.create_session_with_config(config)
        else:
            session = await self.manager.restore_session(
                session_id, config, created_at or utc_now()
            )
        live = self.adopt(session)
        if start:
            await self.start(live)
        return live

    def adopt(
        self, session: AISession, scrollback: Sequence[str] | None = None, note: str = "restored"
    ) -> LiveSession:
        """Supervise a (not yet started) session, with old scrollback above when restoring
        (then `note` under it)."""
        live = LiveSession(
            session,
            scrollback=self.scrollback,
            on_event=self._on_live_event,
            runtime=self.runtime,
        )
        if scrollback:
            live.emulator.feed(
                "\r\n".join(scrollback).encode() + f"\r\n\x1b[2m[{note}]\x1b[0m\r\n".encode()
            )
        presenter = self.presenter_class(live, self._monitor_for(live))
        live.on_input = partial(_note_input, presenter)
        self._lives[session.id] = live
        self._presenters[session.id] = presenter
        self._emit(SessionAdded(live))
        return live

    async def start(self, live: LiveSession) -> None:
        """Start a session at its emulator's size; a failure is written into its pane."""
        if self.prepare is not None:
            await self.prepare(live)
        emulator = live.emulator
        live.session.config.pty_size = (emulator.lines, emulator.columns)
        try:
            live.session.resize(emulator.lines, emulator.columns)  # before start: its first size
            await live.session.start()
            if live.session.size != (emulator.lines, emulator.columns):
                live.session.resize(emulator.lines, emulator.columns)
        except SessionError as error:
            live.start_error = one_line(str(error))
            live.annotate(
                f"\x1b[1;31mcould not start: {live.start_error}\x1b[0m\r\n"
                "\x1b[7m[prefix r tries again, x closes]\x1b[0m\r\n"
            )
            live.attention.add(Attention.EXITED)
            self._notice(live, str(error), title=f"{live.name} did not start", severity="error")
            self._changed(live, Change.STATUS, Change.ATTENTION)

    async def started(self, live: LiveSession, within: float = START_WAIT) -> None:
        """Wait (at most `within` s) for a session that is still to start (the app starts the
        first ones once their panes are laid out) to be started, or to fail; at once if it
        already has. A script talking to an app that just opened then finds it running."""
        session = live.session
        if session.status is not SessionStatus.INITIALIZING:
            return
        done = asyncio.get_running_loop().create_future()

        def on_event(event: SessionEvent) -> None:
            if isinstance(event, StatusChanged) and not done.done():
                done.set_result(None)

        unsubscribe = session.subscribe(on_event)
        try:
            await asyncio.wait_for(done, within)
        except TimeoutError:
            pass
        finally:
            unsubscribe()

    async def restart(self, live: LiveSession) -> None:
        """Run a session's command again in the same pane, under the same id."""
        old = live.session
        await self.manager.remove_session(old.id)
        session = await self.manager.restore_session(old.id, old.config, old.created_at)
        live.attach(session)
        live.acknowledge(*Attention)
        presenter = self._presenters[session.id]
        if presenter.monitor is not None:
            presenter.monitor.close()
        presenter.monitor = self._monitor_for(live)
        live.annotate("\r\n\x1b[2m[restarting]\x1b[0m\r\n")
        await self.start(live)
        self._changed(live, Change.STATUS, Change.ATTENTION, Change.AGENT)

    # -- closing -----------------------------------------------------------------------------

    async def close(self, live: LiveSession) -> bool:
        """Stop a session and forget it; False when it was already closed (or closing).

        It leaves every view at once, before the process is waited for, so nothing can look
        it up half-closed; afterwards nothing here refers to it.
        """
        sid = live.session.id
        if self._lives.get(sid) is not live:
            return False
        index = self.index(live)
        del self._lives[sid]
        presenter = self._presenters.pop(sid)
        self._changes.pop(sid, None)
        self._clipboard.pop(sid, None)
        self._alerted.discard(sid)
        if self.focused == sid:
            self.focused = None
        live.close()
        live.on_input = None
        if presenter.monitor is not None:
            presenter.monitor.close()
            presenter.monitor = None
        self._emit(SessionRemoved(live, index))
        await self.manager.remove_session(sid)
        return True

    async def close_all(self, *, detach: bool = False) -> None:
        """Stop listening to every session and stop them all, or with `detach` leave them
        running where their backend keeps them (a tmux server) (at app exit)."""
        for live in self.sessions:
            live.close()
            monitor = self.monitor(live)
            if monitor is not None:
                monitor.close()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        await (self.manager.detach_all() if detach else self.manager.stop_all())

    # -- operations --------------------------------------------------------------------------

    def check_name(self, name: str, live: LiveSession | None = None) -> str:
        """The name cleaned of surrounding blanks; `InvalidName` if it cannot be used."""
        try:
            name = check_name(name)
        except ValueError as error:
            raise InvalidName(f"name: {error}") from None
        if any(other.name == name for other in self._lives.values() if other is not live):
            raise InvalidName(f"a session named {name!r} already exists")
        return name

    def rename(self, live: LiveSession, name: str) -> str:
        """Give a session a new name, saved in the store; returns the old name."""
        name = self.check_name(name, live)
        old = live.name
        live.session.config.name = name
        if self.names is not None:
            self.names.rename_session(live.session.id, name)
        self._emit(SessionRenamed(live, old, name))
        return old

    def send(self, live: LiveSession, data: bytes) -> None:
        """Type into a session as the person would (raises `SessionError` if it cannot)."""
        live.write(data)

    def broadcast(self, sessions: Sequence[LiveSession], data: bytes) -> int:
        """Type into every running one of `sessions`; returns how many got it."""
        sent = 0
        for live in sessions:
            if live in self and live.session.status is SessionStatus.RUNNING:
                with contextlib.suppress(SessionError):
                    live.write(data)
                    sent += 1
        return sent

    def forward(self, live: LiveSession, text: str) -> bool:
        """Type a message into a session, as if pasted; False when it is gone or stopped."""
        if live not in self or live.session.status is not SessionStatus.RUNNING:
            return False
        live.write(text.encode())
        return True

    def focus(self, live: LiveSession | None) -> None:
        """The person is now in `live`: what it wanted them to see has been seen."""
        self.focused = live.session.id if live is not None else None
        for other in self._lives.values():
            other.interactive = other is live
        if live is None:
            return
        self._alerted.discard(live.session.id)
        live.acknowledge(Attention.BELL, Attention.WAITING)
        if live.session.status is not SessionStatus.RUNNING:
            live.acknowledge(Attention.EXITED)
        self._changed(live, Change.ATTENTION)

    # -- events from sessions and monitors -----------------------------------------------------

    def _monitor_for(self, live: LiveSession) -> SessionMonitor:
        monitor = SessionMonitor(
            live.session, live.emulator, idle_after=self.idle_after, runtime=self.runtime
        )
        monitor.subscribe(partial(self._on_monitor_event, live))
        return monitor

    def _on_live_event(self, live: LiveSession, event: object) -> None:
        """Session and terminal events, on the event loop, as they happen."""
        if live not in self:
            return
        focused = live.session.id == self.focused
        if isinstance(event, ProcessExited):
            code = event.exit_code
            live.annotate(
                f"\r\n\x1b[7m[exited with code {code}; prefix r restarts, x closes]\x1b[0m"
            )
            severity: Severity = "information" if code == 0 else "error"
            exited = f"exited with code {code}"
            # Its pane says so; a toast too unless it is the session in use.
            self._notice(
                live,
                f"{live.name} {exited}",
                severity=severity,
                pane_note=exited,
                pane_seconds=10,
                toast="unfocused",
            )
            self._changed(live, Change.STATUS, Change.ATTENTION)
        elif isinstance(event, StatusChanged):
            self._changed(live, Change.STATUS)
        elif isinstance(event, Bell):
            if focused:
                live.acknowledge(Attention.BELL)
            elif self._first_alert(live):
                # One notification per episode; more bells only raise the count shown.
                self._notice(live, f"{live.name} rang the bell", severity="warning")
            self._changed(live, Change.ATTENTION)
        elif isinstance(event, ClipboardSet):
            self._clipboard[live.session.id] = event.text  # the newest of a burst wins
            self._changed(live)
        elif isinstance(event, TitleChanged | CwdChanged):
            self._changed(live, Change.TITLE)
        elif isinstance(event, ColorsChanged):
            self._changed(live, Change.COLORS)

    def _first_alert(self, live: LiveSession) -> bool:
        """True the first time a session asks for the person since they last looked at it."""
        sid = live.session.id
        if sid in self._alerted:
            return False
        self._alerted.add(sid)
        return True

    def _on_monitor_event(self, live: LiveSession, event: MonitorEvent) -> None:
        """What the AI layer learns: agent state, parsed results, tokens, compression."""
        presenter = self._presenters.get(live.session.id)
        if presenter is None:
            return
        if isinstance(event, TokensCounted):
            presenter.record_token_total(event.total)
            self._changed(live, Change.TOKENS)
        elif isinstance(event, AgentStateChanged):
            new = presenter.shown_transition()  # a fresh hook's state beats the heuristics'
            focused = live.session.id == self.focused
            if new is None:
                pass  # the state shown did not change (a hook's state holds): nothing to say
            elif new.state is AgentState.WAITING_FOR_INPUT and not focused:
                live.attention.add(Attention.WAITING)
                if self._first_alert(live):
                    self._notice(
                        live, f"{live.name} is waiting for input ({new.reason})", severity="warning"
                    )
            elif new.state is AgentState.ERROR and not focused:
                self._notice(live, f"{live.name}: {new.reason}", severity="error")
            elif new.state is not AgentState.WAITING_FOR_INPUT:
                live.acknowledge(Attention.WAITING)
            self._changed(live, Change.AGENT, Change.ATTENTION)
        elif isinstance(event, ParsedEventsFound):
            self._changed(live, Change.RESULTS)
        elif isinstance(event, ContextCompressed):
            compressed = "context compressed"
            self._notice(live, f"{live.name}: {compressed}", pane_note=compressed, toast="never")
            self._changed(live, Change.TOKENS)


def _note_input(presenter: SessionPresenter, data: bytes) -> None:
    presenter.agent.note_input()
    if presenter.monitor is not None:
        presenter.monitor.note_input(data)


__all__ = ["InvalidName", "Listener", "NameStore", "Supervisor"]
