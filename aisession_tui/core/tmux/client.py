"""One tmux control-mode client (`tmux -C`) run as a subprocess and read through the loop.

Commands are lines written to its stdin; their replies come back in order, so each command
gets a future that the next `%end`/`%error` completes. Pane output and the notifications the
backend cares about are handed to the pane that registered for them. No threads, no polling:
the subprocess's stdout is a pipe transport of the running loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from ..errors import ProcessError
from .protocol import LineParser, Notification, PaneOutput, Reply, command_line, last_line

log = logging.getLogger(__name__)

#: Output of our stdout a single line may reach before it is treated as garbage (a bound).
MAX_LINE = 64 * 1024 * 1024
#: Output kept for a pane that is being opened, before anyone follows it.
MAX_ORPHAN = 4 * 1024 * 1024


Then = Callable[[list[Reply]], None]


class PaneListener(Protocol):
    """What a pane hears from the control client."""

    def on_output(self, data: bytes) -> None: ...
    def on_pause(self) -> None: ...
    def on_continue(self) -> None: ...
    def on_gone(self) -> None: ...


class ControlError(ProcessError):
    """tmux answered a command with `%error`, or the control client is gone."""


class _Protocol(asyncio.SubprocessProtocol):
    def __init__(self, client: ControlClient) -> None:
        self._client = client

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            self._client._on_stdout(data)
        else:
            self._client._on_stderr(data)

    def connection_lost(self, exc: Exception | None) -> None:
        # Called once the process has exited *and* its pipes are drained: no output is lost.
        self._client._on_exit()


class ControlClient:
    """A `tmux ... -C` process: commands in, replies, pane output and notifications out."""

    def __init__(self) -> None:
        self._transport: asyncio.SubprocessTransport | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._parser = LineParser()
        self._partial = bytearray()
        self._waiting: deque[asyncio.Future[Reply]] = deque()
        #: Called with the replies of a `send_together` as soon as its last one is read.
        self._then: dict[asyncio.Future[Reply], tuple[list[asyncio.Future[Reply]], Then]] = {}
        self._panes: dict[str, PaneListener] = {}
        #: Output of panes nobody follows yet, kept while a window is being opened.
        self._orphans: dict[str, bytearray] = {}
        self._keeping = 0
        self._stderr = bytearray()
        self._closed: asyncio.Future[None] | None = None
        self.exit_reason: str | None = None
        #: The process's exit status once it has ended (ssh's is the remote command's).
        self.returncode: int | None = None
        #: Called with every notification other than pane output, pause and continue.
        self.on_notification: Callable[[Notification], None] | None = None

    @property
    def alive(self) -> bool:
        return self._transport is not None and self._closed is not None and not self._closed.done()

    async def start(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        """Run `argv` (a `tmux -C` command line); raises `ProcessError` if it cannot run."""
        loop = asyncio.get_running_loop()
        self._closed = loop.create_future()
        try:
            transport, _ = await loop.subprocess_exec(
                lambda: _Protocol(self),
                *argv,
                env=dict(env),
                start_new_session=True,  # Ctrl+C meant for the app must not reach the client
            )
        except OSError as exc:
            raise ProcessError(f"cannot run tmux: {exc.strerror or exc}") from None
        self._transport = transport
        stdin = transport.get_pipe_transport(0)
        assert isinstance(stdin, asyncio.WriteTransport)
        self._stdin = stdin

    def register(self, pane: str, listener: PaneListener) -> None:
        self._panes[pane] = listener
        early = self._orphans.pop(pane, None)
        if early:
            listener.on_output(bytes(early))

    @contextlib.contextmanager
    def keeping_new_output(self) -> Iterator[None]:
        """Keep the output of not yet registered panes (at most `MAX_ORPHAN` bytes each)."""
        self._keeping += 1
        try:
            yield
        finally:
            self._keeping -= 1
            if not self._keeping:
                self._orphans.clear()

    def unregister(self, pane: str) -> None:
        self._panes.pop(pane, None)

    def send(self, line: str) -> asyncio.Future[Reply]:
        """Write one command line; the future gets its reply (errors are not raised here)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        if self._stdin is None or not self.alive:
            future.set_exception(ControlError(f"tmux is not running ({self.exit_reason})"))
            return future
        self._waiting.append(future)
        self._stdin.write(line.encode() + b"\n")
        return future

    def send_together(
        self, lines: Sequence[str], then: Then | None = None
    ) -> list[asyncio.Future[Reply]]:
        """Several commands on one line: tmux runs them back to back, with no pane output read
        in between (a consistent snapshot); each still gets its own reply.

        `then` gets the replies the moment the last is read, before any line after it: output
        that follows is then known to come after the commands (a future's callbacks run later,
        when more of the stream may have been read)."""
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Reply]] = [loop.create_future() for _ in lines]
        if self._stdin is None or not self.alive:
            for future in futures:
                future.set_exception(ControlError(f"tmux is not running ({self.exit_reason})"))
            return futures
        self._waiting.extend(futures)
        if then is not None:
            self._then[futures[-1]] = (futures, then)
        self._stdin.write(" ; ".join(lines).encode() + b"\n")
        return futures

    def send_nowait(self, *lines: str) -> None:
        """Commands (on one line) whose replies nobody waits for (errors are logged)."""
        for line, future in zip(lines, self.send_together(lines), strict=True):
            future.add_done_callback(_log_failure(line))

    async def run(self, *args: str | bytes) -> Reply:
        """Run one command (arguments quoted); raises `ControlError` when tmux reports one."""
        line = command_line(args)
        reply = await self.send(line)
        if reply.error:
            what = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
            raise ControlError(f"tmux {what}: {reply.text.strip() or 'failed'}")
        return reply

    async def close(self) -> None:
        """Detach: end our stdin, so tmux lets the client go; wait until it has."""
        if self._transport is None or self._closed is None:
            return
        if self._stdin is not None and not self._stdin.is_closing():
            self._stdin.close()
        try:
            async with asyncio.timeout(5):
                await asyncio.shield(self._closed)
        except TimeoutError:
            self._transport.kill()
            await self._closed

    # --- reading ---------------------------------------------------------------------------

    def _on_stdout(self, data: bytes) -> None:
        buffer = self._partial
        start = 0
        if buffer:
            buffer += data
            data = bytes(buffer)
            buffer.clear()
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            self._on_line(data[start:end])
            start = end + 1
        if start < len(data):
            if len(data) - start > MAX_LINE:
                log.error("tmux control client: line over %d bytes dropped", MAX_LINE)
            else:
                buffer += data[start:]

    def _on_line(self, line: bytes) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        item = self._parser.feed_line(line)
        if item is None:
            return
        if isinstance(item, PaneOutput):
            pane = self._panes.get(item.pane)
            if pane is not None:
                pane.on_output(item.data)
            elif self._keeping:
                early = self._orphans.setdefault(item.pane, bytearray())
                if len(early) + len(item.data) <= MAX_ORPHAN:
                    early += item.data
        elif isinstance(item, Reply):
            if self._waiting:
                future = self._waiting.popleft()
                if not future.done():
                    future.set_result(item)
                group = self._then.pop(future, None)
                if group is not None:
                    self._call_then(*group)
        else:
            self._on_notification(item)

    def _on_notification(self, note: Notification) -> None:
        if note.name in ("pause", "continue") and note.args:
            pane = self._panes.get(note.args[0])
            if pane is not None:
                (pane.on_pause if note.name == "pause" else pane.on_continue)()
            return
        if note.name == "exit":
            self.exit_reason = " ".join(note.args) or "detached"
        if self.on_notification is not None:
            try:
                self.on_notification(note)
            except Exception:
                log.exception("tmux notification handler failed on %s", note)

    @staticmethod
    def _call_then(futures: list[asyncio.Future[Reply]], then: Then) -> None:
        if any(f.cancelled() or f.exception() is not None for f in futures):
            return
        try:
            then([f.result() for f in futures])
        except Exception:
            log.exception("tmux reply handler failed")

    def _on_stderr(self, data: bytes) -> None:
        if len(self._stderr) < 4096:
            self._stderr += data[: 4096 - len(self._stderr)]

    def _on_exit(self) -> None:
        if self._transport is not None:
            self.returncode = self._transport.get_returncode()
        if self.exit_reason is None:  # ended without a word (ssh failed, tmux missing there)
            self.exit_reason = last_line(bytes(self._stderr), "exited")
            self._on_notification(Notification("exit", [self.exit_reason]))
        self._then.clear()
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(ControlError(f"tmux exited: {self.exit_reason}"))
        panes, self._panes = self._panes, {}
        for pane in panes.values():
            pane.on_gone()
        if self._transport is not None:
            with contextlib.suppress(Exception):
                self._transport.close()
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)


def _log_failure(line: str) -> Callable[[asyncio.Future[Reply]], None]:
    def check(future: asyncio.Future[Reply]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None and future.result().error:  # e.g. a window already gone: expected
            log.debug("tmux: %s: %s", line[:80], future.result().text.strip())
        elif error is not None:
            log.debug("tmux: %s: %s", line[:80], error)

    return check
