"""Sessions on several machines in one app: each session's `host` picks where it runs.

A session without a host runs on the app's own backend (PTYs, the local tmux server, or the
`--host` machine's); one with `host = "me@build1"` runs on that machine's tmux server for the
workspace, reached over ssh. There is one `TmuxBackend` (one server, one control-mode client)
per machine, made when a session first needs it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path

from .backends import BackendName, PtyBackend, SessionBackend, TmuxBackend
from .config import SessionConfig
from .errors import SessionError
from .process import ChildProcess
from .runtime import Runtime
from .types import SessionId

log = logging.getLogger(__name__)


class HostsBackend(SessionBackend):
    """The app's own backend for sessions without a host, a tmux server per named host."""

    def __init__(
        self,
        default: SessionBackend,
        *,
        workspace: str = "default",
        scrollback: int = 10_000,
        hosts: tuple[str, ...] = (),
        hook_socket: Path | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.default = default
        self._runtime = runtime
        self.name: BackendName = default.name
        self._workspace = workspace
        self._scrollback = scrollback
        self._hook_socket = hook_socket
        self._remote: dict[str, TmuxBackend] = {}
        for host in hosts:
            self.backend_for_host(host)

    @property
    def survives_detach(self) -> bool:  # type: ignore[override]
        """True when some session may outlive the app (those that cannot are stopped)."""
        return self.default.survives_detach or bool(self._remote)

    @property
    def default_host(self) -> str | None:
        return self.default.server.host if isinstance(self.default, TmuxBackend) else None

    def backend_for_host(self, host: str | None) -> SessionBackend:
        if host is None or host == self.default_host:
            return self.default
        found = self._remote.get(host)
        if found is None:
            found = TmuxBackend(
                self._workspace,
                scrollback=self._scrollback,
                host=host,
                hook_socket=self._hook_socket,
                runtime=self._runtime,
            )
            self._remote[host] = found
        return found

    def backend_for(self, config: SessionConfig) -> SessionBackend:
        return self.backend_for_host(config.host)

    @property
    def backends(self) -> list[SessionBackend]:
        return [self.default, *self._remote.values()]

    async def spawn(
        self, session_id: SessionId, config: SessionConfig, size: tuple[int, int]
    ) -> ChildProcess:
        return await self.backend_for(config).spawn(session_id, config, size)

    async def settle(self) -> None:
        await asyncio.gather(*(backend.settle() for backend in self.backends))

    async def running_sessions(self) -> list[tuple[SessionId, SessionConfig, datetime]]:
        """The sessions still running on every server this app knows (an attach): a host that
        cannot be reached is logged and skipped, unless none answers."""
        tmux = [b for b in self.backends if isinstance(b, TmuxBackend)]
        answers = await asyncio.gather(
            *(backend.running_sessions() for backend in tmux), return_exceptions=True
        )
        found: list[tuple[SessionId, SessionConfig, datetime]] = []
        errors: list[BaseException] = []
        for backend, answer in zip(tmux, answers, strict=True):
            if isinstance(answer, SessionError):
                log.warning("tmux server %s: %s", backend.server.host or "here", answer)
                errors.append(answer)
            elif isinstance(answer, BaseException):
                raise answer
            else:
                host = backend.server.host
                for session_id, config, created in answer:  # its sessions stay where they are
                    if host is not None and config.host is None and host != self.default_host:
                        config = config.model_copy(update={"host": host})
                    found.append((session_id, config, created))
        if errors and len(errors) == len(tmux):
            raise errors[0]
        return found

    async def detach(self) -> None:
        await asyncio.gather(
            *(b.detach() for b in self.backends if isinstance(b, TmuxBackend)),
            return_exceptions=True,
        )


def make_backend(
    name: BackendName,
    *,
    workspace: str | None = None,
    scrollback: int = 10_000,
    host: str | None = None,
    hosts: tuple[str, ...] = (),
    hook_socket: Path | None = None,
    runtime: Runtime | None = None,
) -> SessionBackend:
    """The backend called `name` (`--backend`, or `backend =` in a workspace file); `host`
    puts the tmux server on another machine. Sessions naming a host of their own run on that
    machine's tmux server (`hosts`: those known from the start, for an attach); agents'
    hooks there reach `hook_socket` (the app's control socket) through ssh."""
    default: SessionBackend = PtyBackend(runtime)
    if name == "tmux" or host is not None:
        default = TmuxBackend(
            workspace or "default",
            scrollback=scrollback,
            host=host,
            hook_socket=hook_socket,
            runtime=runtime,
        )
    return HostsBackend(
        default,
        workspace=workspace or "default",
        scrollback=scrollback,
        hosts=hosts,
        hook_socket=hook_socket,
        runtime=runtime,
    )
