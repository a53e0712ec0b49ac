"""The app's control socket: an asyncio Unix-socket server speaking newline-delimited JSON.

Every connection and every request runs in its own task, so a slow `exec` never holds up a
`capture`, and nothing here blocks the event loop. Only the owner's uid may talk to it (the
folder is 0700, the socket 0600, and the peer's uid is checked with ``SO_PEERCRED``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import socket
import stat
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from .paths import MAX_SOCKET_PATH, prepare_socket_dir
from .protocol import (
    IN_USE,
    INTERNAL,
    MAX_REQUEST_BYTES,
    REFUSED,
    SHUTTING_DOWN,
    TOO_LARGE,
    ControlError,
    Request,
    encode,
    event,
    failure,
    ok,
    parse_request,
    request_id_of,
)

log = logging.getLogger(__name__)

#: Events queued for one slow subscriber before the oldest are dropped (and counted).
EVENT_QUEUE = 2000
#: ... and the characters of output those events may hold together.
EVENT_QUEUE_CHARS = 1024 * 1024
#: Requests one connection may have running at once; further lines wait unread.
MAX_IN_FLIGHT = 64

Emit = Callable[[dict[str, Any]], None]


class Backend(Protocol):
    """What the server serves: the app side implements this (see `control.backend`)."""

    def call(self, op: str, params: dict[str, Any]) -> Awaitable[dict[str, Any]]:
        """Run one operation; raise `ControlError` for anything the client did wrong."""
        ...

    def subscribe(self, params: dict[str, Any], emit: Emit) -> Callable[[], None]:
        """Start calling `emit` with event payloads; returns the function that stops it."""
        ...


def peer_uid(sock: Any) -> int | None:
    """The uid of the process at the other end of a Unix socket (None where unsupported)."""
    peercred = getattr(socket, "SO_PEERCRED", None)
    if peercred is None:
        return None
    data = sock.getsockopt(socket.SOL_SOCKET, peercred, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", data)
    return int(uid)


def claim_socket(path: Path) -> None:
    """Make sure this app can serve `path`, before it takes over the terminal.

    A socket someone answers on belongs to another running app: `ControlError` (``in_use``).
    One nobody answers on was left by an app that died: it is removed. Anything else at that
    path is not ours to touch: `ControlError` too.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ControlError(IN_USE, f"{path} exists and is not a socket; not touching it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2.0)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    except OSError as error:
        raise ControlError(IN_USE, f"cannot check {path}: {error.strerror or error}") from None
    finally:
        probe.close()
    raise ControlError(IN_USE, f"another app is already serving {path}")


class _Connection:
    """One client: its writer, the requests it has in flight, and its backpressure.

    At most `max_in_flight` requests run at once, and no further request is read while the
    client leaves earlier replies unread (the socket's write buffer is above its high-water
    mark): a client that sends and never reads stalls only itself, the kernel's buffers fill,
    and its own `send` blocks, instead of the app queueing replies for it without end.
    """

    def __init__(self, writer: asyncio.StreamWriter, max_in_flight: int) -> None:
        self.writer = writer
        self.tasks: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(max_in_flight)
        self._writing = asyncio.Lock()

    def send(self, message: dict[str, Any]) -> None:
        """Write at once, whatever is buffered (refusals and shutdown notices only)."""
        if not self.writer.is_closing():
            self.writer.write(encode(message))

    async def reply(self, message: dict[str, Any]) -> None:
        """Write `message` once the client has taken the previous ones, so at most one reply
        waits beyond the transport's high-water mark."""
        async with self._writing:
            await self.drain()
            self.send(message)

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.writer.drain()

    async def ready_for_request(self) -> None:
        """Wait for a free slot and for the client to have read what was sent to it."""
        await self.slots.acquire()
        await self.drain()

    def track(self, task: asyncio.Task[None]) -> None:
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.slots.release()


class ControlServer:
    """Serves `backend` on a Unix socket at `path` until `stop()`."""

    def __init__(
        self,
        backend: Backend,
        path: Path,
        *,
        allowed_uid: int | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        event_queue: int = EVENT_QUEUE,
        event_queue_chars: int = EVENT_QUEUE_CHARS,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.backend = backend
        self.path = path
        self.allowed_uid = os.getuid() if allowed_uid is None else allowed_uid
        self.max_request_bytes = max_request_bytes
        self.event_queue = event_queue
        self.max_in_flight = max_in_flight
        self.event_queue_chars = event_queue_chars
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[_Connection] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._closing = False
        self._inode: int | None = None

    @property
    def serving(self) -> bool:
        return self._server is not None and not self._closing

    async def start(self) -> None:
        """Bind the socket; a stale socket is replaced, a live one (another app) is an error."""
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise ControlError(INTERNAL, f"control socket path is too long: {self.path}")
        prepare_socket_dir(self.path)
        await self._clear_stale()
        self._server = await asyncio.start_unix_server(
            self._on_client, path=str(self.path), limit=self.max_request_bytes + 1
        )
        os.chmod(self.path, 0o600)
        self._inode = os.stat(self.path).st_ino

    async def _clear_stale(self) -> None:
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(mode):
            raise ControlError(INTERNAL, f"{self.path} exists and is not a socket; not touching it")
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(str(self.path)), 2.0
            )
        except (ConnectionRefusedError, FileNotFoundError, TimeoutError):
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        writer.close()
        raise ControlError(IN_USE, f"another app already listens on {self.path}")

    async def stop(self) -> None:
        """Stop serving: every waiting client gets a `shutting_down` error, then its connection
        closes, and the socket file goes away."""
        if self._closing or self._server is None:
            return
        self._closing = True
        self._server.close()
        for connection in list(self._connections):
            for task in list(connection.tasks):
                task.cancel()
        tasks = [t for c in self._connections for t in c.tasks]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for connection in list(self._connections):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(connection.drain(), 1.0)
            connection.writer.close()
        for handler in list(self._handlers):
            handler.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            if os.stat(self.path).st_ino == self._inode:
                self.path.unlink()

    # -- connections ---------------------------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        if handler is not None:
            self._handlers.add(handler)
        connection = _Connection(writer, self.max_in_flight)
        try:
            uid = peer_uid(writer.get_extra_info("socket"))
            if uid is not None and uid != self.allowed_uid:
                log.warning("control socket: refused a client of uid %s", uid)
                connection.send(
                    failure(None, ControlError(REFUSED, "refused: the app belongs to another user"))
                )
                await connection.drain()
                return
            self._connections.add(connection)
            await self._read_requests(reader, connection)
        except asyncio.CancelledError:
            pass
        finally:
            for task in list(connection.tasks):
                task.cancel()
            self._connections.discard(connection)
            writer.close()
            if handler is not None:
                self._handlers.discard(handler)

    async def _read_requests(self, reader: asyncio.StreamReader, connection: _Connection) -> None:
        while not self._closing:
            await connection.ready_for_request()
            try:
                line = await reader.readline()
            except ValueError:
                too_large = ControlError(
                    TOO_LARGE,
                    f"request longer than {self.max_request_bytes} bytes; connection closed",
                )
                await connection.reply(failure(None, too_large))
                return
            except ConnectionError:
                return
            if not line:
                return
            if not line.strip():
                connection.slots.release()
                continue
            try:
                request = parse_request(line)
            except ControlError as error:
                await connection.reply(failure(request_id_of(line), error))
                connection.slots.release()
                continue
            connection.track(asyncio.create_task(self._serve(connection, request)))

    async def _serve(self, connection: _Connection, request: Request) -> None:
        try:
            if request.op == "subscribe":
                await self._stream(connection, request)
                return
            result = await self.backend.call(request.op, request.params)
            reply = ok(request.id, result)
        except ControlError as error:
            reply = failure(request.id, error)
        except asyncio.CancelledError:
            if self._closing:
                connection.send(
                    failure(request.id, ControlError(SHUTTING_DOWN, "the app is shutting down"))
                )
            return
        except Exception as error:
            log.exception("control request %r failed", request.op)
            reply = failure(request.id, ControlError(INTERNAL, f"internal error: {error}"))
        try:
            await connection.reply(reply)
        except asyncio.CancelledError:
            return

    async def _stream(self, connection: _Connection, request: Request) -> None:
        """Reply once, then send events until the client leaves or the app stops.

        Events wait in a queue bounded by count and by the output characters they carry; a
        subscriber that reads too slowly loses the oldest and is told how many.
        """
        queue: collections.deque[dict[str, Any]] = collections.deque()
        queued_chars = 0
        dropped = 0
        wake = asyncio.Event()

        def weight(payload: dict[str, Any]) -> int:
            text = payload.get("text")
            return len(text) if isinstance(text, str) else 0

        def emit(payload: dict[str, Any]) -> None:
            nonlocal dropped, queued_chars
            queue.append(payload)
            queued_chars += weight(payload)
            while len(queue) > 1 and (
                len(queue) > self.event_queue or queued_chars > self.event_queue_chars
            ):
                queued_chars -= weight(queue.popleft())
                dropped += 1
            wake.set()

        unsubscribe = self.backend.subscribe(request.params, emit)
        try:
            await connection.reply(ok(request.id, {"subscribed": True}))
            while not connection.writer.is_closing():
                if not queue:
                    wake.clear()
                    await wake.wait()
                    continue
                if dropped:
                    count, dropped = dropped, 0
                    await connection.reply(event(request.id, {"type": "dropped", "count": count}))
                    continue
                payload = queue.popleft()
                queued_chars -= weight(payload)
                await connection.reply(event(request.id, payload))
        finally:
            unsubscribe()
