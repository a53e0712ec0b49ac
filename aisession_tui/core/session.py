"""`AISession`: one supervised child process (PTY or headless) and what we know about it."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import time
import uuid
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .backends import PtyBackend, SessionBackend
from .command_capture import CommandCapture
from .command_history import CommandHistory
from .config import SessionConfig
from .errors import CommandTimeout, ProcessError, SessionError
from .event_stream import FINAL_STATUSES, EventStream
from .events import (
    CommandRecorded,
    OutputReceived,
    ProcessExited,
    SessionEvent,
    StatusChanged,
)
from .output_buffer import OutputBuffer
from .process import READ_CHUNK, Cancellable, ChildProcess, read_available, signal_session
from .types import CommandRecord, SessionId, SessionInfo, SessionStatus, utc_now

log = logging.getLogger(__name__)

Listener = Callable[[SessionEvent], None]

PREVIEW_CHARS = 200
_LIVE = frozenset({SessionStatus.RUNNING, SessionStatus.PAUSED})
_USER_PAUSE = "user"
_FINAL_DRAIN_LIMIT = 4 * 1024 * 1024
READ_BATCH = 256 * 1024
#: A wake-up stops reading after this long, so a flooding child never holds the loop.
READ_SECONDS = 0.001
_EXIT_GRACE = 1.0


def _to_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")


class AISession:
    """A child process on a real PTY (or pipes, headless), watched from the asyncio loop.

    Output is read with `loop.add_reader` (no threads, no polling), handed to subscribers as it
    arrives and kept in a bounded buffer for `read_output`. The child's exit is noticed via a pidfd.
    Create it with a config, `await start()`, and `await stop()` when done.
    """

    def __init__(
        self,
        config: SessionConfig,
        *,
        session_id: SessionId | None = None,
        created_at: datetime | None = None,
        backend: SessionBackend | None = None,
    ) -> None:
        self.id: SessionId = session_id or SessionId.new()
        #: Where the child runs: a PTY of our own (default) or a tmux server (`backends.py`).
        self.backend: SessionBackend = backend or PtyBackend()
        self.config: SessionConfig = config
        self.created_at: datetime = created_at or utc_now()
        self.metadata: dict[str, Any] = {}
        self._status = SessionStatus.INITIALIZING
        self._history = CommandHistory()
        self._command_count = 0
        self._total_tokens = 0
        self._activity_wall = time.time()
        self._activity_mono = time.monotonic()
        self._buffer = OutputBuffer(config.output_buffer_size)
        self._listeners: list[Listener] = []
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()
        self._size: tuple[int, int] = config.pty_size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._child: ChildProcess | None = None
        self._exit_watch: Cancellable | None = None
        self._detached = False
        self._exit_code: int | None = None
        self._reaped = False
        self._reading = False
        self._eof = False
        self._finalized = True
        self._pause_tokens: set[object] = set()
        self._pending = bytearray()
        self._writing = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._leader_exited = asyncio.Event()
        self._eof_seen = asyncio.Event()
        self._finished: asyncio.Future[int | None] | None = None
        self._shutdown_task: asyncio.Task[None] | None = None
        self._idle_handle: asyncio.TimerHandle | None = None
        self._idle_task: asyncio.Task[int | None] | None = None
        self._command_lock = asyncio.Lock()
        self._capture: CommandCapture | None = None

    def __repr__(self) -> str:
        name = f" {self.config.name!r}" if self.config.name else ""
        return f"<AISession {self.id.short}{name} {self._status.value}>"

    # --- read-only state --------------------------------------------------------------------

    @property
    def status(self) -> SessionStatus:
        return self._status

    @property
    def last_activity(self) -> datetime:
        """When the child last printed something or was sent input."""
        return datetime.fromtimestamp(self._activity_wall, UTC)

    @property
    def exit_code(self) -> int | None:
        """The main child's exit code once it ended; -N when signal N killed it."""
        return self._exit_code

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    @property
    def pty_fd(self) -> int | None:
        """The PTY master while the child runs on one (its foreground process is the agent)."""
        child = self._child
        if child is None or child.is_headless or self._status is not SessionStatus.RUNNING:
            return None
        return child.write_fd

    @property
    def is_headless(self) -> bool:
        """True when the child runs on pipes rather than a PTY (forced or as a fallback)."""
        if self._child is not None:
            return self._child.is_headless
        return self.config.force_headless

    @property
    def size(self) -> tuple[int, int]:
        """(rows, cols) of the session's terminal."""
        return self._size

    @property
    def dropped_output_bytes(self) -> int:
        """Bytes the `read_output` buffer had to drop because nobody read them in time."""
        return self._buffer.dropped

    @property
    def is_reading_paused(self) -> bool:
        return bool(self._pause_tokens)

    @property
    def total_tokens(self) -> int:
        return self._total_tokens

    @property
    def command_count(self) -> int:
        return self._command_count

    @property
    def command_history(self) -> list[CommandRecord]:
        return list(self._history)

    def info(self) -> SessionInfo:
        """A snapshot summary, as `SessionManager.list_sessions_detailed` lists it."""
        return SessionInfo(
            id=self.id,
            name=self.config.name,
            status=self._status,
            created_at=self.created_at,
            last_activity=self.last_activity,
            working_directory=self.config.working_directory,
            ai_features_enabled=self.config.enable_ai_features,
            context_token_count=self._total_tokens,
            command_count=self._command_count,
        )

    # --- metadata, tokens, history ----------------------------------------------------------

    def set_metadata(self, key: str, value: Any) -> None:
        self.metadata[key] = value

    def get_metadata(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    def record_tokens(self, count: int) -> None:
        """Add `count` to the token total now (`add_tokens` without the await)."""
        if count < 0:
            raise ValueError(f"token count must not be negative, got {count}")
        self._total_tokens += count

    async def add_tokens(self, count: int) -> None:
        self.record_tokens(count)

    async def get_total_tokens(self) -> int:
        return self._total_tokens

    async def get_command_history(self) -> list[CommandRecord]:
        return list(self._history)

    async def get_command_count(self) -> int:
        """Commands ever recorded (trimming the history does not lower it)."""
        return self._command_count

    async def trim_command_history(self, keep_recent: int) -> None:
        """Forget all but the `keep_recent` newest records."""
        if keep_recent < 0:
            raise ValueError(f"keep_recent must not be negative, got {keep_recent}")
        self._history.keep_newest(keep_recent)

    def add_command_record(self, record: CommandRecord) -> None:
        """Append to the history (shell integration uses this too) and tell subscribers."""
        self._history.append(record)
        self._command_count += 1
        self._emit(CommandRecorded(self.id, record))

    # --- subscribers -------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` synchronously for every event; returns a function that unsubscribes.

        Listeners run inside the fd callback, so they should be cheap; one that raises is logged
        and does not disturb the session or other listeners.
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def events(self, *, max_pending: int = 1024) -> EventStream:
        """An async iterator over this session's events; it ends after the session terminates."""
        # The stream must hold no reference to itself, so an abandoned one is freed at once.
        stream = EventStream(self, self._streams.discard, max_pending=max_pending)
        self._streams.add(stream)
        if self._status in FINAL_STATUSES:
            stream.end()
        return stream

    def _emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("session %s: event listener %r failed", self.id.short, listener)
        for stream in list(self._streams):
            stream.push(event)

    def _set_status(self, new: SessionStatus) -> None:
        old = self._status
        if old is new:
            return
        self._status = new
        self._emit(StatusChanged(self.id, old, new))

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Spawn the configured program; raises `ProcessError`/`PtyError` with a clear message.

        Uses a PTY unless `force_headless`; a PTY that cannot be created falls back to pipes when
        `allow_headless_fallback` is set. A terminated session may be started again.
        """
        if self._status in _LIVE or self._status is SessionStatus.TERMINATING:
            raise SessionError(f"session {self.id.short} is already {self._status.value}")
        loop = asyncio.get_running_loop()
        try:
            child = await self.backend.spawn(self.id, self.config, self._size)
        except SessionError:
            self._set_status(SessionStatus.ERROR)
            raise
        self._attach(loop, child)

    def _attach(self, loop: asyncio.AbstractEventLoop, child: ChildProcess) -> None:
        self._loop = loop
        self._child = child
        self._exit_code = None
        self._reaped = False
        self._detached = False
        self._eof = False
        self._finalized = False
        self._pending.clear()
        self._leader_exited = asyncio.Event()
        self._eof_seen = asyncio.Event()
        self._finished = loop.create_future()
        self._shutdown_task = None
        self._touch()
        self._exit_watch = child.watch_exit(loop, self._on_leader_exit)
        self._sync_reader()
        self._set_status(SessionStatus.RUNNING)
        if self.config.timeout is not None:
            self._arm_idle(self.config.timeout)

    async def stop(self, grace: float = 1.0) -> int | None:
        """Hang up every process of the session (SIGHUP, SIGKILL after `grace` s), reap, close.

        Returns the main child's exit code. Safe to call repeatedly or on a never-started session.
        """
        if self._child is None or self._finished is None:
            if self._status is SessionStatus.INITIALIZING:
                self._set_status(SessionStatus.TERMINATED)
            return self._exit_code
        if not self._finalized and self._shutdown_task is None:
            self._set_status(SessionStatus.TERMINATING)
            self._shutdown_task = asyncio.get_running_loop().create_task(self._shutdown(grace))
        await asyncio.shield(self._finished)
        return self._exit_code

    async def detach(self) -> None:
        """Let go of the session while its process runs on (the tmux backend keeps it).

        Its output stops reaching us and the session ends here (`terminated`, without a
        `ProcessExited`); attaching later brings the same process back. `SessionError` when
        the backend cannot keep processes (PTYs die with the app: use `stop`).
        """
        child = self._require_live("detach")
        child.detach()
        self._detached = True
        self._set_status(SessionStatus.TERMINATING)
        self._finalize()

    @property
    def is_detached(self) -> bool:
        """True after `detach`: the process may well still run, elsewhere."""
        return self._detached

    async def pause(self) -> None:
        """Freeze every process of the session (SIGSTOP); the status becomes `paused`."""
        child = self._require_live("pause")
        if self._status is SessionStatus.RUNNING:
            child.signal_all(signal.SIGSTOP)
            self._set_status(SessionStatus.PAUSED)

    async def resume(self) -> None:
        """Let a paused session run again (SIGCONT)."""
        child = self._require_live("resume")
        if self._status is SessionStatus.PAUSED:
            child.signal_all(signal.SIGCONT)
            self._set_status(SessionStatus.RUNNING)

    def _on_leader_exit(self) -> None:
        child = self._child
        if child is None:
            return
        code = child.try_reap()
        if code is None:  # not reaped after all (should not happen): watch again
            assert self._loop is not None
            self._exit_watch = child.watch_exit(self._loop, self._on_leader_exit)
            return
        self._exit_watch = None
        self._reaped = True
        self._exit_code = code
        self._leader_exited.set()
        if not self._finalized and self._shutdown_task is None:
            # Exited by itself: clear out what it left behind, collect the last output, finish.
            self._set_status(SessionStatus.TERMINATING)
            assert self._loop is not None
            self._shutdown_task = self._loop.create_task(self._shutdown(_EXIT_GRACE))

    async def _shutdown(self, grace: float) -> None:
        child = self._child
        assert child is not None
        try:
            await child.hang_up(grace)
            await asyncio.wait_for(self._leader_exited.wait(), 5.0)
            if not self._eof and not self._pause_tokens:
                await asyncio.wait_for(self._eof_seen.wait(), 2.0)
        except TimeoutError:
            log.warning("session %s: shutdown did not complete cleanly", self.id.short)
        finally:
            self._finalize()

    def _finalize(self) -> None:
        if self._finalized:
            return
        self._finalized = True
        child = self._child
        assert child is not None and self._loop is not None
        self._cancel_idle()
        self._set_reading(False)
        if self._writing:
            self._loop.remove_writer(child.write_fd)
            self._writing = False
        if not self._eof:
            try:
                data, _ = read_available(child.read_fd, _FINAL_DRAIN_LIMIT)
            except OSError:
                data = b""
            if data:
                self._on_output(data)
            self._eof = True
        child.close()
        self._pending.clear()
        self._fail_waiters(ProcessError(f"session {self.id.short} ended"))
        if self._capture is not None and not self._capture.future.done():
            self._capture.future.set_exception(
                ProcessError(f"session {self.id.short} ended before the command finished")
            )
        if self._reaped:
            self._exit_watch = None
        if not self._detached:
            self._emit(ProcessExited(self.id, self._exit_code))
        self._set_status(SessionStatus.TERMINATED)
        if self._finished is not None and not self._finished.done():
            self._finished.set_result(self._exit_code)

    # --- output ------------------------------------------------------------------------------

    def _sync_reader(self) -> None:
        want = (
            self._child is not None
            and not self._finalized
            and not self._eof
            and not self._pause_tokens
        )
        self._set_reading(want)

    def _set_reading(self, on: bool) -> None:
        if on == self._reading or self._child is None or self._loop is None:
            return
        if on:
            self._loop.add_reader(self._child.read_fd, self._on_readable)
        else:
            self._loop.remove_reader(self._child.read_fd)
        self._reading = on

    def _on_readable(self) -> None:
        """Read what is there and deliver it in chunks of about `READ_CHUNK` bytes.

        Several reads per wake-up, up to `READ_BATCH` bytes or `READ_SECONDS`, cut the per-byte
        cost on a flooding child while one wake-up still stays short. A PTY hands out ~4 KiB per
        read, and those are joined; the output relay's pipe hands out 64 KiB, passed on as read.
        """
        assert self._child is not None
        fd = self._child.read_fd
        parts: list[bytes] = []
        size = held = 0
        eof = False
        deadline = time.perf_counter() + READ_SECONDS
        while size < READ_BATCH and time.perf_counter() < deadline:
            try:
                chunk = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.EIO:
                    log.warning("session %s: read failed: %s", self.id.short, exc)
                eof = True
                break
            if not chunk:
                eof = True
                break
            parts.append(chunk)
            size += len(chunk)
            held += len(chunk)
            if held >= READ_CHUNK:
                self._on_output(parts[0] if len(parts) == 1 else b"".join(parts))
                parts.clear()
                held = 0
                if not self._reading:  # a listener paused reading (backpressure)
                    return
            if len(chunk) < 1024:  # a trickle: do not spend a syscall just to hear EAGAIN
                break
        if parts:
            self._on_output(parts[0] if len(parts) == 1 else b"".join(parts))
        if eof:
            self._set_reading(False)
            if self._child.leave_relay():  # the relay ended, not necessarily the child
                self._sync_reader()
                return
            self._eof = True
            self._eof_seen.set()

    def _on_output(self, data: bytes) -> None:
        self._buffer.append(data)
        self._touch()
        if self._capture is not None:
            self._capture.feed(data)
        self._emit(OutputReceived(self.id, data))

    async def read_output(self) -> bytes:
        """Output buffered since the last call (at most `output_buffer_size` bytes, the newest)."""
        return self._buffer.take()

    def pause_reading(self, owner: object = _USER_PAUSE) -> None:
        """Stop reading the child's output (it blocks once the PTY fills up); nothing is lost.

        Reading stays paused while any `owner` holds a pause, so independent consumers (a pane,
        an event stream) cannot resume each other's backpressure by mistake.
        """
        self._add_pause_token(owner)

    def resume_reading(self, owner: object = _USER_PAUSE) -> None:
        """Give back the pause held by `owner`."""
        self._remove_pause_token(owner)

    def set_read_ahead(self, size: int) -> bool:
        """Let about `size` bytes of output wait unread before the child blocks; False if that
        cannot be set now (no output relay, or more than `size` is already waiting)."""
        if self._child is None or self._finalized:
            return False
        return self._child.set_read_ahead(size)

    def _add_pause_token(self, token: object) -> None:
        self._pause_tokens.add(token)
        self._sync_reader()

    def _remove_pause_token(self, token: object) -> None:
        self._pause_tokens.discard(token)
        self._sync_reader()

    # --- input -------------------------------------------------------------------------------

    def _require_live(self, action: str) -> ChildProcess:
        if self._status not in _LIVE or self._child is None or self._finalized:
            label = f" ({self.config.name})" if self.config.name else ""
            raise SessionError(
                f"cannot {action} session {self.id.short}{label}: it is {self._status.value}"
            )
        return self._child

    def write(self, data: bytes | str) -> None:
        """Queue input for the child without ever blocking; raises `SessionError` if not running."""
        self._require_live("write to")
        if isinstance(data, str):
            try:
                data = data.encode()
            except UnicodeEncodeError as exc:
                raise SessionError(f"input cannot be encoded as UTF-8: {exc}") from None
        if not data:
            return
        self._pending += data
        self._touch()
        if not self._writing:
            self._flush()

    async def send_input(self, data: bytes | str) -> None:
        """Write `data` and wait until the child has taken all pending input."""
        self.write(data)
        if self._pending:
            assert self._loop is not None
            waiter: asyncio.Future[None] = self._loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _flush(self) -> None:
        child = self._child
        assert child is not None and self._loop is not None
        fd = child.write_fd
        while self._pending:
            try:
                written = os.write(fd, self._pending[:READ_CHUNK])
            except BlockingIOError:
                break
            except OSError as exc:
                self._pending.clear()
                if self._writing:
                    self._loop.remove_writer(fd)
                    self._writing = False
                self._fail_waiters(ProcessError(f"cannot write to session {self.id.short}: {exc}"))
                return
            del self._pending[:written]
        if self._pending and not self._writing:
            self._loop.add_writer(fd, self._flush)
            self._writing = True
        elif not self._pending:
            if self._writing:
                self._loop.remove_writer(fd)
                self._writing = False
            waiters, self._drain_waiters = self._drain_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _fail_waiters(self, error: Exception) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(error)

    def resize(self, rows: int, cols: int) -> None:
        """Set the terminal size (the child gets SIGWINCH); before `start`, the initial size."""
        if rows <= 0 or cols <= 0:
            raise ValueError(f"terminal size must be positive, got {rows}x{cols}")
        self._size = (rows, cols)
        if self._child is not None and not self._finalized:
            self._child.resize(rows, cols)

    # --- commands ----------------------------------------------------------------------------

    async def execute_command(self, command: str, timeout: float = 30.0) -> str:  # noqa: ASYNC109
        """Run `command` in the session's shell and wait for it; returns its output.

        Records a `CommandRecord` with the real exit code and duration. Output beyond
        `output_buffer_size` bytes keeps only its newest part. On timeout the command is
        interrupted (Ctrl-C on a PTY, SIGINT to the shell's children headless), a record with no
        exit code is kept, and `CommandTimeout` is raised; the session stays usable. Needs a POSIX
        shell (sh, bash, zsh, dash) as the session's program.
        """
        if not command.strip():
            raise SessionError("cannot execute an empty command")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        async with self._command_lock:
            child = self._require_live("run a command in")
            if self._status is SessionStatus.PAUSED:
                raise SessionError(f"cannot run a command in session {self.id.short}: it is paused")
            assert self._loop is not None
            token = uuid.uuid4().hex
            capture = CommandCapture(token, self._loop, self.config.output_buffer_size)
            started_at = utc_now()
            started = time.monotonic()
            self._capture = capture
            try:
                line = CommandCapture.shell_line(command, token).encode()
                # On a PTY, Ctrl-U first discards whatever a person left half-typed on the line.
                await self.send_input(line if child.is_headless else b"\x15" + line)
                output, code = await asyncio.wait_for(asyncio.shield(capture.future), timeout)
            except TimeoutError:
                self._interrupt(child)
                text = _to_text(capture.partial())
                self._record(command, started_at, started, None, text)
                raise CommandTimeout(
                    f"command {command!r} did not finish within {timeout:g}s; it was "
                    "interrupted and the session is still usable"
                ) from None
            finally:
                self._capture = None
            text = _to_text(output)
            self._record(command, started_at, started, code, text)
            return text

    def _record(
        self, command: str, at: datetime, started: float, code: int | None, output: str
    ) -> None:
        preview = output if len(output) <= PREVIEW_CHARS else output[:PREVIEW_CHARS] + "..."
        self.add_command_record(
            CommandRecord(
                command=command,
                timestamp=at,
                exit_code=code,
                output_preview=preview,
                duration_ms=round((time.monotonic() - started) * 1000),
                cwd=str(self.config.working_directory),
                output=output,
            )
        )

    def _interrupt(self, child: ChildProcess) -> None:
        if self._finalized:
            return
        if child.is_headless:
            # Background jobs of a non-interactive shell ignore SIGINT: only the command dies.
            signal_session(child.pid, signal.SIGINT, exclude=[child.pid])
        else:
            self.write(b"\x03")

    # --- idle timeout ------------------------------------------------------------------------

    def _touch(self) -> None:
        self._activity_wall = time.time()
        self._activity_mono = time.monotonic()

    def _arm_idle(self, delay: float) -> None:
        assert self._loop is not None
        self._idle_handle = self._loop.call_later(delay, self._check_idle)

    def _cancel_idle(self) -> None:
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None

    def _check_idle(self) -> None:
        """One timer per session, re-armed from `last_activity` rather than reset per chunk."""
        self._idle_handle = None
        timeout = self.config.timeout
        if timeout is None or self._finalized or self._status is SessionStatus.TERMINATING:
            return
        idle = time.monotonic() - self._activity_mono
        if idle >= timeout and self._status is SessionStatus.RUNNING:
            log.info("session %s idle for %.1fs: stopping", self.id.short, idle)
            assert self._loop is not None
            self._idle_task = self._loop.create_task(self.stop())
        else:
            self._arm_idle(max(timeout - idle, 0.05) if idle < timeout else timeout)
