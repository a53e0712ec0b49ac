"""The app's control socket: an asyncio Unix-socket server speaking newline-delimited JSON.

Every connection and every request runs in its own task, so a slow `exec` never holds up a
`capture`, and nothing here blocks the event loop. Only the owner's uid may talk to it (the
folder is 0700, the socket 0600, and the peer's uid is checked with ``SO_PEERCRED``).
"""

from __future__ import annotations

import asyncio
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


class _Connection:
    """One client: its writer and the requests it has in flight."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.tasks: set[asyncio.Task[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        if not self.writer.is_closing():
            self.writer.write(encode(message))

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.writer.drain()


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
    ) -> None:
        self.backend = backend
        self.path = path
        self.allowed_uid = os.getuid() if allowed_uid is None else allowed_uid
        self.max_request_bytes = max_request_bytes
        self.event_queue = event_queue
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
        raise ControlError(INTERNAL, f"another app already listens on {self.path}")

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
        connection = _Connection(writer)
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
            try:
                line = await reader.readline()
            except ValueError:
                too_large = ControlError(
                    TOO_LARGE,
                    f"request longer than {self.max_request_bytes} bytes; connection closed",
                )
                connection.send(failure(None, too_large))
                await connection.drain()
                return
            except ConnectionError:
                return
            if not line:
                return
            if not line.strip():
                continue
            try:
                request = parse_request(line)
            except ControlError as error:
                connection.send(failure(request_id_of(line), error))
                await connection.drain()
                continue
            task = asyncio.create_task(self._serve(connection, request))
            connection.tasks.add(task)
            task.add_done_callback(connection.tasks.discard)

    async def _serve(self, connection: _Connection, request: Request) -> None:
        try:
            if request.op == "subscribe":
                await self._stream(connection, request)
                return
            result = await self.backend.call(request.op, request.params)
            connection.send(ok(request.id, result))
        except ControlError as error:
            connection.send(failure(request.id, error))
        except asyncio.CancelledError:
            if self._closing:
                connection.send(
                    failure(request.id, ControlError(SHUTTING_DOWN, "the app is shutting down"))
                )
            return
        except Exception as error:
            log.exception("control request %r failed", request.op)
            connection.send(failure(request.id, ControlError(INTERNAL, f"internal error: {error}")))
        await connection.drain()

    async def _stream(self, connection: _Connection, request: Request) -> None:
        """Reply once, then send events until the client leaves or the app stops."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        dropped = 0

        def emit(payload: dict[str, Any]) -> None:
            nonlocal dropped
            if queue.qsize() >= self.event_queue:
                queue.get_nowait()
                dropped += 1
            queue.put_nowait(payload)

        unsubscribe = self.backend.subscribe(request.params, emit)
        try:
            connection.send(ok(request.id, {"subscribed": True}))
            await connection.drain()
            while not connection.writer.is_closing():
                payload = await queue.get()
                if dropped:
                    connection.send(event(request.id, {"type": "dropped", "count": dropped}))
                    dropped = 0
                connection.send(event(request.id, payload))
                await connection.drain()
        finally:
            unsubscribe()
