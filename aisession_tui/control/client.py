"""Clients of the control socket: a blocking one for the CLI, an asyncio one for the MCP server.

Both turn "nobody listening" into `AppNotRunning` and an error reply into `ControlError`, so
callers show one clear line instead of a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from .paths import socket_path
from .protocol import (
    BAD_REQUEST,
    DISCONNECTED,
    MAX_REQUEST_BYTES,
    PROTOCOL_VERSION,
    TIMEOUT,
    AppNotRunning,
    ControlError,
    encode,
)

#: Reply lines may carry a whole scrollback; allow far more than a request.
MAX_REPLY_BYTES = 64 * 1024 * 1024


def _not_running(path: Path) -> AppNotRunning:
    return AppNotRunning(f"no aisession-tui app is running (nothing listens on {path})")


def _result(reply: dict[str, Any]) -> dict[str, Any]:
    if reply.get("ok"):
        result = reply.get("result")
        return result if isinstance(result, dict) else {}
    error = reply.get("error") or {}
    raise ControlError(str(error.get("code", "error")), str(error.get("message", reply)))


def _decode(line: bytes) -> dict[str, Any]:
    try:
        reply = json.loads(line)
    except json.JSONDecodeError as error:
        raise ControlError(BAD_REQUEST, f"the app sent a malformed reply: {error}") from None
    if not isinstance(reply, dict):
        raise ControlError(BAD_REQUEST, "the app sent a malformed reply")
    return reply


class ControlClient:
    """Blocking client: one connection per request (or per event stream)."""

    def __init__(self, path: Path | None = None, *, connect_timeout: float = 5.0) -> None:
        self.path = path or socket_path()
        self.connect_timeout = connect_timeout
        self._ids = itertools.count(1)

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.connect_timeout)
        try:
            sock.connect(str(self.path))
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            sock.close()
            raise _not_running(self.path) from None
        except TimeoutError:
            sock.close()
            raise ControlError(
                TIMEOUT, f"the app at {self.path} does not accept connections"
            ) from None
        except OSError as error:
            sock.close()
            raise ControlError(
                DISCONNECTED, f"cannot connect to {self.path}: {error.strerror or error}"
            ) from None
        return sock

    def request(
        self, op: str, params: dict[str, Any] | None = None, *, timeout: float | None = 30.0
    ) -> dict[str, Any]:
        """Send one request and wait up to `timeout` seconds (None: forever) for its reply."""
        request_id = next(self._ids)
        line = encode({"v": PROTOCOL_VERSION, "id": request_id, "op": op, "params": params or {}})
        with self._connect() as sock:
            sock.settimeout(timeout)
            try:
                sock.sendall(line)
                with sock.makefile("rb") as stream:
                    reply_line = stream.readline(MAX_REPLY_BYTES)
            except TimeoutError:
                raise ControlError(TIMEOUT, f"no reply from the app within {timeout:g}s") from None
            except ConnectionError:
                reply_line = b""
        if not reply_line:
            raise ControlError(DISCONNECTED, "the app closed the connection without replying")
        return _result(_decode(reply_line))

    def events(self, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Subscribe and yield event payloads until the app stops (then `ControlError`)."""
        line = encode({"v": PROTOCOL_VERSION, "id": 1, "op": "subscribe", "params": params or {}})
        with self._connect() as sock:
            sock.settimeout(None)
            sock.sendall(line)
            with sock.makefile("rb") as stream:
                first = stream.readline(MAX_REPLY_BYTES)
                if not first:
                    raise ControlError(DISCONNECTED, "the app closed the connection")
                _result(_decode(first))
                for raw in stream:
                    message = _decode(raw)
                    if "event" in message:
                        yield message["event"]
                    else:
                        _result(message)
                raise ControlError(DISCONNECTED, "the app closed the connection")


class AsyncControlClient:
    """Asyncio client on one connection; many requests may be in flight, matched by id."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or socket_path()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._reading: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AsyncControlClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(
                str(self.path), limit=MAX_REPLY_BYTES
            )
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            raise _not_running(self.path) from None
        self._reading = asyncio.create_task(self._read_replies())

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading

    async def _read_replies(self) -> None:
        assert self._reader is not None
        error = ControlError(DISCONNECTED, "the app closed the connection without replying")
        try:
            while line := await self._reader.readline():
                reply = _decode(line)
                if reply.get("id") is None and not reply.get("ok"):
                    # An error about the connection itself (refused, too large) ends it all.
                    error = ControlError(
                        str(reply.get("error", {}).get("code", "error")),
                        str(reply.get("error", {}).get("message", reply)),
                    )
                    break
                future = self._pending.pop(reply.get("id"), None)  # type: ignore[arg-type]
                if future is not None and not future.done():
                    future.set_result(reply)
        except (ConnectionError, ValueError, ControlError):
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()

    async def request(
        self,
        op: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = 30.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        if self._writer is None or self._reading is None or self._reading.done():
            raise ControlError(DISCONNECTED, "not connected to the app")
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        line = encode({"v": PROTOCOL_VERSION, "id": request_id, "op": op, "params": params or {}})
        if len(line) > MAX_REQUEST_BYTES:
            self._pending.pop(request_id, None)
            raise ControlError(BAD_REQUEST, f"request longer than {MAX_REQUEST_BYTES} bytes")
        self._writer.write(line)
        try:
            await self._writer.drain()
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ControlError(TIMEOUT, f"no reply from the app within {timeout:g}s") from None
        except ConnectionError:
            raise ControlError(DISCONNECTED, "the app closed the connection") from None
        finally:
            self._pending.pop(request_id, None)
        return _result(reply)


async def call(
    op: str,
    params: dict[str, Any] | None = None,
    *,
    path: Path | None = None,
    timeout: float | None = 30.0,  # noqa: ASYNC109
) -> dict[str, Any]:
    """One request on its own connection."""
    async with AsyncControlClient(path) as client:
        return await client.request(op, params, timeout=timeout)


async def subscribe(
    params: dict[str, Any] | None = None, *, path: Path | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Event payloads from the app, until it stops (then `ControlError`)."""
    target = path or socket_path()
    try:
        reader, writer = await asyncio.open_unix_connection(str(target), limit=MAX_REPLY_BYTES)
    except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
        raise _not_running(target) from None
    try:
        writer.write(
            encode({"v": PROTOCOL_VERSION, "id": 1, "op": "subscribe", "params": params or {}})
        )
        first = await reader.readline()
        if not first:
            raise ControlError(DISCONNECTED, "the app closed the connection")
        _result(_decode(first))
        while line := await reader.readline():
            message = _decode(line)
            if "event" in message:
                yield message["event"]
            else:
                _result(message)
        raise ControlError(DISCONNECTED, "the app closed the connection")
    finally:
        writer.close()
